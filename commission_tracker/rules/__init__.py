"""The Compact rules: one small pure function per rule id, and Compact profiles as data.

Each rule takes an exercise and a :class:`~commission_tracker.rules.profiles.Profile` and
returns :class:`~commission_tracker.rules.model.Check` objects, whose content depends only on
the exercise's recorded facts; :func:`~commission_tracker.rules.model.resolve` reads a check
as at a day. A rule's id names its function (``notice-period`` is ``notice_period``) and its
module is found from the id (``rules/notice.py``, ``rules/pqq.py``...).

The package's names are imported on first use (PEP 562): reading a stored check from the
views needs only ``rules.model``, and importing it must not load every rule, the profiles
and the aggregate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commission_tracker import lazy

if TYPE_CHECKING:
    from commission_tracker.rules.common import Rule
    from commission_tracker.rules.law import ProfileInvalid
    from commission_tracker.rules.model import (
        Check,
        Evidence,
        ResolvedCheck,
        Status,
        resolve,
        resolve_all,
    )
    from commission_tracker.rules.profiles import (
        Profile,
        ProfileInfo,
        available_profiles,
        load_profile,
    )
    from commission_tracker.rules.registry import RULES, evaluate

_EXPORTS = {
    "RULES": "registry",
    "Check": "model",
    "Evidence": "model",
    "Profile": "profiles",
    "ProfileInfo": "profiles",
    "ProfileInvalid": "law",
    "ResolvedCheck": "model",
    "Rule": "common",
    "Status": "model",
    "available_profiles": "profiles",
    "evaluate": "registry",
    "load_profile": "profiles",
    "resolve": "model",
    "resolve_all": "model",
}
"""Each exported name and the module (of this package) that defines it."""

__all__ = [
    "RULES",
    "Check",
    "Evidence",
    "Profile",
    "ProfileInfo",
    "ProfileInvalid",
    "ResolvedCheck",
    "Rule",
    "Status",
    "available_profiles",
    "evaluate",
    "load_profile",
    "resolve",
    "resolve_all",
]


def __getattr__(name: str) -> Any:
    return lazy.attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return lazy.names(_EXPORTS, globals())

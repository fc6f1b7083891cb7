"""The application layer shared by the command line and the dashboard.

The names below are imported on first use (PEP 562), so importing a module of this
package (``clock``, ``store``) loads only what that module needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commission_tracker import lazy

if TYPE_CHECKING:
    from commission_tracker.application.clock import Clock, parse_date, parse_moment
    from commission_tracker.application.service import COMMANDS, Tracker
    from commission_tracker.application.store import StoreConfig, StoreError

_EXPORTS = {
    "COMMANDS": "service",
    "Clock": "clock",
    "StoreConfig": "store",
    "StoreError": "store",
    "Tracker": "service",
    "parse_date": "clock",
    "parse_moment": "clock",
}
"""Each exported name and the module (of this package) that defines it."""

__all__ = [
    "COMMANDS",
    "Clock",
    "StoreConfig",
    "StoreError",
    "Tracker",
    "parse_date",
    "parse_moment",
]


def __getattr__(name: str) -> Any:
    return lazy.attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return lazy.names(_EXPORTS, globals())

"""Names a package exports, imported from their modules on first use (PEP 562).

A package's ``__init__`` lists each exported name with the module (of the package) that
defines it, and hands its module ``__getattr__`` and ``__dir__`` to the functions here, so
importing one light module of the package does not load the heavy ones beside it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def attribute(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any], name: str
) -> Any:
    """The exported ``name`` of ``package`` (kept in its ``namespace`` once imported)."""
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{module}"), name)
    namespace[name] = value
    return value


def names(exports: Mapping[str, str], namespace: dict[str, Any]) -> list[str]:
    """What ``dir(package)`` lists: what it holds and what it exports."""
    return sorted([*namespace, *exports])

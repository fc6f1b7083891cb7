"""The OCDS merge: a process's releases compiled into its current state (its record).

The rules are the standard's (OCDS 1.1, "Merging"): releases are taken in date order;
objects merge field by field; arrays of objects with ``id`` merge by ``id``; a ``null``
removes a field; the paths the release schema marks ``wholeListMerge`` are replaced
whole; the fields it marks ``omitWhenMerged`` (a release's ``id``, ``date``, ``tag``)
are left out, and the compiled release gets its own. The rules are read from the shipped
1.1.5 release schema, so no network is needed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

Path = tuple[Any, ...]


class _Id(str):
    """An array member's place in a flattened path: merged by its ``id``."""


@functools.cache
def schema(name: str = "release-schema.json") -> dict[str, Any]:
    """One of the shipped OCDS 1.1.5 schemas."""
    text = resources.files("commission_tracker.ocds").joinpath("schema", name).read_text("utf-8")
    return dict(json.loads(text))


@functools.cache
def rules() -> tuple[frozenset[Path], frozenset[Path]]:
    """The (whole-list, omitted) paths of the release schema, as tuples of field names."""
    release = schema()
    whole: set[Path] = set()
    omitted: set[Path] = set()

    def walk(node: dict[str, Any], path: Path, depth: int) -> None:
        if depth > 12:
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            node = {**release["definitions"][ref.rsplit("/", 1)[1]], **node}
            node.pop("$ref", None)
        if node.get("wholeListMerge"):
            whole.add(path)
        if node.get("omitWhenMerged"):
            omitted.add(path)
        for key, child in (node.get("properties") or {}).items():
            walk(child, (*path, key), depth + 1)
        items = node.get("items")
        if isinstance(items, dict):
            walk(items, path, depth + 1)

    walk(release, (), 0)
    return frozenset(whole), frozenset(omitted)


def _names(path: Path) -> Path:
    return tuple(part for part in path if not isinstance(part, _Id))


class _Object:
    """Marks where an object stands, so one whose fields are all removed stays, empty."""


OBJECT = _Object()


def _flatten(value: Any, path: Path, out: dict[Path, Any], whole: frozenset[Path]) -> None:
    if isinstance(value, dict):
        if path:
            out[path] = OBJECT
        for key, child in value.items():
            _flatten(child, (*path, key), out, whole)
        return
    if (
        isinstance(value, list)
        and value
        and _names(path) not in whole
        and all(isinstance(item, dict) and "id" in item for item in value)
    ):
        for item in value:
            _flatten(item, (*path, _Id(json.dumps(item["id"]))), out, whole)
        return
    if value == []:
        return  # an empty array adds nothing
    out[path] = value


def _unflatten(flat: dict[Path, Any]) -> dict[str, Any]:
    root: dict[Any, Any] = {}
    for path, value in flat.items():
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if value is OBJECT:
            node.setdefault(path[-1], {})
        else:
            node[path[-1]] = value

    def build(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        if node and all(isinstance(key, _Id) for key in node):
            return [build(child) for child in node.values()]
        return {key: build(child) for key, child in node.items()}

    return dict(build(root))


def merge(releases: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one contracting process's releases."""
    whole, omitted = rules()
    ordered = sorted(releases, key=lambda release: str(release.get("date") or ""))
    if not ordered:
        raise ValueError("There are no releases to merge.")
    flat: dict[Path, Any] = {}
    for release in ordered:
        piece: dict[Path, Any] = {}
        _flatten(release, (), piece, whole)
        for path, value in piece.items():
            if _names(path) in omitted or (len(path) == 1 and path[0] in {"id", "date", "tag"}):
                continue
            if value is None:
                for known in [p for p in flat if p[: len(path)] == path]:
                    del flat[known]
                continue
            flat[path] = value
    last = ordered[-1]
    compiled: dict[str, Any] = {
        "tag": ["compiled"],
        "id": f"{last.get('ocid')}-{last.get('date')}",
        "date": last.get("date"),
    }
    compiled.update(_unflatten(flat))
    return compiled

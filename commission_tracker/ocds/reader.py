"""Reading published OCDS files: every shape real publishers write, one file at a time.

A file holds a release package (``releases``), a record package (``records``, each with
its embedded releases or, failing those, its compiled release), one bare release, a JSON
list of releases, or JSON Lines of any of these. A folder is read file by file (``.json``
and ``.jsonl`` files, in name order, sub-folders included); ``-`` is standard input.

A file that cannot be read, or holds a release without an ``ocid``, ``id`` or a ``date``,
is *refused* whole: its :class:`SourceFile` carries the reason and no releases.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass
class Release:
    """One release as published, with where it came from."""

    source: str
    data: dict[str, Any]
    version: str
    """The OCDS version its package declares ("1.0" when it declares none)."""
    ocid: str
    release_id: str
    date: datetime


@dataclass
class SourceFile:
    path: str
    releases: list[Release] = field(default_factory=list)
    refused: str | None = None
    """Why the file was refused (naming the release, where one is at fault)."""
    skipped: int = 0
    """Entries that hold no release to read (a record's links to releases published
    elsewhere)."""


class Refused(Exception):
    """A file cannot be imported; the message names the release and the reason."""


def expand(paths: Iterable[str]) -> list[str]:
    """Files named, and the OCDS files of folders named (in name order); ``-`` is kept."""
    files: list[str] = []
    for name in paths:
        path = Path(name)
        if name != "-" and path.is_dir():
            files.extend(
                str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in SUFFIXES
            )
        else:
            files.append(name)
    return files


def read(name: str) -> SourceFile:
    """The releases of one file (``-``: standard input), or the reason it is refused."""
    source = SourceFile(name)
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        source.refused = "no such file"
        return source
    except OSError as error:
        source.refused = f"cannot be read ({error.strerror})"
        return source
    except UnicodeDecodeError:
        source.refused = "is not UTF-8 text"
        return source
    try:
        for document in _documents(text):
            _collect(source, document)
    except RecursionError:
        source.releases = []
        source.refused = "nests too deeply to be an OCDS document"
    except Refused as error:
        source.releases = []
        source.refused = str(error)
    return source


def _documents(text: str) -> Iterator[Any]:
    try:
        yield json.loads(text)
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise Refused(f"is not JSON ({error.msg}, line {error.lineno})") from None
    except (ValueError, RecursionError) as error:  # 5,000-digit numbers, deep nesting
        raise Refused(f"is JSON ctrack cannot read ({type(error).__name__})") from None
    for number, line in enumerate(text.splitlines(), start=1):  # JSON Lines
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as error:
            raise Refused(f"line {number} is not JSON ({error.msg})") from None
        except (ValueError, RecursionError) as error:
            name = type(error).__name__
            raise Refused(f"line {number} is JSON ctrack cannot read ({name})") from None


def _collect(source: SourceFile, document: Any) -> None:
    if isinstance(document, list):
        for item in document:
            _collect(source, item)
        return
    if not isinstance(document, dict):
        raise Refused("holds no OCDS release, release package or record package")
    version = str(document.get("version") or "1.0")
    if isinstance(document.get("releases"), list) and "ocid" not in document:
        for entry in document["releases"]:
            _add(source, entry, version)
    elif isinstance(document.get("records"), list):
        for record in document["records"]:
            if not isinstance(record, dict):
                raise Refused("a record is not a JSON object")
            embedded = [r for r in record.get("releases") or () if _is_release(r)]
            linked = len(record.get("releases") or ()) - len(embedded)
            if embedded:
                for entry in embedded:
                    _add(source, entry, version)
                source.skipped += linked
            elif isinstance(record.get("compiledRelease"), dict):
                _add(source, record["compiledRelease"], version)
                source.skipped += linked
            else:
                source.skipped += max(linked, 1)
    elif "ocid" in document:
        _add(source, document, version)
    else:
        raise Refused("holds no OCDS release, release package or record package")


def _is_release(entry: Any) -> bool:
    """An embedded release (not a link to one published elsewhere: ``url`` and ``date``)."""
    return isinstance(entry, dict) and "ocid" in entry and "id" in entry


def _add(source: SourceFile, entry: Any, version: str) -> None:
    if not isinstance(entry, dict):
        raise Refused("a release is not a JSON object")
    release_id = entry.get("id")
    named = f"release {release_id}" if release_id not in (None, "") else "a release"
    ocid = entry.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        raise Refused(f"{named} has no ocid")
    if not isinstance(release_id, str | int) or isinstance(release_id, bool) or release_id == "":
        raise Refused(f"a release of {ocid} has no id")
    date = parse_time(entry.get("date"))
    if date is None:
        raise Refused(f"{named} of {ocid} has no valid date ({json.dumps(entry.get('date'))})")
    source.releases.append(
        Release(source.path, entry, version, ocid.strip(), str(release_id), date)
    )


def parse_time(value: Any) -> datetime | None:
    """An OCDS date-time (ISO 8601, ``Z`` or an offset), or ``None`` if it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return moment

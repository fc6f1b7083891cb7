"""How the command line prints: plain text for people, JSON for scripts."""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

# Annotations only: printing what the views answer needs neither the aggregate nor pydantic.
if TYPE_CHECKING:
    from commission_tracker.aggregates.events import ExerciseEvent
    from commission_tracker.aggregates.exercise import CommissioningExercise


def emit_json(document: Any) -> None:
    """Print JSON: indented for a person at a terminal, compact (and fast: the C encoder,
    one write) when piped to a script."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(document, indent=indent, ensure_ascii=False, default=str))
    sys.stdout.write("\n")


def emit_json_utf8(document: bytes | Iterable[bytes]) -> None:
    """Print a document already encoded as :func:`emit_json` encodes it when piped, in
    UTF-8, whole or in pieces: as it is when piped (straight to the byte stream, piece by
    piece, when it takes UTF-8), and indented, as :func:`emit_json` would, at a terminal."""
    pieces = [document] if isinstance(document, bytes) else document
    if sys.stdout.isatty():
        emit_json(json.loads(b"".join(pieces)))
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None and codecs.lookup(sys.stdout.encoding or "ascii").name == "utf-8":
        sys.stdout.flush()
        for piece in pieces:
            buffer.write(piece)
        buffer.write(b"\n")
        buffer.flush()
        return
    sys.stdout.write(b"".join(pieces).decode())
    sys.stdout.write("\n")


def fact_name(fact: ExerciseEvent) -> str:
    return type(fact).__name__


def fact_json(fact: ExerciseEvent) -> dict[str, Any]:
    """One fact for ``history --json``: its place, type, both clocks, recorder and data."""
    data = fact.data()
    data.pop("on", None)
    data.pop("recorded_by", None)
    return {
        "sequence": fact.sequence,
        "type": fact_name(fact),
        "on": fact.on.isoformat(),
        "recorded_at": fact.timestamp.isoformat(),
        "recorded_by": fact.recorded_by,
        "data": data,
    }


def describe(fact: ExerciseEvent) -> str:
    """A short line of the fact's own data."""
    data = fact_json(fact)["data"]
    parts = [f"{key}={value}" for key, value in data.items() if value not in (None, "", False)]
    return ", ".join(parts)


def recorded(exercise: CommissioningExercise) -> None:
    fact = exercise.log[-1]
    print(
        f"Recorded #{fact.sequence} {fact_name(fact)} on {exercise.reference} "
        f"({fact.on.isoformat()}); phase {exercise.phase}, cycle {exercise.cycle}."
    )


def show(exercise: CommissioningExercise, *, as_json: bool) -> None:
    summary = exercise.summary()
    if as_json:
        summary["withdrawn"] = sorted(exercise.withdrawn)
        emit_json(summary)
        return
    print(f"{exercise.reference}  {exercise.title}")
    width = max(len(key) for key in summary)
    for key, value in summary.items():
        if key in {"reference", "title"} or value is None:
            continue
        print(f"  {key.replace('_', ' '):<{width}}  {value}")
    vcs = sorted({i.organisation for i in exercise.involvements if i.sector == "vcs"})
    if vcs:
        print(f"  {'vcs involved':<{width}}  {', '.join(vcs)}")
    if exercise.withdrawn:
        numbers = ", ".join(f"#{n}" for n in sorted(exercise.withdrawn))
        print(f"  {'withdrawn':<{width}}  {numbers}")


def history(
    facts: Sequence[ExerciseEvent], *, as_json: bool, inferred: dict[int, str] | None = None
) -> None:
    """Every fact; ``inferred`` (notice number -> what it was inferred to serve, and from
    what) is shown beside the notices that name nothing."""
    inferred = inferred or {}
    if as_json:
        documents = []
        for fact in facts:
            document = fact_json(fact)
            if fact.sequence in inferred:
                document["inferred"] = inferred[fact.sequence]
            documents.append(document)
        emit_json(documents)
        return
    for fact in facts:
        note = f" [{inferred[fact.sequence]}]" if fact.sequence in inferred else ""
        print(
            f"#{fact.sequence:<4} {fact.on.isoformat()}  "
            f"{fact.timestamp.strftime('%Y-%m-%d %H:%M')}  {fact.recorded_by:<12} "
            f"{fact_name(fact):<30} {describe(fact)}{note}"
        )


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> None:
    """Print rows as aligned columns: ``columns`` is (key, heading) pairs."""
    cells = [
        [str(row.get(key, "") if row.get(key) is not None else "") for key, _ in columns]
        for row in rows
    ]
    widths = [
        max([len(heading), *(len(line[i]) for line in cells)])
        for i, (_, heading) in enumerate(columns)
    ]
    print("  ".join(heading.ljust(widths[i]) for i, (_, heading) in enumerate(columns)).rstrip())
    for line in cells:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())


def listing(rows: Sequence[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        emit_json(list(rows))
        return
    if not rows:
        print("No exercises yet. Open one with 'ctrack open', or try 'ctrack demo'.")
        return
    table(
        rows,
        [
            ("reference", "REFERENCE"),
            ("phase", "PHASE"),
            ("cycle", "CYCLE"),
            ("status", "STATUS"),
            ("value", "VALUE"),
            ("mechanism", "MECHANISM"),
            ("profile", "PROFILE"),
            ("title", "TITLE"),
        ],
    )


def checks(found: Sequence[dict[str, Any]], *, as_json: bool, with_exercise: bool = True) -> None:
    if as_json:
        emit_json(list(found))
        return
    if not found:
        print("Nothing to report.")
        return
    columns = [("exercise", "EXERCISE")] if with_exercise else []
    columns += [
        ("rule", "RULE"),
        ("status", "STATUS"),
        ("due", "DUE"),
        ("subject", "ABOUT"),
        ("message", "WHAT"),
    ]
    table(found, columns)


def involvement(result: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        emit_json(result)
        return
    phases = ("analyse", "plan", "do", "review")

    def cell(phase: dict[str, Any]) -> str:
        return f"{phase['organisations']} org / {phase['activities']} act"

    if "periods" in result:
        rows = [
            {"period": p["period"], **{name: cell(p["phases"][name]) for name in phases}}
            for p in result["periods"]
        ]
        table(rows, [("period", result["by"].upper()), *((n, n.upper()) for n in phases)])
        return
    rows = [
        {
            "exercise": e["exercise"],
            "current": e["current_phase"],
            **{name: cell(e["phases"][name]) for name in phases},
            "early": "yes" if e["vcs_before_do"] else "no",
        }
        for e in result["exercises"]
    ]
    table(
        rows,
        [
            ("exercise", "EXERCISE"),
            ("current", "NOW"),
            *((n, n.upper()) for n in phases),
            ("early", "VCS BEFORE DO"),
        ],
    )


def deadlines(found: Sequence[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        emit_json(list(found))
        return
    if not found:
        print("No deadlines in that window.")
        return
    table(
        found,
        [
            ("due", "DUE"),
            ("days_left", "DAYS"),
            ("exercise", "EXERCISE"),
            ("rule", "RULE"),
            ("status", "STATUS"),
            ("message", "WHAT"),
        ],
    )


def _percent(share: dict[str, Any]) -> str:
    if share["share"] is None:
        return "no cases yet (0 of 0)"
    return f"{share['share'] * 100:.0f}% ({share['numerator']} of {share['denominator']})"


def evaluation(result: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        emit_json(result)
        return
    print(f"Compact evaluation, as of {result['as_of']}")
    for key in ("notice", "consultations_12_weeks", "vcs_before_do"):
        share = result[key]
        print(f"  {share['question']}\n    {_percent(share)}")
    print(f"  Open breaches: {result['open_breaches_total']}")
    for rule, count in result["open_breaches"].items():
        print(f"    {rule:<26} {count}")


def profiles(found: Sequence[Any], *, as_json: bool, user_dir: str) -> None:
    rows = [p.to_json() for p in found]
    if as_json:
        emit_json(rows)
        return
    table(rows, [("name", "NAME"), ("title", "TITLE"), ("origin", "FROM"), ("path", "FILE")])
    print(
        f"\nTo add your own Compact, copy a profile into {user_dir} (or the folder named by "
        "CTRACK_PROFILES) under a new name and edit it; then run 'ctrack replay'."
    )


def views_behind(facts: int) -> None:
    """The note after a read from views this user may not bring up to date."""
    print(
        f"ctrack: note: the views do not show the last {facts:,} facts yet and this user may "
        "only read the store, so they were read as they are; they catch up at the next "
        "command of a user who may write.",
        file=sys.stderr,
    )

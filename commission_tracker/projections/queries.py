"""Answers read from the views: flags, compliance, involvement, deadlines, evaluation.

Every function takes the views and, where the answer depends on it, the day asked about;
pending checks are resolved against that day exactly as ``rules.resolve`` does (a test holds
the two together).
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Generator
from datetime import date, timedelta
from typing import Any

from commission_tracker.aggregates.vocabulary import PHASE_ORDER
from commission_tracker.projections.views import CommissioningViews
from commission_tracker.rules.model import Check, Status, resolve

CHECK_SELECT = """
    SELECT c.reference, c.rule, c.subject, c.status, c.message, c.at_risk_message,
           c.breach_message, c.source, c.due, c.at_risk_from, c.evidence, c.figures,
           c.reasons, c.profile, e.title, e.status AS exercise_status, e.phase
    FROM {p}ct_checks c JOIN {p}ct_exercises e ON e.exercise_id = c.exercise_id
"""


def _verdict(row: Any, today: date) -> tuple[str, str]:
    """The status and message of a stored check as at ``today`` (``rules.resolve``)."""
    if row["status"]:
        return row["status"], row["message"]  # settled: resolve keeps it as it is
    verdict = resolve(
        Check(
            exercise=row["reference"],
            rule=row["rule"],
            subject=row["subject"],
            status=None,
            message=row["message"],
            source=row["source"],
            profile=row["profile"],
            due=date.fromisoformat(row["due"]),
            at_risk_from=date.fromisoformat(row["at_risk_from"]) if row["at_risk_from"] else None,
            at_risk_message=row["at_risk_message"],
            breach_message=row["breach_message"],
        ),
        today,
    )
    return verdict.status.value, verdict.message


def check_document(
    *,
    exercise: str,
    title: str,
    rule: str,
    subject: str,
    status: str | None,
    message: str | None,
    source: str,
    evidence: Any,
    figures: Any,
    reasons: Any,
    due: str | None,
    pending: bool,
    profile: str,
    exercise_status: str,
    phase: str,
) -> dict[str, Any]:
    """A check in the JSON contract's shape and key order: the one definition of the
    document that ``check_json`` gives and the projection pre-renders for ``ct_flags``."""
    return {
        "exercise": exercise,
        "title": title,
        "rule": rule,
        "subject": subject,
        "status": status,
        "message": message,
        "source": source,
        "evidence": evidence,
        "figures": figures,
        "reasons": reasons,
        "due": due,
        "pending": pending,
        "profile": profile,
        "exercise_status": exercise_status,
        "phase": phase,
    }


def check_json(row: Any, today: date, stored: list[Any] | None = None) -> dict[str, Any]:
    """One stored check, resolved against ``today``, in the JSON contract's shape.

    ``stored`` is the row's decoded [evidence, figures, reasons], when already decoded.
    """
    status, message = _verdict(row, today)
    evidence, figures, reasons = stored or _decode_stored([row])[0]
    return check_document(
        exercise=row["reference"],
        title=row["title"],
        rule=row["rule"],
        subject=row["subject"],
        status=status,
        message=message,
        source=row["source"],
        evidence=evidence,
        figures=figures,
        reasons=reasons,
        due=row["due"],
        pending=row["status"] is None,
        profile=row["profile"],
        exercise_status=row["exercise_status"],
        phase=row["phase"],
    )


def _decode_stored(rows: list[Any]) -> list[Any]:
    """Decode every row's stored JSON columns in one call (one call per value is slow)."""
    text = ",".join(f"[{r['evidence']},{r['figures']},{r['reasons']}]" for r in rows)
    decoded: list[Any] = json.loads(f"[{text}]")
    return decoded


def checks_json(rows: list[Any], today: date) -> list[dict[str, Any]]:
    """Stored checks, resolved against ``today``."""
    return [
        check_json(row, today, stored)
        for row, stored in zip(rows, _decode_stored(rows), strict=True)
    ]


FLAGGED = {Status.BREACH.value, Status.JUSTIFIED.value, Status.AT_RISK.value}

# A flagged check's status as at the day asked about (the second placeholder): settled, or
# pending and then a breach after ``due`` and at-risk before (``rules.flagged_from``).
_FLAG_STATUS = (
    "CASE WHEN c.status IS NOT NULL THEN c.status WHEN c.due < ? THEN 'breach' ELSE 'at-risk' END"
)


def flags_json_chunks(
    views: CommissioningViews,
    today: date,
    *,
    rule: str | None = None,
    status: str | None = None,
    exercise_id: str | None = None,
) -> Generator[bytes, None, None]:
    """:func:`flags_json` in pieces, a page of flags at a time: written as they come, a
    portfolio's flags (30 MB for a million facts) never sit in memory whole on SQLite
    (psycopg's cursor holds PostgreSQL's whole answer, so there only the pieces are
    saved). The read transaction lasts until the last piece is taken or this is closed.

    Each flag's text is ``check_json``'s document as ``cli.output.emit_json`` prints it
    when piped, assembled by the database from the parts the projection stored
    (``ct_flags``) without decoding anything."""
    day = today.isoformat()
    params: list[Any] = [day, day]
    where = "c.flag_from <= ?"
    if rule:
        where += " AND c.rule = ?"
        params.append(rule)
    if exercise_id:
        where += " AND c.exercise_id = ?"
        params.append(exercise_id)
    if status:
        where += f" AND {_FLAG_STATUS} = ?"
        params += [day, status]
    document = views.utf8(
        "c.head || CASE WHEN c.status IS NOT NULL OR c.due < ? THEN c.mid "
        "ELSE c.mid_at_risk END || c.tail"
    )
    statement = (
        f"SELECT {document} AS document FROM {{p}}ct_flags c WHERE {where} "
        "ORDER BY c.reference, c.ordinal"
    )
    yield b"["
    separator = b""
    with contextlib.closing(views.pages(statement, params, FLAG_PAGE)) as pages:
        for page in pages:
            yield separator + b", ".join([bytes(row["document"]) for row in page])
            separator = b", "
    yield b"]"


FLAG_PAGE = 2000
"""Flags read and written at a time by :func:`flags_json_chunks`."""


def flags_json(
    views: CommissioningViews,
    today: date,
    *,
    rule: str | None = None,
    status: str | None = None,
    exercise_id: str | None = None,
) -> bytes:
    """``flags`` as the JSON document ``emit_json`` prints when piped (compact), UTF-8."""
    return b"".join(
        flags_json_chunks(views, today, rule=rule, status=status, exercise_id=exercise_id)
    )


def flags(
    views: CommissioningViews,
    today: date,
    *,
    rule: str | None = None,
    status: str | None = None,
    exercise_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every breach, justified breach and at-risk check, portfolio-wide."""
    found: list[dict[str, Any]] = json.loads(
        flags_json(views, today, rule=rule, status=status, exercise_id=exercise_id)
    )
    return found


def has_exercise(views: CommissioningViews, exercise_id: str) -> bool:
    """Whether the views hold the exercise with this id (``str(UUID)``)."""
    rows = views.query("SELECT 1 FROM {p}ct_exercises WHERE exercise_id = ?", (exercise_id,))
    return bool(rows)


def compliance(views: CommissioningViews, exercise_id: str, today: date) -> list[dict[str, Any]]:
    """Every check on one exercise, compliant and not-applicable ones included."""
    rows = views.query(CHECK_SELECT + " WHERE c.exercise_id = ? ORDER BY c.ordinal", (exercise_id,))
    return checks_json(rows, today)


def exercises(
    views: CommissioningViews, *, phase: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """The portfolio, in the order exercises were opened."""
    where, params = [], []
    if phase:
        where.append("phase = ?")
        params.append(phase)
    if status:
        where.append("status = ?")
        params.append(status)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = views.query(
        "SELECT reference, title, commissioner, service_area, phase, cycle, status, value, "
        "mechanism, regime, profile, authority, contract_kind, opened_on, events, "
        f"last_recorded_at FROM {{p}}ct_exercises{clause} ORDER BY opened_on, reference",
        params,
    )
    return [dict(row) for row in rows]


def portfolio(views: CommissioningViews, today: date) -> list[dict[str, Any]]:
    """Every exercise with what the dashboard's portfolio shows of it as at ``today``:
    its headline facts, how many of its checks are breaches, justified breaches and at
    risk (as ``flags`` counts them), and the next day by which something must be done (the
    soonest due day of a pending check still to come). Open exercises come first, the one
    with the nearest due day first (then the most breaches); closed and cancelled ones
    follow, by reference."""
    day = today.isoformat()
    rows = views.query(
        "SELECT e.reference, e.title, e.commissioner, e.phase, e.cycle, e.status, e.value, "
        "e.profile, e.opened_on, e.events, "
        "COALESCE(f.breaches, 0) AS breaches, COALESCE(f.justified, 0) AS justified, "
        "COALESCE(f.at_risk, 0) AS at_risk, d.next_due "
        "FROM {p}ct_exercises e "
        "LEFT JOIN (SELECT exercise_id, "
        f"SUM(CASE WHEN {_FLAG_STATUS} = 'breach' THEN 1 ELSE 0 END) AS breaches, "
        "SUM(CASE WHEN c.status = 'justified' THEN 1 ELSE 0 END) AS justified, "
        f"SUM(CASE WHEN {_FLAG_STATUS} = 'at-risk' THEN 1 ELSE 0 END) AS at_risk "
        "FROM {p}ct_flags c WHERE c.flag_from <= ? GROUP BY exercise_id) f "
        "ON f.exercise_id = e.exercise_id "
        "LEFT JOIN (SELECT exercise_id, MIN(due) AS next_due FROM {p}ct_checks "
        "WHERE status IS NULL AND due >= ? GROUP BY exercise_id) d "
        "ON d.exercise_id = e.exercise_id "
        "ORDER BY e.status <> 'open', d.next_due IS NULL, d.next_due, "
        "COALESCE(f.breaches, 0) DESC, e.reference",
        (day, day, day, day),
    )
    return [dict(row) for row in rows]


def _empty_phases() -> dict[str, dict[str, Any]]:
    return {
        phase.value: {"organisations": 0, "activities": 0, "names": []} for phase in PHASE_ORDER
    }


def involvement(views: CommissioningViews, *, by: str = "exercise") -> dict[str, Any]:
    """VCS involvement per phase: per exercise, and for the portfolio by quarter or cycle.

    ``organisations`` counts distinct VCS organisations, ``activities`` counts involvement
    facts (``involve`` facts, and bids and awards of VCS organisations). ``vcs_before_do``
    is whether the VCS took part before the do phase in the exercise's current cycle;
    ``cycles_vcs_before_do`` lists every cycle in which it did.
    """
    rows = views.query(
        "SELECT e.reference, e.title, e.phase AS current_phase, e.cycle AS current_cycle, "
        "i.cycle, i.phase, "
        "i.organisation, i.activity, i.quarter "
        "FROM {p}ct_exercises e LEFT JOIN {p}ct_involvement i "
        "ON i.exercise_id = e.exercise_id AND i.sector = 'vcs' "
        "ORDER BY e.opened_on, e.reference, i.sequence"
    )
    per_exercise: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, dict[str, Any]]] = defaultdict(_empty_phases)
    group_names: dict[tuple[str, str], set[str]] = defaultdict(set)
    exercise_names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        entry = per_exercise.setdefault(
            row["reference"],
            {
                "exercise": row["reference"],
                "title": row["title"],
                "current_phase": row["current_phase"],
                "phases": _empty_phases(),
                "vcs_before_do": False,
                "cycles_vcs_before_do": [],
            },
        )
        if row["phase"] is None:
            continue
        phase = entry["phases"][row["phase"]]
        phase["activities"] += 1
        exercise_names[(row["reference"], row["phase"])].add(row["organisation"])
        if row["phase"] in ("analyse", "plan"):
            if row["cycle"] == row["current_cycle"]:
                entry["vcs_before_do"] = True
            if row["cycle"] not in entry["cycles_vcs_before_do"]:
                entry["cycles_vcs_before_do"].append(row["cycle"])
        key = row["quarter"] if by == "quarter" else f"cycle {row['cycle']}"
        bucket = groups[key][row["phase"]]
        bucket["activities"] += 1
        group_names[(key, row["phase"])].add(row["organisation"])
    for (reference, phase_name), names in exercise_names.items():
        phase = per_exercise[reference]["phases"][phase_name]
        phase["organisations"] = len(names)
        phase["names"] = sorted(names)
    for (key, phase_name), names in group_names.items():
        groups[key][phase_name]["organisations"] = len(names)
        groups[key][phase_name]["names"] = sorted(names)
    result: dict[str, Any] = {"exercises": list(per_exercise.values())}
    if by in ("quarter", "cycle"):
        result["by"] = by
        result["periods"] = [{"period": key, "phases": groups[key]} for key in sorted(groups)]
    return result


def deadlines(views: CommissioningViews, today: date, within: int) -> list[dict[str, Any]]:
    """Pending checks whose last compliant day falls within ``within`` days (or has passed
    while the exercise is open), soonest first."""
    until = today + timedelta(days=max(0, min(within, (date.max - today).days)))
    rows = views.query(
        CHECK_SELECT
        + " WHERE c.status IS NULL AND c.due <= ? AND e.status = 'open'"
        + " ORDER BY c.due, c.reference",
        (until.isoformat(),),
    )
    found = checks_json(rows, today)
    for check in found:
        check["days_left"] = (date.fromisoformat(check["due"]) - today).days
    return found


def _share(numerator: int, denominator: int, question: str) -> dict[str, Any]:
    return {
        "question": question,
        "numerator": numerator,
        "denominator": denominator,
        "share": round(numerator / denominator, 4) if denominator else None,
    }


def _cycles_before_do(views: CommissioningViews) -> tuple[int, int]:
    """Cycles counted, and of them those with VCS involvement before the do phase.

    Each cycle of each exercise counts on its own: every cycle before the current one (it
    went through do), and the current one once it has reached do or the VCS has already
    taken part before it; a cycle still in analyse or plan with no VCS yet is not decided.
    """
    before: dict[str, set[int]] = defaultdict(set)
    for row in views.query(
        "SELECT DISTINCT exercise_id, cycle FROM {p}ct_involvement "
        "WHERE sector = 'vcs' AND phase IN ('analyse', 'plan')"
    ):
        before[row["exercise_id"]].add(int(row["cycle"]))
    due = counted = 0
    for row in views.query("SELECT exercise_id, cycle, phase FROM {p}ct_exercises"):
        cycle = int(row["cycle"])
        cycles = set(range(1, cycle))
        if row["phase"] in ("do", "review") or cycle in before[row["exercise_id"]]:
            cycles.add(cycle)
        due += len(cycles)
        counted += len(cycles & before[row["exercise_id"]])
    return due, counted


def evaluation(views: CommissioningViews, today: date) -> dict[str, Any]:
    """The Compact evaluation toolkit's questions, answered from the record in figures."""
    # Notices: every notice-period verdict whose change has fallen due by today (funding
    # that stopped with no notice at all counts as a failure; a change still to come is
    # neither a success nor a failure yet); a success also needs the notice in writing.
    rows = views.query(
        CHECK_SELECT + " WHERE c.rule IN ('notice-period', 'notice-in-writing', "
        "'consultation-length')"
    )
    verdicts = checks_json(rows, today)
    in_writing = {
        (v["exercise"], v["figures"].get("notice"))
        for v in verdicts
        if v["rule"] == "notice-in-writing" and v["status"] == Status.COMPLIANT.value
    }
    decided = {Status.COMPLIANT.value, Status.BREACH.value, Status.JUSTIFIED.value}
    notices = [
        v
        for v in verdicts
        if v["rule"] == "notice-period"
        and v["status"] in decided
        and v["figures"].get("effective", today.isoformat()) <= today.isoformat()
    ]
    notices_kept = [
        v
        for v in notices
        if v["status"] == Status.COMPLIANT.value
        and (v["exercise"], v["figures"].get("notice")) in in_writing
    ]
    consultations = [
        v for v in verdicts if v["rule"] == "consultation-length" and v["status"] in decided
    ]
    long_enough = [v for v in consultations if v["status"] == Status.COMPLIANT.value]
    cycles_due, cycles_before = _cycles_before_do(views)
    open_breaches: dict[str, int] = defaultdict(int)
    for check in flags(views, today):
        if check["status"] == Status.BREACH.value and check["exercise_status"] == "open":
            open_breaches[check["rule"]] += 1
    return {
        "as_of": today.isoformat(),
        "notice": _share(
            len(notices_kept),
            len(notices),
            "How often does the statutory sector give at least three months' written notice "
            "before cutting or ending funding? (seed 000, section 3)",
        ),
        "consultations_12_weeks": _share(
            len(long_enough),
            len(consultations),
            "What share of consultations ran for 12 weeks or more?",
        ),
        "vcs_before_do": _share(
            cycles_before,
            cycles_due,
            "What share of commissioning cycles involved the VCS before the do phase "
            "(analyse or plan)? (each cycle of each exercise once it reached do, or once the "
            "VCS took part before it)",
        ),
        "open_breaches": dict(sorted(open_breaches.items())),
        "open_breaches_total": sum(open_breaches.values()),
    }


def dashboard(views: CommissioningViews, today: date, within: int = 30) -> dict[str, Any]:
    """The portfolio at a glance: exercises by phase, open breaches, deadlines soon."""
    by_phase = {phase.value: 0 for phase in PHASE_ORDER}
    for row in views.query(
        "SELECT phase, COUNT(*) AS n FROM {p}ct_exercises WHERE status = 'open' GROUP BY phase"
    ):
        by_phase[row["phase"]] = row["n"]
    flagged = flags(views, today)
    return {
        "as_of": today.isoformat(),
        "open_by_phase": by_phase,
        "open_breaches": sum(
            1 for f in flagged if f["status"] == "breach" and f["exercise_status"] == "open"
        ),
        "at_risk": sum(1 for f in flagged if f["status"] == "at-risk"),
        "deadlines": len(deadlines(views, today, within)),
    }


def damaged(views: CommissioningViews) -> list[dict[str, Any]]:
    """The exercises whose history cannot be read or checked: ``reference``, ``sequence``
    (the fact, when known) and ``problem``; they have no other rows in the views."""
    rows = views.query(
        "SELECT reference, sequence, problem FROM {p}ct_damaged ORDER BY reference", ()
    )
    return [
        {"reference": r["reference"], "sequence": r["sequence"], "problem": r["problem"]}
        for r in rows
    ]

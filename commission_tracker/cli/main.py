"""``ctrack``: record and read commissioning exercises from the terminal.

Every recording verb maps to one command of the application layer; every reading verb
prints text for people or, with ``--json``, a stable JSON document for scripts. Errors a
user can cause print one sentence to stderr and exit 2, with nothing written.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from commission_tracker.aggregates.bounds import MAX_COUNT
from commission_tracker.aggregates.errors import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_RETRY,
    EXIT_TROUBLE,
    CommissioningError,
)
from commission_tracker.aggregates.vocabulary import (
    Activity,
    Authority,
    ContractKind,
    FundingChange,
    Mechanism,
    Phase,
    Regime,
    Sector,
)
from commission_tracker.application.clock import Clock, parse_date, parse_moment
from commission_tracker.application.service import Tracker
from commission_tracker.application.store import StoreConfig
from commission_tracker.cli import ocds_verbs, output

EXIT_FAILED = EXIT_TROUBLE
__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "EXIT_RETRY", "EXIT_TROUBLE", "main"]


class UsageError(CommissioningError):
    """The command line itself is malformed."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one sentence and exit code 2, without the usage dump."""

    def error(self, message: str) -> NoReturn:
        sentence = message[0].upper() + message[1:]
        if not sentence.endswith("."):
            sentence += "."
        raise UsageError(f"{sentence} See '{self.prog} --help'.")


def _date(text: str) -> Any:
    try:
        return parse_date(text)
    except CommissioningError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _moment(text: str) -> Any:
    try:
        return parse_moment(text)
    except CommissioningError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _count(text: str) -> int:
    shown = text if len(text) <= 20 else text[:17] + "..."
    digits = text.strip().lstrip("+-")
    if digits.isdigit() and len(digits) > 20:  # not worth converting: far too large
        raise argparse.ArgumentTypeError(f"{shown} is too large; at most {MAX_COUNT:,}.")
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{shown}' is not a whole number.") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{shown}' cannot be negative.")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{shown} is too large; at most {MAX_COUNT:,}.")
    return value


def _choices(enum: Any) -> list[str]:
    return [member.value for member in enum]


@dataclass
class Option:
    """One command-line option of a recording verb; ``dest`` is the aggregate's keyword."""

    flags: tuple[str, ...]
    dest: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def opt(*flags: str, dest: str, **kwargs: Any) -> Option:
    return Option(flags, dest, kwargs)


DATE = {"type": _date, "metavar": "YYYY-MM-DD"}
MONEY = {"metavar": "GBP"}
ON = opt("--on", dest="on", help="business date the fact happened on (default: today)", **DATE)

RECORDING_VERBS: dict[str, tuple[str, list[Option]]] = {
    "advance": (
        "Move the exercise to another phase (analyse, plan, do, review; back needs --reason).",
        [
            opt(
                "phase",
                dest="to_phase",
                metavar="PHASE",
                choices=_choices(Phase),
                help="the phase to move to: analyse, plan, do or review",
            ),
            opt("--reason", dest="reason", help="why the exercise goes back to an earlier phase"),
            ON,
        ],
    ),
    "involve": (
        "Record an organisation's part in the exercise (in the phase it was in on --on).",
        [
            opt("--org", dest="organisation", required=True, help="organisation name"),
            opt("--sector", dest="sector", required=True, choices=_choices(Sector)),
            opt("--activity", dest="activity", required=True, choices=_choices(Activity)),
            opt(
                "--phase",
                dest="phase",
                choices=_choices(Phase),
                help="default: the phase the exercise was in on the business date (--on)",
            ),
            opt("--note", dest="note"),
            ON,
        ],
    ),
    "consult": (
        "Record a consultation with its opening and closing dates (Compact: 12 weeks).",
        [
            opt("--opens", dest="opens", required=True, **DATE),
            opt("--closes", dest="closes", required=True, **DATE),
            opt("--consultation", dest="consultation", help="a name for it (default C1, C2...)"),
            opt("--subject", dest="subject"),
            opt("--shorter-reason", dest="shorter_reason", help="why it runs under 12 weeks"),
            opt("--on", dest="on", help="date recorded as announced (default: --opens)", **DATE),
        ],
    ),
    "consultation-feedback": (
        "Record that a consultation's results were reported back to consultees.",
        [
            opt("--consultation", dest="consultation", help="which one, if several"),
            opt("--summary", dest="summary"),
            ON,
        ],
    ),
    "funding-notified": (
        "Record a funding opportunity notified to the sector (--on) and its deadline.",
        [
            opt("--deadline", dest="deadline", required=True, help="application deadline", **DATE),
            opt("--opportunity", dest="opportunity", help="a name for it (default F1, F2...)"),
            opt("--value", dest="value", **MONEY),
            opt("--shorter-reason", dest="shorter_reason", help="why under 3 months' lead time"),
            ON,
        ],
    ),
    "timetable": (
        "Record that the procurement timetable was published.",
        [
            opt("--tender-deadline", dest="tender_deadline", **DATE),
            opt("--award-by", dest="award_by", **DATE),
            opt("--where", dest="where", help="where it was published (URL, portal)"),
            ON,
        ],
    ),
    "pqq": (
        "Record a PQQ / selection questionnaire issued, with its requirements.",
        [
            opt("--pqq", dest="pqq", help="a name for it (default Q1, Q2...)"),
            opt("--min-turnover", dest="minimum_turnover", help="minimum yearly turnover", **MONEY),
            opt("--years-trading", dest="years_trading", type=_count),
            opt("--years-accounts", dest="years_accounts", type=_count),
            opt("--track-record-reason", dest="track_record_reason"),
            opt("--employers-liability", dest="employers_liability", **MONEY),
            opt("--public-liability", dest="public_liability", **MONEY),
            opt("--professional-indemnity", dest="professional_indemnity", **MONEY),
            opt(
                "--non-standard",
                dest="standard_form",
                action="store_false",
                default=None,
                help="the questionnaire departs from the standard selection questionnaire",
            ),
            opt("--questions", dest="questions", type=_count, help="number of questions"),
            opt("--justification", dest="justification", help="stated reason for the demands"),
            ON,
        ],
    ),
    "tender": (
        "Record an invitation to tender published.",
        [
            opt("--tender", dest="tender", help="a name for it (default T1, T2...)"),
            opt("--closes", dest="closes", **DATE),
            ON,
        ],
    ),
    "bid": (
        "Record a bid received.",
        [
            opt("--bidder", dest="bidder", required=True),
            opt("--sector", dest="sector", required=True, choices=_choices(Sector)),
            opt("--value", dest="value", **MONEY),
            ON,
        ],
    ),
    "award": (
        "Record a contract or grant awarded.",
        [
            opt("--provider", dest="provider", required=True),
            opt("--sector", dest="sector", required=True, choices=_choices(Sector)),
            opt("--value", dest="value", required=True, **MONEY),
            opt("--starts", dest="starts", required=True, help="first funded day", **DATE),
            opt(
                "--ends",
                dest="ends",
                required=True,
                help="last funded day (funding stops from the next day)",
                **DATE,
            ),
            opt("--payment-terms", dest="payment_terms"),
            opt("--term-reason", dest="term_reason", help="why shorter than the usual term"),
            ON,
        ],
    ),
    "bidder-feedback": (
        "Record feedback given to a bidder.",
        [opt("--bidder", dest="bidder", required=True), ON],
    ),
    "monitoring": (
        "Record the monitoring requirements set for the funded service.",
        [
            opt("--requirements", dest="requirements", required=True),
            opt(
                "--provider",
                dest="provider",
                help="the provider monitored (needed when the exercise funds several)",
            ),
            opt("--reports-per-year", dest="reports_per_year", type=_count),
            opt("--indicators", dest="indicators", type=_count, help="number of KPIs"),
            opt("--justification", dest="justification"),
            ON,
        ],
    ),
    "impact-assessed": (
        "Record an assessment of the impact on beneficiaries, users and volunteers.",
        [opt("--summary", dest="summary"), ON],
    ),
    "decommission": (
        "Record a decision (--on) to reduce or end funding from --effective.",
        [
            opt("--change", dest="change", required=True, choices=_choices(FundingChange)),
            opt(
                "--effective",
                dest="effective",
                required=True,
                help="first day without the funding (or with less of it)",
                **DATE,
            ),
            opt("--reason", dest="reason", required=True),
            opt("--provider", dest="provider", help="the provider affected"),
            opt(
                "--sector",
                dest="sector",
                choices=_choices(Sector),
                help="the provider's sector, if no fact on the exercise gives it",
            ),
            opt(
                "--all-vcs-providers",
                dest="all_vcs_providers",
                action="store_true",
                default=None,
                help="the decision affects every current VCS provider (instead of --provider)",
            ),
            opt("--new-value", dest="new_value", help="funding after a reduction", **MONEY),
            opt(
                "--poor-performance",
                dest="poor_performance",
                action="store_true",
                default=None,
                help="the decision is for poor performance",
            ),
            ON,
        ],
    ),
    "notice": (
        "Record notice (given --on) of reducing or ending funding from --effective.",
        [
            opt("--to", dest="to", required=True, help="the organisation given notice"),
            opt(
                "--effective",
                dest="effective",
                required=True,
                help="first day without the funding (or with less of it)",
                **DATE,
            ),
            opt(
                "--for-decision",
                dest="for_decisions",
                type=int,
                action="append",
                metavar="N",
                help="fact number of the decision it gives notice of (repeat for several)",
            ),
            opt(
                "--for-award",
                dest="for_awards",
                type=int,
                action="append",
                metavar="N",
                help="fact number of the award whose end it gives notice of",
            ),
            opt(
                "--in-writing",
                dest="in_writing",
                action=argparse.BooleanOptionalAction,
                required=True,
                help="was the notice in writing (--no-in-writing if not)",
            ),
            opt("--rationale", dest="rationale"),
            opt("--exceptional-circumstances", dest="exceptional_circumstances"),
            ON,
        ],
    ),
    "performance-discussed": (
        "Record poor performance discussed with a provider (before ending its funding).",
        [
            opt("--provider", dest="provider", required=True),
            opt(
                "--timetable-agreed",
                dest="timetable_agreed",
                action="store_true",
                default=None,
                help="a timetable of actions to improve was agreed",
            ),
            opt("--summary", dest="summary"),
            ON,
        ],
    ),
    "review": (
        "Record a review completed.",
        [opt("--summary", dest="summary"), opt("--outcome", dest="outcome"), ON],
    ),
    "correct": (
        "Withdraw fact number N, recorded in error (it stays in the history).",
        [
            opt("corrects", dest="corrects", type=int, metavar="N", help="the fact's number"),
            opt("--reason", dest="reason", required=True),
            ON,
        ],
    ),
    "close": ("Close the exercise.", [opt("--reason", dest="reason"), ON]),
    "cancel": ("Cancel the exercise.", [opt("--reason", dest="reason", required=True), ON]),
}

OPEN_OPTIONS = [
    opt("--title", dest="title", required=True),
    opt("--commissioner", dest="commissioner", required=True),
    opt("--value", dest="value", required=True, help="estimated value in GBP", **MONEY),
    opt("--mechanism", dest="mechanism", required=True, choices=_choices(Mechanism)),
    opt("--regime", dest="regime", required=True, choices=_choices(Regime)),
    opt("--profile", dest="profile", required=True, help="Compact profile (see 'ctrack profiles')"),
    opt("--authority", dest="authority", choices=_choices(Authority), help="default sub-central"),
    opt(
        "--contract-kind",
        dest="contract_kind",
        choices=_choices(ContractKind),
        help="threshold table that applies (default services)",
    ),
    opt("--service-area", dest="service_area"),
    ON,
]

DESCRIPTION = """\
Record commissioning exercises as an event log and check them against the local Compact.

Every fact is kept for ever; a mistake is withdrawn with 'ctrack correct'. Dates are
YYYY-MM-DD; --on defaults to today (or --today / CTRACK_TODAY).
"""


EXAMPLES = """\
examples:
  ctrack open GLO-2026-014 --title "Carers support service" \\
      --commissioner "Gloucestershire County Council" --value 420000 \\
      --mechanism contract --regime PA2023 --profile gloucestershire --on 2026-01-12
  ctrack involve GLO-2026-014 --org "Carers Gloucestershire" --sector vcs \\
      --activity needs-evidence --on 2026-01-20
  ctrack consult GLO-2026-014 --opens 2026-02-02 --closes 2026-04-27
  ctrack flags                  every breach and at-risk check in the portfolio
  ctrack deadlines --within 30  what must happen soon to stay compliant

'ctrack VERB --help' explains each verb.
"""


def _add_options(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    for option in options:
        if option.flags[0].startswith("-"):
            parser.add_argument(*option.flags, dest=option.dest, **option.kwargs)
        else:  # a positional argument is named by its dest
            parser.add_argument(option.dest, **option.kwargs)


def _add_by(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: when not given after the verb, the global --by (before it) stands.
    parser.add_argument(
        "--by", metavar="NAME", default=argparse.SUPPRESS, help="who is recording this fact"
    )


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_verb(
    verbs: Any,
    name: str,
    arguments: Callable[[Parser], object],
    *,
    help: str,
    description: str | None = None,
) -> None:
    """The verb's sub-parser (its summary for ``ctrack --help``), with ``arguments``
    adding the verb's arguments to it."""
    arguments(verbs.add_parser(name, help=help, description=description))


def _open_arguments(sub: Parser) -> None:
    sub.add_argument("reference", help="the exercise's reference, unique in the store")
    _add_options(sub, OPEN_OPTIONS)
    _add_by(sub)


def _recording_arguments(options: Sequence[Option], sub: Parser) -> None:
    sub.add_argument("reference", help="the exercise's reference")
    _add_options(sub, options)
    _add_by(sub)


def _show_arguments(sub: Parser) -> None:
    sub.add_argument("reference")
    sub.add_argument(
        "--as-at",
        dest="as_at",
        type=_moment,
        metavar="WHEN",
        help="as the store showed it at this recorded time",
    )
    sub.add_argument(
        "--as-of",
        dest="as_of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="with only the facts that had happened by this business date",
    )
    _add_json(sub)


def _reference_arguments(sub: Parser) -> None:
    sub.add_argument("reference")
    _add_json(sub)


def _list_arguments(sub: Parser) -> None:
    sub.add_argument("--phase", choices=_choices(Phase))
    sub.add_argument("--status", choices=["open", "closed", "cancelled"])
    _add_json(sub)


def _import_arguments(sub: Parser) -> None:
    sub.add_argument("file", help="JSON Lines file, or - for standard input")
    sub.add_argument(
        "--keep-recorded-at",
        action="store_true",
        dest="keep_recorded_at",
        help="migrating history from another system: keep each line's recorded_at (never "
        "later than now) and recorded_by; each exercise so migrated gains a fact saying "
        "which facts were migrated, by whom and when",
    )
    _add_json(sub)


def _flags_arguments(sub: Parser) -> None:
    sub.add_argument("--rule", help="only this rule id, e.g. notice-period")
    sub.add_argument("--status", choices=["breach", "justified", "at-risk"])
    _add_json(sub)


def _involvement_arguments(sub: Parser) -> None:
    sub.add_argument("--by", choices=["exercise", "quarter", "cycle"], default="exercise")
    _add_json(sub)


def _deadlines_arguments(sub: Parser) -> None:
    sub.add_argument("--within", type=_count, default=30, metavar="DAYS", help="default 30")
    _add_json(sub)


def _replay_arguments(sub: Parser) -> None:
    sub.add_argument("--restart", action="store_true", help="discard a half-done rebuild")
    sub.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sub.add_argument(
        "--batch-size",
        type=_count,
        default=10_000,
        metavar="N",
        help="at most N events per transaction (default 10,000)",
    )


def _demo_arguments(sub: Parser) -> None:
    sub.add_argument("--force", action="store_true", help="add them even if the store has data")
    _add_json(sub)


def build_parser() -> Parser:
    parser = Parser(
        prog="ctrack",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help="SQLite file or postgresql:// URL (default: CTRACK_STORE, else the user data dir)",
    )
    parser.add_argument(
        "--today", metavar="YYYY-MM-DD", help="fix 'today' for reproducible runs (CTRACK_TODAY)"
    )
    parser.add_argument("--by", metavar="NAME", help="who is recording (CTRACK_USER, else login)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser)
    verbs.required = True

    _add_verb(
        verbs,
        "open",
        _open_arguments,
        help="Open a new commissioning exercise.",
        description="Open a new commissioning exercise; it starts in the analyse phase.",
    )
    for verb, (summary, options) in RECORDING_VERBS.items():
        _add_verb(
            verbs,
            verb,
            functools.partial(_recording_arguments, options),
            help=summary,
            description=summary,
        )
    _add_verb(
        verbs, "show", _show_arguments, help="Show one exercise.", description="Show one exercise."
    )
    _add_verb(
        verbs,
        "history",
        _reference_arguments,
        help="Every fact recorded on an exercise, in order.",
        description="Every fact recorded on an exercise, in order, with both clocks.",
    )
    _add_verb(verbs, "list", _list_arguments, help="List exercises.", description="List exercises.")
    _add_verb(
        verbs,
        "import",
        _import_arguments,
        help="Record many facts at once from a JSON Lines file, all or nothing.",
        description="Record many facts at once: one JSON object per line, e.g. "
        '{"verb": "involve", "reference": "GLO-1", "on": "2026-01-20", "organisation": '
        '"Carers Gloucestershire", "sector": "vcs", "activity": "needs-evidence"}. '
        "Every line is checked first; a bad line stops the import and nothing is stored.",
    )
    _add_verb(
        verbs,
        "import-ocds",
        ocds_verbs.import_arguments,
        help=ocds_verbs.IMPORT_HELP,
        description=ocds_verbs.IMPORT_DESCRIPTION,
    )
    _add_verb(
        verbs,
        "export-ocds",
        ocds_verbs.export_arguments,
        help=ocds_verbs.EXPORT_HELP,
        description=ocds_verbs.EXPORT_DESCRIPTION,
    )
    _add_verb(
        verbs,
        "flags",
        _flags_arguments,
        help="Every breach, justified breach and at-risk check, portfolio-wide.",
        description="Every breach, justified breach and at-risk check in the portfolio, "
        "as of today (--today).",
    )
    _add_verb(
        verbs,
        "compliance",
        _reference_arguments,
        help="Every check on one exercise, compliant ones included.",
        description="Every Compact check on one exercise, with figures, evidence and source.",
    )
    _add_verb(
        verbs,
        "involvement",
        _involvement_arguments,
        help="VCS involvement per phase, per exercise and over time.",
        description="VCS organisations and activities per phase (analyse, plan, do, review), "
        "per exercise, and for the portfolio by quarter or by cycle.",
    )
    _add_verb(
        verbs,
        "deadlines",
        _deadlines_arguments,
        help="What must happen soon to stay compliant.",
        description="Pending checks whose last compliant day falls within --within days "
        "(overdue ones included), soonest first.",
    )
    _add_verb(
        verbs,
        "evaluate",
        _add_json,
        help="The Compact evaluation toolkit's questions, answered in figures.",
        description="Answers from the record: how often three months' notice was given, the "
        "share of 12-week consultations, VCS involvement before the do phase, open breaches.",
    )
    _add_verb(
        verbs,
        "replay",
        _replay_arguments,
        help="Rebuild every projection from the event log.",
        description="Rebuild every view from the event log, a page at a time. An interrupted "
        "replay resumes where it stopped; --restart starts again from the first event.",
    )
    _add_verb(
        verbs,
        "profiles",
        _add_json,
        help="List the Compact profiles (shipped and your own).",
        description="List the Compact profiles. Add your own Compact by dropping a TOML file "
        "in the user profiles folder or in the folder named by CTRACK_PROFILES.",
    )
    _add_verb(
        verbs,
        "dashboard",
        lambda sub: None,
        help="Open the keyboard dashboard: the portfolio and each exercise's checks.",
        description="The portfolio at a glance: every exercise with its phase, breaches, "
        "at-risk checks and next due day, open exercises first; the checks of the one under "
        "the cursor beside it. Keys: up/down (j/k), page up/down, home/end (g/G), Enter "
        "opens an exercise's history, Escape goes back, / filters, r reads the store again, "
        "? lists every key, q quits.",
    )
    _add_verb(
        verbs,
        "demo",
        _demo_arguments,
        help="Fill the store with about 30 realistic exercises.",
        description="Fill the store with about 30 realistic exercises drawn from the seeds.",
    )
    _add_team_verbs(verbs)
    return parser


# -- verbs for a team's store (PostgreSQL): set up, auditors, moving a store ------------


def _add_team_verbs(verbs: Any) -> None:
    _add_verb(
        verbs,
        "setup-store",
        lambda sub: None,
        help="Set the store up (on PostgreSQL: the schema, its tables and views).",
        description="Create the store's schema (if missing), tables and views, once, as a "
        "user allowed to; afterwards a user with nothing but SELECT can read it.",
    )
    _add_verb(
        verbs,
        "auditor-role",
        _auditor_arguments,
        help="Print (or --run) the SQL giving a PostgreSQL role read-only access.",
        description="The SQL that lets ROLE read the store and its views and nothing else "
        "(created when missing, able to log in). Printed for the database's owner; --run "
        "runs it as the user of --store.",
    )
    _add_verb(
        verbs,
        "copy-store",
        _copy_arguments,
        help="Copy a whole store, event for event, into an empty store.",
        description="Copy every event, with both clocks, from --from into --to (SQLite file "
        "or postgresql:// URL, either way), which must hold no facts; then build its views.",
    )


def _auditor_arguments(sub: Parser) -> None:
    sub.add_argument("role", metavar="ROLE", help="the role (user) to give read-only access")
    sub.add_argument("--run", action="store_true", help="run the SQL instead of printing it")


def _copy_arguments(sub: Parser) -> None:
    sub.add_argument("--from", dest="source", required=True, metavar="PATH|URL")
    sub.add_argument("--to", dest="target", required=True, metavar="PATH|URL")
    sub.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _add_json(sub)


def _setup_store(args: argparse.Namespace, tracker: Tracker) -> int:
    # Opening the store set it up (or said why it could not).
    print(f"The store {tracker.store.location} is set up.")
    return EXIT_OK


def _auditor_role(args: argparse.Namespace, tracker: Tracker) -> int:
    if tracker.store.kind != "postgres":
        raise UsageError(
            "Read-only roles are for PostgreSQL stores; a SQLite file is shared by file "
            "permissions (give auditors read access to the file)."
        )
    from commission_tracker.application import postgres_setup

    statements = postgres_setup.auditor_statements(tracker.store, args.role)
    if not args.run:
        for statement in statements:
            print(f"{statement.as_string()};")
        return EXIT_OK
    postgres_setup.run_statements(tracker.store, statements)
    print(f"{args.role} may now read the store {tracker.store.location} and nothing else.")
    return EXIT_OK


def _copy_store(args: argparse.Namespace, clock: Clock) -> int:
    from commission_tracker.application.moving import copy_store

    def progress(message: str) -> None:
        print(f"\r{message}", end="", file=sys.stderr)

    copied = copy_store(
        StoreConfig.from_option(args.source),
        StoreConfig.from_option(args.target),
        progress=None if args.quiet else progress,
    )
    if not args.quiet:
        print(file=sys.stderr)
    if args.json:
        output.emit_json({"events": copied.events, "exercises": copied.exercises})
    else:
        print(f"Copied {copied.events:,} facts of {copied.exercises:,} exercises.")
    return EXIT_OK


STORELESS: dict[str, Callable[[argparse.Namespace, Clock], int]] = {"copy-store": _copy_store}
"""Verbs that name their stores themselves (no ``--store``)."""


def _facts(args: argparse.Namespace, options: Sequence[Option]) -> dict[str, Any]:
    return {o.dest: getattr(args, o.dest) for o in options if getattr(args, o.dest) is not None}


def run(args: argparse.Namespace, tracker: Tracker) -> int:
    verb: str = args.verb
    if verb == "open":
        exercise = tracker.open_exercise(reference=args.reference, **_facts(args, OPEN_OPTIONS))
        output.recorded(exercise)
        return EXIT_OK
    if verb in RECORDING_VERBS:
        exercise = tracker.record(args.reference, verb, **_facts(args, RECORDING_VERBS[verb][1]))
        output.recorded(exercise)
        return EXIT_OK
    handler = READERS[verb]
    return handler(args, tracker)


def _show(args: argparse.Namespace, tracker: Tracker) -> int:
    exercise = tracker.exercise(args.reference, as_at=args.as_at, as_of=args.as_of)
    output.show(exercise, as_json=args.json)
    return EXIT_OK


def _history(args: argparse.Namespace, tracker: Tracker) -> int:
    facts = tracker.history(args.reference)
    unnamed = any(getattr(fact, "names_what_it_serves", True) is False for fact in facts)
    inferred = tracker.inferred_notices(args.reference) if unnamed else {}
    output.history(facts, as_json=args.json, inferred=inferred)
    return EXIT_OK


def _list(args: argparse.Namespace, tracker: Tracker) -> int:
    output.listing(tracker.summaries(phase=args.phase, status=args.status), as_json=args.json)
    return EXIT_OK


def _import(args: argparse.Namespace, tracker: Tracker) -> int:
    keep = args.keep_recorded_at
    if args.file == "-":
        result = tracker.import_commands(sys.stdin, source="standard input", keep_recorded_at=keep)
    else:
        try:
            with open(args.file, encoding="utf-8") as lines:
                result = tracker.import_commands(lines, source=args.file, keep_recorded_at=keep)
        except OSError as error:
            raise UsageError(f"Cannot read {args.file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise UsageError(
                f"{args.file} is not UTF-8 text; save it as UTF-8 JSON Lines."
            ) from None
    if args.json:
        output.emit_json(
            {"commands": result.commands, "events": result.events, "opened": result.opened}
        )
    else:
        print(
            f"Imported {result.commands:,} commands: {result.events:,} facts, "
            f"{result.opened:,} new exercises."
        )
    return EXIT_OK


def _flags(args: argparse.Namespace, tracker: Tracker) -> int:
    if args.json:
        # Closed here, while the store is open, even when the reader goes away early.
        with contextlib.closing(
            tracker.flags_json_chunks(rule=args.rule, status=args.status)
        ) as pieces:
            output.emit_json_utf8(pieces)
        return EXIT_OK
    output.checks(tracker.flags(rule=args.rule, status=args.status), as_json=False)
    return EXIT_OK


def _compliance(args: argparse.Namespace, tracker: Tracker) -> int:
    output.checks(tracker.compliance(args.reference), as_json=args.json, with_exercise=False)
    return EXIT_OK


def _involvement(args: argparse.Namespace, tracker: Tracker) -> int:
    output.involvement(tracker.involvement(by=args.by), as_json=args.json)
    return EXIT_OK


def _deadlines(args: argparse.Namespace, tracker: Tracker) -> int:
    output.deadlines(tracker.deadlines(within=args.within), as_json=args.json)
    return EXIT_OK


def _evaluate(args: argparse.Namespace, tracker: Tracker) -> int:
    output.evaluation(tracker.evaluation(), as_json=args.json)
    return EXIT_OK


def _replay(args: argparse.Namespace, tracker: Tracker) -> int:
    def progress(position: int, total: int) -> None:
        print(f"\rreplayed {position:,} of {total:,} events", end="", file=sys.stderr)

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1.")
    processed = tracker.replay(
        restart=args.restart,
        progress=None if args.quiet else progress,
        batch_size=args.batch_size,
    )
    if not args.quiet:
        print(file=sys.stderr)
    print(f"Rebuilt the views from {processed:,} events.")
    return EXIT_OK


def _profiles(args: argparse.Namespace, tracker: Tracker) -> int:
    from commission_tracker.rules.profiles import available_profiles, user_profiles_dir

    output.profiles(available_profiles(), as_json=args.json, user_dir=str(user_profiles_dir()))
    return EXIT_OK


def _demo(args: argparse.Namespace, tracker: Tracker) -> int:
    from commission_tracker.application.demo import fill_demo_store

    if tracker.event_count() and not args.force:
        raise UsageError(
            f"The store {tracker.store.location} already holds exercises; use --force to add "
            "the demo anyway, or --store to name a new file."
        )
    made = fill_demo_store(tracker)
    if args.json:
        output.emit_json({"store": tracker.store.location, "exercises": made})
    else:
        print(f"Demo store {tracker.store.location}: {len(made)} exercises recorded.")
    return EXIT_OK


def _dashboard(args: argparse.Namespace, tracker: Tracker) -> int:
    from commission_tracker.tui.app import DashboardApp  # Textual: only for this verb

    if not sys.stdout.isatty():
        raise UsageError("The dashboard needs a terminal; use the reading verbs in scripts.")
    DashboardApp(tracker).run()
    return EXIT_OK


READERS: dict[str, Callable[[argparse.Namespace, Tracker], int]] = {
    "show": _show,
    "history": _history,
    "list": _list,
    "import": _import,
    "import-ocds": ocds_verbs.run_import,
    "export-ocds": ocds_verbs.run_export,
    "flags": _flags,
    "compliance": _compliance,
    "involvement": _involvement,
    "deadlines": _deadlines,
    "evaluate": _evaluate,
    "replay": _replay,
    "profiles": _profiles,
    "demo": _demo,
    "dashboard": _dashboard,
    "setup-store": _setup_store,
    "auditor-role": _auditor_role,
}


LONG_RUNNING = {"import", "import-ocds", "export-ocds", "replay", "demo", "dashboard", "copy-store"}
"""Verbs that may make millions of objects or run for hours: ``console`` leaves the cyclic
garbage collector on for them (their bulk paths still pause it where it only costs time,
see ``commission_tracker.collector``)."""


DEBUG_ENV = "CTRACK_DEBUG"
"""Set to 1 to see the traceback behind an unexpected error (for a bug report)."""

READS_VIEWS = {"list", "flags", "compliance", "involvement", "deadlines", "evaluate", "replay"}
"""Reading verbs answered from the views: they name any damaged exercise they leave out."""


def _say(sentence: object) -> None:
    """Print ``ctrack: sentence`` to stderr, whatever characters the sentence holds."""
    text = str(sentence).encode("utf-8", "backslashreplace").decode("utf-8")
    stream = sys.stderr
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(f"ctrack: {text}".encode(encoding, "replace").decode(encoding), file=stream)


def _notes(args: argparse.Namespace, tracker: Tracker) -> None:
    """After a command: what succeeded only in part, and what the answer leaves out."""
    for warning in tracker.warnings:
        _say(warning)
    if args.verb in READS_VIEWS:
        for damage in tracker.damaged():
            where = f"fact #{damage['sequence']}" if damage["sequence"] else "its history"
            _say(
                f"Exercise {damage['reference']} is damaged ({where}: {damage['problem']}) "
                "and is left out of this answer; see 'ctrack show "
                f"{damage['reference']}'."
            )


def _failure(error: BaseException, store: StoreConfig | None) -> tuple[str, int]:
    """The sentence and exit code for an error that ended a command."""
    if isinstance(error, CommissioningError):
        return str(error), error.exit_code
    from commission_tracker.application.store import store_trouble

    trouble = store_trouble(error, store.location if store else "named")
    if trouble is not None:
        return str(trouble), trouble.exit_code
    if isinstance(error, OSError):  # the output (a full disk, a closed terminal), a file
        where = f": {error.filename}" if error.filename else ""
        return f"A file or the output could not be written ({error.strerror}{where}).", 1
    detail = " ".join(str(error).split())[:200]
    return (
        f"The command stopped on an unexpected error ({type(error).__name__}"
        f"{': ' + detail if detail else ''}); a fact is recorded whole or not at all. "
        f"Please report it (set {DEBUG_ENV}=1 to see the details).",
        EXIT_TROUBLE,
    )


def _tolerant_output() -> None:
    """Characters the terminal's encoding cannot show are escaped, never an error (a
    fact already recorded must not be reported as failed because its name has an é)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def main(argv: Sequence[str] | None = None) -> int:
    """``ctrack``: exits 0 done, 1 store or environment trouble, 2 invalid input, 3 a
    conflict worth retrying (README, "When things go wrong"); never a traceback, and
    never a failure reported for a fact that was recorded."""
    _tolerant_output()
    parser = build_parser()
    store: StoreConfig | None = None
    tracker: Tracker | None = None
    try:
        args = parser.parse_args(argv)
        if args.verb in LONG_RUNNING:
            gc.enable()  # ``console`` holds it off for the short verbs
        clock = Clock.from_option(args.today)
        if args.verb in STORELESS:
            return STORELESS[args.verb](args, clock)
        store = StoreConfig.from_option(args.store)
        with Tracker(store, clock=clock, user=args.by) as tracker:
            code = run(args, tracker)
            if tracker.views_behind:
                output.views_behind(tracker.views_behind)
            _notes(args, tracker)
            return code
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        _say("Interrupted; a fact is recorded whole or not at all.")
        return 130
    except Exception as error:
        if os.environ.get(DEBUG_ENV) == "1" and not isinstance(error, CommissioningError):
            raise
        sentence, code = _failure(error, store)
        if tracker is not None and tracker.committed:
            # The fact is in the store: say so, and what went wrong after.
            for warning in tracker.warnings:
                _say(warning)
            _say(f"The fact was recorded (see 'ctrack history'), but then: {sentence}")
            return EXIT_OK
        _say(sentence)
        return code


def console() -> int:
    """The ``ctrack`` program: :func:`main`, with Python's cyclic garbage collector held
    off for the verbs that answer in a moment. Those make few objects that only the
    collector could free, while importing the libraries makes hundreds of thousands that
    it would walk again and again, and once more at exit: 52 ms of a 260 ms recording
    command in an interleaved A/B.
    Freezing what is left at the end skips that last walk; the process frees it on exit."""
    gc.disable()
    try:
        return main()
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console())

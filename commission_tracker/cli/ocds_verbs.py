"""``ctrack import-ocds`` and ``ctrack export-ocds``: published notices in, our record out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from commission_tracker.aggregates.errors import EXIT_BAD_INPUT, EXIT_OK, CommissioningError
from commission_tracker.cli import output

if TYPE_CHECKING:
    from commission_tracker.application.service import Tracker
    from commission_tracker.ocds.summary import ImportSummary


class OcdsUsageError(CommissioningError):
    """The command line of an OCDS verb is malformed."""


IMPORT_HELP = "Import published OCDS notices (files, folders, or - for stdin)."
IMPORT_DESCRIPTION = (
    "Import OCDS release packages, record packages, bare releases or JSON Lines of "
    "releases (OCDS 1.0 and 1.1). Each contracting process (ocid) becomes one exercise, "
    "each release the facts it carries. Importing the same file again adds nothing; a "
    "malformed file is refused whole (named with its path, release and reason) while the "
    "others import. Exits 2 if any file was refused."
)
EXPORT_HELP = "Export an exercise, or the portfolio, as an OCDS 1.1 release or record package."
EXPORT_DESCRIPTION = (
    "Print one exercise (or --all) as an OCDS 1.1 release package: one release per fact, "
    "tagged by stage, with Compact facts OCDS has no field for in the 'compact' extension. "
    "--record-package prints a record package with each process's compiled release."
)


def import_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, or - for stdin")
    sub.add_argument(
        "--profile",
        help="Compact profile for new exercises (default: the buyer-to-profile map, else national)",
    )
    sub.add_argument("--json", action="store_true", help="print the summary as JSON")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")


def export_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("reference", nargs="?", help="the exercise's reference")
    sub.add_argument("--all", action="store_true", help="every exercise in the store")
    sub.add_argument(
        "--record-package", action="store_true", help="a record package with compiled releases"
    )


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int], object] | None]:
    """A progress bar on stderr when it is a terminal (Rich, loaded only then)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("importing releases", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def run_import(args: argparse.Namespace, tracker: Tracker) -> int:
    from commission_tracker.ocds.importer import OcdsImport

    if args.paths.count("-") > 1:
        raise OcdsUsageError("Standard input (-) can be named only once.")
    with _progress_bar(not args.quiet and not args.json) as progress:
        summary = OcdsImport(tracker, profile=args.profile, progress=progress).run(args.paths)
    if args.json:
        output.emit_json(summary.to_json())
    else:
        print(summary_text(summary))
    for refusal in summary.refused:
        print(f"ctrack: refused {refusal.sentence()}", file=sys.stderr)
    return EXIT_BAD_INPUT if summary.refused else EXIT_OK


def summary_text(summary: ImportSummary) -> str:
    return "\n".join(
        [
            f"Read {summary.files:,} files.",
            f"Processes: {summary.processes_opened:,} new, {summary.processes_updated:,} "
            f"updated, {summary.processes_unchanged:,} unchanged.",
            f"Releases: {summary.releases_imported:,} imported, "
            f"{summary.releases_unchanged:,} unchanged (imported before), "
            f"{summary.releases_skipped:,} skipped (links to releases published elsewhere), "
            f"{summary.releases_refused:,} refused.",
            f"Facts: {summary.facts_imported:,} recorded.",
            f"Files refused: {len(summary.refused):,}.",
        ]
    )


def run_export(args: argparse.Namespace, tracker: Tracker) -> int:
    from commission_tracker.ocds.export import export_package

    if args.all == bool(args.reference):
        raise OcdsUsageError("Name one exercise's reference, or --all for the whole portfolio.")
    references: Any = None if args.all else [args.reference]
    output.emit_json(export_package(tracker, references, record_package=args.record_package))
    return EXIT_OK

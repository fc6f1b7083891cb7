"""What an OCDS import did: the summary ``import-ocds`` prints (text or ``--json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Refusal:
    path: str
    reason: str

    def sentence(self) -> str:
        return f"{self.path}: {self.reason}."


@dataclass
class ImportSummary:
    """What an import did; ``to_json`` is what ``import-ocds --json`` prints."""

    files: int = 0
    processes_opened: int = 0
    processes_updated: int = 0
    processes_unchanged: int = 0
    releases_imported: int = 0
    releases_unchanged: int = 0
    releases_skipped: int = 0
    releases_refused: int = 0
    facts_imported: int = 0
    refused: list[Refusal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "processes": {
                "opened": self.processes_opened,
                "updated": self.processes_updated,
                "unchanged": self.processes_unchanged,
            },
            "releases": {
                "imported": self.releases_imported,
                "unchanged": self.releases_unchanged,
                "skipped": self.releases_skipped,
                "refused": self.releases_refused,
            },
            "facts": {"imported": self.facts_imported},
            "refused_files": [{"path": r.path, "reason": r.reason} for r in self.refused],
        }


@dataclass
class Counts:
    imported: int = 0
    unchanged: int = 0
    opened: int = 0
    updated: int = 0
    same: int = 0

    def store(self, summary: ImportSummary) -> None:
        summary.releases_imported = self.imported
        summary.releases_unchanged = self.unchanged
        summary.processes_opened = self.opened
        summary.processes_updated = self.updated
        summary.processes_unchanged = self.same

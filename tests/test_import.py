"""``ctrack import``: many facts at once from JSON Lines, all or nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result, open_args

OPEN = {
    "verb": "open",
    "reference": "IMP-1",
    "title": "Community transport",
    "commissioner": "Leicestershire County Council",
    "value": "95000",
    "mechanism": "grant",
    "regime": "grant",
    "profile": "leicestershire",
    "on": "2026-01-05",
}
INVOLVE = {
    "verb": "involve",
    "reference": "IMP-1",
    "organisation": "Rural Wheels",
    "sector": "vcs",
    "activity": "co-design",
    "on": "2026-01-20",
}


def write_lines(path: Path, *commands: dict[str, object] | str) -> Path:
    path.write_text(
        "\n".join(c if isinstance(c, str) else json.dumps(c) for c in commands) + "\n",
        encoding="utf-8",
    )
    return path


def test_import_records_every_line_and_the_views_follow(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    later = {**INVOLVE, "on": "2026-01-21"}
    file = write_lines(tmp_path / "facts.jsonl", OPEN, INVOLVE, "", later)
    result = ctrack("--by", "alice", "import", str(file), "--json")
    assert result.code == 0, result.err
    assert result.json() == {"commands": 3, "events": 3, "opened": 1}
    history = ctrack("history", "IMP-1", "--json").json()
    assert [fact["type"] for fact in history] == [
        "ExerciseOpened",
        "OrganisationInvolved",
        "OrganisationInvolved",
    ]
    assert {fact["recorded_by"] for fact in history} == {"alice"}
    involvement = ctrack("involvement", "--json").json()["exercises"][0]
    assert involvement["phases"]["analyse"]["activities"] == 2


def test_a_line_cannot_set_who_recorded_it_or_when(
    ctrack: Callable[..., Result], tmp_path: Path, event_count: Callable[..., int]
) -> None:
    for key, value in (("recorded_at", "2026-01-22T09:30:00+00:00"), ("recorded_by", "mallory")):
        file = write_lines(tmp_path / "facts.jsonl", OPEN, {**INVOLVE, key: value})
        result = ctrack("import", str(file))
        assert result.code == 2
        assert "line 2" in result.err and key in result.err
        assert "--keep-recorded-at" in result.err
        assert event_count() == 0


def test_a_migration_keeps_recorded_times_and_says_so_in_the_history(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    kept = {**INVOLVE, "recorded_at": "2026-01-22T09:30:00+00:00", "recorded_by": "bob"}
    opened = {**OPEN, "recorded_at": "2026-01-05T10:00:00+00:00"}
    file = write_lines(tmp_path / "old.jsonl", opened, kept)
    result = ctrack("--by", "alice", "import", "--keep-recorded-at", str(file))
    assert result.code == 0, result.err
    history = ctrack("history", "IMP-1", "--json").json()
    assert [fact["type"] for fact in history] == [
        "ExerciseOpened",
        "OrganisationInvolved",
        "HistoryMigrated",
    ]
    assert history[0]["recorded_at"] == "2026-01-05T10:00:00+00:00"
    assert history[0]["recorded_by"] == "alice"  # the line named nobody: the importer
    assert history[1]["recorded_at"] == "2026-01-22T09:30:00+00:00"
    assert history[1]["recorded_by"] == "bob"
    migration = history[2]
    assert migration["recorded_by"] == "alice"
    assert migration["recorded_at"] > "2026-12-01"  # when the import ran, not a kept time
    assert migration["data"]["first"] == 1 and migration["data"]["last"] == 2
    assert migration["data"]["source"] == str(file)
    text = ctrack("history", "IMP-1").out
    assert "HistoryMigrated" in text or "migrated" in text.lower()


def test_a_migrated_time_is_never_in_the_future_nor_out_of_order(
    ctrack: Callable[..., Result], tmp_path: Path, event_count: Callable[..., int]
) -> None:
    for lines, words in (
        ([{**OPEN, "recorded_at": "2999-01-01T00:00:00+00:00"}], "outside the dates"),
        ([{**OPEN, "recorded_at": "2090-01-01T00:00:00+00:00"}], "in the future"),
        (
            [
                {**OPEN, "recorded_at": "2026-02-01T00:00:00+00:00"},
                {**INVOLVE, "recorded_at": "2026-01-22T09:30:00+00:00"},
            ],
            "keep their order",
        ),
    ):
        file = write_lines(tmp_path / "old.jsonl", *lines)
        result = ctrack("import", "--keep-recorded-at", str(file))
        assert result.code == 2, result.err
        assert words in result.err, result.err
        assert event_count() == 0


def test_lines_without_a_date_are_dated_today_in_england(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    import pendulum

    undated = {k: v for k, v in INVOLVE.items() if k != "on"}
    file = write_lines(tmp_path / "facts.jsonl", OPEN, undated, undated)
    before = pendulum.today("Europe/London").date().isoformat()
    result = ctrack("import", str(file), today=None)
    after = pendulum.today("Europe/London").date().isoformat()
    assert result.code == 0, result.err
    history = ctrack("history", "IMP-1", "--json", today=None).json()
    assert history[0]["on"] == "2026-01-05"
    assert history[1]["on"] == history[2]["on"] and history[1]["on"] in {before, after}


def test_a_bad_line_names_its_number_and_nothing_is_imported(
    ctrack: Callable[..., Result], tmp_path: Path, event_count: Callable[..., int]
) -> None:
    assert ctrack(*open_args("CT-9")).code == 0
    before = event_count()
    bad = {**INVOLVE, "sector": "charity"}
    file = write_lines(tmp_path / "facts.jsonl", OPEN, INVOLVE, bad)
    result = ctrack("import", str(file))
    assert result.code == 2
    assert result.err.startswith("ctrack: ") and "line 3" in result.err
    assert "charity" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert event_count() == before
    assert ctrack("show", "IMP-1").code == 2  # not opened either


def test_import_refuses_malformed_json_and_unknown_verbs(
    ctrack: Callable[..., Result], tmp_path: Path, event_count: Callable[..., int]
) -> None:
    for line, words in (
        ("{not json", "not valid JSON"),
        (json.dumps({"verb": "frobnicate", "reference": "IMP-1"}), "frobnicate"),
        (json.dumps({"reference": "IMP-1"}), '"verb"'),
        (json.dumps({**INVOLVE, "reference": 7}), '"reference" must be text, not 7'),
        (json.dumps({**INVOLVE, "verb": ["involve"]}), '"verb" must be text'),
        (json.dumps({**INVOLVE, "on": "20/01/2026"}), "YYYY-MM-DD"),
        (json.dumps({**INVOLVE, "recorded_at": "yesterday"}), "ISO time"),
        (json.dumps({**INVOLVE, "recorded_at": "2026-01-22T09:30"}), "time zone"),
    ):
        file = write_lines(tmp_path / "facts.jsonl", OPEN, line)
        result = ctrack("import", "--keep-recorded-at", str(file))
        assert result.code == 2, line
        assert "line 2" in result.err and words in result.err, result.err
        assert event_count() == 0


def test_import_of_a_missing_file_is_one_sentence(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    result = ctrack("import", str(tmp_path / "nope.jsonl"))
    assert result.code == 2
    assert "Cannot read" in result.err and "nope.jsonl" in result.err


def test_by_may_follow_the_verb(ctrack: Callable[..., Result]) -> None:
    assert ctrack(*open_args(), "--by", "alice").code == 0
    assert (
        ctrack(
            "--by",
            "bob",
            "involve",
            "CT-001",
            "--org",
            "A",
            "--sector",
            "vcs",
            "--activity",
            "review",
            "--on",
            "2026-02-01",
        ).code
        == 0
    )
    assert (
        ctrack(
            "involve",
            "CT-001",
            "--org",
            "A",
            "--sector",
            "vcs",
            "--activity",
            "review",
            "--on",
            "2026-02-02",
            "--by",
            "carol",
        ).code
        == 0
    )
    history = ctrack("history", "CT-001", "--json").json()
    assert [fact["recorded_by"] for fact in history] == ["alice", "bob", "carol"]


def test_opening_a_stored_reference_names_the_first_bad_line(
    ctrack: Callable[..., Result], tmp_path: Path, event_count: Callable[..., int]
) -> None:
    """Openings are checked against the store in batches; the error is still the first
    bad line's, even when a later line is bad in another way."""
    assert ctrack("import", str(write_lines(tmp_path / "first.jsonl", OPEN))).code == 0
    before = event_count()
    other = {**OPEN, "reference": "IMP-2"}
    later_bad = {**INVOLVE, "reference": "IMP-2", "sector": "charity"}
    for lines, number, words in (
        ((other, OPEN, INVOLVE), 2, "already exists"),
        ((other, INVOLVE, {**OPEN, "reference": "imp-1"}, later_bad), 3, "already exists"),
        ((other, {**INVOLVE, "reference": "IMP-2"}, later_bad, OPEN), 3, "charity"),
    ):
        file = write_lines(tmp_path / "again.jsonl", *lines)
        result = ctrack("import", str(file))
        assert result.code == 2
        assert f"line {number}:" in result.err and words in result.err, result.err
        assert event_count() == before
    file = write_lines(tmp_path / "twice.jsonl", other, {**OPEN, "reference": "imp-2"})
    result = ctrack("import", str(file))
    assert result.code == 2 and "line 2:" in result.err and "already exists" in result.err
    assert event_count() == before

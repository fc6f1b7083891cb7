"""``ctrack import-ocds`` and ``export-ocds`` on real published data.

The files are the project's shared test data, read where they lie (``../shared/data/ocds``
from the project root, or ``CTRACK_OCDS_DATA``): the UK ones name council officers as
published, so they are used in tests and not copied into this repository."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from commission_tracker.ocds.merge import merge, schema
from tests.conftest import Result

DATA = Path(
    os.environ.get("CTRACK_OCDS_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ocds"
)
if not (DATA / "mexico-city-two-releases.json").is_file():
    _MISSING = (
        f"The OCDS tests read the project's shared data at {DATA} (../shared/data/ocds beside "
        "the project, or set CTRACK_OCDS_DATA), which is not there."
    )
    if os.environ.get("CTRACK_REQUIRE_OCDS_DATA") == "1":
        pytest.fail(_MISSING, pytrace=False)
    pytest.skip(_MISSING, allow_module_level=True)
CF2014 = DATA / "contracts-finder-2014"
CF2025 = DATA / "contracts-finder-2025"
MEXICO = DATA / "mexico-city-two-releases.json"

KENT = "ocds-b5fd17-2d13960d-adc8-11e6-9901-0019b9f3037b"
OXFORD = "ocds-b5fd17-55a5319a-5ceb-44da-8d2d-e5d9ef5a7b72"
DFE = "ocds-b5fd17-8f3244de-9267-4db2-95fe-089010d5aa5f"
BATH_VCSE = "ocds-b5fd17-e8ceaab3-b980-41d4-be30-3a1242853a06"


def history(ctrack: Callable[..., Result], reference: str) -> list[dict[str, Any]]:
    result = ctrack("history", reference, "--json")
    assert result.code == 0, result.err
    return list(result.json())


def of_type(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [fact for fact in facts if fact["type"] == kind]


def import_ocds(ctrack: Callable[..., Result], *args: str) -> Result:
    return ctrack("import-ocds", *args, "--json")


def test_every_shared_file_imports_and_a_second_import_adds_nothing(
    ctrack: Callable[..., Result],
) -> None:
    first = import_ocds(ctrack, str(CF2014), str(CF2025), str(MEXICO))
    assert first.code == 0, first.err
    summary = first.json()
    assert summary["files"] == 84
    assert summary["refused_files"] == []
    assert summary["processes"] == {"opened": 80, "updated": 0, "unchanged": 0}
    assert summary["releases"]["imported"] == 85
    assert summary["facts"]["imported"] > 300
    compiled = DATA / "mexico-city-two-releases.compiled.json"
    again = import_ocds(ctrack, str(CF2014), str(CF2025), str(MEXICO), str(compiled))
    assert again.code == 0, again.err
    repeated = again.json()
    assert repeated["facts"] == {"imported": 0}
    assert repeated["releases"]["imported"] == 1  # the compiled Mexico City release, new
    assert repeated["releases"]["unchanged"] == 85
    assert len(ctrack("list", "--json").json()) == 80


def test_a_2014_package_keeps_its_quirks_as_published(ctrack: Callable[..., Result]) -> None:
    """OCDS 1.0: no version, a buyer object, integer ids, a null amount beside minValue,
    xClassifications, and a tenderPeriod that holds the contract's period."""
    assert import_ocds(ctrack, str(CF2014)).code == 0
    shown = ctrack("show", KENT, "--json").json()
    assert shown["title"] == "SS1464 - Strategic Transformation Partner"
    assert shown["commissioner"] == "Kent County Council"
    assert shown["value"] == "578229"
    assert shown["opened_on"] == "2014-12-17"
    assert shown["phase"] == "do"
    assert shown["regime"] == "PCR2015"
    facts = history(ctrack, KENT)
    (details,) = of_type(facts, "TenderDetailsPublished")
    assert details["data"]["value"] is None
    assert details["data"]["minimum_value"] == "578229"
    assert details["data"]["contract_starts"] == "2015-04-01"
    assert details["data"]["contract_ends"] == "2017-03-31"
    assert details["data"]["closes"] is None
    assert details["data"]["suitable_for_vcse"] is False
    assert details["data"]["status"] == "unsuccessful"
    (release,) = of_type(facts, "ReleaseImported")
    assert release["recorded_by"] == "tester"
    assert (
        release["data"]["release_id"]
        == "ocds-b5fd17-2d13960d-adc8-11e6-9901-0019b9f3037b-kent-9rfl-2qgfaf"
    )


def test_an_award_update_is_a_change_not_a_second_award(ctrack: Callable[..., Result]) -> None:
    assert import_ocds(ctrack, str(CF2025)).code == 0
    facts = history(ctrack, OXFORD)
    (awarded,) = of_type(facts, "Awarded")
    assert awarded["data"]["provider"] == "Constructive Thinking Studio Limited"
    assert awarded["data"]["sector"] == "unknown"
    assert awarded["data"]["value"] == "98700"
    assert (awarded["on"], awarded["data"]["starts"], awarded["data"]["ends"]) == (
        "2025-01-17",
        "2025-02-10",
        "2025-11-05",
    )
    assert [f["data"]["tags"] for f in of_type(facts, "ReleaseImported")] == [
        ["award"],
        ["awardUpdate"],
    ]
    # The update changed only a document's date: nothing the exercise holds.
    assert len(of_type(facts, "AwardPublished")) == 1
    assert ctrack("show", OXFORD, "--json").json()["commissioner"] == "Oxford City Council"


def test_the_vcse_flag_is_kept_as_the_notice_said_not_as_involvement(
    ctrack: Callable[..., Result],
) -> None:
    assert import_ocds(ctrack, str(CF2025)).code == 0
    facts = history(ctrack, BATH_VCSE)
    (details,) = of_type(facts, "TenderDetailsPublished")
    assert details["data"]["suitable_for_vcse"] is True
    (awarded,) = of_type(facts, "Awarded")
    assert awarded["data"]["provider"] == "Black Families Education Support Group"
    assert awarded["data"]["sector"] == "unknown"
    assert of_type(facts, "OrganisationInvolved") == []
    involvement = ctrack("involvement", "--json").json()["exercises"]
    assert all(e["phases"]["do"]["organisations"] == 0 for e in involvement)
    flagged = [
        path
        for path in CF2025.glob("*.json")
        if json.loads(path.read_text())["tender"].get("suitability", {}).get("vcse") is True
    ]
    assert len(flagged) == 24


def test_a_tender_amendment_records_only_what_changed(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    """The DfE amendment changed only a document's link: the tender stays as it was, and
    the amendment is recorded as read. An amendment moving the closing day is a change."""
    assert import_ocds(ctrack, str(CF2025)).code == 0
    facts = history(ctrack, DFE)
    assert len(of_type(facts, "TenderPublished")) == 1
    (details,) = of_type(facts, "TenderDetailsPublished")
    assert details["data"]["title"] == (
        "Our Lady of the Magnificat - Home to School Transport for St Bede's Catholic Middle School"
    )
    assert details["data"]["closes"] == "2025-02-26"
    assert [f["data"]["tags"] for f in of_type(facts, "ReleaseImported")] == [
        ["tender"],
        ["tenderAmendment"],
    ]
    amendment = json.loads(sorted(CF2025.glob(f"{DFE}*.json"))[-1].read_text())
    amendment["id"] = "moved"
    amendment["date"] = "2025-02-03T10:00:00Z"
    amendment["tender"]["tenderPeriod"]["endDate"] = "2025-03-05T12:00:00Z"
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(amendment))
    assert import_ocds(ctrack, str(moved)).json()["facts"] == {"imported": 1}
    change = of_type(history(ctrack, DFE), "TenderDetailsPublished")[-1]
    assert (change["on"], change["data"]["closes"]) == ("2025-02-03", "2025-03-05")
    assert change["data"]["value"] == details["data"]["value"]


def test_a_later_release_alone_adds_only_its_change(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    release = json.loads(next(CF2025.glob(f"{OXFORD}*819888.json")).read_text())
    first = tmp_path / "first.json"
    first.write_text(json.dumps(release))
    assert import_ocds(ctrack, str(first)).code == 0
    changed = {**release, "id": "later", "date": "2025-02-01T09:00:00Z", "tag": ["awardUpdate"]}
    changed["awards"] = [{**release["awards"][0], "value": {"amount": 99000, "currency": "GBP"}}]
    later = tmp_path / "later.json"
    later.write_text(json.dumps(changed))
    result = import_ocds(ctrack, str(later))
    assert result.code == 0, result.err
    assert result.json()["facts"] == {"imported": 1}
    facts = history(ctrack, OXFORD)
    update = of_type(facts, "AwardPublished")[-1]
    assert update["on"] == "2025-02-01"
    assert update["data"]["value"] == "99000"
    assert update["data"]["updates"] == [of_type(facts, "Awarded")[0]["sequence"]]
    assert len(of_type(facts, "Awarded")) == 1


def test_a_malformed_file_is_refused_whole_and_the_others_import(
    ctrack: Callable[..., Result], tmp_path: Path, event_count: Callable[..., int]
) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    good = next(CF2014.glob("*kent*.json"))
    shutil.copy(good, folder / "good.json")
    package = json.loads(next(CF2014.glob("*bath*.json")).read_text())
    second = {**package["releases"][0], "id": "no-date", "date": "soon"}
    package["releases"].append(second)
    (folder / "bad.json").write_text(json.dumps(package))
    (folder / "broken.json").write_text('{"releases": [')
    result = import_ocds(ctrack, str(folder))
    assert result.code == 2
    summary = result.json()
    assert summary["processes"]["opened"] == 1
    reasons = {Path(r["path"]).name: r["reason"] for r in summary["refused_files"]}
    assert reasons["bad.json"] == (
        "release no-date of ocds-b5fd17-2c489619-adc8-11e6-9901-0019b9f3037b has no valid "
        'date ("soon")'
    )
    assert reasons["broken.json"].startswith("is not JSON")
    assert f"refused {folder / 'bad.json'}: release no-date" in result.err
    assert [e["reference"] for e in ctrack("list", "--json").json()] == [KENT]


def test_a_release_the_exercise_cannot_take_refuses_its_file(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    release = json.loads(next(CF2025.glob(f"{OXFORD}*819888.json")).read_text())
    release["compact"] = {"reference": "X-1", "fact": {"type": "Nonsense", "on": "2025-01-01"}}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(release))
    result = import_ocds(ctrack, str(bad), str(MEXICO))
    assert result.code == 2
    (refusal,) = result.json()["refused_files"]
    assert refusal["reason"].startswith(
        f"release {release['id']} of {OXFORD}: the compact fact type 'Nonsense'"
    )
    assert result.json()["processes"]["opened"] == 1  # Mexico City


def test_profile_from_option_or_buyer_map(
    ctrack: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyers = tmp_path / "buyers.toml"
    buyers.write_text('[buyers]\n"Kent County Council" = "gloucestershire"\n')
    monkeypatch.setenv("CTRACK_OCDS_BUYERS", str(buyers))
    assert import_ocds(ctrack, str(CF2014)).code == 0
    profiles = {e["reference"]: e["profile"] for e in ctrack("list", "--json").json()}
    assert profiles[KENT] == "gloucestershire"
    assert set(profiles.values()) == {"gloucestershire", "national"}
    result = import_ocds(ctrack, str(MEXICO), "--profile", "bexley")
    assert result.code == 0
    assert ctrack("show", "OCDS-87SD3T-AD-SF-DRM-063-2015", "--json").json()["profile"] == "bexley"
    unknown = import_ocds(ctrack, str(MEXICO), "--profile", "nowhere")
    assert unknown.code == 2 and "nowhere" in unknown.err


def test_jsonl_stdin_and_record_packages(
    ctrack: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    releases = [json.loads(p.read_text()) for p in sorted(CF2025.glob("*.json"))[:3]]
    lines = tmp_path / "releases.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in releases) + "\n")
    assert import_ocds(ctrack, str(lines)).json()["releases"]["imported"] == 3
    mexico = json.loads(MEXICO.read_text())
    record = {
        "uri": "x",
        "records": [{"ocid": mexico["releases"][0]["ocid"], "releases": mexico["releases"]}],
    }
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(record)))
    result = import_ocds(ctrack, "-")
    assert result.code == 0, result.err
    assert result.json()["releases"]["imported"] == 2
    # A record with only links to its releases, and its compiled release; an integer id.
    compiled = {**merge(mexico["releases"]), "ocid": "ocds-x-compiled", "id": 7}
    links = [{"url": "https://example.org/r1.json", "date": "2015-12-22T00:00:00-06:00"}]
    compiled_only = tmp_path / "records.json"
    compiled_only.write_text(
        json.dumps(
            {
                "records": [
                    {"ocid": "ocds-x-compiled", "releases": links, "compiledRelease": compiled}
                ]
            }
        )
    )
    summary = import_ocds(ctrack, str(compiled_only)).json()
    assert summary["releases"] == {"imported": 1, "unchanged": 0, "skipped": 1, "refused": 0}
    facts = history(ctrack, "ocds-x-compiled")
    assert of_type(facts, "ReleaseImported")[0]["data"]["release_id"] == "7"
    assert ctrack("show", "ocds-x-compiled", "--json").json()["value"] == "0"  # MXN: unknown


def test_merge_compiles_the_mexico_city_pair_as_the_reference_tooling_does() -> None:
    package = json.loads(MEXICO.read_text())
    oracle = json.loads((DATA / "mexico-city-two-releases.compiled.json").read_text())
    assert merge(package["releases"]) == oracle


def _validator(name: str) -> Draft4Validator:
    release = schema()
    registry: Registry = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(schema(name), registry=registry)


def test_export_is_valid_ocds_and_imports_back_to_the_same_exercises(
    ctrack: Callable[..., Result], tmp_path: Path
) -> None:
    assert ctrack("demo").code == 0
    assert import_ocds(ctrack, str(CF2025)).code == 0
    releases = ctrack("export-ocds", "--all")
    assert releases.code == 0, releases.err
    records = ctrack("export-ocds", "--all", "--record-package")
    package, record_package = releases.json(), records.json()
    assert list(_validator("release-package-schema.json").iter_errors(package)) == []
    assert list(_validator("record-package-schema.json").iter_errors(record_package)) == []
    tags = {tag for release in package["releases"] for tag in release["tag"]}
    assert {"planning", "tender", "award", "implementationUpdate"} <= tags
    kinds = {r["compact"]["fact"]["type"] for r in package["releases"]}
    assert {"OrganisationInvolved", "ConsultationOpened", "NoticeGiven"} <= kinds
    for record in record_package["records"]:
        assert record["compiledRelease"]["tag"] == ["compiled"]
    one = ctrack("export-ocds", OXFORD).json()
    assert {r["ocid"] for r in one["releases"]} == {OXFORD}
    by_fact = {r["compact"]["fact"]["type"]: r for r in one["releases"]}
    assert by_fact["AwardPublished"]["tag"] == ["award"]
    assert by_fact["AwardPublished"]["awards"][0]["value"] == {"amount": 98700, "currency": "GBP"}
    assert by_fact["Awarded"]["awards"][0]["suppliers"][0]["name"] == (
        "Constructive Thinking Studio Limited"
    )

    exported = tmp_path / "portfolio.json"
    exported.write_text(releases.out)
    other = ["--store", str(tmp_path / "other.sqlite")]
    result = ctrack(*other, "import-ocds", str(exported), "--json")
    assert result.code == 0, result.err
    for verb in ("list", "flags", "involvement", "evaluate"):
        before = ctrack(verb, "--json").json()
        after = ctrack(*other, verb, "--json").json()
        if verb == "list":
            for row in (*before, *after):
                del row["events"], row["last_recorded_at"]
        assert before == after, verb


def test_export_needs_one_reference_or_all(ctrack: Callable[..., Result]) -> None:
    result = ctrack("export-ocds")
    assert result.code == 2
    assert "Name one exercise's reference, or --all" in result.err
    missing = ctrack("export-ocds", "NOPE-1")
    assert missing.code == 2 and "NOPE-1" in missing.err


def test_the_text_summary(ctrack: Callable[..., Result]) -> None:
    result = ctrack("import-ocds", str(CF2014))
    assert result.code == 0
    assert "Processes: 20 new, 0 updated, 0 unchanged." in result.out
    assert "Releases: 20 imported, 0 unchanged" in result.out


@pytest.mark.postgres
def test_import_ocds_on_postgres(ctrack: Callable[..., Result], postgres_url: str) -> None:
    store = ["--store", postgres_url]
    first = ctrack(*store, "import-ocds", str(CF2025), "--json")
    assert first.code == 0, first.err
    assert first.json()["processes"]["opened"] == 59
    again = ctrack(*store, "import-ocds", str(CF2025), "--json")
    assert again.json()["facts"] == {"imported": 0}
    facts = ctrack(*store, "history", OXFORD, "--json").json()
    assert len(of_type(facts, "Awarded")) == 1
    assert len(ctrack(*store, "list", "--json").json()) == 59

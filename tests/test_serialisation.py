"""Stored events: types survive the round trip, topics are explicit, old shapes upcast."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin
from uuid import UUID, uuid4

import msgpack
import pytest
from ctrack_helpers import Result, version_1_opening
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, register_topic, resolve_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_tracker.aggregates import events as ev
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.aggregates.values import (
    Activity,
    Authority,
    ContractKind,
    Mechanism,
    Phase,
    Regime,
    Sector,
)
from commission_tracker.application import Clock, StoreConfig, Tracker
from commission_tracker.application.serialisation import MsgpackTranscoder, PydanticMapper

LATER = date(2026, 2, 2)
BY = "tester"


def mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=MsgpackTranscoder())


def every_kind_of_event() -> list[ev.ExerciseEvent]:
    """One exercise that has seen one of every fact, its events in order."""
    exercise = CommissioningExercise.open(
        reference="CT-SER",
        title="Carers' support",
        commissioner="Gloucestershire County Council",
        value="1250000.50",
        mechanism="contract",
        regime="PA2023",
        profile="national",
        authority="central",
        contract_kind="light-touch",
        service_area="adult social care",
        on=date(2026, 1, 5),
        recorded_by=BY,
    )
    later = dict(on=LATER, recorded_by=BY)
    exercise.advance("plan", **later)
    exercise.involve(organisation="Carers Hub", sector="vcs", activity="co-design", **later)
    exercise.consult(opens=LATER, closes=LATER + timedelta(weeks=12), recorded_by=BY)
    exercise.publish_consultation_feedback(summary="You said, we did", **later)
    exercise.notify_funding(deadline=LATER + timedelta(days=90), value="5000.05", **later)
    exercise.publish_timetable(tender_deadline=LATER + timedelta(days=40), where="portal", **later)
    exercise.issue_pqq(minimum_turnover="100000", years_trading=3, standard_form=False, **later)
    exercise.publish_tender(closes=LATER + timedelta(days=40), **later)
    exercise.receive_bid(bidder="Carers Hub", sector="vcs", value="990000.99", **later)
    exercise.award(
        provider="Carers Hub",
        sector="vcs",
        value="990000.99",
        starts=LATER + timedelta(days=60),
        ends=LATER + timedelta(days=60 + 3 * 365),
        **later,
    )
    exercise.give_bidder_feedback(bidder="Carers Hub", **later)
    exercise.set_monitoring(requirements="quarterly outcomes", reports_per_year=4, **later)
    exercise.assess_impact(summary="low", **later)
    exercise.decide_decommission(
        change="reduce",
        effective=LATER + timedelta(days=100),
        reason="budget",
        provider="Carers Hub",
        **later,
    )
    exercise.give_notice(
        to="Carers Hub", effective=LATER + timedelta(days=100), in_writing=True, **later
    )
    exercise.complete_review(outcome="recommission", **later)
    exercise.correct(corrects=15, reason="superseded", **later)
    exercise.discuss_performance(provider="Carers Hub", timetable_agreed=True, **later)
    # Facts read from published notices (OCDS).
    exercise.publish_planning(budget="400000", rationale="needs analysis", **later)
    exercise.publish_tender_details(
        tender="T1", value="420000.50", closes=LATER, suitable_for_vcse=True, **later
    )
    exercise.publish_award(
        award="A1",
        suppliers=["Carers Hub"],
        value="98700",
        starts=LATER,
        ends=LATER + timedelta(days=300),
        status="active",
        **later,
    )
    exercise.publish_contract(contract="C1", award="A1", value="98700", signed=LATER, **later)
    exercise.import_release(
        ocid="ocds-b5fd17-1",
        release_id="r1",
        published=datetime(2026, 2, 1, 9, 30, tzinfo=UTC),
        tags=["award"],
        source="notice.json",
        **later,
    )
    exercise.close(**later)
    exercise.record_migration(first=2, source="old.jsonl", **later)
    events = exercise.collect_events()
    assert {type(e) for e in events} == set(ev.EVENT_TYPES) - {ev.ExerciseCancelled}
    cancelled = CommissioningExercise.open(
        reference="CT-SER-2",
        title="t",
        commissioner="c",
        value="1",
        mechanism="grant",
        regime="grant",
        profile="national",
        on=LATER,
        recorded_by=BY,
    )
    cancelled.cancel(reason="no longer needed", **later)
    return events + cancelled.collect_events()[1:]


EVENTS = every_kind_of_event()


@pytest.mark.parametrize("event", EVENTS, ids=[type(e).__name__ for e in EVENTS])
def test_every_event_round_trips_through_the_mapper_with_its_types(
    event: ev.ExerciseEvent,
) -> None:
    assert_same_event(mapper().to_domain_event(mapper().to_stored_event(event)), event)


def test_types_are_really_restored_not_left_as_strings() -> None:
    by_type = {type(e): mapper().to_domain_event(mapper().to_stored_event(e)) for e in EVENTS}
    opened = by_type[ev.ExerciseOpened]
    assert isinstance(opened, ev.ExerciseOpened)
    assert opened.value == Decimal("1250000.50") and isinstance(opened.value, Decimal)
    assert type(opened.on) is date
    assert isinstance(opened.timestamp, datetime) and opened.timestamp.tzinfo is not None
    assert opened.mechanism is Mechanism.CONTRACT
    assert opened.regime is Regime.PA2023
    assert opened.authority is Authority.CENTRAL
    assert opened.contract_kind is ContractKind.LIGHT_TOUCH
    involved = by_type[ev.OrganisationInvolved]
    assert isinstance(involved, ev.OrganisationInvolved)
    assert involved.sector is Sector.VCS and involved.activity is Activity.CO_DESIGN
    assert involved.phase is Phase.PLAN
    assert isinstance(involved.originator_id, UUID)


@pytest.mark.parametrize("event_class", ev.EVENT_TYPES, ids=lambda c: c.__name__)
def test_stored_topics_are_explicit_and_independent_of_module_paths(
    event_class: type[ev.ExerciseEvent],
) -> None:
    topic = f"commission_tracker.events:{event_class.__name__}"
    assert topic == event_class.TOPIC
    assert get_topic(event_class) == topic
    assert resolve_topic(topic) is event_class
    assert event_class.__module__ != "commission_tracker.events"  # not where it lives


def test_stored_events_name_their_topic_not_their_module() -> None:
    for event in EVENTS:
        stored = mapper().to_stored_event(event)
        assert stored.topic == f"commission_tracker.events:{type(event).__name__}"
        assert "aggregates" not in stored.topic


def test_only_the_opening_and_the_decision_carry_a_class_version() -> None:
    transcoder = MsgpackTranscoder()
    for event in EVENTS:
        state = transcoder.decode(mapper().to_stored_event(event).state)
        expected = 2 if isinstance(event, ev.ExerciseOpened | ev.DecommissionDecided) else None
        assert state.get("class_version") == expected
    assert ev.ExerciseOpened.class_version == 2
    assert ev.DecommissionDecided.class_version == 2


def test_a_version_1_opening_is_upcast_by_the_mapper() -> None:
    opened = mapper().to_domain_event(version_1_opening("OLD-1"))
    assert isinstance(opened, ev.ExerciseOpened)
    assert opened.authority is Authority.SUB_CENTRAL
    assert opened.contract_kind is ContractKind.SERVICES
    assert opened.value == Decimal("80000.00")


def test_a_version_1_opening_in_a_real_store_reads_back_as_sub_central_services(
    tmp_path: Path, ctrack: Callable[..., Result]
) -> None:
    path = tmp_path / "old.sqlite"
    with Tracker(StoreConfig.sqlite(path), clock=Clock(LATER)) as tracker:
        assert tracker.event_count() == 0
        tracker.app.recorder.insert_events([version_1_opening("OLD-1")])
    with closing(sqlite3.connect(path)) as connection:
        (state,) = connection.execute("SELECT state FROM stored_events").fetchone()
    assert "class_version" not in MsgpackTranscoder().decode(state)
    assert "authority" not in MsgpackTranscoder().decode(state)

    with Tracker(StoreConfig.sqlite(path), clock=Clock(LATER)) as tracker:
        exercise = tracker.exercise("old-1")
        assert exercise.authority is Authority.SUB_CENTRAL
        assert exercise.contract_kind is ContractKind.SERVICES
        assert exercise.value == Decimal("80000.00")
        # and the old exercise takes new facts like any other
        tracker.record("OLD-1", "advance", to_phase="plan")
        assert tracker.exercise("OLD-1").phase is Phase.PLAN

    shown = ctrack("--store", str(path), "show", "OLD-1", "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["authority"] == "sub-central"
    assert shown.json()["contract_kind"] == "services"
    listed = ctrack("--store", str(path), "list", "--json")
    assert [row["reference"] for row in listed.json()] == ["OLD-1"]


def test_a_real_sqlite_store_gives_back_the_same_types(tmp_path: Path) -> None:
    path = tmp_path / "round.sqlite"
    with Tracker(StoreConfig.sqlite(path), clock=Clock(LATER), user=BY) as tracker:
        tracker.open_exercise(
            reference="CT-RT",
            title="Advice services",
            commissioner="Leicestershire County Council",
            value="1500.10",
            mechanism="grant",
            regime="grant",
            profile="national",
        )
        tracker.record(
            "CT-RT",
            "involve",
            organisation="Citizens Advice",
            sector="vcs",
            activity="needs-evidence",
        )
        tracker.record(
            "CT-RT", "funding-notified", deadline=LATER + timedelta(days=91), value="2000.00"
        )
        written = tracker.history("CT-RT")
    with Tracker(StoreConfig.sqlite(path), clock=Clock(LATER)) as tracker:
        read = tracker.history("CT-RT")
        exercise = tracker.exercise("CT-RT")
    assert read == written
    opened, involved, funding = read
    assert isinstance(opened, ev.ExerciseOpened) and str(opened.value) == "1500.10"
    assert isinstance(involved, ev.OrganisationInvolved) and involved.sector is Sector.VCS
    assert isinstance(funding, ev.FundingOpportunityNotified)
    assert type(funding.deadline) is date and funding.value == Decimal("2000.00")
    assert str(funding.value) == "2000.00"
    assert all(e.timestamp.tzinfo is not None for e in read)
    assert exercise.value == Decimal("1500.10") and exercise.mechanism is Mechanism.GRANT


# -- the older extension-type encoding ---------------------------------------------------


def old_encoding(event: ev.ExerciseEvent) -> StoredEvent:
    """The event as the mapper stored it before the JSON-mode encoding: a python-mode dump
    packed with extension types for Decimal, date, datetime, UUID and tuples."""
    state = event.model_dump()
    originator_id = state.pop("originator_id")
    originator_version = state.pop("originator_version")
    if type(event).class_version > 1:
        state["class_version"] = type(event).class_version
    return StoredEvent(
        originator_id=originator_id,
        originator_version=originator_version,
        topic=type(event).TOPIC,
        state=MsgpackTranscoder().encode(state),
    )


def assert_same_event(back: Any, event: ev.ExerciseEvent) -> None:
    """``back`` is ``event``, field by field with the same types."""
    assert type(back) is type(event)
    assert back == event
    for name in type(event).model_fields:
        original, restored = getattr(event, name), getattr(back, name)
        assert type(restored) is type(original) or (
            # parse_date may hand pendulum dates in; they come back as plain dates
            isinstance(original, date) and type(restored) in (date, datetime)
        ), name
        if isinstance(original, Decimal):
            assert str(restored) == str(original), name  # pence are not lost or added
        if isinstance(original, datetime):
            assert restored.utcoffset() == original.utcoffset(), name


def test_new_events_are_plain_msgpack_without_extension_types() -> None:
    for event in EVENTS:
        state = msgpack.unpackb(mapper().to_stored_event(event).state, raw=False)
        assert not any(isinstance(v, msgpack.ExtType) for v in state.values())
        # Scalars, and lists of them (a published award's suppliers, a release's tags).
        values = [x for v in state.values() for x in (v if isinstance(v, list) else [v])]
        assert all(isinstance(v, str | int | bool | None) for v in values), state
        assert "originator_id" not in state and "originator_version" not in state


@pytest.mark.parametrize("event", EVENTS, ids=[type(e).__name__ for e in EVENTS])
def test_both_encodings_read_back_to_the_same_event(event: ev.ExerciseEvent) -> None:
    old = old_encoding(event)
    new = mapper().to_stored_event(event)
    assert old.state != new.state
    assert_same_event(mapper().to_domain_event(old), event)
    assert_same_event(mapper().to_domain_event(new), event)


def test_events_stored_in_the_old_encoding_in_a_real_store_still_read(tmp_path: Path) -> None:
    def opening(reference: str) -> CommissioningExercise:
        return CommissioningExercise.open(
            reference=reference,
            title="t",
            commissioner="c",
            value="12.30",
            mechanism="grant",
            regime="grant",
            profile="national",
            on=LATER,
            recorded_by=BY,
        )

    cancelled, current = opening("CT-OLD-2"), opening("CT-OLD-3")
    cancelled.cancel(reason="no longer needed", on=LATER, recorded_by=BY)
    current.involve(organisation="Carers Hub", sector="vcs", activity="co-design", on=LATER,
                    recorded_by=BY)  # fmt: skip
    histories = {
        "CT-SER": EVENTS[:-1],
        "CT-OLD-2": cancelled.collect_events(),
        "CT-OLD-3": current.collect_events(),
    }
    written = [event for events in histories.values() for event in events]
    assert {type(e) for e in written} == set(ev.EVENT_TYPES)
    path = tmp_path / "old-encoding.sqlite"
    with Tracker(StoreConfig.sqlite(path), clock=Clock(LATER), user=BY) as tracker:
        tracker.app.recorder.insert_events([old_encoding(e) for e in written])
    with closing(sqlite3.connect(path)) as connection:
        states = [row[0] for row in connection.execute("SELECT state FROM stored_events")]
    assert len(states) == len(written)
    assert all(
        any(isinstance(v, msgpack.ExtType) for v in msgpack.unpackb(s, raw=False).values())
        for s in states
    )  # really stored the old way

    with Tracker(StoreConfig.sqlite(path), clock=Clock(LATER), user=BY) as tracker:
        for reference, events in histories.items():
            read = tracker.history(reference)
            assert len(read) == len(events)
            for back, event in zip(read, events, strict=True):
                assert_same_event(back, event)
        # old and new encodings side by side: the exercise takes new facts, views rebuild
        tracker.record("CT-OLD-3", "advance", to_phase="plan")
        assert len(tracker.history("CT-OLD-3")) == 3
        assert tracker.exercise("CT-OLD-3").value == Decimal("12.30")
        tracker.replay(restart=True)
        assert {row["reference"] for row in tracker.summaries()} == set(histories)


class Probe(ev.ExerciseEvent):
    """A test-only event with every kind of value the mapper must give back typed."""

    TOPIC = "tests.serialisation:Probe"
    amount: Decimal
    day: date
    moment: datetime
    ident: UUID
    sector: Sector
    pair: tuple[int, str]
    days: tuple[date, ...]
    maybe: Decimal | None = None


register_topic(Probe.TOPIC, Probe)


@pytest.mark.parametrize("encode", [lambda e: mapper().to_stored_event(e), old_encoding])
def test_tuples_enums_uuids_and_offsets_come_back_as_themselves(
    encode: Callable[[ev.ExerciseEvent], StoredEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mapper reads only the topics on its allow-list: add the probe's for this test.
    monkeypatch.setitem(ev.EVENTS_BY_TOPIC, Probe.TOPIC, Probe)
    probe = Probe(
        originator_id=uuid4(),
        originator_version=3,
        timestamp=datetime(2026, 1, 22, 9, 30, 0, 123456, tzinfo=UTC),
        on=LATER,
        recorded_by=BY,
        amount=Decimal("10.50"),
        day=date(2026, 3, 31),
        moment=datetime(2026, 3, 31, 23, 59, tzinfo=timezone(timedelta(hours=1))),
        ident=uuid4(),
        sector=Sector.VCS,
        pair=(7, "seven"),
        days=(date(2026, 1, 1), date(2026, 1, 2)),
    )
    back = mapper().to_domain_event(encode(probe))
    assert_same_event(back, probe)
    assert isinstance(back, Probe)
    assert back.pair == (7, "seven") and type(back.pair) is tuple
    assert all(type(d) is date for d in back.days) and type(back.days) is tuple
    assert back.sector is Sector.VCS
    assert back.moment.utcoffset() == timedelta(hours=1)
    assert back.maybe is None


def test_event_fields_have_no_ambiguous_types() -> None:
    """The JSON-mode encoding leans on each field's annotation to restore its type: an
    ``Any`` (or a union of two types a string could be) would come back as a string."""
    for cls in ev.EVENT_TYPES:
        for name, field in cls.model_fields.items():
            annotation = field.annotation
            assert annotation is not Any, (cls.__name__, name)
            members = [a for a in get_args(annotation) if a is not type(None)]
            if get_origin(annotation) in (Union, UnionType):
                assert len(members) == 1, (cls.__name__, name, annotation)


# -- the transcoder on its own ---------------------------------------------------------

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(max_size=20)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.datetimes(timezones=st.just(UTC))
    | st.datetimes()
    | st.uuids(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def same(a: Any, b: Any) -> bool:
    """Equal, of the same type all the way down (so 1.50 is not 1.5, date is not datetime)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, datetime):
        return a == b and a.tzinfo == b.tzinfo
    return bool(a == b)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values)
def test_the_transcoder_round_trips_values_with_their_types(value: Any) -> None:
    transcoder = MsgpackTranscoder()
    assert same(transcoder.decode(transcoder.encode(value)), value)


def test_the_transcoder_gives_tuples_back_as_tuples() -> None:
    transcoder = MsgpackTranscoder()
    assert transcoder.decode(transcoder.encode({"pair": (1, 2)})) == {"pair": (1, 2)}


def test_the_transcoder_refuses_what_it_cannot_store() -> None:
    class Letter:
        pass

    with pytest.raises(TypeError, match="Cannot store"):
        MsgpackTranscoder().encode({"letter": Letter()})


def test_enums_are_stored_as_their_values() -> None:
    class Colour(Enum):
        RED = 1

    transcoder = MsgpackTranscoder()
    assert transcoder.decode(transcoder.encode([Colour.RED, Sector.VCS])) == [1, "vcs"]


def test_a_uuid_and_a_date_do_not_come_back_as_strings() -> None:
    transcoder = MsgpackTranscoder()
    ident, day = uuid4(), date(2026, 3, 31)
    back = transcoder.decode(transcoder.encode({"id": ident, "day": day}))
    assert back == {"id": ident, "day": day}
    assert type(back["day"]) is date

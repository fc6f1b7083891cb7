"""The eventsourcing application that stores commissioning exercises."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper
from eventsourcing.utils import Environment, EnvType

from commission_tracker.aggregates.events import ExerciseEvent
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.application.serialisation import MsgpackTranscoder, PydanticMapper

SQLITE_RECORDER_TOPIC = "commission_tracker.application.recorders:SQLiteEventRecorder"


def project_exercise(
    exercise: CommissioningExercise | None, facts: Iterable[ExerciseEvent]
) -> CommissioningExercise | None:
    """Apply facts in order. The library's projector asserts a runtime-checkable protocol
    on every event, which costs more than applying the event; ours are known types."""
    for fact in facts:
        exercise = fact.mutate(exercise)
    return exercise


class CommissioningApplication(Application[UUID]):
    """Event store and repository of ``CommissioningExercise`` aggregates.

    Events are pydantic models stored as msgpack (see ``serialisation``); the persistence
    module (SQLite or PostgreSQL) comes from the environment built by ``StoreConfig``.
    """

    name = "commissioning"

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Settings come from the store configuration only, never from stray variables in
        the user's environment (the library would otherwise read ``CREATE_TABLE``,
        ``POSTGRES_SCHEMA``, ``COMPRESSOR_TOPIC``... from ``os.environ``)."""
        settings = dict(type(self).env)
        settings.update(env or {})
        if settings.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
            # Batches of events go in with one statement (see ``recorders``).
            settings.setdefault("APPLICATION_RECORDER_TOPIC", SQLITE_RECORDER_TOPIC)
        return Environment(name, settings)

    def get_exercise(self, ident: UUID, version: int | None = None) -> CommissioningExercise:
        """The exercise with ``ident``, at ``version`` or its latest."""
        exercise: CommissioningExercise = self.repository.get(
            ident, version=version, projector_func=project_exercise
        )
        return exercise

    def construct_mapper(self) -> Mapper[UUID]:
        mapper: Mapper[Any] = self.factory.mapper(
            transcoder=MsgpackTranscoder(), mapper_class=PydanticMapper
        )
        return mapper

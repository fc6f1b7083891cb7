"""The eventsourcing application that stores commissioning exercises."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory, Mapper
from eventsourcing.utils import Environment, EnvType

from commission_tracker.aggregates.events import ExerciseEvent
from commission_tracker.aggregates.exercise import CommissioningExercise
from commission_tracker.application.infrastructure import (
    APPLICATION_NAME,
    application_environment,
)
from commission_tracker.application.serialisation import MsgpackTranscoder, PydanticMapper

AGGREGATE_CACHE_SIZE = 500
"""Exercises kept in memory between commands of one process."""


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

    ``factory`` and ``recorder``, when given, are the store's infrastructure already
    opened (``infrastructure.open_infrastructure``, with the same settings): the
    application then uses them rather than opening the store again.
    """

    name = APPLICATION_NAME

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        factory: InfrastructureFactory | None = None,
        recorder: ApplicationRecorder | None = None,
    ) -> None:
        self._given_factory = factory
        self._given_recorder = recorder
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Settings come from the store configuration only (``application_environment``)."""
        settings = dict(type(self).env)
        settings.update(env or {})
        # Exercises read once are kept, and brought forward from the store by their newer
        # events only (the library's fast-forward): recording on an exercise of a thousand
        # facts read them all each time, then retried reading them all again after losing
        # a race. Commands get a copy (``CommissioningExercise.__deepcopy__``).
        settings.setdefault("AGGREGATE_CACHE_MAXSIZE", str(AGGREGATE_CACHE_SIZE))
        return application_environment(name, settings)

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        if self._given_factory is not None:
            return self._given_factory
        return super().construct_factory(env)

    def construct_recorder(self) -> ApplicationRecorder:
        if self._given_recorder is not None:
            return self._given_recorder
        return super().construct_recorder()

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

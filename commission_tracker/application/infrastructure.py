"""The store's infrastructure, opened without the application.

A command answered from the views needs the event log's position and the views' tables,
not the aggregate, its pydantic events or the mapper: the eventsourcing application
(``app.CommissioningApplication``) is built only when events must be read or written, on
the infrastructure opened here (the same factory and recorder, so the tables are created
once, under the store's setup lock, and one connection serves both).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.utils import Environment

APPLICATION_NAME = "commissioning"
"""The application's name: the views track their position in its log under it."""
SQLITE_RECORDER_TOPIC = "commission_tracker.application.recorders:SQLiteEventRecorder"
POSTGRES_RECORDER_TOPIC = "commission_tracker.application.recorders_postgres:PostgresEventRecorder"


def application_environment(name: str, settings: Mapping[str, str]) -> Environment:
    """The library's environment for the store's ``settings`` (``StoreConfig.as_env``).

    Settings come from the store configuration only, never from stray variables in the
    user's environment (the library would otherwise read ``CREATE_TABLE``,
    ``POSTGRES_SCHEMA``, ``COMPRESSOR_TOPIC``... from ``os.environ``)."""
    env = dict(settings)
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        # Batches of events go in with one statement (see ``recorders``).
        env.setdefault("APPLICATION_RECORDER_TOPIC", SQLITE_RECORDER_TOPIC)
    elif env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        # Large batches by COPY, never in a pipeline (see ``recorders_postgres``).
        env.setdefault("APPLICATION_RECORDER_TOPIC", POSTGRES_RECORDER_TOPIC)
    return Environment(name, env)


def open_infrastructure(
    settings: Mapping[str, str],
) -> tuple[InfrastructureFactory[Any], ApplicationRecorder]:
    """The persistence factory of the store and its event recorder (whose table is created
    if the store is new), as ``CommissioningApplication`` would make them."""
    factory = InfrastructureFactory.construct(application_environment(APPLICATION_NAME, settings))
    try:
        recorder = factory.application_recorder()
    except BaseException:
        with contextlib.suppress(Exception):
            factory.close()
        raise
    return factory, recorder

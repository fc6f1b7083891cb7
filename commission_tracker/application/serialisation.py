"""Stored-event encoding: pydantic events to msgpack and back, with types intact.

Events are dumped by pydantic in JSON mode (``Decimal``, ``date``, ``datetime``, ``UUID``
and enums become strings, tuples lists) and packed by plain msgpack; on the way back they
are validated by the event's own model, which restores every type from the field
annotations. Event fields are all concrete types (no ``Any``, no ambiguous unions), so the
annotation alone says what a string was.

Events written before that encoding carry msgpack extension types for ``Decimal``, ``date``,
``datetime``, ``UUID`` and tuples; ``MsgpackTranscoder`` still decodes them (and still
encodes arbitrary values that way), so both encodings read back to the same events.

Old event shapes are upgraded by the event class's ``upcast_vN_vM`` methods before
validation, so stored history is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import msgpack
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from commission_tracker.aggregates.errors import CommissioningError, DamagedRecord
from commission_tracker.aggregates.events import ExerciseEvent, event_class
from commission_tracker.aggregates.identity import as_uuid

EXT_DECIMAL = 1
EXT_DATE = 2
EXT_DATETIME = 3
EXT_UUID = 4
EXT_TUPLE = 5


def _default(obj: Any) -> Any:
    # datetime before date: datetime is a subclass of date.
    if isinstance(obj, dt.datetime):
        return msgpack.ExtType(EXT_DATETIME, obj.isoformat().encode())
    if isinstance(obj, dt.date):
        return msgpack.ExtType(EXT_DATE, obj.toordinal().to_bytes(4, "big"))
    if isinstance(obj, Decimal):
        return msgpack.ExtType(EXT_DECIMAL, str(obj).encode())
    if isinstance(obj, UUID):
        return msgpack.ExtType(EXT_UUID, obj.bytes)
    if isinstance(obj, tuple):
        return msgpack.ExtType(
            EXT_TUPLE, msgpack.packb(list(obj), default=_default, strict_types=True)
        )
    if isinstance(obj, Enum):
        return obj.value
    # strict_types sends subclasses of the basic types here: pack them as their base.
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, dict):
        return dict(obj)
    if isinstance(obj, list):
        return list(obj)
    raise TypeError(f"Cannot store a value of type {type(obj).__name__}: {obj!r}")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == EXT_DATE:
        return dt.date.fromordinal(int.from_bytes(data, "big"))
    if code == EXT_DECIMAL:
        return Decimal(data.decode())
    if code == EXT_DATETIME:
        return dt.datetime.fromisoformat(data.decode())
    if code == EXT_UUID:
        return UUID(bytes=data)
    if code == EXT_TUPLE:
        return tuple(msgpack.unpackb(data, ext_hook=_ext_hook, raw=False))
    return msgpack.ExtType(code, data)


def _pack(packer: msgpack.Packer, obj: Any) -> bytes:
    try:
        packed: bytes = packer.pack(obj)
    except Exception:
        packer.reset()  # a failed pack leaves part of it in the buffer
        raise
    return packed


class MsgpackTranscoder(Transcoder):
    """msgpack with extension types for Decimal, date, datetime, UUID and tuple."""

    def __init__(self) -> None:
        # strict_types: a tuple is not silently packed as a list (it has its own type).
        self._packer = msgpack.Packer(
            default=_default, use_bin_type=True, datetime=False, strict_types=True
        )

    def encode(self, obj: Any) -> bytes:
        return _pack(self._packer, obj)

    def decode(self, data: bytes) -> Any:
        return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)


_ENVELOPE = {"originator_id", "originator_version"}
"""Stored in their own columns, not in the state."""


class PydanticMapper(Mapper[UUID]):
    """Maps pydantic domain events to stored events: JSON-mode dumps packed by msgpack,
    read back through the transcoder (which also reads the older extension-type
    encoding)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._packer = msgpack.Packer(use_bin_type=True)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if not isinstance(domain_event, ExerciseEvent):
            return super().to_stored_event(domain_event)
        cls = type(domain_event)
        # What ``model_dump(mode="json", exclude=...)`` does, without its Python wrapper.
        state = cls.__pydantic_serializer__.to_python(domain_event, mode="json", exclude=_ENVELOPE)
        if cls.class_version > 1:
            state["class_version"] = cls.class_version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(cls),
            state=_pack(self._packer, state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """The stored event's fact (see :meth:`exercise_event`)."""
        return self.exercise_event(
            stored_event.topic,
            as_uuid(stored_event.originator_id),
            stored_event.originator_version,
            stored_event.state,
        )

    def exercise_event(
        self, topic: str, originator_id: UUID, originator_version: int, data: bytes
    ) -> ExerciseEvent:
        """The event stored under ``topic`` as ``data`` (either encoding), upcast; a
        ``DamagedRecord`` naming the problem when the stored row cannot make one. Only the
        product's own topics are read (``events.EVENTS_BY_TOPIC``): a topic is never
        imported."""
        try:
            cls = event_class(topic)
            state = self.transcoder.decode(data)
            if not isinstance(state, dict):
                raise DamagedRecord("its data is not a record")
            from_version = state.pop("class_version", 1)
            if not isinstance(from_version, int) or not 1 <= from_version <= cls.class_version:
                raise DamagedRecord(f"its version {from_version!r} is not one ctrack knows")
            while from_version < cls.class_version:
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                from_version += 1
            state["originator_id"] = originator_id
            state["originator_version"] = originator_version
            return cls.model_validate(state)
        except DamagedRecord as error:
            error.sequence = originator_version
            raise
        except ValidationError as error:
            from commission_tracker.aggregates.exercise import validation_sentence

            raise DamagedRecord(
                validation_sentence(error).rstrip("."), sequence=originator_version
            ) from None
        except CommissioningError as error:
            raise DamagedRecord(str(error).rstrip("."), sequence=originator_version) from None
        except Exception as error:
            raise DamagedRecord(
                f"its data cannot be decoded ({type(error).__name__})", sequence=originator_version
            ) from None

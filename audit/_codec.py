"""JSON encoding of the rebuilt state's dataclasses, for checkpoints and state hashes.

Checkpoints are read back from disk, so they are plain JSON decoded against the dataclasses'
type hints (never pickle: loading a file must not run code). Bytes become ``0x`` hex, enums
their integer, dataclasses objects with their fields in declaration order.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from audit.exceptions import AuditCheckpointError

__all__ = ["decode", "encode"]

T = TypeVar("T")


def encode(value: Any) -> Any:
    """``value`` (dataclasses, lists, bytes, enums, scalars) as JSON-ready data."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` from :func:`encode`'s output.

    Raises:
        AuditCheckpointError: ``data`` does not have the shape ``kind`` needs.
    """
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return decode(inner, data)
    if origin in (list, tuple):
        if not isinstance(data, list):
            raise AuditCheckpointError(f"expected a list for {kind}, got {type(data).__name__}")
        (inner, *_) = typing.get_args(kind)
        items = [decode(inner, v) for v in data]
        return items if origin is list else tuple(items)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise AuditCheckpointError(f"expected an object for {kind.__name__}")
        hints = _hints(kind)
        try:
            return kind(**{name: decode(hints[name], data[name]) for name in hints})
        except KeyError as missing:
            raise AuditCheckpointError(f"{kind.__name__} lacks field {missing}") from None
    if kind is bytes:
        if not isinstance(data, str) or not data.startswith("0x"):
            raise AuditCheckpointError(f"expected 0x hex, got {data!r}")
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            raise AuditCheckpointError(f"not hex: {data!r}") from None
    if isinstance(kind, type) and issubclass(kind, Enum):
        try:
            return kind(data)
        except ValueError:
            raise AuditCheckpointError(f"{data!r} is no {kind.__name__}") from None
    if kind in (int, str, bool) and type(data) is kind:
        return data
    raise AuditCheckpointError(f"expected {getattr(kind, '__name__', kind)}, got {data!r}")

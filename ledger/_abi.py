"""ABI helpers shared by revert and event decoding: canonical types, selectors, value shapes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = [
    "canonical_type",
    "checksum",
    "is_hashed_when_indexed",
    "named_values",
    "normalizer",
    "selector_of",
    "signature_of",
]

_ARRAY_SUFFIX = re.compile(r"(\[[0-9]*\])+$")


def canonical_type(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of a parameter, tuples spelled out: ``(uint32,bytes32)[]``."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param.get("components", ()))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def signature_of(item: Mapping[str, Any]) -> str:
    """``Name(type1,type2)`` of an ABI error or event."""
    inputs = ",".join(canonical_type(p) for p in item.get("inputs", ()))
    return f"{item['name']}({inputs})"


def selector_of(signature: str) -> bytes:
    """keccak-256 of the signature: first 4 bytes select an error, all 32 are an event's topic."""
    return keccak(text=signature)


def is_hashed_when_indexed(type_str: str) -> bool:
    """Whether an indexed event parameter of this type is stored as the keccak hash of its
    encoding (``bytes``, ``string``, arrays, structs) instead of its value."""
    return type_str in ("bytes", "string") or "[" in type_str or type_str.startswith("(")


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 checksum of a (lower-case) address, cached: the same few accounts recur."""
    return to_checksum_address(address)


def _split_tuple(inner: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(inner):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(inner[start:index])
            start = index + 1
    if inner:
        parts.append(inner[start:])
    return parts


def normalizer(type_str: str) -> Callable[[Any], Any] | None:
    """A function that turns eth_abi's decoded value of ``type_str`` into ours (checksummed
    addresses, tuples for arrays), or ``None`` when eth_abi's value is already ours."""
    if type_str == "address":
        return checksum
    match = _ARRAY_SUFFIX.search(type_str)
    if match is not None:
        suffix = match.group(0)
        element = type_str[: match.start()] + suffix[: suffix.rfind("[")]
        inner = normalizer(element)
        if inner is None:
            return None
        return lambda values: tuple(inner(v) for v in values)
    if type_str.startswith("("):
        members = [normalizer(t) for t in _split_tuple(type_str[1:-1])]
        if all(m is None for m in members):
            return None
        return lambda values: tuple(
            value if m is None else m(value) for m, value in zip(members, values, strict=True)
        )
    return None


def named_values(
    names: Sequence[str], types: Sequence[str], values: Sequence[Any]
) -> dict[str, Any]:
    """Zip decoded values with their parameter names, normalizing each value's shape."""
    result: dict[str, Any] = {}
    for index, (name, type_str, value) in enumerate(zip(names, types, values, strict=True)):
        fix = normalizer(type_str)
        result[name or f"arg{index}"] = value if fix is None else fix(value)
    return result

"""The compiled face validator agrees with jsonschema on every shipped type schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from certificate import CertificateSchemaError, default_registry
from certificate._fastschema import compile_schema
from certificate.registry import make_format_checker
from certificate.samples import SAMPLE_KINDS, sample_document

KINDS = {kind.key: kind for kind in default_registry()}

tricky = st.sampled_from(
    [
        "2024-02-29",
        "2023-02-29",
        "2024-2-01",
        "20240201",
        "男",
        "女",
        "C1",
        "A2D",
        "C7",
        "310104199003070011",
        "310104199003070012",
        "91310104MA1FL5XX2A",
        "310104",
        "990000",
        "",
        " ",
        "单独所有",
        "学士学位",
        "12:30",
        "24:00",
        0,
        19,
        20,
        45,
        46,
        300,
        7000,
        7001,
        1.0,
        20.5,
        True,
        False,
        None,
        [],
        {},
        ["x"],
        {"name": "x"},
    ]
)
scalars = st.none() | st.booleans() | st.integers(-10, 10_000) | st.floats() | st.text(max_size=8)
# Copied on every draw: the strategy below mutates the containers it drew, and the ones in
# ``tricky`` are shared, so without a copy one example would change the next one's data.
values = (
    tricky
    | scalars
    | st.lists(scalars, max_size=2)
    | st.dictionaries(st.text(max_size=3), scalars, max_size=2)
).map(copy.deepcopy)


def _containers(node: Any, found: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, found)
    return found


@st.composite
def mutated_faces(draw: st.DrawFn) -> tuple[str, Any]:
    key = draw(st.sampled_from(SAMPLE_KINDS))
    face = copy.deepcopy(sample_document(key, seed=draw(st.integers(0, 50)))["face"])
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(_containers(face, [])))
        action = draw(st.sampled_from(["set", "delete", "add"]))
        if isinstance(target, dict) and target and action != "add":
            name = draw(st.sampled_from(sorted(target)))
            if action == "delete":
                del target[name]
            else:
                target[name] = draw(values)
        elif isinstance(target, list) and target:
            target[draw(st.integers(0, len(target) - 1))] = draw(values)
        elif isinstance(target, dict):
            target[draw(st.text(max_size=6))] = draw(values)
    if draw(st.booleans()) and draw(st.booleans()):
        face = draw(values)
    return key, face


@settings(max_examples=300)
@given(case=mutated_faces())
def test_compiled_validator_agrees_with_jsonschema(case: tuple[str, Any]) -> None:
    key, face = case
    schema = KINDS[key].face_schema
    checker = make_format_checker()
    compiled = compile_schema(schema, checker)
    reference = Draft202012Validator(schema, format_checker=checker)
    assert compiled(face) == reference.is_valid(face)


def test_every_shipped_schema_is_a_valid_2020_12_schema() -> None:
    assert len(KINDS) >= 6
    for kind in KINDS.values():
        Draft202012Validator.check_schema(kind.face_schema)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "patternProperties": {"a": {}}},
        {"oneOf": [{"type": "string"}]},
        {"$ref": "#/$defs/x"},
        {"enum": [1, 2]},
        {"type": "object", "additionalProperties": {"type": "string"}},
    ],
)
def test_unsupported_keywords_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(CertificateSchemaError):
        compile_schema(schema, make_format_checker())


def test_required_without_properties_is_enforced() -> None:
    check = compile_schema({"type": "object", "required": ["a"]}, make_format_checker())
    assert check({"a": 1}) and not check({})

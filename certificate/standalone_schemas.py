"""The formats' JSON Schemas standing alone, for documents that embed them (an API description).

``schemas/sealed-certificate-1.json`` keeps its parts in ``$defs`` and refers to them with
``#/$defs/...``. Embedded in another document, such as a service's OpenAPI description, those
references would resolve against the embedding document and find nothing; here every one is
written in place (the schema has no cycles), so the result can be put anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certificate.sealed_file import sealed_certificate_schema

__all__ = ["document_input_schema", "standalone_sealed_schema"]

_LOCAL = "#/$defs/"


def standalone_sealed_schema() -> dict[str, Any]:
    """The sealed certificate format (``huren/sealed-certificate/1``) without references."""
    schema = sealed_certificate_schema()
    standalone: dict[str, Any] = _inlined(_without_identity(schema), schema["$defs"])
    return standalone


def document_input_schema() -> dict[str, Any]:
    """A certificate document (``huren/certificate/1``) as an issuer submits it: the sealed
    format's ``document``, with ``related`` optional (it defaults to none).

    A document it admits may still be refused: check characters, the type's own face schema
    and the agreement of identifier, type and issuer are checked when the document is built
    (:func:`certificate.document.build_document`), not by a schema.
    """
    schema = sealed_certificate_schema()
    document: dict[str, Any] = _inlined(schema["$defs"]["document"], schema["$defs"])
    document["required"] = [name for name in document["required"] if name != "related"]
    return document


def _without_identity(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema without its own ``$schema``, ``$id`` and ``$defs``: the host document's
    dialect and base apply once it is embedded."""
    return {key: value for key, value in schema.items() if key not in {"$schema", "$id", "$defs"}}


def _inlined(node: Any, definitions: Mapping[str, Any]) -> Any:
    """``node`` with every ``#/$defs/<name>`` reference replaced by that definition (and the
    reference's sibling keywords, such as a description, kept beside it)."""
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    if not isinstance(node, Mapping):
        return node
    result = {key: _inlined(value, definitions) for key, value in node.items() if key != "$ref"}
    reference = node.get("$ref")
    if reference is None:
        return result
    return {**_inlined(definitions[reference.removeprefix(_LOCAL)], definitions), **result}

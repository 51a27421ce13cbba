"""Turn a pydantic ``ValidationError`` into one of our errors with a clerk-readable message.

Our field checks raise our own errors (e.g. :class:`CheckCharacterError`); pydantic wraps them.
Unwrapping keeps the specific error type for callers, and the message lists every problem by its
JSON Pointer so the clerk sees all mistakes in one go.
"""

from __future__ import annotations

from typing import Any, NoReturn, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from certificate.exceptions import CertificateError, CertificateSchemaError

_PLAIN = {
    "missing": "is missing",
    "extra_forbidden": "is not a field of this format (misspelt or misplaced?)",
    "literal_error": None,
    "string_type": "must be a JSON string",
    "int_type": "must be a JSON integer",
    "bool_type": "must be true or false",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "tuple_type": "must be a JSON array",
    "list_type": "must be a JSON array",
}


def raise_validation_error(exc: ValidationError, subject: str) -> NoReturn:
    """Raise the most specific of our errors behind ``exc``, describing every problem."""
    problems: list[str] = []
    ours: CertificateError | None = None
    for error in exc.errors(include_url=False):
        where = "".join(f"/{part}" for part in error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, CertificateError):
            ours = ours or cause
            problem = str(cause)
        else:
            problem = _PLAIN.get(error["type"]) or error["msg"]
        problems.append(f"{where}: {problem}" if where else problem)
    kind = type(ours) if ours is not None else CertificateSchemaError
    more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
    raise kind(f"{subject}: " + "; ".join(problems[:8]) + more) from exc


class StrictModel(BaseModel):
    """Base of every model in the format: frozen, and unknown fields are refused.

    Validate input through :func:`~certificate.document.build_document`,
    :func:`~certificate.sealed_file.parse_sealed` or ``sealed_from_json``, which raise our
    errors; calling a model's constructor directly raises pydantic's ``ValidationError`` (also a
    ``ValueError``), as it is meant for values the program made itself.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """An instance of values the program has made or checked itself; nothing is validated.

        What ``model_construct`` does for a model given every one of its fields, without the
        per-field alias and default handling that costs it ~5 µs per model: sealing builds three
        models per certificate, thousands of times per second.
        """
        fields = cls.__pydantic_fields__  # what model_construct reads; ``model_fields`` is slower
        if values.keys() != fields.keys():
            raise TypeError(f"{cls.__name__}.trusted needs exactly the fields {sorted(fields)}")
        model = cls.__new__(cls)
        object.__setattr__(model, "__dict__", values)
        object.__setattr__(model, "__pydantic_fields_set__", set(values))
        object.__setattr__(model, "__pydantic_extra__", None)
        object.__setattr__(model, "__pydantic_private__", None)
        return model

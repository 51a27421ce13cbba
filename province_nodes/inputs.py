"""What the node accepts from outside: certificate identifiers, agency ids, bounded plain text.

Everything a caller sends reaches the store as a query parameter or a column value, and the
databases refuse what Python strings allow: PostgreSQL text cannot hold a NUL character, no
driver encodes a lone surrogate, and a ``VARCHAR(160)`` refuses a longer value. So the node's edge
(path parameters and request bodies) checks each string against what it names before anything
else sees it: a certificate identifier against the 证照标识 grammar (GB/T 36904, its check
character included), an agency id against its pattern, free text for length and for characters
no store keeps. A malformed value is a 422; a well-formed one the node does not hold is a 404.

:func:`printable` is the form in which a value that failed these checks may still be written
down (in the access log, in an error message): escaped, bounded, safe for every store.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from certificate.exceptions import CertificateError
from certificate.identifier import validate_identifier
from province_nodes.exceptions import NodeInputError
from province_nodes.types import CertificateId

__all__ = [
    "AGENCY_ID_PATTERN",
    "MAX_IDENTIFIER_LENGTH",
    "REQUEST_KEY_PATTERN",
    "AgencyIdText",
    "CertificateIdText",
    "PlainText",
    "checked_certificate_id",
    "checked_request_key",
    "plain_text",
    "printable",
]

MAX_IDENTIFIER_LENGTH = 160
"""Width of the store's certificate-id columns; every well-formed identifier is shorter."""

AGENCY_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
"""An agency id: lowercase words joined by hyphens, e.g. ``sh-gongan-hukou``."""

REQUEST_KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
"""An agency's key for one of its requests (``Idempotency-Key``), e.g. its request id."""

_SHOWN = 100
"""Characters of a refused value that :func:`printable` keeps."""


def printable(text: str, limit: int = _SHOWN) -> str:
    """``text`` as it may be written down: at most ``limit`` characters, each unprintable one
    (control, format, surrogate, backslash) escaped as ``\\xNN``/``\\uNNNN``, the rest noted."""
    shown = "".join(_escaped(char) for char in text[:limit])
    if len(text) > limit:
        shown += f"…({len(text)} characters)"
    return shown


def _escaped(char: str) -> str:
    if char.isprintable() and char != "\\":
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def checked_certificate_id(text: str) -> CertificateId:
    """``text`` if it is a well-formed certificate identifier (证照标识).

    Raises:
        NodeInputError: ``malformed_identifier`` (422), naming the problem; the value is shown
            only in its :func:`printable` form.
    """
    if len(text) > MAX_IDENTIFIER_LENGTH:
        raise NodeInputError(
            f"{printable(text, 40)} is not a certificate identifier (证照标识): an identifier "
            f"has at most {MAX_IDENTIFIER_LENGTH} characters",
            code="malformed_identifier",
        )
    try:
        return CertificateId(validate_identifier(text))
    except CertificateError as error:
        raise NodeInputError(
            f"{printable(text)} is not a certificate identifier (证照标识) of the form "
            f"1.2.156.3005.2.<type code>.<authority code>.<serial>.<version>.<check>: "
            f"{_reason(error)}",
            code="malformed_identifier",
        ) from None


def checked_request_key(text: str | None) -> str | None:
    """``text`` if it is absent or a well-formed request key (:data:`REQUEST_KEY_PATTERN`).

    Raises:
        NodeInputError: ``malformed_request_key`` (422).
    """
    if text is None or re.fullmatch(REQUEST_KEY_PATTERN, text):
        return text
    raise NodeInputError(
        f"the Idempotency-Key {printable(text, 40)} is not 1 to 64 letters, digits or ._:-",
        code="malformed_request_key",
    )


def _reason(error: CertificateError) -> str:
    """The certificate package's reason, with every character a store could not keep escaped."""
    return printable(str(error), 400)


def plain_text(text: str) -> str:
    """``text`` if no store would refuse it: no control character (NUL, …), no lone surrogate.

    Raises:
        NodeInputError: naming the first offending character and where it is.
    """
    for position, char in enumerate(text):
        if unicodedata.category(char) in {"Cc", "Cs"}:
            raise NodeInputError(
                f"character {position + 1} is {_escaped(char)}: control characters and lone "
                "surrogates are not accepted in text"
            )
    return text


CertificateIdText = Annotated[str, AfterValidator(checked_certificate_id)]
"""A certificate identifier in a request body: checked as :func:`checked_certificate_id`."""

AgencyIdText = Annotated[str, StringConstraints(max_length=64, pattern=AGENCY_ID_PATTERN)]
"""An agency id in a request body."""

PlainText = Annotated[str, AfterValidator(plain_text)]
"""Text that every store keeps (bound its length with ``Field(max_length=...)``)."""

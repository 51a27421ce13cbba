"""Base45 (RFC 9285): bytes as text in the 45 characters of a QR code's alphanumeric mode.

A QR code stores alphanumeric text at 5.5 bits a character, and Base45 spends three characters
on two bytes, so binary data costs 8.25 bits a byte in a QR code: less than any other text form
(Base64 needs byte mode at 8 bits a character, 10.7 bits a byte). EU Digital COVID Certificates
(``HC1:``) use the same encoding for the same reason.
"""

from __future__ import annotations

from certificate.exceptions import QRPayloadError

__all__ = ["BASE45_ALPHABET", "b45decode", "b45encode"]

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
"""RFC 9285 §4: the QR alphanumeric characters, in value order."""

_VALUES = {char: value for value, char in enumerate(BASE45_ALPHABET)}


def b45encode(data: bytes) -> str:
    """``data`` in Base45: each pair of bytes as three characters, a last odd byte as two."""
    chars: list[str] = []
    alphabet = BASE45_ALPHABET
    for start in range(0, len(data) - 1, 2):
        high, low = divmod(data[start] << 8 | data[start + 1], 45)
        top, mid = divmod(high, 45)
        chars += (alphabet[low], alphabet[mid], alphabet[top])
    if len(data) % 2:
        high, low = divmod(data[-1], 45)
        chars += (alphabet[low], alphabet[high])
    return "".join(chars)


def b45decode(text: str) -> bytes:
    """The bytes ``text`` encodes in Base45.

    Raises:
        QRPayloadError: a character outside the alphabet, a dangling single character,
            or a group whose value no byte pair (or byte) has.
    """
    values = _VALUES
    try:
        digits = [values[char] for char in text]
    except KeyError as missing:
        raise QRPayloadError(
            f"{missing.args[0]!r} is not a Base45 character; the payload may have been typed "
            f"or scanned wrongly (Base45 uses 0-9, A-Z, space and $%*+-./:)"
        ) from None
    if len(digits) % 3 == 1:
        raise QRPayloadError(
            f"a Base45 text of {len(digits)} characters is cut short (its length must not leave "
            f"one character over a multiple of three); the payload is incomplete"
        )
    out = bytearray()
    for start in range(0, len(digits), 3):
        group = digits[start : start + 3]
        value = sum(digit * 45**power for power, digit in enumerate(group))
        size = len(group) - 1
        if value >= 256**size:
            raise QRPayloadError(
                f"Base45 group {text[start : start + 3]!r} at character {start} does not encode "
                f"{size} byte{'s' if size > 1 else ''}; the payload is damaged"
            )
        out += value.to_bytes(size, "big")
    return bytes(out)

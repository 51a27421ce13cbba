"""Selective disclosure: a copy that reveals some fields and only hashes the others.

The holder (or the issuing node, on the holder's consent) chooses fields by JSON Pointer; a pointer
to an object or array selects everything under it. The fields in
:data:`~certificate.sealed_file.ALWAYS_DISCLOSED` are always revealed, since no verifier can
work without them. Every other field is replaced by its leaf hash, which hides the value (the salt
stays secret) but keeps the digest, so the signature and the receipt still verify.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from certificate.digest import field_leaf, flatten, ordered_salts, validate_pointer
from certificate.exceptions import DisclosureError
from certificate.sealed_file import (
    ALWAYS_DISCLOSED,
    DisclosedContent,
    DisclosedField,
    FullContent,
    SealedCertificate,
)


def disclose(sealed: SealedCertificate, paths: Iterable[str]) -> SealedCertificate:
    """A copy of ``sealed`` revealing only ``paths`` (and the always-disclosed fields).

    Works on full copies and, to narrow further, on disclosed ones; a field already withheld
    cannot be revealed again.
    """
    content = sealed.content
    revealed: dict[str, tuple[Any, str]]
    if isinstance(content, FullContent):
        fields = flatten(content.document.model_dump(mode="json"))
        salts = ordered_salts(fields, content.salts)
        revealed = {path: (value, salt) for (path, value), salt in zip(fields, salts, strict=True)}
        withheld: dict[str, bytes] = {}
    else:
        revealed = {path: (field.value, field.salt) for path, field in content.fields.items()}
        withheld = dict(content.withheld)
    chosen: set[str] = set(ALWAYS_DISCLOSED)
    for requested in paths:
        chosen.update(_select(validate_pointer(requested), revealed, withheld))
    return sealed.model_copy(
        update={
            "content": DisclosedContent(
                fields={
                    path: DisclosedField(value=value, salt=salt)
                    for path, (value, salt) in revealed.items()
                    if path in chosen
                },
                withheld=withheld
                | {
                    path: field_leaf(path, value, salt)
                    for path, (value, salt) in revealed.items()
                    if path not in chosen
                },
            )
        }
    )


def _select(
    requested: str, revealed: dict[str, tuple[Any, str]], withheld: dict[str, bytes]
) -> list[str]:
    def under(path: str) -> bool:
        return path == requested or path.startswith(requested + "/")

    hidden = sorted(path for path in withheld if under(path))
    if hidden:
        raise DisclosureError(
            f"field(s) {', '.join(hidden[:5])} were withheld from this copy and cannot be "
            f"disclosed from it; disclose from the full certificate"
        )
    selected = [path for path in revealed if under(path)]
    if not selected:
        raise DisclosureError(
            f"the certificate has no field {requested!r}; its fields are "
            f"{', '.join(sorted(revealed)[:40])}"
        )
    return selected

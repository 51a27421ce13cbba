"""Which province a store belongs to: recorded once, checked whenever the store is opened.

A store holds one province's certificates, signing keys and access log. A node started with
another province's code on it would serve that store as the wrong province: sign with its keys,
register them under the other province's chain account, mix two provinces' logs (in dev mode
every node shares the development master key, so nothing else would stop it). So the store
records its province (table ``store_owner``) the first time a node starts on it, and every later
start, and the ``huren node token`` commands, refuse another province with
:class:`~province_nodes.exceptions.StoreOwnerError` before anything else is read or written.

A store made before the table existed is claimed at its first start on the new schema. If it
holds certificates, it is claimed for the province they were issued in (read from the oldest
one), not for the code the node was started with, so a first start with the wrong code is
refused too.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from certificate.divisions import province_of
from certificate.exceptions import CertificateError
from certificate.sealed_file import parse_sealed
from certificate.types import DivisionCode
from province_nodes.db import store_url, unit_of_work
from province_nodes.envelope import MasterKey, open_envelope
from province_nodes.exceptions import StoreIntegrityError, StoreOwnerError
from province_nodes.models import CertificateRow, StoreOwnerRow

__all__ = ["check_store_owner", "claim_store"]

_ROW = 1
"""The primary key of the one ``store_owner`` row."""


def claim_store(engine: Engine, province: int, master: MasterKey) -> None:
    """Record ``province`` as the store's owner if none is yet, then check it is the owner.

    ``master`` decrypts the oldest certificate of a store claimed for the first time.

    Raises:
        StoreOwnerError: the store belongs to another province.
    """
    try:
        with unit_of_work(engine) as session:
            if session.get(StoreOwnerRow, _ROW) is None:
                owner = _issuing_province(session, master) or province
                session.add(StoreOwnerRow(id=_ROW, province=owner, recorded_at=int(time.time())))
    except IntegrityError:
        pass  # another process claimed it at the same moment: its record is checked below
    check_store_owner(engine, province)


def check_store_owner(engine: Engine, province: int) -> None:
    """Refuse a store recorded as another province's (a store not yet claimed passes).

    Raises:
        StoreOwnerError: the store belongs to another province.
    """
    with unit_of_work(engine) as session:
        row = session.get(StoreOwnerRow, _ROW)
    if row is not None and row.province != province:
        raise StoreOwnerError(
            f"the store at {store_url(engine)} belongs to province {row.province}, not "
            f"{province}: start the node with --province {row.province}, or give province "
            f"{province} its own store (HUREN_NODE_DATABASE_URL or HUREN_NODE_DATA_DIR)"
        )


def _issuing_province(session: Session, master: MasterKey) -> int | None:
    """The province the store's oldest certificate was issued in; None for an empty store."""
    row = session.exec(select(CertificateRow).order_by(col(CertificateRow.seq)).limit(1)).first()
    if row is None:
        return None
    plain = open_envelope(master, row.certificate_id, row.envelope)
    try:
        division = parse_sealed(plain).disclosed_values()["/issuer/division_code"]
        return int(province_of(DivisionCode(str(division))))
    except (CertificateError, KeyError) as error:
        raise StoreIntegrityError(
            f"the store's oldest certificate {row.certificate_id} does not name its issuing "
            f"division, so the store's province cannot be told: {error}"
        ) from error

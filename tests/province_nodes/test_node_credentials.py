"""Credentials expire and can be revoked: refused with a 401 that says why, listed and revoked
with ``huren node token``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from node_helpers import AGENCY, CHAIN_KEYS, RunningNode, consent_body
from sqlalchemy import event

from huren.cli import main
from ledger.anvil import LocalChain
from province_nodes.auth import authenticate, create_credential, revoke_credential
from province_nodes.cli import load_settings
from province_nodes.db import make_engine, unit_of_work
from province_nodes.exceptions import AuthenticationError, NodeInputError
from province_nodes.models import CredentialRow
from province_nodes.types import Role


def test_expired_and_revoked_credentials_are_refused_with_their_code(
    zhejiang: RunningNode,
) -> None:
    engine = zhejiang.node.engine
    in_a_day = int(time.time()) + 86400
    expiring = create_credential(engine, Role.AUDITOR, expires_at=in_a_day)
    auditor = {"Authorization": f"Bearer {expiring}"}
    assert zhejiang.client.get("/audit/certificates", headers=auditor).status_code == 200
    with unit_of_work(engine) as session:
        stored = session.get(
            CredentialRow, authenticate(engine, auditor["Authorization"]).credential_id
        )
        assert stored is not None and stored.expires_at == in_a_day
        stored.expires_at = int(time.time()) - 1  # a day later
        session.add(stored)
    refused = zhejiang.client.get("/audit/certificates", headers=auditor)
    assert (refused.status_code, refused.json()["error"]) == (401, "credential_expired")
    assert "expired at" in refused.json()["message"]

    certificate_id = zhejiang.issue(1)
    zhejiang.anchor()
    consent = zhejiang.client.post(
        "/consents", json=consent_body(certificate_id), headers=zhejiang.headers("portal")
    ).json()
    caller = authenticate(engine, f"Bearer {zhejiang.tokens[AGENCY]}")
    revoke_credential(engine, caller.credential_id)
    read = zhejiang.client.get(
        f"/certificates/{certificate_id}",
        headers=zhejiang.headers(AGENCY, **{"Huren-Consent": consent["token"]}),
    )
    assert (read.status_code, read.json()["error"]) == (401, "credential_revoked")
    assert zhejiang.access_log()[-1]["error"] == "credential_revoked"

    with pytest.raises(NodeInputError, match="future"):
        create_credential(engine, Role.AUDITOR, expires_at=int(time.time()))
    for agency_id in ("js\x00gongan", "x" * 65, "JS-Gongan"):
        with pytest.raises(NodeInputError, match="agency id"):
            create_credential(engine, Role.AGENCY, agency_id=agency_id)
    with pytest.raises(NodeInputError, match="label"):
        create_credential(engine, Role.AUDITOR, label="审" * 201)


def test_token_commands_create_with_expiry_list_and_revoke(
    tmp_path: Path,
    local_chain: LocalChain,
    deployment_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "node.env"
    config.write_text(
        "\n".join(
            [
                "HUREN_NODE_MODE=dev",
                f"HUREN_NODE_DATA_DIR={tmp_path / 'data'}",
                f"HUREN_NODE_RPC_URL={local_chain.url}",
                f"HUREN_NODE_DEPLOYMENT_FILE={deployment_file}",
                f"HUREN_NODE_CHAIN_KEY={CHAIN_KEYS[320000]}",
            ]
        )
    )
    where = ["--province", "320000", "--config", str(config)]

    def token(*argv: str) -> tuple[int, str, str]:
        code = main(["node", "token", *argv[:1], *where, *argv[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    code, auditor_token, _ = token(
        "create", "--role", "auditor", "--label", "审计", "--expires-in", "90d"
    )
    assert code == 0
    assert token("create", "--role", "operator")[0] == 0

    def listing() -> list[dict[str, str]]:
        code, out, _ = token("list")
        assert code == 0
        header, *lines = out.splitlines()
        return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]

    auditor, operator = listing()
    assert (auditor["role"], auditor["state"], auditor["label"]) == ("auditor", "active", "审计")
    expires = datetime.fromisoformat(auditor["expires"].replace("Z", "+00:00"))
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert (operator["role"], operator["expires"]) == ("operator", "never")

    code, out, _ = token("revoke", auditor["id"])
    assert code == 0 and f"credential {auditor['id']}" in out
    assert [row["state"] for row in listing()] == ["revoked", "active"]
    engine = make_engine(load_settings(320000, config).resolved_database_url())
    with pytest.raises(AuthenticationError) as refused:
        authenticate(engine, f"Bearer {auditor_token.strip()}")
    assert refused.value.code == "credential_revoked"
    engine.dispose()

    code, _, err = token("revoke", "999")
    assert code == 2 and "no credential 999" in err
    with pytest.raises(SystemExit):
        token("create", "--role", "auditor", "--expires-in", "soon")
    assert "is not a duration" in capsys.readouterr().err


def test_a_request_is_authenticated_once(zhejiang: RunningNode) -> None:
    """Before: a request with a body was looked up by the body guard, then again by the route's
    access check: two credential queries per request."""
    lookups: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM credentials" in statement:
            lookups.append(statement)

    certificate_id = zhejiang.issue(40)
    event.listen(zhejiang.node.engine, "before_cursor_execute", count)
    try:
        created = zhejiang.client.post(
            "/consents", json=consent_body(certificate_id), headers=zhejiang.headers("portal")
        )
        assert created.status_code == 201, created.text
        assert len(lookups) == 1
        lookups.clear()
        listed = zhejiang.client.get("/agencies", headers=zhejiang.headers("operator"))
        assert listed.status_code == 200 and len(lookups) == 1  # no body: the route checks
        lookups.clear()
        empty = zhejiang.client.post("/keys/rotate", headers=zhejiang.headers("portal"))
        assert (empty.status_code, empty.json()["error"]) == (403, "forbidden_role")
        assert len(lookups) == 1
        lookups.clear()
        wrong_role = zhejiang.client.post(
            "/consents", json=consent_body(certificate_id), headers=zhejiang.headers("auditor")
        )
        assert (wrong_role.status_code, wrong_role.json()["error"]) == (403, "forbidden_role")
        assert len(lookups) == 1
    finally:
        event.remove(zhejiang.node.engine, "before_cursor_execute", count)

"""The node's OpenAPI document against the node (schemathesis), as every role and as nobody.

Before: an undeclared method on a body route was answered 401 by the body guard, not 405;
``OPTIONS /certificates/{id}/status`` named only GET in ``Allow`` although the path offers POST.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
import schemathesis
from node_helpers import AGENCY, SettingsFactory, consent_body
from openapi_conformance import BOUNDED, call_as_everyone, loaded, serving, with_examples

from certificate.samples import sample_document
from province_nodes.app import create_app
from province_nodes.auth import create_credential
from province_nodes.db import unit_of_work
from province_nodes.models import Agency
from province_nodes.node import ProvinceNode
from province_nodes.types import Role

ZHEJIANG = 330000


@dataclass
class ServedNode:
    """The node's base URL, a token per role, and its OpenAPI document with examples."""

    url: str
    tokens: dict[str, str]
    document: dict[str, Any]


@pytest.fixture
def served_node(make_settings: SettingsFactory) -> Iterator[ServedNode]:
    """Zhejiang's node over HTTP with a credential per role, one anchored certificate and a
    consent to read it; the document's examples name them."""
    app = create_app(make_settings(ZHEJIANG))
    with serving(app) as url:
        node: ProvinceNode = app.state.node
        with unit_of_work(node.engine) as session:
            session.add(Agency(id=AGENCY, name="江苏省公安厅户政", province=320000))
        tokens = {
            role.value: create_credential(node.engine, role)
            for role in Role
            if role is not Role.AGENCY
        }
        tokens[Role.AGENCY.value] = create_credential(node.engine, Role.AGENCY, agency_id=AGENCY)
        issued = _call(
            url,
            tokens["operator"],
            "/certificates",
            sample_document("driving_licence", seed=1, province=ZHEJIANG),
        )
        node.batcher.flush()
        certificate_id = issued["certificate_id"]
        consent = _call(
            url, tokens["portal"], "/consents", consent_body(certificate_id, max_uses=1000)
        )
        holder = issued["sealed"]["content"]["document"]["holder"]
        document = with_examples(
            app.openapi(),
            parameters={
                "certificate_id": certificate_id,
                "consent_id": consent["consent_id"],
                "huren-consent": consent["token"],
            },
            bodies={
                ("POST", "/certificates"): sample_document(
                    "business_licence", seed=2, province=ZHEJIANG
                ),
                ("POST", "/certificates/bulk"): [
                    sample_document("driving_licence", seed=3, province=ZHEJIANG)
                ],
                ("POST", "/consents"): consent_body(certificate_id),
                ("POST", "/holders/access-history"): {
                    "id_type": holder["id_type"],
                    "id_number": holder["id_number"],
                },
                ("POST", "/agencies"): {
                    "id": "sh-minzheng-hunyin",
                    "name": "上海市民政局婚姻登记",
                    "province": 310000,
                },
                ("POST", "/certificates/{certificate_id}/status"): {
                    "action": "suspend",
                    "reason": 1,
                },
            },
        )
        yield ServedNode(url, tokens, document)


def _call(url: str, token: str, path: str, body: object) -> Any:
    """POST ``body`` to ``path`` as the holder of ``token``; the created resource."""
    answer = httpx.post(
        url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def node_schema(request: pytest.FixtureRequest, served_node: ServedNode) -> Any:
    return loaded(request, served_node.document)


schema = schemathesis.pytest.from_fixture("node_schema")


@schema.parametrize()
@BOUNDED
def test_every_answer_of_the_node_is_declared(case: Any, served_node: ServedNode) -> None:
    call_as_everyone(case, served_node.url, served_node.tokens)

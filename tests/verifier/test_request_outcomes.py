"""Which answers of a cross-province request are final, against Zhejiang's real node.

Only a definitive outcome is stored as the answer: the node refused the consent or does not know
the certificate, or the agency verified what the node sent (VALID or INVALID). A node or chain
that is down, a node that says "not now" (the certificate is not anchored yet, the agency's
credential is not accepted) and a verification the chain could not finish are retryable and
spend no consent; a certificate the node released is kept and verified again on retry, never
fetched twice. Identical requests running at once resolve to the one real outcome.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from province_node_support import AGENCY, ZHEJIANG, Node, free_port
from web3 import Web3

from ledger.anvil import LocalChain
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from province_nodes.db import unit_of_work as province_unit_of_work
from province_nodes.models import ConsentRow
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token
from verifier.service.db import unit_of_work
from verifier.service.models import VerificationRequest

CLERK = "clerk-" + uuid.uuid4().hex
CLERK_AUTH = {"Authorization": f"Bearer {CLERK}"}

AgencyFactory = Callable[..., TestClient]


@pytest.fixture
def make_agency(
    tmp_path: Path, w3: Web3, zhejiang_deployment: tuple[Deployment, Path, int], zhejiang: Node
) -> Iterator[AgencyFactory]:
    """``make_agency(**options)``: a running agency; by default on a SQLite file of this test,
    with a chain view that caches nothing and the agency's credential at Zhejiang's node.

    Options: ``chain``, ``transport`` (for :func:`create_app`) and any settings field.
    """
    deployment, _, _ = zhejiang_deployment
    with ExitStack() as running:

        def make(
            *, chain: Web3ChainView | None = None, transport: Any = None, **options: Any
        ) -> TestClient:
            fields: dict[str, Any] = {
                "agency_id": AGENCY,
                "database_url": f"sqlite:///{tmp_path / 'agency.db'}",
                "clerk_token_hashes": (hash_token(CLERK),),
                "node_tokens": {ZHEJIANG: zhejiang.tokens[AGENCY]},
                **options,
            }
            view = chain or Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
            app = create_app(AgencySettings(**fields), chain=view, transport=transport)
            return running.enter_context(TestClient(app))

        yield make


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The agency's database: a SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'agency-store.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


def _post(agency: TestClient, certificate_id: str, token: str) -> httpx.Response:
    body = {"certificate_id": certificate_id, "issuing_province": ZHEJIANG, "consent_token": token}
    return agency.post("/requests", json=body, headers=CLERK_AUTH)


def _stored(agency: TestClient, request_id: str) -> dict[str, Any]:
    answer = agency.get(f"/requests/{request_id}", headers=CLERK_AUTH)
    assert answer.status_code == 200, answer.text
    stored: dict[str, Any] = answer.json()
    return stored


# --- identifiers: the agency asks only for 证照标识 and takes only the certificate asked for ---


@pytest.mark.parametrize(
    "shape",
    ["status route", "receipt route", "encoded slash", "200 characters", "NUL byte", "check"],
)
def test_an_identifier_outside_the_grammar_is_refused_before_any_node_is_asked(
    zhejiang: Node, make_agency: AgencyFactory, shape: str
) -> None:
    agency = make_agency()
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id)["token"]
    wrong_check = "A" if certificate_id[-1] != "A" else "B"
    asked = {
        "status route": f"{certificate_id}/status",
        "receipt route": f"{certificate_id}/receipt",
        "encoded slash": f"{certificate_id}%2Fstatus",
        "200 characters": certificate_id + "0" * (200 - len(certificate_id)),
        "NUL byte": certificate_id + "\x00",
        "check": certificate_id[:-1] + wrong_check,
    }[shape]
    answer = _post(agency, asked, token)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["error"] == "invalid_input"
    assert problem["detail"][0]["location"] == ["body", "certificate_id"]
    assert zhejiang.reads(certificate_id) == []
    # the consent is intact: asked properly, the certificate comes
    assert _post(agency, certificate_id, token).json()["verdict"] == "VALID"


class RewritingTransport(httpx.BaseTransport):
    """Real HTTP to the node through a proxy that rewrites the agency's request: what a node
    that routes on decoded slashes, or a proxy in between, would make of it."""

    def __init__(self, rewrite: Callable[[httpx.Request], httpx.Request]) -> None:
        self.rewrite = rewrite
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.real.handle_request(self.rewrite(request))


@pytest.mark.parametrize("route", ["receipt", "status"])
def test_an_answer_that_is_not_a_sealed_certificate_is_a_mismatch_and_not_kept(
    zhejiang: Node, make_agency: AgencyFactory, route: str
) -> None:
    def other_route(request: httpx.Request) -> httpx.Request:
        url = request.url.copy_with(raw_path=request.url.raw_path + f"/{route}".encode())
        return httpx.Request(request.method, url, headers=request.headers)

    agency = make_agency(transport=RewritingTransport(other_route))
    certificate_id = zhejiang.issue()
    answer = _post(agency, certificate_id, zhejiang.consent(certificate_id)["token"])
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "mismatch"
    assert stored["certificate"] is None and stored["report"] is None
    assert "not a sealed certificate" in stored["message"]


def test_another_certificate_than_the_one_asked_for_is_a_mismatch(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    other_id = zhejiang.issue()
    other_token = zhejiang.consent(other_id)["token"]

    def other_certificate(request: httpx.Request) -> httpx.Request:
        url = request.url.copy_with(path=f"/certificates/{other_id}")
        headers = request.headers.copy()
        headers["Huren-Consent"] = other_token
        return httpx.Request(request.method, url, headers=headers)

    agency = make_agency(transport=RewritingTransport(other_certificate))
    certificate_id = zhejiang.issue()
    answer = _post(agency, certificate_id, zhejiang.consent(certificate_id)["token"])
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "mismatch"
    assert other_id in stored["message"]
    assert stored["certificate"]["content"]["fields"]["/identifier"]["value"] == other_id


# --- temporary answers are retried and spend nothing --------------------------------------------


def test_not_anchored_yet_is_retryable_and_the_consent_still_works(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    agency = make_agency()
    certificate_id = zhejiang.issue(anchor=False)
    token = zhejiang.consent(certificate_id)["token"]
    first = _post(agency, certificate_id, token)
    assert first.status_code == 503, first.text
    problem = first.json()
    assert problem["error"] == "peer_unavailable"
    assert (problem["detail"]["node_status"], problem["detail"]["node_error"]) == (
        409,
        "not_anchored",
    )
    request_id = problem["detail"]["request_id"]
    assert _stored(agency, request_id)["outcome"] == "unavailable"

    zhejiang.node.batcher.flush()
    again = _post(agency, certificate_id, token)
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["outcome"]) == (request_id, "verified")
    assert again.json()["verdict"] == "VALID"
    assert zhejiang.reads(certificate_id) == [("refused", "not_anchored"), ("allowed", None)]


class LosingTransport(httpx.BaseTransport):
    """Real HTTP to the node through a proxy that drops the node's first answer after reading
    it whole: the node has answered (and counted the consent's use), the agency sees a
    timeout."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.real.handle_request(request)
        response.read()
        if self.lost == 0:
            self.lost += 1
            raise httpx.ReadTimeout("the answer was lost on its way", request=request)
        return response


def test_an_answer_lost_on_its_way_is_delivered_again_and_spends_one_use(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    """Before: the retry was refused consent_exhausted and stored as final; the holder's single
    use was spent on a copy the agency never received."""
    proxy = LosingTransport()
    agency = make_agency(transport=proxy)
    certificate_id = zhejiang.issue()
    consent = zhejiang.consent(certificate_id)
    lost = _post(agency, certificate_id, consent["token"])
    assert lost.status_code == 503, lost.text
    assert lost.json()["error"] == "peer_unavailable" and proxy.lost == 1

    again = _post(agency, certificate_id, consent["token"])
    assert again.status_code == 201, again.text
    assert again.json()["id"] == lost.json()["detail"]["request_id"]
    assert (again.json()["outcome"], again.json()["verdict"]) == ("verified", "VALID")
    assert zhejiang.reads(certificate_id) == [("allowed", None), ("repeated", None)]
    with province_unit_of_work(zhejiang.node.engine) as session:
        assert session.get(ConsentRow, consent["consent_id"]).uses == 1  # type: ignore[union-attr]


def test_a_credential_the_node_refuses_is_retryable_once_the_agency_is_configured(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    misconfigured = make_agency(node_tokens={ZHEJIANG: "not-a-token-of-that-node"})
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id)["token"]
    first = _post(misconfigured, certificate_id, token)
    assert first.status_code == 503, first.text
    assert first.json()["detail"]["node_error"] == "unauthenticated"

    fixed = make_agency()  # the same store, now with the agency's real credential
    again = _post(fixed, certificate_id, token)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["detail"]["request_id"]
    assert again.json()["verdict"] == "VALID"


def test_a_chain_outage_keeps_the_certificate_and_a_retry_verifies_it_without_fetching_again(
    zhejiang: Node,
    make_agency: AgencyFactory,
    local_chain: LocalChain,
    zhejiang_deployment: tuple[Deployment, Path, int],
) -> None:
    deployment, _, _ = zhejiang_deployment
    chain = Web3ChainView(
        RpcClient(local_chain.url),
        deployment.address,
        from_block=deployment.block_number,
        cache_ttl=3600,
    )
    agency = make_agency(chain=chain)
    warm_up = zhejiang.issue()  # the agency now holds Zhejiang's node and key in its cache
    assert _post(agency, warm_up, zhejiang.consent(warm_up)["token"]).json()["verdict"] == "VALID"
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id)["token"]

    reachable = chain.rpc
    chain.rpc = RpcClient(f"http://127.0.0.1:{free_port()}")  # the chain is gone
    first = _post(agency, certificate_id, token)
    assert first.status_code == 503, first.text
    assert first.json()["error"] == "verification_incomplete"
    request_id = first.json()["detail"]["request_id"]
    kept = _stored(agency, request_id)
    assert (kept["outcome"], kept["verdict"]) == ("received", "ERROR")
    assert kept["certificate"]["content"]["fields"]["/identifier"]["value"] == certificate_id
    still_down = _post(agency, certificate_id, token)
    assert still_down.status_code == 503
    assert still_down.json()["detail"]["request_id"] == request_id

    chain.rpc = reachable
    back = _post(agency, certificate_id, token)
    assert back.status_code == 201, back.text
    assert (back.json()["id"], back.json()["outcome"]) == (request_id, "verified")
    assert back.json()["verdict"] == "VALID"
    assert zhejiang.reads(certificate_id) == [("allowed", None)]  # fetched once, spent once


# --- identical requests at once: one run, one outcome ----------------------------------------


def test_identical_concurrent_requests_get_the_one_outcome(
    zhejiang: Node, make_agency: AgencyFactory, store_url: str
) -> None:
    agency = make_agency(database_url=store_url, request_wait_seconds=120)
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id, max_uses=1)["token"]
    start = threading.Barrier(8)

    def post(_: int) -> httpx.Response:
        start.wait(timeout=60)
        return _post(agency, certificate_id, token)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert {(a.json()["outcome"], a.json()["verdict"]) for a in answers} == {("verified", "VALID")}
    assert zhejiang.reads(certificate_id) == [("allowed", None)]


class GatedTransport(httpx.HTTPTransport):
    """Real HTTP to the node; the first request waits until the test opens :attr:`gate`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.sent = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.sent += 1
            first = self.sent == 1
        if first:
            assert self.gate.wait(timeout=60), "the test never opened the gate"
        return super().handle_request(request)


def test_a_duplicate_of_a_running_request_is_answered_in_progress_and_never_reaches_the_node(
    zhejiang: Node, make_agency: AgencyFactory, store_url: str
) -> None:
    transport = GatedTransport()
    agency = make_agency(database_url=store_url, transport=transport, request_wait_seconds=0)
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id, max_uses=1)["token"]
    with ThreadPoolExecutor(8) as pool:
        running = as_completed(
            [pool.submit(_post, agency, certificate_id, token) for _ in range(8)]
        )
        duplicates = [next(running).result() for _ in range(7)]  # while the first run waits
        transport.gate.set()
        first = next(running).result()
    assert {(a.status_code, a.json()["error"]) for a in duplicates} == {
        (409, "request_in_progress")
    }, [a.text for a in duplicates]
    assert first.status_code == 201, first.text
    assert (first.json()["outcome"], first.json()["verdict"]) == ("verified", "VALID")
    assert {a.json()["detail"]["request_id"] for a in duplicates} == {first.json()["id"]}
    assert transport.sent == 1
    assert zhejiang.reads(certificate_id) == [("allowed", None)]


# --- a run whose process died is taken over -------------------------------------------------


def _abandoned_run(agency: TestClient, certificate_id: str, token: str, **row: Any) -> str:
    """Store the row a run leaves when its process is killed, its claim long expired."""
    engine = agency.app.state.services.requests.engine
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    request_id = uuid.uuid4().hex
    with unit_of_work(engine) as session:
        session.add(
            VerificationRequest(
                id=request_id,
                created_at=long_ago,
                agency_id=AGENCY,
                certificate_id=certificate_id,
                issuing_province=ZHEJIANG,
                consent_sha256=hashlib.sha256(token.encode()).hexdigest(),
                endpoint=None,
                outcome="pending",
                attempt=1,
                claimed_until=long_ago + timedelta(minutes=1),
                **row,
            )
        )
    return request_id


def test_a_run_that_died_before_asking_the_node_is_taken_over_by_a_retry(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    agency = make_agency()
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id)["token"]
    request_id = _abandoned_run(agency, certificate_id, token)
    answer = _post(agency, certificate_id, token)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["id"], answer.json()["verdict"]) == (request_id, "VALID")


def test_a_run_that_died_after_receiving_the_certificate_is_finished_without_fetching_again(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    agency = make_agency()
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id, max_uses=1)["token"]
    released = zhejiang.call(
        "GET", f"/certificates/{certificate_id}", AGENCY, headers={"Huren-Consent": token}
    )
    assert released.status_code == 200, released.text  # what the dead run received and kept
    request_id = _abandoned_run(
        agency,
        certificate_id,
        token,
        certificate=released.json(),
        received_at=datetime.now(UTC) - timedelta(minutes=59),
        node_status=200,
    )
    answer = _post(agency, certificate_id, token)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["id"], answer.json()["verdict"]) == (request_id, "VALID")
    assert zhejiang.reads(certificate_id) == [("allowed", None)]

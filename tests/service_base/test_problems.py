"""The shared problem layer: one service's errors, invalid requests and a lost database, each
answered as ``{"error", "message", "detail"}`` with its branch's status (and Retry-After on 503)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from service_base.exceptions import ServiceError
from service_base.problems import install_error_handlers, responses


class _ShopError(ServiceError):
    """The root of a small service's tree."""

    code = "shop_error"


class _SoldOutError(_ShopError):
    """A branch that declares its status once."""

    status = 409
    code = "sold_out"


class _StoreDownError(_ShopError, ConnectionError):
    """The service's own error for a lost database."""

    status = 503
    code = "database_unavailable"


class _Order(BaseModel):
    item: str
    count: int


def _store_down(error: BaseException) -> ServiceError:
    return _StoreDownError("the shop's database is down", detail=type(error).__name__)


def _shop() -> TestClient:
    app = FastAPI()
    install_error_handlers(app, _store_down)

    @app.post("/orders", responses=responses(409, 422, 503))
    def order(body: _Order) -> _Order:
        if body.item == "tea":
            raise _SoldOutError("no tea left", code="tea_sold_out", detail={"item": "tea"})
        if body.item == "cake":
            raise _SoldOutError("no cake left")
        if body.item == "root":
            raise _ShopError("something of ours")
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    return TestClient(app)


def test_a_service_error_is_answered_with_its_branch_status_and_code() -> None:
    shop = _shop()
    tea = shop.post("/orders", json={"item": "tea", "count": 1})
    assert (tea.status_code, tea.json()) == (
        409,
        {"error": "tea_sold_out", "message": "no tea left", "detail": {"item": "tea"}},
    )
    cake = shop.post("/orders", json={"item": "cake", "count": 1})
    assert (cake.status_code, cake.json()["error"]) == (409, "sold_out")
    root = shop.post("/orders", json={"item": "root", "count": 1})
    assert (root.status_code, root.json()["error"]) == (500, "shop_error")
    assert "Retry-After" not in root.headers


def test_a_lost_database_is_the_services_503_with_retry_after() -> None:
    answer = _shop().post("/orders", json={"item": "bread", "count": 1})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    assert answer.json() == {
        "error": "database_unavailable",
        "message": "the shop's database is down",
        "detail": "OperationalError",
    }


def test_invalid_requests_are_malformed_json_or_invalid_input() -> None:
    shop = _shop()
    malformed = shop.post(
        "/orders", content=b'{"item": ', headers={"Content-Type": "application/json"}
    )
    assert (malformed.status_code, malformed.json()["error"]) == (422, "malformed_json")
    invalid = shop.post("/orders", json={"item": "tea", "count": "many"})
    assert (invalid.status_code, invalid.json()["error"]) == (422, "invalid_input")
    assert invalid.json()["detail"][0]["location"] == ["body", "count"]


def test_bodies_the_framework_cannot_parse_are_problems_too() -> None:
    shop = _shop()
    json_headers = {"Content-Type": "application/json"}
    for body in (b'{"item": "\xff"}', b'{"item": "tea", "count": ' + b"9" * 5_000 + b"}"):
        answer = shop.post("/orders", content=body, headers=json_headers)
        assert (answer.status_code, answer.json()["error"]) == (422, "malformed_json"), body[:20]
        assert answer.json()["message"] == "the request body is not valid UTF-8 JSON"


def test_the_frameworks_own_refusals_are_problems() -> None:
    shop = _shop()
    missing = shop.get("/nowhere")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    wrong_method = shop.get("/orders")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "POST"


def test_declared_responses_name_the_problem_model() -> None:
    spec = _shop().get("/openapi.json").json()
    declared = spec["paths"]["/orders"]["post"]["responses"]
    for status in ("409", "422", "503"):
        schema = declared[status]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/Problem"), status
    assert set(spec["components"]["schemas"]["Problem"]["properties"]) == {
        "error",
        "message",
        "detail",
    }

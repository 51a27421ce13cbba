"""The shared path guard: no route is reached through an encoded slash, and a method a path
does not offer is refused with 405 and the methods the OpenAPI document gives the path."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service_base.exceptions import ServiceError
from service_base.path_guard import PathGuard, allowed_methods
from service_base.problems import install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, lambda error: ServiceError(str(error)))
    app.add_middleware(PathGuard, openapi=app.openapi)

    @app.post("/items")
    def add() -> str:
        return "added"

    @app.post("/items/bulk")
    def add_many() -> str:
        return "added many"

    @app.get("/items/{item}")
    def item(item: str) -> str:
        return f"item {item}"

    @app.get("/items/{item}/state")
    def state(item: str) -> str:
        return f"state of {item}"

    @app.post("/items/{item}/state")
    def change(item: str) -> str:
        return f"changed {item}"

    return app


def test_an_encoded_slash_reaches_no_route() -> None:
    client = TestClient(_app())
    assert client.get("/items/a/state").json() == "state of a"
    for path in ("/items/a%2Fstate", "/items/a%2fstate", "/items%2Fbulk"):
        answer = client.request("GET" if "state" in path else "POST", path)
        assert answer.status_code == 404, path
        assert answer.json()["error"] == "encoded_slash"
    assert client.get("/items/a%20b").json() == "item a b"  # other escapes are fine


def test_allow_names_every_method_of_the_path() -> None:
    answer = TestClient(_app()).request("OPTIONS", "/items/a/state")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, POST"
    assert answer.json()["error"] == "method_not_allowed"


def test_a_literal_path_is_not_taken_for_a_parameter() -> None:
    client = TestClient(_app())
    answer = client.get("/items/bulk")
    assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")
    assert client.post("/items/bulk").json() == "added many"
    assert client.get("/items/other").json() == "item other"


def test_unknown_paths_are_the_routers_business() -> None:
    client = TestClient(_app())
    assert client.get("/nothing").status_code == 404
    assert client.get("/nothing").json()["error"] == "not_found"


def test_most_specific_template_wins_from_the_left() -> None:
    paths = {
        "/a/{x}/c": {"get": {}},
        "/a/b/{y}": {"post": {}, "parameters": []},
        "/{z}/b/c": {"put": {}},
    }
    assert allowed_methods(paths, "/a/b/c") == {"POST"}
    assert allowed_methods(paths, "/a/q/c") == {"GET"}
    assert allowed_methods(paths, "/q/b/c") == {"PUT"}
    assert allowed_methods(paths, "/a/b") is None
    assert allowed_methods(paths, "/a//c") is None

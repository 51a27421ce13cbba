"""The clerk's verification page: static files, the QR decoding route, and their headers.

The page (``/page/``: plain HTML, CSS and one ES module of ours, no build step, nothing from
another origin) calls the same API as any client: ``POST /qr/decode`` to turn a scanned payload
into a certificate or reference, ``POST /verify`` for the report, ``POST /requests`` to fetch a
referenced certificate with the holder's consent.

The clerk's bearer token is typed into the page and kept in the tab's ``sessionStorage``: it is
sent only as an ``Authorization`` header by the page's own script (so no cookie, and no request
forged from another site carries it), and it is forgotten when the tab closes. A strict Content
Security Policy (scripts, styles and connections from this origin only, no framing) limits what
an injected script could do with it; the page writes every value as text, never as HTML.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from certificate.exceptions import CertificateFormatError
from certificate.qr import CertificateReference, decode_qr_payload
from service_base.problems import responses
from verifier.service.deps import ClerkDep
from verifier.service.exceptions import AgencyInputError

__all__ = ["DecodedPayload", "ReferencePublic", "install_page", "page_router"]

PAGE_PATH = "/page"

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

_BAD_PAYLOAD = "invalid_qr_payload"

page_router = APIRouter(tags=["page"])


class ReferencePublic(BaseModel):
    """A certificate reference read from a ``HUREN1R:`` payload."""

    issuing_province: int
    certificate_id: str
    digest: str = Field(description="0x and 64 lowercase hex digits")


class DecodedPayload(BaseModel):
    """What a QR payload holds: a sealed certificate (as its JSON) or a reference."""

    kind: Literal["certificate", "reference"]
    certificate: dict[str, Any] | None = None
    reference: ReferencePublic | None = None


@page_router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    """The service's root opens the clerk's page."""
    return RedirectResponse(f"{PAGE_PATH}/", status_code=307)


@page_router.post(
    "/qr/decode",
    response_model=DecodedPayload,
    responses=responses(401, 413, 422),
    summary="Decode a scanned QR payload (HUREN1: or HUREN1R:)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def decode_qr(request: Request, _clerk: ClerkDep) -> DecodedPayload:
    """The certificate or reference in the payload sent as the body (text)."""
    body = await request.body()
    try:
        decoded = decode_qr_payload(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise AgencyInputError("the payload is not UTF-8 text", code=_BAD_PAYLOAD) from None
    except CertificateFormatError as error:
        raise AgencyInputError(str(error), code=_BAD_PAYLOAD) from None
    if isinstance(decoded, CertificateReference):
        return DecodedPayload(
            kind="reference",
            reference=ReferencePublic(
                issuing_province=decoded.issuing_province,
                certificate_id=decoded.certificate_id,
                digest="0x" + decoded.digest.hex(),
            ),
        )
    return DecodedPayload(kind="certificate", certificate=decoded.model_dump(mode="json"))


def install_page(app: FastAPI) -> None:
    """Serve the page under ``/page/`` (with its security headers) and the decoding route."""
    app.include_router(page_router)
    app.mount(
        PAGE_PATH,
        StaticFiles(packages=[("verifier.service", "static")], html=True),
        name="page",
    )

    @app.middleware("http")
    async def _page_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(PAGE_PATH):
            response.headers.update(_SECURITY_HEADERS)
        return response

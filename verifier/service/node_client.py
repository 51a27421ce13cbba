"""The agency's client of province nodes: fetch a certificate under the holder's consent.

``GET {endpoint}/certificates/{id}`` with the agency's bearer token, the consent in
``Huren-Consent`` and the agency's request id as ``Idempotency-Key``; the id is quoted as one
path segment. The key makes a retry safe: a node that answered the request before, and whose
answer was lost on its way, delivers the same copy again without counting another use. The
transport is injectable (an ASGI app or a real server in tests), never monkeypatched. Whatever
the node answers is data, not truth: the caller checks that it is the certificate asked for and
verifies it.

A refusal is final only when it is the node's last word on this consent and certificate: the
consent is refused (403 ``consent_…``), the certificate is unknown (404, 410) or the request is
invalid (422). Every other answer that delivers nothing (not anchored yet, a credential the node
does not accept, too many requests, a failure) may change, used no consent, and is retried.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx2 as httpx

from certificate.exceptions import CertificateJSONError
from certificate.json_input import read_json
from verifier.service.exceptions import PeerRefusedError, PeerUnavailableError

__all__ = ["NodeClient"]

_MAX_CERTIFICATE_BYTES = 4 * 1_048_576


class NodeClient:
    """Fetches disclosed certificates from province nodes over one pooled HTTP client."""

    def __init__(self, *, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def fetch(
        self,
        endpoint: str,
        certificate_id: str,
        consent: str,
        token: str | None,
        request_key: str,
    ) -> bytes:
        """The sealed certificate JSON the node discloses under ``consent`` for the agency's
        request ``request_key`` (the same for every retry of that request).

        Raises:
            PeerRefusedError: the node refused for good (see the module's docstring).
            PeerUnavailableError: unreachable, timed out, an oversized answer, or any other
                answer than 200 or a final refusal.
        """
        url = f"{endpoint.rstrip('/')}/certificates/{quote(certificate_id, safe='')}"
        headers = {
            "Huren-Consent": consent,
            "Idempotency-Key": request_key,
            "Accept": "application/json",
        }
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.get(url, headers=headers)
        except httpx.InvalidURL as error:
            raise PeerUnavailableError(
                f"the node's endpoint on the ledger, {endpoint!r}, is not a usable URL: {error}"
            ) from error
        except httpx.HTTPError as error:
            raise PeerUnavailableError(
                f"the node at {endpoint} could not be reached: {type(error).__name__}: {error}"
            ) from error
        if response.status_code == 200:
            if len(response.content) > _MAX_CERTIFICATE_BYTES:
                raise PeerUnavailableError(f"the node at {endpoint} sent an oversized answer")
            return response.content
        status = response.status_code
        code, message = _problem(response)
        if _final_refusal(status, code):
            raise PeerRefusedError(status, code, message)
        raise PeerUnavailableError(
            f"the node at {endpoint} did not deliver (HTTP {status} {code}): {message}",
            peer_status=status,
            peer_code=code,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


def _final_refusal(status: int, code: str) -> bool:
    return status in (404, 410, 422) or (status == 403 and code.startswith("consent_"))


def _problem(response: httpx.Response) -> tuple[str, str]:
    try:
        body = read_json(response.content)
    except CertificateJSONError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"], str(body.get("message") or "")
    return f"http_{response.status_code}", response.text[:200]

"""The agency's client of province nodes: fetch a certificate under the holder's consent.

``GET {endpoint}/certificates/{id}`` with the agency's bearer token and the consent in
``Huren-Consent``. The transport is injectable (an ASGI app or a real server in tests), never
monkeypatched. Whatever the node answers is data, not truth: the caller verifies it.
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

    def fetch(self, endpoint: str, certificate_id: str, consent: str, token: str | None) -> bytes:
        """The sealed certificate JSON the node discloses under ``consent``.

        Raises:
            PeerRefusedError: the node answered 4xx with a problem body.
            PeerUnavailableError: unreachable, timed out, 5xx, or an unreadable answer.
        """
        url = f"{endpoint.rstrip('/')}/certificates/{quote(certificate_id, safe='')}"
        headers = {"Huren-Consent": consent, "Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.get(url, headers=headers)
        except httpx.HTTPError as error:
            raise PeerUnavailableError(
                f"the node at {endpoint} could not be reached: {type(error).__name__}: {error}"
            ) from error
        if response.status_code == 200:
            if len(response.content) > _MAX_CERTIFICATE_BYTES:
                raise PeerUnavailableError(f"the node at {endpoint} sent an oversized answer")
            return response.content
        code, message = _problem(response)
        if 400 <= response.status_code < 500:
            raise PeerRefusedError(response.status_code, code, message)
        raise PeerUnavailableError(
            f"the node at {endpoint} failed (HTTP {response.status_code}): {message}"
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


def _problem(response: httpx.Response) -> tuple[str, str]:
    try:
        body = read_json(response.content)
    except CertificateJSONError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"], str(body.get("message") or "")
    return f"http_{response.status_code}", response.text[:200]

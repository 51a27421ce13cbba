"""The demo's HTTP clients of a province node and of the agency service.

The story talks to the services only through their public HTTP APIs, with the credentials of
the role that would make each call in production (operator, holder portal, agency clerk), so
what the demo shows is what a deployment does. Any answer other than the expected one stops the
story with the service's own problem message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2 as httpx

from huren.demo.exceptions import DemoStepFailed

__all__ = ["AgencyAPI", "NodeAPI"]

_TIMEOUT = httpx.Timeout(120.0, connect=5.0)


def _json(response: httpx.Response, what: str, *expected: int) -> Any:
    """The JSON body of an expected answer; a DemoStepFailed with the problem otherwise."""
    if response.status_code in expected:
        return response.json()
    try:
        body = response.json()
        problem = f"{body.get('error')}: {body.get('message')}"
    except (ValueError, AttributeError):
        problem = response.text[:300]
    raise DemoStepFailed(f"{what}: HTTP {response.status_code} ({problem})")


class _Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=_TIMEOUT)

    def _call(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        try:
            return self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise DemoStepFailed(
                f"{method} {self.url}{path} failed: {type(error).__name__}: {error}"
            ) from error

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


class NodeAPI(_Client):
    """A province node, called as its operator, its holder portal or its auditor."""

    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        super().__init__(url)
        self.tokens = tokens

    def issue_bulk(self, documents: Sequence[dict[str, Any]]) -> list[str]:
        """Issue documents in one bulk request (one batch); their certificate ids, in order."""
        answer = self._call("POST", "/certificates/bulk", self.tokens["operator"], json=documents)
        ids: list[str] = _json(answer, "bulk issuance", 201)["certificate_ids"]
        return ids

    def issue(self, document: dict[str, Any]) -> str:
        """Issue one certificate; its id."""
        answer = self._call("POST", "/certificates", self.tokens["operator"], json=document)
        certificate_id: str = _json(answer, "issuance", 201)["certificate_id"]
        return certificate_id

    def receipt(self, certificate_id: str) -> dict[str, Any] | None:
        """The certificate's anchoring receipt, or None while its batch is not anchored yet."""
        answer = self._call(
            "GET", f"/certificates/{certificate_id}/receipt", self.tokens["operator"]
        )
        if answer.status_code == 409:
            return None
        receipt: dict[str, Any] = _json(answer, f"receipt of {certificate_id}", 200)
        return receipt

    def register_agency(self, agency_id: str, name: str, province: int) -> bool:
        """Register an agency that may read under consent; False if it already was."""
        body = {"id": agency_id, "name": name, "province": province}
        answer = self._call("POST", "/agencies", self.tokens["operator"], json=body)
        if answer.status_code == 409:
            return False
        _json(answer, f"registration of agency {agency_id}", 201)
        return True

    def grant_consent(
        self,
        certificate_id: str,
        agency_id: str,
        fields: Sequence[str],
        purpose: str,
        service_item: tuple[str, str],
    ) -> dict[str, Any]:
        """The holder, through the portal, lets ``agency_id`` read ``fields`` once, for an hour."""
        body = {
            "certificate_id": certificate_id,
            "agency_id": agency_id,
            "fields": list(fields),
            "purpose": purpose,
            "service_item": {"code": service_item[0], "name": service_item[1]},
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "max_uses": 1,
        }
        answer = self._call("POST", "/consents", self.tokens["portal"], json=body)
        consent: dict[str, Any] = _json(answer, "consent", 201)
        return consent

    def change_status(self, certificate_id: str, action: str, reason: int) -> dict[str, Any]:
        """Revoke, suspend or reinstate a certificate (on chain first, then in the store)."""
        body = {"action": action, "reason": reason}
        path = f"/certificates/{certificate_id}/status"
        answer = self._call("POST", path, self.tokens["operator"], json=body)
        status: dict[str, Any] = _json(answer, f"{action} of {certificate_id}", 200)
        return status

    def rotate_key(self) -> dict[str, Any]:
        """Rotate the province's signing key; the new and the previous key ids."""
        answer = self._call("POST", "/keys/rotate", self.tokens["operator"])
        rotated: dict[str, Any] = _json(answer, "key rotation", 200)
        return rotated


class AgencyAPI(_Client):
    """The receiving agency's verification service, called as one of its clerks."""

    def __init__(self, url: str, clerk_token: str) -> None:
        super().__init__(url)
        self.clerk_token = clerk_token

    def request(self, certificate_id: str, province: int, consent_token: str) -> dict[str, Any]:
        """A cross-province request (跨省通办): the stored request with its report."""
        body = {
            "certificate_id": certificate_id,
            "issuing_province": province,
            "consent_token": consent_token,
        }
        answer = self._call("POST", "/requests", self.clerk_token, json=body)
        stored: dict[str, Any] = _json(answer, "cross-province request", 201, 200)
        return stored

    def verify(self, sealed: dict[str, Any]) -> dict[str, Any]:
        """The verification report of a sealed certificate the agency holds."""
        answer = self._call("POST", "/verify", self.clerk_token, json=sealed)
        report: dict[str, Any] = _json(answer, "verification", 200)
        return report

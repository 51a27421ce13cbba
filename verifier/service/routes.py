"""The agency's routes: verify a file, run a cross-province request, read a stored one."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from service_base.problems import responses
from verifier.exceptions import VerifierValueError
from verifier.service.deps import ClerkDep, ServicesDep
from verifier.service.exceptions import (
    AgencyInputError,
    AgencyNotFoundError,
    PeerUnavailableError,
    RequestInProgressError,
    VerificationIncompleteError,
)
from verifier.service.models import Outcome, RequestCreate, RequestPublic, VerificationRequest
from verifier.times import parse_time
from verifier.verify import verify

__all__ = ["requests_router", "verify_router"]

verify_router = APIRouter(tags=["verify"])

_TIME_FORMS = re.compile(
    r"^([0-9]{1,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?)?$"
)
"""The forms of ``?at=`` (the empty one included), declared as its pattern; the calendar is
checked when the time is read. Checked by the route, so every refusal is ``invalid_time``."""

_LATEST = 253_402_300_799
"""9999-12-31T23:59:59Z, the latest time a report is asked about (as the province nodes)."""

requests_router = APIRouter(prefix="/requests", tags=["requests"])


@verify_router.post(
    "/verify",
    responses=responses(401, 413, 422),
    summary="Verify one sealed certificate",
    openapi_extra={
        "requestBody": {
            "required": False,
            "description": "A sealed certificate file (huren/sealed-certificate/1). Any other "
            "body, or none, is answered with a report too (format INVALID), so the schema "
            "admits every body.",
            "content": {"application/json": {"schema": {}}},
        }
    },
)
async def verify_file(
    request: Request,
    services: ServicesDep,
    _clerk: ClerkDep,
    at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": _TIME_FORMS.pattern},
            description="The time to ask status and validity about: Unix seconds, a date "
            "(00:00 China time) or an RFC 3339 time (China time without an offset), up to "
            "9999-12-31; absent or empty: now",
            examples=["2026-05-01", "2026-05-01T09:30:00+08:00", "1777599000"],
        ),
    ] = None,
) -> dict[str, Any]:
    """The verification report of the sealed certificate in the body (JSON).

    A body that is not a certificate is still answered with a report (format INVALID), also
    one nested too deep or holding too long a number: the verifier's reader refuses those
    before parsing. The body's size is limited before it is read (the app's body guard).
    """
    body = await request.body()
    when = _time(at)
    report = await run_in_threadpool(verify, body, services.chain, when)
    return report.to_json()


def _time(text: str | None) -> int | None:
    """The time ``?at=`` names; None for now (absent, or empty as a blank form field sends it)."""
    if not text:
        return None
    if not _TIME_FORMS.fullmatch(text):
        raise AgencyInputError(
            f"{text[:40]!r} is not a time: use Unix seconds, a date like 2026-05-01 or an "
            "RFC 3339 time like 2026-05-01T09:30:00+08:00",
            code="invalid_time",
        )
    try:
        when = parse_time(text)
    except VerifierValueError as error:
        raise AgencyInputError(str(error), code="invalid_time") from None
    if not 0 <= when <= _LATEST:
        raise AgencyInputError(
            f"{text!r} lies outside 1970-01-01 to 9999-12-31", code="invalid_time"
        )
    return when


def _public(row: VerificationRequest) -> RequestPublic:
    return RequestPublic(
        id=row.id,
        created_at=row.created_at,
        agency_id=row.agency_id,
        clerk_id=row.clerk_id,
        clerk_name=row.clerk_name,
        certificate_id=row.certificate_id,
        issuing_province=row.issuing_province,
        endpoint=row.endpoint,
        outcome=Outcome(row.outcome),
        node_status=row.node_status,
        node_error=row.node_error,
        message=row.message,
        verdict=row.verdict,
        report=row.report,
        certificate=row.certificate,
        report_url=f"/requests/{row.id}/report.json" if row.report is not None else None,
    )


@requests_router.post(
    "",
    response_model=RequestPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": RequestPublic, "description": "a retry: the stored answer"},
        **responses(401, 409, 422, 503),
    },
    summary="Request a certificate from another province and verify it",
)
def create_request(
    body: RequestCreate, services: ServicesDep, clerk: ClerkDep, response: Response
) -> RequestPublic:
    """Fetch the certificate from the issuing node under the consent, verify it, store both
    with the clerk who asked.

    201 with the stored request once answered for good (outcome verified, refused or mismatch);
    200 with the stored answer for a retry, or for an identical request that ran at the same
    time. Not answered yet, retry later with the same consent (the problem's ``detail`` names
    the stored ``request_id``): 503 ``peer_unavailable`` if the node or chain was down or the
    node said "not now" (``node_status``, ``node_error``), 503 ``verification_incomplete`` if
    the certificate was received and kept but the chain could not be asked to verify it, 409
    ``request_in_progress`` while an identical request is still being run.
    """
    row, new = services.requests.submit(body, clerk)
    _raise_unless_answered(row)
    if not new:
        response.status_code = status.HTTP_200_OK
    return _public(row)


def _raise_unless_answered(row: VerificationRequest) -> None:
    detail: dict[str, object] = {"request_id": row.id}
    if row.outcome == Outcome.PENDING:
        raise RequestInProgressError(
            "an identical request is being run; retry in a few seconds for its answer",
            detail=detail,
        )
    if row.outcome == Outcome.UNAVAILABLE:
        detail |= {"node_status": row.node_status, "node_error": row.node_error}
        raise PeerUnavailableError(row.message or "the issuing node is unavailable", detail=detail)
    if row.outcome == Outcome.RECEIVED:
        raise VerificationIncompleteError(
            row.message or "the certificate awaits verification", detail=detail
        )


def _stored(services: ServicesDep, request_id: str) -> VerificationRequest:
    row = services.requests.get(request_id)
    if row is None:
        raise AgencyNotFoundError(f"no request {request_id!r} here")
    return row


@requests_router.get(
    "/{request_id}", response_model=RequestPublic, responses=responses(401, 404, 422, 503)
)
def read_request(request_id: str, services: ServicesDep, _clerk: ClerkDep) -> RequestPublic:
    """A stored request, its outcome and its report."""
    return _public(_stored(services, request_id))


@requests_router.get("/{request_id}/report.json", responses=responses(401, 404, 422, 503))
def download_report(request_id: str, services: ServicesDep, _clerk: ClerkDep) -> Response:
    """The verification report of a request, as a downloadable JSON file."""
    row = _stored(services, request_id)
    if row.report is None:
        raise AgencyNotFoundError(f"request {request_id} has no report", code="no_report")
    return Response(
        json.dumps(row.report, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="huren-report-{row.id}.json"'},
    )

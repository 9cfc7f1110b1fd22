"""RFC 9457 problem details: every error of the API as `application/problem+json`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"

#: The titles of the statuses the API answers with.
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid order",
    429: "Too many requests",
    503: "Unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """A problem response. `errors` names every bad field: `{"field": ..., "message": ...}`
    (`field` is a JSON pointer into the body, like `/shipments/0/tracking_number`)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [dict(error) for error in errors]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)

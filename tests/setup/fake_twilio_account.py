"""A fake of Twilio's account REST endpoints on 127.0.0.1, for `check --live` and
`connect-twilio` (issue 14).

It serves, under `/2010-04-01/Accounts/{AccountSid}`, with Basic auth (ACCOUNT_SID,
AUTH_TOKEN of tests.faketwilio):
- `GET .json`: the account resource (with its `auth_token`, as Twilio returns it);
- `GET /IncomingPhoneNumbers.json`: the numbers, filtered by `PhoneNumber`, paged by
  `PageSize`/`Page` with Twilio's paging fields (`next_page_uri` carries a `PageToken`);
- `POST /IncomingPhoneNumbers/{Sid}.json`: a form-encoded update of `SmsUrl`, `SmsMethod`,
  `SmsApplicationSid` (other fields are kept, as Twilio does), answering the resource.
Errors have Twilio's body `{"code", "message", "more_info", "status"}`: 401/20003 for bad
credentials or another account's SID, 404/20404 for an unknown number SID. Every request is
recorded (`requests`: method, path, fields).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, _error, authorized

BASE = "/2010-04-01/Accounts/{account}"
_CREATED = format_datetime(datetime(2024, 3, 5, 16, 20, 11, tzinfo=UTC), usegmt=True)


def phone_number(number: str, sid: str, sms_url: str = "", **changes: Any) -> dict[str, Any]:
    """An IncomingPhoneNumber resource the way Twilio answers it (US local number)."""
    digits = number.removeprefix("+1")
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{sid}.json"
    resource: dict[str, Any] = {
        "account_sid": ACCOUNT_SID,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "bundle_sid": None,
        "capabilities": {"fax": False, "mms": True, "sms": True, "voice": True},
        "date_created": _CREATED,
        "date_updated": _CREATED,
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "emergency_status": "Active",
        "friendly_name": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        "identity_sid": None,
        "origin": "twilio",
        "phone_number": number,
        "sid": sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": sms_url,
        "status": "in-use",
        "status_callback": "",
        "status_callback_method": "POST",
        "subresource_uris": {
            "assigned_add_ons": uri.replace(".json", "/AssignedAddOns.json"),
        },
        "trunk_sid": None,
        "uri": uri,
        "voice_application_sid": "",
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": "",
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": "https://demo.twilio.com/welcome/voice/",
    }
    resource.update(changes)
    return resource


@dataclass
class FakeAccount:
    """The account's state; safe to read from the test's thread."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    status: str = "active"
    numbers: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def updates(self) -> list[dict[str, str]]:
        """The forms of every number update received, in order."""
        with self._lock:
            return [fields for method, _, fields in self.requests if method == "POST"]

    def number(self, phone: str) -> dict[str, Any]:
        with self._lock:
            return next(n for n in self.numbers if n["phone_number"] == phone)


def create_app(fake: FakeAccount) -> Starlette:
    """The Starlette app serving `fake`."""

    def denied(request: Request, fields: dict[str, str]) -> Response | None:
        with fake._lock:
            fake.requests.append((request.method, request.url.path, fields))
        if authorized(request, fake.account_sid, fake.auth_token):
            return None
        return _error(401, 20003, "Authenticate")

    async def account(request: Request) -> Response:
        if (refused := denied(request, {})) is not None:
            return refused
        sid = fake.account_sid
        uri = f"/2010-04-01/Accounts/{sid}"
        return JSONResponse(
            {
                "auth_token": fake.auth_token,
                "date_created": _CREATED,
                "date_updated": _CREATED,
                "friendly_name": "Pat's Shop",
                "owner_account_sid": sid,
                "sid": sid,
                "status": fake.status,
                "subresource_uris": {
                    "incoming_phone_numbers": f"{uri}/IncomingPhoneNumbers.json",
                    "messages": f"{uri}/Messages.json",
                },
                "type": "Full",
                "uri": f"{uri}.json",
            }
        )

    async def listing(request: Request) -> Response:
        query = dict(request.query_params)
        if (refused := denied(request, query)) is not None:
            return refused
        size = int(query.get("PageSize", "50"))
        page = int(query.get("Page", "0"))
        with fake._lock:
            found = [
                dict(n)
                for n in fake.numbers
                if n["phone_number"] == query.get("PhoneNumber", n["phone_number"])
            ]
        path = request.url.path
        chunk = found[page * size : (page + 1) * size]

        def page_uri(number: int) -> str:
            params: dict[str, str | int] = {"PageSize": size, "Page": number}
            if "PhoneNumber" in query:
                params["PhoneNumber"] = query["PhoneNumber"]
            if number:
                params["PageToken"] = f"PA{chunk[-1]['sid'] if chunk else ''}"
            return f"{path}?{urlencode(params)}"

        more = (page + 1) * size < len(found)
        return JSONResponse(
            {
                "end": page * size + max(len(chunk) - 1, 0),
                "first_page_uri": page_uri(0),
                "incoming_phone_numbers": chunk,
                "next_page_uri": page_uri(page + 1) if more else None,
                "page": page,
                "page_size": size,
                "previous_page_uri": page_uri(page - 1) if page else None,
                "start": page * size,
                "uri": page_uri(page),
            }
        )

    async def update(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        if (refused := denied(request, form)) is not None:
            return refused
        sid = request.path_params["sid"]
        with fake._lock:
            number = next((n for n in fake.numbers if n["sid"] == sid), None)
            if number is None:
                return _error(
                    404, 20404, f"The requested resource {request.url.path} was not found"
                )
            for name, key in (
                ("SmsUrl", "sms_url"),
                ("SmsMethod", "sms_method"),
                ("SmsApplicationSid", "sms_application_sid"),
                ("StatusCallback", "status_callback"),
            ):
                if name in form:
                    number[key] = form[name]
            number["date_updated"] = format_datetime(datetime.now(UTC), usegmt=True)
            return JSONResponse(dict(number))

    return Starlette(
        routes=[
            Route(BASE + ".json", account, methods=["GET"]),
            Route(BASE + "/IncomingPhoneNumbers.json", listing, methods=["GET"]),
            Route(BASE + "/IncomingPhoneNumbers/{sid}.json", update, methods=["POST"]),
        ]
    )

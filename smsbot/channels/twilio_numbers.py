"""Twilio's REST API for the account itself: fetch the account, list its phone numbers, and
point a number's incoming-message webhook at the bot (issue 14, `check --live` and
`connect-twilio`).

Same choices as `twilio_rest` (the shared `httpx.AsyncClient`, Basic auth, form-encoded
updates, `twilio.api_base_url`). Every failure is a `TwilioAccountError` whose text says
what to fix: a 401 (error 20003) names the two credential keys, a 404 (20404) the resource.
The number's `status_callback` is the VOICE call status callback on Twilio's side, so it is
never touched here: message delivery reports come from the `StatusCallback` smsbot puts on
every message it sends (`twilio_rest.create_message`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from smsbot.channels.twilio_rest import _json  # Twilio's JSON body, or {} when it is none
from smsbot.config import Settings
from smsbot.errors import SmsbotError

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
API_VERSION = "/2010-04-01"
#: How many numbers one list page asks for (Twilio allows up to 1000).
PAGE_SIZE = 50
#: More pages than this is a runaway `next_page_uri`, not an account.
MAX_PAGES = 200


class TwilioAccountError(SmsbotError):
    """A call about the account or its numbers failed; the text says why and what to do."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        self.status = status
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Account:
    """The account the credentials open (never its auth token, which Twilio also returns)."""

    sid: str
    friendly_name: str
    status: str  # active, suspended, closed
    type: str  # Trial, Full


@dataclass(frozen=True)
class IncomingNumber:
    """One phone number of the account and where its incoming messages go."""

    sid: str  # PN…
    phone_number: str  # E.164
    friendly_name: str
    sms_url: str
    sms_method: str
    sms_application_sid: str  # a TwiML App that overrides sms_url when set
    sms_capable: bool


class TwilioNumbers:
    """Reads and updates the configured account's numbers."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http
        twilio = settings.twilio
        token = twilio.auth_token.reveal() if twilio.auth_token else ""
        self._auth = httpx.BasicAuth(twilio.account_sid or "", token)
        self._account_url = f"{twilio.api_base_url}{API_VERSION}/Accounts/{twilio.account_sid}"

    async def account(self) -> Account:
        """The account the credentials open; TwilioAccountError on 401 and the like."""
        answer = await self._call("GET", f"{self._account_url}.json")
        return Account(
            sid=_text(answer, "sid"),
            friendly_name=_text(answer, "friendly_name"),
            status=_text(answer, "status"),
            type=_text(answer, "type"),
        )

    async def numbers(self, phone_number: str | None = None) -> list[IncomingNumber]:
        """Every incoming number of the account (or the one with `phone_number`), page by
        page along Twilio's `next_page_uri`."""
        params: dict[str, str] | None = {"PageSize": str(PAGE_SIZE)}
        if phone_number and params is not None:
            params["PhoneNumber"] = phone_number
        url: str | None = f"{self._account_url}/IncomingPhoneNumbers.json"
        found: list[IncomingNumber] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            answer = await self._call("GET", url, params=params)
            page = answer.get("incoming_phone_numbers")
            if not isinstance(page, list):
                raise TwilioAccountError("Twilio's number list has no 'incoming_phone_numbers'")
            found.extend(_number(item) for item in page if isinstance(item, dict))
            following = answer.get("next_page_uri")
            # The next page's URI carries its own query (PageToken…): ask it as given.
            url = (
                urljoin(self._settings.twilio.api_base_url + "/", following.lstrip("/"))
                if (isinstance(following, str) and following)
                else None
            )
            params = None  # (an empty dict would make httpx drop the URI's own query)
        raise TwilioAccountError(f"Twilio's number list did not end after {MAX_PAGES} pages")

    async def point(self, number: IncomingNumber, sms_url: str) -> IncomingNumber:
        """Set `number`'s incoming-message webhook to POST `sms_url`; the updated number.

        A TwiML App on the number would override the URL, so it is cleared too (the caller
        asks before doing that)."""
        form = {"SmsUrl": sms_url, "SmsMethod": "POST"}
        if number.sms_application_sid:
            form["SmsApplicationSid"] = ""
        url = f"{self._account_url}/IncomingPhoneNumbers/{number.sid}.json"
        return _number(await self._call("POST", url, data=form))

    async def _call(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method, url, params=params, data=data, auth=self._auth, timeout=TIMEOUT
            )
        except httpx.TransportError as exc:
            host = self._settings.twilio.api_base_url
            raise TwilioAccountError(f"cannot reach Twilio at {host}: {exc!r}") from exc
        answer = _json(response)
        if response.status_code >= 400:
            raise _refusal(response.status_code, answer, self._settings.source)
        return answer


def _refusal(status: int, answer: dict[str, Any], source: str) -> TwilioAccountError:
    """Twilio's error body (`code`, `message`, `more_info`, `status`) as one line to act on."""
    code = answer.get("code") if isinstance(answer.get("code"), int) else None
    message = str(answer.get("message") or f"HTTP {status}")
    said = f"Twilio answered HTTP {status}" + (f", error {code}: {message}" if code else "")
    if status == 401 or code == 20003:
        fix = (
            f"; check twilio.account_sid and twilio.auth_token in {source} (the primary "
            "auth token of that account, from the Twilio Console)"
        )
    elif status == 404 or code == 20404:
        fix = "; the resource is not in this account (check twilio.account_sid)"
    else:
        more = answer.get("more_info")
        fix = f" (see {more})" if isinstance(more, str) and more else ""
    return TwilioAccountError(said + fix, status=status, code=code)


def _number(item: dict[str, Any]) -> IncomingNumber:
    capabilities = item.get("capabilities")
    sms = capabilities.get("sms") if isinstance(capabilities, dict) else None
    return IncomingNumber(
        sid=_text(item, "sid"),
        phone_number=_text(item, "phone_number"),
        friendly_name=_text(item, "friendly_name"),
        sms_url=_text(item, "sms_url"),
        sms_method=_text(item, "sms_method") or "POST",
        sms_application_sid=_text(item, "sms_application_sid"),
        sms_capable=sms is not False,
    )


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    return value if isinstance(value, str) else ""

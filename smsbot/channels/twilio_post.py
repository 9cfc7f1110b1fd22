"""How a message's create request reaches Twilio: one form POST with Basic auth (issue 20).

`TwilioRest.create_message` builds the form and reads the answer; a `FormPoster` only
carries it, and says in Twilio's terms how it failed:

- `TwilioRetryable`: the connection never opened, so Twilio cannot have seen the request;
- `TwilioUncertain`: the request may have left (timeout after sending, a broken answer).

Two posters: `HttpxPoster` over the bot's shared `httpx.AsyncClient` (the default, and what
tests with `httpx.MockTransport` use), and `AiohttpPoster` over an aiohttp session, which
`open_services` uses for the outbox when it talks to the network. Why a second client:
measured against the fake Twilio at 20 ms (bench/outbox.py), httpx costs 1.7-3.6 ms of CPU
a POST (httpcore's pool rescans every connection per request, so it grows with the
connections in use), aiohttp about 0.3 ms whatever the number in flight; one worker's
outbox is CPU-bound on exactly that. aiohttp is already installed (twilio depends on it).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

import aiohttp
import httpx

from smsbot.channels.twilio_errors import TwilioRetryable, TwilioUncertain

#: One call to Twilio: connect quickly or call it "not sent"; allow a slow answer.
TOTAL_S = 15.0
CONNECT_S = 5.0


@dataclass(frozen=True)
class Posted:
    """Twilio's answer: status, reason, its Retry-After header (raw), the body."""

    status: int
    reason: str
    retry_after: str
    body: bytes


class FormPoster(Protocol):
    """POSTs one form; raises TwilioRetryable or TwilioUncertain when no answer came."""

    async def post_form(self, url: str, form: dict[str, str], auth: tuple[str, str]) -> Posted:
        """The answer to POSTing `form` (urlencoded) to `url` with Basic `auth`."""
        ...


class HttpxPoster:
    """The poster over the bot's shared httpx client."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._timeout = httpx.Timeout(TOTAL_S, connect=CONNECT_S)

    async def post_form(self, url: str, form: dict[str, str], auth: tuple[str, str]) -> Posted:
        try:
            response = await self._http.post(url, data=form, auth=auth, timeout=self._timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TwilioRetryable(f"Twilio unreachable: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise TwilioUncertain(f"no complete answer from Twilio: {exc!r}") from exc
        return Posted(
            response.status_code,
            response.reason_phrase,
            response.headers.get("retry-after", ""),
            response.content,
        )


class AiohttpPoster:
    """The poster over its own aiohttp session (keep-alive pool); `async with` closes it."""

    def __init__(self, user_agent: str) -> None:
        self._session = aiohttp.ClientSession(
            headers={"User-Agent": user_agent},
            timeout=aiohttp.ClientTimeout(total=TOTAL_S, connect=CONNECT_S),
            connector=aiohttp.TCPConnector(limit=100),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._session.close()

    async def post_form(self, url: str, form: dict[str, str], auth: tuple[str, str]) -> Posted:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        header = {"Authorization": f"Basic {token}"}
        try:
            async with self._session.post(url, data=form, headers=header) as response:
                body = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # The connection never opened: Twilio cannot have seen the request.
            raise TwilioRetryable(f"Twilio unreachable: {exc!r}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TwilioUncertain(f"no complete answer from Twilio: {exc!r}") from exc
        return Posted(
            response.status, response.reason or "", response.headers.get("Retry-After", ""), body
        )

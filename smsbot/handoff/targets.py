"""One class per helpdesk API: build the documented request, read the created ticket's id.

Each `deliver` returns the helpdesk's reference (a ticket id, or "ok" for Slack) or raises
`HandoffFailed`: `retry` False when trying again cannot help (401/403/404/422: the merchant
must fix the configuration), True otherwise (timeouts, 429, 5xx).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from smsbot.config import HandoffTarget
from smsbot.handoff.ticket import Ticket

TIMEOUT_S = 10.0


class HandoffFailed(Exception):
    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class Target(Protocol):
    name: str

    async def deliver(self, ticket: Ticket, http: httpx.AsyncClient) -> str: ...


async def _post(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], auth: tuple[str, str] | None
) -> httpx.Response:
    try:
        response = await http.post(
            url, json=body, auth=auth or httpx.USE_CLIENT_DEFAULT, timeout=TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        raise HandoffFailed(type(exc).__name__, retry=True) from exc
    if response.is_success:
        return response
    permanent = response.status_code in (400, 401, 403, 404, 422)
    raise HandoffFailed(f"HTTP {response.status_code}", retry=not permanent)


def _id(response: httpx.Response, *path: str) -> str:
    """The created object's id at `path` in the JSON answer ("?" when unreadable: it was
    created all the same, so this is not a failure)."""
    try:
        found: Any = response.json()
        for key in path:
            found = found[key]
        return str(found)
    except (ValueError, KeyError, TypeError):
        return "?"


class Zendesk:
    """POST {base}/api/v2/tickets.json, basic auth "{email}/token:{api_token}"."""

    name = "zendesk"

    def __init__(self, target: HandoffTarget) -> None:
        self._url = target.url.reveal() + "/api/v2/tickets.json"
        self._auth = (f"{target.user}/token", target.key.reveal() if target.key else "")

    async def deliver(self, ticket: Ticket, http: httpx.AsyncClient) -> str:
        body = {
            "ticket": {
                "subject": ticket.title,
                "comment": {"body": ticket.body, "public": False},
                "priority": "normal",
                "tags": ["smsbot", "wismo", ticket.channel],
                "external_id": f"smsbot-escalation-{ticket.escalation_id}",
            }
        }
        return _id(await _post(http, self._url, body, self._auth), "ticket", "id")


class Gorgias:
    """POST {base}/api/tickets, basic auth "{username}:{api_key}"."""

    name = "gorgias"

    def __init__(self, target: HandoffTarget) -> None:
        self._url = target.url.reveal() + "/api/tickets"
        self._auth = (target.user or "", target.key.reveal() if target.key else "")

    async def deliver(self, ticket: Ticket, http: httpx.AsyncClient) -> str:
        customer = {"channels": [{"type": "phone", "address": ticket.phone}]}
        body = {
            "customer": customer,
            "subject": ticket.title,
            "channel": "api",
            "via": "api",
            "from_agent": False,
            "tags": [{"name": "smsbot"}, {"name": "wismo"}],
            "external_id": f"smsbot-escalation-{ticket.escalation_id}",
            "messages": [
                {
                    "channel": "api",
                    "via": "api",
                    "from_agent": False,
                    "sender": customer,
                    "subject": ticket.title,
                    "body_text": ticket.body,
                }
            ],
        }
        return _id(await _post(http, self._url, body, self._auth), "id")


class Slack:
    """POST the incoming webhook's URL with {"text", "blocks"}; Slack answers 200 "ok"."""

    name = "slack"

    def __init__(self, target: HandoffTarget) -> None:
        self._url = target.url.reveal()

    async def deliver(self, ticket: Ticket, http: httpx.AsyncClient) -> str:
        body = {
            "text": ticket.title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": ticket.title[:150]}},
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f"```{ticket.body[:2900]}```"},
                },
            ],
        }
        await _post(http, self._url, body, None)
        return "ok"


def build_targets(configured: tuple[HandoffTarget, ...]) -> dict[str, Target]:
    """The configured targets by name."""
    kinds: dict[str, type[Zendesk] | type[Gorgias] | type[Slack]] = {
        "zendesk": Zendesk,
        "gorgias": Gorgias,
        "slack": Slack,
    }
    return {target.kind: kinds[target.kind](target) for target in configured}

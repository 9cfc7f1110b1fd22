"""The tracking links of orders (issue 17): one live token per order, its expiry, its
revocation, the page views of each shipment (counts only: no cookie, no address), and the
e-mail addresses that unsubscribed through a link (honoured like STOP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TrackingLink:
    """An order's link. `expires_at` None: the order is not fully delivered yet."""

    token: str
    order_number: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        """Whether the link opens the page at `now`."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LinkStore(Protocol):
    """Tokens by order and orders by token; revocation; page views per shipment."""

    async def issue_link(
        self, order_number: str, token: str, now: datetime, *, expires_at: datetime | None
    ) -> TrackingLink:
        """The order's unrevoked link with its expiry set to `expires_at`; a new one under
        `token` when the order has none. Atomic: two callers get the same link."""
        ...

    async def resolve_link(self, token: str, now: datetime) -> TrackingLink | None:
        """The live link of `token`; None for an unknown, expired or revoked token, found
        by the same single query whichever it is (no timing tells them apart)."""
        ...

    async def expire_link(self, token: str, expires_at: datetime | None) -> None:
        """Set when a link stops working (the order's last delivery + the validity)."""
        ...

    async def revoke_links(self, order_number: str, now: datetime) -> int:
        """Revoke the order's live links; how many were. The next issue makes a new token."""
        ...

    async def count_views(
        self, order_number: str, tracking_numbers: Sequence[str], now: datetime
    ) -> None:
        """Count one page view for each shipment shown (no visitor data is kept)."""
        ...

    async def link_views(self, order_number: str) -> dict[str, int]:
        """Page views per tracking number of the order."""
        ...

    async def link_order(self, token: str) -> str | None:
        """The order number of any token ever issued (revoked and expired ones too): an
        unsubscribe link keeps working after the page has gone."""
        ...

    async def unsubscribe_email(self, address: str, at: datetime) -> bool:
        """Stop e-mail to `address` (matched without case); True if it was subscribed."""
        ...

    async def email_unsubscribed(self, address: str) -> bool:
        """Whether `address` unsubscribed."""
        ...

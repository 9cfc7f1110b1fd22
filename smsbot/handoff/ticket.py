"""What a helpdesk gets for one escalation: a title with the customer's masked number, and a
body with the full number (the agent must text back), the order and the recent messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smsbot.phones import mask
from smsbot.store import SenderMessage, StoredEscalation
from smsbot.view.order import OrderView


@dataclass(frozen=True)
class Ticket:
    escalation_id: int
    title: str
    body: str
    phone: str  # E.164, for helpdesks that file the ticket under the customer's number
    channel: str


def build_ticket(
    escalation: StoredEscalation, view: OrderView | None, messages: Sequence[SenderMessage]
) -> Ticket:
    """The ticket of `escalation` (`view`: its order now, when known)."""
    masked = mask(escalation.phone)
    about = f" about order {escalation.order_number}" if escalation.order_number else ""
    title = f"SMS customer {masked} asks for a person{about}"
    lines = [
        f"Customer: {escalation.phone} ({escalation.channel}, language {escalation.language})",
        f"Asked at: {escalation.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    if escalation.order_number:
        verified = "" if escalation.verified else " (the customer was NOT verified for it)"
        lines.append(f"Order: {escalation.order_number}{verified}")
    if view is not None:
        lines.append("")
        lines.append("Shipments:")
        for leg in view.legs:
            status = leg.status.value if leg.status else "no tracking yet"
            eta = f", expected {leg.eta.earliest.isoformat()}" if leg.eta else ""
            lines.append(f"- {leg.carrier_name} {leg.tracking_number}: {status}{eta}")
    if messages:
        lines.append("")
        lines.append("Recent messages:")
        for message in messages:
            lines.append(f"[{message.received_at:%m-%d %H:%M}] customer: {message.body}")
            if message.reply:
                lines.append(f"[{message.received_at:%m-%d %H:%M}] bot: {message.reply}")
    return Ticket(escalation.id, title, "\n".join(lines), escalation.phone, escalation.channel)

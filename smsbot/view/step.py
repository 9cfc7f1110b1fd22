"""What the customer should do next about a parcel: the one decision every surface renders."""

from __future__ import annotations

from enum import StrEnum

from smsbot.tracking import DelayReason, TrackingResult


class NextStep(StrEnum):
    """A step only the customer can take; the wording says it, the API names it."""

    FIX_ADDRESS = "fix_address"
    PAY_FEES = "pay_fees"
    ARRANGE_DELIVERY = "arrange_delivery"  # reschedule with the carrier or pick it up


#: The delays only the customer can clear, and the step that clears each.
_STEPS = {
    DelayReason.ADDRESS: NextStep.FIX_ADDRESS,
    DelayReason.HELD_FOR_PAYMENT: NextStep.PAY_FEES,
    DelayReason.RECIPIENT_UNAVAILABLE: NextStep.ARRANGE_DELIVERY,
}


def next_step(result: TrackingResult | None) -> NextStep | None:
    """The customer's step for `result`, or None when waiting (or asking for help) is all."""
    if result is None or result.delay_reason is None:
        return None
    return _STEPS.get(result.delay_reason)

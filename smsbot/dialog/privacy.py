"""What the message log may keep of a message's body.

A postal code proves who may see an order, and says where a customer lives: the log never
keeps one in clear, whatever state the conversation is in (a verification answer, a code
texted while locked out or rate-limited, or out of context). The escalation payload reads
the log, so it never carries one either.
"""

from __future__ import annotations

from dataclasses import replace

from smsbot.channels.inbound import Inbound
from smsbot.dialog.session import Answer

#: Answers that took the body as an order or tracking number (looked it up, or asked for
#: the postal code of that order): the body is that number, which the reply names anyway.
#: A body that can be both ("11201" is a ZIP and may be an order number) and was taken as
#: an order number is kept; taken as anything else, it is redacted.
LOOKED_UP = frozenset({"order_number", "menu_choice", "tracking_number", "verify"})


def for_the_log(message: Inbound, answer: Answer) -> Answer:
    """`answer`, marked `redact` when the body could be a postal code (`Inbound.postal`)
    and was not taken as an order or tracking number. Postal-code answers to a question
    are marked already (`Reply.redacted`)."""
    if answer.redact or message.postal is None or answer.intent in LOOKED_UP:
        return answer
    return replace(answer, redact=True)

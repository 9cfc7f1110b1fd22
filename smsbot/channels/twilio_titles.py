"""What Twilio's error codes mean, in Twilio's own words, for the merchant's terminal.

A status callback carries only `ErrorCode` (30003…), never a text, so `smsbot outbox` would
print "error 30003: " and leave the merchant to look it up. These are the titles of Twilio's
error dictionary (https://www.twilio.com/docs/errors/{code}) for the codes a bot that texts
customers meets; other codes point at that page.
"""

from __future__ import annotations

#: Twilio's title of each error code smsbot's messages commonly end with.
TITLES: dict[int, str] = {
    20003: "Authentication Error: check the account SID and auth token",
    20429: "Too Many Requests",
    21211: "Invalid 'To' Phone Number",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the "
    "'To' number",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone "
    "number for this destination/account",
    21608: "The 'To' phone number provided is not yet verified for this (trial) account",
    21610: "Attempt to send to unsubscribed recipient (the customer replied STOP)",
    21612: "The 'To' phone number is not currently reachable via SMS",
    21614: "'To' number is not a valid mobile number",
    30001: "Queue overflow",
    30002: "Account suspended",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered (carrier violation)",
    30008: "Unknown error",
    30032: "Toll-Free Number Has Not Been Verified",
    30034: "Message from an unregistered number (US A2P 10DLC)",
    63003: "Channel could not find To address",
    63015: "Channel Sandbox can only send messages to phone numbers that have joined the Sandbox",
    63016: "Failed to send freeform message because you are outside the allowed window "
    "(WhatsApp: use a Message Template)",
}


def error_text(code: int | None, message: str | None) -> str:
    """ "error 30003: Unreachable destination handset": the message Twilio gave, else its
    documented title, else where to read about the code; "" without a code or message."""
    given = (message or "").strip()
    if code is None:
        return given
    text = given or TITLES.get(code) or f"see https://www.twilio.com/docs/errors/{code}"
    return f"error {code}: {text}"

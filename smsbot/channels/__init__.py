"""Message channels: Twilio in (form -> Inbound), Twilio out (REST), TwiML."""

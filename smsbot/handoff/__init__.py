"""Hand-offs of escalations into the merchant's helpdesk: Zendesk (Tickets API), Gorgias
(tickets API) and Slack (incoming webhook), each delivery durable in the store and retried
with backoff until it succeeds or is dead-lettered (shown in the console).

`ticket` builds what a person reads (masked number in the title, the order and the recent
messages in the body), `targets` speaks each API, `sender` claims due hand-offs and retries.
"""

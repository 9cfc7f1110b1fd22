"""The conversation: what to answer, who may see an order, session state, escalation."""

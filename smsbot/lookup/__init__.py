"""Carrier calls: the one carrier gateway, the adapter registry, carrier detection."""

"""Texting first: the watcher and its triggers, the outbox, merchant alerts, quiet hours."""

"""smsbot: a self-hosted "Where is my order?" bot for SMS and WhatsApp."""

__version__ = "0.1.0"

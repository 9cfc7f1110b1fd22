"""The HTTP edge: the Starlette app, its routes, and the Twilio signature check. Glue only."""

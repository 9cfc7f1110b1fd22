"""The console's forms: a few short fields, read with a cap so a huge post costs nothing."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

#: A login or a button: a token, a name, a password. Anything bigger is not our form.
MAX_FORM_BYTES = 8 * 1024
MAX_FIELDS = 10


async def read_form(request: Request) -> dict[str, str] | None:
    """The posted fields (first value of each), or None when the body is too big or is not
    a URL-encoded form with a handful of fields."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    # A button posted with no fields may come without a content type: an empty form.
    if media not in ("", "application/x-www-form-urlencoded") or (
        declared.isdigit() and int(declared) > MAX_FORM_BYTES
    ):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:  # chunked bodies declare nothing: cut while reading
            return None
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
    except ValueError:  # more fields than any console form has
        return None
    return dict(reversed(pairs))

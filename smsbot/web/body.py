"""Reading a request body with a running cap, so a huge or chunked post costs nothing."""

from __future__ import annotations

from starlette.requests import Request


async def capped_body(request: Request, limit: int) -> bytes | None:
    """The whole body, or None once it passes `limit` bytes (declared or actually sent).

    The cap applies while reading: a chunked body without Content-Length is cut off at
    `limit`, before more of it is buffered.
    """
    length = request.headers.get("content-length", "")
    # isascii: "²" (a latin-1 header byte) passes isdigit() and then fails int().
    if length.isascii() and length.isdigit() and int(length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)

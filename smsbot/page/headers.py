"""The headers every /t/ response carries, and the filter that keeps tokens out of logs."""

from __future__ import annotations

import logging
import re

#: No script at all, no other host: the page is HTML, one stylesheet and inline SVG.
CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
#: The stylesheet's URL changes with its content, so it may be cached for long.
STATIC_HEADERS: dict[str, str] = {
    **PAGE_HEADERS,
    "Cache-Control": "public, max-age=31536000, immutable",
}

_TOKEN_PATH = re.compile(r"(/t/[A-Za-z0-9]{4})[A-Za-z0-9]*")


def mask_tokens(text: str) -> str:
    """`text` with every /t/ token cut to its first 4 characters: "/t/AbC1…"."""
    return _TOKEN_PATH.sub(r"\1…", text)


class TokenFilter(logging.Filter):
    """Masks tokens in a log record's message and arguments (uvicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        return True


def install_token_filter() -> None:
    """Mask tokens in uvicorn's access and error logs (idempotent); smsbot's own records
    name tokens through `view.link.shown_token` only."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) for f in logger.filters):
            logger.addFilter(TokenFilter())

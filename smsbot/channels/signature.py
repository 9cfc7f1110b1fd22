"""`X-Twilio-Signature`: one HMAC-SHA1 over Twilio's documented signing string.

Twilio signs the URL it called followed by every POST field, sorted by name, each as name
then value (a field posted several times: its distinct values, sorted), then base64 of the
HMAC-SHA1 keyed with the Auth Token. Twilio is not consistent about the port in the URL,
so both readings are accepted: without the port and with the scheme's default added, as
the twilio library's `RequestValidator` does (kept in the tests as the oracle). The
library computes both HMACs every time and rescans the form per field; here the signing
string's tail is built once, the URL readings are cached per (path, query), and the second
HMAC is computed only when the first does not match. Comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import ParseResult, urlparse

from twilio.request_validator import RequestValidator

log = logging.getLogger("smsbot.channels.signature")


class SignatureCheck:
    """Checks webhook signatures against the configured public URL, never the one we saw.

    Proxies and tunnels rewrite scheme, host and port; Twilio signed the URL it called.
    """

    def __init__(self, auth_token: str, public_url: str) -> None:
        self._key = auth_token.encode("utf-8")
        self._public_url = public_url.rstrip("/")
        self._readings = lru_cache(maxsize=256)(self._url_readings)

    def url_for(self, path: str, query: bytes) -> str:
        """The URL Twilio called: public URL + path (+ the query string, byte for byte)."""
        url = self._public_url + path
        return f"{url}?{query.decode('latin-1')}" if query else url

    def valid(self, path: str, query: bytes, params: object, signature: str | None) -> bool:
        """Whether `signature` signs this URL and *all* posted `params` (a form: a mapping,
        multi-valued with `getlist`); anything malformed fails closed."""
        if not signature:
            return False
        try:
            tail = signing_tail(params)
            expected = signature.encode("utf-8")
            for url in self._readings(path, query):
                if hmac.compare_digest(self._sign(url + tail), expected):
                    return True
        except (TypeError, ValueError, UnicodeError):  # fail closed, as the library does
            log.warning("signature check failed on malformed input", exc_info=True)
        return False

    def _sign(self, text: str) -> bytes:
        digest = hmac.new(self._key, text.encode("utf-8"), hashlib.sha1).digest()
        return base64.b64encode(digest)

    def _url_readings(self, path: str, query: bytes) -> tuple[str, ...]:
        """The URL without its port, then with the scheme's default port (when different).
        Raises ValueError for a URL whose port cannot be read (the library does too)."""
        parsed = urlparse(self.url_for(path, query))
        without, with_port = _without_port(parsed), _with_port(parsed)
        return (without,) if with_port == without else (without, with_port)


def signing_tail(params: object) -> str:
    """The fields part of the signing string: names sorted, each name followed by each of
    its distinct values, sorted. TypeError for anything that is not a form of strings."""
    if not isinstance(params, Mapping):
        raise TypeError("the signed fields must be a form")
    multi_items = getattr(params, "multi_items", None)  # a form: every (name, value), once
    pairs = multi_items() if multi_items is not None else params.items()
    grouped: dict[Any, set[Any]] = {}  # str, or the TypeError below
    for name, value in pairs:
        grouped.setdefault(name, set()).add(value)
    parts = []
    for name in sorted(grouped):
        for value in sorted(grouped[name]):
            parts.append(name + value)
    return "".join(parts)


def _without_port(uri: ParseResult) -> str:
    if not uri.port:
        return uri.geturl()
    return uri._replace(netloc=uri.netloc.split(":")[0]).geturl()


def _with_port(uri: ParseResult) -> str:
    if uri.port:
        return uri.geturl()
    port = 443 if uri.scheme == "https" else 80
    return uri._replace(netloc=f"{uri.netloc}:{port}").geturl()


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The `X-Twilio-Signature` Twilio would send: for tests, the CLI and fake clients."""
    return str(RequestValidator(auth_token).compute_signature(url, params))

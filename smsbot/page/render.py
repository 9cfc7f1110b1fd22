"""HTML from the page model: one Jinja2 environment (autoescape on, templates read once)."""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

#: The stylesheet, read once; its hash versions its URL so browsers may cache it for long.
CSS: bytes = resources.files("smsbot.page").joinpath("static/page.css").read_bytes()
CSS_VERSION = hashlib.sha256(CSS).hexdigest()[:12]

_ENV = Environment(
    loader=PackageLoader("smsbot.page", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    """The template filled in; every value is HTML-escaped unless it is `Markup`."""
    return _ENV.get_template(template).render(css_version=CSS_VERSION, **context)

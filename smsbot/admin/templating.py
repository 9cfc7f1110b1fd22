"""The console's Jinja2 templates (autoescape on, one base template, no inline script)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.responses import HTMLResponse

from smsbot.phones import mask

HERE = Path(__file__).parent
TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
TEMPLATES.filters["mask"] = mask


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from `templates/<name>`."""
    return HTMLResponse(TEMPLATES.get_template(name).render(**context), status_code=status_code)

"""Settings of the tracking link and page (issue 17): `[links]` and `[page]`.

Plain dataclasses (no smsbot imports) so `settings` can hold them; `loader` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: `[links] mode`: add the link where it fits the segment budget, always, or never.
LINK_MODES = ("fit", "always", "never")
#: The micro-FAQ entries a merchant may reword per language (`[page.faq.<lang>]`).
FAQ_KEYS = ("updates", "location", "stuck")


@dataclass(frozen=True)
class LinkSettings:
    """`{public_url}/t/{token}` at the end of texts about an order."""

    mode: str = "never"  # opt-in: texts that merchants know do not change under them
    public_url: str | None = None  # where the page is reached; default: server.public_url
    valid_days: float = 30.0  # the link works this long after the order's last delivery


@dataclass(frozen=True)
class PageSettings:
    """The tracking page: its actions, its FAQ, its per-IP limit."""

    sms_number: str | None = None  # "Text us" links; default: twilio.from_number
    rate_limit_per_minute: int = 60  # requests to /t/ per client address
    # shop pages (origins) whose browsers may read /t/{token}.json (CORS)
    json_origins: tuple[str, ...] = ()
    # language -> FAQ key -> the merchant's answer (replaces the wording's)
    faq: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

"""`[checkout]` (issue 19): the checkout ETA API (`GET /api/eta`) and its snippet (`/eta.js`).

Which shop pages may read the API from a browser (CORS), how long an answer is cached, and
the per-address request limit. Read by `loader.read_checkout`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckoutSettings:
    """The checkout ETA API: public (no token), limited per client address."""

    # shop pages (origins) whose browsers may read /api/eta; none: same-origin pages only
    allowed_origins: tuple[str, ...] = ()
    cache_ttl_s: float = 300.0  # one answer per query and day, kept this long (and max-age)
    rate_limit_per_minute: int = 120  # requests to /api/eta per client address

"""The carriers' own public tracking pages, for the page's secondary link.

Only carriers whose page takes the number in its URL are listed; the number is URL-encoded.
"""

from __future__ import annotations

from urllib.parse import quote

TRACKING_PAGES: dict[str, str] = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
    "?submit=1&tracking-id={number}",
}


def tracking_page(carrier: str, number: str) -> str | None:
    """The carrier's page for `number`, or None when we know of none."""
    template = TRACKING_PAGES.get(carrier)
    return template.format(number=quote(number, safe="")) if template else None

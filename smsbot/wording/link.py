"""The tracking link at the end of a text: added where it fits the segment budget, always,
or never (`[links] mode`), in the text's language (issue 17)."""

from __future__ import annotations

from smsbot.wording.context import Wording, say
from smsbot.wording.segments import segment_count


def with_link(text: str, url: str | None, mode: str, w: Wording) -> str:
    """`text` ending with " Details: {url}" as `mode` says.

    "fit": only when the whole still fits `w.max_segments` (a text already over it is
    never made longer); "always": even when it costs a segment; "never" (or no `url`): as is.
    """
    if not url or mode == "never" or not text:
        return text
    linked = text + say(w, "link", url=url)
    if mode == "always" or segment_count(linked) <= w.max_segments:
        return linked
    return text

"""The link at the end of a text: tokens, and the segment budget with and without it."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from smsbot.config import settings_from_mapping
from smsbot.errors import ConfigError
from smsbot.view.link import ALPHABET, TOKEN_LENGTH, link_base, looks_like_token, new_token
from smsbot.wording.context import Wording
from smsbot.wording.link import with_link
from smsbot.wording.segments import segment_count

NOW = datetime(2024, 11, 23, 14, 14, tzinfo=UTC)
URL = "https://track.acme.example/t/Ab3dE6gH9jK1m"
W = Wording("en", ZoneInfo("America/New_York"), NOW, max_segments=1)
SHORT = "Order 1001: In transit with UPS, arriving Tue Nov 26."  # 53 characters
# 150 characters: one segment alone, two with the link.
LONG = "Order 1001: " + "In transit with UPS, arriving Tue Nov 26. " * 3 + "x" * 12


def test_tokens_are_random_base62_of_at_least_72_bits() -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(len(t) == TOKEN_LENGTH and looks_like_token(t) for t in tokens)
    assert TOKEN_LENGTH * math.log2(len(ALPHABET)) >= 72
    assert len(ALPHABET) == 62
    assert not looks_like_token("1001") and not looks_like_token("Ab3dE6gH9jK1-")


def test_fit_adds_the_link_only_within_the_budget() -> None:
    assert segment_count(SHORT) == 1
    linked = with_link(SHORT, URL, "fit", W)
    assert linked == f"{SHORT} Details: {URL}"
    assert segment_count(linked) == 1  # 53 + 46 characters: still one segment
    assert segment_count(LONG) == 1
    assert segment_count(f"{LONG} Details: {URL}") == 2
    assert with_link(LONG, URL, "fit", W) == LONG  # the link would cost a second segment


def test_fit_counts_against_max_segments() -> None:
    three = Wording("en", W.timezone, NOW, max_segments=3)
    assert with_link(LONG, URL, "fit", three) == f"{LONG} Details: {URL}"
    assert segment_count(with_link(LONG, URL, "fit", three)) == 2


def test_always_pays_the_segment_and_never_adds_nothing() -> None:
    assert with_link(LONG, URL, "always", W) == f"{LONG} Details: {URL}"
    assert segment_count(with_link(LONG, URL, "always", W)) == 2
    assert with_link(SHORT, URL, "never", W) == SHORT
    assert with_link(SHORT, None, "always", W) == SHORT


def test_the_link_is_said_in_the_text_language() -> None:
    spanish = Wording("es", W.timezone, NOW, max_segments=2)
    assert with_link("Pedido 1001: En camino.", URL, "fit", spanish).endswith(f"Detalles: {URL}")


def test_links_config() -> None:
    settings = settings_from_mapping({"links": {"mode": "fit", "valid_days": 10}})
    assert settings.links.mode == "fit" and settings.links.valid_days == 10
    assert link_base(settings) is None  # no public URL: no link
    with_server = settings_from_mapping(
        {"server": {"public_url": "https://bot.example/"}, "links": {"mode": "always"}}
    )
    assert link_base(with_server) == "https://bot.example"
    own = settings_from_mapping({"links": {"public_url": "https://t.example/"}})
    assert link_base(own) == "https://t.example"
    assert settings_from_mapping({}).links.mode == "never"
    with pytest.raises(ConfigError, match=r"links\.mode: must be one of fit, always, never"):
        settings_from_mapping({"links": {"mode": "sometimes"}})
    with pytest.raises(ConfigError, match=r"page\.faq\.en\.shipping"):
        settings_from_mapping({"page": {"faq": {"en": {"shipping": "x"}}}})
    with pytest.raises(ConfigError, match=r"links\.colour"):
        settings_from_mapping({"links": {"colour": "blue"}})

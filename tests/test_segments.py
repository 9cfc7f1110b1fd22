"""GSM-7 detection, segment counting and look-alike replacement (twilio.md section 4)."""

from __future__ import annotations

import pytest

from smsbot.wording.segments import is_gsm7, segment_count, to_gsm7, truncate, word_prefixes


@pytest.mark.parametrize(
    ("text", "gsm7"),
    [
        ("Order #48213: Shipped — ETA Tue Mar 4.", False),  # em dash
        ("Can\u2019t find that order.", False),  # curly apostrophe
        ("El pedido llega el martes 4 de marzo.", True),
        ("Envío estimado", False),  # í
        ("é è ù ì ò à ä ö ñ ü Ä Ö Ñ Ü Å Ç É ß ¿ ¡", True),
        ("á", False),
        ("ó", False),
        ("ú", False),
        ("ç", False),
        ("Tab\there", False),
        ("`backtick`", False),
        ("non\u00a0breaking", False),
        ("• bullet", False),
        ("…", False),
        ("📦", False),
        ("^{}[]~\\|€\f", True),
    ],
)
def test_is_gsm7(text: str, gsm7: bool) -> None:
    assert is_gsm7(text) is gsm7


def test_twilio_example_reply_is_one_segment() -> None:
    text = (
        "Order #48213: Shipped. ETA Tue Mar 4. Note: weather delay at hub. "
        "Reply HELP for help, STOP to opt out."
    )
    assert is_gsm7(text)
    assert len(text) == 103
    assert segment_count(text) == 1


@pytest.mark.parametrize(
    ("length", "segments"),
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segments(length: int, segments: int) -> None:
    assert segment_count("a" * length) == segments


@pytest.mark.parametrize("char", list("^{}[]~\\|€\f"))
def test_escape_characters_count_two(char: str) -> None:
    assert is_gsm7(char * 81)
    assert segment_count(char * 80) == 1
    assert segment_count(char * 81) == 2


def test_escape_pair_is_never_split_across_parts() -> None:
    # 152 + 2 + 152 = 306 septets would be two parts, but "€" cannot straddle the boundary.
    assert segment_count("a" * 152 + "€" + "a" * 152) == 3
    assert segment_count("a" * 151 + "€" + "a" * 153) == 2


@pytest.mark.parametrize(
    ("length", "segments"),
    [(70, 1), (71, 2), (134, 2), (135, 3)],
)
def test_ucs2_segments(length: int, segments: int) -> None:
    assert segment_count("á" * length) == segments


def test_one_ucs2_character_switches_the_whole_text() -> None:
    assert segment_count("a" * 70) == 1
    assert segment_count("a" * 70 + "í") == 2


def test_emoji_count_two_code_units() -> None:
    assert segment_count("📦" * 35) == 1
    assert segment_count("📦" * 36) == 2
    assert segment_count("a" * 69 + "📦") == 2
    # a surrogate pair that would straddle a part boundary moves whole to the next part
    assert segment_count("á" * 66 + "📦" + "á" * 66) == 3


def test_to_gsm7_replaces_smart_punctuation() -> None:
    carrier_text = "Can\u2019t deliver — “Front Door” closed…\u00a0Next:\u2009• retry\ttomorrow"
    converted = to_gsm7(carrier_text)
    assert converted == 'Can\'t deliver - "Front Door" closed... Next: - retry tomorrow'
    assert is_gsm7(converted)


def test_to_gsm7_keeps_gsm7_accents_and_drops_the_others() -> None:
    assert to_gsm7("Querétaro, Niño, Zürich") == "Querétaro, Niño, Zürich"
    assert to_gsm7("Córdoba, Bogotá, Ávila, Curaçao") == "Cordoba, Bogota, Avila, Curacao"
    assert to_gsm7("\uff21\uff22\uff23\uff11\uff12\uff13") == "ABC123"  # full-width forms


def test_to_gsm7_leaves_what_has_no_look_alike() -> None:
    assert to_gsm7("Tokyo 東京 📦") == "Tokyo 東京 📦"
    assert to_gsm7("^{}[]~\\|€") == "^{}[]~\\|€"


def test_word_prefixes() -> None:
    assert list(word_prefixes("Memphis Hub, TN", ellipsis=False)) == [
        "Memphis Hub, TN",
        "Memphis Hub",
        "Memphis",
    ]
    assert list(word_prefixes("one two three", ellipsis=True, limit=9)) == [
        "one...",
    ]
    assert list(word_prefixes(None, ellipsis=True)) == []


def test_truncate_cuts_after_a_whole_word() -> None:
    text = " ".join(["word"] * 100)  # 499 characters
    cut = truncate(text, 1, suffix="Reply MORE.")
    assert segment_count(cut) == 1
    assert cut.endswith("word... Reply MORE.")
    assert truncate("short", 1) == "short"

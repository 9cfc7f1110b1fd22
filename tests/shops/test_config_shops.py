"""`[api]`, `[shopify]` and `[woocommerce]`: the documented example parses; bad values are
named by their key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smsbot.config import load_settings, settings_from_mapping
from smsbot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_the_documented_tables_parse_uncommented(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("# [api]")
    # The shop tables run up to the next live table (the tracking link's, after them).
    end = text.find("\n[", start)
    block = text[start : end if end != -1 else len(text)]
    toml = re.compile(r"# (\[|[a-z_]+ = |\s+[{\"]|\])")
    lines = [line[2:] for line in block.splitlines() if toml.match(line)]
    body = "\n".join(lines)
    body = body.replace("<64 hex digits>", "ab" * 32)
    path = tmp_path / "smsbot.toml"
    path.write_text(body, encoding="utf-8")
    settings = load_settings(path, environ={})
    assert [token.name for token in settings.api.tokens] == ["warehouse", "token 2"]
    assert settings.api.tokens[0].digest == bytes.fromhex("ab" * 32)
    assert settings.shopify.api_version == "2025-01"
    assert settings.shopify.carriers == {"my courier": "easypost"}
    assert settings.woocommerce.tracking_meta_key == "_wc_shipment_tracking_items"
    assert "shpat" not in repr(settings)


@pytest.mark.parametrize(
    ("section", "values", "key"),
    [
        ("api", {"tokens": [{"token": "sha256:00", "scopes": ["admin"]}]}, "api.tokens[1].scopes"),
        (
            "api",
            {"tokens": [{"token": "x", "name": "a"}, {"token": "y", "name": "a"}]},
            "api.tokens",
        ),
        ("shopify", {"shop": "example.com"}, "shopify.shop"),
        ("shopify", {"api_version": "2025-02"}, "shopify.api_version"),
        ("shopify", {"carriers": {"X": "Not An Adapter"}}, "shopify.carriers.X"),
        ("woocommerce", {"url": "ftp://shop"}, "woocommerce.url"),
    ],
)
def test_bad_values_name_their_key(section: str, values: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(key)):
        settings_from_mapping({section: values}, environ={})

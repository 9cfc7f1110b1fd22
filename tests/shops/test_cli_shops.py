"""The command line of issue 16: `api new-token`, and `check` listing flagged webhooks."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from smsbot.cli import main
from smsbot.config import Settings
from tests.shops.conftest import post_shopify


def test_new_token_prints_the_token_once_and_its_digest() -> None:
    result = CliRunner().invoke(main, ["api", "new-token", "--name", "wh", "--scope", "read"])
    assert result.exit_code == 0, result.output
    token = re.search(r"smsbot_\S+", result.output)
    entry = re.search(
        r'\{ name = "wh", token = "sha256:([0-9a-f]{64})", scopes = \["read"\] \}', result.output
    )
    assert token is not None and entry is not None
    assert hashlib.sha256(token.group(0).encode()).hexdigest() == entry.group(1)
    assert result.output.count(token.group(0)) == 1


def test_check_lists_flagged_webhooks(
    shop: TestClient, shop_settings: Settings, tmp_path: Path
) -> None:
    post_shopify(shop, "orders/create", None, raw=b"{not json", webhook_id="broken-1")
    config = tmp_path / "check.toml"
    config.write_text(
        f'[store]\npath = "{shop_settings.store.path}"\n[twilio]\nvalidate_signature = false\n'
        "[carriers.demo]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "shop inbox: 0 pending, 0 done, 0 ignored, 1 flagged" in result.output
    assert "flagged shopify orders/create broken-1" in result.output
    assert "not JSON" in result.output

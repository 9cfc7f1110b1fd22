"""`smsbot link show` and `smsbot link revoke`, run as the real CLI."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_end_to_end import smsbot


def test_show_then_revoke(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        "1001,+12025550123,a@example.com,11201,Ana,demo,DEMO1001\n",
        encoding="utf-8",
    )
    (tmp_path / "smsbot.toml").write_text(
        f'[server]\npublic_url = "https://bot.example.com"\n[twilio]\nauth_token = "x"\n'
        f'[store]\npath = "{tmp_path / "bot.db"}"\n[carriers.demo]\n',
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    shown = smsbot("link", "show", "1001", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    url = shown.stdout.strip()
    assert re.fullmatch(r"https://bot\.example\.com/t/[0-9A-Za-z]{13}", url), url
    again = smsbot("link", "show", "1001", cwd=tmp_path)
    assert again.stdout.strip() == url  # one link per order, re-used
    revoked = smsbot("link", "revoke", "1001", cwd=tmp_path)
    assert revoked.returncode == 0 and revoked.stdout.strip() == "revoked 1 link of order 1001"
    fresh = smsbot("link", "show", "1001", cwd=tmp_path)
    assert fresh.stdout.strip() != url and fresh.stdout.startswith("https://bot.example.com/t/")
    missing = smsbot("link", "show", "9999", cwd=tmp_path)
    assert missing.returncode == 1 and "no order 9999" in missing.stderr

"""`smsbot serve --demo --port P`: texting an order number gives a link to this server, and
the link opens the demo order's page; the token never shows in the server's log."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.served import launch
from tests.test_end_to_end import free_port


def test_the_demo_texts_a_link_to_its_own_page(tmp_path: Path) -> None:
    port = free_port()
    process = launch(tmp_path, port, "--demo", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        form = {"From": "+12025550123", "To": "+12025550100", "Body": "1006", "MessageSid": "SM1"}
        reply = httpx.post(base + "/sms", data=form, timeout=10).text
        found = re.search(re.escape(base) + r"/t/([0-9A-Za-z]{13})</Message>", reply)
        assert found, reply
        page = httpx.get(f"{base}/t/{found.group(1)}", timeout=10)
        assert page.status_code == 200
        assert "Order 1006" in page.text and "1 of 2 packages delivered" in page.text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert found.group(1) not in output  # uvicorn's access log shows /t/ABCD… only
    assert f"/t/{found.group(1)[:4]}…" in output

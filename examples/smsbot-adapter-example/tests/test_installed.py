"""Installed (`pip install -e`), the package is found by its entry point, listed by `smsbot
carriers`, and answers a text through `smsbot text` from a local fake Example Post."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from smsbot.cli import main
from smsbot.lookup.registry import installed_entry_points

FIXTURES = Path(__file__).parent / "fixtures" / "example_post"
API_KEY = "test-key"
OWNER = "+12025550123"


@dataclass(frozen=True)
class FakeExamplePost:
    """A local Example Post on 127.0.0.1, and the parcel ids it was asked about."""

    url: str
    asked: list[str]


def handler_for(asked: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Answers GET /api/parcels from the recorded payload; refuses a wrong key."""

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/api/parcels" or self.headers.get("X-Api-Key") != API_KEY:
                self.send_response(401 if url.path == "/api/parcels" else 404)
                self.end_headers()
                return
            asked.extend(parse_qs(url.query)["ids"])
            body = (FIXTURES / "parcels.json").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture
def carrier() -> Iterator[FakeExamplePost]:
    asked: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(asked))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeExamplePost(f"http://127.0.0.1:{server.server_address[1]}", asked)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write_config(tmp_path: Path, carriers: str) -> Path:
    config = tmp_path / "smsbot.toml"
    config.write_text(
        f"""
[twilio]
validate_signature = false

[store]
path = "{tmp_path / "smsbot.db"}"

[bot]
verify = "phone"

{carriers}
""",
        encoding="utf-8",
    )
    return config


def test_the_entry_point_is_installed() -> None:
    points = {point.name: point.value for point in installed_entry_points()}
    assert points.get("example_post") == "smsbot_adapter_example.example_post"


def test_smsbot_carriers_lists_it(tmp_path: Path) -> None:
    runner = CliRunner()
    idle = runner.invoke(main, ["carriers", "--config", str(write_config(tmp_path, ""))])
    assert idle.exit_code == 0, idle.output
    assert "Installed but not enabled" in idle.output
    assert "example_post" in idle.output

    enabled = write_config(tmp_path, f'[carriers.example_post]\napi_key = "{API_KEY}"')
    listed = runner.invoke(main, ["carriers", "--config", str(enabled)])
    assert listed.exit_code == 0, listed.output
    (line,) = [line for line in listed.output.splitlines() if "example_post" in line]
    assert "Example Post" in line
    assert "entry point smsbot_adapter_example.example_post" in line


def test_a_text_is_answered_through_the_installed_adapter(
    tmp_path: Path, carrier: FakeExamplePost
) -> None:
    carriers = f'[carriers.example_post]\napi_key = "{API_KEY}"\nbase_url = "{carrier.url}"'
    config = str(write_config(tmp_path, carriers))
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        f"5001,{OWNER},pat@example.com,11201,Pat Lee,example_post,EP1000001\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    imported = runner.invoke(main, ["import-orders", str(orders), "--config", config])
    assert imported.exit_code == 0, imported.output

    answered = runner.invoke(main, ["text", OWNER, "5001", "--config", config])

    assert answered.exit_code == 0, answered.output
    assert "Order 5001" in answered.output
    assert "In transit with Example Post" in answered.output
    assert carrier.asked == ["EP1000001"]

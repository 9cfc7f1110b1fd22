"""Starting `smsbot serve` and `smsbot watch` as real processes over one shared store."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.served import clean_env, wait_until_up
from tests.test_end_to_end import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scale-auth-token"
SENDER = "+12025550100"


def config(
    folder: Path,
    store_url: str,
    *,
    port: int | None = None,
    twilio_url: str | None = None,
    token: str = TOKEN,
    extra: str = "",
) -> Path:
    """Write `folder`/smsbot.toml for one process: its own port, the shared store."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    twilio = ""
    if twilio_url is not None:
        twilio = (
            f'account_sid = "AC{"0" * 32}"\nfrom_number = "{SENDER}"\n'
            f'api_base_url = "{twilio_url}"\n'
        )
    path = folder / "smsbot.toml"
    path.write_text(
        f"""
[server]
public_url = "http://127.0.0.1:{port}"
port = {port}

[twilio]
auth_token = "{token}"
{twilio}
[store]
url = {json.dumps(store_url)}

[bot]
brand = "Acme Outfitters"
support_contact = "help@acme.example"
timezone = "America/New_York"

[watch]
quiet_hours = ""
max_messages_per_day = 100
{extra}""",
        encoding="utf-8",
    )
    return path


def port_of(folder: Path) -> int:
    for line in (folder / "smsbot.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("port = "):
            return int(line.split("=")[1])
    raise AssertionError("no port in the configuration")


def start(folder: Path, *command: str) -> subprocess.Popen[str]:
    """`smsbot COMMAND` in `folder` (its smsbot.toml); `serve` is waited for until up."""
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)  # test adapters (`module = "tests.test_hooks"`)
    process = subprocess.Popen(
        [sys.executable, "-m", "smsbot", *command],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if command[0] == "serve":
        wait_until_up(process, f"http://127.0.0.1:{port_of(folder)}")
    return process


def finish(process: subprocess.Popen[str]) -> str:
    """Stop `process` (TERM, then KILL after 15 s); its output."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def wait_for(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)

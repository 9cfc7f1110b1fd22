"""Run the real `smsbot serve` process on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def clean_env() -> dict[str, str]:
    """This process's environment without any SMSBOT_ variable of the developer's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SMSBOT_")}


def launch(cwd: Path, port: int, *options: str) -> subprocess.Popen[str]:
    """`smsbot serve [options]` started in `cwd` (its ./smsbot.toml listens on `port`), once
    /healthz answers; the caller stops it (output: stdout, stderr merged)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smsbot", "serve", *options],
        cwd=cwd,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_until_up(process, f"http://127.0.0.1:{port}")
    return process


def wait_until_up(process: subprocess.Popen[str], base: str) -> None:
    """Wait (30 s at most) until `base`/healthz answers; fail with the log if it dies."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.communicate()[0]
            pytest.fail(f"smsbot serve did not start:\n{output}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate `process`, killing it after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def served(
    cwd: Path,
    port: int,
    *,
    never_logged: Sequence[str] = (),
    options: Sequence[str] = ("--workers", "1"),
) -> Iterator[str]:
    """`smsbot serve` started in `cwd` (its ./smsbot.toml listens on `port`); yields its URL.
    One worker unless `options` say otherwise: what a test counts is then one process's.

    On exit the process is stopped and its log is checked for each `never_logged` string
    (secrets, full phone numbers); the log is printed so a failing test shows it.
    """
    process = launch(cwd, port, *options)
    base = f"http://127.0.0.1:{port}"
    try:
        yield base
    finally:
        stop(process)
        if process.stdout:
            logs = process.stdout.read()
            process.stdout.close()
            print(logs)  # shown when a test fails
            for secret in never_logged:
                assert secret not in logs

"""Headless Chromium for the browser tests: one way to find it, to skip (locally) or fail (in
CI) without it, and to start it with the flags this machine's closed network needs.

A browser test module calls `require_chromium("...", also=...)` before it imports selenium,
then opens `chromium(width, height)` in a fixture.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

#: Without the background-networking flags Chromium keeps calling Google's hosts, which this
#: machine refuses; a fresh profile each time keeps tests apart.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if CHROMIUM is None or DRIVER is None:
        return "Chromium or chromedriver is missing (apt-get install -y chromium chromium-driver)"
    return None


def require_chromium(what: str, also: Callable[[], str | None] | None = None) -> None:
    """Skip the calling module with one line when the browser (or `also`'s part) is missing;
    with CI set, fail instead (.ci/run installs them)."""
    why = missing() or (also() if also is not None else None)
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} cannot run in CI: {why}", pytrace=False)
    pytest.skip(f"{what} skipped: {why}", allow_module_level=True)


@contextmanager
def chromium(width: int, height: int, *, logs: dict[str, str] | None = None) -> Iterator[Any]:
    """A headless Chromium driven by Selenium, `width` x `height`, with a fresh profile;
    `logs`: the `goog:loggingPrefs` to capture (e.g. {"performance": "ALL"})."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="smsbot-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", logs)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

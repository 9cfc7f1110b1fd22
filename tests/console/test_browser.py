"""The console in headless Chromium (Debian `chromium` + `chromium-driver`) through Selenium,
against a real `smsbot serve --demo`: login, a dashboard with drawn charts, an escalation
marked handled, a forged CSRF token refused, and no serious or critical axe-core violation
(the axe-core bundled by axe-selenium-python, injected by WebDriver). Screenshots go to
$SMSBOT_SCREENSHOTS (default: the test's temp dir).

Skips locally when Chromium or its driver is missing; fails in CI (CI=true) instead.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import chromium, require_chromium
from tests.served import clean_env, stop, wait_until_up

require_chromium("console browser tests")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`smsbot serve --demo` on a free port: (base URL, the demo user's password)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "smsbot", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"password '([^']+)'", first)
        assert found, first
        wait_until_up(process, base)
        yield base, found.group(1)
    finally:
        stop(process)
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(1100, 1400) as driver:
        yield driver


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SMSBOT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def serious_violations(browser: webdriver.Chrome) -> list[str]:
    """axe-core's serious and critical violations on the current page."""
    from axe_selenium_python import Axe  # type: ignore[import-untyped]

    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def wait(browser: webdriver.Chrome) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(browser, 15)


def sign_in(browser: webdriver.Chrome, base: str, password: str) -> None:
    browser.get(base + "/admin/login")
    browser.find_element(By.ID, "name").send_keys("demo")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()


def test_console_in_chromium(
    demo: tuple[str, str], browser: webdriver.Chrome, tmp_path: Path
) -> None:
    base, password = demo
    folder = shots(tmp_path)
    browser.get(base + "/admin/")
    assert browser.current_url.endswith("/admin/login")
    assert serious_violations(browser) == []
    sign_in(browser, base, "wrong password here")
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".error"))
    assert "Wrong name or password" in browser.find_element(By.CSS_SELECTOR, ".error").text
    sign_in(browser, base, password)
    wait(browser).until(lambda b: b.current_url.endswith("/admin/"))
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 3
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    assert bars and all(float(bar.get_attribute("height") or 0) > 0 for bar in bars)
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart")[0].size["height"] > 50
    browser.save_screenshot(str(folder / "console-dashboard.png"))
    assert serious_violations(browser) == []

    browser.find_element(By.LINK_TEXT, "Escalations").click()
    waiting = len(browser.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
    assert waiting >= 1
    browser.find_element(By.PARTIAL_LINK_TEXT, "Open #").click()
    browser.save_screenshot(str(folder / "console-escalation.png"))
    assert browser.find_element(By.CSS_SELECTOR, ".transcript").text
    assert serious_violations(browser) == []

    # A forged token is refused: the CSP forbids page scripts, WebDriver's are not pages'.
    forge = "document.querySelector(\"form[action$='/handled'] input[name=csrf]\").value = 'x'"
    browser.execute_script(forge)
    browser.find_element(By.ID, "mark-handled").click()
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".error"))
    assert "This form has expired" in browser.find_element(By.CSS_SELECTOR, ".error").text
    browser.save_screenshot(str(folder / "console-csrf-refused.png"))

    browser.back()
    browser.refresh()
    browser.find_element(By.ID, "mark-handled").click()
    wait(browser).until(lambda b: b.current_url.endswith("/admin/escalations"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")) == waiting - 1

    # Readable on a phone: nothing wider than the screen.
    browser.set_window_size(390, 844)
    browser.get(base + "/admin/")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390 + 1
    browser.save_screenshot(str(folder / "console-phone.png"))

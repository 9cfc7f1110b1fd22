"""The tracking page in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium against a real `smsbot serve` with a seeded store.

Checks: content per status family, dark mode through Chrome's media emulation, an axe-core
scan (no serious or critical violation), no request leaving 127.0.0.1 (from the browser's
performance log), and screenshots at 375x812 in light and dark, written to a folder whose
path is printed ($SMSBOT_SCREENSHOTS, else a temporary one).

Locally the module skips with one line when Chromium, its driver or axe-core is missing;
with CI set, a missing part is a failure (.ci/run installs them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import chromium, require_chromium
from tests.served import clean_env, served
from tests.test_end_to_end import free_port

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ORDERS = {  # order -> (demo story, the card family the page shows first)
    "1001": "transit",
    "1003": "delivered",
    "1004": "attention",
    "1006": "delivered",
    "1008": "waiting",
}


def _axe_missing() -> str | None:
    return None if AXE.exists() else "axe-core is missing (npm ci --prefix tests/page/axe)"


require_chromium("browser tests", also=_axe_missing)

from selenium.webdriver.common.by import By  # noqa: E402


def run_cli(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "smsbot", *args],
        cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`smsbot serve` on the demo carrier with the demo orders imported: (base URL,
    order -> its page URL)."""
    from smsbot.orders.demo import DEMO_ORDERS

    cwd = tmp_path_factory.mktemp("served")
    port = free_port()
    lines = ["order_number,phone,email,postal_code,name,carrier,tracking_number,kind"]
    for order in DEMO_ORDERS:
        for shipment in order.shipments:
            lines.append(
                f"{order.number},{order.phone},{order.email},{order.postal_code},"
                f"Pat Jones,demo,{shipment.tracking_number},{shipment.kind.value}"
            )
    (cwd / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (cwd / "smsbot.toml").write_text(
        f'[server]\npublic_url = "http://127.0.0.1:{port}"\nport = {port}\n'
        f'[twilio]\nauth_token = "browser-test"\nfrom_number = "+12025550100"\n'
        f'[store]\npath = "{cwd / "bot.db"}"\n[bot]\nbrand = "Acme Outfitters"\n'
        f'timezone = "America/New_York"\n[links]\nmode = "fit"\n[carriers.demo]\n',
        encoding="utf-8",
    )
    run_cli("import-orders", "orders.csv", cwd=cwd)
    urls = {number: run_cli("link", "show", number, cwd=cwd).splitlines()[0] for number in ORDERS}
    tokens = [url.rsplit("/", 1)[1] for url in urls.values()]
    with served(cwd, port, never_logged=tokens) as base:
        yield base, urls


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(375, 812, logs={"performance": "ALL"}) as driver:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True},
        )
        yield driver


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("SMSBOT_SCREENSHOTS") or tempfile.mkdtemp(prefix="smsbot-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the tracking page: {folder}")  # CI's log shows where they are
    return folder


def scheme(driver: Any, value: str) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": value}]},
    )


def background(driver: Any) -> tuple[int, ...]:
    colour = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    return tuple(int(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])


@pytest.mark.parametrize("number", sorted(ORDERS))
def test_content_per_status_family(
    browser: Any, site: tuple[str, dict[str, str]], number: str
) -> None:
    _, urls = site
    scheme(browser, "light")
    browser.get(urls[number])
    assert browser.find_element(By.TAG_NAME, "h1").text == f"Order {number}"
    cards = browser.find_elements(By.CSS_SELECTOR, "section.card")
    assert cards and ORDERS[number] in (cards[0].get_attribute("class") or "")
    summary = browser.find_element(By.ID, "summary").text
    assert summary and summary.endswith(".")
    assert "Hi Pat," in browser.page_source and "Jones" not in browser.page_source
    if number == "1004":
        assert "Delayed by severe weather" in cards[0].find_element(By.CLASS_NAME, "banner").text
        assert browser.find_elements(By.CSS_SELECTOR, "figure.map svg polyline")
    if number == "1006":
        assert len(cards) == 3 and "Return" in cards[2].text
        assert summary.startswith("1 of 2 packages delivered")


def test_dark_mode_and_screenshots(
    browser: Any, site: tuple[str, dict[str, str]], shots: Path
) -> None:
    _, urls = site
    browser.get(urls["1004"])
    scheme(browser, "light")
    light = background(browser)
    browser.save_screenshot(str(shots / "page-light.png"))
    scheme(browser, "dark")
    dark = background(browser)
    browser.save_screenshot(str(shots / "page-dark.png"))
    assert sum(light) > 600 and sum(dark) < 150, (light, dark)
    for name in ("page-light.png", "page-dark.png"):
        assert (shots / name).stat().st_size > 5000
    scheme(browser, "light")


@pytest.mark.parametrize("colours", ["light", "dark"])
def test_axe_finds_no_serious_violation(
    browser: Any, site: tuple[str, dict[str, str]], colours: str
) -> None:
    _, urls = site
    for number in ("1004", "1006"):
        browser.get(urls[number])
        scheme(browser, colours)
        browser.execute_script(AXE.read_text(encoding="utf-8"))
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(done, e => done(String(e)));"
        )
        assert isinstance(result, dict), result
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, json.dumps(bad, indent=1)
    scheme(browser, "light")


def test_no_request_leaves_127_0_0_1(browser: Any, site: tuple[str, dict[str, str]]) -> None:
    base, urls = site
    browser.get_log("performance")  # forget what came before
    for number in ORDERS:
        browser.get(urls[number])
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested and any(url.endswith(".css?v=" + url.rsplit("=", 1)[-1]) for url in requested)
    outside = [url for url in requested if not url.startswith((base + "/", "data:"))]
    assert not outside, outside


def test_the_same_404_in_the_browser(browser: Any, site: tuple[str, dict[str, str]]) -> None:
    base, _ = site
    browser.get(base + "/t/ZZZZZZZZZZZZZ")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Link not found"

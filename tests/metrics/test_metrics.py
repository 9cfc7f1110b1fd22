"""/metrics as Prometheus sees it: parsed with prometheus_client's own parser, behind a token,
and moving when texts arrive."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, sms_form

METRICS_TOKEN = "scrape-me-0123456789"
DIGEST = "sha256:" + hashlib.sha256(METRICS_TOKEN.encode()).hexdigest()
AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
def metered(make_settings: SettingsFactory) -> Iterator[TestClient]:
    settings: Settings = make_settings(metrics={"token": DIGEST})
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as client:
        yield client


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of one scrape: (name, labels) -> value."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_metrics_need_the_token(metered: TestClient) -> None:
    assert metered.get("/metrics").status_code == 401
    assert metered.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert metered.get("/metrics", headers={"Authorization": DIGEST}).status_code == 401
    assert metered.get("/metrics", headers=AUTH).status_code == 200


def test_metrics_are_off_without_a_token(client: TestClient) -> None:
    assert client.get("/metrics", headers=AUTH).status_code == 404


def test_counters_move_when_texts_arrive(metered: TestClient) -> None:
    before = samples(metered)
    assert post_sms(metered, sms_form("where is 1001")).status_code == 200
    assert post_sms(metered, sms_form("HELP")).status_code == 200
    bad = post_sms(metered, sms_form("hi"), signature="forged")
    assert bad.status_code == 403
    after = samples(metered)
    inbound = "smsbot_inbound_messages_total"
    labels = {"channel": "sms", "language": "en"}
    assert value(after, inbound, intent="order_number", **labels) == (
        value(before, inbound, intent="order_number", **labels) + 1
    )
    helps = [{"channel": "sms", "intent": "help", "language": lang} for lang in ("en", "unknown")]
    assert sum(value(after, inbound, **h) - value(before, inbound, **h) for h in helps) == 1
    count = "smsbot_reply_latency_seconds_count"
    assert value(after, count, channel="sms") == value(before, count, channel="sms") + 2
    rejected = "smsbot_webhook_rejections_total"
    assert value(after, rejected, endpoint="webhook", reason="signature") == (
        value(before, rejected, endpoint="webhook", reason="signature") + 1
    )
    calls = sum(v for (n, _), v in after.items() if n == "smsbot_carrier_calls_total")
    assert calls >= 1  # the demo carrier was asked about order 1001
    lookups = sum(v for (n, _), v in after.items() if n == "smsbot_tracking_cache_lookups_total")
    assert lookups >= 1
    # Store gauges are read at scrape time.
    assert ("smsbot_outbox_depth", frozenset()) in after
    assert value(after, "smsbot_escalations_open") == 0


def test_no_label_carries_a_phone_or_an_order_number(metered: TestClient) -> None:
    post_sms(metered, sms_form("where is 1001"))
    text = metered.get("/metrics", headers=AUTH).text
    # Labels only: sample values (durations, timestamps) may hold any digits.
    labels = [
        value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for value in sample.labels.values()
    ]
    assert labels, "the scrape has labelled samples"
    assert not [value for value in labels if "1001" in value or "+1" in value or "555" in value]


def test_multiprocess_mode_adds_up_every_worker(tmp_path: Path) -> None:
    """Two processes count into one PROMETHEUS_MULTIPROC_DIR; one scrape sees both."""
    directory = tmp_path / "prom"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    count = (
        "from smsbot.metrics.instruments import message_answered; "
        "message_answered('sms', 'order_number', 'en', 0.2)"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    scrape = (
        "import sys; from smsbot.metrics.exposition import render; "
        "sys.stdout.write(render(None).decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, capture_output=True, text=True
    ).stdout
    found = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    labels = frozenset({"channel": "sms", "intent": "order_number", "language": "en"}.items())
    assert found[("smsbot_inbound_messages_total", labels)] == 2

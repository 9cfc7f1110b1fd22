"""Issue 14, item 5: `smsbot track NUMBER` without a carrier detects and routes as the bot
does, and a number several carriers may own says which."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from smsbot.cli import main

UPS = "1Z999AA10123456784"
ECONOMY = "9261290983420002645435"  # detection: FedEx Ground Economy first, then USPS
# (tests.adapters.knows names itself in capitals: FEDEX, USPS)


def _track(tmp_path: Path, carriers: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "smsbot.toml"
    path.write_text(f"[store]\npath = {str(tmp_path / 'db')!r}\n{carriers}", encoding="utf-8")
    result = CliRunner().invoke(main, ["track", *args, "--config", str(path)])
    return result.exit_code, result.stdout, result.stderr


def test_a_detected_number_is_routed_through_an_aggregator(tmp_path: Path) -> None:
    carriers = (
        '[carriers.agg]\nmodule = "tests.adapters.aggregator"\n'
        '[routing]\ncarriers = { ups = "agg" }\n'
    )
    code, out, err = _track(tmp_path, carriers, UPS)
    assert code == 0, err
    assert out.startswith(f"UPS (via Fake Aggregator) {UPS}: in_transit"), out


def test_a_detected_number_with_no_adapter_names_the_carrier(tmp_path: Path) -> None:
    code, _, err = _track(tmp_path, "[carriers.demo]\n", UPS)
    assert code == 2
    assert f"{UPS} looks like a UPS number, but no adapter" in err
    assert "[carriers.ups]" in err


def test_an_ambiguous_number_is_asked_of_each_carrier(tmp_path: Path) -> None:
    carriers = (
        f'[carriers.fedex]\nmodule = "tests.adapters.knows"\nknown = ""\n'
        f'[carriers.usps]\nmodule = "tests.adapters.knows"\nknown = "{ECONOMY}"\n'
    )
    code, out, err = _track(tmp_path, carriers, ECONOMY)
    assert code == 0, err
    assert f"{ECONOMY} may belong to any of FEDEX, USPS: asking each" in out
    assert f"FEDEX: does not know {ECONOMY}" in out
    assert f"USPS {ECONOMY}: in_transit" in out


def test_an_ambiguous_number_nobody_knows_says_who_was_asked(tmp_path: Path) -> None:
    carriers = (
        '[carriers.fedex]\nmodule = "tests.adapters.knows"\nknown = ""\n'
        '[carriers.usps]\nmodule = "tests.adapters.knows"\nknown = ""\n'
    )
    code, _, err = _track(tmp_path, carriers, ECONOMY)
    assert code == 1
    assert f"none of FEDEX, USPS knows {ECONOMY}" in err and "track CARRIER NUMBER" in err


def test_a_number_of_no_known_format_asks_for_the_carrier(tmp_path: Path) -> None:
    code, _, err = _track(tmp_path, "[carriers.demo]\n", "DEMO1004")
    assert code == 2
    assert "cannot tell the carrier of DEMO1004 from its format" in err
    code, out, _ = _track(tmp_path, "[carriers.demo]\n", "demo", "DEMO1004")
    assert code == 0 and out.startswith("DemoPost DEMO1004:")

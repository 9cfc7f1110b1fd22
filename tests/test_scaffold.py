"""`smsbot new-adapter`: the scaffold passes the kit before any carrier logic is written, and
fails it with a clear message once the contract is broken."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsbot.cli import main
from smsbot.scaffold import name_problem, scaffold

#: name -> [(text to replace in the generated module, its replacement)].
BREAKS = {
    "acme_nocreate": [("def create(", "def build(")],
    "acme_sync": [
        ("async def track(", "def track("),
        ("return await track_each(", "return track_each("),
    ],
    "acme_keys": [
        (
            "return await track_each(numbers, self._track_one, self._unknown)",
            "found = await track_each(numbers, self._track_one, self._unknown)\n"
            "        return {number.lower(): result for number, result in found.items()}",
        )
    ],
}


def run_pytest(cwd: Path, *paths: str) -> dict[str, dict[str, str]]:
    """Run pytest on `paths` in a fresh interpreter; {test file: {test name: failure text}}."""
    report = cwd / "report.xml"
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *paths,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    print(ran.stdout, ran.stderr)  # shown when the test fails
    outcomes: dict[str, dict[str, str]] = {}
    tree = ET.parse(report)  # noqa: S314  # the report our own pytest run just wrote
    for case in tree.getroot().iter("testcase"):
        failed = case.find("failure")
        if failed is None:
            failed = case.find("error")
        text = "" if failed is None else (failed.text or failed.get("message") or "failed")
        module = case.get("classname", "").rpartition(".")[2]
        outcomes.setdefault(module, {})[case.get("name", "")] = text
    return outcomes


def test_scaffold_passes_the_kit_and_broken_ones_fail_clearly(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("acme_post", *BREAKS):
        result = runner.invoke(main, ["new-adapter", name, "--dir", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert f"wrote {tmp_path / name / (name + '.py')}" in result.output
    for name, edits in BREAKS.items():
        module = tmp_path / name / f"{name}.py"
        source = module.read_text(encoding="utf-8")
        for old, new in edits:
            assert old in source
            source = source.replace(old, new)
        module.write_text(source, encoding="utf-8")

    outcomes = run_pytest(tmp_path, "acme_post", *BREAKS)

    good = outcomes["test_acme_post"]
    assert "test_conformance[factory]" in good and "test_conformance[payload_drift]" in good
    assert not any(good.values()), good
    assert "has no create() function" in outcomes["test_acme_nocreate"]["test_conformance[factory]"]
    assert (
        "adapter.track must be an async method"
        in (outcomes["test_acme_sync"]["test_conformance[factory]"])
    )
    keys = outcomes["test_acme_keys"]["test_conformance[one_result_per_number]"]
    assert "results for numbers nobody asked about: ['trk123456789', 'trk987654321']" in keys
    assert outcomes["test_acme_keys"]["test_parse_in_transit"] == ""  # parsing is unbroken


def test_the_scaffold_adapter_imports_only_the_sdk(tmp_path: Path) -> None:
    files = scaffold("acme_post", tmp_path).files
    source = files[tmp_path / "acme_post.py"]
    smsbot_imports = {line.split()[1] for line in source.splitlines() if "import" in line}
    assert {name for name in smsbot_imports if name.startswith("smsbot")} == {
        "smsbot.errors",
        "smsbot.tracking",
    }
    assert 'display_name = "Acme Post"' in source
    assert "class AcmePostAdapter:" in source
    assert 'env="SMSBOT_ACME_POST_API_KEY"' in source


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Acme", "lower-case Python identifier"),
        ("acme-post", "lower-case Python identifier"),
        ("1acme", "lower-case Python identifier"),
        ("class", "Python keyword"),
        ("ups", "already ships"),
        ("demo", "already ships"),
        ("json", "shadow a Python module"),
        ("httpx", "shadow an installed module"),
    ],
)
def test_bad_names_are_refused(name: str, problem: str) -> None:
    found = name_problem(name)
    assert found is not None and problem in found


def test_new_adapter_refuses_a_bad_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new-adapter", "Acme", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "lower-case Python identifier" in result.output
    assert not list(tmp_path.iterdir())


def test_new_adapter_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "test_acme_post.py").write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["new-adapter", "acme_post", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "will not overwrite" in result.output and "test_acme_post.py" in result.output
    assert (tmp_path / "test_acme_post.py").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "acme_post.py").exists()  # nothing written when anything exists

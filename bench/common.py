"""What the benchmark scripts share: targets and the summary line, percentiles, the machine,
process memory, a free port, a config file, and waiting for a server.

Linux only: memory is read from /proc.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    """One measured figure and its target: printed as `name: value (target: ...) OK|MISS`."""

    name: str
    value: str
    target: str
    ok: bool

    def line(self) -> str:
        return f"{self.name}: {self.value} (target: {self.target}) {'OK' if self.ok else 'MISS'}"


def print_summary(figures: Sequence[Figure]) -> bool:
    """Print the summary lines (the script's last lines); True when every target is met."""
    print()
    print("summary")
    for figure in figures:
        print(figure.line())
    return all(figure.ok for figure in figures)


def arguments(description: str) -> argparse.Namespace:
    """The options every script takes: --quick (under a minute)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="smaller and shorter runs (under a minute)"
    )
    return parser.parse_args()


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> str:
    """One line about the machine: CPU model, cores, memory, Python and SQLite versions."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores, {memory} RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def print_header(title: str, quick: bool) -> None:
    print(f"{title}{' (quick)' if quick else ''}")
    print(f"machine: {machine()}")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process in MB (`VmHWM` for its peak), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"cannot write {value!r} as TOML")


def write_config(path: Path, tables: Mapping[str, Mapping[str, object]]) -> Path:
    """A smsbot.toml with these tables (`"carriers.demo"` names a sub-table)."""
    lines = []
    for table, keys in tables.items():
        lines.append(f"[{table}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in keys.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def start(command: Sequence[str], cwd: Path, url: str) -> subprocess.Popen[bytes]:
    """Start a server process, its output to `cwd`/server.log, and wait until `url` answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBOT_")}
    log = (cwd / "server.log").open("ab")
    process = subprocess.Popen(  # noqa: S603  # our own interpreter and scripts
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()  # the child holds its own copy
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            output = (cwd / "server.log").read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{' '.join(command)} did not start:\n{output}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PYTHON = sys.executable

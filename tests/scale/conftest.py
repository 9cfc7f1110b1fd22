"""Many real processes, one store (issue 15): the URL of a fresh shared store per test.

Every test here runs twice: over one SQLite file (several processes on one machine, always
run) and over the PostgreSQL test server (`SMSBOT_TEST_PG_URL`: skipped locally with one
line when unset, a failure when `CI` is set, through `tests.pgtest`).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest


def _postgres_url() -> str:
    try:  # the PostgreSQL backend's test server (issue 15, part 1)
        pgtest = importlib.import_module("tests.pgtest")
    except ImportError:  # the backend is not in this tree yet
        if os.environ.get("CI"):
            pytest.fail("CI is set but the PostgreSQL test support is missing", pytrace=False)
        pytest.skip("PostgreSQL scale tests need the PostgreSQL backend (tests/pgtest.py)")
    url: str = pgtest.fresh_url()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store every process of one test shares."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return _postgres_url()

"""Shared fixtures: a store built from the small hand-written fixture graph (exact answers), and one
built from the full curated data (integration checks). Each is built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atmpkg.graph import build

FIXTURE_DATA = Path(__file__).parent / "data" / "fixture"


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory) -> Path:
    """A store built from tests/data/fixture (three therapies, eight approvals, four deals...)."""
    path = tmp_path_factory.mktemp("fixture-store")
    build(path, data_dir=FIXTURE_DATA)
    return path


@pytest.fixture(scope="session")
def curated_store(tmp_path_factory) -> Path:
    """A store built from the packaged curated data in graph/data."""
    path = tmp_path_factory.mktemp("curated-store")
    build(path)
    return path


@pytest.fixture(autouse=True)
def _no_default_store(monkeypatch, tmp_path):
    """Tests never touch the user's real store: the default store lives in the test's tmp_path."""
    monkeypatch.setenv("ATMPKG_STORE", str(tmp_path / "default-store"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    # A researcher's own remote-store settings must not redirect the tests.
    monkeypatch.delenv("ATMPKG_ENDPOINT", raising=False)
    monkeypatch.delenv("ATMPKG_GRAPH", raising=False)


#: The entities within one link of CellCo in the fixture graph (sources left out).
CELLCO_NEIGHBOURHOOD = [
    "approval:alphacel-fda-2017-08-30-large-b-cell-lymphoma",
    "approval:alphacel-fda-2022-04-01-large-b-cell-lymphoma",
    "approval:betacel-fda-2021-03-26-multiple-myeloma",
    "approval:betacel-pmda-2022-01-multiple-myeloma",
    "company:bigpharma",
    "company:cellco",
    "company:cellco-eu",
    "country:us",
    "deal:bigpharma-cellco-2017",
    "development:cellco-data-2023",
    "therapy:alphacel",
]


@pytest.fixture
def cellco_neighbourhood() -> list[str]:
    """The prefixed names of CellCo's one-hop neighbourhood in the fixture graph, sorted."""
    return list(CELLCO_NEIGHBOURHOOD)


CHROMIUM = "/usr/bin/chromium"
#: Headless, and without the background traffic a closed network would refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright for Python. Missing pieces fail the test (CI installs
    them), they never skip it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it with "
            "'apt-get update && apt-get install -y chromium' (never 'playwright install')"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()

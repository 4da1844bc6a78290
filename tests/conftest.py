"""Shared fixtures: a store built from the small hand-written fixture graph (exact answers), and one
built from the full curated data (integration checks). Each is built once per test session."""

from __future__ import annotations

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

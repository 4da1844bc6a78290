"""Shared fixtures: a store built from the small hand-written fixture graph (exact answers), and one
built from the full curated data (integration checks). Each is built once per test session."""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from atmpkg.graph import build

T = TypeVar("T")

FIXTURE_DATA = Path(__file__).parent / "data" / "fixture"


#: A value holding characters that draw as nothing, or one on many combining marks that draws up
#: over the rows above (sec31 F4), and hidden characters a text needs beside the ones they act on:
#: an emoji's joiners, Persian's non-joiner, a CJK ideograph's variation selector.
INVISIBLE = (
    "Kym\u200briah\u2060\ufeffX \u2028 flag\U000e0041\U000e007f a\u3164b\u115fc A\ufe0f\ufe0e Z"
    + "\u0301" * 1000
    + " \U0001f468\u200d\U0001f469\u200d\U0001f467 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u845b\U000e0100"
)
#: INVISIBLE as every door shows it to read (errors.visible, showable.js): each character that
#: draws as nothing written as its escape, the marks past five counted, the rest as it is.
INVISIBLE_SHOWN = (
    "Kym\\u200briah\\u2060\\ufeffX \\u2028 flag\\U000e0041\\U000e007f a\\u3164b\\u115fc A\\ufe0f\\ufe0e Z"
    + "\u0301" * 5
    + "\u2026 (995 more marks) \U0001f468\u200d\U0001f469\u200d\U0001f467 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u845b\U000e0100"
)


def pytest_configure(config: pytest.Config | None) -> None:
    """Ctrl-C reaches the programs the tests stop with it, however the suite was started."""
    import signal

    # A suite started as a script's background job (`pytest … &` without job control, nohup)
    # inherits SIGINT ignored, and so does every program it starts: `atmpkg serve` keeps an
    # ignored SIGINT ignored, as the README says any program does, and the servers the README's
    # examples and the serve tests stop with Ctrl-C ran on until their timeouts (the README
    # test's 300 s, its log ending at `GET / 200`). The tests stand for a terminal, where Ctrl-C
    # reaches the command: Python's own handler here, which a program started from here gets
    # as SIGINT's default action.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory) -> Path:
    """A store built from tests/data/fixture (three therapies, eight approvals, four deals...)."""
    path = tmp_path_factory.mktemp("fixture-store")
    build(path, data_dir=FIXTURE_DATA)
    return path


def store_with_import(store: Path, tmp_path: Path, turtle: str) -> Path:
    """A copy of ``store`` under ``tmp_path`` with the Turtle text ``turtle`` imported."""
    import shutil

    from atmpkg.graph import import_files

    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    mine = tmp_path / "mine.ttl"
    mine.write_text(turtle)
    import_files([mine], copy)
    return copy


def stale_copy(store: Path, into: Path) -> Path:
    """A copy of ``store`` at ``into`` that says it was built from the packaged data of an older
    checkout, as a store is after a pull that changed the data."""
    import json
    import shutil

    from atmpkg.graph.store.folder import current_build

    shutil.copytree(store, into, symlinks=True)
    info = current_build(into) / "build.json"
    info.write_text(json.dumps({**json.loads(info.read_text()), "fingerprint": "older", "data_dir": None}))
    return into


@pytest.fixture(scope="session")
def curated_store(tmp_path_factory) -> Path:
    """A store built from the packaged curated data in graph/data."""
    path = tmp_path_factory.mktemp("curated-store")
    build(path)
    return path


@pytest.fixture
def held_today(monkeypatch) -> datetime.date:
    """The machine's day, held for the test: ``queries.today()``, every date default of a named
    query run in this process, answers it however long the test runs, so that a test begun before
    midnight does not compare the day it read with one a query read after midnight. A door in
    another process (the server's workers, a command run as a program) reads the machine's clock
    on its own: give it the day, or ask it with :func:`on_one_day`."""
    from atmpkg import queries

    day = queries.today()
    monkeypatch.setattr(queries, "today", lambda: day)
    return day


def utc_today() -> datetime.date:
    """The day of the engine's NOW(), a moment in UTC, where ``queries.today()`` is the machine's."""
    return datetime.datetime.now(datetime.UTC).date()


def on_one_day(
    ask: Callable[[], T], clock: Callable[[], datetime.date] = datetime.date.today
) -> tuple[datetime.date, T]:
    """The day of ``clock`` and what ``ask()`` (a door that reads that clock on its own: the
    server's workers, the engine's NOW() with :func:`utc_today`) answered on it, asked again when
    midnight passed while it ran, so that the expectation made of the day is the answer's day."""
    while True:
        day = clock()
        answer = ask()
        if clock() == day:
            return day, answer


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
    "deal:bigpharma-cellco-2017",
    "development:cellco-data-2023",
    "therapy:alphacel",
]
#: The places, agencies and concept values those entities link to: their attributes, which a slice
#: carries and a network shows as attributes, not nodes.
CELLCO_HUBS = [
    "agency:fda",
    "agency:pmda",
    "approvaltype:initial",
    "approvaltype:label-expansion",
    "cellsource:autologous",
    "country:de",
    "country:jp",
    "country:us",
    "dealtype:acquisition",
    "modality:car-t",
    "pathway:accelerated-approval",
    "pathway:conditional-time-limited",
    "pathway:standard",
    "vector:lentiviral",
]


@pytest.fixture
def cellco_neighbourhood() -> list[str]:
    """The prefixed names of the entities of CellCo's one-hop neighbourhood in the fixture graph,
    sorted (the hubs they link to, :data:`CELLCO_HUBS`, left out)."""
    return list(CELLCO_NEIGHBOURHOOD)


@pytest.fixture
def cellco_slice() -> list[str]:
    """The subjects of the slice of CellCo's one-hop neighbourhood: its entities and their hubs."""
    return sorted(CELLCO_NEIGHBOURHOOD + CELLCO_HUBS)


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
    """Debian's Chromium driven by Playwright for Python. Without Chromium the test is skipped
    with the package that enables it (.ci/run installs it and fails on any skip); without
    Playwright, which the test extra installs, it fails."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


#: The length of each huge literal of ``huge_store``.
HUGE = 5_000_000


@pytest.fixture(scope="session")
def huge_store(tmp_path_factory) -> Path:
    """The fixture graph plus a therapy whose label and comment are 5,000,000 characters each."""
    folder = tmp_path_factory.mktemp("huge")
    turtle = folder / "hugecel.ttl"
    turtle.write_text(
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dct: <http://purl.org/dc/terms/> .\n"
        "<https://w3id.org/atmp-kg/id/therapy/hugecel> a atmp:Therapy ;\n"
        f'  rdfs:label "{"H" * HUGE}"@en ;\n'
        f'  rdfs:comment "{"c" * HUGE}"@en ;\n'
        "  atmp:developedBy <https://w3id.org/atmp-kg/id/company/genecorp> ;\n"
        "  atmp:modality <https://w3id.org/atmp-kg/id/modality/car-nk> ;\n"
        "  dct:source <https://w3id.org/atmp-kg/id/source/src-news> .\n",
        encoding="utf-8",
    )
    build(folder / "store", data_dir=FIXTURE_DATA, extra_files=[turtle])
    return folder / "store"


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections made to it and closes each."""

    def __init__(self):
        import socket
        import threading

        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/"
        self._count = 0
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while self._running:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            with self._lock:
                self._count += 1
            connection.close()

    @property
    def count(self) -> int:
        """Connections accepted so far."""
        with self._lock:
            return self._count

    def close(self) -> None:
        self._running = False
        self._thread.join()
        self._socket.close()


@pytest.fixture
def listener():
    """A :class:`Listener`: point a SERVICE or LOAD at ``listener.url`` and read ``count``."""
    server = Listener()
    yield server
    server.close()


# --- real SPARQL servers --------------------------------------------------------------------------

OXIGRAPH_INSTALL = "pip install -e '.[test]' (the oxigraph package is in the test extra)"
VIRTUOSO_INSTALL = "apt-get install virtuoso-opensource"

VIRTUOSO_INI = """\
[Database]
DatabaseFile    = {folder}/virtuoso.db
ErrorLogFile    = {folder}/virtuoso.log
LockFile        = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage     = TempDatabase

[TempDatabase]
DatabaseFile    = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = .
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {folder}
ServerThreads      = 10

[SPARQL]
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = 60
"""


#: At most the two capabilities of file access (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as /proc
#: writes a capability set.
FILE_ACCESS_ONLY = {"0000000000000000", "0000000000000006"}


def capabilities(pid: int) -> dict[str, set[str]]:
    """Each capability set (CapInh, CapPrm, CapEff, CapBnd, CapAmb) of process ``pid``: the
    values its threads have, as /proc writes them."""
    sets: dict[str, set[str]] = {}
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        for line in status.read_text().splitlines():
            if line.startswith("Cap"):
                name, _, value = line.partition(":\t")
                sets.setdefault(name, set()).add(value)
    return sets


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_binary(names: tuple[str, ...], install: str, system: bool = False) -> str:
    """The first of ``names`` next to the Python executable or on PATH. A missing system package
    skips the test, naming the package (.ci/run installs it and fails on any skip); a missing
    Python one, which the test extra installs, fails it."""
    import shutil
    import sys

    for name in names:
        beside = Path(sys.executable).parent / name
        found = str(beside) if beside.is_file() else shutil.which(name)
        if found:
            return found
    if system:
        pytest.skip(f"needs {' or '.join(names)}: {install}")
    pytest.fail(f"{' or '.join(names)} is not installed; install it with: {install}")


def wait_until_up(url: str, process, log: Path, seconds: float) -> None:
    """Wait until ``url`` answers with any HTTP status; fail with the log if it never does."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"{process.args[0]} ended with code {process.returncode}:\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer within {seconds} s:\n{log.read_text()}")


class SparqlServers:
    """Real SPARQL servers started on demand, each new and empty, all ended with the session."""

    def __init__(self, tmp_path_factory):
        import contextlib

        self._factory = tmp_path_factory
        self._running = contextlib.ExitStack()

    def _start(self, name: str, command: list[str], probe: str, seconds: float, folder: Path):
        import subprocess

        log = folder / "server.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
        self._running.callback(stop_process, process)
        wait_until_up(probe, process, log, seconds)

    def oxigraph(self) -> str:
        """An Oxigraph server (from PyPI); its base URL (``/query``, ``/update``, ``/store``)."""
        binary = find_binary(("oxigraph",), OXIGRAPH_INSTALL)
        folder = self._factory.mktemp("oxigraph")
        base = f"http://127.0.0.1:{free_port()}"
        command = [binary, "serve", "--location", str(folder / "db"), "--bind", base[7:]]
        self._start("oxigraph", command, base + "/query?query=ASK%7B%7D", 30, folder)
        return base

    def virtuoso(self) -> str:
        """Debian's Virtuoso with SPARQL updates granted to its anonymous user (push needs them);
        its base URL (``/sparql``, ``/sparql-graph-crud``)."""
        import subprocess

        binary = find_binary(("virtuoso-t",), VIRTUOSO_INSTALL, system=True)
        isql = find_binary(("isql-vt", "isql"), VIRTUOSO_INSTALL, system=True)
        folder = self._factory.mktemp("virtuoso")
        sql_port, http_port = free_port(), free_port()
        ini = folder / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port))
        base = f"http://127.0.0.1:{http_port}"
        command = [binary, "+foreground", "+configfile", str(ini)]
        self._start("virtuoso", command, base + "/sparql?query=ASK%7B%7D", 120, folder)
        grant = 'GRANT SPARQL_UPDATE TO "SPARQL";'
        subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grant}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return base

    def close(self) -> None:
        self._running.close()


def stop_process(process, sig: int = 15) -> None:
    """End a server process with ``sig`` (SIGTERM by default), and kill it if it does not end."""
    import subprocess

    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def sparql_servers(tmp_path_factory):
    """Start real SPARQL servers: ``sparql_servers.oxigraph()``, ``sparql_servers.virtuoso()``."""
    servers = SparqlServers(tmp_path_factory)
    yield servers
    servers.close()


@pytest.fixture
def logged(caplog):
    """``logged(name, level)`` makes caplog receive what logger ``name`` logs at ``level`` and above,
    even after the command line (run in-process by other tests) stopped the ``atmpkg`` logger from
    propagating to the root, where caplog listens."""
    attached = []

    def attach(name: str, level: int = logging.INFO):
        logger = logging.getLogger(name)
        caplog.set_level(level, logger=name)
        # Each record reaches caplog once, through this handler, whether or not it also propagates.
        attached.append((logger, logger.propagate))
        logger.propagate = False
        logger.addHandler(caplog.handler)
        return caplog

    yield attach
    for logger, propagate in reversed(attached):
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate


@pytest.fixture
def server_log(logged):
    """caplog, receiving what the server logs at INFO and above."""
    return logged("atmpkg.server")

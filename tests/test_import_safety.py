"""Nothing lost: imports and builds that race each other, processes killed with SIGKILL at every
step of an import, leftovers of killed builds and exports, and imports of mutated files.

Processes here are real: ``python -m atmpkg.cli`` subprocesses, and a child that runs the command
line under an audit hook which stops it just before a given write to a watched folder (a mkdir,
an open for writing, a copy, a link, a rename, a removal, a chmod), so that the test can
``kill -9`` it exactly there or let it go on.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atmpkg.graph import build, import_files
from atmpkg.graph.errors import AtmpkgError
from atmpkg.graph.store.folder import current_build

FIXTURE = Path(__file__).parent / "data" / "fixture"
DELTACEL = Path(__file__).parent / "data" / "imports" / "deltacel.ttl"
ID = "https://w3id.org/atmp-kg/id/"
ATMP = "https://w3id.org/atmp-kg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
#: A triple deltacel.ttl adds.
DELTACEL_TYPED = (ox.NamedNode(ID + "therapy/deltacel"), RDF_TYPE, ox.NamedNode(ATMP + "Therapy"))
#: Bound on every wait for a child process, so that a hang fails the test instead of the suite.
LIMIT = 180

#: The child: runs ``atmpkg ARGS`` and stops before a write under WATCHED: the STOP-th one when STOP
#: is a number, else the first of event EVENT on a path ending in SUFFIX when STOP is "EVENT SUFFIX".
#: There it creates SIGNALS/ready and waits (at most LIMIT s) for SIGNALS/go: the test kills it with
#: SIGKILL or lets it go on.
CHILD = r"""
import os, sys, time
watched, stop, signals = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
LIMIT = 180
EVENTS = {"os.rename", "os.symlink", "os.link", "shutil.copyfile", "os.mkdir", "os.remove",
          "os.rmdir", "shutil.rmtree", "os.chmod", "open"}
WRITTEN = {"os.rename": 1, "os.symlink": 1, "os.link": 1, "shutil.copyfile": 1}
CREATE = os.O_WRONLY | os.O_RDWR | os.O_CREAT
seen = 0
stopped = False

def reached(event, path):
    if stop.isdigit():
        return seen == int(stop)
    name, _, suffix = stop.partition(" ")
    return event == name and path.endswith(suffix)

def hook(event, args):
    global seen, stopped
    if stopped or event not in EVENTS or isinstance(args[WRITTEN.get(event, 0)], int):
        return
    if event == "open":
        mode, flags = args[1], args[2]
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else flags & CREATE
        if not writes:
            return
    path = os.path.abspath(os.fsdecode(args[WRITTEN.get(event, 0)]))
    if path != watched and not path.startswith(watched + os.sep):
        return
    seen += 1
    if reached(event, path):
        stopped = True
        with open(os.path.join(signals, "ready"), "w") as note:
            note.write(f"{event} {path}")
        deadline = time.monotonic() + LIMIT
        while not os.path.exists(os.path.join(signals, "go")) and time.monotonic() < deadline:
            time.sleep(0.02)

sys.addaudithook(hook)
sys.argv = ["atmpkg", *sys.argv[4:]]
from atmpkg.cli import main
main()
"""


class Child:
    """A command-line run that stops before a write under ``watched`` (see :data:`CHILD`)."""

    def __init__(self, tmp_path: Path, watched: Path, stop: int | str, *args: str | Path):
        self.signals = Path(os.path.join(tmp_path, f"signals-{time.monotonic_ns()}"))
        self.signals.mkdir()
        script = tmp_path / "child.py"
        script.write_text(CHILD, encoding="utf-8")
        argv = [sys.executable, str(script), str(watched), str(stop), str(self.signals)]
        self.process = subprocess.Popen(
            [*argv, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def paused(self) -> bool:
        """Wait until the child stops at its write (True) or ends without reaching it (False)."""
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            if (self.signals / "ready").exists():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)
        self.process.kill()
        pytest.fail(f"the child neither stopped nor ended within {LIMIT} s")

    @property
    def where(self) -> str:
        """The write the child stopped before."""
        return (self.signals / "ready").read_text(encoding="utf-8")

    def kill(self) -> None:
        """kill -9, and wait until it is gone."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(LIMIT)

    def resume(self) -> subprocess.CompletedProcess:
        """Let it go on, and wait until it ends."""
        (self.signals / "go").touch()
        return self.finish()

    def finish(self) -> subprocess.CompletedProcess:
        out, err = self.process.communicate(timeout=LIMIT)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, out, err)


def atmpkg(*args: str | Path) -> subprocess.Popen:
    """``atmpkg ARGS`` as its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "atmpkg.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=LIMIT)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def holds(store: Path, triple: tuple) -> bool:
    """Whether the store's current build holds ``triple`` (read straight from its folder)."""
    engine = ox.Store.read_only(str(current_build(store) / "oxigraph"))
    return any(True for _ in engine.quads_for_pattern(*triple))


def recorded(store: Path) -> list[str]:
    """The names of the files the store's current build records as imported."""
    folder = store / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def leftovers(store: Path) -> list[str]:
    """Temporary builds, and complete builds that never became current."""
    current = current_build(store).name
    return sorted(
        p.name for p in (store / "builds").iterdir() if p.name.startswith(".") or p.name > current
    )


def code_name_file(path: Path, name: str) -> Path:
    """A Turtle file that gives Genex the code name ``name``."""
    path.write_text(f'<{ID}therapy/genex> <{ATMP}codeName> "{name}" .\n', encoding="utf-8")
    return path


def code_name(name: str) -> tuple:
    return (ox.NamedNode(ID + "therapy/genex"), ox.NamedNode(ATMP + "codeName"), ox.Literal(name))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store built from the fixture data, copied by each test that changes a store."""
    store = tmp_path_factory.mktemp("template") / "store"
    build(store, data_dir=FIXTURE)
    return store


def copy_of(template: Path, where: Path) -> Path:
    return Path(shutil.copytree(template, where, symlinks=True))


# --- racing imports and builds ---------------------------------------------------------------


def test_concurrent_imports_and_a_build_lose_nothing(template, tmp_path):
    first = tmp_path / "deltacel.ttl"
    shutil.copyfile(DELTACEL, first)
    for trial in range(3):
        store = copy_of(template, tmp_path / f"store-{trial}")
        second = code_name_file(tmp_path / f"race-{trial}.ttl", f"GX-race-{trial}")
        runs = [
            atmpkg("import", first, "--store", store),
            atmpkg("build", "--store", store, "--data-dir", FIXTURE),
            atmpkg("import", second, "--store", store),
        ]
        results = [finished(run) for run in runs]
        assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
        assert recorded(store) == sorted(["deltacel.ttl", second.name])
        assert holds(store, DELTACEL_TYPED) and holds(store, code_name(f"GX-race-{trial}"))
        build(store, data_dir=FIXTURE)
        assert holds(store, DELTACEL_TYPED) and holds(store, code_name(f"GX-race-{trial}"))
        assert recorded(store) == sorted(["deltacel.ttl", second.name])


# --- kill -9 at every step of an import --------------------------------------------------------


def test_an_import_killed_at_any_step_is_in_the_store_and_its_imports_or_in_neither(
    template, tmp_path
):
    mine = tmp_path / "deltacel.ttl"
    shutil.copyfile(DELTACEL, mine)
    outcomes = []
    for step in range(1, 60):
        store = copy_of(template, tmp_path / f"store-{step}")
        child = Child(tmp_path, store, step, "import", mine, "--store", store)
        if not child.paused():
            result = child.finish()
            assert result.returncode == 0, result.stderr
            assert holds(store, DELTACEL_TYPED) and recorded(store) == ["deltacel.ttl"]
            break
        where = child.where
        child.kill()
        in_store, in_imports = holds(store, DELTACEL_TYPED), recorded(store) == ["deltacel.ttl"]
        assert in_store == in_imports, f"killed before {where}"
        assert recorded(store) in ([], ["deltacel.ttl"])
        outcomes.append(in_store)
        build(store, data_dir=FIXTURE)  # the next run cleans up and keeps what was committed
        assert leftovers(store) == [], f"killed before {where}"
        assert holds(store, DELTACEL_TYPED) == in_store == (recorded(store) == ["deltacel.ttl"])
    else:
        pytest.fail("the import did not finish within 59 writes")
    # every step before the swap loses the import whole, every step after keeps it whole
    assert outcomes == sorted(outcomes) and outcomes.count(False) >= 8, outcomes


# --- leftovers of killed builds and exports ----------------------------------------------------


def test_a_killed_build_leaves_leftovers_that_the_next_build_removes(template, tmp_path):
    store = copy_of(template, tmp_path / "store")
    first = current_build(store).name
    # killed before it makes its engine's folder: a temporary build; killed before the rename
    # that swaps it in: a complete build that never became current
    for stop, left in (("os.mkdir /oxigraph", ".tmp-"), ("os.rename /current", "2")):
        child = Child(tmp_path, store, stop, "build", "--store", store, "--data-dir", FIXTURE)
        assert child.paused()
        child.kill()
        assert [p.name[: len(left)] for p in (store / "builds").iterdir() if p.name != first] == [
            left
        ], child.where
        assert current_build(store).name == first
    result = finished(atmpkg("build", "--store", store, "--data-dir", FIXTURE))
    assert result.returncode == 0, result.stderr
    assert leftovers(store) == []
    assert sorted(p.name for p in (store / "builds").iterdir()) == sorted(
        [first, current_build(store).name]
    )


def holds_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (Linux: its /proc/PID/fd links)."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        return any(
            os.path.realpath(folder / fd) == str(path.resolve()) for fd in os.listdir(folder)
        )
    except OSError:
        return False


def test_a_running_build_keeps_its_temporary_folder_while_another_waits(template, tmp_path):
    store = copy_of(template, tmp_path / "store")
    running = Child(
        tmp_path, store, "os.mkdir /oxigraph", "build", "--store", store, "--data-dir", FIXTURE
    )
    assert running.paused()
    temporary = [p for p in (store / "builds").iterdir() if p.name.startswith(".tmp-")]
    assert len(temporary) == 1
    waiting = atmpkg("build", "--store", store, "--data-dir", FIXTURE)
    deadline = time.monotonic() + LIMIT
    while not holds_open(waiting.pid, store / ".lock") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting.poll() is None, "the second build waits for the lock"
    assert temporary[0].is_dir()
    assert running.resume().returncode == 0
    assert finished(waiting).returncode == 0
    assert leftovers(store) == []


def export_args(store: Path, fmt: str, output: Path, focus: str = "genex") -> list:
    return ["export", "--focus", focus, "--format", fmt, "-o", output, "--store", store]


def test_a_killed_export_leaves_a_temporary_file_that_the_next_export_removes(template, tmp_path):
    store = copy_of(template, tmp_path / "store")
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.ttl").write_text("previous\n")
    # stopped when the temporary file is written, before its rename
    child = Child(tmp_path, out, "os.chmod .tmp", *export_args(store, "ttl", out / "x.ttl"))
    assert child.paused() and child.where.startswith("os.chmod ")
    child.kill()
    left = sorted(p.name for p in out.iterdir())
    assert len(left) == 2 and left[0].startswith(".x.ttl.atmpkg-") and left[0].endswith(".tmp")
    # a running export's temporary file is left alone
    running = Child(tmp_path, out, "os.chmod .tmp", *export_args(store, "nt", out / "y.nt"))
    assert running.paused()
    result = finished(atmpkg(*export_args(store, "ttl", out / "z.ttl")))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if not n.startswith(".y.nt.atmpkg-")] == ["x.ttl", "z.ttl"]
    assert (out / "x.ttl").read_text() == "previous\n"
    assert running.resume().returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["x.ttl", "y.nt", "z.ttl"]


@pytest.mark.parametrize(
    ("stop", "pair"),
    [
        ("os.rename .commit", "old"),  # before the commit
        ("os.rename /x-nodes.csv", "new"),  # after it, before the renames
        ("os.rename /x-edges.csv", "new"),  # between the renames
    ],
)
def test_a_csv_export_killed_between_its_renames_commits_both_files_or_neither(
    template, tmp_path, stop, pair
):
    store = copy_of(template, tmp_path / "store")
    out, clean = tmp_path / "out", tmp_path / "clean"
    out.mkdir()
    clean.mkdir()
    for focus, folder in (("genex", out), ("cellco", clean)):
        result = finished(atmpkg(*export_args(store, "csv", folder / "x", focus)))
        assert result.returncode == 0, result.stderr
    old = {n: (out / n).read_bytes() for n in ("x-nodes.csv", "x-edges.csv")}
    new = {n: (clean / n).read_bytes() for n in ("x-nodes.csv", "x-edges.csv")}
    assert old != new
    child = Child(tmp_path, out, stop, *export_args(store, "csv", out / "x", "cellco"))
    assert child.paused()
    child.kill()
    result = finished(atmpkg(*export_args(store, "ttl", out / "other.ttl")))
    assert result.returncode == 0, result.stderr
    now = {n: (out / n).read_bytes() for n in ("x-nodes.csv", "x-edges.csv")}
    assert now == (old if pair == "old" else new), child.where
    assert sorted(p.name for p in out.iterdir()) == ["other.ttl", "x-edges.csv", "x-nodes.csv"]


# --- an older store's layout -------------------------------------------------------------------


def test_a_file_in_an_older_stores_imports_folder_is_kept_by_the_next_build(template, tmp_path):
    store = copy_of(template, tmp_path / "store")
    (store / "imports").mkdir()  # as the old layout kept imports, outside the builds
    shutil.copyfile(DELTACEL, store / "imports" / "deltacel.ttl")
    build(store, data_dir=FIXTURE)
    assert holds(store, DELTACEL_TYPED)
    assert (store / "imports").is_symlink() and recorded(store) == ["deltacel.ttl"]
    assert (current_build(store) / "imports" / "deltacel.ttl").read_bytes() == DELTACEL.read_bytes()


# --- mutated inputs ------------------------------------------------------------------------------

JUNK = st.sampled_from(
    [
        b'"',
        b"<",
        b">",
        b"\\",
        b",",
        b"|",
        b"0",
        b"\x00",
        b"\xff",
        b"\xef\xbb\xbf",
        b"\r\n",
        b"\r",
        b" ",
    ]
)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """``original`` with one to three byte flips, truncations or insertions of junk."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.one_of(JUNK, st.binary(min_size=1, max_size=6)))
    return bytes(data)


#: deltacel.ttl and typed literals, two of which the engine stores in canonical form.
TURTLE = (
    DELTACEL.read_bytes()
    + (
        f'<{ID}therapy/genex> <{ATMP}codeName> "GX-1" ;\n'
        f'  <urn:example:price> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> ;\n'
        f'  <urn:example:count> "5"^^<http://www.w3.org/2001/XMLSchema#int> ;\n'
        f'  <urn:example:day> "2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    ).encode()
)
DEALS = (
    b"slug,acquirer,target,deal_type,date,value_usd,upfront_usd,value_original,source,note\n"
    b"othercorp-betacel-2024,othercorp,therapy/betacel,licensing,2024-05,750000000,,,src-news,"
    b"a note\n"
)


def state(store: Path) -> tuple[str, bytes]:
    """The current build and everything it holds."""
    build_dir = current_build(store)
    dump = ox.Store.read_only(str(build_dir / "oxigraph")).dump(format=ox.RdfFormat.N_QUADS)
    return build_dir.name, dump


def stored(store: Path) -> ox.Store:
    return ox.Store.read_only(str(current_build(store) / "oxigraph"))


@pytest.fixture(scope="module")
def fuzzed_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("fuzz") / "store"
    build(store, data_dir=FIXTURE)
    return store


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def import_or_refuse(store: Path, path: Path):
    """Import ``path``: the report, or None when a library error refused it and left the store
    exactly as it was (any other exception fails the test)."""
    before = state(store)
    try:
        return import_files([path], store, shacl=False)
    except AtmpkgError as exc:
        assert str(exc)
        assert state(store) == before
        return None


@FUZZ
@given(content=mutated(TURTLE))
@example(content=TURTLE)
@example(content=b"\xef\xbb\xbf" + TURTLE)
def test_a_mutated_turtle_file_is_imported_as_reported_or_refused(fuzzed_store, tmp_path, content):
    path = tmp_path / "mine.ttl"
    path.write_bytes(content)
    report = import_or_refuse(fuzzed_store, path)
    if report is not None:  # every literal is stored as written, or counted as normalised
        engine = stored(fuzzed_store)
        text = content.removeprefix(b"\xef\xbb\xbf")
        literals = [q.object for q in ox.parse(text, format=ox.RdfFormat.TURTLE)]
        changed = [o for o in literals if isinstance(o, ox.Literal) and not kept(engine, o)]
        assert report.normalised == len(changed)


def kept(engine: ox.Store, literal: ox.Literal) -> bool:
    """Whether the store holds ``literal`` as it is written (a lookup finds its canonical form)."""
    return literal in {q.object for q in engine.quads_for_pattern(None, None, literal)}


@FUZZ
@given(content=mutated(DEALS))
@example(content=DEALS)
@example(content=b"\xef\xbb\xbf" + DEALS)
@example(content=DEALS.replace(b",750000000,", b",0750000000,"))
@example(content=DEALS.replace(b",a note", b',"a note "'))
@example(content=DEALS.replace(b",a note", b',"a\r\nnote"'))
@example(content=DEALS + b" ")  # a line of white space is a blank line
def test_a_mutated_csv_file_is_imported_exactly_as_written_or_refused(
    fuzzed_store, tmp_path, content
):
    path = tmp_path / "deals.csv"
    path.write_bytes(content)
    report = import_or_refuse(fuzzed_store, path)
    if report is not None:  # the cells are stored exactly as written
        engine = stored(fuzzed_store)
        text = content.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        lines = csv.reader(io.StringIO(text, newline=""))
        rows = [r for r in lines if any(c.strip() for c in r)][1:]  # blank: white space only
        for slug, *_, value, _upfront, _original, _source, note in rows:
            deal = ox.NamedNode(f"{ID}deal/{slug}")
            values = [
                q.object.value
                for q in engine.quads_for_pattern(deal, ox.NamedNode(ATMP + "valueUSD"), None)
            ]
            notes = [q.object.value for q in engine.quads_for_pattern(deal, RDFS_COMMENT, None)]
            assert values == ([value] if value else [])
            assert notes == ([note] if note else [])

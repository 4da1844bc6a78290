"""Compile ``graph/data`` + ``ontology/`` (+ imported files) into an Oxigraph store, atomically.

A build parses every input, loads it into a new store in a temporary folder, materialises the
inferences of ``queries/rules``, validates (SHACL shapes and the zero-row checks of
``queries/checks``) and only then swaps the new store in. On any error the temporary folder is
removed and the previous store is untouched.

A build or import holds the store's lock from reading the earlier imports to the swap, and keeps
the files it imported in the new build's folder, so the swap records them in the same rename: two
imports at once both end up in the store, and a process killed at any point leaves each import in
the store's data and in its ``imports/`` together, or in neither (see :mod:`atmpkg.graph.store.folder`).

>>> import tempfile
>>> report = build(tempfile.mkdtemp())
>>> report.counts["atmp:Therapy"] > 40
True
"""

from __future__ import annotations

import datetime
import functools
import io
import itertools
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from ... import queries
from ..engine.sandbox import confinement
from ..errors import (
    AtmpkgError,
    DataError,
    DataErrors,
    EndpointTimeoutError,
    ParameterError,
    StoreError,
    UnknownNameError,
    ValidationError,
    Violation,
    WrongEndpointError,
    counted,
    described,
    positive_seconds,
    suggest,
    whole_number,
)
from ..progress import Progress
from ..rdf import TYPE, ontology_quads
from ..terms import ATMP, DCT, ID, OWL, PREFIXES, shorten
from ..version import data_commit
from . import folder as stores
from .csvdata import (
    FAMILIES,
    Compiled,
    RdfFile,
    check_before_parsing,
    compile_inputs,
    defined_and_used,
    line_using,
    rdf_input,
    rdf_syntax_error,
)
from .remote import (
    BATCH_SIZE,
    DEFAULT_GRAPH,
    PushReport,
    RemoteStore,
    check_graph,
    check_url,
    first_write,
    http_request,
    info_graph,
    open_remote,
)
from .validate import SHACL_MAX_TRIPLES, blame, validate_store

log = logging.getLogger("atmpkg")

RDF_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".rdf", ".rdfxml", ".owl", ".xml", ".jsonld", ".n3")


@dataclass
class BuildReport:
    """What a build produced: where, from which inputs, and how many of each class."""

    store: Path
    build_dir: Path | None
    triples: int
    counts: dict[str, int]
    inputs: list[str]
    seconds: float
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    #: Literals of the inputs that the engine stores in canonical form (``warnings`` says where).
    normalised: int = 0


def _data_folder(data_dir: Path | None) -> Path:
    """The folder a build reads its CSV files from: ``data_dir``, or the packaged data."""
    if data_dir is None:
        return Path(str(resources.files("atmpkg.graph").joinpath("data")))
    return Path(data_dir)


def _data_files(data_dir: Path | None) -> list[tuple[Path, str]]:
    folder = _data_folder(data_dir)
    prefix = "graph/data" if data_dir is None else str(data_dir)
    if not folder.is_dir():
        raise StoreError(f"data folder {folder} does not exist")
    files = [(p, f"{prefix}/{p.name}") for p in sorted(folder.glob("*.csv"))]
    if not files:
        # A mistyped folder would build a graph of the ontology alone, and replace the store's
        raise StoreError(
            f"data folder {folder} holds no CSV file; give the folder of the data files "
            f"({', '.join(name + '.csv' for name in list(FAMILIES)[:3])}, … as in graph/data)"
        )
    return files


def split_inputs(files: Sequence[str | os.PathLike[str]]) -> tuple[list, list]:
    """Sort input files into CSV and RDF ones, each as ``(path, name to show in errors)``;
    anything else is refused with what to do.

    >>> split_inputs(["my-notes.ttl"])
    ([], [(PosixPath('my-notes.ttl'), 'my-notes.ttl')])
    """
    return _split([(Path(file), str(file)) for file in files])


def _split(inputs: Sequence[tuple[Path, str]]) -> tuple[list, list]:
    csv_files, rdf_files = [], []
    given: dict[tuple[int, int], str] = {}  # each file (device, inode) with its name as given
    for path, display in inputs:
        try:
            status = path.stat()
            mode = status.st_mode
        except (FileNotFoundError, NotADirectoryError):
            raise DataError(display, None, None, "no such file") from None
        except OSError as exc:  # a name the file system refuses, such as one too long
            raise DataError(display, None, None, f"cannot be read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(mode):
            raise DataError(
                display, None, None, "is a folder; give the files in it (a shell's folder/*.ttl)"
            )
        if not stat.S_ISREG(mode):
            # a pipe (a shell's <(…), /dev/stdin) is read once and says nothing of its format
            raise DataError(
                display, None, None, "is not a file but a pipe or a device; save it to a file first"
            )
        try:
            path.open("rb").close()
        except OSError as exc:  # a mode or an owner that keeps this user out
            raise DataError(display, None, None, f"cannot read the file: {exc.strerror}") from None
        # read twice, its every row or triple would be a duplicate of itself (newuser25 F21)
        file = (status.st_dev, status.st_ino)
        if file in given:
            also = "" if given[file] == display else f" (first as {given[file]})"
            raise DataError(display, None, None, f"is given twice{also}; give each file once")
        given[file] = display
        if path.suffix.lower() == ".csv":
            csv_files.append((path, display))
        elif path.suffix.lower() in RDF_SUFFIXES:
            rdf_files.append((path, display))
        else:
            raise DataError(display, None, None, _unknown_type(path, display))
    return csv_files, rdf_files


#: Workbooks, which an analyst may give as they keep their rows (newuser24 F2).
_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")


def _unknown_type(path: Path, display: str) -> str:
    """What to do with ``path``, whose extension is neither CSV's nor RDF's.

    >>> _unknown_type(Path("deals.xlsx"), "deals.xlsx")
    "a workbook is not read; save the sheet as CSV in a data family's layout (in the spreadsheet: 'CSV UTF-8'), e.g. as deals.csv, and give that"
    """
    suffix = path.suffix.lower()
    if suffix in _WORKBOOKS:
        return (
            "a workbook is not read; save the sheet as CSV in a data family's layout (in the "
            f"spreadsheet: 'CSV UTF-8'), e.g. as {path.stem}.csv, and give that"
        )
    if suffix == ".gz":
        return (
            f"the file is gzip-compressed; decompress it first (gunzip {display}) and give the "
            "file it holds"
        )
    if suffix == ".zip":
        return "the file is a zip archive; unzip it and give the .csv or RDF files it holds"
    return (
        "unknown file type; give a .csv in a data family's layout or RDF (.ttl, .nt, .nq, .trig, "
        ".rdf, .rdfxml, .owl, .jsonld)"
    )


def newest_source(store: ox.Store, among: Collection[str] | None = None) -> str | None:
    """The issue date of the newest source document the graph of ``store`` cites (``YYYY``,
    ``YYYY-MM`` or ``YYYY-MM-DD``), of the sources ``among`` when given (the IRIs of those the
    curated data defines), or None where no source is dated: the build records it (``data_as_of``
    in ``build.json``), since reading every source takes a quarter of a second at a million
    triples, and it changes only with a build.

    >>> newest_source(open_store().store)[:2]
    '20'
    >>> newest_source(open_store().store, among=set()) is None
    True
    """
    if among is not None:
        # dates of one precision compare as text; a shorter one stands for the start of its period
        issued = ox.NamedNode(ATMP + "issuedStated")
        dates = store.quads_for_pattern(None, issued, None)
        return max((q.object.value for q in dates if q.subject.value in among), default=None)
    newest = next(
        iter(
            store.query(
                # an undated source adds "", which sorts first: MAX over an unbound one would fail
                'SELECT (MAX(COALESCE(STR(?issued), "")) AS ?newest) '
                "WHERE { ?s a atmp:Source OPTIONAL { ?s atmp:issuedStated ?issued } }",
                prefixes=PREFIXES,
            )
        )
    )["newest"]
    return newest.value if newest is not None and newest.value else None


def count_classes(store: ox.Store) -> dict[str, int]:
    """Instances per class (prefixed class name -> count), largest first.

    >>> count_classes(open_store().store)["atmp:RegulatoryAgency"]
    11
    """
    answer = store.query(
        # A triple is stored once, so COUNT(?s) counts distinct instances without keeping them
        # all in memory; HAVING tests each class once where a FILTER would read the class of
        # every typed node.
        "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c "
        "HAVING(STRSTARTS(STR(?c), STR(atmp:))) ORDER BY DESC(?n) ?c",
        prefixes=PREFIXES,
    )
    return {shorten(row["c"].value): int(row["n"].value) for row in answer}


#: Oxigraph's bulk loader parses on the calling thread and hands each batch of a million triples to
#: another thread to index, holding up to one batch per core besides the one it parses: a file of a
#: million triples keeps one core busy, and ten million take 1.7-2.0 GB. A file with one triple per
#: line and no blank nodes (whose labels hold only within one load) is instead cut at line ends
#: into parts of at most _PART_BYTES (about a batch or less: 100 to 200 bytes a triple), at least
#: one per core, and one part per core is loaded at a time: every core parses and indexes, and
#: memory holds about one batch per core (1.5 GB at ten million). Files under _SPLIT_FROM bytes
#: load in milliseconds and are left whole. Parts are cut by size, not by triples, so that the
#: load can start before the file has been checked and counted.
_PART_BYTES = 128 << 20
_SPLIT_FROM = 1 << 20
_LINE_FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


class _Stopped(Exception):
    """The load was called off: the check running beside it found the inputs wrong."""


class _FileRange(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, as a readable stream that ends the load it feeds
    (with :class:`_Stopped`) once ``stop`` is set."""

    def __init__(self, path: Path, start: int, end: int, stop: threading.Event):
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed with the stream
        self._file.seek(start)
        self._left = end - start
        self._stop = stop

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        if self._stop.is_set():
            raise _Stopped
        size = min(len(buffer), self._left)
        read = self._file.readinto(memoryview(buffer)[:size]) if size > 0 else 0
        self._left -= read
        return read

    def close(self) -> None:
        self._file.close()
        super().close()


def _parts(rdf_file: RdfFile) -> list[tuple[int, int]]:
    """Byte ranges of ``rdf_file`` to load as separate parts (see _PART_BYTES)."""
    size, start = rdf_file.path.stat().st_size, rdf_file.start
    count = max(os.cpu_count() or 1, -(-(size - start) // _PART_BYTES))
    if rdf_file.format not in _LINE_FORMATS or size - start < _SPLIT_FROM or count == 1:
        return [(start, size)]
    with open(rdf_file.path, "rb") as fh:
        previous = b""
        # A false alarm ("_:" inside an IRI or a literal) only means the file is loaded whole.
        while chunk := fh.read(1 << 24):
            if b"_:" in chunk or (previous.endswith(b"_") and chunk.startswith(b":")):
                return [(start, size)]
            previous = chunk
        cuts = [start]
        for part in range(1, count):
            fh.seek(size * part // count)
            fh.readline()
            cuts.append(max(fh.tell(), cuts[-1]))
    ends = [*cuts[1:], size]
    return [(start, end) for start, end in zip(cuts, ends, strict=True) if end > start]


def _bulk_load(store: ox.Store, rdf_file: RdfFile, stop: threading.Event) -> None:
    # The file is checked strictly beside the load (compile_inputs); the engine need not validate it
    # a second time: lenient parsing reads the same triples, faster.
    def load(part: tuple[int, int]) -> None:
        with io.BufferedReader(_FileRange(rdf_file.path, *part, stop), 1 << 20) as stream:
            store.bulk_load(stream, format=rdf_file.format, lenient=True)

    parts = _parts(rdf_file)
    if len(parts) > 1:
        log.info("loading %s in %d parts", rdf_file.display, len(parts))
    try:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(load, parts))
    except SyntaxError as exc:  # the file was changed after it was checked
        raise rdf_syntax_error(rdf_file.display, exc) from None


def _load_rdf(
    store: ox.Store, rdf_files: Sequence[RdfFile], stop: threading.Event, bar: Progress
) -> None:
    for rdf_file in rdf_files:
        _bulk_load(store, rdf_file, stop)
        bar.advance()


def _load_in_memory(store: ox.Store, rdf_files: Sequence[RdfFile], stop: threading.Event) -> None:
    """Load the RDF files into the in-memory ``store``, each in one piece: for a store in memory
    the engine's plain load costs less time and memory than its bulk loader, and the store on disk
    is loading on the other core meanwhile."""
    for rdf_file in rdf_files:
        size = rdf_file.path.stat().st_size
        with io.BufferedReader(
            _FileRange(rdf_file.path, rdf_file.start, size, stop), 1 << 20
        ) as stream:
            try:
                store.load(stream, format=rdf_file.format, lenient=True)
            except SyntaxError as exc:  # the file was changed after it was checked
                raise rdf_syntax_error(rdf_file.display, exc) from None


#: RDF inputs up to this many bytes of N-Triples or N-Quads (about a million and a half triples)
#: are also loaded into an in-memory store, where the rules and the checks run: the engine looks a
#: triple up there several times faster than on disk (the rules of a million-triple build take
#: about 3 core-seconds there against 8 on disk). Above it the copy would cost more memory than the
#: build may take (about 0.45 GB a million triples), and the rules and checks run on the store on
#: disk.
_IN_MEMORY_MAX_BYTES = 256 << 20
#: A byte of the other formats counts as this many of N-Triples: Turtle's lists and prefixes write
#: a triple in as little as 8 bytes, where an N-Triples line takes about 170.
_COMPACT_FORMAT_WEIGHT = 16


@dataclass
class _Loaded:
    """The stores of a build once the rules ran: ``disk`` (None in a dry run that needs none),
    ``facts`` to check and count (in memory, or ``disk`` itself), and the facts the rules derived
    in memory that ``disk`` does not hold yet, as N-Triples."""

    disk: ox.Store | None
    facts: ox.Store
    compiled: Compiled
    derived: bytes = b""


def _new_store(
    path: Path,
    rdf_inputs: Sequence[tuple[Path, str]],
    compile_: Callable[[], Compiled],
    *,
    keep: bool = True,
    before_rules: Callable[[ox.Store], None] = lambda store: None,
) -> _Loaded:
    """A store at ``path`` with the RDF inputs and the quads ``compile_`` makes loaded, and the
    rules' facts derived (see :class:`_Loaded`); with what ``compile_`` made of the inputs.
    Without ``keep`` (a dry run) the store on disk is made only when the inputs are too large to
    be held in memory. ``before_rules`` is given the loaded store before the rules run, to refuse
    inputs that would keep them running for minutes.

    The RDF files are loaded on other threads while ``compile_`` checks them on this one: at a
    million triples the check takes about 2.5 s of the 6 s the two took one after the other. When
    the check fails, the load is called off and the check's error raised; the caller removes the
    half-loaded store.
    """
    started = time.monotonic()
    rdf_files = [rdf_input(file, display) for file, display in rdf_inputs]
    for rdf_file in rdf_files:
        check_before_parsing(rdf_file)  # once, before the load and compile_'s scan parse it
    lines = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
    size = sum(
        (rdf_file.path.stat().st_size - rdf_file.start)
        * (1 if rdf_file.format in lines else _COMPACT_FORMAT_WEIGHT)
        for rdf_file in rdf_files
    )
    memory = ox.Store() if size <= _IN_MEMORY_MAX_BYTES else None
    path.mkdir()
    disk = ox.Store(str(path)) if keep or memory is None else None
    targets = [store for store in (disk, memory) if store is not None]
    stop = threading.Event()
    with (
        Progress("Loading", len(rdf_files) + 1, "inputs") as bar,
        ThreadPoolExecutor(max_workers=len(targets)) as loader,
    ):
        loading = [
            loader.submit(_load_rdf, store, rdf_files, stop, bar)
            if store is disk
            else loader.submit(_load_in_memory, store, rdf_files, stop)
            for store in targets
        ]
        try:
            compiled = compile_()
            for load in loading:
                load.result()
        except BaseException:
            stop.set()
            raise
        stated = {id(store): _prepare(store, compiled) for store in targets}
        before_rules(targets[-1])
        bar.advance()
    stores.release_memory()
    log.info("loaded the inputs in %.1f s", time.monotonic() - started)
    started = time.monotonic()
    loaded = _Loaded(disk, targets[-1], compiled)
    if memory is not None and disk is not None:
        derived = _derive_in_memory(memory)
        if derived is None:
            # a derived fact about a blank node: its label means another node once loaded, so
            # the rules run on the store on disk after all, and the copy in memory is dropped
            loaded.facts = disk
            derive(disk)
        else:
            loaded.derived = derived
    else:
        derive(loaded.facts)
    # of the store the rules ran on: blank nodes are labelled apart in each
    overridden = stated[id(loaded.facts)]
    compiled.overridden = [q.triple for q in overridden if q not in loaded.facts]
    if loaded.facts is disk:
        # Writes the inferences to disk now, releasing the memory they take before the checks.
        disk.flush()
    stores.release_memory()
    log.info("materialised the inferences in %.1f s", time.monotonic() - started)
    return loaded


def _prepare(store: ox.Store, compiled: Compiled) -> list[ox.Quad]:
    """Give ``store``, which holds the RDF inputs, what the build adds to them before the rules
    run, and return the triples of derived properties the RDF inputs state."""
    if any(rdf_file.graphs for rdf_file in compiled.rdf_files):
        _merge_named_graphs(store)
    # The rules derive these from the facts: a stated value would stand beside the derived
    # one (two approval counts), so what the inputs state of them is left out, and what the
    # rules do not derive again is named (an export read back states what they derive)
    derived = sorted({p for f in compiled.rdf_files for p in f.derived})
    stated = [q for p in derived for q in store.quads_for_pattern(None, ox.NamedNode(p), None)]
    for name in derived:
        store.update(f"DELETE WHERE {{ ?s {ox.NamedNode(name)} ?o }}")
    # A link stated by its derived inverse (Big Pharma atmp:hasSubsidiary CellCo) is a fact
    # all the same: it is kept as the link the rules read (CellCo atmp:subsidiaryOf Big Pharma)
    if stated:
        store.bulk_extend(_as_inverses(stated, compiled.quads, frozenset(derived)))
    store.bulk_extend(compiled.quads)
    return stated


def _as_inverses(
    quads: Sequence[ox.Quad], ontology: Sequence[ox.Quad], derived: frozenset[str]
) -> list[ox.Quad]:
    """Each of ``quads`` whose property the ``ontology`` declares the inverse of a property
    that is not ``derived``, as a quad of that property, the other way round.

    >>> a, b, o = ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode(OWL + "inverseOf")
    >>> has, of = ox.NamedNode("urn:has"), ox.NamedNode("urn:of")
    >>> _as_inverses([ox.Quad(a, has, b)], [ox.Quad(has, o, of)], frozenset({"urn:has"}))
    [<Quad subject=<NamedNode value=urn:b> predicate=<NamedNode value=urn:of> object=<NamedNode value=urn:a> graph_name=<DefaultGraph>>]
    """
    inverse: dict[str, ox.NamedNode] = {}
    for q in ontology:
        if q.predicate.value == OWL + "inverseOf" and isinstance(q.object, ox.NamedNode):
            inverse[q.subject.value] = q.object
            inverse[q.object.value] = q.subject
    return [
        ox.Quad(q.object, inverse[q.predicate.value], q.subject)
        for q in quads
        if q.predicate.value in inverse
        and inverse[q.predicate.value].value not in derived
        and isinstance(q.object, ox.NamedNode | ox.BlankNode)
    ]


def _merge_named_graphs(store: ox.Store) -> None:
    """Put the facts of every named graph of ``store`` in its default graph, where every query and
    rule reads (an ``nq`` or ``trig`` export keeps each record's ``dct:source`` inside the graph
    named after it, so nothing of its provenance is lost)."""
    graphs = list(store.named_graphs())
    named = (
        ox.Quad(q.subject, q.predicate, q.object)
        for graph in graphs
        for q in store.quads_for_pattern(None, None, None, graph)
    )
    # In slices: each bulk_extend writes files of its own (one per graph took seconds), and the
    # whole list of a big file would not fit in memory.
    while chunk := list(itertools.islice(named, 100_000)):
        store.bulk_extend(chunk)
    for graph in graphs:
        store.remove_graph(graph)


def derive(store: ox.Store, rules: Sequence[tuple[str, str]] | None = None) -> None:
    """Add to ``store`` the facts the rules (default: ``queries/rules``) derive.

    Each rule is its own update, and so its own transaction: at ten million triples that is about
    twice as fast as one transaction that keeps growing. The rules run side by side, one per core
    (pyoxigraph lets go of the GIL while it evaluates), each once the rules it reads the facts of
    are done (:func:`atmpkg.queries.rule_prerequisites`); of the rules ready to run, the one that
    most others wait for goes first, so that the chain of first approvals starts early. At a
    million triples that takes the rules from 7.0 s to about 4.3 s on two cores.

    >>> store = ox.Store()
    >>> derive(store, [("01-a", "INSERT DATA { <urn:a> <urn:p> 1 }"),
    ...                ("02-b", "INSERT { ?s <urn:q> 2 } WHERE { ?s <urn:p> 1 }")])
    >>> len(store)
    2
    """
    rules = list(queries.rules() if rules is None else rules)
    _run_rules(rules, functools.partial(_apply_rule, store))


class _BlankNodeFacts(Exception):
    """A rule derived a fact about a blank node, which N-Triples cannot carry to another store."""


def _derive_in_memory(
    store: ox.Store, rules: Sequence[tuple[str, str]] | None = None
) -> bytes | None:
    """Add to the in-memory ``store`` the facts the rules (default: ``queries/rules``) derive, as
    :func:`derive` does, and return them as N-Triples for the store on disk; None, with part of
    the facts added, when a rule derives a fact about a blank node (whose label would name a new
    node in another store).

    Each rule ``INSERT { template } WHERE { pattern }`` is evaluated as ``CONSTRUCT { template }
    WHERE { pattern }``, which gives the same facts, and the engine writes them as N-Triples
    itself: as Python objects they would cost more than evaluating the rule.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal(1)))
    >>> _derive_in_memory(store, [("01-b", "INSERT { ?s <urn:q> 2 } WHERE { ?s <urn:p> 1 }")])
    b'<urn:a> <urn:q> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n'
    >>> len(store)
    2
    """
    rules = [
        (name, _as_construct(name, text))
        for name, text in (queries.rules() if rules is None else rules)
    ]
    written: list[bytes] = []

    def apply(name: str, text: str) -> None:
        try:
            facts = store.query(text, prefixes=PREFIXES).serialize(format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise StoreError(
                f"inference rule queries/rules/{name}.ru does not parse: {exc}"
            ) from None
        if b"_:" in facts:  # in a literal too: the rules then run as updates, as on disk
            raise _BlankNodeFacts
        store.load(facts, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        written.append(facts)

    try:
        _run_rules(rules, apply)
    except _BlankNodeFacts:
        return None
    return b"".join(written)


#: The keyword that opens a rule, after its comments (and any PREFIX or BASE declarations).
_INSERT = re.compile(
    r"((?:\s+|#[^\n]*|PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*)INSERT(?=\s*\{)", re.IGNORECASE
)


def _as_construct(name: str, text: str) -> str:
    """The rule ``name``'s ``INSERT { … } WHERE { … }`` as the CONSTRUCT query of the same facts.

    >>> _as_construct("01-a", "# after: -\\nINSERT { ?s <urn:q> 2 } WHERE { ?s <urn:p> 1 }")
    '# after: -\\nCONSTRUCT { ?s <urn:q> 2 } WHERE { ?s <urn:p> 1 }'
    >>> _as_construct("01-a", "INSERT DATA { <urn:a> <urn:p> 1 }")
    Traceback (most recent call last):
    atmpkg.graph.errors.StoreError: inference rule queries/rules/01-a.ru must be one INSERT { … } WHERE { … }, which the build evaluates as a CONSTRUCT of the same facts
    """
    found = _INSERT.match(text)
    if found is None:
        raise StoreError(
            f"inference rule queries/rules/{name}.ru must be one INSERT {{ … }} WHERE {{ … }}, "
            "which the build evaluates as a CONSTRUCT of the same facts"
        )
    return found.group(1) + "CONSTRUCT" + text[found.end() :]


def _run_rules(rules: Sequence[tuple[str, str]], apply: Callable[[str, str], None]) -> None:
    """Call ``apply(name, text)`` for each rule, side by side, each once the rules it reads the
    facts of are done (see :func:`derive`)."""
    texts = dict(rules)
    after = queries.rule_prerequisites(rules)
    waited_for = dict.fromkeys(texts, 0)
    for name in texts:
        for prerequisite in _all_before(name, after):
            waited_for[prerequisite] += 1
    workers = max(1, min(os.cpu_count() or 1, len(texts)))
    done: set[str] = set()
    running: dict[Future[None], str] = {}
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        Progress("Deriving facts", len(texts), "rules") as bar,
    ):
        while len(done) < len(texts):
            ready = [
                name
                for name in texts
                if name not in done and name not in running.values() and after[name] <= done
            ]
            ready.sort(key=lambda name: -waited_for[name])  # stable: file order among equals
            for name in ready[: workers - len(running)]:
                running[pool.submit(apply, name, texts[name])] = name
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                done.add(running.pop(future))
                future.result()
                bar.advance()


def _all_before(name: str, after: Mapping[str, frozenset[str]]) -> set[str]:
    """The rules ``name`` waits for, directly or through others."""
    found: set[str] = set()
    todo = list(after[name])
    while todo:
        rule = todo.pop()
        if rule not in found:
            found.add(rule)
            todo.extend(after[rule])
    return found


def _apply_rule(store: ox.Store, name: str, text: str) -> None:
    try:
        store.update(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise StoreError(f"inference rule queries/rules/{name}.ru does not parse: {exc}") from None


def _finish(store: ox.Store | None, derived: bytes) -> None:
    """Add the ``derived`` facts (N-Triples) to the build's ``store`` on disk in one bulk load,
    and compact it.

    The bulk loads and the rules leave each index in several overlapping files; merged into one,
    each lookup reads one file, and the reports that join every approval run about 1.5 times as
    fast on disk (bench/bench_scale.py)."""
    if store is None:
        return
    if derived:
        store.bulk_load(derived, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    store.optimize()


def _count(
    store: ox.Store, curated: Collection[str]
) -> tuple[dict[str, int], int, str | None, str | None]:
    """The counts of ``store``'s classes and triples, the issue date of the newest source the
    ``curated`` data defines (the data's as-of day) and that of the newest source of all."""
    return count_classes(store), len(store), newest_source(store, curated), newest_source(store)


def _write_locations(path: Path, locations: dict[str, str]) -> None:
    # In the order of the inputs: sorting would cost three times as long as writing. json.dumps,
    # not json.dump: only the former encodes in C (0.4 s against 0.05 s for 50,000 subjects).
    path.write_text(json.dumps(locations), encoding="utf-8")


#: The most reviews x approvals of one product by one agency the build takes: the rule
#: queries/rules/33-decided-by.ru compares each review with each approval of its product by its
#: agency, about 15 microseconds a pair (a second at 100,000 pairs, a minute at 4,000,000), and no
#: SPARQL rule finds the earliest approval after a day without doing so. A product has at most a
#: few of either by one agency (the curated data: 3 reviews, 6 approvals).
REVIEW_APPROVAL_PAIRS_MAX = 10_000

_REVIEWS_AND_APPROVALS = """
SELECT ?therapy ?agency ?reviews ?approvals
WHERE {
  {
    SELECT ?therapy ?agency (COUNT(DISTINCT ?review) AS ?reviews)
    WHERE { ?review a atmp:RegulatoryReview ; atmp:product ?therapy ; atmp:agency ?agency }
    GROUP BY ?therapy ?agency
  }
  {
    SELECT ?therapy ?agency (COUNT(DISTINCT ?approval) AS ?approvals)
    WHERE { ?approval a atmp:Approval ; atmp:product ?therapy ; atmp:agency ?agency }
    GROUP BY ?therapy ?agency
  }
  FILTER(?reviews * ?approvals > %d)
}
ORDER BY DESC(?reviews * ?approvals) ?therapy ?agency
LIMIT 1
"""


def _check_review_pairs(store: ox.Store, locations: Mapping[str, str]) -> None:
    """A :class:`DataError` at the file holding most of them when a product's reviews by one
    agency times its approvals by that agency exceed :data:`REVIEW_APPROVAL_PAIRS_MAX`.

    >>> _check_review_pairs(ox.Store(), {})
    """
    found = list(store.query(_REVIEWS_AND_APPROVALS % REVIEW_APPROVAL_PAIRS_MAX, prefixes=PREFIXES))
    if not found:
        return
    therapy, agency, reviews, approvals = found[0]
    kinds = f"{ox.NamedNode(ATMP + 'RegulatoryReview')} {ox.NamedNode(ATMP + 'Approval')}"
    subjects = store.query(
        f"SELECT ?entity WHERE {{ VALUES ?kind {{ {kinds} }} "
        f"?entity a ?kind ; atmp:product {therapy} ; atmp:agency {agency} }}",
        prefixes=PREFIXES,
    )
    places = [locations.get(row[0].value, "") for row in subjects]
    files = [place.rpartition(":")[0] if place[-1:].isdigit() else place for place in places]
    file = max(sorted(set(files)), key=files.count)
    lines = [int(place.rpartition(":")[2]) for place in places if place.startswith(file + ":")]
    pairs = int(reviews.value) * int(approvals.value)
    raise DataError(
        file or "the inputs",
        min(lines, default=None),
        None,
        f"{shorten(therapy.value)} has {counted(int(reviews.value), 'review')} and "
        f"{counted(int(approvals.value), 'approval')} by {shorten(agency.value)}, "
        f"{pairs:,} pairs for the rule queries/rules/33-decided-by.ru to compare (each review "
        "with each approval, to find the one that decided it), over the build's limit of "
        f"{REVIEW_APPROVAL_PAIRS_MAX:,} for one product and agency; a product has a few of "
        "either by one agency: look for rows repeated under new slugs or dates, and leave them out",
    )


class _StoredLocations(Mapping[str, str]):
    """A build's ``locations.json``, read only when something is looked up in it: the table can
    be large (a million entries for ten million input triples), and usually nothing is."""

    def __init__(self, path: Path):
        self._path = path

    @functools.cached_property
    def _table(self) -> dict[str, str]:
        try:
            table = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            table = None
        if isinstance(table, dict) and all(isinstance(at, str) for at in table.values()):
            return table
        # edited by hand or damaged: the violations are still told, by their subjects (sec31 F3)
        told = "each violation is told by its subject, not its file and line"
        _left_out(self._path, "input lines", told)
        return {}

    def __getitem__(self, key: str) -> str:
        return self._table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def build(
    store: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    extra_files: Sequence[str | os.PathLike[str]] = (),
    dry_run: bool = False,
    shacl: bool | None = None,
) -> BuildReport:
    """Build the store at ``store`` (default: the per-user store) from the curated data.

    ``data_dir`` replaces the packaged ``graph/data`` (tests use small hand-written folders);
    ``extra_files`` are added on top for this build only (CSV in a family's layout, or RDF); files
    imported earlier with :func:`import_files` are always included. With ``dry_run`` everything is
    checked but the store is left as it was. ``shacl`` runs the SHACL shapes (``True``), skips them
    (``False``), or by default runs them when at most
    :data:`~atmpkg.graph.store.validate.SHACL_MAX_TRIPLES` triples are loaded and otherwise says in
    ``warnings`` that they were skipped; the zero-row checks always run. ``warnings`` also says how
    many literals of which input the engine stores in canonical form (``normalised`` counts them).
    Raises :class:`DataError` (file, line, column) for malformed input and :class:`ValidationError`
    listing every violation. What builds killed earlier left in the store is removed first; a first
    build that fails takes away the folders it made (:func:`~atmpkg.graph.store.folder.first_build`).

    >>> report = build("my-store")
    >>> report.counts["atmp:Therapy"], report.build_dir.parent
    (120, PosixPath('my-store/builds'))
    """
    _check_shacl(shacl)
    root = stores.resolve_path(store)
    with stores.first_build(root):
        previous = stores.current_build(root)
        was = stores.read_info(previous).get("data_dir") if previous else None
        report = _build(
            root, data_dir=data_dir, extra_files=extra_files, dry_run=dry_run, shacl=shacl
        )
        kept = sorted(stores.imported_files(root))
    if was is not None and data_dir is None:
        # the store's data changes source: a refresh of a team's folder would serve ours instead
        report.warnings.append(
            f"the store was built from the data folder {was}; this build is of the packaged data "
            f"(give --data-dir {was} to build from that folder again)"
        )
    edited = _edited_checkout() if data_dir is None else None
    if edited is not None:
        report.warnings.append(
            f"{edited} differs from the packaged data this build read (atmpkg is installed, not "
            f"run from this folder): give --data-dir {edited} to build your edits, or install "
            "with pip install -e ."
        )
    if kept:
        # a build keeps what was imported: say so, since a build is how one starts afresh
        report.warnings.append(
            f"the build keeps {counted(len(kept), 'earlier import')}: {', '.join(kept)}; "
            "'atmpkg import --remove NAME' (remove_imports) takes one out"
        )
    return report


def _edited_checkout() -> Path | None:
    """``graph/data`` in the current folder, when it is a copy of the data (a clone of the
    project) whose CSV files differ from the packaged ones that a build without ``data_dir``
    reads: edits there would be ignored without a word (newuser18 M1). None otherwise.

    >>> _edited_checkout() is None
    True
    """
    local = Path("graph") / "data"
    packaged = Path(str(resources.files("atmpkg.graph").joinpath("data")))
    if not (local / "approvals.csv").is_file() or local.resolve() == packaged.resolve():
        return None
    ours = {p.name: p for p in local.glob("*.csv")}
    theirs = {p.name: p for p in packaged.glob("*.csv")}
    same = ours.keys() == theirs.keys() and all(
        ours[name].read_bytes() == theirs[name].read_bytes() for name in ours
    )
    return None if same else local


def _check_shacl(shacl: object) -> None:
    """A :class:`ParameterError` unless ``shacl`` is True, False or None: read by its truth,
    ``"no"`` would run the shapes.

    >>> _check_shacl("no")
    Traceback (most recent call last):
    atmpkg.graph.errors.ParameterError: shacl must be True (run the SHACL shapes), False (skip them) or None (run them up to 100,000 loaded triples), got a str ('no')
    """
    if shacl is not None and not isinstance(shacl, bool):
        raise ParameterError(
            "shacl must be True (run the SHACL shapes), False (skip them) or None (run them up to "
            f"{SHACL_MAX_TRIPLES:,} loaded triples), got {described(shacl)}"
        )


def _keep_imports(
    folder: Path, earlier: Mapping[str, Path], new: Sequence[str | os.PathLike[str]], root: Path
) -> list[tuple[Path, str]]:
    """Put the earlier imports and the ``new`` files into the new build's ``folder`` and return
    them as inputs ``(path, name to show in errors)``. The build reads these copies, so it records
    exactly what it loaded, even if a file is changed while it runs."""
    if not earlier and not new:
        return []
    folder.mkdir()
    kept = []
    for name, path in earlier.items():
        target = folder / name
        try:
            os.link(path, target)  # an unchanged import costs no copy
        except OSError:
            shutil.copyfile(path, target)
        kept.append((target, str(root / "imports" / name)))
    for file in new:
        target = folder / Path(file).name
        shutil.copyfile(file, target)
        _fsync(target)
        kept.append((target, str(file)))
    return kept


def _as_earlier_imports(error: DataError, earlier: Mapping[str, str]) -> DataError:
    """``error`` with each of its problems in a store's earlier import (``earlier``: the copy's
    name in errors to the name it was imported as) told so, and how to take it out: the copy is
    the store's own, not a file to edit (rev25b F1).

    >>> print(_as_earlier_imports(DataError("/s/imports/a.ttl", 2, None, "bad"), {"/s/imports/a.ttl": "a.ttl"}))
    /s/imports/a.ttl:2: bad (in the earlier import a.ttl: 'atmpkg import --remove a.ttl' takes it out; import it again corrected)
    """
    errors = getattr(error, "errors", [error])
    if not any(e.file in earlier for e in errors):
        return error
    told = [
        DataError(
            e.file,
            e.line,
            e.column,
            f"{e.message} (in the earlier import {earlier[e.file]}: 'atmpkg import --remove "
            f"{earlier[e.file]}' takes it out; import it again corrected)",
            e.column_name,
        )
        if e.file in earlier
        else e
        for e in errors
    ]
    return told[0] if len(told) == 1 else DataErrors(told)


def _stating(
    overridden: Sequence[ox.Triple], rdf_files: Sequence[RdfFile]
) -> tuple[list[str], list[ox.Triple]]:
    """Which of ``rdf_files`` (each stating properties the build derives) state some of the
    ``overridden`` triples, the values the build left out, and which of those they state
    (joints27 F7: every file stating a derived property was named, for a triple one of them
    held); a blank node is matched by its property and value, its label being the parser's.
    The files are read again only when some triple was left out.

    >>> _stating([], [])
    ([], [])
    """
    if not overridden:
        return [], []

    def key(t: ox.Triple | ox.Quad) -> tuple:
        return (t.subject if isinstance(t.subject, ox.NamedNode) else None, t.predicate, t.object)

    left_out = {key(t) for t in overridden}
    stating, stated = [], set()
    for rdf_file in rdf_files:
        derived = {ox.NamedNode(p) for p in rdf_file.derived}
        with open(rdf_file.path, "rb") as handle:
            handle.seek(rdf_file.start)
            found = {
                key(q)
                for q in ox.parse(handle, format=rdf_file.format)
                if q.predicate in derived and key(q) in left_out
            }
        if found:
            stating.append(rdf_file.display)
            stated |= found
    return stating, [t for t in overridden if key(t) in stated]


def _typed_in(root: Path) -> Callable[[Sequence[str]], set[str]]:
    """Which of some subjects the current build of the store at ``root`` types (none when it
    has no build): what a removal of imports may leave typed nowhere.

    >>> sorted(_typed_in(kg.root)(["https://w3id.org/atmp-kg/id/therapy/kymriah", "urn:x"]))
    ['https://w3id.org/atmp-kg/id/therapy/kymriah']
    """

    def typed(subjects: Sequence[str]) -> set[str]:
        current = stores.current_build(root)
        if current is None:
            return set()
        store = stores.open_build(root, current).store
        return {
            s for s in subjects if next(store.quads_for_pattern(ox.NamedNode(s), TYPE, None), None)
        }

    return typed


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _build(
    root: Path,
    *,
    data_dir: str | os.PathLike[str] | None,
    extra_files: Sequence[str | os.PathLike[str]] = (),
    new_imports: Sequence[str | os.PathLike[str]] = (),
    dropped_imports: Sequence[str] = (),
    dry_run: bool = False,
    shacl: bool | None = None,
    imports_of: Path | None = None,
) -> BuildReport:
    """:func:`build`, with the store's lock held by the caller; ``new_imports`` are recorded with
    the build (replacing earlier imports of the same name) unless it is a dry run, and the earlier
    imports named in ``dropped_imports`` are left out. A dry run
    reads the earlier imports of the store ``imports_of`` when given (``root`` is then a scratch
    folder)."""
    started = time.monotonic()
    removed = stores.clean_leftovers(root)
    if removed:
        log.info("removed what killed builds left: %s", ", ".join(removed))
    imports_root = imports_of or root
    earlier = stores.imported_files(imports_root)
    new_names = [Path(f).name for f in new_imports]
    replaced = [name for name in new_names if name in earlier]
    earlier = {
        name: path
        for name, path in earlier.items()
        if name not in new_names and name not in dropped_imports
    }
    # files the build this one replaces was given for itself alone, which this one lacks
    current = stores.current_build(root) if not dry_run else None
    held = stores.read_info(current).get("extra", []) if current is not None else []
    dropped = [name for name in held if name not in new_names]
    data = _data_files(Path(data_dir) if data_dir is not None else None)
    ontology = ontology_quads()
    builds = root / "builds"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = builds / f"{stores.TMP_PREFIX}{stamp}-{os.getpid()}"
    try:
        builds.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        if dry_run:
            imports = [
                (path, str(imports_root / "imports" / name)) for name, path in earlier.items()
            ]
            imports += [(Path(f), str(f)) for f in new_imports]
        else:
            imports = _keep_imports(tmp / "imports", earlier, new_imports, root)
        # the earlier imports come first, the new files after them: how each earlier one is
        # shown in errors, to the name it was imported as
        earlier_shown = {
            display: name for (_, display), name in zip(imports, earlier, strict=False)
        }
        csv_extra, rdf_extra = _split(imports + [(Path(f), str(f)) for f in extra_files])
        extra = len(csv_extra) + len(rdf_extra)
        log.info(
            "compiling %d data file%s and %d extra file%s",
            len(data),
            "" if len(data) == 1 else "s",
            extra,
            "" if extra == 1 else "s",
        )

        # the sources the curated data defines: the data's as-of day is the newest of them, so
        # that a source an import cites does not move it (newuser28 F2)
        curated_sources: set[str] = set()
        curated_files = {display for _, display in data}

        def compile_() -> Compiled:
            compiled = compile_inputs(
                data + csv_extra,
                rdf_extra,
                ontology,
                curated=len(data),
                accepted=earlier_shown,
                typed_before=_typed_in(root) if dropped_imports else None,
                removing=dropped_imports,
            )
            # Where each subject was written can be a large table (a million entries for ten
            # million input triples): it goes to disk, leaves memory, and is read back only
            # when a violation needs it.
            _write_locations(tmp / "locations.json", compiled.locations)
            (tmp / "columns.json").write_text(json.dumps(compiled.columns), encoding="utf-8")
            curated_sources.update(
                subject
                for subject, where in compiled.locations.items()
                if subject.startswith(ID + "source/") and where.rpartition(":")[0] in curated_files
            )
            compiled.locations = {}
            compiled.quads[:0] = ontology
            return compiled

        try:
            built = _new_store(
                tmp / "oxigraph",
                rdf_extra,
                compile_,
                keep=not dry_run,
                before_rules=functools.partial(
                    _check_review_pairs, locations=_StoredLocations(tmp / "locations.json")
                ),
            )
        except DataError as exc:
            raise _as_earlier_imports(exc, earlier_shown) from None
        compiled = built.compiled
        locations = _StoredLocations(tmp / "locations.json")
        loaded = sum(f.triples for f in compiled.rdf_files) + len(compiled.quads)
        shapes = shacl if shacl is not None else loaded <= SHACL_MAX_TRIPLES
        validating = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            # The counts read the whole store too: they run while the checks do, on a core
            # the checks leave free for part of the time.
            counting = pool.submit(_count, built.facts, curated_sources)
            # The store on disk takes the facts derived in memory, and is compacted, while the
            # checks read the facts (see _finish); a dry run keeps no store.
            compacting = None if dry_run else pool.submit(_finish, built.disk, built.derived)
            violations = validate_store(
                built.facts, locations, shacl=shapes, columns=compiled.columns
            )
            if violations:
                raise ValidationError(blame(violations, rdf_extra))
            counts, triples, newest, newest_cited = counting.result()
            if compacting is not None:
                compacting.result()
        log.info("validated %s triples in %.1f s", f"{triples:,}", time.monotonic() - validating)
        inputs = [display for _, display in data + csv_extra + rdf_extra]
        report = BuildReport(root, None, triples, counts, inputs, 0.0, dry_run)
        if not shapes and shacl is None:
            report.warnings.append(
                f"the SHACL shapes were skipped: {loaded:,} triples is over "
                f"{SHACL_MAX_TRIPLES:,}, where pySHACL takes minutes (the zero-row checks ran); "
                "'atmpkg validate' runs them, or build with --shacl"
            )
        # an import or a removal is told of the files it gives, not again of the earlier imports
        # at every later one (joints27 F7: a TriG import's named graphs were noted each time)
        quiet = set(earlier_shown) if new_imports or dropped_imports else set()
        told = [f for f in compiled.rdf_files if f.display not in quiet]
        report.warnings += [str(n) for n in compiled.normalised if n.display not in quiet]
        report.warnings += [
            f"{rdf_file.display} holds no triples: nothing of it is in the graph"
            for rdf_file in told
            if not rdf_file.triples
        ]
        report.warnings += [
            f"{rdf_file.display}: the facts of its {rdf_file.graphs:,} named "
            f"graph{'s' if rdf_file.graphs > 1 else ''} are in the default graph, where the graph "
            "keeps all its facts; the graph names themselves are not kept"
            for rdf_file in told
            if rdf_file.graphs
        ]
        stating, left_out = _stating(compiled.overridden, [f for f in told if f.derived])
        if left_out:
            first = left_out[0]
            report.warnings.append(
                f"{', '.join(stating)}: {len(left_out):,} triple"
                f"{'s' if len(left_out) > 1 else ''} of properties the build derives "
                "from the facts, with values it does not derive, are left out (see the README's "
                f"Derived facts), such as {shorten(first.subject.value)} "
                f"{shorten(first.predicate.value)} {first.object}"
            )
        report.warnings += [
            f"{display} holds a header and no row: nothing of it is in the graph"
            for display in compiled.empty_csv
            if display not in quiet
        ]
        report.normalised = sum(n.count for n in compiled.normalised)
        report.warnings += [f"replaced the earlier import {name}" for name in replaced]
        if dropped:
            them = "them" if len(dropped) > 1 else "it"
            report.warnings.append(
                f"the build this one replaces also held {', '.join(dropped)}, given to that build "
                f"alone (build(extra_files=...)): this one does not; import {them} to keep {them}"
            )
        if dry_run:
            return report
        del built  # closes RocksDB (the inferences were written) before the folder is renamed
        info = {
            "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "atmpkg_version": stores.VERSION,
            "fingerprint": stores.fingerprint() if data_dir is None else None,
            # resolved: a later import from another folder must read the same data
            "data_dir": str(Path(data_dir).resolve()) if data_dir is not None else None,
            "triples": triples,
            "counts": counts,
            "data_as_of": newest,
            # what a paper cites beside the version: the clone's commit the data is from, if any,
            # -dirty where any file the fingerprint hashes differs from it
            "data_commit": data_commit(*stores.input_folders()) if data_dir is None else None,
            # the newest source the imports (and extra files) cite, where it is newer
            "imports_as_of": newest_cited if newest_cited and newest_cited > (newest or "") else None,
            "inputs": inputs,
            "imports": sorted([*earlier, *new_names]),
            # given to this build alone: a later build or import does not read them again
            "extra": sorted(Path(f).name for f in extra_files),
        }
        (tmp / "build.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        _fsync(tmp / "build.json")
        final = builds / stamp
        os.rename(tmp, final)
        # The swap is the one step that commits the build and the imports it holds.
        stores.swap_in(root, final)
        report.build_dir = final
        return report
    except OSError as exc:
        raise StoreError(f"cannot write the store at {root}: {exc}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if "report" in locals():
            report.seconds = time.monotonic() - started


#: When each build was last found up to date; it is checked again after _RECHECK seconds, so a
#: notebook notices edited data files without hashing them on every query.
_checked: dict[Path, float] = {}
_RECHECK = 2.0


def open_store(
    store: str | os.PathLike[str] | None = None,
    *,
    build_if_needed: bool = True,
    endpoint: str | RemoteStore | None = None,
) -> stores.StoreHandle:
    """Open the store read-only, building it first when it is missing or older than the packaged
    data (stores built from another ``data_dir`` are used as they are).

    With ``endpoint`` (a SPARQL 1.1 endpoint URL, or a :class:`~atmpkg.graph.store.remote.RemoteStore`
    naming its graph and time limit) the handle's ``store`` is that remote store instead, and
    ``store`` is not used.

    >>> handle = open_store()  # the default store
    >>> handle.info["counts"]["atmp:Therapy"] > 0
    True
    >>> type(open_store(endpoint=endpoint).store).__name__  # endpoint: a server push loaded
    'RemoteStore'
    """
    if endpoint is not None:
        return open_remote(endpoint)
    root = stores.resolve_path(store)
    build_dir = stores.current_build(root)
    if build_dir is not None and time.monotonic() - _checked.get(build_dir, -_RECHECK) < _RECHECK:
        return stores.open_build(root, build_dir)
    stale = False
    if build_dir is not None:
        info = stores.read_info(build_dir)
        stale = info.get("data_dir") is None and info.get("fingerprint") != stores.fingerprint()
    if stale and not os.access(root, os.W_OK | os.X_OK):
        # a store shared read-only (a team's, on a share) is read as it was built; said once, by
        # the process the reader started, not again by each of a server's confined workers
        if confinement() is None:
            log.warning(
                "Note: the store at %s is older than the packaged data, and this user cannot "
                "rebuild it; reading it as built on %s (run 'atmpkg build' where the folder can be "
                "written)",
                root,
                str(info.get("built_at", "an earlier day"))[:10],
            )
        stale = False
    if build_dir is None or stale:
        if not build_if_needed:
            raise StoreError(f"no current build in {root}; run 'atmpkg build'")
        stores.check_folder(root)
        log.warning(
            "%s the store at %s from the packaged data (one moment)...",
            "Rebuilding" if stale else "Building",
            root,
        )
        try:
            build(root)
        except AtmpkgError as exc:
            raise StoreError(f"the store at {root} could not be built: {exc}") from None
        build_dir = stores.current_build(root)
        if build_dir is None:
            raise StoreError(f"the build of {root} left no current store")
    _checked[build_dir] = time.monotonic()
    return stores.open_build(root, build_dir)


def hold_in_memory(store: str | os.PathLike[str] | None = None) -> stores.StoreHandle:
    """Copy the current build of ``store`` into memory and answer this process's later reads of
    that store from the copy, including builds swapped in later (each is copied when first read).

    For long-running processes (``atmpkg serve --in-memory``, a notebook) on stores that fit in
    memory: the copy costs about 8 s and 0.7 GB per million triples once. The confined process
    that evaluates this process's queries makes a copy of its own at its first query and answers
    the later ones from it, about 1.8 times as fast as the on-disk store at a million triples
    (geometric mean of the named queries, ``bench/bench_scale.py``).

    >>> handle = hold_in_memory()  # the default store
    >>> handle.in_memory, len(handle.store) == handle.info["triples"]
    (True, True)
    >>> atmpkg.open().query("ASK { therapy:kymriah a atmp:Therapy }").boolean
    True
    """
    root = stores.resolve_path(store)
    stores.hold_in_memory(root)
    started = time.monotonic()
    handle = open_store(root)
    log.info(
        "Holding %s triples of %s in memory (copied in %.1f s)",
        f"{len(handle.store):,}",
        root,
        time.monotonic() - started,
    )
    return handle


def file_list(
    files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> list[str | os.PathLike[str]]:
    """The files given: one path (text or path-like) is a list of one, as a researcher means
    ``validate("my-deals.csv")``; anything else must be paths.

    >>> file_list("a.csv"), file_list(["a.csv", Path("b.ttl")])
    (['a.csv'], ['a.csv', PosixPath('b.ttl')])
    """
    if isinstance(files, str | os.PathLike):
        return [files]
    if isinstance(files, bytes | bytearray):  # a path as bytes, not a list of numbers
        raise ParameterError(
            f"files are given as paths (text or Path), got bytes ({bytes(files)[:60]!r}): decode "
            "it, or give Path(os.fsdecode(...))"
        )
    given = list(files) if isinstance(files, Iterable) else [files]
    for file in given:
        if not isinstance(file, str | os.PathLike):
            raise ParameterError(f"files are given as paths (text or Path), got {described(file)}")
    return given


def import_files(
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    store: str | os.PathLike[str] | None = None,
    *,
    shacl: bool | None = None,
) -> BuildReport:
    """Add a researcher's own files (Turtle/RDF, or CSV in a data family's layout) to the store.

    All or nothing: the store is rebuilt from the same data as before plus earlier imports plus
    ``files``, validated as a whole, and swapped in only when everything passed; copies of the
    files are kept with that build (``<store>/imports``) so that later builds include them. The
    store's lock is held throughout, so imports and builds run one after the other and none is
    lost. A file with the same name as an earlier import replaces it. Errors name the files as
    given. ``shacl`` as for :func:`build`; ``warnings`` says how many literals were stored in
    canonical form.

    >>> import_files("my-notes.ttl", kg.root).counts["atmp:Therapy"]
    120
    >>> (kg.root / "imports" / "my-notes.ttl").is_file()      # kept for later builds
    True
    """
    _check_shacl(shacl)
    files = file_list(files)
    if not files:
        raise DataError("(no files)", None, None, "give at least one file to import")
    root = stores.resolve_path(store)
    split_inputs(files)
    names = [Path(f).name for f in files]
    if len(set(names)) != len(names):
        raise DataError(
            str(files[0]), None, None, "two files to import have the same name; rename one"
        )
    for file, name in zip(files, names, strict=True):
        if name.startswith("."):
            # the store keeps its own work files under such names, and never reads them as data
            raise DataError(
                str(file),
                None,
                None,
                "a name starting with '.' is kept for the store's own "
                f"files; rename it (to {name.lstrip('.') or 'data'!r}, say) and import that",
            )
    with stores.first_build(root):
        data_dir = _recorded_data_dir(root, "import")
        return _build(root, data_dir=data_dir, new_imports=files, shacl=shacl)


def remove_imports(
    names: str | Sequence[str],
    store: str | os.PathLike[str] | None = None,
    *,
    shacl: bool | None = None,
) -> BuildReport:
    """Take earlier imports out of the store, by the names they were imported under
    (``my-deals.csv``): the store is rebuilt from its data and the other imports, validated, and
    swapped in only when everything passed, as :func:`import_files` does. An import is named by
    its file's name, so a path (``data/my-deals.csv``, the one it was imported by) names the
    import of its last part (newuser23 F16). A name that is no import of the store raises
    :class:`UnknownNameError` with the imports it holds.

    >>> remove_imports("my-notes.ttl", kg.root).counts["atmp:Therapy"]
    120
    >>> (kg.root / "imports" / "my-notes.ttl").exists()
    False
    """
    _check_shacl(shacl)
    if isinstance(names, str):
        names = [names]
    listed = isinstance(names, list | tuple) and all(isinstance(n, str) for n in names)
    if not listed or not names:
        raise ParameterError(
            f"give the names of imports to remove, such as 'my-deals.csv'; got {described(names)}"
        )
    root = stores.resolve_path(store)
    with stores.first_build(root):
        held = stores.imported_files(root)
        for name in names:
            if Path(name).name not in held:
                listed = ", ".join(sorted(held))
                hint = f"The store's imports: {listed}." if held else "The store holds no imports."
                near = suggest(Path(name).name, sorted(held))
                raise UnknownNameError("import", name, hint=hint, suggestions=near)
        data_dir = _recorded_data_dir(root, "remove the import")
        dropped = list(dict.fromkeys(Path(name).name for name in names))
        try:
            return _build(root, data_dir=data_dir, dropped_imports=dropped, shacl=shacl)
        except (DataError, ValidationError):
            # what the build refused is read again only then: the imports that stay may use what
            # the removed ones define, which each check would say as a wrong reference of its own
            refusal = _still_used(root, dropped, data_dir)
            if refusal is None:
                raise
            raise refusal from None


#: How many entities a refused removal names with the lines that use them.
_NAMED_IN_A_REFUSAL = 20


def _still_used(root: Path, dropped: Sequence[str], data_dir: str | None) -> DataError | None:
    """The one refusal of a removal of the imports ``dropped`` from the store at ``root`` while
    the imports that stay use entities the removed ones define and nothing else does (joints27
    F1, newuser27 F5: each use was told "unknown company …; did you mean …? Add it to its file
    first", one check at a time): every such entity with the imports that use it, and the one
    command that removes them all, the imports that in turn use what those define included.
    None when the imports that stay use nothing the removal leaves undefined.

    >>> _still_used(kg.root, ["my-notes.ttl"], None) is None
    True
    """
    held = stores.imported_files(root)
    inputs = {name: defined_and_used(path, name) for name, path in held.items()}
    kept = set().union(
        *(
            defined_and_used(path, shown)[0]
            for path, shown in _data_files(Path(data_dir) if data_dir is not None else None)
        ),
        (q.subject.value for q in ontology_quads() if isinstance(q.subject, ox.NamedNode)),
    )
    removing = [name for name in dropped if name in held]
    found: dict[str, tuple[list[str], list[str]]] = {}
    while True:
        staying = [name for name in sorted(held) if name not in removing]
        elsewhere = kept.union(*(inputs[name][0] for name in staying))
        gone = {
            entity: [name for name in removing if entity in inputs[name][0]]
            for name in removing
            for entity in inputs[name][0] - elsewhere
        }
        users = [name for name in staying if inputs[name][1].keys() & gone.keys()]
        if not users:
            break
        for entity, definers in sorted(gone.items()):
            using = [name for name in users if entity in inputs[name][1]]
            if using and entity not in found:
                found[entity] = (definers, using)
        removing += users
    if not found:
        return None
    lines = []
    # each entity's lines are looked for in its files: a few of them tell the user enough, and
    # thousands would cost a read of a file each (rev27b F2)
    for entity, (definers, using) in list(found.items())[:_NAMED_IN_A_REFUSAL]:
        where = ", ".join(
            _lines_of(name, held[name], inputs[name][1][entity], entity) for name in using
        )
        lines.append(f"{shorten(entity)}, defined by {' and '.join(definers)}, is used by {where}")
    if len(found) > len(lines):
        lines.append(f"and {len(found) - len(lines):,} more")
    them = "it" if len(dropped) == 1 else "them"
    command = " ".join(f"--remove {name}" for name in removing)
    return DataError(
        " and ".join(dropped),
        None,
        None,
        f"other imports use what removing {them} would leave defined nowhere; nothing was "
        "changed:\n" + "\n".join(f"  {line}" for line in lines) + "\nremove those imports too "
        f"('atmpkg import {command}'), or first define what they use in an import that stays",
    )


def _lines_of(name: str, path: Path, lines: Sequence[int], entity: str) -> str:
    """Where the import ``name`` uses ``entity``: the lines of a CSV file, the first of an RDF
    file's."""
    if not lines:
        line = line_using(path, entity)
        return name if line is None else f"{name} (line {line})"
    return f"{name} (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})"


def _recorded_data_dir(root: Path, then: str) -> str | None:
    """The data folder the store at ``root`` was built from (None: the packaged data, or nothing
    built yet); a folder that no longer exists is an error that says what to do ``then``."""
    previous = stores.current_build(root)
    data_dir = stores.read_info(previous).get("data_dir") if previous else None
    if data_dir is not None and not Path(data_dir).is_dir():
        raise StoreError(
            f"the store at {root} was built from the data folder {data_dir} (--data-dir), "
            "which no longer exists; build it again with 'atmpkg build --data-dir FOLDER', "
            f"or without --data-dir for the packaged data, then {then}"
        )
    return data_dir


def validate(
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    *,
    store: str | os.PathLike[str] | None = None,
) -> list[Violation]:
    """Validate without changing anything: the built store when no ``files`` are given, else the
    store's data (the curated data or its ``--data-dir``, with its imports) together with
    ``files``, as an import would check them. Returns every violation (empty when all is well);
    malformed files raise :class:`DataError`.

    Files are checked in a scratch folder of the system's temporary folder (``TMPDIR``): the store
    is only read, so it may be read-only, locked by a running import, or not built yet.

    >>> validate()
    []
    """
    files = file_list(files)
    if not files:
        return validate_build(open_store(store))
    root = stores.resolve_path(store)
    data_dir = _recorded_data_dir(root, "validate")
    with tempfile.TemporaryDirectory(prefix="atmpkg-validate-") as scratch:
        try:
            _build(
                Path(scratch),
                data_dir=data_dir,
                new_imports=files,
                dry_run=True,
                shacl=True,
                imports_of=root,
            )
        except ValidationError as exc:
            return exc.violations
    return []


def validate_build(handle: stores.StoreHandle) -> list[Violation]:
    """Every violation of an open build (SHACL shapes and zero-row checks), blamed on the files
    that state the offending triples.

    >>> validate_build(open_store())
    []
    """
    build_dir = handle.build_dir
    return validate_store(
        handle.store,
        _StoredLocations(build_dir / "locations.json"),
        columns=_stored_columns(build_dir / "columns.json"),
    )


def _stored_columns(path: Path) -> dict[str, dict[str, tuple[int, str]]]:
    """A build's ``columns.json`` (see :attr:`Compiled.columns`); none for a build made before
    the file was written, whose violations are told at their rows. A file that is not the table
    a build writes (edited by hand, or damaged) is left out with a note naming it, and the
    violations are told at their rows too: validating loses nothing but the column, where
    refusing would tell the user nothing of their data until a rebuild (sec31 F3)."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:  # a UnicodeDecodeError is a ValueError
        why = "it does not read as JSON in UTF-8" if isinstance(exc, ValueError) else str(exc)
        return _columns_left_out(path, why)
    if not isinstance(table, dict) or not all(isinstance(cells, dict) for cells in table.values()):
        return _columns_left_out(path, "it is not an object of files, each an object of properties")
    if not all(
        isinstance(cell, list)
        and len(cell) == 2
        and type(cell[0]) is int
        and cell[0] >= 1
        and isinstance(cell[1], str)
        for cells in table.values()
        for cell in cells.values()
    ):
        return _columns_left_out(path, "a property's cell is not [column number, column name]")
    return {
        file: {pred: (number, name) for pred, (number, name) in cells.items()}
        for file, cells in table.items()
    }


def _left_out(path: Path, table: str, told: str, why: str | None = None) -> None:
    """Note that ``path``, a build's file of its ``table`` (``columns.json``, ``locations.json``),
    was left out (``why``), and how violations are ``told`` without it."""
    because = "" if why is None else f" ({why})"
    log.warning(
        "Note: %s is not the table of %s a build writes%s; validate left it out, so %s: run "
        "'atmpkg build' to write it again",
        path,
        table,
        because,
        told,
    )


def _columns_left_out(path: Path, why: str) -> dict[str, dict[str, tuple[int, str]]]:
    """No columns, with a note that ``path`` (a build's ``columns.json``) was left out ``why``."""
    told = "each violation of a CSV row is told at its row, not its cell"
    _left_out(path, "CSV columns", told, why)
    return {}


def _batches(store: ox.Store, size: int) -> Iterator[tuple[bytes, int]]:
    """The store's default graph as N-Triples, ``size`` triples at a time (at least one batch,
    which is empty for an empty graph). A blank node's label holds within one request only, so
    the triples of blank nodes linked to each other (and those pointing at them) go into one
    batch together, even past ``size``: split, a structure would become unrelated nodes.

    >>> s = ox.Store()
    >>> node, p = ox.BlankNode(), ox.NamedNode("urn:p")
    >>> s.add(ox.Quad(ox.NamedNode("urn:a"), p, node))
    >>> s.add(ox.Quad(node, p, ox.Literal("x")))
    >>> [count for _, count in _batches(s, 1)]
    [2]
    """
    batch: list[ox.Triple] = []
    sent = False
    # blank-node structures, joined as their triples are read (union-find on the nodes)
    parent: dict[ox.BlankNode, ox.BlankNode] = {}
    held: list[ox.Triple] = []

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        blanks = [t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        if blanks:
            held.append(quad.triple)
            parent[root(blanks[-1])] = root(blanks[0])
            continue
        batch.append(quad.triple)
        if len(batch) == size:
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), len(batch)
            batch, sent = [], True
    structures: dict[ox.BlankNode, list[ox.Triple]] = {}
    for triple in held:
        node = triple.subject if isinstance(triple.subject, ox.BlankNode) else triple.object
        structures.setdefault(root(node), []).append(triple)
    for triples in structures.values():
        if batch and len(batch) + len(triples) > size:
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), len(batch)
            batch, sent = [], True
        batch += triples
    if batch or not sent:
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), len(batch)


def _is_atmpkg_serve(url: str, timeout: float) -> bool:
    """Whether ``url`` is answered by ``atmpkg serve`` (its ``Server`` header), which takes no
    writes; False when it cannot be asked."""
    try:
        # on a connection of its own: a server that answers HEAD with a body (as Python's
        # http.server does to a method it lacks) would leave it in the next answer
        answer = http_request("HEAD", url, timeout=timeout, headers={"Connection": "close"})
    except StoreError:
        return False
    return answer.from_atmpkg_serve


def push(
    endpoint: str,
    *,
    update_endpoint: str | None = None,
    graph_store: str | None = None,
    graph: str = DEFAULT_GRAPH,
    store: str | os.PathLike[str] | None = None,
    batch_size: int = BATCH_SIZE,
    timeout: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> PushReport:
    """Load the built graph (the embedded store's default graph, built first if needed) into the
    named graph ``graph`` of a SPARQL 1.1 server, replacing that graph and no other.

    The SPARQL 1.1 Graph Store Protocol is used at ``graph_store`` (default: ``endpoint``): PUT
    replaces the graph with the first batch, POST adds the others. When no ``graph_store`` is
    given and the endpoint does not speak the protocol, SPARQL Update at ``update_endpoint``
    (default: ``endpoint``) does the same: ``DROP SILENT GRAPH``, then ``INSERT DATA`` batches.
    Then the build information (``build.json``) is written to :func:`info_graph`, where reads find
    it. ``progress(done, total)`` is called after each batch; ``timeout`` limits each request.
    A batch that fails leaves the graph partly loaded, without the record of a build, and says
    how much of it was written: push again. The graph's triples are
    counted at the end; a count other than the store's raises :class:`StoreError`.

    >>> endpoint, graph_store  # oxigraph serve's URLs (the port varies)
    ('http://127.0.0.1:.../query', 'http://127.0.0.1:.../store')
    >>> push(endpoint, update_endpoint=update_endpoint, graph_store=graph_store).protocol
    'Graph Store Protocol'
    """
    started = time.monotonic()
    check_url(endpoint)
    for url, what in ((update_endpoint, "update endpoint"), (graph_store, "graph store")):
        if url is not None:
            check_url(url, what)
    graph = check_graph(graph)
    batch_size = whole_number(batch_size, "batch_size", 1)
    timeout = positive_seconds(timeout)
    handle = open_store(store)
    try:
        # Asked first: a write URL given as the query URL took the whole graph before the count
        # at the end found it answers no query
        RemoteStore(endpoint, graph=graph, timeout=timeout).query("ASK {}")
    except EndpointTimeoutError:
        raise  # a time limit, not a wrong URL (the command exits 3)
    except StoreError as exc:
        if _is_atmpkg_serve(endpoint, timeout):
            # its 403 to the graph push names was read as a wrong URL (newuser23 F27)
            raise StoreError(
                f"{endpoint} is an atmpkg serve endpoint, which is read-only; push loads a "
                "writable SPARQL server (Oxigraph, Fuseki, Virtuoso…); nothing was written"
            ) from None
        # a write URL's or the address's error names the query URL already; a server's or a
        # gateway's failure (5xx) and a refused login (401, 403) are no wrong URL (joints32 F7)
        status = getattr(exc, "status", None)
        advice = (
            ""
            if isinstance(exc, WrongEndpointError) or status in (401, 403)
            else ": the server, or a proxy in front of it, failed; push again once it answers"
            if status is not None and status >= 500
            else ": give the server's query URL as --endpoint (endpoint=), for oxigraph serve /query"
        )
        raise StoreError(f"{exc}; nothing was written{advice}") from None
    total = len(handle.store)
    batches = _batches(handle.store, batch_size)
    try:
        data, done = next(batches)
        write, protocol = first_write(endpoint, update_endpoint, graph_store, graph, data, timeout)
        count = 1
        try:
            if progress:
                progress(done, total)
            for data, size in batches:
                write(graph, data, False, timeout)
                done, count = done + size, count + 1
                if progress:
                    progress(done, total)
        except EndpointTimeoutError:
            raise
        except StoreError as exc:
            raise StoreError(
                f"{exc}; the graph <{graph}> now holds part of the data ({done:,} of {total:,} "
                "triples) and no record of a build: push again"
            ) from None
    finally:
        batches.close()  # its reading of the store ends here, on this thread
    # A server that answers every request with success need not have stored anything (a web
    # page at that URL answers 200 too): the graph is counted before the push is reported.
    try:
        held = len(RemoteStore(endpoint, graph=graph, timeout=timeout))
    except StoreError as exc:
        raise StoreError(
            f"the server at {endpoint} took every batch, but counting the graph to check the "
            f"push failed: {exc}"
        ) from None
    if held != done:
        raise StoreError(
            f"the server at {endpoint} took every batch, but the graph <{graph}> holds {held:,} "
            f"triples, not {done:,}; check that the URLs are the SPARQL and Graph Store "
            "services of one store"
        )
    about = ox.Triple(
        ox.NamedNode(graph), ox.NamedNode(DCT + "description"), ox.Literal(json.dumps(handle.info))
    )
    write(info_graph(graph), ox.serialize([about], format=ox.RdfFormat.N_TRIPLES), True, timeout)
    return PushReport(endpoint, graph, done, count, protocol, time.monotonic() - started)

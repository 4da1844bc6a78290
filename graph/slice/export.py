"""Write slices of the graph in the formats of the RDF world and of network-analysis tools.

RDF: ``ttl`` (canonical: sorted, only the prefixes it uses), ``nt``, ``nq`` and ``trig`` (each fact's
triples in a named graph per source it cites), ``jsonld`` (compact, with an ``@context`` of the
predeclared prefixes), ``rdfxml``. Networks: ``graphml`` and ``gexf`` (Gephi, Cytoscape, networkx),
``csv`` (a nodes file and an edges file with Neo4j bulk-import headers, safe to open in a
spreadsheet) and ``cyjs`` (Cytoscape.js JSON).

RDF formats are streamed from the store one entity at a time (:class:`~atmpkg.graph.slice.subgraph.Slice`)
and are always complete; the whole graph is read from one dump of the engine instead
(:mod:`~atmpkg.graph.slice.whole`), several times faster at a million triples. A network is built
in memory, so a network export holds at most :data:`NETWORK_MAX_NODES` entities unless told
otherwise, sampled as the view samples, with an exact record of what was left out; it draws a link
and its materialised inverse as one edge.

Files are written atomically: into a temporary file in the same folder, renamed over the target
only when complete, so a failed or interrupted export never leaves a half-written file and never
damages the file already there. The two files of a CSV export commit together: a commit record
written before the renames lets the next export to that folder finish them should the process be
killed in between, and temporary files that killed exports left are removed then (see
:func:`atomic_files`). RDF exports from the embedded store carry the blank nodes each entity reaches
(RDF lists, nested descriptions) in full, so they read back isomorphic to what was imported.

>>> result = atmpkg.open().export("ttl", "kymriah.ttl", focus="kymriah")
>>> result.paths, result.triples
([PosixPath('kymriah.ttl')], 544)
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import glob
import io
import json
import logging
import math
import mmap
import os
import re
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import pyoxigraph as ox

from ..engine.results import NOT_XML, not_xml
from ..errors import ParameterError, StoreError, UnknownNameError, counted, cut, described
from ..progress import Progress, Stage
from ..rdf import (
    IRI,
    TYPE,
    as_triples,
    iris_of,
    is_node_iri,
    network_of_facts,
    prefix_names,
    term_facts,
    used_prefixes,
)
from ..store.csvdata import past_one_piece, piece_past
from ..store.folder import VERSION, fsync_dir
from ..terms import PREFIXES, RDF, XSD, shorten
from .collector import holding_cycle_collection
from .selection import Selection
from .subgraph import (
    SOURCE,
    EmptyResultError,
    Sample,
    Slice,
    Subject,
    fold_facts,
    outside_note,
    source_iris,
)
from .whole import (
    WholeGraph,
    abandoned,
    empty_literal,
    network_slice,
    token_term,
    written_slice,
)

if TYPE_CHECKING:  # imported for annotations only: rdflib loads when a function needs it
    import networkx
    import rdflib


FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml", "graphml", "gexf", "csv", "cyjs")
RDF_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml")
#: The most entities a network export holds unless told otherwise. A network is built in memory,
#: about 25 MB per 1,000 entities: this keeps an export under about 0.8 GB whatever the size of the
#: graph; the whole 1-million-triple benchmark graph (53,349 nodes), read from the engine's dump,
#: peaks at 0.7 GB (see "atmpkg export" in the README). RDF formats are streamed and need no cap.
NETWORK_MAX_NODES = 25_000
#: Formats chosen from an output file's extension when no format is given.
SUFFIXES = {
    ".ttl": "ttl",
    ".nt": "nt",
    ".nq": "nq",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".rdfxml": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".csv": "csv",
    ".cyjs": "cyjs",
}
ALIASES = {
    "turtle": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "nquads": "nq",
    "n-quads": "nq",
    "json-ld": "jsonld",
    "rdf/xml": "rdfxml",
    "xml": "rdfxml",
    "cytoscape": "cyjs",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
T = TypeVar("T")
#: A format's writer: writes a slice to the handles of its files (the slice counts what it read).
Writer = Callable[[Slice, list[IO[bytes]]], None]


@dataclass
class ExportResult:
    """What an export wrote: the format, how many triples, the files (none when ``content`` holds
    the export because no output path was given, or when it went to a stream), and how a cap
    sampled the slice (``sample``; None when it is complete)."""

    format: str
    triples: int
    paths: list[Path] = field(default_factory=list)
    content: bytes | None = None
    sample: Sample | None = None
    #: quads written (``nq``, ``trig``: a triple in as many graphs as the sources it cites)
    quads: int | None = None
    #: nodes and edges of a network format
    nodes: int | None = None
    edges: int | None = None
    #: what the query of the slice said about it (a date it took by default)
    query_notes: list[str] = field(default_factory=list)
    #: what the export left out by default that the reader may want (the sources)
    left_out: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """What was written, in the units of the format.

        >>> ExportResult("nq", 3, quads=5).summary, ExportResult("gexf", 9, nodes=2, edges=1).summary
        ('5 quads (3 triples)', '2 nodes and 1 edge (from 9 triples)')
        >>> ExportResult("graphml", 1, nodes=1, edges=0).summary
        '1 node and 0 edges (from 1 triple)'
        """
        triples = _amount(self.triples, "triple")
        if self.nodes is not None:
            nodes, edges = _amount(self.nodes, "node"), _amount(self.edges, "edge")
            return f"{nodes} and {edges} (from {triples})"
        if self.quads is not None:
            return f"{_amount(self.quads, 'quad')} ({triples})"
        return triples

    @property
    def notes(self) -> list[str]:
        """Sentences for a reader: what the slice's query said, what was left out by default,
        and what a cap left out, if anything.

        >>> ExportResult("ttl", 3).notes
        []
        """
        return self.query_notes + self.left_out + ([self.sample.note] if self.sample else [])

    def __repr__(self) -> str:
        """The export's size in place of its bytes, which can be megabytes.

        >>> ExportResult("nt", 1, content=b'<urn:s> <urn:p> "x" .\\n')
        ExportResult(format='nt', triples=1, paths=[], content=<22 bytes>, sample=None)
        """
        content = None if self.content is None else f"<{len(self.content):,} bytes>"
        counts = "".join(
            f", {name}={value}"
            for name, value in (("quads", self.quads), ("nodes", self.nodes), ("edges", self.edges))
            if value is not None
        )
        return (
            f"ExportResult(format={self.format!r}, triples={self.triples}{counts}, "
            f"paths={self.paths!r}, content={content}, sample={self.sample!r})"
        )


#: The note of an RDF export whose sources were left out because none were asked for: every fact
#: of the graph has a source, and a file without them looks complete.
SOURCES_LEFT_OUT = (
    "the sources the facts cite (dct:source and the documents) are left out: give --with-sources "
    "(Python: with_sources=True) to include them"
)


def sources_named_note(named: int) -> str:
    """The note of an RDF export without its sources whose query's answer names ``named`` of them
    (a CONSTRUCT that returns ``dct:source``): those are in it, the others the facts cite are
    not (joints31 F5: the file was said to have no sources where it held the answer's).

    >>> sources_named_note(9)
    "the sources the facts cite are in it only as the query's answer names them (9 sources): give --with-sources (Python: with_sources=True) to include every dct:source link of its entities and the documents, described"
    """
    return (
        f"the sources the facts cite are in it only as the query's answer names them "
        f"({counted(named, 'source')}): give --with-sources (Python: with_sources=True) to include "
        "every dct:source link of its entities and the documents, described"
    )


def _sources_named(piece: Slice, selection: Selection) -> int:
    """How many of the entities a query's answer names (the slice's ``answer``) are sources."""
    if not piece.answer or selection.graph is None:
        return 0
    return len(piece.answer & source_iris(selection.graph._current().store))


def ontology_left_out() -> str:
    """The note of an RDF export of the whole graph: the ontology is not in it, and three named
    queries read its labels (joints21 J21-4: loaded alone into Oxigraph, they answered nothing).

    >>> ontology_left_out()[:41]
    'the ontology is not in the export (it is '
    """
    from importlib import resources

    path = resources.files("atmpkg.ontology").joinpath("atmp.ttl")
    return (
        f"the ontology is not in the export (it is {path}): a SPARQL server that loads the export "
        "alone answers approvals-in-period, approvals-by-jurisdiction and sources-of-entity with "
        "no rows, since they read the ontology's labels; load both, or use 'atmpkg push', which does"
    )


def _amount(count: int, thing: str) -> str:
    """``count`` things, digits grouped: ``1 triple``, ``1,437 triples``."""
    return f"{count:,} {thing}{'' if count == 1 else 's'}"


def resolve_format(fmt: str | None, output: str | os.PathLike[str] | None = None) -> str:
    """The export format named by ``fmt`` (or an alias), else the one the output's extension names,
    else Turtle when there is no file name to go by (no output, or a pipe or device such as
    ``/dev/stdout``). An unknown name raises :class:`UnknownNameError` with the formats.

    >>> resolve_format(None, "out/cellco.graphml")
    'graphml'
    >>> resolve_format(None, "/dev/stdout")
    'ttl'
    >>> resolve_format("Turtle")
    'ttl'
    >>> resolve_format("graphml", "cellco.ttl")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: graphml does not write what the file name cellco.ttl says (ttl); leave the format out to write ttl, or give the file another extension
    """
    if fmt is None:
        if output is None:
            return "ttl"
        if _names_a_folder(output) or _is_folder(_path(output), output):
            # named first: no format would make a folder a file
            raise StoreError(
                f"cannot write {output}: it is a folder; give a file name (csv alone writes into a "
                "folder: --format csv, format='csv')"
            )
        suffix = _path(output).suffix.lower()
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
        if names_a_device(_path(output)):
            return "ttl"
        raise ParameterError(
            f"cannot tell the format from the file name {Path(output).name!r}; give a format: "
            + ", ".join(FORMATS)
        )
    if not isinstance(fmt, str):
        raise ParameterError(
            f"an export format is named by text (such as ttl), got {described(fmt)}"
        )
    name = ALIASES.get(fmt.lower(), fmt.lower())
    if name not in FORMATS:
        raise UnknownNameError(
            "export format", fmt, FORMATS, "Formats: " + ", ".join(FORMATS) + "."
        )
    # A program trusts the extension: GraphML in x.ttl breaks whatever opens it. Left alone: .xml
    # and .owl, which name several formats, and N-Triples or N-Quads named as the Turtle or TriG
    # they are part of.
    suffix = _path(output).suffix.lower() if output is not None else ""
    named = SUFFIXES.get(suffix) if suffix not in (".xml", ".owl") else None
    if named is not None and named != name and (name, named) not in (("nt", "ttl"), ("nq", "trig")):
        raise ParameterError(
            f"{name} does not write what the file name {_path(output).name} says ({named}); "
            f"leave the format out to write {named}, or give the file another extension"
        )
    return name


def _path(output: object) -> Path:
    if not isinstance(output, str | os.PathLike):
        raise ParameterError(f"output must be a file path (text or Path), got {described(output)}")
    return Path(output).expanduser()


def _is_folder(path: Path, output: object) -> bool:
    """Whether ``path`` is a folder; a name the file system refuses (longer than it allows,
    say) is an error that names it, before anything is written."""
    try:
        return path.is_dir()
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc.strerror or exc}") from None


def _names_a_folder(output: object) -> bool:
    """Whether ``output`` is text ending in ``/``, which names a folder whether or not it exists
    yet (a Path has lost the slash)."""
    return isinstance(output, str) and output.endswith(("/", os.sep))


def output_paths(fmt: str, output: str | os.PathLike[str]) -> list[Path]:
    """The files an export to ``output`` writes. CSV writes two files: ``output`` is a prefix
    (``out/cellco`` or ``out/cellco.csv`` -> ``out/cellco-nodes.csv`` and ``out/cellco-edges.csv``),
    or a folder, an existing one or text ending in ``/`` (made when written; -> ``nodes.csv`` and
    ``edges.csv`` in it).

    >>> [p.name for p in output_paths("csv", "cellco.csv")]
    ['cellco-nodes.csv', 'cellco-edges.csv']
    >>> [str(p) for p in output_paths("csv", "not-made-yet/")]
    ['not-made-yet/nodes.csv', 'not-made-yet/edges.csv']
    """
    path = _path(output)
    folder = _names_a_folder(output) or _is_folder(path, output)
    if fmt == "csv":
        if names_a_device(path):
            raise ParameterError(
                f"csv writes two files (nodes and edges), and {output} is no file: give a file "
                "name to start them with, or a folder"
            )
        if folder:
            targets = [path / "nodes.csv", path / "edges.csv"]
        else:
            stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
            targets = [path.with_name(f"{stem}-nodes.csv"), path.with_name(f"{stem}-edges.csv")]
    elif folder:
        raise StoreError(f"cannot write {output}: it is a folder; give a file name")
    else:
        targets = [path]
    return targets


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


#: A temporary file of :func:`atomic_files`: ``.<target name>.atmpkg-<pid>-<random>.tmp``, or a
#: commit record ``... .commit`` naming the renames that make a set of targets current.
_TEMP = re.compile(r"\.(?P<target>.+)\.atmpkg-(?P<pid>[0-9]+)-[A-Za-z0-9_]+\.(?P<kind>tmp|commit)")


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One commit or clean-up at a time in ``folder``, so that two exports to the same files
    cannot interleave their renames."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _ours(path: Path) -> bool:
    """Whether ``path`` is a regular file (not a link) of this process's user."""
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()


def _roll_forward(record: Path) -> None:
    """Make the renames a commit record names (those not done yet), then remove the record.

    Only renames inside the record's folder of an export's temporary file to the target it was
    written for are made, whatever else a record holds."""
    try:
        renames = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        renames = []
    for tmp, target in renames if isinstance(renames, list) else []:
        match = _TEMP.fullmatch(str(tmp))
        if match and match["kind"] == "tmp" and match["target"] == target and "/" not in target:
            if _ours(record.parent / tmp):
                with contextlib.suppress(OSError):
                    os.replace(record.parent / tmp, record.parent / target)
    fsync_dir(record.parent)
    with contextlib.suppress(FileNotFoundError):
        record.unlink()


def clean_stale(folder: Path) -> list[str]:
    """Finish or remove what exports killed earlier left in ``folder``: the renames of a commit
    record are completed (the export had finished writing), then abandoned temporary files are
    removed. Files of exports still running are never touched. Returns the names handled.

    >>> _ = Path(".cellco.csv.atmpkg-999999999-a1.tmp").write_bytes(b"half")   # a writer that died
    >>> clean_stale(Path.cwd())
    ['.cellco.csv.atmpkg-999999999-a1.tmp']
    """
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    handled = []
    with _folder_lock(folder):
        for kind in ("commit", "tmp"):  # records first: the temporary files they name are kept
            for name in names:
                match = _TEMP.fullmatch(name)
                path = folder / name
                # in a shared folder (/tmp) another user may leave files named so: only the
                # caller's own are its exports' leftovers, and a failed clean-up stops no export
                if not match or match["kind"] != kind or not _ours(path):
                    continue
                if abandoned(path, int(match["pid"])):
                    if kind == "commit":
                        _roll_forward(path)
                    else:
                        with contextlib.suppress(OSError):
                            path.unlink()
                    handled.append(name)
    return handled


def _temporary(target: Path) -> tuple[str, IO[bytes]]:
    """A new temporary file beside ``target``, locked for as long as its handle is open."""
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.atmpkg-{os.getpid()}-", suffix=".tmp"
    )
    handle = os.fdopen(fd, "wb")
    fcntl.flock(fd, fcntl.LOCK_EX)
    return tmp, handle


def _commit(renames: Sequence[tuple[str, Path]]) -> None:
    """Rename the temporary files over their targets. Several targets (one folder) commit
    together: the renames are written to a commit record first, and renaming that record into
    place is the commit; should the process die before the renames are done, the next export to
    the folder makes them (:func:`clean_stale`)."""
    folder = renames[0][1].parent
    if len(renames) == 1:
        os.replace(*renames[0])
        fsync_dir(folder)
        return
    tmp, handle = _temporary(renames[0][1])
    with handle:
        record = [[Path(t).name, target.name] for t, target in renames]
        handle.write(json.dumps(record).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
        committed = folder / (Path(tmp).name[: -len(".tmp")] + ".commit")
        os.replace(tmp, committed)
        _roll_forward(committed)


def is_stream(target: Path) -> bool:
    """Whether ``target`` is no file to replace but a pipe, a terminal, a device such as
    ``/dev/null`` or ``/dev/stdout``, or a socket, which a write goes straight to.

    >>> is_stream(Path("/dev/null")), is_stream(Path("out.ttl"))
    (True, False)
    """
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


_DEVICE_FOLDERS = frozenset(map(Path, ("/dev", "/dev/fd", "/proc/self/fd")))


def names_a_device(target: Path) -> bool:
    """Whether ``target`` is a stream (:func:`is_stream`) or a name for one: ``/dev/stdout`` is
    a file when the output is redirected to one, but its folder takes no files of ours.

    >>> names_a_device(Path("/dev/stdout")), names_a_device(Path("/dev/shm"))
    (True, False)
    """
    return is_stream(target) or (
        not target.is_dir() and target.absolute().parent in _DEVICE_FOLDERS
    )


def kernel_follows(link: os.stat_result, folder: os.stat_result, user: int) -> bool:
    """Whether Linux's link protection (``fs.protected_symlinks``) lets ``user`` follow a
    symbolic link (its ``lstat``) in ``folder``: not when the folder is sticky and writable by all
    (``/tmp``) and the link is neither the user's nor the folder owner's, the way another user
    would plant a link to make someone's next write replace a file of theirs.

    >>> folder, link = os.stat("/"), os.lstat("/")
    >>> kernel_follows(link, folder, link.st_uid)
    True
    """
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    return not shared or link.st_uid in (user, folder.st_uid)


#: The most symbolic links a path may go through, as Linux allows.
_MAX_LINKS = 40


def _followed(target: Path) -> Path:
    """``target`` with every symbolic link on its way followed, each only where the kernel would
    follow it (:func:`kernel_follows`): a link another user left in a folder everyone can write
    to, the last one or one on the way to it, is refused, naming it."""
    todo = list(Path(os.getcwd(), target).parts)
    at, links = Path(todo.pop(0)), 0
    linked = 0  # how many of the first parts to do are a link's target
    while todo:
        part = todo.pop(0)
        in_a_link, linked = linked > 0, max(0, linked - 1)
        if part in ("", "."):
            continue
        if part == "..":
            at = at.parent
            continue
        step = at / part
        try:
            link = os.lstat(step)
        except OSError:  # not there yet: the rest is made, not followed
            if ".." in todo:
                raise ParameterError(
                    f"cannot write {target}: the folder {step} on its way does not exist"
                ) from None
            if todo and in_a_link:
                # a write through a link whose target is missing fails too; folders are made only
                # on one's own path, which may go on past a linked folder that exists
                raise ParameterError(
                    f"cannot write {target}: it goes through a symbolic link into {step}, "
                    f"a folder that does not exist; create the folder or write elsewhere"
                ) from None
            return Path(step, *todo)
        if not stat.S_ISLNK(link.st_mode):
            at = step
            continue
        links += 1
        if links > _MAX_LINKS:
            raise ParameterError(f"{target} goes through more than {_MAX_LINKS} symbolic links")
        if not kernel_follows(link, os.stat(at), os.geteuid()):
            raise ParameterError(
                f"{step} is a symbolic link another user (uid {link.st_uid}) left in a folder "
                "everyone can write to: writing through it would replace the file it points to, "
                "which the system's own link protection refuses; remove the link or write "
                "elsewhere"
            )
        pointed = Path(os.readlink(step))
        if pointed.is_absolute():
            at = Path(pointed.anchor)
        parts = [p for p in pointed.parts if p != pointed.anchor]
        todo[:0] = parts
        linked += len(parts)
    return at


def _resolve(target: Path) -> Path | None:
    """Where a write to ``target`` goes: None for a stream (:func:`is_stream`), which is written
    as it is; else the file at the end of the symbolic links on its way (:func:`_followed`), so
    that a link stays a link. A link the kernel would not follow is refused either way: another
    user's link in /tmp to a pipe or a device is theirs to read from."""
    followed = _followed(target)
    return None if is_stream(target) else followed


@contextlib.contextmanager
def atomic_files(targets: Sequence[Path]) -> Iterator[list[IO[bytes]]]:
    """Binary handles that become ``targets`` only when the block ends without an error.

    Missing folders on the way to the targets are created (and removed again if the block fails).
    Each handle writes a temporary file in its target's folder; at the end they are flushed to
    disk and renamed over the targets, all together (several targets must share a folder; see
    :func:`_commit`). On any error (or Ctrl-C) the temporary files are removed, the targets are left
    as they were, and the error is raised (``OSError`` as :class:`StoreError`). What exports killed
    earlier left in the folder is finished or removed first (:func:`clean_stale`). A symbolic link
    is written through (the file it points to is replaced, the link stays); a pipe, a terminal or
    a device (``-o /dev/stdout``, ``-o >(gzip > x.gz)``) is written straight to, as it cannot be
    replaced: what it received before an error stays received.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_files([target]) as (handle,):
    ...     _ = handle.write(b"hello")
    >>> target.read_text()
    'hello'
    >>> link = target.with_name("link.txt")
    >>> link.symlink_to(target)
    >>> with atomic_files([link]) as (handle,):
    ...     _ = handle.write(b"again")
    >>> link.is_symlink(), target.read_text()
    (True, 'again')
    >>> with atomic_files([Path("/dev/null")]) as (handle,):
    ...     _ = handle.write(b"gone")
    """
    for target in targets:
        if _is_folder(Path(target), target):  # "-o ''" is the current folder
            raise StoreError(f"cannot write {target}: it is a folder; give a file name")
    resolved = [_resolve(Path(target)) for target in targets]
    files = [(t, r) for t, r in zip(targets, resolved, strict=True) if r is not None]
    folders = {r.parent for _, r in files}
    if len(folders) > 1:
        raise StoreError(
            "cannot write " + " and ".join(str(t) for t, _ in files) + " together: links take "
            "them to different folders; give paths in one folder"
        )
    streams: list[IO[bytes]] = []
    temps: list[tuple[str, IO[bytes]]] = []
    created = _missing_folders(next(iter(folders))) if folders else []
    try:
        for folder in reversed(created):
            folder.mkdir()
        for folder in folders:
            clean_stale(folder)
        handles = []
        for target, place in zip(targets, resolved, strict=True):
            if place is None:
                streams.append(open(target, "wb"))  # noqa: SIM115 - closed below
                handles.append(streams[-1])
            else:
                temps.append(_temporary(place))
                handles.append(temps[-1][1])
        yield handles
        for stream in streams:
            stream.flush()
        for (tmp, handle), (_, place) in zip(temps, files, strict=True):
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(tmp, _file_mode(place))
        if temps:
            with _folder_lock(next(iter(folders))):
                _commit([(tmp, place) for (tmp, _), (_, place) in zip(temps, files, strict=True)])
        if created:  # a mistyped folder would otherwise hold the file without a word
            logging.getLogger("atmpkg").warning(
                "Note: created the folder %s", Path(targets[0]).parent
            )
    except BaseException as exc:
        made = [tmp for tmp, _ in temps]
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            # Ctrl-C or SIGTERM may come between making a temporary file and noting it: the
            # process is ending, so every file it made beside these targets goes
            made += [
                str(found)
                for _, place in files
                for found in place.parent.glob(
                    f".{glob.escape(place.name)}.atmpkg-{os.getpid()}-*.tmp"
                )
            ]
        for tmp in made:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only the folders this call made, and only while still empty
        if isinstance(exc, BrokenPipeError) and streams:
            raise  # the reader of a pipe went away (| head): nothing is lost, nothing to tell
        if isinstance(exc, OSError):
            names = ", ".join(str(t) for t in targets)
            raise StoreError(f"cannot write {names}: {exc.strerror or exc}") from None
        raise
    finally:
        for _, handle in temps:
            # flushed already when the block succeeded; after a failure (a full disk) closing
            # would try the rest of the buffer again and hide the error being raised
            with contextlib.suppress(OSError):
                handle.close()
        for stream in streams:
            with contextlib.suppress(OSError):  # a reader that went away: nothing left to tell
                stream.close()


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


# --- RDF -------------------------------------------------------------------------------------


def _provenance(piece: Slice) -> Iterator[ox.Quad]:
    """The quads of :func:`provenance_quads` in its order, reading each subject of the slice once,
    and those that cite sources once more per source."""
    cited: dict[ox.NamedNode, list] = {}
    for subject, about in piece.items():
        graphs = [
            t.object for t in about if t.predicate == SOURCE and isinstance(t.object, ox.NamedNode)
        ]
        for graph in graphs:
            cited.setdefault(graph, []).append(subject)
        if not graphs:
            yield from (ox.Quad(t.subject, t.predicate, t.object) for t in about)
    for graph in sorted(cited, key=str):
        for subject in cited[graph]:
            yield from (
                ox.Quad(t.subject, t.predicate, t.object, graph) for t in piece.about(subject)
            )


def provenance_quads(triples: Sequence[ox.Triple]) -> list[ox.Quad]:
    """Quads that keep provenance: the triples of every subject that cites sources
    (``dct:source``) go into one named graph per source, named by the source's IRI; all other
    triples (entities without sources, the sources' own descriptions) stay in the default graph.
    The default graph comes first, then the named graphs by IRI, each in canonical order.

    >>> s, src = ox.NamedNode("urn:fact"), ox.NamedNode("urn:src")
    >>> [q.graph_name for q in provenance_quads([ox.Triple(s, SOURCE, src)])]
    [<NamedNode value=urn:src>]
    """
    return list(_provenance(Slice.of_triples(triples)))


class _Filter:
    """A binary writer that passes what a serializer writes to ``handle``, changed by ``edit``
    (chunk by chunk), after dropping the ``@prefix`` lines it starts with when ``own_head``: the
    header is written before, in canonical order (oxigraph orders prefixes by name, the canonical
    form sorts the lines, so ``approval-type:`` comes before ``approval:``)."""

    def __init__(
        self, handle: IO[bytes], own_head: bool, edit: Callable[[bytes], bytes] | None = None
    ) -> None:
        self.handle, self.edit = handle, edit
        self.head: bytes | None = b"" if own_head else None

    def write(self, data: bytes) -> int:
        size = len(data)
        if self.head is not None:
            self.head += data
            while self.head.startswith(b"@prefix ") and b"\n" in self.head:
                self.head = self.head.partition(b"\n")[2]
            if self.head.startswith(b"@prefix ") or b"@prefix ".startswith(self.head):
                return size  # a header line is not complete yet
            data, self.head = self.head, None
        self.handle.write(self.edit(data) if self.edit else data)
        return size

    def flush(self) -> None:
        self.handle.flush()


def _prefix_lines(prefixes: Mapping[str, str]) -> bytes:
    lines = sorted(f"@prefix {p}: <{ns}> .\n".encode() for p, ns in prefixes.items())
    return b"".join(lines)


#: The element the engine writes for a property IRI that ends in no XML name (``=SUM(1,2)``): a
#: name ending in a colon, which no XML parser reads.
_NAMELESS = re.compile(rb"</?oxprefix:[\s/>]")
_NAMELESS_IRI = re.compile(rb'<oxprefix:\s+xmlns:oxprefix="([^"]*)"')


class _XmlSafe:
    """An edit of the engine's RDF/XML, chunk by chunk: characters XML cannot hold and property
    IRIs it cannot write are refused, carriage returns written as references."""

    def __init__(self) -> None:
        self.tail = b""  # the end of the chunk before, for an element split between two

    def __call__(self, data: bytes) -> bytes:
        seen = self.tail + data
        # the engine's chunks may cut a character: U+FFFE's bytes are looked for across the cut
        if len(data.translate(None, _XML_CONTROLS)) != len(data) or (
            b"\xef\xbf" in seen[-len(data) - 2 :] and _NOT_XML_BYTES.search(seen)
        ):
            text = data.decode("utf-8", "replace")
            if not NOT_XML.search(text):  # the character is cut between this chunk and the last
                text = seen.decode("utf-8", "replace")
            raise not_xml(text, NOT_XML.search(text).start(), _EXPORT_INSTEAD)
        # most chunks name no such property: looking for the name first is several times faster
        if b"oxprefix:" in seen and _NAMELESS.search(seen):
            iri = _NAMELESS_IRI.search(seen)
            named = f" {iri.group(1).decode('utf-8', 'replace')}" if iri else ""
            raise ParameterError(
                f"RDF/XML cannot write the property{named}: an XML element name must end its IRI, "
                "and this one ends in no name; export to Turtle, N-Triples or JSON-LD, which can"
            )
        self.tail = seen[-200:]
        # XML parsers turn a raw carriage return into a line feed; a character reference keeps it
        return data.replace(b"\r", b"&#13;")


def _write_rdf(fmt: ox.RdfFormat, quads: bool = False) -> Writer:
    """A writer of ``fmt`` that streams the slice: straight to the file for N-Triples and
    N-Quads; for formats that declare their prefixes first, through a temporary N-Triples (or
    N-Quads) file that is read back once the prefixes are known, so that the store is read once."""
    spool_format = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES

    def write(piece: Slice, handles: list[IO[bytes]]) -> None:
        if piece.whole is not None:
            _write_whole(piece, piece.whole, handles[0], fmt, quads)
            return
        items = _counted(_provenance(piece), piece) if quads else iter(piece)
        if fmt == spool_format:
            ox.serialize(items, handles[0], fmt)
            return
        with tempfile.TemporaryFile() as spool:
            names: set[str] = set()
            ox.serialize(_noting_prefixes(items, names), spool, spool_format)
            spool.seek(0)
            _convert(spool, handles[0], spool_format, fmt, names)

    return write


def _write_whole(
    piece: Slice, whole: WholeGraph, handle: IO[bytes], fmt: ox.RdfFormat, quads: bool
) -> None:
    """Write the whole graph (``piece``) from the lines the engine dumped: N-Triples and
    N-Quads as they are, TriG from the Turtle of its subjects, other formats converted."""
    if fmt == ox.RdfFormat.N_TRIPLES:
        handle.writelines(_joined(whole.lines))
    elif fmt == ox.RdfFormat.N_QUADS:
        handle.writelines(whole.quad_lines())
    else:
        # one pass of the engine's writer, with no entities to count (13 s of TriG at 1M)
        with Stage(f"Writing {fmt.name}"), tempfile.TemporaryFile() as spool:
            spool.writelines(_joined(whole.lines))
            spool.seek(0)
            names = prefix_names(whole.iris())
            if fmt == ox.RdfFormat.TRIG:
                _trig_of_turtle(spool, handle, whole, names)
            else:
                _convert(spool, handle, ox.RdfFormat.N_TRIPLES, fmt, names)
    if quads:
        piece.written["quads"] = whole.quad_count()
    _read_whole(piece, whole)


def _joined(lines: list[bytes], at_once: int = 1 << 16) -> Iterator[bytes]:
    """``lines`` joined ``at_once`` at a time: a file's ``writelines`` takes twice as long over
    a million short lines as over their joined chunks, and the chunks stay small (10 MB).

    >>> list(_joined([b"a\\n", b"b\\n", b"c\\n"], at_once=2))
    [b'a\\nb\\n', b'c\\n']
    """
    for start in range(0, len(lines), at_once):
        yield b"".join(lines[start : start + at_once])


def _trig_of_turtle(
    spool: IO[bytes], handle: IO[bytes], whole: WholeGraph, names: set[str]
) -> None:
    """Write as TriG the whole graph whose N-Triples lines ``spool`` holds, in the graphs of
    :meth:`~atmpkg.graph.slice.whole.WholeGraph.graphs`, declaring the prefixes ``names``.

    The engine's TriG writer writes a subject's triples in a named graph as its Turtle writer
    does, each line indented once more, and the default graph's as Turtle: so the triples are
    converted once, as Turtle, and each subject's statement is placed in every graph it belongs
    to, where converting the quads (a subject's triples once per source it cites) took twice as
    long at a million triples."""
    _readable_back(spool, ox.RdfFormat.TRIG)
    prefixes = {p: PREFIXES[p] for p in sorted(names)}
    turtle = io.BytesIO()
    ox.serialize(
        ox.parse(spool, ox.RdfFormat.N_TRIPLES, lenient=True),
        _Filter(turtle, own_head=bool(prefixes)),
        ox.RdfFormat.TURTLE,
        prefixes=prefixes,
    )
    # A statement ends in " .\n", which a literal cannot hold (a line break is escaped) and the
    # lines within a statement end in " ;" (another predicate) or go on (", " another object).
    statements = turtle.getvalue().split(b" .\n")
    del turtle
    statements.pop()  # what follows the last one: nothing
    if len(statements) != len(whole.subjects):
        raise AssertionError(
            f"the engine wrote {len(statements)} Turtle statements for {len(whole.subjects)} "
            "subjects"
        )
    default, named = whole.graphs()
    handle.write(_prefix_lines(prefixes))
    for number in default:
        handle.write(statements[number] + b" .\n")
    # the engine writes each graph's name (a prefixed name, an IRI, a blank node) as it opens
    # the graph: one graph per name around the same placeholder statement
    placeholder = ox.NamedNode("urn:x")
    opened = ox.serialize(
        [ox.Quad(placeholder, placeholder, placeholder, token_term(g)) for g, _ in named],
        format=ox.RdfFormat.TRIG,
        prefixes=prefixes,
    )
    heads = [line + b"\n" for line in opened.split(b"\n") if line.endswith(b" {")]
    for head, (_, numbers) in zip(heads, named, strict=True):
        body = b" .\n\t".join(statements[number].replace(b"\n", b"\n\t") for number in numbers)
        handle.write(head + b"\t" + body + b" .\n}\n")


def _counted(items: Iterable[T], piece: Slice) -> Iterator[T]:
    """``items`` (quads, or lines of N-Quads), counted in ``piece.written["quads"]`` once they
    are all written."""
    count = 0
    for item in items:
        count += 1
        yield item
    piece.written["quads"] = count


def _read_whole(piece: Slice, whole: WholeGraph) -> None:
    """Count the whole graph's lines as read, as :meth:`Slice.items` counts what it reads."""
    piece.triples_read = len(whole.lines)
    if piece.progress is not None:
        piece.progress(len(piece.subjects))


def _convert(
    spool: IO[bytes],
    handle: IO[bytes],
    spool_format: ox.RdfFormat,
    fmt: ox.RdfFormat,
    names: set[str],
) -> None:
    """Rewrite the N-Triples or N-Quads in ``spool`` as ``fmt``, declaring the prefixes ``names``
    (those the triples use) in canonical order."""
    _readable_back(spool, fmt)
    prefixes = {p: PREFIXES[p] for p in sorted(names)}
    if fmt == ox.RdfFormat.RDF_XML:
        out = _Filter(handle, own_head=False, edit=_XmlSafe())
    else:
        handle.write(_prefix_lines(prefixes))
        out = _Filter(handle, own_head=bool(prefixes))
    # the spool holds what a writer of this package wrote: no need to check it again
    ox.serialize(ox.parse(spool, spool_format, lenient=True), out, fmt, prefixes=prefixes)


def _readable_back(spool: IO[bytes], fmt: ox.RdfFormat) -> None:
    """Refuse, before anything of ``fmt`` is written, to convert the N-Triples or N-Quads that
    the temporary file ``spool`` holds when a line is longer than the engine's parser reads back
    (:func:`~atmpkg.graph.store.csvdata.piece_past`), naming its subject and predicate: a store
    built before imports refused such a triple (by this rule,
    :func:`~atmpkg.graph.store.csvdata.past_export`) may hold one, and the engine's
    ``MemoryError`` was a traceback."""
    spool.flush()
    if not os.fstat(spool.fileno()).st_size:
        return
    with mmap.mmap(spool.fileno(), 0, access=mmap.ACCESS_READ) as text:
        at = piece_past(text, 0x0A)
        if at is None:
            return
        # an IRI or a blank node's label holds no space: the first two tokens are whole
        subject_end = text.find(b" ", at)
        subject = text[at:subject_end].decode()
        predicate = text[subject_end + 1 : text.find(b" ", subject_end + 1)].decode()
    entity = "a blank node" if subject.startswith("_:") else cut(shorten(subject[1:-1]))
    raise StoreError(
        f"cannot write {fmt.name}: the triple of {entity} {cut(shorten(predicate[1:-1]))}, as "
        f"N-Triples writes it, is {past_one_piece(ox.RdfFormat.N_TRIPLES)}, and the engine's "
        f"{fmt.name} writer is given the triples as N-Triples: export as nt or nq, which are "
        "written as they are, or take the text out of the graph ('atmpkg stats' lists the "
        "imports, 'atmpkg import --remove NAME' takes one out)"
    )


def _noting_prefixes(
    items: Iterable[ox.Triple | ox.Quad], names: set[str]
) -> Iterator[ox.Triple | ox.Quad]:
    """``items``, adding to ``names`` the predeclared prefixes they use as they pass."""
    seen: set[str] = set()  # each IRI is looked up once: most recur in many triples
    for item in items:
        for iri in iris_of((item,)):
            if iri not in seen:
                seen.add(iri)
                names.update(prefix_names((iri,)))
        yield item


def _compact(iri: str) -> str:
    short = shorten(iri)
    return iri if short.startswith("<") else short


def _jsonld_value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
    if isinstance(term, ox.NamedNode):
        return {"@id": _compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        value = {"@value": term.value, "@language": term.language}
        if term.direction is not None:  # an RDF 1.2 base direction: JSON-LD 1.1 has its key
            value["@direction"] = str(term.direction)
        return value
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": _compact(term.datatype.value)}


def _jsonld_node(subject: Subject, triples: Iterable[ox.Triple]) -> dict:
    node_id = _compact(subject.value) if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
    node: dict = {"@id": node_id}
    for triple in triples:
        if triple.predicate == TYPE and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(triple.object.value))
        else:
            node.setdefault(_compact(triple.predicate.value), []).append(
                _jsonld_value(triple.object)
            )
    return node


def jsonld_document(triples: Sequence[ox.Triple]) -> dict:
    """Triples as a compact JSON-LD document: an ``@context`` of the prefixes it uses and one
    object per subject in ``@graph``, with ``@type`` for its classes.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/a"), ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("A", language="en"))
    >>> jsonld_document([t])["@graph"]
    [{'@id': 'therapy:a', 'rdfs:label': [{'@value': 'A', '@language': 'en'}]}]
    """
    subjects: dict[Subject, list[ox.Triple]] = {}
    for triple in triples:
        subjects.setdefault(triple.subject, []).append(triple)
    graph = [_jsonld_node(subject, about) for subject, about in subjects.items()]
    return {"@context": used_prefixes(triples), "@graph": graph}


def _write_jsonld(piece: Slice, handles: list[IO[bytes]]) -> None:
    """The document of :func:`jsonld_document`, laid out by :func:`_jsonld_object` and written one
    subject at a time: the objects go to a temporary file until the ``@context`` is known."""
    whole = piece.whole
    names: set[str] = set()
    objects = _jsonld_whole(whole) if whole is not None else _jsonld_objects(piece, names)
    with tempfile.TemporaryFile() as spool:
        for text in objects:
            spool.write((b",\n" if spool.tell() else b"") + text.encode("utf-8"))
        if whole is not None:
            names = prefix_names(whole.iris())
            _read_whole(piece, whole)
        context = {p: PREFIXES[p] for p in sorted(names)}
        head = json.dumps({"@context": context}, ensure_ascii=False, indent=1)
        handles[0].write(head[: -len("\n}")].encode("utf-8") + b',\n "@graph": [\n')
        spool.seek(0)
        shutil.copyfileobj(spool, handles[0])
        handles[0].write(b"\n ]\n}\n")


def _jsonld_objects(piece: Slice, names: set[str]) -> Iterator[str]:
    """The objects of :func:`_jsonld_object` for every subject of ``piece``, read entity by
    entity, adding to ``names`` the predeclared prefixes they use."""
    for _, about in piece.items():
        names.update(prefix_names(iris_of(about)))
        # An entity's triples are followed by those of the blank nodes it reaches: one object per
        # subject.
        by_subject: dict[Subject, list[ox.Triple]] = {}
        for triple in about:
            by_subject.setdefault(triple.subject, []).append(triple)
        for subject, triples in by_subject.items():
            yield _jsonld_object(_jsonld_node(subject, triples))


#: Encodes a key or a list of values on one line, with the C encoder (``indent`` would use the pure
#: Python one, which took two thirds of a whole-graph export's time).
_ONE_LINE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _jsonld_object(node: dict) -> str:
    """One object of ``@graph``, indented as an item of the document's list, with each property
    and its list of values on a line of its own.

    >>> print(_jsonld_object({"@id": "therapy:a", "rdfs:label": [{"@value": "A", "@language": "en"}]}))
      {
       "@id": "therapy:a",
       "rdfs:label": [{"@value": "A", "@language": "en"}]
      }
    """
    lines = ",\n".join(f"   {_ONE_LINE(key)}: {_ONE_LINE(value)}" for key, value in node.items())
    return f"  {{\n{lines}\n  }}"


_TYPE_TOKEN = f"<{TYPE.value}>".encode()


def _jsonld_whole(whole: WholeGraph) -> Iterator[str]:
    """The objects of :func:`_jsonld_object` for every subject of the whole graph, made from the
    N-Triples lines without parsing them: the engine's N-Triples writer escapes a string as JSON
    does, so its quoted text is the JSON string, except for a ``\\u`` escape (control
    characters, which JSON writes in lower case), re-encoded. Each distinct predicate, IRI and
    datatype is compacted once.

    >>> from atmpkg.graph.slice.whole import whole_graph
    >>> s = ox.Store()
    >>> s.add(ox.Quad(ox.NamedNode(PREFIXES["therapy"] + "a"), ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("A", language="en")))
    >>> print(next(_jsonld_whole(whole_graph(s, with_sources=False))))
      {
       "@id": "therapy:a",
       "rdfs:label": [{"@value": "A", "@language": "en"}]
      }
    """
    keys: dict[bytes, str] = {_TYPE_TOKEN: '"@type"'}
    nodes: dict[bytes, str] = {}
    endings: dict[bytes, tuple[str, str]] = {}

    def node(token: bytes) -> str:
        found = nodes.get(token)
        if found is None:
            text = token.decode()
            found = _ONE_LINE(text if text.startswith("_:") else _compact(text[1:-1]))
            nodes[token] = found
        return found

    for number, (subject, _, _) in enumerate(whole.subjects):
        values: dict[bytes, list[str]] = {}
        for predicate, obj, quoted in whole.statements(number):
            if quoted is None:
                value = node(obj)
                if predicate != _TYPE_TOKEN or obj[:1] != b"<":
                    value = '{"@id": ' + value + "}"
            else:
                text = quoted.decode()
                if b"\\u" in quoted:
                    text = _ONE_LINE(json.loads(text))
                ending = endings.get(obj)
                if ending is None:
                    ending = endings[obj] = _jsonld_ending(obj)
                value = ending[0] + text + ending[1]
            if predicate == _TYPE_TOKEN and obj[:1] != b"<":
                predicate = b"rdf:type"  # not a class: a value like any other
            values.setdefault(predicate, []).append(value)
        lines = [f'   "@id": {node(subject)}']
        for predicate, listed in values.items():
            key = keys.get(predicate)
            if key is None:
                iri = RDF + "type" if predicate == b"rdf:type" else predicate[1:-1].decode()
                key = keys[predicate] = _ONE_LINE(_compact(iri))
            lines.append(f"   {key}: [{', '.join(listed)}]")
        yield "  {\n" + ",\n".join(lines) + "\n  }"


def _jsonld_ending(ending: bytes) -> tuple[str, str]:
    """What comes before and after a literal's JSON string in its JSON-LD value, by the end of
    its N-Triples line (`` .``, ``@en .``, ``@ar--rtl .``, ``^^<datatype> .``): the value
    :func:`_jsonld_value` gives an empty literal of that kind, around its empty string.

    >>> _jsonld_ending(b"@en .\\n")
    ('{"@value": ', ', "@language": "en"}')
    """
    before, _, after = _ONE_LINE(_jsonld_value(empty_literal(ending))).partition('""')
    return before, after


# --- networks --------------------------------------------------------------------------------


def _network(piece: Slice) -> networkx.MultiDiGraph:
    """The network of the slice. A link and its materialised inverse are one edge (see
    :func:`~atmpkg.graph.slice.subgraph.fold_inverses`); the slice's hubs are attributes of the
    nodes linked to them; edges are numbered ``e0``, ``e1``, …; what a cap left out is in the
    graph's attributes. The whole graph is read from the engine's lines (see
    :meth:`~atmpkg.graph.slice.whole.WholeGraph.facts`), other slices entity by entity."""
    if piece.whole is not None:
        facts = list(piece.whole.facts())
        _read_whole(piece, piece.whole)
    else:
        facts = list(term_facts(piece.drawn()))
    asked = piece.asked
    # a value of an import's own namespace by its label, as show writes it (joints29 F2)
    names = piece.value_names({f[3] for f in facts if f[2] == IRI and not is_node_iri(f[3])})
    graph = network_of_facts(
        fold_facts(facts, asked), typed=True, hubs=piece.hubs, drawn=asked, names=names
    )
    for number, (_, _, data) in enumerate(graph.edges(data=True)):
        data["id"] = f"e{number}"
    if piece.sample is not None:
        graph.graph.update(piece.sample.attributes)
    piece.written = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    return graph


#: GraphML's and GEXF's names of the attribute types a network holds (those of
#: ``network_of_facts(typed=True)``).
_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _declared_types(records: Iterable[dict], left_out: Collection[str] = ()) -> dict[str, str]:
    """The attributes of ``records`` but ``left_out``, in name order, each with the type a
    network file declares for it: its values' type, text when they differ.

    >>> _declared_types([{"year": 2020, "note": "a"}, {"year": "2021?"}, {"ok": True}])
    {'note': 'string', 'ok': 'boolean', 'year': 'string'}
    """
    kinds: dict[str, set[type]] = {}
    for record in records:
        for name, value in record.items():
            kinds.setdefault(name, set()).add(type(value))
    return {
        name: _XML_TYPES[next(iter(kinds[name]))] if len(kinds[name]) == 1 else "string"
        for name in sorted(kinds.keys() - set(left_out))
    }


_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


#: XML's markup characters, and those a parser would change (a raw carriage return into a line
#: break; in attributes, all three into spaces), as references.
#: How XML Schema writes the floats Python writes as ``inf``, ``-inf`` and ``nan`` (GraphML and
#: GEXF type their attributes with its types).
_XSD_FLOATS = {"inf": "INF", "-inf": "-INF", "nan": "NaN"}
_XML_REFERENCES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


#: Characters XML 1.0 cannot hold (NOT_XML), and the same as they are encoded in UTF-8.
_XML_MARKUP = re.compile(
    "[" + re.escape("".join(map(chr, _XML_REFERENCES))) + NOT_XML.pattern[1:-1] + "]"
)
_NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
#: The control characters of _NOT_XML_BYTES: deleting them from a chunk and comparing lengths
#: looks for them several times faster than the expression does.
_XML_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
#: What to export instead when XML cannot hold a value.
_EXPORT_INSTEAD = (
    "export to Turtle, N-Triples, JSON-LD, CSV or Cytoscape JSON, which can, or remove it from "
    "the data"
)


def _xml_text(value: object) -> str:
    """A value as XML character data or attribute text (booleans as XML Schema writes them).

    >>> _xml_text('a < "b"\\r'), _xml_text(True)
    ('a &lt; &quot;b&quot;&#13;', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return _XSD_FLOATS[str(value)]
    text = str(value)
    # most values need no reference: looking is several times faster than translating
    if not _XML_MARKUP.search(text):
        return text
    if found := NOT_XML.search(text):
        raise not_xml(text, found.start(), _EXPORT_INSTEAD)
    return text.translate(_XML_REFERENCES)


def graphml_lines(graph: networkx.MultiDiGraph) -> Iterator[str]:
    """A network as GraphML, line by line, with the type of each attribute declared (the type
    of its values; text when they differ), for networkx, igraph, Gephi and Cytoscape. Written
    as it goes: a document tree of a large network would hold it in memory several times over.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="k", id="e0", weight=2)
    'k'
    >>> print("".join(graphml_lines(g)).splitlines()[-3].strip())
    <edge source="a" target="b" id="e0"><data key="d0">2</data></edge>
    """
    scopes = {
        "graph": [graph.graph],
        "node": [data for _, data in graph.nodes(data=True)],
        "edge": [data for _, _, data in graph.edges(data=True)],
    }
    keys: dict[tuple[str, str], str] = {}
    yield _GRAPHML_HEAD
    for scope, records in scopes.items():
        for name, kind in _declared_types(records, ("id",) if scope == "edge" else ()).items():
            keys[scope, name] = key = f"d{len(keys)}"
            yield (
                f'  <key id="{key}" for="{scope}" attr.name="{_xml_text(name)}" '
                f'attr.type="{kind}" />\n'
            )

    def data(scope: str, record: dict) -> str:
        return "".join(
            f'<data key="{keys[scope, name]}">{_xml_text(value)}</data>'
            for name, value in record.items()
            if not (scope == "edge" and name == "id")
        )

    yield '  <graph edgedefault="directed">\n'
    if graph.graph:
        yield f"    {data('graph', graph.graph)}\n"
    for node, record in graph.nodes(data=True):
        yield f'    <node id="{_xml_text(node)}">{data("node", record)}</node>\n'
    for number, (u, v, record) in enumerate(graph.edges(data=True)):
        ends = f'source="{_xml_text(u)}" target="{_xml_text(v)}"'
        edge = _xml_text(record.get("id", f"e{number}"))
        yield f'    <edge {ends} id="{edge}">{data("edge", record)}</edge>\n'
    yield "  </graph>\n</graphml>\n"


@contextlib.contextmanager
def _as_text(handle: IO[bytes]) -> Iterator[io.TextIOWrapper]:
    """``handle`` as UTF-8 text with ``\\n`` line ends, flushed and left open afterwards (also
    when writing fails: the caller's stream is not closed)."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n", write_through=False)
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def _write_graphml(piece: Slice, handles: list[IO[bytes]]) -> None:
    with _as_text(handles[0]) as text:
        text.writelines(graphml_lines(_network(piece)))


_GEXF_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<gexf xmlns="http://www.gexf.net/1.2draft" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" '
    'version="1.2">\n'
)


def gexf_lines(graph: networkx.MultiDiGraph, description: str | None = None) -> Iterator[str]:
    """A network as GEXF 1.2, line by line, as networkx writes it but without its ``networkx_key``
    edge attribute (Gephi showed it as a column no other format has, joints31 F6: the key is the
    property, which ``property`` holds): an edge's ``id`` (``e0``…, as in GraphML) is what
    networkx reads back as its key. The type of each attribute is declared as
    :func:`graphml_lines` declares it; ``description`` goes in the file's meta (GEXF has no graph
    attributes). Written as it goes, without networkx's document tree.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="k", id="e0", label="links", property="ex:links")
    'k'
    >>> print("".join(gexf_lines(g)).splitlines()[-8].strip())
    <edge source="a" target="b" id="e0" label="links">
    """
    from datetime import date

    nodes = [data for _, data in graph.nodes(data=True)]
    edges = [data for _, _, data in graph.edges(data=True)]
    declared = {
        "node": _declared_types(nodes, ("label",)),
        "edge": _declared_types(edges, ("id", "label")),
    }
    ids: dict[tuple[str, str], str] = {}
    yield _GEXF_HEAD
    yield f'  <meta lastmodifieddate="{date.today().isoformat()}">\n'
    yield f"    <creator>atmpkg {_xml_text(VERSION)}</creator>\n"
    if description is not None:
        yield f"    <description>{_xml_text(description)}</description>\n"
    yield '  </meta>\n  <graph defaultedgetype="directed" mode="static" name="">\n'
    for scope, types in declared.items():
        if types:
            yield f'    <attributes mode="static" class="{scope}">\n'
            for name, kind in types.items():
                ids[scope, name] = number = str(len(ids))
                yield (
                    f'      <attribute id="{number}" title="{_xml_text(name)}" type="{kind}" />\n'
                )
            yield "    </attributes>\n"

    def element(tag: str, scope: str, head: str, record: dict) -> str:
        values = [
            f'          <attvalue for="{ids[scope, name]}" value="{_xml_text(value)}" />\n'
            for name, value in record.items()
            if (scope, name) in ids
        ]
        if not values:
            return f"      <{tag} {head} />\n"
        return f"      <{tag} {head}>\n        <attvalues>\n{''.join(values)}        </attvalues>\n      </{tag}>\n"

    yield "    <nodes>\n"
    for (node, data), record in zip(graph.nodes(data=True), nodes, strict=True):
        head = f'id="{_xml_text(node)}" label="{_xml_text(data.get("label", node))}"'
        yield element("node", "node", head, record)
    yield "    </nodes>\n    <edges>\n"
    for number, ((u, v), record) in enumerate(zip(graph.edges(), edges, strict=True)):
        head = f'source="{_xml_text(u)}" target="{_xml_text(v)}" id="{_xml_text(record.get("id", number))}"'
        if "label" in record:
            head += f' label="{_xml_text(record["label"])}"'
        yield element("edge", "edge", head, record)
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _write_gexf(piece: Slice, handles: list[IO[bytes]]) -> None:
    note = piece.sample.note if piece.sample is not None else None
    with _as_text(handles[0]) as text:
        text.writelines(gexf_lines(_network(piece), note))


def safe_cell(text: str) -> str:
    """A CSV cell that spreadsheets will not run as a formula: text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (so ``-1.8`` reads
    ``'-1.8``).

    >>> safe_cell('=HYPERLINK("http://evil.example")')
    '\\'=HYPERLINK("http://evil.example")'
    >>> safe_cell("CellCo")
    'CellCo'
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


#: Neo4j bulk-import header suffixes of typed attributes, by their declared type (text columns
#: have none).
_NEO4J_TYPES = {"double": ":double", "long": ":long", "boolean": ":boolean"}


def _csv_cell(value: object) -> str:
    """A value as a CSV cell: booleans as Neo4j reads them, numbers as written, text guarded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return _JAVA_FLOATS[repr(value)]  # as Neo4j (Java) reads them
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return safe_cell(str(value))


_JAVA_FLOATS = {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}


def _local(prefixed: str) -> str:
    return re.split(r"[:#/]", prefixed.strip("<>"))[-1]


def neo4j_names(names: Iterable[str]) -> dict[str, str]:
    """The Neo4j label or relationship type of each prefixed class or property in ``names``: its
    local name, unless another of ``names`` has the same one; then the ontology's own term keeps
    the local name and the others their prefixed name (or IRI), so that two properties never
    merge into one relationship type.

    >>> neo4j_names(["atmp:developedBy", "<http://example.org/developedBy>", "rdfs:seeAlso"])
    {'atmp:developedBy': 'developedBy', '<http://example.org/developedBy>': 'http://example.org/developedBy', 'rdfs:seeAlso': 'seeAlso'}
    """
    names = list(dict.fromkeys(names))
    sharing = Counter(_local(name) for name in names)
    return {
        name: _local(name)
        if sharing[_local(name)] == 1 or name.startswith("atmp:")
        else name.strip("<>")
        for name in names
    }


def network_tables(
    graph: networkx.MultiDiGraph,
) -> tuple[list[list[str]], list[list[str]]]:
    """Node and edge rows (headers first) for CSV, with Neo4j bulk-import headers.

    Nodes: ``id:ID, label, :LABEL, class`` then one column per attribute, typed in its header
    when its values are numbers or booleans (``valueUSD:double``, ``year:long``); edges:
    ``:START_ID, :END_ID, :TYPE, label, property``. Every text cell passes through
    :func:`safe_cell`; numbers are written as they are (``-1.8`` stays a number).

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("urn:a", label="=1+1", cagr=-1.8, **{"class": "atmp:Company"})
    >>> network_tables(g)[0]
    [['id:ID', 'label', ':LABEL', 'class', 'cagr:double'], ['urn:a', "'=1+1", 'Company', 'atmp:Company', '-1.8']]
    """
    types = _declared_types((data for _, data in graph.nodes(data=True)), ("label", "class"))
    columns = list(types)
    header = [name + _NEO4J_TYPES.get(kind, "") for name, kind in types.items()]
    nodes = [["id:ID", "label", ":LABEL", "class", *header]]
    where = {name: number for number, name in enumerate(columns, 4)}
    label_of = neo4j_names(
        c for _, classes in graph.nodes(data="class") if classes for c in classes.split(";")
    )
    type_of = neo4j_names(key for _, _, key in graph.edges(keys=True))
    for node, data in graph.nodes(data=True):
        classes = data.get("class", "")
        labels = ";".join(label_of[c] for c in classes.split(";") if c)
        row = [_csv_cell(c) for c in (node, data.get("label", node), labels, classes)]
        row += [""] * len(columns)
        for name, value in data.items():
            if name in where:
                row[where[name]] = _csv_cell(value)
        nodes.append(row)
    edges = [[":START_ID", ":END_ID", ":TYPE", "label", "property"]]
    for start, end, key, data in graph.edges(keys=True, data=True):
        cells = [start, end, type_of[key], data.get("label", ""), data.get("property", "")]
        edges.append([safe_cell(str(c)) for c in cells])
    return nodes, edges


def _write_csv(piece: Slice, handles: list[IO[bytes]]) -> None:
    graph = _network(piece)
    for rows, handle in zip(network_tables(graph), handles, strict=True):
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        text.detach()


def _json_values(data: Mapping[str, object]) -> dict[str, object]:
    """``data`` without the numbers JSON cannot write (NaN, infinities): such a value is left
    out, as if unknown, rather than making the whole file unreadable."""
    return {
        name: value
        for name, value in data.items()
        if not (isinstance(value, float) and not math.isfinite(value))
    }


def cytoscape_document(graph: networkx.MultiDiGraph) -> dict:
    """A network as Cytoscape.js JSON (``elements.nodes`` / ``elements.edges``, each with ``data``),
    which Cytoscape desktop also opens (``.cyjs``). The graph's attributes (what a cap left out)
    join the network's ``data``. It also carries what networkx's reader of the format
    (``networkx.cytoscape_graph``) needs: ``directed`` and ``multigraph``, and each node's
    ``value``, its IRI.

    >>> import networkx as nx
    >>> cytoscape_document(nx.MultiDiGraph([("a", "b", "k")]))["elements"]["edges"]
    [{'data': {'id': 'e0', 'source': 'a', 'target': 'b', 'key': 'k'}}]
    """
    nodes = [
        {"data": {"id": node, "value": node, "name": data.get("label", node), **_json_values(data)}}
        for node, data in graph.nodes(data=True)
    ]
    edges = [
        {"data": {"id": f"e{n}", "source": u, "target": v, "key": key, **_json_values(data)}}
        for n, (u, v, key, data) in enumerate(graph.edges(keys=True, data=True))
    ]
    return {
        "format_version": "1.0",
        "generated_by": f"atmpkg {VERSION}",
        "target_cytoscapejs_version": "~3",
        "data": {"name": "ATMP-KG export", **graph.graph},
        "directed": True,
        "multigraph": True,
        "elements": {"nodes": nodes, "edges": edges},
    }


def _write_cyjs(piece: Slice, handles: list[IO[bytes]]) -> None:
    """The document of :func:`cytoscape_document`, each element on a line of its own (written by
    the C encoder: ``indent`` would use the pure Python one, several times slower)."""
    document = cytoscape_document(_network(piece))
    elements = document.pop("elements")
    head = json.dumps(document, ensure_ascii=False, indent=1)
    with _as_text(handles[0]) as out:
        out.write(head[: -len("\n}")] + ',\n "elements": {')
        for number, (group, items) in enumerate(elements.items()):
            out.write(f'{"," if number else ""}\n  "{group}": [')
            for position, item in enumerate(items):
                out.write(f"{',' if position else ''}\n   {_ONE_LINE(item)}")
            out.write("\n  ]" if items else "]")
        out.write("\n }\n}\n")


WRITERS: dict[str, Writer] = {
    "ttl": _write_rdf(ox.RdfFormat.TURTLE),
    "nt": _write_rdf(ox.RdfFormat.N_TRIPLES),
    "nq": _write_rdf(ox.RdfFormat.N_QUADS, quads=True),
    "trig": _write_rdf(ox.RdfFormat.TRIG, quads=True),
    "jsonld": _write_jsonld,
    "rdfxml": _write_rdf(ox.RdfFormat.RDF_XML),
    "graphml": _write_graphml,
    "gexf": _write_gexf,
    "csv": _write_csv,
    "cyjs": _write_cyjs,
}


Output = str | os.PathLike[str] | IO[bytes] | None


def _write(piece: Slice, fmt: str, output: Output) -> ExportResult:
    """Write ``piece`` in ``fmt``: atomically to the file(s) ``output`` names, straight to a binary
    stream, or into ``ExportResult.content`` when ``output`` is None."""
    if not piece.subjects:
        raise EmptyResultError("nothing to export: the slice holds no triples", piece.query_notes)
    content, targets = None, []
    if output is None:
        buffer = io.BytesIO()
        WRITERS[fmt](piece, [buffer])
        content = buffer.getvalue()
    elif hasattr(output, "write"):
        WRITERS[fmt](piece, [output])
    else:
        targets = output_paths(fmt, output)
        with atomic_files(targets) as handles:
            WRITERS[fmt](piece, handles)
    return ExportResult(
        fmt,
        piece.triples_read,
        targets,
        content,
        piece.sample,
        **piece.written,
        query_notes=piece.query_notes,
    )


def _check_output(fmt: str, output: Output) -> None:
    if isinstance(output, io.TextIOBase):
        raise ParameterError(
            "an export is bytes: give a binary stream (open(path, 'wb'), sys.stdout.buffer), "
            "not a text one"
        )
    if output is not None and not hasattr(output, "write"):
        output_paths(fmt, output)  # a missing folder fails now, not after the work
    elif fmt == "csv":
        raise ParameterError("csv writes two files (nodes and edges); give an output path")


@holding_cycle_collection()
def write_triples(
    triples: Iterable[ox.Triple | ox.Quad] | rdflib.Graph,
    fmt: str | None = None,
    output: Output = None,
) -> ExportResult:
    """Write ``triples`` (pyoxigraph triples or quads, or an rdflib graph) in ``fmt`` to
    ``output`` atomically (see :func:`output_paths` for CSV), or to a writable binary stream such
    as ``sys.stdout.buffer`` as it goes, or return the bytes in ``ExportResult.content`` when
    ``output`` is None (not for CSV, which needs two files).

    >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> write_triples([t], "nt").content
    b'<urn:s> <urn:p> "x" .\\n'
    """
    fmt = resolve_format(fmt, None if hasattr(output, "write") else output)
    _check_output(fmt, output)
    return _write(Slice.of_triples(as_triples(triples)), fmt, output)


@holding_cycle_collection()
def export_of(selection: Selection, fmt: str | None = None, output: Output = None) -> ExportResult:
    """Write ``selection`` (which reads a graph) in ``fmt`` to ``output`` (see
    :func:`write_triples`). Its ``with_sources`` defaults to True for ``nq`` and ``trig`` (whose
    named graphs carry the sources) and False for the others.

    RDF formats are streamed from the store one entity at a time, complete, however large the
    slice, each entity with the blank nodes it reaches (RDF lists, nested descriptions) (not from
    a remote store, which cannot be asked about a blank node). The whole graph of the embedded
    store is read from one dump of the engine and sorted in memory (see
    :func:`~atmpkg.graph.slice.whole.whole_graph`), with the blank nodes no entity reaches, and so
    is an uncapped network of it. A network format (graphml, gexf, csv, cyjs) is built in memory, so
    it holds at most ``max_nodes`` entities (default :data:`NETWORK_MAX_NODES`); a larger
    selection is sampled as the view samples it, nearest to the focus or best connected first,
    and ``ExportResult.sample`` says exactly what was left out (graphml and cyjs also carry it as
    graph attributes, gexf in its description). ``max_nodes=0`` exports everything; a
    ``max_nodes`` given for an RDF format samples it the same way.

    The format and output folder are checked before the store is read; an unknown format,
    entity, class or query, or an empty slice, raises and writes nothing.

    >>> export_of(kg.select(focus="Kymriah", hops=1), "ttl", "kymriah.ttl").paths
    [PosixPath('kymriah.ttl')]
    """
    fmt = resolve_format(fmt, None if hasattr(output, "write") else output)
    _check_output(fmt, output)
    network = fmt not in RDF_FORMATS
    sources_left_out = selection.with_sources is None and fmt not in ("nq", "trig") and not network
    selection = selection.with_defaults(
        with_sources=fmt in ("nq", "trig"), max_nodes=NETWORK_MAX_NODES if network else 0
    )
    graph = selection.graph
    local = graph is not None and graph.endpoint is None
    if selection.whole and local and not selection.max_nodes:
        with Progress("Reading", graph._current().info.get("triples", 0), "triples") as bar:
            piece = (network_slice if network else written_slice)(selection, bar.advance)
        if not piece.subjects:
            raise EmptyResultError("the graph holds no entities: nothing to export")
    else:
        # a network writes the blank nodes an entity reaches into its attributes (see
        # rdf.fold_blank_nodes), as text of a remote store's; an RDF format keeps them nodes
        piece = network_slice(selection) if network else written_slice(selection)
    # what is read, counted as the view counts it: the entities, the hubs they link to, the
    # sources and blank nodes, more than the nodes a network draws (joints29 F5)
    with Progress("Exporting", len(piece.subjects), "subjects") as bar:
        piece.progress = bar.advance
        result = _write(piece, fmt, output)
    if sources_left_out:
        named = _sources_named(piece, selection)
        result.left_out.append(sources_named_note(named) if named else SOURCES_LEFT_OUT)
    # after the writing: the classes of the entities at the other ends are read, and a remote
    # store's prefetch of what the writer reads would be replaced
    outside = outside_note(selection, piece) if network else None
    if outside is not None:
        result.left_out.append(outside)
    if selection.whole and not network and result.sample is None:
        result.left_out.append(ontology_left_out())
    return result

"""The whole graph as its N-Triples lines in canonical order, read by the engine's own dump.

An RDF export of the whole graph holds what :func:`~atmpkg.graph.slice.subgraph.slice_of` selects
for it: the triples of every entity whose object is a value or an entity, the blank nodes those
reach and the blank nodes nothing points to, and, with sources, the sources the entities cite. Read
entity by entity through Python, that costs several times the engine's dump at a million
triples; here the engine writes every triple once (:meth:`pyoxigraph.Store.dump`), and Python
only reads the lines, keeps those the slice holds, and sorts them as bytes: the canonical order
(see :func:`~atmpkg.graph.rdf.triple_key`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

import pyoxigraph as ox

from ..errors import EmptyResultError, StoreError
from ..rdf import BLANK, IRI, LITERAL, PRECISIONS, Fact
from ..terms import ATMP, DCT, ID, PROJECT_IRIS, RDF, REPLACED_BY
from .subgraph import Slice, Subject, hub_members, slice_of, value_labels, with_blank_nodes

if TYPE_CHECKING:
    from .selection import Selection

_NODE = b"<" + ID.encode()
_PROJECT = re.compile(PROJECT_IRIS.pattern.encode())
_VALUE = b"<" + PRECISIONS.encode()
_TYPE = f"<{RDF}type>".encode()
_SOURCE_CLASS = f"<{ATMP}Source>".encode()
_CITES = f"<{DCT}source>".encode()
_REPLACED_BY = f"<{REPLACED_BY}>".encode()
_PARSED_AT_ONCE = 1000
_PROGRESS_EVERY = 1 << 16


def _is_node(token: bytes) -> bool:
    """:func:`~atmpkg.graph.rdf.is_node` for a term as N-Triples writes it."""
    return token.startswith(_NODE) and not token.startswith(_VALUE)


@dataclass
class _Run:
    """The lines of one subject (the dump gives each subject's lines together) in canonical
    order, with the predicate and the object of each: an IRI or blank node as written, a literal
    by its ending (``^^<datatype> .``, ``@en .``, `` .``); each token is kept once in memory."""

    subject: bytes
    lines: list[bytes] = field(default_factory=list)
    predicates: list[bytes] = field(default_factory=list)
    objects: list[bytes] = field(default_factory=list)
    #: its objects in the instance space, and its blank-node objects
    links: set[bytes] = field(default_factory=set)
    blanks: list[bytes] = field(default_factory=list)
    #: the objects of its ``dct:source`` lines, in canonical order
    cites: list[bytes] = field(default_factory=list)
    is_source: bool = False
    #: a retired IRI (``dct:isReplacedBy``), which names no entity
    is_retired: bool = False

    def finish(self) -> None:
        """Sort the lines and note what the run links to, once its lines are all read."""
        if len(self.lines) > 1:
            order = sorted(range(len(self.lines)), key=self.lines.__getitem__)
            self.lines = [self.lines[n] for n in order]
            self.predicates = [self.predicates[n] for n in order]
            self.objects = [self.objects[n] for n in order]
        self.links = {o for o in self.objects if o.startswith(_NODE)}
        self.blanks = [o for o in self.objects if o.startswith(b"_:")]
        pairs = list(zip(self.predicates, self.objects, strict=True))
        self.cites = sorted({o for p, o in pairs if p == _CITES})
        self.is_source = (_TYPE, _SOURCE_CLASS) in pairs
        self.is_retired = _REPLACED_BY in self.predicates


class _Subjects(Sequence[Subject]):
    """The subjects of the whole graph as terms, made from their tokens when asked for."""

    def __init__(self, tokens: list[bytes]) -> None:
        self.tokens = tokens

    def __len__(self) -> int:
        return len(self.tokens)

    @overload
    def __getitem__(self, index: int) -> Subject: ...
    @overload
    def __getitem__(self, index: slice) -> list[Subject]: ...
    def __getitem__(self, index: int | slice) -> Subject | list[Subject]:
        if isinstance(index, slice):
            return [token_term(t) for t in self.tokens[index]]
        return token_term(self.tokens[index])


def token_term(token: bytes) -> Subject:
    """The term of an IRI's or a blank node's N-Triples token.

    >>> token_term(b"_:b1"), token_term(b"<urn:x>")
    (<BlankNode value=b1>, <NamedNode value=urn:x>)
    """
    if token.startswith(b"_:"):
        return ox.BlankNode(token[2:].decode())
    return ox.NamedNode(token[1:-1].decode())


@dataclass
class WholeGraph:
    """The lines of the whole graph in canonical order: each subject's lines (``subjects``:
    its token, where its lines start and stop), the sources each subject cites (``dct:source``,
    by position in ``subjects``), and each line's predicate and object tokens per subject (for
    the prefixes a format declares)."""

    lines: list[bytes] = field(default_factory=list)
    subjects: list[tuple[bytes, int, int]] = field(default_factory=list)
    cites: dict[int, list[bytes]] = field(default_factory=dict)
    tokens: list[list[bytes]] = field(default_factory=list)
    #: the subjects that are data of an RDF export and no nodes of a network: the retired IRIs,
    #: and the IRIs outside the project's that imports describe
    data_only: set[bytes] = field(default_factory=set)

    def iris(self) -> set[str]:
        """The IRIs the lines use, datatypes included.

        >>> s = ox.Store()
        >>> s.add(ox.Quad(ox.NamedNode(ID + "therapy/a"), ox.NamedNode(ATMP + "year"), ox.Literal("2020", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))))
        >>> sorted(whole_graph(s, with_sources=False).iris())
        ['http://www.w3.org/2001/XMLSchema#gYear', 'https://w3id.org/atmp-kg/id/therapy/a', 'https://w3id.org/atmp-kg/ontology#year']
        """
        used = {subject for subject, _, _ in self.subjects}
        for tokens in self.tokens:
            used.update(tokens)
        return {iri for token in used if (iri := _iri(token)) is not None}

    def slice(self) -> Slice:
        """The whole graph as a :class:`~atmpkg.graph.slice.subgraph.Slice` that knows its lines.

        >>> s = ox.Store()
        >>> s.add(ox.Quad(ox.NamedNode(ID + "therapy/a"), ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Therapy")))
        >>> [t.object.value for t in whole_graph(s, with_sources=False).slice()]
        ['https://w3id.org/atmp-kg/ontology#Therapy']
        """
        where: dict[Subject, int] = {}
        parsed: dict[Subject, list[ox.Triple]] = {}

        def read(subject: Subject) -> list[ox.Triple]:
            # Subjects are read in order: the lines of the next thousand are parsed in one call
            if subject not in parsed:
                if not where:
                    where.update(
                        (token_term(token), n) for n, (token, _, _) in enumerate(self.subjects)
                    )
                first = where[subject]
                chunk = self.subjects[first : first + _PARSED_AT_ONCE]
                text = b"".join(self.lines[chunk[0][1] : chunk[-1][2]])
                parsed.clear()
                for triple in ox.parse(text, ox.RdfFormat.N_TRIPLES, lenient=True):
                    parsed.setdefault(triple.subject, []).append(triple)
            return parsed[subject]

        piece = Slice(_Subjects([token for token, _, _ in self.subjects]), read)
        piece.whole = self
        piece.data_only = frozenset(token_term(token).value for token in self.data_only)
        return piece

    def statements(self, number: int) -> Iterator[tuple[bytes, bytes, bytes | None]]:
        """The predicate and object tokens of each line of the ``number``-th subject, in order,
        with a literal's quoted text (None for an IRI or a blank node); a literal's object token
        is its line's ending (``@en .``, ``^^<datatype> .``, `` .``).

        >>> s = ox.Store()
        >>> s.add(ox.Quad(ox.NamedNode(ID + "therapy/a"), ox.NamedNode(ATMP + "name"), ox.Literal("A", language="en")))
        >>> next(whole_graph(s, with_sources=False).statements(0))[1:]
        (b'@en .\\n', b'"A"')
        """
        subject, start, stop = self.subjects[number]
        predicates, objects = self.tokens[2 * number], self.tokens[2 * number + 1]
        for line, predicate, obj in zip(self.lines[start:stop], predicates, objects, strict=True):
            if obj[:1] in (b"<", b"_"):
                yield predicate, obj, None
            else:
                yield predicate, obj, line[len(subject) + len(predicate) + 2 : len(line) - len(obj)]

    def facts(self) -> Iterator[Fact]:
        """The :data:`~atmpkg.graph.rdf.Fact` of each line but :attr:`data_only`'s, in canonical
        order, made from the lines without parsing them: what a network of the whole graph reads
        (it writes the blank nodes an entity reaches into that entity's attributes). Each
        distinct IRI and literal ending is decoded once; a literal's text is its quoted text,
        unescaped as JSON when it holds an escape (the engine's N-Triples writer escapes a string
        as JSON does).

        >>> s = ox.Store()
        >>> s.add(ox.Quad(ox.NamedNode(ID + "therapy/a"), ox.NamedNode(ATMP + "name"), ox.Literal('A "b"', language="en")))
        >>> next(whole_graph(s, with_sources=False).facts())[3:5]
        ('A "b"', 'en')
        """
        iris: dict[bytes, str] = {}
        endings: dict[bytes, tuple[str | None, str]] = {}

        def iri(token: bytes) -> str:
            found = iris.get(token)
            if found is None:
                found = iris[token] = token[1:-1].decode()
            return found

        for number, (subject, _, _) in enumerate(self.subjects):
            if subject in self.data_only:
                continue
            node = subject.decode() if subject.startswith(b"_:") else iri(subject)
            for predicate, obj, quoted in self.statements(number):
                if quoted is None:
                    if obj[:1] == b"<":
                        yield node, iri(predicate), IRI, iri(obj), None, None
                    else:
                        yield node, iri(predicate), BLANK, obj.decode(), None, None
                    continue
                if b"\\" in quoted:
                    text = json.loads(quoted, strict=False)
                else:
                    text = quoted[1:-1].decode()
                kind = endings.get(obj)
                if kind is None:
                    empty = empty_literal(obj)
                    kind = endings[obj] = empty.language, empty.datatype.value
                yield node, iri(predicate), LITERAL, text, kind[0], kind[1]

    def graphs(self) -> tuple[list[int], list[tuple[bytes, list[int]]]]:
        """Where each subject's lines go in a dataset that keeps provenance (see
        :func:`~atmpkg.graph.slice.export.provenance_quads`): the subjects (by position in
        ``subjects``) that cite no source, in the default graph, then each source's token with the
        subjects that cite it, its named graph, in canonical order.

        >>> s, claim, source = ox.Store(), ox.NamedNode(ID + "claim/a"), ox.NamedNode(ID + "source/b")
        >>> s.add(ox.Quad(claim, ox.NamedNode(DCT + "source"), source))
        >>> s.add(ox.Quad(source, ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Source")))
        >>> whole_graph(s, with_sources=True).graphs()
        ([1], [(b'<https://w3id.org/atmp-kg/id/source/b>', [0])])
        """
        default: list[int] = []
        named: dict[bytes, list[int]] = {}
        for number in range(len(self.subjects)):
            if number in self.cites:
                for graph in self.cites[number]:
                    named.setdefault(graph, []).append(number)
            else:
                default.append(number)
        return default, sorted(named.items())

    def quad_lines(self) -> Iterator[bytes]:
        """The lines as N-Quads that keep provenance (see :meth:`graphs`), several lines to an
        item: a subject's lines in the default graph, a named graph's lines at once.

        >>> s, claim, source = ox.Store(), ox.NamedNode(ID + "claim/a"), ox.NamedNode(ID + "source/b")
        >>> s.add(ox.Quad(claim, ox.NamedNode(DCT + "source"), source))
        >>> s.add(ox.Quad(source, ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Source")))
        >>> for lines in whole_graph(s, with_sources=True).quad_lines():
        ...     print(lines.decode().replace(ID, "id:"), end="")
        <id:source/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/atmp-kg/ontology#Source> .
        <id:claim/a> <http://purl.org/dc/terms/source> <id:source/b> <id:source/b> .
        """
        default, named = self.graphs()
        for number in default:
            _, start, stop = self.subjects[number]
            yield b"".join(self.lines[start:stop])
        for graph, numbers in named:
            spans = (self.subjects[number] for number in numbers)
            lines = b"".join([line for _, start, stop in spans for line in self.lines[start:stop]])
            # every line ends in " .\n" and holds it nowhere else (the engine escapes a line
            # break in a literal), so one pass over the graph's lines gives each its graph
            yield lines.replace(b" .\n", b" " + graph + b" .\n")

    def quad_count(self) -> int:
        """How many lines :meth:`quad_lines` writes: each subject's once per graph it is in.

        >>> s, claim = ox.Store(), ox.NamedNode(ID + "claim/a")
        >>> for n in "bc":
        ...     s.add(ox.Quad(claim, ox.NamedNode(DCT + "source"), ox.NamedNode(ID + "source/" + n)))
        ...     s.add(ox.Quad(ox.NamedNode(ID + "source/" + n), ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Source")))
        >>> whole_graph(s, with_sources=True).quad_count()
        6
        """
        return sum(
            (stop - start) * len(self.cites.get(number, (None,)))
            for number, (_, start, stop) in enumerate(self.subjects)
        )


def empty_literal(ending: bytes) -> ox.Literal:
    """The empty literal of the kind a literal's N-Triples line ending (`` .``, ``@en .``,
    ``@ar--rtl .``, ``^^<datatype> .``) gives: its language, base direction and datatype.

    >>> empty_literal(b"@ar--rtl .\\n").datatype.value
    'http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString'
    """
    (empty,) = ox.parse(b'<urn:s> <urn:p> ""' + ending, ox.RdfFormat.N_TRIPLES)
    return empty.object


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a process of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def abandoned(path: os.PathLike[str] | str, pid: int) -> bool:
    """Whether the writer of ``path`` has ended: its process is gone and nobody holds the lock it
    took on the file (a writer holds it until it is done; the lock also covers a writer on another
    machine of a shared folder, whose process number means nothing here).

    >>> abandoned("nothing-here.nt", 999_999_999)
    False
    """
    if pid == os.getpid() or _alive(pid):
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


#: The folder a whole-graph read dumps the store into: ``atmpkg-dump-<pid>-<random>`` in the
#: system's temporary folder.
_DUMP = re.compile(r"atmpkg-dump-(?P<pid>[0-9]+)-[A-Za-z0-9_]+")


def _remove_abandoned_dumps() -> None:
    """Remove the dumps of reads whose process was killed (a SIGKILL, the out-of-memory killer):
    at a million triples each is a hundred megabytes that nothing else would remove."""
    with contextlib.suppress(OSError), os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            match = _DUMP.fullmatch(entry.name)
            if match and abandoned(os.path.join(entry.path, "dump.nt"), int(match["pid"])):
                shutil.rmtree(entry.path, ignore_errors=True)


def _runs(store: ox.Store, progress: Callable[[int], None] | None) -> tuple[list[_Run], set[bytes]]:
    """The store's default graph as a run of lines per subject, and every distinct object token.

    The engine dumps into a temporary file from a thread of its own (it lets go of the
    interpreter while it writes) and this thread reads the lines as they are written, so that
    reading costs little beyond the dump itself."""
    _remove_abandoned_dumps()
    with (
        tempfile.TemporaryDirectory(prefix=f"atmpkg-dump-{os.getpid()}-") as folder,
        open(os.path.join(folder, "dump.nt"), "wb") as held,
    ):
        path = held.name
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # held while the dump is read: see abandoned
        ended = threading.Event()
        failure: list[BaseException] = []

        def dump() -> None:
            try:
                store.dump(path, ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            except BaseException as error:  # handed to the reading thread, which raises it
                failure.append(error)
            finally:
                ended.set()

        writer = threading.Thread(target=dump, name="atmpkg-dump")
        writer.start()
        try:
            found = _read_runs(_follow(path, ended), progress)
        except Exception:
            writer.join()
            if not failure:
                raise
            # a dump cut short (a full disk) leaves a torn last line: its error is the dump's
        finally:
            writer.join()
    if failure:
        raise failure[0]
    return found


def _follow(path: str, ended: threading.Event) -> Iterator[bytes]:
    """The lines of the file at ``path`` as another thread writes it, until ``ended`` is set."""
    pending = b""
    with open(path, "rb") as growing:
        while True:
            last = ended.is_set()  # read once more after the writer ended: what it wrote last
            chunk = growing.read(1 << 22)
            if not chunk:
                if last:
                    break
                ended.wait(0.005)
                continue
            lines = (pending + chunk).splitlines(keepends=True)
            pending = b"" if lines[-1].endswith(b"\n") else lines.pop()
            yield from lines
    if pending:
        yield pending


def _read_runs(
    lines: Iterable[bytes], progress: Callable[[int], None] | None
) -> tuple[list[_Run], set[bytes]]:
    """The runs of ``lines``, and every distinct object token; ``progress`` is told how many
    lines were read, every ``_PROGRESS_EVERY``."""
    runs: dict[bytes, _Run] = {}
    tokens: dict[bytes, bytes] = {}
    run = _Run(b"")
    number = 0
    for number, line in enumerate(lines, 1):
        if progress is not None and not number % _PROGRESS_EVERY:
            progress(_PROGRESS_EVERY)
        subject, predicate, rest = line.split(b" ", 2)
        if subject != run.subject:
            run.finish()
            run = runs.setdefault(subject, _Run(subject))
        head = rest[:1]
        if head == b"<":
            obj = rest[: rest.index(b">") + 1]
        elif head == b"_":
            obj = rest[: rest.index(b" ")]
        else:
            obj = rest[rest.rindex(b'"') + 1 :]
        run.lines.append(line)
        run.predicates.append(tokens.setdefault(predicate, predicate))
        run.objects.append(tokens.setdefault(obj, obj))
    run.finish()
    if progress is not None:
        progress(number % _PROGRESS_EVERY)
    return list(runs.values()), set(tokens)


def _iri(token: bytes) -> str | None:
    """The IRI an IRI token or a typed literal's ending names, else None."""
    if token.startswith(b"<"):
        return token[1:-1].decode()
    if token.startswith(b"^^<"):
        return token[3 : token.index(b">")].decode()
    return None


def _reach(blanks: dict[bytes, _Run], start: list[bytes]) -> set[bytes]:
    """The blank nodes of ``blanks`` that ``start`` holds or reaches through them."""
    waiting, reached = list(start), set()
    while waiting:
        node = waiting.pop()
        if node in reached or node not in blanks:
            continue
        reached.add(node)
        waiting += blanks[node].blanks
    return reached


def written_slice(selection: Selection, progress: Callable[[int], None] | None = None) -> Slice:
    """The slice an RDF export of ``selection`` (whose defaults are filled in) writes: of the
    embedded store's whole graph, uncapped, the engine's dump, with the blank nodes no entity
    reaches (one read, several times faster than entity by entity; ``progress`` is told the
    triples read); else the selected entities, each with the blank nodes it reaches (RDF lists,
    nested descriptions), and the blank nodes nothing reaches that link to them, those its
    network draws within the cap (see :class:`~atmpkg.graph.slice.subgraph.Walk`), except from
    a remote store, which cannot be asked about a blank node.

    >>> len(list(written_slice(kg.select(focus="Kymriah", hops=0).with_defaults(with_sources=False, max_nodes=0))))
    32
    """
    graph = selection.graph
    local = graph is not None and graph.endpoint is None
    if selection.whole and local and not selection.max_nodes:
        return whole_graph(graph._current().store, bool(selection.with_sources), progress).slice()
    piece = selection.slice()
    # each blank node once, with the first entity that reaches it (not once per entity)
    return with_blank_nodes(piece, graph._current().store, once=True) if local else piece


def network_slice(
    selection: Selection, progress: Callable[[int], None] | None = None
) -> Slice:
    """The slice a network of ``selection`` draws (an export's, ``network()``'s, a view's): the
    selected entities, each with the blank nodes it reaches, which the network writes into the
    attribute that links to each (see :func:`~atmpkg.graph.slice.subgraph.with_blank_nodes`), and
    the blank nodes nothing reaches that link to them, nodes linked to them that the cap counts
    after the entities (see :class:`~atmpkg.graph.slice.subgraph.Walk`); of
    a remote store, which cannot be asked what a blank node holds, each is
    :data:`~atmpkg.graph.slice.subgraph.REMOTE_BLANK`, as ``show`` prints it. Of the embedded
    store's whole graph, uncapped, what its RDF export writes (see :func:`written_slice`,
    ``progress`` is told the triples read), so that the blank nodes no entity reaches are nodes.

    >>> len(list(network_slice(kg.select(focus="Kymriah", hops=0))))
    32
    """
    graph = selection._bound()
    store = graph._current().store
    if selection.whole and graph.endpoint is None and not selection.max_nodes:
        piece = written_slice(selection, progress)
        if not piece.subjects:
            raise EmptyResultError("the graph holds no entities: nothing to export or draw")
        piece.hubs = frozenset(hub_members(store, selection.through))
    else:
        # drawn as asked: the entities an RDF slice keeps for their required links are what
        # expanding a node brings
        filled = selection.with_defaults(with_sources=False, max_nodes=0)
        piece = with_blank_nodes(slice_of(graph, filled), store)
    piece.value_names = functools.partial(value_labels, store=store)
    return piece


def whole_graph(
    store: ox.Store, with_sources: bool, progress: Callable[[int], None] | None = None
) -> WholeGraph:
    """The whole graph of ``store`` (its default graph) as the N-Triples lines an RDF export
    writes, in canonical order; ``progress`` is told how many triples were read as they are.

    >>> s = ox.Store()
    >>> s.add(ox.Quad(ox.NamedNode(ID + "therapy/a"), ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Therapy")))
    >>> whole_graph(s, with_sources=False).lines
    [b'<https://w3id.org/atmp-kg/id/therapy/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/atmp-kg/ontology#Therapy> .\\n']
    """
    try:
        runs, tokens = _runs(store, progress)
    except OSError as error:
        raise StoreError(
            f"cannot dump the store to read the whole graph: {error}; the dump needs about the "
            f"size of an N-Triples export in {tempfile.gettempdir()} (set TMPDIR to a folder with "
            "room)"
        ) from None
    sources = {r.subject for r in runs if r.is_source}
    entities = {r.subject for r in runs if _is_node(r.subject) and not r.is_retired} - sources
    if with_sources:
        entities |= {o for r in runs if r.subject in entities for o in r.links & sources}
    blanks = {r.subject: r for r in runs if r.subject.startswith(b"_:")}
    # a retired IRI names no entity, but its pointer to what replaced it is data a published
    # dump keeps, so that an IRI someone kept still resolves; and so is what an import says of
    # IRIs of its own (ex:t1), which are values, not entities
    data_only = {
        r.subject
        for r in runs
        if (r.is_retired and r.links & entities)
        or (r.subject.startswith(b"<") and not _PROJECT.match(r.subject, 1))
    }
    kept = [r for r in runs if r.subject in entities or r.subject in data_only]
    # blank nodes: those the kept subjects reach, and those nothing points to; those that only
    # data reaches are data too
    pointed = {o for r in runs if r.blanks for o in r.blanks}
    loose = [b for b in blanks if b not in pointed]
    drawn = _reach(blanks, loose + [o for r in kept if r.subject not in data_only for o in r.blanks])
    reached = _reach(blanks, [o for r in kept if r.subject in data_only for o in r.blanks])
    data_only |= reached - drawn
    kept += [blanks[b] for b in drawn | reached]
    kept.sort(key=lambda r: r.subject)
    # a line is kept when its object is a value (a literal, a blank node, an IRI that is not an
    # entity's) or a kept entity
    keep = entities | {t for t in tokens if not _is_node(t)}
    whole = WholeGraph(data_only=data_only)
    for r in kept:
        if r.links <= keep:
            lines, predicates, objects = r.lines, r.predicates, r.objects
        else:
            chosen = [n for n, o in enumerate(r.objects) if o in keep]
            if not chosen:
                continue
            lines = [r.lines[n] for n in chosen]
            predicates = [r.predicates[n] for n in chosen]
            objects = [r.objects[n] for n in chosen]
        cited = [o for o in r.cites if o in keep]
        if cited:
            whole.cites[len(whole.subjects)] = cited
        whole.subjects.append((r.subject, len(whole.lines), len(whole.lines) + len(lines)))
        whole.lines += lines
        whole.tokens += (predicates, objects)
    return whole

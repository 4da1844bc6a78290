"""The worker processes that run ``atmpkg serve``'s queries.

Each worker confines itself (:func:`atmpkg.graph.engine.sandbox.confine`: no new socket of any
family, no ptrace, a cap on its memory), opens the store read-only once and then runs one job after another: a
query answered in a negotiated format, a query's answer drawn as a graph view, or an entity as RDF
or as its HTML page. A job that passes its time limit has its worker killed (the Rust engine cannot be interrupted
from Python; ending the process stops the work and frees its memory) and a new worker takes its
place; so does a worker that dies during a job (the memory cap reached, a crash), and the request is
told why (:func:`~atmpkg.graph.engine.sandbox.describe_death`, read from the last lines the worker wrote
to its stderr, which is a pipe of its own that the pool forwards to the server's log).

The workers form three lanes: the quick lane (:data:`QUICK_WORKERS` process) runs only queries that
are cheap by their shape (:func:`~atmpkg.graph.server.protocol.quick_query`), under :data:`QUICK_LIMIT`,
which also take a free worker of the query lane;
the look-up lane (:data:`LOOKUP_WORKERS` process) runs the look-ups of one entity (its ``/id/`` page,
its neighbours, what a name names), which also take a free worker of the query lane; and the query
lane (``--workers`` processes, at a lower CPU priority: :data:`QUERY_NICE`) runs every other job, so
that a flood of long queries can make neither a cheap probe nor an entity page wait. A quick query
or a look-up takes a query worker only while one more stays free for the queries. A request
waits at most :data:`QUEUE_WAIT` for a worker of its lanes; then, or at once when
:attr:`WorkerPool.queue_size` requests are already waiting for its lane, it is refused with
:class:`Overloaded`. Every failure comes back as an HTTP status with a message safe to
show; traces go to stderr only.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..display.pages import MESSAGE_CSP, entity_page, known_csp, message_page, page_csp
from ..engine.answers import UnreadableAnswerError
from ..engine.evaluate import QueryResult
from ..engine.sandbox import (
    DEFAULT_MEMORY,
    OUT_OF_MEMORY,
    confine,
    describe_death,
    die_with_parent,
)
from ..errors import (
    SURROGATE,
    AtmpkgError,
    DataError,
    EmptyResultError,
    NotQueryError,
    NotSparqlError,
    ParameterError,
    PeriodError,
    QueryMemoryError,
    QueryRefusedError,
    QuerySyntaxError,
    SeveralEntitiesError,
    StoreError,
    UnknownNameError,
    cut,
    likeness,
    suggest,
)
from ..handle import KnowledgeGraph
from ..slice.subgraph import blank_description
from ..sparql.entities import NameIndex, resolve_entity
from ..terms import ID
from .names import index_body
from .protocol import (
    MEDIA_TYPES,
    OFFERS,
    RDF_FORMATS,
    HttpError,
    http_notes,
    not_acceptable,
    not_sparql,
    refused,
)

if TYPE_CHECKING:
    from ..display.explore import EntityView

log = logging.getLogger("atmpkg.server")  # the server's logger: workers are part of it


#: Seconds a new worker may take to open the store before it is given up.
WORKER_START_SECONDS = 120
#: Seconds a request waits for a free worker of its lane before it is refused (503).
QUEUE_WAIT = 1.0
#: Workers reserved for quick queries (see :func:`~atmpkg.graph.server.protocol.quick_query`).
QUICK_WORKERS = 1
#: Seconds a quick query may run (never more than the server's own time limit).
QUICK_LIMIT = 2.0
#: Workers reserved for the look-ups of one entity (its page, its neighbours, what a name names):
#: a hub's page takes seconds, too long for the quick lane, yet it must answer while long queries
#: hold every query worker (joints31 F3: /id/company/bayer got 503 under 20 CONSTRUCTs).
LOOKUP_WORKERS = 1
#: The lanes whose workers a job of each lane may take, the first free in this order.
#: Quick queries and look-ups also take a free query worker: a flood of cheap-shaped queries that
#: read the whole graph filled the one quick worker while both query workers sat idle, and a
#: cheap ASK got 503 (sec32 F2).
LANE_WORKERS = {"query": ("query",), "quick": ("quick", "query"), "lookup": ("lookup", "query")}
#: How much lower the CPU priority of query workers is (``nice``) than the server's and the quick
#: lane's: long queries on every core must not slow down the HTTP door and the cheap requests.
QUERY_NICE = 5
#: Lines of a worker's stderr kept to explain its death.
STDERR_TAIL_LINES = 20
#: Longest stderr line kept or forwarded, in characters (a worker may print a huge value).
STDERR_LINE_CHARS = 2000


#: The exit status of a worker process that left as it imported the main script again and found it
#: starting a server (:func:`leave_if_importing_main`).
UNGUARDED_EXIT = 75


def leave_if_importing_main() -> None:
    """End this process quietly when it is a worker still importing the main script again (as
    multiprocessing's forkserver and spawn start a process) and that script starts a server as it
    is imported: the server that started it says why (:func:`unguarded_script`), once, instead of
    a traceback from each worker. Elsewhere it does nothing.

    >>> leave_if_importing_main()
    """
    # the flag multiprocessing itself reads to refuse a new process while the script is imported
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        os._exit(UNGUARDED_EXIT)


def unguarded_script() -> AtmpkgError:
    """The error for workers that left because the main script starts a server as it is imported
    (see :func:`leave_if_importing_main`), naming the script.

    >>> print(unguarded_script())
    the server's query workers could not start: ... starts a server as it is imported, ...
    """
    script = getattr(sys.modules["__main__"], "__file__", None)
    return AtmpkgError(
        f"the server's query workers could not start: {script or 'the main module'} starts a "
        "server as it is imported, and each worker imports it again; start the server under "
        'if __name__ == "__main__": (as any script that uses multiprocessing must)'
    )


#: Largest answer a worker sends (503 above it): the server holds each answer whole while a client
#: reads it, outside any worker's memory cap.
MAX_ANSWER_BYTES = 128 << 20


def _bounded(payload: dict) -> dict:
    """``payload`` when its body is within :data:`MAX_ANSWER_BYTES`, else a 503 that says so.

    >>> _bounded({"body": b"x"})
    {'body': b'x'}
    """
    size = len(payload.get("body", b""))
    if size > MAX_ANSWER_BYTES:
        raise HttpError(
            503,
            f"the answer is {size / (1 << 20):,.0f} MiB, over the server's "
            f"{MAX_ANSWER_BYTES >> 20} MiB per answer; narrow the query (LIMIT, fewer or shorter "
            "values), or run it with the library or 'atmpkg query', which have no such cap",
        )
    return payload


def _serialize(result: QueryResult, fmt: str) -> bytes:
    """A query result in ``fmt``: the library's formats, plus RDF/XML (the default that rdflib's
    SPARQLStore and SPARQLWrapper ask for on CONSTRUCT), N3 (as Turtle), N-Quads and TriG (the
    triples in the default graph) for graphs."""
    from ..engine.results import format_result

    _refuse_what_xml_cannot_hold(result, fmt)
    if fmt in ("rdfxml", "nq", "trig"):
        return ox.serialize(
            [ox.Quad(t.subject, t.predicate, t.object) for t in result.triples],
            format=RDF_FORMATS[fmt],
        )
    return format_result(result, "ttl" if fmt == "n3" else fmt).encode("utf-8")


def _refuse_what_xml_cannot_hold(result: QueryResult, fmt: str) -> None:
    """A 406 when ``fmt`` is XML (SPARQL results, RDF/XML) and a value of the answer holds a
    character XML 1.0 cannot, naming the formats that can hold it (sec18 F2)."""
    from ..engine.results import NOT_XML, not_xml

    if fmt == "xml" and result.form == "SELECT":
        values = (t.value for row in result.rows for t in row if isinstance(t, ox.Literal))
        instead = "ask for JSON, CSV or TSV (format=json), which can"
    elif fmt == "rdfxml":
        values = (t.object.value for t in result.triples if isinstance(t.object, ox.Literal))
        instead = "ask for Turtle, N-Triples or JSON-LD (format=ttl), which can"
    else:
        return
    for value in values:
        if found := NOT_XML.search(value):
            raise HttpError(406, str(not_xml(value, found.start(), instead)))


def _job_query(args: dict, graph: KnowledgeGraph) -> dict:
    """Run a query (text or named) and serialise its answer in the negotiated format of its form,
    with its notes, kept with the answer (the server writes them into the ``ATMPKG-Notes``
    header)."""
    if "name" in args:
        result = graph.named(args["name"], args["params"], limit=args["limit"])
    else:
        result = graph.query(args["text"], args.get("params"), limit=args["limit"])
    kind = "graph" if result.form in ("CONSTRUCT", "DESCRIBE") else "table"
    fmt = args["formats"][kind]
    if fmt is None:
        raise not_acceptable(f"a {result.form} query", OFFERS[kind])
    return {
        "fmt": fmt,
        "body": _serialize(result, fmt),
        "truncated": result.truncated,
        "notes": _kept(http_notes(result.notes)),
    }


def _kept(notes: list[str]) -> list[str]:
    """Of an answer's notes, what the server takes of a reply (a note echoes the query: a name
    20,000 characters long made a note the server refused as a worker's gone astray, sec17 H2).

    >>> [len(note) for note in _kept(["x" * 5000, "y"])]
    [1024, 1]
    """
    return [note[:_NOTE_CHARS] for note in notes[:_MOST_NOTES]]


def _job_graph(args: dict, graph: KnowledgeGraph) -> dict:
    """Draw a query's answer: its nodes, described, as the self-contained HTML graph view; for an
    answer with nothing to draw, a page that says so, with the query's notes."""
    from ..display.view import view_of  # as the handle's view loads it: when a view is made

    if "name" in args:
        selection = graph.select(name=args["name"], params=args["params"])
    else:
        selection = graph.select(query=args["text"], params=args.get("params") or {})
    try:
        # a selection of a query's answer, never drawn as the whole graph's overview; its notes
        # say how to give a parameter here, p=, not -p (newuser26). Its title is the selection's,
        # as atmpkg view gives it: the query and the parameters given (joints27 F3), so that a
        # saved page or a second tab says whose graph it is
        document = view_of(selection, told=http_notes).html
    except EmptyResultError as exc:
        # Not an error of the request: the Graph tab shows this page in place of a view, with the
        # query's notes on why, in its ATMPKG-Notes header too (joints23 F4)
        message = "the answer names no entities of the graph: nothing to draw"
        notes = _kept(http_notes(exc.notes))
        page = message_page(200, message, notes=notes)
        return {"body": page.encode("utf-8"), "csp": MESSAGE_CSP, "notes": notes}
    return {"body": document.encode("utf-8")}


def _shown(iri: str, graph: KnowledgeGraph) -> EntityView:
    """The entity ``iri`` names, or 404 with the closest IRIs of its kind (or, outside the
    graph's namespace, the names the lookup suggests)."""
    try:
        return graph.show(iri)
    except UnknownNameError as exc:
        raise HttpError(404, _no_entity(iri, graph) if iri.startswith(ID) else str(exc)) from None


def _job_entity(args: dict, graph: KnowledgeGraph) -> dict:
    """An entity as RDF (its own triples, both directions, with what the blank nodes among them
    hold) or as an HTML page with a graph view; for a retired IRI, the IRI that replaced it
    (``moved``)."""
    view = _shown(args["iri"], graph)
    if view.iri != args["iri"]:
        return {"moved": view.iri}
    if args["fmt"] != "html":
        # what the store holds about it, as SPARQL answers: the stated half of each inverse
        # pair and the derived facts too, which the page (the card of `show`) leaves out
        both_ways = "CONSTRUCT { ?e ?p ?o . ?s ?q ?e } WHERE { { ?e ?p ?o } UNION { ?s ?q ?e } }"
        triples = graph.query(both_ways, {"e": ox.NamedNode(view.iri)})
        # a blank node has no address to ask it at: what those linked either way hold comes with
        # them, as an export writes it (newuser25 F13)
        whole = blank_description(triples.triples, graph._current().store)
        return {"body": _serialize(dataclasses.replace(triples, triples=whole), args["fmt"])}
    neighbourhood = graph.view(focus=view.iri, hops=1, title=view.label).html
    page = entity_page(view, neighbourhood)
    return {"body": page.encode("utf-8"), "csp": page_csp(neighbourhood)}


def _job_neighbours(args: dict, graph: KnowledgeGraph) -> dict:
    """What an entity links to, as the data of its neighbourhood's graph view: what the served
    Graph tab adds to its page when a node links to more than the page holds; for a retired IRI,
    the IRI that replaced it (``moved``), as :func:`_job_entity` tells it."""
    view = _shown(args["iri"], graph)
    if view.iri != args["iri"] and args["iri"].startswith(("https://", "http://")):
        # an IRI, not a name (kymriah, therapy:kymriah) that the look-up reads as one
        return {"moved": view.iri}
    drawn = graph.view(focus=view.iri, hops=1, title=view.label).data
    return {"body": json.dumps(drawn, ensure_ascii=False, separators=(",", ":")).encode("utf-8")}


def _job_named(args: dict, graph: KnowledgeGraph) -> dict:
    """What the name ``name`` names, as ``atmpkg show`` reads a name (:func:`named_reply` of the
    store's look-up): what a path without the entity's kind (``/id/kymriah``, ``/id/kymria``)
    is offered."""
    # the name alone is looked up, not the entity's page built, as show would (rev24 F1)
    store = graph._current().store
    return named_reply(args["name"], lambda name: resolve_entity(name, store)) or {"named": ""}


def named_reply(name: str, resolve: Callable[[str], str | None]) -> dict | None:
    """What ``resolve`` (the store's look-up, or the names the server keeps) tells of ``name``:
    the IRI of the entity it names (``named``, "" for none); else the IRIs of the entities that
    share it (``several``, as an INN two products have, and how many more are ``left`` out), or
    those its near misses name (``near``) and how like ``name`` the closest of these names is
    (``like``); None when ``resolve`` leaves the name to the store's look-up.

    >>> def resolve(name):
    ...     raise UnknownNameError("entity", name, suggestions=["Genzyme"], entities=[ID + "company/genzyme"])
    >>> named_reply("genzym", resolve)
    {'named': '', 'near': ['https://w3id.org/atmp-kg/id/company/genzyme'], 'like': 0.9230769230769231}
    >>> def shared(name):
    ...     raise SeveralEntitiesError("'inn' names several entities", [ID + "therapy/a", ID + "therapy/b"])
    >>> named_reply("inn", shared)
    {'named': '', 'several': ['https://w3id.org/atmp-kg/id/therapy/a', 'https://w3id.org/atmp-kg/id/therapy/b'], 'left': 0}
    """
    try:
        named = resolve(name)
    except UnknownNameError as exc:
        like = max((likeness(name, str(offered)) for offered in exc.suggestions), default=0.0)
        return {"named": "", "near": near_misses(exc), "like": like}
    except SeveralEntitiesError as exc:
        # a name several entities share names each of them, as `atmpkg show` lists them
        paged = [e for e in exc.entities if e.startswith(ID) and len(e) <= _NOTE_CHARS]
        return {"named": "", "several": paged[:5], "left": len(exc.entities) - len(paged[:5])}
    except ParameterError:
        return {"named": "", "near": []}
    return None if named is None else {"named": named}


def near_misses(exc: UnknownNameError) -> list[str]:
    """The entities an unknown name's near misses name that have a page here, as few as a
    reply's checks take (:func:`_reply`).

    >>> near_misses(UnknownNameError("entity", "kymria", entities=["https://w3id.org/atmp-kg/id/therapy/kymriah"]))
    ['https://w3id.org/atmp-kg/id/therapy/kymriah']
    """
    return [e for e in exc.entities if e.startswith(ID) and len(e) <= _NOTE_CHARS][:5]


def _job_names(args: dict, graph: KnowledgeGraph) -> dict:
    """The names the server looks ``/id/<name>`` up in (see :mod:`.names`), read of the current
    build."""
    return {"body": index_body(NameIndex.read(graph._current().store))}


def _no_entity(iri: str, graph: KnowledgeGraph) -> str:
    """Why there is no page at an entity's IRI, with the paths of the closest IRIs of its kind."""
    kind, _, slug = iri[len(ID) :].partition("/")
    found = graph.query(
        "SELECT DISTINCT ?e ?kind WHERE { ?e ?p ?o FILTER(STRSTARTS(STR(?e), ?kind)) }",
        {"kind": ox.Literal(f"{ID}{kind}/")},
    )
    slugs = [row[0].value.rsplit("/", 1)[1] for row in found.rows]
    near = [f"/id/{kind}/{s}" for s in suggest(slug, slugs)]
    # quoted as the server quotes the path it was asked (http._quoted)
    return f"no entity at '{cut(f'/id/{kind}/{slug}')}'" + (
        f"; did you mean {', '.join(near)}?" if near else ""
    )


JOBS: dict[str, Callable[[dict, KnowledgeGraph], dict]] = {
    "query": _job_query,
    "graph": _job_graph,
    "entity": _job_entity,
    "neighbours": _job_neighbours,
    "named": _job_named,
    "names": _job_names,
}


def _error_reply(exc: Exception, kind: str, memory: int, held: bool) -> tuple[int, str]:
    """The status and client-safe message for an exception raised by a job in a worker whose
    memory cap is ``memory`` (which, with ``held``, also holds the worker's copy of the store).

    >>> _error_reply(QuerySyntaxError("no WHERE"), "query", 2 * 1024**3, False)
    (400, 'no WHERE')
    >>> _error_reply(MemoryError(), "query", 300 * 1024**2, True)[1].split(";")[0]
    "query stopped at the 300 MiB memory cap, which also holds the evaluating process's copy of the store"
    """
    if isinstance(exc, HttpError):
        return exc.status, exc.message
    if isinstance(exc, MemoryError):
        # Python's own allocations fail at the cap with MemoryError (the engine's abort the process)
        return 503, str(
            exc if isinstance(exc, QueryMemoryError) else QueryMemoryError(memory, held)
        )
    if isinstance(exc, NotQueryError):  # the entity's page, not the command line's way
        return 400, exc.http
    if isinstance(exc, QuerySyntaxError):
        return 400, str(exc)
    if isinstance(exc, QueryRefusedError):
        return 403, refused(exc).message
    if isinstance(exc, EmptyResultError):
        return 404, "the answer names no entities of the graph: nothing to draw"
    if isinstance(exc, UnknownNameError):
        if exc.what == "named query":  # the command line's hint is no use to an HTTP client
            return 400, exc.told("List them at /api/queries.")
        return (404 if kind == "entity" else 400), str(exc)
    if isinstance(exc, DataError):
        # The message without a file name: the query came in the request, not from a file.
        return 400, f"line {exc.line}: {exc.message}" if exc.line else exc.message
    if isinstance(exc, NotSparqlError):  # the command line's and Python's ways, of no use here
        return 400, not_sparql(exc)
    if isinstance(exc, PeriodError):  # the end that took its default, given as p= here
        return 400, exc.told(f"p={exc.name}=…")
    if isinstance(exc, ParameterError):
        return 400, str(exc)
    log.error("%s job failed", kind, exc_info=exc)
    return 500, "internal server error"


def dump_reply(status: int | str, payload: dict | str | int) -> bytes:
    """A worker's reply as it sends it: a line of JSON (the status, and the payload but for its
    body), then the body's bytes as they are. JSON, not a pickle: the server makes nothing but
    the values a reply holds, and reading one costs what it holds.

    >>> load_reply(dump_reply(200, {"body": b"x", "truncated": False}))
    (200, {'truncated': False, 'body': b'x'})
    """
    if isinstance(payload, dict):
        fields = {k: v for k, v in payload.items() if k != "body"}
        head = json.dumps([status, fields, "body" in payload]).encode("ascii")
        return head + b"\n" + payload.get("body", b"")
    return json.dumps([status, payload, False]).encode("ascii") + b"\n"


#: The longest first line of a reply: a job's few fields and notes, or an error's message. JSON
#: is read whole before anything is checked, so it is bounded first (rev2_16 F7: 60 MB of empty
#: lists held every thread of the server 11 s and took 1.4 GB).
MAX_REPLY_HEAD = 2 << 20


def load_reply(data: bytes) -> tuple[int | str, dict | str | int]:
    """The reply :func:`dump_reply` wrote as ``data``, or :class:`UnreadableAnswerError`."""
    head, _, body = data.partition(b"\n")
    if len(head) > MAX_REPLY_HEAD:
        raise UnreadableAnswerError(f"a reply's first line of {len(head):,} bytes")
    try:
        status, payload, has_body = json.loads(head)
    except Exception as exc:  # any bytes may come: each way they fail to read is this one error
        raise UnreadableAnswerError(f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if isinstance(payload, dict) and "body" in payload:
        raise UnreadableAnswerError("a body in a reply's first line")
    if has_body is True and isinstance(payload, dict):
        payload["body"] = body
    return status, payload


#: The statuses of the errors a job replies with (:func:`_error_reply`).
_ERROR_STATUSES = frozenset({400, 403, 404, 406, 500, 503})
#: The fields of a job's answer, each with its type (the body comes as bytes from the framing).
_FIELDS = {
    "body": bytes,
    "fmt": str,
    "csp": str,
    "moved": str,
    "named": str,
    "near": list,
    "like": float,
    "several": list,
    "left": int,
    "truncated": bool,
    "notes": list,
}
#: The most notes a reply keeps, and the longest: the server's header shows five, cut shorter,
#: and a reply's first line, ASCII JSON where a character may take 12 bytes, stays far below
#: MAX_REPLY_HEAD (notes of 16 KiB made one of 2.4 MB, rev17 F1).
_MOST_NOTES, _NOTE_CHARS = 64, 1 << 10


def _reply(reply: object) -> bool:
    """Whether ``reply`` is what a worker sends: ``(200, dict)`` of a job's answer, its fields of
    their types, or an error's status and message.

    >>> _reply((200, {"body": b"x", "notes": ["a"]})), _reply((400, "no WHERE"))
    (True, True)
    >>> _reply((200, {"named": ""})), _reply((200, {"named": "", "moved": "x"}))
    (True, False)
    >>> _reply((200, {"named": "", "near": ["a"] * 5})), _reply((200, {"named": "", "near": [1]}))
    (True, False)
    >>> _reply((200, {"named": "", "several": ["a"] * 5})), _reply((200, {"named": "", "several": ["a"] * 6}))
    (True, False)
    >>> _reply((500, [[]])), _reply((100, "HTTP/1.1 200 OK")), _reply((200, {"body": "x"}))
    (False, False, False)
    """
    if not (isinstance(reply, tuple) and len(reply) == 2 and type(reply[0]) is int):
        return False
    status, answer = reply
    if status != 200:
        return status in _ERROR_STATUSES and isinstance(answer, str) and not SURROGATE.search(answer)
    if not (isinstance(answer, dict) and set(answer) <= set(_FIELDS)):
        return False
    if not all(type(value) is _FIELDS[key] for key, value in answer.items()):
        return False
    # a page, an answer or a view has a body; an entity that was replaced, where it went; a
    # name, what it names
    if sum(key in answer for key in ("body", "moved", "named")) != 1:
        return False
    # the server writes these into the answer's headers (sec17 W1)
    if not (known_csp(answer.get("csp", MESSAGE_CSP)) and answer.get("fmt", "json") in MEDIA_TYPES):
        return False
    notes, near, several = (answer.get(key, []) for key in ("notes", "near", "several"))
    return (
        len(notes) <= _MOST_NOTES
        and len(near) <= 5
        and len(several) <= 5
        and all(isinstance(n, str) and len(n) <= _NOTE_CHARS for n in notes + near + several)
    )


def prepare(store: str, in_memory: bool = False, memory: int = DEFAULT_MEMORY) -> KnowledgeGraph:
    """What a worker does before its first job, in this order: confine the process for good (no
    new socket, no ptrace, at most ``memory`` bytes of data), then open the knowledge graph at
    ``store`` read-only (or a copy in memory, which the cap must leave room for) and run a first
    query, so that the first request does not pay for opening RocksDB. A confined process
    evaluates its queries in place: the graph's methods need no child process here.

    >>> import subprocess, sys
    >>> code = ("import os; from atmpkg.graph.server.workers import prepare; "
    ...         "print(prepare(os.environ['ATMPKG_STORE']).query('ASK {}').boolean)")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    'True\\n'
    """
    confine(network=False, memory=memory)
    graph = KnowledgeGraph(store, in_memory=in_memory, memory=memory)
    graph.query("ASK {}")
    return graph


def _worker_main(
    conn: Connection,
    stderr: Connection,
    store: str,
    in_memory: bool,
    memory: int,
    nice: int,
) -> None:  # pragma: no cover - child
    """A worker: send stderr to its pipe, get ready (:func:`prepare`), say so, then run one job
    after another."""
    # Everything the process writes to fd 2, the Rust engine's last words before an abort included,
    # goes to a pipe of its own: the pool forwards it to the server's log and reads its last lines
    # when the process dies.
    os.dup2(stderr.fileno(), 2)
    stderr.close()
    # A session of its own: Ctrl-C at the server's terminal reaches the server alone, which ends
    # its workers itself, and a worker gone astray has no terminal to type a command into for the
    # shell (the filter refuses that too); a Ctrl-C before it is ignored. Should the server itself
    # be killed, no worker goes on running a query nobody waits for.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.setsid()
    die_with_parent(os.getppid())
    if nice:
        os.nice(nice)
    try:
        graph = prepare(store, in_memory, memory)
    except MemoryError:
        # a cap too small for the library itself: one line the pool reads as the cap, not the
        # traceback multiprocessing would print
        os.write(2, b"MemoryError: the memory cap leaves no room to start the worker\n")
        os._exit(1)
    conn.send_bytes(dump_reply("ready", os.getpid()))
    while True:
        try:
            kind, args = conn.recv()
        except EOFError:
            return
        try:
            conn.send_bytes(dump_reply(200, _bounded(JOBS[kind](args, graph))))
        except Exception as exc:  # every failure goes back as a status and a safe message
            conn.send_bytes(dump_reply(*_error_reply(exc, kind, memory, in_memory)))


class _StderrPump:
    """A worker's stderr pipe, read by a thread: each line goes to the server's log as it comes,
    and the last :data:`STDERR_TAIL_LINES` are kept to explain the worker's death."""

    def __init__(self, reader: Connection, pid: int | None):
        self._reader, self._pid = reader, pid
        self._tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        # the line that says memory ran out comes before a backtrace longer than the tail
        self._out_of_memory: str | None = None
        self._thread = threading.Thread(target=self._pump, name="atmpkg-worker-stderr", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        pending = b""
        # Until the worker is gone: its end of the pipe closes with it.
        while chunk := os.read(self._reader.fileno(), 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self._line(line)
            if len(pending) > 4 * STDERR_LINE_CHARS:  # a line without end: take it as it is
                self._line(pending)
                pending = b""
        if pending:
            self._line(pending)
        self._reader.close()

    def _line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip()[:STDERR_LINE_CHARS]
        if text:
            self._tail.append(text)
            if self._out_of_memory is None and any(sign in text for sign in OUT_OF_MEMORY):
                self._out_of_memory = text
            log.warning("query worker %s: %s", self._pid, text)

    def tail(self, wait: float) -> str:
        """The last lines the worker wrote, once its pipe is drained (at most ``wait`` seconds)."""
        self._thread.join(wait)
        return "\n".join([self._out_of_memory or "", *self._tail]).lstrip("\n")


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    lane: _Lane
    stderr: _StderrPump
    #: Set by the first :meth:`WorkerPool._discard`: the pool closing and a request replacing
    #: the worker may both discard it, and its pipe closes once.
    discarded: bool = False


@dataclass(eq=False)
class _Lane:
    """Workers that take one kind of job, and how many requests wait for one of them."""

    name: str
    live: set[_Worker] = field(default_factory=set)
    starting: set[_Worker] = field(default_factory=set)
    idle: list[_Worker] = field(default_factory=list)
    waiting: int = 0

    def status(self) -> dict[str, int]:
        """How many of its workers are busy, idle and starting, and how many requests wait."""
        busy = len(self.live) - len(self.idle) - len(self.starting)
        return {
            "busy": busy,
            "idle": len(self.idle),
            "starting": len(self.starting),
            "waiting": self.waiting,
        }


class Overloaded(Exception):
    """No worker of the request's lane came free in time, or too many requests wait already."""


class Stopping(Overloaded):
    """The server is stopping: the job was cut short as its worker was ended, or never began."""


#: The answer to a query the stopping server cut short or did not begin: retry, elsewhere or later.
STOPPING = "the server is stopping: retry later"


class JobTimeout(Exception):
    """A job ran past its time limit; its worker, if it had begun, was killed and is being
    replaced."""


class ClientGone(Exception):
    """The client that asked for a job closed its connection: the job was stopped, its worker
    killed and being replaced, since no one would read the answer."""


#: How often a running job looks whether its client is still there (seconds).
CLIENT_CHECK = 0.25


_ENVIRONMENT = threading.Lock()


@contextlib.contextmanager
def _safe_path() -> Iterator[None]:
    """PYTHONSAFEPATH set while a worker starts, and the environment as it was after: the
    forkserver and the resource tracker start as "python -c", which puts the current folder first
    on the import path, and a selectors.py there would run in the unconfined process that forks
    the workers."""
    with _ENVIRONMENT:
        before = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            yield
        finally:
            if before is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = before


class WorkerPool:
    """Worker processes, each confined and with the store open read-only, running one job at a time.

    ``size`` workers form the query lane, :data:`QUICK_WORKERS` the quick lane and
    :data:`LOOKUP_WORKERS` the look-up lane, whose jobs (as the quick lane's) also take a free query worker
    (:data:`LANE_WORKERS`). A job that passes
    its time limit has its worker killed and a new worker started; a worker that dies during a job
    is replaced too, and the job's request gets a 503 that says why. At most ``queue_size``
    requests wait for a worker of each lane, each for :data:`QUEUE_WAIT` at most; more are refused
    with :class:`Overloaded`. With ``in_memory`` each worker reads its own in-memory copy of the
    store; ``memory`` caps each worker's data (bytes). The pool is ready when built: it waits for
    its first workers (:data:`WORKER_START_SECONDS` at most) and raises :class:`StoreError` when
    none of a lane could start.

    >>> from atmpkg.graph.store.build import open_store
    >>> pool = WorkerPool(open_store().root, size=1, queue_size=4)
    >>> pool.status()["query"]["idle"], len(pool.pids())
    (1, 3)
    >>> job = {"text": "ASK {}", "limit": 10, "formats": {"table": "csv", "graph": None}}
    >>> pool.run("query", job, timeout=30)[0]
    200
    >>> pool.close()
    """

    def __init__(
        self,
        store: Path,
        size: int,
        queue_size: int,
        in_memory: bool = False,
        memory: int = DEFAULT_MEMORY,
    ):
        methods = multiprocessing.get_all_start_methods()
        # Not fork: the parent has threads and an open RocksDB handle that a child must not share.
        self._ctx = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if "forkserver" in methods:
            # Workers forked from a server that imported this module start in ~40 ms, not ~300:
            # a killed worker is replaced before the requests queued behind it give up.
            self._ctx.set_forkserver_preload([__name__])
        self._store, self._in_memory, self._memory = str(store), in_memory, memory
        self.queue_size = queue_size
        self._cond = threading.Condition()
        self._lanes = {name: _Lane(name) for name in LANE_WORKERS}
        self._closed = False
        self._start_error: Exception | None = None
        self._unguarded = False
        counts = {"query": size, "quick": QUICK_WORKERS, "lookup": LOOKUP_WORKERS}
        for name, count in counts.items():
            for _ in range(count):
                self._spawn(self._lanes[name])
        self._await_first_workers()

    def _await_first_workers(self) -> None:
        deadline = time.monotonic() + WORKER_START_SECONDS
        with self._cond:
            while any(lane.starting for lane in self._lanes.values()):
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    break
            failed = [name for name, lane in self._lanes.items() if not lane.idle]
        if failed:
            self.close()
            if self._unguarded:
                raise unguarded_script()
            reason = f": {self._start_error}" if self._start_error else ""
            raise StoreError(
                f"the {failed[0]} workers of the server could not start{reason} (see the "
                "messages above)"
            )

    @property
    def waiting(self) -> int:
        """How many requests are waiting for a worker of the query lane."""
        return self._lanes["query"].waiting

    @property
    def idle(self) -> int:
        """How many workers of the query lane are ready and free."""
        return len(self._lanes["query"].idle)

    def status(self) -> dict[str, dict[str, int]]:
        """Per lane (``query``, ``quick``, ``lookup``): workers busy, idle and starting, requests
        waiting."""
        with self._cond:
            return {name: lane.status() for name, lane in self._lanes.items()}

    def pids(self) -> list[int]:
        """Process ids of the live workers of every lane (busy, idle or starting)."""
        with self._cond:
            return sorted(
                w.process.pid for lane in self._lanes.values() for w in lane.live if w.process.pid
            )

    def _spawn(self, lane: _Lane) -> None:
        """Start a worker; it joins its lane's idle list from a background thread once ready."""
        parent, child = self._ctx.Pipe()
        err_reader, err_writer = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_worker_main,
            args=(
                child,
                err_writer,
                self._store,
                self._in_memory,
                self._memory,
                QUERY_NICE if lane.name == "query" else 0,
            ),
            daemon=True,
        )
        with _safe_path():
            process.start()
        child.close()
        err_writer.close()
        worker = _Worker(process, parent, lane, _StderrPump(err_reader, process.pid))
        with self._cond:
            lane.live.add(worker)
            lane.starting.add(worker)
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True).start()

    def _await_ready(self, worker: _Worker) -> None:
        try:
            deadline = time.monotonic() + WORKER_START_SECONDS
            ready = worker.conn.poll(WORKER_START_SECONDS) and self._receive(
                worker, deadline, 4096
            ) == ("ready", worker.process.pid)
        except (EOFError, OSError, UnreadableAnswerError, JobTimeout):
            ready = False
        error = None
        unguarded = False
        if not ready and not self._closed:
            error = self._death(worker, started=False)
            # a worker that left as it imported the script again wrote nothing: the error the
            # pool raises says why
            unguarded = worker.process.exitcode == UNGUARDED_EXIT
            if not unguarded:
                log.error("a query worker failed to start (%s); see its messages above", error)
        with self._cond:
            self._unguarded |= unguarded
            worker.lane.starting.discard(worker)
            joined = ready and not self._closed
            if joined:
                worker.lane.idle.append(worker)
            if error is not None:
                self._start_error = error
            self._cond.notify_all()
        if not joined:
            self._discard(worker)

    def _death(self, worker: _Worker, started: bool = True) -> Exception:
        """Why a worker ended without answering (unless ``started``, before it was ready to): the
        library error for its exit status and the last lines it wrote (see
        :func:`~atmpkg.graph.engine.sandbox.describe_death`)."""
        worker.process.join(2)
        if worker.process.exitcode is None:  # alive but silent or its pipe broke: end it
            worker.process.kill()
            worker.process.join(5)
        return describe_death(
            worker.process.exitcode or 0,
            worker.stderr.tail(1.0),
            self._memory,
            self._in_memory,
            started,
        )

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker and forget it (once, whoever asks first)."""
        with self._cond:
            if worker.discarded:
                return
            worker.discarded = True
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        with self._cond:
            worker.lane.live.discard(worker)
            worker.lane.starting.discard(worker)
            if worker in worker.lane.idle:
                worker.lane.idle.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if not self._closed:
            self._spawn(worker.lane)

    def _acquire(self, lanes: Sequence[_Lane], wait: float) -> _Worker:
        """A free worker of ``lanes`` (the first lane's first, then the next's), waited for at
        most ``wait`` seconds; the wait is counted in the first lane's queue. A worker of another
        lane than the first is taken only while one more of it stays free and none of its own
        jobs waits: a flood of look-ups or quick queries borrows query workers but leaves one
        to the queries (sec32 F5: thirty clients of /id/ pages left most queries 503)."""
        deadline = time.monotonic() + wait
        own = lanes[0]
        named = " or ".join(lane.name for lane in lanes)

        def free_lanes() -> list[_Lane]:
            # a lane lent from keeps a worker free beyond those its own waiting jobs will take
            return [n for n in lanes if len(n.idle) > (0 if n is own else 1 + n.waiting)]

        with self._cond:
            if self._closed:
                raise Stopping(STOPPING)
            free = free_lanes()
            if not free and own.waiting >= self.queue_size:
                raise Overloaded(
                    f"the server is busy: every {named} worker is taken and the queue is full "
                    f"({own.waiting} waiting); retry"
                )
            own.waiting += 1
            try:
                while not free:
                    if self._closed:
                        raise Stopping(STOPPING)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Overloaded(
                            f"the server is busy: no {named} worker came free within "
                            f"{wait:g} s; retry"
                        )
                    self._cond.wait(remaining)
                    free = free_lanes()
                return free[0].idle.pop(0)
            finally:
                own.waiting -= 1

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            worker.lane.idle.append(worker)
            # Waiters of every lane share the condition: wake them all, the right one takes it.
            self._cond.notify_all()

    def _died(self, worker: _Worker) -> HttpError | Stopping:
        """The answer for a job whose worker died, saying why (:meth:`_death`); the worker is
        replaced. A worker the closing pool ended did not die: :class:`Stopping`, and none is
        started (newuser23 F15: "signal 9 ... starting another")."""
        if self._closed:
            self._discard(worker)
            return Stopping(STOPPING)
        error = self._death(worker)
        log.error("a query worker ended without answering (%s); starting another", error)
        self._replace(worker)
        return HttpError(503, str(error))

    def _receive(self, worker: _Worker, deadline: float, limit: int | None = None) -> object:
        """What ``worker`` has begun to send, read whole by ``deadline`` (else it is killed and
        :class:`JobTimeout` raised) and no larger than ``limit`` bytes (its memory cap by default:
        it holds an answer whole before sending it), as JSON (:func:`load_reply`)."""
        fired, taken = threading.Event(), threading.Lock()

        def stop() -> None:
            with taken:  # not once the answer is read: the worker goes back to the pool alive
                if not done:
                    fired.set()
                    worker.process.kill()

        done = False
        late = threading.Timer(max(0.0, deadline - time.monotonic()), stop)
        late.start()
        limit = self._memory if limit is None else limit
        try:
            data = worker.conn.recv_bytes(limit)
        except EOFError:  # it ended: at the time limit, or it died
            if not fired.is_set():
                raise
        except OSError as exc:
            # multiprocessing's words for a length past the limit; any other is an end of file
            # in the middle of the answer, a death
            if not fired.is_set() and str(exc) == "bad message length":
                raise UnreadableAnswerError(
                    f"a worker sent an answer larger than {limit:,} bytes"
                ) from None
            if not fired.is_set():
                raise
        except MemoryError:  # within the cap, yet more than this process can hold now
            raise UnreadableAnswerError("no memory here to read the answer it announced") from None
        finally:
            with taken:
                done = True
            late.cancel()
        if fired.is_set():
            raise JobTimeout
        return load_reply(data)

    def run(
        self,
        kind: str,
        args: dict,
        timeout: float,
        lane: str = "query",
        gone: Callable[[], bool] | None = None,
    ) -> tuple[int, dict | str]:
        """Run a job in a free worker of ``lane`` (``query``, ``quick`` or ``lookup``, the last two
        also taking a free query worker: :data:`LANE_WORKERS`): ``(200, payload)`` or
        ``(status, message)``. Waits for a worker at most :data:`QUEUE_WAIT` (or ``timeout`` when
        shorter) and gives the job what the wait leaves of ``timeout`` to finish, else raises
        :class:`Overloaded` or :class:`JobTimeout`; a worker that dies during the job raises an :class:`HttpError` 503,
        and one that :meth:`close` ends, :class:`Stopping`.
        While the job runs, ``gone`` is asked every :data:`CLIENT_CHECK` seconds whether the
        client left; when it did, the job is stopped and :class:`ClientGone` raised."""
        if timeout <= 0:  # the request's check took all its time
            raise JobTimeout
        deadline = time.monotonic() + timeout
        lanes = [self._lanes[name] for name in LANE_WORKERS[lane]]
        worker = self._acquire(lanes, min(QUEUE_WAIT, timeout))
        if time.monotonic() >= deadline:  # the wait took it all: the worker has done nothing
            self._release(worker)
            raise JobTimeout
        try:
            worker.conn.send((kind, args))
            while True:
                left = deadline - time.monotonic()
                ready = worker.conn.poll(max(0.0, min(left, CLIENT_CHECK)))
                if ready or left <= CLIENT_CHECK:
                    break
                if gone is not None and gone():
                    self._replace(worker)
                    raise ClientGone
            reply = self._receive(worker, deadline) if ready else None
            if ready and not _reply(reply):
                raise UnreadableAnswerError("a reply that is no status and answer")
        except JobTimeout:
            self._replace(worker)
            raise
        except ClientGone:  # its worker is replaced already
            raise
        except (EOFError, OSError):
            raise self._died(worker) from None
        except UnreadableAnswerError as exc:
            log.error("%s; starting another worker", exc)
            self._replace(worker)
            raise HttpError(503, str(exc)) from None
        except Exception as exc:  # whatever else reading it raised: no worker is left taken
            log.error("a worker's answer could not be read (%r); starting another worker", exc)
            self._replace(worker)
            raise HttpError(503, "the query process sent back something that is no answer") from None
        if not ready:
            self._replace(worker)
            raise JobTimeout
        self._release(worker)
        return reply

    def close(self) -> None:
        """Kill every worker."""
        with self._cond:
            self._closed = True
            workers = [w for lane in self._lanes.values() for w in lane.live]
            self._cond.notify_all()
        for worker in workers:
            self._discard(worker)

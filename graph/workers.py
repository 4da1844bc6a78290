"""The worker processes that run ``atmpkg serve``'s queries.

Each worker opens the store read-only once and then runs one job after another: a query answered in
a negotiated format, a query's answer drawn as a graph view, or an entity as RDF or as its HTML page.
A job that passes its time limit has its worker killed (the Rust engine cannot be interrupted from
Python; ending the process stops the work and frees its memory) and a new worker takes its place.
Every failure comes back as an HTTP status with a message safe to show; traces go to stderr only.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from atmpkg.graph.build import hold_in_memory, open_store
from atmpkg.graph.errors import (
    DataError,
    EmptyResultError,
    ParameterError,
    QueryRefusedError,
    QuerySyntaxError,
    UnknownNameError,
)
from atmpkg.graph.pages import entity_page, page_csp
from atmpkg.graph.protocol import OFFERS, RDF_FORMATS, HttpError, not_acceptable
from atmpkg.graph.sparql import QueryResult
from atmpkg.graph.store import StoreHandle

log = logging.getLogger("atmpkg.server")  # the server's logger: workers are part of it


#: Seconds a new worker may take to open the store before it is given up.
WORKER_START_SECONDS = 120


def _serialize(result: QueryResult, fmt: str) -> bytes:
    """A query result in ``fmt``: the library's formats, plus RDF/XML for graphs (the default that
    rdflib's SPARQLStore and SPARQLWrapper ask for on CONSTRUCT)."""
    from atmpkg.graph.results import format_result

    if fmt == "rdfxml":
        return ox.serialize(result.triples, format=RDF_FORMATS[fmt])
    return format_result(result, fmt).encode("utf-8")


def _job_query(args: dict, store: str, scratch: str) -> dict:
    """Run a query (text or named) and serialise its answer in the negotiated format of its form."""
    from atmpkg.graph.query import query, run_named

    if "name" in args:
        result = run_named(args["name"], args["params"], store=store, limit=args["limit"])
    else:
        result = query(args["text"], store=store, limit=args["limit"])
    kind = "graph" if result.form in ("CONSTRUCT", "DESCRIBE") else "table"
    fmt = args["formats"][kind]
    if fmt is None:
        raise not_acceptable(f"a {result.form} query", OFFERS[kind])
    return {"fmt": fmt, "body": _serialize(result, fmt), "truncated": result.truncated}


def _job_graph(args: dict, store: str, scratch: str) -> dict:
    """Draw a query's answer: its nodes, described, as the self-contained HTML graph view."""
    from atmpkg.graph.subgraph import select_subgraph
    from atmpkg.graph.view import render_html

    if "name" in args:
        triples = select_subgraph(name=args["name"], params=args["params"], store=store)
        title = f"ATMP-KG: {args['name']}"
    else:
        # select_subgraph reads queries from files; one scratch file per worker, overwritten.
        path = Path(scratch) / f"query-{os.getpid()}.rq"
        path.write_text(args["text"], encoding="utf-8")
        triples = select_subgraph(file=path, store=store)
        title = "ATMP-KG: query"
    return {"body": render_html(triples, title=title).encode("utf-8")}


def _job_entity(args: dict, store: str, scratch: str) -> dict:
    """An entity as RDF (its own triples, both directions) or as an HTML page with a graph view."""
    from atmpkg.graph.explore import show

    view = show(args["iri"], store=store)
    if args["fmt"] != "html":
        node = ox.NamedNode(view.iri)
        triples = [ox.Triple(node, ox.NamedNode(f.property), f.value) for f in view.facts]
        triples += [ox.Triple(f.value, ox.NamedNode(f.property), node) for f in view.incoming]
        return {"body": _serialize(QueryResult("DESCRIBE", triples=triples), args["fmt"])}
    from atmpkg.graph.subgraph import select_subgraph
    from atmpkg.graph.view import render_html

    graph = render_html(select_subgraph(focus=view.iri, hops=1, store=store), title=view.label)
    page = entity_page(view, graph)
    return {"body": page.encode("utf-8"), "csp": page_csp(graph)}


JOBS: dict[str, Callable[[dict, str, str], dict]] = {
    "query": _job_query,
    "graph": _job_graph,
    "entity": _job_entity,
}


def _error_reply(exc: Exception, kind: str) -> tuple[int, str]:
    """The status and client-safe message for an exception raised by a job."""
    if isinstance(exc, HttpError):
        return exc.status, exc.message
    if isinstance(exc, QuerySyntaxError):
        return 400, str(exc)
    if isinstance(exc, QueryRefusedError):
        return 403, str(exc)
    if isinstance(exc, EmptyResultError):
        return 404, "the answer names no entities of the graph: nothing to draw"
    if isinstance(exc, UnknownNameError):
        return (404 if kind == "entity" else 400), str(exc)
    if isinstance(exc, DataError):
        # The message without the file name: a file here is a server-side scratch file.
        return 400, f"line {exc.line}: {exc.message}" if exc.line else exc.message
    if isinstance(exc, ParameterError):
        return 400, str(exc)
    log.error("%s job failed", kind, exc_info=exc)
    return 500, "internal server error"


def _open_store(store: str, in_memory: bool) -> StoreHandle:
    """The store a worker's jobs read, opened read-only (or copied into memory): the one place the
    pool opens it. The jobs name it by ``store`` to the library, which reuses the handle opened
    here."""
    return hold_in_memory(store) if in_memory else open_store(store)


def _worker_main(
    conn: Connection, store: str, scratch: str, in_memory: bool
) -> None:  # pragma: no cover - child
    """A worker: open the store read-only, say it is ready, then run one job after another."""
    # Ctrl-C reaches the whole process group; the parent ends its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Open RocksDB (or make the in-memory copy) now, so that the first request does not pay for it.
    _open_store(store, in_memory).store.query("ASK {}")
    conn.send(("ready", os.getpid()))
    while True:
        try:
            kind, args = conn.recv()
        except EOFError:
            return
        try:
            conn.send((200, JOBS[kind](args, store, scratch)))
        except Exception as exc:  # every failure goes back as a status and a safe message
            conn.send(_error_reply(exc, kind))


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection


class Overloaded(Exception):
    """Every worker is busy and the queue of waiting requests is full."""


class JobTimeout(Exception):
    """A job ran past its time limit; its worker was killed and is being replaced."""


class WorkerPool:
    """Worker processes, each with the store open read-only, running one job at a time.

    A job that passes its time limit has its worker killed (the Rust engine cannot be interrupted
    from Python; ending the process stops the work and frees its memory) and a new worker started.
    At most ``queue_size`` requests wait for a worker; more are refused with :class:`Overloaded`.
    With ``in_memory`` each worker reads its own in-memory copy of the store.
    """

    def __init__(self, store: Path, size: int, queue_size: int, in_memory: bool = False):
        methods = multiprocessing.get_all_start_methods()
        # Not fork: the parent has threads and an open RocksDB handle that a child must not share.
        self._ctx = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if "forkserver" in methods:
            # Workers forked from a server that imported this module start in ~40 ms, not ~300:
            # a killed worker is replaced before the requests queued behind it give up.
            self._ctx.set_forkserver_preload([__name__])
        self._store, self._queue_size, self._in_memory = str(store), queue_size, in_memory
        self._scratch = tempfile.mkdtemp(prefix="atmpkg-serve-")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._waiting = 0
        self._closed = False
        for _ in range(size):
            self._spawn()

    @property
    def waiting(self) -> int:
        """How many requests are waiting for a worker."""
        return self._waiting

    @property
    def idle(self) -> int:
        """How many workers are ready and free."""
        return self._idle.qsize()

    def pids(self) -> list[int]:
        """Process ids of the live workers (busy or idle)."""
        with self._lock:
            return sorted(w.process.pid for w in self._live if w.process.pid)

    def _spawn(self) -> None:
        """Start a worker; it joins the idle queue from a background thread once it is ready."""
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker_main,
            args=(child, self._store, self._scratch, self._in_memory),
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._live.add(worker)
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True).start()

    def _await_ready(self, worker: _Worker) -> None:
        try:
            ready = worker.conn.poll(WORKER_START_SECONDS) and worker.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if ready and not self._closed:
            self._idle.put(worker)
            return
        if not self._closed:
            log.error("a query worker failed to start (see the messages above)")
        self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker and forget it."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        with self._lock:
            self._live.discard(worker)

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if not self._closed:
            self._spawn()

    def run(self, kind: str, args: dict, timeout: float) -> tuple[int, dict | str]:
        """Run a job in a free worker: ``(200, payload)`` or ``(status, message)``. Waits at most
        ``timeout`` for a worker and gives the job ``timeout`` to finish, else raises
        :class:`Overloaded` or :class:`JobTimeout`."""
        with self._lock:
            if self._waiting >= self._queue_size and self._idle.empty():
                raise Overloaded
            self._waiting += 1
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise Overloaded from None
        finally:
            with self._lock:
                self._waiting -= 1
        try:
            worker.conn.send((kind, args))
            ready = worker.conn.poll(timeout)
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            log.error("a query worker ended without answering; starting another")
            self._replace(worker)
            raise HttpError(500, "internal server error") from None
        if not ready:
            self._replace(worker)
            raise JobTimeout
        self._idle.put(worker)
        return reply

    def close(self) -> None:
        """Kill every worker and remove the scratch folder."""
        self._closed = True
        with self._lock:
            workers = list(self._live)
        for worker in workers:
            self._discard(worker)
        shutil.rmtree(self._scratch, ignore_errors=True)

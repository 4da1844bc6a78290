"""``atmpkg serve``: a read-only SPARQL 1.1 Protocol endpoint, linked-data pages and a query web UI.

Paths (all on one server, every asset served locally):

- ``/sparql``: the SPARQL 1.1 Protocol (query via GET, POST form-encoded, POST
  ``application/sparql-query``); without a query, the SPARQL 1.1 Service Description. Extensions:
  ``name=`` with ``p=NAME=VALUE`` runs a named query, ``format=`` overrides the Accept header,
  ``timeout=`` (seconds) lowers the server's time limit.
- ``/id/<kind>/<slug>``: an instance IRI ``https://w3id.org/atmp-kg/id/<kind>/<slug>`` as HTML for
  people or Turtle/JSON-LD/N-Triples/RDF-XML for machines, by the Accept header.
- ``/``: the query page; ``/graph``: a query's answer drawn as a graph; ``/api/queries``: the named
  queries with their parameters, as JSON.

Safety: the socket binds to loopback unless ``allow_remote``; a foreign ``Host`` header is refused
(DNS rebinding); every query passes the library's gate (no SERVICE, dataset clauses or updates);
queries run in worker processes that open the store read-only and are killed at the time limit;
answers over the row cap are cut and say so in the ``ATMPKG-Truncated`` header; no CORS unless asked;
errors carry a message, never a stack trace or a file path (those go to the server's stderr).

rdflib stays out of the request path (its SPARQL parser is not thread-safe: rdflib#1282): parsing,
evaluation and serialisation are pyoxigraph's, inside the workers.

>>> server = make_server("/tmp/fixture-store", port=0).start()      # doctest: +SKIP
>>> server.url                                                       # doctest: +SKIP
'http://127.0.0.1:40123'
>>> server.shutdown()                                                # doctest: +SKIP
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import ipaddress
import json
import logging
import math
import multiprocessing
import os
import queue
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from atmpkg.graph import gate
from atmpkg.graph.build import open_store
from atmpkg.graph.errors import (
    AtmpkgError,
    DataError,
    ParameterError,
    QueryRefusedError,
    QuerySyntaxError,
    UnknownNameError,
)
from atmpkg.graph.explore import EntityView, Fact
from atmpkg.graph.terms import ID, KINDS, PREFIXES, SLUG_RE, shorten

log = logging.getLogger("atmpkg.server")

#: Response header set when the row cap cut an answer; its value is the cap.
TRUNCATED_HEADER = "ATMPKG-Truncated"
#: Largest request body accepted (413 above it).
MAX_BODY = 1 << 20
#: Connections served at once; more are answered 503 at once, so threads stay bounded.
MAX_CONNECTIONS = 256
#: Seconds a client is asked to wait when the queue is full.
RETRY_AFTER = 1
#: Seconds a new worker may take to open the store before it is given up.
WORKER_START_SECONDS = 120

TABLE_OFFERS = (
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("xml", "text/xml"),
)
GRAPH_OFFERS = (
    ("ttl", "text/turtle"),
    ("nt", "application/n-triples"),
    ("jsonld", "application/ld+json"),
    ("rdfxml", "application/rdf+xml"),
    ("ttl", "application/x-turtle"),
    ("jsonld", "application/json"),
)
OFFERS = {"table": TABLE_OFFERS, "graph": GRAPH_OFFERS}
# Turtle first: a client that accepts anything (curl) gets data; a browser asks for text/html.
ENTITY_OFFERS = (GRAPH_OFFERS[0], ("html", "text/html"), *GRAPH_OFFERS[1:4])
#: The media type each format is answered with (the offers above include aliases).
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "html": "text/html",
}
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
STATIC_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}

UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class HttpError(Exception):
    """An answer other than 200, with the message the client sees (never a trace or a path)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, dict(headers or {})


@dataclass
class Response:
    """What a route answers: status, body, media type and extra headers."""

    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str, headers: Mapping[str, str] | None = None):
        """A plain-text answer (errors)."""
        return cls(
            status, (message.rstrip("\n") + "\n").encode(), "text/plain", dict(headers or {})
        )


# --- content negotiation ---------------------------------------------------------------------------


def accept_ranges(header: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their quality.

    >>> accept_ranges("text/csv;q=0.5, application/json")
    [('text/csv', 0.5), ('application/json', 1.0)]
    """
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def _quality(media: str, ranges: Sequence[tuple[str, float]]) -> float:
    """How much a client wants ``media``: the quality of the most specific range that matches."""
    best, specificity = 0.0, -1
    for rng, quality in ranges:
        rank = 2 if rng == media else 1 if rng == media.split("/")[0] + "/*" else 0
        if (rank or rng == "*/*") and rank > specificity:
            best, specificity = quality, rank
    return best


def negotiate(accept: str | None, offers: Sequence[tuple[str, str]]) -> str | None:
    """The format (name) of ``offers`` the client prefers, the server's order breaking ties; None
    when nothing offered is acceptable. No Accept header accepts the first offer.

    >>> negotiate("text/csv, */*;q=0.1", TABLE_OFFERS)
    'csv'
    >>> negotiate("image/png", TABLE_OFFERS) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0][0]
    ranges = accept_ranges(accept)
    scored = [
        (quality, -index, name)
        for index, (name, media) in enumerate(offers)
        if (quality := _quality(media, ranges)) > 0
    ]
    return max(scored)[2] if scored else None


#: Short names for ``format=``, which replaces the Accept header (media types work there too).
#: ``json`` and ``xml`` name a results format for SELECT/ASK and a graph format for CONSTRUCT,
#: as clients such as SPARQLWrapper expect.
FORMAT_NAMES = {
    "json": "application/sparql-results+json, application/ld+json",
    "xml": "application/sparql-results+xml, application/rdf+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "html": "text/html",
}


def wanted_types(params: Mapping[str, list[str]], accept: str | None) -> str | None:
    """What the client accepts: ``format=`` values (short names or media types) when given, else
    the Accept header.

    >>> wanted_types({"format": ["tsv", "text/tab-separated-values"]}, "*/*")
    'text/tab-separated-values, text/tab-separated-values'
    """
    values = params.get("format")
    if not values:
        return accept
    return ", ".join(FORMAT_NAMES.get(v.strip().lower(), v) for v in values)


def _not_acceptable(what: str, offers: Sequence[tuple[str, str]]) -> HttpError:
    types = ", ".join(dict.fromkeys(MEDIA_TYPES[name] for name, _ in offers))
    return HttpError(406, f"{what} can be answered as: {types} (Accept header or format=)")


# --- the worker processes ----------------------------------------------------------------------------


def _serialize(result, fmt: str) -> bytes:
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
        raise _not_acceptable(f"a {result.form} query", OFFERS[kind])
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
    from atmpkg.graph.sparql import QueryResult

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
    from atmpkg.graph.subgraph import EmptyResultError

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


def _worker_main(conn, store: str, scratch: str) -> None:  # pragma: no cover - child process
    """A worker: open the store read-only, say it is ready, then run one job after another."""
    # Ctrl-C reaches the whole process group; the parent ends its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Open RocksDB now, so that the first request does not pay for it.
    open_store(store).store.query("ASK {}")
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
    conn: object


class Overloaded(Exception):
    """Every worker is busy and the queue of waiting requests is full."""


class JobTimeout(Exception):
    """A job ran past its time limit; its worker was killed and is being replaced."""


class WorkerPool:
    """Worker processes, each with the store open read-only, running one job at a time.

    A job that passes its time limit has its worker killed (the Rust engine cannot be interrupted
    from Python; ending the process stops the work and frees its memory) and a new worker started.
    At most ``queue_size`` requests wait for a worker; more are refused with :class:`Overloaded`.
    """

    def __init__(self, store: Path, size: int, queue_size: int):
        methods = multiprocessing.get_all_start_methods()
        # Not fork: the parent has threads and an open RocksDB handle that a child must not share.
        self._ctx = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if "forkserver" in methods:
            # Workers forked from a server that imported this module start in ~40 ms, not ~300:
            # a killed worker is replaced before the requests queued behind it give up.
            self._ctx.set_forkserver_preload(["atmpkg.graph.server"])
        self._store, self._queue_size = str(store), queue_size
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
            target=_worker_main, args=(child, self._store, self._scratch), daemon=True
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


# --- pages -------------------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)


def _hashes(document: str) -> str:
    """CSP source expressions for the inline scripts of ``document``."""
    found = []
    for match in _SCRIPT.finditer(document):
        if "src=" not in match["attrs"].lower():
            digest = hashlib.sha256(match["body"].encode("utf-8")).digest()
            found.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return " ".join(dict.fromkeys(found)) or "'none'"


def graph_csp(document: str) -> str:
    """The CSP of a graph view: only its own inline scripts run; nothing is fetched."""
    return (
        f"default-src 'none'; script-src {_hashes(document)}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"
    )


def page_csp(graph: str) -> str:
    """The CSP of an entity page. Its graph view sits in a srcdoc frame, which inherits this
    policy, so the view's inline scripts are allowed by hash and nothing else runs."""
    return (
        f"default-src 'none'; script-src {_hashes(graph)}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"
    )


def local_href(iri: str) -> str | None:
    """The path this server answers an instance IRI at, or None for other IRIs.

    >>> local_href("https://w3id.org/atmp-kg/id/therapy/kymriah")
    '/id/therapy/kymriah'
    """
    return "/id/" + iri[len(ID) :] if iri.startswith(ID) else None


def _safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL (never javascript:, data: ...)."""
    if not url:
        return None
    parsed = urllib.parse.urlsplit(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def _value_html(term: ox.NamedNode | ox.BlankNode | ox.Literal, label: str) -> str:
    """A fact's value: a link for entities and web pages, escaped text otherwise."""
    e = html.escape
    if isinstance(term, ox.NamedNode):
        href = local_href(term.value)
        if href:
            return f'<a href="{e(href)}">{e(label)}</a>'
        url = _safe_url(term.value)
        if url and label == term.value:
            return f'<a href="{e(url)}" rel="noopener noreferrer nofollow">{e(url)}</a>'
        return f'<span title="{e(term.value)}">{e(label if label != term.value else shorten(label))}</span>'
    return e(label)


def _facts_table(facts: Sequence[Fact], incoming: bool) -> str:
    """Facts as table rows: property then value, or (links to the entity) value then property."""
    rows = "".join(
        f"<tr><th>{html.escape(f.property_label)}</th><td>{_value_html(f.value, f.value_label)}</td></tr>"
        if not incoming
        else f"<tr><td>{_value_html(f.value, f.value_label)}</td><th>{html.escape(f.property_label)}</th></tr>"
        for f in facts
    )
    return f'<table class="facts">{rows}</table>'


def entity_page(view: EntityView, graph: str) -> str:
    """The HTML page of one entity: facts, links to it, sources (safe links) and a graph view."""
    e = html.escape
    sources = "".join(
        f'<li><a href="{e(local_href(s.iri) or "#")}">{e(s.title)}</a>'
        + (
            f' · <a href="{e(url)}" rel="noopener noreferrer nofollow">{e(url)}</a>'
            if (url := _safe_url(s.url))
            else ""
        )
        + "</li>"
        for s in view.sources
    )
    query = urllib.parse.urlencode({"query": f"DESCRIBE <{view.iri}>"})
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(view.label)} · ATMP-KG</title>",
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/app.css">',
        '<link rel="alternate" type="text/turtle" href="?format=ttl">',
        '<link rel="alternate" type="application/ld+json" href="?format=jsonld">',
        '</head><body class="entity"><header><a class="brand" href="/">ATMP-KG</a>',
        '<a href="/">Query</a><a href="/sparql">SPARQL endpoint</a></header><main>',
        f"<h1>{e(view.label)}</h1>",
        f'<p class="iri"><code>{e(view.iri)}</code> · {e(", ".join(view.types))}</p>',
        '<p class="formats">As data: <a href="?format=ttl">Turtle</a> · '
        '<a href="?format=jsonld">JSON-LD</a> · <a href="?format=nt">N-Triples</a> · '
        f'<a href="/?{e(query)}">query it</a></p>',
        "<h2>Facts</h2>",
        _facts_table(view.facts, incoming=False),
    ]
    if view.incoming:
        parts += ["<h2>Linked from</h2>", _facts_table(view.incoming, incoming=True)]
    if view.sources:
        parts += ["<h2>Sources</h2>", f'<ul class="sources">{sources}</ul>']
    parts += [
        "<h2>Neighbourhood</h2>",
        f'<iframe class="graph" title="Graph of {e(view.label)} and its neighbours" '
        f'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" srcdoc="{e(graph)}">'
        "</iframe>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def service_description(endpoint: str, triples: int, fmt: str) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint, in ``fmt`` (ttl, nt, jsonld, rdfxml)."""
    sd = "http://www.w3.org/ns/sparql-service-description#"
    formats = "http://www.w3.org/ns/formats/"
    void = "http://rdfs.org/ns/void#"
    node, dataset, graph = ox.NamedNode(endpoint), ox.BlankNode(), ox.BlankNode()
    a = PREFIXES["rdf"] + "type"
    count = ox.Literal(str(triples), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    statements = [
        (node, a, ox.NamedNode(sd + "Service")),
        (node, sd + "endpoint", node),
        (node, sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Query")),
        (node, PREFIXES["dct"] + "title", ox.Literal("ATMP-KG SPARQL endpoint (read-only)")),
        *((node, sd + "resultFormat", ox.NamedNode(formats + name)) for name in RESULT_FORMATS),
        (node, sd + "defaultDataset", dataset),
        (dataset, a, ox.NamedNode(sd + "Dataset")),
        (dataset, sd + "defaultGraph", graph),
        (graph, a, ox.NamedNode(sd + "Graph")),
        (graph, void + "triples", count),
    ]
    description = [ox.Triple(s, ox.NamedNode(p), o) for s, p, o in statements]
    prefixes = {"sd": sd, "formats": formats, "dct": PREFIXES["dct"], "void": void}
    return ox.serialize(description, format=RDF_FORMATS[fmt], prefixes=prefixes)


def _static_files() -> dict[str, tuple[bytes, str]]:
    """The web UI's files (graph/web), read once: name -> (content, media type)."""
    folder = resources.files("atmpkg.graph").joinpath("web")
    return {
        f.name: (f.read_bytes(), STATIC_TYPES[Path(f.name).suffix])
        for f in folder.iterdir()
        if Path(f.name).suffix in STATIC_TYPES
    }


def _ui_config(timeout: float, max_rows: int) -> bytes:
    """What the query page needs: prefixes, named queries with their parameters, limits."""
    from atmpkg import queries

    named = [
        {
            "name": q.name,
            "summary": q.summary,
            "text": q.text,
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "default": p.default,
                    "required": p.required,
                    "description": p.description,
                }
                for p in q.params
            ],
        }
        for q in queries.all_queries()
    ]
    config = {"prefixes": PREFIXES, "queries": named, "timeout": timeout, "max_rows": max_rows}
    return json.dumps(config, ensure_ascii=False).encode("utf-8")


# --- the HTTP side -----------------------------------------------------------------------------------


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    """The one value of parameter ``name``, None when absent; given twice is an error."""
    values = params.get(name, [])
    if len(values) > 1:
        raise HttpError(400, f"parameter '{name}' given {len(values)} times; give it once")
    return values[0] if values else None


def _named_params(params: Mapping[str, list[str]]) -> dict[str, str]:
    """``p=NAME=VALUE`` parameters of a named query."""
    bound = {}
    for item in params.get("p", []):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise HttpError(400, f"p='{item}' is not NAME=VALUE")
        bound[name.strip()] = value
    return bound


def _query_job(params: Mapping[str, list[str]]) -> dict:
    """The query a request asks for: ``{"text": ...}`` or ``{"name": ..., "params": ...}``."""
    if params.get("update"):
        raise HttpError(403, "this endpoint is read-only: SPARQL updates are refused")
    if params.get("default-graph-uri") or params.get("named-graph-uri"):
        raise HttpError(
            403,
            "default-graph-uri / named-graph-uri (dataset clauses) are refused: query the "
            "store's own graphs, with GRAPH for named graphs",
        )
    text, name = _single(params, "query"), _single(params, "name")
    if (text is None) == (name is None):
        raise HttpError(
            400, "give exactly one of: query=SPARQL, or name=NAMED-QUERY with p=NAME=VALUE"
        )
    if name is not None:
        return {"name": name, "params": _named_params(params)}
    if params.get("p"):
        raise HttpError(
            400, "p=NAME=VALUE binds parameters of a named query (name=); not of query="
        )
    return {"text": text}


class Server(http.server.ThreadingHTTPServer):
    """The HTTP server: one thread per connection (bounded), queries in the worker pool."""

    daemon_threads = True
    block_on_close = False
    # The listen backlog: socketserver's default of 5 drops the SYNs of a burst of clients, who
    # then retry only after a second or more.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        store_root: Path,
        triples: int,
        timeout: float,
        max_rows: int,
        workers: int,
        queue_size: int,
        cors: str | None,
        allowed_hosts: Sequence[str],
    ):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.timeout_limit, self.max_rows, self.cors = timeout, max_rows, cors
        self.triples = triples
        self.static = _static_files()
        self.ui_config = _ui_config(timeout, max_rows)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._thread: threading.Thread | None = None
        port = self.server_address[1]
        self.allowed_hosts = {f"{h.lower()}:{port}" for h in allowed_hosts}
        if port == 80:
            self.allowed_hosts |= {h.lower() for h in allowed_hosts}
        host = address[0]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        self.pool = WorkerPool(store_root, workers, queue_size)

    def process_request(self, request, client_address) -> None:
        """Serve the connection in a thread, or answer 503 at once when too many are open."""
        if not self._slots.acquire(blocking=False):
            body = b"too many connections; retry\n"
            head = (
                f"HTTP/1.1 503 Service Unavailable\r\nRetry-After: {RETRY_AFTER}\r\n"
                f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            try:
                request.sendall(head.encode() + body)
            except OSError:
                pass  # the client is gone already
            finally:
                self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:
        """A client hanging up is routine; anything else is logged with its trace (stderr only)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("%s hung up", client_address[0])
            return
        log.exception("error serving %s", client_address[0])

    def start(self) -> Server:
        """Serve in a background thread (tests, notebooks); stop with :meth:`shutdown`."""
        self._thread = threading.Thread(target=self.serve_forever, name="atmpkg-serve", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown` (or Ctrl-C)."""
        self._thread = self._thread or threading.current_thread()
        super().serve_forever(poll_interval)

    def shutdown(self) -> None:
        """Stop serving, close the socket and end the worker processes."""
        if self._thread is not None:
            super().shutdown()
        self.server_close()
        self.pool.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


class Handler(http.server.BaseHTTPRequestHandler):
    """One HTTP request: check the Host, route, answer; every error becomes a plain-text message."""

    server: Server
    protocol_version = "HTTP/1.1"
    # Seconds an idle keep-alive connection (or a slow client) may hold its thread.
    timeout = 30
    # Headers and body go out in separate writes; with Nagle's algorithm the body would wait for
    # the client's delayed ACK (~40 ms per request on a keep-alive connection).
    disable_nagle_algorithm = True
    _body_pending = False

    def __getattr__(self, name: str):
        # Any other method (PUT, DELETE, PATCH, made-up ones) is answered 405, not 501.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()  # the answer to GET, without its body (see _send)

    def do_POST(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        if self.server.cors is None:
            self._method_not_allowed()
            return
        self._dispatch()

    def _method_not_allowed(self) -> None:
        self._body_pending = self._declared_length() > 0
        allow = "GET, HEAD, POST" + (", OPTIONS" if self.server.cors else "")
        self._send(Response.text(405, f"method {self.command} is not allowed", {"Allow": allow}))

    def version_string(self) -> str:
        """The Server header: the name only, no Python version."""
        return "atmpkg"

    def log_message(self, format: str, *args) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414 ...) as plain text, connection closed."""
        self.close_connection = True
        self._send(Response.text(code, message or HTTPStatus(code).phrase))

    def handle_expect_100(self) -> bool:
        if self._declared_length() > MAX_BODY:
            self._body_pending = True
            self._send(Response.text(413, f"request body larger than {MAX_BODY} bytes"))
            return False
        return super().handle_expect_100()

    def _declared_length(self) -> int:
        try:
            return int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return 0

    # -- dispatch ---------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        self._body_pending = self._declared_length() > 0
        try:
            self._check_host()
            response = self._route()
        except HttpError as exc:
            response = Response.text(exc.status, exc.message, exc.headers)
        except Exception:
            log.exception("internal error answering %s %s", self.command, self.path)
            response = Response.text(500, "internal server error")
        self._send(response)

    def _check_host(self) -> None:
        """Refuse requests addressed to another host name: a web page elsewhere cannot reach this
        server through a DNS name that it rebinds to 127.0.0.1."""
        host = self.headers.get("Host")
        if host is None:
            raise HttpError(400, "the Host header is missing")
        if host.strip().lower() not in self.server.allowed_hosts:
            raise HttpError(403, "requests for this Host are not served here")

    def _route(self) -> Response:
        url = urllib.parse.urlsplit(self.path)
        path, params = url.path, urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if self.command == "OPTIONS":
            return Response(204, b"", "text/plain", {"Allow": "GET, HEAD, POST, OPTIONS"})
        if path == "/sparql":
            return self._sparql(params)
        if self.command == "POST":
            raise HttpError(405, "POST is accepted at /sparql only", {"Allow": "GET, HEAD"})
        if path == "/":
            return self._static("index.html")
        if path.startswith("/static/"):
            return self._static(path[len("/static/") :])
        if path == "/api/queries":
            return Response(200, self.server.ui_config, "application/json")
        if path == "/graph":
            return self._graph(params)
        if path.startswith("/id/"):
            return self._entity(path, params)
        raise HttpError(404, f"nothing at {path}")

    def _static(self, name: str) -> Response:
        found = self.server.static.get(name)
        if found is None:
            raise HttpError(404, f"nothing at /static/{name}")
        return Response(200, found[0], found[1], {"Cache-Control": "no-cache"})

    # -- the SPARQL endpoint ----------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HttpError(411, "send the body with a Content-Length")
        length = self._declared_length()
        if length > MAX_BODY:
            raise HttpError(413, f"request body larger than {MAX_BODY} bytes")
        body = self.rfile.read(length) if length > 0 else b""
        self._body_pending = False
        return body

    def _post_params(self, params: dict[str, list[str]]) -> dict[str, list[str]]:
        """The URL's parameters plus those of a POSTed form or query."""
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self._read_body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the request body is not UTF-8") from None
        if media == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(text, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif media == "application/sparql-query":
            params.setdefault("query", []).append(text)
        elif media == "application/sparql-update":
            raise HttpError(403, "this endpoint is read-only: SPARQL updates are refused")
        else:
            raise HttpError(
                415,
                "POST a form (application/x-www-form-urlencoded) or a query "
                "(application/sparql-query)",
            )
        return params

    def _timeout(self, params: Mapping[str, list[str]]) -> float:
        """The server's time limit, or the client's ``timeout=`` when it is lower (never higher)."""
        limit = self.server.timeout_limit
        given = _single(params, "timeout")
        if given is None:
            return limit
        try:
            seconds = float(given)
        except ValueError:
            seconds = math.nan
        if not (seconds > 0 and math.isfinite(seconds)):
            raise HttpError(400, f"timeout must be a positive number of seconds, got '{given}'")
        return min(seconds, limit)

    def _sparql(self, params: dict[str, list[str]]) -> Response:
        if self.command == "POST":
            params = self._post_params(params)
        elif not any(k in params for k in ("query", "name", "update")):
            return self._service_description(params)
        job = _query_job(params)
        accept = wanted_types(params, self.headers.get("Accept"))
        formats = {kind: negotiate(accept, offers) for kind, offers in OFFERS.items()}
        if formats["table"] is None and formats["graph"] is None:
            raise _not_acceptable("a query", TABLE_OFFERS + GRAPH_OFFERS)
        if "text" in job:
            try:
                form = gate.check(job["text"]).form
            except QueryRefusedError as exc:
                raise HttpError(403, str(exc)) from None
            if form == "UPDATE":
                raise HttpError(403, "this endpoint is read-only: SPARQL updates are refused")
            kind = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "table"
            if form != "UNKNOWN" and formats[kind] is None:
                raise _not_acceptable(f"a {form} query", OFFERS[kind])
        payload = self._run(
            "query", {**job, "formats": formats, "limit": self.server.max_rows}, params
        )
        headers = {"Vary": "Accept"}
        if payload["truncated"]:
            headers[TRUNCATED_HEADER] = str(self.server.max_rows)
        return Response(200, payload["body"], MEDIA_TYPES[payload["fmt"]], headers)

    def _run(self, kind: str, args: dict, params: Mapping[str, list[str]]) -> dict:
        """Run a job in the pool, turning overload, time-outs and job errors into HTTP errors."""
        timeout = self._timeout(params)
        try:
            status, payload = self.server.pool.run(kind, args, timeout)
        except Overloaded:
            raise HttpError(
                503,
                "the server is busy: every worker is taken and the queue is full; retry",
                {"Retry-After": str(RETRY_AFTER)},
            ) from None
        except JobTimeout:
            raise HttpError(
                503,
                f"query stopped after the {timeout:g} s time limit (the server's limit is "
                f"{self.server.timeout_limit:g} s); narrow the query",
            ) from None
        if status != 200:
            raise HttpError(status, payload)
        return payload

    def _service_description(self, params: Mapping[str, list[str]]) -> Response:
        fmt = negotiate(wanted_types(params, self.headers.get("Accept")), GRAPH_OFFERS[:4])
        if fmt is None:
            raise _not_acceptable("the service description", GRAPH_OFFERS[:4])
        endpoint = f"http://{self.headers['Host']}/sparql"
        body = service_description(endpoint, self.server.triples, fmt)
        return Response(200, body, MEDIA_TYPES[fmt], {"Vary": "Accept"})

    # -- graph views and entity pages -------------------------------------------------------------

    def _graph(self, params: dict[str, list[str]]) -> Response:
        job = _query_job(params)
        if "text" in job:
            try:
                gate.check(job["text"])
            except QueryRefusedError as exc:
                raise HttpError(403, str(exc)) from None
        document = self._run("graph", job, params)["body"]
        csp = graph_csp(document.decode("utf-8"))
        return Response(200, document, "text/html", {"Content-Security-Policy": csp})

    def _entity(self, path: str, params: dict[str, list[str]]) -> Response:
        kind, _, slug = path[len("/id/") :].partition("/")
        if kind not in KINDS or not SLUG_RE.match(slug):
            raise HttpError(404, f"no entity at {path}")
        fmt = negotiate(wanted_types(params, self.headers.get("Accept")), ENTITY_OFFERS)
        if fmt is None:
            raise _not_acceptable("an entity", ENTITY_OFFERS)
        payload = self._run("entity", {"iri": f"{ID}{kind}/{slug}", "fmt": fmt}, params)
        headers = {"Vary": "Accept"}
        if "csp" in payload:
            headers["Content-Security-Policy"] = payload["csp"]
        return Response(200, payload["body"], MEDIA_TYPES[fmt], headers)

    # -- writing the answer -----------------------------------------------------------------------

    def _send(self, response: Response) -> None:
        media = response.media_type
        if media.startswith("text/"):
            media += "; charset=utf-8"
        headers = {
            "Content-Type": media,
            "Content-Length": str(len(response.body)),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if response.media_type == "text/html":
            headers["Content-Security-Policy"] = UI_CSP
        headers.update(response.headers)
        for name, value in self._cors_headers().items():
            headers[name] = (
                f"{headers[name]}, {value}" if name == "Vary" and name in headers else value
            )
        if self._body_pending:
            # A body we did not read would be taken for the next request: close instead.
            self.close_connection = True
        if self.close_connection:
            headers["Connection"] = "close"
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _cors_headers(self) -> dict[str, str]:
        """CORS headers, only when enabled and the request's Origin is the allowed one."""
        allowed = self.server.cors
        # http.server's own errors may come before the headers were read.
        origin = self.headers.get("Origin") if getattr(self, "headers", None) else None
        if allowed is None or origin is None or allowed not in ("*", origin):
            return {}
        headers = {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Expose-Headers": TRUNCATED_HEADER,
            "Vary": "Origin",
        }
        if self.command == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST"
            headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        return headers


# --- starting it -------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed_hosts(host: str) -> list[str]:
    """Host names a request may be addressed to: the bound one and the loopback names; a
    wildcard address also answers to this machine's names."""
    names = [host, "localhost", "127.0.0.1", "[::1]"]
    if ":" in host:
        names.append(f"[{host}]")
    if host in ("0.0.0.0", "::", ""):
        names += [socket.gethostname(), socket.getfqdn()]
    return names


def make_server(
    store: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    timeout: float = 30,
    max_rows: int = 10000,
    workers: int = 2,
    cors: str | None = None,
    allow_remote: bool = False,
    queue_size: int = 64,
) -> Server:
    """Open the store (built first if needed), bind ``host:port`` (0: any free port) and start the
    worker processes. Serve with ``.serve_forever()`` or in a background thread with ``.start()``;
    ``.url`` is the base URL; ``.shutdown()`` stops everything.

    ``timeout`` (seconds) and ``max_rows`` bound every query (a client may lower the timeout with
    ``timeout=``); ``workers`` queries run at once and ``queue_size`` more may wait, beyond which
    requests are answered 503. ``cors`` allows cross-origin requests from that origin (``*``: any).
    Binding to anything but loopback needs ``allow_remote=True`` and logs a warning: the endpoint
    has no authentication.
    """
    if not _is_loopback(host):
        if not allow_remote:
            raise ParameterError(
                f"'{host}' is not a loopback address: anyone who can reach it could query the "
                "store. Pass allow_remote=True (CLI: --allow-remote) to serve it anyway."
            )
        log.warning(
            "Warning: serving on %s, reachable from other machines, without authentication", host
        )
    for name, value in (("timeout", timeout), ("max_rows", max_rows), ("workers", workers)):
        if not value > 0:
            raise ParameterError(f"{name} must be positive, got {value}")
    if queue_size < 0:
        raise ParameterError(f"queue_size must be 0 or more, got {queue_size}")
    handle = open_store(store)
    try:
        return Server(
            (host, port),
            store_root=handle.root,
            triples=int(handle.info.get("triples", len(handle.store))),
            timeout=timeout,
            max_rows=max_rows,
            workers=workers,
            queue_size=queue_size,
            cors=cors,
            allowed_hosts=_allowed_hosts(host),
        )
    except OSError as exc:
        raise AtmpkgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(
    store: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    timeout: float = 30,
    max_rows: int = 10000,
    workers: int = 2,
    cors: str | None = None,
    allow_remote: bool = False,
    queue_size: int = 64,
) -> None:
    """Serve the store until Ctrl-C: the SPARQL endpoint at ``/sparql``, entity pages at
    ``/id/<kind>/<slug>`` and the query page at ``/``. Options as for :func:`make_server`."""
    server = make_server(
        store,
        host,
        port,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        cors=cors,
        allow_remote=allow_remote,
        queue_size=queue_size,
    )
    log.info(
        "ATMP-KG at %s/ (query page), SPARQL endpoint %s/sparql; read-only. Press Ctrl-C to stop.",
        server.url,
        server.url,
    )
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop as cleanly on SIGTERM as on Ctrl-C
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt

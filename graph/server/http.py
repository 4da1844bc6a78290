"""``atmpkg serve``: a read-only SPARQL 1.1 Protocol endpoint, linked-data pages and a query web UI.

Paths (all on one server, every asset served locally):

- ``/sparql``: the SPARQL 1.1 Protocol (query via GET, POST form-encoded, POST
  ``application/sparql-query``); without a query, the SPARQL 1.1 Service Description. Extensions:
  ``name=`` with ``p=NAME=VALUE`` runs a named query, ``format=`` overrides the Accept header,
  ``timeout=`` (seconds) lowers the server's time limit.
- ``/id/<kind>/<slug>``: an instance IRI ``https://w3id.org/atmp-kg/id/<kind>/<slug>`` as HTML for
  people or Turtle/JSON-LD/N-Triples/RDF-XML for machines, by the Accept header.
- ``/``: the query page; ``/graph``: a query's answer drawn as a graph; ``/api/queries``: the named
  queries with their parameters, as JSON; ``/api/neighbours?iri=IRI``: the data of an entity's
  neighbourhood view, as JSON (what the Graph tab adds to its page when a node is expanded);
  ``/api/notes``: the notes of the answer ``/sparql`` gives the same request, whole, as JSON;
  ``/api/build``: the record of the build served (what ``atmpkg stats`` cites), as JSON;
  ``/health``: the workers and the queue, as JSON, answered without a worker.

Safety: the socket binds to loopback unless ``allow_remote``; a foreign ``Host`` header is refused
(DNS rebinding); so is a request a web page on another origin makes (``Origin``, ``Sec-Fetch-Site``),
unless its origin is allowed with ``cors``, apart from following a link; every query passes the
library's gate (no SERVICE, dataset clauses or updates); queries run in worker processes that are
confined (no network, a memory cap), open the store read-only and are killed at the time limit;
answers over the row cap are cut and say so in the ``ATMPKG-Truncated`` header; errors carry a
message, never a stack trace or a file path (those go to the server's stderr).

Abuse: a request's head must arrive within :data:`HEAD_TIMEOUT` and its body within
:data:`BODY_TIMEOUT` (a client trickling bytes is cut off); at most :data:`MAX_CONNECTIONS`
connections are served at once and, when all are taken, a new one takes the place of the connection
that has waited longest for a request (idle keep-alive connections cannot lock clients out); a
request waits at most :data:`~atmpkg.graph.server.workers.QUEUE_WAIT` for a worker, else 503 with
``Retry-After``; cheap queries and the look-ups of one entity (its page, its neighbours) have lanes
of their own (:mod:`atmpkg.graph.server.workers`).

rdflib stays out of the request path (its SPARQL parser is not thread-safe: rdflib#1282): parsing,
evaluation and serialisation are pyoxigraph's, inside the workers.

This module is the HTTP side (sockets, routing, statuses, headers) and :func:`serve`. Content
negotiation and request parameters are :mod:`atmpkg.graph.server.protocol`'s, the worker processes
:mod:`atmpkg.graph.server.workers`', and the HTML (query page, entity pages, their CSPs)
:mod:`atmpkg.graph.display.pages`'.

>>> server = make_server(port=0).start()  # the default store, on a free port
>>> server.url.startswith("http://127.0.0.1:")
True
>>> server.shutdown()
"""

from __future__ import annotations

import difflib
import http.server
import io
import ipaddress
import json
import logging
import math
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import FrameType

from ..display.pages import MESSAGE_CSP, graph_csp, local_href, message_page
from ..engine import gate
from ..engine.evaluate import TRUNCATED
from ..engine.sandbox import DEFAULT_MEMORY, parse_memory
from ..errors import (
    AtmpkgError,
    HostError,
    ParameterError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    cut,
    described,
    indefinite,
    likeness,
    singulars,
    visible,
)
from ..store.build import open_store
from ..store.csvdata import class_names
from ..store.folder import current_build, read_info
from ..terms import ID, KINDS, kind_prefix
from .cache import NOTES_BYTES, AnswerCache, answer_key, etag, matches
from .names import NameIndexes
from .protocol import (
    ENTITY_OFFERS,
    GRAPH_OFFERS,
    MEDIA_TYPES,
    OFFERS,
    TABLE_OFFERS,
    HttpError,
    accept_ranges,
    client_timeout,
    negotiate,
    no_bare_bindings,
    not_acceptable,
    notes_header,
    query_job,
    quick_query,
    refused,
    service_description,
    wanted_types,
)
from .ui import QUERY_PAGE_CSP, UI_CSP, static_files, ui_config
from .workers import (
    QUEUE_WAIT,
    QUICK_LIMIT,
    ClientGone,
    JobTimeout,
    Overloaded,
    WorkerPool,
    leave_if_importing_main,
    named_reply,
)

log = logging.getLogger("atmpkg.server")

#: Response header set when the row cap cut an answer; its value is the cap.
TRUNCATED_HEADER = TRUNCATED  # read by a remote store (store.remote.cut_at)
#: Response header holding an answer's notes (an undeclared term, a name that names nothing, why
#: an answer is empty, a defaulted date), as :func:`~atmpkg.graph.server.protocol.notes_header`
#: writes them: what the command line prints on stderr.
NOTES_HEADER = "ATMPKG-Notes"
#: Largest request body accepted (413 above it).
MAX_BODY = 1 << 20
#: Connections served at once (one thread each). When all are taken, a new connection takes the
#: place of the one that has waited longest for a request; when none waits, it is answered 503.
MAX_CONNECTIONS = 256
#: Seconds a client is asked to wait when the server is busy.
RETRY_AFTER = 1
#: Longest path segment looked up as an entity's name by ``/id/<name>`` (the graph's longest
#: label has 194 characters; a longer segment is offered no page).
MAX_NAME_CHARS = 500
#: Seconds a look-up of ``/id/<name>`` waits for the names of a new build, which a query worker
#: reads once per build (:mod:`.names`); past it, the path is a 404 without a hint.
NAME_INDEX_WAIT = 2.0
#: Seconds a look-up of ``/id/<name>`` among the names waits for the one under way: they run one
#: at a time in the server's own process, so that a flood of names takes no more of it than one
#: thread's share; past it, the path is a 404 without a hint. A name only the store's look-up
#: tells waits as long for the one a query worker runs.
LOOK_UP_WAIT = 1.0
#: What ends the name of a file web crawlers ask for (``/id/wp-login.php``, ``/id/favicon.ico``),
#: which ``/id/<name>`` looks up in no names.
WEB_FILE = re.compile(
    r"\.(php\d?|ico|html?|aspx?|jsp|cgi|pl|env|xml|txt|js|css|json|png|jpe?g|gif|svg|zip|gz|sql|bak)$",
    re.IGNORECASE,
)
#: Query texts this long or longer are checked by the gate :data:`LARGE_CHECKS` at a time. The
#: check runs in the server's own process, which has no memory cap, and holds about 150 times a
#: text's size (a megabyte-long query, 150 MB) for seconds: checked all at once, 24 of them took
#: the server to 3.8 GB, and the connections allowed would take 40. Being pure Python, checks run
#: one at a time under the interpreter's lock anyway, so the limit costs them no speed. A text
#: built so that every "<" reads two ways costs about 11 µs a character (0.05 s at this length;
#: 16 KiB texts, 0.15 s each, checked at once by a dozen clients had slowed every other request
#: to a second, sec20 F5); the longest named query is about half as long, so none waits.
LARGE_TEXT = 4_096
#: How many large texts the gate checks at once.
LARGE_CHECKS = 2
#: Seconds a large text waits for its check before the answer is 503 (a waiting text holds only
#: itself).
LARGE_CHECK_WAIT = 10.0
#: Seconds within which a request's head (request line and headers) must have arrived, counted
#: from the connection's opening or the end of the previous answer on it; an idle keep-alive
#: connection is closed after as long.
HEAD_TIMEOUT = 10.0
#: Seconds within which a request's body must have arrived once its head has.
BODY_TIMEOUT = 30.0
#: Seconds each write of an answer may take (a client that does not read is dropped).
SEND_TIMEOUT = 30.0
#: Bytes of answers of a MiB or more the server holds at once while clients read them (each up to
#: the workers' ``MAX_ANSWER_BYTES``); an answer past it is a 503 to retry, so that slow readers of
#: large answers cannot grow the server's own process, which no memory cap bounds.
SENDING_BYTES = 512 << 20
#: What ``cors`` may list: an origin as browsers send it (scheme://host[:port]), or ``*``.
ORIGIN_RE = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s]+")


#: Answers shorter than this are sent as they are: compressing them saves less than it costs.
GZIP_MIN_BYTES = 1024
#: A Content-Length as HTTP writes it: ASCII digits only (no sign, no space inside).
_DIGITS = re.compile(r"[0-9]+")


def _form(text: str, where: str) -> dict[str, list[str]]:
    """The parameters of a query string or form, whose percent-encoded bytes must be UTF-8 (as
    the SPARQL protocol says): other bytes would silently become U+FFFD and change the query.

    >>> _form("query=ASK%7B%7D&timeout=5", "the URL")
    {'query': ['ASK{}'], 'timeout': ['5']}
    """
    try:
        return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise HttpError(
            400, f"{where} holds percent-encoded bytes that are not UTF-8; encode text as UTF-8"
        ) from None


@dataclass
class Response:
    """What a route answers: status, body, media type and extra headers."""

    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
        r"""A plain-text answer (errors): one line, whatever the client's text it quotes holds
        (a line break or a NUL is written as its escape).

        >>> Response.text(404, "no entity at /id/therapy/a\nb\x00").body
        b'no entity at /id/therapy/a\\nb\\x00\n'
        """
        return cls(status, (_one_line(message) + "\n").encode(), "text/plain", dict(headers or {}))

    @classmethod
    def json_error(
        cls, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        r"""An error as a JSON answer reads it (``/api/neighbours``): ``{"error": ...}``, the line
        :meth:`text` writes.

        >>> json.loads(Response.json_error(404, "no entity at a\nb").body)
        {'error': 'no entity at a\\nb'}
        """
        body = json.dumps({"error": _one_line(message)}, ensure_ascii=False).encode("utf-8")
        return cls(status, body, "application/json", dict(headers or {}))


def _one_line(message: str) -> str:
    r"""``message`` as an error's one line: a line break or a control character written as its
    escape.

    >>> _one_line("a\nb\x00\n")
    'a\\nb\\x00'
    """
    return visible(message.rstrip("\n")).replace("\n", "\\n")


def _checked(
    text: str, large_checks: threading.Semaphore, timeout: float, started: float
) -> gate.CheckedQuery:
    """``text`` through the gate, its refusal as the endpoint answers it (403, or 400 for a text
    too large, too deep or with a string never closed). A text of :data:`LARGE_TEXT` characters
    or more waits for one of ``large_checks`` (503 after :data:`LARGE_CHECK_WAIT`, or the time
    limit if that comes first). The check ends within ``timeout`` seconds of ``started`` (a
    :func:`time.monotonic` reading), the wait included: 503 past it."""
    if len(text) < LARGE_TEXT:
        return _gate(text, timeout, started)
    left = timeout - (time.monotonic() - started)
    if not large_checks.acquire(timeout=max(0.0, min(LARGE_CHECK_WAIT, left))):
        raise HttpError(
            503,
            "the server is checking other large queries; retry shortly",
            {"Retry-After": str(RETRY_AFTER)},
        )
    try:
        return _gate(text, timeout, started)
    finally:
        large_checks.release()


def _gate(text: str, timeout: float, started: float) -> gate.CheckedQuery:
    try:
        return gate.check(text, timeout=timeout, started=started)
    except QueryTimeoutError:
        raise HttpError(
            503, f"checking the query took past the {timeout:g} s time limit; shorten the query"
        ) from None
    except QueryRefusedError as exc:
        raise refused(exc) from None
    except QuerySyntaxError as exc:
        raise HttpError(400, str(exc)) from None


class _Budget:
    """Bytes held at once, at most ``limit`` unless one holder alone needs more: :meth:`take` says
    whether ``size`` more fit, and takes them when they do; :meth:`give` returns them.

    >>> budget = _Budget(10)
    >>> budget.take(8), budget.take(8), budget.give(8), budget.take(20)
    (True, False, None, True)
    """

    def __init__(self, limit: int):
        self.limit, self.held = limit, 0
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        with self._lock:
            if size and self.held and self.held + size > self.limit:
                return False
            self.held += size
            return True

    def give(self, size: int) -> None:
        with self._lock:
            self.held -= size


class _Slots:
    """The connections being served, at most ``limit``, and which of them wait for a request.

    A connection waits from its opening, or the end of an answer, until its request's head has
    arrived, and again while its body arrives; the rest of the time it is being answered. When
    every slot is taken, a new connection takes the slot of the one that has waited longest (an
    idle keep-alive connection, or a client trickling bytes): its socket is shut down, which ends
    its thread's read. A connection being answered is never cut.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        # Each connection served, with when it began to wait (None while it is being answered).
        self._open: dict[socket.socket, float | None] = {}

    def admit(self, connection: socket.socket) -> bool:
        """Take a slot for a new connection, cutting the longest-waiting one if need be; False when
        every connection is being answered, or the slots are closed."""
        victim = None
        with self._lock:
            if not self.limit:
                return False
            if len(self._open) >= self.limit:
                waiting = [(since, c) for c, since in self._open.items() if since is not None]
                if not waiting:
                    return False
                victim = min(waiting, key=lambda item: item[0])[1]
                del self._open[victim]
            self._open[connection] = time.monotonic()
        if victim is not None:
            try:
                victim.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # its thread closed it meanwhile
        return True

    def waiting(self, connection: socket.socket) -> bool:
        """Mark a connection as waiting for (part of) a request; False when it lost its slot.

        A connection already waiting keeps the time it began to: its thread may start (and mark
        it) well after it was admitted, and that must not make it look newer than later arrivals.
        """
        with self._lock:
            if connection not in self._open:
                return False
            if self._open[connection] is None:
                self._open[connection] = time.monotonic()
            return True

    def answering(self, connection: socket.socket) -> bool:
        """Mark a connection as being answered; False when it lost its slot meanwhile."""
        with self._lock:
            if connection not in self._open:
                return False
            self._open[connection] = None
            return True

    def release(self, connection: socket.socket) -> None:
        """Free a connection's slot (if it still has one)."""
        with self._lock:
            self._open.pop(connection, None)

    def close(self) -> None:
        """Take every slot back and admit no more: a connection waiting for a request is shut at
        once, one being answered closes after its answer (it finds its slot gone)."""
        with self._lock:
            self.limit, connections = 0, self._open
            self._open = {}
        for connection, since in connections.items():
            if since is not None:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # its thread closed it meanwhile

    def count(self) -> int:
        """How many connections hold a slot."""
        with self._lock:
            return len(self._open)


class _Input(io.RawIOBase):
    """A connection's input, read against a deadline for the whole of what is awaited (a request's
    head, or its body) rather than for each read: a client that sends a byte now and then cannot
    keep its connection. Past the deadline with nothing of the request received (an idle
    keep-alive connection) it reads as the end of the stream, closing the connection quietly; with
    part of it received it raises :class:`TimeoutError`."""

    def __init__(self, connection: socket.socket, send_timeout: float):
        super().__init__()
        self._connection, self._send_timeout = connection, send_timeout
        self.deadline = math.inf
        self._started = False

    def expect(self, seconds: float) -> None:
        """Start awaiting something that must arrive within ``seconds``."""
        self.deadline = time.monotonic() + seconds
        self._started = False

    def readable(self) -> bool:
        """Always: this is an input."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Read what has arrived into ``buffer``, waiting no later than the deadline."""
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError("the deadline passed")
            self._connection.settimeout(remaining)
            count = self._connection.recv_into(buffer)
        except TimeoutError:
            if not self._started:
                return 0
            raise
        finally:
            # Writes keep their own limit.
            self._connection.settimeout(self._send_timeout)
        self._started = self._started or count > 0
        return count


class Server(http.server.ThreadingHTTPServer):
    """The HTTP server: one thread per connection (bounded), queries in the worker pool."""

    daemon_threads = True
    block_on_close = False
    # The listen backlog: socketserver's default of 5 drops the SYNs of a burst of clients, who
    # then retry only after a second or more; a flood of a few hundred connections fits in this.
    request_queue_size = 1024

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
        cors: frozenset[str],
        allowed_hosts: Sequence[str],
        in_memory: bool = False,
        memory: int = DEFAULT_MEMORY,
    ):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.timeout_limit, self.max_rows, self.cors = timeout, max_rows, cors
        self.built_triples = triples
        self.store_root = store_root
        self.cache = AnswerCache()
        #: the notes of each query answer served, kept apart: /api/notes gives those of an answer
        #: that was not kept (a volatile query, one too large) without running it again
        self.notes = AnswerCache(NOTES_BYTES)
        self.static = static_files()
        self.ui_config = ui_config(timeout, max_rows)
        self.slots = _Slots(MAX_CONNECTIONS)
        #: Set as :meth:`shutdown` begins: a connection's errors from then on are its closing
        self.stopping = False
        self.sending = _Budget(SENDING_BYTES)
        self.large_checks = threading.BoundedSemaphore(LARGE_CHECKS)
        self._thread: threading.Thread | None = None
        port = self.server_address[1]
        # bound to every address: any of the machine's addresses may be the one a client uses,
        # and an address (unlike a name) cannot be rebound by DNS
        self.any_address = address[0] in ("0.0.0.0", "::", "")
        self.allowed_hosts = {f"{h.lower()}:{port}" for h in allowed_hosts}
        if port == 80:
            self.allowed_hosts |= {h.lower() for h in allowed_hosts}
        host = address[0]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        try:
            self.pool = WorkerPool(store_root, workers, queue_size, in_memory, memory)
        except BaseException:
            self.server_close()
            raise
        self.names = NameIndexes(store_root, self._read_names)
        #: Held by the look-up of a name among the names, and by one that needs the store
        self.looking_up = threading.Lock()
        self.asking_the_store = threading.Lock()

    def _read_names(self) -> bytes:
        """The current build's names, read by the look-up lane's worker (or a free query worker)
        under the server's time limit: the look-ups of entity pages need them under a flood of
        long queries too."""
        status, payload = self.pool.run("names", {}, self.timeout_limit, "lookup")
        if status != 200 or not isinstance(payload, dict):
            raise AtmpkgError(f"{status} {payload}")
        return payload["body"]

    def triples(self) -> int:
        """How many triples the current build holds: an import or a rebuild while the server
        runs changes it, as it changes the answers."""
        build = current_build(self.store_root)
        info = read_info(build) if build is not None else {}
        return int(info.get("triples", self.built_triples))

    def build_record(self) -> bytes:
        """``/api/build``: the record of the build served (its ``build.json``, what ``atmpkg
        stats`` shows and cites, as push writes it beside a graph), as JSON; a data folder by its
        name alone, not its path on this machine; ``{}`` before any build."""
        build = current_build(self.store_root)
        info = dict(read_info(build)) if build is not None else {}
        if isinstance(info.get("data_dir"), str):
            info["data_dir"] = Path(info["data_dir"]).name
        return json.dumps(info).encode("ascii")

    def allows_origin(self, origin: str | None) -> bool:
        """Whether ``cors`` lets pages at ``origin`` send requests and read the answers."""
        return origin is not None and ("*" in self.cors or origin.strip().lower() in self.cors)

    def health(self) -> bytes:
        """``/health``: the workers of each lane (busy, idle, starting), the requests waiting for
        them, the connections open and the answers kept (see :mod:`.cache`), as JSON; computed
        here, without a worker."""
        lanes = self.pool.status()
        query = lanes["query"]
        status = "ok" if query["idle"] else "busy" if query["busy"] else "starting"
        report = {
            "status": status,
            "workers": {k: v for k, v in query.items() if k != "waiting"},
            "quick_workers": {k: v for k, v in lanes["quick"].items() if k != "waiting"},
            "lookup_workers": {k: v for k, v in lanes["lookup"].items() if k != "waiting"},
            "queue": {
                "waiting": query["waiting"],
                "quick_waiting": lanes["quick"]["waiting"],
                "lookup_waiting": lanes["lookup"]["waiting"],
                "limit": self.pool.queue_size,
                "wait_seconds": QUEUE_WAIT,
            },
            "connections": {"open": self.slots.count(), "limit": self.slots.limit},
            "answers_kept": self.cache.stats(),
            "notes_kept": self.notes.stats(),
        }
        return json.dumps(report).encode("utf-8")

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        """Serve the connection in a thread, or answer 503 at once when every slot is taken by a
        connection being answered."""
        if not self.slots.admit(request):
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

    def process_request_thread(
        self, request: socket.socket, client_address: tuple[str, int]
    ) -> None:
        """Serve one connection (in its thread), then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release(request)

    def handle_error(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        """A client hanging up is routine, and so is a connection that fails as the server stops
        and closes it (a SIGTERM under load logged "Bad file descriptor" with its trace); anything
        else is logged with its trace (stderr only)."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError) or (self.stopping and isinstance(error, OSError)):
            log.debug("%s hung up (%s)", client_address[0], error)
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
        """Stop serving, close the socket and the connections clients keep open, and end the
        worker processes."""
        self.stopping = True
        if self._thread is not None:
            super().shutdown()
        self.server_close()
        self.slots.close()
        self.names.close()
        self.pool.close()

    def __enter__(self) -> Server:
        """The server itself; leaving the block shuts it down."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Shut the server down (see :meth:`shutdown`)."""
        self.shutdown()


class Handler(http.server.BaseHTTPRequestHandler):
    """One HTTP request: check the Host and the requesting site, route, answer; every error becomes
    a plain-text message."""

    server: Server
    protocol_version = "HTTP/1.1"
    # The socket's timeout for writing answers; reads run against the deadlines of _Input.
    timeout = SEND_TIMEOUT
    # Headers and body go out in separate writes; with Nagle's algorithm the body would wait for
    # the client's delayed ACK (~40 ms per request on a keep-alive connection).
    disable_nagle_algorithm = True
    _body_pending = False

    def setup(self) -> None:
        """Set the connection up, reading it through :class:`_Input` (deadlines)."""
        super().setup()
        self.rfile.close()
        self._input = _Input(self.connection, SEND_TIMEOUT)
        self.rfile = io.BufferedReader(self._input)

    def handle_one_request(self) -> None:
        """Await one request (its head within :data:`HEAD_TIMEOUT`) and answer it."""
        if not self.server.slots.waiting(self.connection):
            self.close_connection = True  # a new connection took this one's slot
            return
        self._input.expect(HEAD_TIMEOUT)
        super().handle_one_request()

    def parse_request(self) -> bool:
        """Read the request's head; the connection is then being answered, unless it lost its slot
        while the head arrived."""
        # An HTTP/0.9 request is its line alone: waiting for headers that never come would hold
        # the client until the head's time limit.
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) == 2 and words[0] == "GET":
            self.command, self.path = words
            self.request_version = "HTTP/0.9"
            if self.server.slots.answering(self.connection):
                self.send_error(505, "HTTP/0.9 is not served; send HTTP/1.1 (or 1.0) requests")
            self.close_connection = True
            return False
        if not super().parse_request():
            return False
        if not self.server.slots.answering(self.connection):
            self.close_connection = True
            return False
        # Python's parser stops at a line that is no header ("Transfer-Encoding : chunked", with
        # white space in its name) and drops it and every header after it, where a proxy in front
        # may read it trimmed: the two would disagree on where the body ends (RFC 9112, 5.1).
        if self.headers.defects:
            self.send_error(
                400, "a line of the request's head is no header: write 'Name: value', no space "
                "before the colon"
            )
            return False
        # Where the body ends must be certain, or its bytes could be read as another request.
        if self.headers.get("Transfer-Encoding") is not None:
            self.send_error(411, "send the body with a Content-Length")
            return False
        if self._declared_length() is None:
            self.send_error(
                400,
                "the Content-Length header must be one whole number of bytes, given once; "
                "leave it out when there is no body",
            )
            return False
        return True

    def __getattr__(self, name: str) -> Callable[[], None]:
        """Any other method (PUT, DELETE, PATCH, made-up ones) is answered 405, not 501."""
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def do_GET(self) -> None:
        """Answer a GET."""
        self._dispatch()

    def do_HEAD(self) -> None:
        """Answer a HEAD: the answer to GET without its body (see ``_send``)."""
        self._dispatch()

    def do_POST(self) -> None:
        """Answer a POST (accepted at /sparql, /graph and /api/notes only)."""
        self._dispatch()

    def do_OPTIONS(self) -> None:
        """Answer a CORS preflight from an allowed origin; 403 from another origin, else 405."""
        self._dispatch()

    def _allow(self) -> str:
        return "GET, HEAD, POST" + (", OPTIONS" if self.server.cors else "")

    def _method_not_allowed(self) -> None:
        self._body_pending = self._declared_length() != 0
        self._send(
            Response.text(405, f"method {self.command} is not allowed", {"Allow": self._allow()})
        )

    def version_string(self) -> str:
        """The Server header: the name only, no Python version."""
        return "atmpkg"

    def log_message(self, format: str, *args: object) -> None:
        """Log each request to the ``atmpkg.server`` logger (not straight to stderr), a long value
        (a request line of 5,600 characters) cut as errors cut it (newuser23 F15)."""
        shown = tuple(cut(arg) if isinstance(arg, str) else arg for arg in args)
        log.info("%s %s", self.address_string(), format % shown)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414 ...) as plain text, connection closed;
        with a status line even when the request line did not say its version, which
        http.server would otherwise take for HTTP/0.9 and answer with the bare text."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"
        self._send(Response.text(code, message or HTTPStatus(code).phrase))

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body (413) before the client sends it; else ask for it."""
        if (self._declared_length() or 0) > MAX_BODY:
            self._body_pending = True
            self._send(Response.text(413, f"request body larger than {MAX_BODY} bytes"))
            return False
        return super().handle_expect_100()

    def _declared_length(self) -> int | None:
        """The body's length as the Content-Length header gives it (0 without one); None when it
        is not one whole number, or is given twice with different values. A number longer than
        any body this door reads counts as one byte over the limit: Python refuses to convert
        numbers of thousands of digits."""
        values = {v.strip() for v in self.headers.get_all("Content-Length") or ["0"]}
        if len(values) != 1:
            return None
        (value,) = values
        if not _DIGITS.fullmatch(value):
            return None
        digits = value.lstrip("0")
        return MAX_BODY + 1 if len(digits) > len(str(MAX_BODY)) else int(digits or "0")

    # -- dispatch ---------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        self._body_pending = self._declared_length() != 0
        self._etag: str | None = None
        try:
            self._check_host()
            self._check_site()
            response = self._route()
        except HttpError as exc:
            if exc.status == 304:
                response = Response(304, b"", "", exc.headers)
            else:
                response = self._failed(exc.status, exc.message, exc.headers)
        except Exception:
            log.exception("internal error answering %s %s", self.command, self.path)
            response = self._failed(500, "internal server error")
        # answers under a MiB are not counted: they cost little, and an error must always go out
        size = len(response.body) if len(response.body) >= 1 << 20 else 0
        if not self.server.sending.take(size):
            message = (
                f"the server is sending {self.server.sending.held >> 20} MiB of answers to "
                "clients that read them slowly; retry in a moment"
            )
            response, size = self._failed(503, message, {"Retry-After": str(RETRY_AFTER)}), 0
        try:
            self._send(response)
        finally:
            self.server.sending.give(size)

    def _failed(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        """An error's answer: plain text, or for a page the browser shows (a navigation, a frame;
        not another site's) an HTML page of the message, so that it reads as the site's and links
        onwards."""
        dest = self._fetch("Dest")
        site = self._fetch("Site")
        page = dest in ("document", "iframe") and site in ("", "none", "same-origin")
        asked = urllib.parse.urlsplit(self.path).path
        if asked == "/api/neighbours" and not (page and self.command in ("GET", "HEAD")):
            # the Graph tab reads this answer as JSON, an error as its message (its side panel
            # shows it whole, with the paths offered)
            return Response.json_error(status, message, headers)
        if self.command not in ("GET", "HEAD") or not page:
            return Response.text(status, message, headers)
        page = message_page(status, message, asked, quoted=_typed_parts(asked)).encode("utf-8")
        return Response(
            status, page, "text/html", {**(headers or {}), "Content-Security-Policy": MESSAGE_CSP}
        )

    def _fetch(self, name: str) -> str:
        """The request's ``Sec-Fetch-<name>`` header (what the browser says of who asked, and
        for what), in lower case; empty when not sent."""
        return (self.headers.get(f"Sec-Fetch-{name}") or "").strip().lower()

    def _check_host(self) -> None:
        """Refuse requests addressed to another host name: a web page elsewhere cannot reach this
        server through a DNS name that it rebinds to 127.0.0.1."""
        hosts = self.headers.get_all("Host") or []
        if not hosts:
            raise HttpError(400, "the Host header is missing")
        if len(hosts) > 1:
            raise HttpError(400, "the Host header is given more than once")
        self._host = hosts[0].strip().lower()
        # a request addressed by an absolute URL (a proxy's form) names its host there, which
        # wins over the header (RFC 9112, 3.2.2)
        target = urllib.parse.urlsplit(self.path)
        if target.scheme or target.netloc:
            if target.scheme.lower() != "http":
                raise HttpError(
                    400, "a request addressed by an absolute URL is addressed by http://"
                )
            self._host = target.netloc.lower()
        port = self.server.server_address[1]
        if self._host not in self.server.allowed_hosts and not (
            self.server.any_address and _an_address(self._host, port)
        ):
            names = sorted(h for h in self.server.allowed_hosts if h.endswith(f":{port}"))
            raise HttpError(
                403,
                "requests for this Host are not served here; address the server as "
                + ", ".join(names)
                + (" or by an IP address of this machine" if self.server.any_address else ""),
            )

    def _check_site(self) -> None:
        """Refuse a request that a web page on another origin makes (its ``Origin``, or its
        ``Sec-Fetch-Site`` of cross-site or same-site), unless ``cors`` allows that origin: any
        page the user visits could otherwise query this server on the user's behalf. Following a
        link from another site (a top-level GET navigation) is served: its answer goes to the
        user, not to the page; a page's frames, objects and embeds are not. Clients that send
        neither header (curl, SPARQLWrapper, rdflib) are served. The query page's own form,
        posted into its sandboxed Graph frame, comes with ``Origin: null`` (the frame's origin)
        and ``Sec-Fetch-Site: same-origin`` (who sent it), which no script can set: served."""
        origin = self.headers.get("Origin")
        site = self._fetch("Site")
        mode = self._fetch("Mode")
        dest = self._fetch("Dest")
        own = "http://" + self._host
        foreign = origin is not None and origin.strip().lower() != own
        frame_post = (self.command, urllib.parse.urlsplit(self.path).path) == ("POST", "/graph")
        sent_by_own_page = (site, mode, dest) == ("same-origin", "navigate", "iframe")
        if frame_post and sent_by_own_page and (origin or "").strip().lower() == "null":
            foreign = False
        if not foreign and site not in ("cross-site", "same-site"):
            return
        if self.server.allows_origin(origin):
            return
        if self.command in ("GET", "HEAD") and mode == "navigate" and dest in ("document", ""):
            return
        who = f"a page at {origin}" if origin else "a page on another site"
        name = origin if origin and origin != "null" else "ORIGIN"
        raise HttpError(
            403,
            f"cross-site request refused: {who} may not send requests to this server, which "
            "would run them on your behalf. To allow that origin, start the server with "
            f"--cors {name} (Python: make_server(..., cors=['{name}'])); --cors may be given "
            "once per origin.",
        )

    def _route(self) -> Response:
        if not self.path.isascii():
            raise HttpError(400, "the URL holds bytes that are not ASCII; percent-encode them")
        url = urllib.parse.urlsplit(self.path)
        path, params = url.path or "/", _form(url.query, "the URL's query string")
        if self.command == "OPTIONS":
            if not self.server.allows_origin(self.headers.get("Origin")):
                raise HttpError(405, "method OPTIONS is not allowed", {"Allow": self._allow()})
            return Response(204, b"", "text/plain", {"Allow": "GET, HEAD, POST, OPTIONS"})
        if path == "/sparql":
            return self._sparql(params)
        if path == "/api/notes":
            return self._notes(self._post_params(params) if self.command == "POST" else params)
        if path == "/graph":
            # the query page posts a query too long for a link (8,000 characters) into its
            # Graph tab, as the server reads a request line of at most 64 KiB
            return self._graph(self._post_params(params) if self.command == "POST" else params)
        if self.command == "POST":
            raise HttpError(
                405,
                "POST is accepted at /sparql, /graph and /api/notes only",
                {"Allow": "GET, HEAD"},
            )
        if path == "/":
            return self._static("index.html")
        if path.startswith("/static/"):
            return self._static(path[len("/static/") :])
        if path == "/api/queries":
            return Response(200, self.server.ui_config, "application/json")
        if path == "/health":
            return Response(
                200, self.server.health(), "application/json", {"Cache-Control": "no-store"}
            )
        if path == "/api/build":
            return Response(
                200, self.server.build_record(), "application/json", {"Cache-Control": "no-store"}
            )
        if path.startswith("/id/"):
            return self._entity(path, params)
        if path == "/api/neighbours":
            return self._neighbours(params)
        raise HttpError(404, f"nothing at {cut(path)}")

    def _static(self, name: str) -> Response:
        found = self.server.static.get(name)
        if found is None:
            raise HttpError(404, f"nothing at {cut('/static/' + name)}")
        headers = {"Cache-Control": "no-cache"}
        body = found[0]
        if name == "index.html":
            # The query page alone runs YASGUI, which needs its one exception (inline styles).
            headers["Content-Security-Policy"] = QUERY_PAGE_CSP
            site = self._fetch("Site")
            if site in ("cross-site", "same-site"):
                # another site led the browser here: a query its link carries waits for Run
                body = body.replace(b"<html ", b'<html data-from="another-site" ', 1)
        return Response(200, body, found[1], headers)

    # -- the SPARQL endpoint ----------------------------------------------------------------------

    def _read_body(self) -> bytes:
        """The request's body, which must arrive within :data:`BODY_TIMEOUT`."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HttpError(411, "send the body with a Content-Length")
        length = self._declared_length() or 0  # parse_request refused one that does not read
        if length > MAX_BODY:
            raise HttpError(413, f"request body larger than {MAX_BODY} bytes")
        if length <= 0:
            self._body_pending = False
            return b""
        self.server.slots.waiting(self.connection)
        self._input.expect(BODY_TIMEOUT)
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            body = b""
        self._body_pending = False
        if not self.server.slots.answering(self.connection):
            # Its socket is shut already: nobody reads this answer, it only ends the request.
            self.close_connection = True
            raise HttpError(503, "another connection took this one's place", {"Retry-After": "1"})
        if len(body) < length:
            self.close_connection = True
            if time.monotonic() >= self._input.deadline:
                raise HttpError(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s")
            raise HttpError(400, "the request body ended before its Content-Length")
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
            for key, values in _form(text, "the form").items():
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

    def _sparql(self, params: dict[str, list[str]]) -> Response:
        if self.command == "POST":
            params = self._post_params(params)
        elif not any(k in params for k in ("query", "name", "update")):
            if "p" in params:
                raise HttpError(400, "p= gives a named query's parameters: give its name= too")
            return self._service_description(params)
        payload = self._answer(params)
        headers = {"Vary": "Accept"}
        if payload["truncated"]:
            headers[TRUNCATED_HEADER] = str(self.server.max_rows)
        # written here, not by the worker: a header is JSON in ASCII, whatever a worker sent (the
        # pool took only a list of texts as notes: workers._reply)
        if payload.get("notes"):
            headers[NOTES_HEADER] = notes_header(payload["notes"])
        return Response(200, payload["body"], MEDIA_TYPES[payload["fmt"]], headers)

    def _notes(self, params: dict[str, list[str]]) -> Response:
        """The notes of the answer /sparql gives the same request, whole, as JSON
        (``{"notes": [...]}``): its ``ATMPKG-Notes`` header cuts each to 400 bytes for a proxy's
        sake, and the query page shows them whole (joints28 F3). Asked with the answer's own
        Accept, they are those of the answer last served to that request, kept apart from the
        answers (rev28b F3: a volatile query ran again in full for them); the query runs only
        when they are no longer kept."""
        args, lane, volatile, started = self._query_args(params)
        build = current_build(self.server.store_root)
        kept = self.server.notes.get(answer_key(build.name if build else "", "query", args))
        if kept is not None:
            notes = kept["notes"]
        else:
            notes = self._run("query", args, params, lane, volatile, started).get("notes", [])
        body = json.dumps({"notes": notes}).encode("ascii")
        return Response(200, body, "application/json", {"Vary": "Accept"})

    def _answer(self, params: dict[str, list[str]]) -> dict:
        """The worker's answer to the query ``params`` ask for, in the format Accept asks for."""
        args, lane, volatile, started = self._query_args(params)
        return self._run("query", args, params, lane, volatile, started)

    def _query_args(self, params: dict[str, list[str]]) -> tuple[dict, str, bool, float]:
        """The job of the query ``params`` ask for, checked by the gate, with the lane it runs in,
        whether its answer is volatile, and when the checking began."""
        job = query_job(params)
        accept = wanted_types(params, self.headers.get("Accept"))
        formats = {kind: negotiate(accept, offers) for kind, offers in OFFERS.items()}
        if formats["table"] is None and formats["graph"] is None:
            raise not_acceptable("a query", TABLE_OFFERS + GRAPH_OFFERS)
        lane, volatile = "query", False
        started = time.monotonic()
        if "text" in job:
            timeout = client_timeout(params, self.server.timeout_limit)
            checked = _checked(job["text"], self.server.large_checks, timeout, started)
            no_bare_bindings(job["text"], checked.variables, params)
            form = checked.form
            if form == "UPDATE":
                raise HttpError(403, "this endpoint is read-only: SPARQL updates are refused")
            kind = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "table"
            if form != "UNKNOWN" and formats[kind] is None:
                raise not_acceptable(f"a {form} query", OFFERS[kind])
            if quick_query(checked.tokens):
                lane = "quick"
            volatile = checked.volatile
        args = {**job, "formats": formats, "limit": self.server.max_rows}
        return args, lane, volatile, started

    def _run(
        self,
        kind: str,
        args: dict,
        params: Mapping[str, list[str]],
        lane: str = "query",
        volatile: bool = False,
        started: float | None = None,
        limit: float | None = None,
    ) -> dict:
        """Run a job in the pool's ``lane``, turning overload, time-outs and job errors into HTTP
        errors; an answer already computed on the current build comes from the server's cache,
        and one the client holds (``If-None-Match`` on GET or HEAD) is ``304 Not Modified``,
        unless the query is ``volatile``. The time limit counts from ``started`` (a
        :func:`time.monotonic` reading taken before the gate checked the query), or from now,
        and is at most ``limit`` seconds when given."""
        timeout = client_timeout(params, self.server.timeout_limit)
        build = current_build(self.server.store_root)
        key = answer_key(build.name if build else "", kind, args, volatile)
        if key is not None:
            self._etag = etag(key)
            if self.command in ("GET", "HEAD") and matches(
                self.headers.get("If-None-Match"), self._etag
            ):
                # as the answer it stands for varies: a graph page is the same whatever Accept
                vary = {} if kind == "graph" else {"Vary": "Accept"}
                raise HttpError(304, "", {"ETag": self._etag, **vary})
            kept = self.server.cache.get(key)
            if kept is not None:
                self._keep_notes(kind, args, build, kept)
                return kept
        if lane == "quick":
            timeout = min(timeout, QUICK_LIMIT)
        if limit is not None:
            timeout = min(timeout, limit)
        left = timeout - (time.monotonic() - started) if started is not None else timeout
        try:
            status, payload = self.server.pool.run(kind, args, left, lane, self._client_gone)
        except ClientGone:
            # no one reads this answer: the connection closes after it
            self.close_connection = True
            raise HttpError(
                499, "the client closed the connection; the query was stopped"
            ) from None
        except Overloaded as exc:
            raise HttpError(503, str(exc), {"Retry-After": str(RETRY_AFTER)}) from None
        except JobTimeout:
            limit = (
                f"quick queries' limit is {QUICK_LIMIT:g} s"
                if lane == "quick"
                else f"server's limit is {self.server.timeout_limit:g} s"
            )
            raise HttpError(
                503,
                f"query stopped after the {timeout:g} s time limit (the {limit}); narrow the query",
            ) from None
        if status != 200:
            raise HttpError(status, payload)
        # a build swapped in while the job ran: the answer may be of either build, so not kept
        if key is not None and current_build(self.server.store_root) == build:
            self.server.cache.put(key, payload)
        if current_build(self.server.store_root) == build:
            self._keep_notes(kind, args, build, payload)
        return payload

    def _keep_notes(self, kind: str, args: dict, build: Path | None, payload: dict) -> None:
        """Keep the notes of a query's answer served, volatile or not, for /api/notes, under the
        key its answer has (or would have): the page asks for them right after the answer."""
        if kind == "query":
            key = answer_key(build.name if build else "", kind, args)
            self.server.notes.put(key, {"notes": list(payload.get("notes", []))})

    def _client_gone(self) -> bool:
        """Whether the client closed its connection (its end of the socket reads as finished)
        while its answer is being computed; data it already sent for a next request is not
        read."""
        try:
            # poll, not select, which takes no descriptor past 1024
            poller = select.poll()
            poller.register(self.connection, select.POLLIN | select.POLLHUP | select.POLLERR)
            readable = poller.poll(0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _service_description(self, params: Mapping[str, list[str]]) -> Response:
        fmt = negotiate(wanted_types(params, self.headers.get("Accept")), GRAPH_OFFERS[:4])
        if fmt is None:
            raise not_acceptable("the service description", GRAPH_OFFERS[:4])
        endpoint = f"http://{self._host}/sparql"
        body = service_description(endpoint, self.server.triples(), fmt)
        return Response(200, body, MEDIA_TYPES[fmt], {"Vary": "Accept"})

    # -- graph views and entity pages -------------------------------------------------------------

    def _graph(self, params: dict[str, list[str]]) -> Response:
        job = query_job(params)
        volatile, started = False, time.monotonic()
        if "text" in job:
            timeout = client_timeout(params, self.server.timeout_limit)
            checked = _checked(job["text"], self.server.large_checks, timeout, started)
            no_bare_bindings(job["text"], checked.variables, params)
            volatile = checked.volatile
        payload = self._run("graph", job, params, volatile=volatile, started=started)
        document = payload["body"]
        csp = payload.get("csp") or graph_csp(document.decode("utf-8"))
        headers = {"Content-Security-Policy": csp}
        if payload.get("notes"):  # why nothing is drawn
            headers[NOTES_HEADER] = notes_header(payload["notes"])
        return Response(200, document, "text/html", headers)

    def _named_hint(
        self, encoded: str, meant: str | None, params: dict[str, list[str]], kind: str = ""
    ) -> str:
        """What a path of one segment, ``encoded`` (percent-encoded), is told, its name read as
        ``atmpkg show`` reads one: the page of the entity it names; the pages of the entities a
        name they share names; or the pages of what its near misses name, unless the segment is
        more like a kind of entity than like any of them (``/id/therapi``), when the kind is
        offered (``meant``, the kind it is close to; newuser26: ``/id/genzym`` was offered the
        kind 'agency', not Genzyme). A path's ``kind:name`` (``kind``, the kind its path gives)
        that names none of that kind is told, before those near misses, the entities of other
        kinds the name names (``/id/company/kymriah``: the therapy)."""
        name = self._name_of(encoded)
        reply = self._named(name, params) if name else {"named": ""}
        page = local_href(reply["named"]) if reply["named"] else None
        several = [href for iri in reply.get("several", []) if (href := local_href(iri))]
        near = [href for iri in reply.get("near", []) if (href := local_href(iri))]
        if page:
            return f"; did you mean {page}?"
        # the name as typed: a path's kind:name is quoted by its name (onasemnogene abeparvovec)
        typed = name.partition(":")[2] if kind else name
        if several:
            left = reply.get("left", 0)
            more = f" and {left} more" if left else ""
            return f"; {_quoted(typed)} names several entities: {', '.join(several)}{more}"
        elsewhere = self._of_other_kinds(kind, typed, params) if kind else ""
        if elsewhere:
            return elsewhere
        if near and not (meant and likeness(encoded, meant) > reply.get("like", 0.0)):
            return f"; did you mean {', '.join(near)}?"
        return _no_kind(_typed(encoded), meant) if meant else ""

    def _of_other_kinds(self, kind: str, name: str, params: dict[str, list[str]]) -> str:
        """The hint for ``name``, given under ``kind`` where it names no entity, that names
        entities of other kinds as ``atmpkg show`` reads it without the kind: their pages, each
        under its own kind ("" when it names none); a name of a real entity under the wrong kind
        was a bare 404 (``/id/company/kymriah``)."""
        reply = self._named(name, params) if name else {"named": ""}
        found = [reply["named"]] if reply["named"] else reply.get("several", [])
        pages = [
            href
            for iri in found
            if not iri.startswith(f"{ID}{kind}/") and (href := local_href(iri))
        ]
        if not pages:
            return ""
        # rev28b F6: a kind in prose is its words, 'a therapeutic area', not its path's
        # 'a therapeutic-area'
        words = kind.replace("-", " ")
        if len(pages) == 1:
            other = pages[0].split("/")[2].replace("-", " ")
            return f"; {_quoted(name)} names no {words} but {indefinite(other)}: {pages[0]}"
        more = reply.get("left", 0)
        left = f" and {more} more" if more else ""
        return f"; {_quoted(name)} names no {words} but other entities: {', '.join(pages)}{left}"

    def _own_slug(self, encoded: str, params: dict[str, list[str]]) -> str:
        """The hint offering the page of the entity whose slug is ``encoded``, a path's one
        segment, as typed (an imported company:therapies for /id/therapies), "" for none: a
        name only like it, or named by a label in another case (/id/Company: the concept
        source-kind:company), is no such entity."""
        name = self._name_of(encoded)
        named = self._named(name, params)["named"] if name else ""
        page = local_href(named) if named else None
        return f"; did you mean {page}?" if page and page.rsplit("/", 1)[1] == encoded else ""

    @staticmethod
    def _name_of(encoded: str) -> str:
        """The name a path's segment ``encoded`` gives to look up, "" for one looked up in no
        names: a segment that is no UTF-8, a file a bot probes for (/id/wp-login.php) or a text
        longer than any name (rev24 F1)."""
        try:
            name = urllib.parse.unquote(encoded, errors="strict")
        except UnicodeDecodeError:
            return ""
        if not name.strip() or len(name) > MAX_NAME_CHARS or WEB_FILE.search(name):
            return ""
        return name

    def _named(self, name: str, params: dict[str, list[str]]) -> dict:
        """What ``name`` names, as :func:`~.workers.named_reply` tells it ({"named": ""} for
        nothing told). Looked up among the build's names, which the server keeps, without a job:
        a job of each look-up, each reading every name, took the quick lane from the cheap
        queries it is kept for (sec25 M2). Until the names are read, or while others are looked
        up longer than the waits, the path names nothing: a 404 without a hint."""
        index = self.server.names.get(NAME_INDEX_WAIT)
        if index is None or not self.server.looking_up.acquire(timeout=LOOK_UP_WAIT):
            return {"named": ""}
        try:
            reply = named_reply(name, index.resolve)
        finally:
            self.server.looking_up.release()
        return reply if reply is not None else self._named_by_the_store(name, params)

    def _named_by_the_store(self, name: str, params: dict[str, list[str]]) -> dict:
        """What a name only the store's look-up tells (a kind, an IRI, a name in brackets) names,
        as :meth:`_named` tells it, looked up by a worker of the look-up lane (or a free query
        worker): one at a time, under the quick lane's limit, so that a flood of such names takes
        one worker at most and none of the quick lane (sec25 M2)."""
        if not self.server.asking_the_store.acquire(timeout=LOOK_UP_WAIT):
            return {"named": ""}
        try:
            return self._run("named", {"name": name}, params, "lookup", limit=QUICK_LIMIT)
        except HttpError as exc:
            if exc.status == 499:
                raise
            # a look-up past its limit (a large graph's names) or no worker free: the path still
            # names nothing, a 404 without a hint, never a 503 (rev24b F4)
            return {"named": ""}
        finally:
            self.server.asking_the_store.release()

    def _first_of(self, kind: str) -> str | None:
        """The first entity of ``kind`` by its IRI (none retired), among the build's subjects the
        server keeps with its names; None while those are not read, or while others are looked
        up longer than the wait."""
        index = self.server.names.get(NAME_INDEX_WAIT)
        if index is None or not self.server.looking_up.acquire(timeout=LOOK_UP_WAIT):
            return None
        try:
            start = f"{ID}{kind}/"
            return min(
                (iri for iri, new in index.subjects.items() if iri.startswith(start) and not new),
                default=None,
            )
        finally:
            self.server.looking_up.release()

    def _entity(self, path: str, params: dict[str, list[str]]) -> Response:
        def page(iri: str) -> dict:
            fmt = negotiate(wanted_types(params, self.headers.get("Accept")), ENTITY_OFFERS)
            if fmt is None:
                raise not_acceptable("an entity", ENTITY_OFFERS)
            job = {"iri": iri, "fmt": fmt}
            return {**self._run("entity", job, params, lane="lookup"), "fmt": fmt}

        payload = self._entity_at(path, params, page)
        if "moved" in payload:
            # A retired IRI (a refined date in an approval's IRI, a merged source) points for good
            # to the entity that replaced it; the query string (format=...) goes along.
            here = local_href(payload["moved"])
            if here is None:  # an imported entity of another namespace, which has no page here
                raise HttpError(
                    404,
                    f"{_quoted(_typed(path))} was replaced by {payload['moved']}, which has no "
                    f"page on this server; query it (DESCRIBE <{payload['moved']}>)",
                )
            query = urllib.parse.urlsplit(self.path).query
            return _moved(here + (f"?{query}" if query else ""))
        headers = {"Vary": "Accept"}
        if "csp" in payload:
            headers["Content-Security-Policy"] = payload["csp"]
        return Response(200, payload["body"], MEDIA_TYPES[payload["fmt"]], headers)

    def _entity_at(
        self, path: str, params: dict[str, list[str]], run: Callable[[str], dict]
    ) -> dict:
        """What ``run`` answers for the entity IRI that ``path`` (``/id/<kind>/<slug>``,
        percent-encoded) names; where it names none, a 404 quoting the path as typed with what
        it is close to: the entity a name without its kind names, a kind written in the plural,
        in capitals or by its class's name, the entities of other kinds a name names, the near
        misses of its kind. ``/id/`` pages and ``/api/neighbours`` (a bare 404 there, known since
        session 28) are told alike."""
        kind, _, encoded = path[len("/id/") :].partition("/")
        # every message quotes the path as the user typed it, decoded, one way (an audit found
        # it quoted, bare and percent-encoded by turns)
        asked = _quoted(_typed(path))
        if kind not in KINDS or not encoded:
            raise HttpError(404, f"no entity at {asked}{self._path_hint(kind, encoded, params)}")
        # an imported entity's IRI need not end in a slug (My_Therapy): it comes percent-encoded;
        # what makes no IRI the entity lookup names no entity
        try:
            slug = urllib.parse.unquote(encoded, errors="strict")
        except UnicodeDecodeError:
            raise HttpError(404, f"no entity at {asked}") from None
        try:
            return run(f"{ID}{kind}/{slug}")
        except HttpError as exc:
            if exc.status != 404:
                raise
            # what names no entity by its slug is read as `atmpkg show kind/name` reads it
            # (rev26 F5: /id/therapy/onasemnogene%20abeparvovec was offered two other therapies
            # whose slugs are alike, where the INN names Itvisma and Zolgensma); a name of
            # entities of other kinds only (/id/company/kymriah) names them, before the near
            # misses of its kind; the slugs' near misses stay where the name tells nothing
            hint = self._named_hint(f"{kind}:{encoded}", None, params, kind)
            if not hint:
                raise
            raise HttpError(404, f"no entity at {asked}{hint}") from None

    def _path_hint(self, kind: str, encoded: str, params: dict[str, list[str]]) -> str:
        """The hint for ``/id/<kind>/<encoded>`` (both percent-encoded) whose ``kind`` is none
        of the kinds, or that gives no slug ("" for none)."""
        if kind in KINDS:
            # a kind alone (/id/therapy), as one tries to list them (newuser27 F6)
            return _kind_hint(kind, self._first_of(kind))
        # a name without the entity's kind (/id/kymriah), as `atmpkg show kymriah` takes it, is
        # offered the page of what it names (newuser24 F6: a 404 that offered nothing), or of
        # what its near misses name; a kind written wrong (/id/therapies/alphacel) is offered
        # the kind, and a kind:slug (compny:kite) the entities, which its look-up finds with the
        # kind mended
        meant = _kind_meant(kind)
        listed = _kind_named(_typed(kind))
        if listed and not encoded:
            # a kind in the plural or by its class's name (/id/therapies, /id/Company), as one
            # tries to list them, is answered as the kind alone, before the near names
            # (joints28 F5: FKD Therapies, the concept source-kind:company) that a word so
            # common is like; a real entity's slug it is keeps that entity's page offered
            return self._own_slug(kind, params) or _kind_hint(listed, self._first_of(listed))
        if listed:
            # rev28b F5: before a slug the same kind (/id/RegulatoryAgency/fda, /id/THERAPY/
            # kymriah, in capitals no kind is close to) was a bare 404; the name is read under
            # it as /id/<kind>/<name> reads it, and the kind offered where it names none
            hint = self._named_hint(f"{listed}:{encoded}", None, params, listed)
            return hint or _no_kind(_typed(kind), listed)
        if not encoded:
            return self._named_hint(kind, meant, params)
        return _no_kind(_typed(kind), meant) if meant else ""

    def _neighbours(self, params: dict[str, list[str]]) -> Response:
        iri = params.get("iri", [])
        if len(iri) != 1 or not iri[0].strip():
            raise HttpError(
                400, "give one entity as iri= (/api/neighbours?iri=https://w3id.org/atmp-kg/id/…)"
            )
        asked = iri[0].strip()

        def drawn(entity: str) -> dict:
            return self._run("neighbours", {"iri": entity}, params, lane="lookup")

        path = local_href(asked)
        if path is not None:
            # an IRI of the graph's namespace names no entity as its /id/ path names none, and is
            # told what that path is told
            payload = self._entity_at(path, params, drawn)
        else:
            try:
                payload = drawn(asked)
            except HttpError as exc:
                if exc.status != 404:
                    raise
                # another IRI, or a name, as /id/<it> tells it (an http: IRI of the graph's:
                # its page); else as the look-up tells it
                hint = self._path_hint(urllib.parse.quote(asked, safe=""), "", params)
                if not hint:
                    raise
                raise HttpError(404, f"no entity at {_quoted(asked)}{hint}") from None
        if "moved" in payload:
            # a retired IRI points, as its /id/ page does, to the entity that replaced it
            return _moved("/api/neighbours?" + urllib.parse.urlencode({"iri": payload["moved"]}))
        return Response(200, payload["body"], "application/json")

    # -- writing the answer -----------------------------------------------------------------------

    def _own_headers(self, response: Response) -> dict[str, str]:
        """The response's own headers and the CORS ones, ``Vary`` naming ``Accept-Encoding``
        (an answer may come compressed) and what each of them varies by, on a 304 as on the
        answer it stands for."""
        headers = {"Vary": "Accept-Encoding"}
        for name, value in response.headers.items():
            headers[name] = f"{value}, Accept-Encoding" if name == "Vary" else value
        for name, value in self._cors_headers().items():
            headers[name] = f"{headers[name]}, {value}" if name == "Vary" else value
        return headers

    def _send(self, response: Response) -> None:
        if response.status == 304:
            self.send_response(304)
            for name, value in self._own_headers(response).items():
                self.send_header(name, value)
            self.end_headers()
            return
        media = response.media_type
        if media.startswith("text/"):
            media += "; charset=utf-8"
        body, encoding = self._encoded(response.body)
        headers = {
            "Content-Type": media,
            "Content-Length": str(len(body)),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if encoding:
            headers["Content-Encoding"] = encoding
        tag = getattr(self, "_etag", None)  # http.server's own errors come before the dispatch
        if tag and response.status == 200:
            # kept until the store is rebuilt; "no-cache": the client asks again, and is told 304
            headers["ETag"] = tag
            headers["Cache-Control"] = "no-cache"
        if response.media_type == "text/html":
            headers["Content-Security-Policy"] = UI_CSP
        headers.update(self._own_headers(response))
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
            self.wfile.write(body)

    def _encoded(self, body: bytes) -> tuple[bytes, str | None]:
        """``body`` gzip-compressed when the client accepts gzip (``Accept-Encoding``, with
        q-values) and the answer is worth it (query answers shrink about sixteenfold), else as
        it is."""
        if len(body) < GZIP_MIN_BYTES or not getattr(self, "headers", None):
            return body, None
        # Accept-Encoding has the grammar of Accept: codings with q-values
        accepted = dict(accept_ranges(self.headers.get("Accept-Encoding") or ""))
        if accepted.get("gzip", accepted.get("*", 0.0)) <= 0:
            return body, None
        import gzip

        return gzip.compress(body, compresslevel=6, mtime=0), "gzip"

    def _cors_headers(self) -> dict[str, str]:
        """CORS headers, only when the request's Origin is one ``cors`` allows."""
        # http.server's own errors may come before the headers were read.
        origin = self.headers.get("Origin") if getattr(self, "headers", None) else None
        if not self.server.allows_origin(origin):
            return {}
        headers = {
            "Access-Control-Allow-Origin": "*" if "*" in self.server.cors else str(origin),
            "Access-Control-Expose-Headers": f"{TRUNCATED_HEADER}, {NOTES_HEADER}",
            "Vary": "Origin",
        }
        if self.command == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST"
            headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        return headers


# --- starting it ----------------------------------------------------------------------------------


#: The port the server listens on unless told another.
DEFAULT_PORT = 7878


def _kind_meant(segment: str) -> str | None:
    """The kind of entity that ``segment``, the first of a path under ``/id/``, is close to
    (``therapies``: therapy), or None; a ``kind:slug`` (``compny:kite``) names an entity.

    >>> _kind_meant("therapies"), _kind_meant("compny:kite")
    ('therapy', None)
    """
    close = [] if ":" in segment else difflib.get_close_matches(segment, KINDS, 1)
    return close[0] if close else None


def _kind_named(segment: str) -> str | None:
    """The kind of entity ``segment``, the one segment of a path under ``/id/`` (decoded), names
    as a class is named, in any case: in the plural (``therapies``, ``modalities``), or by its
    class's local name or label (``Company``, ``RegulatoryAgency``, ``regulatory agencies``), the
    table ``--class`` reads (:func:`~atmpkg.graph.store.csvdata.class_names`); else None.

    >>> _kind_named("therapies"), _kind_named("Company"), _kind_named("regulatory agencies")
    ('therapy', 'company', 'agency')
    >>> _kind_named("modalities"), _kind_named("therapi"), _kind_named("geographic area")
    ('modality', None, None)
    """
    word = segment.lower()
    # a class's entities' kind: the kind that names it (agency: atmp:RegulatoryAgency)
    kinds_of = {cls: kind for kind in KINDS for cls in class_names().get(kind, ())}
    for form in (word, *singulars(word)):
        if form in KINDS:
            return form
        classes = class_names().get(form, frozenset())
        if len(classes) == 1 and next(iter(classes)) in kinds_of:
            return kinds_of[next(iter(classes))]
    return None


def _no_kind(segment: str, kind: str) -> str:
    """The hint for a path whose first segment ``segment`` (decoded) is no kind, but close to
    ``kind``."""
    return f"; {_quoted(segment)} is no kind of entity: did you mean {_quoted(kind)}?"


def _typed(encoded: str) -> str:
    """``encoded``, a path or a part of one, as the user typed it: decoded, but for the bytes
    that are no UTF-8, which stay percent-encoded.

    >>> _typed("/id/company/novartis%20ag"), _typed("/id/therapy/%FFx%C3%A9")
    ('/id/company/novartis ag', '/id/therapy/%FFxé')
    """
    text = urllib.parse.unquote(encoded, errors="surrogateescape")
    return _UNDECODED.sub(lambda byte: f"%{ord(byte.group()) - 0xDC00:02X}", text)


#: What :func:`_typed` decodes of a byte that is no UTF-8: a lone surrogate.
_UNDECODED = re.compile("[\udc80-\udcff]")


def _quoted(typed: str) -> str:
    """``typed``, a name or a path the user gave, as an ``/id/`` message quotes it: cut as
    :func:`~atmpkg.graph.errors.cut` cuts it, in single quotes, whatever it holds.

    >>> _quoted("/id/therapy/it's")
    "'/id/therapy/it's'"
    """
    return f"'{cut(typed)}'"


def _typed_parts(path: str) -> list[str]:
    """What a message about ``path``, the path asked for (percent-encoded), may quote of it as
    the user typed it: an ``/id/`` path whole, its first segment (a kind, or a name without one)
    and what follows it (a slug, a name), each as :func:`_quoted` quotes it; none for another
    path.

    >>> _typed_parts("/id/company/novartis%20ag")
    ["'/id/company/novartis ag'", "'company'", "'novartis ag'"]
    """
    if not path.startswith("/id/"):
        return []
    kind, _, encoded = path[len("/id/") :].partition("/")
    return [_quoted(_typed(part)) for part in (path, kind, encoded) if part]


def _moved(target: str) -> Response:
    """The answer for a retired IRI: a redirect for good to ``target``, the path of what replaced
    it.

    >>> _moved("/id/therapy/b").headers
    {'Location': '/id/therapy/b'}
    """
    return Response(301, f"moved to {target}\n".encode(), "text/plain", {"Location": target})


def _kind_hint(kind: str, example: str | None) -> str:
    """The hint for a path that names the kind of entity ``kind`` and none of its entities: the
    path of one, with ``example`` (an entity's IRI) for one, and how to list them.

    >>> _kind_hint("therapy", "https://w3id.org/atmp-kg/id/therapy/kymriah")
    '; give /id/therapy/<slug>, such as /id/therapy/kymriah; list them with atmpkg export --class \
therapy, or with SELECT DISTINCT ?e WHERE { ?e ?p ?o FILTER(STRSTARTS(STR(?e), STR(therapy:))) } \
on the query page (/)'
    >>> _kind_hint("cell-source", None)
    '; give /id/cell-source/<slug>; list them with SELECT DISTINCT ?e WHERE { ?e ?p ?o \
FILTER(STRSTARTS(STR(?e), STR(cellsource:))) } on the query page (/)'
    """
    page = local_href(example) if example else None
    such = f", such as {page}" if page else ""
    # a kind's prefix (therapy:, cellsource:) is its IRIs' start, for every kind alike
    start = f"STR({kind_prefix(kind)}:)"
    query = f"SELECT DISTINCT ?e WHERE {{ ?e ?p ?o FILTER(STRSTARTS(STR(?e), {start})) }}"
    # the table --class reads: a kind of concept (modality) names no class of the ontology's
    command = f"atmpkg export --class {kind}, or with " if kind in class_names() else ""
    return f"; give /id/{kind}/<slug>{such}; list them with {command}{query} on the query page (/)"


def _host_parts(host: str) -> tuple[list[str], str, str]:
    """What to leave out of ``host`` for a host name or an address (nothing when it is one), the
    host name or address left, and the port it holds ('' when none).

    >>> _host_parts("http://localhost:7878/"), _host_parts("[::1]:7878")
    ((['the scheme http://', 'the path /'], 'localhost', '7878'), (['the brackets'], '::1', '7878'))
    >>> _host_parts("::1"), _host_parts("localhost "), _host_parts("localhost:web")
    (([], '::1', ''), (['the spaces'], 'localhost', ''), (["':web'"], 'localhost', ''))
    """
    left = []
    rest = "".join(host.split())
    if rest != host:
        left.append("the spaces")
    scheme, separator, after = rest.partition("://")
    if separator:
        left.append(f"the scheme {scheme}://")
        rest = after
    rest, slash, path = rest.partition("/")
    if slash:
        left.append(f"the path /{path}")
    tail = ""
    if "[" in rest or "]" in rest:
        left.append("the brackets")
        rest, _, tail = rest.lstrip("[").partition("]")
    elif rest.count(":") == 1:  # more colons make an IPv6 address
        rest, colon, tail = rest.partition(":")
        tail = colon + tail
    port = tail[1:] if re.fullmatch(r":[0-9]+", tail) else ""
    if tail and not port:
        left.append(f"'{tail}'")
    return left, rest, port


def _host_error(host: object, port: object) -> HostError | None:
    """The error for ``host`` when it is no host name or address (``port``: the one given with
    it), in the words of Python and of the command line; None when it is one. A port in ``host``
    disagrees with ``port`` unless ``port`` is the same or the default, which it may be for not
    being given.

    >>> print(_host_error("localhost:18203", DEFAULT_PORT).cli)
    host takes a host name or an address, got 'localhost:18203': give the port with --port: --host localhost --port 18203
    >>> print(_host_error("127.0.0.1:8080", 18203))
    host takes a host name or an address, got '127.0.0.1:8080', whose port 8080 disagrees with port=18203: keep one port, as port=: host='127.0.0.1', port=18203 (or port=8080)
    >>> _host_error("::1", 0) is None
    True
    """
    if not isinstance(host, str):
        return HostError(
            "host takes a host name or an address as text, such as host='127.0.0.1'; got "
            f"{described(host)}"
        )
    if not host.strip():
        said = "host takes a host name or an address, got {!r}: it is empty; leave out {} to "
        said += "listen on 127.0.0.1"
        return HostError(said.format(host, "host="), said.format(host, "--host"))
    left, bare, held = _host_parts(host)
    if not left and not held:
        return None

    def said(cli: bool) -> str:
        def option(name: str, value: object) -> str:
            return f"--{name} {value}" if cli else f"{name}={value!r}"

        port_by, between = ("with --port", " ") if cli else ("as port=", ", ")
        head = f"host takes a host name or an address, got {host!r}"
        steps = []
        if left:
            listed = left[0] if len(left) == 1 else f"{', '.join(left[:-1])} and {left[-1]}"
            steps.append(f"leave out {listed}")
        fix = option("host", bare or "127.0.0.1")
        if held and port not in (int(held), DEFAULT_PORT):
            head += f", whose port {held} disagrees with {option('port', port)}"
            steps.append(f"keep one port, {port_by}")
            fix += f"{between}{option('port', port)} (or {option('port', int(held))})"
        elif held:
            steps.append(f"give the port {port_by}")
            fix += f"{between}{option('port', int(held))}"
        return f"{head}: {', and '.join(steps)}: {fix}"

    return HostError(said(cli=False), said(cli=True))


def _resolves(host: str) -> bool:
    """Whether this machine finds an address for ``host`` (an address finds itself)."""
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return True


def _is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _an_address(host: str, port: int) -> bool:
    """Whether the Host header ``host`` names an IP address (not a name) and ``port``.

    >>> _an_address("192.0.2.7:7878", 7878), _an_address("[2001:db8::1]:7878", 7878)
    (True, True)
    >>> _an_address("evil.example:7878", 7878), _an_address("192.0.2.7:80", 7878)
    (False, False)
    """
    import ipaddress

    address, _, given = host.rpartition(":")
    if given != str(port):
        return False
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _allowed_hosts(host: str) -> list[str]:
    """Host names a request may be addressed to: the bound one and the loopback names; a
    wildcard address answers to this machine's names instead (and to any IP address, see
    :func:`_an_address`)."""
    names = ["localhost", "127.0.0.1", "[::1]"]
    if host in ("0.0.0.0", "::", ""):
        return names + [socket.gethostname(), socket.getfqdn()]
    return [host, *names, *([f"[{host}]"] if ":" in host else [])]


def allowed_origins(cors: str | Sequence[str] | None) -> frozenset[str]:
    """The origins ``cors`` lists, checked and written as browsers send them in ``Origin``: lower
    case, no trailing slash, no default port; ``*`` allows any origin.

    >>> sorted(allowed_origins(["https://App.example:443/", "http://localhost:3000"]))
    ['http://localhost:3000', 'https://app.example']
    """
    if cors is None:
        return frozenset()
    origins = set()
    for item in [cors] if isinstance(cors, str) else cors:
        origin = item.strip().lower().rstrip("/")
        for scheme, port in (("http", ":80"), ("https", ":443")):
            if origin.startswith(f"{scheme}://") and origin.endswith(port):
                origin = origin.removesuffix(port)
        if origin != "*" and not ORIGIN_RE.fullmatch(origin):
            raise ParameterError(
                f"cors takes origins such as https://app.example (scheme, host and port, no path) "
                f"or '*', not '{item}'"
            )
        origins.add(origin)
    return frozenset(origins)


def make_server(
    store: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    timeout: float = 30,
    max_rows: int = 10000,
    workers: int = 2,
    cors: str | Sequence[str] | None = None,
    allow_remote: bool = False,
    queue_size: int = 64,
    in_memory: bool = False,
    memory: int | str = DEFAULT_MEMORY,
) -> Server:
    """Open the store (built first if needed), bind ``host:port`` (0: any free port) and start the
    worker processes (returning once they are ready). Serve with ``.serve_forever()`` or in a
    background thread with ``.start()``; ``.url`` is the base URL; ``.shutdown()`` stops
    everything.

    ``timeout`` (seconds) and ``max_rows`` bound every query (a client may lower the timeout with
    ``timeout=``); ``workers`` queries run at once, besides the quick lane's and the look-up
    lane's (entity pages), and ``queue_size``
    more may wait, each for a second at most, beyond which requests are answered 503. ``memory``
    caps each worker's memory (bytes, or a size such as ``"2G"``); a query that needs more is
    stopped and answered 503. ``cors`` lists the origins (``https://app.example``; ``*``: any)
    whose web pages may send requests and read the answers; requests from pages on any other
    origin are refused. Binding to anything but loopback needs ``allow_remote=True`` and logs a
    warning: the endpoint has no authentication. ``in_memory`` has each worker answer from its own
    in-memory copy of the store (see :func:`~atmpkg.graph.store.build.hold_in_memory`): queries
    about 1.8 times as fast at a million triples, for as much memory per worker as the copy takes
    (about 0.7 GB per million triples), within ``memory``.

    >>> import urllib.request
    >>> with make_server(port=0, workers=1).start() as server:
    ...     answer = urllib.request.urlopen(server.url + "/sparql?query=ASK%7B%7D")
    ...     answer.status, answer.headers["Content-Type"]
    (200, 'application/sparql-results+json')
    """
    # first of all: a worker importing a script that starts a server unguarded must not bind its
    # port or start workers of its own (newuser22 F5)
    leave_if_importing_main()
    wrong = _host_error(host, port)
    if wrong is not None:
        # a URL, host:port or [address] given where a host name goes: no host of that name exists,
        # and its loopback part is not read as one (newuser20 F6)
        raise wrong
    if not _is_loopback(host) and not _resolves(host):
        said = "cannot find the host {!r}: give a host name this machine resolves or an address "
        said += "({})"
        raise HostError(
            said.format(host, "host='127.0.0.1'"), said.format(host, "--host 127.0.0.1")
        )
    if not _is_loopback(host):
        if not allow_remote:
            said = (
                "{!r} is not a loopback address: anyone who can reach it could query the store. "
                "Pass {} to serve it anyway."
            )
            raise HostError(
                said.format(host, "allow_remote=True"), said.format(host, "--allow-remote")
            )
        log.warning(
            "Warning: serving on %s, reachable from other machines, without authentication", host
        )
    for name, value in (("timeout", timeout), ("max_rows", max_rows), ("workers", workers)):
        if not value > 0:
            raise ParameterError(f"{name} must be positive, got {value}")
    if queue_size < 0:
        raise ParameterError(f"queue_size must be 0 or more, got {queue_size}")
    try:
        cap = parse_memory(memory) if isinstance(memory, str) else memory
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    if not cap > 0:
        raise ParameterError(f"memory must be a positive number of bytes, got {memory}")
    origins = allowed_origins(cors)
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
            cors=origins,
            allowed_hosts=_allowed_hosts(host),
            in_memory=in_memory,
            memory=cap,
        )
    except OSError as exc:
        raise AtmpkgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(
    store: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    timeout: float = 30,
    max_rows: int = 10000,
    workers: int = 2,
    cors: str | Sequence[str] | None = None,
    allow_remote: bool = False,
    queue_size: int = 64,
    in_memory: bool = False,
    memory: int | str = DEFAULT_MEMORY,
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
        in_memory=in_memory,
        memory=memory,
    )
    stop = "Press Ctrl-C to stop."
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # started with SIGINT ignored (a script's background job, nohup), which it keeps, as any
        # program does: a Ctrl-C sent to it would wait for an end that never comes, unexplained
        stop = (
            "Ctrl-C does not reach it (it was started with SIGINT ignored, as a script's "
            f"background job is); stop it with SIGTERM: kill {os.getpid()}"
        )
    log.info(
        "ATMP-KG at %s/ (query page), SPARQL endpoint %s/sparql; read-only. %s",
        server.url,
        server.url,
        stop,
    )
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop as cleanly on SIGTERM as on Ctrl-C
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM's handler: stop as Ctrl-C does."""
    raise KeyboardInterrupt

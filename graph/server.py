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

This module is the HTTP side (sockets, routing, statuses, headers) and :func:`serve`. Content
negotiation and request parameters are :mod:`atmpkg.graph.protocol`'s, the worker processes
:mod:`atmpkg.graph.workers`', and the HTML (query page, entity pages, their CSPs)
:mod:`atmpkg.graph.pages`'.

>>> server = make_server("/tmp/fixture-store", port=0).start()      # doctest: +SKIP
>>> server.url                                                       # doctest: +SKIP
'http://127.0.0.1:40123'
>>> server.shutdown()                                                # doctest: +SKIP
"""

from __future__ import annotations

import http.server
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import FrameType

from atmpkg.graph import gate
from atmpkg.graph.build import open_store
from atmpkg.graph.errors import AtmpkgError, ParameterError, QueryRefusedError
from atmpkg.graph.pages import UI_CSP, graph_csp, static_files, ui_config
from atmpkg.graph.protocol import (
    ENTITY_OFFERS,
    GRAPH_OFFERS,
    MEDIA_TYPES,
    OFFERS,
    TABLE_OFFERS,
    HttpError,
    client_timeout,
    negotiate,
    not_acceptable,
    query_job,
    service_description,
    wanted_types,
)
from atmpkg.graph.terms import ID, KINDS, SLUG_RE
from atmpkg.graph.workers import JobTimeout, Overloaded, WorkerPool

log = logging.getLogger("atmpkg.server")

#: Response header set when the row cap cut an answer; its value is the cap.
TRUNCATED_HEADER = "ATMPKG-Truncated"
#: Largest request body accepted (413 above it).
MAX_BODY = 1 << 20
#: Connections served at once; more are answered 503 at once, so threads stay bounded.
MAX_CONNECTIONS = 256
#: Seconds a client is asked to wait when the queue is full.
RETRY_AFTER = 1


@dataclass
class Response:
    """What a route answers: status, body, media type and extra headers."""

    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
        """A plain-text answer (errors)."""
        return cls(
            status, (message.rstrip("\n") + "\n").encode(), "text/plain", dict(headers or {})
        )


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
        in_memory: bool = False,
    ):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.timeout_limit, self.max_rows, self.cors = timeout, max_rows, cors
        self.triples = triples
        self.static = static_files()
        self.ui_config = ui_config(timeout, max_rows)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._thread: threading.Thread | None = None
        port = self.server_address[1]
        self.allowed_hosts = {f"{h.lower()}:{port}" for h in allowed_hosts}
        if port == 80:
            self.allowed_hosts |= {h.lower() for h in allowed_hosts}
        host = address[0]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        self.pool = WorkerPool(store_root, workers, queue_size, in_memory)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
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

    def process_request_thread(
        self, request: socket.socket, client_address: tuple[str, int]
    ) -> None:
        """Serve one connection (in its thread), then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: socket.socket, client_address: tuple[str, int]) -> None:
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
        """The server itself; leaving the block shuts it down."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Shut the server down (see :meth:`shutdown`)."""
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
        """Answer a POST (accepted at /sparql only)."""
        self._dispatch()

    def do_OPTIONS(self) -> None:
        """Answer a CORS preflight; 405 unless CORS is enabled."""
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

    def log_message(self, format: str, *args: object) -> None:
        """Log each request to the ``atmpkg.server`` logger (not straight to stderr)."""
        log.info("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414 ...) as plain text, connection closed."""
        self.close_connection = True
        self._send(Response.text(code, message or HTTPStatus(code).phrase))

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body (413) before the client sends it; else ask for it."""
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

    def _sparql(self, params: dict[str, list[str]]) -> Response:
        if self.command == "POST":
            params = self._post_params(params)
        elif not any(k in params for k in ("query", "name", "update")):
            return self._service_description(params)
        job = query_job(params)
        accept = wanted_types(params, self.headers.get("Accept"))
        formats = {kind: negotiate(accept, offers) for kind, offers in OFFERS.items()}
        if formats["table"] is None and formats["graph"] is None:
            raise not_acceptable("a query", TABLE_OFFERS + GRAPH_OFFERS)
        if "text" in job:
            try:
                form = gate.check(job["text"]).form
            except QueryRefusedError as exc:
                raise HttpError(403, str(exc)) from None
            if form == "UPDATE":
                raise HttpError(403, "this endpoint is read-only: SPARQL updates are refused")
            kind = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "table"
            if form != "UNKNOWN" and formats[kind] is None:
                raise not_acceptable(f"a {form} query", OFFERS[kind])
        payload = self._run(
            "query", {**job, "formats": formats, "limit": self.server.max_rows}, params
        )
        headers = {"Vary": "Accept"}
        if payload["truncated"]:
            headers[TRUNCATED_HEADER] = str(self.server.max_rows)
        return Response(200, payload["body"], MEDIA_TYPES[payload["fmt"]], headers)

    def _run(self, kind: str, args: dict, params: Mapping[str, list[str]]) -> dict:
        """Run a job in the pool, turning overload, time-outs and job errors into HTTP errors."""
        timeout = client_timeout(params, self.server.timeout_limit)
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
            raise not_acceptable("the service description", GRAPH_OFFERS[:4])
        endpoint = f"http://{self.headers['Host']}/sparql"
        body = service_description(endpoint, self.server.triples, fmt)
        return Response(200, body, MEDIA_TYPES[fmt], {"Vary": "Accept"})

    # -- graph views and entity pages -------------------------------------------------------------

    def _graph(self, params: dict[str, list[str]]) -> Response:
        job = query_job(params)
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
            raise not_acceptable("an entity", ENTITY_OFFERS)
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


# --- starting it ----------------------------------------------------------------------------------


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
    in_memory: bool = False,
) -> Server:
    """Open the store (built first if needed), bind ``host:port`` (0: any free port) and start the
    worker processes. Serve with ``.serve_forever()`` or in a background thread with ``.start()``;
    ``.url`` is the base URL; ``.shutdown()`` stops everything.

    ``timeout`` (seconds) and ``max_rows`` bound every query (a client may lower the timeout with
    ``timeout=``); ``workers`` queries run at once and ``queue_size`` more may wait, beyond which
    requests are answered 503. ``cors`` allows cross-origin requests from that origin (``*``: any).
    Binding to anything but loopback needs ``allow_remote=True`` and logs a warning: the endpoint
    has no authentication. ``in_memory`` has each worker answer from its own in-memory copy of the
    store (see :func:`~atmpkg.graph.build.hold_in_memory`): about 4x faster queries, for as much
    memory per worker as the copy takes.
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
            in_memory=in_memory,
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
    in_memory: bool = False,
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


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM's handler: stop as Ctrl-C does."""
    raise KeyboardInterrupt

"""A SPARQL 1.1 endpoint as the store, and :func:`push` to load the built graph into one.

:class:`RemoteStore` answers the part of the ``pyoxigraph.Store`` API that the library uses
(``query``, ``quads_for_pattern``, ``len``, ``dump``) over the SPARQL 1.1 Protocol and returns the
same pyoxigraph objects, so that show, stats, export, path and rank run on it unchanged. Queries
still pass the gate first (:func:`atmpkg.graph.sparql.run.run`); this module only sends what passed.

- **Graph.** Reads query the named graph that :func:`push` wrote (``https://w3id.org/atmp-kg/graph``
  unless another is given) by naming it as the default graph in the protocol request
  (``default-graph-uri``), not with a FROM clause in the query text. When no graph is given and the
  endpoint holds no such named graph (another ``atmpkg serve``, or a store loaded by hand), reads
  query the endpoint's default graph and send no ``default-graph-uri``: one ``ASK`` at the first
  request decides.
- **Parameters.** The protocol has no parameter binding, so bound values travel in the query
  text, as :class:`_Binding` places them on the gate's tokens (never with a pattern over the raw
  text): each variable replaced by its term where it stands for the same variable, and ``VALUES``
  blocks keeping it bound. Each value is an RDF term that pyoxigraph validated and writes in
  N-Triples syntax (``str(term)``), escaping quotes, backslashes and line breaks: a value is one IRI
  or one literal and cannot change the structure of the query.
- **Connections.** Requests go over one pool of keep-alive connections per process (httpx), which
  follows the proxy environment variables (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``) and
  redirects to http(s) URLs without credentials. Reading a slice node by node takes a request per
  :data:`PREFETCH_BATCH` nodes (:meth:`RemoteStore.prefetch`), not one per node.
- **Time limits.** Every request has one: connecting, sending, redirects and reading the whole
  answer must fit in it. When it passes, the client stops waiting and closes the connection
  (:class:`~atmpkg.graph.errors.EndpointTimeoutError`); the server may still finish its work.
- **Credentials.** HTTP basic auth from ``ATMPKG_ENDPOINT_USER`` / ``ATMPKG_ENDPOINT_PASSWORD``, or
  the host's entry in ``~/.netrc``; never from the URL, never shown.

In the examples, ``endpoint`` is the query URL of a SPARQL server that :func:`~atmpkg.graph.store.build.push`
loaded with the graph, and ``update_endpoint`` and ``graph_store`` its other URLs (for
``oxigraph serve``: ``http://127.0.0.1:7878/query``, ``/update`` and ``/store``).

>>> from atmpkg.graph.terms import ATMP, ID, RDFS
>>> remote = RemoteStore(endpoint)
>>> remote.query("ASK { <https://w3id.org/atmp-kg/id/therapy/kymriah> ?p ?o }")
<QueryBoolean true>
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import html
import io
import itertools
import json
import os
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from types import EllipsisType
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from ..engine import gate
from ..engine.answers import row_bytes
from ..engine.evaluate import BASE_IRI, TRUNCATED
from ..engine.sandbox import DEFAULT_MEMORY
from ..errors import (
    AtmpkgError,
    EndpointAnswerError,
    EndpointTimeoutError,
    ParameterError,
    QueryMemoryError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
    WrongEndpointError,
    positive_seconds,
    whole_number,
)
from ..terms import ATMP, DCT
from .folder import VERSION, StoreHandle

if TYPE_CHECKING:  # for annotations only: httpx loads with the first request
    import httpx

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

DEFAULT_GRAPH = "https://w3id.org/atmp-kg/graph"
DEFAULT_TIMEOUT = 30.0
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEAN_FORMS = {"1": "true", "0": "false"}
BATCH_SIZE = 2000  # Virtuoso's update parser runs out of memory on INSERT DATA of ~5,000 triples
USER_ENV, PASSWORD_ENV = "ATMPKG_ENDPOINT_USER", "ATMPKG_ENDPOINT_PASSWORD"
#: How many nodes one prefetch request names (in a VALUES block; the query text grows with it).
PREFETCH_BATCH = 500
#: How many batches of prefetched triples a store holds: past it, the one used least recently is
#: dropped (and fetched again if it is asked about), so that reading a large slice stays bounded.
PREFETCH_HELD = 10
#: How long prefetched triples answer for: a batch fetched longer ago is fetched again, so that
#: what a store holds is never older than this.
PREFETCH_SECONDS = 60.0

_RESULTS_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "text/tab-separated-values;q=0.5"
)
# Not RDF/XML: its entities can expand a small answer to gigabytes (sec21 F1), and every server
# of note writes Turtle. A server that answers RDF/XML all the same is checked before parsing.
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
_FORM = "application/x-www-form-urlencoded"
_TURTLE_FAMILY = frozenset(
    {ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG}
)
#: Answers to a Graph Store Protocol request at the query endpoint that mean "this URL does not
#: speak the protocol" (push then uses SPARQL Update), rather than "the data was refused".
_NO_GRAPH_STORE = frozenset({400, 404, 405, 415, 501})


# --- URLs, credentials, HTTP --------------------------------------------------------------------


def check_url(url: str, what: str = "endpoint") -> str:
    """``url`` when it is an http(s) URL without credentials in it, else :class:`ParameterError`.

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if "@" in (parts.netloc if parts else url):
        # The URL is not repeated: it holds a password
        raise ParameterError(
            f"the {what} URL contains credentials; give them in {USER_ENV} and {PASSWORD_ENV} "
            "or in ~/.netrc instead, never on the command line"
        )
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        said = f"the {what} must be an http:// or https:// URL, got {url!r}"
        if "://" not in url and _ADDRESS.match(url):
            # an address as a browser's bar shows it (newuser25 F20: 127.0.0.1:18204/query)
            meant = "http://" + url
            wrong = not_a_query_url(meant) if what == "endpoint" else None
            raise ParameterError(f"{said}: did you mean {wrong[1] if wrong else meant}?")
        raise ParameterError(said)
    return url


#: A host that is this machine or an address, or any with a port, then a path or nothing: what an
#: http URL written without its scheme starts with.
_ADDRESS = re.compile(
    r"(?:(?:localhost|[0-9.]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?|[\w.-]+:[0-9]+)(?:/|$)"
)
#: The last step of the path of a URL at which a SPARQL server takes writes and answers no query:
#: what the URL is, the last step of the server's query URL beside it, and the servers that have
#: it there.
_WRITE_URLS = {
    "update": ("update URL", "query", "oxigraph serve and Fuseki"),
    "store": ("Graph Store URL", "query", "oxigraph serve"),
    "data": ("Graph Store URL", "query", "Fuseki"),
    "sparql-graph-crud": ("Graph Store URL", "sparql", "Virtuoso"),
}
#: Answers to a query that may mean "no query is taken here, or not so" as well as "this query
#: failed" (400 is most servers' answer to a query they cannot run); at a write URL, not 404: a
#: server without such a URL says nothing of what the URL is.
_NO_QUERY_HERE = frozenset({400, 404, 405, 415})
#: The start of a server's answer to a query that shows what the URL is: Oxigraph's at its Graph
#: Store and update URLs.
_WRITE_ANSWERS = {
    (415, "No supported content Content-Type given"): "the server's Graph Store URL",
    (400, "The URL query parameter update must be set"): "the server's update URL",
}


def not_a_query_url(url: str, status: int | None = None) -> tuple[str, str] | None:
    """What ``url`` is when its path names where a SPARQL server takes writes, or nothing (the
    server's address), and the query URL to give instead; None for any other URL, and for a write
    URL the server answered with ``status`` 404 (it has none there).

    >>> not_a_query_url("http://127.0.0.1:7878/store")
    ("the server's Graph Store URL", 'http://127.0.0.1:7878/query on oxigraph serve')
    >>> not_a_query_url("http://127.0.0.1:7878/query") is None
    True
    """
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")

    def at(steps: str) -> str:
        return urllib.parse.urlunsplit(parts._replace(path=steps, query="", fragment=""))

    if not path:
        return "the server's address", (
            f"{at('/query')} on oxigraph serve or {at('/sparql')} on atmpkg serve and Virtuoso"
        )
    if last not in _WRITE_URLS or status == 404:
        return None
    kind, query, servers = _WRITE_URLS[last]
    return f"the server's {kind}", f"{at(f'{head}/{query}')} on {servers}"


def check_graph(graph: str) -> str:
    """``graph`` when it is an absolute IRI, else :class:`ParameterError`.

    >>> check_graph("https://w3id.org/atmp-kg/graph")
    'https://w3id.org/atmp-kg/graph'
    """
    try:
        return ox.NamedNode(graph).value
    except ValueError:
        raise ParameterError(f"the graph must be an absolute IRI, got {graph!r}") from None


def credentials(url: str) -> tuple[str, str] | None:
    """User and password for ``url``: ``ATMPKG_ENDPOINT_USER`` / ``ATMPKG_ENDPOINT_PASSWORD``, else
    the entry of ``~/.netrc`` for the URL's host, else None.

    >>> os.environ[USER_ENV], os.environ[PASSWORD_ENV] = "reader", "s3cret"
    >>> credentials("https://sparql.example.org/sparql")
    ('reader', 's3cret')
    >>> del os.environ[USER_ENV], os.environ[PASSWORD_ENV]
    """
    user = os.environ.get(USER_ENV)
    if user:
        return user, os.environ.get(PASSWORD_ENV, "")
    import netrc

    try:
        entry = netrc.netrc().authenticators(urllib.parse.urlsplit(url).hostname or "")
    except FileNotFoundError:
        return None
    except netrc.NetrcParseError as exc:
        if exc.filename is None:  # Python refuses a netrc that others may read
            raise StoreError(
                "~/.netrc may be read by other users, so it is not used; make it private "
                f"(chmod 600 ~/.netrc) or set {USER_ENV} and {PASSWORD_ENV}"
            ) from None
        # Only where the problem is: the message of a parse error may quote a token of the file
        raise StoreError(
            f"cannot read {exc.filename} (line {exc.lineno}); fix it or set {USER_ENV} and "
            f"{PASSWORD_ENV}"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot read the netrc file: {exc.strerror or exc}") from None
    return (entry[0], entry[2] or "") if entry else None


def auth_headers(url: str) -> dict[str, str]:
    """The ``Authorization`` header (HTTP basic) for ``url``, or none without credentials.

    >>> os.environ[USER_ENV], os.environ[PASSWORD_ENV] = "reader", "s3cret"
    >>> auth_headers("http://127.0.0.1:7878/query")
    {'Authorization': 'Basic cmVhZGVyOnMzY3JldA=='}
    >>> del os.environ[USER_ENV], os.environ[PASSWORD_ENV]
    """
    found = credentials(url)
    if found is None:
        return {}
    token = base64.b64encode(f"{found[0]}:{found[1]}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, reason, headers (lower-case names) and the whole body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        """Whether the status is a success (2xx).

        >>> Answer(204, "No Content", {}, b"").ok, Answer(404, "Not Found", {}, b"").ok
        (True, False)
        """
        return 200 <= self.status < 300

    @property
    def from_atmpkg_serve(self) -> bool:
        """Whether ``atmpkg serve`` answered (its ``Server`` header).

        >>> Answer(200, "OK", {"server": "atmpkg"}, b"").from_atmpkg_serve
        True
        """
        return self.headers.get("server", "").strip().lower() == "atmpkg"


#: The largest answer read, unpacked: a larger one is refused as soon as it passes this, before
#: more of it is held in memory (a gzip answer of a few megabytes can unpack to gigabytes).
MAX_ANSWER_BYTES = 1024**3
#: How much one step of unpacking may give, so that a refusal comes within a step of the limit.
_UNPACK_STEP = 16 * 1024**2


class _Body:
    """An answer's body as it arrives, gzip unpacked if ``gzip``, refused past
    :data:`MAX_ANSWER_BYTES` as soon as it passes.

    >>> import gzip
    >>> body = _Body("http://x", gzip=True)
    >>> body.add(gzip.compress(b"ASK"))
    >>> body.data()
    b'ASK'
    """

    def __init__(self, url: str, *, gzip: bool):
        import zlib

        self.url = url
        # Not a list of pieces joined at the end: a BytesIO gives its buffer as the body, where a
        # join held the body twice (a 200 MiB answer peaked at 400 MiB)
        self.unpacked = io.BytesIO()
        self.size = self.travelled = 0
        self.unpacker = zlib.decompressobj(wbits=31) if gzip else None

    def add(self, chunk: bytes) -> None:
        """Take the next chunk of the body as it travelled."""
        self.travelled += len(chunk)
        if self.unpacker is None:
            self._keep(chunk)
            return
        import zlib

        while chunk:
            try:
                piece = self.unpacker.decompress(chunk, _UNPACK_STEP)
            except zlib.error as exc:
                raise StoreError(
                    f"the SPARQL endpoint {self.url} sent a broken gzip answer: {exc}"
                ) from None
            self._keep(piece)
            chunk = self.unpacker.unconsumed_tail

    def _keep(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > MAX_ANSWER_BYTES:
            self.unpacked = io.BytesIO()
            raise StoreError(
                f"the SPARQL endpoint {self.url} sent an answer larger than "
                f"{MAX_ANSWER_BYTES // 1024**2:,} MiB (unpacked); narrow the query"
            )
        self.unpacked.write(piece)

    def data(self) -> bytes:
        """The whole body, unpacked."""
        if self.unpacker is not None and self.travelled:
            self._keep(self.unpacker.flush())
            if not self.unpacker.eof:
                raise StoreError(
                    f"the SPARQL endpoint {self.url} sent a broken gzip answer: it ends early"
                )
        return self.unpacked.getvalue()


#: How many redirects one request follows before it fails.
MAX_REDIRECTS = 10
#: The environment variables the connection pool reads when it is made (proxies, certificates):
#: when one of them changes, the next request makes a new pool that follows it.
POOL_ENVIRONMENT = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)

_pool_lock = threading.Lock()
_pool: tuple[tuple, httpx.Client] | None = None  # (what it was made for, the pool)


def connection_pool() -> httpx.Client:
    """The process's pool of keep-alive connections (an ``httpx.Client``), shared by every request
    to every endpoint: a command's requests reuse one connection instead of opening one each.
    It follows ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (and their lower-case
    forms) and ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as they are when it is made; a change to them,
    or a forked child process, gets a new pool.

    >>> connection_pool() is connection_pool()
    True
    """
    global _pool
    import httpx  # here, not at the top: the command line starts without it

    made_for = (os.getpid(), *(os.environ.get(name) for name in POOL_ENVIRONMENT))
    with _pool_lock:
        if _pool is not None and _pool[0] == made_for:
            return _pool[1]
        try:
            # Redirects are followed by _exchange, which checks every new URL first
            client = httpx.Client(trust_env=True, follow_redirects=False, timeout=None)
        except ImportError as exc:  # a SOCKS proxy without the package that speaks SOCKS
            raise StoreError(f"cannot use the proxy set in the environment: {exc}") from None
        except ValueError:  # the message may quote the proxy URL, which may hold a password
            raise StoreError(
                "cannot use the proxy set in the environment (HTTP_PROXY, HTTPS_PROXY or "
                "ALL_PROXY): it is not an http://, https:// or socks5:// URL"
            ) from None
        old, _pool = _pool, (made_for, client)
    if old is not None and old[0][0] == made_for[0]:
        old[1].close()  # a forked child leaves its parent's connections alone
    return client


def http_request(
    method: str,
    url: str,
    *,
    timeout: float,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """Send one request over the shared :func:`connection_pool` and read the whole answer within
    ``timeout`` seconds in total, following redirects to http(s) URLs without credentials.

    The limit covers waiting for a connection, connecting, sending, redirects and every read; when
    it passes the caller gets :class:`EndpointTimeoutError` at once, and the connection is closed
    (not returned to the pool). A server that cannot be reached, or a redirect that is refused,
    raises :class:`StoreError` naming ``url``. Any other HTTP status is returned as it is.

    >>> http_request("GET", endpoint + "?query=ASK%7B%7D", timeout=5).status
    200
    """
    deadline = time.monotonic() + timeout
    pool = connection_pool()
    outcome: list[Answer | BaseException] = []
    done = threading.Event()

    def exchange() -> None:
        try:
            outcome.append(_exchange(pool, method, url, body, dict(headers or {}), deadline))
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome.append(exc)
        finally:
            done.set()

    # httpx bounds each read, not a whole answer (a server can trickle a byte a second for ever):
    # the exchange runs in its own thread, and the caller waits for it until the deadline only.
    threading.Thread(target=exchange, name="atmpkg-http", daemon=True).start()
    if not done.wait(timeout):
        raise EndpointTimeoutError(url, timeout)
    if isinstance(outcome[0], TimeoutError):
        raise EndpointTimeoutError(url, timeout)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _exchange(
    pool: httpx.Client, method: str, url: str, body: bytes, headers: dict[str, str], deadline: float
) -> Answer:
    """One request and its redirects, each step within what is left until ``deadline``
    (:class:`TimeoutError` past it); the answer whole, gzip unpacked."""
    import httpx

    headers = {"User-Agent": f"atmpkg/{VERSION}", "Accept-Encoding": "gzip", **headers}
    target = url
    for _ in range(MAX_REDIRECTS + 1):
        request = pool.build_request(
            method, target, content=body, headers=headers, timeout=_left(deadline)
        )
        try:
            response = pool.send(request, stream=True)
            try:
                encoding = response.headers.get("content-encoding", "").strip().lower()
                body_read = _Body(url, gzip=encoding == "gzip")
                # Raw: the gzip layer is unpacked here, within MAX_ANSWER_BYTES
                for chunk in response.iter_raw():
                    _left(deadline)
                    body_read.add(chunk)
            finally:
                response.close()  # back to the pool when read to the end, else closed
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {reason}") from None
        if response.next_request is None:
            found = {name.lower(): value for name, value in response.headers.items()}
            return Answer(response.status_code, response.reason_phrase, found, body_read.data())
        target, method, body, headers = _redirect(url, target, response, method, body, headers)
    raise StoreError(f"the SPARQL endpoint {url} redirected more than {MAX_REDIRECTS} times")


def _redirect(
    url: str, current: str, response: httpx.Response, method: str, body: bytes, headers: dict
) -> tuple[str, str, bytes, dict[str, str]]:
    """Where a redirect leads and what to send there: the same request (a query travels in the
    body, which a change to GET would lose), but after 303 See Other a GET without a body, and
    without the credentials when it leads to another host, port or scheme."""
    location = str(response.next_request.url)  # resolved against the current URL by httpx
    try:
        check_url(location, "redirect")
    except ParameterError:
        # Not repeated: it may hold credentials
        raise StoreError(
            f"the SPARQL endpoint {url} redirected to a URL that is not followed (only http:// "
            "and https:// URLs without credentials are)"
        ) from None
    if response.status_code == 303 and method != "HEAD":
        method, body = "GET", b""
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if _origin(location) != _origin(current):
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return location, method, body, headers


def _origin(url: str) -> tuple[str, str | None, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}[parts.scheme]


def _left(deadline: float) -> float:
    """The seconds left until ``deadline``, or :class:`TimeoutError` when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


#: A web page's title, as markup writes it
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.DOTALL | re.IGNORECASE)


def failure(url: str, answer: Answer) -> StoreError:
    """The error for an HTTP answer that is not a success: the URL, the status and the start of
    the body, or of a web page (a proxy's error page, a login form) its title alone; with a 401,
    where to give the user name and password (and that digest authentication is not spoken).

    >>> str(failure("http://h/sparql", Answer(500, "Internal Server Error", {}, b"boom: disk full")))
    'the SPARQL endpoint http://h/sparql answered HTTP 500 Internal Server Error: boom: disk full'
    >>> page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>b{}</style></head>"
    >>> str(failure("http://h/sparql", Answer(502, "Bad Gateway", {"content-type": "text/html"}, page)))
    "the SPARQL endpoint http://h/sparql answered HTTP 502 Bad Gateway, a web page titled '502 Bad Gateway'"
    >>> print(failure("http://h/sparql", Answer(401, "Unauthorized", {"www-authenticate": "Digest realm=x"}, b"")))
    the SPARQL endpoint http://h/sparql answered HTTP 401 Unauthorized; it asks for digest authentication, which atmpkg does not speak (basic only): give a URL of the server that takes basic authentication or none, with the user name and password in ATMPKG_ENDPOINT_USER and ATMPKG_ENDPOINT_PASSWORD or in ~/.netrc
    """
    head = f"the SPARQL endpoint {url} answered HTTP {answer.status} {answer.reason}"
    start = answer.body[:65536].decode("utf-8", "replace")
    if _web_page(answer.headers.get("content-type", "")) or start.lstrip()[:15].lower().startswith(
        ("<!doctype html", "<html")
    ):
        title = _TITLE.search(start)
        words = " ".join(html.unescape(title.group(1) if title else "").split())
        words = words if len(words) <= 200 else words[:200] + "…"
        said = f"{head}, a web page" + (f" titled {words!r}" if words else "")
    else:
        text = " ".join(answer.body[:400].decode("utf-8", "replace").split())
        text = text if len(text) <= 200 else text[:200] + "…"
        said = head + (f": {text}" if text else "")
    if answer.status == 401:
        where = f"in {USER_ENV} and {PASSWORD_ENV} or in ~/.netrc"
        if answer.headers.get("www-authenticate", "").strip().lower().startswith("digest"):
            said += (
                "; it asks for digest authentication, which atmpkg does not speak (basic only): "
                "give a URL of the server that takes basic authentication or none, with the user "
                f"name and password {where}"
            )
        else:
            said += f"; give the user name and password {where} (or check those given there)"
    error = StoreError(said)
    error.status = answer.status  # what a caller's advice depends on (push: a wrong URL or not)
    return error


# --- query text ---------------------------------------------------------------------------------


def _sparql_term(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)  # N-Triples syntax, escaped by Oxigraph
    raise ParameterError(
        f"only IRIs and literals can be bound in a query sent to an endpoint, not {term!r}"
    )


def values_block(substitutions: Mapping[ox.Variable, Term]) -> str:
    """A VALUES block binding each variable to its term.

    >>> values_block({ox.Variable("x"): ox.Literal('a" } DROP ALL #')})
    ' VALUES (?x) { ("a\\\\" } DROP ALL #") } '
    """
    names = " ".join(str(v) for v in substitutions)
    values = " ".join(_sparql_term(t) for t in substitutions.values())
    return f" VALUES ({names}) {{ ({values}) }} "


def _closing(tokens: tuple[gate.Token, ...], start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].kind == "punct" and tokens[index].text in "{}":
            depth += 1 if tokens[index].text == "{" else -1
            if depth == 0:
                return index
    raise ParameterError("the query's braces do not balance")


def _where_group(tokens: tuple[gate.Token, ...], form_at: int) -> int:
    """Index of the ``{`` that opens the outermost WHERE group: the first brace after the query
    form outside parentheses (a projection may hold ``EXISTS { … }``), after the template of a
    CONSTRUCT."""
    start = form_at + 1
    if tokens[form_at].text.upper() == "CONSTRUCT" and tokens[start].text == "{":
        start = _closing(tokens, start) + 1
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind == "punct":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            if token.text == "{" and depth == 0:
                return index
    raise ParameterError("the query has no WHERE group to bind parameters in")


def _word(token: gate.Token) -> str:
    return token.text.upper() if token.kind == "word" else ""


def _projects(tokens: Sequence[gate.Token], name: str) -> bool:
    """Whether a SELECT clause (its tokens after SELECT) returns the variable ``name`` as itself,
    by ``*`` or by name, outside parentheses."""
    depth = 0
    for at, token in enumerate(tokens):
        if token.kind == "punct":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            if token.text == "*" and depth == 0:
                return True
        elif token.kind == "var" and token.text[1:] == name and depth == 0:
            return not (at and _word(tokens[at - 1]) == "AS")
    return False


class _Binding:
    """Where the bound values go in a query sent to an endpoint, found on the gate's tokens.

    Oxigraph binds a variable throughout the query, subqueries that return it included. So the
    variable is replaced by its term wherever it stands for the same variable: in the WHERE group
    and in every subquery that returns it (a subquery that does not holds a variable of its own of
    the same name), and ``BOUND(?v)`` by ``true``. A VALUES block at the start of the WHERE group of
    the query and of each such subquery keeps the variable bound for the clauses around the group
    (SELECT, GROUP BY, ORDER BY, a CONSTRUCT template), and one at the start of a MINUS group keeps
    it shared with the MINUS. A variable that the query assigns itself (``AS ?v``, ``VALUES ?v``)
    cannot also be bound, and is refused."""

    def __init__(self, checked: gate.CheckedQuery, substitutions: Mapping[ox.Variable, Term]):
        self.checked, self.substitutions = checked, substitutions
        self.terms = {variable.value: _sparql_term(t) for variable, t in substitutions.items()}
        self.edits: list[tuple[int, int, str]] = []  # (start offset, end offset, new text)
        self.groups: dict[int, set[str]] = {}  # opening brace's index: the variables bound there
        tokens = checked.tokens
        self.form_at = next(i for i, t in enumerate(tokens) if _word(t) == checked.form)
        self.brace = _where_group(tokens, self.form_at)
        self.close = _closing(tokens, self.brace)
        names = set(self.terms)
        self._refuse_assigned(self.form_at, self.brace, names)
        self._refuse_assigned(self.close, len(tokens), names)
        self.groups[self.brace] = names
        self._walk(self.brace + 1, self.close, names)

    def _refuse_assigned(self, start: int, end: int, names: set[str]) -> None:
        for at in range(start, end):
            self._refuse_assignment(at, names)

    def _refuse_assignment(self, at: int, names: set[str]) -> None:
        tokens = self.checked.tokens
        word = _word(tokens[at])
        if word == "AS" and tokens[at + 1].text[1:] in names:
            clash = f"assigns it with AS {tokens[at + 1].text}"
            listed = [tokens[at + 1]]
        elif word == "VALUES":
            clash = "lists it in a VALUES block"
            listed = list(itertools.takewhile(lambda t: t.text != "{", tokens[at + 1 :]))
        else:
            return
        for token in listed:
            if token.kind == "var" and token.text[1:] in names:
                raise ParameterError(
                    f"the parameter {token.text} cannot be bound on an endpoint: the query "
                    f"{clash}; leave the parameter out, or rename the query's variable"
                )

    def _walk(self, start: int, end: int, names: set[str]) -> None:
        tokens, at = self.checked.tokens, start
        while at < end:
            token, word = tokens[at], _word(tokens[at])
            if word == "SELECT":
                brace = _where_group(tokens, at)
                close, stop = _closing(tokens, brace), _closing(tokens, at - 1)
                inner = {name for name in names if _projects(tokens[at + 1 : brace], name)}
                if inner:
                    self._refuse_assigned(at, brace, inner)
                    self._refuse_assigned(close, stop, inner)
                    self.groups[brace] = inner
                    self._walk(brace + 1, close, inner)
                at = stop
                continue
            self._refuse_assignment(at, names)
            if word == "MINUS":
                inner = {
                    t.text[1:] for t in tokens[at + 2 : _closing(tokens, at + 1)] if t.kind == "var"
                }
                if inner & names:
                    self.groups[at + 1] = inner & names
            if (
                word == "BOUND"
                and tokens[at + 2].kind == "var"
                and tokens[at + 2].text[1:] in names
            ):
                self._replace(token.offset, tokens[at + 3].offset + 1, "true")
                at += 4
                continue
            if token.kind == "var" and token.text[1:] in names:
                self._replace(token.offset, token.offset + len(token.text), self.terms[token.text[1:]])
            at += 1

    def _replace(self, start: int, end: int, term: str) -> None:
        # A term glued to what stands beside it could read as another token: after `""`, the
        # literal `"a"` would make `"""a"`, a long string that runs on into a comment (sec18 F1)
        text = self.checked.text
        before = "" if start == 0 or text[start - 1] in _APART else " "
        after = "" if end == len(text) or text[end] in _APART else " "
        self.edits.append((start, end, f"{before}{term}{after}"))

    def text(self, *, replace: bool) -> str:
        """The query text with its VALUES blocks, and the variables replaced if ``replace``."""
        text = self.checked.text
        pieces, last = [], 0
        for start, end, new in self._edits(replace):
            pieces += [text[last:start], new]
            last = end
        return "".join(pieces) + text[last:]

    def tokens(self, *, replace: bool) -> list[gate.Token]:
        """The tokens :meth:`text` must read as: the written query's, with each edit's own text
        read alone in place of what it replaces (offsets are those of the written query)."""
        written, expected, at = self.checked.tokens, [], 0
        for start, end, new in self._edits(replace):
            while at < len(written) and written[at].offset < start:
                expected.append(written[at])
                at += 1
            expected += [gate.Token(t.kind, t.text, start) for t in gate.tokenize(new)]
            while at < len(written) and written[at].offset < end:
                at += 1
        return expected + list(written[at:])

    def _edits(self, replace: bool) -> list[tuple[int, int, str]]:
        tokens, text = self.checked.tokens, self.checked.text
        edits = [
            (
                tokens[brace].offset + 1,
                tokens[brace].offset + 1,
                values_block(
                    {
                        v: self.substitutions[v]
                        for v in sorted(self.substitutions, key=str)
                        if v.value in names
                    }
                ),
            )
            for brace, names in self.groups.items()
        ]
        if replace:
            edits += self.edits
        form = tokens[self.form_at]
        if form.text.upper() == "CONSTRUCT" and tokens[self.form_at + 1].text != "{":
            # The short form's group is also its template: the template is written out in full,
            # as the query gives it, since neither VALUES nor a term may stand for its variables
            group = text[tokens[self.brace].offset : tokens[self.close].offset + 1]
            cut = form.offset + len(form.text)
            edits.append((cut, cut, f" {group}"))
        return sorted(edits, key=lambda edit: edit[:2])


#: The characters beside which a term stays a token of its own.
_APART = frozenset(" \t\r\n(){},;")


def bind_values(checked: gate.CheckedQuery, substitutions: Mapping[ox.Variable, Term]) -> str:
    """The query with ``substitutions`` bound, as :class:`_Binding` says: each variable replaced
    by its term where it stands for the same variable, and VALUES blocks keeping it bound. The
    short form ``CONSTRUCT WHERE { … }``, whose group is also its template, is written out in full.

    >>> bind_values(gate.check("CONSTRUCT WHERE { ?s ?p ?o }"), {ox.Variable("s"): ox.NamedNode("urn:s")})
    'CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<urn:s>) }  <urn:s> ?p ?o }'
    >>> bind_values(gate.check("SELECT ?s { { SELECT ?s { ?s ?p 1 } LIMIT 1 } }"), {ox.Variable("s"): ox.NamedNode("urn:s")})
    'SELECT ?s { VALUES (?s) { (<urn:s>) }  { SELECT ?s { VALUES (?s) { (<urn:s>) }  <urn:s> ?p 1 } LIMIT 1 } }'
    """
    return _Binding(checked, substitutions).text(replace=True)


def used_prefixes(checked: gate.CheckedQuery, prefixes: Mapping[str, str]) -> dict[str, str]:
    """The ``prefixes`` that the query uses in a prefixed name and does not declare itself.

    >>> used_prefixes(gate.check("SELECT * { ?s rdfs:label ?o }"), {"rdfs": "urn:r#", "owl": "urn:o#"})
    {'rdfs': 'urn:r#'}
    """
    tokens = checked.tokens
    declared = gate.declared_prefixes(tokens)
    used = {t.text.partition(":")[0] for t in tokens if t.kind == "pname"}
    return {p: prefixes[p] for p in sorted(used - declared) if p in prefixes}


def prepare_query(
    query: str,
    prefixes: Mapping[str, str] | None = None,
    substitutions: Mapping[ox.Variable, Term] | None = None,
) -> str:
    """The text to send for ``query``: the library's base IRI, a PREFIX line for each predeclared
    prefix it uses, and the ``substitutions`` bound by :func:`bind_values` (by the VALUES blocks
    alone where a value cannot stand in the variable's place, as a literal cannot as a predicate).

    >>> print(prepare_query("SELECT ?t WHERE { ?t ex:p ?o }", {"ex": "urn:ex:"}, {ox.Variable("t"): ox.NamedNode("urn:t")}))
    BASE <https://w3id.org/atmp-kg/id/>
    PREFIX ex: <urn:ex:>
    SELECT ?t WHERE { VALUES (?t) { (<urn:t>) }  <urn:t> ex:p ?o }
    >>> print(prepare_query("SELECT ?t WHERE { ?s ?t ?o }", None, {ox.Variable("t"): ox.Literal("t")}))
    BASE <https://w3id.org/atmp-kg/id/>
    SELECT ?t WHERE { VALUES (?t) { ("t") }  ?s ?t ?o }
    """
    return _prepare(_tokens(query), prefixes, substitutions)


@dataclass(frozen=True)
class _Clock:
    """A query's time limit over the work before its request (the gate's readings of its text,
    the engine's parse) and the request itself: ``seconds`` from ``started``."""

    seconds: float | None = None
    started: float = 0.0

    def left(self) -> float | None:
        """What is left of the limit (None: no limit); past it, the checking took it all."""
        if self.seconds is None:
            return None
        left = self.seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise QueryTimeoutError(self.seconds, checking=True)
        return left


def _tokens(query: str, clock: _Clock = _Clock()) -> gate.CheckedQuery:
    # Every refusal is lifted here: run() already applied the gate with the caller's choices
    return gate.check(query, allow=gate.ALLOW, timeout=clock.seconds, started=clock.started)


def _ends_itself(checked: gate.CheckedQuery) -> bool:
    """Whether the query has a LIMIT of its own, or a VALUES block after its pattern, after which
    no LIMIT may come.

    >>> _ends_itself(gate.check("SELECT * { { SELECT ?s {} LIMIT 1 } } # LIMIT"))
    False
    >>> _ends_itself(gate.check("SELECT * { } VALUES ?s { 1 }"))
    True
    """
    depth = 0
    for token in checked.tokens:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text.upper() in ("LIMIT", "VALUES"):
            return True
    return False


def _form_offset(checked: gate.CheckedQuery) -> int:
    """Where the query's form (SELECT, ASK, …) begins in its text, after its prologue."""
    return next(t.offset for t in checked.tokens if _word(t) == checked.form)


def declares_base(checked: gate.CheckedQuery, clock: _Clock = _Clock()) -> bool:
    """Whether the query's prologue declares a BASE of its own, as the engine reads it: the
    prologue before a pattern with a relative IRI parses given no base IRI only then.

    >>> declares_base(gate.check("BASE <https://example.org/> SELECT * { ?s ?p ?o }"))
    True
    >>> declares_base(gate.check('SELECT * { ?s ?p "BASE <x:>" } # BASE <x:>'))
    False
    """
    at = _form_offset(checked)
    if not any(_word(t) == "BASE" for t in checked.tokens if t.offset < at):
        return False  # no word BASE before the form: no engine needed to say so
    prologue = checked.text[:at]
    try:
        _engine_reads(prologue + "\nASK { <> ?p ?o }", clock=clock)
    except SyntaxError:
        return False
    return True


def _prepare(checked: gate.CheckedQuery, prefixes, substitutions, clock: _Clock = _Clock()) -> str:
    lines = "".join(
        f"PREFIX {name}: {ox.NamedNode(iri)}\n"
        for name, iri in used_prefixes(checked, prefixes or {}).items()
    )
    # Relative IRIs resolve as on every door: against the library's base, unless the query
    # declares its own, which alone is sent (Virtuoso refuses a second BASE, or a BASE after a
    # PREFIX: the prefixes go after the query's prologue, joints32 F4)
    own = declares_base(checked, clock)
    head = "" if own else f"BASE <{BASE_IRI}>\n" + lines
    at = _form_offset(checked) if own and lines else 0

    def sent(text: str) -> str:
        # the edits of a binding all come after the form: the prologue is as written
        return text[:at] + lines + text[at:] if at else head + text

    def expected(tokens: list[gate.Token]) -> list[gate.Token]:
        if not at:
            return gate.tokenize(head) + tokens
        before = [t for t in tokens if t.offset < at]
        return before + gate.tokenize(lines) + tokens[len(before) :]

    if not substitutions:
        return sent(checked.text)
    binding = _Binding(checked, substitutions)
    text = sent(binding.text(replace=True))
    replace = _parses(text, clock)
    if not replace:
        # A literal where only an IRI may stand (a predicate, a GRAPH name) is no SPARQL, though
        # bound on the embedded store it matches nothing: there the VALUES blocks bind it alone
        text = sent(binding.text(replace=False))
    _reads_as_written(checked, text, expected(binding.tokens(replace=replace)), clock)
    return text


def _reads_as_written(
    checked: gate.CheckedQuery, text: str, expected: list[gate.Token], clock: _Clock = _Clock()
) -> None:
    """Refuse ``text``, the query bound for the endpoint, unless the gate reads it as the query as
    written with each value in its place: the same tokens, and no guarded clause (SERVICE, FROM,
    LOAD...) or form that the written text does not use in any of the gate's readings."""
    try:
        sent = gate.check(text, allow=gate.ALLOW, timeout=clock.seconds, started=clock.started)
    except QuerySyntaxError as error:
        raise QueryRefusedError(_MISREAD.format(how=f"as no SPARQL ({error})")) from None
    added = sorted(sent.clauses - checked.clauses) + ([sent.form] if sent.form != checked.form else [])
    if added:
        words = ", ".join(word.upper() for word in added)
        raise QueryRefusedError(
            _MISREAD.format(how=f"as using {words}, which the query as written does not")
        )
    for got, meant in itertools.zip_longest(sent.tokens, expected):
        if got is None or meant is None or (got.kind, got.text) != (meant.kind, meant.text):
            where = "at its end"
            if meant is not None:
                where = "at line {}, column {}".format(*gate.line_column(checked.text, meant.offset))
            found = "nothing" if got is None else repr(got.text)
            raise QueryRefusedError(
                _MISREAD.format(how=f"otherwise than as written: {found} {where} of the query")
            )


_MISREAD = (
    "bound into the query's text for the endpoint, the parameters would make it read {how}; put "
    "white space around each variable a parameter binds"
)


# --- the store ----------------------------------------------------------------------------------

def _engine_reads(
    text: str, prefixes=None, substitutions=None, base_iri=None, clock: _Clock = _Clock()
) -> list[str] | None:
    """Have Oxigraph read ``text`` on an empty store, in the confined process that evaluates the
    embedded store's queries (:mod:`atmpkg.graph.engine.child`): the engine runs a SERVICE as it
    reads the query, and this process must not call out, whatever the query holds. Raises what
    the engine says of the text (``SyntaxError``; ``RuntimeError`` for a substitution of a
    variable the SELECT clause does not return); gives a SELECT's variables (None for another
    form, or a SELECT that reaches a SERVICE)."""
    from ..engine.child import evaluator

    request = {"parse_only": True, "text": text, "prefixes": dict(prefixes or {})}
    request |= {"substitutions": substitutions, "base_iri": base_iri}
    left = clock.left()
    limit = DEFAULT_TIMEOUT if left is None else min(left, DEFAULT_TIMEOUT)
    try:
        read = evaluator(False, DEFAULT_MEMORY).run(request, timeout=limit)
    except QueryTimeoutError:
        # named by the query's whole limit, not by what was left of it (a process started on a
        # busy machine had been told of "the 0.325134 s time limit")
        if left is None or left >= DEFAULT_TIMEOUT:
            raise
        raise QueryTimeoutError(clock.seconds) from None
    return None if read is None else read.variables


def _check_locally(
    checked: gate.CheckedQuery, prefixes, substitutions, clock: _Clock = _Clock()
) -> list[str] | None:
    """Parse the query as the embedded store would: a query that is not valid SPARQL, or binds a
    variable its SELECT clause does not return, fails exactly as there, before anything is
    sent. Gives a SELECT's variables, the columns its answer may have."""
    return _engine_reads(checked.text, prefixes, substitutions, BASE_IRI, clock)


def _parses(text: str, clock: _Clock = _Clock()) -> bool:
    """Whether Oxigraph reads ``text`` (a bound form of a checked query)."""
    try:
        _engine_reads(text, clock=clock)
    except SyntaxError:
        return False
    return True


class RemoteStore:
    """The part of ``pyoxigraph.Store`` that the library uses, answered by a SPARQL 1.1 endpoint:
    the named graph ``graph`` at ``endpoint`` acts as the store's default graph. ``timeout`` is each
    request's time limit in seconds, ``memory`` the bytes an answer's rows or triples may take
    when a query is given no cap of its own (None: no cap), which is what every look-up of the
    library's own (show, stats, path, views, exports) reads within.

    >>> from atmpkg.graph.terms import ATMP
    >>> remote = RemoteStore(endpoint, timeout=10)
    >>> remote.query("ASK { ?s a atmp:Therapy }", prefixes={"atmp": ATMP})
    <QueryBoolean true>
    """

    def __init__(
        self,
        endpoint: str,
        *,
        graph: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        must_hold: bool = False,
        memory: int | None = DEFAULT_MEMORY,
    ):
        timeout = positive_seconds(timeout)
        self.endpoint = check_url(endpoint)
        self._graph = None if graph is None else check_graph(graph)
        self._chosen = graph is not None
        # A reader's misspelt graph would answer every query with no rows; push writes a graph
        # that need not exist yet, so only readers ask for the check.
        self._unchecked = must_hold and graph is not None
        self.timeout = timeout
        #: the memory cap of the rows and triples of an answer that query() is not given one for
        self.memory = memory
        self._auth = auth_headers(endpoint)
        #: How many answers the endpoint gave: what a method of the handle read after the count
        #: it started with came from the endpoint (see errors.reads_answers)
        self.answered = 0
        # What prefetch() announced: the nodes in batches, each node's batch, and the batches held,
        # as {batch: (when fetched, {node: (triples from it, triples to it)})}, least used first
        self._batches: list[tuple[ox.NamedNode, ...]] = []
        self._batch_of: dict[ox.NamedNode, int] = {}
        self._incoming = False
        self._held: OrderedDict[int, tuple[float, dict[ox.NamedNode, tuple[list, list]]]] = (
            OrderedDict()
        )
        self._held_lock = threading.Lock()
        # a deadline over every request of this thread until it is lifted (see until())
        self._local = threading.local()
        # why the graph read holds no ATMP-KG data, "" where it holds some; None until asked
        # (see without_data())
        self._without: str | None = None

    @contextlib.contextmanager
    def until(self, deadline: float) -> Iterator[RemoteStore]:
        """Within the block, every request of this thread ends by ``deadline`` (a
        :func:`time.monotonic` reading), whatever its own limit: the advice after a query's
        answer gets what is left of the query's limit, not the store's whole one (sec21 F2).

        >>> import time
        >>> remote = RemoteStore(endpoint)
        >>> with remote.until(time.monotonic() - 1):
        ...     remote.query("ASK {}", timeout=5)
        Traceback (most recent call last):
        ...
        atmpkg.graph.errors.QueryTimeoutError: query stopped after the 5 s time limit; raise it with --timeout/timeout= or narrow the query
        """
        before = getattr(self._local, "deadline", None)
        self._local.deadline = deadline if before is None else min(before, deadline)
        try:
            yield self
        finally:
            self._local.deadline = before

    @property
    def graph(self) -> str | None:
        """The named graph the reads query, or None for the endpoint's default graph (decided at the
        first request when none was given: the graph :func:`push` writes, if the endpoint holds it).

        >>> RemoteStore("http://127.0.0.1:7878/query", graph="https://example.org/g").graph
        'https://example.org/g'
        """
        return self._decided(None)

    def _decided(self, timeout: float | None) -> str | None:
        """:attr:`graph`, deciding it (or checking it) with a request within ``timeout`` seconds
        (None: the store's own limit) when none was made yet."""
        if not self._chosen:
            held = self._holds(DEFAULT_GRAPH, timeout)
            self._graph, self._chosen = (DEFAULT_GRAPH if held else None), True
        elif self._unchecked:
            if not self._holds(self._graph, timeout):
                raise StoreError(
                    f"the SPARQL endpoint {self.endpoint} holds no graph <{self._graph}>: check "
                    f"the graph's IRI (--graph, ATMPKG_GRAPH or graph=); atmpkg push writes "
                    f"<{DEFAULT_GRAPH}> unless told otherwise, and reads find that one without "
                    "--graph"
                )
            self._unchecked = False
        return self._graph

    def _holds(self, graph: str, timeout: float | None) -> bool:
        probe = f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
        started = time.monotonic()
        answer = self._send(probe, "ASK", timeout, None)
        # its answer is read and checked within the limit of the request it is made for (rev32 F4:
        # a table of long text answered to it was measured with no deadline)
        seconds = self.timeout if timeout is None else timeout
        reading = _Reading(started + seconds, seconds, self.memory)
        return bool(parse_results(self.endpoint, answer, form="ASK", reading=reading))

    def __repr__(self) -> str:
        shown = self._graph if self._chosen else "(decided at the first request)"
        return f"<RemoteStore endpoint={self.endpoint} graph={shown}>"

    def _ask(self, text: str, form: str, timeout: float | None, graph: str | None = None) -> Answer:
        if graph is None and timeout is not None:
            # the first request's probe of the graph takes its time from the request's limit, not
            # the store's own (sec22 M4: a limit of 3 s waited 30 s for a slow endpoint)
            deadline = time.monotonic() + timeout
            graph = self._decided(timeout)
            left = deadline - time.monotonic()
            if left <= 0:
                raise EndpointTimeoutError(self.endpoint, timeout)
            return self._send(text, form, left, graph)
        return self._send(text, form, timeout, graph or self.graph)

    def _send(self, text: str, form: str, timeout: float | None, graph: str | None) -> Answer:
        body = {"query": text}
        if graph is not None:
            body["default-graph-uri"] = graph
        accept = _GRAPH_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else _RESULTS_ACCEPT
        answer = http_request(
            "POST",
            self.endpoint,
            timeout=timeout or self.timeout,
            body=urllib.parse.urlencode(body).encode("utf-8"),
            headers={"Accept": accept, "Content-Type": _FORM, **self._auth},
        )
        if not answer.ok:
            error = failure(self.endpoint, answer)
            wrong = None
            if answer.status in _NO_QUERY_HERE:
                wrong = not_a_query_url(self.endpoint, answer.status)
            if wrong:
                # a write URL or the bare address answers in the server's words, which do not
                # say that the URL is wrong (newuser25 F20); the same answer may be a query
                # error of a server that takes queries there (a dataset named data, QLever at
                # the root), so the URL is called wrong only where the answer shows it (rev25b F3)
                text = answer.body[:200].decode("utf-8", "replace")
                shown = any(
                    status == answer.status and text.startswith(words) and kind == wrong[0]
                    for (status, words), kind in _WRITE_ANSWERS.items()
                )
                said = (
                    f"that is {wrong[0]}, which answers no query; give"
                    if shown
                    else f"if it is {wrong[0]}, not its query URL, give"
                )
                raise WrongEndpointError(
                    f"{error}; {said} its query URL as the endpoint (--endpoint, "
                    f"ATMPKG_ENDPOINT or endpoint=): {wrong[1]}"
                )
            raise error
        self.answered += 1
        return answer

    def query(
        self,
        query: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Term] | None = None,
        timeout: float | None = None,
        limit: int | None = None,
        started: float | None = None,
        memory: int | None | EllipsisType = ...,
        cut: bool = False,
    ) -> Solutions | ox.QueryBoolean | Triples:
        """Run ``query`` on the endpoint, as ``pyoxigraph.Store.query`` does: SELECT gives
        :class:`Solutions` (its rows as ``QuerySolutions`` gives them), ASK ``QueryBoolean``,
        CONSTRUCT and DESCRIBE a list of triples.
        ``timeout`` (seconds) replaces the store's time limit for this request, counted from
        ``started`` (``time.monotonic()``; now when not given) over the local checks of the text
        and the request alike. ``limit`` asks the
        server for at most that many rows of a SELECT that sets no LIMIT of its own, and keeps no
        more than that many of any SELECT's answer. The time limit covers reading the answer's rows
        and triples too, and the rows kept count against ``memory`` bytes (None: no cap; not
        given: the store's own ``memory``, 2 GiB unless it was opened with another) as the
        embedded store's do (:func:`~atmpkg.graph.engine.answers.row_bytes`), with their terms
        (:func:`term_bytes`), the triples at what each costs with its terms' text
        (:func:`parse_triples`), raising
        :class:`~atmpkg.graph.errors.QueryTimeoutError` and
        :class:`~atmpkg.graph.errors.QueryMemoryError`.
        An answer the server cut at its row cap (``atmpkg serve`` says so in ``ATMPKG-Truncated``)
        is given as it came, its ``cut`` the cap, when ``cut`` (a user's query, which the caller
        notes); else, as the library's own reads must be whole, it is read again in pages
        (:func:`page_order`), or refused (:func:`cut_error`) where the query cannot be paged.

        >>> from atmpkg.graph.terms import ID, RDFS
        >>> answer = RemoteStore(endpoint).query(
        ...     "SELECT ?t ?l WHERE { ?t rdfs:label ?l }", prefixes={"rdfs": RDFS},
        ...     substitutions={ox.Variable("t"): ox.NamedNode(ID + "therapy/kymriah")})
        >>> [row["l"].value for row in answer]
        ['Kymriah']
        """
        seconds = self.timeout if timeout is None else timeout
        started = time.monotonic() if started is None else started
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None:
            if deadline <= time.monotonic():  # the time given to the block is spent: no request
                raise QueryTimeoutError(deadline - started if seconds is None else seconds)
            seconds = deadline - started if seconds is None else min(seconds, deadline - started)
        clock = _Clock(seconds, started)
        checked = _tokens(query, clock)
        columns = _check_locally(checked, prefixes, substitutions, clock)
        form = checked.form
        text = _prepare(checked, prefixes, substitutions, clock)
        if limit is not None and form == "SELECT" and not _ends_itself(checked):
            text += f"\nLIMIT {whole_number(limit, 'limit', 1)}"
        try:
            answer = self._ask(text, form, clock.left())
        except EndpointTimeoutError:
            raise EndpointTimeoutError(self.endpoint, seconds) from None
        except QueryTimeoutError:  # the probe of the graph, read with what was left: say the limit
            raise QueryTimeoutError(seconds) from None
        cap = self.memory if memory is ... else memory
        reading = _Reading(None if seconds is None else started + seconds, seconds, cap)
        if form in ("CONSTRUCT", "DESCRIBE"):
            got = parse_triples(self.endpoint, answer, reading)
        else:
            got = parse_results(self.endpoint, answer, substitutions, form, columns, limit, reading)
        if isinstance(got, ox.QueryBoolean):
            return got
        at = cut_at(answer, got)
        if at is None:
            return got
        if cut:
            got.cut = at
            return got
        names = [v.value for v in got.variables] if isinstance(got, Solutions) else []
        order = page_order(checked, names)
        if order is None:  # a DESCRIBE too: it names no variables to order by
            raise cut_error(self.endpoint, at)
        del got  # the pages read it all again, in order
        return self._pages(text, form, order, at, clock, reading, substitutions, columns, limit)

    def _pages(
        self,
        text: str,
        form: str,
        order: str,
        size: int,
        clock: _Clock,
        reading: _Reading,
        substitutions: Mapping[ox.Variable, Term] | None,
        columns: Sequence[str] | None,
        limit: int | None,
    ) -> Solutions | Triples:
        """The whole answer of ``text`` (prepared for the endpoint), read ``size`` rows a request
        in the ``order`` given, within the time limit of ``clock`` and the memory cap of
        ``reading`` over all the pages. A CONSTRUCT's page is ``size`` solutions over the
        triples of its template, so that its triples stay within the server's cap; the reading
        ends at a page that is not full (a CONSTRUCT's: that makes no triple, each solution of
        the library's own making one at least)."""
        template = 1
        if form == "CONSTRUCT":
            tokens = _tokens(text).tokens
            start = next(at for at, t in enumerate(tokens) if _word(t) == "CONSTRUCT") + 1
            # at most one triple more than the separators between them (".", ";", ",")
            written = tokens[start : _closing(tokens, start)]
            template = 1 + sum(t.kind == "punct" and t.text in (".", ";", ",") for t in written)
        per = max(1, size // template)
        rows: list = []
        held, offset = 0, 0
        variables: list[ox.Variable] = []
        while True:
            asked = f"{text}\n{order} LIMIT {per} OFFSET {offset}"
            try:
                answer = self._ask(asked, form, clock.left())
            except EndpointTimeoutError:
                raise EndpointTimeoutError(self.endpoint, clock.seconds) from None
            left = None if reading.memory is None else reading.memory - held
            page_reading = _Reading(reading.deadline, reading.seconds, left)
            if form == "CONSTRUCT":
                page = parse_triples(self.endpoint, answer, page_reading)
                held += page.held
            else:
                page = parse_results(
                    self.endpoint, answer, substitutions, form, columns, None, page_reading
                )
                held += page.held or 0
                variables = page.variables
            if cut_at(answer, page) is not None:
                raise cut_error(self.endpoint, size)
            rows.extend(page)
            if (len(page.rows) < per) if isinstance(page, Solutions) else not page:
                break
            offset += per
        if form == "CONSTRUCT":
            whole = Triples(rows)
            whole.held = held
            return whole
        kept = rows if limit is None else rows[:limit]
        return Solutions(variables, kept, None if reading.memory is None else held)

    def quads_for_pattern(
        self, subject: Term | None, predicate: Term | None, object: Term | None
    ) -> Iterator[ox.Quad]:
        """The triples matching the pattern (None matches anything), as default-graph quads: from
        the triples :meth:`prefetch` fetched when the subject (or, fetched both ways, the object)
        is one of its nodes, else in a request of their own.

        >>> from atmpkg.graph.terms import ID, RDFS
        >>> remote = RemoteStore(endpoint)
        >>> label = ox.NamedNode(RDFS + "label")
        >>> next(remote.quads_for_pattern(ox.NamedNode(ID + "therapy/kymriah"), label, None)).object
        <Literal value=Kymriah language=en>
        """
        held = self._prefetched(subject, outgoing=True)
        if held is None:
            held = self._prefetched(object, outgoing=False)
        if held is not None:
            return (
                ox.Quad(t.subject, t.predicate, t.object)
                for t in held
                if (subject is None or t.subject == subject)
                and (predicate is None or t.predicate == predicate)
                and (object is None or t.object == object)
            )
        pattern = zip("spo", (subject, predicate, object), strict=True)
        rows = list(
            self.query(
                "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
                substitutions={ox.Variable(n): term for n, term in pattern if term is not None},
            )
        )
        if any(term is None for row in rows for term in row):
            raise EndpointAnswerError(self.endpoint)
        if any(isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode) for s, p, _ in rows):
            raise StoreError(
                f"the SPARQL endpoint {self.endpoint} answered a triple pattern with a literal as "
                "a subject or a predicate that is no IRI, which no RDF graph holds"
            )
        return (ox.Quad(s, p, o) for s, p, o in rows)

    def prefetch(self, nodes: Iterable[ox.NamedNode | str], *, incoming: bool = True) -> None:
        """Announce that :meth:`quads_for_pattern` is about to be asked about ``nodes`` (IRIs), in
        this order: their triples are then fetched :data:`PREFETCH_BATCH` nodes a request (one
        ``CONSTRUCT``), a batch when the first of its nodes is asked about, and the questions about
        them answered from it. Each node's triples are those from it and, with ``incoming``, those
        to it. The announcement replaces the previous one; a batch answers for
        :data:`PREFETCH_SECONDS` at most, then it is fetched again.

        >>> from atmpkg.graph.terms import ID, RDFS
        >>> remote = RemoteStore(endpoint)
        >>> remote.prefetch([ID + "therapy/kymriah", ID + "company/novartis"])
        >>> kymriah = ox.NamedNode(ID + "therapy/kymriah")
        >>> label = ox.NamedNode(RDFS + "label")
        >>> [q.object.value for q in remote.quads_for_pattern(kymriah, label, None)]  # from the batch
        ['Kymriah']
        """
        listed = [ox.NamedNode(n) if isinstance(n, str) else n for n in nodes]
        listed = list(dict.fromkeys(n for n in listed if isinstance(n, ox.NamedNode)))
        with self._held_lock:
            self._batches = [
                tuple(listed[at : at + PREFETCH_BATCH])
                for at in range(0, len(listed), PREFETCH_BATCH)
            ]
            self._batch_of = {node: at // PREFETCH_BATCH for at, node in enumerate(listed)}
            self._incoming = incoming
            self._held.clear()

    def _prefetched(self, node: Term | None, *, outgoing: bool) -> list[ox.Triple] | None:
        """The triples from (``outgoing``) or to ``node`` that a prefetch holds, fetching its batch
        when needed, or None when ``node`` was not announced that way."""
        if not isinstance(node, ox.NamedNode):
            return None
        # Held while fetching: another thread asking about the batch waits for it, not refetches
        with self._held_lock:
            index = self._batch_of.get(node)
            if index is None or not (outgoing or self._incoming):
                return None
            held = self._held.get(index)
            if held is None or time.monotonic() - held[0] > PREFETCH_SECONDS:
                held = (time.monotonic(), self._fetch(self._batches[index], self._incoming))
                self._held[index] = held
                while len(self._held) > PREFETCH_HELD:
                    self._held.popitem(last=False)
            self._held.move_to_end(index)
            return held[1][node][0 if outgoing else 1]

    def _fetch(
        self, batch: tuple[ox.NamedNode, ...], incoming: bool
    ) -> dict[ox.NamedNode, tuple[list, list]]:
        """Every triple from (and with ``incoming``, to) the nodes of ``batch``, in one request."""
        listed = " ".join(str(node) for node in batch)  # IRIs pyoxigraph validated, in N-Triples
        # Without BIND: a template triple with an unbound variable is left out of the answer
        text = (
            f"CONSTRUCT {{ ?n ?p ?o . ?s ?q ?n }} WHERE {{ VALUES ?n {{ {listed} }} "
            "{ ?n ?p ?o } UNION { ?s ?q ?n } }"
            if incoming
            else f"CONSTRUCT {{ ?n ?p ?o }} WHERE {{ VALUES ?n {{ {listed} }} ?n ?p ?o }}"
        )
        found: dict[ox.NamedNode, tuple[list, list]] = {node: ([], []) for node in batch}
        # A link between two nodes of the batch comes from both branches: each triple once
        for triple in dict.fromkeys(self.query(text)):
            if triple.subject in found:
                found[triple.subject][0].append(triple)
            if incoming and triple.object in found:
                found[triple.object][1].append(triple)
        return found

    def __len__(self) -> int:
        return int(aggregate_row(self, self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[0].value)

    def dump(
        self,
        output: IO[bytes] | None = None,
        format: ox.RdfFormat | None = None,
        *,
        from_graph: ox.DefaultGraph | None = None,
    ) -> bytes | None:
        """Every triple, serialised as ``pyoxigraph.Store.dump`` does (the remote graph is the
        store's only graph, its default graph).

        >>> remote = RemoteStore(endpoint)
        >>> lines = remote.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        >>> len(lines.splitlines()) == len(remote)
        True
        """
        if from_graph is not None and not isinstance(from_graph, ox.DefaultGraph):
            raise StoreError("a remote store holds one graph, its default graph")
        # the triples themselves, which the memory cap counted: a quad format writes a triple
        # in the default graph, and a list of quads made of them was a second copy, uncounted
        return ox.serialize(self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), output, format)

    def without_data(self) -> str | None:
        """Why the graph read holds no ATMP-KG data (no therapy, company or approval), as an error
        a command gives: the graphs of the endpoint that hold some, when any, to give as
        ``--graph``; None when it holds some. Asked once a store.

        >>> RemoteStore(endpoint).without_data() is None
        True
        """
        if self._without is None:
            kinds = ("Therapy", "Company", "Approval")
            found = " UNION ".join(f"{{ ?s a <{ATMP}{kind}> }}" for kind in kinds)
            held = self.query(f"ASK {{ {found} }}")
            self._without = "" if held else self._data_missing(found)
        return self._without or None

    def _data_missing(self, found: str) -> str:
        where = (
            "its default graph"
            if self.graph is None
            else f"the graph <{self.graph}> it reads (--graph, ATMPKG_GRAPH or graph=)"
        )
        head = (
            f"the SPARQL endpoint {self.endpoint} holds no ATMP-KG data in {where} (no therapy, "
            "company or approval)"
        )
        listed = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {found} }} }} ORDER BY ?g LIMIT 4"
        try:  # a graph of the endpoint's that holds the data, where push --graph IRI loaded it
            graphs = [row[0].value for row in self.query(listed, cut=True) if row[0] is not None]
        except AtmpkgError:
            graphs = []
        if graphs:
            more = ", …" if len(graphs) > 3 else ""
            shown = ", ".join(f"<{g}>" for g in graphs[:3])
            return (
                f"{head}; it holds some in {shown}{more}: give that graph's IRI as --graph "
                f"(ATMPKG_GRAPH or graph=), as in --graph {graphs[0]}"
            )
        return (
            f"{head}: if you loaded it with atmpkg push --graph IRI, give the same --graph IRI "
            "(ATMPKG_GRAPH or graph=); atmpkg push loads the data into a SPARQL server"
        )

    def build_info(self) -> dict:
        """What :func:`push` recorded about the build it loaded (its ``build.json``), or what an
        ``atmpkg serve`` endpoint says of the build it serves, or ``{}`` when the graph was loaded
        another way.

        >>> RemoteStore(endpoint).build_info()["counts"]["atmp:Therapy"] > 0
        True
        """
        if self.graph is None:  # the endpoint's own default graph: no record of a push
            return self._served_build()
        text = f"SELECT ?info WHERE {{ {ox.NamedNode(self.graph)} <{DCT}description> ?info }}"
        started = time.monotonic()
        answer = self._ask(text, "SELECT", None, info_graph(self.graph))
        # its rows are read within the store's time limit, as a query's are
        reading = _Reading(started + self.timeout, self.timeout, self.memory)
        rows = parse_results(self.endpoint, answer, columns=["info"], limit=1, reading=reading)
        return build_record(next(iter(rows), [None])[0])

    def _served_build(self) -> dict:
        """The record of the build an ``atmpkg serve`` endpoint serves, at ``/api/build`` beside
        its ``/sparql`` (the server says it is one in its ``Server`` header), or ``{}`` for any
        other endpoint, or one that cannot be asked."""
        parts = urllib.parse.urlsplit(self.endpoint)
        if not parts.path.endswith("/sparql"):
            return {}
        path = parts.path[: -len("sparql")] + "api/build"
        url = urllib.parse.urlunsplit(parts._replace(path=path, query="", fragment=""))
        headers = {"Accept": "application/json", **self._auth}
        try:
            answer = http_request("GET", url, timeout=self.timeout, headers=headers)
        except StoreError:
            return {}
        if not answer.ok or not answer.from_atmpkg_serve:
            return {}
        return build_record(ox.Literal(answer.body.decode("utf-8", "replace")))


#: What each entry of a build's record holds (build.json, as push writes it): text or None, a
#: whole number, names of files, or counts per class.
_RECORD_TEXT = (
    "built_at", "atmpkg_version", "fingerprint", "data_dir", "data_as_of", "imports_as_of", "data_commit",
)
_RECORD_NAMES = ("inputs", "imports", "extra")


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def build_record(term: Term | None) -> dict:
    """The build's record an endpoint holds as the literal ``term``, or ``{}`` (no record of a
    build) when it is none that push writes: not a literal, not JSON (or JSON nested past
    Python's recursion limit), not an object, or with an entry of the wrong type (``"imports":
    [1]``, ``"counts": []``), which the commands that show it would fail on.

    >>> build_record(ox.Literal('{"triples": 5, "imports": ["a.ttl"]}'))
    {'triples': 5, 'imports': ['a.ttl']}
    >>> build_record(ox.Literal('{"triples": 5, "counts": []}')), build_record(ox.Literal("[" * 10**5))
    ({}, {})
    """
    if not isinstance(term, ox.Literal):
        return {}
    try:
        info = json.loads(term.value)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(info, dict):
        return {}
    kept = (
        all(info.get(key) is None or isinstance(info[key], str) for key in _RECORD_TEXT)
        and all(
            isinstance(info.get(key, []), list) and all(isinstance(n, str) for n in info.get(key, []))
            for key in _RECORD_NAMES
        )
        and (info.get("triples") is None or _count(info["triples"]))
        and isinstance(info.get("counts", {}), dict)
        and all(_count(n) for n in info.get("counts", {}).values())
    )
    return info if kept else {}


#: Why the answer to an aggregate without GROUP BY, which always has one row, is not read
NO_AGGREGATE_ROW = "no row for a count, which always has one"


def aggregate_row(store: ox.Store | RemoteStore, answer: Iterable) -> Sequence:
    """The one row of ``answer``, the answer of ``store`` to an aggregate without GROUP BY (a
    count), which SPARQL always gives: an endpoint that gives none raises
    :class:`EndpointAnswerError`.

    >>> store = ox.Store()
    >>> aggregate_row(store, store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[0].value
    '0'
    >>> aggregate_row(RemoteStore("http://h/q"), [])
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.EndpointAnswerError: the SPARQL endpoint http://h/q answered with a value the library cannot read (no row for a count, which always has one): check that it serves a graph built by ATMP-KG (atmpkg push loads one)
    """
    for row in answer:
        return row
    where = store.endpoint if isinstance(store, RemoteStore) else "the store"
    raise EndpointAnswerError(where, ValueError(NO_AGGREGATE_ROW))


def parse_results(
    url: str,
    answer: Answer,
    bound: Mapping[ox.Variable, Term] | None = None,
    form: str = "SELECT",
    columns: Sequence[str] | None = None,
    limit: int | None = None,
    reading: _Reading | None = None,
) -> Solutions | ox.QueryBoolean:
    """SELECT or ASK results (as ``form`` says the query was) in the format the answer's
    Content-Type names (JSON when it names none; XML in the encoding it names, read by
    :func:`xml_in_utf8`). An answer that does not parse, is cut off (an XML document without its
    end) or is of the other kind raises :class:`StoreError`, as does a SELECT answer with a column
    not among ``columns`` (the query's variables) or a triple term, which no graph of RDF 1.1
    holds, or a value longer than the engine's parser reads in one piece (:func:`too_long`, in
    every format: :func:`check_pieces`); Virtuoso's
    answer to an ASK, a table of one column ``__ASK_RETVAL``, is read as the boolean it stands for.
    A variable in ``bound`` is given its bound term in every row, as the embedded store gives it:
    the server may write the same value another way (Virtuoso returns ``"5"^^xsd:decimal`` as an
    integer), or leave it out. Every row is read and checked, but no more than ``limit`` kept,
    within the deadline and memory cap of ``reading``.

    >>> parse_results("http://h/q", Answer(200, "OK", {}, b'{"head":{"vars":["z"]},"results":{"bindings":[{"z":{"type":"literal","value":"1"}}]}}'), columns=["n"])
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q answered with a column ?z, which the query does not ask for (its columns: ?n)

    >>> parse_results("http://h/q", Answer(200, "OK", {}, b'{"head":{},"boolean":true}'), form="ASK")
    <QueryBoolean true>
    >>> parse_results("http://h/q", Answer(200, "OK", {}, b'{"head":{},"boolean":true}'))
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q answered a SELECT query with a boolean, the answer to an ASK
    """
    media = answer.headers.get("content-type", "")
    named = ox.QueryResultsFormat.from_media_type(media)
    if named is None and _web_page(media):
        raise not_asked_for(url, media, answer.body, "SPARQL results")
    fmt = named or ox.QueryResultsFormat.JSON
    # Only the thread that made a QuerySolutions may drop it: every refusal is raised once it is
    # gone, so that no frame an error keeps holds it
    parsed: ox.QuerySolutions | ox.QueryBoolean | None = None
    read: Solutions | ox.QueryBoolean | str | AtmpkgError
    body = answer.body
    if fmt == ox.QueryResultsFormat.XML:
        body = xml_in_utf8(url, body, media)
        check_pieces(url, body, fmt, reading)
    check_results_before_parsing(url, body, fmt, reading)
    check_head_before_parsing(url, body, fmt, 1 if form == "ASK" else columns)
    try:
        if fmt == ox.QueryResultsFormat.XML and not body.rstrip().endswith(b"</sparql>"):
            raise ValueError("the document stops before its end (</sparql>): it was cut off")
        parsed = ox.parse_query_results(body, fmt)
        if isinstance(parsed, ox.QueryBoolean):
            read = parsed
            if form != "ASK":
                read = (
                    f"the SPARQL endpoint {url} answered a {form} query with a boolean, the "
                    "answer to an ASK"
                )
        elif form == "ASK":
            read = _table_as_boolean(url, parsed, reading or _Reading())
        else:
            read = _read_table(url, parsed, bound, columns, limit, reading or _Reading())
    except (SyntaxError, ValueError) as exc:
        read = f"the SPARQL endpoint {url} sent results that do not parse as {fmt.name}: {exc}"
        if named is None and media.strip():
            read = str(not_asked_for(url, media, body, "SPARQL results"))
    except MemoryError as exc:
        from . import csvdata

        # the parser's buffer holds one value (8 MiB in JSON): the rows are not to blame
        read = (
            f"the SPARQL endpoint {url} sent more rows than fit in memory; narrow the query or "
            "give a limit"
        )
        if csvdata.buffer_full(exc):
            read = too_long(url, fmt)
    del parsed
    if isinstance(read, str):
        raise StoreError(read)
    if isinstance(read, AtmpkgError):
        raise read
    return read


#: The byte order marks that name the encoding of an XML document before anything else does
#: (UTF-32's first: its little-endian mark starts with UTF-16's).
_XML_MARKS = (
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
#: An XML declaration up to its encoding's name (XML 1.0, production 23): ``head`` before the
#: name's quote, ``name`` the name.
_XML_DECLARATION = (
    r"\A(?P<head><\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?P<q1>[\"'])[^\"'<>]*(?P=q1)"
    r"[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*)(?P<q2>[\"'])(?P<name>[A-Za-z][A-Za-z0-9._-]*)(?P=q2)"
)
_DECLARED_BYTES = re.compile(_XML_DECLARATION.encode("ascii"))
_DECLARED_TEXT = re.compile(_XML_DECLARATION)
_BY_DECLARATION = "the encoding its XML declaration names"
_BY_MARK = "the encoding its byte order mark names"
#: The canonical names of the codecs an XML answer may be read in: the IANA charsets Python decodes
#: in linear time. Python's other text codecs are no charset (punycode, idna, rot13,
#: unicode_escape), and punycode decodes in quadratic time: an answer of 1.5 MB of ASCII named
#: punycode took 30 s and was then blamed on the query (rev24 F4).
_XML_CHARSETS = frozenset(
    codecs.lookup(name).name
    for name in (
        *("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"),
        *("us-ascii", *(f"iso-8859-{n}" for n in (*range(1, 12), *range(13, 17)))),
        *(f"windows-{n}" for n in range(1250, 1259)),
        *("koi8-r", "koi8-u", "shift_jis", "euc-jp", "euc-kr", "gb2312", "gbk", "gb18030", "big5"),
        # further IANA charsets an endpoint on an older or regional system may name (rev24b F5)
        *("cp932", "iso-2022-jp", "ibm850", "ibm437", "ibm866", "macintosh", "big5-hkscs"),
        *("tis-620", "utf-8-sig"),
    )
)


def _xml_encoding(body: bytes, media: str) -> tuple[str, str]:
    """The encoding an XML answer is in, and what names it: its byte order mark, else the
    charset of its Content-Type ``media``, else its XML declaration (RFC 7303, 3.2), else UTF-8."""
    for mark, name in _XML_MARKS:
        if body.startswith(mark):
            return name, _BY_MARK
    for parameter in media.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"'):
            return value.strip().strip('"'), "the charset its Content-Type names"
    declared = _DECLARED_BYTES.match(body[:1024])
    if declared:
        return declared["name"].decode("ascii"), _BY_DECLARATION
    return "UTF-8", "XML's encoding where none is declared"


def _decoded(body: bytes | memoryview, encoding: str) -> Iterator[str]:
    """``body`` read as ``encoding``, a piece of text per :data:`_UNPACK_STEP` bytes; a byte
    that does not read raises UnicodeDecodeError with ``start``, where it is in ``body``."""
    decoder = codecs.getincrementaldecoder(encoding)()
    for start in range(0, len(body), _UNPACK_STEP):
        piece = body[start : start + _UNPACK_STEP]
        try:
            yield decoder.decode(piece, final=start + _UNPACK_STEP >= len(body))
        except UnicodeDecodeError as exc:
            held = len(exc.object) - len(piece)  # the bytes of the piece before, not read yet
            at = start - held + exc.start
            raise UnicodeDecodeError(exc.encoding, body, at, at + 1, exc.reason) from None


def xml_in_utf8(url: str, body: bytes, media: str = "") -> bytes:
    """SPARQL Results in XML ``body`` in UTF-8, the only encoding the engine's parser reads, read
    in the encoding its byte order mark, the charset of its Content-Type ``media`` or its XML
    declaration names (in that order, as RFC 7303 says; UTF-8 when none does), and with its
    declaration naming UTF-8, so that the checks before parsing read what the engine will.
    An answer whose bytes do not read in that encoding raises :class:`StoreError` with its line,
    as does one in an encoding Python does not know, unless its text is ASCII (read as it is), or
    in one that is no charset of the list in README.md (punycode, rot13). UTF-16 and UTF-32
    without a byte order mark are read big-endian (RFC 2781, 4.3).

    >>> latin = '<?xml version="1.0" encoding="ISO-8859-1"?><sparql>Caf\xe9</sparql>'
    >>> xml_in_utf8("http://h/q", latin.encode("latin-1")).decode("utf-8")
    '<?xml version="1.0" encoding="UTF-8"?><sparql>Café</sparql>'
    >>> xml_in_utf8("http://h/q", latin.replace("ISO-8859-1", "UTF-8").encode("latin-1"))
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q sent SPARQL Results in XML that does not read as UTF-8 (the encoding its XML declaration names; line 1 of the answer): configure the endpoint to answer in UTF-8, or with SPARQL Results in JSON
    >>> xml_in_utf8("http://h/q", b"-aaaa", "application/sparql-results+xml; charset=punycode")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q sent SPARQL Results in XML in the encoding 'punycode' (the charset its Content-Type names), which is not known here: configure the endpoint to answer in UTF-8, or with SPARQL Results in JSON
    """
    name, named_by = _xml_encoding(body, media)
    try:
        encoding = codecs.lookup(name).name
    except LookupError:
        encoding = ""
    if encoding not in _XML_CHARSETS:
        # a charset Python does not know reads ASCII as ASCII; its other codecs need not
        if body.isascii() and not encoding:
            return body
        raise StoreError(
            f"the SPARQL endpoint {url} sent SPARQL Results in XML in the encoding {name!r} "
            f"({named_by}), which is not known here: configure the endpoint to answer in UTF-8, "
            "or with SPARQL Results in JSON"
        ) from None
    if encoding == "utf-8" and body.isascii():
        return body
    if encoding in ("utf-16", "utf-32") and named_by != _BY_MARK:
        encoding += "-be"
    transcoded = io.BytesIO()
    try:
        for at, piece in enumerate(_decoded(body, encoding)):
            if at == 0:
                piece = piece.removeprefix("\ufeff")
                declared = _DECLARED_TEXT.match(piece)
                if declared is None and named_by == _BY_DECLARATION:
                    # the declaration itself does not read in the encoding it names
                    raise UnicodeDecodeError(encoding, body, 0, 1, "no declaration")
                if declared is not None:
                    piece = f'{declared["head"]}"UTF-8"{piece[declared.end() :]}'
            if encoding == "utf-8":  # only checked: the engine reads it as it is
                continue
            utf8 = piece.encode("utf-8")
            if transcoded.tell() + len(utf8) > MAX_ANSWER_BYTES:
                raise StoreError(
                    f"the SPARQL endpoint {url} sent an answer larger than "
                    f"{MAX_ANSWER_BYTES // 1024**2:,} MiB (in UTF-8); narrow the query"
                )
            transcoded.write(utf8)
    except UnicodeDecodeError as exc:
        before = memoryview(body)[: exc.start]  # no copy of up to MAX_ANSWER_BYTES
        line = 1 + sum(text.count("\n") for text in _decoded(before, encoding))
        raise StoreError(
            f"the SPARQL endpoint {url} sent SPARQL Results in XML that does not read as {name} "
            f"({named_by}; line {line:,} of the answer): configure the endpoint to answer in "
            "UTF-8, or with SPARQL Results in JSON"
        ) from None
    return body if encoding == "utf-8" else transcoded.getvalue()


#: The deepest the objects of a JSON answer or the elements of an XML one may nest: a table of
#: terms nests five levels, and RDF 1.2 triple terms two more each, which the engine's parsers
#: read by recursion: a 605 kB JSON answer of them nested 5,000 deep (50,000 in XML, 20,000 in
#: N-Triples) overflowed its stack and killed the process (sec22 M1).
MAX_ANSWER_DEPTH = 100


#: Each bracket of JSON as an open or a close one, and the bytes a bracket sequence leaves out
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


#: How many times the answer's size the rounds of :func:`_nests_within` may read, all rounds
#: together: an honest answer's rounds read a twenty-fifth of it (brackets are few among its
#: text, and most pairs go in the first round), the seeded test's documents at most one and a half
#: times; 256 MB of bracket groups 101 deep, which lose two bytes a group a round, had taken 100
#: rounds over the whole answer, 218 s (sec30 F2), where past this the exact scan looks instead.
_LOOK_PASSES = 2
#: How much of the answer :func:`_nests_within` takes at a time: its copies of a piece (escapes
#: and strings taken out, brackets kept, pairs peeled) are all it holds beside the answer, where
#: the same steps over the whole answer had held five copies of it (a 256 MB answer took the
#: process to 850 MB), and the clock is looked at before each piece and each round over one.
#: Splitting a piece at its quotes makes an object of each string (a MiB of an honest answer:
#: 16 MB of them), and smaller pieces than this are no faster.
_LOOK_BYTES = 1 << 16


def _nests_within(body: bytes, limit: int, deadline: float | None = None) -> bool:
    """Whether the objects and arrays of the JSON ``body`` surely nest no deeper than ``limit``,
    found at memory speed (a 16 MB answer in about a third of the exact scan's time), a
    :data:`_LOOK_BYTES` piece at a time: its strings taken out (escaped backslashes and quotes
    first, so that each quote left opens or closes one), its brackets kept, and the innermost
    pairs taken out once a level, a round each, until the piece's brackets are closing ones
    then opening ones. The levels open before the piece, the rounds and the opening brackets
    it leaves bound how deep it goes; a body that never passes ``limit`` so and closes all it
    opens is no deeper, and so is every start of it, which is all a parser reads before it
    stops at a fault. False says only that the exact scan must look, as it does once the rounds
    have read :data:`_LOOK_PASSES` times the answer (:func:`_bracket_rounds`). Past
    ``deadline`` (a :func:`time.monotonic` reading), looked at before each piece and each round,
    :class:`TimeoutError`.

    >>> _nests_within(b'{"a": "[[[\\\\"", "b": [[1]]}', 3), _nests_within(b'{"b": [[1]]}', 2)
    (True, False)
    """
    return _bracket_rounds(body, limit, deadline)[0]


def _bracket_rounds(
    body: bytes, limit: int, deadline: float | None = None
) -> tuple[bool, int]:
    """What :func:`_nests_within` says of ``body``, and how many bytes its rounds read: no more
    than :data:`_LOOK_PASSES` times the size of ``body``, the round that would pass that not made.

    >>> group = b"[" * 101 + b"]" * 101
    >>> _bracket_rounds(group * 1000, 100)  # 101 rounds over its first 64 KiB, a level each
    (False, 383496)
    """
    budget, read = _LOOK_PASSES * len(body), 0
    depth, in_string, escapes = 0, False, False
    for start in range(0, len(body), _LOOK_BYTES):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        piece = body[start : start + _LOOK_BYTES]
        if escapes:  # the byte a backslash ending the piece before escapes
            piece = piece[1:]
        # a run of backslashes pairs from its start: an odd one at the end escapes the next byte
        escapes = (len(piece) - len(piece.rstrip(b"\\"))) % 2 == 1
        if escapes:
            piece = piece[:-1]
        parts = piece.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
        outside = parts[1::2] if in_string else parts[::2]
        in_string ^= len(parts) % 2 == 0
        brackets = b"".join(outside).translate(_BRACKETS, _NOT_BRACKETS)
        rounds = 0
        while True:
            if read + len(brackets) > budget:
                return False, read
            read += len(brackets)
            peeled = brackets.replace(b"()", b"")
            if len(peeled) == len(brackets):
                break
            brackets, rounds = peeled, rounds + 1
            if depth + rounds > limit:
                return False, read
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError
        # what is left closes levels opened before the piece, then opens new ones: no pair
        # reaches deeper than the rounds above the levels open where it starts
        closing = len(brackets) if (at := brackets.find(b"(")) < 0 else at
        opening = len(brackets) - closing
        if closing > depth or depth + rounds + max(0, opening - closing) > limit:
            return False, read
        depth += opening - closing
    return depth == 0, read


def check_results_before_parsing(
    url: str, body: bytes, fmt: ox.QueryResultsFormat, reading: _Reading | None = None
) -> None:
    """Refuse, before the engine parses it, a JSON answer (any: its terms nest without naming a
    triple) or an XML answer with triple terms nested deeper than :data:`MAX_ANSWER_DEPTH` (the
    tab-separated parser refuses deep triple terms itself). The look at the depth of JSON, its
    exact scan (in Python, a bracket at a time) and expat's reading of XML (a MiB at a time) end
    at the deadline of ``reading`` (:class:`~atmpkg.graph.errors.QueryTimeoutError`).

    >>> deep = b'{"type":"triple","value":' * 101 + b"1" + b"}" * 101
    >>> check_results_before_parsing("http://h/q", deep, ox.QueryResultsFormat.JSON)
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q sent SPARQL Results in JSON nested more than 100 levels deep (line 1 of the answer), where a table of terms nests five: refused unparsed (RDF 1.2 triple terms nested deep crash the parser)
    """
    from . import csvdata

    # Every JSON answer is scanned, whatever words it holds: the engine reads a term with no
    # "type" (or one after its "value") whose value is an object as a triple term, so an answer
    # that never names "triple" crashed it 5,000 deep (sec29 F1). Fewer brackets than the limit
    # cannot nest past it, which a count finds at memory speed.
    deadline = None if reading is None else reading.deadline
    if fmt == ox.QueryResultsFormat.JSON:
        if body.count(b"{") + body.count(b"[") <= MAX_ANSWER_DEPTH:
            return
        try:
            if _nests_within(body, MAX_ANSWER_DEPTH, deadline):
                return
            line = csvdata.json_too_deep(body, MAX_ANSWER_DEPTH, deadline=deadline)
        except TimeoutError:
            raise QueryTimeoutError(reading.seconds) from None
    # Only triple terms nest past what the engine's XML parser refuses cleanly, and an XML
    # element's name has no escapes: an answer that cannot name one is not scanned (rev22 F2)
    elif fmt == ox.QueryResultsFormat.XML and b"triple" in body:
        try:
            where = csvdata.xml_too_deep(io.BytesIO(body), MAX_ANSWER_DEPTH, deadline=deadline)
        except TimeoutError:
            raise QueryTimeoutError(reading.seconds) from None
        except csvdata.EntitiesTooDeep as error:
            raise StoreError(
                f"the SPARQL endpoint {url} sent SPARQL Results in XML that declares more than "
                f"{MAX_ANSWER_DEPTH:,} entities naming other entities (line {error.line:,} of the "
                "answer), where a table of terms declares none: refused unparsed (a chain of XML "
                "entities crashes the parser)"
            ) from None
        except csvdata.NotWellFormed as error:
            # the engine's parser reads on past what expat stops at (a duplicate attribute, an
            # unknown entity), however deep the rest nests (sec23 H1): refused, not handed on
            raise StoreError(
                f"the SPARQL endpoint {url} sent SPARQL Results in XML that is not well-formed "
                f"({error.what}, line {error.line:,} of the answer): refused unparsed"
            ) from None
        line = None if where is None else where[0]
    else:
        return
    if line is not None:
        raise StoreError(
            f"the SPARQL endpoint {url} sent {fmt.name} nested more than "
            f"{MAX_ANSWER_DEPTH:,} levels deep (line {line:,} of the answer), where a table of "
            "terms nests five: refused unparsed (RDF 1.2 triple terms nested deep crash the parser)"
        )


#: The most variables the head of an answer may list when the query's columns are not known
#: (the library's own queries select a few): the engine reads a head in a time that grows with
#: the square of its variables, in native code that no time limit or signal interrupts (10,000:
#: 0.2 s; 100,000: 15 s; 1,000,000: about 25 minutes, sec29 F4).
MAX_ANSWER_VARIABLES = 1000
# A JSON head's list of variables, and each string in it up to its end
_JSON_VARS = re.compile(rb'"vars"\s*:\s*\[')
_JSON_VAR_ITEM = re.compile(rb'"(?:[^"\\]|\\.)*"|\]')
# An XML answer's head read as the engine's reader (quick-xml) splits a document: text up to a
# "<"; a comment to the first "-->" after its "<!--", a CDATA section to its "]]>", a processing
# instruction to its "?>", each to the end of the document when not closed; a tag to its first ">"
# outside quotes (quotes in its name count too), its name up to the first space, tab or line
# break or its "/>", the element's name being what follows the first ":" of it. A variable's tag
# is one of the name variable, as is (counted, being in no harmless answer) a tag whose name holds
# a quote or a "<"; the head ends at an end tag of the name head. Every repetition is possessive
# and every lazy one ends at a fixed string or the end, so that each byte is read a bounded
# number of times however the markup is nested or left open (linear time).
_XML_NAME_END = rb"(?:[ \t\r\n]|/?>)"
_XML_PREFIX = rb"(?:[^ \t\r\n:\"'<>]*+:)?"
_XML_TAG_REST = rb"(?:[^>\"']++|\"[^\"]*+\"?|'[^']*+'?)*+>?"
_XML_HEAD_TOKENS = re.compile(
    rb"(?:[^<]++"
    # first, at the speed of a plain loop, tags that are no variable's or the head's end: a name
    # of neither's first letter and no prefix, closed quotes
    + rb"|<[^!?/\"'<>v \t\r\n:][^ \t\r\n\"'<>:]*+(?:[ \t\r\n](?:[^<>\"']++|\"[^\"]*+\"|'[^']*+')*+)?>"
    + rb"|</[^!?/\"'<>h \t\r\n:][^ \t\r\n\"'<>:]*+[ \t\r\n]*+>"
    + rb"|<!--.*?(?:-->|\Z)"
    + rb"|<!\[CDATA\[.*?(?:\]\]>|\Z)"
    + rb"|<\?.*?(?:\?>|\Z)"
    # an end tag, unless the head's
    + rb"|</(?!" + _XML_PREFIX + rb"head[ \t\r\n>])" + _XML_TAG_REST
    # a start tag of a plain name other than variable
    + rb"|<(?![!?/]|" + _XML_PREFIX + rb"variable" + _XML_NAME_END + rb")"
    + rb"(?=[^ \t\r\n\"'<>]*+" + _XML_NAME_END + rb")" + _XML_TAG_REST
    + rb")*+"
    + rb"(?:(?P<declaration><!)|</|(?P<variable><)" + _XML_TAG_REST + rb"|\Z)",
    re.DOTALL,
)
# Where a DOCTYPE ends the reader finds by counting "<" and ">", which no expression does in
# linear time: from one on (or from other markup the reader refuses), every name that can be a
# variable's is counted, never fewer than the reader reads
_XML_ANY_VARIABLE = re.compile(rb"[<:]variable" + _XML_NAME_END)


def head_variables(body: bytes, fmt: ox.QueryResultsFormat) -> int:
    """How many variables the head of the results ``body`` lists, counted without parsing it:
    the strings of the longest ``"vars"`` list of JSON, the ``<variable>`` elements of XML, the
    fields of the first line of tab- or comma-separated values.

    >>> head_variables(b'{"head":{"vars":["a","b"]},"results":{"bindings":[]}}', ox.QueryResultsFormat.JSON)
    2
    >>> head_variables(b"?a\\t?b\\t?c\\n", ox.QueryResultsFormat.TSV)
    3
    """
    if fmt == ox.QueryResultsFormat.JSON:
        most = at = 0
        # each byte read once: a list is looked for only past the end of the one before
        while (found := _JSON_VARS.search(body, at)) is not None:
            count, at = 0, len(body)
            for item in _JSON_VAR_ITEM.finditer(body, found.end()):
                if item.group() == b"]":
                    at = item.end()
                    break
                count += 1
            most = max(most, count)
        return most
    if fmt == ox.QueryResultsFormat.XML:
        return _xml_head_variables(body) if b"variable" in body else 0
    end = body.find(b"\n")
    head = body if end < 0 else body[:end]
    return head.count(b"\t" if fmt == ox.QueryResultsFormat.TSV else b",") + 1 if head else 0


def _xml_head_variables(body: bytes) -> int:
    """How many ``<variable>`` elements the engine's reader finds in the head of the XML ``body``
    (and, where it stops at a fault, no fewer): not those in comments, CDATA sections, processing
    instructions or attribute values, nor any past the head's end.

    >>> _xml_head_variables(b'<sparql><head><!-- <variable name="x"/> --><variable name="a"/>'
    ...                     b'<link href="<variable name=\\'y\\'/>"/></head></sparql>')
    1
    """
    count = 0
    for part in _XML_HEAD_TOKENS.finditer(body):
        if part.group("variable") is not None:
            count += 1
        elif part.group("declaration") is not None:
            return count + sum(1 for _ in _XML_ANY_VARIABLE.finditer(body, part.start()))
        else:
            return count
    return count


def check_head_before_parsing(
    url: str, body: bytes, fmt: ox.QueryResultsFormat, columns: Sequence[str] | int | None
) -> None:
    """Refuse, before the engine parses it, an answer whose head lists more variables than the
    query's ``columns`` (a number of them for an ASK, whose answer Virtuoso writes as a table of
    one), or than :data:`MAX_ANSWER_VARIABLES` when they are not known.

    >>> check_head_before_parsing("http://h/q", b"?a\\t?b\\t?c\\n", ox.QueryResultsFormat.TSV, ["a"])
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q answered with 3 variables in the head of its results, where the query selects 1: refused unparsed
    """
    if columns is None:
        most, what = MAX_ANSWER_VARIABLES, f"an answer may list {MAX_ANSWER_VARIABLES:,}"
    elif isinstance(columns, int):
        most, what = columns, f"an ASK's answer may list {columns:,}"
    else:
        most, what = len(columns), f"the query selects {len(columns):,}"
    # a body shorter than the most cannot list more
    if len(body) <= most:
        return
    listed = head_variables(body, fmt)
    if listed > most:
        raise StoreError(
            f"the SPARQL endpoint {url} answered with {listed:,} variables in the head of its "
            f"results, where {what}: refused unparsed"
        )


def _table_as_boolean(
    url: str, parsed: ox.QuerySolutions, reading: _Reading
) -> ox.QueryBoolean | str | AtmpkgError:
    """Virtuoso's answer to an ASK, a table of one column ``__ASK_RETVAL``, as the boolean it
    stands for, read by the deadline of ``reading``; what is wrong with any other table."""
    if [variable.value for variable in parsed.variables] != ["__ASK_RETVAL"]:
        return f"the SPARQL endpoint {url} answered an ASK query with a table, not a boolean"
    truth = False
    for count, row in enumerate(parsed, 1):
        if count % _ROWS_PER_LOOK == 0 and _past(reading):
            return QueryTimeoutError(reading.seconds)
        if row[0] is not None and row[0].value in ("1", "true"):
            truth = True
            break
    return ox.parse_query_results(
        b'{"head":{},"boolean":%s}' % (b"true" if truth else b"false"), ox.QueryResultsFormat.JSON
    )


@dataclass(frozen=True)
class _Reading:
    """What bounds the reading of an answer's rows: the ``deadline`` (a :func:`time.monotonic`
    reading) of a time limit of ``seconds``, and the ``memory`` cap of the rows kept (None: none)."""

    deadline: float | None = None
    seconds: float | None = None
    memory: int | None = None


#: What the :class:`Row` around a row's terms costs (its two slots)
_ROW_BYTES = 48
#: What the Python object of a term costs as allocated (16-byte blocks), beside its text: an IRI
#: 56 bytes (64 allocated), a literal or a blank node 88 (96); its text is on the engine's own
#: heap, which tracemalloc does not see (:func:`_text_bytes`).
_IRI_BYTES, _LITERAL_BYTES = 64, 96
_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
#: How many rows are read between two looks at the clock: the engine reads about 100,000 empty
#: ones a second, and an answer of 10 KB of gzip can hold ten million (sec29 F5).
_ROWS_PER_LOOK = 4096


def _text_bytes(text: str) -> int:
    """What the engine's copy of ``text`` takes on its heap: none when empty, else its UTF-8 bytes
    and the allocator's 8-byte header rounded up to 16, at least 32 (glibc's malloc, which the
    engine's strings are made with).

    >>> _text_bytes(""), _text_bytes("Kymriah"), _text_bytes("x" * 100), _text_bytes("é" * 100)
    (0, 32, 112, 208)
    """
    if not text:
        return 0
    size = len(text) if text.isascii() else len(text.encode())
    return max(32, (size + 23) & ~15)


def term_bytes(term: Term) -> int:
    """What a term of a remote answer's row costs the process that holds it: its Python object and
    the engine's copies of its text (an IRI's, a blank node's name, a literal's value and its
    language tag or datatype IRI, the engine keeping none for ``xsd:string``).

    >>> term_bytes(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/kymriah"))
    128
    >>> term_bytes(ox.Literal("Kymriah", language="en")), term_bytes(ox.Literal("Kymriah"))
    (160, 128)
    >>> term_bytes(ox.Literal("2017", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    176
    """
    if isinstance(term, ox.NamedNode):
        return _IRI_BYTES + _text_bytes(term.value)
    cost = _LITERAL_BYTES + _text_bytes(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return cost + _text_bytes(term.language)
        datatype = term.datatype
        if datatype != _XSD_STRING:
            return cost + _text_bytes(datatype.value)
    return cost


def _past(reading: _Reading) -> bool:
    """Whether the deadline of ``reading`` has passed."""
    return reading.deadline is not None and time.monotonic() > reading.deadline


def _read_table(
    url: str,
    parsed: ox.QuerySolutions,
    bound: Mapping[ox.Variable, Term] | None,
    columns: Sequence[str] | None,
    limit: int | None,
    reading: _Reading,
) -> Solutions | str | AtmpkgError:
    """The rows of a SELECT answer as :func:`parse_results` gives them, read once, without a copy
    of the document; what is wrong with the first row that is, or the error of the time limit or
    memory cap of ``reading`` that the reading passed (made here, not raised, so that no frame
    the error keeps holds ``parsed``)."""
    variables = list(parsed.variables)
    names = [variable.value for variable in variables]
    asked = None if columns is None else set(columns)
    # A bound variable holds its term on every row, as in the embedded store, also where the
    # server left it out; with the columns unknown, only where the server bound it
    everywhere, where_bound = {}, {}
    for variable, term in (bound or {}).items():
        if asked is not None and variable.value in asked:
            if variable.value not in names:
                names.append(variable.value)
                variables.append(variable)
            everywhere[names.index(variable.value)] = term
        elif variable.value in names:
            where_bound[names.index(variable.value)] = term
    unasked = [] if asked is None else [at for at, name in enumerate(names) if name not in asked]
    padding = (None,) * (len(names) - len(parsed.variables))
    positions = {name: at for at, name in enumerate(names)}
    # a row kept costs what a row of the embedded store's answer costs its caller, the Row around
    # its terms, and its terms, each made for this row alone (a bound term is one object for all)
    cost = row_bytes(len(names)) + _ROW_BYTES
    made = [at for at in range(len(parsed.variables)) if at not in everywhere and at not in where_bound]
    made_all = len(made) == len(parsed.variables)
    held = 0
    rows: list[Row] = []
    for count, solution in enumerate(parsed, 1):
        if count % _ROWS_PER_LOOK == 0 and _past(reading):
            return QueryTimeoutError(reading.seconds)
        terms = tuple(solution)
        left = sorted(names[at] for at in unasked if terms[at] is not None)
        if left:
            listed = ", ".join(f"?{name}" for name in columns or ()) or "none"
            return (
                f"the SPARQL endpoint {url} answered with a column ?{left[0]}, which the query "
                f"does not ask for (its columns: {listed})"
            )
        if any(isinstance(term, ox.Triple) for term in terms):
            tripled = sorted(names[at] for at, t in enumerate(terms) if isinstance(t, ox.Triple))
            return (
                f"the SPARQL endpoint {url} answered with an RDF 1.2 triple term in "
                f"?{tripled[0]}; the graph is RDF 1.1 and holds none"
            )
        if limit is None or len(rows) < limit:
            if reading.memory is not None:
                # counted as each row is read: a row of long values can take megabytes
                kept = terms if made_all else [terms[at] for at in made]
                held += cost + sum(map(term_bytes, filter(None, kept)))  # a term is never false
                if held > reading.memory:
                    return QueryMemoryError(reading.memory, rows=len(rows) + 1)
            rows.append(Row(positions, _as_bound(terms + padding, everywhere, where_bound)))
    return Solutions(variables, rows, None if reading.memory is None else held)


def _as_bound(
    terms: tuple[Term | None, ...], everywhere: Mapping[int, Term], where_bound: Mapping[int, Term]
) -> tuple[Term | None, ...]:
    """A row's ``terms`` with the bound ones in place and Virtuoso's booleans 1 and 0 written as
    the embedded store writes them, true and false."""
    row = list(terms)
    for at, term in everywhere.items():
        row[at] = term
    for at, term in where_bound.items():
        if row[at] is not None:
            row[at] = term
    for at, term in enumerate(row):
        if (
            isinstance(term, ox.Literal)
            and term.value in _BOOLEAN_FORMS
            and term.datatype.value == _XSD_BOOLEAN
        ):
            row[at] = ox.Literal(_BOOLEAN_FORMS[term.value], datatype=term.datatype)
    return tuple(row)


class Row:
    """One row of a remote SELECT answer, read as a ``pyoxigraph.QuerySolution`` is (which Python
    cannot make): by position, by variable or by its name (None where it is unbound, or no column
    of the answer), or unpacked.

    >>> row = Row({"n": 0, "m": 1}, (ox.Literal("1"), None))
    >>> row[0].value, row["n"].value, row[ox.Variable("n")].value, row["m"], row["x"], len(row)
    ('1', '1', '1', None, None, 2)
    >>> n, m = row
    >>> row
    <Row n=<Literal value=1 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>>
    """

    __slots__ = ("_positions", "_terms")

    def __init__(self, positions: Mapping[str, int], terms: tuple[Term | None, ...]):
        self._positions, self._terms = positions, terms

    def __getitem__(self, key: int | str | ox.Variable) -> Term | None:
        if isinstance(key, int):
            return self._terms[key] if 0 <= key < len(self._terms) else None
        at = self._positions.get(key.value if isinstance(key, ox.Variable) else key)
        return None if at is None else self._terms[at]

    def __iter__(self) -> Iterator[Term | None]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __repr__(self) -> str:
        terms = ((name, self._terms[at]) for name, at in self._positions.items())
        return f"<Row {' '.join(f'{name}={term!r}' for name, term in terms if term is not None)}>"


class Solutions:
    """A SELECT answer of an endpoint, read to its end: its ``variables`` and its rows (each a
    :class:`Row`, read as iterating ``pyoxigraph.QuerySolutions`` gives them), and ``held``, the
    bytes its rows were counted at against the memory cap (None when read without one). Only the
    thread that made a ``QuerySolutions`` may drop it, and a caller's error may keep the frames
    that hold an answer until another thread's garbage collection frees them (sec20 F2): this
    holds none.

    >>> answer = Solutions([ox.Variable("n")], [Row({"n": 0}, (ox.Literal("1"),))])
    >>> [v.value for v in answer.variables], [row["n"].value for row in answer], answer.held
    (['n'], ['1'], None)
    """

    def __init__(self, variables: list[ox.Variable], rows: list[Row], held: int | None = None):
        self.variables, self.rows, self.held = variables, rows, held
        #: the row cap of the server that cut this answer (``ATMPKG-Truncated``), or None: set
        #: only for a query asked with ``cut=True`` (a user's, which says so in a note)
        self.cut: int | None = None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


class Triples(list):
    """A CONSTRUCT or DESCRIBE answer of an endpoint: its triples, ``held``, the bytes they were
    counted at against the memory cap, and ``cut``, as :attr:`Solutions.cut`.

    >>> answer = Triples([ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))])
    >>> len(answer), answer.held, answer.cut
    (1, 0, None)
    """

    held: int = 0
    cut: int | None = None


def cut_at(answer: Answer, read: Solutions | Sized) -> int | None:
    """The row cap at which the server cut ``answer`` (whose rows or triples are ``read``), as
    ``atmpkg serve`` says in its ``ATMPKG-Truncated`` header, or None for a whole answer. A
    header that is not a whole number still says the answer was cut: at the rows it holds.

    >>> cut_at(Answer(200, "OK", {"atmpkg-truncated": "10000"}, b""), []), cut_at(Answer(200, "OK", {}, b""), [])
    (10000, None)
    >>> cut_at(Answer(200, "OK", {"atmpkg-truncated": "many"}, b""), [1, 2])
    2
    """
    said = answer.headers.get(TRUNCATED.lower())
    if said is None:
        return None
    said = said.strip()
    held = len(read.rows) if isinstance(read, Solutions) else len(read)
    return int(said) if said.isdigit() and int(said) > 0 else held


def cut_error(url: str, cap: int) -> StoreError:
    """The error for an answer of the library's own that the server cut at its row cap ``cap``
    and that cannot be read page by page.

    >>> print(cut_error("http://h/sparql", 10000))
    the SPARQL endpoint http://h/sparql cut its answer at its row cap of 10,000 rows (ATMPKG-Truncated), and what is built from part of an answer would be wrong: raise the server's cap (atmpkg serve --max-rows), or read the store itself (--store)
    """
    return StoreError(
        f"the SPARQL endpoint {url} cut its answer at its row cap of {cap:,} rows "
        f"({TRUNCATED}), and what is built from part of an answer would be wrong: raise the "
        "server's cap (atmpkg serve --max-rows), or read the store itself (--store)"
    )


def page_order(checked: gate.CheckedQuery, variables: Sequence[str]) -> str | None:
    """What a query of the library's own is read in pages by, when a server cut its answer: the
    solution modifiers to add, ``ORDER BY`` the answer's ``variables`` (a SELECT's columns) or
    the variables of a CONSTRUCT's template, in a total order (of their values' text, language,
    datatype and kind), so that the pages neither overlap nor leave a row out; None for a query that has modifiers (or a VALUES block) of its own, or
    nothing to order by.

    >>> page_order(gate.check("SELECT ?n (COUNT(*) AS ?d) WHERE { ?n ?p ?o } GROUP BY ?n"), ["n", "d"])
    'ORDER BY STR(?n) LANG(?n) STR(DATATYPE(?n)) isIRI(?n) STR(?d) LANG(?d) STR(DATATYPE(?d)) isIRI(?d)'
    >>> page_order(gate.check("CONSTRUCT { ?n ?p ?o } WHERE { ?n ?p ?o }"), [])[:38]
    'ORDER BY STR(?n) LANG(?n) STR(DATATYPE'
    >>> page_order(gate.check("SELECT ?n WHERE { ?n ?p ?o } ORDER BY ?n"), ["n"]) is None
    True
    """
    tokens = checked.tokens
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
        elif depth == 0 and _word(token) in ("ORDER", "LIMIT", "OFFSET", "VALUES"):
            return None
    if checked.form == "CONSTRUCT":
        start = next(at for at, t in enumerate(tokens) if _word(t) == "CONSTRUCT") + 1
        if tokens[start].text != "{":
            return None  # CONSTRUCT WHERE: the library writes none
        template = tokens[start : _closing(tokens, start)]
        variables = list(dict.fromkeys(t.text[1:] for t in template if t.kind == "var"))
    if not variables:
        return None
    # By each value's text, language, datatype and kind, not by the value: the engine's order of
    # values of mixed kinds is no total order, and sorting a page of them stopped its process
    # ("comparison function does not correctly implement a total order"); these keys are each
    # text, or a truth value, or unbound
    return "ORDER BY " + " ".join(
        f"STR(?{n}) LANG(?{n}) STR(DATATYPE(?{n})) isIRI(?{n})" for n in variables
    )


#: The media types of a web page: what a login form, a proxy's error page or a server's home page
#: is sent as, at a URL that is not the endpoint's.
_WEB_PAGES = frozenset({"text/html", "application/xhtml+xml"})
#: A web page's markup: scripts and styles with their content, comments, tags. One left open
#: runs to the end of the text, so that a page of 64 KB of "<!--" is read once, not once from
#: each (sec27: 5 s of CPU per failed request).
_MARKUP = re.compile(
    r"<(script|style)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)|<[^>]*(?:>|\Z)",
    re.DOTALL | re.IGNORECASE,
)


def _web_page(media: str) -> bool:
    return media.split(";")[0].strip().lower() in _WEB_PAGES


def not_asked_for(url: str, media: str, body: bytes, asked: str) -> StoreError:
    """The error for an answer of a media type that is not what was ``asked`` (SPARQL results,
    RDF triples): the type, and the start of the text (of a web page, without its markup).

    >>> page = b"<html><head><title>Sign in</title></head><body><p>Log in to go on</p></body></html>"
    >>> str(not_asked_for("http://h/q", "text/html; charset=utf-8", page, "SPARQL results"))
    'the SPARQL endpoint http://h/q answered text/html, not SPARQL results (a login or error page?): Sign in Log in to go on'
    """
    kind = media.split(";")[0].strip().lower()
    text = body[:65536].decode("utf-8", "replace")
    page = kind in _WEB_PAGES
    if page:
        text = html.unescape(_MARKUP.sub(" ", text))
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    text = text if len(text) <= 200 else text[:200] + "…"
    return StoreError(
        f"the SPARQL endpoint {url} answered {kind}, not {asked}"
        + (" (a login or error page?)" if page else "")
        + (f": {text}" if text else "")
    )


#: What a triple of a CONSTRUCT or DESCRIBE answer costs the caller beside the text of its terms
#: (``len(str(triple))``, its N-Triples form, of which the engine's triple holds its own copy):
#: tracemalloc sees 184 bytes a triple (the Python object, the terms in it, its slot in the list)
#: and not the text, which the engine allocates itself, a block a term. A million triples read so
#: grew the process (RSS, without tracemalloc) by 296, 336, 377 and 1,323 bytes a triple for
#: N-Triples forms of 18, 59, 111 and 1,060 bytes: 263 to 278 beside the text. An answer's
#: triples cost what their text costs, not what the answer's bytes do: Turtle's "," makes a
#: triple of two bytes, and a prefix names a long IRI in a few.
_TRIPLE_BYTES = 288


def parse_triples(url: str, answer: Answer, reading: _Reading | None = None) -> Triples:
    """CONSTRUCT or DESCRIBE triples in the RDF format the answer's Content-Type names (N-Triples
    when it names none); an answer that does not parse, or holds an RDF 1.2 triple term (the
    graph is RDF 1.1), raises :class:`StoreError`, as does RDF/XML or JSON-LD that an import
    would refuse before parsing it (:func:`check_before_parsing`): XML entities or JSON-LD
    contexts that expand too far, elements nested too deep; and so does a literal, IRI or
    comment longer than the engine's parser reads in one piece (:func:`too_long`, RDF/XML's
    too: :func:`check_pieces`). The triples are read within the
    deadline and memory cap of ``reading``, as a SELECT answer's rows are, each counted at
    :data:`_TRIPLE_BYTES` and the text of its terms
    (:class:`~atmpkg.graph.errors.QueryTimeoutError`, :class:`~atmpkg.graph.errors.QueryMemoryError`).

    >>> parse_triples("http://h/q", Answer(200, "OK", {}, b'<urn:s> <urn:p> "o" .'))[0].object
    <Literal value=o datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    >>> parse_triples("http://h/q", Answer(200, "OK", {}, b'<urn:s> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> .'))
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q answered with an RDF 1.2 triple term (line 1 of the answer); the graph is RDF 1.1 and holds none
    >>> zeros = Answer(200, "OK", {"content-type": "text/turtle"}, b"<urn:s> <urn:p> " + b"0," * 9999 + b"0 .")
    >>> parse_triples("http://h/q", zeros, _Reading(memory=1024**2))
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.QueryMemoryError: query stopped: the 2,988 triples of its answer would take more than the 1 MiB memory cap; raise it with --memory/memory= or narrow the query
    """
    media = answer.headers.get("content-type", "")
    named = ox.RdfFormat.from_media_type(media)
    if named is None and _web_page(media):
        raise not_asked_for(url, media, answer.body, "RDF triples")
    fmt = named or ox.RdfFormat.N_TRIPLES
    if fmt == ox.RdfFormat.RDF_XML:
        check_pieces(url, answer.body, fmt, reading)
    if fmt in (ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD):
        check_before_parsing(url, answer.body, fmt)
    elif fmt in _TURTLE_FAMILY:
        from . import csvdata

        # refused unparsed: nested a few thousand deep, triple terms crash the parser (sec22 M1)
        line = csvdata.triple_term_line(answer.body)
        if line is not None:
            raise StoreError(
                f"the SPARQL endpoint {url} answered with an RDF 1.2 triple term (line {line:,} "
                "of the answer); the graph is RDF 1.1 and holds none"
            )
    read = _read_triples(url, answer.body, fmt, reading or _Reading())
    if isinstance(read, str):
        if named is None and media.strip():
            raise not_asked_for(url, media, answer.body, "RDF triples")
        raise StoreError(
            f"the SPARQL endpoint {url} sent triples that do not parse as {fmt.name}: {read}"
        )
    if isinstance(read, AtmpkgError):
        raise read
    return read


def _read_triples(
    url: str, body: bytes, fmt: ox.RdfFormat, reading: _Reading
) -> Triples | str | AtmpkgError:
    """The triples of ``body``, or the parser's words where it does not parse, or the error of
    a triple term, or of the deadline or memory cap of ``reading`` that the reading passed (made
    here, not raised, so that no frame an error keeps holds the triples read: a memory error
    would keep up to the cap's worth alive)."""
    triples = Triples()
    # What a SELECT answer's rows are counted at does not fit triples: a row names its terms,
    # where a triple holds its own copy of each term's text. Nor does the embedded store's rule
    # of at most 64 times the answer's size in copied text (answers.TRIPLE_TEXT_PER_BYTE), made
    # for its own JSON, which names each term once: an honest Turtle answer of integers after
    # "," copies some 40 times its size, and counting the text against the cap bounds what a
    # hostile one can make all the same (10 KB of gzip, 5.2 million triples, had taken 2.4 GB
    # past a cap of 256 MiB).
    used = 0
    try:
        for count, quad in enumerate(ox.parse(body, fmt)):
            if count % _ROWS_PER_LOOK == 0 and _past(reading):
                return QueryTimeoutError(reading.seconds)
            triple = quad.triple
            if isinstance(triple.subject, ox.Triple) or isinstance(triple.object, ox.Triple):
                return StoreError(
                    f"the SPARQL endpoint {url} answered with an RDF 1.2 triple term; the graph "
                    "is RDF 1.1 and holds none"
                )
            # each triple counted, not each 4,096: one can hold a megabyte of text
            used += _TRIPLE_BYTES + len(str(triple))
            if reading.memory is not None and used > reading.memory:
                return QueryMemoryError(reading.memory, triples=count + 1)
            triples.append(triple)
    except (SyntaxError, ValueError) as exc:
        return str(exc)
    except MemoryError as exc:
        from . import csvdata

        if not csvdata.buffer_full(exc):
            raise
        return StoreError(too_long(url, fmt))
    triples.held = used
    return triples


def too_long(url: str, fmt: ox.RdfFormat | ox.QueryResultsFormat) -> str:
    """What is told of an answer in ``fmt`` holding a literal, IRI or comment longer than the
    engine's parser reads in one piece, in the words an import of such a file gets
    (:func:`atmpkg.graph.store.csvdata.past_one_piece`).

    >>> too_long("http://h/q", ox.QueryResultsFormat.JSON)
    "the SPARQL endpoint http://h/q answered with a literal, IRI or comment longer than 8 MiB, more than the engine's parser reads in one piece: leave that value out of the query's answer, or ask for a part of it (SUBSTR) or its length (STRLEN)"
    """
    from . import csvdata

    return (
        f"the SPARQL endpoint {url} answered with a literal, IRI or comment "
        f"{csvdata.past_one_piece(fmt)}: leave that value out of the query's answer, or ask for a "
        "part of it (SUBSTR) or its length (STRLEN)"
    )


def check_pieces(
    url: str,
    body: bytes,
    fmt: ox.RdfFormat | ox.QueryResultsFormat,
    reading: _Reading | None = None,
) -> None:
    """Refuse an XML answer (SPARQL Results in XML, RDF/XML) with more than
    :data:`~atmpkg.graph.store.csvdata.ONE_PIECE` bytes of text between two ``<`` once its
    references are read (a literal, an IRI, a comment:
    :func:`~atmpkg.graph.store.csvdata.piece_past`, the rule an imported file is held to),
    which the engine's XML parser would read but its parsers of the other formats refuse
    (:func:`too_long`): what a query gives does not hang on the format the server chose, nor on
    how XML escapes it (4 MiB of ``&``, 20 MiB written as ``&amp;``, is read as in JSON). The
    look ends at the deadline of ``reading`` (:class:`~atmpkg.graph.errors.QueryTimeoutError`).

    >>> check_pieces("http://h/q", b"<literal>" + b"&amp;" * 4 * 1024**2 + b"</literal>", ox.RdfFormat.RDF_XML)
    >>> check_pieces("http://h/q", b"<literal>" + b"a" * 16 * 1024**2 + b"</literal>", ox.RdfFormat.RDF_XML)
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q answered with a literal, IRI or comment longer than 16 MiB once N-Triples writes it (a line break or a quote as two bytes, a reference as the character it stands for), more than the engine's parsers of the other formats read in one piece: leave that value out of the query's answer, or ask for a part of it (SUBSTR) or its length (STRLEN)
    """
    from . import csvdata

    try:
        at = csvdata.piece_past(body, deadline=None if reading is None else reading.deadline)
    except TimeoutError:
        raise QueryTimeoutError(reading.seconds) from None
    if at is not None:
        raise StoreError(too_long(url, fmt))


def check_before_parsing(url: str, body: bytes, fmt: ox.RdfFormat) -> None:
    """Refuse, before this process parses it, an answer in RDF/XML or JSON-LD that an import of
    it as a file would refuse (:func:`atmpkg.graph.store.csvdata.check_before_parsing`): an
    845-byte answer of nested XML entities asked the engine for 10 GB of text (sec21 F1). The
    error names the endpoint, and the answer's line where the import's check names one.

    >>> bomb = b'<!DOCTYPE r [<!ENTITY a "%s"><!ENTITY b "%s">]><r>&b;</r>' % (
    ...     b"x" * 4097, b"&a;" * 4096)
    >>> check_before_parsing("http://h/q", bomb, ox.RdfFormat.RDF_XML)
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the SPARQL endpoint http://h/q sent RDF/XML that is refused unparsed (line 1 of the answer): the XML entity &b; expands to 16,781,312 characters, more than 16,777,216 characters: entities nested to expand that far are a way to exhaust memory, not data; write the text out instead
    """
    import tempfile
    from pathlib import Path

    from ..errors import DataError
    from . import csvdata

    # The import's checks read a file (the last one in a process of its own, capped)
    with tempfile.TemporaryDirectory(prefix="atmpkg-answer-") as folder:
        path = Path(folder) / "answer"
        path.write_bytes(body)
        try:
            csvdata.check_before_parsing(csvdata.RdfFile(path, url, fmt, 0))
        except DataError as exc:
            where = "" if exc.line is None else f" (line {exc.line} of the answer)"
            raise StoreError(
                f"the SPARQL endpoint {url} sent {fmt.name} that is refused unparsed{where}: "
                f"{exc.message}"
            ) from None


def without_data(store: object) -> str | None:
    """Why ``store``, a remote store, holds no ATMP-KG data (:meth:`RemoteStore.without_data`);
    None for one that holds some, and for the embedded store, which a build fills.

    >>> without_data(ox.Store()) is None
    True
    """
    return store.without_data() if isinstance(store, RemoteStore) else None


def require_data(store: object) -> None:
    """Raise :class:`StoreError` saying why, where ``store`` holds no ATMP-KG data
    (:func:`without_data`): counts of zero, or no entity of a name, would read as an empty
    ATMP-KG or a misspelt name.

    >>> require_data(ox.Store())
    """
    missing = without_data(store)
    if missing:
        raise StoreError(missing) from None


def info_graph(graph: str) -> str:
    """The graph where :func:`push` keeps the build information of ``graph``.

    >>> info_graph("https://w3id.org/atmp-kg/graph")
    'https://w3id.org/atmp-kg/graph/build-info'
    """
    return graph.rstrip("/#") + "/build-info"


@dataclass
class RemoteHandle(StoreHandle):
    """An open remote store: ``store`` is a :class:`RemoteStore` and ``info`` what :func:`push`
    recorded about the build. It has no folder: ``root``, ``build_dir`` and ``oxigraph_path`` are
    None."""

    @property
    def oxigraph_path(self) -> None:
        """None: a remote store has no folder.

        >>> handle = RemoteHandle(None, None, RemoteStore("http://127.0.0.1:7878/query"), {})
        >>> handle.oxigraph_path is None
        True
        """
        return None

    @property
    def in_memory(self) -> bool:
        """False: the endpoint evaluates the queries, from its own store.

        >>> RemoteHandle(None, None, RemoteStore("http://127.0.0.1:7878/query"), {}).in_memory
        False
        """
        return False


def open_remote(endpoint: str | RemoteStore) -> RemoteHandle:
    """A handle on a SPARQL endpoint (a URL, or a :class:`RemoteStore` with its graph and time
    limit), with the build information that :func:`push` recorded there.

    >>> from atmpkg.graph.store.build import open_store
    >>> open_remote(endpoint).info["triples"] == open_store().info["triples"]  # as pushed
    True
    """
    remote = endpoint if isinstance(endpoint, RemoteStore) else RemoteStore(endpoint)
    return RemoteHandle(None, None, remote, remote.build_info())


def prefetch(
    store: ox.Store | RemoteStore, nodes: Iterable[ox.NamedNode | str], *, incoming: bool = True
) -> None:
    """:meth:`RemoteStore.prefetch` for a remote store, so that reading ``nodes`` one at a time
    takes a request per :data:`PREFETCH_BATCH` nodes, not one per node; nothing for an embedded
    store, which reads its own disk.

    >>> prefetch(ox.Store(), ["https://w3id.org/atmp-kg/id/company/cellco"])
    """
    if isinstance(store, RemoteStore):
        store.prefetch(nodes, incoming=incoming)


# --- push ---------------------------------------------------------------------------------------


@dataclass
class PushReport:
    """What :func:`push` loaded: where, into which graph, how many triples in how many batches,
    and over which protocol."""

    endpoint: str
    graph: str
    triples: int
    batches: int
    protocol: str
    seconds: float


#: Replaces (True) or extends (False) a graph with N-Triples data, within a time limit.
Writer = Callable[[str, bytes, bool, float], None]


def _graph_store_url(base: str, graph: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}graph={urllib.parse.quote(graph, safe='')}"


def _graph_store_request(
    url: str, graph: str, data: bytes, replace: bool, timeout: float
) -> Answer:
    return http_request(
        "PUT" if replace else "POST",
        _graph_store_url(url, graph),
        timeout=timeout,
        body=data,
        headers={"Content-Type": "application/n-triples", **auth_headers(url)},
    )


def graph_store_writer(url: str) -> Writer:
    """Write over the SPARQL 1.1 Graph Store Protocol at ``url``: PUT replaces the graph, POST
    adds to it.

    >>> graph_store_writer(graph_store)("urn:g", b'<urn:s> <urn:p> "o" .\\n', True, 10)
    >>> RemoteStore(endpoint, graph="urn:g").query("ASK { <urn:s> <urn:p> 'o' }")
    <QueryBoolean true>
    """

    def write(graph: str, data: bytes, replace: bool, timeout: float) -> None:
        answer = _graph_store_request(url, graph, data, replace, timeout)
        if not answer.ok:
            raise failure(url, answer)

    return write


def update_writer(url: str, refused: str = "") -> Writer:
    """Write with SPARQL 1.1 Update at ``url``: ``DROP SILENT GRAPH`` to replace, then
    ``INSERT DATA`` (N-Triples is valid SPARQL triple syntax), or ``INSERT … WHERE {}`` for a
    batch with blank nodes. ``refused`` is added to the error when the URL answers that it takes
    no such request.

    >>> update_writer(update_endpoint)("urn:u", b'<urn:s> <urn:p> "o" .\\n', True, 10)
    >>> len(RemoteStore(endpoint, graph="urn:u"))
    1
    """

    def send(operation: str, timeout: float) -> None:
        answer = http_request(
            "POST",
            url,
            timeout=timeout,
            body=urllib.parse.urlencode({"update": operation}).encode("utf-8"),
            headers={"Content-Type": _FORM, **auth_headers(url)},
        )
        nonlocal refused
        if not answer.ok:
            error = failure(url, answer)
            if refused and answer.status in _NO_GRAPH_STORE:
                raise StoreError(f"{error}. {refused}")
            raise error
        refused = ""  # it took a write: a later refusal is about that request, not the URL

    def write(graph: str, data: bytes, replace: bool, timeout: float) -> None:
        name = ox.NamedNode(graph)
        if replace:
            send(f"DROP SILENT GRAPH {name}", timeout)
        if not data:
            return
        triples = data.decode("utf-8")
        if b"_:" in data:
            # Virtuoso refuses blank nodes in INSERT DATA; a template inserts them, one fresh
            # node per label, on every server
            send(f"INSERT {{ GRAPH {name} {{\n{triples}}} }} WHERE {{}}", timeout)
        else:
            send(f"INSERT DATA {{ GRAPH {name} {{\n{triples}}} }}", timeout)

    return write


def _allows_put(url: str, timeout: float) -> bool:
    """False when ``url`` says (OPTIONS, Allow header) that it takes no PUT. Virtuoso's query
    endpoint, for one, reads a PUT as a WebDAV upload and waits for the client to close the
    connection: asking first spares the wait for the time limit."""
    answer = http_request("OPTIONS", url, timeout=timeout, headers=auth_headers(url))
    allow = answer.headers.get("allow")
    return not (answer.ok and allow is not None and "PUT" not in allow.upper())


def first_write(
    endpoint: str,
    update_endpoint: str | None,
    graph_store: str | None,
    graph: str,
    data: bytes,
    timeout: float,
) -> tuple[Writer, str]:
    """Replace ``graph`` with the first batch, and remove the record of the build it held
    (:func:`info_graph`: until the push ends, nothing says the graph is whole); return the writer
    for the other batches, with the name of its protocol: the Graph Store Protocol at
    ``graph_store``, or when none is given, at the endpoint if it speaks it, else SPARQL Update at
    ``update_endpoint`` (default: the endpoint).

    >>> write, protocol = first_write(
    ...     endpoint, None, graph_store, "urn:f", b'<urn:s> <urn:p> "o" .\\n', 10)
    >>> protocol
    'Graph Store Protocol'
    """
    if graph_store is not None or _allows_put(endpoint, timeout):
        url = graph_store or endpoint
        answer = _graph_store_request(url, graph, data, True, timeout)
        if answer.ok:
            write = graph_store_writer(url)
            write(info_graph(graph), b"", True, timeout)
            return write, "Graph Store Protocol"
        if graph_store is not None or answer.status not in _NO_GRAPH_STORE:
            raise failure(url, answer)
    refused = ""
    if update_endpoint is None:
        refused = (
            f"{endpoint} takes neither Graph Store Protocol nor SPARQL Update writes: give the "
            "server's update URL with --update-endpoint (update_endpoint=) or its Graph Store URL "
            "with --graph-store (graph_store=); for oxigraph serve, /update or /store"
        )
    write = update_writer(update_endpoint or endpoint, refused)
    # The graph is dropped before its first batch goes in: the record goes first, so that a
    # batch refused leaves none
    write(info_graph(graph), b"", True, timeout)
    write(graph, data, True, timeout)
    return write, "SPARQL Update"

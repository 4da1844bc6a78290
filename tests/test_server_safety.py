"""The HTTP door of ``atmpkg serve`` under attack: requests from web pages on other sites, clients
that trickle bytes or hold connections open, floods of long queries, workers that reach their memory
cap, crash or try the network, and huge values in entity pages.

Every server here is real, on 127.0.0.1 and a free port; clients are real sockets, processes and
Chromium (Debian's, driven by Playwright). Timing bounds are generous except where the server
promises one (an answer within a second)."""

from __future__ import annotations

import html
import http.client
import http.server
import json
import multiprocessing
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FILE_ACCESS_ONLY, HUGE, capabilities

from atmpkg.graph.display.viewpage import vis_assets
from atmpkg.graph.engine.child import UnreadableAnswerError
from atmpkg.graph.engine.sandbox import DEFAULT_MEMORY, describe_death
from atmpkg.graph.errors import ParameterError, QueryMemoryError, StoreError
from atmpkg.graph.server import http as server_module
from atmpkg.graph.server import protocol
from atmpkg.graph.server.http import make_server
from atmpkg.graph.server.protocol import HttpError
from atmpkg.graph.server.workers import QUERY_NICE, JobTimeout, WorkerPool, _Worker

FIXTURE_DATA = Path(__file__).parent / "data" / "fixture"
THERAPIES = "SELECT ?t ?l WHERE { ?t a atmp:Therapy ; rdfs:label ?l } ORDER BY ?t"
# A cross product of the whole store with itself, three times: runs far longer than any limit here.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# The same product, sorted: every row is held in memory at once.
GREEDY = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ASK_FORM = b"query=ASK%7B%7D"


@pytest.fixture(scope="module")
def server(fixture_store):
    """The server as a user starts it (2 workers and the quick one), with a 10 s time limit."""
    srv = make_server(fixture_store, port=0, timeout=10).start()
    yield srv
    srv.shutdown()


def address(srv) -> tuple[str, int]:
    url = urllib.parse.urlsplit(srv.url)
    return url.hostname, url.port


def request(srv, method, path, body=None, headers=None):
    """One HTTP request on a new connection; returns (status, headers, body) whatever the status."""
    host, port = address(srv)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def get(srv, path, headers=None):
    return request(srv, "GET", path, headers=headers)


def sparql_get(srv, text, **params):
    return get(srv, "/sparql?" + urllib.parse.urlencode({"query": text, **params}))


def wait_for(condition, seconds=30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def cors_headers(headers) -> list[str]:
    return [name for name in headers if name.lower().startswith("access-control-")]


# --- requests from web pages on other sites -------------------------------------------------------

# The headers Chromium sends with each kind of request a page on http://evil.example can make.
EVIL = "http://evil.example"
CROSS_SITE_POSTS = {
    "fetch": {
        "Origin": EVIL,
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "cors",
        "Sec-Fetch-Dest": "empty",
    },
    "no-cors fetch": {
        "Origin": EVIL,
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "no-cors",
        "Sec-Fetch-Dest": "empty",
    },
    "form": {
        "Origin": EVIL,
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
    },
    "browser without fetch metadata": {"Origin": EVIL},
}


@pytest.mark.parametrize("kind", sorted(CROSS_SITE_POSTS))
def test_cross_site_posts_are_refused_and_say_how_to_allow_the_origin(server, kind):
    status, headers, body = request(
        server, "POST", "/sparql", ASK_FORM, {**FORM, **CROSS_SITE_POSTS[kind]}
    )
    assert status == 403
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body.decode() == (
        "cross-site request refused: a page at http://evil.example may not send requests to "
        "this server, which would run them on your behalf. To allow that origin, start the "
        "server with --cors http://evil.example (Python: make_server(..., "
        "cors=['http://evil.example'])); --cors may be given once per origin.\n"
    )
    assert not cors_headers(headers)


def test_other_origins_on_this_machine_and_opaque_origins_are_refused(server):
    host, port = address(server)
    # Another local web app (another port: same site, other origin), a sandboxed frame or file:
    # page (Origin: null), and a page that hides its origin (no Origin, only Sec-Fetch-Site).
    for headers, named in (
        ({"Origin": f"http://127.0.0.1:{port + 1}", "Sec-Fetch-Site": "same-site"}, True),
        ({"Origin": f"http://localhost:{port}", "Sec-Fetch-Site": "cross-site"}, True),
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}, False),
    ):
        status, _, body = request(server, "POST", "/sparql", ASK_FORM, {**FORM, **headers})
        assert status == 403, headers
        text = body.decode()
        if named:
            assert f"--cors {headers['Origin']} " in text
        else:
            assert "--cors ORIGIN " in text


def test_cross_origin_reads_preflights_and_subresources_are_refused(server):
    for method, headers in (
        # fetch("…/sparql?query=…") from another site, a script reading the answer
        ("GET", {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}),
        # the preflight of a non-simple request (a POST with Content-Type application/sparql-query)
        (
            "OPTIONS",
            {
                "Origin": EVIL,
                "Sec-Fetch-Site": "cross-site",
                "Sec-Fetch-Mode": "cors",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        ),
        # <img src="…/sparql?query=…">: runs the query for nothing
        (
            "GET",
            {
                "Sec-Fetch-Site": "cross-site",
                "Sec-Fetch-Mode": "no-cors",
                "Sec-Fetch-Dest": "image",
            },
        ),
        # <object data="…">, <iframe src="…">, <frame>, <embed>: navigations that embed, which a
        # page can hide and repeat to keep the workers busy
        *(
            (
                "GET",
                {
                    "Sec-Fetch-Site": "cross-site",
                    "Sec-Fetch-Mode": "navigate",
                    "Sec-Fetch-Dest": dest,
                },
            )
            for dest in ("object", "iframe", "frame", "embed")
        ),
    ):
        status, response_headers, body = request(
            server, method, "/sparql?query=ASK%7B%7D", headers=headers
        )
        assert status == 403, (method, headers)
        assert body.startswith(b"cross-site request refused: ")
        assert not cors_headers(response_headers)


def test_same_origin_pages_links_and_non_browser_clients_are_served(server):
    host, port = address(server)
    own = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
    for headers in (
        {**own, "Origin": server.url},  # the query page's own POST
        {**own, "Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"},
        {},  # curl, SPARQLWrapper, rdflib: no Origin, no Sec-Fetch-*
    ):
        status, _, body = request(server, "POST", "/sparql", ASK_FORM, {**FORM, **headers})
        assert status == 200, headers
        assert json.loads(body)["boolean"] is True
    for headers in (
        # a link to an entity followed from another site, and a URL typed in the address bar
        {
            "Sec-Fetch-Site": "cross-site",
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Dest": "document",
        },
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
    ):
        status, _, body = get(server, "/id/therapy/alphacel", {**headers, "Accept": "text/html"})
        assert status == 200, headers
        assert b"<h1>Alphacel</h1>" in body


def test_cors_is_an_allow_list_of_origins(fixture_store):
    allowed = ["http://app.example", "HTTPS://Other.example:443/"]
    with make_server(fixture_store, port=0, workers=1, cors=allowed).start() as srv:
        for origin in ("http://app.example", "https://other.example"):
            headers = {"Origin": origin, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
            status, response_headers, _ = request(
                srv, "POST", "/sparql", ASK_FORM, {**FORM, **headers}
            )
            assert status == 200, origin
            assert response_headers["Access-Control-Allow-Origin"] == origin
            assert response_headers["Vary"] == "Accept, Accept-Encoding, Origin"
            preflight = {**headers, "Access-Control-Request-Method": "POST"}
            status, response_headers, _ = request(srv, "OPTIONS", "/sparql", headers=preflight)
            assert status == 204
            assert response_headers["Access-Control-Allow-Origin"] == origin
            assert response_headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"
        status, response_headers, body = request(
            srv, "POST", "/sparql", ASK_FORM, {**FORM, **CROSS_SITE_POSTS["fetch"]}
        )
        assert status == 403 and b"--cors http://evil.example " in body
        assert not cors_headers(response_headers)
    with pytest.raises(ParameterError, match="origins such as https://app.example"):
        make_server(fixture_store, port=0, cors=["app.example/path"])


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    """A page on another site that tries to query the server, by fetch and by a form."""

    target = ""

    def do_GET(self) -> None:
        page = f"""<!doctype html><html><body>
<form id="form" method="post" action="{self.target}/sparql">
<input name="query" value="SELECT * WHERE {{ ?s ?p ?o }}"></form>
<script>
window.outcome = fetch("{self.target}/sparql", {{
  method: "POST", body: new URLSearchParams({{ query: "ASK {{}}" }}),
}}).then((r) => "read " + r.status, (e) => "blocked: " + e.name);
</script></body></html>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_page_on_another_site_cannot_query_the_server_in_chromium(server, browser, server_log):
    handler = type("Attacker", (_AttackerPage,), {"target": server.url})
    attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    # localhost and 127.0.0.1 are different sites: the attacker's page is cross-site.
    attacker_url = f"http://localhost:{attacker.server_address[1]}/"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(attacker_url)
        assert page.evaluate("window.outcome") == "blocked: TypeError"
        page.evaluate("document.getElementById('form').submit()")
        page.wait_for_url(server.url + "/sparql")
        assert (
            page.locator("body")
            .inner_text()
            .startswith(
                f"cross-site request refused: a page at {attacker_url.rstrip('/')} may not send"
            )
        )
        posts = [m for m in server_log.messages if '"POST /sparql HTTP/1.1"' in m]
        assert len(posts) == 2 and all('" 403 ' in m for m in posts), posts
        # The server's own query page, in the same browser, still runs its POSTs.
        page.goto(server.url + "/?" + urllib.parse.urlencode({"query": THERAPIES}))
        rows = page.locator("#yasgui .tabPanel.active .yasr_results tbody tr")
        rows.nth(2).wait_for()
        assert rows.count() == 3
    finally:
        context.close()
        attacker.shutdown()
        attacker.server_close()


# --- requests whose framing or encoding is wrong ------------------------------------------------


def raw(srv, data: bytes) -> bytes:
    """Send ``data`` on a new connection and read what the server sends until it closes it."""
    sock = socket.create_connection(address(srv), timeout=10)
    try:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer
    finally:
        sock.close()


SMUGGLED = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n\r\n"


@pytest.mark.parametrize(
    "lengths",
    [[b"abc"], [b"-1"], [b"+5"], [b" 5 5"], [b"5", b"0"], [b"0", b"5"]],
    ids=["letters", "negative", "signed", "two numbers", "two values", "two values, 0 first"],
)
def test_a_content_length_that_does_not_read_is_400_and_its_body_is_never_a_request(
    server, lengths
):
    head = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"Content-Type: application/sparql-query\r\n"
    head += b"".join(b"Content-Length: " + n + b"\r\n" for n in lengths)
    answer = raw(
        server, head + b"\r\n" + SMUGGLED.replace(b"127.0.0.1", b"%b" % address(server)[0].encode())
    )
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.count(b"HTTP/1.1") == 1  # one answer, then the connection was closed
    assert answer.endswith(
        b"the Content-Length header must be one whole number of bytes, given once; leave it out "
        b"when there is no body\n"
    )


def test_a_chunked_body_is_refused_whatever_the_method_and_never_read_as_a_request(server):
    head = b"GET /health HTTP/1.1\r\nHost: %b\r\nTransfer-Encoding: chunked\r\n\r\n" % (
        f"{address(server)[0]}:{address(server)[1]}".encode()
    )
    answer = raw(server, head + b"0\r\n\r\n" + SMUGGLED)
    assert answer.startswith(b"HTTP/1.1 411 ")
    assert answer.count(b"HTTP/1.1") == 1


@pytest.mark.parametrize("name", [b"Transfer-Encoding ", b"Transfer-Encoding\t", b"Content-Length "])
def test_a_header_name_with_white_space_is_refused(server, name):
    # a proxy in front may read "Transfer-Encoding : chunked" as the header, which Python's parser
    # keeps under another name: the two would disagree on where the body ends
    head = b"POST /sparql HTTP/1.1\r\nHost: %b\r\nContent-Type: application/sparql-query\r\n" % (
        f"{address(server)[0]}:{address(server)[1]}".encode()
    )
    value = b"chunked" if name.startswith(b"Transfer") else b"4"
    head += b"Content-Length: 4\r\n" if name.startswith(b"Transfer") else b""
    answer = raw(server, head + name + b": " + value + b"\r\n\r\nASK " + SMUGGLED)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.count(b"HTTP/1.1") == 1
    assert answer.endswith(
        b"a line of the request's head is no header: write 'Name: value', no space before the "
        b"colon\n"
    )


@pytest.mark.parametrize(
    ("line", "status", "message"),
    [
        (b"GARBAGE", 400, b"Bad request syntax ('GARBAGE')"),
        (b"GET / HTTP/9.9", 505, b"Invalid HTTP version (9.9)"),
        (b"GET /sparql HTTP/1.1 extra", 400, b"Bad request version ('extra')"),
        (b"GET /health", 505, b"HTTP/0.9 is not served; send HTTP/1.1 (or 1.0) requests"),
        (b"GARBAGE /health", 400, b"Bad HTTP/0.9 request type ('GARBAGE')"),
    ],
)
def test_a_malformed_request_line_gets_a_status_line(server, line, status, message):
    answer = raw(server, line + b"\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 %d " % status), answer
    assert answer.endswith(message + b"\n")


def test_an_http_0_9_request_is_answered_at_once(server):
    # its line is all an HTTP/0.9 client sends: no headers, no blank line after them
    started = time.monotonic()
    answer = raw(server, b"GET /health\r\n")
    assert answer.startswith(b"HTTP/1.1 505 ")
    assert answer.endswith(b"HTTP/0.9 is not served; send HTTP/1.1 (or 1.0) requests\n")
    assert time.monotonic() - started < 5  # not the 10 s the head may take


@pytest.mark.parametrize("space", [" ", "\t"])
def test_a_host_header_with_white_space_around_it_is_served(server, space):
    host, port = address(server)
    status, _, body = get(
        server, "/sparql", {"Host": f"{host}:{port}{space}", "Accept": "text/turtle"}
    )
    assert status == 200
    assert f"<http://{host}:{port}/sparql>".encode() in body


def test_percent_encoded_bytes_that_are_not_utf8_are_400_not_replaced(server):
    latin1 = "SELECT%20?x%20%7B%20BIND(%22caf%E9%22%20AS%20?x)%20%7D"
    status, _, body = get(server, "/sparql?query=" + latin1)
    assert (status, body) == (
        400,
        b"the URL's query string holds percent-encoded bytes that are not UTF-8; encode text as "
        b"UTF-8\n",
    )
    status, _, body = request(server, "POST", "/sparql", b"query=" + latin1.encode(), FORM)
    assert (status, body) == (
        400,
        b"the form holds percent-encoded bytes that are not UTF-8; encode text as UTF-8\n",
    )
    status, _, body = sparql_get(server, 'SELECT ?x { BIND("café" AS ?x) }', format="csv")
    assert (status, body) == (200, "x\r\ncafé\r\n".encode())


def test_an_empty_query_says_so(server):
    for text in ("", "   ", "# only a comment\n"):
        status, _, body = sparql_get(server, text)
        assert (status, body) == (
            400,
            b"the query is empty: give SPARQL in query= (or as the body)\n",
        ), text


#: The empty-query check before sec27 F2: a run of n '#' could be split into comments 2^n ways.
OLD_BLANK = re.compile(r"(?:\s|#[^\n\r]*)*")


def test_the_empty_query_check_says_what_it_said_and_reads_a_run_of_hashes_once():
    """sec27 F2: 40 '#' and a query froze the whole server (2^40 ways to read them)."""
    pieces = ("#", "##", "#x", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "x", "S")
    rng = random.Random(27)
    blank = {True: 0, False: 0}
    for _ in range(20_000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        said = protocol._BLANK.fullmatch(text) is not None
        assert said == (OLD_BLANK.fullmatch(text) is not None), repr(text)
        blank[said] += 1
    assert min(blank.values()) > 3_000
    # linear by construction: the loop is possessive, never going back to read a turn otherwise
    assert protocol._BLANK.pattern.endswith(")*+")
    assert protocol._BLANK.fullmatch("#" * 1_000_000 + "\nx") is None  # 2^1,000,000 ways before
    assert protocol._BLANK.fullmatch("#" * 1_000_000 + "\n \t# x") is not None


def test_a_run_of_hashes_before_a_query_is_400_and_the_server_goes_on_answering(server):
    """sec27 F2: ``/sparql?query=`` 40 '#' then a line ``x`` held every thread of the server for
    hours (/health too); a web page on another site could send it as a link."""
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    path = "/sparql?" + urllib.parse.urlencode({"query": "#" * 40 + "\nx"})
    status, _, body = get(server, path, {**navigation, "Sec-Fetch-Dest": "document"})
    assert (status, body[:22]) == (400, b"SPARQL syntax error at")
    hashes = b"#" * 999_998 + b"\nx"  # the longest query the server reads
    status, _, body = request(
        server, "POST", "/sparql", hashes, {"Content-Type": "application/sparql-query"}
    )
    assert (status, body[:22]) == (400, b"SPARQL syntax error at")
    assert get(server, "/health")[0] == 200
    assert sparql_get(server, "ASK {}", format="csv")[::2] == (200, b"true\n")


def test_queries_too_large_or_too_deep_are_400_not_403(server):
    status, _, body = request(
        server,
        "POST",
        "/sparql",
        ("SELECT * " + "{" * 300 + "}" * 300).encode(),
        {"Content-Type": "application/sparql-query"},
    )
    assert (status, body[:40]) == (400, b"the query nests brackets 300 deep; at mo")
    # the same brackets behind a less-than the gate once read as an IRI's start up to "#>"
    hidden = "ASK { FILTER(1<" + "(" * 300 + "1" + ")" * 300 + "#>\n) }"
    status, _, body = request(
        server, "POST", "/sparql", hidden.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert (status, body[:40]) == (400, b"the query nests brackets 302 deep; at mo")
    # a string never closed is malformed before the engine sees it, on both doors
    for path in ("/sparql", "/graph"):
        status, _, body = get(server, f"{path}?" + urllib.parse.urlencode({"query": 'ASK { "x }'}))
        assert (status, body) == (400, b"line 1: a string opened here is never closed\n"), path
    status, _, body = request(
        server,
        "POST",
        "/sparql",
        ("SELECT * { FILTER(" + "!" * 5000 + "true) }").encode(),
        {"Content-Type": "application/sparql-query"},
    )
    assert (status, body[:36]) == (400, b"the query has 5,001 operators (patte")  # and SELECT *


def test_checking_a_query_stops_at_the_time_limit(fixture_store):
    """sec19 S19-2: the gate's work on a text counts against the time limit, so that a crafted
    text cannot hold a large check's place longer than a query may run."""
    text = "ASK { FILTER(1<" + "a>" * 200_000 + ") }"
    with make_server(fixture_store, port=0, workers=1, timeout=0.01).start() as srv:
        headers = {"Content-Type": "application/sparql-query"}
        for path in ("/sparql", "/graph"):
            status, _, body = request(srv, "POST", path, text.encode(), headers)
            assert (status, body) == (
                503,
                b"checking the query took past the 0.01 s time limit; shorten the query\n",
            ), path
    # rev19 R19-3: the limit counts from the request, the wait for a large check's place
    # included, and what the check leaves is the query's (the run then gets no more)
    slots = threading.BoundedSemaphore(1)
    slots.acquire()  # another large text is being checked
    with pytest.raises(HttpError) as caught:
        server_module._checked(text, slots, 5, time.monotonic() - 5)
    assert (caught.value.status, caught.value.message) == (
        503,
        "the server is checking other large queries; retry shortly",
    )
    slots.release()
    with pytest.raises(HttpError) as caught:
        server_module._checked(text, slots, 5, time.monotonic() - 5)
    assert (caught.value.status, caught.value.message) == (
        503,
        "checking the query took past the 5 s time limit; shorten the query",
    )


def test_a_timeout_above_the_limit_is_capped_not_refused(server):
    for value in ("1e999", "inf", "60"):
        status, _, body = sparql_get(server, "ASK {}", timeout=value)
        assert (status, json.loads(body)["boolean"]) == (200, True), value
    status, _, body = sparql_get(server, "ASK {}", timeout="nan")
    assert (status, body) == (400, b"timeout must be a positive number of seconds, got 'nan'\n")


# --- clients that trickle or hold connections --------------------------------------------------


def trickle(srv, first: bytes, rest: bytes, seconds: float) -> tuple[float, int, bytes]:
    """Send ``first`` at once, then ``rest`` one byte every 0.2 s until the server answers or closes
    the connection (or ``seconds`` pass): how long that took, how many bytes of ``rest`` went, and
    what the server sent."""
    sock = socket.create_connection(address(srv), timeout=10)
    sock.sendall(first)
    started, sent, answer = time.monotonic(), 0, b""
    try:
        while time.monotonic() - started < seconds and sent < len(rest):
            try:
                sock.sendall(rest[sent : sent + 1])
            except OSError:
                break  # closed by the server
            sent += 1
            # poll, not select: the suite's process may hold descriptors past 1,024
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
            if poller.poll(200):
                try:
                    while chunk := sock.recv(65536):
                        answer += chunk
                except OSError:
                    pass
                break
        return time.monotonic() - started, sent, answer
    finally:
        sock.close()


def test_a_client_trickling_its_head_is_cut_off_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(server_module, "HEAD_TIMEOUT", 2.0)
    host, port = address(server)
    head = f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}:{port}\r\nX-Pad: ".encode()
    elapsed, sent, answer = trickle(server, b"", head + b"a" * 200, seconds=12)
    assert 1.9 <= elapsed < 4, elapsed  # the whole head was due within 2 s, whatever came in
    assert sent >= 8  # it kept sending all along
    assert answer == b""  # closed without an answer: the request never ran


def test_an_idle_connection_is_closed_at_the_head_deadline(server, monkeypatch):
    monkeypatch.setattr(server_module, "HEAD_TIMEOUT", 1.0)
    sock = socket.create_connection(address(server), timeout=10)
    started = time.monotonic()
    try:
        assert sock.recv(1) == b""
    finally:
        sock.close()
    assert 0.9 <= time.monotonic() - started < 3


def test_a_body_that_does_not_arrive_in_time_is_408(server, monkeypatch):
    monkeypatch.setattr(server_module, "BODY_TIMEOUT", 1.0)
    host, port = address(server)
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/sparql-query\r\nContent-Length: 200\r\n\r\n"
    ).encode()
    elapsed, sent, answer = trickle(server, head, b" " * 200, seconds=12)
    assert 0.9 <= elapsed < 4, elapsed
    assert sent >= 4
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b"\r\n\r\nthe request body did not arrive within 1 s\n")
    assert b"Connection: close" in answer


def test_idle_connections_do_not_lock_new_clients_out(server):
    limit = server.slots.limit
    assert limit == 256
    wait_for(lambda: server.slots.count() == 0)  # the connections of earlier tests are gone
    idle = []
    try:
        for _ in range(limit + 44):
            idle.append(socket.create_connection(address(server), timeout=10))
        wait_for(lambda: server.slots.count() == limit)
        started = time.monotonic()
        status, _, body = sparql_get(server, THERAPIES)
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3
        assert get(server, "/health")[0] == 200
        assert time.monotonic() - started < 2
        for sock in idle:
            sock.setblocking(False)

        def closed_so_far() -> list[bool]:
            found = []
            for sock in idle:
                try:
                    found.append(sock.recv(1) == b"")
                except BlockingIOError:
                    found.append(False)
                except OSError:  # already seen closed: a reset on the second read
                    found.append(True)
            return found

        # The evicted connections are closed by the server's threads: their ends arrive a moment
        # apart on a busy machine, so look until the first 45 have arrived (or 5 s have passed).
        deadline = time.monotonic() + 5
        closed = closed_so_far()
        seen = list(closed)
        while not all(seen[:45]) and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = [a or b for a, b in zip(seen, closed_so_far(), strict=True)]
        closed = seen
        # The longest-waiting connections gave their places, in order; the newest kept theirs.
        cut = closed.index(False)
        assert 45 <= cut <= 46 and not any(closed[cut:])
    finally:
        for sock in idle:
            sock.close()


def test_a_connection_whose_thread_starts_late_still_gives_its_place_first():
    # Under load a connection's thread may mark it waiting after later connections were admitted;
    # it has waited since it opened all the same, so it is the one cut when the slots run out.
    slots = server_module._Slots(2)
    pairs = [socket.socketpair() for _ in range(3)]
    try:
        first, second, third = (ours for ours, _ in pairs)
        assert slots.admit(first) and slots.admit(second)
        assert slots.waiting(second) and slots.waiting(first)
        assert slots.admit(third)
        assert slots.waiting(first) is False and slots.waiting(second) is True
        assert pairs[0][1].recv(1) == b""  # the first one's socket was shut
        assert slots.answering(second) and slots.admit(first) is True
        assert slots.waiting(third) is False and slots.count() == 2
    finally:
        for pair in pairs:
            for sock in pair:
                sock.close()


def test_connections_being_answered_are_not_cut_and_more_get_503(fixture_store, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_CONNECTIONS", 2)
    with make_server(fixture_store, port=0, workers=1, timeout=3).start() as srv:
        answers = []
        threads = [
            threading.Thread(target=lambda: answers.append(sparql_get(srv, SLOW))) for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        wait_for(lambda: srv.pool.idle == 0 and srv.pool.waiting == 1)
        started = time.monotonic()
        status, headers, body = get(srv, "/health")
        assert time.monotonic() - started < 0.5
        assert status == 503 and headers["Retry-After"] == "1"
        assert body == b"too many connections; retry\n"
        for thread in threads:
            thread.join(30)
        messages = sorted(body for _, _, body in answers)
        assert messages[0].startswith(b"query stopped after the 3 s time limit")
        assert messages[1].startswith(b"the server is busy: no query worker came free within 1 s")
        wait_for(lambda: get(srv, "/health")[0] == 200)


# --- floods of long queries: overload answered at once, a lane for cheap requests ---------------


def test_health_reports_workers_and_queue_without_a_worker(fixture_store):
    with make_server(fixture_store, port=0, workers=1, timeout=5).start() as srv:
        status, headers, body = get(srv, "/health")
        assert status == 200
        assert headers["Content-Type"] == "application/json"
        assert headers["Cache-Control"] == "no-store"
        assert json.loads(body) == {
            "status": "ok",
            "workers": {"busy": 0, "idle": 1, "starting": 0},
            "quick_workers": {"busy": 0, "idle": 1, "starting": 0},
            "lookup_workers": {"busy": 0, "idle": 1, "starting": 0},
            "queue": {
                "waiting": 0,
                "quick_waiting": 0,
                "lookup_waiting": 0,
                "limit": 64,
                "wait_seconds": 1.0,
            },
            "connections": {"open": 1, "limit": 256},
            "answers_kept": {"entries": 0, "bytes": 0, "hits": 0, "misses": 0},
            "notes_kept": {"entries": 0, "bytes": 0, "hits": 0, "misses": 0},
        }
        slow = threading.Thread(target=sparql_get, args=(srv, SLOW), kwargs={"timeout": "2"})
        slow.start()
        wait_for(lambda: srv.pool.idle == 0)
        queued = threading.Thread(target=sparql_get, args=(srv, THERAPIES))
        queued.start()
        wait_for(lambda: srv.pool.waiting == 1)
        report = json.loads(get(srv, "/health")[2])
        assert report["status"] == "busy"
        assert report["workers"] == {"busy": 1, "idle": 0, "starting": 0}
        assert report["queue"]["waiting"] == 1
        slow.join(30)
        queued.join(30)


# The attacker: 200 long queries at once, each on a connection of its own, from another process;
# prints, for each, the status, the Retry-After header, the body and the seconds it took.
FLOOD = """
import http.client, json, sys, threading, time, urllib.parse

host, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
answers = []

def long_query():
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}))
    response = conn.getresponse()
    body = response.read().decode()
    answers.append([response.status, response.headers.get("Retry-After"), body,
                    time.monotonic() - started])
    conn.close()

threads = [threading.Thread(target=long_query) for _ in range(200)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
json.dump(answers, sys.stdout)
"""


def test_a_flood_of_long_queries_is_refused_fast_and_cheap_probes_stay_fast(fixture_store):
    with make_server(fixture_store, port=0, timeout=4).start() as srv:
        host, port = address(srv)
        attacker = subprocess.Popen(
            [sys.executable, "-c", FLOOD, host, str(port), SLOW], stdout=subprocess.PIPE
        )
        try:
            wait_for(lambda: srv.pool.idle == 0)
            probes = []
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:  # three seconds of probes, while the flood is on
                for path in ("/sparql?query=ASK%7B%7D", "/health"):
                    started = time.monotonic()
                    status, _, _ = get(srv, path)
                    probes.append((path, status, time.monotonic() - started))
                time.sleep(0.1)
            flood = json.loads(attacker.communicate(timeout=60)[0])
        finally:
            attacker.kill()
            attacker.wait()
    assert len(probes) >= 20
    assert [p for p in probes if p[1] != 200] == []
    busy = [f for f in flood if f[2].startswith("the server is busy")]
    stopped = [f for f in flood if f[2].startswith("query stopped after the 4 s time limit")]
    assert len(busy) + len(stopped) == 200
    assert len(stopped) >= 2
    assert {(status, retry) for status, retry, _, _ in busy} == {(503, "1")}
    # Against the queries stopped at the time limit, not against a number of seconds, so that a
    # loaded machine slows both sides alike: a probe is answered while they run, and a refusal
    # comes at once (queue full) or after its second in the queue, never after the time limit
    # (a probe took 1.02 s against a limit of 4.02 s with three test suites on two cores).
    limit = min(seconds for *_, seconds in stopped)
    assert max(seconds for _, _, seconds in probes) < limit / 3, (limit, probes)
    assert max(seconds for *_, seconds in busy) < limit / 2, limit


def test_a_quick_query_takes_a_free_query_worker_when_the_quick_one_is_taken(fixture_store):
    """sec32 F2: with the one quick worker taken (a flood of cheap-shaped whole-graph SELECTs), a
    cheap ASK was 503 "no quick worker came free within 1 s" while both query workers sat idle."""
    with make_server(fixture_store, port=0, workers=2, timeout=8).start() as srv:
        wait_for(lambda: srv.pool.status()["quick"]["idle"] == 1 and srv.pool.idle == 2)
        taken = srv.pool._acquire([srv.pool._lanes["quick"]], 1.0)
        try:
            status, _, body = sparql_get(srv, "ASK { ?s a atmp:Therapy }")
            lanes = srv.pool.status()
        finally:
            srv.pool._release(taken)
    assert status == 200 and b"true" in body, body
    assert lanes["quick"]["busy"] == 1 and lanes["query"]["idle"] == 2


def test_look_ups_borrow_a_query_worker_only_while_another_stays_free(fixture_store):
    """sec32 F5: thirty clients of /id/ pages took both query workers, and most queries were 503.
    A look-up (and a quick query) takes a query worker only while one more stays free."""
    with make_server(fixture_store, port=0, workers=2, timeout=8).start() as srv:
        wait_for(lambda: srv.pool.idle == 2 and srv.pool.status()["lookup"]["idle"] == 1)
        lanes = srv.pool._lanes
        held = [srv.pool._acquire([lanes["lookup"]], 1.0), srv.pool._acquire([lanes["quick"]], 1.0)]
        try:
            borrowed = get(srv, "/id/company/cellco", {"Accept": "text/turtle"})[0]
            held.append(srv.pool._acquire([lanes["query"]], 1.0))
            refused = get(srv, "/id/company/bigpharma", {"Accept": "text/turtle"})
            quick = sparql_get(srv, "ASK { ?s a atmp:Company }")
            counted = sparql_get(srv, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]
        finally:
            for worker in held:
                srv.pool._release(worker)
    assert borrowed == 200
    assert (refused[0], refused[2]) == (
        503,
        b"the server is busy: no lookup or query worker came free within 1 s; retry\n",
    )
    assert quick[0] == 503 and b"no quick or query worker came free" in quick[2]
    assert counted == 200


def test_entity_pages_answer_while_long_queries_hold_every_query_worker(fixture_store):
    # joints31 F3: under 20 parallel CONSTRUCTs /id/company/bayer was 503 "no query worker came
    # free within 1 s"; an entity page has a lane of its own
    with make_server(fixture_store, port=0, workers=2, timeout=8).start() as srv:
        answers = []

        def long_query() -> None:
            answers.append(sparql_get(srv, SLOW)[0])

        flood = [threading.Thread(target=long_query) for _ in range(6)]
        for thread in flood:
            thread.start()
        wait_for(lambda: srv.pool.idle == 0 and srv.pool.waiting >= 1)
        cellco = "https://w3id.org/atmp-kg/id/company/cellco"
        page = get(srv, "/id/company/cellco", {"Accept": "text/html"})
        turtle = get(srv, "/id/company/cellco", {"Accept": "text/turtle"})
        drawn = get(srv, "/api/neighbours?" + urllib.parse.urlencode({"iri": cellco}))
        hint = get(srv, "/id/company/cellc")
        still_queued = srv.pool.idle == 0
        for thread in flood:
            thread.join(60)
    assert (page[0], page[1]["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert (turtle[0], turtle[1]["Content-Type"]) == (200, "text/turtle; charset=utf-8")
    data = json.loads(drawn[2])
    assert (drawn[0], data["nodes"][data["focus"]]["iri"]) == (200, cellco)
    assert hint[0] == 404 and b"did you mean /id/company/cellco" in hint[2]
    assert still_queued


# --- worker confinement ---------------------------------------------------------------------------


def test_every_worker_runs_under_a_seccomp_filter_and_the_memory_cap(server):
    pids = server.pool.pids()
    assert len(pids) == 4  # two query workers, the quick one and the look-up one
    # query workers run at a lower CPU priority than the quick and look-up ones (field 19 of
    # stat: nice)
    nice = sorted(int(Path(f"/proc/{pid}/stat").read_text().split()[18]) for pid in pids)
    assert nice == [0, 0, QUERY_NICE, QUERY_NICE] and QUERY_NICE > 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        assert re.search(r"^Seccomp:\s+2$", status, re.MULTILINE), pid  # 2: filter mode
        assert os.getsid(pid) == pid  # a session of its own, without the server's terminal
        limits = Path(f"/proc/{pid}/limits").read_text().splitlines()
        data = next(line for line in limits if line.startswith("Max data size")).split()
        assert data[3:5] == [str(DEFAULT_MEMORY)] * 2


# What a worker does (atmpkg.graph.server.workers.prepare), then an attempt at the network: a plain
# socket, and the engine's own HTTP client (SERVICE sent straight to the store, past the gate).
CONNECT = """
import socket, sys
import pyoxigraph
from atmpkg.graph.server.workers import prepare

port = int(sys.argv[2])

def attempt(when):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        print(when, "connected")
    except OSError as exc:
        print(when, "refused:", type(exc).__name__)

attempt("before")
prepare(sys.argv[1])
attempt("confined")
store = pyoxigraph.Store.read_only(sys.argv[1] + "/current/oxigraph")
try:
    list(store.query(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
    print("SERVICE answered")
except Exception as exc:
    print("SERVICE failed:", type(exc).__name__)
"""


def test_a_confined_worker_cannot_connect_to_a_listener(fixture_store):
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        port = listener.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-c", CONNECT, str(fixture_store), str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.stdout.splitlines() == [
            "before connected",
            "confined refused: PermissionError",
            "SERVICE failed: PermissionError",
        ], run.stderr
        listener.setblocking(False)
        listener.accept()[0].close()  # the connection made before confinement
        with pytest.raises(BlockingIOError):
            listener.accept()  # and no other
    finally:
        listener.close()


@pytest.mark.skipif(sys.platform != "linux", reason="capabilities are Linux's")
def test_a_worker_keeps_no_capability(fixture_store):
    """A worker is confined as the query child is: no capability in any of its threads but those
    of file access, even when the server runs as root."""
    with make_server(fixture_store, port=0, workers=1, timeout=120).start() as srv:
        assert sparql_get(srv, THERAPIES)[0] == 200
        for pid in srv.pool.pids():
            sets = capabilities(pid)
            assert sets["CapInh"] == sets["CapAmb"] == {f"{0:016x}"}
            assert sets["CapEff"] <= FILE_ACCESS_ONLY and sets["CapPrm"] <= FILE_ACCESS_ONLY


def test_a_query_past_the_memory_cap_is_503_and_the_server_stays_up(fixture_store, server_log):
    cap = 300 * 1024**2
    with make_server(fixture_store, port=0, workers=1, timeout=120, memory="300M").start() as srv:
        before = srv.pool.pids()
        status, headers, body = sparql_get(srv, GREEDY)
        assert status == 503
        assert body.decode() == f"{QueryMemoryError(cap)}\n"
        assert "memory cap" in body.decode() and "Retry-After" not in headers
        assert sparql_get(srv, "ASK {}")[0] == 200
        wait_for(lambda: srv.pool.idle == 1)
        assert sparql_get(srv, THERAPIES)[0] == 200  # the worker that replaced the dead one
        gone = set(before) - set(srv.pool.pids())
        assert len(gone) == 1
        with pytest.raises(ProcessLookupError):
            os.kill(gone.pop(), 0)
    # the worker's last words reached the server's log
    assert any("memory allocation of" in message for message in server_log.messages)


@pytest.mark.parametrize(
    "cap, died",
    [
        # newuser12 U8: at 1K, each worker printed Python's traceback of its MemoryError first;
        # whether Python or RocksDB asks for memory first after the cap depends on how much room
        # the imports left in Python's own arenas, so either last word is the cap's
        ("1K", ("the memory cap leaves no room to start the worker", "Anonymous mmap for RocksDB")),
        # rev2_12: at 20M, RocksDB's cache could not be mapped ("Anonymous mmap for RocksDB …
        # failed"), which was not read as the cap; how a worker dies there may vary
        ("20M", ("",)),
    ],
)
def test_a_cap_too_small_to_start_a_worker_is_named_without_a_traceback(
    fixture_store, server_log, cap, died
):
    with pytest.raises(StoreError) as info:
        make_server(fixture_store, port=0, workers=1, memory=cap)
    size = {"1K": 1024, "20M": 20 * 1024**2}[cap]
    assert str(info.value) == (
        f"the query workers of the server could not start: {QueryMemoryError(size, starting=True)} "
        "(see the messages above)"
    )
    assert not [m for m in server_log.messages if "Traceback" in m]
    assert any(words in m for m in server_log.messages for words in died)


def test_a_cap_too_small_for_an_in_memory_workers_copy_is_named_when_it_cannot_start(
    curated_store,
):
    # the engine's allocator aborts with a backtrace longer than the lines kept of a worker's
    # stderr: the line that names the failed allocation is kept all the same
    with pytest.raises(StoreError) as info:
        make_server(curated_store, port=0, workers=1, memory="200M", in_memory=True)
    assert str(info.value) == (
        "the query workers of the server could not start: "
        f"{QueryMemoryError(200 * 1024**2, True, starting=True)} "
        "(see the messages above)"
    )


def test_the_memory_cap_of_an_in_memory_worker_counts_its_copy_of_the_store(fixture_store):
    # The worker's copy of the store lives under the same cap as the query: the message says so
    # and names both ways out, as the library's does.
    cap = 300 * 1024**2
    with make_server(
        fixture_store, port=0, workers=1, timeout=120, memory="300M", in_memory=True
    ).start() as srv:
        status, _, body = sparql_get(srv, GREEDY)
        assert status == 503
        assert body.decode() == f"{QueryMemoryError(cap, held=True)}\n"
        assert body.decode() == (
            "query stopped at the 300 MiB memory cap, which also holds the evaluating process's "
            "copy of the store; raise it with --memory/memory= (the copy takes about 0.7 GB per "
            "million triples) or do without the copy (leave out --in-memory; in_memory=False)\n"
        )
        assert sparql_get(srv, "ASK {}")[0] == 200


def test_a_worker_that_crashes_mid_query_is_replaced(fixture_store):
    with make_server(fixture_store, port=0, workers=1, timeout=60).start() as srv:
        answer = {}
        thread = threading.Thread(target=lambda: answer.update(r=sparql_get(srv, SLOW)))
        thread.start()
        wait_for(lambda: srv.pool.idle == 0)

        def running() -> list[int]:
            """The workers running (state R): the one evaluating the query."""
            states = {p: Path(f"/proc/{p}/stat").read_text().split()[2] for p in srv.pool.pids()}
            return [pid for pid, state in states.items() if state == "R"]

        wait_for(lambda: len(running()) == 1)
        os.kill(running()[0], signal.SIGSEGV)
        thread.join(30)
        status, _, body = answer["r"]
        assert status == 503
        assert body.decode() == f"{describe_death(-signal.SIGSEGV, '', DEFAULT_MEMORY)}\n"
        wait_for(lambda: srv.pool.idle == 1)
        assert sparql_get(srv, THERAPIES)[0] == 200


def _taken_in(pool: WorkerPool, target, sent, *, asked: bool = True):
    """A forked process running ``target(conn, sent)`` as a worker of the pool's query lane, with
    its process: asked a job and begun to answer (``asked``), else first in line for the pool's
    next job."""
    context = multiprocessing.get_context("fork")
    mine, theirs = context.Pipe()
    process = context.Process(target=target, args=(theirs, sent), daemon=True)
    process.start()
    theirs.close()
    lane = pool._lanes["query"]
    worker = _Worker(process, mine, lane, None)
    with pool._cond:
        lane.live.add(worker)
        if not asked:
            lane.idle.insert(0, worker)
    if asked:
        mine.send(("query", {}))
        assert mine.poll(30)
    return worker, process


def _replaced(pool: WorkerPool, process) -> None:
    """The worker gone astray ended, and the pool back to its two workers."""
    process.join(10)
    assert not process.is_alive()
    wait_for(lambda: pool.idle == 2)


def _astray_worker(conn, sent: str) -> None:  # pragma: no cover - a forked worker
    """A worker gone astray, answering in multiprocessing's framing: a length it never sends, or
    the start of an answer and then nothing."""
    conn.recv()
    if sent == "huge":
        os.write(conn.fileno(), struct.pack("!i", -1) + struct.pack("!Q", 1 << 40))
    else:
        os.write(conn.fileno(), struct.pack("!i", 100) + b"x" * 10)
    if sent == "dies":
        os._exit(1)
    time.sleep(120)


@pytest.mark.parametrize("sent", ["huge", "stall", "dies"])
def test_a_worker_announcing_a_huge_answer_or_stalling_in_one_is_replaced(fixture_store, sent):
    """rev14 R3: the server gathered whatever length a worker announced, for as long as it took."""
    pool = WorkerPool(fixture_store, 1, 1)
    try:
        worker, process = _taken_in(pool, _astray_worker, sent)
        # one that dies mid-answer is a death (rev15 R3: it was called too large)
        expected = {"huge": UnreadableAnswerError, "stall": JobTimeout, "dies": OSError}[sent]
        with pytest.raises(expected) as info:
            pool._receive(worker, time.monotonic() + 2)
        if sent == "huge":
            assert str(info.value) == (
                "the query process sent back something that is no answer (a worker sent an "
                f"answer larger than {DEFAULT_MEMORY:,} bytes); it was stopped"
            )
        pool._replace(worker)
        _replaced(pool, process)
    finally:
        pool.close()


def _replying_worker(conn, sent: str) -> None:  # pragma: no cover - a forked worker
    """A worker gone astray that replies in a well-framed message: a pickle of a class of the
    server's, a list nested far too deep to read (sec16 A2: printing one 60 levels deep, 160
    bytes, froze the server), or a dict keyed by a tuple whose hash never ends (rev16 R1)."""
    import pickle

    from atmpkg.graph.engine.evaluate import QueryResult

    conn.recv()
    sent_bytes = {
        "class": pickle.dumps((200, {"body": QueryResult("SELECT")})),
        "deep": b'[500, ' + b"[" * 100_000 + b"]" * 100_000 + b', false]\n',
        "hash": pickle.dumps((200, {(): 1})),
    }[sent]
    conn.send_bytes(sent_bytes)
    time.sleep(120)


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ("class", "UnicodeDecodeError: "),
        ("deep", "RecursionError: maximum recursion depth exceeded"),
        ("hash", "UnicodeDecodeError: "),
    ],
)
def test_a_worker_reply_is_read_as_json_only(fixture_store, sent, said):
    """sec16 A1, A2, rev16 R1: a worker's pickled reply made the server build without bound or
    freeze every thread; a reply is JSON now, which makes only the values it holds."""
    pool = WorkerPool(fixture_store, 1, 1)
    try:
        worker, process = _taken_in(pool, _replying_worker, sent)
        started = time.monotonic()
        with pytest.raises(UnreadableAnswerError) as info:
            pool._receive(worker, time.monotonic() + 30)
        assert time.monotonic() - started < 10
        assert str(info.value).startswith(
            f"the query process sent back something that is no answer ({said}"
        )
        pool._replace(worker)
        _replaced(pool, process)
    finally:
        pool.close()


def _misshapen_worker(conn, sent: bytes) -> None:  # pragma: no cover - a forked worker
    """A worker whose reply reads as JSON but is no status and answer of a job."""
    conn.recv()
    conn.send_bytes(sent)
    time.sleep(120)


SHAPE = "a reply that is no status and answer"


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (b'[500, ["x"], false]\n', SHAPE),  # rev16 R6
        # rev2_16 F6: a status the server would send as it is, a body that is no bytes
        (b'[100, "HTTP/1.1 200 OK", false]\n', SHAPE),
        (b'[200, {"body": "abc", "fmt": "json"}, false]\n', "a body in a reply's first line"),
        # rev2_16 F5: a field no job sends, kept in the server's cache uncounted
        (b'[200, {"fmt": "json", "pad": "x"}, true]\n{}', SHAPE),
        # rev2_16 F7: a first line too long to read before anything is checked
        (b'[200, {"fmt": "' + b"x" * (3 << 20) + b'"}, true]\n{}',
         f"a reply's first line of {(3 << 20) + 24:,} bytes"),
        # sec17 W1: a policy of the worker's own, or a line break into the answer's headers
        (b'[200, {"csp": "script-src \'unsafe-inline\' *"}, true]\n{}', SHAPE),
        (b'[200, {"csp": "default-src \'none\'\\r\\nSet-Cookie: a=1"}, true]\n{}', SHAPE),
        (b'[200, {"fmt": "zzz"}, true]\n{}', SHAPE),  # a format the server has no type for
        (b'[400, "\\udc00", false]\n', SHAPE),  # a message that cannot be sent
        # rev17 F2: an answer with neither a body nor where its entity went
        (b'[200, {"fmt": "json", "truncated": false}, false]\n', SHAPE),
    ],
)  # fmt: skip
def test_a_reply_of_no_status_and_answer_costs_the_server_that_worker_only(
    fixture_store, sent, said
):
    pool = WorkerPool(fixture_store, 1, 1)
    try:
        process = _taken_in(pool, _misshapen_worker, sent, asked=False)[1]
        with pytest.raises(HttpError) as info:
            pool.run("query", {}, 30)
        assert (info.value.status, info.value.message) == (
            503,
            f"the query process sent back something that is no answer ({said}); it was stopped",
        )
        _replaced(pool, process)
    finally:
        pool.close()


def test_the_answers_kept_are_counted_with_their_notes_and_key():
    """sec17 H1: eight notes of 16,000 characters each were counted as a body of 50 bytes, and
    the server kept such answers without bound."""
    from atmpkg.graph.server.cache import AnswerCache

    cache = AnswerCache(max_bytes=8_000)
    cache.put("k" * 64, {"body": b"", "notes": ["é" * 500]})  # 1,064 bytes: above an eighth
    assert cache.stats()["entries"] == 0
    for n in range(20):
        cache.put(f"{n:064}", {"body": b"", "notes": ["x" * 336]})  # 400 bytes each
    assert cache.stats() == {"entries": 20, "bytes": 8_000, "hits": 0, "misses": 0}
    cache.put("z" * 64, {"body": b"x", "notes": []})
    assert cache.stats()["entries"] == 20 and cache.get("0" * 64) is None


# --- huge values in entity pages --------------------------------------------------------------


def test_an_entity_page_caps_huge_values_and_states_their_length(huge_store):
    with make_server(huge_store, port=0, workers=1).start() as srv:
        status, _, body = get(srv, "/id/therapy/hugecel", {"Accept": "text/html"})
        assert status == 200
        page = body.decode()
        # the page around its graph view, and the view's data, each stay small
        outside = re.sub(r' srcdoc="[^"]*"', "", page)
        assert len(outside.encode()) < 200_000
        assert f"<h1>{'H' * 2000}… (5,000,000 characters in all)</h1>" in outside
        assert f"<td>{'c' * 2000}… (5,000,000 characters in all)</td>" in outside
        view = html.unescape(re.search(r' srcdoc="([^"]*)"', page)[1])
        data = re.search(r'<script type="application/json" id="atmp-data">(.*?)</script>', view)[1]
        assert len(data.encode()) < 200_000
        assert data.count("… (5,000,000 characters in all)") == 2  # its label and its comment
        assert f"<h1>{'H' * 2000}… (5,000,000 characters in all)</h1>" in view  # the view's title
        script, _, style, _ = vis_assets()
        assert len(view.replace(script, "").replace(style, "").encode()) < 200_000
        # as data, the value is whole
        status, _, body = get(srv, "/id/therapy/hugecel", {"Accept": "application/n-triples"})
        literals = {t.object.value for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
        assert "c" * HUGE in literals


def _doubled(times: int, tag: str) -> str:
    """A SELECT of one row holding 1 KiB doubled ``times`` times (``tag`` keeps it out of the
    server's cache)."""
    text = "SELECT ?x WHERE { BIND(REPEAT_ME AS ?x0) "
    text = text.replace("REPEAT_ME", '"' + "a" * 1024 + '"')
    for n in range(times):
        text += f"BIND(CONCAT(?x{n}, ?x{n}) AS ?x{n + 1}) "
    return text + f"BIND(?x{times} AS ?x) }} # {tag}"


def test_an_answer_past_the_cap_is_a_503_and_slow_readers_cannot_grow_the_server(
    fixture_store, monkeypatch
):
    # 1 KiB doubled 17 times: 128 MiB of value, over the cap once quoted
    srv = make_server(fixture_store, port=0, timeout=60).start()
    try:
        status, _, body = sparql_get(srv, _doubled(17, "big"), format="csv")
        assert status == 503
        assert body.startswith(b"the answer is 128 MiB, over the server's 128 MiB per answer;")
    finally:
        srv.shutdown()
    monkeypatch.setattr(server_module, "SENDING_BYTES", 8 << 20)
    srv = make_server(fixture_store, port=0, timeout=60).start()
    try:
        # a client asks for 16 MiB and reads nothing: the server holds the answer
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(address(srv))
        target = "/sparql?" + urllib.parse.urlencode({"query": _doubled(14, "slow")})
        host, port = address(srv)
        slow.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        wait_for(lambda: srv.sending.held > 8 << 20)
        status, headers, body = sparql_get(srv, _doubled(14, "second"))
        assert status == 503 and headers["Retry-After"] == "1"
        assert body == (
            b"the server is sending 16 MiB of answers to clients that read them slowly; "
            b"retry in a moment\n"
        )
        assert sparql_get(srv, "ASK {}")[:3:2] == (
            200,
            b'{"head": {}, "boolean": true}\n',
        )  # small ones go
        slow.close()
        wait_for(lambda: srv.sending.held == 0)
        assert sparql_get(srv, _doubled(14, "third"))[0] == 200
    finally:
        srv.shutdown()

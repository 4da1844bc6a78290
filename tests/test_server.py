"""The HTTP server (``atmpkg serve``): the SPARQL 1.1 Protocol with real clients, every content type
and status code, the safety defaults, time limits that kill workers, the row cap, and many clients
at once from a cold start. Every server here is real, on 127.0.0.1 and a free port."""

from __future__ import annotations

import csv
import datetime
import html
import http.client
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from conftest import FIXTURE_DATA, on_one_day, store_with_import
from rdflib.compare import isomorphic

import atmpkg
from atmpkg.cli import cli
from atmpkg.graph import ParameterError, build, import_files, query
from atmpkg.graph.display.pages import MESSAGE_CSP
from atmpkg.graph.server.http import NOTES_HEADER, TRUNCATED_HEADER, make_server
from atmpkg.graph.server.ui import UI_CSP
from atmpkg.graph.server.workers import Overloaded
from atmpkg.queries import Shift, all_queries

THERAPIES = "SELECT ?t ?l WHERE { ?t a atmp:Therapy ; rdfs:label ?l } ORDER BY ?t"
ALPHACEL = "CONSTRUCT WHERE { therapy:alphacel ?p ?o }"
# A cross product of the whole store with itself, three times: runs far longer than any limit here.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
WEB = Path(__file__).parent.parent / "graph" / "server" / "web"
SECRETS = ("Traceback", 'File "', "/tmp/", "site-packages", "atmpkg/graph")


@pytest.fixture(scope="module")
def server(fixture_store):
    """The server as a user starts it (2 workers), with a lower time limit so tests stay short."""
    srv = make_server(fixture_store, port=0, timeout=10).start()
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def small(fixture_store):
    """One worker, a queue of one, a 2 s limit and a 5-row cap: limits are easy to reach."""
    srv = make_server(fixture_store, port=0, timeout=2, max_rows=5, workers=1, queue_size=1).start()
    yield srv
    srv.shutdown()


def request(srv, method, path, body=None, headers=None, host=None):
    """One HTTP request; returns (status, headers, body) whatever the status."""
    url = urllib.parse.urlsplit(srv.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is not False:
            conn.putheader("Host", host or url.netloc)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def get(srv, path, **kw):
    return request(srv, "GET", path, **kw)


def sparql_get(srv, text, accept=None, **params):
    query_string = urllib.parse.urlencode({"query": text, **params})
    return get(srv, f"/sparql?{query_string}", headers={"Accept": accept} if accept else None)


def library_rows(store, text):
    return [tuple(str(v) for v in row.values()) for row in query(text, store=store).dicts()]


def triples_of(data, format):
    """The triples of an RDF document."""
    return {quad.triple for quad in ox.parse(data, format=format)}


def xml_rows(document, variables):
    """Rows of a SPARQL Query Results XML document, as tuples of values."""
    ns = "{http://www.w3.org/2005/sparql-results#}"
    return [
        tuple(r.find(f"{ns}binding[@name='{v}']/*").text for v in variables)
        for r in ET.fromstring(document).iter(f"{ns}result")
    ]


def no_secrets(body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into a response: {text[:300]}"


# --- real clients get the same answers as the library and the CLI -----------------------------------


def test_sparqlwrapper_select_json_and_xml_get_the_library_answer(server, fixture_store):
    from SPARQLWrapper import JSON, POST, POSTDIRECTLY, XML, SPARQLWrapper

    expected = library_rows(fixture_store, THERAPIES)
    assert len(expected) == 3
    for fmt, method, request_method in (
        (JSON, "GET", None),
        (XML, POST, None),
        (JSON, POST, POSTDIRECTLY),
    ):
        client = SPARQLWrapper(server.url + "/sparql")
        client.setQuery(THERAPIES)
        client.setReturnFormat(fmt)
        client.setMethod(method)
        if request_method:
            client.setRequestMethod(request_method)
        answer = client.queryAndConvert()
        if fmt == JSON:
            rows = [(b["t"]["value"], b["l"]["value"]) for b in answer["results"]["bindings"]]
        else:
            rows = xml_rows(answer.toxml(), ("t", "l"))
        assert rows == expected, (fmt, method, request_method)


def test_sparqlwrapper_construct_and_ask(server, fixture_store):
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(ALPHACEL)
    client.setReturnFormat(TURTLE)
    turtle = client.queryAndConvert()
    served = triples_of(turtle, format=ox.RdfFormat.TURTLE)
    assert served == set(query(ALPHACEL, store=fixture_store).triples)
    client.setQuery("ASK { therapy:genex atmp:developedBy company:genecorp }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


def test_rdflib_sparqlstore_gets_the_library_answer(server, fixture_store):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server.url + "/sparql")
    rows = [tuple(str(term) for term in row) for row in store.query(THERAPIES)]
    assert rows == library_rows(fixture_store, THERAPIES)
    # rdflib asks for RDF/XML for a CONSTRUCT by default.
    graph = store.query(ALPHACEL).graph
    assert isinstance(graph, Graph)
    assert len(graph) == len(query(ALPHACEL, store=fixture_store).triples)


def test_named_query_over_http_equals_the_cli(server, fixture_store):
    cli_csv = CliRunner().invoke(
        cli,
        [
            "query",
            "--name",
            "products-by-target",
            "-p",
            "target=bcma",
            "--format",
            "csv",
            "--store",
            str(fixture_store),
        ],
    )
    assert cli_csv.exit_code == 0, cli_csv.output
    status, headers, body = get(
        server, "/sparql?name=products-by-target&p=target%3Dbcma&format=csv"
    )
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body.decode().splitlines() == cli_csv.stdout.splitlines()  # CRLF either way
    assert "Betacel" in body.decode()


@pytest.mark.parametrize("named", all_queries(), ids=lambda q: q.name)
def test_every_named_query_runs_over_http_as_in_the_library(server, fixture_store, named):
    from atmpkg.graph import AtmpkgError, run_named

    status, _, body = get(server, f"/sparql?name={named.name}")
    try:
        expected = run_named(named.name, store=fixture_store)
    except AtmpkgError as exc:  # e.g. a default that names an entity the fixture graph lacks
        assert (status, body.decode().strip()) == (400, str(exc))
        return
    assert status == 200, body
    assert len(json.loads(body)["results"]["bindings"]) == len(expected)


def test_shutdown_closes_the_connections_clients_keep_open(fixture_store):
    """A keep-alive connection opened before the shutdown gets no more answers (from the cache or
    a "busy; retry" from a pool that is gone): it is closed, and its thread ends."""
    srv = make_server(fixture_store, port=0, workers=1).start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=5)
    conn.request(
        "GET", "/sparql?query=ASK%7B%7D", headers={"Host": f"127.0.0.1:{srv.server_address[1]}"}
    )
    first = conn.getresponse()
    assert (first.status, json.loads(first.read())["boolean"]) == (200, True)
    srv.shutdown()
    conn.request(
        "GET", "/sparql?query=ASK%7B%7D", headers={"Host": f"127.0.0.1:{srv.server_address[1]}"}
    )
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()
    conn.close()


def test_ctrl_c_stops_the_served_example_of_a_suite_started_with_sigint_ignored(
    fixture_store, tmp_path
):
    """The README test's `atmpkg serve` outlived its Ctrl-C by its 300 s timeout, its log ending
    at `GET / 200`, in a suite started as a script's background job: SIGINT came ignored, the
    server kept it ignored as documented, and the test waited. The suite now restores it
    (conftest.pytest_configure), and Ctrl-C ends the real server at once."""
    import signal

    from conftest import find_binary, free_port, pytest_configure, stop_process, wait_until_up

    ignores = "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"
    disposition = [sys.executable, "-c", ignores]
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `pytest … &` in a script starts
    try:
        ignored = subprocess.run(disposition, capture_output=True, text=True, timeout=60).stdout
        pytest_configure(None)
        restored = subprocess.run(disposition, capture_output=True, text=True, timeout=60).stdout
        port, log = free_port(), tmp_path / "serve.log"
        command = [find_binary(("atmpkg",), "pip install -e ."), "serve", "--port", str(port)]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [*command, "--store", str(fixture_store)], stdout=out, stderr=subprocess.STDOUT
            )
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process, log, 60)
        process.send_signal(signal.SIGINT)  # Ctrl-C
        started = time.monotonic()
        code = process.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        stop_process(process, signal.SIGKILL)
    assert (ignored, restored) == ("True\n", "False\n")
    assert code == 0 and took < 10, (code, took, log.read_text())


def test_serve_started_with_sigint_ignored_says_ctrl_c_does_not_reach_it_and_stops_on_sigterm(
    fixture_store, tmp_path
):
    """A server started with SIGINT ignored (a script's `atmpkg serve &`) keeps it ignored, as
    documented; its first line said "Press Ctrl-C to stop" all the same, and the README test
    that sent one waited 300 s for nothing. It says that Ctrl-C does not reach it and which
    `kill` stops it."""
    import signal

    from conftest import free_port, stop_process, wait_until_up

    port, log = free_port(), tmp_path / "serve.log"
    code = (
        "import signal, sys, atmpkg; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "sys.argv = ['atmpkg', 'serve', '--port', sys.argv[1], '--store', sys.argv[2]]; "
        "atmpkg.main()"
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(port), str(fixture_store)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/", process, log, 60)
        process.send_signal(signal.SIGINT)
        with urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=30) as answer:
            assert answer.status == 200  # still serving
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        stop_process(process, signal.SIGKILL)
    first = log.read_text().splitlines()[0]
    assert first == (
        f"ATMP-KG at {url}/ (query page), SPARQL endpoint {url}/sparql; read-only. Ctrl-C does not "
        "reach it (it was started with SIGINT ignored, as a script's background job is); stop it "
        f"with SIGTERM: kill {process.pid}"
    )
    assert code == 0, log.read_text()


def test_a_query_the_stopping_server_cuts_short_is_told_to_retry(fixture_store, server_log):
    """newuser23 F15: a query running as the server stopped was told its process ended (signal
    9), and the log said a worker was "starting another"; now 503 "the server is stopping", no
    worker is started and none is said to be."""
    srv = make_server(fixture_store, port=0, workers=1, timeout=30).start()
    answers = []
    running = threading.Thread(
        target=lambda: answers.append(sparql_get(srv, SLOW, accept="text/csv")), daemon=True
    )
    running.start()
    deadline = time.monotonic() + 10
    while srv.pool.status()["query"]["busy"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    srv.shutdown()
    running.join(10)
    [(status, headers, body)] = answers
    assert (status, headers["Retry-After"], body) == (
        503, "1", b"the server is stopping: retry later\n"
    )
    assert srv.pool.pids() == []
    # a request that would wait for a worker of the closed pool is told the same
    with pytest.raises(Overloaded, match="^the server is stopping: retry later$"):
        srv.pool.run("query", {"text": "ASK {}"}, timeout=5)
    messages = [r.getMessage() for r in server_log.records]
    assert [m for m in messages if "worker" in m or "signal" in m] == []


def test_the_access_log_cuts_a_long_request_line(server, server_log):
    """newuser23 F15: a 5,600-character query string was logged whole."""
    text = "ASK { FILTER(" + " || ".join(["true"] * 800) + ") }"
    status, _, _ = sparql_get(server, text, accept="text/csv")
    path = "/sparql?" + urllib.parse.urlencode({"query": text})
    line = f"GET {path} HTTP/1.1"
    assert status == 200 and len(line) > 5000
    [logged] = [r.getMessage() for r in server_log.records if "GET /sparql" in r.getMessage()]
    assert logged == f'127.0.0.1 "{line[:80]}… ({len(line):,} characters)" 200 -'


def test_in_memory_workers_answer_as_the_library(fixture_store):
    srv = make_server(fixture_store, port=0, workers=1, in_memory=True).start()
    try:
        status, _, body = get(srv, "/sparql?name=products-by-target&p=target%3Dbcma&format=csv")
    finally:
        srv.shutdown()
    expected = query(
        "SELECT ?therapyName WHERE { ?t atmp:target target:bcma ; rdfs:label ?therapyName }",
        store=fixture_store,
    )
    assert status == 200
    assert [row["therapyName"] for row in csv.DictReader(io.StringIO(body.decode()))] == [
        str(row[0].value) for row in expected.rows
    ]


# --- content negotiation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ],
)
def test_select_content_types(server, accept, media):
    status, headers, body = sparql_get(server, THERAPIES, accept)
    assert status == 200
    assert headers["Content-Type"] == media
    assert headers["Vary"] == "Accept, Accept-Encoding"
    text = body.decode()
    if "json" in media:
        assert len(json.loads(text)["results"]["bindings"]) == 3
    elif "xml" in media:
        assert (
            len(ET.fromstring(text).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
            == 3
        )
    elif "csv" in media:
        assert list(csv.reader(io.StringIO(text)))[0] == ["t", "l"]
    else:
        assert text.splitlines()[0] == "?t\t?l"


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (None, "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
        ("text/turtle", "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_graph_content_types(server, fixture_store, accept, media, fmt):
    status, headers, body = sparql_get(server, ALPHACEL, accept)
    assert status == 200
    assert headers["Content-Type"] == media
    assert triples_of(body, format=fmt) == set(query(ALPHACEL, store=fixture_store).triples)


def test_format_parameter_overrides_accept(server):
    status, headers, _ = sparql_get(
        server, THERAPIES, "application/sparql-results+json", format="tsv"
    )
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    status, _, body = sparql_get(server, THERAPIES, format="yaml")
    assert status == 400
    assert body.startswith(b"format= takes a short name (json, xml, csv, tsv, ttl,")
    assert body.endswith(b") or a media type, got 'yaml'\n")
    assert sparql_get(server, THERAPIES, format="application/yaml")[0] == 406
    status, _, body = get(server, "/sparql?p=target%3Dbcma")
    assert (status, body) == (400, b"p= gives a named query's parameters: give its name= too\n")
    status, headers, _ = sparql_get(server, ALPHACEL, "application/xml")  # as format=xml does
    assert (status, headers["Content-Type"]) == (200, "application/rdf+xml")
    status, headers, _ = sparql_get(server, ALPHACEL, format="xml")  # RDF/XML for a graph
    assert status == 200 and headers["Content-Type"] == "application/rdf+xml"


def test_ask_in_every_results_format(server):
    assert json.loads(sparql_get(server, "ASK { ?s ?p ?o }")[2]) == {"head": {}, "boolean": True}
    xml = sparql_get(server, "ASK { ?s ?p ?o }", "application/sparql-results+xml")[2]
    assert ET.fromstring(xml).find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


def test_an_answer_xml_cannot_hold_is_406_in_xml_and_200_in_json(server):
    """sec18 F2: a character XML 1.0 forbids made a 200 that no XML client could parse."""
    select = 'SELECT ?l { VALUES ?l { "Ctl\\u0001cel" } }'
    construct = 'CONSTRUCT { <urn:a> <urn:p> ?l } WHERE { VALUES ?l { "Ctl\\u0001cel" } }'
    instead = {
        "application/sparql-results+xml": "ask for JSON, CSV or TSV (format=json), which can",
        "application/rdf+xml": "ask for Turtle, N-Triples or JSON-LD (format=ttl), which can",
    }
    for text, accept in ((select, "application/sparql-results+xml"), (construct, "application/rdf+xml")):
        status, _, body = sparql_get(server, text, accept)
        assert (status, body.decode()) == (
            406,
            f"XML cannot hold the character U+0001 in 'Ctl\\x01cel': {instead[accept]}\n",
        )
    status, _, body = sparql_get(server, select, "application/sparql-results+json")
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["l"]["value"] == "Ctl\x01cel"


def test_post_form_and_direct_post(server):
    form = urllib.parse.urlencode({"query": THERAPIES}).encode()
    status, _, body = request(
        server, "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3
    status, headers, body = request(
        server,
        "POST",
        "/sparql",
        ALPHACEL.encode(),
        {"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert status == 200 and headers["Content-Type"] == "application/n-triples"
    status, _, body = request(server, "POST", "/sparql", b"x", {"Content-Type": "text/plain"})
    assert status == 415


def test_service_description(server):
    status, headers, body = get(server, "/sparql")
    assert status == 200 and headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = list(triples_of(body, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = ox.NamedNode(server.url + "/sparql")
    assert ox.Triple(endpoint, ox.NamedNode(sd + "endpoint"), endpoint) in graph
    assert (
        ox.Triple(
            endpoint, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")
        )
        in graph
    )
    formats = {t.object.value for t in graph if t.predicate.value == sd + "resultFormat"}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    status, headers, body = get(server, "/sparql", headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["Content-Type"] == "application/ld+json"
    assert len(triples_of(body, format=ox.RdfFormat.JSON_LD)) == len(graph)


# --- status codes ---------------------------------------------------------------------------------------


def test_malformed_query_is_400_with_the_position(server, fixture_store):
    from atmpkg.graph import QuerySyntaxError

    text = "SELECT * WHERE {\n  ?s ?p \n}"
    with pytest.raises(QuerySyntaxError) as library:
        query(text, store=fixture_store)
    status, headers, body = sparql_get(server, text)
    assert status == 400
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body.decode().strip() == str(library.value)
    assert body.startswith(b"SPARQL syntax error at line 3, column ")
    no_secrets(body)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, b"read-only"),
        ({"query": "LOAD <http://example.org/data.ttl>"}, b"LOAD reads a document"),
        (
            {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"},
            b"SERVICE",
        ),
        ({"query": "SELECT * { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }"}, b"SERVICE"),
        ({"query": "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"}, b"FROM"),
        ({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, b"read-only"),
        (
            {"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": "http://example.org/g"},
            b"dataset",
        ),
    ],
)
def test_updates_service_and_dataset_clauses_are_403(server, params, message):
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode(params))
    assert status == 403 and message in body
    form = urllib.parse.urlencode(params).encode()
    status, _, _ = request(
        server, "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 403


def test_sqls_from_over_http_is_a_400_with_the_hint_not_a_refusal(server):
    """newuser23 F3: SQL's FROM table was refused as a dataset clause (403)."""
    for text in ("SELECT name FROM therapies WHERE id = 1", "select * from therapies"):
        status, _, body = sparql_get(server, text)
        written = text.split()[2:4]
        assert (status, body.decode().rstrip("\n")) == (
            400,
            f"SPARQL syntax error at line 1, column {text.index(written[0]) + 1}: "
            f"{' '.join(written)} is SQL: SPARQL has no tables; a query matches patterns in the "
            "graph, as in SELECT ?t ?label WHERE { ?t a atmp:Therapy ; rdfs:label ?label }",
        ), text


def test_a_select_expression_left_out_of_group_by_over_http_is_a_400_with_the_hint(server):
    """newuser29 F1: the engine's raw list of tokens came back, with a sample of its keywords."""
    text = (
        "SELECT (YEAR(?d) AS ?y) (COUNT(*) AS ?n) WHERE { ?a a atmp:Approval ; atmp:dateStated "
        "?d } GROUP BY (YEAR(?d))"
    )
    status, _, body = sparql_get(server, text)
    assert (status, body.decode().rstrip("\n")) == (
        400,
        "SPARQL syntax error at line 1, column 14: ?d is used in the column (YEAR(?d) AS ?y) but "
        "not grouped: name the expression in GROUP BY: GROUP BY (YEAR(?d) AS ?y), and SELECT ?y",
    )


def test_an_entity_given_as_the_query_over_http_is_told_its_page(server):
    """newuser23 F7: an entity or a pattern sent as the query was a 400 "line 1, column 10:
    expected CONSTRUCT"; an entity is told its page here, not the command line's way."""
    starts = (
        "SPARQL syntax error at line 1, column 1: the query starts with '{}', {}: a query starts "
        "with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines; {}"
    )
    for text, told in (
        ("therapy:alphacel", starts.format("therapy:alphacel", "an entity", "to see it: DESCRIBE "
         "therapy:alphacel, or its page /id/therapy/alphacel")),
        ("<https://w3id.org/atmp-kg/id/therapy/alphacel>", starts.format(
            "<https://w3id.org/atmp-kg/id/therapy/alphacel>", "an entity", "to see it: DESCRIBE "
            "therapy:alphacel, or its page /id/therapy/alphacel")),
        ("<http://example.org/x>", starts.format(
            "<http://example.org/x>", "an entity", "to see it: DESCRIBE <http://example.org/x>")),
        ("{ ?s ?p ?o }", starts.format(
            "{", "a pattern", "to match it: SELECT * WHERE { ?s ?p ?o }")),
    ):  # fmt: skip
        status, _, body = sparql_get(server, text)
        assert (status, body.decode().rstrip("\n")) == (400, told), text


def test_a_refusal_over_http_does_not_offer_the_librarys_way_to_lift_it(server):
    text = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode({"query": text}))
    assert status == 403
    assert body.decode().rstrip("\n") == (
        "SERVICE (a federated query to another server) is refused: queries may not make network "
        "requests. This endpoint does not lift the refusal; the library and the command line can "
        '(see the README, "Security model").'
    )


def test_sparql_update_body_is_403(server):
    status, _, body = request(
        server,
        "POST",
        "/sparql",
        b"DELETE WHERE { ?s ?p ?o }",
        {"Content-Type": "application/sparql-update"},
    )
    assert status == 403 and b"read-only" in body


def test_unsatisfiable_accept_is_406(server):
    status, _, body = sparql_get(server, THERAPIES, "image/png")
    assert status == 406 and b"application/sparql-results+json" in body
    assert sparql_get(server, ALPHACEL, "text/csv")[0] == 406  # CONSTRUCT has no CSV
    assert get(server, "/sparql", headers={"Accept": "text/csv"})[0] == 406
    assert get(server, "/id/therapy/alphacel", headers={"Accept": "image/png"})[0] == 406


@pytest.mark.parametrize(
    "length", [str(50 * 1024 * 1024), "9" * 5000], ids=["50 MiB", "5,000 digits"]
)
def test_oversized_request_is_413(server, length):
    url = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Content-Length", length)
    conn.endheaders()  # the body is never sent: the answer must come from the headers alone
    response = conn.getresponse()
    assert response.status == 413
    assert response.read() == b"request body larger than 1048576 bytes\n"
    assert response.headers["Connection"] == "close"
    conn.close()
    assert get(server, "/health")[0] == 200


def test_other_methods_are_405(server):
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "BREW"):
        status, headers, _ = request(server, method, "/sparql")
        assert status == 405, method
        assert headers["Allow"] == "GET, HEAD, POST"
    assert request(server, "POST", "/", b"", {"Content-Type": "text/plain"})[0] == 405


def test_unknown_paths_and_entities_are_404(server):
    for path in (
        "/nope",
        "/id/therapy/unknown-thing",
        "/id/nokind/x",
        "/id/therapy/",
        "/static/../server.py",
    ):
        status, _, body = get(server, path)
        assert status == 404, path
        no_secrets(body)


def test_an_entitys_neighbourhood_is_its_views_data_as_json(server, fixture_store):
    cellco = "https://w3id.org/atmp-kg/id/company/cellco"
    status, headers, body = get(server, "/api/neighbours?" + urllib.parse.urlencode({"iri": cellco}))
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert headers["X-Content-Type-Options"] == "nosniff"
    data = atmpkg.open(fixture_store).view(focus=cellco, hops=1, title="CellCo").data
    assert json.loads(body) == data
    assert data["nodes"][data["focus"]]["iri"] == cellco and data["shown"] == 10
    status, _, body = get(server, "/api/neighbours?iri=" + cellco[:-1])
    assert (status, json.loads(body)) == (
        404,
        {"error": "no entity at '/id/company/cellc'; did you mean /id/company/cellco, /id/company/cellco-eu?"},
    )  # fmt: skip
    for asked in ("", "?iri=", "?iri=a&iri=b"):
        status, _, body = get(server, "/api/neighbours" + asked)
        assert (status, json.loads(body)) == (
            400,
            {"error": "give one entity as iri= (/api/neighbours?iri=https://w3id.org/atmp-kg/id/…)"},
        )
    # a page on another site may not read it, whatever it asks for
    status, _, body = get(
        server,
        "/api/neighbours?iri=" + cellco,
        headers={"Origin": "null", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"},
    )
    assert status == 403 and b"cross-site request refused" in body


def test_an_iri_that_names_no_entity_is_told_at_api_neighbours_what_its_id_path_is_told(
    fixture_store, tmp_path
):
    """Known since session 28: /api/neighbours?iri= of an IRI that names no entity
    was told only the near slugs of its kind (or the look-up's words), where its /id/ page is
    told the entity of another kind the name names, the kind written in the plural, in capitals
    or by its class, the page an IRI outside the namespace names, and the replacement of a
    retired IRI. It is now told each as its /id/ path is (as JSON, which the Graph tab shows),
    and a retired IRI is redirected, as its page is, to the neighbourhood of what replaced it."""
    store = store_with_import(fixture_store, tmp_path, IMPORTED_AND_RETIRED)
    graph = "https://w3id.org/atmp-kg/id/"
    with make_server(store, port=0, workers=1).start() as srv:
        for iri, path, told in (
            (graph + "company/alphacel", "/id/company/alphacel", "; 'alphacel' names no company but a therapy: /id/therapy/alphacel"),
            (graph + "therapies/alphacel", "/id/therapies/alphacel", "; did you mean /id/therapy/alphacel?"),
            (graph + "THERAPY/alphacel", "/id/THERAPY/alphacel", "; did you mean /id/therapy/alphacel?"),
            (graph + "RegulatoryAgency/ema", "/id/RegulatoryAgency/ema", "; did you mean /id/agency/ema?"),
            (graph + "alphace", "/id/alphace", "; did you mean /id/therapy/alphacel?"),
            (graph + "company/cellc", "/id/company/cellc", "; did you mean /id/company/cellco, /id/company/cellco-eu?"),
            (
                graph + "Company",
                "/id/Company",
                "; give /id/company/<slug>, such as /id/company/bigpharma; list them with atmpkg "
                "export --class company, or with SELECT DISTINCT ?e WHERE { ?e ?p ?o "
                "FILTER(STRSTARTS(STR(?e), STR(company:))) } on the query page (/)",
            ),
        ):  # fmt: skip
            status, headers, body = get(srv, "/api/neighbours?" + urllib.parse.urlencode({"iri": iri}))
            expected = f"no entity at '{path}'{told}"
            assert (status, headers["Content-Type"]) == (404, "application/json"), iri
            assert json.loads(body) == {"error": expected}, iri
            # the same words as the path's own page
            assert get(srv, path, headers={"Accept": "text/turtle"})[::2] == (404, f"{expected}\n".encode())
        # an IRI outside the namespace: an http: one of the graph's is offered its page, as
        # /id/<the IRI> offers it; another is told what the look-up tells
        outside = (
            ("http://w3id.org/atmp-kg/id/therapy/alphacel", "no entity at 'http://w3id.org/atmp-kg/id/therapy/alphacel'; did you mean /id/therapy/alphacel?"),
            ("https://example.org/nothing", "unknown entity 'https://example.org/nothing'. Give a label, a slug such as kymriah, or an IRI."),
        )  # fmt: skip
        for iri, told in outside:
            status, _, body = get(srv, "/api/neighbours?" + urllib.parse.urlencode({"iri": iri}))
            assert (status, json.loads(body)) == (404, {"error": told}), iri
        # a retired IRI: to the neighbourhood of the (imported) entity that replaced it
        status, headers, body = get(srv, "/api/neighbours?iri=" + graph + "therapy/moved")
        mine = "/api/neighbours?iri=https%3A%2F%2Fexample.org%2Fmine"
        assert (status, headers["Location"], body) == (301, mine, f"moved to {mine}\n".encode())
        status, _, body = get(srv, mine)
        data = json.loads(body)
        assert (status, data["nodes"][data["focus"]]["iri"]) == (200, "https://example.org/mine")
        # a name is still read as the look-up reads it, not redirected
        for name in ("alphacel", "therapy:alphacel"):
            status, _, body = get(srv, "/api/neighbours?iri=" + name)
            data = json.loads(body)
            assert (status, data["nodes"][data["focus"]]["iri"]) == (200, graph + "therapy/alphacel")


def test_bad_parameters_are_400(server):
    assert get(server, "/sparql?name=approvals-in-perod")[:3:2] == (
        400,
        b"unknown named query 'approvals-in-perod'; did you mean 'approvals-in-period'? List them "
        b"at /api/queries.\n",
    )
    assert get(server, "/sparql?name=products-by-target&p=nonsense")[0] == 400
    # joints27 F8: the end of a period that took its default is given as p= here, on both doors
    for door in ("/sparql", "/graph"):
        status, _, body = get(server, f"{door}?name=approvals-in-period&p=from%3D2099")
        assert status == 400, door
        assert body.decode().endswith("(to by default; give p=to=… too)\n"), (door, body)
    # sec20 F3: a name longer than a file name may be was the file system's error, a 500
    for door in ("/sparql", "/graph"):
        status, _, body = get(server, f"{door}?name={'q' * 300}")
        assert (status, body.startswith(b"unknown named query 'qqq")) == (400, True), door
    assert get(server, "/sparql?name=products-by-target&p=target%3Dnot-a-target")[0] == 400
    assert sparql_get(server, THERAPIES, timeout="-1")[0] == 400
    assert sparql_get(server, THERAPIES, timeout="soon")[0] == 400
    status, _, body = sparql_get(server, THERAPIES, timeout="0.001")
    assert (status, body) == (
        400,
        b"timeout must be at least 1 second, got '0.001': a query stopped at its limit costs "
        b"the server a new worker\n",
    )
    assert get(server, "/sparql?" + urllib.parse.urlencode([("query", "ASK {}")] * 2))[0] == 400
    twice = [("name", "products-by-target"), ("p", "target=cd19"), ("p", "target=bcma")]
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode(twice))
    assert (status, body) == (400, b"parameter 'target' given twice with p=; give it once\n")
    status, _, body = get(server, "/sparql?name=products-by-target&p=target")
    assert (status, body) == (400, b"p= takes NAME=VALUE, got 'target'\n")
    # newuser21 M2: a parameter without p= was not read, and the answer was every target's
    for door in ("/sparql", "/graph"):
        status, _, body = get(server, f"{door}?name=products-by-target&target=bcma&format=csv")
        assert (status, body) == (
            400,
            b"target is a parameter of the named query products-by-target: give it as "
            b"p=target=bcma\n",
        ), door
    # newuser22 F11: a name sent as the query was told the command line's and Python's ways
    told = {
        "products-by-target": "'products-by-target' is the name of a named query, not SPARQL: run "
        "it with name=products-by-target, its parameters as p=NAME=VALUE (target)",
        "contradicted-claims": "'contradicted-claims' is the name of a named query, not SPARQL: "
        "run it with name=contradicted-claims",
        "my-question.rq": "'my-question.rq' is a file name, not SPARQL: send the query in it as "
        "query= (with curl: --data-urlencode query@my-question.rq)",
        # newuser24 F1: a path, told by how it starts (never by asking the file system)
        "./myq": "'./myq' is a file name, not SPARQL: send the query in it as query= (with curl: "
        "--data-urlencode query@./myq)",
    }
    for text, message in told.items():
        for door in ("/sparql", "/graph"):
            status, _, body = get(server, f"{door}?" + urllib.parse.urlencode({"query": text}))
            assert (status, body.decode()) == (400, message + "\n"), (door, text)


def test_head_answers_headers_only(server):
    status, headers, body = request(server, "HEAD", "/")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_keep_alive_connection_serves_several_requests(server):
    url = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    for text in (THERAPIES, "SELECT * WHERE { ?s }", THERAPIES):
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}))
        response = conn.getresponse()
        response.read()
        assert response.status in (200, 400)
    conn.close()


# --- safety defaults ------------------------------------------------------------------------------------


def test_foreign_host_header_is_refused(server):
    port = urllib.parse.urlsplit(server.url).port
    for host in (
        "evil.example",
        f"evil.example:{port}",
        "127.0.0.1.evil.example:80",
        f"localhost:{port + 1}",
    ):
        status, _, body = get(server, "/sparql", host=host)
        assert status == 403, host
        names = sorted(f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]"))
        assert (
            body
            == (
                "requests for this Host are not served here; address the server as "
                + ", ".join(names)
                + "\n"
            ).encode()
        )
    assert get(server, "/sparql", host=False)[0] == 400
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"LOCALHOST:{port}"):
        assert get(server, "/sparql", host=host)[0] == 200, host
    # a second Host header is refused, whichever comes first
    status, _, body = get(server, "/sparql", headers={"Host": "evil.example"})
    assert (status, body) == (400, b"the Host header is given more than once\n")
    # a target given as an absolute URL names the host the request is for
    own = f"127.0.0.1:{port}"
    assert get(server, "http://evil.example/sparql", host=own)[0] == 403
    assert get(server, f"http://{own}/sparql", host=own)[0] == 200
    assert get(server, f"http://{own}", host=own)[0] == 200  # the query page
    assert get(server, f"ftp://{own}/sparql", host=own)[0] == 400


def test_only_the_query_pages_own_graph_frame_may_post_with_a_null_origin(server):
    """Its sandboxed frame has no origin of its own: the browser sends Origin: null with
    Sec-Fetch-Site: same-origin (which no page can set) for the form the query page posts there."""
    frame = {
        "Origin": "null",
        "Sec-Fetch-Site": "same-origin",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "iframe",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    form = urllib.parse.urlencode({"query": THERAPIES}).encode()
    assert request(server, "POST", "/graph", form, frame)[0] == 200
    assert request(server, "POST", "/sparql", form, frame)[0] == 403
    for site in ("cross-site", "same-site", None):
        headers = {k: v for k, v in {**frame, "Sec-Fetch-Site": site}.items() if v is not None}
        assert request(server, "POST", "/graph", form, headers)[0] == 403, site


def test_no_cross_origin_requests_unless_allowed(server, fixture_store):
    status, headers, body = get(
        server, "/sparql?query=ASK%7B%7D", headers={"Origin": "http://evil.example"}
    )
    assert status == 403 and b"--cors http://evil.example " in body
    assert not [h for h in headers if h.lower().startswith("access-control-")]
    with make_server(fixture_store, port=0, workers=1, cors="http://app.example").start() as srv:
        status, headers, _ = request(
            srv,
            "OPTIONS",
            "/sparql",
            headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert status == 204
        assert headers["Access-Control-Allow-Origin"] == "http://app.example"
        assert "POST" in headers["Access-Control-Allow-Methods"]
        _, headers, _ = get(
            srv, "/sparql?query=ASK%7B%7D", headers={"Origin": "http://app.example"}
        )
        assert headers["Access-Control-Allow-Origin"] == "http://app.example"
        assert headers["Access-Control-Expose-Headers"] == "ATMPKG-Truncated, ATMPKG-Notes"
        assert headers["Vary"] == "Accept, Accept-Encoding, Origin"
        status, headers, _ = get(
            srv, "/sparql?query=ASK%7B%7D", headers={"Origin": "http://other.example"}
        )
        assert status == 403 and "Access-Control-Allow-Origin" not in headers


def test_binding_beyond_loopback_needs_allow_remote(fixture_store):
    """Each door says it in its own terms: allow_remote=True from Python, --allow-remote on the
    command line (newuser22 F9)."""
    with pytest.raises(ParameterError) as raised:
        make_server(fixture_store, host="0.0.0.0", port=0)
    assert str(raised.value) == (
        "'0.0.0.0' is not a loopback address: anyone who can reach it could query the store. "
        "Pass allow_remote=True to serve it anyway."
    )
    result = CliRunner().invoke(
        cli, ["serve", "--host", "0.0.0.0", "--port", "0", "--store", str(fixture_store)]
    )
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: '0.0.0.0' is not a loopback address: anyone who can reach it could query the "
        "store. Pass --allow-remote to serve it anyway.\n",
    )
    # newuser20 F6: a host with its port or scheme was told to pass --allow-remote, then failed
    # newuser21 L3: each is told what is wrong with it
    # newuser22 F9: ... and what to write instead, the port it holds given with --port
    mistakes = {
        ("localhost:18203",): "'localhost:18203': give the port with --port: --host localhost "
        "--port 18203",
        ("localhost:18203", "--port", "7878"): "'localhost:18203': give the port with --port: "
        "--host localhost --port 18203",
        ("127.0.0.1:8080", "--port", "18203"): "'127.0.0.1:8080', whose port 8080 disagrees "
        "with --port 18203: keep one port, with --port: --host 127.0.0.1 --port 18203 (or --port "
        "8080)",
        ("[::1]:18203",): "'[::1]:18203': leave out the brackets, and give the port with --port: "
        "--host ::1 --port 18203",
        ("[::1]", "--port", "0"): "'[::1]': leave out the brackets: --host ::1",
        ("http://127.0.0.1",): "'http://127.0.0.1': leave out the scheme http://: --host "
        "127.0.0.1",
        ("http://localhost:7878/x",): "'http://localhost:7878/x': leave out the scheme http:// "
        "and the path /x, and give the port with --port: --host localhost --port 7878",
        ("localhost:web",): "'localhost:web': leave out ':web': --host localhost",
        ("localhost ",): "'localhost ': leave out the spaces: --host localhost",
        ("",): "'': it is empty; leave out --host to listen on 127.0.0.1",
    }
    for (host, *port), wrong in mistakes.items():
        args = ["serve", "--host", host, *port, "--allow-remote", "--store", str(fixture_store)]
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: host takes a host name or an address, got {wrong}\n",
        ), args
    # the same mistakes from Python, in make_server's arguments
    python = {
        ("localhost:18203", 7878): "'localhost:18203': give the port as port=: host='localhost', "
        "port=18203",
        ("127.0.0.1:8080", 18203): "'127.0.0.1:8080', whose port 8080 disagrees with "
        "port=18203: keep one port, as port=: host='127.0.0.1', port=18203 (or port=8080)",
        ("[::1]:18203", 7878): "'[::1]:18203': leave out the brackets, and give the port as "
        "port=: host='::1', port=18203",
        ("", 0): "'': it is empty; leave out host= to listen on 127.0.0.1",
    }
    for (host, port), wrong in python.items():
        with pytest.raises(ParameterError) as raised:
            make_server(fixture_store, host=host, port=port)
        assert str(raised.value) == f"host takes a host name or an address, got {wrong}", host
    with pytest.raises(ParameterError) as raised:
        make_server(fixture_store, host=None, port=0)
    assert str(raised.value) == (
        "host takes a host name or an address as text, such as host='127.0.0.1'; got None"
    )
    # a name this machine cannot resolve is said so before any word on --allow-remote, and
    # nothing is served (the warning came first, then "Name or service not known")
    for flags in ([], ["--allow-remote"]):
        args = ["serve", "--host", "no-such-host.invalid", "--port", "0", *flags]
        result = CliRunner().invoke(cli, [*args, "--store", str(fixture_store)])
        assert (result.exit_code, result.stderr) == (
            1,
            "Error: cannot find the host 'no-such-host.invalid': give a host name this machine "
            "resolves or an address (--host 127.0.0.1)\n",
        )
    with pytest.raises(ParameterError) as raised:
        make_server(fixture_store, host="no-such-host.invalid", port=0)
    assert str(raised.value) == (
        "cannot find the host 'no-such-host.invalid': give a host name this machine resolves or "
        "an address (host='127.0.0.1')"
    )


def test_a_wildcard_server_answers_to_its_addresses_but_not_to_other_names(fixture_store):
    srv = make_server(fixture_store, host="0.0.0.0", port=0, allow_remote=True).start()
    try:
        port = srv.server_address[1]
        for host in (f"192.0.2.7:{port}", f"10.1.2.3:{port}", f"[2001:db8::1]:{port}"):
            assert get(srv, "/health", host=host)[0] == 200, host
        for host in (f"evil.example:{port}", f"192.0.2.7:{port + 1}", f"127.1:{port}"):
            status, _, body = get(srv, "/health", host=host)
            assert status == 403, host
            assert body.endswith(b" or by an IP address of this machine\n")
            assert body.startswith(
                f"requests for this Host are not served here; address the server as "
                f"127.0.0.1:{port}, [::1]:{port}, localhost:{port}, ".encode()
            )
    finally:
        srv.shutdown()


def test_a_script_that_serves_without_the_main_guard_is_told_so_once(fixture_store, tmp_path):
    """newuser22 F5: the workers import the main script again; one that starts a server unguarded
    printed a traceback from each worker (its port taken, or Python's "bootstrapping phase") and
    then the server's own. Now the workers leave quietly and the server names the guard."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        fixed = free.getsockname()[1]
    for port in (0, fixed):
        script = tmp_path / f"serve_{port}.py"
        script.write_text(
            "from atmpkg.graph.server.http import make_server\n"
            f"server = make_server({str(fixture_store)!r}, port={port}, workers=1).start()\n"
            "server.shutdown()\n"
        )
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        assert (done.returncode, done.stdout, done.stderr.count("Traceback")) == (1, "", 1)
        assert done.stderr.splitlines()[-1] == (
            f"atmpkg.graph.errors.AtmpkgError: the server's query workers could not start: "
            f"{script} starts a server as it is imported, and each worker imports it again; start "
            'the server under if __name__ == "__main__": (as any script that uses multiprocessing '
            "must)"
        ), port


def test_errors_carry_no_traces_or_paths(server):
    responses = [
        sparql_get(server, "SELECT * WHERE {"),
        sparql_get(server, "SELECT * WHERE { SERVICE <x:y> {} }"),
        get(server, "/graph?query=" + urllib.parse.quote("SELECT * WHERE {")),
        get(server, "/sparql?name=../../etc/passwd"),
        get(server, "/id/therapy/x%2F..%2F..%2Fetc"),
        request(server, "GET", "/" + "x" * 70000),
    ]
    for status, _, body in responses:
        assert status >= 400
        no_secrets(body)
    empty = "# nothing\nSELECT ?x WHERE { ?x a atmp:Nothing }"
    status, _, body = get(server, "/graph?query=" + urllib.parse.quote(empty))
    assert status == 200 and b"nothing to draw" in body
    no_secrets(body)
    _, headers, _ = get(server, "/")
    assert headers["Server"] == "atmpkg"


def test_html_responses_carry_a_content_security_policy(server):
    for path in ("/", "/id/therapy/alphacel", "/graph?name=products-by-target"):
        status, headers, body = get(server, path, headers={"Accept": "text/html"})
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "unsafe-eval" not in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    # The query page's CSP is the strict one with one exception: inline styles, for YASGUI's table.
    policy = get(server, "/")[1]["Content-Security-Policy"]
    assert policy.split("style-src")[1].split(";")[0].split() == ["'self'", "'unsafe-inline'"]
    assert policy.replace(" 'unsafe-inline'", "") == UI_CSP


# --- time limits, the row cap, the queue ----------------------------------------------------------------


def wait_for(condition, seconds=30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_client_timeout_stops_the_query_and_the_worker_is_replaced(server):
    wait_for(lambda: server.pool.idle == 2)
    before = server.pool.pids()
    started = time.monotonic()
    status, _, body = sparql_get(server, SLOW, timeout="1")
    assert status == 503 and b"1 s time limit" in body
    assert time.monotonic() - started < 5
    gone = set(before) - set(server.pool.pids())
    assert len(gone) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(gone.pop(), 0)  # the process that ran the query no longer exists
    wait_for(lambda: server.pool.idle == 2)
    assert len(server.pool.pids()) == len(before)
    assert sparql_get(server, THERAPIES)[0] == 200


def test_a_client_cannot_raise_the_time_limit(small):
    started = time.monotonic()
    status, _, body = sparql_get(small, SLOW, timeout="3600")
    assert status == 503 and b"2 s time limit" in body
    assert time.monotonic() - started < 6


def test_row_cap_is_signalled(small, fixture_store):
    wait_for(lambda: small.pool.idle == 1)
    status, headers, body = sparql_get(small, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert headers[TRUNCATED_HEADER] == "5"
    assert len(json.loads(body)["results"]["bindings"]) == 5
    status, headers, body = sparql_get(
        small, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples"
    )
    assert headers[TRUNCATED_HEADER] == "5" and len(body.splitlines()) == 5
    status, headers, body = sparql_get(small, THERAPIES)
    assert TRUNCATED_HEADER not in headers and len(json.loads(body)["results"]["bindings"]) == 3


def test_an_answers_notes_are_its_notes_header(server, fixture_store):
    # newuser16 F4: the library's notes (why an answer is empty, a defaulted date) were on stderr
    # and in result.notes only; an HTTP client got the empty answer alone
    status, headers, body = sparql_get(server, 'SELECT ?t WHERE { ?t rdfs:label "Alphacel" }')
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert json.loads(headers[NOTES_HEADER]) == [
        'rdfs:label "Alphacel" matches no value: the graph holds "Alphacel"@en; write that, or '
        'compare the text alone: FILTER(STR(?value) = "Alphacel")'
    ]
    # the server's workers read the machine's day on their own: the day each answer was asked on
    day, (status, headers, _) = on_one_day(
        lambda: get(server, "/sparql?name=authorised-products", headers={"Accept": "text/csv"})
    )
    assert status == 200
    # newuser25 F28: worded for this door, p=, not the command line's -p or a Python keyword
    assert headers[NOTES_HEADER] == (
        f'["as_of is {day.isoformat()} (default today); give p=as_of=YYYY-MM-DD for another day"]'
    )
    # newuser23 F22: so is a number (or an entity) that took its default
    status, headers, _ = get(server, "/sparql?name=companies-by-approved-products")
    assert status == 200
    assert headers[NOTES_HEADER] == (
        '["min_products is 2, the default; give p=min_products=\\u2026 for another"]'
    )
    # and the graph of an answer with nothing to draw, which its notes say why: the day taken,
    # and from a day past the data's year (2026) that the data ends before it, as the library says
    day, (status, headers, _) = on_one_day(lambda: get(server, "/graph?name=pending-reviews"))
    past_the_data = atmpkg.open(fixture_store).named("pending-reviews", as_of=day.isoformat()).notes
    assert (day.year > 2026) == (len(past_the_data) == 1)
    assert (status, json.loads(headers[NOTES_HEADER])) == (
        200,
        [f"as_of is {day.isoformat()} (default today); give p=as_of=YYYY-MM-DD for another day", *past_the_data],
    )
    # newuser26: and so does the Graph tab's view of an answer, which said -p and Python's way
    day, (status, _, body) = on_one_day(lambda: get(server, "/graph?name=authorised-products"))
    page = body.decode()
    assert status == 200 and "as_of is" in page
    assert f"as_of is {day.isoformat()} (default today); give p=as_of=YYYY-MM-DD for another day" in page
    assert "-p as_of" not in page and "Python:" not in page
    # joints30 F4: so is the value a note says to give a parameter of a query's text instead,
    # where the command line's note says -p
    money = "SELECT ?d ?v WHERE { ?d atmp:valueUSD ?v }"
    status, headers, _ = sparql_get(server, money, p="v=300000000")
    assert (status, json.loads(headers[NOTES_HEADER])) == (
        200,
        [
            "parameter 'v' is \"300000000\"^^xsd:integer, which no value of it equals: the graph "
            'holds "300000000"^^xsd:decimal; give p=v="300000000"^^xsd:decimal'
        ],
    )
    status, _, body = get(server, "/api/notes?" + urllib.parse.urlencode({"query": money, "p": "v=300000000"}))
    assert json.loads(body)["notes"][0].endswith('; give p=v="300000000"^^xsd:decimal')
    status, _, body = get(server, "/graph?" + urllib.parse.urlencode({"query": money, "p": "v=300000000"}))
    assert 'give p=v=&quot;300000000&quot;^^xsd:decimal' in body.decode() and "-p " not in body.decode()
    labelled = "SELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    status, headers, _ = sparql_get(server, labelled, p="l=Alphacel")
    assert json.loads(headers[NOTES_HEADER]) == [
        "parameter 'l' is the string \"Alphacel\", which no value of it equals: the graph holds "
        '"Alphacel"@en; give p=l="Alphacel"@en'
    ]
    result = CliRunner().invoke(
        cli, ["query", money, "-p", "v=300000000", "--store", str(fixture_store), "--format", "csv"]
    )
    assert result.stderr.endswith("""give -p 'v="300000000"^^xsd:decimal'\n""")
    # given, the date is no note; nor is there one on an answer the library notes nothing of
    status, headers, _ = get(server, f"/sparql?name=authorised-products&p=as_of%3D{day.isoformat()}")
    assert status == 200 and NOTES_HEADER not in headers
    status, headers, _ = sparql_get(server, THERAPIES)
    assert status == 200 and NOTES_HEADER not in headers


def test_a_number_parameter_the_engine_cannot_hold_is_400_in_the_words_of_the_other_doors(
    server,
):
    """sec31 F2: p=min_value=1e-19 was bound as a literal the engine keeps as text, and every
    deal was left out without a word; the command line and Python say the same words."""
    held = {
        "decimal": "an xsd:decimal at most 170141183460469231731.687303715884105727 either side "
        "of zero (about 1.7e20), with at most 18 decimal places",
        "integer": "an xsd:integer from -9223372036854775808 to 9223372036854775807 (64 bits, "
        "signed)",
    }
    tail = (
        "; a query compares a number past that with nothing, so the answer would be empty: give "
        "one within that\n"
    )
    plain = "SELECT ?d ?m WHERE { ?d atmp:valueAtLeastUSD ?v FILTER(?v >= ?m) }"
    asked = [
        ({"name": "deals-above-value", "p": "min_value=1e-19"}, "min_value", "1e-19", "decimal"),
        ({"name": "deals-above-value", "p": "min_value=-1e21"}, "min_value", "-1e21", "decimal"),
        (
            {"name": "companies-by-approved-products", "p": "min_products=-9223372036854775809"},
            "min_products",
            "-9223372036854775809",
            "integer",
        ),
        ({"query": plain, "p": "m=99999999999999999999"}, "m", "99999999999999999999", "integer"),
    ]
    for params, name, value, kind in asked:
        for door in ("/sparql", "/graph"):
            status, _, body = get(server, f"{door}?" + urllib.parse.urlencode(params))
            message = f"parameter '{name}' is '{value}', past what the engine holds as a number: "
            assert (status, body.decode()) == (400, message + held[kind] + tail), (door, params)
    status, _, body = get(server, "/sparql?name=deals-above-value&p=min_value%3D1e-18&format=csv")
    assert (status, body.count(b"\r\n")) == (200, 4)


def test_query_text_with_a_param_header_has_its_notes_header(server):
    """joints23 F3: text whose header declares a parameter went the named queries' way, and its
    answer came without the ATMPKG-Notes the same text without the header gets."""
    body = "SELECT ?t ?l WHERE { ?t a atmp:Therapy OPTIONAL { ?t rdfs:lable ?l } }"
    text = "# param: t therapy *  The therapy\n" + body
    lable = '["rdfs:lable is not a term of RDF Schema (did you mean rdfs:label?): nothing matches it"]'
    status, headers, answer = get(
        server, "/sparql?" + urllib.parse.urlencode({"query": text, "p": "t=alphacel", "format": "csv"})
    )
    assert (status, headers[NOTES_HEADER], answer) == (
        200, lable, b"t,l\r\nhttps://w3id.org/atmp-kg/id/therapy/alphacel,\r\n"
    )
    status, headers, _ = sparql_get(server, body)
    assert (status, headers[NOTES_HEADER]) == (200, lable)


def test_a_date_parameter_is_given_in_the_words_of_a_header_default(server):
    """newuser23 F19: p=from=today-1y was refused as not a date, over HTTP as from the CLI."""
    accept = {"Accept": "text/csv"}
    period = "/sparql?name=approvals-in-period&p=from%3D"
    # each answer names its period, to today: both asked on one day
    today, (worded, given) = on_one_day(
        lambda: (
            get(server, period + "today-99y", headers=accept),
            get(server, period + Shift("today", -99).apply(datetime.date.today()).isoformat(), headers=accept),
        )
    )
    status, _, body = worded
    assert status == 200
    assert (status, body) == given[::2]
    assert body.splitlines()[1].decode().endswith(f",{Shift('today', -99).apply(today)},{today}")
    assert len(body.splitlines()) == 9  # the header and the eight approvals of the fixture
    status, _, body = get(server, "/sparql?name=authorised-products&p=as_of%3Dtoday-6m")
    assert (status, body) == (
        400,
        b"parameter 'as_of' counts from today in whole years, as in today-1y or today+2y, got "
        b"'today-6m'\n",
    )
    # sec24 L2: today-100y was refused as not whole years; past the calendar's start says so
    status, _, body = get(server, period + "today-100y", headers=accept)
    assert (status, len(body.splitlines())) == (200, 9)
    today, (status, _, body) = on_one_day(lambda: get(server, period + "today-9999y"))
    most = today.year - 1
    assert (status, body.decode()) == (
        400,
        "parameter 'from' is today-9999y, a day before the first one a date can have (0001-01-01): "
        f"count at most {most:,} years before today, or give a date YYYY-MM-DD\n",
    )


def test_the_notes_header_is_ascii_and_bounded(server):
    # any character survives as JSON's escape, and a query of many notes cannot make the header
    # one a proxy in front refuses
    terms = " ".join(f"?t{i} atmp:Thérapie{i} ?v{i} ." for i in range(7))
    status, headers, _ = sparql_get(server, f"SELECT * WHERE {{ {terms} }}")
    assert status == 200
    value = headers[NOTES_HEADER]
    assert value.isascii() and "\\u00e9" in value
    notes = json.loads(value)
    assert notes[0] == (
        "atmp:Thérapie0 is not a term of the ontology (did you mean atmp:Therapy?): nothing "
        "matches it"
    )
    assert len(notes) == 6
    assert notes[5] == "2 more notes left out: the library and atmpkg query give them all"


def test_a_note_longer_than_a_reply_holds_is_cut_not_taken_for_a_worker_astray(server):
    """sec17 H2: a note echoing a name of 20,000 characters made the server refuse its worker's
    honest reply (503) and replace the worker."""
    name = "Th" + "b" * 20_000
    status, headers, _ = sparql_get(server, f"SELECT ?s WHERE {{ ?s a atmp:{name} }}")
    assert status == 200
    (note,) = json.loads(headers[NOTES_HEADER])
    assert note.startswith("atmp:Thbbb") and len(note.encode("utf-8")) <= 400


def test_full_queue_is_503_at_once_and_a_wait_ends_within_a_second(small):
    wait_for(lambda: small.pool.idle == 1)
    answers = {}

    def ask(key, text, **params):
        started = time.monotonic()
        answers[key] = (*sparql_get(small, text, **params), time.monotonic() - started)

    # The slow query holds the only worker for the server's 2 s; the queued one may wait 1 s.
    slow = threading.Thread(target=ask, args=("slow", SLOW))
    slow.start()
    wait_for(lambda: small.pool.idle == 0)
    # texts no earlier test sent: an answer the server keeps would not wait for a worker
    queued = threading.Thread(target=ask, args=("queued", THERAPIES + "\n# queued"))
    queued.start()
    wait_for(lambda: small.pool.waiting == 1)
    started = time.monotonic()
    status, headers, body = sparql_get(small, THERAPIES + "\n# refused")
    assert time.monotonic() - started < 0.5
    assert status == 503
    assert headers["Retry-After"] == "1"
    assert (
        body
        == b"the server is busy: every query worker is taken and the queue is full (1 waiting); retry\n"
    )
    slow.join(30)
    queued.join(30)
    status, headers, body, waited = answers["queued"]
    assert status == 503 and headers["Retry-After"] == "1"
    assert body == b"the server is busy: no query worker came free within 1 s; retry\n"
    assert 0.9 <= waited < 2
    assert answers["slow"][0] == 503 and b"time limit" in answers["slow"][2]
    wait_for(lambda: small.pool.idle == 1)
    # served by the worker that replaced the killed one
    assert sparql_get(small, THERAPIES + "\n# replaced")[0] == 200


def test_quick_queries_do_not_wait_behind_slow_ones(small):
    wait_for(lambda: small.pool.idle == 1)
    slow = threading.Thread(target=sparql_get, args=(small, SLOW))
    slow.start()
    wait_for(lambda: small.pool.idle == 0)
    started = time.monotonic()
    for text in ("ASK {}", "ASK { ?s ?p ?o }", "SELECT * WHERE { ?t a atmp:Therapy } LIMIT 2"):
        status, _, body = sparql_get(small, text)
        assert status == 200, text
    therapies = {b["t"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert len(therapies) == 2 and therapies < {
        f"https://w3id.org/atmp-kg/id/therapy/{slug}" for slug in ("alphacel", "betacel", "genex")
    }
    assert time.monotonic() - started < 1
    assert small.pool.idle == 0  # the slow query still holds the query lane
    slow.join(30)


def test_a_slow_query_does_not_block_the_others(server):
    wait_for(lambda: server.pool.idle == 2)
    slow = threading.Thread(target=sparql_get, args=(server, SLOW), kwargs={"timeout": "4"})
    slow.start()
    wait_for(lambda: server.pool.idle == 1)
    started = time.monotonic()
    for _ in range(5):
        assert sparql_get(server, THERAPIES)[0] == 200
    assert time.monotonic() - started < 2
    slow.join(30)


# --- many clients from a cold start -------------------------------------------------------------------


def test_fifty_clients_at_once_from_a_cold_start(fixture_store):
    from atmpkg.graph import run_named, show

    expected = {
        "select": library_rows(fixture_store, THERAPIES),
        "construct": set(query(ALPHACEL, store=fixture_store).triples),
        "named": len(run_named("products-by-target", store=fixture_store)),
        "entity": show("alphacel", store=fixture_store).label,
    }
    srv = make_server(fixture_store, port=0).start()  # fresh workers: nothing cached yet
    results: dict[int, object] = {}

    def client(number: int) -> None:
        kind = ("select", "construct", "named", "entity")[number % 4]
        if kind == "select":
            _, _, body = sparql_get(srv, THERAPIES, "application/sparql-results+xml")
            results[number] = xml_rows(body, ("t", "l"))
        elif kind == "construct":
            _, _, body = sparql_get(srv, ALPHACEL, "text/turtle")
            results[number] = triples_of(body, format=ox.RdfFormat.TURTLE)
        elif kind == "named":
            _, _, body = get(srv, "/sparql?name=products-by-target")
            results[number] = len(json.loads(body)["results"]["bindings"])
        else:
            _, _, body = get(srv, "/id/therapy/alphacel", headers={"Accept": "application/ld+json"})
            graph = triples_of(body, format=ox.RdfFormat.JSON_LD)
            label = "http://www.w3.org/2000/01/rdf-schema#label"
            results[number] = next(t.object.value for t in graph if t.predicate.value == label)

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.1, 120 - (time.monotonic() - started)))
        assert not [t for t in threads if t.is_alive()], "clients still waiting after 120 s"
    finally:
        srv.shutdown()
    assert len(results) == 50
    for number, answer in results.items():
        assert answer == expected[("select", "construct", "named", "entity")[number % 4]], number


# --- linked data, the UI's own endpoints -----------------------------------------------------------------


def test_entity_page_for_people(server):
    status, headers, body = get(server, "/id/company/cellco", headers={"Accept": "text/html"})
    assert status == 200
    page = body.decode()
    assert "<h1>CellCo</h1>" in page
    assert '<a href="/id/company/bigpharma">Big Pharma</a>' in page  # a neighbour, served here
    assert 'href="https://news.example/deals" rel="noopener noreferrer nofollow"' in page
    assert (
        '<iframe class="graph"' in page and 'sandbox="allow-scripts' in page and "srcdoc=" in page
    )
    assert "sha256-" in headers["Content-Security-Policy"]


def _with_blank_nodes(fixture_store: Path, tmp_path: Path) -> Path:
    """A copy of the fixture store with an RDF list and nested blank nodes imported on genex."""
    return store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/ns#> .\n"
        '<https://w3id.org/atmp-kg/id/therapy/genex> ex:steps ( "a" "<b>" ) ;\n'
        '  ex:dose [ ex:unit "<mg> & co" ; ex:inner [ ex:deep "x" ] ] .\n',
    )


def test_an_entity_page_writes_an_imported_blank_node_as_the_networks_do(fixture_store, tmp_path):
    """newuser23 F6: a blank node an entity reaches is its content (an RDF list as its items, a
    nested description as pairs), escaped, as `atmpkg show` prints it; never its engine label."""
    store = _with_blank_nodes(fixture_store, tmp_path)
    srv = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        status, _, body = get(srv, "/id/therapy/genex", headers={"Accept": "text/html"})
    finally:
        srv.shutdown()
    facts = body.decode("utf-8").split("<h2>Facts</h2>")[1].split("</table>")[0]
    assert status == 200
    assert "<tr><th>dose</th><td>inner: (deep: x); unit: &lt;mg&gt; &amp; co</td></tr>" in facts
    assert "<tr><th>steps</th><td>a, &lt;b&gt;</td></tr>" in facts
    assert "_:" not in facts
    shown = atmpkg.open(store).show("genex").text().splitlines()
    assert ["  dose: inner: (deep: x); unit: <mg> & co", "  steps: a, <b>"] == [
        line for line in shown if line.startswith(("  dose:", "  steps:"))
    ]


def test_the_served_views_write_an_imported_blank_node_as_the_networks_do(fixture_store, tmp_path):
    """joints24 F1: /api/neighbours and /graph held the engine's label of a blank node an entity
    reaches (``_:d5429402…``), where the entity page, show and every network export write what
    it holds."""
    store = _with_blank_nodes(fixture_store, tmp_path)
    genex = "https://w3id.org/atmp-kg/id/therapy/genex"
    srv = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        _, _, neighbours = get(srv, "/api/neighbours?" + urllib.parse.urlencode({"iri": genex}))
        query = {"name": "products-by-target", "p": "target=smn1"}
        _, _, page = get(srv, "/graph?" + urllib.parse.urlencode(query))
    finally:
        srv.shutdown()
    block = re.search(r'<script type="application/json" id="atmp-data">(.*?)</script>', page.decode())
    assert block is not None
    for data in (json.loads(neighbours), json.loads(block.group(1))):
        node = next(n for n in data["nodes"] if n["iri"] == genex)
        facts = {data["properties"][p]: text for p, text, _ in node["facts"]}
        assert (facts["dose"], facts["steps"]) == ("inner: (deep: x); unit: <mg> & co", "a, <b>")
        assert "_:" not in json.dumps(data, ensure_ascii=False)


def test_the_served_pages_cut_a_long_blank_node_as_show_does(fixture_store, tmp_path):
    """sec26 F2: a blank node linked three times from genex, holding 300,000 characters, made
    the entity page and /api/neighbours write it at each link; each is now its first 20,000
    characters and '… (more than 20,000 characters in all)', as show and a network write it,
    and a page clips it as it clips any long value."""
    store = store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/ns#> .\n"
        f'_:long ex:text "{"L" * 300_000}" .\n'
        "<https://w3id.org/atmp-kg/id/therapy/genex> ex:p0 _:long ; ex:p1 _:long ; ex:p2 _:long .\n",
    )
    genex = "https://w3id.org/atmp-kg/id/therapy/genex"
    srv = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        _, _, page = get(srv, "/id/therapy/genex", headers={"Accept": "text/html"})
        _, _, neighbours = get(srv, "/api/neighbours?" + urllib.parse.urlencode({"iri": genex}))
    finally:
        srv.shutdown()
    cut = "… (more than 20,000 characters in all)"
    shown = {f.property_label: f.value_label for f in atmpkg.open(store).show("genex").facts}
    assert {shown[p] for p in ("p0", "p1", "p2")} == {"text: " + "L" * 19_994 + cut}
    clipped = "text: " + "L" * 1_994 + cut
    assert page.decode().count(f"</th><td>{clipped}</td></tr>") == 3
    data = json.loads(neighbours)
    node = next(n for n in data["nodes"] if n["iri"] == genex)
    facts = {data["properties"][p]: text for p, text, _ in node["facts"]}
    assert [facts[p] for p in ("p0", "p1", "p2")] == [clipped] * 3
    # three in the table of facts, three in the data of the page's view
    assert len(neighbours) < 20_000 and page.count(b"L" * 1_994) == 6


def test_neighbours_draw_a_blank_node_that_links_to_the_entity(fixture_store, tmp_path):
    """joints25 F3: /api/neighbours left out a blank node that links to the entity, which its
    page lists among the links to it: it is a node linked to it, holding what it holds."""
    store = store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/ns#> .\n"
        '[] ex:about <https://w3id.org/atmp-kg/id/therapy/genex> ; ex:why "inbound blank" .\n',
    )
    genex = "https://w3id.org/atmp-kg/id/therapy/genex"
    srv = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        _, _, body = get(srv, "/api/neighbours?" + urllib.parse.urlencode({"iri": genex}))
    finally:
        srv.shutdown()
    data = json.loads(body)
    ids = [n["iri"] for n in data["nodes"]]
    blank = next(n for n in data["nodes"] if n["iri"].startswith("_:"))
    at = ids.index(blank["iri"])
    assert [(data["properties"][p], text) for p, text, _ in blank["facts"]] == [
        ("why", "inbound blank")
    ]
    assert [e[:2] for e in data["edges"] if at in e[:2]] == [[at, ids.index(genex)]]


def test_entity_as_data_by_accept(server, fixture_store):
    iri = ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/alphacel")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for accept, fmt in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("*/*", ox.RdfFormat.TURTLE),
    ):
        status, headers, body = get(server, "/id/therapy/alphacel", headers={"Accept": accept})
        assert status == 200 and headers["Vary"] == "Accept, Accept-Encoding"
        graph = triples_of(body, format=fmt)
        assert {t.object.value for t in graph if t.subject == iri and t.predicate == label} == {
            "Alphacel"
        }
        assert any(t.object == iri for t in graph)  # links to it are included too
    assert (
        get(server, "/id/therapy/alphacel?format=jsonld")[1]["Content-Type"]
        == "application/ld+json"
    )


def test_an_entity_document_holds_every_triple_of_the_store_about_it(server, fixture_store):
    """joints19 J19-2: the document of an IRI is what SPARQL has about it, both ways: the stated
    half of each inverse pair (``?approval atmp:product alphacel``) and the derived facts
    (``atmp:firstApproval``) too, where it once served the entity's card."""
    both_ways = "CONSTRUCT { ?e ?p ?o . ?s ?q ?e } WHERE { { ?e ?p ?o } UNION { ?s ?q ?e } }"
    product = ox.NamedNode("https://w3id.org/atmp-kg/ontology#product")
    first = ox.NamedNode("https://w3id.org/atmp-kg/ontology#firstApproval")
    for path in ("/id/therapy/alphacel", "/id/company/cellco", "/id/agency/ema"):
        iri = ox.NamedNode("https://w3id.org/atmp-kg" + path)
        status, _, body = get(server, path, headers={"Accept": "application/n-triples"})
        served = triples_of(body, format=ox.RdfFormat.N_TRIPLES)
        stored = set(query(both_ways, {"e": iri}, store=fixture_store).triples)
        assert (status, served) == (200, stored), path
    alphacel = ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/alphacel")
    served = triples_of(get(server, "/id/therapy/alphacel")[2], format=ox.RdfFormat.TURTLE)
    assert len([t for t in served if t.predicate == product and t.object == alphacel]) == 3
    assert len([t for t in served if t.predicate == first and t.subject == alphacel]) == 1


def test_an_entity_document_holds_what_its_blank_nodes_hold(fixture_store, tmp_path):
    """newuser25 F13: the document of an IRI named the blank nodes it links to, and those that
    link to it, but not what they hold, which no other address serves: it holds them too, each
    with every blank node it reaches, as an export of the entity writes them."""
    imported = (
        "@prefix ex: <https://example.org/ns#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
        "@prefix company: <https://w3id.org/atmp-kg/id/company/> .\n"
        'therapy:genex ex:protocol [ ex:step "collect" ;\n'
        '    ex:next [ ex:step "manufacture" ; ex:by company:cellco ] ] ;\n'
        '  ex:schedule ( "day 0" "day 22" ) .\n'
        '[] ex:about therapy:genex ; ex:inner [ ex:deep "yes" ] .\n'
    )
    store = store_with_import(fixture_store, tmp_path, imported)
    genex = ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/genex")
    both_ways = "CONSTRUCT { ?e ?p ?o . ?s ?q ?e } WHERE { { ?e ?p ?o } UNION { ?s ?q ?e } }"
    plain = [
        t
        for t in query(both_ways, {"e": genex}, store=store).triples
        if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
    ]
    expected = rdflib.Graph().parse(data=imported, format="turtle")
    expected.parse(data=ox.serialize(plain, format=ox.RdfFormat.N_TRIPLES), format="nt")
    srv = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        for accept, fmt in (("application/n-triples", "nt"), ("text/turtle", "turtle")):
            status, _, body = get(srv, "/id/therapy/genex", headers={"Accept": accept})
            served = rdflib.Graph().parse(data=body, format=fmt)
            assert (status, len(served)) == (200, len(plain) + 13)
            assert isomorphic(served, expected), accept
    finally:
        srv.shutdown()


def test_ui_assets_and_named_query_list(server):
    status, headers, body = get(server, "/")
    assert status == 200 and b'<script src="/static/app.js"' in body
    assert b'<script src="/static/vendor/yasgui/yasgui.min.js"' in body
    for name, media in (
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("vendor/yasgui/yasgui.min.js", "text/javascript"),
        ("vendor/yasgui/yasgui.min.css", "text/css"),
        ("vendor/yasgui/LICENSE", "text/plain"),
    ):
        status, headers, body = get(server, f"/static/{name}")
        assert status == 200 and headers["Content-Type"] == f"{media}; charset=utf-8", name
        assert body == (WEB / name).read_bytes(), name
    # the view files' showable(), served from where the view builder reads it, before app.js
    status, headers, body = get(server, "/static/showable.js")
    assert (status, headers["Content-Type"], headers["Cache-Control"]) == (
        200, "text/javascript; charset=utf-8", "no-cache",
    )  # fmt: skip
    assert body == (WEB.parents[1] / "display" / "showable.js").read_bytes()
    assert b'<script src="/static/showable.js" defer></script>\n<script src="/static/app.js"' in get(server, "/")[2]
    assert get(server, "/static/vendor/yasgui/SHA256SUMS")[0] == 404
    assert get(server, "/static/vendor/revendor.sh")[0] == 404
    config = json.loads(get(server, "/api/queries")[2])
    # The editor completes the ontology's terms from here, never from the internet.
    assert "https://w3id.org/atmp-kg/ontology#Therapy" in config["terms"]["classes"]
    assert "https://w3id.org/atmp-kg/ontology#developedBy" in config["terms"]["properties"]
    assert "http://www.w3.org/2000/01/rdf-schema#label" in config["terms"]["properties"]
    assert "https://w3id.org/atmp-kg/ontology#developedBy" not in config["terms"]["classes"]
    assert [q["name"] for q in config["queries"]] == [q.name for q in all_queries()]
    assert config["prefixes"]["atmp"] == "https://w3id.org/atmp-kg/ontology#"
    target = next(q for q in config["queries"] if q["name"] == "products-by-target")
    assert target["params"][0]["name"] == "target" and target["params"][0]["type"] == "target"
    # the form's placeholders say what an omitted parameter means; newuser25 F23: the period
    # starts on the day the calendar is seen from
    calendar = next(q for q in config["queries"] if q["name"] == "regulatory-calendar")
    assert [(p["name"], p["default"], p["hint"]) for p in calendar["params"]] == [
        ("as_of", "today", "default today"),
        ("from", "as_of", "default as_of"),
        ("to", "from+1y", "default 1 year after from"),
        ("agency", None, "optional"),
    ]


def test_graph_view_of_a_query(server):
    status, headers, body = get(server, "/graph?query=" + urllib.parse.quote(THERAPIES))
    assert status == 200 and body.startswith(b"<!DOCTYPE html>")
    assert b"Alphacel" in body
    status, headers, body = get(
        server, "/graph?query=" + urllib.parse.quote("SELECT ?x WHERE { ?x a atmp:Nothing }")
    )
    # not an error of the request: the Graph tab shows this page in place of a view
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<p>the answer names no entities of the graph: nothing to draw</p>" in body
    assert headers["Content-Security-Policy"] == MESSAGE_CSP


def test_a_graph_view_is_titled_with_its_query_and_parameters_as_atmpkg_view_titles_it(
    server, fixture_store, tmp_path
):
    """joints27 F3: the served Graph view was titled "ATMP-KG: products-by-target" whatever the
    target, where atmpkg view says "ATMP-KG: query products-by-target (target=bcma)"."""
    saved = tmp_path / "view.html"
    args = ["view", "--name", "products-by-target", "-p", "target=cd19", "-o", str(saved)]
    result = CliRunner().invoke(cli, [*args, "--store", str(fixture_store)])
    assert result.exit_code == 0, result.output
    title = "ATMP-KG: query products-by-target (target=cd19)"
    assert f"<title>{title}</title>" in saved.read_text(encoding="utf-8")
    titled = re.compile(rb"<title>(.*?)</title>.*?<h1>(.*?)</h1>", re.S)
    status, _, body = get(server, "/graph?name=products-by-target&p=target%3Dcd19")
    assert status == 200 and titled.search(body).groups() == (title.encode(),) * 2
    # a query's default is not a parameter given: the title names none, the notes say it
    _, _, body = get(server, "/graph?name=products-by-target")
    assert titled.search(body).groups() == (b"ATMP-KG: query products-by-target",) * 2
    # a SPARQL text is "query text", as kg.view(query=...) titles it; a value is escaped
    text = "SELECT ?t ?x WHERE { ?t a atmp:Therapy ; rdfs:label ?l FILTER(?l != ?x) }"
    query_string = urllib.parse.urlencode({"query": text, "p": 'x=<b>&"'})
    _, _, body = get(server, "/graph?" + query_string)
    escaped = b"ATMP-KG: query text (x=&lt;b&gt;&amp;&quot;)"
    assert titled.search(body).groups() == (escaped, escaped)


def test_a_graph_with_nothing_to_draw_says_the_querys_notes(server):
    """joints23 F4: the Graph tab's "Nothing to draw" page said nothing of why, where the query's
    answer had its notes; the page shows them, escaped, and its ATMPKG-Notes header holds them."""
    text = 'SELECT ?x WHERE { ?x a atmp:Therapi ; rdfs:label "Alphacel" }'
    status, headers, body = get(server, "/graph?query=" + urllib.parse.quote(text))
    assert status == 200
    notes = [
        "atmp:Therapi is not a term of the ontology (did you mean atmp:Therapy?): nothing matches it",
        'rdfs:label "Alphacel" matches no value: the graph holds "Alphacel"@en; write that, or '
        'compare the text alone: FILTER(STR(?value) = "Alphacel")',
    ]
    assert json.loads(headers[NOTES_HEADER]) == notes
    paragraphs = re.findall(r"<p>(.*?)</p>", body.decode("utf-8"))
    assert paragraphs == [
        "the answer names no entities of the graph: nothing to draw",
        *(f"Note: {html.escape(note)}" for note in notes),
    ]


#: A therapy imported in a namespace of its own, and a retired IRI of the graph it replaced.
IMPORTED_AND_RETIRED = (
    "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
    "@prefix dct: <http://purl.org/dc/terms/> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "<https://example.org/mine> a atmp:Therapy ; rdfs:label \"Mine\"@en ;\n"
    "    atmp:developedBy <https://w3id.org/atmp-kg/id/company/cellco> ;\n"
    "    atmp:modality <https://w3id.org/atmp-kg/id/modality/car-t> ;\n"
    "    dct:source <https://w3id.org/atmp-kg/id/source/press-genecorp> .\n"
    "<https://w3id.org/atmp-kg/id/therapy/moved> owl:deprecated true ;\n"
    "    dct:isReplacedBy <https://example.org/mine> .\n"
)


def test_a_name_look_up_past_its_limit_is_a_404_without_a_hint(fixture_store, monkeypatch):
    """rev24b F4: on a large graph, the look-up of a path's name outlasted the quick lane's limit
    and the 404 became a 503 'narrow the query'; the path names nothing all the same. So it does
    before the build's names are read (sec25 M2), within their wait, and the read goes on."""
    import atmpkg.graph.server.http as served

    with make_server(fixture_store, port=0, workers=1).start() as srv:
        monkeypatch.setattr(served, "NAME_INDEX_WAIT", 0)
        assert get(srv, "/id/alphacx")[::2] == (404, b"no entity at '/id/alphacx'\n")
        wait_for(lambda: srv.names.get(0) is not None)
        hinted = b"no entity at '/id/alphacx'; did you mean /id/therapy/alphacel?\n"
        assert get(srv, "/id/alphacx")[::2] == (404, hinted)
        # a name only the store's look-up tells (a kind written wrong), past the look-up's limit
        monkeypatch.setattr(served, "QUICK_LIMIT", 1e-9)
        assert get(srv, "/id/compny:cellco")[::2] == (404, b"no entity at '/id/compny:cellco'\n")
        assert srv.names.reads == 1


def test_a_name_is_looked_up_among_names_read_once_per_build_by_no_job(fixture_store):
    """sec25 M2: each look-up of /id/<name> without a kind was a job of the one quick worker that
    read every name of the graph, and a flood of unknown names (16 clients) had 15-25 % of cheap
    ASK queries answer 503. The server reads the build's names once, by a job of the look-up lane
    (joints31 F3: entity pages answer while long queries hold the query workers), and looks
    names up among them without a job; a name only the store's look-up tells (a kind, an IRI,
    "Name (other)") is a job of the look-up lane, never of the quick lane."""
    with make_server(fixture_store, port=0, workers=1).start() as srv:
        jobs = []
        run = srv.pool.run

        def counted(kind, args, timeout, lane="query", gone=None):
            jobs.append((kind, lane))
            return run(kind, args, timeout, lane, gone)

        srv.pool.run = counted
        for path, told in (
            ("/id/alphace", "; did you mean /id/therapy/alphacel?"),
            ("/id/CellCo%20Europe", "; did you mean /id/company/cellco-eu?"),
            ("/id/FDA%20(US)", "; did you mean /id/agency/fda?"),
            *((f"/id/zz{number:08d}", "") for number in range(40)),
        ):
            typed = urllib.parse.unquote(path)
            assert get(srv, path)[::2] == (404, f"no entity at '{typed}'{told}\n".encode()), path
        assert (jobs, srv.names.reads) == ([("names", "lookup")], 1)
        told = b"no entity at '/id/compny:cellco'; did you mean /id/company/cellco?\n"
        assert get(srv, "/id/compny:cellco")[::2] == (404, told)
        assert jobs == [("names", "lookup"), ("named", "lookup")]
        # while cheap queries go on answering at once: none waits for a look-up
        assert json.loads(get(srv, "/health")[2])["quick_workers"]["busy"] == 0


def test_a_build_s_names_are_read_once_even_when_a_rebuild_comes_during_the_read(monkeypatch):
    """A look-up waiting for the names while a rebuild came read the stale build's names again
    and again until its wait ran out (39 reads in 2 s, each a job of a query worker): each read
    is now of the build current when it begins, and a build's names are read once."""
    import atmpkg.graph.server.names as names
    from atmpkg.graph.sparql.entities import NameIndex

    kymriah = "https://w3id.org/atmp-kg/id/therapy/kymriah"
    index = NameIndex({"kymriah": {kymriah}}, {"kymriah": "Kymriah"}, {}, {kymriah: ""}, {})
    builds, read_of = ["build-1"], []
    monkeypatch.setattr(names, "current_build", lambda root: Path(builds[0]))

    def read():
        read_of.append(builds[0])
        if builds[0] == "build-1":
            builds[0] = "build-2"  # a rebuild while the first read runs
        time.sleep(0.05)
        return names.index_body(index)

    kept = names.NameIndexes(Path("store"), read)
    assert kept.get(wait=2).resolve("Kymriah") == kymriah
    assert (kept.reads, read_of) == (2, ["build-1", "build-2"])
    assert kept.get(wait=2) is not None and kept.reads == 2
    # a build whose read a new build cut short is not read again at once, were it current again
    builds[0] = "build-1"
    assert (kept.get(wait=2), kept.reads) == (None, 2)


def test_the_names_kept_tell_what_the_store_s_look_up_tells(fixture_store, tmp_path):
    """sec25 M2: the server looks a name up among the names a worker read (and sent as JSON) as
    resolve_entity looks it up in the store, or leaves it to the store's look-up."""
    from atmpkg.graph import UnknownNameError
    from atmpkg.graph.server.names import index_body, index_of
    from atmpkg.graph.sparql.entities import NameIndex, resolve_entity
    from atmpkg.graph.store.build import open_store

    store = open_store(store_with_import(fixture_store, tmp_path, IMPORTED_AND_RETIRED)).store
    kept = index_of(index_body(NameIndex.read(store)))

    def told(look_up, name):
        try:
            return look_up(name)
        except UnknownNameError as exc:
            return exc.entities
        except ParameterError as exc:
            return str(exc)

    therapy, agency = "https://w3id.org/atmp-kg/id/therapy/", "https://w3id.org/atmp-kg/id/agency/"
    company = "https://w3id.org/atmp-kg/id/company/"
    expected = {
        "ALPHACEL": therapy + "alphacel",
        "alphacabtagene-autoleucel": therapy + "alphacel",
        "alphace": [therapy + "alphacel"],
        "zz00000001": [],
        "USFDA": agency + "fda",
        "FDA (US)": agency + "fda",
        "UKFDA": [agency + "fda"],
        "MINE": "https://example.org/mine",  # imported, in a namespace of its own
        "moved": "https://example.org/mine",  # retired, and replaced
        "Europe (report X)": "https://w3id.org/atmp-kg/id/region/rx-europe",
        "other": "'other' names several entities: therapeuticarea:other, sourcekind:other, "
        "submissiontype:other; write kind:slug",
        " ": "the entity's name is empty: give a label, a slug, kind:slug or an IRI",
        # read alike by the one front half both share (_read_name): spaces, a brand's marks
        "  Alphacel\u2122 ": therapy + "alphacel",
        "ALPHACEL\u00ae": therapy + "alphacel",
        "\u00ae": [],
        "cellco eu": [company + "cellco-eu", company + "cellco"],
    }
    for name, answer in expected.items():
        assert told(kept.resolve, name) == told(lambda n: resolve_entity(n, store), name) == answer, name
    for name in (
        "therapy:alphacel",
        "Therapy/alphacel",
        "compny:cellco",
        "Alphacel (CellCo)",
        therapy + "alphacel",
        f"<{therapy}alphacel>",
        ox.NamedNode(therapy + "alphacel"),
        "<alphacel>",
        "<alphacel",
    ):
        assert kept.resolve(name) is None, name


#: Two therapies of the fixture given one more name, which they share.
TWINS = (
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    '<https://w3id.org/atmp-kg/id/therapy/alphacel> skos:altLabel "Twincel" .\n'
    '<https://w3id.org/atmp-kg/id/therapy/betacel> skos:altLabel "Twincel" .\n'
)


def test_a_word_is_offered_what_it_names_before_a_kind_it_is_like(fixture_store, tmp_path):
    """newuser26: /id/genzym was offered the kind 'agency' where `atmpkg show genzym` offers
    Genzyme, and /id/onasemnogene%20abeparvovec, an INN two therapies share, was offered nothing.
    A word is looked up as a name first: what it names, or what a name several entities share
    names (looked up among the names kept, or by the store's look-up for a name with a kind), or
    what it nearly names unless it is more like a kind than like any of those names."""
    store = store_with_import(fixture_store, tmp_path, TWINS)
    twins = "/id/therapy/alphacel, /id/therapy/betacel"
    with make_server(store, port=0, workers=1).start() as srv:
        for path, told in (
            ("/id/twincel", f"; 'twincel' names several entities: {twins}"),
            ("/id/therapy:Twincel", f"; 'therapy:Twincel' names several entities: {twins}"),
            (
                "/id/other",
                "; 'other' names several entities: /id/source-kind/other, "
                "/id/submission-type/other, /id/therapeutic-area/other",
            ),
            # like the kind 'estimate' (0.6), but more like the name United States (0.96)
            ("/id/unitedstates", "; did you mean /id/country/us?"),
            ("/id/viralvectors", "; did you mean /id/segment/atmp-vector-type--viral-vectors?"),
            # more like the kind 'vector' (0.91) than like 'vector or editing technology' (0.30)
            ("/id/vectr", "; 'vectr' is no kind of entity: did you mean 'vector'?"),
            ("/id/therapi", "; 'therapi' is no kind of entity: did you mean 'therapy'?"),
            ("/id/vectr/aav2", "; 'vectr' is no kind of entity: did you mean 'vector'?"),
        ):
            assert get(srv, path)[::2] == (404, f"no entity at '{path}'{told}\n".encode()), path
        navigation = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
        body = request(srv, "GET", "/id/twincel", None, navigation)[2].decode()
        assert '<a href="/id/therapy/betacel">/id/therapy/betacel</a></p>' in body


def test_a_path_with_its_kind_that_names_nothing_by_slug_reads_the_name_as_show_does(
    fixture_store, tmp_path
):
    """rev26 F5: /id/therapy/onasemnogene%20abeparvovec was offered two therapies whose slugs are
    like it, where `atmpkg show "therapy/onasemnogene abeparvovec"` says the INN names Itvisma and
    Zolgensma, and /id/agency/Food%20and%20Drug%20Administration was offered nothing, where
    show finds the FDA: what names nothing by its slug is read as kind:name, as /id/therapy:x
    is, in each form the page is asked in; a slug's near miss is still offered."""
    store = store_with_import(fixture_store, tmp_path, TWINS)
    twins = "/id/therapy/alphacel, /id/therapy/betacel"
    with make_server(store, port=0, workers=1).start() as srv:
        for path, told in (
            ("/id/therapy/Twincel", f"; 'Twincel' names several entities: {twins}"),
            ("/id/therapy/twin%63el", f"; 'twincel' names several entities: {twins}"),
            # the fixture's FDA is 'US Food and Drug Administration': a near miss by its label
            ("/id/agency/Food%20and%20Drug%20Administration", "; did you mean /id/agency/fda?"),
            ("/id/agency/US%20Food%20and%20Drug%20Administration", "; did you mean /id/agency/fda?"),
            ("/id/company/CellCo%20Europe", "; did you mean /id/company/cellco-eu?"),
            ("/id/therapy/alphace", "; did you mean /id/therapy/alphacel?"),
            ("/id/therapy/zzzz", ""),
        ):
            for accept in ("text/turtle", "application/ld+json", "application/n-triples"):
                answer = get(srv, path, headers={"Accept": accept})[::2]
                typed = urllib.parse.unquote(path)
                assert answer == (404, f"no entity at '{typed}'{told}\n".encode()), (path, accept)
        navigation = {"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
        status, _, body = request(srv, "GET", "/id/therapy/Twincel", None, navigation)
        assert status == 404
        assert (
            "&#x27;Twincel&#x27; names several entities: "
            '<a href="/id/therapy/alphacel">/id/therapy/alphacel</a>, '
            '<a href="/id/therapy/betacel">/id/therapy/betacel</a></p>'
        ) in body.decode()
        # the entity's own page is unchanged
        assert get(srv, "/id/therapy/alphacel", headers={"Accept": "text/turtle"})[0] == 200


def test_a_name_under_the_wrong_kind_is_told_the_entities_it_names_under_their_own(
    fixture_store, tmp_path
):
    """audit: /id/company/kymriah, a therapy's name under the kind company, was a bare 404. A
    name that names no entity of the path's kind is told, with links, the entities of other kinds
    it names, as `atmpkg show` reads it without the kind: one by its kind, several listed; a
    name of nothing keeps the near misses of its kind, or nothing."""
    store = store_with_import(fixture_store, tmp_path, TWINS)
    with make_server(store, port=0, workers=1).start() as srv:
        for path, told in (
            ("/id/company/alphacel", "; 'alphacel' names no company but a therapy: /id/therapy/alphacel"),
            ("/id/agency/AlphaCel", "; 'AlphaCel' names no agency but a therapy: /id/therapy/alphacel"),
            ("/id/therapy/cellco", "; 'cellco' names no therapy but a company: /id/company/cellco"),
            (
                "/id/company/twincel",
                "; 'twincel' names no company but other entities: /id/therapy/alphacel, "
                "/id/therapy/betacel",
            ),
            (
                "/id/company/other",
                "; 'other' names no company but other entities: /id/source-kind/other, "
                "/id/submission-type/other, /id/therapeutic-area/other",
            ),
            ("/id/therapy/alphace", "; did you mean /id/therapy/alphacel?"),
            ("/id/company/zzzz", ""),
            # rev28b F6: a kind in prose in its words, not its path's ('a cell-source')
            ("/id/company/allogeneic", "; 'allogeneic' names no company but a cell source: /id/cell-source/allogeneic"),
            ("/id/cell-source/alphacel", "; 'alphacel' names no cell source but a therapy: /id/therapy/alphacel"),
            ("/id/company/initial", "; 'initial' names no company but an approval type: /id/approval-type/initial"),
        ):
            for accept in ("text/turtle", "application/ld+json"):
                answer = get(srv, path, headers={"Accept": accept})[::2]
                assert answer == (404, f"no entity at '{path}'{told}\n".encode()), (path, accept)
        navigation = {"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
        status, _, body = request(srv, "GET", "/id/company/alphacel", None, navigation)
        assert status == 404
        assert (
            "&#x27;alphacel&#x27; names no company but a therapy: "
            '<a href="/id/therapy/alphacel">/id/therapy/alphacel</a></p>'
        ) in body.decode()


def test_every_id_message_quotes_the_path_and_the_name_as_typed_one_way(server):
    """audit: the /id/ messages quoted what the user gave in quotes, bare or percent-encoded by
    turns. Each quotes the path, and a name or kind it repeats, as typed: decoded (a byte that is
    no UTF-8 kept percent-encoded), in single quotes, escaped on a page."""
    for path, told in (
        ("/id/company/CellCo%20Eur", "no entity at '/id/company/CellCo Eur'; did you mean /id/company/cellco-eu, /id/company/cellco?"),
        ("/id/company/zz%20%22z%22", "no entity at '/id/company/zz \"z\"'"),
        ("/id/therapy/it%27s", "no entity at '/id/therapy/it's'"),
        ("/id/therapy/%FFz", "no entity at '/id/therapy/%FFz'"),
        ("/id/%FF", "no entity at '/id/%FF'"),
        ("/id/therap%20ies/x", "no entity at '/id/therap ies/x'; 'therap ies' is no kind of entity: did you mean 'therapy'?"),
        ("/id/therapi%27s/x", "no entity at '/id/therapi's/x'; 'therapi's' is no kind of entity: did you mean 'therapy'?"),
        ("/id/Cell%43o%20Europe", "no entity at '/id/CellCo Europe'; did you mean /id/company/cellco-eu?"),
    ):
        status, _, body = get(server, path)
        assert (status, body.decode()) == (404, told + "\n"), path
    navigation = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    status, _, body = request(server, "GET", "/id/company/%3Cb%3E%22", None, navigation)
    assert status == 404 and "<p>no entity at &#x27;/id/company/&lt;b&gt;&quot;&#x27;</p>" in body.decode()


class _MessageParts(HTMLParser):
    """A message page's paragraph as a browser reads it: its text and its links (href, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.text, self.links, self._in, self._href = "", [], False, None

    def handle_starttag(self, tag, attrs):
        self._in = self._in or tag == "p"
        self._href = dict(attrs).get("href") if tag == "a" and self._in else self._href
        if self._href is not None:
            self.links.append([self._href, ""])

    def handle_endtag(self, tag):
        self._in = self._in and tag != "p"
        self._href = None if tag == "a" else self._href

    def handle_data(self, data):
        if self._in:
            self.text += data
            if self._href is not None:
                self.links[-1][1] += data


def test_a_message_page_links_a_whole_path_or_none(server):
    """An audit: on the page a browser is shown for a missing /id/ path, the quoted path with
    characters no slug holds had its first part made a link (/id/company/a%3Cb%3E linked
    /id/company/a, /id/company/CellCo%20Eur /id/company/CellCo). A path the message quotes as
    typed is no link; the paths it offers are linked whole, and the text stays escaped."""
    navigation = {"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    for path, text, links in (
        ("/id/company/a%3Cb%3E", "no entity at '/id/company/a<b>'", []),
        ("/id/company/a%3Cb%3Ex%22", "no entity at '/id/company/a<b>x\"'", []),
        ("/id/therapy/it%27s", "no entity at '/id/therapy/it's'", []),
        (
            "/id/company/CellCo%20Eur",
            "no entity at '/id/company/CellCo Eur'; did you mean /id/company/cellco-eu, /id/company/cellco?",
            [["/id/company/cellco-eu", "/id/company/cellco-eu"], ["/id/company/cellco", "/id/company/cellco"]],
        ),
        (
            "/id/therapy/alphace",
            "no entity at '/id/therapy/alphace'; did you mean /id/therapy/alphacel?",
            [["/id/therapy/alphacel", "/id/therapy/alphacel"]],
        ),
        # rev28b F4: a path inside the typed text, after a blank, was linked
        ("/id/company/x%20/id/therapy/alphacel%3F", "no entity at '/id/company/x /id/therapy/alphacel?'", []),
        (
            "/id/compny/x%20/id/therapy/alphacel,",
            "no entity at '/id/compny/x /id/therapy/alphacel,'; 'compny' is no kind of entity: did you "
            "mean 'company'?",
            [],
        ),
        ("/id/x%20/id/therapy/alphacel;", "no entity at '/id/x /id/therapy/alphacel;'", []),
    ):
        status, _, body = request(server, "GET", path, None, navigation)
        page = _MessageParts()
        page.feed(body.decode())
        assert (status, page.text, page.links) == (404, text, links), path
        assert "<b>" not in body.decode(), path


def test_a_kind_alone_is_told_the_path_of_one_of_its_entities_and_how_to_list_them(server):
    """newuser27 F6: /id/therapy, as a newcomer tries it to list the therapies, was a bare "404 no
    entity at /id/therapy". It is told /id/therapy/<slug> with one therapy of the graph for
    example, and how to list them, in text, in the RDF forms and as a page for a browser."""
    listed = "SELECT DISTINCT ?e WHERE {{ ?e ?p ?o FILTER(STRSTARTS(STR(?e), STR({}:))) }}"
    for path, example, kind, command in (
        ("/id/therapy", "/id/therapy/alphacel", "therapy", "atmpkg export --class therapy, or with "),
        ("/id/therapy/", "/id/therapy/alphacel", "therapy", "atmpkg export --class therapy, or with "),
        ("/id/company", "/id/company/bigpharma", "company", "atmpkg export --class company, or with "),
        ("/id/agency", "/id/agency/ema", "agency", "atmpkg export --class agency, or with "),
        ("/id/deal", "/id/deal/bigpharma-cellco-2017", "deal", "atmpkg export --class deal, or with "),
        ("/id/cell-source", "/id/cell-source/allogeneic", "cellsource", ""),
    ):
        named = path.strip("/").split("/")[1]
        told = (
            f"no entity at '{path}'; give /id/{named}/<slug>, such as {example}; list them with "
            f"{command}{listed.format(kind)} on the query page (/)\n"
        )
        for accept in (None, "text/turtle", "application/ld+json"):
            status, headers, body = get(server, path, headers={"Accept": accept} if accept else None)
            assert (status, headers["Content-Type"], body.decode()) == (
                404, "text/plain; charset=utf-8", told,
            ), (path, accept)  # fmt: skip
    navigation = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    status, _, body = request(server, "GET", "/id/therapy", None, navigation)
    assert status == 404
    assert (
        "<p>no entity at &#x27;/id/therapy&#x27;; give /id/therapy/&lt;slug&gt;, such as "
        '<a href="/id/therapy/alphacel">/id/therapy/alphacel</a>; list them with atmpkg export '
        "--class therapy, or with SELECT DISTINCT ?e WHERE { ?e ?p ?o "
        "FILTER(STRSTARTS(STR(?e), STR(therapy:))) } on the query page (/)</p>"
    ) in body.decode()


#: A company of the fixture's whose slug is a kind's plural.
THERAPIES_CO = (
    "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix dct: <http://purl.org/dc/terms/> .\n"
    '<https://w3id.org/atmp-kg/id/company/therapies> a atmp:Company ; rdfs:label "Therapies"@en ;\n'
    "  dct:source <https://w3id.org/atmp-kg/id/source/src-news> .\n"
)


def test_a_kind_in_the_plural_or_by_its_class_is_told_as_the_kind_alone(fixture_store, tmp_path):
    """joints28 F5, newuser28 F4: /id/therapies was offered the company FKD Therapies, and
    /id/companies and /id/Company the concept source-kind:company, as one tries to list them;
    /id/agencies was offered the kind. A kind in the plural, or by its class's local name or
    label in any case, is told what /id/<kind> alone is told, before any near name; the slug of a
    real entity it is keeps that entity's page offered, and the pages under a kind are kept."""
    listed = "SELECT DISTINCT ?e WHERE {{ ?e ?p ?o FILTER(STRSTARTS(STR(?e), STR({}:))) }}"
    store = store_with_import(fixture_store, tmp_path, THERAPIES_CO)
    with make_server(store, port=0, workers=1).start() as srv:
        for path, kind, prefix, example, command in (
            ("/id/companies", "company", "company", "bigpharma", True),
            ("/id/Company", "company", "company", "bigpharma", True),
            ("/id/agencies", "agency", "agency", "ema", True),
            ("/id/approvals", "approval", "approval", "alphacel-ema-2018-08-22-large-b-cell-lymphoma", True),
            ("/id/deals", "deal", "deal", "bigpharma-cellco-2017", True),
            ("/id/Therapies", "therapy", "therapy", "alphacel", True),
            ("/id/RegulatoryAgency", "agency", "agency", "ema", True),
            ("/id/regulatory%20agencies", "agency", "agency", "ema", True),
            ("/id/lifecycle%20events", "event", "event", None, True),
            ("/id/cell-sources", "cell-source", "cellsource", "allogeneic", False),
        ):
            such = f", such as /id/{kind}/{example}" if example else ""
            how = f"atmpkg export --class {kind}, or with " if command else ""
            told = (
                f"no entity at '{urllib.parse.unquote(path)}'; give /id/{kind}/<slug>{such}; "
                f"list them with {how}{listed.format(prefix)} on the query page (/)\n"
            )
            for accept in (None, "text/turtle"):
                answer = get(srv, path, headers={"Accept": accept} if accept else None)[::2]
                assert answer == (404, told.encode()), (path, accept)
        # the slug of a real entity keeps its page, offered and answered
        assert get(srv, "/id/therapies")[::2] == (
            404, b"no entity at '/id/therapies'; did you mean /id/company/therapies?\n",
        )  # fmt: skip
        for page in ("/id/company/therapies", "/id/source-kind/company"):
            assert get(srv, page, headers={"Accept": "text/turtle"})[0] == 200, page


def test_a_kind_in_capitals_or_by_its_class_before_a_slug_is_read_as_the_kind(server):
    """rev28b F5: /id/RegulatoryAgency/fda and /id/THERAPY/kymriah were a bare 404, where the kind
    alone was told as /id/agency is. Before a slug, a kind in the plural, in capitals or by its
    class's name is read as the kind: the page of the entity the slug names under it, its near
    misses or the entities of other kinds it names, else the kind; each as text and as a page."""
    for path, told in (
        ("/id/RegulatoryAgency/ema", "; did you mean /id/agency/ema?"),
        ("/id/regulatory%20agencies/ema", "; did you mean /id/agency/ema?"),
        ("/id/THERAPY/alphacel", "; did you mean /id/therapy/alphacel?"),
        ("/id/Therapy/alphacel", "; did you mean /id/therapy/alphacel?"),
        ("/id/Companies/cellco", "; did you mean /id/company/cellco?"),
        ("/id/THERAPY/alphace", "; did you mean /id/therapy/alphacel?"),
        ("/id/RegulatoryAgency/alphacel", "; 'alphacel' names no agency but a therapy: /id/therapy/alphacel"),
        ("/id/THERAPY/zzzz", "; 'THERAPY' is no kind of entity: did you mean 'therapy'?"),
    ):
        for accept in ("text/turtle", None):
            answer = get(server, path, headers={"Accept": accept} if accept else None)[::2]
            typed = urllib.parse.unquote(path)
            assert answer == (404, f"no entity at '{typed}'{told}\n".encode()), (path, accept)
    navigation = {"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    status, _, body = request(server, "GET", "/id/RegulatoryAgency/ema", None, navigation)
    page = _MessageParts()
    page.feed(body.decode())
    assert (status, page.links) == (404, [["/id/agency/ema", "/id/agency/ema"]])


def test_an_error_is_a_page_for_a_browser_and_text_for_a_program(server):
    status, headers, body = get(server, "/id/therapy/alphace")
    assert (status, headers["Content-Type"]) == (404, "text/plain; charset=utf-8")
    assert body == b"no entity at '/id/therapy/alphace'; did you mean /id/therapy/alphacel?\n"
    # a slug in capitals, a trailing slash, a kind misspelt: each points to the entity
    status, _, body = get(server, "/id/therapies/alphacel")
    assert (status, body) == (
        404,
        b"no entity at '/id/therapies/alphacel'; did you mean /id/therapy/alphacel?\n",
    )
    for wrong in ("/id/therapy/Alphacel", "/id/therapy/alphacel/"):
        status, _, body = get(server, wrong)
        assert (status, body) == (
            404,
            f"no entity at '{wrong}'; did you mean /id/therapy/alphacel?\n".encode(),
        )
    # newuser24 F6: a path without the kind offered nothing; it is offered the page of what it
    # names, as `atmpkg show` reads a name (a slug, a label); a name of nothing is told so
    for wrong, page in (
        ("/id/alphacel", "/id/therapy/alphacel"),
        ("/id/Alphacel", "/id/therapy/alphacel"),
        ("/id/alphacel/", "/id/therapy/alphacel"),
        ("/id/CellCo%20Europe", "/id/company/cellco-eu"),
    ):
        status, _, body = get(server, wrong)
        typed = urllib.parse.unquote(wrong)
        assert (status, body) == (404, f"no entity at '{typed}'; did you mean {page}?\n".encode())
    for wrong, told in (
        ("/id/zzzz", b"no entity at '/id/zzzz'\n"),
        ("/id/therapi", b"no entity at '/id/therapi'; 'therapi' is no kind of entity: did you mean 'therapy'?\n"),
    ):
        status, _, body = get(server, wrong)
        assert (status, body) == (404, told), wrong
    # rev24 F1: a near miss without the kind is offered the pages of the names the look-up
    # suggests, as `atmpkg show` does; a file a crawler asks for and a text longer than any name
    # are looked up in no names
    for wrong, told in (
        ("/id/alphace", b"no entity at '/id/alphace'; did you mean /id/therapy/alphacel?\n"),
        ("/id/compny:cellco", b"no entity at '/id/compny:cellco'; did you mean /id/company/cellco?\n"),
        ("/id/therapy:alphace", b"no entity at '/id/therapy:alphace'; did you mean /id/therapy/alphacel?\n"),
        ("/id/alphacel.php", b"no entity at '/id/alphacel.php'\n"),
        (
            "/id/alphacel" + "%20" * 500,
            # quoted decoded, as typed: 500 spaces
            ("no entity at '/id/alphacel" + " " * 68 + "\u2026 (512 characters)'\n").encode(),
        ),
    ):
        status, _, body = get(server, wrong)
        assert (status, body) == (404, told), wrong
    # what the client sent is quoted on the one line, its line breaks and NULs escaped
    status, _, body = get(server, "/id/therapy/a%0Ab%00")
    assert status == 404 and body.startswith(b"no entity at '/id/therapy/a\\nb\\x00'")
    assert body.count(b"\n") == 1 and b"\x00" not in body
    navigation = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    status, headers, body = request(server, "GET", "/id/therapy/alphace", None, navigation)
    assert (status, headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert headers["Content-Security-Policy"] == MESSAGE_CSP
    assert (
        '<p>no entity at &#x27;/id/therapy/alphace&#x27;; did you mean <a href="/id/therapy/alphacel">'
        "/id/therapy/alphacel</a>?</p>"
    ) in body.decode()
    assert b'<link rel="icon" href="data:,">' in body
    status, _, body = request(server, "GET", "/<script>", None, navigation)
    assert status == 404 and b"<p>nothing at /&lt;script&gt;</p>" in body


def test_a_404_cuts_a_long_path_as_the_other_doors_cut_it(server):
    """joints23 F9: /id/…, /api/neighbours?iri=…, an unknown path and the 404 page repeated a
    6,000-character path whole."""
    long = "kite" * 1500
    cut_entity = "/id/therapy/" + "kite" * 17 + "… (6,012 characters)"
    for path, told in (
        (f"/id/therapy/{long}", f"no entity at '{cut_entity}'\n"),
        (f"/id/{long}/x", f"no entity at '/id/{'kite' * 19}… (6,006 characters)'\n"),
        (f"/{long}", f"nothing at /{'kite' * 19}kit… (6,001 characters)\n"),
        (f"/static/{long}", f"nothing at /static/{'kite' * 18}… (6,008 characters)\n"),
    ):
        assert get(server, path)[::2] == (404, told.encode()), path[:20]
    neighbours = f"/api/neighbours?iri=https://w3id.org/atmp-kg/id/therapy/{long}"
    assert get(server, neighbours)[::2] == (404, f'{{"error": "no entity at \'{cut_entity}\'"}}'.encode())
    navigation = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}
    status, _, body = request(server, "GET", f"/id/therapy/{long}", None, navigation)
    # the cut path names no page: it is not linked
    assert (status, len(body) < 2000) == (404, True)
    assert f"<p>no entity at &#x27;{cut_entity}&#x27;</p>" in body.decode()


ODD_IRIS = """@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix company: <https://w3id.org/atmp-kg/id/company/> .
@prefix modality: <https://w3id.org/atmp-kg/id/modality/> .
@prefix source: <https://w3id.org/atmp-kg/id/source/> .
<https://w3id.org/atmp-kg/id/therapy/My_Therapy> a atmp:Therapy ; rdfs:label "Mine"@en ;
    atmp:developedBy company:cellco ; atmp:modality modality:car-nk ; dct:source source:src-news .
<https://w3id.org/atmp-kg/id/therapy/it's> a atmp:Therapy ; rdfs:label "Its"@en ;
    atmp:developedBy company:cellco ; atmp:modality modality:car-nk ; dct:source source:src-news .
"""


def void_triples(srv) -> int:
    """The triple count the service description gives."""
    _, _, body = get(srv, "/sparql", headers={"Accept": "application/n-triples"})
    void = ox.NamedNode("http://rdfs.org/ns/void#triples")
    found = [
        t.object for t in triples_of(body, format=ox.RdfFormat.N_TRIPLES) if t.predicate == void
    ]
    return int(found[0].value)


def test_an_import_while_serving_renews_the_count_and_an_iri_of_no_slug_has_its_page(tmp_path):
    import pyoxigraph as ox

    from atmpkg.graph.store.build import open_store

    store = tmp_path / "store"
    build(store, data_dir=FIXTURE_DATA)
    # IRIs of no slug, as a store an earlier version imported them holds them (an import now
    # refuses them: joints23 F2), written into the build before the server reads it
    built = ox.Store(str(open_store(store).oxigraph_path))
    built.load(ODD_IRIS.encode(), ox.RdfFormat.TURTLE)
    del built
    # one therapy where the odd ones were two, with the facts a build derives: another count
    (tmp_path / "mine.ttl").write_text(ODD_IRIS.split("<https://w3id.org/atmp-kg/id/therapy/it's>")[0].replace("My_Therapy", "mine"))
    srv = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        # the company's page links to each as the server answers it
        _, _, page = get(srv, "/id/company/cellco", headers={"Accept": "text/html"})
        links = {'href="/id/therapy/My_Therapy"': "Mine", 'href="/id/therapy/it%27s"': "Its"}
        for link in links:
            assert link in page.decode()
        for path, label in (("/id/therapy/My_Therapy", "Mine"), ("/id/therapy/it%27s", "Its")):
            status, _, body = get(srv, path, headers={"Accept": "application/n-triples"})
            assert status == 200 and f'"{label}"'.encode() in body
        assert get(srv, "/id/therapy/it's")[0] == 200  # as a client may send it unencoded
        assert get(srv, "/id/therapy/a%20b")[0] == 404  # no IRI holds a space
        assert get(srv, "/id/therapy/%ff")[0] == 404  # nor bytes that are no UTF-8
        for stray in ("/id/therapy/%25", "/id/therapy/a%25zz"):  # nor a % without its digits
            assert get(srv, stray)[:1] == (404,), stray
        before = void_triples(srv)
        told = b"no entity at '/id/mine'; did you mean /id/therapy/My_Therapy?\n"
        assert get(srv, "/id/mine")[::2] == (404, told)
        atmpkg.open(store).import_files([tmp_path / "mine.ttl"])
        # the service description counts the new build's triples, as the answers read them
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert before != void_triples(srv) == int(query(count, store=store).rows[0][0].value)
        assert get(srv, "/id/therapy/mine")[0] == 200
        # the names the server looks /id/<name> up in are the new build's (sec25 M2)
        told = b"no entity at '/id/mine'; did you mean /id/therapy/mine?\n"
        assert (get(srv, "/id/mine")[::2], srv.names.reads) == ((404, told), 2)
    finally:
        srv.shutdown()


def test_a_process_holding_a_thousand_files_is_still_answered(server):
    """Seen in session 23's full suite: once the process held more than 1,024 files (a query
    process and its pipes for each store a test opened), select() refused the connection's
    descriptor and every answer was a 503; the server and the query path poll instead."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        assert held[-1] > 1024
        status, _, body = sparql_get(server, "ASK { ?s ?p ?o }")
        assert (status, body) == (200, b'{"head": {}, "boolean": true}\n')
        assert query("ASK { ?s ?p ?o }", store=server.store_root).boolean is True
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_serve_command_help():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--timeout",
        "--max-rows",
        "--workers",
        "--cors",
        "--allow-remote",
        "--memory",
    ):
        assert option in result.output


def test_an_entity_page_shows_dates_as_stated_and_links_identifiers(server):
    html = {"Accept": "text/html"}
    status, headers, body = get(
        server, "/id/approval/betacel-pmda-2022-01-multiple-myeloma", headers=html
    )
    page = body.decode("utf-8")
    assert status == 200
    assert "<th>date</th><td>2022-01</td>" in page and "2022-01-01" not in page
    status, headers, body = get(server, "/id/indication/multiple-myeloma", headers=html)
    assert (
        '<a href="https://meshb.nlm.nih.gov/record/ui?ui=D009101" rel="noopener noreferrer '
        'nofollow">D009101</a>'
    ) in body.decode("utf-8")


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/n3", ox.RdfFormat.TURTLE),  # N3 is answered as Turtle, which every N3 reader reads
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ],
)
def test_construct_and_entities_in_every_rdf_format_the_exports_write(
    server, fixture_store, accept, fmt
):
    text = "CONSTRUCT WHERE { therapy:alphacel ?p ?o }"
    status, headers, body = sparql_get(server, text, accept=accept)
    assert (status, headers["Content-Type"].split(";")[0]) == (200, accept)
    expected = set(query(text, store=fixture_store).triples)
    assert triples_of(body, fmt) == expected
    status, headers, body = get(server, "/id/therapy/alphacel", headers={"Accept": accept})
    assert status == 200 and len(triples_of(body, fmt)) > 10


def test_sparqlwrapper_asks_for_n3(server):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("CONSTRUCT WHERE { therapy:alphacel rdfs:label ?l }")
    client.setReturnFormat("n3")
    document = client.query().convert()
    assert b"Alphacel" in document


def test_answers_are_gzipped_for_clients_that_accept_it(server):
    import gzip

    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    plain = sparql_get(server, text, accept="text/csv")
    path = "/sparql?" + urllib.parse.urlencode({"query": text})
    status, headers, body = get(
        server, path, headers={"Accept": "text/csv", "Accept-Encoding": "gzip, deflate"}
    )
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert headers["Vary"] == "Accept, Accept-Encoding"
    assert gzip.decompress(body) == plain[2] and len(body) * 4 < len(plain[2])
    assert "Content-Encoding" not in plain[1]
    refused = get(server, path, headers={"Accept": "text/csv", "Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused[1] and refused[2] == plain[2]
    head = request(server, "HEAD", path, headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
    assert head[2] == b"" and head[1]["Content-Length"] == str(len(body))


# --- answers kept by build: ETag and 304 ------------------------------------------------------------


def test_an_answer_is_kept_by_build_and_revalidated_with_its_etag(fixture_store, tmp_path):
    from atmpkg.graph.store.build import build

    store = tmp_path / "store"
    build(store, data_dir=Path(__file__).parent / "data" / "fixture")
    text = "SELECT ?t WHERE { ?t a atmp:Therapy } ORDER BY ?t"
    with make_server(store, port=0, workers=1).start() as srv:
        status, first, body = sparql_get(srv, text, accept="text/csv")
        assert status == 200 and first["Cache-Control"] == "no-cache"
        tag = first["ETag"]
        assert tag.startswith('W/"') and len(tag) == 36  # W/"32 hex digits"
        # the same request again: the same bytes, from the answers kept, not from a worker
        _, second, again = sparql_get(srv, text, accept="text/csv")
        assert (second["ETag"], again) == (tag, body)
        assert json.loads(get(srv, "/health")[2])["answers_kept"] == {
            "entries": 1,
            "bytes": len(body) + 64 + len("csv"),  # with its key (SHA-256) and format
            "hits": 1,
            "misses": 1,
        }
        # a client that holds it is told so, with no body
        path = "/sparql?" + urllib.parse.urlencode({"query": text})
        held = {"Accept": "text/csv", "If-None-Match": tag}
        status, headers, empty = get(srv, path, headers=held)
        assert (status, headers["ETag"], empty) == (304, tag, b"")
        assert headers["Vary"] == first["Vary"] == "Accept, Accept-Encoding"
        # a graph page varies by no Accept: nor does its 304
        graph = "/graph?" + urllib.parse.urlencode({"query": text})
        _, page, _ = get(srv, graph)
        status, kept, _ = get(srv, graph, headers={"If-None-Match": page["ETag"]})
        assert (status, kept["Vary"]) == (304, page["Vary"]) == (304, "Accept-Encoding")
        # another format is another answer; a POST is never answered 304
        assert sparql_get(srv, text, accept="application/sparql-results+json")[1]["ETag"] != tag
        form = urllib.parse.urlencode({"query": text}).encode()
        posted = request(
            srv,
            "POST",
            "/sparql",
            body=form,
            headers={**held, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert posted[0] == 200 and posted[2] == body
        # an answer that changes at each evaluation is neither kept nor tagged
        # whichever way the engine reads the call: a comment before "(", or glued to a keyword
        for volatile in (
            "SELECT (RAND() AS ?r) WHERE {}",
            "SELECT (RAND#call\n() AS ?r) WHERE {}",
            "SELECT * { BIND(STRUUID() AS ?u) } ORDER BYRAND()",
        ):
            status, headers, _ = sparql_get(srv, volatile)
            assert status == 200 and "ETag" not in headers, volatile
        # the CSV and JSON answers and the graph page
        assert json.loads(get(srv, "/health")[2])["answers_kept"]["entries"] == 3
        # a new build is a new answer: the tag the client holds no longer matches
        build(store, data_dir=Path(__file__).parent / "data" / "fixture")
        status, headers, again = get(srv, path, headers=held)
        assert status == 200 and again == body and headers["ETag"] != tag


def test_a_query_stops_when_its_client_hangs_up(fixture_store):
    import socket as sockets

    with make_server(fixture_store, port=0, workers=1, timeout=20).start() as srv:
        wait_for(lambda: srv.pool.idle == 1)
        url = urllib.parse.urlsplit(srv.url)
        client = sockets.create_connection((url.hostname, url.port), timeout=10)
        path = "/sparql?" + urllib.parse.urlencode({"query": SLOW})
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
        wait_for(lambda: srv.pool.idle == 0)  # the query holds the only worker
        hung_up = time.monotonic()
        client.close()
        # the worker is stopped and replaced well before the query's 20 s limit
        wait_for(lambda: srv.pool.idle == 1, seconds=10)
        assert time.monotonic() - hung_up < 10
        assert sparql_get(srv, THERAPIES)[0] == 200


def test_a_retired_entity_iri_redirects_for_good_to_the_entity_that_replaced_it(tmp_path):
    from atmpkg.graph import build

    data = Path(__file__).parent / "data" / "fixture"
    copy = tmp_path / "data"
    copy.mkdir()
    for file in data.glob("*.csv"):
        (copy / file.name).write_bytes(file.read_bytes())
    (copy / "retired.csv").write_text(
        "iri,replaced_by,note\n"
        "approval/alphacel-fda-2017-08-large-b-cell-lymphoma,"
        "approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma,the date was given to the day\n",
        encoding="utf-8",
    )
    build(tmp_path / "store", data_dir=copy)
    srv = make_server(tmp_path / "store", port=0, timeout=10, workers=1).start()
    try:
        new = "/id/approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma"
        status, headers, body = get(srv, "/id/approval/alphacel-fda-2017-08-large-b-cell-lymphoma")
        assert (status, headers["Location"], body) == (301, new, f"moved to {new}\n".encode())
        status, headers, _ = get(
            srv, "/id/approval/alphacel-fda-2017-08-large-b-cell-lymphoma?format=ttl"
        )
        assert (status, headers["Location"]) == (301, new + "?format=ttl")
        assert get(srv, new)[0] == 200
    finally:
        srv.shutdown()
    # replaced by an imported entity of the importer's own namespace, which has no page here
    # (sec14 L1: a 500)
    mine = tmp_path / "mine.ttl"
    mine.write_text(IMPORTED_AND_RETIRED)
    import_files([mine], tmp_path / "store")
    srv = make_server(tmp_path / "store", port=0, timeout=10, workers=1).start()
    try:
        status, _, body = get(srv, "/id/therapy/moved")
        assert (status, body) == (
            404,
            b"'/id/therapy/moved' was replaced by https://example.org/mine, which has no page on "
            b"this server; query it (DESCRIBE <https://example.org/mine>)\n",
        )
    finally:
        srv.shutdown()


def _large_ask() -> bytes:
    """An ASK of about 40 kB that the gate accepts and the engine answers at once."""
    values = " ".join(f"<urn:v:{i}>" for i in range(3_000))
    return f"ASK {{ VALUES ?v {{ {values} }} }}".encode()


def test_large_texts_are_checked_two_at_a_time(server, monkeypatch):
    from atmpkg.graph.server import http as served

    running, most, lock = 0, 0, threading.Lock()
    check = served.gate.check

    def counted(text, **kwargs):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.3)  # long enough for the six requests to meet
            return check(text, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(served.gate, "check", counted)
    answers: list[int] = []
    headers = {"Content-Type": "application/sparql-query"}

    def ask() -> None:
        answers.append(request(server, "POST", "/sparql", _large_ask(), headers)[0])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 6
    assert most == served.LARGE_CHECKS == 2


def test_a_large_text_waits_for_a_check_then_is_answered_503(server, monkeypatch):
    from atmpkg.graph.server import http as served

    monkeypatch.setattr(served, "LARGE_CHECK_WAIT", 0.2)
    headers = {"Content-Type": "application/sparql-query"}
    for _ in range(served.LARGE_CHECKS):
        server.large_checks.acquire()
    try:
        status, got, body = request(server, "POST", "/sparql", _large_ask(), headers)
        assert (status, got["Retry-After"]) == (503, "1")
        assert body == b"the server is checking other large queries; retry shortly\n"
        # a short text does not wait for them, nor does the longest named query's text pasted
        status, _, _ = request(server, "POST", "/sparql", b"ASK { ?s ?p ?o }", headers)
        assert status == 200
        assert max(len(q.text) for q in all_queries()) < served.LARGE_TEXT
        just_under = b"ASK { ?s ?p ?o }".ljust(served.LARGE_TEXT - 1)
        status, _, _ = request(server, "POST", "/sparql", just_under, headers)
        assert status == 200
    finally:
        for _ in range(served.LARGE_CHECKS):
            server.large_checks.release()
    assert request(server, "POST", "/sparql", _large_ask(), headers)[0] == 200


def test_query_text_takes_its_parameters_with_p(server):
    """joints21 J21-7: query text whose header declares a parameter could not be given it over
    HTTP (p= was refused beside query=), so one with a required parameter never ran."""
    text = "# param: t therapy *  The therapy\nSELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    status, _, body = get(
        server, "/sparql?" + urllib.parse.urlencode({"query": text, "p": "t=alphacel", "format": "csv"})
    )
    assert (status, body) == (200, b"t,l\r\nhttps://w3id.org/atmp-kg/id/therapy/alphacel,Alphacel\r\n")
    status, _, body = sparql_get(server, text)
    assert (status, body) == (
        400,
        b"the query text needs parameter 't' (therapy): The therapy; give it with -p t=VALUE (over "
        b"HTTP, p=t=VALUE)\n",
    )
    # without a header, p= binds a variable the SELECT returns, as -p does
    plain = "SELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    status, _, body = get(
        server,
        "/sparql?" + urllib.parse.urlencode(
            {"query": plain, "p": "t=<https://w3id.org/atmp-kg/id/therapy/alphacel>", "format": "csv"}
        ),
    )
    assert (status, body) == (200, b"t,l\r\nhttps://w3id.org/atmp-kg/id/therapy/alphacel,Alphacel\r\n")


def test_a_query_texts_parameter_or_variable_given_without_p_is_refused(server):
    """newuser22 F1: beside query=, target=cd19 (for p=target=cd19) was not read, and the
    answer was every target's; a parameter of the client's own is still no concern of ours."""
    text = "# param: t therapy *  The therapy\nSELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    plain = "SELECT ?t WHERE { ?t atmp:target ?x }"
    for door in ("/sparql", "/graph"):
        for asked, bare, told in (
            (text, ("t", "alphacel"), b"t is a parameter of the query text (its param: header): give it as p=t=alphacel\n"),
            (plain, ("x", "target:cd19"), b"?x is a variable of the query: to bind it, give it as p=x=target:cd19\n"),
            # newuser23 F25: written as SPARQL writes a variable, it was ignored (200, unbound)
            (plain, ("?x", "target:cd19"), b"?x is a variable of the query: to bind it, give it as p=x=target:cd19\n"),
            (plain, ("$x", "target:cd19"), b"?x is a variable of the query: to bind it, give it as p=x=target:cd19\n"),
            (text, ("?t", "alphacel"), b"t is a parameter of the query text (its param: header): give it as p=t=alphacel\n"),
        ):
            status, _, body = get(server, f"{door}?" + urllib.parse.urlencode({"query": asked, bare[0]: bare[1]}))
            assert (status, body) == (400, told), (door, bare)
    status, _, body = get(
        server, "/sparql?" + urllib.parse.urlencode({"query": plain, "utm_source": "mail", "format": "csv"})
    )
    assert (status, body.split(b"\r\n")[0]) == (200, b"t")
    # rev22 F5: SPARQLWrapper repeats its format as output= and results=, which no ?output or
    # ?results of the query is
    wrapper = {"query": "SELECT ?results WHERE { ?results a atmp:Therapy } LIMIT 1", "format": "json"}
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode({**wrapper, "output": "json", "results": "json"}))
    assert status == 200 and json.loads(body)["head"]["vars"] == ["results"]
    # sec22 L1: the value is cut where it is repeated, as a named query's door cuts it
    form = urllib.parse.urlencode({"query": plain, "x": "a" * 300_000, "p": "t=" + "b" * 300_000})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = request(server, "POST", "/sparql", form.encode(), headers)
    assert (status, body.decode()) == (
        400, "?x is a variable of the query: to bind it, give it as p=x=" + "a" * 80 + "… (300,000 characters)\n"
    )


def test_an_answer_that_makes_a_triple_term_is_a_400_not_a_500(server):
    """sec22 M5: the XML writer, the JSON-LD writer and the Graph tab failed on one (500)."""
    select = "SELECT ?t WHERE { BIND(<<( <urn:s> <urn:p> <urn:o> )>> AS ?t) }"
    construct = "CONSTRUCT { <urn:a> rdfs:comment ?t } WHERE { BIND(<<( <urn:s> <urn:p> <urn:o> )>> AS ?t) }"
    for door, text, accept in (
        ("/sparql", select, "application/sparql-results+xml"),
        ("/sparql", construct, "application/ld+json"),
        ("/graph", construct, None),
    ):
        status, _, body = get(
            server, f"{door}?" + urllib.parse.urlencode({"query": text}), headers={"Accept": accept} if accept else None
        )
        where, term = ("?t", "?t") if text == select else ("a triple it makes", "the term")
        assert (status, body.decode()) == (
            400,
            f"the answer holds an RDF 1.2 triple term in {where}, which this graph (RDF 1.1) and "
            f"its formats do not: return its parts instead, SUBJECT({term}), PREDICATE({term}) and "
            f"OBJECT({term})\n",
        ), door


@pytest.mark.parametrize("stopping", [False, True])
def test_a_connection_that_fails_as_the_server_stops_is_no_error(server, server_log, stopping):
    """A SIGTERM under load logged "Bad file descriptor" with its trace, from a connection the
    stopping server had closed; before it stops, the same error is one."""
    server.stopping = stopping
    try:
        raise OSError(9, "Bad file descriptor")
    except OSError:
        server_log.set_level(logging.DEBUG, logger="atmpkg.server")
        server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.stopping = False
    assert [r.levelname for r in server_log.records] == (["DEBUG"] if stopping else ["ERROR"])


def test_a_date_compared_with_now_less_a_duration_has_the_note_in_its_header(server, fixture_store):
    """joints28 F1: FILTER(?d > NOW() - "P1Y"^^xsd:yearMonthDuration) had no ATMPKG-Notes over
    HTTP, as in the library, where ?d > NOW() had one; it has the library's note now."""
    text = 'SELECT ?a WHERE { ?a atmp:date ?d FILTER(?d > NOW() - "P1Y"^^xsd:yearMonthDuration) }'
    status, headers, _ = sparql_get(server, text, accept="text/csv")
    notes = atmpkg.open(fixture_store).query(text).notes
    assert notes[0].startswith('?d > NOW() - "P1Y"^^xsd:yearMonthDuration compares atmp:date\'s values')
    assert (status, json.loads(headers[NOTES_HEADER])) == (200, notes)


def test_two_companies_no_ownership_line_or_deal_joins_are_pointed_to_path_on_every_door(
    server, fixture_store
):
    """newuser28 F6: company-connections answered (0 rows) and no more, although path finds how
    else the two companies are connected; each door names its own way to ask."""
    head = "no ownership line or deal joins company:othercorp and company:bigpharma; "
    tail = " finds how else they are connected (through products, targets, indications or claims)"
    both = f"{head}atmpkg path othercorp bigpharma (Python: kg.path('othercorp', 'bigpharma')){tail}"
    kg = atmpkg.open(fixture_store)
    answer = kg.named("company-connections", company="OtherCorp", other="bigpharma")
    assert (answer.rows, answer.notes) == ([], [both])
    assert kg.path("othercorp", "bigpharma")  # the connection the note points to
    assert kg.named("company-connections", company="cellco-eu", other="bigpharma").notes == []
    said = CliRunner().invoke(
        cli,
        ["query", "--name", "company-connections", "-p", "company=othercorp", "-p",
         "other=bigpharma", "--store", str(fixture_store)],
    )  # fmt: skip
    assert said.exit_code == 0
    assert said.stderr == f"Note: {head}atmpkg path othercorp bigpharma{tail}\n"
    status, headers, _ = get(
        server, "/sparql?name=company-connections&p=company%3Dothercorp&p=other%3Dbigpharma"
    )
    assert (status, json.loads(headers[NOTES_HEADER])) == (200, [both])


def test_an_invisible_character_in_an_entity_parameter_is_named_on_every_door(
    server, fixture_store
):
    """newuser28 F3: 'bigpharma' with a zero-width space was told "unknown company 'bigpharma'"
    with the character unseen, and "did you mean 'bigpharma'?", the text the user sees."""
    zw = "'\\u200b' (U+200B ZERO WIDTH SPACE) is an invisible character here: delete it"
    listed = "(parameter 'company') Its values: bigpharma, cellco, cellco-eu, genecorp, othercorp."
    kg = atmpkg.open(fixture_store)
    with pytest.raises(atmpkg.UnknownNameError) as caught:
        kg.named("company-portfolio", company="bigpharma\u200b")
    assert str(caught.value) == f"unknown company 'bigpharma\\u200b'; {zw}. {listed}"
    # a name it looks like that is not what was written is offered still
    with pytest.raises(atmpkg.UnknownNameError) as caught:
        kg.named("company-portfolio", company="bigpharm\u200b")
    assert str(caught.value) == (
        f"unknown company 'bigpharm\\u200b'; {zw}; did you mean 'bigpharma'? {listed}"
    )
    said = CliRunner().invoke(
        cli, ["show", "Big\u00a0Pharma", "--store", str(fixture_store)]
    )
    assert said.exit_code == 1
    assert said.stderr == (
        "Error: unknown entity 'Big\\xa0Pharma'; '\\xa0' (U+00A0 NO-BREAK SPACE) is an invisible "
        "character here: write an ordinary space instead. Give a label, a slug such as kymriah, "
        "or an IRI.\n"
    )
    status, _, body = get(
        server, "/sparql?name=company-portfolio&p=" + urllib.parse.quote("company=bigpharma\u200b")
    )
    assert (status, body.decode()) == (
        400, f"unknown company 'bigpharma\\u200b'; {zw}. {listed}\n"
    )


def test_the_query_a_kinds_page_offers_has_no_note_over_http(server):
    """newuser29 F3: ATMPKG-Notes held "modality: names nothing in the graph …" for the query
    /id/modality offers, whose answer is right."""
    text = "SELECT DISTINCT ?e WHERE { ?e ?p ?o FILTER(STRSTARTS(STR(?e), STR(modality:))) }"
    status, headers, _ = sparql_get(server, text, accept="text/csv")
    assert (status, headers[NOTES_HEADER]) == (200, None)


def test_an_entity_page_negotiates_the_aliases_sparql_does_for_graphs(fixture_store, tmp_path):
    """newuser29 F4: Accept: application/json, application/xml, text/xml and application/x-turtle
    were a 406 on /id/ (while ?format=json answered there, and /sparql took them as aliases of
    its graph formats); through a real `atmpkg serve`, as curl asks."""
    import signal

    from conftest import find_binary, free_port, stop_process, wait_until_up

    port, log = free_port(), tmp_path / "serve.log"
    command = [find_binary(("atmpkg",), "pip install -e ."), "serve", "--port", str(port)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*command, "--store", str(fixture_store)], stdout=out, stderr=subprocess.STDOUT
        )

    def asked(path, accept):
        call = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept})
        try:
            with urllib.request.urlopen(call, timeout=30) as answer:
                return answer.status, answer.headers.get_content_type(), answer.read()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.headers.get_content_type(), refused.read()

    describe = "/sparql?" + urllib.parse.urlencode({"query": "DESCRIBE therapy:alphacel"})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process, log, 60)
        for accept, media, syntax in (
            ("application/json", "application/ld+json", "application/ld+json"),
            ("application/xml", "application/rdf+xml", "application/rdf+xml"),
            ("text/xml", "application/rdf+xml", "application/rdf+xml"),
            ("application/x-turtle", "text/turtle", "text/turtle"),
        ):
            status, given, body = asked("/id/therapy/alphacel", accept)
            assert (status, given) == (200, media), accept
            assert ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/alphacel") in {
                t.subject for t in ox.parse(body, format=ox.RdfFormat.from_media_type(syntax))
            }, accept
            assert asked(describe, accept)[:2] == (200, media), accept
        # a browser's Accept, which names application/xml below text/html, still gets the page
        browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        assert asked("/id/therapy/alphacel", browser)[:2] == (200, "text/html")
        # what no graph is answered as is still a 406, naming each format once
        status, _, body = asked("/id/therapy/alphacel", "image/png")
        assert (status, body.decode().rstrip("\n")) == (
            406,
            "an entity can be answered as: text/turtle, text/html, application/n-triples, "
            "application/ld+json, application/rdf+xml, text/n3, application/n-quads, "
            "application/trig (Accept header or format=)",
        )
    finally:
        stop_process(process, signal.SIGKILL)


@pytest.mark.parametrize(
    "pattern",
    [
        "?a atmp:product therapy:alphacel",
        "?a a atmp:Therapy",
        "{ ?a a atmp:Therapy } UNION { ?a a atmp:Company }",
    ],
)
def test_a_text_function_given_a_subject_variable_is_noted(fixture_store, pattern):
    """joints32 F6: the note came only for a variable that is a property's value; a pattern's
    subject is an IRI in every graph."""
    kg = atmpkg.open(fixture_store)
    answer = kg.query(f'SELECT (GROUP_CONCAT(?a; separator=", ") AS ?as) WHERE {{ {pattern} }}')
    assert (answer.rows, answer.notes) == (
        [(None,)],
        [
            "?as is empty: GROUP_CONCAT gives nothing for ?a, without an error, since ?a holds "
            "IRIs (it is the subject of a pattern) and it takes text; write STR(?a) in its place"
        ],
    )
    # its text gets none
    text = kg.query(f"SELECT (GROUP_CONCAT(STR(?a)) AS ?as) WHERE {{ {pattern} }}")
    assert (text.rows[0][0].value != "", text.notes) == (True, [])


def test_a_text_function_given_iris_is_noted_on_every_door(server, fixture_store):
    """newuser31 F9: GROUP_CONCAT of the sources' addresses (IRIs) gave an empty cell on every row
    and no note; STR() of them is their text."""
    text = (
        'SELECT ?a (GROUP_CONCAT(?url; separator=" ") AS ?urls) WHERE { ?a a atmp:Approval ; '
        "dct:source ?s . ?s schema:url ?url } GROUP BY ?a ORDER BY ?a LIMIT 2"
    )
    note = (
        "?urls is empty: GROUP_CONCAT gives nothing for ?url, without an error, since ?url holds "
        "IRIs (the values of schema:url) and it takes text; write STR(?url) in its place"
    )
    kg = atmpkg.open(fixture_store)
    answer = kg.query(text)
    assert [row[1] for row in answer.rows] == [None, None]
    assert answer.notes == [note]
    said = CliRunner().invoke(cli, ["query", text, "--store", str(fixture_store)])
    assert (said.exit_code, said.stderr) == (0, f"Note: {note}\n")
    status, headers, _ = sparql_get(server, text, accept="text/csv")
    assert (status, json.loads(headers[NOTES_HEADER])) == (200, [note])
    # its text, or text, gets none; nor does a column empty for another reason
    fixed = kg.query(text.replace("GROUP_CONCAT(?url;", "GROUP_CONCAT(STR(?url);"))
    assert [row[1].value for row in fixed.rows] == [
        "https://ema.example/alphacel",
        "https://fda.example/alphacel",
    ]
    assert fixed.notes == []
    titles = text.replace("schema:url", "dct:title")
    assert kg.query(titles).notes == []
    lengths = kg.query(
        "SELECT ?s (STRLEN(?url) AS ?n) (CONCAT(?title, ?url) AS ?both) WHERE { "
        "?s dct:title ?title OPTIONAL { ?s schema:url ?url } } ORDER BY ?s LIMIT 1"
    )
    assert lengths.rows[0][1:] == (None, None)
    assert lengths.notes == [
        "?n is empty: STRLEN gives nothing for ?url, without an error, since ?url holds IRIs "
        "(the values of schema:url) and it takes text; write STR(?url) in its place",
        "?both is empty: CONCAT gives nothing for ?url, without an error, since ?url holds IRIs "
        "(the values of schema:url) and it takes text; write STR(?url) in its place",
    ]


def test_a_double_given_as_p_is_bound_as_a_number(server):
    """sec32 F3: p=m=1e9 on a SPARQL text bound the string "1e9": 200, no rows, no note."""
    text = "SELECT ?d ?m WHERE { ?d atmp:valueUSD ?v FILTER(?v > ?m) } ORDER BY ?d"
    by_integer = sparql_get(server, text, "text/csv", p="m=1000000000")
    by_double = sparql_get(server, text, "text/csv", p="m=1e9")
    assert by_double[0] == 200 and by_double[2] == by_integer[2]
    assert len(by_double[2].splitlines()) > 1
    status, _, body = sparql_get(server, text, "text/csv", p="m=1e-400")
    assert (status, body.decode().startswith("parameter 'm' is '1e-400', past what")) == (400, True)

"""The SPARQL 1.1 Protocol, apart from sockets: what a request asks for and how it may be answered.

Content negotiation (the Accept header, or ``format=``, against the formats an answer of each query
form can take), a request's parameters read as a query job (``query=``, or ``name=`` with
``p=NAME=VALUE``) and its time limit (``timeout=``), which queries are quick enough for the quick
lane (:func:`quick_query`), :class:`HttpError` for every answer other than 200, and the SPARQL 1.1
Service Description. Shared by the HTTP handler (:mod:`atmpkg.graph.server.http`) and the worker
processes that run the queries (:mod:`atmpkg.graph.server.workers`).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence

import pyoxigraph as ox

from ... import queries
from ...queries import assignments
from ..engine.gate import Token
from ..errors import (
    AtmpkgError,
    NotSparqlError,
    ParameterError,
    QueryRefusedError,
    QueryTooComplexError,
    UnknownNameError,
    cut,
)
from ..sparql.named import DefaultNote
from ..sparql.run import ValueNote
from ..terms import PREFIXES

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
    ("n3", "text/n3"),
    ("nq", "application/n-quads"),
    ("trig", "application/trig"),
    # aliases, after the formats' own types, which win a tie: what R's httr::accept_json() and
    # XML tools send
    ("ttl", "application/x-turtle"),
    ("jsonld", "application/json"),
    ("rdfxml", "application/xml"),
    ("rdfxml", "text/xml"),
)
OFFERS = {"table": TABLE_OFFERS, "graph": GRAPH_OFFERS}
# Turtle first: a client that accepts anything (curl) gets data; a browser asks for text/html.
# The same graph formats and aliases as /sparql's graph answers (newuser29 F4: the aliases were
# cut off here, and Accept: application/json was a 406 on /id/ while /sparql answered JSON-LD).
ENTITY_OFFERS = (GRAPH_OFFERS[0], ("html", "text/html"), *GRAPH_OFFERS[1:])
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
    "n3": "text/n3",
    "nq": "application/n-quads",
    "trig": "application/trig",
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
    "N3",
    "N-Quads",
    "TriG",
)
RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    # Turtle is N3 without N3's rules and formulae: every Turtle document is an N3 document
    "n3": ox.RdfFormat.TURTLE,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


class HttpError(Exception):
    """An answer other than 200, with the message the client sees (never a trace or a path)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, dict(headers or {})


def refused(error: QueryRefusedError) -> HttpError:
    """The answer to a query the gate refuses: 403 with its reason, without the library's way of
    lifting the refusal, which this endpoint never does; 400 for a text too large or too deeply
    nested, which is malformed for this endpoint rather than forbidden.

    >>> refused(QueryRefusedError("SERVICE is refused.", "Pass allow=['service'].")).message
    'SERVICE is refused. This endpoint does not lift the refusal; the library and the command line can (see the README, "Security model").'
    """
    message = error.reason
    if error.lift:
        message += (
            " This endpoint does not lift the refusal; the library and the command line can "
            '(see the README, "Security model").'
        )
    return HttpError(400 if isinstance(error, QueryTooComplexError) else 403, message)


def not_sparql(error: NotSparqlError) -> str:
    """What to send instead of a name given as the query: this endpoint's ``name=`` and
    ``p=NAME=VALUE`` for a named query, the text of a query file as ``query=``, not the command
    line's and Python's ways.

    >>> not_sparql(NotSparqlError("products-by-target", named=True))
    "'products-by-target' is the name of a named query, not SPARQL: run it with name=products-by-target, its parameters as p=NAME=VALUE (target)"
    >>> not_sparql(NotSparqlError("q.rq", named=False))
    "'q.rq' is a file name, not SPARQL: send the query in it as query= (with curl: --data-urlencode query@q.rq)"
    """
    if not error.named:
        return error.told(
            f"send the query in it as query= (with curl: --data-urlencode query@{error.name})"
        )
    declared = [param.name for param in queries.load(error.name).params]
    given = f", its parameters as p=NAME=VALUE ({', '.join(declared)})" if declared else ""
    return error.told(f"run it with name={error.name}{given}")


# --- content negotiation --------------------------------------------------------------------------


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
    "n3": "text/n3",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "trig": "application/trig",
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
    for value in values:
        if value.strip().lower() not in FORMAT_NAMES and "/" not in value:
            raise HttpError(
                400,
                f"format= takes a short name ({', '.join(FORMAT_NAMES)}) or a media type, got "
                f"'{value}'",
            )
    return ", ".join(FORMAT_NAMES.get(v.strip().lower(), v) for v in values)


def not_acceptable(what: str, offers: Sequence[tuple[str, str]]) -> HttpError:
    """The 406 for ``what`` (e.g. "a SELECT query"), naming the media types it can be answered as.

    >>> not_acceptable("a query", GRAPH_OFFERS[:2]).message
    'a query can be answered as: text/turtle, application/n-triples (Accept header or format=)'
    """
    types = ", ".join(dict.fromkeys(MEDIA_TYPES[name] for name, _ in offers))
    return HttpError(406, f"{what} can be answered as: {types} (Accept header or format=)")


# --- request parameters ---------------------------------------------------------------------------


#: A text with nothing but white space and comments. The loop is possessive: a comment runs to
#: its line's end and is never cut shorter, so a text is read one way only; backtracking split a
#: run of n '#' into comments 2^n ways, holding the server's every thread for hours (sec27 F2).
_BLANK = re.compile(r"(?:\s|#[^\n\r]*)*+")


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    """The one value of parameter ``name``, None when absent; given twice is an error."""
    values = params.get(name, [])
    if len(values) > 1:
        raise HttpError(400, f"parameter '{name}' given {len(values)} times; give it once")
    return values[0] if values else None


def _named_params(params: Mapping[str, list[str]]) -> dict[str, str]:
    """``p=NAME=VALUE`` parameters of a named query."""
    try:
        return assignments(params.get("p", []), "p=")
    except ParameterError as exc:
        raise HttpError(400, str(exc)) from None


def _no_bare_params(name: str, params: Mapping[str, list[str]]) -> None:
    """Refuse a parameter of the named query ``name`` given as a URL parameter of its own
    (``target=bcma``): unread, it would leave the query to its default and answer a question
    not asked (every target).

    >>> _no_bare_params("products-by-target", {"name": ["products-by-target"], "target": ["bcma"]})
    Traceback (most recent call last):
    ...
    atmpkg.graph.server.protocol.HttpError: target is a parameter of the named query \
products-by-target: give it as p=target=bcma
    """
    try:
        declared = queries.load(name).params
    except UnknownNameError:
        return  # refused with suggestions where the query is run
    for param in declared:
        if param.name in params:
            value = cut(params[param.name][0])
            raise HttpError(
                400,
                f"{param.name} is a parameter of the named query {name}: give it as "
                f"p={param.name}={value}",
            )


#: The URL parameters a query request is read by, and those other endpoints read that clients
#: send all the same (SPARQLWrapper repeats its format as output= and results=, rev22 F5); any
#: other is the client's own, and unread.
QUERY_PARAMS = frozenset(
    {"query", "name", "p", "format", "timeout", "update", "default-graph-uri", "named-graph-uri"}
    | {"output", "results", "callback", "_"}
)


def no_bare_bindings(text: str, variables: Collection[str], params: Mapping[str, list[str]]) -> None:
    """Refuse a URL parameter of its own (``target=cd19``) named as a parameter that the query
    ``text``'s header declares, or as one of its ``variables``: unread, it left the query to
    answer for every value (newuser22 F1), where ``p=`` binds it. The name may be written as
    SPARQL writes a variable, ``?x=`` or ``$x=`` (newuser23 F25).

    >>> no_bare_bindings("SELECT ?x WHERE { ?t atmp:target ?x }", {"t", "x"}, {"?x": ["target:bcma"]})
    Traceback (most recent call last):
    ...
    atmpkg.graph.server.protocol.HttpError: ?x is a variable of the query: to bind it, give it as p=x=target:bcma
    """
    bare = sorted(set(params) - QUERY_PARAMS)
    if not bare:
        return
    declared: set[str] = set()
    if text.lstrip().startswith("#"):
        with contextlib.suppress(AtmpkgError):  # a header in error is named where the query runs
            declared = {p.name for p in queries.parse("text", text, "the query text").params}
    for given in bare:
        name = given[1:] if given[:1] in "?$" else given
        value, shown = cut(params[given][0]), cut(name)
        if name in declared:
            raise HttpError(
                400,
                f"{shown} is a parameter of the query text (its param: header): give it as "
                f"p={shown}={value}",
            )
        if name in variables:
            raise HttpError(
                400, f"?{shown} is a variable of the query: to bind it, give it as p={shown}={value}"
            )


def query_job(params: Mapping[str, list[str]]) -> dict:
    """The query a request asks for: ``{"text": ...}`` or ``{"name": ..., "params": ...}``.

    >>> query_job({"name": ["products-by-target"], "p": ["target=cd19"]})
    {'name': 'products-by-target', 'params': {'target': 'cd19'}}
    """
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
        _no_bare_params(name, params)
        return {"name": name, "params": _named_params(params)}
    if _BLANK.fullmatch(text):
        raise HttpError(400, "the query is empty: give SPARQL in query= (or as the body)")
    # p= binds the parameters a text's header declares, or its SELECT's variables, as the
    # command line's -p does (joints21 J21-7: a header's required parameter could not be given)
    return {"text": text, "params": _named_params(params)} if params.get("p") else {"text": text}


#: The lowest ``timeout=`` a client may ask for, in seconds: a query stopped at its limit costs
#: the server a new worker (and, with ``--in-memory``, a new copy of the store), so a limit that
#: stops every query would cost far more work than it asks for.
MIN_CLIENT_TIMEOUT = 1.0


def client_timeout(params: Mapping[str, list[str]], limit: float) -> float:
    """The server's time ``limit``, or the client's ``timeout=`` when it is lower (never higher,
    never below :data:`MIN_CLIENT_TIMEOUT`).

    >>> client_timeout({"timeout": ["5"]}, 30), client_timeout({"timeout": ["1e999"]}, 30)
    (5.0, 30)
    >>> client_timeout({"timeout": ["0.8"]}, 0.5)  # under a limit below 1 s: the limit
    0.5
    """
    given = _single(params, "timeout")
    if given is None:
        return limit
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not seconds > 0:  # NaN too; an infinite one is only higher than the limit
        raise HttpError(400, f"timeout must be a positive number of seconds, got '{given}'")
    floor = min(MIN_CLIENT_TIMEOUT, limit)
    if seconds < floor:
        raise HttpError(
            400,
            f"timeout must be at least {floor:g} second, got '{given}': a query "
            "stopped at its limit costs the server a new worker",
        )
    return min(seconds, limit)


# --- an answer's notes ----------------------------------------------------------------------------

#: Notes an answer's ``ATMPKG-Notes`` header carries at most; one more says how many were left out.
MOST_NOTES = 5
#: Longest note in that header, in bytes as JSON writes it in ASCII (a longer one is cut, ending
#: in "…"): with :data:`MOST_NOTES`, the header stays within 2.5 KB, under the 4 KB a proxy in
#: front (nginx's default buffer) holds for all of an answer's headers.
NOTE_BYTES = 400


def http_notes(notes: Sequence[str]) -> list[str]:
    """An answer's notes as this endpoint says them: a parameter that took its default is given
    another value as ``p=NAME=VALUE``, not the command line's ``-p`` or a Python keyword
    (newuser25 F28), as :func:`not_sparql` words an error, and so is the value a parameter's
    note says to give instead (joints30 F4).

    >>> http_notes([DefaultNote("as_of is 2026-12-05 (default today)", "as_of", "YYYY-MM-DD",
    ...                         "for another day"), "atmp:Therapi is not a term"])
    ['as_of is 2026-12-05 (default today); give p=as_of=YYYY-MM-DD for another day', 'atmp:Therapi is not a term']
    >>> print(*http_notes([ValueNote("parameter 'n' is 2", "n", '"2"^^xsd:decimal')]))
    parameter 'n' is 2; give p=n="2"^^xsd:decimal
    """
    return [
        note.told(f"p={note.name}={note.value}")
        if isinstance(note, DefaultNote | ValueNote)
        else note
        for note in notes
    ]


def _cut(note: str) -> str:
    """``note``, cut so that its JSON in ASCII takes at most :data:`NOTE_BYTES` bytes."""
    if len(json.dumps(note)) <= NOTE_BYTES:
        return note
    room, kept = NOTE_BYTES - len(json.dumps("…")), []
    for char in note:
        room -= len(json.dumps(char)) - 2
        if room < 0:
            break
        kept.append(char)
    return "".join(kept) + "…"


def notes_header(notes: Sequence[str]) -> str | None:
    """The value of an answer's ``ATMPKG-Notes`` header: its notes (``QueryResult.notes``) as a
    JSON list in ASCII, so that any character survives a header, bounded (at most
    :data:`MOST_NOTES`, each cut to :data:`NOTE_BYTES`, and a last one naming how many more there
    were); None for an answer without notes.

    >>> print(notes_header(["atmp:Thérapie is not a term of the ontology"]))
    ["atmp:Th\\u00e9rapie is not a term of the ontology"]
    >>> json.loads(notes_header([f"note {i}" for i in range(7)]))[-2:]
    ['note 4', '2 more notes left out: the library and atmpkg query give them all']
    >>> len(notes_header(["é" * 1000] * 9)) <= 2500, notes_header([])
    (True, None)
    """
    if not notes:
        return None
    shown = [_cut(note) for note in notes[:MOST_NOTES]]
    left = len(notes) - len(shown)
    if left:
        shown.append(
            f"{left} more note{'s' if left > 1 else ''} left out: the library and atmpkg query "
            "give them all"
        )
    return json.dumps(shown)


# --- quick queries ---------------------------------------------------------------------------------

# Token kinds that are one RDF term (or variable) each.
_TERM_KINDS = frozenset({"var", "iri", "pname", "number"})


def _is(tokens: Sequence[Token], i: int, kind: str, text: str | None = None) -> bool:
    """Whether ``tokens[i]`` exists, is of ``kind`` and, given ``text``, reads it (any case)."""
    return (
        i < len(tokens)
        and tokens[i].kind == kind
        and (text is None or tokens[i].text.upper() == text)
    )


def _term_end(tokens: Sequence[Token], i: int) -> int | None:
    """Where the RDF term or variable that starts at ``tokens[i]`` ends, None when none starts."""
    if i < len(tokens) and tokens[i].kind in _TERM_KINDS:
        return i + 1
    if any(_is(tokens, i, "word", word) for word in ("A", "TRUE", "FALSE")):
        return i + 1
    if not _is(tokens, i, "string"):
        return None
    if _is(tokens, i + 1, "lang"):
        return i + 2
    if _is(tokens, i + 1, "punct", "^^") and (
        _is(tokens, i + 2, "iri") or _is(tokens, i + 2, "pname")
    ):
        return i + 3
    return i + 1


def quick_query(tokens: Sequence[Token]) -> bool:
    """Whether a query (its tokens, from :func:`atmpkg.graph.engine.gate.check`) is cheap by its shape
    alone: ``ASK``, or ``SELECT *`` or of plain variables, over a WHERE clause that is empty or one
    triple pattern of plain terms, with at most ``LIMIT n`` after it (PREFIX and BASE declarations
    allowed). Such a query is one index lookup whose rows the server caps, so it may take the quick
    lane; anything else (a second pattern, FILTER, a path, DISTINCT, ORDER BY, OFFSET, an
    expression) may be long and is not quick.

    >>> from atmpkg.graph.engine.gate import check
    >>> quick_query(check("ASK {}").tokens), quick_query(check("SELECT * { ?s a atmp:Therapy } LIMIT 5").tokens)
    (True, True)
    >>> quick_query(check("SELECT * { ?s ?p ?o } ORDER BY ?o").tokens)
    False
    """

    def at(i: int, kind: str, text: str | None = None) -> bool:
        return _is(tokens, i, kind, text)

    i = 0
    while True:  # the prologue
        if at(i, "word", "PREFIX") and at(i + 1, "pname") and at(i + 2, "iri"):
            i += 3
        elif at(i, "word", "BASE") and at(i + 1, "iri"):
            i += 2
        else:
            break
    if at(i, "word", "ASK"):
        i += 1
    elif at(i, "word", "SELECT"):
        i += 1
        if at(i, "punct", "*"):
            i += 1
        elif at(i, "var"):
            while at(i, "var"):
                i += 1
        else:
            return False
    else:
        return False
    if at(i, "word", "WHERE"):
        i += 1
    if not at(i, "punct", "{"):
        return False
    i += 1
    terms = 0
    while terms < 3 and (end := _term_end(tokens, i)) is not None:
        i, terms = end, terms + 1
    if terms not in (0, 3):
        return False
    if terms == 3 and at(i, "punct", "."):
        i += 1
    if not at(i, "punct", "}"):
        return False
    i += 1
    if at(i, "word", "LIMIT") and at(i + 1, "number"):
        i += 2
    return i == len(tokens)


# --- the service description ----------------------------------------------------------------------


def service_description(endpoint: str, triples: int, fmt: str) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint, in ``fmt`` (ttl, nt, jsonld, rdfxml).

    >>> b"sd:endpoint <http://127.0.0.1:7878/sparql>" in service_description(
    ...     "http://127.0.0.1:7878/sparql", 25636, "ttl")
    True
    """
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

"""Write query results: an aligned table for people, and the W3C formats for programs.

SELECT and ASK: ``table``, ``csv``, ``tsv``, ``json`` (SPARQL 1.1 Query Results JSON), ``xml``
(SPARQL Query Results XML). CONSTRUCT and DESCRIBE: ``ttl``, ``nt``, ``jsonld`` (``table`` prints
Turtle).

>>> r = QueryResult("SELECT", ["n"], [(ox.Literal("1"),)])
>>> print(format_result(r, "table"))
n
-
1
<BLANKLINE>
"""

from __future__ import annotations

import csv
import html
import io
import json
import unicodedata
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from atmpkg.graph.errors import UnknownNameError
from atmpkg.graph.sparql import QueryResult, Term
from atmpkg.graph.terms import PREFIXES, XSD, shorten

TABLE_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("table", "ttl", "nt", "jsonld")
FORMATS = ("table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld")
_RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "table": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _width(text: str) -> int:
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )


def _table(result: QueryResult) -> str:
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    header = result.variables
    rows = [[_cell(t).replace("\n", " ") for t in row] for row in result.rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out) + "\n"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def _delimited(result: QueryResult, fmt: str) -> str:
    buffer = io.StringIO()
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        writer.writerows([_csv_value(t) for t in row] for row in result.rows)
        return buffer.getvalue()
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _json_term(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _json(result: QueryResult) -> str:
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
        for row in result.rows
    ]
    return (
        json.dumps(
            {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD + "string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(result: QueryResult) -> str:
    out = [
        '<?xml version="1.0"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    if result.form == "ASK":
        out += [
            "</head>",
            f"<boolean>{'true' if result.boolean else 'false'}</boolean>",
            "</sparql>",
        ]
        return "\n".join(out) + "\n"
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables] + ["</head>", "<results>"]
    for row in result.rows:
        out.append("<result>")
        out += [
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(result.variables, row, strict=True)
            if t is not None
        ]
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """Serialise ``result`` in ``fmt``; a format that does not fit the query form is refused with
    the formats that do."""
    graph = result.form in ("CONSTRUCT", "DESCRIBE")
    allowed = GRAPH_FORMATS if graph else TABLE_FORMATS
    if fmt not in allowed:
        raise UnknownNameError(
            f"format for {result.form} results",
            fmt,
            allowed,
            "Formats: " + ", ".join(allowed) + ".",
        )
    if graph:
        prefixes = PREFIXES if fmt in ("ttl", "table") else None
        return ox.serialize(result.triples, format=_RDF_FORMATS[fmt], prefixes=prefixes).decode(
            "utf-8"
        )
    if result.form == "UPDATE":
        return ""
    return {"table": _table, "json": _json, "xml": _xml}.get(fmt, lambda r: _delimited(r, fmt))(
        result
    )


def to_html_table(result: QueryResult) -> str:
    """An HTML table of a result for notebooks; every value is escaped."""
    if result.form == "ASK":
        return f"<p>{'true' if result.boolean else 'false'}</p>"
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        return f"<pre>{html.escape(format_result(result, 'ttl'))}</pre>"
    head = "".join(f"<th>{html.escape(v)}</th>" for v in result.variables)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(t))}</td>" for t in row) + "</tr>"
        for row in result.rows
    )
    note = f"<p>first {result.limit} rows only</p>" if result.truncated else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"

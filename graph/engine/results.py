"""Write query results: an aligned table for people, and the W3C formats for programs.

SELECT and ASK: ``table``, ``csv``, ``tsv``, ``json`` (SPARQL 1.1 Query Results JSON), ``xml``
(SPARQL Query Results XML). CONSTRUCT and DESCRIBE: ``ttl``, ``nt``, ``jsonld`` (``table`` prints
Turtle).

>>> from atmpkg.graph.engine.evaluate import QueryResult
>>> r = QueryResult("SELECT", ["n"], [(ox.Literal("1"),)])
>>> print(format_result(r, "table"))
n
-
1
<BLANKLINE>
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..errors import ParameterError, UnknownNameError, visible
from ..rdf import money_text, used_prefixes
from ..terms import ID, ONTOLOGY, XSD, shorten

if TYPE_CHECKING:  # for annotations only: evaluate imports this module to show its results
    from .evaluate import QueryResult, Term

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


_NUMBERS = {XSD + n for n in ("integer", "decimal", "double", "float", "long", "int", "short")}
#: Numbers of this many digits (10,000) up get thousands separators; years and small counts stay
#: as they are.
_GROUPED_FROM_DIGITS = 5


def _is_number(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value in _NUMBERS


def _number(term: ox.Literal, short: bool = False) -> str:
    """A number for people: ``11900000000`` as ``11,900,000,000``, or with ``short`` as ``11.9 B``
    (three significant digits, K, M or B); other forms as stored."""
    whole, point, fraction = term.value.partition(".")
    digits = whole.lstrip("+-")
    # digits, not int(): Python refuses to turn text of over 4,300 digits into an int
    significant = digits.lstrip("0") or "0"
    if not digits.isascii() or not digits.isdigit() or len(significant) < _GROUPED_FROM_DIGITS:
        return term.value
    if short and len(significant) <= 12:  # up to 999 B; larger ones are shown whole
        value = float(term.value)
        for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            # the largest unit the number reaches once rounded to three digits: 999,600,000 is
            # 1 B, not 1e+03 M
            shown = f"{value / size:.3g}"
            if "e" not in shown and abs(float(shown)) >= 1:
                return f"{shown} {unit}"
    head = len(significant) % 3 or 3
    grouped = significant[:head] + "".join(
        "," + significant[i : i + 3] for i in range(head, len(significant), 3)
    )
    return f"{whole[: len(whole) - len(digits)]}{grouped}{point}{fraction}"


def display_width(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide East Asian character, none for a
    combining mark, one for any other.

    >>> display_width("Kymriah"), display_width("キムリア"), display_width("信玖凝 (Xinjiu Ning)")
    (7, 8, 20)
    """
    if text.isascii():  # most cells: one column per character
        return len(text)
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )


#: What never starts a line of East Asian text (closing punctuation, the long-vowel mark, small
#: kana) and what never ends one (opening brackets).
_CLOSING = frozenset("、。，．！？」』）〕］｝〉》ーぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_OPENING = frozenset("「『（〔［｛〈《")


def _pieces(text: str) -> Iterator[tuple[str, str]]:
    """The pieces a line may break between, each with the space before it (dropped where the line
    breaks): the words of ``text``, and within a word each wide character (East Asian text is
    written without spaces and may break between any two characters, though not inside its
    brackets' edges)."""
    for match in re.finditer(r"(\s*)(\S+)", text):
        space, word = match.groups()
        if word.isascii():
            yield word, space
            continue
        piece = ""
        for c in word:
            wide = display_width(c) == 2 or display_width(piece[-1:]) == 2
            if wide and piece and c not in _CLOSING and piece[-1] not in _OPENING:
                yield piece, space
                piece, space = "", ""
            piece += c
        yield piece, space


def wrap(text: str, width: int | None, indent: str = "", hanging: str = "") -> str:
    """``text`` after ``indent``, wrapped to ``width`` display columns (see
    :func:`display_width`) with ``hanging`` before each following line. A line breaks at a space,
    or between two characters of East Asian text; a word longer than the width (a URL, an IRI)
    is never split. With no width (the output goes to a pipe or a file) it stays on one line.

    >>> print(wrap("Kite Pharma, a subsidiary of Gilead Sciences", 24, "  ", "    "))
      Kite Pharma, a
        subsidiary of Gilead
        Sciences
    >>> print(wrap("住友ファーマ「アムシェプリ」の承認取得 (Sumitomo Pharma)", 24, "  ", "    "))
      住友ファーマ「アムシェ
        プリ」の承認取得
        (Sumitomo Pharma)
    >>> wrap("one line", None, "  ")
    '  one line'
    """
    if width is None or display_width(indent + text) <= width:
        return indent + text
    lines: list[str] = []
    line, used = indent, display_width(indent)
    for number, (piece, space) in enumerate(_pieces(text)):
        gap, size = "" if number == 0 else space, display_width(piece)
        if number and used + len(gap) + size > width:
            lines.append(line)
            line, used = hanging + piece, display_width(hanging) + size
        else:
            line, used = line + gap + piece, used + len(gap) + size
    return "\n".join([*lines, line])


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, ending in "…" when something was left out.

    >>> _cut("Kymriah", 5), _cut("キムリア", 5), _cut("Abecma", 6)
    ('Kymr…', 'キム…', 'Abecma')
    """
    if display_width(text) <= width:
        return text
    if text.isascii():
        return text[: width - 1] + "…"
    out, used = "", 0
    for c in text:
        if used + display_width(c) > width - 1:
            break
        out += c
        used += display_width(c)
    return out + "…"


def _cut_start(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns from its start, which "…" replaces (for IRIs, whose
    ends tell them apart).

    >>> _cut_start("approval:kymriah-fda-2017-08-30-b-all", 12)
    '…08-30-b-all'
    """
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for c in reversed(text):
        if used + display_width(c) > width - 1:
            break
        out = c + out
        used += display_width(c)
    return "…" + out


#: The fewest characters of a URL's end (its page) a cut URL keeps beside its host.
_URL_END_AT_LEAST = 6
#: The graph's own IRIs, which a table shows as prefixed names where it can.
OWN = (ID, ONTOLOGY)
#: An address of another site: a scheme, the host (who published it), then the rest.
_URL = re.compile(r"https?://(?P<host>[^/?#]+)(?P<rest>.*)", re.I | re.S)


def _cut_url(url: str, width: int) -> str:
    """``url``, another site's address, cut to ``width`` columns: its host first, which tells
    who published it, then as much of its end as fits, the scheme left out; where the host
    leaves too little room for the end, the address cut at its end (newuser26 F12: a source's URL
    cut from its start hid the site).

    >>> url = "https://www.dcatvci.org/industry-news/bayer-completes-acquisition-of-askbio/"
    >>> _cut_url(url, 34), _cut_url(url, 20)
    ('www.dcatvci.org…isition-of-askbio/', 'www.dcatvci.org/ind…')
    """
    found = _URL.fullmatch(url)
    if display_width(url) <= width or found is None:
        return _cut(url, width)
    host, rest = found["host"], found["rest"]
    if display_width(host) + 1 + _URL_END_AT_LEAST > width:
        return _cut(host + rest, width)
    return host + _cut_start(rest, width - display_width(host))


def _cut_cell(cell: str, width: int, by_end: bool) -> str:
    """A table's cell cut to ``width`` columns: with ``by_end``, an IRI, the graph's told apart by
    its end and another site's address by its host first, its page then; else at its end.

    >>> _cut_cell("approval:kymriah-fda-2017-08-30-b-all", 12, True), _cut_cell("Kymriah", 5, False)
    ('…08-30-b-all', 'Kymr…')
    """
    if not by_end:
        return _cut(cell, width)
    return _cut_url(cell, width) if _URL.fullmatch(cell) and not cell.startswith(OWN) else _cut_start(cell, width)


#: The most of an IRI's end a cut column keeps to tell rows apart: past it, the IRI is cut as
#: any text would be (a narrow terminal shows the rest with --wide).
_END_AT_MOST = 24


def _distinct_end_width(column: list[str], others: list[tuple[str, ...]]) -> int:
    """The narrowest width (at most :data:`_END_AT_MOST`) at which cutting from the start
    (:func:`_cut_start`) keeps apart the values of ``column`` on rows that the other columns
    (``others``, row by row) do not tell apart, such as one product's approvals of one day for
    two indications. Two values keep apart when more than their common ending is shown, so the
    values of a group are compared in the order of their reversed text, neighbour with neighbour.

    >>> rows = [("Apceden", "2017"), ("Apceden", "2017"), ("Kymriah", "2017")]
    >>> _distinct_end_width(["approval:apceden-2017-crc", "approval:apceden-2017-prc", "approval:k"], rows)
    4
    """
    groups: dict[tuple[str, ...], set[str]] = {}
    for value, other in zip(column, others, strict=True):
        groups.setdefault(other, set()).add(value)
    common = 0
    for values in groups.values():
        ends = sorted(value[::-1] for value in values)
        for a, b in itertools.pairwise(ends):
            shared = len(os.path.commonprefix([a, b]))
            common = max(common, shared)
    return min(common + 2, _END_AT_MOST)  # the ending shared, one character more, and "…"


def _empty_columns(result: QueryResult) -> list[str]:
    """The columns of a table with rows that have no value on any of them (with their name
    column), other than the query's parameters: a table leaves them out and names them below,
    since a column of blanks only takes the width the others need.

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> _empty_columns(QueryResult("SELECT", ["t", "tName", "alias"], [(ox.Literal("x"), None, None)]))
    ['alias']
    """
    if not result.rows:
        return []
    index = {v: i for i, v in enumerate(result.variables)}
    return [
        v
        for v, i in index.items()
        if v not in result.parameters
        and not (v.endswith("Name") and v[:-4] in index)
        and all(
            r[i] is None and (v + "Name" not in index or r[index[v + "Name"]] is None)
            for r in result.rows
        )
    ]


def _no_value(empty: Collection[str]) -> str:
    """What a table for people says, below its rows, of the columns it leaves out as
    :func:`_empty_columns`; the text and the notebook's HTML say it alike.

    >>> _no_value(["alias", "company"])
    'no value on any row: alias, company'
    """
    return f"no value on any row: {', '.join(empty)}" if empty else ""


def _shown_columns(
    result: QueryResult, wide: bool, empty: Collection[str] = ()
) -> list[tuple[str, int, int | None]]:
    """The columns a person sees: ``(header, index, name index)``. A parameter of the query is left
    out, with its name column, when it is bound or empty on every row, and so are the columns
    ``empty``; an entity column ``x`` with a ``xName`` column beside it shows the name, and the
    name column is not repeated. ``wide`` keeps every column as it is."""
    if wide:
        return [(v, i, None) for i, v in enumerate(result.variables)]
    index = {v: i for i, v in enumerate(result.variables)}
    constant = {
        v
        for v, bound in result.parameters.items()
        if v in index and (bound is not None or all(r[index[v]] is None for r in result.rows))
    }
    shown = []
    for i, v in enumerate(result.variables):
        if v in constant or v in empty or (v.endswith("Name") and v[:-4] in index):
            continue
        shown.append((v, i, index.get(v + "Name")))
    return shown


#: Columns this narrow (dates, codes, acronyms) are never cut.
_UNCUT = 10
#: The narrowest a column of text is cut to: narrower, a cell tells the reader nothing, and the
#: table is shown as records instead.
_CUT_AT_LEAST = 8


def _fit(
    widths: list[int], values: list[int], numeric: list[bool], room: int, telling: list[int]
) -> list[int]:
    """Narrow the widest columns, one column of text at a time, until the table fits ``room``:
    text down to :data:`_CUT_AT_LEAST` columns or to its ``telling`` width (see
    :func:`_telling_width`), a column of numbers or of short values (dates, codes) down to its
    widest value, its header cut: those values are never cut. A table that does not fit then is
    shown as records: text cut shorter than a short word or two tells the reader nothing."""
    widths = list(widths)
    floor = [
        max(value, 4) if number else max(value, 1) if value <= _UNCUT else max(_CUT_AT_LEAST, tell)
        for value, number, tell in zip(values, numeric, telling, strict=True)
    ]
    while sum(widths) + 2 * (len(widths) - 1) > room:
        wider = [i for i, w in enumerate(widths) if w > floor[i]]
        if not wider:
            break
        widest = max(wider, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _table(
    result: QueryResult,
    width: int | None = None,
    wide: bool = False,
    empty: list[str] | None = None,
) -> str:
    """The table for people; ``empty``, the columns left out as having no value, when they are
    decided on more rows than ``result`` holds (a preview's: on the whole answer)."""
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    if wide:
        empty = []
    elif empty is None:
        empty = _empty_columns(result)
    columns = _shown_columns(result, wide, empty)
    if not columns and result.rows:  # a blank line per row reads as if something were missing
        nothing = f"; {_no_value(empty)}" if empty else ""
        return f"({_count(len(result.rows), 'row')}{nothing})\n"
    below = f"({_no_value(empty)})\n" if empty else ""
    headers = [header for header, _, _ in columns]
    numeric = [
        any(_is_number(row[i]) for row in result.rows)
        and all(row[i] is None or _is_number(row[i]) for row in result.rows)
        for _, i, _ in columns
    ]

    def text(row: tuple, i: int, name: int | None, short: bool) -> str:
        term = row[name] if name is not None and row[name] is not None else row[i]
        if _is_number(term):
            return _number(term, short)
        if isinstance(term, ox.NamedNode) and not wide and shorten(term.value).startswith("<"):
            return visible(term.value)  # an address (a source's URL), readable as it is
        if isinstance(term, ox.Literal) and term.datatype.value == XSD + "string":
            # an amount in another currency grouped as the numbers are (joints29 F4)
            return visible(money_text(term.value, _GROUPED_FROM_DIGITS))
        return visible(_cell(term).replace("\n", " "))

    # An entity shown by its IRI (no name beside it) is told apart by the end of its name
    # (approval:kymriah-fda-2017-08-30-b-all): cut, it keeps its end, never narrower than keeps
    # its rows apart
    by_end = [
        name is None
        and any(isinstance(row[i], ox.NamedNode) for row in result.rows)
        and all(isinstance(row[i], ox.NamedNode | None) for row in result.rows)
        for _, i, name in columns
    ]

    def table(short: bool) -> tuple[list[list[str]], list[int]]:
        rows = [[text(row, i, name, short) for _, i, name in columns] for row in result.rows]
        values = [max([0] + [display_width(r[c]) for r in rows]) for c in range(len(headers))]
        widths = [max(display_width(h), v) for h, v in zip(headers, values, strict=True)]
        if width is None or wide:
            return rows, widths
        if not overflows(widths):
            return rows, widths
        telling = [
            max(
                _distinct_end_width([r[c] for r in rows], [tuple(r[:c] + r[c + 1 :]) for r in rows])
                if by_end[c]
                else _telling_width([r[c] for r in rows]),
                _header_apart(headers, c),
            )
            for c in range(len(headers))
        ]
        return rows, _fit(widths, values, numeric, width, telling)

    def overflows(widths: list[int]) -> bool:
        return width is not None and not wide and sum(widths) + 2 * (len(widths) - 1) > width

    full, widths = table(short=False)
    rows = full
    if overflows(widths):
        rows, widths = table(short=True)  # numbers are never cut: shorter ones leave more room
    if overflows(widths):
        return _records(headers, full, width, by_end, numeric) + below

    def line(cells: list[str], values: bool = True) -> str:
        out = []
        for c, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            cell = _cut_cell(cell, w, by_end[c] and values)
            pad = " " * (w - display_width(cell))
            out.append(pad + cell if numeric[c] else cell + pad)
        return "  ".join(out).rstrip()

    out = [line(headers, False), line(["-" * w for w in widths])] + [line(r) for r in rows]
    if not rows:  # a header alone reads as if something were missing
        out.append("(0 rows)")
    return "\n".join(out) + "\n" + below


def _header_apart(headers: list[str], c: int) -> int:
    """The narrowest width at which header ``c``, cut, still differs from every other header
    cut (``indicationName`` and ``indicationText`` both cut to ``indica…`` read as one).

    >>> _header_apart(["indication", "indicationText", "date"], 1)
    12
    """
    header = headers[c]
    shared = max(
        (len(os.path.commonprefix([header, other])) for i, other in enumerate(headers) if i != c),
        default=0,
    )
    return min(display_width(header), shared + 2)


def _telling_width(column: list[str], limit: int = 12) -> int:
    """The narrowest width at which cutting keeps the values of ``column`` apart when they are a
    small vocabulary (at most ``limit`` values, some repeated: statuses, kinds, precisions), so
    that a cut column still tells "decision due" from "decision date passed"; 0 for other
    columns, which a table may cut like any text.

    >>> _telling_width(["decision due", "decision date passed", "decision due", "no decision"])
    12
    """
    values = set(column)
    if not 1 < len(values) <= limit or len(values) == len(column):
        return 0
    width = 1
    while len({_cut(v, width) for v in values}) < len(values):
        width += 1
    return width


def _records(
    headers: list[str], rows: list[list[str]], width: int, by_end: list[bool], numeric: list[bool]
) -> str:
    """Rows too many columns wide for ``width`` even cut, as records: each row's filled cells as
    lines of name and value, the value wrapped (as psql's expanded display). A word wider than
    a line is cut as a table cuts it (:func:`_cut_cell`), a number never.

    >>> print(_records(["therapy", "agency", "note"], [["Kymriah", "FDA", ""]], 40, [False] * 3, [False] * 3), end="")
    -[ 1 ]---------------------------------
    therapy  Kymriah
    agency   FDA
    >>> iri = "approval:kymriah-fda-2017-08-30-b-cell-all"
    >>> print(_records(["first"], [[iri]], 30, [True], [False]), end="")
    -[ 1 ]-----------------------
    first
      …-fda-2017-08-30-b-cell-all
    """
    pad = max(display_width(h) for h in headers) + 2
    out = []
    for number, row in enumerate(rows, 1):
        mark = f"-[ {number} ]"
        out.append(mark + "-" * max(0, width - len(mark) - 1))
        for c, (header, cell) in enumerate(zip(headers, row, strict=True)):
            if not cell:
                continue
            label = header + " " * (pad - display_width(header))
            if max((display_width(word) for word, _ in _pieces(cell)), default=0) > width - 1 - pad:
                # a word that cannot be split (an IRI, a URL) and does not fit beside the names
                # starts on a line of its own, where it has the width; one wider still is cut
                room = width - 3
                if not numeric[c] and display_width(cell) > room and (by_end[c] or " " not in cell):
                    cell = _cut_cell(cell, room, by_end[c])
                out.append(header)
                out.append(wrap(cell, width - 1, "  ", "  "))
            else:
                out.append(wrap(cell, width - 1, label, " " * pad).rstrip())
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
    """SPARQL 1.1 Query Results JSON, one binding per line. Each distinct term is encoded once:
    an answer repeats its names on many rows.

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> print(_json(QueryResult("SELECT", ["x"], [(ox.Literal("a", language="en"),), (None,)])))
    {"head":{"vars":["x"]},"results":{"bindings":[
    {"x":{"type":"literal","value":"a","xml:lang":"en"}},
    {}
    ]}}
    <BLANKLINE>
    """
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    encoded: dict[Term, str] = {}

    def term(t: Term) -> str:
        text = encoded.get(t)
        if text is None:
            text = encoded[t] = json.dumps(_json_term(t), ensure_ascii=False, separators=(",", ":"))
        return text

    keys = [json.dumps(v, ensure_ascii=False) + ":" for v in result.variables]
    lines = [
        "{" + ",".join(k + term(t) for k, t in zip(keys, row, strict=True) if t is not None) + "}"
        for row in result.rows
    ]
    head = json.dumps({"vars": result.variables}, ensure_ascii=False, separators=(",", ":"))
    bindings = "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"
    return '{"head":' + head + ',"results":{"bindings":' + bindings + "}}\n"


#: A character XML 1.0 cannot hold, not even as a character reference.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: What to give instead of an XML answer, on the command line and in Python.
_XML_INSTEAD = "give the answer as JSON, CSV or TSV (--format json), which can"
#: A carriage return written as itself would be read back as a line feed (XML's end-of-line rule).
_XML_CR = {"\r": "&#13;"}


def not_xml(text: str, at: int, instead: str = _XML_INSTEAD) -> ParameterError:
    r"""The error for ``text``, which holds a character XML cannot hold at ``at``, saying what to
    do ``instead``.

    >>> print(not_xml("a" + chr(1) + "b", 1))
    XML cannot hold the character U+0001 in 'a\x01b': give the answer as JSON, CSV or TSV (--format json), which can
    """
    shown = text[max(0, at - 30) : at + 30]
    return ParameterError(f"XML cannot hold the character U+{ord(text[at]):04X} in {shown!r}: {instead}")


def _xml_term(term: Term) -> str:
    if found := NOT_XML.search(term.value):  # written, the document would be no XML
        raise not_xml(term.value, found.start())
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    text = escape(term.value, _XML_CR)
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{text}</literal>"
    if term.datatype.value != XSD + "string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{text}</literal>"
    return f"<literal>{text}</literal>"


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


def format_result(
    result: QueryResult, fmt: str = "table", *, width: int | None = None, wide: bool = False
) -> str:
    """Serialise ``result`` in ``fmt``; a format that does not fit the query form is refused with
    the formats that do.

    ``table`` is for people: an entity column shows its ``…Name`` column beside it, the query's
    parameters are left out, large numbers get thousands separators, and with ``width`` (display
    columns) the widest text columns are cut with "…" until the table fits (numbers are never
    cut; when the table is still too wide they are written short, ``11.9 B``); ``wide`` shows
    every column in full. The other formats keep every column and value exactly.

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> r = QueryResult("SELECT", ["deal", "dealName", "valueUSD"], [(ox.NamedNode("https://w3id.org/atmp-kg/id/deal/d1"), ox.Literal("Gilead – Kite (acquisition, 2017)"), ox.Literal("11900000000", datatype=ox.NamedNode(XSD + "integer")))])
    >>> print(format_result(r, "table", width=30))
    deal                  valueUSD
    --------------  --------------
    Gilead – Kite…  11,900,000,000
    <BLANKLINE>
    """
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
        # only the prefixes the triples use: forty unused declarations bury a small answer
        prefixes = used_prefixes(result.triples) if fmt in ("ttl", "table") else None
        return ox.serialize(result.triples, format=_RDF_FORMATS[fmt], prefixes=prefixes).decode(
            "utf-8"
        )
    if result.form == "UPDATE":
        return ""
    if fmt == "table":
        return _table(result, width, wide)
    return {"json": _json, "xml": _xml}.get(fmt, lambda r: _delimited(r, fmt))(result)


#: How many rows (or triples) a result shows in a notebook: the first ones, with the total.
HTML_ROWS = 20


def _html_cell(term: Term | None, name: Term | None = None) -> str:
    """A cell of the notebook table, escaped: an entity by its ``name`` or as a prefixed name,
    with its full IRI as a tooltip; a number with its digits grouped; or the value."""
    if _is_number(term):
        text = html.escape(_number(term))
    elif name is None and isinstance(term, ox.Literal) and term.datatype.value == XSD + "string":
        text = html.escape(money_text(term.value, _GROUPED_FROM_DIGITS))
    else:
        text = html.escape(_cell(name or term))
    if isinstance(term, ox.NamedNode) and text != term.value:
        return f'<td title="{html.escape(term.value)}">{text}</td>'
    return f"<td>{text}</td>"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _preview(result: QueryResult, rows: int) -> tuple[QueryResult, str]:
    """The first ``rows`` rows (or triples) of ``result``, and the line that counts them all."""
    graph = result.form in ("CONSTRUCT", "DESCRIBE")
    items = result.triples if graph else result.rows
    if graph:  # shown as a table of triples, the way .df gives them
        cut = [(t.subject, t.predicate, t.object) for t in items[:rows]]
        shown = type(result)("SELECT", ["subject", "predicate", "object"], cut)
    else:
        # the parameters go along: a table for people leaves their columns out
        shown = dataclasses.replace(result, rows=items[:rows], truncated=False, notes=[])
    first = f"first {rows:,} of " if len(items) > rows else ""
    cut = f"; cut at limit {result.limit}" if result.truncated else ""
    return shown, f"{first}{_count(len(items), 'triple' if graph else 'row')}{cut}"


def to_html_table(result: QueryResult, rows: int = HTML_ROWS) -> str:
    """An HTML table of a result for notebooks: the first ``rows`` rows and the total count (the
    HTML stays small however large the answer); every value is escaped.

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> r = QueryResult("SELECT", ["n"], [(ox.Literal(str(i)),) for i in range(100)])
    >>> to_html_table(r, rows=2).count("<tr>"), to_html_table(r, rows=2).endswith("<p>first 2 of 100 rows</p>")
    (3, True)
    """
    if result.form in ("ASK", "UPDATE"):
        return f"<p>{html.escape(to_text_preview(result))}</p>"
    shown, note = _preview(result, rows)
    notes = "".join(f"<p>Note: {html.escape(n)}</p>" for n in result.notes)
    # the columns the table for people shows: an entity by its name (its IRI as the tooltip),
    # numbers with their digits grouped, no parameter repeated on every row, no column of blanks
    # (named below the rows instead); a graph's triples
    select = result.form == "SELECT"
    empty = _empty_columns(result)
    columns = _shown_columns(result if select else shown, wide=not select, empty=empty)
    if not columns and shown.rows:  # as the text: rows of no value are their count
        nothing = f"; {html.escape(_no_value(empty))}" if empty else ""
        return f"<p>{note}{nothing}</p>{notes}"
    below = f"<p>{html.escape(_no_value(empty))}</p>" if empty else ""
    head = "".join(f"<th>{html.escape(header)}</th>" for header, _, _ in columns)
    body = "".join(
        "<tr>"
        + "".join(
            _html_cell(row[i], row[name] if name is not None else None) for _, i, name in columns
        )
        + "</tr>"
        for row in shown.rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"{table}{below}<p>{note}</p>{notes}"


def to_text_preview(result: QueryResult, rows: int = HTML_ROWS) -> str:
    """The text a REPL or notebook shows for a result: an aligned table (or Turtle) of the first
    ``rows`` rows, and the total count.

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> print(to_text_preview(QueryResult("SELECT", ["n"], [(ox.Literal("1"),)])))
    n
    -
    1
    (1 row)
    """
    notes = "".join(f"\nNote: {n}" for n in result.notes)
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + notes
    if result.form == "UPDATE":
        return "(update done)"
    shown, note = _preview(result, rows)
    # a column is left out for having no value on any row of the answer, not only of those shown
    table = _table(shown, empty=_empty_columns(result))
    counted = f"({_count(len(shown), 'row')}"
    if len(shown) and table.startswith(counted):  # rows of no value: the table is their count
        return f"({note}{table.removeprefix(counted).rstrip()}{notes}"
    if not len(shown):  # the table ends in its own "(0 rows)": the preview's note says it
        return table.rstrip("\n").rpartition("\n")[0] + f"\n({note}){notes}"
    return f"{table}({note}){notes}"

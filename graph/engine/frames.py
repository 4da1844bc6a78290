"""Query results for data people: pandas DataFrames with typed columns, rdflib and networkx graphs.

A column takes the type of the values it holds (unbound cells are missing values):

=====================================  ==========================================================
values                                 column
=====================================  ==========================================================
IRIs                                   text: prefixed names (``therapy:kymriah``), or the full
                                       IRIs with ``iris="full"``
integers                               ``int64`` (``Int64`` when some are unbound)
numbers, some decimal or double        ``float64`` (money, ``atmp:valueUSD``, is a decimal)
booleans                               ``bool`` (``boolean`` when some are unbound)
dates: ``xsd:date``, ``xsd:gYearMonth``,  ``datetime64`` at the first day of the period, and a
``xsd:gYear`` (and ``xsd:dateTime``)   column ``<name>_precision`` right after it: ``day``,
                                       ``month``, ``year`` (``time`` for a dateTime), so that
                                       2022-01 stays a month and is never shown as 2022-01-01;
                                       ``day`` for a full date in a column the query binds to a
                                       date as stated (``atmp:dateStated ?d``); empty for one in
                                       any other column of full dates only (``atmp:date``, a
                                       full date for a month too), whose type does not say
                                       whether a source stated the day
text (plain or with a language tag)    text
no value on any row (or no rows)       the kind the query gives the variable (see
                                       :func:`declared_kinds`: a parameter's value, the
                                       ``rdfs:range`` of the property whose object it is, an
                                       aggregate of such a variable), every cell missing:
                                       ``float64`` NaN for ``atmp:valueUSD``, text for
                                       ``rdfs:label``, ``datetime64`` and its precision column
                                       for ``atmp:dateStated``; ``object`` (None) where the
                                       query does not say
anything else, or a mix                ``object``: Python values (IRIs as above)
=====================================  ==========================================================

Text (IRIs, text, the ``_precision`` columns) is one dtype, the installed pandas' own for text
(:func:`text_dtype`: ``str`` from pandas 3, ``object`` before), with its missing value where a
cell is unbound, so that ``select_dtypes`` finds every text column and answers concatenated keep
it (newuser32 F5). An answer with no rows has the columns, dtypes and ``_precision`` columns one
with rows has, where the query says what its variables hold, so that answers concatenated keep
their dtypes (rev32 F1, F2).

>>> import pyoxigraph as ox
>>> from atmpkg.graph.engine.evaluate import QueryResult
>>> d = ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth")
>>> to_dataframe(QueryResult("SELECT", ["date"], [(ox.Literal("2022-01", datatype=d),)]))
        date date_precision
0 2022-01-01          month
"""

from __future__ import annotations

import datetime
import decimal
import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import AtmpkgError, ParameterError, indefinite
from ..rdf import property_ends
from ..terms import DCT, PREFIXES, RDF, RDFS, SCHEMA, SKOS, STATED_DATES, XSD, shorten
from .gate import declarations, tokenize

if TYPE_CHECKING:
    import networkx
    import pandas
    import rdflib

    from .evaluate import QueryResult, Term

#: How precise each date type is, as the ``<name>_precision`` column says.
DATE_PRECISION = {
    XSD + "date": "day",
    XSD + "gYearMonth": "month",
    XSD + "gYear": "year",
    XSD + "dateTime": "time",
}
#: The precisions that only a partial date's own type states.
PARTIAL = {"month", "year"}
_INTEGERS = {
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}
_TEXT = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
#: The kind (as :func:`_kind` names it) of a value of each datatype a property's range may be.
_RANGE_KINDS = {
    **dict.fromkeys(_INTEGERS, "int"),
    **dict.fromkeys(_FLOATS, "float"),
    XSD + "boolean": "bool",
    **dict.fromkeys(DATE_PRECISION, "date"),
    **dict.fromkeys(_TEXT, "text"),
}
#: The kinds of the values of properties the ontology uses but does not declare (as the graph
#: holds them: a source's publisher is text, its address an IRI).
_STANDARD_KINDS = {
    RDF + "type": "iri",
    SCHEMA + "url": "iri",
    DCT + "issued": "date",
    **{DCT + name: "text" for name in ("title", "publisher")},
    **{RDFS + name: "text" for name in ("label", "comment")},
    **{
        SKOS + name: "text"
        for name in ("prefLabel", "altLabel", "hiddenLabel", "definition", "note", "scopeNote")
    },
}
#: Functions whose value is of one kind whatever they are given (COUNT, YEAR: integers).
_FUNCTION_KINDS = {
    **dict.fromkeys(("COUNT", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "STRLEN"), "int"),
    **dict.fromkeys(
        (
            "GROUP_CONCAT",
            "STR",
            "LCASE",
            "UCASE",
            "CONCAT",
            "SUBSTR",
            "STRBEFORE",
            "STRAFTER",
            "REPLACE",
            "LANG",
        ),
        "text",
    ),
}
#: Functions (aggregates) whose value is of the kind of the one variable they are given.
_KEEPING = {"MIN", "MAX", "SAMPLE", "SUM"}
#: A time zone at the end of a date's lexical form (``Z``, ``+02:00``).
_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")
IRI_MODES = ("prefixed", "full")


def _date(term: ox.Literal) -> datetime.datetime | None:
    """The first moment of a date literal's period (naive, in UTC for a dateTime with a zone), or
    None when it is not a valid date of its type."""
    value, kind = term.value, term.datatype.value
    try:
        if kind == XSD + "dateTime":
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
            return moment
        value = _ZONE.sub("", value)
        if kind == XSD + "gYear":
            return datetime.datetime(int(value), 1, 1)
        if kind == XSD + "gYearMonth":
            year, month = value.rsplit("-", 1)
            return datetime.datetime(int(year), int(month), 1)
        return datetime.datetime.combine(datetime.date.fromisoformat(value), datetime.time())
    except ValueError:
        return None


def _kind(term: Term) -> tuple[str, object]:
    """What a cell holds, and its value: ``iri``, ``int``, ``float``, ``bool``, ``date``, ``text``
    or ``other``."""
    if isinstance(term, ox.NamedNode):
        return "iri", term.value
    if isinstance(term, ox.Literal):
        dt, value = term.datatype.value, term.value
        try:
            if dt in _INTEGERS:
                return "int", int(value)
            if dt in _FLOATS:
                return "float", float(decimal.Decimal(value) if dt == XSD + "decimal" else value)
            if dt == XSD + "boolean" and value in ("true", "false", "1", "0"):
                return "bool", value in ("true", "1")
        except (ValueError, decimal.InvalidOperation):
            return "other", value
        if dt in DATE_PRECISION:
            moment = _date(term)
            return ("date", (moment, DATE_PRECISION[dt], value)) if moment else ("other", value)
        if dt in _TEXT:
            return "text", value
        return "other", value
    if isinstance(term, ox.BlankNode):
        return "other", f"_:{term.value}"
    return "other", str(term)


def stated_columns(sparql: str) -> frozenset[str]:
    """The variables a query binds to a date as stated, the object of ``atmp:dateStated`` or of
    another property of :data:`~atmpkg.graph.terms.STATED_DATES` (``atmp:issuedStated``), by
    any prefix or as a full IRI: a full ``xsd:date`` there is a day its source states, where the
    comparable ``atmp:date`` is a full date for a month too.

    >>> sorted(stated_columns("SELECT * { ?a atmp:dateStated ?d , ?e ; atmp:date ?f }"))
    ['d', 'e']
    """
    try:
        tokens = tokenize(sparql)
    except AtmpkgError:  # an answer given its text by hand (QueryResult(...)) reads as it did
        return frozenset()
    bound = {**PREFIXES, **declarations(tokens)[0]}
    found, stated = set(), False
    for token in tokens:
        if token.kind == "var" and stated:
            found.add(token.text[1:])
        elif token.kind == "iri":
            stated = token.text[1:-1] in STATED_DATES
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            stated = prefix in bound and bound[prefix] + local in STATED_DATES
        elif token.text != ",":  # an object list goes on after a comma
            stated = False
    return frozenset(found)


def _object_kind(predicate: str) -> str | None:
    """The kind of the values of ``predicate`` (a full IRI), by its ``rdfs:range`` in the
    ontology (a class, or none for an object property: IRIs), or None when nothing says."""
    if predicate in STATED_DATES:  # a date as stated is a day, a month or a year: no one range
        return "date"
    if predicate in _STANDARD_KINDS:
        return _STANDARD_KINDS[predicate]
    ranges = property_ends()[1]
    if predicate not in ranges:
        return None
    declared = ranges[predicate]
    if declared is None:
        return "iri"
    if declared.startswith(XSD) or declared == RDFS + "Literal":
        return _RANGE_KINDS.get(declared)
    return "iri"


def _one_call(tokens: list) -> bool:
    """Whether ``tokens`` are one function call whole (``MIN(?v)``), not a call in a longer
    expression (``YEAR(?a) - YEAR(?b)``, ``STRLEN(?a) > 3``)."""
    if len(tokens) < 3 or tokens[1].text != "(" or tokens[-1].text != ")":
        return False
    depth = 0
    for at, token in enumerate(tokens[1:], 1):
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth == 0:
            return at == len(tokens) - 1
    return False


def _expression_kind(tokens: list, kinds: dict[str, str], full: Callable) -> str | None:
    """The kind of the value of an expression (the tokens before ``AS ?x``): a variable's, a
    function's of one kind (COUNT, GROUP_CONCAT), a cast's (``xsd:boolean(...)``), an
    aggregate's of one such expression (MIN, SUM, AVG). ``full`` gives a prefixed name's IRI."""
    if len(tokens) == 1 and tokens[0].kind == "var":
        return kinds.get(tokens[0].text[1:])
    if not _one_call(tokens):
        return None
    if tokens[0].kind in ("pname", "iri"):
        return _RANGE_KINDS.get(full(tokens[0]) or "")
    function = tokens[0].text.upper()
    if function in _FUNCTION_KINDS:
        return _FUNCTION_KINDS[function]
    inner = [t for t in tokens[2:-1] if t.text.upper() != "DISTINCT"]
    kind = _expression_kind(inner, kinds, full) if inner else None
    if function == "AVG":
        return "float" if kind in ("int", "float") else None
    if function == "SUM" and kind not in ("int", "float"):
        return None
    return kind if function in _KEEPING else None


def declared_kinds(sparql: str, parameters: dict[str, Term | None] | None = None) -> dict[str, str]:
    """What the query says each variable holds, where it says so: a named query's parameter its
    value's kind; the object of a property the kind of the property's ``rdfs:range`` in the
    ontology (``atmp:valueUSD ?v``: ``float``, an object property's or a class's: ``iri``; the
    dates as stated: ``date``; ``rdfs:label``: ``text``); a subject, or the class of ``a``, an
    ``iri``; ``(MIN(?v) AS ?least)``, ``(COUNT(?x) AS ?n)``, ``BIND(?v AS ?w)`` the kind of the
    value. A variable given two kinds is left out. A column no row binds is typed by it.

    >>> kinds = declared_kinds("SELECT ?d (SUM(?v) AS ?total) { ?d atmp:valueUSD ?v ; rdfs:label ?l }")
    >>> sorted(kinds.items())
    [('d', 'iri'), ('l', 'text'), ('total', 'float'), ('v', 'float')]
    """
    try:
        tokens = tokenize(sparql)
    except AtmpkgError:  # an answer given its text by hand (QueryResult(...)) says nothing
        tokens = []
    bound = {**PREFIXES, **declarations(tokens)[0]}
    found: dict[str, set[str]] = {}

    def full(token) -> str | None:
        if token.kind == "iri":
            return token.text[1:-1]
        prefix, _, local = token.text.partition(":")
        return bound[prefix] + local if prefix in bound else None

    predicate: str | None = None  # the kind of the values of the last predicate read
    for at, token in enumerate(tokens):
        before = tokens[at - 1].text if at else ""
        after = tokens[at + 1] if at + 1 < len(tokens) else None
        if token.kind == "var":
            if predicate:
                found.setdefault(token.text[1:], set()).add(predicate)
            elif (
                before in ("", "{", "}", ".", ")")
                and after is not None
                and (after.kind in ("pname", "iri") or after.text in ("a", "^"))
            ):  # the subject of a triple pattern
                found.setdefault(token.text[1:], set()).add("iri")
            continue  # an object list goes on after a comma
        elif token.kind in ("pname", "iri") and before not in ("^", "|", "!"):
            iri = full(token)
            predicate = _object_kind(iri) if iri else None
            continue
        elif token.text == "a" and token.kind == "word":
            predicate = "iri"
            continue
        elif token.text == ",":
            continue
        predicate = None
    kinds = {name: next(iter(held)) for name, held in found.items() if len(held) == 1}
    for _ in range(3):  # an expression may name a variable that an expression defines
        for at, token in enumerate(tokens[:-1]):
            if token.kind != "word" or token.text.upper() != "AS" or tokens[at + 1].kind != "var":
                continue
            depth, start = 0, at
            while start > 0 and (depth or tokens[start - 1].text != "("):
                start -= 1
                depth += {")": 1, "(": -1}.get(tokens[start].text, 0)
            kind = _expression_kind(tokens[start:at], kinds, full)
            if kind:
                kinds[tokens[at + 1].text[1:]] = kind
    for name, term in (parameters or {}).items():
        if term is not None and _kind(term)[0] != "other":
            kinds[name] = _kind(term)[0]
    return kinds


@functools.cache
def _date_dtype() -> object:
    """The dtype a column of dates has (``datetime64[us]`` from pandas 3, ``[ns]`` before), that
    a column of no dates takes too."""
    import pandas as pd

    return pd.Series(pd.to_datetime([datetime.datetime(2000, 1, 1)])).dtype


@functools.cache
def text_dtype() -> object:
    """The dtype the installed pandas gives a column of text: ``str`` from pandas 3 (missing as
    NaN), ``object`` before (missing as None). Every text column of an answer has it.

    >>> import pandas as pd
    >>> str(text_dtype()) == ("str" if int(pd.__version__.split(".")[0]) >= 3 else "object")
    True
    """
    import pandas as pd

    return pd.Series(["text"]).dtype


def _column(
    name: str,
    terms: list[Term | None],
    iris: str,
    mixed: bool = False,
    stated: bool = False,
    declared: str | None = None,
) -> list[tuple[str, pandas.Series]]:
    """One result column as typed pandas columns (two for dates), in order; or, ``mixed`` (a
    CONSTRUCT's objects, of any kinds), as Python values whatever kinds it holds. ``stated``: the
    query binds the column to a date as stated, whose full dates are days. ``declared``: the kind
    the query gives the variable (:func:`declared_kinds`), which a column no row binds takes."""
    import pandas as pd

    cells = [None if t is None else _kind(t) for t in terms]
    kinds = {c[0] for c in cells if c is not None}
    missing = any(c is None for c in cells)

    def values(empty=None) -> list:
        return [empty if c is None else c[1] for c in cells]

    def shown(cell: tuple[str, object] | None) -> object:
        if cell is None:
            return None
        kind, value = cell
        if kind == "iri":
            return value if iris == "full" else shorten(value)
        return value[0] if kind == "date" else value

    def as_python() -> list[tuple[str, pandas.Series]]:
        python = [_date_as_python(c[1]) if c and c[0] == "date" else shown(c) for c in cells]
        return [(name, pd.Series(python, dtype="object"))]

    if mixed:
        return as_python()
    if not kinds:
        kinds = {declared} if declared in ("int", "float", "bool", "date", "iri", "text") else kinds
    if kinds == {"int"} and all(c is None or -(2**63) <= c[1] < 2**63 for c in cells):
        return [(name, pd.Series(values(), dtype="Int64" if missing else "int64"))]
    if kinds == {"int"}:  # a whole number past 64 bits stays exact, as a Python int
        return [(name, pd.Series(values(), dtype="object"))]
    if kinds and kinds <= {"int", "float"}:
        return [(name, pd.Series(values(float("nan")), dtype="float64"))]
    if kinds == {"bool"}:
        return [(name, pd.Series(values(), dtype="boolean" if missing else "bool"))]
    if kinds == {"date"}:
        precision = [None if c is None else c[1][1] for c in cells]
        try:
            dates = pd.Series(pd.to_datetime([shown(c) for c in cells]), dtype=_date_dtype())
        except (ValueError, OverflowError):  # beyond the years pandas can hold
            dates = pd.Series([shown(c) for c in cells], dtype="object")
        if not stated and not PARTIAL.intersection(precision):
            # beside no month or year, an xsd:date says nothing of how precise its fact is: the
            # graph's comparable atmp:date is one for a month too, its precision a fact of its own;
            # a stated date's is its type, so that answers for one agency and another, concatenated,
            # read as one (newuser31 F6: EMA's days were empty, PMDA's "day")
            precision = [None if p == "day" else p for p in precision]
        return [(name, dates), (f"{name}_precision", pd.Series(precision, dtype=text_dtype()))]
    if kinds in ({"iri"}, {"text"}):
        return [(name, pd.Series([shown(c) for c in cells], dtype=text_dtype()))]
    return as_python()


def _date_as_python(value: tuple) -> object:
    """A date among Python values (a CONSTRUCT's objects), which have no precision column:
    a day as a ``date``, a month or a year as the text it is stated with (``'2024-08'``), never a
    day it does not state; a moment as a ``datetime``."""
    moment, precision, stated = value
    if precision == "day":
        return moment.date()
    return stated if precision in PARTIAL else moment


def to_dataframe(result: QueryResult, *, iris: str = "prefixed") -> pandas.DataFrame:
    """``result`` as a pandas DataFrame with typed columns (see the module's table): a SELECT
    answer's variables, a CONSTRUCT or DESCRIBE answer's ``subject``, ``predicate`` and
    ``object``, an ASK answer's ``boolean``. ``iris="full"`` gives IRIs whole instead of as
    prefixed names.

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> to_dataframe(QueryResult("ASK", boolean=True))
       boolean
    0     True
    """
    import pandas as pd

    if iris not in IRI_MODES:
        raise ParameterError(f"iris must be one of {', '.join(IRI_MODES)}, got {iris!r}")
    if result.form == "ASK":
        return pd.DataFrame({"boolean": [bool(result.boolean)]})
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        names = ["subject", "predicate", "object"]
        rows = [(t.subject, t.predicate, t.object) for t in result.triples]
    else:
        names, rows = list(result.variables), result.rows
    columns: dict[str, pandas.Series] = {}
    stated = stated_columns(result.sparql) if result.form == "SELECT" and result.sparql else set()
    if result.form != "SELECT":
        declared = {"subject": "iri", "predicate": "iri"}
    elif any(all(row[index] is None for row in rows) for index in range(len(names))):
        declared = declared_kinds(result.sparql, result.parameters)
    else:  # only a column no row binds is typed by what the query declares
        declared = {}
    for index, name in enumerate(names):
        mixed = name == "object" and result.form in ("CONSTRUCT", "DESCRIBE")
        cells = [row[index] for row in rows]
        for column, series in _column(name, cells, iris, mixed, name in stated, declared.get(name)):
            while column in columns or (column != name and column in names):
                column += "_"
            columns[column] = series
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _graph_form(result: QueryResult, what: str) -> None:
    """Refuse ``what`` (``to_networkx()``) of an answer that is no graph; a SELECT of a named
    query or a file is pointed to the selection whose network and triples ``atmpkg export
    --name`` writes (joints27 F6).

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> _graph_form(QueryResult("SELECT", selection="name='q'"), "to_networkx()")
    Traceback (most recent call last):
    atmpkg.graph.errors.ParameterError: a SELECT answer is not a graph; to_networkx() takes a CONSTRUCT or DESCRIBE answer (.df gives any answer as a table). The network of the entities it selects, as 'atmpkg export --name' writes it, is kg.select(name='q').network(), and their triples kg.select(name='q').triples()
    """
    if result.form not in ("CONSTRUCT", "DESCRIBE"):
        selected = f"kg.select({result.selection})" if result.form == "SELECT" else ""
        network = (
            f". The network of the entities it selects, as 'atmpkg export --name' writes it, is "
            f"{selected}.network(), and their triples {selected}.triples()"
            if result.selection and selected
            else ""
        )
        raise ParameterError(
            f"{indefinite(result.form)} answer is not a graph; "
            f"{what} takes a CONSTRUCT or DESCRIBE "
            f"answer (.df gives any answer as a table){network}"
        )


def to_rdflib(result: QueryResult) -> rdflib.Graph:
    """A CONSTRUCT or DESCRIBE answer as an ``rdflib.Graph`` (with the library's prefixes bound).

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> len(to_rdflib(QueryResult("CONSTRUCT", triples=[t])))
    1
    """
    from ..rdf import to_rdflib_graph
    from ..terms import PREFIXES

    _graph_form(result, "to_rdflib()")
    graph = to_rdflib_graph(result.triples)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def to_networkx(result: QueryResult, *, typed: bool = True) -> networkx.MultiDiGraph:
    """A CONSTRUCT or DESCRIBE answer as a ``networkx.MultiDiGraph`` (see
    :func:`~atmpkg.graph.rdf.to_networkx`; ``typed=False`` keeps every value text).

    >>> from atmpkg.graph.engine.evaluate import QueryResult
    >>> to_networkx(QueryResult("CONSTRUCT")).number_of_nodes()
    0
    """
    from ..rdf import to_networkx as network

    _graph_form(result, "to_networkx()")
    return network(result.triples, typed=typed)

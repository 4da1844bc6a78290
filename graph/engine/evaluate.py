"""Evaluate a checked query on a pyoxigraph store in this process, and the result it gives.

This is the one place that hands query text to the engine. It runs inside a confined process
(:mod:`atmpkg.graph.engine.child`, or a server worker), never in a caller's own process, so it imports
only pyoxigraph and the library's errors: a confined child starts fast.

>>> import pyoxigraph as ox
>>> s = ox.Store()
>>> s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
>>> evaluate(s, "SELECT ?o WHERE { ?s ?p ?o }", "SELECT").rows
[(<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>,)]
"""

from __future__ import annotations

import datetime
import decimal
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import (
    AtmpkgError,
    NotQueryError,
    ParameterError,
    QuerySyntaxError,
    StoreError,
    UnknownNameError,
    cut,
    indefinite,
    suggest,
)
from ..terms import ID, PREFIXES, XSD, shorten

if TYPE_CHECKING:  # for annotations only: each loads when a method needs it
    import networkx
    import pandas
    import rdflib

    from .gate import Token

#: The base IRI against which relative IRIs in a query are resolved, on every door.
BASE_IRI = "https://w3id.org/atmp-kg/id/"
#: The header in which ``atmpkg serve`` says that its row cap cut an answer, and at how many rows
TRUNCATED = "ATMPKG-Truncated"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class QueryResult:
    """The answer to one query.

    ``form`` is SELECT, ASK, CONSTRUCT or DESCRIBE. SELECT fills ``variables`` and ``rows`` (tuples of
    pyoxigraph terms, None where unbound), ASK fills ``boolean``, CONSTRUCT/DESCRIBE fill ``triples``.
    ``truncated`` is True when the row cap ``limit`` cut the answer: the caller's, or the row cap
    of the server of a remote store (``atmpkg serve --max-rows``), which a note then names.
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False
    limit: int | None = None
    #: A named query's declared parameters, each with the term bound to it (None: left unbound).
    parameters: dict[str, Term | None] = field(default_factory=dict)
    #: Sentences for a reader about the query (a term the ontology does not declare).
    notes: list[str] = field(default_factory=list)
    #: The SPARQL text that was answered (a named query's or a file's, as read once).
    sparql: str = ""
    #: How ``kg.select(...)`` is called for the same query (``name='q', params={...}``), whose
    #: network a SELECT answer is not: its :meth:`to_networkx` says so ("" for SPARQL text).
    selection: str = ""

    def __len__(self) -> int:
        return len(self.triples) if self.form in ("CONSTRUCT", "DESCRIBE") else len(self.rows)

    def __bool__(self) -> bool:
        """An ASK answer's truth; for the other forms, whether anything came back.

        >>> bool(QueryResult("ASK", boolean=True)), bool(QueryResult("SELECT", ["x"]))
        (True, False)
        """
        return bool(self.boolean) if self.form == "ASK" else len(self) > 0

    def __iter__(self) -> Iterator[dict[str, object]] | Iterator[ox.Triple]:
        """The rows as :meth:`dicts` gives them; a CONSTRUCT or DESCRIBE answer's triples."""
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return iter(self.triples)
        return iter(self.dicts())

    def dicts(self) -> list[dict[str, object]]:
        """Rows as dicts of Python values: IRIs as str, typed literals as int, Decimal, date, ...

        >>> QueryResult("SELECT", ["n"], [(ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),)]).dicts()
        [{'n': 3}]
        """
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            raise ParameterError(
                f"a {self.form} answer is triples, not rows: read .triples, .df (subject, "
                "predicate, object) or .to_rdflib()"
            )
        if self.form == "ASK":
            raise ParameterError("an ASK answer is a boolean, not rows: read .boolean")
        return [
            {v: to_python(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]

    def column(self, name: str) -> list[object]:
        """One column as Python values (None where unbound); an unknown name raises
        :class:`UnknownNameError` with the columns.

        >>> QueryResult("SELECT", ["n"], [(ox.Literal("a"),)]).column("n")
        ['a']
        """
        graph = self.form in ("CONSTRUCT", "DESCRIBE")
        variables = ["subject", "predicate", "object"] if graph else self.variables
        if name not in variables:
            columns = ", ".join(variables) or f"none: {indefinite(self.form)} answer has none"
            raise UnknownNameError("column", str(name), variables, f"Columns: {columns}.")
        index = variables.index(name)
        rows = [tuple(t) for t in self.triples] if graph else self.rows
        return [to_python(row[index]) if row[index] is not None else None for row in rows]

    def to_dataframe(self, *, iris: str = "prefixed") -> pandas.DataFrame:
        """The answer as a pandas DataFrame with typed columns: numbers as numbers, dates as
        datetimes with a ``<name>_precision`` column, IRIs as prefixed names (``iris="full"``:
        whole); see :mod:`atmpkg.graph.engine.frames`.

        >>> QueryResult("SELECT", ["n"], [(ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),)]).to_dataframe()
           n
        0  3
        """
        from .frames import to_dataframe

        return to_dataframe(self, iris=iris)

    @property
    def df(self) -> pandas.DataFrame:
        """:meth:`to_dataframe` with prefixed names: ``kg.named(...).df``.

        >>> QueryResult("SELECT", ["n"], [(ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),)]).df["n"].sum()
        np.int64(3)
        """
        return self.to_dataframe()

    def to_rdflib(self) -> rdflib.Graph:
        """A CONSTRUCT or DESCRIBE answer as an ``rdflib.Graph``.

        >>> len(QueryResult("CONSTRUCT").to_rdflib())
        0
        """
        from .frames import to_rdflib

        return to_rdflib(self)

    def to_networkx(self, *, typed: bool = True) -> networkx.MultiDiGraph:
        """A CONSTRUCT or DESCRIBE answer as a ``networkx.MultiDiGraph`` (entities as nodes, links
        as edges keyed by property; numbers typed as the network exports type them, unless
        ``typed`` is False).

        >>> QueryResult("CONSTRUCT").to_networkx().number_of_edges()
        0
        """
        from .frames import to_networkx

        return to_networkx(self, typed=typed)

    def _repr_html_(self) -> str:
        from .results import to_html_table

        return to_html_table(self)

    def __repr__(self) -> str:
        """The first rows as a table with the total count, as a notebook shows it (the REPL and
        ``print`` too: a large answer is never printed whole).

        >>> print(QueryResult("SELECT", ["n"], [(ox.Literal(str(i)),) for i in range(25)]))
        n
        --
        0
        ...
        19
        (first 20 of 25 rows)
        """
        from .results import to_text_preview

        return to_text_preview(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))


#: The longest line (in bytes) of a SELECT answer that a confined process sends as the engine
#: writes it: the engine's reader of such lines takes time that grows with the square of a line
#: (1 MiB 10 ms, 8 MiB 0.45 s, 16 MiB 3.2 s, all before its caller can look at the clock) and
#: refuses one of 16 MiB, so an answer with a longer line crosses term by term instead.
LONGEST_LINE = 1 << 20


@dataclass
class WrittenSolutions:
    """A SELECT answer as the engine writes it, in SPARQL's tab-separated results (a line of
    ``variables``, then a line per row, none longer than :data:`LONGEST_LINE`): a confined process
    sends it without making a Python object of each term (for 18,000 rows of 10 columns that took
    a third of the time the query did), and its caller reads it with the engine's own parser
    (:mod:`atmpkg.graph.engine.answers`).

    ``chunks`` are the engine's writes as they came (about 8 KiB each), kept apart and sent so:
    joined, an answer of many long distinct values was held twice over in a process whose memory
    cap it counts against.

    >>> s = ox.Store()
    >>> s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
    >>> evaluate(s, "SELECT ?s ?o WHERE { ?s ?p ?o }", "SELECT", written=True).chunks
    [b'?s\\t?o\\n<urn:a>\\t"x"\\n']
    """

    variables: list[str]
    chunks: list[bytes]
    truncated: bool = False
    limit: int | None = None


def to_python(term: Term) -> object:
    """A term as a Python value: NamedNode -> str, typed Literal -> int/Decimal/float/bool/date/str.

    >>> to_python(ox.Literal("2017-08-30", datatype=ox.NamedNode(XSD + "date")))
    datetime.date(2017, 8, 30)
    """
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        value = term.value
        try:
            if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
                return int(value)
            if dt == XSD + "decimal":
                return decimal.Decimal(value)
            if dt in (XSD + "double", XSD + "float"):
                return float(value)
            if dt == XSD + "boolean":
                return value in ("true", "1")
            if dt == XSD + "date":
                return datetime.date.fromisoformat(value)
            if dt == XSD + "dateTime":
                return datetime.datetime.fromisoformat(value)  # aware when a zone is stated
        except ValueError:
            return value
        return value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


_ERROR_POS = re.compile(r"(?:error at|at line) (\d+)[: ](?:column )?(\d+)")


def _syntax_error(exc: SyntaxError, text: str = "") -> QuerySyntaxError:
    """The engine's syntax error with its line and column; where the engine failed at or after a
    prefixed name whose prefix is declared nowhere, that name's place, and the prefixes it may
    have meant (the engine's own message lists the characters it expected).

    >>> str(_syntax_error(SyntaxError("error at 1:40: expected one of Prefix not found"),
    ...                   "SELECT * { ?s ?p compny:novartis }"))
    "SPARQL syntax error at line 1, column 18: the prefix 'compny:' is not declared; did you mean 'company:'? Declare it with PREFIX compny: <IRI>, or use a predeclared prefix"
    """
    message = str(exc)
    match = _ERROR_POS.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    from .gate import line_column, tokenize

    try:
        tokens = tokenize(text)
    except ValueError:
        tokens = []
    failed = None  # the offset where the engine stopped
    if line and column:
        failed = sum(len(part) + 1 for part in text.split("\n")[: line - 1]) + column - 1
    not_query = _not_query(text, tokens)
    if not_query is not None:
        return not_query
    undeclared = _undeclared(text, tokens, failed) if failed is not None else None
    if undeclared is not None:
        prefix, line, column = undeclared
        near = suggest(prefix, PREFIXES) if prefix else []
        detail = f"the prefix '{prefix}:' is not declared" + (
            "; did you mean " + ", ".join(f"'{p}:'" for p in near) + "?" if near else "."
        )
        detail += f" Declare it with PREFIX {prefix}: <IRI>, or use a predeclared prefix"
        return QuerySyntaxError(
            f"SPARQL syntax error at line {line}, column {column}: {detail}", line, column
        )
    detail, at = _readable(_ERROR_POS.sub("", message).strip(" :"), tokens, failed)
    if at is not None:  # where the first word is, not where parsing gave up
        line, column = line_column(text, at)
    where = f" at line {line}, column {column}" if line else ""
    return QuerySyntaxError(f"SPARQL syntax error{where}: {detail}", line, column)


#: The engine's sets of expected characters (``['A' ..= 'Z' | …]``, ``[_]``), which say nothing a
#: reader can act on; a quoted token such as ``"["`` is no set.
_QUOTED_CHAR = r"'(?:[^'\\]|\\.)*'"
_CHARACTER_SETS = re.compile(rf",?\s*\[(?:_|{_QUOTED_CHAR}(?:\s*(?:\.\.=|\|)\s*{_QUOTED_CHAR})*)\]")
#: The words a query or an update may start with.
_FIRST_WORDS = frozenset(
    "SELECT CONSTRUCT ASK DESCRIBE PREFIX BASE VERSION WITH INSERT DELETE LOAD CLEAR DROP CREATE "
    "ADD MOVE COPY".split()
)


def _first_word(tokens) -> object | None:
    """The first token after the PREFIX and BASE declarations, if it is a word.

    >>> from .gate import tokenize
    >>> _first_word(tokenize("PREFIX ex: <urn:x#> SELEKT *")).text
    'SELEKT'
    """
    at = 0
    while at < len(tokens) and tokens[at].text.upper() in ("PREFIX", "BASE"):
        at += 3 if tokens[at].text.upper() == "PREFIX" else 2
    return tokens[at] if at < len(tokens) and tokens[at].kind == "word" else None


#: The engine's words for SELECT * with GROUP BY, which it lists among the tokens it expected.
_STAR_GROUPED = "SELECT * is not authorized with GROUP BY"
_TERMS = ("var", "iri", "pname")


#: The engine's words for a variable SELECT returns beside an aggregate, neither grouped nor
#: aggregated, which it lists among the tokens it expected.
_UNGROUPED = "The SELECT contains a variable that is unbound"
#: The words that end a GROUP BY clause.
_AFTER_GROUP_BY = frozenset("HAVING ORDER LIMIT OFFSET VALUES".split())
#: The engine's "expected one of" followed by three or more of its keywords, no punctuation.
_KEYWORD_SAMPLE = re.compile(
    r"expected one of \w+(?:, \w+){2,}|expected (?:one of )?(?:ENCODE_FOR_URI|GROUP_CONCAT)"
)
#: The engine's words for a variable SELECT makes with an expression that the query binds too
#: (grouping by a column's alias, as SQL does).
_OVERRIDES = "The SELECT overrides an existing variable using an expression"
#: Words SQL habit writes after a number for its scale (10 billion, 1B).
_SCALES = frozenset("THOUSAND MILLION BILLION TRILLION K M MN B BN".split())
#: What compares two values.
_COMPARISONS = (">", "<", "=", "!=", ">=", "<=")
#: Today as a date: NOW() is a moment (an xsd:dateTime), which no xsd:date of the graph compares
#: with (rev17 F6), and xsd:date(NOW()) keeps NOW()'s time zone, which the graph's dates do not
#: have, so that the engine cannot order a date on today's day against it and drops its row
#: (newuser26 F1). Its text is today's date in UTC.
TODAY = "xsd:date(SUBSTR(STR(NOW()), 1, 10))"
_TODAY = f"{TODAY} for today"
#: SQL's functions that SPARQL names otherwise, with what it writes instead; a label's case or
#: part is taken of its text (STR), since "kymriah"@en equals no plain "kymriah".
_SQL_FUNCTIONS = {
    "LOWER": "LCASE(STR(?x))",
    "UPPER": "UCASE(STR(?x))",
    "LEN": "STRLEN(?x)",
    "LENGTH": "STRLEN(?x)",
    "SUBSTRING": "SUBSTR(STR(?x), 1, 3)",
    "ISNULL": "!BOUND(?x) for no value, COALESCE(?x, 0) for a default",
    "IFNULL": "COALESCE(?x, 0)",
    "NVL": "COALESCE(?x, 0)",
    "GETDATE": _TODAY,
    "SYSDATE": _TODAY,
    "CURRENT_DATE": _TODAY,
    "CHARINDEX": 'CONTAINS(?x, "text") or STRBEFORE(?x, "text")',
    "CAST": "xsd:integer(?x), xsd:date(?x) and the other datatypes' names",
}
#: SPARQL's words a reader may write among what SELECT returns, or after it: no column's name.
_SELECT_WORDS = frozenset("DISTINCT REDUCED FROM NAMED WHERE AS GROUP".split()) | _AFTER_GROUP_BY
#: The keywords of a query's pattern, which a SELECT clause written without WHERE runs into.
_PATTERN_WORDS = frozenset("OPTIONAL FILTER MINUS BIND GRAPH SERVICE UNION EXISTS NOT".split())
#: SPARQL's aggregates, which SELECT returns only in brackets with a name.
AGGREGATES = frozenset("COUNT SUM AVG MIN MAX SAMPLE GROUP_CONCAT".split())


def _slip(tokens: list, failed: int | None) -> tuple[str, int] | None:
    """A slip the engine's message would not name, said plainly, with where it is: what SQL or
    habit writes where SPARQL writes otherwise (commas between the variables of SELECT, an
    aggregate without brackets and a name, TOP, LIKE, FILTER or HAVING without brackets, a
    direction after ORDER BY's variable, = outside FILTER), LIMIT or OFFSET without a number, a
    triple pattern with no object; only one at or before ``failed``, the offset where the engine
    stopped (when known), so that an earlier error is not passed over. One pass over the tokens.

    >>> from .gate import tokenize
    >>> _slip(tokenize("SELECT COUNT(?t) WHERE { ?t a atmp:Therapy }"), None)[0]
    'SELECT returns an aggregate in brackets with a name for its column: (COUNT(?x) AS ?n)'
    """
    from .gate import closing_brackets, next_text

    in_select, depth, named, closing = False, 0, [], closing_brackets(tokens)
    for i, token in enumerate(tokens[1:], 1):
        if failed is not None and token.offset > failed:
            return None
        before = tokens[i - 1]
        word, said = token.text.upper() if token.kind == "word" else "", None
        if before.text.upper() == "SELECT":
            in_select = True
        elif before.text == "{" or before.text.upper() == "WHERE":
            in_select = False
        if before.text == "(":
            depth += 1
            named.append(False)
        elif before.text == ")" and depth:
            depth -= 1
            named.pop()
        if in_select and depth == 1 and word == "AS":
            named[-1] = True
        if in_select and depth == 0 and token.text == "," and before.kind == "var":
            said = "the variables SELECT returns are separated by spaces, not commas"
        elif in_select and depth == 0 and word in AGGREGATES:
            said = (
                "SELECT returns an aggregate in brackets with a name for its column: "
                f"({word}(?x) AS ?n)"
            )
        elif in_select and depth == 1 and token.text == ")" and not named[-1]:
            said = "SELECT returns an expression in brackets with a name for its column: (… AS ?n)"
        elif in_select and before.text.upper() == "AS" and token.kind != "var":
            said = f"AS names the column with a variable: AS ?{token.text.lstrip('?$')}"
        elif before.text.upper() == "SELECT" and word == "TOP":
            said = "SPARQL has no TOP: end the query with LIMIT 10"
        elif (
            in_select
            and depth == 0
            and word not in _SELECT_WORDS | _PATTERN_WORDS
            and re.fullmatch(r"[^\W\d]\w*", token.text)
            and next_text(tokens, i) != "("
        ):
            near = suggest(word, ["DISTINCT", "REDUCED", "WHERE"], 1)
            if near:  # a keyword written wrong (rev23 1: WHRE was told to start with ?)
                said = f"{token.text} is no keyword of SPARQL: did you mean {near[0]}?"
            else:  # SQL's column: a name alone, where SPARQL returns a variable (newuser23 F3)
                said = f"a variable starts with ?: ?{token.text}, not {token.text}"
        elif word == "LIKE":
            said = 'SPARQL has no LIKE: use CONTAINS(?label, "Kym") or REGEX(?label, "^kym", "i")'
        elif before.text.upper() in ("FILTER", "HAVING") and (
            token.kind in ("var", "number")
            # HAVING COUNT(?x) alone is a condition; compared, it needs the brackets
            or (
                before.text.upper() == "HAVING"
                and word in AGGREGATES
                and next_text(tokens, closing.get(i + 1, len(tokens))) in _COMPARISONS
            )
        ):
            said = (
                f"{before.text.upper()} takes its condition in brackets: {before.text.upper()}(…)"
            )
        elif word in ("ASC", "DESC") and before.kind == "var" and next_text(tokens, i) != "(":
            said = f"the direction comes first, the variable in brackets: {word}({before.text})"
        elif before.text.upper() in ("LIMIT", "OFFSET") and not token.text.isdigit():
            said = f"{before.text.upper()} takes a whole number ({before.text.upper()} 10)"
        elif token.text == "=" and before.text == "=":
            said = "SPARQL compares with a single =, and != for not equal: FILTER(?x = ?y)"
        elif token.text == "=" and depth == 0:
            said = "= compares values inside FILTER(…) or BIND(…), as in FILTER(?x = ?y)"
        elif token.text == "<>" and before.kind in (*_TERMS, "number", "string"):
            said = "SPARQL writes not equal as !=: FILTER(?x != ?y)"
        elif word == "IS" and before.kind == "var":
            said = (
                f"SPARQL has no IS NULL: BOUND({before.text}) is true when it has a value, "
                f"!BOUND({before.text}) when it has none"
            )
        elif word == "BETWEEN":
            said = "SPARQL has no BETWEEN: FILTER(?x >= low && ?x <= high)"
        elif word in ("AND", "OR") and (
            before.kind in (*_TERMS, "number", "string", "lang") or before.text == ")"
        ):
            said = "SPARQL writes and as &&, or as ||: FILTER(?x > 1 && ?y < 2)"
        elif word in _SQL_FUNCTIONS and next_text(tokens, i) == "(":
            said = f"SPARQL has no {word}(…): write {_SQL_FUNCTIONS[word]}"
        elif (
            token.text == ","
            and before.kind == "number"
            and i >= 2
            and tokens[i - 2].text.upper() == "LIMIT"
        ):
            said = f"LIMIT takes one number; to skip rows first: OFFSET {before.text} LIMIT …"
        elif token.text == ";" and i == len(tokens) - 1:
            said = "a query ends without ;"
        elif before.kind == "number" and word in _SCALES:
            said = f"a number is written in digits only: no '{token.text}' after {before.text}"
        elif word in ("TRUE", "FALSE") and token.text != word.lower():
            said = f"SPARQL writes its truth values in lower case: {word.lower()}"
        elif (
            token.text == before.text == "-"
            and token.offset == before.offset + 1
            and next_text(tokens, i) != "("
            and (i + 1 >= len(tokens) or tokens[i + 1].kind not in ("number", "var"))
        ):
            said = "a comment starts with #, not --"
        elif (
            token.text in ("}", ".")
            and i >= 3
            and tokens[i - 1].kind in _TERMS
            and tokens[i - 2].kind in _TERMS
            and tokens[i - 3].text in ("{", "}", ".")
            # VALUES ?x { <a> <b> } and VALUES (?x) { … } list values; GRAPH ?g { … } goes with them
            and not (
                tokens[i - 3].text == "{"
                and i >= 4
                and (tokens[i - 4].kind == "var" or tokens[i - 4].text == ")")
            )
        ):
            said = (
                "a triple pattern is a subject, a predicate and an object: the one before "
                f"'{token.text}' has no object"
            )
        if said is not None:
            return said, token.offset
    return None


def _ungrouped(tokens: list) -> tuple[str, int | None]:
    """What to do about the variables the outermost SELECT returns beside an aggregate that its
    GROUP BY leaves out (all of them when there is none), with where the first one is.

    >>> from .gate import tokenize
    >>> _ungrouped(tokenize("SELECT ?a (COUNT(?x) AS ?n) WHERE { ?x ?p ?a }"))[0]
    '?a is returned beside an aggregate but not grouped: add GROUP BY ?a (a row for each ?a), or return an aggregate of it, such as (SAMPLE(?a) AS ?one)'
    """
    returned, _, items = _selected_and_grouped(tokens)
    # every variable GROUP BY writes, alone, inside an expression or naming one, counts
    grouped = {
        t.text[1:]
        for expression, name in items
        for t in (*expression, name)
        if t is not None and t.kind == "var"
    }
    missing = list({t.text[1:]: t for t in returned if t.text[1:] not in grouped}.values())
    if not missing:
        return (
            "a variable returned beside an aggregate must be grouped (GROUP BY ?x) or aggregated "
            "itself, such as (SAMPLE(?x) AS ?one)"
        ), None
    names = " ".join(t.text for t in missing)
    it, verb = ("them", "are") if len(missing) > 1 else ("it", "is")
    add = f"add {names} to GROUP BY" if grouped else f"add GROUP BY {names}"
    return (
        f"{names} {verb} returned beside an aggregate but not grouped: {add} (a row for each "
        f"{missing[0].text}), or return an aggregate of {it}, such as "
        f"(SAMPLE({missing[0].text}) AS ?one)"
    ), missing[0].offset


#: The engine's other words for a variable that SELECT uses in an expression beside an aggregate,
#: neither grouped nor aggregated (newuser29 F1).
_UNGROUPED_IN_EXPRESSION = "The SELECT contains an expression with a variable that is unbound"
#: The aggregates, inside which a variable needs no grouping.
_AGGREGATES = frozenset("COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT".split())


def _spelled(tokens: list) -> str:
    """``tokens`` written back as a query writes them: a space between two terms, none inside
    brackets nor between a function's name and its brackets.

    >>> from .gate import tokenize
    >>> _spelled(tokenize("year( ?d )+COUNT ( * )"))
    'year(?d) + COUNT(*)'
    """
    said = ""
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else None
        glued = before is None or before.text == "(" or token.text in (")", ",")
        called = token.text == "(" and before is not None and before.kind in ("word", "pname")
        said += ("" if glued or called else " ") + token.text
    return said


def _named(tokens: list, start: int, end: int) -> tuple[list, Token | None]:
    """The expression and the variable of the ``( … AS ?v )`` from ``tokens[start]`` (its open
    bracket) to ``tokens[end]`` (its close), the variable None when it has no AS.

    >>> from .gate import tokenize
    >>> expression, name = _named(tokenize("(YEAR(?d) AS ?y)"), 0, 6)
    >>> _spelled(expression), name.text
    ('YEAR(?d)', '?y')
    """
    depth = 0
    for i in range(start + 1, end):
        depth += (tokens[i].text == "(") - (tokens[i].text == ")")
        if (
            depth == 0
            and tokens[i].kind == "word"
            and tokens[i].text.upper() == "AS"
            and tokens[i + 1].kind == "var"
        ):
            return tokens[start + 1 : i], tokens[i + 1]
    return tokens[start + 1 : end], None


def _selected_and_grouped(tokens: list) -> tuple[list, list, list]:
    """The outermost SELECT's bare variables, its ``(expression AS ?v)`` columns and the items
    of its GROUP BY, the last two as (expression tokens, variable token or None) pairs (a bare
    variable grouped by has an empty expression).

    >>> from .gate import tokenize
    >>> bare, made, grouped = _selected_and_grouped(tokenize(
    ...     "SELECT ?g (YEAR(?d) AS ?y) { ?a ?g ?d } GROUP BY ?g (YEAR(?d))"))
    >>> [t.text for t in bare], [(_spelled(e), v.text) for e, v in made]
    (['?g'], [('YEAR(?d)', '?y')])
    >>> [(_spelled(e), v and v.text) for e, v in grouped]
    [('', '?g'), ('YEAR(?d)', None)]
    """
    from .gate import closing_brackets, next_text

    closing = closing_brackets(tokens)
    bare, made, grouped = [], [], []
    clause, braces, i = None, 0, 0
    while i < len(tokens):
        token = tokens[i]
        word = token.text.upper() if token.kind == "word" else ""
        braces += (token.text == "{") - (token.text == "}")
        if braces == 0 and word == "SELECT" and clause is None:
            clause = "select"
        elif clause == "select" and (token.text == "{" or word == "WHERE"):
            clause = "where"
        elif braces == 0 and word == "GROUP" and next_text(tokens, i).upper() == "BY":
            clause, i = "group", i + 1
        elif clause == "group" and (word in _AFTER_GROUP_BY or token.text == "}"):
            clause = "after"
        elif clause == "select" and token.kind == "var":
            bare.append(token)
        elif clause == "group" and token.kind == "var":
            grouped.append(([], token))
        elif clause in ("select", "group") and token.text == "(" and i in closing:
            (made if clause == "select" else grouped).append(_named(tokens, i, closing[i]))
            i = closing[i]
        elif clause == "group" and token.kind in ("word", "pname") and next_text(tokens, i) == "(":
            # a function called without brackets around it: GROUP BY YEAR(?d)
            if i + 1 in closing:
                grouped.append((tokens[i : closing[i + 1] + 1], None))
                i = closing[i + 1]
        i += 1
    return bare, made, grouped


def _loose(expression: list) -> list:
    """The variables of ``expression`` outside any aggregate.

    >>> from .gate import tokenize
    >>> [t.text for t in _loose(tokenize("COUNT(?a) + ?x * SUM(?b)"))]
    ['?x']
    """
    loose, inside, depth = [], None, 0
    for token in expression:
        depth += (token.text == "(") - (token.text == ")")
        if inside is None and token.kind == "word" and token.text.upper() in _AGGREGATES:
            inside = depth
        elif inside is not None and token.text == ")" and depth == inside:
            inside = None
        elif inside is None and token.kind == "var":
            loose.append(token)
    return loose


def _same(one: list, other: list) -> bool:
    """Whether two expressions are written alike, but for spaces and the case of keywords."""

    def key(tokens: list) -> list:
        return [t.text.upper() if t.kind == "word" else t.text for t in tokens]

    return key(one) == key(other)


def _ungrouped_in_expression(tokens: list) -> tuple[str, int | None]:
    """What to do about a variable that a column the outermost SELECT makes with an expression,
    ``(… AS ?y)``, uses beside an aggregate, outside any aggregate, when its GROUP BY leaves
    that variable out (grouping by the expression alone groups no variable): the expression
    named in GROUP BY, quoted as the query writes it, with where the variable is.

    >>> from .gate import tokenize
    >>> _ungrouped_in_expression(tokenize(
    ...     "SELECT (YEAR(?d) AS ?y) (COUNT(*) AS ?n) { ?a ?p ?d } GROUP BY (YEAR(?d))"))[0]
    '?d is used in the column (YEAR(?d) AS ?y) but not grouped: name the expression in GROUP BY: GROUP BY (YEAR(?d) AS ?y), and SELECT ?y'
    """
    _, made, grouped = _selected_and_grouped(tokens)
    names = {variable.text for expression, variable in grouped if variable is not None}
    for expression, column in made:
        loose = [t for t in _loose(expression) if t.text not in names]
        if not loose or column is None:
            continue
        first, written = loose[0], _spelled(expression)
        quoted = f"({written} AS {column.text})"
        said = f"{first.text} is used in the column {quoted} but not grouped: "
        aggregated = any(t.kind == "word" and t.text.upper() in _AGGREGATES for t in expression)
        if aggregated or len(loose) < len(_loose(expression)):
            # the expression mixes an aggregate or a grouped variable with this one: the
            # variable itself is what to group or aggregate
            add = f"add {first.text} to GROUP BY" if grouped else f"add GROUP BY {first.text}"
            return said + (
                f"{add} (a row for each {first.text}), or aggregate it inside the expression, "
                f"such as SAMPLE({first.text})"
            ), first.offset
        same = [variable for e, variable in grouped if e and _same(e, expression)]
        if same and same[0] is not None:
            return said + (
                f"GROUP BY names that expression {same[0].text} already: SELECT {same[0].text}"
            ), first.offset
        if same:
            return said + (
                f"name the expression in GROUP BY: GROUP BY {quoted}, and SELECT {column.text}"
            ), first.offset
        add = f"add {quoted} to GROUP BY" if grouped else f"group by it: GROUP BY {quoted}"
        return said + (
            f"{add}, and SELECT {column.text}; or return an aggregate of it, such as "
            f"(SAMPLE({written}) AS {column.text})"
        ), first.offset
    return (
        "a variable used in a column SELECT makes with an expression beside an aggregate must "
        "be grouped or aggregated: group by the expression with a name, GROUP BY (… AS ?y), "
        "and SELECT ?y, or aggregate it, such as (SAMPLE(…) AS ?y)"
    ), None


def _alias_grouped(tokens: list) -> tuple[str, int | None]:
    """What to do about a column the outermost SELECT makes with an expression, ``(… AS ?y)``,
    whose variable the query binds elsewhere too: grouped by as SQL groups by an alias, named by
    GROUP BY already, or bound by a pattern; quoted as the query writes it.

    >>> from .gate import tokenize
    >>> _alias_grouped(tokenize("SELECT (YEAR(?d) AS ?y) (COUNT(*) AS ?n) { ?a ?p ?d } GROUP BY ?y"))[0]
    'a column SELECT makes with an expression, (YEAR(?d) AS ?y), is bound elsewhere in the query too; to group by it as SQL groups by an alias, group by the expression: GROUP BY (YEAR(?d) AS ?y), and SELECT ?y'
    """
    _, made, grouped = _selected_and_grouped(tokens)
    elsewhere = {}
    for i, token in enumerate(tokens):
        if token.kind == "var":
            elsewhere.setdefault(token.text, []).append(i)
    for expression, column in made:
        if column is None or len(elsewhere.get(column.text, ())) < 2:
            continue
        quoted = f"({_spelled(expression)} AS {column.text})"
        said = f"a column SELECT makes with an expression, {quoted}, is bound elsewhere in the query too; "
        if any(not e and v.text == column.text for e, v in grouped):
            return said + (
                "to group by it as SQL groups by an alias, group by the expression: "
                f"GROUP BY {quoted}, and SELECT {column.text}"
            ), None
        if any(e and v is not None and v.text == column.text for e, v in grouped):
            return said + f"GROUP BY names it already: SELECT {column.text}", None
        return said + "give the column a name of its own", None
    return (
        "a column SELECT makes with an expression, (… AS ?y), is bound elsewhere in the "
        "query too; to group by it as SQL groups by an alias, group by the expression: "
        "GROUP BY (… AS ?y), and SELECT ?y"
    ), None


def _thousands(tokens: list, failed: int | None) -> tuple[str, int] | None:
    """A number written with thousands separators (1,000,000) where the engine stopped, at
    ``failed``.

    >>> from .gate import tokenize
    >>> _thousands(tokenize("SELECT * { ?d ?p ?v FILTER(?v > 1,000,000) }"), 35)
    ('numbers are written without thousands separators: 1000000 (or 1e6)', 32)
    """
    i = 0
    while i < len(tokens) - 2:
        token = tokens[i]
        if failed is not None and token.offset > failed:
            return None
        run = [token.text]
        # one pass: a run of numbers and commas with no space between (SUBSTR(?s, 1, 100) is
        # no number) is read once, from its first number
        while (
            tokens[i].kind == "number"
            and i + 2 < len(tokens)
            and tokens[i + 1].text == ","
            and tokens[i + 2].kind == "number"
            and tokens[i + 1].offset == tokens[i].offset + len(tokens[i].text)
            and tokens[i + 2].offset == tokens[i + 1].offset + 1
        ):
            run.append(tokens[i + 2].text)
            i += 2
        end = tokens[i].offset + len(tokens[i].text)
        i += 1
        # the engine stopped inside the run: elsewhere its commas part a function's arguments
        inside = failed is not None and token.offset <= failed <= end
        if inside and len(run) > 1 and all(len(p) == 3 and p.isdigit() for p in run[1:]):
            whole = "".join(run)
            rounded = f" (or {whole[0]}e{len(whole) - 1})" if whole.rstrip("0") == whole[0] else ""
            return (
                f"numbers are written without thousands separators: {whole}{rounded}",
                token.offset,
            )
    return None


#: The start of a URL written without its angle brackets, which the tokens read as a prefixed name.
_BARE_URL = re.compile(r"https?://\S+", re.IGNORECASE)
#: The longest pattern repeated whole in the query to write instead.
_PATTERN_SHOWN = 80
_STARTS = "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines"


def _query_start(tokens: list) -> int | None:
    """The index of the token after the well-formed PREFIX and BASE declarations that open
    ``tokens``, or None when one of them is not well formed (the error is in it).

    >>> from .gate import tokenize
    >>> _query_start(tokenize("PREFIX ex: <urn:x#> BASE <urn:b> ex:a")), _query_start(tokenize("PREFIX ?x"))
    (5, None)
    """
    at = 0
    while at < len(tokens) and tokens[at].kind == "word":
        word = tokens[at].text.upper()
        if word == "BASE" and at + 1 < len(tokens) and tokens[at + 1].kind == "iri":
            at += 2
        elif (
            word == "PREFIX"
            and at + 2 < len(tokens)
            and tokens[at + 1].kind == "pname"
            and tokens[at + 1].text.endswith(":")
            and tokens[at + 2].kind == "iri"
        ):
            at += 3
        elif word in ("BASE", "PREFIX"):
            return None
        else:
            break
    return at if at < len(tokens) else None


def _not_query(text: str, tokens: list) -> NotQueryError | None:
    """The error for ``text`` (made of ``tokens``) when it starts, after its PREFIX and BASE
    lines, with a pattern (a variable, a group, a term followed by more) or is an entity alone
    (its prefixed name, its IRI, a URL without angle brackets), which no query starts with: said
    at that start, with the way to match the pattern or see the entity (newuser23 F7). None for
    any other start, and for a prefixed name whose prefix is declared nowhere (said first).

    >>> from .gate import tokenize
    >>> print(_not_query("?t a atmp:Therapy", tokenize("?t a atmp:Therapy")))
    SPARQL syntax error at line 1, column 1: the query starts with '?t', a pattern: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines; to match it: SELECT * WHERE { ?t a atmp:Therapy }
    """
    from .gate import declarations, line_column

    at = _query_start(tokens)
    if at is None:
        return None
    first = tokens[at]
    url = _BARE_URL.match(text, first.offset) if first.kind == "pname" else None
    if url is not None:
        iri, written, rest = url.group(), url.group(), text[url.end() :]
    elif first.kind == "iri":
        iri, written, rest = first.text[1:-1], first.text, text[first.offset + len(first.text) :]
        if ":" not in iri:  # relative, resolved against the base of every door
            iri = ID + iri
    elif first.kind == "pname":
        prefix, _, local = first.text.partition(":")
        namespace = {**PREFIXES, **declarations(tokens)[0]}.get(prefix)
        if namespace is None:
            return None
        iri, written, rest = namespace + local, first.text, text[first.offset + len(first.text) :]
    elif first.kind == "var" or first.text == "{":
        iri, written, rest = None, first.text, "more"
    else:
        return None
    line, column = line_column(text, first.offset)
    said = (
        f"SPARQL syntax error at line {line}, column {column}: the query starts with "
        f"'{cut(written)}', "
    )
    if iri is None or rest.strip():
        # rebuilt from its tokens, without its comments, which would swallow the rest of a line
        # (rev23 7); a variable alone is no pattern to show
        pattern = (
            " ".join(f"<{iri}>{rest}".split())
            if url is not None
            else " ".join(t.text for t in tokens[at:])
        )
        if len(pattern) > _PATTERN_SHOWN or len(tokens) - at == 1:
            pattern = "{ … }"
        elif first.text != "{":
            pattern = f"{{ {pattern} }}"
        said += f"a pattern: {_STARTS}; to match it: SELECT * WHERE {pattern}"
        return NotQueryError(said, line, column, said)
    name = shorten(iri)
    said += f"an entity: {_STARTS}; to see it: DESCRIBE {cut(name)}"
    given = cut(name if name[0] != "<" else iri)  # what show takes: no brackets for a shell
    page = f", or its page /id/{iri[len(ID) :]}" if iri.startswith(ID) and name[0] != "<" else ""
    return NotQueryError(
        f"{said}, or atmpkg show {shlex.quote(given)} (Python: kg.show({given!r}))",
        line,
        column,
        said + page,
    )


def _readable(detail: str, tokens: list, failed: int | None = None) -> tuple[str, int | None]:
    """The engine's ``detail`` for the query of ``tokens`` without its character sets, and said
    plainly where it is a common slip: an empty query, a first word that starts no query (with
    that word's offset, where the error is), commas between SELECT's variables, LIMIT without a
    number, a triple without its object (:func:`_slip`), SELECT * with GROUP BY, a group left open.

    >>> from .gate import tokenize
    >>> _readable('expected one of ",", "}", [_]', tokenize("SELECT * { ?s ?p ?o"))
    ('expected one of ",", "}"; the query ends with 1 group left open: is a closing } missing?', None)
    >>> _readable("expected CONSTRUCT", tokenize("SELEKT * {}"))
    ("the query starts with 'SELEKT': a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines", 0)
    >>> _readable("expected DISTINCT", tokenize("SELECT ?x, ?y WHERE { ?x ?y ?z }"))
    ('the variables SELECT returns are separated by spaces, not commas', 9)
    """
    if not tokens:
        return "the query is empty", None
    first = _first_word(tokens)
    if first is not None and first.text.upper() not in _FIRST_WORDS and first.text.isalpha():
        return (
            f"the query starts with '{first.text}': a query starts with SELECT, CONSTRUCT, ASK "
            "or DESCRIBE, after any PREFIX and BASE lines"
        ), first.offset
    slip = _slip(tokens, failed)
    if slip is not None:
        return slip
    thousands = _thousands(tokens, failed)
    if thousands is not None:
        return thousands
    in_filter = _pattern_in_filter(tokens, failed)
    if in_filter is not None:
        return in_filter
    if _UNGROUPED in detail:
        return _ungrouped(tokens)
    if _UNGROUPED_IN_EXPRESSION in detail:
        return _ungrouped_in_expression(tokens)
    if _OVERRIDES in detail:
        return _alias_grouped(tokens)
    if _STAR_GROUPED in detail:
        return (
            "SELECT * cannot be used with GROUP BY: name what to return, the grouped variables "
            "and aggregates (SELECT ?x (COUNT(?y) AS ?n) ... GROUP BY ?x)"
        ), None
    detail = _CHARACTER_SETS.sub("", detail).strip()
    if detail in ("expected", "expected one of"):
        detail = "unexpected text here"
    elif _KEYWORD_SAMPLE.fullmatch(detail):
        # the engine names the keywords it tried last, a sample of the functions a reader might
        # take for the word to write
        detail = "a value, a variable or an expression was expected here"
    open_groups = sum(t.text == "{" for t in tokens) - sum(t.text == "}" for t in tokens)
    if open_groups > 0:
        detail += (
            f"; the query ends with {open_groups} group{'s' if open_groups > 1 else ''} left "
            "open: is a closing } missing?"
        )
    return detail, None


#: What stops a triple pattern written inside FILTER's brackets: the operators and brackets around it.
_PATTERN_ENDS = frozenset({")", "}", "&&", "||", ",", "."})
#: What a property path writes between and after its steps.
_PATH_STEPS = frozenset({"a", "/", "|", "^", "*", "+"})


def _pattern_in_filter(tokens: list, failed: int | None) -> tuple[str, int] | None:
    """A triple pattern written inside FILTER's brackets, as SQL's WHERE tests a join (newuser28
    F5), where the engine stopped at ``failed``: the three terms in a row (subject, predicate,
    object) that hold the token it stopped in, inside a FILTER( … ) and in no EXISTS { … } group
    there, said as a pattern to test with EXISTS, with the offset where it starts.

    >>> from .gate import tokenize
    >>> _pattern_in_filter(tokenize("SELECT * { ?a ?p ?d FILTER(?d > 1 && ?a atmp:agency agency:fda) }"), 45)
    ('a graph pattern inside FILTER: test it with EXISTS { ?a atmp:agency agency:fda } or move it out of the FILTER', 37)
    """
    if failed is None:
        return None
    # what each open bracket is: "filter" (FILTER's brackets, or brackets and a bare group inside
    # them) or "other" (a group of patterns, EXISTS { … } included, or any other brackets)
    frames: list[str] = []
    stopped = None
    for i, token in enumerate(tokens):
        if token.offset > failed:
            break
        stopped = i
        before = tokens[i - 1].text.upper() if i else ""
        inside = bool(frames) and frames[-1] == "filter"
        if token.text == "(":
            frames.append("filter" if before == "FILTER" or inside else "other")
        elif token.text == "{":
            frames.append("filter" if inside and before not in ("EXISTS", "NOT") else "other")
        elif token.text in (")", "}") and frames:
            frames.pop()
    if stopped is None or not frames or frames[-1] != "filter":
        return None
    for start in (stopped - 2, stopped - 1, stopped):
        if start < 1 or start + 2 >= len(tokens):
            continue
        end = start
        while end + 1 < len(tokens) and tokens[end + 1].text not in _PATTERN_ENDS:
            end += 1
        # subject, predicate (a property path's steps and / | ^ between them), object
        if (
            tokens[start - 1].kind == "punct"
            and tokens[start - 1].text not in (")", "^^")
            and tokens[start].kind in _TERMS
            and (tokens[start + 1].kind in _TERMS or tokens[start + 1].text in ("a", "^"))
            and end >= start + 2
            and tokens[end].kind in (*_TERMS, "string", "number")
            and all(t.kind in _TERMS or t.text in _PATH_STEPS for t in tokens[start + 1 : end])
        ):
            pattern = tokens[start].text
            for previous, token in zip(tokens[start:end], tokens[start + 1 : end + 1], strict=True):
                gap = token.offset > previous.offset + len(previous.text)
                pattern += (" " if gap else "") + token.text
            return (
                f"a graph pattern inside FILTER: test it with EXISTS {{ {pattern} }} or move it "
                "out of the FILTER"
            ), tokens[start].offset
    return None


def _undeclared(text: str, tokens: list, failed: int) -> tuple[str, int, int] | None:
    """The first prefixed name of ``text`` (made of ``tokens``) before the engine's error at
    offset ``failed`` whose prefix neither the query nor :data:`PREFIXES` declares (it can never
    parse): its prefix and its own line and column."""
    from .gate import declared_prefixes, line_column

    declared = declared_prefixes(tokens)
    for token in tokens:
        prefix = token.text.partition(":")[0]
        if token.offset >= failed:
            return None
        if token.kind == "pname" and prefix not in declared and prefix not in PREFIXES:
            return prefix, *line_column(text, token.offset)
    return None


def evaluate(
    store: ox.Store,
    text: str,
    form: str,
    bindings: Mapping[str, Term] | None = None,
    limit: int | None = None,
    timeout: float | None = None,
    *,
    dataset: bool = False,
    started: float | None = None,
    written: bool = False,
    memory: int | None = None,
) -> QueryResult | WrittenSolutions:
    """Evaluate ``text`` (a query of ``form``, or an update when ``form`` is UPDATE) on ``store``
    with ``bindings`` as substitutions, relative IRIs resolved against :data:`BASE_IRI`, at most
    ``limit`` rows. ``timeout`` is for a remote store only, counted from ``started`` over its own
    checks of the text, its request and the reading of its answer, and so is ``memory``, the cap
    of the rows it makes (None: none). Unless ``dataset``
    (FROM and FROM NAMED allowed), a query of the embedded store reads the store's default graph
    as its default graph whatever FROM it holds: the engine's own check behind the gate's
    refusal. ``written``: a SELECT answer of the embedded store with variables comes back as
    the engine writes it (:class:`WrittenSolutions`), for a confined process to send, unless a
    line of it is longer than :data:`LONGEST_LINE` or a cell holds an RDF 1.2 triple term.

    >>> evaluate(ox.Store(), "ASK { <kymriah> ?p ?o }", "ASK").boolean
    False
    """
    bindings = bindings or {}
    substitutions = {ox.Variable(name): term for name, term in bindings.items()}
    # Only a remote store takes a time limit here (its HTTP client stops waiting at the limit); it
    # resolves relative IRIs itself, with a BASE declaration it sends.
    limits: dict = {"timeout": timeout, "started": started} if timeout is not None else {}
    if isinstance(store, ox.Store):
        limits = {"base_iri": BASE_IRI}
        if not dataset and form != "UPDATE":
            # FROM NAMED can only narrow GRAPH to some of the store's own graphs; naming them
            # all here would make a GRAPH join crawl on a store of many graphs
            limits["default_graph"] = ox.DefaultGraph()
    else:
        # an answer the server cut at its row cap comes as it is, and the result says so
        limits["memory"], limits["cut"] = memory, True
        if form == "SELECT" and limit is not None:
            limits["limit"] = limit + 1  # the server sends no more than the cap and one to tell it cut
    try:
        if form == "UPDATE":
            store.update(text, prefixes=PREFIXES, **limits)
            return QueryResult("UPDATE")
        answer = store.query(text, prefixes=PREFIXES, substitutions=substitutions or None, **limits)
        # Answers are computed as they are read: reading them is part of the evaluation.
        if written and isinstance(answer, ox.QuerySolutions) and answer.variables:
            solutions = _written(answer, limit)
            if solutions is not None:
                return solutions
            # a line too long for the caller's reader, or a triple term: the query again, read
            # term by term (which refuses a triple term with the column it is in)
            answer = store.query(text, prefixes=PREFIXES, substitutions=substitutions or None, **limits)
        return _collect(answer, form, limit)
    except SyntaxError as exc:
        raise _syntax_error(exc, text) from None
    except AtmpkgError:
        raise  # a remote store's own errors (an EndpointTimeoutError is also an OSError)
    except (RuntimeError, OSError) as exc:
        if isinstance(exc, RuntimeError) and "SELECT projection" in str(exc):
            names = ", ".join(f"?{n}" for n in bindings)
            raise ParameterError(
                f"parameters ({names}) can only be bound to variables the SELECT clause "
                "returns; add them to the SELECT clause"
            ) from None
        if str(exc).startswith(("Corruption", "IO error")):
            raise  # the store's files: the caller names the store (see engine.child)
        raise StoreError(f"query failed: {exc}") from None


def memory_copy(store: ox.Store) -> ox.Store:
    """A copy of ``store`` held in memory.

    >>> s = ox.Store()
    >>> s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
    >>> len(memory_copy(s))
    1
    """
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None))
    return copy


class _Full(Exception):
    """The engine wrote a row past the cap: the rest is not needed."""


class _TermByTerm(Exception):
    """The engine wrote a line longer than :data:`LONGEST_LINE` or a cell that begins with ``<<``
    (an RDF 1.2 triple term): the answer crosses term by term."""


class _RowWriter:
    """What the engine writes an answer to: its writes, up to the end of the line ``lines`` (the
    variables' line and the rows under the cap), where it stops the engine; and stops it at a
    line longer than :data:`LONGEST_LINE` or a triple term."""

    def __init__(self, lines: int | None):
        self.chunks: list[bytes] = []
        self.lines, self.seen = lines, 0
        self.open = 0  # the bytes of the line not ended yet
        self.tail = b""  # the last two bytes kept: a cell's "<<" may begin in one write
        self.stopped: type[Exception] | None = None

    def write(self, data: bytes) -> int:
        if self.stopped:
            # the engine writes out what it holds once more as it drops its writer
            raise self.stopped
        try:
            return self._write(bytes(data))
        except (_Full, _TermByTerm) as stop:
            self.stopped = type(stop)
            raise

    def _write(self, data: bytes) -> int:
        # a term's line break or tab is written as an escape: each line break ends a row
        ends = data.count(b"\n")
        if self.lines is not None and self.seen + ends > self.lines:
            cut = -1
            for _ in range(self.lines - self.seen):
                cut = data.index(b"\n", cut + 1)
            self._keep(data[: cut + 1])
            raise _Full
        self._keep(data)
        self.seen += ends
        return len(data)

    def _keep(self, data: bytes) -> None:
        first = data.find(b"\n")
        if first < 0:
            self.open += len(data)
        else:
            # the engine writes a long term in one piece: lines within it, as well as across
            inner = max(map(len, data.split(b"\n"))) if len(data) > LONGEST_LINE else 0
            if self.open + first > LONGEST_LINE or inner > LONGEST_LINE:
                raise _TermByTerm
            self.open = len(data) - data.rfind(b"\n") - 1
        if self.open > LONGEST_LINE:
            raise _TermByTerm
        # a literal's cell begins with its quote, and a tab or line break in a term is written as
        # an escape: only a triple term's cell begins with "<<"
        edge = self.tail + data[:2]
        if b"\t<<" in data or b"\n<<" in data or b"\t<<" in edge or b"\n<<" in edge:
            raise _TermByTerm
        self.tail = (self.tail + data[-2:])[-2:]
        self.chunks.append(data)

    def flush(self) -> None:
        """Nothing is buffered here."""


def _written(answer: ox.QuerySolutions, limit: int | None) -> WrittenSolutions | None:
    """``answer`` written by the engine, at most ``limit`` rows of it; None for one with a line
    longer than :data:`LONGEST_LINE` or an RDF 1.2 triple term."""
    writer = _RowWriter(None if limit is None else limit + 1)
    variables = [v.value for v in answer.variables]
    truncated = False
    try:
        answer.serialize(writer, format=ox.QueryResultsFormat.TSV)
    except _Full:
        truncated = True
    except _TermByTerm:
        return None
    return WrittenSolutions(variables, writer.chunks, truncated, limit)


def _collect(answer, form: str, limit: int | None) -> QueryResult:
    result = _collected(answer, form, limit)
    # a remote store's answer that its server cut at a row cap below the caller's own
    cut = getattr(answer, "cut", None)
    if cut is not None and (limit is None or cut < limit):
        result.truncated, result.limit = True, cut
        result.notes.append(cut_note(cut))
    return result


def _collected(answer, form: str, limit: int | None) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(answer))
    triple = ox.Triple
    if hasattr(answer, "variables"):  # pyoxigraph's QuerySolutions, or a remote store's Solutions
        result = QueryResult("SELECT", [v.value for v in answer.variables], limit=limit)
        width = len(result.variables)
        for solution in answer:
            if limit is not None and len(result.rows) >= limit:
                result.truncated = True
                break
            row = tuple(solution[i] for i in range(width))
            if any(type(term) is triple for term in row):
                at = next(n for n, term in enumerate(row) if type(term) is triple)
                raise _triple_term(result.variables[at])
            result.rows.append(row)
        return result
    result = QueryResult("DESCRIBE" if form == "DESCRIBE" else "CONSTRUCT", limit=limit)
    for made in answer:
        if limit is not None and len(result.triples) >= limit:
            result.truncated = True
            break
        if type(made.subject) is triple or type(made.object) is triple:
            raise _triple_term(None)
        result.triples.append(made)
    return result


def cut_note(cap: int) -> str:
    """The note on a user's answer that the server cut at its row cap ``cap``.

    >>> print(cut_note(10000))
    the endpoint cut its answer at its row cap of 10,000 rows (ATMPKG-Truncated): more match, which are not here; narrow the query, read it in pages (ORDER BY with LIMIT and OFFSET), or raise the server's cap (atmpkg serve --max-rows)
    """
    return (
        f"the endpoint cut its answer at its row cap of {cap:,} rows ({TRUNCATED}): more match, "
        "which are not here; narrow the query, read it in pages (ORDER BY with LIMIT and "
        "OFFSET), or raise the server's cap (atmpkg serve --max-rows)"
    )


def _triple_term(variable: str | None) -> ParameterError:
    """The error for an answer that holds an RDF 1.2 triple term (``BIND(<<( … )>> AS ?t)``) in
    ``variable``'s column, or in a triple a CONSTRUCT makes (None): every writer, view and export
    of the library reads RDF 1.1, where a term has a value, and a triple term nested deep took
    their readers past their stack (sec22 M5, L2).

    >>> print(_triple_term("t"))
    the answer holds an RDF 1.2 triple term in ?t, which this graph (RDF 1.1) and its formats do not: return its parts instead, SUBJECT(?t), PREDICATE(?t) and OBJECT(?t)
    """
    where, term = (f"?{variable}", f"?{variable}") if variable else ("a triple it makes", "the term")
    return ParameterError(
        f"the answer holds an RDF 1.2 triple term in {where}, which this graph (RDF 1.1) and its "
        f"formats do not: return its parts instead, SUBJECT({term}), PREDICATE({term}) and "
        f"OBJECT({term})"
    )

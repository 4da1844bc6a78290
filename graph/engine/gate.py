"""The query gate: every query, whatever door it comes through, is checked here before evaluation.

The gate refuses what would let a query reach outside the store (SERVICE, LOAD), choose other graphs
(FROM, FROM NAMED, USING) or change the store (updates), unless the caller allows it, and texts too
large or too deeply nested for the engine to take safely.

Its decision has to agree with Oxigraph's parser, not with the SPARQL grammar as written: Oxigraph
reads a keyword wherever its letters stand, even glued to the next word (``SERVICESILENT``,
``SERVICEex:x``, ``ASKFROM<g>``). So the gate splits the text into the grammar's terminals (strings,
IRIs, comments, variables and prefixed names, whose contents are never keywords) and looks for the
guarded keywords *inside* every bare word and every prefix of a prefixed name, in any case. A prefix
such as ``service:`` or ``from:`` is therefore refused too: the price of never letting a glued
keyword through. ``\\u`` escapes are looked through as well (the decoded text is searched, the
original one is evaluated, as Oxigraph decodes escapes only inside strings and IRIs). Where
the engine may read a ``<`` as less-than or as an IRI's start, the gate follows both readings, each
``<`` on its own (:func:`_readings`). ``tests/test_gate_engine.py`` checks the agreement against
the engine itself.

>>> check("SELECT * WHERE { ?s ?p ?o }").form
'SELECT'
>>> check("SELECT * { SERVICESILENT <http://x> { ?s ?p ?o } }")
Traceback (most recent call last):
...
atmpkg.graph.errors.QueryRefusedError: SERVICE (a federated query to another server) is refused: queries may not make network requests. Pass allow=["service"] (CLI: --allow service) to enable it.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import heapq
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import (
    SURROGATE,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    QueryTooComplexError,
    escaped,
    utf8_advice,
)
from ..rdf import valid_iri
from ..terms import PREFIXES

#: Longest query text accepted, in characters (the HTTP door also caps the request body).
MAX_QUERY_CHARS = 1_000_000
#: The most bytes a query's text may take in UTF-8 (four to a character): a file or standard
#: input is read no further.
MAX_QUERY_BYTES = 4 * MAX_QUERY_CHARS


def too_long(what: str) -> QueryTooComplexError:
    """The refusal of a query text longer than :data:`MAX_QUERY_CHARS`; ``what`` says how long.

    >>> print(too_long("the query is 1,000,001 characters long"))
    the query is 1,000,001 characters long; at most 1,000,000 characters are accepted. Split it, or load large value lists as data with 'atmpkg import'.
    """
    return QueryTooComplexError(
        f"{what}; at most {MAX_QUERY_CHARS:,} characters are accepted. Split it, or load large "
        "value lists as data with 'atmpkg import'."
    )


#: Deepest nesting of ``{ }``, ``( )`` and ``[ ]`` accepted: the engine's parser recurses on each.
MAX_DEPTH = 256
#: Most operators (``.``, ``;``, ``,``, arithmetic, logical and comparison operators, the sign of
#: a signed number, UNION, MINUS (four), OPTIONAL, path operators) accepted: the engine builds one
#: level of its query tree for each, and about 10,000 exhaust its stack.
MAX_OPERATORS = 4_000

#: Most ways of reading a text (see :func:`_readings`) that may reach one place in it.
MAX_READINGS_AT_A_PLACE = 32

#: What each ``allow`` value lifts.
ALLOW = ("service", "dataset", "update", "load")

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
# At most 64 characters: tried at every letter of a long run of "a.a.a…" that no colon ends,
# an unbounded prefix would be read to the end each time (quadratic; 80 kB took minutes). A longer
# prefix is read as words and dots, whose keywords and operators the gate still counts.
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]{{0,62}}[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)


#: The escapes the engine reads in a string: ``\\t`` and the other ECHARs, and ``\\u`` / ``\\U``
#: naming a code point that is no surrogate (``\\uD800`` is refused). A long string holding any
#: other escape is no string to the engine, which then reads ``""`` and a new string from the
#: third quote; the gate reads it so too.
_STRING_ESCAPE = (
    r"\\[tbnrf\"'\\]|\\u(?![dD][89a-fA-F])[0-9A-Fa-f]{4}"
    r"|\\U(?:0000(?![dD][89a-fA-F])[0-9A-Fa-f]{4}|000[1-9A-Fa-f][0-9A-Fa-f]{4}|0010[0-9A-Fa-f]{4})"
)

#: An IRI as the engine reads it, ``\\u`` and ``\\U`` escapes included (decoded in IRIs only).
_IRI = r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)"


@functools.cache
def _token_re(strict: bool = True) -> re.Pattern[str]:
    """The terminals, strings with the escapes the engine reads (``strict``), else any escape."""
    # Compiled on first use: the Unicode classes take tens of milliseconds to compile.
    escape = _STRING_ESCAPE if strict else r"\\."
    return re.compile(
        "|".join(
            [
                # SPARQL's white space only: Python's \s also takes U+1680, which the engine
                # reads as a letter of a name
                r"(?P<ws>[ \t\r\n]+)",
                r"(?P<comment>#[^\n\r]*)",
                rf"(?P<string>\"\"\"(?:[^\"\\]|{escape}|\"(?!\"\"))*\"\"\""
                rf"|'''(?:[^'\\]|{escape}|'(?!''))*'''"
                rf"|\"(?:[^\"\\\n\r]|{escape})*\""
                rf"|'(?:[^'\\\n\r]|{escape})*')",
                _IRI,
                f"(?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)",
                f"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
                f"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
                r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)",
                f"(?P<word>[{_PN_CHARS_U}][{_PN_CHARS_U}0-9]*)",
                r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?))",
                r"(?P<punct>\^\^|&&|\|\||<<|>>|\{\||\|\}|!=|<=|>=|[{}()\[\];,.*/+\-=<>!|^?$@&:])",
                r"(?P<unknown>.)",
            ]
        ),
        re.DOTALL,
    )


#: Guarded keywords, with the ``allow`` value that lifts each and the reason it is refused.
_GUARDED = {
    "service": "service",
    "from": "dataset",
    "using": "dataset",
    "load": "load",
}
_UPDATE_WORDS = (
    "insert",
    "delete",
    "load",
    "clear",
    "drop",
    "create",
    "add",
    "move",
    "copy",
    "with",
)
_FORMS = ("select", "construct", "describe", "ask")
#: The words the engine may read as a token of their own where they stand glued to a name: the verb
#: ``a`` and SPARQL's keywords (the engine matches a keyword wherever the grammar expects one,
#: before it tries a name: ``DESCRIBEex:FROM`` is DESCRIBE and ``ex:FROM`` even when ``DESCRIBEex``
#: is a declared prefix).
_GLUED_WORDS = frozenset(
    """a base prefix select distinct reduced as construct where describe ask from named group by
    having order asc desc limit offset values load silent into clear drop create add to move copy
    insert data delete with using default graph all optional service bind undef minus union filter
    in not exists separator true false""".split()
)
_LONGEST_GLUED = max(map(len, _GLUED_WORDS))
#: Functions whose value changes at every call (STRUUID holds UUID).
_VOLATILE = ("rand", "uuid", "bnode")
_OPENERS, _CLOSERS = frozenset({"{", "(", "[", "<<", "{|"}), frozenset({"}", ")", "]", ">>", "|}"})
#: What can stand before the start of an operand: after anything else inside parentheses, the
#: engine may read ``<`` as less-than (after ``)``, a value, ``EXISTS{…}``, a triple term ``>>``).
_BEFORE_OPERAND = frozenset(
    {"(", "[", "{", "<<", "{|", ",", ";", ".", "=", "!=", "<", ">", "<=", ">=", "&&", "||"}
    | {"+", "-", "*", "/", "!", "^", "^^", "|"}
)
_OPERATOR_PUNCT = frozenset(
    {".", ";", ",", "+", "-", "*", "/", "&&", "||", "=", "!=", "<", ">", "<=", ">=", "|", "^", "!"}
)
#: What each operator word counts for: the engine nests MINUS about four times as deep as the
#: others (about 2,600 exhaust its stack), so that the limit leaves it the margin it leaves them.
_OPERATOR_WORDS = {"union": 1, "minus": 4, "optional": 1}

#: Why each guarded feature is refused, and how a caller lifts the refusal on purpose.
_REFUSALS = {
    "service": (
        "SERVICE (a federated query to another server) is refused: queries may not make network "
        "requests.",
        'Pass allow=["service"] (CLI: --allow service) to enable it.',
    ),
    "from": (
        "FROM / FROM NAMED (dataset clauses) are refused: they choose other graphs than the "
        "store's own. Query the store's named graphs with GRAPH instead.",
        'Or pass allow=["dataset"] (CLI: --allow dataset).',
    ),
    "using": (
        "USING / USING NAMED (dataset clauses of an update) are refused. Name graphs with GRAPH "
        "instead.",
        'Or pass allow=["dataset"] (CLI: --allow dataset).',
    ),
    "load": (
        "LOAD reads a document from the network or a file and is refused even when updates are "
        "allowed. Import files with 'atmpkg import'.",
        'Or pass allow=["load"] (CLI: --allow load).',
    ),
}


@dataclass(frozen=True)
class Token:
    """One terminal of the query text: its kind (word, pname, var, iri, string, punct…), its text
    and its offset in the text."""

    kind: str
    text: str
    offset: int


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the gate: its text (as given), its form, the guarded clauses it uses
    (allowed by the caller) and the tokens it is made of."""

    text: str
    form: str
    clauses: frozenset[str]
    tokens: tuple[Token, ...]

    @property
    def volatile(self) -> bool:
        """Whether the query calls a function whose value changes at every call (``RAND``,
        ``UUID``, ``STRUUID``, ``BNODE``) as the engine reads it: the name, even glued to a
        keyword before it (``ORDER BYRAND()``), then ``(`` after any white space or comments.

        >>> check("SELECT (RAND#c\\n() AS ?r) {}").volatile
        True
        >>> check('ASK { ?s ?p "RAND()" }').volatile
        False
        """
        tokens = self.tokens
        return any(
            token.kind == "word"
            and following.text == "("
            and any(name in token.text.casefold() for name in _VOLATILE)
            for token, following in zip(tokens, tokens[1:], strict=False)
        )

    @property
    def variables(self) -> frozenset[str]:
        """Names of every variable that occurs in the query (without ``?``).

        >>> sorted(check("SELECT ?a { ?a ?b 1 }").variables)
        ['a', 'b']
        """
        return frozenset(t.text[1:] for t in self.tokens if t.kind == "var")


def decode_escapes(text: str) -> str:
    """Replace SPARQL codepoint escapes, as the grammar describes them.

    >>> decode_escapes("\\\\u0053ERVICE")
    'SERVICE'
    """

    def repl(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(repl, text)


def declared_prefixes(tokens: Sequence[Token]) -> set[str]:
    """The prefixes a query declares itself (``PREFIX ex: <…>``), by name without the colon.

    >>> sorted(declared_prefixes(tokenize("PREFIX ex: <urn:ex:> prefix : <urn:> ASK {}")))
    ['', 'ex']
    """
    return set(declarations(tokens)[0])


def declarations(tokens: Sequence[Token]) -> tuple[dict[str, str], set[int]]:
    """The namespace each prefix a query declares is bound to (``PREFIX ex: <…>``), and the
    positions of the tokens that declare (a PREFIX's name and IRI, a BASE's IRI): names, not
    uses of terms.

    >>> declarations(tokenize("BASE <urn:b> PREFIX ex: <urn:ex:> ASK { ex:a ?p ?o }"))
    ({'ex': 'urn:ex:'}, {1, 3, 4})
    """
    bound, at = {}, set()
    for i, token in enumerate(tokens[:-1]):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "BASE":
            at.add(i + 1)
        elif word == "PREFIX":
            bound[tokens[i + 1].text[:-1]] = tokens[i + 2].text[1:-1] if i + 2 < len(tokens) else ""
            at |= {i + 1, i + 2}
    return bound, at


def closing_brackets(tokens: Sequence[Token]) -> dict[int, int]:
    """Where each bracket of ``tokens`` closes: the index of its ``)`` by the index of its ``(``,
    found in one pass (a search from each bracket made a text of open brackets quadratic).

    >>> closing_brackets(tokenize("ASK { FILTER((1)) }"))
    {4: 6, 3: 7}
    """
    closing, opened = {}, []
    for i, token in enumerate(tokens):
        if token.text == "(":
            opened.append(i)
        elif token.text == ")" and opened:
            closing[opened.pop()] = i
    return closing


def next_text(tokens: Sequence[Token], i: int) -> str:
    """The text of the token after ``tokens[i]``, or "" at the end.

    >>> next_text(tokenize("ASK {}"), 0), next_text(tokenize("ASK {}"), 2)
    ('{', '')
    """
    return tokens[i + 1].text if i + 1 < len(tokens) else ""


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The line and column (from 1) of ``offset`` in ``text``.

    >>> line_column("a\\nbc", 3)
    (2, 2)
    """
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def tokenize(text: str) -> list[Token]:
    """Split SPARQL text into tokens, dropping white space and comments. A string that is never
    closed raises :class:`QuerySyntaxError` there (the engine refuses it too; read on, each of
    its quotes would be tried again to the end of the text).

    >>> [t.text for t in tokenize('SELECT ?s { ?s a "SERVICE" } # SERVICE')]
    ['SELECT', '?s', '{', '?s', 'a', '"SERVICE"', '}']
    """
    return _lex(text)[0]


def _disputed(text: str, position: int, top: str | None, last: str | None) -> bool:
    """Whether the engine may read the ``<`` at ``position`` as less-than: inside parentheses
    after a token that starts no operand (see :data:`_BEFORE_OPERAND`), as in
    ``FILTER(1<2)SERVICE…#>``. Inside ``{ }``, ``[ ]`` and outside any bracket no expression
    stands without parentheses around it, so there ``<`` starts an IRI."""
    return (
        text.startswith("<", position)
        and top == "("
        and last is not None
        and last not in _BEFORE_OPERAND
    )


def _opens(opener: str, top: str | None, last: str | None, values: str) -> str:
    """The kind of bracket ``opener`` opens inside the bracket ``top``, after the token ``last``:
    a parenthesis that holds terms and never an expression is a ``row`` (a VALUES clause's
    variables or one of its rows, a triple term ``<<( )>>``: a ``<<`` is read only where an
    operand starts, see :func:`_step`), and the braces of a VALUES clause's rows are ``data``;
    any other bracket is itself."""
    if opener == "(" and (top == "data" or last == "<<" or values == "values"):
        return "row"
    if opener == "{" and values == "header":
        return "data"
    return opener


def _values_after(values: str, token: Token) -> str:
    """Where a VALUES clause's header stands after ``token``: ``values`` (the keyword read),
    ``variables`` (inside its parenthesis), ``header`` (its rows come next), or ``""``."""
    if token.kind == "word" and token.text.casefold() == "values":
        return "values"
    if values == "values" and token.kind == "var":
        return "header"
    if values in ("values", "variables") and token.text == "(":
        return "variables" if values == "values" else ""
    if values == "variables":
        return "variables" if token.kind == "var" else "header" if token.text == ")" else ""
    return ""


class _Terminal(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def _step(text: str, position: int, less_than: bool, strict: bool = True) -> _Terminal:
    """The terminal at ``position``; with ``less_than``, the ``<`` there read as less-than (or
    ``<=``), as the engine reads it after an operand: never the start of ``<<``, so that what
    follows is read on its own (``1<<urn:a>`` is 1, less-than and an IRI).

    >>> _step("1<<urn:a>", 1, True).text, _step("1<<urn:a>", 1, False).text
    ('<', '<<')
    """
    if less_than:
        sign = "<=" if text.startswith("<=", position) else "<"
        return _Terminal("punct", sign, position, position + len(sign))
    match = _token_re(strict).match(text, position)
    return _Terminal(match.lastgroup, match.group(), match.start(), match.end())


def _unclosed(terminal: _Terminal) -> bool:
    return terminal.kind == "unknown" and terminal.text in ("'", '"')


def _lex(
    text: str, strict: bool = True, clock: _Clock | None = None
) -> tuple[list[Token], list[int]]:
    """The tokens of ``text``, each ``<`` read as an IRI's start wherever an IRI can stand there,
    and the offsets of the ``<`` so read that the engine may read as less-than (none: this is the
    only reading).

    >>> _lex("ASK { FILTER(1<2)SERVICE#>\\n }")[1]
    [14]
    """
    tokens: list[Token] = []
    brackets: list[str] = []
    position, disputed, values = 0, [], ""
    clock = clock or _Clock()
    while position < len(text):
        clock.tick()
        last = tokens[-1].text if tokens else None
        either = _disputed(text, position, brackets[-1] if brackets else None, last)
        terminal = _step(text, position, False, strict)
        if either and terminal.kind == "iri":
            disputed.append(position)
        elif either:  # no IRI can stand here: the engine reads less-than
            terminal = _step(text, position, True, strict)
        position = terminal.end
        kind = terminal.kind
        if kind in ("ws", "comment"):
            continue
        if _unclosed(terminal):
            line, _ = line_column(text, terminal.start)
            raise QuerySyntaxError(f"line {line}: a string opened here is never closed")
        token = Token(kind, terminal.text, terminal.start)
        if kind == "punct" and token.text in _OPENERS:
            brackets.append(_opens(token.text, brackets[-1] if brackets else None, last, values))
        elif kind == "punct" and token.text in _CLOSERS and brackets:
            brackets.pop()
        tokens.append(token)
        values = _values_after(values, token)
    return tokens, disputed


class _Clock:
    """The caller's time limit over the gate's own work: :meth:`tick`, called at each step, raises
    :class:`QueryTimeoutError` once it has passed (the clock is read every 1,024 steps).

    >>> clock = _Clock(0.001, started=time.monotonic() - 1)
    >>> for _ in range(1024): clock.tick()
    Traceback (most recent call last):
    atmpkg.graph.errors.QueryTimeoutError: checking the query's text took past the 0.001 s time limit; shorten the query, or raise the limit with --timeout/timeout=
    """

    def __init__(self, timeout: float | None = None, started: float | None = None):
        self.timeout, self.steps = timeout, 0
        if timeout is not None:
            self.deadline = (time.monotonic() if started is None else started) + timeout

    def tick(self) -> None:
        self.steps += 1
        if (
            self.timeout is not None
            and not self.steps % 1024
            and time.monotonic() > self.deadline
        ):
            raise QueryTimeoutError(self.timeout, checking=True)


@dataclass
class _Readings:
    """What holds in at least one way the engine may read a text: the guarded keywords found, the
    forms, the deepest nesting and the most operators."""

    found: set[str]
    forms: set[str]
    deepest: int
    operators: int


def _readings(text: str, reread: _Rereading, strict: bool, clock: _Clock) -> _Readings:
    """Every way the engine may read ``text``, explored together: at each ``<`` that may be an
    IRI's start or less-than (see :func:`_disputed`) the reading forks, each ``<`` on its own, so
    that a text reading one ``<`` as an IRI and another as less-than is read as the engine does.
    Forks that reach the same place in the same state are one, so the work stays about linear in
    the text; a fork that opens a string never closed is a reading the engine cannot take."""
    # a state: (position, bracket stack, last token, form so far, VALUES header so far); stacks
    # are interned as (parent, bracket) pairs numbered from 0, the empty stack
    stacks: dict[tuple[int, str], int] = {}
    parents: list[tuple[int, str, int]] = [(-1, "", 0)]  # (parent, bracket, depth) by number
    result = _Readings(set(), set(), 0, 0)
    start = (0, 0, None, ("", False), "")
    best = {start: 0}
    heap = [(0, 0, start)]
    order = 0
    # Ordinary queries reach each place in one or two states, and take about one step per token;
    # a text built to fork at every "<" is refused long before the steps reach its length.
    limit = len(text) + 10_000
    at_place: dict[int, int] = {}
    terminals: dict[tuple[int, bool], _Terminal] = {}  # states at one place read the same text
    # Where each line ends: a "<" read as less-than can start a comment at every "#" of one long
    # line, and matching each to the line's end would make the work grow with the square of it.
    breaks = [found.start() for found in re.finditer(r"[\n\r]", text)]

    def terminal(position: int, less_than: bool) -> _Terminal:
        key = (position, less_than)
        if key not in terminals:
            if not less_than and text.startswith("#", position):
                after = bisect.bisect_left(breaks, position)
                end = breaks[after] if after < len(breaks) else len(text)
                terminals[key] = _Terminal("comment", "", position, end)
            else:
                terminals[key] = _step(text, position, less_than, strict)
        return terminals[key]

    while heap:
        clock.tick()
        _, _, state = heapq.heappop(heap)
        operators = best.pop(state)
        position, stack, last, form, values = state
        if position >= len(text):
            result.forms.add(form[0] or "UNKNOWN")
            result.operators = max(result.operators, operators)
            continue
        top = parents[stack][1] if stack else None
        choices = [terminal(position, False)]
        if _disputed(text, position, top, last):
            # an IRI where one can stand, and less-than
            choices = [t for t in choices if t.kind == "iri"] + [terminal(position, True)]
        for read in choices:
            kind = read.kind
            if _unclosed(read):
                continue
            next_stack, next_last, next_form, next_values = stack, last, form, values
            counted = operators
            if kind not in ("ws", "comment"):
                token = Token(kind, read.text, read.start)
                next_last = _operand_end(token)
                counted = operators + _operators(token) + _juxtaposed(top, last, token)
                words = _keyword_text(token, reread)
                result.found.update(k for k in _GUARDED if k in words)
                next_form, next_values = _next_form(form, token), _values_after(values, token)
                if kind == "punct" and token.text in _OPENERS:
                    key = (stack, _opens(token.text, top, last, values))
                    if key not in stacks:
                        stacks[key] = len(parents)
                        parents.append((stack, key[1], parents[stack][2] + 1))
                    next_stack = stacks[key]
                    result.deepest = max(result.deepest, parents[next_stack][2])
                elif kind == "punct" and token.text in _CLOSERS and stack:
                    next_stack = parents[stack][0]
            following = (read.end, next_stack, next_last, next_form, next_values)
            if following in best:
                best[following] = max(best[following], counted)
                continue
            order += 1
            at_place[read.end] = at_place.get(read.end, 0) + 1
            if order > limit or at_place[read.end] > MAX_READINGS_AT_A_PLACE:
                raise QueryTooComplexError(
                    "the query's '<' signs can be read as IRIs or as less-than in too many ways "
                    "to check; put spaces around a '<' that compares, or write IRIs as prefixed "
                    "names"
                )
            best[following] = counted
            heapq.heappush(heap, (read.end, order, following))
    return result


def _operand_end(token: Token) -> str:
    """What of a token decides how a ``<`` after it reads (see :func:`_disputed`): its text when
    an operand may start after it, else one mark for all the rest, so that forks after different
    values meet again."""
    return token.text if token.text in _BEFORE_OPERAND else "value"


def _next_form(form: tuple[str, bool], token: Token) -> tuple[str, bool]:
    """The form after ``token``, from ``form``: ``(FORM, False)`` once the first word after the
    prologue gave it (UPDATE for an update operation, UNKNOWN for any other word: the engine's
    parser then has its say), else ``("", whether the last word was PREFIX)``, as a prefixed name
    after PREFIX is the one declared, not a keyword glued to a name (``ADDex:g``)."""
    name, after_prefix = form
    if name:
        return form
    word = token.text.casefold() if token.kind in ("word", "pname") else ""
    if not word:
        return form
    if (token.kind == "pname" and after_prefix) or word.startswith(("prefix", "base", "version")):
        return "", word.startswith("prefix")
    found = next((f for f in _FORMS if word.startswith(f)), None)
    if found:
        return found.upper(), False
    return ("UPDATE" if word.startswith(_UPDATE_WORDS) else "UNKNOWN"), False


def _keyword_text(token: Token, reread: _Rereading) -> str:
    """The part of a token where Oxigraph could read glued keywords, case-folded: a word, a
    prefix, and what follows a second dot in a prefixed name or a blank node label (the engine
    ends the name at its second run of dots: ``ex:a.b.SERVICE`` is ``ex:a.b`` ``.``
    ``SERVICE``); the whole local part of a prefixed name the engine may read again as words
    (see :class:`_Rereading`)."""
    if token.kind == "word":
        return token.text.casefold()
    if token.kind in ("pname", "bnode"):
        prefix, _, local = token.text.partition(":")
        whole = reread.whole(token) if token.kind == "pname" else ""
        if whole and reread(whole):
            return f"{whole.partition(':')[0]} {local}".casefold()
        beyond = " ".join(local.split(".")[2:])
        return f"{prefix if token.kind == 'pname' else ''} {beyond}".casefold()
    return ""


#: The characters a prefix's name may hold (SPARQL's PN_CHARS, with "." inside a name).
_NAME_CHARS = re.compile(f"[{_PN_CHARS}.]+")
_NAME_START = re.compile(f"[{_PN_CHARS_BASE}].*", re.DOTALL)


class _Rereading:
    """Which prefixed names the engine may read again as a prefix and words after it.

    The engine takes ``ex:local`` whole only when ``ex:`` is declared and the prefix's IRI with the
    local part (its ``\\`` escapes removed) is a valid IRI; else it reads ``ex:`` alone and the
    local part again, as words (``PREFIX ex: <http://a:>`` makes ``ex:SERVICE`` the invalid IRI
    ``http://a:SERVICE``, so the engine reads ``ex:`` and SERVICE). The prefixes are the library's
    and every IRI the text declares for a prefix (a ``p:`` followed by an IRI, wherever it stands,
    as a ``PREFIX`` glued to the name is still read as one); a relative IRI, which the engine
    resolves against a base, counts as one whose names may be read again. A prefix declared
    nowhere is no name the engine reads, so it reads on from the same place as shorter tokens: a
    keyword, which needs no space after it, or the verb ``a``, before a declared prefix that ends
    it (``aex:SERVICE`` is ``a`` and ``ex:SERVICE``, ``DESCRIBEex:FROM`` is DESCRIBE and
    ``ex:FROM``); its names are read again as those of every declared prefix that ends it would
    be. With none, the engine stops at a syntax error, whichever way it reads the name. The gate is
    sure of the library's prefixes and of a name written after the word PREFIX and a space (read
    with those prefixes that end it after a keyword or ``a`` at its start, as the engine reads a
    keyword wherever the grammar expects one: ``DESCRIBEex:FROM`` is DESCRIBE and ``ex:FROM`` even
    when ``DESCRIBEex`` is declared); any other prefix it reads as declared may be one the engine
    never declared (``PREFIX prefixaex:
    <urn:y#>`` declares ``prefixaex``, not ``aex``; a name beyond 64 characters is read in
    pieces), so its names are read again as those of every declared prefix that ends it too, and
    a name glued to the word before it is read with that word.

    >>> reread = _Rereading(tokenize("PREFIX ex: <http://a:> ASK { ex:SERVICE ex:1 atmp:x }"))
    >>> reread("ex:SERVICE"), reread("ex:1"), reread("atmp:x"), reread("nope:x")
    (True, False, False, False)
    >>> reread("aex:SERVICE"), reread("DESCRIBEex:FROM"), reread("aex:1")
    (True, True, False)
    >>> reread = _Rereading(tokenize("PREFIX ex: <http://a:> PREFIX prefixaex: <urn:y#> ASK {}"))
    >>> reread("aex:SERVICE"), reread("prefixaex:SERVICE"), reread("aex:x")
    (True, False, True)
    >>> _Rereading(tokenize("BASE <http://e/> PREFIX : <#> ASK {}"))("atmp:cagrFrom")
    False
    """

    def __init__(self, tokens: Sequence[Token]):
        # the characters of a name glued before a prefixed name, with nothing between (words,
        # and the "-", "." or "·" within names): the gate read a name of more than 64 characters
        # in pieces, which the engine may read whole
        # Walked back from prefixed names only: a run of glued tokens ends at one, so each token
        # is walked over once (from every token, a long run was walked over again and again).
        self.before: dict[int, str] = {}
        for at, name in enumerate(tokens):
            if name.kind != "pname":
                continue
            glued = at
            while (
                glued
                and tokens[glued - 1].kind in ("word", "punct", "number", "unknown")
                and _NAME_CHARS.fullmatch(tokens[glued - 1].text)
                and tokens[glued - 1].offset + len(tokens[glued - 1].text) == tokens[glued].offset
            ):
                glued -= 1
            # a name starts with a letter: "?t .ex:a" glues no "." to ex:a
            start = _NAME_START.search("".join(t.text for t in tokens[glued:at]))
            if start is not None:
                self.before[name.offset] = start.group()
        declared: dict[str, set[str | None]] = {}
        # the prefixes the engine surely declares: the library's, and a name after the word
        # PREFIX and a space, read whole
        self.certain = set(PREFIXES)
        for at, (name, iri) in enumerate(zip(tokens, tokens[1:], strict=False)):
            if name.kind == "pname" and name.text.endswith(":") and iri.kind == "iri":
                value = decode_escapes(iri.text[1:-1])
                absolute = value if valid_iri(value) else None
                # read in pieces, "prefixzz…z:" declares zz…z, not the empty prefix alone
                whole = self.whole(name)[:-1]
                for prefix in {name.text[:-1], whole, re.sub("^prefix", "", whole, flags=re.I)}:
                    declared.setdefault(prefix, set()).add(absolute)
                keyword = tokens[at - 1] if at else None
                if (
                    keyword is not None
                    and keyword.kind == "word"
                    and keyword.text.casefold() == "prefix"
                    and keyword.offset + len(keyword.text) < name.offset
                ):
                    self.certain.add(name.text[:-1])
        # A prefix declared again and again with other IRIs would have every name checked
        # against each (a quadratic text): past a few, its names count as ones that may break.
        declared = {p: iris if len(iris) <= 4 else {None} for p, iris in declared.items()}
        self.iris = {p: {iri} | declared.pop(p, set()) for p, iri in PREFIXES.items()} | declared
        #: the lengths of the declared prefixes: the only places a name may end in one
        self.lengths = {len(p) for p in self.iris}
        self.known: dict[str, bool] = {}

    def whole(self, token: Token) -> str:
        """The prefixed name ``token`` is, with the name glued before it (see :attr:`before`)."""
        return self.before.get(token.offset, "") + token.text

    def __call__(self, pname: str) -> bool:
        if pname not in self.known:
            prefix, _, local = pname.partition(":")
            # a prefix the engine may not declare is read from any place in it, as the engine
            # may read a keyword or the verb a before a declared prefix that ends it; a declared
            # one, after a keyword or a at its start only
            # one where a declared prefix could end it (each place of a long name, sliced, made
            # a check quadratic in the name's length)
            certain = prefix in self.certain
            starts = [
                start
                for start in (len(prefix) - length for length in self.lengths)
                if start >= 0
                and (
                    not certain
                    or not start
                    or (start <= _LONGEST_GLUED and prefix[:start].casefold() in _GLUED_WORDS)
                )
            ]
            iris = set().union(*(self.iris.get(prefix[start:], set()) for start in starts))
            tail = local.replace("\\", "")
            self.known[pname] = bool(local) and any(
                iri is None or not valid_iri(iri + tail) for iri in iris
            )
        return self.known[pname]


def _operators(token: Token) -> int:
    """How many operators ``token`` counts for (see :data:`MAX_OPERATORS`)."""
    if token.kind == "punct":
        return int(token.text in _OPERATOR_PUNCT)
    if token.kind == "number":
        return int(token.text[0] in "+-")  # in 1+1 the engine reads a signed 1 as an operand
    if token.kind == "word":
        return _OPERATOR_WORDS.get(token.text.casefold(), 0)
    if token.kind in ("pname", "bnode"):
        return token.text.count(".")  # the engine may end the name at a dot
    return 0


def check(
    query: str,
    *,
    allow: tuple[str, ...] | frozenset[str] = (),
    timeout: float | None = None,
    started: float | None = None,
) -> CheckedQuery:
    """Refuse SERVICE, LOAD, dataset clauses and updates unless ``allow`` lifts them (``service``,
    ``load``, ``dataset``, ``update``), and texts beyond :data:`MAX_QUERY_CHARS`, :data:`MAX_DEPTH`
    or :data:`MAX_OPERATORS`. The check's own work counts against ``timeout`` (seconds from
    ``started``, a :func:`time.monotonic` reading, or from now): past it, :class:`QueryTimeoutError`.

    >>> check("ASK { ?s ?p ?o }").form
    'ASK'
    >>> check("INSERT DATA { <urn:a> <urn:b> <urn:c> }", allow=("update",)).form
    'UPDATE'
    """
    if len(query) > MAX_QUERY_CHARS:
        raise too_long(f"the query is {len(query):,} characters long")
    surrogate = SURROGATE.search(query)
    if surrogate is not None:  # bytes that were not UTF-8: no engine can be given the text
        line, column = line_column(query, surrogate.start())
        raise QuerySyntaxError(
            f"line {line}, column {column}: the query holds bytes that are not UTF-8 text "
            f"({escaped(surrogate.group())}): {utf8_advice(query, 'save or type it in UTF-8')}",
            line,
            column,
        )
    # The guarded words and the limits are looked for in every reading: with \u escapes decoded
    # and not, with each disputed "<" as an IRI's start and as less-than. The engine reads one.
    clock = _Clock(timeout, started)
    tokens, disputed, readings = _ways(query, clock=clock)
    primary = readings[0]
    if _ESCAPE.search(query):
        # The engine decodes escapes in strings and IRIs only; the decoded text is read too, with
        # any escape in a string, as what it may hide: where that reading cannot be made (a
        # decoded quote opens a string never closed), the engine's own reading stands alone.
        with contextlib.suppress(QuerySyntaxError):
            readings += _ways(decode_escapes(query), strict=False, clock=clock)[2]
    deepest = max(reading.deepest for reading in readings)
    operators = max(reading.operators for reading in readings)
    if deepest > MAX_DEPTH:
        raise QueryTooComplexError(
            f"the query nests brackets {deepest} deep; at most {MAX_DEPTH} levels are accepted, "
            "as deeper ones can exhaust the engine's stack. Flatten the query."
        )
    if operators > MAX_OPERATORS:
        raise QueryTooComplexError(
            f"the query has {operators:,} operators (patterns, joins, arithmetic); at most "
            f"{MAX_OPERATORS:,} are accepted, as more can exhaust the engine's stack. Split it, "
            "or put long value lists in a VALUES block."
        )
    found = set().union(*(reading.found for reading in readings))
    forms = set().union(*(reading.forms for reading in readings))
    # one reading only (no escape, no disputed "<"): its tokens are what the engine reads
    sql = _sql_table(query, tokens) if "from" in found and len(readings) == 1 else None
    for keyword in ("service", "load", "from", "using"):
        if keyword == "from" and sql is not None:
            raise sql
        if keyword in found and _GUARDED[keyword] not in allow:
            reason, how = _REFUSALS[keyword]
            if keyword not in primary.found and disputed:
                reason += _less_than_note(query, tokens, disputed, keyword)
            raise QueryRefusedError(reason, how)
    if "UPDATE" in forms and "update" not in allow:
        raise QueryRefusedError(
            "this is an update operation and the store is read-only: only SELECT, CONSTRUCT, "
            "DESCRIBE and ASK queries are run.",
            'Pass allow=["update"] (CLI: --allow update) to change the store on purpose.',
        )
    return CheckedQuery(query, next(iter(primary.forms)), frozenset(found), tuple(tokens))


#: A table's name after SQL's FROM, as a reader writes it (``therapies``, ``dbo.therapies``),
#: ending where the text or a clause does.
_TABLE = re.compile(r"[^\W\d][\w-]*(?:\.[^\W\d][\w-]*)*(?=[\s,;)]|\Z)")


#: The words after FROM that are SPARQL's own, not a table's name.
_NO_TABLES = frozenset("NAMED WHERE SELECT CONSTRUCT ASK DESCRIBE GRAPH".split())


def _sql_table(query: str, tokens: Sequence[Token]) -> QuerySyntaxError | None:
    """SQL's ``FROM table`` said plainly, where every FROM of ``tokens`` (the text's one reading)
    is the word FROM followed by a bare name (no IRI, no prefixed name, not NAMED): the engine
    reads no dataset clause there but a syntax error, so the reader is told what SPARQL writes
    instead of being offered to lift the gate's refusal (newuser23 F3). Any other FROM, glued or
    in a prefix, leaves the text to the gate's refusal.

    >>> print(_sql_table("SELECT * FROM therapies", tokenize("SELECT * FROM therapies")))
    SPARQL syntax error at line 1, column 10: FROM therapies is SQL: SPARQL has no tables; a query matches patterns in the graph, as in SELECT ?t ?label WHERE { ?t a atmp:Therapy ; rdfs:label ?label }
    >>> _sql_table("SELECT * FROM <urn:g> {}", tokenize("SELECT * FROM <urn:g> {}")) is None
    True
    """
    reread, tables, first = _Rereading(tokens), set(), None
    for at, token in enumerate(tokens[:-1]):
        name = tokens[at + 1]
        if token.kind != "word" or token.text.casefold() != "from" or name.kind != "word":
            continue
        table = _TABLE.match(query, name.offset)
        # a keyword is no table: FROM WHERE is a dataset clause without its IRI (rev23 9)
        if (
            table is None
            or name.text.casefold().startswith("named")
            or table.group().upper() in _NO_TABLES
        ):
            return None
        tables.update(range(token.offset, table.end()))
        first = first or (token, table.group())
    hidden = any(
        t.offset not in tables and "from" in _keyword_text(t, reread) for t in tokens
    )
    if first is None or hidden:
        return None
    keyword, table = first
    line, column = line_column(query, keyword.offset)
    return QuerySyntaxError(
        f"SPARQL syntax error at line {line}, column {column}: {keyword.text} {table} is SQL: SPARQL has no tables; a "
        "query matches patterns in the graph, as in SELECT ?t ?label WHERE { ?t a atmp:Therapy ; "
        "rdfs:label ?label }",
        line,
        column,
    )


def _ways(
    text: str, strict: bool = True, clock: _Clock | None = None
) -> tuple[list[Token], list[int], list[_Readings]]:
    """The tokens of ``text`` and its disputed ``<`` (see :func:`_lex`), and what its readings
    hold: the tokens' own first, then, when a ``<`` is disputed, every reading's (unless the
    tokens' own already pass a limit: the text is refused whatever the others hold)."""
    clock = clock or _Clock()
    tokens, disputed = _lex(text, strict, clock)
    reread = _Rereading(tokens)
    summary = _summary(tokens, reread)
    if summary.operators > MAX_OPERATORS or summary.deepest > MAX_DEPTH:
        disputed_read = []
    else:
        disputed_read = [_readings(text, reread, strict, clock)] if disputed else []
    return tokens, disputed, [summary] + disputed_read


def _summary(tokens: list[Token], reread: _Rereading) -> _Readings:
    """What :func:`_readings` finds, for a text with one reading: ``tokens``."""
    result, form = _Readings(set(), set(), 0, 0), ("", False)
    brackets: list[str] = []
    last, values = None, ""
    for token in tokens:
        top = brackets[-1] if brackets else None
        words = _keyword_text(token, reread)
        result.found.update(k for k in _GUARDED if k in words)
        result.operators += _operators(token) + _juxtaposed(top, last, token)
        form = _next_form(form, token)
        if token.kind == "punct" and token.text in _OPENERS:
            brackets.append(_opens(token.text, top, last, values))
            result.deepest = max(result.deepest, len(brackets))
        elif token.kind == "punct" and token.text in _CLOSERS and brackets:
            brackets.pop()
        last, values = _operand_end(token), _values_after(values, token)
    result.forms.add(form[0] or "UNKNOWN")
    return result


#: The kinds of token that are a term: in parentheses, one right after a value is the next item
#: of a collection, ``(1 2 3)``, where an expression has an operator in between.
_TERMS = frozenset({"var", "iri", "pname", "string", "number", "bnode", "word"})


def _juxtaposed(top: str | None, last: str | None, token: Token) -> int:
    """1 for a term (or a bracket opening one) that follows a value inside parentheses with
    nothing between: an item of a collection, which the engine nests one level deeper each, as it
    does an operator (8,000 of them crash it); else 0. A VALUES row's terms (``row``) stand side
    by side in one level.

    >>> [_juxtaposed("(", "value", t) for t in tokenize("1 ( ?x")]
    [1, 1, 1]
    >>> _juxtaposed("row", "value", Token("number", "1", 0))
    0
    """
    signed = token.kind == "number" and token.text[0] in "+-"  # 1 +1: counted as an operator
    return int(
        top == "("
        and last == "value"
        and not signed
        and (token.kind in _TERMS or token.text in ("(", "["))
    )


def _less_than_note(query: str, tokens: list[Token], disputed: list[int], keyword: str) -> str:
    """Where the engine may read as less-than a ``<`` that :func:`tokenize` reads as an IRI's
    start: the first whose IRI holds ``keyword``, else the first of them (``disputed``)."""
    offsets = set(disputed)
    offset = next(
        (
            t.offset
            for t in tokens
            if t.offset in offsets and keyword in decode_escapes(t.text).casefold()
        ),
        disputed[0],
    )
    line, column = line_column(query, offset)
    return (
        f" (The engine may read the '<' at line {line}, column {column} as less-than, and the "
        "keyword after it; where you mean an IRI there, write it as a prefixed name.)"
    )


def allowed(values) -> frozenset[str]:
    """Check the ``allow`` values a caller gave.

    >>> sorted(allowed(["update", "service"])), sorted(allowed("service"))
    (['service', 'update'], ['service'])
    """
    from ..errors import ParameterError, UnknownNameError, described

    if not isinstance(values, str | tuple | list | set | frozenset):
        raise ParameterError(
            "allow names what the gate lets through: a name or a list of them (() for none); "
            f"got {described(values)}"
        )
    values = frozenset([values] if isinstance(values, str) else values)
    for value in values:
        if value not in ALLOW:
            raise UnknownNameError(
                "allow value", value, ALLOW, hint=f"It takes {', '.join(ALLOW[:-1])} or {ALLOW[-1]}."
            )
    return values

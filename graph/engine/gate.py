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
original one is evaluated, as Oxigraph decodes escapes only inside strings and IRIs).
``tests/test_gate_engine.py`` checks the agreement against the engine itself.

>>> check("SELECT * WHERE { ?s ?p ?o }").form
'SELECT'
>>> check("SELECT * { SERVICESILENT <http://x> { ?s ?p ?o } }")
Traceback (most recent call last):
...
atmpkg.graph.errors.QueryRefusedError: SERVICE (a federated query to another server) is refused: queries may not make network requests. Pass allow=["service"] (CLI: --allow service) to enable it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import QueryRefusedError, QuerySyntaxError, QueryTooComplexError

#: Longest query text accepted, in characters (the HTTP door also caps the request body).
MAX_QUERY_CHARS = 1_000_000
#: Deepest nesting of ``{ }``, ``( )`` and ``[ ]`` accepted: the engine's parser recurses on each.
MAX_DEPTH = 256
#: Most operators (``.``, ``;``, ``,``, arithmetic, logical and comparison operators, the sign of
#: a signed number, UNION, MINUS, OPTIONAL, path operators) accepted: the engine builds one level
#: of its query tree for each, and about 10,000 exhaust its stack.
MAX_OPERATORS = 4_000

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


#: An IRI as the engine reads it, ``\\u`` and ``\\U`` escapes included (decoded in IRIs only).
_IRI = r"(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)"


@functools.cache
def _token_re(iris: bool = True) -> re.Pattern[str]:
    # Compiled on first use: the Unicode classes take tens of milliseconds to compile.
    return re.compile(
        "|".join(
            [
                r"(?P<ws>\s+)",
                r"(?P<comment>#[^\n\r]*)",
                r"(?P<string>\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
                r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                r"|\"(?:[^\"\\\n\r]|\\.)*\""
                r"|'(?:[^'\\\n\r]|\\.)*')",
                _IRI if iris else r"(?P<iri>(?!))",
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
_OPERATOR_WORDS = frozenset({"union", "minus", "optional"})

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
    return {
        tokens[i + 1].text[:-1]
        for i, t in enumerate(tokens[:-1])
        if t.kind == "word" and t.text.upper() == "PREFIX"
    }


def tokenize(text: str) -> list[Token]:
    """Split SPARQL text into tokens, dropping white space and comments. A string that is never
    closed raises :class:`QuerySyntaxError` there (the engine refuses it too; read on, each of
    its quotes would be tried again to the end of the text).

    >>> [t.text for t in tokenize('SELECT ?s { ?s a "SERVICE" } # SERVICE')]
    ['SELECT', '?s', '{', '?s', 'a', '"SERVICE"', '}']
    """
    return _lex(text, less_than=False)[0]


def _lex(text: str, less_than: bool) -> tuple[list[Token], bool]:
    """The tokens of ``text``, and whether an IRI stood where the engine may read less-than: a
    ``<`` inside parentheses after a token that starts no operand (see :data:`_BEFORE_OPERAND`),
    as in ``FILTER(1<2)SERVICE…#>``, where an IRI runs up to the next ``>``. With ``less_than``,
    such a ``<`` is read as less-than. Inside ``{ }``, ``[ ]`` and outside any bracket no
    expression stands without parentheses around it, so there ``<`` starts an IRI either way.

    >>> [t.text for t in _lex("ASK { FILTER(1<2)SERVICE#>\\n }", less_than=True)[0]][4:8]
    ['1', '<', '2', ')']
    """
    normal, operator = _token_re(), _token_re(iris=False)
    tokens: list[Token] = []
    brackets: list[str] = []
    position, disputed = 0, False
    while position < len(text):
        either = (
            text[position] == "<"
            and bool(brackets)
            and brackets[-1] == "("
            and bool(tokens)
            and tokens[-1].text not in _BEFORE_OPERAND
        )
        match = (operator if either and less_than else normal).match(text, position)
        position = match.end()
        kind = match.lastgroup
        disputed = disputed or (either and kind == "iri")
        if kind in ("ws", "comment"):
            continue
        if kind == "unknown" and match.group() in ("'", '"'):
            line = text.count("\n", 0, match.start()) + 1
            raise QuerySyntaxError(f"line {line}: a string opened here is never closed")
        token = Token(kind, match.group(), match.start())
        tokens.append(token)
        if kind == "punct" and token.text in _OPENERS:
            brackets.append(token.text)
        elif kind == "punct" and token.text in _CLOSERS and brackets:
            brackets.pop()
    return tokens, disputed


def _readings(text: str) -> list[list[Token]]:
    """Every way the engine may read ``text``: :func:`tokenize`'s, and, when an IRI stood where
    the engine may read less-than, the less-than reading (see :func:`_lex`)."""
    tokens, disputed = _lex(text, less_than=False)
    return [tokens, _lex(text, less_than=True)[0]] if disputed else [tokens]


def _keyword_text(token: Token) -> str:
    """The part of a token where Oxigraph could read glued keywords, case-folded: a word, a
    prefix, and what follows a second dot in a prefixed name or a blank node label (the engine
    ends the name at its second run of dots: ``ex:a.b.SERVICE`` is ``ex:a.b`` ``.``
    ``SERVICE``)."""
    if token.kind == "word":
        return token.text.casefold()
    if token.kind in ("pname", "bnode"):
        prefix, _, local = token.text.partition(":")
        beyond = " ".join(local.split(".")[2:])
        return f"{prefix if token.kind == 'pname' else ''} {beyond}".casefold()
    return ""


def _guarded(tokens: list[Token]) -> set[str]:
    words = [_keyword_text(t) for t in tokens]
    return {keyword for keyword in _GUARDED for word in words if keyword in word}


def _form(tokens: list[Token]) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK by the first word after the prologue, UPDATE when that
    word is an update operation, UNKNOWN otherwise (the engine's parser then has its say)."""
    previous = ""
    for token in tokens:
        word = token.text.casefold() if token.kind in ("word", "pname") else ""
        declared = token.kind == "pname" and previous.startswith("prefix")
        previous = word or previous
        # a prefixed name stands for a keyword glued to it (ADDex:g), but for the one declared
        if not word or declared or word.startswith(("prefix", "base", "version")):
            continue
        form = next((f for f in _FORMS if word.startswith(f)), None)
        if form:
            return form.upper()
        return "UPDATE" if word.startswith(_UPDATE_WORDS) else "UNKNOWN"
    return "UNKNOWN"


def _measure(tokens: list[Token]) -> tuple[int, int]:
    """Deepest bracket nesting and number of operators."""
    depth = deepest = operators = 0
    for token in tokens:
        if token.kind == "punct":
            if token.text in _OPENERS:
                depth += 1
                deepest = max(deepest, depth)
            elif token.text in _CLOSERS:
                depth -= 1
            elif token.text in _OPERATOR_PUNCT:
                operators += 1
        elif token.kind == "number" and token.text[0] in "+-":
            operators += 1  # in 1+1 the engine reads a signed 1 as an operand of a sum
        elif token.kind == "word" and token.text.casefold() in _OPERATOR_WORDS:
            operators += 1
        elif token.kind in ("pname", "bnode"):
            operators += token.text.count(".")  # the engine may end the name at a dot
    return deepest, operators


def check(query: str, *, allow: tuple[str, ...] | frozenset[str] = ()) -> CheckedQuery:
    """Refuse SERVICE, LOAD, dataset clauses and updates unless ``allow`` lifts them (``service``,
    ``load``, ``dataset``, ``update``), and texts beyond :data:`MAX_QUERY_CHARS`, :data:`MAX_DEPTH`
    or :data:`MAX_OPERATORS`.

    >>> check("ASK { ?s ?p ?o }").form
    'ASK'
    >>> check("INSERT DATA { <urn:a> <urn:b> <urn:c> }", allow=("update",)).form
    'UPDATE'
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooComplexError(
            f"the query is {len(query):,} characters long; at most {MAX_QUERY_CHARS:,} are "
            "accepted. Split it, or load large value lists as data with 'atmpkg import'."
        )
    # The guarded words and the limits are looked for in every reading: with \u escapes decoded
    # and not, with "<" as an IRI's start and as less-than. The engine reads one of them.
    raw = _readings(query)
    readings = raw + (_readings(decode_escapes(query)) if _ESCAPE.search(query) else [])
    tokens = raw[0]
    measures = [_measure(reading) for reading in readings]
    deepest, operators = max(m[0] for m in measures), max(m[1] for m in measures)
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
    guarded = [_guarded(reading) for reading in readings]
    found = set().union(*guarded)
    forms = [_form(reading) for reading in readings]
    for keyword in ("service", "load", "from", "using"):
        if keyword in found and _GUARDED[keyword] not in allow:
            reason, how = _REFUSALS[keyword]
            if keyword not in guarded[0] and len(raw) > 1:
                reason += _less_than_note(query, tokens, raw[1])
            raise QueryRefusedError(reason, how)
    if "UPDATE" in forms and "update" not in allow:
        raise QueryRefusedError(
            "this is an update operation and the store is read-only: only SELECT, CONSTRUCT, "
            "DESCRIBE and ASK queries are run.",
            'Pass allow=["update"] (CLI: --allow update) to change the store on purpose.',
        )
    return CheckedQuery(query, forms[0], frozenset(found), tuple(tokens))


def _less_than_note(query: str, tokens: list[Token], less_than: list[Token]) -> str:
    """Where the engine may read as less-than the first ``<`` that :func:`tokenize` reads as an
    IRI's start (``less_than`` is that other reading, see :func:`_lex`)."""
    iris = {t.offset for t in tokens if t.kind == "iri"}
    offset = next(t.offset for t in less_than if t.text in ("<", "<=") and t.offset in iris)
    line = query.count("\n", 0, offset) + 1
    column = offset - (query.rfind("\n", 0, offset) + 1) + 1
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
            raise UnknownNameError("--allow value", value, ALLOW)
    return values

"""The query gate: every query, whatever door it comes through, is checked here before evaluation.

The decision is taken on SPARQL tokens, never on the raw text: codepoint escapes (``\\u0053``) are
decoded first, exactly as the SPARQL grammar requires, then the text is split into the grammar's
terminals (strings, IRIs, comments, variables, prefixed names, keywords). A keyword can therefore not
hide in an escape, and a string, IRI, comment or prefixed name that merely contains ``SERVICE`` is
not mistaken for one. SPARQL keywords are reserved words: a bare ``SERVICE`` token can only be the
SERVICE keyword, a bare ``FROM`` only a dataset clause, and ``INSERT``/``LOAD``/... only updates.

Where the lexer cannot make sense of a character it steps over it and keeps scanning, so text it does
not understand is still searched for keywords (a refusal can then only err on the side of safety;
such a query is not valid SPARQL anyway).

>>> check("SELECT * WHERE { ?s ?p ?o }").form
'SELECT'
>>> check("select * { \\\\u0053ERVICE <http://x> { ?s ?p ?o } }")
Traceback (most recent call last):
...
atmpkg.graph.errors.QueryRefusedError: SERVICE (a federated query to another server) is refused: queries may not make network requests. Pass allow_service=True (CLI: --allow service) to enable it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from atmpkg.graph.errors import QueryRefusedError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\n\r]*)",
            r"(?P<string>\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
            r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
            r"|\"(?:[^\"\\\n\r]|\\.)*\""
            r"|'(?:[^'\\\n\r]|\\.)*')",
            r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
            f"(?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)",
            f"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
            f"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?))",
            r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*/+\-=<>!|^?$@&:])",
        ]
    )
)

_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the gate: its decoded text, its form and the tokens it is made of."""

    text: str
    form: str
    tokens: tuple[Token, ...]

    @property
    def variables(self) -> frozenset[str]:
        """Names of every variable that occurs in the query (without ``?``)."""
        return frozenset(t.text[1:] for t in self.tokens if t.kind == "var")


def decode_escapes(text: str) -> str:
    """Replace SPARQL codepoint escapes, as the grammar does before parsing.

    >>> decode_escapes("\\\\u0053ERVICE")
    'SERVICE'
    """

    def repl(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(repl, text)


def tokenize(text: str) -> list[Token]:
    """Split decoded SPARQL text into tokens, dropping white space and comments.

    >>> [t.text for t in tokenize('SELECT ?s { ?s a "SERVICE" } # SERVICE')]
    ['SELECT', '?s', '{', '?s', 'a', '"SERVICE"', '}']
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            tokens.append(Token("unknown", text[pos], pos))
            pos += 1
            continue
        kind = match.lastgroup or "unknown"
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    return tokens


@functools.lru_cache(maxsize=256)
def check(
    query: str,
    *,
    allow_service: bool = False,
    allow_dataset: bool = False,
    allow_update: bool = False,
) -> CheckedQuery:
    """Refuse SERVICE, dataset clauses (FROM / FROM NAMED) and updates unless explicitly allowed.

    Returns the decoded query with its form (SELECT, CONSTRUCT, DESCRIBE, ASK or UPDATE).

    >>> check("ASK { ?s ?p ?o }").form
    'ASK'
    >>> check("INSERT DATA { <urn:a> <urn:b> <urn:c> }", allow_update=True).form
    'UPDATE'
    """
    text = decode_escapes(query)
    tokens = tokenize(text)
    words = [t.text.upper() for t in tokens if t.kind == "word"]
    if "SERVICE" in words and not allow_service:
        raise QueryRefusedError(
            "SERVICE (a federated query to another server) is refused: queries may not make "
            "network requests. Pass allow_service=True (CLI: --allow service) to enable it."
        )
    if "FROM" in words and not allow_dataset:
        raise QueryRefusedError(
            "FROM / FROM NAMED (dataset clauses) are refused: they can make the engine fetch or "
            "read other graphs. Query the store's own graphs with GRAPH instead, or pass "
            "allow_dataset=True (CLI: --allow dataset)."
        )
    updates = sorted({w for w in words if w in _UPDATE_WORDS})
    if updates and not allow_update:
        raise QueryRefusedError(
            f"{updates[0]} is an update operation and the store is read-only: only SELECT, "
            "CONSTRUCT, DESCRIBE and ASK queries are run. Pass allow_update=True (CLI: "
            "--allow update) to change the store on purpose."
        )
    form = next((w for w in words if w in _FORMS), None)
    if updates or form is None:
        form = "UPDATE" if updates else "UNKNOWN"
    return CheckedQuery(text=text, form=form, tokens=tuple(tokens))

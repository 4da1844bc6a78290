"""Run SPARQL on a pyoxigraph store: gate, bound parameters, row cap and a timeout that really stops.

Parameters are RDF terms handed to the engine as substitutions (SEP-0007), never text pasted into the
query. Every query on the embedded store runs in a confined child process
(:mod:`atmpkg.graph.engine.child`): without network, under a memory cap, and killed at its time limit
(the work inside the Rust engine cannot be interrupted from a Python thread, but a process can be
ended, and its memory goes with it). A crash of the engine ends the child, never the caller.

>>> import pyoxigraph as ox
>>> s = ox.Store()
>>> s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
>>> run(s, "SELECT ?o WHERE { ?s ?p ?o }").rows
[(<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>,)]
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import math
import numbers
import re
import shlex
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ... import queries
from ..engine import gate, sandbox
from ..engine.child import close_evaluators, evaluator
from ..engine.evaluate import AGGREGATES, TODAY, QueryResult, Term, evaluate, to_python
from ..engine.sandbox import DEFAULT_MEMORY
from ..errors import (
    ParameterError,
    QueryRefusedError,
    QueryTimeoutError,
    cut,
    described,
    indefinite,
    positive_seconds,
    retired_told,
    suggest,
    unicode_text,
    whole_number,
)
from ..rdf import DECIMAL_FORM, FLOAT_FORM, WHOLE_FORM, ontology_quads, property_ends, valid_iri
from ..store.csvdata import engine_holds, held_range, refusal
from ..store.remote import RemoteStore
from ..terms import (
    ATMP,
    CLOSED_VOCABULARIES,
    ID,
    KIND_PREFIXES,
    KINDS,
    NAME_PROPERTIES,
    PREFIXES,
    RDF,
    RDFS,
    REPLACED_BY,
    SKOS,
    SLUG_RE,
    STATED_DATES,
    XSD,
    expand,
    iri,
    named_by,
    shorten,
)

__all__ = [
    "QueryResult",
    "Term",
    "as_term",
    "beyond_engine",
    "decimal_text",
    "held_number",
    "parse_term",
    "run",
    "to_python",
    "undeclared_terms",
    "duration_sums",
    "unquoted_dates",
    "found_nothing",
    "matched_tokens",
]


def run(
    store: ox.Store | RemoteStore,
    query: str | gate.CheckedQuery,
    bindings: Mapping[str, Term] | None = None,
    *,
    limit: int | None = None,
    timeout: float | None = None,
    store_path: str | Path | None = None,
    in_memory: bool = False,
    allow: Iterable[str] = (),
    memory: int | None = DEFAULT_MEMORY,
    started: float | None = None,
) -> QueryResult:
    """Check ``query`` at the gate (unless it comes checked) and evaluate it on ``store``.

    ``bindings`` maps variable names to RDF terms. ``limit`` caps rows (the result says when it cut
    them). On the embedded store the query runs in a confined child process (no network unless
    ``allow`` has ``service`` or ``load``; at most ``memory`` bytes), which opens ``store_path``
    read-only when given (with ``in_memory``, copies it into its own memory once and answers
    later queries from the copy, unless it is the process allowed to reach the network, which reads
    the disk), else receives a copy of the (small, in-memory) store; ``timeout``
    (seconds, counted from ``started``, a :func:`time.monotonic` reading taken before the gate,
    or from now) kills it at the limit, raising :class:`QueryTimeoutError`. A process that is itself
    confined (a server worker) evaluates in place. On a
    :class:`~atmpkg.graph.store.remote.RemoteStore` the HTTP client stops waiting at the limit instead,
    and updates are refused.

    >>> run(ox.Store(), "ASK { ?s ?p ?o }").boolean
    False
    """
    started = time.monotonic() if started is None else started
    allow = gate.allowed(allow)
    if timeout is not None:
        timeout = positive_seconds(timeout)
    checked = (
        query
        if isinstance(query, gate.CheckedQuery)
        else gate.check(query, allow=allow, timeout=timeout, started=started)
    )
    bindings = dict(bindings or {})
    unknown = sorted(set(bindings) - checked.variables)
    if unknown:
        name = unknown[0]
        if name[:1] in "?$" and name[1:] in checked.variables:
            raise ParameterError(
                f"give the variable {cut(name)} to bind by its name alone: {cut(name[1:])}, not "
                f"{cut(name)}"
            )
        listed = sorted(checked.variables)
        raise ParameterError(
            f"the query has no variable ?{cut(name)} to bind; its variables are: "
            + (", ".join(f"?{cut(v)}" for v in listed[:_MOST_LISTED]) or "none")
            + (f" and {len(listed) - _MOST_LISTED:,} more" if len(listed) > _MOST_LISTED else "")
        )
    update = checked.form == "UPDATE"
    if update and isinstance(store, RemoteStore):
        raise QueryRefusedError(
            "updates are not sent to a remote endpoint; load the graph into it with 'atmpkg push'"
        )
    if update and timeout is not None:
        raise QueryRefusedError("updates cannot run under a time limit; run them without timeout")
    if limit is not None:
        limit = whole_number(limit, "limit", 1)
    dataset = "dataset" in allow
    if isinstance(store, RemoteStore) or sandbox.confinement() is not None:
        return evaluate(
            store,
            checked.text,
            checked.form,
            bindings,
            limit,
            timeout,
            dataset=dataset,
            started=started,
            memory=memory if isinstance(store, RemoteStore) else None,
        )
    request = {
        "text": checked.text,
        "form": checked.form,
        "bindings": bindings,
        "limit": limit,
        "dataset": dataset,
    }
    network = bool({"service", "load"} & allow)
    if store_path is not None:
        request["store"] = str(store_path)
        # The process that may reach the network reads the store on disk: its queries wait on
        # other servers far longer than a copy would save, and a second copy doubles the memory.
        request["in_memory"] = in_memory and not network
    else:
        request["nquads"] = store.dump(format=ox.RdfFormat.N_QUADS)
    # The gate's own work counts against the limit.
    left = None if timeout is None else timeout - (time.monotonic() - started)
    try:
        if left is not None and left <= 0:
            raise QueryTimeoutError(timeout)
        result = evaluator(network, memory).run(request, left)
    except QueryTimeoutError:
        raise QueryTimeoutError(timeout) from None
    if update:
        close_evaluators()
    return result


#: The most variables an error lists of a query's.
_MOST_LISTED = 20

_LITERAL = re.compile(
    r'^"(?P<value>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?P<dt>\S+))?$'
)


#: Text that can only mean an IRI (the IRIs a query answers with, given back as they came) or a day.
_BARE_IRI = re.compile(r"(?:https?://|urn:)\S+", re.IGNORECASE)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_MAYBE_PREFIXED = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9_.-]*):[A-Za-z0-9_.-]+")


def parse_term(text: str) -> Term:
    """Read a parameter value written on the command line as an RDF term.

    ``<iri>``, ``prefix:local`` (predeclared prefixes), ``"text"``, ``"text"@en``,
    ``"2020-01-01"^^xsd:date``, integers, decimals, doubles (``1e9``, ``1.5E-3``) and
    ``true``/``false`` are understood as in Turtle; so are two forms Turtle would refuse, read as what they can only be: an ``http``,
    ``https`` or ``urn`` IRI without its brackets (as a query's answer gives it) and a day
    ``YYYY-MM-DD`` (an ``xsd:date``). Anything else is a plain string.

    >>> parse_term("therapy:kymriah")
    <NamedNode value=https://w3id.org/atmp-kg/id/therapy/kymriah>
    >>> parse_term("42")
    <Literal value=42 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    >>> parse_term("https://w3id.org/atmp-kg/id/therapy/kymriah").value
    'https://w3id.org/atmp-kg/id/therapy/kymriah'
    >>> parse_term("2024-07-01").datatype.value
    'http://www.w3.org/2001/XMLSchema#date'
    >>> parse_term("1e9").datatype.value
    'http://www.w3.org/2001/XMLSchema#double'
    """
    try:
        if text.startswith("<") and text.endswith(">"):
            return ox.NamedNode(text[1:-1])
        if _BARE_IRI.fullmatch(text):
            with contextlib.suppress(ValueError):  # not a well-formed IRI: the text it is
                return ox.NamedNode(text)
            return ox.Literal(text)
        if _DAY.fullmatch(text):
            datetime.date.fromisoformat(text)
            return _typed(text, "date")
        match = _LITERAL.match(text)
        if match:
            value = re.sub(
                r"\\(.)",
                lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                match["value"],
            )
            if match["lang"]:
                return ox.Literal(value, language=match["lang"])
            if match["dt"]:
                dt = match["dt"]
                # a datatype is an IRI: read as a value it could nest without end ("a"^^"a"^^…)
                datatype = ox.NamedNode(dt[1:-1]) if dt.startswith("<") else None
                if datatype is None and not dt.startswith('"'):
                    datatype = parse_term(dt)
                if not isinstance(datatype, ox.NamedNode):
                    raise ValueError(
                        f"the datatype {dt[:40]!r} is no IRI: write it <https://…> or xsd:name"
                    )
                return ox.Literal(value, datatype=datatype)
            return ox.Literal(value)
        if text.startswith('"'):
            raise ValueError(
                'a value that starts with " is a literal: "text", "text"@en or '
                '"text"^^datatype, with a quote inside written \\"'
            )
        prefix, sep, local = text.partition(":")
        if sep and prefix in PREFIXES and re.fullmatch(r"[A-Za-z0-9_.\-]*", local):
            return ox.NamedNode(PREFIXES[prefix] + local)
        if re.fullmatch(r"[+-]?[0-9]+", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
        if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
        if _EXPONENT.fullmatch(text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "double"))
        if text in ("true", "false"):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "boolean"))
    except ValueError as exc:
        # cut: a value pasted by mistake need not fill the terminal or an HTTP answer (sec22 L1)
        raise ParameterError(f"cannot read {cut(text)!r} as an RDF term: {cut(str(exc), 400)}") from None
    return ox.Literal(text)


def binding_notes(params: Mapping[str, object]) -> list[str]:
    """Notes on text values read as plain strings that look meant as something else: a prefixed
    name whose prefix is not declared (a misspelling, with the closest prefixes), a month, which
    no ``xsd:date`` equals, or ``today`` (or years from it, ``today-1y``), a day only for a date
    parameter of a query's header.

    >>> for note in binding_notes({"t": "thrapy:casgevy", "from": "2024-07", "name": "Kymriah"}):
    ...     print(note)
    parameter 't' is the string "thrapy:casgevy": thrapy: is no prefix (did you mean therapy:?); write a prefixed name with a declared prefix, or <IRI>
    parameter 'from' is the string "2024-07", which no date equals; give a day (2024-07-01), a range, or the month as the graph states it, "2024-07"^^xsd:gYearMonth (the values of atmp:dateStated)
    >>> print(binding_notes({"day": "Today"})[0].replace(queries.today().isoformat(), "YYYY-MM-DD"))
    parameter 'day' is the string "Today", which no date equals; give the day, YYYY-MM-DD (or declare the parameter in the query file's header, # param: day date *, where Today is a day)
    """
    notes = []
    for name, value in params.items():
        if not isinstance(value, str) or parse_term(value) != ox.Literal(value):
            continue
        prefixed = _MAYBE_PREFIXED.fullmatch(value)
        if prefixed:
            prefix = prefixed["prefix"]
            near = suggest(prefix, PREFIXES)
            hint = f" (did you mean {' or '.join(p + ':' for p in near)}?)" if near else ""
            notes.append(
                f'parameter {name!r} is the string "{value}": {prefix}: is no prefix{hint}; '
                "write a prefixed name with a declared prefix, or <IRI>"
            )
        elif (shift := queries.Shift.parse(value.lower())) is not None and shift.base == "today":
            with contextlib.suppress(ValueError):  # years off the calendar: no day to give
                notes.append(
                    f'parameter {name!r} is the string "{value}", which no date equals; give the '
                    f"day, {shift.apply(queries.today()).isoformat()} (or declare the parameter in "
                    f"the query file's header, # param: {name} date *, where {value} is a day)"
                )
        elif _MONTH.fullmatch(value):
            notes.append(
                f'parameter {name!r} is the string "{value}", which no date equals; give a day '
                f"({value}-01), a range, or the month as the graph states it, "
                f'"{value}"^^xsd:gYearMonth (the values of atmp:dateStated)'
            )
    return notes


def _predicate_of(tokens: Sequence[gate.Token], at: int, declared: set[str]) -> str | None:
    """The IRI of the predicate written just before token ``at`` (a predeclared prefixed name or
    an absolute IRI), when the query declares (``declared``) no prefix that could change it."""
    before = tokens[at - 1] if at else None
    if before is None or before.kind not in ("pname", "iri"):
        return None
    prefix = before.text.partition(":")[0]
    if before.kind == "pname" and (prefix in declared or prefix not in PREFIXES):
        return None
    predicate = expand(before.text)
    # an escape in a local name (atmp:a\-b), or an IRI relative to the query's base, is left alone
    return predicate if valid_iri(predicate) else None


#: The datatypes a value written without one (or as a whole number) may be stored with, each with
#: the forms it takes: a day, a month, a year, a number, a truth value.
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
#: A number written with an exponent, which SPARQL reads as an xsd:double.
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")
_DATATYPES = (
    ("date", re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")),
    ("gYearMonth", re.compile(r"[0-9]{4}-[0-9]{2}")),
    ("gYear", re.compile(r"[0-9]{4}")),
    ("decimal", _NUMBER),
    ("integer", re.compile(r"[+-]?[0-9]+")),
    ("boolean", re.compile(r"true|false")),
)


def _stored_as(predicate: str, written: ox.Literal, store) -> ox.Literal | None:
    """A value of ``predicate`` in ``store`` that is what a query ``written`` in another usual
    case (as written, lower case, upper case, capitalised) with the language tag ``en`` or none,
    or with a datatype its text fits (``"2023-12-08"`` stored as an ``xsd:date``, ``11900000000``
    as an ``xsd:decimal``), when ``written`` itself is none: each a look-up in the store's index,
    not a scan of its values."""
    text = written.value
    forms = [text]
    if written.datatype.value in (XSD + "string", RDF + "langString"):
        forms = sorted({text, text.lower(), text.upper(), text.capitalize(), text.title()})
    variants = [written]
    variants += [
        literal
        for form in forms
        for literal in (ox.Literal(form, language="en"), ox.Literal(form))
        if literal != written
    ]
    variants += [_typed(text, name) for name, form in _DATATYPES if form.fullmatch(text)]
    variants += _other_forms(written)
    for value in variants:
        if _holds(store, predicate, value):
            return None if value == written else value
    return None


def _other_forms(written: ox.Literal) -> list[ox.Literal]:
    """What a number or a day read from an answer may be stored as: a double (every Python
    ``float``, ``11.9e9``, ``-p v=1.19e10``) as the decimal or whole number of its value, and the
    first day of a month or a year (a pandas ``Timestamp`` of a month's or a year's date,
    newuser17 F1) as that month or year.

    >>> [v.value for v in _other_forms(_typed("2.2E6", "double"))]
    ['2200000', '2200000']
    >>> [v.value for v in _other_forms(_typed("2024-01-01", "date"))]
    ['2024-01', '2024']
    """
    kind = written.datatype.value[len(XSD) :]
    if kind == "double" or (kind == "string" and _EXPONENT.fullmatch(written.value)):
        try:
            number = decimal.Decimal(written.value)
        except decimal.InvalidOperation:
            return []
        if not number.is_finite():
            return []
        text = decimal_text(number)
        forms = [_typed(text, "decimal")]
        return forms + ([_typed(text, "integer")] if number == number.to_integral_value() else [])
    if kind in ("date", "dateTime") and _DAY.match(written.value):
        year, month, day = written.value[:4], written.value[5:7], written.value[8:10]
        if written.value[10:] not in ("", "T00:00:00") or day != "01":
            return []
        return [_typed(f"{year}-{month}", "gYearMonth")] + (
            [_typed(year, "gYear")] if month == "01" else []
        )
    return []


def _plain_value(text: str) -> str | None:
    """The value of a string token with no escape (None for one with escapes)."""
    quotes = 3 if text[:3] in ('"""', "'''") else 1
    body = text[quotes:-quotes]
    return None if "\\" in body else body


def _subject(store, iri: ox.NamedNode) -> bool:
    """Whether ``iri`` is the subject of a triple of ``store``."""
    return bool(store.query("ASK { ?s ?p ?o }", substitutions={ox.Variable("s"): iri}))


def _written(value: ox.Literal) -> str:
    """A literal as a query writes it, its datatype with the predeclared prefixes."""
    if value.language or value.datatype.value == XSD + "string":
        return str(value)
    return f'"{value.value}"^^{shorten(value.datatype.value)}'


#: The most names and values of one query :func:`empty_answer_notes` looks up: each is a look
#: through the graph, and a query may hold thousands.
_MOST_LOOKED_UP = 8
#: Distinct values written in a query that the notes on an empty answer examine at most.
_MOST_EXAMINED = 64


def empty_answer_notes(tokens: Sequence[gate.Token], store) -> list[str]:
    """For an answer with no rows: a note on each plain string written as a property's value that
    the graph holds only with another case, a language tag or a datatype (``rdfs:label
    "Kymriah"``, whose labels are ``"…"@en``). Nothing of this is an error: it is why such a query
    answers nothing. (A name of an entity that names nothing is noted on any answer, by
    :func:`unknown_names`.)

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> text = 'SELECT * { ?t rdfs:label "Kymriah" }'
    >>> for note in empty_answer_notes(tokenize(text), atmpkg.graph.open_store().store):
    ...     print(note)
    rdfs:label "Kymriah" matches no value: the graph holds "Kymriah"@en; write that, or compare the text alone: FILTER(STR(?value) = "Kymriah")
    """
    declared = gate.declared_prefixes(tokens)
    # other sites' IRIs have look-ups of their own: the right ones (schema:url's) would use up
    # those of the values written (rev2_17 N3)
    notes, seen, iris = [], set(), set()
    for at, token in enumerate(tokens):
        if len(seen) >= _MOST_LOOKED_UP:
            break
        shown, found = token.text, _literal_at(tokens, at, declared)
        if found is not None and found[2] != at + 2:
            # a value written with its datatype (ending two tokens on) is held as it says
            written, shown = found[0], found[1]
        elif token.kind == "number" and _EXPONENT.fullmatch(token.text):
            written = _typed(token.text, "double")
        elif (
            token.kind == "iri"
            and at >= 2
            and tokens[at - 2].kind in _SUBJECTS
            and not token.text.startswith(_OWN_IRIS)
        ):
            # another site's IRI for an identifier the graph holds as text (Wikidata's item for
            # a QID); the graph's own IRIs, which name its entities, are no such slip and do not
            # use up the look-ups (rev17 F5)
            other = token.text[1:-1]
            written = ox.Literal(other.rstrip("/").rpartition("/")[2]) if valid_iri(other) else None
        else:
            continue
        predicate = _predicate_of(tokens, at, declared)
        looked_up = iris if token.kind == "iri" else seen
        if None in (predicate, written) or (predicate, written) in looked_up:
            continue
        if len(looked_up) >= _MOST_LOOKED_UP:
            continue
        looked_up.add((predicate, written))
        stored = _stored_as(predicate, written, store)
        if stored is None and token.kind == "iri" and _holds(store, predicate, written):
            stored = written
        if stored is None and token.kind == "string" and not written.language:
            entity = _entity_for(predicate, written.value, store)
            if entity is not None:
                notes.append(
                    f"{tokens[at - 1].text} {shown} matches no value: the graph holds an entity "
                    f"there, not text: write {entity}"
                )
            continue
        if stored is None:
            continue
        if token.kind == "iri":
            notes.append(
                f"{tokens[at - 1].text} {shown} matches no value: the graph holds it as text, "
                f"{_written(stored)}; write that"
            )
            continue
        if token.kind == "number" and stored.datatype.value == XSD + "gYear":
            # a gYear is no number: = 2024 is a type error, which drops every row
            compare = f"the year: FILTER(YEAR(?value) = {token.text})"
        elif token.kind == "number":
            compare = f"the number: FILTER(?value = {token.text})"
        elif stored.value == written.value:
            compare = f"the text alone: FILTER(STR(?value) = {token.text})"
        else:
            compare = f"without case: FILTER(LCASE(STR(?value)) = LCASE({token.text}))"
        notes.append(
            f"{tokens[at - 1].text} {shown} matches no value: the graph holds "
            f"{_written(stored)}; write that, or compare {compare}"
        )
    return notes


#: Comparisons a FILTER writes, each as the engine is asked whether it can make it, and the one
#: that reads the same with its sides swapped (``"2020" < ?d`` is ``?d > "2020"``).
_COMPARE = {
    op: f"SELECT ?a ?b ?ok WHERE {{ BIND((?a {op} ?b) AS ?ok) }}" for op in ("=", "!=", "<", "<=", ">", ">=")
}
_SWAPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: The datatypes whose values the engine can check by casting the text (an ill-formed one, such
#: as "2020-13-01"^^xsd:date, fails every comparison), each with its cast.
_CASTS = {
    XSD + name: f"SELECT ?v ?ok WHERE {{ BIND(xsd:{name}(STR(?v)) AS ?ok) }}"
    for name in ("date", "dateTime", "decimal", "integer", "double", "float", "boolean")
}
#: One value of each datatype a property holds: what a written value is compared with.
_ONE_OF_EACH_DATATYPE = (
    "SELECT ?p (SAMPLE(?o) AS ?one) WHERE { ?s ?p ?o FILTER(isLiteral(?o)) } GROUP BY ?p (DATATYPE(?o))"
)


def _engine_answer(text: str, **terms: Term) -> Term | None:
    """The one value a query of expressions gives with ``terms`` bound, on an empty store: what
    the engine itself makes of them (None for an error)."""
    bound = {ox.Variable(name): term for name, term in terms.items()}
    row = next(iter(ox.Store().query(text, prefixes=PREFIXES, substitutions=bound)))
    return row["ok"]


@functools.lru_cache(maxsize=_MOST_EXAMINED)
def _is_valid(value: ox.Literal) -> bool:
    """Whether the engine reads ``value`` as a value of its datatype, where it can tell (a cast of
    its text): ``"2020-13-01"^^xsd:date`` is none."""
    cast = _CASTS.get(value.datatype.value)
    return cast is None or _engine_answer(cast, v=value) is not None


def _compares(op: str, held: list[ox.Literal], value: ox.Literal) -> bool:
    """Whether the engine makes the comparison ``op`` of each value ``held`` with ``value`` (an
    error, which drops a row, is none)."""
    return all(_engine_answer(_COMPARE[op], a=v, b=value) is not None for v in held)


def _literal_at(tokens: Sequence[gate.Token], at: int, declared: set[str]):
    """The literal that starts at token ``at``, as the query writes it and where it ends
    (``(term, shown, last token)``), or None: a string with its language or its datatype (an
    absolute IRI or a predeclared prefixed name), or a number."""
    token = tokens[at]
    if token.kind == "number":
        if _NUMBER.fullmatch(token.text):
            return _typed(token.text, "decimal" if "." in token.text else "integer"), token.text, at
        return None
    text = _plain_value(token.text) if token.kind == "string" else None
    if text is None:
        return None
    following = tokens[at + 1] if at + 1 < len(tokens) else None
    if following is not None and following.kind == "lang":
        return ox.Literal(text, language=following.text[1:]), token.text + following.text, at + 1
    if following is None or following.text != "^^" or at + 2 >= len(tokens):
        return ox.Literal(text), token.text, at
    datatype = tokens[at + 2]
    prefix = datatype.text.partition(":")[0]
    if datatype.kind == "pname" and prefix in PREFIXES and prefix not in declared:
        iri = expand(datatype.text)
    elif datatype.kind == "iri":
        iri = datatype.text[1:-1]
    else:
        return None
    if not valid_iri(iri):
        return None
    return ox.Literal(text, datatype=ox.NamedNode(iri)), f"{token.text}^^{datatype.text}", at + 2


_NOW = "SELECT ?ok WHERE { BIND(NOW() AS ?ok) }"
_MINUS = "SELECT ?ok ?a ?b WHERE { BIND(?a - ?b AS ?ok) }"

#: The durations a query takes from NOW(), each as the engine's value (None for a variable) and
#: as written: ``NOW() - "P1Y"^^xsd:yearMonthDuration`` is a moment too.
Shift = tuple[tuple[ox.Literal | None, str], ...]


def _shift_after(
    tokens: Sequence[gate.Token], last: int, declared: set[str], not_durations: frozenset[str]
) -> tuple[Shift, int]:
    """The durations subtracted after token ``last`` (``- "P30D"^^xsd:dayTimeDuration``, or
    ``- ?span``, a variable of none of ``not_durations``) and the last token they reach. Only
    subtraction: a sum with a duration is unbound for some names in Oxigraph 0.5 (duration_sums)."""
    shift: list[tuple[ox.Literal | None, str]] = []
    while _texts(tokens, last + 1, 1) == ["-"] and last + 2 < len(tokens):
        operand = tokens[last + 2]
        if operand.kind == "var":
            if operand.text[1:] in not_durations:
                break
            shift.append((None, operand.text))
            last += 2
            continue
        found = _literal_at(tokens, last + 2, declared)
        if found is None or found[0].datatype.value not in _DURATIONS:
            break
        shift.append((found[0], found[1]))
        last = found[2]
    return tuple(shift), last


def _shifted(value: Term | None, shift: Shift) -> ox.Literal | None:
    """``value`` less each duration of ``shift`` written as a literal, as the engine reckons it,
    or None where the engine gives no value of ``value``'s datatype."""
    for duration, _ in shift:
        if duration is not None and isinstance(value, ox.Literal):
            moved = _engine_answer(_MINUS, a=value, b=duration)
            value = moved if isinstance(moved, ox.Literal) and moved.datatype == value.datatype else None
    return value if isinstance(value, ox.Literal) else None


def _now_at(
    tokens: Sequence[gate.Token],
    at: int,
    bound: Mapping[str, Shift],
    declared: set[str],
    not_durations: frozenset[str],
):
    """``NOW()`` starting at token ``at``, or a variable of ``bound`` (each bound to ``NOW()``, or
    to NOW() less durations, by a BIND and by nothing else), with the durations subtracted after
    it: the moment the engine gives for it, as written, its last token and the durations taken
    from NOW() (``(moment, shown, last, shift)``); or None."""
    token = tokens[at]
    if token.kind == "var" and token.text[1:] in bound:
        before, start = bound[token.text[1:]], at
    elif token.kind == "word" and token.text.upper() == "NOW" and _texts(tokens, at + 1, 2) == ["(", ")"]:
        before, start = (), at + 2
    else:
        return None
    after, last = _shift_after(tokens, start, declared, not_durations)
    moment = _shifted(_engine_answer(_NOW), before + after)
    if moment is None:
        return None
    shown = " - ".join([token.text if token.kind == "var" else "NOW()"] + [text for _, text in after])
    return moment, shown, last, before + after


def _texts(tokens: Sequence[gate.Token], first: int, count: int) -> list[str]:
    """The upper-case texts of ``count`` tokens from ``first`` (fewer at the query's end)."""
    return [t.text.upper() for t in tokens[max(first, 0) : first + count]]


def _bound_to_now(tokens: Sequence[gate.Token], declared) -> tuple[dict[str, Shift], frozenset[str]]:
    """The variables a query binds to ``NOW()``, or to NOW() less durations, with ``BIND(NOW()
    AS ?v)`` or ``BIND(NOW() - "P1Y"^^xsd:yearMonthDuration AS ?v)`` and in no other way (no other
    ``AS``, no pattern's value, no VALUES block), each with the durations taken: those a FILTER
    compares as a moment; and the variables no duration is (a pattern's value, or one a BIND
    gives from NOW()), which subtracted from NOW() do not give a moment."""
    binds: dict[str, int] = {}
    valued = set()
    valued_by_pattern = _variable_predicates(tokens, declared)
    closing = gate.closing_brackets(tokens)
    from_now: dict[int, int] = {}  # the index of BIND( NOW() … AS ?v )'s ?v, by BIND's
    for at, token in enumerate(tokens):
        if token.kind == "var" and _texts(tokens, at - 1, 1) == ["AS"]:
            binds[token.text[1:]] = -1 if token.text[1:] in binds else at
        if token.text.upper() == "VALUES":
            last = at + 1
            if _texts(tokens, at + 1, 1) == ["("]:
                last = next((i for i in range(at + 1, len(tokens)) if tokens[i].text == ")"), at)
            valued |= {t.text[1:] for t in tokens[at + 1 : last + 1] if t.kind == "var"}
        if token.text.upper() == "BIND" and _texts(tokens, at + 1, 4) == ["(", "NOW", "(", ")"]:
            end = closing.get(at + 1, at)
            if _texts(tokens, end - 2, 1) == ["AS"] and tokens[end - 1].kind == "var":
                from_now[at] = end - 1
    not_durations = frozenset(valued_by_pattern) | {tokens[v].text[1:] for v in from_now.values()}
    shifts = {}
    for at, variable in from_now.items():
        shift, last = _shift_after(tokens, at + 4, declared, not_durations)
        if last == variable - 2:  # the whole expression: NOW() and the durations taken
            shifts[variable] = shift
    bound = {
        name: shifts[at]
        for name, at in binds.items()
        if at in shifts and name not in valued and name not in valued_by_pattern
    }
    return bound, not_durations


#: The datatypes a number written without quotes has.
_NUMBERS = frozenset(XSD + name for name in ("integer", "decimal", "double"))


def _what(value: ox.Literal) -> str:
    """The kind of ``value``, as a sentence names it: a string, a number, an xsd:gYear."""
    kind = value.datatype.value
    if value.language or kind == XSD + "string":
        return "a string"
    return "a number" if kind in _NUMBERS else f"an {shorten(kind)}"


#: What makes a value part of a sum or a product.
_ARITHMETIC = frozenset("+-*/")


def _alone(tokens: Sequence[gate.Token], first: int, last: int) -> bool:
    """Whether tokens ``first`` to ``last`` are a comparison's whole side, no part of a sum or a
    product (``?d >= 2020 - 1``: its side is no 2020), so that a note quotes what was written."""
    before = tokens[first - 1] if first else None
    after = tokens[last + 1] if last + 1 < len(tokens) else None
    return not (
        (before is not None and before.text in _ARITHMETIC)
        or (after is not None and (after.text in _ARITHMETIC or after.text[0] in "+-"))
    )


_Item = TypeVar("_Item")

#: How many items :func:`_before` yields between two looks at the clock.
_CLOCK_EVERY = 4096


def _before(items: Iterable[_Item], until: float) -> Iterator[_Item]:
    """``items`` until the :func:`time.monotonic` moment ``until``, the clock looked at once
    every :data:`_CLOCK_EVERY` of them: the advice on a long query's text stops at the query's
    deadline (an audit: undeclared terms, duration sums and unquoted dates were looked for in
    the whole text after the time limit had passed)."""
    for count, item in enumerate(items):
        if count % _CLOCK_EVERY == 0 and time.monotonic() >= until:
            return
        yield item


def _date_runs(tokens: Sequence[gate.Token], until: float = math.inf) -> dict[int, tuple[int, str]]:
    """The dates written without quotes (``2020-01-01``, ``2020-06``), each as the index of its
    first token, with the index of its last and its text: a year, then a month and maybe a day
    glued to it with ``-``, which the engine reads as numbers subtracted; those before ``until``
    (a :func:`time.monotonic` moment)."""
    runs = {}
    for at, token in _before(enumerate(tokens), until):
        if token.kind != "number" or not re.fullmatch("[0-9]{4}", token.text):
            continue
        end = at
        while (
            end + 1 < len(tokens)
            and end - at < 2
            and tokens[end + 1].kind == "number"
            and re.fullmatch("-[0-9]{2}", tokens[end + 1].text)
            and tokens[end + 1].offset == tokens[end].offset + len(tokens[end].text)
        ):
            end += 1
        glued = (
            end + 1 < len(tokens)
            and tokens[end + 1].kind != "punct"
            and tokens[end + 1].offset == tokens[end].offset + len(tokens[end].text)
        )
        if end > at and not glued:
            runs[at] = (end, "".join(t.text for t in tokens[at : end + 1]))
    return runs


def unquoted_dates(tokens: Sequence[gate.Token], *, until: float = math.inf) -> list[str]:
    """A note on each date written without quotes: the engine reads ``2020-01-01`` as the number
    2018 (2020 - 1 - 1), which a FILTER compares without a word, rows or not (newuser23 F4); past
    ``until`` (a :func:`time.monotonic` moment, what is left of the query's time limit) no more.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> unquoted_dates(tokenize("SELECT * { ?a atmp:date ?d FILTER(?d >= 2020-01-01) }"))
    ['2020-01-01 without quotes is the number 2018 (2020 - 1 - 1): write "2020-01-01"^^xsd:date (a year alone, as YEAR(…) gives: 2020)']
    >>> unquoted_dates(tokenize("SELECT * { ?a atmp:date ?d FILTER(?d >= 2020-01-01) }"), until=0)
    []
    """
    notes = []
    for _, written in _date_runs(tokens, until).values():
        parts = [int(part) for part in written.split("-")]
        day = written if len(parts) == 3 else f"{written}-01"
        number = f"{written} without quotes is the number {parts[0] - sum(parts[1:])} ({' - '.join(map(str, parts))})"
        try:
            datetime.date.fromisoformat(day)
        except ValueError:  # no date to offer (rev23 8: "2021-13-01"^^xsd:date was)
            note = f'{number}, and no date either: a date is written "YYYY-MM-DD"^^xsd:date'
        else:
            note = (
                f'{number}: write "{day}"^^xsd:date'
                + (", the month's first day" if len(parts) == 2 else "")
                + f" (a year alone, as YEAR(…) gives: {parts[0]})"
            )
        if note not in notes:
            notes.append(note)
    return notes


def comparison_notes(
    tokens: Sequence[gate.Token], store, *, only_some_rows: bool = False, until: float = math.inf
) -> list[str]:
    """For an answer with no rows: a note on each value written that the engine itself says fails
    every comparison: a typed literal that is no value of its datatype (``"2020-13-01"^^xsd:date``),
    and a FILTER comparing a property's values with a value of a kind they do not compare with
    (``FILTER(?d >= "2020-01-01")`` where ``atmp:date`` holds ``xsd:date`` values, an error that
    drops every row), or equal to none of them in the kind written (``FILTER(?d = "2017-08-30")``);
    ``NOW()``, and a variable only ``BIND(NOW() AS ?now)`` binds, is such a value too, a moment;
    each with what to write instead, which the engine can compare. A comparison that the engine
    makes with some of the property's datatypes but not others drops the rows of those silently,
    with rows or not: ``FILTER(?d >= "2020-01-01"^^xsd:date)`` on ``atmp:dateStated`` keeps the
    days and drops the months and years; it is noted with the property to compare instead. With
    ``only_some_rows`` (for an answer with rows) only those notes are made; past ``until`` (a
    :func:`time.monotonic` moment, what is left of the query's time limit) no more are.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> text = 'SELECT * { ?a atmp:date ?d FILTER(?d >= "2020-01-01") }'
    >>> for note in comparison_notes(tokenize(text), atmpkg.graph.open_store().store):
    ...     print(note)
    ?d >= "2020-01-01" compares atmp:date's values (xsd:date) with a string, which the engine cannot do: every row is dropped; write "2020-01-01"^^xsd:date
    """
    declared = gate.declared_prefixes(tokens)
    notes, seen, examined = [], set(), set()
    # a date without quotes is noted as such (unquoted_dates), never as the numbers it is made of
    undated = {i for at, (end, _) in _date_runs(tokens).items() for i in range(at, end + 1)}
    # NOW(), or a variable bound to it, less durations or not, is compared as the moment the
    # engine gives for it (joints28 F1: ?d > NOW() - "P1Y"^^xsd:yearMonthDuration was not)
    now, not_durations = _bound_to_now(tokens, declared)
    predicates = _variable_predicates(tokens, declared)
    for at in range(len(tokens)):
        if time.monotonic() >= until:
            break  # advice never outlasts the query's limit (sec27 F3: 20 s of CPU past it)
        literal = None if at in undated else _literal_at(tokens, at, declared)
        moment = None if literal or at in undated else _now_at(tokens, at, now, declared, not_durations)
        if (literal or moment) is None or (at and tokens[at - 1].text == "^^"):
            continue
        written, shown, end = literal or moment[:3]
        first = at
        if moment is not None and _texts(tokens, at - 1, 1) == ["("] and _texts(tokens, end + 1, 1) == [")"]:
            first, end, shown = at - 1, end + 1, f"({shown})"  # a side in brackets: (NOW() - ?span)
        if only_some_rows and _what(written) == "a string":
            continue  # compared with dates or amounts, a string drops every row, not a part
        if written not in examined:
            # each distinct value is asked of the engine once, and a few of them at most: a
            # VALUES block of 200,000 took 20 s of advice (sec21 F2)
            if len(examined) >= _MOST_EXAMINED:
                break
            examined.add(written)
        if not _is_valid(written):
            if written not in seen and not only_some_rows:
                seen.add(written)
                notes.append(
                    f"{shown} is no {shorten(written.datatype.value)} value, so no value equals "
                    "it and every comparison with it fails: write a valid one"
                )
            continue
        if (
            first >= 2
            and tokens[first - 1].text in _COMPARE
            and tokens[first - 2].kind == "var"
            and _alone(tokens, first - 2, first - 2)
            and _alone(tokens, first, end)
        ):
            variable, op = tokens[first - 2].text, tokens[first - 1].text
            said = f"{variable} {op} {shown}"
        elif (
            end + 2 < len(tokens)
            and tokens[end + 1].text in _COMPARE
            and tokens[end + 2].kind == "var"
            and _alone(tokens, first, end)
            and _alone(tokens, end + 2, end + 2)
        ):
            variable, op = tokens[end + 2].text, _SWAPPED[tokens[end + 1].text]
            # quoted as written (rev26 F8: NOW() < ?g was quoted ?g > NOW()); op, turned round,
            # compares the property's values and writes what to compare instead
            said = f"{shown} {tokens[end + 1].text} {variable}"
        else:
            continue
        predicate = predicates.get(variable[1:])
        if predicate is None or (predicate, written, op) in seen or len(seen) >= _MOST_LOOKED_UP:
            continue
        seen.add((predicate, written, op))
        if op == "=" and moment is None:
            stored = None if only_some_rows else _stored_as(predicate, written, store)
            if stored is not None:
                notes.append(
                    f"{said} matches no value: {shorten(predicate)} holds {_written(stored)}; "
                    "write that"
                )
            continue
        held = [
            row["one"]
            for row in store.query(
                _ONE_OF_EACH_DATATYPE, substitutions={ox.Variable("p"): ox.NamedNode(predicate)}
            )
            if isinstance(row["one"], ox.Literal)
        ]
        failing = [v for v in held if _engine_answer(_COMPARE[op], a=v, b=written) is None]
        twin = STATED_DATES.get(predicate)
        if failing and len(failing) < len(held):
            dropped = " or ".join(sorted({shorten(v.datatype.value) for v in failing}))
            notes.append(
                f"{said} drops the rows whose {shorten(predicate)} is an {dropped}, which the "
                f"engine cannot compare with {_what(written)}"
                + (
                    f"; compare {shorten(twin)}, the first day of the period stated, which every "
                    "dated record has"
                    if twin
                    else ""
                )
            )
            continue
        if not failing or only_some_rows:
            continue
        kinds = sorted({shorten(v.datatype.value) for v in held})
        # the text written, as a value of each datatype held that the engine can compare
        retyped = [
            again
            for again in (ox.Literal(written.value, datatype=d) for d in dict.fromkeys(v.datatype for v in held))
            if _is_valid(again) and _compares(op, held, again)
        ]
        if moment is not None:
            instead = _today_instead(variable, op, held, twin, moment[3])
        elif twin and _is_valid(_typed(written.value, "date")):
            instead = (
                f"compare {shorten(twin)}, the first day of the period stated, which every dated "
                f"record has: FILTER(?day {op} {_written(_typed(written.value, 'date'))}) on "
                f"{shorten(twin)} ?day"
            )
        elif retyped:
            number = retyped[0].datatype.value in _NUMBERS and _NUMBER.fullmatch(written.value)
            instead = f"write {written.value if number else _written(retyped[0])}"
        elif re.fullmatch("[0-9]{4}", written.value):
            instead = f"compare the year: FILTER(YEAR({variable}) {op} {written.value})"
        else:
            instead = f"write a value of that kind ({', '.join(kinds)})"
        notes.append(
            f"{said} compares {shorten(predicate)}'s values ({', '.join(kinds)}) with "
            f"{_what(written)}, which the engine cannot do: every row is dropped; {instead}"
        )
    return notes


def _today_instead(variable: str, op: str, held: list[ox.Literal], twin: str | None, shift: Shift) -> str:
    """What to compare instead of NOW() less the durations of ``shift`` with the values ``held``
    of a property (its dates, or its dates as stated, whose ``twin`` has a day for each), each
    checked with the engine: today's date less the same durations."""
    minus = "".join(f" - {text}" for _, text in shift)
    today = _shifted(_engine_answer(f"SELECT ?ok WHERE {{ BIND({TODAY} AS ?ok) }}"), shift)
    zoned = _shifted(_engine_answer("SELECT ?ok WHERE { BIND(xsd:date(NOW()) AS ?ok) }"), shift)
    # a date of the graph on today's day, as the engine orders it against xsd:date(NOW())
    why = (
        " (xsd:date(NOW()) keeps NOW()'s time zone, which the graph's dates do not have, and drops "
        + ("the rows of the day it reaches)" if shift else "today's rows)")
        if today is not None and zoned is not None and _engine_answer(_COMPARE[op], a=today, b=zoned) is None
        else ""
    )
    if twin and today is not None:
        return (
            f"compare {shorten(twin)}, the first day of the period stated, which every dated "
            f"record has: FILTER(?day {op} {TODAY}{minus}) on {shorten(twin)} ?day{why}"
        )
    if today is not None and _compares(op, held, today):
        return f"write {TODAY}{minus}" + ("" if shift else " for today") + why
    if all(v.datatype.value == XSD + "gYear" for v in held):
        return f"compare the year: FILTER(YEAR({variable}) {op} YEAR(NOW(){minus}))"
    return f"write a value of that kind ({', '.join(sorted({shorten(v.datatype.value) for v in held}))})"


def wrong_kind_notes(tokens: Sequence[gate.Token], store) -> list[str]:
    """For an answer with no rows: a note on each entity of the graph written as the value of a
    property whose range (``rdfs:range`` in the ontology) is no class of the entity (``?deal
    atmp:target company:gilead-sciences``: a deal's company is its ``atmp:dealTarget``), with the
    properties of the closest names that take one, or the pattern the other way round where the
    entity is of the property's domain. It reads the ontology and the entity's classes, and for
    the object properties the ontology gives no range, whether the graph holds one such value.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> text = "SELECT * { ?deal atmp:target company:gilead-sciences }"
    >>> for note in wrong_kind_notes(tokenize(text), atmpkg.graph.open_store().store):
    ...     print(note)
    atmp:target company:gilead-sciences matches nothing: atmp:target never has a company as its value (its range is atmp:Target); did you mean atmp:dealTarget?
    """
    domains, ranges, above = property_ends()
    declared = gate.declared_prefixes(tokens)
    notes, seen = [], set()
    for at, token in enumerate(tokens):
        if at < 2 or token.kind not in ("pname", "iri") or len(seen) >= _MOST_LOOKED_UP:
            continue
        if tokens[at - 2].text in _PATH_OPERATORS:  # ^p, !p, p|q, p/q: a path, not p alone
            continue
        prefix = token.text.partition(":")[0]
        if token.kind == "pname" and (prefix in declared or prefix not in PREFIXES):
            continue
        entity = expand(token.text) if token.kind == "pname" else token.text[1:-1]
        predicate = _predicate_of(tokens, at, declared)
        wanted = ranges.get(predicate or "") or ""
        if not entity.startswith(ID) or not wanted.startswith(ATMP) or not valid_iri(entity):
            continue
        if (predicate, entity) in seen:
            continue
        seen.add((predicate, entity))
        node = ox.NamedNode(entity)
        typed = [q.object.value for q in store.quads_for_pattern(node, _TYPE, None)]
        classes = set().union(*(above.get(c, {c}) for c in typed))
        if not classes & set(above) or wanted in classes:
            continue
        kind = entity[len(ID) :].partition("/")[0].replace("-", " ")
        said = (
            f"{tokens[at - 1].text} {token.text} matches nothing: {shorten(predicate)} never has "
            f"{indefinite(kind)} as its value (its range is "
            f"{shorten(wanted)})"
        )
        if domains.get(predicate) in classes:
            notes.append(f"{said}; written the other way round: {token.text} {tokens[at - 1].text} ?x")
            continue
        taking = sorted(p for p, cls in ranges.items() if cls in classes and p.startswith(ATMP))
        open_ended = [
            p
            for p in sorted(p for p, cls in ranges.items() if cls is None)
            if any(
                store.query(
                    "ASK { ?s ?p ?o . ?o a ?class }",
                    substitutions={ox.Variable("p"): ox.NamedNode(p), ox.Variable("class"): ox.NamedNode(c)},
                )
                for c in typed
            )
        ]
        local = {p[len(ATMP) :]: p for p in taking + open_ended}
        near = [f"atmp:{name}" for name in suggest(predicate.rpartition("#")[2], local, 3)]
        if near:
            said += f"; did you mean {' or '.join(near)}?"
        elif taking:
            said += "; the properties that take one: " + ", ".join(map(shorten, taking[:6]))
        notes.append(said)
    return notes


_TYPE = ox.NamedNode(RDF + "type")
#: What stands before a property in a path of several steps or an inverse.
_PATH_OPERATORS = frozenset({"^", "!", "|", "/"})


#: The graph's own IRIs, written in full: its entities', its terms'.
_OWN_IRIS = ("<" + ID, "<" + ATMP)
#: Token kinds that may be the subject of the triple whose object a note looks at.
_SUBJECTS = frozenset({"var", "iri", "pname"})


def _holds(store, predicate: str, value: Term) -> bool:
    """Whether some subject has ``value`` for ``predicate`` in ``store`` (a look-up in its index)."""
    bound = {ox.Variable("p"): ox.NamedNode(predicate), ox.Variable("o"): value}
    return bool(store.query("ASK { ?s ?p ?o }", substitutions=bound))


def _entity_for(predicate: str, text: str, store) -> str | None:
    """The prefixed name of the entity that ``text`` names, by its slug or its label in a usual
    case, among those ``predicate`` links things to in ``store``: a query wrote as text what the
    graph holds as an entity (``atmp:datePrecision "month"`` for ``dateprecision:month``,
    newuser17 F7). Each a look-up in the store's index (rev17 F4, rev2_17 N1, N2: matching the
    graph's names, or the predicate's objects, took seconds at a million triples)."""
    bound = {ox.Variable("p"): ox.NamedNode(predicate)}
    if len(text) > _LONGEST_NAME or not store.query(_HOLDS_IRIS, substitutions=bound):
        return None
    slug = text.lower()
    if SLUG_RE.fullmatch(slug):
        for kind in KINDS:
            if _holds(store, predicate, ox.NamedNode(iri(kind, slug))):
                return shorten(iri(kind, slug))
    for form in sorted({text, text.lower(), text.upper(), text.capitalize(), text.title()}):
        for name in (ox.Literal(form, language="en"), ox.Literal(form)):
            for naming in _NAMINGS:
                bound.update({ox.Variable("name"): name, ox.Variable("naming"): naming})
                for row in store.query(_BY_NAME, substitutions=bound):
                    return shorten(row[0].value)
    return None


#: The longest text :func:`_entity_for` looks up: no label is longer.
_LONGEST_NAME = 500
_HOLDS_IRIS = "ASK { ?s ?p ?o FILTER(isIRI(?o)) }"
#: An entity whose ?naming (label or name) is ?name, which ?p links something to.
_BY_NAME = "SELECT ?o ?p ?name ?naming WHERE { ?o ?naming ?name FILTER EXISTS { ?s ?p ?o } } LIMIT 1"
_NAMINGS = (ox.NamedNode(RDFS + "label"), ox.NamedNode(SKOS + "prefLabel"))


def found_nothing(result: QueryResult, tokens: Sequence[gate.Token]) -> bool:
    """Whether ``result`` answers that nothing matched: no row, or the one row of zeros and
    empty cells an aggregate gives over no rows (``COUNT`` of a misspelt value is 0, not an
    empty answer, newuser17 F7), so that the notes on why are given for it too; a CONSTRUCT or
    DESCRIBE with no triple, an ASK answered false (joints30 F5: they got none of those notes).

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> zero = QueryResult("SELECT", ["n"], [(ox.Literal("0", datatype=ox.NamedNode(XSD + "integer")),)])
    >>> found_nothing(zero, tokenize("SELECT (COUNT(?t) AS ?n) { ?t a atmp:Therapi }"))
    True
    >>> found_nothing(zero, tokenize("SELECT ?n { VALUES ?n { 0 } }"))
    False
    >>> found_nothing(QueryResult("ASK", boolean=False), []), found_nothing(QueryResult("CONSTRUCT"), [])
    (True, True)
    """
    if result.form == "ASK":
        return result.boolean is False
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        return not result.triples
    if not result.rows:
        return True
    aggregated = any(
        t.kind == "word" and t.text.upper() in AGGREGATES and gate.next_text(tokens, i) == "("
        for i, t in enumerate(tokens)
    )
    return (
        aggregated
        and len(result.rows) == 1
        and all(
            cell is None
            or (isinstance(cell, ox.Literal) and cell.value in ("0", "0.0", "", "0E0", "0.0E0"))
            for cell in result.rows[0]
        )
    )


class ValueNote(str):
    """A note that ends in the value to give parameter ``name`` instead, ``value`` (a term as
    text): ``-p`` on the command line and in Python, where the value was text as the command line
    reads it; :meth:`told` words it for another door, as
    :func:`~atmpkg.graph.server.protocol.http_notes` does for HTTP's ``p=`` (joints30 F4).

    >>> note = ValueNote("parameter 'd' is 2024-09-01", "d", '"2024-09"^^xsd:gYearMonth')
    >>> print(note)
    parameter 'd' is 2024-09-01; give -p 'd="2024-09"^^xsd:gYearMonth'
    >>> print(note.told("p=d=" + note.value))
    parameter 'd' is 2024-09-01; give p=d="2024-09"^^xsd:gYearMonth
    """

    head: str
    name: str
    value: str

    def __new__(cls, head: str, name: str, value: str) -> ValueNote:
        note = super().__new__(cls, f"{head}; give -p {shlex.quote(f'{name}={value}')}")
        note.head, note.name, note.value = head, name, value
        return note

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        return self.head, self.name, self.value

    def told(self, how: str) -> str:
        """The note with ``how`` to give the value, where it is read."""
        return f"{self.head}; give {how}"


def matched_tokens(tokens: Sequence[gate.Token]) -> Sequence[gate.Token]:
    """``tokens`` without a CONSTRUCT's template (``CONSTRUCT { … } WHERE``): the triples it
    makes are matched against nothing, so the notes on why nothing matched read the patterns of
    the WHERE alone (``CONSTRUCT WHERE { … }`` is both).

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> text = 'CONSTRUCT { ?t rdfs:comment "made" } WHERE { ?t rdfs:label "K" }'
    >>> " ".join(t.text for t in matched_tokens(tokenize(text)))
    'CONSTRUCT WHERE { ?t rdfs:label "K" }'
    """
    for at, token in enumerate(tokens):
        if token.kind == "word" and token.text.upper() == "CONSTRUCT":
            if gate.next_text(tokens, at) != "{":
                return tokens
            depth = 0
            for end in range(at + 1, len(tokens)):
                depth += {"{": 1, "}": -1}.get(tokens[end].text, 0) if tokens[end].kind == "punct" else 0
                if depth == 0:
                    return [*tokens[: at + 1], *tokens[end + 1 :]]
            return tokens
    return tokens


def entity_notes(
    params: Mapping[str, object], store, tokens: Sequence[gate.Token] = ()
) -> list[str]:
    """For an answer with no rows: a note on each parameter given as text that is bound as a plain
    string although it names an entity (its slug, label or ``kind:slug``), as a query with no
    typed header binds ``-p company=novartis``; or, where the query's ``tokens`` make it a
    property's value that the graph holds with another case, a language tag or a datatype
    (``-p l=Kymriah`` for ``?t rdfs:label ?l``), what to give instead.

    >>> for note in entity_notes({"company": "novartis", "n": "2"}, atmpkg.graph.open_store().store):
    ...     print(note)
    parameter 'company' is the string "novartis", which names no entity: company:novartis is the entity of that name; give company:novartis to bind the entity (or declare the parameter in the query file's header: # param: company company)
    """
    from ..errors import AtmpkgError
    from .entities import resolve_entity

    notes = []
    predicates = _variable_predicates(tokens, gate.declared_prefixes(tokens))
    for name, value in params.items():
        try:
            term = as_term(value, name)
        except AtmpkgError:
            continue
        short = shorten(term.value) if isinstance(term, ox.NamedNode) else ""
        if short.partition(":")[0] in KIND_PREFIXES:
            # newuser22 F12: target:bcm written in the text is noted, and was not as a value
            notes += [f"parameter {name!r} is {short}, which {told}" for _, told in nothing_named([short], store)]
            continue
        if not isinstance(value, str):
            # a value from Python: a float, a Timestamp, whatever the graph holds it as
            predicate = predicates.get(name)
            stored = None
            if predicate is not None and isinstance(term, ox.Literal):
                stored = _stored_as(predicate, term, store)
            if stored is not None:
                notes.append(
                    f"parameter {name!r} is {_written(term)} ({type(value).__name__}), which no "
                    f"value of it equals: the graph holds {_written(stored)}; give "
                    f"{name}='{_written(stored)}' (text is read as a term)"
                )
            continue
        # a plain string, which may also be an entity's name; or a number or a date as the
        # command line reads it, which the graph may hold with another datatype
        text = term == ox.Literal(value)
        if not (text or (isinstance(term, ox.Literal) and term.datatype.value != XSD + "string")):
            continue
        predicate = predicates.get(name)
        stored = None if predicate is None else _stored_as(predicate, term, store)
        if stored is not None:
            shown = f'the string "{value}"' if text else _written(term)
            head = f"parameter {name!r} is {shown}, which no value of it equals: the graph holds {_written(stored)}"
            notes.append(ValueNote(head, name, _written(stored)))
            continue
        if not text:
            continue
        try:
            iri = resolve_entity(value, store)
        except AtmpkgError:
            continue
        short = shorten(iri)
        kind = short.partition(":")[0]
        notes.append(
            f'parameter {name!r} is the string "{value}", which names no entity: {short} is the '
            f"entity of that name; give {short} to bind the entity (or declare the parameter in "
            f"the query file's header: # param: {name} {kind})"
        )
    return notes


def nothing_named(names: Iterable[str], store) -> list[tuple[str, str]]:
    """Of ``names``, prefixed names of entities or concept values (``modality:cart``), those
    that name nothing in the graph or a retired IRI (a prefix alone, ``therapy:``, is a
    namespace and names nothing to look for), each with what to say of it: the slug in
    lower case that names one; the entity of its kind whose name (label, INN, brand, code name,
    acronym, HGNC symbol) the local part is, as ``atmpkg show`` reads a name; or else the nearest
    slugs of its kind. The first :data:`_MOST_EXAMINED` distinct names are examined, and at most
    :data:`_MOST_LOOKED_UP` of those that name nothing are told.

    >>> store = atmpkg.graph.open_store().store
    >>> nothing_named(["modality:car-t", "modality:cart"], store)
    [('modality:cart', 'names nothing in the graph (did you mean modality:car-t?): nothing matches it')]
    >>> nothing_named(["therapy:tisagenlecleucel"], store)
    [('therapy:tisagenlecleucel', 'names nothing in the graph (did you mean therapy:kymriah (tisagenlecleucel)?): nothing matches it')]
    >>> nothing_named(["therapy:", "modality:"], store)
    []

    A retired IRI (``dct:isReplacedBy``) is told what replaced it.
    """

    @functools.cache
    def slugs(prefix: str) -> list[str]:
        # one look through the typed entities per kind misspelt, not one per name
        found = store.query(
            "SELECT ?e ?ns WHERE { ?e a ?class FILTER(STRSTARTS(STR(?e), ?ns)) }",
            substitutions={ox.Variable("ns"): ox.Literal(PREFIXES[prefix])},
        )
        return sorted({row[0].value[len(PREFIXES[prefix]) :] for row in found})

    told, seen = [], set()
    for name in names:
        prefix, _, local = name.partition(":")
        iri = PREFIXES[prefix] + local
        # a prefix alone is its namespace, no name (STR(therapy:) in the query that /id/therapy
        # offers for a kind's entities): nothing to say of it (newuser29 F3)
        if name in seen or not local or not valid_iri(iri):
            continue
        seen.add(name)
        # a name that names something costs one look-up, one that names nothing several: the
        # limits are counted apart (newuser23 F17: the 9th name of a VALUES went unexamined)
        if len(seen) > _MOST_EXAMINED or len(told) >= _MOST_LOOKED_UP:
            break
        if _subject(store, ox.NamedNode(iri)):
            # a retired IRI's only fact is what replaced it (newuser23 F9: IRIs kept from an
            # earlier release answered nothing, without a word)
            new = next(store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(REPLACED_BY), None), None)
            if new is not None:
                said = retired_told(name, shorten(new.object.value)).removeprefix(name + " ")
                told.append((name, f"{said}, and the graph keeps of it only that and why"))
            continue
        if local != local.lower() and _subject(store, ox.NamedNode(PREFIXES[prefix] + local.lower())):
            told.append(
                (name, f"names nothing in the graph: {prefix}:{local.lower()} does (slugs are lower case)")
            )
            continue
        close = _named_by_its_name(prefix, local, store) or " or ".join(
            f"{prefix}:{s}" for s in suggest(local, slugs(prefix), 2)
        )
        hint = f" (did you mean {close}?)" if close else ""
        told.append((name, f"names nothing in the graph{hint}: nothing matches it"))
    return told


def _named_by_its_name(prefix: str, local: str, store) -> str | None:
    """The entity of the kind of ``prefix`` that ``local`` names as ``atmpkg show`` reads a name,
    as ``prefix:slug (the name)``; without this a name was likened to slugs only, and
    ``therapy:tisagenlecleucel`` was offered another therapy, ``therapy:axi-cel`` none (newuser23
    F17); a name several entities share offers each (joints25 F1: the INN of Itvisma and
    Zolgensma was offered two other therapies)."""
    from ..errors import AtmpkgError, ParameterError
    from .entities import entities_of_kind_named, resolve_entity_of_kind

    kind = KIND_PREFIXES[prefix]
    try:
        entities = [resolve_entity_of_kind(kind, local, store, correct=False).value]
    except ParameterError:
        entities = entities_of_kind_named(kind, local, store)
    except AtmpkgError:
        return None
    offered = []
    for entity in entities:
        names = sorted(
            row["name"].value
            for row in store.query(
                f"SELECT ?e ?name WHERE {{ ?e {NAME_PROPERTIES} ?name }}",
                prefixes=PREFIXES,
                substitutions={ox.Variable("e"): ox.NamedNode(entity)},
            )
        )
        # the name that the local part is (an agency named with its place has none of its own)
        written = next((n for n in names if named_by({n.lower(): {entity}}, local)), None)
        offered.append(shorten(entity) + (f" ({written})" if written else ""))
    return " or ".join(offered) or None


def _variable_predicates(tokens: Sequence[gate.Token], declared: set[str]) -> dict[str, str]:
    """Each variable (by name) that a pattern's value is, with the property of the first such
    pattern: read in one pass, where a pass for each variable made the advice on 1,300 of them
    in a long query take 20 s of CPU past its time limit (sec27 F3)."""
    found: dict[str, str] = {}
    for at, token in enumerate(tokens):
        if token.kind == "var" and token.text[1:] not in found:
            predicate = _predicate_of(tokens, at, declared)
            if predicate is not None:
                found[token.text[1:]] = predicate
    return found


#: What may follow a triple pattern's subject: its predicate (a name, an IRI, a variable, ``a``)
#: or the start of a property path (``^``, ``!``, ``(``)
_PREDICATE_STARTS = frozenset({"^", "!", "("})


def subject_variables(tokens: Sequence[gate.Token]) -> set[str]:
    """The variables (by name) that are the subject of a triple pattern: one that begins a
    pattern (after ``{``, ``.`` or a group's ``}``) and is followed by its predicate.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> sorted(subject_variables(tokenize("SELECT ?x ?l { ?a atmp:product ?x . ?x rdfs:label ?l FILTER(?l != ?a) }")))
    ['a', 'x']
    >>> sorted(subject_variables(tokenize("SELECT ?t { VALUES ?t { 1 } { ?s ?p ?t } OPTIONAL { ?t a ?c } }")))
    ['s', 't']
    """
    found = set()
    for at in range(1, len(tokens) - 1):
        token, before, after = tokens[at], tokens[at - 1], tokens[at + 1]
        if token.kind != "var" or before.kind != "punct" or before.text not in ("{", ".", "}"):
            continue
        if after.kind in ("pname", "iri", "var") or after.text in _PREDICATE_STARTS or (
            after.kind == "word" and after.text == "a"
        ):
            found.add(token.text[1:])
    return found


def _typed(text: str, datatype: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))


def _numpy_bool(value: object) -> bool:
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


def missing(value: object) -> bool:
    """Whether a parameter value stands for "no value" (left unbound): ``None``, or the missing
    values a DataFrame's cells hold (``pd.NA``, ``pd.NaT``, and NaN, a float column's).

    >>> missing(None), missing(float("nan")), missing(0), missing("")
    (True, True, False, False)
    """
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is None or type(value).__name__ in ("NAType", "NaTType")


def _a_days_timestamp(value: datetime.datetime) -> bool:
    """Whether ``value`` is how a DataFrame's date column holds a day: a pandas Timestamp at
    midnight with no time zone (an answer's ``xsd:date`` becomes one), to be bound as that day."""
    return (
        type(value).__name__ == "Timestamp"
        and type(value).__module__.startswith("pandas")
        and value.tzinfo is None
        and value.time() == datetime.time()
    )


#: The number datatypes a parameter's value is bound as, with their lexical forms in XSD.
_BOUND_NUMBERS = {
    XSD + "integer": re.compile(WHOLE_FORM).fullmatch,
    XSD + "decimal": re.compile(DECIMAL_FORM).fullmatch,
    XSD + "double": re.compile(FLOAT_FORM).fullmatch,
    XSD + "float": re.compile(FLOAT_FORM).fullmatch,
}


def held_number(term: Term, where: str) -> Term:
    """``term``, the value given for ``where`` (a parameter), unless it is an ``xsd:integer``,
    ``xsd:decimal``, ``xsd:double`` or ``xsd:float`` the engine holds no number of: past its range
    or decimal places, by the rule an import is held to
    (:func:`~atmpkg.graph.store.csvdata.engine_holds`). A query compares such an integer or
    decimal with nothing and would answer no rows without a word (sec31 F2); it reads such a
    double as INF or 0 (sec32 F3). Any other literal an import refuses is refused in its words
    (:func:`~atmpkg.graph.store.csvdata.refusal`: ``"abc"^^xsd:integer``, ``"2024-02-30"^^xsd:date``,
    sec32 F6).

    >>> held_number(parse_term("0.000000000000000001"), "parameter 'm'").value
    '0.000000000000000001'
    >>> held_number(parse_term("9223372036854775808"), "parameter 'n'")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'n' is '9223372036854775808', past what the engine holds as a number: an xsd:integer from -9223372036854775808 to 9223372036854775807 (64 bits, signed); a query compares a number past that with nothing, so the answer would be empty: give one within that
    >>> held_number(parse_term('"maybe"^^xsd:boolean'), "parameter 'b'")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'b': "maybe"^^xsd:boolean is no xsd:boolean (a tool that reads the datatype fails on it, and a query compares it with nothing): write a valid xsd:boolean, or the text as a plain string
    >>> held_number(parse_term("1e-400"), "parameter 'm'")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'm' is '1e-400', past what the engine holds as a number: an xsd:double up to about 1.8e308 either side of zero and, but for 0, no nearer to it than about 4.9e-324; a query reads a number past that as INF, or 0, so the answer would be for another number: give one within that
    """
    if isinstance(term, ox.Literal):
        form = _BOUND_NUMBERS.get(term.datatype.value)
        if form is not None and form(term.value):
            # a number of its datatype's form that the engine holds is a value of it
            if not engine_holds(term):
                raise beyond_engine(where, term.value, term.datatype.value)
        elif (refused := refusal(term)) is not None:
            raise ParameterError(f"{where}: {refused}")
    return term


#: A number not 0 with its first digit past this power of ten either way is past what the engine
#: holds of any number (about 1.7e20, 18 decimal places), and is told so without writing out its
#: digits, which for 1e999999999 would take a gigabyte.
MAX_DIGITS = 30


def check_digits(number: decimal.Decimal, where: str, given: str, datatype: str) -> None:
    """Refuse ``number`` (finite), given as ``given`` for ``where`` as a number of ``datatype``,
    when its first digit is more than :data:`MAX_DIGITS` places from the point either way: past
    what the engine holds (:func:`beyond_engine`), told before its digits are written out.

    >>> check_digits(decimal.Decimal("1e99999999"), "parameter 'min_value'", "1E+99999999", XSD + "decimal")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'min_value' is '1E+99999999', past what the engine holds as a number: an xsd:decimal at most 170141183460469231731.687303715884105727 either side of zero (about 1.7e20), with at most 18 decimal places; a query compares a number past that with nothing, so the answer would be empty: give one within that
    """
    if not number.is_zero() and abs(number.adjusted()) > MAX_DIGITS:
        raise beyond_engine(where, given, datatype)


def beyond_engine(where: str, given: str, datatype: str) -> ParameterError:
    """The error for ``given``, the value of ``where``, a number of ``datatype`` (an
    ``xsd:integer`` or ``xsd:decimal`` IRI) the engine holds no number of.

    >>> print(beyond_engine("parameter 'n'", "1e30", XSD + "decimal"))
    parameter 'n' is '1e30', past what the engine holds as a number: an xsd:decimal at most 170141183460469231731.687303715884105727 either side of zero (about 1.7e20), with at most 18 decimal places; a query compares a number past that with nothing, so the answer would be empty: give one within that
    """
    read = (
        "a query reads a number past that as INF, or 0, so the answer would be for another number"
        if datatype in (XSD + "double", XSD + "float")
        else "a query compares a number past that with nothing, so the answer would be empty"
    )
    return ParameterError(
        f"{where} is {cut(given)!r}, past what the engine holds as a number: "
        f"{held_range(datatype)}; {read}: give one within that"
    )


#: The widest whole number a parameter may be (about 4,000 decimal digits; Python itself writes
#: no more than 4,300 by default).
_MAX_INTEGER_BITS = 13_000


def as_term(value: object, name: str) -> Term:
    """The RDF term for the value of parameter ``name`` given in Python: an RDF term as it is, text
    read by :func:`parse_term`, and Python's own values as the XSD literal of their type (``bool``
    as ``xsd:boolean``, ``int`` as ``xsd:integer``, ``float`` as ``xsd:double``, ``Decimal`` as
    ``xsd:decimal``, a ``datetime`` as ``xsd:dateTime`` and a ``date`` as ``xsd:date``, as is a
    pandas ``Timestamp`` or numpy ``datetime64`` at midnight). Any other value is refused with the
    parameter's name.

    >>> as_term(1_000_000, "min").value, as_term(datetime.date(2023, 1, 2), "day").datatype.value
    ('1000000', 'http://www.w3.org/2001/XMLSchema#date')
    """
    if isinstance(value, str):
        return parse_term(unicode_text(value, f"parameter '{name}'"))
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple):
        return value
    if isinstance(value, bool) or _numpy_bool(value):
        return _typed("true" if value else "false", "boolean")
    if isinstance(value, numbers.Integral):  # numpy's integers too
        if abs(int(value)).bit_length() > _MAX_INTEGER_BITS:
            raise ParameterError(
                f"parameter '{name}' is a whole number of more than 4,000 digits: no query "
                "compares with such a number; give one that a value in the graph could be"
            )
        return _typed(str(int(value)), "integer")
    if isinstance(value, decimal.Decimal) and value.is_finite():
        # 1e99999999 would be written out in full, 100 million digits, before any check
        check_digits(value, f"parameter '{name}'", str(value), XSD + "decimal")
        return _typed(decimal_text(value), "decimal")
    if isinstance(value, numbers.Real):
        number = float(value)
        text = "NaN" if math.isnan(number) else "INF" if number > 0 else "-INF"
        return _typed(repr(number) if math.isfinite(number) else text, "double")
    if isinstance(value, datetime.datetime):
        if _a_days_timestamp(value):
            return _typed(value.date().isoformat(), "date")
        return _typed(value.isoformat(), "dateTime")
    if isinstance(value, datetime.date):
        return _typed(value.isoformat(), "date")
    if type(value).__name__ == "datetime64" and type(value).__module__ == "numpy":
        # a date column's cell as .to_numpy() or .values give it: a day at midnight, as a Timestamp
        moment = value.astype("datetime64[us]").item()  # None for NaT, int beyond Python's years
        if isinstance(moment, datetime.datetime):
            day = moment.time() == datetime.time()
            return _typed(moment.date().isoformat(), "date") if day else as_term(moment, name)
    raise ParameterError(
        f"parameter '{name}' is {described(value)}; give an RDF term, text, a number, a date or "
        "True/False"
    )


def decimal_text(value: decimal.Decimal) -> str:
    """``value`` (finite) in the canonical ``xsd:decimal`` form: no exponent, no trailing zeros.

    >>> decimal_text(decimal.Decimal("1.5E+9")), decimal_text(decimal.Decimal("2.50"))
    ('1500000000', '2.5')
    """
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def undeclared_terms(tokens: Sequence[gate.Token], *, until: float = math.inf) -> list[str]:
    """Notes on the terms a query names that their vocabulary does not declare, each with the
    closest declared ones: ``atmp:`` names the ontology lacks (``atmp:Therapi``), and names
    that the closed vocabularies do not define (``rdfs:lable``, which an import refuses; see
    :data:`~atmpkg.graph.terms.CLOSED_VOCABULARIES`). No
    triple can match them, so the query answers nothing about them without an error. A prefix
    the query declares itself is left alone. Past ``until`` (a :func:`time.monotonic` moment,
    what is left of the query's time limit) no more are looked for.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> for note in undeclared_terms(tokenize("SELECT * { ?t a atmp:Therapy ; atmp:brandname ?b ; rdfs:lable ?l }")):
    ...     print(note)
    atmp:brandname is not a term of the ontology (did you mean atmp:brandName?): nothing matches it
    rdfs:lable is not a term of RDF Schema (did you mean rdfs:label?): nothing matches it
    >>> undeclared_terms(tokenize("SELECT * { ?t a atmp:Therapi }"), until=0)
    []
    """
    vocabularies = {"atmp": ("the ontology", ATMP, None)}
    vocabularies.update(
        (prefix, (name, namespace, listed.split()))
        for prefix, (name, namespace, listed) in CLOSED_VOCABULARIES.items()
    )
    # a prefix the query binds to a namespace of its own names its own terms; the IRI a PREFIX or
    # BASE declares is no term (rev22 F6: PREFIX atmp: <…#> was noted as the term atmp:)
    bound, declaring = gate.declarations(tokens)
    own = {p for p, ns in bound.items() if p not in vocabularies or ns != vocabularies[p][1]}
    unknown: list[tuple[str, str]] = []
    for prefix, (_, namespace, listed) in vocabularies.items():
        named = {
            t.text[len(namespace) + 1 : -1]
            for i, t in _before(enumerate(tokens), until)
            if t.kind == "iri" and t.text.startswith("<" + namespace) and i not in declaring
        }
        if prefix not in own:
            named |= {
                t.text[len(prefix) + 1 :]
                for i, t in _before(enumerate(tokens), until)
                if t.kind == "pname" and t.text.startswith(prefix + ":") and i not in declaring
            }
        named.discard("")  # the namespace itself, as a value (FILTER(STRSTARTS(STR(?p), STR(atmp:))))
        known = _ontology_terms() if listed is None else set(listed)
        if prefix == "rdf":  # rdf:_1, rdf:_2 … name the members of a container
            known |= {name for name in named if re.fullmatch(r"_[1-9][0-9]*", name)}
        unknown += [(prefix, local) for local in sorted(named - known)]
    notes = []
    for prefix, local in unknown[:_MOST_LOOKED_UP]:
        if time.monotonic() >= until:
            return notes
        name, _, listed = vocabularies[prefix]
        choices = _ontology_terms() if listed is None else listed
        close = " or ".join(f"{prefix}:{c}" for c in suggest(local, choices, 2))
        hint = f" (did you mean {close}?)" if close else ""
        notes.append(f"{prefix}:{local} is not a term of {name}{hint}: nothing matches it")
    # each name costs a search of the vocabulary's terms, after the query's time limit (sec16 N1)
    if len(unknown) > _MOST_LOOKED_UP:
        notes.append(
            f"{len(unknown) - _MOST_LOOKED_UP:,} more names of the query are no terms of their "
            "vocabularies either"
        )
    return notes


#: XSD's durations, which Oxigraph adds to a date or a time only in one order of the sum.
_DURATIONS = frozenset(
    XSD + local for local in ("duration", "dayTimeDuration", "yearMonthDuration")
)


def duration_sums(tokens: Sequence[gate.Token], *, until: float = math.inf) -> list[str]:
    """A note when a query adds a duration with ``+`` (to a date, as ``?date + "P730D"^^
    xsd:dayTimeDuration``): Oxigraph 0.5 orders the two sides of a sum by a hash of their
    expressions and adds a date or a time to a duration in one order only, so that such a sum
    is unbound for some variable names (``?d``, not ``?dd``) and for constants, without an error
    (joints17 F1). Subtraction keeps its order, so ``?date - "-P730D"^^xsd:dayTimeDuration``
    always works. Past ``until`` (a :func:`time.monotonic` moment, what is left of the query's
    time limit) none is looked for.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> duration_sums(tokenize('SELECT ?x { ?s ?p ?dd BIND(?dd + "P7D"^^xsd:dayTimeDuration AS ?x) }'))
    ['a date or time plus a duration (+ "P7D"^^xsd:dayTimeDuration) is unbound in Oxigraph 0.5 for some variable names, without an error: subtract the negative duration instead (?date - "-P7D"^^xsd:dayTimeDuration)']
    >>> duration_sums(tokenize('SELECT ?x { ?s ?p ?d BIND(?d - "P7D"^^xsd:dayTimeDuration AS ?x) }'))
    []
    >>> duration_sums(tokenize('ASK { FILTER("P1D"^^xsd:duration + "P1D"^^xsd:duration) }'))
    []
    >>> duration_sums(tokenize('SELECT ?x { BIND(?dd + "P7D"^^xsd:dayTimeDuration AS ?x) }'), until=0)
    []
    """
    prefixes = dict(PREFIXES)
    prefixes.update(
        (tokens[i + 1].text[:-1], tokens[i + 2].text[1:-1])
        for i, t in _before(enumerate(tokens[:-2]), until)
        if t.kind == "word" and t.text.upper() == "PREFIX"
    )

    def is_duration(token: gate.Token) -> bool:
        prefix, _, local = token.text.partition(":")
        if token.kind == "pname" and prefix in prefixes:
            return prefixes[prefix] + local in _DURATIONS
        return token.kind == "iri" and token.text[1:-1] in _DURATIONS

    # (first, last) token of each duration written as a typed literal ("P7D"^^xsd:dayTimeDuration)
    # or a cast (xsd:dayTimeDuration("P7D")); a variable a BIND gives one of them is one too
    if time.monotonic() >= until:
        return []
    closing = gate.closing_brackets(tokens)
    spans = []
    for i, t in _before(enumerate(tokens[:-2]), until):
        if t.kind == "string" and tokens[i + 1].text == "^^" and is_duration(tokens[i + 2]):
            spans.append((i, i + 2))
        elif is_duration(t) and i + 1 in closing:
            spans.append((i, closing[i + 1]))
    bound = {
        tokens[last + 2].text[1:]
        for _, last in spans
        if last + 2 < len(tokens)
        and tokens[last + 1].text.upper() == "AS"
        and tokens[last + 2].kind == "var"
    }
    spans += [
        (i, i)
        for i, t in _before(enumerate(tokens), until)
        if t.kind == "var" and t.text[1:] in bound
    ]
    after = {first: last for first, last in spans}
    before = {last: first for first, last in spans}
    for i, t in _before(enumerate(tokens), until):
        # one side a duration: two durations add in either order (rev17 F7)
        if t.kind != "punct" or t.text != "+" or (i + 1 in after) == (i - 1 in before):
            continue
        if i + 1 in after:
            first, last = i + 1, after[i + 1]
        else:
            first, last = before[i - 1], i - 1
        written = "".join(token.text for token in tokens[first : last + 1])
        if len(written) > 80:
            written = written[:79] + "…"
        negative = '"-' + written[1:] if written.startswith('"P') else "-" + written
        return [
            f"a date or time plus a duration (+ {written}) is unbound in Oxigraph 0.5 for some "
            "variable names, without an error: subtract the negative duration instead (?date - "
            f"{negative})"
        ]
    return []


#: SPARQL's functions that take text (a literal), and give nothing, without an error, for an IRI.
_TEXT_FUNCTIONS = frozenset(
    "GROUP_CONCAT CONCAT STRLEN SUBSTR UCASE LCASE STRSTARTS STRENDS CONTAINS STRBEFORE STRAFTER "
    "REPLACE REGEX ENCODE_FOR_URI LANG".split()
)


def _bare_arguments(tokens: Sequence[gate.Token], opened: int, closed: int) -> list[str]:
    """The variables given alone as arguments of the call whose brackets are at ``opened`` and
    ``closed`` (``?url`` in ``GROUP_CONCAT(DISTINCT ?url; separator=" ")``, not in
    ``STR(?url)``)."""
    found, depth = [], 0
    for at in range(opened + 1, closed):
        text = tokens[at].text
        depth += (text == "(") - (text == ")")
        before, after = tokens[at - 1].text.upper(), tokens[at + 1].text
        if depth == 0 and tokens[at].kind == "var" and before in ("(", ",", "DISTINCT"):
            found += [tokens[at].text] if after in (")", ",", ";") else []
    return found


def _bound_as(tokens: Sequence[gate.Token], closed: int) -> str | None:
    """The variable an expression ending at ``closed`` is bound to (``AS ?v`` after it, in its own
    brackets or around them), or None where a group or the text ends first."""
    depth = 0
    for at in range(closed + 1, len(tokens) - 1):
        text = tokens[at].text
        if text in ("{", "}"):
            return None
        depth += (text == "(") - (text == ")")
        if depth <= 0 and text.upper() == "AS" and tokens[at + 1].kind == "var":
            return tokens[at + 1].text
    return None


def iri_text_notes(
    result: QueryResult, tokens: Sequence[gate.Token], store, *, until: float = math.inf
) -> list[str]:
    """A note on each column of ``result`` left empty in some row by a function that takes text
    (``GROUP_CONCAT``, ``CONCAT``, ``STRLEN``...) given a variable alone whose property's values
    in ``store`` are IRIs (``schema:url``): the engine gives nothing for an IRI, without an
    error, where ``STR()`` of it is its text (newuser31 F9). Past ``until`` (a
    :func:`time.monotonic` moment) no more is looked for.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> text = 'SELECT (GROUP_CONCAT(?url) AS ?urls) { ?s schema:url ?url }'
    >>> empty = QueryResult("SELECT", ["urls"], [(None,)])
    >>> iri_text_notes(empty, tokenize(text), atmpkg.graph.open_store().store)
    ['?urls is empty: GROUP_CONCAT gives nothing for ?url, without an error, since ?url holds IRIs (the values of schema:url) and it takes text; write STR(?url) in its place']
    """
    empty = {
        "?" + name
        for index, name in enumerate(result.variables)
        if any(row[index] is None for row in result.rows)
    }
    if not empty or time.monotonic() >= until:  # most answers: no column with an empty cell
        return []
    predicates = _variable_predicates(tokens, gate.declared_prefixes(tokens))
    subjects = subject_variables(tokens)
    closing = gate.closing_brackets(tokens)
    notes, iris = [], {}
    for at, token in _before(enumerate(tokens[:-1]), until):
        name = token.text.upper()
        if token.kind != "word" or name not in _TEXT_FUNCTIONS or at + 1 not in closing:
            continue
        column = _bound_as(tokens, closing[at + 1])
        if column not in empty:
            continue
        for variable in _bare_arguments(tokens, at + 1, closing[at + 1]):
            if variable[1:] in subjects:
                # a pattern's subject is an IRI (or a blank node) in every graph: no look-up
                note = (
                    f"{column} is empty: {name} gives nothing for {variable}, without an error, "
                    f"since {variable} holds IRIs (it is the subject of a pattern) and it takes "
                    f"text; write STR({variable}) in its place"
                )
                if note not in notes:
                    notes.append(note)
                continue
            predicate = predicates.get(variable[1:])
            if predicate is None:
                continue
            if predicate not in iris:
                asked = {ox.Variable("p"): ox.NamedNode(predicate)}
                iris[predicate] = bool(
                    store.query("ASK { ?s ?p ?o FILTER(isIRI(?o)) }", substitutions=asked)
                )
            note = (
                f"{column} is empty: {name} gives nothing for {variable}, without an error, since "
                f"{variable} holds IRIs (the values of {shorten(predicate)}) and it takes text; "
                f"write STR({variable}) in its place"
            )
            if iris[predicate] and note not in notes:
                notes.append(note)
    return notes


@functools.lru_cache(maxsize=1)
def _ontology_terms() -> frozenset[str]:
    return frozenset(
        q.subject.value[len(ATMP) :]
        for q in ontology_quads()
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ATMP)
    )

"""Query the graph from Python: module functions kept for existing code, and how a named query's
parameters are read.

The way to query is the handle: ``atmpkg.open().query(...)`` and ``.named(...)`` (see
:mod:`atmpkg.graph.handle`). :func:`query` and :func:`run_named` are one-line wrappers over it,
which open the store on each call.

>>> from atmpkg.graph import query, run_named
>>> query("SELECT ?name WHERE { therapy:kymriah rdfs:label ?name }").column("name")
['Kymriah']
>>> run_named("products-by-target", {"target": "bcma"}).dicts()[0]["therapyName"]
'Abecma'
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import decimal
import keyword
import math
import os
import re
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import pyoxigraph as ox

from ... import queries
from ..engine import gate
from ..errors import (
    AtmpkgError,
    ParameterError,
    PeriodError,
    UnknownNameError,
    counted,
    cut,
    indefinite,
    unicode_text,
)
from ..store.csvdata import engine_holds
from ..terms import ATMP, ID, KIND_PREFIXES, KINDS, PREFIXES, RDFS, XSD, shorten
from .entities import graph_iri, resolve_entity, resolve_entity_of_kind
from .run import (
    _MOST_LOOKED_UP,
    Term,
    _subject,
    as_term,
    beyond_engine,
    check_digits,
    decimal_text,
    missing,
    nothing_named,
    parse_term,
)

if TYPE_CHECKING:
    from ..engine.evaluate import QueryResult

StorePath = str | os.PathLike[str] | None
ALLOW = gate.ALLOW


def bind_params(
    named: queries.NamedQuery, params: Mapping[str, str | Term], store: ox.Store
) -> dict[str, Term]:
    """Turn ``params`` (and the declared defaults) into RDF terms, by each parameter's type.

    >>> store = atmpkg.graph.open_store().store
    >>> bound = bind_params(queries.load("deals-above-value"), {"from": "2019"}, store)
    >>> {name: term.value for name, term in bound.items()}
    {'min_value': '500000000', 'from': '2019-01-01'}
    >>> bind_params(queries.load("deals-above-value"), {"min_value": None}, store)["min_value"].value
    '500000000'
    """
    for name in params:
        named.param(name)
    # None (or pandas' NA) is "not given", as in a wrapper's keyword default: the declared
    # default applies, and a parameter without one is left unbound
    given = {name: value for name, value in params.items() if not missing(value)}
    bindings: dict[str, Term] = {}
    bounds = {name: index == 1 for pair in named.periods for index, name in enumerate(pair)}
    for param in named.params:
        value = given.get(param.name, param.default)
        if missing(value):
            if param.required:
                what = f": {param.description}" if param.description else ""
                raise ParameterError(
                    f"{named.title} needs parameter '{param.name}' ({param.type}){what}; give it "
                    f"with -p {param.name}=VALUE (over HTTP, p={param.name}=VALUE)"
                )
            continue
        text = _as_text(param, value)
        if param.name not in given and param.type == "date":
            try:
                text = _default_day(text, bindings)
            except ValueError:  # a year past 9999 or before 1, from a day near the calendar's end
                raise ParameterError(
                    f"parameter '{param.name}' defaults to {text}, {_off_calendar(text)}: give "
                    f"-p {param.name}=YYYY-MM-DD"
                ) from None
            if text is None:
                continue
        if param.name in given and param.type == "date" and isinstance(text, str):
            # the words a header's default and the notes use mean the same given (newuser23 F19)
            text = _given_day(text, f"parameter '{param.name}'")
        try:
            if param.name in bounds and isinstance(text, str):
                text = _period_day(text, bounds[param.name], f"parameter '{param.name}'")
            bindings[param.name] = coerce(param, text, store)
        except (ParameterError, UnknownNameError) as exc:
            if param.name in given:
                raise
            raise ParameterError(
                f"the default of parameter '{param.name}' in the header of "
                f"{named.title} does not read: {exc}; fix its 'param:' line"
            ) from None
    for first, last in named.periods:
        if first in bindings and last in bindings and bindings[first].value > bindings[last].value:
            defaults = [name for name in (first, last) if name not in given]
            head = (
                f"the period of {named.title} ends before it starts: {first} is "
                f"{bindings[first].value}, {last} is {bindings[last].value}"
            )
            # each door says how to give the end that took its default (joints27 F8)
            raise PeriodError(head, defaults[0]) if len(defaults) == 1 else ParameterError(head)
    for group in named.distinct:
        given_terms = [bindings[name] for name in group if name in bindings]
        if len(given_terms) == len(group) and len(set(given_terms)) < len(group):
            defaults = [name for name in group if name not in given]
            raise ParameterError(
                f"parameters {' and '.join(repr(name) for name in group)} of "
                f"{named.title} name the same entity ({shorten(given_terms[0].value)}"
                + (f", {' and '.join(defaults)} by default" if defaults else "")
                + "): give different ones"
            )
    return bindings


def defaulted_notes(
    named: queries.NamedQuery,
    params: Mapping[str, object],
    bindings: Mapping[str, Term],
    store: ox.Store | None = None,
) -> list[str]:
    """A note for each parameter ``named`` took from its default: a date (today, a year before),
    or an entity or a number; a table leaves a parameter's column out, so nothing else would say
    which company, therapy or day the answer is of. An entity is named with its label, from
    ``store`` when given.

    >>> q = queries.load("authorised-products")
    >>> defaulted_notes(q, {}, {"as_of": ox.Literal("2026-12-05")})
    ["as_of is 2026-12-05 (default today); give -p as_of=YYYY-MM-DD (Python: as_of='YYYY-MM-DD') for another day"]
    >>> q = queries.load("company-portfolio")
    >>> gilead = ox.NamedNode("https://w3id.org/atmp-kg/id/company/gilead-sciences")
    >>> defaulted_notes(q, {}, {"company": gilead}, atmpkg.graph.open_store().store)
    ['company is company:gilead-sciences (Gilead Sciences), the default; give -p company=… (Python: company=…) for another']
    """
    given = {name for name, value in params.items() if not missing(value)}
    notes: list[str] = []
    for p in named.params:
        if p.name in given or p.name not in bindings:
            continue
        value = bindings[p.name]
        if p.type == "date":
            head = f"{p.name} is {value.value} ({p.default_text})"
            notes.append(DefaultNote(head, p.name, "YYYY-MM-DD", "for another day"))
            continue
        # newuser23 F22: company-portfolio answered for Gilead Sciences, and nothing said so
        shown = value.value
        if isinstance(value, ox.NamedNode):
            label = None if store is None else _label(value, store)
            shown = shorten(value.value) + (f" ({label})" if label else "")
        notes.append(DefaultNote(f"{p.name} is {shown}, the default", p.name, "…", "for another"))
    return notes


class DefaultNote(str):
    """The note on parameter ``name`` taking its default: ``head`` says what it is, then how to
    give another (``value`` stands for it) ``purpose``, worded for the command line and Python, as
    errors are: Python's :meth:`~atmpkg.graph.handle.KnowledgeGraph.named` takes a keyword,
    unless ``keywords`` is False, for the calls that take the parameters in a mapping,
    ``params=`` (``kg.query(name=…)``, a query file, a selection's); :meth:`told` words it for
    another door, as :func:`~atmpkg.graph.server.protocol.http_notes` does for HTTP's ``p=``
    (newuser25 F28).

    >>> note = DefaultNote("from is 2025-01-01 (default as_of)", "from", "YYYY-MM-DD", "for another day")
    >>> print(note)
    from is 2025-01-01 (default as_of); give -p from=YYYY-MM-DD (Python: {'from': 'YYYY-MM-DD'}) for another day
    >>> print(DefaultNote("as_of is 2026-12-05 (default today)", "as_of", "YYYY-MM-DD", "for another day").in_params())
    as_of is 2026-12-05 (default today); give -p as_of=YYYY-MM-DD (Python: params={'as_of': 'YYYY-MM-DD'}) for another day
    >>> note.told("p=from=YYYY-MM-DD")
    'from is 2025-01-01 (default as_of); give p=from=YYYY-MM-DD for another day'
    """

    head: str
    name: str
    value: str
    purpose: str
    keywords: bool

    def __new__(
        cls, head: str, name: str, value: str, purpose: str, keywords: bool = True
    ) -> DefaultNote:
        # an ellipsis stands for a value of any type, a text is quoted; a parameter that is no
        # keyword argument (from) is given in the mapping
        shown = value if value == "…" else repr(value)
        if not keywords:
            python = f"params={{{name!r}: {shown}}}"
        elif name.isidentifier() and not keyword.iskeyword(name):
            python = f"{name}={shown}"
        else:
            python = f"{{{name!r}: {shown}}}"
        note = super().__new__(cls, f"{head}; give -p {name}={value} (Python: {python}) {purpose}")
        note.head, note.name, note.value, note.purpose = head, name, value, purpose
        note.keywords = keywords
        return note

    def __getnewargs__(self) -> tuple[str, str, str, str, bool]:  # type: ignore[override]
        return self.head, self.name, self.value, self.purpose, self.keywords

    def in_params(self) -> DefaultNote:
        """The note worded for a call that takes the parameters in a mapping, ``params=``."""
        return DefaultNote(self.head, self.name, self.value, self.purpose, keywords=False)

    def told(self, how: str) -> str:
        """The note with ``how`` to give another value, where it is read.

        >>> DefaultNote("n is 2, the default", "n", "…", "for another").told("p=n=…")
        'n is 2, the default; give p=n=… for another'
        """
        return f"{self.head}; give {how} {self.purpose}"


class CommandNote(str):
    """A note that names a command to run, worded for each door as errors are: the command
    line's ``cli`` and Python's ``python`` after ``head`` and before ``tail``, both where both may
    be read (Python, and HTTP, which has no such command); :meth:`for_cli` names the command
    line's alone.

    >>> note = CommandNote("see ", "atmpkg path a b", "kg.path('a', 'b')", " for more")
    >>> print(note)
    see atmpkg path a b (Python: kg.path('a', 'b')) for more
    >>> note.for_cli()
    'see atmpkg path a b for more'
    """

    head: str
    cli: str
    python: str
    tail: str

    def __new__(cls, head: str, cli: str, python: str, tail: str = "") -> CommandNote:
        note = super().__new__(cls, f"{head}{cli} (Python: {python}){tail}")
        note.head, note.cli, note.python, note.tail = head, cli, python, tail
        return note

    def __getnewargs__(self) -> tuple[str, str, str, str]:  # type: ignore[override]
        return self.head, self.cli, self.python, self.tail

    def for_cli(self) -> str:
        """The note as the command line says it, naming its own command alone."""
        return f"{self.head}{self.cli}{self.tail}"


def _unconnected_notes(result: QueryResult) -> list[CommandNote]:
    """A note when ``result``, an answer of company-connections, has no row: no ownership line
    or deal joins the two companies, which may still be joined otherwise (products on one target,
    shared indications), as ``atmpkg path`` finds (newuser28 F6: Novartis and Kite Pharma, no
    row, five connections by path)."""
    company, other = result.parameters.get("company"), result.parameters.get("other")
    if result.rows or not isinstance(company, ox.NamedNode) or not isinstance(other, ox.NamedNode):
        return []
    a, b = (term.value.rsplit("/", 1)[-1] for term in (company, other))
    return [
        CommandNote(
            f"no ownership line or deal joins {shorten(company.value)} and "
            f"{shorten(other.value)}; ",
            f"atmpkg path {shlex.quote(a)} {shlex.quote(b)}",
            f"kg.path({a!r}, {b!r})",
            " finds how else they are connected (through products, targets, indications or "
            "claims)",
        )
    ]


def _bounded_lag_notes(result: QueryResult) -> list[CommandNote]:
    """A note when ``result``, an answer of second-agency-by-modality, counts products whose lag
    is known only within bounds (a date of theirs known only to its month or year): its day
    columns leave them out, its bounds of the average count them (session 32: such a product was
    left out of the answer without a word).

    >>> found = atmpkg.open().named("second-agency-by-modality", modality="aav-gene-therapy")
    >>> print(_bounded_lag_notes(found)[0][:92])
    averageDays, shortestDays, longestDays and fastest count the 5 products whose first approval
    """
    if "bounded" not in result.variables or "products" not in result.variables:
        return []
    # a modality's counts repeat on each of its rows (a tie for the fastest)
    rows = result.dicts()
    counts = {row.get("modality"): (row.get("products"), row.get("bounded")) for row in rows}
    exact = sum(p for p, _ in counts.values() if isinstance(p, int))
    bounded = sum(b for _, b in counts.values() if isinstance(b, int))
    if not bounded:
        return []
    return [
        CommandNote(
            f"averageDays, shortestDays, longestDays and fastest count the {exact} product"
            f"{'' if exact == 1 else 's'} whose first approval and first by another agency are "
            f"both known to the day; {bounded} more (bounded), with a date known only to its "
            f"month or year, {'counts' if bounded == 1 else 'count'} only in averageMinDays and "
            "averageMaxDays, the least and most the average of all of a modality's products can "
            "be; ",
            "atmpkg query --name time-to-second-agency",
            'kg.named("time-to-second-agency")',
            " gives each product's minDays and maxDays",
        )
    ]


def _unverified_claims_notes(result: QueryResult, store: ox.Store) -> list[str]:
    """A note naming each unverified claim about a product that ``result``, an answer of
    authorised-products, lists and about the agency it lists it under, made by the day the answer
    looks at (a source of it issued by then, or none dated): no lifecycle event records what it
    says (newuser31 F3: HeartSheet listed as authorised by the PMDA today, its lapse after the
    council's refusal of 24 July 2024 dated by no source).

    >>> found = atmpkg.open().named("authorised-products", agency="pmda")
    >>> print(_unverified_claims_notes(found, atmpkg.graph.open_store().store)[0][:80])
    HeartSheet (PMDA) is listed, though an unverified claim (claim:heartsheet-lapse-
    """
    t, a, tn, an = (result.variables.index(v) for v in ("therapy", "agency", "therapyName", "agencyName"))
    listed = {
        (row[t], row[a]): (row[tn].value, row[an].value)
        for row in result.rows
        if isinstance(row[t], ox.NamedNode) and isinstance(row[a], ox.NamedNode)
    }
    as_of = result.parameters.get("as_of")
    if not listed or not isinstance(as_of, ox.Literal):
        return []
    pairs = " ".join(f"({therapy} {agency})" for therapy, agency in listed)
    found = store.query(
        "SELECT ?therapy ?agency ?claim ?statement ?as_of WHERE { "
        f"VALUES (?therapy ?agency) {{ {pairs} }} "
        "?claim a atmp:Claim ; atmp:status claimstatus:unverified ; atmp:about ?therapy, ?agency ; "
        "atmp:statement ?statement "
        # a source's issue date as written (a year, a month or a day) compares with the day as text
        "FILTER(NOT EXISTS { ?claim dct:source/dct:issued ?issued } "
        "|| EXISTS { ?claim dct:source/dct:issued ?issued FILTER(STR(?issued) <= STR(?as_of)) }) "
        "} ORDER BY ?therapy ?agency ?claim",
        prefixes=PREFIXES,
        substitutions={ox.Variable("as_of"): as_of},
    )
    return [
        "{} ({}) is listed, though an unverified claim ({}) says: {}; no lifecycle event records "
        "it".format(
            *listed[row["therapy"], row["agency"]],
            shorten(row["claim"].value),
            row["statement"].value.rstrip("."),
        )
        for row in found
    ]


#: How many reviews a note names; past them it says how many more there are.
NAMED_IN_A_NOTE = 8
#: The reviews named in a note on those left out, the others counted: a note a line or two long.
_FEW = 3


#: The named queries whose conditions :func:`_unreported_notes` repeats to find the reviews a past
#: day leaves out; a user's query with an ``as_of`` parameter and a ``review`` column may mean
#: something else by them (rev24b F3).
_REVIEW_QUERIES = frozenset({"pending-reviews", "regulatory-calendar"})


def reported_notes(
    result: QueryResult,
    store: ox.Store,
    today: datetime.date | None = None,
    *,
    name: str | None = None,
    info: Mapping | None = None,
    until: float = math.inf,
) -> list[str]:
    """A note when ``result``, a named query's answer, looks from a day before ``today`` (its
    parameter ``as_of``) and lists, in its column ``review``, reviews whose acceptance is not
    recorded: each counts from the day it was first reported (``atmp:firstReported``, derived by
    ``queries/rules/29-first-reported.ru``), not from its filing, or from any day when none of
    its sources is dated (newuser24 F7). A remote ``store`` is asked for the reviews together
    (:func:`~atmpkg.graph.store.remote.prefetch`), not one by one. And a note naming the reviews
    left out only because they were first reported after ``as_of`` (rev24 F6: Encelto's FDA
    review, first reported 2025, was left out of the answer seen from 2024-12-31 without a word),
    when ``name`` is that of the curated named query answered, pending-reviews or
    regulatory-calendar, whose conditions it repeats; for those two, a note when the answer looks
    past the data's as-of day (:func:`data_as_of`, read from the build's record ``info``). Each
    note is made on its own: one that cannot be made (an endpoint's error) never removes another,
    and none is begun past ``until`` (a :func:`time.monotonic` moment).

    >>> found = atmpkg.open().named("pending-reviews", as_of="2026-01-01")
    >>> reported_notes(found, atmpkg.graph.open_store().store)[0][:93]
    'seen from 2026-01-01, 3 reviews listed have no recorded acceptance (review:otarmeni-ema-otof-'
    """
    steps: list[Callable[[], list[str]]] = []
    if name in _REVIEW_QUERIES:
        # the calendar looks past the data (newuser26 F10), from today as from a past day
        steps.append(lambda: _data_as_of_notes(result, store, info))
    if name == "deals-above-value":
        steps.append(lambda: _uncounted_milestones(result, store))
        steps.append(lambda: _unstated_amounts(result, store))
    if name == "company-connections":
        steps.append(lambda: _unconnected_notes(result))
    if name == "authorised-products":
        steps.append(lambda: _unverified_claims_notes(result, store))
    if name == "second-agency-by-modality":
        steps.append(lambda: _bounded_lag_notes(result))
    as_of = result.parameters.get("as_of")
    today = today or queries.today()
    if isinstance(as_of, ox.Literal) and as_of.value < today.isoformat() and "review" in result.variables:
        steps.append(lambda: _unaccepted_notes(result, store, as_of))
        if name in _REVIEW_QUERIES:
            steps.append(lambda: _unreported_notes(result, store, as_of))
    notes = []
    for step in steps:
        if time.monotonic() >= until:
            break
        # each note on its own: one failing dropped every other (sec28 F1: an as-of value no
        # day reads removed the notes on the reviews with no recorded acceptance)
        with contextlib.suppress(ValueError, AtmpkgError):
            notes += step()
    return notes


def _unaccepted_notes(result: QueryResult, store: ox.Store, as_of: ox.Literal) -> list[str]:
    """A note on the reviews ``result`` lists, seen from ``as_of``, with no recorded acceptance:
    each counts from the day it was first reported, or from any day where none is."""
    from ..store.remote import prefetch

    notes = []
    at = result.variables.index("review")
    listed = dict.fromkeys(row[at] for row in result.rows if isinstance(row[at], ox.NamedNode))
    prefetch(store, listed, incoming=False)
    accepted, reported = ox.NamedNode(ATMP + "acceptedDate"), ox.NamedNode(ATMP + "firstReported")
    unaccepted = [r for r in listed if not any(store.quads_for_pattern(r, accepted, None))]
    undated = [r for r in unaccepted if not any(store.quads_for_pattern(r, reported, None))]
    for reviews, lacking, how in (
        (
            [r for r in unaccepted if r not in undated],
            "no recorded acceptance",
            "each counts from the day its first source was issued (atmp:firstReported; the first "
            "day of its month or year where no day is given), not from its filing",
        ),
        (undated, "neither a recorded acceptance nor a dated source", "each counts from any day"),
    ):
        if not reviews:
            continue
        names = [shorten(r.value) for r in reviews[:NAMED_IN_A_NOTE]]
        more = f" and {len(reviews) - len(names)} more" if len(reviews) > len(names) else ""
        counted = "1 review listed has" if len(reviews) == 1 else f"{len(reviews)} reviews listed have"
        notes.append(
            f"seen from {as_of.value}, {counted} {lacking} ({', '.join(names)}{more}): {how}"
        )
    return notes


class DataAsOf(NamedTuple):
    """The data's as-of day (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, None where no source is
    dated), what it is the newest source of, and the newest source the imports cite where it is
    later (None otherwise): what ``atmpkg stats`` and the review queries' notes say."""

    day: str | None
    #: whose sources ``day`` is the newest of: "the curated data" (with imports citing later
    #: ones), "your imports" (a store whose curated data cites no dated source, one built from
    #: an export), or "it", the graph (an endpoint's, or a store without imports)
    of: str
    imports: str | None = None

    def whose(self) -> str:
        """What the day is the newest source document of, as the notes and ``atmpkg stats`` say.

        >>> DataAsOf("2026-10-30", "your imports").whose()
        'the newest source document your imports cite'
        """
        return f"the newest source document {self.of} {'cite' if self.of == IMPORTS else 'cites'}"

    def said(self) -> str:
        """The day with what it is, as the notes and ``atmpkg stats`` say it.

        >>> DataAsOf("2026-10-30", "the curated data", "2026-12-07").said()
        '2026-10-30 (the newest source document the curated data cites); your imports cite sources up to 2026-12-07'
        """
        said = f"{self.day} ({self.whose()})"
        return said + (f"; your imports cite sources up to {self.imports}" if self.imports else "")


#: What :attr:`DataAsOf.of` says when the data's day is the newest source the imports cite.
IMPORTS = "your imports"


def data_dates(store: ox.Store, info: Mapping | None = None) -> DataAsOf:
    """The data's as-of day of ``store``, as :class:`DataAsOf`: read from ``info``, the build's
    record (``build.json``), which holds the day of the sources the curated data cites, so that an
    import's source does not move it (newuser28 F2), and the newest its imports cite, which is
    the data's day where the curated data cites no dated source (:data:`IMPORTS`); found in
    the graph otherwise (a build made before builds recorded it, and any endpoint's graph, which
    others may write to after a push), of every source it holds. Either may hold any text an
    imported source or a writer of the endpoint gave: its leading date is read (``2026-11-02Z``,
    a date with a time zone, is 2026-11-02), and where it has none of the years 0001 to 9999
    (``99999``) the newest date of the graph's sources that has one stands.

    >>> handle = atmpkg.graph.open_store()
    >>> data_dates(handle.store, handle.info) == data_dates(handle.store)
    True
    >>> data_dates(handle.store, {"data_as_of": "2026-10-30", "imports_as_of": "2026-12-07"}).said()
    '2026-10-30 (the newest source document the curated data cites); your imports cite sources up to 2026-12-07'
    """
    from ..store.build import newest_source
    from ..store.remote import RemoteStore

    # others may write to an endpoint's graph after a push: its day is read from the graph
    # itself, not from the pushed build's record (rev27 F3)
    if info is not None and "data_as_of" in info and not isinstance(store, RemoteStore):
        # the day is the curated data's, which is the graph's unless the imports cite later
        # sources (a build made before builds told them apart recorded the graph's)
        day = _readable_day(store, info["data_as_of"])
        imports = info.get("imports_as_of")
        if imports and day is None:
            # a store made of imports alone (an export imported into an empty store): their
            # sources' day is the data's (joints31 F4: stats said no source states its date)
            return DataAsOf(_leading_date(str(imports)), IMPORTS)
        if imports:
            return DataAsOf(day, "the curated data", _leading_date(str(imports)))
        return DataAsOf(day, "it")
    return DataAsOf(_readable_day(store, newest_source(store)), "it")


def data_as_of(store: ox.Store, info: Mapping | None = None) -> str | None:
    """The data's as-of day (see :func:`data_dates`): the issue date of the newest source document
    the curated data of ``store`` cites, as ``atmpkg stats`` says (``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``): the data reflects nothing later. None where no source is dated.

    >>> from atmpkg.graph.display.explore import packaged_data_as_of
    >>> handle = atmpkg.graph.open_store()
    >>> data_as_of(handle.store, handle.info) == data_as_of(handle.store) == packaged_data_as_of()
    True
    """
    return data_dates(store, info).day


def _readable_day(store: ox.Store, recorded: object) -> str | None:
    """The date ``recorded`` (a build's record or the graph's newest issue date) starts with;
    where it starts with none, the newest of the graph's sources that does."""
    if recorded is None:
        return None
    day = _leading_date(str(recorded))
    if day is not None:
        return day
    # a year past 9999 sorts above every other: the newest source with a day the notes compare
    rows = store.query(_NEWEST_READABLE, prefixes=PREFIXES)
    return next((_leading_date(row["issued"].value) for row in rows if row["issued"] is not None), None)


#: The newest issue date of a source that starts with a year of four digits (``99999`` does not).
_NEWEST_READABLE = (
    "SELECT (MAX(STR(?stated)) AS ?issued) WHERE { ?s a atmp:Source ; atmp:issuedStated ?stated "
    'FILTER(REGEX(STR(?stated), "^[0-9]{4}(-[0-9]{2}){0,2}([^0-9].*)?$") && !STRSTARTS(STR(?stated), "0000")) }'
)


def _leading_date(text: str) -> str | None:
    """The date ``text`` starts with, ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, cut to the part
    that is a date of the years 0001 to 9999 (a time zone or a time after it dropped); None where
    it starts with none.

    >>> _leading_date("2026-11-02Z"), _leading_date("2026-02-30"), _leading_date("99999")
    ('2026-11-02', '2026-02', None)
    """
    found = re.match(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?![0-9])", text)
    if found is None or found[1] == "0000":
        return None
    year, month, day = found.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    if day is None:
        return f"{year}-{month}"
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return f"{year}-{month}"


def _data_as_of_notes(result: QueryResult, store: ox.Store, info: Mapping | None) -> list[str]:
    """A note when ``result``, an answer of pending-reviews or regulatory-calendar, looks to a day
    (its ``as_of``, or the end of its period) after the data's as-of day: a review filed, decided
    or given its date since is not in the graph, and a short calendar is no outlook (newuser26
    F10)."""
    days = [
        result.parameters[name].value
        for name in ("as_of", "to")
        if isinstance(result.parameters.get(name), ox.Literal)
    ]
    dates = data_dates(store, info)
    newest = dates.day
    if not days or newest is None:
        return []
    looks = max(days)
    if looks <= _period_day(newest, True, "the data's as-of day"):  # a month or year: its last day
        return []
    reviews = next(
        iter(store.query("SELECT (COUNT(?r) AS ?n) WHERE { ?r a atmp:RegulatoryReview }", prefixes=PREFIXES))
    )["n"].value
    held = "no review" if reviews == "0" else counted(int(reviews), "review")
    # a source an import cites is no sign that the curated reviews are newer (newuser28 F2)
    imports = f"; your imports cite sources up to {dates.imports}" if dates.imports else ""
    return [
        f"the data is as of {newest} ({dates.whose()}) and this "
        f"answer looks to {looks}: a review filed, decided or given a date after {newest} is not "
        f"in it ({held} in the graph){imports}"
    ]


def _unreported_notes(result: QueryResult, store: ox.Store, as_of: ox.Literal) -> list[str]:
    """A note naming the reviews ``result`` leaves out only because they were first reported
    after ``as_of``: no outcome by then, of the agency bound, and due in the period bound (the
    other conditions of pending-reviews and regulatory-calendar, which hold for them all)."""
    bound = {ox.Variable("as_of"): as_of}
    for name in ("agency", "from", "to"):
        if result.parameters.get(name) is not None:
            bound[ox.Variable(name)] = result.parameters[name]
    period = ""
    if ox.Variable("from") in bound and ox.Variable("to") in bound:
        period = (
            "?review atmp:goalDate ?day ; atmp:goalDateEnd ?end "
            "FILTER(?day <= ?to && ?end >= ?from && ?end >= ?as_of)"
        )
    rows = store.query(
        # the engine substitutes only variables the query selects
        f"SELECT ?review ?first {' '.join(str(v) for v in bound)} WHERE {{ "
        "?review a atmp:RegulatoryReview ; atmp:agency ?agency ; "
        f"atmp:firstReported ?first FILTER(?first > ?as_of) {period} "
        "FILTER NOT EXISTS { ?review atmp:outcomeDateEnd ?decidedBy FILTER(?decidedBy <= ?as_of) } "
        "} ORDER BY ?first ?review",
        prefixes=PREFIXES,
        substitutions=bound,
    )
    left = [(row["review"].value, row["first"].value) for row in rows]
    if not left:
        return []
    named = [f"{shorten(review)} on {first}" for review, first in left[:_FEW]]
    more = f" and {len(left) - len(named)} more" if len(left) > len(named) else ""
    counted, each = ("1 review", "it") if len(left) == 1 else (f"{len(left)} reviews", "each")
    return [
        f"seen from {as_of.value}, {counted} with no recorded acceptance "
        f"{'is' if len(left) == 1 else 'are'} left out, first reported later "
        f"({', '.join(named)}{more}): {each} counts from the day its first source was issued "
        "(the first day of its month or year where no day is given)"
    ]


def _uncounted_milestones(result: QueryResult, store: ox.Store) -> list[str]:
    """A note naming the deals ``result``, an answer of deals-above-value, leaves out only
    because no total is stated while what they pay at signing or closing (upfront payment plus
    equity purchase, ``atmp:valueAtLeastUSD``) plus milestones reaches ``min_value`` (newuser27
    F4: Vertex–CRISPR 2021, 900M + 200M, was left out of the deals above 1B without a word): in
    the period bound, counted at that non-contingent part, which is below ``min_value`` or, where
    no upfront payment or equity purchase is stated, none (at ``min_value`` 0 too).

    >>> found = atmpkg.open().named("deals-above-value", min_value=1e9, **{"from": "2020"})
    >>> print(_uncounted_milestones(found, atmpkg.graph.open_store().store)[0][:96])
    2 deals with no stated total are left out though their upfront payment and equity purchase plus
    """
    bound = {
        ox.Variable(name): result.parameters[name]
        for name in ("min_value", "from", "to")
        if result.parameters.get(name) is not None
    }
    if ox.Variable("min_value") not in bound:
        return []
    rows = store.query(
        # the engine substitutes only variables the query selects; with no total stated, what a
        # deal is worth at least is its upfront payment plus its equity purchase
        f"SELECT ?deal ?up ?ms {' '.join(str(v) for v in bound)} WHERE {{ "
        "?deal a atmp:Deal ; atmp:date ?start ; atmp:dateEnd ?end ; atmp:milestonesUSD ?ms "
        "FILTER NOT EXISTS { ?deal atmp:valueUSD ?total } "
        "OPTIONAL { ?deal atmp:valueAtLeastUSD ?up } "
        # one with no upfront or equity stated is left out at any min_value, 0 too (newuser30 F7)
        "FILTER((!BOUND(?up) || ?up < ?min_value) && COALESCE(?up, 0) + ?ms >= ?min_value "
        "&& ?end >= COALESCE(?from, ?end) && ?start <= COALESCE(?to, ?start)) "
        "} ORDER BY ?start ?deal",
        prefixes=PREFIXES,
        substitutions=bound,
    )
    left = [(row["deal"].value, row["up"], row["ms"]) for row in rows]
    if not left:
        return []

    def money(term: ox.Literal) -> str:
        return f"{decimal.Decimal(term.value):,.0f}"

    named = [
        f"{shorten(deal)}: {money(up) if up is not None else 'no upfront or equity stated'} "
        f"+ {money(ms)}"
        for deal, up, ms in left[:_FEW]
    ]
    more = f" and {len(left) - len(named)} more" if len(left) > len(named) else ""
    one = len(left) == 1
    upfront = [decimal.Decimal(up.value) for _, up, _ in left if up is not None]
    # a deal with nothing stated at signing or closing is worth at least nothing known: no
    # min_value lists it
    listed = (
        f"; a min_value of {min(upfront):,.0f} lists {'it' if one else 'them'}, with upfrontUSD, "
        "equityUSD and milestonesUSD"
        + (
            ""
            if len(upfront) == len(left)
            else " (one with no upfront payment or equity purchase stated, none)"
        )
        if upfront
        else "; none lists it, as no upfront payment or equity purchase is stated"
    )
    return [
        f"{'1 deal' if one else f'{len(left)} deals'} with no stated total "
        f"{'is' if one else 'are'} left out though {'its' if one else 'their'} upfront payment "
        f"and equity purchase plus milestones reach {money(bound[ox.Variable('min_value')])} "
        f"({'; '.join(named)}{more}): a deal with no stated total is counted at its upfront "
        "payment plus its equity purchase (atLeastUSD), as milestones are paid only when "
        f"met{listed}"
    ]


def _unstated_amounts(result: QueryResult, store: ox.Store) -> list[str]:
    """A note counting the deals in the period of ``result``, an answer of deals-above-value, that
    state no total, upfront payment or equity purchase, so that no ``min_value`` lists them, 0
    included (newuser30 F7: 35 of the 101 curated deals went without a word), naming the first
    and giving the query that lists them all (a deal among them whose milestones reach
    ``min_value`` is named by :func:`_uncounted_milestones` too).

    >>> found = atmpkg.open().named("deals-above-value", min_value=0)
    >>> print(_unstated_amounts(found, atmpkg.graph.open_store().store)[0][:71])
    35 deals state no total, upfront payment or equity purchase, so no min_
    """
    bounds = {
        name: result.parameters[name]
        for name in ("from", "to")
        if isinstance(result.parameters.get(name), ox.Literal)
    }
    # the period as the query takes it: a deal whose dates overlap it
    period = " && ".join(
        f"?{end} {compared} {_literal(bounds[name])}"
        for name, end, compared in (("from", "end", ">="), ("to", "start", "<="))
        if name in bounds
    )
    listing = (
        "SELECT ?deal ?date ?milestonesUSD WHERE { ?deal a atmp:Deal ; atmp:dateStated ?date ; "
        "atmp:date ?start ; atmp:dateEnd ?end FILTER NOT EXISTS { ?deal atmp:valueAtLeastUSD "
        f"?usd }}{f' FILTER({period})' if period else ''} OPTIONAL {{ ?deal atmp:milestonesUSD "
        "?milestonesUSD } } ORDER BY ?start ?deal"
    )
    left = [row["deal"].value for row in store.query(listing, prefixes=PREFIXES)]
    if not left:
        return []
    named = [shorten(deal) for deal in left[:_FEW]]
    more = f" and {len(left) - len(named)} more" if len(left) > len(named) else ""
    one = len(left) == 1
    counted = f"{'1 deal' if one else f'{len(left)} deals'}{' in the period' if period else ''}"
    return [
        f"{counted} {'states' if one else 'state'} no total, upfront payment or equity purchase, "
        f"so no min_value lists {'it' if one else 'them'} ({', '.join(named)}{more}); this "
        f"query lists {'it' if one else 'them'}: {listing}"
    ]


def _literal(term: ox.Literal) -> str:
    """``term`` as SPARQL text, an ``xsd:`` datatype by its prefixed name.

    >>> _literal(ox.Literal("2020-01-01", datatype=ox.NamedNode(XSD + "date")))
    '"2020-01-01"^^xsd:date'
    """
    if term.datatype.value.startswith(XSD) and not term.language:
        return f'"{term.value}"^^xsd:{term.datatype.value[len(XSD):]}'
    return str(term)


def _label(entity: ox.NamedNode, store: ox.Store) -> str | None:
    """The label of ``entity``, the first in order if it has several."""
    labels = sorted(q.object.value for q in store.quads_for_pattern(entity, ox.NamedNode(RDFS + "label"), None))
    return labels[0] if labels else None


def _default_day(default: str, bindings: Mapping[str, Term]) -> str | None:
    """A date parameter's declared default as a day: ``today``; ``as_of`` (the day bound to
    ``as_of``); ``today-1y`` or ``from+1y`` (the same day a year before today or after the day
    bound to ``from``; 29 February becomes 28 February); None, left unbound, when the parameter
    it counts from is; or the date it gives.

    >>> _default_day("from+1y", {"from": ox.Literal("2024-02-29", datatype=XSD_DATE)})
    '2025-02-28'
    >>> _default_day("as_of", {"as_of": ox.Literal("2025-01-01", datatype=XSD_DATE)})
    '2025-01-01'
    """
    if default == "today":
        return queries.today().isoformat()
    shift = queries.Shift.parse(default)
    if shift is None:
        return default
    if shift.base == "today":
        start = queries.today()
    elif shift.base in bindings:
        start = datetime.date.fromisoformat(bindings[shift.base].value)
    else:
        return None
    return shift.apply(start).isoformat()


def _off_calendar(shifted: str) -> str:
    """How a message says that ``shifted``, a count of years from a day, leaves the calendar.

    >>> _off_calendar("from+1y")
    'a day past the last one a date can have (9999-12-31)'
    """
    if "-" in shifted:
        return "a day before the first one a date can have (0001-01-01)"
    return "a day past the last one a date can have (9999-12-31)"


def _given_day(value: str, where: str) -> str:
    """A date given as ``today`` or as whole years before or after it (``today-1y``), the words
    of a header's default, in any case (``TODAY``, ``today-1Y``), as the day it stands for; any
    other value as it is. Years that leave the calendar (before year 1, past 9999) are refused
    with the most there are.

    >>> _given_day("today", "from") == queries.today().isoformat(), _given_day("2024-02", "from")
    (True, '2024-02')
    >>> _given_day("TODAY-0Y", "from") == queries.today().isoformat()
    True
    >>> _given_day("today-6m", "parameter 'from'")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'from' counts from today in whole years, as in today-1y or today+2y, got 'today-6m'
    >>> _given_day("today+99999y", "parameter 'to'")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'to' is today+99999y, a day past the last one a date can have (9999-12-31): count at most ... years after today, or give a date YYYY-MM-DD
    """
    # read case-blind, as slugs are (newuser25 F25: TODAY and today-1Y were refused)
    word = value.lower() if value[:5].lower() == "today" else value
    shift = queries.Shift.parse(word)
    counted = re.fullmatch(r"today([+-])(?:0|[1-9][0-9]*)y", word)
    if counted and (shift is None or not 1 <= queries.today().year + shift.years <= 9999):
        most, way = (
            (queries.today().year - 1, "before")
            if counted[1] == "-"
            else (9999 - queries.today().year, "after")
        )
        raise ParameterError(
            f"{where} is {cut(value)}, {_off_calendar(word)}: count at most {most:,} years "
            f"{way} today, or give a date YYYY-MM-DD"
        )
    if shift is not None and shift.base == "today":
        return _default_day(word, {})
    if word.startswith("today"):
        raise ParameterError(
            f"{where} counts from today in whole years, as in today-1y or today+2y, got {value!r}"
        )
    return value


def _as_text(param: queries.Param, value: object) -> str | ox.NamedNode:
    """A parameter value given in Python as the text :func:`coerce` reads, so that a term or a
    Python value is checked against the declared type as text from the command line is: an IRI
    or a literal by its text, a number, date or boolean in its XSD form (:func:`_number` reads a
    float's repr, exponent included). An IRI given for an ``iri`` parameter is kept as it is."""
    if isinstance(value, str):
        return unicode_text(value, f"parameter '{param.name}'")
    if isinstance(value, ox.NamedNode):
        return value if param.type == "iri" else value.value
    if isinstance(value, ox.Literal):
        return value.value
    if (
        isinstance(value, datetime.datetime)
        and value.tzinfo is None
        and not any((value.hour, value.minute, value.second, value.microsecond))
    ):
        return value.date().isoformat()  # a midnight timestamp, as pandas gives a date
    term = as_term(value, param.name)
    if not isinstance(term, ox.Literal):
        raise ParameterError(f"parameter '{param.name}' must be a {param.type}, got {term}")
    return term.value


_SCALARS = ("integer", "decimal")
#: A number as SPARQL and Turtle write one (INTEGER, DECIMAL, DOUBLE, with a sign), its digits
#: grouped by single underscores between them (1_000_000_000) as Python writes them, none in the
#: exponent: Decimal() read "_1", "1_", "1__0" and "1e1_0" (1e10) without a word (sec32 F7).
_DIGITS = "[0-9]+(?:_[0-9]+)*"
_NUMBER_FORM = re.compile(
    rf"[+-]?(?:(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})[eE][+-]?[0-9]+"
    rf"|(?:{_DIGITS})?\.{_DIGITS}|{_DIGITS})"
)


def _number(value: str, kind: str, where: str) -> str:
    """``value`` read as an integer or decimal number, in its canonical form: a number as SPARQL
    writes one (digits with an optional sign and point, or an exponent: ``1e9``, ``2.5E6``), a
    single ``_`` allowed between two digits before the exponent (``1_000_000``). A number
    the engine holds no number of is refused, by the rule that refuses one in an import
    (:func:`~atmpkg.graph.store.csvdata.engine_holds`): the query would compare it with nothing
    and answer no rows without a word (sec31 F2).

    >>> _number("1e-18", "decimal", "parameter 'min_value'")
    '0.000000000000000001'
    >>> _number("1_000_000", "integer", "parameter 'n'")
    '1000000'
    >>> _number("1e1_0", "decimal", "parameter 'min_value'")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'min_value' must be a decimal such as 1000000000, 1e9 or 2.5, got '1e1_0'
    >>> _number("1e-19", "decimal", "parameter 'min_value'")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'min_value' is '1e-19', past what the engine holds as a number: an xsd:decimal at most 170141183460469231731.687303715884105727 either side of zero (about 1.7e20), with at most 18 decimal places; a query compares a number past that with nothing, so the answer would be empty: give one within that
    """
    number = (
        decimal.Decimal(value.replace("_", "")) if _NUMBER_FORM.fullmatch(value) else None
    )
    if (
        number is None
        or not number.is_finite()
        or (kind == "integer" and number != number.to_integral_value())
    ):
        raise ParameterError(
            f"{where} must be {indefinite(kind)} such as "
            f"{'2' if kind == 'integer' else '1000000000, 1e9 or 2.5'}, got {value!r}"
        )
    if number.is_zero():
        return "0"
    check_digits(number, where, value, XSD + kind)
    text = decimal_text(number)
    if not engine_holds(ox.Literal(text, datatype=ox.NamedNode(XSD + kind))):
        raise beyond_engine(where, value, XSD + kind)
    return text


XSD_DATE = ox.NamedNode(XSD + "date")


def _day(value: str, wrong: str) -> str:
    """``value`` when it is a calendar day written ``YYYY-MM-DD`` (not one of the other forms
    Python's ``fromisoformat`` reads, such as ``20230101``, which are no ``xsd:date``)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ParameterError(f"{wrong}, got {value!r}")
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        year, month, day = map(int, value.split("-"))
        if year < 1:
            raise ParameterError(f"{wrong}, got {value!r}: years start at 0001") from None
        if not 1 <= month <= 12:
            raise ParameterError(f"{wrong}, got {value!r}: there is no month {month}") from None
        last = calendar.monthrange(year, month)[1]
        raise ParameterError(
            f"{wrong}, got {value!r}: {calendar.month_name[month]} {year} has {last} days"
        ) from None


def _period_day(value: str, last: bool, where: str) -> str:
    """The day a bound of a period stands for: a day as it is; a month (``2023-07``) or a year
    (``2023``) as its first day, or with ``last`` its last day.

    >>> _period_day("2024-02", True, "to"), _period_day("2023", False, "from")
    ('2024-02-29', '2023-01-01')
    >>> _period_day("0000", False, "from")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: from must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY from 0001, got '0000'
    """
    wrong = f"{where} must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY"
    if re.fullmatch(r"0000(?:-[0-9]{2})?", value):  # no day of year 0 is an xsd:date here
        raise ParameterError(f"{wrong} from 0001, got {value!r}")
    if re.fullmatch(r"[0-9]{4}", value):
        return f"{value}-12-31" if last else f"{value}-01-01"
    month = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
    if month:
        year, number = int(month[1]), int(month[2])
        if not 1 <= number <= 12:
            raise ParameterError(f"{wrong}, got {value!r}")
        day = calendar.monthrange(year, number)[1] if last else 1
        return f"{value}-{day:02d}"
    return _day(value, wrong)


def coerce(param: queries.Param, value: str | ox.NamedNode, store: ox.Store) -> Term:
    """Read ``value`` as the declared type of ``param``; entity kinds are looked up in ``store``.

    >>> coerce(queries.Param("n", "integer", None, True, ""), "1_000", ox.Store())
    <Literal value=1000 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    """
    if isinstance(value, ox.NamedNode):
        return value
    kind = param.type
    where = f"parameter '{param.name}'"
    if kind in _SCALARS:
        return ox.Literal(_number(value, kind, where), datatype=ox.NamedNode(XSD + kind))
    if kind == "date":
        return ox.Literal(_day(value, f"{where} must be a date YYYY-MM-DD"), datatype=XSD_DATE)
    if kind == "string":
        return ox.Literal(value)
    if kind == queries.ANY_ENTITY:
        return ox.NamedNode(resolve_entity(value, store))
    if kind == "iri":
        term = parse_term(f"<{value}>" if value.startswith(("http://", "https://")) else value)
        if not isinstance(term, ox.NamedNode):
            raise ParameterError(
                f"{where} must be an IRI (<https://…> or prefix:name), got {value!r}"
            )
        return term
    if kind not in KINDS:
        raise ParameterError(f"{where} has unknown type '{kind}' in the query header")
    return resolve_entity_of_kind(kind, value, store, where, optional=not param.required)


def unknown_names(tokens: Sequence[gate.Token], store) -> list[str]:
    """Notes on the entities and concept values a query names by a predeclared prefix
    (``company:juno``, ``modality:cart``) or their IRIs that name nothing in the graph, or a
    retired IRI, each with the names
    nearest to it: a pattern on one matches nothing and a FILTER against one keeps every row,
    without an error, whatever the answer. At most a few names are looked up; a query that
    declares the prefix itself is left alone.

    >>> from atmpkg.graph.engine.gate import tokenize
    >>> text = "SELECT * { ?t atmp:modality modality:cart , modality:CAR-T , modality:car-t }"
    >>> for note in unknown_names(tokenize(text), atmpkg.graph.open_store().store):
    ...     print(note)
    modality:cart names nothing in the graph (did you mean modality:car-t?): nothing matches it
    modality:CAR-T names nothing in the graph: modality:car-t does (slugs are lower case)

    An IRI written with ``http:`` or a '/' after it is offered the graph's, saying why:

    >>> slip = tokenize("SELECT * { <https://w3id.org/atmp-kg/id/therapy/kymriah/> ?p ?o }")
    >>> unknown_names(slip, atmpkg.graph.open_store().store)
    ["<https://w3id.org/atmp-kg/id/therapy/kymriah/> names nothing in the graph (did you mean therapy:kymriah? The graph's IRIs end without a '/'): nothing matches it"]
    """
    declared = gate.declared_prefixes(tokens)
    names, written = [], {}
    slips: dict[str, tuple[str, str]] = {}  # as the graph writes it: as written, and why
    for token in tokens:
        mended = graph_iri(token.text[1:-1]) if token.kind == "iri" else None
        if mended:
            # newuser25 F22: copied from a browser's address bar, or with http:, it answered
            # nothing without a word
            name = shorten(mended[0])
            if name.partition(":")[0] in KIND_PREFIXES:
                slips.setdefault(name, (token.text, mended[1].rstrip(".")))
        elif token.kind == "iri" and token.text.startswith("<" + ID):
            # an IRI kept from an answer or an export, as a prefixed name (rev23 6)
            name = shorten(token.text[1:-1])
            if name.partition(":")[0] in KIND_PREFIXES:
                names.append(name)
                written.setdefault(name, token.text)
        elif (
            token.kind == "pname"
            and token.text.partition(":")[0] in KIND_PREFIXES
            and token.text.partition(":")[0] not in declared
        ):
            names.append(token.text)
    notes = [f"{written.get(name, name)} {told}" for name, told in nothing_named(names, store)]
    for name, (text, why) in list(slips.items())[:_MOST_LOOKED_UP]:
        if _subject(store, ox.NamedNode(text[1:-1])):  # an import's own IRI, so written
            continue
        told = nothing_named([name], store)
        notes.append(
            f"{text} {told[0][1]}"
            if told
            else f"{text} names nothing in the graph (did you mean {name}? {why}): nothing matches it"
        )
    return notes


def binding_hint(text: str, word: str, how: str = "") -> str | None:
    """What to write instead of ``word`` (``x=target:bcma``), given beside the SPARQL ``text``,
    when it names a variable of the query or a parameter its header declares: ``-p`` binds it,
    as the HTTP door says of ``x=`` beside ``query=`` (joints23 F8). ``how`` comes after the
    hint (`` on the %%sparql line``); None when ``word`` is no such slip.

    >>> binding_hint("SELECT ?t ?x WHERE { ?t atmp:target ?x }", "x=target:bcma")
    '?x is a variable of the query: to bind it, give it as -p x=target:bcma'
    >>> binding_hint("SELECT ?t WHERE { ?t ?p ?o }", "x=target:bcma") is None
    True
    """
    name, given, value = word.partition("=")
    if not given or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return None
    shown = shlex.quote(f"{name}={value}")
    try:
        declared = {p.name for p in queries.parse("text", text, "the query text").params}
        variables = {t.text[1:] for t in gate.tokenize(text) if t.kind == "var"}
    except AtmpkgError:
        return None  # a text in error is told so where it runs
    if name in declared:
        return (
            f"{name} is a parameter of the query text (its param: header): give it as "
            f"-p {shown}{how}"
        )
    if name in variables:
        return f"?{name} is a variable of the query: to bind it, give it as -p {shown}{how}"
    return None

"""Named SPARQL queries shipped with ATMP-KG, one ``.rq`` file each, plus the build's rules and checks.

A named query starts with a header of ``#`` lines::

    # summary: Approvals per agency and year
    # param: agency agency -  The regulator (slug such as fda); every agency when omitted
    # param: min_value decimal 500000000  Smallest deal value in USD

A ``param:`` line gives the parameter's name (a variable the SELECT clause returns), its type (an
entity kind such as ``company`` or ``agency``, ``entity`` for an entity of any kind, or ``string``,
``integer``, ``decimal``, ``date``, ``iri``), its default (``-`` = optional, left unbound; ``*`` =
required) and a description. A date's default may be ``today`` (the day the query runs, on the
clock of the machine that runs it), an earlier date parameter (``as_of``: the day it is bound to),
or a number of years before or after either (``today-1y``; ``from+1y``: the same day a year after
``from``). A ``distinct:`` line
names parameters that must not name the same entity (``distinct: company other``). A ``period:``
line names two date parameters that bound a period (``period: from to``): each may then be given
as a month (``2023-07``) or a year (``2023``), the first parameter meaning its first day and the
second its last, and a period that ends before it starts is refused.

>>> q = load("approvals-by-agency-year")
>>> q.summary
'Approvals per agency and year, with how many products each first approved and how many label expansions.'
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import functools
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..graph.errors import (
    DataError,
    ParameterError,
    UnknownNameError,
    cut,
    described,
    suggest,
)
from ..graph.terms import KINDS

SCALAR_TYPES = ("string", "integer", "decimal", "date", "iri")
#: The parameter type of an entity of any kind, named as ``atmpkg show`` names one.
ANY_ENTITY = "entity"
_TYPES = (*SCALAR_TYPES, ANY_ENTITY, *KINDS)


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    default: str | None
    required: bool
    description: str

    @property
    def default_text(self) -> str:
        """The default as a person reads it: ``required``, ``optional``, ``default today``,
        ``default as_of``, ``default 1 year after from`` or ``default`` and the value.

        >>> Param("to", "date", "from+1y", False, "Last day").default_text
        'default 1 year after from'
        >>> Param("from", "date", "as_of", False, "First day").default_text
        'default as_of'
        >>> Param("from", "date", "today-2y", False, "First day").default_text
        'default 2 years before today'
        """
        if self.required:
            return "required"
        if self.default is None:
            return "optional"
        shift = Shift.parse(self.default) if self.type == "date" else None
        return f"default {shift.text if shift else self.default}"


@dataclass(frozen=True)
class NamedQuery:
    """A named query: its name, summary, parameters and SPARQL text."""

    name: str
    summary: str
    params: tuple[Param, ...]
    text: str
    #: groups of parameters that must not be given the same value
    distinct: tuple[tuple[str, ...], ...] = ()
    #: pairs of date parameters, (first day, last day), that bound a period
    periods: tuple[tuple[str, str], ...] = ()
    #: how messages name the query, where its name would not tell (text piped in, a file)
    called: str = ""

    @property
    def title(self) -> str:
        """How messages name the query.

        >>> load("regulatory-calendar").title
        "query 'regulatory-calendar'"
        >>> parse("text", "SELECT * {}", called="the query text").title
        'the query text'
        """
        return self.called or f"query '{self.name}'"

    def param(self, name: str) -> Param:
        """The declared parameter ``name``; an unknown name raises with the closest names.

        >>> load("regulatory-calendar").param("to").default
        'from+1y'
        """
        for p in self.params:
            if p.name == name:
                return p
        raise UnknownNameError(
            "parameter",
            name,
            [p.name for p in self.params],
            (
                "Its parameters are: " + ", ".join(p.name for p in self.params) + "."
                if self.params
                else f"{self.title[0].upper()}{self.title[1:]} takes no parameters."
            ),
            of=self.title,
        )


#: Years from a day: any count a date can hold, which is four digits at most (a date's years run
#: from 1 to 9999); two digits at most refused today-100y (sec24 L2).
#: No years at all, or none counted (``today-0y``, newuser25 F25): the base's own day (newuser25
#: F23: regulatory-calendar's period starts on the day it is seen from, ``from date as_of``).
_SHIFT = re.compile(r"(?P<base>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<years>[+-](?:0|[1-9][0-9]{0,3}))y)?")


@dataclass(frozen=True)
class Shift:
    """A date default that counts whole years from ``today`` or from an earlier date parameter
    (``base``), or none: ``today-1y``, ``from+1y``, ``as_of``. The one reader of that form, for
    the check of a query's header, the text people read and the day a query binds.

    >>> Shift.parse("from+1y"), Shift.parse("today-100y"), Shift.parse("as_of")
    (Shift(base='from', years=1), Shift(base='today', years=-100), Shift(base='as_of', years=0))
    >>> Shift.parse("today-0y")
    Shift(base='today', years=0)
    >>> Shift.parse("2024-01-01") is None
    True
    """

    base: str
    years: int  # negative: before the base

    @classmethod
    def parse(cls, default: str) -> Shift | None:
        """The shift ``default`` spells, or None when it spells none."""
        found = _SHIFT.fullmatch(default)
        return cls(found["base"], int(found["years"] or 0)) if found else None

    @property
    def text(self) -> str:
        """As a person reads it.

        >>> Shift("today", -2).text, Shift("as_of", 0).text
        ('2 years before today', 'as_of')
        """
        if not self.years:
            return self.base
        count = abs(self.years)
        way = "after" if self.years > 0 else "before"
        return f"{count} year{'s' if count > 1 else ''} {way} {self.base}"

    def apply(self, start: datetime.date) -> datetime.date:
        """The same day ``years`` from ``start``; 29 February becomes 28 February.

        >>> Shift("from", 1).apply(datetime.date(2024, 2, 29))
        datetime.date(2025, 2, 28)
        """
        year = start.year + self.years
        return start.replace(year=year, day=min(start.day, calendar.monthrange(year, start.month)[1]))


_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z-]+)\s+(?P<default>\S+)\s*(?P<desc>.*)$"
)


def parse(name: str, text: str, origin: str = "", called: str = "") -> NamedQuery:
    """Read a named query's header.

    >>> parse("x", "# summary: Everything\\nSELECT * { ?s ?p ?o }").summary
    'Everything'
    """
    summary = ""
    params: list[Param] = []
    distinct: list[tuple[str, ...]] = []
    periods: list[tuple[int, tuple[str, ...]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        key, colon, value = line[1:].strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        _check_key(key, colon, value, origin or name, number)
        if key == "summary":
            summary = value
        elif key == "distinct":
            distinct.append((number, tuple(value.split())))
        elif key == "period":
            periods.append((number, tuple(value.split())))
        elif key == "param":
            match = _PARAM.match(value)
            if not match:
                raise DataError(
                    origin or name, number, None, "write 'param: NAME TYPE DEFAULT description'"
                )
            default = match["default"]
            if match["type"] not in _TYPES:
                close = suggest(match["type"], _TYPES, 3)
                raise DataError(
                    origin or name,
                    number,
                    None,
                    f"parameter '{cut(match['name'])}' has unknown type '{cut(match['type'])}'"
                    + (f"; did you mean {', '.join(close)}?" if close else ".")
                    + f" The types are {', '.join(SCALAR_TYPES)}, {ANY_ENTITY} and the kinds of "
                    f"entity: {', '.join(KINDS)}",
                )
            if match["type"] == "date" and not _date_default(default, params):
                raise DataError(
                    origin or name,
                    number,
                    None,
                    f"the default of date parameter '{cut(match['name'])}' is {cut(default)!r}: "
                    "write a date, 'today', a date parameter declared above it ('as_of'), or "
                    "years from either ('today-1y', 'from+1y')",
                )
            params.append(
                Param(
                    match["name"],
                    match["type"],
                    None if default in ("-", "*") else default,
                    default == "*",
                    match["desc"],
                )
            )
    dates = {p.name for p in params if p.type == "date"}
    declared = {p.name for p in params}
    # the period and distinct lines name parameters: how many, of which, and how to write them
    lines = [(n, names, 2, dates, "'period: FROM TO', two date") for n, names in periods]
    lines += [
        (n, names, len(names), declared, "'distinct: NAME NAME…', two or more")
        for n, names in distinct
    ]
    for number, names, most, among, usage in lines:
        wrong = [n for n in names if n not in among]
        if wrong or not 2 <= len(names) <= most:
            raise DataError(
                origin or name,
                number,
                None,
                f"write {usage} parameters declared by 'param:' lines"
                + (f" ('{wrong[0]}' is none)" if wrong else ""),
            )
    bounds = tuple((pair[0], pair[1]) for _, pair in periods)
    distinct_names = tuple(names for _, names in distinct)
    return NamedQuery(name, summary, tuple(params), text, distinct_names, bounds, called)


#: The keys of a named query's header lines.
_KEYS = ("summary", "param", "distinct", "period")


def _check_key(key: str, colon: str, value: str, where: str, number: int) -> None:
    """Refuse a header line meant as a key but written wrong, which would otherwise be read as a
    comment and its parameter silently missing: a ``param`` line without its colon (``# param x
    company -  …``), or a key misspelt (``# parm: x company -  …``) before what that key takes.
    Any other comment is prose (``# Distinct sponsors of FDA approvals``, ``# Params: none``)."""
    words = key.split()
    if key in _KEYS or not words:
        return
    told = ""
    if not colon and words[0] == "param" and _takes("param", key[len("param") :].strip()):
        told = "'param' needs its colon ('# param: …'), or the line is read as a comment"
    elif colon and len(words) == 1:
        meant = difflib.get_close_matches(key, _KEYS, 1, 0.8)
        if meant and _takes(meant[0], value):
            told = (
                f"'{key}:' is no header key; did you mean '{meant[0]}:'? The keys are "
                f"{', '.join(k + ':' for k in _KEYS)}"
            )
    if told:
        raise DataError(where, number, None, told)


def _takes(key: str, value: str) -> bool:
    """Whether ``value`` reads as what header key ``key`` takes."""
    if key == "param":
        match = _PARAM.match(value)
        return bool(match) and match["type"] in _TYPES
    if key in ("distinct", "period"):
        return len(value.split()) >= 2 and all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in value.split())
    return bool(value)


def assignments(items: Iterable[str], option: str) -> dict[str, str]:
    """Parameters given as ``NAME=VALUE`` items with ``option`` (``-p`` on the command line and in
    ``%%sparql``, ``p=`` over HTTP), each name once; the value is the text after the first ``=``.

    >>> assignments(["company=Big Pharma", "to=2024=12"], "-p")
    {'company': 'Big Pharma', 'to': '2024=12'}
    >>> assignments(["year=1", "year=2"], "p=")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: parameter 'year' given twice with p=; give it once
    """
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"{option} takes NAME=VALUE, got {item!r}")
        if name in params:
            raise ParameterError(f"parameter '{name}' given twice with {option}; give it once")
        params[name] = value
    return params


def parameter_hint(name: str, word: str, how: str = "") -> str | None:
    """What to write instead of ``word`` when it is meant as a parameter of the named query
    ``name``: an option spelt like the parameter (``--target``, ``--target=bcma``), or the
    parameter without ``-p`` (``target=bcma``). ``how`` comes before ``-p`` (``--name NAME `` when
    the query was not named with ``--name``); None when ``word`` is no such slip. The command
    line and the ``%sparql`` magics say it alike (newuser20 F13, newuser22 F2).

    >>> parameter_hint("products-by-target", "target=bcma")
    'target is a parameter of the named query products-by-target: give it as -p target=bcma'
    >>> parameter_hint("products-by-target", "--tagret")
    'did you mean target, a parameter of the named query products-by-target? Give it as -p target=VALUE'
    """
    parameter, given, value = word.removeprefix("--").partition("=")
    if not parameter:  # '--' or '--=x' names nothing to liken a parameter to (rev22 F9)
        return None
    option = word.startswith("--")
    declared = [p.name for p in load(name).params]
    if parameter in declared and (option or given):
        shown = shlex.quote(f"{parameter}={value}") if given else f"{parameter}=VALUE"
        return f"{parameter} is a parameter of the named query {name}: give it as {how}-p {shown}"
    near = suggest(parameter, declared, 1)
    if not near or not option:
        return None
    shown = shlex.quote(f"{near[0]}={value}") if given else f"{near[0]}=VALUE"
    return (
        f"did you mean {near[0]}, a parameter of the named query {name}? Give it as "
        f"{how}-p {shown}"
    )


def today() -> datetime.date:
    """The day a query runs, on this machine's clock: what a date parameter's ``today`` default
    stands for.

    >>> today() == datetime.date.today()
    True
    """
    return datetime.date.today()


def _date_default(default: str, earlier: list[Param]) -> bool:
    """Whether ``default`` is a date parameter's default: ``-``, ``*``, a date, ``today`` or one
    of the ``earlier`` date parameters, or years before or after either."""
    shift = Shift.parse(default)
    bases = {"today"} | {p.name for p in earlier if p.type == "date"}
    return bool(
        default in ("-", "*")
        or (shift and shift.base in bases)
        or re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", default)
    )


def _folder(sub: str = ""):
    root = resources.files("atmpkg.queries")
    return root.joinpath(sub) if sub else root


def names() -> list[str]:
    """Names of all named queries, sorted.

    >>> names()[:2]
    ['acquirers-by-deal-value', 'agency-lag']
    """
    return sorted(f.name[:-3] for f in _folder().iterdir() if f.name.endswith(".rq"))


def load(name: str) -> NamedQuery:
    """The named query ``name``; an unknown name raises with the closest names.

    >>> [p.name for p in load("company-portfolio").params]
    ['company']
    """
    if not isinstance(name, str):
        raise ParameterError(f"a named query is named by text, got {described(name)}")
    # the folder's listing, not a look for the file: a name longer than a file name may be is
    # unknown like any other (sec20 F3: the file system's error reached the user)
    if name not in names():
        raise UnknownNameError("named query", name, names(), "List them with 'atmpkg queries'.")
    file = _folder().joinpath(f"{name}.rq")
    return _parsed(name, Path(str(file)).stat().st_mtime_ns)


@functools.lru_cache(maxsize=128)
def _parsed(name: str, _mtime_ns: int) -> NamedQuery:
    # Keyed by modification time: an edited query file is read again.
    text = _folder().joinpath(f"{name}.rq").read_text(encoding="utf-8")
    return parse(name, text, f"queries/{name}.rq")


def all_queries() -> list[NamedQuery]:
    """Every named query, sorted by name.

    >>> [q.name for q in all_queries()] == names()
    True
    """
    return [load(n) for n in names()]


def _texts(sub: str, suffix: str) -> list[tuple[str, str]]:
    folder = _folder(sub)
    return sorted(
        (f.name[: -len(suffix)], f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(suffix)
    )


def checks() -> list[tuple[str, str]]:
    """``(name, text)`` of every zero-row check in ``queries/checks``.

    >>> checks()[0][0]
    'approval-complete'
    """
    return _texts("checks", ".rq")


def rules() -> list[tuple[str, str]]:
    """``(name, text)`` of every inference rule (SPARQL Update) in ``queries/rules``, in order.

    >>> [name for name, _ in rules()][:2]
    ['01-has-subsidiary', '02-develops']
    """
    return _texts("rules", ".ru")


def rule_prerequisites(
    rules: Sequence[tuple[str, str]] | None = None,
) -> dict[str, frozenset[str]]:
    """For each rule (default: :func:`rules`), the earlier rules it must run after.

    A rule's header line ``# after: 03-approval 12-agency-first-approval`` names the earlier rules
    whose facts it reads (``# after: -``: none, it reads only the inputs); a rule without the line
    runs after every earlier rule. Any order that keeps these gives the facts of running the rules
    one by one in file order (tests/test_build.py checks each line against what the rules read and
    write).

    >>> rule_prerequisites([("01-a", "# after: -\\nINSERT {} WHERE {}"), ("02-b", "INSERT {} WHERE {}")])
    {'01-a': frozenset(), '02-b': frozenset({'01-a'})}
    """
    rules = list(_texts("rules", ".ru") if rules is None else rules)
    earlier: list[str] = []
    found: dict[str, frozenset[str]] = {}
    for name, text in rules:
        found[name] = frozenset(earlier)
        for number, line in enumerate(text.splitlines(), 1):
            if not line.startswith("#"):
                break
            key, _, value = line[1:].partition(":")
            if key.strip().lower() != "after":
                continue
            named = [] if value.strip() == "-" else value.split()
            unknown = [n for n in named if n not in earlier]
            if unknown or not named and value.strip() != "-":
                raise DataError(
                    f"queries/rules/{name}.ru",
                    number,
                    None,
                    f"'after:' must name earlier rules (or '-' for none), got {value.strip()!r}; "
                    f"the earlier rules are: {', '.join(earlier) or 'none'}",
                )
            found[name] = frozenset(named)
        earlier.append(name)
    return found

"""Entity names: the IRI a researcher means by a label, a brand, a slug, ``kind:slug`` or an IRI.

>>> from atmpkg.graph.store.build import open_store
>>> resolve_entity("kymriah", open_store().store)
'https://w3id.org/atmp-kg/id/therapy/kymriah'
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..agency_names import agencies_beside_places, agency_of_place
from ..errors import (
    ParameterError,
    SeveralEntitiesError,
    UnknownNameError,
    cut,
    described,
    indefinite,
    likeness,
    retired_told,
    suggest,
    unicode_text,
)
from ..rdf import valid_iri
from ..store.remote import require_data
from ..terms import (
    ID,
    KIND_PREFIXES,
    KINDS,
    NAME_PROPERTIES,
    PREFIXES,
    RDFS,
    REPLACED_BY,
    SLUG_RE,
    SOURCES,
    iri,
    kind_prefix,
    named_by,
    shorten,
    without_brackets,
)

log = logging.getLogger("atmpkg")

#: Where :func:`replacement` says what it did: the log, or while :func:`replacements_noted` holds
#: a list, that list, whose notes go with an answer.
_REPLACED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "replaced", default=None
)


def name_text(
    value: object, what: str = "an entity", named_by: str = "a label, slug, kind:slug or IRI"
) -> str:
    """The text that names ``what`` (an entity, or a class): ``value`` itself, or the IRI of a
    ``NamedNode``; anything else is refused, saying what names one (``named_by``).

    >>> name_text(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/kymriah"))
    'https://w3id.org/atmp-kg/id/therapy/kymriah'
    """
    if isinstance(value, ox.NamedNode):
        return value.value
    if not isinstance(value, str):
        raise ParameterError(
            f"{what} is named by text ({named_by}) or a NamedNode, got {described(value)}"
        )
    return unicode_text(value, f"the name of {what}")


def _kind_written_wrong(text: str, written: str, kind: str, rest: str, store: ox.Store) -> None:
    """Raise for ``text``, ``written:rest`` whose kind ``written`` is the entity kind ``kind``
    written wrong (``compny:kite``), the entities of ``kind`` that ``rest`` names or nearly names,
    by kind:slug; return when it names none of them (the text is then read as a name of its own).
    Without this, the whole text was likened to names, and ``compny:kite`` was offered the source
    kind "company" (newuser21 L4).

    >>> _kind_written_wrong("compny:kite", "compny", "company", "kite", atmpkg.graph.open_store().store)
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.UnknownNameError: unknown entity 'compny:kite'; did you mean 'company:kite-pharma'? 'compny' is no kind of entity.
    """
    meant = _meant(kind, rest, store)
    if meant:
        raise UnknownNameError(
            "entity",
            text,
            suggestions=[shorten(m.value) for m in meant],
            hint=f"'{written}' is no kind of entity.",
            entities=[m.value for m in meant],
        )


def _kind_prefix_written_wrong(kind: str, value: str, store: ox.Store) -> tuple[str, str, str] | None:
    """For ``value`` written ``head:rest`` (or ``head/rest``) whose ``head`` is the prefix of
    ``kind`` written wrong: ``head``, ``rest`` and the slug of the one entity of ``kind`` that
    ``rest`` names or nearly names ("" for none); else None. A parameter that takes one kind
    looked for the whole text among its names, and ``compny:kite`` was offered nothing.

    >>> _kind_prefix_written_wrong("company", "compny:kite", atmpkg.graph.open_store().store)
    ('compny', 'kite', 'kite-pharma')
    """
    for sep in (":", "/"):
        head, found, rest = value.partition(sep)
        # a kind of its own (dealtype:acquisition for a modality) is told as the entity it names
        if not (found and rest and " " not in head and head.lower() not in KIND_PREFIXES):
            continue
        if not suggest(head.lower(), [kind_prefix(kind)], 1):
            continue
        meant = _meant(kind, rest, store)
        slug = meant[0].value.rsplit("/", 1)[1] if len(meant) == 1 else ""
        return head, rest, slug
    return None


def _kind_prefix_of_another(kind: str, value: str, store: ox.Store) -> tuple[str, str] | None:
    """For ``value`` written ``head:rest`` whose ``head`` is the prefix of a kind other than
    ``kind``, and whose ``rest`` names one entity of ``kind`` (joints23 F5: ``therapy:kite`` for a
    company was offered 'fkd-therapies'): the kind ``head`` stands for and that entity's slug.

    >>> _kind_prefix_of_another("company", "therapy:kite", atmpkg.graph.open_store().store)
    ('therapy', 'kite-pharma')
    """
    head, found, rest = value.partition(":")
    other = KIND_PREFIXES.get(head.lower()) if found and rest else None
    if other is None or other == kind:
        return None
    meant = _quietly(kind, rest, store)
    return None if meant is None else (other, meant.value.rsplit("/", 1)[1])


def _agencies(store: ox.Store) -> dict[str, tuple[set[str], set[str]]]:
    """Each agency's names and its jurisdiction's names."""
    agencies: dict[str, tuple[set[str], set[str]]] = {}
    for row in store.query(
        f"SELECT ?a ?name ?place WHERE {{ ?a a atmp:RegulatoryAgency ; {NAME_PROPERTIES} ?name ; "
        f"atmp:jurisdiction/({NAME_PROPERTIES}) ?place }}",
        prefixes=PREFIXES,
    ):
        names, places = agencies.setdefault(row["a"].value, (set(), set()))
        names.add(row["name"].value)
        places.add(row["place"].value)
    return agencies


def agency_with_its_place(text: str, store: ox.Store) -> str | None:
    """The agency ``text`` names by a name of it beside its jurisdiction's (newuser23 F13: "US
    FDA" was offered SFDA, China's former regulator): one word or run of words is a name of the
    agency, the rest its jurisdiction's name, ISO code, some of its name's words or their
    initials or their demonyms, in either order, with any full stops left out ("U.S. FDA", "UK
    MHRA", "Korea MFDS", "Australian TGA"), joined by a hyphen or bracketed ("US-FDA", "FDA
    (US)") or glued to it, as the trade press writes it ("USFDA", newuser24 F12).

    >>> store = atmpkg.graph.open_store().store
    >>> agency_with_its_place("U.S. FDA", store), agency_with_its_place("US MHRA", store)
    ('https://w3id.org/atmp-kg/id/agency/fda', None)
    >>> agency_with_its_place("USFDA", store), agency_with_its_place("FDA (US)", store)
    ('https://w3id.org/atmp-kg/id/agency/fda', 'https://w3id.org/atmp-kg/id/agency/fda')
    """
    return agency_of_place(text, _agencies(store))


def agencies_beside_a_place(text: str, store: ox.Store) -> list[str]:
    """The agencies a name of which ``text`` holds beside other words, as
    :func:`agency_with_its_place` reads it but with a place that is not their own: those beside
    some agency's jurisdiction first. They are offered before names merely like the whole text,
    which gave "USAFDA" China's SFDA and "UKFDA" Korea's KFDA (newuser24 F12).

    >>> [a[-4:] for a in agencies_beside_a_place("UKFDA", atmpkg.graph.open_store().store)]
    ['/fda', 'mfds']
    """
    return agencies_beside_places(text, _agencies(store))


#: What an empty name of an entity is told.
_EMPTY_NAME = "the entity's name is empty: give a label, a slug, kind:slug or an IRI"


#: The marks a brand is printed with (registered, trade and service mark), which no name holds.
_MARKS = str.maketrans("", "", "\u00ae\u2122\u2120")


def unmarked(text: str) -> str:
    """``text`` without the marks ®, ™ and ℠ that labels and press releases print a brand with
    (newuser25 F15: "KYMRIAH® (tisagenlecleucel)" was offered tisagenlecleucel).

    >>> unmarked("KYMRIAH® (tisagenlecleucel)"), unmarked("Yescarta™")
    ('KYMRIAH (tisagenlecleucel)', 'Yescarta')
    """
    return text.translate(_MARKS)


#: A name with another after it in brackets, as this tool writes an entity ("therapy:kymriah
#: (tisagenlecleucel)") and the press a brand with its INN or a company with its owner.
_NAME_AND_BRACKETED = re.compile(r"(.*\S)\s*\(([^()]*)\)")


def _with_brackets(
    text: str, name_of: Callable[[str], str | None], store: ox.Store
) -> tuple[str, bool, str] | None:
    """For ``text`` written "Name (other)" whose Name names an entity (``name_of`` it, or None):
    that entity, whether ``other`` names it too or an entity it links to or that links to it
    ("Kite Pharma (Gilead)"), and Name; else None. A label without what it adds in brackets was
    read, but not a name with brackets the label lacks (newuser24 F13: "Kymriah
    (tisagenlecleucel)", as the query notes write it, was offered tisagenlecleucel).

    >>> store = atmpkg.graph.open_store().store
    >>> _with_brackets("Kite Pharma (Gilead)", lambda name: resolve_entity(name, store), store)
    ('https://w3id.org/atmp-kg/id/company/kite-pharma', True, 'Kite Pharma')
    """
    written = _NAME_AND_BRACKETED.fullmatch(text)
    entity = name_of(written[1]) if written else None
    if written is None or entity is None:
        return None
    try:
        other = resolve_entity(written[2], store, correct=False)
    except UnknownNameError:
        return entity, False, written[1]
    except ParameterError:
        # a name several entities share names each of them (joints25 F1: "Zolgensma
        # (onasemnogene abeparvovec)", an INN Itvisma has too, was unknown)
        return entity, entity in named_by(_entity_names(store)[0], written[2]), written[1]
    ends = {ox.Variable("a"): ox.NamedNode(entity), ox.Variable("b"): ox.NamedNode(other)}
    linked = store.query("ASK { { ?a ?p ?b } UNION { ?b ?p ?a } }", substitutions=ends)
    return entity, other == entity or bool(linked), written[1]


#: An FDA proper name: a product's INN, a hyphen and four lower-case letters, as US labels and
#: FDA letters write it ("voretigene neparvovec-rzyl").
_PROPER_NAME = re.compile(r"(.*[^\s-])-([a-z]{4})")


def _by_proper_name(text: str, store: ox.Store, kind: str = "") -> str | None:
    """The product (of ``kind``, if given) that ``text`` names as an FDA proper name: the one
    whose ``atmp:properName`` it is, else the one product whose INN it is with a hyphen and four
    lower-case letters after it; None when it is no such name or the INN is several products'
    (newuser25 F9: "voretigene neparvovec-rzyl" was unknown).

    >>> store = atmpkg.graph.open_store().store
    >>> _by_proper_name("voretigene neparvovec-rzyl", store), _by_proper_name("onasemnogene abeparvovec-abcd", store)
    ('https://w3id.org/atmp-kg/id/therapy/luxturna', None)
    >>> _by_proper_name("onasemnogene-abeparvovec-xioi", store, "therapy")  # Zolgensma's
    'https://w3id.org/atmp-kg/id/therapy/zolgensma'
    """
    written = _PROPER_NAME.fullmatch(text.lower())  # names are read in any case (rev25 F1)
    if written is None:
        return None
    proper: dict[str, set[str]] = {}
    inns: dict[str, set[str]] = {}
    for row in store.query(
        "SELECT ?e ?p ?name ?ns WHERE { VALUES ?p { atmp:properName atmp:inn } ?e ?p ?name "
        "FILTER(STRSTARTS(STR(?e), ?ns)) }",
        prefixes=PREFIXES,
        substitutions={ox.Variable("ns"): ox.Literal(ID + (kind + "/" if kind else ""))},
    ):
        name = row["name"].value.lower()
        if row["p"].value.endswith("#properName"):
            # its hyphens may be written as a slug writes them, or as spaces
            proper.setdefault(name.replace("-", " "), set()).add(row["e"].value)
        else:
            inns.setdefault(name, set()).add(row["e"].value)
    named = proper.get(text.lower().replace("-", " ")) or named_by(inns, written[1])
    return next(iter(named)) if len(named) == 1 else None


#: The graph's namespace written with http:, a common slip for a w3id.org IRI.
_HTTP_ID = "http://" + ID.removeprefix("https://")


def graph_iri(text: str) -> tuple[str, str] | None:
    """For an IRI of the graph's namespace written with ``http:`` or with a '/' after it, as some
    browsers copy one: the IRI as the graph writes it, and why it is written so; else None.

    >>> graph_iri("http://w3id.org/atmp-kg/id/therapy/kymriah/")
    ('https://w3id.org/atmp-kg/id/therapy/kymriah', "The graph's IRIs begin https:, not http:, and end without a '/'.")
    """
    https = ID + text[len(_HTTP_ID) :] if text.startswith(_HTTP_ID) else text
    bare = https.rstrip("/")
    if not (bare.startswith(ID) and bare != text and valid_iri(bare)):
        return None
    why = [
        said
        for said, slipped in (("begin https:, not http:", https != text), ("end without a '/'", bare != https))
        if slipped
    ]
    return bare, f"The graph's IRIs {', and '.join(why)}."


def _mended(text: str, store: ox.Store, kind: str = "") -> tuple[str, str] | None:
    """:func:`graph_iri` of ``text`` when that names an entity (of ``kind``, if given)."""
    mended = graph_iri(text)
    if mended is None or not mended[0].startswith(ID + (kind + "/" if kind else "")):
        return None
    facts = store.quads_for_pattern(ox.NamedNode(mended[0]), None, None)
    return mended if next(iter(facts), None) is not None else None


def _meant(kind: str, text: str, store: ox.Store) -> list[ox.NamedNode]:
    """The entities of ``kind`` that ``text`` names, or else those its nearest names name, looked
    up without correcting a kind (``correct=False``), so that the look-up ends."""
    try:
        return [resolve_entity_of_kind(kind, text, store, correct=False)]
    except UnknownNameError as exc:
        return [m for name in exc.suggestions if (m := _quietly(kind, name, store)) is not None]
    except ParameterError:
        return []


def _quietly(kind: str, name: str, store: ox.Store) -> ox.NamedNode | None:
    """The entity of ``kind`` that ``name`` names, or None."""
    try:
        return resolve_entity_of_kind(kind, name, store, correct=False)
    except (UnknownNameError, ParameterError):
        return None


def _any_quietly(name: str, store: ox.Store) -> str | None:
    """The entity ``name`` names, or None."""
    try:
        return resolve_entity(name, store, correct=False)
    except (UnknownNameError, ParameterError):
        return None


@dataclass(frozen=True)
class _NameRead:
    """How :func:`resolve_entity` and :meth:`NameIndex.resolve` read a text before looking
    anything up, made by :func:`_read_name` for both, so that the two cannot read it apart."""

    #: the text without spaces around it, the brackets of an IRI written ``<…>`` and the marks of
    #: a brand (®, ™, ℠)
    text: str
    #: whether the text was given in angle brackets
    angled: bool
    #: whether the text is an IRI (``http:`` or ``https:``)
    an_iri: bool
    #: the kind a ``kind:`` (or ``kind/``) before the rest names, and the rest
    kind: tuple[str, str] | None
    #: each ``head:rest`` (then ``head/rest``) whose head is a kind's prefix written wrong, before
    #: any kind written right: the head, that prefix and the rest
    kinds_near: tuple[tuple[str, str, str], ...]
    #: the IRIs the text may be: itself, an IRI's; or a slug's, one of each kind
    candidates: list[str]


def _read_name(text: str | ox.NamedNode) -> _NameRead:
    """``text`` as :func:`resolve_entity` reads it before looking it up; ``ParameterError`` for
    an empty one.

    >>> _read_name(" Kymriah® ").text, len(_read_name("kymriah").candidates) == len(KINDS)
    ('Kymriah', True)
    >>> _read_name("compny:kite").kinds_near, _read_name("therapy:kymriah").kind
    ((('compny', 'company', 'kite'),), ('therapy', 'kymriah'))
    """
    text = name_text(text).strip()
    if not text:
        raise ParameterError(_EMPTY_NAME)
    angled = text.startswith("<")
    if angled and text.endswith(">") and valid_iri(text[1:-1]):
        text = text[1:-1]  # else a name written in brackets, such as an imported label
    if text.startswith(("http://", "https://")):
        # an IRI the engine would not take (a stray %, a space) names nothing
        return _NameRead(text, angled, True, None, (), [text] if valid_iri(text) else [])
    text = unmarked(text).strip() or text
    kinds_near: list[tuple[str, str, str]] = []
    for sep in (":", "/"):
        head, found, rest = text.partition(sep)
        if found and head.lower() in KIND_PREFIXES:
            kind = (KIND_PREFIXES[head.lower()], rest)
            return _NameRead(text, angled, False, kind, tuple(kinds_near), [])
        near = suggest(head.lower(), KIND_PREFIXES, 1) if found and rest and " " not in head else []
        if near:
            kinds_near.append((head, near[0], rest))
    candidates = [iri(k, text) for k in KINDS] if SLUG_RE.match(text) else []
    return _NameRead(
        text, angled, False, None, tuple(kinds_near), [c for c in candidates if valid_iri(c)]
    )


def _the_one(text: str, existing: list[str]) -> str:
    """The one entity of ``existing`` (the entities ``text`` names as a slug or an IRI, replaced
    by those that replaced them), or the error that lists them."""
    if len(existing) > 1:
        raise SeveralEntitiesError(
            f"'{text}' names several entities: {', '.join(shorten(e) for e in existing)}; write kind:slug",
            existing,
        )
    return existing[0]


def resolve_entity(text: str | ox.NamedNode, store: ox.Store, *, correct: bool = True) -> str:
    """The IRI of the entity ``text`` names: an IRI (text or ``NamedNode``), ``kind:slug``,
    ``kind/slug``, a slug, or a name (label, or a label without what it adds in brackets at its
    end; brand, INN, acronym, code name, HGNC symbol; case-insensitive, without the marks ®, ™
    and ℠ a brand is printed with; an FDA proper name, see :func:`_by_proper_name`), also with
    another name of the entity or of one it links to in brackets after it ("Kite Pharma
    (Gilead)"). A name that a source document shares with one other entity names that entity.
    A near miss suggests close names; a kind written wrong (``compny:kite``) is corrected in what
    is offered unless ``correct`` is False, as the look-ups made for a correction ask, so that a
    text of many such kinds (``compny:compny:…``) is looked into once, not once per kind (sec22
    M3).

    >>> store = atmpkg.graph.open_store().store
    >>> resolve_entity("tisagenlecleucel", store), resolve_entity("company:kite-pharma", store)[-11:]
    ('https://w3id.org/atmp-kg/id/therapy/kymriah', 'kite-pharma')
    >>> resolve_entity("Swissmedic", store)  # also the title of source:agency-swissmedic-home
    'https://w3id.org/atmp-kg/id/agency/swissmedic'
    >>> resolve_entity("TNFRSF17", store) == resolve_entity("B-cell maturation antigen", store)
    True
    >>> resolve_entity("Kymriah (tisagenlecleucel)", store)[-15:]
    'therapy/kymriah'
    >>> resolve_entity("KYMRIAH® (tisagenlecleucel)", store)[-15:]
    'therapy/kymriah'
    """
    read = _read_name(text)
    text = read.text
    if correct:
        for written, prefix, rest in read.kinds_near:
            _kind_written_wrong(text, written, KIND_PREFIXES[prefix], rest, store)
    if read.kind is not None:
        # the kind says where to look: a slug in any case, or a name, among its entities
        return resolve_entity_of_kind(*read.kind, store, correct=correct).value
    candidates = read.candidates
    existing: list[str] = []
    if candidates:
        # one question for every candidate IRI (one request to a remote store); each is an IRI
        # pyoxigraph validated, written in N-Triples syntax
        listed = " ".join(str(ox.NamedNode(c)) for c in candidates)
        found = {
            row["c"].value: (row["new"], row["why"])
            for row in store.query(
                "SELECT DISTINCT ?c ?new ?why WHERE { VALUES ?c { " + listed + " } ?c ?p ?o "
                "OPTIONAL { ?c dct:isReplacedBy ?new OPTIONAL { ?c rdfs:comment ?why } } }",
                prefixes=PREFIXES,
            )
        }
        existing = [replacement(c, *found[c]) for c in candidates if c in found]
    if existing:
        return _the_one(text, existing)
    mended = _mended(text, store) if candidates else None
    if mended:
        raise UnknownNameError(
            "entity", text, suggestions=[mended[0]], hint=mended[1], entities=[mended[0]]
        )
    try:
        return _by_name(
            text,
            _StoreNames(store),
            lambda: _with_brackets(text, lambda name: _any_quietly(name, store), store)
            if correct
            else None,
            read.kinds_near[0] if correct and read.kinds_near else None,
        )
    except UnknownNameError:
        require_data(store)  # an endpoint without the data: no name of ATMP-KG's is known there
        raise


def _entity_names(store: ox.Store, kind: str = "") -> tuple[dict[str, set[str]], dict[str, str]]:
    """Each name of an entity of the graph's namespace (of ``kind``'s, if given) in lower case,
    with the entities it names; and each name as the graph writes it, by its lower case (of all
    kinds, a source's title left out: a source is offered by its slug)."""
    names: dict[str, set[str]] = {}
    written: dict[str, str] = {}
    for row in store.query(
        f"SELECT DISTINCT ?e ?name ?ns WHERE {{ ?e {NAME_PROPERTIES} ?name . "
        "FILTER(STRSTARTS(STR(?e), STR(?ns))) }",
        prefixes=PREFIXES,
        substitutions={ox.Variable("ns"): ox.Literal(ID + (kind + "/" if kind else ""))},
    ):
        names.setdefault(row["name"].value.lower(), set()).add(row["e"].value)
        if kind or not row["e"].value.startswith(SOURCES):
            written.setdefault(row["name"].value.lower(), row["name"].value)
    return names, written


@dataclass(frozen=True)
class _Choices:
    """What near misses are chosen among: the entities by their slugs, each entity's names as
    the graph writes them, and the names and slugs to liken a text to."""

    by_slug: dict[str, set[str]]
    names_of: dict[str, list[str]]
    listed: list[str]


def _name_choices(names: dict[str, set[str]], written: dict[str, str]) -> _Choices:
    """The :class:`_Choices` of ``names`` and ``written`` (as :func:`_entity_names` reads them)."""
    by_slug: dict[str, set[str]] = {}
    for entity in {e for found in names.values() for e in found}:
        by_slug.setdefault(entity[len(ID) :].split("/", 1)[1], set()).add(entity)
    names_of: dict[str, list[str]] = {}
    for lower, named in names.items():
        if lower in written:
            for entity in named:
                names_of.setdefault(entity, []).append(written[lower])
    return _Choices(by_slug, names_of, sorted(written) + sorted(by_slug))


#: The names of imported entities of other namespaces than the graph's (?e, ?name); the ontology's
#: terms (each rdfs:isDefinedBy it) are not entities.
_IMPORTED_NAMES = (
    f"?e {NAME_PROPERTIES} ?name . "
    f'FILTER(isIRI(?e) && !STRSTARTS(STR(?e), "{ID}")) '
    "FILTER NOT EXISTS { ?e rdfs:isDefinedBy ?ontology }"
)


class _StoreNames:
    """The names :func:`resolve_entity` reads of ``store``: the entities' at once, the agencies'
    when a look-up first needs them, an imported entity's for each text."""

    def __init__(self, store: ox.Store):
        self._store = store
        self.names, self.written = _entity_names(store)
        self.unbracketed: dict[str, set[str]] | None = None  # named_by makes them for its text

    @functools.cached_property
    def agencies(self) -> dict[str, tuple[set[str], set[str]]]:
        """Each agency's names and its jurisdiction's (see :func:`_agencies`)."""
        return _agencies(self._store)

    @functools.cached_property
    def choices(self) -> _Choices:
        """What near misses are chosen among."""
        return _name_choices(self.names, self.written)

    def proper_name(self, text: str) -> str | None:
        """The product ``text`` names as an FDA proper name (see :func:`_by_proper_name`)."""
        return _by_proper_name(text, self._store)

    def elsewhere(self, text: str) -> set[str]:
        """The imported entities of other namespaces that ``text`` names, in any case."""
        return {
            row["e"].value
            for row in self._store.query(
                f"SELECT DISTINCT ?e ?text WHERE {{ {_IMPORTED_NAMES} "
                "FILTER(LCASE(STR(?name)) = LCASE(?text)) }",
                prefixes=PREFIXES,
                substitutions={ox.Variable("text"): ox.Literal(text)},
            )
        }


def _by_name(
    text: str,
    found: _StoreNames | NameIndex,
    bracketed: Callable[[], tuple[str, bool, str] | None],
    kind_meant: tuple[str, str, str] | None = None,
) -> str:
    """The entity ``text`` names by a name :func:`resolve_entity` reads (``found``), or else the
    error that offers its near misses; ``bracketed`` gives what :func:`_with_brackets` tells of
    the text, asked when no name gives it, and ``kind_meant`` a kind written wrong before it."""
    names, written = found.names, found.written
    matches = named_by(names, text, found.unbracketed)
    # A source document titled like what it is about ("Swissmedic" the agency's home page)
    # gives way to that entity: sources are cited, not explored; also to an entity whose name
    # is the text without what it adds in brackets (newuser26 F3)
    things = {m for m in matches if not m.startswith(SOURCES)}
    if matches and not things:
        unbracketed = found.unbracketed if found.unbracketed is not None else without_brackets(names)
        things = {m for m in unbracketed.get(text.lower(), set()) if not m.startswith(SOURCES)}
    if len(things) == 1:
        return next(iter(things))
    if len(matches) == 1:
        return next(iter(matches))
    if len(matches) > 1:
        raise SeveralEntitiesError(
            f"'{text}' names several entities: {', '.join(sorted(shorten(m) for m in matches))}; write kind:slug",
            matches,
        )
    agency = agency_of_place(text, found.agencies)
    if agency is not None:
        return agency
    by_slug = found.choices.by_slug.get(text.lower(), set())
    if len(by_slug) == 1:  # a slug typed in capitals: slugs are lower-case
        return next(iter(by_slug))
    # An entity an import named in its own namespace, by its name
    elsewhere = sorted(found.elsewhere(text))
    if len(elsewhere) == 1:
        return elsewhere[0]
    if elsewhere:
        raise SeveralEntitiesError(
            f"'{text}' names several entities: {', '.join(shorten(e) for e in elsewhere)}; "
            "give the IRI",
            elsewhere,
        )
    # after an imported entity's own name, which may end as a proper name does (rev25 F13)
    product = found.proper_name(text)
    if product is not None:
        return product
    in_brackets = bracketed()
    if in_brackets and in_brackets[1]:
        return in_brackets[0]
    # offered first: what Name names in "Name (other)", by its name most like Name; and an agency
    # named beside a place not its own
    first = {in_brackets[0]: in_brackets[2]} if in_brackets else {}
    for agency in agencies_beside_places(text, found.agencies):
        first.setdefault(agency, text)
    if kind_meant is not None:
        # names likened to the whole text would offer what the kind's word is like (rev21:
        # compny:zzzz was offered the source kind "company")
        raise UnknownNameError(
            "entity",
            text,
            hint=f"'{kind_meant[0]}' is no kind of entity (did you mean {kind_meant[1]}:?), and "
            f"no {kind_meant[1]} is named '{cut(kind_meant[2])}'.",
            suggestions=[],
        )
    near, meant = _one_name_each(text, names, written, found.choices, first)
    raise UnknownNameError(
        "entity",
        text,
        hint="Give a label, a slug such as kymriah, or an IRI.",
        suggestions=near,
        entities=meant,
    )


@dataclass(eq=False)
class NameIndex:
    """What :func:`resolve_entity` reads of a store to look a name up, read once: the names of
    the graph's entities, its agencies' with their jurisdictions', the subjects a slug may name
    (each with the IRI that replaced it, "" for none) and the names (in lower case, as SPARQL's
    ``LCASE`` writes them) of imported entities of other namespaces. A server keeps one per
    build, so that looking a name up asks the store nothing (sec25 M2: each look-up of an
    unknown name read every name of the graph).

    >>> index = NameIndex.read(atmpkg.graph.open_store().store)
    >>> index.resolve("tisagenlecleucel"), index.resolve("Kymriah")
    ('https://w3id.org/atmp-kg/id/therapy/kymriah', 'https://w3id.org/atmp-kg/id/therapy/kymriah')
    >>> index.resolve("therapy:kymriah") is None  # a kind: the store's look-up tells
    True
    """

    names: dict[str, set[str]]
    written: dict[str, str]
    agencies: dict[str, tuple[set[str], set[str]]]
    subjects: dict[str, str]
    imported: dict[str, set[str]]
    # made once, not for each name looked up
    unbracketed: dict[str, set[str]] = field(init=False, repr=False)
    choices: _Choices = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.unbracketed = without_brackets(self.names)
        self.choices = _name_choices(self.names, self.written)

    @classmethod
    def read(cls, store: ox.Store) -> NameIndex:
        """The index of ``store``'s names."""
        names, written = _entity_names(store)
        # every subject, filtered here: the engine's FILTER on each triple took four times as long
        subjects: dict[str, str] = {}
        for row in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }"):
            subject = row["s"]
            if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(ID)):
                continue
            kind, _, slug = subject.value[len(ID) :].partition("/")
            if kind in KINDS and SLUG_RE.match(slug):  # what a slug's candidate IRIs can be
                subjects[subject.value] = ""
        for row in store.query("SELECT ?s ?new WHERE { ?s dct:isReplacedBy ?new }", prefixes=PREFIXES):
            subject = row["s"]
            if isinstance(subject, ox.NamedNode) and subject.value in subjects:
                subjects[subject.value] = row["new"].value
        imported: dict[str, set[str]] = {}
        for row in store.query(
            f"SELECT DISTINCT ?e (LCASE(STR(?name)) AS ?lower) WHERE {{ {_IMPORTED_NAMES} }}",
            prefixes=PREFIXES,
        ):
            imported.setdefault(row["lower"].value, set()).add(row["e"].value)
        return cls(names, written, _agencies(store), subjects, imported)

    def elsewhere(self, text: str) -> set[str]:
        """The imported entities of other namespaces that ``text`` names, in any case."""
        return self.imported.get(text.lower(), set())

    def proper_name(self, text: str) -> None:
        """Nothing for a text that is no FDA proper name: one is left to the store's look-up
        (:class:`_ForTheStore`), which reads the products' INNs and proper names."""
        if _PROPER_NAME.fullmatch(text.lower()):
            raise _ForTheStore

    def resolve(self, text: str) -> str | None:
        """The IRI of the entity ``text`` names, as :func:`resolve_entity` finds it in the store
        the index was read of, raising as it does (an unknown name's error has the same near
        misses); or None for a text only the store's look-up tells: one with a kind, or one
        written wrong (``compny:kite``), an IRI, or "Name (other)" that no name of the graph
        names whole. A retired slug gives the IRI that replaced it, without the log line that
        says so. The text is read as :func:`resolve_entity` reads it (:func:`_read_name`)."""
        read = _read_name(text)
        if read.angled or read.an_iri or read.kind or read.kinds_near:
            return None
        text = read.text
        existing = [self.subjects[c] or c for c in read.candidates if c in self.subjects]
        if existing:
            return _the_one(text, existing)
        try:
            return _by_name(text, self, lambda: _bracketed_for_the_store(text))
        except _ForTheStore:
            return None


class _ForTheStore(Exception):
    """A look-up in a :class:`NameIndex` reached what only the store tells."""


def _bracketed_for_the_store(text: str) -> None:
    """Nothing for a text that is no "Name (other)": what :func:`_with_brackets` tells of one
    asks the store whether the names name the same entity or linked ones (:class:`_ForTheStore`)."""
    if _NAME_AND_BRACKETED.fullmatch(text):
        raise _ForTheStore


def _one_name_each(
    text: str,
    names: dict[str, set[str]],
    written: dict[str, str],
    choices: _Choices,
    first: dict[str, str],
) -> tuple[list[str], list[str]]:
    """The closest names to ``text``, each entity once, as the graph writes them: by a name (its
    label, an alternative label) or by its slug, the closer first; an entity found by its slug is
    offered by its name closest to ``text`` (``cellc``: NK cell therapy, not nk-cell), and an
    entity without one by the slug. The entities of a name several share or offered already for
    another, and a source (which is offered by no name), are offered by ``kind:slug``; a source
    titled with the name of an entity offered is not offered. The entities ``first`` come before
    the others, each by its name closest to the text it maps them to. Also the IRIs of the
    entities the names offered name, in their order."""
    by_slug, names_of = choices.by_slug, choices.names_of

    def closest_name(entity: str, like: str = text) -> str | None:
        named = names_of.get(entity, ())
        return max(named, key=lambda name: (likeness(like, name), name), default=None)

    near = [closest_name(entity, like) or shorten(entity) for entity, like in first.items()]
    meant = [[entity] for entity in first]
    seen = set(first)
    for choice in suggest(text, choices.listed, 20):
        named = names.get(choice, set()) | by_slug.get(choice, set())
        new = named - seen
        things = {entity for entity in named if not entity.startswith(SOURCES)}
        seen |= named
        if not new or (things and not things & new):
            continue  # offered already, or a source titled with the name of one offered
        slugged = by_slug.get(choice, set())
        offered = written.get(choice) or (len(slugged) == 1 and closest_name(next(iter(slugged))))
        if offered and offered not in near and len(things) == 1 and things <= new:
            near.append(offered)
            meant.append(sorted(new))
            continue
        if not offered and new == slugged and len(new) == 1:  # an entity without a name
            near.append(choice)
            meant.append(sorted(new))
            continue
        # a shared name, one offered already for another entity, or a source: each entity by
        # kind:slug, so that each can be chosen (newuser26 F4: 'Swissmedic', 'Swissmedic' for
        # the agency and its home page)
        for entity in sorted(things & new or new):
            near.append(shorten(entity))
            meant.append([entity])
    return near[:5], [entity for each in meant[:5] for entity in each]


def replacement(iri: str, new: ox.Term | None, why: ox.Term | None) -> str:
    """``iri``, or ``new`` (its ``dct:isReplacedBy``) when one replaced it, saying so with ``why``
    (the reason, its ``rdfs:comment``): on the log, or as a note (:func:`replacements_noted`).

    >>> new = ox.NamedNode("https://w3id.org/atmp-kg/id/source/b")
    >>> with replacements_noted() as notes:
    ...     replacement("https://w3id.org/atmp-kg/id/source/a", new, None)
    'https://w3id.org/atmp-kg/id/source/b'
    >>> notes
    ['source:a is retired: source:b replaced it; the query ran with source:b']
    """
    if new is None:
        return iri
    old, now = shorten(iri), shorten(new.value)
    noted = _REPLACED.get()
    if noted is None:
        log.warning("%s was replaced by %s%s", old, now, f" ({why.value})" if why else "")
    else:
        because = f" ({why.value})" if why else ""
        noted.append(f"{retired_told(old, now)}{because}; the query ran with {now}")
    return new.value


@contextlib.contextmanager
def replacements_noted() -> Iterator[list[str]]:
    """A list that gathers, while the block runs, a note on each retired IRI that
    :func:`replacement` gave the IRI that replaced it, in place of the log's line: a named
    query's parameters, whose notes every door shows with the answer (joints30 F3: the server
    and ``result.notes`` said nothing, the command line alone printed the log's line).

    >>> with replacements_noted() as notes:
    ...     pass
    >>> notes
    []
    """
    notes: list[str] = []
    token = _REPLACED.set(notes)
    try:
        yield notes
    finally:
        _REPLACED.reset(token)


def entities_of_kind_named(kind: str, text: str, store: ox.Store) -> list[str]:
    """The IRIs of the entities of ``kind`` that ``text`` is a name of (label, INN, brand, …, in
    any case, also written as a slug), sorted: all of them when several share it, as two products
    share an INN, where :func:`resolve_entity_of_kind` asks which is meant.

    >>> store = atmpkg.graph.open_store().store
    >>> [e.rsplit("/", 1)[1] for e in entities_of_kind_named("therapy", "onasemnogene-abeparvovec", store)]
    ['itvisma', 'zolgensma']
    """
    return sorted(named_by(_entity_names(store, kind)[0], text))


def resolve_entity_of_kind(
    kind: str,
    value: str,
    store: ox.Store,
    where: str = "",
    optional: bool = False,
    *,
    correct: bool = True,
) -> ox.NamedNode:
    """Find the entity of ``kind`` named by a slug, ``kind:slug``, IRI or label (case-insensitive);
    ``where`` names the parameter it was given to, which may be left out when ``optional``. An
    unknown name is told the names of its kind nearest to it and, unless ``correct`` is False
    (see :func:`resolve_entity`), the kind written wrong before it or the entity of another kind
    it names.

    >>> resolve_entity_of_kind("company", "Kite Pharma", atmpkg.graph.open_store().store).value
    'https://w3id.org/atmp-kg/id/company/kite-pharma'
    >>> bcma = "<https://w3id.org/atmp-kg/id/target/bcma>"
    >>> resolve_entity_of_kind("target", bcma, atmpkg.graph.open_store().store).value[-11:]
    'target/bcma'
    """
    prefix, given = kind_prefix(kind) + ":", value
    if not value.strip():
        raise ParameterError(
            f"{where or 'the name'} is empty: give {indefinite(kind)} by its slug, name or IRI"
            + (", or leave the parameter out" if optional else "")
        )
    if value.startswith("<") and value.endswith(">"):  # an IRI as SPARQL and Turtle write it
        value = value[1:-1]
    elif not value.startswith(("http://", "https://")):
        value = unmarked(value).strip() or value
    if value.lower().startswith((prefix, prefix[:-1] + "/")):  # agency:fda, Agency:fda, agency/fda
        value = value[len(prefix) :]
    # what the value names as a slug, also one that is none (X_1, which an older import took)
    candidate = value if value.startswith(ID + kind + "/") else iri(kind, value)
    if valid_iri(candidate):
        facts = {
            q.predicate.value: q.object
            for q in store.quads_for_pattern(ox.NamedNode(candidate), None, None)
        }
        if facts:
            new, why = facts.get(REPLACED_BY), facts.get(RDFS + "comment")
            return ox.NamedNode(replacement(candidate, new, why))
    namespace = ID + kind + "/"
    names, written = _entity_names(store, kind)
    matches = named_by(names, value)
    if not matches and kind == "agency" and (agency := agency_with_its_place(value, store)):
        matches = {agency}
    if not matches and (product := _by_proper_name(value, store, kind)):
        matches = {product}
    if len(matches) == 1:
        return ox.NamedNode(next(iter(matches)))
    slugs = sorted({e[len(namespace) :] for found in names.values() for e in found})
    if not slugs:  # no entity of any kind: an endpoint without the data, not a misspelt name
        require_data(store)
    if value.lower() in slugs:  # a slug typed in capitals: slugs are lower-case
        return ox.NamedNode(namespace + value.lower())
    iri_given = value if value.startswith(("http://", "https://")) else candidate
    mended = _mended(iri_given, store, kind) if not matches else None
    if mended:
        raise UnknownNameError(
            kind,
            value,
            suggestions=[mended[0]],
            hint=(f"({where}) " if where else "") + mended[1],
        )

    def of_kind(name: str) -> str | None:
        entity = _quietly(kind, name, store)
        return None if entity is None else entity.value

    bracketed = _with_brackets(value, of_kind, store) if correct and not matches else None
    if bracketed and bracketed[1]:
        return ox.NamedNode(bracketed[0])
    if len(matches) > 1:
        raise SeveralEntitiesError(
            f"{where or kind} '{value}' is ambiguous: "
            + ", ".join(sorted(m[len(namespace) :] for m in matches)),
            matches,
        )
    # a small vocabulary (deal types, claim statuses) is listed whole: a guess far off gets no
    # suggestion, and the list says what to give
    listed = f"Its values: {', '.join(slugs)}." if 0 < len(slugs) <= 20 else ""
    # one suggestion per entity: a company's slug, label and alternative labels are one company;
    # an agency named beside a place not its own first ("UKFDA": fda, not China's sfda)
    first = [bracketed[0]] if bracketed else []
    first += agencies_beside_a_place(value, store) if kind == "agency" else []
    choices, seen, slug_set = [], set(first), set(slugs)
    # the entity each suggestion names, a label's too: the server offers its page (rev26 F5:
    # /id/agency/Food%20and%20Drug%20Administration was offered nothing where show offers 'US
    # Food and Drug Administration')
    entity_of = {entity[len(namespace) :]: entity for entity in first}
    for choice in suggest(value, slugs + sorted(names)):
        entities = names.get(choice, {namespace + choice})
        if not entities & seen:
            shown = choice if choice in slug_set else written.get(choice, choice)
            choices.append(shown)
            if choice in slug_set or len(entities) == 1:
                entity_of[shown] = namespace + choice if choice in slug_set else min(entities)
        seen |= entities
    written_wrong = _kind_prefix_written_wrong(kind, value, store) if correct else None
    if written_wrong:
        head, rest, meant = written_wrong
        told = (
            f"'{head}' is no kind of entity."
            if meant
            else f"'{head}' is no kind of entity (did you mean {prefix}?), and no {kind} is named '{cut(rest)}'."
        )
        raise UnknownNameError(
            kind,
            value,
            suggestions=[meant] if meant else [],
            hint=" ".join(part for part in (f"({where})" if where else "", told) if part),
        )
    crossed = _kind_prefix_of_another(kind, value, store) if correct else None
    if crossed:
        of, slug = crossed
        head, _, rest = value.partition(":")
        told = f"'{head}:' names {indefinite(of)}; '{cut(rest)}' names {indefinite(kind)}."
        hint = " ".join(part for part in (f"({where})" if where else "", told) if part)
        raise UnknownNameError(kind, value, suggestions=[slug], hint=hint)
    try:
        other = resolve_entity(value, store, correct=False) if correct else None
    except (UnknownNameError, ParameterError):
        other = None
    kind_of_other = other[len(ID) :].split("/")[0] if other and other.startswith(ID) else None
    elsewhere = (
        f"{given} is {indefinite(kind_of_other)}, not {indefinite(kind)}."
        if kind_of_other and kind_of_other != kind
        else ""
    )
    near = [a[len(namespace) :] for a in dict.fromkeys(first)] + suggest(value, choices)
    raise UnknownNameError(
        kind,
        value,
        hint=" ".join(part for part in (f"({where})" if where else "", elsewhere, listed) if part),
        suggestions=near,
        entities=list(dict.fromkeys(entity_of[name] for name in near if name in entity_of)),
    )

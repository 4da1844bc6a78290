"""RDF in Python: the ontology's quads and labels, canonical triple order, and conversions of
pyoxigraph triples to rdflib and networkx.

Every layer above uses these: the store to validate with rdflib, query results to become rdflib or
networkx graphs, slices to sort their triples.

>>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/company/a"),
...               ox.NamedNode("https://w3id.org/atmp-kg/ontology#develops"),
...               ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/b"))
>>> len(to_rdflib_graph([t])), to_networkx([t]).number_of_edges()
(1, 1)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pyoxigraph as ox

from .errors import ParameterError, described
from .terms import (
    ATMP,
    DATE_DETAILS,
    ID,
    NOT_DRAWN,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    STATED_DATES,
    XSD,
    shorten,
)

if TYPE_CHECKING:  # for annotations only: networkx and rdflib load when a function runs
    import networkx
    import rdflib

TYPE = ox.NamedNode(RDF + "type")
LABEL = ox.NamedNode(RDFS + "label")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
#: Attribute names the network formats keep for themselves (``value`` and ``name`` are the
#: IRI and label of a Cytoscape JSON node, as networkx's reader of the format wants them).
RESERVED = ("id", "label", "class", "value", "name")
V = TypeVar("V")
PRECISIONS = ID + "date-precision/"
XSD_STRING = XSD + "string"


def ontology_quads() -> list[ox.Quad]:
    """The ontology (atmp.ttl) as quads in the default graph.

    >>> quads = ontology_quads()
    >>> {q.graph_name for q in quads}, ox.NamedNode(ATMP + "Therapy") in {q.subject for q in quads}
    ({<DefaultGraph>}, True)
    """
    path = resources.files("atmpkg.ontology").joinpath("atmp.ttl")
    return list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))


def is_node(term: object) -> bool:
    """True for an instance IRI (``https://w3id.org/atmp-kg/id/...``): a node of the network.

    >>> is_node(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/alphacel"))
    True
    >>> is_node(ox.NamedNode("https://w3id.org/atmp-kg/ontology#Therapy"))
    False

    A date's precision (``dateprecision:month``) is a value of the date, not a node: as a node it
    would link every fact dated to the month.

    >>> is_node(ox.NamedNode("https://w3id.org/atmp-kg/id/date-precision/month"))
    False
    """
    return isinstance(term, ox.NamedNode) and is_node_iri(term.value)


def is_node_iri(iri: str) -> bool:
    """:func:`is_node` of an IRI given as text.

    >>> is_node_iri(ID + "company/novartis"), is_node_iri("https://example.org/t1")
    (True, False)
    """
    return iri.startswith(ID) and not iri.startswith(PRECISIONS)


def triple_key(triple: ox.Triple) -> str:
    """Canonical sort key: the triple as an N-Triples line, so that canonical order is the order
    ``LC_ALL=C sort`` gives the lines of an N-Triples file (code points of the text compare as
    the bytes of its UTF-8 do). A subject's triples come together; IRIs before blank nodes.

    >>> s = ox.NamedNode("urn:s")
    >>> t = [ox.Triple(s, ox.NamedNode("urn:p"), ox.Literal("x")), ox.Triple(s, TYPE, ox.NamedNode("urn:C"))]
    >>> [x.predicate.value for x in sorted(t, key=triple_key)]
    ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type', 'urn:p']
    """
    return str(triple)


def sort_triples(triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """Triples (quads are reduced to their triple) without duplicates, in canonical order.

    >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> sort_triples([t, t])
    [<Triple subject=<NamedNode value=urn:s> predicate=<NamedNode value=urn:p> object=<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>>]
    """
    unique = {t.triple if isinstance(t, ox.Quad) else t for t in triples}
    return sorted(unique, key=triple_key)


def blank_closure(
    nodes: Iterable[ox.BlankNode],
    about: Callable[[ox.BlankNode], list[ox.Triple]],
    skip: Container[ox.BlankNode] = frozenset(),
) -> list[ox.Triple]:
    """The triples ``about`` gives of each blank node of ``nodes`` and of every blank node they
    reach (RDF lists, nested descriptions, cycles), each read once; those of ``skip`` are left
    out.

    >>> a, b = ox.BlankNode("a"), ox.BlankNode("b")
    >>> p = ox.NamedNode("urn:p")
    >>> held = {a: [ox.Triple(a, p, b)], b: [ox.Triple(b, p, a)]}
    >>> len(blank_closure([a], held.__getitem__))
    2
    """
    found: list[ox.Triple] = []
    seen: set[ox.BlankNode] = set()
    waiting = [node for node in nodes if node not in skip]
    while waiting:
        node = waiting.pop()
        if node in seen:
            continue
        seen.add(node)
        triples = about(node)
        found += triples
        waiting += [
            t.object for t in triples if isinstance(t.object, ox.BlankNode) and t.object not in skip
        ]
    return found


@functools.lru_cache(maxsize=1)
def _vocabulary_labels() -> dict[str, str]:
    return {
        q.subject.value: q.object.value
        for q in ontology_quads()
        if q.predicate.value == RDFS + "label" and not is_node(q.subject)
    }


def valid_iri(text: str) -> bool:
    """Whether the engine takes ``text`` as an absolute IRI (pyoxigraph checks with the parser
    the engine uses).

    >>> valid_iri("http://a:1"), valid_iri("http://a:SERVICE"), valid_iri("therapy/kymriah")
    (True, False, False)
    """
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


#: The ISO 4217 codes of the currencies in use: an amount in another currency is written
#: ``KRW 90000000000`` (``atmp:valueOriginal``), which :func:`money_text` groups for reading.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)
_MONEY = re.compile(r"([A-Z]{3}) (-?)(\d+)(\.\d+)?")


def money_text(text: str, grouped_from: int = 1) -> str:
    """``text`` with the digits of an amount in a currency grouped, when it is one (``KRW
    90000000000``: a currency's ISO 4217 code, a space, a number) whose whole part has at least
    ``grouped_from`` digits, as money in USD is shown; any other text as it is (``BLA 125646``
    names no currency). For reading only: exports write the text as stored.

    >>> money_text("KRW 90000000000"), money_text("EUR 1500.5"), money_text("BLA 125646")
    ('KRW 90,000,000,000', 'EUR 1,500.5', 'BLA 125646')
    """
    found = _MONEY.fullmatch(text)
    if found is None or found[1] not in CURRENCIES or len(found[3].lstrip("0")) < grouped_from:
        return text
    return f"{found[1]} {found[2]}{int(found[3]):,}{found[4] or ''}"


def shown_value(literal: ox.Literal) -> str:
    """A literal's value as pages and ``atmpkg show`` show it: a whole or decimal number with
    its digits grouped, and so an amount in a currency (``EUR 240,000,000``, see
    :func:`money_text`), anything else as written.

    >>> shown_value(ox.Literal("11900000000", datatype=ox.NamedNode(XSD + "decimal")))
    '11,900,000,000'
    >>> shown_value(ox.Literal("KRW 90000000000"))
    'KRW 90,000,000,000'
    """
    value = literal.value
    if literal.datatype.value in (XSD + "decimal", XSD + "integer") and re.fullmatch(
        r"-?\d+(\.\d+)?", value
    ):
        whole, dot, fraction = value.partition(".")
        return f"{int(whole):,}{dot}{fraction}"
    if literal.datatype.value == XSD + "string":
        return money_text(value)
    return value


def vocabulary_label(iri: str) -> str | None:
    """The ``rdfs:label`` the ontology gives a term that is no node of the network (a property, a
    class, a value such as a date's precision), or None.

    >>> vocabulary_label("https://w3id.org/atmp-kg/id/date-precision/month")
    'month'
    """
    return _vocabulary_labels().get(iri)


@functools.lru_cache(maxsize=1)
def property_ends() -> tuple[dict[str, str], dict[str, str | None], dict[str, frozenset[str]]]:
    """The declared domain and range of each property of the ontology (None for an object
    property it gives no range), and each of its classes with itself and every class above it
    (``rdfs:subClassOf``).

    >>> domains, ranges, above = property_ends()
    >>> ranges[ATMP + "target"], ranges[ATMP + "dealTarget"], ATMP + "GeographicArea" in above[ATMP + "Country"]
    ('https://w3id.org/atmp-kg/ontology#Target', None, True)
    """
    quads = ontology_quads()
    domains = {q.subject.value: q.object.value for q in quads if q.predicate.value == RDFS + "domain"}
    ranges: dict[str, str | None] = {
        q.subject.value: None
        for q in quads
        if q.predicate.value == RDF + "type" and q.object.value == OWL + "ObjectProperty"
    }
    ranges |= {q.subject.value: q.object.value for q in quads if q.predicate.value == RDFS + "range"}
    parents: dict[str, set[str]] = {}
    for q in quads:
        if q.predicate.value == RDFS + "subClassOf" and isinstance(q.object, ox.NamedNode):
            parents.setdefault(q.subject.value, set()).add(q.object.value)
    above: dict[str, frozenset[str]] = {}
    for cls in {q.subject.value for q in quads if q.object.value == OWL + "Class"}:
        reached, todo = {cls}, [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in reached:
                    reached.add(parent)
                    todo.append(parent)
        above[cls] = frozenset(reached)
    return domains, ranges, above


@functools.lru_cache(maxsize=1)
def formatter_urls() -> dict[str, str]:
    """The identifier properties of the ontology and the address template of each
    (``atmp:formatterURL``, ``$1`` standing for the identifier).

    >>> formatter_urls()["https://w3id.org/atmp-kg/ontology#wikidataId"]
    'https://www.wikidata.org/wiki/$1'
    """
    return {
        q.subject.value: q.object.value
        for q in ontology_quads()
        if q.predicate.value == ATMP + "formatterURL"
    }


def identifier_url(prop: str, value: str) -> str | None:
    """The page of an identifier (``value`` of the identifier property ``prop``), or None for any
    other property. The identifier is percent-encoded, so that it cannot leave its place.

    >>> identifier_url("https://w3id.org/atmp-kg/ontology#pivotalTrial", "NCT02435849")
    'https://clinicaltrials.gov/study/NCT02435849'
    >>> identifier_url("http://www.w3.org/2000/01/rdf-schema#label", "Kymriah") is None
    True
    """
    template = formatter_urls().get(prop)
    if template is None:
        return None
    from urllib.parse import quote

    return template.replace("$1", quote(value, safe=":"))


#: A day as xsd:date writes it, its month and its year in groups 1 and 2.
_DAY = re.compile(r"((-?\d{4,})-\d\d)-\d\d")
#: What a precision keeps of a day: the group of :data:`_DAY`, and the type of what it keeps.
_KEPT = {"month": (1, XSD + "gYearMonth"), "year": (2, XSD + "gYear")}


#: The properties that hold a date's precision.
_PRECISIONS = frozenset(precision for precision, _ in DATE_DETAILS.values())


def _text(value: object) -> str | None:
    if isinstance(value, ox.NamedNode | ox.Literal):
        return value.value
    return value if isinstance(value, str) else None


def _to_precision(value: V, precision: str) -> V:
    """A comparable date (text or literal) cut to ``precision`` (an IRI or label: month, year);
    anything else as it is."""
    kept = _KEPT.get(precision.removeprefix(PRECISIONS))
    text = _text(value)
    found = _DAY.fullmatch(text) if kept and text is not None else None
    if kept is None or found is None:
        return value
    cut = found.group(kept[0])
    shown = (
        ox.Literal(cut, datatype=ox.NamedNode(kept[1])) if isinstance(value, ox.Literal) else cut
    )
    return cast(V, shown)


def stated_dates(facts: Iterable[tuple[str, V]]) -> list[tuple[str, V]]:
    """(property IRI, value) facts, one value each (text or an RDF term), with each date shown as
    its source states it, under the comparable date's property: the stated date
    (``atmp:dateStated``) where there is one, else the comparable date cut to its precision
    (``atmp:datePrecision`` month or year: ``2024-07-01`` is no day a source stated), else the
    comparable date as it is. The precision stays.

    >>> date, stated, precision = (ATMP + n for n in ("date", "dateStated", "datePrecision"))
    >>> stated_dates([(date, "2024-07-01"), (stated, "2024-07")])
    [('https://w3id.org/atmp-kg/ontology#date', '2024-07')]
    >>> stated_dates([(stated, "2024-07")]) == [(date, "2024-07")]
    True
    >>> stated_dates([(date, "2024-07-01"), (precision, "month")])[0]
    ('https://w3id.org/atmp-kg/ontology#date', '2024-07')
    >>> stated_dates([(date, "2024-07-01")])
    [('https://w3id.org/atmp-kg/ontology#date', '2024-07-01')]
    """
    facts = list(facts)
    present = {prop for prop, _ in facts}
    precisions: dict[str, set[str]] = {}
    for prop, value in facts:
        if prop in _PRECISIONS and (text := _text(value)) is not None:
            precisions.setdefault(prop, set()).add(text)
    shown = []
    for prop, value in facts:
        details = DATE_DETAILS.get(prop)
        if prop in STATED_DATES:
            shown.append((STATED_DATES[prop], value))
        elif details is None:
            shown.append((prop, value))
        elif details[1] not in present:
            # two precisions of one date say nothing of which part of it is known
            given = precisions.get(details[0], set())
            shown.append((prop, _to_precision(value, *given) if len(given) == 1 else value))
    return shown


def attribute_names(properties: Iterable[str]) -> dict[str, str]:
    """The network attribute name of each property: its local name when no other property of
    ``properties`` has it and it is not one of the names a network keeps for itself
    (:data:`RESERVED`); else its prefix and local name joined by ``_`` (``ex_inn``), the
    ontology's own property keeping the plain name, so that no two properties share a column and
    a curated column keeps its type. Names use letters, digits and ``_`` only, as Neo4j's CSV
    headers and GraphML's attribute names need.

    >>> attribute_names([ATMP + "inn", "https://example.org/mine#inn", RDFS + "label"])
    {'https://w3id.org/atmp-kg/ontology#inn': 'inn', 'https://example.org/mine#inn': 'ns1_inn', 'http://www.w3.org/2000/01/rdf-schema#label': 'rdfs_label'}
    """
    properties = list(dict.fromkeys(properties))
    by_local: dict[str, list[str]] = {}
    for prop in properties:
        by_local.setdefault(local_name(prop), []).append(prop)
    namespaces = sorted({prop[: len(prop) - len(local_name(prop))] for prop in properties})
    known = {namespace: prefix for prefix, namespace in PREFIXES.items()}
    numbered = {
        ns: f"ns{n}" for n, ns in enumerate((ns for ns in namespaces if ns not in known), 1)
    }
    names = {}
    for local, props in by_local.items():
        for prop in props:
            plain = len(props) == 1 or prop.startswith(ATMP)
            if plain and local not in RESERVED:
                names[prop] = _word(local)
            else:
                namespace = prop[: len(prop) - len(local)]
                names[prop] = _word(f"{known.get(namespace) or numbered[namespace]}_{local}")
    return names


def _word(name: str) -> str:
    return re.sub(r"\W", "_", name, flags=re.ASCII) or "_"


def local_name(iri: str) -> str:
    """The last part of an IRI, after ``#`` or ``/``.

    >>> local_name("https://w3id.org/atmp-kg/ontology#valueUSD")
    'valueUSD'
    """
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def property_label(iri: str) -> str:
    """The label of a property: its ``rdfs:label`` in the ontology, else its name in words.

    >>> property_label("https://w3id.org/atmp-kg/ontology#developedBy")
    'developed by'
    >>> property_label("http://www.w3.org/2004/02/skos/core#inScheme")
    'in scheme'
    """
    label = vocabulary_label(iri)
    if label:
        return label
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local_name(iri)).lower()


def _from_rdflib(term: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
    return ox.Literal(str(term), datatype=datatype)


def as_triples(data: Iterable[ox.Triple | ox.Quad] | rdflib.Graph) -> list[ox.Triple]:
    """Triples in canonical order from pyoxigraph triples or quads, or from an rdflib graph.

    >>> as_triples([ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o"))])[0].object
    <NamedNode value=urn:o>
    """
    if type(data).__module__.startswith("rdflib"):
        return sort_triples(ox.Triple(*(_from_rdflib(t) for t in triple)) for triple in data)
    try:
        items = list(data)
    except TypeError:
        items = [data]
    wrong = next((item for item in items if not isinstance(item, ox.Triple | ox.Quad)), None)
    if wrong is not None:
        raise ParameterError(
            "give pyoxigraph triples or quads, an rdflib Graph or a CONSTRUCT answer; got "
            f"{described(wrong)} among them"
        )
    return sort_triples(items)


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _label_preference(value: tuple[str | None, str]) -> tuple[int, str]:
    lang = (value[0] or "").lower()
    return (0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2, value[1])


def _pick_label(values: list[tuple[str | None, str]]) -> str | None:
    """The label to show among (language, text) pairs: English first, then no language, then the
    rest, each in text order."""
    if len(values) < 2:  # most nodes have one label
        return values[0][1] if values else None
    return min(values, key=_label_preference)[1]


def _shown_label(known: Mapping[str, list[tuple[str | None, str]]]) -> str | None:
    """The label to show from a node's (language, text) pairs by property IRI: its rdfs:label
    (see :func:`_pick_label`), else its skos:prefLabel."""
    return _pick_label(known.get(LABEL.value, [])) or _pick_label(known.get(PREF_LABEL.value, []))


def node_labels(triples: Iterable[ox.Triple], nodes: Collection[str]) -> dict[str, str]:
    """The label ``triples`` give each of ``nodes`` (rdfs:label, English first, else
    skos:prefLabel, else the prefixed IRI), as networks label their nodes.

    >>> us = ox.NamedNode("https://w3id.org/atmp-kg/id/country/us")
    >>> node_labels([ox.Triple(us, LABEL, ox.Literal("United States", language="en"))], [us.value])
    {'https://w3id.org/atmp-kg/id/country/us': 'United States'}
    """
    found: dict[str, dict[str, list[tuple[str | None, str]]]] = {}
    for triple in triples:
        node = _node_id(triple.subject)
        if node in nodes and triple.predicate in (LABEL, PREF_LABEL):
            if isinstance(triple.object, ox.Literal):
                value = (triple.object.language, triple.object.value)
                found.setdefault(node, {}).setdefault(triple.predicate.value, []).append(value)
    return {node: _shown_label(found.get(node, {})) or shorten(node) for node in nodes}


#: Literal datatypes that network formats can carry as numbers or booleans (``typed=True``).
_TYPED = {
    XSD + "decimal": float,
    XSD + "double": float,
    XSD + "float": float,
    XSD + "integer": int,
    XSD + "int": int,
    XSD + "long": int,
    XSD + "gYear": int,
    XSD + "boolean": bool,
}
_GYEAR = XSD + "gYear"
#: XSD's lexical forms of its numbers: whole, decimal and floating-point.
WHOLE_FORM = r"[+-]?[0-9]+"
DECIMAL_FORM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
FLOAT_FORM = rf"{DECIMAL_FORM}(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN"
#: The lexical forms each kind of :data:`_TYPED` reads; a literal of its datatype written
#: otherwise ("abc"^^xsd:double, an ill-typed literal) keeps its attribute text.
_LEXICAL = {
    int: re.compile(WHOLE_FORM).fullmatch,
    float: re.compile(FLOAT_FORM).fullmatch,
    bool: re.compile(r"true|false|1|0").fullmatch,
}


def _typed_values(graph: networkx.MultiDiGraph, kinds: dict[str, set]) -> None:
    """Turn each attribute whose every value is one number or boolean into that type, across the
    whole graph (a network format declares one type per attribute)."""
    for name, found in kinds.items():
        if found & {int} and not _long_enough(graph, name):
            continue  # a whole number past 64 bits stays text: no reader's number holds it
        if found <= {int}:
            convert = int
        elif found <= {int, float}:
            convert = float
        elif found == {bool}:
            convert = lambda text: text in ("true", "1")  # noqa: E731 - xsd:boolean's lexical forms
        else:
            continue
        for _, attrs in graph.nodes(data=True):
            if name in attrs:
                attrs[name] = convert(attrs[name])


def _long_enough(graph: networkx.MultiDiGraph, name: str) -> bool:
    """Whether every whole number of attribute ``name`` fits in 64 bits (a network file's
    ``long``); a value that is not a whole number is the caller's to convert."""
    for _, attrs in graph.nodes(data=True):
        text = attrs.get(name)
        if (
            text is not None
            and _LEXICAL[int](text)
            and not -(2**63) <= int(text) < 2**63
        ):
            return False
    return True


#: The kinds of a fact's object (see :data:`Fact`).
IRI, BLANK, LITERAL, OTHER = "iri", "blank", "literal", "other"

#: One triple as a network reads it: the subject's node id (an IRI, or ``_:label`` for a blank
#: node), the property's IRI, the object's kind (:data:`IRI`, :data:`BLANK`, :data:`LITERAL`,
#: :data:`OTHER`) and value (an IRI, ``_:label``, a literal's text), and a literal's language
#: and datatype IRI (else None).
Fact = tuple[str, str, str, str, str | None, str | None]


def term_facts(triples: Iterable[ox.Triple]) -> Iterator[Fact]:
    """The :data:`Fact` of each triple.

    >>> t = ox.Triple(ox.BlankNode("b"), LABEL, ox.Literal("A", language="en"))
    >>> next(term_facts([t]))
    ('_:b', 'http://www.w3.org/2000/01/rdf-schema#label', 'literal', 'A', 'en', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString')
    """
    for triple in triples:
        node, predicate, obj = _node_id(triple.subject), triple.predicate.value, triple.object
        if isinstance(obj, ox.Literal):
            yield node, predicate, LITERAL, obj.value, obj.language, obj.datatype.value
        elif isinstance(obj, ox.NamedNode):
            yield node, predicate, IRI, obj.value, None, None
        elif isinstance(obj, ox.BlankNode):
            yield node, predicate, BLANK, f"_:{obj.value}", None, None
        else:
            yield node, predicate, OTHER, str(obj), None, None


def to_networkx(
    data: Iterable[ox.Triple | ox.Quad] | rdflib.Graph,
    *,
    typed: bool = True,
    hubs: Collection[str] = frozenset(),
    canonical: bool = False,
    drawn: Collection[str] = frozenset(),
    names: Mapping[str, str] = {},  # noqa: B006 - read, never changed
) -> networkx.MultiDiGraph:
    """RDF (pyoxigraph triples or quads, or an rdflib graph) as a ``networkx.MultiDiGraph``,
    its nodes and edges in canonical order (``canonical``: ``data`` holds triples in canonical
    order without duplicates already, as a slice gives them, and is not sorted again). What
    becomes a node, an edge or an attribute: see :func:`network_of_facts`; numbers and booleans
    are typed as the network exports type them, unless ``typed`` is False (every value text);
    an IRI value ``names`` names (IRI -> label) is written by its label.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/company/a"),
    ...               ox.NamedNode("https://w3id.org/atmp-kg/ontology#develops"),
    ...               ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/b"))
    >>> list(to_networkx([t]).edges(keys=True, data="label"))
    [('https://w3id.org/atmp-kg/id/company/a', 'https://w3id.org/atmp-kg/id/therapy/b', 'atmp:develops', 'develops')]
    """
    if not isinstance(typed, bool):
        raise ParameterError(f"typed must be True or False, got {described(typed)}")
    triples = list(data) if canonical else as_triples(data)
    return network_of_facts(
        list(term_facts(triples)), typed=typed, hubs=hubs, drawn=drawn, names=names
    )


_FIRST, _REST, _NIL = RDF + "first", RDF + "rest", RDF + "nil"
#: How deep a network writes blank nodes nested in one another; deeper ones are written ``…``
#: (each level is a call of its own, and no reader of an attribute wants more).
MAX_FOLDED_DEPTH = 64
#: How many blank nodes one value a network writes may hold, each cell of an RDF list one: a
#: node several others link to is written at each (a description is a tree), so thirty nodes
#: each linking twice to the next would be written a billion times, and a list of a million
#: items would be a value of megabytes; past it, ``…``.
MAX_FOLDED_NODES = 1_000
#: How many characters one value a network writes may hold: a node written at each link to it
#: is written with its literals, so 900 links to one node holding 100,000 characters made one
#: value of 90 million (sec26 F2); past it, the value is cut and ends with :data:`FOLDED_CUT`.
MAX_FOLDED_CHARS = 20_000
#: What a value cut at :data:`MAX_FOLDED_CHARS` ends with (how long it would be is not
#: known: the rest is not written).
FOLDED_CUT = f"… (more than {MAX_FOLDED_CHARS:,} characters in all)"


def fold_blank_nodes(facts: Sequence[Fact]) -> list[Fact]:
    """``facts`` with each blank node that a fact links to and that ``facts`` describe written
    into that fact as text, so that a network keeps what it holds: an RDF list as its items
    (``first, 2, three``), a nested description as ``name: value`` pairs (``inner: (deepest:
    three levels); price: 1.5``), in the order of their facts; a cycle stops at a node already
    written (``…``), and so does a description nested deeper than :data:`MAX_FOLDED_DEPTH` or
    holding more than :data:`MAX_FOLDED_NODES` nodes, each cell of a list one (a list of more
    items is written as its first ones, then ``…``); a value longer than
    :data:`MAX_FOLDED_CHARS` characters is its first ones, then :data:`FOLDED_CUT`. A node
    several facts link to is written once. The folded nodes' own facts go;
    a blank node nothing links to stays a subject.

    >>> b, ex = "_:b", "http://example.org/"
    >>> facts = [(ex + "s", ex + "dose", BLANK, b, None, None),
    ...          (b, ex + "amount", LITERAL, "5", None, XSD + "integer"),
    ...          (b, ex + "unit", LITERAL, "mg", None, XSD + "string")]
    >>> fold_blank_nodes(facts)
    [('http://example.org/s', 'http://example.org/dose', 'literal', 'amount: 5; unit: mg', None, 'http://www.w3.org/2001/XMLSchema#string')]
    """
    return [fact for fact in _folded(facts) if fact is not None]


class _Full(Exception):
    """Raised when the value being written has passed :data:`MAX_FOLDED_CHARS`: what is left
    of it, however nested, is not written."""


def _folded(facts: Sequence[Fact]) -> list[Fact | None]:
    """Each fact of ``facts`` as :func:`fold_blank_nodes` writes it, or None where it goes (a
    folded node's own), in the order of ``facts``."""
    described: dict[str, dict[Fact, None]] = {}
    for fact in facts:
        if fact[0].startswith("_:"):
            # a blank node two entities reach is read with each of them: its facts count once
            described.setdefault(fact[0], {})[fact] = None
    folded = {f[3] for f in facts if f[2] == BLANK and f[3] in described}
    if not folded:
        return list(facts)
    # each list cell's items and next cell, read once: a cell is written at each link to it
    items: dict[str, list[Fact]] = {}
    rests: dict[str, str] = {}
    for node, own in described.items():
        for f in own:
            if f[1] == _FIRST:
                items.setdefault(node, []).append(f)
            elif f[1] == _REST:
                rests.setdefault(node, f[3])

    out: list[str] = []  # the value being written, in pieces
    room = [0]  # how many more characters it may hold before it is cut, and one more
    left = [0]  # how many more nodes it may hold

    def put(piece: str) -> None:
        out.append(piece[: room[0]])
        room[0] -= len(piece)
        if room[0] <= 0:
            raise _Full

    def value(kind: str, text: str, path: frozenset[str]) -> None:
        if kind == BLANK and text in described:
            put("(")
            written(text, path)
            put(")")
        else:
            put(shorten(text) if kind == IRI else text)

    def written(node: str, path: frozenset[str]) -> None:
        if node in path or len(path) >= MAX_FOLDED_DEPTH or left[0] <= 0:
            put("…")
            return
        left[0] -= 1
        path = path | {node}
        if node in items:
            step, seen, first = node, {node}, True
            while True:
                for f in items.get(step, ()):
                    if not first:
                        put(", ")
                    first = False
                    value(f[2], f[3], path)
                step = rests.get(step, _NIL)
                if step not in described or step in seen:
                    return
                if left[0] <= 0:
                    put(", …" if not first else "…")
                    return
                left[0] -= 1
                seen.add(step)
        for i, f in enumerate(described[node]):
            put(f"; {local_name(f[1])}: " if i else f"{local_name(f[1])}: ")
            value(f[2], f[3], path)

    texts: dict[str, str] = {}

    def whole(node: str) -> str:
        # a node's whole text depends on nothing but the node: shared, a list is walked once
        if node not in texts:
            out.clear()
            room[0], left[0] = MAX_FOLDED_CHARS + 1, MAX_FOLDED_NODES
            try:
                written(node, frozenset())
                texts[node] = "".join(out)
            except _Full:
                texts[node] = "".join(out)[:MAX_FOLDED_CHARS] + FOLDED_CUT
        return texts[node]

    return [
        None
        if fact[0] in folded
        else (fact[0], fact[1], LITERAL, whole(fact[3]), None, XSD + "string")
        if fact[2] == BLANK and fact[3] in folded
        else fact
        for fact in facts
    ]


def fold_blank_triples(triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with each blank node that a triple links to and that ``triples`` describe
    written into that triple as text (an ``xsd:string``), as :func:`fold_blank_nodes` writes it
    into a network's attribute; the folded nodes' own triples go. What the view's side panel
    and ``show`` print of a blank node.

    >>> b, p = ox.BlankNode("b"), ox.NamedNode("http://example.org/unit")
    >>> [t.object.value for t in fold_blank_triples([ox.Triple(ox.NamedNode("urn:s"), p, b), ox.Triple(b, p, ox.Literal("mg"))])]
    ['unit: mg']
    """
    facts = list(term_facts(triples))
    # only the nodes the kept triples link to are written, not each linked one: a list's cells
    # link to one another, and writing each cell's rest cost the square of its length (sec25 M3)
    return [
        ox.Triple(t.subject, t.predicate, ox.Literal(kept[3]))
        if f[2] == BLANK and kept[2] == LITERAL
        else t
        for t, f, kept in zip(triples, facts, _folded(facts), strict=True)
        if kept is not None
    ]


def _vocabulary_value(iri: str) -> str:
    """A value such as a date's precision as the view's side panel shows it: its label, else
    its prefixed IRI."""
    return vocabulary_label(iri) or shorten(iri)


def network_of_facts(
    facts: Sequence[Fact],
    *,
    typed: bool = False,
    hubs: Collection[str] = frozenset(),
    drawn: Collection[str] = frozenset(),
    names: Mapping[str, str] = {},  # noqa: B006 - read, never changed
) -> networkx.MultiDiGraph:
    """The network of ``facts`` (see :data:`Fact`; in canonical order), a ``networkx.MultiDiGraph``.

    Nodes are the subjects and the instance IRIs linked to, with attributes ``label`` (rdfs:label,
    English first, else skos:prefLabel, else the prefixed IRI), ``class`` (prefixed classes, several
    joined by ``;``) and one attribute per other literal or non-entity IRI property, named by the
    property's local name (several values joined by `` | ``); a blank node a fact links to is
    that fact's text (see :func:`fold_blank_nodes`). Each link is an edge keyed by the
    prefixed property, with ``property`` (the IRI) and ``label`` (its label) attributes. The
    derived shortcuts and retired IRIs' pointers (:data:`~atmpkg.graph.terms.NOT_DRAWN`) are left out,
    but for the links of the properties in ``drawn`` (those a query asked for).

    Attribute values are text; with ``typed``, an attribute whose every value in the graph is a
    single number (xsd:decimal, xsd:double, xsd:integer, ...; an xsd:gYear of a property whose
    declared range is xsd:gYear) or boolean becomes a Python ``float``, ``int`` or ``bool``, so
    that network formats declare it as such.

    The IRIs in ``hubs`` (see :func:`~atmpkg.graph.slice.subgraph.hub_members`) are not nodes: a
    link to one becomes an attribute of its subject, named by the property and holding the hub's
    label (``country: United States``), and a hub's own links are left out. An IRI value that
    ``names`` names (IRI -> label: an import's own ``ex:trial-1``, see
    :func:`~atmpkg.graph.slice.subgraph.value_labels`) is written by its label.

    >>> fact = ("https://w3id.org/atmp-kg/id/deal/a", ATMP + "valueUSD", LITERAL, "5", None, XSD + "decimal")
    >>> network_of_facts([fact], typed=True).nodes["https://w3id.org/atmp-kg/id/deal/a"]["valueUSD"]
    5.0
    """
    import networkx as nx

    facts = fold_blank_nodes(facts)
    subjects = {fact[0] for fact in facts}
    graph = nx.MultiDiGraph()
    # each node's and each hub's labels, by property (rdfs:label, skos:prefLabel)
    label_values: dict[str, dict[str, list[tuple[str | None, str]]]] = {}
    classes: dict[str, list[str]] = {}
    values: dict[str, dict[str, list[str]]] = {}
    kinds_of: dict[tuple[str, str], set] = {}
    edges = []
    to_hubs = []
    label, pref_label, kind_of_type = LABEL.value, PREF_LABEL.value, TYPE.value

    def keep_label(node: str, prop: str, language: str | None, text: str) -> None:
        label_values.setdefault(node, {}).setdefault(prop, []).append((language, text))

    years = property_ends()[1] if typed else {}
    last = None
    for node, predicate, kind, value, language, datatype in facts:
        if node in hubs:
            if predicate in (label, pref_label) and kind == LITERAL:
                keep_label(node, predicate, language, value)
            continue
        if node != last:  # a subject's facts come together: its node is added once
            graph.add_node(node)
            last = node
        # an asked shortcut is drawn as a link; a value one (dateEnd: a period's last day, which
        # no source states) is no attribute of anything
        if predicate in NOT_DRAWN and (predicate not in drawn or kind == LITERAL):
            continue
        if kind == IRI and value in hubs:
            to_hubs.append((node, predicate, value))
        elif predicate == kind_of_type and kind == IRI:
            classes.setdefault(node, []).append(shorten(value))
        elif predicate == label and kind == LITERAL:
            keep_label(node, label, language, value)
        elif kind in (IRI, BLANK) and (value in subjects or (kind == IRI and is_node_iri(value))):
            edges.append((node, value, predicate))
        else:
            if predicate == pref_label:
                keep_label(node, pref_label, language, value)
            if kind == IRI and value in names:
                text = names[value]
            elif kind == IRI and value.startswith(ID):
                text = _vocabulary_value(value)
            else:
                text = value
            values.setdefault(node, {}).setdefault(predicate, []).append(text)
            if typed:
                found = _TYPED.get(datatype) if datatype is not None else None
                if found is not None and not _LEXICAL[found](value):
                    found = None
                if datatype == _GYEAR and years.get(predicate) != _GYEAR:
                    # a year is a number where the property holds years only (atmp:year), not
                    # where a month or a day may come next (a figure's period): its type would
                    # change with the data (joints20 F4)
                    found = None
                kinds_of.setdefault((node, predicate), set()).add(found)
    for source, target, prop in edges:
        graph.add_edge(source, target, key=shorten(prop), property=prop, label=property_label(prop))
    shown_hubs = {hub: _shown_label(label_values.get(hub, {})) for _, _, hub in to_hubs}
    for node, prop, hub in to_hubs:
        values.setdefault(node, {}).setdefault(prop, []).append(shown_hubs[hub] or shorten(hub))
        kinds_of.setdefault((node, prop), set()).add(None)
    names_kinds: dict[str, set] = {}
    dated = {
        node: stated_dates((prop, text) for prop, texts in found.items() for text in texts)
        for node, found in values.items()
    }
    names = attribute_names(prop for found in dated.values() for prop, _ in found)
    for node, attrs in graph.nodes(data=True):
        shown = _shown_label(label_values.get(node, {}))
        attrs["label"] = shown or (shorten(node) if not node.startswith("_:") else node)
        if node in classes:
            attrs["class"] = ";".join(sorted(classes[node]))
        named: dict[str, list[str]] = {}
        of_name: dict[str, str] = {}
        for prop, text in dated.get(node, []):
            named.setdefault(names[prop], []).append(text)
            of_name[names[prop]] = prop
        for name, texts in sorted(named.items()):
            attrs[name] = " | ".join(texts)
            if typed:
                # a date as stated is text: neither an xsd:date nor a date stated alone has a kind
                kinds = kinds_of.get((node, of_name[name]), {None}) if len(texts) == 1 else {None}
                names_kinds.setdefault(name, set()).update(kinds)
    if typed:
        _typed_values(graph, names_kinds)
    return graph


def to_rdflib_graph(items: Iterable[ox.Triple | ox.Quad]) -> rdflib.Graph:
    """pyoxigraph triples (or quads, whose graph is left out) as an rdflib graph, term by term.

    Not through N-Triples text: rdflib's N-Triples parser matches its pattern again on every 2 kB it
    reads of a line, so one literal of 5 million characters took it 140 s; this is linear.

    >>> len(to_rdflib_graph([ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))]))
    1
    """
    import rdflib

    iris: dict[str, rdflib.URIRef] = {}  # an IRI recurs in many triples; each is made once

    def term(value: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Identifier:
        if isinstance(value, ox.NamedNode):
            found = iris.get(value.value)
            if found is None:
                found = iris[value.value] = rdflib.URIRef(value.value)
            return found
        if isinstance(value, ox.BlankNode):
            return rdflib.BNode(value.value)
        if isinstance(value, ox.Triple):
            raise ParameterError(
                f"an RDF 1.2 triple term ({value}) has no rdflib form: rdflib reads RDF 1.1"
            )
        if value.language:
            return rdflib.Literal(value.value, lang=value.language)
        datatype = value.datatype.value
        # as rdflib reads a plain N-Triples literal: without a datatype
        return rdflib.Literal(
            value.value, datatype=None if datatype == XSD_STRING else term(value.datatype)
        )

    graph = rdflib.Graph()
    graph.addN((term(i.subject), term(i.predicate), term(i.object), graph) for i in items)
    return graph


def iris_of(items: Iterable[ox.Triple | ox.Quad]) -> Iterator[str]:
    """The IRIs of ``items``: their named nodes, their literals' datatypes and their graph names.

    >>> list(iris_of([ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("1", datatype=ox.NamedNode("urn:d")))]))
    ['urn:s', 'urn:p', 'urn:d']
    """
    for item in items:
        for term in (item.subject, item.predicate, item.object):
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal):
                yield term.datatype.value
        if isinstance(item, ox.Quad) and isinstance(item.graph_name, ox.NamedNode):
            yield item.graph_name.value


def used_prefixes(items: Iterable[ox.Triple | ox.Quad]) -> dict[str, str]:
    """The predeclared prefixes that abbreviate some IRI of ``items``, sorted by prefix.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/a"), ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("A"))
    >>> list(used_prefixes([t]))
    ['rdfs', 'therapy', 'xsd']
    """
    used = prefix_names(set(iris_of(items)))
    return {p: PREFIXES[p] for p in sorted(used)}


def prefix_names(iris: Iterable[str]) -> set[str]:
    """The predeclared prefixes that abbreviate some of ``iris``.

    >>> sorted(prefix_names(["http://www.w3.org/2000/01/rdf-schema#label", "urn:x"]))
    ['rdfs']
    """
    names: set[str] = set()
    abbreviated: set[str] = set()
    for iri in iris:
        # shorten picks the namespace where the IRI's last "/" or "#" ends it: once an IRI of a
        # namespace is abbreviated, the others of it (thousands at scale) add nothing
        namespace = iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
        if namespace in abbreviated:
            continue
        name = shorten(iri).partition(":")[0]
        if name in PREFIXES:
            names.add(name)
            abbreviated.add(namespace)
    return names

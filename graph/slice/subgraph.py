"""Select slices of the graph: the whole graph, an entity's neighbourhood, classes, or a query's answer.

A slice is a sorted list of pyoxigraph triples about a set of *nodes* (instance IRIs under
``https://w3id.org/atmp-kg/id/``). It holds every node's literals, classes and labels, the links
between its nodes, and nothing that points outside it, so that every node it mentions is described.
Provenance (``dct:source`` links and the ``atmp:Source`` nodes they point to) is left out unless
``with_sources=True``: sources are hubs that would dominate any network built from the slice.
A :class:`Slice` reads its triples one subject at a time, so that a graph of millions of triples can
be written without holding it in memory. :func:`slice_of` selects the slice a
:class:`~atmpkg.graph.handle.Selection` names (``kg.select(...).slice()``).

>>> triples = atmpkg.open().select(focus="kymriah").triples()
>>> len(triples)
544
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..engine.evaluate import TRUNCATED
from ..errors import EmptyResultError, ParameterError, StoreError, UnknownNameError, singulars
from ..progress import Progress, Stage
from ..rdf import (
    BLANK,
    IRI,
    LABEL,
    TYPE,
    Fact,
    blank_closure,
    is_node,
    node_labels,
    ontology_quads,
    sort_triples,
    term_facts,
    triple_key,
)
from ..sparql.entities import name_text, resolve_entity
from ..sparql.named import CommandNote
from ..sparql.run import QueryResult
from ..store.remote import RemoteStore, prefetch, require_data
from ..terms import (
    ATMP,
    DCT,
    HUB_CLASSES,
    ID,
    NOT_DRAWN,
    OWL,
    PREFIXES,
    PROJECT_IRIS,
    expand,
    shorten,
)

if TYPE_CHECKING:
    from ..handle import KnowledgeGraph
    from .selection import Selection
    from .whole import WholeGraph

StorePath = str | os.PathLike[str] | None
Subject = ox.NamedNode | ox.BlankNode
SOURCE = ox.NamedNode(DCT + "source")
INVERSE_OF = ox.NamedNode(OWL + "inverseOf")
PARTIAL_INVERSE_OF = ox.NamedNode(ATMP + "partialInverseOf")


def _select_iris(store: ox.Store, sparql: str) -> set[str]:
    return {row[0].value for row in store.query(sparql, prefixes=PREFIXES)}


def source_iris(store: ox.Store | RemoteStore) -> set[str]:
    """The IRIs of the source documents (``atmp:Source``) in ``store``.

    >>> ID + "source/report-act-cancer-market" in source_iris(kg._current().store)
    True
    """
    return _select_iris(store, "SELECT ?s WHERE { ?s a atmp:Source }")


def _instances(store: ox.Store) -> tuple[set[str], dict[str, str], set[str]]:
    """Every node of the graph (see :func:`~atmpkg.graph.rdf.is_node`); each retired IRI,
    which is none, with the IRI that replaced it; and the IRIs outside the project's that
    imports describe (``ex:t1``), which are values, not nodes."""
    # The subjects are told apart here: a filter in the query tests every triple, not every
    # subject (3.6 s against 1.0 s at a million triples). One query: one request to a remote store.
    rows = store.query(
        "SELECT DISTINCT ?s ?retired ?new WHERE { { ?s ?p ?o } UNION { ?retired dct:isReplacedBy ?new } }",
        prefixes=PREFIXES,
    )
    subjects, retired, foreign = set(), {}, set()
    for subject, old, new in rows:
        if old is not None:
            retired[old.value] = new.value
        elif is_node(subject):
            subjects.add(subject.value)
        elif isinstance(subject, ox.NamedNode) and not PROJECT_IRIS.match(subject.value):
            foreign.add(subject.value)
    return subjects - retired.keys(), retired, foreign


#: The namespaces of the vocabularies the graph's terms come from (rdf, skos, schema…).
_VOCABULARIES = tuple(PREFIXES.values())


def value_labels(iris: Iterable[str], store: ox.Store | RemoteStore) -> dict[str, str]:
    """The label of each IRI of ``iris`` outside the project's namespace (an import's
    ``ex:trial-1``) that ``store`` gives one (rdfs:label, English first), by which networks and
    the view's side panel write such a value, as ``show`` does (joints29 F2: they wrote the bare
    IRI); an IRI without a label is left out, and stays the value. A term of a vocabulary the
    graph uses (``skos:Concept``) is no import's own; the others are looked up in a request per
    batch of a remote store, not one each.

    >>> s, t1 = ox.Store(), ox.NamedNode("https://example.org/my#t1")
    >>> s.add(ox.Quad(t1, LABEL, ox.Literal("Trial one", language="en")))
    >>> value_labels([t1.value, "https://example.org/my#t2"], s)
    {'https://example.org/my#t1': 'Trial one'}
    """
    found: dict[str, str] = {}
    asked = sorted(
        iri
        for iri in set(iris)
        # the graph's own (nodes, hubs, terms of the ontology) and the vocabularies' terms
        if not PROJECT_IRIS.match(iri) and not iri.startswith(_VOCABULARIES)
    )
    prefetch(store, asked, incoming=False)
    for iri in asked:
        labels = [q.triple for q in store.quads_for_pattern(ox.NamedNode(iri), LABEL, None)]
        if any(isinstance(t.object, ox.Literal) for t in labels):
            found[iri] = node_labels(labels, [iri])[iri]
    return found


def linked_from_outside(
    nodes: Iterable[str], store: ox.Store | RemoteStore
) -> dict[str, list[tuple[str, str]]]:
    """For each of ``nodes`` that an IRI outside the project's namespace links to (an import's
    ``ex:trial-1 ex:tests therapy:x``), the (property, IRI) of each such link, in canonical
    order: the view's side panel lists them as values (joints29 F1), as ``show`` lists them
    under "Linked from"; a network has no node for such an IRI, nor a link from it.

    >>> s, t1 = ox.Store(), ox.NamedNode("https://example.org/my#t1")
    >>> s.add(ox.Quad(t1, ox.NamedNode("https://example.org/my#tests"), ox.NamedNode(ID + "therapy/a")))
    >>> linked_from_outside([ID + "therapy/a"], s)
    {'https://w3id.org/atmp-kg/id/therapy/a': [('https://example.org/my#tests', 'https://example.org/my#t1')]}
    """
    listed = sorted(set(nodes))
    prefetch(store, listed)  # a remote store: a request per batch
    found: dict[str, list[tuple[str, str]]] = {}
    for iri in listed:
        links = {
            (q.predicate.value, q.subject.value)
            for q in store.quads_for_pattern(None, None, ox.NamedNode(iri))
            if isinstance(q.subject, ox.NamedNode) and not PROJECT_IRIS.match(q.subject.value)
        }
        if links:
            found[iri] = sorted(links)
    return found


def names_of(value: str | ox.NamedNode | Iterable[str | ox.NamedNode]) -> tuple:
    """The names in ``value``: one name (text or ``NamedNode``) is a tuple of one, as a
    researcher means ``classes="atmp:Company"``.

    >>> names_of("atmp:Company"), names_of(["atmp:Company", "atmp:Therapy"])
    (('atmp:Company',), ('atmp:Company', 'atmp:Therapy'))
    """
    if isinstance(value, str | ox.NamedNode):
        return (value,)
    return tuple(value) if isinstance(value, Iterable) else (value,)


def resolve_class(text: str | ox.NamedNode, store: ox.Store) -> str:
    """The IRI of the class ``text`` names: ``atmp:Therapy``, ``Therapy``, its label, the kind of
    its entities (``agency``) or a full IRI (text or ``NamedNode``; case-insensitive), also in the
    plural (``agencies``, rev26 F4), as :func:`~atmpkg.graph.store.csvdata.class_names` names the
    ontology's classes. Unknown names raise :class:`UnknownNameError` with the closest classes.

    >>> from atmpkg.graph.store.build import open_store
    >>> resolve_class("regulatory agency", open_store().store)
    'https://w3id.org/atmp-kg/ontology#RegulatoryAgency'
    >>> resolve_class("agencies", open_store().store)  # the kind its entities' IRIs name
    'https://w3id.org/atmp-kg/ontology#RegulatoryAgency'
    """
    # the data's reader (a fifth of a second to import) is loaded when a class is named, not by
    # every process that imports this module (a server's workers)
    from ..store.csvdata import class_names

    wanted = name_text(text, "a class", "atmp:Therapy, Therapy or its label").strip()
    given = wanted.strip("<>")
    wanted = given.lower()
    classes = _select_iris(
        store,
        "SELECT DISTINCT ?c WHERE { { ?c a owl:Class } UNION { ?c a rdfs:Class } UNION "
        f'{{ ?x a ?c FILTER(STRSTARTS(STR(?x), "{ID}")) }} FILTER(isIRI(?c)) }}',
    )
    # the ontology's classes by the names the CLI reads too, and any other class of the store
    # (an import's own) by its IRI, prefixed name, local name and label
    names: dict[str, set[str]] = {name: set(found) for name, found in class_names().items()}
    for cls in classes:
        label = next(store.quads_for_pattern(ox.NamedNode(cls), LABEL, None), None)
        local = cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        for name in (cls, shorten(cls), local, label.object.value if label else ""):
            if name:
                names.setdefault(name.lower(), set()).add(cls)
    found = names.get(wanted, set())
    # a class named in the plural (companies, agencies) is the class it names, where it names
    # one (newuser26 F5, rev26 F4)
    meant = {cls for name in singulars(wanted) for cls in names.get(name, ())}
    if len(found) == 1 or (not found and len(meant) == 1):
        return next(iter(found or meant))
    if found or meant:
        raise ParameterError(
            f"class '{text}' is ambiguous: {', '.join(sorted(shorten(c) for c in found or meant))}"
        )
    typed = ox.NamedNode(given) if re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", given) else None
    if typed is not None and next(store.quads_for_pattern(None, TYPE, typed), None) is not None:
        # a class of an import's own that nothing declares, given by its IRI, whose instances
        # are values (joints29 F3): those who select it are told so, not that it is unknown
        return given
    entity = _an_entity(text, store)
    if entity is not None:
        # an entity given as a class (--class Novartis) is said to be one, with its IRI, by
        # which each door says where to give it (joints27 F5)
        raise UnknownNameError(
            "class",
            text,
            hint=(
                f"'{text}' names an entity ({shorten(entity)}), not a class: to select it and its "
                f"neighbours, give it as the focus (focus={str(text)!r})."
            ),
            suggestions=[],
            entities=[entity],
        )
    require_data(store)  # an endpoint without the data: no class of ATMP-KG's has instances there
    raise UnknownNameError(
        "class",
        text,
        sorted(shorten(c) for c in classes if c.startswith(ATMP)),
        "Give a class such as atmp:Therapy (see 'atmpkg stats').",
    )


def _an_entity(text: str | ox.NamedNode, store: ox.Store) -> str | None:
    """The IRI of the entity ``text`` names exactly, or None."""
    try:
        return resolve_entity(text, store, correct=False)
    except (UnknownNameError, ParameterError):
        return None


def class_members(classes: Sequence[str], store: ox.Store) -> set[str]:
    """IRIs of the instances of any of ``classes`` (names as for :func:`resolve_class`), including
    instances of their subclasses.

    >>> from atmpkg.graph.store.build import open_store
    >>> ID + "target/cd19" in class_members(["atmp:Target"], open_store().store)
    True
    """
    members: set[str] = set()
    for text in classes:
        cls = resolve_class(text, store)
        answer = store.query(
            "SELECT DISTINCT ?x ?c WHERE { ?x a/rdfs:subClassOf* ?c }",
            prefixes=PREFIXES,
            substitutions={ox.Variable("c"): ox.NamedNode(cls)},
        )
        members |= {row[0].value for row in answer if is_node(row[0])}
    return members


def values_of_classes(
    classes: Sequence[str], store: ox.Store, what: str, *, construct: bool
) -> str | None:
    """Why ``what`` (a selection of ``classes``, as a message names it) holds no entity, when
    the classes' instances are all IRIs outside the graph's entities (an import's
    ``ex:trial-1``): that these are values, and how to make them entities or (``construct``: for
    a view or an export) to draw them by a CONSTRUCT of their triples (joints29 F3); None when
    the classes have no such instance either.

    >>> from atmpkg.graph.store.build import open_store
    >>> print(values_of_classes(["atmp:Therapy"], open_store().store, "class", construct=True))
    None
    """
    outside: set[str] = set()
    for text in classes:
        answer = store.query(
            "SELECT DISTINCT ?x ?c WHERE { ?x a/rdfs:subClassOf* ?c FILTER(isIRI(?x)) }",
            prefixes=PREFIXES,
            substitutions={ox.Variable("c"): ox.NamedNode(resolve_class(text, store))},
        )
        outside |= {row[0].value for row in answer if not is_node(row[0])}
    if not outside:
        return None
    more = f" and {len(outside) - 1:,} more" if len(outside) > 1 else ""
    instead = (
        f", or view or export a CONSTRUCT of their triples (--file with CONSTRUCT {{ ?s ?p ?o }} "
        f"WHERE {{ ?s a <{resolve_class(classes[0], store)}> ; ?p ?o }})"
        if construct
        else ""
    )
    return (
        f"{what} holds no entities: its instances (<{min(outside)}>{more}) are IRIs outside "
        f"{ID}, which views, networks and exports treat as values, not entities; to make them "
        f"entities, mint their IRIs under {ID}<kind>/{instead}"
    )


#: The hub classes as a SPARQL ``VALUES`` block over ``?hub``.
_HUB_VALUES = "VALUES ?hub { " + " ".join(f"<{expand(c)}>" for c in HUB_CLASSES) + " }"


def _hub_class(cls: str, store: ox.Store) -> bool:
    return bool(
        store.query(
            f"ASK {{ {_HUB_VALUES} ?c rdfs:subClassOf* ?hub }}",
            prefixes=PREFIXES,
            substitutions={ox.Variable("c"): ox.NamedNode(cls)},
        )
    )


def hub_members(store: ox.Store, through: Sequence[str] = ()) -> set[str]:
    """The hubs of the graph (instances of :data:`~atmpkg.graph.terms.HUB_CLASSES`: places,
    agencies, concept values), except the instances of the ``through`` classes, which a network
    then follows as links. A class in ``through`` must be a hub class (or one of its subclasses):
    anything else raises :class:`ParameterError`, since it would change nothing.

    >>> from atmpkg.graph.store.build import open_store
    >>> hubs = hub_members(open_store().store)
    >>> ID + "agency/fda" in hubs, ID + "therapy/kymriah" in hubs
    (True, False)
    """
    found = _select_iris(
        store, f"SELECT DISTINCT ?x WHERE {{ {_HUB_VALUES} ?x a/rdfs:subClassOf* ?hub }}"
    )
    return {iri for iri in found if is_node(ox.NamedNode(iri))} - through_members(store, through)


def through_members(store: ox.Store, through: Sequence[str]) -> set[str]:
    """The instances of the ``through`` classes, which must be hub classes (or subclasses of
    one), or the concepts of the ``through`` concept schemes (``scheme:modality``, by prefixed
    name or IRI): anything else raises :class:`ParameterError`, which lists what is taken, since
    following it changes nothing.

    >>> from atmpkg.graph.store.build import open_store
    >>> ID + "agency/fda" in through_members(open_store().store, ["atmp:RegulatoryAgency"])
    True
    >>> sorted(through_members(open_store().store, ["scheme:modality"]))[0]
    'https://w3id.org/atmp-kg/id/modality/aav-gene-therapy'
    """
    followed: set[str] = set()
    for text in through:
        cls = through_class(text, store)
        if cls is None:
            scheme = _named_scheme(text, _concept_schemes(store))
            query = f"SELECT DISTINCT ?x WHERE {{ ?x skos:inScheme <{scheme}> }}"
            followed |= _select_iris(store, query)
        elif not _hub_class(cls, store):
            given = str(text).strip().strip("<>")
            raise ParameterError(
                _not_followed(f"{shorten(cls)} is no hub class", given, _concept_schemes(store))
                + "; every other class is followed as a link already"
            )
        else:
            followed |= class_members([cls], store)
    return followed


def through_class(text: str, store: ox.Store) -> str | None:
    """The IRI of the class a ``through`` value ``text`` names (as :func:`resolve_class` reads
    it), or None where it names a concept scheme (``scheme:modality``, by prefixed name or IRI);
    a name of neither raises :class:`ParameterError`, which lists what ``through`` takes, and an
    entity the :class:`UnknownNameError` that offers it as the focus.

    >>> from atmpkg.graph.store.build import open_store
    >>> through_class("agency", open_store().store), through_class("scheme:modality", open_store().store)
    ('https://w3id.org/atmp-kg/ontology#RegulatoryAgency', None)
    """
    schemes = _concept_schemes(store)
    if _named_scheme(text, schemes) is not None:
        return None
    try:
        return resolve_class(text, store)
    except UnknownNameError as exc:
        if exc.entities:  # an entity given as a class is told so, with its IRI
            raise
        given = str(text).strip().strip("<>")
        raise ParameterError(_not_followed(f"'{text}' names no class or concept scheme", given, schemes)) from None


def _named_scheme(text: str, schemes: Sequence[str]) -> str | None:
    """The concept scheme among ``schemes`` that ``text`` names by its IRI or prefixed name."""
    given = str(text).strip().strip("<>")
    return next((iri for iri in schemes if given in (iri, shorten(iri))), None)


def _concept_schemes(store: ox.Store) -> list[str]:
    """The IRIs of the store's concept schemes, in order."""
    return sorted(_select_iris(store, "SELECT DISTINCT ?s WHERE { ?s a skos:ConceptScheme }"))


def _not_followed(why: str, given: str, schemes: Sequence[str]) -> str:
    """What ``--through`` says of ``given``, which names neither a hub class nor a concept
    scheme (``why``): what it takes, and the scheme a class-like name such as ``atmp:Modality``
    or ``DealType`` means (joints31 F7: the values of a concept are typed skos:Concept, in a
    scheme, and no class is declared for them)."""
    squeezed = re.sub(r"[^a-z0-9]", "", given.rsplit("#", 1)[-1].rsplit(":", 1)[-1].lower())
    meant = [s for s in schemes if re.sub(r"[^a-z0-9]", "", s.rsplit("/", 1)[-1]) == squeezed]
    hint = f" (did you mean {shorten(meant[0])}?)" if meant else ""
    hubs = [f"{c} (every concept value of every scheme)" if c == "skos:Concept" else c for c in HUB_CLASSES]
    return (
        f"--through (Python: through=) takes a hub class or a concept scheme, and {why}{hint}. "
        f"The hub classes: {', '.join(hubs)}, and their subclasses; a concept scheme draws its "
        "own concepts alone: "
        f"{', '.join(shorten(s) for s in schemes)}"
    )


def _linked_either_way(node: ox.NamedNode, store: ox.Store) -> set[str]:
    """The nodes ``node`` links to or is linked from, derived shortcuts left out."""
    near = {
        q.object.value
        for q in store.quads_for_pattern(node, None, None)
        if is_node(q.object) and not _shortcut(q)
    }
    return near | {
        q.subject.value
        for q in store.quads_for_pattern(None, None, node)
        if is_node(q.subject) and not _shortcut(q)
    }


def _neighbourhood(
    store: ox.Store, focus: str, hops: int, sources: set[str], hubs: set[str]
) -> dict[str, int]:
    """Nodes within ``hops`` links of ``focus`` with their distance, nearest first (sorted by IRI
    within a distance), following links both ways but never into a source (a source is reached
    only as the focus itself) and never on from a hub: a hub is reached, as an attribute of what
    links to it, but not walked through."""
    seen, frontier = {focus: 0}, {focus}
    for distance in range(1, hops + 1):
        reached: set[str] = set()
        prefetch(store, frontier)  # a remote store: a request per batch of the hop, not two a node
        for iri in frontier:
            reached |= _linked_either_way(ox.NamedNode(iri), store)
        frontier = {n for n in reached if n not in seen and n not in sources}
        seen.update((n, distance) for n in sorted(frontier))
        frontier -= hubs
        if not frontier:
            break
    return seen


def _by_links(nodes: set[str], store: ox.Store) -> list[str]:
    """``nodes``, best connected first (ties by IRI): the hubs of a graph make its overview."""
    degree: dict[str, int] = {}
    # Scheme membership and concept mappings make every concept scheme a hub, and a date's
    # precision is a value of the date; they are not the links a researcher looks for.
    left_out = [
        "rdf:type", "skos:inScheme", "skos:broadMatch", "skos:closeMatch", "skos:exactMatch",
        "atmp:datePrecision", "atmp:parentSincePrecision", "atmp:issuedPrecision",
    ] + [f"<{p}>" for p in sorted(NOT_DRAWN)]
    # != each, not NOT IN: Virtuoso 7.2 drops most groups of this GROUP BY over a UNION when
    # the filter is NOT IN (3,489 of 10,691 entities of the curated graph), and the sample of
    # --max-nodes was then another one (joints32 F2)
    text = (
        "SELECT ?n (COUNT(*) AS ?d) WHERE { { ?n ?p ?o FILTER(isIRI(?o)) } UNION { ?s ?p ?n } "
        "FILTER(" + " && ".join(f"?p != {p}" for p in left_out) + ") } GROUP BY ?n"
    )
    with Stage("Ranking the entities by their links"):
        rows = list(store.query(text, prefixes=PREFIXES))
    for row in rows:
        degree[row["n"].value] = int(row["d"].value)
    return sorted(nodes, key=lambda n: (-degree.get(n, 0), n))


def cap_nodes(
    nodes: set[str], max_nodes: int, store: ox.Store, distance: Mapping[str, int] | None = None
) -> tuple[set[str], str | None]:
    """Keep at most ``max_nodes`` of ``nodes``: the nearest to the focus when ``distance`` is given
    (the best connected first among equally near ones), else the best connected. Returns the kept
    nodes and how they were chosen (None when nothing was left out).

    >>> import pyoxigraph
    >>> kept, how = cap_nodes({"a", "b", "c"}, 2, pyoxigraph.Store(), {"a": 0, "b": 1, "c": 2})
    >>> sorted(kept), how
    (['a', 'b'], 'the nearest to the focus, best connected first')
    """
    if len(nodes) <= max_nodes:
        return nodes, None
    by_links = {n: i for i, n in enumerate(_by_links(nodes, store))}
    if distance is not None:
        order = sorted(nodes, key=lambda n: (distance.get(n, len(distance)), by_links[n]))
        how = "the nearest to the focus, best connected first"
    else:
        order = sorted(nodes, key=by_links.__getitem__)
        how = "the best connected"
    return set(order[:max_nodes]), how


def inverse_pairs(quads: Iterable[ox.Quad | ox.Triple]) -> dict[str, str]:
    """The inverse links an ontology declares, as {inverse property: the property it inverts}.

    ``A owl:inverseOf B`` makes ``A`` the inverse of ``B``: the ontology states it on the property
    the build materialises (``atmp:develops owl:inverseOf atmp:developedBy``), so ``B`` is the
    direction the data states. ``A atmp:partialInverseOf B`` says the same for an ``A`` that
    mirrors only part of ``B``, such as ``atmp:approval``, which mirrors ``atmp:product`` on
    approvals only (``atmp:product`` also links product figures to their therapy). When both
    directions are declared, the first in IRI order is kept.

    >>> ns = "https://w3id.org/atmp-kg/ontology#"
    >>> q = ox.Quad(ox.NamedNode(ns + "develops"), INVERSE_OF, ox.NamedNode(ns + "developedBy"))
    >>> inverse_pairs([q])
    {'https://w3id.org/atmp-kg/ontology#develops': 'https://w3id.org/atmp-kg/ontology#developedBy'}
    """
    pairs: dict[str, str] = {}
    declared = sorted(
        (q for q in quads if q.predicate in (INVERSE_OF, PARTIAL_INVERSE_OF)),
        key=lambda q: (q.subject.value, q.object.value),
    )
    for quad in declared:
        inverse, of = quad.subject, quad.object
        # a pair declared both ways must not fold both of its links away
        if isinstance(inverse, ox.NamedNode) and isinstance(of, ox.NamedNode):
            if pairs.get(of.value) != inverse.value:
                pairs[inverse.value] = of.value
    return pairs


@functools.lru_cache(maxsize=1)
def inverse_properties() -> dict[str, str]:
    """The inverse links of the ATMP-KG ontology (see :func:`inverse_pairs`).

    >>> inverse_properties()["https://w3id.org/atmp-kg/ontology#develops"]
    'https://w3id.org/atmp-kg/ontology#developedBy'
    """
    return inverse_pairs(ontology_quads())


def _shortcut(triple: ox.Triple | ox.Quad) -> bool:
    """Whether ``triple`` is a link a network leaves out: a derived shortcut, or a retired IRI's
    pointer to what replaced it (see ``terms.NOT_DRAWN``)."""
    return triple.predicate.value in NOT_DRAWN


_Link = tuple[str, str, str | None]


def _link(fact: Fact) -> _Link:
    """A fact's subject, property and object node (None for a value)."""
    return fact[0], fact[1], fact[3] if fact[2] in (IRI, BLANK) else None


def _doubled(
    link: _Link,
    present: Callable[[tuple[str, str, str]], bool],
    asked: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``link`` is a derived shortcut (unless ``asked`` for, and a value one even then, as
    in the network exports: ``dateEnd``, a period's last day that no source states, is no
    attribute of anything), or a materialised inverse whose stated link ``present`` finds: a
    network draws neither."""
    subject, predicate, obj = link
    if predicate in NOT_DRAWN and (predicate not in asked or obj is None):
        return True
    of = inverse_properties().get(predicate)
    return of is not None and obj is not None and present((obj, of, subject))


def _drawn(facts: Sequence[Fact], asked: frozenset[str] = frozenset()) -> list[bool]:
    """For each of ``facts``, whether a network draws it (see :func:`_drawn_links`)."""
    links = [_link(fact) for fact in facts]
    stated = set(inverse_properties().values())
    present = {link for link in links if link[1] in stated}
    return _drawn_links(links, present.__contains__, asked)


def _drawn_links(
    links: Sequence[_Link], present: Callable[[tuple[str, str, str]], bool], asked: frozenset[str]
) -> list[bool]:
    """For each of ``links``, whether a network draws it: not when :func:`_doubled`, nor when it
    is a shortcut asked for that restates what another of ``links`` joins."""
    # a shortcut asked for joins what no link of the data joins already (a group and the product
    # of a subsidiary), else it would draw a developer's link to its own product twice; a
    # company that is its own ultimate parent is no link at all
    joined = {frozenset((s, o)) for s, p, o in links if o is not None and p not in NOT_DRAWN}
    # two shortcuts asked for between one pair (a group's portfolio product it also holds) are one
    # connection: the first by name is drawn
    first: dict[frozenset[str | None], str] = {}
    for s, p, o in links:
        if p in NOT_DRAWN and p in asked:
            pair = frozenset((s, o))
            first[pair] = min(first.get(pair, p), p)

    def restated(subject: str, predicate: str, obj: str | None) -> bool:
        pair = frozenset((subject, obj))
        return predicate in NOT_DRAWN and (
            subject == obj or pair in joined or first.get(pair, predicate) != predicate
        )

    return [not _doubled(link, present, asked) and not restated(*link) for link in links]


def fold_inverses(
    triples: Sequence[ox.Triple], asked: frozenset[str] = frozenset()
) -> list[ox.Triple]:
    """``triples`` without the materialised inverse of each link they also state (see
    :func:`inverse_properties`) and without derived shortcuts, so that a network draws each link
    once, in the direction the data states: ``company develops therapy`` goes when ``therapy
    developedBy company`` is there. The shortcuts ``asked`` for (a CONSTRUCT gave them) stay.

    >>> ns, t, c = "https://w3id.org/atmp-kg/ontology#", ox.NamedNode("urn:t"), ox.NamedNode("urn:c")
    >>> by = ox.Triple(t, ox.NamedNode(ns + "developedBy"), c)
    >>> fold_inverses([by, ox.Triple(c, ox.NamedNode(ns + "develops"), t)]) == [by]
    True
    """
    drawn = _drawn(list(term_facts(triples)), asked)
    return [t for t, keep in zip(triples, drawn, strict=True) if keep]


def fold_facts(facts: Sequence[Fact], asked: frozenset[str] = frozenset()) -> list[Fact]:
    """:func:`fold_inverses` for facts (see :data:`~atmpkg.graph.rdf.Fact`), drawing the
    shortcuts ``asked`` for (a CONSTRUCT answer gave them).

    >>> ns = "https://w3id.org/atmp-kg/ontology#"
    >>> by = ("urn:t", ns + "developedBy", "iri", "urn:c", None, None)
    >>> fold_facts([by, ("urn:c", ns + "develops", "iri", "urn:t", None, None)]) == [by]
    True
    """
    return [fact for fact, keep in zip(facts, _drawn(facts, asked), strict=True) if keep]


def links_left_out(
    store: ox.Store, selected: set[str], kept: set[str], asked: frozenset[str] = frozenset()
) -> int:
    """How many links between ``selected`` entities have an end outside ``kept``, counted as a
    network draws them (a link and its materialised inverse once, a derived shortcut only when
    ``asked`` for and joining what no other link joins; see :func:`fold_inverses`).

    >>> from atmpkg.graph.store.build import open_store
    >>> kymriah, cd19 = ID + "therapy/kymriah", ID + "target/cd19"
    >>> links_left_out(open_store().store, {kymriah, cd19}, {cd19})  # Kymriah's target link
    1
    """

    count = 0
    left = selected - kept
    with Progress("Counting the links left out", len(left), "entities") as bar:
        for iri in left:
            bar.advance()
            count += _left_out_of(store, iri, selected, kept, asked)
    return count


def _left_out_of(
    store: ox.Store, iri: str, selected: set[str], kept: set[str], asked: frozenset[str]
) -> int:
    """The links of ``iri``, an entity left out, that :func:`links_left_out` counts."""
    node = ox.NamedNode(iri)
    outgoing = {
        (iri, q.predicate.value, q.object.value)
        for q in store.quads_for_pattern(node, None, None)
        if isinstance(q.object, ox.NamedNode)
    }
    incoming = {
        (q.subject.value, q.predicate.value, iri)
        for q in store.quads_for_pattern(None, None, node)
        if isinstance(q.subject, ox.NamedNode)
    }
    # the link a materialised inverse inverts has this entity at one end: it is in one of
    # these, so no other lookup is needed
    links = list(outgoing | incoming)
    drawn = dict(zip(links, _drawn_links(links, set(links).__contains__, asked), strict=True))
    # each link once: from its subject when that was left out, else from its object
    return sum(1 for link in outgoing if link[2] in selected and drawn[link]) + sum(
        1 for link in incoming if link[0] in kept and drawn[link]
    )


#: A link that a class slice leaves out: its property, ``"to"`` or ``"from"`` (the entity outside
#: the slice is its object or its subject), and that entity's class ("" for none).
OutsideLink = tuple[str, str, str]


def links_outside(piece: Slice, store: ox.Store | RemoteStore) -> dict[OutsideLink, int]:
    """How many links a network of ``piece``, the slice of classes alone, leaves out because their
    other end is an entity outside it, by property, direction and the class of that entity (see
    :data:`OutsideLink`), from the links the slice's walk read (see :class:`Walk`): only the
    classes of those entities are read. They are counted as a network draws them: a link and its
    materialised inverse once, no derived shortcut; a link to a hub (drawn as an attribute) or
    to a source (provenance, which ``with_sources`` adds) is no link left out, nor is one to an
    entity of the classes that a cap left out (see :class:`Sample`). Another slice: none.

    >>> both = ["atmp:Company", "atmp:Deal"]
    >>> deals = kg.select(classes=both).with_defaults(with_sources=False, max_nodes=0)
    >>> found = links_outside(slice_of(kg, deals), kg._current().store)
    >>> found["atmp:dealTarget", "to", "atmp:Therapy"]
    39
    """
    inside = {s.value for s in piece.subjects if isinstance(s, ox.NamedNode)}
    read = piece.walk.outside or {}
    found: list[tuple[_Link, str]] = []
    for member in sorted(read.keys() & inside):  # a member a cap left out is no node
        ordered = sorted(
            link for link in read[member] if (link[2] if link[0] == member else link[0]) not in inside
        )
        drawn = _drawn_links(ordered, set(ordered).__contains__, frozenset())
        found += [(link, member) for link, keep in zip(ordered, drawn, strict=True) if keep]
    ends = sorted({obj if subject == member else subject for (subject, _, obj), member in found})
    prefetch(store, ends, incoming=False)
    kinds: dict[str, str] = {}
    for end in ends:
        types = store.quads_for_pattern(ox.NamedNode(end), TYPE, None)
        kinds[end] = min((shorten(q.object.value) for q in types), default="")
    counts: dict[OutsideLink, int] = {}
    for (subject, predicate, obj), member in found:
        way, end = ("to", obj) if subject == member else ("from", subject)
        key = (shorten(predicate), way, kinds[end])
        counts[key] = counts.get(key, 0) + 1
    return counts


def outside_note(selection: Selection, piece: Slice, *, view: bool = False) -> CommandNote | None:
    """The note of a network or a view of ``selection``, a slice of classes alone (``piece``),
    saying how many links to entities of other classes it leaves out, by property and class
    (see :func:`links_outside`), and the classes to add to draw them (newuser30 F2: the README's
    deal network left 37 of 101 deals without their target, a therapy, without a word); None
    for another selection, or when no link is left out. A ``view``'s note says that expanding
    an entity on the page draws them too.

    >>> chosen = kg.select(classes=["atmp:Target"]).with_defaults(with_sources=False, max_nodes=0)
    >>> print(outside_note(chosen, slice_of(kg, chosen)).for_cli())
    45 links to entities outside the slice of atmp:Target are left out (45 atmp:target from atmp:Therapy); to draw them, add their classes: --class atmp:Therapy
    """
    chosen = (selection.focus, selection.name, selection.file, selection.query)
    if not selection.classes or any(chosen):
        return None
    counts = links_outside(piece, selection._bound()._current().store)
    if not counts:
        return None
    total = sum(counts.values())
    most_first = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    groups = ", ".join(
        f"{count:,} {predicate} {way} {kind or 'an entity of no class'}"
        for (predicate, way, kind), count in most_first
    )
    # an entity of no class is brought in by no --class
    added = sorted({kind for _, _, kind in counts if kind})
    listed = ", ".join(repr(c) for c in (*selection.classes, *added))
    return CommandNote(
        f"{total:,} link{'' if total == 1 else 's'} to entities outside the slice of "
        f"{', '.join(selection.classes)} {'is' if total == 1 else 'are'} left out ({groups}); "
        "to draw them, add their classes: ",
        " ".join(f"--class {kind}" for kind in added),
        f"classes=[{listed}]",
        ", or expand an entity on the page" if view else "",
    )


@dataclass(frozen=True)
class Sample:
    """How a selection was capped: ``kept`` of ``selected`` entities (``what`` was selected,
    ``how`` the kept ones were chosen, "" when all were kept), ``blanks_kept`` of the
    ``blanks_linking`` blank nodes that link to the selected entities and that nothing links to
    (see :class:`Walk`), which count against the same cap after the entities, and
    exactly what was left out: ``entities_left_out``, ``blanks_left_out`` and ``links_left_out``
    (links between selected entities or those blank nodes with an end left out, a link and its
    materialised inverse counted once, as a network draws them)."""

    what: str
    how: str
    kept: int
    selected: int
    links_left_out: int
    blanks_kept: int = 0
    blanks_linking: int = 0

    @property
    def entities_left_out(self) -> int:
        """The selected entities that were left out.

        >>> Sample("the graph", "the best connected", 3, 10, 7).entities_left_out
        7
        """
        return self.selected - self.kept

    @property
    def blanks_left_out(self) -> int:
        """The blank nodes linking to the selected entities that were left out.

        >>> Sample("the graph", "", 3, 3, 0, 4, 3000).blanks_left_out
        2996
        """
        return self.blanks_linking - self.blanks_kept

    @property
    def attributes(self) -> dict[str, str | int]:
        """What was kept and left out, as the attributes of a network's graph (the blank nodes'
        when some link to the kept entities).

        >>> Sample("the graph", "the best connected", 3, 10, 7).attributes["linksLeftOut"]
        7
        >>> Sample("the graph", "", 3, 3, 0, 4, 3000).attributes["blankNodesLeftOut"]
        2996
        """
        counts: dict[str, str | int] = {
            "note": self.note,
            "entitiesSelected": self.selected,
            "entitiesKept": self.kept,
            "entitiesLeftOut": self.entities_left_out,
            "linksLeftOut": self.links_left_out,
        }
        if self.blanks_linking:
            counts["blankNodesLinking"] = self.blanks_linking
            counts["blankNodesKept"] = self.blanks_kept
            counts["blankNodesLeftOut"] = self.blanks_left_out
        return counts

    @property
    def note(self) -> str:
        """One sentence for a reader: what was kept and what was left out.

        >>> Sample("the graph", "the best connected", 3, 10, 7).note
        'The graph: showing 3 of 10 entities, the best connected; left out 7 entities and 7 links (narrow the selection to see the rest)'
        >>> Sample("the graph", "the best connected", 3, 4, 1).note.split("; ")[1]
        'left out 1 entity and 1 link (narrow the selection to see the rest)'
        >>> Sample("the graph", "", 3, 3, 2996, 4, 3000).note
        'The graph: showing 3 of 3 entities and 4 of the 3,000 blank nodes that link to them; left out 2,996 blank nodes and 2,996 links (narrow the selection to see the rest)'
        >>> Sample("Kymriah", "", 1, 1, 1, 0, 1).note.split("; ")[0]  # rev25b F2
        'Kymriah: showing 1 of 1 entity and 0 of the 1 blank node that links to them'
        """
        entities, links, blanks = self.entities_left_out, self.links_left_out, self.blanks_left_out
        showing = f"showing {self.kept:,} of {self.selected:,} {'entity' if self.selected == 1 else 'entities'}"
        if self.how:
            showing += f", {self.how}"
        if self.blanks_linking == 1:
            showing += ("," if self.how else "") + f" and {self.blanks_kept:,} of the 1 blank node that links to them"
        elif self.blanks_linking:
            showing += ("," if self.how else "") + (
                f" and {self.blanks_kept:,} of the {self.blanks_linking:,} blank nodes that link to them"
            )
        parts = []
        if entities or not self.blanks_linking:
            parts.append(f"{entities:,} {'entity' if entities == 1 else 'entities'}")
        if blanks:
            parts.append(f"{blanks:,} blank node{'' if blanks == 1 else 's'}")
        left = f"{', '.join(parts)} and {links:,} link{'' if links == 1 else 's'}"
        return (
            f"{self.what[0].upper()}{self.what[1:]}: {showing}; left out {left} "
            "(narrow the selection to see the rest)"
        )


class Slice:
    """A slice of the graph: its ``subjects`` in canonical order, each one's triples read when they
    are needed, so that iterating gives the triples in canonical order (as :func:`sort_triples`
    would) without holding them all. ``sample`` says how a cap sampled it (None: complete);
    ``hubs`` are its nodes that a network shows as attributes of the entities linked to them, not
    as nodes (see :func:`hub_members`); ``focus`` the IRI of the entity it is the neighbourhood
    of, if any.

    >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> piece = Slice.of_triples([t, t])
    >>> piece.subjects, list(piece) == [t]
    ([<NamedNode value=urn:s>], True)
    """

    def __init__(
        self,
        subjects: Sequence[Subject],
        read: Callable[[Subject], list[ox.Triple]],
        sample: Sample | None = None,
        hubs: frozenset[str] = frozenset(),
        focus: str | None = None,
    ):
        self.subjects = subjects
        self._read = read
        self.sample = sample
        self.hubs = hubs
        self.focus = focus
        #: The entities a query's answer names, when the slice is one: a view draws them, sources
        #: included, where it lists the sources of other slices beside the nodes citing them.
        self.answer: frozenset[str] = frozenset()
        #: The links a CONSTRUCT or DESCRIBE answer gave that a network leaves out otherwise (the
        #: derived shortcuts, see ``terms.NOT_DRAWN``): asked for, they are drawn.
        self.asked: frozenset[str] = frozenset()
        #: The links to sources (subject, property, source IRIs) that a slice with its sources adds
        #: to a CONSTRUCT or DESCRIBE answer, which the answer did not give: a network export
        #: without sources has none of them, so a view lists them beside their node (joints31 F2).
        self.cites: frozenset[tuple[str, str, str]] = frozenset()
        #: What the query whose answer the slice is said about it (a date taken by default).
        self.query_notes: list[str] = []
        #: Called with 1 for each subject :meth:`items` has read (a progress line's ``advance``).
        self.progress: Callable[[int], None] | None = None
        #: How many triples :meth:`items` (and so iteration) has given so far.
        self.triples_read = 0
        #: What a writer wrote when it is not the triples read: quads with their graphs, or the
        #: nodes and edges of a network.
        self.written: dict[str, int] = {}
        #: The whole graph as the engine dumped it, when the slice is the whole graph read that
        #: way (:func:`~atmpkg.graph.slice.whole.whole_graph`): its writers use the lines.
        self.whole: WholeGraph | None = None
        #: The subjects that are data of an RDF export and no nodes of a network: the retired
        #: IRIs, the IRIs outside the project's that imports describe, and the sources that only
        #: the entities a slice keeps for their required links (drawn as attributes) cite.
        self.data_only: frozenset[str] = frozenset()
        #: The labels of the IRIs outside the project's among ``iris``, as :func:`value_labels`
        #: gives them from the store the slice was read from: a network writes such a value by
        #: its label (none for a slice of triples alone).
        self.value_names: Callable[[Iterable[str]], dict[str, str]] = lambda iris: {}
        #: What reading the links to its entities saw (see :class:`Walk`), when it was made so.
        self.walk = Walk()

    def drawn(self) -> Iterator[ox.Triple]:
        """The triples a network draws: all but those of :attr:`data_only`'s subjects.

        >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
        >>> piece = Slice.of_triples([t])
        >>> piece.data_only = frozenset({"urn:s"})
        >>> list(piece.drawn())
        []
        """
        for subject, about in self.items():  # with the blank nodes read with it
            if subject.value not in self.data_only:
                yield from about

    @classmethod
    def of_triples(cls, triples: Iterable[ox.Triple | ox.Quad]) -> Slice:
        """A slice of triples held in memory (quads are reduced to their triple).

        >>> Slice.of_triples([]).subjects
        []
        """
        groups: dict[Subject, list[ox.Triple]] = {}
        for triple in sort_triples(triples):
            groups.setdefault(triple.subject, []).append(triple)
        return cls(list(groups), groups.__getitem__)

    @classmethod
    def of_nodes(
        cls,
        nodes: set[str],
        store: ox.Store,
        sample: Sample | None = None,
        hubs: frozenset[str] = frozenset(),
        focus: str | None = None,
        blanks: Iterable[ox.BlankNode] = (),
    ) -> Slice:
        """The slice that :func:`describe` gives for ``nodes``, read from ``store`` one node at a
        time, followed by ``blanks`` (see :class:`Walk`) with their triples whose
        object is a value or one of ``nodes``.

        >>> Slice.of_nodes({"urn:a"}, ox.Store(), blanks=[ox.BlankNode("b")]).subjects
        [<NamedNode value=urn:a>, <BlankNode value=b>]
        """

        def read(subject: Subject) -> list[ox.Triple]:
            return sorted(set(_triples_about(subject, nodes, store)), key=triple_key)

        prefetch(store, sorted(nodes), incoming=False)  # a remote store: a request per batch
        # canonical order: IRIs, then blank nodes (as their N-Triples lines sort)
        subjects = sorted([*(ox.NamedNode(n) for n in nodes), *blanks], key=str)
        return cls(subjects, read, sample, hubs, focus)

    @property
    def notes(self) -> list[str]:
        """Sentences for a reader about the slice: what its query said (a date it took by default)
        and what a cap left out, if anything.

        >>> Slice.of_triples([]).notes
        []
        """
        return self.query_notes + ([self.sample.note] if self.sample else [])

    def about(self, subject: Subject) -> list[ox.Triple]:
        """The triples of one of the slice's subjects, in canonical order.

        >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
        >>> Slice.of_triples([t]).about(t.subject) == [t]
        True
        """
        return self._read(subject)

    def items(self) -> Iterator[tuple[Subject, list[ox.Triple]]]:
        """Each subject with its triples, in canonical order, counted in :attr:`triples_read`.

        >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
        >>> piece = Slice.of_triples([t])
        >>> list(piece.items()) == [(t.subject, [t])], piece.triples_read
        (True, 1)
        """
        for subject in self.subjects:
            about = self._read(subject)
            self.triples_read += len(about)
            if self.progress is not None:
                self.progress(1)
            yield subject, about

    def __iter__(self) -> Iterator[ox.Triple]:
        for _, about in self.items():
            yield from about


def _query_nodes(result: QueryResult) -> tuple[set[str], list[ox.Triple] | None]:
    """The nodes a query's answer mentions, and (for CONSTRUCT/DESCRIBE) the triples it gave."""
    if result.form == "ASK":
        raise ParameterError(
            "an ASK query answers true or false and names no nodes; use SELECT or CONSTRUCT"
        )
    if result.form == "SELECT":
        cells = (term for row in result.rows for term in row)
        return {t.value for t in cells if is_node(t)}, None
    nodes = set()
    for triple in result.triples:
        for term in (triple.subject, triple.object if triple.predicate != TYPE else None):
            if is_node(term):
                nodes.add(term.value)
    return nodes, list(result.triples)


def row_joiners(
    rows: Iterable[Sequence[object]], store: ox.Store, asked: frozenset[str], left: set[str]
) -> set[str]:
    """The entities that join what one row of an answer names where the graph links those
    entities to each other by no link drawn (a link, or a derived shortcut in ``asked``): the
    nodes linked to both sides, ``left`` (sources, say) left out. A count of approvals by agency
    and pathway names the two, which only the approvals join; a row the graph already joins adds
    nothing.

    >>> a, s, t = (ox.NamedNode(f"{ID}deal/{x}") for x in "ast")
    >>> store, p = ox.Store(), ox.NamedNode("urn:p")
    >>> store.extend([ox.Quad(a, p, s), ox.Quad(a, p, t)])
    >>> row_joiners([(s, t)], store, frozenset(), set()), row_joiners([(a, t)], store, frozenset(), set())
    ({'https://w3id.org/atmp-kg/id/deal/a'}, set())
    """
    rows = list(rows)
    # a remote store: the answer's links in a request per batch, not one per pair
    prefetch(store, sorted({t.value for row in rows for t in row if is_node(t)}), incoming=False)
    drawn = functools.cache(
        lambda a, b: any(
            not _shortcut(q) or q.predicate.value in asked
            for q in store.quads_for_pattern(ox.NamedNode(a), None, ox.NamedNode(b))
        )
    )
    near = functools.cache(lambda iri: _linked_either_way(ox.NamedNode(iri), store) - left)
    found: set[str] = set()
    for row in rows:
        named = sorted({t.value for t in row if is_node(t)})
        # the row's entities in groups the graph links directly; the first group is joined to
        # each other one through the nodes linked to both
        groups: list[set[str]] = []
        for iri in named:
            joined = [g for g in groups if any(drawn(iri, o) or drawn(o, iri) for o in g)]
            groups = [g for g in groups if g not in joined] + [{iri}.union(*joined)]
        for other in groups[1:]:
            one = set().union(*(near(i) for i in groups[0]))
            found |= one & set().union(*(near(i) for i in other))
    return found


def _no_entity_named(what: str, result: QueryResult) -> None:
    """Say why a SELECT answer that names IRIs outside the graph's entities draws nothing: an
    entity of a namespace of an import's own is shown by name, but it is no node."""
    outside = sorted({t.value for row in result.rows for t in row if isinstance(t, ox.NamedNode)})
    if outside:
        raise EmptyResultError(
            f"{what} names no entity of the graph: the entities drawn and exported are the IRIs "
            f"under {ID}, and <{outside[0]}>"
            + (f" and {len(outside) - 1:,} more IRIs are" if len(outside) > 1 else " is")
            + " outside it; a CONSTRUCT query of their triples exports and draws them",
            result.notes,
        )


def describe(nodes: Iterable[str], store: ox.Store) -> list[ox.Triple]:
    """Every triple about ``nodes``: their literals, classes and other non-node values, and the
    links among them (links to nodes outside the set are left out).

    >>> from atmpkg.graph.store.build import open_store
    >>> about = describe([ID + "target/cd19"], open_store().store)
    >>> sorted(t.object.value for t in about if t.predicate.value.endswith("#type"))
    ['https://w3id.org/atmp-kg/ontology#Target']
    """
    wanted = set(nodes)
    return [t for iri in wanted for t in _triples_about(ox.NamedNode(iri), wanted, store)]


def _triples_about(subject: Subject, nodes: set[str], store: ox.Store) -> Iterator[ox.Triple]:
    """The triples of ``subject`` whose object is a value or one of ``nodes``."""
    for quad in store.quads_for_pattern(subject, None, None):
        obj = quad.object  # each access makes a new Python object
        if not is_node(obj) or obj.value in nodes:
            yield quad.triple


@dataclass(frozen=True)
class Walk:
    """What reading the links to a slice's entities (see :func:`walk`) saw, kept with the slice
    (``Slice.walk``) so that what is said of it afterwards reads none of them again: the
    entities ``read``; the blank nodes that link to them and that nothing links to
    (``linking``, in canonical order: a network draws each as a node linked to them, as it draws
    those of the whole graph, where ``show`` lists it among the links to the entity; one
    something links to is written where that links to it, see :func:`blank_nodes_read`); for
    each entity that IRIs outside the project's namespace link to, those links as
    :func:`linked_from_outside` gives them (``incoming``: the view's side panel lists them);
    and, for a slice of classes alone, each entity's links (subject, property, object node)
    both ways to a node that is none of those classes' entities, no hub nor source
    (``outside``: :func:`outside_note` counts those a network leaves out).

    >>> Walk().linked_from_outside([ID + "therapy/a"], ox.Store())
    {}
    """

    read: frozenset[str] = frozenset()
    linking: list[ox.BlankNode] = field(default_factory=list)
    incoming: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    outside: dict[str, set[_Link]] | None = None

    def linked_from_outside(
        self, nodes: Iterable[str], store: ox.Store | RemoteStore
    ) -> dict[str, list[tuple[str, str]]]:
        """:func:`linked_from_outside` for ``nodes``: those the walk read from what it saw, the
        others read from ``store``.

        >>> t1, a = ox.NamedNode("https://example.org/my#t1"), ID + "therapy/a"
        >>> Walk(frozenset({a}), incoming={a: [("urn:p", t1.value)]}).linked_from_outside([a], ox.Store())
        {'https://w3id.org/atmp-kg/id/therapy/a': [('urn:p', 'https://example.org/my#t1')]}
        """
        listed = set(nodes)
        seen = {n: links for n, links in self.incoming.items() if n in listed}
        return seen | linked_from_outside(listed - self.read, store)


def walk(
    entities: Iterable[str], store: ox.Store | RemoteStore, others: Container[str] | None = None
) -> Walk:
    """Read the links to each of ``entities`` once (see :class:`Walk`); given ``others`` (the
    entities of a slice of classes alone, with the hubs and sources), those from each too, and
    keep each link either way to a node not in ``others``. A remote store cannot be asked about
    a blank node, and is read only given ``others``.

    >>> b, genex = ox.BlankNode("b"), ox.NamedNode(ID + "therapy/genex")
    >>> store = ox.Store()
    >>> store.add(ox.Quad(b, ox.NamedNode("http://example.org/about"), genex))
    >>> walk([genex.value], store).linking
    [<BlankNode value=b>]
    """
    remote = isinstance(store, RemoteStore)
    listed = sorted(entities) if others is not None or not remote else []
    prefetch(store, listed)  # a remote store: a request per batch, both ways
    blanks: set[ox.BlankNode] = set()
    incoming: dict[str, list[tuple[str, str]]] = {}
    outside: dict[str, set[_Link]] = {}
    for iri in listed:
        node = ox.NamedNode(iri)
        foreign, links = set(), set()
        for q in store.quads_for_pattern(None, None, node):
            subject = q.subject  # each access makes a new Python object
            if isinstance(subject, ox.BlankNode):
                blanks.add(subject)
            elif is_node(subject):
                if others is not None and subject.value not in others:
                    links.add((subject.value, q.predicate.value, iri))
            elif isinstance(subject, ox.NamedNode) and not PROJECT_IRIS.match(subject.value):
                foreign.add((q.predicate.value, subject.value))
        if others is not None:
            for q in store.quads_for_pattern(node, None, None):
                obj = q.object
                if is_node(obj) and obj.value not in others:
                    links.add((iri, q.predicate.value, obj.value))
        if foreign:
            incoming[iri] = sorted(foreign)
        if links:
            outside[iri] = links
    return Walk(
        frozenset(listed),
        [] if remote else _unlinked(blanks, store),
        incoming,
        None if others is None else outside,
    )


def _blanks_kept(
    linking: Sequence[ox.BlankNode],
    kept: set[str],
    selected: set[str],
    room: int | None,
    store: ox.Store | RemoteStore,
    asked: frozenset[str],
) -> tuple[list[ox.BlankNode], int]:
    """The first ``room`` (None: all) of ``linking`` (see :class:`Walk`) that link
    to one of the ``kept`` entities, and how many links the others have to ``selected`` entities,
    as a network draws them (a derived shortcut only when ``asked`` for)."""
    blanks: list[ox.BlankNode] = []
    links = 0
    for blank in linking:
        ends = [
            q.object.value
            for q in store.quads_for_pattern(blank, None, None)
            if isinstance(q.object, ox.NamedNode)
            and q.object.value in selected
            and (q.predicate.value not in NOT_DRAWN or q.predicate.value in asked)
        ]
        if (room is None or len(blanks) < room) and any(end in kept for end in ends):
            blanks.append(blank)
        else:
            links += len(ends)
    return blanks, links


def _unlinked(nodes: Iterable[ox.BlankNode], store: ox.Store) -> list[ox.BlankNode]:
    """The blank nodes of ``nodes`` that nothing in ``store`` links to, in canonical order."""
    return sorted(
        (b for b in nodes if next(store.quads_for_pattern(None, None, b), None) is None), key=str
    )


#: What a shape requires of its targets: a path to another node of ``sh:minCount`` 1 or more;
#: ``?target`` is the class a shape targets, or the SELECT of a SPARQL target (SHACL-AF).
_SHAPES_REQUIRE = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT DISTINCT ?target ?path WHERE {
  { ?shape sh:targetClass ?target } UNION { ?shape sh:target/sh:select ?target }
  ?shape sh:property ?property .
  ?property sh:path ?path ; sh:minCount ?least .
  FILTER(isIRI(?path) && ?least >= 1)
  FILTER EXISTS { ?property sh:class|sh:node|sh:or|sh:in|sh:hasValue|sh:property ?kind }
}"""


@functools.cache
def _shape_requirements() -> Mapping[tuple[str, bool], frozenset[str]]:
    """What :data:`_SHAPES_REQUIRE` reads of ``ontology/shapes.ttl``, derived shortcuts left out:
    for each (class or SELECT, whether it is a SELECT), the paths required."""
    shapes = ox.Store()
    text = resources.files("atmpkg.ontology").joinpath("shapes.ttl").read_bytes()
    shapes.load(text, format=ox.RdfFormat.TURTLE)
    found: dict[tuple[str, bool], set[str]] = {}
    for row in shapes.query(_SHAPES_REQUIRE):
        if row["path"].value not in NOT_DRAWN:
            key = (row["target"].value, isinstance(row["target"], ox.Literal))
            found.setdefault(key, set()).add(row["path"].value)
    return {key: frozenset(paths) for key, paths in found.items()}


def required_links() -> Mapping[str, frozenset[str]]:
    """For each class, the properties to another node that ``ontology/shapes.ttl`` requires of its
    instances (``sh:minCount`` 1 or more), derived shortcuts left out, as the build derives them
    again: an approval names its product, agency and indication.

    >>> sorted(shorten(p) for p in required_links()[ATMP + "Approval"])
    ['atmp:agency', 'atmp:indication', 'atmp:product', 'dct:source']
    """
    return {cls: paths for (cls, select), paths in _shape_requirements().items() if not select}


def targeted_links(store: ox.Store | RemoteStore) -> Mapping[str, frozenset[str]]:
    """For each node of ``store`` a shape of ``ontology/shapes.ttl`` targets by a SPARQL SELECT
    (a SHACL-AF ``sh:SPARQLTarget``), the properties to another node that the shape requires of
    it: an asset purchase of a therapy names its counterparty, the company the product left, as
    the check ``product-passed-on-names-its-seller`` says (joints31 F1).

    >>> from atmpkg.graph.store.build import open_store
    >>> found = targeted_links(open_store().store)
    >>> sorted(shorten(p) for p in found[ID + "deal/mesoblast-osiris-msc-business-2013"])
    ['atmp:counterparty']
    """
    found: dict[str, set[str]] = {}
    for (select, is_select), paths in _shape_requirements().items():
        if is_select:
            for row in store.query(select):
                if is_node(row["this"]):
                    found.setdefault(row["this"].value, set()).update(paths)
    return {node: frozenset(paths) for node, paths in found.items()}


def required_beyond(
    nodes: set[str], store: ox.Store | RemoteStore, left: Collection[str]
) -> set[str]:
    """The nodes outside ``nodes`` (and not in ``left``) that the nodes link to by a property
    their class's shape requires (see :func:`required_links`) or a shape that targets them
    otherwise (see :func:`targeted_links`), and those that these link to so,
    in turn: an approval at the edge of a neighbourhood keeps its indication, so that a slice
    imports into a store that does not hold its entities (joints28 F6).

    >>> from atmpkg.graph.store.build import open_store
    >>> store = open_store().store
    >>> edge = ID + "approval/kymriah-ema-2018-08-23-b-cell-acute-lymphoblastic-leukemia"
    >>> sorted(shorten(n) for n in required_beyond({edge}, store, source_iris(store)))
    ['agency:ema', 'company:novartis', 'indication:b-cell-acute-lymphoblastic-leukemia', \
'modality:car-t', 'therapeuticarea:oncology', 'therapy:kymriah']
    """
    required, targeted = required_links(), targeted_links(store)
    inside, added, frontier = set(nodes), set(), sorted(nodes)
    while frontier:
        reached: set[str] = set()
        prefetch(store, frontier, incoming=False)  # a remote store: a request per batch
        for iri in frontier:
            node = ox.NamedNode(iri)
            classes = {q.object.value for q in store.quads_for_pattern(node, TYPE, None)}
            paths = set(targeted.get(iri, frozenset()))
            paths = paths.union(*(required.get(c, frozenset()) for c in classes))
            for path in sorted(paths):
                for quad in store.quads_for_pattern(node, ox.NamedNode(path), None):
                    obj = quad.object
                    if is_node(obj) and obj.value not in inside and obj.value not in left:
                        reached.add(obj.value)
        inside |= reached
        added |= reached
        frontier = sorted(reached)
    return added


def _labels_and_classes(nodes: Iterable[str], store: ox.Store) -> list[ox.Triple]:
    found = []
    for iri in nodes:
        for predicate in (TYPE, LABEL):
            found += [q.triple for q in store.quads_for_pattern(ox.NamedNode(iri), predicate, None)]
    return found


def _linked(nodes: set[str], store: ox.Store, among: set[str]) -> set[str]:
    """The members of ``among`` that ``nodes`` link to."""
    prefetch(store, sorted(nodes), incoming=False)  # a remote store: a request per batch
    linked = set()
    for iri in nodes:
        for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None):
            if isinstance(quad.object, ox.NamedNode) and quad.object.value in among:
                linked.add(quad.object.value)
    return linked


def beyond(
    piece: Slice,
    store: ox.Store,
    *,
    through: Sequence[str] = (),
    with_sources: bool = False,
    per_node: int,
    limit: int,
) -> tuple[list[ox.Triple], set[str], frozenset[str], dict[str, int]]:
    """The entities one link beyond ``piece`` (a view's data for expanding a node): for each of
    its entities in IRI order, at most ``per_node`` of the entities it links to or is linked from
    that are not in it (in IRI order; never a hub, see :func:`hub_members`, nor a source), until
    ``limit`` in all, with the blank nodes that link to them and that nothing links to (see
    :class:`Walk`): at most ``per_node`` for each, within ``limit`` too. Returns the
    triples they add (their own, those linking them to the slice or to each other, and those of
    the hubs and, ``with_sources``, the sources they link to), their node ids (an IRI, ``_:label``
    for a blank node), the hubs among what the triples describe, and for each entity that links
    to more than were added (or that more blank nodes link to), how many of those are left out.

    >>> beyond(Slice.of_triples([]), ox.Store(), per_node=25, limit=2000)
    ([], set(), frozenset(), {})
    """
    inside = {s.value for s in piece.subjects if isinstance(s, ox.NamedNode)}
    hubs, sources = hub_members(store, through), source_iris(store)
    # a hub the selection names itself (an agency of --class, in a query's answer) is drawn as an
    # entity, and expands as one (joints18 F1); those drawn as attributes do not
    # nor is what the slice holds for its RDF alone (a retired IRI, an import's ex:t1), which is
    # not drawn: the entities counted are those drawn (joints29 F5)
    entities = sorted(inside - piece.hubs - sources - piece.data_only)
    prefetch(store, entities)  # a remote store: a request per batch
    added: set[str] = set()
    excluded = inside | hubs | sources
    reached: dict[str, set[str]] = {}
    with Progress("Looking one link beyond", len(entities), "entities drawn") as bar:
        for iri in entities:
            bar.advance()
            reached[iri] = _linked_either_way(ox.NamedNode(iri), store) - excluded
            room = min(per_node, limit - len(added))
            if room > 0:
                added.update(sorted(reached[iri])[:room])
    left = {iri: len(found - added) for iri, found in reached.items() if found - added}
    if not added:
        return [], added, frozenset(), left
    prefetch(store, sorted(added))  # a remote store: their triples both ways, in batches
    # each added entity's own triples, read once (they name the hubs and sources it links to),
    # and the links to it from the slice's entities, read from the (fewer) added side
    about: dict[str, list[ox.Triple]] = {}
    into: list[ox.Triple] = []
    members = set(entities)
    own = {s for s in piece.subjects if isinstance(s, ox.BlankNode)}
    linking: dict[str, set[ox.BlankNode]] = {}
    for n in sorted(added):
        node = ox.NamedNode(n)
        about[n] = [q.triple for q in store.quads_for_pattern(node, None, None)]
        for q in store.quads_for_pattern(None, None, node):
            if q.subject.value in members or q.subject in own:
                into.append(q.triple)
            elif isinstance(q.subject, ox.BlankNode):
                linking.setdefault(n, set()).add(q.subject)
    among = hubs | sources if with_sources else hubs
    linked = {t.object.value for ts in about.values() for t in ts if is_node(t.object)} & among
    # a source the slice holds for its RDF only (data_only) is no node of it: one an added entity
    # cites is described here, with its class, as any other it cites
    described = (added | linked) - (inside - piece.data_only)
    every = inside | described
    rest = sorted(described - added)
    prefetch(store, rest, incoming=False)
    about.update((n, list(_triples_about(ox.NamedNode(n), every, store))) for n in rest)
    triples = [
        t
        for n in sorted(described)
        for t in about[n]
        if not is_node(t.object) or t.object.value in every
    ]
    # those the entity's page would draw with it (joints25 F3), as many as of the entities it
    # links to (rev25 F2); a remote store's are not asked
    roots: set[ox.BlankNode] = set()
    for n in [] if isinstance(store, RemoteStore) else sorted(linking):
        found = [b for b in _unlinked(linking[n], store) if b not in roots]
        room = max(min(per_node, limit - len(added) - len(roots)), 0)
        roots.update(found[:room])
        if len(found) > room:
            left[n] = len(found) - room
    triples += [
        t
        for b in sorted(roots, key=str)
        for t in sorted(set(_triples_about(b, every, store)), key=triple_key)
    ]
    hidden = added | {f"_:{b.value}" for b in roots}
    return triples + into, hidden, frozenset(described & hubs), left


def slice_of(graph: KnowledgeGraph, selection: Selection, *, importable: bool = False) -> Slice:
    """The slice ``selection`` names, read from ``graph`` (``with_sources`` and ``max_nodes``
    given: see :meth:`Selection.with_defaults <atmpkg.graph.handle.Selection.with_defaults>`).
    ``importable`` (an RDF export with its sources) keeps the links the shapes require of the
    entities at its edge (see :func:`required_beyond`), so that it imports into another store;
    a view or a network leaves them to expanding, as any link beyond the slice.
    Raises :class:`UnknownNameError` for an unknown entity, class or query, and
    :class:`EmptyResultError` when nothing is selected.

    Hubs (see :func:`hub_members`) are never walked through; those the selected entities link to
    come with them, marked as the slice's ``hubs``. What the selection names itself (the focus,
    the entities of its classes, those a query's answer names) is never a hub. The members of a
    ``through`` class the selected entities link to come with them as entities, so that an
    approval at the edge of a neighbourhood keeps its agency when agencies are drawn as nodes.

    >>> chosen = kg.select(focus="Kymriah", hops=1).with_defaults(with_sources=False, max_nodes=5)
    >>> slice_of(kg, chosen).notes
    ['The neighbourhood of therapy:kymriah: showing 5 of 24 entities, the nearest ...']
    """
    focus, hops, classes = selection.focus, selection.hops, selection.classes
    name, file, text = selection.name, selection.file, selection.query
    params, with_sources = dict(selection.params), selection.with_sources
    cap = selection.max_nodes or None
    oxstore = graph._current().store
    sources = source_iris(oxstore)
    followed = through_members(oxstore, selection.through)
    hubs = hub_members(oxstore) - followed
    keep = class_members(classes, oxstore) if classes else None
    given: list[ox.Triple] | None = None
    answer: set[str] = set()
    replaced: dict[str, str] = {}  # retired IRI: the one that replaced it
    foreign: set[str] = set()  # the IRIs outside the project's that imports describe
    what = "the graph"
    if focus:
        center = resolve_entity(focus, oxstore)
        hubs.discard(center)
        distance = _neighbourhood(oxstore, center, 1 if hops is None else hops, sources, hubs)
        nodes = set(distance)
        what = f"the neighbourhood of {shorten(center)}"
    elif name or file or text:
        if name:
            # as query takes them, in the mapping params= a selection gives: its notes say so
            result = graph.query(name=name, params=params)
        else:
            result = graph.query(text, params) if text else graph.query(file=file, params=params)
        text = result.sparql
        what = f"the answer of query {name or file or 'text'}"
        if result.truncated:
            # an endpoint's row cap cut it (a selection sets no limit): a view or export of part
            # of an answer would show a graph that is not the answer's
            raise StoreError(
                f"{what} was cut by the endpoint's row cap of {result.limit:,} rows "
                f"({TRUNCATED}): a view or export draws a whole answer; narrow the query, or "
                "raise the server's cap (atmpkg serve --max-rows)"
            )
        if result.form != "ASK" and not len(result):
            # the query's notes say why (joints23 F4: view and export said "empty" alone)
            raise EmptyResultError(f"{what} is empty: nothing to export or draw", result.notes)
        nodes, given = _query_nodes(result)
        if not nodes and result.form == "SELECT":
            _no_entity_named(what, result)
        answer = set(nodes)
        if result.form == "SELECT":
            nodes |= row_joiners(result.rows, oxstore, shortcuts_named(text), sources)
        hubs -= answer
    elif keep is not None:
        nodes = set(keep)
    else:
        nodes, replaced, foreign = _instances(oxstore)
        nodes -= sources
    if keep is not None:
        hubs -= keep
        nodes = {n for n in nodes if n in keep or (focus and n == center)}
        if given is not None:
            given = [
                t
                for t in given
                if t.subject.value in nodes and (not is_node(t.object) or t.object.value in nodes)
            ]
        what += " in class " + ", ".join(classes)
    if not nodes and not given:
        require_data(oxstore)
        raise EmptyResultError(
            (keep == set() and values_of_classes(classes, oxstore, what, construct=True))
            or f"{what} holds no entities: nothing to export or draw",
            result.notes if name or file or text else (),
        )
    sample = None
    blanks: list[ox.BlankNode] = []
    seen = Walk()
    if given is None:
        entities = nodes - hubs
        kept, how = entities, None
        if cap is not None:
            kept, how = cap_nodes(entities, cap, oxstore, distance if focus else None)
        # the blank nodes that link to an entity drawn come with it, as show lists them and as
        # the whole graph draws them (joints25 F3), nodes the cap counts too (rev25 F2)
        asked = shortcuts_named(text) if answer else frozenset()
        # the links to each entity are read once: for its blank nodes, the view's side panel, and
        # for a slice of classes alone, with those from it, the links to other classes' entities
        alone = keep is not None and not (focus or name or file or text)
        seen = walk(entities, oxstore, keep | hubs | sources if alone else None)
        linking = seen.linking
        room = None if cap is None else max(cap - len(kept), 0)
        blanks, blank_links = _blanks_kept(linking, kept, entities, room, oxstore, asked)
        if how is not None or len(blanks) < len(linking):
            left_out = links_left_out(oxstore, entities, kept, asked) if how else 0
            sample = Sample(
                what,
                how or "",
                len(kept),
                len(entities),
                left_out + blank_links,
                len(blanks),
                len(linking),
            )
            entities = kept
        whole = selection.whole and sample is None
        # the whole graph keeps every hub, so that its RDF is complete
        nodes = entities | (nodes & hubs if whole else _linked(entities, oxstore, hubs))
        if not whole:
            replaced, foreign = {}, set()
        if followed and not whole:
            nodes |= _linked(entities, oxstore, followed)
    required: set[str] = set()
    if importable and with_sources and given is None and not whole:
        # a slice with its sources imports into another store: an entity at its edge keeps the
        # links its shape requires (an approval's indication), to entities described as hubs are
        # (their values, their own required links), drawn as attributes as hubs are (joints28 F6)
        required = required_beyond(nodes, oxstore, sources)
        nodes |= required
    beyond_only: set[str] = set()
    if with_sources:
        cited = _linked(nodes, oxstore, sources)
        if required:
            # a source only the entities beyond the slice cite is there for the RDF writers: a
            # network draws those entities as attributes, so it would be a node linked to nothing
            beyond_only = cited - _linked(nodes - required, oxstore, sources)
        # a source's kind is a hub: kept as an attribute of the source, as for any entity drawn
        kinds = _linked(cited, oxstore, hubs)
        if given is not None:
            answered = set(given)
            citing = [
                q.triple
                for n in nodes - cited
                for q in oxstore.quads_for_pattern(ox.NamedNode(n), None, None)
                if isinstance(q.object, ox.NamedNode) and q.object.value in cited
            ]
            cites = frozenset(
                (t.subject.value, t.predicate.value, t.object.value)
                for t in citing
                if t not in answered
            )
            given += citing
            # described with their kinds, so that the source keeps its link to its kind
            given += describe(cited | kinds, oxstore)
        nodes |= cited | kinds
    # the whole graph keeps each retired IRI's pointer to the entity that replaced it, so that an
    # IRI of an earlier release resolves in a published dump, whichever way it is read (joints22
    # J22-1: only the engine's dump of the embedded store kept them), and what imports said of
    # IRIs of their own (newuser22 F3: a dump left out the ex:t1 the README imports)
    data_only = {old for old, new in replaced.items() if new in nodes} | foreign | beyond_only
    if given is not None:
        piece = Slice.of_triples(given + _labels_and_classes(nodes, oxstore))
        piece.asked = frozenset(p for p in (t.predicate.value for t in given) if p in NOT_DRAWN)
        # the answer's own entities left the hubs above: what is left are the sources' kinds
        piece.hubs = frozenset(nodes & hubs)
        if with_sources:
            piece.cites = cites
    else:
        piece = Slice.of_nodes(
            nodes | data_only,
            oxstore,
            sample,
            frozenset(nodes & (hubs | required)),
            center if focus else None,
            blanks,
        )
        piece.data_only = frozenset(data_only)
        piece.walk = seen
        if answer:
            piece.asked = shortcuts_named(text)
    piece.answer = frozenset(answer)
    if name or file or text:
        piece.query_notes = list(result.notes)
    return piece


def shortcuts_named(sparql: str) -> frozenset[str]:
    """The derived shortcuts (``terms.NOT_DRAWN``) that the text of a query names, as
    ``<iri>`` or by a predeclared prefix: a SELECT that pairs its answer's entities through one
    (a company and its portfolio's products) has that link drawn between them.

    >>> sorted(shortcuts_named("SELECT ?c ?t { ?c atmp:portfolioProduct ?t } # atmp:firstApproval"))
    ['https://w3id.org/atmp-kg/ontology#portfolioProduct']
    """
    from ..engine.gate import tokenize

    terms = {t.text for t in tokenize(sparql) if t.kind in ("pname", "iri")}
    return frozenset(
        iri
        for iri in NOT_DRAWN
        if f"<{iri}>" in terms
        or any(f"{p}:{iri[len(ns) :]}" in terms for p, ns in PREFIXES.items() if iri.startswith(ns))
    )


#: What a network, a view and ``show`` write of a blank node of a remote store: its label holds
#: within one request only, so the store cannot be asked what it holds.
REMOTE_BLANK = "a blank node (a remote store cannot be asked what it holds)"


class _Either(Container):
    """The blank nodes of two collections, looked up in each without copying either."""

    def __init__(self, first: Container[ox.BlankNode], second: Container[ox.BlankNode]):
        self.first, self.second = first, second

    def __contains__(self, node: object) -> bool:
        return node in self.first or node in self.second


def blank_nodes_read(
    triples: Sequence[ox.Triple],
    store: ox.Store | RemoteStore,
    held: Collection[ox.BlankNode] = frozenset(),
) -> list[ox.Triple]:
    """``triples`` followed by what ``store`` says of the blank nodes they link to that neither
    they nor ``held`` describe, and of every blank node those reach (RDF lists, nested
    descriptions, cycles), whatever they link to: what
    :func:`~atmpkg.graph.rdf.fold_blank_triples` and a network write into the triple or the
    attribute that links to each. A remote store cannot be asked what a blank node holds: each
    such blank node is :data:`REMOTE_BLANK` there, as text, and the store is asked nothing.

    >>> b, p = ox.BlankNode("b"), ox.NamedNode("urn:p")
    >>> store = ox.Store()
    >>> store.add(ox.Quad(b, p, ox.Literal("x")))
    >>> len(blank_nodes_read([ox.Triple(ox.NamedNode("urn:s"), p, b)], store))
    2
    """
    # held is the whole slice's: looked up in place, never copied per subject (rev24b F2)
    described = _Either({t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}, held)
    unread = {
        t.object
        for t in triples
        if isinstance(t.object, ox.BlankNode) and t.object not in described
    }
    if not unread:
        return list(triples)
    if isinstance(store, RemoteStore):
        text = ox.Literal(REMOTE_BLANK)
        return [
            ox.Triple(t.subject, t.predicate, text) if t.object in unread else t for t in triples
        ]

    def about(node: ox.BlankNode) -> list[ox.Triple]:
        return sort_triples(store.quads_for_pattern(node, None, None))

    return [*triples, *sort_triples(blank_closure(sorted(unread, key=str), about, described))]


def blank_description(
    triples: Sequence[ox.Triple], store: ox.Store | RemoteStore
) -> list[ox.Triple]:
    """``triples`` (what ``store`` says of an entity, both ways) with what it says of the blank
    nodes that link to the entity and of every blank node these and ``triples`` reach (RDF
    lists, nested descriptions, cycles), in canonical order: the entity's Concise Bounded
    Description with the blank nodes that link to it, whose content an RDF export writes too. A
    remote store cannot be asked about a blank node: ``triples`` alone.

    >>> b, e, p = ox.BlankNode("b"), ox.NamedNode(ID + "therapy/genex"), ox.NamedNode("urn:p")
    >>> store = ox.Store()
    >>> store.extend([ox.Quad(b, p, e), ox.Quad(b, p, ox.Literal("x"))])
    >>> len(blank_description([ox.Triple(b, p, e)], store))
    2
    """
    if isinstance(store, RemoteStore):
        return sort_triples(triples)
    linking = sorted({t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}, key=str)
    own = [q.triple for b in linking for q in store.quads_for_pattern(b, None, None)]
    return sort_triples(blank_nodes_read(sort_triples([*triples, *own]), store))


class _ReadWithAnother(Container):
    """The blank nodes of ``owners`` (each blank node with the subject it is read with) read
    with a subject other than ``subject``."""

    def __init__(self, owners: dict[ox.BlankNode, Subject], subject: Subject):
        self.owners, self.subject = owners, subject

    def __contains__(self, node: object) -> bool:
        return self.owners.get(node, self.subject) != self.subject  # type: ignore[call-overload]


def with_blank_nodes(piece: Slice, store: ox.Store | RemoteStore, *, once: bool = False) -> Slice:
    """``piece`` with each subject's triples followed by those of the blank nodes it reaches
    through blank nodes (RDF lists, nested descriptions, cycles included), read from ``store``
    (see :func:`blank_nodes_read`; of a remote store, :data:`REMOTE_BLANK` in their place), so
    that an export keeps every blank-node structure whole. A blank node that is itself a subject
    of the slice is written there, once. With ``once`` (what an RDF export writes), a blank node
    several subjects reach is read with the first of them read, each time that one is read, and
    left out of the others' (an audit: a selection's N-Triples repeated the triples of a blank
    node two entities share); without, each subject's has it (what a network folds into the
    attribute of each).

    >>> b, p = ox.BlankNode("b"), ox.NamedNode("urn:p")
    >>> t = ox.Triple(ox.NamedNode("urn:s"), p, b)
    >>> len(list(with_blank_nodes(Slice.of_triples([t, ox.Triple(b, p, ox.Literal("x"))]), ox.Store())))
    2
    >>> store = ox.Store()
    >>> store.add(ox.Quad(b, p, ox.Literal("x")))
    >>> two = Slice.of_triples([t, ox.Triple(ox.NamedNode("urn:t"), p, b)])
    >>> len(list(with_blank_nodes(two, store))), len(list(with_blank_nodes(two, store, once=True)))
    (4, 3)
    """
    own = {s for s in piece.subjects if isinstance(s, ox.BlankNode)}
    owners: dict[ox.BlankNode, Subject] = {}

    def read(subject: Subject) -> list[ox.Triple]:
        if not once:
            return blank_nodes_read(piece.about(subject), store, own)
        triples = blank_nodes_read(
            piece.about(subject), store, _Either(own, _ReadWithAnother(owners, subject))
        )
        for triple in triples:
            if isinstance(triple.subject, ox.BlankNode) and triple.subject not in own:
                owners.setdefault(triple.subject, subject)
        return triples

    reaching = Slice(piece.subjects, read, piece.sample, piece.hubs, piece.focus)
    reaching.answer, reaching.asked, reaching.data_only = piece.answer, piece.asked, piece.data_only
    reaching.cites = piece.cites
    reaching.walk = piece.walk
    reaching.query_notes = piece.query_notes
    return reaching

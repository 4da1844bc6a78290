"""Network analysis with networkx: the graph as a ``MultiDiGraph``, shortest connections, centrality.

In the network, nodes are the entities (IRIs) with their label, class and literals as attributes;
every link between two entities is an edge keyed by its property (``atmp:develops``) and labelled
with the property's label (``develops``). Literals never become nodes. Paths and rankings use the
whole graph without provenance (sources would connect everything through citations).

>>> g = atmpkg.open("/tmp/fixture-store").select().network()         # doctest: +SKIP
>>> g.nodes["https://w3id.org/atmp-kg/id/company/cellco"]["label"]   # doctest: +SKIP
'CellCo'
>>> print(atmpkg.open("/tmp/fixture-store").path("CellCo", "FDA")[0])  # doctest: +SKIP
CellCo → develops → Alphacel → approval → Alphacel — FDA 2017-08-30 (large B-cell lymphoma) → agency → US Food and Drug Administration
"""

from __future__ import annotations

import functools
import itertools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

import atmpkg
from atmpkg.graph.build import ontology_quads
from atmpkg.graph.errors import ParameterError, UnknownNameError
from atmpkg.graph.explore import resolve_entity
from atmpkg.graph.remote import RemoteStore
from atmpkg.graph.subgraph import (
    LABEL,
    TYPE,
    EmptyResultError,
    class_members,
    is_node,
    sort_triples,
)
from atmpkg.graph.terms import RDFS, SKOS, shorten

if TYPE_CHECKING:  # imported for annotations only: networkx and rdflib load when a function runs
    import networkx
    import rdflib

    from atmpkg.graph.handle import KnowledgeGraph

StorePath = str | os.PathLike[str] | None
MEASURES = ("degree", "pagerank", "betweenness")
RESERVED = ("id", "label", "class")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
SCHEME = "skos:ConceptScheme"


@functools.lru_cache(maxsize=1)
def _vocabulary_labels() -> dict[str, str]:
    return {
        q.subject.value: q.object.value
        for q in ontology_quads()
        if q.predicate.value == RDFS + "label" and not is_node(q.subject)
    }


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
    label = _vocabulary_labels().get(iri)
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
    return sort_triples(data)


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _pick_label(values: list[ox.Literal]) -> str | None:
    def preference(value: ox.Literal) -> tuple[int, str]:
        lang = (value.language or "").lower()
        return (0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2, value.value)

    return min(values, key=preference).value if values else None


def to_networkx(data: Iterable[ox.Triple | ox.Quad] | rdflib.Graph) -> networkx.MultiDiGraph:
    """RDF (pyoxigraph triples or quads, or an rdflib graph) as a ``networkx.MultiDiGraph``.

    Nodes are the subjects and the instance IRIs linked to, with attributes ``label`` (rdfs:label,
    English first, else skos:prefLabel, else the prefixed IRI), ``class`` (prefixed classes, several
    joined by ``;``) and one attribute per other literal or non-entity IRI property, named by the
    property's local name (several values joined by `` | ``). Each link is an edge keyed by the
    prefixed property, with ``property`` (the IRI) and ``label`` (its label) attributes.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/company/a"),
    ...               ox.NamedNode("https://w3id.org/atmp-kg/ontology#develops"),
    ...               ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/b"))
    >>> list(to_networkx([t]).edges(keys=True, data="label"))
    [('https://w3id.org/atmp-kg/id/company/a', 'https://w3id.org/atmp-kg/id/therapy/b', 'atmp:develops', 'develops')]
    """
    import networkx as nx

    triples = as_triples(data)
    subjects = {t.subject for t in triples}
    graph = nx.MultiDiGraph()
    labels: dict[str, list[ox.Literal]] = {}
    pref_labels: dict[str, list[ox.Literal]] = {}
    classes: dict[str, list[str]] = {}
    values: dict[str, dict[str, list[str]]] = {}
    edges = []
    for triple in triples:
        subject, predicate, obj = triple.subject, triple.predicate, triple.object
        node = _node_id(subject)
        graph.add_node(node)
        if predicate == TYPE and isinstance(obj, ox.NamedNode):
            classes.setdefault(node, []).append(shorten(obj.value))
        elif predicate == LABEL and isinstance(obj, ox.Literal):
            labels.setdefault(node, []).append(obj)
        elif isinstance(obj, ox.NamedNode | ox.BlankNode) and (obj in subjects or is_node(obj)):
            edges.append((node, _node_id(obj), predicate.value))
        else:
            if predicate == PREF_LABEL:
                pref_labels.setdefault(node, []).append(obj)
            name = local_name(predicate.value)
            name = shorten(predicate.value) if name in RESERVED else name
            text = obj.value if isinstance(obj, ox.NamedNode | ox.Literal) else str(obj)
            values.setdefault(node, {}).setdefault(name, []).append(text)
    for source, target, prop in edges:
        graph.add_edge(source, target, key=shorten(prop), property=prop, label=property_label(prop))
    for node, attrs in graph.nodes(data=True):
        label = _pick_label(labels.get(node, [])) or _pick_label(pref_labels.get(node, []))
        attrs["label"] = label or (shorten(node) if not node.startswith("_:") else node)
        if node in classes:
            attrs["class"] = ";".join(sorted(classes[node]))
        for name, texts in sorted(values.get(node, {}).items()):
            attrs[name] = " | ".join(texts)
    return graph


def network(
    store: StorePath = None, *, endpoint: str | RemoteStore | None = None
) -> networkx.MultiDiGraph:
    """:func:`path_network` of the store at ``store`` or the SPARQL 1.1 ``endpoint`` (a URL or a
    RemoteStore).

    >>> network("/tmp/fixture-store").number_of_nodes()      # doctest: +SKIP
    181
    """
    return path_network(atmpkg.open(store, endpoint=endpoint))


def path_network(graph: KnowledgeGraph) -> networkx.MultiDiGraph:
    """The network that paths and rankings use: the whole graph without sources and without the
    SKOS concept schemes (which would link every concept of a scheme to every other)."""
    net = graph.select().network()
    schemes = [n for n, cls in net.nodes(data="class") if cls and SCHEME in cls.split(";")]
    net.remove_nodes_from(schemes)
    return net


@dataclass(frozen=True)
class Link:
    """One link of a connection as it is stated in the graph: ``source`` --property--> ``target``."""

    source: str
    target: str
    property: str
    label: str


@dataclass(frozen=True)
class Connection:
    """A chain of links between two entities: ``nodes`` (IRIs) with their ``labels``, and the
    ``links`` between consecutive nodes, each in its real direction."""

    nodes: tuple[str, ...]
    labels: tuple[str, ...]
    links: tuple[Link, ...]

    def __str__(self) -> str:
        parts = [self.labels[0]]
        for index, link in enumerate(self.links):
            arrow = "→" if link.source == self.nodes[index] else "←"
            parts += [arrow, link.label, arrow, self.labels[index + 1]]
        return " ".join(parts)

    def __len__(self) -> int:
        return len(self.links)


def _link(graph: networkx.MultiDiGraph, start: str, end: str) -> Link:
    forward = sorted(
        (data["label"], key, start, end)
        for key, data in graph.get_edge_data(start, end, default={}).items()
    )
    backward = sorted(
        (data["label"], key, end, start)
        for key, data in graph.get_edge_data(end, start, default={}).items()
    )
    label, key, source, target = (forward or backward)[0]
    return Link(source, target, graph[source][target][key]["property"], label)


def find_paths(
    a: str,
    b: str,
    *,
    max_paths: int = 5,
    store: StorePath = None,
    graph: networkx.MultiDiGraph | None = None,
    endpoint: str | RemoteStore | None = None,
) -> list[Connection]:
    """:meth:`KnowledgeGraph.path <atmpkg.graph.handle.KnowledgeGraph.path>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``.

    >>> [str(c) for c in find_paths("Big Pharma", "Genex", store="/tmp/fixture-store")]   # doctest: +SKIP
    ['Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex']
    """
    return atmpkg.open(store, endpoint=endpoint).path(a, b, max_paths=max_paths, graph=graph)


def shortest_connections(
    graph: KnowledgeGraph, net: networkx.MultiDiGraph | None, a: str, b: str, max_paths: int
) -> list[Connection]:
    """The shortest connections between entities ``a`` and ``b`` (label, slug or IRI) of
    ``graph``, in ``net`` (default: its :func:`path_network`), at most ``max_paths`` of them, the
    most specific first: those through less-linked entities (a shared developer before a shared
    agency), then in reading order.

    Links are followed whatever their direction; each :class:`Link` keeps its real direction (a
    link that exists both ways, such as develops / developed by, is shown forwards). Raises
    :class:`EmptyResultError` when the two are not connected.
    """
    import networkx as nx

    if max_paths < 1:
        raise ParameterError(f"max_paths must be 1 or more, got {max_paths}")
    oxstore = graph._current().store
    start, end = resolve_entity(a, oxstore), resolve_entity(b, oxstore)
    if start == end:
        raise ParameterError(f"'{a}' and '{b}' name the same entity, {shorten(start)}")
    net = net if net is not None else path_network(graph)
    for node, text in ((start, a), (end, b)):
        if node not in net:
            raise EmptyResultError(
                f"'{text}' ({shorten(node)}) is not in the network (sources are left out of it)"
            )
    undirected = nx.Graph(net)
    names = net.nodes(data="label")
    try:
        found = list(itertools.islice(nx.all_shortest_paths(undirected, start, end), 10_000))
    except nx.NetworkXNoPath:
        raise EmptyResultError(f"no connection between {names[start]} and {names[end]}") from None
    connections = [
        Connection(
            tuple(path),
            tuple(names[n] for n in path),
            tuple(_link(net, u, v) for u, v in itertools.pairwise(path)),
        )
        for path in found
    ]
    degree = undirected.degree
    connections.sort(key=lambda c: (sum(degree[n] for n in c.nodes[1:-1]), str(c), c.nodes))
    return connections[:max_paths]


@dataclass(frozen=True)
class Ranked:
    """One entity of a ranking: its IRI, label, class (prefixed) and score."""

    iri: str
    label: str
    cls: str
    score: float


def centrality(graph: networkx.MultiDiGraph, by: str = "degree") -> dict[str, float]:
    """Centrality of every node: ``degree`` (number of distinct neighbours, links counted either
    way), ``pagerank`` (on the directed links) or ``betweenness`` (normalised, undirected). Links
    from a node to itself are ignored.

    >>> import networkx as nx
    >>> centrality(nx.MultiDiGraph([("a", "b"), ("b", "a"), ("b", "c")]))
    {'a': 1, 'b': 2, 'c': 1}
    """
    import networkx as nx

    if by not in MEASURES:
        raise UnknownNameError("ranking measure", by, MEASURES, "Measures: " + ", ".join(MEASURES))
    undirected = nx.Graph(graph)
    undirected.remove_edges_from(list(nx.selfloop_edges(undirected)))
    if by == "degree":
        return dict(undirected.degree())
    if by == "betweenness":
        return nx.betweenness_centrality(undirected)
    directed = nx.DiGraph(graph)
    directed.remove_edges_from(list(nx.selfloop_edges(directed)))  # ultimateParent of a top company
    return nx.pagerank(directed)


def rank_entities(
    *,
    by: str = "degree",
    classes: Sequence[str] = (),
    top: int = 10,
    store: StorePath = None,
    graph: networkx.MultiDiGraph | None = None,
    endpoint: str | RemoteStore | None = None,
) -> list[Ranked]:
    """:meth:`KnowledgeGraph.rank <atmpkg.graph.handle.KnowledgeGraph.rank>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``.

    >>> [(r.label, r.score) for r in rank_entities(top=2, store="/tmp/fixture-store")]   # doctest: +SKIP
    [('United States', 13), ('CellCo', 12)]
    """
    return atmpkg.open(store, endpoint=endpoint).rank(by=by, classes=classes, top=top, graph=graph)


def ranking(
    graph: KnowledgeGraph,
    net: networkx.MultiDiGraph | None,
    by: str,
    classes: Sequence[str],
    top: int,
) -> list[Ranked]:
    """The ``top`` most central entities of ``net`` (default: the :func:`path_network` of
    ``graph``) by ``by`` (see :func:`centrality`), optionally only those of ``classes`` (ranked
    within the whole network). Ties are ordered by label."""
    if by not in MEASURES:
        raise UnknownNameError("ranking measure", by, MEASURES, "Measures: " + ", ".join(MEASURES))
    if top < 1:
        raise ParameterError(f"top must be 1 or more, got {top}")
    net = net if net is not None else path_network(graph)
    members = set(net)
    if classes:
        members &= class_members(classes, graph._current().store)
        if not members:
            raise EmptyResultError(f"no entity of class {', '.join(classes)} is in the network")
    scores = centrality(net, by)
    ranked = [
        Ranked(n, net.nodes[n]["label"], net.nodes[n].get("class", ""), scores[n]) for n in members
    ]
    ranked.sort(key=lambda r: (-r.score, r.label.lower(), r.iri))
    return ranked[:top]

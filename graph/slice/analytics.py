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

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ParameterError, UnknownNameError
from ..sparql.entities import resolve_entity
from ..terms import shorten
from .subgraph import (
    EmptyResultError,
    class_members,
)

if TYPE_CHECKING:  # imported for annotations only: networkx and rdflib load when a function runs
    import networkx

    from ..handle import KnowledgeGraph

StorePath = str | os.PathLike[str] | None
MEASURES = ("degree", "pagerank", "betweenness")
#: Vocabulary structure: a scheme or a collection would link every concept it holds to every other.
GROUPINGS = {"skos:ConceptScheme", "skos:Collection"}


def path_network(graph: KnowledgeGraph) -> networkx.MultiDiGraph:
    """The network that paths and rankings use: the whole graph without sources and without the
    SKOS concept schemes and collections (which would link every concept they hold to every
    other)."""
    net = graph.select().network()
    groupings = [n for n, cls in net.nodes(data="class") if cls and GROUPINGS & set(cls.split(";"))]
    net.remove_nodes_from(groupings)
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

"""Network analysis with networkx: the graph as a ``MultiDiGraph``, shortest connections, centrality.

In the network, nodes are the entities (IRIs) with their label, class and literals as attributes;
every link between two entities is an edge keyed by its property (``atmp:develops``) and labelled
with the property's label (``develops``). Literals never become nodes. Paths and rankings use the
whole graph without provenance (sources would connect everything through citations), and
without hubs as links: places, agencies and concept values are attributes of the entities linked
to them (through a country or a modality everything is two links from everything), unless asked for
with ``through``.

>>> g = atmpkg.open().select().network()
>>> g.nodes["https://w3id.org/atmp-kg/id/company/novartis"]["label"]
'Novartis'
>>> print(atmpkg.open().path("Kymriah", "FDA")[0])
Kymriah → approval → Kymriah — FDA 2017-08-30 (B-cell acute lymphoblastic leukemia) → agency → US Food and Drug Administration
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..engine.results import display_width
from ..errors import ParameterError, UnknownNameError, described, whole_number
from ..rdf import is_node_iri, to_networkx
from ..sparql.entities import resolve_entity
from ..terms import ATMP, HUB_CLASSES, ID, shorten
from .subgraph import (
    EmptyResultError,
    class_members,
    inverse_properties,
    names_of,
    resolve_class,
    through_class,
    values_of_classes,
)

if TYPE_CHECKING:  # imported for annotations only: networkx and rdflib load when a function runs
    import networkx

    from ..handle import KnowledgeGraph

StorePath = str | os.PathLike[str] | None
MEASURES = ("degree", "pagerank", "betweenness")
#: Vocabulary structure: a scheme or a collection would link every concept it holds to every other.
GROUPINGS = {"skos:ConceptScheme", "skos:Collection"}
#: How weakly an entity on a connection ties its two ends: a deal, a company, a product or an
#: approval is a tie of the market itself (0); a shared indication or target only says that two
#: things are about the same disease or antigen (1); a statement or figure that mentions both says
#: less again (2).
WEAK_CLASSES = {
    "atmp:Indication": 1,
    "atmp:Target": 1,
    "atmp:Claim": 2,
    "atmp:Development": 2,
    "atmp:MarketEstimate": 2,
    "atmp:MarketFactor": 2,
    "atmp:ProductFigure": 2,
}
STATUS, CONTRADICTED = ox.NamedNode(ATMP + "status"), ID + "claim-status/contradicted"
#: What a chain says after a claim it passes through, by the claim's status: a claim the graph
#: does not hold for true reads as a fact in a chain unless it says so (newuser25 F27).
STATUS_MARKS = {
    CONTRADICTED: "contradicted claim",
    ID + "claim-status/unverified": "unverified claim",
}


def path_network(
    graph: KnowledgeGraph, through: Sequence[str] = (), keep: frozenset[str] = frozenset()
) -> networkx.MultiDiGraph:
    """The network that paths and rankings use: the whole graph without sources, with hubs as
    attributes except those of the ``through`` classes and the entities in ``keep``, and without
    the SKOS concept schemes and collections (which would link every concept they hold to every
    other). A link's materialised inverse is an edge too, so that a path reads forward
    (``Novartis → develops → Kymriah``); rankings leave it out (:func:`one_edge_per_link`).

    >>> "https://w3id.org/atmp-kg/id/country/us" in path_network(kg)
    False
    """
    return _network_and_statuses(graph, through, keep)[0]


def _network_and_statuses(
    graph: KnowledgeGraph, through: Sequence[str], keep: frozenset[str]
) -> tuple[networkx.MultiDiGraph, dict[str, str]]:
    """The :func:`path_network`, and the status of each claim (IRIs) read from the triples it
    was made of: on a remote store, asking for them again would be a request more."""
    piece = graph.select(through=tuple(through)).slice()
    triples = list(piece.drawn())
    # an entity of another namespace (an import's ex:t1) is a value of the entities it names,
    # unless it is an end of the path: then it is a node with its links, as a view focused on it
    # draws it (joints23 F11: path refused what view --focus drew)
    foreign = {iri for iri in keep if not is_node_iri(iri) and iri.startswith(("http://", "https://"))}
    store = graph._current().store
    for iri in sorted(foreign):
        node = ox.NamedNode(iri)
        triples += [q.triple for q in store.quads_for_pattern(node, None, None)]
        triples += [q.triple for q in store.quads_for_pattern(None, None, node)]
    net = to_networkx(triples, typed=False, hubs=piece.hubs - keep, drawn=foreign)
    groupings = [n for n, cls in net.nodes(data="class") if cls and GROUPINGS & set(cls.split(";"))]
    net.remove_nodes_from(groupings)
    return net, _statuses(triples)


def _statuses(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """The status of each claim (IRIs) ``triples`` state."""
    return {t.subject.value: t.object.value for t in triples if t.predicate == STATUS}


def one_edge_per_link(net: networkx.MultiDiGraph) -> networkx.MultiDiGraph:
    """``net`` without the materialised inverse of each link it also holds (``develops`` beside
    ``developedBy``), as the network exports draw it: a measure that counts edges (PageRank)
    would count such a link twice. ``net`` itself when it holds none.

    >>> import networkx as nx
    >>> ns = "https://w3id.org/atmp-kg/ontology#"
    >>> net = nx.MultiDiGraph()
    >>> net.add_edge("t", "c", key="atmp:developedBy", property=ns + "developedBy")
    'atmp:developedBy'
    >>> net.add_edge("c", "t", key="atmp:develops", property=ns + "develops")
    'atmp:develops'
    >>> list(one_edge_per_link(net).edges(keys=True))
    [('t', 'c', 'atmp:developedBy')]
    """
    inverse = inverse_properties()

    def stated(u: str, v: str, of: str) -> bool:
        return any(d.get("property") == of for d in net.get_edge_data(v, u, default={}).values())

    doubled = [
        (u, v, key)
        for u, v, key, prop in net.edges(keys=True, data="property")
        if prop in inverse and stated(u, v, inverse[prop])
    ]
    if not doubled:
        return net
    net = net.copy()
    net.remove_edges_from(doubled)
    return net


def avoided(graph: KnowledgeGraph, names: Sequence[str]) -> tuple[set[str], set[str]]:
    """The entities ``names`` stand for: those named one by one (label, slug or IRI), and the
    instances of those that name a class. A name that is neither raises :class:`ParameterError`.

    >>> avoided(kg, ["United States"])
    ({'https://w3id.org/atmp-kg/id/country/us'}, set())
    """
    store = graph._current().store
    named: set[str] = set()
    members: set[str] = set()
    for name in names:
        try:
            named.add(resolve_entity(name, store))
        except UnknownNameError as entity_error:
            try:
                members |= class_members([resolve_class(name, store)], store)
            except UnknownNameError as class_error:
                # a near miss of a class is offered as one (newuser23 F20: atmp:Targt), and a
                # name in the ontology's namespace as nothing else
                near = " or ".join(class_error.suggestions)
                said = f"--avoid '{name}' names no entity and no class"
                if near and str(name).startswith(("atmp:", ATMP, "<" + ATMP)):
                    raise ParameterError(f"{said}; did you mean the class {near}?") from None
                as_class = f" As a class, did you mean {near}?" if near else ""
                raise ParameterError(f"{said}: {entity_error}{as_class}") from None
    return named, members


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
    ``links`` between consecutive nodes, each in its real direction; ``marks``, when given, one
    for each node, are what the chain shows after a label (``contradicted claim`` or
    ``unverified claim`` for a claim it passes through, ``""`` for none)."""

    nodes: tuple[str, ...]
    labels: tuple[str, ...]
    links: tuple[Link, ...]
    marks: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text()

    def text(self, width: int | None = None, indent: int = 0) -> str:
        """The chain on one line; when that is wider than ``width`` display columns, one link a
        line, each indented ``indent`` + 2 under the first entity.

        >>> chain = Connection(("a", "b"), ("Kite Pharma", "Gilead Sciences"),
        ...                    (Link("a", "b", "urn:subsidiaryOf", "subsidiary of"),))
        >>> print(chain.text())
        Kite Pharma → subsidiary of → Gilead Sciences
        >>> print(chain.text(width=30))
        Kite Pharma
          → subsidiary of → Gilead Sciences
        >>> print(Connection(("a", "c", "b"), ("Kite", "Kite is Gilead's.", "Gilead"),
        ...                  (Link("c", "a", "urn:about", "about"), Link("c", "b", "urn:about", "about")),
        ...                  ("", "unverified claim", "")))
        Kite ← about ← Kite is Gilead's. (unverified claim) → about → Gilead
        """
        marks = self.marks or ("",) * len(self.labels)
        shown = [
            f"{label} ({mark})" if mark else label
            for label, mark in zip(self.labels, marks, strict=True)
        ]
        hops = []
        for index, link in enumerate(self.links):
            arrow = "→" if link.source == self.nodes[index] else "←"
            hops.append(f"{arrow} {link.label} {arrow} {shown[index + 1]}")
        line = " ".join([shown[0], *hops])
        if width is None or indent + display_width(line) <= width:
            return line
        return "\n".join([shown[0], *(" " * (indent + 2) + hop for hop in hops)])

    def __len__(self) -> int:
        return len(self.links)


def _link(graph: networkx.MultiDiGraph, start: str, end: str) -> Link:
    # A network of one's own may lack the labels and properties a selection's network carries
    ways = [(start, end), (end, start)]
    found = [
        (str(data.get("label", key)), str(key), key, source, target, data)
        for source, target in ways
        for key, data in graph.get_edge_data(source, target, default={}).items()
    ]
    forward = [link for link in found if link[3] == start]
    label, _, key, source, target, data = min(forward or found, key=lambda link: link[:2])
    return Link(source, target, str(data.get("property", key)), label)


def _given(net: object) -> networkx.MultiDiGraph | None:
    """``net``, a network to search instead of the whole graph's, checked."""
    import networkx as nx

    if net is not None and not isinstance(net, nx.MultiDiGraph):
        raise ParameterError(
            "graph must be a networkx MultiDiGraph, such as a selection's .network(), got "
            + described(net)
        )
    return net


def shortest_connections(
    graph: KnowledgeGraph,
    net: networkx.MultiDiGraph | None,
    a: str,
    b: str,
    max_paths: int,
    through: Sequence[str] = (),
    avoid: Sequence[str] = (),
) -> list[Connection]:
    """The shortest connections between entities ``a`` and ``b`` (label, slug or IRI) of
    ``graph``, in ``net`` (default: its :func:`path_network`, following the ``through`` hub
    classes as links; ``a`` and ``b`` themselves are nodes even when they are hubs), at most
    ``max_paths`` of them, the most telling first: those through the market's own links (deals,
    ownership, products, approvals) before those through a shared indication or target, and
    those before statements (claims, developments, market figures) that mention both; then those
    through less-linked entities, then in reading order. No connection passes through the
    entities ``avoid`` names (entities, or classes: their instances other than ``a`` and ``b``;
    see :func:`avoided`), nor through a claim the graph marks contradicted unless ``through``
    names ``atmp:Claim``; a claim passed through that is contradicted or unverified is marked so
    (:attr:`Connection.marks`).

    Links are followed whatever their direction; each :class:`Link` keeps its real direction (a
    link that exists both ways, such as develops / developed by, is shown forwards). Raises
    :class:`EmptyResultError` when the two are not connected.

    >>> print(shortest_connections(kg, None, "Kymriah", "Novartis", max_paths=1)[0])
    Kymriah → developed by → Novartis
    """
    import networkx as nx

    max_paths = whole_number(max_paths, "max_paths", 1)
    through, avoid = names_of(through), names_of(avoid)
    oxstore = graph._current().store
    start, end = resolve_entity(a, oxstore), resolve_entity(b, oxstore)
    if start == end:
        raise ParameterError(f"'{a}' and '{b}' name the same entity, {shorten(start)}")
    named, members = avoided(graph, avoid)
    for node, text in ((start, a), (end, b)):
        if node in named:
            raise ParameterError(f"'{text}' is an end of the connection and cannot be avoided")
    claims_asked = [name for name in through if through_class(name, oxstore) == ATMP + "Claim"]
    through = tuple(name for name in through if name not in claims_asked)
    net = _given(net)
    built = net is None
    if net is None:
        net, statuses = _network_and_statuses(graph, through, frozenset({start, end}))
    else:
        statuses = _statuses(q.triple for q in oxstore.quads_for_pattern(None, STATUS, None))
    # a claim the graph refutes ties nothing together: passed through, it would read as a fact
    # linking its two ends (newuser25 F27: Beam and Casgevy through "BEAM-101 was approved")
    refuted = {c for c, status in statuses.items() if status == CONTRADICTED and not claims_asked}
    # an avoided class keeps the ends it holds: the connection starts and ends there all the same
    kept = named | (members - {start, end})
    banned = kept | (refuted - {start, end})
    for node, text in ((start, a), (end, b)):
        if node not in net:
            why = (
                "sources are left out of it"
                if is_node_iri(node)
                else f"it is made of the entities under {ID}"
            )
            raise EmptyResultError(f"'{text}' ({shorten(node)}) is not in the network ({why})")
    undirected = nx.Graph(net)
    undirected.remove_nodes_from(banned)
    names = {node: str(label or node) for node, label in net.nodes(data="label")}
    try:
        found = list(itertools.islice(nx.all_shortest_paths(undirected, start, end), 10_000))
    except nx.NetworkXNoPath:
        hint = _through_hint(graph, net, built, start, end, through, kept, refuted)
        raise EmptyResultError(
            f"no connection between {names[start]} and {names[end]}{hint}"
        ) from None
    connections = [
        Connection(
            tuple(path),
            tuple(names[n] for n in path),
            tuple(_link(net, u, v) for u, v in itertools.pairwise(path)),
            ("", *(STATUS_MARKS.get(statuses.get(n, ""), "") for n in path[1:-1]), ""),
        )
        for path in found
    ]
    degree = undirected.degree

    def weakness(node: str) -> int:
        classes = (net.nodes[node].get("class") or "").split(";")
        return max(WEAK_CLASSES.get(cls, 0) for cls in classes)

    connections.sort(
        key=lambda c: (
            sum(weakness(n) for n in c.nodes[1:-1]),
            sum(degree[n] for n in c.nodes[1:-1]),
            str(c),
            c.nodes,
        )
    )
    routes: dict[tuple[str, ...], Connection] = {}
    for connection in connections:
        routes.setdefault(tuple(_product_of(net, n) for n in connection.nodes), connection)
    return list(routes.values())[:max_paths]


def _through_hint(
    graph: KnowledgeGraph,
    net: networkx.MultiDiGraph,
    built: bool,
    start: str,
    end: str,
    through: Sequence[str],
    banned: set[str],
    refuted: set[str],
) -> str:
    """When ``start`` and ``end`` connect only through what paths pass through only when asked,
    hubs (places, agencies, concept values; in a network the search ``built``) or ``refuted``
    claims: through which classes, and how to ask."""
    import networkx as nx

    hubs = [c for c in HUB_CLASSES if c not in through and c not in GROUPINGS] if built else []
    wider = nx.Graph(
        path_network(graph, (*through, *hubs), frozenset({start, end})) if hubs else net
    )
    wider.remove_nodes_from(banned)
    try:
        path = nx.shortest_path(wider, start, end)
    except nx.NetworkXNoPath:
        return ""
    classes = sorted({wider.nodes[n]["class"].split(";")[0] for n in path[1:-1] if n not in net})
    named = list(classes)
    if refuted.intersection(path[1:-1]):
        classes.append("atmp:Claim")
        named.append("a claim the graph marks contradicted")
    listed = ", ".join(f'"{c}"' for c in classes)
    return (
        f"; they are {len(path) - 1} links apart through {', '.join(named)}, which paths do "
        "not pass through unless asked: give "
        + " ".join(f"--through {c}" for c in classes)
        + f" (Python: through=[{listed}])"
    )


def _product_of(net: networkx.MultiDiGraph, node: str) -> str:
    """The product an approval is of, else ``node``: two connections through different approvals
    of the same products (Kymriah's and Breyanzi's for follicular lymphoma, in the EU or the US)
    say one thing, and are shown once."""
    if "atmp:Approval" not in (net.nodes[node].get("class") or "").split(";"):
        return node
    products = sorted(
        target
        for _, target, prop in net.out_edges(node, data="property")
        if prop == ATMP + "product"
    )
    return products[0] if products else node


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
    directed.remove_edges_from(list(nx.selfloop_edges(directed)))
    return nx.pagerank(directed)


def ranking(
    graph: KnowledgeGraph,
    net: networkx.MultiDiGraph | None,
    by: str,
    classes: Sequence[str],
    top: int,
    through: Sequence[str] = (),
) -> list[Ranked]:
    """The ``top`` most central entities of ``net`` (default: the :func:`path_network` of
    ``graph`` through the ``through`` hub classes) by ``by`` (see :func:`centrality`), optionally
    only those of ``classes`` (ranked within the whole network; hubs of those classes are ranked
    as nodes). Ties are ordered by label.

    >>> [(r.label, r.score) for r in ranking(kg, None, "degree", ["atmp:Company"], top=2)]
    [('Novartis', 46), ('Bristol Myers Squibb', 25)]
    """
    if by not in MEASURES:
        raise UnknownNameError("ranking measure", by, MEASURES, "Measures: " + ", ".join(MEASURES))
    top = whole_number(top, "top", 1)
    classes, through = names_of(classes), names_of(through)
    net = _given(net)
    wanted = class_members(classes, graph._current().store) if classes else set()
    net = net if net is not None else path_network(graph, through, frozenset(wanted))
    net = one_edge_per_link(net)
    members = set(net)
    if classes:
        members &= wanted
        if not members:
            named = f"class {', '.join(classes)}"
            # a class of an import's own whose instances are values (joints29 F3)
            said = not wanted and values_of_classes(
                classes, graph._current().store, named, construct=False
            )
            raise EmptyResultError(said or f"no entity of {named} is in the network")
    scores = centrality(net, by)
    ranked = [
        Ranked(n, str(net.nodes[n].get("label", n)), net.nodes[n].get("class", ""), scores[n])
        for n in members
    ]
    ranked.sort(key=lambda r: (-r.score, r.label.lower(), r.iri))
    return ranked[:top]

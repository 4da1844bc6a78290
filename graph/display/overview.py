"""The class overview: the whole graph as its classes and the properties between them, one page.

A graph of more than a few hundred entities drawn entity by entity is a hairball. Its overview,
as Hetionet draws its metagraph, has a node per class, sized by how many entities it has, and a
link from one class to another, labelled with each property that joins them and how many links it
makes. Choosing a class lists its entities and gives the command that draws them. Sources
(provenance), links the build derives as shortcuts or materialises as inverses, and a date's
precision are left out, as in every network of the graph, and so are the vocabulary's concept
schemes and collections.

>>> v = atmpkg.open().view(overview=True)
>>> v.nodes  # one per class
18
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import ParameterError, described
from ..progress import Stage
from ..rdf import PRECISIONS, is_node, property_label
from ..slice.export import output_paths
from ..slice.subgraph import inverse_properties
from ..store.remote import aggregate_row
from ..terms import ID, OWN_PAGE_ONLY, PREFIXES, SHORTCUTS, shorten
from .view import HTML_SUFFIXES, View, _class_label, _legend, _Properties, vis_options, write_file
from .viewpage import clip, page

if TYPE_CHECKING:
    from ..handle import KnowledgeGraph
    from ..slice.selection import Selection

#: Above this many entities a view of the whole graph is its class overview unless the entities
#: are asked for: past it the entity view is a hairball whose labels cannot be read.
OVERVIEW_ABOVE = 500
#: The most entities of a class the side panel lists (by label); the rest are counted.
MEMBERS_LISTED = 200
#: Provenance and the vocabulary's own structure: not links between classes. A date's precision
#: is no link either: it is a value of the date, as in every view (see :func:`~atmpkg.graph.rdf.is_node`).
LEFT_OUT = ("dct:source", "atmp:evidence", "rdf:type", "skos:inScheme", "skos:hasTopConcept")

#: Classes that are no part of the overview: sources (provenance) and the vocabulary's schemes
#: and collections, which organise the concept values rather than being data.
NOT_CLASSES = "atmp:Source, skos:ConceptScheme, skos:Collection"
_ENTITIES = f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s a ?c FILTER(STRSTARTS(STR(?s), "{ID}")) FILTER(?c NOT IN ({NOT_CLASSES})) }}"""
_MEMBERS = f"""SELECT ?c ?s ?label WHERE {{
  ?s a ?c FILTER(STRSTARTS(STR(?s), "{ID}")) FILTER(?c NOT IN ({NOT_CLASSES}))
  OPTIONAL {{ ?s rdfs:label ?label }} }}"""


def _links_query() -> str:
    left_out = ", ".join(
        [*LEFT_OUT, *(f"<{p}>" for p in sorted(SHORTCUTS | OWN_PAGE_ONLY | set(inverse_properties())))]
    )
    return f"""SELECT ?from ?p ?to (COUNT(*) AS ?n) WHERE {{
  ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?s), "{ID}") && STRSTARTS(STR(?o), "{ID}")
    && !STRSTARTS(STR(?o), "{PRECISIONS}"))
  FILTER(?p NOT IN ({left_out}))
  ?s a ?from . ?o a ?to FILTER(?from NOT IN ({NOT_CLASSES}) && ?to NOT IN ({NOT_CLASSES})) }}
GROUP BY ?from ?p ?to"""


def entity_count(store: ox.Store) -> int:
    """How many entities (instances under ``https://w3id.org/atmp-kg/id/``, sources left out)
    the graph holds.

    >>> entity_count(ox.Store())
    0
    """
    return int(aggregate_row(store, store.query(_ENTITIES, prefixes=PREFIXES))[0].value)


def wants_overview(selection: Selection, overview: bool | None) -> bool:
    """Whether ``selection`` (which reads a graph) is drawn as the class overview: when
    ``overview`` is True, or when it is None and the selection is the whole graph of more than
    :data:`OVERVIEW_ABOVE` entities and no hub class is to be drawn (``through``). The overview of
    anything but the whole graph, or with ``through``, raises :class:`ParameterError`.

    >>> wants_overview(kg.select(focus="kymriah"), None), wants_overview(kg.select(), None)
    (False, True)
    """
    if overview is not None and not isinstance(overview, bool):
        raise ParameterError(f"overview must be True, False or None, got {described(overview)}")
    whole = selection.whole
    if overview and not whole:
        raise ParameterError(
            "the overview is of the whole graph: leave out the focus, the classes and the query, "
            "or the overview"
        )
    if overview and selection.through:
        raise ParameterError(
            "the overview draws classes, through draws a hub class's entities in a view of "
            "entities: leave out one"
        )
    if overview is None:
        # a hub class asked to be drawn asks for the entities
        store = selection._bound()._current().store
        return whole and not selection.through and entity_count(store) > OVERVIEW_ABOVE
    return overview


def _names(entities: list[tuple[str, str]]) -> list[str]:
    """The entities of a class by name, one each: two that share a label are told apart by
    their prefixed IRIs.

    >>> _names([("withdrawn", "eventkind:withdrawn"), ("B", "x:b"), ("withdrawn", "status:withdrawn")])
    ['B', 'withdrawn (eventkind:withdrawn)', 'withdrawn (status:withdrawn)']
    """
    count = Counter(name for name, _ in set(entities))  # one label stated twice is one entity
    shown = {f"{name} ({short})" if count[name] > 1 else name for name, short in entities}
    return sorted(shown, key=lambda name: (name.lower(), name))


def _labelled(options: dict) -> dict:
    """The view's options with every class and every link labelled at any zoom: an overview has
    a few dozen of each, and a class or a link without its name says nothing."""
    options["nodes"]["scaling"]["label"]["drawThreshold"] = 0
    options["edges"]["scaling"]["label"]["drawThreshold"] = 0
    # longer springs: room between the classes for the links' names
    options["physics"]["forceAtlas2Based"]["springLength"] = 300
    return options


def overview_of(graph: KnowledgeGraph, *, output=None, title: str | None = None) -> View:
    """The class overview of ``graph``: a :class:`View` whose nodes are classes and whose links
    are properties, each with its count; written atomically to ``output`` when given.

    >>> v = overview_of(kg, output="classes.html")
    >>> v.nodes, v.path
    (18, PosixPath('classes.html'))
    """
    if output is not None:
        output_paths("html", output)  # a missing folder fails now, not after the work
    store = graph._current().store
    members: dict[str, list[tuple[str, str]]] = {}
    with Stage("Reading the entities of each class"):
        rows = list(store.query(_MEMBERS, prefixes=PREFIXES))
    for row in rows:
        cls, entity, label = row[0].value, row[1], row[2]
        if is_node(entity):
            named = label.value if label else shorten(entity.value)
            members.setdefault(cls, []).append((named, shorten(entity.value)))
    classes = sorted(members, key=lambda c: (-len(members[c]), _class_label(shorten(c))))
    index = {cls: number for number, cls in enumerate(classes)}
    legend, groups = _legend([shorten(c) for c in classes])
    for entry, cls in zip(legend, classes, strict=True):
        entry["count"] = len(members[cls])
    prop = _Properties()
    nodes = []
    for cls in classes:
        names = _names(members[cls])
        nodes.append(
            {
                "iri": clip(cls),
                "label": clip(f"{_class_label(shorten(cls))} ({len(members[cls]):,})"),
                "c": index[cls],
                "value": len(members[cls]),
                "names": [],
                "facts": [
                    [prop("entities"), f"{len(members[cls]):,}", False],
                    [prop("draw them"), f"atmpkg view --class {shorten(cls)}", False],
                ],
                "src": [],
                "members": [clip(name) for name in names[:MEMBERS_LISTED]],
                "more": max(0, len(names) - MEMBERS_LISTED),
            }
        )
    with Stage("Counting the links between classes"):
        rows = list(store.query(_links_query(), prefixes=PREFIXES))
    links = sorted(
        (index[start], index[end], f"{property_label(row['p'].value)} ({int(row['n'].value):,})")
        for row in rows
        if (start := row["from"].value) in index and (end := row["to"].value) in index
    )
    # The properties from one class to another are one link, labelled with each of them: drawn
    # apart, links between the same two classes would lie on one curve, their labels on one
    # point. Labels are numbered in the links' order, not the store's, so that the page is the
    # same whatever order the rows came in.
    joined: dict[tuple[int, int], list[str]] = {}
    for start, end, label in links:
        joined.setdefault((start, end), []).append(label)
    edges = [[start, end, prop("\n".join(labels))] for (start, end), labels in joined.items()]
    payload = {
        "classes": legend,
        "attributes": [],
        "focus": -1,
        "properties": prop.labels,
        "sources": [],
        "nodes": nodes,
        "edges": edges,
        "warnings": [],
        "shown": len(nodes),
        "overview": True,
        "options": _labelled(vis_options(len(nodes), groups)),
    }
    heading = title or "ATMP-KG: the classes of the graph and the links between them"
    result = View(page(heading, payload), len(nodes), len(edges), [], data=payload)
    if output is not None:
        result.path = write_file(result.html, output, HTML_SUFFIXES)
    return result

"""Select slices of the graph: the whole graph, an entity's neighbourhood, classes, or a query's answer.

A slice is a sorted list of pyoxigraph triples about a set of *nodes* (instance IRIs under
``https://w3id.org/atmp-kg/id/``). It holds every node's literals, classes and labels, the links
between its nodes, and nothing that points outside it, so that every node it mentions is described.
Provenance (``dct:source`` links and the ``atmp:Source`` nodes they point to) is left out unless
``with_sources=True``: sources are hubs that would dominate any network built from the slice.

>>> triples = select_subgraph(focus="cellco", hops=1, store="/tmp/fixture-store")   # doctest: +SKIP
>>> len(triples)                                                                   # doctest: +SKIP
61
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from atmpkg.graph.build import open_store
from atmpkg.graph.errors import EmptyResultError, ParameterError, UnknownNameError
from atmpkg.graph.explore import resolve_entity
from atmpkg.graph.query import query_file, run_named
from atmpkg.graph.remote import RemoteStore
from atmpkg.graph.sparql import QueryResult
from atmpkg.graph.terms import ATMP, DCT, ID, PREFIXES, RDF, RDFS, shorten

StorePath = str | os.PathLike[str] | None
TYPE = ox.NamedNode(RDF + "type")
LABEL = ox.NamedNode(RDFS + "label")
SOURCE = ox.NamedNode(DCT + "source")


def is_node(term: object) -> bool:
    """True for an instance IRI (``https://w3id.org/atmp-kg/id/...``): a node of the network.

    >>> is_node(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/alphacel"))
    True
    >>> is_node(ox.NamedNode("https://w3id.org/atmp-kg/ontology#Therapy"))
    False
    """
    return isinstance(term, ox.NamedNode) and term.value.startswith(ID)


def _term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> tuple:
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    if isinstance(term, ox.Literal):
        return (2, term.value, term.datatype.value, term.language or "")
    return (3, str(term), "", "")


def triple_key(triple: ox.Triple) -> tuple:
    """Canonical sort key: by subject, then rdf:type, rdfs:label, other predicates, then object.

    >>> s = ox.NamedNode("urn:s")
    >>> t = [ox.Triple(s, ox.NamedNode("urn:p"), ox.Literal("x")), ox.Triple(s, TYPE, ox.NamedNode("urn:C"))]
    >>> [x.predicate.value for x in sorted(t, key=triple_key)]
    ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type', 'urn:p']
    """
    predicate = triple.predicate.value
    rank = 0 if predicate == TYPE.value else 1 if predicate == LABEL.value else 2
    return (_term_key(triple.subject), rank, predicate, _term_key(triple.object))


def sort_triples(triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """Triples (quads are reduced to their triple) without duplicates, in canonical order.

    >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> sort_triples([t, t])
    [<Triple subject=<NamedNode value=urn:s> predicate=<NamedNode value=urn:p> object=<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>>]
    """
    unique = {t.triple if isinstance(t, ox.Quad) else t for t in triples}
    return sorted(unique, key=triple_key)


def _select_iris(store: ox.Store, sparql: str) -> set[str]:
    return {row[0].value for row in store.query(sparql, prefixes=PREFIXES)}


def _sources(store: ox.Store) -> set[str]:
    return _select_iris(store, "SELECT ?s WHERE { ?s a atmp:Source }")


def _instances(store: ox.Store) -> set[str]:
    return _select_iris(
        store, f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}")) }}'
    )


def resolve_class(text: str, store: ox.Store) -> str:
    """The IRI of the class ``text`` names: ``atmp:Therapy``, ``Therapy``, its label or a full IRI
    (case-insensitive). Unknown names raise :class:`UnknownNameError` with the closest classes.

    >>> resolve_class("regulatory agency", open_store("/tmp/fixture-store").store)   # doctest: +SKIP
    'https://w3id.org/atmp-kg/ontology#RegulatoryAgency'
    """
    classes = _select_iris(
        store,
        "SELECT DISTINCT ?c WHERE { { ?c a owl:Class } UNION { ?c a rdfs:Class } UNION "
        f'{{ ?x a ?c FILTER(STRSTARTS(STR(?x), "{ID}")) }} FILTER(isIRI(?c)) }}',
    )
    wanted = text.strip().strip("<>").lower()
    names: dict[str, set[str]] = {}
    for cls in classes:
        label = next(store.quads_for_pattern(ox.NamedNode(cls), LABEL, None), None)
        local = cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        for name in (cls, shorten(cls), local, label.object.value if label else ""):
            if name:
                names.setdefault(name.lower(), set()).add(cls)
    found = names.get(wanted, set())
    if len(found) == 1:
        return next(iter(found))
    if len(found) > 1:
        raise ParameterError(
            f"class '{text}' is ambiguous: {', '.join(sorted(shorten(c) for c in found))}"
        )
    raise UnknownNameError(
        "class",
        text,
        sorted(shorten(c) for c in classes if c.startswith(ATMP)),
        "Give a class such as atmp:Therapy (see 'atmpkg stats').",
    )


def class_members(classes: Sequence[str], store: ox.Store) -> set[str]:
    """IRIs of the instances of any of ``classes`` (names as for :func:`resolve_class`), including
    instances of their subclasses.

    >>> sorted(class_members(["atmp:Target"], open_store("/tmp/fixture-store").store))[0]   # doctest: +SKIP
    'https://w3id.org/atmp-kg/id/target/bcma'
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


def _neighbourhood(store: ox.Store, focus: str, hops: int, sources: set[str]) -> dict[str, int]:
    """Nodes within ``hops`` links of ``focus`` with their distance, nearest first (sorted by IRI
    within a distance), following links both ways but never into a source (a source is reached
    only as the focus itself)."""
    seen, frontier = {focus: 0}, {focus}
    for distance in range(1, hops + 1):
        reached: set[str] = set()
        for iri in frontier:
            node = ox.NamedNode(iri)
            for quad in store.quads_for_pattern(node, None, None):
                if quad.predicate != TYPE and is_node(quad.object):
                    reached.add(quad.object.value)
            for quad in store.quads_for_pattern(None, None, node):
                if is_node(quad.subject):
                    reached.add(quad.subject.value)
        frontier = {n for n in reached if n not in seen and n not in sources}
        seen.update((n, distance) for n in sorted(frontier))
        if not frontier:
            break
    return seen


def _by_links(nodes: set[str], store: ox.Store) -> list[str]:
    """``nodes``, best connected first (ties by IRI): the hubs of a graph make its overview."""
    degree: dict[str, int] = {}
    for row in store.query(
        # Scheme membership and concept mappings make every concept scheme a hub; they are not
        # the links a researcher looks for in an overview.
        "SELECT ?n (COUNT(*) AS ?d) WHERE { { ?n ?p ?o FILTER(isIRI(?o)) } UNION { ?s ?p ?n } "
        "FILTER(?p NOT IN (rdf:type, skos:inScheme, skos:broadMatch, skos:closeMatch, skos:exactMatch)) } "
        "GROUP BY ?n",
        prefixes=PREFIXES,
    ):
        degree[row["n"].value] = int(row["d"].value)
    return sorted(nodes, key=lambda n: (-degree.get(n, 0), n))


def cap_nodes(
    nodes: set[str], max_nodes: int, store: ox.Store, distance: Mapping[str, int] | None = None
) -> tuple[set[str], str | None]:
    """Keep at most ``max_nodes`` of ``nodes``: the nearest to the focus when ``distance`` is given
    (the best connected first among equally near ones), else the best connected. Returns the kept nodes and a note saying what was left out (None
    when nothing was).

    >>> import pyoxigraph
    >>> kept, note = cap_nodes({"a", "b", "c"}, 2, pyoxigraph.Store(), {"a": 0, "b": 1, "c": 2})
    >>> sorted(kept)
    ['a', 'b']
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
    note = f"showing {max_nodes:,} of {len(nodes):,} entities: {how} (narrow the selection to see the rest)"
    return set(order[:max_nodes]), note


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


def describe(nodes: Iterable[str], store: ox.Store) -> list[ox.Triple]:
    """Every triple about ``nodes``: their literals, classes and other non-node values, and the
    links among them (links to nodes outside the set are left out).

    >>> describe(["https://w3id.org/atmp-kg/id/target/cd19"], open_store("/tmp/fixture-store").store)[0].object   # doctest: +SKIP
    <NamedNode value=https://w3id.org/atmp-kg/ontology#Target>
    """
    wanted = set(nodes)
    triples = []
    for iri in wanted:
        for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None):
            if not is_node(quad.object) or quad.object.value in wanted:
                triples.append(quad.triple)
    return triples


def _labels_and_classes(nodes: Iterable[str], store: ox.Store) -> list[ox.Triple]:
    found = []
    for iri in nodes:
        for predicate in (TYPE, LABEL):
            found += [q.triple for q in store.quads_for_pattern(ox.NamedNode(iri), predicate, None)]
    return found


def _linked_sources(nodes: set[str], store: ox.Store, sources: set[str]) -> set[str]:
    linked = set()
    for iri in nodes:
        for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None):
            if isinstance(quad.object, ox.NamedNode) and quad.object.value in sources:
                linked.add(quad.object.value)
    return linked


def select_subgraph(
    *,
    focus: str | None = None,
    hops: int | None = None,
    classes: Sequence[str] = (),
    name: str | None = None,
    file: str | os.PathLike[str] | None = None,
    params: Mapping[str, str] | None = None,
    with_sources: bool = False,
    store: StorePath = None,
    timeout: float | None = None,
    endpoint: str | RemoteStore | None = None,
    max_nodes: int | None = None,
    notes: list[str] | None = None,
) -> list[ox.Triple]:
    """A slice of the graph, as sorted triples (of the embedded store, or of the SPARQL 1.1
    ``endpoint``: a URL or a :class:`~atmpkg.graph.remote.RemoteStore`).

    - nothing given: the whole graph (every instance node);
    - ``focus`` (label, slug, ``kind:slug`` or IRI) with ``hops`` (default 1): the entity and
      everything within that many links of it, following links both ways;
    - ``name`` (a named query, with ``params``) or ``file`` (a ``.rq`` file): a CONSTRUCT/DESCRIBE
      answer's triples plus the labels and classes of the nodes they mention; a SELECT answer's
      nodes, described, with the links among them;
    - ``classes`` (repeatable): keep only nodes of these classes (or their subclasses); alone, it
      selects every node of these classes. A focus is always kept.

    ``with_sources`` adds the ``atmp:Source`` nodes the slice's facts cite, with the links to them.
    ``max_nodes`` caps the entities of a neighbourhood, class or SELECT slice (a big graph's
    neighbourhood of a hub can hold most of the graph): the nearest to the focus, or else the best
    connected, are kept, and a sentence saying so is appended to ``notes`` when a list is given.
    Raises :class:`UnknownNameError` for an unknown entity, class or query, :class:`ParameterError`
    for options that do not go together, and :class:`EmptyResultError` when nothing is selected.

    >>> triples = select_subgraph(classes=["atmp:Therapy"], store="/tmp/fixture-store")  # doctest: +SKIP
    >>> sorted({t.subject.value.rsplit("/", 1)[1] for t in triples})                     # doctest: +SKIP
    ['alphacel', 'betacel', 'genex']
    """
    if name and file:
        raise ParameterError("give a named query or a query file, not both")
    if focus and (name or file):
        raise ParameterError("give a focus entity or a query, not both")
    if hops is not None and not focus:
        raise ParameterError("hops counts links from a focus entity; give a focus too")
    if hops is not None and hops < 0:
        raise ParameterError(f"hops must be 0 or more, got {hops}")
    if params and not (name or file):
        raise ParameterError("parameters are bound in a named query or query file; give one")
    handle = open_store(store, endpoint=endpoint)
    oxstore = handle.store
    sources = _sources(oxstore)
    keep = class_members(classes, oxstore) if classes else None
    given: list[ox.Triple] | None = None
    what = "the graph"
    if focus:
        center = resolve_entity(focus, oxstore)
        distance = _neighbourhood(oxstore, center, 1 if hops is None else hops, sources)
        nodes = set(distance)
        what = f"the neighbourhood of {shorten(center)}"
    elif name or file:
        options = {"store": store, "timeout": timeout, "endpoint": endpoint}
        result = run_named(name, params, **options) if name else query_file(file, params, **options)
        what = f"the answer of query {name or file}"
        if result.form != "ASK" and not len(result):
            raise EmptyResultError(f"{what} is empty: nothing to export")
        nodes, given = _query_nodes(result)
    elif keep is not None:
        nodes = set(keep)
    else:
        nodes = _instances(oxstore) - sources
    if keep is not None:
        nodes = {n for n in nodes if n in keep or (focus and n == center)}
        if given is not None:
            given = [
                t
                for t in given
                if t.subject.value in nodes and (not is_node(t.object) or t.object.value in nodes)
            ]
        what += " in class " + ", ".join(classes)
    if not nodes and not given:
        raise EmptyResultError(f"{what} holds no entities: nothing to export")
    if max_nodes is not None and given is None:
        nodes, note = cap_nodes(nodes, max_nodes, oxstore, distance if focus else None)
        if note and notes is not None:
            notes.append(f"{what[0].upper()}{what[1:]}: {note}")
    if with_sources:
        cited = _linked_sources(nodes, oxstore, sources)
        nodes |= cited
        if given is not None:
            given += [
                q.triple
                for n in nodes - cited
                for q in oxstore.quads_for_pattern(ox.NamedNode(n), None, None)
                if isinstance(q.object, ox.NamedNode) and q.object.value in cited
            ]
            given += describe(cited, oxstore)
    if given is not None:
        return sort_triples(given + _labels_and_classes(nodes, oxstore))
    return sort_triples(describe(nodes, oxstore))

"""Look around the graph: everything about one entity (:func:`describe_entity`, ``kg.show``) and
what the store holds (:func:`store_stats`, ``kg.stats``).

>>> view = atmpkg.open().show("kymriah")
>>> view.label
'Kymriah'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..engine.results import wrap
from ..errors import indefinite
from ..rdf import fold_blank_triples, identifier_url, property_label, shown_value
from ..slice.subgraph import blank_nodes_read, inverse_properties
from ..sparql.entities import resolve_entity
from ..sparql.named import data_dates
from ..store.build import count_classes
from ..store.remote import RemoteStore, aggregate_row, require_data
from ..terms import (
    DATE_DETAILS,
    ID,
    OWN_PAGE_ONLY,
    PREFIXES,
    RDFS,
    SHORTCUTS,
    STATED_DATES,
    shorten,
)
from ..version import FINGERPRINT_DIGITS


@dataclass
class Fact:
    """One link from or to the entity, with readable names."""

    property: str
    property_label: str
    value: ox.NamedNode | ox.BlankNode | ox.Literal
    value_label: str
    #: The page of an identifier (a Wikidata ID, a trial number...), else None.
    url: str | None = None


@dataclass
class Source:
    iri: str
    title: str
    url: str | None


@dataclass
class EntityView:
    """Everything the graph says about one entity."""

    iri: str
    label: str
    types: list[str]
    facts: list[Fact] = field(default_factory=list)
    incoming: list[Fact] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def text(self, width: int | None = None) -> str:
        """The entity as ``atmpkg show`` prints it: name and IRI, classes, facts, links to it and
        sources, one a line; with ``width``, a longer line wraps, indented under its start (a URL
        or IRI is never split, so that it stays one click).

        >>> print(EntityView("https://w3id.org/atmp-kg/id/target/cd19", "CD19", ["target"]).text())
        CD19  <https://w3id.org/atmp-kg/id/target/cd19>
          a target
        >>> view = EntityView(ID + "target/cd19", "CD19", ["target"], sources=[
        ...     Source(ID + "source/s", "A report on CD19 with a long title", "https://example.org/r")])
        >>> print(view.text(width=40))
        CD19  <https://w3id.org/atmp-kg/id/target/cd19>
          a target
        Sources:
          A report on CD19 with a long title
            https://example.org/r
        """
        kinds = ", ".join(self.types)
        # an imported entity may have no class: no line then, not an empty "a"
        lines = [f"{self.label}  <{self.iri}>", *([f"  {indefinite(kinds)}"] if kinds else [])]
        for fact in self.facts:
            value = fact.value_label
            named = isinstance(fact.value, ox.NamedNode)  # a blank node's label names nothing
            if named and value not in (fact.value.value, shorten(fact.value.value)):
                value += f" ({shorten(fact.value.value)})"
            if fact.url:
                value += f"  {fact.url}"
            lines.append(f"  {fact.property_label}: {value}")
        if self.incoming:
            lines.append("Linked from:")
            lines += [f"  {f.value_label} --{f.property_label}--> this" for f in self.incoming]
        if self.sources:
            lines.append("Sources:")
            lines += [f"  {s.title}" + (f"  {s.url}" if s.url else "") for s in self.sources]
        return "\n".join(_wrap(line, width) for line in lines)

    def _repr_html_(self) -> str:
        from .pages import entity_card

        return entity_card(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.text())


#: What the store says about ``?e``: its facts, the links to it, and the sources behind both, each
#: with the labels it needs, in three queries (three requests to a remote store, not one per fact).
_FACTS = """SELECT ?e ?p ?o (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {
  ?e ?p ?o OPTIONAL { ?p rdfs:label ?pl } OPTIONAL { ?o rdfs:label ?ol }
} GROUP BY ?e ?p ?o"""
_LINKS = """SELECT ?e ?s ?p (SAMPLE(?pl) AS ?plabel) (SAMPLE(?sl) AS ?slabel) WHERE {
  ?s ?p ?e OPTIONAL { ?p rdfs:label ?pl } OPTIONAL { ?s rdfs:label ?sl }
} GROUP BY ?e ?s ?p"""
# The company that develops a product is linked to it by a derived link: the company's own
# sources are about the company, not the product.
_SOURCES = """SELECT ?e ?src (SAMPLE(?t) AS ?title) (SAMPLE(?u) AS ?url) WHERE {
  { ?e dct:source ?src } UNION {
    ?s ?p ?e ; dct:source ?src
    FILTER NOT EXISTS { ?p atmp:derivedBy ?rule }
  }
  OPTIONAL { ?src rdfs:label ?t } OPTIONAL { ?src schema:url ?u }
} GROUP BY ?e ?src"""


def _wrap(line: str, width: int | None) -> str:
    """``line`` wrapped to ``width``, each following line indented two more than its first."""
    text = line.lstrip(" ")
    indent = line[: len(line) - len(text)]
    return wrap(text, width, indent, indent + "  ")


def _verb(term: ox.NamedNode, label) -> str:
    """A property as people read it: its label in the store, else as the views name it
    (:func:`~atmpkg.graph.rdf.property_label`: ``dct:source`` is "source")."""
    return label.value if label is not None else property_label(term.value)


def _name(term, label) -> str:
    """A term as people read it: its label, else a literal's value or the prefixed IRI."""
    if label is not None:
        return label.value
    if isinstance(term, ox.Literal):
        return shown_value(term)
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    return str(term)


#: The subject and property of the links :func:`blank_node_texts` writes a blank node into.
_LINK = ox.NamedNode("urn:atmpkg:link")


def blank_node_texts(
    oxstore: ox.Store | RemoteStore, nodes: Sequence[ox.BlankNode]
) -> dict[ox.BlankNode, str]:
    """Each blank node of ``nodes`` as the networks and the view write it (read by
    :func:`~atmpkg.graph.slice.subgraph.blank_nodes_read`, written by
    :func:`~atmpkg.graph.rdf.fold_blank_triples`): an RDF list as its items (``a, b``), a nested
    description as ``name: value`` pairs, read with every blank node it reaches; of a remote
    store, :data:`~atmpkg.graph.slice.subgraph.REMOTE_BLANK`.

    >>> store, b = ox.Store(), ox.BlankNode("b")
    >>> store.add(ox.Quad(b, ox.NamedNode("http://example.org/note"), ox.Literal("in a list")))
    >>> blank_node_texts(store, [b])
    {<BlankNode value=b>: 'note: in a list'}
    """
    # a link to each node, first: folded, its object is the node's text
    links = [ox.Triple(_LINK, _LINK, node) for node in nodes]
    folded = fold_blank_triples(blank_nodes_read(links, oxstore))[: len(links)]
    return {
        node: t.object.value if isinstance(t.object, ox.Literal) else str(t.object)
        for node, t in zip(nodes, folded, strict=True)
    }


def describe_entity(oxstore: ox.Store | RemoteStore, entity: str) -> EntityView:
    """Everything ``oxstore`` says about one entity: its facts, the links to it, and the sources
    behind them.

    >>> view = describe_entity(atmpkg.graph.open_store().store, "kymriah")
    >>> view.label, view.iri
    ('Kymriah', 'https://w3id.org/atmp-kg/id/therapy/kymriah')
    """
    target = resolve_entity(entity, oxstore)
    bound = {ox.Variable("e"): ox.NamedNode(target)}

    def ask(text: str):
        return oxstore.query(text, prefixes=PREFIXES, substitutions=bound)

    facts = [
        Fact(r["p"].value, _verb(r["p"], r["plabel"]), r["o"], _name(r["o"], r["olabel"]))
        for r in ask(_FACTS)
        if r["p"].value not in SHORTCUTS
    ]
    # Of several labels (an import may add one), English first, then the first in order
    own = sorted(
        (f.value.language != "en", f.value.value) for f in facts if f.property == RDFS + "label"
    )
    types = [f.value_label for f in facts if f.property == PREFIXES["rdf"] + "type"]
    view = EntityView(target, own[0][1] if own else shorten(target), sorted(types))
    view.facts = facts
    # a link to the entity whose inverse it states itself (Novartis develops Kymriah, Kymriah is
    # developed by Novartis; an approval's product and the product's approval) is listed once,
    # among its own facts
    pairs = inverse_properties()
    mirror = {**pairs, **{stated: inverse for inverse, stated in pairs.items()}}
    own_links = {(f.property, f.value.value) for f in facts if isinstance(f.value, ox.NamedNode)}
    view.incoming = [
        Fact(r["p"].value, _verb(r["p"], r["plabel"]), r["s"], _name(r["s"], r["slabel"]))
        for r in ask(_LINKS)
        if r["p"].value not in SHORTCUTS
        and r["p"].value not in OWN_PAGE_ONLY
        and (mirror.get(r["p"].value), r["s"].value) not in own_links
    ]
    view.sources = [
        Source(r["src"].value, _name(r["src"], r["title"]), r["url"].value if r["url"] else None)
        for r in ask(_SOURCES)
    ]
    # a blank node it links to, or that links to it (a list holding it: rev23 5), by what it holds
    blanks = [f for f in (*facts, *view.incoming) if isinstance(f.value, ox.BlankNode)]
    texts = blank_node_texts(oxstore, list(dict.fromkeys(f.value for f in blanks)))
    for fact in blanks:
        fact.value_label = texts[fact.value]
    stated = {f.property: f.value.value for f in view.facts if f.property in STATED_DATES}
    for fact in view.facts:
        details = DATE_DETAILS.get(fact.property)
        if details and details[1] in stated:
            fact.value_label = stated[details[1]]
        elif isinstance(fact.value, ox.Literal):
            fact.url = identifier_url(fact.property, fact.value.value)
    # Total orders, so that the page is the same whatever order the store gave the triples in
    for facts in (view.facts, view.incoming):
        facts.sort(key=lambda f: (f.property_label, f.value_label, f.property, str(f.value)))
    view.sources.sort(key=lambda s: (s.title, s.iri))
    return view


@dataclass
class Stats:
    """What the store holds and how it was built."""

    triples: int
    classes: dict[str, int]
    properties: dict[str, int]
    sources: int
    build: dict
    #: The issue date of the newest source document the curated data cites (``YYYY``,
    #: ``YYYY-MM`` or ``YYYY-MM-DD``; an endpoint's: the newest its graph cites): the data
    #: reflects nothing later.
    data_as_of: str | None = None
    #: Whose sources ``data_as_of`` is the newest of: "the curated data" where the imports cite
    #: later ones, "your imports" where the curated data cites no dated source (a store built
    #: from an export), else "it" (the graph)
    data_as_of_of: str = "it"
    #: The issue date of the newest source the imports cite, where it is later than
    #: ``data_as_of`` (newuser28 F2: an import's source moved the data's day)
    imports_as_of: str | None = None

    @property
    def citation(self) -> str | None:
        """What a paper cites for the curated data this store was built from (the README's
        "Citing ATMP-KG"): the attribution LICENSE-DATA asks for, the version of atmpkg that
        built it, the git commit of the data where it was built from a clone (``-dirty``: with
        changes not committed), the fingerprint of the files the build read, short (what
        ``atmpkg --version`` prints for the installed files: a wheel's data has no commit, and
        one version is released with many data), and the day the data is as of. None for a store
        built from another data folder, or one that records no build.

        >>> kg.stats().citation.startswith("ATMP-KG curated data, CC BY 4.0, atmpkg ")
        True
        """
        build = self.build
        if not build.get("built_at") or build.get("data_dir"):
            return None
        named = [
            f"git commit {build['data_commit']}" if build.get("data_commit") else "",
            f"data fingerprint {build['fingerprint'][:FINGERPRINT_DIGITS]}"
            if build.get("fingerprint")
            else "",
        ]
        which = f" ({', '.join(filter(None, named))})" if any(named) else ""
        as_of = f", data as of {self.data_as_of}" if self.data_as_of else ""
        version = build.get("atmpkg_version", "?")
        return f"ATMP-KG curated data, CC BY 4.0, atmpkg {version}{which}{as_of}"


def store_stats(oxstore: ox.Store | RemoteStore, info: dict) -> Stats:
    """Counts per class and per property and the number of sources of ``oxstore``, with its build
    information ``info``.

    >>> handle = atmpkg.graph.open_store()
    >>> stats = store_stats(handle.store, handle.info)
    >>> stats.classes["atmp:Therapy"], stats.sources
    (120, 1320)
    """
    require_data(oxstore)
    properties = {
        shorten(row["p"].value): int(row["n"].value)
        for row in oxstore.query(
            'SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(id:)) || STRSTARTS(STR(?s), "https://w3id.org/atmp-kg/id/")) } GROUP BY ?p ORDER BY DESC(?n) ?p',
            prefixes={**PREFIXES, "id": ID},
        )
    }
    sources = aggregate_row(
        oxstore,
        oxstore.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a atmp:Source }", prefixes=PREFIXES),
    )
    return Stats(
        len(oxstore),
        # A graph loaded into an endpoint without 'atmpkg push' has no recorded counts
        dict(info.get("counts") or count_classes(oxstore)),
        properties,
        int(sources["n"].value),
        dict(info),
        *data_dates(oxstore, info),
    )


def packaged_data_as_of() -> str:
    """The issue date of the newest source document the packaged curated data cites.

    >>> packaged_data_as_of()[:2]
    '20'
    """
    import csv
    from importlib import resources

    with resources.files("atmpkg.graph").joinpath("data/sources.csv").open(encoding="utf-8") as f:
        # Dates of one precision compare as text; a shorter one is the start of its period.
        return max(row["issued"] for row in csv.DictReader(f) if row["issued"])

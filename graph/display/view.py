"""The interactive graph view: a slice of the graph as one self-contained, offline HTML page.

The slice is a :class:`~atmpkg.graph.handle.Selection` (the whole graph, a neighbourhood, some
classes or a query's answer) and its network comes from
:func:`~atmpkg.graph.slice.analytics.to_networkx`. Nodes are coloured and shaped by class, labelled with
their names, and linked by edges labelled with the property's label. A link the build
materialises as the inverse of another (``atmp:develops`` for ``atmp:developedBy``, see
:func:`~atmpkg.graph.slice.subgraph.inverse_properties`) is drawn once, in the direction the data states.
The sources a node cites (``dct:source``, ``atmp:evidence``) are not drawn: they are listed with
their links in the side panel of every node that cites them (a source no drawn node cites is drawn
like any node).

>>> v = atmpkg.open().view(focus="kymriah", output="kymriah.html")
>>> v.nodes, v.edges, v.path
(24, 43, PosixPath('kymriah.html'))

In Jupyter, ``v`` displays inline: an iframe holding the page, with no server and no network.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import ParameterError, described
from ..progress import Progress
from ..rdf import (
    LABEL,
    TYPE,
    as_triples,
    fold_blank_triples,
    identifier_url,
    node_labels,
    property_label,
    shown_value,
    stated_dates,
    to_networkx,
    vocabulary_label,
)
from ..slice.collector import holding_cycle_collection
from ..slice.export import atomic_files, names_a_device, output_paths
from ..slice.subgraph import (
    beyond,
    blank_nodes_read,
    fold_inverses,
    outside_note,
    value_labels,
)
from ..slice.whole import network_slice
from ..terms import DCT, ID, NAME_PROPERTIES, PREFIXES, SCHEMA, expand, shorten
from .viewpage import MAX_VALUE_CHARS, clip, page

if TYPE_CHECKING:
    import rdflib

    from ..slice.selection import Selection

StorePath = str | os.PathLike[str] | None

#: Above this many nodes the view still renders but warns: the first layout then takes more than
#: a few seconds and the page becomes slow to pan (see the benchmark in the README).
NODE_CAP = 3000
#: The most entities ``view`` draws unless told otherwise: past this the page would take minutes to
#: lay out, so a larger selection is sampled (with a note on the page).
MAX_NODES = 5000
#: Expanding a node shows the entities one link beyond the view that the page holds: at most this
#: many for each node, and this many in all, so that a page stays a few megabytes at most.
EXPAND_PER_NODE = 25
EXPAND_MAX = 2000
#: From this many nodes on, edges are drawn straight and hidden while dragging or zooming, and
#: hovering shows nothing, to keep panning fluid.
LARGE = 1000

SOURCE_CLASS = "atmp:Source"
#: (colour, vis shape) per class; stable, so that a therapy is always a blue dot.
CLASS_STYLES = {
    "atmp:Therapy": ("#4e79a7", "dot"),
    "atmp:Company": ("#f28e2b", "square"),
    "atmp:Approval": ("#59a14f", "diamond"),
    "atmp:RegulatoryAgency": ("#e15759", "hexagon"),
    "atmp:Indication": ("#b07aa1", "triangle"),
    "atmp:Target": ("#ff9da7", "triangleDown"),
    "atmp:Deal": ("#9c755f", "star"),
    "atmp:Claim": ("#edc948", "diamond"),
    "atmp:MarketEstimate": ("#76b7b2", "star"),
    "atmp:MarketFactor": ("#76b7b2", "triangle"),
    "atmp:Country": ("#bab0ac", "dot"),
    "atmp:Region": ("#bab0ac", "hexagon"),
    "atmp:Development": ("#86bcb6", "triangleDown"),
    "atmp:Programme": ("#8cd17d", "hexagon"),
    "atmp:ProductFigure": ("#f1ce63", "star"),
    "atmp:Source": ("#d4a6c8", "square"),
    "skos:Concept": ("#a0cbe8", "dot"),
    "skos:ConceptScheme": ("#499894", "hexagon"),
}
FALLBACK_COLORS = ("#d37295", "#b6992d", "#79706e", "#d7b5a6", "#fabfd2", "#e49444", "#8f9bb3")
FALLBACK_SHAPES = ("dot", "square", "diamond", "triangle", "star", "hexagon", "triangleDown")
# the same few properties label every fact of a page
_property_label = functools.lru_cache(maxsize=1024)(property_label)
_NAMES = {
    PREFIXES[prefix] + local
    for prefix, local in (name.split(":") for name in NAME_PROPERTIES.split("|"))
}


@dataclass
class View:
    """A rendered view: the page (``html``), how many ``nodes`` and ``edges`` it draws, the
    ``warnings`` it shows (e.g. above :data:`NODE_CAP` nodes), the file written (``path``), and
    the ``data`` the page draws (what the served Graph tab adds to its own when a node is
    expanded beyond it)."""

    html: str = field(repr=False)
    nodes: int
    edges: int
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None
    data: dict = field(default_factory=dict, repr=False)

    def _repr_html_(self) -> str:
        # srcdoc keeps the page in a sandboxed frame of its own: its CSP applies, it cannot reach
        # the notebook, and nothing is served or fetched.
        return (
            '<iframe title="ATMP-KG graph view" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
            'style="width:100%;height:640px;border:1px solid #d9dde3" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )


def _class_label(prefixed: str) -> str:
    if not prefixed:
        return "Unclassified"
    label = property_label(expand(prefixed))  # the ontology's rdfs:label, else the name in words
    return label[:1].upper() + label[1:]


_STYLE_RANK = {cls: rank for rank, cls in enumerate(CLASS_STYLES)}


def _primary_class(classes: str) -> str:
    """The class a node is drawn as: a styled class first, then an atmp: class, then any."""
    if ";" not in classes:
        return classes
    return min(
        classes.split(";"),
        key=lambda c: (_STYLE_RANK.get(c, len(_STYLE_RANK)), not c.startswith("atmp:"), c),
    )


def _darker(color: str) -> str:
    red, green, blue = (int(color[i : i + 2], 16) * 7 // 10 for i in (1, 3, 5))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _display(
    term: ox.NamedNode | ox.BlankNode | ox.Literal, names: Mapping[str, str] = {}
) -> tuple[str, str]:
    """A fact's value as text, and the IRI it is, if it is one (a link when it is http/https):
    an IRI ``names`` names (an import's own ``ex:trial-1``) is shown by its label."""
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(ID):  # a vocabulary value such as dateprecision:month
            return vocabulary_label(term.value) or shorten(term.value), ""
        return names.get(term.value, term.value), term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}", ""
    value = shown_value(term)  # 11900000000 -> 11,900,000,000
    if term.language and not term.language.lower().startswith("en"):
        value += f" ({term.language})"
    return value, ""


def _href(predicate: str, text: str, iri: str) -> str | bool:
    """Where a fact's value links to in the side panel: an IRI to itself (also one shown by its
    label, whose link keeps it at hand), an identifier to its page (see
    :func:`~atmpkg.graph.rdf.identifier_url`); False for no link. An address cut short would
    lead elsewhere: too long a one is not linked."""
    href = iri or identifier_url(predicate, text)
    return href if href and len(href) <= MAX_VALUE_CHARS else False


def _node_id(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str | None:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return None


class _Properties:
    """Property labels, each stored once in the page and referred to by number."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, label: str) -> int:
        label = clip(label)
        if label not in self._index:
            self._index[label] = len(self.labels)
            self.labels.append(label)
        return self._index[label]


def vis_options(nodes: int, groups: dict) -> dict:
    """vis-network options for a network of ``nodes`` nodes: pyvis's physics and interaction
    options, plus the node, edge and group styles pyvis does not model.

    >>> vis_options(10, {})["physics"]["solver"]
    'forceAtlas2Based'
    """
    from pyvis.network import Network  # loads IPython: only when a view is made

    large = nodes >= LARGE
    net = Network(directed=True)
    net.force_atlas_2based(
        gravity=-60,
        central_gravity=0.008,
        spring_length=110,
        spring_strength=0.05,
        damping=0.55,
        overlap=0.1,
    )
    net.toggle_hide_edges_on_drag(large)
    options = json.loads(net.options.to_json())
    # The layout is computed before the network is shown, at a cost per iteration that grows
    # with the size; fewer iterations for bigger networks, and a coarser Barnes-Hut approximation
    # (theta 1 instead of 0.5: half the time, a layout as readable), keep the wait to seconds
    # (see the benchmark in the README).
    options["physics"]["forceAtlas2Based"]["theta"] = 1.0
    options["physics"]["stabilization"].update(
        iterations=max(100, min(600, 300_000 // max(nodes, 1))), updateInterval=50
    )
    options["physics"]["minVelocity"] = 1.5
    options["layout"] = {"randomSeed": 7, "improvedLayout": nodes <= 100}
    options["interaction"].update(
        hover=not large,
        tooltipDelay=250,
        navigationButtons=True,
        keyboard=False,
        hideEdgesOnZoom=large,
    )
    options["nodes"] = {
        "borderWidth": 1,
        "font": {"size": 13, "color": "#1d2430", "strokeWidth": 3, "strokeColor": "#ffffff"},
        # labels appear once they are readable (13 px at 60 % zoom), not as grey smudges before
        "scaling": {"min": 10, "max": 40, "label": {"enabled": False, "drawThreshold": 8}},
        "widthConstraint": {"maximum": 190},
    }
    options["edges"] = {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
        "color": {"color": "#9aa5b1", "highlight": "#c0392b", "hover": "#56606b", "inherit": False},
        "font": {"size": 10, "color": "#4a5560", "strokeWidth": 3, "align": "middle"},
        # a link's label (10 px) shows from 140 % zoom: further out the labels of links would
        # cover those of the nodes, and the side panel names every link of the chosen node
        "scaling": {"label": {"enabled": False, "drawThreshold": 14}},
        # curved clockwise, two links between the same nodes in opposite directions bend apart
        "smooth": {"enabled": not large, "type": "curvedCW", "roundness": 0.12},
        "width": 1,
    }
    options["groups"] = groups
    return options


Value = ox.NamedNode | ox.BlankNode | ox.Literal


def _facts(
    triples: Sequence[ox.Triple], graph, hubs: Mapping[str, str]
) -> dict[str, list[tuple[str, Value]]]:
    """Per subject, the (property IRI, value) pairs that are not links of the network: literals
    and IRIs that are not nodes, and links to hubs, whose value is the hub's label (``hubs``: IRI
    -> label). Types and labels are shown otherwise; a hub's own facts are not shown."""
    facts: dict[str, list[tuple[str, Value]]] = {}
    for triple in triples:
        subject = _node_id(triple.subject)
        if triple.predicate in (TYPE, LABEL) or subject in hubs:
            continue
        target = _node_id(triple.object)
        if target in hubs:
            facts.setdefault(subject, []).append((triple.predicate.value, ox.Literal(hubs[target])))
        elif target not in graph:
            facts.setdefault(subject, []).append((triple.predicate.value, triple.object))
    return facts


def _attributes(
    triples: Sequence[ox.Triple],
    hubs: Mapping[str, str],
    index: Mapping[str, int],
    prop,
    first: int,
) -> list[list]:
    """The legend's filters: per property and hub, the nodes linked to it, as ``[property number,
    hub label, [node numbers]]``, by property, then the most used among the ``first`` nodes (those
    drawn at first) first."""
    linked: dict[tuple[str, str], set[int]] = {}
    for triple in triples:
        subject, target = _node_id(triple.subject), _node_id(triple.object)
        if target in hubs and subject in index:
            key = (_property_label(triple.predicate.value), target)
            linked.setdefault(key, set()).add(index[subject])
    ordered = sorted(
        linked.items(),
        key=lambda item: (item[0][0], -sum(n < first for n in item[1]), hubs[item[0][1]]),
    )
    return [[prop(label), clip(hubs[hub]), sorted(nodes)] for (label, hub), nodes in ordered]


def _legend(classes: list[str]) -> tuple[list[dict], dict]:
    """For classes (biggest first), the legend entries and vis groups ``c0``, ``c1``, …"""
    legend, groups = [], {}
    unstyled = 0
    for number, cls in enumerate(classes):
        if cls in CLASS_STYLES:
            color, shape = CLASS_STYLES[cls]
        else:
            color = FALLBACK_COLORS[unstyled % len(FALLBACK_COLORS)]
            shape = FALLBACK_SHAPES[unstyled % len(FALLBACK_SHAPES)]
            unstyled += 1
        border = _darker(color)
        legend.append(
            {
                "key": cls,
                "label": clip(_class_label(cls)),
                "color": color,
                "border": border,
                "shape": shape,
            }
        )
        chosen = {"background": color, "border": "#1d2430"}
        groups[f"c{number}"] = {
            "shape": shape,
            "color": {"background": color, "border": border, "highlight": chosen, "hover": chosen},
        }
    return legend, groups


def _source_record(iri: str, facts: list[tuple[str, Value]], graph) -> dict:
    values: dict[str, str] = {}
    for predicate, value in stated_dates(facts):
        values.setdefault(predicate, value.value)
    url = values.get(SCHEMA + "url", "")
    return {
        "title": clip(values.get(DCT + "title") or graph.nodes[iri]["label"]),
        "publisher": clip(values.get(DCT + "publisher", "")),
        "issued": clip(values.get(DCT + "issued", "")),
        # a URL cut short would lead elsewhere: too long a one is not linked at all
        "url": url if len(url) <= MAX_VALUE_CHARS else "",
    }


def _render(
    triples: Sequence[ox.Triple],
    title: str,
    notes: Sequence[str] = (),
    hubs: frozenset[str] = frozenset(),
    focus: str | None = None,
    hidden: set[str] | frozenset[str] = frozenset(),
    answer: frozenset[str] = frozenset(),
    asked: frozenset[str] = frozenset(),
    left: Mapping[str, int] | None = None,
    names: Mapping[str, str] = {},  # noqa: B006 - read, never changed
    incoming: Mapping[str, Sequence[tuple[str, str]]] = {},  # noqa: B006 - read, never changed
    cites: Collection[tuple[str, str, str]] = frozenset(),
) -> View:
    """The view of ``triples``: ``hidden`` are entities the page holds, to show when a node is
    expanded, but does not draw at first; ``left`` how many more an entity links to that the
    page does not hold; ``answer`` those a query's answer names, drawn even when they are
    sources (a question about provenance is answered with its sources); ``names`` the labels
    of the IRI values of an import's own namespace, which the panel shows by them; ``incoming``
    the (property, IRI) of the links to a node from IRIs of such a namespace, which the panel
    lists with its facts (``← tests: Trial one``) unless the page draws that IRI as a node;
    ``cites`` the links to sources (subject, property, source IRIs) that the page lists beside
    their node, as those to the sources it does not draw, where it draws the source: the links its
    sources add to a query's answer, which a network export of the answer does not draw."""
    # the links a network draws, and the facts the panel shows: no derived shortcut (a period's
    # last day is no day a source stated) unless asked for, each inverse pair once, and a blank
    # node as the text a network export writes of it
    links = fold_blank_triples(fold_inverses(triples, asked))
    graph = to_networkx(links, typed=False, hubs=hubs, drawn=asked)
    hub_labels = node_labels(triples, hubs)
    facts = _facts(links, graph, hub_labels)
    kind = {n: _primary_class(c or "") for n, c in graph.nodes(data="class")}
    cited = {
        target
        for source, target in graph.edges()
        if kind[target] == SOURCE_CLASS and kind[source] != SOURCE_CLASS and target not in answer
    }
    # the sources of hubs come with them, but a hub is an attribute: nothing drawn cites them
    of_hubs = {_node_id(t.object) for t in triples if _node_id(t.subject) in hubs}
    drawn = sorted(
        (
            n
            for n in graph
            if n not in cited
            and not (n in of_hubs and kind[n] == SOURCE_CLASS and not graph.degree(n))
        ),
        key=lambda n: (n in hidden, n),  # what is drawn at first, then what expanding adds
    )
    first = len(drawn) - len(hidden & set(drawn))
    index = {n: i for i, n in enumerate(drawn)}
    counts: dict[str, int] = {}
    for node in drawn[:first]:
        counts[kind[node]] = counts.get(kind[node], 0) + 1
    for node in drawn[first:]:
        counts.setdefault(kind[node], 0)
    class_order = sorted(counts, key=lambda c: (-counts[c], _class_label(c)))
    class_index = {cls: number for number, cls in enumerate(class_order)}
    legend, groups = _legend(class_order)

    prop = _Properties()
    listed = {(s, shorten(p), o) for s, p, o in cites if s in index and o in index}
    sources = sorted(cited | {o for _, _, o in listed})
    source_index = {s: i for i, s in enumerate(sources)}
    nodes = []
    for node in drawn:
        own = stated_dates(facts.get(node, []))
        shown = sorted((_property_label(p), *_display(value, names), p) for p, value in own)
        # a link from an IRI of an import's own namespace, which is no node here, is listed as
        # the Links list writes a link to the node (joints29 F1: it was nowhere in the view)
        shown += sorted(
            (f"← {_property_label(p)}", names.get(subject, subject), subject, p)
            for p, subject in incoming.get(node, ())
            if subject not in graph
        )
        nodes.append(
            {
                "iri": clip(node),
                "label": clip(graph.nodes[node]["label"]),
                "c": class_index[kind[node]],
                "names": sorted({clip(value.value) for p, value in own if p in _NAMES}),
                # an IRI cut short would lead elsewhere: too long a one is shown, not linked
                "facts": [
                    [prop(label), clip(text), _href(predicate, text, iri)]
                    for label, text, iri, predicate in shown
                ],
                "src": [],
            }
        )
        if (left or {}).get(node):
            nodes[-1]["left"] = [left[node], clip(shorten(node))]
    edges = []
    parallel: dict[tuple[int, int], int] = {}
    for source, target, key, label in sorted(graph.edges(keys=True, data="label")):
        if (target in cited and source not in cited) or (source, key, target) in listed:
            nodes[index[source]]["src"].append([prop(label), source_index[target]])
        elif source not in cited:  # a cited source's own links are not drawn
            ends = (index[source], index[target])
            edges.append([*ends, prop(label)])
            # a second link of the same direction between the same two nodes is told how many
            # came before it, so that it bends further out instead of lying on the first
            if parallel.setdefault(ends, 0):
                edges[-1].append(parallel[ends])
            parallel[ends] += 1

    warnings = list(notes)
    if first > NODE_CAP:
        warnings.append(
            f"This view draws {first:,} nodes, more than the {NODE_CAP:,} it stays fluid "
            "with: the first layout takes a while and panning may lag. Narrow it to a "
            "neighbourhood (--focus ENTITY --hops N), to some classes (--class C) or to a "
            "query's answer (--name NAME or --file F.rq)."
        )
    payload = {
        "classes": legend,
        # the legend filters by the facts the panel shows: no shortcut (within: World) either
        "attributes": _attributes(links, hub_labels, index, prop, first),
        "focus": index.get(focus, -1) if focus else -1,
        "properties": prop.labels,
        "sources": [_source_record(s, facts.get(s, []), graph) for s in sources],
        "nodes": nodes,
        "edges": edges,
        "warnings": warnings,
        "shown": first,
        "options": vis_options(first, groups),
    }
    links = sum(1 for a, b, *_ in edges if a < first and b < first)
    return View(page(title, payload), first, links, warnings, data=payload)


def render_html(
    triples: Iterable[ox.Triple | ox.Quad] | rdflib.Graph, *, title: str = "ATMP-KG"
) -> str:
    """The complete, self-contained HTML document of the view of ``triples`` (a slice from
    :func:`~atmpkg.graph.slice.subgraph.select_subgraph`, any pyoxigraph triples or quads, an
    rdflib graph or a CONSTRUCT answer).

    >>> doc = render_html(atmpkg.open().select(focus="kymriah").triples())
    >>> doc.startswith("<!DOCTYPE html>")
    True
    """
    return _render(as_triples(triples), title).html


#: The file names a page is written to.
HTML_SUFFIXES = (".html", ".htm")


def write_file(text: str, output: str | os.PathLike[str], suffixes: tuple[str, ...]) -> Path:
    """Write ``text`` as UTF-8 to ``output`` atomically (a temporary file in the same folder,
    renamed into place); a missing folder or a folder as ``output`` raises :class:`StoreError`,
    a file name that does not end in one of ``suffixes`` (what the text is) a
    :class:`ParameterError`, so that no program opens the file as something else; a pipe or a
    device (``/dev/stdout``) is written straight to, whatever its name.

    >>> import tempfile
    >>> write_file("<svg/>", Path(tempfile.mkdtemp()) / "x.svg", (".svg",)).read_text()
    '<svg/>'
    """
    targets = output_paths("html", output)
    # a device's name (/dev/stdout, even redirected to a file) says nothing of what it holds
    if targets[0].suffix.lower() not in suffixes and not names_a_device(targets[0]):
        what = {".svg": "an SVG drawing"}.get(suffixes[0], "an HTML page")
        raise ParameterError(
            f"{os.fspath(output)}: this is {what}; name the file {' or '.join(suffixes)}"
        )
    with atomic_files(targets) as (handle,):
        handle.write(text.encode("utf-8"))
    return targets[0]


@holding_cycle_collection()
def view_of(
    selection: Selection,
    *,
    output=None,
    title: str | None = None,
    told: Callable[[Sequence[str]], list[str]] = list,
) -> View:
    """The view of ``selection`` (which reads a graph): sources listed unless it says otherwise,
    at most :data:`MAX_NODES` entities unless it gives ``max_nodes`` (0: all); written
    atomically to ``output`` when given, the title saying what was selected unless ``title`` is
    given; the notes it shows worded by ``told`` for the door it is read at (the server's Graph
    tab says how to give a parameter over HTTP, :func:`~atmpkg.graph.server.protocol.http_notes`).

    >>> v = view_of(kg.select(focus="Kymriah", hops=1), output="kymriah.html")
    >>> v.nodes, v.edges, v.path
    (24, 43, PosixPath('kymriah.html'))
    """
    if title is not None and not isinstance(title, str):
        raise ParameterError(f"title must be text, got {described(title)}")
    if output is not None:
        output_paths("html", output)  # a missing folder fails now, not after the work
    chosen = selection.with_defaults(with_sources=True, max_nodes=MAX_NODES)
    # the blank nodes an entity reaches are read with it, as a network export reads them
    piece = network_slice(chosen)
    # the subjects read (entities, the hubs they link to, sources, blank nodes), as an export
    # counts them; the next step counts the entities drawn (joints29 F5)
    with Progress("Reading the view", len(piece.subjects), "subjects") as bar:
        piece.progress = bar.advance
        triples = list(piece.drawn())
    # before looking beyond the slice, whose prefetch of a remote store's entities it would replace
    outside = outside_note(chosen, piece, view=True)
    store = chosen.graph._current().store
    more, hidden, more_hubs, left = beyond(
        piece,
        store,
        through=selection.through,
        with_sources=bool(chosen.with_sources),
        per_node=EXPAND_PER_NODE,
        limit=EXPAND_MAX,
    )
    held = {t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}
    more = blank_nodes_read(more, store, held)
    hubs = piece.hubs | more_hubs
    # a value of an import's own namespace by its label, as show and the exports write it
    entities = {t.subject.value for t in (*triples, *more) if isinstance(t.subject, ox.NamedNode)}
    # those of the slice's entities from what reading their links saw, the others' read now
    incoming = piece.walk.linked_from_outside(entities - hubs, store)
    names = value_labels(
        [
            *(t.object.value for t in (*triples, *more) if isinstance(t.object, ox.NamedNode)),
            *(subject for links in incoming.values() for _, subject in links),
        ],
        store,
    )
    if title is None and piece.focus is not None:
        # the focus by its name, not as it was typed (fda, company:novartis)
        focus = ox.NamedNode(piece.focus)
        named = next(
            (t.object.value for t in triples if t.subject == focus and t.predicate == LABEL), None
        )
        title = dataclasses.replace(selection, focus=named).title if named else None
    result = _render(
        triples + more,
        title or selection.title,
        told([*piece.notes, *([outside] if outside else [])]),
        hubs,
        piece.focus,
        hidden,
        piece.answer,
        piece.asked,
        left,
        names,
        incoming,
        piece.cites,
    )
    if output is not None:
        result.path = write_file(result.html, output, HTML_SUFFIXES)
    return result

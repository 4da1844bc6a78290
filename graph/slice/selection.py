"""A selection: an immutable value naming a slice of the graph (a neighbourhood, classes, a query's
answer), made by ``kg.select(...)`` and by the command line's selection options.

>>> Selection(focus="kymriah", hops=2).title
'ATMP-KG: kymriah and what is 2 links away'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError, described, reads_answers, whole_number

if TYPE_CHECKING:
    import networkx

    from ..display.view import View
    from ..handle import KnowledgeGraph
    from ..store.remote import RemoteStore
    from .export import ExportResult, Output
    from .subgraph import Slice

StorePath = str | os.PathLike[str] | None


class Params(dict):
    """The parameters of a selection's query: a dict that cannot be changed (and can be hashed).

    >>> Params({"target": "bcma"}) == {"target": "bcma"}
    True
    """

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self):
        return (Params, (dict(self),))

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a selection's parameters cannot be changed; refine(params=...) makes one")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse


def _unset(value: object) -> bool:
    return value is None or (isinstance(value, tuple | Params) and not value)


@dataclass(frozen=True)
class Selection:
    """A slice of the graph, as an immutable value: nothing is read until it is used.

    - nothing given: the whole graph (every entity);
    - ``focus`` (label, slug, ``kind:slug`` or IRI) with ``hops`` (default 1): the entity and
      everything within that many links of it, following links both ways;
    - ``name`` (a named query), ``file`` (a ``.rq`` file) or ``query`` (SPARQL text), with
      ``params``: a CONSTRUCT/DESCRIBE answer's triples plus the labels and classes of the
      entities they mention, or a SELECT answer's entities, described, with the links among them;
    - ``classes``: keep only entities of these classes (or their subclasses); alone, every entity
      of these classes. A focus is always kept.

    Places, agencies and concept values (``atmp:GeographicArea``, ``atmp:RegulatoryAgency``,
    ``skos:Concept``: the hubs) are not walked through: they come as attributes of the entities
    linked to them, and networks draw them so. ``through`` names hub classes to follow as links
    and draw as nodes all the same (``through=("atmp:RegulatoryAgency",)``).

    ``with_sources`` adds the sources the selected facts cite; ``max_nodes`` caps the entities (the
    nearest to the focus, or else the best connected, are kept, and the result says exactly what
    was left out; 0: no cap). Left as None, each takes the default of what uses the selection:
    :meth:`triples` and :meth:`slice` leave sources out and cap nothing, :meth:`view` lists the
    sources and draws at most 5,000 entities, :meth:`export` adds the sources to ``nq`` and
    ``trig`` and caps network formats at 25,000 entities.

    Selections compose: :meth:`refine` changes fields, and ``a & b`` is the selection both
    describe (a field may be set on one side, or the same on both). Options that do not go
    together raise :class:`~atmpkg.graph.errors.ParameterError` when the selection is made.

    >>> s = Selection(focus="kymriah") & Selection(classes=("atmp:Company",))
    >>> s.focus, s.hops, s.classes
    ('kymriah', None, ('atmp:Company',))
    >>> s.refine(hops=2).title
    'ATMP-KG: kymriah and what is 2 links away; class atmp:Company'
    """

    focus: str | None = None
    hops: int | None = None
    classes: tuple[str, ...] = ()
    through: tuple[str, ...] = ()
    name: str | None = None
    file: str | os.PathLike[str] | None = None
    query: str | None = None
    params: Mapping[str, Any] = field(default_factory=Params)
    with_sources: bool | None = None
    max_nodes: int | None = None
    #: The graph the selection reads (set by :meth:`KnowledgeGraph.select`); not part of its value.
    graph: KnowledgeGraph | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        from .subgraph import names_of

        for name in ("classes", "through"):
            value = getattr(self, name)
            object.__setattr__(self, name, names_of(value))
        if not isinstance(self.params, Mapping):
            raise ParameterError(
                f"params maps parameter names to values (a dict), got {described(self.params)}"
            )
        object.__setattr__(self, "params", Params(self.params))
        if self.file is not None and not isinstance(self.file, str | os.PathLike):
            raise ParameterError(f"file must be a path (text or Path), got {described(self.file)}")
        if self.with_sources is not None and not isinstance(self.with_sources, bool):
            raise ParameterError(
                f"with_sources must be True, False or None (the format's default), got "
                f"{described(self.with_sources)}"
            )
        for given, empty in (
            (self.focus, "the entity's name is empty: give a label, a slug, kind:slug or an IRI"),
            (self.name, "the query name is empty: list the named queries with 'atmpkg queries'"),
            (self.file, "the query file's name is empty: give the path of a .rq file"),
            (self.query, "the query text is empty: give a CONSTRUCT, DESCRIBE or SELECT query"),
        ):
            # an unset shell variable (--focus "$E") must not select the whole graph
            if isinstance(given, str) and not given.strip():
                raise ParameterError(empty)
        queries = [q for q in (self.name, self.file, self.query) if q]
        if self.name and self.file:
            raise ParameterError("give a named query or a query file, not both")
        if len(queries) > 1:
            raise ParameterError("give one query: a named query, a query file or query text")
        if self.focus and queries:
            raise ParameterError("give a focus entity or a query, not both")
        if self.hops is not None and not self.focus:
            raise ParameterError("hops counts links from a focus entity; give a focus too")
        # numpy's integers too, kept as Python's (the dataclass is frozen: set as __init__ does)
        if self.hops is not None:
            object.__setattr__(self, "hops", whole_number(self.hops, "hops", 0))
        if self.params and not queries:
            raise ParameterError("parameters are bound in a named query or query file; give one")
        if self.max_nodes is not None:
            cap = whole_number(self.max_nodes, "max_nodes (CLI: --max-nodes)", 0)
            object.__setattr__(self, "max_nodes", cap)

    @property
    def whole(self) -> bool:
        """Whether the selection names no entities (no focus, class or query): the whole graph.

        >>> Selection().whole, Selection(classes=["atmp:Deal"]).whole
        (True, False)
        """
        return not (self.focus or self.classes or self.name or self.file or self.query)

    def refine(self, **changes: Any) -> Selection:
        """A copy with ``changes`` made (checked like a new selection).

        >>> Selection(focus="cellco").refine(hops=2, with_sources=True).hops
        2
        """
        options = sorted(f.name for f in fields(self) if f.name != "graph")
        unknown = sorted(set(changes) - set(options))
        if unknown:
            raise ParameterError(
                f"a selection has no option {unknown[0]!r}; its options are: " + ", ".join(options)
            )
        return replace(self, **changes)

    def __and__(self, other: Selection) -> Selection:
        """One selection with the options of both, ``a & b``: an option one of them leaves unset
        takes the other's; two that set it differently raise :class:`ParameterError`.

        >>> both = Selection(focus="cellco", hops=2) & Selection(with_sources=True)
        >>> both.hops, both.with_sources
        (2, True)
        """
        if not isinstance(other, Selection):
            return NotImplemented
        merged: dict[str, Any] = {}
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if item.name == "graph" or _unset(theirs) or mine == theirs:
                merged[item.name] = mine if item.name != "graph" else mine or theirs
            elif _unset(mine):
                merged[item.name] = theirs
            else:
                raise ParameterError(
                    f"the selections disagree on {item.name}: {mine!r} and {theirs!r}"
                )
        return Selection(**merged)

    def on(self, graph: KnowledgeGraph) -> Selection:
        """The same selection, read from ``graph``.

        >>> Selection(classes=("atmp:Therapy",)).on(kg).graph is kg
        True
        """
        return self if self.graph is graph else replace(self, graph=graph)

    @property
    def title(self) -> str:
        """What the selection holds, in words (a view's default title).

        >>> Selection(name="products-by-target", params={"target": "bcma"}).title
        'ATMP-KG: query products-by-target (target=bcma)'
        """
        parts = []
        if self.focus:
            steps = 1 if self.hops is None else self.hops
            parts.append(f"{self.focus} and what is {steps} link{'s' if steps != 1 else ''} away")
        elif self.name or self.file or self.query:
            parts.append(f"query {self.name or (Path(self.file).name if self.file else 'text')}")
            if self.params:
                parts[-1] += " (" + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"
        if self.classes:
            parts.append("class " + ", ".join(self.classes))
        if self.through:
            parts.append("through " + ", ".join(self.through))
        return "ATMP-KG: " + ("; ".join(parts) if parts else "the whole graph")

    def with_defaults(self, *, with_sources: bool, max_nodes: int | None) -> Selection:
        """The selection with ``with_sources`` and ``max_nodes`` filled in where they are None.

        >>> Selection().with_defaults(with_sources=True, max_nodes=5000).max_nodes
        5000
        """
        return replace(
            self,
            with_sources=with_sources if self.with_sources is None else self.with_sources,
            max_nodes=max_nodes if self.max_nodes is None else self.max_nodes,
        )

    def _bound(self) -> KnowledgeGraph:
        if self.graph is None:
            raise ParameterError(
                "this selection reads no graph: make it with kg.select(...), or give it to "
                "kg.view(selection) or kg.export(..., selection=selection)"
            )
        return self.graph

    def _remote_store(self) -> RemoteStore | None:
        return None if self.graph is None else self.graph._remote_store()

    def slice(self) -> Slice:
        """The selected triples as a :class:`~atmpkg.graph.slice.subgraph.Slice`, read one entity at a
        time as it is iterated (the way to write a large slice without holding it in memory:
        with its sources, it keeps the links the shapes require of the entities at its edge, so
        that it imports into another store); ``.sample`` says what a cap left out.

        >>> piece = kg.select(focus="Kymriah", hops=2, max_nodes=4).slice()
        >>> piece.sample.kept, piece.sample.selected
        (4, 62)
        """
        from .subgraph import slice_of

        filled = self.with_defaults(with_sources=False, max_nodes=0)
        return slice_of(self._bound(), filled, importable=True)

    @reads_answers
    def triples(self) -> list:
        """The selected triples (pyoxigraph), sorted: those an RDF export of the selection writes,
        each entity's followed by those of the blank nodes it reaches (RDF lists, nested
        descriptions) when the graph is the embedded store.

        >>> len({t.subject for t in kg.select(focus="Kymriah", hops=1).triples()})
        49
        """
        import pyoxigraph as ox

        from .whole import written_slice

        piece = written_slice(self.with_defaults(with_sources=False, max_nodes=0))
        return [t.triple if isinstance(t, ox.Quad) else t for t in piece]

    @reads_answers
    def network(self) -> networkx.MultiDiGraph:
        """The selected triples as a ``networkx.MultiDiGraph`` (see
        :func:`~atmpkg.graph.slice.analytics.to_networkx`), the network the exports write: a
        link and its materialised inverse are one edge (see
        :func:`~atmpkg.graph.slice.subgraph.fold_inverses`), and numbers and booleans are typed
        (``typed``): an ``int``, ``float`` or ``bool`` where every value of the attribute is one.
        A blank node an entity reaches is text in the attribute that links to it, as the exports
        and ``show`` write it; of the whole graph, uncapped, one nothing reaches is a node (see
        :func:`~atmpkg.graph.slice.whole.network_slice`).

        >>> kg.select(classes=["atmp:Company"]).network().number_of_nodes()
        201
        >>> kymriah = "https://w3id.org/atmp-kg/id/therapy/kymriah"
        >>> kg.select(focus="Kymriah").network().nodes[kymriah]["approvalCount"]
        19
        """
        import pyoxigraph as ox

        from ..rdf import to_networkx
        from .subgraph import fold_inverses
        from .whole import network_slice

        piece = network_slice(self)
        triples = fold_inverses(list(piece.drawn()), piece.asked)
        # a value of an import's own namespace by its label, as the exports write it
        names = piece.value_names(
            t.object.value for t in triples if isinstance(t.object, ox.NamedNode)
        )
        net = to_networkx(triples, hubs=piece.hubs, typed=True, drawn=piece.asked, names=names)
        if piece.sample is not None:  # what a cap left out, as the network exports say it
            net.graph.update(piece.sample.attributes)
        return net

    def view(
        self, *, output: StorePath = None, title: str | None = None, overview: bool | None = None
    ) -> View:
        """The interactive graph view of the selection (see :meth:`KnowledgeGraph.view`).

        >>> kg.select(focus="Kymriah", hops=2).view(output="kymriah.html").path
        PosixPath('kymriah.html')
        """
        return self._bound().view(self, output=output, title=title, overview=overview)

    def export(self, fmt: str | None = None, output: Output = None) -> ExportResult:
        """The selection written in ``fmt`` (see :meth:`KnowledgeGraph.export`).

        >>> kg.select(classes=["atmp:Therapy"]).export("ttl").content[:7]
        b'@prefix'
        """
        return self._bound().export(fmt, output, self)


_SELECTION_FIELDS = {f.name for f in fields(Selection)} - {"graph"}

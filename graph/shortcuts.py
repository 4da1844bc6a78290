"""Store-path shortcuts: one-line wrappers over the handle for code that names the store on each
call (``query(sparql, store=...)`` rather than ``atmpkg.open(...).query(sparql)``).

The handle (:func:`atmpkg.open`, :class:`~atmpkg.graph.handle.KnowledgeGraph`) is the API; each
function here opens it and calls one method, so it sits above every layer of the library.

>>> run_named("products-by-target", {"target": "bcma"}).column("therapyName")[0]
'Abecma'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .engine.sandbox import DEFAULT_MEMORY
from .handle import KnowledgeGraph as open_graph

if TYPE_CHECKING:
    import networkx
    import pyoxigraph as ox

    from .display.charts import Chart, Estimate
    from .display.explore import EntityView, Stats
    from .display.view import View
    from .engine.evaluate import QueryResult, Term
    from .slice.analytics import Connection, Ranked
    from .slice.export import ExportResult, Output
    from .slice.subgraph import Slice
    from .store.remote import RemoteStore

StorePath = str | os.PathLike[str] | None


def view(
    *,
    store: StorePath = None,
    endpoint: str | RemoteStore | None = None,
    output: str | os.PathLike[str] | None = None,
    title: str | None = None,
    **selection,
) -> View:
    """:meth:`KnowledgeGraph.view <atmpkg.graph.handle.KnowledgeGraph.view>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``, the selection's options as keywords (see
    :class:`~atmpkg.graph.handle.Selection`).

    >>> view(focus="kymriah", output="kymriah.html").path
    PosixPath('kymriah.html')
    """
    return open_graph(store, endpoint=endpoint).view(output=output, title=title, **selection)


def show(
    entity: str,
    *,
    store: str | os.PathLike[str] | None = None,
    endpoint: str | RemoteStore | None = None,
) -> EntityView:
    """:meth:`KnowledgeGraph.show <atmpkg.graph.handle.KnowledgeGraph.show>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint`` (a URL or a RemoteStore).

    >>> show("kymriah").label
    'Kymriah'
    """
    return open_graph(store, endpoint=endpoint).show(entity)


def stats(
    *, store: str | os.PathLike[str] | None = None, endpoint: str | RemoteStore | None = None
) -> Stats:
    """:meth:`KnowledgeGraph.stats <atmpkg.graph.handle.KnowledgeGraph.stats>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint`` (a URL or a RemoteStore).

    >>> stats().classes["atmp:RegulatoryAgency"]
    11
    """
    return open_graph(store, endpoint=endpoint).stats()


def approvals_per_year(by: str = "agency", *, store: StorePath = None) -> dict[int, dict[str, int]]:
    """:func:`count_approvals` of the store at ``store``.

    >>> approvals_per_year("agency")[2017]["FDA"]  # Kymriah, Yescarta, Luxturna
    3
    """
    from .display.charts import count_approvals

    return count_approvals(open_graph(store), by)


def approvals_chart(
    *, by: str = "agency", store: StorePath = None, output: str | os.PathLike[str] | None = None
) -> Chart:
    """:meth:`KnowledgeGraph.chart("approvals") <atmpkg.graph.handle.KnowledgeGraph.chart>` of
    the store at ``store``.

    >>> approvals_chart(by="modality", output="modalities.svg").title
    'Regulatory approvals per year, by modality'
    """
    return open_graph(store).chart("approvals", by=by, output=output)


def market_estimates(*, store: StorePath = None) -> list[Estimate]:
    """:func:`estimates_of` the store at ``store``.

    >>> sorted({e.year for e in market_estimates()})
    [2022, 2024, 2026]
    """
    from .display.charts import estimates_of

    return estimates_of(open_graph(store))


def market_chart(*, store: StorePath = None, output: str | os.PathLike[str] | None = None) -> Chart:
    """:meth:`KnowledgeGraph.chart("market") <atmpkg.graph.handle.KnowledgeGraph.chart>` of the
    store at ``store``.

    >>> market_chart(output="market.svg").path
    PosixPath('market.svg')
    """
    return open_graph(store).chart("market", output=output)


def select_slice(
    *, store: StorePath = None, endpoint: str | RemoteStore | None = None, timeout=None, **selection
) -> Slice:
    """``atmpkg.open(store, endpoint=endpoint).select(**selection).slice()``: the selected triples
    as a :class:`Slice`, read one entity at a time as it is iterated (see
    :class:`~atmpkg.graph.handle.Selection` for the selection's options; ``timeout`` limits the
    query of a ``name``/``file``/``query`` selection). ``Slice.sample`` says what a cap left out.

    >>> piece = select_slice(focus="kymriah", hops=2, max_nodes=4)
    >>> piece.sample.kept, piece.sample.selected > 4
    (4, True)
    """
    return open_graph(store, endpoint=endpoint, timeout=timeout).select(**selection).slice()


def select_subgraph(*, notes: list[str] | None = None, **options) -> list[ox.Triple]:
    """The triples of :func:`select_slice` (same options), sorted; the sentences saying what a cap
    left out (:attr:`Sample.note`) are appended to ``notes`` when a list is given.

    >>> triples = select_subgraph(classes=["atmp:Target"])
    >>> sorted({t.subject.value.rsplit("/", 1)[1] for t in triples})[:3]
    ['abcd1', 'ada', 'arsa']
    """
    piece = select_slice(**options)
    if notes is not None:
        notes.extend(piece.notes)
    return list(piece)


def export_subgraph(
    fmt: str | None = None,
    output: Output = None,
    *,
    store: str | os.PathLike[str] | None = None,
    endpoint: str | RemoteStore | None = None,
    **selection,
) -> ExportResult:
    """:meth:`KnowledgeGraph.export <atmpkg.graph.handle.KnowledgeGraph.export>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``, the selection's options as keywords (see
    :class:`~atmpkg.graph.handle.Selection`).

    >>> export_subgraph("graphml", "kymriah.graphml", focus="Kymriah").paths
    [PosixPath('kymriah.graphml')]
    """
    return open_graph(store, endpoint=endpoint).export(fmt, output, **selection)


def network(
    store: StorePath = None, *, endpoint: str | RemoteStore | None = None
) -> networkx.MultiDiGraph:
    """:func:`path_network` of the store at ``store`` or the SPARQL 1.1 ``endpoint`` (a URL or a
    RemoteStore).

    >>> "https://w3id.org/atmp-kg/id/therapy/kymriah" in network()
    True
    """
    from .slice.analytics import path_network

    return path_network(open_graph(store, endpoint=endpoint))


def find_paths(
    a: str,
    b: str,
    *,
    max_paths: int = 5,
    through: Sequence[str] = (),
    avoid: Sequence[str] = (),
    store: StorePath = None,
    graph: networkx.MultiDiGraph | None = None,
    endpoint: str | RemoteStore | None = None,
) -> list[Connection]:
    """:meth:`KnowledgeGraph.path <atmpkg.graph.handle.KnowledgeGraph.path>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``.

    >>> [str(c) for c in find_paths("Kite Pharma", "Gilead Sciences")]
    ['Kite Pharma → subsidiary of → Gilead Sciences']
    """
    return open_graph(store, endpoint=endpoint).path(
        a, b, max_paths=max_paths, through=tuple(through), avoid=tuple(avoid), graph=graph
    )


def rank_entities(
    *,
    by: str = "degree",
    classes: Sequence[str] = (),
    top: int = 10,
    through: Sequence[str] = (),
    store: StorePath = None,
    graph: networkx.MultiDiGraph | None = None,
    endpoint: str | RemoteStore | None = None,
) -> list[Ranked]:
    """:meth:`KnowledgeGraph.rank <atmpkg.graph.handle.KnowledgeGraph.rank>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``.

    >>> [r.label for r in rank_entities(top=2)]
    ['Novartis', 'Bristol Myers Squibb']
    """
    return open_graph(store, endpoint=endpoint).rank(
        by=by, classes=classes, top=top, through=tuple(through), graph=graph
    )


def query(
    sparql: str,
    params: Mapping[str, str | Term] | None = None,
    *,
    store: StorePath = None,
    endpoint: str | RemoteStore | None = None,
    memory: int | None = DEFAULT_MEMORY,
    **options,
) -> QueryResult:
    """:meth:`KnowledgeGraph.query <atmpkg.graph.handle.KnowledgeGraph.query>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint`` (``options``: ``timeout``, ``limit``, ``allow``);
    ``memory`` caps the bytes the evaluating process may use (None: no cap).

    >>> query("ASK { <therapy/kymriah> a atmp:Therapy }").boolean
    True
    """
    return open_graph(store, endpoint=endpoint, memory=memory).query(sparql, params, **options)


def run_named(
    name: str,
    params: Mapping[str, str | Term] | None = None,
    *,
    store: StorePath = None,
    endpoint: str | RemoteStore | None = None,
    memory: int | None = DEFAULT_MEMORY,
    **options,
) -> QueryResult:
    """:meth:`KnowledgeGraph.named <atmpkg.graph.handle.KnowledgeGraph.named>` of the store at
    ``store`` or the SPARQL 1.1 ``endpoint``, with ``params`` by declared name (``options`` as
    for :func:`query`).

    >>> sorted(set(run_named("products-by-target", {"target": "bcma"}).column("therapyName")))[:2]
    ['Abecma', 'Anitocabtagene autoleucel']
    """
    return open_graph(store, endpoint=endpoint, memory=memory).named(name, params, **options)

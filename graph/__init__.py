"""ATMP-KG as a Python library: build the graph, query it, look around it.

The way in is one handle, :func:`atmpkg.open` (a :class:`KnowledgeGraph`), with every capability
as a method; the command line calls the same methods::

    import atmpkg

    kg = atmpkg.open()                                   # builds the store when missing or stale
    kg.named("products-by-target", target="cd19").df     # atmpkg query --name products-by-target -p target=cd19
    kg.query("SELECT ?t WHERE { ?t a atmp:Therapy }", limit=5)
    kg.show("kymriah").label                             # atmpkg show kymriah
    kg.stats().classes["atmp:Therapy"]                   # atmpkg stats
    kg.export("graphml", "kymriah.graphml", focus="kymriah", hops=2)  # atmpkg export
    kg.path("Novartis", "FDA", max_paths=3)              # atmpkg path Novartis FDA --max 3
    kg.rank(by="pagerank", classes=["atmp:Company"])     # atmpkg rank --by pagerank --class atmp:Company

The functions that take ``store=``/``endpoint=`` on each call (``query``, ``run_named``,
``show``, ``stats``, ``select_subgraph``, ``view``, ``export_subgraph``, ``find_paths``,
``rank_entities``, ...) are one-line wrappers over the handle (:mod:`atmpkg.graph.shortcuts`);
``build``, ``import_files``, ``remove_imports``, ``validate``, ``push``, ``serve`` and ``hold_in_memory`` manage a
store folder. The library is layered; the README's "Architecture" section draws it:

- :mod:`~atmpkg.graph.errors`, :mod:`~atmpkg.graph.terms`, :mod:`~atmpkg.graph.rdf`: exceptions,
  names and RDF conversions every layer uses;
- ``engine/``: one SPARQL query, checked and evaluated in a confined process;
- ``store/``: the data compiled, validated and loaded into the store (embedded or remote);
- ``sparql/``: queries run against a store: local or remote, named, entity names resolved;
- ``slice/``: selections of the graph, network analysis, exports;
- ``display/``: entity cards, the interactive view, charts;
- ``server/``: the HTTP door;
- :mod:`~atmpkg.graph.handle` (the API), :mod:`~atmpkg.graph.notebook`, :mod:`~atmpkg.graph.shortcuts`.

A module imports only from its own layer and the layers listed before it (tests/test_layout.py).

Errors are :mod:`atmpkg.graph.errors` exceptions; nothing here prints or exits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..queries import NamedQuery

#: Where each public name lives: imported on first use, so that importing the package does no work.
_PUBLIC = {
    "approvals_chart": "shortcuts",
    "AtmpkgError": "errors",
    "build": "store.build",
    "BuildReport": "store.build",
    "Chart": "display.charts",
    "Connection": "slice.analytics",
    "DataError": "errors",
    "EmptyResultError": "errors",
    "EntityView": "display.explore",
    "export_subgraph": "shortcuts",
    "ExportResult": "slice.export",
    "find_paths": "shortcuts",
    "format_result": "engine.results",
    "FORMATS": "slice.export",
    "hold_in_memory": "store.build",
    "import_files": "store.build",
    "remove_imports": "store.build",
    "KnowledgeGraph": "handle",
    "Link": "slice.analytics",
    "market_chart": "shortcuts",
    "network": "shortcuts",
    "open_store": "store.build",
    "ParameterError": "errors",
    "push": "store.build",
    "PushReport": "store.remote",
    "query": "shortcuts",
    "QueryMemoryError": "errors",
    "QueryRefusedError": "errors",
    "QueryResult": "engine.evaluate",
    "QuerySyntaxError": "errors",
    "QueryTimeoutError": "errors",
    "QueryTooComplexError": "errors",
    "rank_entities": "shortcuts",
    "Ranked": "slice.analytics",
    "RemoteStore": "store.remote",
    "render_html": "display.view",
    "run_named": "shortcuts",
    "Selection": "slice.selection",
    "select_subgraph": "shortcuts",
    "serve": "server.http",
    "show": "shortcuts",
    "Stats": "display.explore",
    "stats": "shortcuts",
    "StoreError": "errors",
    "to_networkx": "rdf",
    "UnknownNameError": "errors",
    "validate": "store.build",
    "ValidationError": "errors",
    "View": "display.view",
    "view": "shortcuts",
    "write_triples": "slice.export",
}

__all__ = sorted([*_PUBLIC, "list_queries"])


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'atmpkg.graph' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"atmpkg.graph.{module}"), name)
    globals()[name] = value
    return value


def list_queries() -> list[NamedQuery]:
    """Every named query (name, summary, parameters), sorted by name.

    >>> [q.name for q in list_queries()][:2]
    ['acquirers-by-deal-value', 'agency-lag']
    """
    from .. import queries

    return queries.all_queries()

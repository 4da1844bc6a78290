"""ATMP-KG as a Python library: build the graph, query it, look around it.

The way in is one handle, :func:`atmpkg.open` (a :class:`KnowledgeGraph`), with every capability
as a method; the command line calls the same methods::

    import atmpkg

    kg = atmpkg.open()                                   # builds the store when missing or stale
    kg.named("products-by-target", target="cd19").df     # atmpkg query --name products-by-target -p target=cd19
    kg.query("SELECT ?t WHERE { ?t a atmp:Therapy }", limit=5)
    kg.show("kymriah").label                             # atmpkg show kymriah
    kg.stats().classes["atmp:Therapy"]                   # atmpkg stats
    kg.export("graphml", "cellco.graphml", focus="cellco", hops=2)  # atmpkg export
    kg.path("CellCo", "FDA", max_paths=3)                # atmpkg path CellCo FDA --max 3
    kg.rank(by="pagerank", classes=["atmp:Company"])     # atmpkg rank --by pagerank --class atmp:Company

The module functions that take ``store=``/``endpoint=`` on each call (``query``, ``run_named``,
``show``, ``stats``, ``select_subgraph``, ``view``, ``export_subgraph``, ``find_paths``,
``rank_entities``, ...) are one-line wrappers over the handle, kept for existing code; ``build``,
``import_files``, ``validate``, ``push``, ``serve`` and ``hold_in_memory`` manage a store folder.

Errors are :mod:`atmpkg.graph.errors` exceptions; nothing here prints or exits.
"""

import sys
import types

#: Where each public name lives: imported on first use, so that importing the package does no work.
_PUBLIC = {
    "approvals_chart": "charts",
    "AtmpkgError": "errors",
    "build": "build",
    "BuildReport": "build",
    "Chart": "charts",
    "Connection": "analytics",
    "DataError": "errors",
    "EmptyResultError": "errors",
    "EntityView": "explore",
    "export_subgraph": "export",
    "ExportResult": "export",
    "find_paths": "analytics",
    "format_result": "results",
    "FORMATS": "export",
    "hold_in_memory": "build",
    "import_files": "build",
    "KnowledgeGraph": "handle",
    "Link": "analytics",
    "market_chart": "charts",
    "network": "analytics",
    "open_store": "build",
    "ParameterError": "errors",
    "push": "remote",
    "PushReport": "remote",
    "query": "query",
    "QueryMemoryError": "errors",
    "QueryRefusedError": "errors",
    "QueryResult": "sparql",
    "QuerySyntaxError": "errors",
    "QueryTimeoutError": "errors",
    "QueryTooComplexError": "errors",
    "rank_entities": "analytics",
    "Ranked": "analytics",
    "RemoteStore": "remote",
    "render_html": "view",
    "run_named": "query",
    "Selection": "handle",
    "select_subgraph": "subgraph",
    "serve": "server",
    "show": "explore",
    "Stats": "explore",
    "stats": "explore",
    "StoreError": "errors",
    "to_networkx": "analytics",
    "UnknownNameError": "errors",
    "validate": "build",
    "ValidationError": "errors",
    "View": "view",
    "view": "view",
    "write_triples": "export",
}

__all__ = sorted([*_PUBLIC, "list_queries"])


class _Package(types.ModuleType):
    """The package, whose public names are imported on first use.

    Four public functions share their name with a module of the package (``build``, ``query``,
    ``view``, ``validate``). Importing such a module makes the import system bind the module to
    that name on the package, which would hide the function; the binding is skipped here, so that
    ``from atmpkg.graph import build`` keeps meaning the function, as it did when this package
    imported everything up front."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'atmpkg.graph' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"atmpkg.graph.{module}"), name)
    globals()[name] = value
    return value


def list_queries():
    """Every named query (name, summary, parameters), sorted by name."""
    from atmpkg import queries

    return queries.all_queries()

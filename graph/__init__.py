"""ATMP-KG as a Python library: build the graph, query it, look around it.

Every command-line command is a thin wrapper over one of these functions::

    from atmpkg.graph import build, query, run_named, show, stats

    build()                                            # atmpkg build
    run_named("products-by-target", {"target": "cd19"})  # atmpkg query --name products-by-target -p target=cd19
    query("SELECT ?t WHERE { ?t a atmp:Therapy }", limit=5)
    show("kymriah").label                              # atmpkg show kymriah
    stats().classes["atmp:Therapy"]                    # atmpkg stats
    export_subgraph("graphml", "cellco.graphml", focus="cellco", hops=2)  # atmpkg export
    find_paths("CellCo", "FDA", max_paths=3)           # atmpkg path CellCo FDA --max 3
    rank_entities(by="pagerank", classes=["atmp:Company"])  # atmpkg rank --by pagerank --class atmp:Company

Errors are :mod:`atmpkg.graph.errors` exceptions; nothing here prints or exits.
"""

from atmpkg.graph.analytics import (
    Connection,
    Link,
    Ranked,
    find_paths,
    network,
    rank_entities,
    to_networkx,
)
from atmpkg.graph.build import (
    BuildReport,
    build,
    hold_in_memory,
    import_files,
    open_store,
    validate,
)
from atmpkg.graph.charts import Chart, approvals_chart, market_chart
from atmpkg.graph.errors import (
    AtmpkgError,
    DataError,
    EmptyResultError,
    ParameterError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
    UnknownNameError,
    ValidationError,
)
from atmpkg.graph.explore import EntityView, Stats, show, stats
from atmpkg.graph.export import FORMATS, ExportResult, export_subgraph, write_triples
from atmpkg.graph.query import query, query_file, run_named
from atmpkg.graph.remote import PushReport, RemoteStore, push
from atmpkg.graph.results import format_result
from atmpkg.graph.server import serve
from atmpkg.graph.sparql import QueryResult
from atmpkg.graph.subgraph import select_subgraph
from atmpkg.graph.view import View, render_html, view

__all__ = [
    "AtmpkgError",
    "BuildReport",
    "Chart",
    "Connection",
    "DataError",
    "EmptyResultError",
    "EntityView",
    "ExportResult",
    "FORMATS",
    "Link",
    "ParameterError",
    "PushReport",
    "QueryRefusedError",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "Ranked",
    "RemoteStore",
    "Stats",
    "StoreError",
    "UnknownNameError",
    "ValidationError",
    "View",
    "approvals_chart",
    "build",
    "export_subgraph",
    "find_paths",
    "format_result",
    "hold_in_memory",
    "import_files",
    "list_queries",
    "market_chart",
    "network",
    "open_store",
    "push",
    "query",
    "query_file",
    "rank_entities",
    "render_html",
    "run_named",
    "select_subgraph",
    "serve",
    "show",
    "stats",
    "to_networkx",
    "validate",
    "view",
    "write_triples",
]


def list_queries():
    """Every named query (name, summary, parameters), sorted by name."""
    from atmpkg import queries

    return queries.all_queries()

"""ATMP-KG as a Python library: build the graph, query it, look around it.

Every command-line command is a thin wrapper over one of these functions::

    from atmpkg.graph import build, query, run_named, show, stats

    build()                                            # atmpkg build
    run_named("products-by-target", {"target": "cd19"})  # atmpkg query --name products-by-target -p target=cd19
    query("SELECT ?t WHERE { ?t a atmp:Therapy }", limit=5)
    show("kymriah").label                              # atmpkg show kymriah
    stats().classes["atmp:Therapy"]                    # atmpkg stats

Errors are :mod:`atmpkg.graph.errors` exceptions; nothing here prints or exits.
"""

from atmpkg.graph.build import BuildReport, build, import_files, open_store, validate
from atmpkg.graph.errors import (
    AtmpkgError,
    DataError,
    ParameterError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
    UnknownNameError,
    ValidationError,
)
from atmpkg.graph.explore import EntityView, Stats, show, stats
from atmpkg.graph.query import query, query_file, run_named
from atmpkg.graph.results import format_result
from atmpkg.graph.sparql import QueryResult

__all__ = [
    "AtmpkgError",
    "BuildReport",
    "DataError",
    "EntityView",
    "ParameterError",
    "QueryRefusedError",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "Stats",
    "StoreError",
    "UnknownNameError",
    "ValidationError",
    "build",
    "format_result",
    "import_files",
    "list_queries",
    "open_store",
    "query",
    "query_file",
    "run_named",
    "show",
    "stats",
    "validate",
]


def list_queries():
    """Every named query (name, summary, parameters), sorted by name."""
    from atmpkg import queries

    return queries.all_queries()

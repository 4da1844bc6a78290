"""Validation: the SHACL shapes of ``ontology/shapes.ttl`` and the zero-row checks of
``queries/checks``. Each problem is reported with the rule, the entity and where it was written.

pySHACL (and rdflib under it) is imported only here, when a validation runs, so queries start fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pyoxigraph as ox

from atmpkg import queries
from atmpkg.graph.errors import StoreError, Violation
from atmpkg.graph.store import release_memory
from atmpkg.graph.terms import PREFIXES, shorten

SH = "http://www.w3.org/ns/shacl#"

#: Builds and imports run the SHACL shapes on graphs up to this many loaded triples unless told
#: otherwise: pySHACL needs about 0.1 ms a triple (12 s at 120 thousand, minutes at a million),
#: while the zero-row checks, which always run, take about 3 s at a million.
SHACL_MAX_TRIPLES = 100_000


def run_checks(store: ox.Store, locations: Mapping[str, str] | None = None) -> list[Violation]:
    """Run every ``queries/checks/*.rq``; each returned row (``?entity``, ``?message``) is a violation.

    The checks run side by side on a thread pool (pyoxigraph releases the GIL while it evaluates a
    query); the violations come back check by check, in the order of the check files.
    """
    locations = {} if locations is None else locations
    checks = queries.checks()
    with ThreadPoolExecutor(max_workers=max(1, min(len(checks), os.cpu_count() or 1))) as pool:
        answers = list(pool.map(lambda check: _rows(store, *check), checks))
    return [
        Violation(name, shorten(entity) if entity else "?", message, locations.get(entity, ""))
        for (name, _), rows in zip(checks, answers, strict=True)
        for entity, message in rows
    ]


def _rows(store: ox.Store, name: str, text: str) -> list[tuple[str, str]]:
    try:
        answer = store.query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise StoreError(f"check queries/checks/{name}.rq does not parse: {exc}") from None
    rows = [
        (
            row["entity"].value if row["entity"] is not None else "",
            row["message"].value if row["message"] is not None else "fails the check",
        )
        for row in answer
    ]
    # What this check freed is otherwise kept for this thread alone (see release_memory).
    release_memory()
    return rows


def run_shacl(store: ox.Store, locations: Mapping[str, str] | None = None) -> list[Violation]:
    """Validate the store's default graph against ``ontology/shapes.ttl`` with pySHACL."""
    import pyshacl
    import rdflib

    locations = {} if locations is None else locations
    data = rdflib.Graph()
    data.parse(
        data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt"
    )
    shapes = rdflib.Graph()
    shapes.parse(
        data=resources.files("atmpkg.ontology").joinpath("shapes.ttl").read_text("utf-8"),
        format="turtle",
    )
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    if conforms:
        return []
    sh = rdflib.Namespace(SH)
    found = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if report.value(result, sh.resultSeverity) != sh.Violation:
            continue
        focus = str(report.value(result, sh.focusNode))
        path = report.value(result, sh.resultPath)
        shape = report.value(result, sh.sourceShape)
        message = str(report.value(result, sh.resultMessage) or "violates a shape")
        if path is not None:
            message = f"{shorten(str(path))}: {message}"
        if isinstance(shape, rdflib.BNode):
            shape = shapes.value(predicate=sh.property, object=shape) or shape
        rule = shorten(str(shape)) if isinstance(shape, rdflib.URIRef) else "shape"
        found.append(Violation(f"shacl {rule}", shorten(focus), message, locations.get(focus, "")))
    return sorted(found, key=lambda v: (v.location, v.entity, v.message))


def validate_store(
    store: ox.Store, locations: Mapping[str, str] | None = None, *, shacl: bool = True
) -> list[Violation]:
    """Every SHACL violation and every row of every zero-row check, in one list. ``locations``
    maps subject IRIs to where they were written; it is only read for violations."""
    return (run_shacl(store, locations) if shacl else []) + run_checks(store, locations)

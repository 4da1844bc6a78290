"""Query the graph from Python: inline SPARQL, ``.rq`` files or named queries, with bound parameters.

>>> from atmpkg.graph import query, run_named                               # doctest: +SKIP
>>> query("SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }").column("n")   # doctest: +SKIP
[88]
>>> run_named("products-by-target", {"target": "bcma"}).dicts()[0]["therapy"]   # doctest: +SKIP
'Abecma'
"""

from __future__ import annotations

import datetime
import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from atmpkg import queries
from atmpkg.graph import gate
from atmpkg.graph.build import open_store
from atmpkg.graph.errors import ParameterError, UnknownNameError
from atmpkg.graph.remote import RemoteStore
from atmpkg.graph.sandbox import DEFAULT_MEMORY
from atmpkg.graph.sparql import QueryResult, Term, parse_term, run
from atmpkg.graph.terms import ID, KINDS, PREFIXES, SLUG_RE, XSD, iri, kind_prefix

StorePath = str | os.PathLike[str] | None
ALLOW = gate.ALLOW


def query(
    sparql: str,
    params: Mapping[str, str | Term] | None = None,
    *,
    store: StorePath = None,
    timeout: float | None = None,
    limit: int | None = None,
    allow: Iterable[str] = (),
    endpoint: str | RemoteStore | None = None,
    memory: int | None = DEFAULT_MEMORY,
) -> QueryResult:
    """Run SPARQL on the embedded store (built first if needed), or on the SPARQL 1.1 ``endpoint``
    (a URL or a :class:`~atmpkg.graph.remote.RemoteStore`).

    ``params`` binds variables of the SELECT clause: values are RDF terms, or text read as a term
    (``therapy:kymriah``, ``<https://…>``, ``"text"@en``, ``42``). ``timeout`` in seconds really stops
    the query; ``limit`` caps rows and marks the result ``truncated``; ``allow`` may contain
    ``service``, ``dataset``, ``update`` or ``load`` to lift the gate's refusals on purpose;
    ``memory`` caps the bytes the evaluating process may use (None: no cap). Relative IRIs resolve
    against ``https://w3id.org/atmp-kg/id/``.

    >>> query("ASK { <therapy/kymriah> a atmp:Therapy }").boolean     # doctest: +SKIP
    True
    """
    allow = gate.allowed(allow)
    started = time.monotonic()
    # Before the store opens: a remote one is asked as it opens
    checked = gate.check(sparql, allow=allow)
    bindings = {
        name: value if not isinstance(value, str) else parse_term(value)
        for name, value in (params or {}).items()
    }
    handle = open_store(store, endpoint=endpoint)
    return run(
        handle.store,
        checked,
        bindings,
        limit=limit,
        timeout=timeout,
        started=started,
        store_path=handle.disk_path,
        allow=allow,
        memory=memory,
    )


def query_file(
    path: str | os.PathLike[str],
    params: Mapping[str, str | Term] | None = None,
    **options,
) -> QueryResult:
    """Run the SPARQL in a ``.rq`` file; a header with ``param:`` lines types its parameters like a
    named query's. Options as for :func:`query`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnknownNameError("query file", str(path), hint=f"({exc.strerror})") from None
    named = queries.parse(file.stem, text, str(path))
    return _run_declared(named, params, **options)


def run_named(
    name: str,
    params: Mapping[str, str | Term] | None = None,
    **options,
) -> QueryResult:
    """Run the named query ``name`` (see ``atmpkg queries``) with ``params`` by declared name.

    Parameters left out take their declared default; entity parameters accept a slug, a
    ``kind:slug``, an IRI or the entity's label. Options as for :func:`query`.
    """
    return _run_declared(queries.load(name), params, **options)


def _run_declared(
    named: queries.NamedQuery,
    params,
    *,
    store: StorePath = None,
    endpoint: str | RemoteStore | None = None,
    timeout: float | None = None,
    allow: Iterable[str] = (),
    **options,
) -> QueryResult:
    allow = gate.allowed(allow)
    started = time.monotonic()
    # Before the store opens and parameters are looked up: a remote store is asked for both
    checked = gate.check(named.text, allow=allow)
    handle = open_store(store, endpoint=endpoint)
    bindings = bind_params(named, params or {}, handle.store)
    return run(
        handle.store,
        checked,
        bindings,
        store_path=handle.disk_path,
        timeout=timeout,
        started=started,
        allow=allow,
        **options,
    )


def bind_params(
    named: queries.NamedQuery, params: Mapping[str, str | Term], store: ox.Store
) -> dict[str, Term]:
    """Turn ``params`` (and the declared defaults) into RDF terms, by each parameter's type."""
    given = dict(params)
    for name in given:
        named.param(name)
    bindings: dict[str, Term] = {}
    for param in named.params:
        value = given.get(param.name, param.default)
        if value is None:
            if param.required:
                raise ParameterError(
                    f"query '{named.name}' needs parameter '{param.name}' ({param.type}): "
                    f"{param.description}; give it with -p {param.name}=VALUE"
                )
            continue
        bindings[param.name] = value if not isinstance(value, str) else coerce(param, value, store)
    return bindings


_SCALARS = {
    "integer": (r"[+-]?[0-9]+", "integer"),
    "decimal": (r"[+-]?[0-9]+(?:\.[0-9]+)?", "decimal"),
}


def coerce(param: queries.Param, value: str, store: ox.Store) -> Term:
    """Read ``value`` as the declared type of ``param``; entity kinds are looked up in ``store``."""
    kind = param.type
    where = f"parameter '{param.name}'"
    if kind in _SCALARS:
        pattern, dt = _SCALARS[kind]
        if not re.fullmatch(pattern, value.replace("_", "")):
            raise ParameterError(
                f"{where} must be {'an' if kind == 'integer' else 'a'} {kind}, got {value!r}"
            )
        return ox.Literal(value.replace("_", ""), datatype=ox.NamedNode(XSD + dt))
    if kind == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise ParameterError(f"{where} must be a date YYYY-MM-DD, got {value!r}") from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if kind == "string":
        return ox.Literal(value)
    if kind == "iri":
        term = parse_term(f"<{value}>" if value.startswith(("http://", "https://")) else value)
        if not isinstance(term, ox.NamedNode):
            raise ParameterError(
                f"{where} must be an IRI (<https://…> or prefix:name), got {value!r}"
            )
        return term
    if kind not in KINDS:
        raise ParameterError(f"{where} has unknown type '{kind}' in the query header")
    return resolve_entity_of_kind(kind, value, store, where)


def resolve_entity_of_kind(kind: str, value: str, store: ox.Store, where: str = "") -> ox.NamedNode:
    """Find the entity of ``kind`` named by a slug, ``kind:slug``, IRI or label (case-insensitive)."""
    prefix = kind_prefix(kind) + ":"
    if value.startswith(prefix):
        value = value[len(prefix) :]
    candidate = (
        value
        if value.startswith(ID + kind + "/")
        else iri(kind, value)
        if SLUG_RE.match(value)
        else None
    )
    if candidate and next(store.quads_for_pattern(ox.NamedNode(candidate), None, None), None):
        return ox.NamedNode(candidate)
    namespace = ID + kind + "/"
    answer = store.query(
        "SELECT DISTINCT ?e ?name ?ns WHERE { ?e rdfs:label|skos:prefLabel|skos:altLabel|atmp:brandName|"
        "atmp:inn|atmp:acronym|atmp:codeName ?name . FILTER(STRSTARTS(STR(?e), STR(?ns))) }",
        prefixes=PREFIXES,
        substitutions={ox.Variable("ns"): ox.Literal(namespace)},
    )
    names: dict[str, set[str]] = {}
    for row in answer:
        names.setdefault(row["name"].value.lower(), set()).add(row["e"].value)
    matches = names.get(value.lower(), set())
    if len(matches) == 1:
        return ox.NamedNode(next(iter(matches)))
    slugs = sorted({e[len(namespace) :] for found in names.values() for e in found})
    if len(matches) > 1:
        raise ParameterError(
            f"{where or kind} '{value}' is ambiguous: "
            + ", ".join(sorted(m[len(namespace) :] for m in matches))
        )
    raise UnknownNameError(
        kind, value, slugs + sorted({n for n in names}), f"({where})" if where else ""
    )

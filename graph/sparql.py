"""Run SPARQL on a pyoxigraph store: gate, bound parameters, row cap and a timeout that really stops.

Parameters are RDF terms handed to the engine as substitutions (SEP-0007), never text pasted into the
query. A time limit runs the query in a separate process that is killed when the limit passes: the
work inside the Rust engine cannot be interrupted from a Python thread, but a process can be ended,
and its memory goes with it.

>>> import pyoxigraph as ox
>>> s = ox.Store()
>>> s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
>>> run(s, "SELECT ?o WHERE { ?s ?p ?o }").rows
[(<Literal value=x datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>,)]
"""

from __future__ import annotations

import datetime
import decimal
import multiprocessing
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from atmpkg.graph import gate
from atmpkg.graph.errors import (
    AtmpkgError,
    ParameterError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
)
from atmpkg.graph.remote import RemoteStore
from atmpkg.graph.terms import PREFIXES, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class QueryResult:
    """The answer to one query.

    ``form`` is SELECT, ASK, CONSTRUCT or DESCRIBE. SELECT fills ``variables`` and ``rows`` (tuples of
    pyoxigraph terms, None where unbound), ASK fills ``boolean``, CONSTRUCT/DESCRIBE fill ``triples``.
    ``truncated`` is True when the row cap ``limit`` cut the answer.
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False
    limit: int | None = None

    def __len__(self) -> int:
        return len(self.triples) if self.form in ("CONSTRUCT", "DESCRIBE") else len(self.rows)

    def __iter__(self) -> Iterator[dict[str, object]]:
        return iter(self.dicts())

    def dicts(self) -> list[dict[str, object]]:
        """Rows as dicts of Python values: IRIs as str, typed literals as int, Decimal, date, ...

        >>> QueryResult("SELECT", ["n"], [(ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),)]).dicts()
        [{'n': 3}]
        """
        return [
            {v: to_python(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]

    def column(self, name: str) -> list[object]:
        """One column as Python values (None where unbound)."""
        index = self.variables.index(name)
        return [to_python(row[index]) if row[index] is not None else None for row in self.rows]

    def _repr_html_(self) -> str:
        from atmpkg.graph.results import to_html_table

        return to_html_table(self)


def to_python(term: Term) -> object:
    """A term as a Python value: NamedNode -> str, typed Literal -> int/Decimal/float/bool/date/str.

    >>> to_python(ox.Literal("2017-08-30", datatype=ox.NamedNode(XSD + "date")))
    datetime.date(2017, 8, 30)
    """
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        value = term.value
        try:
            if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
                return int(value)
            if dt == XSD + "decimal":
                return decimal.Decimal(value)
            if dt in (XSD + "double", XSD + "float"):
                return float(value)
            if dt == XSD + "boolean":
                return value in ("true", "1")
            if dt == XSD + "date":
                return datetime.date.fromisoformat(value)
        except ValueError:
            return value
        return value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


_ERROR_POS = re.compile(r"(?:error at|at line) (\d+)[: ](?:column )?(\d+)")


def _syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    message = str(exc)
    match = _ERROR_POS.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    where = f" at line {line}, column {column}" if line else ""
    detail = _ERROR_POS.sub("", message).strip(" :")
    return QuerySyntaxError(f"SPARQL syntax error{where}: {detail}", line, column)


def _evaluate(
    store: ox.Store | RemoteStore,
    checked: gate.CheckedQuery,
    bindings: Mapping[str, Term],
    limit: int | None,
    timeout: float | None = None,
) -> QueryResult:
    substitutions = {ox.Variable(name): term for name, term in bindings.items()}
    # Only a remote store takes a time limit here: its HTTP client stops waiting at the limit
    limits = {"timeout": timeout} if timeout is not None else {}
    try:
        if checked.form == "UPDATE":
            store.update(checked.text, prefixes=PREFIXES)
            return QueryResult("UPDATE")
        answer = store.query(
            checked.text, prefixes=PREFIXES, substitutions=substitutions or None, **limits
        )
    except SyntaxError as exc:
        raise _syntax_error(exc) from None
    except RuntimeError as exc:
        if "SELECT projection" in str(exc):
            names = ", ".join(f"?{n}" for n in bindings)
            raise ParameterError(
                f"parameters ({names}) can only be bound to variables the SELECT clause "
                "returns; add them to the SELECT clause"
            ) from None
        raise StoreError(f"query failed: {exc}") from None
    except AtmpkgError:
        raise  # a remote store's own errors (an EndpointTimeoutError is also an OSError)
    except OSError as exc:
        raise StoreError(f"query failed while reading the store: {exc}") from None
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        result = QueryResult("SELECT", [v.value for v in answer.variables], limit=limit)
        width = len(result.variables)
        for solution in answer:
            if limit is not None and len(result.rows) >= limit:
                result.truncated = True
                break
            result.rows.append(tuple(solution[i] for i in range(width)))
        return result
    result = QueryResult("DESCRIBE" if checked.form == "DESCRIBE" else "CONSTRUCT", limit=limit)
    for triple in answer:
        if limit is not None and len(result.triples) >= limit:
            result.truncated = True
            break
        result.triples.append(triple)
    return result


def _worker(conn, source: str | bytes, checked, bindings, limit) -> None:  # pragma: no cover
    # Runs in the child process: open its own store (RocksDB state is never shared across a fork).
    try:
        if isinstance(source, bytes):
            store = ox.Store()
            store.load(source, format=ox.RdfFormat.N_QUADS)
        else:
            store = ox.Store.read_only(source)
        conn.send(("ok", _evaluate(store, checked, bindings, limit)))
    except Exception as exc:  # every failure goes back to the parent, which re-raises it
        conn.send(("error", exc))
    finally:
        conn.close()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _run_isolated(
    source: str | bytes,
    checked: gate.CheckedQuery,
    bindings: Mapping[str, Term],
    limit: int | None,
    timeout: float,
) -> QueryResult:
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_worker, args=(child, source, checked, dict(bindings), limit), daemon=True
    )
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise QueryTimeoutError(timeout)
        try:
            status, payload = parent.recv()
        except EOFError:
            raise StoreError("the query process ended without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()
    if status == "error":
        raise payload
    return payload


def run(
    store: ox.Store | RemoteStore,
    query: str,
    bindings: Mapping[str, Term] | None = None,
    *,
    limit: int | None = None,
    timeout: float | None = None,
    store_path: str | Path | None = None,
    allow_service: bool = False,
    allow_dataset: bool = False,
    allow_update: bool = False,
) -> QueryResult:
    """Check ``query`` at the gate and evaluate it on ``store``.

    ``bindings`` maps variable names to RDF terms. ``limit`` caps rows (the result says when it cut
    them). With ``timeout`` (seconds) the query runs in a child process that is killed at the limit,
    raising :class:`QueryTimeoutError`; the child opens ``store_path`` read-only when given, else it
    receives a copy of the (small, in-memory) store. On a :class:`~atmpkg.graph.remote.RemoteStore`
    the HTTP client stops waiting at the limit instead (no child process) and updates are refused.

    >>> run(ox.Store(), "ASK { ?s ?p ?o }").boolean
    False
    """
    checked = gate.check(
        query, allow_service=allow_service, allow_dataset=allow_dataset, allow_update=allow_update
    )
    bindings = dict(bindings or {})
    unknown = sorted(set(bindings) - checked.variables)
    if unknown:
        raise ParameterError(
            f"the query has no variable ?{unknown[0]} to bind; its variables are: "
            + (", ".join(f"?{v}" for v in sorted(checked.variables)) or "none")
        )
    if checked.form == "UPDATE" and isinstance(store, RemoteStore):
        raise QueryRefusedError(
            "updates are not sent to a remote endpoint; load the graph into it with 'atmpkg push'"
        )
    if checked.form == "UPDATE" and timeout is not None:
        raise QueryRefusedError("updates cannot run under a time limit; run them without timeout")
    if timeout is not None and timeout <= 0:
        raise ParameterError("timeout must be a positive number of seconds")
    if timeout is None or isinstance(store, RemoteStore):
        return _evaluate(store, checked, bindings, limit, timeout)
    source = str(store_path) if store_path is not None else store.dump(format=ox.RdfFormat.N_QUADS)
    return _run_isolated(source, checked, bindings, limit, timeout)


_LITERAL = re.compile(
    r'^"(?P<value>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?P<dt>\S+))?$'
)


def parse_term(text: str) -> Term:
    """Read a parameter value written on the command line as an RDF term.

    ``<iri>``, ``prefix:local`` (predeclared prefixes), ``"text"``, ``"text"@en``,
    ``"2020-01-01"^^xsd:date``, integers, decimals and ``true``/``false`` are understood; anything
    else is a plain string.

    >>> parse_term("therapy:kymriah")
    <NamedNode value=https://w3id.org/atmp-kg/id/therapy/kymriah>
    >>> parse_term("42")
    <Literal value=42 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    """
    try:
        if text.startswith("<") and text.endswith(">"):
            return ox.NamedNode(text[1:-1])
        match = _LITERAL.match(text)
        if match:
            value = re.sub(
                r"\\(.)",
                lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                match["value"],
            )
            if match["lang"]:
                return ox.Literal(value, language=match["lang"])
            if match["dt"]:
                dt = match["dt"]
                dt_iri = dt[1:-1] if dt.startswith("<") else parse_term(dt).value
                return ox.Literal(value, datatype=ox.NamedNode(dt_iri))
            return ox.Literal(value)
        prefix, sep, local = text.partition(":")
        if sep and prefix in PREFIXES and re.fullmatch(r"[A-Za-z0-9_.\-]*", local):
            return ox.NamedNode(PREFIXES[prefix] + local)
        if re.fullmatch(r"[+-]?[0-9]+", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
        if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
        if text in ("true", "false"):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "boolean"))
    except ValueError as exc:
        raise ParameterError(f"cannot read {text!r} as an RDF term: {exc}") from None
    return ox.Literal(text)

"""Write slices of the graph in the formats of the RDF world and of network-analysis tools.

RDF: ``ttl`` (canonical: sorted, only the prefixes it uses), ``nt``, ``nq`` and ``trig`` (each fact's
triples in a named graph per source it cites), ``jsonld`` (compact, with an ``@context`` of the
predeclared prefixes), ``rdfxml``. Networks: ``graphml`` and ``gexf`` (Gephi, Cytoscape, networkx),
``csv`` (a nodes file and an edges file with Neo4j bulk-import headers, safe to open in a
spreadsheet) and ``cyjs`` (Cytoscape.js JSON).

Files are written atomically: into a temporary file in the same folder, renamed over the target
only when complete, so a failed or interrupted export never leaves a half-written file and never
damages the file already there.

>>> result = export_subgraph("ttl", "cellco.ttl", focus="cellco", store="/tmp/fixture-store")  # doctest: +SKIP
>>> result.paths, result.triples                                                              # doctest: +SKIP
([PosixPath('cellco.ttl')], 61)
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from atmpkg.graph.analytics import as_triples, to_networkx
from atmpkg.graph.errors import ParameterError, StoreError, UnknownNameError
from atmpkg.graph.remote import RemoteStore
from atmpkg.graph.store import VERSION
from atmpkg.graph.subgraph import (
    SOURCE,
    TYPE,
    EmptyResultError,
    select_subgraph,
    triple_key,
)
from atmpkg.graph.terms import PREFIXES, XSD, shorten

if TYPE_CHECKING:  # imported for annotations only: rdflib loads when a function needs it
    import networkx
    import rdflib

FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml", "graphml", "gexf", "csv", "cyjs")
RDF_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml")
#: Formats chosen from an output file's extension when no format is given.
SUFFIXES = {
    ".ttl": "ttl",
    ".nt": "nt",
    ".nq": "nq",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".csv": "csv",
    ".cyjs": "cyjs",
}
ALIASES = {
    "turtle": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "nquads": "nq",
    "n-quads": "nq",
    "json-ld": "jsonld",
    "rdf/xml": "rdfxml",
    "xml": "rdfxml",
    "cytoscape": "cyjs",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportResult:
    """What an export wrote: the format, how many triples, the files (none when ``content`` holds
    the export because no output path was given)."""

    format: str
    triples: int
    paths: list[Path] = field(default_factory=list)
    content: bytes | None = None


def resolve_format(fmt: str | None, output: str | os.PathLike[str] | None = None) -> str:
    """The export format named by ``fmt`` (or an alias), else the one the output's extension names,
    else Turtle. An unknown name raises :class:`UnknownNameError` with the formats.

    >>> resolve_format(None, "out/cellco.graphml")
    'graphml'
    >>> resolve_format("Turtle")
    'ttl'
    """
    if fmt is None:
        if output is None:
            return "ttl"
        suffix = Path(output).suffix.lower()
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
        raise ParameterError(
            f"cannot tell the format from the file name {Path(output).name!r}; give a format: "
            + ", ".join(FORMATS)
        )
    name = ALIASES.get(fmt.lower(), fmt.lower())
    if name not in FORMATS:
        raise UnknownNameError(
            "export format", fmt, FORMATS, "Formats: " + ", ".join(FORMATS) + "."
        )
    return name


def output_paths(fmt: str, output: str | os.PathLike[str]) -> list[Path]:
    """The files an export to ``output`` writes. CSV writes two files: ``output`` is a prefix
    (``out/cellco`` or ``out/cellco.csv`` -> ``out/cellco-nodes.csv`` and ``out/cellco-edges.csv``),
    or an existing folder (-> ``nodes.csv`` and ``edges.csv`` in it).

    >>> [p.name for p in output_paths("csv", "cellco.csv")]
    ['cellco-nodes.csv', 'cellco-edges.csv']
    """
    path = Path(output).expanduser()
    if fmt == "csv":
        if path.is_dir():
            targets = [path / "nodes.csv", path / "edges.csv"]
        else:
            stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
            targets = [path.with_name(f"{stem}-nodes.csv"), path.with_name(f"{stem}-edges.csv")]
    elif path.is_dir():
        raise StoreError(f"cannot write {output}: it is a folder; give a file name")
    else:
        targets = [path]
    for target in targets:
        if not target.parent.is_dir():
            raise StoreError(f"cannot write {target}: the folder {target.parent} does not exist")
    return targets


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_files(targets: Sequence[Path]) -> Iterator[list[IO[bytes]]]:
    """Binary handles that become ``targets`` only when the block ends without an error.

    Each handle writes a temporary file in its target's folder; at the end they are flushed to
    disk and renamed over the targets. On any error (or Ctrl-C) the temporary files are removed,
    the targets are left as they were, and the error is raised (``OSError`` as
    :class:`StoreError`).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_files([target]) as (handle,):
    ...     _ = handle.write(b"hello")
    >>> target.read_text()
    'hello'
    """
    temps: list[tuple[str, IO[bytes]]] = []
    try:
        for target in targets:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, os.fdopen(fd, "wb")))
        yield [handle for _, handle in temps]
        for (tmp, handle), target in zip(temps, targets, strict=True):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.chmod(tmp, _file_mode(target))
        for (tmp, _), target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException as exc:
        for tmp, handle in temps:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            names = ", ".join(str(t) for t in targets)
            raise StoreError(f"cannot write {names}: {exc.strerror or exc}") from None
        raise


# --- RDF -------------------------------------------------------------------------------------


def _terms(items: Iterable[ox.Triple | ox.Quad]) -> Iterator[str]:
    for item in items:
        for term in (item.subject, item.predicate, item.object):
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal):
                yield term.datatype.value
        if isinstance(item, ox.Quad) and isinstance(item.graph_name, ox.NamedNode):
            yield item.graph_name.value


def used_prefixes(items: Iterable[ox.Triple | ox.Quad]) -> dict[str, str]:
    """The predeclared prefixes that abbreviate some IRI of ``items``, sorted by prefix.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/a"), ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("A"))
    >>> list(used_prefixes([t]))
    ['rdfs', 'therapy', 'xsd']
    """
    used = {shorten(iri).partition(":")[0] for iri in set(_terms(items))}
    return {p: PREFIXES[p] for p in sorted(used) if p in PREFIXES}


def _sorted_prefix_lines(text: bytes) -> bytes:
    lines = text.splitlines(keepends=True)
    head = [line for line in lines if line.startswith(b"@prefix ")]
    return b"".join(sorted(head) + lines[len(head) :])


def provenance_quads(triples: Sequence[ox.Triple]) -> list[ox.Quad]:
    """Quads that keep provenance: the triples of every subject that cites sources
    (``dct:source``) go into one named graph per source, named by the source's IRI; all other
    triples (entities without sources, the sources' own descriptions) stay in the default graph.

    >>> s, src = ox.NamedNode("urn:fact"), ox.NamedNode("urn:src")
    >>> [q.graph_name for q in provenance_quads([ox.Triple(s, SOURCE, src)])]
    [<NamedNode value=urn:src>]
    """
    cited: dict[object, list[ox.NamedNode]] = {}
    for triple in triples:
        if triple.predicate == SOURCE and isinstance(triple.object, ox.NamedNode):
            cited.setdefault(triple.subject, []).append(triple.object)
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in triples
        for graph in cited.get(t.subject) or [ox.DefaultGraph()]
    ]

    def key(quad: ox.Quad) -> tuple:
        graph = quad.graph_name
        return (
            isinstance(graph, ox.NamedNode),
            getattr(graph, "value", ""),
            triple_key(quad.triple),
        )

    return sorted(quads, key=key)


def _write_rdf(fmt: ox.RdfFormat, quads: bool = False) -> Callable:
    def write(triples: list[ox.Triple], handles: list[IO[bytes]]) -> None:
        items = provenance_quads(triples) if quads else triples
        if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
            ox.serialize(items, handles[0], fmt)
            return
        text = ox.serialize(items, format=fmt, prefixes=used_prefixes(items))
        if fmt == ox.RdfFormat.RDF_XML:
            # XML parsers turn a raw carriage return into a line feed; a character reference keeps it
            text = text.replace(b"\r", b"&#13;")
        else:
            text = _sorted_prefix_lines(text)
        handles[0].write(text)

    return write


def _compact(iri: str) -> str:
    short = shorten(iri)
    return iri if short.startswith("<") else short


def _jsonld_value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
    if isinstance(term, ox.NamedNode):
        return {"@id": _compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": _compact(term.datatype.value)}


def jsonld_document(triples: Sequence[ox.Triple]) -> dict:
    """Triples as a compact JSON-LD document: an ``@context`` of the prefixes it uses and one
    object per subject in ``@graph``, with ``@type`` for its classes.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/atmp-kg/id/therapy/a"), ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("A", language="en"))
    >>> jsonld_document([t])["@graph"]
    [{'@id': 'therapy:a', 'rdfs:label': [{'@value': 'A', '@language': 'en'}]}]
    """
    nodes: dict[object, dict] = {}
    for triple in triples:
        subject = triple.subject
        node_id = (
            _compact(subject.value) if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
        )
        node = nodes.setdefault(subject, {"@id": node_id})
        if triple.predicate == TYPE and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(triple.object.value))
        else:
            node.setdefault(_compact(triple.predicate.value), []).append(
                _jsonld_value(triple.object)
            )
    return {"@context": used_prefixes(triples), "@graph": list(nodes.values())}


def _write_jsonld(triples: list[ox.Triple], handles: list[IO[bytes]]) -> None:
    text = json.dumps(jsonld_document(triples), ensure_ascii=False, indent=1)
    handles[0].write(text.encode("utf-8") + b"\n")


# --- networks --------------------------------------------------------------------------------


def _network_with_edge_ids(triples: list[ox.Triple]) -> networkx.MultiDiGraph:
    graph = to_networkx(triples)
    for number, (_, _, data) in enumerate(graph.edges(data=True)):
        data["id"] = f"e{number}"
    return graph


def _write_graphml(triples: list[ox.Triple], handles: list[IO[bytes]]) -> None:
    import networkx as nx

    graph = _network_with_edge_ids(triples)
    nx.write_graphml(graph, handles[0], edge_id_from_attribute="id")


def _write_gexf(triples: list[ox.Triple], handles: list[IO[bytes]]) -> None:
    import networkx as nx

    nx.write_gexf(_network_with_edge_ids(triples), handles[0])


def safe_cell(text: str) -> str:
    """A CSV cell that spreadsheets will not run as a formula: text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (so ``-1.8`` reads
    ``'-1.8``).

    >>> safe_cell('=HYPERLINK("http://evil.example")')
    '\\'=HYPERLINK("http://evil.example")'
    >>> safe_cell("CellCo")
    'CellCo'
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def _neo4j_name(prefixed: str) -> str:
    return re.split(r"[:#/]", prefixed.strip("<>"))[-1]


def network_tables(
    graph: networkx.MultiDiGraph,
) -> tuple[list[list[str]], list[list[str]]]:
    """Node and edge rows (headers first) for CSV, with Neo4j bulk-import headers.

    Nodes: ``id:ID, label, :LABEL, class`` then one column per attribute; edges:
    ``:START_ID, :END_ID, :TYPE, label, property``. Every cell passes through :func:`safe_cell`.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("urn:a", label="=1+1", **{"class": "atmp:Company"})
    >>> network_tables(g)[0]
    [['id:ID', 'label', ':LABEL', 'class'], ['urn:a', "'=1+1", 'Company', 'atmp:Company']]
    """
    columns = sorted({k for _, data in graph.nodes(data=True) for k in data} - {"label", "class"})
    nodes = [["id:ID", "label", ":LABEL", "class", *columns]]
    for node, data in graph.nodes(data=True):
        classes = data.get("class", "")
        labels = ";".join(_neo4j_name(c) for c in classes.split(";") if c)
        cells = [node, data.get("label", node), labels, classes]
        nodes.append([safe_cell(str(c)) for c in cells + [data.get(k, "") for k in columns]])
    edges = [[":START_ID", ":END_ID", ":TYPE", "label", "property"]]
    for start, end, key, data in graph.edges(keys=True, data=True):
        cells = [start, end, _neo4j_name(key), data.get("label", ""), data.get("property", "")]
        edges.append([safe_cell(str(c)) for c in cells])
    return nodes, edges


def _write_csv(triples: list[ox.Triple], handles: list[IO[bytes]]) -> None:
    for rows, handle in zip(network_tables(to_networkx(triples)), handles, strict=True):
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        text.detach()


def cytoscape_document(graph: networkx.MultiDiGraph) -> dict:
    """A network as Cytoscape.js JSON (``elements.nodes`` / ``elements.edges``, each with ``data``),
    which Cytoscape desktop also opens (``.cyjs``).

    >>> import networkx as nx
    >>> cytoscape_document(nx.MultiDiGraph([("a", "b", "k")]))["elements"]["edges"]
    [{'data': {'id': 'e0', 'source': 'a', 'target': 'b', 'key': 'k'}}]
    """
    nodes = [
        {"data": {"id": node, "name": data.get("label", node), **data}}
        for node, data in graph.nodes(data=True)
    ]
    edges = [
        {"data": {"id": f"e{n}", "source": u, "target": v, "key": key, **data}}
        for n, (u, v, key, data) in enumerate(graph.edges(keys=True, data=True))
    ]
    return {
        "format_version": "1.0",
        "generated_by": f"atmpkg {VERSION}",
        "target_cytoscapejs_version": "~3",
        "data": {"name": "ATMP-KG export"},
        "elements": {"nodes": nodes, "edges": edges},
    }


def _write_cyjs(triples: list[ox.Triple], handles: list[IO[bytes]]) -> None:
    text = json.dumps(cytoscape_document(to_networkx(triples)), ensure_ascii=False, indent=1)
    handles[0].write(text.encode("utf-8") + b"\n")


WRITERS: dict[str, Callable[[list[ox.Triple], list[IO[bytes]]], None]] = {
    "ttl": _write_rdf(ox.RdfFormat.TURTLE),
    "nt": _write_rdf(ox.RdfFormat.N_TRIPLES),
    "nq": _write_rdf(ox.RdfFormat.N_QUADS, quads=True),
    "trig": _write_rdf(ox.RdfFormat.TRIG, quads=True),
    "jsonld": _write_jsonld,
    "rdfxml": _write_rdf(ox.RdfFormat.RDF_XML),
    "graphml": _write_graphml,
    "gexf": _write_gexf,
    "csv": _write_csv,
    "cyjs": _write_cyjs,
}


def write_triples(
    triples: Iterable[ox.Triple | ox.Quad] | rdflib.Graph,
    fmt: str | None = None,
    output: str | os.PathLike[str] | None = None,
) -> ExportResult:
    """Write ``triples`` (pyoxigraph triples or quads, or an rdflib graph) in ``fmt`` to
    ``output`` atomically (see :func:`output_paths` for CSV), or return the bytes in
    ``ExportResult.content`` when ``output`` is None (not for CSV, which needs two files).

    >>> t = ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> write_triples([t], "nt").content
    b'<urn:s> <urn:p> "x" .\\n'
    """
    fmt = resolve_format(fmt, output)
    if output is None and fmt == "csv":
        raise ParameterError("csv writes two files (nodes and edges); give an output path")
    targets = output_paths(fmt, output) if output is not None else []
    items = as_triples(triples)
    if not items:
        raise EmptyResultError("nothing to export: the slice holds no triples")
    if output is None:
        buffer = io.BytesIO()
        WRITERS[fmt](items, [buffer])
        return ExportResult(fmt, len(items), [], buffer.getvalue())
    with atomic_files(targets) as handles:
        WRITERS[fmt](items, handles)
    return ExportResult(fmt, len(items), targets)


def export_subgraph(
    fmt: str | None = None,
    output: str | os.PathLike[str] | None = None,
    *,
    focus: str | None = None,
    hops: int | None = None,
    classes: Sequence[str] = (),
    name: str | None = None,
    file: str | os.PathLike[str] | None = None,
    params: Mapping[str, str] | None = None,
    with_sources: bool | None = None,
    store: str | os.PathLike[str] | None = None,
    endpoint: str | RemoteStore | None = None,
) -> ExportResult:
    """Select a slice (options as for :func:`~atmpkg.graph.subgraph.select_subgraph`) and write it
    in ``fmt`` to ``output`` (see :func:`write_triples`). ``with_sources`` defaults to True for
    ``nq`` and ``trig`` (whose named graphs carry the sources) and False for the others.
    ``endpoint`` (a URL or a RemoteStore) reads the slice from that SPARQL 1.1 endpoint.

    The format and output folder are checked before the store is read; an unknown format, entity,
    class or query, or an empty slice, raises and writes nothing.

    >>> export_subgraph("graphml", "/tmp/cellco.graphml", focus="CellCo", hops=2)  # doctest: +SKIP
    ExportResult(format='graphml', triples=180, paths=[PosixPath('/tmp/cellco.graphml')], content=None)
    """
    fmt = resolve_format(fmt, output)
    if output is not None:
        output_paths(fmt, output)
    elif fmt == "csv":
        raise ParameterError("csv writes two files (nodes and edges); give an output path")
    triples = select_subgraph(
        focus=focus,
        hops=hops,
        classes=classes,
        name=name,
        file=file,
        params=params,
        with_sources=fmt in ("nq", "trig") if with_sources is None else with_sources,
        store=store,
        endpoint=endpoint,
    )
    return write_triples(triples, fmt, output)

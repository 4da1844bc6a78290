"""Slices of the graph and their export: what a slice holds, every format, round trips, atomic
writes, spreadsheet safety, errors, and the ``atmpkg export`` command."""

from __future__ import annotations

import csv
import importlib
import io
import itertools
import json
import math
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from conftest import FIXTURE_DATA, store_with_import
from rdflib.compare import isomorphic

import atmpkg
from atmpkg.cli import cli
from atmpkg.graph import (
    EmptyResultError,
    ParameterError,
    StoreError,
    UnknownNameError,
    build,
    export_subgraph,
    select_subgraph,
    write_triples,
)
from atmpkg.graph import rdf as rdf_module
from atmpkg.graph.display.viewpage import clip
from atmpkg.graph.rdf import (
    FOLDED_CUT,
    MAX_FOLDED_CHARS,
    MAX_FOLDED_NODES,
    fold_blank_triples,
    is_node,
    local_name,
    term_facts,
    to_networkx,
)
from atmpkg.graph.shortcuts import select_slice
from atmpkg.graph.slice import export as export_module
from atmpkg.graph.slice.export import SOURCES_LEFT_OUT, ontology_left_out, provenance_quads
from atmpkg.graph.slice.subgraph import (
    INVERSE_OF,
    PARTIAL_INVERSE_OF,
    Slice,
    fold_facts,
    fold_inverses,
    inverse_pairs,
    links_outside,
    with_blank_nodes,
)
from atmpkg.graph.slice.whole import network_slice, whole_graph
from atmpkg.graph.store.folder import VERSION, current_build, forget_root
from atmpkg.graph.terms import ATMP, DCT, ID, PREFIXES, RDF, RDFS, XSD, expand, shorten
from atmpkg.queries import load as load_named

FIXTURE = Path(__file__).parent / "data" / "fixture"

# rdflib's own N-Quads and TriG parsers use its deprecated dataset API
pytestmark = pytest.mark.filterwarnings(
    "ignore:Dataset.default_context is deprecated:DeprecationWarning",
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning",
)
RDF_FORMATS = {
    "ttl": ("turtle", ox.RdfFormat.TURTLE),
    "nt": ("nt", ox.RdfFormat.N_TRIPLES),
    "nq": ("nquads", ox.RdfFormat.N_QUADS),
    "trig": ("trig", ox.RdfFormat.TRIG),
    "jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    "rdfxml": ("xml", ox.RdfFormat.RDF_XML),
}


def subjects(triples) -> list[str]:
    return sorted({shorten(t.subject.value) for t in triples})


def to_rdflib(triples) -> rdflib.Graph:
    """The reference graph: the triples as N-Triples, read by rdflib."""
    text = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return rdflib.Graph().parse(data=text, format="nt")


def reimport(content: bytes, fmt: str) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The exported content read back into an empty rdflib graph and an empty pyoxigraph store
    (quad formats: the union of all their graphs)."""
    rdflib_format, ox_format = RDF_FORMATS[fmt]
    if fmt in ("nq", "trig"):
        dataset = rdflib.Dataset()
        dataset.parse(data=content.decode("utf-8"), format=rdflib_format)
        by_rdflib = rdflib.Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            by_rdflib.add((s, p, o))
    else:
        by_rdflib = rdflib.Graph().parse(data=content.decode("utf-8"), format=rdflib_format)
    store = ox.Store()
    store.load(content, format=ox_format)
    return by_rdflib, to_rdflib(q.triple for q in store)


def tricky_triples() -> list[ox.Triple]:
    """Unicode, language tags, datatypes, long and multi-line literals, markup, a blank node."""
    s = ox.NamedNode(ID + "therapy/tricky")
    values = [
        ox.Literal("Zolgensma® — onasemnogène abéparvovec 😀", language="fr"),
        ox.Literal("مرحبا بالعالم", language="ar"),
        ox.Literal("細胞療法", language="zh-Hant-TW"),
        ox.Literal("quotes \" ' ''' \"\"\" back\\slash\ttab\r\nCRLF\nnewline"),
        ox.Literal("<b>&amp; ]]> markup</b>"),
        ox.Literal("long " * 20_000),
        ox.Literal(""),
        ox.Literal("2022-01", datatype=ox.NamedNode(XSD + "gYearMonth")),
        ox.Literal("2017-08-30", datatype=ox.NamedNode(XSD + "date")),
        ox.Literal("11900000000", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("-1.8", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("x", datatype=ox.NamedNode("urn:example:datatype")),
    ]
    triples = [ox.Triple(s, ox.NamedNode(ATMP + f"p{i}"), v) for i, v in enumerate(values)]
    blank = ox.BlankNode("detail")
    triples += [
        ox.Triple(s, ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Therapy")),
        ox.Triple(s, ox.NamedNode(RDFS + "label"), ox.Literal("Tricky", language="en")),
        ox.Triple(s, ox.NamedNode(ATMP + "detail"), blank),
        ox.Triple(blank, ox.NamedNode(RDFS + "comment"), ox.Literal("on a blank node")),
        ox.Triple(s, ox.NamedNode(DCT + "source"), ox.NamedNode(ID + "source/s")),
        ox.Triple(
            s, ox.NamedNode("https://schema.org/url"), ox.NamedNode("https://x.example/a%20b")
        ),
    ]
    return triples


# --- slices --------------------------------------------------------------------------------------


def test_focus_slice_holds_the_neighbourhood_both_ways(fixture_store, cellco_slice):
    triples = select_subgraph(focus="CellCo", store=fixture_store)
    assert subjects(triples) == cellco_slice
    assert subjects(select_subgraph(focus="company:cellco", hops=0, store=fixture_store)) == [
        "company:cellco",
        "country:us",
    ]
    assert len(select_subgraph(focus="cellco", hops=2, store=fixture_store)) > len(triples)


def test_every_node_of_a_slice_has_its_label_and_class(fixture_store):
    for options in ({}, {"focus": "genex", "hops": 2}, {"classes": ["atmp:Company"]}):
        triples = select_subgraph(store=fixture_store, **options)
        labelled = {t.subject for t in triples if t.predicate.value == RDFS + "label"}
        typed = {t.subject for t in triples if t.predicate.value == RDF + "type"}
        mentioned = {t.subject for t in triples} | {
            t.object for t in triples if t.predicate.value != RDF + "type" and is_node(t.object)
        }
        assert mentioned <= labelled & typed, options


def test_sources_only_with_sources(fixture_store):
    without = select_subgraph(focus="alphacel", store=fixture_store)
    assert not [t for t in without if t.predicate.value == DCT + "source"]
    assert not [s for s in subjects(without) if s.startswith("source:")]
    with_sources = select_subgraph(focus="alphacel", with_sources=True, store=fixture_store)
    assert [s for s in subjects(with_sources) if s.startswith("source:")] == [
        "source:report-x",
        "source:report-y",
        "source:src-ema-a",
        "source:src-fda-a",
        "source:src-news",
    ]
    assert set(without) < set(with_sources)


@pytest.mark.parametrize(
    "selection",
    [{"focus": "alphacel"}, {"name": "company-portfolio", "params": {"company": "cellco"}}],
)
def test_a_source_in_a_slice_keeps_its_kind(fixture_store, selection):
    """joints19 J19-1: a slice's sources came without atmp:sourceKind, which every source must
    have, so a named query's subgraph exported with its sources did not import elsewhere; in a
    network the kind is the source's attribute, as in the slice of the sources themselves."""
    triples = select_subgraph(with_sources=True, store=fixture_store, **selection)
    sources = {t.subject for t in triples if t.object == ox.NamedNode(ATMP + "Source")}
    kinds = {t.subject: t.object for t in triples if t.predicate.value == ATMP + "sourceKind"}
    assert sources and set(kinds) == sources
    labelled = {t.subject for t in triples if t.predicate.value == RDFS + "label"}
    assert set(kinds.values()) <= labelled  # the kind's label travels with it, as a hub's does
    kg = atmpkg.open(fixture_store)
    network = kg.select(with_sources=True, **selection).network()
    kind_of = {n: values.get("sourceKind") for n, values in network.nodes(data=True)}
    by_class = kg.select(classes=["source"]).network()
    assert {s.value: kind_of[s.value] for s in sources} == {
        s.value: by_class.nodes[s.value]["sourceKind"] for s in sources
    }
    assert None not in {kind_of[s.value] for s in sources}


CELLCO_PRODUCTS = "CONSTRUCT WHERE { ?t atmp:developedBy company:cellco }"


NETWORKS = ["networkx", "graphml", "gexf", "csv", "cyjs"]


def network_read_back(chosen, fmt: str, folder: Path) -> tuple[dict[str, dict], set[tuple]]:
    """The nodes (prefixed IRI: attributes) and edges (prefixed subject, property, object) of the
    selection ``chosen`` as its network (``networkx``) or its export in ``fmt`` read back."""
    if fmt == "csv":
        chosen.export("csv", folder / "n")
        rows = csv.DictReader((folder / "n-nodes.csv").open(encoding="utf-8"))
        nodes = {
            shorten(row["id:ID"]): {k.split(":")[0]: v for k, v in row.items() if v} for row in rows
        }
        links = csv.DictReader((folder / "n-edges.csv").open(encoding="utf-8"))
        ends = [(e[":START_ID"], e["property"], e[":END_ID"]) for e in links]
    else:
        if fmt == "networkx":
            graph = chosen.network()
        elif fmt == "cyjs":
            graph = nx.cytoscape_graph(json.loads(chosen.export(fmt).content))
        else:
            (folder / f"n.{fmt}").write_bytes(chosen.export(fmt).content)
            graph = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(folder / f"n.{fmt}")
        nodes = {shorten(n): values for n, values in graph.nodes(data=True)}
        ends = [(u, p, v) for u, v, p in graph.edges(data="property")]
    return nodes, {(shorten(u), shorten(p), shorten(v)) for u, p, v in ends}


CELLCO_PRODUCTS = "CONSTRUCT WHERE { ?t atmp:developedBy company:cellco }"


@pytest.mark.parametrize("fmt", NETWORKS)
def test_a_construct_answers_sources_carry_their_kind_as_an_attribute(fixture_store, tmp_path, fmt):
    """joints21 J21-1: a CONSTRUCT answer's sources brought their kinds in as entities, nodes
    with no link, and lost their sourceKind attribute, which a --focus slice keeps."""
    chosen = atmpkg.open(fixture_store).select(query=CELLCO_PRODUCTS, with_sources=True)
    nodes, edges = network_read_back(chosen, fmt, tmp_path)
    assert {n: values.get("sourceKind") for n, values in nodes.items()} == {
        "company:cellco": None,
        "source:src-fda-a": "regulator",
        "source:src-news": "trade press",
        "therapy:alphacel": None,
    }
    assert edges == {
        ("company:cellco", "dct:source", "source:src-news"),
        ("therapy:alphacel", "atmp:developedBy", "company:cellco"),
        ("therapy:alphacel", "dct:source", "source:src-fda-a"),
    }


def test_a_construct_answers_sources_keep_their_kind_in_rdf(fixture_store):
    """joints21 J21-1: in RDF, a source of a CONSTRUCT answer comes whole, its kind included,
    as a --focus slice's does."""
    triples = select_subgraph(query=CELLCO_PRODUCTS, with_sources=True, store=fixture_store)
    kinds = {
        (shorten(t.subject.value), shorten(t.object.value))
        for t in triples
        if t.predicate.value == ATMP + "sourceKind"
    }
    assert kinds == {
        ("source:src-fda-a", "sourcekind:regulator"),
        ("source:src-news", "sourcekind:trade-press"),
    }
    focus = select_subgraph(focus="alphacel", hops=0, with_sources=True, store=fixture_store)
    described = {t for t in triples if t.subject.value == ID + "source-kind/regulator"}
    assert described == {t for t in focus if t.subject.value == ID + "source-kind/regulator"}


def test_a_describe_answers_sources_add_no_nodes(fixture_store):
    """joints21 J21-1: DESCRIBE with the sources draws the entities it draws without them and
    the sources they cite (the answer names one already), each with its kind, and no kind as a
    node."""
    kg = atmpkg.open(fixture_store)
    text = "DESCRIBE therapy:alphacel"
    bare = kg.select(query=text, with_sources=False).network()
    whole = kg.select(query=text, with_sources=True).network()
    sources = {shorten(n): kind for n, kind in whole.nodes(data="sourceKind") if kind}
    assert {shorten(n) for n in set(whole) - set(bare)} == {"source:src-ema-a", "source:src-news"}
    assert sources == {
        "source:src-ema-a": "regulator",
        "source:src-fda-a": "regulator",
        "source:src-news": "trade press",
    }
    assert not [n for n in whole if n.startswith(ID + "source-kind/")]


#: Betacel's PMDA approval, which its source dates to the month.
BETACEL_PMDA = (
    "WHERE { ?a atmp:product therapy:betacel ; atmp:agency agency:pmda ; atmp:date ?d ; "
    "atmp:dateStated ?s ; atmp:datePrecision ?p }"
)


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("?a atmp:dateStated ?s", {"date": "2022-01"}),
        ("?a atmp:date ?d", {"date": "2022-01-01"}),
        ("?a atmp:date ?d ; atmp:datePrecision ?p", {"date": "2022-01", "datePrecision": "month"}),
        ("?a atmp:dateStated ?s ; atmp:date ?d", {"date": "2022-01"}),
    ],
    ids=["stated", "date", "date-and-precision", "date-and-stated"],
)
@pytest.mark.parametrize("fmt", [*NETWORKS, "to_networkx"])
def test_a_construct_answers_date_is_shown_as_its_source_states_it(
    fixture_store, tmp_path, template, shown, fmt
):
    """joints21 J21-2: the network of a CONSTRUCT answer lost a date stated alone
    (atmp:dateStated) and showed a day no source stated for a date with a precision of month; a
    date alone is the engine's xsd:date, as the query returned it."""
    kg = atmpkg.open(fixture_store)
    text = f"CONSTRUCT {{ {template} }} {BETACEL_PMDA}"
    if fmt == "to_networkx":
        graph = kg.query(text).to_networkx()
        nodes = {shorten(n): values for n, values in graph.nodes(data=True)}
    else:
        nodes, _ = network_read_back(kg.select(query=text), fmt, tmp_path)
    dates = {n: {k: v for k, v in a.items() if k.startswith("date")} for n, a in nodes.items()}
    assert dates == {"approval:betacel-pmda-2022-01-multiple-myeloma": shown}


def test_a_date_is_cut_to_its_precision_and_a_stated_date_alone_is_the_date():
    """joints21 J21-2: every date property (see terms.DATE_DETAILS), in one small graph."""
    xsd = {n: ox.NamedNode(XSD + n) for n in ("date", "gYear", "gYearMonth")}
    a, b = ox.NamedNode(ID + "deal/a"), ox.NamedNode(ID + "company/b")
    precision = {n: ox.NamedNode(f"{ID}date-precision/{n}") for n in ("day", "month", "year")}

    def fact(subject, name, value, datatype=None):
        prop = ox.NamedNode((DCT if name == "issued" else ATMP) + name)
        term = value if datatype is None else ox.Literal(value, datatype=xsd[datatype])
        return ox.Triple(subject, prop, term)

    graph = to_networkx(
        [
            fact(a, "date", "2019-01-01", "date"),
            fact(a, "datePrecision", precision["year"]),
            fact(a, "goalDate", "2020-05-04", "date"),
            fact(a, "goalDatePrecision", precision["day"]),
            fact(a, "issued", "2021-03-01", "date"),
            fact(a, "issuedPrecision", precision["month"]),
            fact(a, "issuedPrecision", precision["year"]),
            fact(b, "parentSinceStated", "2018", "gYear"),
            fact(b, "parentSincePrecision", precision["year"]),
        ]
    )
    assert dict(graph.nodes(data=True)) == {
        a.value: {
            "label": "deal:a",
            "date": "2019",
            "datePrecision": "year",
            "goalDate": "2020-05-04",
            "goalDatePrecision": "day",
            # two precisions say nothing of which part of the date is known: it is as given
            "issued": "2021-03-01",
            "issuedPrecision": "month | year",
        },
        b.value: {"label": "company:b", "parentSince": "2018", "parentSincePrecision": "year"},
    }


def test_an_answers_subgraph_with_its_sources_imports_into_another_store(fixture_store, tmp_path):
    """joints19 J19-1: with the kinds of its sources, a named query's subgraph holds what the
    ontology's shapes ask of it, and imports into a store that holds none of it."""
    data = tmp_path / "data"
    data.mkdir()
    source_rows = (FIXTURE_DATA / "sources.csv").read_text(encoding="utf-8").splitlines()
    (data / "sources.csv").write_text(source_rows[0] + "\n", encoding="utf-8")
    build(tmp_path / "other", data_dir=data)
    piece = tmp_path / "piece.ttl"
    exported = CliRunner().invoke(
        cli,
        ["export", "--name", "company-portfolio", "-p", "company=cellco", "--with-sources"]
        + ["-o", str(piece), "--store", str(fixture_store)],
    )
    assert exported.exit_code == 0, exported.output
    imported = CliRunner().invoke(cli, ["import", str(piece), "--store", str(tmp_path / "other")])
    assert imported.exit_code == 0, imported.output
    # the same products and developers (approvals are no part of this answer's subgraph)
    rows = [
        [(r["therapy"], r["developer"]) for r in kg.named("company-portfolio", company="cellco")]
        for kg in (atmpkg.open(tmp_path / "other"), atmpkg.open(fixture_store))
    ]
    assert rows[0] == rows[1] and len(rows[0]) == 2


#: A user's own company, therapy and approval, for an indication of the graph and one of theirs.
OWN_PIPELINE = """@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@prefix company: <https://w3id.org/atmp-kg/id/company/> .
@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .
@prefix approval: <https://w3id.org/atmp-kg/id/approval/> .
@prefix source: <https://w3id.org/atmp-kg/id/source/> .
@prefix agency: <https://w3id.org/atmp-kg/id/agency/> .
@prefix indication: <https://w3id.org/atmp-kg/id/indication/> .
@prefix modality: <https://w3id.org/atmp-kg/id/modality/> .
@prefix sourcekind: <https://w3id.org/atmp-kg/id/source-kind/> .
@prefix therapeuticarea: <https://w3id.org/atmp-kg/id/therapeutic-area/> .
@prefix dateprecision: <https://w3id.org/atmp-kg/id/date-precision/> .

source:my-note a atmp:Source ; rdfs:label "My notes on MyCo"@en ; dct:title "My notes on MyCo" ;
  schema:url <https://myco.example/notes> ; atmp:sourceKind sourcekind:company .
company:myco a atmp:Company ; rdfs:label "MyCo"@en ; dct:source source:my-note .
therapy:mycel a atmp:Therapy ; rdfs:label "Mycel"@en ; atmp:developedBy company:myco ;
  atmp:modality modality:car-t ; dct:source source:my-note .
indication:my-rare-lymphoma a atmp:Indication ; rdfs:label "my rare lymphoma"@en ;
  atmp:therapeuticArea therapeuticarea:oncology .
approval:mycel-fda-2026-11-02-multiple-myeloma a atmp:Approval ;
  rdfs:label "Mycel — FDA 2026-11-02 (multiple myeloma)"@en ;
  atmp:product therapy:mycel ; atmp:agency agency:fda ;
  atmp:indication indication:multiple-myeloma , indication:my-rare-lymphoma ;
  atmp:date "2026-11-02"^^xsd:date ; atmp:datePrecision dateprecision:day ;
  atmp:dateStated "2026-11-02"^^xsd:date ; dct:source source:my-note .
"""


def described(store: Path, subjects: list[str]) -> rdflib.Graph:
    """What ``store`` says of ``subjects`` (their own triples), as an rdflib graph."""
    from atmpkg.graph.store.build import open_store

    graph = rdflib.Graph()
    held = open_store(store).store
    for iri in subjects:
        for quad in held.quads_for_pattern(ox.NamedNode(ID + iri), None, None):
            graph.parse(data=str(quad.triple) + " .", format="nt")
    return graph


@pytest.mark.parametrize(
    "selection",
    [
        ["--focus", "mycel", "--hops", "1"],
        ["--class", "approval"],
        ["--name", "therapy-approval-timeline", "-p", "therapy=mycel"],
    ],
    ids=["focus", "class", "name"],
)
def test_a_slice_of_ones_own_entities_with_sources_imports_into_a_fresh_store(
    fixture_store, tmp_path, selection
):
    """joints28 F6: the approval at the edge of Mycel's neighbourhood lost its indication (two
    hops from the focus), and the slice did not import into a store that holds the indication:
    "an approval names at least one indication". Each entity keeps the links its shape requires,
    to entities described as hubs are, so that the slice imports into a store that holds none of
    one's own entities, and they read back as they were."""
    mine = store_with_import(fixture_store, tmp_path / "mine", OWN_PIPELINE)
    piece = tmp_path / "piece.ttl"
    exported = CliRunner().invoke(
        cli,
        ["export", *selection, "--with-sources", "--format", "ttl", "-o", str(piece)]
        + ["--store", str(mine)],
    )
    assert exported.exit_code == 0, exported.output
    fresh = tmp_path / "fresh"
    shutil.copytree(fixture_store, fresh, symlinks=True)
    imported = CliRunner().invoke(cli, ["import", str(piece), "--store", str(fresh)])
    assert imported.exit_code == 0, imported.output
    own = [
        "company/myco",
        "therapy/mycel",
        "indication/my-rare-lymphoma",
        "approval/mycel-fda-2026-11-02-multiple-myeloma",
        "source/my-note",
    ]
    before, after = described(mine, own), described(fresh, own)
    assert len(before) == 41
    assert isomorphic(before, after)
    # the edge's required links, not the rest of what lies beyond it
    written = rdflib.Graph().parse(piece)
    approval = rdflib.URIRef(ID + own[3])
    indications = set(written.objects(approval, rdflib.URIRef(ATMP + "indication")))
    assert indications == {
        rdflib.URIRef(ID + "indication/multiple-myeloma"),
        rdflib.URIRef(ID + "indication/my-rare-lymphoma"),
    }


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """A store built from the curated files' header lines alone: the ontology and its schemes,
    none of the curated entities."""
    data = tmp_path_factory.mktemp("empty-data")
    for table in sorted(Path(atmpkg.__file__).parent.joinpath("graph", "data").glob("*.csv")):
        header = table.read_text(encoding="utf-8").splitlines()[0]
        (data / table.name).write_text(header + "\n", encoding="utf-8")
    store = tmp_path_factory.mktemp("empty-store") / "store"
    build(store, data_dir=data)
    return store


#: The curated asset purchases of therapies (four of them: Vericel bought two from Sanofi) whose
#: seller no other entity of the deal's page links to, and the counterparty each names.
SOLD_ON = {
    "deal:mesoblast-osiris-msc-business-2013": "company:osiris-therapeutics",
    "deal:uniqure-amsterdam-molecular-therapeutics-2012": "company:amsterdam-molecular-therapeutics",
    "deal:vericel-sanofi-ctrm-2014": "company:sanofi",
}


@pytest.mark.parametrize("hops", [0, 1])
def test_an_asset_purchase_with_its_sources_imports_into_an_empty_store(
    curated_store, empty_store, tmp_path, hops
):
    """joints31 F1: a deal that passed a therapy on left out its counterparty (its class's shape
    does not require one, the check product-passed-on-names-its-seller does, of an asset purchase
    or spin-off of a therapy), and the slice did not import into an empty store. The shape that
    targets such deals (ontology/shapes.ttl, a SPARQL target) keeps the link with the deal."""
    for deal, seller in SOLD_ON.items():
        piece = tmp_path / f"{deal.partition(':')[2]}-{hops}.ttl"
        exported = CliRunner().invoke(
            cli,
            ["export", "--focus", deal, "--hops", str(hops), "--with-sources", "-o", str(piece)]
            + ["--store", str(curated_store)],
        )
        assert exported.exit_code == 0, exported.output
        fresh = tmp_path / f"fresh-{deal.partition(':')[2]}"
        shutil.copytree(empty_store, fresh, symlinks=True)
        imported = CliRunner().invoke(cli, ["import", str(piece), "--store", str(fresh)])
        assert imported.exit_code == 0, imported.output
        sellers = atmpkg.open(fresh).query(
            f"SELECT ?seller WHERE {{ {deal} atmp:counterparty ?seller }}"
        )
        assert [shorten(s) for s in sellers.column("seller")] == [seller]


#: joints31 F5: Gilead's deals and every fact of them, their sources (dct:source) included.
GILEAD_DEALS = (
    "CONSTRUCT { ?d ?p ?o } WHERE { ?d a atmp:Deal ; atmp:acquirer company:gilead-sciences ; ?p ?o }"
)


def test_an_export_of_an_answer_that_names_sources_says_which_it_holds(curated_store, tmp_path):
    """joints31 F5: an export of a CONSTRUCT that returns dct:source, without --with-sources,
    noted that the sources were left out while its file held the 9 the answer named; the note
    says they are in it as the answer names them. A slice whose answer names none keeps the
    note that they are left out."""
    from atmpkg.graph.slice.export import sources_named_note

    query = tmp_path / "gilead.rq"
    query.write_text(GILEAD_DEALS + "\n")
    out = tmp_path / "gilead.ttl"
    said = CliRunner().invoke(
        cli, ["export", "--file", str(query), "-o", str(out), "--store", str(curated_store)]
    )
    assert said.exit_code == 0, said.output
    note = (
        "the sources the facts cite are in it only as the query's answer names them (9 sources): "
        "give --with-sources (Python: with_sources=True) to include every dct:source link of its "
        "entities and the documents, described"
    )
    assert said.stderr == f"Note: {note}\nExported 78 triples as ttl to {out}\n"
    assert sources_named_note(9) == note
    written = rdflib.Graph().parse(out)
    cited = set(written.objects(None, rdflib.URIRef(DCT + "source")))
    assert len(cited) == 9
    assert cited == set(written.subjects(rdflib.RDF.type, rdflib.URIRef(ATMP + "Source")))
    kg = atmpkg.open(curated_store)
    assert kg.select(query=GILEAD_DEALS).export("ttl").notes == [note]
    assert kg.select(focus="gilead-sciences", hops=0).export("ttl").notes == [SOURCES_LEFT_OUT]
    assert kg.select(query=GILEAD_DEALS, with_sources=True).export("ttl").notes == []


def test_the_deals_and_an_entity_of_every_class_with_their_sources_pass_the_checks_alone(
    curated_store, empty_store
):
    """joints31 F1: the slice of every curated deal (each at its edge, as alone), and an entity of
    every class at hops 0 and 1, with their sources, pass every zero-row check in a store that
    holds nothing else (an empty store's ontology and schemes), as an import into it checks them
    (the shapes ask each class for the links of required_links)."""
    from atmpkg.graph.store.build import open_store
    from atmpkg.graph.store.validate import run_checks

    kg = atmpkg.open(curated_store)
    held = open_store(curated_store).store
    base = list(
        open_store(empty_store).store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    )
    chosen = [
        row["first"].value
        for row in held.query(
            "SELECT ?class (MIN(STR(?e)) AS ?first) WHERE { ?e a ?class FILTER(STRSTARTS(STR(?e), "
            f"'{ID}') && STRSTARTS(STR(?class), '{ATMP}')) }} GROUP BY ?class"
        )
    ]
    assert len(chosen) == 18
    slices = {"the deals": kg.select(classes=["atmp:Deal"], with_sources=True)}
    for entity in sorted(chosen):
        for hops in (0, 1):
            slices[f"{shorten(entity)} {hops}"] = kg.select(
                focus=shorten(entity), hops=hops, with_sources=True
            )
    failed = []
    for what, selection in slices.items():
        alone = ox.Store()
        alone.extend(base)
        alone.load(selection.export("nt").content, format=ox.RdfFormat.N_TRIPLES)
        failed += [(what, str(v)) for v in run_checks(alone)]
    assert failed == []


@pytest.mark.parametrize("fmt", ["graphml", "cyjs", "csv"])
@pytest.mark.parametrize(
    "selection, without, with_",
    [
        ({"focus": "alphacel", "hops": 0}, (1, 0), (2, 1)),
        ({"classes": ["approval"]}, (8, 0), (13, 8)),
        ({"focus": "genex", "hops": 1}, (9, 11), (14, 19)),
        ({"focus": "cellco"}, (10, 13), (14, 23)),
    ],
    ids=["alphacel-0", "approvals", "genex-1", "cellco"],
)
def test_the_sources_of_entities_beyond_a_slice_are_no_nodes_of_its_network(
    fixture_store, tmp_path, fmt, selection, without, with_
):
    """rev28b F2: with --with-sources, the sources that only the entities kept for their
    required links cite (CellCo, Alphacel's developer, cites src-news) were nodes linked to
    nothing; those entities, and their sources, are kept for the RDF only, so that it imports
    elsewhere: a network (and a view, which expands to them) is what it was before."""
    kg = atmpkg.open(fixture_store)
    for sources, counts in ((False, without), (True, with_)):
        nodes, edges = network_read_back(
            kg.select(with_sources=sources, **selection), fmt, tmp_path
        )
        assert (len(nodes), len(edges)) == counts  # as before the required links were kept
    nodes, edges = network_read_back(
        kg.select(focus="alphacel", hops=0, with_sources=True), fmt, tmp_path
    )
    assert set(nodes) == {"therapy:alphacel", "source:src-fda-a"}
    assert "developedBy" not in nodes["therapy:alphacel"]
    # the RDF keeps CellCo and the source it cites, so that the slice imports elsewhere
    written = {
        (shorten(t.subject.value), shorten(t.predicate.value), shorten(t.object.value))
        for t in ox.parse(
            kg.select(focus="alphacel", hops=0, with_sources=True).export("nt").content,
            format=ox.RdfFormat.N_TRIPLES,
        )
        if isinstance(t.object, ox.NamedNode)
    }
    assert ("company:cellco", "dct:source", "source:src-news") in written
    assert ("source:src-news", "rdf:type", "atmp:Source") in written


def test_a_view_draws_no_source_its_slice_holds_for_the_rdf(curated_store):
    """rev28b F2: a source that only the entities kept beyond Kymriah's page for their required
    links cite (Novartis's, the modality's) was drawn on the view as a node of no class when an
    entity one link beyond cites it too: the view describes it as any source it reaches."""
    from atmpkg.graph import view

    result = view(focus="kymriah", hops=0, store=curated_store)
    assert (result.nodes, result.edges) == (1, 0)


def test_class_slice_keeps_only_nodes_of_the_classes_and_their_hubs(fixture_store):
    triples = select_subgraph(classes=["therapy"], store=fixture_store)
    # the therapies, and the concept values they link to (their attributes)
    assert subjects(triples) == [
        "cellsource:autologous",
        "modality:aav-gene-therapy",
        "modality:car-t",
        "therapy:alphacel",
        "therapy:betacel",
        "therapy:genex",
        "vector:aav9",
        "vector:gammaretroviral",
        "vector:lentiviral",
    ]
    geography = select_subgraph(classes=["atmp:GeographicArea"], store=fixture_store)  # subclasses
    assert subjects(geography) == [
        "country:de",
        "country:jp",
        "country:us",
        "region:eu",
        "region:rx-europe",
        "region:world",
    ]
    focused = select_subgraph(
        focus="cellco", classes=["atmp:Company", "Therapy"], store=fixture_store
    )
    assert subjects(focused) == [
        "cellsource:autologous",
        "company:bigpharma",
        "company:cellco",
        "company:cellco-eu",
        "country:de",
        "country:us",
        "modality:car-t",
        "therapy:alphacel",
        "vector:lentiviral",
    ]


def test_construct_query_slice_adds_labels_and_classes(fixture_store, tmp_path):
    rq = tmp_path / "developers.rq"
    rq.write_text("CONSTRUCT { ?t atmp:developedBy ?c } WHERE { ?t atmp:developedBy ?c }")
    triples = select_subgraph(file=rq, store=fixture_store)
    links = sorted(
        (shorten(t.subject.value), shorten(t.object.value))
        for t in triples
        if t.predicate.value == ATMP + "developedBy"
    )
    assert links == [
        ("therapy:alphacel", "company:cellco"),
        ("therapy:betacel", "company:cellco-eu"),
        ("therapy:genex", "company:genecorp"),
    ]
    assert {t.predicate.value for t in triples} == {
        ATMP + "developedBy",
        RDF + "type",
        RDFS + "label",
    }


def test_select_query_slice_links_the_nodes_it_mentions(fixture_store, tmp_path):
    rq = tmp_path / "bigpharma.rq"
    rq.write_text(
        "# param: buyer company *  The acquirer\n"
        "SELECT ?buyer ?deal ?target WHERE { ?deal atmp:acquirer ?buyer ; atmp:dealTarget ?target }"
    )
    triples = select_subgraph(file=rq, params={"buyer": "bigpharma"}, store=fixture_store)
    # the entities the answer names, and the places and concept values they link to
    assert subjects(triples) == [
        "company:bigpharma",
        "company:cellco",
        "country:us",
        "deal:bigpharma-cellco-2017",
        "deal:bigpharma-genex-2019",
        "dealtype:acquisition",
        "dealtype:licensing",
        "modality:aav-gene-therapy",
        "therapy:genex",
        "vector:aav9",
    ]
    assert (
        ox.Triple(
            ox.NamedNode(ID + "deal/bigpharma-genex-2019"),
            ox.NamedNode(ATMP + "dealTarget"),
            ox.NamedNode(ID + "therapy/genex"),
        )
        in triples
    )


def test_named_query_slice(fixture_store):
    triples = select_subgraph(
        name="company-portfolio", params={"company": "cellco"}, store=fixture_store
    )
    assert "company:cellco" in subjects(triples)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"focus": "Alphacell"}, UnknownNameError, "unknown entity 'Alphacell'; did you mean"),
        ({"classes": ["atmp:Therapie"]}, UnknownNameError, "did you mean 'atmp:Therapy'"),
        ({"name": "no-such-query"}, UnknownNameError, "unknown named query"),
        ({"hops": 2}, ParameterError, "give a focus too"),
        ({"focus": "cellco", "name": "x"}, ParameterError, "not both"),
        ({"focus": "cellco", "hops": -1}, ParameterError, "0 or more"),
    ],
)
def test_selection_errors(fixture_store, options, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        select_subgraph(store=fixture_store, **options)


def test_empty_selection_is_an_error(fixture_store, tmp_path):
    rq = tmp_path / "none.rq"
    rq.write_text("SELECT ?t WHERE { ?t a atmp:Therapy FILTER(false) }")
    with pytest.raises(EmptyResultError) as empty:
        select_subgraph(file=rq, store=fixture_store)
    assert str(empty.value) == f"the answer of query {rq} is empty: nothing to export or draw"
    rq.write_text("SELECT ?name WHERE { ?t a atmp:Therapy ; rdfs:label ?name }")  # no entities
    with pytest.raises(EmptyResultError, match="holds no entities"):
        select_subgraph(file=rq, store=fixture_store)
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".rq"]


def test_an_empty_selection_says_the_querys_notes(fixture_store, tmp_path):
    """joints23 F4: view and export of a query said "empty" alone, where the query door said why
    (a mistyped term); the error carries the notes, as its message's last lines."""
    lable = "rdfs:lable is not a term of RDF Schema (did you mean rdfs:label?): nothing matches it"
    rq = tmp_path / "typo.rq"
    rq.write_text("SELECT ?t WHERE { ?t a atmp:Therapy ; rdfs:lable ?l }")
    with pytest.raises(EmptyResultError) as empty:
        select_subgraph(file=rq, store=fixture_store)
    assert str(empty.value) == (
        f"the answer of query {rq} is empty: nothing to export or draw\nNote: {lable}"
    )
    assert empty.value.notes == [lable]
    # an answer of rows that names no entity
    rq.write_text(
        "SELECT ?name WHERE { ?t a atmp:Therapy ; rdfs:label ?name OPTIONAL { ?t rdfs:lable ?x } }"
    )
    with pytest.raises(EmptyResultError) as empty:
        select_subgraph(file=rq, store=fixture_store)
    assert str(empty.value) == (
        f"the answer of query {rq} holds no entities: nothing to export or draw\nNote: {lable}"
    )
    # and an answer with entities carries them as the export's notes
    kg = atmpkg.open(fixture_store)
    rq.write_text("SELECT ?t WHERE { ?t a atmp:Therapy OPTIONAL { ?t rdfs:lable ?x } }")
    assert kg.export("graphml", None, kg.select(file=rq)).notes == [lable]


# --- RDF formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_round_trip_of_a_slice(fixture_store, fmt):
    triples = select_subgraph(focus="cellco", hops=2, with_sources=True, store=fixture_store)
    content = write_triples(triples, fmt).content
    original = to_rdflib(triples)
    for back in reimport(content, fmt):
        assert isomorphic(original, back)


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_round_trip_of_unicode_language_tags_datatypes_and_long_literals(tmp_path, fmt):
    triples = tricky_triples()
    target = tmp_path / f"tricky.{fmt}"
    write_triples(triples, fmt, target)
    by_rdflib, by_oxigraph = reimport(target.read_bytes(), fmt)
    assert isomorphic(to_rdflib(triples), by_rdflib)
    assert isomorphic(to_rdflib(triples), by_oxigraph)


#: An import with what RDF exports must keep: RDF lists (nested, empty, holding a blank node, a
#: subject), nested blank nodes, a cycle of blank nodes, blank nodes no entity reaches, language
#: tags, datatypes (one of them custom), long and awkward literals, and two literals the engine
#: stores in canonical form.
ROUND_TRIP = """@prefix ex: <http://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .

therapy:genex ex:steps ( "first" 2 ( "nested" "list" ) [ ex:note "in a list" ] ) ;
    ex:detail [ ex:inner [ ex:deepest "three levels"@en-gb ; ex:when "2024-05-01"^^xsd:date ] ;
                ex:price "1.50"^^xsd:decimal ; ex:count "5"^^xsd:int ] ;
    ex:loop _:a ;
    ex:custom "x y"^^ex:myType ;
    ex:empty () ;
    ex:long \"\"\"LONG\"\"\" .
_:a ex:next _:b .
_:b ex:next _:a ; ex:label "cycle"@fr , "ciclo"@es .
[] ex:about therapy:genex ; ex:says [ ex:text "a blank node no entity reaches" ] .
( "a list" "as a subject" ) ex:about therapy:genex .
"""
LONG = ('quotes " \\" and a line\r\nbreak, ' * 5_000).replace("\\", "\\\\")
#: ROUND_TRIP as the store holds it: the decimal and the xsd:int in canonical form.
NORMALISED = ROUND_TRIP.replace('"1.50"^^xsd:decimal', '"1.5"^^xsd:decimal').replace(
    '"5"^^xsd:int', '"5"^^xsd:integer'
)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory) -> tuple[object, dict[str, bytes], object]:
    """A fixture store's whole-graph exports in every RDF format, then the store after importing
    ROUND_TRIP, with the import's report."""
    from atmpkg.graph import build, import_files

    folder = tmp_path_factory.mktemp("round-trip")
    store = folder / "store"
    build(store, data_dir=FIXTURE)
    before = {fmt: export_subgraph(fmt, store=store).content for fmt in RDF_FORMATS}
    mine = folder / "mine.ttl"
    mine.write_text(ROUND_TRIP.replace("LONG", LONG), encoding="utf-8")
    return store, before, import_files([mine], store)


def test_the_round_trip_import_reports_its_normalised_literals(round_trip):
    _, _, report = round_trip
    assert report.normalised == 2
    assert 'e.g. "1.50"^^xsd:decimal as "1.5"^^xsd:decimal' in report.warnings[0]


@pytest.mark.parametrize("selection", [{"focus": "genex", "hops": 1}, {}], ids=["focus", "whole"])
def test_a_network_writes_the_blank_nodes_an_entity_reaches_into_its_attributes(
    round_trip, tmp_path, selection
):
    store, _, _ = round_trip
    target = tmp_path / "g.graphml"
    atmpkg.open(store).export("graphml", target, max_nodes=0, **selection)
    graph = nx.read_graphml(target)
    genex = graph.nodes[ID + "therapy/genex"]
    assert {name: genex[name] for name in ("steps", "detail", "loop")} == {
        "steps": "first, 2, (nested, list), (note: in a list)",
        "detail": "count: 5; inner: (deepest: three levels; when: 2024-05-01); price: 1.5",
        "loop": "next: (label: ciclo; label: cycle; next: (…))",
    }
    # a blank node an entity reaches is no node; one nothing reaches stays one, linked on, in
    # the neighbourhood of the entity it links to too (joints25 F3)
    blank = sorted(n for n in graph if n.startswith("_:"))
    assert len(blank) == 2
    assert sorted(graph.successors(blank[0])) == sorted(graph.successors(blank[1])) == [
        ID + "therapy/genex"
    ]
    constructed = tmp_path / "c.graphml"
    text = "CONSTRUCT { ?t ex:note [ ex:v 'bn' ] } WHERE { ?t a atmp:Therapy }"
    prefixed = "PREFIX ex: <http://example.org/ns#> " + text
    atmpkg.open(store).export("graphml", constructed, query=prefixed)
    graph = nx.read_graphml(constructed)
    assert not [n for n in graph if n.startswith("_:")]
    assert graph.nodes[ID + "therapy/genex"]["note"] == "v: bn"


@pytest.mark.parametrize(
    "selection",
    [{"focus": "genex", "hops": 1}, {}, {"classes": ["atmp:Therapy"]}],
    ids=["focus", "whole", "class"],
)
def test_network_and_the_view_write_a_blank_node_as_the_exports_and_show_do(
    round_trip, tmp_path, selection
):
    """joints24 F1: network() and the view's data held the engine's label of a blank node an
    entity reaches (``_:d5429402…``), where show and every network export write what it holds;
    found with it: of the whole graph, they left out the blank nodes no entity reaches
    (``[] ex:about therapy:genex``), which the export draws as nodes."""
    store, _, _ = round_trip
    kg = atmpkg.open(store)
    held = {
        "steps": "first, 2, (nested, list), (note: in a list)",
        "detail": "count: 5; inner: (deepest: three levels; when: 2024-05-01); price: 1.5",
        "loop": "next: (label: ciclo; label: cycle; next: (…))",
    }
    target = tmp_path / "g.graphml"
    kg.export("graphml", target, max_nodes=0, **selection)
    exported = nx.read_graphml(target).nodes[ID + "therapy/genex"]
    assert {name: exported[name] for name in held} == held
    networked = kg.select(**selection).network().nodes[ID + "therapy/genex"]
    assert {name: networked[name] for name in held} == held
    data = kg.view(kg.select(**selection, max_nodes=0)).data
    genex = next(n for n in data["nodes"] if n["iri"] == ID + "therapy/genex")
    viewed = {data["properties"][p]: text for p, text, _ in genex["facts"]}
    assert {name: viewed[name] for name in held} == held
    loose = sorted(n for n in nx.read_graphml(target) if n.startswith("_:"))
    assert len(loose) == 2  # they link to genex: drawn with it (joints25 F3)
    assert sorted(n for n in kg.select(**selection).network() if n.startswith("_:")) == loose
    assert sorted(n["iri"] for n in data["nodes"] if n["iri"].startswith("_:")) == loose
    text = json.dumps(data, ensure_ascii=False)
    for node in loose:
        text = text.replace(node, "")
    assert "_:" not in text
    shown = {f.property_label: f.value_label for f in kg.show("genex").facts}
    assert {name: shown[name] for name in held} == held


def test_a_blank_node_is_written_whole_whatever_the_selection(fixture_store, tmp_path):
    """joints24 F1: a blank node an entity reaches lost its link to an entity outside the
    selection (``who: n: 1`` for --class atmp:Therapy, ``who: by: company:cellco; n: 1`` for a
    focus and in show); found with it: one two entities share was written twice in a selection's
    network (``v: 1; v: 1``), once in show and the whole graph's."""
    store = store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/ns#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
        "@prefix company: <https://w3id.org/atmp-kg/id/company/> .\n"
        "therapy:genex ex:who [ ex:by company:cellco ; ex:n 1 ] ; ex:share _:s .\n"
        "therapy:alphacel ex:share _:s .\n"
        "_:s ex:v 1 .\n",
    )
    kg = atmpkg.open(store)
    expected = {"who": "by: company:cellco; n: 1", "share": "v: 1"}
    for selection in ({"classes": ["atmp:Therapy"]}, {"focus": "genex"}):
        target = tmp_path / "g.graphml"
        kg.export("graphml", target, **selection)
        exported = nx.read_graphml(target).nodes[ID + "therapy/genex"]
        assert {name: exported[name] for name in expected} == expected
        networked = kg.select(**selection).network().nodes[ID + "therapy/genex"]
        assert {name: networked[name] for name in expected} == expected
        data = kg.view(kg.select(**selection)).data
        genex = next(n for n in data["nodes"] if n["iri"] == ID + "therapy/genex")
        viewed = {data["properties"][p]: text for p, text, _ in genex["facts"]}
        assert {name: viewed[name] for name in expected} == expected
    shown = {f.property_label: f.value_label for f in kg.show("genex").facts}
    assert {name: shown[name] for name in expected} == expected
    # the RDF export of the class keeps the link too, as the whole graph's does
    written = kg.export("nt", None, classes=["atmp:Therapy"]).content.decode()
    link = "<https://example.org/ns#by> <https://w3id.org/atmp-kg/id/company/cellco> ."
    assert written.count(link) == 1


#: An import's own trial (its namespace's), linked from a therapy, with a label; and a value of
#: that namespace without one.
OWN_TRIAL = (
    "@prefix ex: <https://example.org/my#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
    'ex:trial-1 a ex:Trial ; rdfs:label "Trial one"@en, "Essai un"@fr .\n'
    "therapy:genex ex:testedIn ex:trial-1 ; ex:seeAlso ex:unlabelled .\n"
)


def test_a_value_of_ones_own_namespace_is_written_by_its_label(fixture_store, tmp_path):
    """joints29 F2: a link from an entity to an IRI of the user's own namespace that has an
    rdfs:label was written as the bare IRI by the networks and the view's side panel, where
    show writes its label; they write the label (English first), the panel linking it to its
    IRI, and an IRI without a label stays the IRI. The RDF export keeps the IRI."""
    kg = atmpkg.open(store_with_import(fixture_store, tmp_path, OWN_TRIAL))
    expected = {"testedIn": "Trial one", "seeAlso": "https://example.org/my#unlabelled"}
    for selection in ({"focus": "genex"}, {"classes": ["atmp:Therapy"]}, {}):
        networked = kg.select(**selection).network().nodes[ID + "therapy/genex"]
        assert {name: networked[name] for name in expected} == expected, selection
        for fmt in ("graphml", "gexf"):
            target = tmp_path / f"g.{fmt}"
            kg.export(fmt, target, **selection)
            read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
            exported = read(target).nodes[ID + "therapy/genex"]
            assert {name: exported[name] for name in expected} == expected, (selection, fmt)
    kg.export("cyjs", tmp_path / "g.cyjs", focus="genex")
    document = json.loads((tmp_path / "g.cyjs").read_text())
    nodes = document["elements"]["nodes"]
    genex = next(n["data"] for n in nodes if n["data"]["id"] == ID + "therapy/genex")
    assert {name: genex[name] for name in expected} == expected
    kg.export("csv", tmp_path / "neo4j", focus="genex")
    with open(tmp_path / "neo4j-nodes.csv", newline="") as handle:
        rows = {row["id:ID"]: row for row in csv.DictReader(handle)}
    assert {name: rows[ID + "therapy/genex"][name] for name in expected} == expected
    data = kg.view(kg.select(focus="genex")).data
    node = next(n for n in data["nodes"] if n["iri"] == ID + "therapy/genex")
    facts = {data["properties"][p]: [text, href] for p, text, href in node["facts"]}
    assert (facts["tested in"], facts["see also"]) == (
        ["Trial one", "https://example.org/my#trial-1"],
        ["https://example.org/my#unlabelled", "https://example.org/my#unlabelled"],
    )
    written = kg.export("nt", None, focus="genex").content.decode()
    assert (
        f"<{ID}therapy/genex> <https://example.org/my#testedIn> <https://example.org/my#trial-1> ."
        in written
    )


#: A blank node two therapies share, with a blank node nested in it.
SHARED_BLANK = (
    "@prefix ex: <https://example.org/ns#> .\n"
    "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
    "therapy:genex ex:share _:s .\n"
    "therapy:alphacel ex:share _:s .\n"
    '_:s ex:v 1 ; ex:inner [ ex:deep "yes" ] .\n'
)


def test_a_blank_node_two_selected_entities_share_is_written_once(fixture_store, tmp_path):
    """audit: a selection's RDF export wrote the triples of a blank node two selected entities
    share once per entity (three lines twice in N-Triples). Each triple is written once, in every
    RDF format and by triples(), the graph the same as before; a network still writes it into the
    attribute of each entity."""
    store = store_with_import(fixture_store, tmp_path, SHARED_BLANK)
    kg = atmpkg.open(store)
    blank_lines = [
        "<https://example.org/ns#deep>",
        "<https://example.org/ns#inner>",
        "<https://example.org/ns#v>",
    ]
    # Big Pharma's neighbourhood of two hops holds both therapies
    for selection in ({"classes": ["atmp:Therapy"]}, {"focus": "bigpharma", "hops": 2}):
        chosen = kg.select(**selection)
        # the graph as each entity's blank nodes read with it give it, repeated triples and all
        owned = with_blank_nodes(chosen.slice(), kg._current().store)
        assert sum(line.startswith("_:") for line in map(str, owned)) == 6, selection
        lines = kg.export("nt", None, **selection).content.decode().splitlines()
        assert len(lines) == len(set(lines)), selection
        assert sorted(line.split()[1] for line in lines if line.startswith("_:")) == blank_lines
        assert isomorphic(rdflib.Graph().parse(data="\n".join(lines), format="nt"), to_rdflib(owned))
        triples = chosen.triples()
        assert len(triples) == len(set(triples)) == len(lines), selection
        for fmt in sorted(set(RDF_FORMATS) - {"nq", "trig"}):  # those two add the sources
            by_rdflib, _ = reimport(kg.export(fmt, None, **selection).content, fmt)
            assert isomorphic(by_rdflib, to_rdflib(owned)), (selection, fmt)
        # in the graph of the sources of the first entity read that reaches them
        quads = kg.export("nq", None, **selection).content.decode().splitlines()
        assert len(quads) == len(set(quads)), selection
        assert sorted(q.split()[1] for q in quads if q.startswith("_:")) == blank_lines
        network = chosen.network()
        for therapy in ("genex", "alphacel"):
            assert network.nodes[ID + "therapy/" + therapy]["share"] == "inner: (deep: yes); v: 1"
    asked = ["export", "--focus", "bigpharma", "--hops", "2", "--format", "nt", "--store", str(store)]
    result = CliRunner().invoke(cli, asked)
    assert result.exit_code == 0, result.output
    written = result.stdout.splitlines()
    assert len(written) == len(set(written))
    assert sorted(line.split()[1] for line in written if line.startswith("_:")) == blank_lines


#: A blank node nothing links to that links to genex, and one cellco reaches that links to it.
LINKING_TO_GENEX = (
    "@prefix ex: <https://example.org/ns#> .\n"
    "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
    "@prefix company: <https://w3id.org/atmp-kg/id/company/> .\n"
    '[] ex:about therapy:genex ; ex:score 3 ; ex:why "inbound blank" ; ex:inner [ ex:deep "yes" ] .\n'
    "company:cellco ex:memo [ ex:about therapy:genex ] .\n"
)


@pytest.mark.parametrize("fmt", NETWORKS)
def test_a_blank_node_that_links_to_an_entity_is_drawn_with_it(fixture_store, tmp_path, fmt):
    """joints25 F3: a blank node that links to an entity (``[] ex:about therapy:genex``), which
    show lists among the links to it, was drawn only by the whole graph's network: a focus, a
    class and their exports left it out. It is a node linked to the entity, holding what it
    holds; the one cellco reaches is written in cellco's attribute, as in the whole graph."""
    store = store_with_import(fixture_store, tmp_path, LINKING_TO_GENEX)
    kg = atmpkg.open(store)
    blank = next(iter(kg.query('SELECT ?b { ?b ?p "inbound blank" }').rows))[0]
    node = f"<_:{blank.value}>"
    held = {"label": f"_:{blank.value}", "inner": "deep: yes", "score": "3", "why": "inbound blank"}
    about = (node, "<https://example.org/ns#about>", "therapy:genex")
    for selection in ({"focus": "genex", "hops": 0}, {"classes": ["atmp:Therapy"]}):
        nodes, edges = network_read_back(kg.select(**selection), fmt, tmp_path)
        drawn = {k: str(v) for k, v in nodes[node].items() if k in held}
        assert (drawn, [e for e in edges if node in (e[0], e[2])]) == (held, [about])
        assert [n for n in nodes if n.startswith("<_:")] == [node]
    shown = sorted(f.value_label for f in kg.show("genex").incoming if f.value == blank)
    assert shown == ["about: therapy:genex; inner: (deep: yes); score: 3; why: inbound blank"]


def test_a_view_draws_a_blank_node_that_links_to_an_entity_and_its_rdf_export_writes_it(
    fixture_store, tmp_path
):
    """joints25 F3: the view's side panel of genex did not list the blank node that links to it,
    neither drawn with genex nor held back with it for Expand; an RDF export of genex now writes
    it with what it reaches, as the whole graph's does."""
    store = store_with_import(fixture_store, tmp_path, LINKING_TO_GENEX)
    kg = atmpkg.open(store)
    blank = next(iter(kg.query('SELECT ?b { ?b ?p "inbound blank" }').rows))[0]
    for focus, drawn in (("genex", True), ("genecorp", False)):  # genex: one link beyond
        data = kg.view(kg.select(focus=focus, hops=0)).data
        ids = [n["iri"] for n in data["nodes"]]
        at, genex = ids.index(f"_:{blank.value}"), ids.index(ID + "therapy/genex")
        facts = [(data["properties"][p], text) for p, text, _ in data["nodes"][at]["facts"]]
        assert facts == [("inner", "deep: yes"), ("score", "3"), ("why", "inbound blank")]
        assert [data["properties"][e[2]] for e in data["edges"] if e[:2] == [at, genex]] == ["about"]
        assert (at < data["shown"]) is drawn
    written = kg.export("nt", None, focus="genex", hops=0).content.decode().splitlines()
    own = [line.split()[1] for line in written if line.startswith(f"_:{blank.value} ")]
    assert own == [f"<https://example.org/ns#{p}>" for p in ("about", "inner", "score", "why")]
    assert sum('<https://example.org/ns#deep> "yes" .' in line for line in written) == 1


#: Thirty blank nodes nothing links to that link to genex, each with a score.
MANY_LINKING_TO_GENEX = (
    "@prefix ex: <https://example.org/ns#> .\n"
    "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
    + "".join(f"[] ex:about therapy:genex ; ex:score {n} .\n" for n in range(30))
)


def test_the_blank_nodes_that_link_to_an_entity_count_against_the_cap(fixture_store, tmp_path):
    """rev25 F2: the blank nodes that link to an entity were drawn and exported on top of
    --max-nodes (3,010 nodes under a cap of 10, the note saying "showing 10 of 22 entities").
    They count against the cap after the entities, the note and the graph's attributes say how
    many were left out, with their links, and the RDF export writes those the network draws."""
    store = store_with_import(fixture_store, tmp_path, MANY_LINKING_TO_GENEX)
    kg = atmpkg.open(store)
    capped = kg.select(focus="genex", hops=0, max_nodes=3)
    net = capped.network()
    blanks = sorted(n for n in net if n.startswith("_:"))
    assert (net.number_of_nodes(), len(blanks), net.number_of_edges()) == (3, 2, 2)
    note = (
        "The neighbourhood of therapy:genex: showing 1 of 1 entity and 2 of the 30 blank nodes "
        "that link to them; left out 28 blank nodes and 28 links (narrow the selection to see "
        "the rest)"
    )
    assert {k: net.graph[k] for k in ("note", "blankNodesKept", "blankNodesLeftOut")} == {
        "note": note,
        "blankNodesKept": 2,
        "blankNodesLeftOut": 28,
    }
    exported = kg.export("csv", tmp_path / "g", focus="genex", hops=0, max_nodes=3)
    assert (exported.notes[-1], exported.nodes, exported.edges) == (note, 3, 2)
    written = kg.export("nt", None, focus="genex", hops=0, max_nodes=3).content.decode()
    assert sorted({line.split()[0] for line in written.splitlines() if line[:2] == "_:"}) == blanks
    # a cap the entities fill leaves every blank node out, and so does a class's
    wider = kg.select(classes=["atmp:Therapy"], max_nodes=2).slice().sample
    assert (wider.kept, wider.selected, wider.blanks_linking, wider.links_left_out) == (2, 3, 30, 30)
    # uncapped, every one is drawn
    assert kg.select(focus="genex", hops=0, max_nodes=0).network().number_of_nodes() == 31


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_imported_blank_node_structures_survive_an_export_in_every_format(round_trip, fmt):
    store, before, _ = round_trip
    expected = reimport(before[fmt], fmt)[0] + rdflib.Graph().parse(
        data=NORMALISED.replace("LONG", LONG), format="turtle"
    )
    for back in reimport(export_subgraph(fmt, store=store).content, fmt):
        assert isomorphic(back, expected)


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_whole_graph_round_trip(fixture_store, tmp_path, fmt):
    result = export_subgraph(fmt, tmp_path / "all", store=fixture_store)
    assert result.paths == [tmp_path / "all"]
    triples = select_subgraph(with_sources=fmt in ("nq", "trig"), store=fixture_store)
    assert result.triples == len(triples)
    assert isomorphic(to_rdflib(triples), reimport((tmp_path / "all").read_bytes(), fmt)[0])


def test_turtle_is_canonical(fixture_store):
    first = export_subgraph("ttl", focus="genex", store=fixture_store).content
    assert first == export_subgraph("ttl", focus="genex", store=fixture_store).content
    text = first.decode("utf-8")
    prefixes = [line.split()[1] for line in text.splitlines() if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "approval:" in prefixes and "owl:" not in prefixes and "factor:" not in prefixes
    subjects_in_order = [line.split()[0] for line in text.splitlines() if line[:1].isalpha()]
    iris = [expand(name) for name in subjects_in_order[1:]]  # after the @prefix lines
    assert iris == sorted(iris)
    assert 'therapy:genex a atmp:Therapy ;\n\trdfs:label "Genex"@en ;' in text


@pytest.mark.parametrize("fmt", ["nq", "trig"])
def test_quad_formats_put_facts_in_a_graph_per_source(fixture_store, fmt):
    content = export_subgraph(fmt, focus="alphacel", store=fixture_store).content
    dataset = rdflib.Dataset()
    dataset.parse(data=content.decode("utf-8"), format=RDF_FORMATS[fmt][0])
    approval = rdflib.URIRef(ID + "approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma")
    graphs = {str(g) for _, _, _, g in dataset.quads((approval, None, None, None))}
    assert graphs == {ID + "source/src-fda-a"}
    claim = rdflib.URIRef(ID + "claim/alphacel-first-approval-2019")
    assert {str(g) for _, _, _, g in dataset.quads((claim, None, None, None))} == {
        ID + "source/report-y"
    }
    source = rdflib.URIRef(ID + "source/src-fda-a")  # described in the default graph
    assert {str(g) for _, _, _, g in dataset.quads((source, None, None, None))} == {
        str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID)
    }


def test_quad_formats_can_leave_sources_out(fixture_store):
    content = export_subgraph("nq", focus="alphacel", with_sources=False, store=fixture_store)
    assert b"/id/source/" not in content.content


def test_jsonld_has_a_readable_context(fixture_store):
    document = json.loads(export_subgraph("jsonld", focus="genex", store=fixture_store).content)
    assert document["@context"]["atmp"] == ATMP
    assert document["@context"]["therapy"] == ID + "therapy/"
    genex = next(n for n in document["@graph"] if n["@id"] == "therapy:genex")
    assert genex["@type"] == ["atmp:Therapy"]
    assert genex["rdfs:label"] == [{"@value": "Genex", "@language": "en"}]
    assert genex["atmp:brandName"] == ["Genex", "Genexa"]
    assert {"@id": "company:genecorp"} in genex["atmp:developedBy"]


# --- network formats -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_files_load_in_networkx(fixture_store, tmp_path, fmt):
    target = tmp_path / f"cellco.{fmt}"
    export_subgraph(fmt, target, focus="cellco", store=fixture_store)
    graph = nx.read_graphml(target) if fmt == "graphml" else nx.read_gexf(target)
    graph = nx.MultiDiGraph(graph)  # read as a DiGraph: every link is drawn once
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (10, 13)
    cellco = graph.nodes[ID + "company/cellco"]
    assert (cellco["label"], cellco["class"], cellco["parentSince"]) == (
        "CellCo",
        "atmp:Company",
        "2017-10",
    )
    # a link and its materialised inverse are one edge, in the direction the data states
    assert graph.get_edge_data(ID + "company/cellco", ID + "therapy/alphacel") is None
    edges = graph.get_edge_data(ID + "therapy/alphacel", ID + "company/cellco").values()
    assert [(e["label"], e["property"]) for e in edges] == [("developed by", ATMP + "developedBy")]
    # the Python network of the same selection is the file's, link for link
    same = atmpkg.open(fixture_store).select(focus="cellco").network()
    assert sorted(same.edges()) == sorted(graph.edges())


def test_a_select_draws_the_shortcut_it_pairs_its_entities_by(fixture_store, tmp_path):
    """companies-by-approved-products pairs each group with its products by the derived
    portfolioProduct, and reads holdsProduct for its held column: drawn where no link of the data
    joins them (Big Pharma owns CellCo, which develops Alphacel and Betacel), once for a pair both
    join (the first by name), and not beside a developer's own link (GeneCorp's Genex), nor as a
    company's link to itself as its own ultimate parent."""
    target = tmp_path / "groups.graphml"
    export_subgraph(
        "graphml",
        target,
        name="companies-by-approved-products",
        params={"min_products": 1},
        store=fixture_store,
    )
    graph = nx.read_graphml(target)
    links = sorted(
        (u.removeprefix(ID), d["label"], v.removeprefix(ID)) for u, v, d in graph.edges(data=True)
    )
    assert links == [
        ("company/bigpharma", "holds product", "therapy/alphacel"),
        ("company/bigpharma", "holds product", "therapy/betacel"),
        ("therapy/genex", "developed by", "company/genecorp"),
    ]
    assert list(nx.isolates(graph)) == []


def test_a_query_file_that_is_a_pipe_is_read_once_and_its_shortcuts_drawn(fixture_store, tmp_path):
    """`--file <(…)` is a pipe: it can be read once, so the shortcuts the query names are taken
    from the text the query ran, not from a second read that would find the pipe empty."""
    read, write = os.pipe()
    os.write(write, b"SELECT ?c ?t { ?c atmp:ultimateParent ?c ; atmp:portfolioProduct ?t }")
    os.close(write)
    target = tmp_path / "groups.graphml"
    try:
        export_subgraph("graphml", target, file=f"/dev/fd/{read}", store=fixture_store)
    finally:
        os.close(read)
    graph = nx.read_graphml(target)
    assert sorted(
        (u.removeprefix(ID), d["label"], v.removeprefix(ID)) for u, v, d in graph.edges(data=True)
    ) == [
        ("company/bigpharma", "portfolio product", "therapy/alphacel"),
        ("company/bigpharma", "portfolio product", "therapy/betacel"),
        ("therapy/genex", "developed by", "company/genecorp"),
    ]


def test_whole_graph_network_counts(fixture_store, tmp_path):
    export_subgraph("graphml", tmp_path / "all.graphml", store=fixture_store)
    graph = nx.read_graphml(tmp_path / "all.graphml")
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (37, 46)
    assert not [n for n in graph if "/id/source/" in n]  # no sources unless asked


def test_csv_nodes_and_edges_for_spreadsheets_and_neo4j(fixture_store, tmp_path):
    result = export_subgraph("csv", tmp_path / "cellco.csv", focus="cellco", store=fixture_store)
    assert result.paths == [tmp_path / "cellco-nodes.csv", tmp_path / "cellco-edges.csv"]
    with open(result.paths[0], newline="", encoding="utf-8") as handle:
        nodes = list(csv.DictReader(handle))
    with open(result.paths[1], newline="", encoding="utf-8") as handle:
        edges = list(csv.DictReader(handle))
    assert list(nodes[0])[:4] == ["id:ID", "label", ":LABEL", "class"]
    assert list(edges[0]) == [":START_ID", ":END_ID", ":TYPE", "label", "property"]
    assert (len(nodes), len(edges)) == (10, 13)
    cellco = next(n for n in nodes if n["id:ID"] == ID + "company/cellco")
    assert (cellco["label"], cellco[":LABEL"], cellco["parentSince"]) == (
        "CellCo",
        "Company",
        "2017-10",
    )
    assert {
        ":START_ID": ID + "therapy/alphacel",
        ":END_ID": ID + "company/cellco",
        ":TYPE": "developedBy",
        "label": "developed by",
        "property": ATMP + "developedBy",
    } in edges
    assert not [e for e in edges if e[":TYPE"] in ("develops", "hasSubsidiary")]


def test_csv_into_an_existing_folder(fixture_store, tmp_path):
    result = export_subgraph("csv", tmp_path, classes=["atmp:Company"], store=fixture_store)
    assert result.paths == [tmp_path / "nodes.csv", tmp_path / "edges.csv"]


def test_csv_neutralises_spreadsheet_formulas(tmp_path):
    company = ox.NamedNode(ID + "company/evil")
    names = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    triples = [
        ox.Triple(company, ox.NamedNode(RDF + "type"), ox.NamedNode(ATMP + "Company")),
        ox.Triple(company, ox.NamedNode(RDFS + "label"), ox.Literal("=1+2", language="en")),
        ox.Triple(company, ox.NamedNode(ATMP + "note"), ox.Literal("fine - really")),
    ]
    triples += [
        ox.Triple(company, ox.NamedNode(ATMP + f"p{i}"), ox.Literal(n)) for i, n in enumerate(names)
    ]
    write_triples(triples, "csv", tmp_path / "evil")
    with open(tmp_path / "evil-nodes.csv", newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["label"] == "'=1+2"
    assert [row[f"p{i}"] for i in range(len(names))] == ["'" + n for n in names]
    assert row["note"] == "fine - really"
    with open(tmp_path / "evil-nodes.csv", newline="", encoding="utf-8") as handle:
        for cells in csv.reader(handle):
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_a_capped_selections_network_says_what_the_cap_left_out(fixture_store):
    kg = atmpkg.open(fixture_store)
    net = kg.select(focus="cellco", hops=2, max_nodes=4).network()
    graphml = nx.read_graphml(
        io.BytesIO(kg.export("graphml", focus="cellco", hops=2, max_nodes=4).content)
    )
    assert net.number_of_nodes() == graphml.number_of_nodes() == 4
    assert net.graph == {k: v for k, v in graphml.graph.items() if not k.endswith("_default")}
    assert net.graph["entitiesKept"] == 4
    assert kg.select(focus="cellco", hops=2).network().graph == {}  # complete: no note


def test_cytoscape_json(fixture_store):
    document = json.loads(export_subgraph("cyjs", focus="cellco", store=fixture_store).content)
    nodes, edges = document["elements"]["nodes"], document["elements"]["edges"]
    assert (len(nodes), len(edges)) == (10, 13)
    cellco = next(n["data"] for n in nodes if n["data"]["id"] == ID + "company/cellco")
    assert (cellco["label"], cellco["class"]) == ("CellCo", "atmp:Company")
    developed = [e["data"] for e in edges if e["data"]["key"] == "atmp:developedBy"]
    assert [(e["source"], e["target"], e["label"]) for e in developed] == [
        (ID + "therapy/alphacel", ID + "company/cellco", "developed by")
    ]
    assert document["data"] == {"name": "ATMP-KG export"}  # complete: no note
    assert len({e["data"]["id"] for e in edges}) == len(edges)
    # networkx reads it back as the network the other formats hold
    read = nx.cytoscape_graph(document)
    assert (read.is_directed(), read.is_multigraph()) == (True, True)
    graphml = nx.read_graphml(
        io.BytesIO(export_subgraph("graphml", focus="cellco", store=fixture_store).content)
    )
    assert sorted(read.nodes) == sorted(graphml.nodes)
    assert sorted(read.edges()) == sorted(graphml.edges())
    assert read.nodes[ID + "company/cellco"]["label"] == "CellCo"


def test_inverse_pairs_come_from_the_ontology():
    def quad(s, p, o):
        return ox.Quad(s, p, o)

    develops, developed_by = ox.NamedNode(ATMP + "develops"), ox.NamedNode(ATMP + "developedBy")
    approval, product = ox.NamedNode(ATMP + "approval"), ox.NamedNode(ATMP + "product")
    a, b = ox.NamedNode("urn:a"), ox.NamedNode("urn:b")
    declared = [
        quad(develops, INVERSE_OF, developed_by),
        quad(approval, PARTIAL_INVERSE_OF, product),  # approval mirrors product on approvals only
        quad(b, INVERSE_OF, a),  # declared both ways: one of them only, or no link would stay
        quad(a, INVERSE_OF, b),
        quad(develops, ox.NamedNode(RDFS + "subPropertyOf"), ox.NamedNode("urn:other")),
    ]
    assert inverse_pairs(declared) == {
        ATMP + "develops": ATMP + "developedBy",
        ATMP + "approval": ATMP + "product",
        "urn:a": "urn:b",
    }
    assert export_module.fold_facts is fold_facts


def test_a_materialised_inverse_stays_when_the_link_it_inverts_is_missing(tmp_path):
    company, therapy = ox.NamedNode(ID + "company/c"), ox.NamedNode(ID + "therapy/t")
    develops = ox.Triple(company, ox.NamedNode(ATMP + "develops"), therapy)
    developed_by = ox.Triple(therapy, ox.NamedNode(ATMP + "developedBy"), company)
    assert fold_inverses([develops]) == [develops]
    assert fold_inverses([develops, developed_by]) == [developed_by]
    write_triples([develops, developed_by], "graphml", tmp_path / "both.graphml")
    graph = nx.read_graphml(tmp_path / "both.graphml")
    assert [(u, v, d["label"]) for u, v, d in graph.edges(data=True)] == [
        (therapy.value, company.value, "developed by")
    ]
    write_triples([develops], "nt", tmp_path / "one.nt")  # RDF stays the full graph
    write_triples([develops, developed_by], "nt", tmp_path / "two.nt")
    assert len((tmp_path / "two.nt").read_text().splitlines()) == 2


# --- big graphs: RDF streams, networks are capped ------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_streamed_from_the_store_equals_the_slice_in_memory(fixture_store, fmt):
    options = {"focus": "cellco", "hops": 2, "store": fixture_store}
    streamed = export_subgraph(fmt, **options)
    in_memory = select_subgraph(with_sources=fmt in ("nq", "trig"), **options)
    assert streamed.content == write_triples(in_memory, fmt).content
    assert streamed.triples == len(in_memory) and streamed.sample is None
    stream = io.BytesIO()
    to_stream = export_subgraph(fmt, stream, **options)
    assert (to_stream.content, to_stream.paths) == (None, [])
    assert stream.getvalue() == streamed.content


def test_streamed_jsonld_is_one_document_with_a_line_per_property(fixture_store):
    triples = select_subgraph(store=fixture_store)
    text = export_subgraph("jsonld", store=fixture_store).content.decode("utf-8")
    assert json.loads(text) == export_module.jsonld_document(triples)
    assert text.startswith(
        '{\n "@context": {\n  "agency": "https://w3id.org/atmp-kg/id/agency/",\n'
    )
    assert text.endswith('"@language": "en"}]\n  }\n ]\n}\n')
    assert (
        '  {\n   "@id": "approvaltype:conversion-to-full",\n   "@type": ["skos:Concept"],\n'
        '   "rdfs:isDefinedBy": [{"@id": "https://w3id.org/atmp-kg/ontology"}],\n'
        '   "rdfs:label": [{"@value": "conversion to full approval", "@language": "en"}],\n'
    ) in text


def test_a_slice_reads_one_entity_at_a_time(fixture_store):
    piece = select_slice(classes=["atmp:Therapy"], store=fixture_store)
    assert [shorten(s.value) for s in piece.subjects if "/therapy/" in s.value] == [
        "therapy:alphacel",
        "therapy:betacel",
        "therapy:genex",
    ]
    assert len(piece.subjects) == 9  # and six concept values, the therapies' attributes
    assert piece.about(piece.subjects[0]) == [t for t in piece if t.subject == piece.subjects[0]]
    assert list(piece) == list(Slice.of_triples(list(piece)))


HUB_NOTE = (
    "The neighbourhood of company:cellco: showing 4 of 18 entities, the nearest to the focus, "
    "best connected first; left out 14 entities and 22 links (narrow the selection to see the "
    "rest)"
)
HUB_KEPT = {
    ID + "approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma",
    ID + "approval/alphacel-fda-2022-04-01-large-b-cell-lymphoma",
    ID + "company/cellco",
    ID + "therapy/alphacel",
}
#: The links among the four kept entities, as a network draws them (27 - 22 of the whole).
HUB_EDGES = [
    ("approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma", "product", "therapy/alphacel"),
    ("approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma", "sponsor", "company/cellco"),
    ("approval/alphacel-fda-2022-04-01-large-b-cell-lymphoma", "product", "therapy/alphacel"),
    ("approval/alphacel-fda-2022-04-01-large-b-cell-lymphoma", "sponsor", "company/cellco"),
    ("therapy/alphacel", "developed by", "company/cellco"),
]


def edge_list(pairs) -> list[tuple[str, str, str]]:
    return sorted((u.split("/id/")[1], label, v.split("/id/")[1]) for u, v, label in pairs)


def test_a_hub_neighbourhood_network_is_sampled_with_an_exact_record(fixture_store, tmp_path):
    options = {"focus": "cellco", "hops": 2, "max_nodes": 4, "store": fixture_store}
    result = export_subgraph("graphml", tmp_path / "hub.graphml", **options)
    assert result.notes == [HUB_NOTE] and result.triples == 105
    sample = result.sample
    assert (sample.kept, sample.selected, sample.entities_left_out, sample.links_left_out) == (
        4,
        18,
        14,
        22,
    )
    graph = nx.read_graphml(tmp_path / "hub.graphml")
    assert set(graph) == HUB_KEPT
    assert edge_list(graph.edges(data="label")) == HUB_EDGES
    assert {k: v for k, v in graph.graph.items() if not k.endswith("_default")} == {
        "note": HUB_NOTE,
        "entitiesSelected": 18,
        "entitiesKept": 4,
        "entitiesLeftOut": 14,
        "linksLeftOut": 22,
    }
    whole = export_subgraph("graphml", tmp_path / "all.graphml", **{**options, "max_nodes": 0})
    assert whole.sample is None
    full = nx.read_graphml(tmp_path / "all.graphml")
    assert (full.number_of_nodes(), full.number_of_edges()) == (18, 27)
    assert full.number_of_edges() - graph.number_of_edges() == sample.links_left_out
    assert "note" not in full.graph


def test_the_links_a_capped_query_leaves_out_count_the_shortcuts_it_asks_for(
    curated_store, tmp_path
):
    # sponsor-ultimate-parent names atmp:ultimateParent, a derived shortcut its network draws
    options = {"name": "sponsor-ultimate-parent", "store": curated_store}
    capped = export_subgraph("graphml", tmp_path / "capped.graphml", max_nodes=60, **options)
    export_subgraph("graphml", tmp_path / "all.graphml", max_nodes=0, **options)
    full = nx.read_graphml(tmp_path / "all.graphml")
    kept = set(nx.read_graphml(tmp_path / "capped.graphml"))
    outside = [(u, v) for u, v in full.edges() if u not in kept or v not in kept]
    assert capped.sample.links_left_out == len(outside)
    assert any(label == "ultimate parent" for *_, label in full.edges(data="label"))


def test_every_network_format_carries_the_note_where_it_can(fixture_store, tmp_path):
    options = {"focus": "cellco", "hops": 2, "max_nodes": 4, "store": fixture_store}
    export_subgraph("gexf", tmp_path / "hub.gexf", **options)
    namespace = {"g": "http://www.gexf.net/1.2draft"}
    meta = ET.parse(tmp_path / "hub.gexf").getroot().find("g:meta", namespace)
    assert meta.find("g:description", namespace).text == HUB_NOTE
    assert set(nx.read_gexf(tmp_path / "hub.gexf")) == HUB_KEPT
    document = json.loads(export_subgraph("cyjs", **options).content)
    assert document["data"]["note"] == HUB_NOTE
    assert (document["data"]["entitiesLeftOut"], document["data"]["linksLeftOut"]) == (14, 22)
    assert {n["data"]["id"] for n in document["elements"]["nodes"]} == HUB_KEPT
    assert len(document["elements"]["edges"]) == len(HUB_EDGES)
    result = export_subgraph("csv", tmp_path / "hub", **options)  # no room for a note in CSV
    assert result.notes == [HUB_NOTE]
    with open(tmp_path / "hub-nodes.csv", newline="", encoding="utf-8") as handle:
        assert {row["id:ID"] for row in csv.DictReader(handle)} == HUB_KEPT
    with open(tmp_path / "hub-edges.csv", newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == len(HUB_EDGES)


def test_networks_are_capped_by_default_and_rdf_is_complete(fixture_store, monkeypatch):
    monkeypatch.setattr(export_module, "NETWORK_MAX_NODES", 3)
    note = (
        "The graph: showing 3 of 37 entities, the best connected; left out 34 entities and 45 "
        "links (narrow the selection to see the rest)"
    )
    document = json.loads(export_subgraph("cyjs", store=fixture_store).content)
    assert sorted(n["data"]["id"].split("/id/")[1] for n in document["elements"]["nodes"]) == [
        "company/cellco",
        "therapy/alphacel",
        "therapy/genex",
    ]
    assert [(e["data"]["label"]) for e in document["elements"]["edges"]] == ["developed by"]
    assert document["data"]["note"] == note
    complete = export_subgraph("nt", store=fixture_store)
    assert complete.sample is None and complete.triples == len(select_subgraph(store=fixture_store))
    sampled = export_subgraph("ttl", store=fixture_store, max_nodes=3)  # asked for: sampled
    assert sampled.notes == [SOURCES_LEFT_OUT, note]
    # the three entities and their attributes (places and concept values)
    assert subjects(ox.parse(sampled.content, ox.RdfFormat.TURTLE)) == [
        "cellsource:autologous",
        "company:cellco",
        "country:us",
        "modality:aav-gene-therapy",
        "modality:car-t",
        "therapy:alphacel",
        "therapy:genex",
        "vector:aav9",
        "vector:lentiviral",
    ]


def test_no_note_under_the_cap(fixture_store):
    result = export_subgraph("cyjs", focus="cellco", store=fixture_store, max_nodes=11)
    document = json.loads(result.content)
    assert result.sample is None and result.notes == []
    assert (len(document["elements"]["nodes"]), len(document["elements"]["edges"])) == (10, 13)
    assert "note" not in document["data"]


@pytest.mark.parametrize("bad", [-1, 2.5, True, "10"])
def test_max_nodes_must_be_a_whole_number(fixture_store, tmp_path, bad):
    with pytest.raises(ParameterError, match=r"max_nodes \(CLI: --max-nodes\) must be a whole"):
        export_subgraph("graphml", tmp_path / "x.graphml", store=fixture_store, max_nodes=bad)
    assert list(tmp_path.iterdir()) == []


# --- atomic writes and errors --------------------------------------------------------------------


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failed_export_leaves_the_existing_file_intact(
    fixture_store, tmp_path, monkeypatch, failure
):
    target = tmp_path / "out.ttl"
    target.write_text("previous content\n")

    def writer(triples, handles):
        handles[0].write(b"@prefix half: <written> .\n")
        raise failure("crash mid-write")

    monkeypatch.setitem(export_module.WRITERS, "ttl", writer)
    with pytest.raises(failure):
        export_subgraph("ttl", target, focus="cellco", store=fixture_store)
    assert target.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]


def test_a_failed_csv_export_leaves_both_files_intact(fixture_store, tmp_path, monkeypatch):
    nodes, edges = tmp_path / "x-nodes.csv", tmp_path / "x-edges.csv"
    nodes.write_text("old nodes\n")
    edges.write_text("old edges\n")

    def writer(triples, handles):
        handles[0].write(b"id:ID,label\n")
        handles[1].write(b":START_ID\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(export_module.WRITERS, "csv", writer)
    with pytest.raises(StoreError, match="No space left on device"):
        export_subgraph("csv", tmp_path / "x", store=fixture_store)
    assert (nodes.read_text(), edges.read_text()) == ("old nodes\n", "old edges\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-edges.csv", "x-nodes.csv"]


def test_an_export_through_a_link_replaces_the_file_it_points_to_and_keeps_the_link(
    fixture_store, tmp_path
):
    (tmp_path / "data").mkdir()
    target, link = tmp_path / "data" / "cellco.ttl", tmp_path / "cellco.ttl"
    target.write_text("previous content\n")
    link.symlink_to(target)
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "--focus",
            "cellco",
            "--format",
            "ttl",
            "-o",
            str(link),
            "--store",
            str(fixture_store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert (
        target.read_bytes() == export_subgraph("ttl", focus="cellco", store=fixture_store).content
    )
    dangling = tmp_path / "new.ttl"
    dangling.symlink_to(tmp_path / "data" / "new.ttl")  # a link to a file not written yet
    export_subgraph("ttl", dangling, focus="cellco", store=fixture_store)
    assert dangling.is_symlink() and (tmp_path / "data" / "new.ttl").stat().st_size > 0


def test_a_link_into_a_missing_folder_is_refused_and_makes_no_folder(fixture_store, tmp_path):
    """A write through either link fails in the kernel (no such file); the export made the
    folders at the link's target, or said "File exists"."""
    into = tmp_path / "into.ttl"
    into.symlink_to("real/nodir/missing.ttl")
    (tmp_path / "real").mkdir()
    back = tmp_path / "back.ttl"
    back.symlink_to("nothere/../f.ttl")
    with pytest.raises(ParameterError) as info:
        export_subgraph("ttl", into, focus="cellco", store=fixture_store)
    assert str(info.value) == (
        f"cannot write {into}: it goes through a symbolic link into {tmp_path}/real/nodir, a "
        "folder that does not exist; create the folder or write elsewhere"
    )
    with pytest.raises(ParameterError) as info:
        export_subgraph("ttl", back, focus="cellco", store=fixture_store)
    assert str(info.value) == (
        f"cannot write {back}: the folder {tmp_path}/nothere on its way does not exist"
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["back.ttl", "into.ttl", "real"]
    export_subgraph(
        "ttl", tmp_path / "new" / "folder" / "x.ttl", focus="cellco", store=fixture_store
    )
    assert (tmp_path / "new" / "folder" / "x.ttl").stat().st_size > 0
    # past a linked folder that exists, the new folders are one's own path (rev14 R8)
    (tmp_path / "project").symlink_to("real")
    export_subgraph("ttl", tmp_path / "project" / "a" / "b.ttl", focus="cellco", store=fixture_store)
    assert (tmp_path / "real" / "a" / "b.ttl").stat().st_size > 0


def test_a_link_in_a_shared_folder_is_followed_only_where_the_kernel_would(fixture_store, tmp_path):
    from atmpkg.graph.slice.export import kernel_follows

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # sticky and writable by all, as /tmp is
    (tmp_path / "mine.txt").write_text("my notes\n")
    link = shared / "report.ttl"
    link.symlink_to(tmp_path / "mine.txt")
    # the user's own link is followed, through a chain of links and a linked folder, relative
    # or absolute
    export_subgraph("ttl", link, focus="cellco", store=fixture_store)
    assert link.is_symlink() and (tmp_path / "mine.txt").read_text().startswith("@prefix")
    (tmp_path / "mine.txt").write_text("my notes\n")
    (shared / "chain").symlink_to("report.ttl")
    (shared / "folder").symlink_to("..")
    for way in (shared / "chain", shared / "folder" / "shared" / "chain"):
        export_subgraph("ttl", way, focus="cellco", store=fixture_store)
        assert (tmp_path / "mine.txt").read_text().startswith("@prefix")
        assert (shared / "chain").is_symlink() and link.is_symlink()
        (tmp_path / "mine.txt").write_text("my notes\n")
    # another user's is not, unless that user owns the folder; outside a shared folder it is
    own, folder = os.lstat(link), os.stat(shared)
    other = os.stat_result((*own[:4], own.st_uid + 1, *own[5:]))
    assert kernel_follows(other, folder, own.st_uid) is False
    assert kernel_follows(other, os.stat(tmp_path), own.st_uid) is True
    owned = os.stat_result((*folder[:4], own.st_uid + 1, *folder[5:]))
    assert kernel_follows(other, owned, own.st_uid) is True
    assert kernel_follows(own, folder, own.st_uid) is True


def test_another_users_link_in_a_shared_folder_is_refused_when_it_points_at_a_device(
    fixture_store, tmp_path, monkeypatch
):
    """sec14 F3: a link to a pipe or a device was taken for a stream before its owner was
    asked, so another user's link in /tmp received the export. Owning neither the link nor the
    folder takes two users; the kernel's answer for that case (test above) stands in."""
    from atmpkg.graph.slice import export

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    link = shared / "report.ttl"
    link.symlink_to("/dev/null")
    export_subgraph("ttl", link, focus="cellco", store=fixture_store)  # one's own: written to
    monkeypatch.setattr(export, "kernel_follows", lambda link, folder, user: False)
    with pytest.raises(ParameterError, match="report.ttl is a symbolic link another user"):
        export_subgraph("ttl", link, focus="cellco", store=fixture_store)


def test_an_export_to_a_pipe_or_a_device_is_written_to_it_not_over_it(fixture_store, tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()))
    reader.start()
    export_subgraph("ttl", fifo, focus="cellco", store=fixture_store)
    reader.join(30)
    assert read == [export_subgraph("ttl", focus="cellco", store=fixture_store).content]
    assert fifo.is_fifo()
    export_subgraph("ttl", Path("/dev/null"), focus="cellco", store=fixture_store)
    assert Path("/dev/null").is_char_device()
    with pytest.raises(StoreError, match="cannot write /dev/full: No space left on device"):
        export_subgraph("ttl", Path("/dev/full"), focus="cellco", store=fixture_store)
    assert Path("/dev/full").is_char_device()


def _limited(size: int):
    """A child process's file size limit of ``size`` bytes: a write past it fails with EFBIG,
    as a write to a full disk fails with ENOSPC."""
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.parametrize("fmt", ["ttl", "nt", "rdfxml", "graphml", "csv", "jsonld", "cyjs"])
def test_an_export_that_fills_the_disk_is_an_error_and_keeps_the_old_file(
    fixture_store, tmp_path, fmt
):
    import subprocess
    import sys

    target = tmp_path / ("old.csv" if fmt == "csv" else "old.out")
    targets = [tmp_path / "old-nodes.csv", tmp_path / "old-edges.csv"] if fmt == "csv" else [target]
    for path in targets:
        path.write_text("OLD\n")
    command = [sys.executable, "-m", "atmpkg.cli", "export", "--focus", "cellco", "--hops", "2"]
    done = subprocess.run(
        [*command, "--format", fmt, "-o", str(target), "--store", str(fixture_store)],
        capture_output=True,
        text=True,
        preexec_fn=_limited(4000),
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("Error: cannot write ") and done.stderr.endswith(
        ": File too large\n"
    )
    assert [p.read_text() for p in targets] == ["OLD\n"] * len(targets)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in targets)


def test_a_whole_graph_export_whose_dump_fills_the_disk_says_where(fixture_store, tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "export", "-o", str(tmp_path / "all.nt")]
        + ["--store", str(fixture_store)],
        capture_output=True,
        text=True,
        preexec_fn=_limited(8192),
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert (done.returncode, done.stderr) == (
        1,
        "Error: cannot dump the store to read the whole graph: File too large (os error 27); the "
        f"dump needs about the size of an N-Triples export in {tmp_path} (set TMPDIR to a folder "
        "with room)\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_standard_output_that_cannot_be_written_is_an_error_not_a_traceback(fixture_store):
    import subprocess
    import sys

    for args in (
        ["export", "--focus", "cellco", "--format", "nt"],
        ["query", "--name", "company-portfolio", "-p", "company=cellco"],
        ["stats"],
    ):
        with open("/dev/full", "wb") as full:
            done = subprocess.run(
                [sys.executable, "-m", "atmpkg.cli", *args, "--store", str(fixture_store)],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
            )
        assert (done.returncode, done.stderr) == (
            1,
            "Error: cannot write the output: No space left on device\n",
        ), args


def test_standard_output_that_fills_part_way_is_an_error(fixture_store, tmp_path):
    """A disk that fills in the middle of the output takes part of a write: the command says so
    and exits 1, where Python's writer counted the part as the whole and the command exited 0."""
    import subprocess
    import sys

    for args in (
        ["query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "nt"],
        ["show", "alphacel"],
        ["rank", "--top", "30"],
    ):
        with open(tmp_path / "out", "wb") as out:
            done = subprocess.run(
                [sys.executable, "-m", "atmpkg.cli", *args, "--store", str(fixture_store)],
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=_limited(1024),
            )
        assert (done.returncode, done.stderr) == (
            1,
            "Error: cannot write the output: File too large\n",
        ), args


ODD_VALUES = """@prefix ex: <https://example.org/mine#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/atmp-kg/id/therapy/alphacel> ex:score "NaN"^^xsd:double ;
    ex:ceiling "INF"^^xsd:double ; ex:floor "-INF"^^xsd:double .
<https://w3id.org/atmp-kg/id/therapy/betacel> ex:score "2.5"^^xsd:double ; ex:note "a\\u0001b" .
<https://w3id.org/atmp-kg/id/therapy/genex> <https://example.org/=SUM(1,2)> "formula" .
"""


def test_values_a_format_cannot_hold_are_written_as_its_readers_read_them_or_refused(
    fixture_store, tmp_path
):
    import shutil

    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (tmp_path / "odd.ttl").write_text(ODD_VALUES, encoding="utf-8")
    import_files([tmp_path / "odd.ttl"], store)
    alphacel = {"focus": "alphacel", "hops": 0, "store": store}
    # JSON has no NaN or infinity: they are left out, and the file stays JSON
    cyjs = export_subgraph("cyjs", **alphacel).content.decode()
    (node,) = json.loads(cyjs, parse_constant=pytest.fail)["elements"]["nodes"]
    assert {"score", "ceiling", "floor"} & set(node["data"]) == set()
    # GraphML and GEXF write XML Schema's spellings, Neo4j's CSV Java's
    graphml = nx.read_graphml(io.BytesIO(export_subgraph("graphml", **alphacel).content))
    scores = graphml.nodes[ID + "therapy/alphacel"]
    assert (str(scores["score"]), scores["ceiling"], scores["floor"]) == (
        "nan",
        math.inf,
        -math.inf,
    )
    assert b">INF</data>" in export_subgraph("graphml", **alphacel).content
    export_subgraph("csv", tmp_path / "odd", **alphacel)
    rows = list(csv.DictReader((tmp_path / "odd-nodes.csv").open(encoding="utf-8")))
    assert [(r["score:double"], r["ceiling:double"], r["floor:double"]) for r in rows] == [
        ("NaN", "Infinity", "-Infinity")
    ]
    # XML cannot hold U+0001 at all: the XML formats refuse it, the others keep it
    betacel = {"focus": "betacel", "hops": 0, "store": store}
    for fmt in ("graphml", "gexf", "rdfxml"):
        with pytest.raises(ParameterError) as caught:
            export_subgraph(fmt, tmp_path / f"odd.{fmt}", **betacel)
        assert str(caught.value).startswith("XML cannot hold the character U+0001 in ")
        assert not (tmp_path / f"odd.{fmt}").exists()
    assert '"a\\u0001b"' in export_subgraph("nt", **betacel).content.decode()
    # an RDF/XML element name must end a property's IRI: one that ends in no name is refused
    genex = {"focus": "genex", "hops": 0, "store": store}
    with pytest.raises(ParameterError) as caught:
        export_subgraph("rdfxml", tmp_path / "genex.rdf", **genex)
    assert str(caught.value) == (
        "RDF/XML cannot write the property https://example.org/=SUM(1,2): an XML element name "
        "must end its IRI, and this one ends in no name; export to Turtle, N-Triples or JSON-LD, "
        "which can"
    )
    assert not (tmp_path / "genex.rdf").exists()
    turtle = export_subgraph("ttl", **genex).content.decode()
    assert '<https://example.org/=SUM(1,2)> "formula"' in turtle


def test_the_rdfxml_check_finds_what_xml_cannot_hold_in_any_chunk():
    # the engine hands its RDF/XML over in chunks: each is checked, also across the cut
    safe = export_module._XmlSafe()
    assert safe(b'<a:b>x\r</a:b>\n<a:c oxprefix="1">') == b'<a:b>x&#13;</a:b>\n<a:c oxprefix="1">'
    assert safe(b"\xef\xbf\xbd \t\n") == b"\xef\xbf\xbd \t\n"  # U+FFFD, a tab: XML holds them
    with pytest.raises(ParameterError) as caught:
        safe(b"ab\x1fc")
    assert str(caught.value) == (
        "XML cannot hold the character U+001F in 'ab\\x1fc': export to Turtle, N-Triples, "
        "JSON-LD, CSV or Cytoscape JSON, which can, or remove it from the data"
    )
    cut = export_module._XmlSafe()
    assert cut(b"<a:b>x\xef") == b"<a:b>x\xef"
    with pytest.raises(ParameterError) as caught:
        cut(b"\xbf\xbey</a:b>")
    assert str(caught.value).startswith("XML cannot hold the character U+FFFE in '<a:b>x\\ufffey")
    named = export_module._XmlSafe()
    named(b"<rdf:Description>\n\t\t<oxpre")
    with pytest.raises(ParameterError, match="RDF/XML cannot write the property"):
        named(b'fix: xmlns:oxprefix="https://example.org/=">x</oxprefix:>')


MINE = """@prefix ex: <https://example.org/mine#> .
<https://w3id.org/atmp-kg/id/therapy/alphacel> ex:approvalCount "nineteen" ; ex:inn "other" ;
    ex:label "my label" ; ex:class "my class" ; ex:id "my id" ; ex:first-seen "2019" ;
    ex:value "my value" ; ex:name "my name" .
"""


def test_properties_of_ones_own_that_share_a_name_get_columns_of_their_own(fixture_store, tmp_path):
    import shutil

    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (tmp_path / "mine.ttl").write_text(MINE, encoding="utf-8")
    import_files([tmp_path / "mine.ttl"], store)
    chosen = {"classes": ["atmp:Therapy"], "store": store}
    graph = nx.read_graphml(io.BytesIO(export_subgraph("graphml", **chosen).content))
    alphacel = graph.nodes[ID + "therapy/alphacel"]
    assert {k: v for k, v in alphacel.items() if k.startswith("ns1_")} == {
        "ns1_approvalCount": "nineteen",
        "ns1_inn": "other",
        "ns1_label": "my label",
        "ns1_class": "my class",
        "ns1_id": "my id",
        "ns1_value": "my value",
        "ns1_name": "my name",
    }
    assert alphacel["first_seen"] == "2019"  # a name of its own, in letters, digits and _
    # the curated columns keep their values and their types
    assert (alphacel["approvalCount"], alphacel["inn"]) == (3, "alphacabtagene autoleucel")
    assert (alphacel["label"], alphacel["class"]) == ("Alphacel", "atmp:Therapy")
    export_subgraph("csv", tmp_path / "mine", **chosen)
    header = (tmp_path / "mine-nodes.csv").read_text().splitlines()[0].split(",")
    assert "approvalCount:long" in header and "ns1_approvalCount" in header
    assert all(re.fullmatch(r"[:\w]+", name) for name in header)
    # a Cytoscape JSON node's value and name stay its IRI and label, as networkx reads them
    read = nx.cytoscape_graph(json.loads(export_subgraph("cyjs", **chosen).content))
    assert sorted(read.nodes) == sorted(graph.nodes)
    assert (
        read.nodes[ID + "therapy/alphacel"]["name"],
        read.nodes[ID + "therapy/alphacel"]["ns1_value"],
    ) == ("Alphacel", "my value")


def test_a_construct_of_derived_links_draws_them(fixture_store, tmp_path):
    asked = "CONSTRUCT { ?t atmp:firstApproval ?a } WHERE { ?t atmp:firstApproval ?a }"
    links = {
        (t.subject.value, t.object.value)
        for t in ox.parse(
            export_subgraph("nt", query=asked, store=fixture_store).content,
            format=ox.RdfFormat.N_TRIPLES,
        )
        if t.predicate.value == ATMP + "firstApproval"
    }
    assert len(links) == 3
    graph = nx.read_graphml(
        io.BytesIO(export_subgraph("graphml", query=asked, store=fixture_store).content)
    )
    first = ATMP + "firstApproval"
    assert {(u, v) for u, v, data in graph.edges(data=True) if data["property"] == first} == links
    from atmpkg.graph import view

    assert (view(query=asked, store=fixture_store).edges) == 3  # the view draws them too
    # in a selection of entities they stay left out: the approvals are drawn already
    around = nx.read_graphml(
        io.BytesIO(export_subgraph("graphml", focus="alphacel", store=fixture_store).content)
    )
    assert all(data["property"] != first for _, _, data in around.edges(data=True))


def test_a_whole_number_past_64_bits_stays_exact_as_text(tmp_path):
    integer = ox.NamedNode(XSD + "integer")
    triples = [
        ox.Triple(
            ox.NamedNode(ID + f"deal/{slug}"),
            ox.NamedNode("https://example.org/n"),
            ox.Literal(n, datatype=integer),
        )
        for slug, n in (("a", "123456789012345678901234567890"), ("b", "5"))
    ]
    content = write_triples(triples, "graphml").content
    assert b'attr.name="n" attr.type="string"' in content
    graph = nx.read_graphml(io.BytesIO(content))
    assert graph.nodes[ID + "deal/a"]["n"] == "123456789012345678901234567890"
    # within 64 bits a whole number is a long
    assert b'attr.type="long"' in write_triples(triples[1:], "graphml").content


def test_errors_write_nothing_and_keep_existing_files(fixture_store, tmp_path):
    target = tmp_path / "out.ttl"
    target.write_text("previous content\n")
    with pytest.raises(UnknownNameError, match="unknown export format 'tutle'; did you mean"):
        export_subgraph("tutle", target, store=fixture_store)
    with pytest.raises(UnknownNameError, match="unknown entity"):
        export_subgraph("ttl", target, focus="Nobody Inc", store=fixture_store)
    with pytest.raises(UnknownNameError, match="unknown entity"):
        export_subgraph(
            "ttl", tmp_path / "missing" / "out.ttl", focus="Nobody", store=fixture_store
        )
    with pytest.raises(StoreError, match="is a folder"):
        export_subgraph("ttl", tmp_path, store=fixture_store)
    with pytest.raises(ParameterError, match="give an output path"):
        export_subgraph("csv", store=fixture_store)
    with pytest.raises(EmptyResultError):
        write_triples([], "ttl", target)
    assert target.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]


def test_missing_folders_on_the_way_are_created(fixture_store, tmp_path):
    export_subgraph("csv", tmp_path / "neo4j" / "cellco", focus="cellco", store=fixture_store)
    assert sorted(p.name for p in (tmp_path / "neo4j").iterdir()) == [
        "cellco-edges.csv",
        "cellco-nodes.csv",
    ]
    with pytest.raises(EmptyResultError):
        write_triples([], "ttl", tmp_path / "a" / "b" / "out.ttl")
    assert not (tmp_path / "a").exists()  # a failed export leaves no folder it made


def test_new_files_get_ordinary_permissions(fixture_store, tmp_path):
    old = os.umask(0o022)
    try:
        export_subgraph("nt", tmp_path / "x.nt", focus="genex", store=fixture_store)
    finally:
        os.umask(old)
    assert (tmp_path / "x.nt").stat().st_mode & 0o777 == 0o644


def test_format_from_the_file_extension(fixture_store, tmp_path):
    assert export_subgraph(
        None, tmp_path / "g.gexf", focus="genex", store=fixture_store
    ).format == ("gexf")
    assert export_subgraph("Turtle", focus="genex", store=fixture_store).format == "ttl"
    with pytest.raises(ParameterError, match="cannot tell the format"):
        export_subgraph(None, tmp_path / "g.unknown", store=fixture_store)
    # a format the extension contradicts is refused before anything is written; .xml is neutral
    with pytest.raises(ParameterError) as contradicted:
        export_subgraph("graphml", tmp_path / "g.ttl", focus="genex", store=fixture_store)
    assert str(contradicted.value) == (
        "graphml does not write what the file name g.ttl says (ttl); leave the format out to "
        "write ttl, or give the file another extension"
    )
    assert export_subgraph(
        "gexf", tmp_path / "g.xml", focus="genex", store=fixture_store
    ).format == ("gexf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.gexf", "g.xml"]
    # formats a name can hold: Turtle in .owl, N-Triples in .ttl (of which it is a part)
    for fmt, name in (("ttl", "g.owl"), ("nt", "g.ttl"), ("nq", "g.trig")):
        assert (
            export_subgraph(fmt, tmp_path / name, focus="genex", store=fixture_store).format == fmt
        )
    with pytest.raises(ParameterError) as device:
        export_subgraph("csv", "/dev/stdout", focus="genex", store=fixture_store)
    assert str(device.value) == (
        "csv writes two files (nodes and edges), and /dev/stdout is no file: give a file name to "
        "start them with, or a folder"
    )
    assert not list(Path("/dev").glob("stdout-*"))
    result = run("--format", "ttl", "-o", str(tmp_path / "g.nt"), "--store", str(fixture_store))
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: ttl does not write what the file name g.nt says (nt); leave the format out to "
        "write nt, or give the file another extension\n",
    )


def test_write_triples_accepts_an_rdflib_graph(tmp_path):
    graph = to_rdflib(tricky_triples())
    result = write_triples(graph, "ttl", tmp_path / "g.ttl")
    assert isomorphic(graph, rdflib.Graph().parse(tmp_path / "g.ttl", format="turtle"))
    assert result.triples == len(graph)


# --- command line --------------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, ["export", *args])


def test_cli_export_to_stdout_and_to_a_file(fixture_store, tmp_path):
    result = run("--focus", "genex", "--format", "nt", "--store", str(fixture_store))
    assert result.exit_code == 0, result.output
    assert "<https://w3id.org/atmp-kg/id/therapy/genex> " in result.stdout
    target = tmp_path / "genex.graphml"
    result = run(
        "--focus", "genex", "--hops", "2", "-o", str(target), "--store", str(fixture_store)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"as graphml to {target}" in result.stderr
    assert nx.read_graphml(target).number_of_nodes() > 10


def test_cli_export_csv_with_sources_and_named_query(fixture_store, tmp_path):
    result = run(
        "--class",
        "atmp:Approval",
        "--with-sources",
        "--format",
        "csv",
        "-o",
        str(tmp_path / "approvals"),
        "--store",
        str(fixture_store),
    )
    assert result.exit_code == 0, result.output
    nodes = (tmp_path / "approvals-nodes.csv").read_text(encoding="utf-8")
    assert "FDA approves Alphacel" in nodes
    result = run(
        "--name", "company-portfolio", "-p", "company=cellco", "--store", str(fixture_store)
    )
    assert result.exit_code == 0, result.output
    assert "company:cellco a atmp:Company" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "Error: unknown export format 'docx'"),
        (["--focus", "Alphacell"], "Error: unknown entity 'Alphacell'"),
        (["--class", "atmp:Nothing"], "Error: unknown class 'atmp:Nothing'"),
        (["--format", "csv"], "Error: csv writes two files"),
    ],
)
def test_cli_export_errors(fixture_store, tmp_path, args, message):
    target = tmp_path / "out.ttl"
    result = run(
        *args, "--store", str(fixture_store), *([] if "csv" in args else ["-o", str(target)])
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert not target.exists() and not list(tmp_path.iterdir())


def test_an_rdf_export_of_the_whole_graph_says_that_the_ontology_is_not_in_it(fixture_store, tmp_path):
    """joints21 J21-4: the whole graph loaded alone into another server answered three named
    queries with no rows, and nothing but the README said why."""
    out = tmp_path / "all.ttl"
    result = run("-o", str(out), "--store", str(fixture_store))
    note = ontology_left_out()
    assert result.stderr == (
        f"Note: {SOURCES_LEFT_OUT}\nNote: {note}\nExported 1,501 triples as ttl to {out}\n"
    )
    ontology = Path(note.split("(it is ")[1].split("):")[0])
    assert ontology.read_bytes() == (Path(atmpkg.__file__).parent / "ontology" / "atmp.ttl").read_bytes()
    # what the note says: alone, the export answers approvals-in-period with no rows; with the
    # ontology it names, with every approval of the period
    period = {
        ox.Variable(name): ox.Literal(day, datatype=ox.NamedNode(XSD + "date"))
        for name, day in (("from", "2000-01-01"), ("to", "2030-12-31"))
    }
    text = load_named("approvals-in-period").text
    store = ox.Store()
    store.load(path=out, format=ox.RdfFormat.TURTLE)
    assert list(store.query(text, prefixes=PREFIXES, substitutions=period)) == []
    store.load(path=ontology, format=ox.RdfFormat.TURTLE)
    assert len(list(store.query(text, prefixes=PREFIXES, substitutions=period))) == 8
    # a slice, a sample of the graph and a network need no such note
    for args in (("--focus", "genex"), ("--max-nodes", "3"), ("--format", "graphml")):
        result = run(*args, "-o", str(tmp_path / "x"), "--store", str(fixture_store))
        assert ontology_left_out() not in result.stderr, args


def test_the_export_line_counts_what_the_format_holds(fixture_store, tmp_path):
    nq, xml = tmp_path / "all.nq", tmp_path / "genex.rdfxml"
    result = run("-o", str(nq), "--store", str(fixture_store))
    quads = list(ox.parse(path=nq))
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    assert (len(quads), len(triples)) == (1600, 1600)
    assert result.stderr == (
        f"Note: {ontology_left_out()}\nExported 1,600 quads (1,600 triples) as nq to {nq}\n"
    )
    result = run("--focus", "genex", "-o", str(xml), "--store", str(fixture_store))
    assert result.stderr == (
        f"Note: {SOURCES_LEFT_OUT}\nExported 168 triples as rdfxml to {xml}\n"
    )
    assert len(list(ox.parse(path=xml, format=ox.RdfFormat.RDF_XML))) == 168
    # asked for (without) or given (with), the sources need no note
    for choice, count in (("--without-sources", 168), ("--with-sources", 263)):
        result = run("--focus", "genex", choice, "-o", str(xml), "--store", str(fixture_store))
        assert result.stderr == f"Exported {count} triples as rdfxml to {xml}\n"


def test_cli_export_max_nodes(fixture_store, tmp_path):
    target = tmp_path / "hub.graphml"
    args = ["--focus", "cellco", "--hops", "2", "-o", str(target), "--store", str(fixture_store)]
    result = run(*args, "--max-nodes", "4")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Note: {HUB_NOTE}\nExported 4 nodes and 5 edges (from 105 triples) as graphml to {target}\n"
    )
    assert set(nx.read_graphml(target)) == HUB_KEPT
    assert nx.read_graphml(target).number_of_edges() == 5
    result = run(*args, "--max-nodes", "0")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Exported 18 nodes and 27 edges (from 336 triples) as graphml to {target}\n"
    )
    assert nx.read_graphml(target).number_of_nodes() == 18
    result = run("--max-nodes", "3", "--format", "nt", "--store", str(fixture_store))
    assert result.exit_code == 0, result.output
    assert "Note: The graph: showing 3 of 37 entities" in result.stderr
    assert len(result.stdout.splitlines()) == 67  # the three entities and the hubs they link to


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (
            "-1",
            1,
            "Error: max_nodes (CLI: --max-nodes) must be a whole number, 0 or more; got -1",
        ),
        ("many", 2, "Invalid value for '--max-nodes': 'many' is not a valid integer"),
    ],
)
def test_cli_export_bad_max_nodes(fixture_store, tmp_path, value, code, message):
    target = tmp_path / "x.graphml"
    result = run("--max-nodes", value, "-o", str(target), "--store", str(fixture_store))
    assert result.exit_code == code
    assert message in result.stderr
    assert not list(tmp_path.iterdir())


def test_cli_export_empty_result(fixture_store, tmp_path):
    rq = tmp_path / "none.rq"
    rq.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }")
    result = run("--file", str(rq), "-o", str(tmp_path / "x.ttl"), "--store", str(fixture_store))
    assert result.exit_code == 1
    assert "Error: the answer of query" in result.stderr and "is empty" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["none.rq"]


# -- typed network exports: numbers and booleans keep their type in every reader ---------------


def test_network_formats_declare_attribute_types(fixture_store, tmp_path):
    import igraph

    options = {
        "classes": ["atmp:Deal", "atmp:MarketFactor", "atmp:MarketEstimate"],
        "store": fixture_store,
    }
    export_subgraph("graphml", tmp_path / "n.graphml", **options)
    export_subgraph("gexf", tmp_path / "n.gexf", **options)
    deal = ID + "deal/bigpharma-cellco-2017"
    factor = ID + "factor/cost-barrier"
    for graph in (nx.read_graphml(tmp_path / "n.graphml"), nx.read_gexf(tmp_path / "n.gexf")):
        assert graph.nodes[deal]["valueUSD"] == 11_900_000_000.0
        assert graph.nodes[factor]["cagrImpactPercent"] == -1.8
        assert graph.nodes[deal]["date"] == "2017-08-28"  # a date is text as stated
    estimates = [
        d for _, d in nx.read_graphml(tmp_path / "n.graphml").nodes(data=True) if "year" in d
    ]
    assert estimates and all(isinstance(d["year"], int) for d in estimates)
    # joints20 F4: a figure's period may be a year, a month or a day: text, though all are years
    figure = ID + "figure/genex-list-price-2019"
    export_subgraph("graphml", tmp_path / "f.graphml", classes=["atmp:ProductFigure"], store=fixture_store)
    assert nx.read_graphml(tmp_path / "f.graphml").nodes[figure]["period"] == "2019"
    # an independent reader: igraph takes the types the file declares
    read = igraph.Graph.Read_GraphML(str(tmp_path / "n.graphml"))
    by_id = {v["id"]: v for v in read.vs}
    assert by_id[deal]["valueUSD"] == 11_900_000_000.0
    assert by_id[factor]["cagrImpactPercent"] == -1.8
    document = json.loads(export_subgraph("cyjs", **options).content)
    data = {n["data"]["id"]: n["data"] for n in document["elements"]["nodes"]}
    assert data[deal]["valueUSD"] == 11_900_000_000 and data[factor]["cagrImpactPercent"] == -1.8


def cytoscape_js(path: Path) -> dict:
    """What cytoscape.js (from npm, in Node.js) holds after loading the Cytoscape JSON at
    ``path``: the network's data, and each node's and edge's data as ``[typeof, value]``."""
    import subprocess

    from conftest import find_binary

    node = find_binary(("node", "nodejs"), "apt-get install nodejs npm", system=True)
    readers = Path(__file__).parent / "js"
    if not (readers / "node_modules" / "cytoscape").is_dir():
        pytest.skip(f"needs cytoscape from npm: npm install --prefix {readers}")
    done = subprocess.run(
        [node, str(readers / "read_cyjs.js"), str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _js_type(value: object) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string"}[type(value)]


@pytest.mark.parametrize(
    "options",
    [
        {"classes": ["atmp:Deal", "atmp:MarketFactor", "atmp:MarketEstimate"]},
        {"focus": "cellco", "hops": 2},
    ],
    ids=["deals-and-market", "cellco-2-hops"],
)
def test_cytoscape_js_reads_the_types_graphml_declares(fixture_store, tmp_path, options):
    export_subgraph("cyjs", tmp_path / "n.cyjs", store=fixture_store, **options)
    export_subgraph("graphml", tmp_path / "n.graphml", store=fixture_store, **options)
    held = cytoscape_js(tmp_path / "n.cyjs")
    graphml = nx.read_graphml(tmp_path / "n.graphml")
    # every node and every link arrives, each attribute with the type GraphML declares for it
    assert sorted(held["nodes"]) == sorted(graphml.nodes)
    for node, data in graphml.nodes(data=True):
        expected = {key: [_js_type(value), value] for key, value in data.items()}
        expected["id"] = expected["value"] = ["string", node]
        expected["name"] = ["string", data.get("label", node)]
        assert held["nodes"][node] == expected
    edges = {data["id"]: (u, v, data) for u, v, data in graphml.edges(data=True)}
    assert sorted(held["edges"]) == sorted(edges)
    for edge, (source, target, data) in edges.items():
        assert held["edges"][edge]["source"] == ["string", source]
        assert held["edges"][edge]["target"] == ["string", target]
        assert {k: held["edges"][edge][k][0] for k in data} == {
            k: _js_type(v) for k, v in data.items()
        }


def test_cytoscape_js_reads_the_curated_graph(curated_store, tmp_path):
    export_subgraph("cyjs", tmp_path / "all.cyjs", store=curated_store)
    document = json.loads((tmp_path / "all.cyjs").read_text(encoding="utf-8"))
    held = cytoscape_js(tmp_path / "all.cyjs")
    elements = document["elements"]
    assert (len(held["nodes"]), len(held["edges"])) == (
        len(elements["nodes"]),
        len(elements["edges"]),
    )
    kymriah = held["nodes"][ID + "therapy/kymriah"]
    assert kymriah["label"] == ["string", "Kymriah"]
    deal = held["nodes"][ID + "deal/gilead-sciences-kite-pharma-2017"]
    assert deal["valueUSD"] == ["number", 11_900_000_000]


def test_a_value_that_is_no_value_of_its_datatype_stays_text_in_a_network():
    # an import refuses such a literal; a CONSTRUCT or a remote store may still give one
    def typed(value: str, kind: str) -> ox.Literal:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + kind))

    a, b = ox.NamedNode(ID + "therapy/a"), ox.NamedNode(ID + "therapy/b")
    size, ok, n = ox.NamedNode("urn:x:size"), ox.NamedNode("urn:x:ok"), ox.NamedNode("urn:x:n")
    triples = [
        ox.Triple(a, size, typed("abc", "double")),
        ox.Triple(b, size, typed("2.5", "double")),
        ox.Triple(a, ok, typed("maybe", "boolean")),
        ox.Triple(a, n, typed("7", "integer")),
    ]
    graph = to_networkx(triples)
    attributes = {node: dict(attrs) for node, attrs in graph.nodes(data=True)}
    assert [attributes[a.value][k] for k in ("urn_x_size", "urn_x_ok", "urn_x_n")] == [
        "abc",
        "maybe",
        7,
    ]
    assert attributes[b.value]["urn_x_size"] == "2.5"


def test_blank_nodes_nested_deeper_than_a_network_writes_are_cut():
    # 300 levels (a 3 kB Turtle file) took the writer past Python's recursion limit
    p = ox.NamedNode("https://example.org/p")
    nodes = [ox.BlankNode(f"b{i}") for i in range(300)]
    triples = [ox.Triple(ox.NamedNode(ID + "therapy/a"), p, nodes[0])]
    triples += [ox.Triple(a, p, b) for a, b in itertools.pairwise(nodes)]
    triples.append(ox.Triple(nodes[-1], p, ox.Literal("deepest")))
    written = to_networkx(triples).nodes[ID + "therapy/a"]["p"]
    assert written == "p: (" * 63 + "p: (…" + ")" * 64


def test_blank_nodes_linked_from_many_places_are_written_a_bounded_number_of_times():
    # thirty nodes, each linking twice to the next: written in full, 2**30 descriptions (review 10)
    left, right = ox.NamedNode("https://example.org/l"), ox.NamedNode("https://example.org/r")
    nodes = [ox.BlankNode(f"b{i}") for i in range(31)]
    triples = [ox.Triple(ox.NamedNode(ID + "therapy/a"), left, nodes[0])]
    for a, b in itertools.pairwise(nodes):
        triples += [ox.Triple(a, left, b), ox.Triple(a, right, b)]
    written = to_networkx(triples).nodes[ID + "therapy/a"]["l"]
    # each node written is one "(" but the first, which the value itself is; the rest are "…"
    assert written.count("(") - written.count("(…") == MAX_FOLDED_NODES - 1
    assert written.count("(…)") == 25


def test_a_long_rdf_list_is_written_once_as_its_first_items_then_cut(monkeypatch):
    """sec25 M3: each cell of a list is linked to (rdf:rest), and show's and the view's texts
    wrote each one's rest, n²/2 items for n (3,000 items: 4.5 million, 40 s); a list of more
    items than MAX_FOLDED_NODES was written whole, however long. Each cell now counts toward the
    cap and a list that two entities reach is written once: one call of shorten per item."""
    first, rest, nil = (ox.NamedNode(RDF + name) for name in ("first", "rest", "nil"))
    steps = ox.NamedNode("https://example.org/steps")
    cells = [ox.BlankNode(f"c{i}") for i in range(3 * MAX_FOLDED_NODES)]
    a, b = ox.NamedNode(ID + "therapy/a"), ox.NamedNode(ID + "therapy/b")
    triples = [ox.Triple(a, steps, cells[0]), ox.Triple(b, steps, cells[0])]
    for i, (cell, after) in enumerate(itertools.zip_longest(cells, cells[1:], fillvalue=nil)):
        triples += [
            ox.Triple(cell, first, ox.NamedNode(f"{ID}therapy/t{i}")),
            ox.Triple(cell, rest, after),
        ]
    written = []

    def counted(iri: str) -> str:
        written.append(iri)
        # the work is counted, not timed: past twice the cap, the list is written twice or whole
        assert len(written) <= 2 * MAX_FOLDED_NODES, "a list written more than once, or whole"
        return shorten(iri)

    text = ", ".join(f"therapy:t{i}" for i in range(MAX_FOLDED_NODES)) + ", …"
    assert to_networkx(triples).nodes[a.value]["steps"] == text
    monkeypatch.setattr(rdf_module, "shorten", counted)
    assert fold_blank_triples(triples) == [
        ox.Triple(a, steps, ox.Literal(text)),
        ox.Triple(b, steps, ox.Literal(text)),
    ]
    assert len(written) == MAX_FOLDED_NODES


def test_show_the_view_and_a_network_write_a_long_imported_list_cut_at_the_cap(
    fixture_store, tmp_path
):
    """sec25 M3: show and the view of an entity holding a list of 10,000 items ran for minutes
    (the served page answered 503); a list of more than MAX_FOLDED_NODES items is its first
    ones, then …, in every door."""
    items = " ".join(f'"i{i}"' for i in range(MAX_FOLDED_NODES + 500))
    store = store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/ns#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
        f"therapy:genex ex:list ( {items} ) .\n",
    )
    kg = atmpkg.open(store)
    text = ", ".join(f"i{i}" for i in range(MAX_FOLDED_NODES)) + ", …"
    assert [f.value_label for f in kg.show("genex").facts if f.property_label == "list"] == [text]
    assert kg.select(focus="genex").network().nodes[ID + "therapy/genex"]["list"] == text
    data = kg.view(kg.select(focus="genex")).data
    genex = next(n for n in data["nodes"] if n["iri"] == ID + "therapy/genex")
    # the page clips the text as it clips any long value
    assert [t for p, t, _ in genex["facts"] if data["properties"][p] == "list"] == [clip(text)]


def test_a_folded_value_is_cut_at_a_budget_of_characters(monkeypatch):
    """sec26 F2: a node was written again at each link to it, with its literals: 500 links
    from one node to another holding 200,000 characters made one value of 100 MB (a 208 kB
    import), and 300 links from an entity to a node holding 1,000,000 characters 300 MB. A
    value is now its first MAX_FOLDED_CHARS characters and FOLDED_CUT, and what is past them
    is not written (nor read: two names written, not 500)."""
    a, ex = ox.NamedNode(ID + "therapy/a"), "https://example.org/"
    inner, outer, big = ox.BlankNode("inner"), ox.BlankNode("outer"), ox.BlankNode("big")
    nested = [ox.Triple(a, ox.NamedNode(ex + "link"), outer)]
    nested += [ox.Triple(outer, ox.NamedNode(f"{ex}q{i}"), inner) for i in range(500)]
    nested.append(ox.Triple(inner, ox.NamedNode(ex + "text"), ox.Literal("B" * 200_000)))
    names: list[str] = []
    monkeypatch.setattr(rdf_module, "local_name", lambda iri: names.append(iri) or local_name(iri))
    cut = "q0: (text: " + "B" * (MAX_FOLDED_CHARS - 11) + FOLDED_CUT
    assert fold_blank_triples(nested) == [ox.Triple(a, ox.NamedNode(ex + "link"), ox.Literal(cut))]
    assert names == [ex + "q0", ex + "text"]
    assert FOLDED_CUT == "… (more than 20,000 characters in all)"

    fan_in = [ox.Triple(a, ox.NamedNode(f"{ex}p{i}"), big) for i in range(300)]
    fan_in.append(ox.Triple(big, ox.NamedNode(ex + "text"), ox.Literal("A" * 1_000_000)))
    cut = "text: " + "A" * (MAX_FOLDED_CHARS - 6) + FOLDED_CUT
    folded = fold_blank_triples(fan_in)
    assert [t.object.value for t in folded] == [cut] * 300
    assert sum(len(t.object.value) for t in folded) == 300 * 20_038
    assert to_networkx(fan_in).nodes[a.value]["p299"] == cut

    # a value of MAX_FOLDED_CHARS characters is whole; one more, and it is cut
    for size, value in [(20_000, "x" * 19_994), (20_001, "x" * 19_994 + FOLDED_CUT)]:
        one = [ox.Triple(a, ox.NamedNode(ex + "p"), big)]
        one.append(ox.Triple(big, ox.NamedNode(ex + "text"), ox.Literal("x" * (size - 6))))
        assert fold_blank_triples(one)[0].object.value == "text: " + value


def test_every_door_cuts_a_long_blank_node_alike_and_rdf_keeps_it_whole(fixture_store, tmp_path):
    """sec26 F2: show, a network, its Neo4j CSV and the view write a blank node linked three
    times, holding 30,000 characters, cut at MAX_FOLDED_CHARS at each link; an RDF export
    holds the literal whole, once."""
    store = store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/ns#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
        f'_:long ex:text "{"L" * 30_000}" .\n'
        "therapy:genex ex:p0 _:long ; ex:p1 _:long ; ex:p2 _:long .\n",
    )
    kg = atmpkg.open(store)
    text = "text: " + "L" * (MAX_FOLDED_CHARS - 6) + FOLDED_CUT
    shown = {f.property_label: f.value_label for f in kg.show("genex").facts}
    assert [shown[p] for p in ("p0", "p1", "p2")] == [text] * 3
    genex = kg.select(focus="genex")
    assert [genex.network().nodes[ID + "therapy/genex"][p] for p in ("p0", "p1", "p2")] == [text] * 3
    nodes, _ = network_read_back(genex, "csv", tmp_path)
    assert [nodes["therapy:genex"][f"p{i}"] for i in range(3)] == [text] * 3
    data = kg.view(genex).data
    node = next(n for n in data["nodes"] if n["iri"] == ID + "therapy/genex")
    facts = [t for p, t, _ in node["facts"] if data["properties"][p] in ("p0", "p1", "p2")]
    assert facts == ["text: " + "L" * 1_994 + "… (more than 20,000 characters in all)"] * 3
    turtle = genex.export("ttl").content.decode()
    assert turtle.count("L" * 30_000) == 1 and "L" * 30_001 not in turtle


def test_neo4j_csv_headers_carry_types_and_numbers_are_not_guarded(fixture_store, tmp_path):
    export_subgraph("csv", tmp_path / "n.csv", classes=["atmp:MarketFactor"], store=fixture_store)
    nodes = list(csv.reader((tmp_path / "n-nodes.csv").read_text(encoding="utf-8").splitlines()))
    header = nodes[0]
    assert "cagrImpactPercent:double" in header
    column = header.index("cagrImpactPercent:double")
    cost = next(row for row in nodes if row[0] == ID + "factor/cost-barrier")
    assert cost[column] == "-1.8"


# --- the whole graph, read from the engine's dump ------------------------------------------------


@pytest.mark.parametrize("with_sources", [False, True])
def test_the_whole_graph_is_the_selection_in_canonical_order(fixture_store, with_sources):
    content = export_subgraph("nt", with_sources=with_sources, store=fixture_store).content
    triples = select_subgraph(with_sources=with_sources, store=fixture_store)
    assert content == "".join(f"{t} .\n" for t in triples).encode()
    assert content.splitlines() == sorted(content.splitlines())  # as LC_ALL=C sort orders them


@pytest.mark.parametrize("with_sources", [False, True])
def test_the_whole_graph_keeps_the_retired_iris_whichever_way_it_is_read(curated_store, with_sources):
    """joints22 J22-1: the entity-by-entity read (a remote store, a cap that caps nothing,
    Python's triples()) left out the 110 retired IRIs' pointers that the engine's dump kept."""
    dumped = export_subgraph("nt", with_sources=with_sources, store=curated_store).content
    read = select_subgraph(with_sources=with_sources, store=curated_store)
    capped = export_subgraph("nt", with_sources=with_sources, max_nodes=10**6, store=curated_store)
    assert dumped == "".join(f"{t} .\n" for t in read).encode() == capped.content
    retired = {t.subject for t in read if t.predicate.value == DCT + "isReplacedBy"}
    assert len(retired) == (110 if with_sources else 87)
    # a network draws no retired IRI, whichever way it is read
    dump = export_subgraph("graphml", max_nodes=0, with_sources=with_sources, store=curated_store)
    entities = export_subgraph("graphml", max_nodes=10**6, with_sources=with_sources, store=curated_store)
    network = atmpkg.open(curated_store).select(with_sources=with_sources).network()
    assert not {r.value for r in retired} & set(network)
    assert dump.nodes == entities.nodes == network.number_of_nodes()
    assert dump.edges == entities.edges == network.number_of_edges()


def test_the_whole_graph_keeps_what_an_import_says_of_iris_of_its_own(fixture_store, tmp_path):
    """newuser22 F3: the README's own import (ex:t1, in a namespace of its own) was left out of
    every export of the whole graph, without a word. It is data, not nodes: a network draws
    neither it nor the blank node only it reaches."""
    mine = tmp_path / "my-trials.ttl"
    mine.write_text(
        f"@prefix ex: <https://example.org/trial/> . @prefix rdfs: <{RDFS}> .\n"
        f'ex:t1 rdfs:label "Trial one" ; ex:tests <{ID}therapy/alphacel> ; ex:arm [ ex:size 60 ] .\n'
    )
    store = tmp_path / "store"
    build(store, data_dir=FIXTURE_DATA, extra_files=[mine])
    for with_sources in (False, True):
        before = export_subgraph("nt", with_sources=with_sources, store=fixture_store).content
        for cap in (0, 10**6):  # the engine's dump, and entity by entity
            now = export_subgraph("nt", with_sources=with_sources, max_nodes=cap, store=store)
            expected = rdflib.Graph().parse(data=before.decode() + mine.read_text(), format="turtle")
            assert isomorphic(rdflib.Graph().parse(data=now.content, format="nt"), expected)
            network = export_subgraph("graphml", with_sources=with_sources, max_nodes=cap, store=store)
            alone = export_subgraph("graphml", with_sources=with_sources, max_nodes=cap, store=fixture_store)
            assert (network.nodes, network.edges) == (alone.nodes, alone.edges)
            assert b"example.org" not in network.content and b'id="_:' not in network.content


def test_the_whole_graph_in_n_quads_keeps_provenance_as_a_slice_does(fixture_store):
    content = export_subgraph("nq", store=fixture_store).content
    triples = select_subgraph(with_sources=True, store=fixture_store)
    assert content == ox.serialize(provenance_quads(triples), format=ox.RdfFormat.N_QUADS)


def _hand_store() -> ox.Store:
    """Two entities, a source one of them cites, a blank-node list one reaches, a blank node
    nothing points to, a link to an IRI no entity has, a date precision and an ontology term."""
    store = ox.Store()
    text = f"""
    @prefix atmp: <{ATMP}> . @prefix dct: <{DCT}> .
    @prefix rdfs: <{RDFS}> . @prefix xsd: <{XSD}> .
    <{ID}therapy/b-2> a atmp:Therapy ; rdfs:label "B2"@en ; atmp:developedBy <{ID}company/a> ;
        dct:source <{ID}source/s> ; atmp:codeNames ( "x" "y" ) ; atmp:target <{ID}target/gone> .
    <{ID}company/a> a atmp:Company ; atmp:date "2020-01-01"^^xsd:date ;
        atmp:datePrecision <{ID}date-precision/day> .
    <{ID}source/s> a atmp:Source ; rdfs:label "S" .
    <{ID}date-precision/day> rdfs:label "day" .
    atmp:Therapy rdfs:label "therapy"@en .
    [] rdfs:comment "loose" .
    """
    store.load(text.encode(), ox.RdfFormat.TURTLE)
    return store


def test_whole_graph_keeps_what_a_slice_of_every_entity_keeps():
    store = _hand_store()
    lines = [line.decode() for line in whole_graph(store, with_sources=False).lines]
    items = {
        q.object.value: q.subject
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "first"), None)
    }
    first, second = items["x"], items["y"]
    loose = next(store.quads_for_pattern(None, ox.NamedNode(RDFS + "comment"), None)).subject
    a, b = f"<{ID}company/a>", f"<{ID}therapy/b-2>"
    nil = f"<{RDF}nil>"
    expected = [
        f'{a} <{ATMP}date> "2020-01-01"^^<{XSD}date> .\n',
        f"{a} <{ATMP}datePrecision> <{ID}date-precision/day> .\n",
        f"{a} <{RDF}type> <{ATMP}Company> .\n",
        f"{b} <{ATMP}codeNames> {first} .\n",
        f"{b} <{ATMP}developedBy> {a} .\n",
        f"{b} <{RDF}type> <{ATMP}Therapy> .\n",
        f'{b} <{RDFS}label> "B2"@en .\n',
        f'{first} <{RDF}first> "x" .\n',
        f"{first} <{RDF}rest> {second} .\n",
        f'{second} <{RDF}first> "y" .\n',
        f"{second} <{RDF}rest> {nil} .\n",
        f'{loose} <{RDFS}comment> "loose" .\n',
    ]
    assert lines == sorted(expected)
    cited = [line.decode() for line in whole_graph(store, with_sources=True).lines]
    assert sorted(set(cited) - set(lines)) == sorted(
        [
            f"{b} <{DCT}source> <{ID}source/s> .\n",
            f"<{ID}source/s> <{RDF}type> <{ATMP}Source> .\n",
            f'<{ID}source/s> <{RDFS}label> "S" .\n',
        ]
    )


def _jsonld_both_ways(store: ox.Store, with_sources: bool) -> tuple[bytes, bytes]:
    """The whole graph of ``store`` as JSON-LD written from the dump's lines, and written from
    the same slice's parsed triples as any other slice is."""
    dumped = whole_graph(store, with_sources=with_sources)
    from_lines, from_triples = io.BytesIO(), io.BytesIO()
    export_module._write_jsonld(dumped.slice(), [from_lines])
    parsed = dumped.slice()
    parsed.whole = None
    export_module._write_jsonld(parsed, [from_triples])
    return from_lines.getvalue(), from_triples.getvalue()


#: Every ASCII control character, quotes, backslashes (one before a "u"), and text beyond ASCII.
AWKWARD = "".join(map(chr, range(32))) + '\x7f "q" \\ \\u0041 é ☃ 𝄞 \u2028'


def test_whole_graph_json_ld_from_lines_is_what_the_triples_give():
    store = _hand_store()
    t, comment = ox.NamedNode(ID + "therapy/b-2"), ox.NamedNode(RDFS + "comment")
    odd = ox.NamedNode("http://example.org/a.")  # no prefixed name: a local name ends with "."
    for literal in (
        ox.Literal(AWKWARD),
        ox.Literal(AWKWARD, language="en-gb"),
        ox.Literal("5", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("x", datatype=odd),
        next(ox.parse(b'<urn:s> <urn:p> "abc"@ar--rtl .', ox.RdfFormat.N_TRIPLES)).object,
    ):
        store.add(ox.Quad(t, comment, literal))
    store.add(ox.Quad(t, ox.NamedNode(RDF + "type"), ox.Literal("not a class")))
    store.add(ox.Quad(t, ox.NamedNode(RDF + "type"), ox.BlankNode("kind")))
    store.add(ox.Quad(ox.BlankNode("kind"), comment, ox.Literal("b")))
    store.add(ox.Quad(t, ox.NamedNode(ATMP + "seeAlso"), odd))
    for with_sources in (False, True):
        from_lines, from_triples = _jsonld_both_ways(store, with_sources)
        assert from_lines == from_triples
    document = json.loads(from_lines)
    (therapy,) = [n for n in document["@graph"] if n["@id"] == "therapy:b-2"]
    assert therapy["@type"] == ["atmp:Therapy"]
    assert therapy["rdf:type"][0] == "not a class" and therapy["rdf:type"][1]["@id"][:2] == "_:"
    assert AWKWARD in therapy["rdfs:comment"]
    assert {"@value": AWKWARD, "@language": "en-gb"} in therapy["rdfs:comment"]
    assert {"@value": "x", "@type": "http://example.org/a."} in therapy["rdfs:comment"]
    assert {"@value": "5", "@type": "xsd:integer"} in therapy["rdfs:comment"]
    assert {"@value": "abc", "@language": "ar", "@direction": "rtl"} in therapy["rdfs:comment"]


@pytest.mark.parametrize("with_sources", [False, True])
def test_curated_json_ld_from_lines_is_what_the_triples_give(curated_store, with_sources):
    from atmpkg.graph.store.build import open_store

    from_lines, from_triples = _jsonld_both_ways(open_store(curated_store).store, with_sources)
    assert from_lines == from_triples
    assert len(json.loads(from_lines)["@graph"]) > 1000


def test_whole_graph_facts_from_lines_are_what_the_engine_parses():
    """The facts a whole-graph network reads from the dump's lines, against the engine's parse of
    the same lines: awkward text, languages, a base direction, datatypes, blank nodes."""
    store = _hand_store()
    t, comment = ox.NamedNode(ID + "therapy/b-2"), ox.NamedNode(RDFS + "comment")
    for literal in (
        ox.Literal(AWKWARD),
        ox.Literal(AWKWARD, language="en-gb"),
        ox.Literal("5", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("x", datatype=ox.NamedNode("http://example.org/a.")),
        next(ox.parse(b'<urn:s> <urn:p> "abc"@ar--rtl .', ox.RdfFormat.N_TRIPLES)).object,
    ):
        store.add(ox.Quad(t, comment, literal))
    store.add(ox.Quad(t, ox.NamedNode(ATMP + "seeAlso"), ox.BlankNode("kind")))
    for with_sources in (False, True):
        dumped = whole_graph(store, with_sources=with_sources)
        parsed = dumped.slice()
        parsed.whole = None
        expected = list(term_facts(parsed))
        assert list(dumped.facts()) == expected
    assert (t.value, comment.value, "literal", AWKWARD, "en-gb", RDF + "langString") in expected
    assert (t.value, comment.value, "literal", "abc", "ar", RDF + "dirLangString") in expected


@pytest.mark.parametrize("collecting", [True, False])
def test_an_export_holds_off_cycle_collection_and_gives_it_back(
    fixture_store, monkeypatch, collecting
):
    """While an export runs, the cycle collector is held off (it took a third of a whole-graph
    export's time); afterwards it is as it was, also when the export fails."""
    import gc

    seen = []

    def writer(piece, handles):
        seen.append(gc.isenabled())
        raise OSError("disk full")

    monkeypatch.setitem(export_module.WRITERS, "nt", writer)
    (gc.enable if collecting else gc.disable)()
    try:
        with pytest.raises(OSError, match="disk full"):
            export_subgraph("nt", store=fixture_store)
        with pytest.raises(OSError, match="disk full"):
            write_triples(select_subgraph(store=fixture_store, focus="cellco"), "nt")
        assert (seen, gc.isenabled()) == ([False, False], collecting)
    finally:
        gc.enable()


def _network_rows(network: nx.MultiDiGraph) -> tuple[list, list, dict]:
    return list(network.nodes(data=True)), list(network.edges(keys=True, data=True)), network.graph


@pytest.mark.parametrize(
    ("with_sources", "through"), [(False, ()), (True, ()), (False, ("atmp:Country",))]
)
def test_whole_graph_network_from_lines_is_the_one_read_entity_by_entity(
    curated_store, monkeypatch, with_sources, through
):
    """An uncapped network of the whole graph is read from the engine's dump, and is the network
    read entity by entity, node for node and edge for edge, in the same order."""
    options = {"with_sources": with_sources, "through": through, "store": curated_store}
    dumps = []
    monkeypatch.setattr(
        importlib.import_module("atmpkg.graph.slice.whole"),
        "whole_graph",
        lambda *args: dumps.append(args) or whole_graph(*args),
    )
    from_lines = export_subgraph("graphml", max_nodes=0, **options).content
    assert len(dumps) == 1
    piece = select_slice(max_nodes=0, **options)
    network = export_module._network(piece)
    assert from_lines == "".join(export_module.graphml_lines(network)).encode()
    dumped = whole_graph(dumps[0][0], with_sources)
    whole = dumped.slice()
    whole.hubs = piece.hubs
    assert _network_rows(export_module._network(whole)) == _network_rows(network)
    assert network.number_of_nodes() > 600 and network.number_of_edges() > 1000
    countries = [n for n, c in network.nodes(data="class") if c == "atmp:Country"]
    assert len(countries) == (61 if through else 0)  # geography.csv: 61 countries
    # a date's precision reads as the view's side panel gives it: its label
    canada = network.nodes[ID + "approval/kymriah-health-canada-2018-09-large-b-cell-lymphoma"]
    assert (canada["date"], canada["datePrecision"]) == ("2018-09", "month")


def test_graphml_reads_back_as_networkx_s_own_writer_s(fixture_store, tmp_path):
    """The streaming GraphML writer against networkx's: the same network read back."""
    piece = select_slice(with_sources=True, store=fixture_store, max_nodes=0)
    network = export_module._network(piece)
    ours, theirs = tmp_path / "ours.graphml", tmp_path / "theirs.graphml"
    ours.write_text("".join(export_module.graphml_lines(network)), encoding="utf-8")
    nx.write_graphml(network, theirs, edge_id_from_attribute="id")
    mine, reference = nx.read_graphml(ours), nx.read_graphml(theirs)
    assert dict(mine.nodes(data=True)) == dict(reference.nodes(data=True))
    assert sorted(mine.edges(data="id")) == sorted(reference.edges(data="id"))
    assert list(mine.edges(data=True)) == list(reference.edges(data=True))
    assert mine.graph == reference.graph
    # text that XML parsers would change comes back as written (networkx's writer loses "\r")
    awkward = 'a "quoted" <b> & line\r\nbreak\tand tab'
    network.nodes[ID + "company/cellco"]["note"] = awkward
    ours.write_text("".join(export_module.graphml_lines(network)), encoding="utf-8")
    assert nx.read_graphml(ours).nodes[ID + "company/cellco"]["note"] == awkward


@pytest.mark.parametrize("max_nodes", [0, 11])
def test_gexf_reads_back_as_networkx_s_own_writer_s(fixture_store, tmp_path, max_nodes):
    """The streaming GEXF writer against networkx's: the same network read back, and a cap's
    note in the meta's description; each edge's key is its id, as in GraphML, since networkx's
    networkx_key attribute, which Gephi showed as an edge column no other format has, is left
    out (joints31 F6)."""
    from networkx.readwrite.gexf import GEXFWriter

    piece = select_slice(
        with_sources=True, focus="cellco", hops=3, store=fixture_store, max_nodes=max_nodes
    )
    network = export_module._network(piece)
    network.nodes[ID + "company/cellco"]["note"] = 'a "quoted" <b> & line\r\nbreak\tand tab'
    network.nodes[ID + "company/cellco"]["growth"] = float("-inf")
    ours, theirs = tmp_path / "ours.gexf", tmp_path / "theirs.gexf"
    note = piece.sample.note if piece.sample else None
    ours.write_text("".join(export_module.gexf_lines(network, note)), encoding="utf-8")
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph(network)
    with theirs.open("wb") as handle:
        writer.write(handle)
    mine, reference = nx.read_gexf(ours), nx.read_gexf(theirs)
    assert list(mine.nodes(data=True)) == list(reference.nodes(data=True))
    assert type(mine) is type(reference)
    assert list(mine.edges(data=True)) == list(reference.edges(data=True))
    assert mine.nodes[ID + "company/cellco"]["growth"] == float("-inf")
    namespace = {"g": "http://www.gexf.net/1.2draft"}
    root = ET.parse(ours).getroot()
    declared = root.findall(".//g:attributes[@class='edge']/g:attribute", namespace)
    assert [attribute.get("title") for attribute in declared] == ["property"]
    edges = root.findall(".//g:edge", namespace)
    assert [edge.get("id") for edge in edges] == [f"e{n}" for n in range(len(edges))]
    meta = root.find("g:meta", namespace)
    described = meta.find("g:description", namespace)
    assert (described is None, meta.find("g:creator", namespace).text) == (
        max_nodes == 0,
        f"atmpkg {VERSION}",
    )
    if max_nodes:
        assert described.text == piece.sample.note
        assert piece.sample.kept == 11


def test_a_whole_graph_export_that_cannot_dump_says_why_and_writes_nothing(
    fixture_store, tmp_path, monkeypatch
):
    import tempfile

    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    target = tmp_path / "all.nt"
    with pytest.raises(StoreError) as raised:
        export_subgraph("nt", target, store=fixture_store)
    assert str(raised.value).startswith("cannot dump the store to read the whole graph: ")
    assert str(raised.value).endswith(f"in {not_a_folder} (set TMPDIR to a folder with room)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_sigterm_during_a_whole_graph_export_removes_its_temporary_dump(curated_store, tmp_path):
    """A whole-graph export works from a dump of the store in a temporary folder; ``timeout``,
    ``kill`` or a job scheduler ending the command (SIGTERM) must not leave it behind."""
    import signal
    import subprocess
    import sys
    import time

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "atmpkg.cli", "export", "--format", "nt"]
    # stdout is a pipe nobody reads: the export blocks on it with the dump still in place
    process = subprocess.Popen(
        [*command, "--store", str(curated_store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not list(scratch.glob("atmpkg-dump-*")):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    process.stdout.close()
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert process.stderr.read().decode() == "Error: terminated\n"
    assert list(scratch.iterdir()) == []


def test_neo4j_names_keep_apart_what_shares_a_local_name(tmp_path):
    """An imported ``ex:developedBy`` would merge with ``atmp:developedBy`` as one relationship
    type, and ``ex:Company`` with ``atmp:Company`` as one label: the ontology's term keeps the
    local name, the other its IRI."""
    ex = "http://example.org/"
    store = ox.Store()
    store.load(
        f"""@prefix atmp: <{ATMP}> . @prefix ex: <{ex}> .
        <{ID}therapy/t> atmp:developedBy <{ID}company/a> ; ex:developedBy <{ID}company/b> ;
            ex:target <{ID}target/c> .
        <{ID}company/a> a atmp:Company . <{ID}company/b> a ex:Company , atmp:Company .
        """.encode(),
        ox.RdfFormat.TURTLE,
    )
    nodes, edges = export_module.network_tables(
        to_networkx(store.quads_for_pattern(None, None, None))
    )
    assert sorted(row[2] for row in nodes[1:]) == [
        "",
        "",
        "Company",
        "http://example.org/Company;Company",
    ]
    assert sorted(row[2] for row in edges[1:]) == [
        "developedBy",
        "http://example.org/developedBy",
        "target",
    ]


def test_a_signal_between_making_a_temporary_file_and_noting_it_leaves_nothing(
    fixture_store, tmp_path, monkeypatch
):
    """SIGTERM or Ctrl-C raised right after the temporary file is made, before the export notes
    it for cleanup (once in about 30 runs of a CSV export): the file still goes."""
    made = export_module._temporary

    def interrupted(target):
        made(target)
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "_temporary", interrupted)
    (tmp_path / "o-nodes.csv").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        export_subgraph("csv", tmp_path / "o", focus="cellco", store=fixture_store)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o-nodes.csv"]
    assert (tmp_path / "o-nodes.csv").read_text() == "old"


@pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a file to another user takes root (CI runs as root)"
)
def test_leftovers_of_another_user_in_a_shared_folder_are_left_alone(tmp_path):
    """sec15 F1: in a sticky folder (/tmp) a file another user named like an export's leftover
    made every -o there fail, and root's export moved that user's file over root's own."""
    tmp_path.chmod(0o1777)
    notes = tmp_path / "notes.txt"
    notes.write_text("root's own")
    notes.chmod(0o600)
    theirs = tmp_path / ".notes.txt.atmpkg-1-b.tmp"
    theirs.write_text("theirs")
    record = tmp_path / ".z.atmpkg-999999999-a.commit"
    record.write_text('[[".notes.txt.atmpkg-1-b.tmp", "notes.txt"]]')
    left = tmp_path / ".x.atmpkg-999999999-a.tmp"
    left.write_text("theirs")
    for planted in (theirs, record, left):
        os.chown(planted, 12345, 12345)
    (tmp_path / ".y.atmpkg-999999999-a.tmp").symlink_to(notes)
    with export_module.atomic_files([tmp_path / "b.ttl"]) as (handle,):
        handle.write(b"mine")
    assert (tmp_path / "b.ttl").read_text() == "mine"
    assert (notes.read_text(), notes.stat().st_uid) == ("root's own", 0)
    assert all(p.exists() for p in (theirs, record, left, tmp_path / ".y.atmpkg-999999999-a.tmp"))


def test_a_whole_graph_read_removes_the_dumps_of_killed_reads(fixture_store, tmp_path, monkeypatch):
    # a read killed by SIGKILL (the out-of-memory killer) leaves its dump, 100 MB at 1M triples
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    killed = tmp_path / "atmpkg-dump-999999999-abc123"
    running = tmp_path / f"atmpkg-dump-{os.getpid()}-def456"
    other = tmp_path / "atmpkg-dump-notes"
    for folder in (killed, running, other):
        folder.mkdir()
        (folder / "dump.nt").write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    export_subgraph("nt", tmp_path / "all.nt", store=fixture_store)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["all.nt", running.name, other.name]
    )


def test_export_to_a_folder_names_the_folder_before_asking_for_a_format(fixture_store, tmp_path):
    result = run("--focus", "alphacel", "-o", str(tmp_path), "--store", str(fixture_store))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: cannot write {tmp_path}: it is a folder; give a file name (csv alone writes into "
        "a folder: --format csv, format='csv')\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_path_ending_in_a_slash_is_a_folder_made_for_csv_and_refused_for_a_file(
    fixture_store, tmp_path
):
    """newuser24 F4: 'out/' wrote out-nodes.csv beside a folder that did not exist yet, where an
    existing one got nodes.csv in it; another format wrote a file named out."""
    made = export_subgraph("csv", f"{tmp_path}/out/", store=fixture_store, focus="genex")
    assert made.paths == [tmp_path / "out" / "nodes.csv", tmp_path / "out" / "edges.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["edges.csv", "nodes.csv"]
    folder = f"cannot write {tmp_path}/other/: it is a folder; give a file name"
    for fmt, said in (
        ("graphml", folder),
        (None, f"{folder} (csv alone writes into a folder: --format csv, format='csv')"),
    ):
        with pytest.raises(StoreError) as caught:
            export_subgraph(fmt, f"{tmp_path}/other/", store=fixture_store, focus="genex")
        assert str(caught.value) == said, fmt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("selection", [{"focus": "genex", "hops": 1}, {}], ids=["focus", "whole"])
def test_a_selections_triples_are_what_its_rdf_export_writes(round_trip, selection):
    """Session 22 left alone: kg.select().triples() left out the blank nodes an entity reaches
    (RDF lists, nested descriptions), which the RDF export of the same selection writes."""
    store, _, _ = round_trip
    kg = atmpkg.open(store)
    written = export_subgraph("nt", store=store, **selection).content
    triples = kg.select(**selection).triples()
    assert {type(t) for t in triples} == {ox.Triple}  # rev23 4: the whole graph's were quads
    assert isomorphic(to_rdflib(triples), reimport(written, "nt")[0])
    assert len(triples) == written.count(b"\n")


#: The links the fixture's slice of companies and deals leaves out, as the command line says it.
OUTSIDE_DEALS = (
    "13 links to entities outside the slice of atmp:Company, atmp:Deal are left out (8 "
    "atmp:sponsor from atmp:Approval, 3 atmp:developedBy from atmp:Therapy, 1 atmp:about from "
    "atmp:Development, 1 atmp:dealTarget to atmp:Therapy); to draw them, add their classes: "
    "--class atmp:Approval --class atmp:Development --class atmp:Therapy"
)


def test_a_network_of_classes_says_which_links_to_other_classes_it_leaves_out(
    fixture_store, tmp_path
):
    """newuser30 F2: the README's deal network (--class atmp:Company --class atmp:Deal) left the
    deals whose target is a product without it, and so without their licensor, without a word;
    the note counts the links to entities of other classes by property, as a network draws them
    (an inverse pair once: therapy developedBy company, not company develops therapy), hubs and
    sources never, and names the classes that bring them in."""
    store = ["--store", str(fixture_store)]
    out = tmp_path / "deals.gexf"
    args = ["export", "--class", "atmp:Company", "--class", "atmp:Deal", "-o", str(out)]
    done = CliRunner().invoke(cli, [*args, *store])
    assert done.exit_code == 0, done.output
    assert done.stderr == (
        f"Note: {OUTSIDE_DEALS}\nExported 9 nodes and 9 edges (from 125 triples) as gexf to {out}\n"
    )
    kg = atmpkg.open(fixture_store)
    python = (
        " (Python: classes=['atmp:Company', 'atmp:Deal', 'atmp:Approval', 'atmp:Development', "
        "'atmp:Therapy'])"
    )
    exported = kg.export("gexf", None, classes=["atmp:Company", "atmp:Deal"])
    assert exported.notes == [OUTSIDE_DEALS + python]
    # a view says it too, on the page and in Python, where expanding an entity draws them
    view = kg.view(classes=["atmp:Company", "atmp:Deal"], output=tmp_path / "deals.html")
    assert view.warnings == [f"{OUTSIDE_DEALS}{python}, or expand an entity on the page"]
    shown = CliRunner().invoke(
        cli, ["view", *args[1:5], "-o", str(tmp_path / "cli.html"), *store]
    )
    assert shown.stderr.startswith(f"Note: {OUTSIDE_DEALS}, or expand an entity on the page\n")
    # a cap's note counts the links to the entities of the classes it leaves out, this one the
    # others; the added class's links are drawn and no more counted
    capped = kg.export("gexf", None, classes=["atmp:Company", "atmp:Deal"], max_nodes=3).notes
    assert capped[0].startswith(
        "12 links to entities outside the slice of atmp:Company, atmp:Deal are left out (8 "
        "atmp:sponsor from atmp:Approval, 3 atmp:developedBy from atmp:Therapy, 1 atmp:about "
        "from atmp:Development); "
    )
    assert capped[1].startswith("The graph in class atmp:Company, atmp:Deal: showing 3 of 9")
    wider = kg.export("graphml", None, classes=["atmp:Company", "atmp:Deal", "atmp:Therapy"])
    assert not any("atmp:dealTarget" in note for note in wider.notes)
    # every class of the graph's entities: nothing is left out
    every = {shorten(c) for c in kg.stats().classes} - {"atmp:Source"}
    assert kg.export("cyjs", None, classes=sorted(every)).notes == []
    # a neighbourhood, a query's answer and an RDF slice have no such note
    for fmt, selection in (
        ("gexf", {"focus": "cellco", "classes": ["atmp:Company", "atmp:Deal"]}),
        ("gexf", {"name": "deals-above-value"}),
        ("ttl", {"classes": ["atmp:Company", "atmp:Deal"]}),
    ):
        notes = kg.export(fmt, None, **selection).notes
        assert not any("outside the slice" in note for note in notes), selection


class _Reads:
    """A store that keeps the pattern of each read it is asked for."""

    def __init__(self, store: ox.Store):
        self.store, self.patterns = store, []

    def quads_for_pattern(self, *pattern):
        self.patterns.append(pattern)
        return self.store.quads_for_pattern(*pattern)


def test_a_class_slices_note_and_side_panel_read_none_of_its_entities_links_again(
    fixture_store, tmp_path
):
    """Session 30 left alone: once the slice had read the links of each entity of a class slice,
    its note on the links to other classes (links_outside) and the view's side panel of the
    links from one's own namespace (linked_from_outside) read them all again, a fifth of a class
    export's time. The slice keeps what reading them saw (Slice.walk): the note reads the
    classes of the entities at the other ends alone, the panel what the slice did not read (a
    source)."""
    mine = "https://example.org/mine#"
    turtle = (
        f"@prefix ex: <{mine}> .\n@prefix id: <{ID}> .\n"
        "ex:trial-1 ex:sponsoredBy id:company\\/cellco ; ex:cites id:source\\/src-news .\n"
    )
    kg = atmpkg.open(store_with_import(fixture_store, tmp_path, turtle))
    chosen = kg.select(classes=["atmp:Company", "atmp:Deal"])
    piece = network_slice(chosen.with_defaults(with_sources=True, max_nodes=0))
    entities = {s.value for s in piece.subjects if is_node(s)} - piece.hubs
    reads = _Reads(kg._current().store)
    assert links_outside(piece, reads) == {
        ("atmp:sponsor", "from", "atmp:Approval"): 8,
        ("atmp:developedBy", "from", "atmp:Therapy"): 3,
        ("atmp:about", "from", "atmp:Development"): 1,
        ("atmp:dealTarget", "to", "atmp:Therapy"): 1,
    }
    assert {p for _, p, _ in reads.patterns} == {ox.NamedNode(RDF + "type")}
    assert not {s.value for s, _, _ in reads.patterns} & piece.walk.read
    cellco, news = ID + "company/cellco", ID + "source/src-news"
    assert cellco in piece.walk.read and news in entities - piece.walk.read
    reads.patterns.clear()
    assert piece.walk.linked_from_outside([cellco, news], reads) == {
        cellco: [(f"{mine}sponsoredBy", f"{mine}trial-1")],
        news: [(f"{mine}cites", f"{mine}trial-1")],
    }
    assert reads.patterns == [(None, None, ox.NamedNode(news))]


def test_the_readmes_deal_network_holds_every_deals_target(curated_store, tmp_path):
    """newuser30 F2: the README's example left 37 of the 101 deals without their target."""
    out = tmp_path / "deals.gexf"
    args = ["export", "--class", "atmp:Company", "--class", "atmp:Deal", "--class", "atmp:Therapy"]
    done = CliRunner().invoke(cli, [*args, "-o", str(out), "--store", str(curated_store)])
    assert done.exit_code == 0, done.output
    network = nx.read_gexf(out)
    deals = [n for n, data in network.nodes(data=True) if data["class"] == "atmp:Deal"]
    targets = {
        n: [v for _, v, data in network.out_edges(n, data=True) if data["label"] == "deal target"]
        for n in deals
    }
    assert len(deals) == 101 and all(targets.values())
    # the note still names what lies beyond (approvals, claims…), never a deal's target
    note = next(line for line in done.stderr.splitlines() if "outside the slice" in line)
    assert note.startswith(
        "Note: 711 links to entities outside the slice of atmp:Company, atmp:Deal, atmp:Therapy "
        "are left out (250 atmp:product from atmp:Approval, 235 atmp:sponsor from atmp:Approval, "
    )
    assert "dealTarget" not in note


def test_through_takes_a_concept_scheme_and_says_what_it_takes_in_every_door(fixture_store, tmp_path):
    """joints31 F7: --through atmp:Modality was told "unknown class; did you mean atmp:Deal …",
    and the working skos:Concept was written nowhere. Concept values are skos:Concepts in a
    scheme: --through takes the scheme (its concepts alone) or skos:Concept (every scheme's),
    and a class-like name of a scheme is offered the scheme, with the list of what it takes."""
    from atmpkg.graph.errors import ParameterError

    schemes = (
        "scheme:act-application, scheme:act-product, scheme:approval-type, scheme:atmp-application, "
        "scheme:atmp-cell-source, scheme:atmp-end-user, scheme:atmp-manufacturing-platform, "
        "scheme:atmp-therapy-type, scheme:atmp-vector-type, scheme:cell-source, scheme:claim-status, "
        "scheme:date-precision, scheme:deal-type, scheme:event-kind, scheme:factor-kind, "
        "scheme:goal-kind, scheme:market-scope, scheme:metric, scheme:modality, scheme:pathway, "
        "scheme:programme-kind, scheme:review-outcome, scheme:source-kind, scheme:submission-type, "
        "scheme:therapeutic-area, scheme:timeline, scheme:vector"
    )
    takes = (
        "The hub classes: atmp:GeographicArea, atmp:RegulatoryAgency, skos:Concept (every concept "
        "value of every scheme), skos:ConceptScheme, skos:Collection, and their subclasses; a "
        f"concept scheme draws its own concepts alone: {schemes}"
    )
    said = (
        "--through (Python: through=) takes a hub class or a concept scheme, and 'atmp:Modality' "
        f"names no class or concept scheme (did you mean scheme:modality?). {takes}"
    )
    store = ["--store", str(fixture_store)]
    for args in (["export", "-o", str(tmp_path / "x.graphml")], ["view", "-o", str(tmp_path / "x.html")]):
        result = CliRunner().invoke(cli, [*args, "--class", "atmp:Therapy", "--through", "atmp:Modality", *store])
        assert (result.exit_code, result.stderr) == (1, f"Error: {said}\n"), args
    kg = atmpkg.open(fixture_store)
    with pytest.raises(ParameterError) as refused:
        kg.export("graphml", None, classes=["atmp:Therapy"], through=["atmp:Modality"])
    assert str(refused.value) == said
    with pytest.raises(ParameterError) as refused:
        kg.export("graphml", None, classes=["atmp:Therapy"], through=["DealType"])
    assert str(refused.value) == said.replace("'atmp:Modality'", "'DealType'").replace(
        "scheme:modality?", "scheme:deal-type?"
    )
    with pytest.raises(ParameterError) as refused:
        kg.export("graphml", None, classes=["atmp:Therapy"], through=["atmp:Therapy"])
    assert str(refused.value) == (
        "--through (Python: through=) takes a hub class or a concept scheme, and atmp:Therapy is "
        f"no hub class. {takes}; every other class is followed as a link already"
    )
    therapies = {ID + f"therapy/{slug}" for slug in ("alphacel", "betacel", "genex")}
    modalities = {ID + "modality/car-t", ID + "modality/aav-gene-therapy"}
    for through in ("scheme:modality", ID + "scheme/modality"):
        network = kg.select(classes=["atmp:Therapy"], through=[through]).network()
        assert set(network) == therapies | modalities, through
        out = tmp_path / "m.graphml"
        result = CliRunner().invoke(
            cli, ["export", "--class", "atmp:Therapy", "--through", through, "-o", str(out), *store]
        )
        assert result.exit_code == 0, result.output
        assert set(nx.read_graphml(out)) == therapies | modalities
    every = set(kg.select(classes=["atmp:Therapy"], through=["skos:Concept"]).network())
    assert every > therapies | modalities and ID + "vector/aav9" in every


#: 9 MiB of line breaks, a Turtle string an import took before fix32: twice as long as N-Triples
#: writes it (each break escaped as \n).
LONG_ONCE_ESCAPED = "\n" * 9 * 1024**2


def store_holding_a_long_label(store: Path, tmp_path: Path) -> Path:
    """A copy of ``store`` with an import that gives <https://example.org/a> a label, and its
    build given the label LONG_ONCE_ESCAPED beside it, as a store built before imports refused
    such a triple (csvdata.past_export) holds it."""
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    copy = store_with_import(store, tmp_path, f'<https://example.org/a> <{label.value}> "a" .\n')
    build_dir = current_build(copy)
    forget_root(copy)
    disk = ox.Store(str(build_dir / "oxigraph"))
    disk.add(ox.Quad(ox.NamedNode("https://example.org/a"), label, ox.Literal(LONG_ONCE_ESCAPED)))
    disk.flush()
    del disk
    return copy


@pytest.mark.parametrize(("fmt", "name"), [("ttl", "Turtle"), ("trig", "TriG"), ("rdfxml", "RDF/XML")])
def test_a_triple_longer_than_the_parser_reads_back_ends_the_export_with_an_error(
    fixture_store, tmp_path, fmt, name
):
    """The formats written through N-Triples read back each triple with the engine's parser,
    whose MemoryError past 16 MiB was a traceback (an RDF/XML import held a 17 MiB literal; fix31
    1); the export ends with the error, writing nothing, where nt still writes the triple."""
    store = store_holding_a_long_label(fixture_store, tmp_path)
    told = (
        f"cannot write {name}: the triple of <https://example.org/a> rdfs:label, as N-Triples "
        "writes it, is longer than 16 MiB, more than the engine's parser reads in one piece, and "
        f"the engine's {name} writer is given the triples as N-Triples: export as nt or nq, which "
        "are written as they are, or take the text out of the graph ('atmpkg stats' lists the "
        "imports, 'atmpkg import --remove NAME' takes one out)"
    )
    target = tmp_path / f"x.{fmt}"
    for selection in ([], ["--focus", "https://example.org/a"]):
        result = run(*selection, "--format", fmt, "-o", str(target), "--store", str(store))
        assert (result.exit_code, result.stderr) == (1, f"Error: {told}\n")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.ttl", "store"]
        streamed = run(*selection, "--format", fmt, "--store", str(store))
        assert (streamed.exit_code, streamed.stdout) == (1, "")
    with pytest.raises(StoreError) as info:
        atmpkg.open(store).export(fmt)
    assert str(info.value) == told
    assert run("--format", "nt", "-o", str(tmp_path / "x.nt"), "--store", str(store)).exit_code == 0

"""Network analysis on the fixture graph: the networkx conversion, shortest connections and
rankings (exact expected values), and the ``atmpkg path`` and ``atmpkg rank`` commands."""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from atmpkg.cli import cli
from atmpkg.graph import (
    EmptyResultError,
    ParameterError,
    UnknownNameError,
    find_paths,
    network,
    rank_entities,
    select_subgraph,
    to_networkx,
)
from atmpkg.graph.terms import ATMP, ID

CELLCO, ALPHACEL = ID + "company/cellco", ID + "therapy/alphacel"


def test_to_networkx_nodes_edges_and_attributes(fixture_store):
    graph = to_networkx(select_subgraph(store=fixture_store))
    assert isinstance(graph, nx.MultiDiGraph)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (217, 329)
    assert all(node.startswith(ID) for node in graph)  # literals are attributes, never nodes
    assert graph.nodes[ID + "therapy/genex"] == {
        "label": "Genex",
        "class": "atmp:Therapy",
        "brandName": "Genex | Genexa",
        "inn": "genexogene vector",
        "approvalCount": "3",  # derived at build
    }
    assert graph.nodes[ID + "deal/bigpharma-cellco-2017"]["valueUSD"] == "11900000000"
    assert dict(graph[CELLCO][ALPHACEL]) == {
        "atmp:develops": {"property": ATMP + "develops", "label": "develops"}
    }
    assert dict(graph[ALPHACEL][CELLCO]) == {
        "atmp:developedBy": {"property": ATMP + "developedBy", "label": "developed by"}
    }


def test_to_networkx_accepts_an_rdflib_graph(fixture_store):
    triples = select_subgraph(focus="cellco", store=fixture_store)
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    from_rdflib = to_networkx(rdflib.Graph().parse(data=text, format="nt"))
    from_oxigraph = to_networkx(triples)
    assert nx.utils.graphs_equal(from_rdflib, from_oxigraph)
    assert (from_rdflib.number_of_nodes(), from_rdflib.number_of_edges()) == (11, 26)


def test_network_leaves_out_sources_and_concept_schemes(fixture_store):
    graph = network(fixture_store)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (189, 181)
    assert not [n for n in graph if "/id/source/" in n or "/id/scheme/" in n]


def test_path_shows_each_link_in_its_real_direction(fixture_store):
    (connection,) = find_paths("Big Pharma", "Genex", store=fixture_store)
    assert str(connection) == (
        "Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex"
    )
    assert connection.nodes == (
        ID + "company/bigpharma",
        ID + "deal/bigpharma-genex-2019",
        ID + "therapy/genex",
    )
    first, second = connection.links
    assert (first.source, first.target, first.property) == (
        ID + "deal/bigpharma-genex-2019",
        ID + "company/bigpharma",
        ATMP + "acquirer",
    )
    assert (second.source, second.label) == (ID + "deal/bigpharma-genex-2019", "deal target")


def test_path_prefers_forward_links_and_specific_connections(fixture_store):
    assert [str(c) for c in find_paths("CellCo Europe", "Betacel", store=fixture_store)] == [
        "CellCo Europe → develops → Betacel"
    ]
    assert [str(c) for c in find_paths("CellCo", "FDA", store=fixture_store)] == [
        "CellCo ← sponsor ← Alphacel — FDA 2017-08-30 (large B-cell lymphoma) → agency → US Food and Drug Administration",
        "CellCo ← sponsor ← Alphacel — FDA 2022-04-01 (large B-cell lymphoma) → agency → US Food and Drug Administration",
        "CellCo ← sponsor ← Betacel — FDA 2021-03-26 (multiple myeloma) → agency → US Food and Drug Administration",
        "CellCo → headquartered in → United States ← jurisdiction ← US Food and Drug Administration",
    ]
    assert [
        str(c) for c in find_paths("Big Pharma", "GeneCorp", max_paths=2, store=fixture_store)
    ] == [
        "Big Pharma ← ultimate parent ← CellCo Europe ← deal target ← GeneCorp – CellCo Europe (collaboration, 2023) → acquirer → GeneCorp",
        "Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex → developed by → GeneCorp",
    ]


def test_path_errors(fixture_store):
    with pytest.raises(UnknownNameError, match="unknown entity 'Gamma'"):
        find_paths("Gamma", "Genex", store=fixture_store)
    with pytest.raises(ParameterError, match="the same entity"):
        find_paths("Genex", "therapy:genex", store=fixture_store)
    with pytest.raises(EmptyResultError, match="not in the network"):
        find_paths("Genex", "source:src-news", store=fixture_store)
    with pytest.raises(EmptyResultError, match="no connection between Genex and sales"):
        find_paths("Genex", "metric:sales", store=fixture_store)  # a concept nothing uses


def test_path_in_a_given_network(fixture_store):
    companies = to_networkx(select_subgraph(classes=["atmp:Company"], store=fixture_store))
    paths = find_paths("Big Pharma", "CellCo Europe", graph=companies, store=fixture_store)
    assert [str(c) for c in paths] == ["Big Pharma ← ultimate parent ← CellCo Europe"]
    with pytest.raises(EmptyResultError, match="no connection between Big Pharma and OtherCorp"):
        find_paths("Big Pharma", "OtherCorp", graph=companies, store=fixture_store)


@pytest.mark.parametrize(
    ("by", "classes", "expected"),
    [
        (
            "degree",
            (),
            [
                ("Alphacel", 10),
                ("CellCo", 10),
                ("Gene therapy", 10),
                ("Genex", 10),
                ("United States", 10),
            ],
        ),
        (
            "degree",
            ("atmp:Company",),
            [
                ("CellCo", 10),
                ("GeneCorp", 7),
                ("CellCo Europe", 6),
                ("Big Pharma", 5),
                ("OtherCorp", 1),
            ],
        ),
        (
            "pagerank",
            ("atmp:Company",),
            [
                ("CellCo", 0.016),
                ("Big Pharma", 0.0108),
                ("CellCo Europe", 0.0094),
                ("GeneCorp", 0.0088),
                ("OtherCorp", 0.0045),
            ],
        ),
        (
            "pagerank",
            (),
            [
                ("World", 0.0437),
                ("Viral vectors", 0.0332),
                ("Gene therapy", 0.0328),
                ("Cell therapy", 0.0242),
                ("United States", 0.0204),
            ],
        ),
        (
            "betweenness",
            ("therapy",),
            [("Genex", 0.088), ("Alphacel", 0.0375), ("Betacel", 0.0319)],
        ),
        (
            "betweenness",
            ("atmp:Company", "atmp:RegulatoryAgency"),
            [
                ("GeneCorp", 0.0239),
                ("CellCo", 0.0213),
                ("CellCo Europe", 0.0168),
                ("Big Pharma", 0.0107),
                ("European Medicines Agency", 0.0047),
            ],
        ),
    ],
)
def test_rankings(fixture_store, by, classes, expected):
    ranked = rank_entities(by=by, classes=classes, top=5, store=fixture_store)
    assert [(r.label, round(r.score, 4)) for r in ranked] == expected


def test_rank_errors(fixture_store):
    with pytest.raises(UnknownNameError, match="unknown ranking measure 'closeness'"):
        rank_entities(by="closeness", store=fixture_store)
    with pytest.raises(
        UnknownNameError, match="unknown class 'atmp:Compny'; did you mean 'atmp:Company'"
    ):
        rank_entities(classes=["atmp:Compny"], store=fixture_store)
    with pytest.raises(EmptyResultError, match="no entity of class atmp:Source"):
        rank_entities(classes=["atmp:Source"], store=fixture_store)


def test_cli_path(fixture_store):
    result = CliRunner().invoke(
        cli, ["path", "CellCo", "FDA", "--max", "2", "--store", str(fixture_store)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Shortest connections between CellCo and US Food and Drug Administration (2 links):",
        "1. CellCo ← sponsor ← Alphacel — FDA 2017-08-30 (large B-cell lymphoma) → agency → US Food and Drug Administration",
        "2. CellCo ← sponsor ← Alphacel — FDA 2022-04-01 (large B-cell lymphoma) → agency → US Food and Drug Administration",
    ]


def test_cli_path_errors(fixture_store):
    result = CliRunner().invoke(cli, ["path", "Genex", "Gamma", "--store", str(fixture_store)])
    assert result.exit_code == 1
    assert "Error: unknown entity 'Gamma'" in result.stderr
    result = CliRunner().invoke(cli, ["path", "Genex", "sales", "--store", str(fixture_store)])
    assert result.exit_code == 1
    assert "Error: no connection between Genex and sales" in result.stderr


def test_cli_rank(fixture_store):
    result = CliRunner().invoke(
        cli,
        [
            "rank",
            "--class",
            "atmp:Company",
            "--by",
            "pagerank",
            "--top",
            "3",
            "--store",
            str(fixture_store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "rank  pagerank  entity         class         id",
        "----  --------  -------------  ------------  -----------------",
        "1     0.0160    CellCo         atmp:Company  company:cellco",
        "2     0.0108    Big Pharma     atmp:Company  company:bigpharma",
        "3     0.0094    CellCo Europe  atmp:Company  company:cellco-eu",
    ]
    result = CliRunner().invoke(cli, ["rank", "--top", "2", "--store", str(fixture_store)])
    assert result.stdout.splitlines()[2:] == [
        "1     10      Alphacel  atmp:Therapy  therapy:alphacel",
        "2     10      CellCo    atmp:Company  company:cellco",
    ]


def test_cli_rank_errors(fixture_store):
    result = CliRunner().invoke(cli, ["rank", "--class", "Nothing", "--store", str(fixture_store)])
    assert result.exit_code == 1
    assert "Error: unknown class 'Nothing'" in result.stderr
    result = CliRunner().invoke(cli, ["rank", "--by", "closeness", "--store", str(fixture_store)])
    assert result.exit_code == 2  # a usage error: click lists the measures

"""Network analysis on the fixture graph: the networkx conversion, shortest connections and
rankings (exact expected values), and the ``atmpkg path`` and ``atmpkg rank`` commands."""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from conftest import store_with_import

import atmpkg
from atmpkg.cli import cli
from atmpkg.graph import (
    EmptyResultError,
    ParameterError,
    UnknownNameError,
    export_subgraph,
    find_paths,
    network,
    rank_entities,
    select_subgraph,
    to_networkx,
)
from atmpkg.graph.slice.analytics import Connection, Link, one_edge_per_link
from atmpkg.graph.terms import ATMP, ID

CELLCO, ALPHACEL = ID + "company/cellco", ID + "therapy/alphacel"


def test_to_networkx_nodes_edges_and_attributes(fixture_store):
    graph = to_networkx(select_subgraph(store=fixture_store))
    assert isinstance(graph, nx.MultiDiGraph)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (218, 325)
    assert all(node.startswith(ID) for node in graph)  # literals are attributes, never nodes
    assert graph.nodes[ID + "therapy/genex"] == {
        "label": "Genex",
        "class": "atmp:Therapy",
        "brandName": "Genex | Genexa",
        "inn": "genexogene vector",
        "approvalCount": 3,  # derived at build
        "daysToSecondAgency": 300,
        "minDaysToSecondAgency": 300,  # its bounds, which meet: both dates are days
        "maxDaysToSecondAgency": 300,
        "endedEverywhere": False,  # some agency still authorises it
    }
    # numbers as the network exports type them (an attribute whose every value is one)
    assert graph.nodes[ID + "deal/bigpharma-cellco-2017"]["valueUSD"] == 11900000000.0
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
    # the ten entities of CellCo's neighbourhood and, as nodes here, the places, agencies and
    # concept values they link to
    assert (from_rdflib.number_of_nodes(), from_rdflib.number_of_edges()) == (24, 43)


def test_a_network_shows_hubs_as_attributes(fixture_store):
    kg = atmpkg.open(fixture_store)
    graph = kg.select(focus="cellco").network()
    assert sorted(n.removeprefix(ID) for n in graph) == [
        "approval/alphacel-fda-2017-08-30-large-b-cell-lymphoma",
        "approval/alphacel-fda-2022-04-01-large-b-cell-lymphoma",
        "approval/betacel-fda-2021-03-26-multiple-myeloma",
        "approval/betacel-pmda-2022-01-multiple-myeloma",
        "company/bigpharma",
        "company/cellco",
        "company/cellco-eu",
        "deal/bigpharma-cellco-2017",
        "development/cellco-data-2023",
        "therapy/alphacel",
    ]
    approval = graph.nodes[ID + "approval/betacel-pmda-2022-01-multiple-myeloma"]
    assert (approval["agency"], approval["jurisdiction"]) == (
        "Pharmaceuticals and Medical Devices Agency",
        "Japan",
    )
    assert graph.nodes[ID + "therapy/alphacel"]["modality"] == "CAR-T cell therapy"
    assert graph.nodes[ID + "company/cellco-eu"]["headquarteredIn"] == "Germany"
    # asked for, agencies are entities like any other: nodes, linked and walked through
    pmda = ID + "approval/betacel-pmda-2022-01-multiple-myeloma"
    through = kg.select(focus=pmda, through=["atmp:RegulatoryAgency"]).network()
    assert sorted(through.successors(pmda)) == [
        ID + "agency/pmda",
        ID + "company/cellco",
        ID + "indication/multiple-myeloma",
        ID + "therapy/betacel",
    ]
    assert "agency" not in through.nodes[pmda]
    assert through.nodes[pmda]["jurisdiction"] == "Japan"
    # at the edge of a neighbourhood an approval keeps its agency, as a node
    edge = kg.select(focus="cellco", through=["atmp:RegulatoryAgency"]).network()
    assert sorted(edge.successors(pmda)) == [ID + "agency/pmda", ID + "company/cellco"]
    assert sorted(n.removeprefix(ID) for n in edge if n.startswith(ID + "agency/")) == [
        "agency/fda",
        "agency/pmda",
    ]


def test_through_takes_hub_classes_only(fixture_store):
    kg = atmpkg.open(fixture_store)
    with pytest.raises(ParameterError, match="atmp:Company is no hub class"):
        kg.select(focus="cellco", through=["atmp:Company"]).network()


def test_network_leaves_out_sources_hubs_and_concept_schemes(fixture_store):
    graph = network(fixture_store)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (37, 59)
    # for rankings, one edge per link, as the exports draw it: no materialised inverse
    # (develops, has subsidiary, approval) counts twice
    folded = one_edge_per_link(graph)
    assert (folded.number_of_nodes(), folded.number_of_edges()) == (37, 46)
    inverses = {"atmp:develops", "atmp:hasSubsidiary", "atmp:approval"}
    assert [key for _, _, key in folded.edges(keys=True) if key in inverses] == []
    assert not [n for n in graph if "/id/source/" in n or "/id/scheme/" in n]
    assert not [n for n in graph if "/id/country/" in n or "/id/agency/" in n]


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
    # Alphacel's two FDA approvals (2017 and 2022) say one thing: the first stands for both
    assert [str(c) for c in find_paths("CellCo", "FDA", store=fixture_store)] == [
        "CellCo ← sponsor ← Alphacel — FDA 2017-08-30 (large B-cell lymphoma) → agency → US Food and Drug Administration",
        "CellCo ← sponsor ← Betacel — FDA 2021-03-26 (multiple myeloma) → agency → US Food and Drug Administration",
    ]
    # the derived ultimate parent restates the chain of parents and is no link of the network
    assert [
        str(c) for c in find_paths("Big Pharma", "GeneCorp", max_paths=2, store=fixture_store)
    ] == [
        "Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex → developed by → GeneCorp",
    ]


def test_path_passes_hubs_only_when_asked_and_never_what_is_avoided(fixture_store):
    through = find_paths("CellCo", "FDA", through=["atmp:Country"], store=fixture_store)
    assert str(through[-1]) == (
        "CellCo → headquartered in → United States ← jurisdiction ← US Food and Drug Administration"
    )
    assert len(through) == 3
    avoided = find_paths("Big Pharma", "GeneCorp", avoid=["CellCo Europe"], store=fixture_store)
    assert [str(c) for c in avoided] == [
        "Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex → developed by → GeneCorp"
    ]
    # connected only through a hub: the error says which, and how to pass through it
    with pytest.raises(EmptyResultError) as error:
        find_paths("Big Pharma", "GeneCorp", avoid=["atmp:Deal"], store=fixture_store)
    assert str(error.value) == (
        "no connection between Big Pharma and GeneCorp; they are 3 links apart through "
        "atmp:Country, which paths do not pass through unless asked: give --through atmp:Country "
        '(Python: through=["atmp:Country"])'
    )
    hubs = find_paths(
        "Big Pharma", "GeneCorp", avoid=["atmp:Deal"], through=["atmp:Country"], store=fixture_store
    )
    assert [str(c) for c in hubs] == [
        "Big Pharma → headquartered in → United States ← jurisdiction ← Genex — FDA 2019-05-24 "
        "(spinal muscular atrophy) → sponsor → GeneCorp"
    ]
    with pytest.raises(ParameterError, match="'Genex' is an end of the connection"):
        find_paths("Genex", "GeneCorp", avoid=["Genex"], store=fixture_store)
    # an avoided class keeps the ends it holds: Genex is a therapy, no therapy is passed through
    assert [
        str(c) for c in find_paths("Genex", "GeneCorp", avoid=["atmp:Therapy"], store=fixture_store)
    ] == ["Genex → developed by → GeneCorp"]
    with pytest.raises(ParameterError, match="--avoid 'Nowhere' names no entity and no class"):
        find_paths("Genex", "GeneCorp", avoid=["Nowhere"], store=fixture_store)
    # newuser23 F20: a class written near one is offered it, and a kind names its entities' class
    with pytest.raises(ParameterError) as near:
        find_paths("Genex", "GeneCorp", avoid=["atmp:Therapi"], store=fixture_store)
    assert str(near.value) == (
        "--avoid 'atmp:Therapi' names no entity and no class; did you mean the class atmp:Therapy?"
    )
    assert [str(c) for c in find_paths("Big Pharma", "GeneCorp", avoid=["deal"], through=["country"], store=fixture_store)] == [
        str(c) for c in hubs
    ]


#: Each fixture claim, about one therapy, made about OtherCorp too: a contradicted, an unverified
#: and a supported claim each tie a therapy to OtherCorp in two links.
CLAIMS_ABOUT_OTHERCORP = (
    "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
    "@prefix claim: <https://w3id.org/atmp-kg/id/claim/> .\n"
    "@prefix company: <https://w3id.org/atmp-kg/id/company/> .\n"
    "claim:alphacel-first-approval-2019 atmp:about company:othercorp .\n"
    "claim:genex-sales atmp:about company:othercorp .\n"
    "claim:betacel-japan atmp:about company:othercorp .\n"
)


def test_path_passes_a_contradicted_claim_only_when_asked_and_shows_a_claim_s_status(
    fixture_store, tmp_path
):
    """newuser25 F27: path tied Beam to Casgevy through a claim the graph marks contradicted,
    shown as plain text, where it read as a fact."""
    store = store_with_import(fixture_store, tmp_path, CLAIMS_ABOUT_OTHERCORP)
    # not through the contradicted claim, two links: the longer chains without it
    assert [str(c) for c in find_paths("Alphacel", "OtherCorp", max_paths=1, store=store)] == [
        "Alphacel → approval → Alphacel — EMA 2018-08-22 (large B-cell lymphoma) → sponsor → "
        "CellCo Europe → develops → Betacel ← about ← Betacel is approved in Japan. → about → "
        "OtherCorp"
    ]
    (asked,) = find_paths("Alphacel", "OtherCorp", through=["atmp:Claim"], store=store)
    assert str(asked) == (
        "Alphacel ← about ← Alphacel was first approved in 2019. (contradicted claim) → about → "
        "OtherCorp"
    )
    assert asked.labels[1] == "Alphacel was first approved in 2019."  # the label is the label
    assert asked.marks == ("", "contradicted claim", "")
    # the kind names the class as everywhere, and hub classes are still followed beside it
    assert [
        str(c)
        for c in find_paths(
            "Alphacel", "OtherCorp", through=["claim", "atmp:Country"], store=store
        )
    ] == [str(asked)]
    (unverified,) = find_paths("Genex", "OtherCorp", store=store)
    assert str(unverified) == (
        "Genex ← about ← Genex sales reached USD 1 billion. (unverified claim) → about → OtherCorp"
    )
    (supported,) = find_paths("Betacel", "OtherCorp", store=store)
    assert str(supported) == "Betacel ← about ← Betacel is approved in Japan. → about → OtherCorp"
    # a contradicted claim may be an end all the same
    assert [str(c) for c in find_paths("Alphacel was first approved in 2019.", "OtherCorp", store=store)] == [
        "Alphacel was first approved in 2019. → about → OtherCorp"
    ]
    # connected only through it: the error says so, and how to pass through it
    around = select_subgraph(focus="claim:alphacel-first-approval-2019", hops=1, store=store)
    with pytest.raises(EmptyResultError) as error:
        find_paths("Alphacel", "OtherCorp", graph=to_networkx(around), store=store)
    assert str(error.value) == (
        "no connection between Alphacel and OtherCorp; they are 2 links apart through a claim the "
        "graph marks contradicted, which paths do not pass through unless asked: give --through "
        'atmp:Claim (Python: through=["atmp:Claim"])'
    )
    with pytest.raises(EmptyResultError) as error:
        find_paths("Alphacel", "OtherCorp", avoid=["atmp:Company", "atmp:Deal"], store=store)
    assert str(error.value) == (
        "no connection between Alphacel and OtherCorp; they are 2 links apart through a claim the "
        "graph marks contradicted, which paths do not pass through unless asked: give --through "
        'atmp:Claim (Python: through=["atmp:Claim"])'
    )


def test_an_imported_entity_of_another_namespace_may_be_an_end_of_a_path(tmp_path):
    """joints23 F11: path refused an imported ex:t1 ("not in the network") that view --focus
    drew with its links; as an end it is a node with its links, elsewhere still a value."""
    from pathlib import Path

    from atmpkg.graph import build, import_files

    store = tmp_path / "store"
    build(store, data_dir=Path(__file__).parent / "data" / "fixture")
    mine = tmp_path / "trials.ttl"
    mine.write_text(
        "@prefix ex: <https://example.org/trial/> .\n"
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        'ex:t1 a ex:Trial ; rdfs:label "Trial one" ; ex:about <https://w3id.org/atmp-kg/id/therapy/genex> ;\n'
        "  ex:sponsor <https://w3id.org/atmp-kg/id/company/cellco> .\n"
    )
    import_files([mine], store)
    assert [str(c) for c in find_paths("Trial one", "GeneCorp", store=store)] == [
        "Trial one → about → Genex → developed by → GeneCorp"
    ]
    # not an end, it is no hop between two entities of the graph: Genex and CellCo stay three
    # links apart, where through it they would be two (rev23 11)
    assert {len(c.links) for c in find_paths("Genex", "CellCo", store=store)} == {3}


def test_path_puts_the_market_s_own_links_before_shared_diseases_and_statements(fixture_store):
    # three connections of two links between CellCo and OtherCorp, in a network made for the
    # test: through a claim (the best linked), an indication and a deal (the least linked); a
    # supported claim, since a contradicted one is not passed through (newuser25 F27)
    net = nx.MultiDiGraph()
    ends = (ID + "company/cellco", ID + "company/othercorp")
    middles = {
        ID + "claim/betacel-japan": ("atmp:Claim", 5),
        ID + "indication/multiple-myeloma": ("atmp:Indication", 3),
        ID + "deal/bigpharma-cellco-2017": ("atmp:Deal", 4),
    }
    for node in ends:
        net.add_node(node, label=node.rsplit("/", 1)[1], **{"class": "atmp:Company"})
    for node, (cls, extra) in middles.items():
        net.add_node(node, label=node.rsplit("/", 1)[1], **{"class": cls})
        for end in ends:
            net.add_edge(node, end, key="atmp:about", property=ATMP + "about", label="about")
        for number in range(extra):
            net.add_edge(
                node, f"urn:x{number}", key="atmp:about", property=ATMP + "about", label="about"
            )
    found = find_paths("CellCo", "OtherCorp", graph=net, store=fixture_store)
    assert [c.nodes[1] for c in found] == [
        ID + "deal/bigpharma-cellco-2017",
        ID + "indication/multiple-myeloma",
        ID + "claim/betacel-japan",
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
    assert [str(c) for c in paths] == [
        "Big Pharma → has subsidiary → CellCo → has subsidiary → CellCo Europe"
    ]
    with pytest.raises(EmptyResultError, match="no connection between Big Pharma and OtherCorp"):
        find_paths("Big Pharma", "OtherCorp", graph=companies, store=fixture_store)


@pytest.mark.parametrize(
    ("by", "classes", "expected"),
    [
        # places, agencies and concept values are attributes, not links: they rank nowhere
        (
            "degree",
            (),
            [("CellCo", 9), ("Genex", 8), ("Alphacel", 7), ("GeneCorp", 6), ("Betacel", 5)],
        ),
        (
            "degree",
            ("atmp:Company",),
            [
                ("CellCo", 9),
                ("GeneCorp", 6),
                ("CellCo Europe", 4),
                ("Big Pharma", 3),
                ("OtherCorp", 1),
            ],
        ),
        (
            "pagerank",
            ("atmp:Company",),
            [
                ("Big Pharma", 0.111),
                ("CellCo", 0.0983),
                ("GeneCorp", 0.065),
                ("CellCo Europe", 0.0405),
                ("OtherCorp", 0.0211),
            ],
        ),
        (
            "pagerank",
            (),
            [
                ("Big Pharma", 0.111),
                ("CellCo", 0.0983),
                ("GeneCorp", 0.065),
                ("Genex", 0.0589),
                ("Alphacel", 0.0463),
            ],
        ),
        (
            "betweenness",
            ("therapy",),
            [("Genex", 0.1929), ("Betacel", 0.1108), ("Alphacel", 0.1015)],
        ),
        # a hub class asked for is ranked as nodes, its links counted
        (
            "betweenness",
            ("atmp:Company", "atmp:RegulatoryAgency"),
            [
                ("CellCo", 0.1877),
                ("GeneCorp", 0.1309),
                ("CellCo Europe", 0.1113),
                ("US Food and Drug Administration", 0.1028),
                ("European Medicines Agency", 0.0798),
            ],
        ),
    ],
)
def test_rankings(fixture_store, by, classes, expected):
    ranked = rank_entities(by=by, classes=classes, top=5, store=fixture_store)
    assert [(r.label, round(r.score, 4)) for r in ranked] == expected


def test_pagerank_is_the_one_networkx_gives_on_the_exported_network(fixture_store, tmp_path):
    """A researcher who loads the GraphML export in networkx (or Gephi) finds the same scores: a
    link and its materialised inverse count once, and the vocabulary's collections are no node."""
    export_subgraph("graphml", tmp_path / "all.graphml", store=fixture_store)
    exported = nx.pagerank(nx.DiGraph(nx.read_graphml(tmp_path / "all.graphml")))
    ranked = rank_entities(by="pagerank", top=100, store=fixture_store)
    assert len(ranked) == len(exported) == 37
    assert {r.iri: r.score for r in ranked} == pytest.approx(exported, rel=1e-12)


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
        "2. CellCo ← sponsor ← Betacel — FDA 2021-03-26 (multiple myeloma) → agency → US Food and Drug Administration",
    ]


def test_cli_path_fits_the_terminal_one_link_a_line(fixture_store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    args = ["path", "CellCo", "FDA", "--max", "1", "--store", str(fixture_store)]
    assert CliRunner().invoke(cli, args).stdout.splitlines() == [
        "Shortest connections between CellCo and US Food and Drug Administration (2 links):",
        "1. CellCo",
        "     ← sponsor ← Alphacel — FDA 2017-08-30 (large B-cell lymphoma)",
        "     → agency → US Food and Drug Administration",
    ]
    monkeypatch.setenv("COLUMNS", "88")  # a chain that fits stays on its line
    args = ["path", "Big Pharma", "Genex", "--store", str(fixture_store)]
    assert CliRunner().invoke(cli, args).stdout.splitlines()[1:] == [
        "1. Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex",
    ]


def test_cli_path_shows_a_claim_s_status(fixture_store, tmp_path):
    """newuser25 F27: --through atmp:Claim passes through a contradicted claim, which says so."""
    store = store_with_import(fixture_store, tmp_path, CLAIMS_ABOUT_OTHERCORP)
    args = ["path", "Alphacel", "OtherCorp", "--through", "atmp:Claim", "--store", str(store)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Shortest connections between Alphacel and OtherCorp (2 links):",
        "1. Alphacel ← about ← Alphacel was first approved in 2019. (contradicted claim) → about "
        "→ OtherCorp",
    ]


def test_a_chain_is_measured_in_display_columns():
    chain = Connection(
        ("a", "b"), ("アムシェプリ", "Sumitomo Pharma"), (Link("a", "b", "urn:p", "developed by"),)
    )
    # 39 characters, 45 columns: the katakana take two each
    assert chain.text(width=44) == "アムシェプリ\n  → developed by → Sumitomo Pharma"
    assert chain.text(width=45) == "アムシェプリ → developed by → Sumitomo Pharma"


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
        "rank  pagerank  entity      class         id",
        "----  --------  ----------  ------------  -----------------",
        "1     0.1110    Big Pharma  atmp:Company  company:bigpharma",
        "2     0.0983    CellCo      atmp:Company  company:cellco",
        "3     0.0650    GeneCorp    atmp:Company  company:genecorp",
    ]
    result = CliRunner().invoke(cli, ["rank", "--top", "2", "--store", str(fixture_store)])
    assert result.stdout.splitlines()[2:] == [
        "1     9       CellCo  atmp:Company  company:cellco",
        "2     8       Genex   atmp:Therapy  therapy:genex",
    ]
    through = ["rank", "--top", "3", "--through", "atmp:Country", "--store", str(fixture_store)]
    result = CliRunner().invoke(cli, through)
    assert result.stdout.splitlines()[2:] == [
        "1     10      CellCo         atmp:Company  company:cellco",
        "2     8       Genex          atmp:Therapy  therapy:genex",
        "3     8       United States  atmp:Country  country:us",
    ]


def test_cli_rank_errors(fixture_store):
    result = CliRunner().invoke(cli, ["rank", "--class", "Nothing", "--store", str(fixture_store)])
    assert result.exit_code == 1
    assert "Error: unknown class 'Nothing'" in result.stderr
    result = CliRunner().invoke(cli, ["rank", "--by", "closeness", "--store", str(fixture_store)])
    assert result.exit_code == 2  # a usage error: click lists the measures

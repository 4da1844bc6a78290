"""The zero-row data rules of queries/checks: each runs as its own test on the full curated graph
(printing any offending rows), and each is shown to fire on a graph that breaks it."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import atmpkg
from atmpkg import queries
from atmpkg.graph import open_store
from atmpkg.graph.store.validate import run_checks
from atmpkg.graph.terms import PREFIXES

CHECKS = dict(queries.checks())

PREAMBLE = "\n".join(f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()) + "\n"

#: For every check, Turtle that breaks it (added to a copy of the fixture graph).
BREAKERS = {
    "approval-complete": "approval:x a atmp:Approval ; atmp:product therapy:genex .",
    "authorised-name-is-a-brand": 'approval:alphacel-fda-2017-08-30-large-b-cell-lymphoma '
    'atmp:authorisedName "Alphacel" .',
    "claim-status-evidence": "claim:x a atmp:Claim ; atmp:status claimstatus:contradicted .",
    "claim-not-made-by-its-evidence": (
        "claim:y a atmp:Claim ; atmp:status claimstatus:contradicted ; "
        "atmp:evidence source:src-news ; dct:source source:src-news ."
    ),
    "fact-has-source": "deal:x a atmp:Deal .",
    "no-dangling-references": "therapy:genex atmp:target target:nothing-here .",
    "no-future-dates": 'deal:bigpharma-cellco-2017 atmp:date "2999-01"^^xsd:gYearMonth .',
    "ownership-acyclic": "company:bigpharma atmp:subsidiaryOf company:cellco-eu .",
    "product-passed-on-names-its-seller": "deal:x5 a atmp:Deal ; atmp:dealType dealtype:asset-purchase ; "
    "atmp:dealTarget therapy:genex .",
    "positive-deal-values": 'deal:bigpharma-genex-2019 atmp:upfrontUSD "0"^^xsd:decimal .',
    "source-has-url": "source:y a atmp:Source ; atmp:sourceKind sourcekind:company .",
    "unique-company-label": 'company:othercorp rdfs:label "genecorp"@en .',
    "unique-inn": 'therapy:betacel atmp:inn "Genexogene vector" .',
    "date-has-precision": 'deal:x1 atmp:date "2020-03-01"^^xsd:date ; atmp:datePrecision dateprecision:month ; '
    'atmp:dateStated "2020-04"^^xsd:gYearMonth .',
    "deal-between-two-sides": "deal:bigpharma-cellco-2017 atmp:dealTarget company:bigpharma .",
    "deal-figures-consistent": 'deal:x2 a atmp:Deal ; atmp:valueUSD "100"^^xsd:decimal ; '
    'atmp:upfrontUSD "60"^^xsd:decimal ; atmp:milestonesUSD "20"^^xsd:decimal .',
    "unique-source-url": "source:x3 a atmp:Source ; schema:url <https://genecorp.example/news/genex-price> .",
    "review-outcome-dated": "review:x4 a atmp:RegulatoryReview ; atmp:reviewOutcome reviewoutcome:approved .",
    "retired-iri-replaced": "therapy:genex dct:isReplacedBy therapy:betacel .",
    "review-outcome-agrees-with-approval": "review:x6 atmp:decidedBy "
    "approval:alphacel-fda-2017-08-30-large-b-cell-lymphoma ; "
    "atmp:reviewOutcome reviewoutcome:complete-response ; "
    'atmp:outcomeDate "2017-09-01"^^xsd:date ; atmp:outcomeDateStated "2017-09-01"^^xsd:date .',
}


def rows(store: ox.Store, name: str) -> list[tuple[str, str]]:
    return [
        (r["entity"].value, r["message"].value)
        for r in store.query(CHECKS[name], prefixes=PREFIXES)
    ]


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_passes_on_the_curated_graph(name, curated_store):
    offending = rows(open_store(curated_store).store, name)
    assert offending == [], f"check {name} returned rows:\n" + "\n".join(
        f"  {e}: {m}" for e, m in offending
    )


def test_every_check_has_a_breaker():
    assert sorted(BREAKERS) == sorted(CHECKS)


def fixture_copy(fixture_store) -> ox.Store:
    store = ox.Store()
    store.load(
        open_store(fixture_store).store.dump(format=ox.RdfFormat.N_QUADS),
        format=ox.RdfFormat.N_QUADS,
    )
    return store


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_fires_when_the_rule_is_broken(name, fixture_store):
    store = fixture_copy(fixture_store)
    assert rows(store, name) == []
    store.load((PREAMBLE + BREAKERS[name]).encode(), format=ox.RdfFormat.TURTLE)
    assert len(rows(store, name)) >= 1


def test_violations_come_check_by_check_in_the_order_of_the_files(fixture_store):
    """The checks run side by side; their violations still come back in one fixed order."""
    store = fixture_copy(fixture_store)
    store.load((PREAMBLE + "\n".join(BREAKERS.values())).encode(), format=ox.RdfFormat.TURTLE)
    violations = run_checks(store)
    names = [v.rule for v in violations]
    assert set(names) == set(CHECKS)
    assert names == sorted(names, key=list(CHECKS).index)
    assert run_checks(store) == violations


def test_a_retired_iri_must_name_no_entity_and_be_replaced_by_a_current_one(fixture_store):
    store = fixture_copy(fixture_store)
    store.load(
        (
            PREAMBLE
            + "therapy:genex dct:isReplacedBy therapy:betacel .\n"
            + "therapy:old-one dct:isReplacedBy therapy:old-two .\n"
            + "therapy:old-two dct:isReplacedBy therapy:alphacel .\n"
            + "therapy:old-three dct:isReplacedBy therapy:nothing-here .\n"
        ).encode(),
        format=ox.RdfFormat.TURTLE,
    )
    therapy = "https://w3id.org/atmp-kg/id/therapy/"
    assert sorted(rows(store, "retired-iri-replaced")) == [
        (
            therapy + "genex",
            "is retired: therapy:betacel replaced it, but is an entity again (atmp:Therapy): to "
            "add to that entity write therapy:betacel; for one of your own give it an IRI of its "
            "own, in a namespace of yours; in the packaged data, remove its row from retired.csv",
        ),
        (
            therapy + "old-one",
            f"is replaced by {therapy}old-two, which is retired too; give {therapy}alphacel instead",
        ),
        (therapy + "old-three", f"is replaced by {therapy}nothing-here, which is not an entity"),
    ]


def test_a_url_shared_by_a_source_and_another_entity_is_no_duplicate_source(fixture_store):
    """unique-source-url counts the subjects of each URL whatever their class: a company whose
    web page is a source's URL makes that URL counted twice, yet only two sources are a pair."""
    store = fixture_copy(fixture_store)
    shared = "schema:url <https://genecorp.example/news/genex-price>"
    store.load((PREAMBLE + f"company:genecorp {shared} .\n").encode(), format=ox.RdfFormat.TURTLE)
    assert rows(store, "unique-source-url") == []
    store.load(
        (PREAMBLE + f"source:x3 a atmp:Source ; {shared} .\n").encode(), format=ox.RdfFormat.TURTLE
    )
    assert rows(store, "unique-source-url") == [
        (
            "https://w3id.org/atmp-kg/id/source/x3",
            "same URL as https://w3id.org/atmp-kg/id/source/press-genecorp: cite one of them",
        )
    ]


def test_deal_figures_count_the_equity_purchase_as_a_part_of_the_total(fixture_store):
    """issue 13: the equity a buyer purchases is a part of the total of its own, beside the cash
    upfront and the milestones; each part is at most the total and the parts make it within 5%."""
    store = fixture_copy(fixture_store)
    store.load(
        (
            PREAMBLE
            # all four given and adding up (125 + 225 + 2370 = 2720): no row
            + 'deal:a1 a atmp:Deal ; atmp:valueUSD "2720" ; atmp:upfrontUSD "125" ; '
            'atmp:equityUSD "225" ; atmp:milestonesUSD "2370" .\n'
            + 'deal:a2 a atmp:Deal ; atmp:valueUSD "100" ; atmp:equityUSD "150" .\n'
            + 'deal:a3 a atmp:Deal ; atmp:valueUSD "100" ; atmp:upfrontUSD "60" ; '
            'atmp:equityUSD "50" .\n'
            # upfront and milestones given, short of the total without the equity
            + 'deal:a4 a atmp:Deal ; atmp:valueUSD "100" ; atmp:upfrontUSD "20" ; '
            'atmp:milestonesUSD "60" .\n'
        )
        .replace('" ', '"^^xsd:decimal ')
        .encode(),
        format=ox.RdfFormat.TURTLE,
    )
    deal = "https://w3id.org/atmp-kg/id/deal/"
    assert sorted(rows(store, "deal-figures-consistent")) == [
        (deal + "a2", "atmp:equityUSD 150 is more than the deal's total, atmp:valueUSD 100; a part of a deal is never more than its headline total: check both against the source"),
        (deal + "a3", "atmp:valueUSD 100 is not what the parts make (atmp:upfrontUSD 60 + atmp:equityUSD 50 = 110, more than 5% above it, more than announcements round); check each figure against the source and leave out a figure no source states (an empty cell in a CSV; see Deal money in graph/data/README.md)"),
        (deal + "a4", "atmp:valueUSD 100 is not what the parts make (atmp:upfrontUSD 20 + atmp:milestonesUSD 60 = 80, more than 5% below it, more than announcements round); check each figure against the source and leave out a figure no source states (an empty cell in a CSV; see Deal money in graph/data/README.md)"),
    ]  # fmt: skip
    store.load((PREAMBLE + 'deal:a1 atmp:equityUSD "0"^^xsd:decimal .').encode(), format=ox.RdfFormat.TURTLE)
    assert [r for r in rows(store, "positive-deal-values") if r[0] == deal + "a1"] == [
        (deal + "a1", "deal value 0 is not positive")
    ]


def test_a_deal_figure_the_engine_holds_no_number_of_is_named(fixture_store):
    """sec30 F4: a store built before imports refused them may hold a money figure past what an
    xsd:decimal holds; every comparison of it fails, which the checks read as no violation."""
    store = fixture_copy(fixture_store)
    store.load(
        (
            PREAMBLE
            + 'deal:a5 a atmp:Deal ; atmp:valueUSD "200000000000000000000"^^xsd:decimal ; '
            'atmp:upfrontUSD "1"^^xsd:decimal ; atmp:milestonesUSD "1.0000000000000000001"^^xsd:decimal .\n'
        ).encode(),
        format=ox.RdfFormat.TURTLE,
    )
    told = (
        " is no number a query can compare or sum (an xsd:decimal holds at most "
        "170141183460469231731.687303715884105727 either side of zero, with at most 18 decimal "
        "places): check the figure against the source and write it as an xsd:decimal within that"
    )
    deal = "https://w3id.org/atmp-kg/id/deal/a5"
    assert sorted(rows(store, "positive-deal-values")) == [
        (deal, "atmp:milestonesUSD 1.0000000000000000001" + told),
        (deal, "atmp:valueUSD 200000000000000000000" + told),
    ]


def test_a_checks_statement_about_a_csv_row_is_told_at_its_cell():
    """A violation that names its statement (?property) about a subject written in a CSV row is
    told at the cell of that property, as the CSV errors are; a property no column of the file
    gives (the type the row's family gives) and a subject of an RDF file keep their place."""
    store = ox.Store()
    store.load(
        (
            PREAMBLE
            + "company:a a atmp:Company ; atmp:subsidiaryOf company:b .\n"
            + "company:b a atmp:Company ; atmp:subsidiaryOf company:a .\n"
            + "therapy:old a atmp:Therapy ; dct:isReplacedBy therapy:new .\n"
            + "therapy:new a atmp:Therapy .\n"
        ).encode(),
        format=ox.RdfFormat.TURTLE,
    )
    company, therapy = PREFIXES["company"], PREFIXES["therapy"]
    locations = {
        company + "a": "companies.csv:3",
        company + "b": "mine.ttl",
        therapy + "old": "therapies.csv:7",
    }
    columns = {
        "companies.csv": {PREFIXES["atmp"] + "subsidiaryOf": (5, "parent")},
        "therapies.csv": {PREFIXES["rdfs"] + "label": (2, "label")},
    }
    found = sorted(
        (v.rule, v.entity, v.location)
        for v in run_checks(store, locations, columns)
        if v.rule in ("ownership-acyclic", "retired-iri-replaced")
    )
    assert found == [
        ("ownership-acyclic", "company:a", "companies.csv:3:5 (column 'parent')"),
        ("ownership-acyclic", "company:b", "mine.ttl"),
        ("retired-iri-replaced", "therapy:old", "therapies.csv:7"),
    ]


def test_a_future_date_is_told_as_it_was_stated():
    """At a CSV cell that holds 2999-01 the message says 2999-01, not the first day stored."""
    store = ox.Store()
    store.load(
        (
            PREAMBLE
            + 'deal:a atmp:date "2999-01-01"^^xsd:date ; atmp:dateStated "2999-01"^^xsd:gYearMonth .\n'
            + 'deal:b atmp:date "2999-02-01"^^xsd:date .\n'
            + 'figure:c atmp:period "2999"^^xsd:gYear .\n'
        ).encode(),
        format=ox.RdfFormat.TURTLE,
    )
    assert sorted(rows(store, "no-future-dates")) == [
        (PREFIXES["deal"] + "a", "date 2999-01 is in the future"),
        (PREFIXES["deal"] + "b", "date 2999-02-01 is in the future"),
        (PREFIXES["figure"] + "c", "date 2999 is in the future"),
    ]


def test_the_shape_of_a_product_passed_on_targets_what_its_check_finds(fixture_store):
    """joints31 F1: ontology/shapes.ttl states the check's rule as a shape with a SPARQL target
    (SHACL-AF), which the exports read to keep a deal's counterparty; a SHACL engine with those
    features (pySHACL's advanced mode) finds the deals the check finds, and only those."""
    import pyshacl
    import rdflib

    from atmpkg.graph.store.validate import rdflib_graph

    store = fixture_copy(fixture_store)
    store.load(
        (
            PREAMBLE
            + BREAKERS["product-passed-on-names-its-seller"]
            + "\ndeal:x6 a atmp:Deal ; atmp:dealType dealtype:licensing ; atmp:dealTarget therapy:genex ."
        ).encode(),
        format=ox.RdfFormat.TURTLE,
    )
    shapes = rdflib.Graph().parse(
        Path(atmpkg.__file__).parent / "ontology" / "shapes.ttl", format="turtle"
    )
    _, report, _ = pyshacl.validate(
        rdflib_graph(store), shacl_graph=shapes, inference="none", advanced=True
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = {
        (str(report.value(r, sh.focusNode)), str(report.value(r, sh.resultPath)))
        for r in report.subjects(sh.resultPath, rdflib.URIRef(PREFIXES["atmp"] + "counterparty"))
    }
    assert found == {(PREFIXES["deal"] + "x5", PREFIXES["atmp"] + "counterparty")}
    assert [entity for entity, _ in rows(store, "product-passed-on-names-its-seller")] == [
        PREFIXES["deal"] + "x5"
    ]

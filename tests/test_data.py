"""The curated graph: exact facts for well-known products, coverage, claims, and tidy source files."""

from __future__ import annotations

import csv
import logging
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import atmpkg
from atmpkg.graph import open_store, query, run_named
from atmpkg.graph.rdf import ontology_quads
from atmpkg.graph.store.build import _data_files, compile_inputs
from atmpkg.graph.store.csvdata import FAMILIES
from atmpkg.graph.terms import ID, shorten

DATA = Path(__file__).parent.parent / "graph" / "data"


def one(store, sparql):
    rows = query(sparql, store=store).dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_first_fda_car_t_approval(curated_store):
    first = query(
        """SELECT ?label ?date ?indication ?sponsor WHERE {
             ?a atmp:agency agency:fda ; atmp:date ?date ; atmp:product ?t ; atmp:indication/rdfs:label ?indication ;
                atmp:sponsor/rdfs:label ?sponsor .
             ?t atmp:modality modality:car-t ; rdfs:label ?label }
           ORDER BY ?date LIMIT 1""",
        store=curated_store,
    ).dicts()
    assert first == [
        {
            "label": "Kymriah",
            "date": date(2017, 8, 30),
            "indication": "B-cell acute lymphoblastic leukemia",
            "sponsor": "Novartis",
        }
    ]


@pytest.mark.parametrize(
    ("therapy", "agency", "day"),
    [
        ("yescarta", "fda", date(2017, 10, 18)),
        ("luxturna", "fda", date(2017, 12, 19)),
        ("zolgensma", "fda", date(2019, 5, 24)),
        ("carvykti", "fda", date(2022, 2, 28)),
        ("casgevy", "mhra", date(2023, 11, 16)),
        ("casgevy", "fda", date(2023, 12, 8)),
        ("tecartus", "fda", date(2020, 7, 24)),
        ("abecma", "fda", date(2021, 3, 26)),
    ],
)
def test_first_approval_dates(curated_store, therapy, agency, day):
    row = one(
        curated_store,
        f"SELECT (MIN(?d) AS ?first) WHERE {{ ?a atmp:product therapy:{therapy} ; atmp:agency agency:{agency} ; atmp:date ?d }}",
    )
    assert row["first"] == day


def test_casgevy_was_first_approved_anywhere_by_the_mhra(curated_store):
    rows = query(
        "SELECT ?agency ?d WHERE { ?a atmp:product therapy:casgevy ; atmp:agency/atmp:acronym ?agency ; atmp:date ?d } ORDER BY ?d LIMIT 1",
        store=curated_store,
    ).dicts()
    assert rows == [{"agency": "MHRA", "d": date(2023, 11, 16)}]


def test_yescarta_belongs_to_gilead_through_kite(curated_store):
    row = one(
        curated_store,
        "SELECT ?dev ?top WHERE { therapy:yescarta atmp:developedBy company:kite-pharma . "
        "company:kite-pharma atmp:ultimateParent/rdfs:label ?top ; rdfs:label ?dev }",
    )
    assert row == {"dev": "Kite Pharma", "top": "Gilead Sciences"}


def test_gilead_kite_deal(curated_store):
    row = one(
        curated_store,
        "SELECT ?v ?type WHERE { ?d atmp:acquirer company:gilead-sciences ; atmp:dealTarget company:kite-pharma ; "
        "atmp:valueUSD ?v ; atmp:dealType/skos:prefLabel ?type }",
    )
    assert row == {"v": Decimal("11900000000"), "type": "acquisition"}


def test_the_seed_reports_wrong_exa_cel_year_is_a_contradicted_claim(curated_store):
    row = one(
        curated_store,
        "SELECT ?status ?by WHERE { ?c atmp:about therapy:casgevy ; atmp:status/skos:prefLabel ?status ; "
        'dct:source/dct:title ?by ; atmp:statement ?s FILTER(CONTAINS(?s, "late 2024")) }',
    )
    assert row["status"] == "contradicted"
    assert row["by"].startswith("Advanced Therapy Medicinal Products Market")


def test_coverage_targets(curated_store):
    counts = open_store(curated_store).info["counts"]
    assert counts["atmp:Therapy"] >= 45
    assert counts["atmp:Approval"] >= 90
    assert counts["atmp:Company"] >= 60
    assert counts["atmp:Deal"] >= 25
    contradicted = one(
        curated_store, "SELECT (COUNT(*) AS ?n) WHERE { ?c atmp:status claimstatus:contradicted }"
    )
    assert contradicted["n"] >= 8


def test_approvals_citing_a_regulator_document_per_agency_as_the_data_readme_states(curated_store):
    rows = query(
        """SELECT ?agency (COUNT(DISTINCT ?a) AS ?cited) WHERE {
             ?a a atmp:Approval ; atmp:agency ?agency ; dct:source/atmp:sourceKind sourcekind:regulator
           } GROUP BY ?agency""",
        store=curated_store,
    ).dicts()
    cited = {shorten(row["agency"]): int(row["cited"]) for row in rows}
    assert cited == {
        "agency:ema": 43,
        "agency:fda": 56,
        "agency:health-canada": 13,
        "agency:swissmedic": 14,
        "agency:pmda": 17,
        "agency:tga": 7,
        "agency:mfds": 1,
        "agency:anvisa": 11,
    }
    assert sum(cited.values()) == 162
    assert "162 of 250 approvals cite one so far" in " ".join(
        (DATA / "README.md").read_text().split()
    )


def with_of_all(store, sparql: str) -> dict[str, tuple[int, int]]:
    """``?with`` of ``?all`` per ``?group`` (a prefixed name), as the data README counts them."""
    rows = query(sparql, store=store).dicts()
    return {shorten(row["group"]): (int(row["with"]), int(row["all"])) for row in rows}


def test_approvals_stating_a_pathway_per_agency_as_the_data_readme_states(curated_store):
    found = with_of_all(
        curated_store,
        """SELECT ?group (COUNT(?a) AS ?all) (COUNT(?stated) AS ?with) WHERE {
             ?a a atmp:Approval ; atmp:agency ?group .
             OPTIONAL { ?a atmp:pathway ?pathway BIND(?a AS ?stated) }
           } GROUP BY ?group""",
    )
    assert found == {
        "agency:ema": (42, 43),
        "agency:fda": (22, 69),
        "agency:pmda": (22, 34),
        "agency:mfds": (10, 28),
        "agency:health-canada": (10, 14),
        "agency:nmpa": (4, 13),
        "agency:mhra": (4, 5),
        "agency:tga": (3, 7),
        "agency:swissmedic": (3, 16),
        "agency:anvisa": (4, 11),
        "agency:cdsco": (1, 10),
    }
    readme = " ".join((DATA / "README.md").read_text().split())
    assert (
        "125 of 250 approvals (EU 42 of 43, FDA 22 of 69, Japan 22 of 34, MFDS 10 of 28, Health "
        "Canada 10 of 14, NMPA 4 of 13, MHRA 4 of 5, TGA 3 of 7, Swissmedic 3 of 16, ANVISA 4 of 11, "
        "CDSCO 1 of 10)" in readme
    )


def test_wikidata_coverage_per_class_is_what_the_data_readme_states(curated_store):
    found = with_of_all(
        curated_store,
        """SELECT ?group (COUNT(DISTINCT ?entity) AS ?all) (COUNT(DISTINCT ?linked) AS ?with)
           WHERE {
             VALUES ?group { atmp:Therapy atmp:Company atmp:Indication atmp:RegulatoryAgency atmp:Target }
             ?entity a ?group .
             OPTIONAL { ?entity atmp:wikidataId ?qid BIND(?entity AS ?linked) }
           } GROUP BY ?group""",
    )
    assert found == {
        "atmp:Therapy": (33, 120),
        "atmp:Company": (53, 201),
        "atmp:Indication": (45, 78),
        "atmp:RegulatoryAgency": (1, 11),
        "atmp:Target": (0, 27),
    }
    readme = " ".join((DATA / "README.md").read_text().split())
    assert (
        "33 of 120 therapies, 53 of 201 companies, 45 of 78 indications, 1 of 11 agencies" in readme
    )
    assert "none of the 27 targets" in readme


def test_every_seed_market_size_is_recorded(curated_store):
    values = set(
        query(
            "SELECT ?v WHERE { ?e a atmp:MarketEstimate ; atmp:valueUSD|atmp:forecastValueUSD ?v }",
            store=curated_store,
        ).column("v")
    )
    for figure in (
        "14776330000",
        "29723680000",
        "4930000000",
        "23440000000",
        "5600000000",
        "35300000000",
        "41460000000",
        "86760000000",
    ):
        assert Decimal(figure) in values


def test_every_agency_page_and_report_is_a_source(curated_store):
    row = one(
        curated_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s atmp:sourceKind sourcekind:report }"
    )
    assert row["n"] == 2


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_curated_file_is_sorted_with_the_exact_header(family):
    with open(DATA / f"{family}.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == FAMILIES[family].header
    # by the first column, as the build warns; approvals of one product by agency, date, indication
    keys = [tuple(r[:4]) if family == "approvals" else r[0] for r in rows[1:]]
    assert keys == sorted(keys)


def test_the_packaged_data_compiles_without_a_warning(logged):
    # a warning here reaches everyone who runs `atmpkg build`
    caplog = logged("atmpkg", logging.WARNING)
    data = _data_files(None)
    compile_inputs(data, [], ontology_quads(), curated=len(data))
    assert caplog.messages == []


def test_every_source_is_used(curated_store):
    unused = query(
        "SELECT ?s WHERE { ?s a atmp:Source FILTER NOT EXISTS { ?x dct:source|atmp:evidence ?s } }",
        store=curated_store,
    ).column("s")
    assert unused == []


# -- the data model on the curated graph (issue 13) ------------------------------------------------


def test_a_range_filter_on_dates_finds_every_approval_of_2023(curated_store):
    found = query(
        'SELECT ?a WHERE { ?a a atmp:Approval ; atmp:date ?d FILTER(?d >= "2023-01-01"^^xsd:date '
        '&& ?d < "2024-01-01"^^xsd:date) }',
        store=curated_store,
    ).column("a")
    by_year = query(
        "SELECT ?a WHERE { ?a a atmp:Approval ; atmp:dateStated ?d FILTER(STRSTARTS(STR(?d), '2023')) }",
        store=curated_store,
    ).column("a")
    assert len(found) == 29 and sorted(found) == sorted(by_year)
    # the README's example: the named query over the year given as a year
    kg = atmpkg.open(curated_store)
    in_2023 = kg.named("approvals-in-period", {"from": "2023", "to": "2023"}).column("approval")
    assert sorted(in_2023) == sorted(found)


def test_the_named_queries_give_the_name_each_agency_authorised(curated_store):
    """Known since joints19: the rows of an approval gave the therapy's label alone, so an FDA
    reader looked for Libmeldy where the FDA approved Lenmeldy."""
    kg = atmpkg.open(curated_store)
    fda = kg.named("authorised-products", agency="fda", as_of="2026-12-01").dicts()
    assert {r["therapyName"]: r["authorisedName"] for r in fda if "authorisedName" in r} == {
        "Libmeldy": "Lenmeldy",
        "Upstaza": "Kebilidi",
    }
    march = kg.named("approvals-in-period", {"from": "2024-03", "to": "2024-03", "agency": "fda"})
    assert [(r["therapyName"], r.get("authorisedName")) for r in march.dicts()] == [
        ("Breyanzi", None),
        ("Libmeldy", "Lenmeldy"),
    ]
    names = [
        (r["agencyName"], r.get("authorisedName"))
        for r in kg.named("therapy-approval-timeline", therapy="yescarta").dicts()
        if r["agencyName"] == "NMPA"
    ]
    assert names == [("NMPA", "Yikaida"), ("NMPA", "Yikaida")]
    eu = kg.named("label-expansions", agency="ema").dicts()
    assert not [r for r in eu if "authorisedName" in r]


WITHDRAWN_IN_THE_EU = {
    "Alofisel",
    "Beqvez",
    "ChondroCelect",
    "Glybera",
    "MACI",
    "Provenge",
    "Skysona",
    "Zalmoxis",
    "Zynteglo",
}


def test_the_products_no_longer_authorised_in_the_eu_are_left_out(curated_store):
    today = run_named("authorised-products", {"agency": "ema"}, store=curated_store)
    names = {r["therapyName"] for r in today.dicts()}
    assert names & WITHDRAWN_IN_THE_EU == set() and {"Kymriah", "Zolgensma"} <= names
    ended = run_named("withdrawn-products", {"agency": "ema"}, store=curated_store).dicts()
    assert {r["therapyName"] for r in ended} == WITHDRAWN_IN_THE_EU
    before = run_named(
        "authorised-products", {"agency": "ema", "as_of": "2014-01-01"}, store=curated_store
    ).dicts()
    assert {"ChondroCelect", "Glybera", "MACI", "Provenge"} <= {r["therapyName"] for r in before}


def test_the_eu_conditional_authorisations_have_the_outcomes_the_coverage_gives(curated_store):
    """newuser31 F2: of the 13 EU conditional authorisations one conversion is dated (Holoclar's),
    three ended while conditional; graph/data/README.md's Coverage names the rest."""
    rows = query(
        "SELECT ?name ?kind ?when WHERE { ?a atmp:agency agency:ema ; atmp:product ?t ; "
        "atmp:pathway pathway:conditional-marketing-authorisation . ?t rdfs:label ?name "
        "OPTIONAL { ?e a atmp:LifecycleEvent ; atmp:agency agency:ema ; atmp:product ?t ; "
        "atmp:eventKind ?kind ; atmp:dateStated ?when "
        "FILTER(?kind IN (eventkind:converted-to-standard, eventkind:withdrawn)) } }",
        store=curated_store,
    ).dicts()
    outcomes = {
        (r["name"], shorten(r["kind"]) if r.get("kind") else None, str(r["when"]) if r.get("when") else None)
        for r in rows
    }
    assert sorted(outcomes, key=str) == sorted(
        {
            ("Abecma", None, None),
            ("Aucatzyl", None, None),
            ("Beqvez", "eventkind:withdrawn", "2025-05-15"),
            ("Carvykti", None, None),
            ("Casgevy", None, None),
            ("Hemgenix", None, None),
            ("Holoclar", "eventkind:converted-to-standard", "2024-02-22"),
            ("Roctavian", None, None),
            ("Tecartus", None, None),
            ("Zalmoxis", "eventkind:withdrawn", "2019-10-09"),
            ("Zemcelpro", None, None),
            ("Zolgensma", None, None),
            ("Zynteglo", "eventkind:withdrawn", "2022-03-29"),
        },
        key=str,
    )


def test_heartsheet_stays_authorised_until_a_source_dates_its_lapse(curated_store):
    """newuser31 F3: 24 July 2024 is the council's conclusion, not the lapse, which no source dates."""
    on = run_named("authorised-products", {"agency": "pmda", "as_of": "2024-08-01"}, store=curated_store)
    assert "HeartSheet" in {r["therapyName"] for r in on.dicts()}
    ended = run_named("withdrawn-products", {"agency": "pmda"}, store=curated_store).dicts()
    assert [(r["therapyName"], str(r["ended"]), r["how"]) for r in ended] == [
        ("Collategene", "2024-06-27", "expired")
    ]
    claim = atmpkg.open(curated_store).show("claim:heartsheet-lapse-on-non-approval-notice")
    assert claim.iri == ID + "claim/heartsheet-lapse-on-non-approval-notice"

def test_the_applications_under_review_at_the_data_date(curated_store):
    found = run_named("pending-reviews", {"as_of": "2026-12-03"}, store=curated_store).dicts()
    assert [(shorten(r["review"]), r["status"]) for r in found] == [
        ("review:otarmeni-ema-otof-hearing-loss", "no decision date announced"),
        ("review:deramiocel-fda-duchenne-2026", "decision date passed, outcome not recorded"),
        ("review:ux111-fda-mps-iiia-2026", "decision date passed, outcome not recorded"),
        ("review:anitocabtagene-autoleucel-fda-multiple-myeloma", "decision due"),
        ("review:carteyva-nmpa-large-b-cell-lymphoma-second-line", "no decision date announced"),
    ]


def test_the_applications_under_review_on_an_earlier_day(curated_store):
    # accepted by 1 January 2026 (or, acceptance not recorded, first reported by then) and not
    # decided by then: anito-cel's BLA, first reported on 23 February 2026, and Amchepry's
    # application, on 13 February 2026, not yet (newuser24 F7)
    found = run_named("pending-reviews", {"as_of": "2026-01-01"}, store=curated_store)
    assert [shorten(r["review"]) for r in found.dicts()] == [
        "review:otarmeni-ema-otof-hearing-loss",
        "review:ebvallo-fda-ptld-2025",
        "review:clemidsogene-lanparvovec-fda-mps-ii-2025",
        "review:kresladi-fda-lad-i-2025",
        "review:vusolimogene-oderparepvec-fda-melanoma-2025-resubmission",
        "review:orca-t-fda-hematologic-neoplasms-2025",
        "review:carteyva-nmpa-large-b-cell-lymphoma-second-line",
        "review:satricabtagene-autoleucel-nmpa-gastric-adenocarcinoma",
        "review:reheart-pmda-heart-failure",
    ]
    assert found.notes == [
        "seen from 2026-01-01, 3 reviews listed have no recorded acceptance "
        "(review:otarmeni-ema-otof-hearing-loss, "
        "review:vusolimogene-oderparepvec-fda-melanoma-2025-resubmission, "
        "review:reheart-pmda-heart-failure): each counts from the day its first source was issued "
        "(atmp:firstReported; the first day of its month or year where no day is given), not from "
        "its filing",
        # rev24 F6: those the day leaves out because they were first reported later are named too
        "seen from 2026-01-01, 2 reviews with no recorded acceptance are left out, first reported "
        "later (review:amchepry-pmda-parkinson-disease on 2026-02-13, "
        "review:anitocabtagene-autoleucel-fda-multiple-myeloma on 2026-02-23): each counts from the "
        "day its first source was issued (the first day of its month or year where no day is given)",
    ]


def test_the_curated_reviews_decided_by_an_approval_are_those_recorded_approved_that_day(
    curated_store,
):
    """Every link from a curated review to the approval that decided it (atmp:decidedBy) joins a
    review whose recorded outcome is that approval, on the approval's day, so that pending-reviews
    and regulatory-calendar answer as they did before the rule. RP1 (vusolimogene oderparepvec)
    was approved in August 2026 after two complete response letters: only its review of 2026 is
    linked to the approval."""
    found = query(
        """SELECT ?review ?outcome ?decided ?approval ?approved WHERE {
             ?review atmp:decidedBy ?approval ; atmp:reviewOutcome/skos:prefLabel ?outcome ;
                     atmp:outcomeDateStated ?decided .
             ?approval atmp:dateStated ?approved } ORDER BY ?review""",
        store=curated_store,
    ).dicts()
    assert [
        (shorten(r["review"]), r["outcome"], r["decided"], shorten(r["approval"]), r["approved"])
        for r in found
    ] == [
        (f"review:{review}", "approved", day, f"approval:{approval}", day)
        for review, day, approval in (
            ("amchepry-pmda-parkinson-disease", date(2026, 3, 6), "amchepry-pmda-2026-03-06-parkinson-disease"),
            ("encelto-fda-mactel-2024", date(2025, 3, 5), "encelto-fda-2025-03-05-macular-telangiectasia-type-2"),
            ("kresladi-fda-lad-i-2025", date(2026, 3, 26), "kresladi-fda-2026-03-26-leukocyte-adhesion-deficiency-type-1"),
            ("orca-t-fda-hematologic-neoplasms-2025", date(2026, 6, 30), "orca-t-fda-2026-06-30-hematologic-neoplasms"),
            ("papzimeos-fda-rrp-2025", date(2025, 8, 14), "papzimeos-fda-2025-08-14-recurrent-respiratory-papillomatosis"),
            ("reheart-pmda-heart-failure", date(2026, 3, 6), "reheart-pmda-2026-03-06-heart-failure"),
            ("satricabtagene-autoleucel-nmpa-gastric-adenocarcinoma", date(2026, 6, 22), "satricabtagene-autoleucel-nmpa-2026-06-22-gastric-adenocarcinoma"),
            ("vusolimogene-oderparepvec-fda-melanoma-2026", date(2026, 8, 6), "vusolimogene-oderparepvec-fda-2026-08-06-melanoma"),
            ("zevaskyn-fda-rdeb-2024", date(2025, 4, 28), "zevaskyn-fda-2025-04-28-dystrophic-epidermolysis-bullosa"),
        )
    ]  # fmt: skip
    # and no review without a recorded outcome is linked: Carteyva's NMPA approval of 2021 for
    # large B-cell lymphoma came before its second-line supplement was accepted in May 2025
    unrecorded = query(
        "SELECT ?review WHERE { ?review atmp:decidedBy ?approval "
        "FILTER NOT EXISTS { ?review atmp:reviewOutcome ?outcome } }",
        store=curated_store,
    )
    assert unrecorded.rows == []


def test_an_imported_approval_decides_a_curated_review_until_it_is_removed(
    curated_store, tmp_path
):
    """Issue 13, known for several sessions: an approval a user imports for anito-cel's BLA, under
    FDA review with its goal date on 23 December 2026, left the review pending and on the
    calendar. Here a hypothetical approval of 20 November 2026, in a copy of the curated store."""
    import shutil

    from click.testing import CliRunner

    from atmpkg.cli import cli

    store = tmp_path / "store"
    shutil.copytree(curated_store, store, symlinks=True)
    (tmp_path / "my-sources.csv").write_text(
        "slug,title,publisher,issued,url,kind\n"
        "hypothetical-anito-cel-approval,A hypothetical approval,Test,2026-11-20,"
        "https://example.org/anito-cel,trade-press\n",
        encoding="utf-8",
    )
    (tmp_path / "my-approvals.csv").write_text(
        "therapy,agency,date,indication,sponsor,jurisdiction,pathway,approval_type,indication_text,source,note\n"
        "anitocabtagene-autoleucel,fda,2026-11-20,multiple-myeloma,gilead-sciences,us,standard,"
        "initial,fourth line,hypothetical-anito-cel-approval,\n",
        encoding="utf-8",
    )
    anito = "review:anitocabtagene-autoleucel-fda-multiple-myeloma"

    def listed(day: str) -> tuple[bool, bool]:
        """Whether anito-cel's review is pending, and on the calendar, seen from ``day``."""
        found = []
        for name in ("pending-reviews", "regulatory-calendar"):
            rows = run_named(name, {"as_of": day, "agency": "fda"}, store=store).dicts()
            found.append(anito in [shorten(r["review"]) for r in rows])
        return found[0], found[1]

    runner = CliRunner()
    files = [str(tmp_path / "my-sources.csv"), str(tmp_path / "my-approvals.csv")]
    imported = runner.invoke(cli, ["import", *files, "--store", str(store)])
    assert imported.exit_code == 0, imported.output
    decided = query(f"SELECT ?approval WHERE {{ {anito} atmp:decidedBy ?approval }}", store=store)
    assert [shorten(r["approval"]) for r in decided.dicts()] == [
        "approval:anitocabtagene-autoleucel-fda-2026-11-20-multiple-myeloma"
    ]
    assert [listed(day) for day in ("2026-11-19", "2026-11-20", "2026-12-01")] == [
        (True, True),
        (False, False),
        (False, False),
    ]
    # the other doors say what the queries do: show and the served page name the approval that
    # decided the review (session 29 left it out of both), stats counts the link, and stats and
    # the queries' notes give the same days
    assert doors(store) == (
        [
            "  decided by: Anitocabtagene autoleucel — FDA 2026-11-20 (Multiple myeloma) "
            "(approval:anitocabtagene-autoleucel-fda-2026-11-20-multiple-myeloma)"
        ],
        [
            '<tr><th>decided by</th><td><a href="/id/approval/anitocabtagene-autoleucel-fda-'
            '2026-11-20-multiple-myeloma">Anitocabtagene autoleucel — FDA 2026-11-20 (Multiple '
            "myeloma)</a></td></tr>"
        ],
        10,
        "Data as of 2026-10-30 (the newest source document the curated data cites); your imports "
        "cite sources up to 2026-11-20",
        {
            "the data is as of 2026-10-30 (the newest source document the curated data cites) and "
            "this answer looks to 2026-12-01: a review filed, decided or given a date after "
            "2026-10-30 is not in it (22 reviews in the graph); your imports cite sources up to "
            "2026-11-20"
        },
    )
    removed = runner.invoke(cli, ["import", "--remove", "my-approvals.csv", "--store", str(store)])
    assert removed.exit_code == 0, removed.output
    assert query(f"ASK {{ {anito} atmp:decidedBy ?approval }}", store=store).boolean is False
    assert [listed(day) for day in ("2026-11-20", "2026-12-01")] == [(True, True), (True, True)]
    assert doors(store)[:3] == ([], [], 9)


def doors(store: Path) -> tuple[list[str], list[str], int, str, set[str]]:
    """What each door says of anito-cel's review and the data's day in ``store``: show's and the
    served page's lines naming the approval that decided it, the count of atmp:decidedBy and the
    line of the data's day in ``atmpkg stats``, and the notes on that day of pending-reviews and
    regulatory-calendar seen from 1 December 2026 (the calendar for that day alone)."""
    import urllib.request

    from click.testing import CliRunner

    from atmpkg.cli import cli
    from atmpkg.graph.server.http import make_server

    review = "review:anitocabtagene-autoleucel-fda-multiple-myeloma"
    shown = CliRunner().invoke(cli, ["show", review, "--store", str(store)]).stdout.splitlines()
    server = make_server(store, port=0, timeout=10, workers=1).start()
    try:
        url = f"{server.url}/id/{review.replace(':', '/')}"
        asked = urllib.request.Request(url, headers={"Accept": "text/html"})
        with urllib.request.urlopen(asked) as got:
            page = got.read().decode("utf-8")
    finally:
        server.shutdown()
    stats = CliRunner().invoke(cli, ["stats", "--store", str(store)]).stdout.splitlines()
    counted = [int(line.split()[1]) for line in stats if line.split()[:1] == ["atmp:decidedBy"]]
    day = {"as_of": "2026-12-01"}
    asks = (("pending-reviews", day), ("regulatory-calendar", {**day, "to": "2026-12-01"}))
    notes = {
        note
        for name, params in asks
        for note in run_named(name, params, store=store).notes
        if note.startswith("the data is as of")
    }
    return (
        [line for line in shown if line.startswith("  decided by:")],
        re.findall(r"<tr><th>decided by</th>.*?</tr>", page),
        counted[0] if counted else 0,
        stats[1],
        notes,
    )


def test_no_application_is_under_review_before_any_was_filed_or_reported(curated_store):
    """newuser24 F7: from 1 June 2023, and from 1 January 1990, pending-reviews listed nine
    reviews whose acceptance is not recorded, filed years later (RP1's resubmission of 2025,
    anito-cel's BLA with its goal date in December 2026), and regulatory-calendar had them due;
    the earliest acceptance recorded is Ebvallo's, in July 2024, and the earliest source of a
    review without one was issued in 2025."""

    def left_out(day: str, count: int, named: tuple[str, str, str], more: int) -> list[str]:
        """The note naming the reviews ``day`` leaves out as first reported later (rev24 F6)."""
        return [
            f"seen from {day}, {count} reviews with no recorded acceptance are left out, first "
            f"reported later ({', '.join(f'review:{n} on 2025-01-01' for n in named)} and {more} "
            "more): each counts from the day its first source was issued (the first day of its "
            "month or year where no day is given)"
        ]

    listed = ("deramiocel-fda-duchenne-2025", "elevidys-ema-duchenne", "encelto-fda-mactel-2024")
    due = ("deramiocel-fda-duchenne-2025", "encelto-fda-mactel-2024", "ux111-fda-mps-iiia-2025")
    for day in ("1990-01-01", "2023-06-01"):
        found = run_named("pending-reviews", {"as_of": day}, store=curated_store)
        assert (found.rows, found.notes) == ([], left_out(day, 9, listed, 6))
        period = {"as_of": day, "from": day, "to": "2030-01-01"}
        found = run_named("regulatory-calendar", period, store=curated_store)
        # newuser26 F10: a period to 2030 looks past the data's day, which is said first
        assert found.notes[0].startswith("the data is as of ")
        assert (found.rows, found.notes[1:]) == ([], left_out(day, 5, due, 2))
    first = run_named("pending-reviews", {"as_of": "2024-07-31"}, store=curated_store).dicts()
    assert [shorten(r["review"]) for r in first] == ["review:ebvallo-fda-ptld-2024"]


def test_europe_holds_the_european_union(curated_store):
    found = run_named("approvals-by-jurisdiction", {"region": "act-europe"}, store=curated_store)
    assert [(r["agency"], r["approvals"]) for r in found.dicts()] == [
        (ID + "agency/ema", 43),
        (ID + "agency/swissmedic", 16),
        (ID + "agency/mhra", 5),
    ]


def test_each_product_counts_once_however_many_indications_its_first_day_approved(curated_store):
    found = run_named("second-agency-by-modality", {"modality": "car-t"}, store=curated_store)
    assert [(r["products"], r["averageDays"], r["fastestName"]) for r in found.dicts()] == [
        (7, 159, "Carvykti")
    ]
    casgevy = run_named(
        "company-portfolio", {"company": "vertex-pharmaceuticals"}, store=curated_store
    )
    assert casgevy.column("therapyName") == ["Casgevy"]
    groups = run_named("companies-by-approved-products", {"min_products": 1}, store=curated_store)
    assert groups.column("therapyName").count("APCEDEN") == 1


def test_who_holds_a_product_today_follows_the_deals_that_passed_it_on(curated_store):
    """newuser18 M3: Beacon Parent Holdings (bluebird bio's owner) listed Abecma as its own."""

    def portfolio(company: str) -> dict[str, tuple[str | None, bool]]:
        found = run_named("company-portfolio", {"company": company}, store=curated_store)
        return {r["therapyName"]: (r.get("developerName"), r["held"]) for r in found.dicts()}

    assert portfolio("beacon-parent-holdings") == {
        "Abecma": ("bluebird bio", False),
        "Lyfgenia": ("bluebird bio", True),
        "Skysona": ("bluebird bio", True),
        "Zynteglo": ("bluebird bio", True),
    }
    assert portfolio("bristol-myers-squibb")["Abecma"] == ("Bristol Myers Squibb", True)
    assert portfolio("gsk") == {"Strimvelis": ("GSK", False)}
    assert portfolio("us-worldmeds") == {"Tecelra": (None, True)}
    assert portfolio("adaptimmune")["Tecelra"] == ("Adaptimmune", False)
    holders = query(
        "SELECT ?t ?c WHERE { VALUES ?t { therapy:strimvelis therapy:abecma } ?t atmp:heldBy ?c }"
        " ORDER BY ?t ?c",
        store=curated_store,
    )
    assert [(r["t"][len(ID) :], r["c"][len(ID) :]) for r in holders.dicts()] == [
        ("therapy/abecma", "company/2seventy-bio"),
        ("therapy/abecma", "company/bristol-myers-squibb"),
        ("therapy/strimvelis", "company/fondazione-telethon"),
    ]


def test_provenge_went_with_dendreon_from_valeant_to_sanpower(curated_store):
    """newuser30 F6: Valeant's 2015 asset purchase named Dendreon, the seller, as its target. Its
    target is Provenge, Dendreon the counterparty; Valeant sold Dendreon, with Provenge, to Sanpower
    in 2017, so Valeant (Bausch Health since 2018) lists Provenge as bought and no longer held."""

    def portfolio(company: str) -> list[tuple[str, str | None, bool]]:
        found = run_named("company-portfolio", {"company": company}, store=curated_store)
        return [(r["therapyName"], r.get("developerName"), r["held"]) for r in found.dicts()]

    assert portfolio("valeant") == [("Provenge", None, False)]
    assert portfolio("Bausch Health") == [("Provenge", None, False)]
    assert portfolio("sanpower") == [("Provenge", "Dendreon", True)]
    sponsors = run_named("sponsor-ultimate-parent", {"therapy": "provenge"}, store=curated_store)
    assert [(r["agencyName"], r["sponsorName"], r["ultimateParentName"]) for r in sponsors.dicts()] == [
        ("FDA", "Dendreon", "Sanpower Group"),
        ("EMA", "Dendreon", "Sanpower Group"),
    ]
    held = query("SELECT ?c WHERE { therapy:provenge atmp:heldBy ?c }", store=curated_store)
    assert [r["c"][len(ID) :] for r in held.dicts()] == ["company/dendreon"]
    carried = query("SELECT ?d ?t WHERE { ?d atmp:carriedProduct ?t }", store=curated_store)
    assert [(r["d"][len(ID) :], r["t"][len(ID) :]) for r in carried.dicts()] == [
        ("deal/sanpower-dendreon-2017", "therapy/provenge")
    ]
    deals = query(
        "SELECT ?deal ?target ?seller WHERE { VALUES ?deal { deal:valeant-dendreon-2015 "
        "deal:sanpower-dendreon-2017 } ?deal atmp:dealTarget ?target ; atmp:counterparty ?seller } "
        "ORDER BY ?deal",
        store=curated_store,
    )
    assert [tuple(v[len(ID) :] for v in r.values()) for r in deals.dicts()] == [
        ("deal/sanpower-dendreon-2017", "company/dendreon", "company/valeant"),
        ("deal/valeant-dendreon-2015", "therapy/provenge", "company/dendreon"),
    ]


def test_provenge_us_licence_is_held_by_dendreon_not_valeant(curated_store):
    """data32: the FDA holder transfer of February 2015 names Valeant, which sold Dendreon with
    Provenge to Sanpower in 2017, and "who holds the licence now" answered Valeant. The event keeps
    its new holder (who took it then); the approval's atmp:authorisationHolder is Dendreon, and the
    approvals whose holder is not their sponsor are those a transfer names, each once."""
    found = query(
        "SELECT ?agency ?holder ?group WHERE { ?a atmp:product therapy:provenge ; "
        "atmp:agency/atmp:acronym ?agency ; atmp:authorisationHolder ?h . ?h rdfs:label ?holder ; "
        "atmp:ultimateParent/rdfs:label ?group } ORDER BY ?agency",
        store=curated_store,
    )
    assert [tuple(r.values()) for r in found.dicts()] == [
        ("EMA", "Dendreon", "Sanpower Group"),
        ("FDA", "Dendreon", "Sanpower Group"),
    ]
    then = query(
        "SELECT ?h WHERE { event:provenge-fda-holder-transfer-2015-02 atmp:newHolder ?h }",
        store=curated_store,
    )
    assert [r["h"][len(ID) :] for r in then.dicts()] == ["company/valeant"]
    moved = query(
        "SELECT ?a ?h WHERE { ?a atmp:authorisationHolder ?h ; atmp:sponsor ?s FILTER(?h != ?s) } "
        "ORDER BY ?a",
        store=curated_store,
    )
    assert [(r["a"][len(ID + "approval/") :], r["h"][len(ID) :]) for r in moved.dicts()] == [
        ("ebvallo-ema-2022-12-16-post-transplant-lymphoproliferative-disorder", "company/pierre-fabre"),
        ("holoclar-ema-2015-02-17-limbal-stem-cell-deficiency", "company/holostem"),
        ("maci-ema-2013-06-27-knee-cartilage-defect", "company/vericel"),
        ("strimvelis-ema-2016-05-26-adenosine-deaminase-deficiency", "company/fondazione-telethon"),
        ("tecelra-fda-2024-08-synovial-sarcoma", "company/us-worldmeds"),
        ("yescarta-pmda-2021-01-22-large-b-cell-lymphoma", "company/gilead-sciences"),
        ("yescarta-pmda-2022-12-20-large-b-cell-lymphoma", "company/gilead-sciences"),
    ]
    many = query(
        "SELECT ?a WHERE { ?a atmp:authorisationHolder ?h1, ?h2 FILTER(?h1 != ?h2) }", store=curated_store
    )
    assert many.rows == []
    # the approval's page names the holder; the company's page and networks leave the link out,
    # since for most approvals it is the sponsor they already list and draw
    kg = atmpkg.open(curated_store)
    approval = "approval:provenge-fda-2010-04-29-castration-resistant-prostate-cancer"
    page = kg.show(approval)
    assert [(f.property_label, f.value_label) for f in page.facts if f.property.endswith("#authorisationHolder")] == [
        ("authorisation holder", "Dendreon")
    ]
    dendreon = kg.show("company:dendreon")
    assert not [f for f in dendreon.incoming if f.property.endswith("#authorisationHolder")]
    network = kg.select(focus=approval, hops=1).network()
    assert sorted(d["label"] for *_, d in network.edges(data=True)) == [
        "developed by",
        "indication",
        "product",
        "sponsor",
    ]


def test_dendreon_pharmaceuticals_llc_is_dendreon_and_its_labeling_is_cited(curated_store):
    """data32: FDA's label and openFDA's NDC record name Dendreon Pharmaceuticals LLC as Provenge's
    labeler, the company Sanpower bought from an affiliate of Valeant: the name finds Dendreon, and
    the holder transfer cites the pages its note quotes."""
    kg = atmpkg.open(curated_store)
    assert kg.show("Dendreon Pharmaceuticals LLC").iri == ID + "company/dendreon"
    cited = query(
        "SELECT ?s WHERE { event:provenge-fda-holder-transfer-2015-02 dct:source ?s } ORDER BY ?s",
        store=curated_store,
    )
    assert [r["s"][len(ID + "source/") :] for r in cited.dicts()] == [
        "biospace-dendreon-sanpower-close-2017",
        "centerwatch-valeant-dendreon-2015",
        "fdalabel-provenge-spl",
        "imsilkroad-sanpower-dendreon-2017",
        "openfda-provenge-ndc",
        "sanpower-dendreon-completion-2017",
    ]


def test_a_whole_graph_export_keeps_what_every_retired_iri_points_to(curated_store):
    import pyoxigraph as ox

    from atmpkg.graph import export_subgraph
    from atmpkg.graph.terms import REPLACED_BY

    content = export_subgraph("nt", with_sources=True, store=curated_store).content
    exported = {q.triple for q in ox.parse(content, format=ox.RdfFormat.N_TRIPLES)}
    store = open_store(curated_store).store
    pointer = ox.NamedNode(REPLACED_BY)
    retired = {q.subject for q in store.quads_for_pattern(None, pointer, None)}
    assert len(retired) == 110
    stated = {q.triple for r in retired for q in store.quads_for_pattern(r, None, None)}
    assert len(stated) == 3 * 110 and stated <= exported


def test_companies_are_connected_through_their_ownership_lines(
    curated_store,
):
    def deals(company: str, other: str) -> list[str]:
        found = run_named(
            "company-connections", {"company": company, "other": other}, store=curated_store
        )
        return [shorten(r["deal"]) for r in found.dicts() if "deal" in r]

    # Celgene, which Bristol Myers Squibb owns, made bluebird's deals; 2seventy bio, which it owns
    # too, was spun off from bluebird with its share of Abecma
    assert deals("bristol-myers-squibb", "bluebird-bio") == [
        "deal:celgene-bluebird-bio-car-t-2013",
        "deal:celgene-bluebird-bio-bb2121-2018",
        "deal:2seventy-bio-bluebird-bio-oncology-spin-off-2021",
    ]
    # a deal of Celgene's on a product of their shared owner is no link of Juno's to Celgene;
    # Bristol Myers Squibb, Juno's owner, buying Celgene is
    assert deals("juno-therapeutics", "celgene") == [
        "deal:celgene-juno-therapeutics-2018",
        "deal:bristol-myers-squibb-celgene-2019",
    ]
    # a subsidiary and its owner: the deals that brought it into the group, not every deal the
    # group made inside itself (Novartis buying Kate Therapeutics is none of AveXis's business)
    assert deals("avexis", "novartis") == ["deal:novartis-avexis-2018"]
    assert deals("juno-therapeutics", "bristol-myers-squibb") == [
        "deal:celgene-juno-therapeutics-2018",
        "deal:bristol-myers-squibb-celgene-2019",
    ]
    assert deals("bristol-myers-squibb", "juno-therapeutics") == deals(
        "juno-therapeutics", "bristol-myers-squibb"
    )


def test_deal_figures_have_one_meaning(curated_store):
    deals = query(
        "SELECT ?deal ?total ?upfront ?equity ?milestones WHERE { ?deal a atmp:Deal "
        "OPTIONAL { ?deal atmp:valueUSD ?total } OPTIONAL { ?deal atmp:upfrontUSD ?upfront } "
        "OPTIONAL { ?deal atmp:equityUSD ?equity } "
        "OPTIONAL { ?deal atmp:milestonesUSD ?milestones } }",
        store=curated_store,
    ).dicts()
    assert len(deals) == 101
    for d in deals:
        total, upfront, milestones = d.get("total"), d.get("upfront"), d.get("milestones")
        equity = d.get("equity")
        if total is not None:
            assert all(part is None or part <= total for part in (upfront, equity, milestones)), d
        if None not in (total, upfront, milestones):
            assert abs(upfront + (equity or 0) + milestones - total) <= total / 20, d
    bluebird = query(
        "SELECT ?parent ?since WHERE { company:bluebird-bio atmp:subsidiaryOf/rdfs:label ?parent ; "
        "atmp:parentSinceStated ?since }",
        store=curated_store,
    ).dicts()
    assert [(r["parent"], str(r["since"])) for r in bluebird] == [
        ("Beacon Parent Holdings, L.P.", "2025-06-02")
    ]


def test_the_cash_and_the_equity_a_buyer_purchases_are_recorded_apart(curated_store):
    """issue 13 item 3, newuser29 F5: the upfront was the non-contingent part with the equity
    bought at signing or closing, and left empty where no source sums the two (Kite–Arcellx
    2022, which then had no money and counted as undisclosed). Every deal whose sources give the
    cash and the equity apart now has each in its own cell, as the sources state them, and is
    worth at least their sum where no total is stated."""
    deals = query(
        "SELECT ?deal ?total ?upfront ?equity ?milestones ?atLeast WHERE { ?deal a atmp:Deal ; "
        "atmp:equityUSD ?equity OPTIONAL { ?deal atmp:valueUSD ?total } "
        "OPTIONAL { ?deal atmp:upfrontUSD ?upfront } OPTIONAL { ?deal atmp:milestonesUSD ?milestones } "
        "OPTIONAL { ?deal atmp:valueAtLeastUSD ?atLeast } } ORDER BY ?deal",
        store=curated_store,
    ).dicts()
    M = 1_000_000
    assert [
        (shorten(d["deal"]), d.get("total"), d["upfront"], d["equity"], d.get("milestones"), d["atLeast"])
        for d in deals
    ] == [
        ("deal:biogen-sangamo-therapeutics-2020", 2720 * M, 125 * M, 225 * M, 2370 * M, 2720 * M),
        ("deal:kite-pharma-arcellx-2022", None, 225 * M, 100 * M, None, 325 * M),
        ("deal:kite-pharma-arcellx-2023", None, 85 * M, 200 * M, None, 285 * M),
        ("deal:neurocrine-biosciences-voyager-therapeutics-2019", None, 115 * M, 50 * M, 1700 * M, 165 * M),
        ("deal:roche-sarepta-therapeutics-2019", None, 750 * M, 400 * M, 1700 * M, 1150 * M),
        ("deal:vertex-pharmaceuticals-crispr-therapeutics-2015", None, 75 * M, 30 * M, 2600 * M, 105 * M),
    ]  # fmt: skip
    with open(DATA / "deals.csv", encoding="utf-8") as rows:
        notes = {r["slug"]: r["note"] for r in csv.DictReader(rows)}
    # each figure is in the row's own note, as its sources state it
    assert "USD 225M upfront cash" in notes["kite-pharma-arcellx-2022"]
    assert "USD 100M equity investment" in notes["kite-pharma-arcellx-2022"]
    assert "USD 85M upfront cash at closing (the upfront) plus a USD 200M equity purchase" in notes[
        "kite-pharma-arcellx-2023"
    ]
    assert "USD 125M licence fee in cash (the upfront) and USD 225M of new Sangamo stock" in notes[
        "biogen-sangamo-therapeutics-2020"
    ]
    assert "USD 115M upfront cash plus a USD 50M equity purchase (USD 165M together per C&EN)" in (
        notes["neurocrine-biosciences-voyager-therapeutics-2019"]
    )
    # newuser30 F3: no note calls the shares bought part of the upfront any more
    stale = re.compile(r"[Uu]pfront (consists|of USD)|equity upfront")
    assert [slug for slug, note in notes.items() if stale.search(note)] == []
    # the equity bought later, or when no source says, is in the note and not in the cell
    assert "USD 21.8M per PharmaStar) and an equity investment reported as USD 18M" in notes[
        "chiesi-uniqure-glybera-2013"
    ]
    assert "EUR 10M equity investment (due within 12 months" in notes[
        "takeda-tigenix-cx601-licence-2016"
    ]


def test_the_named_queries_count_a_deal_by_its_cash_and_equity(curated_store):
    """newuser29 F5's commands: Kite–Arcellx 2022 is disclosed, listed and summed at USD 325M."""
    kg = atmpkg.open(curated_store)
    december = kg.named("deals-above-value", min_value=2e8, **{"from": "2022-12", "to": "2022-12"})
    assert december.dicts() == [
        {
            "deal": ID + "deal/kite-pharma-arcellx-2022",
            "acquirer": ID + "company/kite-pharma",
            "acquirerName": "Kite Pharma",
            "target": ID + "company/arcellx",
            "targetName": "Arcellx",
            "dealType": "collaboration",
            "date": date(2022, 12, 9),
            "atLeastUSD": Decimal("325000000"),
            "upfrontUSD": Decimal("225000000"),
            "equityUSD": Decimal("100000000"),
            "min_value": Decimal("200000000"),
            "from": date(2022, 12, 1),
            "to": date(2022, 12, 31),
        }
    ]
    collaborations = kg.named("deals-by-type-year", type="collaboration").dicts()
    assert [r for r in collaborations if r["year"] == 2022] == [
        {
            "type": ID + "deal-type/collaboration",
            "typeName": "collaboration",
            "year": 2022,
            "deals": 2,
            "disclosedDeals": 2,
            "totalValueUSD": Decimal("1675000000"),
            "largestDeal": ID + "deal/pfizer-beam-therapeutics-2022",
            "largestDealUSD": Decimal("1350000000"),
        }
    ]
    kite = [
        (r["typeName"], r["deals"], r["disclosedDeals"], r.get("totalValueUSD"))
        for r in kg.named("acquirers-by-deal-value").dicts()
        if r["acquirerName"] == "Kite Pharma"
    ]
    assert kite == [
        ("acquisition", 1, 1, Decimal("350000000")),
        ("collaboration", 1, 1, Decimal("325000000")),
        ("equity stake", 1, 1, Decimal("285000000")),
    ]


def test_two_products_share_an_inn_with_different_proper_names(curated_store):
    found = query(
        "SELECT ?name ?proper WHERE { ?t atmp:inn 'onasemnogene abeparvovec' ; rdfs:label ?name ; "
        "atmp:properName ?proper } ORDER BY ?name",
        store=curated_store,
    ).dicts()
    assert [(r["name"], r["proper"]) for r in found] == [
        ("Itvisma", "onasemnogene abeparvovec-brve"),
        ("Zolgensma", "onasemnogene abeparvovec-xioi"),
    ]


def test_every_iri_the_project_published_and_retired_leads_to_what_replaced_it(curated_store):
    """graph/data/retired.csv: 76 approval IRIs whose date was given to the day or corrected, or whose indication was,
    23 sources and 6 claims merged into a duplicate, two lifecycle events whose kind and date were
    corrected, a lifecycle event taken out, which leads to the development its date was (newuser31
    F3), and two IRIs of an approval taken out, which lead to its product; each replacement is a
    current entity."""
    rows = query(
        "SELECT ?kind (COUNT(?old) AS ?n) WHERE { ?old dct:isReplacedBy ?new . ?new a ?kind } "
        "GROUP BY ?kind ORDER BY ?kind",
        store=curated_store,
    )
    assert [(shorten(r["kind"]), int(r["n"])) for r in rows] == [
        ("atmp:Approval", 76),
        ("atmp:Claim", 6),
        ("atmp:Development", 1),
        ("atmp:LifecycleEvent", 2),
        ("atmp:Source", 23),
        ("atmp:Therapy", 2),
    ]
    kg = atmpkg.open(curated_store)
    assert kg.show("approval:kymriah-ema-2018-08-22-large-b-cell-lymphoma").iri == (
        ID + "approval/kymriah-ema-2018-08-23-diffuse-large-b-cell-lymphoma"
    )


def test_an_identifier_written_as_an_iri_is_noted_with_the_text_the_graph_holds(curated_store):
    """newuser17 F7: Wikidata's IRI of an item where the graph holds its QID as text."""
    kg = atmpkg.open(curated_store)
    text = "SELECT ?t WHERE { ?t atmp:wikidataId <http://www.wikidata.org/entity/Q106293994> }"
    assert kg.query(text).notes == [
        "atmp:wikidataId <http://www.wikidata.org/entity/Q106293994> matches no value: the graph "
        'holds it as text, "Q106293994"; write that'
    ]
    assert kg.query('SELECT ?t WHERE { ?t atmp:wikidataId "Q106293994" }').column("t") == [
        ID + "therapy/abecma"
    ]


def test_an_ownership_row_of_company_connections_says_since_when(curated_store):
    """newuser30 F4: "Arcellx  subsidiary of  Gilead Sciences" had an empty date, though the graph
    holds Arcellx's parentSince; 2seventy bio's is stated to the day too."""
    for company, other, since in (
        ("gilead-sciences", "arcellx", "2026-04-28"),
        ("bristol-myers-squibb", "2seventy-bio", "2025-05-13"),
    ):
        found = run_named(
            "company-connections", {"company": company, "other": other}, store=curated_store
        )
        owned = [
            (shorten(r["from"]), shorten(r["to"]), str(r["date"]))
            for r in found.dicts()
            if r["connection"] == "subsidiary of"
        ]
        assert owned == [(f"company:{other}", f"company:{company}", since)]


def test_a_deal_names_its_party_which_one_company_came_to_own_later(curated_store):
    """joints17 F3: Novartis's 2018 licence from Spark connects Novartis and Roche, which bought
    Spark in 2019; the answer named neither Spark nor its owner's link."""
    found = run_named(
        "company-connections", {"company": "roche", "other": "novartis"}, store=curated_store
    ).dicts()
    assert [(shorten(r["from"]), shorten(r["deal"]), r["partyName"]) for r in found] == [
        ("company:novartis", "deal:novartis-spark-therapeutics-luxturna-2018", "Spark Therapeutics")
    ]


def test_a_deal_joins_the_companies_that_sold_or_licensed_its_product(curated_store):
    # named12 F2: Pfizer's licence of SPK-FIX (Beqvez) from Spark did not connect the two, the
    # product being credited to Pfizer alone; the deal names its counterparty
    found = run_named(
        "company-connections", {"company": "pfizer", "other": "spark-therapeutics"},
        store=curated_store,
    ).dicts()  # fmt: skip
    assert [
        (shorten(r["from"]), r["connection"], shorten(r["to"]), shorten(r["deal"])) for r in found
    ] == [
        (
            "company:pfizer",
            "licensing",
            "therapy:beqvez",
            "deal:pfizer-spark-therapeutics-spk-fix-2014",
        )
    ]
    counterparties = query(
        "SELECT ?deal ?party WHERE { ?deal atmp:counterparty ?party } ORDER BY ?deal",
        store=curated_store,
    ).rows
    assert [(shorten(d.value), shorten(p.value)) for d, p in counterparties] == [
        ("deal:2seventy-bio-bluebird-bio-oncology-spin-off-2021", "company:bluebird-bio"),
        ("deal:ferring-fkd-therapies-nadofaragene-2018", "company:fkd-therapies"),
        ("deal:fondazione-telethon-orchard-strimvelis-2023", "company:orchard-therapeutics"),
        ("deal:holostem-chiesi-holoclar-2020", "company:chiesi"),
        ("deal:iaso-bio-innovent-fucaso-2024", "company:innovent-biologics"),
        ("deal:jcr-pharmaceuticals-mesoblast-temcell-hie-2019", "company:mesoblast"),
        ("deal:jcr-pharmaceuticals-osiris-msc-licence-2003", "company:osiris-therapeutics"),
        ("deal:mesoblast-osiris-msc-business-2013", "company:osiris-therapeutics"),
        (
            "deal:nipro-sapporo-medical-university-stemirac-2014",
            "company:sapporo-medical-university",
        ),
        ("deal:orchard-therapeutics-gsk-rare-disease-portfolio-2018", "company:gsk"),
        ("deal:pfizer-spark-therapeutics-spk-fix-2014", "company:spark-therapeutics"),
        ("deal:sanpower-dendreon-2017", "company:valeant"),
        (
            "deal:uniqure-amsterdam-molecular-therapeutics-2012",
            "company:amsterdam-molecular-therapeutics",
        ),
        ("deal:us-worldmeds-adaptimmune-tecelra-2025", "company:adaptimmune"),
        ("deal:valeant-dendreon-2015", "company:dendreon"),
        ("deal:vericel-sanofi-ctrm-2014", "company:sanofi"),
    ]


def test_an_approval_is_named_by_the_brand_the_agency_authorised(curated_store):
    """newuser19 L4: the FDA approved Libmeldy as Lenmeldy and Upstaza as Kebilidi; their
    approvals were named Libmeldy and Upstaza, and a list of FDA approvals gave EU brands."""
    kg = atmpkg.open(curated_store)
    named = kg.query(
        "SELECT ?therapy ?agency ?name ?label WHERE { ?a atmp:authorisedName ?name ; "
        "atmp:product ?therapy ; atmp:agency ?agency ; rdfs:label ?label } ORDER BY ?label"
    ).dicts()
    assert [(shorten(r["therapy"]), shorten(r["agency"]), r["name"], r["label"]) for r in named] == [
        ("therapy:beqvez", "agency:ema", "Durveqtix", "Durveqtix — EMA 2024-07-24 (Hemophilia B)"),
        (
            "therapy:upstaza",
            "agency:fda",
            "Kebilidi",
            "Kebilidi — FDA 2024-11-13 (Aromatic L-amino acid decarboxylase (AADC) deficiency)",
        ),
        (
            "therapy:libmeldy",
            "agency:fda",
            "Lenmeldy",
            "Lenmeldy — FDA 2024-03-18 (Metachromatic leukodystrophy)",
        ),
        ("therapy:yescarta", "agency:nmpa", "Yikaida", "Yikaida — NMPA 2021-06-22 (Large B-cell lymphoma)"),
        ("therapy:yescarta", "agency:nmpa", "Yikaida", "Yikaida — NMPA 2023 (Large B-cell lymphoma)"),
    ]
    # a name an agency authorised is one of the therapy's brands
    brands = "SELECT ?t ?b WHERE { ?t atmp:brandName ?b }"
    for row in named:
        held = [r["b"] for r in kg.query(brands, {"t": row["therapy"]}).dicts()]
        assert row["name"] in held, row["name"]


def test_a_deal_is_dated_by_its_announcement(curated_store):
    """newuser30 F1: deals were dated by their announcement, signing, effective date or closing;
    the re-dated ones carry the announcement, their notes the other events."""
    kg = atmpkg.open(curated_store)
    dated = kg.query(
        "SELECT ?deal ?stated WHERE { VALUES ?deal { deal:pierre-fabre-atara-tabelecleucel-2023 "
        "deal:pierre-fabre-atara-tabelecleucel-2021 deal:highbridge-gamida-cell-2024 "
        "deal:2seventy-bio-bluebird-bio-oncology-spin-off-2021 deal:sanpower-dendreon-2017 } "
        "?deal atmp:dateStated ?stated } ORDER BY ?deal"
    ).dicts()
    assert [(shorten(r["deal"]), str(r["stated"])) for r in dated] == [
        ("deal:2seventy-bio-bluebird-bio-oncology-spin-off-2021", "2021-01-11"),
        ("deal:highbridge-gamida-cell-2024", "2024-03-27"),
        ("deal:pierre-fabre-atara-tabelecleucel-2021", "2021-10-05"),
        ("deal:pierre-fabre-atara-tabelecleucel-2023", "2023-11-01"),
        ("deal:sanpower-dendreon-2017", "2017-01-09"),
    ]
    with open(DATA / "deals.csv", encoding="utf-8") as rows:
        notes = {r["slug"]: r["note"] for r in csv.DictReader(rows)}
    assert "it closed on 20 Dec 2023" in notes["pierre-fabre-atara-tabelecleucel-2023"]
    assert "effective 2 Oct 2021 per Atara's 10-Q" in notes["pierre-fabre-atara-tabelecleucel-2021"]
    # no note says its date is a signing, an effective date or a closing
    kinds = re.compile(r"Date is the (signing|effective|closing|definitive agreement\.|agreement\.)")
    assert [slug for slug, note in notes.items() if kinds.search(note)] == []
    # the deals no source dates the announcement of say which event their date is
    undated = [slug for slug, note in notes.items() if "no source read dates its announcement" in note]
    assert undated == [
        "jcr-pharmaceuticals-osiris-msc-licence-2003",
        "mitsubishi-tanabe-pharma-anges-collategene-japan-2015",
        "mundipharma-kolon-invossa-korea-2017",
        "takeda-belief-biomed-bbm-h901-2023",
        "teijin-sanbio-sb623-2009",
    ]


def test_an_acquisition_without_a_confirmed_completion_says_so(curated_store):
    """newuser30 F5: Cell Design Labs had no parent and its deal no reason."""
    kg = atmpkg.open(curated_store)
    unlinked = kg.query(
        "SELECT DISTINCT ?deal WHERE { ?deal atmp:dealType dealtype:acquisition ; "
        "atmp:dealTarget ?target ; atmp:acquirer ?buyer . ?target a atmp:Company "
        "FILTER NOT EXISTS { ?target atmp:subsidiaryOf+ ?buyer } "
        "FILTER NOT EXISTS { ?target atmp:subsidiaryOf ?other } } ORDER BY ?deal"
    ).dicts()
    parentless = [shorten(r["deal"]) for r in unlinked]
    assert parentless == [
        "deal:bristol-myers-squibb-orbital-therapeutics-2025",
        "deal:eli-lilly-verve-therapeutics-2025",
        "deal:fosun-pharma-kite-pharma-fosun-kite-2024",
        "deal:gilead-sciences-cell-design-labs-2017",
        "deal:kite-pharma-interius-biotherapeutics-2025",
    ]
    with open(DATA / "deals.csv", encoding="utf-8") as rows:
        notes = {r["slug"]: r["note"] for r in csv.DictReader(rows)}
    unconfirmed = re.compile(r"ompletion (was )?not confirmed")
    assert [d for d in parentless if not unconfirmed.search(notes[d.split(":")[1]])] == []
    coverage = (DATA / "README.md").read_text(encoding="utf-8")
    assert all(f"`{d.split(':')[1]}`" in coverage for d in parentless)

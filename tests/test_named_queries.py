"""Every named query answers exactly the expected rows on the hand-written fixture graph, and runs with
its defaults on the curated data."""

from __future__ import annotations

import datetime
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import networkx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import FIXTURE_DATA, store_with_import

import atmpkg
from atmpkg import queries
from atmpkg.cli import cli
from atmpkg.graph import query, run_named
from atmpkg.graph.errors import DataError, ParameterError, UnknownNameError, cut
from atmpkg.graph.sparql.named import bind_params
from atmpkg.graph.terms import ID, KINDS, PREFIXES, shorten

D = datetime.date

FDA = ID + "agency/fda"
EMA = ID + "agency/ema"
PMDA = ID + "agency/pmda"
ALPHACEL = ID + "therapy/alphacel"
BETACEL = ID + "therapy/betacel"
GENEX = ID + "therapy/genex"
BIGPHARMA = ID + "company/bigpharma"
CAR_T = ID + "modality/car-t"
AAV = ID + "modality/aav-gene-therapy"
ONCOLOGY = ID + "therapeutic-area/oncology"
NEUROMUSCULAR = ID + "therapeutic-area/neuromuscular"
CONTRADICTED = ID + "claim-status/contradicted"
SUPPORTED = ID + "claim-status/supported"
UNVERIFIED = ID + "claim-status/unverified"
ACT_CANCER = ID + "market-scope/act-cancer"
ATMP = ID + "market-scope/atmp"
DRIVER = ID + "factor-kind/driver"
RESTRAINT = ID + "factor-kind/restraint"
LIST_PRICE = ID + "metric/list-price"

REPORT_X = "ACT market report (fixture)"
REPORT_Y = "ATMP market report (fixture)"
LBCL = "large B-cell lymphoma"
LBCL_SLUG = "large-b-cell-lymphoma"
APPROVAL = ID + "approval/"
US = ID + "country/us"
JP = ID + "country/jp"
EU = ID + "region/eu"


def named(therapy: str) -> str:
    """A fixture therapy's name, from its IRI (``…/therapy/alphacel`` is "Alphacel")."""
    return therapy.rsplit("/", 1)[1].capitalize()


#: Every named query that has a test below; test_every_named_query_is_tested keeps this honest.
TESTED = {
    "acquirers-by-deal-value",
    "approvals-by-agency-year",
    "approvals-by-jurisdiction",
    "approvals-by-pathway",
    "approved-products-by-modality",
    "claims-by-status",
    "company-portfolio",
    "company-subsidiaries",
    "contradicted-claims",
    "deals-above-value",
    "deals-by-type-year",
    "first-approval-worldwide",
    "label-expansions",
    "market-estimates-by-source",
    "market-factors",
    "product-figures",
    "products-by-target",
    "segment-shares",
    "sources-of-entity",
    "sponsor-ultimate-parent",
    "therapy-approval-timeline",
    "time-to-second-agency",
    "top-indications",
    "unapproved-therapies",
    "authorised-products",
    "withdrawn-products",
    "approvals-in-period",
    "companies-by-approved-products",
    "second-agency-by-modality",
    "company-connections",
    "regulatory-calendar",
    "pending-reviews",
    "agency-lag",
}

#: Queries whose default answer on the curated data may legitimately be empty.
MAY_BE_EMPTY_ON_CURATED = {"unapproved-therapies", "regulatory-calendar"}


@pytest.fixture
def rows(fixture_store):
    """Run a named query on the fixture store and return its rows as dicts of Python values."""

    def run(name: str, **params: str) -> list[dict[str, object]]:
        return run_named(name, params, store=fixture_store).dicts()

    return run


# -- the set of queries ------------------------------------------------------------------------


def test_every_named_query_is_tested():
    assert set(queries.names()) == TESTED


def test_at_least_eighteen_named_queries():
    assert len(queries.names()) >= 18


@pytest.mark.parametrize("name", queries.names())
def test_header_is_complete(name):
    named = queries.load(name)
    assert named.summary
    assert named.text.lstrip().startswith("#")
    for param in named.params:
        assert param.type in (*queries.SCALAR_TYPES, queries.ANY_ENTITY, *KINDS), param
        assert param.description
        assert f"?{param.name}" in named.text


@pytest.mark.parametrize("name", queries.names())
def test_runs_with_defaults_on_curated_data(curated_store, name):
    result = run_named(name, store=curated_store)
    assert result.form == "SELECT"
    assert not result.truncated
    if name not in MAY_BE_EMPTY_ON_CURATED:
        assert len(result) >= 1, f"{name} returned no rows on the curated data"


@pytest.mark.parametrize("name", queries.names())
def test_view_draws_the_answer_with_its_links(curated_store, name):
    """Every named query returns the entities it talks about, so a view of its answer has links."""
    import atmpkg

    kg = atmpkg.open(curated_store)
    if name in MAY_BE_EMPTY_ON_CURATED and not len(kg.named(name)):
        return
    drawn = kg.view(name=name)
    assert drawn.edges >= 1, f"view --name {name} draws {drawn.nodes} nodes and no link"
    # an entity is drawn alone only where its row names nothing else (J5, J15-5: acquirers whose
    # deals disclosed no value, agencies and pathways of a count, which only deals and approvals
    # join; a modality whose every second-agency lag a month or year leaves open has no fastest)
    network = kg.select(name=name).network()
    alone = sorted(network.nodes[n]["label"] for n in networkx.isolates(network))
    expected = {
        "deals-by-type-year": ["merger", "spin-off"],
        "second-agency-by-modality": ["tumour-infiltrating lymphocyte therapy"],
    }
    assert alone == expected.get(name, []), alone
    # joints16 F2: a period's last day, which the queries that read it asked for, is no attribute
    assert not [n for n in network if "dateEnd" in network.nodes[n]], name


def test_a_count_is_drawn_with_what_it_counts(curated_store):
    """approvals-by-pathway names agencies and pathways, which the graph joins only through the
    approvals: each approval of a stated pathway is drawn between its agency and its pathway."""
    import atmpkg

    kg = atmpkg.open(curated_store)
    network = kg.select(name="approvals-by-pathway").network()
    drawn = Counter(network.nodes[n]["class"] for n in network)
    (approvals, pathways, agencies), = kg.query(
        "SELECT (COUNT(DISTINCT ?a) AS ?n) (COUNT(DISTINCT ?p) AS ?m) (COUNT(DISTINCT ?g) AS ?k) "
        "WHERE { { ?a atmp:pathway ?p } UNION { ?g a atmp:RegulatoryAgency } }"
    ).rows
    assert drawn["atmp:Approval"] == int(approvals.value) > 100
    assert drawn["skos:Concept"] == int(pathways.value)
    assert drawn["atmp:RegulatoryAgency"] == int(agencies.value)
    for approval in (n for n in network if network.nodes[n]["class"] == "atmp:Approval"):
        ends = {network.nodes[m]["class"] for m in network[approval]}
        assert {"skos:Concept", "atmp:RegulatoryAgency"} <= ends, approval


# -- approvals -----------------------------------------------------------------------------------


def test_approvals_by_agency_year(rows):
    def row(agency, acronym, where, name, year, first, expansions):
        return {
            "agency": agency,
            "agencyName": acronym,
            "jurisdiction": where,
            "jurisdictionName": name,
            "year": year,
            "approvals": first + expansions,
            "productsFirstApproved": first,
            "labelExpansions": expansions,
        }

    pmda = [
        row(PMDA, "PMDA", JP, "Japan", 2020, 1, 0),
        row(PMDA, "PMDA", JP, "Japan", 2022, 1, 0),  # month-only date 2022-01 counts in its year
    ]
    assert rows("approvals-by-agency-year") == [
        row(EMA, "EMA", EU, "European Union", 2018, 1, 0),
        row(EMA, "EMA", EU, "European Union", 2020, 1, 0),
        row(FDA, "FDA", US, "United States", 2017, 1, 0),
        row(FDA, "FDA", US, "United States", 2019, 1, 0),
        row(FDA, "FDA", US, "United States", 2021, 1, 0),
        row(FDA, "FDA", US, "United States", 2022, 0, 1),
        *pmda,
    ]
    assert rows("approvals-by-agency-year", agency="pmda") == pmda


def test_approvals_by_agency_year_summary_is_the_documented_one():
    assert queries.load("approvals-by-agency-year").summary == (
        "Approvals per agency and year, with how many products each first approved and how many "
        "label expansions."
    )


def test_approved_products_by_modality(rows):
    def row(modality, therapy, agency, acronym, first, approval):
        name, inn = {
            ALPHACEL: ("CAR-T cell therapy", "alphacabtagene autoleucel"),
            BETACEL: ("CAR-T cell therapy", "betacabtagene autoleucel"),
            GENEX: ("AAV gene therapy", "genexogene vector"),
        }[therapy]
        return {
            "modality": modality,
            "modalityName": name,
            "therapy": therapy,
            "therapyName": named(therapy),
            "inn": inn,
            "agency": agency,
            "agencyName": acronym,
            "firstApproval": first,
            "approval": APPROVAL + approval,
            "endedEverywhere": False,  # each is still authorised somewhere
        }

    car_t = [  # the FDA's first Alphacel approval, not its 2022 label expansion
        row(CAR_T, ALPHACEL, FDA, "FDA", D(2017, 8, 30), "alphacel-fda-2017-08-30-" + LBCL_SLUG),
        row(CAR_T, ALPHACEL, EMA, "EMA", D(2018, 8, 22), "alphacel-ema-2018-08-22-" + LBCL_SLUG),
        row(CAR_T, BETACEL, FDA, "FDA", D(2021, 3, 26), "betacel-fda-2021-03-26-multiple-myeloma"),
        # xsd:gYearMonth stays month-only
        row(CAR_T, BETACEL, PMDA, "PMDA", "2022-01", "betacel-pmda-2022-01-multiple-myeloma"),
    ]
    assert rows("approved-products-by-modality", modality="car-t") == car_t
    sma = "spinal-muscular-atrophy"
    assert rows("approved-products-by-modality") == [
        row(AAV, GENEX, FDA, "FDA", D(2019, 5, 24), "genex-fda-2019-05-24-" + sma),
        row(AAV, GENEX, PMDA, "PMDA", D(2020, 3, 19), "genex-pmda-2020-03-19-" + sma),
        row(AAV, GENEX, EMA, "EMA", D(2020, 5, 18), "genex-ema-2020-05-18-" + sma),
        *car_t,
    ]


def _jurisdiction_row(area, name, kind, agency, acronym, approvals, therapies, first, last):
    return {
        "area": area,
        "areaName": name,
        "areaKind": kind,
        "agency": agency,
        "agencyName": acronym,
        "approvals": approvals,
        "therapies": therapies,
        "firstYear": first,
        "lastYear": last,
    }


def test_approvals_by_jurisdiction(rows):
    assert rows("approvals-by-jurisdiction") == [
        _jurisdiction_row(US, "United States", "country", FDA, "FDA", 4, 3, 2017, 2022),
        _jurisdiction_row(EU, "European Union", "region", EMA, "EMA", 2, 2, 2018, 2020),
        _jurisdiction_row(JP, "Japan", "country", PMDA, "PMDA", 2, 2, 2020, 2022),
    ]


def test_approvals_by_jurisdiction_rolls_up_to_a_region(rows):
    world = ID + "region/world"

    def rolled(region, *args):
        return {**_jurisdiction_row(region, *args), "region": region}

    # us, jp and eu are all part of the world
    assert rows("approvals-by-jurisdiction", region="world") == [
        rolled(world, "World", "region", FDA, "FDA", 4, 3, 2017, 2022),
        rolled(world, "World", "region", EMA, "EMA", 2, 2, 2018, 2020),
        rolled(world, "World", "region", PMDA, "PMDA", 2, 2, 2020, 2022),
    ]
    assert rows("approvals-by-jurisdiction", region="eu") == [
        rolled(EU, "European Union", "region", EMA, "EMA", 2, 2, 2018, 2020)
    ]
    # Germany is part of the report's Europe, but no approval has Germany as its jurisdiction.
    assert rows("approvals-by-jurisdiction", region="rx-europe") == []


def test_approvals_by_pathway(rows):
    slugs = {
        "standard approval": "standard",
        "accelerated approval": "accelerated-approval",
        "conditional marketing authorisation": "conditional-marketing-authorisation",
        "conditional and time-limited approval": "conditional-time-limited",
    }

    def row(agency, acronym, where, name, pathway, approvals, therapies):
        return {
            "agency": agency,
            "agencyName": acronym,
            "jurisdiction": where,
            "jurisdictionName": name,
            "pathway": ID + "pathway/" + slugs[pathway],
            "pathwayName": pathway,
            "approvals": approvals,
            "therapies": therapies,
        }

    fda = [
        row(FDA, "FDA", US, "United States", "standard approval", 3, 3),
        row(FDA, "FDA", US, "United States", "accelerated approval", 1, 1),
    ]
    assert rows("approvals-by-pathway") == [
        row(EMA, "EMA", EU, "European Union", "conditional marketing authorisation", 2, 2),
        *fda,
        row(PMDA, "PMDA", JP, "Japan", "conditional and time-limited approval", 1, 1),
        row(PMDA, "PMDA", JP, "Japan", "standard approval", 1, 1),
    ]
    assert rows("approvals-by-pathway", agency="fda") == fda


def test_top_indications(rows):
    lbcl = {
        "area": ONCOLOGY,
        "areaName": "oncology",
        "indication": ID + "indication/" + LBCL_SLUG,
        "indicationName": LBCL,
        "therapies": 1,
        "approvals": 3,
        "agencies": 2,
        "therapyNames": "Alphacel",
    }
    myeloma = {
        "area": ONCOLOGY,
        "areaName": "oncology",
        "indication": ID + "indication/multiple-myeloma",
        "indicationName": "multiple myeloma",
        "therapies": 1,
        "approvals": 2,
        "agencies": 2,
        "therapyNames": "Betacel",
    }
    sma = {
        "area": NEUROMUSCULAR,
        "areaName": "neuromuscular",
        "indication": ID + "indication/spinal-muscular-atrophy",
        "indicationName": "spinal muscular atrophy",
        "therapies": 1,
        "approvals": 3,
        "agencies": 3,
        "therapyNames": "Genex",
    }
    assert rows("top-indications") == [lbcl, sma, myeloma]
    assert rows("top-indications", area="oncology") == [lbcl, myeloma]
    # joints14 J14-4: a modality left out (the cord-blood units of the curated graph, here CAR-T)
    assert rows("top-indications", exclude="car-t") == [sma | {"exclude": CAR_T}]
    assert rows("top-indications", exclude="aav-gene-therapy", area="neuromuscular") == []


def test_time_to_second_agency(rows):
    """A lag with a date known only to its month has its bounds (session 32)."""

    def row(therapy, first, first_date, second, second_date, days, first_id, second_id):
        """``days``: the days, or the least and most a month or a year leaves open."""
        least, most = days if isinstance(days, tuple) else (days, days)
        found = {
            "therapy": therapy,
            "therapyName": named(therapy),
            "firstAgency": ID + "agency/" + first.lower(),
            "firstAgencyName": first,
            "firstDate": first_date,
            "secondAgency": ID + "agency/" + second.lower(),
            "secondAgencyName": second,
            "secondDate": second_date,
            "days": None if isinstance(days, tuple) else days,
            "minDays": least,
            "maxDays": most,
            "first": APPROVAL + first_id,
            "second": APPROVAL + second_id,
        }
        return {k: v for k, v in found.items() if v is not None}

    alphacel = row(
        ALPHACEL, "FDA", D(2017, 8, 30), "EMA", D(2018, 8, 22), 357,
        "alphacel-fda-2017-08-30-" + LBCL_SLUG, "alphacel-ema-2018-08-22-" + LBCL_SLUG,
    )  # fmt: skip
    betacel = row(  # the second approval is month-only: 2022-01-01 and -31 less 2021-03-26
        BETACEL, "FDA", D(2021, 3, 26), "PMDA", "2022-01", (281, 311),
        "betacel-fda-2021-03-26-multiple-myeloma", "betacel-pmda-2022-01-multiple-myeloma",
    )  # fmt: skip
    genex = row(  # PMDA (2020-03-19) came before EMA (2020-05-18)
        GENEX, "FDA", D(2019, 5, 24), "PMDA", D(2020, 3, 19), 300,
        "genex-fda-2019-05-24-spinal-muscular-atrophy",
        "genex-pmda-2020-03-19-spinal-muscular-atrophy",
    )  # fmt: skip
    assert rows("time-to-second-agency") == [alphacel, betacel, genex]
    assert rows("time-to-second-agency", therapy="betacel") == [betacel]
    assert rows("time-to-second-agency", therapy="Genexa") == [genex]  # a brand name resolves too


def test_agency_lag_counts_days_either_way_and_only_between_known_days(rows):
    """joints14 J14-2: FDA to EMA in days was a blank column for a new user's SPARQL. A lag with
    a date known only to its month has its bounds (newuser31 F7)."""
    fda, ema, pmda = (ID + f"agency/{a}" for a in ("fda", "ema", "pmda"))

    def row(therapy, from_date, to_date, days, first, second, agencies):
        """``days``: the days, or the least and most a month or a year leaves open."""
        found = {
            "therapy": therapy,
            "therapyName": named(therapy),
            "fromDate": from_date,
            "toDate": to_date,
            "fromApproval": APPROVAL + first,
            "toApproval": APPROVAL + second,
            "from": agencies[0],
            "to": agencies[1],
            # the table leaves the parameters out: the acronyms say which two agencies it compares
            "fromAgency": agencies[0].rpartition("/")[2].upper(),
            "toAgency": agencies[1].rpartition("/")[2].upper(),
        }
        if isinstance(days, tuple):
            return found | {"minDays": days[0], "maxDays": days[1]}
        return found | {"days": days, "minDays": days, "maxDays": days}

    alphacel = ("alphacel-fda-2017-08-30-large-b-cell-lymphoma",
                "alphacel-ema-2018-08-22-large-b-cell-lymphoma")  # fmt: skip
    genex = ("genex-fda-2019-05-24-spinal-muscular-atrophy",
             "genex-ema-2020-05-18-spinal-muscular-atrophy")  # fmt: skip
    assert rows("agency-lag") == [
        row(ALPHACEL, D(2017, 8, 30), D(2018, 8, 22), 357, *alphacel, (fda, ema)),
        row(GENEX, D(2019, 5, 24), D(2020, 5, 18), 360, *genex, (fda, ema)),
    ]
    # the other way round the days are negative; a month-only approval counts none, only its
    # bounds, last
    assert rows("agency-lag", **{"from": "ema", "to": "fda"}) == [
        row(GENEX, D(2020, 5, 18), D(2019, 5, 24), -360, *reversed(genex), (ema, fda)),
        row(ALPHACEL, D(2018, 8, 22), D(2017, 8, 30), -357, *reversed(alphacel), (ema, fda)),
    ]
    assert rows("agency-lag", **{"from": "fda", "to": "pmda"}) == [
        row(GENEX, D(2019, 5, 24), D(2020, 3, 19), 300, genex[0],
            "genex-pmda-2020-03-19-spinal-muscular-atrophy", (fda, pmda)),
        row(BETACEL, D(2021, 3, 26), "2022-01", (281, 311), "betacel-fda-2021-03-26-multiple-myeloma",
            "betacel-pmda-2022-01-multiple-myeloma", (fda, pmda)),
    ]  # fmt: skip


def test_agency_lag_counts_days_between_two_known_days_whatever_came_first(
    fixture_store, tmp_path_factory
):
    """rev2_14 N7: the days were left out when the product's first approval anywhere (here a
    year-only one) was not dated to the day, though both agencies' days were known."""
    header = FIXTURE_DATA.joinpath("approvals.csv").read_text(encoding="utf-8").splitlines()[0]
    earlier = "alphacel,pmda,2016,large-b-cell-lymphoma,cellco,jp,,initial,,src-news,year only"
    run = rows_with("approvals", f"{header}\n{earlier}\n", fixture_store, tmp_path_factory)
    found = [(r["therapyName"], r.get("days")) for r in run("agency-lag")]
    assert found == [("Alphacel", 357), ("Genex", 360)]
    with pytest.raises(ParameterError, match="name the same entity \\(agency:fda, from by default"):
        run("agency-lag", to="fda")  # newuser15 F7: 0 days for every product
    found = [(r["toDate"], r.get("days")) for r in run("agency-lag", **{"from": "pmda"})]
    assert found == [(D(2020, 5, 18), 60), (D(2018, 8, 22), None)]


def test_agency_lag_bounds_a_lag_a_month_or_a_year_leaves_open(fixture_store, tmp_path_factory):
    """newuser31 F7: a lag with a month or a year had no days and nothing else. Its bounds run from
    the end of the earlier period to the start of the later one (minDays) and from the start to
    the end (maxDays): a year (PMDA, 2016) to a day, a month (PMDA, January 2022) to a year (EMA,
    2023)."""
    header = FIXTURE_DATA.joinpath("approvals.csv").read_text(encoding="utf-8").splitlines()[0]
    added = (
        "alphacel,pmda,2016,large-b-cell-lymphoma,cellco,jp,,initial,,src-news,year only\n"
        "betacel,ema,2023,multiple-myeloma,cellco-eu,eu,,initial,,src-news,year only\n"
    )
    run = rows_with("approvals", f"{header}\n{added}", fixture_store, tmp_path_factory)
    found = run("agency-lag", **{"from": "pmda"})
    assert [
        (r["therapyName"], r["fromDate"], r["toDate"], r.get("days"), r["minDays"], r["maxDays"])
        for r in found
    ] == [
        ("Genex", D(2020, 3, 19), D(2020, 5, 18), 60, 60, 60),
        # 2023-01-01 - 2022-01-31 and 2023-12-31 - 2022-01-01
        ("Betacel", "2022-01", "2023", None, 335, 729),
        # 2018-08-22 - 2016-12-31 and 2018-08-22 - 2016-01-01
        ("Alphacel", "2016", D(2018, 8, 22), None, 599, 964),
    ]
    # the other way round, the bounds change sides
    back = run("agency-lag", **{"from": "ema", "to": "pmda"})
    assert [(r["therapyName"], r["minDays"], r["maxDays"]) for r in back] == [
        ("Genex", -60, -60),
        ("Alphacel", -964, -599),
        ("Betacel", -729, -335),
    ]


@pytest.fixture(scope="module")
def partial_lags(fixture_store, tmp_path_factory):
    """The fixture store with three approvals whose dates leave each product's second-agency lag
    open: a year before all (PMDA 2016 for Alphacel), a day inside a month that comes second
    (EMA 2022-01-10 for Betacel, inside PMDA's January 2022), and a year that overlaps the first
    day (PMDA 2019 for Genex, whose FDA approval is 2019-05-24)."""
    from atmpkg.graph import import_files

    header = FIXTURE_DATA.joinpath("approvals.csv").read_text(encoding="utf-8").splitlines()[0]
    added = (
        "alphacel,pmda,2016,large-b-cell-lymphoma,cellco,jp,,initial,,src-news,year only\n"
        "betacel,ema,2022-01-10,multiple-myeloma,cellco-eu,eu,,initial,,src-news,\n"
        "genex,pmda,2019,spinal-muscular-atrophy,genecorp,jp,,initial,,press-genecorp,year only\n"
    )
    folder = tmp_path_factory.mktemp("partial-lags")
    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (folder / "approvals.csv").write_text(f"{header}\n{added}", encoding="utf-8")
    import_files([folder / "approvals.csv"], store)
    return store


def test_time_to_second_agency_bounds_a_lag_its_dates_leave_open(partial_lags):
    """Session 32: time-to-second-agency gave a lag with a month or a year no number at all. Its
    bounds hold whichever agency came first: from the end of the first one's period to the
    others' earliest start, and from its start to their earliest end, over each agency whose
    period may have come first."""
    found = run_named("time-to-second-agency", store=partial_lags).dicts()
    assert [
        (r["therapyName"], r["firstAgencyName"], r["firstDate"], r["secondAgencyName"],
         r["secondDate"], r.get("days"), r["minDays"], r["maxDays"])
        for r in found
    ] == [
        # 2017-08-30 less 2016-12-31 and 2016-01-01
        ("Alphacel", "PMDA", "2016", "FDA", D(2017, 8, 30), None, 242, 607),
        # 2022-01-01 less 2021-03-26, and EMA's 2022-01-10 (not PMDA's 2022-01-31) less it
        ("Betacel", "FDA", D(2021, 3, 26), "PMDA", "2022-01", None, 281, 290),
        # PMDA may have come first (2019-05-24 less 2019-01-01: 143) or after the FDA (2019-12-31
        # less 2019-05-24: 221); either way the two may be on one day
        ("Genex", "PMDA", "2019", "FDA", D(2019, 5, 24), None, 0, 221),
    ]  # fmt: skip
    # agency-lag bounds the two agencies' lag alone: the EMA's day does not shorten it
    pair = run_named("agency-lag", {"to": "pmda"}, store=partial_lags).dicts()
    assert [(r["therapyName"], r["minDays"], r["maxDays"]) for r in pair if r["therapy"] == BETACEL] == [
        ("Betacel", 281, 311)
    ]  # fmt: skip


def test_second_agency_by_modality_counts_bounded_lags_apart_and_says_so(partial_lags):
    """Session 32: a product whose second-agency lag is known only within bounds was left out of
    second-agency-by-modality without a word, and so was a modality with no other. Each modality
    is listed, with the bounds of the average of all its products and how many are bounded."""
    found = run_named("second-agency-by-modality", store=partial_lags)
    assert found.dicts() == [
        {
            "modality": AAV,
            "modalityName": "AAV gene therapy",
            "products": 0,
            "bounded": 1,
            "averageMinDays": 0,
            "averageMaxDays": 221,
        },
        {
            "modality": CAR_T,
            "modalityName": "CAR-T cell therapy",
            "products": 0,
            "bounded": 2,
            "averageMinDays": 261,  # (242 + 281) / 2, rounded down
            "averageMaxDays": 449,  # (607 + 290) / 2, rounded up
        },
    ]
    assert found.notes == [
        "averageDays, shortestDays, longestDays and fastest count the 0 products whose first "
        "approval and first by another agency are both known to the day; 3 more (bounded), with "
        "a date known only to its month or year, count only in averageMinDays and averageMaxDays, "
        "the least and most the average of all of a modality's products can be; atmpkg query "
        "--name time-to-second-agency (Python: kg.named(\"time-to-second-agency\")) gives each "
        "product's minDays and maxDays"
    ]


def test_time_to_second_agency_on_the_curated_graph(curated_store):
    """Session 32: the curated products whose second-agency lag a month or a year leaves open,
    with their bounds; every other lag is known to the day."""
    found = run_named("time-to-second-agency", store=curated_store).dicts()
    open_lags = [
        (r["therapyName"], r["firstDate"], r["secondAgencyName"], r["secondDate"], r["minDays"],
         r["maxDays"])
        for r in found
        if "minDays" in r and "days" not in r
    ]  # fmt: skip
    assert open_lags == [
        ("Amtagvi", D(2024, 2, 16), "HC", "2025", 320, 684),
        ("Beqvez", "2024-04", "EMA", D(2024, 7, 24), 85, 114),
        ("Upstaza", D(2022, 7, 18), "MHRA", "2022-11", 106, 135),
    ]
    assert sum(1 for r in found if "days" in r) == 22
    assert all(r["days"] == r["minDays"] == r["maxDays"] for r in found if "days" in r)


def test_second_agency_by_modality_on_the_curated_graph(curated_store):
    """Session 32: what second-agency-by-modality makes of the three curated products whose
    second-agency lag a month or a year leaves open."""
    by_modality = run_named("second-agency-by-modality", store=curated_store)
    shown = [
        (r["modalityName"], r.get("averageDays"), r["products"], r["bounded"], r["averageMinDays"],
         r["averageMaxDays"])
        for r in by_modality.dicts()
    ]  # fmt: skip
    # AAV: the five known to the day (1566 days) with Beqvez and Upstaza: 1757 / 7 to 1815 / 7
    assert ("AAV gene therapy", 313, 5, 2, 251, 260) in shown
    assert shown[-1] == ("tumour-infiltrating lymphocyte therapy", None, 0, 1, 320, 684)
    assert (len(shown), sum(r[2] for r in shown), sum(r[3] for r in shown)) == (10, 22, 3)
    assert by_modality.notes[0].startswith(
        "averageDays, shortestDays, longestDays and fastest count the 22 products whose first "
        "approval and first by another agency are both known to the day; 3 more (bounded)"
    )


def test_first_approval_worldwide(rows):
    def row(therapy, inn, first, indications, approval):
        return {
            "therapy": therapy,
            "therapyName": named(therapy),
            "inn": inn,
            "agency": FDA,
            "agencyName": "FDA",
            "firstApproval": first,
            "jurisdiction": US,
            "jurisdictionName": "United States",
            "indications": indications,
            "approval": APPROVAL + approval,
            "endedEverywhere": False,
        }

    everything = [
        row(ALPHACEL, "alphacabtagene autoleucel", D(2017, 8, 30), "large B-cell lymphoma", "alphacel-fda-2017-08-30-" + LBCL_SLUG),
        row(GENEX, "genexogene vector", D(2019, 5, 24), "spinal muscular atrophy", "genex-fda-2019-05-24-spinal-muscular-atrophy"),
        row(BETACEL, "betacabtagene autoleucel", D(2021, 3, 26), "multiple myeloma", "betacel-fda-2021-03-26-multiple-myeloma"),
    ]  # fmt: skip
    assert rows("first-approval-worldwide") == everything
    assert rows("first-approval-worldwide", agency="fda") == everything
    assert rows("first-approval-worldwide", agency="ema") == []


def test_label_expansions(rows):
    expansion = {
        "date": D(2022, 4, 1),
        "agency": FDA,
        "agencyName": "FDA",
        "therapy": ALPHACEL,
        "therapyName": "Alphacel",
        "indication": ID + "indication/" + LBCL_SLUG,
        "indicationName": LBCL,
        "indicationText": "second line",
        "approval": APPROVAL + "alphacel-fda-2022-04-01-" + LBCL_SLUG,
    }
    assert rows("label-expansions") == [expansion]
    assert rows("label-expansions", agency="fda") == [expansion]
    assert rows("label-expansions", agency="ema") == []


def test_therapy_approval_timeline(rows):
    def row(date, agency, where, kind, pathway, sponsor, name, text, approval):
        return {
            "therapy": ALPHACEL,
            "therapyName": "Alphacel",
            "date": date,
            "agency": ID + "agency/" + agency.lower(),
            "agencyName": agency,
            "jurisdiction": ID + ("region/eu" if agency == "EMA" else "country/us"),
            "jurisdictionName": where,
            "indication": ID + "indication/" + LBCL_SLUG,
            "indicationName": LBCL,
            "approvalType": kind,
            "pathway": pathway,
            "sponsor": ID + "company/" + sponsor,
            "sponsorName": name,
            "indicationText": text,
            "approval": APPROVAL + approval + "-" + LBCL_SLUG,
        }

    assert rows("therapy-approval-timeline", therapy="alphacel") == [
        row(
            D(2017, 8, 30), "FDA", "United States", "first approval", "accelerated approval",
            "cellco", "CellCo", "adults after two lines", "alphacel-fda-2017-08-30",
        ),
        row(
            D(2018, 8, 22), "EMA", "European Union", "first approval",
            "conditional marketing authorisation", "cellco-eu", "CellCo Europe",
            "adults after two lines", "alphacel-ema-2018-08-22",
        ),
        row(
            D(2022, 4, 1), "FDA", "United States", "label expansion", "standard approval",
            "cellco", "CellCo", "second line", "alphacel-fda-2022-04-01",
        ),
    ]  # fmt: skip


def test_therapy_approval_timeline_orders_month_only_dates(rows):
    assert [
        (r["agencyName"], r["date"]) for r in rows("therapy-approval-timeline", therapy="betacel")
    ] == [("FDA", D(2021, 3, 26)), ("PMDA", "2022-01")]


# -- products and companies ---------------------------------------------------------------------


def test_products_by_target(rows):
    def row(target, name, kind, therapy, inn, modality, developer, developer_name, approvals):
        return {
            "target": ID + "target/" + target,
            "targetName": name,
            "targetKind": kind,
            "therapy": therapy,
            "therapyName": named(therapy),
            "inn": inn,
            "modalityName": modality,
            "developer": ID + "company/" + developer,
            "developerName": developer_name,
            "approvals": approvals,
            "endedEverywhere": False,
        }

    car_t = "CAR-T cell therapy"
    cd19 = row(
        "cd19", "CD19", "antigen", ALPHACEL, "alphacabtagene autoleucel", car_t, "cellco",
        "CellCo", 3,
    )  # fmt: skip
    assert rows("products-by-target") == [
        row(
            "bcma", "BCMA", "antigen", BETACEL, "betacabtagene autoleucel", car_t, "cellco-eu",
            "CellCo Europe", 2,
        ),
        cd19,
        row(
            "smn1", "SMN1", "gene", GENEX, "genexogene vector", "AAV gene therapy", "genecorp",
            "GeneCorp", 3,
        ),
    ]  # fmt: skip
    assert rows("products-by-target", target="cd19") == [cd19]


def test_company_portfolio_includes_subsidiaries_at_any_depth(rows):
    def row(therapy, inn, developer, name, approvals, first):
        return {
            "company": BIGPHARMA,
            "companyName": "Big Pharma",
            "therapy": therapy,
            "therapyName": named(therapy),
            "inn": inn,
            "modalityName": "CAR-T cell therapy",
            "developer": ID + "company/" + developer,
            "developerName": name,
            "approvals": approvals,
            "firstApproval": first,
            "endedEverywhere": False,
            "held": True,
        }

    # Alphacel is CellCo's (a subsidiary), Betacel CellCo Europe's (a subsidiary's subsidiary);
    # Genex, only licensed by Big Pharma, is not in its portfolio.
    assert rows("company-portfolio", company="bigpharma") == [
        row(ALPHACEL, "alphacabtagene autoleucel", "cellco", "CellCo", 3, D(2017, 8, 30)),
        row(BETACEL, "betacabtagene autoleucel", "cellco-eu", "CellCo Europe", 2, D(2021, 3, 26)),
    ]
    assert [r["therapyName"] for r in rows("company-portfolio", company="cellco-eu")] == ["Betacel"]
    assert rows("company-portfolio", company="othercorp") == []


#: Genex passes from GeneCorp to OtherCorp in an asset purchase; Betacel is spun off from CellCo
#: Europe into a new company, NewCo.
PASSED_ON = """\
slug,acquirer,target,counterparty,deal_type,date,source
newco-cellco-eu-betacel-2025,newco,therapy/betacel,cellco-eu,spin-off,2025-01,src-news
othercorp-genecorp-genex-2024,othercorp,therapy/genex,genecorp,asset-purchase,2024-03-01,src-news
"""


def with_deals(fixture_store, folder, deals: str):
    """A copy of the fixture store in ``folder`` with ``deals`` (CSV) and the company NewCo."""
    from atmpkg.graph import import_files

    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (folder / "deals.csv").write_text(deals, encoding="utf-8")
    (folder / "companies.csv").write_text(
        "slug,label,country,source\nnewco,NewCo,us,src-news\n", encoding="utf-8"
    )
    import_files([folder / "companies.csv", folder / "deals.csv"], store)
    return store


@pytest.fixture(scope="module")
def passed_on(fixture_store, tmp_path_factory):
    """The fixture store with two products passed on: the rows of a named query on it."""
    store = with_deals(fixture_store, tmp_path_factory.mktemp("passed-on"), PASSED_ON)

    def run(name: str, **params: str) -> list[dict[str, object]]:
        return run_named(name, params, store=store).dicts()

    return run


def test_a_product_passed_on_stays_in_its_developers_portfolio_as_no_longer_held(passed_on):
    """newuser18 M3: bluebird bio's owner listed Abecma as its own, though bluebird had passed its
    share to 2seventy bio. A product stays in the portfolio of the group that developed it, with
    held false; the group it passed to holds it, and lists it with no developer of its own."""

    def held(company: str) -> list[tuple[str, str | None, bool]]:
        found = passed_on("company-portfolio", company=company)
        return [(r["therapyName"], r.get("developerName"), r["held"]) for r in found]

    assert held("genecorp") == [("Genex", "GeneCorp", False)]
    assert held("othercorp") == [("Genex", None, True)]
    assert held("bigpharma") == [("Alphacel", "CellCo", True), ("Betacel", "CellCo Europe", False)]
    assert held("newco") == [("Betacel", None, True)]
    ranked = passed_on("companies-by-approved-products", min_products="1")
    assert [(r["companyName"], r["approvedProducts"], r["therapyName"], r["held"]) for r in ranked] == [
        ("Big Pharma", 2, "Alphacel", True),
        ("Big Pharma", 2, "Betacel", False),
        ("GeneCorp", 1, "Genex", False),
        ("NewCo", 1, "Betacel", True),
        ("OtherCorp", 1, "Genex", True),
    ]


#: rev18 M2, M3: GeneCorp sells Genex and buys it back; Big Pharma, CellCo Europe's owner, spins
#: Betacel off as the seller.
BOUGHT_BACK = """\
slug,acquirer,target,counterparty,deal_type,date,source
bigpharma-betacel-spin-off-2025,newco,therapy/betacel,bigpharma,spin-off,2025-01,src-news
genecorp-othercorp-genex-2025,genecorp,therapy/genex,othercorp,asset-purchase,2025-02-01,src-news
othercorp-genecorp-genex-2024,othercorp,therapy/genex,genecorp,asset-purchase,2024-03-01,src-news
"""


def test_a_product_bought_back_is_held_again_and_a_parent_passes_on_its_subsidiarys(
    fixture_store, tmp_path
):
    store = with_deals(fixture_store, tmp_path, BOUGHT_BACK)
    held = run_named("company-portfolio", {"company": "bigpharma"}, store=store)
    assert [(r["therapyName"], r["held"]) for r in held.dicts()] == [
        ("Alphacel", True),
        ("Betacel", False),
    ]
    holders = query("SELECT ?t ?c WHERE { ?t atmp:heldBy ?c } ORDER BY ?t ?c", store=store)
    assert [(t.value[len(ID) :], c.value[len(ID) :]) for t, c in holders.rows] == [
        ("therapy/alphacel", "company/cellco"),
        ("therapy/betacel", "company/newco"),
        ("therapy/genex", "company/genecorp"),
    ]


#: F6 (newuser30): HoldCo buys Deltacel from Dendro Bio, its developer, then sells Dendro Bio to
#: NewCo (completed on 2017-06-29), as Valeant bought Provenge from Dendreon in 2015 and sold Dendreon
#: to Sanpower in 2017. HoldCo sells Zetacel on before that sale and buys Epsilocel after it.
WENT_WITH = {
    "companies.csv": """\
slug,label,country,parent,parent_since,source
dendro,Dendro Bio,us,{parent},{since},src-news
holdco,HoldCo,us,{holdco_parent},,src-news
holdparent,HoldParent,us,,,src-news
newco,NewCo,jp,,,src-news
topco,TopCo,us,,,src-news
""",
    "therapies.csv": """\
slug,label,developer,modality,source
deltacel,Deltacel,dendro,car-t,src-news
epsilocel,Epsilocel,dendro,car-t,src-news
zetacel,Zetacel,dendro,car-t,src-news
""",
    "approvals.csv": """\
therapy,agency,date,indication,sponsor,jurisdiction,approval_type,source
deltacel,fda,2010-04-29,large-b-cell-lymphoma,dendro,us,initial,src-news
""",
    "deals.csv": """\
slug,acquirer,target,counterparty,deal_type,date,source
holdco-dendro-deltacel-2015,holdco,therapy/deltacel,dendro,asset-purchase,2015-01-29,src-news
holdco-dendro-epsilocel-2018,holdco,therapy/epsilocel,dendro,asset-purchase,2018-03-01,src-news
holdco-dendro-zetacel-2015,holdco,therapy/zetacel,dendro,asset-purchase,2015-06-01,src-news
newco-dendro-2017,newco,company/dendro,{seller},acquisition,2017-01-09,src-news
othercorp-holdco-zetacel-2016,othercorp,therapy/zetacel,holdco,asset-purchase,2016-05-01,src-news
{more}""",
}


def went_with(fixture_store, folder: Path, **given: str) -> Path:
    """A copy of the fixture store in ``folder`` with :data:`WENT_WITH` imported, its blanks filled
    from ``given`` (Dendro Bio's parent NewCo since 2017-06-29 and HoldCo as seller by default)."""
    from atmpkg.graph import import_files

    fill = {"parent": "newco", "since": "2017-06-29", "holdco_parent": "", "seller": "holdco"}
    fill["more"] = ""
    fill.update(given)
    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    for name, text in WENT_WITH.items():
        (folder / name).write_text(text.format(**fill), encoding="utf-8")
    import_files([folder / name for name in WENT_WITH], store)
    return store


def holders(store: Path) -> list[tuple[str, str]]:
    """Each (therapy, company) of ``store``'s atmp:heldBy among the Deltacel family, as slugs."""
    found = query(
        "SELECT ?t ?c WHERE { VALUES ?t { therapy:deltacel therapy:epsilocel therapy:zetacel } "
        "?t atmp:heldBy ?c } ORDER BY ?t ?c",
        store=store,
    )
    return [(t.value.rsplit("/", 1)[1], c.value.rsplit("/", 1)[1]) for t, c in found.rows]


def portfolio_of(store: Path, company: str) -> list[tuple[str, str | None, bool]]:
    found = run_named("company-portfolio", {"company": company}, store=store).dicts()
    return [(r["therapyName"], r.get("developerName"), r["held"]) for r in found]


def test_a_product_bought_goes_with_the_company_it_was_bought_from_when_the_buyer_sells_it(
    fixture_store, tmp_path
):
    """newuser30 F6: Valeant bought Provenge from Dendreon and sold Dendreon to Sanpower; the rule
    made Valeant hold Provenge still. A product goes with the company it was bought from when its
    buyer sells that company (atmp:carriedProduct); one the buyer sold on before, or bought after
    the sale, stays where it went. company-portfolio, sponsor-ultimate-parent and the links agree."""
    store = went_with(fixture_store, tmp_path)
    carried = query("SELECT ?d ?t WHERE { ?d atmp:carriedProduct ?t }", store=store)
    assert [(d.value[len(ID) :], t.value[len(ID) :]) for d, t in carried.rows] == [
        ("deal/newco-dendro-2017", "therapy/deltacel")
    ]
    assert holders(store) == [
        ("deltacel", "dendro"),
        ("epsilocel", "holdco"),
        ("zetacel", "othercorp"),
    ]
    assert portfolio_of(store, "holdco") == [
        ("Deltacel", None, False),
        ("Epsilocel", None, True),
        ("Zetacel", None, False),
    ]
    assert portfolio_of(store, "newco") == [
        ("Deltacel", "Dendro Bio", True),
        ("Epsilocel", "Dendro Bio", False),
        ("Zetacel", "Dendro Bio", False),
    ]
    sponsors = run_named("sponsor-ultimate-parent", {"therapy": "deltacel"}, store=store).dicts()
    assert [(r["sponsorName"], r["ultimateParentName"]) for r in sponsors] == [("Dendro Bio", "NewCo")]


def test_a_product_that_went_with_a_company_follows_it_down_a_chain_of_owners(fixture_store, tmp_path):
    """HoldCo's parent sells Dendro Bio to NewCo, which sells it on to TopCo: Deltacel is Dendro
    Bio's, so TopCo's, and neither HoldParent nor NewCo holds it."""
    more = "topco-dendro-2020,topco,company/dendro,newco,acquisition,2020-02-01,src-news\n"
    store = went_with(
        fixture_store,
        tmp_path,
        parent="topco",
        since="2020-05",
        holdco_parent="holdparent",
        seller="holdparent",
        more=more,
    )
    carried = query("SELECT ?d WHERE { ?d atmp:carriedProduct therapy:deltacel }", store=store)
    assert [d.value[len(ID) :] for (d,) in carried.rows] == ["deal/newco-dendro-2017"]
    assert holders(store) == [
        ("deltacel", "dendro"),
        ("epsilocel", "holdco"),
        ("zetacel", "othercorp"),
    ]
    assert portfolio_of(store, "topco")[0] == ("Deltacel", "Dendro Bio", True)
    assert portfolio_of(store, "holdparent")[0] == ("Deltacel", None, False)
    assert portfolio_of(store, "newco") == []
    sponsors = run_named("sponsor-ultimate-parent", {"therapy": "deltacel"}, store=store).dicts()
    assert [r["ultimateParentName"] for r in sponsors] == ["TopCo"]


@pytest.mark.parametrize(
    ("parent", "since", "holder"),
    [
        ("newco", "2017", "dendro"),
        ("newco", "2017-01", "dendro"),
        ("newco", "", "dendro"),
        ("newco", "2016-12", "holdco"),
        ("", "", "holdco"),
    ],
)
def test_a_product_goes_with_a_company_only_once_its_sale_is_completed(
    fixture_store, tmp_path, parent, since, holder
):
    """A sale is completed when the company has a parent outside the seller's group, its link dated
    (to the period its source states) no earlier than the sale's announcement of 2017-01-09."""
    store = went_with(fixture_store, tmp_path, parent=parent, since=since)
    assert holders(store)[0] == ("deltacel", holder)


def test_a_product_bought_by_a_company_later_acquired_is_held_by_the_new_owner(fixture_store, tmp_path):
    """The holder itself sold: BuyCo buys Genex from GeneCorp, then NewCo acquires BuyCo. BuyCo
    keeps Genex and NewCo holds it through ownership; no product moves with the sale."""
    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (tmp_path / "companies.csv").write_text(
        "slug,label,country,parent,parent_since,source\n"
        "buyco,BuyCo,us,newco,2021-03,src-news\nnewco,NewCo,us,,,src-news\n",
        encoding="utf-8",
    )
    (tmp_path / "deals.csv").write_text(
        "slug,acquirer,target,counterparty,deal_type,date,source\n"
        "buyco-genecorp-genex-2019,buyco,therapy/genex,genecorp,asset-purchase,2019-06-01,src-news\n"
        "newco-buyco-2021,newco,company/buyco,,acquisition,2021-01-04,src-news\n",
        encoding="utf-8",
    )
    import_files([tmp_path / "companies.csv", tmp_path / "deals.csv"], store)
    held = query("SELECT ?c WHERE { therapy:genex atmp:heldBy ?c }", store=store)
    assert [c.value[len(ID) :] for (c,) in held.rows] == ["company/buyco"]
    assert portfolio_of(store, "newco") == [("Genex", None, True)]
    assert portfolio_of(store, "genecorp") == [("Genex", "GeneCorp", False)]
    assert len(query("SELECT * WHERE { ?d atmp:carriedProduct ?t }", store=store).rows) == 0


def authorisation_holders(fixture_store, folder: Path, lifecycle: str, **given: str) -> list[tuple[str, str]]:
    """Each (approval, company) of atmp:authorisationHolder among Deltacel's approvals, as slugs, in
    :func:`went_with`'s store with ``lifecycle`` (rows of lifecycle.csv) imported after it."""
    from atmpkg.graph import import_files

    store = went_with(fixture_store, folder, **given)
    (folder / "lifecycle.csv").write_text(
        "slug,therapy,agency,event,date,new_holder,source\n" + lifecycle, encoding="utf-8"
    )
    import_files([folder / "lifecycle.csv"], store)
    found = query(
        "SELECT ?a ?h WHERE { ?a atmp:product therapy:deltacel ; atmp:authorisationHolder ?h } "
        "ORDER BY ?a ?h",
        store=store,
    )
    return [(a.value[len(APPROVAL) :], h.value.rsplit("/", 1)[1]) for a, h in found.rows]


#: HoldCo takes Deltacel's US licence with the product, in February 2015 (Provenge's to Valeant).
TO_HOLDCO = "deltacel-fda-holder-transfer-2015-02,deltacel,fda,holder-transfer,2015-02,holdco,src-news\n"
DELTACEL_FDA = "deltacel-fda-2010-04-29-large-b-cell-lymphoma"


@pytest.mark.parametrize(
    ("lifecycle", "given", "holder"),
    [
        # no transfer: the sponsor holds it
        ("", {}, "dendro"),
        # the licence went to HoldCo, which sold Dendro Bio with Deltacel: it went back with it
        (TO_HOLDCO, {}, "dendro"),
        # the sale is not completed (Dendro Bio has no parent outside HoldCo's group): HoldCo keeps it
        (TO_HOLDCO, {"parent": "", "since": ""}, "holdco"),
        # sold by HoldCo's parent, above the holder: the licence still goes with Dendro Bio
        (TO_HOLDCO, {"holdco_parent": "holdparent", "seller": "holdparent"}, "dendro"),
        # a transfer after the sale is the latest: its new holder holds it
        (TO_HOLDCO + "deltacel-fda-holder-transfer-2019-05-02,deltacel,fda,holder-transfer,2019-05-02,"
         "othercorp,src-news\n", {}, "othercorp"),
        # the authorisation ended before the sale: the sale moves nothing
        (TO_HOLDCO + "deltacel-fda-withdrawn-2016-03-01,deltacel,fda,withdrawn,2016-03-01,,src-news\n",
         {}, "holdco"),
        # it ended after the sale: it had gone with Dendro Bio, which held it last
        (TO_HOLDCO + "deltacel-fda-withdrawn-2018-03-01,deltacel,fda,withdrawn,2018-03-01,,src-news\n",
         {}, "dendro"),
    ],
    ids=["sponsor", "went-back", "not-completed", "sold-from-above", "later-transfer", "ended-before",
         "ended-after"],
)
def test_an_authorisation_goes_with_the_company_its_product_went_with(
    fixture_store, tmp_path, lifecycle, given, holder
):
    """data32: Provenge's US licence passed to Valeant in 2015 and went with Dendreon when Valeant sold
    it to Sanpower in 2017, yet "who holds it now" answered Valeant. atmp:authorisationHolder is the
    latest holder transfer's new holder, else the sponsor, moved to the company sold where the
    holder's group sold it with the product while the authorisation was in force."""
    assert authorisation_holders(fixture_store, tmp_path, lifecycle, **given) == [(DELTACEL_FDA, holder)]


def test_an_authorisation_stays_with_its_holder_when_the_holder_is_sold(fixture_store, tmp_path):
    """BuyCo buys Genex from GeneCorp and takes its US licence; NewCo then acquires BuyCo. BuyCo
    keeps the licence (NewCo owns it through BuyCo: its ultimateParent). A transfer dated before an
    approval is not that approval's: the EU approval of 2020 stays its sponsor's."""
    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    files = {
        "companies.csv": "slug,label,country,parent,parent_since,source\n"
        "buyco,BuyCo,us,newco,2021-03,src-news\nnewco,NewCo,us,,,src-news\n",
        "deals.csv": "slug,acquirer,target,counterparty,deal_type,date,source\n"
        "buyco-genecorp-genex-2019,buyco,therapy/genex,genecorp,asset-purchase,2019-06-01,src-news\n"
        "newco-buyco-2021,newco,company/buyco,,acquisition,2021-01-04,src-news\n",
        "lifecycle.csv": "slug,therapy,agency,event,date,new_holder,source\n"
        "genex-ema-holder-transfer-2019-07,genex,ema,holder-transfer,2019-07,buyco,src-news\n"
        "genex-fda-holder-transfer-2019-07,genex,fda,holder-transfer,2019-07,buyco,src-news\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    import_files([tmp_path / name for name in files], store)
    found = query(
        "SELECT ?agency ?holder ?group WHERE { ?a atmp:product therapy:genex ; "
        "atmp:agency/atmp:acronym ?agency ; atmp:authorisationHolder ?h . "
        "?h rdfs:label ?holder ; atmp:ultimateParent/rdfs:label ?group } ORDER BY ?agency",
        store=store,
    )
    assert [tuple(r.values()) for r in found.dicts()] == [
        ("EMA", "GeneCorp", "GeneCorp"),
        ("FDA", "BuyCo", "NewCo"),
        ("PMDA", "GeneCorp", "GeneCorp"),
    ]


def test_company_subsidiaries(rows):
    assert rows("company-subsidiaries", company="bigpharma") == [
        {
            "company": BIGPHARMA,
            "companyName": "Big Pharma",
            "depth": 1,
            "subsidiary": ID + "company/cellco",
            "subsidiaryName": "CellCo",
            "parent": BIGPHARMA,
            "parentName": "Big Pharma",
            "since": "2017-10",
        },
        {
            "company": BIGPHARMA,
            "companyName": "Big Pharma",
            "depth": 2,
            "subsidiary": ID + "company/cellco-eu",
            "subsidiaryName": "CellCo Europe",
            "parent": ID + "company/cellco",
            "parentName": "CellCo",
            "since": "2019",
        },
    ]
    assert rows("company-subsidiaries", company="genecorp") == []


def test_sponsor_ultimate_parent(rows):
    def row(therapy, agency, date, sponsor, name, parent, parent_name, approval):
        return {
            "therapy": therapy,
            "therapyName": named(therapy),
            "agency": ID + "agency/" + agency.lower(),
            "agencyName": agency,
            "date": date,
            "sponsor": ID + "company/" + sponsor,
            "sponsorName": name,
            "ultimateParent": parent,
            "ultimateParentName": parent_name,
            "approval": APPROVAL + approval,
        }

    genecorp = ID + "company/genecorp"
    sma = "spinal-muscular-atrophy"
    genex = [  # GeneCorp is its own ultimate parent
        row(GENEX, "FDA", D(2019, 5, 24), "genecorp", "GeneCorp", genecorp, "GeneCorp", "genex-fda-2019-05-24-" + sma),
        row(GENEX, "PMDA", D(2020, 3, 19), "genecorp", "GeneCorp", genecorp, "GeneCorp", "genex-pmda-2020-03-19-" + sma),
        row(GENEX, "EMA", D(2020, 5, 18), "genecorp", "GeneCorp", genecorp, "GeneCorp", "genex-ema-2020-05-18-" + sma),
    ]  # fmt: skip
    big = (BIGPHARMA, "Big Pharma")
    assert rows("sponsor-ultimate-parent") == [
        row(ALPHACEL, "FDA", D(2017, 8, 30), "cellco", "CellCo", *big, "alphacel-fda-2017-08-30-" + LBCL_SLUG),
        row(ALPHACEL, "EMA", D(2018, 8, 22), "cellco-eu", "CellCo Europe", *big, "alphacel-ema-2018-08-22-" + LBCL_SLUG),
        row(ALPHACEL, "FDA", D(2022, 4, 1), "cellco", "CellCo", *big, "alphacel-fda-2022-04-01-" + LBCL_SLUG),
        row(BETACEL, "FDA", D(2021, 3, 26), "cellco", "CellCo", *big, "betacel-fda-2021-03-26-multiple-myeloma"),
        row(BETACEL, "PMDA", "2022-01", "cellco", "CellCo", *big, "betacel-pmda-2022-01-multiple-myeloma"),
        *genex,
    ]  # fmt: skip
    assert rows("sponsor-ultimate-parent", therapy="genex") == genex


def test_unapproved_therapies(rows):
    # Every fixture therapy has an approval.
    assert rows("unapproved-therapies") == []
    assert rows("unapproved-therapies", modality="car-t") == []


def test_product_figures(rows):
    price = {
        "therapy": GENEX,
        "therapyName": "Genex",
        "metricName": "list price",
        "valueUSD": Decimal("2125000"),
        "period": "2019",
        "geography": ID + "country/us",
        "geographyName": "United States",
        "source": ID + "source/press-genecorp",
        "sourceName": "GeneCorp prices Genex",
        "figure": ID + "figure/genex-list-price-2019",
        "metric": LIST_PRICE,
    }
    assert rows("product-figures") == [price]
    assert rows("product-figures", therapy="genex", metric="list-price") == [price]
    assert rows("product-figures", metric="sales") == []


# -- deals ---------------------------------------------------------------------------------------

CELLCO_DEAL = {
    "deal": ID + "deal/bigpharma-cellco-2017",
    "acquirer": BIGPHARMA,
    "acquirerName": "Big Pharma",
    "target": ID + "company/cellco",
    "targetName": "CellCo",
    "dealType": "acquisition",
    "date": D(2017, 8, 28),
    "atLeastUSD": Decimal("11900000000"),
    "valueUSD": Decimal("11900000000"),
}
GENEX_DEAL = {
    "deal": ID + "deal/bigpharma-genex-2019",
    "acquirer": BIGPHARMA,
    "acquirerName": "Big Pharma",
    "target": GENEX,
    "targetName": "Genex",
    "dealType": "licensing",
    "date": D(2019, 1, 15),
    "atLeastUSD": Decimal("500000000"),
    "valueUSD": Decimal("500000000"),
    "upfrontUSD": Decimal("100000000"),
}
GENECORP_STAKE = {  # dated 2021-06 (xsd:gYearMonth)
    "deal": ID + "deal/othercorp-genecorp-2021",
    "acquirer": ID + "company/othercorp",
    "acquirerName": "OtherCorp",
    "target": ID + "company/genecorp",
    "targetName": "GeneCorp",
    "dealType": "equity stake",
    "date": "2021-06",
    "atLeastUSD": Decimal("300000000"),
    "valueUSD": Decimal("300000000"),
}


def test_deals_above_value_default_threshold_is_inclusive(rows):
    default = {"min_value": Decimal("500000000")}
    assert rows("deals-above-value") == [
        {**CELLCO_DEAL, **default},
        {**GENEX_DEAL, **default},  # exactly USD 500 million
    ]


def test_deals_above_value_in_a_period(rows):
    assert rows("deals-above-value", to="2018-12-31") == [
        {**CELLCO_DEAL, "min_value": Decimal("500000000"), "to": D(2018, 12, 31)}
    ]
    assert rows("deals-above-value", min_value="1000000000", **{"from": "2018-01-01"}) == []


def test_deals_above_value_month_only_deal_overlapping_the_period(rows):
    # The 2021-06 deal overlaps a period starting mid-June...
    params = {"min_value": "100000000", "from": "2021-06-15", "to": "2021-12-31"}
    assert rows("deals-above-value", **params) == [
        {
            **GENECORP_STAKE,
            "min_value": Decimal("100000000"),
            "from": D(2021, 6, 15),
            "to": D(2021, 12, 31),
        }
    ]
    # ...and one ending in June, but not one starting in July or ending in May.
    june = {"min_value": "0", "from": "2021-01-01", "to": "2021-06-01"}
    assert rows("deals-above-value", **june) == [
        {**GENECORP_STAKE, "min_value": Decimal("0"), "from": D(2021, 1, 1), "to": D(2021, 6, 1)}
    ]
    assert rows("deals-above-value", min_value="0", **{"from": "2021-07-01"}) == []
    assert rows("deals-above-value", min_value="0", to="2021-05-31", **{"from": "2020-01-01"}) == []


#: An acquisition whose total no source states, with its upfront payment.
UPFRONT_ONLY = (
    "slug,acquirer,target,deal_type,date,value_usd,upfront_usd,milestones_usd,value_original,source,note\n"
    "othercorp-genecorp-2022,othercorp,company/genecorp,acquisition,2022-03-01,,2000000000,,,src-news,\n"
)


def test_a_deal_without_a_total_is_listed_by_its_upfront_payment(fixture_store, tmp_path_factory):
    rows = rows_with("deals", UPFRONT_ONLY, fixture_store, tmp_path_factory)
    found = [
        (r["deal"], r["atLeastUSD"], r.get("valueUSD"), r.get("upfrontUSD"))
        for r in rows("deals-above-value")
    ]
    assert found == [
        (CELLCO_DEAL["deal"], Decimal("11900000000"), Decimal("11900000000"), None),
        (ID + "deal/othercorp-genecorp-2022", Decimal("2000000000"), None, Decimal("2000000000")),
        (GENEX_DEAL["deal"], Decimal("500000000"), Decimal("500000000"), Decimal("100000000")),
    ]
    assert rows("deals-above-value", min_value="2000000001", **{"from": "2022"}) == []


def test_deals_left_out_only_for_want_of_a_total_are_named_in_a_note(
    fixture_store, tmp_path_factory
):
    """newuser27 F4: deals-above-value left out, without a word, the deals whose upfront payment
    plus milestones reach min_value while no total is stated (Vertex–CRISPR 2021, 900M + 200M)."""
    import atmpkg
    from atmpkg.graph import import_files

    folder = tmp_path_factory.mktemp("milestones")
    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (folder / "deals.csv").write_text(
        "slug,acquirer,target,deal_type,date,value_usd,upfront_usd,milestones_usd,value_original,"
        "source,note\n"
        "othercorp-genecorp-2022,othercorp,company/genecorp,licensing,2022-03-01,,400000000,"
        "700000000,,src-news,\n"
        "genecorp-cellco-2023,genecorp,company/cellco,licensing,2023,,,600000000,,src-news,\n"
    )
    import_files([folder / "deals.csv"], store)
    kg = atmpkg.open(store)
    found = kg.named("deals-above-value", min_value=1e9, **{"from": "2020"})
    assert [r["deal"] for r in found.dicts()] == []
    # the note on the deals that state no amount follows (see the test below)
    assert found.notes[0] == (
        "1 deal with no stated total is left out though its upfront payment and equity purchase "
        "plus milestones reach 1,000,000,000 (deal:othercorp-genecorp-2022: 400,000,000 + "
        "700,000,000): a deal with no stated total is counted at its upfront payment plus its "
        "equity purchase (atLeastUSD), as milestones are paid only when met; a min_value of "
        "400,000,000 lists it, with upfrontUSD, equityUSD and milestonesUSD"
    )
    both = kg.named("deals-above-value", min_value=5e8, **{"from": "2022"}).notes[0]
    assert both == (
        "2 deals with no stated total are left out though their upfront payment and equity "
        "purchase plus milestones reach 500,000,000 (deal:othercorp-genecorp-2022: 400,000,000 + "
        "700,000,000; deal:genecorp-cellco-2023: no upfront or equity stated + 600,000,000): a "
        "deal with no stated total is counted at its upfront payment plus its equity purchase "
        "(atLeastUSD), as milestones are paid only when met; a min_value of 400,000,000 lists "
        "them, with upfrontUSD, equityUSD and milestonesUSD (one with no upfront payment or "
        "equity purchase stated, none)"
    )
    # the period leaves them out, and a min_value at its upfront payment lists the one that has
    # one
    before = kg.named("deals-above-value", min_value=1e9, to="2021").notes
    assert not any("no stated total" in note for note in before)
    # the deal with milestones alone is named at any min_value, 0 too (newuser30 F7: it was
    # named at 1 and not at 0)
    for value, reached in ((4e8, "400,000,000"), (0, "0")):
        lower = kg.named("deals-above-value", min_value=value)
        assert ID + "deal/othercorp-genecorp-2022" in [r["deal"] for r in lower.dicts()]
        assert [note for note in lower.notes if "no stated total" in note] == [
            "1 deal with no stated total is left out though its upfront payment and equity "
            f"purchase plus milestones reach {reached} (deal:genecorp-cellco-2023: no upfront or "
            "equity stated + 600,000,000): a deal with no stated total is counted at its upfront "
            "payment plus its equity purchase (atLeastUSD), as milestones are paid only when met; "
            "none lists it, as no upfront payment or equity purchase is stated"
        ]


#: The query the note on the deals that state no amount gives to list them, without a period.
UNSTATED_LISTING = (
    "SELECT ?deal ?date ?milestonesUSD WHERE { ?deal a atmp:Deal ; atmp:dateStated ?date ; "
    "atmp:date ?start ; atmp:dateEnd ?end FILTER NOT EXISTS { ?deal atmp:valueAtLeastUSD ?usd } "
    "OPTIONAL { ?deal atmp:milestonesUSD ?milestonesUSD } } ORDER BY ?start ?deal"
)


def test_deals_that_state_no_amount_are_counted_in_a_note_with_the_query_that_lists_them(
    fixture_store,
):
    """newuser30 F7: deals-above-value -p min_value=0 left out, without a word, the deals with no
    total, upfront payment or equity purchase stated (35 of the curated 101)."""
    import atmpkg

    kg = atmpkg.open(fixture_store)
    every = kg.named("deals-above-value", min_value=0)
    assert [shorten(r["deal"]) for r in every.dicts()] == [
        "deal:bigpharma-cellco-2017",
        "deal:bigpharma-genex-2019",
        "deal:othercorp-genecorp-2021",
    ]
    assert every.notes == [
        "1 deal states no total, upfront payment or equity purchase, so no min_value lists it "
        f"(deal:genecorp-cellco-eu-2023); this query lists it: {UNSTATED_LISTING}"
    ]
    listed = kg.query(UNSTATED_LISTING)
    assert [(shorten(r["deal"]), r["date"]) for r in listed.dicts()] == [
        ("deal:genecorp-cellco-eu-2023", D(2023, 2, 1))
    ]
    # in a period, the period's bounds are in the query, which lists what the note counts
    in_period = kg.named("deals-above-value", min_value=1e9, **{"from": "2023-02", "to": "2023"})
    period = (
        'FILTER(?end >= "2023-02-01"^^xsd:date && ?start <= "2023-12-31"^^xsd:date) OPTIONAL'
    )
    listing = UNSTATED_LISTING.replace("OPTIONAL", period)
    assert in_period.notes == [
        "1 deal in the period states no total, upfront payment or equity purchase, so no "
        f"min_value lists it (deal:genecorp-cellco-eu-2023); this query lists it: {listing}"
    ]
    assert kg.query(listing).column("deal") == [ID + "deal/genecorp-cellco-eu-2023"]
    # a period without such a deal has no note
    assert kg.named("deals-above-value", min_value=0, to="2022").notes == []


def test_the_curated_deals_that_state_no_amount_are_those_deals_above_value_leaves_out(
    curated_store,
):
    kg = atmpkg.open(curated_store)
    every = kg.named("deals-above-value", min_value=0)
    listed = {r["deal"] for r in every.dicts()}
    unstated = kg.query(UNSTATED_LISTING).column("deal")
    deals = kg.query("SELECT ?deal WHERE { ?deal a atmp:Deal }").column("deal")
    assert (len(listed), len(unstated), len(deals)) == (66, 35, 101)
    assert listed | set(unstated) == set(deals)
    # the one with milestones alone is named in the note before, as it is at min_value=1
    assert [note.split(" (")[0] for note in every.notes] == [
        "1 deal with no stated total is left out though its upfront payment and equity purchase "
        "plus milestones reach 0",
        "35 deals state no total, upfront payment or equity purchase, so no min_value lists them",
    ]
    assert every.notes[1] == (
        "35 deals state no total, upfront payment or equity purchase, so no min_value lists them "
        "(deal:jcr-pharmaceuticals-osiris-msc-licence-2003, deal:teijin-sanbio-sb623-2009, "
        "deal:uniqure-amsterdam-molecular-therapeutics-2012 and 32 more); this query lists them: "
        + UNSTATED_LISTING
    )


#: A collaboration with no stated total whose cash upfront and equity purchase sources give
#: apart (as Kite–Arcellx 2022's), and one with the equity alone.
EQUITY_APART = (
    "slug,acquirer,target,deal_type,date,value_usd,upfront_usd,equity_usd,milestones_usd,"
    "value_original,source,note\n"
    "othercorp-genecorp-2022,othercorp,company/genecorp,collaboration,2022-12-09,,225000000,"
    "100000000,,,src-news,\n"
    "othercorp-cellco-2022,othercorp,company/cellco,collaboration,2022-03,,,200000000,"
    "900000000,,src-news,\n"
)


#: Hand-written numbers at the edges of what the engine holds (an xsd:decimal: 18 decimal places,
#: at most 170141183460469231731.687303715884105727 either side of zero; an xsd:integer: 64 bits).
HELD_EDGES = """("places" 0.000000000000000001) ("minus" -0.000000000000000001) ("zero" 0)
("top" 170141183460469231731.687303715884105727) ("bottom" -170141183460469231731.687303715884105727)
("long" 9223372036854775807) ("short" -9223372036854775808)"""
#: Each number parameter given at an edge, with the canonical form of the value it names; the
#: engine's own verdict on that form decides whether it may be bound (sec31 F2).
EDGE_VALUES = {
    "decimal": [
        ("1e-18", "0.000000000000000001"),
        ("-0.000000000000000001", "-0.000000000000000001"),
        ("1e-19", "0.0000000000000000001"),
        ("0.0000000000000000001", "0.0000000000000000001"),
        ("-1e-19", "-0.0000000000000000001"),
        ("1.0000000000000000001", "1.0000000000000000001"),
        ("170141183460469231731.687303715884105727", "170141183460469231731.687303715884105727"),
        ("170141183460469231731.687303715884105728", "170141183460469231731.687303715884105728"),
        ("-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727"),
        ("-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728"),
        ("1.7e20", "170000000000000000000"),
        ("1.8e20", "180000000000000000000"),
        ("-1e21", "-1000000000000000000000"),
        ("9223372036854775808", "9223372036854775808"),
        ("0e-40", "0"),
        ("1e30", "1000000000000000000000000000000"),
    ],
    "integer": [
        ("9223372036854775807", "9223372036854775807"),
        ("9223372036854775808", "9223372036854775808"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("-9223372036854775809", "-9223372036854775809"),
        ("9.223372036854775807e18", "9223372036854775807"),
        ("1e19", "10000000000000000000"),
        ("-0", "0"),
    ],
}


@pytest.mark.parametrize("kind", ["decimal", "integer"])
def test_a_number_parameter_is_bound_only_when_the_engine_holds_it(fixture_store, kind):
    """sec31 F2: deals-above-value -p min_value=1e-19 (or -1e21), and min_products past 64 bits,
    were bound as a literal the engine keeps as text, which compares with nothing, and answered no
    rows without a word. Against pyoxigraph itself: a value it holds is bound and answers the rows
    of the same literal written into the query by hand; one it holds no number of is refused,
    whichever way it is written, and the hand-written query would have answered nothing."""
    kg = atmpkg.open(fixture_store)
    text = (
        f"# param: m {kind} *  The least\n"
        f"SELECT ?x ?m WHERE {{ VALUES (?x ?v) {{ {HELD_EDGES} }} FILTER(?v >= ?m) }} ORDER BY ?x"
    )
    engine = ox.Store()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for given, canonical in EDGE_VALUES[kind]:
        literal = f'"{canonical}"^^<{xsd}{kind}>'
        holds = engine.query(f"ASK {{ FILTER(isNumeric({literal})) }}")
        by_hand = [
            row["x"].value
            for row in engine.query(
                f"SELECT ?x WHERE {{ VALUES (?x ?v) {{ {HELD_EDGES} }} FILTER(?v >= {literal}) }} "
                "ORDER BY ?x"
            )
        ]
        if holds:
            bound = kg.query(text, {"m": given})
            assert bound.column("x") == by_hand, given
            # every value held is at most the top one, whose row then shows what was bound
            m = bound.variables.index("m")
            assert bound.rows[0][m] == ox.Literal(canonical, datatype=ox.NamedNode(xsd + kind))
            continue
        assert by_hand == [], given  # what the parameter would have answered, without a word
        with pytest.raises(ParameterError) as refused:
            kg.query(text, {"m": given})
        held = (
            "an xsd:decimal at most 170141183460469231731.687303715884105727 either side of "
            "zero (about 1.7e20), with at most 18 decimal places"
            if kind == "decimal"
            else "an xsd:integer from -9223372036854775808 to 9223372036854775807 (64 bits, signed)"
        )
        assert str(refused.value) == (
            f"parameter 'm' is '{given}', past what the engine holds as a number: {held}; a query "
            "compares a number past that with nothing, so the answer would be empty: give one "
            "within that"
        )
    verdicts = {
        given: bool(engine.query(f'ASK {{ FILTER(isNumeric("{c}"^^<{xsd}{kind}>)) }}'))
        for given, c in EDGE_VALUES[kind]
    }
    # the edges on both sides are met: some values are held, some are not
    assert sorted(set(verdicts.values())) == [False, True]


BEYOND_DECIMAL = (
    "past what the engine holds as a number: an xsd:decimal at most "
    "170141183460469231731.687303715884105727 either side of zero (about 1.7e20), with at most 18 "
    "decimal places; a query compares a number past that with nothing, so the answer would be "
    "empty: give one within that"
)
BEYOND_INTEGER = (
    "past what the engine holds as a number: an xsd:integer from -9223372036854775808 to "
    "9223372036854775807 (64 bits, signed); a query compares a number past that with nothing, so "
    "the answer would be empty: give one within that"
)


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("1_000_000_000", "1000000000"), ("1_0.2_5", "10.25"), ("1e9", "1000000000"),
        (".5", "0.5"), ("1.e2", "100"), ("-2.5E1", "-25"), ("_1", None), ("1_", None),
        ("1__0", None), ("1_.5", None), ("1._5", None), ("1e1_0", None), ("1e_5", None),
        ("1.", None), ("1_e5", None), ("0x10", None), ("1e", None),
    ],
)  # fmt: skip
def test_a_number_parameter_takes_underscores_between_digits_only(fixture_store, tmp_path, given, read):
    """sec32 F7: -p v=1e1_0 was read as 1e10, and _1, 1_, 1__0, 1_.5 as numbers, without a word:
    Python's Decimal() takes stray underscores. A number is read as SPARQL writes one, with
    single underscores between the digits before its exponent."""
    rq = tmp_path / "v.rq"
    rq.write_text("# param: v decimal *\nSELECT ?v WHERE {}\n")
    result = CliRunner().invoke(
        cli, ["query", "--file", str(rq), "-p", f"v={given}", "--format", "csv", "--store", str(fixture_store)]
    )
    if read is None:
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: parameter 'v' must be a decimal such as 1000000000, 1e9 or 2.5, got '{given}'\n",
        )
        with pytest.raises(ParameterError, match="must be a decimal"):
            atmpkg.open(fixture_store).query(file=rq, params={"v": given})
    else:
        assert (result.exit_code, result.stdout) == (0, f"v\n{read}\n")


def test_a_number_the_engine_cannot_hold_is_refused_on_the_command_line_and_in_python(
    fixture_store,
):
    """sec31 F2, the audit's commands: each was (0 rows) with no word on the parameter."""
    kg = atmpkg.open(fixture_store)
    refused = [
        ("deals-above-value", "min_value", "1e-19", BEYOND_DECIMAL),
        ("deals-above-value", "min_value", "0.0000000000000000001", BEYOND_DECIMAL),
        ("deals-above-value", "min_value", "-1e21", BEYOND_DECIMAL),
        ("deals-above-value", "min_value", "1e999999999", BEYOND_DECIMAL),
        ("companies-by-approved-products", "min_products", "-9223372036854775809", BEYOND_INTEGER),
    ]
    store = ["--store", str(fixture_store)]
    for name, param, value, held in refused:
        message = f"parameter '{param}' is '{value}', {held}"
        result = CliRunner().invoke(cli, ["query", "--name", name, "-p", f"{param}={value}", *store])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
        with pytest.raises(ParameterError) as python:
            kg.named(name, {param: value})
        assert str(python.value) == message
    # a Python number is read as its text is
    with pytest.raises(ParameterError, match=r"^parameter 'min_value' is '1e-19', past what"):
        kg.named("deals-above-value", min_value=1e-19)
    with pytest.raises(ParameterError, match=r"^parameter 'min_products' is '-9223372036854775809'"):
        kg.named("companies-by-approved-products", min_products=-(2**63) - 1)
    # the values at the edges are bound
    assert len(kg.named("deals-above-value", min_value="1e-18")) == 3
    assert len(kg.named("companies-by-approved-products", min_products=-(2**63))) == len(
        kg.named("companies-by-approved-products", min_products=0)
    )
    # a query's own variable, bound with -p (Python: params=), is held to the same rule
    plain = "SELECT ?d ?m WHERE { ?d atmp:valueAtLeastUSD ?v FILTER(?v >= ?m) }"
    for value, held in (("0.0000000000000000001", BEYOND_DECIMAL), ("1" + "0" * 19, BEYOND_INTEGER)):
        message = f"parameter 'm' is '{value}', {held}"
        result = CliRunner().invoke(cli, ["query", plain, "-p", f"m={value}", *store])
        assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")
        with pytest.raises(ParameterError) as python:
            kg.query(plain, {"m": value})
        assert str(python.value) == message
    with pytest.raises(ParameterError, match="^parameter 'm' is '-0.0000000000000000001', past"):
        kg.query(plain, {"m": Decimal("-1e-19")})
    assert len(kg.query(plain, {"m": "0.000000000000000001"})) == 3


def test_a_python_decimal_far_past_the_engine_is_refused_before_its_digits_are_written(
    fixture_store,
):
    """fix31 2: Decimal("1e99999999") was written out in full (100 million characters, 3.3 s,
    233 MB) before the engine's range was looked at; 1e999999999999 ended in a bare MemoryError.
    Its first digit past 30 places either way is refused as the same text would be."""
    kg = atmpkg.open(fixture_store)
    plain = "SELECT ?d ?m WHERE { ?d atmp:valueAtLeastUSD ?v FILTER(?v >= ?m) }"
    for value, shown in [
        (Decimal("1e99999999"), "1E+99999999"),
        (Decimal("1e999999999999"), "1E+999999999999"),
        (Decimal("-1e-99999999"), "-1E-99999999"),
        (Decimal("1e31"), "1E+31"),
        # at 30 places the digits are written out, and the engine's range refuses them
        (Decimal("1e30"), "1" + "0" * 30),
    ]:
        message = f"parameter 'min_value' is '{shown}', {BEYOND_DECIMAL}"
        with pytest.raises(ParameterError) as named:
            kg.named("deals-above-value", min_value=value)
        assert str(named.value) == message
        with pytest.raises(ParameterError) as bound:
            kg.query(plain.replace("?m", "?min_value"), {"min_value": value})
        assert str(bound.value) == message
    # the text given on the command line is refused by the same rule, in the same words
    with pytest.raises(ParameterError) as text:
        kg.named("deals-above-value", min_value="1E+99999999")
    assert str(text.value) == f"parameter 'min_value' is '1E+99999999', {BEYOND_DECIMAL}"
    assert len(kg.query(plain, {"m": Decimal("1e-18")})) == 3


def test_a_deal_known_by_its_cash_and_equity_apart_is_worth_at_least_both(
    fixture_store, tmp_path_factory
):
    """newuser29 F5: Kite–Arcellx 2022 (USD 225M cash plus USD 100M equity, no stated sum) had no
    money at all and counted as undisclosed; now each part has its cell, and the deal is worth at
    least their sum, listed, counted as disclosed and summed."""
    rows = rows_with("deals", EQUITY_APART, fixture_store, tmp_path_factory)
    period = {"min_value": "150000000", "from": "2022", "to": "2022"}
    assert rows("deals-above-value", **period) == [
        {
            "deal": ID + "deal/othercorp-genecorp-2022",
            "acquirer": ID + "company/othercorp",
            "acquirerName": "OtherCorp",
            "target": ID + "company/genecorp",
            "targetName": "GeneCorp",
            "dealType": "collaboration",
            "date": D(2022, 12, 9),
            "atLeastUSD": Decimal("325000000"),
            "upfrontUSD": Decimal("225000000"),
            "equityUSD": Decimal("100000000"),
            "min_value": Decimal("150000000"),
            "from": D(2022, 1, 1),
            "to": D(2022, 12, 31),
        },
        {
            "deal": ID + "deal/othercorp-cellco-2022",
            "acquirer": ID + "company/othercorp",
            "acquirerName": "OtherCorp",
            "target": ID + "company/cellco",
            "targetName": "CellCo",
            "dealType": "collaboration",
            "date": "2022-03",
            "atLeastUSD": Decimal("200000000"),
            "equityUSD": Decimal("200000000"),
            "milestonesUSD": Decimal("900000000"),
            "min_value": Decimal("150000000"),
            "from": D(2022, 1, 1),
            "to": D(2022, 12, 31),
        },
    ]
    collaborations = {
        "type": ID + "deal-type/collaboration",
        "typeName": "collaboration",
        "largestDeal": ID + "deal/othercorp-genecorp-2022",
        "largestDealUSD": Decimal("325000000"),
    }
    assert [r for r in rows("deals-by-type-year", type="collaboration") if r["year"] == 2022] == [
        {**collaborations, "year": 2022, "deals": 2, "disclosedDeals": 2,
         "totalValueUSD": Decimal("525000000")},
    ]  # fmt: skip
    ranked = rows("acquirers-by-deal-value", type="collaboration")
    assert [r for r in ranked if r["acquirerName"] == "OtherCorp"] == [
        {**collaborations, "acquirer": ID + "company/othercorp", "acquirerName": "OtherCorp",
         "deals": 2, "disclosedDeals": 2, "totalValueUSD": Decimal("525000000")},
    ]  # fmt: skip


def test_acquirers_by_deal_value(rows):
    def row(acquirer, name, kind, kind_name, disclosed, total=None, deal=None):
        found = {
            "acquirer": ID + "company/" + acquirer,
            "acquirerName": name,
            "type": ID + "deal-type/" + kind,
            "typeName": kind_name,
            "deals": 1,
            "disclosedDeals": disclosed,
            "totalValueUSD": total and Decimal(total),
            "largestDeal": deal and ID + "deal/" + deal,
            "largestDealUSD": total and Decimal(total),
        }
        return {k: v for k, v in found.items() if v is not None}

    licensing = row(
        "bigpharma", "Big Pharma", "licensing", "licensing", 1, "500000000", "bigpharma-genex-2019"
    )
    assert rows("acquirers-by-deal-value") == [
        row("bigpharma", "Big Pharma", "acquisition", "acquisition", 1, "11900000000", "bigpharma-cellco-2017"),
        licensing,
        row("othercorp", "OtherCorp", "equity-stake", "equity stake", 1, "300000000", "othercorp-genecorp-2021"),
        # no value disclosed: nothing to add up, and no largest deal
        row("genecorp", "GeneCorp", "collaboration", "collaboration", 0),
    ]  # fmt: skip
    assert rows("acquirers-by-deal-value", type="licensing") == [licensing]


#: An acquisition that disclosed no value, beside Big Pharma's of 2017 that did.
UNDISCLOSED = (
    "slug,acquirer,target,deal_type,date,value_usd,upfront_usd,value_original,source,note\n"
    "bigpharma-genecorp-2017,bigpharma,company/genecorp,acquisition,2017-11-02,,,,src-news,\n"
)


def test_a_deal_without_a_value_adds_nothing_and_is_never_the_largest(
    fixture_store, tmp_path_factory
):
    rows = rows_with("deals", UNDISCLOSED, fixture_store, tmp_path_factory)
    acquisitions = {
        "type": ID + "deal-type/acquisition",
        "typeName": "acquisition",
        "deals": 2,
        "disclosedDeals": 1,
        "totalValueUSD": Decimal("11900000000"),
        "largestDeal": ID + "deal/bigpharma-cellco-2017",
        "largestDealUSD": Decimal("11900000000"),
    }
    assert rows("deals-by-type-year", type="acquisition") == [{**acquisitions, "year": 2017}]
    by_buyer = {"acquirer": ID + "company/bigpharma", "acquirerName": "Big Pharma"}
    assert rows("acquirers-by-deal-value", type="acquisition") == [{**by_buyer, **acquisitions}]


#: An acquisition whose total no source states, with an upfront payment larger than any total.
UPFRONT_LARGEST = (
    "slug,acquirer,target,deal_type,date,value_usd,upfront_usd,value_original,source,note\n"
    "othercorp-cellco-eu-2017,othercorp,company/cellco-eu,acquisition,2017-11-02,,20000000000,,"
    "src-news,\n"
)


def test_a_deal_known_by_its_upfront_payment_counts_at_that_in_the_rankings(
    fixture_store, tmp_path_factory
):
    rows = rows_with("deals", UPFRONT_LARGEST, fixture_store, tmp_path_factory)
    largest = {"largestDeal": ID + "deal/othercorp-cellco-eu-2017", "largestDealUSD": Decimal(2e10)}
    assert rows("deals-by-type-year", type="acquisition") == [
        {
            "type": ID + "deal-type/acquisition", "typeName": "acquisition", "year": 2017,
            "deals": 2, "disclosedDeals": 2, "totalValueUSD": Decimal("31900000000"), **largest,
        }
    ]  # fmt: skip
    ranked = rows("acquirers-by-deal-value", type="acquisition")
    assert [(r["acquirerName"], r["totalValueUSD"], r.get("largestDeal")) for r in ranked] == [
        ("OtherCorp", Decimal("20000000000"), largest["largestDeal"]),
        ("Big Pharma", Decimal("11900000000"), ID + "deal/bigpharma-cellco-2017"),
    ]


def test_deals_by_type_year(rows):
    def row(slug, name, year, disclosed, total=None, deal=None):
        found = {
            "type": ID + "deal-type/" + slug,
            "typeName": name,
            "year": year,
            "deals": 1,
            "disclosedDeals": disclosed,
            "totalValueUSD": total and Decimal(total),
            "largestDeal": deal and ID + "deal/" + deal,
            "largestDealUSD": total and Decimal(total),
        }
        return {k: v for k, v in found.items() if v is not None}

    acquisitions = [
        row("acquisition", "acquisition", 2017, 1, "11900000000", "bigpharma-cellco-2017")
    ]
    assert rows("deals-by-type-year") == [
        *acquisitions,
        row("licensing", "licensing", 2019, 1, "500000000", "bigpharma-genex-2019"),
        row("equity-stake", "equity stake", 2021, 1, "300000000", "othercorp-genecorp-2021"),
        row("collaboration", "collaboration", 2023, 0),
    ]  # fmt: skip
    assert rows("deals-by-type-year", type="acquisition") == acquisitions


# -- market figures ------------------------------------------------------------------------------


def test_market_estimates_by_source(rows):
    atmp = {
        "scope": ATMP,
        "scopeName": "advanced therapy medicinal products market",
        "year": "2026",
        "source": ID + "source/report-y",
        "sourceName": REPORT_Y,
        "valueUSD": Decimal("41460000000"),
        "forecastYear": "2031",
        "forecastValueUSD": Decimal("86760000000"),
        "cagrPercent": Decimal("15.91"),
        "cagrFrom": "2026",
        "cagrTo": "2031",
        "estimate": ID + "estimate/atmp-2026",
    }
    assert rows("market-estimates-by-source") == [
        {
            "scope": ACT_CANCER,
            "scopeName": "adoptive cell therapy for cancer treatment market",
            "year": "2024",
            "source": ID + "source/report-x",
            "sourceName": REPORT_X,
            "valueUSD": Decimal("14776330000"),
            "forecastYear": "2031",
            "forecastValueUSD": Decimal("29723680000"),
            "cagrPercent": Decimal("10.5"),
            "cagrFrom": "2025",
            "cagrTo": "2031",
            "estimate": ID + "estimate/act-2024",
        },
        atmp,  # the gene-therapy share is not a market size
    ]
    assert rows("market-estimates-by-source", scope="atmp") == [atmp]


def test_segment_shares(rows):
    share = {
        "scope": ATMP,
        "scopeName": "advanced therapy medicinal products market",
        "source": ID + "source/report-y",
        "sourceName": REPORT_Y,
        "segmentation": "ATMP market report: therapy type segmentation",
        "segment": ID + "segment/atmp-therapy-type--gene-therapy",
        "segmentName": "Gene therapy",
        "year": "2025",
        "sharePercent": Decimal("44.79"),
        "estimate": ID + "estimate/atmp-gene-therapy-share-2025",
    }
    assert rows("segment-shares") == [share]
    assert rows("segment-shares", scope="atmp") == [share]
    assert rows("segment-shares", scope="act-cancer") == []


def test_market_factors(rows):
    def row(kind, slug, name, impact, where, timeline):
        return {
            "kind": ID + "factor-kind/" + kind,
            "kindName": kind,
            "factor": ID + "factor/" + slug,
            "factorName": name,
            "cagrImpactPercent": Decimal(impact),
            "geography": ID
            + {"World": "region/world", "European Union": "region/eu"}.get(where, "country/us"),
            "geographyName": where,
            "timeline": timeline,
            "source": ID + "source/report-y",
            "sourceName": REPORT_Y,
        }

    restraint = row(
        "restraint", "cost-barrier", "High cost", "-1.8", "World", "medium term (two to four years)"
    )
    short = "short term (two years or less)"
    assert rows("market-factors") == [  # one row per geography
        row("driver", "fast-track", "Fast-track designations", "2.8", "European Union", short),
        row("driver", "fast-track", "Fast-track designations", "2.8", "United States", short),
        restraint,
    ]
    assert rows("market-factors", kind="restraint") == [restraint]


# -- claims and provenance -----------------------------------------------------------------------

ALPHACEL_CLAIM = "Alphacel was first approved in 2019."
ALPHACEL_CLAIM_ID = ID + "claim/alphacel-first-approval-2019"
REPORT_Y_ID = ID + "source/report-y"


def test_contradicted_claims(rows):
    assert rows("contradicted-claims") == [
        {
            "claim": ALPHACEL_CLAIM_ID,
            "claimName": ALPHACEL_CLAIM,
            "about": ALPHACEL,
            "aboutName": "Alphacel",
            "source": REPORT_Y_ID,
            "sourceName": REPORT_Y,
            "evidence": ID + "source/src-fda-a",
            "evidenceName": "FDA approves Alphacel",
            "evidenceUrl": "https://fda.example/alphacel",
            "note": "FDA approved it on 2017-08-30.",
        }
    ]


def test_claims_by_status(rows):
    def row(claim, statement, status, source, source_name, about, about_name, **more):
        return {
            "claim": ID + "claim/" + claim,
            "claimName": statement,
            "status": status,
            "statusName": status.rsplit("/", 1)[1],
            "source": source,
            "sourceName": source_name,
            "about": about,
            "aboutName": about_name,
            **more,
        }

    unverified = row(
        "genex-sales", "Genex sales reached USD 1 billion.", UNVERIFIED, ID + "source/report-x",
        REPORT_X, GENEX, "Genex",
    )  # fmt: skip
    assert rows("claims-by-status") == [
        row(
            "alphacel-first-approval-2019", ALPHACEL_CLAIM, CONTRADICTED, REPORT_Y_ID, REPORT_Y,
            ALPHACEL, "Alphacel", evidence=ID + "source/src-fda-a",
            evidenceName="FDA approves Alphacel",
            note="FDA approved it on 2017-08-30.",
        ),
        row(
            "betacel-japan", "Betacel is approved in Japan.", SUPPORTED, REPORT_Y_ID, REPORT_Y,
            BETACEL, "Betacel", evidence=ID + "source/src-news", evidenceName="Deal news roundup",
        ),
        unverified,
    ]  # fmt: skip
    assert rows("claims-by-status", status="unverified") == [unverified]


def test_sources_of_entity(rows):
    fda_a = {
        "source": ID + "source/src-fda-a",
        "sourceName": "FDA approves Alphacel",
        "publisher": "US Food and Drug Administration",
        "issued": D(2017, 8, 30),
        "url": "https://fda.example/alphacel",
    }
    ema_a = {
        "source": ID + "source/src-ema-a",
        "sourceName": "EMA authorises Alphacel",
        "publisher": "European Medicines Agency",
        "issued": D(2018, 8, 22),
        "url": "https://ema.example/alphacel",
    }

    def row(kind, record, name, link, source):
        return {
            "entity": ALPHACEL,
            "entityName": "Alphacel",
            "recordType": kind,
            "record": ID + record,
            "recordName": name,
            "link": link,
            **source,
        }

    lbcl = f"({LBCL})"
    assert rows("sources-of-entity", entity=ALPHACEL) == [
        row("therapy", "therapy/alphacel", "Alphacel", "itself", fda_a),
        row("approval", APPROVAL[len(ID):] + "alphacel-ema-2018-08-22-" + LBCL_SLUG, f"Alphacel — EMA 2018-08-22 {lbcl}", "product", ema_a),
        row("approval", APPROVAL[len(ID):] + "alphacel-fda-2017-08-30-" + LBCL_SLUG, f"Alphacel — FDA 2017-08-30 {lbcl}", "product", fda_a),
        row("approval", APPROVAL[len(ID):] + "alphacel-fda-2022-04-01-" + LBCL_SLUG, f"Alphacel — FDA 2022-04-01 {lbcl}", "product", fda_a),
        row(
            "claim", "claim/alphacel-first-approval-2019", ALPHACEL_CLAIM, "about",
            {
                "source": REPORT_Y_ID,
                "sourceName": REPORT_Y,
                "publisher": "Fixture Research",
                "issued": "2026",
                "url": "https://reports.example/atmp-market",
            },
        ),
        row(
            "development", "development/cellco-data-2023", "CellCo presents Alphacel data",
            "about",
            {
                "source": ID + "source/report-x",
                "sourceName": REPORT_X,
                "issued": "2025",
                "url": "https://reports.example/act-market",
            },
        ),
    ]  # fmt: skip


def test_sources_of_entity_leaves_out_derived_links(rows):
    found = rows("sources-of-entity", entity=BIGPHARMA)
    links = {(r["recordType"], r["recordName"], r["link"]) for r in found}
    assert links == {
        ("company", "Big Pharma", "itself"),
        ("company", "CellCo", "subsidiary of"),
        ("deal", "Big Pharma – CellCo (acquisition, 2017)", "acquirer"),
        ("deal", "Big Pharma – Genex (licensing, 2019)", "acquirer"),
    }


def test_sources_of_entity_names_its_entity_as_show_does(rows):
    by_iri = rows("sources-of-entity", entity=BIGPHARMA)
    for name in ("Big Pharma", "bigpharma", "company:bigpharma", f"<{BIGPHARMA}>"):
        assert rows("sources-of-entity", entity=name) == by_iri, name
    with pytest.raises(
        UnknownNameError, match=r"unknown entity 'Big Farma'; did you mean 'Big Pharma'\?"
    ):
        rows("sources-of-entity", entity="Big Farma")


# -- the lifecycle of authorisations: the fixture graph plus three events ------------------------

LIFECYCLE = (
    "slug,therapy,agency,event,date,new_holder,source,note\n"
    "alphacel-ema-withdrawn-2023-05-10,alphacel,ema,withdrawn,2023-05-10,,src-ema-a,CellCo stopped marketing it.\n"
    "betacel-pmda-expired-2024-06,betacel,pmda,expired,2024-06,,src-news,\n"
    "genex-fda-holder-transfer-2021-01-15,genex,fda,holder-transfer,2021-01-15,bigpharma,press-genecorp,\n"
)


def rows_with(family: str, text: str, fixture_store, tmp_path_factory):
    """A runner of named queries on a copy of the fixture store with ``text`` imported as the
    CSV file of ``family``."""

    from atmpkg.graph import import_files

    folder = tmp_path_factory.mktemp(family)
    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (folder / f"{family}.csv").write_text(text, encoding="utf-8")
    import_files([folder / f"{family}.csv"], store)

    def run(name: str, **params: str) -> list[dict[str, object]]:
        return run_named(name, params, store=store).dicts()

    return run


@pytest.fixture(scope="module")
def lifecycle_rows(fixture_store, tmp_path_factory):
    """Named queries on a copy of the fixture store with the events above imported."""
    return rows_with("lifecycle", LIFECYCLE, fixture_store, tmp_path_factory)


def authorised(found) -> list[tuple[str, str, object, str]]:
    return [
        (
            r["agencyName"],
            r["therapyName"],
            r["firstApproval"],
            r["approval"][len(APPROVAL) :],
        )
        for r in found
    ]


def test_authorised_products_on_a_day(lifecycle_rows):
    alphacel_ema = ("EMA", "Alphacel", D(2018, 8, 22), "alphacel-ema-2018-08-22-" + LBCL_SLUG)
    since = [
        ("EMA", "Genex", D(2020, 5, 18), "genex-ema-2020-05-18-spinal-muscular-atrophy"),
        ("FDA", "Alphacel", D(2017, 8, 30), "alphacel-fda-2017-08-30-" + LBCL_SLUG),
        ("FDA", "Betacel", D(2021, 3, 26), "betacel-fda-2021-03-26-multiple-myeloma"),
        ("FDA", "Genex", D(2019, 5, 24), "genex-fda-2019-05-24-spinal-muscular-atrophy"),
    ]
    betacel_pmda = ("PMDA", "Betacel", "2022-01", "betacel-pmda-2022-01-multiple-myeloma")
    genex_pmda = ("PMDA", "Genex", D(2020, 3, 19), "genex-pmda-2020-03-19-spinal-muscular-atrophy")
    assert authorised(lifecycle_rows("authorised-products", as_of="2022-06-30")) == [
        alphacel_ema,
        *since,
        betacel_pmda,
        genex_pmda,
    ]
    # the withdrawal (2023-05-10) and the expiry (June 2024: from its last day, as the day is
    # not known) end them; a holder transfer does not
    assert authorised(lifecycle_rows("authorised-products", as_of="2024-06-29")) == [
        *since,
        betacel_pmda,
        genex_pmda,
    ]
    assert authorised(lifecycle_rows("authorised-products", as_of="2024-06-30")) == [
        *since,
        genex_pmda,
    ]
    # likewise a grant known only to its month (Betacel, PMDA, January 2022)
    assert betacel_pmda not in authorised(lifecycle_rows("authorised-products", as_of="2022-01-30"))
    assert betacel_pmda in authorised(lifecycle_rows("authorised-products", as_of="2022-01-31"))
    found = lifecycle_rows("authorised-products", agency="ema", as_of="2019-01-01")
    assert authorised(found) == [alphacel_ema]


def test_an_approval_after_a_withdrawal_authorises_the_product_again(
    fixture_store, tmp_path_factory
):
    from atmpkg.graph import import_files

    folder = tmp_path_factory.mktemp("again")
    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (folder / "lifecycle.csv").write_text(LIFECYCLE, encoding="utf-8")
    header = (FIXTURE_DATA / "approvals.csv").read_text(encoding="utf-8").splitlines()[0]
    again = "alphacel,ema,2024-02-01,large-b-cell-lymphoma,cellco-eu,eu,,initial,,src-ema-a,"
    (folder / "approvals.csv").write_text(f"{header}\n{again}\n", encoding="utf-8")
    import_files([folder / "lifecycle.csv", folder / "approvals.csv"], store)

    def ema(as_of: str) -> list[tuple[str, str, object, str]]:
        found = run_named("authorised-products", {"agency": "ema", "as_of": as_of}, store=store)
        return authorised(found.dicts())

    alphacel = ("EMA", "Alphacel", D(2018, 8, 22), "alphacel-ema-2018-08-22-" + LBCL_SLUG)
    genex = ("EMA", "Genex", D(2020, 5, 18), "genex-ema-2020-05-18-spinal-muscular-atrophy")
    assert ema("2023-06-01") == [genex]  # withdrawn on 2023-05-10
    assert ema("2024-02-01") == [alphacel, genex]  # approved again: its first approval stays


def test_the_derived_facts_authorised_products_and_the_group_ranking_read(fixture_store, tmp_path):
    """atmp:agencyDecision links an agency's first approval of a product to each of its approvals
    of it, atmp:inForceUntil gives the day an ending event ends an approval (the last day of a
    month-only expiry; a holder transfer ends nothing), atmp:approvedProducts counts the approved
    products of a company and what it owns (CellCo: its own Alphacel and CellCo Europe's Betacel)."""
    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (tmp_path / "lifecycle.csv").write_text(LIFECYCLE, encoding="utf-8")
    import_files([tmp_path / "lifecycle.csv"], store)

    def facts(prop: str) -> list[tuple[str, object]]:
        found = query(f"SELECT ?s ?o WHERE {{ ?s atmp:{prop} ?o }} ORDER BY ?s ?o", store=store)
        return [
            (s.value[len(ID) :], o.value[len(ID) :] if isinstance(o, ox.NamedNode) else o.value)
            for s, o in found.rows
        ]

    def decision(slug: str) -> str:
        return "approval/" + slug

    assert facts("agencyDecision") == [
        (decision(a), decision(b))
        for a, b in [
            ("alphacel-ema-2018-08-22-" + LBCL_SLUG, "alphacel-ema-2018-08-22-" + LBCL_SLUG),
            ("alphacel-fda-2017-08-30-" + LBCL_SLUG, "alphacel-fda-2017-08-30-" + LBCL_SLUG),
            ("alphacel-fda-2017-08-30-" + LBCL_SLUG, "alphacel-fda-2022-04-01-" + LBCL_SLUG),
            ("betacel-fda-2021-03-26-multiple-myeloma", "betacel-fda-2021-03-26-multiple-myeloma"),
            ("betacel-pmda-2022-01-multiple-myeloma", "betacel-pmda-2022-01-multiple-myeloma"),
            *[
                (f"genex-{day}-spinal-muscular-atrophy",) * 2
                for day in ("ema-2020-05-18", "fda-2019-05-24", "pmda-2020-03-19")
            ],
        ]
    ]
    assert facts("inForceUntil") == [
        (decision("alphacel-ema-2018-08-22-" + LBCL_SLUG), "2023-05-10"),
        (decision("betacel-pmda-2022-01-multiple-myeloma"), "2024-06-30"),
    ]
    assert facts("approvedProducts") == [
        ("company/bigpharma", "2"),
        ("company/cellco", "2"),
        ("company/cellco-eu", "1"),
        ("company/genecorp", "1"),
    ]


def test_authorised_products_today_by_default(lifecycle_rows, held_today):
    found = lifecycle_rows("authorised-products", agency="pmda")
    assert authorised(found) == [
        ("PMDA", "Genex", D(2020, 3, 19), "genex-pmda-2020-03-19-spinal-muscular-atrophy")
    ]
    assert [r["as_of"] for r in found] == [held_today]


def test_authorised_products_notes_an_unverified_claim_about_a_listed_product_at_its_agency(
    fixture_store, tmp_path
):
    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (tmp_path / "claims.csv").write_text(
        "slug,source,statement,status,about,evidence,note\n"
        "genex-pmda-lapse,src-news,Genex's approval lapses when the notice is issued.,unverified,"
        "therapy/genex|agency/pmda,,\n"
        "genex-pmda-sales,src-news,Genex sells well in Japan.,supported,therapy/genex|agency/pmda,"
        "src-news,\n"
        "genex-alone,src-news,Genex is made in one plant.,unverified,therapy/genex,,\n",
        encoding="utf-8",
    )
    import_files([tmp_path / "claims.csv"], store)
    kg = atmpkg.open(store)
    found = kg.named("authorised-products", agency="pmda")
    assert [r["therapyName"] for r in found.dicts()] == ["Betacel", "Genex"]
    # a supported claim, and one about the product alone, say nothing of its authorisation there
    assert found.notes[1:] == [
        "Genex (PMDA) is listed, though an unverified claim (claim:genex-pmda-lapse) says: Genex's "
        "approval lapses when the notice is issued; no lifecycle event records it"
    ]
    # the claim is about the PMDA's authorisation, not the FDA's
    assert kg.named("authorised-products", agency="fda").notes[1:] == []
    # seen from before its source (src-news, issued 2023-02-01) it was not yet made
    assert kg.named("authorised-products", agency="pmda", as_of="2023-01-31").notes == []
    assert len(kg.named("authorised-products", agency="pmda", as_of="2023-02-01").notes) == 1


def test_the_curated_authorised_products_note_heartsheets_undated_lapse(curated_store):
    found = atmpkg.open(curated_store).named("authorised-products", agency="pmda", as_of="2026-12-01")
    assert [n for n in found.notes if "unverified claim" in n] == [
        "HeartSheet (PMDA) is listed, though an unverified claim "
        "(claim:heartsheet-lapse-on-non-approval-notice) says: HeartSheet's conditional and "
        "time-limited approval lapses when MHLW issues the non-approval notice that follows the "
        "Pharmaceutical Affairs Council's conclusion of 24 July 2024; no lifecycle event records "
        "it"
    ]


def test_withdrawn_products(lifecycle_rows):
    found = lifecycle_rows("withdrawn-products")
    # one row per event and source, the source an entity beside its title and address; the
    # event's note (why it ended) where it has one (newuser31 F4)
    assert [
        (
            r["agencyName"], r["therapy"], r["ended"], r["how"], r["event"], r["source"],
            r["sourceName"], r["sourceUrl"], r.get("note"),
        )
        for r in found
    ] == [
        (
            "EMA", ALPHACEL, D(2023, 5, 10), "withdrawn",
            ID + "event/alphacel-ema-withdrawn-2023-05-10", ID + "source/src-ema-a",
            "EMA authorises Alphacel", "https://ema.example/alphacel", "CellCo stopped marketing it.",
        ),
        (
            "PMDA", BETACEL, "2024-06", "expired", ID + "event/betacel-pmda-expired-2024-06",
            ID + "source/src-news", "Deal news roundup", "https://news.example/deals", None,
        ),
    ]  # fmt: skip
    assert lifecycle_rows("withdrawn-products", agency="fda") == []


# -- questions added with the derived facts -----------------------------------------------------


def test_approvals_in_period_counts_a_month_only_date_that_overlaps(rows):
    # Betacel's PMDA approval is known only as January 2022: it overlaps 15 Dec - 10 Jan.
    assert rows("approvals-in-period", **{"from": "2021-12-15", "to": "2022-01-10"}) == [
        {
            "date": "2022-01",
            "precision": "month",
            "agency": PMDA,
            "agencyName": "PMDA",
            "therapy": BETACEL,
            "therapyName": "Betacel",
            "indication": ID + "indication/multiple-myeloma",
            "indicationName": "multiple myeloma",
            "approvalType": "first approval",
            "approval": APPROVAL + "betacel-pmda-2022-01-multiple-myeloma",
            "from": D(2021, 12, 15),
            "to": D(2022, 1, 10),
        }
    ]
    assert rows("approvals-in-period", **{"from": "2022-02-01", "to": "2022-03-31"}) == []
    in_2020 = rows("approvals-in-period", **{"from": "2020-01-01", "to": "2020-12-31"})
    assert [(r["agencyName"], r["therapyName"], r["date"]) for r in in_2020] == [
        ("PMDA", "Genex", D(2020, 3, 19)),
        ("EMA", "Genex", D(2020, 5, 18)),
    ]
    only_pmda = rows(
        "approvals-in-period", agency="pmda", **{"from": "2020-01-01", "to": "2020-12-31"}
    )
    assert [r["approval"] for r in only_pmda] == [
        APPROVAL + "genex-pmda-2020-03-19-spinal-muscular-atrophy"
    ]


def test_a_period_may_be_given_as_months_or_years(rows, fixture_store, held_today):
    whole_2020 = rows("approvals-in-period", **{"from": "2020-01-01", "to": "2020-12-31"})
    assert rows("approvals-in-period", **{"from": "2020", "to": "2020"}) == whole_2020
    first_months = rows("approvals-in-period", **{"from": "2020-03", "to": "2020-05"})
    assert [(r["from"], r["to"]) for r in first_months] == [(D(2020, 3, 1), D(2020, 5, 31))] * 2
    assert [r["approval"] for r in first_months] == [r["approval"] for r in whole_2020]
    winter = rows("approvals-in-period", **{"from": "2022-01", "to": "2022-02"})
    assert [(r["approval"], r["from"], r["to"]) for r in winter] == [
        (APPROVAL + "betacel-pmda-2022-01-multiple-myeloma", D(2022, 1, 1), D(2022, 2, 28))
    ]
    assert rows("deals-above-value", min_value="1", **{"from": "2019", "to": "2019"}) == rows(
        "deals-above-value", min_value="1", **{"from": "2019-01-01", "to": "2019-12-31"}
    )
    refused = {
        ("2021", "2020"): "the period of query 'approvals-in-period' ends before it starts: "
        "from is 2021-01-01, to is 2020-12-31",
        ("2020-13", "2020"): "parameter 'from' must be a date YYYY-MM-DD, a month YYYY-MM or a "
        "year YYYY, got '2020-13'",
        ("20200101", "2020"): "parameter 'from' must be a date YYYY-MM-DD, a month YYYY-MM or a "
        "year YYYY, got '20200101'",
    }
    for (start, end), message in refused.items():
        with pytest.raises(ParameterError) as error:
            rows("approvals-in-period", **{"from": start, "to": end})
        assert str(error.value) == message
    # by default the last twelve months; one bound given, the other keeps its default
    today = held_today
    year_ago = (today.replace(day=28) if (today.month, today.day) == (2, 29) else today).replace(
        year=today.year - 1
    )
    assert rows("approvals-in-period") == rows(
        "approvals-in-period", **{"from": year_ago.isoformat(), "to": today.isoformat()}
    )
    since_2020 = rows("approvals-in-period", **{"from": "2020"})
    assert {r["to"] for r in since_2020} == {today}
    assert [r["approval"] for r in since_2020] == [
        r["approval"] for r in rows("approvals-in-period", **{"from": "2020", "to": "2099"})
    ]
    with pytest.raises(ParameterError) as error:
        rows("approvals-in-period", **{"to": "2019"})
    assert str(error.value) == (
        "the period of query 'approvals-in-period' ends before it starts: from is "
        f"{year_ago.isoformat()}, to is 2019-12-31 (from by default; give -p from=… (Python: "
        "{'from': …}) too)"
    )
    # joints27 F8: each door words how to give that end (the server's in test_server.py)
    kg = atmpkg.open(fixture_store)
    with pytest.raises(ParameterError) as error:
        kg.query(name="approvals-in-period", params={"from": "2099"})
    assert str(error.value).endswith("(to by default; give -p to=… (Python: params={'to': …}) too)")
    with pytest.raises(ParameterError) as error:
        kg.named("approvals-in-period", **{"from": "2099"})
    assert str(error.value).endswith("(to by default; give -p to=… (Python: to=…) too)")
    told = CliRunner().invoke(
        cli,
        ["query", "--name", "approvals-in-period", "-p", "from=2099", "--store", str(fixture_store)],
    )
    assert (told.exit_code, told.stderr[-34:]) == (1, "(to by default; give -p to=… too)\n")
    # a date that is no period's bound is a day, written in full
    with pytest.raises(ParameterError, match="'as_of' must be a date YYYY-MM-DD, got '2023'"):
        rows("authorised-products", as_of="2023")
    with pytest.raises(ParameterError, match="got '2023-W01-1'"):
        rows("authorised-products", as_of="2023-W01-1")
    # a day in that form that the calendar lacks says why
    with pytest.raises(ParameterError) as error:
        rows("authorised-products", as_of="2023-02-29")
    assert str(error.value) == (
        "parameter 'as_of' must be a date YYYY-MM-DD, got '2023-02-29': February 2023 has 28 days"
    )
    with pytest.raises(ParameterError, match="got '0000-01-01': years start at 0001"):
        rows("authorised-products", as_of="0000-01-01")
    with pytest.raises(ParameterError) as error:
        rows("approvals-in-period", **{"from": "2024-13-01"})
    assert str(error.value) == (
        "parameter 'from' must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, got "
        "'2024-13-01': there is no month 13"
    )


def test_a_date_is_given_in_the_words_of_a_header_default(rows, held_today):
    """newuser23 F19: -p from=today-1y and -p as_of=today were refused as not dates, though the
    README and the notes use those words."""
    today = held_today
    year_ago = queries.Shift("today", -1).apply(today)
    assert rows("approvals-in-period", **{"from": "today-1y", "to": "today"}) == rows(
        "approvals-in-period", **{"from": year_ago.isoformat(), "to": today.isoformat()}
    )
    assert rows("authorised-products", as_of="today") == rows("authorised-products")
    assert rows("authorised-products", as_of="today") == rows(
        "authorised-products", as_of=today.isoformat()
    )
    every = rows("approvals-in-period", **{"from": "today-99y", "to": "today+1y"})
    assert {(r["from"], r["to"]) for r in every} == {
        (queries.Shift("today", -99).apply(today), queries.Shift("today", 1).apply(today))
    }
    assert len(every) == 8
    for value in ("today-6m", "today-1", "todayy", "TODAY-6M", "today-00y", "today-01y"):
        with pytest.raises(ParameterError) as error:
            rows("authorised-products", as_of=value)
        assert str(error.value) == (
            "parameter 'as_of' counts from today in whole years, as in today-1y or today+2y, "
            f"got '{value}'"
        )


def test_a_date_from_today_is_read_case_blind_and_zero_years_is_today(rows, monkeypatch):
    """newuser25 F25: -p from=TODAY, today-1Y and today-0y were refused."""
    monkeypatch.setattr(queries, "today", lambda: datetime.date(2024, 2, 29))
    period = queries.load("approvals-in-period")
    for start, end in (("TODAY-1Y", "Today"), ("today-1Y", "today+0y"), ("Today-1y", "TODAY-0Y")):
        bound = bind_params(period, {"from": start, "to": end}, None)
        assert (bound["from"].value, bound["to"].value) == ("2023-02-28", "2024-02-29")
    every = rows("approvals-in-period", **{"from": "TODAY-100Y", "to": "today-0Y"})
    assert {(r["from"], r["to"]) for r in every} == {
        (datetime.date(1924, 2, 29), datetime.date(2024, 2, 29))
    }
    assert len(every) == 8
    # none counted in a header's default reads as the day it counts from
    named = queries.parse("x", "# param: d date today+0y  Text\nSELECT ?d {}")
    assert named.params[0].default_text == "default today"
    assert bind_params(named, {}, None)["d"].value == "2024-02-29"


def test_years_from_today_take_any_count_the_calendar_holds(rows, monkeypatch):
    """sec24 L2: -p from=today-100y was refused as not whole years, where a count of two digits
    was the most read; a count past the calendar's ends now says so, with the most there are."""
    monkeypatch.setattr(queries, "today", lambda: datetime.date(2024, 2, 29))
    every = rows("approvals-in-period", **{"from": "today-100y", "to": "today+7975y"})
    assert {(r["from"], r["to"]) for r in every} == {
        (datetime.date(1924, 2, 29), datetime.date(9999, 2, 28))
    }
    assert len(every) == 8
    assert {r["from"] for r in rows("approvals-in-period", **{"from": "today-2023y"})} == {
        datetime.date(1, 2, 28)
    }
    before = "a day before the first one a date can have (0001-01-01): count at most 2,023 years before today"
    past = "a day past the last one a date can have (9999-12-31): count at most 7,975 years after today"
    for value, said in (
        ("today-2024y", before),
        ("today-99999y", before),
        ("today+7976y", past),
        ("today+9999y", past),
        ("today+" + "9" * 5000 + "y", past),
    ):
        with pytest.raises(ParameterError) as error:
            rows("approvals-in-period", **{"from": value})
        assert str(error.value) == f"parameter 'from' is {cut(value)}, {said}, or give a date YYYY-MM-DD"
    # a header's default reads as many years, and says which end of the calendar it leaves
    named = queries.parse("x", "# param: d date today-3000y  Text\nSELECT ?d {}")
    assert named.params[0].default_text == "default 3000 years before today"
    with pytest.raises(ParameterError) as error:
        bind_params(named, {}, None)
    assert str(error.value) == (
        "parameter 'd' defaults to today-3000y, a day before the first one a date can have "
        "(0001-01-01): give -p d=YYYY-MM-DD"
    )


def test_a_period_line_names_two_declared_date_parameters():
    header = "# param: a date -  First\n# param: b date -  Last\n# param: c string -  Text\n"
    named = queries.parse("x", header + "# period: a b\nSELECT ?a ?b ?c {}")
    assert named.periods == (("a", "b"),)
    for line, what in (("a", ""), ("a c", " ('c' is none)"), ("a z", " ('z' is none)")):
        with pytest.raises(DataError) as error:
            queries.parse("x.rq", header + f"# period: {line}\nSELECT ?a ?b ?c {{}}")
        assert str(error.value) == (
            "x.rq:4: write 'period: FROM TO', two date parameters declared by 'param:' lines" + what
        )


def test_companies_by_approved_products_counts_through_subsidiaries(rows):
    def row(company, name, count, therapy, first, at_least):
        return {
            "company": ID + "company/" + company,
            "companyName": name,
            "approvedProducts": count,
            "therapy": therapy,
            "therapyName": named(therapy),
            "firstApproval": first,
            "endedEverywhere": False,
            "held": True,
            "min_products": at_least,
        }

    # Big Pharma develops nothing itself: Alphacel is CellCo's, Betacel CellCo Europe's.
    assert rows("companies-by-approved-products") == [
        row("bigpharma", "Big Pharma", 2, ALPHACEL, D(2017, 8, 30), 2),
        row("bigpharma", "Big Pharma", 2, BETACEL, D(2021, 3, 26), 2),
    ]
    # CellCo is not listed on its own: it is part of Big Pharma's group
    assert rows("companies-by-approved-products", min_products="1") == [
        row("bigpharma", "Big Pharma", 2, ALPHACEL, D(2017, 8, 30), 1),
        row("bigpharma", "Big Pharma", 2, BETACEL, D(2021, 3, 26), 1),
        row("genecorp", "GeneCorp", 1, GENEX, D(2019, 5, 24), 1),
    ]


def test_second_agency_by_modality(rows, fixture_store):
    # Betacel's second approval (PMDA, 2022-01) is month-only: it has no day count, and is
    # counted among the bounded, 281 to 311 days, with Alphacel's 357 in the average's bounds
    # (638 / 2 and 668 / 2)
    car_t = {
        "modality": CAR_T,
        "modalityName": "CAR-T cell therapy",
        "products": 1,
        "averageDays": 357,
        "shortestDays": 357,
        "longestDays": 357,
        "fastest": ALPHACEL,
        "fastestName": "Alphacel",
        "bounded": 1,
        "averageMinDays": 319,
        "averageMaxDays": 334,
    }
    assert rows("second-agency-by-modality") == [
        {
            "modality": AAV,
            "modalityName": "AAV gene therapy",
            "products": 1,
            "averageDays": 300,
            "shortestDays": 300,
            "longestDays": 300,
            "fastest": GENEX,
            "fastestName": "Genex",
            "bounded": 0,
            "averageMinDays": 300,
            "averageMaxDays": 300,
        },
        car_t,
    ]
    assert rows("second-agency-by-modality", modality="car-t") == [car_t]
    # joints17 F4: a chart draws the first number of a row, which is the gap, not the count
    answer = run_named("second-agency-by-modality", {}, store=fixture_store)
    assert answer.variables[2:4] == ["averageDays", "products"]


def test_company_connections(rows):
    def link(
        source, source_name, connection, target, target_name, deal=None, date=None, party=None,
        **ends,
    ):
        found = {
            "from": ID + source,
            "fromName": source_name,
            "connection": connection,
            "to": ID + target,
            "toName": target_name,
            "deal": deal and ID + "deal/" + deal,
            "date": date,
            "party": party and ID + "company/" + party[0],
            "partyName": party and party[1],
        }
        return {**{k: v for k, v in found.items() if v is not None}, **ends}

    ends = {"company": ID + "company/cellco-eu", "other": BIGPHARMA}
    # the chain up to the shared parent, and the acquisition that made it; an ownership row is
    # dated from when its parent has owned it, as precise as its source states it (newuser30 F4:
    # the date was empty), and sorts with the deals by that date
    assert rows("company-connections", company="cellco-eu", other="bigpharma") == [
        link(
            "company/bigpharma", "Big Pharma", "acquisition", "company/cellco", "CellCo",
            "bigpharma-cellco-2017", D(2017, 8, 28), ("cellco", "CellCo"), **ends,
        ),
        link(
            "company/cellco", "CellCo", "subsidiary of", "company/bigpharma", "Big Pharma",
            date="2017-10", **ends,
        ),
        link(
            "company/cellco-eu", "CellCo Europe", "subsidiary of", "company/cellco", "CellCo",
            date="2019", **ends,
        ),
    ]  # fmt: skip
    ends = {"company": ID + "company/cellco-eu", "other": ID + "company/genecorp"}
    # two groups: Big Pharma (above CellCo Europe) licensed GeneCorp's product; GeneCorp
    # collaborates with CellCo Europe itself
    assert rows("company-connections", company="cellco-eu", other="genecorp") == [
        link(
            "company/bigpharma", "Big Pharma", "licensing", "therapy/genex", "Genex",
            "bigpharma-genex-2019", D(2019, 1, 15), ("genecorp", "GeneCorp"), **ends,
        ),
        link(
            "company/genecorp", "GeneCorp", "collaboration", "company/cellco-eu", "CellCo Europe",
            "genecorp-cellco-eu-2023", D(2023, 2, 1), ("cellco-eu", "CellCo Europe"), **ends,
        ),
    ]  # fmt: skip
    assert rows("company-connections", company="othercorp", other="bigpharma") == []
    # one company named twice, by slug and by label, is refused
    with pytest.raises(ParameterError) as refused:
        rows("company-connections", company="cellco", other="CellCo")
    assert str(refused.value) == (
        "parameters 'company' and 'other' of query 'company-connections' name the same entity "
        "(company:cellco): give different ones"
    )


def test_an_entity_of_another_kind_is_named_as_such_and_suggestions_name_each_entity_once(
    curated_store,
):
    for value, told in (
        ("therapy:kymriah", "therapy:kymriah is a therapy, not a company."),
        ("yescarta", "yescarta is a therapy, not a company."),
    ):
        with pytest.raises(UnknownNameError) as refused:
            run_named("company-portfolio", {"company": value}, store=curated_store)
        assert str(refused.value) == f"unknown company '{value}'. (parameter 'company') {told}"
    with pytest.raises(UnknownNameError) as near:
        run_named("company-portfolio", {"company": "kite-pharm"}, store=curated_store)
    assert near.value.suggestions == ["kite-pharma"]  # not Kite's five names
    # joints20 F2: a name is offered as the graph writes it, not lower-cased
    with pytest.raises(UnknownNameError) as near:
        run_named("company-portfolio", {"company": "Gilead Sciencs"}, store=curated_store)
    assert near.value.suggestions == ["Gilead Sciences"]


def test_show_offers_each_entity_once_as_the_graph_writes_it(curated_store):
    """newuser19 L2, C2: 'Kite Pharmaceuticals' offered Vertex and Rocket Pharmaceuticals, twice
    each (label and slug), but not Kite Pharma; 'kymria' offered lower-cased names and a source's
    title."""
    kg = atmpkg.open(curated_store)
    with pytest.raises(UnknownNameError) as near:
        kg.show("Kite Pharmaceuticals")
    assert near.value.suggestions[0] == "Kite Pharma"
    assert len(near.value.suggestions) == len({kg.show(s).iri for s in near.value.suggestions})
    for typed, offered in (
        ("kymria", ["Kymriah"]),
        ("Bluebird", ["bluebird bio"]),  # rev19 R19-6: its slug, bluebird-bio, spells its name
        ("novartiss", ["Novartis"]),
        # rev19b F8: entities found by their slugs (nk-cell, gracell) are offered by their names
        ("cellc", ["Cellectis", "Temcell", "NK cell therapy", "Gracell Biotechnologies", "GC Cell"]),
    ):
        with pytest.raises(UnknownNameError) as near:
            kg.show(typed)
        assert near.value.suggestions == offered, typed


def test_a_name_with_another_name_of_it_or_of_a_linked_entity_in_brackets_names_it(curated_store):
    """newuser24 F13: "Kymriah (tisagenlecleucel)", as the query notes write an entity, and
    "Kite Pharma (Gilead)", as the press writes a company with its owner, were unknown; a graph
    IRI copied with a '/' after it was offered nothing."""
    kg = atmpkg.open(curated_store)
    for written, slug in (
        ("Kymriah (tisagenlecleucel)", "therapy/kymriah"),  # another name of the same entity
        ("therapy:kymriah (tisagenlecleucel)", "therapy/kymriah"),  # as the notes write it
        ("Kite Pharma (Gilead)", "company/kite-pharma"),  # its parent
        ("Kymriah (Novartis)", "therapy/kymriah"),  # its developer
        ("B-cell maturation antigen (BCMA)", "target/bcma"),  # brackets the label fills otherwise
    ):
        assert kg.show(written).iri == ID + slug, written
    for param, written, slug in (
        ("company", "Kite Pharma (Gilead)", "company/kite-pharma"),
        ("company", "company:kite-pharma (Kite)", "company/kite-pharma"),
    ):
        named = run_named("company-portfolio", {param: written}, store=curated_store)
        assert named.parameters[param] == ox.NamedNode(ID + slug), written
    # brackets naming nothing linked to it: the entity the name before them names is offered first
    for written, offered in (
        ("Kymriah (Yescarta)", ["Kymriah", "Yescarta"]),
        ("Kymriah (xyz)", ["Kymriah"]),
        ("Kite Pharm (Gilead)", ["Kite Pharma"]),
    ):
        with pytest.raises(UnknownNameError) as near:
            kg.show(written)
        assert near.value.suggestions == offered, written
    with pytest.raises(UnknownNameError) as near:
        run_named("company-portfolio", {"company": "Kite Pharma (Novartis)"}, store=curated_store)
    assert near.value.suggestions[0] == "kite-pharma"
    # a graph IRI with a '/' after it is offered without it, in show and in a parameter
    with pytest.raises(UnknownNameError) as near:
        kg.show(ID + "therapy/kymriah/")
    assert str(near.value) == (
        f"unknown entity '{ID}therapy/kymriah/'; did you mean '{ID}therapy/kymriah'? The graph's "
        "IRIs end without a '/'."
    )
    with pytest.raises(UnknownNameError) as near:
        run_named("company-portfolio", {"company": f"<{ID}company/kite-pharma/>"}, store=curated_store)
    assert str(near.value) == (
        f"unknown company '{ID}company/kite-pharma/'; did you mean '{ID}company/kite-pharma'? "
        "(parameter 'company') The graph's IRIs end without a '/'."
    )
    # newuser25 F22: an IRI written with http: was offered nothing
    with pytest.raises(UnknownNameError) as near:
        kg.show("http://w3id.org/atmp-kg/id/therapy/kymriah")
    assert str(near.value) == (
        "unknown entity 'http://w3id.org/atmp-kg/id/therapy/kymriah'; did you mean "
        f"'{ID}therapy/kymriah'? The graph's IRIs begin https:, not http:."
    )
    assert near.value.entities == [f"{ID}therapy/kymriah"]  # rev25 F15: as the server's /id/ hint reads it
    with pytest.raises(UnknownNameError) as near:
        run_named(
            "company-portfolio",
            {"company": "<http://w3id.org/atmp-kg/id/company/kite-pharma/>"},
            store=curated_store,
        )
    assert str(near.value) == (
        "unknown company 'http://w3id.org/atmp-kg/id/company/kite-pharma/'; did you mean "
        f"'{ID}company/kite-pharma'? (parameter 'company') The graph's IRIs begin https:, not "
        "http:, and end without a '/'."
    )


def test_a_brand_with_an_inn_it_shares_in_brackets_names_the_brand(curated_store):
    """joints25 F1: "Zolgensma (onasemnogene abeparvovec)" was unknown in every door, as the INN
    in brackets names Itvisma too; it names the entity before the brackets, which it names."""
    kg = atmpkg.open(curated_store)
    for written, slug in (
        ("Zolgensma (onasemnogene abeparvovec)", "therapy/zolgensma"),
        ("Itvisma (onasemnogene abeparvovec)", "therapy/itvisma"),
        ("therapy:zolgensma (onasemnogene abeparvovec)", "therapy/zolgensma"),
    ):
        assert kg.show(written).iri == ID + slug, written
        named = run_named("product-figures", {"therapy": written}, store=curated_store)
        assert named.parameters["therapy"] == ox.NamedNode(ID + slug), written
    # a shared name of entities other than the one before the brackets still names nothing
    with pytest.raises(UnknownNameError) as near:
        kg.show("Kymriah (onasemnogene abeparvovec)")
    assert near.value.suggestions == ["Kymriah", "therapy:itvisma", "therapy:zolgensma"]


def test_an_fda_proper_name_names_the_product_of_its_inn(curated_store):
    """newuser25 F9: the name US labels and FDA letters give a product, its INN with a hyphen
    and four lower-case letters ("voretigene neparvovec-rzyl"), was unknown, also for the four
    products whose atmp:properName it is."""
    kg = atmpkg.open(curated_store)
    for written, slug in (
        ("voretigene neparvovec-rzyl", "therapy/luxturna"),
        ("etranacogene dezaparvovec-drlb", "therapy/hemgenix"),
        ("delandistrogene moxeparvovec-rokl", "therapy/elevidys"),
        # an INN two products share: the product whose proper name it is
        ("onasemnogene abeparvovec-xioi", "therapy/zolgensma"),
        ("onasemnogene abeparvovec-brve", "therapy/itvisma"),
    ):
        assert kg.show(written).iri == ID + slug, written
    named = run_named("product-figures", {"therapy": "voretigene-neparvovec-rzyl"}, store=curated_store)
    assert named.parameters["therapy"] == ox.NamedNode(ID + "therapy/luxturna")
    with pytest.raises(UnknownNameError) as near:
        kg.show("onasemnogene abeparvovec-abcd")  # no proper name, and the INN is two products'
    assert near.value.suggestions == ["therapy:itvisma", "therapy:zolgensma"]
    note = kg.query("SELECT * WHERE { therapy:voretigene-neparvovec-rzyl ?p ?o }").notes
    assert note == [
        "therapy:voretigene-neparvovec-rzyl names nothing in the graph (did you mean "
        "therapy:luxturna?): nothing matches it"
    ]


def test_a_proper_name_is_read_in_any_case_after_an_imported_entitys_own_name(curated_store, tmp_path):
    """rev25 F1: a proper name in capitals was unknown; rev25 F13: an imported entity labelled
    like a proper name ("tisagenlecleucel-copy") was read as Kymriah's."""
    assert atmpkg.open(curated_store).show("VORETIGENE NEPARVOVEC-RZYL").iri == ID + "therapy/luxturna"
    mine = store_with_import(
        curated_store,
        tmp_path,
        '<https://example.org/copy> <http://www.w3.org/2000/01/rdf-schema#label> "tisagenlecleucel-copy" .\n',
    )
    assert atmpkg.open(mine).show("tisagenlecleucel-copy").iri == "https://example.org/copy"


def test_the_marks_a_brand_is_printed_with_are_dropped_before_its_name_is_read(curated_store):
    """newuser25 F15: "KYMRIAH® (tisagenlecleucel)", as labels and press releases print a brand,
    was offered tisagenlecleucel; "Yescarta™" was unknown."""
    kg = atmpkg.open(curated_store)
    for written, slug in (
        ("Kymriah®", "therapy/kymriah"),
        ("KYMRIAH® (tisagenlecleucel)", "therapy/kymriah"),
        ("Yescarta™", "therapy/yescarta"),
        ("Zolgensma℠", "therapy/zolgensma"),
    ):
        assert kg.show(written).iri == ID + slug, written
    named = run_named("product-figures", {"therapy": "Yescarta™"}, store=curated_store)
    assert named.parameters["therapy"] == ox.NamedNode(ID + "therapy/yescarta")
    with pytest.raises(UnknownNameError) as unknown:
        kg.show("®")
    assert str(unknown.value) == "unknown entity '®'. Give a label, a slug such as kymriah, or an IRI."


def test_an_agency_beside_its_countrys_demonym_names_the_agency(curated_store):
    """newuser25 F8: "Australian TGA", "Korean MFDS", "Japanese MHLW", "Chinese NMPA", as the
    press writes a regulator, were unknown where "Japan PMDA" was read."""
    kg = atmpkg.open(curated_store)
    for written, slug in (
        ("Australian TGA", "tga"), ("Korean MFDS", "mfds"), ("Japanese MHLW", "pmda"),
        ("Chinese NMPA", "nmpa"), ("Indian CDSCO", "cdsco"), ("Canadian HC", "health-canada"),
        ("TGA (Australian)", "tga"), ("AustralianTGA", "tga"),
    ):
        assert kg.show(written).iri == ID + "agency/" + slug, written
        named = run_named("pending-reviews", {"agency": written}, store=curated_store)
        assert named.parameters["agency"] == ox.NamedNode(ID + "agency/" + slug), written
    with pytest.raises(UnknownNameError) as near:  # the demonym of another agency's country
        kg.show("Japanese FDA")
    assert near.value.suggestions[0] == "FDA"


def test_kind_and_slug_in_any_case_or_kind_and_name_name_the_entity(curated_store):
    """newuser20 F5: agency:FDA was an unknown entity, with a source's slug offered first."""
    kg = atmpkg.open(curated_store)
    for text, slug in (
        ("agency:FDA", "agency/fda"),
        ("target:CD19", "target/cd19"),
        ("Therapy:Kymriah", "therapy/kymriah"),
        ("company:Kite-Pharma", "company/kite-pharma"),
        ("company:kite", "company/kite-pharma"),  # an alternative label of Kite Pharma
        ("company/Kite Pharma", "company/kite-pharma"),
    ):
        assert kg.show(text).iri == ID + slug, text
    # newuser20 F14: the regulators' former names were offered as the US FDA
    for former, slug in (("KFDA", "mfds"), ("SFDA", "nmpa"), ("CFDA", "nmpa"), ("China FDA", "nmpa")):
        assert kg.show(former).iri == ID + "agency/" + slug, former
        named = run_named("approvals-by-agency-year", {"agency": former}, store=curated_store)
        assert named.parameters["agency"] == ox.NamedNode(ID + "agency/" + slug), former
    # newuser23 F13: an agency written with its jurisdiction, as the press writes it ("US FDA"
    # was offered SFDA, China's former regulator); a place that is not its own names nothing
    for written, slug in (
        ("US FDA", "fda"), ("U.S. FDA", "fda"), ("FDA US", "fda"), ("UK MHRA", "mhra"),
        ("Korea MFDS", "mfds"), ("EU EMA", "ema"),
    ):
        assert kg.show(written).iri == ID + "agency/" + slug, written
        named = run_named("approvals-by-agency-year", {"agency": written}, store=curated_store)
        assert named.parameters["agency"] == ox.NamedNode(ID + "agency/" + slug), written
    with pytest.raises(UnknownNameError):
        kg.show("US MHRA")
    # newuser24 F12: hyphenated, bracketed or glued to its place ("USFDA", as much of the trade
    # press writes it) the FDA was offered only China's SFDA
    for written, slug in (
        ("USFDA", "fda"), ("US-FDA", "fda"), ("FDA (US)", "fda"), ("FDA(US)", "fda"),
        ("U.S.FDA", "fda"), ("UKMHRA", "mhra"), ("EU-EMA", "ema"), ("KoreaMFDS", "mfds"),
    ):
        assert kg.show(written).iri == ID + "agency/" + slug, written
        named = run_named("pending-reviews", {"agency": written}, store=curated_store)
        assert named.parameters["agency"] == ox.NamedNode(ID + "agency/" + slug), written
    # an agency beside a place not its own is offered before names merely like the whole text
    for written, offered, as_parameter in (
        ("UKFDA", ["FDA", "KFDA"], ["fda", "mfds"]),
        ("USAFDA", ["FDA", "SFDA"], ["fda", "SFDA"]),
        ("UK-FDA", ["FDA", "KFDA"], ["fda", "KFDA"]),
    ):
        with pytest.raises(UnknownNameError) as near:
            kg.show(written)
        assert near.value.suggestions == offered, written
        with pytest.raises(UnknownNameError) as near:
            run_named("pending-reviews", {"agency": written}, store=curated_store)
        assert near.value.suggestions == as_parameter, written
    # rev20 R20-6: a typed parameter takes kind:slug as show does, in any case, or kind/slug
    for given in ("Agency:fda", "agency/fda", "AGENCY/Fda"):
        named = run_named("approvals-by-agency-year", {"agency": given}, store=curated_store)
        assert named.parameters["agency"] == ox.NamedNode(ID + "agency/fda"), given
    with pytest.raises(UnknownNameError) as refused:
        kg.show("company:kymriah")
    assert str(refused.value) == "unknown company 'kymriah'. kymriah is a therapy, not a company."
    with pytest.raises(UnknownNameError) as near:
        kg.show("therapy:kymria")
    assert near.value.suggestions == ["kymriah"]
    # newuser21 L4: a kind written wrong was likened to names whole, and offered a source kind
    for written, meant in (
        ("compny:kite", "company:kite-pharma"),
        ("thrapy/kymria", "therapy:kymriah"),
        ("agncy:FDA", "agency:fda"),
    ):
        with pytest.raises(UnknownNameError) as wrong:
            kg.show(written)
        kind = written.split(":")[0].split("/")[0]
        assert str(wrong.value) == (
            f"unknown entity '{written}'; did you mean '{meant}'? '{kind}' is no kind of entity."
        )
    # rev21: with nothing of the kind meant so named, no name like the kind's word is offered
    with pytest.raises(UnknownNameError) as wrong:
        kg.show("compny:zzzz")
    assert str(wrong.value) == (
        "unknown entity 'compny:zzzz'. 'compny' is no kind of entity (did you mean company:?), and "
        "no company is named 'zzzz'."
    )
    # sec22 M3: each kind written wrong was looked into again, once per ':' (a RecursionError at
    # 500) and along both separators (exponential: 30 s for 88 characters)
    nested = ":".join(["compny"] * 500)
    alternating = "".join("compny" + ":/"[n % 2] for n in range(16)) + "kite"
    nothing = "'compny' is no kind of entity (did you mean company:?), and no company is named"
    for text, told in (
        (
            nested,
            f"unknown entity '{nested[:80]}… (3,499 characters)'. {nothing} '{nested[7:87]}… "
            "(3,492 characters)'.",
        ),
        (
            alternating,
            f"unknown entity '{alternating[:80]}… (116 characters)'. {nothing} "
            f"'{alternating[7:87]}… (109 characters)'.",
        ),
        (":".join(["company"] * 500) + ":kite", "unknown company '" + "company:" * 10 + "… (3,988 characters)'"),
    ):
        with pytest.raises(UnknownNameError) as wrong:
            kg.show(text)
        assert str(wrong.value) == told, text[:20]
        with pytest.raises(UnknownNameError):
            run_named("sources-of-entity", {"entity": text}, store=curated_store)
    # newuser21 L4, for a parameter of one kind: its kind written wrong before the name
    for asked, param, written, meant in (
        ("company-portfolio", "company", "compny:kite", "kite-pharma"),
        ("therapy-approval-timeline", "therapy", "Thrapy/kymria", "kymriah"),
    ):
        with pytest.raises(UnknownNameError) as wrong:
            run_named(asked, {param: written}, store=curated_store)
        kind = written.split(":")[0].split("/")[0]
        assert str(wrong.value) == (
            f"unknown {param} '{written}'; did you mean '{meant}'? (parameter '{param}') "
            f"'{kind}' is no kind of entity."
        )
    # rev22 F1: a kind of its own is no kind written wrong
    with pytest.raises(UnknownNameError) as wrong:
        run_named("approved-products-by-modality", {"modality": "dealtype:acquisition"}, store=curated_store)
    assert str(wrong.value).startswith(
        "unknown modality 'dealtype:acquisition'. (parameter 'modality') dealtype:acquisition is "
        "a deal-type, not a modality."
    )
    # joints23 F5: the prefix of another real kind before a name of the kind asked for
    with pytest.raises(UnknownNameError) as wrong:
        run_named("company-portfolio", {"company": "therapy:kite"}, store=curated_store)
    assert str(wrong.value) == (
        "unknown company 'therapy:kite'; did you mean 'kite-pharma'? (parameter 'company') "
        "'therapy:' names a therapy; 'kite' names a company."
    )
    with pytest.raises(UnknownNameError) as wrong:
        run_named("company-portfolio", {"company": "compny:zzzz"}, store=curated_store)
    assert str(wrong.value) == (
        "unknown company 'compny:zzzz'. (parameter 'company') 'compny' is no kind of entity (did "
        "you mean company:?), and no company is named 'zzzz'."
    )


def test_a_clash_with_a_default_says_which_parameter_took_it(curated_store):
    with pytest.raises(ParameterError) as refused:
        run_named("company-connections", {"other": "gilead-sciences"}, store=curated_store)
    assert str(refused.value) == (
        "parameters 'company' and 'other' of query 'company-connections' name the same entity "
        "(company:gilead-sciences, company by default): give different ones"
    )


def test_a_date_default_is_a_date_today_or_years_after_an_earlier_date():
    header = "# param: a date today  First\n# param: b date a+2y  Last\n# param: c string x  Text\n"
    named = queries.parse("x", header + "SELECT ?a ?b ?c {}")
    assert [p.default_text for p in named.params] == [
        "default today",
        "default 2 years after a",
        "default x",
    ]
    shifted = queries.parse("x", "# param: d date today-1y  Text\nSELECT ?d {}").params[0]
    assert shifted.default_text == "default 1 year before today"
    # newuser25 F23: an earlier date parameter's own day, no years from it
    same = queries.parse("x", header + "# param: d date b  Text\nSELECT ?d {}").params[3]
    assert (same.default, same.default_text) == ("b", "default b")
    refused = ("d date soon", "d date c+1y", "d date e+1y", "d date a+1d", "d date 2024-1-5")
    # a parameter of another type, the parameter itself, or one declared after it
    for line in (*refused, "d date c", "d date d", "d date e"):
        with pytest.raises(DataError) as error:
            queries.parse(
                "x.rq", header + f"# param: {line}  Text\n# param: e date today  Text\nSELECT ?d {{}}"
            )
        assert str(error.value) == (
            f"x.rq:4: the default of date parameter 'd' is {line.split()[2]!r}: write a date, "
            "'today', a date parameter declared above it ('as_of'), or years from either "
            "('today-1y', 'from+1y')"
        )


def test_a_distinct_line_names_parameters_that_may_not_be_equal():
    named = queries.parse(
        "x",
        "# param: a company *  One\n# param: b company *  Other\n# distinct: a b\n"
        "SELECT ?a ?b { ?a ?p ?b }",
    )
    assert named.distinct == (("a", "b"),)


REVIEWS = (
    "slug,therapy,agency,indication,sponsor,submission,accepted_date,goal_date,goal_kind,outcome,outcome_date,source,note\n"
    "alphacel-fda-multiple-myeloma,alphacel,fda,multiple-myeloma,cellco,sbla,2023-05-02,2024-01-12,pdufa,complete-response,2024-01-12,src-news,\n"
    "betacel-ema-multiple-myeloma,betacel,ema,multiple-myeloma,cellco-eu,maa,2023-03,2024-06,chmp-opinion,,,src-news,goal date known to its month\n"
    "genex-fda-spinal-muscular-atrophy,genex,fda,spinal-muscular-atrophy,genecorp,sbla,2023-09,2024-03-20,pdufa,,,src-news,\n"
    "genex-ema-spinal-muscular-atrophy,genex,ema,,genecorp,maa,2024-02-05,,,,,src-news,no decision date announced\n"
)


@pytest.fixture(scope="module")
def review_rows(fixture_store, tmp_path_factory):
    """Named queries on a copy of the fixture store with the four reviews above imported."""
    return rows_with("reviews", REVIEWS, fixture_store, tmp_path_factory)


def test_regulatory_calendar_lists_pending_reviews_due_in_the_period(review_rows):
    rows = review_rows

    def due(therapy, agency, indication, sponsor, goal, kind, submission, slug, **period):
        return {
            "goalDate": goal,
            "goalKind": kind,
            "agency": ID + "agency/" + agency.lower(),
            "agencyName": agency,
            "therapy": therapy,
            "therapyName": named(therapy),
            "indication": ID + "indication/" + indication,
            "indicationName": indication.replace("-", " "),
            "sponsor": ID + "company/" + sponsor[0],
            "sponsorName": sponsor[1],
            "submission": submission,
            "review": ID + "review/" + slug,
            **period,
        }

    year = {"from": D(2024, 1, 1), "to": D(2024, 12, 31), "as_of": D(2024, 1, 1)}
    genex = (GENEX, "FDA", "spinal-muscular-atrophy", ("genecorp", "GeneCorp"), D(2024, 3, 20))
    genex_row = (*genex, "PDUFA date", "supplemental biologics license application")
    betacel = (BETACEL, "EMA", "multiple-myeloma", ("cellco-eu", "CellCo Europe"), "2024-06")
    betacel_row = (*betacel, "expected CHMP opinion", "marketing authorisation application")
    alphacel = (ALPHACEL, "FDA", "multiple-myeloma", ("cellco", "CellCo"), D(2024, 1, 12))
    alphacel_row = (*alphacel, "PDUFA date", "supplemental biologics license application")
    # Alphacel's review ended (complete response) on 12 January 2024: on the calendar seen from
    # the first of January, not from the second of February
    looked = {"from": "2024-01-01", "to": "2024-12-31", "as_of": "2024-01-01"}
    assert rows("regulatory-calendar", **looked) == [
        due(*alphacel_row, "alphacel-fda-multiple-myeloma", **year),
        due(*genex_row, "genex-fda-spinal-muscular-atrophy", **year),
        due(*betacel_row, "betacel-ema-multiple-myeloma", **year),
    ]
    february = {**looked, "as_of": "2024-02-01"}
    assert [r["review"] for r in rows("regulatory-calendar", **february)] == [
        ID + "review/genex-fda-spinal-muscular-atrophy",
        ID + "review/betacel-ema-multiple-myeloma",
    ]
    # looked at from April, Genex's goal date has passed with no outcome: its outcome is not
    # known here, so it is no longer on the calendar
    april = {**year, "as_of": D(2024, 4, 1)}
    assert rows("regulatory-calendar", **{**looked, "as_of": "2024-04-01"}) == [
        due(*betacel_row, "betacel-ema-multiple-myeloma", **april)
    ]
    # a goal date known only to its month overlaps a period starting mid-month
    late = {"from": D(2024, 6, 15), "to": D(2024, 12, 31), "as_of": D(2024, 6, 15)}
    assert rows(
        "regulatory-calendar", **{"from": "2024-06-15", "to": "2024-12-31", "as_of": "2024-06-15"}
    ) == [due(*betacel_row, "betacel-ema-multiple-myeloma", **late)]
    found = rows("regulatory-calendar", agency="fda", **looked)
    assert [r["review"] for r in found] == [
        ID + "review/alphacel-fda-multiple-myeloma",
        ID + "review/genex-fda-spinal-muscular-atrophy",
    ]
    # by default the next twelve months from today: these goal dates have passed
    assert rows("regulatory-calendar") == []
    # newuser25 F23: seen from a past day alone, the period is the twelve months from that day
    # (it started today, two years after it, and the answer was always empty)
    since = {"from": D(2024, 1, 1), "to": D(2025, 1, 1), "as_of": D(2024, 1, 1)}
    assert rows("regulatory-calendar", as_of="2024-01-01") == [
        due(*alphacel_row, "alphacel-fda-multiple-myeloma", **since),
        due(*genex_row, "genex-fda-spinal-muscular-atrophy", **since),
        due(*betacel_row, "betacel-ema-multiple-myeloma", **since),
    ]
    # a period given by its first day runs to the same day a year later: June 2024 starts
    # on or before 2024-06-01, after 2024-05-31 (and Genex was accepted in September 2023)
    for first, last, found in (
        (D(2023, 6, 1), D(2024, 6, 1), [alphacel_row, betacel_row]),
        (D(2023, 5, 31), D(2024, 5, 31), [alphacel_row]),
        (D(2024, 2, 29), D(2025, 2, 28), [genex_row, betacel_row]),
    ):
        assert [
            (r["goalDate"], r["from"], r["to"])
            for r in rows(
                "regulatory-calendar", **{"from": first.isoformat(), "as_of": first.isoformat()}
            )
        ] == [(row[4], first, last) for row in found]


def test_pending_reviews_lists_every_review_without_an_outcome(review_rows, held_today):
    def pending(agency, therapy, submission, accepted, goal, kind, status, slug, indication=True):
        row = {
            "agency": ID + "agency/" + agency.lower(),
            "agencyName": agency,
            "therapy": therapy,
            "therapyName": named(therapy),
            "sponsor": ID + "company/" + ("genecorp" if therapy == GENEX else "cellco-eu"),
            "sponsorName": "GeneCorp" if therapy == GENEX else "CellCo Europe",
            "submission": submission,
            "accepted": accepted,
            "status": status,
            "review": ID + "review/" + slug,
            "as_of": as_of,
        }
        if indication:
            slug_of = "spinal-muscular-atrophy" if therapy == GENEX else "multiple-myeloma"
            row |= {"indication": ID + "indication/" + slug_of}
            row |= {"indicationName": slug_of.replace("-", " ")}
        if goal is not None:
            row |= {"goalDate": goal, "goalKind": kind}
        return row

    maa, sbla = "marketing authorisation application", "supplemental biologics license application"
    as_of = D(2024, 3, 1)
    # Alphacel's review ended (complete response); the others are listed by agency, then by
    # decision date, one without a decision date first
    assert review_rows("pending-reviews", as_of="2024-03-01") == [
        pending(
            "EMA", GENEX, maa, D(2024, 2, 5), None, None, "no decision date announced",
            "genex-ema-spinal-muscular-atrophy", indication=False,
        ),
        pending(
            "EMA", BETACEL, maa, "2023-03", "2024-06", "expected CHMP opinion", "decision due",
            "betacel-ema-multiple-myeloma",
        ),
        pending(
            "FDA", GENEX, sbla, "2023-09", D(2024, 3, 20), "PDUFA date", "decision due",
            "genex-fda-spinal-muscular-atrophy",
        ),
    ]  # fmt: skip
    # a decision date compares at its own precision: June 2024 is not past on 30 June
    as_of = D(2024, 6, 30)
    found = review_rows("pending-reviews", as_of="2024-06-30", agency="fda")
    assert found == [
        pending(
            "FDA", GENEX, sbla, "2023-09", D(2024, 3, 20), "PDUFA date",
            "decision date passed, outcome not recorded", "genex-fda-spinal-muscular-atrophy",
        )
    ]  # fmt: skip
    statuses = [r["status"] for r in review_rows("pending-reviews", as_of="2024-06-30")]
    assert statuses[1] == "decision due"
    statuses = [r["status"] for r in review_rows("pending-reviews", as_of="2024-07-01")]
    assert statuses[1] == "decision date passed, outcome not recorded"

    # under review on a day: accepted by then, and not decided by then
    def on(day: str) -> list[tuple[str, str]]:
        found = review_rows("pending-reviews", as_of=day)
        return [(r["review"].rsplit("/", 1)[1], r["status"]) for r in found]

    betacel_due = ("betacel-ema-multiple-myeloma", "decision due")
    assert on("2023-04-01") == [betacel_due]
    alphacel_due = ("alphacel-fda-multiple-myeloma", "decision due")
    assert on("2023-06-01") == [betacel_due, alphacel_due]
    genex_due = ("genex-fda-spinal-muscular-atrophy", "decision due")
    assert on("2024-01-11") == [betacel_due, alphacel_due, genex_due]
    # decided on 12 January 2024: under review no more that day
    assert on("2024-01-12") == [betacel_due, genex_due]
    # looked at from today by default
    found = review_rows("pending-reviews")
    assert [(r["status"], r["as_of"]) for r in found] == [
        ("no decision date announced", held_today),
        ("decision date passed, outcome not recorded", held_today),
        ("decision date passed, outcome not recorded", held_today),
    ]


def test_an_outcome_known_only_to_its_month_is_not_past_inside_that_month(
    fixture_store, tmp_path_factory
):
    # a complete response letter reported for March 2024, day not given
    text = REVIEWS.splitlines()[0] + (
        "\ngenex-fda-spinal-muscular-atrophy,genex,fda,spinal-muscular-atrophy,genecorp,sbla,"
        "2023-09,2024-03-20,pdufa,complete-response,2024-03,src-news,\n"
    )
    rows = rows_with("reviews", text, fixture_store, tmp_path_factory)

    def seen(day: str) -> tuple[list[str], list[str]]:
        pending = [r["status"] for r in rows("pending-reviews", as_of=day)]
        calendar = rows("regulatory-calendar", **{"from": "2024-01-01", "as_of": day})
        return pending, [r["goalDate"] for r in calendar]

    assert seen("2024-02-29") == (["decision due"], [D(2024, 3, 20)])
    # inside March the review may or may not have been decided yet: listed, and said so
    for day in ("2024-03-01", "2024-03-20"):
        assert seen(day) == (["outcome recorded without its day"], [D(2024, 3, 20)])
    assert seen("2024-03-30") == (["outcome recorded without its day"], [])
    # by the month's last day it has been decided
    assert seen("2024-03-31") == ([], [])


DECIDED_REVIEWS = (
    "slug,therapy,agency,indication,sponsor,submission,accepted_date,goal_date,goal_kind,outcome,outcome_date,source,note\n"
    # a label expansion of Betacel in its first indication: its first FDA approval, of 2021,
    # came before it, one of 14 September 2025 after it
    "betacel-fda-multiple-myeloma-2025,betacel,fda,multiple-myeloma,cellco,sbla,2025-03,2025-10-30,pdufa,,,src-news,\n"
    # the FDA approved Genex for another indication after this review was accepted
    "genex-fda-multiple-myeloma-2025,genex,fda,multiple-myeloma,genecorp,sbla,2025-03,2025-12-01,pdufa,,,src-news,\n"
    # the EMA's approval of Alphacel for this indication is known only to its month, September 2025
    "alphacel-ema-large-b-cell-lymphoma-2025,alphacel,ema,large-b-cell-lymphoma,cellco-eu,type-ii-variation,2025-03,2025-11,chmp-opinion,,,src-news,\n"
)
DECIDING_APPROVALS = (
    "therapy,agency,date,indication,sponsor,jurisdiction,pathway,approval_type,indication_text,source,note\n"
    "betacel,fda,2025-09-14,multiple-myeloma,cellco,us,standard,label-expansion,earlier line,src-news,\n"
    "genex,fda,2025-09-14,spinal-muscular-atrophy,genecorp,us,standard,label-expansion,older patients,src-news,\n"
    "alphacel,ema,2025-09,large-b-cell-lymphoma,cellco-eu,eu,,label-expansion,second line,src-news,\n"
)


def with_imports(fixture_store, tmp_path, **families: str) -> Path:
    """A copy of the fixture store with each text of ``families`` imported as the CSV file of its
    family (``reviews=…``)."""
    from atmpkg.graph import import_files

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    files = []
    for family, text in families.items():
        files.append(tmp_path / f"{family}.csv")
        files[-1].write_text(text, encoding="utf-8")
    import_files(files, store)
    return store


def test_an_approval_of_the_graph_decides_the_review_of_its_product_agency_and_indication(
    fixture_store, tmp_path
):
    """Issue 13, known for several sessions: a review whose approval was imported, or is in the
    curated approvals while its review's outcome is not, stayed pending and on the calendar after
    its approval."""
    store = with_imports(
        fixture_store, tmp_path, reviews=DECIDED_REVIEWS, approvals=DECIDING_APPROVALS
    )
    links = query(
        "SELECT ?review ?approval WHERE { ?review atmp:decidedBy ?approval } ORDER BY ?review",
        store=store,
    ).dicts()
    # Genex's approval for spinal muscular atrophy decides no review of multiple myeloma, and
    # Betacel's first approval, of 2021, no review accepted in 2025
    assert links == [
        {
            "review": ID + "review/alphacel-ema-large-b-cell-lymphoma-2025",
            "approval": APPROVAL + "alphacel-ema-2025-09-large-b-cell-lymphoma",
        },
        {
            "review": ID + "review/betacel-fda-multiple-myeloma-2025",
            "approval": APPROVAL + "betacel-fda-2025-09-14-multiple-myeloma",
        },
    ]

    def seen(day: str) -> tuple[list[tuple[str, str, str | None]], list[str]]:
        pending = run_named("pending-reviews", {"as_of": day}, store=store).dicts()
        period = {"as_of": day, "from": "2025-01-01", "to": "2025-12-31"}
        calendar = run_named("regulatory-calendar", period, store=store).dicts()
        return (
            [
                (r["review"][len(ID + "review/") :], r["status"], r.get("approval"))
                for r in pending
            ],
            [r["review"][len(ID + "review/") :] for r in calendar],
        )

    alphacel = "alphacel-ema-large-b-cell-lymphoma-2025"
    betacel, genex = "betacel-fda-multiple-myeloma-2025", "genex-fda-multiple-myeloma-2025"
    due = [(review, "decision due", None) for review in (alphacel, betacel, genex)]
    assert seen("2025-08-31") == (
        due,
        [betacel, alphacel, genex],
    )
    # approved on 14 September 2025: decided that day; inside September, the EMA's approval of
    # that month may or may not have been granted yet, and the review says so with its approval
    september = APPROVAL + "alphacel-ema-2025-09-large-b-cell-lymphoma"
    month_only = (alphacel, "outcome recorded without its day", september)
    assert seen("2025-09-01") == seen("2025-09-13") == (
        [month_only, (betacel, "decision due", None), (genex, "decision due", None)],
        [betacel, alphacel, genex],
    )
    assert seen("2025-09-14") == ([month_only, (genex, "decision due", None)], [alphacel, genex])
    assert seen("2025-09-15") == ([month_only, (genex, "decision due", None)], [alphacel, genex])
    # by the month's last day it has been decided; Genex's review is pending still
    assert seen("2025-09-30") == ([(genex, "decision due", None)], [genex])
    assert seen("2025-10-01") == ([(genex, "decision due", None)], [genex])


def test_an_approval_that_contradicts_a_recorded_outcome_is_refused(fixture_store, tmp_path):
    """A review ended by a complete response letter was decided by no approval granted while it was
    under way, and an approved one by none granted before its outcome: the check
    review-outcome-agrees-with-approval refuses either, naming the review and the approval."""
    from atmpkg.graph.errors import ValidationError

    header = DECIDED_REVIEWS.splitlines()[0]
    reviews = (
        f"{header}\n"
        "betacel-fda-multiple-myeloma-2025,betacel,fda,multiple-myeloma,cellco,sbla,2025-03,2025-10-30,pdufa,complete-response,2025-10-30,src-news,\n"
        "alphacel-ema-large-b-cell-lymphoma-2025,alphacel,ema,large-b-cell-lymphoma,cellco-eu,type-ii-variation,2025-03,2025-11,chmp-opinion,approved,2025-11-20,src-news,\n"
    )
    with pytest.raises(ValidationError) as refused:
        with_imports(fixture_store, tmp_path, reviews=reviews, approvals=DECIDING_APPROVALS)
    said = sorted(
        (v.entity, v.message) for v in refused.value.violations
        if v.rule == "review-outcome-agrees-with-approval"
    )
    assert said == [
        (
            "review:alphacel-ema-large-b-cell-lymphoma-2025",
            "the review's outcome is approved on 2025-11-20, but "
            "approval:alphacel-ema-2025-09-large-b-cell-lymphoma of the same product by the same "
            "agency for the same indication was granted on 2025-09, before it; correct the "
            "review's outcome or outcome_date, or the approval's date or indication",
        ),
        (
            "review:betacel-fda-multiple-myeloma-2025",
            "the review's outcome is complete response on 2025-10-30, but "
            "approval:betacel-fda-2025-09-14-multiple-myeloma of the same product by the same "
            "agency for the same indication was granted on 2025-09-14, while the review was under "
            "way; correct the review's outcome or outcome_date, or the approval's date or indication",
        ),
    ]


def test_a_review_keeps_no_link_to_an_approval_after_its_outcome(
    fixture_store, tmp_path
):
    """A complete response letter, then an approval after a resubmission (a review of its own):
    the first review keeps its outcome and no approval. An approval decides a review that names no
    indication, whatever the approval's indication."""
    header = DECIDED_REVIEWS.splitlines()[0]
    reviews = (
        f"{header}\n"
        "betacel-fda-multiple-myeloma-2025,betacel,fda,multiple-myeloma,cellco,sbla,2025-03,2025-07-30,pdufa,complete-response,2025-07-30,src-news,\n"
        # Alphacel's approval of February 2025 came before its acceptance in March
        "alphacel-ema-large-b-cell-lymphoma-2025,alphacel,ema,large-b-cell-lymphoma,cellco-eu,type-ii-variation,2025-03,,,,,src-news,\n"
        "genex-fda-2025,genex,fda,,genecorp,sbla,2025-03,,,,,src-news,\n"
    )
    approvals = DECIDING_APPROVALS.replace("alphacel,ema,2025-09,", "alphacel,ema,2025-02,")
    store = with_imports(fixture_store, tmp_path, reviews=reviews, approvals=approvals)
    links = query("SELECT ?review ?approval WHERE { ?review atmp:decidedBy ?approval }", store=store)
    assert links.dicts() == [
        {
            "review": ID + "review/genex-fda-2025",
            "approval": APPROVAL + "genex-fda-2025-09-14-spinal-muscular-atrophy",
        }
    ]


def test_a_decided_review_links_to_its_approval_wherever_a_review_s_links_are_shown(
    fixture_store, tmp_path
):
    """Session 29 left atmp:decidedBy out of show, the served pages, the view and the networks, as
    a shortcut restating a path: of the approvals of the review's product it names the one that
    decided it, as atmp:endedBy names the event that ended an approval, and is shown and drawn as
    that is: from the review to the approval, once, and on the approval's page as a link to it."""
    import json
    import urllib.request

    from atmpkg.graph.server.http import make_server

    store = with_imports(
        fixture_store, tmp_path, reviews=DECIDED_REVIEWS, approvals=DECIDING_APPROVALS
    )
    review = ID + "review/betacel-fda-multiple-myeloma-2025"
    approval = APPROVAL + "betacel-fda-2025-09-14-multiple-myeloma"
    review_label = "Betacel — FDA review (multiple myeloma), goal 2025-10-30"
    approval_label = "Betacel — FDA 2025-09-14 (multiple myeloma)"
    kg = atmpkg.open(store)
    assert [
        (f.property_label, f.value.value, f.value_label)
        for f in kg.show(review).facts
        if f.property_label == "decided by"
    ] == [("decided by", approval, approval_label)]
    assert [(f.property_label, f.value.value) for f in kg.show(approval).incoming] == [
        ("decided by", review)
    ]
    args = ["show", "--store", str(store)]
    shown = CliRunner().invoke(cli, [*args, "review:betacel-fda-multiple-myeloma-2025"]).stdout
    assert (
        f"  decided by: {approval_label} (approval:betacel-fda-2025-09-14-multiple-myeloma)"
        in shown.splitlines()
    )
    shown = CliRunner().invoke(cli, [*args, "approval:betacel-fda-2025-09-14-multiple-myeloma"])
    assert shown.stdout.splitlines()[-4:-2] == [
        "Linked from:",
        f"  {review_label} --decided by--> this",
    ]
    server = make_server(store, port=0, timeout=10, workers=1).start()

    def served(iri: str, accept: str) -> str:
        url = server.url + "/id/" + iri[len(ID) :]
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as got:
            return got.read().decode("utf-8")

    try:
        page = served(review, "text/html").split("<h2>Facts</h2>")[1].split("</table>")[0]
        linked = served(approval, "text/html").split("<h2>Linked from</h2>")[1].split("</table>")[0]
        turtle = served(approval, "text/turtle")
        ld = json.loads(served(review, "application/ld+json"))
    finally:
        server.shutdown()
    assert (
        "<tr><th>decided by</th><td><a href="
        f'"/id/approval/betacel-fda-2025-09-14-multiple-myeloma">{approval_label}</a></td></tr>'
    ) in page
    assert linked == (
        '\n<table class="facts"><tr><td><a href="/id/review/betacel-fda-multiple-myeloma-2025">'
        f"{review_label}</a></td><th>decided by</th></tr>"
    )
    decided = "review:betacel-fda-multiple-myeloma-2025 atmp:decidedBy approval:"
    assert turtle.count(decided) == 1
    described = next(node for node in ld if node["@id"] == review)
    assert described["https://w3id.org/atmp-kg/ontology#decidedBy"] == [{"@id": approval}]
    # the view (its side panel lists a node's links from its edges) and every network: one link
    assert view_links_between(kg, review, approval) == [(review, "decided by", approval)]
    network = kg.select(focus=review, hops=1).network()
    assert [
        (a, b, link["label"])
        for a, b, link in network.edges(data=True)
        if {a, b} == {review, approval}
    ] == [(review, approval, "decided by")]
    edges = json.loads(kg.export("cyjs", focus=approval, hops=1).content)["elements"]["edges"]
    assert [
        (e["data"]["source"], e["data"]["label"], e["data"]["target"])
        for e in edges
        if {e["data"]["source"], e["data"]["target"]} == {review, approval}
    ] == [(review, "decided by", approval)]


def view_links_between(kg, focus: str, other: str) -> list[tuple[str, str, str]]:
    """The links a view of ``focus`` and its neighbours draws between it and ``other``, as
    (from, label, to)."""
    data = kg.view(focus=focus, hops=1).data
    iris = [node["iri"] for node in data["nodes"]]
    return [
        (iris[edge[0]], data["properties"][edge[2]], iris[edge[1]])
        for edge in data["edges"]
        if {iris[edge[0]], iris[edge[1]]} == {focus, other}
    ]


def test_a_curated_approved_review_links_to_the_approval_of_its_outcome_s_day(curated_store):
    """Encelto's BLA, approved by the FDA on 5 March 2025 (its recorded outcome), names that
    approval, and the approval's page the review, in show and in the view."""
    kg = atmpkg.open(curated_store)
    review = ID + "review/encelto-fda-mactel-2024"
    approval = APPROVAL + "encelto-fda-2025-03-05-macular-telangiectasia-type-2"
    assert [
        (f.value.value, f.value_label)
        for f in kg.show(review).facts
        if f.property_label == "decided by"
    ] == [(approval, "Encelto — FDA 2025-03-05 (Macular telangiectasia type 2)")]
    shown = kg.show(approval).text().splitlines()
    assert shown[shown.index("Linked from:") :][:3] == [
        "Linked from:",
        "  Encelto — FDA review (Macular telangiectasia type 2), goal 2025-03-18 "
        "--decided by--> this",
        "Sources:",
    ]
    assert view_links_between(kg, approval, review) == [(review, "decided by", approval)]


def test_the_curated_pending_reviews_table_names_its_empty_approval_column_and_scripts_keep_it(
    curated_store,
):
    """No review of the curated graph is decided by an approval while pending: the table leaves
    the approval column out and names it below its rows, as every table does a column with no
    value on any row (approvals-in-period's authorisedName, the README's example), while CSV, TSV,
    JSON and XML keep it, empty, so that a script reads the same head whatever the day."""
    import json
    import re

    args = ["query", "--name", "pending-reviews", "-p", "as_of=2026-12-03"]
    args += ["--store", str(curated_store)]
    table = CliRunner(env={"COLUMNS": "250"}).invoke(cli, args).stdout.splitlines()
    assert table[0].split() == [
        "agency", "therapy", "indication", "sponsor", "submission", "accepted", "goalDate",
        "goalKind", "status", "review",
    ]  # fmt: skip
    assert table[-1] == "(no value on any row: approval)"
    head = [
        "agency", "agencyName", "therapy", "therapyName", "indication", "indicationName",
        "sponsor", "sponsorName", "submission", "accepted", "goalDate", "goalKind", "status",
        "approval", "review", "as_of",
    ]  # fmt: skip
    said = {
        fmt: CliRunner().invoke(cli, [*args, "--format", fmt]).stdout
        for fmt in ("csv", "tsv", "json", "xml")
    }
    assert said["csv"].splitlines()[0].split(",") == head
    assert said["tsv"].splitlines()[0].split("\t") == [f"?{v}" for v in head]
    assert json.loads(said["json"])["head"]["vars"] == head
    assert re.findall(r'<variable name="([^"]+)"/>', said["xml"]) == head
    # the column is empty on every row of the answer, not missing from it
    rows = json.loads(said["json"])["results"]["bindings"]
    assert len(rows) == 5 and not [row for row in rows if "approval" in row]


def test_an_acceptance_known_only_to_its_month_counts_from_its_last_day_as_a_grant_does(
    curated_store,
):
    """joints23 F7: pending-reviews listed Ebvallo's BLA, accepted by the FDA in July 2024 (day not
    given), as under review on 10 July, while authorised-products counts Beqvez, approved by the FDA
    in April 2024 (day not given), only from 30 April."""

    def named_in(name: str, therapy: str, **params: str) -> list[str]:
        found = run_named(name, {"agency": "fda", **params}, store=curated_store).dicts()
        return [r["therapyName"] for r in found if r["therapyName"] == therapy]

    def under_review(day: str) -> tuple[list[str], list[str]]:
        calendar = named_in("regulatory-calendar", "Ebvallo", **{"from": "2024-07-01", "as_of": day})
        return named_in("pending-reviews", "Ebvallo", as_of=day), calendar

    assert under_review("2024-07-10") == ([], [])
    assert under_review("2024-07-30") == ([], [])
    assert under_review("2024-07-31") == (["Ebvallo"], ["Ebvallo"])
    assert named_in("authorised-products", "Beqvez", as_of="2024-04-10") == []
    assert named_in("authorised-products", "Beqvez", as_of="2024-04-30") == ["Beqvez"]


def test_the_datas_day_is_recorded_by_the_build_and_read_from_its_record(fixture_store, monkeypatch):
    """perf27: pending-reviews and regulatory-calendar read every source of the graph for the
    data's as-of day on each call (a quarter of a second at a million triples, for 5 rows in 5
    ms); the build records the day, and the notes and stats read that record."""
    from atmpkg.graph.sparql.named import data_as_of
    from atmpkg.graph.store import build
    from atmpkg.graph.store.build import newest_source, open_store

    monkeypatch.setattr(queries, "today", lambda: D(2026, 12, 7))
    handle = open_store(fixture_store)
    assert handle.info["data_as_of"] == "2026" == newest_source(handle.store)
    # a build made before builds recorded it, or a graph loaded another way: found in the graph
    assert data_as_of(handle.store, {}) == data_as_of(handle.store) == "2026"
    assert data_as_of(handle.store, {"data_as_of": None}) is None

    def unread(store):
        raise AssertionError("the graph's sources were read")

    monkeypatch.setattr(build, "newest_source", unread)
    kg = atmpkg.open(fixture_store)
    assert kg.named("regulatory-calendar").notes[-1].startswith("the data is as of 2026 ")
    assert kg.stats().data_as_of == "2026"


#: A source an import may hold, dated {issued}: valid RDF, which the import's shapes accept.
ODD_SOURCE = """@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/atmp-kg/id/source/odd-doc> a atmp:Source ; dct:title "An odd document" ;
  rdfs:label "An odd document"@en ; schema:url <https://example.org/doc> ;
  atmp:sourceKind <https://w3id.org/atmp-kg/id/source-kind/other> ; atmp:issuedStated {issued} ;
  atmp:issuedPrecision <https://w3id.org/atmp-kg/id/date-precision/{precision}> .
"""


def test_the_datas_day_is_read_as_the_date_it_starts_with_whatever_the_record_holds():
    """sec28 F1: the data's as-of day is whatever string a source's date sorts last as, from the
    build's record or an endpoint's graph: "2026-11-02Z" (a time zone) or "99999" (a year past
    9999) raised in the notes, and stats printed it. Its leading date is read; a value with none
    of the years 0001 to 9999 gives way to the newest source date that has one."""
    from atmpkg.graph.sparql.named import data_as_of

    store, xsd = ox.Store(), "http://www.w3.org/2001/XMLSchema#"
    kind_of, source = ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(PREFIXES["atmp"] + "Source")
    for n, (value, kind) in enumerate((("99999", "gYear"), ("2025-03Z", "gYearMonth"), ("2024-05-01", "date"))):
        doc = ox.NamedNode(f"{ID}source/doc-{n}")
        store.add(ox.Quad(doc, kind_of, source))
        store.add(ox.Quad(doc, ox.NamedNode(PREFIXES["atmp"] + "issuedStated"), ox.Literal(value, datatype=ox.NamedNode(xsd + kind))))
    assert data_as_of(store) == "2025-03"  # 99999 sorts last; the newest with a year of 4 digits
    for recorded, read in (
        ("2026-11-02Z", "2026-11-02"),
        ("2026-11-02+05:00", "2026-11-02"),
        ("2026-11-02T10:00:00", "2026-11-02"),
        ("2026-02-30", "2026-02"),
        ("2026-13", "2026"),
        ("2026", "2026"),
        ("99999", "2025-03"),
        ("0000-01-01", "2025-03"),
        ("not a date", "2025-03"),
        (None, None),
    ):
        assert data_as_of(store, {"data_as_of": recorded}) == read, recorded
    assert data_as_of(ox.Store(), {"data_as_of": "99999"}) is None  # no source with a day to read


@pytest.mark.parametrize(
    ("issued", "precision"),
    [('"2026-11-02Z"^^xsd:date', "day"), ('"99999"^^xsd:gYear', "year")],
)
def test_an_imported_source_with_an_odd_date_keeps_every_note_of_the_review_queries(
    curated_store, tmp_path, issued, precision
):
    """sec28 F1: one imported source dated "2026-11-02Z"^^xsd:date or "99999"^^xsd:gYear made
    pending-reviews and regulatory-calendar lose every note, not only the one on the data's as-of
    day, and stats print "Data as of 2026-11-02Z". Each note is made on its own; the data's day
    stays the curated data's (newuser28 F2), and the imports' newest is read as the date it starts
    with (none for a year past 9999)."""
    curated = atmpkg.open(curated_store)
    mine = store_with_import(curated_store, tmp_path, ODD_SOURCE.format(issued=issued, precision=precision))
    imported = atmpkg.open(mine)
    day = curated.stats().data_as_of
    assert imported.stats().data_as_of == day
    theirs = {"day": "; your imports cite sources up to 2026-11-02", "year": ""}[precision]
    stated = CliRunner().invoke(cli, ["stats", "--store", str(mine)]).stdout.splitlines()[1]
    assert stated == f"Data as of {day} (the newest source document the curated data cites){theirs}"
    for name, params in (
        ("pending-reviews", {"as_of": "2026-12-01"}),
        ("regulatory-calendar", {"as_of": "2026-12-01", "from": "2026-01", "to": "2027-12"}),
    ):
        kept = curated.named(name, **params).notes
        assert len(kept) >= 2 and kept[0].startswith(f"the data is as of {day} (the newest source document it cites) "), name
        said = [kept[0].replace("document it cites", "document the curated data cites") + theirs, *kept[1:]]
        assert imported.named(name, **params).notes == said, name


def test_a_note_that_cannot_be_made_leaves_the_others(curated_store, monkeypatch):
    """sec28 F1: one suppress covered every note of a named query's answer, so that one failing
    removed the others."""
    named = __import__("atmpkg.graph.sparql.named", fromlist=["_data_as_of_notes"])
    kg = atmpkg.open(curated_store)
    notes = kg.named("pending-reviews", as_of="2026-12-01").notes

    def failing(*args):
        raise ParameterError("this note cannot be made")

    monkeypatch.setattr(named, "_data_as_of_notes", failing)
    assert kg.named("pending-reviews", as_of="2026-12-01").notes == [
        n for n in notes if not n.startswith("the data is as of ")
    ] != []


def test_the_review_queries_say_the_datas_day_when_they_look_past_it(fixture_store, monkeypatch, tmp_path):
    """newuser26 F10: regulatory-calendar answered one review from today, and nothing said that
    the data is as of weeks before: a short calendar read as the outlook. The fixture's newest
    source is of 2026, which stands for its last day."""
    monkeypatch.setattr(queries, "today", lambda: D(2026, 12, 7))
    kg = atmpkg.open(fixture_store)

    def past(day: str) -> str:
        return (
            f"the data is as of 2026 (the newest source document it cites) and this answer looks "
            f"to {day}: a review filed, decided or given a date after 2026 is not in it (no review "
            "in the graph)"
        )

    assert kg.named("regulatory-calendar").notes == [
        "as_of is 2026-12-07 (default today); give -p as_of=YYYY-MM-DD (Python: as_of='YYYY-MM-DD') for another day",
        "from is 2026-12-07 (default as_of); give -p from=YYYY-MM-DD (Python: {'from': 'YYYY-MM-DD'}) for another day",
        "to is 2027-12-07 (default 1 year after from); give -p to=YYYY-MM-DD (Python: to='YYYY-MM-DD') for another day",
        past("2027-12-07"),
    ]
    for within in ("2026-12-31", "2026-12"):  # the data's year to its last day
        notes = kg.named("regulatory-calendar", to=within).notes
        assert not any(n.startswith("the data is") for n in notes), within
    assert kg.named("regulatory-calendar", to="2027-01").notes[-1] == past("2027-01-31")
    assert kg.named("pending-reviews").notes == [
        "as_of is 2026-12-07 (default today); give -p as_of=YYYY-MM-DD (Python: as_of='YYYY-MM-DD') for another day"
    ]
    assert kg.named("pending-reviews", as_of="2027-01-01", agency="fda").notes == [past("2027-01-01")]
    # a user's file with the same text is no curated calendar
    mine = tmp_path / "calendar.rq"
    mine.write_text(queries.load("regulatory-calendar").text, encoding="utf-8")
    assert not any(n.startswith("the data is") for n in kg.query(file=mine).notes)


def test_a_review_whose_acceptance_is_not_recorded_counts_from_its_first_report(
    fixture_store, tmp_path_factory, monkeypatch
):
    """newuser24 F7: a review without an accepted date counted from its start: pending-reviews
    from 1 June 2023, or 1 January 1990, listed reviews filed years later, and said nothing. It
    counts from the day its first source was issued (atmp:firstReported: report-x, 2025, its
    first day), and a past day's answer that lists it says so."""
    # a day of the data's year (2026), from which the goal date is inside the periods below, and
    # before which the data is not: looked past it, the answers say that later reviews are missing
    monkeypatch.setattr(queries, "today", lambda: D(2026, 12, 7))
    goal = D(2027, 6, 25)
    text = REVIEWS + (
        f"alphacel-pmda-multiple-myeloma,alphacel,pmda,multiple-myeloma,cellco,other,,{goal},"
        "decision-expected,,,report-y|report-x,acceptance day not found\n"
    )
    folder = tmp_path_factory.mktemp("reported")
    shutil.copytree(fixture_store, folder / "store", symlinks=True)
    (folder / "reviews.csv").write_text(text, encoding="utf-8")
    atmpkg.graph.import_files([folder / "reviews.csv"], folder / "store")
    kg = atmpkg.open(folder / "store")
    pmda = ID + "review/alphacel-pmda-multiple-myeloma"
    assert kg.query(f"SELECT ?d WHERE {{ <{pmda}> atmp:firstReported ?d }}").column("d") == [
        D(2025, 1, 1)
    ]

    def pending(**params: str) -> tuple[list[tuple[str, str]], list[str]]:
        found = kg.named("pending-reviews", **params)
        return [(r["review"].rsplit("/", 1)[1], r["status"]) for r in found.dicts()], found.notes

    def left_out(day: str) -> str:
        return (
            f"seen from {day}, 1 review with no recorded acceptance is left out, first reported "
            "later (review:alphacel-pmda-multiple-myeloma on 2025-01-01): it counts from the day "
            "its first source was issued (the first day of its month or year where no day is "
            "given)"
        )

    betacel_due = ("betacel-ema-multiple-myeloma", "decision due")
    alphacel_due = ("alphacel-fda-multiple-myeloma", "decision due")
    for day in ("1990-01-01", "2023-06-01", "2024-12-31"):
        expected = [] if day == "1990-01-01" else [betacel_due, alphacel_due]
        if day == "2024-12-31":
            expected = [
                ("genex-ema-spinal-muscular-atrophy", "no decision date announced"),
                ("betacel-ema-multiple-myeloma", "decision date passed, outcome not recorded"),
                ("genex-fda-spinal-muscular-atrophy", "decision date passed, outcome not recorded"),
            ]
        # rev24 F6: the review left out until its first report is named, not dropped without a word
        assert pending(as_of=day) == (expected, [left_out(day)]), day
    assert pending(as_of="2024-12-31", agency="fda")[1] == []  # a PMDA review: not left out here
    # rev24b F3: a user's file with the same text says nothing of reviews it may not mean
    mine = folder / "my-reviews.rq"
    mine.write_text(queries.load("pending-reviews").text, encoding="utf-8")
    assert kg.query(file=mine, params={"as_of": "2024-12-31", "agency": "pmda"}).notes == []
    assert pending(as_of="2024-12-31", agency="pmda") == ([], [left_out("2024-12-31")])
    found, notes = pending(as_of="2025-01-01")
    assert found[-1] == ("alphacel-pmda-multiple-myeloma", "decision due")
    assert notes == [
        "seen from 2025-01-01, 1 review listed has no recorded acceptance "
        "(review:alphacel-pmda-multiple-myeloma): each counts from the day its first source was "
        "issued (atmp:firstReported; the first day of its month or year where no day is given), "
        "not from its filing"
    ]
    # from today, by default: listed, with nothing to say but the day
    answer = kg.named("pending-reviews")
    assert answer.dicts()[-1] == {
        "agency": ID + "agency/pmda",
        "agencyName": "PMDA",
        "therapy": ALPHACEL,
        "therapyName": "Alphacel",
        "indication": ID + "indication/multiple-myeloma",
        "indicationName": "multiple myeloma",
        "sponsor": ID + "company/cellco",
        "sponsorName": "CellCo",
        "submission": "other application",
        "goalDate": goal,
        "goalKind": "expected decision",
        "status": "decision due",
        "review": pmda,
        "as_of": D(2026, 12, 7),
    }
    assert [r["review"].rsplit("/", 1)[1] for r in answer.dicts()] == [
        "genex-ema-spinal-muscular-atrophy",
        "betacel-ema-multiple-myeloma",
        "genex-fda-spinal-muscular-atrophy",
        "alphacel-pmda-multiple-myeloma",
    ]
    assert answer.notes == [
        "as_of is 2026-12-07 (default today); give -p as_of=YYYY-MM-DD (Python: "
        "as_of='YYYY-MM-DD') for another day"
    ]
    calendar = kg.named("regulatory-calendar")
    assert [(r["review"], r["goalDate"]) for r in calendar.dicts()] == [(pmda, goal)]
    # the calendar of the same years seen from 2023 has the reviews accepted by then alone
    period = {"from": "2023-06-01", "to": "2030-12-31"}
    seen = kg.named("regulatory-calendar", as_of="2023-06-01", **period)
    # newuser26 F10: a period past the data's day says so
    past_the_data = (
        "the data is as of 2026 (the newest source document it cites) and this answer looks to "
        "2030-12-31: a review filed, decided or given a date after 2026 is not in it (5 reviews "
        "in the graph)"
    )
    assert ([r["review"].rsplit("/", 1)[1] for r in seen.dicts()], seen.notes) == (
        ["alphacel-fda-multiple-myeloma", "betacel-ema-multiple-myeloma"],
        [past_the_data, left_out("2023-06-01")],
    )
    # a period its decision is not due in does not leave it out
    early = {"from": "2023-06-01", "to": "2023-12-31"}
    assert kg.named("regulatory-calendar", as_of="2023-06-01", **early).notes == []
    later = kg.named("regulatory-calendar", as_of="2025-06-01", **period)
    assert [r["review"] for r in later.dicts()] == [pmda]
    assert later.notes == [past_the_data, notes[0].replace("2025-01-01", "2025-06-01")]


def test_the_calendar_seen_from_a_past_day_alone_is_that_days(curated_store):
    """newuser25 F23: -p as_of=2025-01-01 alone answered 0 rows: the period still started today,
    so it looked for decisions due two years after a day among the reviews pending that day."""
    seen = atmpkg.open(curated_store).named("regulatory-calendar", as_of="2025-01-01")
    assert [(r["therapyName"], r["goalDate"]) for r in seen.dicts()] == [
        ("Ebvallo", datetime.date(2025, 1, 15)),
        ("Encelto", datetime.date(2025, 3, 18)),
        ("Zevaskyn", datetime.date(2025, 4, 29)),
        ("UX111", datetime.date(2025, 8, 18)),
        ("Deramiocel", datetime.date(2025, 8, 31)),
    ]
    assert seen.notes[:2] == [
        "from is 2025-01-01 (default as_of); give -p from=YYYY-MM-DD (Python: {'from': "
        "'YYYY-MM-DD'}) for another day",
        "to is 2026-01-01 (default 1 year after from); give -p to=YYYY-MM-DD (Python: "
        "to='YYYY-MM-DD') for another day",
    ]
    both = {"as_of": "2025-01-01", "from": "2025-01-01"}
    assert atmpkg.open(curated_store).named("regulatory-calendar", both).rows == seen.rows


def test_a_default_note_says_how_python_gives_another_value(fixture_store):
    """newuser25 F28: in Python the notes said to give -p as_of=…, the command line's way; they
    say Python's too, and `from`, no keyword argument, in the mapping."""
    kg = atmpkg.open(fixture_store)
    notes = kg.named("regulatory-calendar", as_of="2024-01-01").notes
    assert notes[:2] == [
        "from is 2024-01-01 (default as_of); give -p from=YYYY-MM-DD (Python: {'from': "
        "'YYYY-MM-DD'}) for another day",
        "to is 2025-01-01 (default 1 year after from); give -p to=YYYY-MM-DD (Python: "
        "to='YYYY-MM-DD') for another day",
    ]
    assert [note.told(f"p={note.name}=…") for note in notes[:2]] == [
        "from is 2024-01-01 (default as_of); give p=from=… for another day",
        "to is 2025-01-01 (default 1 year after from); give p=to=… for another day",
    ]


def test_a_default_note_says_params_to_the_calls_that_take_a_mapping(
    fixture_store, tmp_path, held_today
):
    """newuser26: kg.query(name=…) was told "(Python: as_of='…')", a keyword it does not take:
    the calls that take the parameters in the mapping params= (kg.query with a name or a query
    file, a selection's view and export) are told that mapping; kg.named keeps its keywords."""
    kg = atmpkg.open(fixture_store)
    head = f"as_of is {held_today.isoformat()} (default today); give -p as_of=YYYY-MM-DD (Python: "
    mapped = head + "params={'as_of': 'YYYY-MM-DD'}) for another day"
    rq = tmp_path / "mine.rq"
    rq.write_text(queries.load("authorised-products").text, encoding="utf-8")
    assert kg.query(name="authorised-products").notes == [mapped]
    assert kg.query(file=rq).notes == [mapped]
    assert kg.named("authorised-products").notes == [head + "as_of='YYYY-MM-DD') for another day"]
    assert kg.export("ttl", tmp_path / "a.ttl", name="authorised-products").notes[0] == mapped
    assert mapped in kg.view(name="authorised-products").html
    calendar = kg.query(name="regulatory-calendar", params={"as_of": "2024-01-01"})
    assert calendar.notes[0] == (
        "from is 2024-01-01 (default as_of); give -p from=YYYY-MM-DD (Python: "
        "params={'from': 'YYYY-MM-DD'}) for another day"
    )


def _curated_approvals() -> list[dict[str, str]]:
    import csv
    from pathlib import Path

    path = Path(__file__).parent.parent / "graph" / "data" / "approvals.csv"
    with open(path, encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def _first_day(stated: str) -> str:
    return stated + "-01-01"[len(stated) - 4 :] if len(stated) < 10 else stated


def test_first_approvals_count_products_not_indications_on_the_curated_data(curated_store):
    approvals = _curated_approvals()
    earliest: dict[str, str] = {}
    for a in approvals:
        earliest[a["therapy"]] = min(earliest.get(a["therapy"], "9999"), _first_day(a["date"]))
    first_pairs = {
        (a["therapy"], a["agency"])
        for a in approvals
        if _first_day(a["date"]) == earliest[a["therapy"]]
    }
    worldwide = run_named("first-approval-worldwide", store=curated_store)
    assert len(worldwide) == len(first_pairs) == 113  # APCEDEN's four indications are one row
    cdsco = run_named("first-approval-worldwide", {"agency": "cdsco"}, store=curated_store)
    first_two = [(r["therapyName"], r["indications"]) for r in cdsco.dicts()[:2]]
    assert first_two == [
        ("Stempeucel", "Thromboangiitis obliterans (Buerger's disease)"),
        ("APCEDEN", "Colorectal cancer; Non-small cell lung cancer; Ovarian cancer; Prostate cancer"),
    ]
    assert len(cdsco) == 5
    initial = {(a["therapy"], a["agency"]) for a in approvals if a["approval_type"] == "initial"}
    per_year = run_named("approvals-by-agency-year", store=curated_store).dicts()
    assert sum(int(r["productsFirstApproved"]) for r in per_year) == len(initial) == 192
    india_2017 = [r for r in per_year if r["agencyName"] == "CDSCO" and r["year"] == 2017]
    assert [(r["approvals"], r["productsFirstApproved"]) for r in india_2017] == [(4, 1)]


def test_first_approval_worldwide_starts_with_carticels_fda_licence(curated_store):
    """newuser24 F15: Carticel's FDA licence (22 August 1997) is the earliest first approval, before
    Chondron's in Korea (2001); the product it was sold with to Vericel is held by Vericel."""
    rows = run_named("first-approval-worldwide", store=curated_store).dicts()[:2]
    assert [(r["therapyName"], r["agencyName"], str(r["firstApproval"])) for r in rows] == [
        ("Carticel", "FDA", "1997-08-22"),
        ("Chondron", "MFDS", "2001-01-30"),
    ]
    held = query(f"SELECT ?c WHERE {{ <{ID}therapy/carticel> atmp:heldBy ?c }}", store=curated_store)
    assert [c.value[len(ID) :] for (c,) in held.rows] == ["company/vericel"]


@pytest.fixture(scope="module")
def shuffled_store(curated_store) -> ox.Store:
    """The curated graph in a plain pyoxigraph store, loaded in another order than the build's."""
    import random

    from atmpkg.graph.store.build import open_store

    quads = list(open_store(curated_store).store)
    random.Random(23).shuffle(quads)
    store = ox.Store()
    store.extend(quads)
    return store


#: Same-day approvals of several indications (the one whose IRI sorts first is named), and names
#: joined in one cell (alphabetical): the cell of the row with that therapy or indication name.
TIES = [
    ("agency-lag", {}, "Breyanzi", "toApproval", "breyanzi-ema-2022-04-04-follicular-lymphoma"),
    ("agency-lag", {}, "Casgevy", "toApproval", "casgevy-ema-2024-02-09-beta-thalassemia"),
    ("authorised-products", {"agency": "cdsco", "as_of": "2025-06-01"}, "APCEDEN", "approval",
     "apceden-cdsco-2017-colorectal-cancer"),
    ("first-approval-worldwide", {"agency": "cdsco"}, "APCEDEN", "indications",
     "Colorectal cancer; Non-small cell lung cancer; Ovarian cancer; Prostate cancer"),
    ("first-approval-worldwide", {"agency": "mhra"}, "Casgevy", "approval",
     "casgevy-mhra-2023-11-16-beta-thalassemia"),
    ("time-to-second-agency", {"therapy": "casgevy"}, "Casgevy", "first",
     "casgevy-mhra-2023-11-16-beta-thalassemia"),
    ("time-to-second-agency", {"therapy": "breyanzi"}, "Breyanzi", "second",
     "breyanzi-pmda-2021-03-22-follicular-lymphoma"),
    ("top-indications", {}, "Burns (deep partial-thickness thermal burns)", "therapyNames",
     "Holoderm; JACE; Kaloderm; KeraHeal; KeraHeal-Allo; StrataGraft"),
    ("approved-products-by-modality", {"modality": "car-t"}, "Breyanzi", "approval",
     "breyanzi-fda-2021-02-05-large-b-cell-lymphoma breyanzi-pmda-2021-03-22-follicular-lymphoma "
     "breyanzi-pmda-2021-03-22-large-b-cell-lymphoma breyanzi-swissmedic-2022-02-28-large-b-cell-lymphoma "
     "breyanzi-ema-2022-04-04-follicular-lymphoma breyanzi-ema-2022-04-04-large-b-cell-lymphoma "
     "breyanzi-health-canada-2022-05-06-large-b-cell-lymphoma"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "params", "row", "column", "expected"), TIES)
def test_a_tie_goes_to_the_first_approval_iri_and_a_list_is_alphabetical_on_any_store(
    curated_store, shuffled_store, name, params, row, column, expected
):
    """newuser23 F14: a store holding the same data in another order named the other of two
    same-day approvals, and joined names in its own order."""
    result = run_named(name, params, store=curated_store)
    bound = {ox.Variable(k): v for k, v in result.parameters.items() if v is not None}
    elsewhere = shuffled_store.query(result.sparql, prefixes=PREFIXES, substitutions=bound)
    assert [tuple(found[v] for v in result.variables) for found in elsewhere] == result.rows
    cells = [
        str(r[column]).removeprefix(APPROVAL)
        for r in result.dicts()
        if row in (r.get("therapyName"), r.get("indicationName"))
    ]
    assert " ".join(cells) == expected


@pytest.mark.parametrize(
    ("line", "told"),
    [
        (
            "# parm: company company -  The company",
            "'parm:' is no header key; did you mean 'param:'? The keys are summary:, param:, "
            "distinct:, period:",
        ),
        (
            "# Summery: Deals",
            "'summery:' is no header key; did you mean 'summary:'? The keys are summary:, param:, "
            "distinct:, period:",
        ),
        (
            "# param company company -  The company",
            "'param' needs its colon ('# param: …'), or the line is read as a comment",
        ),
    ],
)
def test_a_header_key_written_wrong_is_named_at_its_line(line, told):
    with pytest.raises(DataError) as error:
        queries.parse("x", f"# summary: Deals\n{line}\nSELECT ?company {{}}", "mine.rq")
    assert str(error.value) == f"mine.rq:2: {told}"


@pytest.mark.parametrize(
    "line",
    [
        "# Note: money in USD",
        "# the param: is company",
        "# Distinct sponsors of FDA approvals",
        "# Params: none",
        "# param values are typed",
    ],
)
def test_prose_in_a_header_is_a_comment(line):
    text = f"# summary: Deals\n{line}\n#\nSELECT * {{}}"
    assert queries.parse("x", text).params == ()


def test_a_header_names_a_type_and_distinct_parameters_that_exist():
    with pytest.raises(DataError) as error:
        queries.parse("x", "# param: x compny *  One\nSELECT ?x {}", "mine.rq")
    assert str(error.value).startswith(
        "mine.rq:1: parameter 'x' has unknown type 'compny'; did you mean company? The "
        "types are string, integer, decimal, date, iri, entity and the kinds of entity: agency, "
    )
    with pytest.raises(DataError) as error:
        queries.parse("x", "# param: a company *  One\n# distinct: a b\nSELECT ?a {}", "mine.rq")
    assert str(error.value) == (
        "mine.rq:2: write 'distinct: NAME NAME…', two or more parameters declared by 'param:' "
        "lines ('b' is none)"
    )


def test_names_sort_as_people_read_them_whatever_their_case(curated_store):
    # labels that start in lower case (laViv, uniQure) among capitalised ones
    found = run_named("time-to-second-agency", store=curated_store).dicts()
    names = [r["therapyName"] for r in found]
    assert names == sorted(names, key=str.lower)
    assert names.index("laViv") < names.index("Zynteglo")


def test_every_named_query_reads_in_at_most_twenty_lines():
    """Comments and blank lines aside: the facts a question needs are derived at build."""
    lengths = {
        name: sum(
            1
            for line in queries.load(name).text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )
        for name in queries.names()
    }
    assert len(lengths) == 33
    assert {name: n for name, n in lengths.items() if n > 20} == {}
    assert max(lengths.values()) == 20


def test_a_header_line_of_a_megabyte_is_not_echoed_whole():
    """sec21: a param: line's 800 kB type came back whole, in an HTTP answer of 800 kB."""
    from atmpkg.graph.errors import DataError

    with pytest.raises(DataError) as refused:
        queries.parse("t", "# param: a " + "a-" * 400_000 + " x  y\nSELECT * {}")
    assert str(refused.value).startswith(
        "t:1: parameter 'a' has unknown type 'a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-"
        "a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-… (800,000 characters)'. The types are "
    )


def test_a_store_made_of_imports_alone_is_as_of_their_newest_source_on_every_door(
    fixture_store, tmp_path, monkeypatch
):
    """joints31 F4: the whole graph exported as TriG and imported into a store built from empty
    CSVs recorded its sources' day (imports_as_of), yet stats said no source states its date and
    the review queries' notes that the data ends there were gone."""
    import json
    import urllib.request

    from atmpkg.graph import import_files
    from atmpkg.graph.server.http import NOTES_HEADER, make_server
    from atmpkg.graph.store.build import build

    monkeypatch.setattr(queries, "today", lambda: D(2026, 12, 7))
    empty = tmp_path / "empty"
    empty.mkdir()
    for table in FIXTURE_DATA.glob("*.csv"):
        (empty / table.name).write_text(table.read_text(encoding="utf-8").splitlines()[0] + "\n")
    store = tmp_path / "store"
    build(store, data_dir=empty)
    atmpkg.open(fixture_store).export("trig", tmp_path / "all.trig")
    import_files([tmp_path / "all.trig"], store)
    kg = atmpkg.open(store)
    stats = kg.stats()
    assert (stats.data_as_of, stats.data_as_of_of, stats.imports_as_of) == ("2026", "your imports", None)
    note = (
        "the data is as of 2026 (the newest source document your imports cite) and this answer "
        "looks to 2027-12-07: a review filed, decided or given a date after 2026 is not in it "
        "(no review in the graph)"
    )
    assert kg.named("regulatory-calendar").notes[-1] == note
    assert kg.named("pending-reviews", as_of="2027-01-01").notes[-1] == note.replace(
        "2027-12-07", "2027-01-01"
    )
    said = CliRunner().invoke(cli, ["stats", "--store", str(store)])
    assert said.stdout.splitlines()[1] == "Data as of 2026 (the newest source document your imports cite)"
    said = CliRunner().invoke(cli, ["query", "--name", "regulatory-calendar", "--store", str(store)])
    assert said.stderr.splitlines()[-1] == f"Note: {note}"
    with make_server(store, port=0).start() as server:
        # the server's workers are processes of their own, on the machine's day: the day is given
        url = f"{server.url}/sparql?name=regulatory-calendar&p=as_of%3D2026-12-07"
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/csv"})) as got:
            assert json.loads(got.headers[NOTES_HEADER])[-1] == note


def test_an_imported_source_does_not_move_the_datas_day_and_is_said_apart(
    fixture_store, tmp_path, monkeypatch
):
    """newuser28 F2: a note source of one's own dated today made stats and the review queries'
    notes say the data is as of today, and the warning that later reviews are missing went with
    it; the day stays the curated data's, and the imports' newest source is said apart, on every
    door."""
    import json
    import shutil
    import urllib.request

    from atmpkg.graph import import_files
    from atmpkg.graph.server.http import NOTES_HEADER, make_server

    monkeypatch.setattr(queries, "today", lambda: D(2026, 12, 7))
    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    mine = tmp_path / "sources.csv"
    mine.write_text(
        "slug,title,publisher,issued,url,kind\n"
        "my-notes-2026,My analyst notes,Me,2026-12-07,https://example.org/notes/1,other\n",
        encoding="utf-8",
    )
    import_files([mine], store)
    kg = atmpkg.open(store)
    stats = kg.stats()
    assert (stats.data_as_of, stats.data_as_of_of, stats.imports_as_of) == (
        "2026", "the curated data", "2026-12-07"
    )  # fmt: skip
    note = (
        "the data is as of 2026 (the newest source document the curated data cites) and this "
        "answer looks to 2027-12-07: a review filed, decided or given a date after 2026 is not in "
        "it (no review in the graph); your imports cite sources up to 2026-12-07"
    )
    assert kg.named("regulatory-calendar").notes[-1] == note
    said = CliRunner().invoke(cli, ["stats", "--store", str(store)])
    assert said.stdout.splitlines()[1] == (
        "Data as of 2026 (the newest source document the curated data cites); your imports cite "
        "sources up to 2026-12-07"
    )
    said = CliRunner().invoke(cli, ["query", "--name", "regulatory-calendar", "--store", str(store)])
    assert said.stderr.splitlines()[-1] == f"Note: {note}"
    server = make_server(store, port=0).start()
    try:
        # the server's workers are processes of their own, on the machine's day: the day is given
        url = f"{server.url}/sparql?name=regulatory-calendar&p=as_of%3D2026-12-07"
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/csv"})) as got:
            assert json.loads(got.headers[NOTES_HEADER])[-1] == note
    finally:
        server.shutdown()
    # once the import is removed, the day is said as before
    atmpkg.graph.remove_imports(["sources.csv"], store)
    assert atmpkg.open(store).stats().imports_as_of is None
    assert CliRunner().invoke(cli, ["stats", "--store", str(store)]).stdout.splitlines()[1] == (
        "Data as of 2026 (the newest source document it cites)"
    )

"""Every named query answers exactly the expected rows on the hand-written fixture graph, and runs with
its defaults on the curated data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from atmpkg import queries
from atmpkg.graph import run_named
from atmpkg.graph.terms import ID, KINDS

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
}

#: Queries whose default answer on the curated data may legitimately be empty.
MAY_BE_EMPTY_ON_CURATED = {"unapproved-therapies"}


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
        assert param.type in queries.SCALAR_TYPES or param.type in KINDS, param
        assert param.description
        assert f"?{param.name}" in named.text


@pytest.mark.parametrize("name", queries.names())
def test_runs_with_defaults_on_curated_data(curated_store, name):
    result = run_named(name, store=curated_store)
    assert result.form == "SELECT"
    assert not result.truncated
    if name not in MAY_BE_EMPTY_ON_CURATED:
        assert len(result) >= 1, f"{name} returned no rows on the curated data"


# -- approvals -----------------------------------------------------------------------------------


def test_approvals_by_agency_year(rows):
    def row(agency, acronym, year, first, expansions):
        return {
            "agency": agency,
            "agencyAcronym": acronym,
            "year": year,
            "approvals": first + expansions,
            "firstApprovals": first,
            "labelExpansions": expansions,
        }

    assert rows("approvals-by-agency-year") == [
        row(EMA, "EMA", 2018, 1, 0),
        row(EMA, "EMA", 2020, 1, 0),
        row(FDA, "FDA", 2017, 1, 0),
        row(FDA, "FDA", 2019, 1, 0),
        row(FDA, "FDA", 2021, 1, 0),
        row(FDA, "FDA", 2022, 0, 1),
        row(PMDA, "PMDA", 2020, 1, 0),
        row(PMDA, "PMDA", 2022, 1, 0),  # month-only date 2022-01 counts in its year
    ]
    assert rows("approvals-by-agency-year", agency="pmda") == [
        row(PMDA, "PMDA", 2020, 1, 0),
        row(PMDA, "PMDA", 2022, 1, 0),
    ]


def test_approvals_by_agency_year_summary_is_the_documented_one():
    assert queries.load("approvals-by-agency-year").summary == (
        "Approvals per agency and year, with how many were first approvals and how many label "
        "expansions."
    )


def test_approved_products_by_modality(rows):
    def row(modality, therapy, agency, first):
        name, inn = {
            "Alphacel": ("CAR-T cell therapy", "alphacabtagene autoleucel"),
            "Betacel": ("CAR-T cell therapy", "betacabtagene autoleucel"),
            "Genex": ("AAV gene therapy", "genexogene vector"),
        }[therapy]
        return {
            "modality": modality,
            "modalityName": name,
            "therapy": therapy,
            "inn": inn,
            "agency": agency,
            "firstApproval": first,
        }

    car_t = [
        row(CAR_T, "Alphacel", "FDA", D(2017, 8, 30)),  # not the 2022 label expansion
        row(CAR_T, "Alphacel", "EMA", D(2018, 8, 22)),
        row(CAR_T, "Betacel", "FDA", D(2021, 3, 26)),
        row(CAR_T, "Betacel", "PMDA", "2022-01"),  # xsd:gYearMonth stays month-only
    ]
    assert rows("approved-products-by-modality", modality="car-t") == car_t
    assert rows("approved-products-by-modality") == [
        row(AAV, "Genex", "FDA", D(2019, 5, 24)),
        row(AAV, "Genex", "PMDA", D(2020, 3, 19)),
        row(AAV, "Genex", "EMA", D(2020, 5, 18)),
        *car_t,
    ]


def test_approvals_by_jurisdiction(rows):
    assert rows("approvals-by-jurisdiction") == [
        {
            "jurisdiction": "United States",
            "jurisdictionKind": "country",
            "approvals": 4,
            "therapies": 3,
            "firstYear": 2017,
            "lastYear": 2022,
        },
        {
            "jurisdiction": "European Union",
            "jurisdictionKind": "region",
            "approvals": 2,
            "therapies": 2,
            "firstYear": 2018,
            "lastYear": 2020,
        },
        {
            "jurisdiction": "Japan",
            "jurisdictionKind": "country",
            "approvals": 2,
            "therapies": 2,
            "firstYear": 2020,
            "lastYear": 2022,
        },
    ]


def test_approvals_by_jurisdiction_rolls_up_to_a_region(rows):
    assert rows("approvals-by-jurisdiction", region="world") == [
        {
            "region": ID + "region/world",
            "jurisdiction": "World",
            "jurisdictionKind": "region",
            "approvals": 8,  # us, jp and eu are all part of the world
            "therapies": 3,
            "firstYear": 2017,
            "lastYear": 2022,
        }
    ]
    assert rows("approvals-by-jurisdiction", region="eu") == [
        {
            "region": ID + "region/eu",
            "jurisdiction": "European Union",
            "jurisdictionKind": "region",
            "approvals": 2,
            "therapies": 2,
            "firstYear": 2018,
            "lastYear": 2020,
        }
    ]
    # Germany is part of the report's Europe, but no approval has Germany as its jurisdiction.
    assert rows("approvals-by-jurisdiction", region="rx-europe") == []


def test_approvals_by_pathway(rows):
    def row(agency, acronym, pathway, approvals, therapies):
        return {
            "agency": agency,
            "agencyAcronym": acronym,
            "pathway": pathway,
            "approvals": approvals,
            "therapies": therapies,
        }

    fda = [
        row(FDA, "FDA", "standard approval", 3, 3),
        row(FDA, "FDA", "accelerated approval", 1, 1),
    ]
    assert rows("approvals-by-pathway") == [
        row(EMA, "EMA", "conditional marketing authorisation", 2, 2),
        *fda,
        row(PMDA, "PMDA", "conditional and time-limited approval", 1, 1),
        row(PMDA, "PMDA", "standard approval", 1, 1),
    ]
    assert rows("approvals-by-pathway", agency="fda") == fda


def test_top_indications(rows):
    lbcl = {
        "area": ONCOLOGY,
        "areaName": "oncology",
        "indication": LBCL,
        "therapies": 1,
        "approvals": 3,
        "agencies": 2,
        "therapyNames": "Alphacel",
    }
    myeloma = {
        "area": ONCOLOGY,
        "areaName": "oncology",
        "indication": "multiple myeloma",
        "therapies": 1,
        "approvals": 2,
        "agencies": 2,
        "therapyNames": "Betacel",
    }
    sma = {
        "area": NEUROMUSCULAR,
        "areaName": "neuromuscular",
        "indication": "spinal muscular atrophy",
        "therapies": 1,
        "approvals": 3,
        "agencies": 3,
        "therapyNames": "Genex",
    }
    assert rows("top-indications") == [lbcl, sma, myeloma]
    assert rows("top-indications", area="oncology") == [lbcl, myeloma]


def test_time_to_second_agency(rows):
    alphacel = {
        "therapy": ALPHACEL,
        "therapyName": "Alphacel",
        "firstAgency": "FDA",
        "firstDate": D(2017, 8, 30),
        "secondAgency": "EMA",
        "secondDate": D(2018, 8, 22),
        "days": 357,
    }
    betacel = {  # the second approval is month-only: no day count
        "therapy": BETACEL,
        "therapyName": "Betacel",
        "firstAgency": "FDA",
        "firstDate": D(2021, 3, 26),
        "secondAgency": "PMDA",
        "secondDate": "2022-01",
    }
    genex = {  # PMDA (2020-03-19) came before EMA (2020-05-18)
        "therapy": GENEX,
        "therapyName": "Genex",
        "firstAgency": "FDA",
        "firstDate": D(2019, 5, 24),
        "secondAgency": "PMDA",
        "secondDate": D(2020, 3, 19),
        "days": 300,
    }
    assert rows("time-to-second-agency") == [alphacel, betacel, genex]
    assert rows("time-to-second-agency", therapy="betacel") == [betacel]
    assert rows("time-to-second-agency", therapy="Genexa") == [genex]  # a brand name resolves too


def test_first_approval_worldwide(rows):
    def row(therapy, inn, first):
        return {
            "agency": FDA,
            "therapy": therapy,
            "inn": inn,
            "agencyAcronym": "FDA",
            "firstApproval": first,
            "jurisdiction": "United States",
        }

    everything = [
        row("Alphacel", "alphacabtagene autoleucel", D(2017, 8, 30)),
        row("Genex", "genexogene vector", D(2019, 5, 24)),
        row("Betacel", "betacabtagene autoleucel", D(2021, 3, 26)),
    ]
    assert rows("first-approval-worldwide") == everything
    assert rows("first-approval-worldwide", agency="fda") == everything
    assert rows("first-approval-worldwide", agency="ema") == []


def test_label_expansions(rows):
    assert rows("label-expansions") == [
        {"year": 2022, "labelExpansions": 1, "agencies": "FDA", "therapies": "Alphacel"}
    ]
    assert rows("label-expansions", agency="fda") == [
        {
            "agency": FDA,
            "year": 2022,
            "labelExpansions": 1,
            "agencies": "FDA",
            "therapies": "Alphacel",
        }
    ]
    assert rows("label-expansions", agency="ema") == []


def test_therapy_approval_timeline(rows):
    def row(date, agency, where, kind, pathway, sponsor, text):
        return {
            "therapy": ALPHACEL,
            "therapyName": "Alphacel",
            "date": date,
            "agency": agency,
            "jurisdiction": where,
            "indication": LBCL,
            "approvalType": kind,
            "pathway": pathway,
            "sponsor": sponsor,
            "indicationText": text,
        }

    assert rows("therapy-approval-timeline", therapy="alphacel") == [
        row(
            D(2017, 8, 30),
            "FDA",
            "United States",
            "first approval",
            "accelerated approval",
            "CellCo",
            "adults after two lines",
        ),
        row(
            D(2018, 8, 22),
            "EMA",
            "European Union",
            "first approval",
            "conditional marketing authorisation",
            "CellCo Europe",
            "adults after two lines",
        ),
        row(
            D(2022, 4, 1),
            "FDA",
            "United States",
            "label expansion",
            "standard approval",
            "CellCo",
            "second line",
        ),
    ]


def test_therapy_approval_timeline_orders_month_only_dates(rows):
    assert [
        (r["agency"], r["date"]) for r in rows("therapy-approval-timeline", therapy="betacel")
    ] == [("FDA", D(2021, 3, 26)), ("PMDA", "2022-01")]


# -- products and companies ---------------------------------------------------------------------


def test_products_by_target(rows):
    cd19 = {
        "target": ID + "target/cd19",
        "targetName": "CD19",
        "targetKind": "antigen",
        "therapy": "Alphacel",
        "inn": "alphacabtagene autoleucel",
        "modality": "CAR-T cell therapy",
        "developers": "CellCo",
        "approvals": 3,
    }
    assert rows("products-by-target") == [
        {
            "target": ID + "target/bcma",
            "targetName": "BCMA",
            "targetKind": "antigen",
            "therapy": "Betacel",
            "inn": "betacabtagene autoleucel",
            "modality": "CAR-T cell therapy",
            "developers": "CellCo Europe",
            "approvals": 2,
        },
        cd19,
        {
            "target": ID + "target/smn1",
            "targetName": "SMN1",
            "targetKind": "gene",
            "therapy": "Genex",
            "inn": "genexogene vector",
            "modality": "AAV gene therapy",
            "developers": "GeneCorp",
            "approvals": 3,
        },
    ]
    assert rows("products-by-target", target="cd19") == [cd19]


def test_company_portfolio_includes_subsidiaries_at_any_depth(rows):
    def row(company, name, therapy, inn, developer, approvals, first):
        return {
            "company": company,
            "companyName": name,
            "therapy": therapy,
            "inn": inn,
            "modality": "CAR-T cell therapy",
            "developedBy": developer,
            "approvals": approvals,
            "firstApproval": first,
        }

    # Alphacel is CellCo's (a subsidiary), Betacel CellCo Europe's (a subsidiary's subsidiary);
    # Genex, only licensed by Big Pharma, is not in its portfolio.
    assert rows("company-portfolio", company="bigpharma") == [
        row(
            BIGPHARMA,
            "Big Pharma",
            "Alphacel",
            "alphacabtagene autoleucel",
            "CellCo",
            3,
            D(2017, 8, 30),
        ),
        row(
            BIGPHARMA,
            "Big Pharma",
            "Betacel",
            "betacabtagene autoleucel",
            "CellCo Europe",
            2,
            D(2021, 3, 26),
        ),
    ]
    assert [r["therapy"] for r in rows("company-portfolio", company="cellco-eu")] == ["Betacel"]
    assert rows("company-portfolio", company="othercorp") == []


def test_company_subsidiaries(rows):
    assert rows("company-subsidiaries", company="bigpharma") == [
        {
            "company": BIGPHARMA,
            "companyName": "Big Pharma",
            "depth": 1,
            "subsidiary": "CellCo",
            "parent": "Big Pharma",
            "since": "2017-10",
        },
        {
            "company": BIGPHARMA,
            "companyName": "Big Pharma",
            "depth": 2,
            "subsidiary": "CellCo Europe",
            "parent": "CellCo",
            "since": "2019",
        },
    ]
    assert rows("company-subsidiaries", company="genecorp") == []


def test_sponsor_ultimate_parent(rows):
    def row(therapy, name, agency, date, sponsor, parent):
        return {
            "therapy": therapy,
            "therapyName": name,
            "agency": agency,
            "date": date,
            "sponsor": sponsor,
            "ultimateParent": parent,
        }

    genex = [
        row(GENEX, "Genex", "FDA", D(2019, 5, 24), "GeneCorp", "GeneCorp"),  # its own parent
        row(GENEX, "Genex", "PMDA", D(2020, 3, 19), "GeneCorp", "GeneCorp"),
        row(GENEX, "Genex", "EMA", D(2020, 5, 18), "GeneCorp", "GeneCorp"),
    ]
    assert rows("sponsor-ultimate-parent") == [
        row(ALPHACEL, "Alphacel", "FDA", D(2017, 8, 30), "CellCo", "Big Pharma"),
        row(ALPHACEL, "Alphacel", "EMA", D(2018, 8, 22), "CellCo Europe", "Big Pharma"),
        row(ALPHACEL, "Alphacel", "FDA", D(2022, 4, 1), "CellCo", "Big Pharma"),
        row(BETACEL, "Betacel", "FDA", D(2021, 3, 26), "CellCo", "Big Pharma"),
        row(BETACEL, "Betacel", "PMDA", "2022-01", "CellCo", "Big Pharma"),
        *genex,
    ]
    assert rows("sponsor-ultimate-parent", therapy="genex") == genex


def test_unapproved_therapies(rows):
    # Every fixture therapy has an approval.
    assert rows("unapproved-therapies") == []
    assert rows("unapproved-therapies", modality="car-t") == []


def test_product_figures(rows):
    price = {
        "therapy": GENEX,
        "metric": LIST_PRICE,
        "therapyName": "Genex",
        "metricName": "list price",
        "valueUSD": Decimal("2125000"),
        "period": "2019",
        "geography": "United States",
        "source": "GeneCorp prices Genex",
    }
    assert rows("product-figures") == [price]
    assert rows("product-figures", therapy="genex", metric="list-price") == [price]
    assert rows("product-figures", metric="sales") == []


# -- deals ---------------------------------------------------------------------------------------

CELLCO_DEAL = {
    "acquirers": "Big Pharma",
    "targets": "CellCo",
    "dealType": "acquisition",
    "date": D(2017, 8, 28),
    "valueUSD": Decimal("11900000000"),
}
GENEX_DEAL = {
    "acquirers": "Big Pharma",
    "targets": "Genex",
    "dealType": "licensing",
    "date": D(2019, 1, 15),
    "valueUSD": Decimal("500000000"),
    "upfrontUSD": Decimal("100000000"),
}
GENECORP_STAKE = {  # dated 2021-06 (xsd:gYearMonth)
    "acquirers": "OtherCorp",
    "targets": "GeneCorp",
    "dealType": "equity stake",
    "date": "2021-06",
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


def test_acquirers_by_deal_value(rows):
    big_pharma = {
        "acquirer": "Big Pharma",
        "deals": 2,
        "disclosedDeals": 2,
        "totalValueUSD": Decimal("12400000000"),
        "largestDealUSD": Decimal("11900000000"),
    }
    assert rows("acquirers-by-deal-value") == [
        big_pharma,
        {
            "acquirer": "OtherCorp",
            "deals": 1,
            "disclosedDeals": 1,
            "totalValueUSD": Decimal("300000000"),
            "largestDealUSD": Decimal("300000000"),
        },
        {  # the collaboration disclosed no value
            "acquirer": "GeneCorp",
            "deals": 1,
            "disclosedDeals": 0,
            "totalValueUSD": Decimal("0"),
        },
    ]
    assert rows("acquirers-by-deal-value", type="licensing") == [
        {
            "type": ID + "deal-type/licensing",
            "acquirer": "Big Pharma",
            "deals": 1,
            "disclosedDeals": 1,
            "totalValueUSD": Decimal("500000000"),
            "largestDealUSD": Decimal("500000000"),
        }
    ]


def test_deals_by_type_year(rows):
    def row(slug, name, year, disclosed, total):
        return {
            "type": ID + "deal-type/" + slug,
            "typeName": name,
            "year": year,
            "deals": 1,
            "disclosedDeals": disclosed,
            "totalValueUSD": Decimal(total),
        }

    acquisitions = [row("acquisition", "acquisition", 2017, 1, "11900000000")]
    assert rows("deals-by-type-year") == [
        *acquisitions,
        row("licensing", "licensing", 2019, 1, "500000000"),
        row("equity-stake", "equity stake", 2021, 1, "300000000"),
        row("collaboration", "collaboration", 2023, 0, "0"),
    ]
    assert rows("deals-by-type-year", type="acquisition") == acquisitions


# -- market figures ------------------------------------------------------------------------------


def test_market_estimates_by_source(rows):
    atmp = {
        "scope": ATMP,
        "scopeName": "advanced therapy medicinal products market",
        "year": 2026,
        "source": REPORT_Y,
        "valueUSD": Decimal("41460000000"),
        "forecastYear": 2031,
        "forecastValueUSD": Decimal("86760000000"),
        "cagrPercent": Decimal("15.91"),
        "cagrFrom": 2026,
        "cagrTo": 2031,
    }
    assert rows("market-estimates-by-source") == [
        {
            "scope": ACT_CANCER,
            "scopeName": "adoptive cell therapy for cancer treatment market",
            "year": 2024,
            "source": REPORT_X,
            "valueUSD": Decimal("14776330000"),
            "forecastYear": 2031,
            "forecastValueUSD": Decimal("29723680000"),
            "cagrPercent": Decimal("10.5"),
            "cagrFrom": 2025,
            "cagrTo": 2031,
        },
        atmp,  # the gene-therapy share is not a market size
    ]
    assert rows("market-estimates-by-source", scope="atmp") == [atmp]


def test_segment_shares(rows):
    share = {
        "scope": ATMP,
        "source": REPORT_Y,
        "segmentation": "ATMP market report: therapy type segmentation",
        "segment": "Gene therapy",
        "year": 2025,
        "sharePercent": Decimal("44.79"),
    }
    assert rows("segment-shares") == [share]
    assert rows("segment-shares", scope="atmp") == [share]
    assert rows("segment-shares", scope="act-cancer") == []


def test_market_factors(rows):
    restraint = {
        "kind": RESTRAINT,
        "kindName": "restraint",
        "factor": "High cost",
        "cagrImpactPercent": Decimal("-1.8"),
        "geographies": "World",
        "timeline": "medium term (two to four years)",
        "source": REPORT_Y,
    }
    assert rows("market-factors") == [
        {
            "kind": DRIVER,
            "kindName": "driver",
            "factor": "Fast-track designations",
            "cagrImpactPercent": Decimal("2.8"),
            "geographies": "European Union; United States",
            "timeline": "short term (two years or less)",
            "source": REPORT_Y,
        },
        restraint,
    ]
    assert rows("market-factors", kind="restraint") == [restraint]


# -- claims and provenance -----------------------------------------------------------------------

ALPHACEL_CLAIM = "Alphacel was first approved in 2019."


def test_contradicted_claims(rows):
    assert rows("contradicted-claims") == [
        {
            "claimingSource": REPORT_Y,
            "statement": ALPHACEL_CLAIM,
            "about": "Alphacel",
            "evidence": "FDA approves Alphacel",
            "evidenceUrl": "https://fda.example/alphacel",
            "note": "FDA approved it on 2017-08-30.",
        }
    ]


def test_claims_by_status(rows):
    unverified = {
        "status": UNVERIFIED,
        "statusName": "unverified",
        "source": REPORT_X,
        "statement": "Genex sales reached USD 1 billion.",
        "about": "Genex",
    }
    assert rows("claims-by-status") == [
        {
            "status": CONTRADICTED,
            "statusName": "contradicted",
            "source": REPORT_Y,
            "statement": ALPHACEL_CLAIM,
            "about": "Alphacel",
            "evidence": "FDA approves Alphacel",
            "note": "FDA approved it on 2017-08-30.",
        },
        {
            "status": SUPPORTED,
            "statusName": "supported",
            "source": REPORT_Y,
            "statement": "Betacel is approved in Japan.",
            "about": "Betacel",
            "evidence": "Deal news roundup",
        },
        unverified,
    ]
    assert rows("claims-by-status", status="unverified") == [unverified]


def test_sources_of_entity(rows):
    fda_a = {
        "source": "FDA approves Alphacel",
        "publisher": "US Food and Drug Administration",
        "issued": D(2017, 8, 30),
        "url": "https://fda.example/alphacel",
    }
    ema_a = {
        "source": "EMA authorises Alphacel",
        "publisher": "European Medicines Agency",
        "issued": D(2018, 8, 22),
        "url": "https://ema.example/alphacel",
    }

    def row(kind, record, link, source):
        return {"entity": ALPHACEL, "recordType": kind, "record": record, "link": link, **source}

    assert rows("sources-of-entity", entity=ALPHACEL) == [
        row("therapy", "Alphacel", "itself", fda_a),
        row("approval", f"Alphacel — EMA 2018-08-22 ({LBCL})", "product", ema_a),
        row("approval", f"Alphacel — FDA 2017-08-30 ({LBCL})", "product", fda_a),
        row("approval", f"Alphacel — FDA 2022-04-01 ({LBCL})", "product", fda_a),
        row(
            "claim",
            ALPHACEL_CLAIM,
            "about",
            {
                "source": REPORT_Y,
                "publisher": "Fixture Research",
                "issued": "2026",
                "url": "https://reports.example/atmp-market",
            },
        ),
        row(
            "development",
            "CellCo presents Alphacel data",
            "about",
            {"source": REPORT_X, "issued": "2025", "url": "https://reports.example/act-market"},
        ),
    ]


def test_sources_of_entity_leaves_out_derived_links(rows):
    found = rows("sources-of-entity", entity=BIGPHARMA)
    links = {(r["recordType"], r["record"], r["link"]) for r in found}
    assert links == {
        ("company", "Big Pharma", "itself"),
        ("company", "CellCo", "subsidiary of"),
        ("deal", "Big Pharma – CellCo (acquisition, 2017)", "acquirer"),
        ("deal", "Big Pharma – Genex (licensing, 2019)", "acquirer"),
    }


# -- the lifecycle of authorisations: the fixture graph plus three events ------------------------

LIFECYCLE = (
    "slug,therapy,agency,event,date,new_holder,source,note\n"
    "alphacel-ema-withdrawn-2023-05-10,alphacel,ema,withdrawn,2023-05-10,,src-ema-a,\n"
    "betacel-pmda-expired-2024-06,betacel,pmda,expired,2024-06,,src-news,\n"
    "genex-fda-holder-transfer-2021-01-15,genex,fda,holder-transfer,2021-01-15,bigpharma,press-genecorp,\n"
)


@pytest.fixture(scope="module")
def lifecycle_rows(fixture_store, tmp_path_factory):
    """Named queries on a copy of the fixture store with the events above imported."""
    import shutil

    from atmpkg.graph import import_files

    folder = tmp_path_factory.mktemp("lifecycle")
    store = folder / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    (folder / "lifecycle.csv").write_text(LIFECYCLE, encoding="utf-8")
    import_files([folder / "lifecycle.csv"], store)

    def run(name: str, **params: str) -> list[dict[str, object]]:
        return run_named(name, params, store=store).dicts()

    return run


def authorised(found) -> list[tuple[str, str, str, int]]:
    return [
        (r["agencyAcronym"], r["therapyName"], r["authorisedSince"], r["approvals"]) for r in found
    ]


def test_authorised_products_on_a_day(lifecycle_rows):
    assert authorised(lifecycle_rows("authorised-products", as_of="2022-06-30")) == [
        ("EMA", "Alphacel", "2018-08-22", 1),
        ("EMA", "Genex", "2020-05-18", 1),
        ("FDA", "Alphacel", "2017-08-30", 2),
        ("FDA", "Betacel", "2021-03-26", 1),
        ("FDA", "Genex", "2019-05-24", 1),
        ("PMDA", "Betacel", "2022-01", 1),
        ("PMDA", "Genex", "2020-03-19", 1),
    ]
    # the withdrawal (2023-05-10) and the expiry (June 2024: from its first day) end them;
    # a holder transfer does not
    assert authorised(lifecycle_rows("authorised-products", as_of="2024-06-01")) == [
        ("EMA", "Genex", "2020-05-18", 1),
        ("FDA", "Alphacel", "2017-08-30", 2),
        ("FDA", "Betacel", "2021-03-26", 1),
        ("FDA", "Genex", "2019-05-24", 1),
        ("PMDA", "Genex", "2020-03-19", 1),
    ]
    assert authorised(lifecycle_rows("authorised-products", agency="ema", as_of="2019-01-01")) == [
        ("EMA", "Alphacel", "2018-08-22", 1)
    ]


def test_authorised_products_today_by_default(lifecycle_rows):
    found = lifecycle_rows("authorised-products", agency="pmda")
    assert authorised(found) == [("PMDA", "Genex", "2020-03-19", 1)]


def test_withdrawn_products(lifecycle_rows):
    found = lifecycle_rows("withdrawn-products")
    assert [
        (r["agencyAcronym"], r["therapyName"], r["ended"], r["how"], r["sources"]) for r in found
    ] == [
        ("EMA", "Alphacel", D(2023, 5, 10), "withdrawn", "EMA authorises Alphacel"),
        ("PMDA", "Betacel", "2024-06", "expired", "Deal news roundup"),
    ]
    assert lifecycle_rows("withdrawn-products", agency="fda") == []

"""Deterministic synthetic graphs in the shape of the ATMP-KG ontology, for scale benchmarks.

``generate(path, triples)`` streams N-Triples to ``path`` until about ``triples`` triples are
written (10 thousand to 10 million and more; memory stays small because only the handful of
identifiers needed for later references are kept). The same ``seed`` and size always give the same
file. The graph holds companies in ownership chains (``atmp:subsidiaryOf``, up to three levels),
therapies (developer, modality, cell source and vector concepts of the ontology, targets), approvals
by the real agencies (``id/agency/fda``, ...) with a mix of ``xsd:date`` and ``xsd:gYearMonth``
dates, sponsors and jurisdictions, lifecycle events ending or changing them, deals with decimal USD
values, indications, sources (title, URL) on every fact node, claims, market estimates, market
factors and product figures, all labelled. Per entity it has the curated graph's densities
(therapies per company, approvals and agencies per product, targets, distinct indications and
lifecycle events per approval, sources per fact, deals, claims: the constants below, measured with
:func:`densities` on the curated build).

It references the ontology's concepts and the curated agencies and geography, so it is meant to be
built together with them: ``build_store(store, triples)`` generates the file and compiles it into a
store with :func:`atmpkg.graph.store.build` (curated data + ontology + this file, inferences and the
zero-row checks; SHACL off, pySHACL is too slow at this size). Every named query returns rows on
such a store. With ``inferred=True`` the file also carries the links the build would derive
(inverse links and ultimate parents), so that it can be queried on its own.

Run by hand::

    python bench/synthetic.py 1000000 -o /tmp/synthetic-1m.nt          # the file only
    python bench/synthetic.py 100000 --build /tmp/atmpkg-synthetic    # file + store
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import logging
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from atmpkg.graph.terms import DATE_DETAILS

ATMP = "https://w3id.org/atmp-kg/ontology#"
ID = "https://w3id.org/atmp-kg/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS_ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
DCT_SOURCE = "<http://purl.org/dc/terms/source>"
DCT_TITLE = "<http://purl.org/dc/terms/title>"
DCT_PUBLISHER = "<http://purl.org/dc/terms/publisher>"
DCT = "http://purl.org/dc/terms/"
SCHEMA_URL = "<https://schema.org/url>"

#: The last day a generated date may fall on (the zero-row check refuses future dates).
LAST_DAY = datetime.date(2025, 12, 31)


def _p(local: str) -> str:
    return f"<{ATMP}{local}>"


def _id(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/{slug}>"


def _esc(text: str) -> str:
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        )
    return text


def _en(text: str) -> str:
    return f'"{_esc(text)}"@en'


def _str(text: str) -> str:
    return f'"{_esc(text)}"'


def _typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _date(day: datetime.date, month_only: bool) -> tuple[str, str, str]:
    """A date as the build writes it: the period's first day, its precision, the date as stated."""
    if month_only:
        stated = _typed(day.isoformat()[:7], "gYearMonth")
        return (
            _typed(day.replace(day=1).isoformat(), "date"),
            _id("date-precision", "month"),
            stated,
        )
    return (
        _typed(day.isoformat(), "date"),
        _id("date-precision", "day"),
        _typed(day.isoformat(), "date"),
    )


def _decimal(value: int) -> str:
    return _typed(str(value), "decimal")


P = {
    name: _p(name)
    for name in (
        "subsidiaryOf parentSince headquarteredIn developedBy modality target cellSource vector "
        "brandName inn codeName targetKind product agency indication date sponsor jurisdiction "
        "pathway approvalType indicationText therapeuticArea meshId acquirer dealTarget dealType "
        "counterparty eventKind newHolder "
        "valueUSD upfrontUSD scope segment geography year forecastYear forecastValueUSD "
        "cagrPercent cagrFrom cagrTo sharePercent factorKind cagrImpactPercent timeline metric "
        "period statement status about evidence sourceKind hasSubsidiary develops approval "
        "ultimateParent"
    ).split()
}
CLASS = {
    name: _p(name)
    for name in (
        "Company Therapy Target Approval Indication Deal Source Claim MarketEstimate "
        "MarketFactor ProductFigure LifecycleEvent"
    ).split()
}

# The real agencies of the curated data: (slug, acronym, jurisdiction, weight, pathways).
AGENCIES = (
    ("fda", "FDA", "country/us", 30, (("standard", 6), ("accelerated-approval", 3))),
    (
        "ema",
        "EMA",
        "region/eu",
        22,
        (
            ("standard", 5),
            ("conditional-marketing-authorisation", 3),
            ("exceptional-circumstances", 1),
        ),
    ),
    ("pmda", "PMDA", "country/jp", 10, (("standard", 6), ("conditional-time-limited", 3))),
    ("nmpa", "NMPA", "country/cn", 10, (("standard", 6), ("conditional-approval", 3))),
    ("mhra", "MHRA", "country/gb", 6, (("standard", 1),)),
    ("health-canada", "HC", "country/ca", 6, (("standard", 1),)),
    ("mfds", "MFDS", "country/kr", 4, (("standard", 6), ("conditional-approval", 2))),
    ("tga", "TGA", "country/au", 4, (("standard", 1),)),
    ("swissmedic", "Swissmedic", "country/ch", 3, (("standard", 1),)),
    ("anvisa", "ANVISA", "country/br", 3, (("standard", 1),)),
    ("cdsco", "CDSCO", "country/in", 2, (("standard", 1), ("emergency-or-special", 1))),
)

# modality: (weight, cell sources, vectors, target kind or None, INN stem, therapeutic areas)
MODALITIES = {
    "car-t": (
        30,
        ("autologous",) * 6 + ("allogeneic",),
        ("lentiviral", "gammaretroviral", "transposon"),
        "antigen",
        "leucel",
        ("oncology",) * 9 + ("immunology",),
    ),
    "tcr-t": (5, ("autologous",), ("lentiviral",), "antigen", "gene autoleucel", ("oncology",)),
    "til": (3, ("autologous",), ("none",), None, "leucel", ("oncology",)),
    "car-nk": (5, ("allogeneic",), ("lentiviral", "mrna"), "antigen", "cel", ("oncology",)),
    "nk-cell": (2, ("allogeneic",), ("none",), None, "cel", ("oncology", "infectious-disease")),
    "dendritic-cell": (2, ("autologous",), ("none",), "antigen", "cel", ("oncology",)),
    "msc": (
        10,
        ("allogeneic", "allogeneic", "autologous"),
        ("none",),
        None,
        "temcel",
        ("immunology", "musculoskeletal", "cardiovascular", "neurology"),
    ),
    "aav-gene-therapy": (
        20,
        (),
        ("aav2", "aav5", "aav9", "aavrh74", "aav-other"),
        "gene",
        "parvovec",
        ("hematology", "neuromuscular", "ophthalmology", "metabolic", "neurology"),
    ),
    "lentiviral-hsc-gene-therapy": (
        7,
        ("autologous",),
        ("lentiviral",),
        "gene",
        "gene autotemcel",
        ("hematology", "metabolic", "immunology", "neurology"),
    ),
    "gene-edited-cell-therapy": (
        6,
        ("autologous", "allogeneic"),
        ("crispr-cas9", "base-editor"),
        "gene",
        "cel",
        ("hematology", "oncology"),
    ),
    "in-vivo-gene-editing": (
        3,
        (),
        ("crispr-cas9", "base-editor"),
        "gene",
        "meran",
        ("metabolic", "cardiovascular"),
    ),
    "oncolytic-virus": (4, (), ("hsv-1", "adenovirus"), None, "repvec", ("oncology",)),
    "tissue-engineered": (
        5,
        ("autologous", "allogeneic"),
        ("none",),
        None,
        "cel",
        ("dermatology", "musculoskeletal", "ophthalmology"),
    ),
}

AREA_WORDS = {
    "oncology": ("lymphoma", "leukaemia", "myeloma", "sarcoma", "carcinoma", "glioma", "melanoma"),
    "hematology": ("anaemia", "haemophilia", "thalassaemia", "cytopenia"),
    "neurology": ("leukodystrophy", "ataxia", "encephalopathy", "neuropathy"),
    "neuromuscular": ("muscular dystrophy", "myopathy", "motor neuron disease"),
    "ophthalmology": ("retinal dystrophy", "retinitis", "optic neuropathy", "keratopathy"),
    "metabolic": ("storage disease", "acidaemia", "deficiency", "amyloidosis"),
    "immunology": ("immunodeficiency", "graft-versus-host disease", "colitis", "fistula"),
    "dermatology": ("epidermolysis", "burn wound", "ulcer"),
    "musculoskeletal": ("cartilage defect", "osteoarthritis", "bone defect"),
    "cardiovascular": ("limb ischaemia", "cardiomyopathy", "heart failure"),
    "infectious-disease": ("viral infection", "virus-associated disease"),
}

DEAL_TYPES = (
    ("acquisition", 25),
    ("licensing", 30),
    ("collaboration", 25),
    ("equity-stake", 10),
    ("asset-purchase", 7),
    ("merger", 3),
)
COUNTRIES = (
    ("us", 40),
    ("gb", 7),
    ("de", 5),
    ("fr", 5),
    ("ch", 4),
    ("cn", 12),
    ("jp", 6),
    ("kr", 4),
    ("nl", 2),
    ("be", 2),
    ("dk", 2),
    ("se", 2),
    ("ca", 3),
    ("au", 2),
    ("es", 2),
    ("it", 2),
)
SEGMENTS = (
    "atmp-therapy-type--cell-therapy",
    "atmp-therapy-type--gene-therapy",
    "atmp-therapy-type--car-t-therapy",
    "atmp-therapy-type--tissue-engineered-product",
    "atmp-cell-source--autologous",
    "atmp-cell-source--allogeneic",
    "atmp-vector-type--viral-vectors",
    "atmp-vector-type--non-viral-vectors",
    "atmp-application--oncology",
    "atmp-application--rare-genetic-disorders",
    "atmp-end-user--hospitals-and-transplant-centers",
    "atmp-manufacturing-platform--ex-vivo-modified",
    "act-application--autologous-act",
    "act-application--allogeneic-act",
)
MARKET_GEOGRAPHY = (
    "region/atmp-north-america",
    "region/atmp-europe",
    "region/atmp-asia-pacific",
    "region/act-north-america",
    "region/act-europe",
    "region/world",
    "country/us",
    "country/cn",
    "country/jp",
    "country/de",
)
ANTIGENS = (
    "CD19 CD22 BCMA GPRC5D CD20 CD30 CD7 CD33 CD70 CLL-1 MAGE-A4 NY-ESO-1 HER2 GD2 "
    "claudin 18.2 mesothelin GPC3 PSMA EGFR B7-H3 ROR1 FLT3 CD123 IL13Ra2"
).split()
GENES = "SMN1 F9 F8 HBB BCL11A RPE65 ABCD1 ARSA DMD GAA GLA PAH CEP290 TTR PCSK9 CFTR".split()

SYLLABLES_A = (
    "Al Bel Cal Dor Ev Fal Gar Hel Ir Jor Kal Lum Mor Nor Or Pel Quin Ral Sol Tor Ul Ver Wen Xan "
    "Yor Zel Ast Bry Cor Dal"
).split()
SYLLABLES_B = "a e i o u ae ia io ea".split()
SYLLABLES_C = (
    "dex gen mun vax cyte ther nova lix tara rion gena vance sana tis cura bion dyne mira sync vita"
).split()
FORMS = (
    "Therapeutics",
    "Bio",
    "Biosciences",
    "Pharma",
    "Cell Therapy",
    "Genetics",
    "Biotherapeutics",
    "Medicines",
)
INN_A = "abe beti cila deci eto fida gala hexa ila jo kavo lisa mavo nera ota pela qui rosa sita tebe".split()
INN_B = "ca ge li mo ne ra si to vu xe".split()
INN_C = "bta dra fla gna kta lta mpa nta rta sta".split()


def _mixed_radix(index: int, *parts: tuple[str, ...]) -> list[str]:
    out = []
    for part in parts:
        index, digit = divmod(index, len(part))
        out.append(part[digit])
    if index:
        out.append(str(index))
    return out


def _slug(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(filter(None, "".join(out).split("-")))


def _curated_names() -> tuple[set[str], set[str]]:
    """Company labels and INNs of the packaged curated data (lower case), to stay clear of them."""
    labels: set[str] = set()
    inns: set[str] = set()
    try:
        folder = resources.files("atmpkg.graph").joinpath("data")
        with folder.joinpath("companies.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                labels.add(row["label"].lower())
        with folder.joinpath("therapies.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                inns.add((row.get("inn") or "").lower())
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return labels, inns


@dataclass
class Synthetic:
    """What :func:`generate` wrote: where, how many triples, instances per class, and examples of
    well-connected entities (slugs) to use as query parameters."""

    path: Path
    seed: int
    target: int
    triples: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


class _Writer:
    """Buffered N-Triples lines; counts what it wrote."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.buf: list[str] = []
        self.count = 0

    def t(self, s: str, p: str, o: str) -> None:
        self.buf.append(f"{s} {p} {o} .\n")
        if len(self.buf) >= 50_000:
            self.flush()

    def flush(self) -> None:
        self.count += len(self.buf)
        self.fh.write("".join(self.buf))
        self.buf.clear()

    @property
    def written(self) -> int:
        return self.count + len(self.buf)


#: About this many triples per company group; sizes the shared pools (targets, market reports).
_PER_GROUP = 230

# Per-entity densities of the curated graph (graph/data), measured with :func:`densities` on its
# build of 7 December 2026; the generator follows them so that a synthetic graph has the curated
# graph's shape at any size. tests/test_bench.py measures both again and compares them.
#: Therapies per company (120 therapies, 201 companies).
THERAPIES_PER_COMPANY = 0.60
#: subsidiaryOf links per company (50 of 201).
SUBSIDIARIES_PER_COMPANY = 0.24
#: Share of the therapies with an approval (113 of 120).
APPROVED_SHARE = 0.94
#: Target links per therapy (45 for 120 therapies).
TARGETS_PER_THERAPY = 0.375
#: Distinct indications approved per approval (76 for 250 approvals).
INDICATIONS_PER_APPROVAL = 0.30
#: Lifecycle events per approval (32 for 250), and their kinds as counted in lifecycle.csv.
EVENTS_PER_APPROVAL = 0.128
EVENT_KINDS = (
    ("withdrawn", 10),
    ("holder-transfer", 7),
    ("marketing-discontinued", 5),
    ("converted-to-standard", 3),
    ("suspended", 3),
    ("expired", 2),
    ("revoked", 1),
    ("not-renewed", 1),
)
#: Sources per sourced fact, by class (dct:source links over the facts of the class that have one).
SOURCES_PER_FACT = {
    "Approval": 3.62,
    "Company": 2.81,
    "Therapy": 3.57,
    "Deal": 2.95,
    "LifecycleEvent": 1.72,
    "ProductFigure": 2.67,
}
#: Deals per company (101 for 201).
DEALS_PER_COMPANY = 0.50
#: Claims about a company (42 for 201 companies) and about a therapy (35 for 120 therapies).
CLAIMS_PER_COMPANY = 0.21
CLAIMS_PER_THERAPY = 0.29


#: The densities :func:`densities` measures: name -> (what it is, numerator, denominator), each a
#: SPARQL group pattern whose solutions are counted. Only stated facts are read (no derived ones),
#: so a synthetic file loaded alone and a built store are measured alike.
DENSITY_PATTERNS = {
    "therapies per company": (
        "therapies over companies",
        "?x a atmp:Therapy",
        "?x a atmp:Company",
    ),
    "subsidiary links per company": (
        "atmp:subsidiaryOf links over companies",
        "?x atmp:subsidiaryOf ?y",
        "?x a atmp:Company",
    ),
    "approved share of therapies": (
        "therapies with an approval over therapies",
        "{ SELECT DISTINCT ?x { ?a a atmp:Approval ; atmp:product ?x } }",
        "?x a atmp:Therapy",
    ),
    "approvals per approved therapy": (
        "approvals over therapies with an approval",
        "?a a atmp:Approval",
        "{ SELECT DISTINCT ?x { ?a a atmp:Approval ; atmp:product ?x } }",
    ),
    "agencies per approved therapy": (
        "distinct therapy and agency of an approval over therapies with an approval",
        "{ SELECT DISTINCT ?x ?g { ?a a atmp:Approval ; atmp:product ?x ; atmp:agency ?g } }",
        "{ SELECT DISTINCT ?x { ?a a atmp:Approval ; atmp:product ?x } }",
    ),
    "targets per therapy": (
        "atmp:target links of therapies over therapies",
        "?x a atmp:Therapy ; atmp:target ?y",
        "?x a atmp:Therapy",
    ),
    "indications per approval": (
        "atmp:indication links of approvals over approvals",
        "?a a atmp:Approval ; atmp:indication ?i",
        "?a a atmp:Approval",
    ),
    "distinct indications per approval": (
        "indications approved (the pool) over approvals",
        "{ SELECT DISTINCT ?i { ?a a atmp:Approval ; atmp:indication ?i } }",
        "?a a atmp:Approval",
    ),
    "lifecycle events per approval": (
        "lifecycle events over approvals",
        "?e a atmp:LifecycleEvent",
        "?a a atmp:Approval",
    ),
    "sources per approval": (
        "dct:source links of approvals over approvals",
        "?a a atmp:Approval ; dct:source ?s",
        "?a a atmp:Approval",
    ),
    "sources per sourced fact": (
        "dct:source links over the approvals, companies, therapies, deals, lifecycle events and "
        "claims with a source",
        "?x a ?c ; dct:source ?s VALUES ?c { atmp:Approval atmp:Company atmp:Therapy atmp:Deal "
        "atmp:LifecycleEvent atmp:Claim }",
        "{ SELECT DISTINCT ?x { ?x a ?c ; dct:source ?s VALUES ?c { atmp:Approval atmp:Company "
        "atmp:Therapy atmp:Deal atmp:LifecycleEvent atmp:Claim } } }",
    ),
    "deals per company": ("deals over companies", "?d a atmp:Deal", "?x a atmp:Company"),
    "claims per company and therapy": (
        "claims over companies and therapies",
        "?c a atmp:Claim",
        "{ ?x a atmp:Company } UNION { ?x a atmp:Therapy }",
    ),
}


def densities(store) -> dict[str, float]:
    """The per-entity densities of ``store`` (a ``pyoxigraph.Store``) named in
    :data:`DENSITY_PATTERNS`, rounded to three decimals; 0.0 where there is nothing to divide by.

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.load(b"<x:c> a <https://w3id.org/atmp-kg/ontology#Company> .", ox.RdfFormat.TURTLE)
    >>> densities(store)["therapies per company"]
    0.0
    """
    prefixes = (
        f"PREFIX atmp: <{ATMP}> PREFIX dct: <{DCT}> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    )

    def count(pattern: str) -> int:
        answer = store.query(prefixes + f"SELECT (COUNT(*) AS ?n) {{ {pattern} }}")
        return int(next(iter(answer))["n"].value)

    out = {}
    for name, (_, numerator, denominator) in DENSITY_PATTERNS.items():
        below = count(denominator)
        out[name] = round(count(numerator) / below, 3) if below else 0.0
    return out


def _rate(mean: float) -> float:
    """The rate of an exponential variate whose integer part has this mean (a geometric count)."""
    return math.log1p(1 / mean)


class _Generator:
    def __init__(self, out: _Writer, seed: int, target: int, inferred: bool) -> None:
        self.w = out
        self.rng = random.Random(seed)
        self.target = target
        self.inferred = inferred
        self.groups = max(1, target // _PER_GROUP)
        self.counts: Counter[str] = Counter()
        self.company_labels, self.inns = _curated_names()
        self.companies: list[str] = []  # IRIs of every company so far (deal targets, sponsors)
        self.company_names: list[str] = []
        self.therapies: list[str] = []  # IRIs of therapies (deal targets)
        self.therapy_names: list[str] = []
        self.therapy_developers: list[str] = []
        self.sources: list[str] = []  # recent sources, reused by later facts
        self.indications_made: list[str] = []
        self.n_source = self.n_therapy = self.n_company = self.n_deal = self.n_claim = 0
        self.n_misc = self.n_inn = 0
        # examples for query parameters
        self.best_group: tuple[int, str] = (0, "")
        self.best_portfolio: tuple[int, str] = (0, "")
        self.best_therapy: tuple[int, str] = (0, "")
        self.target_use: Counter[str] = Counter()
        self.agencies = [a for a in AGENCIES]
        self.agency_weights = [a[3] for a in AGENCIES]
        self.modalities = list(MODALITIES)
        self.modality_weights = [MODALITIES[m][0] for m in self.modalities]
        # a therapy of a modality with targets gets one (a tenth of them a second one) at this
        # chance, which makes the curated number of target links per therapy over all modalities
        with_targets = sum(
            w
            for m, w in zip(self.modalities, self.modality_weights, strict=True)
            if MODALITIES[m][3]
        )
        self.target_chance = TARGETS_PER_THERAPY / (1.1 * with_targets / sum(self.modality_weights))
        self.n_approval = self.n_event = 0

    # helpers ---------------------------------------------------------------------------------
    def pick(self, items, weights=None):
        if weights is None:
            return items[self.rng.randrange(len(items))]
        return self.rng.choices(items, weights)[0]

    def weighted(self, pairs):
        return self.rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]

    def day(self, first: datetime.date, last: datetime.date = LAST_DAY) -> datetime.date:
        span = (last - first).days
        return first + datetime.timedelta(days=self.rng.randrange(max(1, span + 1)))

    def recent_day(self, earliest: int = 1997) -> datetime.date:
        """A day skewed to recent years, as advanced-therapy approvals and deals are."""
        years = min(LAST_DAY.year - earliest, int(abs(self.rng.gauss(0, 6))))
        start = datetime.date(LAST_DAY.year - years, 1, 1)
        return self.day(start, min(LAST_DAY, datetime.date(start.year, 12, 31)))

    def write_date(
        self, node: str, prop: str, day: datetime.date, month_only: bool | None = None
    ) -> str:
        """Write ``node``'s date ``prop`` (a property IRI of ``DATE_DETAILS``) with its precision
        and stated form, a quarter of them month-only; return the stated text."""
        if month_only is None:
            month_only = self.rng.random() < 0.25
        values = _date(day, month_only)
        for pred, value in zip((prop, *DATE_DETAILS[prop]), values, strict=True):
            self.w.t(node, f"<{pred}>", value)
        return values[2].split('"')[1]

    def new_source(self, kind: str, title: str, publisher: str, day: datetime.date) -> str:
        self.n_source += 1
        slug = f"syn-{_slug(title)[:60]}-{self.n_source}"
        node = _id("source", slug)
        issued = min(LAST_DAY, day + datetime.timedelta(days=self.rng.randrange(0, 4)))
        w = self.w
        w.t(node, RDF_TYPE, CLASS["Source"])
        w.t(node, DCT_TITLE, _en(title))
        w.t(node, RDFS_LABEL, _en(title))
        w.t(node, DCT_PUBLISHER, _str(publisher))
        self.write_date(node, DCT + "issued", issued, month_only=False)
        w.t(node, SCHEMA_URL, f"<https://www.example.com/{kind}/{issued.year}/{slug}>")
        w.t(node, P["sourceKind"], _id("source-kind", kind))
        self.counts["Source"] += 1
        self.sources.append(node)
        if len(self.sources) > 500:
            del self.sources[:250]
        return node

    def cite(
        self, node: str, cls: str, kind: str, title: str, publisher: str, day: datetime.date
    ) -> None:
        """Give ``node`` (of class ``cls``) one new source and as many already known ones as make
        the curated number of sources per fact of its class on average."""
        self.w.t(node, DCT_SOURCE, self.new_source(kind, title, publisher, day))
        extra = SOURCES_PER_FACT[cls] - 1
        known = int(extra) + (self.rng.random() < extra - int(extra))
        for source in self.rng.sample(self.sources[:-1], min(known, len(self.sources) - 1)):
            self.w.t(node, DCT_SOURCE, source)

    # shared pools ----------------------------------------------------------------------------
    def pools(self) -> None:
        w = self.w
        scale = max(1.0, math.sqrt(self.groups))
        self.indications: dict[str, list[tuple[str, str]]] = {area: [] for area in AREA_WORDS}
        self.targets: dict[str, list[tuple[str, str]]] = {"antigen": [], "gene": []}
        n_targets = int(min(3000, 20 + 4 * scale))
        for kind, names in (("antigen", ANTIGENS), ("gene", GENES)):
            count = max(len(names), n_targets // 2)
            for i in range(count):
                label = names[i] if i < len(names) else f"SYN{kind[0].upper()}{i}"
                node = _id("target", f"syn-{_slug(label)}")
                w.t(node, RDF_TYPE, CLASS["Target"])
                w.t(node, RDFS_LABEL, _en(label))
                w.t(node, P["targetKind"], _str(kind))
                self.targets[kind].append((node, label))
                self.counts["Target"] += 1
        # market reports: a few per size, each with its own source of kind "report"
        self.reports = []
        for i in range(max(2, int(scale // 4))):
            day = self.day(datetime.date(2018, 1, 1))
            title = f"Synthetic advanced therapy market report {i + 1}"
            self.reports.append(self.new_source("report", title, "Synthetic Market Research", day))

    def indication(self, area: str) -> tuple[str, str]:
        """An indication of ``area`` for an approval: a new one while there are fewer than the
        curated number of distinct indications per approval, else one already approved."""
        pool = self.indications[area]
        if pool and len(self.indications_made) >= INDICATIONS_PER_APPROVAL * (self.n_approval + 1):
            return self.pick(pool)
        w, i = self.w, len(self.indications_made)
        eponym = "".join(_mixed_radix(i, SYLLABLES_A, SYLLABLES_B, SYLLABLES_C)).capitalize()
        label = f"{eponym} {self.pick(AREA_WORDS[area])}"
        node = _id("indication", f"syn-{_slug(label)}")
        w.t(node, RDF_TYPE, CLASS["Indication"])
        w.t(node, RDFS_LABEL, _en(label))
        w.t(node, P["therapeuticArea"], _id("therapeutic-area", area))
        if self.rng.random() < 0.6:
            w.t(node, P["meshId"], _str(f"D{900000 + i:06d}"))
        pool.append((node, label))
        self.indications_made.append(node)
        self.counts["Indication"] += 1
        return node, label

    # entities --------------------------------------------------------------------------------
    def company_label(self) -> str:
        while True:
            i = self.n_company
            self.n_company += 1
            name = "".join(_mixed_radix(i, SYLLABLES_A, SYLLABLES_B, SYLLABLES_C)).capitalize()
            label = f"{name} {FORMS[(i // 7) % len(FORMS)]}"
            if label.lower() not in self.company_labels:
                self.company_labels.add(label.lower())
                return label

    def company(self, parent: str | None, country: str) -> tuple[str, str]:
        w = self.w
        label = self.company_label()
        node = _id("company", f"syn-{_slug(label)}")
        w.t(node, RDF_TYPE, CLASS["Company"])
        w.t(node, RDFS_LABEL, _en(label))
        w.t(node, P["headquarteredIn"], _id("country", country))
        if self.rng.random() < 0.3:
            w.t(node, SKOS_ALT, _str(f"{label} Inc."))
        day = self.day(datetime.date(1995, 1, 1))
        if parent is not None:
            w.t(node, P["subsidiaryOf"], parent)
            if self.rng.random() < 0.7:
                self.write_date(node, ATMP + "parentSince", day)
        self.cite(node, "Company", "company", f"About {label}", label, day)
        self.counts["Company"] += 1
        self.companies.append(node)
        self.company_names.append(label)
        return node, label

    def inn(self, stem: str) -> str:
        while True:
            self.n_inn += 1
            name = "".join(_mixed_radix(self.n_inn * 7 + 3, INN_A, INN_B, INN_C, INN_B)) + stem
            if name.lower() not in self.inns:
                self.inns.add(name.lower())
                return name

    def therapy(self, developer: str, developer_label: str, sponsors: list[str]) -> int:
        w, rng = self.w, self.rng
        modality = self.rng.choices(self.modalities, self.modality_weights)[0]
        _, sources, vectors, target_kind, stem, areas = MODALITIES[modality]
        inn = self.inn(stem)
        self.n_therapy += 1
        code = f"SYN-{self.n_therapy:07d}"
        approved = rng.random() < APPROVED_SHARE
        brand = None
        if approved:
            parts = _mixed_radix(self.n_therapy * 13 + 5, SYLLABLES_A, SYLLABLES_C, SYLLABLES_B)
            brand = "".join(parts).capitalize() + "i"
        label = f"{brand} ({code})" if brand else code
        slug = f"syn-{_slug(label)}"
        node = _id("therapy", slug)
        w.t(node, RDF_TYPE, CLASS["Therapy"])
        w.t(node, RDFS_LABEL, _en(label))
        if brand:
            w.t(node, P["brandName"], _str(brand))
        if rng.random() < 0.85:
            w.t(node, P["inn"], _str(inn))
        w.t(node, P["codeName"], _str(code))
        w.t(node, P["developedBy"], developer)
        if self.inferred:
            w.t(developer, P["develops"], node)
        if rng.random() < 0.08 and self.companies:
            partner = self.pick(self.companies)
            if partner != developer:
                w.t(node, P["developedBy"], partner)
                if self.inferred:
                    w.t(partner, P["develops"], node)
        w.t(node, P["modality"], _id("modality", modality))
        if sources:
            w.t(node, P["cellSource"], _id("cell-source", self.pick(sources)))
        w.t(node, P["vector"], _id("vector", self.pick(vectors)))
        if target_kind and rng.random() < self.target_chance:
            pool = self.targets[target_kind]
            # a few targets are popular (CD19, BCMA, SMN1 ...), the rest share the remainder
            t_node, _ = pool[min(len(pool) - 1, int(rng.paretovariate(1.2)) - 1)]
            w.t(node, P["target"], t_node)
            self.target_use[t_node] += 1
            if rng.random() < 0.1:
                w.t(node, P["target"], self.pick(pool)[0])
        day = self.recent_day()
        publisher = developer_label if rng.random() < 0.5 else "Synthetic Journal of Cell Therapy"
        kind = "company" if publisher == developer_label else "journal"
        self.cite(node, "Therapy", kind, f"{label} pipeline update", publisher, day)
        self.counts["Therapy"] += 1
        self.therapies.append(node)
        self.therapy_names.append(label)
        self.therapy_developers.append(developer)
        if len(self.therapies) > 20000:  # deal targets come from a recent window
            del self.therapies[:10000], self.therapy_names[:10000], self.therapy_developers[:10000]
        n_approvals = self.approvals(node, slug, label, areas, sponsors) if approved else 0
        if n_approvals > self.best_therapy[0]:
            self.best_therapy = (n_approvals, node)
        if rng.random() < CLAIMS_PER_THERAPY:
            self.claim(node, label)
        if approved and rng.random() < 0.05:
            self.figure(node, label, day)
        return 1

    def approvals(
        self, therapy: str, therapy_slug: str, therapy_label: str, areas, sponsors: list[str]
    ) -> int:
        w, rng = self.w, self.rng
        first = self.recent_day(1997)
        n_agencies = min(len(self.agencies), 1 + int(rng.expovariate(0.8)))
        chosen: list[tuple] = []
        while len(chosen) < n_agencies:
            agency = rng.choices(self.agencies, self.agency_weights)[0]
            if agency not in chosen:
                chosen.append(agency)
        area = self.pick(areas)
        main = self.indication(area)
        count = 0
        for position, (slug, acronym, jurisdiction, _, pathways) in enumerate(chosen):
            day = (
                first
                if position == 0
                else self.day(first, min(LAST_DAY, first + datetime.timedelta(days=1500)))
            )
            decisions = [(day, main, "initial")]
            for _ in range(int(rng.expovariate(1.5))):  # label expansions
                later = self.day(day, min(LAST_DAY, day + datetime.timedelta(days=2000)))
                decisions.append((later, self.indication(area), "label-expansion"))
            for when, (ind, ind_label), kind in decisions:
                count += 1
                month_only = rng.random() < 0.25
                text = when.isoformat()[:7] if month_only else when.isoformat()
                node = _id("approval", f"{therapy_slug}-{slug}-{text}-{count}")
                w.t(node, RDF_TYPE, CLASS["Approval"])
                w.t(node, RDFS_LABEL, _en(f"{therapy_label} — {acronym} {text} ({ind_label})"))
                w.t(node, P["product"], therapy)
                if self.inferred:
                    w.t(therapy, P["approval"], node)
                w.t(node, P["agency"], _id("agency", slug))
                w.t(node, P["indication"], ind)
                self.write_date(node, ATMP + "date", when, month_only)
                w.t(node, P["sponsor"], self.pick(sponsors))
                w.t(node, P["jurisdiction"], f"<{ID}{jurisdiction}>")
                if rng.random() < 0.9:
                    w.t(node, P["pathway"], _id("pathway", self.weighted(pathways)))
                w.t(node, P["approvalType"], _id("approval-type", kind))
                w.t(node, P["indicationText"], _str(f"Patients with {ind_label.lower()}"))
                kind_of_source = "regulator" if rng.random() < 0.5 else "company"
                self.cite(
                    node,
                    "Approval",
                    kind_of_source,
                    f"{acronym} approves {therapy_label}",
                    acronym,
                    when,
                )
                self.counts["Approval"] += 1
                self.n_approval += 1
                if rng.random() < EVENTS_PER_APPROVAL and when < LAST_DAY:
                    self.event(therapy, therapy_slug, therapy_label, slug, acronym, when)
        return count

    def event(
        self,
        therapy: str,
        therapy_slug: str,
        therapy_label: str,
        agency: str,
        acronym: str,
        granted: datetime.date,
    ) -> None:
        """A lifecycle event of a curated kind on the authorisation an approval granted, after it."""
        w = self.w
        self.n_event += 1
        kind = self.weighted(EVENT_KINDS)
        when = self.day(granted + datetime.timedelta(days=1))
        node = _id("event", f"{therapy_slug}-{agency}-{kind}-{self.n_event}")
        w.t(node, RDF_TYPE, CLASS["LifecycleEvent"])
        w.t(node, P["product"], therapy)
        w.t(node, P["agency"], _id("agency", agency))
        w.t(node, P["eventKind"], _id("event-kind", kind))
        stated = self.write_date(node, ATMP + "date", when)
        w.t(node, RDFS_LABEL, _en(f"{therapy_label} — {acronym} {kind.replace('-', ' ')} {stated}"))
        if kind == "holder-transfer":
            w.t(node, P["newHolder"], self.pick(self.companies))
        title = f"{acronym}: {therapy_label} {kind.replace('-', ' ')}"
        self.cite(node, "LifecycleEvent", "regulator", title, acronym, when)
        self.counts["LifecycleEvent"] += 1

    def deal(self, acquirer: str, acquirer_label: str) -> None:
        w, rng = self.w, self.rng
        kind = self.weighted(DEAL_TYPES)
        on_therapy = kind in ("licensing", "asset-purchase") or rng.random() < 0.2
        seller = None
        if on_therapy and self.therapies:
            i = rng.randrange(len(self.therapies))
            target, target_label = self.therapies[i], self.therapy_names[i]
            if kind == "asset-purchase":  # a product bought names the company it left
                seller = self.therapy_developers[i]
        else:
            i = rng.randrange(len(self.companies))
            target, target_label = self.companies[i], self.company_names[i]
        if acquirer in (target, seller):
            return
        self.n_deal += 1
        day = self.recent_day(2000)
        node = _id("deal", f"syn-{_slug(acquirer_label)}-{self.n_deal}")
        w.t(node, RDF_TYPE, CLASS["Deal"])
        w.t(node, RDFS_LABEL, _en(f"{acquirer_label} – {target_label} ({kind}, {day.year})"))
        w.t(node, P["acquirer"], acquirer)
        w.t(node, P["dealTarget"], target)
        w.t(node, P["dealType"], _id("deal-type", kind))
        if seller is not None:
            w.t(node, P["counterparty"], seller)
        self.write_date(node, ATMP + "date", day)
        if rng.random() < 0.8:
            value = int(rng.lognormvariate(math.log(250e6), 1.3)) // 1000 * 1000 + 1000
            w.t(node, P["valueUSD"], _decimal(value))
            if rng.random() < 0.35:
                w.t(node, P["upfrontUSD"], _decimal(max(1000, value // rng.randrange(2, 8))))
        title = f"{acquirer_label} and {target_label}: {kind}"
        self.cite(node, "Deal", self.pick(("company", "trade-press")), title, acquirer_label, day)
        self.counts["Deal"] += 1

    def claim(self, about: str, about_label: str) -> None:
        w = self.w
        self.n_claim += 1
        status = self.weighted((("supported", 5), ("contradicted", 2), ("unverified", 3)))
        node = _id("claim", f"syn-claim-{self.n_claim}")
        statement = (
            f"The report states that {about_label} leads its segment (claim {self.n_claim})."
        )
        w.t(node, RDF_TYPE, CLASS["Claim"])
        w.t(node, RDFS_LABEL, _en(statement))
        w.t(node, DCT_SOURCE, self.pick(self.reports))
        w.t(node, P["statement"], _str(statement))
        w.t(node, P["status"], _id("claim-status", status))
        w.t(node, P["about"], about)
        if status != "unverified":
            w.t(node, P["evidence"], self.pick(self.sources))
        self.counts["Claim"] += 1

    def figure(self, therapy: str, label: str, day: datetime.date) -> None:
        w, rng = self.w, self.rng
        self.n_misc += 1
        metric = self.pick(("sales", "list-price"))
        node = _id("figure", f"syn-figure-{self.n_misc}")
        value = int(rng.lognormvariate(math.log(2e6 if metric == "list-price" else 2e8), 0.8))
        w.t(node, RDF_TYPE, CLASS["ProductFigure"])
        w.t(node, RDFS_LABEL, _en(f"{label} {metric} {day.year}"))
        w.t(node, P["product"], therapy)
        w.t(node, P["metric"], _id("metric", metric))
        w.t(node, P["valueUSD"], _decimal(value))
        w.t(node, P["period"], _typed(str(day.year), "gYear"))
        w.t(node, P["geography"], _id("country", "us"))
        self.cite(
            node,
            "ProductFigure",
            "company",
            f"{label} results {day.year}",
            "Synthetic Annual Report",
            day,
        )
        self.counts["ProductFigure"] += 1

    def market(self) -> None:
        """One market estimate and one market factor, sourced to a synthetic market report."""
        w, rng = self.w, self.rng
        self.n_misc += 1
        n = self.n_misc
        report = self.pick(self.reports)
        scope = self.pick(("atmp", "act-cancer", "adoptive-cell-therapy"))
        node = _id("estimate", f"syn-estimate-{n}")
        year = rng.randrange(2019, 2026)
        w.t(node, RDF_TYPE, CLASS["MarketEstimate"])
        w.t(node, P["scope"], _id("market-scope", scope))
        w.t(node, DCT_SOURCE, report)
        w.t(node, P["year"], _typed(str(year), "gYear"))
        if rng.random() < 0.5:
            segment = self.pick(SEGMENTS)
            w.t(node, P["segment"], _id("segment", segment))
            w.t(node, P["sharePercent"], _typed(f"{rng.uniform(2, 60):.1f}", "decimal"))
            label = f"{scope} market: {segment} ({year})"
        else:
            geo = self.pick(MARKET_GEOGRAPHY)
            value = int(rng.lognormvariate(math.log(8e9), 0.6))
            w.t(node, P["geography"], f"<{ID}{geo}>")
            w.t(node, P["valueUSD"], _decimal(value))
            w.t(node, P["forecastYear"], _typed(str(year + 7), "gYear"))
            w.t(node, P["forecastValueUSD"], _decimal(int(value * rng.uniform(1.5, 4))))
            w.t(node, P["cagrFrom"], _typed(str(year + 1), "gYear"))
            w.t(node, P["cagrTo"], _typed(str(year + 7), "gYear"))
            label = f"{scope} market, {geo.split('/')[1]} ({year})"
        w.t(node, P["cagrPercent"], _typed(f"{rng.uniform(5, 30):.1f}", "decimal"))
        w.t(node, RDFS_LABEL, _en(label))
        self.counts["MarketEstimate"] += 1
        factor = _id("factor", f"syn-factor-{n}")
        kind = self.pick(("driver", "restraint", "opportunity"))
        w.t(factor, RDF_TYPE, CLASS["MarketFactor"])
        w.t(factor, RDFS_LABEL, _en(f"Synthetic market {kind} {n}"))
        w.t(factor, P["factorKind"], _id("factor-kind", kind))
        impact = rng.uniform(0.2, 3.0) * (-1 if kind == "restraint" else 1)
        w.t(factor, P["cagrImpactPercent"], _typed(f"{impact:.1f}", "decimal"))
        w.t(factor, P["geography"], f"<{ID}{self.pick(MARKET_GEOGRAPHY)}>")
        w.t(
            factor,
            P["timeline"],
            _id("timeline", self.pick(("short-term", "medium-term", "long-term"))),
        )
        w.t(factor, DCT_SOURCE, report)
        self.counts["MarketFactor"] += 1

    def group(self) -> None:
        """One company group: a parent, subsidiaries up to three levels deep, their therapies,
        approvals and deals."""
        rng = self.rng
        country = self.weighted(COUNTRIES)
        top, top_label = self.company(None, country)
        members = [(top, top_label, 0, top)]  # node, label, depth, direct parent
        n_subs = min(
            12,
            int(rng.expovariate(_rate(SUBSIDIARIES_PER_COMPANY / (1 - SUBSIDIARIES_PER_COMPANY)))),
        )
        for _ in range(n_subs):
            parent, _, depth, _ = self.pick([m for m in members if m[2] < 3])
            node, label = self.company(
                parent, self.weighted(COUNTRIES) if rng.random() < 0.3 else country
            )
            members.append((node, label, depth + 1, parent))
        if self.inferred:
            for node, _, depth, parent in members:
                if depth:
                    self.w.t(parent, P["hasSubsidiary"], node)
                self.w.t(node, P["ultimateParent"], top)
        if len(members) > self.best_group[0]:
            self.best_group = (len(members), top)
        portfolio = 0
        for node, label, depth, parent in members:
            sponsors = [node, node, node, top] + ([parent] if depth else [])
            for _ in range(int(rng.expovariate(_rate(THERAPIES_PER_COMPANY)))):
                portfolio += self.therapy(node, label, sponsors)
        if portfolio > self.best_portfolio[0]:
            self.best_portfolio = (portfolio, top)
        for buyer, buyer_label, _, _ in members:
            for _ in range(int(rng.expovariate(_rate(DEALS_PER_COMPANY)))):
                self.deal(buyer, buyer_label)
            if rng.random() < CLAIMS_PER_COMPANY:
                self.claim(buyer, buyer_label)
        if rng.random() < 0.08:
            self.market()

    def run(self) -> None:
        self.pools()
        for _ in range(3):
            self.market()
        while self.w.written < self.target:
            self.group()

    def examples(self) -> dict[str, str]:
        def slug(node: str) -> str:
            return node[len(ID) + 1 : -1].split("/", 1)[1] if node else ""

        popular_target = self.target_use.most_common(1)[0][0] if self.target_use else ""
        return {
            "company-with-most-subsidiaries": slug(self.best_group[1]),
            "company-with-largest-portfolio": slug(self.best_portfolio[1]),
            "therapy-with-most-approvals": slug(self.best_therapy[1]),
            "most-used-target": slug(popular_target),
        }


def generate(
    path: str | os.PathLike[str], triples: int = 100_000, *, seed: int = 7, inferred: bool = False
) -> Synthetic:
    """Write a synthetic graph of about ``triples`` triples (slightly more: the last company group
    is completed) to ``path`` as N-Triples. Deterministic for a given ``seed`` and size."""
    if triples < 1:
        raise ValueError("triples must be positive")
    started = time.perf_counter()
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        writer = _Writer(fh)
        gen = _Generator(writer, seed, triples, inferred)
        gen.run()
        writer.flush()
    return Synthetic(
        path,
        seed,
        triples,
        writer.count,
        time.perf_counter() - started,
        dict(sorted(gen.counts.items(), key=lambda kv: -kv[1])),
        gen.examples(),
    )


def _packaged_data() -> str:
    """The packaged ``graph/data`` folder, named explicitly: a store built from an explicit
    ``data_dir`` is never found stale and silently rebuilt without the synthetic file."""
    return str(resources.files("atmpkg.graph").joinpath("data"))


def build_store(
    store: str | os.PathLike[str],
    triples: int = 100_000,
    *,
    seed: int = 7,
    path: str | os.PathLike[str] | None = None,
):
    """Generate a synthetic file (``path``, else a temporary file that is removed afterwards) and
    build it into the store at ``store`` with the curated data and the ontology, as
    :func:`atmpkg.graph.store.build` does for any extra file (inferences, zero-row checks; SHACL off).
    Returns ``(Synthetic, BuildReport)``."""
    from atmpkg.graph import build

    temporary = path is None
    if temporary:
        fd, name = tempfile.mkstemp(prefix="atmpkg-synthetic-", suffix=".nt")
        os.close(fd)
        path = name
    try:
        info = generate(path, triples, seed=seed)
        report = build(store, data_dir=_packaged_data(), extra_files=[str(path)], shacl=False)
        return info, report
    finally:
        if temporary:
            Path(path).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("triples", type=int, help="target size in triples, e.g. 1000000")
    parser.add_argument("-o", "--output", help="N-Triples file to write (default: a temp file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--inferred", action="store_true", help="also write the links the build derives"
    )
    parser.add_argument(
        "--build",
        metavar="STORE",
        help="also build the file into this store (its phases are timed on stderr)",
    )
    args = parser.parse_args(argv)
    output = args.output
    if output is None:
        fd, output = tempfile.mkstemp(prefix="atmpkg-synthetic-", suffix=".nt")
        os.close(fd)
    info = generate(output, args.triples, seed=args.seed, inferred=args.inferred)
    print(json.dumps(info.as_dict(), indent=2))
    if args.build:
        from atmpkg.graph import build

        # The build says how long each phase took (load, inferences, checks), as atmpkg build does.
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        started = time.perf_counter()
        report = build(args.build, data_dir=_packaged_data(), extra_files=[output], shacl=False)
        seconds = time.perf_counter() - started
        print(
            f"built {args.build}: {report.triples} triples in {seconds:.1f} s",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()

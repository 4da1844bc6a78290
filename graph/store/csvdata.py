"""Compile the curated CSV files (and researchers' Turtle) into RDF quads.

Each family file has a fixed header (see ``graph/data/README.md``); :data:`FAMILIES` maps every
column to how it becomes RDF. Compilation runs in two passes over all inputs together: the first
collects every record's key so that the second can check each reference, and every error names the
file, line and column with the closest valid names. RDF files are only checked here, in one
streaming pass that keeps their typed subjects; the build then bulk-loads them from disk, so their
triples never become Python objects.

Cells are used exactly as written: a cell with spaces at either end (or around a ``|``), a
number that is not in canonical form (``007``, ``1.50``) or a file that is not UTF-8 is refused with
its file, line and column, so nothing is changed without a word. The engine stores some typed
literals of RDF files in canonical form (``"1.50"^^xsd:decimal`` as ``1.5``, ``xsd:int`` as
``xsd:integer``); :func:`scan_rdf` counts them so that the import can say so.

>>> FAMILIES["developments"].header
('slug', 'date', 'label', 'about', 'source')
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import csv
import dataclasses
import datetime
import decimal
import functools
import inspect
import io
import json
import logging
import mmap
import os
import re
import signal
import time
import urllib.parse
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from ..agency_names import agencies_beside_places, agency_of_place
from ..errors import (
    DataError,
    DataErrors,
    cut,
    indefinite,
    invisible_advice,
    invisible_in,
    retired_told,
    suggest,
    unhidden,
    visibly_same,
)
from ..rdf import DECIMAL_FORM, FLOAT_FORM, WHOLE_FORM, ontology_quads, vocabulary_label
from ..terms import (
    ATMP,
    CLOSED_VOCABULARIES,
    DATE_DETAILS,
    DCT,
    DERIVED_BY,
    ID,
    KINDS,
    NAME_PROPERTIES,
    OWL,
    PREFIXES,
    PROJECT_IRIS,
    RDF,
    RDFS,
    REPLACED_BY,
    SCHEMA,
    SKOS,
    SLUG_RE,
    XSD,
    expand,
    iri,
    named_by,
    shorten,
    split_iri,
    without_brackets,
)

log = logging.getLogger("atmpkg")


@dataclass(frozen=True)
class Col:
    """How one CSV column becomes RDF.

    ``how`` is one of: key, label, text, texts, date (a comparable date with its precision and
    the date as stated), period (a day, month or year as stated), year, decimal, amount (a
    decimal above zero: a deal's value, upfront payment or equity purchase), url, ref, refs,
    anyref, anyrefs (``kind/slug``), concept, concepts, note, retired (the ``kind/slug`` of an
    IRI that no longer names an entity). ``target`` is the kind referenced (``ref``/``refs``; ``geo`` means a
    country or region) or the concept scheme (``concept``/``concepts``).
    """

    name: str
    how: str
    pred: str = ""
    target: str = ""
    required: bool = False


@dataclass(frozen=True)
class Family:
    """One kind of record, stored in one CSV file."""

    name: str
    kind: str
    cls: str
    columns: tuple[Col, ...]

    @property
    def header(self) -> tuple[str, ...]:
        """The names of the family's columns, in file order.

        >>> FAMILIES["targets"].header[:3]
        ('slug', 'label', 'kind')
        """
        return tuple(c.name for c in self.columns)


def _sources(required: bool = True) -> Col:
    return Col("source", "refs", DCT + "source", "source", required)


def _key(required: bool = True) -> Col:
    return Col("slug", "key", required=required)


def _label(required: bool = True) -> Col:
    return Col("label", "label", RDFS + "label", required=required)


_NOTE = Col("note", "note", RDFS + "comment")
_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "sources",
            "source",
            ATMP + "Source",
            (
                _key(),
                Col("title", "label", DCT + "title", required=True),
                Col("publisher", "text", DCT + "publisher"),
                Col("issued", "date", DCT + "issued"),
                Col("url", "url", SCHEMA + "url"),
                Col("kind", "concept", ATMP + "sourceKind", "source-kind", True),
            ),
        ),
        Family(
            "companies",
            "company",
            ATMP + "Company",
            (
                _key(),
                _label(),
                Col("alt_labels", "texts", SKOS + "altLabel"),
                Col("country", "ref", ATMP + "headquarteredIn", "country"),
                Col("parent", "ref", ATMP + "subsidiaryOf", "company"),
                Col("parent_since", "date", ATMP + "parentSince"),
                Col("wikidata", "text", ATMP + "wikidataId"),
                _sources(),
            ),
        ),
        Family(
            "therapies",
            "therapy",
            ATMP + "Therapy",
            (
                _key(),
                _label(),
                Col("brand", "texts", ATMP + "brandName"),
                Col("inn", "text", ATMP + "inn"),
                Col("code_names", "texts", ATMP + "codeName"),
                Col("developer", "refs", ATMP + "developedBy", "company", True),
                Col("modality", "concepts", ATMP + "modality", "modality", True),
                Col("target", "refs", ATMP + "target", "target"),
                Col("cell_source", "concept", ATMP + "cellSource", "cell-source"),
                Col("vector", "concepts", ATMP + "vector", "vector"),
                Col("proper_name", "text", ATMP + "properName"),
                Col("wikidata", "text", ATMP + "wikidataId"),
                _sources(),
            ),
        ),
        Family(
            "targets",
            "target",
            ATMP + "Target",
            (
                _key(),
                _label(),
                Col("kind", "text", ATMP + "targetKind"),
                Col("hgnc_symbol", "text", ATMP + "hgncSymbol"),
                Col("hgnc_id", "text", ATMP + "hgncId"),
                Col("uniprot", "text", ATMP + "uniprotId"),
                Col("wikidata", "text", ATMP + "wikidataId"),
                _sources(False),
            ),
        ),
        Family(
            "indications",
            "indication",
            ATMP + "Indication",
            (
                _key(),
                _label(),
                Col(
                    "therapeutic_area",
                    "concept",
                    ATMP + "therapeuticArea",
                    "therapeutic-area",
                    True,
                ),
                Col("mesh", "text", ATMP + "meshId"),
                Col("mondo", "text", ATMP + "mondoId"),
                Col("wikidata", "text", ATMP + "wikidataId"),
                _sources(False),
            ),
        ),
        Family(
            "agencies",
            "agency",
            ATMP + "RegulatoryAgency",
            (
                _key(),
                _label(),
                Col("acronym", "text", ATMP + "acronym", required=True),
                Col("alt_labels", "texts", SKOS + "altLabel"),
                Col("jurisdiction", "ref", ATMP + "jurisdiction", "geo"),
                Col("wikidata", "text", ATMP + "wikidataId"),
                _sources(),
            ),
        ),
        Family(
            "approvals",
            "approval",
            ATMP + "Approval",
            (
                Col("therapy", "ref", ATMP + "product", "therapy", True),
                Col("agency", "ref", ATMP + "agency", "agency", True),
                Col("date", "date", ATMP + "date", required=True),
                Col("indication", "ref", ATMP + "indication", "indication", True),
                Col("sponsor", "ref", ATMP + "sponsor", "company"),
                Col("jurisdiction", "ref", ATMP + "jurisdiction", "geo"),
                Col("pathway", "concept", ATMP + "pathway", "pathway"),
                Col("approval_type", "concept", ATMP + "approvalType", "approval-type"),
                Col("indication_text", "text", ATMP + "indicationText"),
                Col("brand", "text", ATMP + "authorisedName"),
                Col("bla", "text", ATMP + "blaNumber"),
                Col("eu_procedure", "text", ATMP + "euProcedureNumber"),
                Col("pivotal_trials", "texts", ATMP + "pivotalTrial"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "deals",
            "deal",
            ATMP + "Deal",
            (
                _key(),
                Col("acquirer", "refs", ATMP + "acquirer", "company", True),
                Col("target", "anyrefs", ATMP + "dealTarget", required=True),
                Col("counterparty", "refs", ATMP + "counterparty", "company"),
                Col("deal_type", "concept", ATMP + "dealType", "deal-type", True),
                Col("date", "date", ATMP + "date", required=True),
                Col("value_usd", "amount", ATMP + "valueUSD"),
                Col("upfront_usd", "amount", ATMP + "upfrontUSD"),
                Col("equity_usd", "amount", ATMP + "equityUSD"),
                Col("milestones_usd", "decimal", ATMP + "milestonesUSD"),
                Col("value_original", "text", ATMP + "valueOriginal"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "geography",
            "geo",
            "",
            (
                _key(),
                _label(),
                Col("kind", "geokind", required=True),
                Col("iso", "text", ATMP + "isoCode"),
                Col("part_of", "refs", ATMP + "partOf", "geo"),
                _sources(False),
            ),
        ),
        Family(
            "market_estimates",
            "estimate",
            ATMP + "MarketEstimate",
            (
                _key(),
                Col("scope", "concept", ATMP + "scope", "market-scope", True),
                Col("segment", "concept", ATMP + "segment", "segment"),
                Col("geography", "ref", ATMP + "geography", "geo"),
                Col("year", "year", ATMP + "year"),
                Col("value_usd", "decimal", ATMP + "valueUSD"),
                Col("forecast_year", "year", ATMP + "forecastYear"),
                Col("forecast_value_usd", "decimal", ATMP + "forecastValueUSD"),
                Col("cagr_pct", "decimal", ATMP + "cagrPercent"),
                Col("cagr_from", "year", ATMP + "cagrFrom"),
                Col("cagr_to", "year", ATMP + "cagrTo"),
                Col("share_pct", "decimal", ATMP + "sharePercent"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "market_factors",
            "factor",
            ATMP + "MarketFactor",
            (
                _key(),
                _label(),
                Col("kind", "concept", ATMP + "factorKind", "factor-kind", True),
                Col("cagr_impact_pct", "decimal", ATMP + "cagrImpactPercent"),
                Col("geography", "refs", ATMP + "geography", "geo"),
                Col("timeline", "concept", ATMP + "timeline", "timeline"),
                _sources(),
            ),
        ),
        Family(
            "product_figures",
            "figure",
            ATMP + "ProductFigure",
            (
                _key(),
                Col("therapy", "ref", ATMP + "product", "therapy", True),
                Col("metric", "concept", ATMP + "metric", "metric", True),
                Col("value_usd", "decimal", ATMP + "valueUSD"),
                Col("value_original", "text", ATMP + "valueOriginal"),
                Col("period", "period", ATMP + "period"),
                Col("geography", "ref", ATMP + "geography", "geo"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "programmes",
            "programme",
            ATMP + "Programme",
            (
                _key(),
                _label(),
                Col("kind", "concept", ATMP + "programmeKind", "programme-kind", True),
                Col("agency", "ref", ATMP + "agency", "agency"),
                Col("jurisdiction", "ref", ATMP + "jurisdiction", "geo"),
                Col("start_date", "date", ATMP + "date"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "developments",
            "development",
            ATMP + "Development",
            (
                _key(),
                Col("date", "date", ATMP + "date", required=True),
                _label(),
                Col("about", "anyrefs", ATMP + "about"),
                _sources(),
            ),
        ),
        Family(
            "lifecycle",
            "event",
            ATMP + "LifecycleEvent",
            (
                _key(),
                Col("therapy", "ref", ATMP + "product", "therapy", True),
                Col("agency", "ref", ATMP + "agency", "agency", True),
                Col("event", "concept", ATMP + "eventKind", "event-kind", True),
                Col("date", "date", ATMP + "date", required=True),
                Col("new_holder", "ref", ATMP + "newHolder", "company"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "reviews",
            "review",
            ATMP + "RegulatoryReview",
            (
                _key(),
                Col("therapy", "ref", ATMP + "product", "therapy", True),
                Col("agency", "ref", ATMP + "agency", "agency", True),
                Col("indication", "ref", ATMP + "indication", "indication"),
                Col("sponsor", "ref", ATMP + "sponsor", "company"),
                Col("submission", "concept", ATMP + "submissionType", "submission-type", True),
                Col("accepted_date", "date", ATMP + "acceptedDate"),
                Col("goal_date", "date", ATMP + "goalDate"),
                Col("goal_kind", "concept", ATMP + "goalKind", "goal-kind"),
                Col("outcome", "concept", ATMP + "reviewOutcome", "review-outcome"),
                Col("outcome_date", "date", ATMP + "outcomeDate"),
                _sources(),
                _NOTE,
            ),
        ),
        Family(
            "retired",
            "",
            "",
            (
                Col("iri", "retired", required=True),
                Col("replaced_by", "anyref", REPLACED_BY, required=True),
                Col("note", "note", RDFS + "comment", required=True),
            ),
        ),
        Family(
            "claims",
            "claim",
            ATMP + "Claim",
            (
                _key(),
                _sources(),
                Col("statement", "text", ATMP + "statement", required=True),
                Col("status", "concept", ATMP + "status", "claim-status", True),
                Col("about", "anyrefs", ATMP + "about"),
                Col("evidence", "refs", ATMP + "evidence", "source"),
                _NOTE,
            ),
        ),
    )
}

# [0-9], not \d, which also matches other scripts' digits; fullmatch, as $ also matches before a
# final line feed.
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
#: The longest CSV cell read (Python's csv module stops at 131,072 characters by default). A cell
#: costs about its length in memory, once; longer texts belong in an RDF file, which has no limit.
MAX_CELL_CHARS = 10_000_000
_GEO_KINDS = {"country": ("country", ATMP + "Country"), "region": ("region", ATMP + "Region")}
#: The properties an entity is named by, as ``atmpkg show`` finds it.
_NAME_PREDICATES = frozenset(expand(name) for name in NAME_PROPERTIES.split("|"))
#: The properties that name a concept: what a CSV value of its scheme may be written as.
_CONCEPT_NAMES = frozenset((SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel"))
#: Each family's columns that name its entity (its label first, where it has one), as
#: ``atmpkg show`` finds it: a reference written as a name is offered the slug it names.
_NAME_COLUMNS = {
    name: tuple(c for c in family.columns if c.how == "label" or c.pred in _NAME_PREDICATES)
    for name, family in FAMILIES.items()
}


_PRECISIONS = {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}


def dated(subject: ox.NamedNode, pred: str, text: str) -> list[ox.Quad]:
    """The three facts of a date a source states as ``text`` (``YYYY-MM-DD``, ``YYYY-MM`` or
    ``YYYY``): the comparable xsd:date (the first day of the period), its precision, and the date
    as stated.

    >>> [q.object.value for q in dated(ox.NamedNode("urn:x"), ATMP + "date", "2024-07")]
    ['2024-07-01', 'https://w3id.org/atmp-kg/id/date-precision/month', '2024-07']
    """
    stated = date_literal(text)
    precision = _PRECISIONS[stated.datatype.value]
    first_day = {"day": text, "month": f"{text}-01", "year": f"{text}-01-01"}[precision]
    precision_pred, stated_pred = DATE_DETAILS[pred]
    return [
        ox.Quad(
            subject, ox.NamedNode(pred), ox.Literal(first_day, datatype=ox.NamedNode(XSD + "date"))
        ),
        ox.Quad(
            subject, ox.NamedNode(precision_pred), ox.NamedNode(iri("date-precision", precision))
        ),
        ox.Quad(subject, ox.NamedNode(stated_pred), stated),
    ]


def _date_error(text: str) -> str:
    """What is wrong with ``text`` as a date of the data (see :func:`date_literal`), or ``""``.

    >>> _date_error("2021/05/26")
    "'2021/05/26' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY"
    """
    try:
        date_literal(text)
    except ValueError as exc:
        return str(exc)
    return ""


def date_literal(text: str) -> ox.Literal:
    """``YYYY-MM-DD`` -> xsd:date, ``YYYY-MM`` -> xsd:gYearMonth, ``YYYY`` -> xsd:gYear.

    >>> date_literal("2017-08").datatype.value
    'http://www.w3.org/2001/XMLSchema#gYearMonth'
    """
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(f"'{text}' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = match.groups()
    if int(year) == 0:
        raise ValueError(f"'{text}': there is no year 0000; write the year the source states")
    if month and not 1 <= int(month) <= 12:
        raise ValueError(f"'{text}' has no month {month}")
    if day:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{text}' is no day of the calendar; write the date the source states, or its "
                f"month alone ({year}-{month}) when the day is unsure"
            ) from None
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))
    if month:
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "gYearMonth"))
    return ox.Literal(year, datatype=ox.NamedNode(XSD + "gYear"))


@dataclass(frozen=True)
class Normalised:
    """How many literals of one input the engine stores in another lexical form than the input's
    (its canonical form), with one of them as an example."""

    display: str
    count: int
    example: str

    def __str__(self) -> str:
        return (
            f"{self.display}: {self.count:,} literal(s) are stored in canonical form, e.g. "
            f"{self.example}; queries and exports give the canonical form"
        )


@dataclass(frozen=True)
class RdfFile:
    """An RDF input, to be bulk-loaded from ``path`` in ``format`` from byte ``start`` on (past a
    UTF-8 byte order mark); ``triples`` and ``normalised`` are known once :func:`scan_rdf` has
    read it."""

    path: Path
    display: str
    format: ox.RdfFormat
    triples: int
    start: int = 0
    normalised: Normalised | None = None
    #: how many named graphs the file's quads sit in (their facts go into the default graph)
    graphs: int = 0
    #: the properties the build derives that the file states (an export's, read back): the
    #: build leaves those triples out and derives them again
    derived: tuple[str, ...] = ()
    #: the subjects under the graph's namespace outside its KIND/SLUG form, typed or not
    stray: tuple[str, ...] = ()
    #: the subjects under the graph's namespace, named KIND/SLUG, that the file does not type
    untyped: tuple[str, ...] = ()


@dataclass
class Compiled:
    """The result of compiling inputs: the quads of the CSV rows, the RDF files to load as they
    are, where each subject was written (file:line for CSV rows, the file for RDF), and what the
    engine will store in canonical form."""

    quads: list[ox.Quad] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    rdf_files: list[RdfFile] = field(default_factory=list)
    normalised: list[Normalised] = field(default_factory=list)
    #: the CSV files that hold a header and no row
    empty_csv: list[str] = field(default_factory=list)
    #: what the RDF files state of the properties the build derives, where it derives otherwise
    #: (filled by the build, which left those triples out)
    overridden: list[ox.Triple] = field(default_factory=list)
    #: for each CSV file as shown, the column (number, name) each property is written in (see
    #: :func:`property_columns`): a violation about a row's statement is told at its cell
    columns: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)


@dataclass
class _Row:
    file: str
    line: int
    family: Family
    cells: dict[str, str]
    #: The columns of the row's file: the family's, or fewer (see :func:`fits`).
    header: tuple[str, ...] = ()
    subject: str = ""
    #: The columns the first pass found wrong ("" for an error of the row's that is blamed on an
    #: RDF file): the row is not kept, and the second pass checks its other cells.
    reported: frozenset[str] = frozenset()
    #: Whether the row is of a data folder's file, not of an import.
    curated: bool = False


class _RowRejected(Exception):
    """Stops work on one row after its error was recorded; the next row goes on."""


class _Compiler:
    def __init__(self, ontology: Sequence[ox.Quad]):
        self.ontology = ontology
        self.concepts = concepts_by_scheme(ontology)
        self.errors: list[DataError] = []
        self.keys: dict[str, dict[str, str]] = {k: {} for k in (*KINDS, "geo")}
        self.geo_kind: dict[str, str] = {}
        self.rows: list[_Row] = []
        #: The kinds of which a row's key named no slug: a reference to one of them that names
        #: no known entity may name that row, so it is no error of its own (the key's is said).
        self.unkeyed: set[str] = set()
        self.out = Compiled()
        #: the ontology classes RDF files give each instance IRI, each with the file (path, name
        #: to show) that first does
        self.rdf_types: dict[str, dict[str, tuple[Path, str]]] = {}
        #: the RDF files read whole, read again for the names they give entities only when a
        #: reference needs them (see :meth:`names_of`)
        self.rdf_typing: dict[Path, str] = {}
        #: the names and labels of each kind's entities, once gathered (see :meth:`names_of`)
        self.names: dict[str, tuple[dict[str, set[str]], dict[str, str]]] = {}
        #: every name the rows and RDF files give, by kind: slug, name, whether it is a label
        self.every_name: dict[str, list[tuple[str, str, bool]]] | None = None
        #: what :meth:`misnamed` said of each reference: a wrong value is often on many rows
        self.said: dict[tuple[str, str, str], str] = {}
        #: how many wrong references were likened to the names of their kind (see misnamed)
        self.looked_up = 0
        #: each retired IRI (retired.csv) with the IRI that replaced it, and why
        self.replaced: dict[str, str] = {}
        self.retired_why: dict[str, str] = {}
        #: the subjects each RDF file names KIND/SLUG and does not type (see refuse_untyped)
        self.untyped: list[tuple[Path, str, Sequence[str]]] = []
        #: the imports a removal takes out, which may have typed those subjects
        self.removing: tuple[str, ...] = ()

    # pass 1 ------------------------------------------------------------------------------------
    def read_csv(self, path: Path, display: str, curated: bool = False) -> int:
        """Read one CSV file's rows; how many it holds (blank lines aside). A ``curated`` file,
        of a data folder, is told when its rows are not sorted by their first column, which
        keeps its diffs small; a file of the user's own (an import) may be in any order."""
        text = read_utf8(path, display)
        # The field limit is global to the csv module: set on each read, so that it holds here.
        csv.field_size_limit(MAX_CELL_CHARS)
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = tuple(h.strip() for h in next(reader))
        except StopIteration:
            raise DataError(display, 1, None, "the file is empty; it needs a header row") from None
        except csv.Error as exc:
            raise _csv_error(display, reader.line_num, exc) from None
        # newuser26 F7: a user's file, as a spreadsheet saves it, may hold the columns in any order
        family = family_for(path.stem, header, display, ordered=curated)
        self.out.columns[display] = property_columns(family, header)
        previous_key = ""
        line = reader.line_num
        rows = 0
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise _csv_error(display, reader.line_num, exc) from None
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            if len(cells) != len(header):
                # the row is left out; the rows after it are read and checked all the same
                self.errors.append(
                    DataError(
                        display,
                        start,
                        None,
                        f"row has {len(cells)} cells but the header has {len(header)}; quote "
                        "cells that contain commas",
                    )
                )
                continue
            given = dict(zip(header, cells, strict=True))
            row = _Row(
                display,
                start,
                family,
                {c: given.get(c, "") for c in family.header},
                header,
                curated=curated,
            )
            if not self.register(row):
                continue
            first = row.cells[header[0]]
            if curated and first < previous_key:
                log.warning("%s:%d: rows are not sorted by '%s'", display, start, header[0])
            previous_key = first
        return rows

    def register(self, row: _Row) -> bool:
        """Check the row's cells that need no other row and record its key; every bad cell is
        reported; whether the row is kept. A rejected row's key is still recorded when it is well
        formed, so that the rows naming it are not reported too, and its other cells are checked
        by the second pass: a duplicate slug hid the row's bad date until it was fixed."""
        family = row.family
        cells = row.cells
        reported = len(self.errors)
        for col in family.columns:
            value = cells[col.name]
            if value != value.strip():
                self.note(
                    row,
                    col,
                    f"{_shown(value)} starts or ends with spaces or line breaks; remove them "
                    "(cells are stored exactly as written)",
                )
            elif col.required and not value:
                self.note(row, col, f"'{col.name}' is required and empty")
        if family.name == "retired":
            self.register_retired(row)
        else:
            self.register_key(row, reported)
        row.reported = frozenset(e.column_name for e in self.errors[reported:])
        self.rows.append(row)
        return bool(row.subject) and not row.reported

    def register_key(self, row: _Row, reported: int) -> None:
        """Record the row's key (``reported``: how many errors there were before the row). A key
        cell already reported (spaces around it, empty) is not reported again: spaces aside, its
        slug is recorded; one that names no slug leaves the rows naming it unknowable, so the
        references to its kind are then not checked (:attr:`unkeyed`)."""
        family, cells = row.family, row.cells
        reported_cells = {e.column_name for e in self.errors[reported:]}
        key_columns = family.columns[:4] if family.name == "approvals" else family.columns[:1]
        parts = [cells[col.name].strip() for col in key_columns]
        bad = [
            (c, part) for c, part in zip(key_columns, parts, strict=True) if not SLUG_RE.match(part)
        ]
        dated = _date_error(cells["date"].strip()) if family.name == "approvals" else ""
        if dated:
            # the slug holds a date its own check refuses: the rows naming this approval may name
            # it by the date meant, so none is checked against a slug made from the wrong one
            self.unkeyed.add("approval")
        for col, part in bad:
            # a reference (an approval's therapy, agency, indication) is said by the second pass,
            # which knows every entity's names to offer the slug meant
            if col.name in reported_cells or col.how == "ref":
                continue
            if col.name == "date":  # part of the slug, but a date first
                self.note(row, col, dated)
                continue
            # a name as a spreadsheet writes it ('Alpha Cel') is the near miss of the slug the
            # row defines
            near = re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-")
            hidden = invisible_in(part)
            if hidden:
                hidden = f"; {hidden}"
            hint = ""
            if (
                near
                and SLUG_RE.match(near)
                and not (hidden and visibly_same(part, near, cased=True))
            ):
                hint = f"; did you mean '{near}'?"
            self.note(
                row,
                col,
                f"'{unhidden(part)}' is not a slug (lowercase a-z, 0-9, hyphens){hidden}{hint}",
            )
        kind = "approval" if family.name == "approvals" else family.kind
        if bad:
            self.unkeyed |= {"geo", *_GEO_KINDS} if family.name == "geography" else {kind}
            return
        slug = "-".join(parts)
        if family.name == "geography":
            geo = _GEO_KINDS.get(cells["kind"])
            if geo is None and "kind" not in reported_cells:  # an empty one is said already
                self.note(row, _col(family, "kind"), "kind must be 'country' or 'region'")
            # a bad kind is said; the slug still names the place for the rows naming it
            kind = geo[0] if geo else "country"
            self.geo_kind.setdefault(slug, kind)
            self.keys["geo"].setdefault(slug, f"{row.file}:{row.line}")
        seen = self.keys[kind]
        row.subject = iri(kind, slug)
        typed = self.rdf_types.pop(row.subject, None)
        if typed is not None:
            self.restated(row, family, typed)
        elif slug in seen:
            self.note(row, family.columns[0], f"duplicate {kind} '{slug}' (first at {seen[slug]})")
            return
        seen[slug] = f"{row.file}:{row.line}"

    def register_retired(self, row: _Row) -> None:
        cells = row.cells
        kind, sep, slug = cells["iri"].partition("/")
        if not sep or kind not in KINDS or not SLUG_RE.match(slug):
            self.note(
                row,
                row.family.columns[0],
                f"'{cells['iri']}' must be written kind/slug, e.g. approval/kymriah-fda-2017-08-30-"
                "b-cell-acute-lymphoblastic-leukemia",
            )
            return
        row.subject = iri(kind, slug)
        new_kind, sep, new_slug = cells["replaced_by"].partition("/")
        if sep and new_kind in KINDS and SLUG_RE.match(new_slug):
            self.replaced[row.subject] = iri(new_kind, new_slug)
            self.retired_why[row.subject] = cells["note"].strip()
        seen = self.keys.setdefault("retired", {})
        if row.subject in seen:
            self.note(
                row,
                row.family.columns[0],
                f"'{cells['iri']}' is retired twice (first at {seen[row.subject]})",
            )
            return
        seen[row.subject] = f"{row.file}:{row.line}"

    def restated(self, row: _Row, family: Family, typed: dict[str, tuple[Path, str]]) -> None:
        """Accept an RDF file's ``rdf:type`` of the IRI ``row`` defines when it is the row's own
        class (the same triple, merged as RDF merges); blame the file and its line for another
        class of the ontology's."""
        cls = family.cls or _GEO_KINDS[row.cells["kind"]][1]
        kind = family.kind if family.cls else row.cells["kind"]
        for other, (path, display) in sorted(typed.items()):
            if other == cls:
                continue
            self.errors.append(
                DataError(
                    display,
                    line_naming(path, (row.subject, RDF + "type", other)),
                    None,
                    f"{shorten(row.subject)} is typed {shorten(other)}, but {row.file}:{row.line} "
                    f"defines it as a {kind} ({shorten(cls)}); give your entity an IRI of its "
                    "own, or leave the type out to add facts to this one",
                )
            )

    def add_rdf_subjects(
        self,
        subjects: Iterable[tuple[str, str]],
        path: Path,
        display: str,
        stray: Iterable[str] = (),
        untyped: Sequence[str] = (),
    ) -> None:
        """Keep the entities an RDF file types (``subjects``: IRI and class), and refuse those
        and the ``stray`` subjects under the graph's namespace outside its KIND/SLUG form; the
        ``untyped`` subjects it names KIND/SLUG are checked once every input is read (see
        :meth:`refuse_untyped`)."""
        misplaced: dict[str, None] = {}  # in file order, once however many classes it is given
        self.rdf_typing.setdefault(path, display)
        if untyped:
            self.untyped.append((path, display, untyped))
        for subject, cls in subjects:
            if cls.startswith(ATMP):
                self.rdf_types.setdefault(subject, {}).setdefault(cls, (path, display))
            self.out.locations.setdefault(subject, display)
            parts = split_iri(subject)
            if parts is None or parts[0] not in KINDS or not SLUG_RE.match(parts[1]):
                misplaced[subject] = None
                continue
            if parts and parts[0] in self.keys:
                self.keys[parts[0]].setdefault(parts[1], display)
                if parts[0] in ("country", "region"):
                    self.keys["geo"].setdefault(parts[1], display)
                    self.geo_kind.setdefault(parts[1], parts[0])
        misplaced.update(dict.fromkeys(stray))
        if misplaced:
            self.errors += _misplaced_entities(list(misplaced), path, display)

    def refuse_untyped(self, ontology_subjects: frozenset[str]) -> None:
        """Refuse the subjects that RDF files name ``KIND/SLUG`` and type nowhere, unless they
        are an entity of the data, of an input or of the ontology (its concepts): facts given an
        entity typed elsewhere add to it. A retired IRI is typed nowhere, and its facts would add
        to nothing any door shows (newuser28 F1): each is refused at its line, with the IRI that
        replaced it. A kind whose rows' keys are unknowable (:attr:`unkeyed`) is not judged: a
        subject may be one of those rows."""
        retired = self.keys.get("retired", {})
        for path, display, subjects in self.untyped:
            unknown = [
                subject
                for subject in subjects
                if (parts := split_iri(subject))[0] not in self.unkeyed
                and parts[1] not in self.keys[parts[0]]
                and subject not in ontology_subjects
                and subject not in retired
            ]
            if unknown:
                self.errors += _untyped_entities(unknown, path, display, self.removing)
            replaced = {s: self.replaced[s] for s in subjects if s in self.replaced}
            if replaced:
                given = _given_facts(path, display, replaced)
                replaced = {s: new for s, new in replaced.items() if s in given}
            if replaced:
                self.errors += _retired_subjects(replaced, path, display)

    # pass 2 ------------------------------------------------------------------------------------
    def emit_all(self) -> Compiled:
        for row in self.rows:
            try:
                self.emit(row)
            except _RowRejected:
                continue
        self.raise_errors()
        return self.out

    def raise_errors(self) -> None:
        # in the order of the files and their lines, as an editor walks them, not of the passes
        self.errors.sort(key=lambda e: (e.file, e.line or 0, e.column or 0))
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DataErrors(self.errors)

    def emit(self, row: _Row) -> None:
        family, reported = row.family, row.reported
        # a row the first pass rejected only has its other cells checked: its quads are dropped
        rejected = not row.subject or bool(reported)
        if not rejected and family.name == "approvals" and row.subject in self.replaced:
            if not row.curated:
                # the build makes the row's IRI: "give it another IRI", as the check tells an
                # RDF subject, cannot be followed from a CSV (newuser29 F2); the packaged data's
                # row is left to the check, which says to edit retired.csv
                self.note(row, _col(family, "date"), self.retired_approval(row))
                rejected = True
        kept: list[ox.Quad] = [] if rejected else self.out.quads
        add = kept.append
        subject = ox.NamedNode(row.subject or ID)
        if not rejected:
            self.out.locations[row.subject] = f"{row.file}:{row.line}"
            if family.name == "retired":
                # No class: a retired IRI names nothing any more; it only says what replaced it.
                add(ox.Quad(subject, ox.NamedNode(OWL + "deprecated"), _TRUE))
            else:
                cls = family.cls or _GEO_KINDS[row.cells["kind"]][1]
                add(ox.Quad(subject, ox.NamedNode(RDF + "type"), ox.NamedNode(cls)))
        for col in family.columns:  # every bad cell of the row is reported
            value = row.cells.get(col.name, "")
            if not value or col.how in ("key", "geokind", "retired") or col.name in reported:
                continue
            try:
                if col.how == "date":
                    try:
                        kept.extend(dated(subject, col.pred, value))
                    except ValueError as exc:
                        self.fail(row, col, str(exc))
                    continue
                for obj in self.objects(row, col, value):
                    add(ox.Quad(subject, ox.NamedNode(col.pred), obj))
            except _RowRejected:
                rejected = True
                continue
            if col.how == "label" and col.pred != RDFS + "label":
                add(
                    ox.Quad(subject, ox.NamedNode(RDFS + "label"), ox.Literal(value, language="en"))
                )
        if rejected:
            raise _RowRejected

    def objects(self, row: _Row, col: Col, value: str) -> list[ox.NamedNode | ox.Literal]:
        many = col.how in ("texts", "refs", "anyrefs", "concepts")
        values = value.split("|") if many else [value]
        if any(not v.strip() for v in values):
            self.fail(row, col, "empty value between '|' separators")
        if any(v != v.strip() for v in values):
            self.fail(row, col, f"spaces around '|' in {_shown(value)}; write a|b")
        try:
            terms = [self.term(row, col, v) for v in values]
        except ValueError as exc:
            self.fail(row, col, str(exc))
        return [t for t in terms if t is not None]

    def term(self, row: _Row, col: Col, value: str) -> ox.NamedNode | ox.Literal | None:
        """The RDF term of one ``value`` of ``col``; None for a reference that may name a row
        whose key is unknowable (:attr:`unkeyed`)."""
        how = col.how
        if how == "label":
            return ox.Literal(value, language="en")
        if how in ("text", "texts", "note"):
            return ox.Literal(value)
        if how == "period":
            return date_literal(value)
        if how == "year":
            if not re.fullmatch(r"[0-9]{4}", value):
                raise ValueError(f"'{value}' is not a year (YYYY)")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        if how in ("decimal", "amount"):
            if not _DECIMAL.fullmatch(value):
                raise ValueError(f"'{value}' is not a number; write digits only, e.g. 11900000000")
            # with the other values' errors, where the zero-row check found it a run later
            if how == "amount" and decimal.Decimal(value) <= 0:
                raise ValueError(
                    f"'{value}' is no amount a deal is worth: a deal's value, upfront payment and "
                    "equity purchase are above zero; write the amount the source states, or leave "
                    "the cell empty"
                )
            canonical = canonical_decimal(value)
            if canonical != value:
                raise ValueError(
                    f"'{value}' would be stored as {canonical}; write {canonical} (numbers are "
                    "stored in canonical form: no leading zeros, no trailing zeros after the point)"
                )
            literal = ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
            if not engine_holds(literal):
                raise ValueError(f"'{value}': {number_beyond(literal)}")
            return literal
        if how == "url":
            if not re.match(r"^https?://[^\s<>\"]+$", value):
                raise ValueError(f"'{value}' is not an http(s) URL")
            return ox.NamedNode(value)
        if how in ("concept", "concepts"):
            if value not in self.concepts.get(col.target, set()):
                raise ValueError(self.misvalued(col.target, value))
            return ox.NamedNode(iri(col.target, value))
        if how in ("ref", "refs"):
            found = self.reference(col.target, value)
            return None if found is None else ox.NamedNode(found)
        if how in ("anyref", "anyrefs"):
            kind, sep, slug = value.partition("/")
            if not sep or kind not in self.keys:
                raise ValueError(self.kindless(value))
            found = self.reference(kind, slug, f"{kind}/")
            return None if found is None else ox.NamedNode(found)
        raise AssertionError(how)

    def reference(self, kind: str, slug: str, written: str = "") -> str | None:
        """The IRI of the entity of ``kind`` that ``slug`` names; None when it may name a row
        whose key is unknowable (:attr:`unkeyed`); a ``ValueError`` saying which slug is meant
        (written after ``written``) when it names none."""
        known = self.keys[kind]
        if slug in known:
            return iri(self.geo_kind[slug], slug) if kind == "geo" else iri(kind, slug)
        if kind in self.unkeyed and SLUG_RE.match(slug):
            return None
        new = self.replaced.get(iri(kind, slug)) if kind in KINDS and SLUG_RE.match(slug) else None
        if new is not None:
            new_kind, new_slug = split_iri(new)
            # a column of one kind takes the slug alone, one of any kind its kind/slug
            shown = f"{new_kind}/{new_slug}" if written else new_slug
            raise ValueError(
                retired_told(f"{kind}:{slug}", shorten(new))
                + (f"; write '{shown}'" if written or new_kind == kind else "")
            )
        said = self.said.get((kind, slug, written))
        if said is None:
            said = self.said[kind, slug, written] = self.misnamed(kind, slug, written)
        raise ValueError(said)

    def misnamed(self, kind: str, text: str, written: str) -> str:
        """What to say of ``text``, a reference to an entity of ``kind`` that is no slug of one:
        the slug of the entity it names by a name (its label, alternative label, brand,
        acronym…), else the slugs of those whose names or slugs come closest; never a slug that
        names nothing (a name turned into a slug, 'b-cell-all' for 'B-cell ALL', was offered)."""
        noun = "country or region" if kind == "geo" else kind
        slugged = bool(SLUG_RE.match(text))
        # the cell as written, its kind/ included (newuser28 F3: 'company/kite-pharma\u200b' was
        # quoted 'kite-pharma' and offered 'company/kite-pharma'), its invisible characters named
        said = (
            f"unknown {noun} '{cut(text)}'"
            if slugged
            else f"'{unhidden(cut(written + text))}' is not a slug (lowercase a-z, 0-9, hyphens)"
        )
        hidden = invisible_in(text)
        if hidden:
            said += f"; {hidden}"
        # each is likened to every name of its kind: past the first few, a file of thousands of
        # wrong references is given only the names they are (sec23 M4: 8,000 took 302 s)
        self.looked_up += 1
        slugs, exact = self.meant(kind, text, near=self.looked_up <= _MOST_SUGGESTED)
        if hidden:  # a slug that shows as the text written says nothing the character does not
            slugs = [slug for slug in slugs if not visibly_same(text, slug, cased=True)]
            if not slugs:
                return said
        if exact and len(slugs) == 1:
            one = slugs[0]
            of = self.geo_kind.get(one, noun) if kind == "geo" else kind
            labelled = self.labelled(kind, one, text, exact)
            return f"{said}; write '{written}{one}' for the {of} it names{labelled}"
        other = None if exact else self.of_another_kind(kind, text)
        if other and written == f"{kind}/":  # a column of any kind's entities
            of, one = other
            return f"{said}; write '{of}/{one}' for the {of} it names"
        if other:
            of, one = other
            named = f"is {indefinite(of)}," if one == text else f"names {indefinite(of)} ('{one}'),"
            said += f": '{cut(text)}' {named} not {indefinite(noun)}"
        if slugs:
            offered = ", ".join(
                f"'{written}{slug}'{self.labelled(kind, slug, text, exact)}" for slug in slugs
            )
            said += f"; did you mean {offered}?"
            return said + (" Add it to its file first." if slugged else "")
        if slugged:
            return f"{said}. Add it to its file first."
        if other:
            return f"{said}; write the slug of {indefinite(noun)}, or add it to its file first"
        return f"{said}, and names no {noun}: write the slug of one, or add it to its file first"

    def kindless(self, text: str) -> str:
        """What to say of ``text`` in a column that takes any kind's entities (a deal's target, a
        claim's subjects) written without its kind: the ``kind/slug`` of the entity it is the slug
        or a name of, as a reference of one kind is given its slug (newuser26 F6: 'kymriah' was
        told only to write kind/slug); those of each kind when several kinds have it."""
        said = f"'{unhidden(cut(text))}' must be written kind/slug, e.g. company/kite-pharma"
        if invisible_in(text):
            return f"{said}; {invisible_in(text)}"
        self.looked_up += 1
        if self.looked_up > _MOST_SUGGESTED:
            return said
        found = []
        for kind in KINDS:
            if kind in self.concepts:  # a concept is no entity such a column names
                continue
            if text in self.keys[kind]:
                found.append((kind, text))
            elif kind != "source":  # a source by its slug alone
                named = named_by(self.names_of(kind)[0], text, self.unbracketed(kind))
                found += [(kind, slug) for slug in sorted(named)]
        if len(found) == 1:
            kind, slug = found[0]
            return f"{said}; write '{kind}/{slug}' for the {kind} it names"
        if found:
            offered = ", ".join(f"'{kind}/{slug}'" for kind, slug in found)
            return f"{said}; did you mean {offered}?"
        return said

    def misvalued(self, scheme: str, text: str) -> str:
        """What to say of ``text``, a value of a column of the concepts of ``scheme`` that is no
        slug of one: the slug of the concept it names by a label, as a reference is given the
        entity's (newuser23 F8: 'CAR-T cell therapy', as ``atmpkg show`` prints the modality, was
        offered 'other-cell-therapy'), else those whose slugs or labels come closest."""
        said = f"unknown {scheme} value '{cut(text)}'"
        slugs, exact = self.meant(scheme, text)
        if exact and len(slugs) == 1:
            one = slugs[0]
            noun = scheme.replace("-", " ")
            labelled = self.labelled(scheme, one, text, exact)
            return f"{said}; write '{one}' for the {noun} it names{labelled}"
        if slugs:
            offered = ", ".join(
                f"'{slug}'{self.labelled(scheme, slug, text, exact)}" for slug in slugs
            )
            return f"{said}; did you mean {offered}?"
        # with no near miss, what the column takes (joints29 F6): a short list in the message,
        # a long one where it is listed
        accepted = sorted(self.concepts.get(scheme, ()))
        if len(accepted) <= _MOST_LISTED:
            return f"{said}; write one of {', '.join(accepted)}"
        return (
            f"{said}; write one of the {len(accepted)} {scheme} values listed under Controlled "
            "values in graph/data/README.md"
        )

    def labelled(self, kind: str, slug: str, text: str, exact: bool) -> str:
        """The label of the entity or concept of ``kind`` that ``slug`` names, in brackets to
        follow it, unless it is ``text``, the text written, or, for a near miss (not ``exact``),
        only capitalises the slug (joints23 F6: 'Novartis AG' was given 'novartis' alone, and
        'Large B-cell lymphoma' its own text back)."""
        label = self.names_of(kind)[1][slug]
        said_already = label.lower() == text.lower() or (not exact and label.lower() == slug)
        return f" ({cut(label)})" if label and not said_already else ""

    def of_another_kind(self, kind: str, text: str) -> tuple[str, str] | None:
        """The kind and slug of the entity of another kind than ``kind`` that ``text`` is the slug
        or a name of (a source by its slug alone), the first such kind in :data:`KINDS` order."""
        near = set(_GEO_KINDS) | {"geo"} if kind == "geo" else {kind}
        for other in KINDS:
            # a concept is no entity a reference may name: 'modality/car-t' is no deal's target
            if other in near or other in self.concepts:
                continue
            if text in self.keys[other]:
                return other, text
            if other != "source":
                found = named_by(self.names_of(other)[0], text, self.unbracketed(other))
                if len(found) == 1:
                    return other, next(iter(found))
        return None

    def meant(self, kind: str, text: str, near: bool = True) -> tuple[list[str], bool]:
        """The slugs of the entities of ``kind`` that ``text`` names, as ``atmpkg show`` reads a
        name (an agency also beside its jurisdiction's: "US FDA", "Japan PMDA"), with True; else,
        with ``near``, the closest (at most five, the closer first) with False: an agency's named beside a place not its own ("UKFDA"), those whose name ``text``
        writes with initials ('B-cell ALL'), then those whose names or slugs are near it."""
        names, labels = self.names_of(kind)
        found = named_by(names, text, self.unbracketed(kind))
        if not found and text.lower() in labels:  # a slug typed in capitals
            found = {text.lower()}
        if not found and kind == "agency":  # "US FDA", as `atmpkg show` reads it (newuser25 F10)
            found = {agency} if (agency := agency_of_place(text, self.agencies())) else set()
        if found:
            return sorted(found), True
        if not near:
            return [], False
        # an agency beside a place not its own first, as `atmpkg show` offers it ("UKFDA": fda)
        near = agencies_beside_places(text, self.agencies()) if kind == "agency" else []
        if _CAPITALS.search(text):
            near += [
                slug for name, slugs in names.items() if _spelt_out(text, name) for slug in slugs
            ]
        # a source is offered by its slug alone: its title is a headline no one types (and
        # likening a text to thousands of them took as long again as to the slugs)
        choices = sorted(labels) + ([] if kind == "source" else sorted(names))
        for choice in suggest(text, choices, 20):
            near += sorted(names.get(choice, set()) | ({choice} if choice in labels else set()))
        return list(dict.fromkeys(near))[:5], False

    @functools.cache  # noqa: B019 - one compiler per build, whose names are kept while it runs
    def agencies(self) -> dict[str, tuple[list[str], list[str]]]:
        """Each agency's slug with its names and the names of the jurisdiction its row gives
        (ISO code included), as :func:`agency_of_place` reads them."""
        names: dict[str, list[str]] = {}
        for name, slugs in self.names_of("agency")[0].items():
            for slug in slugs:
                names.setdefault(slug, []).append(name)
        places: dict[str, list[str]] = {}
        for name, slugs in self.names_of("geo")[0].items():
            for slug in slugs:
                places.setdefault(slug, []).append(name)
        where = {
            row.subject.rsplit("/", 1)[1]: row.cells.get("jurisdiction", "")
            for row in self.rows
            if row.family.name == "agencies" and row.subject
        }
        return {slug: (named, places.get(where.get(slug, ""), [])) for slug, named in names.items()}

    @functools.cache  # noqa: B019 - one compiler per build, whose names are kept while it runs
    def unbracketed(self, kind: str) -> dict[str, set[str]]:
        """The names of :meth:`names_of` ``kind`` without what they add in brackets."""
        return without_brackets(self.names_of(kind)[0])

    def names_of(self, kind: str) -> tuple[dict[str, set[str]], dict[str, str]]:
        """Each name (lower-cased) of the entities of ``kind`` with the slugs it names, and every
        slug of ``kind`` with its label ("" for none): from the CSV rows and the RDF files, which
        are read again for them, once for every kind (rev22 F3: once per kind asked for).
        Gathered when an error first needs them, so that a build without one pays nothing. A
        concept scheme's are its concepts' labels in the ontology (see :func:`concept_names`)."""
        if kind in self.names:
            return self.names[kind]
        if kind in self.concepts:
            self.names.update(concept_names(self.ontology))
            return self.names[kind]
        if self.every_name is None:
            self.every_name = {}

            def keep(of: str, slug: str, name: str, label: bool) -> None:
                if name:
                    self.every_name.setdefault(of, []).append((slug, name, label))

            for row in self.rows:
                if not row.subject:
                    continue
                of, _, slug = row.subject[len(ID) :].partition("/")
                for col in _NAME_COLUMNS[row.family.name]:
                    value = row.cells[col.name].strip()
                    for name in value.split("|") if col.how == "texts" else [value]:
                        keep(of, slug, name.strip(), col.how == "label")
            for path, display in self.rdf_typing.items():
                for named in _rdf_names(path, display):
                    keep(*named)
        labels = dict.fromkeys(self.keys[kind], "")
        names: dict[str, set[str]] = {}
        for of in set(_GEO_KINDS) if kind == "geo" else {kind}:
            for slug, name, label in self.every_name.get(of, ()):
                if slug in labels:
                    names.setdefault(name.lower(), set()).add(slug)
                    # a source's title is a headline, too long to show beside its slug
                    if label and not labels[slug] and of != "source":
                        labels[slug] = name
        self.names[kind] = names, labels
        return names, labels

    def retired_approval(self, row: _Row) -> str:
        """What to say of an imported approval ``row`` whose IRI, made of its therapy, agency,
        date and indication, is a retired one: which approval replaced it, dated how and why,
        and the row of claims.csv's layout that records the row's date as a claim about that
        approval, which an import keeps (newuser29 F2)."""
        cells = {name: value.strip() for name, value in row.cells.items()}
        new = self.replaced[row.subject]
        new_slug = split_iri(new)[1]
        head = f"{cells['therapy']}-{cells['agency']}-"
        tail = f"-{cells['indication']}"
        dated = ""
        if new_slug.startswith(head) and new_slug.endswith(tail):
            date = new_slug[len(head) : -len(tail)]
            precision = {4: "year", 7: "month", 10: "day"}.get(len(date))
            if precision:
                dated = f", dated to the {precision} ({date})"
        why = self.retired_why.get(row.subject, "")
        claim = io.StringIO()
        csv.writer(claim, lineterminator="").writerow(
            [
                split_iri(row.subject)[1],
                cells["source"],
                f"The approval of {cells['therapy']} by {cells['agency']} for "
                f"{cells['indication']} is dated {cells['date']}.",
                "unverified",
                f"approval/{new_slug}",
                "",
                cells["note"],
            ]
        )
        return (
            f"the approval this row makes, {shorten(row.subject)} (its IRI is made by the build "
            f"of therapy, agency, date and indication), is retired: the graph holds it as "
            f"{shorten(new)}{dated}" + (f", since {why}" if why else "") + ". To keep your "
            "record of its date, import it as a claim about that approval, in a file with the "
            "header of claims.csv (slug,source,statement,status,about,evidence,note) and your "
            f"sources: {claim.getvalue()}"
        )

    def note(self, row: _Row, col: Col, message: str) -> None:
        index = row.header.index(col.name) + 1 if col.name in row.header else None
        self.errors.append(DataError(row.file, row.line, index, message, column_name=col.name))

    def fail(self, row: _Row, col: Col, message: str):
        self.note(row, col, message)
        raise _RowRejected


@functools.lru_cache(maxsize=4)
def _prefixed_lines(path: Path, _mtime_ns: int) -> tuple[dict[str, str], list[str]]:
    """The prefixes a file declares and its lines, read once for all the violations blamed on it
    (the modification time keys the cache, so that an edited file is read again)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    declared = dict(re.findall(r"(?im)^\s*@?prefix\s+([^\s:]*):\s*<([^>]*)>", text))
    return declared, text.splitlines()


def line_naming(path: Path, statement: tuple[str, str, str]) -> int | None:
    """The line of ``path`` that states ``statement`` (subject, property, object; ``""`` for any
    object), each term written as ``<iri>`` or with a prefix the file declares. What is looked
    for is the object, or for any object the property: on a line that begins with the subject;
    else in the description the subject begins (Turtle's ``;`` lists, up to the ``.`` that ends
    it); else the line that begins that description; else a line that names the subject too;
    else the first line that names it.

    >>> lines = ["@prefix t: <urn:t#> .", "t:a t:p 1 ;", "  t:q t:b .", "t:b t:q 2 ."]
    >>> _ = Path("mine.ttl").write_text("\\n".join(lines))
    >>> line_naming(Path("mine.ttl"), ("urn:t#a", "urn:t#q", ""))
    3
    >>> line_naming(Path("mine.ttl"), ("urn:t#b", "", "urn:t#b"))
    4
    """
    declared, lines = _prefixed_lines(path, path.stat().st_mtime_ns)

    def names(iri: str) -> list[str]:
        short = [f"{p}:{iri[len(ns) :]}" for p, ns in declared.items() if iri.startswith(ns)]
        return [f"<{iri}>", *short]

    subject, predicate, obj = statement
    named, own = names(obj) if obj else names(predicate), names(subject)
    begins = re.compile("(?:" + "|".join(re.escape(name) for name in own) + r")(?=[\s;,]|$)")
    starts = [n for n, line in enumerate(lines) if begins.match(line.lstrip())]

    def naming(line: str, *groups: list[str]) -> bool:
        return all(any(name in line for name in group) for group in groups)

    for start in starts:
        if naming(lines[start], named):
            return start + 1
    for start in starts:
        for number in range(start + 1, len(lines)):
            if naming(lines[number], named):
                return number + 1
            if lines[number].rstrip().endswith(".") or begins.match(lines[number].lstrip()):
                break
    if starts:
        return starts[0] + 1
    for groups in ([own, named], [named]):
        for number, line in enumerate(lines, 1):
            if naming(line, *groups):
                return number
    return None


def property_columns(family: Family, header: Sequence[str]) -> dict[str, tuple[int, str]]:
    """The column of a file of ``family`` with ``header`` that each property of its rows is
    written in, as its number (from 1, in the file's order) and name: where a zero-row check's
    statement about a row is told. A label column that is not ``rdfs:label`` also gives the
    row's ``rdfs:label``, and a date column its precision and the date as stated.

    >>> property_columns(FAMILIES["sources"], ("slug", "url", "title"))[SCHEMA + "url"]
    (2, 'url')
    >>> property_columns(FAMILIES["sources"], ("slug", "url", "title"))[RDFS + "label"]
    (3, 'title')
    """
    columns: dict[str, tuple[int, str]] = {}
    for col in family.columns:
        if col.pred and col.name in header:
            cell = (header.index(col.name) + 1, col.name)
            columns[col.pred] = cell
            made = (RDFS + "label",) if col.how == "label" else ()
            for pred in made + (DATE_DETAILS[col.pred] if col.how == "date" else ()):
                columns.setdefault(pred, cell)
    return columns


def _col(family: Family, name: str) -> Col:
    return next(c for c in family.columns if c.name == name)


def _shown(value: str) -> str:
    """A cell's value for an error message: quoted, escaped, and cut when long."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


#: The most words a name may have to be matched against a text with initials: the matching
#: recurses once per word.
_MOST_NAME_WORDS = 40
#: A word of capitals, which may be a name's initials ('ALL' in 'B-cell ALL').
_CAPITALS = re.compile(r"(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z])")


def _spelt_out(text: str, name: str) -> bool:
    """Whether ``text`` writes ``name`` with initials for some of its words: a word of capitals
    stands for as many words of the name, by their first letters (words part at spaces and
    hyphens); the other words are the name's, in any case.

    >>> _spelt_out("B-cell ALL", "B-cell acute lymphoblastic leukemia")
    True
    >>> _spelt_out("SMA", "spinal muscular atrophy"), _spelt_out("SMA", "spinal atrophy")
    (True, False)
    >>> _spelt_out("AA " * 20 + "Q", "aa " * 40)  # each pair of words tried once
    False
    """
    if len(text) > 2 * len(name):  # initials only shorten a name; a long text is no name's
        return False
    words = re.split(r"[\s-]+", text.strip())
    named = re.split(r"[\s-]+", name.strip().lower())
    if len(named) > _MOST_NAME_WORDS:  # a name of so many words is no one's to write in initials
        return False

    # each (word, name word) pair once: a word both written and spelt out branches (rev22 F4:
    # 'AA AA … Q' took 16 s against a name of 48 words)
    @functools.cache
    def fits(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(named)
        word = words[i]
        if j < len(named) and word.lower() == named[j] and fits(i + 1, j + 1):
            return True
        n = len(word)
        return (
            n > 1
            and word.isalpha()
            and word.isupper()
            and "".join(w[:1] for w in named[j : j + n]) == word.lower()
            and fits(i + 1, j + n)
        )

    return fits(0, 0)


def _rdf_names(path: Path, display: str) -> Iterator[tuple[str, str, str, bool]]:
    """The names an RDF file gives entities of the graph: each as its kind, slug, the name and
    whether it is a label (``rdfs:label``, ``skos:prefLabel``)."""
    rdf_file = rdf_input(path, display)
    labels = {RDFS + "label", SKOS + "prefLabel"}
    with open(path, "rb") as handle:
        handle.seek(rdf_file.start)
        for quad in ox.parse(handle, format=rdf_file.format):
            subject, obj, pred = quad.subject, quad.object, quad.predicate.value
            if (
                pred in _NAME_PREDICATES
                and isinstance(obj, ox.Literal)
                and isinstance(subject, ox.NamedNode)
                and subject.value.startswith(ID)
            ):
                of, _, slug = subject.value[len(ID) :].partition("/")
                yield of, slug, obj.value, pred in labels


def canonical_decimal(text: str) -> str:
    """The canonical form of a decimal number written ``-?[0-9]+(.[0-9]+)?``, as the engine stores it.

    >>> canonical_decimal("007"), canonical_decimal("1.50"), canonical_decimal("-0.0")
    ('7', '1.5', '0')
    """
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
    sign = "-" if negative and (whole != "0" or fraction) else ""
    return sign + whole + ("." + fraction if fraction else "")


def read_utf8(path: Path, display: str) -> str:
    """The text of a UTF-8 file, without a byte order mark. A file in another encoding raises
    :class:`DataError` at the line and column of the first byte that is not UTF-8.

    >>> _ = Path("latin.csv").write_bytes(b"slug,label\\ncafe,caf\\xe9\\n")
    >>> read_utf8(Path("latin.csv"), "latin.csv")
    Traceback (most recent call last):
    atmpkg.graph.errors.DataError: latin.csv:2:9: byte 0xe9 is not UTF-8 text (the file ...
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(display, None, None, f"cannot read the file: {exc.strerror}") from None
    return decode_utf8(raw, display)


#: The first bytes of the files an analyst may give under a text file's name, with what they are.
_NOT_TEXT = (
    (b"PK\x03\x04", "a zip archive (an Excel workbook, .xlsx, is one)"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Office document (an Excel 97-2003 workbook, .xls)",
    ),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed (decompress it first)"),
)
#: An HTML page's start, past blank lines and comments (a browser's "Save page as" writes
#: ``<!-- saved from url=… -->`` first): a web page saved in place of the file it shows (a GitHub
#: page of a file, say). An RDF/XML file starts with ``<?xml`` or an RDF element instead. The
#: comments are one span, from the first ``<!--`` to a ``-->``, which is what a run of them is:
#: a repeated comment, ``(?:<!--.*?-->\s*)*``, could split k empty comments 2^k ways and tried
#: each before it failed (sec27 F1: 40 of them, 280 bytes, hung validate and query --file).
_HTML = re.compile(
    rb"\s*(?:<!--.*-->\s*)?<(?:!doctype\s+html|html)(?:[\s>]|\Z)", re.IGNORECASE | re.DOTALL
)
#: How many of a file's first bytes tell its kind: a signature, UTF-16's NUL bytes, or an HTML
#: page's first element after the blank lines and comments a page may start with.
KIND_BYTES = 1024


def _utf16(head: bytes) -> bool:
    """Whether the first bytes of a file, ``head``, are UTF-16 text: by its byte order mark, or
    without one by NUL bytes in one parity of places (:func:`_nuls_in_one_parity`), two at least
    and one pair in sixteen (how UTF-16 writes the ASCII a data file's syntax needs: line ends,
    commas, prefixes), that read as UTF-16 text in that byte order (:func:`_reads_as_utf16`: a stray NUL in UTF-8 text, or
    two in a short Latin-1 file, is not taken for it).

    >>> _utf16("# 奕凯达 キムリア 킴리아 CAR-T\\n".encode("utf-16-le"))
    True
    >>> _utf16("slug,label\\nkymriah,奕凯达\\n".encode()), _utf16(b"slug,label\\nx,caf\\xe9 \\0o\\0k\\n")
    (False, False)
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    # rev25 F3: a first line in CJK script has no NUL byte, so the first KIND_BYTES are looked
    # at, not the first characters, and a NUL in every other place is not asked for
    sample = head[: min(len(head), KIND_BYTES) // 2 * 2]
    encoding = _nuls_in_one_parity(sample, max(2, len(sample) // 32))
    return encoding is not None and _reads_as_utf16(sample, encoding)


def _nuls_in_one_parity(sample: bytes, least: int) -> str | None:
    """The UTF-16 byte order whose high bytes hold ``least`` NUL bytes or more of ``sample``, its
    low bytes eight times fewer at most (how UTF-16 writes ASCII, and a few characters U+xx00:
    一, U+4E00, or a lone surrogate U+D800), or None.

    >>> _nuls_in_one_parity("a,b\\n".encode("utf-16-be"), 2), _nuls_in_one_parity(b"a\\0\\0b", 1)
    ('utf-16-be', None)
    >>> _nuls_in_one_parity("一 a,b,c,d,e,f,g\\n".encode("utf-16-le"), 2)
    'utf-16-le'
    """
    for nuls, other, encoding in (
        (sample[1::2], sample[0::2], "utf-16-le"),
        (sample[0::2], sample[1::2], "utf-16-be"),
    ):
        # sec28 F2: a NUL in the low bytes (一, a surrogate cut from its pair) had a UTF-16 file
        # told to delete it; UTF-32 writes as many there as in the high bytes
        if nuls.count(0) >= least and other.count(0) * 8 <= nuls.count(0):
            return encoding
    return None


def _reads_as_utf16(sample: bytes, encoding: str) -> bool:
    """Whether ``sample``, whose NULs sit in one parity of places, reads as UTF-16 text in the
    byte order ``encoding`` as a real UTF-16 file does, and bytes of another encoding with a few
    stray NULs do not (an audit: two NULs in a Latin-1 file got it named UTF-16): it decodes (a
    character cut at the end aside), nine in ten of its characters or more are printable, line
    breaks or tabs, and fewer than half of its characters are two ASCII bytes outside the kana
    block, as single-byte text read two bytes at a time is ('sl' as U+6C73): real text writes its
    ASCII with NULs, which count among its characters, and kana, U+3000-U+30FF, are two ASCII
    bytes often (は U+306F) but Latin-1 text only where a '0' falls in the high byte.

    >>> _reads_as_utf16("# はじめに\\nASK {}\\n".encode("utf-16-le"), "utf-16-le")
    True
    >>> _reads_as_utf16(b"slug,label\\n\\0kymriah,Caf\\xe9 x\\n\\0", "utf-16-le")
    False
    """
    # a lone surrogate (a Windows tool's emoji cut in half, sec28 F2) is read, as a character
    # neither printable nor wide: a few do not make UTF-16 text another, many make it no text
    text = codecs.getincrementaldecoder(encoding)("surrogatepass").decode(sample)
    printable = sum(char.isprintable() or char in "\t\r\n" for char in text)
    if not text or printable * 10 < len(text) * 9:
        return False
    # rev28b F1: counted among the wide characters alone, a heading in hiragana ('# はじめに'
    # before a query) was more than half two ASCII bytes and taken for Latin-1
    ascii_pairs = sum(
        0x20 <= (code := ord(char)) >> 8 <= 0x7E
        and code >> 8 != 0x30
        and (0x20 <= code & 0xFF <= 0x7E or code & 0xFF in (9, 10, 13))
        for char in text
    )
    return ascii_pairs * 2 < len(text)


#: How many of a file's first bytes tell UTF-16 text by its NUL bytes once the file failed as
#: UTF-8 text: past a first line in CJK script as long as a paragraph.
FAILED_KIND_BYTES = 1 << 16


def _utf16_once_failed(head: bytes) -> bool:
    """Whether the first bytes of a file, ``head``, that failed as UTF-8 text (a byte that is no
    UTF-8, or a NUL where the parser wants text) are UTF-16 text without its byte order mark, by a
    weaker sign than :func:`_utf16` asks of every file: NUL bytes in one parity of places
    (:func:`_nuls_in_one_parity`), two at least, in bytes that are no UTF-8 and read as UTF-16 text in that byte order
    (:func:`_reads_as_utf16`), a line break among them (rev26 F7: a first line of 500 CJK
    characters leaves two NULs in the first :data:`KIND_BYTES`, fewer than one pair in sixteen).
    A stray NUL in UTF-8 text, or two in Latin-1 text, is not taken for it: read as UTF-16,
    neither reads as text.

    >>> cjk = "# " + "日本語" * 200 + "\\n@prefix atmp: <urn:x:> .\\n"
    >>> _utf16(cjk.encode("utf-16-le")), _utf16_once_failed(cjk.encode("utf-16-le"))
    (False, True)
    >>> _utf16_once_failed(cjk.encode("utf-16-be")), _utf16_once_failed(b"a\\0b\\0" + cjk.encode())
    (True, False)
    """
    sample = head[:FAILED_KIND_BYTES]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)  # a character cut at the end reads
        return False
    except UnicodeDecodeError:
        pass
    encoding = _nuls_in_one_parity(sample, 2)
    if encoding is None or not _reads_as_utf16(sample, encoding):
        return False
    return "\n" in codecs.getincrementaldecoder(encoding)("surrogatepass").decode(sample)


def _wide_text(display: str, wide: str) -> DataError:
    """The error for a file named ``display`` that is ``wide`` (UTF-16, UTF-32) text."""
    spreadsheet = " (in a spreadsheet: 'CSV UTF-8')" if display.lower().endswith(".csv") else ""
    return DataError(display, 1, 1, f"the file is {wide} text; save it as UTF-8{spreadsheet}")


def _utf32(head: bytes) -> bool:
    """Whether the first bytes of a file, ``head``, are UTF-32 text: by its byte order mark
    (the little-endian one begins as UTF-16's), or without one by a NUL byte in the highest
    place of every four, two at least, that read as UTF-32 in that byte order (a stray NUL in
    UTF-8 text is not taken for it).

    >>> _utf32("@prefix ex: <urn:x:> .\\n".encode("utf-32-le")), _utf32(b"\\0\\0\\xfe\\xff")
    (True, True)
    >>> _utf32("slug\\n".encode("utf-16-le")), _utf32(b"a,b\\0")
    (False, False)
    """
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return True
    sample = head[: min(len(head), KIND_BYTES) // 4 * 4]
    for highest, encoding in ((sample[3::4], "utf-32-le"), (sample[0::4], "utf-32-be")):
        if len(highest) >= 2 and not highest.strip(b"\0"):
            try:
                sample.decode(encoding)
            except UnicodeDecodeError:
                continue
            return True
    return False


def check_text(head: bytes, display: str, rdf_format: ox.RdfFormat | None = None) -> None:
    """Refuse a file whose first bytes, ``head`` (past a UTF-8 byte order mark), say it is not
    the UTF-8 text given: UTF-16 by its byte order mark or its NUL bytes, a workbook, PDF or
    compressed file by its signature, a web page by its opening ``<!DOCTYPE html`` or
    ``<html``. A file named as RDF of ``rdf_format`` is told which text its extension promises.

    >>> check_text(b"%PDF-1.7\\n", "report.ttl", ox.RdfFormat.TURTLE)
    Traceback (most recent call last):
    atmpkg.graph.errors.DataError: report.ttl: the file is a PDF document, not Turtle text as its extension .ttl says; give the Turtle file itself (UTF-8 text)
    >>> check_text("slug,label\\n".encode("utf-16-le"), "deals.csv")
    Traceback (most recent call last):
    atmpkg.graph.errors.DataError: deals.csv:1:1: the file is UTF-16 text; save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')
    >>> check_text(b"\\n<!DOCTYPE html>\\n<html>", "page.ttl", ox.RdfFormat.TURTLE)
    Traceback (most recent call last):
    atmpkg.graph.errors.DataError: page.ttl: the file is an HTML page (a web page saved in place of the file?), not Turtle text as its extension .ttl says; download the file itself (on GitHub: its 'Raw' button), not the page that shows it
    """
    spreadsheet = " (in a spreadsheet: 'CSV UTF-8')" if display.lower().endswith(".csv") else ""
    # newuser25 F2: UTF-16 without a byte order mark got the parser's complaint; sec26 F3:
    # UTF-32 too, quoting a NUL. UTF-32 first: its little-endian mark begins as UTF-16's.
    wide = "UTF-32" if _utf32(head) else "UTF-16" if _utf16(head) else None
    if wide:
        raise _wide_text(display, wide)
    # a file of another kind under a text file's name (newuser23 F21: a workbook saved as
    # deals.csv was called Latin-1 text; newuser24 F2: a PDF saved as .ttl was told it wrote an
    # RDF 1.2 triple term), known by the signature its first bytes are
    promised = (
        ""
        if rdf_format is None
        else f", not {rdf_format.name} text as its extension {Path(display).suffix} says"
    )
    # newuser25 F1: a GitHub page of a Turtle file, saved as page.ttl, got the parser's "Invalid
    # IRI code point"
    if _HTML.match(head):
        raise DataError(
            display,
            None,
            None,
            "the file is an HTML page (a web page saved in place of the file?)"
            f"{promised}; download the file itself (on GitHub: its 'Raw' button), not the page "
            "that shows it",
        )
    kind = next((kind for signature, kind in _NOT_TEXT if head.startswith(signature)), None)
    if kind is None:
        return
    if rdf_format is None:
        raise DataError(
            display, None, None, f"the file is {kind}, not text; save it as UTF-8 text{spreadsheet}"
        )
    raise DataError(
        display,
        None,
        None,
        f"the file is {kind}{promised}; give the {rdf_format.name} file itself (UTF-8 text)",
    )


def decode_utf8(raw: bytes, display: str) -> str:
    """The text of the bytes of a UTF-8 file named ``display``, without a byte order mark; other
    bytes raise :class:`DataError` at the line and column of the first that is not UTF-8 (a
    UTF-16 file is named as one, by its byte order mark or its NUL bytes).

    >>> decode_utf8(b'SELECT * { BIND("caf\\xe9" AS ?x) }', "latin.rq")
    Traceback (most recent call last):
    atmpkg.graph.errors.DataError: latin.rq:1:21: byte 0xe9 is not UTF-8 text (the file is in another encoding, perhaps Latin-1 or Windows-1252); save it as UTF-8
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    spreadsheet = " (in a spreadsheet: 'CSV UTF-8')" if display.lower().endswith(".csv") else ""
    # the kind is told by the first bytes, as an RDF file's is (sec27 F1: the whole text was read)
    check_text(raw[:KIND_BYTES], display)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _utf16_once_failed(raw):  # rev26 F7: a header in CJK script hid the NULs
            raise _wide_text(display, "UTF-16") from None
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise DataError(
            display,
            raw.count(b"\n", 0, exc.start) + 1,
            column,
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 text (the file is in another encoding, "
            f"perhaps Latin-1 or Windows-1252); save it as UTF-8{spreadsheet}",
        ) from None


def _csv_error(display: str, line: int, exc: csv.Error) -> DataError:
    """A csv module error as a :class:`DataError` that says what to do."""
    if "field larger than field limit" in str(exc):
        return DataError(
            display,
            line,
            None,
            f"a cell is longer than {MAX_CELL_CHARS:,} characters; put long texts in an RDF file "
            "(.ttl), which has no such limit",
        )
    return DataError(display, line, None, f"malformed CSV: {exc}")


def fits(family: Family, header: Sequence[str], ordered: bool = True) -> bool:
    """Whether a file with ``header`` holds records of ``family``: its columns, each once and, when
    ``ordered``, in their order, every required one present, optional ones left out as the file
    pleases (a file written before a column was added still reads).

    >>> fits(FAMILIES["targets"], ("slug", "label", "kind"))
    True
    >>> fits(FAMILIES["targets"], ("label", "slug")), fits(FAMILIES["targets"], ("label", "slug"), ordered=False)
    (False, True)
    """
    if ordered:
        columns = iter(family.header)
        if not all(any(h == c for c in columns) for h in header):
            return False
    elif len(set(header)) < len(header) or not set(header) <= set(family.header):
        return False
    return all(c.name in header for c in family.columns if c.required or c.how == "key")


def _nearest_family(header: Sequence[str]) -> Family | None:
    """The one family that holds most of ``header``'s columns, when it holds at least two thirds
    of them: a file of that family with a column missing or misspelt (newuser18 L4).

    >>> _nearest_family(("slug", "acquirer", "target", "deal_type", "value_usd", "source")).name
    'deals'
    >>> _nearest_family(("slug", "label")) is None
    True
    """
    shared = {name: len(set(header) & set(f.header)) for name, f in FAMILIES.items()}
    best = max(shared.values())
    nearest = [name for name, count in shared.items() if count == best]
    if len(nearest) != 1 or 3 * best < 2 * len(set(header)):
        return None
    return FAMILIES[nearest[0]]


def _unnamed_columns(width: int, unnamed: list[int]) -> str:
    """What to do about the header's columns without a name (numbered from 1, ``width`` in all).

    >>> _unnamed_columns(5, [4, 5])
    "the header ends in 2 columns without a name (a spreadsheet's leftovers, typed in and cleared): delete them"
    >>> _unnamed_columns(2, [1, 2])
    'the first line is empty: the header, the names of the columns, goes there'
    >>> _unnamed_columns(5, [2])
    'column 2 of the header has no name: give it the name of its column in graph/data/README.md, or delete it'
    """
    if len(unnamed) == width:
        return "the first line is empty: the header, the names of the columns, goes there"
    if unnamed == list(range(width - len(unnamed) + 1, width + 1)):
        # a spreadsheet saves the columns a user typed in and cleared as columns without a name
        count = "1 column" if len(unnamed) == 1 else f"{len(unnamed)} columns"
        return (
            f"the header ends in {count} without a name (a spreadsheet's leftovers, typed in and "
            "cleared): delete them"
        )
    return (
        f"column {unnamed[0]} of the header has no name: give it the name of its column in "
        "graph/data/README.md, or delete it"
    )


#: The names of the data families' columns, all lower case.
_COLUMN_NAMES = frozenset(name for family in FAMILIES.values() for name in family.header)


def family_for(stem: str, header: Sequence[str], display: str, ordered: bool = True) -> Family:
    """The family a CSV belongs to: by file name when it is a family name, else the one family
    whose columns its header has (see :func:`fits`), in the family's order when ``ordered`` (a
    data folder's files, kept so for clean diffs), in any order otherwise (a user's import, as a
    spreadsheet saves it).

    >>> family_for("my_news", ("slug", "date", "label", "about", "source"), "x.csv").name
    'developments'
    """
    # every family has several columns: one header cell holding ";" or a tab is a file a
    # spreadsheet saved with another separator (";" where the decimal mark is a comma)
    separator = next((c for c in (";", "\t") if len(header) == 1 and c in header[0]), None)
    if separator is not None:
        raise DataError(
            display,
            1,
            None,
            f"the columns are separated by {'a tab' if separator == chr(9) else repr(separator)}, "
            "not by commas; save the file as CSV with commas (in a spreadsheet: CSV UTF-8, comma "
            "delimited)",
        )
    if header and header[0].strip().lower().startswith("sep="):
        raise DataError(
            display,
            1,
            None,
            f"the first line, {','.join(header)!r}, tells a spreadsheet which separator the file "
            "uses; delete it: the header, the names of the columns, goes on the first line",
        )
    unnamed = [i for i, name in enumerate(header, 1) if not name.strip()]
    if unnamed:
        raise DataError(display, 1, unnamed[0], _unnamed_columns(len(header), unnamed))
    # a column name written with capitals, as a spreadsheet user may (Slug, Label), is read as
    # the column it names, so that the error says what to write (newuser24 F14)
    written, header = header, tuple(h.lower() if h.lower() in _COLUMN_NAMES else h for h in header)
    capitals = [i for i, (w, h) in enumerate(zip(written, header, strict=True), 1) if w != h]
    case = "column names are lower case"
    family = FAMILIES.get(stem)
    if family is None:
        matching = [f for f in FAMILIES.values() if f.header == tuple(header)]
        matching = matching or [f for f in FAMILIES.values() if fits(f, header, ordered)]
        # else the family whose columns it is nearest, so that the error says what is missing
        family = matching[0] if len(matching) == 1 else _nearest_family(header)
        if family is None:
            raise DataError(
                display,
                1,
                None,
                "the header matches no data family; name the file after one ("
                + ", ".join(f"{n}.csv" for n in FAMILIES)
                + ") and use its columns as listed in graph/data/README.md",
            )
    if capitals and fits(family, header, ordered):
        raise DataError(display, 1, capitals[0], f"{case}: write the header as {','.join(header)}")
    if not fits(family, header, ordered):
        missing = [
            c.name
            for c in family.columns
            if (c.required or c.how == "key") and c.name not in header
        ]
        extra = [h for h in header if h not in family.header]
        detail = [f"{case}: " + ", ".join(header[i - 1] for i in capitals)] if capitals else []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if extra:
            detail.append("unexpected " + ", ".join(extra))
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:
            detail.append("column " + ", ".join(twice) + " given twice")
        if not detail:
            detail.append("columns out of order")
        raise DataError(
            display,
            1,
            None,
            f"header of {indefinite(family.name)} file must be: "
            f"{','.join(family.header)}{'' if ordered else ' in any order'}, optional columns "
            f"may be left out ({'; '.join(detail)})",
        )
    return family


#: Extensions pyoxigraph does not map to a format by itself.
_RDF_EXTENSIONS = {"owl": ox.RdfFormat.RDF_XML, "rdfxml": ox.RdfFormat.RDF_XML}
_RDF_TYPE = ox.NamedNode(RDF + "type")
_DEPRECATED = ox.NamedNode(OWL + "deprecated")


def _kept(_: str) -> bool:
    return True


_DAY = re.compile(r"(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch


def _in_calendar(day: str) -> bool:
    try:
        datetime.date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _engine_decides(_: str) -> bool:
    return False


#: Lexical forms the engine stores unchanged, by datatype. The engine stores XSD numbers, booleans,
#: dates, times and durations as values and writes them back in canonical form; a form matched here
#: is known to come back as written, anything else of an XSD datatype is asked of the engine (see
#: :func:`canonical_forms`), which costs far more. Literals of other datatypes are kept as written.
#: tests/test_build.py checks these patterns against the engine.
_KEPT_FORMS: dict[str, Callable[[str], object]] = {
    XSD + "string": _kept,
    RDF + "langString": _kept,
    XSD + "anyURI": _kept,
    XSD + "boolean": re.compile(r"true|false").fullmatch,
    XSD + "integer": re.compile(r"0|-?[1-9][0-9]{0,17}").fullmatch,
    XSD + "decimal": re.compile(
        r"(?:0|-?[1-9][0-9]{0,17})(?:\.[0-9]{0,17}[1-9])?|-0\.[0-9]{0,17}[1-9]"
    ).fullmatch,
    # year 0000 is left to the check of :class:`_NormalisedCounter`, which refuses it, and a day
    # the calendar lacks to the engine, which reads it as no date
    XSD + "date": lambda value: _DAY(value) and _in_calendar(value),
    XSD + "gYearMonth": re.compile(r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])").fullmatch,
    XSD + "gYear": re.compile(r"(?!0000)[0-9]{4}").fullmatch,
}
#: The datatypes whose values have a year, and a value of year 0000 in them: XSD 1.1 reads it as
#: 1 BC, XSD 1.0 (rdflib, most tools) has no such year, so an export of it could not be read back.
_YEARS = frozenset(XSD + t for t in ("date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"))
_YEAR_ZERO = re.compile(r"-?0000(?![0-9])").match
_PROBE = ox.NamedNode("urn:atmpkg:probe")


def _collapsed(form: str) -> Callable[[str], object]:
    """A lexical ``form`` with the white space around it that XSD collapses."""
    return re.compile(rf"\s*(?:{form})\s*").fullmatch


#: The lexical forms of XSD's numbers, by datatype.
_NUMBER_FORMS: dict[str, Callable[[str], object]] = {
    **dict.fromkeys(
        (
            XSD + kind
            for kind in (
                "integer long int short byte nonNegativeInteger positiveInteger "
                "nonPositiveInteger negativeInteger unsignedLong unsignedInt unsignedShort "
                "unsignedByte"
            ).split()
        ),
        _collapsed(WHOLE_FORM),
    ),
    XSD + "decimal": _collapsed(DECIMAL_FORM),
    XSD + "double": _collapsed(FLOAT_FORM),
    XSD + "float": _collapsed(FLOAT_FORM),
}

#: The literals the engine reads as no value of their datatype: a boolean neither true nor false,
#: a date or a year with no year in it (2024-02-30), a number it holds no number of (one not
#: written as XSD writes one, but also a valid one past what it holds, :func:`number_beyond`, or
#: written with spaces around it). Such a literal is stored as written, compares with nothing,
#: and every tool that reads its datatype fails on it, or, a number, is left out of every sum,
#: comparison and ordering of a query without a word (sec30 F4: a deal of 2e20 USD emptied the
#: year's total and was no acquirer's largest).
_ILL_TYPED = f"""SELECT ?s WHERE {{
  ?s ?p ?o .
  BIND(DATATYPE(?o) AS ?type)
  BIND(YEAR(?o) AS ?year)
  FILTER((?type = xsd:boolean && !COALESCE(?o = true || ?o = false, false))
         || (?type IN (xsd:date, xsd:dateTime, xsd:gYear, xsd:gYearMonth) && !BOUND(?year))
         || (?type IN ({", ".join(f"<{t}>" for t in _NUMBER_FORMS)}) && !isNumeric(?o)))
}}"""

#: What the engine holds of each floating-point datatype; past it a number written as a finite
#: one is stored as INF, or one not 0 as 0.
_FLOAT_HELD = {
    XSD + "double": "up to about 1.8e308 either side of zero and, but for 0, no nearer to it "
    "than about 4.9e-324",
    XSD + "float": "up to about 3.4e38 either side of zero and, but for 0, no nearer to it "
    "than about 1.4e-45",
}
#: What the engine holds of each of the other numeric datatypes; a number past it is stored as
#: written, as text (oxigraph keeps a decimal in 128 bits at 18 places, a whole number in 64 bits).
#: The whole numbers the engine holds are 64-bit signed whatever the datatype, so an unsigned or
#: signed-only type holds the part of that range its own sign allows.
_WHOLE_LOWEST = {
    "nonNegativeInteger": "0",
    "unsignedLong": "0",
    "unsignedInt": "0",
    "unsignedShort": "0",
    "unsignedByte": "0",
    "positiveInteger": "1",
}
_WHOLE_HIGHEST = {"nonPositiveInteger": "0", "negativeInteger": "-1"}
_HELD = {
    **{
        datatype: f"from {_WHOLE_LOWEST.get(kind, '-9223372036854775808')} to "
        f"{_WHOLE_HIGHEST.get(kind, '9223372036854775807')} (64 bits, signed)"
        for datatype in _NUMBER_FORMS
        if (kind := datatype.removeprefix(XSD)) != "decimal"
    },
    XSD + "decimal": "at most 170141183460469231731.687303715884105727 either side of zero "
    "(about 1.7e20), with at most 18 decimal places",
    **_FLOAT_HELD,
}
_MANTISSA_NOT_ZERO = re.compile(r"[^eE]*[1-9]").match


def _float_beyond(written: ox.Literal, stored: ox.Literal) -> bool:
    """Whether the engine stored a double or float ``written`` as a finite number not 0 as INF
    or 0, past what it holds (``"1e309"^^xsd:double`` as ``"INF"``)."""
    return (
        written.datatype.value in _FLOAT_HELD
        and stored.value in ("INF", "-INF", "0", "-0")
        and "INF" not in written.value
        and "NaN" not in written.value
        and (stored.value.endswith("INF") or bool(_MANTISSA_NOT_ZERO(written.value)))
    )


def engine_holds(literal: ox.Literal) -> bool:
    """Whether the engine reads ``literal`` as a value of its datatype; for a number written as
    XSD writes one, whether it is within what :func:`held_range` names (a double or float past
    it the engine reads as INF, or 0). Only a literal its kept
    form (:data:`_KEPT_FORMS`) cannot vouch for is asked of the engine. The rule that refuses
    an imported number and a number parameter of a named query (sec31 F2).

    >>> decimal = ox.NamedNode(XSD + "decimal")
    >>> engine_holds(ox.Literal("0.000000000000000001", datatype=decimal))
    True
    >>> engine_holds(ox.Literal("0.0000000000000000001", datatype=decimal))
    False
    >>> engine_holds(ox.Literal("1e400", datatype=ox.NamedNode(XSD + "double")))
    False
    """
    kept = _KEPT_FORMS.get(literal.datatype.value)
    if kept is not None and kept(literal.value):
        return True
    (form,), ill_typed = canonical_forms([literal])
    return not ill_typed and not _float_beyond(literal, form)


def held_range(datatype: str) -> str:
    """What the engine holds of the numeric XSD ``datatype`` (a full IRI), as an error names it.

    >>> print(held_range(XSD + "integer"))
    an xsd:integer from -9223372036854775808 to 9223372036854775807 (64 bits, signed)
    """
    return f"an xsd:{datatype[len(XSD) :]} {_HELD[datatype]}"


def number_beyond(literal: ox.Literal) -> str:
    """What to say of a number the engine holds no number of though it is written as XSD writes
    one: past the range or the decimal places its datatype holds there (what it holds is named),
    or written with spaces around it.

    >>> print(number_beyond(ox.Literal("200000000000000000000", datatype=ox.NamedNode(XSD + "decimal"))))
    the engine holds an xsd:decimal at most 170141183460469231731.687303715884105727 either side of zero (about 1.7e20), with at most 18 decimal places; past that it keeps the text, which no sum, comparison or ordering of a query reads as a number: check the figure against the source (a few zeros too many?) and write it within that
    """
    value, datatype = literal.value, literal.datatype.value
    kind = f"xsd:{datatype[len(XSD) :]}"
    if value != value.strip():
        return (
            f"the engine reads an {kind} written with spaces around it as no number, which no "
            "sum, comparison or ordering of a query reads: write it without them"
        )
    kept = (
        "is INF, or 0, to every query"
        if datatype in _FLOAT_HELD
        else "keeps the text, which no sum, comparison or ordering of a query reads as a number"
    )
    return (
        f"the engine holds {held_range(datatype)}; past that it {kept}: check the "
        "figure against the source (a few zeros too many?) and write it within that"
    )


def no_value(literal: ox.Literal) -> str:
    """What to say of a literal the engine reads as no value of its XSD datatype (``"abc"`` as
    an ``xsd:integer``, ``2024-02-30`` as an ``xsd:date``): an import refuses it at its line, a
    parameter refuses it (:func:`refusal`).

    >>> print(no_value(ox.Literal("abc", datatype=ox.NamedNode(XSD + "integer"))))
    is no xsd:integer (a tool that reads the datatype fails on it, and a query compares it with nothing): write a valid xsd:integer, or the text as a plain string
    """
    kind = literal.datatype.value[len(XSD) :]
    return (
        f"is no xsd:{kind} (a tool that reads the datatype fails on it, and a query compares it "
        f"with nothing): write a valid xsd:{kind}, or the text as a plain string"
    )


def refusal(literal: ox.Literal) -> str | None:
    """Why an import refuses ``literal`` as a value of its XSD datatype, in its words (``"…"^^xsd:kind``
    and what follows it), or None when the engine holds it: a number past what the engine holds
    or written with spaces (:func:`number_beyond`), a boolean, date or number it reads as no value
    (:func:`no_value`). ``INF`` and ``NaN`` are doubles the engine holds. The rule an import's
    literals are held to, for one literal (sec32 F6: a parameter ``"abc"^^xsd:integer`` was bound,
    and compared with nothing).

    >>> print(refusal(ox.Literal("2024-02-30", datatype=ox.NamedNode(XSD + "date"))))
    "2024-02-30"^^xsd:date is no xsd:date (a tool that reads the datatype fails on it, and a query compares it with nothing): write a valid xsd:date, or the text as a plain string
    >>> refusal(ox.Literal("INF", datatype=ox.NamedNode(XSD + "double"))) is None
    True
    """
    datatype = literal.datatype.value
    kept = _KEPT_FORMS.get(datatype)
    if not datatype.startswith(XSD) or (kept is not None and kept(literal.value)):
        return None
    (form,), ill_typed = canonical_forms([literal])
    number = _NUMBER_FORMS.get(datatype)
    if number is not None and number(literal.value):
        if ill_typed or _float_beyond(literal, form):
            return f"{_n3(literal)}: {number_beyond(literal)}"
        return None
    return f"{_n3(literal)} {no_value(literal)}" if ill_typed else None


def canonical_forms(literals: Sequence[ox.Literal]) -> tuple[list[ox.Literal], list[int]]:
    """Each literal as the engine stores it (its canonical form when the engine has one), and
    the positions of the booleans, dates and numbers it reads as no value of their datatype (see
    :data:`_ILL_TYPED`).

    >>> xsd = "http://www.w3.org/2001/XMLSchema#"
    >>> forms, ill_typed = canonical_forms([
    ...     ox.Literal("1.50", datatype=ox.NamedNode(xsd + "decimal")),
    ...     ox.Literal("maybe", datatype=ox.NamedNode(xsd + "boolean")),
    ...     ox.Literal("200000000000000000000", datatype=ox.NamedNode(xsd + "decimal")),
    ... ])
    >>> forms[0].value, ill_typed
    ('1.5', [1, 2])
    """
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"urn:atmpkg:{i}"), _PROBE, literal)
        for i, literal in enumerate(literals)
    )
    forms = list(literals)
    for quad in store:
        forms[int(quad.subject.value.rpartition(":")[2])] = quad.object
    ill_typed = sorted(
        int(row[0].value.rpartition(":")[2])
        for row in store.query(_ILL_TYPED, prefixes={"xsd": XSD})
    )
    return forms, ill_typed


class _NormalisedCounter:
    """Counts the literals of one input that the engine will store in another form. Literals whose
    form :data:`_KEPT_FORMS` cannot vouch for are asked of the engine in batches of distinct ones."""

    BATCH = 10_000

    def __init__(self, display: str):
        self.display = display
        self.pending: dict[ox.Literal, int] = {}
        self.count = 0
        self.example = ""
        self.kept = dict(_KEPT_FORMS)
        #: The first literal of year 0000, which the input may not hold.
        self.year_zero: ox.Literal | None = None
        #: The first literal that is no value of its datatype (see :data:`_ILL_TYPED`).
        self.ill_typed: ox.Literal | None = None
        #: The first number written as XSD writes one that the engine holds no number of, with
        #: the property that states it (see :func:`number_beyond`).
        self.beyond: tuple[ox.Literal, ox.NamedNode | None] | None = None
        #: The pending numbers written as XSD writes them, with the first property stating each.
        self.numbers: dict[ox.Literal, ox.NamedNode | None] = {}

    def add(self, literal: ox.Literal, predicate: ox.NamedNode | None = None) -> None:
        datatype = literal.datatype.value
        kept = self.kept.get(datatype)
        if kept is None:
            kept = self.kept[datatype] = _engine_decides if datatype.startswith(XSD) else _kept
        if kept is not _kept and not kept(literal.value):
            if datatype in _YEARS and _YEAR_ZERO(literal.value) and self.year_zero is None:
                self.year_zero = literal
            number = _NUMBER_FORMS.get(datatype)
            if number is not None:
                if not number(literal.value):
                    self.ill_typed = self.ill_typed or literal
                elif literal not in self.numbers:
                    self.numbers[literal] = predicate
            self.pending[literal] = self.pending.get(literal, 0) + 1
            if len(self.pending) >= self.BATCH:
                self.flush()

    def flush(self) -> None:
        if not self.pending:  # the engine need not be asked about nothing
            return
        literals = list(self.pending)
        forms, ill_typed = canonical_forms(literals)
        for literal, form in zip(literals, forms, strict=True):
            if form != literal:
                self.count += self.pending[literal]
                self.example = self.example or f"{_n3(literal)} as {_n3(form)}"
            if self.beyond is None and literal in self.numbers and _float_beyond(literal, form):
                self.beyond = literal, self.numbers[literal]
        for literal in (literals[i] for i in ill_typed):
            if literal not in self.numbers:
                self.ill_typed = self.ill_typed or literal
            elif self.beyond is None:
                self.beyond = literal, self.numbers[literal]
        self.pending.clear()
        self.numbers.clear()

    def result(self) -> Normalised | None:
        self.flush()
        return Normalised(self.display, self.count, self.example) if self.count else None


def _n3(literal: ox.Literal) -> str:
    """A literal as Turtle writes it, with an XSD datatype abbreviated (``"1.5"^^xsd:decimal``)."""
    datatype = literal.datatype.value
    if literal.language or not datatype.startswith(XSD) or datatype == XSD + "string":
        return str(literal)
    return f"{ox.Literal(literal.value)}^^xsd:{datatype[len(XSD) :]}"


def rdf_input(path: Path, display: str) -> RdfFile:
    """An RDF input as the engine is to load it: its format, from its extension, and where its
    triples start (past a UTF-8 byte order mark). Nothing is checked or counted yet
    (:func:`scan_rdf` does that).

    >>> import tempfile
    >>> file = Path(tempfile.mkdtemp()) / "a.nt"
    >>> _ = file.write_bytes(codecs.BOM_UTF8 + b"<urn:a> <urn:b> <urn:c> .\\n")
    >>> rdf_input(file, "a.nt").start
    3
    """
    extension = path.suffix[1:].lower()
    rdf_format = ox.RdfFormat.from_extension(extension) or _RDF_EXTENSIONS.get(extension)
    if rdf_format is None:
        raise DataError(
            display,
            None,
            None,
            f"'{path.suffix}' is not an RDF file extension; use .ttl, .nt, .nq, .trig, .rdf (.rdfxml, .owl) or .jsonld",
        )
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(codecs.BOM_UTF8) + KIND_BYTES)
    except OSError as exc:
        raise DataError(
            display, None, None, f"cannot read the file: {exc.strerror or exc}"
        ) from None
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    check_text(head[start:], display, rdf_format)
    return RdfFile(path, display, rdf_format, 0, start)


#: The most text the XML entities of an RDF/XML file may expand to, beyond the file's own size:
#: nested entities can turn a file of a few hundred bytes into gigabytes ("billion laughs"),
#: which the engine would expand in memory.
MAX_ENTITY_TEXT = 16 * 1024**2
#: The deepest XML entities may nest, one naming the next: the XML parser of the depth check
#: (expat) expands them by recursion, which a chain of 25,000 crashed (fewer on a thread's
#: smaller stack), where an RDF/XML file's entities name a namespace or two.
MAX_ENTITY_DEPTH = 100
#: The longest document type declaration read for entities; an RDF/XML file's declares a few
#: namespace abbreviations, and a longer one could hide its entities past what is read.
MAX_DOCTYPE = 1 << 20
# The engine reads "<!ENTITY % name" as the general entity "name", and expands every entity where
# it is declared, whether the document uses it or not.
_ENTITY = re.compile(rb"<!ENTITY\s+(?:%\s*)?([^\s%]+)\s+(?:\"([^\"]*)\"|'([^']*)')")
_REFERENCE = re.compile(rb"&([A-Za-z_][-A-Za-z0-9._]*);")
_VALUE_REFERENCE = re.compile(rb"[&%]([A-Za-z_][-A-Za-z0-9._]*);")
# Where a comment, a processing instruction, a CDATA section or a declaration may start (a pattern
# searched for by its plain '<': one that ignores case is tried at every position).
_MARKUP = re.compile(rb"<[!?]")
#: What may hold the text "<!DOCTYPE" and declare nothing, by its start, with its end.
_DECLARES_NOTHING = ((b"<!--", b"-->"), (b"<?", b"?>"), (b"<![CDATA[", b"]]>"))


def _doctype(path: Path) -> tuple[int, int, bytes] | None:
    """Where an XML file's document type declaration starts (byte offset, line) and its text, up
    to :data:`MAX_DOCTYPE` bytes and one more; None without one. The text ``<!DOCTYPE`` in a
    comment, a processing instruction or a CDATA section declares nothing, and is passed over
    (sec25 L1: one in a comment above the real declaration hid its entities from the check).

    >>> import tempfile
    >>> file = Path(tempfile.mkdtemp()) / "a.rdf"
    >>> _ = file.write_bytes(b'<?xml version="1.0"?>\\n<!-- <!DOCTYPE x> -->\\n<!doctype y [ ]><y/>')
    >>> _doctype(file)
    (44, 3, b'<!doctype y [ ]><y/>')
    """
    with _mapped(path) as text:
        at = 0
        while found := _MARKUP.search(text, at):
            start = found.start()
            # in any case and wherever it stands, as the engine takes one
            if text[start : start + 9].lower() == b"<!doctype":
                line = 1 + line_breaks(text, start)
                return start, line, bytes(text[start : start + MAX_DOCTYPE + 1])
            at = start + 2
            for opening, closing in _DECLARES_NOTHING:
                if text[start : start + len(opening)] == opening:
                    end = text.find(closing, start + len(opening))
                    if end < 0:
                        return None
                    at = end + len(closing)
                    break
    return None


def check_entities(path: Path, display: str) -> None:
    """Refuse an RDF/XML file whose internal XML entities would expand past
    :data:`MAX_ENTITY_TEXT` (one entity, all those declared, or all the references the file
    makes), or nest more than :data:`MAX_ENTITY_DEPTH` deep, before a parser expands them; the
    error names the entity's line.

    >>> import tempfile
    >>> small = Path(tempfile.mkdtemp()) / "small.rdf"
    >>> _ = small.write_text('<!DOCTYPE rdf:RDF [<!ENTITY ex "https://example.org/">]><rdf:RDF/>')
    >>> check_entities(small, "small.rdf")
    """
    doctype = _doctype(path)
    if doctype is None:
        return
    offset, first_line, text = doctype
    opening, closing = text.find(b"["), text.find(b">")
    if opening < 0 or -1 < closing < opening:
        return  # no internal subset, so no entity the engine expands
    subset_end = text.find(b"]>", opening)
    if subset_end < 0 and len(text) <= MAX_DOCTYPE:
        return  # the file ends inside it: the engine reports where
    if subset_end < 0:
        raise DataError(
            display,
            first_line,
            None,
            f"the document type declaration runs past {MAX_DOCTYPE:,} bytes, where an RDF/XML "
            "file's declares a few abbreviations: shorten it, or write the file without one",
        )
    head = text[:subset_end]
    declared = list(_ENTITY.finditer(head))
    if not declared:
        return
    found: dict[bytes, re.Match[bytes]] = {}
    for match in declared:
        found.setdefault(match.group(1), match)  # XML binds the first declaration of a name
    sizes: dict[bytes, int] = {}
    # how many entities deep each one nests: itself, and the deepest it names
    depths: dict[bytes, int] = {}
    memory = (
        "entities nested to expand that far are a way to exhaust memory, not data; write the "
        "text out instead"
    )

    def refuse(match: re.Match[bytes], told: str) -> DataError:
        return DataError(
            display,
            first_line + line_breaks(head, match.start()),
            None,
            f"the XML entity &{match.group(1).decode(errors='replace')}; {told}",
        )

    values = {name: match.group(2) or match.group(3) or b"" for name, match in found.items()}
    references = {name: _VALUE_REFERENCE.findall(value) for name, value in values.items()}

    def size(name: bytes) -> int:
        # Depth first on a stack of its own, each entity with the references it has yet to
        # measure: by recursion, a chain of 1,000 entities passed Python's limit (sec25 M1).
        if name in sizes:
            return sizes[name]
        chain = [(name, iter(references[name]))]
        on_chain = {name}
        while chain:
            current, pending = chain[-1]
            # an undeclared name is a predefined entity (&amp;), or one the engine reports
            ref = next((r for r in pending if r in found and r not in sizes), None)
            if ref in on_chain:
                raise refuse(
                    found[ref],
                    "refers to itself, so it would expand without end: a way to exhaust memory, "
                    "not data; write the text out instead",
                )
            if ref is not None:
                chain.append((ref, iter(references[ref])))
                on_chain.add(ref)
                continue
            named = [r for r in references[current] if r in found]
            depths[current] = 1 + max((depths[r] for r in named), default=0)
            if depths[current] > MAX_ENTITY_DEPTH:
                raise refuse(
                    found[current],
                    "names an entity that names another, and so on, more than "
                    f"{MAX_ENTITY_DEPTH} entities deep: the XML parser expands such a chain by "
                    "recursion, and a long one crashes it; write the text out instead",
                )
            total = len(_VALUE_REFERENCE.sub(b"", values[current])) + sum(
                sizes.get(r, 1) for r in references[current]
            )
            if total > MAX_ENTITY_TEXT:
                raise refuse(
                    found[current],
                    f"expands to {total:,} characters, more than {MAX_ENTITY_TEXT:,} characters: "
                    + memory,
                )
            sizes[current] = total
            chain.pop()
            on_chain.discard(current)
        return sizes[name]

    declared_text = 0
    for match in declared:
        declared_text += size(match.group(1))
        if declared_text > MAX_ENTITY_TEXT:
            raise refuse(
                match,
                f"brings the entities declared up to it to {declared_text:,} characters, more "
                f"than {MAX_ENTITY_TEXT:,} characters: " + memory,
            )
    expanded = 0
    with open(path, "rb") as handle:
        handle.seek(offset + subset_end + 2)  # past the declarations
        for line in handle:
            expanded += sum(sizes.get(ref, 0) for ref in _REFERENCE.findall(line))
    if expanded > MAX_ENTITY_TEXT + path.stat().st_size:
        raise DataError(
            display,
            None,
            None,
            f"the file's XML entity references expand to {expanded:,} characters, more than "
            f"{MAX_ENTITY_TEXT:,} beyond its size: that is a way to exhaust memory, not data; "
            "write the text out instead",
        )


@contextlib.contextmanager
def _mapped(path: Path) -> Iterator[mmap.mmap | bytes]:
    """The bytes of the file at ``path``, mapped, not read: the file may be larger than memory,
    and a match of a pattern in it copies nothing (an empty file, which cannot be mapped, is no
    bytes)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as text:
            yield text


# What a Turtle, TriG, N-Triples or N-Quads text holds, skipped whole where "<<" means nothing:
# an escaped character of a prefixed name (ex:a\#b: no comment starts there), strings (long ones
# first), IRIs and comments; "<<" elsewhere opens an RDF 1.2 triple term. A comment and a short
# string end at a line break of either kind, as the grammars (and the engine) end them: a comment
# read to the next LF alone hid a triple term after a CR from this scan (sec23 H2).
_TURTLE_TOKEN = re.compile(
    rb"""\\.|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    rb"""|"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'|(?P<term><<)|<[^<>\s]*>|\#[^\r\n]*""",
    re.DOTALL,
)


def check_triple_terms(path: Path, display: str) -> None:
    """Refuse a Turtle, TriG, N-Triples or N-Quads file that writes an RDF 1.2 triple term
    (``<<( … )>>``) or reified triple (``<< … >>``), with its line, before the engine parses
    it: nested a few thousand deep they crash the parser's thread, and the graph's checks and
    exports are RDF 1.1. The file is searched for ``<<`` first, which data without them lacks.

    >>> import tempfile
    >>> file = Path(tempfile.mkdtemp()) / "a.ttl"
    >>> _ = file.write_text('<urn:a> <urn:b> "x << y" .\\n<urn:a> <urn:b> <<( <urn:a> <urn:b> 1 )>> .\\n')
    >>> check_triple_terms(file, "a.ttl")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.DataError: a.ttl:2: an RDF 1.2 triple term ('<<'): the graph takes RDF 1.1; describe the statement with a resource of its own (a claim, say) instead
    """
    with _mapped(path) as text:
        line = triple_term_line(text)
    if line is not None:
        raise DataError(
            display,
            line,
            None,
            "an RDF 1.2 triple term ('<<'): the graph takes RDF 1.1; describe the statement "
            "with a resource of its own (a claim, say) instead",
        )


def triple_term_line(text: bytes | mmap.mmap) -> int | None:
    """The line of the first RDF 1.2 triple term (or reified triple) that a Turtle, TriG,
    N-Triples or N-Quads ``text`` writes, or None; ``<<`` in a string, IRI or comment is none.

    >>> triple_term_line(b'<urn:a> <urn:b> "x << y" .\\n<urn:a> <urn:b> <<( <urn:a> <urn:b> 1 )>> .')
    2
    """
    if text.find(b"<<") < 0:  # data without triple terms is searched once, quickly
        return None
    term = next((t for t in _TURTLE_TOKEN.finditer(text) if t.lastgroup == "term"), None)
    if term is None:
        return None
    return 1 + line_breaks(text, term.start())


def line_breaks(text: bytes | mmap.mmap, end: int) -> int:
    """How many line breaks ``text`` holds before ``end``, each a CR, an LF or a CR LF, as the
    RDF grammars and the engine's parsers count lines (newuser24 F3: a file with CR alone, as
    classic Mac OS wrote, was one line to the checks and many to the parser).

    >>> line_breaks(b"a\\rb\\r\\nc\\n\\rd", 9)  # a CR, a CR LF, an LF and a CR
    4
    """
    step, breaks = 1 << 22, 0
    for at in range(0, end, step):
        part = text[at : min(at + step, end)]
        breaks += part.count(b"\n") + part.count(b"\r") - part.count(b"\r\n")
        if at and text[at - 1 : at + 1] == b"\r\n":  # a CR LF cut in two by the step
            breaks -= 1
    return breaks


#: The most bytes pyoxigraph's parsers hold as one piece of text (a line of N-Triples or of
#: tab-separated results, a Turtle token): past it they raise ``MemoryError`` with the words of
#: :data:`_BUFFER_FULL`. Its JSON readers (JSON-LD, SPARQL Results in JSON) stop past half of it,
#: their buffer doubling as a string grows (a string of 8 MiB and 2 bytes is refused).
ONE_PIECE = 16 * 1024**2
_BUFFER_FULL = "Reached the buffer maximal size"


def one_piece(fmt: ox.RdfFormat | ox.QueryResultsFormat) -> int:
    """The most bytes of one literal, IRI or comment the engine's parser reads in ``fmt``
    (:data:`ONE_PIECE`, half of it in JSON), the rule for text past which a file or an answer
    is refused.

    >>> one_piece(ox.RdfFormat.TURTLE) // 1024**2, one_piece(ox.QueryResultsFormat.JSON) // 1024**2
    (16, 8)
    """
    json = fmt in (ox.RdfFormat.JSON_LD, ox.QueryResultsFormat.JSON)
    return ONE_PIECE // 2 if json else ONE_PIECE


#: The XML formats, whose text is measured as N-Triples writes what it stands for
#: (:func:`xml_text_as_ntriples`), the size the parsers of the other formats and exports meet
_XML_FORMATS = (ox.RdfFormat.RDF_XML, ox.QueryResultsFormat.XML)


def past_one_piece(fmt: ox.RdfFormat | ox.QueryResultsFormat) -> str:
    """The words, shared by imports and remote answers, for a literal, IRI or comment longer
    than the engine's parser reads in one piece in ``fmt`` (:func:`one_piece`); in XML, whose
    own parser reads more, as N-Triples writes it (rev32 F7: 10 MiB of line breaks, 20 MiB so,
    was said to be longer than 16 MiB).

    >>> past_one_piece(ox.RdfFormat.TURTLE)
    "longer than 16 MiB, more than the engine's parser reads in one piece"
    >>> past_one_piece(ox.RdfFormat.RDF_XML)
    "longer than 16 MiB once N-Triples writes it (a line break or a quote as two bytes, a reference as the character it stands for), more than the engine's parsers of the other formats read in one piece"
    """
    size = one_piece(fmt) // 1024**2
    if fmt in _XML_FORMATS:
        return (
            f"longer than {size} MiB once N-Triples writes it (a line break or a quote as two "
            "bytes, a reference as the character it stands for), more than the engine's parsers "
            "of the other formats read in one piece"
        )
    return f"longer than {size} MiB, more than the engine's parser reads in one piece"


def piece_past(
    text: bytes | mmap.mmap,
    stop: int = 0x3C,
    deadline: float | None = None,
    most: int = ONE_PIECE,
) -> int | None:
    """Where the first run of more than ``most`` (:data:`ONE_PIECE`) bytes without the byte
    ``stop`` starts in ``text``, or None: in XML (``stop`` ``<``, a run being a literal, IRI or
    comment with its tag) the text the engine's XML parser reads but its parsers of the other
    formats refuse (:func:`past_one_piece`), measured as N-Triples writes the text it stands for
    (:func:`xml_text_as_ntriples`: ``&amp;`` is one byte, as tab-separated results and every
    export but RDF/XML write it, a line break two); in N-Triples (``stop`` a line break) a line
    they refuse, as written. Past ``deadline`` (a :func:`time.monotonic` reading),
    :class:`TimeoutError`.

    >>> piece_past(b"<a>" + b"x" * ONE_PIECE + b"</a>"), piece_past(b"<a>xyz</a>" * 2_000_000)
    (1, None)
    >>> piece_past(b"<a>" + b"&amp;" * (ONE_PIECE // 4) + b"</a>")  # 4 MiB of '&'
    """
    # N-Triples writes what a run of XML stands for in at most six times its bytes (a control
    # character as \u0001): only a run longer than a sixth of ONE_PIECE can pass it, and such a
    # run holds a multiple of that. Only the runs about those are measured, each at most once, so
    # the look is linear however the text is made.
    step = most // 6 if stop == 0x3C else most
    measured = 0
    for at in range(step, len(text), step):
        if text[at] == stop or at < measured:
            continue
        start, end = text.rfind(bytes((stop,)), 0, at) + 1, text.find(bytes((stop,)), at)
        measured = len(text) if end < 0 else end
        if measured - start <= step:
            continue
        if stop != 0x3C or xml_text_as_ntriples(text, start, measured, deadline) > most:
            return start
    return None


#: The references of XML text counted by a plain count of each, with the bytes N-Triples writes
#: the character each stands for in: the five entities XML predefines, and the line breaks and
#: tab a server writes by number (Oxigraph ``&#10;``), which N-Triples escapes (``\n``)
_XML_COUNTED = ((b"&amp;", 1), (b"&lt;", 1), (b"&gt;", 1), (b"&quot;", 2), (b"&apos;", 1))
_XML_COUNTED += tuple((name, 2) for name in (b"&#9;", b"&#10;", b"&#13;", b"&#x9;", b"&#xA;"))
_XML_COUNTED += ((b"&#xD;", 2),)
#: Any other reference to a character by its number, hexadecimal or decimal
_XML_NUMBERED = re.compile(rb"&#(?!(?:9|10|13|x9|xA|xD);)(?:x([0-9A-Fa-f]+)|([0-9]+));")
#: The characters N-Triples writes with a backslash, two bytes (``\"``, ``\n``), and the other
#: control characters, which it writes as six (``\u0001``)
_NT_SHORT_ESCAPES = frozenset(b'"\\\b\t\n\f\r')
#: The first characters of the runs of characters N-Triples writes in one size each
#: (:func:`_nt_size`), past the last of which none is a character
_NT_SIZE_STARTS = (0, 8, 9, 11, 12, 14, 0x20, 0x22, 0x23, 0x5C, 0x5D, 0x7F, 0x80, 0x800, 0x10000)
_NT_PAST_LAST = 0x110000
_NOT_CONTROL = bytes(c for c in range(256) if c >= 0x20 and c != 0x7F)
#: How much XML text :func:`xml_text_as_ntriples` takes at a time, the clock looked at before each
_XML_TEXT_PIECE = 1 << 20


def _nt_size(code: int) -> int:
    """The bytes N-Triples writes the character ``code`` in (one that no character has: one)."""
    if code in _NT_SHORT_ESCAPES:
        return 2
    if 0 <= code < 0x20 or code == 0x7F:
        return 6
    return (
        4
        if 0xFFFF < code <= 0x10FFFF
        else 3
        if 0x7FF < code <= 0xFFFF
        else 2
        if 0x7F < code <= 0x7FF
        else 1
    )


def _numerals_between(low: str, high: str, digits: str) -> str:
    """A regular expression of the numerals from ``low`` to ``high``, of one length, written
    with ``digits`` (``"0123456789"``) and no zero before them. Digits are listed, never a range
    (``9-a`` would take every character between).

    >>> _numerals_between("12", "31", "0123456789")
    '(?:1[23456789]|[2][0123456789]{1}|3[01])'
    """
    if low == high:
        return low
    first, last = digits.index(low[0]), digits.index(high[0])
    if len(low) == 1:
        return f"[{digits[first : last + 1]}]"
    if first == last:
        return low[0] + _numerals_between(low[1:], high[1:], digits)
    rest = len(low) - 1
    parts = [low[0] + _numerals_between(low[1:], digits[-1] * rest, digits)]
    if last - first > 1:
        parts.append(f"[{digits[first + 1 : last]}][{digits}]{{{rest}}}")
    parts.append(high[0] + _numerals_between(digits[0] * rest, high[1:], digits))
    return "(?:" + "|".join(parts) + ")"


def _numbers_between(low: int, high: int, base: int) -> str:
    """A regular expression of the numbers from ``low`` to ``high`` written in ``base`` (10 or
    16, lower-case digits) with no zero before them.

    >>> import re
    >>> [n for n in range(300) if re.fullmatch(_numbers_between(98, 102, 10), str(n))]
    [98, 99, 100, 101, 102]
    """
    digits, form = ("0123456789", "d") if base == 10 else ("0123456789abcdef", "x")
    parts = []
    for length in range(len(format(low, form)), len(format(high, form)) + 1):
        first = max(low, base ** (length - 1) if length > 1 else 0)
        last = min(high, base**length - 1)
        if first <= last:
            parts.append(_numerals_between(format(first, form), format(last, form), digits))
    return "|".join(parts)


def _numbered_of_size(written: int) -> re.Pattern[bytes]:
    """The references :data:`_XML_NUMBERED` matches to a character N-Triples writes in
    ``written`` bytes, by their numbers: a scan of the text in C, where reading each number in
    Python took 85 times the engine's parse (rev32 F4)."""
    runs = zip(_NT_SIZE_STARTS, (*_NT_SIZE_STARTS[1:], _NT_PAST_LAST), strict=True)
    held = [(low, high - 1) for low, high in runs if _nt_size(low) == written]
    decimal_ = "|".join(_numbers_between(low, high, 10) for low, high in held)
    hexadecimal = "|".join(_numbers_between(low, high, 16) for low, high in held)
    return re.compile(
        rf"&#(?!(?:9|10|13|x9|xA|xD);)(?:x0*(?i:{hexadecimal})|0*(?:{decimal_}));".encode()
    )


@functools.cache
def _numbered_by_size() -> tuple[tuple[re.Pattern[bytes], int], ...]:
    """The references to characters that N-Triples writes in more than one byte, with that size;
    every other, a character of one byte or a number no character has, is one (compiled when a
    piece first holds many, not when the module is imported)."""
    return tuple((_numbered_of_size(size), size) for size in (2, 3, 4, 6))


#: The different references by number of a piece counted one by one, at most; the others are
#: counted by :func:`_numbered_by_size`
_FEW_REFERENCES = 8


def _numbered_shrink(piece: bytes) -> int:
    """How many bytes fewer N-Triples writes the characters that ``piece``'s references by
    number (:data:`_XML_NUMBERED`) stand for than the references take. The first few different
    references are each counted at once, however many times written (a scan in C each, where
    reading every reference in Python took 85 times the engine's parse, rev32 F4); past them,
    the rest by the size N-Triples writes each in, a scan per size.

    >>> _numbered_shrink(b"&#65;&#65;&#x20AC;&#1;")  # A A € \\u0001: 4 + 4 + 5 - 2
    11
    """
    shrink, at = 0, 0
    for _ in range(_FEW_REFERENCES):
        found = _XML_NUMBERED.search(piece, at)
        if found is None:
            return shrink
        reference, at = found.group(), found.start()
        hexadecimal, decimal_ = found.groups()
        # zeros may lead the number, and no character's has more than seven digits
        digits = (hexadecimal or decimal_).lstrip(b"0")
        code = -1 if len(digits) > 7 else int(digits or b"0", 16 if hexadecimal else 10)
        shrink += piece.count(reference) * (len(reference) - _nt_size(code))
        piece = piece.replace(reference, b"\0")  # a byte no reference holds: none is made anew
    rest, numbered = _XML_NUMBERED.subn(b"", piece)
    # each as one byte, less the bytes more of those written in more
    shrink += len(piece) - len(rest) - numbered
    return shrink - sum(p.subn(b"", piece)[1] * (w - 1) for p, w in _numbered_by_size())


def xml_text_as_ntriples(
    text: bytes | mmap.mmap, start: int, end: int, deadline: float | None = None
) -> int:
    """How many bytes N-Triples (and so an export, and tab-separated results) writes the text
    that the XML text ``text[start:end]`` stands for once its references are read: ``&amp;``
    one byte, ``&#x20AC;`` the three of €, ``&#10;`` or a line break two (``\\n``), a CR LF four
    (``\\r\\n``: the engine's XML readers keep both, as they read them). It is counted
    a :data:`_XML_TEXT_PIECE` at a time, holding no copy of more (the text may be a mapped file
    larger than memory): the common references by a count of each, others by their numbers. Past
    ``deadline`` (a :func:`time.monotonic` reading), looked at before each piece,
    :class:`TimeoutError`.

    >>> xml_text_as_ntriples(b"<a>&amp;&#x20AC;&#10;b\\n</a>", 3, 23)
    9
    """
    size, at = 0, start
    while at < end:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        cut = min(at + _XML_TEXT_PIECE, end)
        amp = text.rfind(b"&", at, cut)
        # a reference the piece's end cuts is left to the next piece (one longer than a piece,
        # zeros before its number, is counted as written)
        if cut < end and amp > at and text.find(b";", amp, cut) < 0:
            cut = amp
        piece = text[at:cut]
        size += len(piece) + piece.count(b'"') + piece.count(b"\\")
        controls = piece.translate(None, _NOT_CONTROL)
        short = sum(controls.count(c) for c in b"\b\t\n\f\r")
        # the engine keeps a CR LF of the text as both (XML 1.0 would read one LF): "\r\n"
        size += short + 5 * (len(controls) - short)
        for name, written in _XML_COUNTED:
            size -= piece.count(name) * (len(name) - written)
        size -= _numbered_shrink(piece) if b"&#" in piece else 0
        at = cut
    return size


def check_pieces(rdf_file: RdfFile) -> None:
    """Refuse an RDF/XML file with more than :data:`ONE_PIECE` bytes between two ``<`` (a
    literal, IRI or comment with its tag: :func:`piece_past`), naming the line where that text
    starts, in the words and by the rule a Turtle or N-Triples file past the engine's parser is
    refused by: its XML parser reads it, but no export could read the triple back.

    >>> import tempfile
    >>> long = Path(tempfile.mkdtemp()) / "long.rdf"
    >>> _ = long.write_bytes(b"<r>\\n<label>" + b"a" * ONE_PIECE + b"</label></r>")
    >>> check_pieces(RdfFile(long, "long.rdf", ox.RdfFormat.RDF_XML, 0))
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.DataError: long.rdf:2: a literal, IRI or comment here is longer than 16 MiB once N-Triples writes it (a line break or a quote as two bytes, a reference as the character it stands for), more than the engine's parsers of the other formats read in one piece: split the text, or keep it in a file of its own and link to it
    """
    with _mapped(rdf_file.path) as text:
        at = piece_past(text)
        if at is not None:
            raise DataError(
                rdf_file.display,
                1 + line_breaks(text, at),
                None,
                _past_one_piece_here(rdf_file.format),
            )


def _past_one_piece_here(fmt: ox.RdfFormat) -> str:
    return (
        f"a literal, IRI or comment here is {past_one_piece(fmt)}: split the text, or keep it "
        "in a file of its own and link to it"
    )


def past_export(triple: ox.Triple) -> bool:
    """Whether N-Triples writes ``triple`` on a line (``<s> <p> <o> .`` without its line break)
    longer than ONE_PIECE: the line the engine's parser would not read back, so that no export
    but nt and nq could write it (each gives the engine's writer the triples as N-Triples and
    refuses such a line first, :func:`~atmpkg.graph.slice.export._readable_back`). An import
    refuses the triple by this rule, in every format; the trial of
    :func:`check_in_a_capped_process` runs this very function.

    >>> s, p = ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p")
    >>> past_export(ox.Triple(s, p, ox.Literal("\\x01" * (3 * 1024**2))))  # each written \\u0001
    True
    >>> past_export(ox.Triple(s, p, ox.Literal("a" * (3 * 1024**2))))
    False
    """
    return len(str(triple).encode()) + len(" .") > ONE_PIECE


#: How a format may make a triple's N-Triples line longer than its text in the file: what the
#: error for a triple past an export (:func:`past_export`) says the file's text became.
_MADE_LONGER = {
    "RDF/XML": "its text joined from XML entities, CDATA sections or XML literals, or escaped",
    "JSON-LD": "its IRIs made whole by contexts, or its text escaped",
    "N-Triples": "its three terms on one line, its text escaped",
    "N-Quads": "its three terms on one line, its text escaped",
}


def _past_export_error(
    display: str, line: int | None, subject: str, predicate: str, fmt: ox.RdfFormat
) -> DataError:
    """The error for a triple of the file ``display``, given by its ``subject`` and
    ``predicate`` as N-Triples writes them, that :func:`past_export` refuses."""
    made = _MADE_LONGER.get(
        fmt.name, "its IRIs made whole by prefixes or a base, or its text escaped"
    )
    return DataError(
        display,
        line,
        None,
        f"the triple of {subject} {predicate}, as N-Triples writes it once the {fmt.name} is read "
        f"({made}), is {past_one_piece(ox.RdfFormat.N_TRIPLES)}: no export could read it back; "
        "split the text, or keep it in a file of its own and link to it",
    )


def buffer_full(error: MemoryError) -> bool:
    """Whether ``error`` is the engine's parser refusing a piece of text past its buffer
    (:data:`ONE_PIECE`), not memory running out.

    >>> buffer_full(MemoryError("Reached the buffer maximal size of 16777216")), buffer_full(MemoryError())
    (True, False)
    """
    return str(error).startswith(_BUFFER_FULL)


#: The memory an RDF/XML or JSON-LD file may take to read in the process that tries it first, at
#: least; a larger file may take a multiple of its size (_TRIAL_SCALE).
TRIAL_MEMORY = 256 * 1024**2
#: The processor seconds that process may take, at least; a larger file may take 2 s a megabyte.
TRIAL_SECONDS = 20
#: Exit status of the trial when the text its triples hold passes MAX_ENTITY_TEXT beyond the
#: file's size: entities used many times, which the load would keep.
_TRIAL_TOO_MUCH_TEXT = 3
#: Exit status of the trial when a triple's N-Triples line is longer than ONE_PIECE, which no
#: reader of the other formats (nor an export, which reads N-Triples back) takes: its subject and
#: predicate are written out, as JSON.
_TRIAL_LONG_TRIPLE = 4
# The trial sums the text of the terms it reads (the load keeps it all) and drops each triple; a
# syntax error, or a literal past the parser's buffer (which JSON-LD's reaches at 8 MiB), is left
# to the parse that reports it with its line, not blamed on contexts that expand. A triple's line
# is measured (past_export, its source run here) only when its text could make one that long (a
# character takes at most six bytes, as \u0001): entities, CDATA sections and XML literals join
# text no look at the file measures.
@functools.cache
def _trial_script() -> str:
    """The trial's program, with :func:`past_export`'s source (read when a trial first runs, not
    when the module is imported)."""
    return f"""
import json, resource, sys
path, cap, seconds, name, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
import pyoxigraph as ox
ONE_PIECE = {ONE_PIECE}
{inspect.getsource(past_export)}
try:
    for quad in ox.parse(path=path, format=getattr(ox.RdfFormat, name), lenient=True):
        text = len(quad.subject.value) + len(quad.predicate.value) + len(quad.object.value)
        budget -= text
        if budget < 0:
            sys.exit({_TRIAL_TOO_MUCH_TEXT})
        if text > {ONE_PIECE // 6} and past_export(quad.triple):
            iri = quad.subject.value if type(quad.subject) is ox.NamedNode else None
            json.dump([str(quad.subject)[:200], str(quad.predicate)[:200], iri], sys.stdout)
            sys.exit({_TRIAL_LONG_TRIPLE})
except SyntaxError:
    pass
except MemoryError as error:
    if not str(error).startswith({_BUFFER_FULL!r}):
        raise
"""


#: How many bytes of memory, and of the text of its triples beside MAX_ENTITY_TEXT, each byte
#: of a file tried first may take: a compacted JSON-LD file writes each subject once and each
#: IRI as a prefixed name, so its triples' text is about 2.3 times its size, and the parser keeps
#: about 12 times it in memory (an export of half a million triples: 36 MB, 422 MB).
_TRIAL_SCALE = {"RDF_XML": (4, 1), "JSON_LD": (16, 4)}
#: What makes each format tried first expand: what the messages of the trial name.
_EXPANDS = {
    "RDF_XML": (
        "RDF/XML",
        "XML entities",
        "write the text out instead of declaring it as entities",
    ),
    "JSON_LD": ("JSON-LD", "contexts", "define the terms once, in one context"),
}


def check_in_a_capped_process(path: Path, display: str, format: ox.RdfFormat) -> None:
    """Refuse an RDF/XML or JSON-LD file that the engine's parser cannot read within
    :data:`TRIAL_MEMORY` and :data:`TRIAL_SECONDS` (more for a larger file), read first in a
    process of its own with those caps: XML entities and JSON-LD contexts expand as the parser
    reads them, in ways a look at the text can miss (a context of a few thousand terms repeated at
    each of some hundred levels took gigabytes), and the caller's process has no cap. A syntax
    error is left to the parse that reports it with its line.

    >>> import tempfile
    >>> small = Path(tempfile.mkdtemp()) / "small.jsonld"
    >>> _ = small.write_text('{"@id": "urn:s", "urn:p": "o"}')
    >>> check_in_a_capped_process(small, "small.jsonld", ox.RdfFormat.JSON_LD)
    """
    import subprocess
    import sys

    size = path.stat().st_size
    name = "RDF_XML" if format == ox.RdfFormat.RDF_XML else "JSON_LD"
    per_byte, text_per_byte = _TRIAL_SCALE[name]
    memory, seconds = max(TRIAL_MEMORY, per_byte * size), max(TRIAL_SECONDS, 2 * size // 1024**2)
    budget = text_per_byte * size + MAX_ENTITY_TEXT
    done = subprocess.run(
        [
            sys.executable,
            "-P",
            "-c",
            _trial_script(),
            str(path),
            str(memory),
            str(seconds),
            name,
            str(budget),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    kind, expands, instead = _EXPANDS[name]
    scale = "" if text_per_byte == 1 else f"{text_per_byte} times "
    if done.returncode == _TRIAL_TOO_MUCH_TEXT:
        raise DataError(
            display,
            None,
            None,
            f"the text of this {kind}'s triples passes {scale}its size by more than "
            f"{MAX_ENTITY_TEXT:,} characters: {expands} used over and over are a way to "
            f"exhaust memory, not data; {instead}",
        )
    if done.returncode == _TRIAL_LONG_TRIPLE:
        subject, predicate, iri = json.loads(done.stdout)
        raise _past_export_error(display, _line_of(path, iri), subject, predicate, format)
    if done.returncode == -signal.SIGXCPU:
        raise DataError(
            display,
            None,
            None,
            f"reading this {kind} takes the engine's parser more than {seconds:,} s of processor "
            f"time (its {expands} expand that far, or an element holds tens of thousands of "
            "attributes): that is a way to tie up the machine, not data; write it as plain "
            "triples (N-Triples or Turtle)",
        )
    if done.returncode != 0:
        raise DataError(
            display,
            None,
            None,
            f"reading this {kind} takes the engine's parser more than {memory // 1024**2:,} MiB "
            f"(its {expands} expand that far, or it crashes the parser): that is a way to exhaust "
            f"memory, not data; {instead}",
        )


def _line_of(path: Path, iri: str | None) -> int | None:
    """The line where the file at ``path`` first writes ``iri`` as it is (not made relative or
    escaped), or None."""
    if iri is None:
        return None
    with _mapped(path) as text:
        at = text.find(iri.encode())
        return None if at < 0 else 1 + line_breaks(text, at)


def check_before_parsing(rdf_file: RdfFile) -> None:
    """Refuse, before any parser reads it in this process, a file that would make the engine's
    parser exhaust memory or its stack: XML entities that expand too far, XML elements or triple
    terms nested too deep (:func:`check_entities`, :func:`check_depth`,
    :func:`check_in_a_capped_process`, :func:`check_triple_terms`), or that holds text longer than
    the engine's other parsers read in one piece (:func:`check_pieces`; the trial of
    :func:`check_in_a_capped_process` for text the parser joins)."""
    if rdf_file.format == ox.RdfFormat.RDF_XML:
        check_pieces(rdf_file)
        check_entities(rdf_file.path, rdf_file.display)
        check_depth(rdf_file.path, rdf_file.display)
        check_in_a_capped_process(rdf_file.path, rdf_file.display, rdf_file.format)
    elif rdf_file.format == ox.RdfFormat.JSON_LD:
        check_json_depth(rdf_file.path, rdf_file.display)
        check_in_a_capped_process(rdf_file.path, rdf_file.display, rdf_file.format)
    else:
        check_triple_terms(rdf_file.path, rdf_file.display)


#: The deepest a JSON-LD file's objects and arrays may nest: the engine's JSON-LD parser takes
#: memory that grows with the square of the depth (3,000 levels of a 21 kB file: 1.7 GB) and
#: crashes on its stack past about 4,000, where real data nests a few levels (1,000 levels took
#: it more than the trial's 256 MiB: see check_in_a_capped_process).
MAX_JSON_DEPTH = 100
# Strings (which hold no line break in JSON) are skipped whole; brackets and line breaks counted.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*"|[\[\]{}\n]')


def check_json_depth(path: Path, display: str) -> None:
    """Refuse a JSON-LD file whose objects and arrays nest deeper than :data:`MAX_JSON_DEPTH`,
    naming the line where they pass it, before the engine's parser reads it.

    >>> import tempfile
    >>> deep = Path(tempfile.mkdtemp()) / "deep.jsonld"
    >>> _ = deep.write_text('{"@id": "urn:s",\\n "urn:p": ' + "[" * 2000 + '"x"' + "]" * 2000 + "}")
    >>> check_json_depth(deep, "deep.jsonld")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.DataError: deep.jsonld:2: the JSON objects and arrays nest more than 100 levels deep here; JSON-LD this deep takes the parser gigabytes of memory: write the nested objects side by side, linked by their @id
    """
    with _mapped(path) as text:
        line = json_too_deep(text, MAX_JSON_DEPTH)
    if line is not None:
        raise DataError(
            display,
            line,
            None,
            f"the JSON objects and arrays nest more than {MAX_JSON_DEPTH:,} levels deep here; "
            "JSON-LD this deep takes the parser gigabytes of memory: write the nested objects "
            "side by side, linked by their @id",
        )


#: How many bytes of text :func:`json_too_deep` reads between two looks at its deadline: a few
#: hundredths of a second's work (looked at by the place of a token, which costs the scan nothing
#: measurable, where counting tokens in strides of a list took it a third longer).
_JSON_BYTES_PER_LOOK = 1 << 20


def json_too_deep(
    text: bytes | mmap.mmap, limit: int, *, deadline: float | None = None
) -> int | None:
    """The line where the objects and arrays of the JSON ``text`` come to nest deeper than
    ``limit``, or None; brackets in strings count for nothing. Past ``deadline`` (a
    :func:`time.monotonic` reading; None: none), looked at every :data:`_JSON_BYTES_PER_LOOK`
    bytes, :class:`TimeoutError`: a gigabyte of brackets takes this scan a minute.

    >>> json_too_deep(b'{"a": "[[[",\\n "b": [[[1]]]}', 3)
    2
    """
    depth, line, look = 0, 1, _JSON_BYTES_PER_LOOK
    for token in _JSON_TOKEN.finditer(text):
        at = token.start()
        if at >= look:
            look = at + _JSON_BYTES_PER_LOOK
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError
        kind = text[at]
        if kind == 0x0A:
            line += 1
        elif kind in b"[{":
            depth += 1
            if depth > limit:
                return line
        elif kind in b"]}":
            depth -= 1
    return None


#: The deepest an RDF/XML file's elements may nest: the engine's RDF/XML parser takes time that
#: grows with the square of the depth (16,000 levels: 0.4 s; 200,000: minutes), and real data
#: nests a few levels.
MAX_XML_DEPTH = 1000


def check_depth(path: Path, display: str) -> None:
    """Refuse an RDF/XML file whose elements nest deeper than :data:`MAX_XML_DEPTH`, naming the
    line where they pass it (read by expat, in one linear pass).

    >>> import tempfile
    >>> small = Path(tempfile.mkdtemp()) / "small.rdf"
    >>> _ = small.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    >>> check_depth(small, "small.rdf")
    """
    with open(path, "rb") as handle:
        try:
            where = xml_too_deep(handle, MAX_XML_DEPTH)
        except EntitiesTooDeep as deep:
            raise DataError(display, deep.line, None, deep.what) from None
        except NotWellFormed:
            # the engine's parser names the error at its line, tried first in a capped process
            # (check_in_a_capped_process), where any depth it reads on to costs only that process
            return
    if where is not None:
        raise DataError(
            display,
            *where,
            f"the XML elements nest more than {MAX_XML_DEPTH:,} levels deep here; RDF/XML this "
            "deep takes the parser minutes: write the nested descriptions side by side (or as "
            "Turtle)",
        )


class _TooDeep(Exception):
    """Raised by the element handler of :func:`xml_too_deep` to stop expat where it is."""


class NotWellFormed(ValueError):
    """Raised by :func:`xml_too_deep` for a text expat cannot read to its end, with expat's
    words and where it stopped (``line`` and ``column``, from 1): the depth of the rest is
    unknown."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(f"{message} (line {line}, column {column})")
        self.what, self.line, self.column = message, line, column


class EntitiesTooDeep(NotWellFormed):
    """Raised by :func:`xml_too_deep` when more XML entities name other entities than it reads
    (a chain of them crashes expat), at the declaration of the one past that: the rest is not
    read."""


#: A reference to an entity in the text an entity stands for (a character reference's text is
#: data, not read again).
_NAMES_ENTITY = re.compile(r"&[^#\s]")


#: How much of an XML document :func:`xml_too_deep` hands expat at a time. Expat (2.5, Python's
#: own) reads a piece to the end of its last whole token and, given the next, reads the token
#: that did not end again from its start: in pieces of 2 KB (``ParseFile``'s), a comment of 4 MiB
#: took 4.2 s, of 16 MiB a minute; in pieces of a MiB, 0.015 s and 0.17 s (256 MiB: 51 s, hence
#: the clock looked at between pieces).
_XML_BYTES_PER_LOOK = 1 << 20


def xml_too_deep(
    handle: BinaryIO, limit: int, *, deadline: float | None = None
) -> tuple[int, int] | None:
    """The line and column where the elements of the XML document read from ``handle`` come to
    nest deeper than ``limit`` (read by expat, :data:`_XML_BYTES_PER_LOOK` bytes at a time), or
    None; :class:`NotWellFormed` for a text expat cannot read (no XML, or an encoding it does not
    know), where the engine's more lenient parser may still go on, as deep as the text nests, and
    :class:`EntitiesTooDeep` when more than ``limit`` entities name other entities. Past
    ``deadline`` (a :func:`time.monotonic` reading; None: none), looked at before each piece,
    :class:`TimeoutError`: a gigabyte of empty elements takes expat and the handlers here more
    than a minute.

    >>> xml_too_deep(io.BytesIO(b"<a>\\n <b><c/></b></a>"), 2)
    (2, 5)
    >>> xml_too_deep(io.BytesIO(b'<a x="1" x="2"><b/></a>'), 2)
    Traceback (most recent call last):
    ...
    atmpkg.graph.store.csvdata.NotWellFormed: duplicate attribute (line 1, column 10)
    >>> chain = b'<!ENTITY b "x">\\n<!ENTITY c "&b;">\\n<!ENTITY d "&c;">\\n<!ENTITY e "&d;">'
    >>> xml_too_deep(io.BytesIO(b"<!DOCTYPE a [" + chain + b"]><a/>"), 2)
    Traceback (most recent call last):
    ...
    atmpkg.graph.store.csvdata.EntitiesTooDeep: more than 2 XML entities name other entities (the one past that is &e;, declared here): the XML parser expands entities within entities by recursion, which a long chain of them crashes; write the text out instead (line 4, column 12)
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = naming = 0

    def entity(name, is_parameter_entity, value, *_) -> None:
        # Expat expands an entity within an entity by recursion: a chain of 30,000 that the
        # check of the declarations' text cannot see (declared after a comment holding "]>", or
        # naming the next as &#38;name;) crashed the process (SIGSEGV). They are counted as they
        # are declared, before any is expanded (an attribute's default value is, within the
        # declarations), and no chain of them is longer than their number.
        nonlocal naming
        if value is not None and _NAMES_ENTITY.search(value):
            naming += 1
            if naming > limit:
                raise EntitiesTooDeep(
                    f"more than {limit:,} XML entities name other entities (the one past that "
                    f"is &{name};, declared here): the XML parser expands entities within "
                    "entities by recursion, which a long chain of them crashes; write the text "
                    "out instead",
                    parser.CurrentLineNumber,
                    parser.CurrentColumnNumber + 1,
                )

    def start(name, attributes) -> None:
        nonlocal depth
        depth += 1
        if depth > limit:  # where the element starts: once raised, expat has read on
            raise _TooDeep(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def end(name) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.EntityDeclHandler = entity
    try:
        while piece := handle.read(_XML_BYTES_PER_LOOK):
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except _TooDeep as deep:
        return deep.args
    except expat.ExpatError as error:
        raise NotWellFormed(expat.ErrorString(error.code), error.lineno, error.offset + 1) from None
    except LookupError as error:  # expat asks Python for the codec the declaration names
        raise NotWellFormed(f"{error}: write UTF-8", 1, 1) from None
    return None


def scan_rdf(
    path: Path,
    display: str,
    terms: frozenset[str] | None = None,
    derived: frozenset[str] | None = None,
) -> tuple[RdfFile, list[tuple[str, str]]]:
    """Check a Turtle / N-Triples / N-Quads / TriG / RDF-XML / JSON-LD file in one streaming pass
    and return it with the IRIs of the instances it types (``rdf:type`` on an ``id/...`` IRI),
    each with its class, in file order. Only those are kept: the triples themselves are loaded by
    the engine, from disk.

    Parse errors carry line and column; the named graphs of quads are counted in
    :attr:`RdfFile.graphs` (the build puts their facts in the default graph). A UTF-8 byte order
    mark at the start is skipped. The literals the engine will store in canonical form are
    counted in :attr:`RdfFile.normalised`. Given the ontology's
    ``terms``, a property or class of its namespace that it does not declare is refused with the
    line it is first written on and the closest declared terms: nothing would ever read it.
    The properties of ``derived`` that the file states are named in :attr:`RdfFile.derived`.
    What would make the parser exhaust memory or its stack is refused before, by
    :func:`check_before_parsing`, which the build runs before any parser reads the file.

    >>> rdf_file, typed = scan_rdf(Path("my-notes.ttl"), "my-notes.ttl")
    >>> rdf_file.format, rdf_file.triples, typed
    (<RdfFormat Turtle>, 1, [])
    """
    rdf_file = rdf_input(path, display)
    rdf_format, start = rdf_file.format, rdf_file.start
    named_graphs = rdf_format.supports_datasets
    graphs: set[ox.Term] = set()
    default_graph = ox.DefaultGraph
    typed: list[tuple[str, str]] = []
    subjects: set[ox.NamedNode | ox.BlankNode | ox.Triple] = set()
    predicates: set[ox.NamedNode] = set()
    classes: set[ox.Term] = set()
    triples = 0
    counter = _NormalisedCounter(display)
    add_literal = counter.add
    literal_type, triple_type, long_term = ox.Literal, ox.Triple, _LONG_TERM
    # the first triple with a long object that no export could read back, looked for where a
    # term can be long (_may_hold_long_terms)
    measuring, past = _may_hold_long_terms(rdf_file), None
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            # The engine reads a path faster than a Python file; the file is needed past a BOM.
            source = {"input": handle} if start else {"path": path}
            for quad in ox.parse(**source, format=rdf_format):
                triples += 1
                if named_graphs and type(quad.graph_name) is not default_graph:
                    graphs.add(quad.graph_name)
                obj = quad.object
                subjects.add(quad.subject)
                predicates.add(quad.predicate)
                if type(obj) is literal_type:
                    add_literal(obj, quad.predicate)
                    if measuring and past is None:
                        if len(obj.value) > long_term or len(obj.language or "") > long_term:
                            past = _past_export(quad)
                else:
                    if measuring and past is None:
                        if type(obj) is triple_type or len(obj.value) > long_term:
                            past = _past_export(quad)
                    if quad.predicate == _RDF_TYPE:
                        classes.add(obj)
                        if isinstance(quad.subject, ox.NamedNode):
                            subject = quad.subject.value
                            if subject.startswith(ID):
                                typed.append((subject, obj.value))
    except SyntaxError as exc:
        line = None
        if exc.lineno is None and rdf_format == ox.RdfFormat.RDF_XML:
            line = _error_line(path, start, rdf_format)
        # a parser's error (a NUL where it wants text: "'\x00' is not allowed at the beginning
        # of a prefix name", or RDF/XML's "XML namespaces are required") in a file whose first
        # line in CJK script hid UTF-16's NULs from check_text (rev26 F7)
        with open(path, "rb") as handle:
            handle.seek(start)
            if _utf16_once_failed(handle.read(FAILED_KIND_BYTES)):
                raise _wide_text(display, "UTF-16") from None
        raise _missing_dot(path, rdf_syntax_error(display, exc, line)) from None
    except MemoryError:  # one token past the parser's buffer (one_piece)
        raise DataError(
            display,
            _error_line(path, start, rdf_format),
            None,
            _past_one_piece_here(rdf_format),
        ) from None
    except OSError as exc:
        raise DataError(
            display, None, None, f"cannot read the file: {exc.strerror or exc}"
        ) from None
    try:
        if measuring:
            _check_past_export(rdf_file, past, [subjects, predicates, counter.kept])
        if counter.year_zero is not None:
            raise _year_zero_error(path, display, counter.year_zero)
        counter.flush()
        if counter.ill_typed is not None:
            raise _ill_typed_error(path, display, counter.ill_typed)
        if counter.beyond is not None:
            raise _beyond_error(path, display, *counter.beyond)
        if terms is not None:
            _check_terms(path, display, predicates | classes, terms)
    except DataError as exc:
        # the file was read whole: what it defines is known to the checks of the others; an
        # entity typed with a class that is no term (a misspelt one, already its error) may be
        # new or one of the data's, so references to its kind are not judged
        exc.typed = [(s, c) for s, c in typed if terms is None or c in terms]
        exc.unsure = {s for s, c in typed if not (terms is None or c in terms)}
        raise
    untyped = sorted(_untyped(subjects, {s for s, _ in typed}))
    if untyped and _DEPRECATED in predicates:
        # a retired IRI takes no class (see graph/data/retired.csv): one the file retires is none
        # of its untyped entities (read again, in this rare case, not on every triple)
        retired = _retired_in(rdf_file)
        untyped = [subject for subject in untyped if subject not in retired]
    return dataclasses.replace(
        rdf_file,
        triples=triples,
        normalised=counter.result(),
        graphs=len(graphs),
        derived=tuple(sorted(p.value for p in predicates if p.value in (derived or ()))),
        stray=tuple(sorted(_stray(subjects))),
        untyped=tuple(untyped),
    ), typed


#: The most characters of one term of a triple (an IRI, a blank node's label, a literal's text,
#: its datatype or language) that cannot make its N-Triples line pass ONE_PIECE: a character of a
#: literal's text is written in at most six bytes (\u0001), of the others in at most four
#: (UTF-8), so a subject, predicate, text and datatype this long take 18 times as many bytes,
#: with 16 for the brackets, quotes, spaces and " .". Only a triple with a longer term is measured
#: (past_export), and an N-Triples or N-Quads file with no line that long not at all
#: (_may_hold_long_terms): the look costs an import of a million N-Triples a few milliseconds, of
#: a million triples of Turtle about a third of a second (a length of each object).
_LONG_TERM = (ONE_PIECE - 16) // 18
#: The longest subject whose line is looked for as a prefixed name too (line_using)
_NAMED_LINE_MOST = 1 << 16


def _may_hold_long_terms(rdf_file: RdfFile) -> bool:
    """Whether a term of ``rdf_file`` may be longer than :data:`_LONG_TERM`: in N-Triples and
    N-Quads, which write each term whole and a triple on one line, only on a line that long (found
    in a look at some hundred places of a file of a million triples); in the other formats a
    prefix, base, context or entity may make any term long.

    >>> _may_hold_long_terms(RdfFile(Path("my-notes.ttl"), "my-notes.ttl", ox.RdfFormat.TURTLE, 0))
    True
    """
    if rdf_file.format not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return True
    with _mapped(rdf_file.path) as text:
        return piece_past(text, 0x0A, most=_LONG_TERM) is not None


def _past_export(quad: ox.Quad) -> ox.Triple | None:
    """The triple of ``quad`` if no export could read it back (:func:`past_export`), else None."""
    return quad.triple if past_export(quad.triple) else None


def _check_past_export(
    rdf_file: RdfFile, past: ox.Triple | None, terms: Iterable[Iterable[object]]
) -> None:
    """Refuse a triple of ``rdf_file`` that no export could read back (:func:`past_export`), at
    the line that first names its subject: ``past``, the first found of those with an object
    longer than :data:`_LONG_TERM`, or, when one of the distinct ``terms`` the file holds (its
    subjects, predicates and datatypes, as terms or text) is that long, the first of all it
    holds, read again (a Turtle or TriG prefix makes an IRI that long wherever it is used).

    >>> notes = RdfFile(Path("my-notes.ttl"), "my-notes.ttl", ox.RdfFormat.TURTLE, 0)
    >>> _check_past_export(notes, None, [["urn:a"]])
    """
    if past is None and any(len(str(t)) > _LONG_TERM for some in terms for t in some):
        with open(rdf_file.path, "rb") as handle:
            handle.seek(rdf_file.start)
            past = next(
                (
                    q.triple
                    for q in ox.parse(handle, format=rdf_file.format)
                    if past_export(q.triple)
                ),
                None,
            )
    if past is not None:
        subject, line = past.subject, None
        if type(subject) is ox.NamedNode:
            # the look for an IRI in every way a file may write it compiles a pattern of it, which
            # takes seconds past a few hundred KiB (6 MiB: 14 s): so long a one is found as written
            iri = subject.value
            long = len(iri) > _NAMED_LINE_MOST
            line = _line_of(rdf_file.path, iri) if long else line_using(rdf_file.path, iri)
        raise _past_export_error(
            rdf_file.display, line, str(subject)[:200], str(past.predicate)[:200], rdf_file.format
        )


def _stray(subjects: Iterable[ox.Term]) -> Iterator[str]:
    """Of ``subjects``, the IRIs under the graph's namespace (``id/``) that are not
    ``KIND/SLUG`` with a kind of the graph and a slug: no kind's page, query prefix or check
    would find what is said of them (joints23 F2: an untyped ``id/thrapy/x2`` was taken).

    >>> list(_stray([ox.NamedNode(ID + "thrapy/x2"), ox.NamedNode(ID + "therapy/x2")]))
    ['https://w3id.org/atmp-kg/id/thrapy/x2']
    """
    for subject in subjects:
        if type(subject) is ox.NamedNode and subject.value.startswith(ID):
            parts = split_iri(subject.value)
            if parts is None or parts[0] not in KINDS or not SLUG_RE.match(parts[1]):
                yield subject.value


def _untyped(subjects: Iterable[ox.Term], typed: set[str]) -> Iterator[str]:
    """Of ``subjects``, the IRIs under the graph's namespace, named ``KIND/SLUG`` with a kind of
    the graph, that are not ``typed``.

    >>> list(_untyped([ox.NamedNode(ID + "approval/x"), ox.NamedNode(ID + "therapy/y")], {ID + "therapy/y"}))
    ['https://w3id.org/atmp-kg/id/approval/x']
    """
    for subject in subjects:
        if type(subject) is ox.NamedNode and subject.value not in typed:
            parts = split_iri(subject.value)
            if parts is not None and parts[0] in KINDS and SLUG_RE.match(parts[1]):
                yield subject.value


def _retired_in(rdf_file: RdfFile) -> set[str]:
    """The IRIs an RDF input marks ``owl:deprecated``: retired, they name no entity."""
    with open(rdf_file.path, "rb") as handle:
        handle.seek(rdf_file.start)
        return {
            quad.subject.value
            for quad in ox.parse(handle, format=rdf_file.format)
            if quad.predicate == _DEPRECATED
        }


def _text_to_search(path: Path) -> str:
    """An input's text, to find the line an error is on ("" when it cannot be read as UTF-8:
    the error then names the file alone)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return path.read_text(encoding="utf-8-sig")
    return ""


# What a Turtle, TriG, N-Triples or N-Quads text says that names nothing, its comments and
# strings (long ones first), found past the runs of text around them, which are kept whole: their
# IRIs may hold a '#' or a quote, and a prefixed name an escaped one (ex:a\#b). Each loop is
# unrolled (a run of plain characters at a time): 1.2 s for a 73 MB file, where one character at a
# time took 3 s.
_SAYS_NOTHING = re.compile(
    r"""([^<"'#\\]+(?:(?:<[^<>\s]*>|<|\\.)[^<"'#\\]*)*|<[^<>\s]*>|<|\\.)"""
    r'''|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'''
    r"""|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"""
    r'''|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'''
    r"""|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|\#[^\n]*""",
    re.DOTALL,
)
_TURTLE_FAMILY = frozenset(
    (
        ox.RdfFormat.TURTLE,
        ox.RdfFormat.TRIG,
        ox.RdfFormat.N_TRIPLES,
        ox.RdfFormat.N_QUADS,
        ox.RdfFormat.N3,
    )
)


def _names_alone(text: str) -> str:
    """A Turtle, TriG, N-Triples or N-Quads ``text`` (its line breaks made LF) with each comment
    and string made one space and the line breaks it holds: what is left names the IRIs, on the
    lines it is written on (newuser25 F14: a misplaced IRI was named at a comment, or a string,
    that mentioned it before its use).

    >>> _names_alone("<urn:a#b> <urn:p> '''x\\n# th:y''', 'th:z' . # th:w\\nth:v <urn:p> 1 .\\n")
    '<urn:a#b> <urn:p>  \\n,   .  \\nth:v <urn:p> 1 .\\n'
    """
    return _SAYS_NOTHING.sub(lambda m: m.group(1) or " " + "\n" * m.group().count("\n"), text)


def _text_naming(path: Path) -> str:
    """An RDF input's text, to find the line an IRI is named on: a Turtle, TriG, N-Triples or
    N-Quads file's without its comments and strings (see :func:`_names_alone`); JSON-LD's and
    RDF/XML's as written, where an IRI is a string or an attribute's value."""
    text = _text_to_search(path)
    extension = path.suffix[1:].lower()
    if ox.RdfFormat.from_extension(extension) in _TURTLE_FAMILY:
        return _names_alone(text)
    return text


def _first_line(path: Path, written: str) -> int | None:
    """The first line of an input that holds ``written``, or None."""
    text = _text_to_search(path)
    found = text.find(written)
    return text.count("\n", 0, found) + 1 if found >= 0 else None


# A prefix a Turtle or TriG file declares, with its namespace ('@prefix' matched from its 'p': an
# alternation with it searched twice as long).
_PREFIX = re.compile(r"(?i:prefix)\s+([\w.-]*):\s*<([^<>\s]*)>")


def iri_line(text: str, iri: str, prefixes: Mapping[str, set[str]] | None = None) -> int | None:
    """The first line of ``text`` that writes ``iri`` whole: in angle brackets or quotes (as
    Turtle, N-Triples, JSON-LD and RDF/XML write it), or as a prefixed name of a prefix the
    text declares; not as the start of a longer IRI (newuser24 F16: the subject
    ``…/id/therapy`` was said to be on the first line linking to ``…/id/therapy/kymriah``).
    ``prefixes``: the prefixes the text declares by their namespaces, when already read
    (:func:`_declared`, a pass over the whole text).

    >>> iri_line("<urn:x:ab> .\\n<urn:x:a> .\\n", "urn:x:a")
    2
    >>> iri_line("@prefix x: <urn:x:> .\\nx:ab x:p 1 .\\nx:a x:p 2 .\\n", "urn:x:a")
    3
    """
    # the IRI's text and then its closing bracket or quote, the opening one checked after: a
    # pattern that starts with plain text is searched for fast
    whole = re.compile(re.escape(iri) + "[>\"']")
    opened = ("<", '"', "'")
    at = next(
        (m.start() for m in whole.finditer(text) if text[m.start() - 1 : m.start()] in opened), None
    )
    if at is None:  # a prefixed name, its slashes escaped or not, not inside a longer name
        at = _prefixed_name_at(text, iri, _declared(text) if prefixes is None else prefixes)
    return None if at is None else text.count("\n", 0, at) + 1


def _in_name(char: str, marks: str = "_:\\-") -> bool:
    """Whether ``char`` (one character or none) may go on a prefixed name, so that a name next
    to it is part of a longer one (``isalnum`` is what a regular expression's ``\\w`` takes)."""
    return bool(char) and (char.isalnum() or char in marks)


# A character that may stand before a prefix as part of a longer name ('.' is one, but a prefix
# may also begin after it: 'a.b').
_NAME_CHAR = re.compile(r"[\w.:\\-]")


def _declared(text: str) -> dict[str, set[str]]:
    """The prefixes a Turtle or TriG ``text`` declares, by their namespaces.

    >>> sorted(_declared("@prefix a: <urn:x:> .\\nPREFIX b: <urn:x:>\\n")["urn:x:"])
    ['a', 'b']
    """
    namespaces: dict[str, set[str]] = {}
    for prefix, namespace in _PREFIX.findall(text):
        if namespace:
            namespaces.setdefault(namespace, set()).add(prefix)
    return namespaces


def _prefixed_name_at(text: str, iri: str, prefixes: Mapping[str, set[str]]) -> int | None:
    """Where ``text`` first writes ``iri`` as a prefixed name of one of ``prefixes`` (by their
    namespaces) on its own: not inside a longer name, nor followed by a dot that continues it.
    Each local name the IRI may take (``:`` and what follows, its slashes escaped or not) is
    searched for once, with ``str.find``, and the prefix before each occurrence looked up: a
    file may declare one namespace under any number of prefixes (sec25 M4: a search of the file
    for each of 20,000 kept a validate busy 639 s), and a regular expression that starts with a
    look-behind is not searched for as plain text (rev24 F5).

    >>> _prefixed_name_at("a:xy b:x\\\\/y a:x/y", "urn:x/y", {"urn:": {"a", "b"}})
    5
    """
    by_local: dict[str, set[str]] = {}
    for namespace, names in prefixes.items():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            for written in (local, local.replace("/", "\\/")):
                by_local.setdefault(":" + written, set()).update(names)
    backwards = text[::-1] if by_local else ""
    found = [
        at
        for name, names in by_local.items()
        if (at := _local_at(text, name, names, backwards)) >= 0
    ]
    return min(found, default=None)


def _local_at(text: str, local: str, names: set[str], backwards: str) -> int:
    """Where ``text`` first writes a prefixed name of one of the prefixes ``names`` with
    ``local`` (``:`` and the local part) on its own, or -1. ``backwards``: ``text`` spelt
    backwards.

    >>> text = "x:a.p:k .\\nz.a.p:k .\\n"
    >>> _local_at(text, ":k", {"a.p", "p.q"}, text[::-1])
    12
    """
    # the names spelt backwards, sorted: those that end with what the text holds before a
    # colon are one run of the list, narrowed by one character at each step back
    ends = sorted(name[::-1] for name in names)
    colon = text.find(local)
    while colon >= 0:
        end = colon + len(local)
        after = text[end : end + 1]
        if not (_in_name(after) or (after == "." and _in_name(text[end + 1 : end + 2], "_:-"))):
            begin = _prefix_ending(text, backwards, colon, ends)
            if begin >= 0:
                return begin
        colon = text.find(local, colon + 1)
    return -1


def _prefix_ending(text: str, backwards: str, colon: int, ends: list[str]) -> int:
    """Where the nearest of the prefixes spelt backwards in the sorted ``ends`` begins that
    ends at ``colon`` in ``text`` (spelt ``backwards`` too), beginning a name: after a
    character that may go on no name, or after a dot (one may go inside a prefix: 'a.b'); or
    -1. The text is read back from the colon only as far as it spells the end of a prefix, and
    no prefix holds a ':', so the searches at all the colons of a text read each character
    once at most (sec26 F1: a 2,000,000-character prefix, read again at each of 200,000
    colons, kept a validate busy over 600 s).

    >>> text = "x:a.p"
    >>> _prefix_ending(text, text[::-1], 5, sorted(["p.a", "p"]))
    4
    """
    low, high, depth = 0, len(ends), 0
    while low < high:
        if high - low == 1:  # one prefix left: compared at once, back from the colon
            begin = colon - len(ends[low])
            whole = backwards.startswith(ends[low], len(text) - colon)
            return begin if begin >= 0 and whole and _begins_name(text, begin) else -1
        # the shortest of the run sorts first: a prefix of exactly ``depth`` characters
        begin = colon - depth
        if len(ends[low]) == depth and _begins_name(text, begin):
            return begin
        if begin == 0:
            break
        char = text[begin - 1]
        low = bisect.bisect_left(ends, char, low, high, key=lambda end: end[depth : depth + 1])
        high = bisect.bisect_right(ends, char, low, high, key=lambda end: end[depth : depth + 1])
        depth += 1
    return -1


def _begins_name(text: str, at: int) -> bool:
    """Whether a prefixed name may begin at ``at`` in ``text``: at its start, after a dot or
    after a character that may go on no name."""
    return at == 0 or text[at - 1] == "." or not _NAME_CHAR.match(text[at - 1])


def _at_their_lines(
    subjects: list[str],
    path: Path,
    display: str,
    told: Callable[[str], str],
    more: Callable[[int, str], str],
) -> list[DataError]:
    """An error for each of ``subjects``, IRIs under the graph's namespace that an RDF input
    writes, saying ``told(subject)`` at the line that uses it; past the first
    :data:`_MOST_SUGGESTED`, one error at the line of the first of the others, saying ``more``
    of how many there are and the first few (each costs a search of the file: 20,000 took 38 s).
    """
    text = _text_naming(path)
    prefixes = _declared(text)
    named = subjects[:_MOST_SUGGESTED]
    # written in full, else by the end of the IRI (id:x, or a prefix of its kind): a pass over
    # every name of the file, made only for the IRIs not found whole
    lines = {subject: iri_line(text, subject, prefixes) for subject in named}
    ends = [
        s.rsplit("/", 1)[1] for s, line in lines.items() if line is None and s.rsplit("/", 1)[1]
    ]
    words = _first_lines(text, ends) if ends else {}
    errors = [
        DataError(display, lines[s] or words.get(s.rsplit("/", 1)[1]), None, told(s)) for s in named
    ]
    if len(subjects) > len(named):
        rest = subjects[len(named) :]
        listed = ", ".join(f"<{cut(s)}>" for s in rest[:5]) + (
            f" and {len(rest) - 5:,} more" if len(rest) > 5 else ""
        )
        # at the first of them, so that it sorts after the others
        errors.append(
            DataError(display, iri_line(text, rest[0], prefixes), None, more(len(rest), listed))
        )
    return errors


def _misplaced(subject: str) -> str:
    """What is wrong with ``subject``, an IRI under the graph's namespace outside KIND/SLUG."""
    kind, _, slug = subject[len(ID) :].partition("/")
    if not kind:
        told = "the IRI names no kind."
    elif kind not in KINDS:
        close = suggest(kind.lower(), KINDS, 1)
        told = f"'{kind}' is no kind of entity" + (f"; did you mean {close[0]}?" if close else ".")
    elif not slug:
        told = "the IRI names no slug after its kind."
    elif "/" in slug:
        told = f"the slug '{slug}' holds a '/'."
    else:  # no kind's prefix (therapy:X_1) or slug lookup would find it
        # a space written %20 is a space (newuser25 F14: x%20y was offered x-20y)
        fixed = re.sub(r"[^a-z0-9]+", "-", urllib.parse.unquote(slug).lower()).strip("-")
        told = f"'{slug}' is not a slug (lowercase a-z, 0-9, hyphens)" + (
            f"; did you mean {kind}/{fixed}?" if SLUG_RE.match(fixed) else "."
        )
    return (
        f"<{subject}>: {told} The graph's entities are named {ID}KIND/SLUG; keep entities of your "
        "own in a namespace of yours"
    )


def _misplaced_entities(subjects: list[str], path: Path, display: str) -> list[DataError]:
    """The errors for the entities an RDF input types under the graph's namespace (``id/``)
    outside the kind/slug form its IRIs take: no kind's page, query prefix or check would find
    them. The first :data:`_MOST_SUGGESTED` are named at their lines; the others are summed up in
    one error.

    >>> for error in _misplaced_entities([ID + "thrapy/x1"], Path("missing.ttl"), "mine.ttl"):
    ...     print(error)
    mine.ttl: <https://w3id.org/atmp-kg/id/thrapy/x1>: 'thrapy' is no kind of entity; did you mean therapy? The graph's entities are named https://w3id.org/atmp-kg/id/KIND/SLUG; keep entities of your own in a namespace of yours
    """

    def more(count: int, listed: str) -> str:
        return (
            f"{count:,} more entities are named under {ID} outside KIND/SLUG, the first on this "
            f"line: {listed}; each is named once those above are corrected"
        )

    return _at_their_lines(subjects, path, display, _misplaced, more)


#: The class an entity of each kind is typed with: a concept's is SKOS's.
_KIND_CLASSES = {
    **dict.fromkeys(KINDS, SKOS + "Concept"),
    "scheme": SKOS + "ConceptScheme",
    **{family.kind: family.cls for family in FAMILIES.values() if family.cls},
    **dict(_GEO_KINDS.values()),
}


@functools.cache
def class_names() -> dict[str, frozenset[str]]:
    """The names the ontology's classes go by, in lower case, each with the IRIs of the classes
    it names: each class's local name and label (``therapy``, ``regulatoryagency``, ``regulatory
    agency``) and the kind its entities' IRIs name (``agency``: agency:fda is one). The one table
    ``--class`` (:func:`~atmpkg.graph.slice.subgraph.resolve_class`) and a class given without it
    (``atmpkg export agencies``, rev26 F4) read. From the packaged ontology, not a store, which a
    usage error does not open.

    >>> [shorten(cls) for name in ("agency", "regulatory agency") for cls in class_names()[name]]
    ['atmp:RegulatoryAgency', 'atmp:RegulatoryAgency']
    """
    classes = {
        q.subject.value
        for q in ontology_quads()
        if q.predicate.value == RDF + "type"
        and q.object.value == OWL + "Class"
        and q.subject.value.startswith(ATMP)
    }
    named = [
        (name, cls) for cls in classes for name in (cls[len(ATMP) :], vocabulary_label(cls)) if name
    ]
    # a concept's kind (modality) names SKOS's class, which is no class of the ontology's own
    named += [(kind, cls) for kind, cls in _KIND_CLASSES.items() if cls in classes]
    names: dict[str, set[str]] = {}
    for name, cls in named:
        names.setdefault(name.lower(), set()).add(cls)
    return {name: frozenset(found) for name, found in names.items()}


def _untyped_entities(
    subjects: list[str], path: Path, display: str, removing: Sequence[str] = ()
) -> list[DataError]:
    """The errors for the entities an RDF input gives facts under the graph's namespace, named
    ``KIND/SLUG``, that nothing types and that are no entity of the data, of the other inputs or
    of the ontology: no query or check of their kind would read them (newuser25 F11: an approval
    written without its ``a atmp:Approval`` was imported unchecked); with the imports a removal
    takes out, ``removing``, that typed them. The first :data:`_MOST_SUGGESTED` are named at
    their lines; the others are summed up in one error.

    >>> for error in _untyped_entities([ID + "approval/x"], Path("missing.ttl"), "mine.ttl"):
    ...     print(error)
    mine.ttl: <https://w3id.org/atmp-kg/id/approval/x> is typed nowhere: add `a atmp:Approval` (no query or check reads an entity without its class); to add facts to an approval the graph holds, write its IRI (none has this one)
    """

    def told(subject: str) -> str:
        kind = subject[len(ID) :].partition("/")[0]
        cls = shorten(_KIND_CLASSES[kind])
        if removing:
            return (
                f"<{subject}> would be typed nowhere once {' and '.join(removing)} "
                f"{'is' if len(removing) == 1 else 'are'} removed: remove this import with it, "
                f"or import it again with `a {cls}` (no query or check reads an entity without "
                "its class)"
            )
        noun = indefinite(kind.replace("-", " "))
        return (
            f"<{subject}> is typed nowhere: add `a {cls}` (no query or check reads an entity "
            f"without its class); to add facts to {noun} the graph holds, write its IRI (none "
            "has this one)"
        )

    def more(count: int, listed: str) -> str:
        return (
            f"{count:,} more entities under {ID} are typed nowhere, the first on this line: "
            f"{listed}; each is named once those above are corrected"
        )

    return _at_their_lines(subjects, path, display, told, more)


#: What the graph keeps of a retired IRI (see graph/data/retired.csv): a file may state it too.
_RETIRED_RECORD = frozenset({OWL + "deprecated", REPLACED_BY, RDFS + "comment"})


def _given_facts(path: Path, display: str, subjects: Collection[str]) -> set[str]:
    """Of ``subjects``, those the RDF input at ``path`` gives a fact other than what the graph
    keeps of a retired IRI (:data:`_RETIRED_RECORD`); read again, only in this rare case."""
    rdf_file = rdf_input(path, display)
    with open(path, "rb") as handle:
        handle.seek(rdf_file.start)
        return {
            quad.subject.value
            for quad in ox.parse(handle, format=rdf_file.format)
            if quad.subject.value in subjects and quad.predicate.value not in _RETIRED_RECORD
        }


def _retired_subjects(replaced: Mapping[str, str], path: Path, display: str) -> list[DataError]:
    """The errors for the retired IRIs an RDF input gives facts about without typing them, each
    with the IRI that ``replaced`` it: a retired IRI names no entity, so such facts would be in
    the store where no door that shows an entity (``atmpkg show``, ``view --focus``, ``/id/``)
    looks, all of which go to its replacement (newuser28 F1).

    >>> new = ID + "approval/x-2021-08-18"
    >>> for error in _retired_subjects({ID + "approval/x-2021-08": new}, Path("missing.ttl"), "mine.ttl"):
    ...     print(error)
    mine.ttl: approval:x-2021-08 is retired: approval:x-2021-08-18 replaced it; write that (the graph keeps of a retired IRI only what replaced it and why)
    """

    def told(subject: str) -> str:
        return (
            f"{retired_told(shorten(subject), shorten(replaced[subject]))}; write that (the "
            "graph keeps of a retired IRI only what replaced it and why)"
        )

    def more(count: int, listed: str) -> str:
        return (
            f"{count:,} more retired IRIs are given facts, the first on this line: {listed}; "
            "write the IRI that replaced each (atmpkg show names it)"
        )

    return _at_their_lines(list(replaced), path, display, told, more)


def _year_zero_error(path: Path, display: str, literal: ox.Literal) -> DataError:
    """The error for a date of year 0000 in an RDF input, at the first line that writes it."""
    return DataError(
        display,
        _first_line(path, literal.value),
        None,
        f"{_n3(literal)}: there is no year 0000 (XSD 1.0, which rdflib and most tools read, has "
        "none, so an export of it could not be read back); write the year the source states",
    )


def _ill_typed_error(path: Path, display: str, literal: ox.Literal) -> DataError:
    """The error for a literal that is no value of its datatype, at the first line that writes
    it."""
    return DataError(
        display, _first_line(path, f'"{literal.value}"'), None, f"{_n3(literal)} {no_value(literal)}"
    )


def _beyond_error(
    path: Path, display: str, literal: ox.Literal, predicate: ox.NamedNode | None
) -> DataError:
    """The error for a number the engine holds no number of (:func:`number_beyond`), at the
    first line that writes it, quoted or bare (Turtle's ``2e20``)."""
    line = _first_line(path, f'"{literal.value}"')
    if line is None:
        text = _text_to_search(path)
        bare = re.search(rf"(?<![\w.+-]){re.escape(literal.value)}(?![\w.])", text)
        line = text.count("\n", 0, bare.start()) + 1 if bare else None
    stated = f"{shorten(predicate.value)} " if predicate is not None else ""
    return DataError(display, line, None, f"{stated}{_n3(literal)}: {number_beyond(literal)}")


@functools.lru_cache(maxsize=4)
def _local_names(terms: frozenset[str]) -> list[str]:
    """The local names of the ontology's terms among ``terms``, made once for a file's many."""
    return [t[len(ATMP) :] for t in terms if t.startswith(ATMP)]


#: Unknown properties and classes of one file whose errors name the closest terms; the others are
#: summed up in one more. Each costs a search of its vocabulary's names, and a file may misspell
#: thousands (sec22 M2: 50,000 took 22 minutes, every one then printed).
_MOST_SUGGESTED = 20
#: How many accepted values of a fixed-list column an error about an unknown one lists; a
#: longer list is pointed to.
_MOST_LISTED = 12
#: Names of the unknown terms past :data:`_MOST_SUGGESTED` that their summing up repeats.
_MOST_NAMED = 5
#: A name made of letters, digits, '_' and '-' only: these are found in one pass over a file.
_NAME_RUN = re.compile(r"[\w-]+")


@dataclass(frozen=True)
class _Misnamed:
    """A property or class that no reader would read: how it is written (``shown``), what it is
    no term of, and its ``name`` and the ``names`` of that vocabulary (written ``prefix:``), to
    find the closest terms among."""

    shown: str
    vocabulary: str
    prefix: str
    name: str
    names: Sequence[str]

    def closest(self) -> list[str]:
        """The three terms of the vocabulary closest to the name, best first."""
        return [f"{self.prefix}:{s}" for s in suggest(self.name, self.names, 3)]


def _misnamed(term: str, terms: frozenset[str]) -> _Misnamed | None:
    """How a property or class ``term`` that no reader would read is written, what it is not a
    term of, and what terms are close, or None when it is a term (or of a namespace of the user's).

    >>> lable = _misnamed("http://www.w3.org/2000/01/rdf-schema#lable", frozenset())
    >>> lable.shown, lable.vocabulary, lable.closest()
    ('rdfs:lable', 'RDF Schema (rdfs:)', ['rdfs:label'])
    >>> code = _misnamed("https://w3id.org/atmp-kg/ontology/codeName", frozenset({ATMP + "codeName"}))
    >>> code.shown, code.vocabulary, code.closest()
    ('<https://w3id.org/atmp-kg/ontology/codeName>', 'the ATMP-KG ontology, whose namespace is https://w3id.org/atmp-kg/ontology#', ['atmp:codeName'])
    """
    local_names = _local_names(terms)
    if term.startswith(ATMP):
        if term in terms:
            return None
        name = term[len(ATMP) :]
        return _Misnamed(f"atmp:{name}", "the ATMP-KG ontology", "atmp", name, local_names)
    # a term of the project's IRIs outside the ontology's namespace is that namespace written
    # wrong (``…/ontology/`` for ``…/ontology#``, ``http:``)
    if PROJECT_IRIS.match(term):
        name = re.split(r"[#/]", term)[-1]
        vocabulary = f"the ATMP-KG ontology, whose namespace is {ATMP}"
        return _Misnamed(f"<{term}>", vocabulary, "atmp", name, local_names)
    for prefix, (vocabulary, namespace, listed) in CLOSED_VOCABULARIES.items():
        if term.startswith(namespace):
            name, names = term[len(namespace) :], listed.split()
            if name in names or (prefix == "rdf" and re.fullmatch(r"_[1-9][0-9]*", name)):
                return None
            return _Misnamed(f"{prefix}:{name}", f"{vocabulary} ({prefix}:)", prefix, name, names)
    return None


def _first_lines(text: str, names: Iterable[str]) -> dict[str, int]:
    """The first line of ``text`` that writes each of ``names`` as a name of its own (not inside
    a longer run of letters, digits, '_' and '-'), for the names it writes. The names made of
    those characters alone are all found in one pass; any other ('brand.name', written in a
    full IRI or a JSON-LD key) costs a pass of its own, so only the first
    :data:`_MOST_SUGGESTED` of those are looked for.

    >>> sorted(_first_lines("a:x .\\nb:y a:x.z a:x-y .\\n", ["x-y", "x.z", "y", "w", "z"]).items())
    [('x-y', 2), ('x.z', 2), ('y', 2), ('z', 2)]
    """
    wanted = set(names)
    plain = {name for name in wanted if _NAME_RUN.fullmatch(name)}
    lines: dict[str, int] = {}
    line, counted = 1, 0
    for run in _NAME_RUN.finditer(text) if plain else ():
        name = run.group()
        if name in plain and name not in lines:
            line += text.count("\n", counted, run.start())
            counted = run.start()
            lines[name] = line
            if len(lines) == len(plain):
                break
    for name in sorted(wanted - plain)[:_MOST_SUGGESTED]:
        found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
        if found:
            lines[name] = text.count("\n", 0, found.start()) + 1
    return lines


def _check_terms(path: Path, display: str, used: set, terms: frozenset[str]) -> None:
    """Refuse every property or class in ``used`` that no reader would read: a name of the
    ontology's namespace that ``terms`` lacks, a name under the project's IRIs outside that
    namespace (the namespace written wrong), a name of RDF, RDF Schema or SKOS that they do not
    define; each at the first line that writes its local name, in line order, the first
    :data:`_MOST_SUGGESTED` with the closest terms and the others summed up in one error."""
    unknown = sorted(
        (t.value, found)
        for t in used
        if isinstance(t, ox.NamedNode) and (found := _misnamed(t.value, terms)) is not None
    )
    if not unknown:
        return
    names = [re.split(r"[#/:]", term)[-1] for term, _ in unknown]
    # newuser25 F14 for terms: a comment or string that mentions one is not where it is used
    lines = _first_lines(_text_naming(path), names)
    placed = sorted(
        ((lines.get(name), misnamed) for name, (_, misnamed) in zip(names, unknown, strict=True)),
        key=lambda placed: (placed[0] is None, placed[0] or 0),
    )
    errors = []
    for line, misnamed in placed[:_MOST_SUGGESTED]:
        close = misnamed.closest()
        errors.append(
            DataError(
                display,
                line,
                None,
                f"{misnamed.shown} is no term of {misnamed.vocabulary}, so nothing would read it"
                + (f"; did you mean {', '.join(close)}?" if close else ".")
                + (
                    " The terms are in ontology/atmp.ttl; keep your own terms in a namespace of "
                    "yours."
                    if misnamed.vocabulary.startswith("the ATMP-KG")
                    else ""
                ),
            )
        )
    left = placed[_MOST_SUGGESTED:]
    if left:
        line = left[0][0]
        shown = ", ".join(cut(misnamed.shown) for _, misnamed in left[:_MOST_NAMED])
        errors.append(
            DataError(
                display,
                line,
                None,
                f"{len(left):,} more properties and classes are no terms of their vocabularies "
                f"either{', the first on this line' if line else ''}: {shown}"
                + (f" and {len(left) - _MOST_NAMED:,} more" if len(left) > _MOST_NAMED else "")
                + "; each is named with the closest terms once those above are corrected",
            )
        )
    raise errors[0] if len(errors) == 1 else DataErrors(errors)


#: The position pyoxigraph writes around its parse error messages, which DataError gives instead:
#: "Parser error at line 4 column 8: ", "... at line 1 between columns 31 and 34: ", "... between
#: line 1 column 27 and line 2 column 1: ", and " (file.nt, line 4)" at the end.
_POSITION = re.compile(
    r"^Parser error (?:at line \d+ (?:column \d+|between columns \d+ and \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): |\s\([^()]*, line \d+\)$"
)


class _LineByLine(io.RawIOBase):
    """A file handed to the parser one line per read, a line ending at a CR, an LF or a CR LF, as
    XML 1.0 (2.11) and the RDF grammars end one (newuser25 F16: an RDF/XML file with CR alone, as
    classic Mac OS wrote, was all line 1); ``line`` is the line of the last byte handed out."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._read, self._at = b"", 0
        self._breaks = 0
        self._after_cr = False
        self.line = 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self._at == len(self._read):
            self._read, self._at = self._handle.read(len(buffer)), 0
        start, read = self._at, self._read
        if start == len(read):  # the end of the file
            return 0
        if self._after_cr and read[start : start + 1] == b"\n":
            end = start + 1  # a CR LF that the last read cut in two: the line it ends is handed out
        else:
            found = _LINE_BREAK.search(read, start, start + len(buffer))
            end = found.end() if found else min(len(read), start + len(buffer))
            self.line = self._breaks + 1
            self._breaks += found is not None
        self._after_cr = read[end - 1 : end] == b"\r"
        buffer[: end - start] = read[start:end]
        self._at = end
        return end - start


_LINE_BREAK = re.compile(rb"\r\n?|\n")


def _error_line(path: Path, start: int, rdf_format: ox.RdfFormat) -> int | None:
    """The line of a parse error that comes without a position, as RDF/XML's and a token too
    long for the parser's buffer do: the file is parsed again one line per read, and the
    streaming parser fails while reading what is wrong, so its line is the last one read. None
    if the second parse does not fail.
    (JSON-LD's parser fails only at the end of the object that holds the error, often lines
    later, so its errors keep no line.)"""
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        handle.seek(start)
        lines = _LineByLine(handle)
        try:
            for _ in ox.parse(lines, format=rdf_format):
                pass
        except (SyntaxError, MemoryError):
            return lines.line
    return None


_NO_DOT = ("A dot is expected at the end of statements", "Triples should be followed by a dot")


def _missing_dot(path: Path, error: DataError) -> DataError:
    """The ``error`` of a Turtle or TriG parser that wanted a final dot, moved to the line whose
    statement lacks it: the parser only notices at the next statement, which may be lines later
    (or past the end), so its own position points below the mistake. Any other error is
    returned as it is.

    >>> Path("no-dot.ttl").write_text('<urn:a> <urn:b> "one"\\n\\n<urn:c> <urn:b> "two" .\\n')
    47
    >>> try:
    ...     scan_rdf(Path("no-dot.ttl"), "no-dot.ttl")
    ... except DataError as exc:
    ...     print(exc)
    no-dot.ttl:1: the statement ending on this line has no final '.'; add it (the parser ...)
    """
    if error.message not in _NO_DOT or error.line is None:
        return error
    ended = None
    # lines end as the parser ends them, at a CR, an LF or a CR LF (newuser24 F3)
    with (
        contextlib.suppress(OSError),
        open(path, encoding="utf-8-sig", errors="replace", newline=None) as handle,
    ):
        for number, text in enumerate(handle, 1):
            if number == error.line:
                before = text[: (error.column or 1) - 1]
                if before.strip() and not before.lstrip().startswith("#"):
                    return error
                break
            if text.strip() and not text.lstrip().startswith("#"):
                ended = number
    if ended is None:
        return error
    where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
    return DataError(
        error.file,
        ended,
        None,
        f"the statement ending on this line has no final '.'; add it (the parser noticed at "
        f"{where}: {error.message})",
    )


#: The parser's message for a prefix a Turtle or TriG file uses without declaring it.
_UNDECLARED = re.compile(r"The prefix ([A-Za-z][\w.-]*|): has not been declared")


def rdf_syntax_error(display: str, exc: SyntaxError, line: int | None = None) -> DataError:
    """A pyoxigraph parse error as a :class:`DataError` at its line and column (``line`` where
    the parser gives no position); an undeclared prefix of the graph's own (``therapy:``,
    ``atmp:``…) is given the line that declares it.

    >>> try:
    ...     list(ox.parse(b"<urn:a> <urn:b> .", format=ox.RdfFormat.N_TRIPLES))
    ... except SyntaxError as exc:
    ...     print(rdf_syntax_error("bad.nt", exc))
    bad.nt:1:17: The object of a triple must be an IRI, a blank node or a literal (line 1)
    >>> try:
    ...     list(ox.parse(b"<urn:a> <urn:b> company:x .", format=ox.RdfFormat.TURTLE))
    ... except SyntaxError as exc:
    ...     print(rdf_syntax_error("my.ttl", exc))
    my.ttl:1:17: The prefix company: has not been declared: add the line @prefix company: <https://w3id.org/atmp-kg/id/company/> . at the top of the file (queries declare the graph's prefixes; a file declares those it uses)
    """
    message = invisible_advice(_POSITION.sub("", str(exc)) if exc.lineno is not None else str(exc))
    message = unhidden(message)
    undeclared = _UNDECLARED.search(message)
    if undeclared and undeclared[1] in PREFIXES:
        # a prefix queries predeclare, which a file must declare itself (newuser26 F9)
        prefix = undeclared[1]
        message = (
            f"{undeclared[0]}: add the line @prefix {prefix}: <{PREFIXES[prefix]}> . at the top "
            "of the file (queries declare the graph's prefixes; a file declares those it uses)"
        )
    if "Invalid UTF-8" in message:
        message += "; save the file as UTF-8"
    if "LoadDocumentCallback" in message:
        message = (
            "its @context is fetched from a URL, and an import reads nothing from the network; "
            'put the context itself in the file ("@context": { … })'
        )
    return DataError(display, exc.lineno or line, exc.offset, message)


def concepts_by_scheme(ontology: Sequence[ox.Quad]) -> dict[str, set[str]]:
    """Slugs of the SKOS concepts defined in the ontology, by their IRI kind; a deprecated
    concept is no value a row may give.

    >>> from atmpkg.graph.rdf import ontology_quads
    >>> sorted(concepts_by_scheme(ontology_quads())["cell-source"])
    ['allogeneic', 'autologous']
    >>> sorted(concepts_by_scheme(ontology_quads())["approval-type"])
    ['initial', 'label-expansion']
    """
    found: dict[str, set[str]] = {}
    deprecated = {q.subject.value for q in ontology if q.predicate.value == OWL + "deprecated"}
    for quad in ontology:
        if quad.predicate.value == RDF + "type" and quad.object.value == SKOS + "Concept":
            parts = split_iri(quad.subject.value)
            if parts and quad.subject.value not in deprecated:
                found.setdefault(parts[0], set()).add(parts[1])
    return found


def concept_names(
    ontology: Sequence[ox.Quad],
) -> dict[str, tuple[dict[str, set[str]], dict[str, str]]]:
    """The names of each scheme's concepts (by their IRI kind), as :meth:`_Compiler.names_of`
    gives an entity kind's: each label (``skos:prefLabel``, ``rdfs:label``, ``skos:altLabel``),
    lower-cased, with the slugs it names, and each slug with its preferred label; a deprecated
    concept has none.

    >>> from atmpkg.graph.rdf import ontology_quads
    >>> names, labels = concept_names(ontology_quads())["approval-type"]
    >>> names["first approval"], labels["initial"]
    ({'initial'}, 'first approval')
    """
    found = {
        scheme: ({}, dict.fromkeys(sorted(slugs), ""))
        for scheme, slugs in concepts_by_scheme(ontology).items()
    }
    for quad in ontology:
        pred = quad.predicate.value
        if pred not in _CONCEPT_NAMES or not isinstance(quad.object, ox.Literal):
            continue
        parts = split_iri(quad.subject.value)
        names, labels = found.get(parts[0], ({}, {})) if parts else ({}, {})
        if parts and parts[1] in labels:
            names.setdefault(quad.object.value.lower(), set()).add(parts[1])
            if pred == SKOS + "prefLabel" or (pred == RDFS + "label" and not labels[parts[1]]):
                labels[parts[1]] = quad.object.value
    return found


def compile_inputs(
    csv_files: Sequence[tuple[Path, str]],
    rdf_files: Sequence[tuple[Path, str]],
    ontology: Sequence[ox.Quad],
    *,
    curated: int = 0,
    accepted: Collection[str] = (),
    typed_before: Callable[[Sequence[str]], Collection[str]] | None = None,
    removing: Sequence[str] = (),
) -> Compiled:
    """Compile CSV files into quads and check RDF files (each given as ``(path, name to show in
    errors)``); the RDF files are returned in :attr:`Compiled.rdf_files`, to be loaded as they are.
    The first ``curated`` CSV files are a data folder's, told when their rows are out of order
    (newuser24 F8: a user's own file was told so too, in the form of an error). The RDF files
    named in ``accepted`` (a store's earlier imports) are not refused for the KIND/SLUG subjects
    they leave untyped: a version without that check imported them (rev25b F1), except those the
    store typed before (``typed_before`` tells which of its subjects it did) while the imports
    named in ``removing`` are taken out: what that removal would leave typed nowhere.

    The instance IRIs that RDF files type can be referenced from CSV rows.

    >>> _ = Path("targets.csv").write_text("slug,label\\ncd19,CD19\\n")
    >>> compiled = compile_inputs([(Path("targets.csv"), "targets.csv")], [], [])
    >>> len(compiled.quads), compiled.locations
    (2, {'https://w3id.org/atmp-kg/id/target/cd19': 'targets.csv:2'})
    """
    compiler = _Compiler(ontology)
    compiler.removing = tuple(removing)
    terms = frozenset(q.subject.value for q in ontology if isinstance(q.subject, ox.NamedNode))
    derived = frozenset(q.subject.value for q in ontology if q.predicate.value == DERIVED_BY)
    checked, empty = [], []
    # A file that cannot be read at all (a syntax error, a header of no family) is one error
    # among the others: every file is read, and what reading finds wrong is said at once
    failed: list[DataError] = []
    unread = False
    for path, display in rdf_files:
        try:
            rdf_file, typed = scan_rdf(path, display, terms if ontology else None, derived)
        except DataError as exc:
            failed.append(exc)
            if hasattr(exc, "typed"):
                compiler.add_rdf_subjects(exc.typed, path, display)
                compiler.unkeyed |= {split_iri(s)[0] for s in exc.unsure if split_iri(s)}
            else:
                unread = True
            continue
        untyped = rdf_file.untyped
        if display in accepted:
            untyped = tuple(typed_before(untyped)) if typed_before and untyped else ()
        compiler.add_rdf_subjects(typed, path, display, rdf_file.stray, untyped)
        checked.append(rdf_file)
    for number, (path, display) in enumerate(csv_files):
        try:
            if not compiler.read_csv(path, display, number < curated):
                empty.append(display)
        except DataError as exc:
            failed.append(exc)
            unread = True
    compiler.errors[:0] = [e for error in failed for e in getattr(error, "errors", [error])]
    # A file that could not be read may define any entity: a reference the others make to one
    # they do not define is then no error of its own, but every value is still checked (an RDF
    # file read whole whose terms are wrong defines what it types, newuser17 F4)
    if unread:
        compiler.unkeyed |= set(compiler.keys)
    compiler.refuse_untyped(terms)
    compiled = compiler.emit_all()
    compiled.rdf_files = checked
    compiled.empty_csv = empty
    # The CSV checks keep numbers canonical; this says so should a form slip past them.
    counter = _NormalisedCounter("the CSV files")
    for quad in compiled.quads:
        if isinstance(quad.object, ox.Literal):
            counter.add(quad.object)
    found = counter.result()
    compiled.normalised = [f.normalised for f in checked if f.normalised]
    compiled.normalised += [found] if found else []
    return compiled


def defined_and_used(path: Path, display: str) -> tuple[set[str], dict[str, list[int]]]:
    """The entities an input defines (a CSV file's rows; the ``id/KIND/SLUG`` IRIs an RDF file
    types) and those under the graph's namespace it uses, each with the lines of a CSV file that
    use it (none listed for an RDF file: :func:`line_using` finds its first): what a removal of
    imports checks the imports that stay against. An input that cannot be read defines and uses
    nothing here; the build says what is wrong with it.

    >>> _ = Path("targets.csv").write_text("slug,label,source\\nx1,X one,my-note\\n")
    >>> defined, used = defined_and_used(Path("targets.csv"), "targets.csv")
    >>> sorted(defined), used
    (['https://w3id.org/atmp-kg/id/target/x1'], {'https://w3id.org/atmp-kg/id/source/my-note': [2]})
    """
    defined: set[str] = set()
    used: dict[str, list[int]] = {}
    if path.suffix.lower() == ".csv":
        compiler = _Compiler(())
        with contextlib.suppress(DataError):
            compiler.read_csv(path, display)
        for row in compiler.rows:
            if row.subject:
                defined.add(row.subject)
            for col in row.family.columns:
                value = row.cells.get(col.name, "")
                if not value or col.how not in ("ref", "refs", "anyref", "anyrefs"):
                    continue
                for one in value.split("|"):
                    kind, slug = (
                        one.strip().partition("/")[::2]
                        if col.how.startswith("any")
                        else (col.target, one.strip())
                    )
                    # a country or a region: what a row names 'geo' may be either
                    for of in ("country", "region") if kind == "geo" else (kind,):
                        lines = used.setdefault(iri(of, slug), [])
                        if row.line not in lines:
                            lines.append(row.line)
        return defined, used
    with contextlib.suppress(DataError, SyntaxError, OSError, MemoryError):
        rdf_file = rdf_input(path, display)
        with open(path, "rb") as handle:
            handle.seek(rdf_file.start)
            for quad in ox.parse(handle, format=rdf_file.format):
                for term in (quad.subject, quad.object):
                    if type(term) is ox.NamedNode and term.value.startswith(ID):
                        used.setdefault(term.value, [])
                if quad.predicate == _RDF_TYPE and quad.subject.value.startswith(ID):
                    defined.add(quad.subject.value)
    return defined, used


def line_using(path: Path, entity: str) -> int | None:
    """The first line of an RDF input that names ``entity`` (None when none is found).

    >>> _ = Path("uses.ttl").write_text("@prefix t: <https://w3id.org/atmp-kg/id/therapy/> .\\n<urn:a> <urn:p> t:x1 .\\n")
    >>> line_using(Path("uses.ttl"), "https://w3id.org/atmp-kg/id/therapy/x1")
    2
    """
    return iri_line(_text_naming(path), entity)

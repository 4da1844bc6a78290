"""Compile the curated CSV files (and researchers' Turtle) into RDF quads.

Each family file has a fixed header (see ``graph/data/README.md``); :data:`FAMILIES` maps every
column to how it becomes RDF. Compilation runs in two passes over all inputs together: the first
collects every record's key so that the second can check each reference, and every error names the
file, line and column with the closest valid names. RDF files are only checked here, in one
streaming pass that keeps their typed subjects; the build then bulk-loads them from disk, so their
triples never become Python objects.

>>> FAMILIES["targets"].header
('slug', 'label', 'kind')
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from atmpkg.graph.errors import DataError, DataErrors, UnknownNameError
from atmpkg.graph.terms import (
    ATMP,
    DCT,
    ID,
    KINDS,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SLUG_RE,
    XSD,
    iri,
    split_iri,
)

log = logging.getLogger("atmpkg")


@dataclass(frozen=True)
class Col:
    """How one CSV column becomes RDF.

    ``how`` is one of: key, label, text, texts, date, year, decimal, url, ref, refs, anyrefs,
    concept, concepts, note. ``target`` is the kind referenced (``ref``/``refs``; ``geo`` means a
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
        return tuple(c.name for c in self.columns)


def _sources(required: bool = True) -> Col:
    return Col("source", "refs", DCT + "source", "source", required)


def _key(required: bool = True) -> Col:
    return Col("slug", "key", required=required)


def _label(required: bool = True) -> Col:
    return Col("label", "label", RDFS + "label", required=required)


_NOTE = Col("note", "note", RDFS + "comment")

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
                _sources(),
            ),
        ),
        Family(
            "targets",
            "target",
            ATMP + "Target",
            (_key(), _label(), Col("kind", "text", ATMP + "targetKind")),
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
                Col("jurisdiction", "ref", ATMP + "jurisdiction", "geo"),
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
                Col("deal_type", "concept", ATMP + "dealType", "deal-type", True),
                Col("date", "date", ATMP + "date", required=True),
                Col("value_usd", "decimal", ATMP + "valueUSD"),
                Col("upfront_usd", "decimal", ATMP + "upfrontUSD"),
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
                Col("period", "date", ATMP + "period"),
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

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DECIMAL = re.compile(r"^-?(?:\d+(?:\.\d+)?)$")
_GEO_KINDS = {"country": ("country", ATMP + "Country"), "region": ("region", ATMP + "Region")}


def date_literal(text: str) -> ox.Literal:
    """``YYYY-MM-DD`` -> xsd:date, ``YYYY-MM`` -> xsd:gYearMonth, ``YYYY`` -> xsd:gYear.

    >>> date_literal("2017-08").datatype.value
    'http://www.w3.org/2001/XMLSchema#gYearMonth'
    """
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = match.groups()
    if day:
        datetime.date.fromisoformat(text)
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"'{text}' has no month {month}")
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "gYearMonth"))
    return ox.Literal(year, datatype=ox.NamedNode(XSD + "gYear"))


@dataclass(frozen=True)
class RdfFile:
    """An RDF input that passed :func:`scan_rdf`, to be bulk-loaded from ``path`` in ``format``."""

    path: Path
    display: str
    format: ox.RdfFormat
    triples: int


@dataclass
class Compiled:
    """The result of compiling inputs: the quads of the CSV rows, the RDF files to load as they
    are, and where each subject was written (file:line for CSV rows, the file for RDF)."""

    quads: list[ox.Quad] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    rdf_files: list[RdfFile] = field(default_factory=list)


@dataclass
class _Row:
    file: str
    line: int
    family: Family
    cells: dict[str, str]
    subject: str = ""


class _RowRejected(Exception):
    """Stops work on one row after its error was recorded; the next row goes on."""


class _Compiler:
    def __init__(self, concepts: dict[str, set[str]]):
        self.concepts = concepts
        self.errors: list[DataError] = []
        self.keys: dict[str, dict[str, str]] = {k: {} for k in (*KINDS, "geo")}
        self.geo_kind: dict[str, str] = {}
        self.rows: list[_Row] = []
        self.out = Compiled()

    # pass 1 ------------------------------------------------------------------------------------
    def read_csv(self, path: Path, display: str) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(display, None, None, f"not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise DataError(display, None, None, f"cannot read the file: {exc.strerror}") from None
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = tuple(h.strip() for h in next(reader))
        except StopIteration:
            raise DataError(display, 1, None, "the file is empty; it needs a header row") from None
        except csv.Error as exc:
            raise DataError(display, reader.line_num, None, f"malformed CSV: {exc}") from None
        family = family_for(path.stem, header, display)
        previous_key = ""
        line = reader.line_num
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise DataError(display, reader.line_num, None, f"malformed CSV: {exc}") from None
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise DataError(
                    display,
                    start,
                    None,
                    f"row has {len(cells)} cells but the header has {len(header)}; quote cells "
                    "that contain commas",
                )
            row = _Row(
                display, start, family, {h: c.strip() for h, c in zip(header, cells, strict=True)}
            )
            try:
                self.register(row)
            except _RowRejected:
                continue
            first = row.cells[header[0]]
            if first < previous_key:
                log.warning("%s:%d: rows are not sorted by '%s'", display, start, header[0])
            previous_key = first

    def register(self, row: _Row) -> None:
        family = row.family
        cells = row.cells
        for col in family.columns:
            if col.required and not cells.get(col.name):
                self.fail(row, col, f"'{col.name}' is required and empty")
        if family.name == "approvals":
            for col in family.columns[:4]:
                if not SLUG_RE.match(cells[col.name]):
                    self.fail(row, col, f"'{cells[col.name]}' is not a slug")
            slug = "-".join(cells[c] for c in ("therapy", "agency", "date", "indication"))
            kind = "approval"
        else:
            slug = cells["slug"]
            if not SLUG_RE.match(slug):
                self.fail(
                    row, family.columns[0], f"'{slug}' is not a slug (lowercase a-z, 0-9, hyphens)"
                )
            kind = family.kind
            if family.name == "geography":
                geo = _GEO_KINDS.get(cells["kind"])
                if geo is None:
                    self.fail(row, _col(family, "kind"), "kind must be 'country' or 'region'")
                kind = geo[0]
                self.geo_kind[slug] = kind
                self.keys["geo"][slug] = f"{row.file}:{row.line}"
        seen = self.keys[kind]
        if slug in seen:
            self.fail(row, family.columns[0], f"duplicate {kind} '{slug}' (first at {seen[slug]})")
        seen[slug] = f"{row.file}:{row.line}"
        row.subject = iri(kind, slug)
        self.rows.append(row)

    def add_rdf_subjects(self, subjects: Iterable[str], display: str) -> None:
        for subject in subjects:
            self.out.locations.setdefault(subject, display)
            parts = split_iri(subject)
            if parts and parts[0] in self.keys:
                self.keys[parts[0]].setdefault(parts[1], display)
                if parts[0] in ("country", "region"):
                    self.keys["geo"].setdefault(parts[1], display)
                    self.geo_kind.setdefault(parts[1], parts[0])

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
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DataErrors(self.errors)

    def emit(self, row: _Row) -> None:
        family, subject = row.family, ox.NamedNode(row.subject)
        self.out.locations[row.subject] = f"{row.file}:{row.line}"
        cls = family.cls or _GEO_KINDS[row.cells["kind"]][1]
        add = self.out.quads.append
        add(ox.Quad(subject, ox.NamedNode(RDF + "type"), ox.NamedNode(cls)))
        for col in family.columns:
            value = row.cells.get(col.name, "")
            if not value or col.how in ("key", "geokind"):
                continue
            for obj in self.objects(row, col, value):
                add(ox.Quad(subject, ox.NamedNode(col.pred), obj))
            if col.how == "label" and col.pred != RDFS + "label":
                add(
                    ox.Quad(subject, ox.NamedNode(RDFS + "label"), ox.Literal(value, language="en"))
                )

    def objects(self, row: _Row, col: Col, value: str) -> list[ox.NamedNode | ox.Literal]:
        many = col.how in ("texts", "refs", "anyrefs", "concepts")
        values = [v.strip() for v in value.split("|")] if many else [value]
        if any(not v for v in values):
            self.fail(row, col, "empty value between '|' separators")
        try:
            return [self.term(row, col, v) for v in values]
        except (ValueError, UnknownNameError) as exc:
            self.fail(row, col, str(exc))

    def term(self, row: _Row, col: Col, value: str) -> ox.NamedNode | ox.Literal:
        how = col.how
        if how == "label":
            return ox.Literal(value, language="en")
        if how in ("text", "texts", "note"):
            return ox.Literal(value)
        if how == "date":
            return date_literal(value)
        if how == "year":
            if not re.fullmatch(r"\d{4}", value):
                raise ValueError(f"'{value}' is not a year (YYYY)")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        if how == "decimal":
            cleaned = value.replace("_", "")
            if not _DECIMAL.match(cleaned):
                raise ValueError(f"'{value}' is not a number; write digits only, e.g. 11900000000")
            return ox.Literal(cleaned, datatype=ox.NamedNode(XSD + "decimal"))
        if how == "url":
            if not re.match(r"^https?://[^\s<>\"]+$", value):
                raise ValueError(f"'{value}' is not an http(s) URL")
            return ox.NamedNode(value)
        if how in ("concept", "concepts"):
            known = self.concepts.get(col.target, set())
            if value not in known:
                raise UnknownNameError(f"{col.target} value", value, sorted(known))
            return ox.NamedNode(iri(col.target, value))
        if how in ("ref", "refs"):
            return ox.NamedNode(self.reference(col.target, value))
        if how == "anyrefs":
            kind, sep, slug = value.partition("/")
            if not sep or kind not in self.keys:
                raise ValueError(f"'{value}' must be written kind/slug, e.g. company/kite-pharma")
            return ox.NamedNode(self.reference(kind, slug))
        raise AssertionError(how)

    def reference(self, kind: str, slug: str) -> str:
        known = self.keys[kind]
        if slug not in known:
            noun = "country or region" if kind == "geo" else kind
            raise UnknownNameError(noun, slug, known, "Add it to its file first.")
        return iri(self.geo_kind[slug], slug) if kind == "geo" else iri(kind, slug)

    def fail(self, row: _Row, col: Col, message: str):
        index = row.family.header.index(col.name) + 1
        self.errors.append(DataError(row.file, row.line, index, message, column_name=col.name))
        raise _RowRejected


def _col(family: Family, name: str) -> Col:
    return next(c for c in family.columns if c.name == name)


def family_for(stem: str, header: Sequence[str], display: str) -> Family:
    """The family a CSV belongs to: by file name when it is a family name, else by its header.

    >>> family_for("my_trials", ("slug", "label", "kind"), "x.csv").name
    'targets'
    """
    family = FAMILIES.get(stem)
    if family is None:
        family = next((f for f in FAMILIES.values() if f.header == tuple(header)), None)
        if family is None:
            raise DataError(
                display,
                1,
                None,
                "the header matches no data family; name the file after one ("
                + ", ".join(f"{n}.csv" for n in FAMILIES)
                + ") and use its columns as listed in graph/data/README.md",
            )
    if tuple(header) != family.header:
        missing = [h for h in family.header if h not in header]
        extra = [h for h in header if h not in family.header]
        detail = []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if extra:
            detail.append("unexpected " + ", ".join(extra))
        if not detail:
            detail.append("columns out of order")
        raise DataError(
            display,
            1,
            None,
            f"header of a {family.name} file must be: {','.join(family.header)} ({'; '.join(detail)})",
        )
    return family


#: Extensions pyoxigraph does not map to a format by itself.
_RDF_EXTENSIONS = {"owl": ox.RdfFormat.RDF_XML}
_RDF_TYPE = ox.NamedNode(RDF + "type")


def scan_rdf(path: Path, display: str) -> tuple[RdfFile, list[str]]:
    """Check a Turtle / N-Triples / N-Quads / TriG / RDF-XML / JSON-LD file in one streaming pass and
    return it with the IRIs of the instances it types (``rdf:type`` on an ``id/...`` IRI), in file
    order. Only those are kept: the triples themselves are loaded later by the engine, from disk.

    Parse errors carry line and column; quads in named graphs are refused (the graph keeps all facts
    in the default graph).
    """
    extension = path.suffix[1:].lower()
    rdf_format = ox.RdfFormat.from_extension(extension) or _RDF_EXTENSIONS.get(extension)
    if rdf_format is None:
        raise DataError(
            display,
            None,
            None,
            f"'{path.suffix}' is not an RDF file extension; use .ttl, .nt, .nq, .trig, .rdf or .jsonld",
        )
    named_graphs = rdf_format.supports_datasets
    typed: list[str] = []
    triples = 0
    try:
        for quad in ox.parse(path=path, format=rdf_format):
            triples += 1
            if named_graphs and not isinstance(quad.graph_name, ox.DefaultGraph):
                raise DataError(
                    display,
                    None,
                    None,
                    f"named graph {quad.graph_name} found; give facts without a graph name",
                )
            if quad.predicate == _RDF_TYPE and isinstance(quad.subject, ox.NamedNode):
                subject = quad.subject.value
                if subject.startswith(ID):
                    typed.append(subject)
    except SyntaxError as exc:
        raise rdf_syntax_error(display, exc) from None
    except OSError as exc:
        raise DataError(
            display, None, None, f"cannot read the file: {exc.strerror or exc}"
        ) from None
    return RdfFile(path, display, rdf_format, triples), typed


#: The position pyoxigraph writes around its parse error messages, which DataError gives instead:
#: "Parser error at line 4 column 8: ", "... at line 1 between columns 31 and 34: ", "... between
#: line 1 column 27 and line 2 column 1: ", and " (file.nt, line 4)" at the end.
_POSITION = re.compile(
    r"^Parser error (?:at line \d+ (?:column \d+|between columns \d+ and \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): |\s\([^()]*, line \d+\)$"
)


def rdf_syntax_error(display: str, exc: SyntaxError) -> DataError:
    """A pyoxigraph parse error as a :class:`DataError` at its line and column."""
    message = _POSITION.sub("", str(exc)) if exc.lineno is not None else str(exc)
    return DataError(display, exc.lineno, exc.offset, message)


def concepts_by_scheme(ontology: Iterable[ox.Quad]) -> dict[str, set[str]]:
    """Slugs of the SKOS concepts defined in the ontology, by their IRI kind."""
    found: dict[str, set[str]] = {}
    for quad in ontology:
        if quad.predicate.value == RDF + "type" and quad.object.value == SKOS + "Concept":
            parts = split_iri(quad.subject.value)
            if parts:
                found.setdefault(parts[0], set()).add(parts[1])
    return found


def compile_inputs(
    csv_files: Sequence[tuple[Path, str]],
    rdf_files: Sequence[tuple[Path, str]],
    ontology: Sequence[ox.Quad],
) -> Compiled:
    """Compile CSV files into quads and check RDF files (each given as ``(path, name to show in
    errors)``); the RDF files are returned in :attr:`Compiled.rdf_files`, to be loaded as they are.

    The instance IRIs that RDF files type can be referenced from CSV rows.
    """
    compiler = _Compiler(concepts_by_scheme(ontology))
    checked = []
    for path, display in rdf_files:
        rdf_file, typed = scan_rdf(path, display)
        compiler.add_rdf_subjects(typed, display)
        checked.append(rdf_file)
    for path, display in csv_files:
        compiler.read_csv(path, display)
    compiler.raise_errors()
    compiled = compiler.emit_all()
    compiled.rdf_files = checked
    return compiled

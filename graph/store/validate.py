"""Validation: the SHACL shapes of ``ontology/shapes.ttl`` and the zero-row checks of
``queries/checks``. Each problem is reported with the rule, the entity and where it was written.

pySHACL (and rdflib under it) is imported only here, when a validation runs, so queries start fast.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ... import queries
from ..errors import StoreError, Violation, cut, retired_told, suggest
from ..progress import Progress, Stage
from ..rdf import to_rdflib_graph
from ..terms import ID, NAME_PROPERTIES, PREFIXES, REPLACED_BY, XSD, named_by, shorten
from .csvdata import line_naming
from .folder import release_memory

if TYPE_CHECKING:  # for annotations only: rdflib loads when a validation runs
    import rdflib

SH = "http://www.w3.org/ns/shacl#"
XSD_STRING = XSD + "string"

#: Builds and imports run the SHACL shapes on graphs up to this many loaded triples unless told
#: otherwise: pySHACL needs about 0.1 ms a triple (12 s at 120 thousand, minutes at a million),
#: while the zero-row checks, which always run, take about 3 s at a million.
SHACL_MAX_TRIPLES = 100_000


#: For each CSV file as shown, the column (number, name) each property is written in.
Columns = Mapping[str, Mapping[str, tuple[int, str]]]


def run_checks(
    store: ox.Store, locations: Mapping[str, str] | None = None, columns: Columns | None = None
) -> list[Violation]:
    """Run every ``queries/checks/*.rq``; each returned row (``?entity``, ``?message``) is a violation.

    The checks run side by side on a thread pool (pyoxigraph releases the GIL while it evaluates a
    query); the violations come back check by check, in the order of the check files. A row that
    names its statement (``?property``) about a subject written in a CSV row is told at the cell
    ``columns`` gives for that property in the row's file (see :func:`at_cell`).

    >>> store = ox.Store()
    >>> store.update("INSERT DATA { deal:d a atmp:Deal ; atmp:valueUSD -5 }", prefixes=PREFIXES)
    >>> [v.rule for v in run_checks(store)]
    ['fact-has-source', 'no-dangling-references', 'positive-deal-values']
    """
    locations = {} if locations is None else locations
    columns = {} if columns is None else columns
    checks = queries.checks()
    with (
        ThreadPoolExecutor(max_workers=max(1, min(len(checks), os.cpu_count() or 1))) as pool,
        Progress("Checking", len(checks), "zero-row checks") as bar,
    ):
        answers = []
        for rows in pool.map(lambda check: _rows(store, *check), checks):
            answers.append(rows)
            bar.advance()
    kinds: dict[str, list[str]] = {}  # the defined slugs of each kind, read once
    return [
        Violation(
            name,
            shorten(entity) if entity else "?",
            message + _meant(store, statement, name, kinds),
            at_cell(locations.get(entity, ""), statement, columns),
            statement,
        )
        for (name, _), rows in zip(checks, answers, strict=True)
        for entity, message, statement in rows
    ]


def at_cell(location: str, statement: tuple[str, str, str] | None, columns: Columns) -> str:
    """Where a violation about ``statement`` is told, its subject written at ``location``: for
    a CSV row (``file:line``), the cell of the statement's property, ``file:line:column (column
    'name')`` as the CSV errors say it, where ``columns`` gives that file a column for it (not
    the type a row's family gives); else ``location`` as it is. Only a file's line is known of a
    subject, not its cells, so the CSV compiler's columns place it (newuser29: a deal's money
    was checked twice, once in Python for the cell).

    >>> columns = {"deals.csv": {"urn:upfront": (7, "upfront_usd")}}
    >>> at_cell("deals.csv:2", ("urn:deal", "urn:upfront", ""), columns)
    "deals.csv:2:7 (column 'upfront_usd')"
    >>> at_cell("deals.csv:2", ("urn:deal", "urn:other", ""), columns)
    'deals.csv:2'
    """
    file, _, line = location.rpartition(":")
    cell = columns.get(file, {}).get(statement[1]) if statement and line.isdigit() else None
    return f"{location}:{cell[0]} (column '{cell[1]}')" if cell else location


def _meant(
    store: ox.Store,
    statement: tuple[str, str, str] | None,
    check: str,
    kinds: dict[str, list[str]],
) -> str:
    """For a link to an entity that is not defined, the IRI that replaced it where it is a
    retired one (newuser28 F1: three near guesses were offered where the graph records which),
    else the defined ones of its kind whose names are nearest, as a CSV reference gets them
    (newuser18 L5); else nothing. ``kinds`` keeps the slugs of each kind read, for the next link.

    >>> store = ox.Store()
    >>> store.update("INSERT DATA { therapy:kymriah a atmp:Therapy . therapy:kym dct:isReplacedBy therapy:kymriah }", prefixes=PREFIXES)
    >>> _meant(store, ("x", "p", ID + "therapy/kymria"), "no-dangling-references", {})
    ' (did you mean therapy:kymriah?)'
    >>> _meant(store, ("x", "p", ID + "therapy/kym"), "no-dangling-references", {})
    ': therapy:kym is retired: therapy:kymriah replaced it; write that'
    """
    if check != "no-dangling-references" or statement is None or not statement[2].startswith(ID):
        return ""
    new = next(
        store.quads_for_pattern(ox.NamedNode(statement[2]), ox.NamedNode(REPLACED_BY), None), None
    )
    if new is not None:
        return f": {retired_told(shorten(statement[2]), shorten(new.object.value))}; write that"
    kind, _, slug = statement[2][len(ID) :].partition("/")
    namespace = f"{ID}{kind}/"
    if namespace not in kinds:
        defined = store.query(
            "SELECT DISTINCT ?e ?ns WHERE { ?e a ?type FILTER(STRSTARTS(STR(?e), ?ns)) }",
            substitutions={ox.Variable("ns"): ox.Literal(namespace)},
        )
        kinds[namespace] = [row["e"].value[len(namespace) :] for row in defined]
    near = suggest(slug, kinds[namespace], 3)
    return f" (did you mean {' or '.join(shorten(namespace + n) for n in near)}?)" if near else ""


def _rows(
    store: ox.Store, name: str, text: str
) -> list[tuple[str, str, tuple[str, str, str] | None]]:
    """The check's rows: ``?entity``, ``?message`` and, when the check names the offending
    statement with ``?property`` (and an IRI ``?value``), that statement (``""`` for its object
    when the value is a literal or not given: the statement of that property, whatever its
    value)."""
    try:
        answer = store.query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise StoreError(f"check queries/checks/{name}.rq does not parse: {exc}") from None
    names = {v.value for v in answer.variables}
    rows = []
    for row in answer:
        entity = row["entity"].value if row["entity"] is not None else ""
        message = row["message"].value if row["message"] is not None else "fails the check"
        statement = None
        if "property" in names and isinstance(row["property"], ox.NamedNode):
            value = row["value"] if "value" in names else None
            target = value.value if isinstance(value, ox.NamedNode) else ""
            statement = (entity, row["property"].value, target)
        rows.append((entity, message, statement))
    # What this check freed is otherwise kept for this thread alone (see release_memory).
    release_memory()
    return rows


def run_shacl(store: ox.Store, locations: Mapping[str, str] | None = None) -> list[Violation]:
    """Validate the store's default graph against ``ontology/shapes.ttl`` with pySHACL.

    >>> store = ox.Store()
    >>> store.update("INSERT DATA { target:x a atmp:Target }", prefixes=PREFIXES)
    >>> print(*run_shacl(store))
    target:x: rdfs:label: needs exactly one English label (it has 0; at least 1 needed) [shacl atmpsh:LabelledShape]
    """
    import pyshacl
    import rdflib

    locations = {} if locations is None else locations
    # rdflib logs a traceback for each literal it cannot read as its datatype ("2023-02-30" as a
    # date); the shapes report such a literal where they type it, as a violation with its line
    quiet = logging.getLogger("rdflib.term")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        # pySHACL says nothing while it runs, the longest step of a build of the curated data
        with Stage("Checking the SHACL shapes"):
            data = rdflib_graph(store)
            shapes = rdflib.Graph()
            shapes.parse(
                data=resources.files("atmpkg.ontology").joinpath("shapes.ttl").read_text("utf-8"),
                format="turtle",
            )
            conforms, report, _ = pyshacl.validate(
                data, shacl_graph=shapes, inference="none", allow_warnings=True
            )
    finally:
        quiet.setLevel(level)
    if conforms:
        return []
    sh = rdflib.Namespace(SH)
    found = []
    classes: dict[str, dict[str, set[str]]] = {}  # the names of each class's entities, read once
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if report.value(result, sh.resultSeverity) != sh.Violation:
            continue
        if (None, sh.detail, result) in report:
            # the reason of another result (a value sh:node checks), which says it of the entity
            # written in the input; the value alone may be a literal, named by no file or line
            continue
        focus = str(report.value(result, sh.focusNode))
        path = report.value(result, sh.resultPath)
        shape = report.value(result, sh.sourceShape)
        message = str(report.value(result, sh.resultMessage) or "violates a shape")
        component = report.value(result, sh.sourceConstraintComponent)
        if component in (sh.MaxCountConstraintComponent, sh.MinCountConstraintComponent):
            # one message serves each property shape: say which of its counts was broken
            bound = "maxCount" if component == sh.MaxCountConstraintComponent else "minCount"
            limit = shapes.value(shape, sh[bound])
            need = f"at most {limit} allowed" if bound == "maxCount" else f"at least {limit} needed"
            if isinstance(path, rdflib.URIRef):
                given = len(set(data.objects(rdflib.URIRef(focus), path)))
                message += f" (it has {given}; {need})"
            else:
                message += f" ({need})"
        elif component == sh.ClassConstraintComponent:
            value, kind = report.value(result, sh.value), shapes.value(shape, sh["class"])
            if isinstance(value, rdflib.Literal):
                message += f" ({_written_as_text(store, value, str(kind), classes)})"
            else:
                message += f" ({shorten(str(value))} is no {shorten(str(kind))})"
        if path is not None:
            message = f"{shorten(str(path))}: {message}"
        if isinstance(shape, rdflib.BNode):
            shape = shapes.value(predicate=sh.property, object=shape) or shape
        rule = shorten(str(shape)) if isinstance(shape, rdflib.URIRef) else "shape"
        value = report.value(result, sh.value)
        # Without an IRI value (one too many values, a wrong literal), any statement of the
        # property about the focus may be the one to blame: "" stands for any object.
        statement = (
            (focus, str(path), str(value) if isinstance(value, rdflib.URIRef) else "")
            if isinstance(path, rdflib.URIRef)
            else None
        )
        found.append(
            Violation(f"shacl {rule}", shorten(focus), message, locations.get(focus, ""), statement)
        )
    return sorted(found, key=lambda v: (v.location, v.entity, v.message))


def _written_as_text(
    store: ox.Store, value: rdflib.Literal, cls: str, classes: dict[str, dict[str, set[str]]]
) -> str:
    """What to say of ``value``, a literal where an entity of ``cls`` is expected: the entity of
    that class it names by a name or slug, as a CSV cell's name is resolved (newuser23 F10: "CD19"
    was shown as the IRI <CD19>, with nothing to write). ``classes`` keeps the names of each
    class's entities read, for the next literal.

    >>> import rdflib
    >>> store = ox.Store()
    >>> store.update('INSERT DATA { target:cd19 a atmp:Target ; rdfs:label "CD19"@en }', prefixes=PREFIXES)
    >>> target = "https://w3id.org/atmp-kg/ontology#Target"
    >>> _written_as_text(store, rdflib.Literal("cd19"), target, {})
    '"cd19" is text where an entity is expected: write target:cd19'
    >>> _written_as_text(store, rdflib.Literal("Zzz"), target, {})
    '"Zzz" is text where an entity is expected, and names no atmp:Target'
    """
    if cls not in classes:
        names: dict[str, set[str]] = {}
        for row in store.query(
            "SELECT ?e ?name ?class WHERE { ?e a/rdfs:subClassOf* ?class FILTER(isIRI(?e)) "
            f"OPTIONAL {{ ?e {NAME_PROPERTIES} ?name }} }}",
            prefixes=PREFIXES,
            substitutions={ox.Variable("class"): ox.NamedNode(cls)},
        ):
            entity = row["e"].value
            # a slug names its entity too, typed in capitals or not ("Novartis")
            names.setdefault(entity.rsplit("/", 1)[-1].lower(), set()).add(entity)
            if row["name"] is not None:
                names.setdefault(row["name"].value.lower(), set()).add(entity)
        classes[cls] = names
    text = str(value)
    datatype = str(value.datatype or XSD_STRING)
    textual = datatype == XSD_STRING or value.language is not None
    said = f'"{cut(text)}" is ' + ("text" if textual else f"a literal ({shorten(datatype)})")
    said += " where an entity is expected"
    found = sorted(shorten(e) for e in named_by(classes[cls], text))
    if not found:
        return f"{said}, and names no {shorten(cls)}"
    return f"{said}: write {' or '.join(found)}"


def rdflib_graph(store: ox.Store) -> rdflib.Graph:
    """The store's default graph as an rdflib graph (see :func:`to_rdflib_graph`).

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
    >>> list(rdflib_graph(store))
    [(rdflib.term.URIRef('urn:s'), rdflib.term.URIRef('urn:p'), rdflib.term.Literal('o'))]
    """
    return to_rdflib_graph(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def validate_store(
    store: ox.Store,
    locations: Mapping[str, str] | None = None,
    *,
    shacl: bool = True,
    columns: Columns | None = None,
) -> list[Violation]:
    """Every SHACL violation and every row of every zero-row check, in one list. ``locations``
    maps subject IRIs to where they were written; it is only read for violations, as are the
    CSV files' ``columns`` that place a check's statement at its cell (:func:`run_checks`).

    >>> store = ox.Store()
    >>> store.update("INSERT DATA { target:x a atmp:Target }", prefixes=PREFIXES)
    >>> [v.rule for v in validate_store(store)]
    ['shacl atmpsh:LabelledShape', 'no-dangling-references']
    """
    return (run_shacl(store, locations) if shacl else []) + run_checks(store, locations, columns)


def blame(violations: list[Violation], rdf_files: Sequence[tuple[Path, str]]) -> list[Violation]:
    """Point each violation about a statement at the RDF file that states it, with the line that
    names its object (the subject may have been written in another file, such as a curated CSV
    that a researcher's Turtle file adds a link to). A violation about a subject an RDF file adds
    to, naming no statement or one no RDF file makes, is told at the file's first statement about
    it: the curated data passes every check alone, and a check names one figure of the several it
    compares (a deal's total against the parts), so what the file adds is what changed. The others
    keep the place where their subject was written.

    >>> blame([Violation("r", "x", "m", "a.csv:3")], [])[0].location
    'a.csv:3'
    """
    wanted = {v.statement for v in violations if v.statement}
    subjects = {_subject(v) for v in violations}
    files = {display: path for path, display in rdf_files}
    violations = [
        _with_line(v, files[v.location]) if v.location in files else v for v in violations
    ]
    if not rdf_files:
        return _distinct(violations)
    where: dict[tuple[str, str, str], str] = {}
    added_to: dict[str, str] = {}  # a subject -> the first line of an RDF file about it
    for path, display in rdf_files:
        extension = path.suffix[1:].lower()
        rdf_format = ox.RdfFormat.from_extension(extension)
        if rdf_format is None:
            continue
        with open(path, "rb") as handle:
            if handle.read(3) != codecs.BOM_UTF8:
                handle.seek(0)
            stated = set()
            first: dict[str, tuple[str, str, str]] = {}
            for quad in ox.parse(handle, rdf_format):
                about = (quad.subject.value, quad.predicate.value)
                stated |= {
                    key for key in ((*about, quad.object.value), (*about, "")) if key in wanted
                }
                if about[0] in subjects:
                    first.setdefault(about[0], (*about, quad.object.value))
        for statement in stated - where.keys():
            line = line_naming(path, statement)
            where[statement] = f"{display}:{line}" if line else display
        for subject in first.keys() - added_to.keys():
            line = line_naming(path, first[subject])
            added_to[subject] = f"{display}:{line}" if line else display
    blamed = [
        dataclasses.replace(v, location=where[v.statement])
        if v.statement in where
        else _named_property(dataclasses.replace(v, location=added_to[_subject(v)]))
        if _subject(v) in added_to
        else v
        for v in violations
    ]
    return _distinct(blamed)


def _named_property(violation: Violation) -> Violation:
    """A violation told at an RDF file's first line about its subject, whose statement that file
    does not make (a link it lacks): its message names the statement's property first, as a
    shape's does, unless it names it already, where a CSV row's is told at the property's column
    (joints31 F1: an RDF file was told of "column counterparty").

    >>> link = ("urn:x", "https://w3id.org/atmp-kg/ontology#counterparty", "")
    >>> print(_named_property(Violation("r", "deal:x", "names no seller", "a.ttl:3", link)))
    a.ttl:3: deal:x: atmp:counterparty: names no seller [r]
    """
    if violation.statement is None:
        return violation
    named = shorten(violation.statement[1])
    if named in violation.message:  # a shape's message, a check's that names its figures
        return violation
    return dataclasses.replace(violation, message=f"{named}: {violation.message}")


def _subject(violation: Violation) -> str:
    """The IRI of the entity a violation is about: its statement's subject, else its entity's."""
    return violation.statement[0] if violation.statement else _entity_iri(violation)


def _entity_iri(violation: Violation) -> str:
    """The IRI a violation's entity (a prefixed name, or an IRI) names."""
    prefix, _, local = violation.entity.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else violation.entity


def _distinct(violations: list[Violation]) -> list[Violation]:
    """``violations`` in file order, each that reads the same as another once: two constraints of
    a shape (a label's count and its language) may report one problem twice."""
    return sorted({str(v): v for v in violations}.values(), key=_place)


#: A violation's place: ``file:line``, with ``:column (column 'name')`` for a CSV cell.
_PLACE = re.compile(r"(.*):([0-9]+)(?::([0-9]+) \(column '[^']*'\))?")


def _place(violation: Violation) -> tuple[str, int, int]:
    """Where a violation is, for reading them in file order: its file, its line, its column."""
    found = _PLACE.fullmatch(violation.location)
    if found is None:
        return (violation.location, 0, 0)
    return (found[1], int(found[2]), int(found[3] or 0))


def _with_line(violation: Violation, path: Path) -> Violation:
    """A violation placed in an RDF file as a whole, placed on the line that names its subject."""
    subject = _entity_iri(violation)
    line = line_naming(path, (subject, "", subject))
    return (
        dataclasses.replace(violation, location=f"{violation.location}:{line}")
        if line
        else violation
    )

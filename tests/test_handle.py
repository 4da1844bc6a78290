"""The handle: ``atmpkg.open()`` with every capability as a method, selections as values, results
as DataFrames, and time limits that hold from a script without a main guard and from the REPL."""

from __future__ import annotations

import dataclasses
import datetime
import doctest
import importlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import on_one_day, utc_today

import atmpkg
from atmpkg.cli import cli
from atmpkg.graph import build, errors, export_subgraph, select_subgraph, to_networkx
from atmpkg.graph.engine.sandbox import DEFAULT_MEMORY
from atmpkg.graph.handle import KnowledgeGraph, Selection

FIXTURE = Path(__file__).parent / "data" / "fixture"
ID = "https://w3id.org/atmp-kg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: The hint on SQL's FROM, after its table (newuser23 F3).
SQL_FROM = (
    "is SQL: SPARQL has no tables; a query matches patterns in the graph, as in SELECT ?t ?label "
    "WHERE { ?t a atmp:Therapy ; rdfs:label ?label }"
)
DEALS = (
    "SELECT ?deal ?value ?date WHERE { ?deal a atmp:Deal ; atmp:dateStated ?date "
    "OPTIONAL { ?deal atmp:valueUSD ?value } } ORDER BY ?deal"
)


@pytest.fixture
def kg(fixture_store) -> KnowledgeGraph:
    return atmpkg.open(fixture_store)


# --- opening ------------------------------------------------------------------------------------


def test_importing_atmpkg_does_no_work_and_open_is_there():
    code = (
        "import sys, atmpkg; "
        "print(callable(atmpkg.open), callable(atmpkg.load_ipython_extension), "
        "sorted(m for m in sys.modules if m in ('pyoxigraph', 'pandas', 'IPython') or "
        "m.startswith('atmpkg.graph.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "True True ['atmpkg.graph.version']\n"


def test_open_defaults_agree_with_the_library():
    import inspect

    assert inspect.signature(atmpkg.open).parameters["memory"].default == DEFAULT_MEMORY


def test_open_builds_a_missing_store_at_once(tmp_path):
    root = tmp_path / "store"
    kg = atmpkg.open(root)
    assert (root / "current").is_symlink()  # built when the handle opened, not on first use
    assert repr(kg) == f"<KnowledgeGraph store={root} build={(root / 'current').resolve().name}>"
    assert kg.info["counts"]["atmp:Therapy"] == 120
    assert kg.endpoint is None


def test_open_rebuilds_a_stale_store_then_only_checks_the_link(tmp_path, monkeypatch):
    root = tmp_path / "store"
    build(root)
    first = (root / "current").resolve()
    info = json.loads((first / "build.json").read_text())
    (first / "build.json").write_text(json.dumps({**info, "fingerprint": "older data"}))
    kg = atmpkg.open(root)
    rebuilt = (root / "current").resolve()
    assert rebuilt != first and kg._current().build_dir == rebuilt

    def forbidden(*args, **kwargs):
        raise AssertionError("a later call hashed the inputs or reopened the store")

    with monkeypatch.context() as patched:
        # (the package's function build hides its module of the same name: set it on the module)
        patched.setattr(sys.modules["atmpkg.graph.store.folder"], "fingerprint", forbidden)
        patched.setattr(sys.modules["atmpkg.graph.store.build"], "open_store", forbidden)
        assert kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }").column("n") == [120]
        assert kg.show("kymriah").label == "Kymriah"
        assert (
            kg.named("products-by-target", target="bcma").df["therapyName"].tolist()[0] == "Abecma"
        )


def test_the_handle_follows_a_newer_build(tmp_path):
    root = tmp_path / "store"
    build(root, data_dir=FIXTURE)
    kg = atmpkg.open(root)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }"
    assert kg.query(count).column("n") == [3]
    mine = tmp_path / "deltacel.ttl"
    shutil.copyfile(Path(__file__).parent / "data" / "imports" / "deltacel.ttl", mine)
    report = kg.import_files([mine])
    assert report.counts["atmp:Therapy"] == 4
    assert kg.query(count).column("n") == [4]
    assert kg.show("deltacel").label == "Deltacel"
    # a build swapped in by another process is followed too
    build(root, data_dir=FIXTURE)
    assert kg.query(count).column("n") == [4]  # the import is kept by every later build
    assert kg._current().build_dir == (root / "current").resolve()


def test_a_closed_handle_ends_its_query_processes_and_says_it_is_closed(tmp_path):
    from atmpkg.graph.engine import child
    from atmpkg.graph.store import folder

    root = tmp_path / "store"
    build(root, data_dir=FIXTURE)

    def running() -> list:
        return [
            member._process
            for pool in child._evaluators.values()
            for member in pool._members
            if member._process is not None and Path(member.holding or "/").is_relative_to(root)
        ]

    other = atmpkg.open(root)
    with atmpkg.open(root, in_memory=True) as kg:
        assert kg.query("ASK { ?t a atmp:Therapy }").boolean
        (process,) = running()
        assert root in folder._in_memory
    assert running() == [] and process.poll() is not None
    assert root not in folder._in_memory
    assert repr(kg) == f"<KnowledgeGraph store={root} closed>"
    for call in (kg.stats, lambda: kg.named("top-indications"), lambda: kg.import_files(["x.ttl"])):
        with pytest.raises(errors.ParameterError, match="this knowledge graph is closed"):
            call()
    kg.close()  # closing twice does nothing
    # another handle on the same store goes on, with a query process of its own
    assert other.query("SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }").column("n") == [3]
    assert len(running()) == 1
    other.close()
    assert running() == []


def test_a_store_whose_files_were_damaged_says_so_and_how_to_mend_it(tmp_path):
    """Damaged store files (a disk error, a copy cut short) are named as such, with the way out,
    on a handle that had the store open and on a new one; not as the engine's RuntimeError, nor
    as a query out of memory (garbage read as a length asks for gigabytes)."""
    root = tmp_path / "store"
    build(root, data_dir=FIXTURE)
    kg = atmpkg.open(root)
    assert kg.query("ASK { ?s ?p ?o }").boolean
    engine = (root / "current").resolve() / "oxigraph"
    for damaged in [*engine.glob("MANIFEST-*"), *engine.glob("*.sst")]:
        damaged.write_bytes(b"garbage")
    message = (
        rf"the store at {engine} cannot be read \(Corruption: .*\): its files are damaged or were "
        r"changed; run 'atmpkg build' to build it again"
    )
    for handle in (kg, atmpkg.open(root)):
        with pytest.raises(errors.StoreError, match=message):
            handle.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def test_a_remote_handle_asks_nothing_until_used(listener):
    kg = atmpkg.open(endpoint=listener.url + "sparql")
    assert kg.endpoint == listener.url + "sparql"
    with pytest.raises(errors.QueryRefusedError, match="SERVICE"):
        kg.query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    with pytest.raises(errors.ParameterError, match="embedded store"):
        kg.import_files(["x.ttl"])
    assert listener.count == 0
    with pytest.raises(errors.StoreError):
        kg.stats()
    assert listener.count >= 1


def test_open_checks_its_options(tmp_path):
    with pytest.raises(errors.ParameterError, match="timeout must be a positive"):
        atmpkg.open(tmp_path / "s", timeout=0)
    with pytest.raises(errors.ParameterError, match="give endpoint too"):
        atmpkg.open(tmp_path / "s", graph="urn:g")
    assert not (tmp_path / "s").exists()


# --- queries ------------------------------------------------------------------------------------


def test_named_takes_keyword_parameters(kg):
    result = kg.named("products-by-target", target="cd19")
    assert result.df.to_dict("list") == {
        "target": ["target:cd19"],
        "targetName": ["CD19"],
        "targetKind": ["antigen"],
        "therapy": ["therapy:alphacel"],
        "therapyName": ["Alphacel"],
        "inn": ["alphacabtagene autoleucel"],
        "modalityName": ["CAR-T cell therapy"],
        "developer": ["company:cellco"],
        "developerName": ["CellCo"],
        "approvals": [3],
        "endedEverywhere": [False],
    }
    assert kg.named("products-by-target", {"target": "cd19"}).rows == result.rows
    with pytest.raises(
        errors.UnknownNameError, match="'tagret' of query 'products-by-target'; did you mean 'target'"
    ):
        kg.named("products-by-target", tagret="cd19")


def test_python_values_bind_as_the_literals_of_their_xsd_types(kg):
    import datetime
    import decimal

    import numpy as np
    import pyoxigraph as ox

    def xsd(value: str, datatype: str) -> ox.Literal:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))

    given = {
        "a": 42,
        "b": np.int64(7),
        "c": True,
        "d": 1.5,
        "e": decimal.Decimal("2.50E+3"),
        "f": datetime.date(2023, 1, 2),
        "g": datetime.datetime(2023, 1, 2, 3, 4, 5),
        "h": ox.Literal("x", language="en"),
        "i": None,
    }
    result = kg.query("SELECT ?a ?b ?c ?d ?e ?f ?g ?h ?i WHERE {}", given)
    assert result.rows == [
        (
            xsd("42", "integer"),
            xsd("7", "integer"),
            xsd("true", "boolean"),
            xsd("1.5", "double"),
            xsd("2500", "decimal"),
            xsd("2023-01-02", "date"),
            xsd("2023-01-02T03:04:05", "dateTime"),
            ox.Literal("x", language="en"),
            None,
        )
    ]
    with pytest.raises(errors.ParameterError, match=r"parameter 'a' is a list \(\[1, 2\]\); give"):
        kg.query("SELECT ?a WHERE {}", {"a": [1, 2]})


def test_named_parameters_given_as_python_values_are_checked_against_their_types(kg):
    import datetime
    import decimal

    import numpy as np
    import pyoxigraph as ox

    deals = kg.named("deals-above-value", min_value="500000000").column("deal")
    assert deals == [ID + "deal/bigpharma-cellco-2017", ID + "deal/bigpharma-genex-2019"]
    xsd_integer = ox.NamedNode(XSD + "integer")
    for value in (
        500_000_000,
        "500_000_000",
        "5e8",
        "5.0E+8",
        5e8,
        np.int64(500_000_000),
        decimal.Decimal("5E+8"),
        ox.Literal("500000000", datatype=xsd_integer),
    ):
        assert kg.named("deals-above-value", min_value=value).column("deal") == deals, value
    in_2018 = [ID + "approval/alphacel-ema-2018-08-22-large-b-cell-lymphoma"]
    for start, end in (
        (datetime.date(2018, 1, 1), datetime.date(2018, 12, 31)),
        (pd.Timestamp("2018-01-01"), pd.Timestamp("2018-12-31")),
        # a date column's cells as .to_numpy() gives them (newuser14 F8)
        (np.datetime64("2018-01-01"), np.datetime64("2018-12-31T00:00:00.000000")),
    ):
        period = {"from": start, "to": end}
        assert kg.named("approvals-in-period", period).column("approval") == in_2018
    portfolio = kg.named("company-portfolio", company="cellco").column("therapy")
    cellco = ox.NamedNode(ID + "company/cellco")
    assert kg.named("company-portfolio", company=cellco).column("therapy") == portfolio
    refused = [
        ("deals-above-value", "min_value", ox.Literal("abc"), "must be a decimal such as .* 'abc'"),
        ("deals-above-value", "min_value", True, "must be a decimal such as .*, got 'true'"),
        ("deals-above-value", "min_value", "1e400", "^parameter 'min_value' is '1e400', past what"),
        ("deals-above-value", "min_value", "NaN", "must be a decimal such as .*, got 'NaN'"),
        ("companies-by-approved-products", "min_products", "2.5", "must be an integer such as 2"),
        ("deals-above-value", "min_value", 5.5e-1j, r"is a complex \(0\.55j\)"),
        (
            "approvals-in-period",
            "from",
            datetime.datetime(2018, 1, 1, 10),
            "must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, got '2018-01-01T10:00:00'",
        ),
        ("company-portfolio", "company", ox.NamedNode(ID + "therapy/alphacel"), "unknown company"),
        ("company-portfolio", "company", ["cellco"], r"is a list \(\['cellco'\]\)"),
        # sec16 N2: a traceback each
        ("company-portfolio", "company", ID + "company/cellco#<b>", "^unknown company"),
        (
            "regulatory-calendar",
            "from",
            "9999-12-31",
            r"^parameter 'to' defaults to from\+1y, a day past the last one a date can have",
        ),
        (
            "claims-by-status",
            "status",
            "wrong",
            r"^unknown claim-status 'wrong'\. \(parameter 'status'\) Its values: contradicted, "
            r"supported, unverified\.$",
        ),
    ]
    for name, param, value, message in refused:
        with pytest.raises(errors.AtmpkgError, match=message):
            kg.named(name, {param: value})


def test_entities_classes_and_files_may_be_given_as_python_values(kg, tmp_path):
    import pyoxigraph as ox

    alphacel = ox.NamedNode(ID + "therapy/alphacel")
    assert kg.show(alphacel).label == "Alphacel"
    assert [str(c) for c in kg.path(alphacel, "genex", max_paths=1)] == [
        str(c) for c in kg.path("alphacel", "genex", max_paths=1)
    ]
    company = ox.NamedNode("https://w3id.org/atmp-kg/ontology#Company")
    ranked = ["CellCo", "GeneCorp", "CellCo Europe"]
    for classes in ("atmp:Company", company, ["atmp:Company"]):
        assert [r.label for r in kg.rank(classes=classes, top=3)] == ranked
    assert [str(c) for c in kg.path("alphacel", "betacel", avoid="atmp:Target")] == [
        str(c) for c in kg.path("alphacel", "betacel", avoid=["atmp:Target"])
    ]
    assert kg.select(classes="atmp:Deal").classes == ("atmp:Deal",)
    missing = tmp_path / "my-deals.csv"
    for files in (str(missing), missing):  # one path, not the letters of its name
        with pytest.raises(errors.DataError, match="my-deals.csv: no such file"):
            kg.validate(files)
    # a pipe is there, and no file (newuser12 U9: it was "no such file")
    os.mkfifo(tmp_path / "piped.ttl")
    with pytest.raises(errors.DataError, match="piped.ttl: is not a file but a pipe or a device; "):
        kg.validate(tmp_path / "piped.ttl")
    # newuser22 F4: rows and triples that cannot be read are violations, as the rules' are
    targets, notes = tmp_path / "my-targets.csv", tmp_path / "my-notes.ttl"
    targets.write_text("slug,label\nCD99,CD99\nok,\n")
    notes.write_text("<urn:a> <urn:b> .\n")
    found = kg.validate([targets, notes])
    assert [(v.rule, v.entity, v.location) for v in found] == [
        ("input", "", f"{notes}:1:17"),
        ("input", "", f"{targets}:2:1 (column 'slug')"),
        ("input", "", f"{targets}:3:2 (column 'label')"),
    ]
    assert str(found[1]) == (
        f"{targets}:2:1 (column 'slug'): 'CD99' is not a slug (lowercase a-z, 0-9, hyphens); did "
        "you mean 'cd99'? [input]"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda kg: kg.show(5), r"an entity is named by text .* got an int \(5\)"),
        (lambda kg: kg.path(None, "alphacel"), "an entity is named by text .* got None"),
        (lambda kg: kg.show("  "), "the entity's name is empty: give a label"),
        (lambda kg: kg.select(focus=""), "the entity's name is empty: give a label"),
        (lambda kg: kg.export("graphml", "x.graphml", name=""), "the query name is empty"),
        (lambda kg: kg.view(query=" "), "the query text is empty: give a CONSTRUCT"),
        (lambda kg: kg.path("alphacel", "genex", max_paths="2"), "max_paths must be a whole"),
        (lambda kg: kg.rank(top="5"), r"top must be a whole number, 1 or more; got a str \('5'\)"),
        (lambda kg: kg.rank(classes=[5]), r"a class is named by text .* got an int \(5\)"),
        (lambda kg: kg.query(5), r"the SPARQL query must be text, got an int \(5\)"),
        (lambda kg: kg.named(5), r"a named query is named by text, got an int \(5\)"),
        (lambda kg: kg.query("ASK {}", limit="5"), "limit must be a whole number, 1 or more"),
        (lambda kg: kg.query("ASK {}", limit=0), "limit must be a whole number, 1 or more; got 0"),
        (lambda kg: kg.query("ASK {}", timeout="5"), "timeout must be a positive number"),
        (lambda kg: kg.query("ASK {}", timeout=math.inf), "timeout must be a positive number"),
        (lambda kg: atmpkg.open(kg.root, timeout="3"), "timeout must be a positive number"),
        (lambda kg: kg.validate([5]), r"files are given as paths .* got an int \(5\)"),
        (lambda kg: kg.validate(b"x.ttl"), r"files are given as paths .* got bytes \(b'x.ttl'\)"),
        (
            lambda kg: kg.query("ASK {}", allow="all"),
            r"^unknown allow value 'all'\. It takes service, dataset, update or load\.$",
        ),
        (lambda kg: kg.export(5, "x.ttl"), r"an export format is named by text .* an int \(5\)"),
        (lambda kg: kg.export("ttl", 5), r"output must be a file path .* got an int \(5\)"),
        (lambda kg: kg.chart("approvals", output=5), "output must be a file path"),
        (lambda kg: kg.chart(5), "unknown chart '5'"),
        (lambda kg: kg.view(focus="cellco", title=5), r"title must be text, got an int \(5\)"),
        (lambda kg: kg.select(name="company-portfolio", params=[1]), "params maps parameter"),
        (lambda kg: kg.select(file=5), r"file must be a path \(text or Path\), got an int"),
        (lambda kg: kg.select(focus="cellco", with_sources="no"), "with_sources must be True"),
        (
            lambda kg: kg.query("SELECT ?t {}", [("t", "therapy:alphacel")]),
            r"params must map names to values, such as \{'target': 'bcma'\}; got a list",
        ),
        (lambda kg: kg.named("products-by-target", [("target", "cd19")]), "params must map"),
        (
            lambda kg: kg.named("products-by-target", params={"target": "cd19"}),
            r"query 'products-by-target' has no parameter 'params': give the mapping of "
            r"parameters as the second argument, kg.named\('products-by-target', \{...\}\)",
        ),
        (lambda kg: kg.view("cellco"), r"a selection must be a Selection .* got a str"),
        (lambda kg: kg.export("ttl", None, "cellco"), "a selection must be a Selection"),
        (lambda kg: atmpkg.open(store=5), r"store must be a folder's path, got an int \(5\)"),
        (lambda kg: atmpkg.open("http://h:9/q"), "http://h:9/q is a URL: give it as endpoint="),
        (lambda kg: kg.view(overview="no"), r"overview must be True, False or None, got a str"),
        (
            lambda kg: kg.import_files(["x.ttl"], shacl="no"),
            r"shacl must be True \(run the SHACL shapes\), False \(skip them\) or None .* got a str",
        ),
        (
            lambda kg: kg.query("ASK {}", allow=None),
            r"allow names what the gate lets through: .*None",
        ),
        (lambda kg: atmpkg.open(" "), "store is an empty path: give a folder, or None"),
        (lambda kg: atmpkg.open(endpoint=5), r"endpoint must be a SPARQL endpoint's URL or a"),
        (lambda kg: atmpkg.open(endpoint="http://127.0.0.1:9/q", graph=""), "absolute IRI, got ''"),
        (lambda kg: kg.query(file=123), r"file must be a .rq file's path, got an int \(123\)"),
        (
            lambda kg: kg.query("CONSTRUCT WHERE { ?s a atmp:Therapy }").dicts(),
            r"a CONSTRUCT answer is triples, not rows: read .triples",
        ),
        (lambda kg: kg.select(focus="cellco").refine(zzz=1), "a selection has no option 'zzz'"),
        (lambda kg: kg.rank(graph="x"), r"graph must be a networkx MultiDiGraph, .* got a str"),
        (lambda kg: kg.path("cellco", "genex", graph=5), "graph must be a networkx MultiDiGraph"),
        (
            lambda kg: kg.export("nt", io.StringIO(), kg.select(focus="cellco")),
            r"an export is bytes: give a binary stream",
        ),
        (lambda kg: atmpkg.open(kg.root, memory=-1), r"memory must be a positive .* \(-1\)"),
        (lambda kg: atmpkg.open(kg.root, memory="lots"), "memory: cannot read 'lots' as a memory"),
        (lambda kg: atmpkg.open(kg.root, in_memory="yes"), "in_memory must be True or False"),
        (lambda kg: atmpkg.open("/tmp/a\x00b"), r"the store's path holds a NUL character"),
        (
            lambda kg: atmpkg.open(kg.root / ".lock"),
            r"\.lock is a file, not a folder; give a folder for the store",
        ),
        (
            lambda kg: kg.named("products-by-target", {"target": "bcma"}, target="cd19"),
            "parameter 'target' is given twice, in params and as a keyword: give it once",
        ),
    ],
)
def test_the_python_door_refuses_values_of_the_wrong_kind_by_name(kg, call, message):
    with pytest.raises(errors.AtmpkgError, match=message):
        call(kg)


def test_values_python_gives_in_other_shapes_are_read(kg):
    import networkx as nx

    # a size as the command line writes it, one allow value as text, a limit past any clock
    assert atmpkg.open(kg.root, memory="4G").memory == 4 * 1024**3
    assert kg.query("ASK {}", allow="service", timeout=1e300).boolean is True
    # a network of one's own, without the labels a selection's network carries
    ranked = kg.rank(graph=nx.MultiDiGraph([("a", "b"), ("c", "b")]), top=1)
    assert [(r.iri, r.label, r.score) for r in ranked] == [("b", "b", 2)]


def test_a_prefix_declared_nowhere_is_named_where_it_is_written(kg):
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query("SELECT * WHERE {\n  ?s atmp:developedBy compny:cellco }")
    assert str(caught.value) == (
        "SPARQL syntax error at line 2, column 23: the prefix 'compny:' is not declared; did you "
        "mean 'company:'? Declare it with PREFIX compny: <IRI>, or use a predeclared prefix"
    )
    assert (caught.value.line, caught.value.column) == (2, 23)
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query("PREFIX x: <urn:x#> SELECT * WHERE { ?s x:p ?o ; :q ?z }")
    assert str(caught.value) == (
        "SPARQL syntax error at line 1, column 49: the prefix ':' is not declared. Declare it "
        "with PREFIX : <IRI>, or use a predeclared prefix"
    )
    # an error before the name is said first: here, a first word that starts no query
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query("SELEC * WHERE { ?s compny:p ?o }")
    assert str(caught.value) == (
        "SPARQL syntax error at line 1, column 1: the query starts with 'SELEC': a query starts "
        "with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines"
    )
    # the engine's sets of characters are left out; a group left open is named
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query("SELECT ?x WHERE { ?x a atmp:Therapy")
    assert str(caught.value) == (
        'SPARQL syntax error at line 1, column 36: expected one of ",", ".", ";", "{", "{|", "}", '
        '"~"; the query ends with 1 group left open: is a closing } missing?'
    )
    with pytest.raises(errors.QuerySyntaxError, match="at line 1, column 2: the query is empty"):
        kg.query(" ")
    # the slips of a reader who knows SQL, said where they are
    for text, where, said in (
        ("SELECT ?x, ?y WHERE { ?x ?y ?z }", "1, column 10",
         "the variables SELECT returns are separated by spaces, not commas"),
        ("SELECT ?x WHERE {\n  ?x atmp:label\n}", "3, column 1",
         "a triple pattern is a subject, a predicate and an object: the one before '}' has no "
         "object"),
        ("SELECT * WHERE { ?x ?y ?z } LIMIT ten", "1, column 35",
         "LIMIT takes a whole number (LIMIT 10)"),
        ("SELECT * WHERE { ?x ?y ?z } GROUP BY ?x", "1, column 40",
         "SELECT * cannot be used with GROUP BY: name what to return, the grouped variables and "
         "aggregates (SELECT ?x (COUNT(?y) AS ?n) ... GROUP BY ?x)"),
        # ... and the next ones (newuser14 F2), where the engine named a sample of its keywords
        ("SELECT COUNT(?t) WHERE { ?t a atmp:Therapy }", "1, column 8",
         "SELECT returns an aggregate in brackets with a name for its column: (COUNT(?x) AS ?n)"),
        ("SELECT (COUNT(?t)) WHERE { ?t a atmp:Therapy }", "1, column 18",
         "SELECT returns an expression in brackets with a name for its column: (… AS ?n)"),
        ("SELECT (COUNT(*) AS n) WHERE { ?t a atmp:Therapy }", "1, column 21",
         "AS names the column with a variable: AS ?n"),
        ("SELECT TOP 5 ?t WHERE { ?t a atmp:Therapy }", "1, column 8",
         "SPARQL has no TOP: end the query with LIMIT 10"),
        ("SELECT ?t WHERE { ?t a atmp:Therapy FILTER ?t != therapy:alphacel }", "1, column 44",
         "FILTER takes its condition in brackets: FILTER(…)"),
        ('SELECT ?t WHERE { ?t rdfs:label ?l FILTER(?l LIKE "%Alpha%") }', "1, column 46",
         'SPARQL has no LIKE: use CONTAINS(?label, "Kym") or REGEX(?label, "^kym", "i")'),
        ("SELECT ?t WHERE { ?t a atmp:Therapy } ORDER BY ?t DESC", "1, column 51",
         "the direction comes first, the variable in brackets: DESC(?t)"),
        ("SELECT ?t (COUNT(?a) AS ?n) WHERE { ?a atmp:product ?t } GROUP BY ?t HAVING COUNT(?a) > 1",
         "1, column 77", "HAVING takes its condition in brackets: HAVING(…)"),
        ("SELECT ?t WHERE { ?t = therapy:alphacel }", "1, column 22",
         "= compares values inside FILTER(…) or BIND(…), as in FILTER(?x = ?y)"),
        ("SELECT ?x WHERE { FILTER(?x = ) }", "1, column 34",
         "a value, a variable or an expression was expected here"),
        # a valid ORDER BY ... DESC(?o) or HAVING COUNT(?a) before the error is no slip (re-review
        # 14 N5), and OFFSET's number is said before a later = (N6)
        ("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s DESC(?o) LIMIT ten", "1, column 60",
         "LIMIT takes a whole number (LIMIT 10)"),
        ("SELECT ?t (COUNT(?a) AS ?n) WHERE { ?a atmp:product ?t } GROUP BY ?t HAVING COUNT(?a) "
         "LIMIT ten", "1, column 93", "LIMIT takes a whole number (LIMIT 10)"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 5 OFFSET =", "1, column 44",
         "OFFSET takes a whole number (OFFSET 10)"),
        # newuser15 F2: the engine's sentence among its expected tokens, or one function's name
        ("SELECT ?g (COUNT(?a) AS ?n) WHERE { ?a atmp:agency ?g }", "1, column 8",
         "?g is returned beside an aggregate but not grouped: add GROUP BY ?g (a row for each "
         "?g), or return an aggregate of it, such as (SAMPLE(?g) AS ?one)"),
        ("SELECT ?g ?d ?t (COUNT(?a) AS ?n) WHERE { ?a atmp:agency ?g ; atmp:date ?d ; "
         "atmp:product ?t } GROUP BY ?g", "1, column 11",
         "?d ?t are returned beside an aggregate but not grouped: add ?d ?t to GROUP BY (a row "
         "for each ?d), or return an aggregate of them, such as (SAMPLE(?d) AS ?one)"),
        ("SELECT ?d WHERE { ?d atmp:valueUSD ?v FILTER(?v > 1,000,000,000) }", "1, column 51",
         "numbers are written without thousands separators: 1000000000 (or 1e9)"),
        ("SELECT (SUBSTR(?l, 1, 100) AS ?s) WHERE { ?t rdfs:label ?l }  LIMIT ten", "1, column 69",
         "LIMIT takes a whole number (LIMIT 10)"),
        # rev15 R11: no space after a function's commas is no number
        ("SELECT (SUBSTR(?l,1,100) AS ?s) WHERE { ?t rdfs:label ?l } LIMIT ten", "1, column 66",
         "LIMIT takes a whole number (LIMIT 10)"),
        # newuser16 F3: the commonest SQL comparisons, and a function of one name or an alias
        ('SELECT ?l WHERE { ?t rdfs:label ?l FILTER(?l == "A") }', "1, column 47",
         "SPARQL compares with a single =, and != for not equal: FILTER(?x = ?y)"),
        ('SELECT ?l WHERE { ?t rdfs:label ?l FILTER(?l <> "A") }', "1, column 46",
         "SPARQL writes not equal as !=: FILTER(?x != ?y)"),
        ("SELECT ?l WHERE { ?t rdfs:label ?l FILTER(?l IS NOT NULL) }", "1, column 46",
         "SPARQL has no IS NULL: BOUND(?l) is true when it has a value, !BOUND(?l) when it has "
         "none"),
        ("SELECT ?d WHERE { ?a atmp:date ?d FILTER(?d BETWEEN 1 AND 2) }", "1, column 45",
         "SPARQL has no BETWEEN: FILTER(?x >= low && ?x <= high)"),
        ("SELECT ?v WHERE { ?d atmp:valueUSD ?v FILTER(?v >= 10 billion) }", "1, column 55",
         "a number is written in digits only: no 'billion' after 10"),
        ("SELECT ?v WHERE { ?d atmp:valueUSD ?v FILTER(?v >= 1B) }", "1, column 53",
         "a number is written in digits only: no 'B' after 1"),
        ("SELECT ?t WHERE { ?t atmp:endedEverywhere TRUE }", "1, column 43",
         "SPARQL writes its truth values in lower case: true"),
        ("SELECT ?t WHERE { ?t a atmp:Therapy } LIMIT 1 -- first", "1, column 48",
         "a comment starts with #, not --"),
        ('SELECT ?l WHERE { ?t rdfs:label ?l FILTER(ILIKE(?l, "a")) }', "1, column 57",
         "a value, a variable or an expression was expected here"),
        ("SELECT (YEAR(?d) AS ?y) (COUNT(?a) AS ?n) WHERE { ?a atmp:date ?d } GROUP BY ?y",
         "1, column 80",
         "a column SELECT makes with an expression, (YEAR(?d) AS ?y), is bound elsewhere in the "
         "query too; to group by it as SQL groups by an alias, group by the expression: GROUP BY "
         "(YEAR(?d) AS ?y), and SELECT ?y"),
        # newuser17 F3: SQL's AND and OR, its functions' names, LIMIT's offset, a statement's ;
        ('SELECT ?t WHERE { ?t rdfs:label ?l FILTER(?l = "A"@en OR ?l = "B"@en) }',
         "1, column 55", "SPARQL writes and as &&, or as ||: FILTER(?x > 1 && ?y < 2)"),
        ('SELECT ?t WHERE { ?t rdfs:label ?l FILTER(CONTAINS(LOWER(?l), "kym")) }',
         "1, column 52", "SPARQL has no LOWER(…): write LCASE(STR(?x))"),
        ("SELECT ?t WHERE { ?t rdfs:label ?l FILTER(ISNULL(?l)) }", "1, column 43",
         "SPARQL has no ISNULL(…): write !BOUND(?x) for no value, COALESCE(?x, 0) for a default"),
        ("SELECT ?t WHERE { ?t a atmp:Therapy } ORDER BY ?t LIMIT 5, 10", "1, column 58",
         "LIMIT takes one number; to skip rows first: OFFSET 5 LIMIT …"),
        ("SELECT ?t WHERE { ?t a atmp:Therapy } LIMIT 1;", "1, column 46",
         "a query ends without ;"),
        # newuser23 F3: SQL's table after FROM is no dataset clause to lift the gate's refusal
        # of, and SQL's column is no variable
        ("select * from therapies", "1, column 10", f"from therapies {SQL_FROM}"),
        ("SELECT name FROM dbo.therapies WHERE id = 1", "1, column 13",
         f"FROM dbo.therapies {SQL_FROM}"),
        ("SELECT ?t name WHERE { ?t rdfs:label ?name }", "1, column 11",
         "a variable starts with ?: ?name, not name"),
        # rev23 1: a keyword written wrong is no column, nor is a pattern's keyword
        ("SELECT ?t WHRE { ?t a atmp:Therapy }", "1, column 11",
         "WHRE is no keyword of SPARQL: did you mean WHERE?"),
        ("SELECT DISTINT ?t WHERE { ?t a atmp:Therapy }", "1, column 8",
         "DISTINT is no keyword of SPARQL: did you mean DISTINCT?"),
        ("SELECT ?t OPTIONAL { ?t a atmp:Therapy }", "1, column 16", "expected one of DISTINCT, WHERE"),
    ):  # fmt: skip
        with pytest.raises(errors.QuerySyntaxError) as caught:
            kg.query(text)
        assert str(caught.value) == f"SPARQL syntax error at line {where}: {said}", text
    # rev23 9: a keyword after FROM is no table, but a dataset clause without its IRI
    with pytest.raises(errors.QueryRefusedError, match="^FROM / FROM NAMED"):
        kg.query("SELECT * FROM WHERE { ?s ?p ?o }")
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query("SELECT * FROM therapies", allow=["dataset"])
    assert str(caught.value) == f"SPARQL syntax error at line 1, column 10: FROM therapies {SQL_FROM}"
    with pytest.raises(errors.QueryRefusedError, match="dataset clauses"):
        kg.query("SELECT * FROM atmp:g FROM therapies")
    # a minus before a negative number is no comment
    assert kg.query("SELECT ?x WHERE { BIND(5 - -1 AS ?x) }").dicts() == [{"x": 6}]
    # a list of values is no triple without its object
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query("SELECT ?x WHERE { VALUES ?x { <urn:a> <urn:b> } ?x ?y }")
    assert str(caught.value) == (
        "SPARQL syntax error at line 1, column 55: a triple pattern is a subject, a predicate "
        "and an object: the one before '}' has no object"
    )


#: Queries of SELECT expressions beside aggregates, each with the hint it gets or None where the
#: engine runs it or refuses it for another reason (newuser29 F1).
_EXPRESSIONS = "SELECT (YEAR(?d) AS ?y) (COUNT(*) AS ?n) WHERE { ?a atmp:date ?d } "
_GROUPED_EXPRESSIONS = (
    (_EXPRESSIONS + "GROUP BY (YEAR(?d))", "1, column 14",
     "?d is used in the column (YEAR(?d) AS ?y) but not grouped: name the expression in GROUP "
     "BY: GROUP BY (YEAR(?d) AS ?y), and SELECT ?y"),
    ("SELECT ?g (YEAR(?d) AS ?y) (COUNT(*) AS ?n) WHERE { ?a atmp:agency ?g ; atmp:date ?d } "
     "GROUP BY ?g", "1, column 17",
     "?d is used in the column (YEAR(?d) AS ?y) but not grouped: add (YEAR(?d) AS ?y) to GROUP "
     "BY, and SELECT ?y; or return an aggregate of it, such as (SAMPLE(YEAR(?d)) AS ?y)"),
    (_EXPRESSIONS.strip(), "1, column 14",
     "?d is used in the column (YEAR(?d) AS ?y) but not grouped: group by it: GROUP BY "
     "(YEAR(?d) AS ?y), and SELECT ?y; or return an aggregate of it, such as "
     "(SAMPLE(YEAR(?d)) AS ?y)"),
    ("SELECT (COUNT(*) + ?v AS ?n) WHERE { ?d atmp:valueUSD ?v }", "1, column 20",
     "?v is used in the column (COUNT(*) + ?v AS ?n) but not grouped: add GROUP BY ?v (a row "
     "for each ?v), or aggregate it inside the expression, such as SAMPLE(?v)"),
    ("SELECT (CONCAT(STR(?a), STR(?g)) AS ?c) (COUNT(*) AS ?n) WHERE { ?a atmp:agency ?g } "
     "GROUP BY ?a", "1, column 29",
     "?g is used in the column (CONCAT(STR(?a), STR(?g)) AS ?c) but not grouped: add ?g to "
     "GROUP BY (a row for each ?g), or aggregate it inside the expression, such as SAMPLE(?g)"),
    (_EXPRESSIONS + "GROUP BY (year( ?d ) AS ?year)", "1, column 14",
     "?d is used in the column (YEAR(?d) AS ?y) but not grouped: GROUP BY names that "
     "expression ?year already: SELECT ?year"),
    # the alias grouped by, as SQL does, quoted as the query writes it
    (_EXPRESSIONS + "GROUP BY ?y", "1, column 79",
     "a column SELECT makes with an expression, (YEAR(?d) AS ?y), is bound elsewhere in the "
     "query too; to group by it as SQL groups by an alias, group by the expression: GROUP BY "
     "(YEAR(?d) AS ?y), and SELECT ?y"),
    (_EXPRESSIONS + "GROUP BY (YEAR(?d) AS ?y)", "1, column 93",
     "a column SELECT makes with an expression, (YEAR(?d) AS ?y), is bound elsewhere in the "
     "query too; GROUP BY names it already: SELECT ?y"),
    ("SELECT (STR(?d) AS ?d) WHERE { ?a atmp:date ?d }", "1, column 49",
     "a column SELECT makes with an expression, (STR(?d) AS ?d), is bound elsewhere in the "
     "query too; give the column a name of its own"),
    # what the hints advise runs, as do the other shapes
    ("SELECT ?y (COUNT(*) AS ?n) WHERE { ?a atmp:date ?d } GROUP BY (YEAR(?d) AS ?y)", "", None),
    ("SELECT ?g ?y (COUNT(*) AS ?n) WHERE { ?a atmp:agency ?g ; atmp:date ?d } "
     "GROUP BY ?g (YEAR(?d) AS ?y)", "", None),
    ("SELECT (SAMPLE(YEAR(?d)) AS ?y) (COUNT(*) AS ?n) WHERE { ?a atmp:date ?d }", "", None),
    ("SELECT (COUNT(*) + SAMPLE(?v) AS ?n) WHERE { ?d atmp:valueUSD ?v }", "", None),
    ("SELECT (YEAR(?d) AS ?y) WHERE { ?a atmp:date ?d }", "", None),
    ("SELECT (YEAR(?z) AS ?y) WHERE { ?a atmp:date ?d }", "", None),
    # a variable returned bare keeps its own hint
    ("SELECT ?d (COUNT(*) AS ?n) WHERE { ?a atmp:date ?d } GROUP BY ?a", "1, column 8",
     "?d is returned beside an aggregate but not grouped: add ?d to GROUP BY (a row for each "
     "?d), or return an aggregate of it, such as (SAMPLE(?d) AS ?one)"),
)  # fmt: skip


@pytest.mark.parametrize(("text", "where", "said"), _GROUPED_EXPRESSIONS)
def test_a_select_expression_beside_an_aggregate_is_told_how_to_group_it(kg, text, where, said):
    """newuser29 F1: the engine's "The SELECT contains an expression with a variable that is
    unbound" came out as its raw list of tokens, and the alias hint quoted a fixed
    GROUP BY (YEAR(?date) AS ?y). The hint is told exactly where the engine refuses the query
    for that reason."""
    import pyoxigraph as ox

    from atmpkg.graph.terms import PREFIXES

    try:
        ox.Store().query(text, prefixes=PREFIXES)
        refused = ""
    except SyntaxError as exc:
        refused = str(exc)
    reason = (
        "an expression with a variable that is unbound" in refused
        or "overrides an existing variable" in refused
    )
    assert reason == (said is not None and "returned beside" not in said), refused
    if said is None:
        kg.query(text)
        return
    with pytest.raises(errors.QuerySyntaxError) as caught:
        kg.query(text)
    assert str(caught.value) == f"SPARQL syntax error at line {where}: {said}"


def test_a_triple_pattern_inside_filter_is_told_to_be_tested_with_exists(kg):
    """newuser28 F5: a pattern written inside FILTER(…), as SQL's WHERE tests a join, was told
    "expected NOT" after && or ||; valid EXISTS and NOT EXISTS filters are unchanged."""
    start = "SELECT ?a WHERE { ?a a atmp:Approval ; atmp:date ?d "
    for condition, column, pattern in (
        ("FILTER(YEAR(?d) = 2024 && ?a atmp:agency agency:fda)", 79, "?a atmp:agency agency:fda"),
        ("FILTER(YEAR(?d) = 2024 || ?a atmp:agency agency:fda)", 79, "?a atmp:agency agency:fda"),
        ("FILTER(?a atmp:agency agency:fda && YEAR(?d) = 2024)", 60, "?a atmp:agency agency:fda"),
        ("FILTER(?a atmp:agency ?g)", 60, "?a atmp:agency ?g"),
        ("FILTER(!(?a atmp:agency agency:fda))", 62, "?a atmp:agency agency:fda"),
        ("FILTER(?d > 1 && { ?a atmp:agency agency:fda })", 72, "?a atmp:agency agency:fda"),
        ('FILTER(?d > 1 && ?a atmp:agency/rdfs:label "FDA")', 70,
         '?a atmp:agency/rdfs:label "FDA"'),
        ("FILTER(?d > 1 && ?a a atmp:Approval)", 70, "?a a atmp:Approval"),
    ):  # fmt: skip
        with pytest.raises(errors.QuerySyntaxError) as caught:
            kg.query(start + condition + " }")
        assert str(caught.value) == (
            f"SPARQL syntax error at line 1, column {column}: a graph pattern inside FILTER: test "
            f"it with EXISTS {{ {pattern} }} or move it out of the FILTER"
        ), condition
    # an error that is no pattern keeps the engine's words
    with pytest.raises(errors.QuerySyntaxError, match=r'expected one of "&&", "\)"'):
        kg.query(start + 'FILTER(?d > "2020-01-01"^^xsd:date ?a) }')
    for condition in (
        "FILTER EXISTS { ?a atmp:agency agency:fda }",
        "FILTER(YEAR(?d) > 1 && EXISTS { ?a atmp:agency agency:fda })",
        "FILTER(YEAR(?d) > 1 && NOT EXISTS { ?a atmp:agency agency:ema })",
    ):
        kg.query(start + condition + " }")


#: What the syntax error says of a text that starts where no query starts.
STARTS = (
    "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines"
)


def test_an_entity_or_a_pattern_given_as_the_query_is_told_what_a_query_starts_with(kg):
    """newuser23 F7: an entity's name, its IRI or a pattern given as the query got "line 1,
    column 10: expected CONSTRUCT" whatever its length, and a URL without brackets advice to
    declare the prefix 'https:'."""
    kymriah = (
        f"an entity: {STARTS}; to see it: DESCRIBE therapy:kymriah, or atmpkg show therapy:kymriah "
        "(Python: kg.show('therapy:kymriah'))"
    )
    for text, where, said in (
        ("therapy:kymriah", "1, column 1", f"'therapy:kymriah', {kymriah}"),
        ("<https://w3id.org/atmp-kg/id/therapy/kymriah>", "1, column 1",
         f"'<https://w3id.org/atmp-kg/id/therapy/kymriah>', {kymriah}"),
        ("https://w3id.org/atmp-kg/id/therapy/kymriah\n", "1, column 1",
         f"'https://w3id.org/atmp-kg/id/therapy/kymriah', {kymriah}"),
        ("<therapy/kymriah>", "1, column 1", f"'<therapy/kymriah>', {kymriah}"),
        ("PREFIX ex: <urn:x#>\nex:a", "2, column 1",
         f"'ex:a', an entity: {STARTS}; to see it: DESCRIBE <urn:x#a>, or atmpkg show 'urn:x#a' "
         "(Python: kg.show('urn:x#a'))"),
        ("{ ?s ?p ?o }", "1, column 1",
         f"'{{', a pattern: {STARTS}; to match it: SELECT * WHERE {{ ?s ?p ?o }}"),
        ("?t a atmp:Therapy", "1, column 1",
         f"'?t', a pattern: {STARTS}; to match it: SELECT * WHERE {{ ?t a atmp:Therapy }}"),
        ("https://w3id.org/atmp-kg/id/therapy/kymriah ?p ?o", "1, column 1",
         f"'https://w3id.org/atmp-kg/id/therapy/kymriah', a pattern: {STARTS}; to match it: "
         "SELECT * WHERE { <https://w3id.org/atmp-kg/id/therapy/kymriah> ?p ?o }"),
        # a pattern of lines is repeated on one, a long one not at all
        ("{ ?t a atmp:Therapy ;\n  rdfs:label ?label ;\n  atmp:developedBy ?company } LIMIT 10",
         "1, column 1", f"'{{', a pattern: {STARTS}; to match it: SELECT * WHERE {{ ?t a "
         "atmp:Therapy ; rdfs:label ?label ; atmp:developedBy ?company } LIMIT 10"),
        ("{ ?t a atmp:Therapy ;\n  rdfs:label ?label ;\n  atmp:developedBy ?company ; atmp:target ?target }",
         "1, column 1", f"'{{', a pattern: {STARTS}; to match it: SELECT * WHERE {{ … }}"),
        # rev23 7: a comment would swallow the rest of the line it is put on; a variable alone
        ("?t a atmp:Therapy # the therapies\n. ?t rdfs:label ?l", "1, column 1",
         f"'?t', a pattern: {STARTS}; to match it: SELECT * WHERE {{ ?t a atmp:Therapy . ?t "
         "rdfs:label ?l }"),
        ("?t", "1, column 1", f"'?t', a pattern: {STARTS}; to match it: SELECT * WHERE {{ … }}"),
        # a prefix declared nowhere is said first, with the prefixes it may have meant
        ("thrapy:kymriah", "1, column 1",
         "the prefix 'thrapy:' is not declared; did you mean 'therapy:'? Declare it with PREFIX "
         "thrapy: <IRI>, or use a predeclared prefix"),
    ):  # fmt: skip
        with pytest.raises(errors.QuerySyntaxError) as caught:
            kg.query(text)
        starts = "" if said.startswith("the prefix") else "the query starts with "
        assert str(caught.value) == f"SPARQL syntax error at line {where}: {starts}{said}", text
        line, column = where.split(", column ")
        assert (caught.value.line, caught.value.column) == (int(line), int(column)), text


def test_query_runs_a_named_query_by_name_as_the_command_line_does(kg):
    """joints14 J14-5: kg.query(name=...), as atmpkg query --name, was a TypeError."""
    by_name = kg.query(name="products-by-target", params={"target": "cd19"})
    assert by_name.rows == kg.named("products-by-target", target="cd19").rows != []
    with pytest.raises(errors.ParameterError) as caught:
        kg.query("ASK {}", name="products-by-target")
    assert str(caught.value) == (
        "give SPARQL text, a query file or a named query's name, one of them"
    )


def test_a_slug_typed_in_capitals_names_its_entity(kg):
    assert kg.show("CellCo-EU").iri == ID + "company/cellco-eu"
    found = kg.named("company-portfolio", company="CellCo-EU")
    assert found.parameters["company"].value == ID + "company/cellco-eu"


def test_a_source_titled_like_an_entity_leaves_the_name_to_the_entity(curated_store):
    curated = atmpkg.open(curated_store)
    # each agency's home page is a source titled with the agency's name or acronym
    for name, agency in (
        ("Swissmedic", "swissmedic"),
        ("Health Canada", "health-canada"),
        ("TGA", "tga"),
        ("MFDS", "mfds"),
        ("MHRA", "mhra"),
        ("CDSCO", "cdsco"),
        ("NMPA", "nmpa"),
    ):
        assert curated.show(name).iri == ID + "agency/" + agency, name
    assert curated.show("source:agency-swissmedic-home").iri == ID + "source/agency-swissmedic-home"


def test_an_agency_is_named_by_its_official_name_and_its_demonym(curated_store):
    """newuser26 F3, F4: the agencies' official names named nothing, or ANVISA's home page."""
    curated = atmpkg.open(curated_store)
    for name, agency in (
        ("Food and Drug Administration", "fda"),
        ("U.S. Food and Drug Administration", "fda"),
        ("Agência Nacional de Vigilância Sanitária", "anvisa"),
        ("Swiss Agency for Therapeutic Products", "swissmedic"),
        ("British MHRA", "mhra"),
        ("Swiss Swissmedic", "swissmedic"),
        ("China Food and Drug Administration", "nmpa"),
    ):
        assert curated.show(name).iri == ID + "agency/" + agency, name
    found = curated.named(
        "approvals-in-period", **{"from": "2024", "to": "2024"},
        agency="Agência Nacional de Vigilância Sanitária",
    )
    assert found.parameters["agency"].value == ID + "agency/anvisa"
    # an agency beside a place not its own is offered once, without its home page
    with pytest.raises(errors.UnknownNameError) as unknown:
        curated.show("German Swissmedic")
    assert unknown.value.suggestions == ["Swissmedic"]


def test_each_entity_offered_for_a_near_miss_can_be_told_apart():
    """newuser26 F4: a name two entities share is offered as kind:slug, each; an entity's name
    without its brackets wins over a source's title (F3)."""
    from atmpkg.graph.sparql.entities import NameIndex

    names = {
        "genco": {ID + "company/genco", ID + "therapy/genco"},
        "zyxel bio (basel)": {ID + "company/zyx"},
        "zyxel bio": {ID + "source/zyx-home"},
    }
    written = {"genco": "Genco", "zyxel bio (basel)": "Zyxel Bio (Basel)"}
    index = NameIndex(names, written, agencies={}, subjects={}, imported={})
    with pytest.raises(errors.UnknownNameError) as unknown:
        index.resolve("Gencoo")
    assert unknown.value.suggestions == ["company:genco", "therapy:genco"]
    assert index.resolve("Zyxel Bio") == ID + "company/zyx"


def test_an_entity_parameter_takes_an_iri_in_angle_brackets(kg):
    bracketed = kg.named("products-by-target", target=f"<{ID}target/cd19>")
    assert bracketed.rows == kg.named("products-by-target", target="cd19").rows
    assert len(bracketed) > 0


def test_an_unknown_column_is_named_with_the_columns(kg):
    therapies = kg.query("SELECT ?therapy WHERE { ?therapy a atmp:Therapy }")
    with pytest.raises(errors.UnknownNameError) as unknown:
        therapies.column("therapyy")
    assert (
        str(unknown.value) == "unknown column 'therapyy'; did you mean 'therapy'? Columns: therapy."
    )
    with pytest.raises(errors.UnknownNameError, match="Columns: none: an ASK answer has none."):
        kg.query("ASK {}").column("x")


def test_every_network_of_an_answer_types_its_numbers_as_the_exports_do(kg):
    alphacel = ID + "therapy/alphacel"
    answer = kg.query("CONSTRUCT WHERE { therapy:alphacel ?p ?o }")
    exported = kg.select(focus="alphacel").network().nodes[alphacel]["approvalCount"]
    assert answer.to_networkx().nodes[alphacel]["approvalCount"] == exported
    assert type(exported) is int
    assert to_networkx(answer.triples, typed=False).nodes[alphacel]["approvalCount"] == str(
        exported
    )


def test_numpy_integers_count_as_whole_numbers_everywhere(kg):
    np = pytest.importorskip("numpy")
    chosen = kg.select(focus="cellco", hops=np.int64(1), max_nodes=np.int64(3))
    assert (chosen.hops, chosen.max_nodes, type(chosen.hops)) == (1, 3, int)


def test_an_answer_is_true_when_an_ask_says_yes_or_anything_came_back(kg):
    assert [bool(kg.query(q)) for q in ("ASK {}", "ASK { ?s a atmp:Nothing }")] == [True, False]
    assert bool(kg.query("SELECT ?t { ?t a atmp:Therapy }"))
    assert not kg.query("CONSTRUCT WHERE { ?s a atmp:Nothing }")


def test_none_for_a_named_parameter_is_a_value_not_given(kg, held_today):
    """A wrapper's keyword default (None) passes through: the declared default applies."""
    today = kg.named("authorised-products").dicts()
    assert today != [] and kg.named("authorised-products", as_of=None).dicts() == today
    assert kg.named("authorised-products", as_of=pd.NaT).dicts() == today
    minimum = kg.named("companies-by-approved-products", min_products=None)
    assert minimum.parameters["min_products"].value == "2"


def test_values_a_query_answers_with_can_be_given_back_and_near_misses_are_noted(kg, monkeypatch):
    """An IRI from dicts() and a day as text bind as what they are; a misspelt prefix and a month
    stay strings, and the answer says why it may be empty."""
    therapy = kg.named("therapy-approval-timeline", therapy="alphacel").dicts()[0]["therapy"]
    labels = "SELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    assert kg.query(labels, {"t": therapy}).dicts() == [{"t": therapy, "l": "Alphacel"}]
    since = "SELECT ?a ?from { ?a a atmp:Approval ; atmp:date ?d FILTER(?d >= ?from) } ORDER BY ?a"
    assert (
        kg.query(since, {"from": "2018-01-01"}).column("a")
        == kg.query(since, {"from": datetime.date(2018, 1, 1)}).column("a")
        != []
    )
    missed = kg.query(labels, {"t": "thrapy:alphacel", "l": "2019-03"})
    assert (missed.dicts(), missed.notes) == (
        [],
        [
            "parameter 't' is the string \"thrapy:alphacel\": thrapy: is no prefix (did you mean "
            "therapy:?); write a prefixed name with a declared prefix, or <IRI>",
            "parameter 'l' is the string \"2019-03\", which no date equals; give a day "
            "(2019-03-01), a range, or the month as the graph states it, "
            '"2019-03"^^xsd:gYearMonth (the values of atmp:dateStated)',
        ],
    )
    # newuser26 F2: "today" is a day only for a date parameter of a header; bound as text, it
    # matched nothing without a word
    monkeypatch.setattr(atmpkg.queries, "today", lambda: datetime.date(2026, 12, 7))
    for word, day in (("today", "2026-12-07"), ("TODAY-1Y", "2025-12-07")):
        answer = kg.query(since, {"from": word})
        assert (answer.rows, answer.notes) == ([], [
            f"parameter 'from' is the string \"{word}\", which no date equals; give the day, {day} "
            f"(or declare the parameter in the query file's header, # param: from date *, where "
            f"{word} is a day)"
        ])
    header = "# param: from date *\n" + since
    headed = kg.query(header, {"from": "today-10y"})
    assert (headed.column("a"), headed.notes) == (kg.query(since, {"from": "2016-12-07"}).column("a"), [])
    assert len(headed.rows) == 8
    assert kg.query(since, {"from": "today+99999y"}).notes == []  # no day to give
    # a name bound as a string to a query with no typed header: nothing matches, and the note says
    # which entity it names
    developers = "SELECT ?t ?c WHERE { ?t atmp:developedBy ?c }"
    assert kg.query(developers, {"c": "Big Pharma"}).notes == [
        "parameter 'c' is the string \"Big Pharma\", which names no entity: company:bigpharma is "
        "the entity of that name; give company:bigpharma to bind the entity (or declare the "
        "parameter in the query file's header: # param: c company)"
    ]
    assert kg.query(developers, {"c": "company:bigpharma"}).notes == []
    # sec22 L1: a value or a variable pasted by mistake was repeated whole (600 kB over HTTP)
    for given, told in (
        (
            {"t": "<" + "a b" * 200_000 + ">"},
            "cannot read '<" + "a b" * 26 + "a… (600,002 characters)' as an RDF term: Invalid IRI "
            "code point ' '",
        ),
        (
            {"z" * 600_000: "1"},
            "the query has no variable ?" + "z" * 80 + "… (600,000 characters) to bind; its "
            "variables are: ?l, ?t",
        ),
        (
            {"t": '"a' + "a" * 600_000},
            "cannot read '\"" + "a" * 79 + "… (600,002 characters)' as an RDF term: a value that "
            'starts with " is a literal: "text", "text"@en or "text"^^datatype, with a quote '
            'inside written \\"',
        ),
    ):
        with pytest.raises(errors.ParameterError) as refused:
            kg.query(labels, given)
        assert str(refused.value) == told
    # newuser22 F12: a kind:slug that names nothing, given as a value, was not noted as in a text
    for given in ("company:bigpharm", "<https://w3id.org/atmp-kg/id/company/bigpharm>"):
        assert kg.query(developers, {"c": given}).notes == [
            "parameter 'c' is company:bigpharm, which names nothing in the graph (did you mean "
            "company:bigpharma?): nothing matches it"
        ], given
    # newuser15 F1, F9: a label as a plain string, a slug in capitals, a value in another case
    # answered nothing without a word, or with the advice to bind the entity
    slips = 'SELECT ?t WHERE { ?t rdfs:label "Alphacel" ; atmp:modality modality:CAR-T }'
    assert kg.query(slips).notes == [
        "modality:CAR-T names nothing in the graph: modality:car-t does (slugs are lower case)",
        'rdfs:label "Alphacel" matches no value: the graph holds "Alphacel"@en; write that, or '
        'compare the text alone: FILTER(STR(?value) = "Alphacel")',
    ]
    # newuser16 F2: a misspelt name in a FILTER keeps every row, so it is noted on any answer
    therapies = "SELECT ?t WHERE { ?t a atmp:Therapy FILTER NOT EXISTS { ?t atmp:modality %s } }"
    assert len(kg.query(therapies % "modality:car-t")) == 1
    misspelt = kg.query(therapies % "modality:cart")
    assert (len(misspelt), misspelt.notes) == (
        3,
        [
            "modality:cart names nothing in the graph (did you mean modality:car-t?): nothing "
            "matches it"
        ],
    )
    assert kg.query("ASK { company:cellco a atmp:Company }").notes == []
    assert kg.query("ASK { company:Big-Pharma a atmp:Company }").notes == [
        "company:Big-Pharma names nothing in the graph (did you mean company:bigpharma?): "
        "nothing matches it"
    ]
    # newuser16 F1: a value written with no datatype, or money as a whole number, matched
    # nothing without a word
    typed = {
        'SELECT ?a WHERE { ?a atmp:date "2018-08-22" }': 'atmp:date "2018-08-22" matches no '
        'value: the graph holds "2018-08-22"^^xsd:date; write that, or compare the text alone: '
        'FILTER(STR(?value) = "2018-08-22")',
        "SELECT ?d WHERE { ?d atmp:valueUSD 11900000000 }": "atmp:valueUSD 11900000000 matches "
        'no value: the graph holds "11900000000"^^xsd:decimal; write that, or compare the '
        "number: FILTER(?value = 11900000000)",
    }
    for text, note in typed.items():
        assert (len(kg.query(text)), kg.query(text).notes) == (0, [note])
    assert len(kg.query("SELECT ?d WHERE { ?d atmp:valueUSD 11900000000.0 }")) == 1
    money = "SELECT ?d ?v WHERE { ?d atmp:valueUSD ?v }"
    assert kg.query(money, {"v": "11900000000"}).notes == [
        "parameter 'v' is \"11900000000\"^^xsd:integer, which no value of it equals: the graph "
        "holds \"11900000000\"^^xsd:decimal; give -p 'v=\"11900000000\"^^xsd:decimal'"
    ]
    # newuser17 F1: a value read from a DataFrame (a float, a Timestamp of a month's date) or a
    # number with an exponent, bound back, matched nothing without a word
    import pandas as pd

    assert kg.query(money, {"v": 11900000000.0}).notes == [
        "parameter 'v' is \"11900000000.0\"^^xsd:double (float), which no value of it equals: "
        "the graph holds \"11900000000.0\"^^xsd:decimal; give v='\"11900000000.0\"^^xsd:decimal' "
        "(text is read as a term)"
    ]
    assert kg.query(money, {"v": "1.19e10"}).notes == [
        "parameter 'v' is \"1.19e10\"^^xsd:double, which no value of it equals: the graph holds "
        "\"11900000000\"^^xsd:decimal; give -p 'v=\"11900000000\"^^xsd:decimal'"
    ]
    assert kg.query("SELECT ?d WHERE { ?d atmp:valueUSD 11.9e9 }").notes == [
        'atmp:valueUSD 11.9e9 matches no value: the graph holds "11900000000"^^xsd:decimal; '
        "write that, or compare the number: FILTER(?value = 11.9e9)"
    ]
    stated = "SELECT ?a ?s WHERE { ?a a atmp:Approval ; atmp:dateStated ?s }"
    dates = kg.query(stated).df
    (month,) = dates[dates.s_precision == "month"].s  # 2022-01, as read into the DataFrame
    assert month == pd.Timestamp("2022-01-01")
    assert kg.query(stated, {"s": month}).notes == [
        "parameter 's' is \"2022-01-01\"^^xsd:date (Timestamp), which no value of it equals: the "
        "graph holds \"2022-01\"^^xsd:gYearMonth; give s='\"2022-01\"^^xsd:gYearMonth' (text is "
        "read as a term)"
    ]
    # newuser17 F2: a gYear is no number; = 2024 drops every row
    assert kg.query("SELECT ?e WHERE { ?e atmp:year 2024 }").notes == [
        'atmp:year 2024 matches no value: the graph holds "2024"^^xsd:gYear; write that, or '
        "compare the year: FILTER(YEAR(?value) = 2024)"
    ]
    assert len(kg.query("SELECT ?e WHERE { ?e atmp:year ?y FILTER(YEAR(?y) = 2024) }")) == 1
    # newuser17 F7: an entity written as text, a tagged label in another case, and a count of
    # nothing, which is one row of 0, not an empty answer
    assert kg.query('SELECT ?t WHERE { ?t atmp:modality "car-t" }').notes == [
        'atmp:modality "car-t" matches no value: the graph holds an entity there, not text: '
        "write modality:car-t"
    ]
    assert kg.query('SELECT ?t WHERE { ?t rdfs:label "alphacel"@en }').notes == [
        'rdfs:label "alphacel"@en matches no value: the graph holds "Alphacel"@en; write that, '
        'or compare without case: FILTER(LCASE(STR(?value)) = LCASE("alphacel"))'
    ]
    counted = kg.query('SELECT (COUNT(?t) AS ?n) WHERE { ?t rdfs:label "Alphacel" }')
    assert counted.dicts() == [{"n": 0}] and counted.notes == [
        'rdfs:label "Alphacel" matches no value: the graph holds "Alphacel"@en; write that, or '
        'compare the text alone: FILTER(STR(?value) = "Alphacel")'
    ]
    assert kg.query('SELECT (COUNT(?t) AS ?n) WHERE { ?t rdfs:label "Alphacel"@en }').notes == []
    # newuser19 L3: a property whose values are never of the entity's kind, as a deal's company
    # written with atmp:target (a therapy's antigen) for atmp:dealTarget, or a pattern written
    # the other way round
    assert kg.query("SELECT ?deal WHERE { ?deal atmp:target company:cellco }").notes == [
        "atmp:target company:cellco matches nothing: atmp:target never has a company as its "
        "value (its range is atmp:Target); did you mean atmp:dealTarget?"
    ]
    assert kg.query("SELECT ?c WHERE { ?c atmp:developedBy therapy:alphacel }").notes == [
        "atmp:developedBy therapy:alphacel matches nothing: atmp:developedBy never has a therapy "
        "as its value (its range is atmp:Company); written the other way round: therapy:alphacel "
        "atmp:developedBy ?x"
    ]
    assert kg.query("SELECT ?a WHERE { ?a atmp:indication agency:ema }").notes == [
        "atmp:indication agency:ema matches nothing: atmp:indication never has an agency as its "
        "value (its range is atmp:Indication); the properties that take one: atmp:agency"
    ]
    # rev19b F2: a path is no property alone; and a value of the property's range gets no note
    for right in (
        "SELECT ?c WHERE { ?c ^atmp:developedBy therapy:alphacel FILTER(false) }",
        "SELECT ?d WHERE { ?d atmp:dealTarget|atmp:target company:cellco FILTER(false) }",
        "SELECT ?d WHERE { ?d !atmp:target company:cellco FILTER(false) }",
        "SELECT ?deal WHERE { ?deal atmp:dealTarget company:othercorp }",
        "SELECT ?a WHERE { ?a atmp:jurisdiction country:de ; atmp:agency agency:ema }",
    ):
        assert kg.query(right).notes == [], right
    # newuser20 F2: a FILTER comparing dates or amounts with a string or a number dropped every
    # row without a word, as does a typed value that is no value of its datatype
    dated = "SELECT (COUNT(?a) AS ?n) WHERE {{ ?a atmp:product ?t ; {} }}"
    for pattern, note in (
        (
            'atmp:date ?d FILTER(?d >= "2020-01-01")',
            '?d >= "2020-01-01" compares atmp:date\'s values (xsd:date) with a string, which the '
            'engine cannot do: every row is dropped; write "2020-01-01"^^xsd:date',
        ),
        (
            # rev26 F8: quoted as written, not turned round ("?d >= 2020")
            "atmp:dateStated ?d FILTER(2020 <= ?d)",
            "2020 <= ?d compares atmp:dateStated's values (xsd:date, xsd:gYearMonth) "
            "with a number, which the engine cannot do: every row is dropped; compare the year: "
            "FILTER(YEAR(?d) >= 2020)",
        ),
        (
            'atmp:date ?d FILTER(?d = "2017-08-30")',
            '?d = "2017-08-30" matches no value: atmp:date holds "2017-08-30"^^xsd:date; write that',
        ),
        (
            'atmp:date ?d FILTER(?d > "2020-13-01"^^xsd:date)',
            '"2020-13-01"^^xsd:date is no xsd:date value, so no value equals it and every '
            "comparison with it fails: write a valid one",
        ),
        (
            'atmp:date "2017-8-30"^^xsd:date',
            '"2017-8-30"^^xsd:date is no xsd:date value, so no value equals it and every '
            "comparison with it fails: write a valid one",
        ),
    ):
        answer = kg.query(dated.format(pattern))
        assert (answer.dicts(), answer.notes) == ([{"n": 0}], [note]), pattern
    # newuser23 F4: a date without quotes was noted as the year it starts with, "?d >= 2020", and
    # compared with YEAR(?d) it answered for 2018 without a word
    unquoted = (
        '2020-01-01 without quotes is the number 2018 (2020 - 1 - 1): write "2020-01-01"^^xsd:date '
        "(a year alone, as YEAR(…) gives: 2020)"
    )
    for pattern, n, notes in (
        ("atmp:date ?d FILTER(?d >= 2020-01-01)", 0, [unquoted]),
        ("atmp:date ?d FILTER(2020-01-01 <= ?d)", 0, [unquoted]),
        ("atmp:date ?d FILTER(YEAR(?d) >= 2020-01-01)", 7, [unquoted]),  # the years since 2018
        (
            "atmp:date ?d FILTER(?d >= 2020-06 && ?d < 2020-01-01)",
            0,
            [
                '2020-06 without quotes is the number 2014 (2020 - 6): write "2020-06-01"^^xsd:date, '
                "the month's first day (a year alone, as YEAR(…) gives: 2020)",
                unquoted,
            ],
        ),
        # arithmetic written as such is no date, nor is its first number the side compared
        ("atmp:date ?d FILTER(?d > 2020 - 01 - 01)", 0, []),
        # rev23 8: no date to offer where the month is none
        ("atmp:date ?d FILTER(?d < 2021-13)", 0, [
            '2021-13 without quotes is the number 2008 (2021 - 13), and no date either: a date is '
            'written "YYYY-MM-DD"^^xsd:date'
        ]),
    ):
        answer = kg.query(dated.format(pattern))
        assert (answer.dicts(), answer.notes) == ([{"n": n}], notes), pattern
    for meant in ('?d >= "2020-01-01"^^xsd:date', "YEAR(?d) >= 2020"):  # as the note says
        assert kg.query(dated.format(f"atmp:date ?d FILTER({meant})")).dicts() == [{"n": 5}]
    assert kg.query('SELECT ?d ?v WHERE { ?d atmp:valueUSD ?v FILTER(?v > "1000") }').notes == [
        '?v > "1000" compares atmp:valueUSD\'s values (xsd:decimal) with a string, which the '
        "engine cannot do: every row is dropped; write 1000"
    ]
    # newuser21 M1, joints21 J21-3: dates as stated compare with a date only where the day is
    # known: the months were dropped silently, and the note on a string sent to that filter
    twin = "compare atmp:date, the first day of the period stated, which every dated record has"
    some = kg.query('SELECT ?a WHERE { ?a atmp:dateStated ?d FILTER(?d >= "2020-01-01"^^xsd:date) }')
    assert some.rows and some.notes == [
        '?d >= "2020-01-01"^^xsd:date drops the rows whose atmp:dateStated is an xsd:gYearMonth, '
        f"which the engine cannot compare with an xsd:date; {twin}"
    ]
    assert kg.query('SELECT ?a WHERE { ?a atmp:dateStated ?d FILTER(?d >= "2020-01-01") }').notes == [
        '?d >= "2020-01-01" compares atmp:dateStated\'s values (xsd:date, xsd:gYearMonth) with a '
        f'string, which the engine cannot do: every row is dropped; {twin}: FILTER(?day >= '
        '"2020-01-01"^^xsd:date) on atmp:date ?day'
    ]
    assert kg.query('SELECT ?a WHERE { ?a atmp:date ?d FILTER(?d >= "2020-01-01"^^xsd:date) }').notes == []
    # rev21 F3: an answer with rows gets no note on the entity a string parameter names
    inn = kg.query("SELECT ?t ?n WHERE { ?t atmp:inn ?n }", {"n": "alphacabtagene autoleucel"})
    assert (len(inn.rows), inn.notes) == (1, [])
    # sec21 F2: a few distinct values written are examined at most, each once
    many = " ".join(f'"2020-13-{i:02}"^^xsd:date' for i in range(100))
    notes = kg.query(f"SELECT ?a WHERE {{ ?a atmp:date ?d FILTER(?d IN ({many.replace(' ', ', ')})) }}").notes
    assert len(notes) == 64 and notes[63].startswith('"2020-13-63"^^xsd:date is no xsd:date value')
    for compared in (  # comparisons the engine makes, right or wrong, get no note
        'atmp:date ?d FILTER(?d >= "2030-01-01"^^xsd:date)',
        "atmp:dateStated ?d FILTER(YEAR(?d) >= 2030)",
        'atmp:date ?d FILTER(?d = "2017-08-31"^^xsd:date)',
    ):
        assert kg.query(dated.format(compared)).notes == [], compared
    # rev2_17 N1, N2: an entity named by its label, looked up in the index
    assert kg.query('SELECT ?t WHERE { ?t rdf:type "therapy" }').notes == [
        'rdf:type "therapy" matches no value: the graph holds an entity there, not text: write '
        "atmp:Therapy"
    ]
    # rev2_17 N3: other sites' IRIs the graph holds use up no look-up of the values written
    urls = kg.query("SELECT ?u WHERE { ?s schema:url ?u } ORDER BY ?u").column("u")
    held = " ".join(f"?s{n} schema:url <{url}> ." for n, url in enumerate(urls))
    owl = "http://www.w3.org/2002/07/owl#"
    held += "".join(f" ?c{n} rdf:type <{owl}{kind}> ." for n, kind in enumerate(["Class", "Ontology"]))
    assert len(urls) == 7 and kg.query(
        f'SELECT ?t WHERE {{ {held} ?t rdfs:label "alphacel"@en }}'
    ).notes[0].startswith('rdfs:label "alphacel"@en matches no value')
    # sec16 N1: each undeclared name cost a search of the ontology after the time limit
    names = " ".join(f"atmp:made{n}" for n in range(20))
    many = kg.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {names} }} }} LIMIT 1").notes
    assert (len(many), many[-1]) == (
        9,
        "12 more names of the query are no terms of their vocabularies either",
    )
    # sec16 N2: a datatype written as a literal nested without end
    nested = '"a"^^' * 3000 + "<urn:x>"
    with pytest.raises(errors.ParameterError, match="is no IRI: write it <https://…> or xsd:name"):
        kg.query("SELECT ?x WHERE {}", {"x": nested})
    # a query that declares the prefix names what it likes
    assert kg.query("PREFIX modality: <urn:m:> ASK { ?t atmp:modality modality:x }").notes == []
    assert kg.query('SELECT ?t WHERE { ?t atmp:inn "Alphacabtagene autoleucel" }').notes == [
        'atmp:inn "Alphacabtagene autoleucel" matches no value: the graph holds "alphacabtagene '
        'autoleucel"; write that, or compare without case: FILTER(LCASE(STR(?value)) = '
        'LCASE("Alphacabtagene autoleucel"))'
    ]
    by_label = "SELECT ?t ?l WHERE { ?t rdfs:label ?l }"
    assert kg.query(by_label, {"l": "Alphacel"}).notes == [
        "parameter 'l' is the string \"Alphacel\", which no value of it equals: the graph holds "
        "\"Alphacel\"@en; give -p 'l=\"Alphacel\"@en'"
    ]
    assert kg.query(by_label, {"l": '"Alphacel"@en'}).notes == []
    # rev15 R8: an escape in a local name, a relative IRI: the notes made the query fail
    for text in ("SELECT * { therapy:Alpha\\-cel ?p ?o }", 'SELECT * { ?t <label> "Alphacel" }'):
        assert (kg.query(text).rows, kg.query(text).notes) == ([], [])


def test_a_date_compared_with_now_is_noted_with_today_as_a_date(kg):
    """newuser26 F1: FILTER(?g > NOW()) on dates dropped every row without a word, as a dateTime
    literal gets one; and xsd:date(NOW()), offered for SQL's GETDATE, drops today's rows."""
    today = "xsd:date(SUBSTR(STR(NOW()), 1, 10))"
    zoned = " (xsd:date(NOW()) keeps NOW()'s time zone, which the graph's dates do not have, and drops today's rows)"
    dated = "SELECT ?a WHERE {{ ?a atmp:product ?t ; {} }}"
    for pattern, note in (
        (
            "atmp:date ?d FILTER(?d <= NOW())",
            "?d <= NOW() compares atmp:date's values (xsd:date) with an xsd:dateTime, which the "
            f"engine cannot do: every row is dropped; write {today} for today{zoned}",
        ),
        (
            "atmp:date ?d BIND(now() AS ?now) FILTER(?now >= ?d)",
            "?now >= ?d compares atmp:date's values (xsd:date) with an xsd:dateTime, which the "
            f"engine cannot do: every row is dropped; write {today} for today{zoned}",
        ),
        (
            # rev26 F8: quoted as written, not turned round ("?d > NOW()"); what to compare
            # instead is written with the property's values first
            "atmp:dateStated ?d FILTER(NOW() < ?d)",
            "NOW() < ?d compares atmp:dateStated's values (xsd:date, xsd:gYearMonth) with an "
            "xsd:dateTime, which the engine cannot do: every row is dropped; compare atmp:date, the "
            "first day of the period stated, which every dated record has: FILTER(?day > "
            f"{today}) on atmp:date ?day{zoned}",
        ),
        (
            "atmp:dateStated ?d FILTER(?d > NOW())",
            "?d > NOW() compares atmp:dateStated's values (xsd:date, xsd:gYearMonth) with an "
            "xsd:dateTime, which the engine cannot do: every row is dropped; compare atmp:date, the "
            "first day of the period stated, which every dated record has: FILTER(?day > "
            f"{today}) on atmp:date ?day{zoned}",
        ),
    ):
        answer = kg.query(dated.format(pattern))
        assert (answer.rows, answer.notes) == ([], [note]), pattern
    year = kg.query("SELECT ?e WHERE { ?e atmp:year ?y FILTER(?y < NOW()) }")
    assert (year.rows, year.notes) == ([], [
        "?y < NOW() compares atmp:year's values (xsd:gYear) with an xsd:dateTime, which the engine "
        "cannot do: every row is dropped; compare the year: FILTER(YEAR(?y) < YEAR(NOW()))"
    ])
    # what the notes offer answers (every fixture date is past), and gets no note
    for meant in (f"atmp:date ?d FILTER(?d <= {today})", "atmp:date ?d FILTER(YEAR(?d) <= YEAR(NOW()))"):
        answer = kg.query(dated.format(meant))
        assert (len(answer.rows), answer.notes) == (8, []), meant
    # the fixture's estimates of the years before NOW()'s: 2 of its 3 in 2026, all 3 from 2027
    this_year, earlier = on_one_day(
        lambda: kg.query("SELECT ?e WHERE { ?e atmp:year ?y FILTER(YEAR(?y) < YEAR(NOW())) }").rows,
        utc_today,
    )
    years = kg.query("SELECT ?e ?y WHERE { ?e atmp:year ?y }").rows
    assert len(years) == 3 and sorted(e.value for e, in earlier) == sorted(
        e.value for e, y in years if int(y.value) < this_year.year
    )
    # a variable NOW() is not all that binds is not followed; = is a comparison the engine makes
    for other in (
        "atmp:date ?d BIND(NOW() AS ?now) VALUES ?now { 1 } FILTER(?d <= ?now)",
        "atmp:date ?d BIND(NOW() AS ?now) OPTIONAL { ?a atmp:dateEnd ?now } FILTER(?d <= ?now)",
        "atmp:date ?d FILTER(?d = NOW())",
    ):
        assert kg.query(dated.format(other)).notes == [], other
    # a date on today's day: xsd:date(NOW()) cannot be ordered against it, the date offered can
    ordered = kg.query(
        f"SELECT ?zoned ?plain WHERE {{ BIND({today} AS ?d) BIND((?d <= xsd:date(NOW())) AS ?zoned) "
        f"BIND((?d <= {today}) AS ?plain) }}"
    )
    assert ordered.dicts() == [{"plain": True}]  # ?zoned unbound: an error
    with pytest.raises(errors.QuerySyntaxError, match=r"SPARQL has no GETDATE\(…\): write xsd:date\(SUBSTR"):
        kg.query("SELECT ?a WHERE { ?a atmp:date ?d FILTER(?d <= GETDATE()) }")


def test_now_less_a_duration_compared_with_a_date_is_noted_as_now_is(kg, curated_store, fixture_store):
    """joints28 F1: FILTER(?d > NOW() - "P1Y"^^xsd:yearMonthDuration), the commonest way to ask for
    the last year, dropped every row without a word where ?d > NOW() gets a note: NOW() less a
    duration is a moment too. The note quotes the comparison as written and offers today less the
    same duration, which answers."""
    today = "xsd:date(SUBSTR(STR(NOW()), 1, 10))"
    year, days = '"P1Y"^^xsd:yearMonthDuration', '"P30D"^^xsd:dayTimeDuration'
    zoned = (
        " (xsd:date(NOW()) keeps NOW()'s time zone, which the graph's dates do not have, and drops "
        "the rows of the day it reaches)"
    )
    cannot = "compares atmp:date's values (xsd:date) with an xsd:dateTime, which the engine cannot do: every row is dropped"
    dated = "SELECT ?a WHERE {{ ?a atmp:product ?t ; atmp:date ?d {} }}"
    for pattern, said, instead in (
        (f"FILTER(?d > NOW() - {year})", f"?d > NOW() - {year}", f"{today} - {year}"),
        (f"FILTER(?d >= NOW() - {days})", f"?d >= NOW() - {days}", f"{today} - {days}"),
        (f"FILTER(NOW() - {year} < ?d)", f"NOW() - {year} < ?d", f"{today} - {year}"),
        (f"FILTER(?d > (NOW() - {year}))", f"?d > (NOW() - {year})", f"{today} - {year}"),
        # a variable no pattern gives a value is taken as the duration it must be to give a moment
        ("VALUES ?span { \"P2Y\"^^xsd:yearMonthDuration } FILTER(?d >= NOW() - ?span)",
         "?d >= NOW() - ?span", f"{today} - ?span"),
        (f"BIND(NOW() - {year} AS ?since) FILTER(?d > ?since)", "?d > ?since", f"{today} - {year}"),
        (f"BIND(NOW() AS ?now) FILTER(?d > ?now - {days})", f"?d > ?now - {days}", f"{today} - {days}"),
    ):
        answer = kg.query(dated.format(pattern))
        assert (answer.rows, answer.notes) == ([], [f"{said} {cannot}; write {instead}{zoned}"]), pattern
    gyear = kg.query(f"SELECT ?e WHERE {{ ?e atmp:year ?y FILTER(?y < NOW() - {year}) }}")
    assert gyear.notes == [
        f"?y < NOW() - {year} compares atmp:year's values (xsd:gYear) with an xsd:dateTime, which "
        f"the engine cannot do: every row is dropped; compare the year: FILTER(YEAR(?y) < YEAR(NOW() - {year}))"
    ]
    # NOW() less NOW() is a duration, a string is no duration, a sum is noted as unbound: none of
    # these is taken for a moment; a moment compared with a moment is no error and gets no note
    for other in (
        "BIND(NOW() AS ?now) FILTER(?d > NOW() - ?now)",
        'FILTER(?d > NOW() - "P1Y")',
        f"BIND(NOW() AS ?then) FILTER(?then > NOW() - {year})",
        f"FILTER(NOW() > NOW() - {year})",
    ):
        assert [n for n in kg.query(dated.format(other)).notes if cannot in n] == [], other
    # what the note offers answers: the fixture's approvals since today less the duration
    stated = [
        datetime.date.fromisoformat(day if len(day) == 10 else day + "-01")
        for day in (line.split(",")[2] for line in (FIXTURE / "approvals.csv").read_text().splitlines()[1:])
    ]
    durations = ('"P6Y"^^xsd:yearMonthDuration', '"P3000D"^^xsd:dayTimeDuration')
    now, answers = on_one_day(
        lambda: [kg.query(dated.format(f"FILTER(?d > {today} - {d})")) for d in durations], utc_today
    )
    for duration, since, answer in zip(
        durations,
        (now.replace(year=now.year - 6, day=min(now.day, 28)), now - datetime.timedelta(days=3000)),
        answers,
        strict=True,
    ):
        if duration.startswith('"P6Y') and now.day > 28:
            continue  # the month's end: a day the year-less date above does not reach exactly
        assert (len(answer.rows), answer.notes) == (sum(d > since for d in stated), []), duration
    # on the curated graph the note's own text, as offered, counts the approvals of the last year
    curated = atmpkg.open(curated_store)
    asked = curated.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a a atmp:Approval ; atmp:date ?d FILTER(?d > NOW() - {year}) }}"
    )
    offered = asked.notes[0].split("; write ")[1].split(" (xsd:date(NOW())")[0]
    assert (asked.rows[0][0].value, offered) == ("0", f"{today} - {year}")
    now, counted = on_one_day(
        lambda: curated.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a a atmp:Approval ; atmp:date ?d FILTER(?d > {offered}) }}"
        ),
        utc_today,
    )
    one_year_ago = now.replace(year=now.year - 1, day=min(now.day, 28) if now.month == 2 else now.day)
    days_listed = curated.query("SELECT ?d WHERE { ?a a atmp:Approval ; atmp:date ?d }").column("d")
    expected = sum(datetime.date.fromisoformat(str(d)) > one_year_ago for d in days_listed)
    # 11 on 2026-12-07, the day this was written
    assert (counted.rows[0][0].value, counted.notes) == (str(expected), [])
    # the command line and the HTTP header give the same note
    text = f"SELECT ?a WHERE {{ ?a atmp:date ?d FILTER(?d > NOW() - {year}) }}"
    noted = kg.query(text).notes
    assert noted and noted[0].startswith(f"?d > NOW() - {year} compares")
    shown = CliRunner().invoke(cli, ["query", text, "--store", str(fixture_store)])
    assert shown.exit_code == 0 and f"Note: {noted[0]}" in shown.stderr.replace("\n", " ")


def test_the_note_on_now_agrees_with_the_rows_the_engine_drops(curated_store, tmp_path):
    """newuser26 F1, differentially: on each literal property of the curated graph, and two of
    moments imported (one all moments, one a day and a moment), NOW() compared with its values is
    noted as dropping every row, or some, exactly where the engine errs on every row, or some."""
    from conftest import store_with_import

    curated = atmpkg.open(store_with_import(curated_store, tmp_path, """
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <urn:x:a> <urn:x:seen> "2020-01-01T00:00:00Z"^^xsd:dateTime , "2999-01-01T00:00:00Z"^^xsd:dateTime .
        <urn:x:b> <urn:x:both> "2020-01-01T00:00:00Z"^^xsd:dateTime , "2020-01-01"^^xsd:date .
    """))
    properties = curated.query(
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o FILTER(isLiteral(?o)) } ORDER BY ?p"
    ).column("p")
    assert len(properties) > 40 and {"urn:x:seen", "urn:x:both"} <= set(properties)
    kinds = set()
    for prop in properties:
        for op, compared in ((">=", "NOW()"), ("<", "?now")):
            bind = "BIND(NOW() AS ?now) " if compared == "?now" else ""
            counted = curated.query(
                f"SELECT (COUNT(*) AS ?all) (SUM(IF(BOUND(?ok), 0, 1)) AS ?dropped) "
                f"(SUM(IF(COALESCE(?ok, false), 1, 0)) AS ?kept) WHERE {{ "
                f"?s <{prop}> ?v {bind}BIND((?v {op} {compared}) AS ?ok) }}"
            ).dicts()[0]
            answer = curated.query(f"SELECT ?s WHERE {{ ?s <{prop}> ?v {bind}FILTER(?v {op} {compared}) }}")
            all_dropped = [n for n in answer.notes if "every row is dropped" in n]
            some_dropped = [n for n in answer.notes if " drops the rows whose " in n]
            assert bool(all_dropped) == (counted["dropped"] == counted["all"] > 0), (prop, op, answer.notes)
            assert bool(some_dropped) == (0 < counted["dropped"] < counted["all"]), (prop, op, answer.notes)
            assert len(answer.rows) == counted["kept"]
            kinds.add((bool(all_dropped), bool(some_dropped)))
    assert kinds == {(True, False), (False, True), (False, False)}


def test_query_text_and_file(kg, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_text(
        "# param: agency agency *  An agency\nSELECT ?agency (COUNT(*) AS ?n) WHERE { ?a a atmp:Approval ; atmp:agency ?agency } GROUP BY ?agency"
    )
    answer = kg.query(file=rq, params={"agency": "EMA"})
    assert answer.dicts() == [{"agency": ID + "agency/ema", "n": 2}]
    assert answer.sparql == rq.read_text()  # the text that was answered, as read
    assert kg.named("company-subsidiaries", company="bigpharma").sparql == (
        atmpkg.queries.load("company-subsidiaries").text
    )
    assert kg.query("ASK { <therapy/alphacel> a atmp:Therapy }").boolean is True
    with pytest.raises(errors.ParameterError, match="one of them"):
        kg.query("ASK {}", file=rq)
    # declared parameters only, in a file with a header; in a file without one, any variable
    with pytest.raises(
        errors.UnknownNameError, match="unknown parameter 'therapy' of query file '.*q.rq'"
    ):
        kg.query(file=rq, params={"therapy": "therapy:alphacel"})
    bare = tmp_path / "bare.rq"
    bare.write_text(
        "SELECT ?therapy ?agency WHERE { ?a atmp:product ?therapy ; atmp:agency ?agency } "
        "ORDER BY ?agency"
    )
    assert kg.query(file=bare, params={"therapy": "therapy:genex"}).column("agency") == [
        ID + "agency/ema",
        ID + "agency/fda",
        ID + "agency/pmda",
    ]


def test_a_default_that_does_not_read_names_the_header_it_is_in(kg, tmp_path):
    counted = tmp_path / "counted.rq"
    counted.write_text("# param: n integer abc  A number\nSELECT ?n {}\n")
    with pytest.raises(errors.ParameterError) as error:
        kg.query(file=counted)
    assert str(error.value) == (
        f"the default of parameter 'n' in the header of query file '{counted}' does not read: "
        "parameter 'n' must be an integer such as 2, got 'abc'; fix its 'param:' line"
    )
    assert kg.query(file=counted, params={"n": 3}).column("n") == [3]


def test_a_query_file_that_is_not_utf8_is_named_with_its_line_and_column(kg, tmp_path):
    latin = tmp_path / "latin.rq"
    latin.write_bytes(b'SELECT ?x WHERE {\n  BIND("caf\xe9" AS ?x)\n}')
    message = (
        f"{latin}:2:12: byte 0xe9 is not UTF-8 text (the file is in another encoding, perhaps "
        "Latin-1 or Windows-1252); save it as UTF-8"
    )
    with pytest.raises(errors.DataError) as error:
        kg.query(file=latin)
    assert str(error.value) == message
    for command in ("query", "view", "export"):
        result = CliRunner().invoke(cli, [command, "--file", str(latin), "--store", str(kg.root)])
        assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n"), command


def test_the_handles_time_limit_applies_to_every_query(fixture_store):
    kg = atmpkg.open(fixture_store, timeout=1)
    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(errors.QueryTimeoutError, match="1 s time limit"):
            kg.query(FOREVER)
        assert time.monotonic() - started < 15
    assert kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }").column("n") == [3]


class ReadCounted(list):
    """A query's tokens that count how many of them the advice reads, one by one."""

    read = 0

    def __iter__(self):
        for token in super().__iter__():
            self.read += 1
            yield token


def test_the_advice_on_many_variables_bound_to_now_reads_the_query_once(kg, monkeypatch):
    """sec27 F3: for each of 1,300 variables only BIND(NOW() AS ?v) binds, the advice read every
    token of the query again (20 s of CPU for a long one) and went on past the time limit."""
    run = importlib.import_module("atmpkg.graph.sparql.run")
    gate = importlib.import_module("atmpkg.graph.engine.gate")
    values = " ".join(["1"] * 20_000)
    binds = " ".join(f"BIND(NOW() AS ?v{i})" for i in range(1_300))
    text = (
        f"SELECT ?a WHERE {{ {{ SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }} LIMIT 0 }} "
        f"?a atmp:date ?d FILTER(?d <= ?v0) {binds} }}"
    )
    tokens = ReadCounted(gate.check(text).tokens)
    noted = "?d <= ?v0 compares atmp:date's values (xsd:date) with an xsd:dateTime, which the engine"
    store = kg._current().store
    notes = run.comparison_notes(tokens, store)
    assert [note[: len(noted)] for note in notes] == [noted]
    assert len(tokens) == 30_427
    assert tokens.read < 10 * len(tokens)  # a few passes; one for each variable before
    # past the deadline (what is left of the query's limit) no note is made, and the answer is given
    assert run.comparison_notes(tokens, store, until=time.monotonic()) == []
    assert kg.query(text).notes == notes
    short = "SELECT ?a WHERE { ?a atmp:date ?d BIND(NOW() AS ?v0) FILTER(?d <= ?v0) }"
    assert [note[: len(noted)] for note in kg.query(short, timeout=1).notes] == [noted]
    bound_to_now = run._bound_to_now

    def past_the_limit(*args):
        time.sleep(1.5)  # the query's limit of 1 s is up, however soon the answer came
        return bound_to_now(*args)

    monkeypatch.setattr(run, "_bound_to_now", past_the_limit)
    answer = kg.query(short, timeout=1)
    assert (answer.rows, answer.notes) == ([], [])


# --- DataFrames ---------------------------------------------------------------------------------


def test_dataframe_types_money_and_dates_with_their_precision(kg):
    frame = kg.query(DEALS).df
    assert list(frame.columns) == ["deal", "value", "date", "date_precision"]
    assert frame["deal"].tolist() == [
        "deal:bigpharma-cellco-2017",
        "deal:bigpharma-genex-2019",
        "deal:genecorp-cellco-eu-2023",
        "deal:othercorp-genecorp-2021",
    ]
    assert str(frame["value"].dtype) == "float64"
    values = frame["value"].tolist()
    assert values[:2] + values[3:] == [11_900_000_000.0, 500_000_000.0, 300_000_000.0]
    assert math.isnan(values[2])  # no value disclosed
    assert frame["value"].sum() == 12_700_000_000.0
    assert str(frame["date"].dtype).startswith("datetime64")
    assert frame["date"].tolist() == [
        pd.Timestamp("2017-08-28"),
        pd.Timestamp("2019-01-15"),
        pd.Timestamp("2023-02-01"),
        pd.Timestamp("2021-06-01"),
    ]
    assert frame["date_precision"].tolist() == ["day", "day", "day", "month"]
    full = kg.query(DEALS).to_dataframe(iris="full")
    assert full["deal"][0] == ID + "deal/bigpharma-cellco-2017"


def test_a_comparable_date_column_claims_no_precision(kg):
    """atmp:date is an xsd:date for a month-only deal too: only the stated form tells months. The
    columns are the query's whatever rows it returns."""
    comparable = kg.query(DEALS.replace("atmp:dateStated", "atmp:date")).df
    assert list(comparable.columns) == ["deal", "value", "date", "date_precision"]
    assert comparable["date"].tolist()[3] == pd.Timestamp("2021-06-01")
    assert comparable["date_precision"].isna().tolist() == [True, True, True, True]
    first = kg.query(
        "SELECT ?deal (MIN(?stated) AS ?date) WHERE { ?deal atmp:dateStated ?stated } "
        "GROUP BY ?deal ORDER BY ?deal LIMIT 2"
    ).df
    assert list(first.columns) == ["deal", "date", "date_precision"]
    assert first["date_precision"].isna().tolist() == [True, True]  # computed: no stated date


def test_a_stated_date_column_says_day_beside_no_month(kg):
    """newuser31 F6: a column of stated dates that are all days left its precision empty, and
    one with a month beside them said "day", so answers for two agencies, concatenated, kept
    one agency's days and dropped the other's under == "day"."""
    days = kg.query(DEALS + " LIMIT 2").df
    assert list(days.columns) == ["deal", "value", "date", "date_precision"]
    assert days["date_precision"].tolist() == ["day", "day"]
    both = pd.concat([kg.named("authorised-products", agency=a).df for a in ["ema", "pmda"]])
    assert both[["therapyName", "firstApproval_precision"]].values.tolist() == [
        ["Alphacel", "day"],
        ["Genex", "day"],
        ["Betacel", "month"],
        ["Genex", "day"],
    ]
    # by any prefix, as a full IRI, in an object list; a comparable date beside it claims none
    stated = kg.query(
        "PREFIX o: <https://w3id.org/atmp-kg/ontology#> SELECT ?a ?b ?c ?d WHERE { "
        "deal:bigpharma-cellco-2017 o:dateStated ?a , ?b ; "
        "<https://w3id.org/atmp-kg/ontology#dateStated> ?c ; atmp:date ?d }"
    ).df
    assert stated.filter(like="_precision").fillna("").values.tolist() == [["day", "day", "day", ""]]


def test_dataframe_years_integers_booleans_and_unbound_cells(kg):
    frame = kg.query(
        "SELECT ?year ?n ?big ?missing WHERE { estimate:act-2024 atmp:year ?year "
        "BIND(42 AS ?n) BIND(true AS ?big) OPTIONAL { estimate:act-2024 atmp:nothing ?missing } }"
    ).df
    assert list(frame.columns) == ["year", "year_precision", "n", "big", "missing"]
    assert frame.loc[0, "year"] == pd.Timestamp("2024-01-01")
    assert frame.loc[0, "year_precision"] == "year"
    assert (str(frame["n"].dtype), frame.loc[0, "n"]) == ("int64", 42)
    assert (str(frame["big"].dtype), bool(frame.loc[0, "big"])) == ("bool", True)
    assert pd.isna(frame.loc[0, "missing"])
    counts = kg.query(
        "SELECT ?t ?n WHERE { ?t a atmp:Therapy OPTIONAL { ?t atmp:approval ?a "
        "FILTER(?t = therapy:genex) BIND(1 AS ?n) } } ORDER BY ?t"
    ).df
    assert str(counts["n"].dtype) == "Int64"  # whole numbers, some unbound
    assert counts["n"].isna().tolist() == [True, True, False, False, False]
    # past 64 bits a whole number stays exact, as a Python int
    big = kg.query("SELECT ?v WHERE { VALUES ?v { 1 123456789012345678901234567890 } }").df
    assert str(big["v"].dtype) == "object"
    assert big["v"].tolist() == [1, 123456789012345678901234567890]


def authorised_kinds(text: str, day: str) -> dict[str, str]:
    """The dtypes of an authorised-products DataFrame, its text and date dtypes given."""
    kinds = dict.fromkeys(["agency", "agencyName", "therapy", "therapyName", "authorisedName"], text)
    kinds |= {"firstApproval": day, "firstApproval_precision": text, "approval": text}
    return kinds | {"as_of": day, "as_of_precision": text}


def test_every_text_column_has_the_installed_pandas_text_dtype(kg):
    """newuser32 F5: under pandas 3 IRIs and text were ``str`` while the ``_precision`` columns and
    a column bound on no row were ``object``, so select_dtypes("str") missed them and EMA's
    answer (no authorisedName) concatenated with PMDA's made that column ``object``. Text of
    every kind is the installed pandas' text dtype, missing cells its missing value."""
    from atmpkg.graph.engine.frames import text_dtype

    text, day = str(pd.Series(["x"]).dtype), str(pd.Series(pd.to_datetime(["2020-01-01"])).dtype)
    assert str(text_dtype()) == text
    frame = kg.query(
        "SELECT ?deal ?label ?date ?at ?value ?nothing WHERE { ?deal a atmp:Deal ; "
        "atmp:dateStated ?date ; atmp:date ?at OPTIONAL { ?deal atmp:valueUSD ?value } "
        "OPTIONAL { ?deal rdfs:label ?label FILTER(?deal = deal:bigpharma-cellco-2017) } "
        "OPTIONAL { ?deal atmp:nothing ?nothing } } ORDER BY ?deal"
    ).df
    assert {name: str(kind) for name, kind in frame.dtypes.items()} == {
        "deal": text,
        "label": text,
        "date": day,
        "date_precision": text,
        "at": day,
        "at_precision": text,
        "value": "float64",
        "nothing": "object",  # no row binds it and the ontology has no atmp:nothing: Python's None
    }
    assert frame["label"].isna().tolist() == [False, True, True, True]
    assert frame["at_precision"].isna().all() and frame["nothing"].isna().all()
    assert [c for c in frame.select_dtypes(text).columns if c != "nothing"] == [
        "deal", "label", "date_precision", "at_precision"
    ]
    both = pd.concat([kg.named("authorised-products", agency=a).df for a in ["ema", "pmda"]])
    assert {name: str(kind) for name, kind in both.dtypes.items()} == authorised_kinds(text, day)


def test_a_column_no_row_binds_has_the_kind_the_query_gives_it(kg):
    """rev32 F1, F2: a money column no row bound was text, whose sum was '' and whose mean raised
    (pandas 3); an answer with no rows had every column ``object`` and no ``_precision`` columns,
    so concatenated with one with rows its dates lost ``.dt``. A column no row binds takes the
    kind the query gives it: the range of the property whose object it is, a parameter's value,
    an aggregate's; ``object`` where the query does not say."""
    text, day = str(pd.Series(["x"]).dtype), str(pd.Series(pd.to_datetime(["2020-01-01"])).dtype)
    query = (
        "SELECT ?deal ?value ?label ?date (COUNT(?nothing) AS ?n) (SUM(?value) AS ?total) ?nothing "
        "WHERE { ?deal a atmp:Deal FILTER(?deal = deal:bigpharma-cellco-2017) OPTIONAL { "
        "?deal atmp:nothing ?nothing ; atmp:valueUSD ?value ; rdfs:label ?label ; "
        "atmp:dateStated ?date } } GROUP BY ?deal ?value ?label ?date ?nothing"
    )
    kinds = {
        "deal": text,
        "value": "float64",
        "label": text,
        "date": day,
        "date_precision": text,
        "n": "int64",
        "total": "float64",
        "nothing": "object",
    }
    unbound = kg.query(query).df
    assert {name: str(kind) for name, kind in unbound.dtypes.items()} == kinds
    assert unbound["value"].sum() == 0 and math.isnan(unbound["value"].mean())
    assert unbound["n"].tolist() == [0] and unbound["total"].isna().all()  # a SUM of no number
    empty = kg.query(query.replace("FILTER(", "FILTER(false && ")).df
    assert len(empty) == 0
    assert {name: str(kind) for name, kind in empty.dtypes.items()} == kinds
    # an agency with nothing authorised on the day, beside one with products
    frames = [kg.named("authorised-products", agency=a, as_of="2026-01-01").df for a in ("ema", "pmda")]
    none = kg.named("authorised-products", agency="fda", as_of="2000-01-01").df
    assert len(none) == 0 and list(none.columns) == list(frames[0].columns)
    both = pd.concat([none, *frames])
    assert {name: str(kind) for name, kind in both.dtypes.items()} == authorised_kinds(text, day)
    assert both["firstApproval"].dt.year.tolist() == [2018, 2020, 2022, 2020]
    # a CONSTRUCT with no triples: IRIs in subject and predicate, any value in object
    nothing = kg.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }").df
    assert [str(kind) for kind in nothing.dtypes] == [text, text, "object"]


def test_an_entity_given_as_a_class_in_python_is_told_to_give_it_as_the_focus(kg):
    """rev27b F5: kg.select(classes=["Big Pharma"]) said it names an entity, not a class, and
    stopped there; the command line said to give --focus. Python says focus=."""
    with pytest.raises(errors.UnknownNameError) as error:
        kg.select(classes=["Big Pharma"]).network()
    assert str(error.value) == (
        "unknown class 'Big Pharma'. 'Big Pharma' names an entity (company:bigpharma), not a "
        "class: to select it and its neighbours, give it as the focus (focus='Big Pharma')."
    )


def test_a_selects_network_says_what_to_write(kg, tmp_path):
    """joints27 F6: a named query's SELECT answer, asked for its network, said only to read a
    table: it points to the selection whose network and triples ``export --name`` writes. (Its
    ``.df`` stays a plain DataFrame: a callable one broke pandas' ``fillna(other.df)``, rev27b F1.)"""
    result = kg.query(name="products-by-target", params={"target": "cd19"})
    frame = result.df
    assert type(frame) is pd.DataFrame and len(frame) == len(result)
    assert frame.fillna(frame).equals(frame)
    selected = "kg.select(name='products-by-target', params={'target': 'cd19'})"
    for convert in (result.to_networkx, result.to_rdflib):
        with pytest.raises(errors.ParameterError) as error:
            convert()
        assert str(error.value) == (
            f"a SELECT answer is not a graph; {convert.__name__}() takes a CONSTRUCT or DESCRIBE "
            "answer (.df gives any answer as a table). The network of the entities it selects, "
            f"as 'atmpkg export --name' writes it, is {selected}.network(), and their triples "
            f"{selected}.triples()"
        )
    network = kg.select(name="products-by-target", params={"target": "cd19"}).network()
    assert network.number_of_nodes() > 0
    query = tmp_path / "mine.rq"
    query.write_text("SELECT ?t WHERE { ?t a atmp:Therapy }\n")
    with pytest.raises(errors.ParameterError) as error:
        kg.query(file=query).to_networkx()
    assert f"kg.select(file='{query}').network()" in str(error.value)
    # SPARQL text has no selection to point to
    with pytest.raises(errors.ParameterError) as error:
        kg.query("SELECT ?t WHERE { ?t a atmp:Therapy }").to_networkx()
    assert str(error.value).endswith("(.df gives any answer as a table)")


def test_construct_answers_convert_to_rdflib_and_networkx(kg):
    result = kg.query("CONSTRUCT WHERE { ?deal atmp:acquirer company:bigpharma }")
    frame = result.df.sort_values("subject", ignore_index=True)
    assert frame.to_dict("list") == {
        "subject": ["deal:bigpharma-cellco-2017", "deal:bigpharma-genex-2019"],
        "predicate": ["atmp:acquirer", "atmp:acquirer"],
        "object": ["company:bigpharma", "company:bigpharma"],
    }
    graph = result.to_rdflib()
    assert len(graph) == 2
    assert graph.namespace_manager.store.namespace("deal") is not None
    network = result.to_networkx()
    assert sorted(network.edges(keys=True)) == [
        (ID + "deal/bigpharma-cellco-2017", ID + "company/bigpharma", "atmp:acquirer"),
        (ID + "deal/bigpharma-genex-2019", ID + "company/bigpharma", "atmp:acquirer"),
    ]
    # joints20 F1: a CONSTRUCT's objects are of mixed kinds, with no precision column: a month or
    # a year stays as stated, a day is a date
    dated = kg.query(
        "CONSTRUCT WHERE { approval:betacel-pmda-2022-01-multiple-myeloma atmp:dateStated ?s ; "
        "atmp:date ?d ; atmp:datePrecision ?p } "
    ).df.sort_values("predicate", ignore_index=True)
    assert dated["object"].tolist() == [datetime.date(2022, 1, 1), "dateprecision:month", "2022-01"]
    # rev20 R20-3: so too where every object is a date, and with no column beside them
    alone = kg.query(
        "CONSTRUCT WHERE { approval:betacel-pmda-2022-01-multiple-myeloma atmp:dateStated ?s }"
    ).df
    assert (list(alone.columns), alone["object"].tolist()) == (
        ["subject", "predicate", "object"],
        ["2022-01"],
    )
    with pytest.raises(errors.ParameterError, match="not a graph"):
        kg.query(DEALS).to_rdflib()
    assert kg.query("ASK { ?s ?p ?o }").df.to_dict("list") == {"boolean": [True]}


# --- notebook displays --------------------------------------------------------------------------


def test_a_large_result_shows_its_first_rows_and_the_total(curated_store):
    kg = atmpkg.open(curated_store)
    result = kg.query("SELECT ?s ?o WHERE { ?s rdfs:label ?o . ?t a atmp:Therapy }", limit=10_000)
    assert len(result) == 10_000
    shown = result._repr_html_()
    assert len(shown) < 20_000
    assert shown.count("<tr>") == 21  # the header and the first 20 rows
    assert shown.endswith("<p>first 20 of 10,000 rows; cut at limit 10000</p>")
    from IPython.lib.pretty import pretty

    text = pretty(result)
    assert text.splitlines()[0].split() == ["s", "o"]
    assert text.endswith("(first 20 of 10,000 rows; cut at limit 10000)")


def test_a_card_lists_a_link_and_its_inverse_once(kg):
    alphacel = kg.show("alphacel")
    stated = {(f.property_label, f.value_label) for f in alphacel.facts}
    assert {
        ("developed by", "CellCo"),
        ("approval", "Alphacel — FDA 2017-08-30 (large B-cell lymphoma)"),
    } <= stated
    # CellCo develops Alphacel and each approval's product is Alphacel: neither is listed again
    assert [(f.property_label, f.value_label) for f in alphacel.incoming] == [
        ("about", "Alphacel was first approved in 2019."),
        ("about", "CellCo presents Alphacel data"),
    ]
    cellco = [(f.property_label, f.value_label) for f in kg.show("cellco").incoming]
    assert ("sponsor", "Betacel — PMDA 2022-01 (multiple myeloma)") in cellco
    assert not [link for link in cellco if link[0] in ("developed by", "subsidiary of")]


#: The note of deals-above-value on the fixture's deal that states no amount.
UNSTATED_NOTE = (
    "1 deal states no total, upfront payment or equity purchase, so no min_value lists it "
    "(deal:genecorp-cellco-eu-2023); this query lists it: SELECT ?deal ?date ?milestonesUSD "
    "WHERE { ?deal a atmp:Deal ; atmp:dateStated ?date ; atmp:date ?start ; atmp:dateEnd ?end "
    "FILTER NOT EXISTS { ?deal atmp:valueAtLeastUSD ?usd } OPTIONAL { ?deal atmp:milestonesUSD "
    "?milestonesUSD } } ORDER BY ?start ?deal"
)


def test_a_notebook_table_is_laid_out_for_people(kg):
    shown = kg.named("deals-above-value", min_value=1e9)._repr_html_()
    heads = shown.split("<tbody>")[0]
    assert heads == (
        "<table><thead><tr><th>deal</th><th>acquirer</th><th>target</th><th>dealType</th>"
        "<th>date</th><th>atLeastUSD</th><th>valueUSD</th></tr></thead>"
    )
    # newuser23 F5: the columns of no value are named below the rows, as the text names them
    # the notes follow, as text (newuser30 F7: the deal that states no amount)
    assert shown.split("</table>")[1] == (
        "<p>no value on any row: upfrontUSD, equityUSD, milestonesUSD</p><p>1 row</p>"
        f"<p>Note: {UNSTATED_NOTE}</p>"
    )
    first = shown.split("<tbody>")[1].split("</tr>")[0]
    assert first == (
        f'<tr><td title="{ID}deal/bigpharma-cellco-2017">deal:bigpharma-cellco-2017</td>'
        f'<td title="{ID}company/bigpharma">Big Pharma</td>'
        f'<td title="{ID}company/cellco">CellCo</td><td>acquisition</td><td>2017-08-28</td>'
        "<td>11,900,000,000</td><td>11,900,000,000</td>"
    )


def test_a_printed_result_is_the_table_for_people_too(kg):
    shown = repr(kg.named("deals-above-value", min_value=1e9)).splitlines()
    assert shown[0].split() == [
        "deal", "acquirer", "target", "dealType", "date", "atLeastUSD", "valueUSD",
    ]  # fmt: skip
    assert shown[2].split() == [
        "deal:bigpharma-cellco-2017", "Big", "Pharma", "CellCo", "acquisition", "2017-08-28",
        "11,900,000,000", "11,900,000,000",
    ]  # fmt: skip
    assert shown[-3:] == [
        "(no value on any row: upfrontUSD, equityUSD, milestonesUSD)",
        "(1 row)",
        f"Note: {UNSTATED_NOTE}",
    ]


def test_an_entity_shows_as_a_card_with_links(kg):
    card = kg.show("cellco")._repr_html_()
    assert card.startswith('<div class="atmpkg-entity"><h3>CellCo</h3>')
    assert '<a href="https://w3id.org/atmp-kg/id/therapy/alphacel">Alphacel</a>' in card
    assert "<h4>Linked from</h4>" in card and "<h4>Sources</h4>" in card
    assert "<script" not in card
    from IPython.lib.pretty import pretty

    assert pretty(kg.show("cellco")).splitlines()[0] == (
        "CellCo  <https://w3id.org/atmp-kg/id/company/cellco>"
    )


# --- selections ---------------------------------------------------------------------------------


def test_a_selection_is_an_immutable_value():
    s = Selection(focus="cellco", hops=2, classes=["atmp:Company"], with_sources=True)
    assert s == Selection(focus="cellco", hops=2, classes=("atmp:Company",), with_sources=True)
    assert hash(s) == hash(
        Selection(focus="cellco", hops=2, classes=("atmp:Company",), with_sources=True)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.hops = 3
    named = Selection(name="products-by-target", params={"target": "bcma"})
    assert named.params == {"target": "bcma"}
    with pytest.raises(TypeError):
        named.params["target"] = "cd19"
    assert named.refine(params={"target": "cd19"}).params == {"target": "cd19"}
    assert named.params == {"target": "bcma"}


def test_selections_compose():
    around = Selection(focus="cellco", hops=2)
    companies = Selection(classes=("atmp:Company",), max_nodes=10)
    assert around & companies == Selection(
        focus="cellco", hops=2, classes=("atmp:Company",), max_nodes=10
    )
    assert around & Selection(focus="cellco") == around
    with pytest.raises(errors.ParameterError, match="disagree on hops: 2 and 3"):
        around & Selection(focus="cellco", hops=3)
    with pytest.raises(errors.ParameterError, match="a focus entity or a query, not both"):
        around & Selection(name="products-by-target")
    assert (
        companies & around
    ).title == "ATMP-KG: cellco and what is 2 links away; class atmp:Company"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hops": 2}, "give a focus too"),
        ({"focus": "cellco", "name": "x"}, "a focus entity or a query, not both"),
        ({"focus": "cellco", "hops": -1}, "hops must be a whole number, 0 or more; got -1"),
        ({"name": "x", "file": "y.rq"}, "a named query or a query file, not both"),
        ({"name": "x", "query": "ASK {}"}, "give one query"),
        ({"params": {"a": "b"}}, "parameters are bound in a named query"),
        ({"max_nodes": -1}, r"max_nodes \(CLI: --max-nodes\) must be a whole number"),
        ({"max_nodes": True}, r"max_nodes \(CLI: --max-nodes\) must be a whole number"),
    ],
)
def test_a_selection_refuses_options_that_do_not_go_together(fields, message):
    with pytest.raises(errors.ParameterError, match=message):
        Selection(**fields)


def test_select_reads_the_graph_it_came_from(kg, fixture_store, cellco_slice):
    from atmpkg.graph.terms import shorten

    selection = kg.select(focus="cellco")
    assert selection.graph is kg
    subjects = sorted({shorten(t.subject.value) for t in selection.triples()})
    assert subjects == cellco_slice
    assert selection.triples() == select_subgraph(focus="cellco", store=fixture_store)
    assert sorted(kg.select(classes=["atmp:Therapy"]).network()) == [
        ID + "therapy/alphacel",
        ID + "therapy/betacel",
        ID + "therapy/genex",
    ]
    piece = kg.select(focus="cellco", hops=2, max_nodes=4).slice()
    assert (piece.sample.kept, piece.sample.selected) == (4, 18)
    with pytest.raises(errors.ParameterError, match="reads no graph"):
        Selection(focus="cellco").triples()
    with pytest.raises(errors.ParameterError, match="has no option 'fokus'"):
        kg.select(fokus="cellco")


def test_a_selection_by_query_text(kg):
    selection = kg.select(
        query="SELECT ?t ?c WHERE { ?t atmp:developedBy ?c }", params={"c": "company:genecorp"}
    )
    subjects = {t.subject.value for t in selection.triples()}
    # the entities the answer names, and their attributes: a place and two concept values
    assert subjects == {
        ID + "therapy/genex",
        ID + "company/genecorp",
        ID + "country/jp",
        ID + "modality/aav-gene-therapy",
        ID + "vector/aav9",
    }
    assert selection.title == "ATMP-KG: query text (c=company:genecorp)"
    with pytest.raises(errors.EmptyResultError, match="the answer of query text is empty"):
        kg.select(query="SELECT ?t WHERE { ?t a atmp:Nothing }").triples()


def test_view_and_export_take_a_selection(kg, fixture_store, tmp_path):
    selection = kg.select(focus="cellco", hops=1)
    shown = kg.view(selection, output=tmp_path / "v.html")
    assert (shown.nodes, shown.edges, shown.path) == (10, 13, tmp_path / "v.html")
    assert "<title>ATMP-KG: CellCo and what is 1 link away</title>" in shown.html
    assert selection.view().html == shown.html
    written = kg.export("ttl", None, selection)
    assert (
        written.content
        == export_subgraph("ttl", focus="cellco", hops=1, store=fixture_store).content
    )
    assert selection.export("ttl").content == written.content
    assert kg.export("ttl", focus="cellco", hops=1).content == written.content
    # a selection made elsewhere reads this graph
    assert kg.view(Selection(focus="cellco")).nodes == 10


def test_path_rank_chart_stats_validate(kg):
    [connection] = kg.path("Big Pharma", "Genex")
    assert str(connection) == (
        "Big Pharma ← acquirer ← Big Pharma – Genex (licensing, 2019) → deal target → Genex"
    )
    assert [(r.label, r.score) for r in kg.rank(top=2)] == [("CellCo", 9), ("Genex", 8)]
    assert kg.chart("approvals").total == 8
    assert kg.chart("market").total == 2
    with pytest.raises(errors.UnknownNameError, match="unknown chart 'pie'"):
        kg.chart("pie")
    assert kg.stats().classes["atmp:Approval"] == 8
    assert kg.validate() == []


# --- the command line calls the same handle -----------------------------------------------------


def test_the_command_line_makes_one_selection(fixture_store, tmp_path, monkeypatch):
    """The command line draws the view as kg.view does, of one selection, with the notes worded
    for itself (joints27 F4)."""
    from atmpkg.graph.display import view as views
    from atmpkg.graph.sparql.named import DefaultNote

    seen = []

    def view_of(selection, *, output=None, title=None, told=list):
        seen.append((selection, output, title, told))
        return views.View("<html>", 1, 0, path=output)

    monkeypatch.setattr(views, "view_of", view_of)
    args = ["view", "--focus", "cellco", "--hops", "2", "--class", "atmp:Company"]
    args += ["-o", str(tmp_path / "v.html"), "--store", str(fixture_store)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    [(selection, output, title, told)] = seen
    assert isinstance(selection.graph, KnowledgeGraph) and selection.graph.root == fixture_store
    assert selection == Selection(
        focus="cellco", hops=2, classes=("atmp:Company",), with_sources=True, max_nodes=5000
    )
    assert (output, title) == (tmp_path / "v.html", None)
    assert told([DefaultNote("n is 2, the default", "n", "…", "for another")]) == [
        "n is 2, the default; give -p n=… for another"
    ]


def test_the_command_line_query_goes_through_the_handle_without_pandas(fixture_store):
    code = (
        "import sys\n"
        "from atmpkg.cli import cli\n"
        f"cli.main(['query', '--name', 'products-by-target', '-p', 'target=cd19', '--format', 'csv', '--store', {str(fixture_store)!r}], standalone_mode=False)\n"
        "print(sorted(m for m in ('atmpkg.graph.handle', 'pandas', 'IPython') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "['atmpkg.graph.handle']"
    assert done.stdout.splitlines()[1].split(",")[4] == "Alphacel"


# --- time limits from a script without a main guard, and from the REPL ---------------------------

SCRIPT = """\
import sys
import time

import atmpkg
from atmpkg.graph.errors import QueryTimeoutError

with open(sys.argv[2], "a") as runs:  # counts how often this module's body runs
    runs.write("ran\\n")
kg = atmpkg.open(store=sys.argv[1])
for attempt in (1, 2):
    started = time.monotonic()
    try:
        kg.query(FOREVER, timeout=1)
    except QueryTimeoutError as error:
        print(f"attempt {attempt}: {error} (within 10 s: {time.monotonic() - started < 10})")
print(kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }", timeout=30).df.to_dict("list"))
""".replace("FOREVER", repr(FOREVER))

STOPPED = (
    "query stopped after the 1 s time limit; raise it with --timeout/timeout= or narrow the query "
    "(within 10 s: True)"
)


def test_a_time_limit_holds_in_a_script_without_a_main_guard(fixture_store, tmp_path):
    script, runs = tmp_path / "analysis.py", tmp_path / "runs.txt"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(fixture_store), str(runs)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"attempt 1: {STOPPED}",
        f"attempt 2: {STOPPED}",
        "{'n': [3]}",
    ]
    assert runs.read_text() == "ran\n"  # the script was never imported again


def test_a_time_limit_holds_in_the_repl(fixture_store, tmp_path):
    lines = [
        "import time, atmpkg",
        "from atmpkg.graph.errors import QueryTimeoutError",
        f"kg = atmpkg.open({str(fixture_store)!r})",
        "def attempt():",
        "    started = time.monotonic()",
        "    try:",
        f"        kg.query({FOREVER!r}, timeout=1)",
        "    except QueryTimeoutError as error:",
        "        return f'{error} (within 10 s: {time.monotonic() - started < 10})'",
        "",
        "print(attempt())",
        "print(attempt())",
        "print(kg.query('SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }').df['n'].tolist())",
    ]
    done = subprocess.run(
        [sys.executable, "-i", "-q"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [STOPPED, STOPPED, "[3]"]
    assert "Traceback" not in done.stderr


# --- every example in the handle's docstrings runs ----------------------------------------------


#: Modules whose examples talk to a SPARQL server: they get a new Oxigraph server holding the
#: curated graph (``endpoint``, ``update_endpoint``, ``graph_store``, as the module says).
NEEDS_ENDPOINT = ("atmpkg.graph.store.remote", "atmpkg.graph.store.build")


CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_handle import run_examples
print(json.dumps(run_examples(sys.argv[2], {})))
"""
#: Modules whose examples start an IPython shell, which takes over the process's display hook
#: and builtins: they run in a child process.
IN_A_CHILD = ("atmpkg.graph.notebook",)


def library_modules() -> list[str]:
    """Every module of the library and the queries package."""
    import pkgutil

    import atmpkg.graph

    names = ["atmpkg", "atmpkg.graph", "atmpkg.queries"]
    names += [m.name for m in pkgutil.walk_packages(atmpkg.graph.__path__, "atmpkg.graph.")]
    return sorted(names)


def run_examples(module: str, server: dict[str, str]) -> tuple[int, int, list[str]]:
    """Run the docstring examples of ``module`` on the store ``ATMPKG_STORE`` names: how many
    there are, how many failed (printed), and the names of those marked to skip."""
    target = importlib.import_module(module)
    globs = {**vars(target), "atmpkg": atmpkg, "kg": atmpkg.open(), **server}
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    tests = finder.find(target, module, globs=globs)
    for test in tests:
        runner.run(test)
    skipped = [t.name for t in tests for e in t.examples if doctest.SKIP in e.options]
    return sum(len(t.examples) for t in tests), runner.failures, skipped


@pytest.mark.parametrize("module", library_modules())
def test_the_docstring_examples_run(module, curated_store, tmp_path, monkeypatch, request):
    store = tmp_path / "store"
    shutil.copytree(curated_store, store, symlinks=True)
    monkeypatch.setenv("ATMPKG_STORE", str(store))
    monkeypatch.chdir(tmp_path)
    server = {}
    if module in NEEDS_ENDPOINT:
        from atmpkg.graph import push

        base = request.getfixturevalue("sparql_servers").oxigraph()
        server = {
            "endpoint": base + "/query",
            "update_endpoint": base + "/update",
            "graph_store": base + "/store",
        }
        push(server["endpoint"], store=store, graph_store=server["graph_store"])
    (tmp_path / "my-notes.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/atmp-kg/id/therapy/kymriah> rdfs:comment "A note."@en .\n'
    )
    if module in IN_A_CHILD:
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(__file__).parent), module],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert child.returncode == 0, child.stdout + child.stderr
        examples, failures, skipped = json.loads(child.stdout.splitlines()[-1])
        print(child.stdout)
    else:
        examples, failures, skipped = run_examples(module, server)
    target = importlib.import_module(module)
    if not hasattr(target, "__path__"):
        assert examples > 0, f"{module} shows no example"
    assert skipped == [], f"examples that do not run: {skipped}"
    assert failures == 0, f"{failures} of {examples} examples failed (output above)"
    if module == "atmpkg.graph.handle":  # every public method shows how it is called
        for cls in (KnowledgeGraph, Selection):
            for name, member in vars(cls).items():
                if callable(member) and not name.startswith("_") or isinstance(member, property):
                    assert ">>>" in (member.__doc__ or ""), f"{cls.__name__}.{name} has no example"


def test_an_imported_entity_of_its_own_namespace_is_shown_by_its_name(tmp_path):
    root = tmp_path / "store"
    build(root, data_dir=FIXTURE)
    trials = tmp_path / "my-trials.ttl"
    trials.write_text(
        "@prefix ex: <https://example.org/trial/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ex:t1 a ex:Trial ; rdfs:label "Trial one" .\n'
    )
    kg = atmpkg.open(root)
    kg.import_files([trials])
    shown = kg.show("trial ONE")
    assert shown.iri == "https://example.org/trial/t1"
    # a class with no label is named once, not twice
    assert shown.text().splitlines()[-1] == "  type: <https://example.org/trial/Trial>"
    with pytest.raises(errors.UnknownNameError, match="unknown entity 'therapy'"):
        kg.show("therapy")  # the label of the class atmp:Therapy, a term of the ontology
    # shown by its name, but no node of the network: the answers say so
    trial = "SELECT ?t WHERE { ?t a <https://example.org/trial/Trial> }"
    with pytest.raises(
        errors.EmptyResultError,
        match=r"the answer of query text names no entity of the graph: the entities drawn and "
        r"exported are the IRIs under https://w3id.org/atmp-kg/id/, and "
        r"<https://example.org/trial/t1> is outside it; a CONSTRUCT query",
    ):
        kg.view(query=trial)
    construct = "CONSTRUCT WHERE { ?t a <https://example.org/trial/Trial> ; ?p ?o }"
    assert kg.export("nt", query=construct).triples == 2
    # as an end of a path it is a node (joints23 F11), linked here to nothing of the graph
    with pytest.raises(errors.EmptyResultError, match="^no connection between Trial one and Alphacel$"):
        kg.path("Trial one", "Alphacel")


def test_a_class_of_an_imports_own_iris_is_said_to_hold_values(fixture_store, tmp_path):
    """joints29 F3: view, export and rank of a class whose instances are all IRIs of an import's
    own namespace said it "holds no entities" (or that none "is in the network"), while show
    lists one; they say the instances are values, and how to draw them. The class, which the
    import does not declare, is found by its IRI."""
    from conftest import store_with_import

    store = store_with_import(
        fixture_store,
        tmp_path,
        "@prefix ex: <https://example.org/my#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ex:trial-1 a ex:Trial ; rdfs:label "Trial one" .\n'
        'ex:trial-2 a ex:Trial ; rdfs:label "Trial two" .\n',
    )
    kg = atmpkg.open(store)
    values = (
        "holds no entities: its instances (<https://example.org/my#trial-1> and 1 more) are IRIs "
        "outside https://w3id.org/atmp-kg/id/, which views, networks and exports treat as values, "
        "not entities; to make them entities, mint their IRIs under "
        "https://w3id.org/atmp-kg/id/<kind>/"
    )
    construct = (
        ", or view or export a CONSTRUCT of their triples (--file with CONSTRUCT { ?s ?p ?o } "
        "WHERE { ?s a <https://example.org/my#Trial> ; ?p ?o })"
    )
    for draw in (
        kg.view,
        lambda **given: kg.export("graphml", **given),
        lambda **given: kg.export("ttl", **given),
    ):
        with pytest.raises(errors.EmptyResultError) as info:
            draw(classes="https://example.org/my#Trial")
        assert str(info.value) == (
            f"the graph in class https://example.org/my#Trial {values}{construct}"
        )
    with pytest.raises(errors.EmptyResultError) as info:
        kg.rank(classes="https://example.org/my#Trial")
    assert str(info.value) == f"class https://example.org/my#Trial {values}"
    # a class with no instance at all says what it said
    with pytest.raises(errors.EmptyResultError) as info:
        kg.rank(classes="atmp:RegulatoryReview")
    assert str(info.value) == "no entity of class atmp:RegulatoryReview is in the network"


def test_the_module_functions_take_triples_from_anywhere_and_name_what_they_cannot(kg):
    import rdflib

    from atmpkg.graph import render_html

    graph = rdflib.Graph()
    graph.add((rdflib.URIRef("urn:a"), rdflib.RDFS.label, rdflib.Literal("A")))
    construct = kg.query("CONSTRUCT WHERE { therapy:alphacel rdfs:label ?l }")
    for triples in (graph, construct, construct.triples):
        assert render_html(triples).startswith("<!DOCTYPE html>")
        assert to_networkx(triples).number_of_nodes() == 1
    rows = kg.query("SELECT ?t WHERE { ?t a atmp:Therapy } ORDER BY ?t LIMIT 1")
    for function in (render_html, to_networkx):
        with pytest.raises(
            errors.ParameterError,
            match=r"give pyoxigraph triples or quads, an rdflib Graph or a CONSTRUCT answer; "
            r"got a dict \(\{'t': 'https://w3id.org/atmp-kg/id/thera\) among them",
        ):
            function(rows)
    with pytest.raises(errors.ParameterError, match=r"typed must be True or False, got a str"):
        to_networkx(graph, typed="no")
    assert construct.to_networkx(typed=False).number_of_nodes() == 1
    # each accessor of an answer that does not fit its form says what to read instead
    assert construct.column("object") == ["Alphacel"]
    with pytest.raises(errors.ParameterError, match="an ASK answer is a boolean, not rows"):
        kg.query("ASK {}").dicts()


def test_values_a_dataframe_holds_bind_back_as_what_they_were(kg):
    """A DataFrame holds a day as a midnight Timestamp and a missing number as NaN: given back as
    parameters, they are that day and a value not given; a dateTime answer reads as a datetime."""
    import numpy as np

    days = kg.query("SELECT ?a ?d WHERE { ?a a atmp:Approval ; atmp:date ?d } ORDER BY ?d LIMIT 1")
    day = days.df.loc[0, "d"]
    assert type(day).__name__ == "Timestamp"
    assert kg.query("SELECT ?a ?d WHERE { ?a atmp:date ?d }", {"d": day}).rows == days.rows
    assert kg.query("SELECT ?x WHERE { BIND(COALESCE(?v, 1) AS ?x) }", {"v": np.nan}).dicts() == [
        {"x": 1}
    ]
    stamp = kg.query('SELECT ?t WHERE { BIND("2020-01-15T10:00:00Z"^^xsd:dateTime AS ?t) }')
    assert stamp.dicts() == [{"t": datetime.datetime(2020, 1, 15, 10, 0, tzinfo=datetime.UTC)}]


def cube(n: int) -> str:
    """A query that counts n³ rows: seconds for 400, hours for 2,000."""
    values = " ".join(map(str, range(n)))
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} }}"


def test_closing_a_handle_leaves_another_handles_query_to_finish(tmp_path, monkeypatch):
    """The query processes are shared by the handles on one store: one answering another
    handle's query is left to finish it, and closing does not wait for it; a relative store path
    ends the handle's idle processes as an absolute one does."""
    import threading

    from atmpkg.graph.engine import child

    monkeypatch.chdir(tmp_path)
    build("store", data_dir=FIXTURE)
    first, second = atmpkg.open("store"), atmpkg.open("store")
    answers = []
    running = threading.Thread(target=lambda: answers.append(second.query(cube(400)).rows))
    running.start()
    while not any(m._lock.locked() for p in child._evaluators.values() for m in p._members):
        time.sleep(0.05)
    first.close()
    assert running.is_alive()  # close came back while the other query ran
    running.join()
    assert answers == [[(ox_integer(400**3),)]]
    idle = [m for p in child._evaluators.values() for m in p._members if m._process is not None]
    assert idle  # the process that answered is still there, idle
    second.close()
    assert [m for p in child._evaluators.values() for m in p._members if m._process] == []


def ox_integer(value: int):
    import pyoxigraph as ox

    return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def test_a_script_ends_while_a_thread_still_runs_a_query(fixture_store, tmp_path):
    script = tmp_path / "ends.py"
    script.write_text(
        "import threading, time, atmpkg\n"
        f"kg = atmpkg.open({str(fixture_store)!r})\n"
        f"threading.Thread(target=lambda: kg.query({cube(2000)!r}), daemon=True).start()\n"
        "time.sleep(1)\n"
        "print('done')\n"
    )
    ended = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert (ended.returncode, ended.stdout) == (0, "done\n")


def _show_in_a_worker(store: str, name: str) -> str:
    return atmpkg.open(store).show(name).label


def test_every_error_survives_pickling_and_reaches_a_process_pool_as_itself(fixture_store):
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    from atmpkg.graph.errors import (
        DataError,
        DataErrors,
        EmptyResultError,
        EndpointTimeoutError,
        ParameterError,
        QueryMemoryError,
        QueryRefusedError,
        QuerySyntaxError,
        QueryTimeoutError,
        QueryTooComplexError,
        StoreError,
        UnknownNameError,
        ValidationError,
        Violation,
    )  # fmt: skip

    errors = [
        UnknownNameError("entity", "kymria", ["kymriah"], hint="Give a label."),
        DataError("x.csv", 3, 2, "bad date", column_name="date"),
        DataErrors([DataError("x.csv", 3, 2, "bad"), DataError("y.csv", 1, None, "worse")]),
        ValidationError([Violation("rule", "therapy:x", "what is wrong", "x.ttl:2")]),
        QuerySyntaxError("no WHERE", 1, 2),
        QueryRefusedError("SERVICE is refused.", "Pass allow=['service']."),
        QueryTooComplexError("too deep"),
        QueryTimeoutError(2.5),
        QueryMemoryError(1024**3, True),
        EmptyResultError("nothing"),
        ParameterError("bad"),
        StoreError("no store"),
        EndpointTimeoutError("http://127.0.0.1:9/sparql", 3.0),
    ]
    for error in errors:
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), str(back), back.args) == (type(error), str(error), error.args)
        shown = {k: str(v) for k, v in vars(back).items() if k != "_made_with"}
        assert shown == {k: str(v) for k, v in vars(error).items() if k != "_made_with"}
    # choices given as a generator or a dict's keys are kept as a list
    made = UnknownNameError("entity", "kymria", (c for c in ["kymriah", "yescarta"]))
    assert str(pickle.loads(pickle.dumps(made))) == str(made)
    keys = UnknownNameError("entity", "kymria", {"kymriah": 1}.keys())
    assert (
        str(pickle.loads(pickle.dumps(keys))) == "unknown entity 'kymria'; did you mean 'kymriah'?"
    )
    with ProcessPoolExecutor(1) as pool:
        found = pool.submit(_show_in_a_worker, str(fixture_store), "Alphacel")
        missing = pool.submit(_show_in_a_worker, str(fixture_store), "alphacell")
        assert found.result() == "Alphacel"
        assert isinstance(missing.exception(), UnknownNameError)
        assert "did you mean 'Alphacel'?" in str(missing.exception())


def test_messages_point_the_right_way(kg, tmp_path):
    with pytest.raises(
        errors.UnknownNameError, match=r"Query 'contradicted-claims' takes no parameters\.$"
    ):
        kg.named("contradicted-claims", foo="bar")
    with pytest.raises(
        errors.UnknownNameError,
        match=r"^unknown query file '.*missing\.rq'\. No such file: give the path of a \.rq file\.$",
    ):
        kg.query(file=tmp_path / "missing.rq")
    with pytest.raises(errors.ParameterError, match=r"^an ASK answer is not a graph; "):
        kg.query("ASK {}").to_rdflib()


def test_a_near_miss_is_offered_without_names_that_merely_share_letters():
    """newuser18 L8: 'kymria' offered 'waskyra', 'mrna', 'mhra' and a source's title beside
    'kymriah'; a longer name that starts with the word is offered when nothing comes close."""
    choices = ["kymriah", "waskyra", "mrna", "mhra", "kymriah (tisagenlecleucel) - eu record"]
    assert errors.suggest("kymria", choices) == ["kymriah"]
    assert errors.suggest("kym", choices) == ["kymriah", "kymriah (tisagenlecleucel) - eu record"]
    assert errors.suggest("zzz", choices) == []

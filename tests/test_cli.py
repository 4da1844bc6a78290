"""The command line: every command has help and is documented in the README; show, stats, queries."""

from __future__ import annotations

import csv
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURE_DATA, INVISIBLE

import atmpkg
from atmpkg.cli import cli
from atmpkg.graph.errors import ParameterError
from atmpkg.graph.slice.export import ontology_left_out

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert len(cli.commands[name].help or "") > 20
    assert re.search(rf"atmpkg {name}\b", README), f"'atmpkg {name}' is not documented in README.md"


def test_show_prints_facts_links_and_sources(fixture_store):
    result = CliRunner().invoke(cli, ["show", "Genexa", "--store", str(fixture_store)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["Genex  <https://w3id.org/atmp-kg/id/therapy/genex>", "  a therapy"]
    assert "  developed by: GeneCorp (company:genecorp)" in lines
    assert "  Big Pharma – Genex (licensing, 2019) --deal target--> this" in lines
    assert "  GeneCorp prices Genex  https://genecorp.example/news/genex-price" in lines


def test_show_fits_the_terminal_without_splitting_a_link(fixture_store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = CliRunner().invoke(cli, ["show", "Genex", "--store", str(fixture_store)]).stdout
    monkeypatch.delenv("COLUMNS")
    wide = CliRunner().invoke(cli, ["show", "Genex", "--store", str(fixture_store)]).stdout
    lines = narrow.splitlines()
    over = [line for line in lines if len(line) > 40]
    assert over and all(len(line.split()) == 1 for line in over)  # an IRI or a URL, unsplit
    assert lines[:2] == ["Genex", "  <https://w3id.org/atmp-kg/id/therapy/genex>"]
    assert lines[-2:] == [
        "  GeneCorp prices Genex",
        "    https://genecorp.example/news/genex-price",
    ]
    assert narrow.split() == wide.split()


def test_show_suggests_close_names(fixture_store):
    result = CliRunner().invoke(cli, ["show", "Genecorpp", "--store", str(fixture_store)])
    assert result.exit_code == 1
    assert "Error: unknown entity 'Genecorpp'; did you mean 'GeneCorp'?" in result.stderr


def test_show_names_the_class_with_its_article(fixture_store):
    approval = "approval:alphacel-fda-2017-08-30-large-b-cell-lymphoma"
    result = CliRunner().invoke(cli, ["show", approval, "--store", str(fixture_store)])
    assert result.stdout.splitlines()[1] == "  an approval"


def test_show_of_an_entity_without_a_class_prints_no_class_line(fixture_store, tmp_path):
    """newuser14 F5: the README's own imported trial printed an empty "  a " line."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    trial = tmp_path / "my-trials.ttl"
    trial.write_text(
        '<https://example.org/trial/t1> <http://www.w3.org/2000/01/rdf-schema#label> "Trial one" ;'
        ' <http://www.w3.org/2000/01/rdf-schema#comment> "A phase 2 trial" .\n'
    )
    assert CliRunner().invoke(cli, ["import", str(trial), "--store", str(store)]).exit_code == 0
    result = CliRunner().invoke(cli, ["show", "Trial one", "--store", str(store)])
    assert result.stdout.splitlines()[:2] == [
        "Trial one  <https://example.org/trial/t1>",
        "  comment: A phase 2 trial",
    ]


def test_show_writes_an_imported_blank_node_as_the_networks_do(fixture_store, tmp_path):
    """newuser23 F6: an imported RDF list printed as its engine label twice, the second time in
    <…> as if it were an IRI, and never its items."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    trials = tmp_path / "trials.ttl"
    trials.write_text(
        "@prefix ex: <https://example.org/trial/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n"
        'ex:t1 rdfs:label "Trial one" ; ex:tests therapy:genex ;\n'
        '  ex:steps ( "a" "b" [ ex:note "in a list" ] ) ;\n'
        '  ex:dose [ ex:amount 5 ; ex:unit "mg" ; ex:inner [ ex:deep therapy:genex ] ] .\n'
    )
    assert CliRunner().invoke(cli, ["import", str(trials), "--store", str(store)]).exit_code == 0
    result = CliRunner().invoke(cli, ["show", "Trial one", "--store", str(store)])
    assert result.stdout.splitlines() == [
        "Trial one  <https://example.org/trial/t1>",
        "  dose: amount: 5; inner: (deep: therapy:genex); unit: mg",
        "  label: Trial one",
        "  steps: a, b, (note: in a list)",
        "  tests: Genex (therapy:genex)",
    ]
    steps = [f for f in atmpkg.open(store).show("Trial one").facts if f.property_label == "steps"]
    assert [(type(f.value).__name__, f.value_label) for f in steps] == [
        ("BlankNode", "a, b, (note: in a list)")
    ]
    # a blank node that links to an entity is written so too (rev23 5)
    genex = CliRunner().invoke(cli, ["show", "genex", "--store", str(store)]).stdout
    assert "  deep: therapy:genex --deep--> this" in genex.splitlines()
    assert "_:" not in genex


def test_show_accepts_prefixed_names_and_iris(fixture_store):
    for name in (
        "company:cellco",
        "company/cellco",
        "https://w3id.org/atmp-kg/id/company/cellco",
        "CellCo",
    ):
        result = CliRunner().invoke(cli, ["show", name, "--store", str(fixture_store)])
        assert (
            result.stdout.splitlines()[0] == "CellCo  <https://w3id.org/atmp-kg/id/company/cellco>"
        )


def test_stats(fixture_store):
    result = CliRunner().invoke(cli, ["stats", "--store", str(fixture_store)])
    assert result.exit_code == 0
    assert re.match(r"\d,\d{3} triples, 7 sources; built 20\d\d-\d\d-\d\dT", result.stdout)
    fixture = Path(__file__).parent / "data" / "fixture"
    assert result.stdout.splitlines()[0].endswith(f" from the data folder {fixture.resolve()}")
    assert "  atmp:Approval                8" in result.stdout.splitlines()
    assert result.stdout.splitlines()[1] == "Data as of 2026 (the newest source document it cites)"


def test_stats_says_what_a_paper_cites(curated_store):
    """newuser31 F8: the data had nothing to cite but a version. The commit is the clone's own,
    read by git when the store was built (-dirty: a file the build reads differs from it)."""
    from atmpkg import __version__
    from atmpkg.graph.store.folder import fingerprint

    repo = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    read = ("graph/data", "ontology", "queries/checks", "queries/rules")
    changed = git("status", "--porcelain", "--untracked-files=all", "--", *read)
    commit = git("rev-parse", "HEAD") + ("-dirty" if changed else "")
    with (repo / "graph" / "data" / "sources.csv").open(encoding="utf-8") as f:
        newest = max(row["issued"] for row in csv.DictReader(f) if row["issued"])
    short = fingerprint()[:12]
    lines = CliRunner().invoke(cli, ["stats", "--store", str(curated_store)]).stdout.splitlines()
    assert lines[2] == (
        f"Cite as: ATMP-KG curated data, CC BY 4.0, atmpkg {__version__} (git commit {commit}, "
        f"data fingerprint {short}), data as of {newest}"
    )
    # newuser32 F3: the fingerprint --version prints, the same a reader's checkout prints
    version = CliRunner().invoke(cli, ["--version"]).stdout
    assert version.endswith(f", data fingerprint {short}\n")


def test_a_citation_names_the_commit_and_the_fingerprint_it_knows(curated_store):
    """newuser32 F3: a wheel's data has no commit, and one version names many data: the short
    fingerprint of the files the build read identifies them in every install."""
    import dataclasses

    import atmpkg

    stats = atmpkg.open(curated_store).stats()
    build = {**stats.build, "fingerprint": "0123456789abcdef" * 4, "data_commit": None}
    cited = lambda **given: dataclasses.replace(stats, build={**build, **given}).citation  # noqa: E731
    said = f"ATMP-KG curated data, CC BY 4.0, atmpkg {atmpkg.__version__}"
    as_of = f", data as of {stats.data_as_of}"
    assert cited() == f"{said} (data fingerprint 0123456789ab){as_of}"
    assert cited(data_commit="d7c2e1a") == (
        f"{said} (git commit d7c2e1a, data fingerprint 0123456789ab){as_of}"
    )
    assert cited(fingerprint=None, data_commit="d7c2e1a") == f"{said} (git commit d7c2e1a){as_of}"
    assert cited(fingerprint=None) == f"{said}{as_of}"


def test_a_stores_data_commit_is_gits_or_none(tmp_path):
    """A folder git does not track names no commit; one it does, its commit, -dirty once a file
    of it changes."""
    from atmpkg.graph.version import data_commit

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x\n", encoding="utf-8")
    assert data_commit(data) is None
    run = {"cwd": tmp_path, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)
    assert data_commit(data) is None  # not yet committed
    subprocess.run(["git", "add", "data"], **run)
    who = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", *who, "commit", "-q", "-m", "data"], **run)
    head = subprocess.run(["git", "rev-parse", "HEAD"], text=True, **run).stdout.strip()
    assert data_commit(data) == head
    (data / "a.csv").write_text("y\n", encoding="utf-8")
    assert data_commit(data) == head + "-dirty"
    (tmp_path / "other.txt").write_text("z", encoding="utf-8")  # outside the folder: no matter
    (data / "a.csv").write_text("x\n", encoding="utf-8")
    assert data_commit(data) == head
    # a file no commit holds is read by the build too (rev31 F2)
    (data / "mine.csv").write_text("x\n", encoding="utf-8")
    assert data_commit(data) == head + "-dirty"
    (data / "mine.csv").unlink()
    # rev32 F6: a changed rule or ontology makes other triples, and other folders are read too
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.ru").write_text("# a rule\n", encoding="utf-8")
    subprocess.run(["git", "add", "rules"], **run)
    subprocess.run(["git", *who, "commit", "-q", "-m", "rules"], **run)
    head = subprocess.run(["git", "rev-parse", "HEAD"], text=True, **run).stdout.strip()
    assert data_commit(data, rules) == head
    (rules / "r.ru").write_text("# a local tweak\n", encoding="utf-8")
    assert data_commit(data) == head and data_commit(data, rules) == head + "-dirty"
    (rules / "r.ru").write_text("# a rule\n", encoding="utf-8")
    (rules / "new.ru").write_text("# untracked\n", encoding="utf-8")
    assert data_commit(data, rules) == head + "-dirty"
    (rules / "new.ru").unlink()
    assert data_commit(data, tmp_path.parent) == head + "-dirty"  # a folder of no commit of it
    # the repository's own fsmonitor command is not run (rev31 F1)
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\n", encoding="utf-8")
    hook.chmod(0o755)
    subprocess.run(["git", "config", "core.fsmonitor", str(hook)], **run)
    assert data_commit(data) == head
    assert not (tmp_path / "ran").exists()


def test_stats_of_data_whose_sources_state_no_date_says_so(tmp_path):
    """newuser14 F6: "Data as of ?" read like a fault."""
    import shutil

    data = Path(shutil.copytree(Path(__file__).parent / "data" / "fixture", tmp_path / "data"))
    rows = list(csv.reader((data / "sources.csv").read_text(encoding="utf-8").splitlines()))
    issued = rows[0].index("issued")
    with (data / "sources.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([rows[0]] + [[*r[:issued], "", *r[issued + 1 :]] for r in rows[1:]])
    store = str(tmp_path / "store")
    assert CliRunner().invoke(cli, ["build", "--store", store, "--data-dir", str(data)]).exit_code == 0
    lines = CliRunner().invoke(cli, ["stats", "--store", store]).stdout.splitlines()
    assert lines[1] == "Data as of: not known (no source document it cites states its date)"


def test_stats_names_the_imported_files(tmp_path):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(Path(__file__).parent / "data" / "fixture", tmp_path / "data")
    mine = tmp_path / "mine.ttl"
    shutil.copyfile(Path(__file__).parent / "data" / "imports" / "deltacel.ttl", mine)
    CliRunner().invoke(cli, ["build", "--store", str(store), "--data-dir", str(tmp_path / "data")])
    assert CliRunner().invoke(cli, ["import", str(mine), "--store", str(store)]).exit_code == 0
    first = CliRunner().invoke(cli, ["stats", "--store", str(store)]).stdout.splitlines()[0]
    assert first.endswith(
        f" from the data folder {tmp_path / 'data'} and 1 imported file: mine.ttl"
    )


def test_version_names_the_package_version_and_the_datas_date():
    import csv

    from atmpkg import __version__
    from atmpkg.graph.store.folder import fingerprint

    sources = Path(__file__).parent.parent / "graph" / "data" / "sources.csv"
    with sources.open(encoding="utf-8") as f:
        newest = max(row["issued"] for row in csv.DictReader(f) if row["issued"])
    result = CliRunner().invoke(cli, ["--version"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"atmpkg {__version__}, curated data as of {newest}, data fingerprint "
        f"{fingerprint()[:12]}\n",
    )


def test_version_and_a_read_name_an_input_file_that_cannot_be_read(
    monkeypatch, tmp_path, curated_store
):
    """rev32 F5: an input file that cannot be read (a link to nothing, a folder named like one)
    made --version end in a traceback, and a read command say it could not write its output."""
    from atmpkg import __version__
    from atmpkg.graph.store import build as build_module
    from atmpkg.graph.store import folder

    (tmp_path / "dir.csv").mkdir()
    monkeypatch.setenv("ATMPKG_STORE", str(curated_store))  # built: a read checks it is current
    monkeypatch.setattr(build_module, "_checked", {})  # as a new process does, not a while after
    for file, why in (("broken.csv", "No such file or directory"), ("dir.csv", "Is a directory")):
        inputs = [("atmpkg.graph/data/" + file, tmp_path / file)]
        monkeypatch.setattr(folder, "_input_files", lambda inputs=inputs: inputs)
        version = CliRunner().invoke(cli, ["--version"])
        assert version.exit_code == 0 and version.stdout.startswith(f"atmpkg {__version__}, ")
        assert version.stdout.endswith(
            f", data fingerprint unknown (graph/data/{file}: cannot read the file: {why})\n"
        )
        stats = CliRunner().invoke(cli, ["stats"])
        assert (stats.exit_code, stats.stderr) == (
            1,
            f"Error: graph/data/{file}: cannot read the file: {why}\n",
        )


def test_queries_lists_names_summaries_and_parameters(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    result = CliRunner().invoke(cli, ["queries"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    # to a pipe: one line per query, name, summary and parameters separated by tabs
    (line,) = [line for line in lines if line.startswith("approvals-in-period\t")]
    assert line.split("\t") == [
        "approvals-in-period",
        "Approvals decided within a date period, optionally by one agency: product, agency, "
        "indication and the date as precise as its source states it.",
        "-p from=<date>  (default 1 year before today) First day of the period (YYYY-MM-DD; a "
        "month YYYY-MM or a year YYYY means its first day)",
        "-p to=<date>  (default today) Last day of the period (YYYY-MM-DD; a month YYYY-MM or a "
        "year YYYY means its last day)",
        "-p agency=<agency>  (optional) The regulator (slug such as fda); every agency when "
        "omitted",
    ]
    assert len(lines) == len(list((Path(atmpkg.__file__).parent / "queries").glob("*.rq")))


@pytest.mark.parametrize("columns", [60, 80])
def test_queries_fit_the_terminal(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    narrow = CliRunner().invoke(cli, ["queries"]).stdout.splitlines()
    monkeypatch.delenv("COLUMNS")
    wide = CliRunner().invoke(cli, ["queries"]).stdout.splitlines()
    assert max(len(line) for line in narrow) <= columns < max(len(line) for line in wide)
    assert " ".join(" ".join(narrow).split()) == " ".join(" ".join(wide).split())  # tabs too
    if columns == 80:
        at = narrow.index("approvals-in-period")
        assert narrow[at : at + 9] == [
            "approvals-in-period",
            "    Approvals decided within a date period, optionally by one agency: product,",
            "    agency, indication and the date as precise as its source states it.",
            "    -p from=<date>  (default 1 year before today) First day of the period",
            "        (YYYY-MM-DD; a month YYYY-MM or a year YYYY means its first day)",
            "    -p to=<date>  (default today) Last day of the period (YYYY-MM-DD; a month",
            "        YYYY-MM or a year YYYY means its last day)",
            "    -p agency=<agency>  (optional) The regulator (slug such as fda); every",
            "        agency when omitted",
        ]


def test_queries_name_prints_the_query_file():
    result = CliRunner().invoke(cli, ["queries", "approvals-in-period"])
    assert result.exit_code == 0
    rq = Path(atmpkg.__file__).parent / "queries" / "approvals-in-period.rq"
    assert result.stdout == rq.read_text(encoding="utf-8")
    unknown = CliRunner().invoke(cli, ["queries", "approvals-in-perod"])
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        "Error: unknown named query 'approvals-in-perod'; did you mean 'approvals-in-period'? List "
        "them with 'atmpkg queries'.\n"
    )


@pytest.mark.parametrize("guess", ["--list", "--names"])
def test_query_list_points_to_the_queries_command(guess):
    result = CliRunner().invoke(cli, ["query", guess])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: No such option '{guess}'; the named queries are listed by 'atmpkg queries'.\n"
    )
    typo = CliRunner().invoke(cli, ["query", "--lmit", "3"])
    assert typo.stderr.endswith("Error: No such option '--lmit'. Did you mean '--limit'?\n")


def test_usage_error_exits_2():
    result = CliRunner().invoke(cli, ["query"])
    assert result.exit_code == 2


@pytest.mark.parametrize("given", ["nan", "inf"])
def test_a_time_limit_that_is_no_positive_number_is_refused(fixture_store, given):
    result = CliRunner().invoke(
        cli, ["query", "ASK {}", "--store", str(fixture_store), f"--timeout={given}"]
    )
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: timeout must be a positive number of seconds, got {float(given)} (from Python, "
        "None for no limit)\n",
    )


def test_a_parameter_given_twice_is_refused(fixture_store):
    args = ["query", "--store", str(fixture_store), "--name", "company-portfolio"]
    result = CliRunner().invoke(cli, [*args, "-p", "company=cellco", "-p", "company=genecorp"])
    assert result.exit_code == 2
    assert "Error: parameter 'company' given twice with -p; give it once" in result.output
    result = CliRunner().invoke(cli, [*args, "-p", "company"])
    assert result.exit_code == 2
    assert "Error: -p takes NAME=VALUE, got 'company'" in result.output


def test_the_installed_command_runs(fixture_store):
    result = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_every_named_query_is_listed_in_the_readme():
    from atmpkg import queries

    missing = [name for name in queries.names() if f"| `{name}` |" not in README]
    assert missing == []


# --- progress on a terminal -----------------------------------------------------------------------


def on_a_terminal(*args: str, both: bool = False) -> tuple[int, str, str]:
    """Run ``atmpkg ARGS`` with its stderr on a pseudo-terminal (as in a shell) and its stdout on a
    pipe (on the terminal too when ``both``): the exit code, what it wrote to the pipe and what
    it wrote to the terminal."""
    import os
    import pty

    main, follower = pty.openpty()
    code = "from atmpkg.cli import main; main()"  # the console script's entry point
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=follower if both else subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    written = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        written += chunk
    out = process.stdout.read() if process.stdout else b""
    process.wait()
    os.close(main)
    return process.returncode, out.decode(), written.decode()


def test_output_dash_is_standard_output(fixture_store, tmp_path, monkeypatch):
    """joints22 J22-5: -o - wrote a file named '-' (query, export), where --file - reads
    standard input; view and chart refused it."""
    monkeypatch.chdir(tmp_path)
    store = ["--store", str(fixture_store)]
    runner = CliRunner()
    table = runner.invoke(cli, ["query", "SELECT ?t WHERE { ?t a atmp:Therapy } ORDER BY ?t", "--format", "csv", *store])
    result = runner.invoke(cli, ["query", "SELECT ?t WHERE { ?t a atmp:Therapy } ORDER BY ?t", "--format", "csv", "-o", "-", *store])
    assert (result.exit_code, result.stdout) == (0, table.stdout)
    result = runner.invoke(cli, ["export", "--focus", "genex", "--format", "nt", "-o", "-", *store])
    assert result.exit_code == 0 and result.stdout.count(" .\n") == 168
    # a page or a drawing goes to the process's own standard output, as to -o /dev/stdout
    code = "from atmpkg.cli import cli; cli()"
    for command, start in ((["chart", "approvals"], "<svg "), (["view", "--focus", "genex"], "<!DOCTYPE html>")):
        done = subprocess.run([sys.executable, "-c", code, *command, "-o", "-", *store], capture_output=True, text=True)
        assert (done.returncode, done.stdout[: len(start)]) == (0, start), command
        assert done.stderr.startswith("Wrote /dev/stdout: "), command
    assert list(tmp_path.iterdir()) == []


def test_output_ending_in_a_slash_names_a_folder_and_is_refused(fixture_store, tmp_path, monkeypatch):
    """newuser23 F23: -o results/bcma/ wrote a file named bcma, where a folder was meant."""
    monkeypatch.chdir(tmp_path)
    store = ["--store", str(fixture_store)]
    for command, example in (
        (["query", "--name", "products-by-target", "-p", "target=bcma", "--format", "csv"], "answer.csv"),
        (["export", "--focus", "genex"], "export.ttl (csv alone writes into a folder: --format csv)"),
        # newuser24 F4: the example is of the format asked for
        (["export", "--focus", "genex", "--format", "graphml"], "export.graphml"),
        (["export", "--focus", "genex", "--format", "rdfxml"], "export.rdf"),
        (["view", "--focus", "genex"], "view.html"),
        (["chart", "approvals"], "chart.svg"),
    ):
        for typed in ("results/bcma/", "newdir/"):
            result = CliRunner().invoke(cli, [*command, "-o", typed, *store])
            said = f"Error: -o {typed} names a folder; give a file name, e.g. {typed}{example}"
            assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, said), command
    assert list(tmp_path.iterdir()) == []
    # an existing folder is where export's csv writes nodes.csv and edges.csv, as documented
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(cli, ["export", "--focus", "genex", "--format", "csv", "-o", "out/", *store])
    assert result.exit_code == 0 and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["edges.csv", "nodes.csv"]
    result = CliRunner().invoke(cli, ["export", "--focus", "genex", "-o", "out/", *store])
    said = "Error: -o out/ names a folder; give a file name, e.g. out/export.ttl (csv alone writes into a folder: --format csv)"
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, said)
    # newuser24 F4: and so is one that does not exist yet, made as for any -o
    result = CliRunner().invoke(cli, ["export", "--focus", "genex", "--format", "csv", "-o", "neo4j/", *store])
    assert (result.exit_code, result.stderr) == (
        0,
        "Note: created the folder neo4j\nExported 9 nodes and 11 edges (from 168 triples) as csv "
        "to neo4j/nodes.csv, neo4j/edges.csv\n",
    )
    for name in ("nodes.csv", "edges.csv"):
        assert (tmp_path / "neo4j" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()


def test_long_work_shows_progress_on_a_terminal_and_nothing_in_a_pipe(fixture_store, tmp_path):
    target = tmp_path / "all.nt"
    args = ["export", "-o", str(target), "--without-sources", "--store", str(fixture_store)]
    code, _, terminal = on_a_terminal(*args)
    assert code == 0
    # each line's last update (all done), then cleared: the whole graph is read from the
    # engine's dump (every triple of the store), then written entity by entity
    assert terminal == (
        "\rReading: 2,459 of 2,459 triples (100%)\x1b[K\r\x1b[K"
        "\rExporting: 218 of 218 subjects (100%)\x1b[K\r\x1b[K"
        f"Note: {ontology_left_out()}\r\nExported 1,501 triples as nt to {target}\r\n"
    )
    # a slice is read entity by entity: the line is rewritten in place from the first
    code, _, terminal = on_a_terminal(*args, "--focus", "cellco", "--hops", "2")
    assert terminal.startswith("\rExporting: 1 of 40 subjects (2%)\x1b[K")
    code = "from atmpkg.cli import cli; cli()"
    piped = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert piped.stderr == f"Note: {ontology_left_out()}\nExported 1,501 triples as nt to {target}\n"
    code, _, terminal = on_a_terminal("build", "--store", str(tmp_path / "store"))
    assert code == 0
    assert "Deriving facts: 34 of 34 rules (100%)" in terminal
    # pySHACL, which counts nothing, says that it runs until it ends
    assert "\rChecking the SHACL shapes…\x1b[K\r\x1b[K" in terminal
    assert re.search(r"Checking: (\d+) of \1 zero-row checks \(100%\)", terminal)
    view = ["view", "--focus", "cellco", "-o", str(tmp_path / "v.html")]
    code, written, terminal = on_a_terminal(*view, "--store", str(fixture_store))
    assert code == 0
    # joints29 F5: what is read (entities, hubs, sources) is "subjects", as an export counts it,
    # and the entities drawn are the nodes the result line counts
    assert "Reading the view: 31 of 31 subjects (100%)" in terminal
    assert "Looking one link beyond: 10 of 10 entities drawn (100%)" in terminal
    assert written.startswith(f"Wrote {tmp_path / 'v.html'}: 10 nodes, ")
    # a capped network: the ranking (one query, no steps) says what runs, the count of what was
    # left out how far it is
    capped = ["export", "--format", "graphml", "--max-nodes", "20", "-o", str(tmp_path / "c.graphml")]
    code, _, terminal = on_a_terminal(*capped, "--store", str(fixture_store))
    assert code == 0
    assert "\rRanking the entities by their links…\x1b[K\r\x1b[K" in terminal
    assert re.search(r"Counting the links left out: (\d+) of \1 entities \(100%\)", terminal)
    trig = ["export", "--format", "trig", "-o", str(tmp_path / "all.trig")]
    code, _, terminal = on_a_terminal(*trig, "--store", str(fixture_store))
    assert code == 0
    assert "\rWriting TriG…\x1b[K\r\x1b[K\rExporting: " in terminal
    code, _, terminal = on_a_terminal("view", "--overview", "-o", str(tmp_path / "o.html"), "--store", str(fixture_store))
    assert code == 0
    assert terminal.startswith(
        "\rReading the entities of each class…\x1b[K\r\x1b[K"
        "\rCounting the links between classes…\x1b[K\r\x1b[K"
    )


def test_a_build_that_waits_for_another_says_so_on_a_terminal(tmp_path):
    # newuser12 U4: a second build or import waited for the store's lock without a word
    import fcntl
    import threading

    store = tmp_path / "store"
    store.mkdir()
    with open(store / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another build holds it
        threading.Timer(3, fcntl.flock, (lock, fcntl.LOCK_UN)).start()
        code, _, terminal = on_a_terminal("build", "--store", str(store))
    assert code == 0
    assert terminal.startswith(
        f"\rWaiting for another build or import of {store} to finish…\x1b[K\r\x1b[K"
    )


def test_control_characters_reach_a_terminal_as_escapes(fixture_store):
    """A value or a message with a terminal's control sequences (a window title, a clear screen:
    a hostile endpoint's answer, a data file) is shown, not run; a pipe gets the value exact."""
    hostile = "a\x1b]0;PWNED\x07b\x1b[2Jc\x9bd"
    text = f'SELECT ?x {{ BIND("{hostile}" AS ?x) }}'
    code, _, terminal = on_a_terminal("query", text, "--store", str(fixture_store), both=True)
    assert (code, terminal.splitlines()[2]) == (0, "a\\x1b]0;PWNED\\x07b\\x1b[2Jc\\x9bd")
    code, _, terminal = on_a_terminal("show", hostile, "--store", str(fixture_store))
    assert code == 1 and "\x1b" not in terminal and "unknown entity 'a\\x1b]0;PWNED" in terminal
    piped = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "query", text, "--format", "csv"]
        + ["--store", str(fixture_store)],
        capture_output=True,
        text=True,
    )
    assert piped.stdout == f"x\n{hostile}\n"


def test_characters_that_draw_as_nothing_reach_a_terminal_as_escapes(fixture_store):
    """sec31 F4: a zero-width space, a word joiner, a byte order mark, tag characters, Hangul
    fillers, variation selectors on a Latin letter and a line separator reached the table raw
    ("Kym\\u200briah" showed as "Kymriah"), and a letter's thousand combining marks drew up over
    the rows above: each is its escape and the marks past five are counted, while an emoji's
    joiners, Persian's non-joiner and a CJK ideograph's variation selector stay; csv keeps all."""
    values = INVISIBLE.split(" ")
    sparql = " ".join(
        '"' + "".join(c if " " < c < "\x7f" else f"\\U{ord(c):08x}" for c in value) + '"'
        for value in values
    )
    text = f"SELECT ?x {{ VALUES ?x {{ {sparql} }} }}"
    code, table, _ = on_a_terminal("query", text, "--store", str(fixture_store))
    assert (code, table.splitlines()[2:]) == (
        0,
        [
            "Kym\\u200briah\\u2060\\ufeffX",
            "\\u2028",
            "flag\\U000e0041\\U000e007f",
            "a\\u3164b\\u115fc",
            "A\\ufe0f\\ufe0e",
            "Z\u0301\u0301\u0301\u0301\u0301\u2026 (995 more marks)",
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u845b\U000e0100",
        ],
    )
    piped = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "query", text, "--format", "csv"]
        + ["--store", str(fixture_store)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert piped.stdout == "x\n" + "".join(f"{value}\n" for value in values)


def test_bidi_format_characters_reach_a_terminal_as_escapes(fixture_store, tmp_path):
    """sec24 L1: an imported label's U+202E reached the terminal raw in show and in the query
    table, and drew the rest of the line right to left (country:us as su:yrtnuoc)."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    label = "Esc\u202eReversed\u2066x\u2069\u200fy\u061c"
    shown = "Esc\\u202eReversed\\u2066x\\u2069\\u200fy\\u061c"
    evil = tmp_path / "evil.ttl"
    evil.write_text(
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        "<https://w3id.org/atmp-kg/id/company/esc> a atmp:Company ;\n"
        f' <http://www.w3.org/2000/01/rdf-schema#label> "{label}"@en ;\n'
        " atmp:headquarteredIn <https://w3id.org/atmp-kg/id/country/us> ;\n"
        " <http://purl.org/dc/terms/source> <https://w3id.org/atmp-kg/id/source/report-x> .\n"
    )
    assert CliRunner().invoke(cli, ["import", str(evil), "--store", str(store)]).exit_code == 0
    text = "SELECT ?l ?c { company:esc rdfs:label ?l ; atmp:headquarteredIn ?c }"
    # the table escapes them wherever it goes, a pipe too
    code, table, _ = on_a_terminal("query", text, "--store", str(store))
    assert (code, table.splitlines()[2]) == (0, f"{shown}  country:us")
    code, _, terminal = on_a_terminal("show", "company:esc", "--store", str(store), both=True)
    assert (code, terminal.splitlines()[0]) == (0, f"{shown}  <https://w3id.org/atmp-kg/id/company/esc>")
    code, _, terminal = on_a_terminal("show", "Esc\u202eReversedx", "--store", str(store))
    said = (
        # newuser28 F3: the character is named, as a file's is
        "Error: unknown entity 'Esc\\u202eReversedx'; '\\u202e' (U+202E RIGHT-TO-LEFT OVERRIDE) "
        f"is an invisible character here: delete it; did you mean '{shown}'? Give a label, a slug "
        "such as kymriah, or an IRI.\r\n"
    )
    assert (code, terminal) == (1, said)
    # each of them, and the characters beside them are text
    marks = "202a 202b 202c 202d 202e 2066 2067 2068 2069 200e 200f 061c 00e9".split()
    values = " ".join(f'"a\\u{m}b"' for m in marks)
    every = f"SELECT ?x {{ VALUES ?x {{ {values} }} }}"
    code, table, _ = on_a_terminal("query", every, "--store", str(store))
    assert (code, table.splitlines()[2:]) == (0, [f"a\\u{m}b" for m in marks[:12]] + ["aéb"])
    # csv, tsv, json and xml keep the value exact
    us = "https://w3id.org/atmp-kg/id/country/us"
    for form, exact in (
        ("csv", f"l,c\n{label},{us}\n"),
        ("tsv", f'?l\t?c\n"{label}"@en\t<{us}>\n'),
        (
            "json",
            '{"head":{"vars":["l","c"]},"results":{"bindings":[\n'
            f'{{"l":{{"type":"literal","value":"{label}","xml:lang":"en"}},"c":{{"type":"uri","value":"{us}"}}}}\n'
            "]}}\n",
        ),
        (
            "xml",
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
            '<head>\n<variable name="l"/>\n<variable name="c"/>\n</head>\n<results>\n<result>\n'
            f'<binding name="l"><literal xml:lang="en">{label}</literal></binding>\n'
            f'<binding name="c"><uri>{us}</uri></binding>\n</result>\n</results>\n</sparql>\n',
        ),
    ):
        piped = subprocess.run(
            [sys.executable, "-m", "atmpkg.cli", "query", text, "--format", form, "--store", str(store)],
            capture_output=True,
            text=True,
        )
        assert (piped.returncode, piped.stdout) == (0, exact), form


def test_a_pipe_takes_any_output_and_a_reader_gone_early_ends_it_quietly(fixture_store, tmp_path):
    run = [sys.executable, "-c", "from atmpkg.cli import cli; cli()"]
    store = ["--store", str(fixture_store)]
    for args, start, end, said in (
        (["view", "--focus", "cellco"], b"<!DOCTYPE html>", b"</html>\n", b"Wrote /dev/stdout: "),
        (["chart", "approvals"], b"<svg", b"</svg>\n", b"Wrote /dev/stdout: "),
        (["export", "--focus", "cellco"], b"@prefix", b" .\n", b" triples as ttl to /dev/stdout"),
    ):
        done = subprocess.run([*run, *args, "-o", "/dev/stdout", *store], capture_output=True)
        assert (done.returncode, done.stdout[: len(start)]) == (0, start)
        # what was written is said on stderr, not in the document; an export without a format
        # to a stream writes Turtle
        assert done.stdout.endswith(end) and said in done.stderr and said not in done.stdout
    # /dev/stdout redirected to a file of any name
    with open(tmp_path / "out.txt", "wb") as redirected:
        done = subprocess.run(
            [*run, "view", "--focus", "cellco", "-o", "/dev/stdout", *store], stdout=redirected
        )
    assert done.returncode == 0
    assert (tmp_path / "out.txt").read_bytes().startswith(b"<!DOCTYPE html>")
    # the N-Triples of the fixture (150 kB) are more than a pipe holds: the writer meets the end
    export = [*run, "export", "--format", "nt", "-o", "/dev/stdout", *store]
    process = subprocess.Popen(export, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.read(10) == b"<https://w"
    process.stdout.close()
    assert (process.wait(), process.stderr.read()) == (1, b"")


def test_an_output_file_names_the_format_or_is_refused(fixture_store, tmp_path):
    store = ["--store", str(fixture_store)]
    ask = ["query", "ASK { ?s ?p ?o }", *store]
    runner = CliRunner()
    assert runner.invoke(cli, [*ask, "-o", str(tmp_path / "a.json")]).exit_code == 0
    assert (tmp_path / "a.json").read_text() == '{"head": {}, "boolean": true}\n'
    assert runner.invoke(cli, [*ask, "-o", str(tmp_path / "a.csv")]).exit_code == 0
    assert (tmp_path / "a.csv").read_text() == "true\n"
    assert runner.invoke(cli, [*ask, "-o", str(tmp_path / "a.dat")]).exit_code == 0
    assert (tmp_path / "a.dat").read_text() == "true\n"  # no format named: the table
    clash = runner.invoke(cli, [*ask, "--format", "table", "-o", str(tmp_path / "b.json")])
    assert clash.exit_code == 2
    assert clash.stderr.endswith(
        "Error: Invalid value for --format: table does not write what the file name b.json says "
        "(json); drop --format to write json, or give the file another extension\n"
    )
    # newuser18 L3: a folder that did not exist is made, and said so (a typo would hide the file)
    made = runner.invoke(cli, [*ask, "-o", str(tmp_path / "typo" / "sub" / "a.csv")])
    assert (made.exit_code, made.stderr) == (0, f"Note: created the folder {tmp_path / 'typo' / 'sub'}\n")
    assert (tmp_path / "typo" / "sub" / "a.csv").read_text() == "true\n"
    # newuser18 L2: a name other programs open as their own format is refused, --format or not
    for name, fmt in (("c.xlsx", []), ("c.graphml", ["--format", "csv"])):
        foreign = runner.invoke(cli, [*ask, *fmt, "-o", str(tmp_path / name)])
        assert foreign.exit_code == 2 and not (tmp_path / name).exists()
    assert foreign.stderr.endswith(
        "Error: Invalid value for -o: c.graphml: a network tool would read it as a .graphml file, "
        "which a query does not write; 'atmpkg export' writes GraphML; name the file .csv "
        "(spreadsheets open it), .tsv, .json, .xml, .txt (the table) or, for a CONSTRUCT, .ttl, "
        ".nt or .jsonld\n"
    )
    view = runner.invoke(cli, ["view", "--focus", "cellco", "-o", str(tmp_path / "v.png"), *store])
    assert (view.exit_code, view.stderr) == (
        1,
        f"Error: {tmp_path / 'v.png'}: this is an HTML page; name the file .html or .htm\n",
    )
    chart = runner.invoke(cli, ["chart", "approvals", "-o", str(tmp_path / "c.png"), *store])
    assert (chart.exit_code, chart.stderr) == (
        1,
        f"Error: {tmp_path / 'c.png'}: this is an SVG drawing; name the file .svg\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.dat", "a.json", "typo"]


def test_rank_and_stats_fit_the_terminal(curated_store):
    """At 80 columns the ranking's names and IRIs are cut with "…" and the build line wraps; in a
    pipe (no width) nothing is cut."""
    store = ["--store", str(curated_store)]
    for args in (["rank", "--top", "5"], ["rank", "--by", "betweenness", "--top", "5"], ["stats"]):
        narrow = CliRunner(env={"COLUMNS": "80"}).invoke(cli, [*args, *store]).stdout
        piped = CliRunner(env={"COLUMNS": ""}).invoke(cli, [*args, *store]).stdout
        assert max(len(line) for line in narrow.splitlines()) <= 80
        assert max(len(line) for line in piped.splitlines()) > 80
    ranked = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["rank", "--top", "2", *store]).stdout
    assert ranked.splitlines()[2:] == [
        "1     46      Novartis              atmp:Company  company:novartis",
        "2     25      Bristol Myers Squibb  atmp:Company  company:bristol-myers-squibb",
    ]


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (
            ["show", "kym\udcffriah"],
            "the name of an entity holds bytes that are not UTF-8 text (\\udcff in "
            "'kym\\udcffriah'): type it in UTF-8",
        ),
        (
            ["path", "\udcff", "alphacel"],
            "the name of an entity holds bytes that are not UTF-8 text (\\udcff in '\\udcff'): "
            "type it in UTF-8",
        ),
        (
            ["query", "--name", "products-by-target", "-p", "target=cd\udcff19"],
            "parameter 'target' holds bytes that are not UTF-8 text (\\udcff in 'cd\\udcff19'): "
            "type it in UTF-8",
        ),
        (
            ["query", 'SELECT * WHERE { ?s ?p "\udcff" }'],
            "line 1, column 25: the query holds bytes that are not UTF-8 text (\\udcff): save or "
            "type it in UTF-8",
        ),
    ],
)
def test_bytes_that_are_not_utf8_in_an_argument_are_named(fixture_store, args, told):
    # bash's $'kym\xffriah' reaches Python as a lone surrogate
    result = CliRunner().invoke(cli, [*args, "--store", str(fixture_store)])
    assert (result.exit_code, result.output) == (1, f"Error: {told}\n")


def test_a_signal_before_a_command_starts_ends_with_its_exit_code(capsys):
    # SIGTERM while click still reads the arguments: "Aborted!" and exit code 1 it had been
    import signal

    from atmpkg import cli as door

    door._in_command.clear()
    cases = ((door._terminate, 143, "terminated"), (door._interrupt, 130, "interrupted"))
    for handler, code, said in cases:
        with pytest.raises(SystemExit) as ended:
            handler(signal.SIGTERM, None)
        assert ended.value.code == code
        assert capsys.readouterr().err == f"Error: {said}\n"
    # once the command works, the signal is raised where it is, to clean up on the way out
    door._in_command.set()
    with pytest.raises(door._Terminated):
        door._terminate(signal.SIGTERM, None)
    with pytest.raises(KeyboardInterrupt):
        door._interrupt(signal.SIGINT, None)


def test_a_sigterm_python_could_not_raise_ends_the_command_as_terminated(capsys, monkeypatch):
    """newuser20 F10: SIGTERM in a weakref's callback, where Python ignores an exception, printed
    a traceback, and the command went on to exit 0."""
    import signal
    import weakref

    from atmpkg import cli as door

    class Held:
        pass

    @door._library_errors
    def work() -> str:
        held = Held()
        # the handler raises where the callback runs, in the collection of held
        kept = weakref.ref(held, lambda _: door._terminate(signal.SIGTERM, None))
        del held
        assert kept() is None
        return "done"

    monkeypatch.setattr(sys, "unraisablehook", door._unraisable)
    with pytest.raises(SystemExit) as ended:
        work()
    assert (ended.value.code, capsys.readouterr().err) == (143, "Error: terminated\n")


def test_an_empty_entity_parameter_and_a_folder_as_output_are_named(
    fixture_store, tmp_path, monkeypatch
):
    args = ["query", "--name", "products-by-target", "-p", "target=", "--store", str(fixture_store)]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output) == (
        1,
        "Error: parameter 'target' is empty: give a target by its slug, name or IRI, or leave the "
        "parameter out\n",
    )
    monkeypatch.chdir(tmp_path)
    args = ["query", "ASK { ?s ?p ?o }", "-o", ".", "--store", str(fixture_store)]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        2,
        "Error: Invalid value for '-o' / '--output': File '.' is a directory.",
    )


def test_a_typed_store_wins_over_an_endpoint_in_the_environment(fixture_store, monkeypatch):
    # nothing listens on port 9: a command that asked the endpoint would fail
    monkeypatch.setenv("ATMPKG_ENDPOINT", "http://127.0.0.1:9/sparql")
    shown = CliRunner().invoke(cli, ["show", "alphacel", "--store", str(fixture_store)])
    assert shown.exit_code == 0 and shown.stdout.startswith("Alphacel")
    both = CliRunner().invoke(
        cli,
        ["stats", "--store", str(fixture_store), "--endpoint", "http://127.0.0.1:9/sparql"],
    )
    assert both.exit_code == 2
    assert "Error: give --store or --endpoint, not both" in both.stderr
    with pytest.raises(ParameterError, match=r"give store \(a folder\) or endpoint"):
        atmpkg.open(fixture_store, endpoint="http://127.0.0.1:9/sparql")


#: A URL given as the store (nothing listens on port 9), and what is said of it.
STORE_URL = "http://127.0.0.1:9/sparql"
STORE_IS_A_URL = f"takes a folder; {STORE_URL} is a URL"


@pytest.mark.parametrize(
    "args, env, said",
    [
        (["show", "kymriah", "--store", STORE_URL], {}, f"--store {STORE_IS_A_URL}: give an endpoint as --endpoint URL"),
        (["stats"], {"ATMPKG_STORE": STORE_URL}, f"ATMPKG_STORE {STORE_IS_A_URL}: give an endpoint as --endpoint URL or in ATMPKG_ENDPOINT"),
        (["view", "--class", "Therapy"], {"ATMPKG_STORE": STORE_URL}, f"ATMPKG_STORE {STORE_IS_A_URL}: give an endpoint as --endpoint URL or in ATMPKG_ENDPOINT"),
        (["push", "--store", STORE_URL], {}, f"--store {STORE_IS_A_URL}: give an endpoint as --endpoint URL"),
        (["push", "--store", STORE_URL, "--endpoint", "http://127.0.0.1:9/q"], {}, f"--store {STORE_IS_A_URL}: give the path of the store's folder"),
        (["build", "--store", STORE_URL], {}, f"--store {STORE_IS_A_URL}: give the path of the store's folder"),
        (["build"], {"ATMPKG_STORE": STORE_URL}, f"ATMPKG_STORE {STORE_IS_A_URL}: give the path of the store's folder"),
        (["import", "x.ttl", "--store", STORE_URL], {}, f"--store {STORE_IS_A_URL}: give the path of the store's folder"),
        (["validate", "x.ttl", "--store", STORE_URL], {}, f"--store {STORE_IS_A_URL}: give the path of the store's folder"),
        (["validate"], {"ATMPKG_STORE": STORE_URL}, f"ATMPKG_STORE {STORE_IS_A_URL}: give the path of the store's folder"),
        (
            ["serve", "--store", "http://127.0.0.1:18234/"],
            {},
            "--store takes a folder; http://127.0.0.1:18234/ is a URL: to serve the store there, "
            "give --host 127.0.0.1 --port 18234",
        ),
        (["serve", "--store", "https://example.org/"], {}, "--store takes a folder; https://example.org/ is a URL: give the path of the store's folder"),
        (["stats", "--store", "file:///tmp/s"], {}, "--store takes a folder; file:///tmp/s is a URL: give the path of the store's folder"),
    ],
)
def test_a_url_given_as_the_store_is_refused_with_what_to_give(tmp_path, monkeypatch, args, env, said):
    """newuser25 F6: --store http://… and ATMPKG_STORE=http://… built a store in a folder named
    http:/… and answered from it."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args, env={"ATMPKG_ENDPOINT": None, **env})
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, f"Error: {said}")
    assert list(tmp_path.iterdir()) == []


def test_a_url_in_atmpkg_store_is_not_read_where_an_endpoint_is(monkeypatch):
    """newuser25 F6: an endpoint given reads the endpoint; the store ATMPKG_STORE names is
    neither read nor refused."""
    monkeypatch.setenv("ATMPKG_STORE", STORE_URL)
    for endpoint in ({"ATMPKG_ENDPOINT": "http://127.0.0.1:9/q"}, {}):
        args = ["stats"] if endpoint else ["stats", "--endpoint", "http://127.0.0.1:9/q"]
        result = CliRunner().invoke(cli, args, env=endpoint)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: cannot reach the SPARQL endpoint http://127.0.0.1:9/q")


#: Runs the console script's entry point with a SIGINT (or SIGTERM) arriving while click is still
#: being imported, the first thing the command line loads: before its own handlers are set.
EARLY_SIGNAL = """
import importlib.abc, os, signal, sys
number = getattr(signal, sys.argv[1])
class Early(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "click":
            os.kill(os.getpid(), number)
        return None
sys.meta_path.insert(0, Early())
import atmpkg
sys.argv = ["atmpkg", "stats"]
atmpkg.main()
"""


@pytest.mark.parametrize(
    "name, code, message", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_a_signal_while_the_command_line_loads_ends_it_without_a_traceback(name, code, message):
    early = subprocess.run(
        [sys.executable, "-c", EARLY_SIGNAL, name], capture_output=True, text=True, timeout=60
    )
    assert (early.returncode, early.stderr, early.stdout) == (code, f"Error: {message}\n", "")


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_serve_stopped_by_a_signal_closes_and_ends_with_0(fixture_store, tmp_path, name):
    """newuser21 L2: a server's normal end is a signal; it stops as Ctrl-C stops it, and a
    service manager reads 0 as the clean stop it was."""
    from conftest import free_port, wait_until_up

    port, log = free_port(), tmp_path / "serve.log"
    code = (
        "import sys, atmpkg; sys.argv = ['atmpkg', 'serve', '--port', sys.argv[1], '--store', "
        "sys.argv[2]]; atmpkg.main()"
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(port), str(fixture_store)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until_up(f"http://127.0.0.1:{port}/sparql", process, log, 60)
    process.send_signal(getattr(signal, name))
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in log.read_text()


def test_a_signal_the_shell_ignores_for_a_background_job_stays_ignored(fixture_store):
    # a script's `atmpkg … &` starts with SIGINT ignored, so that Ctrl-C of the script leaves it
    # running: a SIGINT at any moment of the command is then no concern of it
    code = (
        "import os, signal, sys, threading, time; signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "def keep_interrupting():\n"
        "    while True:\n"
        "        os.kill(os.getpid(), signal.SIGINT); time.sleep(0.02)\n"
        "threading.Thread(target=keep_interrupting, daemon=True).start()\n"
        "import atmpkg; sys.argv = ['atmpkg', 'query', 'SELECT ?s { ?s ?p ?o } LIMIT 1', "
        f"'--format', 'csv', '--store', {str(fixture_store)!r}]; atmpkg.main()"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("s\n")


def test_a_name_too_long_for_the_file_system_is_named_in_both_doors(fixture_store, tmp_path):
    # newuser12 U7: a 256-byte name escaped as OSError from Python, and the command line blamed
    # "the output" without naming the file
    from atmpkg.graph.errors import DataError, StoreError

    name = str(tmp_path / ("n" * 256))
    store = ["--store", str(fixture_store)]
    copy = tmp_path / "s"
    shutil.copytree(fixture_store, copy, symlinks=True)
    for args, said in (
        (["export", "--focus", "cellco", "-o", name + ".ttl", *store], f"cannot write {name}.ttl"),
        (["query", "ASK {}", "-o", name + ".csv", *store], f"cannot write {name}.csv"),
        (["view", "--focus", "cellco", "-o", name + ".html", *store], f"cannot write {name}.html"),
        (["import", "--store", str(copy), name + ".ttl"], f"{name}.ttl: cannot be read"),
        (["build", "--store", name], f"cannot use {name} as a store folder"),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "atmpkg.cli", *args], capture_output=True, text=True, timeout=120
        )
        assert (run.returncode, run.stderr) == (1, f"Error: {said}: File name too long\n")
    kg = atmpkg.open(fixture_store)
    with pytest.raises(StoreError, match=r"cannot write .*n\.ttl: File name too long"):
        kg.export("ttl", name + ".ttl", kg.select(focus="cellco"))
    with pytest.raises(DataError, match="cannot be read: File name too long"):
        atmpkg.open(copy).import_files([name + ".ttl"])
    with pytest.raises(StoreError, match="as a store folder: File name too long"):
        atmpkg.open(name)


def test_a_dash_reads_the_query_from_standard_input_and_an_empty_path_is_refused(fixture_store):
    store = ["--store", str(fixture_store)]
    ask = "ASK { ?s ?p ?o }\n"
    for args in (["query", "-"], ["query", "--file", "-"]):
        result = CliRunner().invoke(cli, [*args, *store], input=ask)
        assert (result.exit_code, result.stdout) == (0, "true\n"), args
    result = CliRunner().invoke(
        cli,
        ["export", "--file", "-", "--format", "nt", *store],
        input="CONSTRUCT WHERE { therapy:genex rdfs:label ?l }",
    )
    genex = "<https://w3id.org/atmp-kg/id/therapy/genex>"
    assert (result.exit_code, result.stdout) == (
        0,
        f"{genex} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/atmp-kg/ontology#Therapy> .\n"
        f'{genex} <http://www.w3.org/2000/01/rdf-schema#label> "Genex"@en .\n',
    )
    # newuser20 F9: a file piped in keeps its header, which types its parameters as the file's does
    header = "# param: company company cellco  The company\n"
    text = header + "SELECT ?name ?company WHERE { ?company rdfs:label ?name }\n"
    for params, slug, name in (([], "cellco", "CellCo"), (["-p", "company=genecorp"], "genecorp", "GeneCorp")):
        for args in (["query", "-"], ["query", "--file", "-"]):
            result = CliRunner().invoke(cli, [*args, *params, "--format", "csv", *store], input=text)
            assert (result.exit_code, result.stdout) == (
                0,
                f"name,company\n{name},https://w3id.org/atmp-kg/id/company/{slug}\n",
            ), args
        rows = atmpkg.open(fixture_store).query(text, dict(p.split("=") for p in params[1:]))
        assert rows.dicts() == [{"name": name, "company": f"https://w3id.org/atmp-kg/id/company/{slug}"}]
    # bytes that are not UTF-8 are named as a query file's are (rev13 M5)
    result = CliRunner().invoke(cli, ["query", "-", *store], input=b"ASK { \xe9 }")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: standard input:1:7: byte 0xe9 is not UTF-8 text (the file is in another encoding, "
        "perhaps Latin-1 or Windows-1252); save it as UTF-8\n",
    )
    for args, option in (
        (["query", "ASK {}", "--store", ""], "'--store'"),
        (["export", "--focus", "genex", "-o", " ", *store], "'-o' / '--output'"),
        (["view", "-o", "", *store], "'-o' / '--output'"),
    ):
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (
            2,
            f"Error: Invalid value for {option}: is empty: give a path",
        ), args


def test_a_named_querys_name_given_as_sparql_says_how_to_run_it(fixture_store):
    result = CliRunner().invoke(cli, ["query", "withdrawn-products", "--store", str(fixture_store)])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: 'withdrawn-products' is the name of a named query, not SPARQL: run it with "
        "atmpkg query --name withdrawn-products (Python: kg.named('withdrawn-products'))\n",
    )


def test_a_select_expression_left_out_of_group_by_is_told_how_to_group_it(fixture_store):
    """newuser29 F1: the engine's raw list of tokens, with a sample of its keywords."""
    text = (
        "SELECT ?ag (YEAR(?d) AS ?y) (COUNT(*) AS ?n) WHERE { ?a a atmp:Approval ; atmp:agency "
        "?ag ; atmp:dateStated ?d } GROUP BY ?ag"
    )
    result = CliRunner().invoke(cli, ["query", text, "--store", str(fixture_store)])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: SPARQL syntax error at line 1, column 18: ?d is used in the column (YEAR(?d) AS "
        "?y) but not grouped: add (YEAR(?d) AS ?y) to GROUP BY, and SELECT ?y; or return an "
        "aggregate of it, such as (SAMPLE(YEAR(?d)) AS ?y)\n",
    )


def test_an_entity_or_a_pattern_given_as_the_query_says_how_to_see_or_match_it(fixture_store):
    """newuser23 F7: "line 1, column 10: expected CONSTRUCT", and for a URL without brackets
    "the prefix 'https:' is not declared"."""
    starts = (
        "Error: SPARQL syntax error at line 1, column 1: the query starts with '{}', {}: a query "
        "starts with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE lines; {}\n"
    )
    see = (
        "to see it: DESCRIBE therapy:alphacel, or atmpkg show therapy:alphacel (Python: "
        "kg.show('therapy:alphacel'))"
    )
    for text, told in (
        ("therapy:alphacel", starts.format("therapy:alphacel", "an entity", see)),
        ("https://w3id.org/atmp-kg/id/therapy/alphacel",
         starts.format("https://w3id.org/atmp-kg/id/therapy/alphacel", "an entity", see)),
        ("?t a atmp:Therapy", starts.format(
            "?t", "a pattern", "to match it: SELECT * WHERE { ?t a atmp:Therapy }")),
    ):  # fmt: skip
        result = CliRunner().invoke(cli, ["query", text, "--store", str(fixture_store)])
        assert (result.exit_code, result.stderr) == (1, told), text


@pytest.mark.parametrize(
    "given",
    [
        "mine.rq",
        "./queries/Q.SPARQL",
        "/etc/question.txt",
        # newuser24 F1: a path without a query file's extension, as it starts
        "/tmp/nowhere/myq",
        "./myq",
        "../q.sql",
        "~/myq",
        # newuser25 F17: the command offered quotes what the shell would change
        "C:\\queries\\q.rq",
    ],
)
def test_a_query_files_name_given_as_sparql_says_how_to_run_it(fixture_store, given):
    """A file named without --file was read as the text of a query: 'mine.rq' was refused for
    having "no variable ?therapy to bind", './mine.rq' with a syntax error at column 7. Told by
    the name alone (rev21 F1, F2)."""
    args = ["query", given, "-p", "therapy=kymriah", "--store", str(fixture_store)]
    result = CliRunner().invoke(cli, args)
    quoted = {"~/myq": "'~/myq'", "C:\\queries\\q.rq": "'C:\\queries\\q.rq'"}.get(given, given)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: '{given}' is a file name, not SPARQL: run the query in it with atmpkg query "
        f"--file {quoted} (Python: kg.query(file={given!r}))\n",
    )


def test_a_word_that_names_a_file_here_given_as_sparql_says_how_to_run_it(
    fixture_store, tmp_path, monkeypatch
):
    """newuser24 F1: 'atmpkg query q.sql', a query file of the current folder, was told "the
    query starts with 'q'"; a word that names no file, or a folder, is still read as SPARQL."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q.sql").write_text("SELECT * WHERE { ?s ?p ?o }\n")
    (tmp_path / "myq").write_text("SELECT ?s ?p WHERE { ?s ?p ?o }\n")
    (tmp_path / "folder").mkdir()
    store = ["--store", str(fixture_store)]
    for given in ("q.sql", "myq"):
        result = CliRunner().invoke(cli, ["query", given, *store])
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: '{given}' is a file name, not SPARQL: run the query in it with atmpkg query "
            f"--file {given} (Python: kg.query(file='{given}'))\n",
        ), given
    for given in ("folder", "nofile"):
        result = CliRunner().invoke(cli, ["query", given, *store])
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: SPARQL syntax error at line 1, column 1: the query starts with '{given}': a "
            "query starts with SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX and BASE "
            "lines\n",
        ), given
    # the way the message gives runs it: --file reads a quoted ~/ path in the home folder
    monkeypatch.setenv("HOME", str(tmp_path))
    args = ["query", "--file", "~/myq", "--format", "csv", "--limit", "1", *store]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, "s,p")


def test_the_name_and_file_options_swapped_say_which_takes_it(fixture_store, tmp_path, monkeypatch):
    """newuser25 F17: --name ./bcma.rq was told "unknown named query", --file products-by-target
    "unknown query file", and --name myq, where ./myq holds a query, "unknown named query"."""
    monkeypatch.chdir(tmp_path)
    Path("bcma.rq").write_text("SELECT ?t WHERE { ?t atmp:target target:bcma }\n")
    Path("myq").write_text("# mine\nPREFIX x: <urn:x#>\nSELECT ?s WHERE { ?s ?p ?o }\n")
    Path("notes").write_text("a,b\n")
    Path("C:\\queries\\q.rq").write_text("ASK { ?s ?p ?o }\n")
    store = ["--store", str(fixture_store)]
    for args, said in (
        (["query", "--name", "./bcma.rq"], "'./bcma.rq' is a query file: atmpkg query --file ./bcma.rq"),
        (["query", "--name", "myq"], "'myq' is a query file: atmpkg query --file myq"),
        (
            ["query", "--name", "C:\\queries\\q.rq"],
            "'C:\\queries\\q.rq' is a query file: atmpkg query --file 'C:\\queries\\q.rq'",
        ),
        (
            ["query", "--file", "products-by-target"],
            "'products-by-target' is a named query: atmpkg query --name products-by-target",
        ),
        (["view", "--name", "bcma.rq"], "'bcma.rq' is a query file: atmpkg view --file bcma.rq"),
        (
            ["export", "--file", "pending-reviews", "-o", "p.ttl"],
            "'pending-reviews' is a named query: atmpkg export --name pending-reviews",
        ),
    ):
        result = CliRunner().invoke(cli, [*args, *store])
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, f"Error: {said}"), args
    # a file that holds no query, or none there, is no query file; a file named as a named query
    # is the file
    for args, said in (
        (["query", "--name", "notes"], "Error: unknown named query 'notes'. List them with 'atmpkg queries'."),
        (["query", "--name", "./gone.rq"], "Error: unknown named query './gone.rq'. List them with 'atmpkg queries'."),
    ):
        result = CliRunner().invoke(cli, [*args, *store])
        assert (result.exit_code, result.stderr.splitlines()[0]) == (1, said), args
    Path("products-by-target").write_text("ASK { ?s ?p ?o }\n")
    result = CliRunner().invoke(cli, ["query", "--file", "products-by-target", "--format", "csv", *store])
    assert (result.exit_code, result.stdout) == (0, "true\n")
    # the commands offered run
    for args in (["query", "--file", "./bcma.rq"], ["query", "--file", "C:\\queries\\q.rq"], ["query", "--name", "products-by-target"]):
        assert CliRunner().invoke(cli, [*args, *store]).exit_code == 0, args


def test_a_query_file_that_is_a_device_or_too_long_is_refused_unread(
    fixture_store, tmp_path
):
    """sec21 F6: --file /dev/zero grew memory to a MemoryError traceback, and a file, pipe or
    input of any length was read whole before the gate refused it."""
    import os

    (tmp_path / "zero.rq").symlink_to("/dev/zero")
    (tmp_path / "long.rq").write_bytes(b" " * 4_000_001)
    store = ["--store", str(fixture_store)]
    result = CliRunner().invoke(cli, ["query", "--file", str(tmp_path / "zero.rq"), *store])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: the query file {tmp_path / 'zero.rq'} is not a file but a device; save the "
        "query to a file first, or give - to read it from standard input\n",
    )
    # a pipe (a shell's <(…)) is read, as far as a query may be long
    read, write = os.pipe()
    os.write(write, b" " * 65_536)
    writer = threading.Thread(target=lambda: (os.write(write, b" " * 4_000_000), os.close(write)))
    writer.start()
    result = CliRunner().invoke(cli, ["query", "--file", f"/dev/fd/{read}", *store])
    writer.join()
    os.close(read)
    assert (result.exit_code, result.stderr.startswith(f"Error: the query file /dev/fd/{read} holds over 4,000,000 bytes")) == (1, True)
    too_long = (
        "holds over 4,000,000 bytes; at most 1,000,000 characters are accepted. Split it, or "
        "load large value lists as data with 'atmpkg import'.\n"
    )
    result = CliRunner().invoke(cli, ["query", "--file", str(tmp_path / "long.rq"), *store])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: the query file {tmp_path / 'long.rq'} {too_long}"
    )
    result = CliRunner().invoke(cli, ["query", "-", *store], input=b" " * 4_000_001)
    assert (result.exit_code, result.stderr) == (1, f"Error: standard input {too_long}")
    with pytest.raises(atmpkg.AtmpkgError, match="is not a file but a device"):
        atmpkg.open(fixture_store).query(file=tmp_path / "zero.rq")


def test_sparql_without_a_space_is_still_sparql(fixture_store):
    result = CliRunner().invoke(cli, ["query", "ASK{}", "--store", str(fixture_store)])
    assert (result.exit_code, result.output) == (0, "true\n")
    # rev21 F1: an IRI longer than a file name may be was asked of the file system
    long = "ASK{<urn:" + "a" * 300 + "><urn:p>?o}"
    result = CliRunner().invoke(cli, ["query", long, "--store", str(fixture_store)])
    assert (result.exit_code, result.output) == (0, "false\n")


def test_an_import_of_a_missing_file_into_a_new_store_builds_nothing(tmp_path):
    store = tmp_path / "new-store"
    result = CliRunner().invoke(cli, ["import", "--store", str(store), str(tmp_path / "no.ttl")])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1,
        f"Error: {tmp_path / 'no.ttl'}: no such file",
    )
    assert not store.exists()


def test_a_file_given_twice_is_named_not_read_twice(tmp_path, monkeypatch):
    """newuser25 F21: `validate my-targets.csv my-targets.csv` reported its row as a duplicate of
    itself, and an import said that two files had the same name; a link to the file is the file."""
    monkeypatch.chdir(tmp_path)
    Path("my-targets.csv").write_text("slug,label\ncd99,CD99\n")
    Path("linked.csv").symlink_to("my-targets.csv")
    store = tmp_path / "store"
    for command in ("validate", "import"):
        for files, told in (
            (["my-targets.csv", "my-targets.csv"], "my-targets.csv: is given twice"),
            (["my-targets.csv", "linked.csv"], "linked.csv: is given twice (first as my-targets.csv)"),
        ):
            result = CliRunner().invoke(cli, [command, "--store", str(store), *files])
            assert (result.exit_code, result.stderr.splitlines()[-1]) == (
                1,
                f"Error: {told}; give each file once",
            )
    assert not store.exists()


def test_an_import_into_a_stale_store_builds_it_once(fixture_store, tmp_path):
    """newuser14 F3: opening the stale store rebuilt it, then the import built it again."""
    import json

    from conftest import stale_copy

    from atmpkg.graph.store.folder import current_build

    store = stale_copy(fixture_store, tmp_path / "store")
    note = tmp_path / "note.ttl"
    note.write_text(
        "<https://w3id.org/atmp-kg/id/therapy/kymriah> "
        "<http://www.w3.org/2000/01/rdf-schema#comment> 'A note.' .\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "import", "--store", str(store), str(note)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Rebuilding" not in run.stderr
    assert run.stdout.startswith("Imported 1 file; the store now holds ")
    built = json.loads((current_build(store) / "build.json").read_text())
    assert (built["data_dir"], built["imports"]) == (None, ["note.ttl"])


def test_import_and_remove_count_files_and_imports_in_the_singular_and_the_plural(
    fixture_store, tmp_path
):
    """newuser25 F3: "Imported 2 file(s)", "Removed 1 import(s)" and "1 extra files"."""
    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    for name in ("a.ttl", "b.ttl"):
        (tmp_path / name).write_text(f'<http://example.org/{name}> {label} "{name}" .\n')
    files = [str(tmp_path / "a.ttl"), str(tmp_path / "b.ttl")]
    imported = CliRunner().invoke(cli, ["import", *files, "--store", str(store)])
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.split(";")[0] == "Imported 2 files"
    assert "compiling 15 data files and 2 extra files\n" in imported.stderr
    removed = CliRunner().invoke(cli, ["import", "--remove", "a.ttl", "--store", str(store)])
    assert removed.exit_code == 0, removed.output
    assert removed.stdout.split(";")[0] == "Removed 1 import"
    assert "compiling 15 data files and 1 extra file\n" in removed.stderr
    imported = CliRunner().invoke(cli, ["import", files[0], "--store", str(store)])
    assert imported.stdout.split(";")[0] == "Imported 1 file"


@pytest.mark.parametrize(
    ("closed", "args", "code", "said"),
    [
        (1, ["query", "ASK {}"], 1, "Error: standard output is closed; give the command one (> "
         "FILE, or > /dev/null to discard what it prints)\n"),
        (0, ["query", "-"], 2, "Error: standard input is closed; give the query as text or --file "
         "FILE\n"),
        (0, ["query", "--file", "-"], 2, "Error: standard input is closed; give the query as text "
         "or --file FILE\n"),
    ],
)  # fmt: skip
def test_a_closed_standard_stream_is_an_error_not_a_traceback(fixture_store, closed, args, code, said):
    """newuser15 F4: Python makes a closed stream None, and each command ended in a traceback."""
    import os

    run = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", *args, "--store", str(fixture_store)],
        stdin=subprocess.DEVNULL if closed else None, stdout=None if closed else subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, timeout=120, check=False,
        preexec_fn=lambda: os.close(closed),
    )  # fmt: skip
    assert (run.returncode, run.stderr.splitlines()[-1] + "\n") == (code, said)


def test_utf8_read_under_a_locale_that_is_not_is_named_with_the_way_out(fixture_store):
    """newuser15: the advice was to type the text in UTF-8, which it was."""
    import os

    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    run = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "show", "Alphacél", "--store", str(fixture_store)],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert (run.returncode, run.stderr.decode("utf-8", "replace")) == (
        1,
        "Error: the name of an entity holds bytes that are not UTF-8 text (\\udcc3 in "
        "'Alphac\\udcc3\\udca9l'): it is UTF-8, read under a locale that is not UTF-8: set "
        "LC_ALL=C.UTF-8 or PYTHONUTF8=1\n",
    )


def test_ctrl_z_stops_the_query_process_too_and_fg_continues_it(fixture_store):
    """rev14 R4: the query process has a session of its own, so it went on running stopped."""
    import signal
    import time
    from pathlib import Path

    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    run = subprocess.Popen(
        [sys.executable, "-m", "atmpkg.cli", "query", slow, "--store", str(fixture_store)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip

    def state(pid: int) -> str:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]

    def children() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rpartition(")")[2].split()
                except OSError:
                    continue
                if int(stat[1]) == run.pid:
                    found.append(int(entry.name))
        return found

    def wait_for(check, seconds=60.0):
        end = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < end, "timed out"
            time.sleep(0.05)

    try:
        wait_for(lambda: any(state(c) == "R" for c in children()))
        (child,) = children()
        run.send_signal(signal.SIGTSTP)
        wait_for(lambda: state(run.pid) == "T" and state(child) == "T")
        run.send_signal(signal.SIGCONT)
        wait_for(lambda: state(child) in ("R", "S"))
        assert state(run.pid) != "T"
    finally:
        run.kill()
        run.wait(30)


def test_build_and_import_say_when_the_read_commands_read_an_endpoint(tmp_path):
    """newuser20 F11: with ATMPKG_ENDPOINT set, an import wrote the embedded store, which no read
    command then read, without a word."""
    store = tmp_path / "store"
    endpoint = "http://127.0.0.1:9/query"
    note = (
        f"Note: ATMPKG_ENDPOINT is set ({endpoint}): the read commands read that endpoint unless "
        f"given --store, not the store at {store} this command wrote; read it with --store "
        f"{store}, load it there with 'atmpkg push', or unset ATMPKG_ENDPOINT\n"
    )
    built = ["build", "--store", str(store), "--data-dir", str(FIXTURE_DATA)]
    result = CliRunner().invoke(cli, built, env={"ATMPKG_ENDPOINT": ""})
    assert (result.exit_code, "ATMPKG_ENDPOINT" in result.stderr) == (0, False)
    result = CliRunner().invoke(cli, built, env={"ATMPKG_ENDPOINT": endpoint})
    assert (result.exit_code, result.stderr.endswith(note)) == (0, True), result.stderr
    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\n')
    imported = ["import", str(mine), "--store", str(store)]
    result = CliRunner().invoke(cli, imported, env={"ATMPKG_ENDPOINT": endpoint})
    assert (result.exit_code, result.stderr.endswith(note)) == (0, True), result.stderr
    removed = ["import", "--remove", "mine.ttl", "--store", str(store)]
    result = CliRunner().invoke(cli, removed, env={"ATMPKG_ENDPOINT": ""})
    assert (result.exit_code, "ATMPKG_ENDPOINT" in result.stderr) == (0, False)
    # sec21 F5: a password in the URL is not repeated; the note says the URL would be refused
    secret = "http://alice:s3cret@127.0.0.1:9/query"
    result = CliRunner().invoke(cli, built, env={"ATMPKG_ENDPOINT": secret})
    assert result.stderr.endswith(
        note.replace("\n", "; it holds a user name or password, which the read commands refuse in "
                     "a URL: give them in ATMPKG_ENDPOINT_USER and ATMPKG_ENDPOINT_PASSWORD\n")
    ), result.stderr
    assert "s3cret" not in result.output
    # rev21: nor in a URL no parser reads
    result = CliRunner().invoke(cli, built, env={"ATMPKG_ENDPOINT": "http://u:s3cret@[::1/q"})
    assert "(http://[::1/q)" in result.stderr and "s3cret" not in result.output


#: What the hints say of products-by-target's parameter, before the way to give it.
TARGET = "target is a parameter of the named query products-by-target: give it as"


@pytest.mark.parametrize(
    "args, said",
    [
        (
            ["query", "--name", "products-by-target", "--target", "bcma"],
            f"No such option '--target'; {TARGET} -p target=VALUE.",
        ),
        (
            ["export", "--name=products-by-target", "--target=bcma"],
            f"No such option '--target'; {TARGET} -p target=VALUE.",
        ),
        (
            ["query", "--name", "products-by-target", "-p", "target", "bcma"],
            "-p takes NAME=VALUE: give -p target=bcma",
        ),
        (
            ["query", "--name", "products-by-target", "target=bcma"],
            f"{TARGET} -p target=bcma",
        ),
        # rev20 R20-2, R20-4: in export and view too, and with the query named without --name
        (
            ["export", "--name", "products-by-target", "target=bcma"],
            f"{TARGET} -p target=bcma",
        ),
        (
            ["view", "--name", "products-by-target", "-p", "target", "bcma"],
            "-p takes NAME=VALUE: give -p target=bcma",
        ),
        (
            ["query", "products-by-target", "--target", "bcma"],
            f"No such option '--target'; {TARGET} --name products-by-target -p target=VALUE.",
        ),
        (["export", "--name", "products-by-target", "stray"], "Got unexpected extra argument (stray)"),
        # sec21 F4: an empty word (an unset shell variable) raised IndexError; a value with a
        # space was cut at it
        (["export", "--name", "products-by-target", ""], "Got unexpected extra argument ()"),
        (["view", "--name", "products-by-target", " "], "Got unexpected extra argument ( )"),
        (["query", "--name", "products-by-target", " ", ""], "Got unexpected extra argument ()"),
        (
            ["export", "--name", "company-portfolio", "company=Kite Pharma"],
            "company is a parameter of the named query company-portfolio: give it as "
            "-p 'company=Kite Pharma'",
        ),
        (
            ["query", "--name", "company-portfolio", "-p", "company", "Kite Pharma"],
            "-p takes NAME=VALUE: give -p 'company=Kite Pharma'",
        ),
        (
            ["query", "--name", "products-by-target", "--tagret", "x"],
            "No such option '--tagret'; did you mean target, a parameter of the named query "
            "products-by-target? Give it as -p target=VALUE.",
        ),
        (["query", "--name", "products-by-target", "--fromat", "csv"], "No such option '--fromat'. Did you mean '--format'?"),
        # newuser23 F18: a value or a name with a space left unquoted says to quote it
        (
            ["query", "--name", "company-portfolio", "-p", "company=Kite", "Pharma"],
            "'Pharma' follows -p company=Kite: a value with spaces goes in quotes: -p 'company=Kite Pharma'",
        ),
        (
            ["export", "--name", "company-portfolio", "--param=company=Kite", "Pharma", "Inc"],
            "'Pharma Inc' follows --param=company=Kite: a value with spaces goes in quotes: "
            "--param='company=Kite Pharma Inc'",
        ),
        (["show", "kymriah", ""], "Got unexpected extra argument ()"),
        # joints23 F8: a variable of the query text bound without -p, as the HTTP door says it
        (
            ["query", "SELECT ?t ?x WHERE { ?t atmp:target ?x }", "x=target:bcma"],
            "?x is a variable of the query: to bind it, give it as -p x=target:bcma",
        ),
        (
            ["query", "SELECT ?t WHERE { ?t atmp:target ?x }", "y=target:bcma"],
            "Got unexpected extra argument (y=target:bcma)",
        ),
        (
            ["query", "--name", "products-by-target", "stray"],
            "give exactly one of: SPARQL text, --file F.rq, --name NAME ('stray' was read as SPARQL text)",
        ),
        # newuser24 F5: a value given without its option, as show and path take entities
        (["view", "kymriah"], "atmpkg view takes the entity as --focus: atmpkg view --focus kymriah"),
        (
            ["export", "kymriah", "-o", "k.ttl"],
            "atmpkg export takes the entity as --focus: atmpkg export --focus kymriah -o k.ttl",
        ),
        (
            ["push", "http://127.0.0.1:18231/sparql"],
            "atmpkg push takes the endpoint as --endpoint: atmpkg push --endpoint http://127.0.0.1:18231/sparql",
        ),
        (  # the password is not repeated
            ["push", "http://alice:s3cret@127.0.0.1:18231/sparql", "--batch-size", "5"],
            "atmpkg push takes the endpoint as --endpoint: atmpkg push --endpoint "
            "http://127.0.0.1:18231/sparql --batch-size 5",
        ),
        (
            ["build", "my-data/"],
            "atmpkg build takes a data folder as --data-dir: atmpkg build --data-dir my-data/",
        ),
        (["serve", "18232"], "atmpkg serve takes the port as --port: atmpkg serve --port 18232"),
        (
            ["serve", "--workers", "1", "0.0.0.0"],
            "atmpkg serve takes the address as --host: atmpkg serve --workers 1 --host 0.0.0.0",
        ),
        (
            ["view", "first-approval-worldwide"],
            "atmpkg view takes a named query as --name: atmpkg view --name first-approval-worldwide",
        ),
        (["view", "mine.rq"], "atmpkg view takes a query file as --file: atmpkg view --file mine.rq"),
        (
            ["view", "--class", "atmp:Deal", "atmp:Company"],
            "atmpkg view takes a class as --class: atmpkg view --class atmp:Deal --class atmp:Company",
        ),
        (["view", "bcma.html"], "atmpkg view takes the file to write as -o: atmpkg view -o bcma.html"),
        (
            ["export", "http://127.0.0.1:18231/sparql", "--focus", "kymriah"],
            "atmpkg export takes the endpoint as --endpoint: atmpkg export --endpoint "
            "http://127.0.0.1:18231/sparql --focus kymriah",
        ),
        (
            ["export", "https://w3id.org/atmp-kg/id/therapy/kymriah"],
            "atmpkg export takes the entity as --focus: atmpkg export --focus "
            "https://w3id.org/atmp-kg/id/therapy/kymriah",
        ),
        (["rank", "pagerank"], "atmpkg rank takes the measure as --by: atmpkg rank --by pagerank"),
        (["rank", "20"], "atmpkg rank takes the number of entities to list as --top: atmpkg rank --top 20"),
        (
            ["chart", "approvals", "modality"],
            "atmpkg chart takes the grouping as --by: atmpkg chart approvals --by modality",
        ),
        (
            ["stats", "http://127.0.0.1:18231/sparql"],
            "atmpkg stats takes the endpoint as --endpoint: atmpkg stats --endpoint http://127.0.0.1:18231/sparql",
        ),
        # rev24 F2: a stray that reads as an earlier option's value is the last such word; the
        # command offered runs as meant
        (["export", "--hops", "2", "2"], "atmpkg export takes the entity as --focus: atmpkg export --hops 2 --focus 2"),
        (["export", "2", "--hops", "2"], "atmpkg export takes the entity as --focus: atmpkg export --focus 2 --hops 2"),
        (
            ["export", "-o", "pending-reviews", "pending-reviews"],
            "atmpkg export takes a named query as --name: atmpkg export -o pending-reviews --name pending-reviews",
        ),
        (["view", "--max-nodes", "5", "5"], "atmpkg view takes the entity as --focus: atmpkg view --max-nodes 5 --focus 5"),
        (["view", "-o", "x.html", "x.html"], "Got unexpected extra argument (x.html)"),
        (["view", "-o", "x.html", "x.html", "--hops", "2"], "Got unexpected extra argument (x.html)"),
        # rev24 F3: an entity prefix's name is an entity; a file or folder name is no entity; a
        # folder is an output for csv alone; a CSV file is no data folder
        (["view", "company:Kite"], "atmpkg view takes the entity as --focus: atmpkg view --focus company:Kite"),
        (["rank", "therapy:Kymriah"], "Got unexpected extra argument (therapy:Kymriah)"),
        (["export", "out/"], "Got unexpected extra argument (out/)"),
        (
            ["export", "--format", "csv", "out/"],
            "atmpkg export takes the folder to write as -o: atmpkg export --format csv -o out/",
        ),
        (["export", "x.ttl", "y.ttl"], "Got unexpected extra arguments (x.ttl y.ttl)"),
        (["view", "missing.csv"], "Got unexpected extra argument (missing.csv)"),
        (["build", "missing.csv"], "Got unexpected extra argument (missing.csv)"),
        # not where the word is the rest of a text value, a value beside the one given, or after --
        (["view", "--title", "My", "View"], "'View' follows --title My: a value with spaces goes in quotes: --title 'My View'"),
        # rev24b F6: a file name after an entity's name is the output given without -o
        (["view", "--focus", "kymriah", "v.html"], "atmpkg view takes the file to write as -o: atmpkg view --focus kymriah -o v.html"),
        (["export", "--focus", "kymriah", "k.ttl"], "atmpkg export takes the file to write as -o: atmpkg export --focus kymriah -o k.ttl"),
        # rev25 F6: after the rest of a name, still the quotes
        (["view", "--title", "My", "View", "v.html"], "'View v.html' follows --title My: a value with spaces goes in quotes: --title 'My View v.html'"),
        (["rank", "kymriah"], "Got unexpected extra argument (kymriah)"),
        (["view", "--", "kymriah"], "Got unexpected extra argument (kymriah)"),
        # newuser25 F4: a class by its local name or label is a class, in view, export and rank,
        # and each of several words given without their options gets its own
        (["view", "Therapy"], "atmpkg view takes a class as --class: atmpkg view --class Therapy"),
        (["view", "therapy"], "atmpkg view takes a class as --class: atmpkg view --class therapy"),
        (["export", "Company"], "atmpkg export takes a class as --class: atmpkg export --class Company"),
        (["rank", "Company"], "atmpkg rank takes a class as --class: atmpkg rank --class Company"),
        (
            ["rank", "regulatory", "agency"],
            "atmpkg rank takes a class as --class: atmpkg rank --class 'regulatory agency'",
        ),
        (
            ["rank", "betweenness", "Company"],
            "atmpkg rank takes the measure as --by and a class as --class: atmpkg rank --by "
            "betweenness --class Company",
        ),
        (
            ["rank", "Company", "--top", "5", "pagerank"],
            "atmpkg rank takes a class as --class and the measure as --by: atmpkg rank --class "
            "Company --top 5 --by pagerank",
        ),
        (
            ["view", "kymriah", "v.html"],
            "atmpkg view takes the entity as --focus and the file to write as -o: atmpkg view "
            "--focus kymriah -o v.html",
        ),
        # newuser25 F7: an address with its port is offered as --host and --port, as --host
        # refuses it
        (
            ["serve", "localhost:18232"],
            "atmpkg serve takes the address and port as --host and --port: atmpkg serve --host "
            "localhost --port 18232",
        ),
        (
            ["serve", "--workers", "1", "127.0.0.1:18233"],
            "atmpkg serve takes the address and port as --host and --port: atmpkg serve --workers "
            "1 --host 127.0.0.1 --port 18233",
        ),
        (["serve", "localhost:99999"], "Got unexpected extra argument (localhost:99999)"),
        # newuser25 F6: serve has no --endpoint; a local URL is where to listen, not a store
        (
            ["serve", "http://127.0.0.1:18234/"],
            "atmpkg serve takes the address and port as --host and --port: atmpkg serve --host "
            "127.0.0.1 --port 18234",
        ),
        (["serve", "https://127.0.0.1:18234/"], "Got unexpected extra argument (https://127.0.0.1:18234/)"),
        (["serve", "http://example.org/"], "Got unexpected extra argument (http://example.org/)"),
        (["build", "http://example.org/"], "Got unexpected extra argument (http://example.org/)"),
        (["serve", "--port", "5", "localhost:18232"], "Got unexpected extra argument (localhost:18232)"),
        # newuser25 F5: a kind of chart written otherwise, or a grouping or file in its place
        (
            ["chart", "approval"],
            "Invalid value for 'KIND': 'approval' is not one of 'approvals', 'market'; did you "
            "mean 'approvals'?",
        ),
        (
            ["chart", "Market", "-o", "m.svg"],
            "Invalid value for 'KIND': 'Market' is not one of 'approvals', 'market'; did you mean "
            "'market'?",
        ),
        (
            ["chart", "modality"],
            "atmpkg chart takes the kind of chart first and the grouping as --by: atmpkg chart "
            "approvals --by modality",
        ),
        (
            ["chart", "x.svg"],
            "atmpkg chart takes the kind of chart first and the file to write as -o: atmpkg chart "
            "approvals -o x.svg or atmpkg chart market -o x.svg",
        ),
        (
            ["chart", "x.svg", "--by", "agency"],
            "atmpkg chart takes the kind of chart first and the file to write as -o: atmpkg chart "
            "approvals -o x.svg --by agency",
        ),
        (["chart", "-o", "y.svg", "x.svg"], "Invalid value for 'KIND': 'x.svg' is not one of 'approvals', 'market'."),
        (["chart", "modality", "--by", "agency"], "Invalid value for 'KIND': 'modality' is not one of 'approvals', 'market'."),
        (["rank", "pagerank", "degree"], "Got unexpected extra arguments (pagerank degree)"),
        (["export", "Kite", "Pharma", "k.ttl"], "Got unexpected extra arguments (Kite Pharma k.ttl)"),
    ],
)
def test_a_parameter_given_as_an_option_or_without_p_says_how_to_give_it(args, said):
    """newuser20 F13: --target was offered --store, and target=bcma was taken for SPARQL text."""
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, f"Error: {said}")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["view", "--focus", "Big", "Pharma"], "'Pharma' follows --focus Big: a value with spaces goes in quotes: --focus 'Big Pharma'"),
        (["show", "Big", "Pharma"], "atmpkg show takes one entity: quote a name with spaces: atmpkg show 'Big Pharma'"),
        (
            ["path", "--max", "2", "Genex", "CellCo", "Europe"],
            "atmpkg path takes two entities: quote a name with spaces: atmpkg path Genex 'CellCo Europe'",
        ),
        (
            ["export", "-o", "k.ttl", "Big", "Pharma", "--hops", "2"],
            "atmpkg export takes the entity as --focus: atmpkg export -o k.ttl --focus 'Big Pharma' --hops 2",
        ),
        (["view", "Big", "Pharma"], "atmpkg view takes the entity as --focus: atmpkg view --focus 'Big Pharma'"),
        (["path", "genex", "cellco", "--avoid", "United", "States"], "'States' follows --avoid United: a value with spaces goes in quotes: --avoid 'United States'"),
        (["path", "genex", "cellco", "--avoid", "regulatory", "agency"], "'agency' follows --avoid regulatory: a value with spaces goes in quotes: --avoid 'regulatory agency'"),
        # joints25 F2: words that name nothing joined are not offered as one --focus; a format
        # beside the entity is the format
        (["view", "genex", "cellco"], "Got unexpected extra arguments (genex cellco)"),
        (["view", "--focus", "genex", "cellco"], "Got unexpected extra argument (cellco)"),
        (["path", "genex", "cellco", "--avoid", "Big", "Genex"], "Got unexpected extra argument (Genex)"),
        (
            ["export", "genex", "graphml"],
            "atmpkg export takes the entity as --focus and the format as --format: atmpkg export "
            "--focus genex --format graphml",
        ),
        (
            ["export", "--focus", "genex", "graphml"],
            "atmpkg export takes the format as --format: atmpkg export --focus genex --format graphml",
        ),
        (["export", "Turtle"], "atmpkg export takes the format as --format: atmpkg export --format Turtle"),
        (["export", "genex", "graphml", "-o", "g.ttl"], "Got unexpected extra arguments (genex graphml)"),
        # newuser25 F12: two entities given to show are offered each, and the path between them
        (
            ["show", "genex", "cellco"],
            "atmpkg show takes one entity: atmpkg show genex or atmpkg show cellco; atmpkg path "
            "genex cellco connects them",
        ),
        (
            ["show", "genex", "CellCo", "Europe"],
            "atmpkg show takes one entity: atmpkg show genex or atmpkg show 'CellCo Europe'; atmpkg "
            "path genex 'CellCo Europe' connects them",
        ),
        (["show", "genex", "nothing"], "Got unexpected extra argument (nothing)"),
        (["path", "genex", "big", "cellco"], "Got unexpected extra argument (cellco)"),
        # newuser26 F5: a class named in the plural is offered as the class, and one word is
        # offered as --focus only where it names an entity
        (["export", "companies"], "atmpkg export takes a class as --class: atmpkg export --class atmp:Company"),
        (["view", "Therapies"], "atmpkg view takes a class as --class: atmpkg view --class atmp:Therapy"),
        (
            ["view", "regulatory", "agencies", "-o", "a.html"],
            "atmpkg view takes a class as --class: atmpkg view --class atmp:RegulatoryAgency -o a.html",
        ),
        (["rank", "therapies"], "atmpkg rank takes a class as --class: atmpkg rank --class atmp:Therapy"),
        # rev26 F4: the kind of a class's entities, as --class takes it, in the singular or plural
        (
            ["export", "agencies", "-o", "o.ttl"],
            "atmpkg export takes a class as --class: atmpkg export --class atmp:RegulatoryAgency -o o.ttl",
        ),
        (["export", "agency"], "atmpkg export takes a class as --class: atmpkg export --class agency"),
        (["export", "reviews"], "atmpkg export takes a class as --class: atmpkg export --class atmp:RegulatoryReview"),
        (["view", "review"], "atmpkg view takes a class as --class: atmpkg view --class review"),
        (["export", "nothing"], "Got unexpected extra argument (nothing)"),
        (["view", "genex"], "atmpkg view takes the entity as --focus: atmpkg view --focus genex"),
    ],
)
def test_words_are_offered_as_one_name_only_where_it_names_an_entity(
    fixture_store, monkeypatch, args, said
):
    """joints25 F2, newuser25 F12: `view kymriah novartis` was offered --focus 'kymriah
    novartis', `export kymriah graphml` --focus 'kymriah graphml', `show kymriah novartis` show
    'kymriah novartis': each named nothing, and the command offered failed."""
    monkeypatch.setenv("ATMPKG_STORE", str(fixture_store))
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, f"Error: {said}")


def test_words_are_offered_as_one_name_checked_only_in_a_store_built_already(fixture_store, tmp_path):
    """joints25 F2: a usage error builds no store and asks no endpoint; without a build to ask,
    a name of several words is offered as before (rev25b F4: a new user's show Kite Pharma was
    told nothing); --store chooses the store asked."""
    missing = tmp_path / "no-store"
    for args, said in (
        (
            ["show", "Big", "Pharma", "--store", str(missing)],
            "atmpkg show takes one entity: quote a name with spaces: atmpkg show 'Big Pharma'",
        ),
        (
            ["view", "Big", "Pharma", "--store", str(missing)],
            f"atmpkg view takes the entity as --focus: atmpkg view --focus 'Big Pharma' --store {missing}",
        ),
        (
            ["show", "Big", "Pharma", "--endpoint", "http://127.0.0.1:18420/sparql"],
            "atmpkg show takes one entity: quote a name with spaces: atmpkg show 'Big Pharma'",
        ),
        (
            ["show", "Big", "Pharmaa", "--store", str(fixture_store)],
            "Got unexpected extra argument (Pharmaa)",
        ),
        (
            ["show", "Big", "Pharma", "--store", str(fixture_store)],
            "atmpkg show takes one entity: quote a name with spaces: atmpkg show 'Big Pharma'",
        ),
    ):
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, f"Error: {said}"), args
    assert not missing.exists()


def test_one_word_near_an_entity_is_still_offered_as_the_focus(fixture_store):
    """rev26 F3: 'view kymria' (a slip of a name) got click's bare 'unexpected extra argument'
    once a single word was offered as --focus only where it names an entity; a near one is the
    entity meant, and the offered command then says which it is near."""
    result = CliRunner().invoke(cli, ["view", "alphacell", "--store", str(fixture_store)])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        2,
        "Error: atmpkg view takes the entity as --focus: atmpkg view --focus alphacell --store "
        f"{fixture_store}",
    )
    offered = CliRunner().invoke(cli, ["view", "--focus", "alphacell", "--store", str(fixture_store)])
    assert offered.exit_code == 1 and "did you mean 'Alphacel'?" in offered.output


@pytest.mark.parametrize("command", ["view", "export"])
@pytest.mark.parametrize("focus", ["Therapy", "atmp:Therapy", "regulatory agency"])
def test_a_class_given_as_the_focus_says_to_give_it_as_class(fixture_store, command, focus):
    """newuser25 F4: --focus Therapy was offered Radiotherapy and Gene therapy, not --class."""
    quoted = f"'{focus}'" if " " in focus else focus
    result = CliRunner().invoke(cli, [command, "--focus", focus, "--store", str(fixture_store)])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: unknown entity '{focus}'. '{focus}' names a class: give it as --class {quoted}.\n",
    )
    result = CliRunner().invoke(cli, [command, "--focus", "Genexx", "--store", str(fixture_store)])
    assert result.stderr.startswith("Error: unknown entity 'Genexx'; did you mean 'Genex'?")


def test_a_view_page_the_command_line_writes_words_its_notes_for_the_command_line(
    fixture_store, tmp_path
):
    """joints27 F4: 'atmpkg view --name Q' wrote a page whose default-parameter note said
    '(Python: params={…})' while its stderr said -p alone; both now say -p."""
    page = tmp_path / "deals.html"
    result = CliRunner().invoke(
        cli, ["view", "--name", "deals-above-value", "-o", str(page), "--store", str(fixture_store)]
    )
    assert result.exit_code == 0, result.output
    note = "min_value is 500000000, the default; give -p min_value=… for another"
    # then the fixture's deal that states no amount (newuser30 F7)
    unstated = "Note: 1 deal states no total, upfront payment or equity purchase, so no min_value"
    assert result.stderr.startswith(f"Note: {note}\n{unstated}")
    assert result.stderr.count("\n") == 2
    text = page.read_text()
    assert note in text and "Python:" not in text


def test_an_entity_given_as_a_class_is_offered_as_the_focus(fixture_store):
    """joints27 F5: --class Novartis (and --through kymriah in view and path) said only "unknown
    class … Give a class such as atmp:Therapy", where --focus Therapies is offered --class; an
    entity given as a class now names the entity and where to give it."""
    store = ["--store", str(fixture_store)]
    entity = "'Big Pharma' names an entity (company:bigpharma), not a class: "
    alphacel = "'alphacel' names an entity (therapy:alphacel), not a class: "
    hub = "--through takes a hub class, such as atmp:Country; "
    for args, said in (
        (["view", "--class", "Big Pharma", "-o", "x.html"], f"unknown class 'Big Pharma'. {entity}to draw it and its neighbours, give --focus 'Big Pharma'."),
        (["export", "--class", "alphacel"], f"unknown class 'alphacel'. {alphacel}to export it and its neighbours, give --focus alphacel."),
        (["view", "--focus", "genex", "--through", "alphacel"], f"unknown class 'alphacel'. {alphacel}{hub}to draw it and its neighbours, give --focus alphacel."),
        (["path", "genex", "cellco", "--through", "alphacel"], f"unknown class 'alphacel'. {alphacel}{hub}to draw it and its neighbours, run atmpkg view --focus alphacel."),
        (["rank", "--class", "Big Pharma"], f"unknown class 'Big Pharma'. {entity}to draw it and its neighbours, run atmpkg view --focus 'Big Pharma'."),
    ):
        result = CliRunner().invoke(cli, [*args, *store])
        assert (result.exit_code, result.stderr) == (1, f"Error: {said}\n"), args


def test_a_class_named_in_the_plural_is_offered_as_the_class(fixture_store, tmp_path):
    """newuser26 F5: export --focus companies led to a source-kind concept; the commands offered
    run."""
    store = ["--store", str(fixture_store)]
    for args, said in (
        (["export", "--focus", "companies"], "unknown entity 'companies'. 'companies' names a class: give it as --class atmp:Company."),
        (["view", "--focus", "Therapies"], "unknown entity 'Therapies'. 'Therapies' names a class: give it as --class atmp:Therapy."),
        (["export", "--focus", "agencies"], "unknown entity 'agencies'. 'agencies' names a class: give it as --class atmp:RegulatoryAgency."),
        (["export", "--class", "Classes"], "unknown class 'Classes'. Give a class such as atmp:Therapy (see 'atmpkg stats')."),
    ):
        result = CliRunner().invoke(cli, [*args, *store])
        assert (result.exit_code, result.stderr) == (1, f"Error: {said}\n"), args
    out = tmp_path / "c.ttl"
    offered = CliRunner().invoke(cli, ["export", "--class", "atmp:Company", "-o", str(out), *store])
    assert offered.exit_code == 0 and "company:bigpharma" in out.read_text()
    ranked = CliRunner().invoke(cli, ["rank", "--class", "atmp:Therapy", *store])
    assert ranked.exit_code == 0 and "Alphacel" in ranked.stdout


def test_class_takes_each_name_of_a_class_also_in_the_plural(fixture_store, tmp_path):
    """rev26 F4: --class agency and --class review were taken, --class agencies and --class
    reviews were unknown (as --class companies was: did you mean 'atmp:Company'?); each name
    --class takes is taken in the plural too, and names the class a class given without --class
    is offered as (one table)."""
    from atmpkg.cli import _classes_by_name
    from atmpkg.graph.errors import UnknownNameError
    from atmpkg.graph.slice.subgraph import resolve_class
    from atmpkg.graph.store.build import open_store
    from atmpkg.graph.terms import shorten

    store = open_store(fixture_store).store
    for name, cls in _classes_by_name().items():
        plural = name[:-1] + "ies" if name.endswith("y") else name + "s"
        assert shorten(resolve_class(name, store)) == shorten(resolve_class(plural, store)) == cls
    with pytest.raises(UnknownNameError, match="unknown class 'Classes'"):
        resolve_class("Classes", store)
    exported = []
    for name in ("agencies", "agency", "atmp:RegulatoryAgency"):
        out = tmp_path / f"{name.replace(':', '-')}.ttl"
        result = CliRunner().invoke(
            cli, ["export", "--class", name, "-o", str(out), "--store", str(fixture_store)]
        )
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (
            0,
            f"Exported 23 triples as ttl to {out}",
        )
        exported.append(out.read_text())
    assert exported[0] == exported[1] == exported[2]
    ranked = CliRunner().invoke(cli, ["rank", "--class", "Therapies", "--store", str(fixture_store)])
    assert ranked.exit_code == 0 and "Alphacel" in ranked.stdout


def test_a_variable_of_a_query_file_given_without_p_says_how_to_bind_it(tmp_path, monkeypatch):
    """joints23 F8: x=target:bcma after --file was told "give exactly one of", one being given."""
    monkeypatch.chdir(tmp_path)
    Path("v.rq").write_text("SELECT ?t ?x WHERE { ?t atmp:target ?x }\n")
    Path("h.rq").write_text("# param: x target -\nSELECT ?t ?x WHERE { ?t atmp:target ?x }\n")
    for args, said in (
        (["query", "--file", "v.rq", "x=target:bcma"], "?x is a variable of the query: to bind it, give it as -p x=target:bcma"),
        (["export", "--file", "v.rq", "x=target:bcma"], "?x is a variable of the query: to bind it, give it as -p x=target:bcma"),
        (["view", "--file", "h.rq", "x=bcma"], "x is a parameter of the query text (its param: header): give it as -p x=bcma"),
        (
            ["query", "--file", "v.rq", "y=target:bcma"],
            "give exactly one of: SPARQL text, --file F.rq, --name NAME ('y=target:bcma' was read as SPARQL text)",
        ),
    ):
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, f"Error: {said}"), args

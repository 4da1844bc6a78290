"""The command line: every command has help and is documented in the README; show, stats, queries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from atmpkg.cli import cli

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
    assert lines[0] == "Genex  <https://w3id.org/atmp-kg/id/therapy/genex>"
    assert "  developed by: GeneCorp (company:genecorp)" in lines
    assert "  Big Pharma – Genex (licensing, 2019) --deal target--> this" in lines
    assert "  GeneCorp prices Genex  https://genecorp.example/news/genex-price" in lines


def test_show_suggests_close_names(fixture_store):
    result = CliRunner().invoke(cli, ["show", "Genecorpp", "--store", str(fixture_store)])
    assert result.exit_code == 1
    assert "Error: unknown entity 'Genecorpp'; did you mean 'genecorp'" in result.stderr


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
    assert re.match(r"\d+ triples, 7 sources; built 20\d\d-\d\d-\d\dT", result.stdout)
    assert "  atmp:Approval               8" in result.stdout.splitlines()
    assert result.stdout.splitlines()[1] == "Data as of 2026 (the newest source document it cites)"


def test_version_names_the_package_version_and_the_datas_date():
    import csv

    from atmpkg import __version__

    sources = Path(__file__).parent.parent / "graph" / "data" / "sources.csv"
    with sources.open(encoding="utf-8") as f:
        newest = max(row["issued"] for row in csv.DictReader(f) if row["issued"])
    result = CliRunner().invoke(cli, ["--version"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"atmpkg {__version__}, curated data as of {newest}\n",
    )


def test_queries_lists_names_summaries_and_parameters():
    result = CliRunner().invoke(cli, ["queries"])
    assert result.exit_code == 0
    assert "approvals-by-agency-year\n    Approvals per agency and year" in result.stdout
    assert "-p agency=<agency>" in result.stdout


def test_usage_error_exits_2():
    result = CliRunner().invoke(cli, ["query"])
    assert result.exit_code == 2


def test_the_installed_command_runs(fixture_store):
    result = subprocess.run(
        [sys.executable, "-m", "atmpkg.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_every_named_query_is_listed_in_the_readme():
    from atmpkg import queries

    missing = [name for name in queries.names() if f"| `{name}` |" not in README]
    assert missing == []

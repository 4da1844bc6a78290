"""The web UI of ``atmpkg serve`` in headless Chromium (Playwright, with Debian's chromium): run a
named query, read the table, switch to the graph and the chart, download CSV, follow a shared link,
open an entity page; no request ever leaves the server, and no value becomes markup.

Chromium comes from Debian (``apt-get install -y chromium``), never from ``playwright install``.
These tests fail, not skip, when it is missing."""

from __future__ import annotations

import urllib.parse

import pytest
from click.testing import CliRunner

from atmpkg.cli import cli
from atmpkg.graph.server.http import make_server


@pytest.fixture(scope="module")
def server(fixture_store):
    srv = make_server(fixture_store, port=0, timeout=20).start()
    yield srv
    srv.shutdown()


@pytest.fixture
def page(browser, server):
    """A fresh page that records every request it makes and every console error and CSP report."""
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.requests = []
    tab.problems = []
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(m.text))
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.set_default_timeout(30_000)
    yield tab
    context.close()
    local = [
        u
        for u in tab.requests
        if u.startswith(server.url + "/") or u.startswith(("data:", "about:"))
    ]
    assert local == tab.requests, f"requests left the server: {set(tab.requests) - set(local)}"


def cli_csv(store, *args) -> list[str]:
    result = CliRunner().invoke(cli, ["query", *args, "--format", "csv", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_named_query_table_graph_chart_and_csv_download(page, server, fixture_store, tmp_path):
    page.goto(server.url + "/")
    page.select_option("#named", "products-by-target")
    page.fill("#params input[name=target]", "cd19")
    page.click("#run")
    rows = page.locator("#view-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Alphacel" in rows.first.inner_text()
    link = page.locator("#view-table tbody tr a").first
    assert link.get_attribute("href") == "/id/target/cd19"
    assert "name=products-by-target" in page.url and "p=target%3Dcd19" in page.url

    page.click('[data-view="graph"]')
    page.frame_locator("#graph").locator("canvas").first.wait_for()
    graph = next(f for f in page.frames if "/graph?" in f.url)
    assert graph.title() == "ATMP-KG: products-by-target"
    assert "CD19" in graph.content()

    page.click('[data-view="chart"]')
    assert page.locator("#view-chart svg rect").count() == 1

    with page.expect_download() as download:
        page.click('#downloads a[data-format="csv"]')
    saved = tmp_path / "result.csv"
    download.value.save_as(saved)
    expected = cli_csv(fixture_store, "--name", "products-by-target", "-p", "target=cd19")
    assert saved.read_text(encoding="utf-8").splitlines() == expected
    assert not page.problems, page.problems
    assert any(u.startswith(server.url + "/graph?") for u in page.requests)
    assert all(u.startswith((server.url + "/", "data:", "about:")) for u in page.requests), (
        page.requests
    )


def test_shared_link_runs_its_query(page, server):
    text = "SELECT ?t ?l WHERE { ?t a atmp:Therapy ; rdfs:label ?l } ORDER BY ?l"
    page.goto(server.url + "/?" + urllib.parse.urlencode({"query": text}))
    page.locator("#view-table tbody tr").nth(2).wait_for()
    cells = page.locator("#view-table tbody tr td:nth-child(2)").all_inner_texts()
    assert cells == ["Alphacel", "Betacel", "Genex"]
    assert page.input_value("#editor") == text
    assert page.locator("#share").get_attribute("href") == "/?" + urllib.parse.urlencode(
        {"query": text}
    )
    page.goto(server.url + "/?name=products-by-target&p=target%3Dbcma")
    page.locator("#view-table tbody tr").first.wait_for()
    assert page.input_value("#params input[name=target]") == "bcma"
    assert page.locator("#view-table tbody tr").count() == 1
    assert not page.problems, page.problems


def test_values_are_never_markup(page, server):
    evil = '<img src=x onerror="document.title=1">'
    text = f"SELECT ?x WHERE {{ BIND({json_string(evil)} AS ?x) }}"
    page.goto(server.url + "/?" + urllib.parse.urlencode({"query": text}))
    cell = page.locator("#view-table tbody td").first
    cell.wait_for()
    assert cell.inner_text() == evil
    assert page.locator("#view-table img").count() == 0
    assert page.title() != "1"


def test_errors_are_shown(page, server):
    page.goto(server.url + "/?" + urllib.parse.urlencode({"query": "SELECT * WHERE {"}))
    error = page.locator("#error")
    error.wait_for()
    assert error.inner_text().startswith("400 Bad Request: SPARQL syntax error at line 1")


def test_construct_shows_triples_and_graph_downloads(page, server):
    text = "CONSTRUCT WHERE { therapy:genex ?p ?o }"
    page.goto(server.url + "/?" + urllib.parse.urlencode({"query": text}))
    page.locator("#view-table tbody tr").first.wait_for()
    assert page.locator("#view-table th").all_inner_texts() == ["subject", "predicate", "object"]
    formats = page.locator("#downloads a").evaluate_all("links => links.map(a => a.dataset.format)")
    assert formats == ["ttl", "nt", "jsonld", "rdfxml"]


def test_entity_page_with_its_graph(page, server):
    page.goto(server.url + "/id/company/cellco")
    assert page.locator("h1").inner_text() == "CellCo"
    page.frame_locator("iframe.graph").locator("canvas").first.wait_for()
    page.click("text=Big Pharma >> nth=0")
    page.wait_for_url(server.url + "/id/company/bigpharma")
    assert page.locator("h1").inner_text() == "Big Pharma"
    assert not page.problems, page.problems


def json_string(text: str) -> str:
    """A SPARQL string literal holding ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_chart_plots_counts_by_agency_and_year_and_a_value_can_be_chosen(page, server):
    page.goto(server.url + "/?name=approvals-by-agency-year")
    page.locator("#view-table tbody tr").first.wait_for()
    page.click('[data-view="chart"]')
    caption = page.locator("#view-chart p.hint")
    assert caption.inner_text() == "approvals by agencyName, year"
    texts = "els => els.map(e => e.textContent)"
    labels = page.locator("#view-chart svg text[text-anchor=end]").evaluate_all(texts)
    assert labels[:3] == ["EMA 2018", "EMA 2020", "FDA 2017"]
    values = page.locator("#view-chart svg rect title").evaluate_all(texts)
    assert values[:3] == ["EMA 2018: 1", "EMA 2020: 1", "FDA 2017: 1"]
    page.select_option("#chart-value", label="labelExpansions")
    assert caption.inner_text() == "labelExpansions by agencyName, year"
    assert not page.problems, page.problems


def test_an_error_clears_the_previous_answer(page, server):
    page.goto(server.url + "/?name=approvals-by-agency-year")
    page.locator("#view-table tbody tr").first.wait_for()
    page.select_option("#named", "")
    page.fill("#editor", "SELECT * WHERE {")
    page.click("#run")
    page.locator("#error").wait_for()
    assert page.locator("#results").is_hidden()
    assert page.locator("#downloads a").count() == 0
    assert page.locator("#view-table tr").count() == 0

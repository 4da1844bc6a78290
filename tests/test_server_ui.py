"""The web UI of ``atmpkg serve`` in headless Chromium (Playwright, with Debian's chromium): the
YASGUI editor with completion from this server, the result table with paging and sorting, query
tabs kept across visits, named queries with their parameters, the graph and the chart, downloads,
shared links, entity pages; no request ever leaves the server (any that tried would be aborted and
fail the test), and no value becomes markup.

Chromium comes from Debian (``apt-get install -y chromium``), never from ``playwright install``.
These tests fail, not skip, when it is missing."""

from __future__ import annotations

import csv
import json
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner
from conftest import FIXTURE_DATA, INVISIBLE, INVISIBLE_SHOWN, on_one_day

from atmpkg.cli import cli
from atmpkg.graph import build
from atmpkg.graph.errors import HIDDEN, visible
from atmpkg.graph.server.http import make_server

#: The query tab on screen (YASGUI keeps the others in the page, hidden).
TAB = "#yasgui .tabPanel.active"
ROWS = f"{TAB} .yasr_results tbody tr"
THERAPIES = "SELECT ?t ?l WHERE { ?t a atmp:Therapy ; rdfs:label ?l } ORDER BY ?l"
#: What the browser itself logs for an answer with an error status (the page expects those).
FAILED_LOAD = "Failed to load resource: the server responded with a status of 400"


@pytest.fixture(scope="module")
def server(fixture_store):
    srv = make_server(fixture_store, port=0, timeout=20).start()
    yield srv
    srv.shutdown()


@pytest.fixture
def page(browser, server):
    """A fresh page that records every request it makes and every console error and CSP report.
    A request for anything but this server is aborted and recorded: none may be attempted."""
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.requests = []
    tab.outside = []
    tab.problems = []

    def local_only(route):
        url = route.request.url
        if url.startswith((server.url + "/", "data:", "about:", "blob:")):
            route.continue_()
        else:
            tab.outside.append(url)
            route.abort()

    tab.route("**/*", local_only)
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(m.text))
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.set_default_timeout(30_000)
    yield tab
    context.close()
    assert tab.outside == [], f"requests tried to leave the server: {tab.outside}"
    local = [
        u
        for u in tab.requests
        if u.startswith(server.url + "/") or u.startswith(("data:", "about:", "blob:"))
    ]
    assert local == tab.requests, f"requests left the server: {set(tab.requests) - set(local)}"


def cli_csv(store, *args) -> list[str]:
    result = CliRunner().invoke(cli, ["query", *args, "--format", "csv", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def editor_text(page) -> str:
    return page.locator(f"{TAB} .CodeMirror").evaluate("cm => cm.CodeMirror.getValue()")


def set_editor(page, text: str) -> None:
    """Put ``text`` in the editor with the cursor at its end, as if typed there."""
    page.locator(f"{TAB} .CodeMirror").evaluate(
        "(cm, text) => { const e = cm.CodeMirror; e.setValue(text); e.focus();"
        " e.setCursor(e.lineCount(), 0); }",
        text,
    )


def column(page, number: int) -> list[str]:
    return page.locator(f"{ROWS} td:nth-child({number})").all_inner_texts()


def open_query(page, server, text: str) -> None:
    page.goto(server.url + "/?" + urllib.parse.urlencode({"query": text}))
    page.locator(ROWS).first.wait_for()


def test_the_page_runs_yasgui_from_this_server_only(page, server):
    page.goto(server.url + "/")
    page.locator(f"{TAB} .yasqe .CodeMirror").wait_for()
    assert editor_text(page) == (
        "SELECT ?therapy ?name ?developer WHERE {\n"
        "  ?therapy a atmp:Therapy ; rdfs:label ?name .\n"
        "  OPTIONAL { ?therapy atmp:developedBy/rdfs:label ?developer }\n"
        "}\nORDER BY ?name\nLIMIT 50\n"
    )
    assert page.locator("#yasgui .tabsList .tab").all_inner_texts() == ["Query\n✖"]
    page.click("#run")
    page.locator(ROWS).nth(2).wait_for()
    assert column(page, 3) == ['"Alphacel"@en', '"Betacel"@en', '"Genex"@en']
    assert column(page, 4) == ['"CellCo"@en', '"CellCo Europe"@en', '"GeneCorp"@en']
    # Instances link to their pages here; no IRI links off the page.
    links = page.locator(f"{ROWS} a.iri").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert links == ["/id/therapy/alphacel", "/id/therapy/betacel", "/id/therapy/genex"]
    assert page.locator(f"{TAB} .yasr_response_chip").inner_text().startswith("3 results in ")
    # YASGUI's own download: the table as CSV, made in the page.
    with page.expect_download() as download:
        page.click(f"{TAB} .yasr_downloadIcon")
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.readline().strip() == '"therapy","name","developer"'
    scripts = page.locator("script").evaluate_all("s => s.map(e => e.getAttribute('src'))")
    assert scripts == ["/static/vendor/yasgui/yasgui.min.js", "/static/showable.js", "/static/app.js"]
    assert not page.problems, page.problems


def test_completion_offers_the_ontology_terms(page, server):
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    set_editor(page, "SELECT * WHERE {\n  ?t a ")
    page.keyboard.type("atmp:Th")
    hints = page.locator(".CodeMirror-hints li")
    # the list narrows as the letters arrive: it is read once it matches what was typed
    expect(hints).to_have_text(["atmp:Therapy"])
    page.keyboard.press("Enter")
    assert editor_text(page) == "SELECT * WHERE {\n  ?t a atmp:Therapy"
    page.keyboard.type(" ; atmp:develop")
    expect(hints).to_have_text(["atmp:developedBy", "atmp:develops"])
    page.keyboard.press("Escape")
    assert not page.problems, page.problems


def test_predeclared_prefixes_are_no_syntax_error(page, server):
    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    marker = page.locator(f"{TAB} .parseErrorIcon")
    set_editor(
        page, "SELECT ?x WHERE { ?x a atmp:Approval ; atmp:agency agency:fda ; rdfs:label ?l }"
    )
    page.keyboard.type("\n")
    assert marker.count() == 0
    # An undeclared prefix is still an error: the editor checks, it only knows the server's.
    set_editor(page, "SELECT ?x WHERE { ?x a nowhere:Thing }")
    page.keyboard.type("\n")
    marker.wait_for()
    assert marker.count() == 1
    assert not page.problems, page.problems


def test_named_query_table_graph_chart_and_csv_download(page, server, fixture_store, tmp_path):
    page.goto(server.url + "/")
    page.select_option("#named", "products-by-target")
    page.fill("#params input[name=target]", "cd19")
    page.click("#run")
    rows = page.locator(ROWS)
    rows.first.wait_for()
    assert rows.count() == 1
    # a table for people, as on the command line: the parameter given (target) is no column,
    # values are text, and an entity is its name, linked to its page
    headers = page.locator(f"{TAB} .yasr_results thead th:visible").all_inner_texts()
    assert [h.strip() for h in headers] == [
        "targetKind", "therapy", "inn", "modalityName", "developer", "approvals", "endedEverywhere",
    ]  # fmt: skip
    assert rows.first.locator("td").all_inner_texts()[:3] == ["antigen", "Alphacel", "alphacabtagene autoleucel"]
    link = page.locator(f"{ROWS} a").first
    assert (link.inner_text(), link.get_attribute("href")) == ("Alphacel", "/id/therapy/alphacel")
    assert link.get_attribute("title") == "https://w3id.org/atmp-kg/id/therapy/alphacel"
    assert "name=products-by-target" in page.url and "p=target%3Dcd19" in page.url
    assert page.locator(f"{TAB} .CodeMirror").evaluate("cm => cm.CodeMirror.getOption('readOnly')")

    page.click(f"{TAB} .select_graph")
    page.frame_locator(f"{TAB} iframe.graph").locator("canvas").first.wait_for()
    graph = next(f for f in page.frames if "/graph?" in f.url)
    assert graph.title() == "ATMP-KG: query products-by-target (target=cd19)"
    assert "CD19" in graph.content()

    page.click(f"{TAB} .select_chart")
    assert page.locator(f"{TAB} .chart-view svg rect").count() == 1

    with page.expect_download() as download:
        page.click('#downloads a[data-format="csv"]')
    saved = tmp_path / "result.csv"
    download.value.save_as(saved)
    expected = cli_csv(fixture_store, "--name", "products-by-target", "-p", "target=cd19")
    assert saved.read_text(encoding="utf-8").splitlines() == expected
    assert not page.problems, page.problems
    assert any(u.startswith(server.url + "/graph?") for u in page.requests)

    # Back to one's own SPARQL: the text from before the named query, editable again.
    page.select_option("#named", "")
    assert editor_text(page).startswith("SELECT ?therapy ?name ?developer WHERE {")
    assert not page.locator(f"{TAB} .CodeMirror").evaluate(
        "cm => cm.CodeMirror.getOption('readOnly')"
    )
    assert page.locator("#params").is_hidden()


def test_a_named_answer_groups_money_and_shows_entities_by_name(page, server):
    # named12 F6: the web table showed each entity twice and 74000000000 ungrouped
    page.goto(server.url + "/?name=deals-above-value&p=min_value%3D1")
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    headers = page.locator(f"{TAB} .yasr_results thead th:visible").all_inner_texts()
    assert [h.strip() for h in headers][:3] == ["deal", "acquirer", "target"]
    texts = page.locator(ROWS).all_inner_texts()
    assert any("11,900,000,000" in row for row in texts), texts
    assert not any("11900000000" in row for row in texts)
    # sorting a folded column sorts by the name
    header = page.locator(f"{TAB} .yasr_results thead th", has_text="acquirer")
    header.click()
    names = page.locator(f"{ROWS} td:nth-child(2)").all_inner_texts()
    assert names == sorted(names, key=str.lower)
    # with Simple view off, the terms are shown as they are, each name in its column
    page.locator(f"{TAB} .yasr_plugin_control input[type=checkbox]").first.uncheck()
    headers = page.locator(f"{TAB} .yasr_results thead th:visible").all_inner_texts()
    assert "acquirerName" in [h.strip() for h in headers]
    assert not page.problems, page.problems


def test_a_name_without_its_entity_is_shown_in_simple_view(curated_store, browser):
    # rev12: a region a report names, not an entity of the graph, has a segmentName and no
    # segment; folding the names into their entities' columns showed it nowhere
    srv = make_server(curated_store, port=0, timeout=60).start()
    try:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(srv.url + "/?name=segment-shares&p=scope%3Dact-cancer")
        tab.click("#run")
        tab.locator(ROWS).first.wait_for()
        headers = [h.strip() for h in tab.locator(f"{TAB} .yasr_results thead th:visible").all_inner_texts()]
        at = headers.index("segment") + 1
        segments = tab.locator(f"{ROWS} td:nth-child({at})").all_inner_texts()
        assert "North America (ACT-for-cancer report scheme)" in segments
        context.close()
    finally:
        srv.shutdown()


def test_the_table_pages_and_sorts(page, server):
    from playwright.sync_api import expect

    open_query(page, server, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 120")
    info = page.locator(f"{TAB} .dt-info")
    assert info.inner_text() == "Showing 1 to 50 of 120 entries"
    assert page.locator(ROWS).count() == 50
    page.click(f"{TAB} .dt-paging button.next")
    expect(info).to_have_text("Showing 51 to 100 of 120 entries")
    assert page.locator(f"{ROWS} td:first-child").first.inner_text() == "51"

    open_query(page, server, THERAPIES)
    assert column(page, 3) == ['"Alphacel"@en', '"Betacel"@en', '"Genex"@en']
    header = page.locator(f"{TAB} .yasr_results thead th", has_text="l")
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert column(page, 3) == ['"Genex"@en', '"Betacel"@en', '"Alphacel"@en']
    # numbers sort as numbers: 9 before 10 and 100
    open_query(page, server, "SELECT ?n WHERE { VALUES ?n { 100 9 10 } }")
    header = page.locator(f"{TAB} .yasr_results thead th", has_text="n")
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert column(page, 2) == ['"9"^^xsd:integer', '"10"^^xsd:integer', '"100"^^xsd:integer']
    assert not page.problems, page.problems


def test_a_number_set_right_keeps_clear_of_the_next_column(page, server):
    """newuser20 F8: a right-aligned count ran into the next column's text ('9false')."""
    open_query(page, server, "SELECT ?n ?b WHERE { VALUES (?n ?b) { (9 false) (11 true) } }")
    page.locator(ROWS).nth(1).wait_for()
    gaps = page.evaluate(
        """(rows) => [...document.querySelectorAll(rows)].map((row) => {
             const text = (cell) => { const range = document.createRange();
               range.selectNodeContents(cell); return range.getBoundingClientRect(); };
             const number = row.querySelector('td.dt-type-numeric');
             return text(number.nextElementSibling).left - text(number).right; })""",
        ROWS,
    )
    assert len(gaps) == 2 and min(gaps) >= 18, gaps
    assert not page.problems, page.problems


def test_a_date_set_right_keeps_clear_of_the_next_column_and_each_header_its_arrows(page, server):
    """newuser23 F26: a right-aligned date ran into the next column's text ("2020-07-24false"),
    and a right-aligned header's sort arrows sat on its left, against the previous header's, where
    the two pairs read as a header with no name for the hidden developerName."""
    page.goto(server.url + "/?name=company-portfolio&p=company%3Dcellco")
    page.click("#run")
    page.locator(ROWS).nth(1).wait_for()
    table = page.evaluate(
        """(rows) => {
             const box = (node) => { const range = document.createRange();
               range.selectNodeContents(node); return range.getBoundingClientRect(); };
             const table = document.querySelector(rows).closest('table');
             const headers = [...table.querySelectorAll('thead th')];
             return {
               headers: headers.map((th) => th.innerText.trim()),
               cells: [...document.querySelectorAll(rows)].map((row) => row.cells.length),
               arrowsAfterTitle: headers.every((th) =>
                 th.querySelector('.dt-column-order').getBoundingClientRect().left
                 >= box(th.querySelector('.dt-column-title')).right),
               gaps: [...document.querySelectorAll(rows)].map((row) => {
                 const date = row.querySelector('td.dt-type-date');
                 return [date.innerText, box(date.nextElementSibling).left - box(date).right]; }),
             }; }""",
        ROWS,
    )
    assert table["headers"] == [
        "therapy", "inn", "modalityName", "developer", "approvals", "firstApproval",
        "endedEverywhere", "held",
    ]  # fmt: skip
    assert table["cells"] == [8, 8] and table["arrowsAfterTitle"] is True
    assert [date for date, _ in table["gaps"]] == ["2017-08-30", "2021-03-26"]
    assert min(gap for _, gap in table["gaps"]) >= 18, table["gaps"]
    assert not page.problems, page.problems


#: Each column of the table on screen: its header, whether the header is cut, and each cell's
#: text, whether it is cut (its text wider than its box) and its title.
TABLE_CELLS = """(rows) => {
  const line = (node) => { const range = document.createRange(); range.selectNodeContents(node);
    return range.getBoundingClientRect().width; };
  const table = document.querySelector(rows).closest('table');
  return [...table.tHead.rows[0].cells].map((th, i) => {
    const title = th.querySelector('.dt-column-title');
    return {
      header: th.innerText.trim(),
      // its title takes its whole text's width, and the title and its arrows end inside the header
      headerCut: line(title) > title.getBoundingClientRect().width + 0.5
        || [...title.parentNode.children].some((part) => part.getBoundingClientRect().right
          > th.getBoundingClientRect().right - parseFloat(getComputedStyle(th).paddingRight) + 0.5),
      cells: [...table.tBodies[0].rows].map((row) => {
        const value = row.cells[i].firstElementChild || row.cells[i];  // an unbound value has no div
        return [value.innerText, value.scrollWidth > value.clientWidth, value.title]; }),
    }; }); }"""


def test_short_values_and_headers_are_never_cut_and_a_cut_text_shows_itself_whole(curated_store, browser):
    """joints27 F2: YASGUI's "Ellipse" cut pending-reviews' decision dates to "2026-…" and its
    headers to "agenc", "goalDa", with no title to read them by. As on the command line, dates,
    numbers and values of up to ten characters are never cut, nor headers; a longer text is cut,
    its whole text its title and a click away."""
    srv = make_server(curated_store, port=0, timeout=60).start()
    try:
        context = browser.new_context()
        tab = context.new_page()
        for width in (1400, 1920):
            tab.set_viewport_size({"width": width, "height": 1100})
            tab.goto(srv.url + "/?name=pending-reviews&p=as_of%3D2026-12-03")
            tab.click("#run")
            tab.locator(ROWS).nth(4).wait_for()
            columns = {c["header"]: c for c in tab.evaluate(TABLE_CELLS, ROWS)}
            # no listed review has an approval that day: as on the command line, no column for it
            assert list(columns) == [
                "agency", "therapy", "indication", "sponsor", "submission", "accepted", "goalDate",
                "goalKind", "status", "review",
            ]  # fmt: skip
            assert tab.locator(f"{TAB} .no-value").all_inner_texts() == ["no value on any row: approval"]
            assert [h for h, c in columns.items() if c["headerCut"]] == [], width
            assert columns["goalDate"]["cells"] == [
                ["", False, ""],
                ["2026-08-22", False, ""],
                ["2026-09-19", False, ""],
                ["2026-12-23", False, ""],
                ["", False, ""],
            ], width
            assert [c[:2] for c in columns["accepted"]["cells"]] == [
                ["", False], ["2026-03", False], ["2026-04", False], ["", False], ["2025-05", False],
            ]  # fmt: skip
            assert [c[:2] for c in columns["agency"]["cells"]] == [
                ["EMA", False], ["FDA", False], ["FDA", False], ["FDA", False], ["NMPA", False],
            ]  # fmt: skip
            assert [c[:2] for c in columns["goalKind"]["cells"]] == [
                ["", False], ["PDUFA date", False], ["PDUFA date", False], ["PDUFA date", False], ["", False],
            ]  # fmt: skip
            # a long text is still cut, its whole text its title, and shown whole on a click
            indication = "Mucopolysaccharidosis type IIIA (Sanfilippo syndrome type A)"
            assert columns["indication"]["cells"][2] == [indication, True, indication], width
            cell = tab.locator(f"{ROWS} td:nth-child(3) > div").nth(2)
            cell.click()
            assert "expanded" in cell.get_attribute("class")
            assert cell.evaluate("div => div.scrollWidth <= div.clientWidth") is True
        # rev27b F3: typed numbers in the full view ("0.5"^^xsd:decimal) are widened to their
        # text, and names beside them stay whole: the table grows instead of cutting them
        tab.set_viewport_size({"width": 1400, "height": 1100})
        binds = " ".join(f"BIND({n}.5 AS ?n{n})" for n in range(8))
        typed = (
            f"SELECT ?name {' '.join(f'?n{n}' for n in range(8))} WHERE {{ "
            f"?c a atmp:Company ; rdfs:label ?name FILTER(?c = company:bristol-myers-squibb) {binds} }}"
        )
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": typed}))
        tab.click("#run")
        tab.locator(ROWS).first.wait_for()
        columns = {c["header"]: c for c in tab.evaluate(TABLE_CELLS, ROWS)}
        assert columns["name"]["cells"] == [['"Bristol Myers Squibb"@en', False, ""]]
        assert columns["n7"]["cells"] == [['"7.5"^^xsd:decimal', False, ""]]
        context.close()
    finally:
        srv.shutdown()


#: Each cell of the visible rows of the table on screen: [its text, the part of it inside its box
#: (a value cut shows less), its padding left and right in px, whether it is cut from its start].
SHOWN_CELLS = """(rows) => [...document.querySelectorAll(rows)].map((row) => [...row.cells].map((td) => {
  const box = (td.firstElementChild || td).getBoundingClientRect();
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  let shown = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width && r.left >= box.left - 0.5 && r.right <= box.right + 0.5) shown += node.data[i];
    }
  }
  const style = getComputedStyle(td);
  return [td.textContent, shown, parseFloat(style.paddingLeft), parseFloat(style.paddingRight),
    td.classList.contains("by-end")];
}))"""


def test_columns_keep_a_gap_and_an_iri_cut_keeps_its_end(curated_store, browser):
    """joints28 F4: the table's cells had no padding ("2014-11-19Community" read as one), and an
    entity's IRI shown as itself was cut at its end, which is what tells it apart: both Elevidys
    rows of withdrawn-products read "event:elevidys-anvisa-suspended-202…". As on the command line
    (…evidys-anvisa-suspended-2025-07-24), such an IRI keeps its end; a name, a title and a date
    do not change."""
    srv = make_server(curated_store, port=0, timeout=60).start()
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        tab = context.new_page()
        tab.goto(srv.url + "/?name=withdrawn-products")
        tab.locator(ROWS).nth(4).wait_for()
        headers = [h.strip() for h in tab.locator(f"{TAB} .yasr_results thead th").all_inner_texts()]
        assert headers == ["agency", "therapy", "ended", "how", "event", "source", "sourceUrl", "note"]
        rows = tab.evaluate(SHOWN_CELLS, ROWS)
        assert len(rows) == 25
        assert min(pad for row in rows for cell in row for pad in cell[2:4]) >= 7.0
        # only the event column, of IRIs, is cut from its start
        assert {tuple(cell[4] for cell in row) for row in rows} == {
            (False, False, False, False, True, False, False, False)
        }
        event = "event:elevidys-anvisa-suspended-2025-07-24"
        elevidys = [row[4] for row in rows if row[1][0] == "Elevidys"]
        assert [cell[0] for cell in elevidys] == [event, event]
        for text, shown, *_ in elevidys:
            # "…" (CSS's, no text) stands for what the box leaves out of its start
            assert 20 < len(shown) < len(text) and text.endswith(shown)
        cut = tab.locator(f"{ROWS} td:nth-child(5) > div").first
        assert cut.evaluate("d => getComputedStyle(d).textOverflow") == "ellipsis"
        # a cut IRI is its title, and whole on a click, in its order
        assert cut.get_attribute("title") == event
        cut.click()
        assert "expanded" in cut.get_attribute("class")
        assert cut.inner_text() == event
        dates = [row[2] for row in rows]
        assert all(text == shown for text, shown, *_ in dates)
        # a value that fits is shown whole, from its start, as before (here, where its column
        # has a source's address and a note beside it, no event fits in 200 px): where the
        # events have room, each is whole, though its column is still one of IRIs
        events = "SELECT ?event ?how WHERE { ?event atmp:eventKind/skos:prefLabel ?how }"
        tab.goto(srv.url + "/?query=" + urllib.parse.quote(events))
        tab.locator(ROWS).nth(4).wait_for()
        whole = [row[1] for row in tab.evaluate(SHOWN_CELLS, ROWS)]
        lifecycle = FIXTURE_DATA.parents[2] / "graph" / "data" / "lifecycle.csv"
        with lifecycle.open(encoding="utf-8", newline="") as read:
            assert len(whole) == len(list(csv.DictReader(read)))
        assert all(text == shown and by_end for text, shown, *_, by_end in whole)
        context.close()
    finally:
        srv.shutdown()

def test_query_tabs_are_kept_across_visits(page, server):
    open_query(page, server, THERAPIES)
    page.click("#yasgui .tabsList .addTab")
    page.locator("#yasgui .tabsList .tab").nth(1).wait_for()
    set_editor(page, "ASK { therapy:genex a atmp:Therapy }")
    page.click("#run")
    page.locator(f"{TAB} .yasr_results", has_text="true").wait_for()
    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    assert page.locator("#yasgui .tabsList .tab").all_inner_texts() == ["Query\n✖", "Query 1\n✖"]
    assert editor_text(page) == "ASK { therapy:genex a atmp:Therapy }"
    page.click("#yasgui .tabsList .tab >> nth=0")
    assert editor_text(page) == THERAPIES
    # Its answer was kept as well.
    assert column(page, 3) == ['"Alphacel"@en', '"Betacel"@en', '"Genex"@en']
    assert not page.problems, page.problems


def test_shared_link_runs_its_query(page, server):
    from playwright.sync_api import expect

    open_query(page, server, THERAPIES)
    page.locator(ROWS).nth(2).wait_for()
    assert column(page, 3) == ['"Alphacel"@en', '"Betacel"@en', '"Genex"@en']
    assert editor_text(page) == THERAPIES
    link = "/?" + urllib.parse.urlencode({"query": THERAPIES})
    assert page.locator("#share").get_attribute("href") == link
    # YASGUI's own share button gives the same link.
    page.click(f"{TAB} .yasqe_share")
    shared = page.locator(f"{TAB} .yasqe_sharePopup input")
    assert shared.input_value() == server.url + link
    # The tab shows its kept answer until the linked query's arrives.
    page.goto(server.url + "/?name=products-by-target&p=target%3Dbcma")
    expect(page.locator(ROWS)).to_have_count(1)
    assert page.input_value("#params input[name=target]") == "bcma"
    assert "Betacel" in page.locator(ROWS).inner_text()
    assert not page.problems, page.problems


def test_a_link_from_another_site_shows_its_query_and_waits_for_run(browser, server):
    """Another site's page that sends the browser to a query link (no click needed) cannot make
    the server run it: the query opens in a tab of its own, and runs when the user says so."""
    context = browser.new_context()
    tab = context.new_page()
    link = server.url + "/?" + urllib.parse.urlencode({"query": THERAPIES})
    sender = f"<script>location.href = {json_string(link)};</script>"
    tab.route("http://other.example/**", lambda r: r.fulfill(body=sender, content_type="text/html"))
    posted = []
    tab.on("request", lambda r: r.method == "POST" and posted.append(r.url))
    tab.goto("http://other.example/send.html")
    tab.locator("#status").filter(has_text="came from another site").wait_for()
    assert (editor_text(tab), posted) == (THERAPIES, [])
    # not run, the tab is not kept: the next visit opens without it
    later = context.new_page()
    later.goto(server.url + "/")
    later.locator(f"{TAB} .yasqe .CodeMirror").wait_for()
    assert later.locator("#yasgui .tabsList .tab").count() == 1
    assert editor_text(later) != THERAPIES
    later.close()
    tab.goto("http://other.example/send.html")
    tab.locator("#status").filter(has_text="came from another site").wait_for()
    tab.click("#run")
    tab.locator(ROWS).nth(2).wait_for()
    assert posted == [server.url + "/sparql"]
    # run, it is the reader's: kept
    later = context.new_page()
    later.goto(server.url + "/")
    later.locator(f"{TAB} .yasqe .CodeMirror").wait_for()
    assert later.locator("#yasgui .tabsList .tab").count() == 2
    context.close()


def test_a_link_with_a_misspelt_name_or_parameter_says_so_and_runs_nothing(page, server):
    from playwright.sync_api import expect

    # the answer of the link before, kept in the tab, goes too: it answered another question
    page.goto(server.url + "/?name=approvals-by-agency-year")
    page.locator(ROWS).first.wait_for()
    # run without the misspelt parameter, the link would answer for every target
    page.goto(server.url + "/?name=products-by-target&p=tagret%3Dbcma")
    expect(page.locator("#error")).to_have_text(
        "unknown parameter 'tagret' of query 'products-by-target'; did you mean 'target'? Its "
        "parameters are: target."
    )
    assert page.locator(f"{TAB} .yasr_results").inner_text() == ""
    assert page.locator(f"{TAB} .yasr_response_chip").inner_text() == ""
    assert page.input_value("#named") == "products-by-target"
    page.goto(server.url + "/?name=approvals-by-agency-year")
    page.locator(ROWS).first.wait_for()
    page.goto(server.url + "/?name=no-such-query")
    expect(page.locator("#error")).to_have_text(
        "unknown named query 'no-such-query'. List them at /api/queries."
    )
    assert page.locator(f"{TAB} .yasr_results").inner_text() == ""
    assert page.input_value("#named") == ""
    # and opened again, the page has no answer to show
    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    assert page.locator(f"{TAB} .yasr_results").inner_text() == ""
    assert [p for p in page.problems if not p.startswith(FAILED_LOAD)] == []


def test_a_kept_answer_is_shown_under_the_named_query_and_parameters_that_gave_it(page, server):
    """A named query's answer depends on its parameters, which its text does not hold: the page
    opened again, or its tab chosen again, shows the name and parameters it was asked with."""
    page.goto(server.url + "/?name=products-by-target&p=target%3Dbcma")
    page.locator(ROWS).first.wait_for()
    page.goto(server.url + "/")
    page.locator(ROWS).first.wait_for()
    assert (page.input_value("#named"), page.input_value("#params input[name=target]")) == (
        "products-by-target",
        "bcma",
    )
    # the table for people of a named query: names as text, the given parameter's column hidden
    headers = page.locator(f"{TAB} .yasr_results thead th:visible").all_inner_texts()
    assert [h.strip() for h in headers] == [
        "targetKind", "therapy", "inn", "modalityName", "developer", "approvals", "endedEverywhere",
    ]  # fmt: skip
    betacel = ["antigen", "Betacel", "betacabtagene autoleucel", "CAR-T cell therapy", "CellCo Europe", "2", "false"]
    assert page.locator(f"{ROWS} td").all_inner_texts() == betacel
    # another tab shows its own SPARQL; back, the named query and its answer are there again
    page.click("#yasgui .tabsList .addTab")
    page.locator("#yasgui .tabsList .tab").nth(1).wait_for()
    expect_picker(page, "")
    page.click("#yasgui .tabsList .tab >> nth=0")
    expect_picker(page, "products-by-target")
    assert page.input_value("#params input[name=target]") == "bcma"
    assert page.locator(f"{ROWS} td").all_inner_texts() == betacel
    # another named query chosen in the picker: the answer below it is not its own
    page.select_option("#named", "approvals-by-agency-year")
    assert page.locator(f"{TAB} .yasr_results").inner_text() == ""
    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    assert page.input_value("#named") == ""
    assert page.locator(f"{TAB} .yasr_results").inner_text() == ""
    assert not page.problems, page.problems


def expect_picker(page, name: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#named")).to_have_value(name)


def test_the_page_opens_on_its_controls_and_fits_a_narrow_window(page, server):
    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    reached = []
    for _ in range(5):  # the editor does not take the focus: Tab goes through the controls
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert reached[-2:] == ["named", "run"]
    assert "editor, Tab indents" in page.text_content("#keys")
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(server.url + "/?name=products-by-target&p=target%3Dcd19")
    page.locator(ROWS).first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") == 400  # the table scrolls
    assert not page.problems, page.problems


def test_values_are_never_markup(page, server):
    evil = '<img src=x onerror="document.title=1">'
    open_query(page, server, f"SELECT ?x WHERE {{ BIND({json_string(evil)} AS ?x) }}")
    cell = page.locator(f"{ROWS} td").nth(1)
    assert cell.inner_text() == evil
    assert page.locator(f"{TAB} .yasr_results img").count() == 0
    assert page.title() != "1"
    # the table's filter finds the value as written, and nothing of it is parsed as markup (the
    # browser would report the page's CSP refusing its handler)
    search = page.locator(f"{TAB} .yasr input.tableFilter")
    search.press_sequentially("onerror")
    from playwright.sync_api import expect

    expect(page.locator(ROWS)).to_have_count(1)
    assert page.locator(f"{ROWS} td").nth(1).inner_text() == evil
    assert not page.problems, page.problems


def test_braces_in_a_value_are_kept_in_the_table_its_download_and_the_chart(page, server, tmp_path):
    # YASGUI's reader rewrote "{{x}}" inside a literal into the row's ?x, or into "x" (sec32 F1)
    label = "Kymriah list price: {{price}} (see {{nothing}} and {{ source }})"
    open_query(
        page, server, f"SELECT ?label ?price WHERE {{ BIND({json_string(label)} AS ?label) BIND(475000 AS ?price) }}"
    )
    assert page.locator(f"{ROWS} td").all_inner_texts()[1] == label
    with page.expect_download() as download:
        page.click(f"{TAB} .yasr_downloadIcon")
    saved = tmp_path / "yasr.csv"
    download.value.save_as(saved)
    with open(saved, encoding="utf-8", newline="") as table:
        assert list(csv.reader(table)) == [["label", "price"], [label, "475000"]]
    set_editor(page, 'SELECT ?label ?n WHERE { VALUES (?label ?n) { ("Novartis {{n}}" 3) ("Gilead {{other}}" 5) } }')
    page.click("#run")
    page.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
    page.click(f"{TAB} .select_chart")
    texts = "els => els.map(e => e.textContent)"
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == ["Novartis {{n}}: 3", "Gilead {{other}}: 5"]
    assert not page.problems, page.problems


NOTES = "#notes p"


def test_the_notes_of_an_answer_are_shown_under_it(page, server):
    # newuser16 F4: an answer empty for a reason the library names showed "No data available in
    # table" alone; the command line prints the reason on stderr
    from playwright.sync_api import expect

    open_query(page, server, 'SELECT ?t WHERE { ?t rdfs:label "Alphacel" }')
    expect(page.locator(NOTES)).to_have_text(
        [
            'Note: rdfs:label "Alphacel" matches no value: the graph holds "Alphacel"@en; write '
            'that, or compare the text alone: FILTER(STR(?value) = "Alphacel")'
        ]
    )
    # a named query's date that took its default
    # the server's worker reads the machine's day on its own: the day it was asked on
    def defaulted() -> list[str]:
        page.goto(server.url + "/?name=authorised-products")
        expect(page.locator(NOTES)).to_have_count(1)
        return page.locator(NOTES).all_inner_texts()

    day, shown = on_one_day(defaulted)
    assert shown == [f"Note: as_of is {day.isoformat()} (default today); give p=as_of=YYYY-MM-DD for another day"]
    # the next answer has none: the notes of the one before go
    page.select_option("#named", "")
    set_editor(page, THERAPIES)
    page.click("#run")
    expect(page.locator("#notes")).to_be_hidden()
    assert page.locator(NOTES).count() == 0
    assert not page.problems, page.problems


def watched_tab(browser):
    """A new browser context and its page, with the list its console errors and uncaught
    exceptions are added to."""
    context = browser.new_context()
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: m.type == "error" and problems.append(m.text))
    tab.on("pageerror", lambda e: problems.append(str(e)))
    return context, tab, problems


def build_with_a_therapy_labelled(tmp_path, label):
    """The fixture's store, in ``tmp_path / "store"``, with therapy:evilcel labelled ``label``."""
    extra = tmp_path / "evil.ttl"
    extra.write_text(
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dct: <http://purl.org/dc/terms/> .\n"
        "<https://w3id.org/atmp-kg/id/therapy/evilcel> a atmp:Therapy ;\n"
        f"  rdfs:label {json_string(label)}@en ;\n"
        "  atmp:developedBy <https://w3id.org/atmp-kg/id/company/genecorp> ;\n"
        "  atmp:modality <https://w3id.org/atmp-kg/id/modality/car-nk> ;\n"
        "  dct:source <https://w3id.org/atmp-kg/id/source/src-news> .\n",
        encoding="utf-8",
    )
    build(tmp_path / "store", data_dir=FIXTURE_DATA, extra_files=[extra])


def test_a_note_is_shown_as_text(browser, tmp_path):
    # a note quotes the query (a string as written there): markup in it stays text
    evil = "<img src=x onerror=alert(1)>"
    build_with_a_therapy_labelled(tmp_path, evil)
    srv = make_server(tmp_path / "store", port=0, workers=1).start()
    try:
        context, tab, problems = watched_tab(browser)
        text = f"SELECT ?t WHERE {{ ?t rdfs:label {json_string(evil)} }}"
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": text}))
        tab.locator(NOTES).first.wait_for()
        assert tab.locator(NOTES).all_text_contents() == [
            f'Note: rdfs:label "{evil}" matches no value: the graph holds "{evil}"@en; write '
            f'that, or compare the text alone: FILTER(STR(?value) = "{evil}")'
        ]
        assert tab.locator("#notes *").count() == 1  # the note's paragraph, and nothing in it
        assert tab.locator("img").count() == 0
        assert problems == []
        context.close()
    finally:
        srv.shutdown()


def test_a_note_longer_than_the_header_holds_is_shown_whole(curated_store, browser):
    """joints28 F3: the page read its notes from ATMPKG-Notes, which cuts each to 400 bytes, and
    deals-above-value's note lost its advice at "a deal with no stated to…"; the page now asks
    /api/notes for them whole, as the Graph tab and the command line show them."""
    from playwright.sync_api import expect

    asked = "name=deals-above-value&p=min_value%3D1000000000"
    args = ["--name", "deals-above-value", "-p", "min_value=1000000000"]
    lines = CliRunner().invoke(cli, ["query", *args, "--store", str(curated_store)]).stderr
    lines = lines.splitlines()
    whole = [line for line in lines if line.startswith("Note: ")]
    assert len(whole) == 2 and len(whole[0]) > 500
    assert whole[0].startswith("Note: 4 deals with no stated total")
    assert whole[0].endswith(
        "a min_value of 100,000,000 lists them, with upfrontUSD, equityUSD and milestonesUSD"
    )
    # and the deals that state no amount (newuser30 F7), with the query that lists them
    assert whole[1].startswith("Note: 35 deals state no total, upfront payment or equity purchase")
    srv = make_server(curated_store, port=0, timeout=60).start()
    try:
        # the header still cuts it, for other clients, as documented
        with urllib.request.urlopen(srv.url + "/sparql?" + asked) as reply:
            header = json.loads(reply.headers["ATMPKG-Notes"])
        assert header[0].endswith("…") and len(json.dumps(header[0])) <= 400
        context, tab, problems = watched_tab(browser)
        tab.goto(srv.url + "/?" + asked)
        expect(tab.locator(NOTES)).to_have_text(whole)
        assert tab.locator("#notes *").count() == 2
        assert problems == []
        context.close()
    finally:
        srv.shutdown()


def test_api_notes_gives_an_answers_notes_whole_and_as_text(browser, tmp_path):
    """/api/notes answers the request /sparql answers with the notes whole; the page shows a long
    note whose query quotes markup as text, whole."""
    from playwright.sync_api import expect

    evil = "<img src=x onerror=alert(1)> é" + "é" * 40  # \u00e9 in the header: 6 bytes each
    build_with_a_therapy_labelled(tmp_path, evil)
    note = (
        f'rdfs:label "{evil}" matches no value: the graph holds "{evil}"@en; write that, or '
        f'compare the text alone: FILTER(STR(?value) = "{evil}")'
    )
    text = f"SELECT ?t WHERE {{ ?t rdfs:label {json_string(evil)} }}"
    srv = make_server(tmp_path / "store", port=0, workers=1).start()
    try:
        form = urllib.parse.urlencode({"query": text}).encode()
        with urllib.request.urlopen(srv.url + "/api/notes", data=form) as reply:
            assert reply.headers["Content-Type"].startswith("application/json")
            assert json.loads(reply.read()) == {"notes": [note]}
        with urllib.request.urlopen(srv.url + "/sparql", data=form) as reply:
            assert json.loads(reply.headers["ATMPKG-Notes"])[0].endswith("…")
        context, tab, problems = watched_tab(browser)
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": text}))
        expect(tab.locator(NOTES)).to_have_text(["Note: " + note])
        assert tab.locator("#notes *").count() == 1
        assert tab.locator("img").count() == 0
        assert problems == []
        context.close()
    finally:
        srv.shutdown()

def test_a_whole_note_quoting_an_imported_label_s_markup_shows_it_as_text(browser, tmp_path):
    """A note that /api/notes gives whole (ATMPKG-Notes cut it) quoting a label the user imported
    with a script element, an ampersand that reads as an entity and both quotes: the page shows
    each character as it is, and runs nothing."""
    from playwright.sync_api import expect

    evil = """<script>document.title='run'</script> &amp; & "q" 'x' """ + "é" * 60
    build_with_a_therapy_labelled(tmp_path, evil)
    # written without an escape (a string with one gets no note): in long quotes
    text = f'SELECT ?t WHERE {{ ?t rdfs:label """{evil}""" }}'
    srv = make_server(tmp_path / "store", port=0, workers=1).start()
    try:
        form = urllib.parse.urlencode({"query": text}).encode()
        with urllib.request.urlopen(srv.url + "/sparql", data=form) as reply:
            assert json.loads(reply.headers["ATMPKG-Notes"])[0].endswith("…")
        with urllib.request.urlopen(srv.url + "/api/notes", data=form) as reply:
            (note,) = json.loads(reply.read())["notes"]
        assert note.startswith(f'rdfs:label """{evil}""" matches no value: the graph holds "<script>')
        context, tab, problems = watched_tab(browser)
        dialogs = []
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": text}))
        expect(tab.locator(NOTES)).to_have_text(["Note: " + note])
        assert tab.locator("#notes *").count() == 1  # the paragraph, nothing made of the note
        assert tab.locator("#notes").inner_html().startswith(
            "<p>Note: rdfs:label \"\"\"&lt;script&gt;document.title='run'&lt;/script&gt; &amp;amp; &amp; \"q\" 'x' "
        )
        assert (tab.title() != "run", problems, dialogs) == (True, [], [])
        context.close()
    finally:
        srv.shutdown()


#: A query whose answer changes at each evaluation (RAND), with more notes than ATMPKG-Notes holds.
VOLATILE_NOTED = (
    "SELECT ?t (RAND() AS ?r) WHERE { ?t a atmp:Therapy "
    + " ".join(f"OPTIONAL {{ ?t atmp:foo{i} ?v{i} }}" for i in range(1, 7))
    + " } ORDER BY ?t"
)


def test_the_notes_of_a_volatile_answer_come_from_the_notes_kept(fixture_store, browser):
    """rev28b F3: /api/notes ran a volatile query (RAND) a second time in full for its notes, as
    its answer is never kept; the notes of each answer served are now kept apart, and the page's
    request right after the answer is answered from them, with no second evaluation."""
    from playwright.sync_api import expect

    whole = [f"Note: atmp:foo{i} is not a term of the ontology: nothing matches it" for i in range(1, 7)]
    srv = make_server(fixture_store, port=0, workers=1).start()

    def kept() -> tuple[dict, dict]:
        with urllib.request.urlopen(srv.url + "/health") as reply:
            health = json.loads(reply.read())
        return health["answers_kept"], health["notes_kept"]

    try:
        context, tab, problems = watched_tab(browser)
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": VOLATILE_NOTED}))
        expect(tab.locator(NOTES)).to_have_text(whole)
        answers, notes = kept()
        # the answer was neither kept nor looked up; its notes were, and found once
        assert answers == {"entries": 0, "bytes": 0, "hits": 0, "misses": 0}
        assert (notes["entries"], notes["hits"], notes["misses"]) == (1, 1, 0)
        assert problems == []
        context.close()
        # asked for an answer not served (another Accept), the query runs: its notes are kept too
        form = urllib.parse.urlencode({"query": VOLATILE_NOTED}).encode()
        asked = urllib.request.Request(srv.url + "/api/notes", form, {"Accept": "text/csv"})
        with urllib.request.urlopen(asked) as reply:
            assert json.loads(reply.read()) == {"notes": [n.removeprefix("Note: ") for n in whole]}
        assert kept()[1]["entries"] == 2
        with urllib.request.urlopen(asked) as reply:
            assert len(json.loads(reply.read())["notes"]) == 6
        assert (kept()[1]["hits"], kept()[1]["misses"]) == (2, 1)
    finally:
        srv.shutdown()


@pytest.mark.parametrize(
    "bind",
    [
        "IRI(\"http://a.example/'style='position:fixed;inset:0;background:red'x\")",
        "IRI(\"http://a.example/'data-local='1'style='position:fixed;inset:0;background:red'\")",
        'STRDT("1", IRI("http://a.example/\'style=\'position:fixed;inset:0;background:red\'"))',
        # attributes a link has anyway: they leave only the address it was cut to
        "IRI(\"https://w3id.org/atmp-kg/id/therapy/alphacel'rel='x\")",
        "IRI(\"https://w3id.org/atmp-kg/id/therapy/alphacel'href='/id/therapy/betacel\")",
    ],
)
def test_a_quote_in_an_iri_adds_nothing_to_the_page(page, server, bind):
    # YASR writes an IRI into a quoted attribute unescaped; what a quote in it would add to the
    # link (a style covering the page) is removed, and the link with its truncated address too
    open_query(page, server, f"SELECT ?x WHERE {{ BIND({bind} AS ?x) }}")
    link = page.locator(f"{ROWS} a.iri")
    link.first.wait_for()
    names = link.evaluate_all("as => as.map(a => a.getAttributeNames().sort())")
    assert names == [["class", "title"]]
    assert page.locator(f"{TAB} .yasr_results a[style]").count() == 0
    assert "'" in link.get_attribute("title")
    assert not page.problems, page.problems


def test_errors_are_shown(page, server):
    page.goto(server.url + "/?" + urllib.parse.urlencode({"query": "SELECT * WHERE {"}))
    error = page.locator(f"{TAB} .yasr_results .errorResult pre")
    error.wait_for()
    assert error.inner_text().startswith("SPARQL syntax error at line 1, column 17")
    assert [p for p in page.problems if not p.startswith(FAILED_LOAD)] == []


def test_a_query_too_long_for_a_url_is_posted_for_its_graph_and_downloads(
    page, server, fixture_store, tmp_path
):
    # a request line over 64 KiB is refused (414): the page posts what a link cannot carry
    text = "SELECT ?t ?name WHERE { ?t a atmp:Therapy ; rdfs:label ?name } ORDER BY ?t\n"
    text += "# " + "long " * 14_000 + "\n"
    page.goto(server.url + "/")
    page.locator(f"{TAB} .yasqe .CodeMirror").wait_for()
    set_editor(page, text)
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    assert page.locator(ROWS).count() == 3
    assert page.url == server.url + "/" and page.locator("#share").is_hidden()
    with page.expect_download() as download:
        page.click('#downloads a[data-format="csv"]')
    saved = tmp_path / "long.csv"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").splitlines() == cli_csv(fixture_store, text)
    page.click(f"{TAB} .select_graph")
    page.frame_locator(f"{TAB} iframe.graph").locator("canvas").first.wait_for()
    graph = next(f for f in page.frames if f.url == server.url + "/graph")
    assert "Alphacel" in graph.content()
    assert not page.problems, page.problems


def test_construct_shows_triples_and_graph_downloads(page, server):
    open_query(page, server, "CONSTRUCT WHERE { therapy:genex ?p ?o }")
    headers = page.locator(f"{TAB} .yasr_results thead th").all_inner_texts()
    assert [h.strip() for h in headers] == ["", "subject", "predicate", "object"]
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


def test_a_missing_entity_and_an_empty_graph_are_pages_that_link_on(page, server):
    page.goto(server.url + "/id/company/celco")
    assert page.title() == "Not Found · ATMP-KG"
    assert page.locator("main p").inner_text() == (
        "no entity at '/id/company/celco'; did you mean /id/company/cellco?"
    )
    # the browser's own line for the 404 itself, once: no other request failed (a favicon)
    assert page.problems == [
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    ]
    style = "e => [getComputedStyle(e).display, getComputedStyle(e).backgroundColor]"
    assert page.locator("header").evaluate(style) == ["flex", "rgb(246, 247, 249)"]
    page.problems.clear()
    page.click("main p a >> nth=0")
    page.wait_for_url(server.url + "/id/company/cellco")
    # The Graph tab on an answer that names no entity says so, and nothing fails
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    open_query(page, server, "SELECT (1 AS ?x) WHERE {}")
    page.click(f"{TAB} .select_graph")
    frame = page.frame_locator(f"{TAB} iframe.graph")
    shown = frame.locator("main p")
    assert shown.inner_text() == "the answer names no entities of the graph: nothing to draw"
    # styled as the server's other pages (newuser16 F6: the sandboxed frame's request for
    # /static/app.css was refused as cross-site, and the page showed unstyled)
    style = "e => [getComputedStyle(e).display, getComputedStyle(e).backgroundColor]"
    assert frame.locator("header").evaluate(style) == ["flex", "rgb(246, 247, 249)"]
    assert failed == []
    assert not page.problems, page.problems


def json_string(text: str) -> str:
    """A SPARQL string literal holding ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_chart_plots_counts_by_agency_and_year_and_a_value_can_be_chosen(page, server):
    page.goto(server.url + "/?name=approvals-by-agency-year")
    page.locator(ROWS).first.wait_for()
    page.click(f"{TAB} .select_chart")
    caption = page.locator(f"{TAB} .chart-view p.caption")
    assert caption.inner_text() == "approvals by agencyName, year"
    texts = "els => els.map(e => e.textContent)"
    labels = page.locator(f"{TAB} .chart-view svg text[text-anchor=end]").evaluate_all(texts)
    assert labels[:3] == ["EMA 2018", "EMA 2020", "FDA 2017"]
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values[:3] == ["EMA 2018: 1", "EMA 2020: 1", "FDA 2017: 1"]
    options = page.locator("#chart-value option").all_inner_texts()
    assert options == ["approvals", "productsFirstApproved", "labelExpansions"]
    page.select_option("#chart-value", label="labelExpansions")
    assert caption.inner_text() == "labelExpansions by agencyName, year"
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == [
        "EMA 2018: 0",
        "EMA 2020: 0",
        "FDA 2017: 0",
        "FDA 2019: 0",
        "FDA 2021: 0",
        "FDA 2022: 1",
        "PMDA 2020: 0",
        "PMDA 2022: 0",
    ]
    assert not page.problems, page.problems


def test_an_error_clears_the_previous_answer(page, server):
    page.goto(server.url + "/?name=approvals-by-agency-year")
    page.locator(ROWS).first.wait_for()
    assert page.locator("#downloads a").count() == 4
    page.select_option("#named", "")
    set_editor(page, "SELECT * WHERE {")
    page.click("#run")
    page.locator(f"{TAB} .yasr_results .errorResult").wait_for()
    assert page.locator(f"{TAB} .yasr_results table").count() == 0
    assert page.locator(ROWS).count() == 0
    assert page.locator("#downloads a").count() == 0
    assert page.locator(f"{TAB} .select_chart").get_attribute("class").split() == [
        "yasr_btn",
        "select_chart",
        "disabled",
    ]


def test_simple_view_is_a_named_querys_default_and_the_readers_choice_stays(page, server):
    simple = page.locator(f"{TAB} .tableControls input[type=checkbox]").first
    page.goto(server.url + "/")
    page.select_option("#named", "products-by-target")
    page.fill("#params input[name=target]", "cd19")
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    assert simple.is_checked() and "Alphacel" in page.locator(ROWS).first.inner_text()
    # unticked by the reader, it stays off, for the answer shown and the next run
    simple.uncheck()
    assert not simple.is_checked() and '"Alphacel"@en' in page.locator(ROWS).first.inner_text()
    page.click("#run")
    page.wait_for_function("() => document.querySelector('#status').textContent !== 'Running…'")
    page.locator(ROWS).first.wait_for()
    assert not simple.is_checked() and '"Alphacel"@en' in page.locator(ROWS).first.inner_text()
    # a SPARQL text's answer shows its terms (the named answer went with the named query)
    page.select_option("#named", "")
    assert page.locator(ROWS).count() == 0
    set_editor(page, 'SELECT ?l WHERE { VALUES ?l { "Kymriah"@en } }')
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    assert column(page, 2) == ['"Kymriah"@en']
    assert not page.problems, page.problems


def test_a_column_with_no_value_on_any_row_is_left_out_and_named_below_the_rows(
    page, server, fixture_store, tmp_path
):
    """sec30 (known): a column no row gives a value was a blank column on the page, while the
    command line and a notebook leave it out and name it below the rows. The table does so too, in
    either view, for a SPARQL text's answer and a named one; an answer with no value in any column
    is its count alone; YASGUI's CSV and the server's downloads keep every column."""
    heads = f"{TAB} .yasr_results thead th:visible"
    below = f"{TAB} .no-value"
    open_query(
        page,
        server,
        "SELECT ?t ?x ?l WHERE { ?t a atmp:Therapy ; rdfs:label ?l "
        "OPTIONAL { ?t atmp:developedBy ?x FILTER(false) } } ORDER BY ?l",
    )
    assert [h.strip() for h in page.locator(heads).all_inner_texts()] == ["", "t", "l"]
    assert column(page, 3) == ['"Alphacel"@en', '"Betacel"@en', '"Genex"@en']
    assert page.locator(below).all_inner_texts() == ["no value on any row: x"]
    with page.expect_download() as download:
        page.click(f"{TAB} .yasr_downloadIcon")
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.readline().strip() == '"t","x","l"'
    with page.expect_download() as download:
        page.click('#downloads a[data-format="csv"]')
    download.value.save_as(tmp_path / "answer.csv")
    assert (tmp_path / "answer.csv").read_text(encoding="utf-8").splitlines()[:2] == [
        "t,x,l", "https://w3id.org/atmp-kg/id/therapy/alphacel,,Alphacel",
    ]  # fmt: skip
    # in Simple view too; another view of the answer has no such line, and back it is there once
    page.locator(f"{TAB} .tableControls input[type=checkbox]").first.check()
    assert [h.strip() for h in page.locator(heads).all_inner_texts()] == ["t", "l"]
    page.click(f"{TAB} .select_response")
    assert page.locator(below).count() == 0
    page.click(f"{TAB} .select_table")
    assert page.locator(below).all_inner_texts() == ["no value on any row: x"]

    # a named answer, as the command line shows it: its empty amounts named below the rows
    page.goto(server.url + "/?name=deals-above-value")
    page.click("#run")
    page.locator(ROWS).first.wait_for()
    shown = [h.strip() for h in page.locator(heads).all_inner_texts()]
    table = CliRunner().invoke(cli, ["query", "--name", "deals-above-value", "--store", str(fixture_store)])
    assert shown == table.stdout.splitlines()[0].split() == [
        "deal", "acquirer", "target", "dealType", "date", "atLeastUSD", "valueUSD", "upfrontUSD",
    ]  # fmt: skip
    assert "(no value on any row: equityUSD, milestonesUSD)" in table.stdout.splitlines()
    assert page.locator(below).all_inner_texts() == ["no value on any row: equityUSD, milestonesUSD"]

    # no value in any column: the rows' count alone, as `(2 rows; no value on any row: x, y)`
    page.select_option("#named", "")
    set_editor(page, "SELECT ?x ?y WHERE { VALUES ?z { 1 2 } }")
    page.click("#run")
    page.locator(below).wait_for()
    assert page.locator(below).all_inner_texts() == ["2 rows; no value on any row: x, y"]
    assert page.locator(f"{TAB} .yasr_results table").is_hidden()
    assert not page.problems, page.problems


def test_the_chart_draws_one_bar_per_ranked_name_and_charts_money_some_rows_lack(page, server):
    from playwright.sync_api import expect

    texts = "els => els.map(e => e.textContent)"
    # where no column names one bar per row, the fewest that do (an agency and its pathway), every
    # row a bar (rev2_13 N1), and no year that only dates the first of the row's approvals
    page.goto(server.url + "/?name=approvals-by-pathway")
    page.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
    page.click(f"{TAB} .select_chart")
    caption = page.locator(f"{TAB} .chart-view p.caption")
    assert caption.inner_text() == "approvals by agencyName, pathwayName"
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == [
        "EMA · conditional marketing authorisation: 2",
        "FDA · standard approval: 3",
        "FDA · accelerated approval: 1",
        "PMDA · conditional and time-limited approval: 1",
        "PMDA · standard approval: 1",
    ]
    page.goto(server.url + "/?name=approvals-by-jurisdiction")
    page.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
    page.click(f"{TAB} .select_chart")
    expect(caption).to_have_text("approvals by areaName")
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == ["United States: 4", "European Union: 2", "Japan: 2"]
    # a note is no name, even the answer's first text column (segment-shares' bars read as notes)
    page.select_option("#named", "")
    note = "a share of the 2025 revenue as the report's summary gives it, rounded"
    set_editor(
        page,
        f'SELECT ?note ?segment ?share WHERE {{ VALUES (?note ?segment ?share) {{ ("{note}" "CAR-T" 61)'
        f' ("{note}, again" "gene therapy" 39) }} }}',
    )
    page.click("#run")
    expect(caption).to_have_text("share by segment")  # the chart stays the tab shown
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == ["CAR-T: 61", "gene therapy: 39"]
    # rows without a name are bars of their own, never one bar of no name (rev14 R9)
    set_editor(
        page,
        'SELECT ?company ?n WHERE { VALUES (?company ?n) { ("Novartis" 3) (UNDEF 5) (UNDEF 5) } }',
    )
    page.click("#run")
    expect(caption).to_have_text("n by company")
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == ["Novartis: 3", "#1 (no name): 5", "#2 (no name): 5"]
    # rows told apart by a note only are numbered (joints15 J15-4: two bars read the same)
    set_editor(
        page,
        f'SELECT ?note ?segment ?share WHERE {{ VALUES (?note ?segment ?share) {{ ("{note}" "CAR-T"'
        f' 61) ("{note}, too" "whole market" 60) ("{note}, again" "whole market" 55) }} }}',
    )
    page.click("#run")
    expect(caption).to_have_text("share by segment")
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == ["CAR-T: 61", "#1 whole market: 60", "#2 whole market: 55"]
    # a depth in a tree is no quantity to chart: the ownership tree has no chart
    page.goto(server.url + "/?name=company-subsidiaries&p=company%3Dbigpharma")
    page.locator(ROWS).first.wait_for()
    assert page.locator(f"{TAB} .select_chart.disabled").count() == 1
    page.goto(server.url + "/?name=companies-by-approved-products&p=min_products%3D1")
    page.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
    page.click(f"{TAB} .select_chart")
    caption = page.locator(f"{TAB} .chart-view p.caption")
    assert caption.inner_text() == "approvedProducts by companyName"
    # Big Pharma's two products are two rows of the answer and one bar; the parameter is no value
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == ["Big Pharma: 2", "GeneCorp: 1"]
    assert page.locator("#chart-value").count() == 0
    # a deal group that disclosed no value draws no bar of the money it lacks
    page.goto(server.url + "/?name=deals-by-type-year")
    page.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
    page.click(f"{TAB} .select_chart")
    options = page.locator("#chart-value option").all_inner_texts()
    assert options == ["deals", "disclosedDeals", "totalValueUSD", "largestDealUSD"]
    page.select_option("#chart-value", label="totalValueUSD")
    values = page.locator(f"{TAB} .chart-view svg rect title").evaluate_all(texts)
    assert values == [
        "acquisition 2017: 11,900,000,000",
        "licensing 2019: 500,000,000",
        "equity stake 2021: 300,000,000",
    ]
    assert not page.problems, page.problems


def chart_parts(page) -> list:
    """The Chart tab as it reads: its caption, each heading, and each chart's bars (label: value)."""
    return page.locator(f"{TAB} .chart-view").evaluate(
        "view => [...view.querySelectorAll('p.caption, h3.chart-heading, svg.chart')].map(e =>"
        " e.tagName === 'svg' ? [...e.querySelectorAll('rect title')].map(t => t.textContent)"
        " : e.textContent)"
    )


def test_the_charts_caption_names_what_every_bar_shares(page, server):
    # joints16 F3: agency-lag's chart said "days by therapyName", not which two agencies
    page.goto(server.url + "/?name=agency-lag")
    page.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
    page.click(f"{TAB} .select_chart")
    assert chart_parts(page) == [
        "days by therapyName · fromAgency: FDA, toAgency: EMA",
        ["Alphacel: 357", "Genex: 360"],
    ]
    assert page.locator(f"{TAB} .chart-view svg").get_attribute("aria-label") == (
        "days by therapyName · fromAgency: FDA, toAgency: EMA"
    )
    assert not page.problems, page.problems


def test_groups_of_values_ten_times_apart_are_charted_apart(page, server):
    from playwright.sync_api import expect

    # a column that sorts the bars into groups whose values lie ten times apart (a price beside
    # sales) gives each group a chart, headed by its column and value, on its own axis
    page.goto(server.url + "/")
    page.locator(f"{TAB} .CodeMirror").wait_for()
    set_editor(
        page,
        "SELECT ?name ?metric ?usd WHERE { VALUES (?name ?metric ?usd) { "
        '("A" "sales" 963000000) ("B" "list price" 2200000) ("C" "list price" 3100000) } }',
    )
    page.click("#run")
    page.click(f"{TAB} .select_chart")
    expect(page.locator(f"{TAB} .chart-view svg")).to_have_count(2)
    assert chart_parts(page) == [
        "usd by name",
        "metric: sales",
        ["A: 963,000,000"],
        "metric: list price",
        ["B: 2,200,000", "C: 3,100,000"],
    ]
    widths = page.locator(f"{TAB} .chart-view svg rect").evaluate_all(
        "rs => rs.map(r => Number(r.getAttribute('width')))"
    )
    assert widths == [520, pytest.approx(520 * 22 / 31), 520]
    # groups that overlap are one measure sorted by a category: one ranking, one chart
    set_editor(
        page,
        "SELECT ?name ?kind ?n WHERE { VALUES (?name ?kind ?n) { "
        '("A" "x" 5) ("B" "y" 3) ("C" "y" 70) } }',
    )
    page.click("#run")
    expect(page.locator(f"{TAB} .chart-view p.caption")).to_have_text("n by name")
    assert chart_parts(page) == ["n by name", ["A: 5", "B: 3", "C: 70"]]
    assert not page.problems, page.problems


def test_product_figures_chart_each_metric_apart(curated_store, browser):
    # the product-figures chart drew Carvykti's sales beside list prices, the metric in no label
    srv = make_server(curated_store, port=0, workers=1, timeout=60).start()
    try:
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(srv.url + "/?name=product-figures")
        tab.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
        tab.click(f"{TAB} .select_chart")
        assert chart_parts(tab) == [
            "valueUSD by therapyName",
            "metricName: sales",
            ["Carvykti: 963,000,000"],
            "metricName: list price",
            ["Casgevy: 2,200,000", "Lyfgenia: 3,100,000"],
        ]
        # one metric asked for: one chart, its caption naming the metric
        tab.goto(srv.url + "/?name=product-figures&p=metric%3Dlist-price")
        tab.locator(f"{TAB} .select_chart:not(.disabled)").wait_for()
        tab.click(f"{TAB} .select_chart")
        assert chart_parts(tab) == [
            "valueUSD by therapyName · metricName: list price, geographyName: United States",
            ["Casgevy: 2,200,000", "Lyfgenia: 3,100,000"],
        ]
        context.close()
    finally:
        srv.shutdown()




def shown_text(tab) -> str:
    """What a reader of ``tab`` sees: its title, its text and every tooltip and accessible name."""
    return tab.evaluate(
        "() => [document.title, document.body.innerText, "
        "...[...document.querySelectorAll('[title], [aria-label]')].map(e => "
        "(e.title || '') + (e.getAttribute('aria-label') || ''))].join('\\n')"
    )


def test_bidirectional_overrides_are_shown_as_their_escapes_on_every_page(browser, tmp_path):
    """sec30 F5: a label's U+202E, drawn raw, turned "Evil \\u202egnp.exe" into "Evil exe.png":
    the entity pages, the query page's table and chart and the Graph tab show it as its escape,
    as the server's messages do."""
    label = "Evil \u202egnp.exe \u2066x\u2069"
    escaped = "Evil \\u202egnp.exe \\u2066x\\u2069"
    build_with_a_therapy_labelled(tmp_path, label)
    srv = make_server(tmp_path / "store", port=0, workers=1).start()
    try:
        context, tab, problems = watched_tab(browser)
        seen = []

        tab.goto(srv.url + "/id/therapy/evilcel")
        assert tab.locator("h1").inner_text() == escaped
        assert tab.title() == f"{escaped} · ATMP-KG"
        tab.goto(srv.url + "/id/company/genecorp")
        assert escaped in tab.locator("main").inner_text()
        seen.append(shown_text(tab))
        text = f"SELECT ?t ?l (5 AS ?n) WHERE {{ ?t rdfs:label ?l FILTER(CONTAINS(?l, {json_string('gnp')})) }}"
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": text}))
        tab.locator(ROWS).first.wait_for()
        assert [cell.strip() for cell in tab.locator(f"{ROWS} td").all_inner_texts()[1:3]] == [
            "therapy:evilcel",
            f'"{escaped}"@en',
        ]
        seen.append(shown_text(tab))
        tab.click(f"{TAB} .select_chart")
        names = tab.locator(f"{TAB} .chart-view svg text[text-anchor=end]").all_text_contents()
        assert names == [escaped]
        bars = tab.locator(f"{TAB} .chart-view svg rect title").all_text_contents()
        assert bars == [f"{escaped}: 5"]
        seen.append(shown_text(tab))
        tab.click(f"{TAB} .select_graph")
        frame = tab.frame_locator(f"{TAB} iframe.graph")
        frame.locator("body[data-state=stable]").wait_for()
        drawn = frame.locator("body").evaluate("() => atmpView.nodes.get().map(n => n.label)")
        assert escaped in drawn
        assert "gnp.exe" in "".join(seen)
        assert HIDDEN.findall("".join(seen)) == []
        assert problems == []
        context.close()
    finally:
        srv.shutdown()


def test_characters_that_draw_as_nothing_are_shown_as_their_escapes_on_every_page(
    browser, tmp_path
):
    """sec31 F4: a label's zero-width space, word joiner, byte order mark, tag characters,
    Hangul fillers, variation selectors on a Latin letter and line separator drew as nothing on
    the /id/ pages and the query page ("Kym\\u200briah" as "Kymriah"), its letter with a
    thousand combining marks up over the rows above: the entity page's markup, what Chromium
    draws of it, the query page's table and Graph tab and a notebook's card show them as the
    server's messages do, an emoji's joiners, Persian's non-joiner and a CJK ideograph's
    variation selector as they are; the CSV download keeps the value exact."""
    import html

    import atmpkg

    build_with_a_therapy_labelled(tmp_path, INVISIBLE)
    card = atmpkg.open(tmp_path / "store").show("therapy:evilcel")._repr_html_()
    assert card.startswith(f'<div class="atmpkg-entity"><h3>{html.escape(INVISIBLE_SHOWN)}</h3>')
    srv = make_server(tmp_path / "store", port=0, workers=1).start()
    try:
        asked = urllib.request.Request(
            srv.url + "/id/therapy/evilcel", headers={"Accept": "text/html"}
        )
        with urllib.request.urlopen(asked) as answer:
            markup = answer.read().decode("utf-8")
        assert f"<title>{INVISIBLE_SHOWN} · ATMP-KG</title>" in markup
        assert f"<h1>{INVISIBLE_SHOWN}</h1>" in markup
        context, tab, problems = watched_tab(browser)
        seen = []

        tab.goto(srv.url + "/id/therapy/evilcel")
        assert tab.locator("h1").inner_text() == INVISIBLE_SHOWN
        assert tab.title() == f"{INVISIBLE_SHOWN} · ATMP-KG"
        seen.append(shown_text(tab))
        text = "SELECT ?t ?l WHERE { ?t rdfs:label ?l FILTER(STRSTARTS(?l, 'Kym')) }"
        tab.goto(srv.url + "/?" + urllib.parse.urlencode({"query": text}))
        tab.locator(ROWS).first.wait_for()
        assert [cell.strip() for cell in tab.locator(f"{ROWS} td").all_inner_texts()[1:3]] == [
            "therapy:evilcel",
            f'"{INVISIBLE_SHOWN}"@en',
        ]
        seen.append(shown_text(tab))
        tab.click(f"{TAB} .select_graph")
        frame = tab.frame_locator(f"{TAB} iframe.graph")
        frame.locator("body[data-state=stable]").wait_for()
        drawn = frame.locator("body").evaluate("() => atmpView.nodes.get().map(n => n.label)")
        assert INVISIBLE_SHOWN in drawn
        # nothing left a page would escape: what each drew is its text as shown
        assert "Kym\\u200briah" in "".join(seen) and visible("".join(seen)) == "".join(seen)
        assert problems == []
        context.close()
        download = urllib.parse.urlencode({"query": text})
        asked = urllib.request.Request(
            f"{srv.url}/sparql?{download}", headers={"Accept": "text/csv"}
        )
        with urllib.request.urlopen(asked) as answer:
            rows = answer.read().decode("utf-8").split("\r\n")  # not at the value's U+2028
        assert rows == ["t,l", f"https://w3id.org/atmp-kg/id/therapy/evilcel,{INVISIBLE}", ""]
    finally:
        srv.shutdown()

"""SVG charts on the fixture graph: the exact bars, stacks, totals and legends of the approvals and
market charts, escaping, determinism, files, and the ``atmpkg chart`` command."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from atmpkg.cli import cli
from atmpkg.graph import (
    EmptyResultError,
    UnknownNameError,
    approvals_chart,
    market_chart,
)
from atmpkg.graph.display.charts import Estimate, grouped_bars, stacked_bars
from atmpkg.graph.shortcuts import approvals_per_year, market_estimates
from atmpkg.graph.terms import PREFIXES

SVG = "{http://www.w3.org/2000/svg}"
ESTIMATE = "https://w3id.org/atmp-kg/id/estimate/"


def bars(svg: str) -> list[dict[str, str]]:
    root = ET.fromstring(svg)
    return [rect.attrib for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def texts(svg: str, group: str) -> list[str]:
    root = ET.fromstring(svg)
    found = next(g for g in root.iter(f"{SVG}g") if g.get("class") == group)
    return ["".join(t.itertext()) for t in found.iter(f"{SVG}text")]


def test_approvals_per_year_by_agency_and_modality(fixture_store):
    assert approvals_per_year("agency", store=fixture_store) == {
        2017: {"FDA": 1},
        2018: {"EMA": 1},
        2019: {"FDA": 1},
        2020: {"EMA": 1, "PMDA": 1},
        2021: {"FDA": 1},
        2022: {"FDA": 1, "PMDA": 1},
    }
    assert approvals_per_year("modality", store=fixture_store) == {
        2017: {"CAR-T cell therapy": 1},
        2018: {"CAR-T cell therapy": 1},
        2019: {"AAV gene therapy": 1},
        2020: {"AAV gene therapy": 2},
        2021: {"CAR-T cell therapy": 1},
        2022: {"CAR-T cell therapy": 2},
    }
    with pytest.raises(UnknownNameError, match="grouping 'country'"):
        approvals_per_year("country", store=fixture_store)


def test_approvals_chart_bars_stacks_and_legend(fixture_store):
    chart = approvals_chart(store=fixture_store)
    assert chart.total == 8 and chart.path is None
    assert [(b["data-year"], b["data-group"], b["data-value"]) for b in bars(chart.svg)] == [
        ("2017", "FDA", "1"),
        ("2018", "EMA", "1"),
        ("2019", "FDA", "1"),
        ("2020", "EMA", "1"),
        ("2020", "PMDA", "1"),
        ("2021", "FDA", "1"),
        ("2022", "FDA", "1"),
        ("2022", "PMDA", "1"),
    ]
    # the axis runs to 2 approvals over 300 px: one approval is 150 px; FDA (4 in all) is stacked
    # first, then EMA and PMDA (2 each, by name); the plot's baseline is at y = 370
    geometry = {(b["data-year"], b["data-group"]): (b["y"], b["height"]) for b in bars(chart.svg)}
    assert geometry[("2020", "EMA")] == ("220", "150")
    assert geometry[("2020", "PMDA")] == ("70", "150")
    assert geometry[("2022", "FDA")] == ("220", "150")
    assert geometry[("2022", "PMDA")] == ("70", "150")
    colours = {b["data-group"]: b["fill"] for b in bars(chart.svg)}
    assert colours == {"FDA": "#4e79a7", "EMA": "#f28e2b", "PMDA": "#e15759"}
    root = ET.fromstring(chart.svg)
    totals = {
        t.get("data-year"): t.text for t in root.iter(f"{SVG}text") if t.get("class") == "total"
    }
    assert totals == {"2017": "1", "2018": "1", "2019": "1", "2020": "2", "2021": "1", "2022": "2"}
    assert texts(chart.svg, "legend") == ["FDA (4)", "EMA (2)", "PMDA (2)"]
    assert texts(chart.svg, "y-axis") == ["0", "1", "2"]
    assert root.find(f"{SVG}title").text == "Regulatory approvals per year, by agency"


def test_approvals_chart_by_modality(fixture_store):
    chart = approvals_chart(by="modality", store=fixture_store)
    assert texts(chart.svg, "legend") == ["CAR-T cell therapy (5)", "AAV gene therapy (3)"]
    assert [(b["data-year"], b["data-group"], b["data-value"]) for b in bars(chart.svg)] == [
        ("2017", "CAR-T cell therapy", "1"),
        ("2018", "CAR-T cell therapy", "1"),
        ("2019", "AAV gene therapy", "1"),
        ("2020", "AAV gene therapy", "2"),
        ("2021", "CAR-T cell therapy", "1"),
        ("2022", "CAR-T cell therapy", "2"),
    ]


def test_years_without_approvals_keep_their_place():
    svg = stacked_bars("T", "S", {2010: {"A": 1}, 2013: {"A": 2}})
    labels = texts(svg, "bars")
    assert labels == ["1", "2010", "2011", "2012", "2", "2013"]
    xs = [float(b["x"]) for b in bars(svg)]
    assert xs[1] - xs[0] == 3 * 34  # three slots apart


def test_market_estimates_of_the_fixture(fixture_store):
    assert market_estimates(store=fixture_store) == [
        Estimate(
            ESTIMATE + "act-2024",
            "adoptive cell therapy for cancer treatment market",
            "ACT market report (fixture)",
            2024,
            14776330000.0,
            2031,
            29723680000.0,
            10.5,
            (2025, 2031),
        ),
        Estimate(
            ESTIMATE + "atmp-2026",
            "advanced therapy medicinal products market",
            "ATMP market report (fixture) (Fixture Research)",
            2026,
            41460000000.0,
            2031,
            86760000000.0,
            15.91,
            (2026, 2031),
        ),
    ]  # the segment share (no value in USD) is not a market size


def test_market_chart_puts_estimates_side_by_side(fixture_store):
    chart = market_chart(store=fixture_store)
    assert chart.total == 2
    found = [
        (b["data-year"], b["data-estimate"].rsplit("/", 1)[1], b["data-kind"], b["data-value"])
        for b in bars(chart.svg)
    ]
    assert found == [
        ("2024", "act-2024", "stated", "14776330000"),
        ("2026", "atmp-2026", "stated", "41460000000"),
        ("2031", "act-2024", "forecast", "29723680000"),
        ("2031", "atmp-2026", "forecast", "86760000000"),
    ]
    rects = bars(chart.svg)
    # 2031: both reports' forecasts, next to each other on one baseline, in their own colours
    x1, x2 = float(rects[2]["x"]), float(rects[3]["x"])
    assert x2 - x1 == 44 and float(rects[2]["width"]) == 36
    assert float(rects[2]["y"]) + float(rects[2]["height"]) == 370
    assert float(rects[3]["y"]) + float(rects[3]["height"]) == 370
    assert rects[0]["fill"] == rects[2]["fill"] != rects[3]["fill"] == rects[1]["fill"]
    assert "fill-opacity" in rects[2] and "fill-opacity" not in rects[0]
    assert texts(chart.svg, "bars") == [
        "$14.8B",
        "2024",
        "$41.5B",
        "2026",
        "$29.7B",
        "$86.8B",
        "2031",
    ]
    # joints22 J22-2: hovering a bar gives its exact value, which the label over it rounds
    root = ET.fromstring(chart.svg)
    titles = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert [t.split(": ")[1].split(" · ")[0] for t in titles] == [
        "USD 14,776,330,000",
        "USD 41,460,000,000",
        "USD 29,723,680,000",
        "USD 86,760,000,000",
    ]
    assert texts(chart.svg, "legend") == [
        "adoptive cell therapy for cancer treatment market, 2024 → 2031, CAGR 10.5 % (2025–2031)",
        "source: ACT market report (fixture)",
        "advanced therapy medicinal products market, 2026 → 2031, CAGR 15.91 %",
        "source: ATMP market report (fixture) (Fixture Research)",
    ]
    assert texts(chart.svg, "y-axis") == ["$0B", "$20B", "$40B", "$60B", "$80B", "$100B"]


def test_a_growth_rate_stated_for_other_years_than_the_bars_says_its_years(curated_store):
    """newuser20 F3: "2024 → 2033, CAGR 24.5 %" read as a rate over 2024-2033; the report gives
    it for 2026-2033, and 24.5 % a year from 2024 would not reach the forecast."""
    legend = texts(market_chart(store=curated_store).svg, "legend")[::2]
    assert legend == [
        "adoptive cell therapy for cancer treatment market, 2024 → 2031, CAGR 10.5 % (2025–2031)",
        "adoptive cell therapy market, 2022 → 2030, CAGR 21.5 %",
        "adoptive cell therapy market, 2024 → 2033, CAGR 24.5 % (2026–2033)",
        "advanced therapy medicinal products market, 2026 → 2031, CAGR 15.91 %",
    ]


def test_text_is_escaped():
    group = '<script>alert(1)</script> & "q"'
    svg = stacked_bars("a < b", "c & d", {2020: {group: 1}})
    assert "<script>" not in svg
    root = ET.fromstring(svg)  # well-formed XML
    assert texts(svg, "legend") == [f"{group} (1)"]
    assert root.find(f"{SVG}title").text == "a < b"
    estimate = Estimate("urn:x", "<i>scope</i>", "src & co", 2020, 1e9)
    svg = grouped_bars("T", "S", [estimate])
    assert "<i>" not in svg and texts(svg, "legend") == ["<i>scope</i>, 2020", "source: src & co"]


def test_a_bidirectional_override_is_shown_as_its_escape():
    """sec30 F5: an imported label's U+202E drew what follows it reversed ("gnp.exe" as
    "exe.png"); a chart writes it as the server's messages do, \\u202e."""
    svg = stacked_bars("T", "S", {2020: {"FDA \u202egnp.exe": 1}})
    assert texts(svg, "legend") == ["FDA \\u202egnp.exe (1)"]
    assert "\u202e" not in svg
    estimate = Estimate("urn:x", "scope \u2066x\u2069", "src \u202eoc", 2020, 1e9)
    svg = grouped_bars("T", "S", [estimate])
    assert texts(svg, "legend") == ["scope \\u2066x\\u2069, 2020", "source: src \\u202eoc"]
    assert not {"\u2066", "\u2069", "\u202e"} & set(svg)


def test_svg_is_deterministic_and_self_contained(fixture_store):
    first = approvals_chart(store=fixture_store).svg
    assert first == approvals_chart(store=fixture_store).svg
    assert market_chart(store=fixture_store).svg == market_chart(store=fixture_store).svg
    for svg in (first, market_chart(store=fixture_store).svg):
        assert "<style" not in svg and "<script" not in svg
        links = [
            k for e in ET.fromstring(svg).iter() for k in e.attrib if "href" in k or k == "src"
        ]
        assert links == []  # nothing to load


def test_empty_data_raises():
    with pytest.raises(EmptyResultError):
        stacked_bars("T", "S", {})
    with pytest.raises(EmptyResultError):
        grouped_bars("T", "S", [])


def test_chart_files_and_notebook_display(fixture_store, tmp_path):
    chart = market_chart(store=fixture_store, output=tmp_path / "m.svg")
    assert chart.path == tmp_path / "m.svg"
    assert chart.path.read_text(encoding="utf-8") == chart.svg == chart._repr_svg_()
    assert os.listdir(tmp_path) == ["m.svg"]
    made = approvals_chart(store=fixture_store, output=tmp_path / "charts" / "a.svg")
    assert (tmp_path / "charts" / "a.svg").read_text(encoding="utf-8") == made.svg


def test_cli_chart(fixture_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["chart", "approvals", "--store", str(fixture_store)])
    assert result.exit_code == 0, result.output
    assert result.output == "Wrote chart.svg: 8 approvals per year by agency.\n"
    assert (tmp_path / "chart.svg").read_text() == approvals_chart(store=fixture_store).svg
    result = runner.invoke(
        cli,
        ["chart", "approvals", "--by", "modality", "-o", "m.svg", "--store", str(fixture_store)],
    )
    assert result.output == "Wrote m.svg: 8 approvals per year by modality.\n"
    result = runner.invoke(cli, ["chart", "market", "-o", "x.svg", "--store", str(fixture_store)])
    assert result.output == "Wrote x.svg: 2 market-size estimates.\n"
    result = runner.invoke(
        cli, ["chart", "market", "--by", "agency", "--store", str(fixture_store)]
    )
    assert result.exit_code == 2 and "--by applies to the approvals chart only" in result.output
    result = runner.invoke(cli, ["chart", "deals", "--store", str(fixture_store)])
    assert result.exit_code == 2


def test_an_estimate_larger_than_a_chart_can_draw_is_named(fixture_store, tmp_path):
    """sec21 F3: a valid xsd:decimal past the largest float made the axis arithmetic overflow
    with a traceback. An import refuses it now (sec30 F4); a store built before, or an
    endpoint, may still hold one."""
    import shutil

    from atmpkg.graph import DataError, import_files
    from atmpkg.graph.store.folder import current_build

    store = tmp_path / "store"
    shutil.copytree(fixture_store, store, symlinks=True)
    huge = "1" + "0" * 400
    mine = tmp_path / "market_estimates.csv"
    mine.write_text(
        "slug,scope,segment,geography,year,value_usd,source\n"
        f"huge-2023,act-cancer,,,2023,{huge},report-x\n"
    )
    with pytest.raises(DataError, match="the engine holds an xsd:decimal at most"):
        import_files([mine], store)
    mine.write_text(mine.read_text().replace(huge, "5"))
    import_files([mine], store)
    engine = ox.Store(str(current_build(store) / "oxigraph"))
    engine.update(
        f'DELETE {{ ?e atmp:valueUSD ?v }} INSERT {{ ?e atmp:valueUSD "{huge}"^^xsd:decimal }} '
        "WHERE { ?e atmp:valueUSD ?v FILTER(?e = estimate:huge-2023) }",
        prefixes=PREFIXES,
    )
    del engine
    result = CliRunner().invoke(cli, ["chart", "market", "-o", str(tmp_path / "m.svg"), "--store", str(store)])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: the graph's estimate/huge-2023 states a value of 401 digits, which a chart "
        "cannot draw; correct it or leave it out\n",
    )
    assert not (tmp_path / "m.svg").exists()

"""Charts of the graph as SVG, written here without a plotting library: regulatory approvals per
year (stacked by agency or by modality) and market-size estimates side by side by source and year.

The SVG is deterministic (same data, same bytes), escapes every text, uses presentation attributes
only (no ``<style>``, so it can be inlined in a page with a strict Content-Security-Policy), and
marks every bar with ``data-*`` attributes and a ``<title>`` tooltip.

>>> chart = atmpkg.open().chart("approvals", by="agency", output="approvals.svg")
>>> chart.path, chart.title
(PosixPath('approvals.svg'), 'Regulatory approvals per year, by agency')

In Jupyter a :class:`Chart` displays inline (``_repr_svg_``).
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EmptyResultError, ParameterError, StoreError, UnknownNameError, cut, visible
from .view import write_file

if TYPE_CHECKING:
    from ..handle import KnowledgeGraph

StorePath = str | os.PathLike[str] | None
GROUPINGS = ("agency", "modality")
#: Categorical colours: Tableau 10, then 10 lighter or darker ones of other hues; cycled beyond 20.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#a0cbe8",
    "#499894",
    "#b6992d",
    "#d37295",
    "#8cd17d",
    "#79706e",
    "#ffbe7d",
    "#d4a6c8",
    "#2f4b7c",
    "#f1ce63",
)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
CHAR_WIDTH = 6.6  # average width of a 12 px sans-serif character, to size legends without a font
PLOT_HEIGHT = 300

_APPROVALS = {
    "agency": """
        SELECT ?approval ?date (MIN(?name) AS ?group) WHERE {
          ?approval a atmp:Approval ; atmp:date ?date ; atmp:agency ?agency .
          OPTIONAL { ?agency atmp:acronym ?acronym } OPTIONAL { ?agency rdfs:label ?label }
          BIND(STR(COALESCE(?acronym, ?label, ?agency)) AS ?name)
        } GROUP BY ?approval ?date""",
    "modality": """
        SELECT ?approval ?date (MIN(?name) AS ?group) WHERE {
          ?approval a atmp:Approval ; atmp:date ?date .
          OPTIONAL { ?approval atmp:product/atmp:modality ?modality .
                     OPTIONAL { ?modality skos:prefLabel ?pref } OPTIONAL { ?modality rdfs:label ?label } }
          BIND(STR(COALESCE(?pref, ?label, ?modality, "modality not recorded")) AS ?name)
        } GROUP BY ?approval ?date""",
}

_ESTIMATES = """
    SELECT ?estimate ?scope ?year ?value ?forecastYear ?forecastValue ?cagr ?cagrFrom ?cagrTo
           (GROUP_CONCAT(DISTINCT ?cited; separator="; ") AS ?sources) WHERE {
      ?estimate a atmp:MarketEstimate ; atmp:year ?year ; atmp:valueUSD ?value .
      FILTER NOT EXISTS { ?estimate atmp:segment ?segment }
      FILTER NOT EXISTS { ?estimate atmp:geography ?area }
      OPTIONAL { ?estimate atmp:scope ?s . ?s skos:prefLabel ?scope }
      OPTIONAL { ?estimate atmp:forecastYear ?forecastYear ; atmp:forecastValueUSD ?forecastValue }
      OPTIONAL { ?estimate atmp:cagrPercent ?cagr }
      OPTIONAL { ?estimate atmp:cagrFrom ?cagrFrom ; atmp:cagrTo ?cagrTo }
      OPTIONAL { ?estimate dct:source ?src . ?src dct:title ?title .
                 OPTIONAL { ?src dct:publisher ?publisher } }
      BIND(IF(BOUND(?publisher), CONCAT(?title, " (", ?publisher, ")"), ?title) AS ?cited)
    } GROUP BY ?estimate ?scope ?year ?value ?forecastYear ?forecastValue ?cagr ?cagrFrom ?cagrTo"""


@dataclass
class Chart:
    """A chart: its ``svg`` text, ``title``, the ``total`` it counts (approvals, or estimates), and
    the file written (``path``)."""

    svg: str = field(repr=False)
    title: str
    total: int
    path: Path | None = None

    def _repr_svg_(self) -> str:
        return self.svg


@dataclass(frozen=True)
class Estimate:
    """One market-size estimate: a value for a year and, often, a forecast, as a source states it."""

    iri: str
    scope: str
    sources: str
    year: int
    value: float
    forecast_year: int | None = None
    forecast_value: float | None = None
    cagr: float | None = None
    #: The years the growth rate is stated for, where the source gives them (``(2026, 2033)``).
    cagr_years: tuple[int, int] | None = None


def _esc(text: object) -> str:
    """``text`` escaped for SVG, each control, format or invisible character written as
    its escape (``\\u202e``), as every page of the server shows it (sec30 F5)."""
    return html.escape(visible(str(text)), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: deterministic and short."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _nice_step(top: float, ticks: int = 5) -> float:
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _frame(width: float, height: float, title: str, subtitle: str, body: list[str]) -> str:
    width = max(width, 32 + CHAR_WIDTH * len(subtitle), 32 + 9 * len(title))
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" font-family="{FONT}" '
            'font-size="12" fill="#1d2430">',
            f"<title>{_esc(title)}</title>",
            f"<desc>{_esc(subtitle)}</desc>",
            f'<rect width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>',
            f'<text x="16" y="24" font-size="16" font-weight="600">{_esc(title)}</text>',
            f'<text x="16" y="44" fill="#5b6675">{_esc(subtitle)}</text>',
            *body,
            "</svg>\n",
        ]
    )


def _y_axis(left: float, top: float, width: float, top_value: float, step: float, fmt) -> list:
    parts = ['<g class="y-axis" stroke-width="1">']
    for index in range(int(round(top_value / step)) + 1):
        value = index * step
        y = top + PLOT_HEIGHT - PLOT_HEIGHT * value / top_value
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(left + width)}" y2="{_num(y)}" '
            f'stroke="{"#8a94a3" if index == 0 else "#e3e7ec"}"/>'
        )
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end" fill="#5b6675">'
            f"{_esc(fmt(value))}</text>"
        )
    parts.append("</g>")
    return parts


def stacked_bars(
    title: str, subtitle: str, counts: Mapping[int, Mapping[str, int]], y_label: str = "approvals"
) -> str:
    """An SVG of one bar per year (every year from the first to the last), stacked by group; the
    biggest group overall at the bottom, its total above each bar, a legend with group totals.

    >>> svg = stacked_bars("T", "S", {2020: {"FDA": 2}, 2022: {"FDA": 1, "EMA": 1}})
    >>> svg.count('class="bar"'), 'data-year="2021"' in svg
    (3, False)
    """
    if not counts:
        raise EmptyResultError(f"nothing to chart: no {y_label}")
    totals: dict[str, int] = {}
    for groups in counts.values():
        for group, n in groups.items():
            totals[group] = totals.get(group, 0) + n
    order = sorted(totals, key=lambda g: (-totals[g], g))
    color = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(order)}
    years = list(range(min(counts), max(counts) + 1))
    highest = max(sum(groups.values()) for groups in counts.values())
    step = max(1, _nice_step(highest)) if highest > 5 else 1
    top_value = math.ceil(highest / step) * step
    slot = 34
    left, top = 56, 70
    plot_width = max(360, slot * len(years))
    legend_x = left + plot_width + 24
    legend_width = 40 + CHAR_WIDTH * max(len(f"{g} ({totals[g]})") for g in order)
    width = legend_x + legend_width
    height = max(top + PLOT_HEIGHT + 44, top + 18 * len(order) + 20)
    body = _y_axis(left, top, plot_width, top_value, step, lambda v: f"{v:g}")
    body.append(
        f'<text transform="translate(16 {_num(top + PLOT_HEIGHT / 2)}) rotate(-90)" '
        f'text-anchor="middle" fill="#5b6675">{_esc(y_label)}</text>'
    )
    body.append('<g class="bars">')
    scale = PLOT_HEIGHT / top_value
    for index, year in enumerate(years):
        x = left + slot * index + slot * 0.15
        y = top + PLOT_HEIGHT
        groups = counts.get(year, {})
        for group in order:
            n = groups.get(group, 0)
            if not n:
                continue
            y -= n * scale
            body.append(
                f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(slot * 0.7)}" '
                f'height="{_num(n * scale)}" fill="{color[group]}" stroke="#ffffff" '
                f'stroke-width="0.5" data-year="{year}" data-group="{_esc(group)}" data-value="{n}">'
                f"<title>{year} · {_esc(group)}: {n}</title></rect>"
            )
        if groups:
            body.append(
                f'<text class="total" x="{_num(x + slot * 0.35)}" y="{_num(y - 4)}" '
                f'text-anchor="middle" font-size="11" data-year="{year}">{sum(groups.values())}</text>'
            )
        if len(years) <= 14 or index % 2 == 0 or year == years[-1]:
            body.append(
                f'<text x="{_num(x + slot * 0.35)}" y="{_num(top + PLOT_HEIGHT + 16)}" '
                f'text-anchor="middle" font-size="11" fill="#5b6675">{year}</text>'
            )
    body.append("</g>")
    body.append('<g class="legend">')
    for index, group in enumerate(order):
        y = top + 18 * index
        body.append(
            f'<rect x="{_num(legend_x)}" y="{_num(y)}" width="12" height="12" fill="{color[group]}"/>'
            f'<text x="{_num(legend_x + 18)}" y="{_num(y + 10)}" data-group="{_esc(group)}">'
            f"{_esc(group)} ({totals[group]})</text>"
        )
    body.append("</g>")
    return _frame(width, height, title, subtitle, body)


def _billions(value: float) -> str:
    return f"${value / 1e9:.1f}B"


def _exact(value: float) -> str:
    """A bar's value as its tooltip gives it, whole and digits grouped (joints22 J22-2: the
    tooltip rounded it as the label over the bar does).

    >>> _exact(14776330000.0), _exact(1234.5)
    ('USD 14,776,330,000', 'USD 1,234.5')
    """
    return f"USD {value:,.0f}" if value == int(value) else f"USD {value:,}"


def grouped_bars(title: str, subtitle: str, estimates: Sequence[Estimate]) -> str:
    """An SVG of market sizes in USD: for each year, one bar per estimate that gives a value for it,
    side by side; an estimate's stated value solid, its forecast light with a dashed outline. The
    legend names each estimate's scope, years, growth rate and source.

    >>> e = Estimate("urn:e", "ATMP market", "Report Y", 2026, 41.46e9, 2031, 86.76e9, 15.91)
    >>> grouped_bars("T", "S", [e]).count('class="bar"')
    2
    """
    if not estimates:
        raise EmptyResultError("nothing to chart: no market-size estimates with a value and year")
    bars: dict[int, list[tuple[int, float, str]]] = {}
    for number, e in enumerate(estimates):
        bars.setdefault(e.year, []).append((number, e.value, "stated"))
        if e.forecast_year is not None and e.forecast_value is not None:
            bars.setdefault(e.forecast_year, []).append((number, e.forecast_value, "forecast"))
    highest = max(value for group in bars.values() for _, value, _ in group)
    step = _nice_step(highest / 1e9) * 1e9
    top_value = math.ceil(highest / step) * step
    slot, gap = 44, 22
    left, top = 64, 70
    plot_width = sum(slot * len(group) + gap for group in bars.values()) + gap
    legend = []
    for e in estimates:
        span = f"{e.year} → {e.forecast_year}" if e.forecast_year else str(e.year)
        growth = f", CAGR {e.cagr:g} %" if e.cagr is not None else ""
        if growth and e.cagr_years and e.cagr_years != (e.year, e.forecast_year):
            growth += " ({}–{})".format(*e.cagr_years)  # not the span the bars show
        legend.append((f"{e.scope}, {span}{growth}", f"source: {e.sources or 'not recorded'}"))
    longest = max(len(line) for pair in legend for line in pair)
    width = max(left + plot_width + 24, 16 + 24 + CHAR_WIDTH * longest + 16)
    legend_top = top + PLOT_HEIGHT + 40
    height = legend_top + 36 * len(legend) + 8
    body = _y_axis(left, top, plot_width, top_value, step, lambda v: f"${v / 1e9:g}B")
    body.append(
        f'<text transform="translate(16 {_num(top + PLOT_HEIGHT / 2)}) rotate(-90)" '
        'text-anchor="middle" fill="#5b6675">market size (USD)</text>'
    )
    body.append('<g class="bars">')
    x = left + gap
    scale = PLOT_HEIGHT / top_value
    for year in sorted(bars):
        group = sorted(bars[year])
        for number, value, kind in group:
            e = estimates[number]
            y = top + PLOT_HEIGHT - value * scale
            paint = PALETTE[number % len(PALETTE)]
            style = (
                f'fill="{paint}"'
                if kind == "stated"
                else f'fill="{paint}" fill-opacity="0.4" stroke="{paint}" stroke-dasharray="4 2"'
            )
            body.append(
                f'<rect class="bar" x="{_num(x + 4)}" y="{_num(y)}" width="{slot - 8}" '
                f'height="{_num(value * scale)}" {style} data-year="{year}" '
                f'data-estimate="{_esc(e.iri)}" data-kind="{kind}" data-value="{value:.0f}">'
                f"<title>{year} · {_esc(e.scope)} ({kind}): {_exact(value)} · {_esc(e.sources)}"
                "</title></rect>"
            )
            body.append(
                f'<text x="{_num(x + slot / 2)}" y="{_num(y - 4)}" text-anchor="middle" '
                f'font-size="10">{_billions(value)}</text>'
            )
            x += slot
        middle = x - slot * len(group) / 2
        body.append(
            f'<text x="{_num(middle)}" y="{_num(top + PLOT_HEIGHT + 16)}" text-anchor="middle" '
            f'font-size="11" fill="#5b6675">{year}</text>'
        )
        x += gap
    body.append("</g>")
    body.append('<g class="legend">')
    for number, (first, second) in enumerate(legend):
        y = legend_top + 36 * number
        paint = PALETTE[number % len(PALETTE)]
        body.append(
            f'<rect x="16" y="{_num(y)}" width="14" height="14" fill="{paint}"/>'
            f'<text x="40" y="{_num(y + 11)}">{_esc(first)}</text>'
            f'<text x="40" y="{_num(y + 26)}" font-size="11" fill="#5b6675">{_esc(second)}</text>'
        )
    body.append("</g>")
    return _frame(width, height, title, subtitle, body)


def count_approvals(graph: KnowledgeGraph, by: str = "agency") -> dict[int, dict[str, int]]:
    """Approval decisions of ``graph`` per year and per agency (acronym) or modality:
    ``{year: {group: n}}``. Every decision counts once, initial approvals and label expansions
    alike.

    >>> count_approvals(kg)[2017]
    {'CDSCO': 4, 'EMA': 1, 'FDA': 3, 'MFDS': 2}
    """
    if by not in GROUPINGS:
        raise UnknownNameError("grouping", by, GROUPINGS, "Group approvals by agency or modality.")
    counts: dict[int, dict[str, int]] = {}
    for row in graph.query(_APPROVALS[by]).rows:
        _, date, group = row
        year = int(date.value[:4])
        groups = counts.setdefault(year, {})
        groups[group.value] = groups.get(group.value, 0) + 1
    return {year: dict(sorted(counts[year].items())) for year in sorted(counts)}


def _drawable(row: Mapping[str, object], column: str) -> float:
    """The amount in ``column`` of an estimate's ``row`` as a float a chart can scale to; an
    ``xsd:decimal`` past the largest float (1 followed by 400 zeros is valid) is refused naming
    the estimate (sec21 F3: the axis' arithmetic overflowed with a traceback).

    >>> _drawable({"estimate": "https://w3id.org/atmp-kg/id/estimate/x", "value": "1" + "0" * 400}, "value")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the graph's estimate/x states a value of 401 digits, which a chart cannot draw; correct it or leave it out
    >>> _drawable({"estimate": "https://w3id.org/atmp-kg/id/estimate/x", "value": "NaN"}, "value")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.StoreError: the graph's estimate/x states a value of 'NaN', which a chart cannot draw; correct it or leave it out
    """
    written = str(row[column])
    value = float(written)
    if not math.isfinite(value):
        whole = written.lstrip("+-").partition(".")[0]
        # a decimal's digits, or the text of INF or NaN, which a float literal may be
        amount = f"{len(whole):,} digits" if whole.isdigit() else f"'{cut(written)}'"
        name = str(row["estimate"]).rpartition("/id/")[2]
        raise StoreError(
            f"the graph's {name} states a {'forecast value' if column != 'value' else 'value'} "
            f"of {amount}, which a chart cannot draw; correct it or leave it out"
        )
    return value


def estimates_of(graph: KnowledgeGraph) -> list[Estimate]:
    """The whole-market size estimates (no segment or region) of ``graph`` that state a value for
    a year, with their forecasts and sources; ordered by source, scope and year.

    >>> [e.year for e in estimates_of(kg)]
    [2024, 2022, 2024, 2026]
    """
    found = []
    for row in graph.query(_ESTIMATES).dicts():
        found.append(
            Estimate(
                iri=row["estimate"],
                scope=str(row.get("scope", row["estimate"].rsplit("/", 1)[-1])),
                sources=str(row.get("sources", "")),
                year=int(str(row["year"])),
                value=_drawable(row, "value"),
                forecast_year=int(str(row["forecastYear"])) if "forecastYear" in row else None,
                forecast_value=(
                    _drawable(row, "forecastValue") if "forecastValue" in row else None
                ),
                cagr=float(row["cagr"]) if "cagr" in row else None,
                cagr_years=(
                    (int(str(row["cagrFrom"])), int(str(row["cagrTo"])))
                    if "cagrFrom" in row
                    else None
                ),
            )
        )
    return sorted(found, key=lambda e: (e.sources, e.scope, e.year, e.iri))


#: The charts :meth:`KnowledgeGraph.chart <atmpkg.graph.handle.KnowledgeGraph.chart>` draws.
KINDS = ("approvals", "market")


def chart_of(
    graph: KnowledgeGraph,
    kind: str,
    *,
    by: str | None = None,
    output: str | os.PathLike[str] | None = None,
) -> Chart:
    """The ``kind`` chart of ``graph`` as SVG (written atomically to ``output`` when given):
    ``approvals`` per year stacked ``by`` agency (default) or modality, or ``market``-size
    estimates side by side by source and year, where bars of one year differ when the sources
    disagree or measure different scopes (the legend says which).

    >>> chart = chart_of(kg, "market", output="market.svg")
    >>> chart.total, chart.path
    (4, PosixPath('market.svg'))
    """
    if kind not in KINDS:
        raise UnknownNameError("chart", kind, KINDS, "Charts: " + ", ".join(KINDS) + ".")
    if kind == "market":
        if by is not None:
            raise ParameterError("by applies to the approvals chart only")
        estimates = estimates_of(graph)
        title = "Market-size estimates by source and year"
        subtitle = (
            "Solid: the size a source states for a year; light, dashed: its forecast. "
            "Bars side by side in one year are different sources' or scopes' figures."
        )
        svg = grouped_bars(title, subtitle, estimates)
        total = len(estimates)
    else:
        by = by or "agency"
        counts = count_approvals(graph, by)
        total = sum(sum(groups.values()) for groups in counts.values())
        title = f"Regulatory approvals per year, by {by}"
        subtitle = (
            f"{total} approval decisions (initial approvals and label expansions), by the year "
            "of the decision; hover a bar for its count."
        )
        svg = stacked_bars(title, subtitle, counts)
    return Chart(svg, title, total, None if output is None else write_file(svg, output, (".svg",)))

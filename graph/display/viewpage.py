"""The page of the graph view: one self-contained HTML document.

vis-network's script and stylesheet are read at run time from the installed pyvis package and
inlined; the data goes in a ``<script type="application/json">`` block with ``<``, ``>``, ``&`` and
the JavaScript line separators escaped, so no value can end the block or open a tag; the page's own
script renders every value with ``textContent``, escaping its control, format and invisible
characters with ``showable`` (:func:`showable_script`, the script the query page shares). Every value a
page shows (here and in the entity pages of :mod:`atmpkg.graph.display.pages`) passes :func:`clip`
first, so that a huge literal cannot make a page too big to load. A Content-Security-Policy allows
exactly the inline scripts and styles the page carries (by their SHA-256 hashes) and nothing from
any host.

>>> doc = page("Demo <1>", {"nodes": [], "edges": [], "classes": [], "properties": [],
...                         "sources": [], "warnings": [], "options": {}})
>>> doc.startswith("<!DOCTYPE html>") and "<title>Demo &lt;1&gt;</title>" in doc
True
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import re
from importlib import resources

from ..errors import AtmpkgError, visible
from ..rdf import FOLDED_CUT, MAX_FOLDED_CHARS

#: The vis-network build shipped inside pyvis 0.3.2 (its template's own version).
VIS_FOLDER = ("templates", "lib", "vis-9.1.2")

@functools.cache
def showable_script() -> str:
    """The script that defines ``showable(text)``, which writes each control, format and invisible
    character of a value as its escape and counts its stacked combining marks, as
    :func:`~atmpkg.graph.errors.visible` does: the one source of it, inlined into every view file
    before :data:`SCRIPT` and served to the query page (``/static/showable.js``,
    :func:`atmpkg.graph.server.ui.static_files`) before its app.js; read when first asked for.

    >>> showable_script().count("const showable = ")
    1
    """
    return resources.files(__package__).joinpath("showable.js").read_text(encoding="utf-8")

#: The most characters of one value (a label, a fact, a title) a page shows; a longer value is cut
#: there and says how long it was.
MAX_VALUE_CHARS = 2000


def clip(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` as a page shows it: whole up to ``limit`` characters, else its first ``limit``
    characters, "…" and how many characters it has in all (a blank node's text cut at
    :data:`~atmpkg.graph.rdf.MAX_FOLDED_CHARS` already says it holds more). Every renderer of
    values uses it.

    >>> clip("CellCo"), clip("x" * 5000, 3)
    ('CellCo', 'xxx… (5,000 characters in all)')
    """
    if len(text) <= limit:
        return text
    if len(text) == MAX_FOLDED_CHARS + len(FOLDED_CUT) and text.endswith(FOLDED_CUT):
        return text[:limit] + FOLDED_CUT
    return f"{text[:limit]}… ({len(text):,} characters in all)"


def shown(text: str) -> str:
    """``text`` as a page writes it in its markup: clipped (:func:`clip`), each control, format
    and invisible character written as its escape and more than five combining marks on a
    character counted, as the server's messages write them (:func:`~atmpkg.graph.errors.visible`;
    the view's script shows its values so): an imported label's U+202E would draw what follows it
    reversed ("gnp.exe" as "exe.png", sec30 F5), its U+200B pass for another label (sec31 F4).

    >>> print(shown("Evil \u202egnp.exe"), shown("Kym\u200briah"))
    Evil \u202egnp.exe Kym\u200briah
    """
    return visible(clip(text))


# Characters that could end a <script> block or be read as a line break by older JavaScript
# parsers; JSON allows their \u escapes anywhere a string may hold them.
_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}
# Text that would end or confuse an inline <script>/<style> element in the HTML parser.
_UNSAFE_INLINE = re.compile(r"</(?:script|style)|<!--", re.IGNORECASE)


def script_json(payload: object) -> str:
    """``payload`` as JSON that is safe inside ``<script type="application/json">``.

    >>> script_json({"label": "</script><b>&"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_JSON_ESCAPES)


def csp_hash(text: str) -> str:
    """The CSP source expression that allows one inline script or style with exactly ``text``.

    >>> csp_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _inline(text: str, what: str) -> str:
    if _UNSAFE_INLINE.search(text):
        raise AtmpkgError(f"{what} contains '</script', '</style' or '<!--' and cannot be inlined")
    return text


@functools.lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str, str, str]:
    """vis-network's script and stylesheet from the installed pyvis package, with their CSP hashes:
    ``(script, script_hash, style, style_hash)``. Read once per process; never copied into the repo.

    >>> vis_assets()[0].lstrip().startswith("/**")
    True
    """
    folder = resources.files("pyvis")
    for part in VIS_FOLDER:
        folder = folder.joinpath(part)
    try:
        script = folder.joinpath("vis-network.min.js").read_text(encoding="utf-8")
        style = folder.joinpath("vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise AtmpkgError(
            f"the installed pyvis has no vis-network build in {'/'.join(VIS_FOLDER)} ({exc}); "
            "install pyvis 0.3.2"
        ) from None
    script = _inline(script, "vis-network.min.js")
    style = _inline(style, "vis-network.css")
    return script, csp_hash(script), style, csp_hash(style)


def page(title: str, payload: dict) -> str:
    """The complete HTML document for ``payload`` (built by :mod:`atmpkg.graph.display.view`) under ``title``.

    The document loads nothing: no ``src``/``href`` to any host, no ``lib/`` folder.

    >>> empty = {"nodes": [], "edges": [], "classes": [], "properties": [], "sources": [],
    ...          "warnings": [], "options": {}}
    >>> doc = page("Demo", empty)
    >>> "default-src 'none'" in doc, 'src="http' in doc
    (True, False)
    """
    vis_script, vis_script_hash, vis_style, vis_style_hash = vis_assets()
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {vis_script_hash} {csp_hash(showable_script())} {csp_hash(SCRIPT)}",
            f"style-src {vis_style_hash} {csp_hash(STYLE)}",
            "img-src data:",  # vis-network's navigation buttons are data: images in its CSS
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    heading = html.escape(shown(title))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style>{vis_style}</style>
<style>{STYLE}</style>
</head>
<body data-state="loading">
<header>
<h1>{heading}</h1>
<span id="counts"></span>
<div id="find">
<label for="search">Find</label>
<input id="search" type="search" autocomplete="off" spellcheck="false" placeholder="name, brand, INN, acronym…" aria-controls="results">
<ol id="results" aria-live="polite"></ol>
</div>
<button id="fit" type="button" title="Show the whole network">Fit</button>
</header>
<div id="warnings" role="alert"></div>
<main>
<nav id="legend" aria-label="Classes"><h2>Classes</h2><p class="hint">Untick a class to hide it.</p><div id="classes"></div><div id="attributes"></div></nav>
<div id="network" aria-label="Network of entities"></div>
<aside id="panel" aria-live="polite"></aside>
</main>
<div id="progress" role="status"></div>
<script type="application/json" id="atmp-data">{script_json(payload)}</script>
<script>{vis_script}</script>
<script>{showable_script()}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


STYLE = """
:root { --line: #d9dde3; --muted: #5b6675; --ink: #1d2430; --accent: #1f5fbf;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; min-height: 360px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; padding: 8px 12px;
  border-bottom: 1px solid var(--line); background: #f6f7f9; }
h1 { font-size: 16px; margin: 0; }
h2 { font-size: 15px; margin: 4px 0 6px; overflow-wrap: anywhere; }
h3 { font-size: 12px; margin: 14px 0 4px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
#counts, .hint, .meta, .count { color: var(--muted); }
.hint { font-size: 12px; margin: 0 0 6px; }
#find { position: relative; display: flex; align-items: center; gap: 6px; margin-left: auto; }
#search { width: 300px; padding: 5px 8px; font: inherit; border: 1px solid #b9c0ca; border-radius: 4px; }
#results { position: absolute; top: 100%; right: 0; z-index: 30; width: 380px; max-height: 60vh;
  overflow: auto; margin: 3px 0 0; padding: 4px 0; list-style: none; background: #fff;
  border: 1px solid var(--line); border-radius: 4px; box-shadow: 0 6px 18px rgba(0,0,0,.14); }
#results:empty { display: none; }
#results li { padding: 1px 8px; }
#results .meta { font-size: 12px; margin-left: 4px; }
button { font: inherit; cursor: pointer; }
#fit { padding: 4px 10px; border: 1px solid #b9c0ca; border-radius: 4px; background: #fff; }
.expand { margin-top: 12px; padding: 4px 10px; border: 1px solid #b9c0ca; border-radius: 4px; background: #fff; }
.node-link { border: 0; padding: 0; background: none; color: var(--accent); text-align: left;
  text-decoration: underline; text-underline-offset: 2px; }
#warnings p { margin: 0; padding: 6px 12px; background: #fff4ce; border-bottom: 1px solid #e6cf7a; }
main { flex: 1; display: flex; min-height: 0; }
#legend { width: 200px; flex: none; overflow: auto; padding: 8px 10px; border-right: 1px solid var(--line); }
.class-row { display: flex; align-items: center; gap: 6px; padding: 2px 0; cursor: pointer; }
.class-row svg { flex: none; }
.class-row .count { margin-left: auto; font-size: 12px; }
#attributes h3 { margin-top: 12px; }
.attribute { display: flex; width: 100%; gap: 6px; border: 0; padding: 1px 0; background: none;
  color: var(--ink); text-align: left; }
.attribute:hover, .attribute[aria-pressed="true"] { color: var(--accent); text-decoration: underline; }
.attribute .count { margin-left: auto; font-size: 12px; }
#network { flex: 1; min-width: 0; position: relative; background: #fff; }
#panel { width: 340px; flex: none; overflow: auto; padding: 8px 14px 16px; border-left: 1px solid var(--line); }
.badge { display: inline-block; margin: 0 0 4px; padding: 0 6px; border-radius: 8px; background: #eef1f5; font-size: 12px; }
.iri { display: block; font-size: 11px; color: var(--muted); overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: minmax(90px, 40%) 1fr; gap: 3px 10px; margin: 0; }
dl.facts dt { color: var(--muted); overflow-wrap: anywhere; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ul.items { margin: 0; padding-left: 16px; }
ul.items li { margin: 2px 0; overflow-wrap: anywhere; }
.meta { font-size: 12px; }
a { color: var(--accent); }
#progress { position: fixed; left: 50%; bottom: 14px; transform: translateX(-50%); z-index: 40;
  padding: 6px 14px; border-radius: 4px; background: var(--ink); color: #fff; }
#progress:empty { display: none; }
div.vis-tooltip { font: 12px/1.3 system-ui, sans-serif; }
@media (max-width: 820px) { #legend { width: 150px; } #panel { width: 240px; } #search { width: 170px; } }
@media (max-width: 600px) {
  main { flex-direction: column; overflow: auto; }
  #network { flex: none; order: -1; height: 65vh; min-height: 280px; }
  #legend, #panel { width: auto; border: 0; border-top: 1px solid var(--line); overflow: visible; }
}
"""


SCRIPT = r"""
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("atmp-data").textContent);
  const { classes, attributes, properties, sources, nodes: N, edges: E } = data;
  const byId = (id) => document.getElementById(id);
  const number = (n) => n.toLocaleString("en");

  // Every value reaches the page through textContent, never innerHTML, and shown (showable,
  // from showable.js, inlined before this script: each control, format and invisible
  // character written as its escape, stacked marks counted, as errors.visible writes it).
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = showable(text);
    return node;
  }

  // Only absolute http(s) URLs become links; javascript:, data: and anything else stay text.
  function link(url, text) {
    let parsed = null;
    try { parsed = new URL(url); } catch (error) { parsed = null; }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      const span = el("span", null, text);
      // a value shown by its label (an IRI of your own namespace) keeps its IRI at hand
      if (url && url !== text) span.title = showable(url);
      return span;
    }
    const a = el("a", null, text);
    a.href = parsed.href;
    if (url !== text) a.title = showable(url);
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // The page of an entity on the server that drew this view (its Graph tab, at /graph), or null
  // for a view in a file or a notebook, which no server answers.
  function servedPage(iri) {
    const own = "https://w3id.org/atmp-kg/id/";
    if (!/^https?:$/.test(location.protocol) || location.pathname !== "/graph" || !iri.startsWith(own)) {
      return null;
    }
    return new URL("/id/" + iri.slice(own.length), location.href).href;
  }

  const SHAPES = {
    dot: "M14 8A6 6 0 1 1 2 8A6 6 0 1 1 14 8Z",
    square: "M2.5 2.5H13.5V13.5H2.5Z",
    diamond: "M8 1L15 8L8 15L1 8Z",
    triangle: "M8 1.5L15 14H1Z",
    triangleDown: "M1 2H15L8 14.5Z",
    star: "M8 1L9.9 6.1H15.3L10.9 9.3L12.5 14.5L8 11.3L3.5 14.5L5.1 9.3L0.7 6.1H6.1Z",
    hexagon: "M8 1L14 4.5V11.5L8 15L2 11.5V4.5Z",
  };
  function swatch(cls) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", SHAPES[cls.shape] || SHAPES.dot);
    path.setAttribute("fill", cls.color);
    path.setAttribute("stroke", cls.border);
    svg.append(path);
    return svg;
  }

  const out = N.map(() => []);
  const inc = N.map(() => []);
  E.forEach(([from, to], i) => { out[from].push(i); inc[to].push(i); });
  // Links drawn: those to the entities held back for Expand do not make a node a hub of the picture.
  const degree = (id) =>
    out[id].filter((e) => visible.has(E[e][1])).length + inc[id].filter((e) => visible.has(E[e][0])).length;
  // A node's size counts them: it tells how much Expand would add.
  const allLinks = (id) => out[id].length + inc[id].length;
  function neighbours(id) {
    const found = new Set();
    out[id].forEach((e) => found.add(E[e][1]));
    inc[id].forEach((e) => found.add(E[e][0]));
    found.delete(id);
    return [...found];
  }
  const members = classes.map(() => []);
  N.forEach((n, i) => members[n.c].push(i));

  // The page holds the entities one link beyond what it draws at first (nodes from data.shown
  // on): expanding a node draws those it links to, collapsing it takes them away again.
  const visible = new Set(N.slice(0, data.shown).map((n, id) => id));
  const shown = (ids) => ids.filter((id) => visible.has(id));
  const nodeItem = (id) => ({
    id, label: showable(N[id].label), group: "c" + N[id].c,
    value: N[id].value === undefined ? allLinks(id) : N[id].value,
    title: showable(N[id].label + " (" + classes[N[id].c].label + ")"),
  });
  // a link drawn beside others of the same direction (its fourth number: how many before it)
  // bends further out than they do, so that each line and label can be seen
  const edgeItem = (id) => ({
    id, from: E[id][0], to: E[id][1], label: showable(properties[E[id][2]]),
    ...(E[id][3] ? { smooth: { ...data.options.edges.smooth, roundness: data.options.edges.smooth.roundness + 0.25 * E[id][3] } } : {}),
  });
  const nodes = new vis.DataSet([...visible].map(nodeItem));
  const edges = new vis.DataSet(E.map((e, id) => id)
    .filter((id) => visible.has(E[id][0]) && visible.has(E[id][1])).map(edgeItem));

  // The focus of a neighbourhood is the biggest node, ringed, its label larger; it and its direct
  // neighbours are labelled whatever the zoom (drawThreshold 0), the others once readable.
  const focus = data.focus;
  const near = focus >= 0 ? shown(neighbours(focus)) : [];
  // The smallest zoom a focus view opens at: its neighbours' labels (15 px) read at 10 px.
  const READABLE_SCALE = 0.67;
  // the labels placed first, at the first render and after every expansion: never left out (in
  // an overview, every class's)
  // the ids, those with the most links drawn first: each counted once a sort, not at each comparison
  const byLinksDrawn = (ids) => {
    const count = new Map(ids.map((id) => [id, degree(id)]));
    return ids.sort((a, b) => count.get(b) - count.get(a) || a - b);
  };
  const first = focus >= 0 ? [focus].concat(byLinksDrawn(near.slice())) : data.overview ? byLinksDrawn([...visible]) : [];
  const always = { label: { enabled: false, drawThreshold: 0 } };
  // A view without a focus (a query's answer, some classes) opens fitted to all its nodes, where
  // names are too small to read: its best-linked entities are labelled from the start, at a size
  // that reads at that zoom (10 px at least), and laid out like a focus's neighbours.
  const HUBS_LABELLED = 12;
  const READABLE_PX = 10;
  // Zoomed in, those names are drawn no larger than a focus's (18 px on screen), not at the size
  // raised for the first zoom times the zoom: `raised` is that size, once set.
  const HUB_LABEL_MAX_PX = 18;
  let raised = 0;
  // A label's lines are as wide as its font allows: a font raised to read at a small zoom needs
  // its width raised with it, or the name breaks inside its words. `down` moves it down (see
  // resizeHubs).
  const hubFont = (id, size, down = 0) => ({
    id, font: { size, vadjust: down }, scaling: always,
    widthConstraint: { maximum: data.options.nodes.widthConstraint.maximum * size / data.options.nodes.font.size },
  });
  if (focus >= 0) {
    const biggest = Math.max(...N.map((n, id) => allLinks(id)));
    nodes.update(near.map((id) => ({ id, font: { size: 15 }, scaling: always })));
    nodes.update({
      id: focus, value: biggest + 1, borderWidth: 5, scaling: always,
      color: { background: classes[N[focus].c].color, border: "#1d2430" }, font: { size: 18, strokeWidth: 4 },
    });
  }
  // Selected and hovered nodes and links are drawn at full strength, also while the rest of the
  // network is faded (see highlight below).
  const ink = { node: data.options.nodes.font.color, edge: data.options.edges.font.color };
  data.options.nodes.chosen = {
    node: (values, id, selected) => {
      values.color = classes[N[id].c].color;
      values.borderColor = "#1d2430";
      values.borderWidth = selected ? 2.5 : 1.5;
    },
    label: (values, id, selected) => {
      values.color = ink.node;
      if (selected) values.mod = "bold";
    },
  };
  data.options.edges.chosen = {
    edge: (values, id, selected) => {
      values.opacity = 1;
      values.color = selected ? data.options.edges.color.highlight : data.options.edges.color.hover;
      values.width = 2;
    },
    label: (values) => { values.color = ink.edge; },
  };
  const network = new vis.Network(byId("network"), { nodes, edges }, data.options);

  function showCounts() {
    byId("counts").textContent = number(nodes.length) + " nodes · " + number(edges.length) + " links";
  }
  showCounts();
  data.warnings.forEach((text) => byId("warnings").append(el("p", null, text)));

  // Physics lays the network out once, then stops, so a large graph does not keep the CPU busy.
  const progress = byId("progress");
  function stable() {
    network.setOptions({ physics: { enabled: false } });
    progress.textContent = "";
    // when the layout was done, in ms since the page started loading (read by the benchmark)
    document.body.dataset.stableMs = String(Math.round(performance.now()));
    if (!visible.size) {
      document.body.dataset.state = "stable";
      return;
    }
    // A neighbourhood opens on its focus and its neighbours, fitted again once their labels
    // are measured and moved apart, so that none of those labels starts outside the frame.
    if (focus >= 0) network.fit({ nodes: first, animation: false });
    const readable = () => {
      raised = Math.max(14, Math.ceil(1.2 * READABLE_PX / network.getScale()));
      nodes.update(first.map((id) => hubFont(id, raised)));
    };
    if (focus < 0 && !data.overview) {
      first.push(...byLinksDrawn([...visible]).slice(0, HUBS_LABELLED));
      readable();
    }
    // Once the view is where it opens, the other labels that read at that zoom are laid out too:
    // those that would lie on one placed wait until the reader zooms in.
    // A label is measured where it was last drawn, and a node moved may draw its label a few
    // pixels from where it was reckoned: the layout is checked again once drawn, a few rounds.
    // Labels keep their places whatever the zoom, so fitting the focus's labels into the frame
    // again (refit) moves none onto another.
    const settle = (then, round = 0) => {
      network.once("afterDrawing", () => {
        if (declutter(first) && round < 4) {
          settle(then, round + 1);
          return;
        }
        then();
      });
      network.redraw();
    };
    const finish = () => {
      network.once("afterDrawing", () => { document.body.dataset.state = "stable"; });
      network.redraw();
    };
    if (focus < 0) {
      // the nodes moved clear of a label may lie past the frame: everything is fitted again,
      // and the names made readable at the zoom that gives, laid out once more in place
      settle(data.overview ? () => { clearLinkLabels(); finish(); } : () => {
        network.fit({ animation: false });
        readable();
        // fitting scales labels and places alike, so it brings no label onto another; the
        // labels were sized with room for the zoom it usually takes away (a sixth). When the
        // names fit only smaller than that, they are sized to read and laid out again, and a
        // line says that some lie beyond the frame, as a focus's neighbours do.
        settle(() => {
          network.fit({ animation: false });
          const scale = network.getScale();
          if (first.every((id) => nodes.get(id).font.size * scale >= READABLE_PX)) {
            finish();
            return;
          }
          byId("warnings").append(el("p", null, "Not all of the " + number(first.length) +
            " names shown from the start fit at a size that can be read: drag or zoom out to see the others; Fit shows them all."));
          // after the line has taken its place above the network, whose frame it shrinks
          network.once("afterDrawing", () => {
            readable();
            settle(finish);
          });
          network.redraw();
        });
      });
      return;
    }
    network.once("afterDrawing", () => {
      declutter(first);
      network.once("afterDrawing", () => {
        network.fit({ nodes: first, animation: false });
        // Many neighbours fit only at a scale where no label can be read: the view opens on the
        // focus at the smallest readable scale instead, and says how to see them all.
        if (network.getScale() >= READABLE_SCALE) {
          // fitted again, the frame takes in nodes whose labels were not laid out in the last
          // one: laid out once more (how wide a label is depends on the fonts the system has)
          settle(() => {
            network.fit({ nodes: first, animation: false });
            settle(finish);
          });
          return;
        }
        byId("warnings").append(el("p", null, number(near.length) + " entities are linked to " +
          N[focus].label + ": not all fit at a size that can be read. Drag or zoom out to see the others; Fit shows them all."));
        // after the warning has taken its place above the network, whose frame it shrinks
        network.once("afterDrawing", () => {
          network.moveTo({ position: network.getPosition(focus), scale: READABLE_SCALE, animation: false });
          settle(finish);
        });
        network.redraw();
      });
      network.redraw();
    });
    network.redraw();
  }

  // Labels drawn over one another, or over another node, cannot be read. At the first render the
  // labels are placed in order, the focus first, then its neighbours, then the best linked: a
  // neighbour whose label overlaps a label already placed or another node moves down until it is
  // clear; any other label that overlaps is left out until the reader zooms in (its drawThreshold
  // is raised just above its size now).
  function labelBox(id) {
    const size = network.body.nodes[id].labelModule.size;
    // vis measures a label where it would be without its vadjust, and draws it that far down
    const down = network.body.nodes[id].options.font.vadjust || 0;
    return { left: size.left, top: size.top + down, right: size.left + size.width, bottom: size.top + down + size.height };
  }
  function shapeBox(id) {
    const node = network.body.nodes[id];
    const half = { x: (node.shape.width || 0) / 2, y: (node.shape.height || 0) / 2 };
    return { left: node.x - half.x, top: node.y - half.y, right: node.x + half.x, bottom: node.y + half.y };
  }
  const GAP = 4;
  const clash = (a, b, slack = 0) => a.left < b.right && b.left < a.right &&
    a.top < b.bottom + GAP - slack && b.top < a.bottom + GAP - slack;
  // A label is measured where it was drawn, which may be a fraction of a pixel from where it was
  // reckoned: placing labels, one that near is clear (moved again, it would creep every round).
  const SLACK = 1;
  // Only the nodes in the frame are drawn, so only their labels were measured where they stand.
  function frame() {
    const canvas = network.canvas.frame.canvas;
    const from = network.DOMtoCanvas({ x: 0, y: 0 });
    const to = network.DOMtoCanvas({ x: canvas.clientWidth, y: canvas.clientHeight });
    return { left: from.x, top: from.y, right: to.x, bottom: to.y };
  }
  function inFrame() {
    const view = frame();
    return (id) => {
      const node = network.body.nodes[id];
      return node.x >= view.left && node.x <= view.right && node.y >= view.top && node.y <= view.bottom;
    };
  }
  // Whether a node's label lies in the frame, its node's centre inside it or not.
  function inView() {
    const view = frame();
    return (id) => clash(labelBox(id), view, GAP);
  }
  function declutter(first) {
    const seen = inFrame();
    const rest = byLinksDrawn([...visible]
      .filter((id) => !first.includes(id) && seen(id) && network.body.nodes[id].labelModule.visible()));
    const shown = [...visible];
    // A label of the first is kept off the nodes that stand still: those placed before it and
    // those not among the first. A node of the first placed after it keeps its own shape off the
    // labels placed (below): if each label fled the other's node, two nodes drawn on one spot
    // would push each other down at every round.
    const placedIds = new Set();
    const moving = new Set(first);
    const still = (other) => placedIds.has(other) || !moving.has(other);
    const onShape = (id, box) =>
      shown.find((other) => other !== id && still(other) && clash(box, shapeBox(other), SLACK));
    const placed = [];
    let moved = 0;
    first.filter(seen).forEach((id) => {
      const box = labelBox(id);
      const own = shapeBox(id);
      for (let tries = 0; tries < 50; tries += 1) {
        // what the label lies on (a label placed or a node that stands still), or a label its
        // node covers
        const other = onShape(id, box);
        const under = placed.find((done) => clash(box, done, SLACK)) || (other !== undefined && shapeBox(other));
        const over = placed.find((done) => clash(own, done, SLACK));
        if (!under && !over) break;
        const shift = under ? under.bottom + GAP - box.top : over.bottom + GAP - own.top;
        const at = network.getPosition(id);
        network.moveNode(id, at.x, at.y + shift);
        moved += 1;
        [box, own].forEach((b) => { b.top += shift; b.bottom += shift; });
      }
      placed.push(box);
      placedIds.add(id);
    });
    holdBack(rest, placed);
    return moved;
  }
  // In the class overview, a link's label that would lie on a class's name or node, or on the
  // label of a link kept before it, is left off the drawing: the link stays, names its
  // properties when pointed at, and the panel of either class lists it. A link's label lies
  // along it, turned, so labels are compared as turned rectangles (each by its corners).
  function clearLinkLabels() {
    const upright = (b) => [[b.left, b.top], [b.right, b.top], [b.right, b.bottom], [b.left, b.bottom]];
    const kept = [...visible].flatMap((id) => [upright(boldBox(id)), upright(shapeBox(id))]);
    const hidden = [];
    edges.getIds().forEach((id) => {
      const edge = network.body.edges[id];
      if (!edge.labelModule.visible()) return;
      // vis turns a link's label about the middle of its first line; the block's middle lies
      // below that by half of the lines after the first
      const turn = edge._getRotation();
      const size = edge.labelModule.size;
      const below = size.top + size.height / 2 - turn.y;
      const cos = Math.cos(turn.angle), sin = Math.sin(turn.angle);
      const middle = { x: turn.x - sin * below, y: turn.y + cos * below };
      const box = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([x, y]) => {
        const dx = x * size.width / 2, dy = y * size.height / 2;
        return [middle.x + dx * cos - dy * sin, middle.y + dx * sin + dy * cos];
      });
      if (kept.some((other) => overlapping(box, other))) {
        hidden.push({ id, label: " ", title: showable(properties[E[id][2]]) });
      } else {
        kept.push(box);
      }
    });
    edges.update(hidden);
  }
  // A class chosen draws its name and its neighbours' bold (see chosen), wider than at first, by
  // as much as the system's fonts make it: a link's label is kept clear of the bold name.
  const measure = document.createElement("canvas").getContext("2d");
  function boldBox(id) {
    const box = labelBox(id), font = network.body.nodes[id].options.font;
    const lines = String(nodes.get(id).label).split("\n");
    const width = (weight) => {
      measure.font = weight + " " + font.size + "px " + font.face;
      return Math.max(...lines.map((line) => measure.measureText(line).width));
    };
    const extra = Math.max(0, width("bold") - width("normal")) / 2;
    return { left: box.left - extra, top: box.top, right: box.right + extra, bottom: box.bottom };
  }
  // Two convex shapes given by their corners overlap unless a line between them parts them:
  // for rectangles, one along a side of either.
  function overlapping(a, b) {
    return [a, b].every((shape) => [0, 1].every((k) => {
      const axis = [shape[k][1] - shape[k + 1][1], shape[k + 1][0] - shape[k][0]];
      const along = (corners) => corners.map(([x, y]) => x * axis[0] + y * axis[1]);
      const [p, q] = [along(a), along(b)];
      return Math.max(...p) > Math.min(...q) && Math.max(...q) > Math.min(...p);
    }));
  }
  // The labels of rest, best linked first, are drawn where none lies on a label placed or on a
  // node; the others wait until the reader zooms in (drawThreshold just above their size now).
  const waiting = new Set();
  function holdBack(rest, placed) {
    const shown = [...visible];
    const hidden = [];
    rest.forEach((id) => {
      const box = labelBox(id);
      if (placed.some((other) => clash(box, other)) ||
          shown.some((other) => other !== id && clash(box, shapeBox(other), SLACK))) {
        const px = network.body.nodes[id].options.font.size * network.getScale();
        hidden.push({ id, scaling: { label: { enabled: false, drawThreshold: Math.ceil(px) + 4 } } });
        waiting.add(id);
      } else {
        placed.push(box);
      }
    });
    nodes.update(hidden);
    network.redraw();
  }
  // Zoomed or moved, the names that read where the view now stands are laid out again as at the
  // first render, without moving a node: once the reader stops, the labels held back before get
  // their usual threshold again, and those then drawn on another label or node wait again.
  // Each relabel has its number: one the reader overtook (a zoom while the last was being laid
  // out) neither stops the next nor says the page is stable.
  let relabelling;
  let relabels = 0;
  function relabel() {
    const state = document.body.dataset.state;
    if (state !== "stable" && state !== "relabelling") return;
    clearTimeout(relabelling);
    const mine = ++relabels;
    document.body.dataset.state = "relabelling";
    relabelling = setTimeout(() => {
      if (mine !== relabels || document.body.dataset.state !== "relabelling") return;
      if (raised) resizeHubs();
      nodes.update([...waiting].filter((id) => visible.has(id))
        .map((id) => ({ id, scaling: data.options.nodes.scaling })));
      waiting.clear();
      network.once("afterDrawing", () => {
        const seen = inView();
        const drawnNow = (id) => network.body.nodes[id].labelModule.visible() && seen(id);
        holdBack(byLinksDrawn([...visible].filter((id) => !first.includes(id) && drawnNow(id))),
          first.filter(drawnNow).map(labelBox));
        // asked for once this drawing is over: a redraw asked for while one is drawn is dropped,
        // and when nothing was held back nothing else asks for one
        setTimeout(() => {
          network.once("afterDrawing", () => {
            if (mine !== relabels) return;
            // the number of the relabel that ended: a script that zoomed waits for it to pass the
            // number it read before, as the "relabelling" state may come and go between two polls
            document.body.dataset.relabelled = String(mine);
            document.body.dataset.state = "stable";
          });
          network.redraw();
        });
      });
      network.redraw();
    }, 150);
  }
  ["zoom", "dragEnd", "animationFinished"].forEach((event) => network.on(event, relabel));
  // A label hangs below its node half its font size down, so drawn smaller it rises towards its
  // node, where it may lie on another node or name: it is moved down (vadjust) as little as keeps
  // it clear of the nodes and of the names resized before it, and at most to where it stood at the
  // raised size, which was laid out clear. Its box at another size is reckoned from the box drawn
  // (lines wrap alike, so it scales with the font); a name out of the frame, not drawn, waits
  // until the reader moves to it.
  function resizeHubs() {
    const size = Math.max(data.options.nodes.font.size,
      Math.min(raised, Math.floor(HUB_LABEL_MAX_PX / network.getScale())));
    const placed = [];
    const shown = [...visible];
    nodes.update(first.filter(inView()).map((id) => {
      const font = network.body.nodes[id].options.font;
      const drawn = labelBox(id);
      const scale = size / font.size;
      const half = (drawn.right - drawn.left) * scale / 2;
      const middle = (drawn.left + drawn.right) / 2;
      const top = drawn.top - (font.vadjust || 0) + (size - font.size) / 2;
      const at = (down) => ({ left: middle - half, right: middle + half, top: top + down,
        bottom: top + down + (drawn.bottom - drawn.top) * scale });
      const clear = (box) => !placed.some((other) => clash(box, other)) &&
        !shown.some((other) => other !== id && clash(box, shapeBox(other)));
      const most = (raised - size) / 2;
      let down = 0;
      while (down < most && !clear(at(down))) down = Math.min(most, down + 1);
      placed.push(at(down));
      return hubFont(id, size, down);
    }));
  }

  if (N.length) {
    progress.textContent = "Laying out " + number(nodes.length) + " nodes…";
    network.on("stabilizationProgress", ({ iterations, total }) => {
      progress.textContent = "Laying out " + number(nodes.length) + " nodes… " +
        Math.round((100 * iterations) / total) + "%";
    });
    network.once("stabilizationIterationsDone", stable);
  } else {
    stable();
  }

  function toggleOf(cls, k) {
    const row = el("label", "class-row");
    const box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = String(k);
    box.addEventListener("change", () => showClass(k, box.checked));
    const count = el("span", "count");
    row.append(box, swatch(cls), el("span", null, cls.label), count);
    byId("classes").append(row);
    return [box, count];
  }
  const toggles = classes.map(toggleOf);
  function showClassCounts() {
    toggles.forEach(([, count], k) => {
      const n = classes[k].count === undefined ? shown(members[k]).length : classes[k].count;
      count.textContent = number(n);
      count.parentNode.hidden = !n;
    });
  }
  showClassCounts();
  function showClass(k, on) {
    toggles[k][0].checked = on;
    nodes.update(shown(members[k]).map((id) => ({ id, hidden: !on })));
  }

  // Places, agencies and concept values are attributes, not nodes: the legend lists them by
  // property, and choosing one selects the nodes that have it.
  let attributeButtons = [];
  function showAttributes() {
    const box = byId("attributes");
    box.replaceChildren();
    attributeButtons = [];
    let lastProperty = -1;
    attributes.forEach(([p, value, all], k) => {
      const ids = shown(all);
      if (!ids.length) return;
      if (p !== lastProperty) {
        box.append(el("h3", null, properties[p]));
        lastProperty = p;
      }
      const button = el("button", "attribute");
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.dataset.k = String(k);
      button.append(el("span", null, value), el("span", "count", number(ids.length)));
      button.addEventListener("click", () => showAttribute(k));
      box.append(button);
      attributeButtons.push(button);
    });
  }
  showAttributes();
  function showAttribute(k) {
    const [p, value, all] = attributes[k];
    const ids = shown(all);
    attributeButtons.forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.k === String(k))));
    ids.forEach((id) => { if (!toggles[N[id].c][0].checked) showClass(N[id].c, true); });
    if (!dimmed && N.length + E.length <= DIM_LIMIT) {
      network.setOptions(faded);
      dimmed = true;
    }
    network.setSelection({ nodes: ids, edges: [] }, { unselectAll: true, highlightEdges: false });
    current = null;
    panel.replaceChildren(el("h2", null, properties[p] + ": " + value), el("span", "badge", number(ids.length) + " nodes"));
    list("Nodes", ids.map((id) => {
      const li = el("li");
      li.append(nodeButton(id), el("span", "meta", " " + classes[N[id].c].label));
      return li;
    }));
  }

  // The neighbourhood of the chosen node is selected and, in networks small enough, everything
  // else is faded: one change of the global options (paler class colours, fainter links and
  // labels; vis then revisits the whole network, about 0.1 s for 1,000 nodes and 3,000 links).
  // Above DIM_LIMIT nodes and links only the selection is highlighted. vis replaces an option
  // object as a whole, so each change repeats the other settings of that object.
  const DIM_LIMIT = 5000;
  const pale = (hex) => "#" + [1, 3, 5].map((i) =>
    Math.round(255 - (255 - parseInt(hex.slice(i, i + 2), 16)) * 0.2).toString(16).padStart(2, "0")).join("");
  // a group option replaces the whole group: the shape goes with the colour, for nodes that
  // expanding adds while the rest is faded
  const fadedGroup = (cls) => {
    const color = pale(cls.color);
    return { shape: cls.shape, color: { background: color, border: color } };
  };
  const fadedGroups = {};
  classes.forEach((cls, k) => { fadedGroups["c" + k] = fadedGroup(cls); });
  const look = (groups, nodeInk, edgeInk, opacity) => ({
    groups,
    nodes: { font: { ...data.options.nodes.font, color: nodeInk } },
    edges: {
      color: { ...data.options.edges.color, opacity },
      font: { ...data.options.edges.font, color: edgeInk },
    },
  });
  const faded = look(fadedGroups, "rgba(29,36,48,0.25)", "rgba(74,85,96,0.15)", 0.12);
  const plain = look(data.options.groups, ink.node, ink.edge, 1);
  let current = null;
  let dimmed = false;
  function highlight(id) {
    attributeButtons.forEach((button) => button.setAttribute("aria-pressed", "false"));
    const around = [id].concat(shown(neighbours(id)));
    if (!dimmed && N.length + E.length <= DIM_LIMIT) {
      network.setOptions(faded);
      dimmed = true;
    }
    const links = out[id].concat(inc[id]).filter((e) => edges.get(e) !== null);
    network.setSelection({ nodes: around, edges: links }, { unselectAll: true, highlightEdges: false });
    current = id;
  }
  function clearHighlight() {
    attributeButtons.forEach((button) => button.setAttribute("aria-pressed", "false"));
    network.unselectAll();
    current = null;
    if (dimmed) network.setOptions(plain);
    dimmed = false;
  }

  const panel = byId("panel");
  function emptyPanel() {
    panel.replaceChildren(
      el("h2", null, "Details"),
      el("p", "hint", data.overview
        ? "Each node is a class, sized by how many entities it has; each link joins one class to another, labelled with each property that does and how many links it makes. Click a class to list its entities and see the command that draws them."
        : N.length
          ? "Click a node to see its facts, links and sources; double-click it to show what else it links to, again to hide that. Find a node by name above; hide classes on the left."
          : "Nothing to show: the selection holds no entities."),
    );
  }
  function nodeButton(i) {
    const button = el("button", "node-link", N[i].label);
    button.type = "button";
    button.addEventListener("click", () => select(i, true));
    return button;
  }
  function list(title, items) {
    if (!items.length) return;
    const ul = el("ul", "items");
    items.forEach((item) => ul.append(item));
    panel.append(el("h3", null, title), ul);
  }
  function showPanel(id) {
    const n = N[id];
    panel.replaceChildren(el("h2", null, n.label), el("span", "badge", classes[n.c].label), el("code", "iri", n.iri));
    if (n.facts.length) {
      const dl = el("dl", "facts");
      n.facts.forEach(([p, value, href]) => {
        const dd = el("dd");
        dd.append(href ? link(href, value) : document.createTextNode(showable(value)));
        dl.append(el("dt", null, properties[p]), dd);
      });
      panel.append(el("h3", null, "Facts"), dl);
    }
    list("Sources", n.src.map(([p, s]) => {
      const source = sources[s];
      const li = el("li");
      li.append(link(source.url, source.title));
      const meta = [source.publisher, source.issued].filter(Boolean).join(", ");
      li.append(el("span", "meta", (meta ? " — " + meta : "") + " (" + properties[p] + ")"));
      return li;
    }));
    const links = out[id].map((e) => [E[e][2], E[e][1], "→ "])
      .concat(inc[id].map((e) => [E[e][2], E[e][0], "← "]))
      .filter(([, other]) => visible.has(other))
      .sort((a, b) => properties[a[0]].localeCompare(properties[b[0]]) || N[a[1]].label.localeCompare(N[b[1]].label));
    list("Links", links.map(([p, other, arrow]) => {
      const li = el("li", null, arrow + properties[p] + ": ");
      li.append(nodeButton(other));
      return li;
    }));
    if (n.members) {
      list("Entities", n.members.map((name) => el("li", null, name)));
      if (n.more) panel.append(el("p", "meta", "… and " + number(n.more) + " more"));
    }
    const asks = served && n.left;
    const more = neighbours(id).filter((other) => !visible.has(other)).length + (asks ? n.left[0] : 0);
    if (more || expanded.has(id)) {
      const button = el("button", "expand", expanded.has(id)
        ? (expanded.get(id).length ? "Collapse: hide the " + number(expanded.get(id).length) + " it showed" : "Collapse")
        : "Expand: show " + number(more) + " more linked " + (more === 1 ? "entity" : "entities"));
      button.type = "button";
      button.disabled = asking.has(n.iri);
      button.addEventListener("click", () => toggle(id));
      panel.append(button);
    }
    if (n.left) {
      const more = number(n.left[0]) + " more linked " + (n.left[0] === 1 ? "entity is" : "entities are") +
        " not in this page (it holds a few for each node)";
      const page = servedPage(n.iri);
      if (asks) {
        const line = el("p", "meta", more + ": expanding asks the server for them; ");
        if (page) line.append(link(page, "its page"), " draws them all too.");
        panel.append(line);
      } else if (page) {
        // the Graph tab opened by itself: the entity's own page draws every entity it links to
        const line = el("p", "meta", more + ": ");
        line.append(link(page, "its page draws them all"), ".");
        panel.append(line);
      } else {
        panel.append(el("p", "meta", more + ": atmpkg view --focus " + n.left[1] + " draws them all."));
      }
    }
    if (n.failed) panel.append(el("p", "meta", "The server could not answer: " + n.failed));
  }

  // In the Graph tab of atmpkg serve, expanding a node that links to more than the page holds
  // asks the server for its neighbourhood. This frame is sandboxed and its policy allows no
  // request, so it asks the query page that holds it, which fetches from its own server; the
  // answer is a view's data, which joins the page's (each entity, link and source once).
  const served = /^https?:$/.test(location.protocol) && location.pathname === "/graph" &&
    window.parent !== window;
  const asking = new Set();
  function ask(id) {
    asking.add(N[id].iri);
    delete N[id].failed;
    progress.textContent = showable("Asking the server what " + N[id].label + " links to…");
    document.body.dataset.state = "asking";
    window.parent.postMessage({ kind: "atmp-neighbours", iri: N[id].iri }, location.origin);
  }
  const at = new Map(N.map((n, i) => [n.iri, i]));
  function indexOf(list, key, value, add) {
    const found = list.findIndex((item) => key(item) === key(value));
    if (found >= 0) return found;
    list.push(add ? add(value) : value);
    return list.length - 1;
  }
  function adopt(more) {
    const prop = more.properties.map((label) => indexOf(properties, (p) => p, label));
    const record = (s) => JSON.stringify([s.title, s.publisher, s.issued, s.url]);
    const src = more.sources.map((s) => indexOf(sources, record, s));
    const cls = more.classes.map((entry, k) => indexOf(classes, (c) => c.key, entry, () => {
      const c = classes.length;
      const group = more.options.groups["c" + k];
      data.options.groups["c" + c] = group;
      fadedGroups["c" + c] = fadedGroup(entry);
      network.setOptions({ groups: dimmed ? fadedGroups : data.options.groups });
      members.push([]);
      toggles.push(toggleOf(entry, c));
      return entry;
    }));
    const id = more.nodes.map((n) => {
      if (at.has(n.iri)) return at.get(n.iri);
      const i = N.length;
      N.push({
        ...n, c: cls[n.c],
        facts: n.facts.map(([p, value, href]) => [prop[p], value, href]),
        src: n.src.map(([p, s]) => [prop[p], src[s]]),
      });
      at.set(n.iri, i);
      out.push([]);
      inc.push([]);
      members[N[i].c].push(i);
      names.push(namesOf(n));
      return i;
    });
    const drawn = new Set(E.map(([a, b, p]) => a + " " + b + " " + p));
    const added = [];
    more.edges.forEach(([a, b, p, before]) => {
      const e = [id[a], id[b], prop[p]];
      if (drawn.has(e.join(" "))) return;
      drawn.add(e.join(" "));
      E.push(before ? [...e, before] : e);
      out[e[0]].push(E.length - 1);
      inc[e[1]].push(E.length - 1);
      added.push(E.length - 1);
    });
    more.attributes.forEach(([p, value, all]) => {
      const k = indexOf(attributes, ([q, v]) => q + " " + v, [prop[p], value, []]);
      attributes[k][2] = [...new Set(attributes[k][2].concat(all.map((i) => id[i])))];
    });
    // the legend lists the values of one property together
    attributes.sort((a, b) => properties[a[0]].localeCompare(properties[b[0]]));
    return added;
  }
  window.addEventListener("message", (event) => {
    const answer = event.data || {};
    if (event.source !== window.parent || event.origin !== location.origin ||
        answer.kind !== "atmp-neighbours" || !asking.has(answer.iri)) return;
    asking.delete(answer.iri);
    const id = at.get(answer.iri);
    progress.textContent = "";
    document.body.dataset.state = "stable";
    if (answer.error) {
      // what the page holds is drawn all the same; collapsed and expanded again, it asks again
      N[id].failed = answer.error;
      expand(id);
    } else {
      const added = adopt(answer.data);
      delete N[id].left;
      expand(id);
      // a link the answer adds between two nodes drawn already is drawn too
      edges.add(added.filter((e) => visible.has(E[e][0]) && visible.has(E[e][1]) && edges.get(e) === null).map(edgeItem));
    }
    showCounts();
    showClassCounts();
    showAttributes();
    select(id, false);
  });

  // Expanding a node draws the entities it links to that the view does not show yet, around it;
  // collapsing it takes away those it drew that nothing else still needs (what was drawn at
  // first, the focus and what another expanded node drew stay), collapsing them first.
  const expanded = new Map();
  // the nodes being collapsed: what one hands over to another is never the node collapsing
  const collapsing = new Set();
  function expand(id) {
    const fresh = neighbours(id).filter((other) => !visible.has(other)).sort((a, b) => a - b);
    // a node an expansion drew that no expanded node holds any more (the node a reader collapsed
    // after what drew it had handed it on) is held by the next node expanded beside it, so that
    // collapsing that node takes it away
    const held = new Set([...expanded.values()].flat());
    const stray = neighbours(id).filter((other) => visible.has(other) && other >= data.shown &&
      other !== focus && !held.has(other));
    if (!fresh.length) {
      // what it links to another expansion drew: expanded all the same, it keeps them drawn
      // until it is collapsed
      if (neighbours(id).some((other) => other >= data.shown && other !== focus)) expanded.set(id, stray);
      return;
    }
    const at = network.getPosition(id);
    const radius = 120 + 8 * fresh.length;
    nodes.add(fresh.map((other, k) => {
      const angle = (2 * Math.PI * k) / fresh.length;
      return { ...nodeItem(other), x: at.x + radius * Math.cos(angle), y: at.y + radius * Math.sin(angle),
        hidden: !toggles[N[other].c][0].checked };
    }));
    fresh.forEach((other) => visible.add(other));
    const links = new Set();
    fresh.forEach((other) => out[other].concat(inc[other]).forEach((e) => {
      if (visible.has(E[e][0]) && visible.has(E[e][1]) && edges.get(e) === null) links.add(e);
    }));
    edges.add([...links].map(edgeItem));
    expanded.set(id, fresh.concat(stray));
    // a short layout of the new nodes only: the others hold still
    const still = [...visible].filter((other) => !fresh.includes(other));
    nodes.update(still.map((other) => ({ id: other, fixed: true })));
    document.body.dataset.state = "expanding";
    network.setOptions({ physics: { enabled: true } });
    network.once("stabilizationIterationsDone", () => {
      network.setOptions({ physics: { enabled: false } });
      nodes.update(still.map((other) => ({ id: other, fixed: false })));
      progress.textContent = "";
      network.once("afterDrawing", () => {
        declutter(first);
        document.body.dataset.state = "stable";
      });
      network.redraw();
    });
    network.stabilize(150);
  }
  function collapse(id) {
    const drew = expanded.get(id) || [];
    expanded.delete(id);
    collapsing.add(id);
    // an expanded node shows every entity it links to, whichever expansion drew it
    const needed = new Set();
    expanded.forEach((ids, other) => neighbours(other).forEach((kept) => needed.add(kept)));
    const gone = drew.filter((other) => other >= data.shown && other !== focus && !needed.has(other) && !collapsing.has(other));
    // what it drew that another expanded node links to is that node's to take away now
    drew.filter((other) => !gone.includes(other)).forEach((other) => {
      const keeper = [...expanded.keys()].find((x) => neighbours(x).includes(other));
      if (keeper !== undefined && !expanded.get(keeper).includes(other)) expanded.get(keeper).push(other);
    });
    gone.filter((other) => expanded.has(other)).forEach(collapse);
    const links = new Set();
    gone.forEach((other) => out[other].concat(inc[other]).forEach((e) => { if (edges.get(e) !== null) links.add(e); }));
    edges.remove([...links]);
    nodes.remove(gone);
    gone.forEach((other) => visible.delete(other));
    collapsing.delete(id);
  }
  function toggle(id) {
    if (asking.has(N[id].iri)) return;
    if (expanded.has(id)) collapse(id);
    else if (served && N[id].left) {
      ask(id);
      return;
    } else expand(id);
    showCounts();
    showClassCounts();
    showAttributes();
    select(id, false);
  }
  network.on("doubleClick", (event) => {
    if (event.nodes.length) toggle(event.nodes[0]);
  });

  function select(id, move) {
    const k = N[id].c;
    if (!toggles[k][0].checked) showClass(k, true);
    highlight(id);
    showPanel(id);
    if (move) {
      // the names are laid out again where the move ends (animationFinished)
      if (document.body.dataset.state === "stable") document.body.dataset.state = "relabelling";
      network.focus(id, { scale: Math.max(network.getScale(), 1), animation: { duration: 300, easingFunction: "easeInOutQuad" } });
    }
  }
  network.on("click", (event) => {
    if (event.nodes.length) {
      select(event.nodes[0], false);
    } else {
      clearHighlight();
      emptyPanel();
    }
  });

  // Search: every name of a node (label, brand, INN, acronym, other names), case-insensitive;
  // exact matches first, then names that start with the text, then names that contain it.
  const search = byId("search");
  const results = byId("results");
  const namesOf = (n) => [n.label].concat(n.names).map((name) => name.toLowerCase());
  const names = N.map(namesOf);
  function find(text) {
    const wanted = text.trim().toLowerCase();
    if (!wanted) return [];
    const found = [];
    names.forEach((candidates, i) => {
      if (!visible.has(i)) return;
      let rank = 3;
      candidates.forEach((name) => {
        if (name === wanted) rank = 0;
        else if (name.startsWith(wanted)) rank = Math.min(rank, 1);
        else if (name.includes(wanted)) rank = Math.min(rank, 2);
      });
      if (rank < 3) found.push([rank, N[i].label.toLowerCase(), i]);
    });
    found.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2]));
    return found.map((f) => f[2]);
  }
  function choose(i) {
    results.replaceChildren();
    select(i, true);
  }
  search.addEventListener("input", () => {
    const found = find(search.value);
    results.replaceChildren(...found.slice(0, 12).map((i) => {
      const li = el("li");
      const button = nodeButton(i);
      button.addEventListener("click", () => results.replaceChildren());
      li.append(button, el("span", "meta", classes[N[i].c].label));
      return li;
    }));
    if (found.length > 12) results.append(el("li", "meta", "… " + number(found.length - 12) + " more: type more of the name"));
    if (search.value.trim() && !found.length) results.append(el("li", "meta", "No node has that name"));
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const found = find(search.value);
      if (found.length) choose(found[0]);
    } else if (event.key === "Escape") {
      search.value = "";
      results.replaceChildren();
    }
  });
  byId("fit").addEventListener("click", () => {
    network.fit();
    relabel();
  });

  emptyPanel();
  // For scripts and tests driving the page (Playwright, the benchmark).
  window.atmpView = { network, nodes, edges, data, select, toggle, current: () => current };
})();
"""

"""Benchmark the graph view on synthetic graphs. Run by hand: ``python bench/bench_view.py``.

For 200, 2,000 and 10,000 nodes (synthetic graphs in the ontology's shape: companies, therapies,
approvals, indications, targets, agencies, countries, deals and modality concepts, linked as in
the curated data; deterministic), prints a Markdown table:

- time to generate the HTML with ``atmpkg.graph.render_html`` (median of ``--repeat`` runs), and the
  file size;
- in headless Chromium (/usr/bin/chromium, every network request blocked): the time from the start
  of loading until vis-network's ``stabilizationIterationsDone`` event (the page then turns physics
  off), and the time to select a node and highlight its neighbourhood afterwards;
- pyvis's own path from the same triples (``to_networkx``, ``Network.from_nx``, ``write_html``;
  its page loads its assets from CDNs and is not self-contained), and how many times slower it is
  than ``render_html``.

With ``--curated``, instead: the views of the curated graph (a store built from the packaged data,
or ``--store``) that read the most subjects, ``kg.view`` of four classes and of a company's
two-hop neighbourhood, and the GraphML exports of two and of four classes (whose note counts the
links left out to other classes), the median wall and CPU seconds of ``--repeat`` runs each
(after one to warm up).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from atmpkg.graph import render_html, to_networkx
from atmpkg.graph.terms import ATMP, ID, RDF, RDFS, SKOS, XSD

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: Share of the nodes per kind, close to the curated graph's.
SHARES = {
    "company": 0.20,
    "therapy": 0.10,
    "indication": 0.07,
    "target": 0.04,
    "deal": 0.07,
    "country": 0.05,
    "agency": 0.01,
}
CLASSES = {
    "company": "Company",
    "therapy": "Therapy",
    "indication": "Indication",
    "target": "Target",
    "deal": "Deal",
    "country": "Country",
    "agency": "RegulatoryAgency",
    "approval": "Approval",
}
MODALITIES = 12


def synthetic(size: int, seed: int = 4) -> list[ox.Triple]:
    """A deterministic graph of exactly ``size`` nodes shaped like the curated one."""
    rng = random.Random(seed)
    counts = {kind: max(2, int(size * share)) for kind, share in SHARES.items()}
    counts["approval"] = size - MODALITIES - sum(counts.values())
    nodes = {
        kind: [ox.NamedNode(f"{ID}{kind}/{kind}-{i}") for i in range(n)]
        for kind, n in counts.items()
    }
    triples = []

    def add(s, p, o):
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    modalities = [ox.NamedNode(f"{ID}modality/m-{i}") for i in range(MODALITIES)]
    for i, node in enumerate(modalities):
        add(node, RDF + "type", ox.NamedNode(SKOS + "Concept"))
        add(node, SKOS + "prefLabel", ox.Literal(f"Modality {i}"))
    for kind, members in nodes.items():
        for i, node in enumerate(members):
            add(node, RDF + "type", ox.NamedNode(ATMP + CLASSES[kind]))
            add(node, RDFS + "label", ox.Literal(f"{kind.title()} {i}"))
    pick = rng.choice
    for node in nodes["company"]:
        add(node, ATMP + "headquarteredIn", pick(nodes["country"]))
        if rng.random() < 0.25:
            add(node, ATMP + "subsidiaryOf", pick(nodes["company"]))
    for node in nodes["agency"]:
        add(node, ATMP + "jurisdiction", pick(nodes["country"]))
        add(node, ATMP + "acronym", ox.Literal(node.value.rsplit("-", 1)[1]))
    for node in nodes["therapy"]:
        developer = pick(nodes["company"])
        add(node, ATMP + "developedBy", developer)
        add(developer, ATMP + "develops", node)
        add(node, ATMP + "modality", pick(modalities))
        add(node, ATMP + "target", pick(nodes["target"]))
        add(node, ATMP + "inn", ox.Literal(f"inn-{node.value.rsplit('-', 1)[1]}"))
    for i, node in enumerate(nodes["approval"]):
        product = pick(nodes["therapy"])
        add(node, ATMP + "product", product)
        add(product, ATMP + "approval", node)
        add(node, ATMP + "agency", pick(nodes["agency"]))
        add(node, ATMP + "indication", pick(nodes["indication"]))
        add(node, ATMP + "jurisdiction", pick(nodes["country"]))
        add(node, ATMP + "sponsor", pick(nodes["company"]))
        date = f"{2010 + i % 16}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        add(node, ATMP + "date", ox.Literal(date, datatype=ox.NamedNode(XSD + "date")))
    for node in nodes["deal"]:
        add(node, ATMP + "acquirer", pick(nodes["company"]))
        add(node, ATMP + "dealTarget", pick(nodes["company"] + nodes["therapy"]))
        value = str(rng.randrange(10**7, 10**10))
        add(node, ATMP + "valueUSD", ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal")))
    return triples


def median_s(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_browser(browser, path: Path) -> dict:
    """Load the page with every request blocked; the times the page reports."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-state=stable]", timeout=600_000)
    measured = page.evaluate(
        """() => {
          const started = performance.now();
          atmpView.select(0, false);
          return {
            stable: Number(document.body.dataset.stableMs),
            select: performance.now() - started,
            nodes: atmpView.network.body.nodeIndices.length,
            edges: atmpView.network.body.edgeIndices.length,
          };
        }"""
    )
    context.close()
    assert not blocked, blocked
    return measured


def pyvis_write(triples: list[ox.Triple], folder: Path) -> float:
    """Seconds for pyvis's own path from the same triples: to_networkx, Network.from_nx,
    write_html (the network conversion is counted on both sides)."""
    from pyvis.network import Network

    started = time.perf_counter()
    graph = to_networkx(triples)
    net = Network(directed=True, cdn_resources="remote")  # remote: no lib/ folder
    net.from_nx(graph)
    with contextlib.chdir(folder):
        net.write_html("pyvis.html")
    return time.perf_counter() - started


#: The curated views timed with --curated: (what the table calls it, the selection's arguments).
CURATED = (
    ("4 classes", {"classes": ["Approval", "Therapy", "Company", "Deal"]}),
    ("Novartis, 2 hops", {"focus": "Novartis", "hops": 2}),
)
#: The curated class exports timed with --curated: (what the table calls it, the classes).
CURATED_EXPORTS = (
    ("Company, Deal", ["Company", "Deal"]),
    ("4 classes", ["Approval", "Therapy", "Company", "Deal"]),
)


def timed(func, repeat: int) -> tuple[float, float]:
    """The median wall and CPU seconds of ``repeat`` calls of ``func``, after one to warm up."""
    func()
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(wall), statistics.median(cpu)


def curated(store: Path | None, repeat: int) -> None:
    """Print the median seconds of each of the :data:`CURATED` views of ``store`` (None: the
    curated data built into a temporary folder)."""
    import atmpkg
    from atmpkg.graph import build
    from atmpkg.graph.display.view import MAX_NODES
    from atmpkg.graph.slice.whole import network_slice

    if store is None:
        store = Path(tempfile.mkdtemp(prefix="atmpkg-bench-view-")) / "store"
        build(store)
    kg = atmpkg.open(store)
    print("| view | subjects | entities drawn | view (s, median) | CPU (s, median) |")
    print("|---|---:|---:|---:|---:|")
    for name, arguments in CURATED:
        selection = kg.select(**arguments)
        view = kg.view(selection)  # the page's assets, the store's caches
        # as the view's progress line counts them
        chosen = selection.with_defaults(with_sources=True, max_nodes=MAX_NODES)
        subjects = len(network_slice(chosen).subjects)
        # CPU seconds: on a loaded machine, what the view itself costs
        wall, cpu = timed(lambda s=selection: kg.view(s), repeat)
        print(f"| {name} | {subjects:,} | {view.nodes:,} | {wall:.3f} | {cpu:.3f} |")
    print()
    print("| GraphML export of classes | nodes | edges | export (s, median) | CPU (s, median) |")
    print("|---|---:|---:|---:|---:|")
    for name, classes in CURATED_EXPORTS:
        written = kg.export("graphml", classes=classes)
        wall, cpu = timed(lambda c=classes: kg.export("graphml", classes=c), repeat)
        print(f"| {name} | {written.nodes:,} | {written.edges:,} | {wall:.3f} | {cpu:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="HTML generations per size")
    parser.add_argument("--curated", action="store_true", help="time views of the curated graph")
    parser.add_argument("--store", type=Path, help="with --curated: a built store to use")
    args = parser.parse_args()
    if args.curated:
        curated(args.store, args.repeat)
        return
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="atmpkg-bench-view-"))
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for size in args.sizes:
            triples = synthetic(size)
            render_html(triples)  # warm: pyvis import, vis-network read once per process
            generate = median_s(lambda t=triples: render_html(t), args.repeat)
            page = folder / f"view-{size}.html"
            page.write_text(render_html(triples), encoding="utf-8")
            measured = in_browser(browser, page)
            pyvis = pyvis_write(triples, folder)
            rows.append(
                (
                    f"{measured['nodes']:,}",
                    f"{measured['edges']:,}",
                    f"{generate:.2f}",
                    f"{os.path.getsize(page) / 1e6:.2f}",
                    f"{measured['stable'] / 1000:.1f}",
                    f"{measured['select']:.0f}",
                    f"{pyvis:.2f}",
                    f"{pyvis / generate:.1f}×",
                )
            )
            print(f"  {size} nodes done", flush=True)
        browser.close()
    header = (
        "nodes",
        "links",
        "generate HTML (s)",
        "file (MB)",
        "layout done in Chromium (s)",
        "select + highlight (ms)",
        "pyvis from_nx + write_html (s)",
        "pyvis / atmpkg",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

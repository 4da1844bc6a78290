"""Benchmark the query path on the curated graph. Run by hand: ``python bench/bench_query.py``.

Prints, side by side in one run:
- end-to-end ``atmpkg query --name …`` time, process start included (median of several runs);
- for every named query: the median in-process time through ``atmpkg.graph.run_named``, the same
  query as a bare ``pyoxigraph.Store.query`` call (the overhead of this library), and plain rdflib
  (the in-memory ``rdflib.Graph`` and its SPARQL engine, what a Python user would otherwise use),
  with the speed-up ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox


def median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per measurement (default 20)")
    parser.add_argument("--cli-runs", type=int, default=10, help="end-to-end CLI runs (default 10)")
    args = parser.parse_args()

    import rdflib

    from atmpkg import queries
    from atmpkg.graph import build, open_store, run_named
    from atmpkg.graph.sparql.named import bind_params
    from atmpkg.graph.terms import PREFIXES

    store_dir = Path(tempfile.mkdtemp(prefix="atmpkg-bench-"))
    started = time.perf_counter()
    report = build(store_dir)
    build_s = time.perf_counter() - started
    handle = open_store(store_dir)
    print(
        f"curated graph: {report.triples} triples; build (parse, infer, SHACL + checks, swap): {build_s:.2f} s"
    )

    name = "products-by-target"
    command = [
        sys.executable,
        "-m",
        "atmpkg.cli",
        "query",
        "--name",
        name,
        "-p",
        "target=bcma",
        "--format",
        "csv",
        "--store",
        str(store_dir),
    ]
    subprocess.run(command, check=True, capture_output=True)
    cli = median_ms(lambda: subprocess.run(command, check=True, capture_output=True), args.cli_runs)
    bare_python = median_ms(
        lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.cli_runs
    )
    print(
        f"end to end: atmpkg query --name {name} -p target=bcma: {cli:.0f} ms median ({bare_python:.0f} ms of it is starting Python)"
    )

    graph = rdflib.Graph()
    graph.parse(
        data=handle.store.dump(
            format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()
        ).decode(),
        format="nt",
    )
    namespaces = {p: rdflib.Namespace(ns) for p, ns in PREFIXES.items()}

    print()
    print(
        f"{'named query':<30} {'rows':>5} {'atmpkg ms':>10} {'bare oxigraph ms':>17} {'overhead':>9} {'rdflib ms':>10} {'speed-up':>9}"
    )
    ratios, overheads = [], []
    for named in queries.all_queries():
        bindings = bind_params(named, {}, handle.store)
        substitutions = {ox.Variable(k): v for k, v in bindings.items()} or None
        rows = len(run_named(named.name, store=store_dir))
        ours = median_ms(lambda n=named: run_named(n.name, store=store_dir), args.repeat)
        bare = median_ms(
            lambda n=named, s=substitutions: list(
                handle.store.query(n.text, prefixes=PREFIXES, substitutions=s)
            ),
            args.repeat,
        )
        init = {
            k: rdflib.term.URIRef(v.value)
            if isinstance(v, ox.NamedNode)
            else rdflib.Literal(v.value, datatype=v.datatype.value)
            for k, v in bindings.items()
        }
        try:
            list(graph.query(named.text, initNs=namespaces, initBindings=init))
            theirs = median_ms(
                lambda n=named, i=init: list(
                    graph.query(n.text, initNs=namespaces, initBindings=i)
                ),
                max(3, args.repeat // 4),
            )
            ratio = theirs / ours
            ratios.append(ratio)
            theirs_text, ratio_text = f"{theirs:10.2f}", f"{ratio:8.1f}x"
        except Exception as exc:  # rdflib does not support every SPARQL 1.1 feature Oxigraph does
            theirs_text, ratio_text = f"{'fails':>10}", f"{type(exc).__name__[:9]:>9}"
        overhead = (ours - bare) / bare * 100
        overheads.append(ours / bare)
        print(
            f"{named.name:<30} {rows:>5} {ours:10.2f} {bare:17.2f} {overhead:8.0f}% {theirs_text} {ratio_text}"
        )
    print()
    print(
        f"geometric mean speed-up over rdflib: {statistics.geometric_mean(ratios):.1f}x over {len(ratios)} queries"
    )
    print(
        f"geometric mean atmpkg / bare pyoxigraph time: {statistics.geometric_mean(overheads):.2f}"
    )


if __name__ == "__main__":
    main()

"""Benchmark exports and views of the whole graph at scale. Run by hand:
``python bench/bench_export.py`` (default: a synthetic graph of a million triples).

A synthetic graph in the ontology's shape (``bench/synthetic.py``, seeded) is built into a store
once; then, side by side in one run, each measurement in a fresh Python process (so that peak
memory is its own), repeated ``--repeat`` times with the engine's baseline run between ours:

- the engine's own dump of the store (``pyoxigraph.Store.dump``) in each RDF format: the
  baseline, the least any export of every triple can cost;
- ``atmpkg export`` of the whole graph in every RDF format (``nt`` with and without sources),
  complete and in canonical order, and the ratio to the engine's dump in the same format; and
  to the engine writing the same content: a store on disk holding what the export writes (the
  triples of ``export nt``, sources left out; for ``nq`` and ``trig`` the quads of ``export nq``,
  a triple in the graph of each source it cites), loaded once before the runs, dumped with the
  same prefixes;
- the network formats of the whole graph, uncapped (``max_nodes=0``): time, ratio to the
  N-Triples dump, and peak memory;
- the view page of the whole graph (the class overview it draws above 500 entities), of the
  whole graph's entities (the view's cap samples them), and of one company's two-hop
  neighbourhood.

Prints a Markdown table: median seconds, ratio, peak resident memory (MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
RDF = ["nt", "nq", "ttl", "trig", "jsonld", "rdfxml"]
NETWORKS = ["graphml", "gexf", "csv", "cyjs"]
#: The engine's dump formats, and the dump each export is compared with.
DUMPS = {
    "nt": "N_TRIPLES",
    "nq": "N_QUADS",
    "ttl": "TURTLE",
    "trig": "TRIG",
    "jsonld": "JSON_LD",
    "rdfxml": "RDF_XML",
}


def worker(task: str, store: str, out: str, extra: str) -> dict:
    """One measurement; runs in its own process."""
    import pyoxigraph as ox

    import atmpkg

    kg = atmpkg.open(store)
    written = [Path(out)]
    if task == "content":  # a store holding what ``export FORMAT`` writes: not timed
        kg.export(extra, out)
        target = ox.Store(str(Path(out).parent.parent / extra))
        target.bulk_load(path=out, format=ox.RdfFormat.from_extension(extra))
        target.optimize()

    started = time.perf_counter()
    if task in ("dump", "dump-same"):
        fmt = getattr(ox.RdfFormat, DUMPS[extra])
        options = {} if fmt.supports_datasets else {"from_graph": ox.DefaultGraph()}
        handle = kg._current().store
        if task == "dump-same":  # what the export writes: its triples (quads), its prefixes
            from atmpkg.graph.terms import PREFIXES

            options["prefixes"] = PREFIXES
            content = "nq" if extra in ("nq", "trig") else "nt"
            handle = ox.Store.read_only(str(Path(out).parent.parent / content))
        handle.dump(out, fmt, **options)
    elif task == "export":
        fmt, _, sources = extra.partition("+")
        options = {"max_nodes": 0} if fmt in NETWORKS else {}
        if sources:
            options["with_sources"] = True
        written = kg.export(fmt, out, **options).paths
    elif task == "view":
        if extra == "overview":
            kg.view(output=out)
        elif extra == "entities":
            kg.view(output=out, overview=False)
        else:
            kg.view(output=out, focus=extra, hops=2)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak, "bytes": sum(p.stat().st_size for p in written)}


def run(task: str, store: Path, extra: str, scratch: Path) -> dict:
    out = scratch / f"{task}-{extra.replace('+', '-')}.out"
    if task == "export" and extra.startswith("csv"):
        out = scratch / "export.csv"
    command = [sys.executable, __file__, "--worker", task, str(store), str(out), extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{task} {extra} failed:\n{done.stderr}")
    for leftover in scratch.iterdir():
        leftover.unlink()
    return json.loads(done.stdout.splitlines()[-1])


def median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", help="build the synthetic graph here (kept) or reuse it")
    parser.add_argument(
        "--steps",
        type=lambda text: set(text.split(",")),
        default={"rdf", "networks", "views"},
        help="comma-separated, of rdf, networks, views (default: all)",
    )
    parser.add_argument(
        "--focus",
        help="the company of the neighbourhood view (default: the "
        "synthetic graph's company with most subsidiaries)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atmpkg-bench-export-") as tmp:
        tmp_path = Path(tmp)
        store = Path(args.store) if args.store else tmp_path / "store"
        info_file = store.parent / f"{store.name}.info.json"
        if not (store / "current").exists():
            # In a process of its own: Linux keeps a process's peak memory across exec, so every
            # measurement started from this one would report the build's peak as its own.
            build = (
                "import json, synthetic\n"
                f"info, _ = synthetic.build_store({str(store)!r}, {SIZES[args.size]}, seed=7)\n"
                "print(json.dumps(info.as_dict(), default=str))"
            )
            done = subprocess.run(
                [sys.executable, "-c", build], check=True, cwd=HERE, capture_output=True, text=True
            )
            info_file.write_text(done.stdout.splitlines()[-1])
        info = json.loads(info_file.read_text())
        focus = args.focus or info["examples"]["company-with-most-subsidiaries"]
        scratch = tmp_path / "out"
        scratch.mkdir()
        rows: list[tuple[str, str, dict[str, float], str]] = []

        def measure(
            label: str, task: str, extra: str, baseline: str | None, same: bool = False
        ) -> None:
            ours, base, alike = [], [], []
            for _ in range(args.repeat):
                if baseline:
                    base.append(run("dump", store, baseline, scratch))
                if same:
                    alike.append(run("dump-same", store, extra, scratch))
                ours.append(run(task, store, extra, scratch))
            seconds = median(ours, "seconds")
            ratio = f"{seconds / median(base, 'seconds'):.2f}×" if baseline else ""
            stats = {
                "seconds": seconds,
                "peak": median(ours, "peak_mb"),
                "mb": ours[0]["bytes"] / 1e6,
                "same": seconds / median(alike, "seconds") if same else None,
            }
            rows.append((label, ratio, stats, baseline or ""))
            print(f"{label}: {seconds:.1f} s {ratio}", file=sys.stderr, flush=True)

        if "rdf" in args.steps:
            run("content", store, "nq", scratch)
            run("content", store, "nt", scratch)
            for fmt in DUMPS:
                measure(f"engine dump ({fmt})", "dump", fmt, None)
            measure("export nt, with sources", "export", "nt+sources", "nt")
            for fmt in RDF:
                measure(f"export {fmt}", "export", fmt, fmt, same=True)
        if "networks" in args.steps:
            for fmt in NETWORKS:
                measure(f"export {fmt} (uncapped)", "export", fmt, "nt")
        if "views" in args.steps:
            measure("view: whole graph (overview)", "view", "overview", None)
            measure("view: whole graph's entities", "view", "entities", None)
            measure(f"view: {focus}, 2 hops", "view", focus, None)

    print(f"\n{info['triples']:,} triples (synthetic, seed 7), median of {args.repeat} runs\n")
    print(
        "| step | seconds | × engine dump | × engine dump of the same content | peak memory (MB) "
        "| output (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, ratio, stats, baseline in rows:
        against = f"{ratio} ({baseline})" if ratio else ""
        same = f"{stats['same']:.2f}×" if stats["same"] is not None else ""
        print(
            f"| {label} | {stats['seconds']:.1f} | {against} | {same} | {stats['peak']:.0f} | "
            f"{stats['mb']:.0f} |"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:6])))
    else:
        main()

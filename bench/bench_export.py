"""Benchmark exports and views of the whole graph at scale. Run by hand:
``python bench/bench_export.py`` (default: a synthetic graph of a million triples).

A synthetic graph in the ontology's shape (``bench/synthetic.py``, seeded) is built into a store
once; then, side by side in one run, each measurement in a fresh Python process (so that peak
memory is its own), in ``--repeat`` rounds, each round starting with the engine's baseline:

- the engine's own dump of the store (``pyoxigraph.Store.dump``) in each RDF format: the
  baseline, the least any export of every triple can cost;
- ``atmpkg export`` of the whole graph in every RDF format, with and without sources (``nq`` and
  ``trig`` hold them), complete and in canonical order, and the ratio to the engine's dump in the
  same format, in wall seconds and in CPU seconds (of all the process's threads: on a loaded
  machine the one that holds); with ``--same``, also the engine writing the same content: a
  store on disk holding what the export writes (the triples of ``export nt``, sources left out;
  for ``nq`` and ``trig`` the quads of ``export nq``, a triple in the graph of each source it
  cites), loaded once before the runs, dumped with the same prefixes;
- the network formats of the whole graph, uncapped (``max_nodes=0``): time, ratio to the
  N-Triples dump, and peak memory;
- the view page of the whole graph (the class overview it draws above 500 entities), of the
  whole graph's entities (the view's cap samples them), and of one company's two-hop
  neighbourhood.

Prints a Markdown table: median seconds (CPU seconds), the engine's, the ratios, peak resident
memory (MB); each row is also printed as JSON to stderr as it is measured.
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime - cpu,
        "peak_mb": usage.ru_maxrss / 1024,
        "bytes": sum(p.stat().st_size for p in written),
    }


def run(task: str, store: Path, extra: str, scratch: Path) -> dict:
    out = scratch / f"{task}-{extra.replace('+', '-')}.out"
    if task == "export" and extra.startswith("csv"):
        out = scratch / "export.csv"
    elif task == "view":  # a view writes an HTML page, which only a .html name may hold
        out = out.with_suffix(".html")
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
        "--same",
        action="store_true",
        help="also time the engine's dump of a store holding what each RDF export writes",
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
        rows: list[tuple[str, dict[str, float | None], str]] = []

        def measure(baseline: str | None, steps: list[tuple[str, str, str]]) -> None:
            """Measure ``steps`` (label, task, extra) in the same rounds, each round starting with
            the engine's dump in the format ``baseline``."""
            base: list[dict] = []
            ours: dict[str, list[dict]] = {label: [] for label, _, _ in steps}
            for _ in range(args.repeat):
                if baseline:
                    base.append(run("dump", store, baseline, scratch))
                for label, task, extra in steps:
                    ours[label].append(run(task, store, extra, scratch))
            for label, _, _ in steps:
                seconds, cpu = median(ours[label], "seconds"), median(ours[label], "cpu")
                stats = {
                    "seconds": seconds,
                    "cpu": cpu,
                    "peak": median(ours[label], "peak_mb"),
                    "mb": ours[label][0]["bytes"] / 1e6,
                    "engine": median(base, "seconds") if baseline else None,
                    "engine_cpu": median(base, "cpu") if baseline else None,
                }
                rows.append((label, stats, baseline or ""))
                print(json.dumps({"step": label, **stats}), file=sys.stderr, flush=True)

        if "rdf" in args.steps:
            if args.same:
                run("content", store, "nq", scratch)
                run("content", store, "nt", scratch)
            for fmt in RDF:
                steps = [(f"export {fmt}", "export", fmt)]
                if fmt not in ("nq", "trig"):  # which hold the sources unless told not to
                    steps.append((f"export {fmt}, with sources", "export", f"{fmt}+sources"))
                if args.same:
                    steps.append((f"engine dump of what export {fmt} writes", "dump-same", fmt))
                measure(fmt, steps)
        if "networks" in args.steps:
            measure("nt", [(f"export {f} (uncapped)", "export", f) for f in NETWORKS])
        if "views" in args.steps:
            measure(
                None,
                [
                    ("view: whole graph (overview)", "view", "overview"),
                    ("view: whole graph's entities", "view", "entities"),
                    (f"view: {focus}, 2 hops", "view", focus),
                ],
            )

    print(f"\n{info['triples']:,} triples (synthetic, seed 7), median of {args.repeat} runs\n")
    print(
        "| step | seconds (CPU) | engine dump: seconds (CPU) | × engine dump | × in CPU "
        "| peak memory (MB) | output (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, stats, baseline in rows:
        engine = ratio = cpu_ratio = ""
        if stats["engine"] is not None:
            engine = f"{stats['engine']:.1f} ({stats['engine_cpu']:.1f}) ({baseline})"
            ratio = f"{stats['seconds'] / stats['engine']:.2f}×"
            cpu_ratio = f"{stats['cpu'] / stats['engine_cpu']:.2f}×"
        print(
            f"| {label} | {stats['seconds']:.1f} ({stats['cpu']:.1f}) | {engine} | {ratio} "
            f"| {cpu_ratio} | {stats['peak']:.0f} | {stats['mb']:.0f} |"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:6])))
    else:
        main()

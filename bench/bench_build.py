"""Benchmark the build against the engine's own loader, side by side. Run by hand:
``python bench/bench_build.py`` (default: a synthetic graph of a million triples).

A synthetic graph in the ontology's shape (``bench/synthetic.py``, seeded) is written once; then,
``--repeat`` times, ``oxigraph load`` (the engine's command line, PyPI package ``oxigraph``) loads it
into a new folder and ``atmpkg build`` builds a new store from the packaged data plus the file
(the zero-row checks and the compaction included, the SHACL shapes skipped as a build of that size
does by default), alternately, each in its own process, so that drift on the machine hits both
alike. The build's own log gives its steps: loading (with the check of the inputs beside it),
deriving the rules' facts, and validating (the checks with the class counts and the compaction).

Prints a Markdown table of medians: seconds and the ratio to ``oxigraph load``.

``--decided N [N ...]`` instead times the rule ``queries/rules/33-decided-by.ru`` alone, as the
build runs it in memory, on one product with N reviews and N approvals by one agency (the reviews
known from one day, the approvals on N days after it): it compares each review with each approval,
so its time grows with N squared, and the build refuses a product whose reviews times approvals by
one agency exceed ``REVIEW_APPROVAL_PAIRS_MAX``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
#: The build's log lines that end each step, and the step's name in the table.
STEPS = {
    "loaded the inputs in": "loading and checking the inputs",
    "materialised the inferences in": "deriving the rules' facts",
    "validated": "checks, class counts and compaction",
}
BUILD = """
import logging, sys, time
from importlib import resources
logging.basicConfig(level=logging.INFO, format="%(message)s")
from atmpkg.graph import build
started = time.perf_counter()
build(sys.argv[1], data_dir=str(resources.files("atmpkg.graph").joinpath("data")),
      extra_files=[sys.argv[2]], shacl=False)
print(f"build {time.perf_counter() - started}")
"""


def oxigraph_load(nt: Path, folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["oxigraph", "load", "--location", str(folder), "--file", str(nt)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def atmpkg_build(nt: Path, folder: Path, package: Path | None = None) -> dict[str, float]:
    """Build ``nt`` into ``folder`` in a new process, with the installed package or the checkout
    whose ``atmpkg`` link is in ``package``; the seconds of the build and of each step."""
    env = {**os.environ, "PYTHONPATH": str(package)} if package else None
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(folder), str(nt)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    found = {"build": float(done.stdout.split()[-1])}
    for line in done.stderr.splitlines():
        for start, step in STEPS.items():
            if line.startswith(start):
                found[step] = float(re.findall(r"in ([0-9.]+) s", line)[-1])
    return found


def decided_by(sizes: list[int]) -> None:
    """Print a Markdown table of the seconds the rule 33-decided-by takes at each size."""
    import datetime

    import pyoxigraph as ox

    from atmpkg import queries
    from atmpkg.graph.rdf import TYPE
    from atmpkg.graph.store import build
    from atmpkg.graph.terms import ATMP, ID, PREFIXES, XSD

    rule = build._as_construct("33-decided-by", dict(queries.rules())["33-decided-by"])
    therapy, agency = ox.NamedNode(ID + "therapy/t"), ox.NamedNode(ID + "agency/fda")

    def fact(subject: str, name: str, value: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(ox.NamedNode(subject), ox.NamedNode(ATMP + name), value)

    def day(date: datetime.date) -> ox.Literal:
        return ox.Literal(date.isoformat(), datatype=ox.NamedNode(XSD + "date"))

    print(f"| reviews × approvals | pairs | seconds (limit {build.REVIEW_APPROVAL_PAIRS_MAX:,}) |")
    print("|---:|---:|---:|")
    for n in sizes:
        store = ox.Store()
        for i in range(n):
            review, approval = f"{ID}review/r{i}", f"{ID}approval/a{i}"
            store.extend(
                [
                    fact(review, "product", therapy),
                    fact(review, "agency", agency),
                    fact(review, "acceptedDateEnd", day(datetime.date(1999, 1, 1))),
                    ox.Quad(
                        ox.NamedNode(review),
                        TYPE,
                        ox.NamedNode(ATMP + "RegulatoryReview"),
                    ),
                    fact(therapy.value, "approval", ox.NamedNode(approval)),
                    fact(approval, "agency", agency),
                    fact(approval, "date", day(datetime.date(2000, 1, 1) + datetime.timedelta(i))),
                ]
            )
        started = time.perf_counter()
        decided = len(list(store.query(rule, prefixes=PREFIXES)))
        seconds = time.perf_counter() - started
        assert decided == n, f"{decided} reviews decided of {n}"
        print(f"| {n:,} × {n:,} | {n * n:,} | {seconds:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SIZES, default="1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout of the repository (git worktree add DIR REV) to build with too, "
        "alternating with this one",
    )
    parser.add_argument(
        "--decided",
        type=int,
        nargs="+",
        metavar="N",
        help="time the rule 33-decided-by alone on one product's N reviews x N approvals",
    )
    args = parser.parse_args()
    if args.decided:
        decided_by(args.decided)
        return
    if shutil.which("oxigraph") is None:
        sys.exit("the 'oxigraph' command is missing: pip install 'oxigraph>=0.5,<0.6'")
    sys.path.insert(0, str(HERE))
    import synthetic

    with tempfile.TemporaryDirectory(prefix="atmpkg-bench-build-") as scratch:
        nt = Path(scratch) / "synthetic.nt"
        info = synthetic.generate(nt, SIZES[args.size], seed=args.seed)
        package = None
        if args.against:
            package = Path(scratch) / "against"
            package.mkdir()
            (package / "atmpkg").symlink_to(args.against.resolve())
        loads: list[float] = []
        builds: dict[str, list[dict[str, float]]] = {"this": [], "against": []}
        for run in range(args.repeat):
            loads.append(oxigraph_load(nt, Path(scratch) / f"load-{run}"))
            shutil.rmtree(Path(scratch) / f"load-{run}")
            for which, checkout in (("this", None), ("against", package)):
                if which == "against" and package is None:
                    continue
                builds[which].append(atmpkg_build(nt, Path(scratch) / f"store-{run}", checkout))
                shutil.rmtree(Path(scratch) / f"store-{run}")
                print(f"run {run + 1}, {which}: {builds[which][-1]}", flush=True)
    base = statistics.median(loads)
    print(f"\n{info.triples:,} synthetic triples, median of {args.repeat} runs\n")
    columns = ["this"] + (["against"] if package else [])
    print("| step | " + " | ".join(f"{c}: s | {c}: × oxigraph load" for c in columns) + " |")
    print("|---|" + "---:|---:|" * len(columns))
    print(f"| `oxigraph load` | {base:.1f} | 1.00 |" + " | |" * (len(columns) - 1))
    for step in [*STEPS.values(), "build"]:
        name = "`atmpkg build`, in all" if step == "build" else f"build: {step}"
        cells = []
        for which in columns:
            times = [b[step] for b in builds[which] if step in b]
            seconds = statistics.median(times) if times else float("nan")
            cells.append(f"{seconds:.1f} | {seconds / base:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

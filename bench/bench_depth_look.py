"""Measure the check of a remote JSON answer's depth: its peak memory beside the answer and its
time. Run by hand (Linux): ``python bench/bench_depth_look.py``.

Two answers are written once to a temporary folder: a hostile one of 256 MiB of bracket groups
101 deep (sec30 F2: 1 MB of gzip) and an honest one of 16 MiB of rows (an IRI, a literal with a
language tag holding brackets and an escaped quote, an integer). Each measurement runs in a
process of its own that reads the answer whole, as the client holds it, resets the kernel's peak
of its resident memory (``/proc/self/clear_refs``) and then calls
:func:`atmpkg.graph.store.remote.check_results_before_parsing` (the quick look, and the exact scan
when the look cannot pass the answer), or the quick look alone, or the exact scan alone
(:func:`atmpkg.graph.store.csvdata.json_too_deep`). Prints a Markdown table of the median seconds
and of the peak resident memory above what the process held with the answer.

``--against DIR`` measures another checkout too (``git worktree add DIR REV``), alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GROUP = b"[" * 101 + b"]" * 101
STEPS = {
    "check": "check_results_before_parsing (look, then the exact scan if needed)",
    "look": "the quick look alone (_nests_within)",
    "exact": "the exact scan alone (csvdata.json_too_deep)",
}
CASES = {"hostile": ("check",), "honest": ("check", "look", "exact")}

CHILD = r"""
import sys, time
import pyoxigraph as ox
from atmpkg.graph.store import csvdata, remote
path, step = sys.argv[1], sys.argv[2]
with open(path, "rb") as handle:
    body = handle.read()

def kib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))

with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")
held = kib("VmRSS")
started = time.monotonic()
if step == "check":
    try:
        remote.check_results_before_parsing("http://h/q", body, ox.QueryResultsFormat.JSON)
    except Exception:
        pass
elif step == "look":
    remote._nests_within(body, remote.MAX_ANSWER_DEPTH)
else:
    csvdata.json_too_deep(body, remote.MAX_ANSWER_DEPTH)
seconds = time.monotonic() - started
print(seconds, (kib("VmHWM") - held) * 1024)
"""


def hostile(path: Path) -> None:
    """256 MiB of bracket groups 101 deep, as a SPARQL JSON answer."""
    count = 256 * 2**20 // len(GROUP)
    with open(path, "wb") as out:
        out.write(b'{"head":{"vars":["x"]},"results":{"bindings":[')
        for _ in range(count // 1000):
            out.write(GROUP * 1000)
        out.write(GROUP * (count % 1000) + b"]}}")


def honest(path: Path) -> None:
    """About 16 MiB of rows of three terms, as a SPARQL JSON answer."""
    with open(path, "wb") as out:
        out.write(b'{"head":{"vars":["s","l","v"]},"results":{"bindings":[')
        n = 0
        while out.tell() < 16 * 2**20:
            row = {
                "s": {"type": "uri", "value": f"https://w3id.org/atmp-kg/id/therapy/t{n}"},
                "l": {"type": "literal", "value": f'Therapy "{n}" [{{x}}]', "xml:lang": "en"},
                "v": {"type": "literal", "value": str(n),
                      "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
            }
            out.write((b"," if n else b"") + json.dumps(row).encode())
            n += 1
        out.write(b"]}}")


def measure(path: Path, step: str, checkout: Path | None) -> tuple[float, int]:
    """Seconds and peak bytes above the answer of one step, in a process of its own."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), step],
        env=env, capture_output=True, text=True, check=True,
    )
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--against", type=Path, help="another checkout (git worktree add DIR REV), measured too"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-depth-") as scratch:
        answers = {"hostile": Path(scratch) / "hostile.json", "honest": Path(scratch) / "honest.json"}
        hostile(answers["hostile"])
        honest(answers["honest"])
        package = None
        if args.against:
            package = Path(scratch) / "against"
            package.mkdir()
            (package / "atmpkg").symlink_to(args.against.resolve())
        columns = {"this": None} | ({"against": package} if package else {})
        results: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
        for _ in range(args.repeat):
            for case, steps in CASES.items():
                for step in steps:
                    for which, checkout in columns.items():
                        got = measure(answers[case], step, checkout)
                        results.setdefault((case, step, which), []).append(got)
                        print(case, step, which, got, flush=True, file=sys.stderr)
        print(f"\nmedian of {args.repeat} runs; peak: resident memory above the answer held\n")
        print("| answer | step | " + " | ".join(f"{c}: s | {c}: peak MB" for c in columns) + " |")
        print("|---|---|" + "---:|---:|" * len(columns))
        for (case, step, which), _ in results.items():
            if which != "this":
                continue
            size = answers[case].stat().st_size / 1e6
            cells = []
            for other in columns:
                got = results[(case, step, other)]
                seconds = statistics.median(g[0] for g in got)
                peak = statistics.median(g[1] for g in got) / 1e6
                cells.append(f"{seconds:.2f} | {peak:.0f}")
            print(f"| {case} ({size:.0f} MB) | {STEPS[step]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

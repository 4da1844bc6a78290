"""Measure what a row of a remote SELECT answer costs the process that reads it, against what the
memory cap counts it at. Run by hand (Linux with glibc): ``python bench/bench_remote_rows.py``.

For rows of 1, 2, 5 and 20 columns, of short values (about 8 characters) and long ones (about 200),
and of IRIs, plain literals, typed literals (``xsd:integer``) or a mix (IRI, plain literal, typed
literal, language-tagged literal, blank node and an unbound cell in turn), each case reads a JSON
answer of tens of thousands of rows with :func:`atmpkg.graph.store.remote.parse_results`, in a
process of its own, and prints a Markdown table of bytes a row:

- ``tracemalloc``: what Python's allocator gave the rows (the :class:`Row`, its tuple, its slot in
  the list, the terms' Python objects), as requested;
- ``native``: what the C heap grew by (``mallinfo2``) in a second reading without tracemalloc:
  the engine's copies of the terms' text, which tracemalloc does not see, and the list of rows;
- ``resident``: what the process's resident memory grew by (after a garbage collection and
  ``malloc_trim``), what the rows really hold;
- ``estimate``: what the memory cap counts them at (``Solutions.held``), and ``old``: what it
  counted before session 30 (the row and its tuple alone), each as a share of ``resident``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import tracemalloc

WIDTHS = (1, 2, 5, 20)
LENGTHS = {"short": 8, "long": 200}
KINDS = ("iri", "literal", "typed", "mixed")
MIXED = ("iri", "literal", "typed", "lang", "blank", None)
#: About this many bytes of rows a case makes: thousands of pages of resident memory, so that a
#: page more or less is no share of it, and a case takes seconds
TARGET_BYTES = 24 * 2**20


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()
        )
    ]


_LIBC = ctypes.CDLL("libc.so.6")
_LIBC.mallinfo2.restype = _MallInfo2


def native_bytes() -> int:
    """The bytes the C heap has handed out (small blocks and mapped ones)."""
    info = _LIBC.mallinfo2()
    return info.uordblks + info.hblkhd


def resident_bytes() -> int:
    """The process's resident memory, after a garbage collection and trimming the C heap."""
    gc.collect()
    _LIBC.malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cell(kind: str | None, row: int, column: int, length: int) -> dict | None:
    """The JSON term of one cell: a value of about ``length`` characters, distinct in each cell."""
    value = f"{row}-{column}-".ljust(length, "x")
    if kind == "mixed":
        kind = MIXED[(row + column) % len(MIXED)]
    if kind == "iri":
        return {"type": "uri", "value": "https://w3id.org/atmp-kg/id/" + value}
    if kind == "literal":
        return {"type": "literal", "value": value}
    if kind == "typed":
        digits = str(row * 100 + column).ljust(length, "7")
        return {"type": "literal", "value": digits, "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    if kind == "lang":
        return {"type": "literal", "value": value, "xml:lang": "en"}
    if kind == "blank":
        return {"type": "bnode", "value": "node" + value.replace("-", "")}
    return None


def answer(width: int, rows: int, kind: str, length: int) -> bytes:
    """A JSON answer of ``rows`` rows of ``width`` columns."""
    names = [f"v{n}" for n in range(width)]
    bindings = []
    for row in range(rows):
        cells = ((name, cell(kind, row, column, length)) for column, name in enumerate(names))
        bindings.append({name: term for name, term in cells if term is not None})
    return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}).encode()


def measure(width: int, rows: int, kind: str, length: int) -> dict[str, float]:
    """Bytes a row, read twice: without tracemalloc (the C heap and resident memory), then with."""
    from atmpkg.graph.engine.answers import row_bytes
    from atmpkg.graph.store import remote

    body = answer(width, rows, kind, length)
    given = remote.Answer(200, "OK", {"content-type": "application/sparql-results+json"}, body)
    columns = [f"v{n}" for n in range(width)]
    reading = remote._Reading(memory=2**62)

    def read() -> remote.Solutions:
        return remote.parse_results("http://bench/q", given, columns=columns, reading=reading)

    # untraced first: a second reading reuses what the first let go, which resident memory
    # would not show again (tracemalloc counts each allocation, reused or not)
    resident, native = resident_bytes(), native_bytes()
    kept = read()
    resident, native = resident_bytes() - resident, native_bytes() - native
    held = kept.held
    del kept
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = read()
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(kept.rows) == rows
    return {
        "tracemalloc": traced / rows,
        "native": native / rows,
        "resident": resident / rows,
        "estimate": held / rows,
        "old": row_bytes(width) + remote._ROW_BYTES,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--one", nargs=4, metavar=("WIDTH", "ROWS", "KIND", "LENGTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        width, rows, kind, length = args.one
        print(json.dumps(measure(int(width), int(rows), kind, int(length))))
        return
    print("| columns | values | kind | rows | tracemalloc | native | resident | estimate | old |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for width in WIDTHS:
        for said, length in LENGTHS.items():
            for kind in KINDS:
                rows = max(2_000, min(40_000, TARGET_BYTES // (width * (length + 200))))
                done = subprocess.run(
                    [sys.executable, __file__, "--one", str(width), str(rows), kind, str(length)],
                    capture_output=True, text=True, check=True,
                )
                got = json.loads(done.stdout)
                share = {k: got[k] / got["resident"] for k in ("estimate", "old")}
                print(
                    f"| {width} | {said} | {kind} | {rows:,} | {got['tracemalloc']:.0f} | "
                    f"{got['native']:.0f} | {got['resident']:.0f} | "
                    f"{got['estimate']:.0f} ({share['estimate']:.0%}) | "
                    f"{got['old']:.0f} ({share['old']:.0%}) |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

"""Load benchmark of ``atmpkg serve``, side by side with Oxigraph's own server on the same store.
Run by hand (not a test): ``python bench/bench_server.py``. Needs the ``oxigraph`` command
(``pip install oxigraph``); all traffic stays on 127.0.0.1 and every loop is bounded.

1. Cold start: each server is started, and the moment its port accepts connections 50 clients ask
   at once (a lookup, a heavy query, and for atmpkg also a named query and an entity as JSON-LD);
   every answer is checked against the library.
2. Load: C concurrent keep-alive clients send a fixed number of requests each, for a simple lookup
   and for a heavy query (an aggregate over every triple); throughput and latency percentiles.
3. Mix: the texts of five named queries, each client going round them, at 1, 8 and 32 concurrent
   clients; atmpkg answers a request it has answered on the same build from the answers it keeps.

The clients are Python threads in this process, on the same 2-core machine as the server, so the
absolute numbers are a floor; both servers are measured with the same clients and the same texts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from atmpkg.graph import build, query, run_named, show
from atmpkg.graph.terms import PREFIXES
from atmpkg.queries import all_queries

HEADER = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
LOOKUP = HEADER + "SELECT ?label ?inn WHERE { therapy:kymriah rdfs:label ?label ; atmp:inn ?inn }"
HEAVY = HEADER + (
    "SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { ?s ?p ?o } "
    "GROUP BY ?p ORDER BY DESC(?n) ?p"
)
JSON = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 120) -> None:
    """Return as soon as 127.0.0.1:port accepts a connection."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.005)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


class Client:
    """One keep-alive HTTP connection to 127.0.0.1."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, accept: str = JSON) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers={"Accept": accept})
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def rows_of(body: bytes) -> list[tuple]:
    """A SPARQL JSON answer as sorted rows of values."""
    answer = json.loads(body)
    names = answer["head"]["vars"]
    return sorted(
        tuple(b.get(v, {}).get("value") for v in names) for b in answer["results"]["bindings"]
    )


def library_rows(text: str, store: Path) -> list[tuple]:
    result = query(text, store=store)
    return sorted(tuple(None if t is None else t.value for t in row) for row in result.rows)


def cold_start(name: str, command: list[str], port: int, checks: list[tuple]) -> dict:
    """Start a server and fire 50 clients the moment its port opens; count correct answers."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        listening = time.monotonic() - started
        answers: list[bool] = []
        lock = threading.Lock()

        def one(number: int) -> None:
            path, accept, expected = checks[number % len(checks)]
            client = Client(port)
            try:
                status, body = client.get(path, accept)
                ok = status == 200 and expected(body)
            except Exception:  # a refused or broken request counts as a wrong answer
                ok = False
            finally:
                client.close()
            with lock:
                answers.append(ok)

        fired = time.monotonic()
        threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.1, 180 - (time.monotonic() - fired)))
        return {
            "server": name,
            "listening_s": listening,
            "all_answered_s": time.monotonic() - fired,
            "correct": sum(answers),
            "clients": 50,
        }
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


#: The named queries of the mix: five reports a researcher opens first, none with a parameter to give.
MIX = (
    "approvals-by-agency-year",
    "first-approval-worldwide",
    "top-indications",
    "deals-by-type-year",
    "companies-by-approved-products",
)


def load(
    port: int, path: str | list[str], clients: int, per_client: int, check: Callable[[bytes], bool]
):
    """``clients`` threads, each sending ``per_client`` requests on one keep-alive connection:
    ``path``, or each of a list of paths in turn (each client starting at its own)."""
    paths = [path] if isinstance(path, str) else path
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(offset: int) -> None:
        nonlocal errors
        client = Client(port)
        mine, bad = [], 0
        try:
            for number in range(per_client):
                started = time.perf_counter()
                status, body = client.get(paths[(offset + number) % len(paths)])
                mine.append((time.perf_counter() - started) * 1000)
                bad += status != 200 or not check(body)
        finally:
            client.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    warm = Client(port)
    for each in paths:
        warm.get(each)
    warm.close()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store to use (default: build one)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--lookups", type=int, default=250, help="lookups per client (default 250)")
    parser.add_argument(
        "--heavy", type=int, default=25, help="heavy queries per client (default 25)"
    )
    parser.add_argument(
        "--mixed", type=int, default=200, help="requests per client in the mix (default 200)"
    )
    args = parser.parse_args()
    oxigraph = shutil.which("oxigraph")
    if oxigraph is None:
        sys.exit("the 'oxigraph' command is missing: pip install oxigraph")

    store = args.store or Path(tempfile.mkdtemp(prefix="atmpkg-bench-serve-"))
    if args.store is None:
        report = build(store)
        print(f"curated graph: {report.triples} triples in {store}")
    location = (store / "current").resolve() / "oxigraph"

    expected_lookup = library_rows(LOOKUP, store)
    expected_heavy = library_rows(HEAVY, store)
    named_rows = len(run_named("products-by-target", store=store))
    label = show("kymriah", store=store).label

    def same(expected: list[tuple]) -> Callable[[bytes], bool]:
        return lambda body: rows_of(body) == expected

    def entity_ok(body: bytes) -> bool:
        graph = json.loads(body)
        return label in json.dumps(graph, ensure_ascii=False)

    lookup_path = "/sparql?" + urllib.parse.urlencode({"query": LOOKUP})
    heavy_path = "/sparql?" + urllib.parse.urlencode({"query": HEAVY})
    ox_lookup = "/query?" + urllib.parse.urlencode({"query": LOOKUP})
    ox_heavy = "/query?" + urllib.parse.urlencode({"query": HEAVY})

    ours_port, theirs_port = free_port(), free_port()
    ours_cmd = [
        sys.executable,
        "-m",
        "atmpkg.cli",
        "serve",
        "--store",
        str(store),
        "--port",
        str(ours_port),
    ]
    theirs_cmd = [
        oxigraph,
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{theirs_port}",
    ]

    print("\n## Cold start: 50 clients the moment the port opens\n")
    cold = [
        cold_start(
            "atmpkg serve",
            ours_cmd,
            ours_port,
            [
                (lookup_path, JSON, same(expected_lookup)),
                (heavy_path, JSON, same(expected_heavy)),
                ("/sparql?name=products-by-target", JSON, lambda b: len(rows_of(b)) == named_rows),
                ("/id/therapy/kymriah", "application/ld+json", entity_ok),
            ],
        ),
        cold_start(
            "oxigraph serve-read-only",
            theirs_cmd,
            theirs_port,
            [(ox_lookup, JSON, same(expected_lookup)), (ox_heavy, JSON, same(expected_heavy))],
        ),
    ]
    print("| server | port open after | all 50 answered after | correct answers |")
    print("|---|---:|---:|---:|")
    for c in cold:
        print(
            f"| {c['server']} | {c['listening_s']:.2f} s | {c['all_answered_s']:.2f} s | "
            f"{c['correct']}/{c['clients']} |"
        )

    print(f"\n## Load: {args.clients} concurrent keep-alive clients, loopback\n")
    print("| server | query | requests | throughput | p50 | p95 | p99 | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, command, port, paths in (
        ("atmpkg serve", ours_cmd, ours_port, (lookup_path, heavy_path)),
        ("oxigraph serve-read-only", theirs_cmd, theirs_port, (ox_lookup, ox_heavy)),
    ):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            for label_, path, per_client, expected in (
                ("simple lookup", paths[0], args.lookups, expected_lookup),
                ("heavy aggregate", paths[1], args.heavy, expected_heavy),
            ):
                r = load(port, path, args.clients, per_client, same(expected))
                print(
                    f"| {name} | {label_} | {r['requests']} | {r['rps']:.0f} req/s | "
                    f"{r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['p99']:.1f} ms | {r['errors']} |"
                )
        finally:
            stop(process)

    texts = {q.name: HEADER + q.text for q in all_queries() if q.name in MIX}
    answers = {name: library_rows(text, store) for name, text in texts.items()}

    def one_of_the_mix(body: bytes) -> bool:
        return rows_of(body) in answers.values()

    print("\n## Mix of five named queries, by concurrent keep-alive clients, loopback\n")
    print("| server | clients | requests | throughput | p50 | p99 | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, command, port, endpoint in (
        ("atmpkg serve", ours_cmd, ours_port, "/sparql"),
        ("oxigraph serve-read-only", theirs_cmd, theirs_port, "/query"),
    ):
        paths = [f"{endpoint}?{urllib.parse.urlencode({'query': t})}" for t in texts.values()]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            for clients in (1, 8, 32):
                r = load(port, paths, clients, args.mixed, one_of_the_mix)
                print(
                    f"| {name} | {clients} | {r['requests']} | {r['rps']:.0f} req/s | "
                    f"{r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['errors']} |"
                )
        finally:
            stop(process)


if __name__ == "__main__":
    main()

"""Entity pages of ``atmpkg serve`` while long queries hold every query worker (joints31 F3).
Run by hand (not a test): ``python bench/bench_entity_under_load.py [--store PATH]``; all traffic
stays on 127.0.0.1.

20 CONSTRUCTs of the whole graph are sent at once, each on a connection of its own, as the audit
did; 0.4 s later, while they hold the query workers and wait in the queue, entity pages are asked
for (HTML and Turtle, uncached, then ``/api/neighbours``). Prints each request's status and
seconds, then how the CONSTRUCTs were answered.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import threading
import time
import urllib.parse

from atmpkg.graph.server.http import make_server

ENTITIES = ("company/bayer", "company/novartis", "therapy/kymriah", "country/us")
GRAPH = "https://w3id.org/atmp-kg/id/"


def ask(port: int, path: str, accept: str) -> tuple[int, float, str]:
    """The status, the seconds and the first line of the body of GET ``path``."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, time.monotonic() - started, body[:80].decode("utf-8", "replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="the store to serve (default: the per-user store)")
    args = parser.parse_args()
    with make_server(args.store, port=0).start() as server:
        port = server.server_address[1]
        flood: list[tuple[int, float, str]] = []

        def construct(i: int) -> None:
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o . FILTER(STRLEN(STR(?o)) > {i}) }}"
            path = "/sparql?" + urllib.parse.urlencode({"query": text})
            flood.append(ask(port, path, "application/n-triples"))

        threads = [threading.Thread(target=construct, args=(i,)) for i in range(201, 221)]
        for thread in threads:
            thread.start()
        time.sleep(0.4)
        for entity in ENTITIES:
            for accept in ("text/html", "text/turtle"):
                status, seconds, _ = ask(port, f"/id/{entity}", accept)
                print(f"/id/{entity} ({accept}): {status} in {seconds:.2f} s")
            query = urllib.parse.urlencode({"iri": GRAPH + entity})
            status, seconds, _ = ask(port, f"/api/neighbours?{query}", "application/json")
            print(f"/api/neighbours?iri=…{entity}: {status} in {seconds:.2f} s")
        for thread in threads:
            thread.join(300)
        told = collections.Counter((status, body.split(";")[0]) for status, _, body in flood)
        print("the 20 CONSTRUCTs:", dict(told))


if __name__ == "__main__":
    main()

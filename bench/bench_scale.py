"""Benchmark how cost grows with graph size. Run by hand: ``python bench/bench_scale.py``.

For each size (default 10k, 100k and 1M triples; ``--10m`` adds 10 million) a synthetic graph in
the ontology's shape is generated (``bench/synthetic.py``, seeded) and the script prints, side by
side in one run:

- load throughput (triples/s) of raw pyoxigraph (``Store.bulk_load`` from the path and from an open
  file), of the tool's own path (``atmpkg.graph.store.build`` with the synthetic file as an extra input,
  curated data and ontology included, inferences and SPARQL checks, SHACL off) and of rdflib
  (``Graph.parse``);
- every named query through ``atmpkg.graph.run_named`` (declared defaults bound), the same query as
  a bare ``pyoxigraph.Store.query`` call on the same open store (what the library adds), the
  library again with the store held in memory (``atmpkg.graph.hold_in_memory``, as ``atmpkg serve
  --in-memory``), and plain rdflib (in-memory ``Graph`` and its SPARQL engine) where it finishes
  within its time budget: median and p95 latency, speed-up per query and geometric means;
- typical joins, aggregations and 2-hop CONSTRUCTs: pyoxigraph (on disk, in memory) and rdflib;
- how parameters are bound: pyoxigraph ``substitutions=`` (the library's path) against the same
  terms in a ``VALUES`` block and written into the query as constants, per parameterised query;
- peak memory (maximum resident set) of every step.

Every measurement runs in its own child process (so peaks do not mix) under a time and memory
limit; rdflib queries run in forked children that are killed at their limit. From ``--quick-from``
(default 10M) on, a size gets one raw load, one build and one run per named query. The script ends
by itself and removes its temporary files (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}

#: Typical engine work, the same text for pyoxigraph and rdflib. ``{hub}`` is a company IRI.
ENGINE_QUERIES = {
    "join: therapy-developer-modality": (
        "SELECT ?therapy ?developer ?modality WHERE { ?t a atmp:Therapy ; rdfs:label ?therapy ; "
        "atmp:developedBy/rdfs:label ?developer ; atmp:modality/skos:prefLabel ?modality }"
    ),
    "join: approval-5-way": (
        "SELECT ?therapy ?agency ?date ?indication WHERE { ?a a atmp:Approval ; "
        "atmp:product/rdfs:label ?therapy ; atmp:agency/atmp:acronym ?agency ; atmp:date ?date ; "
        "atmp:indication/rdfs:label ?indication }"
    ),
    "aggregate: approvals per agency": (
        "SELECT ?agency (COUNT(?a) AS ?n) (MIN(STR(?date)) AS ?first) WHERE { ?a a atmp:Approval ; "
        "atmp:agency ?agency ; atmp:date ?date } GROUP BY ?agency"
    ),
    "aggregate: deal value per type": (
        "SELECT ?type (COUNT(?d) AS ?n) (SUM(?v) AS ?total) WHERE { ?d a atmp:Deal ; "
        "atmp:dealType ?type ; atmp:valueUSD ?v } GROUP BY ?type"
    ),
    "construct: 2-hop developer parent": (
        "CONSTRUCT { ?t atmp:developedBy ?c . ?c atmp:ultimateParent ?top } WHERE { "
        "?t atmp:developedBy ?c . ?c atmp:ultimateParent ?top }"
    ),
    "construct: 2-hop around a company": (
        "CONSTRUCT { {hub} ?p ?o . ?o ?p2 ?o2 } WHERE { { {hub} ?p ?o } UNION "
        "{ {hub} ?p ?o . ?o ?p2 ?o2 } }"
    ),
}

#: Parameter values for the binding experiment: declared defaults are used where a query has them;
#: these fill the optional ones. ``@name`` refers to an example entity of the synthetic graph.
EXPERIMENT_PARAMS = {
    "acquirers-by-deal-value": [{"type": "licensing"}],
    "approvals-by-agency-year": [{"agency": "fda"}],
    "approvals-by-jurisdiction": [{"region": "eu"}],
    "approvals-by-pathway": [{"agency": "ema"}],
    "approved-products-by-modality": [{"modality": "car-t"}],
    "claims-by-status": [{"status": "contradicted"}],
    "company-portfolio": [{}, {"company": "@company-with-largest-portfolio"}],
    "company-subsidiaries": [{}, {"company": "@company-with-most-subsidiaries"}],
    "deals-above-value": [{}],
    "deals-by-type-year": [{"type": "acquisition"}],
    "first-approval-worldwide": [{"agency": "pmda"}],
    "label-expansions": [{"agency": "fda"}],
    "market-estimates-by-source": [{"scope": "atmp"}],
    "market-factors": [{"kind": "restraint"}],
    "product-figures": [{"metric": "sales"}],
    "products-by-target": [{"target": "@most-used-target"}],
    "segment-shares": [{"scope": "atmp"}],
    "sources-of-entity": [{}, {"entity": "therapy:@therapy-with-most-approvals"}],
    "sponsor-ultimate-parent": [{"therapy": "@therapy-with-most-approvals"}],
    "therapy-approval-timeline": [{}, {"therapy": "@therapy-with-most-approvals"}],
    "time-to-second-agency": [{"therapy": "@therapy-with-most-approvals"}],
    "top-indications": [{"area": "oncology"}],
    "unapproved-therapies": [{"modality": "aav-gene-therapy"}],
}

# ---------------------------------------------------------------------------------------------
# helpers shared by the workers
# ---------------------------------------------------------------------------------------------


def peak_mb() -> float:
    """This process's maximum resident set size so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed_runs(func, repeat: int, budget: float) -> list[float]:
    """Run ``func`` once to warm up, then up to ``repeat`` timed runs while ``budget`` seconds
    last. A warm-up slower than the budget is the only sample. Times in ms."""
    started = time.perf_counter()
    func()
    first = time.perf_counter() - started
    if first >= budget:
        return [first * 1000]
    times: list[float] = []
    spent = first
    while len(times) < repeat and (not times or spent + first <= budget):
        t0 = time.perf_counter()
        func()
        elapsed = time.perf_counter() - t0
        times.append(elapsed * 1000)
        spent += elapsed
    return times


def timed_pair(
    first, second, repeat: int, budget: float, warm: bool = True
) -> tuple[list[float], list[float]]:
    """After an untimed warm-up, alternate timed runs (ms) of both functions: at least one
    each, at most ``repeat`` each, while ``budget`` seconds last."""
    if warm:
        second()
    a: list[float] = []
    b: list[float] = []
    spent = 0.0
    while True:
        for func, times in ((first, a), (second, b)):
            t0 = time.perf_counter()
            func()
            elapsed = time.perf_counter() - t0
            times.append(elapsed * 1000)
            spent += elapsed
        if len(a) >= repeat or spent + (a[-1] + b[-1]) / 1000 > budget:
            return a, b


def summary(times: list[float]) -> dict:
    return {
        "median": statistics.median(times),
        "p95": percentile(times, 95),
        "runs": len(times),
    }


def inline_bindings(text: str, terms: dict[str, str], mode: str) -> str:
    """``text`` with ``terms`` (variable name -> N-Triples form of an RDF term) bound in the query
    itself rather than through ``substitutions=``; the tokens come from the library's gate, so
    strings, IRIs and comments are never touched.

    ``mode="values"`` adds ``VALUES (?a ...) { (term ...) }`` at the top of the outermost WHERE
    group. ``mode="constant"`` writes each term where its variable occurs: in the outermost SELECT
    clause as ``(term AS ?var)``, dropped from inner SELECT and GROUP BY clauses (a constant needs
    no grouping), and as the term itself everywhere else (ORDER BY keeps the projected variable).
    """
    from atmpkg.graph.engine import gate

    tokens = gate.tokenize(text)
    edits: list[tuple[int, int, str]] = []
    if mode == "values":
        names = sorted(terms)
        block = (
            f" VALUES ({' '.join('?' + n for n in names)}) "
            f"{{ ({' '.join(terms[n] for n in names)}) }} "
        )
        seen_select = False
        for tok in tokens:
            if tok.kind == "word" and tok.text.upper() == "SELECT":
                seen_select = True
            if seen_select and tok.text == "{":
                edits.append((tok.offset + 1, tok.offset + 1, block))
                break
    else:
        depth = 0
        clause = "body"  # body, projection, groupby, orderby
        outer_projection = False
        paren = 0
        previous = None
        group: dict = {}  # the GROUP and BY tokens of the open GROUP BY clause, keys kept

        def close_group() -> None:
            if group and group["kept"] == 0:  # every key was a constant: no GROUP BY left
                for tok in group["words"]:
                    edits.append((tok.offset, tok.offset + len(tok.text), ""))
            group.clear()

        for index, tok in enumerate(tokens):
            word = tok.text.upper() if tok.kind == "word" else None
            if clause in ("groupby", "orderby") and (
                word in ("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES") or tok.text in "{}"
            ):
                if clause == "groupby":
                    close_group()
                clause = "body"
            if word == "SELECT":
                clause, outer_projection, paren = "projection", depth == 0, 0
            elif clause == "projection" and (word == "WHERE" or tok.text == "{"):
                clause = "body"
            elif word == "BY" and previous in ("GROUP", "ORDER"):
                clause, paren = ("groupby" if previous == "GROUP" else "orderby"), 0
                if clause == "groupby":
                    group.update(words=[tokens[index - 1], tok], kept=0)
            if tok.text == "{":
                depth += 1
            elif tok.text == "}":
                depth -= 1
            elif tok.text == "(":
                paren += 1
            elif tok.text == ")":
                paren -= 1
            name = tok.text[1:] if tok.kind == "var" else None
            if name in terms and previous != "AS":
                end = tok.offset + len(tok.text)
                if clause == "projection" and paren == 0:
                    new = f"({terms[name]} AS {tok.text})" if outer_projection else ""
                    edits.append((tok.offset, end, new))
                elif clause == "groupby" and paren == 0:
                    edits.append((tok.offset, end, ""))
                elif clause != "orderby":
                    edits.append((tok.offset, end, terms[name]))
            elif clause == "groupby" and tok.kind == "var" and paren == 0:
                group["kept"] += 1
            previous = word or tok.text
        if clause == "groupby":
            close_group()
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# ---------------------------------------------------------------------------------------------
# workers: each runs in its own process and prints one JSON line
# ---------------------------------------------------------------------------------------------


def worker_generate(job: dict) -> dict:
    sys.path.insert(0, str(HERE))
    import synthetic

    info = synthetic.generate(job["path"], job["triples"], seed=job["seed"])
    return {**info.as_dict(), "peak_mb": peak_mb()}


def worker_raw_load(job: dict) -> dict:
    import pyoxigraph as ox

    if job["mode"] == "cli":  # the engine's own command line (the PyPI package "oxigraph")
        command = ["oxigraph", "load", "--location", job["store"], "--file", job["path"]]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        triples = len(ox.Store.read_only(job["store"]))
        return {"seconds": seconds, "triples": triples, "peak_mb": children}
    store = ox.Store(job["store"])
    started = time.perf_counter()
    if job["mode"] == "path":
        store.bulk_load(path=job["path"], format=ox.RdfFormat.N_TRIPLES)
    else:
        with open(job["path"], "rb") as fh:
            store.bulk_load(fh, format=ox.RdfFormat.N_TRIPLES)
    seconds = time.perf_counter() - started
    triples = len(store)
    del store
    return {"seconds": seconds, "triples": triples, "peak_mb": peak_mb()}


def worker_build(job: dict) -> dict:
    from importlib import resources

    from atmpkg.graph import build

    # data_dir names the packaged data folder explicitly: the store is then never considered
    # stale and rebuilt (without the synthetic file) when someone edits graph/data meanwhile.
    data_dir = str(resources.files("atmpkg.graph").joinpath("data"))
    started = time.perf_counter()
    report = build(job["store"], data_dir=data_dir, extra_files=[job["path"]], shacl=False)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "triples": report.triples,
        "counts": report.counts,
        "peak_mb": peak_mb(),
    }


def _example(value: str, examples: dict[str, str]) -> str:
    """``therapy:@therapy-with-most-approvals`` -> ``therapy:<that therapy's slug>``."""
    head, sep, key = value.partition("@")
    return head + examples[key] if sep else value


def _terms_nt(bindings: dict) -> dict[str, str]:
    return {name: str(term) for name, term in bindings.items()}


def worker_queries(job: dict) -> dict:
    import pyoxigraph as ox

    from atmpkg import queries
    from atmpkg.graph import open_store, run_named
    from atmpkg.graph.sparql.named import bind_params
    from atmpkg.graph.terms import PREFIXES

    store_dir, repeat, budget = job["store"], job["repeat"], job["budget"]
    handle = open_store(store_dir, build_if_needed=False)
    store = handle.store
    out: dict = {"named": {}, "engine": {}, "binding": []}

    # the named-query suite, declared defaults bound
    for named in queries.all_queries():
        bindings = bind_params(named, {}, store)
        subs = {ox.Variable(k): v for k, v in bindings.items()} or None
        t0 = time.perf_counter()
        rows = len(run_named(named.name, store=store_dir))  # also warms the caches up
        first = (time.perf_counter() - t0) * 1000
        if job.get("quick"):  # one timed run through the library, nothing else
            out["named"][named.name] = {"rows": rows, "atmpkg": summary([first])}
            continue

        def ours(n=named.name):
            run_named(n, store=store_dir)

        def bare(text=named.text, s=subs):
            list(store.query(text, prefixes=PREFIXES, substitutions=s))

        # warm up both, then alternate single runs so that drift hits both alike
        a, b = timed_pair(ours, bare, repeat, budget, warm=False)
        out["named"][named.name] = {
            "rows": rows,
            "atmpkg": summary(a),
            "bare": summary(b),
            "bindings": _terms_nt(bindings),
            "text": named.text,
        }

    if job.get("quick"):
        out["peak_mb"] = peak_mb()
        return out

    # typical engine work, bare pyoxigraph
    for name, text in ENGINE_QUERIES.items():
        text = text.replace("{hub}", job["hub"])
        rows = len(list(store.query(text, prefixes=PREFIXES)))
        times = timed_runs(
            lambda t=text: list(store.query(t, prefixes=PREFIXES)), repeat, budget / 2
        )
        out["engine"][name] = {"rows": rows, "bare": summary(times), "text": text}

    # binding experiment: substitutions= against VALUES and constants in the text
    examples = job["examples"]
    if job.get("binding"):
        for name, cases in EXPERIMENT_PARAMS.items():
            named = queries.load(name)
            for params in cases:
                given = {k: _example(v, examples) for k, v in params.items()}
                bindings = bind_params(named, given, store)
                if not bindings:
                    continue
                terms = _terms_nt(bindings)
                subs = {ox.Variable(k): v for k, v in bindings.items()}
                variants = {
                    "substitutions": (named.text, subs),
                    "values": (inline_bindings(named.text, terms, "values"), None),
                    "constant": (inline_bindings(named.text, terms, "constant"), None),
                }
                result = {"query": name, "params": given, "terms": terms}
                reference = None
                for variant, (text, s) in variants.items():
                    try:
                        answer = sorted(
                            repr(tuple(str(t) for t in row))
                            for row in store.query(text, prefixes=PREFIXES, substitutions=s)
                        )
                    except (SyntaxError, RuntimeError) as exc:
                        result[variant] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                        continue
                    if reference is None:
                        reference = answer
                    times = timed_runs(
                        lambda t=text, s=s: list(
                            store.query(t, prefixes=PREFIXES, substitutions=s)
                        ),
                        max(1, repeat // 2),
                        budget / 3,
                    )
                    result[variant] = {
                        **summary(times),
                        "rows": len(answer),
                        "same_rows": answer == reference,
                    }
                out["binding"].append(result)

    out["peak_mb"] = peak_mb()
    return out


def worker_memory(job: dict) -> dict:
    """The named queries through the library with the store held in memory (``hold_in_memory``,
    what ``atmpkg serve --in-memory`` does), and the engine queries bare on that copy."""
    from atmpkg.graph import hold_in_memory, query, run_named
    from atmpkg.graph.terms import PREFIXES

    started = time.perf_counter()
    store = hold_in_memory(job["store"]).store
    load = {"seconds": time.perf_counter() - started, "triples": len(store)}
    # The confined process that evaluates queries makes its own copy at its first query.
    started = time.perf_counter()
    query("ASK {}", store=job["store"])
    load["evaluator_seconds"] = time.perf_counter() - started
    out: dict = {"load": load, "named": {}, "engine": {}}
    for name in job["named"]:
        times = timed_runs(
            lambda n=name: run_named(n, store=job["store"]), job["repeat"], job["budget"]
        )
        out["named"][name] = summary(times)
    for name, item in job["engine"].items():
        times = timed_runs(
            lambda t=item["text"]: list(store.query(t, prefixes=PREFIXES)),
            job["repeat"],
            job["budget"],
        )
        out["engine"][name] = summary(times)
    out["peak_mb"] = peak_mb()
    return out


def worker_dump(job: dict) -> dict:
    import pyoxigraph as ox

    from atmpkg.graph import open_store

    handle = open_store(job["store"], build_if_needed=False)
    started = time.perf_counter()
    handle.store.dump(
        output=job["path"], format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()
    )
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def _rdflib_child(graph, text: str, init: dict, namespaces: dict, repeat: int, budget: float):
    rows = len(list(graph.query(text, initNs=namespaces, initBindings=init)))
    times = timed_runs(
        lambda: list(graph.query(text, initNs=namespaces, initBindings=init)), repeat, budget
    )
    return {"rows": rows, **summary(times)}


def worker_rdflib(job: dict) -> dict:
    """Load the N-Triples dump into an in-memory rdflib Graph once, then run each query in a
    forked child (copy-on-write: no reload) that is killed when it passes the time limit."""
    import rdflib
    from rdflib.util import from_n3

    started = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(job["path"], format="nt")
    load = {"seconds": time.perf_counter() - started, "triples": len(graph), "peak_mb": peak_mb()}
    namespaces = {p: rdflib.Namespace(ns) for p, ns in job["prefixes"].items()}
    deadline = time.monotonic() + job["total_budget"]
    results: dict = {}
    for item in job["queries"]:
        key = item["key"]
        if item.get("skip"):
            results[key] = {"skipped": item["skip"]}
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            results[key] = {"skipped": "rdflib time budget used up"}
            continue
        limit = min(job["timeout"], remaining)
        init = {k: from_n3(v) for k, v in item["bindings"].items()}
        read, write = os.pipe()
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read)
            try:
                payload = _rdflib_child(
                    graph, item["text"], init, namespaces, job["repeat"], job["budget"]
                )
            except Exception as exc:  # rdflib does not support every query Oxigraph does
                payload = {"error": f"{type(exc).__name__}: {exc}"[:160]}
            payload["peak_mb"] = peak_mb()
            os.write(write, json.dumps(payload).encode())
            os._exit(0)
        os.close(write)
        chunks = []
        timed_out = False
        while True:
            left = limit - (time.perf_counter() - t0)
            ready, _, _ = select.select([read], [], [], max(0.0, left))
            if not ready:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        if timed_out:
            results[key] = {"timeout": limit}
        else:
            results[key] = json.loads(b"".join(chunks) or b'{"error": "no answer"}')
    return {"load": load, "results": results, "peak_mb": peak_mb()}


WORKERS = {
    "generate": worker_generate,
    "raw-load": worker_raw_load,
    "build": worker_build,
    "queries": worker_queries,
    "dump": worker_dump,
    "memory": worker_memory,
    "rdflib": worker_rdflib,
}


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


#: A step whose resident memory passes this many MB is stopped (set by --max-rss-gb).
MAX_RSS_MB = 12 * 1024


def run_worker(name: str, job: dict, timeout: float) -> dict:
    """Run one measurement in a fresh Python process, stopped after ``timeout`` seconds or when
    its memory passes the cap; its result or ``{"error": ...}``."""
    with tempfile.TemporaryDirectory(prefix="atmpkg-worker-") as tmp:
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job))
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, str(job_file)]
        started = time.perf_counter()
        with open(Path(tmp) / "out", "wb") as out, open(Path(tmp) / "err", "wb") as err:
            proc = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
            stopped = None
            while proc.poll() is None:
                if time.perf_counter() - started > timeout:
                    stopped = {"error": f"stopped after {timeout:.0f} s", "timeout": True}
                elif _rss_mb(proc.pid) > MAX_RSS_MB:
                    stopped = {"error": f"stopped above {MAX_RSS_MB / 1024:.0f} GB", "memory": True}
                if stopped:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return stopped
                time.sleep(0.2)
        stdout = (Path(tmp) / "out").read_text(errors="replace").strip()
        stderr = (Path(tmp) / "err").read_text(errors="replace").strip()
    if proc.returncode != 0 or not stdout:
        tail = stderr.splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit code {proc.returncode}"}
    result = json.loads(stdout.splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------------------
# the orchestrating process
# ---------------------------------------------------------------------------------------------


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def fmt_rate(triples: int, seconds: float) -> str:
    return f"{triples / seconds:,.0f}" if seconds else "-"


def say(text: str = "") -> None:
    print(text, flush=True)


def rdflib_jobs(named: dict, engine: dict, previous: dict | None, ratio: float, timeout: float):
    """The queries for the rdflib worker, engine queries first; a query whose rdflib time at the
    previous size, grown linearly, would pass the limit is skipped with a note."""
    items = []
    for kind, source in (("engine", engine), ("named", named)):
        for name, data in source.items():
            key = f"{kind}:{name}"
            item = {
                "key": key,
                "text": data["text"],
                "bindings": data.get("bindings", {}),
            }
            before = (previous or {}).get(key, {})
            if "timeout" in before or "skipped" in before and "projected" in before["skipped"]:
                item["skip"] = "projected over the limit (over it at the previous size)"
            elif "median" in before and before["median"] / 1000 * ratio > timeout:
                projected = before["median"] / 1000 * ratio
                item["skip"] = f"projected {projected:.0f} s from the previous size"
            items.append(item)
    return items


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return statistics.geometric_mean(values) if values else None


def run_size(label: str, triples: int, args, workdir: Path, state: dict) -> dict:
    from atmpkg.graph.terms import PREFIXES

    say(f"\n=== {label}: synthetic graph of about {triples:,} triples ===")
    res: dict = {"label": label, "target": triples}
    nt = workdir / f"synthetic-{label}.nt"
    gen = run_worker(
        "generate", {"path": str(nt), "triples": triples, "seed": args.seed}, args.step_timeout
    )
    if "error" in gen:
        say(f"generation failed: {gen['error']}")
        res["generate"] = gen
        return res
    res["generate"] = gen
    say(
        f"generated {gen['triples']:,} triples in {gen['seconds']:.1f} s "
        f"({fmt_rate(gen['triples'], gen['seconds'])}/s, peak {gen['peak_mb']:.0f} MB): "
        + ", ".join(f"{v:,} {k}" for k, v in list(gen["counts"].items())[:6])
    )

    # loads -----------------------------------------------------------------------------------
    quick = triples >= SIZES[args.quick_from]
    res["quick"] = quick
    res["raw"] = {}
    modes = ("file",) if quick else ("path", "file")
    for mode in (*modes, "cli") if shutil.which("oxigraph") else modes:
        store = workdir / f"raw-{label}-{mode}"
        r = run_worker(
            "raw-load",
            {"path": str(nt), "store": str(store), "mode": mode},
            args.step_timeout,
        )
        shutil.rmtree(store, ignore_errors=True)
        res["raw"][mode] = r
    store_dir = workdir / f"store-{label}"
    before = state.get("build")
    ratio = triples / state["size"] if state.get("size") else 1
    if before and (before.get("timeout") or before.get("memory") or before.get("skipped")):
        built = {"error": "skipped: stopped at the previous size", "skipped": True}
    elif before and "peak_mb" in before and before["peak_mb"] * ratio * 0.8 > MAX_RSS_MB:
        built = {
            "error": f"skipped: projected {before['peak_mb'] * ratio / 1024:.0f} GB",
            "skipped": True,
        }
    else:
        built = run_worker("build", {"path": str(nt), "store": str(store_dir)}, args.build_timeout)
        if "error" not in built:
            res["store_triples"] = built["triples"]
    state["new_build"] = built
    res["build"] = built

    say(f"\n{'load':<36} {'seconds':>8} {'triples':>11} {'triples/s':>10} {'peak MB':>8}")
    rows = [
        *(
            (
                "oxigraph load (command line)"
                if mode == "cli"
                else f"raw pyoxigraph bulk_load({'path=' if mode == 'path' else mode})",
                r,
            )
            for mode, r in res["raw"].items()
        ),
        ("atmpkg build", built),
    ]
    for name, r in rows:
        if "error" in r:
            say(f"{name:<36} {r['error']}")
        else:
            say(
                f"{name:<36} {r['seconds']:8.2f} {r['triples']:>11,} "
                f"{fmt_rate(r['triples'], r['seconds']):>10} {r['peak_mb']:8.0f}"
            )
    if "error" in built:
        say("no store was built; the query measurements are skipped at this size")
        return res

    # queries ---------------------------------------------------------------------------------
    hub = (
        f"<https://w3id.org/atmp-kg/id/company/{gen['examples']['company-with-most-subsidiaries']}>"
    )
    q = run_worker(
        "queries",
        {
            "store": str(store_dir),
            "repeat": args.repeat,
            "budget": args.query_budget,
            "hub": hub,
            "examples": gen["examples"],
            "binding": not args.no_binding,
            "quick": quick,
        },
        args.step_timeout * 3,
    )
    res["queries"] = q
    if "error" in q:
        say(f"query measurements failed: {q['error']}")
        return res
    if quick:
        say(f"\n{'named query (one run each)':<30} {'rows':>7} {'atmpkg ms':>10}")
        medians = []
        for name, r in q["named"].items():
            medians.append(r["atmpkg"]["median"])
            say(f"{name:<30} {r['rows']:>7} {fmt_ms(r['atmpkg']['median']):>10}")
        res["summary"] = {
            "suite_median_ms": statistics.median(medians),
            "suite_p95_ms": percentile(medians, 95),
            "suite_max_ms": max(medians),
            "slowest": max(q["named"], key=lambda n: q["named"][n]["atmpkg"]["median"]),
            "over_1s": sorted(n for n, r in q["named"].items() if r["atmpkg"]["median"] > 1000),
            "queries_peak_mb": q["peak_mb"],
        }
        s = res["summary"]
        say(
            f"suite: median {fmt_ms(s['suite_median_ms'])} ms, p95 {fmt_ms(s['suite_p95_ms'])} "
            f"ms, slowest {s['slowest']} {fmt_ms(s['suite_max_ms'])} ms; {len(s['over_1s'])} "
            f"queries over 1 s; query process peak {q['peak_mb']:.0f} MB (a single run each, "
            f"no warm-up: sizes from --quick-from on are measured briefly)"
        )
        return res

    # the same queries with the store held in memory ----------------------------------------
    mem = run_worker(
        "memory",
        {
            "store": str(store_dir),
            "named": list(q["named"]),
            "engine": {n: {"text": r["text"]} for n, r in q["engine"].items()},
            "repeat": args.repeat,
            "budget": args.query_budget / 2,
        },
        args.step_timeout,
    )
    res["memory"] = mem
    inmem = mem if "error" not in mem else {"named": {}, "engine": {}}
    if "error" in mem:
        say(f"in-memory store: {mem['error']}")

    # rdflib ----------------------------------------------------------------------------------
    rd = None
    if triples <= SIZES[args.rdflib_max]:
        dump = workdir / f"dump-{label}.nt"
        d = run_worker("dump", {"store": str(store_dir), "path": str(dump)}, args.step_timeout)
        if "error" not in d:
            previous = state.get("rdflib_results")
            ratio = triples / state["rdflib_size"] if state.get("rdflib_size") else 1
            items = rdflib_jobs(q["named"], q["engine"], previous, ratio, args.rdflib_timeout)
            job = {
                "path": str(dump),
                "prefixes": PREFIXES,
                "queries": items,
                "timeout": args.rdflib_timeout,
                "total_budget": args.rdflib_budget,
                "repeat": max(1, args.repeat // 2),
                "budget": args.rdflib_timeout / 4,
            }
            rd = run_worker("rdflib", job, args.rdflib_budget + args.step_timeout)
            dump.unlink(missing_ok=True)
            if "error" not in rd:
                state["rdflib_results"] = rd["results"]
                state["rdflib_size"] = triples
        else:
            rd = d
        res["rdflib"] = rd
    rdres = (rd or {}).get("results", {}) if rd and "error" not in rd else {}
    if rd and "error" not in rd:
        load = rd["load"]
        say(
            f"{'rdflib Graph.parse (N-Triples)':<36} {load['seconds']:8.2f} {load['triples']:>11,} "
            f"{fmt_rate(load['triples'], load['seconds']):>10} {load['peak_mb']:8.0f}"
        )
    elif rd:
        say(f"{'rdflib Graph.parse (N-Triples)':<36} {rd['error']}")
    else:
        say(f"rdflib: not run above {args.rdflib_max} (--rdflib-max)")

    def rdflib_cell(key: str, ours_ms: float):
        r = rdres.get(key)
        if r is None:
            return "not run", "", None
        if "median" in r:
            return fmt_ms(r["median"]), f"{r['median'] / ours_ms:.1f}x", r["median"] / ours_ms
        if "timeout" in r:
            return f">{r['timeout']:.0f} s", f">{r['timeout'] * 1000 / ours_ms:.0f}x", None
        if "skipped" in r:
            return "skipped", "", None
        return "fails", r.get("error", "")[:9], None

    say(
        f"\n{'named query':<30} {'rows':>6} {'atmpkg ms':>9} {'p95':>7} {'bare ms':>8} "
        f"{'overhead':>8} {'in-mem ms':>9} {'rdflib ms':>10} {'speed-up':>9}"
    )
    ratios, over, medians, runs = [], [], [], []
    for name, r in q["named"].items():
        ours, bare = r["atmpkg"]["median"], r["bare"]["median"]
        medians.append(ours)
        runs.append(r["atmpkg"]["p95"])
        over.append(ours / bare)
        cell, speed, ratio = rdflib_cell(f"named:{name}", ours)
        if ratio:
            ratios.append(ratio)
        memory_ms = inmem["named"].get(name, {}).get("median")
        say(
            f"{name:<30} {r['rows']:>6} {fmt_ms(ours):>9} {fmt_ms(r['atmpkg']['p95']):>7} "
            f"{fmt_ms(bare):>8} {(ours - bare) / bare * 100:7.0f}% {fmt_ms(memory_ms):>9} "
            f"{cell:>10} {speed:>9}"
        )
    res["summary"] = {
        "suite_median_ms": statistics.median(medians),
        "suite_p95_ms": percentile(medians, 95),
        "suite_max_ms": max(medians),
        "slowest": max(q["named"], key=lambda n: q["named"][n]["atmpkg"]["median"]),
        "over_1s": sorted(n for n, r in q["named"].items() if r["atmpkg"]["median"] > 1000),
        "overhead_geomean": geomean(over),
        "overhead_over_25pct": sorted(
            n for n, r in q["named"].items() if r["atmpkg"]["median"] > 1.25 * r["bare"]["median"]
        ),
        "rdflib_speedup_geomean": geomean(ratios),
        "rdflib_speedup_memory_geomean": geomean(
            [
                rdres[f"named:{n}"]["median"] / inmem["named"][n]["median"]
                for n in q["named"]
                if "median" in rdres.get(f"named:{n}", {}) and n in inmem["named"]
            ]
        ),
        "disk_over_memory_geomean": geomean(
            [
                r["atmpkg"]["median"] / inmem["named"][n]["median"]
                for n, r in q["named"].items()
                if n in inmem["named"]
            ]
        ),
        "memory_over_1s": sorted(n for n, r in inmem["named"].items() if r["median"] > 1000),
        "memory_slowest_ms": max((r["median"] for r in inmem["named"].values()), default=None),
        "rdflib_slower_than_memory": sorted(
            n
            for n, r in inmem["named"].items()
            if "median" in rdres.get(f"named:{n}", {})
            and rdres[f"named:{n}"]["median"] < r["median"]
        ),
        "rdflib_compared": len(ratios),
        "rdflib_slower_than": sorted(
            n
            for n, r in q["named"].items()
            if "median" in rdres.get(f"named:{n}", {})
            and rdres[f"named:{n}"]["median"] < r["atmpkg"]["median"]
        ),
        "queries_peak_mb": q["peak_mb"],
    }
    s = res["summary"]
    say(
        f"suite: median {fmt_ms(s['suite_median_ms'])} ms, p95 {fmt_ms(s['suite_p95_ms'])} ms, "
        f"slowest {s['slowest']} {fmt_ms(s['suite_max_ms'])} ms; "
        f"{len(s['over_1s'])} queries over 1 s; peak {q['peak_mb']:.0f} MB"
    )
    say(
        f"atmpkg / bare pyoxigraph: geometric mean {s['overhead_geomean']:.2f} "
        f"({len(s['overhead_over_25pct'])} queries over +25%)"
    )
    if ratios:
        say(
            f"speed-up over rdflib: geometric mean {s['rdflib_speedup_geomean']:.1f}x over "
            f"{len(ratios)} queries; rdflib faster on: {', '.join(s['rdflib_slower_than']) or 'none'}"
            f"; with the store held in memory "
            f"{s['rdflib_speedup_memory_geomean'] or 0:.1f}x, rdflib faster on: "
            f"{', '.join(s['rdflib_slower_than_memory']) or 'none'}"
        )
    if s["disk_over_memory_geomean"]:
        say(
            f"on-disk store / store held in memory: geometric mean "
            f"{s['disk_over_memory_geomean']:.1f}; in memory {len(s['memory_over_1s'])} queries "
            f"over 1 s, slowest {fmt_ms(s['memory_slowest_ms'])} ms (copy made in "
            f"{inmem['load']['seconds']:.1f} s, peak {inmem['peak_mb']:.0f} MB; the evaluating "
            f"process's own copy in {inmem['load']['evaluator_seconds']:.1f} s)"
        )

    say(
        f"\n{'engine query (bare)':<36} {'rows':>7} {'disk ms':>9} {'in-mem ms':>9} "
        f"{'rdflib ms':>10} {'disk x':>7} {'in-mem x':>8}"
    )
    eratios, mratios = [], []
    for name, r in q["engine"].items():
        ms = r["bare"]["median"]
        memory_ms = inmem["engine"].get(name, {}).get("median")
        cell, speed, ratio = rdflib_cell(f"engine:{name}", ms)
        mspeed = ""
        if ratio:
            eratios.append(ratio)
            if memory_ms:
                mratios.append(ratio * ms / memory_ms)
                mspeed = f"{ratio * ms / memory_ms:.1f}x"
        say(
            f"{name:<36} {r['rows']:>7} {fmt_ms(ms):>9} {fmt_ms(memory_ms):>9} {cell:>10} "
            f"{speed:>7} {mspeed:>8}"
        )
    s["engine_speedup_geomean"] = geomean(eratios)
    s["engine_speedup_memory_geomean"] = geomean(mratios)
    if eratios:
        say(
            f"engine speed-up over rdflib: geometric mean {s['engine_speedup_geomean']:.1f}x "
            f"(on-disk store), {s['engine_speedup_memory_geomean'] or 0:.1f}x (in-memory store)"
        )

    if q["binding"]:
        say(
            f"\n{'binding (bare pyoxigraph)':<30} {'params':<34} {'rows':>6} "
            f"{'substit. ms':>11} {'VALUES ms':>10} {'constant ms':>11} {'gain':>6}"
        )
        for b in q["binding"]:
            cells = []
            for variant in ("substitutions", "values", "constant"):
                v = b.get(variant, {})
                if "median" not in v:
                    cells.append("error")
                else:
                    cells.append(fmt_ms(v["median"]) + ("" if v["same_rows"] else "!"))
            sub, const = b.get("substitutions", {}), b.get("constant", {})
            gain = (
                f"{sub['median'] / const['median']:.1f}x"
                if "median" in sub and "median" in const
                else ""
            )
            params = ", ".join(f"{k}={v}" for k, v in b["params"].items()) or "(defaults)"
            say(
                f"{b['query']:<30} {params[:34]:<34} {sub.get('rows', 0):>6} {cells[0]:>11} "
                f"{cells[1]:>10} {cells[2]:>11} {gain:>6}"
            )
        say("(! = rows differ from the substitutions answer)")
    return res


def final_table(results: list[dict]) -> None:
    say("\n=== side by side ===")
    labels = [r["label"] for r in results]
    say(f"{'':<44}" + "".join(f"{lab:>15}" for lab in labels))

    def row(name: str, cells: list[str]) -> None:
        say(f"{name:<44}" + "".join(f"{c:>15}" for c in cells))

    def get(r, *path):
        for key in path:
            if not isinstance(r, dict) or key not in r:
                return None
            r = r[key]
        return r

    def rate(r):
        if not r:
            return "-"
        if "error" in r:
            return r["error"].replace("skipped: ", "")[:14]
        return f"{r['triples'] / r['seconds']:,.0f}"

    def num(value, pattern="{:.0f}"):
        return pattern.format(value) if value is not None else "-"

    row("synthetic triples", [num(get(r, "generate", "triples"), "{:,}") for r in results])
    row("store triples after build", [num(r.get("store_triples"), "{:,}") for r in results])
    for mode, name in (("path", "bulk_load(path=)"), ("file", "bulk_load(file)")):
        row(f"raw pyoxigraph {name} triples/s", [rate(get(r, "raw", mode)) for r in results])
        row(
            f"raw pyoxigraph {name} peak MB", [num(get(r, "raw", mode, "peak_mb")) for r in results]
        )
    row(
        "atmpkg build: s",
        [
            num(get(r, "build", "seconds"), "{:.1f}")
            if get(r, "build", "seconds")
            else rate(get(r, "build"))
            for r in results
        ],
    )
    row(
        "oxigraph load (command line): s",
        [num(get(r, "raw", "cli", "seconds"), "{:.1f}") for r in results],
    )
    row(
        "atmpkg build / oxigraph load",
        [
            num(get(r, "build", "seconds") / get(r, "raw", "cli", "seconds"), "{:.2f}")
            if get(r, "build", "seconds") and get(r, "raw", "cli", "seconds")
            else "-"
            for r in results
        ],
    )
    row("atmpkg build: triples/s", [rate(get(r, "build")) for r in results])
    row("atmpkg build: peak MB", [num(get(r, "build", "peak_mb")) for r in results])
    row(
        "rdflib Graph.parse triples/s",
        [
            f"{get(r, 'rdflib', 'load', 'triples') / get(r, 'rdflib', 'load', 'seconds'):,.0f}"
            if get(r, "rdflib", "load")
            else "-"
            for r in results
        ],
    )
    row("rdflib Graph.parse peak MB", [num(get(r, "rdflib", "load", "peak_mb")) for r in results])
    for key, name, f in (
        ("suite_median_ms", "named queries: median of medians ms", fmt_ms),
        ("suite_p95_ms", "named queries: p95 of medians ms", fmt_ms),
        ("suite_max_ms", "named queries: slowest ms", fmt_ms),
        ("over_1s", "named queries over 1 s", lambda v: str(len(v))),
        ("overhead_geomean", "atmpkg / bare pyoxigraph (geo. mean)", lambda v: f"{v:.2f}"),
        ("overhead_over_25pct", "queries with overhead over 25%", lambda v: str(len(v))),
        ("rdflib_speedup_geomean", "named: speed-up over rdflib (geo.)", lambda v: f"{v:.1f}x"),
        ("rdflib_compared", "named: queries rdflib finished", str),
        ("rdflib_slower_than", "named: queries where rdflib is faster", lambda v: str(len(v))),
        ("memory_slowest_ms", "held in memory: slowest named ms", fmt_ms),
        ("memory_over_1s", "held in memory: named over 1 s", lambda v: str(len(v))),
        (
            "rdflib_speedup_memory_geomean",
            "held in memory: speed-up over rdflib",
            lambda v: f"{v:.1f}x",
        ),
        (
            "rdflib_slower_than_memory",
            "held in memory: rdflib is faster on",
            lambda v: str(len(v)),
        ),
        ("disk_over_memory_geomean", "on-disk / held-in-memory time", lambda v: f"{v:.1f}"),
        ("engine_speedup_geomean", "engine: speed-up over rdflib (geo.)", lambda v: f"{v:.1f}x"),
        (
            "engine_speedup_memory_geomean",
            "engine: same, in-memory pyoxigraph",
            lambda v: f"{v:.1f}x",
        ),
        ("queries_peak_mb", "query process peak MB", lambda v: f"{v:.0f}"),
    ):
        row(
            name,
            [
                f(get(r, "summary", key)) if get(r, "summary", key) is not None else "-"
                for r in results
            ],
        )


def main() -> None:
    global MAX_RSS_MB
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        job = json.loads(Path(sys.argv[3]).read_text())
        print(json.dumps(WORKERS[sys.argv[2]](job)), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k,100k,1M,10M")
    parser.add_argument("--10m", dest="ten_million", action="store_true", help="add 10M triples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=8, help="timed runs per query (at most)")
    parser.add_argument(
        "--query-budget", type=float, default=8.0, help="seconds per query measurement"
    )
    parser.add_argument(
        "--build-timeout", type=float, default=900.0, help="limit for the build (s)"
    )
    parser.add_argument("--step-timeout", type=float, default=900.0, help="limit per step (s)")
    parser.add_argument(
        "--max-rss-gb", type=float, default=12.0, help="stop a step above this memory (GB)"
    )
    parser.add_argument(
        "--rdflib-max", default="1M", choices=list(SIZES), help="largest size run on rdflib"
    )
    parser.add_argument(
        "--rdflib-timeout", type=float, default=60.0, help="limit per rdflib query (s)"
    )
    parser.add_argument(
        "--rdflib-budget", type=float, default=600.0, help="rdflib query time per size (s)"
    )
    parser.add_argument("--no-binding", action="store_true", help="skip the binding experiment")
    parser.add_argument(
        "--quick-from",
        default="10M",
        choices=list(SIZES),
        help="from this size on: one raw load, one build, one run per named "
        "query through the library (no bare, in-memory, binding or rdflib measurements)",
    )
    parser.add_argument("--json", help="also write every measurement to this JSON file")
    parser.add_argument("--workdir", help="folder for files and stores (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep generated files and stores")
    args = parser.parse_args()
    MAX_RSS_MB = args.max_rss_gb * 1024

    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.ten_million and "10M" not in labels:
        labels.append("10M")
    for lab in labels:
        if lab not in SIZES:
            parser.error(f"unknown size {lab}; use {', '.join(SIZES)}")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="atmpkg-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    import platform

    import pyoxigraph
    import rdflib

    say(
        f"bench_scale: sizes {', '.join(labels)}; {os.cpu_count()} CPUs; Python "
        f"{platform.python_version()}; pyoxigraph {pyoxigraph.__version__}; rdflib "
        f"{rdflib.__version__}; work folder {workdir}"
    )
    results: list[dict] = []
    state: dict = {}
    started = time.perf_counter()
    try:
        for lab in labels:
            results.append(run_size(lab, SIZES[lab], args, workdir, state))
            state["build"] = state.pop("new_build", None)
            state["size"] = SIZES[lab]
            if not args.keep:
                for p in workdir.glob(f"*-{lab}*"):
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        final_table(results)
        say(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

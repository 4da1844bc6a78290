"""The scale benchmark's synthetic graph (bench/synthetic.py) has the curated graph's shape."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from atmpkg.graph import open_store

BENCH = Path(__file__).resolve().parent.parent / "bench"

#: How far a density of the generated graph may be from the curated one, as a share of it.
TOLERANCE = 0.2


def _synthetic():
    spec = importlib.util.spec_from_file_location("synthetic", BENCH / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    # a dataclass looks its module up in sys.modules while the module runs
    sys.modules["synthetic"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic():
    return _synthetic()


def test_the_densities_are_counted_from_stated_facts(synthetic):
    store = ox.Store()
    store.load(
        b"@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        b"@prefix dct: <http://purl.org/dc/terms/> .\n"
        b"<x:c1> a atmp:Company . <x:c2> a atmp:Company ; atmp:subsidiaryOf <x:c1> .\n"
        b"<x:t1> a atmp:Therapy ; atmp:target <x:cd19> , <x:bcma> . <x:t2> a atmp:Therapy .\n"
        b"<x:a1> a atmp:Approval ; atmp:product <x:t1> ; atmp:agency <x:fda> ;"
        b" atmp:indication <x:i1> ; dct:source <x:s1> , <x:s2> .\n"
        b"<x:a2> a atmp:Approval ; atmp:product <x:t1> ; atmp:agency <x:ema> ;"
        b" atmp:indication <x:i1> ; dct:source <x:s3> .\n"
        b"<x:e1> a atmp:LifecycleEvent . <x:d1> a atmp:Deal . <x:k1> a atmp:Claim .\n",
        ox.RdfFormat.TURTLE,
    )
    assert synthetic.densities(store) == {
        "therapies per company": 1.0,
        "subsidiary links per company": 0.5,
        "approved share of therapies": 0.5,
        "approvals per approved therapy": 2.0,
        "agencies per approved therapy": 2.0,
        "targets per therapy": 1.0,
        "indications per approval": 1.0,
        "distinct indications per approval": 0.5,
        "lifecycle events per approval": 0.5,
        "sources per approval": 1.5,
        "sources per sourced fact": 1.5,
        "deals per company": 0.5,
        "claims per company and therapy": 0.25,
    }


def test_the_synthetic_graph_at_100k_triples_has_the_curated_densities(
    synthetic, curated_store, tmp_path
):
    """Each density of a generated graph of 100,000 triples (the file alone) is within 20% of the
    one measured on the curated build, so that the benchmark at scale reads a graph shaped like
    the real one (approvals per therapy, targets, indications, lifecycle events, sources...)."""
    curated = synthetic.densities(open_store(curated_store).store)
    path = tmp_path / "synthetic.nt"
    synthetic.generate(path, 100_000)
    generated = ox.Store()
    generated.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    measured = synthetic.densities(generated)
    off = {
        name: (curated[name], measured[name])
        for name in curated
        if abs(measured[name] - curated[name]) > TOLERANCE * curated[name]
    }
    assert not off, f"(curated, synthetic) densities more than {TOLERANCE:.0%} apart: {off}"

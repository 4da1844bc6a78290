"""Packaging: every data, query and schema file is reachable through importlib.resources, also from
a built wheel, and the generic top-level names stay out of site-packages."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def shipped(root: Path) -> set[str]:
    found = set()
    for pattern in (
        "queries/*.rq",
        "queries/checks/*.rq",
        "queries/rules/*.ru",
        "ontology/*.ttl",
        "graph/data/*.csv",
    ):
        found |= {str(p.relative_to(root)) for p in root.glob(pattern)}
    return found


def test_every_resource_is_reachable():
    files = shipped(ROOT)
    assert len(files) > 30
    for name in files:
        folder, _, leaf = name.rpartition("/")
        package = {
            "queries": "atmpkg.queries",
            "queries/checks": "atmpkg.queries",
            "queries/rules": "atmpkg.queries",
            "ontology": "atmpkg.ontology",
            "graph/data": "atmpkg.graph",
        }[folder]
        sub = folder.split("/", 1)[1] if "/" in folder else ""
        base = resources.files(package)
        if sub and package != "atmpkg.graph":
            base = base.joinpath(sub)
        elif package == "atmpkg.graph":
            base = base.joinpath("data")
        assert base.joinpath(leaf).read_bytes() == (ROOT / name).read_bytes(), name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip install .` builds, built once for the tests of this file."""
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    # A new user's `pip install .` shows the build's warnings: a data folder missing from the
    # packages list printed a page of them.
    assert "Warning" not in built.stderr, built.stderr
    return next(folder.glob("atmp_kg-*.whl"))


def test_wheel_contains_everything_under_atmpkg(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in shipped(ROOT):
        assert f"atmpkg/{name}" in names, name
    code = {str(p.relative_to(ROOT)) for p in ROOT.glob("graph/**/*.py")}
    code |= {str(p.relative_to(ROOT)) for p in ROOT.glob("graph/server/web/*") if p.is_file()}
    code |= {str(p.relative_to(ROOT)) for p in ROOT.glob("graph/server/web/vendor/yasgui/*")}
    # the script the view files inline and the query page is served (showable.js)
    code |= {str(p.relative_to(ROOT)) for p in ROOT.glob("graph/display/*.js")}
    assert len(code) > 40
    assert sorted(f"atmpkg/{name}" for name in code if f"atmpkg/{name}" not in names) == []
    assert "atmpkg/cli.py" in names
    assert {"atmpkg/__init__.py", "atmpkg/py.typed"} <= names
    info = next(n.rsplit("/", 1)[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert {f"{info}/licenses/LICENSE", f"{info}/licenses/LICENSE-DATA"} <= names
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License-Expression: Apache-2.0 AND CC-BY-4.0" in metadata.splitlines()
    assert "Classifier: Typing :: Typed" in metadata.splitlines()
    from atmpkg import __version__

    assert f"Version: {__version__}" in metadata.splitlines()
    assert not any(
        n.split("/")[0] in ("graph", "queries", "ontology", "cli.py", "tests", "bench")
        for n in names
    )



def test_a_wheels_citation_names_its_data_by_the_fingerprint_a_checkout_prints(wheel, tmp_path):
    """newuser32 F3: after `pip install .` (not editable) the data has no commit, and one version
    is released with many data: the citation names the short fingerprint of the files the build
    read, the one `atmpkg --version` prints from a clone of the same data."""
    from atmpkg import __version__
    from atmpkg.graph.display.explore import packaged_data_as_of
    from atmpkg.graph.store.folder import fingerprint

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, capture_output=True)
    env = {**os.environ, "HOME": str(tmp_path / "home"), "ATMPKG_STORE": str(tmp_path / "store")}
    env["COLUMNS"] = "200"

    def atmpkg(*args: str) -> str:
        command = [str(venv / "bin" / "atmpkg"), *args]
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = subprocess.run(
        [str(python), "-c", "import atmpkg; print(atmpkg.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(venv)), where  # the wheel's, not a clone's
    short, as_of = fingerprint()[:12], packaged_data_as_of()
    assert atmpkg("--version") == (
        f"atmpkg {__version__}, curated data as of {as_of}, data fingerprint {short}\n"
    )
    atmpkg("build")
    assert atmpkg("stats").splitlines()[2] == (
        f"Cite as: ATMP-KG curated data, CC BY 4.0, atmpkg {__version__} (data fingerprint "
        f"{short}), data as of {as_of}"
    )


VENDOR = ROOT / "graph/server/web/vendor/yasgui"


def test_vendored_yasgui_matches_its_checksums():
    """The vendored YASGUI is exactly what revendor.sh fetched: every file listed in SHA256SUMS,
    with that digest, and nothing else beside them."""
    sums = {}
    for line in (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    assert set(sums) == {"yasgui.min.js", "yasgui.min.css", "LICENSE", "VERSION"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert {p.name for p in VENDOR.iterdir()} == set(sums) | {"SHA256SUMS"}
    script = (VENDOR.parent / "revendor.sh").read_text(encoding="utf-8")
    version = (VENDOR / "VERSION").read_text(encoding="utf-8").strip()
    assert f'VERSION="{version}"' in script.splitlines()
    assert "MIT License" in (VENDOR / "LICENSE").read_text(encoding="utf-8")

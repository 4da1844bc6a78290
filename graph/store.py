"""Where the embedded store lives, how it is opened, and how a new build is swapped in atomically.

A store is a folder::

    <store>/current -> builds/<id>      symlink, replaced atomically by each successful build
    <store>/builds/<id>/oxigraph/       the RocksDB store (opened read-only by readers)
    <store>/builds/<id>/build.json      when and from what it was built, with counts
    <store>/imports/                    researchers' files added with ``atmpkg import``

>>> default_store_path().name
'store'
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from atmpkg.graph.errors import StoreError

VERSION = "0.1.0"


def default_store_path() -> Path:
    """``$ATMPKG_STORE``, else ``$XDG_DATA_HOME/atmp-kg/store`` (``~/.local/share/atmp-kg/store``)."""
    env = os.environ.get("ATMPKG_STORE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "atmp-kg" / "store"


def resolve_path(store: str | os.PathLike[str] | None) -> Path:
    """The store folder to use: the given one or the default."""
    return Path(store).expanduser() if store is not None else default_store_path()


#: Everything a build compiles: data, ontology, rules and checks.
_INPUTS = (
    ("atmpkg.graph", "data", (".csv",)),
    ("atmpkg.ontology", "", (".ttl",)),
    ("atmpkg.queries", "checks", (".rq",)),
    ("atmpkg.queries", "rules", (".ru",)),
)


@functools.lru_cache(maxsize=1)
def _input_files() -> list[tuple[str, Path]]:
    found = []
    for package, sub, suffixes in _INPUTS:
        folder = Path(str(resources.files(package)))
        folder = folder / sub if sub else folder
        found += [
            (f"{package}/{sub}/{p.name}", p) for p in folder.iterdir() if p.name.endswith(suffixes)
        ]
    return sorted(found)


@functools.lru_cache(maxsize=4)
def _fingerprint(version: str, stamp: tuple) -> str:
    digest = hashlib.sha256(version.encode())
    for name, path in _input_files():
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint() -> str:
    """A hash of the packaged inputs: a store built from other inputs is stale. The contents are
    hashed again only when a file's size or modification time changed, so reads stay cheap."""
    stamp = tuple((name, p.stat().st_mtime_ns, p.stat().st_size) for name, p in _input_files())
    return _fingerprint(VERSION, stamp)


@dataclass
class StoreHandle:
    """An open, read-only store and what is known about its build."""

    root: Path
    build_dir: Path
    store: ox.Store
    info: dict

    @property
    def oxigraph_path(self) -> Path:
        return self.build_dir / "oxigraph"


_open: dict[Path, StoreHandle] = {}
#: Store roots whose builds this process reads from an in-memory copy (see ``hold_in_memory``).
_in_memory: set[Path] = set()


def current_build(root: Path) -> Path | None:
    """The build folder ``root/current`` points at, or None when nothing was built yet."""
    link = root / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / "oxigraph").is_dir() and (target / "build.json").is_file() else None


def read_info(build_dir: Path) -> dict:
    try:
        return json.loads((build_dir / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"{build_dir / 'build.json'} is unreadable ({exc}); run 'atmpkg build'"
        ) from None


def open_build(root: Path, build_dir: Path) -> StoreHandle:
    """Open a build read-only, reusing the handle when it is already open in this process. For a
    root given to :func:`hold_in_memory` the handle reads a copy of the build held in memory."""
    handle = _open.get(build_dir)
    if handle is None:
        try:
            store = ox.Store.read_only(str(build_dir / "oxigraph"))
            if root in _in_memory:
                copy = ox.Store()
                copy.bulk_extend(store.quads_for_pattern(None, None, None))
                store = copy
        except OSError as exc:
            raise StoreError(f"cannot open the store at {build_dir}: {exc}") from None
        handle = StoreHandle(root, build_dir, store, read_info(build_dir))
        _open[build_dir] = handle
    return handle


def hold_in_memory(root: Path) -> None:
    """From now on, open the builds of ``root`` in this process as in-memory copies (handles
    already open on disk are dropped, so the next open makes the copy)."""
    _in_memory.add(root)
    for build_dir in [d for d, handle in _open.items() if handle.root == root]:
        forget(build_dir)


def forget(build_dir: Path) -> None:
    """Drop a cached handle (before its folder is deleted)."""
    _open.pop(build_dir, None)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the store's write lock: one build or import at a time."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = open(root / ".lock", "w")  # noqa: SIM115 - closed by the with block below
    except OSError as exc:
        raise StoreError(f"cannot use {root} as a store folder: {exc.strerror or exc}") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def swap_in(root: Path, build_dir: Path) -> None:
    """Point ``root/current`` at ``build_dir`` atomically and delete all but the previous build."""
    link = root / "current"
    previous = current_build(root)
    tmp_link = root / f".current-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    tmp_link.symlink_to(build_dir.relative_to(root))
    os.replace(tmp_link, link)
    for old in (root / "builds").iterdir():
        if old not in (build_dir, previous) and not old.name.startswith(".tmp-"):
            forget(old)
            shutil.rmtree(old, ignore_errors=True)


@functools.cache
def _malloc_trim():
    library = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(library), "malloc_trim", None) if library else None


def release_memory() -> None:
    """Hand memory that is free but still held by the C allocator back to the system.

    glibc keeps what large temporary structures used (the engine's load batches, a query's hash
    tables) in per-thread arenas, where the next step, running on another thread, cannot reuse
    it; a ten-million-triple build would then hold several hundred MB it no longer needs. Where
    the C library has no ``malloc_trim`` (macOS, musl) this does nothing.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

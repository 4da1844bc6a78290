"""Where the embedded store lives, how it is opened, and how a new build is swapped in atomically.

A store is a folder::

    <store>/current -> builds/<id>      symlink, replaced atomically by each successful build
    <store>/builds/<id>/oxigraph/       the RocksDB store (opened read-only by readers)
    <store>/builds/<id>/build.json      when and from what it was built, with counts
    <store>/builds/<id>/imports/        researchers' files added with ``atmpkg import`` (copies)
    <store>/imports -> current/imports  the current build's imports, for people to look at
    <store>/.lock                       held by the one build or import that runs at a time

A build's imported files live in the build's own folder, so the one rename that swaps the build in
also records them: after a crash at any point the store holds an import in its data and in its
``imports/`` together, or in neither. A build killed before its swap leaves a ``builds/.tmp-*``
folder (or a complete build that never became current); the next build removes them under the lock.

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
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from ..engine.evaluate import memory_copy
from ..errors import DataError, ParameterError, StoreError, unreadable_store
from ..progress import Stage
from ..version import __version__

VERSION = __version__


def names_a_url(text: str) -> bool:
    """Whether ``text``, given as a store's folder, is a URL (``http://``, ``file://``), which no
    folder's path is: taken as one, ``http://h/q`` was a folder ``http:/h/q`` built in the current
    folder (newuser25 F6).

    >>> names_a_url("http://127.0.0.1:7878/sparql"), names_a_url("store/http:")
    (True, False)
    """
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text))


def default_store_path() -> Path:
    """``$ATMPKG_STORE``, else ``$XDG_DATA_HOME/atmp-kg/store`` (``~/.local/share/atmp-kg/store``).
    A URL in ``ATMPKG_STORE`` is refused: the variable names a folder.

    >>> default_store_path() == Path(os.environ["ATMPKG_STORE"])
    True
    """
    env = os.environ.get("ATMPKG_STORE")
    if env and names_a_url(env):
        raise ParameterError(
            f"ATMPKG_STORE takes a folder; {env} is a URL: give a SPARQL endpoint as --endpoint "
            "URL or in ATMPKG_ENDPOINT (Python: atmpkg.open(endpoint=URL))"
        )
    if env:
        return Path(env).expanduser()
    # XDG: a relative XDG_DATA_HOME is to be ignored; an empty HOME (as some service managers
    # leave it) is no home, and the password database's is used, as when HOME is unset
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):
        import pwd

        home = os.environ.get("HOME")
        if not home:
            try:
                home = pwd.getpwuid(os.getuid()).pw_dir
            except KeyError:  # a user id the system's account records do not hold
                raise StoreError(
                    "no home folder to keep the store in: HOME is empty and the system's account "
                    "records hold no home for this user; give --store or set ATMPKG_STORE"
                ) from None
        base = os.path.join(home, ".local", "share")
    return Path(base) / "atmp-kg" / "store"


def resolve_path(store: str | os.PathLike[str] | None) -> Path:
    """The store folder to use: the given one or the default.

    >>> resolve_path("~/my-store") == Path.home() / "my-store", resolve_path(None) == kg.root
    (True, True)
    """
    if store is not None and "\x00" in os.fspath(store):
        raise ParameterError(f"the store's path holds a NUL character: {os.fspath(store)!r}")
    if isinstance(store, str) and names_a_url(store):
        raise ParameterError(
            f"store takes a folder; {store} is a URL: a SPARQL endpoint is opened with "
            "atmpkg.open(endpoint=URL)"
        )
    path = Path(store).expanduser() if store is not None else default_store_path()
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        # Python keeps undecodable bytes of a path as surrogates; the engine takes UTF-8 paths only
        raise ParameterError(
            f"the store's path {path} cannot be given to the engine, which opens UTF-8 paths "
            "only: its name holds bytes that are not UTF-8 text (under a locale that is not "
            "UTF-8, set LC_ALL=C.UTF-8 or PYTHONUTF8=1; else rename the folder)"
        ) from None
    return path


#: Everything a build compiles: data, ontology, rules and checks.
_INPUTS = (
    ("atmpkg.graph", "data", (".csv",)),
    ("atmpkg.ontology", "", (".ttl",)),
    ("atmpkg.queries", "checks", (".rq",)),
    ("atmpkg.queries", "rules", (".ru",)),
)


def input_folders() -> list[Path]:
    """The folders of the files a build compiles (and :func:`fingerprint` hashes): the data, the
    ontology, the checks and the rules, as installed.

    >>> [p.name for p in input_folders()]
    ['data', 'ontology', 'checks', 'rules']
    """
    found = []
    for package, sub, _ in _INPUTS:
        folder = Path(str(resources.files(package)))
        found.append(folder / sub if sub else folder)
    return found


@functools.lru_cache(maxsize=1)
def _input_files() -> list[tuple[str, Path]]:
    found = []
    for (package, sub, suffixes), folder in zip(_INPUTS, input_folders(), strict=True):
        found += [
            (f"{package}/{sub}/{p.name}", p) for p in folder.iterdir() if p.name.endswith(suffixes)
        ]
    return sorted(found)


def _unreadable(name: str, exc: OSError) -> DataError:
    """The error of an input file (``atmpkg.graph/data/x.csv``) that cannot be stat'ed or read,
    named as the build names it (``graph/data/x.csv``)."""
    package, _, rest = name.partition("/")
    shown = "/".join(
        part for part in (package.removeprefix("atmpkg.").replace(".", "/"), rest) if part
    )
    return DataError(shown, None, None, f"cannot read the file: {exc.strerror or exc}")


@functools.lru_cache(maxsize=4)
def _fingerprint(version: str, stamp: tuple) -> str:
    digest = hashlib.sha256(version.encode())
    for name, path in _input_files():
        try:
            content = path.read_bytes()
        except OSError as exc:  # a folder, a file this user may not read
            raise _unreadable(name, exc) from None
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def fingerprint() -> str:
    """A hash of the packaged inputs: a store built from other inputs is stale. The contents are
    hashed again only when a file's size or modification time changed, so reads stay cheap. An
    input that cannot be read (a link to nothing, a folder named like a file) raises a
    :class:`~atmpkg.graph.errors.DataError` naming it, as the build does.

    >>> fingerprint() == read_info(current_build(kg.root))["fingerprint"]     # kg is up to date
    True
    """
    stamp = []
    for name, path in _input_files():
        try:
            status = path.stat()
        except OSError as exc:
            raise _unreadable(name, exc) from None
        stamp.append((name, status.st_mtime_ns, status.st_size))
    return _fingerprint(VERSION, tuple(stamp))


@dataclass
class StoreHandle:
    """An open, read-only store and what is known about its build."""

    root: Path
    build_dir: Path
    store: ox.Store
    info: dict

    @property
    def oxigraph_path(self) -> Path:
        """The build's on-disk Oxigraph store.

        >>> open_build(kg.root, current_build(kg.root)).oxigraph_path.parent.parent.name
        'builds'
        """
        return self.build_dir / "oxigraph"

    @property
    def in_memory(self) -> bool:
        """Whether this process reads a copy of the build held in memory (see
        :func:`hold_in_memory`); the confined process that evaluates its queries then holds a copy
        of its own.

        >>> open_build(kg.root, current_build(kg.root)).in_memory
        False
        """
        return self.root in _in_memory


_open: dict[Path, StoreHandle] = {}
#: Store roots whose builds this process reads from an in-memory copy (see ``hold_in_memory``).
_in_memory: set[Path] = set()


def _unusable(root: Path, exc: OSError) -> StoreError:
    """The error for a store folder the file system refuses (no right to it, a name too long)."""
    return StoreError(f"cannot use {root} as a store folder: {exc.strerror or exc}")


def current_build(root: Path) -> Path | None:
    """The build folder ``root/current`` points at, or None when nothing was built yet.

    >>> current_build(kg.root).parent.name, current_build(Path("nothing-built-here"))
    ('builds', None)
    """
    link = root / "current"
    try:
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        built = (target / "oxigraph").is_dir() and (target / "build.json").is_file()
    except OSError as exc:  # a name the file system refuses, such as one too long
        raise _unusable(root, exc) from None
    return target if built else None


def read_info(build_dir: Path) -> dict:
    """What a build recorded about itself (``build.json``): when, from what, and its counts.

    >>> read_info(current_build(kg.root))["counts"]["atmp:Therapy"]
    120
    """
    try:
        return json.loads((build_dir / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"{build_dir / 'build.json'} is unreadable ({exc}); run 'atmpkg build'"
        ) from None


def open_build(root: Path, build_dir: Path) -> StoreHandle:
    """Open a build read-only, reusing the handle when it is already open in this process. For a
    root given to :func:`hold_in_memory` the handle reads a copy of the build held in memory.

    >>> handle = open_build(kg.root, current_build(kg.root))
    >>> handle.info["counts"]["atmp:Approval"], handle is open_build(kg.root, handle.build_dir)
    (250, True)
    """
    handle = _open.get(build_dir)
    if handle is None:
        try:
            store = ox.Store.read_only(str(build_dir / "oxigraph"))
            if root in _in_memory:
                store = memory_copy(store)
        except (OSError, RuntimeError) as exc:  # RocksDB's errors: missing or damaged files
            raise unreadable_store(build_dir / "oxigraph", exc) from None
        handle = StoreHandle(root, build_dir, store, read_info(build_dir))
        _open[build_dir] = handle
    return handle


def hold_in_memory(root: Path) -> None:
    """From now on, open the builds of ``root`` in this process as in-memory copies (handles
    already open on disk are dropped, so the next open makes the copy).

    >>> root = Path(shutil.copytree(kg.root, Path.cwd() / "held", symlinks=True))
    >>> hold_in_memory(root)
    >>> open_build(root, current_build(root)).in_memory
    True
    """
    _in_memory.add(root)
    forget_root(root)


def stop_holding_in_memory(root: Path) -> None:
    """Open the builds of ``root`` on disk again, as before :func:`hold_in_memory` (the cached
    in-memory copies are dropped, and the memory they used is handed back).

    >>> root = Path(shutil.copytree(kg.root, Path.cwd() / "released", symlinks=True))
    >>> hold_in_memory(root); stop_holding_in_memory(root)
    >>> open_build(root, current_build(root)).in_memory
    False
    """
    _in_memory.discard(root)
    forget_root(root)
    release_memory()


def forget_root(root: Path) -> None:
    """Drop the cached handles of every build of ``root``.

    >>> handle = open_build(kg.root, current_build(kg.root))
    >>> forget_root(kg.root)
    >>> open_build(kg.root, handle.build_dir) is handle
    False
    """
    for build_dir in [d for d, handle in _open.items() if handle.root == root]:
        forget(build_dir)


def forget(build_dir: Path) -> None:
    """Drop a cached handle (before its folder is deleted).

    >>> handle = open_build(kg.root, current_build(kg.root))
    >>> forget(handle.build_dir)
    >>> open_build(kg.root, handle.build_dir) is handle
    False
    """
    _open.pop(build_dir, None)


#: What a store folder holds; see :func:`locked`.
STORE_ENTRIES = frozenset({".lock", "builds", "current", "imports"})


@contextlib.contextmanager
def locked(root: Path) -> Iterator[tuple[list[Path], bool]]:
    """Hold the store's write lock: one build or import at a time. A folder that holds other
    files and no store is refused, so that a store is never written into a folder of data. A lock
    that a failed first build took away while this one waited (see :func:`first_build`) is made
    again. Gives the folders this call made (:func:`new_folders`) and whether ``root`` was there
    empty, as they stood when the lock was taken.

    >>> with locked(Path("my-store")):
    ...     sorted(p.name for p in Path("my-store").iterdir())
    ['.lock']
    >>> with locked(Path(atmpkg.__file__).parent / "graph" / "data"):
    ...     pass
    Traceback (most recent call last):
    atmpkg.graph.errors.StoreError: .../graph/data is not a store folder: it holds README.md, agencies.csv, approvals.csv and ... more; give a new or empty folder for the store (--store, store=)
    """
    check_folder(root)
    while True:
        made = new_folders(root)
        empty = not made and root.is_dir() and not any(root.iterdir())
        try:
            root.mkdir(parents=True, exist_ok=True)
            lock = open(root / ".lock", "w")  # noqa: SIM115 - closed by the with block below
        except OSError as exc:
            raise _unusable(root, exc) from None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # another build or import holds it, for minutes at a million triples
                with Stage(f"Waiting for another build or import of {root} to finish"):
                    fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if os.fstat(lock.fileno()).st_nlink:
                    yield made, empty
                    return
                # a first build that failed took the folder away while this one waited for it
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def new_folders(root: Path) -> list[Path]:
    """The folders that making ``root`` would create, deepest first.

    >>> new_folders(Path("a-new-folder/store"))
    [PosixPath('a-new-folder/store'), PosixPath('a-new-folder')]
    """
    # lexists: a name the system refuses (too long) is no folder; a dangling link is no new one
    return [p for p in (root, *root.parents) if not os.path.lexists(p)]


@contextlib.contextmanager
def first_build(root: Path) -> Iterator[None]:
    """Lock the store at ``root`` (see :func:`locked`) for a build, an import or a removal, and,
    when it fails, is refused or interrupted before the store ever had a build, take away what
    it made: the lock, an empty ``builds``, and the folders it created (a folder you gave empty
    stays, empty). Another build waiting for the lock then makes them again.

    >>> with first_build(Path("never-built")):
    ...     raise ValueError("a bad input")
    Traceback (most recent call last):
    ValueError: a bad input
    >>> Path("never-built").exists()
    False
    """
    with locked(root) as (made, empty):
        try:
            yield
        except BaseException:
            if (made or empty) and current_build(root) is None:
                _take_away(root, made)
            raise


def _take_away(root: Path, made: list[Path]) -> None:
    with contextlib.suppress(OSError):
        if (root / "builds").exists():
            (root / "builds").rmdir()
        (root / ".lock").unlink()
        for folder in made:
            folder.rmdir()


def check_folder(root: Path) -> None:
    """Raise :class:`StoreError` when ``root`` holds files that are not a store's and no build:
    a store is never written into a folder of other things (the data folder given as the store,
    say). A missing or empty folder, or one a build made, passes.

    >>> check_folder(Path("a-new-folder"))
    """
    try:
        file = root.exists() and not root.is_dir()
        names = [] if file else sorted(entry.name for entry in os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:  # a name the file system refuses, such as one too long
        raise _unusable(root, exc) from None
    if file:
        raise StoreError(
            f"{root} is a file, not a folder; give a folder for the store (a new one is made)"
        )
    others = [name for name in names if name not in STORE_ENTRIES]
    if not others or "builds" in names or "current" in names:
        return
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    raise StoreError(
        f"{root} is not a store folder: it holds {shown}; give a new or empty folder for the "
        "store (--store, store=)"
    )


#: How the folder of a build under way starts in ``<store>/builds``; one that the next build finds
#: was left by a killed build (see :func:`clean_leftovers`).
TMP_PREFIX = ".tmp-"


def fsync_dir(folder: Path) -> None:
    """Write a folder's entries (a rename, a new file) to disk, so that they survive a power cut.

    >>> _ = Path("saved.txt").write_text("kept")
    >>> fsync_dir(Path.cwd())
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def imported_files(root: Path) -> dict[str, Path]:
    """The files imported into the store (name -> path), as the current build recorded them.

    A store made before imports were kept in each build has them in a plain ``<store>/imports``
    folder; those are read too (the current build's copy wins), until the next swap moves them.

    >>> imported_files(kg.root)      # the curated graph alone
    {}
    """
    found: dict[str, Path] = {}
    legacy = root / "imports"
    folders = [legacy] if legacy.is_dir() and not legacy.is_symlink() else []
    build_dir = current_build(root)
    if build_dir is not None:
        folders.append(build_dir / "imports")
    for folder in folders:
        if folder.is_dir():
            found.update(
                (p.name, p)
                for p in sorted(folder.iterdir())
                if p.is_file() and not p.name.startswith(".")
            )
    return found


def clean_leftovers(root: Path) -> list[str]:
    """Remove what killed builds left in ``root``; call it holding the :func:`locked` lock.

    Every build and import holds the lock while its temporary folder exists, and a killed process
    releases it, so with the lock held no other build is under way: every ``builds/.tmp-*`` folder,
    every complete build newer than the current one (killed between its rename and its swap, never
    read) and every temporary link is left over. Returns the names removed.

    >>> (kg.root / "builds" / ".tmp-killed").mkdir()
    >>> with locked(kg.root):
    ...     clean_leftovers(kg.root)
    ['builds/.tmp-killed']
    """
    removed = []
    current = current_build(root)
    builds = root / "builds"
    for entry in sorted(builds.iterdir()) if builds.is_dir() else []:
        never_current = current is not None and entry.name > current.name
        if entry.name.startswith(TMP_PREFIX) or (never_current and not entry.name.startswith(".")):
            forget(entry)
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(f"builds/{entry.name}")
    for entry in root.glob(".current-*"):
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
            removed.append(entry.name)
    for entry in root.glob(".imports-*"):  # an older store's imports folder, being removed
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry.name)
    return removed


def swap_in(root: Path, build_dir: Path) -> None:
    """Point ``root/current`` at ``build_dir`` atomically and delete all but the previous build;
    call it holding the :func:`locked` lock. ``root/imports`` is a link to the current build's
    imports (a plain folder of an older store is removed after the swap: the build holds copies of
    its files, and until the swap the folder is what records them).

    >>> new = Path(shutil.copytree(current_build(kg.root), kg.root / "builds" / "next"))
    >>> with locked(kg.root):
    ...     swap_in(kg.root, new)
    >>> current_build(kg.root).name
    'next'
    """
    link, imports = root / "current", root / "imports"
    previous = current_build(root)
    # The link reads through ``current``: made before the swap, it shows each build's imports
    # from the moment that build is current.
    if (build_dir / "imports").is_dir() and not imports.is_symlink() and not imports.exists():
        imports.symlink_to(Path("current") / "imports")
    tmp_link = root / f".current-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    tmp_link.symlink_to(build_dir.relative_to(root))
    os.replace(tmp_link, link)
    fsync_dir(root)
    if imports.is_dir() and not imports.is_symlink():  # an older store's folder: now in the build
        legacy = root / f".imports-{os.getpid()}"
        os.rename(imports, legacy)
        imports.symlink_to(Path("current") / "imports")
        shutil.rmtree(legacy, ignore_errors=True)
    # compared resolved: the current link resolves whole, the store's path may be relative
    kept = {build_dir.resolve(), previous.resolve() if previous is not None else None}
    for old in (root / "builds").iterdir():
        if old.resolve() not in kept and not old.name.startswith(TMP_PREFIX):
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

    >>> release_memory()
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

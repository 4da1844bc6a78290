"""The graph's names as the server keeps them, to look up ``/id/<name>``: read once per build by a
worker of the look-up lane (or a free query worker) into a :class:`~atmpkg.graph.sparql.entities.NameIndex`, so that looking a name up
runs no job (sec25 M2: each look-up of an unknown name was a job of the quick lane that read every
name of the graph, and a flood of them took that lane from the cheap queries it is kept for).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..sparql.entities import NameIndex
from ..store.folder import current_build

log = logging.getLogger("atmpkg.server")

#: Seconds after a failed read of a build's names (a query lane too busy, a graph whose names take
#: longer than the time limit) before another is tried; meanwhile a look-up finds no names.
RETRY_SECONDS = 10.0


def index_body(index: NameIndex) -> bytes:
    """``index`` as a worker sends it: JSON, which :func:`index_of` reads back.

    >>> kymriah = "https://w3id.org/atmp-kg/id/therapy/kymriah"
    >>> index = NameIndex({"kymriah": {kymriah}}, {"kymriah": "Kymriah"}, {}, {kymriah: ""}, {})
    >>> index_of(index_body(index)).resolve("Kymriah")
    'https://w3id.org/atmp-kg/id/therapy/kymriah'
    """
    agencies = {a: [sorted(names), sorted(places)] for a, (names, places) in index.agencies.items()}
    return json.dumps(
        {
            "names": {name: sorted(named) for name, named in index.names.items()},
            "written": index.written,
            "agencies": agencies,
            "subjects": index.subjects,
            "imported": {name: sorted(named) for name, named in index.imported.items()},
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _texts(value: object) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ValueError("a list of texts was expected")
    return value


def _by_text(value: object, read: Callable[[object], object]) -> dict:
    if not (isinstance(value, dict) and all(isinstance(k, str) for k in value)):
        raise ValueError("an object was expected")
    return {key: read(item) for key, item in value.items()}


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a text was expected")
    return value


def _agency(value: object) -> tuple[set[str], set[str]]:
    names, places = value if isinstance(value, list) and len(value) == 2 else (None, None)
    return set(_texts(names)), set(_texts(places))


def index_of(body: bytes) -> NameIndex:
    """The index a worker sent as ``body`` (:func:`index_body`); ``ValueError`` when it is not of
    that shape (the server makes only the values a reply holds, of the types it expects).

    >>> index_of(b"[]")
    Traceback (most recent call last):
    ...
    ValueError: the names a worker sent: an object of names, written, agencies, subjects and imported was expected
    """
    try:
        sent = json.loads(body)
        if not (isinstance(sent, dict) and set(sent) == {"names", "written", "agencies", "subjects", "imported"}):
            raise ValueError("an object of names, written, agencies, subjects and imported was expected")
        return NameIndex(
            names=_by_text(sent["names"], lambda v: set(_texts(v))),
            written=_by_text(sent["written"], _text),
            agencies=_by_text(sent["agencies"], _agency),
            subjects=_by_text(sent["subjects"], _text),
            imported=_by_text(sent["imported"], lambda v: set(_texts(v))),
        )
    except ValueError as exc:  # JSON's own errors are ValueErrors too
        raise ValueError(f"the names a worker sent: {exc}") from None


class NameIndexes:
    """The :class:`~atmpkg.graph.sparql.entities.NameIndex` of the store's current build, read by a
    job ``read`` runs (a look-up worker's, in the server) in a thread of its own, once per build: a
    new build (a rebuild, an import) is read anew when a look-up first asks for it. A read that
    fails, or that a new build came during (its names may be of either build), is not begun
    again for the same build before :data:`RETRY_SECONDS`, not for each look-up.

    >>> from atmpkg.graph.store.build import open_store
    >>> store = open_store()
    >>> kept = NameIndexes(store.root, lambda: index_body(NameIndex.read(store.store)))
    >>> kept.get(wait=30).resolve("kymriah"), kept.reads
    ('https://w3id.org/atmp-kg/id/therapy/kymriah', 1)
    """

    def __init__(self, store_root: Path, read: Callable[[], bytes]):
        self._root, self._read = store_root, read
        self._cond = threading.Condition()
        self._build: str | None = None  # the build the index is of
        self._index: NameIndex | None = None
        self._reading = False
        # the build whose read ended last without its names kept (it failed, or another build
        # came during it), and when
        self._unread: tuple[str, float] | None = None
        self._closed = False
        #: How many reads were begun.
        self.reads = 0

    def _current(self) -> str:
        build = current_build(self._root)
        return build.name if build is not None else ""

    def get(self, wait: float) -> NameIndex | None:
        """The index of the current build, waiting for its read at most ``wait`` seconds; None
        when it is not ready by then (the read goes on), or its read ended lately without it."""
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                # asked again after each read: a rebuild during the wait is the build to read,
                # not the one the look-up began with (39 reads of a stale build in 2 s)
                build = self._current()
                if self._build == build and self._index is not None:
                    return self._index
                if not self._reading:
                    unread = self._unread
                    if unread and unread[0] == build and time.monotonic() - unread[1] < RETRY_SECONDS:
                        return None
                    self._reading = True
                    self.reads += 1
                    threading.Thread(
                        target=self._take, args=(build,), name="atmpkg-names", daemon=True
                    ).start()
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def _take(self, build: str) -> None:
        """Read the names of ``build`` and keep them, unless another build came during the read
        (they may be of either)."""
        index = None
        try:
            index = index_of(self._read())
        except Exception as exc:  # whatever failed, the look-ups go on without names
            if not self._closed:  # a read the stopping server cut short failed for that alone
                log.warning(
                    "the graph's names could not be read to look up /id/<name> (%s); trying "
                    "again in %g s",
                    exc,
                    RETRY_SECONDS,
                )
        with self._cond:
            self._reading = False
            if index is not None and not self._closed and self._current() == build:
                self._build, self._index = build, index
            else:
                self._unread = (build, time.monotonic())
            self._cond.notify_all()

    def close(self) -> None:
        """Stop keeping names: the server is stopping, and a read it cuts short is no failure."""
        with self._cond:
            self._closed = True
            self._index = None
            self._cond.notify_all()

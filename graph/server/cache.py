"""Answers the server has already computed, kept by build and request: the store is read-only
between builds, so the same request on the same build has the same answer, and is given again
from memory, or as ``304 Not Modified`` to a client that already holds it (``ETag``).

Not kept: answers that change from one evaluation to the next (a query calling ``RAND``, ``UUID``,
``STRUUID`` or ``BNODE``) and answers larger than an eighth of the cache. A query calling ``NOW``
(a UTC time) and a named query's ``today`` (this machine's day) change with the day: both days are
part of the key.

>>> cache = AnswerCache(max_bytes=1000)
>>> cache.put("k", {"body": b"x"}); cache.get("k"), cache.stats()["hits"]
({'body': b'x'}, 1)
"""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping

from ...queries import today

#: How many bytes of answers the server keeps; the least recently used go first.
CACHE_BYTES = 64 << 20

#: How many bytes of answers' notes the server keeps apart from the answers, for /api/notes: the
#: notes of a few thousand answers (an answer has at most 64 notes of 1,024 characters each).
NOTES_BYTES = 4 << 20


def answer_key(
    build: str, kind: str, args: Mapping[str, object], volatile: bool = False
) -> str | None:
    """The key (a SHA-256) of a request's answer on ``build``, or None when its answer must not be
    kept: ``volatile``, it changes from one evaluation to the next (see
    :attr:`~atmpkg.graph.engine.gate.CheckedQuery.volatile`).

    >>> answer_key("b1", "query", {"text": "SELECT (RAND() AS ?r) {}"}, volatile=True) is None
    True
    >>> len(answer_key("b1", "query", {"text": "ASK {}"}))
    64
    """
    if volatile:
        return None
    days = [datetime.datetime.now(datetime.UTC).date().isoformat(), today().isoformat()]
    described = json.dumps([build, days, kind, args], sort_keys=True, default=str)
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def etag(key: str) -> str:
    """The ``ETag`` of the answer kept under ``key``: weak, since the bytes sent differ with their
    content coding (gzip or not) while what they mean does not.

    >>> etag("ab" * 32)
    'W/"abababababababababababababababab"'
    """
    return f'W/"{key[:32]}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (weak comparison, ``*`` for any).

    >>> matches('"x", W/"abc"', 'W/"abc"'), matches(None, 'W/"abc"'), matches("*", 'W/"a"')
    (True, False, True)
    """
    if not if_none_match:
        return False
    wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in wanted or tag.removeprefix("W/") in wanted


def _cost(key: str, payload: dict) -> int:
    """The bytes an answer kept costs: its key and every field, its notes too, which echo the
    query's text (sec17 H1: eight notes of 16,000 characters each were counted as an empty body
    of 50 bytes, and the server grew without bound).

    >>> _cost("k", {"body": b"xy", "notes": ["é"], "fmt": "csv", "truncated": False})
    8
    """
    texts = [key, *payload.get("notes", ()), *(v for v in payload.values() if isinstance(v, str))]
    return len(payload.get("body", b"")) + sum(len(t.encode("utf-8", "replace")) for t in texts)


class AnswerCache:
    """Payloads (the dicts a worker returns, holding ``body`` bytes) by key, least recently used
    dropped first past ``max_bytes``; safe to use from the server's threads."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        #: each payload with what it costs (:func:`_cost`), counted once as it is kept
        self._kept: OrderedDict[str, tuple[dict, int]] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        """The payload kept under ``key``, or None.

        >>> AnswerCache().get("nothing") is None
        True
        """
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                self._misses += 1
                return None
            self._kept.move_to_end(key)
            self._hits += 1
            return kept[0]

    def put(self, key: str, payload: dict) -> None:
        """Keep ``payload`` under ``key``, unless it is larger than an eighth of the cache.

        >>> cache = AnswerCache(max_bytes=8)
        >>> cache.put("big", {"body": b"xx"}); cache.stats()["entries"]
        0
        """
        size = _cost(key, payload)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = payload, size
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._kept.popitem(last=False)
                self._bytes -= dropped

    def stats(self) -> dict[str, int]:
        """How many answers are kept, their bytes, and the hits and misses so far.

        >>> AnswerCache().stats()
        {'entries': 0, 'bytes': 0, 'hits': 0, 'misses': 0}
        """
        with self._lock:
            return {
                "entries": len(self._kept),
                "bytes": self._bytes,
                "hits": self._hits,
                "misses": self._misses,
            }

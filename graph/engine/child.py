"""Evaluate queries in a confined child process, so that the caller's process is never at risk.

The child is a fresh Python (``python -m atmpkg.graph.engine.child``), not a fork or a
multiprocessing child: it never re-imports the caller's script, so a query works the same from a
script without a ``__main__`` guard, the REPL and a notebook kernel. It confines itself before it
reads anything (:func:`atmpkg.graph.engine.sandbox.confine`: no network unless SERVICE or LOAD was
allowed, a memory cap), opens the store read-only and then answers one request after another, so
that later queries of the same process pay no start-up. Threads that query at once each get a
child of their own (:class:`EvaluatorPool`). A time limit kills it; a query that
exhausts its memory or crashes the engine ends only the child, and the caller gets an error that
says which.

>>> from atmpkg.graph.store.build import open_store
>>> with Evaluator(network=False, memory=None) as ev:
...     ev.run({"store": str(open_store().oxigraph_path), "text": "ASK {}", "form": "ASK"},
...            timeout=30).boolean
True
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import QueryMemoryError, QueryTimeoutError, StoreError, unreadable_store
from .answers import UnreadableAnswerError, load_answer
from .sandbox import DEFAULT_MEMORY, describe_death

if TYPE_CHECKING:
    from .evaluate import QueryResult

_HEADER = struct.Struct("!Q")


def _write(stream, pieces: list[bytes]) -> None:
    """Send ``pieces`` as one message, their length first: each as it is, since joined (or
    behind their length) an answer of the engine's writes was held once more in the confined
    process, whose memory cap it counts against (rev28tsv F1)."""
    stream.write(_HEADER.pack(sum(map(len, pieces))))
    for piece in pieces:
        stream.write(piece)
    stream.flush()


#: The longest one poll() may wait, in milliseconds.
_LONGEST_POLL = 2**31 - 1


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    """``size`` bytes from ``fd``, or TimeoutError at ``deadline`` (a ``time.monotonic()``
    reading): a process that began its answer and then stalls holds its caller no longer than one
    that never answers."""
    chunks, left = [], size
    # poll, not select: a process that holds a thousand files (a notebook that opened many
    # stores, a long test run) gets descriptors past what select() takes, 1024
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while left:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic()) * 1000
        # poll waits at most a C int of milliseconds (24 days): a longer limit waits again
        if not poller.poll(None if wait is None else min(wait, _LONGEST_POLL)):
            if wait is not None and wait > _LONGEST_POLL:
                continue
            raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


#: What the child writes on its stderr once it has loaded the engine and opened its first store.
STARTED = b"atmpkg: the evaluating process started\n"


class Evaluator:
    """One confined child process that evaluates requests; started on first use, replaced after it
    is killed (time limit) or dies (memory cap, crash)."""

    def __init__(self, *, network: bool = False, memory: int | None = DEFAULT_MEMORY):
        self.network, self.memory = network, memory
        self._process: subprocess.Popen | None = None
        self._stderr = None
        self._lock = threading.Lock()
        #: The store the child last opened (its path), which it may still hold open.
        self.holding: str | None = None

    def _start(self) -> subprocess.Popen:
        self._stderr = tempfile.TemporaryFile()
        # -P: "-m" would put the current folder first on the import path, and a file there named
        # like a module the child imports (difflib.py, in a folder of someone else's data) would
        # run before the child confines itself.
        args = [sys.executable, "-P", "-m", "atmpkg.graph.engine.child", str(int(self.network))]
        args += [str(self.memory or 0), str(os.getpid())]
        # a session of its own: no controlling terminal to type a command into for the shell;
        # no Rust backtrace, which pushed the allocation failure a memory cap ends in out of the
        # lines read of its stderr (sec23 L1: "ended without an answer (signal 6)")
        return _spawn(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,
            start_new_session=True,
            env={**os.environ, "RUST_BACKTRACE": "0"},
        )

    def run(self, request: dict, timeout: float | None = None):
        """Send ``request`` (store path or N-Quads, text, form, bindings, limit) and return the
        child's :class:`~atmpkg.graph.engine.evaluate.QueryResult`, or raise the error it sent back, a
        :class:`QueryTimeoutError` at ``timeout`` seconds, or the error for the way it died.

        >>> with Evaluator(memory=None) as ev:
        ...     ev.run({"nquads": '<urn:s> <urn:p> "o" .', "text": "ASK { ?s ?p ?o }",
        ...             "form": "ASK"}, timeout=30).boolean
        True
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            return self.run_held(request, deadline, timeout)

    def run_held(self, request: dict, deadline: float | None, timeout: float | None):
        """:meth:`run`, for a caller that holds this evaluator's lock, until ``deadline`` (a
        ``time.monotonic()`` reading; ``timeout`` is the limit it stands for, named in the error)."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        self.holding = request.get("store", self.holding)
        try:
            _write(process.stdin, [pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)])
            fd = process.stdout.fileno()
            (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
            if self.memory is not None and size > self.memory:
                # the process holds its answer whole before sending it, so it cannot be larger
                raise UnreadableAnswerError(f"an answer of {size:,} bytes, more than its memory cap")
            # read as JSON, not a pickle: the child chooses nothing this process runs or makes,
            # and what it makes costs what it sent
            status, payload = load_answer(_read_exactly(fd, size, deadline), deadline, self.memory)
        except (EOFError, BrokenPipeError):
            raise self._death(request) from None
        except TimeoutError:
            self._kill()
            raise QueryTimeoutError(timeout) from None
        except QueryMemoryError:
            raise  # rows past the cap, counted once the answer was read whole: the child waits on
        except BaseException:
            # KeyboardInterrupt included: the work must not go on without anyone waiting
            self._kill()
            raise
        if status == "error":
            raise _store_error(payload, request)
        return payload

    def _death(self, request: dict) -> Exception:
        process = self._process
        returncode = process.wait()
        # the process says first thing that it loaded the engine and opened a store (STARTED),
        # read from the start: an allocator's backtrace may push it out of the last lines
        self._stderr.seek(0)
        started = STARTED in self._stderr.read(4096)
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - 4096))
        tail = self._stderr.read().decode("utf-8", "replace")
        self._discard()
        damaged = _unreadable(request)
        if damaged is not None:
            return damaged  # garbage read as a length can look like a query out of memory
        held = request.get("in_memory", False)
        return describe_death(returncode, tail, self.memory, held, started=started or STARTED.decode() in tail)

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait()
        self._discard()

    def _discard(self) -> None:
        if self._process is not None:
            for stream in (self._process.stdin, self._process.stdout):
                stream.close()
        if self._stderr is not None:
            self._stderr.close()
        self._process = self._stderr = None

    def close(self, busy: str = "wait") -> None:
        """End the child process. While it answers another thread's query, ``busy`` says what to
        do: ``wait`` for the answer, ``leave`` it running, or ``end`` it now (that query then
        fails as at a crash).

        >>> ev = Evaluator(memory=None)
        >>> ev.run({"nquads": "", "text": "ASK {}", "form": "ASK"}, timeout=30).boolean
        True
        >>> ev.close()
        """
        if busy == "end":
            process = self._process
            if process is not None and process.poll() is None:
                process.kill()  # the thread waiting on it reads the end at once, and lets go
        if busy == "wait":
            taken = self._lock.acquire()
        else:  # once ended, the thread that held the child lets go at once
            taken = self._lock.acquire(timeout=1 if busy == "end" else 0)
        if taken:
            try:
                self._kill()
            finally:
                self._lock.release()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _store_error(error: Exception, request: dict) -> Exception:
    """The error to raise for one the child sent back: the engine's own errors of reading the
    store (RocksDB's, as ``OSError`` or ``RuntimeError``) become the :class:`StoreError` of
    :func:`~atmpkg.graph.errors.unreadable_store`; others stay as they are.

    >>> str(_store_error(RuntimeError("Corruption: bad block"), {"store": "/s/builds/b/oxigraph"}))
    "the store at /s/builds/b/oxigraph cannot be read (Corruption: bad block): its files are damaged or were changed; run 'atmpkg build' to build it again"
    >>> str(_store_error(RecursionError("maximum recursion depth exceeded"), {"store": "/s"}))
    'the answer nests too deep to be read (maximum recursion depth exceeded); nothing is wrong with the store'
    """
    # Python's own RecursionError is a RuntimeError too, and says nothing of the store (sec22 L2)
    if "store" not in request or not isinstance(error, OSError | RuntimeError):
        return error
    if isinstance(error, RecursionError):
        return StoreError(f"the answer nests too deep to be read ({error}); nothing is wrong with the store")
    return unreadable_store(request["store"], error)


def _unreadable(request: dict) -> StoreError | None:
    """The :class:`StoreError` for the request's store when the engine can no longer open it
    (its files were damaged or changed under it), else None."""
    if "store" not in request:
        return None
    import pyoxigraph as ox

    try:
        ox.Store.read_only(request["store"])
    except (OSError, RuntimeError) as exc:
        return _store_error(exc, request)
    return None


#: The process that made the thread which starts every child, and the thread's queue of requests.
_spawner: tuple[int, queue.SimpleQueue] | None = None
_spawner_lock = threading.Lock()


def _spawn(args: list[str], **options) -> subprocess.Popen:
    """``subprocess.Popen(args, **options)``, run by a thread that lives as long as this process:
    Linux ends a child set to die with its parent when the thread that started it ends, not the
    process (``PR_SET_PDEATHSIG``), so a child a caller's short-lived thread started was killed
    under the next query of another thread (newuser17 F6). The thread is a daemon of its own,
    not an executor's, which Python shuts down before a script's threads and ``atexit`` handlers
    are done with their queries (rev17 F3)."""
    global _spawner
    with _spawner_lock:
        # a forked copy of this process has the queue but not the thread
        if _spawner is None or _spawner[0] != os.getpid():
            requests: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(
                target=_start_children, args=(requests,), name="atmpkg-spawner", daemon=True
            ).start()
            _spawner = (os.getpid(), requests)
        requests = _spawner[1]
    started: Future = Future()
    requests.put((args, options, started))
    return started.result()


def _start_children(requests: queue.SimpleQueue) -> None:
    """Start the children :func:`_spawn` is asked for, for as long as the process lives."""
    while True:
        args, options, started = requests.get()
        try:
            started.set_result(subprocess.Popen(args, **options))
        except BaseException as exc:  # the caller's to handle, as if it had started the child
            started.set_exception(exc)


#: How many children evaluate at once for one process and one kind of confinement: threads that
#: query at the same time each get one, up to this many; a thread more waits for one to be free.
MAX_CHILDREN = 4


class EvaluatorPool:
    """The children of one kind of confinement: a request goes to a free one, else to a new one
    (at most :data:`MAX_CHILDREN`), else waits for one to be free; the wait counts against its
    time limit."""

    def __init__(self, *, network: bool, memory: int | None):
        self.network, self.memory = network, memory
        self._members: list[Evaluator] = []
        self._free = threading.Condition()

    def _take(self, deadline: float | None) -> Evaluator | None:
        with self._free:
            while True:
                for member in self._members:
                    if member._lock.acquire(blocking=False):
                        return member
                if len(self._members) < MAX_CHILDREN:
                    member = Evaluator(network=self.network, memory=self.memory)
                    member._lock.acquire()
                    self._members.append(member)
                    return member
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    return None
                self._free.wait(wait)

    def run(self, request: dict, timeout: float | None = None):
        """:meth:`Evaluator.run` on a free child.

        >>> EvaluatorPool(network=False, memory=None).run(
        ...     {"nquads": "", "text": "ASK {}", "form": "ASK"}, timeout=30).boolean
        True
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        member = self._take(deadline)
        if member is None:
            raise QueryTimeoutError(timeout)
        try:
            return member.run_held(request, deadline, timeout)
        finally:
            member._lock.release()
            with self._free:
                self._free.notify()

    def close(self, holding: Path | None = None, busy: str = "wait") -> None:
        """End every child (those that opened a store inside the folder ``holding``, when given;
        ``busy`` as for :meth:`Evaluator.close`); the next request starts a new one."""
        with self._free:
            members = list(self._members)
        for member in members:
            if holding is None or (
                member.holding is not None and Path(member.holding).is_relative_to(holding)
            ):
                member.close(busy)


_evaluators: dict[tuple[bool, int | None], EvaluatorPool] = {}
_evaluators_lock = threading.Lock()


def evaluator(network: bool, memory: int | None) -> EvaluatorPool:
    """The process-wide children for these confinement settings (reused).

    >>> evaluator(False, None) is evaluator(False, None)
    True
    """
    with _evaluators_lock:
        key = (network, memory)
        if key not in _evaluators:
            _evaluators[key] = EvaluatorPool(network=network, memory=memory)
        return _evaluators[key]


def signal_children(signum: int) -> None:
    """Send ``signum`` to every child this process runs: a child has a session of its own, so a
    stop or continue the terminal gives this process (Ctrl-Z, ``fg``) reaches it only so.

    >>> signal_children(0)  # signal 0 checks that each one is there
    """
    with _evaluators_lock:
        pools = list(_evaluators.values())
    for pool in pools:
        with pool._free:
            members = list(pool._members)
        for member in members:
            process = member._process
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signum)


def close_evaluators(holding: Path | None = None, busy: str = "wait") -> None:
    """End every child (after an update changed a store they may hold open read-only; only those
    that opened a store inside the folder ``holding``, when given): the next request starts a new
    one, which sees the change. ``busy`` as for :meth:`Evaluator.close`.

    >>> evaluator(False, None).run({"nquads": "", "text": "ASK {}", "form": "ASK"}).boolean
    True
    >>> close_evaluators()
    """
    with _evaluators_lock:
        pools = list(_evaluators.values())
    for pool in pools:
        pool.close(holding, busy)


# The children die with this process anyway; ending them first keeps the interpreter's exit free
# of warnings about processes still running, and a query a thread still runs does not hold it up.
atexit.register(close_evaluators, busy="end")


def _serve(network: bool, memory: int | None, parent: int) -> None:  # pragma: no cover - child
    from .sandbox import confine, die_with_parent

    die_with_parent(parent)
    # Answers go to the parent on the original stdout; anything printed goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    confine(network=network, memory=memory)

    import pyoxigraph as ox

    from .answers import dump_answer
    from .evaluate import evaluate

    stores: dict[tuple[str, bool], ox.Store] = {}
    source = sys.stdin.buffer
    started = False
    while True:
        head = source.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        request = pickle.loads(source.read(_HEADER.unpack(head)[0]))
        try:
            if request.get("parse_only"):
                _write(out, dump_answer("ok", _parse(request)))
                continue
            store = _open(request, stores)
            if not started:  # past what a memory cap too small for any query stops
                os.write(2, STARTED)
                started = True
            result = evaluate(
                store,
                request["text"],
                request["form"],
                request.get("bindings"),
                request.get("limit"),
                dataset=request.get("dataset", False),
                written=True,
            )
            if request["form"] == "UPDATE":
                stores.clear()
            _write(out, dump_answer("ok", result))
            del result  # not held through the next query
        except MemoryError:
            held = request.get("in_memory", False)
            _write(out, dump_answer("error", QueryMemoryError(memory or 0, held)))
        except Exception as exc:  # every failure goes back to the parent, which raises it
            _write(out, dump_answer("error", exc))


def _parse(request: dict) -> QueryResult | None:  # pragma: no cover - runs in the child
    """Have the engine read the request's text as it would for a store, on an empty one: its
    errors of syntax and of substitutions come back, and a SELECT's variables (the columns an
    answer may have); a SERVICE it reaches fails here, where the network is closed, which says
    only that the text was read."""
    import pyoxigraph as ox

    from .evaluate import QueryResult

    options = {k: request[k] for k in ("prefixes", "substitutions", "base_iri") if request.get(k)}
    try:
        answer = ox.Store().query(request["text"], **options)
    except OSError:
        return None
    if not isinstance(answer, ox.QuerySolutions):
        return None
    return QueryResult("SELECT", [variable.value for variable in answer.variables])


def _open(request: dict, stores: dict):  # pragma: no cover - runs in the child
    import pyoxigraph as ox

    from .evaluate import memory_copy

    if "nquads" in request:
        store = ox.Store()
        store.load(request["nquads"], format=ox.RdfFormat.N_QUADS)
        return store
    path = request["store"]
    if request["form"] == "UPDATE":
        return ox.Store(path)
    key = (path, request.get("in_memory", False))
    if key not in stores:
        stores.clear()
        store = ox.Store.read_only(path)
        # The caller holds the build in memory: sending it with each query would cost more than
        # the query, so this process makes its own copy once.
        stores[key] = memory_copy(store) if key[1] else store
    return stores[key]


if __name__ == "__main__":  # pragma: no cover - the child's entry point
    _serve(bool(int(sys.argv[1])), int(sys.argv[2]) or None, int(sys.argv[3]))

"""ATMP-KG: a knowledge graph of the advanced-therapy (cell and gene therapy) market.

Open it with :func:`open` (a :class:`~atmpkg.graph.handle.KnowledgeGraph` with every capability as
a method); the library is :mod:`atmpkg.graph`, the command ``atmpkg`` (:mod:`atmpkg.cli`), and
``%load_ext atmpkg`` gives notebooks the ``%%sparql`` magic. Importing this package does no work.

>>> import atmpkg
>>> atmpkg.__version__
'0.2.0'
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from atmpkg.graph.handle import KnowledgeGraph
    from atmpkg.graph.store.remote import RemoteStore

from atmpkg.graph.version import __version__ as __version__


def __getattr__(name: str) -> type[Exception]:
    """The library's errors, as ``atmpkg.ParameterError`` or ``atmpkg.AtmpkgError`` (which every
    one of them is), imported when first asked for.

    >>> issubclass(atmpkg.UnknownNameError, atmpkg.AtmpkgError)
    True
    """
    from atmpkg.graph import errors

    found = getattr(errors, name, None)
    if isinstance(found, type) and issubclass(found, errors.AtmpkgError):
        return found
    raise AttributeError(f"module 'atmpkg' has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``atmpkg`` console script: a signal is the command's from its first
    instant, so Ctrl-C while the command line is still being loaded ends it with ``Error:
    interrupted`` and exit code 130 (SIGTERM: 143), not a Python traceback."""
    import signal
    import sys

    def stop(signum: int, frame: object) -> None:
        sys.stderr.write("Error: interrupted\n" if signum == signal.SIGINT else "Error: terminated\n")
        raise SystemExit(128 + signum)

    # a signal the shell told the command to ignore (a background job's SIGINT) stays ignored
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, stop)
    from atmpkg.cli import main as command

    command()


def open(  # atmpkg.open, as shelve.open or dbm.open
    store: str | os.PathLike[str] | None = None,
    *,
    endpoint: str | RemoteStore | None = None,
    graph: str | None = None,
    timeout: float | None = None,
    memory: int | str | None = 2 * 1024**3,
    in_memory: bool = False,
) -> KnowledgeGraph:
    """Open the knowledge graph: the embedded store at ``store`` (default: ``$ATMPKG_STORE``, else
    ``~/.local/share/atmp-kg/store``), built first when it is missing or older than the packaged
    data; or the SPARQL 1.1 store at ``endpoint`` (``graph``: the named graph holding the data
    there). ``timeout`` is every query's time limit in seconds unless a call gives its own,
    ``memory`` the memory cap of the process that evaluates the embedded store's queries (bytes, or
    a size such as ``"4G"``; None: none), ``in_memory`` answers reads from a copy of the store held
    in memory. See :class:`~atmpkg.graph.handle.KnowledgeGraph` for the methods.

    >>> kg = atmpkg.open()
    >>> kg.named("products-by-target", target="bcma").df.loc[0, "therapyName"]
    'Abecma'
    """
    from atmpkg.graph.handle import KnowledgeGraph

    return KnowledgeGraph(
        store, endpoint=endpoint, graph=graph, timeout=timeout, memory=memory, in_memory=in_memory
    )


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext atmpkg``: the ``%%sparql`` cell magic and ``%sparql`` line magic (see
    :mod:`atmpkg.graph.notebook`).

    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> load_ipython_extension(InteractiveShell.instance(colors="nocolor"))
    >>> "sparql" in InteractiveShell.instance().magics_manager.magics["line"]
    True
    """
    from atmpkg.graph.notebook import load_ipython_extension as load

    load(ipython)

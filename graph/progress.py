"""How far long work is, on stderr, while it runs: one line, rewritten in place, when stderr is a
terminal; nothing when it is a file, a pipe or a notebook, so logs and captured output stay clean.

>>> import io
>>> with Progress("Exporting", 2, "subjects", stream=io.StringIO()) as bar:
...     bar.advance(2)
>>> bar.done
2
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: The least time between two updates of the line: redrawing it costs more than the work between.
INTERVAL = 0.1


class Progress:
    """A progress line for ``total`` steps of ``unit`` (``Exporting: 1,200 of 4,000 subjects
    (30%)``), written to ``stream`` (default stderr) only when it is a terminal, at most every
    :data:`INTERVAL` seconds and when the last step is done; cleared when the work ends.

    >>> import io
    >>> Progress("Deriving facts", 19, "rules", stream=io.StringIO()).shown
    False
    """

    def __init__(self, what: str, total: int, unit: str, stream: TextIO | None = None):
        self.what, self.total, self.unit = what, total, unit
        # The command line escapes control characters written to a terminal; this line's own
        # (\r, erase to the end) are what redraw it.
        self.stream = getattr(sys.stderr, "unescaped", sys.stderr) if stream is None else stream
        is_terminal = getattr(self.stream, "isatty", None)
        self.shown = bool(is_terminal and is_terminal())
        self.done = 0
        self._drawn = 0.0
        self._wrote = False

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more done, and redraw the line if it is time to.

        >>> import io
        >>> bar = Progress("Exporting", 10, "subjects", stream=io.StringIO())
        >>> bar.advance(); bar.advance(3); bar.done
        4
        """
        self.done += steps
        if not self.shown:
            return
        now = time.monotonic()
        if now - self._drawn >= INTERVAL or self.done >= self.total:
            self._drawn = now
            share = f" ({100 * self.done // self.total}%)" if self.total else ""
            self.stream.write(
                f"\r{self.what}: {self.done:,} of {self.total:,} {self.unit}{share}\x1b[K"
            )
            self.stream.flush()
            self._wrote = True

    def close(self) -> None:
        """Clear the line, so that what is written next starts on a clean one.

        >>> import io
        >>> Progress("Exporting", 1, "subjects", stream=io.StringIO()).close()
        """
        if self._wrote:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._wrote = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Stage(Progress):
    """A step of long work that has no steps to count (one query the engine answers whole):
    its line says what runs (``Ranking the entities by their links…``) until it ends.

    >>> import io
    >>> with Stage("Ranking the entities by their links", stream=io.StringIO()) as step:
    ...     step.shown
    False
    """

    def __init__(self, what: str, stream: TextIO | None = None):
        super().__init__(what, 0, "", stream)
        if self.shown:
            self.stream.write(f"\r{what}…\x1b[K")
            self.stream.flush()
            self._wrote = True

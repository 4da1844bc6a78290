"""Exceptions raised by :mod:`atmpkg.graph`. The library never prints or exits; the CLI turns these
into ``Error: …`` on stderr with exit code 1 (3 for a query stopped at its time or memory limit).

>>> str(DataError("x.csv", 3, 2, "bad date '2020-13'", column_name="date"))
"x.csv:3:2 (column 'date'): bad date '2020-13'"
"""

from __future__ import annotations

import copyreg
import difflib
import functools
import itertools
import keyword
import math
import numbers
import os
import re
import shlex
import sys
import sysconfig
import traceback
import types
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


class AtmpkgError(Exception):
    """Base class of every error the library raises for bad input or a failed operation. Each
    survives pickling (an error raised in a worker process reaches the pool as itself): it is made
    again as it was, its arguments and attributes, without running ``__init__`` again.

    >>> import pickle
    >>> str(pickle.loads(pickle.dumps(UnknownNameError("entity", "kymria", ["kymriah"]))))
    "unknown entity 'kymria'; did you mean 'kymriah'?"
    """

    def __reduce__(self):
        # made again as it is, its class's __new__ then its arguments and attributes set: a
        # subclass's __init__ takes other arguments than the message args keep, and may compute
        # (the suggestions of UnknownNameError)
        return copyreg.__newobj__, (type(self),), {**self.__dict__, "args": self.args}

    def _render_traceback_(self) -> list[str]:
        """How IPython (a notebook, the ``ipython`` shell) shows the error, with or without
        ``%load_ext atmpkg``: raised by a call the cell makes itself (``kg.show('Kymria')``), as
        one line, as the command line's ``Error: …``, since the frames under it are the
        library's and its message says what to do (joints30 F6: nine library frames above it);
        raised through code of the user's (a function of theirs), or shown again by ``%tb``, with
        its whole traceback, which shows where in that code. IPython calls this method on any
        exception that has it, in place of its own traceback.

        >>> from IPython.core.interactiveshell import InteractiveShell
        >>> shell = InteractiveShell.instance(colors="nocolor")
        >>> shell.run_cell("from atmpkg.graph import ParameterError; raise ParameterError('give a day')").success
        An exception has occurred, use %tb to see the full traceback.
        <BLANKLINE>
        ParameterError: give a day
        <BLANKLINE>
        False
        """
        from IPython import get_ipython

        shell, tb = get_ipython(), self.__traceback__
        if shell is None:  # another program that reads the method: Python's own traceback
            return traceback.format_exception(type(self), self, tb)
        codes = []
        while tb is not None:
            codes.append(tb.tb_frame.f_code)
            tb = tb.tb_next
        # being raised is the moment to say it in one line; %tb shows it later, whole
        if sys.exc_info()[1] is self and raised_by_the_cell(codes):
            shown = ["An exception has occurred, use %tb to see the full traceback.\n"]
            return shown + shell.InteractiveTB.get_exception_only(type(self), self)
        return shell.InteractiveTB.structured_traceback(type(self), self, self.__traceback__)


#: The code of an IPython cell itself: its body, and the comprehensions in it (each a frame on
#: 3.11).
_CELL_CODE = frozenset({"<module>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})


@functools.cache
def _installed() -> tuple[str, ...]:
    """The folders of Python's own modules and of the packages installed for it (the virtual
    environment's and, where it reads them, the base installation's), each ending in a
    separator."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    folders = {
        paths[key]
        for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars=base))
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
    }
    folders |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return tuple(os.path.realpath(p) + os.sep for p in folders)


@functools.cache
def library_files() -> tuple[str, ...]:
    """The library's own source, as real paths: its folders (each ending in a separator) and
    the modules beside them, not the folder that holds them, which in an editable install is
    the clone, with the user's notebooks and modules beside the library's (rev32 F9).

    >>> sorted(os.path.basename(p.rstrip(os.sep)) for p in library_files())
    ['__init__.py', 'cli.py', 'graph', 'ontology', 'queries']
    """
    root = Path(os.path.realpath(Path(__file__).parents[1]))
    folders = tuple(str(root / name) + os.sep for name in ("graph", "ontology", "queries"))
    return (*folders, *(str(root / name) for name in ("__init__.py", "cli.py")))


def _users(path: str, library: tuple[str, ...], shell: str) -> bool:
    """Whether code in the file ``path`` (a real path, or a ``<…>`` name) is the user's: no
    file of the library, of IPython, of Python or of an installed package; another cell
    (``<ipython-input-…>`` in the terminal, a file of the kernel's in a notebook)."""
    if path.startswith("<"):
        return path.startswith("<ipython-input")
    return not path.startswith((*library, shell, *_installed()))


def raised_by_the_cell(codes: list[types.CodeType]) -> bool:
    """Whether the frames of a traceback (their ``codes``) are IPython's, then an IPython cell's
    own (its body, a comprehension in it), then, if any, a call into the library and whatever
    runs under it: a library call the cell made itself, not through a function of the user's.
    The frames under the library's first are the library's doing where they are the library's,
    Python's or an installed package's (``contextlib``'s, of a decorator the library uses;
    pandas'); code of the cell's file that is not the cell's own, or of any other file (a
    module of the user's, another cell), is a function of the user's the library calls back.

    >>> raised_by_the_cell([compile("f()", "<ipython-input-1>", "exec")])
    True
    """
    import IPython

    library = library_files()
    shell = os.path.realpath(Path(IPython.__file__).parent) + os.sep
    # the terminal's cells are named <ipython-input-…>, a name of no file in any folder
    where = [
        name if name.startswith("<") else os.path.realpath(name)
        for name in (code.co_filename for code in codes)
    ]
    start = next((i for i, path in enumerate(where) if not path.startswith(shell)), len(where))
    if start == len(where) or where[start].startswith(library):
        return False
    cell = where[start]
    under = next((i for i in range(start, len(where)) if where[i] != cell), len(where))
    return (
        all(codes[i].co_name in _CELL_CODE for i in range(start, len(where)) if where[i] == cell)
        and (under == len(where) or where[under].startswith(library))
        and not any(
            _users(where[i], library, shell) for i in range(under, len(where)) if where[i] != cell
        )
    )


def likeness(word: str, choice: str) -> float:
    """How alike ``word`` and ``choice`` are, case aside: difflib's ratio, 1 for the same text.

    >>> likeness("Kymria", "kymriah")
    0.9230769230769231
    """
    return difflib.SequenceMatcher(None, word.lower(), choice.lower()).ratio()


def suggest(word: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """The choices closest to ``word``, best first: those whose likeness comes within a tenth of
    the closest one's; for a word of several words, first the choices that start with its first
    word; and the choices that start with the word, unless one comes close and they are more than
    twice its length.

    >>> suggest("kymria", ["kymriah", "yescarta", "tecartus"])
    ['kymriah']
    """
    # a likeness is at most twice the shorter length over both lengths, so a choice shorter than
    # a third of the word can meet none of the rules below: left out before any is measured (a
    # word of a megabyte took seconds against every name of the graph, sec20 F4)
    choices = [c for c in dict.fromkeys(choices) if 3 * len(c) >= len(word)]
    lowered = {c.lower(): c for c in choices}
    score = functools.cache(lambda choice: likeness(word, choice))
    close = difflib.get_close_matches(word.lower(), lowered, n=n, cutoff=0.6)
    best = max(map(score, close), default=0.0)
    # A near miss drowns in names that merely share letters with it ('mhra' for 'kymria'), and in
    # much longer names that start with it: those are offered only when nothing comes close
    close = [c for c in close if score(c) >= best - 0.1]
    starts = [
        c
        for c in choices
        if c.lower().startswith(word.lower())
        and c.lower() not in close
        and (best < 0.8 or len(c) <= 2 * len(word))
    ]
    # A name of several words is known by its first ('Kite Pharmaceuticals' is Kite Pharma, not
    # Vertex Pharmaceuticals, which shares more letters with it)
    first = word.lower().split()[0] if len(word.split()) > 1 else None
    same_first = sorted(
        (c for c in lowered if first is not None and c.split()[:1] == [first] and score(c) >= 0.5),
        key=lambda c: (-score(c), c),
    )
    found = same_first + close + [s.lower() for s in starts]
    return list(dict.fromkeys(lowered[c] for c in found))[:n]


#: The longest name an error repeats in full.
_SHOWN = 100


def counted(number: int, noun: str, plural: str = "") -> str:
    """``number`` of ``noun``, digits grouped, in the plural (``plural``, else ``noun`` + s)
    unless there is one (newuser25: "1 problem(s)"), as the command line counts.

    >>> counted(1, "validation problem"), counted(1_406, "problem"), counted(2, "query", "queries")
    ('1 validation problem', '1,406 problems', '2 queries')
    """
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def singulars(name: str) -> list[str]:
    """The ways ``name`` reads in the singular where its last word is an English plural, as a
    class is named in the plural (``--class companies``, newuser26 F5); none where it is no
    plural. A guess for each ending: the caller keeps the ones that name something.

    >>> singulars("Companies"), singulars("regulatory agencies"), singulars("classes")
    (['Company', 'Companie'], ['regulatory agency', 'regulatory agencie'], ['class', 'classe'])
    >>> singulars("Therapy"), singulars("class")
    ([], [])
    """
    head, space, last = name.rpartition(" ")
    forms = []
    if re.search("[^aeiou]ies$", last, re.I):
        forms.append(last[:-3] + ("Y" if last[-3:].isupper() else "y"))
    if re.search("(?:s|x|z|ch|sh)es$", last, re.I):
        forms.append(last[:-2])
    if re.search("[^su]s$", last, re.I):
        forms.append(last[:-1])
    return [head + space + form for form in forms]


def cut(name: str, most: int = _SHOWN) -> str:
    """``name`` as an error repeats it: whole up to ``most`` characters, else its start and its
    length (a name pasted by mistake need not fill the terminal or an HTTP answer).

    >>> cut("kymriah"), cut("x" * 5000)[-30:]
    ('kymriah', 'xxxxxxxxxx… (5,000 characters)')
    """
    return name if len(name) <= most else f"{name[: most - 20]}… ({len(name):,} characters)"


def cut_words(text: str, most: int = _SHOWN) -> str:
    """``text`` with each run of characters without a space longer than ``most`` cut as
    :func:`cut` cuts a name: a note that repeats a term of the query need not repeat a pasted
    value whole (newuser23 F12: a note of 5,600 characters).

    >>> cut_words("atmp:" + "x" * 5000 + " is not a term")[-40:]
    'xxxxxx… (5,005 characters) is not a term'
    """
    return re.sub(rf"\S{{{most + 1},}}", lambda word: cut(word.group(), most), text)


class UnknownNameError(AtmpkgError, LookupError):
    """A named query, parameter, entity, format or file that does not exist; carries suggestions
    and, for an entity, the IRIs of the entities they name (``entities``) where the lookup knew
    them."""

    def __init__(
        self,
        what: str,
        name: str,
        choices: Iterable[str] = (),
        hint: str = "",
        suggestions: list[str] | None = None,
        of: str = "",
        entities: Iterable[str] = (),
    ):
        self.what, self.name, self.of = what, name, of
        # the server offers their pages (/id/kymria: /id/therapy/kymriah), rev24 F1
        self.entities = list(entities)
        # a name given from Python may be any value: it is suggested against as the text it shows
        if suggestions is None:
            suggestions = suggest(name if isinstance(name, str) else str(name), choices)
        self.suggestions = suggestions
        super().__init__(self.told(hint))

    def told(self, hint: str) -> str:
        """The message with ``hint`` as its last sentence: what to do where it is read.

        >>> UnknownNameError("named query", "x", hint="List them with 'atmpkg queries'.").told(
        ...     "List them at /api/queries.")
        "unknown named query 'x'. List them at /api/queries."
        >>> UnknownNameError("parameter", "ther", ["therapy"], of="query 'q'").told("")
        "unknown parameter 'ther' of query 'q'; did you mean 'therapy'?"
        >>> UnknownNameError("entity", "x" * 5000).told("")
        "unknown entity 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (5,000 characters)'"
        """
        name = cut(self.name if isinstance(self.name, str) else str(self.name))
        message = f"unknown {self.what} '{unhidden(name)}'" + (f" of {self.of}" if self.of else "")
        hidden = invisible_in(name)
        # a suggestion that shows as the name written says nothing: the invisible character does
        offered = [s for s in self.suggestions if not (hidden and visibly_same(name, str(s)))]
        if hidden:
            message += f"; {hidden}"
        if offered:
            message += "; did you mean " + ", ".join(f"'{s}'" for s in offered) + "?"
        if hint:
            message += f" {hint}" if offered else f". {hint}"
        return message


class DataError(AtmpkgError, ValueError):
    """A row, cell or triple of an input file is malformed. Names file, line and column."""

    def __init__(
        self, file: str, line: int | None, column: int | None, message: str, column_name: str = ""
    ):
        self.file, self.line, self.column, self.column_name = file, line, column, column_name
        self.message = message
        #: ``file:line:column``, as much of it as is known
        self.location = file
        if line is not None:
            self.location += f":{line}"
            if column is not None:
                self.location += f":{column}"
        where = self.location + (f" (column '{column_name}')" if column_name else "")
        super().__init__(f"{where}: {message}")


class DataErrors(DataError):
    """Several malformed rows or cells at once; ``errors`` lists each :class:`DataError` (the
    problems of a :class:`DataErrors` given among them are listed one by one)."""

    def __init__(self, errors: list[DataError]):
        self.errors = [e for error in errors for e in getattr(error, "errors", [error])]
        errors = self.errors
        first = errors[0]
        super().__init__(first.file, first.line, first.column, first.message, first.column_name)
        self.args = (
            f"{counted(len(errors), 'problem')} in the input; nothing was changed:\n"
            + "\n".join(f"  {e}" for e in errors),
        )

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Violation:
    """One failed rule: which rule, which entity, where it was written, and what is wrong."""

    rule: str
    entity: str
    message: str
    location: str = ""
    #: The offending statement as IRIs (subject, property, object), when the rule names one: it
    #: lets the violation be blamed on the file that states it.
    statement: tuple[str, str, str] | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        # a message that says what the entity is ("is retired: …") goes on from its name
        what = f"{self.entity}{' ' if self.message.startswith('is ') else ': '}" if self.entity else ""
        return f"{where}{what}{self.message} [{self.rule}]"


class ValidationError(AtmpkgError):
    """The data broke SHACL shapes or zero-row checks. ``violations`` lists every one."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations)
        problems = counted(len(violations), "validation problem")
        super().__init__(f"{problems}; nothing was changed:\n{lines}")


class QuerySyntaxError(AtmpkgError):
    """The SPARQL text does not parse. ``line`` and ``column`` give the position (1-based)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line, self.column = line, column
        super().__init__(message)


class NotQueryError(QuerySyntaxError):
    """Query text that starts, after its PREFIX and BASE lines, with an entity's name or IRI or
    with a pattern, where a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE: the message says
    so with the way to what was meant from the command line and Python, ``http`` in the words of
    the HTTP door (an entity's page at ``/id/…``).

    >>> error = NotQueryError("… or atmpkg show therapy:x", 1, 1, "… or its page /id/therapy/x")
    >>> str(error), error.http, error.column
    ('… or atmpkg show therapy:x', '… or its page /id/therapy/x', 1)
    """

    def __init__(self, message: str, line: int, column: int, http: str):
        self.http = http
        super().__init__(message, line, column)


class QueryRefusedError(AtmpkgError):
    """The query uses a feature the gate refuses by default (SERVICE, FROM, updates): ``reason``
    says why (and what to write instead), ``lift`` how a caller of the library or the command line
    allows it on purpose; the HTTP endpoint never does, so it answers with the reason alone.

    >>> error = QueryRefusedError("SERVICE is refused.", "Pass allow=['service'].")
    >>> str(error), error.reason
    ("SERVICE is refused. Pass allow=['service'].", 'SERVICE is refused.')
    """

    def __init__(self, reason: str, lift: str = ""):
        self.reason, self.lift = reason, lift
        super().__init__(f"{reason} {lift}" if lift else reason)


class QueryTooComplexError(QueryRefusedError):
    """The query is larger or nests deeper than the engine can safely take (see the README's
    "Security model" for the limits)."""


class QueryTimeoutError(AtmpkgError, TimeoutError):
    """The query ran past its time limit and was stopped."""

    def __init__(self, seconds: float, *, checking: bool = False):
        self.seconds = seconds
        if checking:  # the gate's reading of the text, before the engine had it
            super().__init__(
                f"checking the query's text took past the {seconds:g} s time limit; shorten the "
                "query, or raise the limit with --timeout/timeout="
            )
            return
        super().__init__(
            f"query stopped after the {seconds:g} s time limit; raise it with --timeout/timeout= "
            "or narrow the query"
        )


class QueryMemoryError(AtmpkgError, MemoryError):
    """The query needed more memory than the evaluation's cap and was stopped.

    >>> str(QueryMemoryError(2 * 1024**3))
    'query stopped at the 2 GiB memory cap; raise it with --memory/memory= or narrow the query'
    >>> str(QueryMemoryError(300 * 1024**2)).split(";")[0], str(QueryMemoryError(1024)).split(";")[0]
    ('query stopped at the 300 MiB memory cap', 'query stopped at the 1 KiB memory cap')
    >>> str(QueryMemoryError(300 * 1024**2, held=True)).split(";")[0]
    "query stopped at the 300 MiB memory cap, which also holds the evaluating process's copy of the store"
    >>> str(QueryMemoryError(150 * 1024**2, starting=True))
    'the evaluating process cannot start within the 150 MiB memory cap: loading the engine and opening the store take about 200 MiB before any query; raise it with --memory/memory='

    ``rows``: the rows of an answer that the caller would make, more than the cap holds (the
    cap bounds them too, rev28tsv F2).

    >>> str(QueryMemoryError(2 * 1024**3, rows=40_000_000))
    'query stopped: the 40,000,000 rows of its answer would take more than the 2 GiB memory cap; raise it with --memory/memory= or narrow the query'

    ``triples``: the triples of a remote CONSTRUCT or DESCRIBE answer read so far, which take
    more than the cap (sec30 F1).

    >>> str(QueryMemoryError(64 * 1024**2, triples=151_000)).split(";")[0]
    'query stopped: the 151,000 triples of its answer would take more than the 64 MiB memory cap'
    """

    def __init__(
        self,
        cap: int,
        held: bool = False,
        starting: bool = False,
        rows: int | None = None,
        triples: int | None = None,
    ):
        self.cap, self.held, self.starting, self.rows = cap, held, starting, rows
        self.triples = triples
        unit, size = next(
            (unit, cap / 1024**power)
            for power, unit in ((3, "GiB"), (2, "MiB"), (1, "KiB"), (0, "bytes"))
            if cap >= 1024**power or power == 0
        )
        copy = "about 0.7 GB per million triples"
        if starting:  # no query can be narrowed to fit (newuser23 F11: ASK {} was told to)
            told = (
                f"the evaluating process cannot start within the {size:.3g} {unit} memory cap: "
                "loading the engine and opening the store take about 200 MiB before any query"
                + (f", and its copy of the store {copy}" if held else "")
                + "; raise it with --memory/memory="
            )
        elif rows is not None or triples is not None:
            counted = f"{rows:,} rows" if rows is not None else f"{triples:,} triples"
            told = (
                f"query stopped: the {counted} of its answer would take more than the "
                f"{size:.3g} {unit} memory cap; raise it with --memory/memory= or narrow the query"
            )
        elif held:
            told = (
                f"query stopped at the {size:.3g} {unit} memory cap, which also holds the "
                "evaluating process's copy of the store; raise it with --memory/memory= (the copy "
                f"takes {copy}) or do without the copy (leave out --in-memory; in_memory=False)"
            )
        else:
            told = (
                f"query stopped at the {size:.3g} {unit} memory cap; raise it with "
                "--memory/memory= or narrow the query"
            )
        super().__init__(told)


class EmptyResultError(AtmpkgError, LookupError):
    """A selection, query or search found nothing to export or show. ``notes`` are the query's
    notes on its answer (a term no vocabulary defines, a name that names nothing), which the
    message gives too, each on a line of its own, as ``atmpkg query`` prints them.

    >>> print(EmptyResultError("the answer is empty", ["atmp:Therapi is not a term"]))
    the answer is empty
    Note: atmp:Therapi is not a term
    """

    def __init__(self, message: str, notes: Iterable[str] = ()):
        self.notes = list(notes)
        super().__init__(message + "".join(f"\nNote: {note}" for note in self.notes))


class ParameterError(AtmpkgError, ValueError):
    """A query parameter is missing, unknown or has a value of the wrong type."""


class PeriodError(ParameterError):
    """A period that ends before it starts, one of its ends (``name``) by its default: ``head``
    says what the period is, then to give that end too, worded for the command line and Python
    (a keyword of ``kg.named``, unless ``keywords`` is False, for the calls that take the
    parameters in ``params=``); :meth:`told` words it for another door, as HTTP's ``p=``
    (joints27 F8: "(to by default; give to too)" on every door).

    >>> error = PeriodError("the period of q ends before it starts: from is 2030-01-01, to is 2026-12-07", "to")
    >>> print(error)
    the period of q ends before it starts: from is 2030-01-01, to is 2026-12-07 (to by default; give -p to=… (Python: to=…) too)
    >>> print(error.in_params().told("p=to=…")[-32:])
    (to by default; give p=to=… too)
    """

    def __init__(self, head: str, name: str, keywords: bool = True):
        self.head, self.name, self.keywords = head, name, keywords
        if not keywords:
            python = f"params={{{name!r}: …}}"
        elif name.isidentifier() and not keyword.iskeyword(name):
            python = f"{name}=…"
        else:  # from: kg.named takes it in the mapping
            python = f"{{{name!r}: …}}"
        super().__init__(self.told(f"-p {name}=… (Python: {python})"))

    def told(self, how: str) -> str:
        """The message with ``how`` to give the end that took its default, where it is read."""
        return f"{self.head} ({self.name} by default; give {how} too)"

    def in_params(self) -> PeriodError:
        """The error worded for a call that takes the parameters in a mapping, ``params=``."""
        return PeriodError(self.head, self.name, keywords=False)


class SeveralEntitiesError(ParameterError):
    """A name that several entities share (an INN two products have); ``entities`` are their
    IRIs, sorted, which the server offers the pages of (``/id/<name>``).

    >>> error = SeveralEntitiesError("'x' names several entities: therapy:a, therapy:b", ["a", "b"])
    >>> str(error), error.entities
    ("'x' names several entities: therapy:a, therapy:b", ['a', 'b'])
    """

    def __init__(self, message: str, entities: Iterable[str]):
        self.entities = sorted(entities)
        super().__init__(message)


class HostError(ParameterError):
    """A host the server cannot listen on as given. The message says what to pass from Python;
    ``cli`` says it in the command line's options.

    >>> error = HostError("got 'x:1': give the port as port=: host='x', port=1", "got 'x:1': give "
    ...                   "the port with --port: --host x --port 1")
    >>> str(error), error.cli
    ("got 'x:1': give the port as port=: host='x', port=1", "got 'x:1': give the port with --port: --host x --port 1")
    """

    def __init__(self, message: str, cli: str | None = None):
        self.cli = message if cli is None else cli
        super().__init__(message)


class NotSparqlError(ParameterError):
    """Query text that is a name alone, not SPARQL: a named query's (``named``) or a query file's.
    The message says how to run it from the command line and Python; :meth:`told` says it in the
    words of another door.

    >>> print(NotSparqlError("products-by-target", named=True))
    'products-by-target' is the name of a named query, not SPARQL: run it with atmpkg query --name products-by-target (Python: kg.named('products-by-target'))
    """

    def __init__(self, name: str, named: bool):
        self.name, self.named = name, named
        if named:
            hint = f"run it with atmpkg query --name {name} (Python: kg.named({name!r}))"
        else:
            hint = (
                f"run the query in it with atmpkg query --file {shlex.quote(name)} (Python: "
                f"kg.query(file={name!r}))"
            )
        super().__init__(self.told(hint))

    def told(self, hint: str) -> str:
        """The message with ``hint``, what to do where it is read, after the colon.

        >>> NotSparqlError("q.rq", named=False).told("send the query in it as query=")
        "'q.rq' is a file name, not SPARQL: send the query in it as query="
        """
        what = "the name of a named query" if self.named else "a file name"
        return f"'{self.name}' is {what}, not SPARQL: {hint}"


class StoreError(AtmpkgError):
    """The store cannot be opened, built or written."""


def unreadable_store(where: object, error: BaseException) -> StoreError:
    """The error for a store the engine cannot open or read (RocksDB's ``OSError`` or
    ``RuntimeError``), naming it and the way out: files whose permissions keep this user out
    (which a rebuild by this user would take over), else damaged or changed files.

    >>> print(unreadable_store("/s", RuntimeError("Corruption: bad block")))
    the store at /s cannot be read (Corruption: bad block): its files are damaged or were changed; run 'atmpkg build' to build it again
    >>> print(unreadable_store("/s", OSError("IO error: CURRENT: Permission denied")))
    the store at /s cannot be read (IO error: CURRENT: Permission denied): its files belong to another user or their permissions keep you out; run as their owner, or have them give you access
    """
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "Permission denied" in reason:
        return StoreError(
            f"the store at {where} cannot be read ({reason}): its files belong to another user "
            "or their permissions keep you out; run as their owner, or have them give you access"
        )
    return StoreError(
        f"the store at {where} cannot be read ({reason}): its files are damaged or were "
        "changed; run 'atmpkg build' to build it again"
    )


class EndpointTimeoutError(QueryTimeoutError, StoreError):
    """A remote SPARQL endpoint did not answer within the time limit. The client stopped waiting
    and closed the connection; the server may still finish the work on its side.

    >>> str(EndpointTimeoutError("http://localhost:7878/query", 2))
    'the SPARQL endpoint http://localhost:7878/query did not answer within 2 s; the client stopped waiting and closed the connection (raise the limit with --timeout/timeout=)'
    """

    def __init__(self, endpoint: str, seconds: float):
        self.endpoint, self.seconds = endpoint, seconds
        AtmpkgError.__init__(
            self,
            f"the SPARQL endpoint {endpoint} did not answer within {seconds:g} s; the client "
            "stopped waiting and closed the connection (raise the limit with --timeout/timeout=)",
        )


#: Why an answer cannot be read when the endpoint left out a value the query always binds.
VALUE_LEFT_OUT = "a value left out that the query always binds"


class EndpointAnswerError(StoreError):
    """A remote SPARQL endpoint answered one of the library's own queries with a value the library
    cannot use there: a literal where a count or an IRI is due, a column the query always binds
    left empty (``error`` None). Its answers are input like a file's, so the error names the
    endpoint.

    >>> print(EndpointAnswerError("http://localhost:7878/query", ValueError("invalid literal for int() with base 10: 'x'")))
    the SPARQL endpoint http://localhost:7878/query answered with a value the library cannot read (invalid literal for int() with base 10: 'x'): check that it serves a graph built by ATMP-KG (atmpkg push loads one)
    """

    def __init__(self, endpoint: str, error: BaseException | None = None):
        self.endpoint = endpoint
        if error is None or isinstance(error, AttributeError) and "'NoneType'" in str(error):
            reason = VALUE_LEFT_OUT
        elif isinstance(error, (IndexError, KeyError)):
            reason = "fewer values than the query asks for"
        else:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        AtmpkgError.__init__(
            self,
            f"the SPARQL endpoint {endpoint} answered with a value the library cannot read "
            f"({reason}): check that it serves a graph built by ATMP-KG (atmpkg push loads one)",
        )


class WrongEndpointError(StoreError):
    """The URL given as a SPARQL endpoint refused a query, and it is, or may be, one at which its
    server takes writes, or the server's address; the message gives the server's answer and names
    the query URL to give.

    >>> raise WrongEndpointError("http://h/store is the server's Graph Store URL")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.WrongEndpointError: http://h/store is the server's Graph Store URL
    """


def reads_answers(method: Callable) -> Callable:
    """Mark a method of the handle (or of a selection) that reads the store: on a remote store,
    an error of Python's own (a ``ValueError`` of ``int()``, an index past a list's end) raised
    after the endpoint answered during the call comes from what it answered, and is raised as
    :class:`EndpointAnswerError`, the error its cause. An error before any answer, or on the
    embedded store, is the library's and goes on unchanged.

    >>> class Remote:
    ...     endpoint, answered = "http://localhost:7878/query", 0
    >>> class Reader:
    ...     store = Remote()
    ...     def _remote_store(self):
    ...         return self.store
    ...     @reads_answers
    ...     def count(self, value):
    ...         self.store.answered += 1
    ...         return int(value)
    >>> Reader().count("x")
    Traceback (most recent call last):
    atmpkg.graph.errors.EndpointAnswerError: the SPARQL endpoint http://localhost:7878/query answered with a value the library cannot read (invalid literal for int() with base 10: 'x'): check that it serves a graph built by ATMP-KG (atmpkg push loads one)
    """

    @functools.wraps(method)
    def reading(self, *args, **kwargs):
        remote = self._remote_store()
        answered = remote.answered if remote is not None else 0
        try:
            return method(self, *args, **kwargs)
        except (
            ArithmeticError,
            AttributeError,
            IndexError,
            KeyError,
            TypeError,
            ValueError,
        ) as exc:
            if isinstance(exc, AtmpkgError) or remote is None or remote.answered == answered:
                raise
            # the Python error, which says where the library tripped, stays its cause
            raise EndpointAnswerError(remote.endpoint, exc) from exc

    return reading


#: Characters that act rather than show, or draw as nothing (sec31 F4: "Kym\u200briah" showed as
#: "Kymriah"): the control characters (Cc; a terminal acts on them: move, clear, set its title,
#: write the clipboard), tab and line feed aside; the format characters (Cf: the bidirectional
#: embeddings, overrides, isolates and marks, by which a value reorders the rest of its line, sec24
#: L1; the zero-width space and joiners, the word joiner, the byte order mark, the tag characters)
#: but those that draw a sign over the digits after them (Unicode's Prepended_Concatenation_Mark:
#: U+0600-U+0605, U+06DD, U+070F, U+0890, U+0891, U+08E2, U+110BD, U+110CD); the line and paragraph
#: separators (Zl, Zp); and the rest of Unicode's Default_Ignorable_Code_Point, which fonts draw as
#: nothing (the Hangul fillers, the variation selectors, the combining grapheme joiner, the Khmer
#: inherent vowels, the Mongolian free variation selectors, U+2065, U+FFF0-U+FFF8 and the tag block
#: to U+E0FFF kept for more). tests/test_view.py derives the set so from unicodedata and runs
#: graph/display/showable.js, which writes it again, against it.
HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)

#: The variation selectors (a CJK ideograph's or an emoji's form; the Mongolian free ones), and
#: the zero-width non-joiner and joiner (Persian and Indic spelling, emoji sequences): hidden
#: characters a text in those scripts needs, shown as they are beside the characters they act on.
_SELECTORS = re.compile("[\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_JOINERS = "\u200c\u200d"

#: Combining marks kept on one character: enough for Vietnamese (two), pointed Hebrew with its
#: cantillation and Tibetan's stacked letters; more are counted, not drawn up over the rows above.
MARKS_KEPT = 5

#: A run that may hold more than MARKS_KEPT combining marks in a row: every mark is beyond U+02FF,
#: and none is a kana, a CJK ideograph or a Hangul syllable, whose text would otherwise be read
#: character by character.
_MAYBE_STACKED = re.compile(
    f"[^\x00-\u02ff\u3040-\u3098\u309b-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]{{{MARKS_KEPT + 1},}}"
)

#: HIDDEN's ASCII characters, what most text holds: a class this short is read several times
#: faster than HIDDEN's, whose astral ranges the regular expression engine tests one by one.
_HIDDEN_ASCII = re.compile(f"[{''.join(chr(c) for c in range(128) if HIDDEN.match(chr(c)))}]")


def _drawn(char: str) -> bool:
    """Whether ``char`` is one a selector or joiner beside it acts on: a character beyond the
    Latin letters and their combining marks (U+0000-U+036F, where neither does anything a
    reader sees but hide a difference) that is not hidden itself."""
    return char > "\u036f" and HIDDEN.fullmatch(char) is None


def _joined(char: str) -> bool:
    """Whether a joiner before ``char`` acts on it: a drawn character (:func:`_drawn`) that is no
    combining mark. A joiner before a mark joins nothing a script needs, and would let the marks
    after it stack on the character under the marks before it, past MARKS_KEPT (sec32 F4)."""
    return _drawn(char) and unicodedata.category(char) not in ("Mn", "Me")


def _kept(text: str, at: int) -> bool:
    """Whether the hidden character at ``at`` is shown as it is: a selector right after a
    character it acts on (one, so a second selector is escaped), a joiner between two, the second
    no combining mark (or after a kept selector: an emoji's form, then the joiner)."""
    char = text[at]
    if _SELECTORS.fullmatch(char):
        return at > 0 and _drawn(text[at - 1])
    if char not in _JOINERS or at + 1 >= len(text) or not _joined(text[at + 1]):
        return False
    before = text[at - 1 : at]
    return _drawn(before) or (_SELECTORS.fullmatch(before) is not None and _kept(text, at - 1))


def _capped(run: re.Match) -> str:
    """``run`` with each row of more than MARKS_KEPT combining marks cut to its first ones and
    a count of the rest."""
    shown = []
    for mark, chars in itertools.groupby(run[0], lambda c: unicodedata.category(c) in ("Mn", "Me")):
        row = "".join(chars)
        if mark and len(row) > MARKS_KEPT:
            more = len(row) - MARKS_KEPT
            row = f"{row[:MARKS_KEPT]}… ({more:,} more mark{'s' if more > 1 else ''})"
        shown.append(row)
    return "".join(shown)


def visible(text: str) -> str:
    """``text`` as it is shown to read (a terminal, a page): each character of :data:`HIDDEN`
    written as its escape, so that it is seen and never run by a terminal, and a value cannot
    pass for another; a variation selector or a zero-width joiner or non-joiner beside the
    characters it acts on (a CJK ideograph, an emoji, Persian or Devanagari letters) is kept;
    more than :data:`MARKS_KEPT` combining marks on one character are counted.

    >>> visible("a\\x1b[2Jb"), visible("RED\\u202eReversed"), visible("Kym\\u200briah")
    ('a\\\\x1b[2Jb', 'RED\\\\u202eReversed', 'Kym\\\\u200briah')
    >>> visible("flag\\U000e0041"), visible("\\u0645\\u06cc\\u200c\\u062e") == "\\u0645\\u06cc\\u200c\\u062e"
    ('flag\\\\U000e0041', True)
    >>> visible("Z" + "\\u0301" * 1000) == "Z" + "\\u0301" * 5 + "… (995 more marks)"
    True
    >>> visible("Z" + ("\\u20d0" * 5 + "\\u200d") * 2) == "Z" + "\\u20d0" * 5 + "\\\\u200d" + "\\u20d0" * 5 + "\\\\u200d"
    True
    """
    # as Python writes it: \x1b for a control character, \u202e, \U000e0041 for the others
    if text.isascii():
        return _HIDDEN_ASCII.sub(lambda m: ascii(m[0])[1:-1], text)
    text = HIDDEN.sub(lambda m: m[0] if _kept(m.string, m.start()) else ascii(m[0])[1:-1], text)
    return _MAYBE_STACKED.sub(_capped, text)


def unhidden(text: str) -> str:
    r"""``text`` with each character that prints as nothing or as a blank written as its
    escape: a control character (a NUL), a format character (a byte order mark, a zero-width
    space), a line or paragraph separator, a space other than ' '. What a message that quotes
    a file's character shows (sec26 F3: ``'' is not allowed`` held a NUL).

    >>> print(unhidden("'\x00' is not allowed; \ufeff is no subject; a\xa0b"))
    '\x00' is not allowed; \ufeff is no subject; a\xa0b
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


#: What a character without a Unicode name is, by its general category (every format
#: character, Cf, has a name: U+200B ZERO WIDTH SPACE).
_UNNAMED = {
    "Cc": "a control character",
    "Co": "a private-use character",
    "Cs": "a surrogate, half of a pair that is not whole",
    "Cn": "an unassigned code point",
}


def character_named(char: str) -> str:
    r"""``char``'s code point and Unicode name, as a message names a character that prints as
    nothing or as a blank (newuser27 F7: ``'\u200b' is not allowed`` said what it was not); one
    without a name by what it is (sec28 F3: U+E000 and U+FFFF were called control characters).

    >>> character_named("\u200b"), character_named("\xa0"), character_named("\x00")
    ('U+200B ZERO WIDTH SPACE', 'U+00A0 NO-BREAK SPACE', 'U+0000, a control character')
    >>> character_named("\ue000"), character_named("\uffff"), character_named("\U000e0080")
    ('U+E000, a private-use character', 'U+FFFF, a noncharacter', 'U+E0080, an unassigned code point')
    """
    name = unicodedata.name(char, "")
    if name:
        return f"U+{ord(char):04X} {name}"
    code = ord(char)
    # the 66 noncharacters (U+FDD0..U+FDEF, the last two of each plane) are Cn too, but never
    # to be assigned: a program's marker, not a character of a newer Unicode
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return f"U+{code:04X}, a noncharacter"
    category = unicodedata.category(char)
    # a letter Python's table has no name for (Tangut ideographs) is named by its category
    return f"U+{code:04X}, {_UNNAMED.get(category, f'a character of Unicode category {category}')}"


def invisible_advice(message: str) -> str:
    r"""``message``, a parser's, told of the invisible character it quotes (``'\u200b' is not
    allowed at the beginning of a prefix name``, where the user wrote no prefix): which character
    it is, and to delete it (a space other than ' ': to write ' '). Other messages are kept.

    >>> print(invisible_advice("'\u200b' is not allowed at the beginning of a prefix name"))
    '\u200b' (U+200B ZERO WIDTH SPACE) is an invisible character here, which no name or separator of the file may hold: delete it
    >>> print(invisible_advice("'\xa0' is not allowed at the beginning of a prefix name"))
    '\xa0' (U+00A0 NO-BREAK SPACE) is an invisible character here, which no name or separator of the file may hold: write an ordinary space instead
    """
    # quoted, or unquoted at the start (a second byte order mark: '\ufeff is not a valid subject')
    found = re.search(r"'(.)'|^(.)(?= is not )", message, re.DOTALL)
    char = found and (found[1] or found[2])
    if not char or char.isprintable():
        return message
    what = (
        f"'{unhidden(char)}' ({character_named(char)}) is an invisible character here, which no "
        "name or separator of the file may hold: "
        + ("write an ordinary space instead" if char.isspace() else "delete it")
    )
    if found.start() == 0 and re.match(r"'?.'? is not ", message, re.DOTALL):
        return what
    return f"{unhidden(message)}; {what}"


def retired_told(old: str, new: str) -> str:
    """What every door says of ``old``, a retired IRI (its prefixed name), that ``new`` replaced:
    one wording for a query's note, a file's fact, a link and a check (newuser28 F1).

    >>> retired_told("approval:x-2021-08", "approval:x-2021-08-18")
    'approval:x-2021-08 is retired: approval:x-2021-08-18 replaced it'
    """
    return f"{old} is retired: {new} replaced it"


def invisible_in(text: str) -> str:
    r"""What to say of the characters of ``text``, a value typed or a cell, that print as nothing
    or as a blank (other than ' '): which each is and what to do, as :func:`invisible_advice`
    says it of a file's; "" when there is none. A value pasted from a web page or a PDF holds
    them, and quoted as written, they look like nothing (newuser28 F3).

    >>> print(invisible_in("novartis\u200b"))
    '\u200b' (U+200B ZERO WIDTH SPACE) is an invisible character here: delete it
    >>> print(invisible_in("kite\xa0pharma\u200b"))
    '\xa0' (U+00A0 NO-BREAK SPACE) and '\u200b' (U+200B ZERO WIDTH SPACE) are invisible characters here: write an ordinary space for a space, and delete the others
    >>> invisible_in("novartis")
    ''
    """
    if text.isprintable():
        return ""
    chars = list(dict.fromkeys(char for char in text if not char.isprintable()))
    named = " and ".join(f"'{unhidden(char)}' ({character_named(char)})" for char in chars[:3])
    more = f" and {len(chars) - 3} more" if len(chars) > 3 else ""
    spaces = [char.isspace() for char in chars]
    if all(spaces):
        do = "write an ordinary space instead"
    elif any(spaces):
        do = "write an ordinary space for a space, and delete the others"
    else:
        do = "delete them" if len(chars) > 1 else "delete it"
    if len(chars) == 1:
        return f"{named} is an invisible character here: {do}"
    return f"{named}{more} are invisible characters here: {do}"


def visibly_same(text: str, other: str, *, cased: bool = False) -> bool:
    r"""Whether ``other``, a name offered for ``text``, shows as ``text`` does once the
    characters that print as nothing are left out, whatever their case unless ``cased`` (a slug's
    case counts): offering it says nothing the reader did not write (newuser28 F3:
    'novartis\u200b' was asked "did you mean 'novartis'?").

    >>> visibly_same("novartis\u200b", "Novartis"), visibly_same("novartsi\u200b", "novartis")
    (True, False)
    >>> visibly_same("Kite\xa0Pharma", "Kite Pharma"), visibly_same("my-Src\u200b", "my-src", cased=True)
    (True, False)
    """
    shown = "".join(
        " " if char.isspace() else char for char in text if char.isprintable() or char.isspace()
    ).strip()
    return shown == other.strip() if cased else shown.casefold() == other.strip().casefold()


#: A lone surrogate: what Python makes of bytes that are not UTF-8 in a command line's arguments
#: (and what no RDF term, query or file may hold).
SURROGATE = re.compile("[\ud800-\udfff]")


def escaped(text: str) -> str:
    r"""``text`` with each lone surrogate written as its escape, as an error shows it.

    >>> escaped("kym\udcffriah")
    'kym\\udcffriah'
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def unicode_text(text: str, what: str) -> str:
    r"""``text`` when it is Unicode text; else a :class:`ParameterError` that names ``what`` (bytes
    that are not UTF-8, as a Latin-1 terminal's ``ÿ``, reach Python as lone surrogates).

    >>> unicode_text("Kymriah", "the entity's name")
    'Kymriah'
    >>> unicode_text("kym\udcffriah", "the entity's name")
    Traceback (most recent call last):
    ...
    atmpkg.graph.errors.ParameterError: the entity's name holds bytes that are not UTF-8 text (\udcff in 'kym\udcffriah'): type it in UTF-8
    """
    found = SURROGATE.search(text)
    if found is None:
        return text
    raise ParameterError(
        f"{what} holds bytes that are not UTF-8 text ({escaped(found.group())} in "
        f"'{escaped(text)}'): {utf8_advice(text, 'type it in UTF-8')}"
    )


def utf8_advice(text: str, otherwise: str) -> str:
    r"""What to do about ``text`` that holds undecoded bytes (lone surrogates): when they are UTF-8
    read under a locale that is not (``LC_ALL=C`` without Python's UTF-8 mode), set the locale;
    ``otherwise`` when they are no UTF-8 at all.

    >>> utf8_advice("kym\udcffriah", "type it in UTF-8")
    'type it in UTF-8'
    """
    import sys

    try:
        text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return otherwise
    if sys.getfilesystemencoding().lower().replace("-", "") == "utf8":
        return otherwise
    return (
        "it is UTF-8, read under a locale that is not UTF-8: set LC_ALL=C.UTF-8 or "
        "PYTHONUTF8=1"
    )


def indefinite(noun: str) -> str:
    """``noun`` with its indefinite article, as a sentence says it.

    >>> indefinite("agency"), indefinite("company"), indefinite("ASK answer")
    ('an agency', 'a company', 'an ASK answer')
    """
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def described(value: object) -> str:
    """How an error names a value of the wrong kind: its type and (the start of) its repr.

    >>> described([1, 2]), described(None)
    ('a list ([1, 2])', 'None')
    """
    if value is None:
        return "None"
    return f"{indefinite(type(value).__name__)} ({value!r:.40})"


def whole_number(value: object, name: str, least: int) -> int:
    """``value`` when it is a whole number (not a bool) of at least ``least``; else a
    :class:`ParameterError` that names ``name``.

    >>> whole_number(3, "top", 1)
    3
    >>> whole_number("3", "top", 1)
    Traceback (most recent call last):
    atmpkg.graph.errors.ParameterError: top must be a whole number, 1 or more; got a str ('3')
    """
    whole = not isinstance(value, bool) and isinstance(value, numbers.Integral)
    if not whole or value < least:
        shown = value if whole else described(value)
        raise ParameterError(f"{name} must be a whole number, {least} or more; got {shown}")
    return int(value)


#: The longest time limit kept as given (about 115 days): a longer one stands for this, since
#: the clocks that wait for it cannot count to 1e300 s.
LONGEST_SECONDS = 1e7


def positive_seconds(value: object, name: str = "timeout") -> float:
    """``value`` when it is a positive number of seconds (at most :data:`LONGEST_SECONDS`); else a
    :class:`ParameterError`.

    >>> positive_seconds(2.5), positive_seconds(1e300)
    (2.5, 10000000.0)
    """
    real = not isinstance(value, bool) and isinstance(value, numbers.Real)
    if not real or not value > 0 or not math.isfinite(value):
        shown = value if real else described(value)
        raise ParameterError(
            f"{name} must be a positive number of seconds, got {shown} (from Python, None for "
            "no limit)"
        )
    return min(float(value), LONGEST_SECONDS)

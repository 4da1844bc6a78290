"""SPARQL in notebooks: ``%load_ext atmpkg`` gives the ``%%sparql`` cell magic and ``%sparql`` line
magic.

A cell ``%%sparql`` runs its body as SPARQL on the graph; ``%sparql`` runs the rest of its line.
Options (before the query on a ``%sparql`` line; on the first line of a ``%%sparql`` cell)::

    --name NAME       run the named query NAME instead (the cell body stays empty)
    -p NAME=VALUE     bind a parameter (repeatable); values with spaces in quotes
    --endpoint URL    query this SPARQL 1.1 endpoint instead of the embedded store
    --graph IRI       with --endpoint: the named graph holding the data there
    --store PATH      the embedded store's folder (default: $ATMPKG_STORE or the per-user store)
    --timeout S       stop the query after S seconds (default: none)
    --limit N         return at most N rows
    -o VAR            keep the answer as a pandas DataFrame in the variable VAR

The answer shows as a table of its first rows with the total count. The store is opened once per
``--store``/``--endpoint`` and kept for the next cells. Errors (an unknown name, a syntax error, a
time limit) show as one line, ``QueryTimeoutError: …``, without a traceback; the cell fails, the
kernel stays as it was. ``{`` and ``$`` are SPARQL here, never expanded as Python.

>>> parse_options("--name products-by-target -p target=bcma -o df")
({'name': 'products-by-target', 'output': 'df', 'params': {'target': 'bcma'}}, '')
"""

from __future__ import annotations

import builtins
import keyword
import re
import shlex
import warnings
from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

from .. import queries
from ..queries import assignments
from .errors import ParameterError, UnknownNameError, raised_by_the_cell

#: Each option: its key in the parsed options, and how its value is read.
OPTIONS = {
    "--name": ("name", str),
    "-p": ("params", str),
    "--param": ("params", str),
    "--endpoint": ("endpoint", str),
    "--graph": ("graph", str),
    "--store": ("store", str),
    "--timeout": ("timeout", float),
    "--limit": ("limit", int),
    "-o": ("output", str),
    "--output": ("output", str),
}
#: One word of the options, as a shell reads it: quoted parts and other characters but white space.
_WORD = re.compile(r"""\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'])+)""")


def parse_options(line: str) -> tuple[dict, str]:
    """The options at the start of ``line``, and the rest of it (the query of a ``%sparql`` line)
    as written. Raises ``UsageError`` for an unknown option or a value that does not read.

    >>> parse_options('-p company="Big Pharma" --timeout 5 SELECT * { ?s ?p ?o }')
    ({'timeout': 5.0, 'params': {'company': 'Big Pharma'}}, 'SELECT * { ?s ?p ?o }')
    """
    options: dict = {}
    assigned: list[str] = []
    position = 0
    while True:
        found = _WORD.match(line, position)
        if not found or not found.group(1).startswith("-"):
            break
        flag = found.group(1)
        if flag in ("--help", "-h"):  # the options as the module's docstring lists them
            listed = __doc__.split("::")[1].split("\n\n")[1] if __doc__ else ", ".join(OPTIONS)
            return {"help": "the options of %sparql and %%sparql:\n" + listed}, ""
        value = _WORD.match(line, found.end())
        if flag not in OPTIONS:
            given = _unquoted(value.group(1)) if value else None
            meant = f"{flag}={given}" if given is not None and not given.startswith("-") else flag
            hint = _parameter_hint(_named(line), meant)
            raise UsageError(
                f"unknown option {flag}; {hint or 'the options are ' + ', '.join(OPTIONS)}"
            )
        if not value:
            raise UsageError(f"{flag} needs a value")
        key, read = OPTIONS[flag]
        try:
            text = shlex.split(value.group(1))[0]
            parsed = read(text)
        except ValueError:
            raise UsageError(f"{flag} cannot take {value.group(1)!r}") from None
        if key == "params":
            assigned.append(text)
        else:
            options[key] = parsed
        position = value.end()
    if assigned:
        try:
            options["params"] = assignments(assigned, "-p")
        except ParameterError as exc:
            raise UsageError(str(exc)) from None
    output = options.get("output")
    if output is not None and (not output.isidentifier() or keyword.iskeyword(output)):
        raise UsageError(f"-o names a Python variable, such as -o deals; {output!r} cannot be one")
    if output is not None and hasattr(builtins, output):
        raise UsageError(f"-o {output} would hide Python's own {output}; choose another name")
    return options, line[position:].strip()


def _unquoted(word: str) -> str | None:
    """A word of the options as a shell reads it (``"Kite Pharma"``: Kite Pharma); None when it
    does not read."""
    try:
        return shlex.split(word)[0]
    except ValueError:
        return None


def _named(line: str) -> str | None:
    """The named query the options of ``line`` name with ``--name``, wherever it comes in them."""
    words = [_unquoted(found.group(1)) for found in _WORD.finditer(line)]
    at = words.index("--name") if "--name" in words else -1
    return words[at + 1] if 0 <= at < len(words) - 1 else None


def _parameter_hint(name: str | None, word: str) -> str | None:
    """What to write instead of ``word``, given beside the named query ``name`` (which may be
    unknown: that is said when it runs), when it is meant as a parameter of it."""
    try:
        return queries.parameter_hint(name, word) if name else None
    except UnknownNameError:
        return None


def _body_hint(name: str, text: str, cell: bool) -> str | None:
    """What to write instead of the body ``text`` of a ``%sparql`` line or ``%%sparql`` cell that
    runs the named query ``name``, when its words are meant as parameters (``target=bcma``)."""
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return None  # no parameters: quotes no shell would close
    hints = (_parameter_hint(name, word) for word in words)
    hint = next((hint for hint in hints if hint), None)
    return f"{hint} on the %%sparql line" if hint and cell else hint


def _spill_hint(line: str, rest: str) -> str | None:
    """What to write when ``rest``, the words of a ``%sparql`` line after its options, is the
    rest of the value of its last option, left unquoted (``-p company=Kite Pharma``,
    newuser23 F18); None when no option's value comes right before it."""
    options = line.rstrip()[: len(line.rstrip()) - len(rest)]
    words = [found.group(1) for found in _WORD.finditer(options)]
    if len(words) < 2 or words[-2] not in ("-p", "--param", "--store"):
        return None
    value = _unquoted(words[-1])
    if value is None:
        return None
    quoted = shlex.quote(f"{value} {rest}")
    return (
        f"'{rest}' follows {words[-2]} {words[-1]}: a value with spaces goes in quotes: "
        f"{words[-2]} {quoted}"
    )


#: A line ``NAME=VALUE``, which binds a parameter on the command line, not in SPARQL.
_BINDING_LINE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S*")


def _binding_hint(text: str) -> str | None:
    """What to write instead of the last lines of a ``%%sparql`` cell's body ``text`` when they
    bind variables of the query above them (``x=target:bcma``), as the command line would with
    ``-p`` (joints23 F8); None when they do not."""
    lines = text.splitlines()
    at = len(lines)
    while at > 0 and (not lines[at - 1].strip() or _BINDING_LINE.fullmatch(lines[at - 1].strip())):
        at -= 1
    bindings = [line.strip() for line in lines[at:] if line.strip()]
    if not bindings or at == 0:
        return None
    from .sparql.named import binding_hint

    return binding_hint("\n".join(lines[:at]), bindings[0], " on the %%sparql line")


@magics_class
class SparqlMagics(Magics):
    """The ``%%sparql`` and ``%sparql`` magics."""

    def __init__(self, shell=None):
        super().__init__(shell)
        self._graphs: dict = {}

    def _graph(self, store: str | None, endpoint: str | None, graph: str | None):
        from .handle import KnowledgeGraph

        key = (store, endpoint, graph)
        if key not in self._graphs:
            self._graphs[key] = KnowledgeGraph(store, endpoint=endpoint, graph=graph)
        return self._graphs[key]

    @no_var_expand
    @line_cell_magic
    def sparql(self, line: str, cell: str | None = None):
        """Run SPARQL (the cell's body, or the rest of the line) or a named query (``--name``);
        ``-o VAR`` keeps the answer as a DataFrame. See :mod:`atmpkg.graph.notebook`.

        >>> from IPython.core.interactiveshell import InteractiveShell
        >>> shell = InteractiveShell.instance(colors="nocolor")
        >>> shell.run_line_magic("load_ext", "atmpkg")
        >>> shell.run_line_magic("sparql", "SELECT ?name { therapy:kymriah rdfs:label ?name }").rows
        [(<Literal value=Kymriah language=en>,)]
        >>> shell.run_line_magic("sparql", "SELECT ?t { ?t a atmp:Therapy };")  # ";": nothing shown
        >>> shell.run_line_magic("sparql", "-o therapies SELECT ?t { ?t a atmp:Therapy };")
        >>> len(shell.user_ns["therapies"])
        120
        >>> shell.run_line_magic("sparql", "--name products-by-target -p target=bcma -o bcma;")
        >>> len(shell.user_ns["bcma"])
        9
        >>> _ = shell.run_cell_magic("sparql", "--limit 1 -o first", "SELECT ?t { ?t a atmp:Therapy }")
        >>> len(shell.user_ns["first"])
        1
        """
        # A line ending in ";" asks for nothing to be shown. IPython reads the ";" of a line it
        # runs as code, not of a magic's line, so the magic itself returns nothing; -o keeps the
        # answer. The ";" is neither SPARQL nor part of the option before it.
        quiet = cell is None and line.rstrip().endswith(";")
        line = line.rstrip().removesuffix(";") if quiet else line
        options, rest = parse_options(line)
        if "help" in options:
            print(options["help"])
            return None
        if cell is not None and rest:
            raise UsageError(f"%%sparql takes options on its first line, not {rest!r}")
        text = cell.strip() if cell is not None else rest.strip()
        name = options.get("name")
        # IPython refuses a cell magic whose body is empty: a named query's cell may hold a
        # blank line or comments
        if name and any(not line.lstrip().startswith("#") for line in text.splitlines() if line.strip()):
            raise UsageError(
                _body_hint(name, text, cell is not None)
                or (_spill_hint(line, rest) if cell is None else None)
                or (
                    "--name runs a named query, which takes no SPARQL: leave the cell's body "
                    "blank (or comments only), or drop --name to run the body"
                    if cell is not None
                    else "--name runs a named query, which takes no SPARQL: end the line with "
                    "the options, or drop --name to run the rest of the line"
                )
            )
        binding = _binding_hint(text) if cell is not None and not name else None
        if binding:
            raise UsageError(binding)
        if name:
            text = ""
        if not name and not text:
            raise UsageError("give SPARQL (in the cell, or after the options) or --name NAME")
        from .handle import KnowledgeGraph

        held = self.shell.user_ns.get(options.get("output", ""))
        if isinstance(held, KnowledgeGraph):
            raise UsageError(
                f"-o {options['output']} would replace the knowledge graph it holds; choose "
                "another name"
            )
        kg = self._graph(options.get("store"), options.get("endpoint"), options.get("graph"))
        limits = {"timeout": options.get("timeout"), "limit": options.get("limit")}
        params = options.get("params", {})
        result = kg.named(name, params, **limits) if name else kg.query(text, params, **limits)
        if "output" in options:
            self.shell.user_ns[options["output"]] = result.to_dataframe()
        return None if quiet else result


def _show_error(shell, etype, value, tb, tb_offset=None):
    """Show a library error that a ``%sparql`` magic or a call the cell makes itself
    (``kg.show('Kymria')``) raised as one line, ``UnknownNameError: …``: its message says what
    happened and what to do, as the command line's ``Error: …`` does, and the frames are the
    library's. Raised through the cell's own functions, it keeps its traceback, which shows where
    in that code."""
    codes, step = [], tb
    while step is not None:
        codes.append(step.tb_frame.f_code)
        step = step.tb_next
    from_magic = SparqlMagics.sparql.__code__ in codes
    shell.showtraceback((etype, value, tb), exception_only=from_magic or raised_by_the_cell(codes))


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register the magics, and show the library errors they raise as one line, without a
    traceback; raised through a cell's own code, an error keeps its traceback. A custom exception
    handler another library installed first (trio's) keeps handling its own exceptions.

    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance(colors="nocolor")
    >>> load_ipython_extension(shell)
    >>> shell.run_cell("%sparql --name approvals-in-perod").success
    An exception has occurred, use %tb to see the full traceback.
    <BLANKLINE>
    UnknownNameError: unknown named query 'approvals-in-perod'; did you mean 'approvals-in-period'? List them with 'atmpkg queries'.
    <BLANKLINE>
    False
    """
    from .errors import AtmpkgError

    ipython.register_magics(SparqlMagics)
    earlier, handled = ipython.CustomTB, tuple(ipython.custom_exceptions)
    if AtmpkgError in handled:
        return  # loaded before

    def show(shell, etype, value, tb, tb_offset=None):
        if issubclass(etype, AtmpkgError):
            return _show_error(shell, etype, value, tb, tb_offset)
        return earlier(etype, value, tb, tb_offset)

    ipython.set_custom_exc((*handled, AtmpkgError), show)
    # trio, which the HTTP client of remote stores imports when it is installed, warns once that
    # it leaves its own handler out when it finds this one; its exceptions show as before.
    warnings.filterwarnings(
        "ignore",
        message="IPython detected, but you already have a custom exception handler installed",
        category=RuntimeWarning,
    )

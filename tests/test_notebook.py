"""Notebooks: ``%load_ext atmpkg`` and the ``%%sparql`` magic, run in a real Jupyter kernel
(nbclient drives ipykernel), with results as tables and DataFrames and a time limit that stops a
query while the kernel lives on."""

from __future__ import annotations

import datetime
import importlib.util
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra installs nbformat")
nbclient = pytest.importorskip("nbclient", reason="the test extra installs nbclient")

from atmpkg.graph.notebook import parse_options  # noqa: E402 - needs IPython, as the kernel does

FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
DEALS = (
    "SELECT ?deal ?value ?date WHERE { ?deal a atmp:Deal ; atmp:dateStated ?date\n"
    "  OPTIONAL { ?deal atmp:valueUSD ?value } } ORDER BY ?deal"
)
STOPPED = (
    "query stopped after the 1 s time limit; raise it with --timeout/timeout= or narrow the query"
)


@pytest.mark.parametrize(
    ("line", "options", "rest"),
    [
        ("", {}, ""),
        (
            "--name products-by-target -p target=bcma -o df",
            {"name": "products-by-target", "params": {"target": "bcma"}, "output": "df"},
            "",
        ),
        (
            '-p company="Big Pharma" -p year=2020 --timeout 5 --limit 10 SELECT * { ?s ?p ?o }',
            {"params": {"company": "Big Pharma", "year": "2020"}, "timeout": 5.0, "limit": 10},
            "SELECT * { ?s ?p ?o }",
        ),
        (
            "--endpoint http://127.0.0.1:7878/sparql --store /tmp/s ASK { ?s ?p '-x' }",
            {"endpoint": "http://127.0.0.1:7878/sparql", "store": "/tmp/s"},
            "ASK { ?s ?p '-x' }",
        ),
        ("""-p l='"Kymriah"@en' SELECT ?l {}""", {"params": {"l": '"Kymriah"@en'}}, "SELECT ?l {}"),
    ],
)
def test_magic_options(line, options, rest):
    assert parse_options(line) == (options, rest)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--nmae x", "unknown option --nmae"),
        ("--timeout soon", "--timeout cannot take 'soon'"),
        ("-p target", "-p takes NAME=VALUE, got 'target'"),
        ("-p a=1 -p b=2 -p a=3", "parameter 'a' given twice with -p; give it once"),
        ("-o", "-o needs a value"),
        ("-o 1bad SELECT", "-o names a Python variable, such as -o deals; '1bad' cannot be one"),
        # newuser15 F6: a keyword no code can read back, a builtin the next cell would miss
        ("-o class ASK {}", "-o names a Python variable, such as -o deals; 'class' cannot be one"),
        ("-o len ASK {}", "-o len would hide Python's own len; choose another name"),
    ],
)
def test_magic_option_errors(line, message):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match=message):
        parse_options(line)


def test_the_magic_prints_its_options_on_help(capsys):
    # newuser12: --help was shown as a UsageError, on stderr
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    shell.run_line_magic("load_ext", "atmpkg")
    assert shell.run_line_magic("sparql", "--help") is None
    out, err = capsys.readouterr()
    listed = r"(?s)the options of %sparql and %%sparql:\n    --name NAME .*\n    --graph IRI "
    assert re.match(listed, out) and err == ""


def cell(source: str, *tags: str):
    made = nbformat.v4.new_code_cell(source)
    if tags:
        made.metadata["tags"] = list(tags)
    return made


def run_cells(cells: list, folder) -> list:
    """The cells run in a new python3 kernel whose working folder is ``folder``."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": folder}}
    ).execute()
    return notebook.cells


def plain(output) -> str:
    """An error output's traceback as text, without its colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output["traceback"]))


def seconds(executed) -> float:
    timing = executed.metadata["execution"]
    started = datetime.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    ended = datetime.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (ended - started).total_seconds()


def html_of(executed) -> str:
    [result] = [o for o in executed.outputs if o["output_type"] == "execute_result"]
    return result["data"]["text/html"]


def stdout_of(executed) -> str:
    return "".join(o["text"] for o in executed.outputs if o.get("name") == "stdout")


def test_a_notebook_runs_sparql_magics_and_survives_a_time_limit(fixture_store, tmp_path):
    cells = [
        cell(f"import os\nos.environ['ATMPKG_STORE'] = {str(fixture_store)!r}"),
        cell("%load_ext atmpkg"),
        cell(f"%%sparql -o deals\n{DEALS}"),
        cell(
            "print(deals['deal'].tolist()[0], deals['value'].tolist()[:2], "
            "deals['date_precision'].tolist(), str(deals['date'].dtype)[:10])"
        ),
        cell("%sparql --name products-by-target -p target=cd19 -o cd19"),
        cell("print(cd19.loc[0, 'therapyName'], cd19.loc[0, 'approvals'])"),
        cell(f"%%sparql --timeout 1\n{FOREVER}", "raises-exception"),
        cell("%sparql SELECT (COUNT(*) AS ?n) WHERE { ?t a atmp:Therapy }"),
        cell("%sparql --name no-such-query", "raises-exception"),
        cell(
            "import atmpkg\n"
            "from atmpkg.graph import QueryTimeoutError\n"
            "kg = atmpkg.open()\n"
            "try:\n"
            f"    kg.query({FOREVER!r}, timeout=1)\n"
            "except QueryTimeoutError as error:\n"
            "    print('stopped:', error)\n"
        ),
        cell("kg.show('cellco')"),
        cell("kg.select(focus='cellco').view()"),
        cell(
            "def helper():\n    return kg.named('products-by-target', target='cd1999')\nhelper()",
            "raises-exception",
        ),
        # a line ending in ";" shows nothing, and -o keeps the answer
        cell("%sparql -o quiet SELECT ?t WHERE { ?t a atmp:Therapy };"),
        cell("print(len(quiet))"),
        # newuser19 L5: a mistake in a call the cell makes itself is one line too
        cell("kg.show('cellc')", "raises-exception"),
        cell("[kg.show(x) for x in ['cellc']]", "raises-exception"),  # a frame of its own on 3.11
    ]
    out = run_cells(cells, tmp_path)

    assert out[1].outputs == []
    table = html_of(out[2])
    assert table.startswith("<table><thead><tr><th>deal</th><th>value</th><th>date</th></tr>")
    assert ">deal:bigpharma-cellco-2017</td><td>11,900,000,000</td><td>2017-08-28</td>" in table
    assert table.endswith("<p>4 rows</p>")
    assert stdout_of(out[3]) == (
        "deal:bigpharma-cellco-2017 [11900000000.0, 500000000.0] "
        "['day', 'day', 'day', 'month'] datetime64\n"
    )
    assert ">Alphacel</td>" in html_of(out[4])
    assert stdout_of(out[5]) == "Alphacel 3\n"

    [error] = out[6].outputs
    assert (error["output_type"], error["ename"], error["evalue"]) == (
        "error",
        "QueryTimeoutError",
        STOPPED,
    )
    assert "Traceback" not in "".join(error["traceback"])  # one line, not the library's frames
    assert seconds(out[6]) < 15
    assert html_of(out[7]).startswith("<table><thead><tr><th>n</th></tr></thead><tbody><tr><td>3<")

    [unknown] = out[8].outputs
    assert unknown["ename"] == "UnknownNameError"
    assert (
        unknown["evalue"] == "unknown named query 'no-such-query'. List them with 'atmpkg queries'."
    )

    assert stdout_of(out[9]) == f"stopped: {STOPPED}\n"
    card = html_of(out[10])
    assert card.startswith('<div class="atmpkg-entity"><h3>CellCo</h3>')
    view = html_of(out[11])
    assert view.startswith('<iframe title="ATMP-KG graph view" sandbox="allow-scripts')
    # raised through the cell's own code, a library error keeps the traceback that shows where
    [own] = out[12].outputs
    assert own["ename"] == "UnknownNameError"
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "".join(own["traceback"]))  # without its colours
    assert "helper()" in shown and "Traceback" in shown
    assert (out[13].outputs, stdout_of(out[14])) == ([], "3\n")
    for at in (15, 16):
        [direct] = out[at].outputs
        assert (direct["ename"], direct["evalue"]) == (
            "UnknownNameError",
            "unknown entity 'cellc'; did you mean 'CellCo', 'CellCo Europe'? Give a label, a slug "
            "such as kymriah, or an IRI.",
        ), at
        assert "Traceback" not in "".join(direct["traceback"]), at


def test_a_library_error_is_one_line_in_a_notebook_without_the_extension(fixture_store, tmp_path):
    """joints30 F6: without %load_ext atmpkg, the README's notebook calls (atmpkg.open(), then
    kg.show('Kymria')) showed nine or ten library frames above the message; the library's errors
    say how IPython shows them (_render_traceback_), as the extension does: one line for a call
    the cell makes itself, the whole traceback through a function of the user's and for %tb."""
    cells = [
        cell(f"import atmpkg\nkg = atmpkg.open({str(fixture_store)!r})"),
        cell("kg.show('cellc')", "raises-exception"),
        cell("kg.named('products-by-target', target='cd1999')", "raises-exception"),
        cell("kg.query('SELECT * WHERE { ?s ?p }')", "raises-exception"),
        cell("%tb"),
        cell(
            "def helper():\n    return kg.show('cellc')\nhelper()",
            "raises-exception",
        ),
        # another library's error keeps IPython's traceback
        cell("{}['x']", "raises-exception"),
    ]
    out = run_cells(cells, tmp_path)
    [show] = out[1].outputs
    assert plain(show) == (
        "An exception has occurred, use %tb to see the full traceback.\n\n"
        "UnknownNameError: unknown entity 'cellc'; did you mean 'CellCo', 'CellCo Europe'? Give a "
        "label, a slug such as kymriah, or an IRI.\n"
    )
    [named] = out[2].outputs
    assert named["ename"] == "UnknownNameError"
    assert plain(named).startswith("An exception has occurred, use %tb")
    assert "Traceback" not in plain(named) and "handle.py" not in plain(named)
    [syntax] = out[3].outputs
    assert syntax["ename"] == "QuerySyntaxError" and "Traceback" not in plain(syntax)
    # %tb shows the last one whole, with the library's frames
    [whole] = out[4].outputs
    assert whole["ename"] == "QuerySyntaxError"
    assert "Traceback (most recent call last)" in plain(whole) and "handle.py" in plain(whole)
    [own] = out[5].outputs
    assert "helper()" in plain(own) and "Traceback (most recent call last)" in plain(own)
    [theirs] = out[6].outputs
    assert theirs["ename"] == "KeyError" and "Traceback (most recent call last)" in plain(theirs)


#: newuser32 F1: calls whose library function sits under a decorator of the standard library's
#: (contextlib's, @holding_cycle_collection), each made by the cell itself, and its one line
DECORATED = [
    (
        "kg.export('gexf', 'x.gexf', classes=['atmp:Dael'])",
        "UnknownNameError: unknown class 'atmp:Dael'; did you mean 'atmp:Deal'?",
    ),
    ("kg.export('gexf', 'x.gexf', focus='cellc')", "UnknownNameError: unknown entity 'cellc'"),
    (
        "kg.select(focus='cellc', hops=1).export('gexf', 'x.gexf')",
        "UnknownNameError: unknown entity 'cellc'",
    ),
    ("kg.view(kg.select(focus='cellc'))", "UnknownNameError: unknown entity 'cellc'"),
]


def test_export_and_view_errors_are_one_line_in_a_notebook(fixture_store, tmp_path):
    """The export's and the view's errors, under contextlib's frame of the library's decorator,
    are one line as kg.show's are, without the extension and with it; through a function of the
    user's, the export's keeps its whole traceback."""
    calls = [call for call, _ in DECORATED]
    helper = "def helper():\n    return kg.select(focus='cellc').export('gexf', 'x.gexf')\nhelper()"
    cells = (
        [cell(f"import atmpkg\nkg = atmpkg.open({str(fixture_store)!r})")]
        + [cell(call, "raises-exception") for call in calls]
        + [cell("%load_ext atmpkg")]
        + [cell(call, "raises-exception") for call in calls]
        + [cell(helper, "raises-exception")]
    )
    out = run_cells(cells, tmp_path)
    for at, (call, said) in [*enumerate(DECORATED, 1), *enumerate(DECORATED, 2 + len(calls))]:
        [error] = out[at].outputs
        shown = plain(error)
        assert shown.startswith(
            f"An exception has occurred, use %tb to see the full traceback.\n\n{said}"
        ), (at, call, shown)
        assert "Traceback" not in shown and "contextlib" not in shown, (at, call)
    [own] = out[-1].outputs
    assert own["ename"] == "UnknownNameError"
    assert "helper()" in plain(own) and "Traceback (most recent call last)" in plain(own)
    assert not (tmp_path / "x.gexf").exists()


def frames(*steps: tuple[str, str]) -> list:
    """Codes of a traceback, each a (file, function) pair; 'atmpkg:…' and 'IPython:…' are files
    in those packages' folders."""
    import contextlib
    from pathlib import Path

    import IPython

    import atmpkg

    folders = {"atmpkg": Path(atmpkg.__file__).parent, "IPython": Path(IPython.__file__).parent}
    codes = []
    for where, name in steps:
        package, _, file = where.partition(":")
        path = str(folders[package] / file) if package in folders else where
        path = contextlib.__file__ if where == "contextlib" else path
        body = {"<module>": "pass", "<genexpr>": "(x for x in ())"}.get(name, f"def {name}(): 0")
        code = compile(body, path, "exec")
        codes.append(code if name == "<module>" else code.co_consts[0])
    return codes


CELL = "/tmp/ipykernel_1/4242.py"
#: A file of an installed package (pandas')
PANDAS = str(Path(importlib.util.find_spec("pandas").origin).parent / "core" / "frame.py")


@pytest.mark.parametrize(
    ("steps", "one_line"),
    [
        # kg.export(...): the library's frames, contextlib's between them
        (
            [
                ("IPython:core/interactiveshell.py", "run_code"),
                (CELL, "<module>"),
                ("atmpkg:graph/handle.py", "export"),
                ("contextlib", "inner"),
                ("atmpkg:graph/slice/export.py", "export_of"),
            ],
            True,
        ),
        # raised in the cell itself, and through a comprehension of the cell's the library reads
        ([("IPython:core/interactiveshell.py", "run_code"), (CELL, "<module>")], True),
        (
            [
                (CELL, "<module>"),
                ("atmpkg:graph/handle.py", "select"),
                (CELL, "<genexpr>"),
                ("atmpkg:graph/handle.py", "show"),
            ],
            True,
        ),
        # a function of the user's: in the cell, in a module of theirs, or called back
        ([(CELL, "<module>"), (CELL, "helper"), ("atmpkg:graph/handle.py", "show")], False),
        (
            [(CELL, "<module>"), ("/home/me/mine.py", "helper"), ("atmpkg:graph/handle.py", "show")],
            False,
        ),
        (
            [
                (CELL, "<module>"),
                ("atmpkg:graph/handle.py", "select"),
                (CELL, "key"),
                ("atmpkg:graph/handle.py", "show"),
            ],
            False,
        ),
        # rev32 F10: a function of a module of the user's, or of another cell, called back
        (
            [
                (CELL, "<module>"),
                ("atmpkg:graph/handle.py", "select"),
                ("/home/me/mine.py", "key"),
                ("atmpkg:graph/handle.py", "show"),
            ],
            False,
        ),
        (
            [
                (CELL, "<module>"),
                ("atmpkg:graph/handle.py", "select"),
                ("/tmp/ipykernel_1/1111.py", "key"),
                ("atmpkg:graph/handle.py", "show"),
            ],
            False,
        ),
        # rev32 F9: a module of the user's in the folder that holds the library (an editable
        # install's clone, with notebooks beside the library) is the user's
        (
            [(CELL, "<module>"), ("atmpkg:nb/mine.py", "helper"), ("atmpkg:graph/handle.py", "show")],
            False,
        ),
        # an installed package's frames under the library's are the library's doing
        (
            [
                (CELL, "<module>"),
                ("atmpkg:graph/handle.py", "query"),
                (PANDAS, "__init__"),
                ("atmpkg:graph/engine/frames.py", "to_dataframe"),
            ],
            True,
        ),
        # raised in the library's frames with no cell above them (another program's)
        ([("atmpkg:graph/handle.py", "show")], False),
    ],
)
def test_which_frames_are_the_cells_own(steps, one_line):
    from atmpkg.graph.errors import raised_by_the_cell

    assert raised_by_the_cell(frames(*steps)) is one_line


def test_every_module_of_the_library_is_among_its_files():
    """rev32 F9: the library is its own modules, not the folder holding them (the clone)."""
    import os
    import pkgutil

    import atmpkg
    from atmpkg.graph.errors import library_files

    modules = [
        importlib.util.find_spec(m.name).origin
        for m in pkgutil.walk_packages(atmpkg.__path__, "atmpkg.")
    ]
    modules.append(atmpkg.__file__)
    assert len(modules) > 40
    assert [m for m in modules if not os.path.realpath(m).startswith(library_files())] == []


def readme_notebook() -> list[str]:
    """The cells of the README's notebook example: the untagged block that starts with
    ``%load_ext atmpkg``, one cell per paragraph."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("```\n%load_ext atmpkg\n") + 4
    block = text[start : text.index("```", start)]
    return [part.strip() for part in block.split("\n\n") if part.strip()]


def test_the_readmes_notebook_runs(curated_store, tmp_path):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(curated_store, store, symlinks=True)
    sources = readme_notebook()
    assert sources[0] == "%load_ext atmpkg" and any(s.startswith("%%sparql") for s in sources)
    cells = [cell(f"import os\nos.environ['ATMPKG_STORE'] = {str(store)!r}")]
    notebook = nbformat.v4.new_notebook(cells=cells + [cell(source) for source in sources])
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    for source, executed in zip(sources, notebook.cells[1:], strict=True):
        assert not [o for o in executed.outputs if o["output_type"] == "error"], source
        if source.startswith("%") and source != "%load_ext atmpkg":
            assert html_of(executed).startswith("<table><thead>"), source
    assert html_of(notebook.cells[-1]).startswith(
        "<table><thead><tr><th>n</th></tr></thead><tbody><tr><td>120<"
    )


def test_the_readmes_kernel_command_registers_a_kernel_that_imports_atmpkg(
    fixture_store, tmp_path, monkeypatch
):
    """newuser32 F4: the README's set-up registers the environment as a Jupyter kernel (its
    ``pip install`` left out: the test's environment has ipykernel); a notebook on that kernel,
    chosen by its name, imports atmpkg."""
    import json
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    [line] = [x for x in text.splitlines() if x.startswith("pip install ipykernel && ")]
    command = shlex.split(line.removeprefix("pip install ipykernel && "))
    assert command[:3] == ["python", "-m", "ipykernel"]
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    subprocess.run([sys.executable, *command[1:]], check=True, capture_output=True)
    spec = tmp_path / "data" / "jupyter" / "kernels" / "atmpkg" / "kernel.json"
    assert json.loads(spec.read_text(encoding="utf-8"))["display_name"] == "Python (atmpkg)"
    notebook = nbformat.v4.new_notebook(
        cells=[cell(f"import atmpkg\nprint(atmpkg.open({str(fixture_store)!r}).stats().triples > 0)")]
    )
    nbclient.NotebookClient(notebook, kernel_name="atmpkg", timeout=120).execute()
    assert stdout_of(notebook.cells[0]) == "True\n"


def test_the_extension_keeps_a_handler_another_library_installed_first(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from atmpkg.graph.notebook import load_ipython_extension

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(colors="nocolor")
    theirs = []
    shell.set_custom_exc(
        (KeyError,), lambda shell, etype, value, tb, tb_offset=None: theirs.append(value)
    )
    load_ipython_extension(shell)
    load_ipython_extension(shell)  # loaded twice: installed once
    assert shell.run_cell("%sparql --name approvals-in-perod").success is False
    shown = capsys.readouterr().out
    assert "UnknownNameError: unknown named query 'approvals-in-perod'" in shown
    assert "Traceback" not in shown  # one line, not the magic's traceback
    assert shell.run_cell("{}['x']").success is False
    assert [str(v) for v in theirs] == ["'x'"]
    InteractiveShell.clear_instance()


def test_trios_warning_about_the_handler_installed_first_is_not_shown():
    """trio, imported by the remote stores' HTTP client when it is installed, warns that it skips
    its own handler when it finds the extension's; that warning would land in a researcher's
    cell. It is the text trio 0.22 warns with."""
    import warnings

    from IPython.core.interactiveshell import InteractiveShell

    from atmpkg.graph.notebook import load_ipython_extension

    InteractiveShell.clear_instance()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_ipython_extension(InteractiveShell.instance(colors="nocolor"))
        warnings.warn(
            "IPython detected, but you already have a custom exception handler installed. I'll "
            "skip installing Trio's custom handler, but this means exception groups will not "
            "show full tracebacks.",
            RuntimeWarning,
            stacklevel=1,
        )
        warnings.warn("another warning", RuntimeWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["another warning"]
    InteractiveShell.clear_instance()


def test_a_named_query_with_a_body_says_which_to_drop(fixture_store, monkeypatch):
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    from atmpkg.graph.notebook import SparqlMagics

    monkeypatch.setenv("ATMPKG_STORE", str(fixture_store))
    InteractiveShell.clear_instance()
    magics = SparqlMagics(InteractiveShell.instance(colors="nocolor"))
    with pytest.raises(UsageError, match="^--name runs a named query, which takes no SPARQL: leave"):
        magics.sparql("--name top-indications", "SELECT * {}")
    with pytest.raises(UsageError, match="^--name runs a named query"):
        magics.sparql("--name top-indications", "# the top ones\nSELECT * {}")
    # IPython refuses an empty cell: a blank line or comments are no SPARQL
    for body in ("\n", "# the indications with most products\n"):
        found = magics.sparql("--name top-indications", body)
        assert found.variables[:4] == ["area", "areaName", "indication", "indicationName"]
    InteractiveShell.clear_instance()


def test_a_select_expression_left_out_of_group_by_in_a_cell_is_told_how_to_group_it(
    fixture_store, monkeypatch
):
    """newuser29 F1: %%sparql showed the engine's raw list of tokens."""
    from IPython.core.interactiveshell import InteractiveShell

    from atmpkg.graph.errors import QuerySyntaxError
    from atmpkg.graph.notebook import SparqlMagics

    monkeypatch.setenv("ATMPKG_STORE", str(fixture_store))
    InteractiveShell.clear_instance()
    magics = SparqlMagics(InteractiveShell.instance(colors="nocolor"))
    body = (
        "SELECT (YEAR(?d) AS ?y) (COUNT(*) AS ?n)\nWHERE { ?a a atmp:Approval ; atmp:dateStated "
        "?d }\nGROUP BY (YEAR(?d))\n"
    )
    with pytest.raises(QuerySyntaxError) as caught:
        magics.sparql("", body)
    assert str(caught.value) == (
        "SPARQL syntax error at line 1, column 14: ?d is used in the column (YEAR(?d) AS ?y) but "
        "not grouped: name the expression in GROUP BY: GROUP BY (YEAR(?d) AS ?y), and SELECT ?y"
    )
    InteractiveShell.clear_instance()


#: What the hints say of products-by-target's parameter, before the way to give it.
TARGET = "target is a parameter of the named query products-by-target: give it as"


@pytest.mark.parametrize(
    ("line", "body", "said"),
    [
        ("--name products-by-target target=bcma", None, f"{TARGET} -p target=bcma"),
        (
            "--name products-by-target --target bcma",
            None,
            f"unknown option --target; {TARGET} -p target=bcma",
        ),
        (
            "--target bcma --name products-by-target",
            None,
            f"unknown option --target; {TARGET} -p target=bcma",
        ),
        (
            "--name products-by-target --target",
            None,
            f"unknown option --target; {TARGET} -p target=VALUE",
        ),
        (
            "--name products-by-target --tagret bcma",
            None,
            "unknown option --tagret; did you mean target, a parameter of the named query "
            "products-by-target? Give it as -p target=bcma",
        ),
        (
            '--company "Kite Pharma" --name company-portfolio',
            None,
            "unknown option --company; company is a parameter of the named query "
            "company-portfolio: give it as -p 'company=Kite Pharma'",
        ),
        (
            "--name products-by-target",
            "# the BCMA ones\ntarget=bcma\n",
            f"{TARGET} -p target=bcma on the %%sparql line",
        ),
        # no parameter meant: as before
        (
            "--name products-by-target",
            "SELECT * {}",
            "--name runs a named query, which takes no SPARQL: leave the cell's body blank "
            "(or comments only), or drop --name to run the body",
        ),
        (
            "--name no-such-query --target bcma",
            None,
            "unknown option --target; the options are --name, -p, --param, --endpoint, --graph, "
            "--store, --timeout, --limit, -o, --output",
        ),
        # newuser23 F18: a value with a space left unquoted on a %sparql line, which has no body
        (
            "--name company-portfolio -p company=Kite Pharma",
            None,
            "'Pharma' follows -p company=Kite: a value with spaces goes in quotes: "
            "-p 'company=Kite Pharma'",
        ),
        (
            "--name products-by-target SELECT * {}",
            None,
            "--name runs a named query, which takes no SPARQL: end the line with the options, or "
            "drop --name to run the rest of the line",
        ),
        # joints23 F8: a variable of the cell's query bound on a line of the body
        (
            "-o y2",
            "SELECT ?t ?x WHERE { ?t atmp:target ?x }\nx=target:bcma\n",
            "?x is a variable of the query: to bind it, give it as -p x=target:bcma on the "
            "%%sparql line",
        ),
        (
            "",
            "# param: x target -\nSELECT ?t ?x WHERE { ?t atmp:target ?x }\n\nx=bcma\ny=2\n",
            "x is a parameter of the query text (its param: header): give it as -p x=bcma on the "
            "%%sparql line",
        ),
    ],
)
def test_a_parameter_given_as_an_option_or_without_p_says_how_to_give_it(line, body, said):
    """newuser22 F2: target=bcma was taken for SPARQL, and --target was answered with the
    options; they say what the command line says of them."""
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    from atmpkg.graph.notebook import SparqlMagics

    InteractiveShell.clear_instance()
    magics = SparqlMagics(InteractiveShell.instance(colors="nocolor"))
    with pytest.raises(UsageError) as raised:
        magics.sparql(line, body)
    assert str(raised.value) == said
    InteractiveShell.clear_instance()


def test_an_answer_kept_with_o_does_not_replace_the_knowledge_graph(fixture_store):
    """newuser15 F6: -o kg put a DataFrame where the notebook's handle was."""
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    import atmpkg
    from atmpkg.graph.handle import KnowledgeGraph
    from atmpkg.graph.notebook import SparqlMagics

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(colors="nocolor")
    shell.user_ns["kg"] = atmpkg.open(fixture_store)
    magics = SparqlMagics(shell)
    with pytest.raises(UsageError, match="^-o kg would replace the knowledge graph it holds; choose"):
        magics.sparql(f"--store {fixture_store} -o kg SELECT ?t {{ ?t a atmp:Therapy }}")
    assert isinstance(shell.user_ns["kg"], KnowledgeGraph)
    magics.sparql(f"--store {fixture_store} -o therapies SELECT ?t {{ ?t a atmp:Therapy }}")
    assert len(shell.user_ns["therapies"]) == 3
    InteractiveShell.clear_instance()

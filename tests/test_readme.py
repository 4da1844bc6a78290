"""The README is tested: every ```bash and ```python block in README.md runs here, and where the
README shows output, the test compares it.

How the examples are found (nothing here names one, so a new example is tested as it is written):

- README.md is parsed for fenced blocks. A ```bash block is a list of shell commands: one per line,
  a line ending in ``\\`` continues on the next, full-line ``#`` comments and blank lines are not
  commands. A line ``$ command`` is a command whose output is shown: the lines after it, up to the
  next ``$`` line or the end of the block, are its expected stdout. A ```python block is run
  statement by statement. Other blocks (```sparql, untagged) are not commands; a ```sparql block
  right after a paragraph that names one file ``name.rq`` is that file's content (``bcma.rq``).
- Each test is named after the README line of its example: one test per shell command
  (``README.md:68``) and one per Python block, whose failure names the line of the statement.
  The README's own text shifts the line numbers, so EXEMPT names commands, not lines.

How they run:

- Each block runs once, in a temporary working directory holding the input files the examples name
  (``INPUTS`` below, small valid contents; ``my-data/`` is the fixture graph of tests/data), with
  ``ATMPKG_STORE`` set to a private copy of the curated store (the ``curated_store`` fixture, built
  once per session), and ``HOME`` and ``XDG_DATA_HOME`` in temporary folders.
- A shell block runs in one ``bash`` process, command after command, so that a variable or an
  ``export`` carries over to the next line as it would in a terminal. A failing command does not
  stop the block: each command is judged on its own (exit code 0, and the shown output if any).
- A command ending in ``&`` (a server the example starts in the background) runs in the background
  as written; the next command waits until its port answers. A command that blocks forever
  (``atmpkg serve``, ``oxigraph serve`` in the foreground, Python's ``serve(...)``) is started in the
  background instead, probed (``GET /`` must answer ``200`` for ``atmpkg serve``, anything for
  Oxigraph) and stopped with Ctrl-C (SIGINT), after which it must exit with code 0 (or 130).
- A Python block runs in a fresh interpreter (so it must import what it uses, as a reader who
  copies only that block would), one top-level statement at a time, and stops at the first that
  raises. A Python statement is judged by whether it raises. A trailing comment that starts with a Python
  literal (``# []``, ``# 'http://127.0.0.1:41237'``, ``# {'label': 'Kymriah', ..., 'inn': …}``) is
  the statement's shown value: the literal ends at its closing bracket or quote (prose may follow)
  and is compared with ``repr()`` of the value, ``...`` standing for any text. A comment that is
  not a literal (``# pyoxigraph terms``, ``# (source, target, …)`` naming variables) is prose.

Normalisations, applied to the shown and the actual output alike (``normalise``): the port after
``127.0.0.1:`` or ``localhost:`` (``<port>``), durations such as ``1.9 s`` (``<n> s``) and the
temporary working directory (``.``).

Ports and hosts: no example may take a fixed port on the machine. A port in an example
(``127.0.0.1:7878``, ``--port 8080``, ``port=7878``, ``--bind 127.0.0.1:7879``) is replaced with a
free port when the same block starts that server, and otherwise with the port of the server the
test runs for it (``SESSION_SERVERS``: ``atmpkg serve`` of the curated store for 7878, an empty
Oxigraph server for 7879, Virtuoso for 8890). ``atmpkg serve`` without ``--port`` gets
``--port`` with the free port. The example host ``https://sparql.example.org/sparql`` stands for
the test's Oxigraph server (``EXAMPLE_HOSTS``).

Commands that cannot run in a test are listed in ``EXEMPT`` with their reason; an ``&&`` chain
loses only its exempt parts. Every entry must match a README command.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import find_binary, free_port, stop_process, wait_until_up

import atmpkg

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DATA = ROOT / "graph" / "data"
FIXTURE_DATA = Path(__file__).parent / "data" / "fixture"

#: Shell commands (by how they start) that cannot run in a test, and why.
EXEMPT = {
    "pip install": "would install into the environment the tests run in; CI installs the package "
    "on a fresh machine (.ci/run) and tests/test_packaging.py builds the wheel",
    "python -m pytest": "the test suite itself, which this test is part of",
    "python bench/": "a benchmark at scale (a million triples), run by hand: minutes by design",
    "git worktree add": "makes a checkout of an earlier revision for a benchmark run by hand; "
    "the test copy of the README is no git repository",
}

#: Ports the examples use, and the server the test runs for an example that talks to one without
#: starting it (a fixture of this module, started only when an example needs it).
SESSION_SERVERS = {7878: "atmpkg_server", 7879: "oxigraph_server", 8890: "virtuoso_server"}

#: Example hosts, and the server (fixture) and path that stand for them.
EXAMPLE_HOSTS = {"https://sparql.example.org/sparql": ("oxigraph_server", "/query")}

#: The input files the examples name, with small valid contents.
INPUTS = {
    "my-question.rq": """\
# summary: Products of one company, with their approvals
# param: company company *  The company (slug, label or IRI)
SELECT ?company ?therapy ?date WHERE {
  ?therapy atmp:developedBy ?company ; atmp:approval/atmp:date ?date }
ORDER BY ?date
""",
    "my-construct.rq": "CONSTRUCT WHERE { ?therapy atmp:developedBy company:novartis }\n",
    "my-deals.csv": """\
slug,acquirer,target,deal_type,date,value_usd,upfront_usd,value_original,source,note
my-novartis-kite-pharma-2020,novartis,company/kite-pharma,collaboration,2020-01-15,,,,report-act-cancer-market,An example row of a researcher's own deals
""",
    "my-approvals.csv": """\
therapy,agency,date,indication,sponsor,jurisdiction,pathway,approval_type,indication_text,source,note
kymriah,mfds,2021-03-05,b-cell-acute-lymphoblastic-leukemia,novartis,kr,,initial,An example row of a researcher's own approvals,report-act-cancer-market,
""",
    "hypothetical-sources.csv": """\
slug,title,publisher,issued,url,kind
hypothetical-anito-cel-approval,A hypothetical FDA approval of anito-cel,Example,2026-11-20,https://example.org/anito-cel,trade-press
""",
    "hypothetical-approvals.csv": """\
therapy,agency,date,indication,sponsor,jurisdiction,pathway,approval_type,indication_text,source,note
anitocabtagene-autoleucel,fda,2026-11-20,multiple-myeloma,gilead-sciences,us,standard,initial,An example of an approval the curated reviews have not caught up with,hypothetical-anito-cel-approval,
""",
    "my-trials.ttl": """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix my: <https://example.org/my-trials/> .

my:trial-1 a my:ClinicalTrial ;
    rdfs:label "An example trial of Kymriah" ;
    my:studies <https://w3id.org/atmp-kg/id/therapy/kymriah> .
""",
    "my-notes.ttl": """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .

therapy:kymriah rdfs:comment "A researcher's own note on Kymriah."@en .
""",
    # A stand-in for the million-triple file of the import examples: what they show is that the
    # command takes an N-Triples file; the times at a million triples are bench/'s to measure.
    "trials-1m.nt": "".join(
        f'<https://example.org/my-trials/trial-{n}> <http://www.w3.org/2000/01/rdf-schema#label> "Example trial {n}" .\n'
        for n in range(1, 4)
    ),
}

#: Input folders the examples name, and what they hold.
INPUT_FOLDERS = {"my-data": FIXTURE_DATA}

BLOCK_TIMEOUT = 300  # seconds for one block, servers included
PORT_IN_TEXT = re.compile(
    r"(?:(?<=127\.0\.0\.1:)|(?<=localhost:)|(?<=--port )|(?<=port=))(\d{4,5})\b"
)


# --- reading the README -------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced block of README.md: its tag, the README line of its first line, its lines and the
    paragraph right before it."""

    lang: str
    line: int
    lines: tuple[str, ...]
    before: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass(frozen=True)
class Command:
    """One shell command of a ```bash block, and the output the README shows for it (or None)."""

    block: Block
    line: int
    text: str
    expected: str | None

    @property
    def bare(self) -> str:
        """The command without its trailing comment."""
        return re.sub(r"(^|\s)#.*$", "", self.text).rstrip()

    @property
    def background(self) -> bool:
        return self.bare.endswith("&") and not self.bare.endswith("&&")

    @property
    def blocking(self) -> bool:
        """A server in the foreground, which never ends by itself."""
        return bool(re.match(r"(atmpkg|oxigraph) serve\b", self.text)) and not self.background


def read_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks, index = [], 0
    while index < len(lines):
        opening = re.fullmatch(r"```(\S*)\s*", lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        back = index - 1
        while back >= 0 and not lines[back].strip():
            back -= 1
        paragraph = []
        while back >= 0 and lines[back].strip() and not lines[back].startswith("```"):
            paragraph.insert(0, lines[back])
            back -= 1
        blocks.append(
            Block(opening.group(1), index + 2, tuple(lines[index + 1 : end]), "\n".join(paragraph))
        )
        index = end + 1
    return blocks


def shell_commands(block: Block) -> list[Command]:
    commands, lines, index = [], block.lines, 0
    while index < len(lines):
        raw, line = lines[index], block.line + index
        if not raw.strip() or raw.lstrip().startswith("#"):
            index += 1
            continue
        prompt = raw.startswith("$ ")
        parts = [raw[2:] if prompt else raw]
        while parts[-1].rstrip().endswith("\\") and index + 1 < len(lines):
            index += 1
            parts.append(lines[index])
        index += 1
        expected = None
        if prompt:
            shown = []
            while index < len(lines) and not lines[index].startswith("$ "):
                shown.append(lines[index])
                index += 1
            expected = "".join(f"{text}\n" for text in shown)
        commands.append(Command(block, line, "\n".join(parts), expected))
    return commands


def without_exempt(command: Command) -> Command | None:
    """The command without its exempt parts (None if nothing is left)."""
    parts = [part.strip() for part in command.text.split(" && ")]
    kept = [part for part in parts if not any(part.startswith(key) for key in EXEMPT)]
    if not kept:
        return None
    if len(kept) == len(parts):
        return command
    return Command(command.block, command.line, " && ".join(kept), command.expected)


def input_files(blocks: list[Block]) -> dict[str, str]:
    """INPUTS, plus each ```sparql block that the paragraph before it names as a .rq file."""
    files = dict(INPUTS)
    for block in blocks:
        names = re.findall(r"`([\w-][\w.-]*\.rq)`", block.before)
        if block.lang == "sparql" and len(set(names)) == 1:
            files[names[0]] = block.text
    return files


BLOCKS = read_blocks(README.read_text(encoding="utf-8"))
ALL_COMMANDS = [c for b in BLOCKS if b.lang == "bash" for c in shell_commands(b)]
COMMANDS = [kept for c in ALL_COMMANDS if (kept := without_exempt(c))]
PYTHON_BLOCKS = [b for b in BLOCKS if b.lang == "python"]


# --- output -------------------------------------------------------------------------------------


def normalise(text: str, work: Path | None = None) -> str:
    if work is not None:
        text = text.replace(str(work), ".")
    text = re.sub(r"(127\.0\.0\.1|localhost):\d+", r"\1:<port>", text)
    return re.sub(r"\b\d+(\.\d+)? s\b", "<n> s", text)


def shown_literal(comment: str) -> str | None:
    """The Python literal a trailing comment starts with (its shown value), or None for prose."""
    text = comment.lstrip("#").strip()
    if not text:
        return None
    if text[0] in "[{(":
        closing, depth, quote, end = {"[": "]", "{": "}", "(": ")"}, 0, None, None
        for position, char in enumerate(text):
            if quote:
                quote = None if char == quote and text[position - 1] != "\\" else quote
            elif char in "'\"":
                quote = char
            elif char in closing:
                depth += 1
            elif char in closing.values():
                depth -= 1
                if depth == 0:
                    end = position + 1
                    break
        literal = text[:end] if end else None
    elif text[0] in "'\"":
        end = text.find(text[0], 1)
        literal = text[: end + 1] if end > 0 else None
    else:
        found = re.match(r"(-?\d[\d_.eE+-]*|True|False|None)\b", text)
        literal = found.group(1) if found else None
    if literal is None:
        return None
    checkable = re.sub(r"\.\.\.\s*,\s*|,\s*\.\.\.(?=\s*[\]})])", "", literal).replace("...", "None")
    try:
        ast.literal_eval(checkable)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return literal


def matches(shown: str, actual: str) -> bool:
    pattern = re.escape(normalise(shown)).replace(re.escape("..."), ".*")
    return re.fullmatch(pattern, normalise(actual), re.DOTALL) is not None


def trailing_comments(source: str) -> dict[int, str]:
    """Line (within the source) -> the comment that ends a line of code."""
    comments, code_lines = {}, set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            if token.start[0] in code_lines:
                comments[token.start[0]] = token.string
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            code_lines.add(token.start[0])
    return comments


# --- servers ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def atmpkg_server(tmp_path_factory, curated_store):
    """``atmpkg serve`` of the curated store; yields its port."""
    folder, port = tmp_path_factory.mktemp("readme-atmpkg-serve"), free_port()
    log = folder / "server.log"
    command = [find_binary(("atmpkg",), "pip install -e ."), "serve", "--port", str(port)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*command, "--store", str(curated_store)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/sparql", process, log, 60)
        yield port
    finally:
        stop_process(process, signal.SIGINT)


@pytest.fixture(scope="session")
def oxigraph_server(sparql_servers):
    """An empty Oxigraph server; yields its port."""
    return int(sparql_servers.oxigraph().rsplit(":", 1)[1])


@pytest.fixture(scope="session")
def virtuoso_server(sparql_servers):
    """Debian's Virtuoso, empty, with SPARQL updates granted as the README says push needs."""
    return int(sparql_servers.virtuoso().rsplit(":", 1)[1])


# --- running the blocks -------------------------------------------------------------------------


def code_of(block: Block) -> str:
    """The code the block runs: its commands without comments (shown output and exempt commands
    left out), or its Python source without comments."""
    if block.lang == "bash":
        return "\n".join(c.bare for c in COMMANDS if c.block == block)
    tokens = tokenize.generate_tokens(io.StringIO(block.text).readline)
    return tokenize.untokenize(t[:2] for t in tokens if t.type != tokenize.COMMENT)


def served_ports(block: Block) -> set[int]:
    """The ports on which the block itself starts a server."""
    ports = set()
    if block.lang == "bash":
        for command in COMMANDS:
            if command.block == block and re.match(r"(atmpkg|oxigraph) serve\b", command.text):
                found = PORT_IN_TEXT.search(command.bare)
                ports.add(int(found.group(1)) if found else 7878)
    else:
        for found in re.finditer(r"^serve\(.*?\bport=(\d+)", block.text, re.MULTILINE):
            ports.add(int(found.group(1)))
    return ports


def substitutions(block: Block, request) -> tuple[dict[int, int], dict[str, str]]:
    """Each port of the block -> the port the test uses, and each example host -> its stand-in."""
    served = served_ports(block)
    ports = {port: free_port() for port in served}
    for found in PORT_IN_TEXT.finditer(code_of(block)):
        port = int(found.group(1))
        if port in ports:
            continue
        if port in SESSION_SERVERS:
            ports[port] = request.getfixturevalue(SESSION_SERVERS[port])
        else:
            pytest.fail(
                f"README.md:{block.line}: the block uses port {port}, which neither the block "
                "nor the test serves (see SESSION_SERVERS in tests/test_readme.py)"
            )
    hosts = {}
    for host, (fixture, path) in EXAMPLE_HOSTS.items():
        if host in code_of(block):
            hosts[host] = f"http://127.0.0.1:{request.getfixturevalue(fixture)}{path}"
    return ports, hosts


def substitute(text: str, ports: dict[int, int], hosts: dict[str, str]) -> str:
    text = PORT_IN_TEXT.sub(lambda found: str(ports.get(int(found.group(1)), found.group(1))), text)
    for host, stand_in in hosts.items():
        text = text.replace(host, stand_in)
    return text


def prepare(block: Block, tmp_path_factory, curated_store) -> tuple[Path, dict]:
    """A working directory with the input files, and the environment of the block."""
    base = tmp_path_factory.mktemp(f"readme-line{block.line}-")
    work, home = base / "work", base / "home"
    work.mkdir()
    home.mkdir()
    for name, content in input_files(BLOCKS).items():
        (work / name).write_text(content, encoding="utf-8")
    for name, source in INPUT_FOLDERS.items():
        shutil.copytree(source, work / name)
    store = base / "store"
    shutil.copytree(curated_store, store, symlinks=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ATMPKG_", "PYTEST_", "COV_"))
    }
    env.update(
        ATMPKG_STORE=str(store),
        HOME=str(home),
        XDG_DATA_HOME=str(base / "xdg"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return work, env


def kill_jobs(jobs: Path) -> None:
    """End the background servers a block started (each its own process group)."""
    if jobs.exists():
        for pid in jobs.read_text().split():
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


#: A helper the shell blocks call: ``up PORT`` waits until something answers HTTP on the port
#: (at most 60 s) and prints the status of ``GET /`` (0: nothing answered).
PROBE = """\
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 60
status = 0
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        time.sleep(0.1)
        continue
    break
print(status)
"""


@dataclass
class Outcome:
    rc: int | None
    stdout: str
    stderr: str
    probe: int | None
    ms: int | None


def shell_script(commands: list[tuple[int, Command]], ports: dict[int, int], hosts, results: Path):
    lines = [
        "set -m  # job control: a background server gets its own process group and keeps SIGINT",
        f"R={results}",
        f'__up() {{ "{sys.executable}" "$R/probe.py" "$1"; }}',
        '__stop() { for p in $(cat "$R/jobs" 2>/dev/null); do kill -TERM -- -$p 2>/dev/null; done; wait; }',
        "trap __stop EXIT",
    ]
    for number, command in commands:
        text = command.text
        if command.blocking and text.startswith("atmpkg serve") and "--port" not in command.bare:
            text = text.replace("atmpkg serve", "atmpkg serve --port 7878", 1)
        text = substitute(text, ports, hosts)
        found = PORT_IN_TEXT.search(re.sub(r"(^|\s)#.*$", "", text))
        port = found.group(1) if found else ""
        out = f'>"$R/{number}.out" 2>"$R/{number}.err" </dev/null'
        lines += [f"# README.md:{command.line}", "__t0=$(date +%s%N)"]
        if command.blocking:
            lines += [
                f"{{\n{text}\n}} {out} &",
                '__pid=$!; echo $__pid >>"$R/jobs"',
                f'__up {port} >"$R/{number}.probe"',
                "kill -INT -- -$__pid 2>/dev/null  # Ctrl-C",
                f'wait $__pid; echo $? >"$R/{number}.rc"',
            ]
        elif command.background:
            lines += [
                f"{{\n{text}\n}} {out}",
                'echo $! >>"$R/jobs"',
                f'__up {port} >"$R/{number}.probe"',
                f'echo 0 >"$R/{number}.rc"',
            ]
        else:
            lines += [f"{{\n{text}\n}} {out}", f'echo $? >"$R/{number}.rc"']
        lines.append(f'echo $(( ($(date +%s%N) - __t0) / 1000000 )) >"$R/{number}.ms"')
    return "\n".join(lines) + "\n"


_SHELL_RUNS: dict[int, tuple[Path, dict[int, Outcome]]] = {}
_PYTHON_RUNS: dict[int, tuple[Path, list[dict], str]] = {}


def workspace(block: Block, request, tmp_path_factory, curated_store):
    """What running ``block`` needs: its port and host substitutions, a working folder with the
    input files, the environment, and an empty folder for the results."""
    ports, hosts = substitutions(block, request)
    work, env = prepare(block, tmp_path_factory, curated_store)
    results = work.parent / "results"
    results.mkdir()
    return ports, hosts, work, env, results


def run_shell_block(block: Block, request, tmp_path_factory, curated_store):
    if block.line in _SHELL_RUNS:
        return _SHELL_RUNS[block.line]
    ports, hosts, work, env, results = workspace(block, request, tmp_path_factory, curated_store)
    (results / "probe.py").write_text(PROBE)
    commands = list(enumerate(c for c in COMMANDS if c.block == block))
    script = shell_script(commands, ports, hosts, results)
    (results / "script.sh").write_text(script)
    try:
        subprocess.run(
            ["bash", str(results / "script.sh")],
            cwd=work,
            env=env,
            timeout=BLOCK_TIMEOUT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
    except subprocess.TimeoutExpired:
        pass  # the commands that did not finish have no exit code, and fail
    finally:
        kill_jobs(results / "jobs")

    def read(number: int, suffix: str) -> str | None:
        path = results / f"{number}.{suffix}"
        return path.read_text(errors="replace") if path.exists() else None

    outcomes = {}
    for number, command in commands:
        rc, probe = read(number, "rc"), read(number, "probe")
        outcomes[command.line] = Outcome(
            int(rc) if rc and rc.strip() else None,
            read(number, "out") or "",
            read(number, "err") or "",
            int(probe) if probe and probe.strip() else None,
            int(ms) if (ms := read(number, "ms")) and ms.strip() else None,
        )
    _SHELL_RUNS[block.line] = (work, outcomes)
    return _SHELL_RUNS[block.line]


#: Runs a Python block statement by statement (argv: the block's file, the results file) and
#: writes, for each statement run, its line, and ``repr`` of its value or the error it raised.
#: A call ``serve(...)`` blocks forever: it runs in a child process, is probed and stopped.
RUNNER = r"""
import ast, json, signal, subprocess, sys, time, traceback, urllib.error, urllib.request


def probe(port, child):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.1)
    return None


def run_server(statement, imports, source):
    port = next(k.value.value for k in statement.value.keywords if k.arg == "port")
    code = "\n".join(imports) + "\nif __name__ == '__main__':\n    "
    code += ast.get_source_segment(source, statement)
    child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    try:
        status = probe(port, child)
        child.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if status != 200 or child.returncode not in (0, 130):
        raise RuntimeError(
            f"serve(port={port}): GET / answered {status}, and Ctrl-C ended it with code "
            f"{child.returncode}\n{err.decode(errors='replace')[-3000:]}"
        )
    return f"<served on {port}, stopped by Ctrl-C>"


def main(path, results_path):
    source = open(path, encoding="utf-8").read()
    namespace = {"__name__": "__readme__"}
    imports, results = [], []
    for statement in ast.parse(source).body:
        entry = {"line": statement.lineno, "end": statement.end_lineno}
        results.append(entry)
        try:
            call = getattr(statement, "value", None)
            if isinstance(statement, ast.Expr) and isinstance(call, ast.Call) and getattr(call.func, "id", None) == "serve":
                entry["repr"] = run_server(statement, imports, source)
            elif isinstance(statement, ast.Expr):
                value = eval(compile(ast.Expression(statement.value), path, "eval"), namespace)
                entry["repr"] = repr(value)[:20000]
            else:
                exec(compile(ast.Module([statement], []), path, "exec"), namespace)
                if isinstance(statement, (ast.Import, ast.ImportFrom)):
                    imports.append(ast.get_source_segment(source, statement))
        except BaseException:
            entry["error"] = traceback.format_exc()
        with open(results_path, "w", encoding="utf-8") as out:
            json.dump(results, out)
        if "error" in entry:
            break


if __name__ == "__main__":
    main(*sys.argv[1:])
"""


def run_python_block(block: Block, request, tmp_path_factory, curated_store):
    if block.line in _PYTHON_RUNS:
        return _PYTHON_RUNS[block.line]
    ports, hosts, work, env, results = workspace(block, request, tmp_path_factory, curated_store)
    (results / "runner.py").write_text(RUNNER)
    source = results / f"README.md-line-{block.line}.py"
    source.write_text(substitute(block.text, ports, hosts), encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, str(results / "runner.py"), str(source), str(results / "out.json")],
            cwd=work,
            env=env,
            timeout=BLOCK_TIMEOUT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        output = f"the block did not finish within {BLOCK_TIMEOUT} s\n{expired.stderr or ''}"
    found = results / "out.json"
    statements = json.loads(found.read_text()) if found.exists() else []
    _PYTHON_RUNS[block.line] = (work, statements, output)
    return _PYTHON_RUNS[block.line]


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [pytest.param(c, id=f"README.md:{c.line}") for c in COMMANDS])
def test_shell_example(command, request, tmp_path_factory, curated_store):
    program = command.text.split()[0]
    if program == "curl" and shutil.which("curl") is None:
        pytest.skip("needs curl: apt-get install curl")
    work, outcomes = run_shell_block(command.block, request, tmp_path_factory, curated_store)
    outcome = outcomes[command.line]
    where = f"README.md:{command.line}: {command.text}"
    details = f" (after {outcome.ms} ms)\n--- stdout\n{outcome.stdout[-3000:]}\n--- stderr\n{outcome.stderr[-3000:]}"
    if command.blocking:
        wanted = 200 if command.text.startswith("atmpkg") else None
        assert outcome.probe and (wanted is None or outcome.probe == wanted), (
            f"{where}\nthe server did not answer GET / (status {outcome.probe}){details}"
        )
        assert outcome.rc in (0, 130), f"{where}\nCtrl-C ended it with code {outcome.rc}{details}"
        return
    if command.background:
        assert outcome.probe, f"{where}\nthe server it starts never answered{details}"
        return
    assert outcome.rc is not None, f"{where}\ndid not finish within {BLOCK_TIMEOUT} s{details}"
    assert outcome.rc == 0, f"{where}\nexited with code {outcome.rc}{details}"
    if command.expected is not None:
        shown, actual = normalise(command.expected, work), normalise(outcome.stdout, work)
        assert actual == shown, f"{where}\nthe output differs from the README's" + "".join(
            f"\n  README: {a!r}\n  actual: {b!r}"
            for a, b in zip(
                shown.splitlines() + [""] * 99, actual.splitlines() + [""] * 99, strict=False
            )
            if a != b
        )


@pytest.mark.parametrize(
    "block", [pytest.param(b, id=f"README.md:{b.line}") for b in PYTHON_BLOCKS]
)
def test_python_example(block, request, tmp_path_factory, curated_store):
    try:
        tree = ast.parse(block.text)
    except SyntaxError as error:
        pytest.fail(f"README.md:{block.line + (error.lineno or 1) - 1}: {error.msg}")
    work, statements, output = run_python_block(block, request, tmp_path_factory, curated_store)
    assert statements, f"README.md:{block.line}: the block did not run\n{output[-5000:]}"
    comments = trailing_comments(block.text)
    for entry in statements:
        line = block.line + entry["line"] - 1
        where = f"README.md:{line}: {block.lines[entry['line'] - 1].strip()}"
        assert "error" not in entry, f"{where}\n{entry['error'][-5000:]}\n{output[-3000:]}"
        shown = shown_literal(comments.get(entry["end"], ""))
        if shown is not None:
            assert "repr" in entry, f"{where}\nthe comment shows a value, but it is a statement"
            actual = normalise(entry["repr"], work)
            assert matches(shown, actual), f"{where}\n  README: {shown}\n  actual: {actual[:2000]}"
    assert len(statements) == len(tree.body), f"README.md:{block.line}: stopped early\n{output}"


def test_the_exemptions_name_readme_commands():
    """A stale entry would hide nothing and mislead: each must match a command of the README."""
    texts = [part.strip() for c in ALL_COMMANDS for part in c.text.split(" && ")]
    for start in EXEMPT:
        assert any(text.startswith(start) for text in texts), f"no README command starts {start!r}"


def test_every_fenced_block_is_collected():
    """Shell and Python examples must be tagged ```bash and ```python to be run here."""
    for block in BLOCKS:
        assert block.lang in {"bash", "python", "sparql", ""}, (
            f"README.md:{block.line - 1}: a ```{block.lang} block is not run by this test; tag "
            "shell examples ```bash and Python ```python"
        )
    assert COMMANDS and PYTHON_BLOCKS


def test_the_counts_in_the_opening_paragraph_are_the_curated_graphs(curated_store):
    text = " ".join(README.read_text(encoding="utf-8").split())
    classes = atmpkg.open(curated_store).stats().classes
    n = {name.removeprefix("atmp:"): f"{count:,}" for name, count in classes.items()}
    said = (
        f"What is in it today (`atmpkg stats`): {n['Therapy']} therapies, {n['Approval']} "
        f"approvals by {n['RegulatoryAgency']} agencies"
    )
    assert said in text
    for phrase in (
        f"{n['RegulatoryReview']} regulatory reviews",
        f"{n['Company']} companies with their ownership chains, {n['Deal']} deals, "
        f"{n['MarketEstimate']} market estimates, {n['MarketFactor']} market drivers and "
        f"restraints, {n['Claim']} claims (supported, contradicted, unverified) and {n['Source']} "
        "sources, each with its URL",
    ):
        assert phrase in text


def test_the_approval_examples_count_approvals_and_no_lifecycle_event(curated_store):
    # Lifecycle events have a product, an agency and a date too: an example that does not name
    # the class counts them as approvals.
    text = README.read_text(encoding="utf-8")
    kg = atmpkg.open(curated_store)
    fda = re.search(r"atmpkg query '(SELECT \?t \?date WHERE \{[^']*agency:fda[^']*)'", text)
    with open(DATA / "approvals.csv", encoding="utf-8") as rows:
        fda_approvals = sum(1 for row in csv.DictReader(rows) if row["agency"] == "fda")
    assert len(kg.query(fda.group(1)).rows) == fda_approvals == 69
    cell = re.search(r"%%sparql -o approvals\n(.*?)\n\n", text, re.S).group(1)
    frame = kg.query(cell).df
    per_year = frame.groupby(frame["date"].dt.year).size()
    assert (per_year[2023], per_year[2024]) == (29, 35)


def test_the_drawn_select_example_draws_what_the_readme_says(curated_store, tmp_path):
    text = README.read_text(encoding="utf-8")
    said = re.search(r"`bcma\.rq`, .*?\n\((\d+) nodes, (\d+) links on the curated graph\):", text)
    query = re.search(r"```sparql\n(SELECT \?therapy \?company \?approval WHERE .*?)```", text, re.S)
    (tmp_path / "bcma.rq").write_text(query.group(1), encoding="utf-8")
    drawn = atmpkg.open(curated_store).view(file=tmp_path / "bcma.rq", output=tmp_path / "b.html")
    assert (drawn.nodes, drawn.edges) == (int(said.group(1)), int(said.group(2))) == (33, 45)


def test_the_whole_graph_view_counts_are_the_readmes(curated_store):
    """newuser13 F6, newuser15 F3: the counts of the view entity by entity drifted with the data."""
    import atmpkg

    said = re.search(r"`--entities`: ([\d,]+) nodes, ([\d,]+) links", README.read_text())
    view = atmpkg.open(curated_store).view(overview=False)
    assert said and (view.nodes, view.edges) == tuple(int(n.replace(",", "")) for n in said.groups())


def test_the_pathway_view_count_is_the_readmes(curated_store):
    """joints19 J19-4: the count of approvals-by-pathway's view drifted with the data."""
    said = re.search(r"between its agency and its pathway \((\d+) nodes\)", README.read_text())
    view = atmpkg.open(curated_store).view(name="approvals-by-pathway")
    assert said and view.nodes == int(said.group(1))


def test_the_events_among_a_years_dated_things_are_the_readmes(curated_store):
    """newuser28 F7: "3 of the 31 things ... in 2023" drifted from the data (32)."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(
        r"\((\d+) of the (\d+) things with a product, an agency and a date in (\d{4}) are events\)",
        text,
    )
    rows = atmpkg.open(curated_store).query(
        "SELECT ?c (COUNT(?a) AS ?n) WHERE { ?a atmp:product ?p ; atmp:agency ?ag ; atmp:date ?d ;"
        f" a ?c FILTER(YEAR(?d) = {said.group(3)}) }} GROUP BY ?c"
    ).rows
    counted = {row[0].value.rsplit("#", 1)[-1]: int(row[1].value) for row in rows}
    assert (counted["LifecycleEvent"], sum(counted.values())) == (
        int(said.group(1)),
        int(said.group(2)),
    ) == (3, 32)

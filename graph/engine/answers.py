"""What a confined process sends back, as JSON: an answer's terms, rows and triples, or an error's
class, arguments and attributes.

A pickle names the functions its reader calls and the objects it shares, so that a few bytes can
make the reader build without bound or run what the writer chose; a JSON text holds each value it
carries, and nothing else, so reading one costs what it holds. The confined query process writes
its answers with :func:`dump_answer` and its caller reads them with :func:`load_answer`; only the
library's errors and Python's own are made again, without running their ``__init__``.

A SELECT answer the engine wrote (:class:`~atmpkg.graph.engine.evaluate.WrittenSolutions`)
follows its line of JSON as the engine wrote it, SPARQL's tab-separated results, and is read back
a stride at a time, the deadline looked at before each: each distinct cell's text read once by the
engine's own strict parser (which refuses a triple term nested past its limit, where its readers
of N-Triples and JSON results run past their stack and end the process), each row made from its
line, no line longer than :data:`~atmpkg.graph.engine.evaluate.LONGEST_LINE` (the parser's time
grows with the square of a line), no more rows than the answer's limit, and no more than the
memory cap holds at what each costs the caller (:func:`row_bytes`), a
:class:`~atmpkg.graph.errors.QueryMemoryError` past it.

>>> import pyoxigraph as ox
>>> answer = QueryResult("SELECT", ["x"], [(ox.Literal("a", language="en"),), (None,)])
>>> load_answer(b"".join(dump_answer("ok", answer))) == ("ok", answer)
True
"""

from __future__ import annotations

import builtins
import functools
import itertools
import json
import time

import pyoxigraph as ox

from .. import errors
from ..errors import QueryMemoryError, StoreError
from .evaluate import LONGEST_LINE, QueryResult, Term, WrittenSolutions

#: How many terms, rows or triples are made between two looks at the caller's deadline.
_STRIDE = 4096

#: How many bytes of a written SELECT answer's rows are read between two looks at the deadline
#: (and the line the stride ends in): 64 KiB of rows one byte each makes 65,536 of them in a few
#: hundredths of a second.
_STRIDE_BYTES = 1 << 16

#: The longest line of JSON that may come before the rows the engine wrote: it names the
#: variables of a line no longer than :data:`LONGEST_LINE` (each with its quotes and a comma
#: where that line has "?" and a tab or line break, so at most half as long again), read before
#: the deadline can be looked at (20,000,000 variables, 160 MB, had taken 15 s, rev28tsv F3).
_LONGEST_HEAD = 2 * LONGEST_LINE


def row_bytes(width: int) -> int:
    """What a row of ``width`` cells costs the caller that makes it, counted against the memory
    cap before any is made: its tuple (40 bytes and 8 a cell, in blocks of 16) and its slot in the
    list of rows (8, and an eighth more as the list grows); 4,000,000 rows of 1, 2, 3, 4 and 8
    cells grew the caller by 60, 77, 73, 89 and 121 bytes a row. A row of a written answer may
    take a byte (a line break) where it took seven as JSON, and 20,000,000 rows of one short
    value had taken their caller to 1.2 GB past a cap of 2 GiB counted so (rev28tsv F2).

    >>> row_bytes(1), row_bytes(10)
    (64, 136)
    """
    return 56 + 8 * width


#: What a triple of an answer may copy of its terms' text, per byte of the answer: a triple names
#: its terms by number, and the engine copies each term into it (an honest answer's triples copy
#: a few dozen times what they take; a triple naming one long text thousands of times, far more).
TRIPLE_TEXT_PER_BYTE = 64


class UnreadableAnswerError(StoreError):
    """What a confined process sent back is no answer: bytes that are no JSON of one, a class no
    answer holds, no status. The process was stopped."""

    def __init__(self, reason: str):
        super().__init__(
            f"the query process sent back something that is no answer ({reason}); it was stopped"
        )


def dump_answer(
    status: str, payload: QueryResult | WrittenSolutions | BaseException | None
) -> list[bytes]:
    """The bytes of an answer (``status`` "ok" with a :class:`QueryResult`, the rows the engine
    wrote or None) or of an error (``status`` "error" with the exception), as the pieces to send
    one after another: a line of JSON, then the engine's own writes of a SELECT answer's rows as
    they are (joined, or the line put before them, the answer was held two and three times over
    in the process whose memory cap it counts against, rev28tsv F1).

    >>> load_answer(b"".join(dump_answer("error", ValueError("no such term"))))
    ('error', ValueError('no such term'))
    >>> dump_answer("ok", WrittenSolutions(["x"], [b'?x\\n"a"\\n']))
    [b'{"status":"ok","solutions":{"variables":["x"],"truncated":false,"limit":null}}\\n', b'?x\\n"a"\\n']
    """
    rows: list[bytes] = []
    if status == "error":
        body = {"status": "error", "error": _error(payload)}
    elif isinstance(payload, WrittenSolutions):
        solutions = {"variables": payload.variables, "truncated": payload.truncated}
        body = {"status": "ok", "solutions": {**solutions, "limit": payload.limit}}
        rows = payload.chunks
    else:
        body = {"status": "ok", "result": None if payload is None else _result(payload)}
    # json.dumps escapes a text's line breaks: the first line break ends the JSON
    head = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return [head + b"\n", *rows] if rows else [head]


def load_answer(
    data: bytes, deadline: float | None = None, cap: int | None = None
) -> tuple[str, QueryResult | BaseException | None]:
    """The answer :func:`dump_answer` wrote as ``data``, or :class:`UnreadableAnswerError`; or
    :class:`TimeoutError` once ``deadline`` (a ``time.monotonic()`` reading) has passed, since
    making a large answer's terms and rows is part of the query's time (3 million empty rows in
    9 MB took 3.8 s, rev2_16 F4). ``cap``: the memory cap of the process that sent it, which
    bounds the rows a written SELECT answer may make (:func:`row_bytes` each): past it,
    :class:`~atmpkg.graph.errors.QueryMemoryError`, as an honest answer may be that large.

    >>> load_answer(b'{"status": "error", "error": {"class": ["posix", "system"], "args": []}}')
    Traceback (most recent call last):
    atmpkg.graph.engine.answers.UnreadableAnswerError: the query process sent back something that is no answer (posix.system is no error an answer holds); it was stopped
    """
    try:
        end = data.find(b"\n")
        if end > _LONGEST_HEAD:
            raise ValueError(f"a line of JSON before rows longer than {_LONGEST_HEAD:,} bytes")
        body = json.loads(data if end < 0 else data[:end])
        if end >= 0:  # rows the engine wrote, which only a SELECT answer is followed by
            if body["status"] != "ok":
                raise ValueError("rows after an answer that holds none")
            return "ok", _made_solutions(body["solutions"], data, end + 1, deadline, cap)
        if body["status"] == "error":
            return "error", _made_error(body["error"])
        if body["status"] == "ok":
            result = body["result"]
            return "ok", None if result is None else _made_result(result, len(data), deadline)
        raise ValueError("no status")
    except (UnreadableAnswerError, TimeoutError, QueryMemoryError):
        raise
    except Exception as exc:  # any bytes may come: each way they fail to read is this one error
        raise UnreadableAnswerError(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _term(term: Term) -> list:
    if isinstance(term, ox.NamedNode):
        return ["I", term.value]
    if isinstance(term, ox.BlankNode):
        return ["B", term.value]
    if isinstance(term, ox.Literal):
        direction = term.direction.value if term.direction else None
        return ["L", term.value, term.datatype.value, term.language, direction]
    return ["T", _term(term.subject), _term(term.predicate), _term(term.object)]


def _made_term(written: list) -> Term:
    kind = written[0]
    if kind == "I":
        return ox.NamedNode(_text(written[1]))
    if kind == "B":
        return ox.BlankNode(_text(written[1]))
    if kind == "L":
        value, datatype, language, direction = written[1:]
        if language is None:
            return ox.Literal(_text(value), datatype=ox.NamedNode(_text(datatype)))
        way = {None: None, "ltr": ox.BaseDirection.LTR, "rtl": ox.BaseDirection.RTL}[direction]
        return ox.Literal(_text(value), language=_text(language), direction=way)
    if kind == "T":
        return ox.Triple(*(_made_term(part) for part in written[1:]))
    raise ValueError(f"no term of kind {kind!r}")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a term's text that is no text")
    return value


def _result(result: QueryResult) -> dict:
    numbers: dict[Term, int] = {}
    rows = [
        [None if t is None else numbers.setdefault(t, len(numbers)) for t in row]
        for row in result.rows
    ]
    triples = [[numbers.setdefault(t, len(numbers)) for t in triple] for triple in result.triples]
    return {
        "form": result.form,
        "variables": result.variables,
        "boolean": result.boolean,
        "truncated": result.truncated,
        "limit": result.limit,
        "terms": [_term(t) for t in numbers],
        "rows": rows,
        "triples": triples,
    }


def _made_result(body: dict, size: int, deadline: float | None) -> QueryResult:
    """The answer ``body`` describes, each term made once from its own text; ``size`` (the bytes
    read) bounds what its triples may copy, and ``deadline`` the time it takes."""
    variables = body["variables"]
    if not (isinstance(variables, list) and all(isinstance(v, str) for v in variables)):
        raise ValueError("variables that are no names")
    _printable(variables)
    if body["form"] not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE"):
        raise ValueError("no form of query")
    terms = [_made_term(written) for written in _in_time(body["terms"], deadline)]
    width, rows = len(variables), []
    for row in _in_time(body["rows"], deadline):
        if len(row) != width:
            raise ValueError("a row wider or narrower than its variables")
        rows.append(tuple(None if n is None else terms[_index(n, terms)] for n in row))
    # only the terms of triples: a SELECT answer's rows name its terms, and copy none
    copied = [len(_term_text(t)) for t in terms] if body["triples"] else []
    budget, triples = TRIPLE_TEXT_PER_BYTE * size, []
    for triple in _in_time(body["triples"], deadline):
        s, p, o = (_index(n, terms) for n in triple)
        budget -= copied[s] + copied[p] + copied[o]
        if budget < 0:
            raise ValueError("triples that copy more than the answer holds")
        triples.append(ox.Triple(terms[s], terms[p], terms[o]))
    if body["boolean"] not in (None, True, False) or body["truncated"] not in (True, False):
        raise ValueError("a truth value that is none")
    limit = body["limit"]
    if not (limit is None or (type(limit) is int and limit > 0)):
        raise ValueError("a limit that is no whole number")
    return QueryResult(
        body["form"],
        variables,
        rows,
        boolean=body["boolean"],
        triples=triples,
        truncated=body["truncated"],
        limit=limit,
    )


def _made_solutions(
    body: dict, data: bytes, start: int, deadline: float | None, cap: int | None
) -> QueryResult:
    """The SELECT answer whose variables, cap and cut ``body`` gives and whose rows the engine
    wrote into ``data`` from ``start`` on, read a stride at a time (:data:`_STRIDE_BYTES`) with
    ``deadline`` looked at after the head and before each stride; no more rows than ``cap``
    holds (:func:`row_bytes`), and no line of variables longer than :data:`LONGEST_LINE`."""
    variables, truncated, limit = body["variables"], body["truncated"], body["limit"]
    if not (isinstance(variables, list) and variables):
        raise ValueError("variables that are no names")
    # The child's writer sends an answer whose line of variables is longer than LONGEST_LINE term
    # by term, so a longer one is refused before anything is made of its variables, which cost
    # 8 times their bytes and took 15 s, past any deadline (rev28tsv F3): a variable takes at
    # least two bytes of the line, its "?" and a tab or the line break.
    if len(variables) > LONGEST_LINE // 2:
        raise ValueError(f"a line of variables longer than {LONGEST_LINE:,} bytes")
    if not all(isinstance(v, str) for v in variables):
        raise ValueError("variables that are no names")
    if sum(map(len, variables)) + 2 * len(variables) - 1 > LONGEST_LINE:
        raise ValueError(f"a line of variables longer than {LONGEST_LINE:,} bytes")
    _printable(variables)
    if truncated not in (True, False):
        raise ValueError("a truth value that is none")
    if not (limit is None or (type(limit) is int and limit > 0)):
        raise ValueError("a limit that is no whole number")
    header = "\t".join(f"?{v}" for v in variables).encode("utf-8") + b"\n"
    if len(header) - 1 > LONGEST_LINE:
        raise ValueError(f"a line of variables longer than {LONGEST_LINE:,} bytes")
    if not data.startswith(header, start):
        raise ValueError("rows that are not under a line of their variables")
    if not data.endswith(b"\n"):
        raise ValueError("a last row without its line break")
    width, term_of = len(variables), {b"": None}  # an empty cell: unbound
    # counted before any is made: a line break ends each row
    if limit is not None or cap is not None:
        count = data.count(b"\n", start + len(header))
        if limit is not None and count > limit:
            raise ValueError("more rows than its limit")
        if cap is not None and count * row_bytes(width) > cap:
            raise QueryMemoryError(cap, rows=count)
    # a row of unbound cells, as an answer of only those sends, made once
    blank, unbound = b"\t" * (width - 1), (None,) * width
    rows: list[tuple[Term | None, ...]] = []
    at, end = start + len(header), len(data)
    while True:
        # after the head too, so that an answer without rows is timed as well
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        if at == end:
            break
        stop = end
        if at + _STRIDE_BYTES < end:
            # to the end of the line the stride ends in, looked for no further than a line goes
            stop = data.find(b"\n", at + _STRIDE_BYTES - 1, at + _STRIDE_BYTES + LONGEST_LINE) + 1
            if not stop:
                raise ValueError(f"a line longer than {LONGEST_LINE:,} bytes")
        stride = data[at:stop]
        at = stop
        lines = stride.split(b"\n")
        lines.pop()  # after the last line break
        if max(map(len, lines)) > LONGEST_LINE:
            raise ValueError(f"a line longer than {LONGEST_LINE:,} bytes")
        if set(map(bytes.count, lines, itertools.repeat(b"\t"))) != {width - 1}:
            raise ValueError("a row wider or narrower than its variables")
        if blank in lines:  # rows of unbound cells: each the one tuple
            term = term_of.__getitem__
            _read_terms(set(stride.replace(b"\n", b"\t").split(b"\t")), term_of)
            rows.extend(
                unbound if line == blank else tuple(map(term, line.split(b"\t"))) for line in lines
            )
            continue
        # the stride's cells, row after row, made rows with no step of Python's per row or cell
        cells = stride.replace(b"\n", b"\t").split(b"\t")
        cells.pop()
        _read_terms(set(cells), term_of)
        rows.extend(zip(*[map(term_of.__getitem__, cells)] * width, strict=True))
    return QueryResult("SELECT", variables, rows, truncated=truncated, limit=limit)


def _read_terms(cells: set[bytes], term_of: dict) -> None:
    """Add to ``term_of`` the term each of ``cells`` (of a written answer) holds that it lacks,
    read by the engine's parser, one line each; refuse a text that holds no one term, or a triple
    term."""
    texts = list(cells.difference(term_of))
    if not texts:
        return
    listed = b"?t\n" + b"\n".join(texts) + b"\n"
    terms = [solution[0] for solution in ox.parse_query_results(listed, ox.QueryResultsFormat.TSV)]
    kinds = set(map(type, terms))
    if ox.Triple in kinds:
        # the engine's process reads an answer that holds one term by term, and refuses it
        raise ValueError("an RDF 1.2 triple term, which the engine's process refuses")
    if len(terms) != len(texts) or not kinds <= {ox.NamedNode, ox.BlankNode, ox.Literal}:
        raise ValueError("a cell that is no one term")
    term_of.update(zip(texts, terms, strict=True))


def _printable(value: object) -> None:
    """Refuse a text in ``value`` that cannot be printed or sent (a lone surrogate such as
    ``"\\udc00"``, which JSON can write): a variable named by one ended ``atmpkg query`` in a
    traceback (sec17 A1). A term's text is refused by the engine as it is made."""
    if errors.SURROGATE.search(json.dumps(value, ensure_ascii=False)):
        raise ValueError("a text that is no Unicode (a lone surrogate)")


def _in_time(items: list, deadline: float | None):
    """``items`` one by one, raising :class:`TimeoutError` once ``deadline`` has passed."""
    for start in range(0, len(items), _STRIDE):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        yield from items[start : start + _STRIDE]


def _index(n: object, terms: list) -> int:
    if type(n) is not int or not 0 <= n < len(terms):
        raise ValueError("a cell that names no term")
    return n


def _term_text(term: Term) -> str:
    """The text a copy of ``term`` holds: a literal's datatype and language too (rev2_16 F1)."""
    if isinstance(term, ox.Triple):
        return "".join(_term_text(t) for t in (term.subject, term.predicate, term.object))
    if isinstance(term, ox.Literal):
        return term.value + term.datatype.value + (term.language or "")
    return term.value


#: Python's own errors the engine raises, which an answer may hold (a SyntaxError when it reads a
#: query for a remote store): made from their message alone (a SyntaxError's offsets would have
#: a traceback draw a caret a gigabyte long), never those that steer the caller's control flow
#: (StopIteration, KeyError, AttributeError).
_PYTHON_ERRORS = (
    ValueError,
    TypeError,
    RuntimeError,
    OSError,
    MemoryError,
    OverflowError,
    SyntaxError,
)


@functools.cache
def _error_classes() -> dict[tuple[str, str], type]:
    """The classes an error of an answer may be: the library's errors and the few of Python's
    own the engine raises."""
    library = [
        c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.AtmpkgError)
    ]
    python = [
        c
        for c in vars(builtins).values()
        if isinstance(c, type) and issubclass(c, _PYTHON_ERRORS) and not issubclass(c, Warning)
    ]
    return {(c.__module__, c.__qualname__): c for c in [*library, *python]}


def _error(error: BaseException) -> dict:
    cls = type(error)
    attributes = {k: v for k, v in vars(error).items() if not k.startswith("__")}
    written = {"class": [cls.__module__, cls.__qualname__], "args": list(error.args)}
    try:
        json.dumps([written, attributes])
    except (TypeError, ValueError):  # a value JSON cannot write: the message alone
        return {"class": [cls.__module__, cls.__qualname__], "args": [str(error)], "attrs": {}}
    return {**written, "attrs": attributes}


#: What an attribute of an error may hold (its list of suggestions, a line, a flag).
_PLAIN = (str, int, float, bool, list, type(None))


def _made_error(body: dict) -> BaseException:
    """The error ``body`` describes: Python's own made from its arguments, the library's without
    running its ``__init__`` (which may compute, such as the suggestions of UnknownNameError)."""
    _printable(body)
    module, name = body["class"]
    cls = _error_classes().get((module, name))
    if cls is None:
        raise UnreadableAnswerError(f"{module}.{name} is no error an answer holds")
    args = tuple(body["args"])
    if cls.__module__ == "builtins":
        # an OSError's number and message at most
        scalars = [a for a in args[:2] if isinstance(a, str | int) and not isinstance(a, bool)]
        if not scalars:
            raise ValueError("an error without its message")
        return cls(*scalars)
    if not (args and isinstance(args[0], str)):
        raise ValueError("an error without its message")
    # the __new__ of the base its instances are laid out as: an error that is also a MemoryError
    # finds MemoryError's first by name, which refuses to make one
    error = cls.__base__.__new__(cls)
    error.args = args
    attributes = body.get("attrs", {})
    # plain values under names the class does not define (a method would be shadowed)
    if not isinstance(attributes, dict) or any(
        not isinstance(k, str) or hasattr(cls, k) or not isinstance(v, _PLAIN)
        for k, v in attributes.items()
    ):
        raise ValueError("an error's attributes that are no names and values")
    error.__dict__.update(attributes)
    return error

"""What a confined process sends back, as JSON: an answer's terms, rows and triples, or an error's
class, arguments and attributes.

A pickle names the functions its reader calls and the objects it shares, so that a few bytes can
make the reader build without bound or run what the writer chose; a JSON text holds each value it
carries, and nothing else, so reading one costs what it holds. The confined query process writes
its answers with :func:`dump_answer` and its caller reads them with :func:`load_answer`; only the
library's errors and Python's own are made again, without running their ``__init__``.

>>> import pyoxigraph as ox
>>> answer = QueryResult("SELECT", ["x"], [(ox.Literal("a", language="en"),), (None,)])
>>> load_answer(dump_answer("ok", answer)) == ("ok", answer)
True
"""

from __future__ import annotations

import builtins
import functools
import json
import time

import pyoxigraph as ox

from .. import errors
from ..errors import StoreError
from .evaluate import QueryResult, Term

#: How many terms, rows or triples are made between two looks at the caller's deadline.
_STRIDE = 4096

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


def dump_answer(status: str, payload: QueryResult | BaseException | None) -> bytes:
    """The bytes of an answer (``status`` "ok" with a :class:`QueryResult` or None) or of an
    error (``status`` "error" with the exception).

    >>> load_answer(dump_answer("error", ValueError("no such term")))
    ('error', ValueError('no such term'))
    """
    if status == "error":
        body = {"status": "error", "error": _error(payload)}
    else:
        body = {"status": "ok", "result": None if payload is None else _result(payload)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_answer(
    data: bytes, deadline: float | None = None
) -> tuple[str, QueryResult | BaseException | None]:
    """The answer :func:`dump_answer` wrote as ``data``, or :class:`UnreadableAnswerError`; or
    :class:`TimeoutError` once ``deadline`` (a ``time.monotonic()`` reading) has passed, since
    making a large answer's terms and rows is part of the query's time (3 million empty rows in
    9 MB took 3.8 s, rev2_16 F4).

    >>> load_answer(b'{"status": "error", "error": {"class": ["posix", "system"], "args": []}}')
    Traceback (most recent call last):
    atmpkg.graph.engine.answers.UnreadableAnswerError: the query process sent back something that is no answer (posix.system is no error an answer holds); it was stopped
    """
    try:
        body = json.loads(data)
        if body["status"] == "error":
            return "error", _made_error(body["error"])
        if body["status"] == "ok":
            result = body["result"]
            return "ok", None if result is None else _made_result(result, len(data), deadline)
        raise ValueError("no status")
    except (UnreadableAnswerError, TimeoutError):
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
    copied = [len(_term_text(t)) for t in terms]
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

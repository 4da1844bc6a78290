"""One handle on the knowledge graph, with every capability as a method: ``atmpkg.open()``.

``atmpkg.open()`` opens the embedded store (building it first when it is missing or older than the
packaged data, as the command line does); ``atmpkg.open(endpoint=URL)`` a remote SPARQL 1.1 store.
Both give a :class:`KnowledgeGraph`, and the ``atmpkg`` command calls the same methods::

    import atmpkg

    kg = atmpkg.open()
    kg.named("products-by-target", target="bcma").df     # atmpkg query --name products-by-target -p target=bcma
    kg.query("SELECT ?t WHERE { ?t a atmp:Therapy }", timeout=10)
    kg.show("Kymriah")                                   # atmpkg show Kymriah
    kg.select(focus="Kymriah", hops=2).view()            # atmpkg view --focus Kymriah --hops 2

A :class:`Selection` is an immutable value naming a slice of the graph (a neighbourhood, classes,
a query's answer); ``view`` and ``export`` take one, and the command line's selection options make
one. Importing this module does no work: each method imports what it needs when it runs.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine.sandbox import DEFAULT_MEMORY
from .errors import (
    AtmpkgError,
    DataError,
    EndpointTimeoutError,
    NotSparqlError,
    ParameterError,
    PeriodError,
    QueryTimeoutError,
    StoreError,
    Violation,
    cut_words,
    described,
    positive_seconds,
    reads_answers,
)
from .slice.selection import _SELECTION_FIELDS, Selection

if TYPE_CHECKING:  # for annotations only: each loads when a method needs it
    import networkx

    from .display.charts import Chart
    from .display.explore import EntityView, Stats
    from .display.view import View
    from .errors import Violation
    from .slice.analytics import Connection, Ranked
    from .slice.export import ExportResult, Output
    from .sparql.run import QueryResult
    from .store.build import BuildReport
    from .store.folder import StoreHandle
    from .store.remote import RemoteStore

StorePath = str | os.PathLike[str] | None
#: Names that are a query file's, not SPARQL: text that is one of them alone is refused with the
#: way to run the file.
QUERY_FILE_SUFFIXES = (".rq", ".sparql", ".ru", ".txt")
#: How a path starts, and SPARQL text never does: one word that starts so is a file's name too
#: (newuser24 F1: ./myq was told "unexpected text here").
PATH_STARTS = ("/", "./", "../", "~/")
#: How many open handles hold each store in memory: the copy is let go when the last one closes.
_held_in_memory: dict[Path, int] = {}


def _query_file_bytes(file: str | os.PathLike[str]) -> bytes:
    """The bytes of the query file ``file`` (or pipe: a shell's ``<(…)``), read no further than a
    query may be long; a device (/dev/zero, which never ends) is refused before any read (sec21
    F6)."""
    from .engine.gate import MAX_QUERY_BYTES, too_long
    from .errors import UnknownNameError

    path = Path(file).expanduser()  # '~/q' as quoted text is told to come here (newuser24 F1)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ParameterError(f"the query file {file} is a folder; give a .rq file in it")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise ParameterError(
                f"the query file {file} is not a file but a device; save the query to a file "
                "first, or give - to read it from standard input"
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_QUERY_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise UnknownNameError(
            "query file", str(file), hint="No such file: give the path of a .rq file."
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot read the query file {file}: {exc.strerror or exc}") from None
    if len(raw) > MAX_QUERY_BYTES:
        raise too_long(f"the query file {file} holds over {MAX_QUERY_BYTES:,} bytes")
    return raw


class KnowledgeGraph:
    """The knowledge graph: the embedded store at ``store`` (default: ``$ATMPKG_STORE``, else the
    per-user store), or the SPARQL 1.1 store at ``endpoint`` (a URL or a
    :class:`~atmpkg.graph.store.remote.RemoteStore`; ``graph`` names the graph holding the data there,
    and ``store`` is not used). Open it with :func:`atmpkg.open`.

    The embedded store is resolved, and built when it is missing or older than the packaged data,
    when the handle opens; later calls only check that the build it holds is still the store's
    current one (a link read), and follow a newer build (an import, a rebuild by another process).
    A remote store is first asked when a method needs it.

    ``timeout`` (seconds) is the time limit of every query the handle runs unless a call gives
    its own; the embedded store's queries run in a confined child process that is killed at the
    limit, from any script, the REPL or a notebook kernel. ``memory`` caps the bytes that process
    may use (a number, or a size such as ``"4G"``; None: no cap); with an endpoint's URL it caps
    the rows and triples read from each answer, the library's own look-ups (show, stats, path,
    views, exports) included (a :class:`RemoteStore` given as ``endpoint`` keeps its own
    ``memory`` for those, and the handle's for its queries). ``in_memory`` answers this
    process's reads from a copy of the store held in memory (faster queries for about 0.7 GB per
    million triples; README, "Benchmark of scale").

    Errors are :mod:`atmpkg.graph.errors` exceptions; nothing here prints or exits.

    >>> kg = atmpkg.open()
    >>> kg.stats().classes["atmp:Therapy"]
    120
    """

    def __init__(
        self,
        store: StorePath = None,
        *,
        endpoint: str | RemoteStore | None = None,
        graph: str | None = None,
        timeout: float | None = None,
        memory: int | str | None = DEFAULT_MEMORY,
        in_memory: bool = False,
    ):
        if timeout is not None:
            timeout = positive_seconds(timeout)
        if not isinstance(store, str | os.PathLike | None):
            raise ParameterError(f"store must be a folder's path, got {described(store)}")
        if isinstance(store, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", store):
            raise ParameterError(
                f"store is a folder; {store} is a URL: give it as endpoint= (a SPARQL endpoint)"
            )
        if store is not None and not os.fspath(store).strip():
            raise ParameterError("store is an empty path: give a folder, or None for the default")
        if isinstance(memory, str):
            from .engine.sandbox import parse_memory

            try:
                memory = parse_memory(memory)
            except ValueError as exc:
                raise ParameterError(f"memory: {exc}") from None
        if memory is not None and (
            isinstance(memory, bool) or not isinstance(memory, int) or not 0 < memory < 2**63
        ):
            raise ParameterError(
                f"memory must be a positive number of bytes below 2**63 or a size such as '4G' "
                f"(None: no cap), got {described(memory)}"
            )
        if not isinstance(in_memory, bool):
            raise ParameterError(f"in_memory must be True or False, got {described(in_memory)}")
        self.timeout = timeout
        self.memory = memory
        self._info: dict | None = None
        if endpoint is not None:
            from .store.remote import RemoteHandle, RemoteStore

            if store is not None:
                raise ParameterError("give store (a folder) or endpoint (a URL), not both")

            if isinstance(endpoint, RemoteStore):
                if graph is not None:
                    raise ParameterError("give the graph to the RemoteStore, not to open()")
                remote = endpoint
            elif isinstance(endpoint, str):
                options = {"graph": graph, "timeout": timeout}
                remote = RemoteStore(
                    endpoint,
                    must_hold=True,
                    memory=memory,
                    **{k: v for k, v in options.items() if v is not None},
                )
            else:
                raise ParameterError(
                    "endpoint must be a SPARQL endpoint's URL or a RemoteStore, got "
                    + described(endpoint)
                )
            self.root: Path | None = None
            self._handle: StoreHandle = RemoteHandle(None, None, remote, {})
            return
        if graph is not None:
            raise ParameterError("graph names a graph of a remote store; give endpoint too")
        from .store import folder as stores
        from .store.build import hold_in_memory, open_store

        self.root = stores.resolve_path(store)
        self._handle = hold_in_memory(self.root) if in_memory else open_store(self.root)
        self._info = self._handle.info
        if in_memory:
            _held_in_memory[self.root] = _held_in_memory.get(self.root, 0) + 1
        self._in_memory = in_memory

    def close(self) -> None:
        """Let go of what the handle holds: the query processes this Python process runs on its
        store end (one answering another handle's query finishes it first), and the store it has
        open is dropped (an in-memory copy too, once no other
        open handle holds that store in memory). Closing twice does nothing; any other call
        afterwards raises :class:`ParameterError`. ``with atmpkg.open() as kg:`` closes it at the
        end of the block. Other handles on the same store go on: their next query starts a query
        process again.

        >>> with atmpkg.open() as kg2:
        ...     kg2.query("ASK { therapy:kymriah a atmp:Therapy }").boolean
        True
        >>> kg2.stats()
        Traceback (most recent call last):
        atmpkg.graph.errors.ParameterError: this knowledge graph is closed: open it again with atmpkg.open()
        """
        if self._handle is None:
            return
        self._handle = None
        if self.root is None:
            return
        from .engine.child import close_evaluators
        from .store import folder as stores

        if self._in_memory:
            _held_in_memory[self.root] -= 1
        if self._in_memory and not _held_in_memory[self.root]:
            del _held_in_memory[self.root]
            stores.stop_holding_in_memory(self.root)  # its cached builds go with the copy
        else:
            stores.forget_root(self.root)
        # a child answering another handle's query on this store is left to finish it
        close_evaluators(holding=(self.root / "builds").resolve(), busy="leave")

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what the handle holds ------------------------------------------------------------------

    def _current(self) -> StoreHandle:
        """The open store of the current build: the one held while it is still current (a link
        read), else the newer one (a store deleted under the handle is built again)."""
        if self._handle is None:
            raise ParameterError("this knowledge graph is closed: open it again with atmpkg.open()")
        if self.root is None:
            return self._handle
        from .store import folder as stores

        build_dir = stores.current_build(self.root)
        if build_dir != self._handle.build_dir:
            if build_dir is None:
                from .store.build import open_store

                self._handle = open_store(self.root)
            else:
                self._handle = stores.open_build(self.root, build_dir)
            self._info = self._handle.info
        return self._handle

    def _remote_store(self) -> RemoteStore | None:
        """The remote store the handle reads, or None for the embedded one (or a closed handle)."""
        return self._handle.store if self.root is None and self._handle is not None else None

    @property
    def endpoint(self) -> str | None:
        """The remote store's endpoint URL, or None for the embedded store.

        >>> atmpkg.open().endpoint is None
        True
        """
        return None if self.root is not None else self._current().store.endpoint

    @property
    def info(self) -> dict:
        """What the build recorded (``build.json``: when, from what, counts); for a remote store,
        what ``atmpkg push`` recorded there (``{}`` for a graph loaded another way).

        >>> atmpkg.open().info["counts"]["atmp:Therapy"] > 0
        True
        """
        handle = self._current()
        if self._info is None:
            self._info = handle.store.build_info()
        return self._info

    def __repr__(self) -> str:
        if self._handle is None:
            return f"<KnowledgeGraph store={self.root} closed>"
        if self.root is None:
            return f"<KnowledgeGraph {self._handle.store!r}>"
        return f"<KnowledgeGraph store={self.root} build={self._handle.build_dir.name}>"

    # --- queries --------------------------------------------------------------------------------

    @reads_answers
    def query(
        self,
        sparql: str | None = None,
        params: Mapping[str, Any] | None = None,
        *,
        file: str | os.PathLike[str] | None = None,
        name: str | None = None,
        timeout: float | None = None,
        limit: int | None = None,
        allow: tuple[str, ...] | list[str] = (),
    ) -> QueryResult:
        """Run SPARQL text, or the query in a ``.rq`` ``file`` (whose header's ``param:`` lines
        type its parameters, as a named query's do), or the named query ``name`` (as
        :meth:`named` does, as ``atmpkg query --name`` does).

        ``params`` binds variables: for text, variables of the SELECT clause, each value an RDF
        term, text read as one (``therapy:kymriah``, ``<https://…>``, ``"text"@en``, ``42``) or a
        Python number, ``bool``, ``date`` or ``datetime`` (as its XSD literal; ``None`` leaves the
        variable unbound); for a file, its declared parameters, read as :meth:`named` reads them
        (a file without ``param:`` lines binds variables as text does).
        ``timeout`` (seconds; default: the handle's) really stops the query; ``limit`` caps rows
        and marks the result ``truncated``; ``allow`` may contain ``service``, ``dataset``,
        ``update`` or ``load`` to lift the gate's refusals on purpose. Relative IRIs resolve
        against ``https://w3id.org/atmp-kg/id/``.

        >>> kg.query("SELECT ?t ?l WHERE { ?t rdfs:label ?l }", {"t": "therapy:casgevy"}).dicts()
        [{'t': 'https://w3id.org/atmp-kg/id/therapy/casgevy', 'l': 'Casgevy'}]
        """
        from .. import queries
        from .engine import gate
        from .sparql.run import as_term, held_number, missing
        from .store.csvdata import decode_utf8

        if (sparql is not None) + (file is not None) + (name is not None) != 1:
            raise ParameterError(
                "give SPARQL text, a query file or a named query's name, one of them"
            )
        if name is not None:
            try:
                found = self.named(name, params, timeout=timeout, limit=limit, allow=allow)
            except PeriodError as exc:  # worded for params=, as the notes are
                raise exc.in_params() from None
            return _in_params(found)
        if not isinstance(file, str | os.PathLike | None):
            raise ParameterError(f"file must be a .rq file's path, got {described(file)}")
        if not isinstance(sparql, str | None):
            raise ParameterError(f"the SPARQL query must be text, got {described(sparql)}")
        params = _mapping(params)
        if file is not None:
            sparql = decode_utf8(_query_file_bytes(file), str(file))
            named = queries.parse(Path(file).stem, sparql, str(file), f"query file '{file}'")
            if named.params or not params:
                result = self._declared(named, params, timeout, limit, allow, advise=True)
                result.selection = _selection_call("file", str(file), params)
                return _in_params(result)
            # a file that declares no parameters binds variables as SPARQL text does
        elif sparql is not None and sparql.lstrip().startswith("#"):
            # text that starts with a header (a file piped in, a named query's text pasted) types
            # its parameters as the file would
            named = queries.parse("text", sparql, "the query text", "the query text")
            if named.params:
                return _in_params(self._declared(named, params, timeout, limit, allow, advise=True))
        if sparql.strip() in queries.names():
            raise NotSparqlError(sparql.strip(), named=True)
        word = sparql.strip()
        # by the name alone: asking the file system would tell an HTTP client which files the
        # server has, and fails on a long IRI (rev21 F1, F2)
        if (
            word
            and not any(c.isspace() for c in word)
            and (Path(word).suffix.lower() in QUERY_FILE_SUFFIXES or word.startswith(PATH_STARTS))
        ):
            raise NotSparqlError(word, named=False)
        allow = gate.allowed(allow)
        started = time.monotonic()
        timeout = self.timeout if timeout is None else positive_seconds(timeout)
        # Before the store is asked: a remote one is asked as the query runs
        checked = gate.check(sparql, allow=allow, timeout=timeout, started=started)
        bindings = {
            name: held_number(as_term(value, name), f"parameter '{name}'")
            for name, value in params.items()
            if not missing(value)
        }
        result = self._run(checked, bindings, started, timeout, limit, allow)
        self._advise(result, checked.tokens, params, started, timeout)
        return result

    @reads_answers
    def named(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        /,
        *,
        timeout: float | None = None,
        limit: int | None = None,
        allow: tuple[str, ...] | list[str] = (),
        **parameters: Any,
    ) -> QueryResult:
        """Run the named query ``name`` (``atmpkg queries`` lists them) with its parameters as
        keywords (or in ``params``, for a name that is not a Python identifier, such as
        ``from``). Parameters left out take their declared default; entity parameters accept a
        slug, a ``kind:slug``, an IRI (text or ``NamedNode``) or the entity's label; numbers and
        dates may be Python values (``min_value=1e9``, ``datetime.date(2024, 1, 1)``), checked
        against the declared type as text is. Options as for :meth:`query`.

        >>> kg.named("products-by-target", target="bcma").df["therapyName"].unique().tolist()[:2]
        ['Abecma', 'Anitocabtagene autoleucel']
        """
        from .. import queries

        given = _mapping(params)
        twice = sorted(set(given) & set(parameters))
        if twice:
            raise ParameterError(
                f"parameter {twice[0]!r} is given twice, in params and as a keyword: give it once"
            )
        given = {**given, **parameters}
        named = queries.load(name)
        if isinstance(given.get("params"), Mapping) and "params" not in {
            p.name for p in named.params
        }:
            raise ParameterError(
                f"query '{name}' has no parameter 'params': give the mapping of parameters as the "
                f"second argument, kg.named({name!r}, {{...}}), or each as a keyword"
            )
        result = self._declared(named, given, timeout, limit, allow)
        result.selection = _selection_call("name", name, given)
        return result

    def _declared(self, named, params, timeout, limit, allow, advise=False) -> QueryResult:
        """Run ``named`` with its parameters typed by its header; ``advise`` for a user's file or
        text, which is given the notes the same text gets inline (joints23 F3: a file mistyping
        atmp:Therapi answered nothing without a word), where a curated named query skips them."""
        from .engine import gate
        from .sparql.entities import replacements_noted
        from .sparql.named import bind_params, defaulted_notes, reported_notes

        allow = gate.allowed(allow)
        started = time.monotonic()
        timeout = self.timeout if timeout is None else positive_seconds(timeout)
        checked = gate.check(named.text, allow=allow, timeout=timeout, started=started)
        store = self._current().store
        until = getattr(store, "until", None)  # a remote store's requests, each one bounded
        # a parameter given as a retired IRI is run with the IRI that replaced it, which the
        # answer's notes say
        with replacements_noted() as replaced:
            if until is None or timeout is None:
                bindings = bind_params(named, params or {}, store)
            else:
                # the look-ups of the parameters' entities take their time from the call's
                # limit, and a timeout names that limit, not the store's own (sec22 M4: 30 s for
                # a limit of 2 s)
                try:
                    with until(started + timeout):
                        bindings = bind_params(named, params or {}, store)
                except EndpointTimeoutError as exc:
                    raise EndpointTimeoutError(exc.endpoint, timeout) from None
                except QueryTimeoutError:
                    raise QueryTimeoutError(timeout) from None
        result = self._run(checked, bindings, started, timeout, limit, allow)
        result.parameters = {p.name: bindings.get(p.name) for p in named.params}
        result.notes += replaced
        if advise:
            # no notes on how text binds: the header types each parameter
            self._advise(result, checked.tokens, {}, started, timeout)
        result.notes += defaulted_notes(named, params or {}, bindings, store)
        # Advice, as in _advise: it never fails the query answered, nor outlasts its time limit;
        # each note is its own step, which one failing never removes (sec28 F1)
        with _advice_time(store, started, timeout) as deadline:
            # the curated query's own conditions, not a user's file reusing its name
            curated = None if advise else named.name
            result.notes += reported_notes(result, store, name=curated, info=self.info, until=deadline)
            if curated and result.form != "ASK" and not len(result):
                from .store.remote import without_data

                # no rows from an endpoint without the data (pushed to a graph not read)
                with contextlib.suppress(AtmpkgError):
                    result.notes += filter(None, [without_data(store)])
        return result

    def _advise(self, result, tokens, params, started, timeout) -> None:
        """Add to ``result.notes`` the advice on a user's query text (its ``tokens``): terms no
        vocabulary defines, names that name nothing, and on an empty answer why it may be empty;
        ``params`` are the values bound as untyped text."""
        from .sparql.named import unknown_names
        from .sparql.run import (
            binding_notes,
            comparison_notes,
            duration_sums,
            empty_answer_notes,
            entity_notes,
            found_nothing,
            iri_text_notes,
            matched_tokens,
            undeclared_terms,
            unquoted_dates,
            wrong_kind_notes,
        )

        result.notes += binding_notes(params)
        store = self._current().store
        empty = found_nothing(result, tokens)
        # Advice, which never fails the query answered: a note that cannot be made, or not within
        # what is left of the query's time limit, is left out, and the others are given all the
        # same (sec21 F2: the notes of an empty answer took 22 s past a limit of 3 s)
        with _advice_time(store, started, timeout) as deadline:
            # the text's own advice reads every token of a long text: it stops at the deadline
            # too (an audit: it ran before the deadline was looked at)
            for read in (undeclared_terms, duration_sums, unquoted_dates):
                result.notes += read(tokens, until=deadline)
            # the comparisons of a long query are many: their notes stop at the deadline too
            compared = functools.partial(comparison_notes, only_some_rows=not empty, until=deadline)
            # why nothing matched is read in the patterns matched, not a CONSTRUCT's template
            matched = matched_tokens(tokens)
            given_iris = functools.partial(iri_text_notes, result, until=deadline)
            advice = [(unknown_names, tokens), (given_iris, tokens)]
            if empty:
                advice += [(empty_answer_notes, matched), (compared, tokens), (wrong_kind_notes, matched)]
            else:
                advice += [(compared, tokens)]
            for notes, read in advice:
                if time.monotonic() >= deadline:
                    break
                with contextlib.suppress(ValueError, AtmpkgError):
                    result.notes += notes(read, store)
            if empty and time.monotonic() < deadline:
                with contextlib.suppress(ValueError, AtmpkgError):
                    result.notes += entity_notes(params, store, matched)
        # a note cut nowhere stays itself: a note worded for each door (ValueNote) keeps its parts
        result.notes = [note if cut_words(note) == note else cut_words(note) for note in result.notes]

    def _run(self, checked, bindings, started, timeout, limit, allow) -> QueryResult:
        from .sparql.run import run

        handle = self._current()
        result = run(
            handle.store,
            checked,
            bindings,
            limit=limit,
            timeout=timeout,
            started=started,
            store_path=handle.oxigraph_path,
            in_memory=handle.in_memory,
            allow=allow,
            memory=self.memory,
        )
        result.sparql = checked.text
        return result

    # --- looking around -------------------------------------------------------------------------

    @reads_answers
    def show(self, entity: str) -> EntityView:
        """Everything about one entity (a label, slug, ``kind:slug`` or IRI; a near miss suggests
        names): its facts, the links to it and the sources behind them. In a notebook it shows as
        a card, with links.

        >>> casgevy = kg.show("Casgevy")
        >>> casgevy.label, casgevy.types
        ('Casgevy', ['therapy'])
        >>> print(casgevy.text())
        Casgevy  <https://w3id.org/atmp-kg/id/therapy/casgevy>
          a therapy
          Wikidata ID: Q107400400  https://www.wikidata.org/wiki/Q107400400
          approval: Casgevy — EMA 2024-02-09 (Beta-thalassemia) (approval:casgevy-ema-2024-02-09-beta-thalassemia)
        ...
        """
        from .display.explore import describe_entity

        return describe_entity(self._current().store, entity)

    @reads_answers
    def stats(self) -> Stats:
        """Counts per class and per property, the number of sources, and the build information.

        >>> kg.stats().classes["atmp:Approval"]
        250
        """
        from .display.explore import store_stats

        return store_stats(self._current().store, self.info)

    # --- slices, views, exports -----------------------------------------------------------------

    @reads_answers
    def select(self, selection: Selection | None = None, /, **fields: Any) -> Selection:
        """A :class:`Selection` of this graph: its fields (``focus``, ``hops``, ``classes``,
        ``name``, ``file``, ``query``, ``params``, ``with_sources``, ``max_nodes``) as keywords,
        or a given ``selection`` refined by them. Nothing is read until it is used.

        >>> around = kg.select(focus="Kymriah", hops=2)
        >>> around
        Selection(focus='Kymriah', hops=2, classes=(), through=(), name=None, file=None, query=None, params={}, with_sources=None, max_nodes=None)
        >>> (around & kg.select(classes=["atmp:Company"])).network().number_of_nodes()
        4
        """
        unknown = sorted(set(fields) - _SELECTION_FIELDS)
        if unknown:
            raise ParameterError(
                f"a selection has no option {unknown[0]!r}; its options are: "
                + ", ".join(sorted(_SELECTION_FIELDS))
            )
        if not isinstance(selection, Selection | None):
            raise ParameterError(
                f"a selection must be a Selection (kg.select(...)), got {described(selection)}; "
                "or give its fields as keywords, such as focus="
            )
        chosen = selection.refine(**fields) if selection is not None else Selection(**fields)
        return chosen.on(self)

    @reads_answers
    def view(
        self,
        selection: Selection | None = None,
        /,
        *,
        output: StorePath = None,
        title: str | None = None,
        overview: bool | None = None,
        **fields: Any,
    ) -> View:
        """An interactive, self-contained HTML view of a selection (a :class:`Selection`, or its
        fields as keywords; nothing: the whole graph), written atomically to ``output`` when
        given. At most ``max_nodes`` entities are drawn (default 5,000; 0: all), and the page
        says what a cap left out; the cited sources are listed in each entity's side panel unless
        ``with_sources=False``. The whole graph of more than 500 entities is drawn as its class
        overview unless ``overview=False`` (``True``: the overview whatever the size). In a
        notebook the view shows inline, with no server and no network.

        >>> v = kg.view(focus="Kymriah", hops=2, output="kymriah.html")
        >>> v.nodes, v.edges, v.path
        (62, 115, PosixPath('kymriah.html'))
        """
        from .display.overview import overview_of, wants_overview
        from .display.view import view_of

        chosen = self.select(selection, **fields)
        if wants_overview(chosen, overview):
            return overview_of(self, output=output, title=title)
        return view_of(chosen, output=output, title=title)

    @reads_answers
    def export(
        self,
        fmt: str | None = None,
        output: Output = None,
        selection: Selection | None = None,
        **fields: Any,
    ) -> ExportResult:
        """Write a selection (a :class:`Selection`, or its fields as keywords; nothing: the whole
        graph) in ``fmt`` (``ttl``, ``nt``, ``nq``, ``trig``, ``jsonld``, ``rdfxml``,
        ``graphml``, ``gexf``, ``csv``, ``cyjs``; default: from ``output``'s extension, else
        ``ttl``) to ``output`` atomically, to a binary stream, or into ``.content`` when
        ``output`` is None. RDF formats are complete; a network format holds at most
        ``max_nodes`` entities (default 25,000) and ``.sample`` says what was left out.

        >>> kg.export("graphml", "kymriah.graphml", focus="kymriah", hops=2).paths
        [PosixPath('kymriah.graphml')]
        """
        from .slice.export import export_of

        return export_of(self.select(selection, **fields), fmt, output)

    # --- network analysis and charts ------------------------------------------------------------

    @reads_answers
    def path(
        self,
        a: str,
        b: str,
        *,
        max_paths: int = 5,
        through: tuple[str, ...] | list[str] = (),
        avoid: tuple[str, ...] | list[str] = (),
        graph: networkx.MultiDiGraph | None = None,
    ) -> list[Connection]:
        """The shortest connections between entities ``a`` and ``b``, at most ``max_paths``, the
        most telling first (deals, ownership and products before shared indications); links are
        followed either way, and each keeps its real direction. Places, agencies and concept
        values are not passed through unless their class is in ``through``, nor are claims the
        graph marks contradicted unless ``atmp:Claim`` is (a claim passed through that is
        contradicted or unverified says so: ``(unverified claim)``); nothing in ``avoid``
        (entities or classes) is. ``graph`` searches another network (e.g. a selection's
        ``.network()``).

        >>> print(kg.path("Kymriah", "Kite Pharma", max_paths=1)[0])
        Kymriah → target → CD19 ← target ← Tecartus → developed by → Kite Pharma
        >>> print(kg.path("Kymriah", "Kite Pharma", max_paths=1, avoid=["atmp:Target"])[0])
        Kymriah ← about ← South America's first two CAR-T approvals were in Brazil. → about → Yescarta → developed by → Kite Pharma
        """
        from .slice.analytics import shortest_connections

        return shortest_connections(self, graph, a, b, max_paths, through, avoid)

    @reads_answers
    def rank(
        self,
        *,
        by: str = "degree",
        classes: tuple[str, ...] | list[str] = (),
        top: int = 10,
        through: tuple[str, ...] | list[str] = (),
        graph: networkx.MultiDiGraph | None = None,
    ) -> list[Ranked]:
        """The ``top`` most central entities by ``by`` (``degree``, ``pagerank`` or
        ``betweenness``), optionally only those of ``classes`` (ranked within the whole network,
        or within ``graph``). Places, agencies and concept values count as attributes, not as
        links, unless their class is in ``through`` or ``classes``.

        >>> [r.label for r in kg.rank(by="pagerank", classes=["atmp:Company"], top=3)]
        ['Novartis', 'Bristol Myers Squibb', 'Gilead Sciences']
        """
        from .slice.analytics import ranking

        return ranking(self, graph, by, classes, top, through)

    @reads_answers
    def chart(self, kind: str, *, by: str | None = None, output: StorePath = None) -> Chart:
        """An SVG chart: ``approvals`` per year stacked ``by`` agency (default) or modality, or
        ``market`` size estimates by source and year; written atomically to ``output`` when
        given. In a notebook it shows inline.

        >>> kg.chart("approvals", by="modality").total
        250
        """
        from .display.charts import chart_of

        return chart_of(self, kind, by=by, output=output)

    # --- checking and adding data ---------------------------------------------------------------

    def _embedded(self, what: str) -> Path:
        self._current()  # a closed handle says so
        if self.root is None:
            raise ParameterError(f"{what} works on the embedded store, not on a remote one")
        return self.root

    def validate(self, files: StorePath | tuple | list = ()) -> list[Violation]:
        """SHACL shapes and zero-row checks, changing nothing: on the store when no ``files`` are
        given, else on the curated data together with ``files`` (one path or several; as an import
        would check them).
        Returns every violation (``[]`` when all is well). A row, cell or triple of ``files``
        that cannot be read is one too, of the rule ``input``, with its file, line and column
        (the rules run once every file reads); a file that cannot be opened raises
        :class:`~atmpkg.graph.errors.DataError`.

        >>> kg.validate()
        []
        >>> _ = Path("my-targets.csv").write_text("slug,label\\nCD99,CD99\\n")
        >>> print(kg.validate(["my-targets.csv"])[0])
        my-targets.csv:2:1 (column 'slug'): 'CD99' is not a slug (lowercase a-z, 0-9, hyphens); did you mean 'cd99'? [input]
        """
        from .store.build import validate, validate_build

        root = self._embedded("validate")
        if not files:
            return validate_build(self._current())
        try:
            return validate(files, store=root)
        except DataError as unread:  # newuser22 F4: a notebook's list of problems stopped here
            errors = getattr(unread, "errors", [unread])
            if any(error.line is None for error in errors):
                raise
            column = " (column '{}')".format
            return [
                Violation(
                    "input",
                    "",
                    error.message,
                    error.location + (column(error.column_name) if error.column_name else ""),
                )
                for error in errors
            ]

    def import_files(
        self, files: StorePath | tuple | list, *, shacl: bool | None = None
    ) -> BuildReport:
        """Add a researcher's own Turtle/RDF or CSV files to the store, validated with everything
        else, all or nothing; later calls read the new build. ``shacl`` runs the SHACL shapes
        (True), skips them (False) or, by default, runs them up to 100,000 loaded triples.

        >>> kg.import_files(["my-notes.ttl"]).counts["atmp:Therapy"]
        120
        >>> [f.value_label for f in kg.show("kymriah").facts if f.property_label == "comment"]
        ['A note.']
        """
        from .store.build import import_files

        report = import_files(files, self._embedded("import_files"), shacl=shacl)
        self._current()
        return report

    def remove_imports(
        self, names: str | tuple | list, *, shacl: bool | None = None
    ) -> BuildReport:
        """Take earlier imports out of the store by the names they were imported under, all or
        nothing, as :meth:`import_files` adds them; later calls read the new build.

        >>> kg.remove_imports("my-notes.ttl").counts["atmp:Therapy"]
        120
        """
        from .store.build import remove_imports

        report = remove_imports(names, self._embedded("remove_imports"), shacl=shacl)
        self._current()
        return report


def _in_params(result: QueryResult) -> QueryResult:
    """``result`` with its notes on parameters that took their default worded for a call that
    takes the parameters in a mapping, ``params=``, as :meth:`KnowledgeGraph.query` does: its
    answer to ``name=`` said ``(Python: as_of='…')``, a keyword it does not take.

    >>> from atmpkg.graph.sparql.named import DefaultNote
    >>> result = kg.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    >>> result.notes = [DefaultNote("n is 2, the default", "n", "…", "for another")]
    >>> _in_params(result).notes
    ["n is 2, the default; give -p n=… (Python: params={'n': …}) for another"]
    """
    from .sparql.named import DefaultNote

    result.notes = [n.in_params() if isinstance(n, DefaultNote) else n for n in result.notes]
    return result


def _selection_call(how: str, query: str, params: Mapping[str, Any]) -> str:
    """The arguments of ``kg.select`` for the named query or file ``query`` with ``params``.

    >>> _selection_call("name", "products-by-target", {"target": "bcma"})
    "name='products-by-target', params={'target': 'bcma'}"
    """
    given = {k: v for k, v in params.items() if v is not None}
    return f"{how}={query!r}" + (f", params={given!r}" if given else "")


def _mapping(params: object) -> Mapping[str, Any]:
    """``params`` when it maps parameter names to values (None: none), else a
    :class:`ParameterError` that says what to give.

    >>> _mapping([("target", "bcma")])
    Traceback (most recent call last):
    atmpkg.graph.errors.ParameterError: params must map names to values, such as {'target': 'bcma'}; got a list ([('target', 'bcma')])
    """
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise ParameterError(
            f"params must map names to values, such as {{'target': 'bcma'}}; got {described(params)}"
        )
    return params


@contextlib.contextmanager
def _advice_time(store: Any, started: float, timeout: float | None) -> Iterator[float]:
    """The deadline of the advice on a query's answer (what is left of its time limit), within
    which a remote ``store``'s requests are bounded too: advice never outlasts the limit (sec21
    F2: the notes of an empty answer took 22 s past a limit of 3 s).

    >>> with _advice_time(None, 10.0, 2.0) as deadline:
    ...     deadline
    12.0
    """
    deadline = started + timeout if timeout is not None else float("inf")
    until = getattr(store, "until", None)  # a remote store's requests, each one bounded
    with until(deadline) if until and timeout is not None else contextlib.nullcontext():
        yield deadline

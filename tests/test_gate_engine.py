"""The gate agrees with the engine: whatever Oxigraph would parse as SERVICE, LOAD, a dataset clause
or an update, the gate refuses.

The oracle is the engine itself, observed doing the thing: a SERVICE or LOAD is seen as a connection
to a listener socket on 127.0.0.1; FROM, FROM NAMED and USING are seen in which graphs the answer
comes from; an update is seen by the engine's update parser accepting the text. Hypothesis writes
the variants (case, gluing, comments, escapes, every kind of white space); for each one the gate
lets through, the engine must not do what the gate guards against.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atmpkg.graph.engine.gate import check
from atmpkg.graph.errors import QueryRefusedError, QuerySyntaxError, QueryTooComplexError

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# White space of every kind (SPARQL's four, and others Python or Rust may count), comments, nothing.
SEPARATORS = [
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\u00a0",
    "\u2003",
    "\u3000",
    "\u0085",
    "#c\n",
    " # SERVICE FROM\n",
]
# Letters that case-fold onto ASCII letters of the keywords (long s, Kelvin sign, dotless i).
LOOKALIKES = {"s": ["\u017f"], "k": ["\u212a"], "i": ["\u0131"]}


@st.composite
def spelled(draw, keyword: str) -> str:
    """``keyword`` in random case, a letter sometimes a look-alike or a ``\\u`` escape."""
    letters = []
    for letter in keyword:
        choice = draw(st.integers(0, 9))
        if choice == 0 and letter.lower() in LOOKALIKES:
            letters.append(draw(st.sampled_from(LOOKALIKES[letter.lower()])))
        elif choice == 1:
            letters.append(f"\\u{ord(letter):04X}")
        else:
            letters.append(letter.upper() if draw(st.booleans()) else letter.lower())
    return "".join(letters)


def separator() -> st.SearchStrategy[str]:
    return st.sampled_from(SEPARATORS)


def refused(text: str, allow: tuple[str, ...] = ()) -> bool:
    try:
        check(text, allow=allow)
    except QueryRefusedError:
        return True
    return False


def engine(call):
    """Run ``call`` on the engine; its failures (syntax errors, refused connections) are data."""
    try:
        answer = call()
        return list(answer) if isinstance(answer, ox.QuerySolutions | ox.QueryTriples) else answer
    except (SyntaxError, OSError, RuntimeError, ValueError):
        return None


@pytest.fixture
def named_graphs() -> ox.Store:
    """An empty default graph; <urn:g> and <urn:h> each hold one triple."""
    store = ox.Store()
    for graph in ("urn:g", "urn:h"):
        store.add(
            ox.Quad(
                ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(graph), ox.NamedNode(graph)
            )
        )
    return store


# --- SERVICE: seen as a connection -------------------------------------------------------------


@st.composite
def service_queries(draw, url: str) -> str:
    before = draw(st.sampled_from(["", "?a ?b ?c .", "?a ?b ?c", "{}", "OPTIONAL{}", "FILTER(1)"]))
    silent = draw(st.sampled_from(["", "SILENT", "silent", "Silent"]))
    target = draw(st.sampled_from([f"<{url}>", "ex:", "ex:x", "?svc"]))
    values = f"VALUES ?svc {{ <{url}> }}" if target == "?svc" else ""
    parts = [
        f"PREFIX ex: <{url}> SELECT * WHERE {{ {values} {before}",
        draw(spelled("SERVICE")),
        silent,
        target,
        "{ ?s ?p ?o } }",
    ]
    return "".join(part + draw(separator()) for part in parts)


@st.composite
def reread_service_queries(draw, url: str) -> str:
    """A SERVICE the engine reads only after taking a token apart again: a prefixed name whose
    IRI does not parse (it reads the prefix alone), maybe behind the verb ``a`` glued to it (a
    prefix declared nowhere, which the engine reads as ``a`` and a declared one, while a decoy
    declares a name that ends in it), or a long string
    holding an escape it does not read (it reads ``""`` and a new string from the third quote)."""
    service = draw(spelled("SERVICE"))
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["<http://a:>", "<http://[::1]>", "<urn:a:%>", "<http://a/%2>"]))
        glued = draw(st.sampled_from(["", "x", "1"]))
        name = draw(st.sampled_from(["ex", ""]))
        verb = draw(st.sampled_from([f"<urn:x>?{draw(separator())}", "a"]))
        # a prefix the gate may take for declared, which the engine never declared
        decoy = draw(st.sampled_from(["", "prefix", "PrEfIx", "z" * 63 + "-"]))
        decoy = f"PREFIX {decoy}{verb}{name}: <urn:y#> " if decoy and verb == "a" else ""
        return (
            f"PREFIX {name}: {prefix} {decoy}SELECT * {{ ?s {verb}{name}:{glued}{service}"
            f"{draw(separator())}<{url}> {{ }} }}"
        )
    quote = draw(st.sampled_from(['"', "'"]))
    escape = draw(st.sampled_from(["\\q", "\\uD800", "\\udfff", "\\U00110000", "\\ "]))
    long, short = quote * 3, quote
    return (
        f"SELECT * {{ VALUES (?a ?b) {{ ({long}a{short}) }} {service} <{url}> {{ }} "
        f"#{escape}{long}\n}}"
    )


@st.composite
def less_than_service_queries(draw, url: str) -> str:
    """A SERVICE written after a ``<`` that ends in a comment holding ``>``: the engine reads
    less-than, where an IRI up to that ``>`` hides the keyword."""
    value = draw(st.sampled_from(["1", "?a", '"x"', "true", "(1)", "<urn:v>", "ex:v", '"x"@en']))
    operator = draw(st.sampled_from(["<", "<="]))
    other = draw(st.sampled_from(["2", "?b", '"y"', "(2)"]))
    opening = draw(
        st.sampled_from(["FILTER(", "FILTER((", "BIND(", "FILTER(STR(1)!=STR(", "FILTER(1 IN ("])
    )
    closing = {"FILTER(": ")", "FILTER((": "))", "BIND(": " AS ?c)", "FILTER(STR(1)!=STR(": "))"}
    target = draw(st.sampled_from(["ex:x", f"<{url}>"]))
    # an IRI in a collection or a VALUES row, which the engine reads as an IRI, whose "#" read as
    # a comment would hide the rest of the line: the readings of two "<" must not be uniform
    collection = draw(
        st.sampled_from(
            [
                "",
                "OPTIONAL { ?s ?p (1 <urn:x#>) } ",
                "VALUES (?a ?b) { (1 <urn:x#>) } ",
                "?s ?p (1 <urn:x#>) . ",
                "?s ?p (<urn:y> <urn:x#>) . ",
                "VALUES ?v { <urn:x#> } ",
                "VALUES (?v ?w) { (<urn:y> <urn:x#>) } ",
            ]
        )
    )
    return (
        f"PREFIX ex: <{url}>\nSELECT * WHERE {{ {collection}{opening}{value}{operator}{other}"
        f"{closing.get(opening, '))')}{draw(spelled('SERVICE'))}{target}#>\n{{ ?s ?p ?o }} }}"
    )


@SETTINGS
@given(data=st.data())
def test_whatever_the_engine_runs_as_service_the_gate_refuses(listener, data):
    url = listener.url
    text = data.draw(
        st.one_of(
            service_queries(url), less_than_service_queries(url), reread_service_queries(url)
        )
    )
    if refused(text):
        return
    before = listener.count
    engine(lambda: ox.Store().query(text))
    assert listener.count == before, f"the gate let a SERVICE through: {text!r}"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICESILENT <{url}> { ?s ?p ?o } }",
        "SELECT * { sErViCeSiLeNt <{url}> { ?s ?p ?o } }",
        "PREFIX ex: <{url}> SELECT * { SERVICEex:x { ?s ?p ?o } }",
        "PREFIX : <{url}> SELECT * { SERVICE:x { ?s ?p ?o } }",
        "SELECT * { SERVICE#x\n<{url}> { ?s ?p ?o } }",
        # a less-than the gate once read as the start of an IRI up to the next ">"
        "PREFIX ex: <{url}>\nSELECT * { FILTER(1<2)SERVICEex:x#>\n{ ?s ?p ?o } }",
        "PREFIX ex: <{url}>\nSELECT * { BIND(1 AS ?a) FILTER(?a<=2)SERVICE<{url}>#>\n{ ?s ?p ?o } }",
        # the same after values the gate did not know (EXISTS{}, a triple term, a base direction)
        "PREFIX ex: <{url}>\nSELECT * { FILTER(EXISTS{}<2)SERVICEex:x#>\n{ } }",
        "PREFIX ex: <{url}>\nSELECT * { FILTER(<<(<urn:a><urn:b><urn:c>)>><2)SERVICEex:x#>\n{ } }",
        'PREFIX ex: <{url}>\nSELECT * { FILTER("a"@en--ltr<2)SERVICEex:x#>\n{ } }',
        # an escape in an IRI the gate read as a comment, beside a string the decoding reopened
        'SELECT * { BIND("\\u0022" AS ?q) BIND(<urn:x\\u0061#> AS ?i) SERVICE <{url}> { } }\n# """\n',
        # one "<" read as an IRI (in a collection or a VALUES row), another as less-than
        "PREFIX ex: <{url}>\nSELECT * { OPTIONAL { ?s ?p (1 <urn:x#>) } FILTER(1<2)SERVICEex:x#>\n{ } }",
        "PREFIX ex: <{url}>\nSELECT * { VALUES (?a ?b) { (1 <urn:x#>) } FILTER(1<2)SERVICEex:x#>\n{ } }",
        "PREFIX ex: <{url}>\nSELECT * { BIND((1<2) AS ?z) ?s ?p (1 <urn:x#>) . FILTER(?z<2)SERVICEex:x#>\n{ } }",
        # a less-than right before an IRI: "<<" to a reader that takes the longest token
        "PREFIX ex: <{url}>\nSELECT * { FILTER(1<<urn:a> || 1<2)SERVICEex:x#>\n{ ?s ?p ?o } }",
        # the engine ends a prefixed name at its second run of dots
        "PREFIX ex: <{url}>\nSELECT * WHERE { ?s ?p ex:a.b.SERVICE ex:x { } }",
        # a prefixed name whose IRI does not parse: the engine reads the prefix alone, then the
        # local part as words (review 9)
        "PREFIX ex: <http://a:> SELECT * { ?s <urn:x>? ex:SERVICE <{url}> { } }",
        "PREFIX ex: <http://[::1]> SELECT * { ?s <urn:x>? ex:SERVICE <{url}> { } }",
        "PREFIXex: <http://a:> SELECT * { ?s <urn:x>? ex:SERVICE <{url}> { } }",
        # ... behind the verb "a" glued to it, a prefix declared nowhere (review 10)
        "PREFIX ex: <http://a:> SELECT * { ?s aex:SERVICE <{url}> { } }",
        "PREFIX : <http://a:> SELECT * { ?s a:SERVICE <{url}> { } }",
        "PREFIX ex: <http://[::1]> ASK { ?s aex:SERVICE SILENT <{url}> { } }",
        # ... a prefix the gate took for declared: "prefix" glued to a name, a name read in
        # pieces beyond 64 characters (audit 11)
        "PREFIX ex: <http://a:> PREFIX prefixaex: <urn:y#> SELECT * { ?s aex:SERVICE <{url}> { } }",
        "PREFIX ex: <http://a:> PREFIX PrEfIxaex: <urn:y#> SELECT * { ?s aex:SERVICE SILENT <{url}> { } }",
        "PREFIX ex: <http://a:> PREFIX " + "z" * 70 + "-aex: <urn:y#> "
        "SELECT * { ?s aex:SERVICE <{url}> { } }",
        # ... a declaration after U+1680, which Python reads as white space and the engine as a
        # letter of the name (review 11)
        "PREFIX ex: <http://a:> PREFIX \u1680aex: <urn:y#> SELECT * { ?s aex:SERVICE <{url}> { } }",
        # ... a declared prefix of 64 characters behind the verb a: the gate read the name in
        # pieces (review 11)
        "PREFIX " + "z" * 62 + "ex: <http://a:> SELECT * { ?s a" + "z" * 62 + "ex:SERVICE <{url}> { } }",
        # ... a declared prefix of 59 to 64 characters declared again, glued to "prefix": the
        # gate read the second declaration as one of the empty prefix (audit 14)
        "PREFIX " + "z" * 64 + ": <urn:y#>\nprefix" + "z" * 64 + ": <http://a:>\n"
        "SELECT * WHERE { ?s a " + "z" * 64 + ":SERVICE <{url}> { } }",
        "PREFIX " + "z" * 59 + ": <urn:y#>\nPrEfIx" + "z" * 59 + ": <http://a:>\n"
        "ASK { OPTIONAL { ?s a " + "z" * 59 + ":SERVICE SILENT <{url}> { } } }",
        # ... and with a "-" or a "‿" in the name, which the gate read as a word, a character
        # and a shorter name (review 14)
        "PREFIX aa-" + "z" * 61 + ": <urn:y#>\nprefixaa-" + "z" * 61 + ": <http://a:>\n"
        "SELECT * WHERE { ?s a aa-" + "z" * 61 + ":SERVICE <{url}> { } }",
        "PREFIX " + "a" * 30 + "\u203f" + "z" * 30 + ": <urn:y#>\nprefix" + "a" * 30 + "\u203f"
        + "z" * 30 + ": <http://a:>\nSELECT * WHERE { ?s a " + "a" * 30 + "\u203f" + "z" * 30
        + ":SERVICE <{url}> { } }",
        # ... or a letter of a name that Python's \w is not, such as U+2100 (re-review 14)
        "PREFIX " + "a" * 30 + "\u2100" + "z" * 30 + ": <urn:y#>\nprefix" + "a" * 30 + "\u2100"
        + "z" * 30 + ": <http://a:>\nSELECT * WHERE { ?s a " + "a" * 30 + "\u2100" + "z" * 30
        + ":SERVICE <{url}> { } }",
        # a long string with an escape the engine does not read: it reads "" and a new string
        'SELECT * { VALUES (?a ?b) { ("""a") } SERVICE <{url}> { } #\\q"""\n}',
        "SELECT * { VALUES (?a ?b) { ('''a') } SERVICE <{url}> { } #\\uD800'''\n}",
        'SELECT * { VALUES (?a ?b) { ("""a") } SERVICE <{url}> { } #\\U00110000"""\n}',
        'SELECT * { VALUES (?a ?b) { ("""a") } SERVICE <{url}> { } #\\udfff"""\n}',
    ],
)
def test_the_known_bypasses_reach_the_network_in_the_engine_and_are_refused(listener, text):
    text = text.replace("{url}", listener.url)
    before = listener.count
    engine(lambda: ox.Store().query(text))
    assert listener.count > before  # the engine does connect: the oracle sees what it guards
    assert refused(text)


def test_an_iri_after_a_value_in_a_collection_is_read_as_the_engine_reads_it():
    # In a collection the gate cannot tell the parenthesis from an expression's: its other
    # reading (less-than) names the keyword and where to look. In a VALUES row, where no
    # expression stands, it reads an IRI as the engine does.
    text = "SELECT * { ?s ?p (1 <http://example.org/download>) }"
    assert engine(lambda: ox.Store().query(text)) == []
    with pytest.raises(QueryRefusedError, match=r"the '<' at line 1, column 21 as less-than"):
        check(text)
    values = "SELECT * { VALUES (?a ?b) { (1 <http://example.org/download>) } }"
    assert len(list(ox.Store().query(values))) == 1
    assert not refused(values)
    assert not refused("SELECT * { ?s <http://schema.org/serviceType> ?o FILTER(?a<?b) }")


def test_a_values_block_holds_no_expression_in_the_engine_either(listener):
    # the gate reads every "<" in a VALUES clause's rows as an IRI's start: a comparison written
    # there is no query the engine runs
    for text in (
        "PREFIX ex: <{url}>\nSELECT * { VALUES ?a { FILTER(1<2)SERVICEex:x#>\n } }",
        "PREFIX ex: <{url}>\nSELECT * { VALUES (?a) { (1<2)SERVICEex:x#>\n } }",
    ):
        text = text.replace("{url}", listener.url)
        before = listener.count
        assert engine(lambda text=text: ox.Store().query(text)) is None
        assert listener.count == before


def test_a_text_that_forks_at_every_less_than_is_refused_at_once():
    # each "1<(>" is an IRI or a less-than and a bracket: the readings multiply; refused as soon
    # as one place can be reached in more ways than the gate follows
    text = "SELECT * { FILTER(" + "1<(>" * 100 + '"' + "x" * 900_000 + '"' + ") }"
    with pytest.raises(QueryTooComplexError, match="can be read as IRIs or as less-than in too"):
        check(text)
    assert check("SELECT * { FILTER(" + "1<(>" * 3 + "1" + ")" * 3 + ") }").form == "SELECT"


def test_a_long_values_table_of_iris_counts_no_comparisons():
    rows = " ".join(f"(<urn:a{i}> <urn:b{i}> <urn:c{i}>)" for i in range(2000))
    text = f"SELECT * {{ VALUES (?a ?b ?c) {{ {rows} }} }}"
    assert len(list(ox.Store().query(text))) == 2000
    assert check(text).form == "SELECT"


# --- FROM / FROM NAMED: seen in the graphs the answer comes from -------------------------------


@st.composite
def from_queries(draw) -> tuple[str, str]:
    form = draw(st.sampled_from(["ASK", "SELECT ?o", "SELECT*", "CONSTRUCT{?s ?p ?o}WHERE"]))
    named = draw(st.booleans())
    clause = draw(spelled("FROM")) + draw(separator())
    if named:
        clause += draw(spelled("NAMED")) + draw(separator())
    graph = draw(st.sampled_from(["<urn:h>", "g:h"]))
    where = "{ GRAPH ?g { ?s ?p ?o } }" if named else "{ ?s ?p ?o }"
    if form.startswith("CONSTRUCT"):
        form = "CONSTRUCT{?s ?p ?o}"
        where = "WHERE" + draw(separator()) + where
    text = (
        "PREFIX g: <urn:> " + form + draw(separator()) + clause + graph + draw(separator()) + where
    )
    return text, ("named" if named else "default")


def answered_from_a_named_graph(store: ox.Store, text: str) -> bool:
    """The default graph is empty: any answer at all came from the graph FROM named."""
    answer = engine(lambda: store.query(text))
    if answer is None:
        return False
    return bool(answer) if isinstance(answer, ox.QueryBoolean) else len(answer) > 0


@SETTINGS
@given(case=from_queries())
def test_whatever_the_engine_reads_as_a_dataset_clause_the_gate_refuses(named_graphs, case):
    text, kind = case
    if refused(text):
        return
    if kind == "default":
        assert not answered_from_a_named_graph(named_graphs, text), f"FROM passed: {text!r}"
    else:
        answer = engine(lambda: named_graphs.query(text.replace("SELECT*", "SELECT ?g")))
        if isinstance(answer, list):
            graphs = {str(row["g"]) for row in answer if row["g"] is not None}
            assert graphs != {"<urn:h>"}, f"the gate let FROM NAMED through: {text!r}"


@pytest.mark.parametrize(
    "text",
    [
        "ASKFROM<urn:h>{ ?s ?p ?o }",  # the engine reads FROM inside "ASKFROM"
        # a less-than the gate once read as the start of an IRI up to the ">" of the comment
        "PREFIX g: <urn:>\nSELECT(1<2AS?x)(COUNT(*)AS?n)FROMg:h#>\nWHERE { ?s ?p ?o }",
        # a less-than before an IRI, "<<urn:b>", read by the gate as a triple term's opener
        "PREFIX g: <urn:>\nSELECT(1<<urn:b>||1<2AS?x)(COUNT(*)AS?n)FROMg:h#>\nWHERE { ?s ?p ?o }",
        "PREFIX g: <urn:>\nSELECT(EXISTS{}<2AS?x)(COUNT(*)AS?n)FROMg:h#>\nWHERE { ?s ?p ?o }",
        'PREFIX g: <urn:>\nSELECT("a"@en--ltr<2AS?x)(COUNT(*)AS?n)FROMg:h#>\nWHERE { ?s ?p ?o }',
        'SELECT ("\\u0022" AS ?q) (<urn:x\\u0061#> AS ?i) (COUNT(*) AS ?n) FROM <urn:h> '
        'WHERE { ?s ?p ?o }\n# """\n',
    ],
)
def test_a_glued_or_hidden_dataset_clause_is_read_by_the_engine_and_refused(named_graphs, text):
    answer = named_graphs.query(text)
    assert (
        bool(answer) if isinstance(answer, ox.QueryBoolean) else list(answer)[0]["n"].value == "1"
    )
    assert refused(text)


@pytest.mark.parametrize(
    "text",
    [
        # a prefixed name whose IRI does not parse: the engine reads "ex:", then FROM (review 9)
        "PREFIX ex: <http://a:> DESCRIBE ?s ex:FROM <urn:h> WHERE { ?s ?p ?o }",
        # a long string with an escape the engine does not read: it reads "" and a new string
        'CONSTRUCT { ?s ?p ?o . ?s ?p ("""a") } FROM <urn:h> #\\q"""\nWHERE { ?s ?p ?o }',
        'CONSTRUCT { ?s ?p ?g . ?s ?p ("""a") } FROM NAMED <urn:h> #\\q"""\n'
        "WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_a_dataset_clause_the_engine_reads_again_is_refused(named_graphs, text):
    triples = list(named_graphs.query(text))
    # read from the graph it named: its triple, or its name
    assert {t.object for t in triples} & {ox.Literal("urn:h"), ox.NamedNode("urn:h")}
    assert refused(text)


@pytest.mark.parametrize("prefix", ["ex", "z" * 57])
@pytest.mark.parametrize(
    "declared", ["", "PREFIX prefixDESCRIBEex: <urn:y#> ", "PREFIX DESCRIBEex: <urn:y#> "]
)
@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
def test_a_dataset_clause_behind_a_keyword_glued_to_a_prefix_is_refused(clause, declared, prefix):
    # DESCRIBEex: is a prefix declared nowhere: the engine reads DESCRIBE, then ex: alone (its
    # IRI with FROM does not parse), then the clause (review 10)
    store = ox.Store()
    a, h = ox.NamedNode("http://a:"), ox.NamedNode("urn:h")
    store.add(ox.Quad(a, ox.NamedNode("urn:p"), ox.Literal("only in urn:h"), h))
    text = f"PREFIX {prefix}: <http://a:> {declared}DESCRIBE{prefix}:{clause} <urn:h>"
    # read as FROM, the answer comes from urn:h; as FROM NAMED, it is empty, and a text the
    # engine did not read as the clause would have been a syntax error
    triples = list(store.query(text))
    assert [t.object for t in triples] == ([ox.Literal("only in urn:h")] if clause == "FROM" else [])
    assert refused(text)


@st.composite
def from_tables(draw) -> tuple[str, bool]:
    """A query with one or two FROM, each SQL's table (a bare name) or a dataset clause (an IRI, a
    prefixed name, NAMED and one of them), and whether any is a dataset clause."""
    clauses, real = [], False
    for _ in range(draw(st.integers(1, 2))):
        table = draw(
            st.sampled_from(
                ["therapies", "Therapies", "dbo.therapies", "t1", "my-table", "fromages", "named_x",
                 "NAMEDx", "a", "where", "<urn:h>", "g:h", "NAMED <urn:h>", "named g:h",
                 "therapies.g:h", "g:h.x", "therapies:"]
            )
        )  # fmt: skip
        clause = table[0] == "<" or ":" in table
        real = real or clause
        # a bare name glued to the next FROM is one name: only a clause's end is no name's
        after = draw(st.sampled_from([" ", "\n", ";", ",", ")", "{"] + [""] * clause))
        clauses.append(draw(spelled("FROM")) + draw(st.sampled_from([" ", "\t", "\n "])) + table + after)
    form = draw(st.sampled_from(["SELECT *", "SELECT name", "select ?o", "ASK", "SELECT*"]))
    where = draw(st.sampled_from(["", "WHERE { ?s ?p ?o }", "{ ?s ?p ?o }", "WHERE id = 1"]))
    return f"PREFIX g: <urn:> PREFIX therapies: <urn:t> {form} {''.join(clauses)} {where}", real


def said_sql(text: str) -> bool:
    """Whether the gate answers ``text`` with the hint on SQL's FROM (dataset clauses allowed or
    not: the hint comes first)."""
    answers = set()
    for allow in ((), ("dataset",)):
        try:
            check(text, allow=allow)
            answers.add(False)
        except QuerySyntaxError as error:
            answers.add("is SQL: SPARQL has no tables" in str(error))
        except QueryRefusedError:
            answers.add(False)
    assert len(answers) == 1, text
    return answers.pop()


@SETTINGS
@given(case=from_tables())
def test_a_from_the_gate_calls_sql_the_engine_reads_as_no_dataset_clause(named_graphs, case):
    """newuser23 F3: SQL's FROM therapies was refused as a dataset clause, which invited the
    reader to lift the refusal; the hint must name only what the engine's parser refuses too, and
    leave every dataset clause it reads to the refusal."""
    text, real = case
    if said_sql(text):
        assert not real, text
        with pytest.raises(SyntaxError):
            named_graphs.query(text)
    elif real:
        assert refused(text), text


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <urn:h> WHERE { ?s ?p ?o }",
        "PREFIX g: <urn:> SELECT * FROM g:h WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <urn:h> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX therapies.g: <urn:> SELECT * FROM therapies.g:h WHERE { ?s ?p ?o }",
    ],
)
def test_a_dataset_clause_after_a_from_is_no_sql_to_the_gate(named_graphs, text):
    """newuser23 F3: the engine reads these as dataset clauses: the gate refuses them as such."""
    assert list(named_graphs.query(text))
    assert refused(text) and not said_sql(text)


# --- Updates and LOAD ---------------------------------------------------------------------------

UPDATES = [
    ("INSERT", "DATA", "{ <urn:a> <urn:b> <urn:c> }"),
    ("DELETE", "DATA", "{ <urn:a> <urn:b> <urn:c> }"),
    ("DELETE", "WHERE", "{ ?s ?p ?o }"),
    ("CLEAR", "ALL", ""),
    ("DROP", "SILENT", "GRAPH <urn:g>"),
    ("CREATE", "GRAPH", "<urn:new>"),
    ("ADD", "DEFAULT", "TO <urn:g>"),
    ("MOVE", "DEFAULT", "TO <urn:g>"),
    ("COPY", "DEFAULT", "TO <urn:g>"),
    ("WITH", "<urn:g>", "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"),
]


@st.composite
def update_texts(draw) -> str:
    keyword, second, rest = draw(st.sampled_from(UPDATES))
    prologue = draw(st.sampled_from(["", "PREFIX ex: <urn:ex:>", "BASE <urn:b/>"]))
    second = draw(spelled(second)) if second.isalpha() else second
    parts = [prologue, draw(spelled(keyword)), second, rest]
    return "".join(part + draw(separator()) for part in parts)


@SETTINGS
@given(text=update_texts())
def test_whatever_the_engine_parses_as_an_update_the_gate_refuses(text):
    if refused(text):
        return
    store = ox.Store()
    assert engine(lambda: store.update(text)) is None, f"the gate let an update through: {text!r}"


@st.composite
def load_texts(draw, url: str) -> str:
    before = draw(st.sampled_from(["", "CLEAR ALL;", "CLEAR ALL ;", "PREFIX ex: <" + url + ">"]))
    parts = [
        before,
        draw(spelled("LOAD")),
        draw(st.sampled_from(["", "SILENT", "silent"])),
        draw(st.sampled_from([f"<{url}x>", "ex:x"])) if "ex:" in before else f"<{url}x>",
        draw(st.sampled_from(["", "INTO GRAPH <urn:g>", "into graph <urn:g>"])),
    ]
    return "".join(part + draw(separator()) for part in parts)


@SETTINGS
@given(data=st.data())
def test_whatever_the_engine_runs_as_load_the_gate_refuses_even_with_updates_allowed(
    listener, data
):
    text = data.draw(load_texts(listener.url))
    if refused(text, allow=("update",)):
        return
    before = listener.count
    engine(lambda: ox.Store().update(text))
    assert listener.count == before, f"the gate let LOAD through: {text!r}"


@st.composite
def using_texts(draw) -> str:
    parts = [
        "INSERT { <urn:x> <urn:y> <urn:z> }",
        draw(spelled("USING")),
        draw(st.sampled_from(["", "NAMED"])),
        "<urn:g>",
        "WHERE { ?s ?p ?o }",
    ]
    return "".join(part + draw(separator()) for part in parts)


@SETTINGS
@given(text=using_texts())
def test_whatever_the_engine_reads_as_using_the_gate_refuses(named_graphs, text):
    if refused(text, allow=("update",)):
        return
    engine(lambda: named_graphs.update(text))
    marker = ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"))
    assert marker not in named_graphs, f"the gate let USING through: {text!r}"


def test_a_triple_term_nests_as_brackets_do_and_a_glued_update_is_one():
    from atmpkg.graph.errors import QueryTooComplexError

    reified = "SELECT * { " + "<<" * 300 + "?a ?b ?c" + ">> ?b ?c" * 299 + ">> ?p ?o }"
    with pytest.raises(QueryTooComplexError, match="nests brackets 301 deep"):
        check(reified)
    for text in (
        "PREFIX ex: <urn:x> ADDex:g TO ex:h",
        'VERSION "1.2" INSERT DATA { <urn:a> <urn:b> 1 }',
    ):
        assert ox.Store().update(text) is None  # the engine takes it as an update
        assert refused(text)


def test_a_string_never_closed_is_a_syntax_error_at_once():
    from atmpkg.graph.errors import QuerySyntaxError

    with pytest.raises(QuerySyntaxError, match="^line 1: a string opened here is never closed$"):
        check('"\\' * 400_000)  # read quote by quote to the end, this took hours
    with pytest.raises(SyntaxError):
        ox.Store().query('SELECT * { ?s ?p "x }')

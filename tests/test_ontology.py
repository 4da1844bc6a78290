"""The ontology: every term documented, the closed namespace equal to atmp.ttl, shapes parse."""

from __future__ import annotations

import re
from importlib import resources

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

import atmpkg
from atmpkg.graph.terms import PREFIXES, shorten
from atmpkg.ontology.namespace import ATMP

ONTOLOGY = URIRef("https://w3id.org/atmp-kg/ontology")
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(
        data=resources.files("atmpkg.ontology").joinpath("atmp.ttl").read_text(), format="turtle"
    )


def terms(onto: Graph) -> list[URIRef]:
    kinds = (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        SKOS.ConceptScheme,
        SKOS.Concept,
    )
    return sorted({s for k in kinds for s in onto.subjects(RDF.type, k)})


def test_every_term_has_label_definition_and_is_defined_by(onto):
    missing = []
    for term in terms(onto):
        labels = [
            o
            for o in onto.objects(term, RDFS.label)
            if isinstance(o, Literal) and o.language == "en"
        ]
        definitions = [
            o
            for o in onto.objects(term, SKOS.definition)
            if isinstance(o, Literal) and o.language == "en"
        ]
        if (
            len(labels) != 1
            or len(definitions) != 1
            or (term, RDFS.isDefinedBy, ONTOLOGY) not in onto
        ):
            missing.append(str(term))
    assert missing == []
    assert len(terms(onto)) > 150


def test_closed_namespace_lists_exactly_the_ontology_terms(onto):
    declared = {str(t) for t in terms(onto) if str(t).startswith(str(ATMP._NS))}
    assert declared == {str(ATMP._NS) + name for name in ATMP.__annotations__}
    with pytest.raises(AttributeError):
        ATMP.Therapi  # noqa: B018


def test_every_concept_is_in_a_scheme(onto):
    orphans = [
        c for c in onto.subjects(RDF.type, SKOS.Concept) if (c, SKOS.inScheme, None) not in onto
    ]
    assert orphans == []


@pytest.mark.parametrize(
    "scheme",
    [
        "modality",
        "cell-source",
        "vector",
        "deal-type",
        "pathway",
        "atmp-therapy-type",
        "atmp-cell-source",
        "atmp-vector-type",
        "atmp-application",
        "atmp-end-user",
        "atmp-manufacturing-platform",
        "act-product",
        "act-application",
    ],
)
def test_segmentation_schemes_exist(onto, scheme):
    iri = URIRef(f"https://w3id.org/atmp-kg/id/scheme/{scheme}")
    assert (iri, RDF.type, SKOS.ConceptScheme) in onto
    assert len(list(onto.subjects(SKOS.inScheme, iri))) >= 2


def test_shapes_parse_and_target_ontology_classes(onto):
    shapes = Graph().parse(
        data=resources.files("atmpkg.ontology").joinpath("shapes.ttl").read_text(), format="turtle"
    )
    sh = "http://www.w3.org/ns/shacl#"
    targets = set(shapes.objects(None, URIRef(sh + "targetClass")))
    assert targets and all((t, RDF.type, OWL.Class) in onto for t in targets)


def test_a_link_a_file_adds_to_a_curated_entity_is_blamed_on_the_file(tmp_path, curated_store):
    # each breaks a count or a class of a curated therapy: the Turtle line is to blame, with
    # which of the property shape's constraints it broke
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n\n"
        "therapy:kymriah atmp:cellSource <https://w3id.org/atmp-kg/id/cell-source/allogeneic> .\n"
        'therapy:zolgensma atmp:inn "onasemnogene" .\n'
        "therapy:kymriah atmp:developedBy <https://w3id.org/atmp-kg/id/target/cd19> .\n"
    )
    found = [str(v) for v in atmpkg.open(curated_store).validate([mine])]
    assert found == [
        f"{mine}:4: therapy:kymriah: atmp:cellSource: a therapy's cell source is one of "
        "cellsource:autologous or cellsource:allogeneic (it has 2; at most 1 allowed) "
        "[shacl atmpsh:TherapyShape]",
        f"{mine}:5: therapy:zolgensma: atmp:inn: an INN is a name such as 'tisagenlecleucel' or "
        "'sipuleucel-T' (it has 2; at most 1 allowed) [shacl atmpsh:TherapyShape]",
        f"{mine}:6: therapy:kymriah: atmp:developedBy: a therapy names at least one developer "
        "company (target:cd19 is no atmp:Company) [shacl atmpsh:TherapyShape]",
    ]


def test_an_entity_written_as_text_is_given_the_entity_it_names(tmp_path, curated_store):
    """newuser23 F10: a quoted name where an entity is expected was shown as an IRI (<CD19> is no
    atmp:Target) and given nothing to write; the text is resolved as a name of the class's
    entities, as a CSV cell is, and said to name none when it names none."""
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        "@prefix therapy: <https://w3id.org/atmp-kg/id/therapy/> .\n\n"
        'therapy:kymriah atmp:target "CD19" .\n'
        'therapy:zolgensma atmp:developedBy "Novartis" .\n'
        'therapy:yescarta atmp:target "Zzz" .\n'
    )
    found = [str(v) for v in atmpkg.open(curated_store).validate([mine])]
    assert found == [
        f"{mine}:4: therapy:kymriah: atmp:target: a therapy's target is an atmp:Target, an "
        'antigen or a gene ("CD19" is text where an entity is expected: write target:cd19) '
        "[shacl atmpsh:TherapyShape]",
        f"{mine}:5: therapy:zolgensma: atmp:developedBy: a therapy names at least one developer "
        'company ("Novartis" is text where an entity is expected: write company:novartis) '
        "[shacl atmpsh:TherapyShape]",
        f"{mine}:6: therapy:yescarta: atmp:target: a therapy's target is an atmp:Target, an "
        'antigen or a gene ("Zzz" is text where an entity is expected, and names no '
        "atmp:Target) [shacl atmpsh:TherapyShape]",
    ]


def test_every_property_shape_says_what_is_expected():
    # pySHACL's own message ("Less than 1 values on <...>->atmp:modality") names no fix: every
    # property shape (or the shape that holds it) carries an sh:message that does.
    shapes = Graph().parse(
        data=resources.files("atmpkg.ontology").joinpath("shapes.ttl").read_text(), format="turtle"
    )
    message, holds = URIRef(SH + "message"), URIRef(SH + "property")
    silent = [
        str(shapes.value(prop, URIRef(SH + "path")))
        for shape, prop in shapes.subject_objects(holds)
        if (prop, message, None) not in shapes and (shape, message, None) not in shapes
    ]
    assert len(list(shapes.subject_objects(holds))) > 60 and silent == []


def test_a_shape_violation_says_what_is_expected(tmp_path, curated_store):
    therapy = tmp_path / "therapy.ttl"
    therapy.write_text(
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        "<https://w3id.org/atmp-kg/id/therapy/x> a atmp:Therapy .\n"
    )
    found = [str(v) for v in atmpkg.open(curated_store).validate([therapy])]
    assert found == [
        f"{therapy}:2: therapy:x: atmp:developedBy: a therapy names at least one developer company "
        "(it has 0; at least 1 needed) [shacl atmpsh:TherapyShape]",
        f"{therapy}:2: therapy:x: atmp:modality: a therapy names its modality, a concept of the "
        "modality scheme such as modality:car-t (it has 0; at least 1 needed) "
        "[shacl atmpsh:TherapyShape]",
        f"{therapy}:2: therapy:x: rdfs:label: needs exactly one English label "
        "(it has 0; at least 1 needed) [shacl atmpsh:LabelledShape]",
        f"{therapy}:2: therapy:x: Therapy has no dct:source [fact-has-source]",
    ]


def test_every_derived_property_names_the_rule_that_derives_it(onto):
    """A rule that inserts an atmp: property is named by that property's atmp:derivedBy, and
    every atmp:derivedBy names a rule that exists."""
    import re

    from atmpkg import queries

    rules = dict(queries.rules())
    inserted = {
        f"queries/rules/{name}.ru": set(
            re.findall(r"atmp:(\w+)", re.search(r"INSERT \{([^}]*)\}", text)[1])
        )
        for name, text in rules.items()
    }
    declared = {
        (str(prop)[len(str(ATMP._NS)) :], str(rule))
        for prop, rule in onto.subject_objects(ATMP.derivedBy)
    }
    assert declared == {(prop, rule) for rule, props in inserted.items() for prop in props}


def test_every_predeclared_namespace_ends_with_a_slash_or_a_hash():
    # terms.shorten finds an IRI's namespace where its last "/" or "#" is
    assert [ns for ns in PREFIXES.values() if not ns.endswith(("/", "#"))] == []


def _shortest_by_search(value: str) -> str:
    """shorten's definition, by trying every namespace: the longest one that leaves a valid local
    name (letters, digits, "_", "-", "." inside)."""
    best = ""
    for prefix, ns in PREFIXES.items():
        local = value[len(ns) :]
        if (
            value.startswith(ns)
            and len(ns) > len(PREFIXES.get(best, ""))
            and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local)
            and not local.endswith(".")
        ):
            best = prefix
    return f"{best}:{value[len(PREFIXES[best]) :]}" if best else f"<{value}>"


def test_shorten_agrees_with_a_search_of_every_namespace(onto, curated_store):
    iris = {str(term) for triple in onto for term in triple if isinstance(term, URIRef)}
    store = atmpkg.open(curated_store)._current().store
    for quad in store.quads_for_pattern(None, None, None):
        iris |= {t.value for t in (quad.subject, quad.object) if isinstance(t, ox.NamedNode)}
    for ns in PREFIXES.values():
        iris |= {
            ns,
            ns + "x",
            ns + "x/y",
            ns + "x#y",
            ns + "a.b",
            ns + "a.",
            ns + "-a",
            ns + "é",
            ns[:-1],
        }
    assert len(iris) > 4000
    assert {iri: shorten(iri) for iri in iris} == {iri: _shortest_by_search(iri) for iri in iris}

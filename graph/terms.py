"""IRIs, prefixes and the slug rule, as plain strings so that the query path never imports rdflib.

>>> iri("therapy", "kymriah")
'https://w3id.org/atmp-kg/id/therapy/kymriah'
"""

from __future__ import annotations

import functools
import re

ONTOLOGY = "https://w3id.org/atmp-kg/ontology"
ATMP = ONTOLOGY + "#"
ID = "https://w3id.org/atmp-kg/id/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
OWL = "http://www.w3.org/2002/07/owl#"

#: The closed vocabularies (W3C's and DCMI's), by prefix: each one's name, namespace and the terms
#: a file may use as a property or a class (their local names, space-separated); another name in
#: their namespace (``rdfs:lable``, ``dct:sources``) is a slip no tool reads. Schema.org is left
#: out: it grows with each release and its extensions.
CLOSED_VOCABULARIES = {
    "rdf": (
        "RDF",
        RDF,
        "type Property Statement subject predicate object value first rest nil List Alt Bag Seq "
        "XMLLiteral HTML langString dirLangString JSON CompoundLiteral language direction "
        "PlainLiteral reifies",
    ),
    "rdfs": (
        "RDF Schema",
        RDFS,
        "Resource Class Literal Datatype Container ContainerMembershipProperty subClassOf "
        "subPropertyOf comment label domain range seeAlso isDefinedBy member",
    ),
    "skos": (
        "SKOS",
        SKOS,
        "Concept ConceptScheme Collection OrderedCollection inScheme hasTopConcept topConceptOf "
        "prefLabel altLabel hiddenLabel notation note changeNote definition editorialNote example "
        "historyNote scopeNote semanticRelation broader narrower related broaderTransitive "
        "narrowerTransitive member memberList mappingRelation closeMatch exactMatch broadMatch "
        "narrowMatch relatedMatch",
    ),
    "dct": (
        "DCMI Metadata Terms",
        DCT,
        # the properties, classes and encoding schemes of the namespace document (2020)
        "Agent AgentClass BibliographicResource Box DCMIType DDC FileFormat Frequency IMT ISO3166 ISO639-2 ISO639-3 "
        "Jurisdiction LCC LCSH LicenseDocument LinguisticSystem Location LocationPeriodOrJurisdiction "
        "MESH MediaType MediaTypeOrExtent MethodOfAccrual MethodOfInstruction NLM Period PeriodOfTime "
        "PhysicalMedium PhysicalResource Point Policy ProvenanceStatement RFC1766 RFC3066 RFC4646 "
        "RFC5646 RightsStatement SizeOrDuration Standard TGN UDC URI W3CDTF abstract accessRights "
        "accrualMethod accrualPeriodicity accrualPolicy alternative audience available "
        "bibliographicCitation conformsTo contributor coverage created creator date dateAccepted "
        "dateCopyrighted dateSubmitted description educationLevel extent format hasFormat hasPart "
        "hasVersion identifier instructionalMethod isFormatOf isPartOf isReferencedBy isReplacedBy "
        "isRequiredBy isVersionOf issued language license mediator medium modified provenance "
        "publisher references relation replaces requires rights rightsHolder source spatial subject "
        "tableOfContents temporal title type valid",
    ),
    "owl": (
        "OWL",
        OWL,
        "AllDifferent AllDisjointClasses AllDisjointProperties Annotation AnnotationProperty "
        "AsymmetricProperty Axiom Class DataRange DatatypeProperty DeprecatedClass DeprecatedProperty "
        "FunctionalProperty InverseFunctionalProperty IrreflexiveProperty NamedIndividual "
        "NegativePropertyAssertion Nothing ObjectProperty Ontology OntologyProperty ReflexiveProperty "
        "Restriction SymmetricProperty Thing TransitiveProperty allValuesFrom annotatedProperty "
        "annotatedSource annotatedTarget assertionProperty backwardCompatibleWith bottomDataProperty "
        "bottomObjectProperty cardinality complementOf datatypeComplementOf deprecated differentFrom "
        "disjointUnionOf disjointWith distinctMembers equivalentClass equivalentProperty hasKey "
        "hasSelf hasValue imports incompatibleWith intersectionOf inverseOf maxCardinality "
        "maxQualifiedCardinality members minCardinality minQualifiedCardinality onClass onDataRange "
        "onDatatype onProperties onProperty oneOf priorVersion propertyChainAxiom "
        "propertyDisjointWith qualifiedCardinality rational real sameAs someValuesFrom "
        "sourceIndividual targetIndividual targetValue topDataProperty topObjectProperty unionOf "
        "versionIRI versionInfo withRestrictions",
    ),
    "prov": (
        "PROV-O",
        PROV,
        # PROV-O with the terms of PROV-AQ, PROV-DC and PROV-Dictionary in the same namespace
        "Accept Activity ActivityInfluence Agent AgentInfluence Association Attribution Bundle "
        "Collection Communication Contribute Contributor Copyright Create Creator Delegation "
        "Derivation Dictionary DirectQueryService EmptyCollection EmptyDictionary End Entity "
        "EntityInfluence Generation Influence Insertion InstantaneousEvent Invalidation KeyEntityPair "
        "Location Modify Organization Person Plan PrimarySource Publish Publisher Quotation Removal "
        "Replace Revision RightsAssignment RightsHolder Role ServiceDescription SoftwareAgent Start "
        "Submit Usage actedOnBehalfOf activity activityOfInfluence agent agentOfInfluence alternateOf "
        "aq asInBundle atLocation atTime category component constraints contributed definition "
        "derivedByInsertionFrom derivedByRemovalFrom describesService dictionary dm editorialNote "
        "editorsDefinition ended endedAtTime entity entityOfInfluence generalizationOf generated "
        "generatedAsDerivation generatedAtTime hadActivity hadDelegate hadDerivation "
        "hadDictionaryMember hadGeneration hadInfluence hadMember hadPlan hadPrimarySource "
        "hadRevision hadRole hadUsage has_anchor has_provenance has_query_service influenced "
        "influencer informed insertedKeyEntityPair invalidated invalidatedAtTime inverse locationOf "
        "mentionOf n order pairEntity pairKey pingback provenanceUriTemplate qualifiedAssociation "
        "qualifiedAssociationOf qualifiedAttribution qualifiedAttributionOf qualifiedCommunication "
        "qualifiedCommunicationOf qualifiedDelegation qualifiedDelegationOf qualifiedDerivation "
        "qualifiedDerivationOf qualifiedEnd qualifiedEndOf qualifiedForm qualifiedGeneration "
        "qualifiedGenerationOf qualifiedInfluence qualifiedInfluenceOf qualifiedInsertion "
        "qualifiedInvalidation qualifiedInvalidationOf qualifiedPrimarySource qualifiedQuotation "
        "qualifiedQuotationOf qualifiedRemoval qualifiedRevision qualifiedSourceOf qualifiedStart "
        "qualifiedStartOf qualifiedUsage qualifiedUsingActivity quotedAs removedKey revisedEntity "
        "sharesDefinitionWith specializationOf started startedAtTime todo unqualifiedForm used value "
        "wasActivityOfInfluence wasAssociateFor wasAssociatedWith wasAttributedTo wasDerivedFrom "
        "wasEndedBy wasGeneratedBy wasInfluencedBy wasInformedBy wasInvalidatedBy wasMemberOf "
        "wasPlanOf wasPrimarySourceOf wasQuotedFrom wasRevisionOf wasRoleIn wasStartedBy wasUsedBy "
        "wasUsedInDerivation",
    ),
}
#: The project's own IRIs, under either scheme (the ontology, the instances, the graph's name).
PROJECT_IRIS = re.compile(r"https?://w3id\.org/atmp-kg/")

#: Kinds of instance IRIs (``https://w3id.org/atmp-kg/id/<kind>/<slug>``). Each also gets a query
#: prefix: the kind without hyphens (``therapy:kymriah``, ``dealtype:acquisition``).
KINDS = (
    "agency",
    "approval",
    "claim",
    "company",
    "country",
    "deal",
    "development",
    "estimate",
    "event",
    "factor",
    "figure",
    "indication",
    "programme",
    "region",
    "review",
    "source",
    "target",
    "therapy",
    # concept schemes
    "scheme",
    "modality",
    "cell-source",
    "vector",
    "therapeutic-area",
    "pathway",
    "approval-type",
    "deal-type",
    "claim-status",
    "factor-kind",
    "timeline",
    "metric",
    "market-scope",
    "segment",
    "source-kind",
    "programme-kind",
    "date-precision",
    "event-kind",
    "submission-type",
    "goal-kind",
    "review-outcome",
)


def kind_prefix(kind: str) -> str:
    """The query prefix of an instance kind.

    >>> kind_prefix("cell-source")
    'cellsource'
    """
    return kind.replace("-", "")


#: Each kind's query prefix, with the kind it stands for (``cellsource``: ``cell-source``).
KIND_PREFIXES = {kind_prefix(kind): kind for kind in KINDS}


#: Prefixes predeclared for every query and used when printing Turtle.
PREFIXES: dict[str, str] = {
    "atmp": ATMP,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCT,
    "prov": PROV,
    "schema": SCHEMA,
    "owl": OWL,
    "atmpsh": "https://w3id.org/atmp-kg/shapes#",
    **{kind_prefix(k): f"{ID}{k}/" for k in KINDS},
}

#: A date property's comparable xsd:date comes with two more facts: how much of it the source
#: states, and the date as stated (see ontology/atmp.ttl).
DATE_DETAILS = {
    ATMP + "date": (ATMP + "datePrecision", ATMP + "dateStated"),
    ATMP + "parentSince": (ATMP + "parentSincePrecision", ATMP + "parentSinceStated"),
    DCT + "issued": (ATMP + "issuedPrecision", ATMP + "issuedStated"),
    **{
        ATMP + name: (ATMP + name + "Precision", ATMP + name + "Stated")
        for name in ("acceptedDate", "goalDate", "outcomeDate")
    },
}
#: The properties that hold a date as stated (shown in the place of the comparable date), each
#: with the comparable date's property (a FILTER compares that one).
STATED_DATES = {stated: date for date, (_, stated) in DATE_DETAILS.items()}

#: Derived facts a network leaves out: links that restate a path it already draws (a therapy's
#: first approval is one of its approvals, and so is each decision of that agency on the product; a
#: company's portfolio runs through its subsidiaries, and so do its ultimate parent and its
#: ownership line; a deal's other side is its target, the target's developer or its counterparty;
#: an area lies within the regions its part-of links reach), the end of a date's period (the date
#: as stated shows it), the day an ending event ends an approval (the event's date shows it) and
#: the day a review was first reported (its sources' dates as stated show it). Queries use them;
#: drawn, they would double every connection. The approval that decided a review
#: (``decidedBy``) is no shortcut: of the approvals of the review's product it names the one, as
#: the event that ended an approval (``endedBy``) does, so both are shown and drawn.
SHORTCUTS = frozenset(
    ATMP + name
    for name in (
        "agencyFirstApproval",
        "agencyDecision",
        "firstApproval",
        "nextAgencyApproval",
        "portfolioProduct",
        "heldBy",
        "holdsProduct",
        "ultimateParent",
        "ownershipLine",
        "otherSide",
        "within",
        "dateEnd",
        "acceptedDateEnd",
        "goalDateEnd",
        "outcomeDateEnd",
        "inForceUntil",
        "firstReported",
    )
)
#: Derived links an entity's own page lists, though networks leave them out and the page of the
#: entity they point to does not list them: an approval's authorisation holder is its sponsor for
#: most approvals (drawn, or listed among a company's incoming links, it would double that link)
#: and, for the others, the company a holder transfer or a sale moved the authorisation to, which
#: is the answer to "who holds it now" that the approval's page gives.
OWN_PAGE_ONLY = frozenset({ATMP + "authorisationHolder"})
#: The link from a retired IRI to the entity that replaced it (``graph/data/retired.csv``). A
#: retired IRI names no entity: networks, views, paths and ranks leave it out, and this link.
REPLACED_BY = DCT + "isReplacedBy"
#: The ontology's mark of a property the build derives, with the rule that does it.
DERIVED_BY = ATMP + "derivedBy"
#: The links a network leaves out: the derived shortcuts, the links only an entity's own page
#: lists and the retired IRIs' pointers.
NOT_DRAWN = SHORTCUTS | OWN_PAGE_ONLY | {REPLACED_BY}

#: The classes whose instances are hubs: a country, a region, an agency or a concept value (a
#: modality, a deal type) is linked to so many entities that, followed as a link, it connects
#: everything to everything (Kite Pharma would reach 82 companies through "United States").
#: Networks (views, paths, rankings, network exports) show a hub as an attribute of each entity
#: linked to it, and follow it as a link only when asked (``through=``). The vocabulary's own
#: structure (its schemes and collections) is a hub too.
HUB_CLASSES = (
    "atmp:GeographicArea",
    "atmp:RegulatoryAgency",
    "skos:Concept",
    "skos:ConceptScheme",
    "skos:Collection",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-{1,2}[a-z0-9]+)*$")


def iri(kind: str, slug: str) -> str:
    """The instance IRI of a record of ``kind`` with ``slug``.

    >>> iri("company", "novartis")
    'https://w3id.org/atmp-kg/id/company/novartis'
    """
    return f"{ID}{kind}/{slug}"


def split_iri(value: str) -> tuple[str, str] | None:
    """``(kind, slug)`` of an instance IRI, or None for any other IRI.

    >>> split_iri("https://w3id.org/atmp-kg/id/therapy/kymriah")
    ('therapy', 'kymriah')
    """
    if not value.startswith(ID):
        return None
    kind, _, slug = value[len(ID) :].partition("/")
    return (kind, slug) if kind and slug and "/" not in slug else None


def expand(prefixed: str) -> str:
    """The full IRI of a prefixed name written with the predeclared prefixes (``<…>`` and other
    text are returned without their brackets).

    >>> expand("atmp:Therapy")
    'https://w3id.org/atmp-kg/ontology#Therapy'
    """
    prefix, _, local = prefixed.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else prefixed.strip("<>")


#: Each predeclared namespace by the IRI it abbreviates. Every namespace ends with "/" or "#"
#: (tests/test_ontology.py checks it), so the one that applies to an IRI ends where the IRI's last
#: "/" or "#" does: any shorter one would leave a "/" or "#" in the local name.
_BY_NAMESPACE = {ns: prefix for prefix, ns in PREFIXES.items()}
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@functools.lru_cache(maxsize=65536)
def shorten(value: str) -> str:
    """Write an IRI with the predeclared prefixes when one applies.

    >>> shorten("https://w3id.org/atmp-kg/ontology#Therapy")
    'atmp:Therapy'
    >>> shorten("https://w3id.org/atmp-kg/id/therapy/a/b"), shorten("https://w3id.org/atmp-kg/id/therapy/a.")
    ('<https://w3id.org/atmp-kg/id/therapy/a/b>', '<https://w3id.org/atmp-kg/id/therapy/a.>')
    """
    cut = max(value.rfind("/"), value.rfind("#")) + 1
    prefix, local = _BY_NAMESPACE.get(value[:cut]), value[cut:]
    if prefix is not None and _LOCAL_NAME.fullmatch(local) and not local.endswith("."):
        return f"{prefix}:{local}"
    return f"<{value}>"


#: Where the IRIs of source documents start.
SOURCES = ID + "source/"
#: The properties that name an entity, as a SPARQL property path: how a label, a brand, an INN,
#: an acronym, a code name, an ISO code or an HGNC symbol finds it.
NAME_PROPERTIES = "rdfs:label|skos:prefLabel|skos:altLabel|atmp:brandName|atmp:inn|atmp:acronym|atmp:codeName|atmp:isoCode|atmp:hgncSymbol"


#: What a label adds in brackets at its end.
_BRACKETED = re.compile(r"\s*\([^()]*\)$")


def named_by(
    names: dict[str, set[str]], text: str, unbracketed: dict[str, set[str]] | None = None
) -> set[str]:
    """The entities ``names`` (each lower-cased name with the IRIs it names) gives ``text``, in
    any case, also when it is written as a slug, as an INN often is; ``unbracketed``, the names
    without what they add in brackets (:func:`without_brackets` of ``names``), saves making them
    again for each of many texts.

    >>> named_by({"obecabtagene autoleucel": {"therapy/aucatzyl"}}, "obecabtagene-autoleucel")
    {'therapy/aucatzyl'}
    >>> named_by({"b-cell maturation antigen (bcma, tnfrsf17)": {"target/bcma"}}, "B-cell maturation antigen")
    {'target/bcma'}
    """
    lowered = text.lower()
    found = names.get(lowered, set())
    if not found and SLUG_RE.match(text):
        found = names.get(lowered.replace("-", " "), set())
    if not found:  # a name without what its label adds in brackets: "B-cell maturation antigen"
        found = (unbracketed if unbracketed is not None else without_brackets(names)).get(lowered, set())
    return found


def without_brackets(names: dict[str, set[str]]) -> dict[str, set[str]]:
    """``names`` (lower-cased names with what they name) by each name without what it adds in
    brackets at its end.

    >>> without_brackets({"b-cell maturation antigen (bcma)": {"target/bcma"}})
    {'b-cell maturation antigen': {'target/bcma'}}
    """
    found: dict[str, set[str]] = {}
    for name, named in names.items():
        found.setdefault(_BRACKETED.sub("", name), set()).update(named)
    return found

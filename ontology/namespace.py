"""The ATMP-KG ontology as a closed rdflib namespace: a misspelt term fails at once.

>>> from atmpkg.ontology.namespace import ATMP
>>> ATMP.Therapy
rdflib.term.URIRef('https://w3id.org/atmp-kg/ontology#Therapy')
>>> ATMP.Therapi
Traceback (most recent call last):
...
AttributeError: term 'Therapi' not in namespace 'https://w3id.org/atmp-kg/ontology#'
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef


class ATMP(DefinedNamespace):
    """Classes and properties of ``https://w3id.org/atmp-kg/ontology#`` (kept equal to atmp.ttl by a test)."""

    _fail = True
    _NS = Namespace("https://w3id.org/atmp-kg/ontology#")

    # classes
    Approval: URIRef
    Claim: URIRef
    Company: URIRef
    Country: URIRef
    Deal: URIRef
    Development: URIRef
    GeographicArea: URIRef
    Indication: URIRef
    LifecycleEvent: URIRef
    MarketEstimate: URIRef
    MarketFactor: URIRef
    ProductFigure: URIRef
    Programme: URIRef
    Region: URIRef
    RegulatoryAgency: URIRef
    RegulatoryReview: URIRef
    Source: URIRef
    Target: URIRef
    Therapy: URIRef

    # properties
    about: URIRef
    acceptedDate: URIRef
    acceptedDateEnd: URIRef
    acceptedDatePrecision: URIRef
    acceptedDateStated: URIRef
    acquirer: URIRef
    acronym: URIRef
    agency: URIRef
    agencyDecision: URIRef
    agencyFirstApproval: URIRef
    approval: URIRef
    approvalCount: URIRef
    approvalType: URIRef
    approvedProducts: URIRef
    authorisationHolder: URIRef
    authorisedName: URIRef
    blaNumber: URIRef
    brandName: URIRef
    cagrFrom: URIRef
    cagrImpactPercent: URIRef
    cagrPercent: URIRef
    cagrTo: URIRef
    carriedProduct: URIRef
    cellSource: URIRef
    codeName: URIRef
    counterparty: URIRef
    date: URIRef
    dateEnd: URIRef
    datePrecision: URIRef
    dateStated: URIRef
    daysAfterFirstApproval: URIRef
    daysToSecondAgency: URIRef
    dealTarget: URIRef
    dealType: URIRef
    decidedBy: URIRef
    derivedBy: URIRef
    developedBy: URIRef
    develops: URIRef
    endedBy: URIRef
    endedEverywhere: URIRef
    equityUSD: URIRef
    euProcedureNumber: URIRef
    eventKind: URIRef
    evidence: URIRef
    factorKind: URIRef
    firstApproval: URIRef
    firstReported: URIRef
    forecastValueUSD: URIRef
    forecastYear: URIRef
    formatterURL: URIRef
    geography: URIRef
    goalDate: URIRef
    goalDateEnd: URIRef
    goalDatePrecision: URIRef
    goalDateStated: URIRef
    goalKind: URIRef
    hasSubsidiary: URIRef
    headquarteredIn: URIRef
    hgncId: URIRef
    heldBy: URIRef
    hgncSymbol: URIRef
    holdsProduct: URIRef
    indication: URIRef
    indicationText: URIRef
    inForceUntil: URIRef
    inn: URIRef
    isoCode: URIRef
    issuedPrecision: URIRef
    issuedStated: URIRef
    jurisdiction: URIRef
    maxDaysToSecondAgency: URIRef
    meshId: URIRef
    metric: URIRef
    milestonesUSD: URIRef
    minDaysToSecondAgency: URIRef
    modality: URIRef
    mondoId: URIRef
    newHolder: URIRef
    nextAgencyApproval: URIRef
    outcomeDate: URIRef
    outcomeDateEnd: URIRef
    outcomeDatePrecision: URIRef
    outcomeDateStated: URIRef
    otherSide: URIRef
    ownershipLine: URIRef
    parentSince: URIRef
    parentSincePrecision: URIRef
    parentSinceStated: URIRef
    partOf: URIRef
    partialInverseOf: URIRef
    pathway: URIRef
    period: URIRef
    pivotalTrial: URIRef
    portfolioProduct: URIRef
    product: URIRef
    programmeKind: URIRef
    properName: URIRef
    reviewOutcome: URIRef
    scope: URIRef
    segment: URIRef
    sharePercent: URIRef
    sourceKind: URIRef
    sponsor: URIRef
    statement: URIRef
    status: URIRef
    submissionType: URIRef
    subsidiaryOf: URIRef
    target: URIRef
    targetKind: URIRef
    therapeuticArea: URIRef
    timeline: URIRef
    ultimateParent: URIRef
    uniprotId: URIRef
    upfrontUSD: URIRef
    valueOriginal: URIRef
    valueAtLeastUSD: URIRef
    valueUSD: URIRef
    vector: URIRef
    wikidataId: URIRef
    within: URIRef
    year: URIRef

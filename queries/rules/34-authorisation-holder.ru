# summary: Materialise atmp:authorisationHolder, from each approval to the company that holds the authorisation it was granted under today (or last held it, where an event ended it): the new holder of the latest holder transfer of its product by its agency dated on or after it, else its sponsor; where that holder's group later sold a company the product went with (atmp:carriedProduct), that company.
# after: 10-ended-by 17-carried-product
# A licence is held by a company, not a group: when the holder is sold, it keeps the licence and its
# new owner is its atmp:ultimateParent. A licence does move with a sale that carried its product:
# Valeant took Provenge's US licence out of Dendreon's Chapter 11 sale in 2015 and sold Dendreon,
# with Provenge, to Sanpower in 2017, so the licence is Dendreon's again (FDA's label of 2025 names
# Dendreon Pharmaceuticals LLC). A sale after the authorisation ended moves nothing.
INSERT { ?approval atmp:authorisationHolder ?holder }
WHERE {
  ?approval a atmp:Approval ; atmp:product ?therapy ; atmp:agency ?agency ; atmp:date ?granted .
  OPTIONAL {
    ?move atmp:eventKind eventkind:holder-transfer ; atmp:product ?therapy ; atmp:agency ?agency ;
          atmp:newHolder ?to ; atmp:date ?moved .
    FILTER(?moved >= ?granted)
    FILTER NOT EXISTS {
      ?later atmp:eventKind eventkind:holder-transfer ; atmp:product ?therapy ;
             atmp:agency ?agency ; atmp:newHolder ?other ; atmp:date ?movedLater .
      FILTER(?movedLater > ?moved)
    }
  }
  OPTIONAL { ?approval atmp:sponsor ?sponsor }
  BIND(COALESCE(?to, ?sponsor) AS ?held)
  BIND(COALESCE(?moved, ?granted) AS ?since)
  FILTER(BOUND(?held))
  OPTIONAL {
    ?sale atmp:carriedProduct ?therapy ; atmp:counterparty ?seller ; atmp:dealTarget ?company ;
          atmp:date ?sold .
    ?held atmp:subsidiaryOf* ?seller .
    FILTER(?since < ?sold)
    FILTER NOT EXISTS { ?approval atmp:endedBy/atmp:date ?ended FILTER(?ended < ?sold) }
  }
  BIND(COALESCE(?company, ?held) AS ?holder)
}

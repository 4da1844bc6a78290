# summary: Give fact nodes that have no name of their own a readable rdfs:label built from what they link.
INSERT { ?approval rdfs:label ?label }
WHERE {
  ?approval a atmp:Approval ; atmp:product/rdfs:label ?therapy ; atmp:agency/atmp:acronym ?agency ;
            atmp:date ?date ; atmp:indication/rdfs:label ?indication .
  FILTER NOT EXISTS { ?approval rdfs:label ?any }
  BIND(STRLANG(CONCAT(STR(?therapy), " — ", ?agency, " ", STR(?date), " (", STR(?indication), ")"), "en") AS ?label)
} ;
INSERT { ?deal rdfs:label ?label }
WHERE {
  {
    SELECT ?deal (GROUP_CONCAT(DISTINCT STR(?buyerName); separator=" & ") AS ?buyers)
           (GROUP_CONCAT(DISTINCT STR(?targetName); separator=" & ") AS ?targets)
           (SAMPLE(?typeName) AS ?type) (SAMPLE(?date) AS ?when)
    WHERE {
      ?deal a atmp:Deal ; atmp:acquirer/rdfs:label ?buyerName ; atmp:dealTarget/rdfs:label ?targetName ;
            atmp:dealType/skos:prefLabel ?typeName ; atmp:date ?date .
      FILTER NOT EXISTS { ?deal rdfs:label ?any }
    }
    GROUP BY ?deal
  }
  BIND(STRLANG(CONCAT(?buyers, " – ", ?targets, " (", STR(?type), ", ", SUBSTR(STR(?when), 1, 4), ")"), "en") AS ?label)
} ;
INSERT { ?estimate rdfs:label ?label }
WHERE {
  ?estimate a atmp:MarketEstimate ; atmp:scope/skos:prefLabel ?scope .
  OPTIONAL { ?estimate atmp:segment/skos:prefLabel ?segment }
  OPTIONAL { ?estimate atmp:geography/rdfs:label ?geo }
  OPTIONAL { ?estimate atmp:year ?year }
  FILTER NOT EXISTS { ?estimate rdfs:label ?any }
  BIND(STRLANG(CONCAT(STR(?scope),
       COALESCE(CONCAT(": ", STR(?segment)), ""), COALESCE(CONCAT(", ", STR(?geo)), ""),
       COALESCE(CONCAT(" (", STR(?year), ")"), "")), "en") AS ?label)
} ;
INSERT { ?figure rdfs:label ?label }
WHERE {
  ?figure a atmp:ProductFigure ; atmp:product/rdfs:label ?therapy ; atmp:metric/skos:prefLabel ?metric .
  OPTIONAL { ?figure atmp:period ?period }
  FILTER NOT EXISTS { ?figure rdfs:label ?any }
  BIND(STRLANG(CONCAT(STR(?therapy), " ", STR(?metric), COALESCE(CONCAT(" ", STR(?period)), "")), "en") AS ?label)
} ;
INSERT { ?claim rdfs:label ?label }
WHERE {
  ?claim a atmp:Claim ; atmp:statement ?statement .
  FILTER NOT EXISTS { ?claim rdfs:label ?any }
  BIND(STRLANG(IF(STRLEN(?statement) > 90, CONCAT(SUBSTR(?statement, 1, 89), "…"), ?statement), "en") AS ?label)
}

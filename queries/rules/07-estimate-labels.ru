# summary: Give each market estimate without a name of its own a readable rdfs:label: scope, segment, geography, year.
# after: 06-deal-labels
INSERT { ?estimate rdfs:label ?label }
WHERE {
  { SELECT ?estimate WHERE { ?estimate a atmp:MarketEstimate FILTER NOT EXISTS { ?estimate rdfs:label ?any } } }
  ?estimate atmp:scope/skos:prefLabel ?scope .
  OPTIONAL { ?estimate atmp:segment/skos:prefLabel ?segment }
  OPTIONAL { ?estimate atmp:geography/rdfs:label ?geo }
  OPTIONAL { ?estimate atmp:year ?year }
  BIND(STRLANG(CONCAT(STR(?scope),
       COALESCE(CONCAT(": ", STR(?segment)), ""), COALESCE(CONCAT(", ", STR(?geo)), ""),
       COALESCE(CONCAT(" (", STR(?year), ")"), "")), "en") AS ?label)
}

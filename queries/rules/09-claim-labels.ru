# summary: Give each claim without a name of its own a readable rdfs:label: its statement, cut at 90 characters.
# after: 08-figure-labels
INSERT { ?claim rdfs:label ?label }
WHERE {
  { SELECT ?claim WHERE { ?claim a atmp:Claim FILTER NOT EXISTS { ?claim rdfs:label ?any } } }
  ?claim atmp:statement ?statement .
  BIND(STRLANG(IF(STRLEN(?statement) > 90, CONCAT(SUBSTR(?statement, 1, 89), "…"), ?statement), "en") AS ?label)
}

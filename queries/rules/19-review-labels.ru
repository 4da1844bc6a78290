# summary: Give each regulatory review without a name of its own a readable rdfs:label: product, agency, submission, indication.
# after: 11-event-labels
INSERT { ?review rdfs:label ?label }
WHERE {
  { SELECT ?review WHERE { ?review a atmp:RegulatoryReview FILTER NOT EXISTS { ?review rdfs:label ?any } } }
  ?review atmp:product/rdfs:label ?therapy ; atmp:agency/atmp:acronym ?agency .
  OPTIONAL { ?review atmp:indication/rdfs:label ?indication }
  OPTIONAL { ?review atmp:goalDateStated ?goal }
  BIND(STRLANG(CONCAT(STR(?therapy), " — ", ?agency, " review",
                      COALESCE(CONCAT(" (", STR(?indication), ")"), ""),
                      COALESCE(CONCAT(", goal ", STR(?goal)), "")), "en") AS ?label)
}

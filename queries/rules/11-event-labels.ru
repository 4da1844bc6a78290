# summary: Give each lifecycle event without a name of its own a readable rdfs:label: product, agency, what happened, date as stated.
# after: 09-claim-labels
INSERT { ?event rdfs:label ?label }
WHERE {
  { SELECT ?event WHERE { ?event a atmp:LifecycleEvent FILTER NOT EXISTS { ?event rdfs:label ?any } } }
  ?event atmp:product/rdfs:label ?therapy ; atmp:agency/atmp:acronym ?agency ;
         atmp:eventKind/skos:prefLabel ?kind ; atmp:dateStated ?date .
  BIND(STRLANG(CONCAT(STR(?therapy), " — ", ?agency, " ", STR(?kind), " ", STR(?date)), "en") AS ?label)
}

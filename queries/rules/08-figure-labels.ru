# summary: Give each product figure without a name of its own a readable rdfs:label: product, metric, period.
# after: 07-estimate-labels
INSERT { ?figure rdfs:label ?label }
WHERE {
  { SELECT ?figure WHERE { ?figure a atmp:ProductFigure FILTER NOT EXISTS { ?figure rdfs:label ?any } } }
  ?figure atmp:product/rdfs:label ?therapy ; atmp:metric/skos:prefLabel ?metric .
  OPTIONAL { ?figure atmp:period ?period }
  BIND(STRLANG(CONCAT(STR(?therapy), " ", STR(?metric), COALESCE(CONCAT(" ", STR(?period)), "")), "en") AS ?label)
}

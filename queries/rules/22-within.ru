# summary: Materialise atmp:within, from each country or region to itself and every region it lies in, at any depth.
# after: -
INSERT { ?place atmp:within ?area }
WHERE {
  ?place a ?class .
  ?class rdfs:subClassOf+ atmp:GeographicArea .
  ?place atmp:partOf* ?area .
}

# summary: Materialise atmp:endedEverywhere for each approved product: true when an ending event ended every approval it has (no agency in the graph authorises it any more), else false.
# after: 03-approval 10-ended-by
INSERT { ?therapy atmp:endedEverywhere ?ended }
WHERE {
  { SELECT DISTINCT ?therapy WHERE { ?therapy a atmp:Therapy ; atmp:approval ?any } }
  BIND(NOT EXISTS { ?therapy atmp:approval ?approval FILTER NOT EXISTS { ?approval atmp:endedBy ?event } } AS ?ended)
}

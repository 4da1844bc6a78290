# summary: Materialise atmp:endedEverywhere, true for an approved product whose every approval an ending event ended: no agency in the graph authorises it any more.
# after: 03-approval 10-ended-by
INSERT { ?therapy atmp:endedEverywhere true }
WHERE {
  ?therapy a atmp:Therapy ; atmp:approval ?any .
  FILTER NOT EXISTS { ?therapy atmp:approval ?approval FILTER NOT EXISTS { ?approval atmp:endedBy ?event } }
}

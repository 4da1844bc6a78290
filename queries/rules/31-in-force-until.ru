# summary: Materialise atmp:inForceUntil, the day from which an approval is no longer in force: the earliest of the last days of the periods of the lifecycle events that ended it (atmp:endedBy).
# after: 10-ended-by 18-date-end
INSERT { ?approval atmp:inForceUntil ?until }
WHERE {
  SELECT ?approval (MIN(?end) AS ?until)
  WHERE { ?approval atmp:endedBy ?event . ?event atmp:dateEnd ?end }
  GROUP BY ?approval
}

# summary: Materialise atmp:firstApproval, a therapy's earliest approval by any agency (several when agencies decided on the same day).
# after: 12-agency-first-approval
INSERT { ?therapy atmp:firstApproval ?approval }
WHERE {
  {
    SELECT ?therapy (MIN(?date) AS ?first)
    WHERE { ?therapy atmp:agencyFirstApproval ?any . ?any atmp:date ?date }
    GROUP BY ?therapy
  }
  ?therapy atmp:agencyFirstApproval ?approval .
  ?approval atmp:date ?first .
}

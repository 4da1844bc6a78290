# summary: Materialise atmp:agencyFirstApproval, a therapy's earliest approval by each agency that approved it.
# after: 03-approval
# Dates compare by their first day (atmp:date), so a month-only decision counts from the first of
# its month; decisions on the same earliest day (two indications at once) are both first.
INSERT { ?therapy atmp:agencyFirstApproval ?approval }
WHERE {
  {
    SELECT ?therapy ?agency (MIN(?date) AS ?first)
    WHERE { ?therapy atmp:approval ?any . ?any atmp:agency ?agency ; atmp:date ?date }
    GROUP BY ?therapy ?agency
  }
  ?therapy atmp:approval ?approval .
  ?approval atmp:agency ?agency ; atmp:date ?first .
}

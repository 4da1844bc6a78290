# summary: Materialise atmp:nextAgencyApproval, from a therapy's first approval to the earliest approval of the therapy by another agency.
# after: 12-agency-first-approval 13-first-approval
INSERT { ?first atmp:nextAgencyApproval ?next }
WHERE {
  {
    SELECT ?first (MIN(?date) AS ?earliest)
    WHERE {
      ?therapy atmp:firstApproval ?first ; atmp:agencyFirstApproval ?other .
      ?first atmp:agency ?agency .
      ?other atmp:agency ?otherAgency ; atmp:date ?date .
      FILTER(?otherAgency != ?agency)
    }
    GROUP BY ?first
  }
  ?therapy atmp:firstApproval ?first ; atmp:agencyFirstApproval ?next .
  ?first atmp:agency ?agency .
  ?next atmp:agency ?nextAgency ; atmp:date ?earliest .
  FILTER(?nextAgency != ?agency)
}

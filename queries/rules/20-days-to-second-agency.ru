# summary: Materialise atmp:daysToSecondAgency, the days from a therapy's first approval to its first approval by another agency, when both days are known.
# after: 14-next-agency-approval 15-days-after-first-approval
# A therapy approved for two indications on its first day has two first approvals, which lead to
# the same second agency on the same day: one number per therapy.
INSERT { ?therapy atmp:daysToSecondAgency ?days }
WHERE {
  SELECT ?therapy (MIN(?gap) AS ?days)
  WHERE { ?therapy atmp:firstApproval/atmp:nextAgencyApproval/atmp:daysAfterFirstApproval ?gap }
  GROUP BY ?therapy
}

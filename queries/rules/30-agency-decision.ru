# summary: Materialise atmp:agencyDecision, from a therapy's first approval by an agency to every approval of the therapy by that agency, itself included.
# after: 03-approval 12-agency-first-approval
# What the agency authorises a product under: a query that asks whether one of these decisions is
# in force reads them from the first approval, not by filtering every approval of the product.
INSERT { ?first atmp:agencyDecision ?approval }
WHERE {
  ?therapy atmp:agencyFirstApproval ?first ; atmp:approval ?approval .
  ?first atmp:agency ?agency .
  ?approval atmp:agency ?agency .
}

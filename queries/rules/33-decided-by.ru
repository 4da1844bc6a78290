# summary: Materialise atmp:decidedBy, from a regulatory review to the approval that decided it: the earliest approval of its product by its agency, for its indication where the review names one, dated on or after the day the review is known to be under way (its atmp:acceptedDateEnd, else atmp:firstReported), and not after the period of its recorded outcome ends.
# after: 03-approval 18-date-end 29-first-reported
# An approval the agency granted before the review was known to be under way (the product's first
# approval, when the review is of a supplement) decided an earlier application; one for another
# indication (a label expansion) decided another application. A review whose recorded outcome is
# not an approval keeps no link to an approval granted after that outcome (a resubmission is a
# review of its own); the check review-outcome-agrees-with-approval refuses one granted before it.
# A review known from no day (no acceptance, no dated source) is linked to no approval: which
# approvals came after it is not known.
INSERT { ?review atmp:decidedBy ?approval }
WHERE {
  {
    SELECT ?review (MIN(?date) AS ?first)
    WHERE {
      ?review a atmp:RegulatoryReview ; atmp:agency ?agency ; atmp:product ?therapy ;
              atmp:acceptedDateEnd|atmp:firstReported ?since .
      ?therapy atmp:approval ?candidate .
      ?candidate atmp:agency ?agency ; atmp:date ?date .
      FILTER(?date >= ?since)
      FILTER NOT EXISTS { ?review atmp:outcomeDateEnd ?outcome FILTER(?date > ?outcome) }
      FILTER NOT EXISTS {
        ?review atmp:indication ?indication FILTER NOT EXISTS { ?candidate atmp:indication ?indication }
      }
    }
    GROUP BY ?review
  }
  # the approvals granted on that day: of them, those that meet the conditions above
  ?review atmp:agency ?agency ; atmp:product/atmp:approval ?approval .
  ?approval atmp:agency ?agency ; atmp:date ?first .
  FILTER NOT EXISTS {
    ?review atmp:indication ?indication FILTER NOT EXISTS { ?approval atmp:indication ?indication }
  }
}

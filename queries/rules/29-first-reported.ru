# summary: Materialise atmp:firstReported of a regulatory review whose accepted date is not recorded: the earliest dct:issued of the sources it cites (the first day of the period each states).
# after: -
# Such a review is not known to be under way before this day: pending-reviews and
# regulatory-calendar count it from it, as they count an accepted one from atmp:acceptedDateEnd.
INSERT { ?review atmp:firstReported ?first }
WHERE {
  SELECT ?review (MIN(?issued) AS ?first)
  WHERE {
    ?review a atmp:RegulatoryReview ; dct:source/dct:issued ?issued .
    FILTER NOT EXISTS { ?review atmp:acceptedDate ?accepted }
  }
  GROUP BY ?review
}

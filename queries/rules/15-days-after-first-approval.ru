# summary: Materialise atmp:daysAfterFirstApproval on each approval whose day, and its therapy's first approval day, are known.
# after: 03-approval 13-first-approval
# The difference of two xsd:date values is an xsd:dayTimeDuration ("P425D", or "PT0S" for none),
# whose day count is its number.
INSERT { ?approval atmp:daysAfterFirstApproval ?days }
WHERE {
  ?therapy atmp:firstApproval ?first ; atmp:approval ?approval .
  ?first atmp:date ?start ; atmp:datePrecision dateprecision:day .
  ?approval atmp:date ?day ; atmp:datePrecision dateprecision:day .
  BIND(STR(?day - ?start) AS ?gap)
  BIND(IF(?gap = "PT0S", 0, xsd:integer(STRBEFORE(STRAFTER(?gap, "P"), "D"))) AS ?days)
}

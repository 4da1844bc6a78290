# summary: Materialise the last day of the period a date stands for (atmp:dateEnd of a fact's date, atmp:acceptedDateEnd, atmp:goalDateEnd and atmp:outcomeDateEnd of a review's accepted, goal and outcome dates): the day itself, the last day of its month, or 31 December of its year.
# after: -
# Each solution binds one of ?fact, ?accepted, ?review and ?decided, and the template writes the
# triple whose subject is bound.
# The day after the period is its month's or year's successor's first day; one day before it is the end.
INSERT {
  ?fact atmp:dateEnd ?end . ?accepted atmp:acceptedDateEnd ?end .
  ?review atmp:goalDateEnd ?end . ?decided atmp:outcomeDateEnd ?end
}
WHERE {
  { ?fact atmp:date ?start ; atmp:datePrecision ?precision }
  UNION
  { ?accepted atmp:acceptedDate ?start ; atmp:acceptedDatePrecision ?precision }
  UNION
  { ?review atmp:goalDate ?start ; atmp:goalDatePrecision ?precision }
  UNION
  { ?decided atmp:outcomeDate ?start ; atmp:outcomeDatePrecision ?precision }
  BIND(IF(?precision = dateprecision:month && MONTH(?start) < 12,
          CONCAT(STR(YEAR(?start)), "-", SUBSTR(STR(101 + MONTH(?start)), 2), "-01"),
          CONCAT(STR(YEAR(?start) + 1), "-01-01")) AS ?after)
  BIND(IF(?precision = dateprecision:day, ?start, xsd:date(?after) - "P1D"^^xsd:dayTimeDuration) AS ?end)
}

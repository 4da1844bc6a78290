# summary: Materialise atmp:dateEnd, the last day of the period a fact's date stands for: the day itself, the last day of its month, or 31 December of its year.
# after: -
# The day after the period is its month's or year's successor's first day; one day before it is the end.
INSERT { ?fact atmp:dateEnd ?end }
WHERE {
  ?fact atmp:date ?start ; atmp:datePrecision ?precision .
  BIND(IF(?precision = dateprecision:month && MONTH(?start) < 12,
          CONCAT(STR(YEAR(?start)), "-", SUBSTR(STR(101 + MONTH(?start)), 2), "-01"),
          CONCAT(STR(YEAR(?start) + 1), "-01-01")) AS ?after)
  BIND(IF(?precision = dateprecision:day, ?start, xsd:date(?after) - "P1D"^^xsd:dayTimeDuration) AS ?end)
}

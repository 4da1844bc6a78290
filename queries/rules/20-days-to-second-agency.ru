# summary: Materialise atmp:minDaysToSecondAgency and atmp:maxDaysToSecondAgency, the least and the most days a therapy's first approval anywhere and its first approval by another agency can be apart whatever the precision of their dates, and atmp:daysToSecondAgency where the two meet.
# after: 12-agency-first-approval 13-first-approval 18-date-end
# Each agency's first approval falls in its period, from atmp:date to atmp:dateEnd. Where periods
# overlap, which agency came first is not known: each agency that may have come first (its period
# starts by the earliest end of the others') gives the least and most days to the others' first,
# from the end of its period to the others' earliest start (0 at the least) and from its start to
# their earliest end. The bounds hold whichever of them came first; they meet where the first two
# dates are days: one number per therapy, however many indications an agency approved that day.
# An agency whose period starts after the end of the first approval's (atmp:firstApproval) came
# after it: only the others are weighed, which spares the build the pairs of later agencies.
INSERT {
  ?therapy atmp:minDaysToSecondAgency ?least ; atmp:maxDaysToSecondAgency ?most ; atmp:daysToSecondAgency ?days
}
WHERE {
  {
    SELECT ?therapy (MIN(?fewest) AS ?least) (MAX(?longest) AS ?most)
    WHERE {
      {
        SELECT ?therapy ?one ?oneStart ?oneEnd (MIN(?twoStart) AS ?othersStart) (MIN(?twoEnd) AS ?othersEnd)
        WHERE {
          ?therapy atmp:firstApproval/atmp:dateEnd ?firstEnd ; atmp:agencyFirstApproval ?one , ?two .
          ?one atmp:date ?oneStart ; atmp:dateEnd ?oneEnd ; atmp:agency ?agency .
          FILTER(?oneStart <= ?firstEnd)
          ?two atmp:agency ?other ; atmp:date ?twoStart ; atmp:dateEnd ?twoEnd .
          FILTER(?agency != ?other)
        }
        GROUP BY ?therapy ?one ?oneStart ?oneEnd
      }
      FILTER(?oneStart <= ?othersEnd)
      # a difference of dates is a duration ("P425D", "-P30D", or "PT0S" for none)
      BIND(xsd:integer(REPLACE(REPLACE(STR(?othersStart - ?oneEnd), "PT0S", "P0D"), "[PD]", "")) AS ?gap)
      BIND(IF(?gap < 0, 0, ?gap) AS ?fewest)
      BIND(xsd:integer(REPLACE(REPLACE(STR(?othersEnd - ?oneStart), "PT0S", "P0D"), "[PD]", "")) AS ?longest)
    }
    GROUP BY ?therapy
  }
  BIND(IF(?least = ?most, ?least, ?unknown) AS ?days)
}

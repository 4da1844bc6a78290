# summary: Materialise atmp:valueAtLeastUSD, the least a deal is worth by what its sources disclose: its headline total, else its upfront payment plus its equity purchase, each where stated.
# after: -
INSERT { ?deal atmp:valueAtLeastUSD ?value }
WHERE {
  ?deal a atmp:Deal .
  OPTIONAL { ?deal atmp:valueUSD ?total }
  OPTIONAL { ?deal atmp:upfrontUSD ?upfront }
  OPTIONAL { ?deal atmp:equityUSD ?equity }
  # the sum of the stated non-contingent parts, a lower bound: the sum errs when a part is
  # missing, and COALESCE then takes the part that is stated
  BIND(COALESCE(?total, ?upfront + ?equity, ?upfront, ?equity) AS ?value)
  FILTER(BOUND(?value))
}

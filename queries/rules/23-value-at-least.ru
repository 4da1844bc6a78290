# summary: Materialise atmp:valueAtLeastUSD, the least a deal is worth by what its sources disclose: its headline total, else its upfront payment.
# after: -
INSERT { ?deal atmp:valueAtLeastUSD ?value }
WHERE {
  ?deal a atmp:Deal .
  OPTIONAL { ?deal atmp:valueUSD ?total }
  OPTIONAL { ?deal atmp:upfrontUSD ?upfront }
  BIND(COALESCE(?total, ?upfront) AS ?value)
  FILTER(BOUND(?value))
}

# summary: Materialise atmp:otherSide, from each deal to the companies across it from its acquirer: its target when that is a company, the developer of a target product, and its counterparty.
# after: -
INSERT { ?deal atmp:otherSide ?company }
WHERE {
  { ?deal a atmp:Deal ; atmp:dealTarget ?company . ?company a atmp:Company }
  UNION { ?deal a atmp:Deal ; atmp:dealTarget/atmp:developedBy ?company }
  UNION { ?deal a atmp:Deal ; atmp:counterparty ?company }
}

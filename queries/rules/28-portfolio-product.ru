# summary: Materialise atmp:portfolioProduct, from a company to each product it or any company it owns (at any depth) develops or holds.
# after: 26-held-by
INSERT { ?company atmp:portfolioProduct ?therapy }
WHERE {
  { ?therapy atmp:developedBy ?member } UNION { ?therapy atmp:heldBy ?member }
  ?member atmp:subsidiaryOf* ?company
}

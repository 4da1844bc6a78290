# summary: Materialise atmp:approval, from a therapy to each of its approvals (inverse of atmp:product on approvals).
# after: -
# Two sub-selects, each read in one pass and joined in memory: on the on-disk store that is several
# times cheaper than looking up the type of every product link (or the product of every approval).
INSERT { ?therapy atmp:approval ?approval }
WHERE {
  { SELECT ?approval ?therapy WHERE { ?approval atmp:product ?therapy } }
  { SELECT ?approval WHERE { ?approval a atmp:Approval } }
}

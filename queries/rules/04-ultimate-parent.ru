# summary: Materialise atmp:ultimateParent, the top of each company's ownership chain (itself when it has no parent).
# after: -
# A company without a parent is its own top; the others reach theirs through subsidiaryOf+. Following
# the chains from the subsidiaryOf links and joining the companies in memory costs a third of
# following a path from every company on the on-disk store.
INSERT { ?company atmp:ultimateParent ?top }
WHERE {
  {
    ?company a atmp:Company .
    MINUS { ?company atmp:subsidiaryOf ?parent }
    BIND(?company AS ?top)
  } UNION {
    { SELECT ?company ?top WHERE { ?company atmp:subsidiaryOf+ ?top } }
    { SELECT ?company WHERE { ?company a atmp:Company } }
    MINUS { ?top atmp:subsidiaryOf ?above }
  }
}

# summary: Materialise atmp:ultimateParent, the top of each company's ownership chain (itself when it has no parent).
INSERT { ?company atmp:ultimateParent ?top }
WHERE {
  ?company a atmp:Company ; atmp:subsidiaryOf* ?top .
  FILTER NOT EXISTS { ?top atmp:subsidiaryOf ?above }
}

# summary: Materialise atmp:ultimateParent, the top of each company's ownership chain (itself when it has no parent).
# MINUS reads the subsidiaryOf links once instead of looking up a parent for every candidate top.
INSERT { ?company atmp:ultimateParent ?top }
WHERE {
  ?company a atmp:Company ; atmp:subsidiaryOf* ?top .
  MINUS { ?top atmp:subsidiaryOf ?above }
}

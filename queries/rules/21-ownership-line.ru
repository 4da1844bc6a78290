# summary: Materialise atmp:ownershipLine, from each company to itself, every company above it and every company it owns, at any depth.
# after: 01-has-subsidiary
INSERT { ?company atmp:ownershipLine ?line }
WHERE {
  ?company a atmp:Company .
  { ?company atmp:subsidiaryOf* ?line } UNION { ?company atmp:hasSubsidiary+ ?line }
}

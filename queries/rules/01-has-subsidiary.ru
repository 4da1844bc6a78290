# summary: Materialise atmp:hasSubsidiary, the inverse of atmp:subsidiaryOf.
# after: -
INSERT { ?parent atmp:hasSubsidiary ?company } WHERE { ?company atmp:subsidiaryOf ?parent }

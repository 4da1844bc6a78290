# summary: Materialise atmp:hasSubsidiary, the inverse of atmp:subsidiaryOf.
INSERT { ?parent atmp:hasSubsidiary ?company } WHERE { ?company atmp:subsidiaryOf ?parent }

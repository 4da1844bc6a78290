# summary: Materialise the inverse links the ontology promises (hasSubsidiary, develops, approval).
INSERT { ?parent atmp:hasSubsidiary ?company } WHERE { ?company atmp:subsidiaryOf ?parent } ;
INSERT { ?company atmp:develops ?therapy } WHERE { ?therapy atmp:developedBy ?company } ;
INSERT { ?therapy atmp:approval ?approval } WHERE { ?approval a atmp:Approval ; atmp:product ?therapy }

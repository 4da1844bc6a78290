# summary: Materialise atmp:develops, the inverse of atmp:developedBy.
# after: -
INSERT { ?company atmp:develops ?therapy } WHERE { ?therapy atmp:developedBy ?company }

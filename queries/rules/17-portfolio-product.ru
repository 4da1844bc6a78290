# summary: Materialise atmp:portfolioProduct, from a company to each product it or any company it owns (at any depth) develops.
# after: -
INSERT { ?company atmp:portfolioProduct ?therapy }
WHERE { ?therapy atmp:developedBy ?developer . ?developer atmp:subsidiaryOf* ?company }

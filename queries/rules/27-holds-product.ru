# summary: Materialise atmp:holdsProduct, from a company to each product whose rights it or any company it owns (at any depth) holds today.
# after: 26-held-by
INSERT { ?company atmp:holdsProduct ?therapy }
WHERE { ?therapy atmp:heldBy ?holder . ?holder atmp:subsidiaryOf* ?company }

# summary: Give each approval without a name of its own a readable rdfs:label: product (by the name the agency authorised it under, where the approval gives one), agency, date, indication.
# after: -
# The unlabelled approvals are selected first: when the input already carries labels, the joins that
# build a label then touch only the few that need one (the same holds for the other label rules).
INSERT { ?approval rdfs:label ?label }
WHERE {
  { SELECT ?approval WHERE { ?approval a atmp:Approval FILTER NOT EXISTS { ?approval rdfs:label ?any } } }
  ?approval atmp:product/rdfs:label ?therapy ; atmp:agency/atmp:acronym ?agency ;
            atmp:dateStated ?date ; atmp:indication/rdfs:label ?indication .
  OPTIONAL { ?approval atmp:authorisedName ?authorised }
  BIND(STRLANG(CONCAT(COALESCE(?authorised, STR(?therapy)), " — ", ?agency, " ", STR(?date), " (", STR(?indication), ")"), "en") AS ?label)
}

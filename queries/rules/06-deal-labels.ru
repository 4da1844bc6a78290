# summary: Give each deal without a name of its own a readable rdfs:label: acquirers, targets, type, year.
# after: 05-approval-labels
# Several buyers or targets are named in alphabetical order: the names are joined in the order
# they come, which otherwise follows how the store keeps them.
INSERT { ?deal rdfs:label ?label }
WHERE {
  {
    SELECT ?deal (GROUP_CONCAT(DISTINCT STR(?buyerName); separator=" & ") AS ?buyers)
           (GROUP_CONCAT(DISTINCT STR(?targetName); separator=" & ") AS ?targets)
           (SAMPLE(?typeName) AS ?type) (SAMPLE(?date) AS ?when)
    WHERE {
      {
        SELECT ?deal ?buyerName ?targetName ?typeName ?date
        WHERE {
          { SELECT ?deal WHERE { ?deal a atmp:Deal FILTER NOT EXISTS { ?deal rdfs:label ?any } } }
          ?deal atmp:acquirer/rdfs:label ?buyerName ; atmp:dealTarget/rdfs:label ?targetName ;
                atmp:dealType/skos:prefLabel ?typeName ; atmp:dateStated ?date .
        }
        ORDER BY ?deal ?buyerName ?targetName
      }
    }
    GROUP BY ?deal
  }
  BIND(STRLANG(CONCAT(?buyers, " – ", ?targets, " (", STR(?type), ", ", SUBSTR(STR(?when), 1, 4), ")"), "en") AS ?label)
}

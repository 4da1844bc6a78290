# summary: Materialise atmp:approvalCount, the number of approvals of each therapy (0 for a candidate).
# after: 03-approval
INSERT { ?therapy atmp:approvalCount ?count }
WHERE {
  {
    SELECT ?therapy (COUNT(?approval) AS ?count)
    WHERE { ?therapy a atmp:Therapy . OPTIONAL { ?therapy atmp:approval ?approval } }
    GROUP BY ?therapy
  }
}

# summary: Materialise atmp:approvedProducts, how many approved products (atmp:approvalCount above 0) a company or any company it owns developed or bought (atmp:portfolioProduct); absent when none.
# after: 16-approval-count 28-portfolio-product
INSERT { ?company atmp:approvedProducts ?count }
WHERE {
  SELECT ?company (COUNT(DISTINCT ?product) AS ?count)
  WHERE {
    ?company atmp:portfolioProduct ?product .
    ?product atmp:approvalCount ?approvals .
    FILTER(?approvals > 0)
  }
  GROUP BY ?company
}

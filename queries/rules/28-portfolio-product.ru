# summary: Materialise atmp:portfolioProduct, from a company to each product it or any company it owns (at any depth) developed, bought or got back with its own sale (atmp:carriedProduct), then or now.
# after: 17-carried-product
INSERT { ?company atmp:portfolioProduct ?therapy }
WHERE {
  { ?therapy atmp:developedBy ?member }
  UNION {
    ?deal atmp:dealTarget ?therapy ; atmp:acquirer ?member ; atmp:dealType ?type .
    ?therapy a atmp:Therapy .
    FILTER(?type IN (dealtype:asset-purchase, dealtype:spin-off))
  }
  UNION { ?deal atmp:carriedProduct ?therapy ; atmp:dealTarget ?member }
  ?member atmp:subsidiaryOf* ?company
}

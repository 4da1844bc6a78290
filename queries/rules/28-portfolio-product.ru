# summary: Materialise atmp:portfolioProduct, from a company to each product it or any company it owns (at any depth) developed or bought, then or now.
# after: -
INSERT { ?company atmp:portfolioProduct ?therapy }
WHERE {
  { ?therapy atmp:developedBy ?member }
  UNION {
    ?deal atmp:dealTarget ?therapy ; atmp:acquirer ?member ; atmp:dealType ?type .
    ?therapy a atmp:Therapy .
    FILTER(?type IN (dealtype:asset-purchase, dealtype:spin-off))
  }
  ?member atmp:subsidiaryOf* ?company
}

# summary: Materialise atmp:heldBy, from each therapy to the companies that hold its rights today: its developers and the companies it passed to in an asset purchase or spin-off, less those that passed it on in a later one.
# after: -
INSERT { ?therapy atmp:heldBy ?company }
WHERE {
  { ?therapy a atmp:Therapy ; atmp:developedBy ?company }
  UNION {
    ?deal atmp:dealTarget ?therapy ; atmp:acquirer ?company ; atmp:dealType ?type .
    ?therapy a atmp:Therapy .
    FILTER(?type IN (dealtype:asset-purchase, dealtype:spin-off))
  }
  ?company a atmp:Company .
  FILTER NOT EXISTS {
    ?on atmp:dealTarget ?therapy ; atmp:counterparty ?company ; atmp:dealType ?passed .
    FILTER(?passed IN (dealtype:asset-purchase, dealtype:spin-off))
  }
}

# summary: Materialise atmp:heldBy, from each therapy to the companies that hold its rights today: its developers and the companies it passed to in an asset purchase or spin-off, less those that passed it on (they or a company above them) and did not get it back later.
# after: -
INSERT { ?therapy atmp:heldBy ?company }
WHERE {
  { ?therapy a atmp:Therapy ; atmp:developedBy ?company . ?company a atmp:Company }
  UNION {
    ?deal atmp:dealTarget ?therapy ; atmp:acquirer ?company ; atmp:dealType ?type .
    ?therapy a atmp:Therapy . ?company a atmp:Company .
    FILTER(?type IN (dealtype:asset-purchase, dealtype:spin-off))
  }
  MINUS {
    ?on atmp:dealTarget ?therapy ; atmp:counterparty ?seller ; atmp:dealType ?passed ;
        atmp:date ?gone .
    FILTER(?passed IN (dealtype:asset-purchase, dealtype:spin-off))
    ?company atmp:subsidiaryOf* ?seller .
    FILTER NOT EXISTS {
      ?back atmp:dealTarget ?therapy ; atmp:acquirer ?company ; atmp:dealType ?again ;
            atmp:date ?returned .
      FILTER(?again IN (dealtype:asset-purchase, dealtype:spin-off) && ?returned > ?gone)
    }
  }
}

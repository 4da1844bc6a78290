# summary: Materialise atmp:heldBy, from each therapy to the companies that hold its rights today: its developers, the companies it passed to in an asset purchase or spin-off and the companies it went with when sold (atmp:carriedProduct), less those that passed it on (they or a company above them) and did not get it back later.
# after: 17-carried-product
# A sale that carried a product moves it as an asset purchase does: from the sale's counterparty
# (the seller's group) to the company sold, whose owner today then holds it through ownership.
INSERT { ?therapy atmp:heldBy ?company }
WHERE {
  { ?therapy a atmp:Therapy ; atmp:developedBy ?company . ?company a atmp:Company }
  UNION {
    ?deal atmp:dealTarget ?therapy ; atmp:acquirer ?company ; atmp:dealType ?type .
    ?therapy a atmp:Therapy . ?company a atmp:Company .
    FILTER(?type IN (dealtype:asset-purchase, dealtype:spin-off))
  }
  UNION { ?deal atmp:carriedProduct ?therapy ; atmp:dealTarget ?company }
  MINUS {
    {
      ?on atmp:dealTarget ?therapy ; atmp:dealType ?passed .
      FILTER(?passed IN (dealtype:asset-purchase, dealtype:spin-off))
    }
    UNION { ?on atmp:carriedProduct ?therapy }
    ?on atmp:counterparty ?seller ; atmp:date ?gone .
    ?company atmp:subsidiaryOf* ?seller .
    FILTER NOT EXISTS {
      {
        ?back atmp:dealTarget ?therapy ; atmp:acquirer ?company ; atmp:dealType ?again .
        FILTER(?again IN (dealtype:asset-purchase, dealtype:spin-off))
      }
      UNION { ?back atmp:carriedProduct ?therapy ; atmp:dealTarget ?company }
      ?back atmp:date ?returned .
      FILTER(?returned > ?gone)
    }
  }
}

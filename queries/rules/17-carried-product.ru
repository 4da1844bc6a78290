# summary: Materialise atmp:carriedProduct, from a deal that sold a company to each product that went with it: one its seller (or a company the seller owns) had bought from that company before the sale and still held, the sale completed.
# after: -
# A buyer may keep a product in the company it bought it from and later sell that company: Valeant
# bought Provenge out of Dendreon's Chapter 11 sale in 2015 and sold Dendreon, with Provenge, to
# Sanpower in 2017. The sale is completed when the company has a parent today outside the seller's
# group, its link dated (to the period its source states) no earlier than the sale's announcement.
INSERT { ?sale atmp:carriedProduct ?therapy }
WHERE {
  ?sale atmp:dealTarget ?company ; atmp:counterparty ?seller ; atmp:dealType ?soldAs ;
        atmp:date ?sold .
  ?company a atmp:Company .
  FILTER(?soldAs IN (dealtype:acquisition, dealtype:asset-purchase))
  ?bought atmp:dealTarget ?therapy ; atmp:counterparty ?company ; atmp:acquirer ?buyer ;
          atmp:dealType ?type ; atmp:date ?in .
  ?therapy a atmp:Therapy .
  FILTER(?type IN (dealtype:asset-purchase, dealtype:spin-off) && ?in < ?sold)
  ?buyer atmp:subsidiaryOf* ?seller .
  ?company atmp:subsidiaryOf ?owner .
  FILTER NOT EXISTS { ?company atmp:subsidiaryOf* ?seller }
  OPTIONAL { ?company atmp:parentSince ?since ; atmp:parentSincePrecision ?precision }
  FILTER(!BOUND(?since)
         || ?precision = dateprecision:year && YEAR(?since) >= YEAR(?sold)
         || ?precision = dateprecision:month
            && 12 * YEAR(?since) + MONTH(?since) >= 12 * YEAR(?sold) + MONTH(?sold)
         || ?since >= ?sold)
  # a product the buyer passed on before the sale did not go with the company
  FILTER NOT EXISTS {
    ?on atmp:dealTarget ?therapy ; atmp:counterparty ?away ; atmp:dealType ?passed ;
        atmp:date ?gone .
    FILTER(?passed IN (dealtype:asset-purchase, dealtype:spin-off) && ?gone > ?in && ?gone < ?sold)
    ?buyer atmp:subsidiaryOf* ?away .
  }
}

# summary: Materialise atmp:endedBy: the lifecycle event (withdrawal, revocation, suspension, expiry, non-renewal) that ended an approval's authorisation.
# after: -
# An event ends every approval of its product by its agency dated on or before it.
INSERT { ?approval atmp:endedBy ?event }
WHERE {
  ?event a atmp:LifecycleEvent ; atmp:eventKind ?kind ; atmp:product ?product ;
         atmp:agency ?agency ; atmp:date ?ended .
  eventkind:ends-authorisation skos:member ?kind .
  ?approval a atmp:Approval ; atmp:product ?product ; atmp:agency ?agency ; atmp:date ?granted .
  FILTER(?granted <= ?ended)
}

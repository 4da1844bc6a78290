"""The HTTP door: the SPARQL 1.1 Protocol server on 127.0.0.1 (:mod:`.http`), content negotiation
(:mod:`.protocol`), confined query workers (:mod:`.workers`) and the browser UI (``web/``)."""

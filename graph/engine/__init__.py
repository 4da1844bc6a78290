"""One SPARQL query, run safely: the gate that checks its text (:mod:`.gate`), the confined
process that evaluates it (:mod:`.child`, :mod:`.sandbox`), the evaluation with pyoxigraph
(:mod:`.evaluate`) and the shapes of its answer (:mod:`.results` for text, CSV, JSON and HTML,
:mod:`.frames` for pandas). Knows nothing of store folders or the curated data."""

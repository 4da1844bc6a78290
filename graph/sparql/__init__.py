"""Queries against a store, local or remote: running one with its timeout and memory cap
(:mod:`.run`), the named queries and their parameters (:mod:`.named`), and the entity a name,
slug or IRI means (:mod:`.entities`)."""

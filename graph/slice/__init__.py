"""Slices of the graph: a :class:`~.selection.Selection` names one, :mod:`.subgraph` reads its
triples, :mod:`.analytics` finds paths and ranks entities on it, :mod:`.export` writes it in RDF,
network and table formats; :mod:`.collector` holds off the cycle collector while they build."""

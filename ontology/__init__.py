"""The ATMP-KG schema: ``atmp.ttl`` (OWL/RDFS classes and properties, SKOS concept schemes) and
``shapes.ttl`` (SHACL). :mod:`atmpkg.ontology.namespace` has the closed rdflib namespace ``ATMP``.

>>> from importlib import resources
>>> resources.files("atmpkg.ontology").joinpath("atmp.ttl").is_file()
True
"""

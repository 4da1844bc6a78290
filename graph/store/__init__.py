"""The data into the store: CSV and RDF compiled (:mod:`.csvdata`), validated with SHACL and the
zero-row checks (:mod:`.validate`), built or imported into a store folder atomically
(:mod:`.build`, :mod:`.folder`), or pushed to and read from a remote SPARQL store
(:mod:`.remote`)."""

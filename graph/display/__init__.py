"""Looking at the graph: an entity's card and the store's statistics (:mod:`.explore`), HTML
entity pages (:mod:`.pages`), the interactive graph view (:mod:`.view`, :mod:`.viewpage`) and
SVG charts (:mod:`.charts`)."""

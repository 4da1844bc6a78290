"""The query page ``atmpkg serve`` gives browsers: its static files (``web/``: index.html, app.css,
app.js, and YASGUI vendored under web/vendor/yasgui; showable.js, which the view files inline too,
from :mod:`atmpkg.graph.display.viewpage`), the JSON it reads at start
(:func:`ui_config`) and its Content-Security-Policy.

>>> sorted(static_files())  # doctest: +NORMALIZE_WHITESPACE
['app.css', 'app.js', 'index.html', 'showable.js', 'vendor/yasgui/LICENSE',
 'vendor/yasgui/yasgui.min.css', 'vendor/yasgui/yasgui.min.js']

The editor completes the ontology's own classes and properties, from this server:

>>> terms = ontology_terms()
>>> "https://w3id.org/atmp-kg/ontology#Therapy" in terms["classes"]
True
>>> "https://w3id.org/atmp-kg/ontology#developedBy" in terms["properties"]
True
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..display.viewpage import showable_script
from ..rdf import TYPE, ontology_quads
from ..terms import DCT, OWL, PREFIXES, RDF, RDFS, SKOS

#: The media type of each kind of file in web/.
STATIC_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}

#: Where YASGUI (@zazuko/yasgui, MIT) is vendored in web/: its bundle, CSS and LICENSE, checked
#: against SHA256SUMS and refreshed by web/vendor/revendor.sh.
VENDOR = "vendor/yasgui"

#: The CSP of every HTML answer without one of its own (entity pages, errors).
UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

#: The CSP of the query page: :data:`UI_CSP` with one exception, inline styles. YASGUI's result
#: table lets one resize its columns with a library (column-resizer) that adds its rules as
#: ``<style>`` elements while it draws the table and while a column is dragged; without
#: 'unsafe-inline' in style-src the browser refuses them (and the editor's error tooltips' ``style``
#: attributes). Scripts stay 'self' only, so no injected markup can run.
QUERY_PAGE_CSP = UI_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

#: The classes of the ontology's terms that the editor completes.
CLASS_TYPES = frozenset({OWL + "Class"})
PROPERTY_TYPES = frozenset(
    {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}
)
#: Properties of other vocabularies that the graph's records use on every kind of entity (labels,
#: concepts, sources): completed along with the ontology's own.
GENERAL_PROPERTIES = (
    RDF + "type",
    RDFS + "label",
    RDFS + "comment",
    SKOS + "prefLabel",
    SKOS + "inScheme",
    DCT + "source",
)


def static_files() -> dict[str, tuple[bytes, str]]:
    """The web UI's files (web/, the vendored YASGUI and the view's showable.js), read once: path ->
    (content, media type). YASGUI's LICENSE is served too (text/plain), so the page can credit it.

    >>> static_files()["app.js"][1]
    'text/javascript'
    """
    web = resources.files(__package__).joinpath("web")
    found = {
        f.name: (f.read_bytes(), STATIC_TYPES[Path(f.name).suffix])
        for f in web.iterdir()
        if Path(f.name).suffix in STATIC_TYPES
    }
    for f in web.joinpath(VENDOR).iterdir():
        media = "text/plain" if f.name == "LICENSE" else STATIC_TYPES.get(Path(f.name).suffix)
        if media:
            found[f"{VENDOR}/{f.name}"] = (f.read_bytes(), media)
    # the view files' own escaping of control and bidi characters, so that the two pages cannot
    # come to write a value differently
    found["showable.js"] = (showable_script().encode("utf-8"), STATIC_TYPES[".js"])
    return found


def ontology_terms() -> dict[str, list[str]]:
    """The IRIs of the ontology's classes and of the properties a query may use, sorted.

    >>> "https://w3id.org/atmp-kg/ontology#Therapy" in ontology_terms()["classes"]
    True
    """
    classes: set[str] = set()
    properties = set(GENERAL_PROPERTIES)
    for quad in ontology_quads():
        if quad.predicate != TYPE:
            continue
        kind = quad.object.value
        if kind in CLASS_TYPES:
            classes.add(quad.subject.value)
        elif kind in PROPERTY_TYPES:
            properties.add(quad.subject.value)
    return {"classes": sorted(classes), "properties": sorted(properties)}


def ui_config(timeout: float, max_rows: int) -> bytes:
    """What the query page needs: prefixes, the ontology's terms (for completion), named queries
    with their parameters, limits.

    >>> sorted(json.loads(ui_config(timeout=30, max_rows=10_000)))
    ['max_rows', 'prefixes', 'queries', 'terms', 'timeout']
    """
    from ... import queries

    named = [
        {
            "name": q.name,
            "summary": q.summary,
            "text": q.text,
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "default": p.default,
                    "hint": p.default_text,
                    "required": p.required,
                    "description": p.description,
                }
                for p in q.params
            ],
        }
        for q in queries.all_queries()
    ]
    config = {
        "prefixes": PREFIXES,
        "terms": ontology_terms(),
        "queries": named,
        "timeout": timeout,
        "max_rows": max_rows,
    }
    return json.dumps(config, ensure_ascii=False).encode("utf-8")

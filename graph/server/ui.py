"""The query page ``atmpkg serve`` gives browsers: its static files (``web/``: index.html, app.css,
app.js), the JSON it reads at start (:func:`ui_config`) and its Content-Security-Policy.

>>> sorted(static_files())
['app.css', 'app.js', 'index.html']
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..terms import PREFIXES

#: The media type of each kind of file in web/.
STATIC_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}


#: The CSP of the query page and of every other HTML answer without one of its own.
UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def static_files() -> dict[str, tuple[bytes, str]]:
    """The web UI's files (web/), read once: name -> (content, media type)."""
    folder = resources.files(__package__).joinpath("web")
    return {
        f.name: (f.read_bytes(), STATIC_TYPES[Path(f.name).suffix])
        for f in folder.iterdir()
        if Path(f.name).suffix in STATIC_TYPES
    }


def ui_config(timeout: float, max_rows: int) -> bytes:
    """What the query page needs: prefixes, named queries with their parameters, limits."""
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
                    "required": p.required,
                    "description": p.description,
                }
                for p in q.params
            ],
        }
        for q in queries.all_queries()
    ]
    config = {"prefixes": PREFIXES, "queries": named, "timeout": timeout, "max_rows": max_rows}
    return json.dumps(config, ensure_ascii=False).encode("utf-8")

"""Entity pages as ``atmpkg serve`` shows them, and the Content-Security-Policy of each kind of
HTML it answers (the query page's files are :mod:`atmpkg.graph.server.ui`).

An entity page (:func:`entity_page`) escapes every value from the graph,
shows each through :func:`~atmpkg.graph.display.viewpage.shown` (at most 2,000 characters, with the
full length stated, each control, format or invisible character as its escape, ``\\u202e``)
and links only absolute http(s) URLs; its neighbourhood is the graph view of :mod:`atmpkg.graph.display.view`
in a sandboxed ``srcdoc`` frame, whose inline scripts its policy allows by hash.
"""

from __future__ import annotations

import functools
import html
import re
import urllib.parse
from collections.abc import Collection, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import visible
from ..terms import ID, shorten
from .viewpage import MAX_VALUE_CHARS, csp_hash, shown

if TYPE_CHECKING:  # for annotations only: explore imports this module for its cards
    from .explore import EntityView, Fact


# --- content-security policies --------------------------------------------------------------------

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)


def _hashes(document: str) -> str:
    """CSP source expressions for the inline scripts of ``document``."""
    found = []
    for match in _SCRIPT.finditer(document):
        if "src=" not in match["attrs"].lower():
            found.append(csp_hash(match["body"]))
    return " ".join(dict.fromkeys(found)) or "'none'"


def graph_csp(document: str) -> str:
    """The CSP of a graph view: only its own inline scripts run; nothing is fetched.

    >>> graph_csp("<script>go()</script>").split("; ")[1]
    "script-src 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    return (
        f"default-src 'none'; script-src {_hashes(document)}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"
    )


def page_csp(graph: str) -> str:
    """The CSP of an entity page. Its graph view sits in a srcdoc frame, which inherits this
    policy, so the view's inline scripts are allowed by hash and nothing else runs.

    >>> page_csp("<p>no script</p>").split("; ")[:2]
    ["default-src 'none'", "script-src 'none'"]
    """
    return (
        f"default-src 'none'; script-src {_hashes(graph)}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"
    )


def known_csp(policy: str) -> bool:
    """Whether ``policy`` is one this module writes for a page a worker sends (an entity page's,
    whatever its scripts' hashes, or a message page's): the server keeps a worker from choosing
    the headers of its answers (sec17 W1: a line break added a ``Set-Cookie``, and a policy of
    its own let a script fetch from anywhere). A worker gone astray writes its page, so its own
    scripts may run under the page's policy, as in a graph view, whose policy the server takes
    from the document: a policy of this shape lets them reach nothing (rev17 F2).

    >>> known_csp(page_csp("<script>go()</script>")), known_csp(MESSAGE_CSP)
    (True, True)
    >>> known_csp("script-src 'unsafe-inline' *"), known_csp(page_csp("") + "\\r\\nSet-Cookie: a=1")
    (False, False)
    """
    return policy == MESSAGE_CSP or _page_csp_pattern().fullmatch(policy) is not None


# --- entity pages ---------------------------------------------------------------------------------


def local_href(iri: str) -> str | None:
    """The path this server answers an instance IRI at, or None for other IRIs; what is not a
    slug's letter (an imported ``My_Therapy``, ``it's``) is percent-encoded.

    >>> local_href("https://w3id.org/atmp-kg/id/therapy/kymriah")
    '/id/therapy/kymriah'
    >>> local_href("https://w3id.org/atmp-kg/id/therapy/it's")
    '/id/therapy/it%27s'
    """
    return "/id/" + urllib.parse.quote(iri[len(ID) :]) if iri.startswith(ID) else None


def _safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL (never javascript:, data: ...) short enough to
    be shown whole (cut short, it would lead elsewhere)."""
    if not url or len(url) > MAX_VALUE_CHARS:
        return None
    parsed = urllib.parse.urlsplit(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def _value_html(fact: Fact, href=local_href) -> str:
    """A fact's value: a link for entities (to the address ``href`` gives), web pages and
    identifiers (to their page), escaped text otherwise."""
    e = html.escape
    term, label = fact.value, fact.value_label
    if fact.url and (url := _safe_url(fact.url)) and len(url) <= MAX_VALUE_CHARS:
        return f'<a href="{e(url)}" rel="noopener noreferrer nofollow">{e(shown(label))}</a>'
    if isinstance(term, ox.NamedNode):
        href = href(term.value)
        if href and len(href) <= MAX_VALUE_CHARS:
            return f'<a href="{e(href)}">{e(shown(label))}</a>'
        url = _safe_url(term.value)
        if url and label == term.value:
            return f'<a href="{e(url)}" rel="noopener noreferrer nofollow">{e(shown(url))}</a>'
        text = label if label != term.value else shorten(label)
        return f'<span title="{e(shown(term.value))}">{e(shown(text))}</span>'
    return e(shown(label))


def _facts_table(facts: Sequence[Fact], incoming: bool) -> str:
    """Facts as table rows: property then value, or (links to the entity) value then property."""
    rows = "".join(
        f"<tr><th>{html.escape(shown(f.property_label))}</th><td>{_value_html(f)}</td></tr>"
        if not incoming
        else f"<tr><td>{_value_html(f)}</td><th>{html.escape(shown(f.property_label))}</th></tr>"
        for f in facts
    )
    return f'<table class="facts">{rows}</table>'


def entity_page(view: EntityView, graph: str) -> str:
    """The HTML page of one entity: facts, links to it, sources (safe links) and a graph view.

    >>> doc = entity_page(kg.show("Kymriah"), graph="")
    >>> "<title>Kymriah · ATMP-KG</title>" in doc, doc.count("<h2>")
    (True, 4)
    """
    e = html.escape
    label = shown(view.label)
    sources = "".join(
        f'<li><a href="{e(local_href(s.iri) or "#")}">{e(shown(s.title))}</a>'
        + (
            f' · <a href="{e(url)}" rel="noopener noreferrer nofollow">{e(shown(url))}</a>'
            if (url := _safe_url(s.url))
            else ""
        )
        + "</li>"
        for s in view.sources
    )
    query = urllib.parse.urlencode({"query": f"DESCRIBE <{view.iri}>"})
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(label)} · ATMP-KG</title>",
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/app.css">',
        '<link rel="alternate" type="text/turtle" href="?format=ttl">',
        '<link rel="alternate" type="application/ld+json" href="?format=jsonld">',
        '</head><body class="entity"><header><a class="brand" href="/">ATMP-KG</a>',
        '<a href="/">Query</a><a href="/sparql">SPARQL endpoint</a></header><main>',
        f"<h1>{e(label)}</h1>",
        f'<p class="iri"><code>{e(shown(view.iri))}</code> · {e(shown(", ".join(view.types)))}</p>',
        '<p class="formats">As data: <a href="?format=ttl">Turtle</a> · '
        '<a href="?format=jsonld">JSON-LD</a> · <a href="?format=nt">N-Triples</a> · '
        f'<a href="/?{e(query)}">query it</a></p>',
        "<h2>Facts</h2>",
        _facts_table(view.facts, incoming=False),
    ]
    if view.incoming:
        parts += ["<h2>Linked from</h2>", _facts_table(view.incoming, incoming=True)]
    if view.sources:
        parts += ["<h2>Sources</h2>", f'<ul class="sources">{sources}</ul>']
    parts += [
        "<h2>Neighbourhood</h2>",
        f'<iframe class="graph" title="Graph of {e(label)} and its neighbours" '
        f'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" srcdoc="{e(graph)}">'
        "</iframe>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


#: Paths of this server that a message names and its page links: entity pages and the list of
#: named queries (a message may repeat a path the client sent; only these shapes become links).
#: A link covers a whole path or none: a path's slug is its unreserved characters and the
#: percent-encoded others (local_href's /id/therapy/it%27s), and it ends at a blank, the end,
#: ``?,;:)`` or a sentence's full stop. A path the message quotes as the user typed it
#: (``'/id/company/a<b>'``, escaped: after an entity's ``;``), or that goes on with characters
#: no slug holds (``<b>``, a space), is not linked: its first part was (an audit:
#: /id/company/a%3Cb%3E linked /id/company/a). A path cut short (``/id/therapy/kitekite…
#: (6,012 characters)``) names no page: not linked.
_LINKED_PATH = re.compile(
    r"(?<![\w/.;%])(/id/[a-z-]+/(?:[\w~-]|%[0-9A-Fa-f]{2}|\.(?=[\w~%-]))+|/api/queries)"
    r"(?=[\s?,;:)]|\.?(?:\s|\Z))",
    re.ASCII,
)

#: The style of a message page, inline: in the query page's sandboxed Graph frame (an origin of
#: its own) a link to /static/app.css is a cross-site request, which the server refuses. These are
#: app.css's rules for what the page holds (its header, main and links).
MESSAGE_STYLE = (
    ":root { font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", "
    "Arial, sans-serif; color: #1d2430; }\n"
    "* { box-sizing: border-box; }\n"
    "body { margin: 0; }\n"
    "a { color: #1f5fbf; }\n"
    "header { display: flex; gap: 18px; align-items: baseline; padding: 10px 18px; "
    "border-bottom: 1px solid #d9dde3; background: #f6f7f9; }\n"
    "header .brand { font-weight: 700; color: #1d2430; text-decoration: none; margin-right: 8px; }\n"
    "main { padding: 14px 18px 40px; max-width: 1100px; }\n"
    "main p { overflow-wrap: anywhere; }\n"
)

#: The CSP of a message page: its own inline style (by hash) only; it fetches nothing.
MESSAGE_CSP = (
    f"default-src 'none'; style-src {csp_hash(MESSAGE_STYLE)}; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)


_SCRIPT_HASH = r"'sha256-[A-Za-z0-9+/]{43}='"


@functools.cache
def _page_csp_pattern() -> re.Pattern:
    """:func:`page_csp`'s policy with any list of script hashes, made once when first needed."""
    return re.compile(
        re.escape(page_csp("")).replace(
            re.escape("script-src 'none'"),
            f"script-src (?:'none'|{_SCRIPT_HASH}(?: {_SCRIPT_HASH})*)",
        )
    )


def message_page(
    status: int,
    message: str,
    asked: str = "",
    notes: Sequence[str] = (),
    quoted: Collection[str] = (),
) -> str:
    """The HTML page a browser is shown for an answer without content of its own (an error, or a
    graph view with nothing to draw): the message, escaped (each control, format or invisible
    character as its escape, as the text answer writes it), with the server's paths it names as
    links (but ``asked``, the path that was asked for, and any path inside ``quoted``, the texts
    the message quotes as the user typed them), the query's ``notes`` (escaped, each a paragraph
    of its own) and the way back to the query page.

    >>> page = message_page(404, "no entity at /id/therapy/kymria; did you mean /id/therapy/kymriah?",
    ...                     "/id/therapy/kymria")
    >>> '<a href="/id/therapy/kymriah">/id/therapy/kymriah</a>' in page, "<title>Not Found" in page
    (True, True)
    >>> '<a href="/id/therapy/kymria">' in page
    False
    >>> page = message_page(404, "no entity at '/id/company/a<b>'; did you mean /id/therapy/it%27s?")
    >>> "&#x27;/id/company/a&lt;b&gt;&#x27;" in page, '<a href="/id/therapy/it%27s">' in page
    (True, True)
    >>> typed = "'/id/company/x /id/therapy/kymriah?'"
    >>> page = message_page(404, f"no entity at {typed}; try /id/therapy/kymriah", quoted=[typed])
    >>> page.count('<a href="/id/therapy/kymriah">')
    1
    >>> message_page(200, "nothing to draw", notes=["atmp:<b> is no term"]).count("<p>")
    2
    >>> "<p>Note: atmp:&lt;b&gt; is no term</p>" in message_page(200, "x", notes=["atmp:<b> is no term"])
    True
    """
    e = html.escape

    escaped = e(visible(message))
    # rev28b F4: a path inside the user's text ('/id/company/x /id/therapy/kymriah?') looked
    # like one the server offers; only the server's own words are linked
    theirs = [
        (found.start(), found.end())
        for text in quoted
        if text
        for found in re.finditer(re.escape(e(visible(text))), escaped)
    ]

    def link(match: re.Match[str]) -> str:
        path = match.group(1)
        if path == e(asked) or any(s <= match.start() and match.end() <= t for s, t in theirs):
            return path
        return f'<a href="{path}">{path}</a>'

    title = HTTPStatus(status).phrase if status != 200 else "Nothing to draw"
    text = _LINKED_PATH.sub(link, escaped)
    return (
        "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{e(title)} · ATMP-KG</title>",
                f'<link rel="icon" href="data:,"><style>{MESSAGE_STYLE}</style>',
                '</head><body class="message"><header><a class="brand" href="/">ATMP-KG</a>',
                '<a href="/">Query</a><a href="/sparql">SPARQL endpoint</a></header><main>',
                f"<h1>{e(title)}</h1>",
                f"<p>{text}</p>",
                *(f"<p>Note: {e(visible(note))}</p>" for note in notes),
                "</main></body></html>",
            ]
        )
        + "\n"
    )


# --- entity cards (notebooks) ----------------------------------------------------------------------

#: The most facts, and links to the entity, a card lists; it says how many more there are.
CARD_ROWS = 100


def _card_rows(facts: Sequence[Fact], incoming: bool) -> str:
    e = html.escape
    rows = []
    for fact in facts[:CARD_ROWS]:
        value = _value_html(fact, href=_safe_url)
        name = f"<th>{e(shown(fact.property_label))}</th>"
        rows.append(
            f"<tr><td>{value}</td>{name}</tr>" if incoming else f"<tr>{name}<td>{value}</td></tr>"
        )
    more = len(facts) - CARD_ROWS
    if more > 0:
        rows.append(f'<tr><td colspan="2">… and {more:,} more</td></tr>')
    return f"<table>{''.join(rows)}</table>"


def entity_card(view: EntityView) -> str:
    """An entity as a card for a notebook: its name, IRI and classes, its facts, the links to it
    and its sources, entities and web pages as links (absolute http(s) addresses only); every
    value escaped and clipped.

    >>> from atmpkg.graph.display.explore import EntityView
    >>> card = entity_card(EntityView("https://w3id.org/atmp-kg/id/therapy/x", "X <b>", ["therapy"]))
    >>> "X &lt;b&gt;" in card and 'href="https://w3id.org/atmp-kg/id/therapy/x"' in card
    True
    """
    e = html.escape
    iri = _safe_url(view.iri)
    name = f'<a href="{e(iri)}">{e(shown(view.iri))}</a>' if iri else e(shown(view.iri))
    parts = [
        '<div class="atmpkg-entity">',
        f"<h3>{e(shown(view.label))}</h3>",
        f"<p><code>{name}</code> · {e(shown(', '.join(view.types)))}</p>",
        f"<h4>Facts</h4>{_card_rows(view.facts, incoming=False)}",
    ]
    if view.incoming:
        parts.append(f"<h4>Linked from</h4>{_card_rows(view.incoming, incoming=True)}")
    if view.sources:
        items = "".join(
            f"<li>{e(shown(s.title))}"
            + (f' · <a href="{e(url)}">{e(shown(url))}</a>' if (url := _safe_url(s.url)) else "")
            + "</li>"
            for s in view.sources
        )
        parts.append(f"<h4>Sources</h4><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


# --- the query page -------------------------------------------------------------------------------

// The ATMP-KG query page. YASGUI (vendored under /static/vendor/yasgui, served by this server)
// gives the editor, the query tabs kept in localStorage, the result table with paging, sorting and
// downloads; this file wires it to this server only and adds the page's own parts: the named-query
// picker with typed parameters, links to /id/ pages, the Graph and Chart views, the server's
// downloads and a share link. What this file draws goes through textContent or DOM attributes,
// never innerHTML, so no value from the graph can become markup.
(() => {
  "use strict";

  const ID = "https://w3id.org/atmp-kg/id/";
  const ONTOLOGY = "https://w3id.org/atmp-kg/ontology#";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
  const TABLE_FORMATS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]];
  const GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"], ["rdfxml", "RDF/XML"]];
  // The server predeclares its prefixes, and so does the editor: no PREFIX lines needed.
  const EXAMPLE = "SELECT ?therapy ?name ?developer WHERE {\n" +
    "  ?therapy a atmp:Therapy ; rdfs:label ?name .\n" +
    "  OPTIONAL { ?therapy atmp:developedBy/rdfs:label ?developer }\n" +
    "}\nORDER BY ?name\nLIMIT 50\n";
  const CHART_BARS = 40;
  const SVG = "http://www.w3.org/2000/svg";
  const COMPLETERS = ["atmp-prefixes", "atmp-classes", "atmp-properties", "variables"];
  // What the page asks its answers in: a table's (and ASK's), a graph's
  const ACCEPT_TABLE = "application/sparql-results+json";
  const ACCEPT_GRAPH = "text/turtle";

  const $ = (id) => document.getElementById(id);
  const state = {
    config: null,
    yasgui: null,
    named: "", // the named query chosen in the picker, shown read-only in the tab namedTab
    namedTab: null,
    ownText: "", // the user's own SPARQL in that tab, given back when the picker returns to it
    sending: null, // the request being sent, which the request settings below read
    requests: new WeakMap(), // each tab's Yasr -> the request whose answer it shows
    chartValue: null, // the column the user chose to chart, for the answer on screen
  };

  // showable (showable.js, loaded before this file, as the view files inline it) writes each
  // control, format and invisible character of a value as its escape and counts stacked combining
  // marks, as errors.visible does.
  // The text and tooltips YASR and DataTables wrote into a table's cells, shown so.
  function showHidden(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const value = showable(text.nodeValue);
      if (value !== text.nodeValue) text.nodeValue = value;
    }
    root.querySelectorAll("[title]").forEach((node) => {
      const title = showable(node.title);
      if (title !== node.title) node.title = title;
    });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = showable(text);
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, String(v)));
    return node;
  }

  // --- the request: free SPARQL or a named query with parameters --------------------------------

  function named(name) {
    return state.config.queries.find((q) => q.name === name);
  }

  function currentTab() {
    return state.yasgui.getTab();
  }

  function namedParams() {
    const params = [];
    $("params").querySelectorAll("input").forEach((input) => {
      if (input.value.trim()) params.push([input.name, input.value.trim()]);
    });
    return params;
  }

  // What a tab runs: the picker's named query in the tab that shows it, else the tab's text.
  function requestOf(tab) {
    if (state.named && tab.getId() === state.namedTab) return { name: state.named, params: namedParams() };
    return { query: tab.getYasqe().getValue() };
  }

  function toSearch(request, extra) {
    const search = new URLSearchParams();
    if (request.name) {
      search.set("name", request.name);
      request.params.forEach(([k, v]) => search.append("p", k + "=" + v));
    } else {
      search.set("query", request.query);
    }
    Object.entries(extra || {}).forEach(([k, v]) => search.set(k, v));
    return search;
  }

  function shareLink(request) {
    return "/?" + toSearch(request);
  }

  // The server reads a request line of at most 64 KiB: a longer query travels in a POST body, so
  // its downloads and its Graph tab are posted, and it has no link to share.
  const LONGEST_URL = 8000;
  const tooLong = (search) => search.toString().length > LONGEST_URL;

  // Posts a form into a named target (a frame), as a link would open it there.
  function postTo(action, search, target) {
    const form = el("form");
    form.method = "post";
    form.action = action;
    form.target = target;
    form.hidden = true;
    search.forEach((value, name) => {
      const input = el("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    });
    document.body.append(form);
    form.submit();
    form.remove();
  }

  // Saves what a POST to /sparql answers, as the download link of a shorter query would.
  async function postedDownload(search, name) {
    const answer = await fetch("/sparql", { method: "POST", body: search });
    if (!answer.ok) {
      showError(await answer.text());
      return;
    }
    const link = el("a");
    link.href = URL.createObjectURL(await answer.blob());
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href));
  }

  // --- YASGUI, configured to talk to this server only -------------------------------------------

  // YASQE marks every prefix its query does not declare as an error; this server predeclares
  // PREFIXES, so the editor's SPARQL mode starts each query with them declared. CodeMirror, whose
  // mode registry that is, is not exported by the bundle: any editor's constructor is it.
  function predeclarePrefixes(Yasqe, prefixes) {
    const probe = new Yasqe(document.createElement("div"), { value: "", persistenceId: null, consumeShareLink: null });
    const CodeMirror = probe.constructor;
    probe.destroy();
    const sparql = CodeMirror.modes.sparql11;
    CodeMirror.defineMode("sparql11", (options, spec) => {
      const mode = sparql(options, spec);
      const start = mode.startState;
      mode.startState = (...args) => {
        const begun = start.apply(mode, args);
        begun.prefixes = { ...prefixes, ...begun.prefixes };
        return begun;
      };
      return mode;
    });
  }

  // A class is an IRI (prefixed or <...>) after "a" or rdf:type. YASQE's own test reads the
  // tokenizer's last property, and the tokenizer reads a predicate being typed, "at" on the way to
  // atmp:..., as the keyword a and a t: completing as one types, classes would then hide the
  // properties.
  function classPosition(yasqe) {
    const token = yasqe.getCompleteToken();
    if (!token.string.includes(":") && !token.string.startsWith("<")) return false;
    const previous = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, token);
    return ["a", "rdf:type"].includes(previous.string);
  }

  // Completion from this server's own terms only: YASQE's stock completers ask prefix.cc and
  // Linked Open Vocabularies on the internet. These know the predeclared prefixes and the
  // ontology's classes and properties (/api/queries), and complete as one types.
  function registerCompleters(Yasqe, config) {
    const prefixes = Object.entries(config.prefixes).map(([p, ns]) => p + ": <" + ns + ">").sort();
    Yasqe.forkAutocompleter("prefixes", { name: "atmp-prefixes", get: prefixes, persistenceId: null }, false);
    Yasqe.forkAutocompleter("class", {
      name: "atmp-classes", get: config.terms.classes, bulk: true, autoShow: true, isValidCompletionPosition: classPosition,
    }, false);
    Yasqe.forkAutocompleter("property", { name: "atmp-properties", get: config.terms.properties, bulk: true, autoShow: true }, false);
    // In place: YASGUI's defaults hold this very array, and merging configs would mix two arrays.
    Yasqe.defaults.autocompleters.splice(0, Infinity, ...COMPLETERS);
  }

  // The table filters and sorts a cell by its value run through an HTML sanitiser, which drops
  // what looks like markup (a label "<img src=x>" could not be found), and DataTables reads a
  // filter value with a "<" in it as HTML (the browser then reports the page's CSP refusing its
  // handlers). The value as text is what a reader searches for: escaped, the HTML it is read as
  // is that text.
  const escaped = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  // A named query's answer is a table for people, as on the command line: values as text (YASR's
  // "Simple view", unless the reader chose otherwise), and no column for a parameter that was
  // given or is empty on every row. A SPARQL text's answer keeps its terms as they are. Every
  // answer's table leaves out a column with no value on any row and names it below the rows.
  function namedRequest(yasr) {
    const request = state.requests.get(yasr);
    return request && request.name ? request : null;
  }

  // The parameters of the named query whose answer a tab shows: their columns are no values
  function paramsOf(yasr) {
    const request = namedRequest(yasr);
    const query = request ? named(request.name) : null;
    return query ? query.params.map((p) => p.name) : [];
  }

  // The columns of an answer that no row gives a value, as on the command line and in a notebook
  // (results.py's _empty_columns): a column of blanks only takes the width the others need, so the
  // table leaves it out and names it below its rows; the downloads keep it, so that a script reads
  // the same head whatever the answer. Where a named answer's entity column shows its name (Simple
  // view), the name column counts as the entity's; its parameters are left out unnamed, as they are.
  function emptyColumns(yasr, folded) {
    const bindings = yasr.results.getBindings() || [];
    if (!bindings.length) return [];
    const variables = yasr.results.getVariables();
    const present = new Set(variables);
    const params = new Set(paramsOf(yasr));
    const nameOf = (name) => folded && name.endsWith("Name") && present.has(name.slice(0, -4));
    return variables.filter((name) => !params.has(name) && !nameOf(name) &&
      bindings.every((row) => !row[name] && !(folded && row[name + "Name"])));
  }
  const count = (n, what) => n.toLocaleString("en") + " " + what + (n === 1 ? "" : "s");
  // Below the rows of the table on screen, the columns it left out for having no value; a table
  // left with no column at all is its count alone, as on the command line: "2 rows; no value on
  // any row: x, y"
  function showNoValue(table) {
    table.yasr.resultsEl.querySelectorAll(":scope > .no-value").forEach((p) => p.remove());
    const box = table.tableEl && table.tableEl.closest(".dt-container");
    if (box) box.hidden = table.nothingShown;
    const rows = table.yasr.results ? (table.yasr.results.getBindings() || []).length : 0;
    const said = [table.nothingShown ? count(rows, "row") : "",
      table.noValue.length ? "no value on any row: " + table.noValue.join(", ") : ""].filter(Boolean);
    if (said.length) table.yasr.resultsEl.append(el("p", "hint no-value", said.join("; ")));
  }

  function tableForPeople(Table) {
    const draw = Table.prototype.draw;
    Table.prototype.draw = function drawForPeople(config) {
      // Simple view unticked while it was on by default: from then on it is the reader's choice
      if (this.compactByDefault && this.persistentConfig.compact !== true) this.compactByDefault = false;
      const chosen = this.persistentConfig.compact !== undefined && !this.compactByDefault;
      if (!chosen) {
        this.compactByDefault = Boolean(namedRequest(this.yasr));
        this.persistentConfig.compact = this.compactByDefault || undefined;
      }
      const drawn = draw.call(this, config);
      showNoValue(this);
      fitColumns(this);
      // a new page, order or filter is laid out again by YASR (and the window's width by
      // DataTables): the columns are fitted again after it
      if (this.dataTable) this.dataTable.on("draw column-sizing", () => fitColumns(this));
      return drawn;
    };
    const columns = Table.prototype.getColumns;
    Table.prototype.getColumns = function getColumns() {
      const request = namedRequest(this.yasr);
      const query = request ? named(request.name) : null;
      this.noValue = this.yasr.results ? emptyColumns(this.yasr, Boolean(query && this.persistentConfig.compact)) : [];
      const empty = new Set(this.noValue);
      const drawn = (query ? forPeople.call(this, request, query) : columns.call(this))
        .map((column, index) => index && empty.has(column.name) ? { ...column, visible: false } : column);
      this.nothingShown = drawn.length > 1 && drawn.slice(1).every((column) => column.visible === false);
      return drawn;
    };
    function forPeople(request, query) {
      const given = new Set(request.params.map(([name]) => name));
      const bindings = this.yasr.results.getBindings() || [];
      // given, or bound to its default (the same on every row), or left unbound (on none)
      const same = (name) => bindings.every((row) => row[name] && bindings[0][name] && row[name].value === bindings[0][name].value);
      const constant = new Set(query.params
        .filter((p) => given.has(p.name) || (p.default !== null && same(p.name)) || bindings.every((row) => !row[p.name]))
        .map((p) => p.name));
      const left = (name) => constant.has(name) || (name.endsWith("Name") && constant.has(name.slice(0, -4)));
      const all = columns.call(this);
      if (!this.persistentConfig.compact) {
        return all.map((column) => left(column.name) ? { ...column, visible: false } : column);
      }
      // As on the command line, an entity is shown by its name (its xName column folded into
      // its column, linked to its page here), and a number of five digits or more grouped
      const at = new Map(all.map((column, index) => [column.name, index]));
      return all.map((column) => {
        if (left(column.name) || (column.name && column.name.endsWith("Name") && at.has(column.name.slice(0, -4)))) {
          return { ...column, visible: false };
        }
        const nameAt = at.get(column.name + "Name");
        return { ...column, render: (cell, kind, row, meta) => {
          const name = nameAt === undefined ? null : row[nameAt];
          if (cell && cell.type === "uri" && cell.value.startsWith(ID) && name && name.value) {
            if (kind === "display") return "<div><span>" + entityLink(cell.value, name.value) + "</span></div>";
            if (kind === "sort") return name.value.toLowerCase();
            if (kind === "filter") return escaped(name.value + " " + cell.value);
          }
          // a name without its entity (a region named by a report, not in the graph) is shown
          if (!cell && name && name.value) {
            if (kind === "display") return "<div><span class='nonIri'>" + html(name.value) + "</span></div>";
            return kind === "filter" ? escaped(name.value) : name.value.toLowerCase();
          }
          if (kind === "display" && cell && NUMERIC.has(cell.datatype)) {
            return "<div><span class='nonIri'>" + grouped(cell.value) + "</span></div>";
          }
          const plain = cell && /literal/.test(cell.type) && (!cell.datatype || cell.datatype === XSD + "string");
          const amount = kind === "display" && plain ? money(cell.value) : null;
          if (amount) return "<div><span class='nonIri'>" + amount + "</span></div>";
          return column.render(cell, kind, row, meta);
        } };
      });
    };
  }
  // Values that are never cut, as on the command line: numbers, dates and booleans, and any value
  // of at most UNCUT characters (a code, an acronym, "PDUFA date"); headers neither.
  const UNCUT = 10;
  const SHORT_TYPES = new Set([...NUMERIC, ...["date", "dateTime", "gYear", "gYearMonth", "time", "boolean"].map((t) => XSD + t)]);
  // The narrowest a column of longer text is made to give room to the others, unless its widest
  // value is narrower: a name stays whole beside typed numbers ("0.5"^^xsd:decimal, rev27b F3)
  const TEXT_AT_LEAST = 200;
  const isShort = (cell, td) => !cell || typeof cell !== "object" ||
    (/literal/.test(cell.type) && SHORT_TYPES.has(cell.datatype)) || td.textContent.trim().length <= UNCUT;
  // An IRI of the graph shown as itself, not by its name, is told apart from the others by its
  // end (event:elevidys-anvisa-suspended-2025-07-24): cut, it keeps its end, "…" at its start,
  // as on the command line (joints28 F4). A column is so when every value it has is one.
  const isOwnIri = (cell, td) => Boolean(cell) && typeof cell === "object" && cell.type === "uri" &&
    (cell.value.startsWith(ID) || cell.value.startsWith(ONTOLOGY)) && !td.querySelector("a.entity");
  const isBlank = (cell) => !cell || typeof cell !== "object";
  // The width a node's contents take on one line
  function lineWidth(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getBoundingClientRect().width;
  }
  const sides = (node) => {
    const style = getComputedStyle(node);
    return ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"].reduce((sum, side) => sum + parseFloat(style[side]), 0);
  };
  function headerWidth(th) {
    const title = th.querySelector(".dt-column-title");
    if (!title) return sides(th) + lineWidth(th);
    const order = th.querySelector(".dt-column-order");
    const arrows = order && order.getClientRects().length ? order.getBoundingClientRect().width +
      parseFloat(getComputedStyle(title.parentNode).columnGap || "0") : 0;
    return sides(th) + lineWidth(title) + arrows;
  }
  const total = (numbers) => numbers.reduce((sum, n) => sum + n, 0);

  // DataTables sizes the columns as if every value could wrap (a date at its hyphens: "2026-" over
  // "08-22"), and YASR's "Ellipse" then keeps each value on one line and cuts it with "…" (joints27
  // F2: the decision dates of pending-reviews read "2026-…", headers "goalDa"). Here a column of
  // short values is widened to its widest value and every column to its header, the room taken
  // from the columns of longer text, each in proportion to what it has to spare; the table grows
  // (and scrolls in its box) only when they have none. A value still cut shows itself whole on
  // hover, and on a click as YASR's own ellipsis does.
  function fitColumns(table) {
    const tableEl = table.tableEl;
    if (tableEl && tableEl.tBodies.length) showHidden(tableEl.tBodies[0]);
    if (!tableEl || !table.dataTable || !tableEl.tHead || !tableEl.getClientRects().length) return;
    const heads = [...tableEl.tHead.rows[0].cells];
    const rows = [...tableEl.tBodies[0].rows].filter((row) => row.cells.length === heads.length);
    const widths = heads.map((th) => th.getBoundingClientRect().width);
    const short = heads.map((th, i) => rows.every((row) => isShort(table.dataTable.cell(row.cells[i]).data(), row.cells[i])));
    rows.forEach((row) => heads.forEach((th, i) => row.cells[i].classList.toggle("uncut", short[i])));
    const byEnd = heads.map((th, i) => {
      const cells = rows.map((row) => [table.dataTable.cell(row.cells[i]).data(), row.cells[i]]);
      return cells.some(([cell, td]) => isOwnIri(cell, td)) && cells.every(([cell, td]) => isBlank(cell) || isOwnIri(cell, td));
    });
    rows.forEach((row) => heads.forEach((th, i) => row.cells[i].classList.toggle("by-end", byEnd[i] && !short[i])));
    const widest = heads.map((th, i) => Math.max(0, ...rows.map((row) => sides(row.cells[i]) + lineWidth(row.cells[i].firstElementChild || row.cells[i]))));
    const floor = heads.map((th, i) => Math.ceil(Math.max(headerWidth(th), short[i] ? widest[i] : Math.min(widest[i], TEXT_AT_LEAST))));
    const raised = widths.map((width, i) => Math.max(width, floor[i]));
    const added = total(raised) - total(widths);
    if (added > 0.5) {
      const spare = raised.map((width, i) => short[i] ? 0 : Math.max(0, width - floor[i]));
      const taken = Math.min(added, total(spare));
      const fitted = raised.map((width, i) => total(spare) ? width - taken * spare[i] / total(spare) : width);
      const cols = [...tableEl.querySelectorAll(":scope > colgroup > col")];
      heads.forEach((th, i) => {
        th.style.width = fitted[i] + "px";
        if (cols.length === heads.length) cols[i].style.width = fitted[i] + "px";
      });
      if (total(fitted) > tableEl.getBoundingClientRect().width) tableEl.style.width = total(fitted) + "px";
      // the column resizer's grips stand between the columns, where they are now
      const resizer = table.tableResizer;
      if (resizer && resizer.tb && resizer.tb.columns && resizer.tb.columns.length === heads.length) {
        resizer.tb.columns.forEach((column, i) => { column.w = fitted[i]; });
        resizer.tb.tableWidth = tableEl.getBoundingClientRect().width;
        resizer.syncGrips();
      }
    }
    if (table.persistentConfig.isEllipsed !== false) table.setEllipsisHandlers();
    rows.forEach((row) => [...row.cells].forEach((td) => {
      const value = td.firstElementChild;
      if (!value) return;
      const cut = value.scrollWidth > value.clientWidth;
      if (cut) value.title = td.textContent;
      else value.removeAttribute("title");
    }));
  }

  // A link made here, not by YASR: its text is the entity's name, escaped, and its address the
  // entity's page, each part of the IRI encoded; keepLinksLocal leaves it be (class "entity").
  const html = (text) => escaped(text).replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  function entityLink(iri, name) {
    const page = "/id/" + iri.slice(ID.length).split("/").map(encodeURIComponent).join("/");
    return '<a class="entity" href="' + html(page) + '" title="' + html(iri) + '">' + html(name) + "</a>";
  }
  // An amount in another currency ("KRW 90000000000", atmp:valueOriginal) grouped as the command
  // line groups it: a currency's ISO 4217 code (graph/rdf.py's CURRENCIES), a space, a number
  const CURRENCIES = new Set(`
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL`.trim().split(/\s+/));
  function money(value) {
    const found = /^([A-Z]{3}) (-?[0-9]+(?:\.[0-9]+)?)$/.exec(value);
    return found && CURRENCIES.has(found[1]) ? found[1] + " " + grouped(found[2]) : null;
  }
  // 11900000000 as 11,900,000,000, from 10,000 up, as the command line groups them
  function grouped(value) {
    const [whole, fraction] = value.split(".");
    const digits = whole.replace(/^[+-]/, "");
    if (!/^[0-9]+$/.test(digits) || digits.replace(/^0+/, "").length < 5) return escaped(value);
    const sign = whole.slice(0, whole.length - digits.length);
    return escaped(sign + digits.replace(/\B(?=([0-9]{3})+$)/g, ",") + (fraction === undefined ? "" : "." + fraction));
  }

  function searchValuesAsText(Table) {
    const columns = Table.prototype.getColumns;
    Table.prototype.getColumns = function getColumns() {
      return columns.call(this).map((column, index) => index === 0 ? column : {
        ...column,
        render: (cell, kind, row, meta) => {
          if (cell === "" || !["filter", "sort", "type", undefined].includes(kind)) return column.render(cell, kind, row, meta);
          if (kind === "filter") return escaped(cell.value);
          // a number sorts as one (9 before 10), not as the text of its digits: DataTables
          // chooses how to sort a column by its "type" values
          return kind && NUMERIC.has(cell.datatype) ? Number(cell.value) : cell.value;
        },
      });
    };
  }

  // YASR reads a SPARQL JSON or XML answer through YASGUI's applyMustacheToLiterals, which rewrites
  // "{{x}}" inside any literal into the row's ?x (or into "x"): the table, YASR's CSV download and
  // the chart, all read from yasr.results, would show text the data does not hold. Each answer
  // YASR takes is read here as it was sent; other answers (Turtle, CSV, TSV) keep YASR's readers,
  // which never had the rewrite. The vendored bundle stays as published.
  const TERM_TYPES = new Set(["uri", "literal", "bnode", "typed-literal"]);
  function readJson(data) {
    if (typeof data === "string") return JSON.parse(data);
    if (data && typeof data === "object" && data.constructor === Object) return structuredClone(data);
    throw new Error("Could not parse json");
  }
  function readXml(data) {
    if (typeof data !== "string") return undefined;
    const root = new DOMParser().parseFromString(data, "text/xml").documentElement;
    if (!root) return undefined;
    const answer = {};
    for (const part of root.children) {
      if (part.nodeName === "head") {
        answer.head = { vars: [...part.children].filter((v) => v.nodeName === "variable" && v.getAttribute("name")).map((v) => v.getAttribute("name")) };
      } else if (part.nodeName === "boolean") {
        answer.boolean = part.textContent === "true";
      } else if (part.nodeName === "results") {
        const bindings = [];
        for (const result of part.children) {
          const row = {};
          for (const binding of result.children) {
            const name = binding.nodeName === "binding" && binding.getAttribute("name");
            const term = name && [...binding.children].find((t) => TERM_TYPES.has(t.nodeName));
            if (!term) continue;
            row[name] = { type: term.nodeName, value: term.textContent };
            if (term.getAttribute("datatype")) row[name].datatype = term.getAttribute("datatype");
            if (term.getAttribute("xml:lang")) row[name]["xml:lang"] = term.getAttribute("xml:lang");
          }
          if (Object.keys(row).length) bindings.push(row);
        }
        answer.results = { bindings };
      }
    }
    return answer;
  }
  function readAsSent(parser) {
    const byYasr = parser.getParserFromContentType;
    const read = (reader, type) => {
      parser.json = reader(parser.getData());
      parser.type = type;
      return Boolean(parser.json);
    };
    parser.getParserFromContentType = function exactReader() {
      const type = this.getContentType() || "";
      try {
        if (type.includes("sparql-results+json")) return read(readJson, "json");
        if (!type.includes("json") && type.includes("xml")) return read(readXml, "xml");
      } catch (e) {
        this.errorSummary = { text: e instanceof Error ? e.message : String(e) };
        return false;
      }
      return byYasr.call(this);
    };
    parser.doLuckyGuess = function exactGuess() {
      for (const [reader, type] of [[readJson, "json"], [readXml, "xml"]]) {
        try {
          if (read(reader, type)) return true;
        } catch {
          // not this format: the next is tried, as YASR's own guess does
        }
      }
      return false;
    };
  }
  function exactAnswers(Yasr) {
    const kept = new WeakMap();
    Object.defineProperty(Yasr.prototype, "results", {
      configurable: true,
      get() {
        return kept.get(this);
      },
      set(parser) {
        if (parser && typeof parser === "object") readAsSent(parser);
        kept.set(this, parser);
      },
    });
  }

  function createYasgui(config) {
    const { Yasqe, Yasr, Tab } = window.Yasgui;
    registerCompleters(Yasqe, config);
    predeclarePrefixes(Yasqe, config.prefixes);
    exactAnswers(Yasr);
    searchValuesAsText(Yasr.plugins.table);
    tableForPeople(Yasr.plugins.table);
    Yasr.registerPlugin("graph", GraphView);
    Yasr.registerPlugin("chart", ChartView);
    Yasr.defaults.pluginOrder.splice(0, Infinity, "table", "response", "graph", "chart");
    // YASGUI's share button gives the same link as the page's: this page reads it back.
    Tab.prototype.getShareableLink = function link() {
      return location.origin + shareLink(requestOf(this));
    };
    return new window.Yasgui($("yasgui"), {
      persistenceId: "atmpkg-query",
      autofocus: false, // the page opens on its controls, in Tab order; the editor when chosen
      populateFromUrl: false, // this page reads its own links (?query=, ?name=&p=)
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: () => [], keys: [] },
      tabName: "Query",
      requestConfig: {
        // Functions, so that a tab kept from another session (or port) still asks this server.
        endpoint: () => location.origin + "/sparql",
        method: "POST",
        acceptHeaderSelect: ACCEPT_TABLE,
        acceptHeaderGraph: ACCEPT_GRAPH,
        // A named query goes as name=NAME&p=NAME=VALUE... (the p's: beforeQuery), which the server
        // runs with typed values.
        queryArgument: () => (state.sending && state.sending.name ? "name" : "query"),
        adjustQueryBeforeRequest: (yasqe) => (state.sending && state.sending.name ? state.sending.name : yasqe.getValue()),
      },
      yasqe: { value: EXAMPLE, prefixCcApi: null, createShortLink: undefined },
      yasr: { prefixes: config.prefixes },
    });
  }

  // The table links IRIs to themselves, out on the web. An instance of the graph links to its
  // page on this server instead; other IRIs stay text (the full IRI as a tooltip), so that
  // nothing on the page leads off it.
  // The IRI a link's text stands for: YASR shows an IRI with the first prefix it starts with.
  function expanded(text) {
    const prefixes = currentTab().getYasr().getPrefixes() || {};
    const colon = text.indexOf(":");
    const prefix = colon < 0 ? null : text.slice(0, colon);
    return prefix !== null && Object.hasOwn(prefixes, prefix) ? prefixes[prefix] + text.slice(colon + 1) : text;
  }

  function keepLinksLocal(root) {
    const done = new WeakSet();  // not a mark in the markup, which a quote in an IRI could forge
    const rewrite = () => {
      root.querySelectorAll(".yasr_results a.iri").forEach((a) => {
        if (done.has(a)) return;
        done.add(a);
        // YASR writes an IRI into a quoted attribute without escaping its quotes: an IRI holding
        // "'" ends the href early and adds attributes of its own (style=… could cover the page).
        // Only the class and the href are kept, and the href only when it is the IRI the link's
        // text shows (whole or with a prefix), as it is unless a quote cut it short.
        const iri = a.getAttribute("href") || "";
        const broken = expanded(a.textContent) !== iri;
        [...a.attributes].forEach((at) => { if (at.name !== "class" && at.name !== "href") a.removeAttribute(at.name); });
        if (broken) {
          a.removeAttribute("href");
          a.title = a.textContent;
        } else if (iri.startsWith(ID)) {
          a.setAttribute("href", "/id/" + iri.slice(ID.length).split("/").map(encodeURIComponent).join("/"));
        } else {
          a.removeAttribute("href");
          a.title = iri;
        }
      });
    };
    new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
  }

  // --- the answer, as the Graph and Chart views read it ------------------------------------------

  function answerOf(yasr) {
    const results = yasr.results;
    if (!results || results.hasError()) return null;
    if (results.getBoolean() !== undefined) return { kind: "ask", vars: [], rows: [] };
    const vars = results.getVariables();
    const rows = (results.getBindings() || []).map((b) => vars.map((v) => b[v] || null));
    const graph = vars.length === 3 && vars.join() === "subject,predicate,object" && !/json|xml/.test(results.getContentType() || "");
    return { kind: graph ? "graph" : "table", vars, rows };
  }

  function requestShown(yasr) {
    return state.requests.get(yasr) || { query: currentTab().getYasqe().getValue() };
  }

  // --- the Graph view: the answer drawn by the server's /graph page -------------------------------

  class GraphView {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Graph";
      this.priority = 2;
    }

    canHandleResults() {
      const answer = answerOf(this.yasr);
      return Boolean(answer && answer.kind !== "ask");
    }

    getIcon() {
      const icon = svg("svg", { viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true" });
      icon.append(svg("path", { d: "M4 4L12 6L7 12Z", fill: "none", stroke: "currentColor" }));
      [[4, 4], [12, 6], [7, 12]].forEach(([cx, cy]) => icon.append(svg("circle", { cx, cy, r: 2.2, fill: "currentColor" })));
      return icon;
    }

    draw() {
      // YASR draws the chosen view whatever the answer; an ASK answer has nothing to draw
      if (!this.canHandleResults()) return;
      const frame = el("iframe", "graph");
      frame.title = "The answer as a graph";
      frame.setAttribute("sandbox", "allow-scripts allow-popups allow-popups-to-escape-sandbox");
      const search = toSearch(requestShown(this.yasr));
      if (tooLong(search)) frame.name = "graph-" + Date.now();
      else frame.src = "/graph?" + search;
      this.yasr.resultsEl.append(frame);
      if (frame.name) postTo("/graph", search, frame.name);
    }
  }

  // A Graph frame is sandboxed (an origin of its own) and its policy allows it no request: when
  // one of its nodes links to more than the frame holds, it asks this page, which fetches the
  // entity's neighbourhood from its own server and answers that frame alone. Nothing else is
  // fetched for a frame, and a message from anything but a Graph frame of this page is ignored.
  window.addEventListener("message", (event) => {
    const asked = event.data || {};
    const frame = [...document.querySelectorAll("iframe.graph")].find((f) => f.contentWindow === event.source);
    if (!frame || asked.kind !== "atmp-neighbours" || typeof asked.iri !== "string") return;
    const answer = (reply) => event.source.postMessage({ kind: "atmp-neighbours", iri: asked.iri, ...reply }, "*");
    fetch("/api/neighbours?iri=" + encodeURIComponent(asked.iri), { headers: { Accept: "application/json" } })
      .then((response) => response.ok
        ? response.json().then((data) => answer({ data }))
        // an error is JSON too, {"error": "no entity at …; did you mean /id/…?"}
        : response.text().then((text) => {
          let told = text.trim();
          try { told = JSON.parse(text).error || told; } catch (_) { /* a proxy's own page */ }
          answer({ error: told || "status " + response.status });
        }))
      .catch((error) => answer({ error: String(error.message || error) }));
  });

  // --- the Chart view: bars of a numeric column -----------------------------------------------------

  const isNumeric = (term) => Boolean(term) && /literal/.test(term.type) && NUMERIC.has(term.datatype);
  // A year is not a quantity: a column named like one, or of years, is never a value to chart.
  const isYear = (answer, i) => /year/i.test(answer.vars[i]) ||
    answer.rows.every((r) => r[i] && r[i].datatype === XSD + "gYear");
  // Nor is a place in an order: a depth in a tree, a rank
  const isOrdinal = (answer, i) => /^(depth|rank|position)$/i.test(answer.vars[i]);

  // A column whose cells are longer than this (the median) holds notes or titles, not names to
  // label bars with.
  const LABEL_CHARS = 60;

  // What a chart draws of a table: one bar per row, or per label where the rows of one label
  // repeat its value (a company ranked once per product it has: one bar for the company). The
  // label is the fewest columns that name the bars so: short texts (names, not notes) in the
  // answer's order with the year a row is of, then the year alone, then an IRI; failing that
  // every row is a bar, labelled by those that tell the most rows apart. The values are the
  // numeric columns (an empty cell draws no bar), a parameter's column not among them.
  function chartColumns(answer, params = []) {
    if (!answer || answer.kind !== "table" || !answer.rows.length) return null;
    const columns = answer.vars.map((v, i) => i).filter((i) => !params.includes(answer.vars[i]));
    const numbers = columns.filter((i) => answer.rows.some((r) => isNumeric(r[i])) &&
      answer.rows.every((r) => !r[i] || isNumeric(r[i])));
    const values = numbers.filter((i) => !isYear(answer, i) && !isOrdinal(answer, i));
    if (!values.length) return null;
    const numeric = values.includes(state.chartValue) ? state.chartValue : values[0];
    const short = (i) => {
      const lengths = answer.rows.filter((r) => r[i]).map((r) => r[i].value.length).sort((a, b) => a - b);
      return lengths.length && lengths[Math.floor(lengths.length / 2)] <= LABEL_CHARS;
    };
    const text = columns.filter((i) => answer.rows.every((r) =>
      !r[i] || (/literal/.test(r[i].type) && !isNumeric(r[i]))) && short(i));
    // the year a row is of labels it; a first or last year is a fact about the row
    const years = numbers.filter((i) => (/^year$/i.test(answer.vars[i]) ||
      answer.rows.every((r) => r[i] && r[i].datatype === XSD + "gYear")) && answer.rows.every((r) => r[i]));
    const iris = columns.filter((i) => answer.rows.every((r) => r[i] && r[i].type === "uri"));
    const key = (row, label) => label.map((i) => (row[i] ? row[i].value : "")).join("\u0000");
    // a row without a name in the label is no bar of a name: it merges with no other
    const names = (label) => {
      const seen = new Map();
      return answer.rows.every((row) => label.some((i) => row[i])) && answer.rows.every((row) => {
        const value = row[numeric] ? row[numeric].value : null;
        const named = key(row, label);
        const before = seen.get(named);
        seen.set(named, value);
        return before === undefined || before === value;
      });
    };
    // of the first eight texts: a wide answer's combinations would keep the page busy
    const combinations = (size, from = 0) => size === 0 ? [[]] : text.slice(from, 8).flatMap((i, k) =>
      combinations(size - 1, from + k + 1).map((rest) => [i, ...rest]));
    const withYear = (label) => years.length ? [[...label, years[0]], label] : [label];
    const labels = [1, 2, 3].flatMap((size) => combinations(size).flatMap(withYear))
      .concat(years.slice(0, 1).map((i) => [i]), iris.slice(0, 1).map((i) => [i]));
    const named = labels.find(names);
    // else every row is a bar, labelled by the columns that tell most rows apart
    const distinct = (label) => new Set(answer.rows.map((row) => key(row, label))).size;
    const counted = named ? [] : labels.map((label) => [distinct(label), label]);
    // no label tells one row apart: every key is the empty one
    const label = named || counted.reduce((best, next) => (next[0] > best[0] ? next : best), [1, []])[1];
    if (!label.length) return null;
    return { label, numeric, values, text, key: named ? (row) => key(row, label) : (row) => row };
  }

  // Short text columns outside the label that read the same on every row with a value: what the
  // whole chart is of (agency-lag's pair of agencies, the name of a parameter's entity), which its
  // caption names so that a saved chart still says it. One row says nothing of the answer, and a
  // true/false flag names nothing the chart is of.
  function constantColumns(answer, columns) {
    const rows = answer.rows.filter((row) => row[columns.numeric]);
    if (rows.length < 2) return [];
    return columns.text.filter((i) => !columns.label.includes(i) &&
      rows.every((row) => row[i] && row[i].datatype !== XSD + "boolean" && row[i].value === rows[0][i].value));
  }

  // How far apart the groups of a split must lie: the smallest value of one at least this many
  // times the largest of the group below it.
  const SCALE_APART = 10;

  // A short text column outside the label that sorts the bars into 2 to 6 groups (one value per
  // bar, fewer values than bars) whose values lie SCALE_APART times apart or more: a measure of
  // another kind (product-figures' list prices beside sales), on one axis the smaller bars would
  // be slivers. Each group is then charted on its own axis. A column whose groups overlap (an
  // agency, a kind of area, a deal type) sorts values of one measure: the bars stay one ranking.
  function splitColumn(answer, columns) {
    const rows = answer.rows.filter((row) => row[columns.numeric]);
    const bars = new Set(rows.map(columns.key)).size;
    const magnitude = (row) => Math.abs(Number(row[columns.numeric].value));
    return columns.text.find((i) => {
      if (columns.label.includes(i) || !rows.every((row) => row[i])) return false;
      const of = new Map();
      const groups = new Map();
      for (const row of rows) {
        const bar = columns.key(row);
        if (of.has(bar) && of.get(bar) !== row[i].value) return false;
        of.set(bar, row[i].value);
        const [low, high] = groups.get(row[i].value) || [Infinity, 0];
        groups.set(row[i].value, [Math.min(low, magnitude(row)), Math.max(high, magnitude(row))]);
      }
      if (groups.size < 2 || groups.size > 6 || groups.size >= bars) return false;
      const ranges = [...groups.values()].sort((a, b) => a[1] - b[1]);
      return ranges.every(([low], k) => !k || low >= SCALE_APART * ranges[k - 1][1]);
    });
  }

  function shorten(iri) {
    const prefixes = state.config.prefixes;
    let best = "";
    Object.entries(prefixes).forEach(([p, ns]) => {
      const local = iri.slice(ns.length);
      if (iri.startsWith(ns) && ns.length > (prefixes[best] || "").length &&
          /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && !local.endsWith(".")) {
        best = p;
      }
    });
    return best ? best + ":" + iri.slice(prefixes[best].length) : "<" + iri + ">";
  }

  // Names are joined by a dot, a year follows its name: "EMA · conditional approval", "EMA 2018"
  function barLabel(row, columns) {
    return columns.label.filter((i) => row[i]).map((i) => row[i].type === "uri" ? shorten(row[i].value) : row[i].value)
      .reduce((joined, part, k, parts) => !k ? part : joined + (/^\d{4}$/.test(part) && k === parts.length - 1 ? " " : " · ") + part, "");
  }

  function valuePicker(answer, columns, redraw) {
    const picker = el("select");
    picker.id = "chart-value";
    picker.setAttribute("aria-label", "Value to chart");
    columns.values.forEach((i) => {
      const option = el("option", null, answer.vars[i]);
      option.value = String(i);
      option.selected = i === columns.numeric;
      picker.append(option);
    });
    picker.addEventListener("change", () => { state.chartValue = Number(picker.value); redraw(); });
    const label = el("label", "hint", "Value: ");
    label.append(picker);
    return label;
  }

  // The rows a chart draws: those with a value, each label once
  function barRows(answer, columns) {
    const seen = new Set();
    return answer.rows.filter((row) => {
      if (!row[columns.numeric] || seen.has(columns.key(row))) return false;
      seen.add(columns.key(row));
      return true;
    });
  }

  function bars(answer, columns, drawn, title) {
    const rows = drawn.slice(0, CHART_BARS);
    const values = rows.map((r) => Number(r[columns.numeric].value));
    const max = Math.max(...values.map(Math.abs), 1);
    const labelWidth = 260;
    const barWidth = 520;
    const height = 24;
    const chart = svg("svg", { class: "chart", width: labelWidth + barWidth + 140, height: rows.length * height + 10, role: "img" });
    chart.setAttribute("aria-label", showable(title));
    // bars whose label columns read the same (rows told apart only by a note, or by nothing
    // shown) are numbered, in front, where cutting a long label keeps the number
    const labels = rows.map((row) => showable(barLabel(row, columns) || "(no name)"));
    const repeated = new Map();
    labels.forEach((label) => repeated.set(label, (repeated.get(label) || 0) + 1));
    const numbered = new Map();
    rows.forEach((row, i) => {
      const y = i * height + 5;
      let label = labels[i];
      if (repeated.get(label) > 1) {
        numbered.set(label, (numbered.get(label) || 0) + 1);
        label = "#" + numbered.get(label) + " " + label;
      }
      const width = (Math.abs(values[i]) / max) * barWidth;
      const name = svg("text", { x: labelWidth - 8, y: y + 15, "text-anchor": "end" });
      name.textContent = label.length > 38 ? label.slice(0, 37) + "…" : label;
      const rect = svg("rect", { x: labelWidth, y: y + 3, height: height - 8, width: Math.max(1, width) });
      const tip = svg("title");
      tip.textContent = label + ": " + values[i].toLocaleString("en");
      rect.append(tip);
      const value = svg("text", { x: labelWidth + width + 6, y: y + 15 });
      value.textContent = values[i].toLocaleString("en");
      chart.append(name, rect, value);
    });
    return chart;
  }

  const firstBars = (rows) => rows.length > CHART_BARS ? " (first " + CHART_BARS + " of " + rows.length + " bars)" : "";

  // The caption says what the bars are and what every bar shares: "days by therapyName ·
  // fromAgency: FDA, toAgency: EMA". A split answer is a chart per group, each headed by its
  // column and value ("metricName: list price").
  function renderChart(view, answer, params) {
    const columns = chartColumns(answer, params);
    view.replaceChildren();
    if (!columns) return;
    if (columns.values.length > 1) view.append(valuePicker(answer, columns, () => renderChart(view, answer, params)));
    const title = answer.vars[columns.numeric] + " by " + columns.label.map((i) => answer.vars[i]).join(", ");
    const shared = constantColumns(answer, columns)
      .map((i) => answer.vars[i] + ": " + answer.rows.find((row) => row[columns.numeric])[i].value);
    const caption = title + (shared.length ? " · " + shared.join(", ") : "");
    const rows = barRows(answer, columns);
    const split = splitColumn(answer, columns);
    if (split === undefined) {
      view.append(el("p", "hint caption", caption + firstBars(rows)), bars(answer, columns, rows, caption));
      return;
    }
    view.append(el("p", "hint caption", caption));
    [...new Set(rows.map((row) => row[split].value))].forEach((value) => {
      const group = rows.filter((row) => row[split].value === value);
      const heading = answer.vars[split] + ": " + value;
      view.append(el("h3", "chart-heading", heading + firstBars(group)), bars(answer, columns, group, title + ", " + heading));
    });
  }

  class ChartView {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Chart";
      this.priority = 1;
    }

    canHandleResults() {
      return Boolean(chartColumns(answerOf(this.yasr), paramsOf(this.yasr)));
    }

    getIcon() {
      const icon = svg("svg", { viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true" });
      [[1, 9, 4], [6, 3, 10], [11, 6, 7]].forEach(([x, y, h]) => icon.append(svg("rect", { x, y, width: 4, height: h, fill: "currentColor" })));
      return icon;
    }

    draw() {
      const view = el("div", "chart-view");
      this.yasr.resultsEl.append(view);
      renderChart(view, answerOf(this.yasr), paramsOf(this.yasr));
    }
  }

  // --- running, and what the page shows around YASGUI -----------------------------------------------

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }

  // The server's downloads of the answer on screen: they run the same request again.
  function renderDownloads(request, answer) {
    const box = $("downloads");
    box.replaceChildren();
    if (!answer || answer.kind === "ask") return;
    box.append(el("span", null, "Download:"));
    (answer.kind === "graph" ? GRAPH_FORMATS : TABLE_FORMATS).forEach(([fmt, label]) => {
      const a = el("a", null, label);
      const search = toSearch(request, { format: fmt });
      a.download = "atmpkg-result." + (fmt === "rdfxml" ? "rdf" : fmt);
      a.dataset.format = fmt;
      if (tooLong(search)) {
        a.href = "#";
        a.addEventListener("click", (event) => {
          event.preventDefault();
          postedDownload(search, a.download);
        });
      } else {
        a.href = "/sparql?" + search;
      }
      box.append(a);
    });
  }

  function showTruncation(rows) {
    $("truncated").hidden = !rows;
    $("truncated").textContent = rows
      ? "Only the first " + rows + " rows are shown: the server caps every answer at " + rows + " rows. Narrow the query (LIMIT, FILTER) to see the rest."
      : "";
  }

  // The notes the server gives with an answer (ATMPKG-Notes: why an answer is empty, a term or
  // name that matches nothing, a date that took its default), as the command line prints them.
  function showNotes(notes) {
    $("notes").replaceChildren(...notes.map((note) => el("p", null, "Note: " + note)));
    $("notes").hidden = !notes.length;
  }

  // The header holds at most MOST_NOTES notes, each cut to 400 bytes and ending in "…" (a limit
  // for the proxies in front of a server): a cut note lost its advice (joints28 F3: deals-above-
  // value's "a min_value of 100,000,000 lists them"). The page then asks /api/notes for them
  // whole, with the Accept its answer was asked with, so that the server finds that answer kept.
  const MOST_NOTES = 5;
  const isCut = (notes) => notes.length > MOST_NOTES || notes.some((note) => note.endsWith("…"));
  async function wholeNotes(request, yasr) {
    const table = /json/.test(yasr.results.getContentType() || "");
    const reply = await fetch("/api/notes", {
      method: "POST",
      body: toSearch(request),
      headers: { Accept: table ? ACCEPT_TABLE : ACCEPT_GRAPH },
    });
    return reply.ok ? (await reply.json()).notes : null;
  }

  function beforeQuery(tab) {
    const request = requestOf(tab);
    state.sending = request;
    state.chartValue = null;
    // The parameters go with the tab's request (YASGUI merges a tab's args with no function's).
    const args = request.name ? request.params.map(([k, v]) => ({ name: "p", value: k + "=" + v })) : [];
    tab.setRequestConfig({ args });
    state.requests.set(tab.getYasr(), request);
    madeBy(tab, request);
    const long = tooLong(toSearch(request));
    history.replaceState(null, "", long ? "/" : shareLink(request));
    $("share").hidden = long;
    $("share").href = long ? "/" : shareLink(request);
    showError("");
    // Until the answer comes, nothing of the previous one may stay to be saved.
    renderDownloads(request, null);
    showTruncation(null);
    showNotes([]);
    $("status").textContent = "Running…";
  }

  // The downloads, the row-cap warning and the notes of the answer a tab shows, when this page
  // sent its request (a tab's answer kept from another visit has none: running it again gives them).
  function showExtras(tab) {
    const yasr = tab.getYasr();
    const request = yasr && state.requests.get(yasr);
    const answer = request ? answerOf(yasr) : null;
    renderDownloads(request, answer);
    const headers = answer && yasr.results.res && yasr.results.res.headers;
    showTruncation(headers ? headers.get("ATMPKG-Truncated") : null);
    const header = headers && headers.get("ATMPKG-Notes");
    const notes = header ? JSON.parse(header) : [];
    showNotes(notes);
    if (!isCut(notes)) return;
    // shown whole unless, by then, the tab shows another answer, or another tab is on screen
    const still = () => state.requests.get(yasr) === request && currentTab().getYasr() === yasr;
    wholeNotes(request, yasr).then((whole) => { if (whole && still()) showNotes(whole); }, () => {});
  }

  // After YASR has read the answer (it does so right after YASGUI's event): a failed query leaves
  // no download of an earlier answer behind; YASR shows the error in the place of the results.
  function afterQuery(tab) {
    setTimeout(() => {
      $("status").textContent = "";
      if (tab === currentTab()) showExtras(tab);
    });
  }

  function run() {
    const tab = currentTab();
    // The promise fails with the query; YASR shows why.
    if (tab) tab.getYasqe().query().catch(() => {});
  }

  // --- the picker of named queries ------------------------------------------------------------------

  function showParams(query, values) {
    const form = $("params");
    form.replaceChildren();
    form.hidden = !query || !query.params.length;
    if (!query) return;
    query.params.forEach((p) => {
      const label = el("label");
      label.title = p.description;
      const head = el("span", null, p.name + " ");
      head.append(el("span", "type", "(" + p.type + (p.required ? ", required" : "") + ")"));
      const input = el("input");
      input.name = p.name;
      input.required = p.required;
      input.placeholder = p.hint;
      input.value = values.get(p.name) || "";
      input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); run(); } });
      label.append(head, input, el("span", "type", p.description));
      form.append(label);
    });
  }

  function choose(name, values) {
    const tab = currentTab();
    if (state.namedTab !== tab.getId()) leaveNamed();
    const yasqe = tab.getYasqe();
    const wasNamed = Boolean(state.named);
    if (!wasNamed && name) state.ownText = yasqe.getValue(); // keep the user's text for later
    const query = named(name);
    state.named = query ? name : "";
    state.namedTab = query ? tab.getId() : null;
    $("named").value = state.named;
    $("summary").textContent = query ? query.summary : "Write SPARQL below; the server's prefixes (atmp:, rdfs:, one per kind of entity…) are predeclared.";
    showParams(query, values || new Map());
    yasqe.setOption("readOnly", Boolean(query));
    if (query) yasqe.setValue(query.text);
    else if (wasNamed) yasqe.setValue(state.ownText);
    // The picker and the editor now ask another question than the answer below them answered
    if ((query || wasNamed) && !sameRequest(madeBy(tab), requestOf(tab))) clearAnswer(tab);
  }

  // --- which question a tab's answer answers ----------------------------------------------------------

  // A tab's answer is kept in localStorage with its text, but a named query's answer also depends
  // on its name and parameters, which the text does not hold: the request that made the answer is
  // kept with the tab (in the tab's own stored settings, so that it goes when the tab is closed),
  // and the page shows an answer only under the question that gave it.
  function madeBy(tab, request) {
    const kept = tab.persistentJson;
    if (request === undefined) return kept.atmpkgRequest || null;
    kept.atmpkgRequest = request;
    tab.emit("change", tab, kept);
    return request;
  }

  function sameRequest(a, b) {
    if (!a || !b || Boolean(a.name) !== Boolean(b.name)) return false;
    if (!a.name) return a.query === b.query;
    const text = (request) => JSON.stringify([...request.params].sort());
    return a.name === b.name && text(a) === text(b);
  }

  // YASR has no way to forget its answer: the tab's YASR is made again, empty, with the tab's
  // table settings (Simple view), and the tab is stored without the answer.
  function clearAnswer(tab) {
    const yasr = tab.getYasr();
    if (!yasr || !yasr.results) return;
    yasr.destroy();
    tab.yasr = undefined;
    tab.persistentJson.yasr.response = undefined;
    tab.initYasr();
    madeBy(tab, null);
    if (tab === currentTab()) showExtras(tab);
  }

  // A tab shown again (on opening the page, or chosen among the tabs) shows the named query and
  // the parameters its answer came from, while its text is that query's; an answer kept before
  // the page kept its requests, under a named query's text, may have come from parameters the page
  // no longer knows, and is not shown.
  function resume(tab) {
    const made = madeBy(tab);
    const text = tab.getYasqe().getValue();
    const query = made && made.name ? named(made.name) : null;
    if (query && query.text === text) {
      choose(made.name, new Map(made.params));
      state.requests.set(tab.getYasr(), made);
      tab.getYasr().refresh();
      return;
    }
    leaveNamed();
    choose("");
    if (!made && state.config.queries.some((q) => q.text === text)) clearAnswer(tab);
  }

  // Another tab shows its own SPARQL: the named query stays as text in the tab it was chosen in.
  function leaveNamed() {
    if (!state.named) return;
    const tab = state.yasgui.getTab(state.namedTab);
    if (tab && tab.getYasqe()) tab.getYasqe().setOption("readOnly", false);
    state.named = "";
    state.namedTab = null;
    $("named").value = "";
    showParams(null);
  }

  function fillPicker() {
    const select = $("named");
    state.config.queries.forEach((q) => {
      const option = el("option", null, q.name);
      option.value = q.name;
      option.title = q.summary;
      select.append(option);
    });
    select.addEventListener("change", () => choose(select.value));
  }

  // A shared ?query= opens in the tab holding that text, else in the current tab when that only
  // holds the example, else in a new tab: the user's other queries stay as they were.
  // A link from another site opens in a tab of its own, and waits for Run.
  function openQuery(text, foreign) {
    const yasgui = state.yasgui;
    const found = yasgui.persistentConfig.getTabs().find((id) => yasgui.persistentConfig.getTab(id).yasqe.value === text);
    const yasqe = currentTab().getYasqe();
    if (found) yasgui.selectTabId(found);
    else if (yasqe.getValue() === EXAMPLE && !foreign) yasqe.setValue(text);
    else {
      const tab = yasgui.addTab(true, { yasqe: { value: text } });
      if (foreign) foreignTabs(foreignTabs().concat([tab.getId()]));
    }
  }

  // A tab that another site's link opened is the reader's only once they run its query: until
  // then it stays for this visit, and is closed when the page is next opened.
  const FOREIGN_TABS = "atmpkg-foreign-tabs";
  function foreignTabs(ids) {
    if (ids === undefined) return JSON.parse(localStorage.getItem(FOREIGN_TABS) || "[]");
    if (ids.length) localStorage.setItem(FOREIGN_TABS, JSON.stringify(ids));
    else localStorage.removeItem(FOREIGN_TABS);
    return ids;
  }
  function closeForeignTabs() {
    foreignTabs().forEach((id) => { const tab = state.yasgui.getTab(id); if (tab) tab.close(); });
    foreignTabs([]);
  }

  // The server marks the page when another site led here (a link, or a script that sent the
  // browser): a query such a link carries is shown, not run, so that the page runs nothing its
  // reader has not seen (and another site cannot have it saved among the reader's tabs: see
  // foreignTabs).
  const FROM_ANOTHER_SITE = document.documentElement.dataset.from === "another-site";
  const WAITING = "This link came from another site: read its query, then press Run to run it.";

  // --- start -------------------------------------------------------------------------------------------

  async function start() {
    const response = await fetch("/api/queries", { headers: { Accept: "application/json" } });
    state.config = await response.json();
    state.yasgui = createYasgui(state.config);
    keepLinksLocal($("yasgui"));
    fillPicker();
    closeForeignTabs();
    state.yasgui.on("queryBefore", (yasgui, tab) => {
      foreignTabs(foreignTabs().filter((id) => id !== tab.getId()));
      beforeQuery(tab);
    });
    state.yasgui.on("queryResponse", (yasgui, tab) => afterQuery(tab));
    // YASGUI makes a tab current after it says it was selected or added
    const shown = () => setTimeout(() => { resume(currentTab()); showExtras(currentTab()); });
    state.yasgui.on("tabSelect", shown);
    state.yasgui.on("tabAdd", shown);
    $("run").addEventListener("click", run);
    // A shared link carries the query: ?query=SPARQL, or ?name=NAMED&p=NAME=VALUE...
    const search = new URLSearchParams(location.search);
    const name = search.get("name");
    if (name) {
      const query = named(name);
      const values = new Map(search.getAll("p").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
      const unknown = query ? [...values.keys()].filter((k) => !query.params.some((p) => p.name === k)) : [];
      if (query && !unknown.length) {
        choose(name, values);
        if (FROM_ANOTHER_SITE) $("status").textContent = WAITING;
        else run();
        return;
      }
      // A link with a misspelt name or parameter is not run without it (that would answer a
      // broader question than the link asks): the server's own message says what is wrong, in
      // the place of the answer, as a failed query's.
      choose(query ? name : "", query ? values : undefined);
      clearAnswer(currentTab());
      const asked = new URLSearchParams([["name", name], ...search.getAll("p").map((p) => ["p", p])]);
      const reply = await fetch("/sparql?" + asked.toString(), { headers: { Accept: "text/csv" } });
      showError(reply.ok ? "This link's query could not be read." : (await reply.text()).trim());
    } else if (search.get("query")) {
      openQuery(search.get("query"), FROM_ANOTHER_SITE);
      choose("");
      if (FROM_ANOTHER_SITE) $("status").textContent = WAITING;
      else run();
    } else {
      resume(currentTab());
    }
  }

  start().catch((error) => showError("The page could not start: " + error.message));
})();

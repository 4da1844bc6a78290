// The ATMP-KG query page. Everything it shows goes through textContent or DOM attributes, never
// innerHTML, so no value from the graph can become markup. It talks only to its own server.
(() => {
  "use strict";

  const ID = "https://w3id.org/atmp-kg/id/";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
  const TABLE_FORMATS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]];
  const GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"], ["rdfxml", "RDF/XML"]];
  const EDITOR_PREFIXES = ["atmp", "rdf", "rdfs", "xsd", "skos", "dct", "schema", "therapy", "company", "agency"];
  const EXAMPLE = "SELECT ?therapy ?name ?developer WHERE {\n" +
    "  ?therapy a atmp:Therapy ; rdfs:label ?name .\n" +
    "  OPTIONAL { ?therapy atmp:developedBy/rdfs:label ?developer }\n" +
    "}\nORDER BY ?name\nLIMIT 50\n";
  const CHART_BARS = 40;

  const $ = (id) => document.getElementById(id);
  const state = { config: null, named: "", request: null, answer: null, view: "table", ownText: "", chartValue: null };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the request: free SPARQL or a named query with parameters --------------------------------

  function named(name) {
    return state.config.queries.find((q) => q.name === name);
  }

  function currentRequest() {
    const name = $("named").value;
    if (!name) return { query: $("editor").value };
    const params = [];
    $("params").querySelectorAll("input").forEach((input) => {
      if (input.value.trim()) params.push([input.name, input.value.trim()]);
    });
    return { name, params };
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

  // --- the picker and the editor -----------------------------------------------------------------

  function prefixBlock() {
    const prefixes = state.config.prefixes;
    return EDITOR_PREFIXES.filter((p) => prefixes[p])
      .map((p) => "PREFIX " + p + ": <" + prefixes[p] + ">").join("\n") + "\n\n";
  }

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
      input.placeholder = p.default !== null ? p.default : (p.required ? "required" : "any");
      input.value = values.get(p.name) || "";
      input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); run(); } });
      label.append(head, input, el("span", "type", p.description));
      form.append(label);
    });
  }

  function choose(name, values) {
    const editor = $("editor");
    if (!state.named && name) state.ownText = editor.value; // keep the user's text for later
    state.named = name;
    $("named").value = name;
    const query = named(name);
    $("summary").textContent = query ? query.summary : "Write SPARQL below; the prefixes shown (and one per kind of entity) are predeclared.";
    showParams(query, values || new Map());
    editor.readOnly = Boolean(query);
    editor.value = query ? query.text : state.ownText;
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

  // --- running -------------------------------------------------------------------------------------

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
    if (message) {
      // The answer on screen belongs to another query: nothing of it may stay to be read or saved.
      state.answer = null;
      $("results").hidden = true;
      ["view-table", "view-chart", "downloads"].forEach((id) => $(id).replaceChildren());
      $("graph").removeAttribute("src");
    }
  }

  async function run() {
    const request = currentRequest();
    if (request.query !== undefined && !request.query.trim()) return;
    state.request = request;
    const search = toSearch(request);
    history.replaceState(null, "", "/?" + search);
    $("share").href = "/?" + search;
    showError("");
    $("status").textContent = "Running…";
    const started = performance.now();
    let response;
    let body;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: { Accept: "application/sparql-results+json, application/n-triples;q=0.9" },
        body: search,
      });
      body = await response.text();
    } catch (error) {
      $("status").textContent = "";
      showError("The server did not answer: " + error.message);
      return;
    }
    const ms = Math.round(performance.now() - started);
    if (!response.ok) {
      $("status").textContent = "";
      showError(response.status + " " + response.statusText + ": " + body);
      return;
    }
    const type = (response.headers.get("Content-Type") || "").split(";")[0];
    const answer = type === "application/n-triples" ? triplesAnswer(body) : tableAnswer(JSON.parse(body));
    answer.truncated = response.headers.get("ATMPKG-Truncated");
    state.answer = answer;
    $("status").textContent = answer.summary + " in " + ms + " ms";
    showAnswer();
  }

  function tableAnswer(json) {
    if ("boolean" in json) {
      return { kind: "ask", vars: ["answer"], rows: [[{ type: "literal", value: String(json.boolean) }]], summary: "ASK: " + json.boolean };
    }
    const vars = json.head.vars;
    const rows = json.results.bindings.map((b) => vars.map((v) => b[v] || null));
    return { kind: "table", vars, rows, summary: rows.length + (rows.length === 1 ? " row" : " rows") };
  }

  // N-Triples, as the server writes it: one triple per line.
  const NT_TERM = /\s*(?:<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)/y;
  function unescapeNT(text) {
    return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (m, u4, u8, c) => {
      if (u4 || u8) return String.fromCodePoint(parseInt(u4 || u8, 16));
      return { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f" }[c] || c;
    });
  }
  function triplesAnswer(text) {
    const rows = [];
    text.split("\n").forEach((line) => {
      if (!line.trim()) return;
      NT_TERM.lastIndex = 0;
      const row = [];
      for (let i = 0; i < 3; i += 1) {
        const m = NT_TERM.exec(line);
        if (!m) return;
        if (m[1] !== undefined) row.push({ type: "uri", value: unescapeNT(m[1]) });
        else if (m[2] !== undefined) row.push({ type: "bnode", value: m[2] });
        else row.push({ type: "literal", value: unescapeNT(m[3]), "xml:lang": m[4], datatype: m[5] });
      }
      rows.push(row);
    });
    return { kind: "graph", vars: ["subject", "predicate", "object"], rows, summary: rows.length + " triples" };
  }

  // --- showing the answer --------------------------------------------------------------------------

  function shorten(iri) {
    let best = "";
    Object.entries(state.config.prefixes).forEach(([p, ns]) => {
      const local = iri.slice(ns.length);
      if (iri.startsWith(ns) && ns.length > (state.config.prefixes[best] || "").length && /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && !local.endsWith(".")) {
        best = p;
      }
    });
    return best ? best + ":" + iri.slice(state.config.prefixes[best].length) : "<" + iri + ">";
  }

  function cell(term) {
    const td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      if (term.value.startsWith(ID)) {
        const a = el("a", null, shorten(term.value));
        a.href = "/id/" + term.value.slice(ID.length);
        td.append(a);
      } else {
        td.textContent = shorten(term.value);
        td.title = term.value;
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      if (NUMERIC.has(term.datatype)) td.className = "number";
      if (term.datatype) td.title = shorten(term.datatype);
      if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    }
    return td;
  }

  function renderTable(answer) {
    const table = el("table", "results");
    const head = el("tr");
    answer.vars.forEach((v) => head.append(el("th", null, v)));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    answer.rows.forEach((row) => {
      const tr = el("tr");
      row.forEach((term) => tr.append(cell(term)));
      tbody.append(tr);
    });
    table.append(thead, tbody);
    $("view-table").replaceChildren(table);
  }

  const isNumeric = (term) => term && term.type === "literal" && NUMERIC.has(term.datatype);
  // A year is a category, not a quantity: a column named like one, or of years, labels the bars.
  const isYear = (answer, i) => /year/i.test(answer.vars[i]) ||
    answer.rows.every((r) => r[i] && r[i].datatype === XSD + "gYear");

  // A chart fits when a column other than a year is numeric in every row (the values; the user may
  // pick another such column) and other columns can label the bars: the first text column, with
  // the year after it when there is one, else the first column of IRIs.
  function chartColumns(answer) {
    if (answer.kind !== "table" || !answer.rows.length) return null;
    const every = (test) => answer.vars.map((v, i) => i).filter((i) => answer.rows.every((r) => test(r[i], i)));
    const numbers = every((term) => isNumeric(term));
    const values = numbers.filter((i) => !isYear(answer, i));
    if (!values.length) return null;
    const text = every((term) => term && term.type === "literal" && !isNumeric(term));
    const years = numbers.filter((i) => isYear(answer, i));
    const iris = every((term) => term && term.type === "uri");
    const label = text.length ? [text[0], ...years.slice(0, 1)] : years.length ? [years[0]] : iris.slice(0, 1);
    if (!label.length) return null;
    const numeric = values.includes(state.chartValue) ? state.chartValue : values[0];
    return { label, numeric, values };
  }

  function barLabel(row, columns) {
    return columns.label.map((i) => (row[i].type === "uri" ? shorten(row[i].value) : row[i].value)).join(" ");
  }

  function renderChart(answer) {
    const columns = chartColumns(answer);
    const view = $("view-chart");
    view.replaceChildren();
    if (!columns) return;
    if (columns.values.length > 1) {
      const picker = el("select");
      picker.id = "chart-value";
      picker.setAttribute("aria-label", "Value to chart");
      columns.values.forEach((i) => {
        const option = el("option", null, answer.vars[i]);
        option.value = String(i);
        option.selected = i === columns.numeric;
        picker.append(option);
      });
      picker.addEventListener("change", () => { state.chartValue = Number(picker.value); renderChart(answer); });
      view.append(el("label", "hint", "Value: "), picker);
    }
    const rows = answer.rows.slice(0, CHART_BARS);
    const values = rows.map((r) => Number(r[columns.numeric].value));
    const max = Math.max(...values.map(Math.abs), 1);
    const ns = "http://www.w3.org/2000/svg";
    const labelWidth = 260;
    const barWidth = 520;
    const height = 24;
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "chart");
    svg.setAttribute("width", String(labelWidth + barWidth + 140));
    svg.setAttribute("height", String(rows.length * height + 10));
    svg.setAttribute("role", "img");
    const by = columns.label.map((i) => answer.vars[i]).join(", ");
    svg.setAttribute("aria-label", answer.vars[columns.numeric] + " by " + by);
    rows.forEach((row, i) => {
      const y = i * height + 5;
      const text = document.createElementNS(ns, "text");
      const label = barLabel(row, columns);
      text.textContent = label.length > 38 ? label.slice(0, 37) + "…" : label;
      text.setAttribute("x", String(labelWidth - 8));
      text.setAttribute("y", String(y + 15));
      text.setAttribute("text-anchor", "end");
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(labelWidth));
      rect.setAttribute("y", String(y + 3));
      rect.setAttribute("height", String(height - 8));
      rect.setAttribute("width", String(Math.max(1, (Math.abs(values[i]) / max) * barWidth)));
      const tip = document.createElementNS(ns, "title");
      tip.textContent = label + ": " + values[i].toLocaleString("en");
      rect.append(tip);
      const value = document.createElementNS(ns, "text");
      value.textContent = values[i].toLocaleString("en");
      value.setAttribute("x", String(labelWidth + (Math.abs(values[i]) / max) * barWidth + 6));
      value.setAttribute("y", String(y + 15));
      svg.append(text, rect, value);
    });
    const caption = el("p", "hint", answer.vars[columns.numeric] + " by " + by +
      (answer.rows.length > CHART_BARS ? " (first " + CHART_BARS + " of " + answer.rows.length + " rows)" : ""));
    view.append(caption, svg);
  }

  function renderDownloads(answer) {
    const box = $("downloads");
    box.replaceChildren(el("span", null, "Download:"));
    const formats = answer.kind === "graph" ? GRAPH_FORMATS : TABLE_FORMATS;
    formats.forEach(([fmt, label]) => {
      const a = el("a", null, label);
      a.href = "/sparql?" + toSearch(state.request, { format: fmt });
      a.download = "atmpkg-result." + (fmt === "rdfxml" ? "rdf" : fmt);
      a.dataset.format = fmt;
      box.append(a);
    });
  }

  function showAnswer() {
    const answer = state.answer;
    $("results").hidden = false;
    renderTable(answer);
    renderChart(answer);
    renderDownloads(answer);
    $("truncated").hidden = !answer.truncated;
    $("truncated").textContent = answer.truncated
      ? "Only the first " + answer.truncated + " rows are shown: the server caps every answer at " + answer.truncated + " rows. Narrow the query (LIMIT, FILTER) to see the rest."
      : "";
    $("graph").removeAttribute("src");
    document.querySelector('[data-view="chart"]').disabled = !chartColumns(answer);
    document.querySelector('[data-view="graph"]').disabled = answer.kind === "ask";
    const keep = document.querySelector('[data-view="' + state.view + '"]');
    show(keep.disabled ? "table" : state.view);
  }

  function show(view) {
    state.view = view;
    document.querySelectorAll(".tabs button").forEach((button) => {
      const selected = button.dataset.view === view;
      button.setAttribute("aria-selected", String(selected));
      $("view-" + button.dataset.view).hidden = !selected;
    });
    const frame = $("graph");
    if (view === "graph" && !frame.getAttribute("src")) {
      frame.src = "/graph?" + toSearch(state.request);
    }
  }

  // --- start ---------------------------------------------------------------------------------------

  async function start() {
    const response = await fetch("/api/queries", { headers: { Accept: "application/json" } });
    state.config = await response.json();
    state.ownText = prefixBlock() + EXAMPLE;
    fillPicker();
    document.querySelectorAll(".tabs button").forEach((button) => {
      button.addEventListener("click", () => { if (!button.disabled) show(button.dataset.view); });
    });
    $("run").addEventListener("click", run);
    $("editor").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
    // A shared link carries the query: ?query=SPARQL, or ?name=NAMED&p=NAME=VALUE...
    const search = new URLSearchParams(location.search);
    const name = search.get("name");
    if (name && named(name)) {
      const values = new Map(search.getAll("p").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
      choose(name, values);
      run();
    } else {
      if (search.get("query")) state.ownText = search.get("query");
      choose("");
      if (search.get("query")) run();
    }
  }

  start().catch((error) => showError("The page could not start: " + error.message));
})();

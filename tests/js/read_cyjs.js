// Loads a Cytoscape.js JSON export into cytoscape.js, headless, the way a web page would (cy.json),
// and prints what cytoscape.js holds: the network's data, and each element's data with the
// JavaScript type of every field, for the Python tests to compare with the other readers.
// Usage: node read_cyjs.js FILE
"use strict";

const fs = require("fs");
const cytoscape = require("cytoscape");

const cy = cytoscape({ headless: true });
cy.json(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));

const typed = (data) =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [key, [typeof value, value]]));
const elements = (collection) =>
  Object.fromEntries(collection.map((element) => [element.id(), typed(element.data())]));

process.stdout.write(
  JSON.stringify({
    data: cy.data(),
    nodes: elements(cy.nodes()),
    edges: elements(cy.edges()),
  }),
);

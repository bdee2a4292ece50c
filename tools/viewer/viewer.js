// The n2g web atlas (ARCHITECTURE.md, "The web atlas"): an index of every neuron (layer tables,
// plots, a sortable and filterable neuron table, search by token or by text) and a view per neuron
// (#L<layer>N<index>), drawn from the data files n2g_report --html writes. No server, no network.
"use strict";

const atlas = N2G.data.atlas;
const cols = atlas.columns;
const FIRE = 0.5;  // a prediction fires at this normalised activation (eval.fire_threshold)
const SHOWN_ROWS = 200;

// ---------- small helpers: DOM built from nodes, never from data strings ----------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat()) if (child !== null && child !== undefined)
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function fmt(value, digits = 2) {
  return value === null || value === undefined || Number.isNaN(value) ? "\u2013" : Number(value).toFixed(digits);
}

// A token's text with its whitespace made visible: space, newline, tab, carriage return.
function visible(text) {
  return text.replace(/ /g, "\u2423").replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5").replace(/\r/g, "\u240d");
}
const tokenText = (id) => (id >= 0 && id < atlas.vocab.length ? atlas.vocab[id] : "#" + id);
// SAE latents (atlas.unit "sae_latent") are named by index: they share one layer, the SAE's.
const LATENTS = atlas.unit === "sae_latent";
const neuronName = (row) => (LATENTS ? `latent ${cols.index[row]}` : `L${cols.layer[row]} N${cols.index[row]}`);
const neuronLink = (row) => el("a", {href: `#L${cols.layer[row]}N${cols.index[row]}`}, neuronName(row));

function load(name) {
  if (N2G.data[name]) return Promise.resolve(N2G.data[name]);
  return new Promise((resolve, reject) => {
    const first = !N2G.waiting[name];
    (N2G.waiting[name] = N2G.waiting[name] || []).push(resolve);
    if (!first) return;
    const script = el("script", {src: `data/${name}.js`});
    script.onerror = () => reject(new Error(`cannot load data/${name}.js`));
    document.body.appendChild(script);
  });
}

// ---------- graphs: the trie of each neuron, its prediction, and the tokenizer for typed text ----------

let graphsData = null;
const trieCache = new Map();

// children[node]: Map token -> node, within the neuron's slice; roots: first-level nodes.
function trieOf(row) {
  if (trieCache.has(row)) return trieCache.get(row);
  const g = graphsData, first = g.offset[row], count = cols.nodes[row];
  const roots = new Map(), children = [];
  for (let n = 0; n < count; n++) children.push(new Map());
  for (let n = 0; n < count; n++) {
    const parent = g.parent[first + n], token = g.token[first + n];
    (parent < 0 ? roots : children[parent]).set(token, n);
  }
  const trie = {first, roots, children};
  trieCache.set(row, trie);
  return trie;
}

// ALGORITHM.md section 5: the deepest END along the walk back from each position.
function predict(row, tokens) {
  const g = graphsData, trie = trieOf(row);
  return tokens.map((token, i) => {
    let node = trie.roots.get(token);
    if (node === undefined || !g.activator[trie.first + node]) return 0;
    let value = g.end[trie.first + node] ?? 0;
    for (let j = i - 1; j >= 0; j--) {
      const next = trie.children[node].get(tokens[j]) ?? trie.children[node].get(-1);
      if (next === undefined) break;
      node = next;
      const end = g.end[trie.first + node];
      if (end !== null && end !== undefined) value = end;
    }
    return value;
  });
}

let vocabIds = null, longestToken = 1;
// Typed text as token ids, by longest match against the vocabulary's display strings (close to
// the model's own BPE, not always equal to it).
function tokenize(text) {
  if (!vocabIds) {
    vocabIds = new Map();
    atlas.vocab.forEach((t, id) => { if (!vocabIds.has(t)) vocabIds.set(t, id); longestToken = Math.max(longestToken, Math.min(t.length, 32)); });
  }
  const ids = [];
  for (let i = 0; i < text.length;) {
    let found = -1, length = 0;
    for (let n = Math.min(longestToken, text.length - i); n >= 1; n--) {
      const id = vocabIds.get(text.substr(i, n));
      if (id !== undefined) { found = id; length = n; break; }
    }
    if (found < 0) { i++; continue; }
    ids.push(found);
    i += length;
  }
  return ids;
}

// ---------- index ----------

const state = {layer: "all", status: "all", min: "", max: "", query: "", mode: "token", sort: "top_f1", up: false,
               matches: null, message: ""};

function layerTable() {
  const head = el("tr", {}, ["layer", "ok / dead / failed", "test set", "left out", "N2G P / R / F1", "N2G F1 95%",
                             "token P / R / F1", "token F1 95%", "5-gram F1", "median nodes"].map((h) => el("th", {}, h)));
  const rows = [];
  for (const l of atlas.layers) for (const set of ["top", "random"]) {
    const t = l[set], p = (x) => `${fmt(x.p)} / ${fmt(x.r)} / ${fmt(x.f1)}`;
    rows.push(el("tr", {}, el("td", {}, l.layer), el("td", {}, `${l.ok} / ${l.dead} / ${l.failed}`),
                 el("td", {class: "text"}, set === "top" ? "top-window test half" : "random windows"), el("td", {}, t.left_out),
                 el("td", {}, p(t.n2g)), el("td", {}, `${fmt(t.n2g.low)}\u2013${fmt(t.n2g.high)}`), el("td", {}, p(t.token)),
                 el("td", {}, `${fmt(t.token.low)}\u2013${fmt(t.token.high)}`), el("td", {}, fmt(t.ngram.f1)),
                 el("td", {}, fmt(l.median_nodes, 1))));
  }
  return el("div", {class: "scroll"}, el("table", {id: "layers"}, head, rows));
}

// A small SVG bar chart: bars [{label, values: [a, b]}] for two series.
function histogramPlot(title, bins, series, colours, width = 300, height = 120) {
  const top = Math.max(1, ...bins.flatMap((b) => b.values));
  const bw = (width - 30) / bins.length;
  const bars = bins.flatMap((b, i) => b.values.map((v, s) => svg("rect", {
    x: 30 + i * bw + s * bw / series.length, y: height - 20 - (height - 50) * v / top, width: Math.max(1, bw / series.length - 1),
    height: (height - 50) * v / top, fill: colours[s]}, svg("title", {}, `${series[s]} ${b.label}: ${v}`))));
  const labels = [bins[0], bins[bins.length - 1]].map((b, k) => svg("text", {x: k ? width - 2 : 30, y: height - 6, "font-size": 10,
    "text-anchor": k ? "end" : "start"}, b.label));
  const legend = series.map((s, k) => svg("text", {x: 32 + k * 110, y: 34, "font-size": 11, fill: colours[k]}, "\u25A0 " + s));
  return el("div", {class: "plot"}, svg("svg", {width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title},
    svg("text", {x: width / 2, y: 14, "font-size": 11, "text-anchor": "middle"}, title), legend, bars, labels,
    svg("line", {x1: 30, x2: width, y1: height - 20, y2: height - 20, stroke: "#888"})));
}

function plots() {
  const out = [];
  for (const l of atlas.layers) {
    const bins = Array.from({length: 10}, (_, b) => ({label: (b / 10).toFixed(1), values: [0, 0]}));
    for (let r = 0; r < atlas.rows; r++) if (cols.layer[r] === l.layer && cols.status[r] === 1) {
      [cols.top_f1[r], cols.token_f1[r]].forEach((f, s) => { if (f !== null) bins[Math.min(9, Math.floor(f * 10))].values[s]++; });
    }
    bins[9].label = "1.0";
    out.push(histogramPlot(`layer ${l.layer}: firing F1 (top windows)`, bins, ["N2G", "token lookup"], ["#b3261e", "#5f6b7a"]));
  }
  // F1 against graph size.
  const width = 300, height = 160, points = [];
  const maxNodes = Math.max(2, ...cols.nodes);
  for (let r = 0; r < atlas.rows && points.length < 4000; r += Math.max(1, Math.floor(atlas.rows / 4000)))
    if (cols.status[r] === 1 && cols.top_f1[r] !== null)
      points.push(svg("circle", {cx: 30 + (width - 40) * Math.log(1 + cols.nodes[r]) / Math.log(1 + maxNodes),
                                 cy: height - 20 - (height - 40) * cols.top_f1[r], r: 1.6, fill: "#20304a", "fill-opacity": 0.5}));
  out.push(el("div", {class: "plot"}, svg("svg", {width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "F1 against graph size"}, svg("text", {x: width / 2, y: 14, "font-size": 11, "text-anchor": "middle"},
    "F1 against graph nodes (log scale)"), points, svg("text", {x: 30, y: height - 6, "font-size": 10}, "1"),
    svg("text", {x: width - 2, y: height - 6, "font-size": 10, "text-anchor": "end"}, maxNodes),
    svg("text", {x: 2, y: 24, "font-size": 10}, "1.0"), svg("text", {x: 2, y: height - 20, "font-size": 10}, "0"))));
  // Density: share of positions above 0, in powers of ten.
  const dbins = Array.from({length: 7}, (_, b) => ({label: `1e-${6 - b}`, values: [0]}));
  for (let r = 0; r < atlas.rows; r++) {
    const d = cols.density[r];
    if (d === null || d <= 0) continue;
    dbins[Math.max(0, Math.min(6, Math.floor(Math.log10(d)) + 6))].values[0]++;
  }
  dbins[6].label = "1";
  out.push(histogramPlot("density (share of positions above 0)", dbins, ["neurons"], ["#0b4fa8"]));
  return el("div", {class: "plots"}, out);
}

const COLUMNS = [["layer", "layer"], ["index", "neuron"], ["status", "status"], ["top_f1", "N2G F1"], ["token_f1", "token F1"],
                 ["random_f1", "random F1"], ["random_p", "random P"], ["nodes", "nodes"], ["density", "density"]];
const STATUS = ["pending", "ok", "dead", "failed"];

function statusOf(row) {
  const activity = cols.activity[row];
  return activity === "active" ? STATUS[cols.status[row]] : activity;
}

function filteredRows() {
  const rows = [];
  const min = state.min === "" ? null : Number(state.min), max = state.max === "" ? null : Number(state.max);
  const candidates = state.matches ? state.matches.map((m) => m.row) : null;
  const consider = (r) => {
    if (state.layer !== "all" && cols.layer[r] !== Number(state.layer)) return;
    if (state.status !== "all" && statusOf(r) !== state.status) return;
    const f1 = cols.top_f1[r];
    if (min !== null && !(f1 !== null && f1 >= min)) return;
    if (max !== null && !(f1 !== null && f1 <= max)) return;
    rows.push(r);
  };
  if (candidates) candidates.forEach(consider);
  else for (let r = 0; r < atlas.rows; r++) consider(r);
  if (!candidates || state.sortTouched) {
    const key = cols[state.sort], sign = state.up ? 1 : -1;
    rows.sort((a, b) => {
      const x = key[a], y = key[b];
      if (x === y) return a - b;
      if (x === null) return 1;
      if (y === null) return -1;
      return typeof x === "string" ? sign * x.localeCompare(y) : sign * (x - y);
    });
  }
  return rows;
}

function neuronTable() {
  const rows = filteredRows();
  const matchOf = new Map((state.matches || []).map((m) => [m.row, m]));
  const head = el("tr", {}, COLUMNS.map(([key, label]) => el("th", {class: "sortable" + (state.sort === key ? " sorted" + (state.up ? " up" : "") : ""),
    "data-key": key, onclick: () => { state.up = state.sort === key ? !state.up : key === "layer" || key === "index"; state.sort = key;
      state.sortTouched = true; renderTable(); }}, label)), el("th", {class: "text"}, state.matches ? "matched" : "fires on"));
  const body = rows.slice(0, SHOWN_ROWS).map((r) => el("tr", {"data-row": r}, el("td", {}, cols.layer[r]),
    el("td", {}, neuronLink(r)), el("td", {class: "text"}, statusOf(r)), el("td", {}, fmt(cols.top_f1[r])),
    el("td", {}, fmt(cols.token_f1[r])), el("td", {}, fmt(cols.random_f1[r])), el("td", {}, fmt(cols.random_p[r])),
    el("td", {}, cols.nodes[r]), el("td", {}, fmt(cols.density[r], 4)),
    el("td", {class: "text"}, matchOf.has(r) ? matchOf.get(r).what : cols.fires_on[r])));
  return el("div", {id: "neurons"}, el("p", {class: "note", id: "count"},
    `${rows.length} neurons` + (rows.length > SHOWN_ROWS ? `, the first ${SHOWN_ROWS} shown` : "") + (state.message ? ` \u00b7 ${state.message}` : "")),
    el("div", {class: "scroll"}, el("table", {id: "neuron-table"}, head, body)));
}

function renderTable() {
  const old = document.getElementById("neurons");
  if (old) old.replaceWith(neuronTable());
}

// Which neurons activate on a token (exact text, text with a leading space, or #id): the index.
async function searchToken(query) {
  const index = await load("index");
  const ids = [];
  const id = /^#\d+$/.test(query) ? Number(query.slice(1)) : atlas.vocab.indexOf(query);
  if (id >= 0) ids.push(id);
  const spaced = atlas.vocab.indexOf(" " + query);
  if (spaced >= 0 && !query.startsWith(" ")) ids.push(spaced);
  const matches = [];
  for (const t of ids) for (let k = index.offsets[t]; k < index.offsets[t + 1]; k++)
    matches.push({row: index.rows[k], what: `activates on ${visible(atlas.vocab[t])}`});
  matches.sort((a, b) => (cols.top_f1[b.row] ?? -1) - (cols.top_f1[a.row] ?? -1));
  return {matches, message: ids.length ? `tokens ${ids.map((t) => `"${visible(atlas.vocab[t])}" (#${t})`).join(", ")}` : `no token "${query}"`};
}

// Which neurons' graphs fire on a text: every graph's prediction on its tokens.
async function searchText(query) {
  graphsData = await load("graphs");
  const tokens = tokenize(query);
  const matches = [];
  for (let r = 0; r < atlas.rows; r++) {
    if (!cols.nodes[r]) continue;
    const predicted = predict(r, tokens);
    let best = -1;
    predicted.forEach((v, j) => { if (v >= FIRE && (best < 0 || v > predicted[best])) best = j; });
    if (best >= 0) matches.push({row: r, value: predicted[best], what: `fires ${fmt(predicted[best])} on ${visible(tokenText(tokens[best]))}`});
  }
  matches.sort((a, b) => b.value - a.value || (cols.top_f1[b.row] ?? -1) - (cols.top_f1[a.row] ?? -1));
  return {matches, message: `${tokens.length} tokens: ${tokens.map((t) => visible(tokenText(t))).join(" | ")}`};
}

async function runSearch() {
  const started = performance.now();
  if (!state.query) { state.matches = null; state.message = ""; }
  else Object.assign(state, state.mode === "text" ? await searchText(state.query) : await searchToken(state.query));
  state.sortTouched = false;
  window.N2GViewer.lastSearchMs = performance.now() - started;
  state.message += state.query ? ` \u00b7 ${Math.round(window.N2GViewer.lastSearchMs)} ms` : "";
  renderTable();
  window.N2GViewer.searches++;
}

function controls() {
  const layers = ["all", ...atlas.layers.map((l) => String(l.layer))];
  const select = (id, value, options, key) => el("select", {id, onchange: (e) => { state[key] = e.target.value; renderTable(); }},
    options.map((o) => { const option = el("option", {value: o}, o); if (o === value) option.selected = true; return option; }));
  const number = (id, key, label) => el("label", {}, label, el("input", {id, type: "number", step: "0.05", min: 0, max: 1,
    value: state[key], oninput: (e) => { state[key] = e.target.value; renderTable(); }}));
  const search = el("input", {id: "search", type: "search", value: state.query, placeholder: "' Captain' or some text",
    onchange: (e) => { state.query = e.target.value; runSearch(); }});
  const mode = select("mode", state.mode, ["token", "text"], "mode");
  mode.onchange = (e) => { state.mode = e.target.value; runSearch(); };
  return el("div", {class: "controls"},
    el("label", {}, "layer", select("layer", state.layer, layers, "layer")),
    el("label", {}, "status", select("status", state.status, ["all", "ok", "near-dead", "dead", "failed"], "status")),
    number("f1-min", "min", "N2G F1 from"), number("f1-max", "max", "to"),
    el("label", {}, "search by", mode), el("label", {}, "token or text", search));
}

function renderIndex() {
  document.getElementById("title").textContent = `${atlas.model} \u00b7 ${atlas.hook}`;
  const app = document.getElementById("app");
  app.replaceChildren(
    el("h1", {}, `N2G atlas of ${atlas.model}`),
    el("p", {class: "note"}, (LATENTS ? `${atlas.rows} latents of an SAE on ${atlas.sae_hook}` : `${atlas.rows} neurons of ${atlas.n_layers} layers \u00b7 ${atlas.hook}`) +
       ` \u00b7 dataset ${atlas.dataset}. ` +
       "Firing precision / recall / F1 of each neuron's graph as a predictor of the neuron, means over neurons with a real firing, " +
       "on the top-window test half and on random windows; token lookup and 5-gram are the paper's baselines."),
    el("h2", {}, "Per layer"), layerTable(),
    el("h2", {}, "Plots"), plots(),
    el("h2", {}, "Neurons"),
    el("p", {class: "note"}, "Click a column to sort; search by a token the graph activates on, or by text (which graphs fire on it)."),
    controls(), neuronTable());
}

// ---------- a neuron ----------

function scoreTable(row, counts) {
  const line = (name, p, r, f, rp, rr, rf) => el("tr", {}, el("th", {class: "text"}, name),
    [p, r, f, rp, rr, rf].map((k) => el("td", {}, fmt(cols[k] ? cols[k][row] : null))));
  return el("div", {class: "scroll"}, el("table", {id: "scores"},
    el("tr", {}, el("th", {}, ""), el("th", {colspan: 3}, "top-window test half"), el("th", {colspan: 3}, "random windows")),
    el("tr", {}, el("th", {}, ""), ["P", "R", "F1", "P", "R", "F1"].map((h) => el("th", {}, h))),
    line("N2G", "top_p", "top_r", "top_f1", "random_p", "random_r", "random_f1"),
    line("token lookup", "token_p", "token_r", "token_f1", "random_token_p", "random_token_r", "random_token_f1"),
    line("5-gram", "ngram_p", "ngram_r", "ngram_f1", "random_ngram_p", "random_ngram_r", "random_ngram_f1")),
    el("p", {class: "note"}, `Real firing / non-firing tokens: ${counts[0]} / ${counts[1]} in the top-window test half, ` +
       `${counts[2]} / ${counts[3]} in the random windows.`),
    cols.r_graph_all ? el("p", {id: "correlation"}, "Correlation of predicted and real activation (Pearson r), " +
       `random windows / top-window test half and random windows: N2G ${fmt(cols.r_graph_random[row])} / ` +
       `${fmt(cols.r_graph_all[row])}, token lookup ${fmt(cols.r_token_random[row])} / ${fmt(cols.r_token_all[row])}.`) : "");
}

// The display graph (ALGORITHM.md section 4): IGNORE nodes dropped, the same token at the same depth
// merged; first level at the right (strongest activating token on top), context to its left.
function graphView(row) {
  const g = graphsData, trie = trieOf(row), count = cols.nodes[row];
  if (!count) return el("p", {class: "note"}, "No graph.");
  const shown = new Map(), nodes = [], edges = new Set();
  const visit = (n, depth, above) => {
    const id = trie.first + n, token = g.token[id];
    let here = above;
    if (token !== -1) {
      const key = depth + ":" + token;
      if (!shown.has(key)) { shown.set(key, nodes.length); nodes.push({depth, token, activation: 0, importance: 0, activator: false, end: null}); }
      here = shown.get(key);
      const node = nodes[here], end = g.end[id];
      if (g.activator[id] && depth === 1) { node.activator = true; node.activation = Math.max(node.activation, g.importance[id]); }
      else node.importance = Math.max(node.importance, g.importance[id]);
      if (end !== null && end !== undefined) node.end = Math.max(node.end ?? -Infinity, end);
      if (above >= 0) edges.add(above + ">" + here);
    }
    for (const child of trie.children[n].values()) visit(child, depth + 1, here);
  };
  const strongest = [...trie.roots.values()].sort((a, b) => g.importance[trie.first + b] - g.importance[trie.first + a]);
  for (const n of strongest) visit(n, 1, -1);
  const depths = Math.max(...nodes.map((n) => n.depth)), perDepth = new Map();
  nodes.forEach((n) => { n.slot = perDepth.get(n.depth) || 0; perDepth.set(n.depth, n.slot + 1); });
  const colWidth = 130, rowHeight = 30, width = depths * colWidth + 10, height = Math.max(...perDepth.values()) * rowHeight + 10;
  const place = (n) => ({x: width - n.depth * colWidth, y: 5 + n.slot * rowHeight});
  const lines = [...edges].map((e) => { const [a, b] = e.split(">").map(Number), p = place(nodes[a]), q = place(nodes[b]);
    return svg("line", {x1: p.x, y1: p.y + 12, x2: q.x + 120, y2: q.y + 12, stroke: "#777"}); });
  const boxes = nodes.map((n) => { const p = place(n), strength = Math.min(1, Math.max(0, n.activator ? n.activation : n.importance));
    const fill = n.activator ? `rgba(214,39,40,${0.15 + 0.45 * strength})` : `rgba(31,119,180,${0.1 + 0.4 * strength})`;
    const fires = n.end !== null && n.end >= FIRE, quiet = n.end !== null && n.end < FIRE;
    return svg("g", {class: "node"}, svg("rect", {x: p.x, y: p.y, width: 120, height: 24, rx: 4, fill, stroke: "#222",
      "stroke-width": fires ? 3 : 1, "stroke-dasharray": quiet ? "4 3" : "none"}),
      svg("text", {x: p.x + 60, y: p.y + 16, "font-size": 12, "text-anchor": "middle", fill: "#000"}, visible(tokenText(n.token))),
      svg("title", {}, `${n.activator ? "activating" : "context"} token "${tokenText(n.token)}"` +
        (n.activator ? `, activation ${fmt(n.activation)}` : `, importance ${fmt(n.importance)}`) +
        (n.end !== null ? `, END ${fmt(n.end)}` : ""))); });
  const legend = el("p", {class: "legend"},
    el("span", {}, el("i", {class: "swatch", style: "background:rgba(214,39,40,.5)"}), "activating token (right column)"),
    el("span", {}, el("i", {class: "swatch", style: "background:rgba(31,119,180,.4)"}), "context before it (to the left)"),
    el("span", {}, el("i", {class: "swatch", style: "border-width:3px"}), "a path ends here and fires"),
    el("span", {}, el("i", {class: "swatch", style: "border-style:dashed"}), "known not to fire here"),
    el("span", {}, "\u2423 space, \u21b5 newline"));
  return el("div", {}, legend, el("div", {class: "graph", id: "graph"},
    svg("svg", {width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "graph"}, lines, boxes)));
}

// An example centred on its max token: context before it on the left, after it on the right.
function exampleView(example, scale, label, max) {
  const values = example.v.map((q) => q * scale / 127);
  let peak = 0;
  values.forEach((v, j) => { if (v > values[peak]) peak = j; });
  const shade = (v) => (max > 0 ? Math.min(1, Math.max(0, v / max)) : 0);
  const span = (j) => el("span", {class: "tok", title: `${tokenText(example.t[j])}: ${fmt(values[j], 3)}`,
    style: `background: rgba(214, 39, 40, ${shade(values[j]).toFixed(2)})`}, visible(tokenText(example.t[j])));
  const before = [], after = [];
  for (let j = 0; j < peak; j++) before.push(span(j));
  for (let j = peak + 1; j < example.t.length; j++) after.push(span(j));
  const centre = span(peak);
  centre.classList.add("peak");
  return el("div", {}, el("div", {class: "label"}, `${label} \u00b7 max ${fmt(example.max, 3)}`),
    el("div", {class: "example"}, el("div", {class: "before"}, el("span", {}, before)), centre, el("div", {class: "after"}, after)));
}

function histogramView(shard) {
  const edges = atlas.histogram_edges, counts = new Map(shard.histogram.map(([b, c]) => [b, c]));
  if (!counts.size) return el("p", {class: "note"}, "No histogram.");
  const used = [...counts.keys()], lo = Math.min(...used), hi = Math.max(...used);
  const label = (b) => (b === 0 ? `< ${edges[0]}` : fmt(edges[b - 1], 3));
  const bins = [];
  for (let b = lo; b <= hi; b++) bins.push({label: label(b), values: [Math.log10(1 + (counts.get(b) || 0))]});
  return histogramPlot("activations of every scanned position (log10 of 1 + count per bin)", bins, ["positions"], ["#20304a"], 460, 140);
}

function tryIt(row) {
  const output = el("div", {id: "try-output", class: "example"});
  const run = (text) => {
    const tokens = tokenize(text), predicted = predict(row, tokens);
    output.replaceChildren(el("div", {}, tokens.map((t, j) => el("span", {class: "tok", title: `predicted ${fmt(predicted[j])}`,
      style: `background: rgba(214, 39, 40, ${Math.min(1, Math.max(0, predicted[j])).toFixed(2)})`}, visible(tokenText(t))))));
  };
  const input = el("textarea", {id: "try-text", rows: 3, placeholder: "Type text; the graph's predictions shade its tokens.",
    oninput: (e) => run(e.target.value)});
  return el("div", {}, input, output);
}

async function renderNeuron(row) {
  const app = document.getElementById("app");
  app.replaceChildren(el("p", {}, "Loading\u2026"));
  const [shard] = await Promise.all([load(`shard-${Math.floor(row / atlas.shard)}`).then((s) => s[row % atlas.shard]),
                                     load("graphs").then((g) => { graphsData = g; })]);
  const layer = cols.layer[row], index = cols.index[row], max = cols.max[row];
  const activity = cols.activity[row];
  const scale = shard.scale ?? 0;
  const nav = el("p", {class: "nav"}, el("a", {href: "#"}, "\u2190 index"),
    row > 0 ? el("a", {href: `#L${cols.layer[row - 1]}N${cols.index[row - 1]}`, id: "prev"}, `previous (${neuronName(row - 1)})`) : null,
    row + 1 < atlas.rows ? el("a", {href: `#L${cols.layer[row + 1]}N${cols.index[row + 1]}`, id: "next"}, `next (${neuronName(row + 1)})`) : null,
    el("a", {href: `#L${layer}N${index}`}, "permalink"));
  const shadeMax = activity === "dead" ? 0 : max;
  const examples = shard.examples.map((e) => exampleView(e, scale, `${e.split === 0 ? "train" : "test"} window ${e.window}`, shadeMax));
  const quantiles = shard.quantiles.map((e) => exampleView(e, scale, `random window ${e.window}, band ${Math.floor(e.slot / 2) + 1} of 4`, shadeMax));
  const half = shard.output.length / 2;
  const effects = shard.output.length ? el("div", {class: "scroll"}, el("table", {id: "output"},
    el("tr", {}, el("th", {class: "text"}, "raises"), el("th", {}, ""), el("th", {class: "text"}, "lowers"), el("th", {}, "")),
    shard.output.slice(0, half).map(([t, v], k) => el("tr", {}, el("td", {class: "text"}, visible(tokenText(t))), el("td", {}, fmt(v)),
      el("td", {class: "text"}, visible(tokenText(shard.output[half + k][0]))), el("td", {}, fmt(shard.output[half + k][1])))))) :
    el("p", {class: "note"}, "None for this hook.");
  app.replaceChildren(...[
    nav, el("h1", {}, LATENTS ? `Latent ${index} of ${atlas.sae_hook}` : `Layer ${layer}, neuron ${index}`),
    el("p", {class: "note"}, `${STATUS[cols.status[row]]} \u00b7 max activation ${fmt(max, 3)} \u00b7 density ${fmt(cols.density[row], 4)} \u00b7 ` +
       `${cols.nodes[row]} graph nodes`),
    activity === "dead" ? el("p", {class: "error"}, "Dead neuron: its largest activation over the whole scan is not above 0; it has no graph and its examples are not shaded.") : null,
    activity === "near-dead" ? el("p", {class: "error"}, "Near-dead neuron: above 0 at fewer than 1 in 10,000 scanned positions.") : null,
    el("p", {id: "fires-on"}, cols.fires_on[row] || ""),
    el("h2", {}, "Scores"), scoreTable(row, shard.counts),
    el("h2", {}, "Graph"), graphView(row),
    el("h2", {}, "Top examples"), el("div", {id: "examples"}, examples),
    el("h2", {}, "Quantile examples"), quantiles.length ? el("div", {id: "quantiles"}, quantiles) : el("p", {class: "note"}, "None."),
    el("h2", {}, "Activation histogram"), histogramView(shard),
    el("h2", {}, "Output effects (logit lens)"), effects,
    el("h2", {}, "Similar neurons"), shard.similar.length ? el("p", {id: "similar"}, shard.similar.map(([r, s]) =>
      el("span", {}, neuronLink(r), ` (${fmt(s)}) `))) : el("p", {class: "note"}, "None."),
    el("h2", {}, "Try the graph on your own text"), tryIt(row)].filter((child) => child !== null));
  window.scrollTo(0, 0);
}

// ---------- routing ----------

const rowOf = new Map();
for (let r = 0; r < atlas.rows; r++) rowOf.set(`L${cols.layer[r]}N${cols.index[r]}`, r);

async function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  try {
    if (rowOf.has(hash)) await renderNeuron(rowOf.get(hash));
    else renderIndex();
  } catch (error) {
    document.getElementById("app").replaceChildren(el("p", {class: "error"}, String(error)));
  }
  window.N2GViewer.routes++;
}

window.N2GViewer = {routes: 0, searches: 0, lastSearchMs: null, state, runSearch, renderTable};
window.addEventListener("hashchange", route);
route();

// Mesh dashboard: a read-only single page over the silo's admin JSON API. Plain JS, no dependencies.
// Views are chosen by the URL hash; the current view reloads every 2 s. Fetch failures become a status badge and an
// in-page message, never an exception (the page must keep a clean console).
'use strict';

(() => {
  const REFRESH_MS = 2000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const WINDOWS = ['10s', '1m', '10m'];
  const WINDOW_LABEL = { '10s': 'last 10 seconds', '1m': 'last minute', '10m': 'last 10 minutes' };

  const state = {
    window: WINDOWS.includes(readPref()) ? readPref() : '1m',
    features: null, // last answer of /dashboard/features.json
    timer: 0,
    seq: 0,
  };

  // ---------- DOM helpers (no innerHTML: every text is set as text) ----------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  function readPref() {
    try { return window.localStorage.getItem('mesh.window'); } catch { return null; }
  }

  function writePref(value) {
    try { window.localStorage.setItem('mesh.window', value); } catch { /* private mode: keep it in memory only */ }
  }

  // ---------- data ----------

  async function getJson(url) {
    try {
      const r = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (!r.ok) {
        let detail = `${r.status} ${r.statusText}`;
        try {
          const problem = await r.json();
          detail = problem.detail || problem.title || detail;
        } catch { /* not JSON: keep the status line */ }
        return { ok: false, status: r.status, error: detail };
      }
      return { ok: true, status: r.status, data: await r.json() };
    } catch {
      return { ok: false, status: 0, error: 'the silo is unreachable' };
    }
  }

  /** Which optional APIs this silo has; asked on every refresh (cheap) so the page notices a silo that went away or
   * gained an API. Null when the silo cannot be reached. */
  async function features() {
    const r = await getJson('/dashboard/features.json');
    if (r.ok) state.features = r.data;
    return r.ok ? r.data : null;
  }

  const q = (path) => `${path}${path.includes('?') ? '&' : '?'}window=${encodeURIComponent(state.window)}`;

  // ---------- formatting ----------

  function fmtPct(rate) {
    if (rate === null || rate === undefined) return '—';
    return `${(rate * 100).toFixed(rate >= 0.9995 || rate === 0 ? 0 : 2)}%`;
  }

  function fmtPercent(pct) {
    if (pct === null || pct === undefined) return '—';
    return `${pct >= 99.95 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`;
  }

  function fmtRps(x) {
    if (!x) return '0';
    return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  }

  function fmtMs(v) {
    if (v === null || v === undefined) return '—';
    if (v >= 1000) return `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)} s`;
    return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ms`;
  }

  function fmtAge(ms) {
    const sec = Math.max(0, Math.round(ms / 1000));
    if (sec < 60) return `${sec}s ago`;
    if (sec < 3600) return `${Math.floor(sec / 60)}m ${sec % 60}s ago`;
    return `${Math.floor(sec / 3600)}h ${Math.floor((sec % 3600) / 60)}m ago`;
  }

  function fmtDuration(sec) {
    if (sec === null || sec === undefined) return '—';
    if (sec <= 0) return 'expired';
    if (sec < 3600) return `${Math.floor(sec / 60)}m`;
    if (sec < 86400 * 2) return `${Math.floor(sec / 3600)}h ${Math.floor((sec % 3600) / 60)}m`;
    return `${Math.floor(sec / 86400)}d`;
  }

  /** Renders .NET TimeSpans ("00:00:01.5") as durations and ISO timestamps as UTC minutes; other values as text. */
  function fmtValue(v) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'object') return JSON.stringify(v);
    const text = String(v);
    const span = /^(?:(\d+)\.)?(\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(text);
    if (span) {
      const sec = (+span[1] || 0) * 86400 + +span[2] * 3600 + +span[3] * 60 + +span[4] + (span[5] ? +span[5] : 0);
      return sec < 1 ? `${Math.round(sec * 1000)}ms` : sec < 120 ? `${+sec.toFixed(2)}s` : `${Math.round(sec / 60)}m`;
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) && !Number.isNaN(Date.parse(text))) {
      return `${new Date(text).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    }
    return text;
  }

  function srClass(rate) {
    if (rate === null || rate === undefined) return 'dim';
    return rate >= 0.99 ? 'sr-good' : rate >= 0.95 ? 'sr-warn' : 'sr-bad';
  }

  function splitKey(key) {
    const i = key.indexOf('/');
    return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
  }

  function serviceHref(key) {
    const [ns, name] = splitKey(key);
    return `#/services/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
  }

  // ---------- shared pieces ----------

  function panel(title, hint, body, extraHead) {
    return h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: title }), extraHead || null, hint ? h('span', { class: 'hint', text: hint }) : null),
      body);
  }

  function empty(title, ...lines) {
    return h('div', { class: 'empty' }, h('strong', { text: title }), ...lines.map((l) => h('div', {}, l)));
  }

  function code(text) { return h('code', { text }); }

  function table(columns, rows, rowAttrs) {
    return h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : null, text: c.title })))),
      h('tbody', {}, rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : {},
        columns.map((c) => {
          const v = c.cell(row);
          return h('td', { class: [c.num ? 'num' : '', c.cls ? c.cls(row) : ''].join(' ').trim() || null }, v);
        })))));
  }

  function card(label, value, unit, cls) {
    return h('div', { class: 'card' }, h('div', { class: 'label', text: label }),
      h('div', { class: `value ${cls || ''}`.trim() }, value, unit ? h('span', { class: 'unit', text: unit }) : null));
  }

  function meshedPill(meshed) {
    return meshed ? h('span', { class: 'pill pill-good', text: 'meshed' }) : h('span', { class: 'pill pill-muted', text: 'unmeshed' });
  }

  function mtlsPill(pct) {
    if (pct === null || pct === undefined) return h('span', { class: 'dim', text: '—' });
    const cls = pct >= 100 ? 'pill-good' : pct > 0 ? 'pill-warn' : 'pill-bad';
    return h('span', { class: `pill ${cls}`, text: fmtPercent(pct) });
  }

  const metricColumns = [
    { title: 'Requests', num: true, cell: (r) => String(r.requests) },
    { title: 'Success', num: true, cell: (r) => fmtPct(r.successRate), cls: (r) => srClass(r.successRate) },
    { title: 'RPS', num: true, cell: (r) => fmtRps(r.rps) },
    { title: 'P50', num: true, cell: (r) => fmtMs(r.latencyP50Ms) },
    { title: 'P95', num: true, cell: (r) => fmtMs(r.latencyP95Ms) },
    { title: 'P99', num: true, cell: (r) => fmtMs(r.latencyP99Ms) },
  ];

  // ---------- topology ----------

  function serviceOfWorkload(proxies) {
    const map = new Map();
    for (const p of proxies || []) {
      if (p.services && p.services.length) map.set(`${p.namespace}/${p.workload}`, p.services[0]);
    }
    return map;
  }

  /** Collapses edge rows into service-level links: workload sources become the service they serve. */
  function graphOf(edges, services, proxies) {
    const bySource = serviceOfWorkload(proxies);
    const meshed = new Set((services || []).filter((x) => x.meshed).map((x) => `${x.namespace}/${x.name}`));
    for (const p of proxies || []) (p.services || []).forEach((svc) => meshed.add(svc));
    const nodes = new Map();
    const links = new Map();
    const node = (id, kind) => {
      if (!nodes.has(id)) nodes.set(id, { id, kind, meshed: meshed.has(id) || kind === 'workload' });
      return nodes.get(id);
    };
    for (const svc of services || []) node(`${svc.namespace}/${svc.name}`, 'service');
    for (const e of edges || []) {
      const src = e.src ? (bySource.get(e.src) || e.src) : 'unmeshed clients';
      const known = bySource.has(e.src) || (services || []).some((x) => `${x.namespace}/${x.name}` === src);
      const srcNode = node(src, e.src ? (known ? 'service' : 'workload') : 'external');
      if (!e.src) srcNode.meshed = false;
      node(e.dst, 'service');
      const key = `${src}\u0000${e.dst}`;
      const link = links.get(key) || { src, dst: e.dst, rps: 0, requests: 0, mtls: true, srcIdentity: e.srcIdentity, dstIdentity: e.dstIdentity, successRate: null };
      link.rps += e.rps;
      link.requests += e.requests;
      link.mtls = link.mtls && e.mtls;
      link.successRate = e.successRate;
      links.set(key, link);
    }
    return { nodes: [...nodes.values()], links: [...links.values()] };
  }

  function layers(graph) {
    const layer = new Map(graph.nodes.map((n) => [n.id, 0]));
    // Longest path from the sources; bounded by the node count so cycles terminate.
    for (let i = 0; i < graph.nodes.length; i++) {
      let changed = false;
      for (const l of graph.links) {
        if (l.src === l.dst) continue;
        const want = layer.get(l.src) + 1;
        if (want > layer.get(l.dst) && want < graph.nodes.length) { layer.set(l.dst, want); changed = true; }
      }
      if (!changed) break;
    }
    return layer;
  }

  function topology(graph, compact) {
    if (!graph.nodes.length) {
      return empty('No traffic between services yet',
        'Edges appear here as soon as meshed proxies report traffic. Try ', code('./mesh demo'), '.');
    }
    const W = 176, H = 48, GAP_X = 120, GAP_Y = compact ? 22 : 30, PAD = 24;
    const layer = layers(graph);
    const columns = new Map();
    for (const n of graph.nodes) {
      const l = layer.get(n.id);
      if (!columns.has(l)) columns.set(l, []);
      columns.get(l).push(n);
    }
    const rows = Math.max(...[...columns.values()].map((c) => c.length));
    const height = PAD * 2 + rows * H + (rows - 1) * GAP_Y + 30;
    const width = PAD * 2 + columns.size * W + (columns.size - 1) * GAP_X;
    const pos = new Map();
    [...columns.keys()].sort((a, b) => a - b).forEach((l, ci) => {
      const col = columns.get(l).sort((a, b) => a.id.localeCompare(b.id));
      const colHeight = col.length * H + (col.length - 1) * GAP_Y;
      col.forEach((n, ri) => pos.set(n.id, { x: PAD + ci * (W + GAP_X), y: PAD + (height - 30 - PAD * 2 - colHeight) / 2 + ri * (H + GAP_Y) }));
    });

    const svg = s('svg', { class: 'topology', id: 'topology', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Service topology' });
    svg.append(s('defs', {},
      s('marker', { id: 'arrow-mtls', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0 0 L10 5 L0 10 z', fill: '#16a34a' })),
      s('marker', { id: 'arrow-plain', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0 0 L10 5 L0 10 z', fill: '#dc2626' }))));

    for (const l of graph.links) {
      const a = pos.get(l.src), b = pos.get(l.dst);
      if (!a || !b) continue;
      let d, mx, my;
      if (l.src === l.dst) {
        const x = a.x + W - 30, y = a.y;
        d = `M${x} ${y} C ${x} ${y - 40}, ${x + 40} ${y - 40}, ${x + 30} ${y + 6}`;
        mx = x + 18; my = y - 30;
      } else if (b.x > a.x) {
        const sx = a.x + W, sy = a.y + H / 2, tx = b.x - 2, ty = b.y + H / 2, c = (tx - sx) / 2;
        d = `M${sx} ${sy} C ${sx + c} ${sy}, ${tx - c} ${ty}, ${tx} ${ty}`;
        mx = (sx + tx) / 2; my = (sy + ty) / 2;
      } else {
        const sx = a.x + W / 2, sy = a.y + H, tx = b.x + W / 2, ty = b.y + H + 2, dip = Math.max(sy, ty) + 40;
        d = `M${sx} ${sy} C ${sx} ${dip}, ${tx} ${dip}, ${tx} ${ty}`;
        mx = (sx + tx) / 2; my = dip - 10;
      }
      const cls = l.mtls ? 'mtls' : 'plain';
      const label = `${fmtRps(l.rps)} rps`;
      const badge = l.mtls
        ? s('g', { transform: `translate(${mx} ${my})` },
          s('circle', { r: 10, class: 'badge-bg' }),
          s('rect', { x: -5, y: -2, width: 10, height: 8, rx: 1.5, fill: '#16a34a' }),
          s('path', { d: 'M-3 -2 v-2.5 a3 3 0 0 1 6 0 v2.5', fill: 'none', stroke: '#16a34a', 'stroke-width': 1.6 }))
        : s('g', { transform: `translate(${mx} ${my})` },
          s('rect', { x: -17, y: -8, width: 34, height: 16, rx: 4, fill: '#fde8e8' }),
          s('text', { x: 0, y: 3.5, 'text-anchor': 'middle', class: 'plain-label', text: 'plain' }));
      svg.append(s('g', { class: `edge ${cls}`, 'data-src': l.src, 'data-dst': l.dst },
        s('title', { text: `${l.src} → ${l.dst}\n${l.mtls ? 'mTLS' : 'not mTLS'}${l.srcIdentity ? `\nfrom ${l.srcIdentity}` : ''}${l.dstIdentity ? `\nto ${l.dstIdentity}` : ''}\n${label}, success ${fmtPct(l.successRate)}` }),
        s('path', { d, 'marker-end': `url(#arrow-${cls})` }),
        badge,
        s('text', { x: mx, y: my - 15, 'text-anchor': 'middle', stroke: '#fff', 'stroke-width': 4, 'paint-order': 'stroke', text: label })));
    }

    for (const n of graph.nodes) {
      const p = pos.get(n.id);
      const [ns, name] = n.kind === 'external' ? ['', n.id] : splitKey(n.id);
      const g = s('g', { class: `node ${n.meshed ? 'meshed' : 'unmeshed'}`, 'data-node': n.id, transform: `translate(${p.x} ${p.y})` },
        s('title', { text: n.id }),
        s('rect', { width: W, height: H, rx: 9 }),
        s('circle', { cx: 16, cy: H / 2, r: 4.5, fill: n.meshed ? '#0f766e' : '#9aa7b4' }),
        s('text', { x: 30, y: 21, 'font-weight': 600, text: name.length > 20 ? `${name.slice(0, 19)}…` : name }),
        s('text', { x: 30, y: 37, class: 'sub', text: ns ? `${ns}${n.kind === 'workload' ? ' · workload' : ''}` : 'no proxy' }));
      if (n.kind === 'service') g.addEventListener('click', () => { window.location.hash = serviceHref(n.id); });
      svg.append(g);
    }
    return svg;
  }

  function legend() {
    return h('div', { class: 'legend' },
      h('span', {}, h('span', { class: 'swatch' }), 'mTLS'),
      h('span', {}, h('span', { class: 'swatch plain' }), 'plaintext'));
  }

  // ---------- latency chart ----------

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function latencyChart(series) {
    const values = series.flatMap((p) => [p.latencyP50Ms, p.latencyP95Ms, p.latencyP99Ms]).filter((v) => v !== null && v !== undefined);
    if (!values.length) return empty('No requests in this window', 'The chart fills in as requests arrive.');
    const W = 1000, H = 240, L = 58, R = 14, T = 12, B = 26;
    const max = niceMax(Math.max(...values));
    const n = series.length;
    const x = (i) => L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = s('svg', { class: 'chart', id: 'latency-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Latency over time' });
    const grid = s('g', { class: 'grid' });
    const axis = s('g', { class: 'axis' });
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      grid.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      axis.append(s('text', { x: L - 8, y: y(v) + 4, 'text-anchor': 'end', text: v === 0 ? '0' : fmtMs(v) }));
    }
    const now = series[n - 1].t;
    for (const i of [0, Math.floor((n - 1) / 2), n - 1]) {
      const ago = Math.round((now - series[i].t) / 1000);
      const text = ago === 0 ? 'now' : ago >= 60 ? `−${Math.round(ago / 60)}m` : `−${ago}s`;
      axis.append(s('text', { x: x(i), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle', text }));
    }
    svg.append(grid, axis);
    for (const [key, cls] of [['latencyP50Ms', 'p50'], ['latencyP95Ms', 'p95'], ['latencyP99Ms', 'p99']]) {
      let d = '';
      let pen = false;
      series.forEach((p, i) => {
        const v = p[key];
        if (v === null || v === undefined) { pen = false; return; }
        d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
      });
      if (d) svg.append(s('path', { class: `series ${cls}`, d }));
    }
    return svg;
  }

  // ---------- views ----------

  async function overview() {
    const [services, edges, proxies] = await Promise.all([
      getJson(q('/api/v1/stats/services')), getJson(q('/api/v1/stats/edges')), getJson('/api/v1/proxies')]);
    if (!services.ok) return { error: services.error, status: services.status };
    const rows = services.data.slice().sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    const body = rows.length
      ? table([
        { title: 'Service', cell: (r) => h('a', { href: serviceHref(`${r.namespace}/${r.name}`) }, h('span', { class: 'name', text: r.name }), h('span', { class: 'ns', text: ` · ${r.namespace}` })) },
        { title: 'Mesh', cell: (r) => meshedPill(r.meshed) },
        { title: 'Success', num: true, cell: (r) => fmtPct(r.successRate), cls: (r) => srClass(r.successRate) },
        { title: 'RPS', num: true, cell: (r) => fmtRps(r.rps) },
        { title: 'P50', num: true, cell: (r) => fmtMs(r.latencyP50Ms) },
        { title: 'P95', num: true, cell: (r) => fmtMs(r.latencyP95Ms) },
        { title: 'P99', num: true, cell: (r) => fmtMs(r.latencyP99Ms) },
        { title: 'TCP', num: true, cell: (r) => String(r.tcpConnections) },
        { title: 'mTLS', num: true, cell: (r) => mtlsPill(r.mtlsPercent) },
      ], rows, (r) => ({ class: 'link', 'data-service': `${r.namespace}/${r.name}`, onclick: (ev) => { if (!ev.target.closest('a')) window.location.hash = serviceHref(`${r.namespace}/${r.name}`); } }))
      : empty('No services have reported traffic yet',
        'Start the demo with ', code('./mesh demo'), ' or mesh your own service with ', code('mesh run'), '.');
    const graph = graphOf(edges.ok ? edges.data : [], services.data, proxies.ok ? proxies.data : []);
    return {
      nodes: [
        h('h1', { text: 'Services' }),
        h('p', { class: 'subtitle', text: `Golden metrics of every service, ${WINDOW_LABEL[state.window]}.` }),
        panel('Golden metrics', `${rows.length} service${rows.length === 1 ? '' : 's'}`, h('div', { id: 'services-table' }, body)),
        panel('Topology', null, h('div', { class: 'panel-body' }, topology(graph, true)), legend()),
      ],
    };
  }

  async function topologyView() {
    const [services, edges, proxies] = await Promise.all([
      getJson(q('/api/v1/stats/services')), getJson(q('/api/v1/stats/edges')), getJson('/api/v1/proxies')]);
    if (!edges.ok) return { error: edges.error, status: edges.status };
    const graph = graphOf(edges.data, services.ok ? services.data : [], proxies.ok ? proxies.data : []);
    const edgeTable = edges.data.length
      ? table([
        { title: 'From', cell: (e) => e.src || h('span', { class: 'dim', text: 'unmeshed client' }) },
        { title: 'To', cell: (e) => h('a', { href: serviceHref(e.dst), text: e.dst }) },
        { title: 'Client identity', cls: () => 'mono wrap', cell: (e) => e.srcIdentity || '—' },
        { title: 'Server identity', cls: () => 'mono wrap', cell: (e) => e.dstIdentity || '—' },
        { title: 'mTLS', cell: (e) => mtlsPill(e.mtlsPercent) },
        { title: 'Success', num: true, cell: (e) => fmtPct(e.successRate), cls: (e) => srClass(e.successRate) },
        { title: 'RPS', num: true, cell: (e) => fmtRps(e.rps) },
      ], edges.data)
      : empty('No edges yet', 'Edges are who-calls-whom, as the calling proxies report them.');
    return {
      nodes: [
        h('h1', { text: 'Topology' }),
        h('p', { class: 'subtitle', text: `Who talks to whom, ${WINDOW_LABEL[state.window]}. Green edges are mutually authenticated TLS; red dashed ones are plaintext.` }),
        panel('Graph', null, h('div', { class: 'panel-body' }, topology(graph, false)), legend()),
        panel('Edges', `${edges.data.length}`, edgeTable),
      ],
    };
  }

  function describeRoutes(profile) {
    const routes = profile && profile.value && profile.value.routes;
    if (!routes || !routes.length) return h('div', { class: 'note', text: 'No HTTPRoute or GRPCRoute targets this service: requests go straight to its endpoints.' });
    const matchKind = (k) => { const t = typeof k === 'number' ? ['Exact', 'Prefix', 'Regex'][k] : String(k || ''); return t.charAt(0).toUpperCase() + t.slice(1); };
    const matchText = (m) => [
      m.method || null,
      m.path ? `${matchKind(m.path.kind)} ${m.path.value}` : null,
      ...(m.headers || []).map((x) => `header ${x.name}`),
      m.grpcService ? `gRPC ${m.grpcService}/${m.grpcMethod || '*'}` : null,
    ].filter(Boolean).join(' · ') || 'any request';
    return table([
      { title: 'Route', cls: () => 'mono', cell: (r) => r.name },
      { title: 'Matches', cls: () => 'wrap', cell: (r) => (r.matches && r.matches.length ? r.matches.map(matchText).join('; ') : 'any request') },
      { title: 'Backends', cls: () => 'wrap', cell: (r) => (r.backends || []).map((b) => `${b.name}:${b.port} (weight ${b.weight})`).join(', ') || '—' },
    ], routes);
  }

  function describeProfileSettings(profile) {
    const v = profile && profile.value;
    if (!v) return null;
    const items = [];
    const pairs = (o) => Object.entries(o).filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => `${k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${fmtValue(x)}`).join(', ');
    if (v.retry) items.push(['Retries', `${v.retry.limit} on ${(v.retry.conditions || []).join(', ') || '—'}${v.retry.perTryTimeout ? `, per try ${fmtValue(v.retry.perTryTimeout)}` : ''}`]);
    if (v.timeouts) items.push(['Timeouts', pairs(v.timeouts) || '—']);
    if (v.failureAccrual) items.push(['Failure accrual', pairs(v.failureAccrual)]);
    if (v.opaquePorts && v.opaquePorts.length) items.push(['Opaque ports', v.opaquePorts.join(', ')]);
    if (!items.length) return null;
    return table([{ title: 'Setting', cell: (i) => i[0] }, { title: 'Value', cls: () => 'wrap', cell: (i) => i[1] }], items);
  }

  function describeEndpoints(endpoints) {
    const list = endpoints && endpoints.value && endpoints.value.endpoints;
    if (!list || !list.length) return empty('No endpoints', 'No workload matches this service\'s selector.');
    return table([
      { title: 'Workload', cls: () => 'name', cell: (e) => e.workload || '—' },
      { title: 'Address', cls: () => 'mono', cell: (e) => e.address || '—' },
      { title: 'Ports', cls: () => 'mono', cell: (e) => Object.entries(e.ports || {}).map(([k, p]) => `${k}:${p}`).join(' ') || '—' },
      { title: 'Identity', cls: () => 'mono wrap', cell: (e) => e.identity || h('span', { class: 'dim', text: 'unmeshed' }) },
      { title: 'Ready', cell: (e) => (e.ready === false ? h('span', { class: 'pill pill-bad', text: 'not ready' }) : h('span', { class: 'pill pill-good', text: 'ready' })) },
    ], list);
  }

  async function serviceView(ns, name) {
    const key = `${ns}/${name}`;
    const f = await features();
    if (!f) return { error: 'the silo is unreachable', status: 0 };
    const [stats, describe] = await Promise.all([
      getJson(q(`/api/v1/stats/services/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`)),
      f.describe ? getJson(`/api/v1/services/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`) : Promise.resolve(null),
    ]);
    if (!stats.ok && stats.status !== 404) return { error: stats.error, status: stats.status };
    const d = stats.ok ? stats.data : null;
    const svc = d && d.service;
    const nodes = [
      h('div', { class: 'crumbs' }, h('a', { href: '#/', text: 'Services' }), ` / ${ns} / `),
      h('h1', {}, name, ' ', svc ? meshedPill(svc.meshed) : null),
      h('p', { class: 'subtitle', text: `Namespace ${ns} · ${WINDOW_LABEL[state.window]}` }),
    ];
    if (svc) {
      nodes.push(h('div', { class: 'cards' },
        card('Success rate', fmtPct(svc.successRate), null, srClass(svc.successRate)),
        card('Requests / s', fmtRps(svc.rps)),
        card('Latency P50', fmtMs(svc.latencyP50Ms)),
        card('Latency P95', fmtMs(svc.latencyP95Ms)),
        card('Latency P99', fmtMs(svc.latencyP99Ms)),
        card('mTLS', fmtPercent(svc.mtlsPercent)),
        card('TCP connections', String(svc.tcpConnections))));
      nodes.push(panel('Latency', null, h('div', { class: 'panel-body' }, latencyChart(d.series)),
        h('div', { class: 'chart-legend' }, h('span', { class: 'l50', text: 'p50' }), h('span', { class: 'l95', text: 'p95' }), h('span', { class: 'l99', text: 'p99' }))));
      const totalBackend = d.backends.reduce((a, b) => a + b.requests, 0);
      nodes.push(h('div', { class: 'grid-2' },
        panel('Routes', 'live traffic per route',
          d.routes.length ? table([{ title: 'Route', cls: () => 'mono', cell: (r) => r.name }, ...metricColumns], d.routes)
            : h('div', { class: 'note', text: 'No route-level traffic in this window.' })),
        panel('Backends', 'traffic split',
          d.backends.length ? table([
            { title: 'Backend', cls: () => 'mono', cell: (r) => r.name },
            { title: 'Share', cell: (r) => { const bar = h('div', { class: 'bar' }, h('div', {})); bar.firstChild.style.width = `${totalBackend ? (100 * r.requests) / totalBackend : 0}%`; return bar; } },
            ...metricColumns.slice(0, 3),
          ], d.backends) : h('div', { class: 'note', text: 'No backend-level traffic in this window.' }))));
      const edgeCols = (who) => [
        { title: who, cell: (e) => (who === 'Client' ? (e.src || h('span', { class: 'dim', text: 'unmeshed client' })) : e.dst) },
        { title: 'mTLS', cell: (e) => mtlsPill(e.mtlsPercent) },
        { title: 'Success', num: true, cell: (e) => fmtPct(e.successRate), cls: (e) => srClass(e.successRate) },
        { title: 'RPS', num: true, cell: (e) => fmtRps(e.rps) },
      ];
      nodes.push(h('div', { class: 'grid-2' },
        panel('Callers', 'inbound', d.inbound.length ? table(edgeCols('Client'), d.inbound) : h('div', { class: 'note', text: 'Nobody called this service in this window.' })),
        panel('Calls', 'outbound', d.outbound.length ? table(edgeCols('Server'), d.outbound) : h('div', { class: 'note', text: 'This service called nothing in this window.' }))));
      if (d.paths.length) nodes.push(panel('Top paths', null, table([{ title: 'Path', cls: () => 'mono', cell: (r) => r.name }, ...metricColumns], d.paths)));
    } else {
      nodes.push(panel('Traffic', null, empty('No stats yet', 'No proxy has reported traffic to or from this service recently.')));
    }

    if (describe && describe.ok) {
      const v = describe.data;
      nodes.push(panel('Endpoints', v.endpoints ? `version ${v.endpoints.version}` : null, describeEndpoints(v.endpoints)));
      const settings = describeProfileSettings(v.profile);
      nodes.push(h('div', { class: 'grid-2' },
        panel('Routing', v.profile ? `version ${v.profile.version}` : null, describeRoutes(v.profile)),
        panel('Settings', null, settings || h('div', { class: 'note', text: 'Default retry, timeout and failure-accrual settings.' }))));
    } else if (describe && describe.status === 404) {
      nodes.push(panel('Endpoints', null, empty('Not registered in the control plane', `No Service ${key} was applied; register it with `, code('mesh apply -f service.yaml'), '.')));
    } else if (describe) {
      nodes.push(panel('Endpoints', null, h('div', { class: 'note', text: `Could not load the service description: ${describe.error}` })));
    }
    return { nodes };
  }

  async function proxiesView() {
    const r = await getJson('/api/v1/proxies');
    if (!r.ok) return { error: r.error, status: r.status };
    const body = r.data.length
      ? table([
        { title: 'Workload', cell: (p) => h('span', {}, h('span', { class: 'name', text: p.workload || p.proxyId }), h('span', { class: 'ns', text: ` · ${p.namespace}` })) },
        { title: 'Identity', cls: () => 'mono wrap', cell: (p) => p.identity || '—' },
        { title: 'Version', cell: (p) => p.version || '—' },
        { title: 'Last report', cell: (p) => fmtAge(p.lastReportAgeMs) },
        { title: 'Cert expires', cell: (p) => fmtDuration(p.certRemainingSeconds) },
        { title: 'Discovery', cell: (p) => (p.discoveryConnected ? h('span', { class: 'pill pill-good', text: 'connected' }) : h('span', { class: 'pill pill-bad', text: 'disconnected' })) },
        { title: 'Clock skew', num: true, cell: (p) => `${Math.abs(p.clockSkewMs) < 50 ? '0.0' : (p.clockSkewMs / 1000).toFixed(1)} s` },
        { title: 'Health', cls: () => 'wrap', cell: (p) => (p.problems.length ? h('ul', { class: 'problems' }, p.problems.map((x) => h('li', { text: x }))) : h('span', { class: 'pill pill-good', text: 'healthy' })) },
      ], r.data, (p) => ({ 'data-proxy': p.proxyId }))
      : empty('No proxy has reported yet', 'Proxies report every few seconds once they start.');
    return {
      nodes: [
        h('h1', { text: 'Proxies' }),
        h('p', { class: 'subtitle', text: 'Every sidecar that reported to this control plane, with what `mesh check` looks at.' }),
        panel('Data plane', `${r.data.length}`, body),
      ],
    };
  }

  const SECRET_FIELD = /(key|secret|token|private|pem|csr|password)/i;

  async function identitiesView() {
    const f = await features();
    if (!f) return { error: 'the silo is unreachable', status: 0 };
    const unavailable = () => ({
      nodes: [
        h('h1', { text: 'Identities' }),
        panel('Workload identities', null, empty('No identity information yet',
          'This control plane does not expose its identity list. Workload identities appear here once the identity service is enabled.')),
      ],
    });
    if (!f.identities) return unavailable();
    const r = await getJson('/api/v1/identities');
    if (!r.ok && r.status === 404) return unavailable();
    if (!r.ok) return { error: r.error, status: r.status };
    // The silo answers {trustDomain, anchors, issuer, certificates}; a bare list is shown as it comes.
    const list = Array.isArray(r.data) ? r.data : (r.data.certificates || r.data.identities || r.data.items || []);
    const keys = [...new Set(list.flatMap((x) => Object.keys(x || {})))].filter((k) => !SECRET_FIELD.test(k));
    const body = list.length
      ? table(keys.map((k) => ({ title: k.replace(/([a-z])([A-Z])/g, '$1 $2'), cls: () => 'wrap', cell: (x) => fmtValue(x[k]) })), list)
      : empty('No identities issued yet', 'A workload identity is issued when a proxy first starts.');
    const authority = Array.isArray(r.data) ? [] : [
      ...(r.data.anchors || []).map((a) => ({ role: 'trust anchor', ...a })),
      ...(r.data.issuer ? [{ role: 'issuer', ...r.data.issuer }] : []),
    ];
    const daysClass = (c) => (c.daysLeft < 0 ? 'sr-bad' : c.daysLeft < (c.role === 'issuer' ? 30 : 90) ? 'sr-warn' : 'sr-good');
    return {
      nodes: [
        h('h1', { text: 'Identities' }),
        h('p', { class: 'subtitle', text: 'Workload identities issued by the mesh certificate authority (no keys or tokens are shown).' }),
        authority.length ? panel('Certificate authority', r.data.trustDomain ? `trust domain ${r.data.trustDomain}` : null, table([
          { title: 'Role', cell: (c) => c.role },
          { title: 'Subject', cls: () => 'mono wrap', cell: (c) => c.subject },
          { title: 'Not after', cell: (c) => fmtValue(c.notAfter) },
          { title: 'Days left', num: true, cls: daysClass, cell: (c) => String(c.daysLeft) },
        ], authority)) : null,
        panel('Workload identities', `${list.length}`, body),
      ],
    };
  }

  // ---------- clusters (multi-cluster links) ----------

  /** A condition ({status: "True"|"False", reason, message}) as a pill titled with its message. */
  function conditionPill(c, good, bad) {
    if (!c) return h('span', { class: 'dim', text: '—' });
    if (c.reason === 'NoGateway') return h('span', { class: 'pill pill-muted', title: c.message, text: 'no gateway' });
    const cls = c.status !== 'True' ? 'pill-bad' : c.reason === 'ProbeFailing' ? 'pill-warn' : 'pill-good';
    return h('span', { class: `pill ${cls}`, title: c.message, text: c.status === 'True' ? good : bad });
  }

  async function clustersView() {
    const f = await features();
    if (!f) return { error: 'the silo is unreachable', status: 0 };
    const title = [h('h1', { text: 'Clusters' }),
      h('p', { class: 'subtitle', text: 'Links to other clusters (`mesh multicluster check` explains every failure with its fix).' })];
    if (!f.clusters) return { nodes: [...title, panel('Links', null, empty('No multi-cluster API', 'This control plane serves no multi-cluster links.'))] };
    const r = await getJson('/api/v1/multicluster/links');
    if (!r.ok) return { error: r.error, status: r.status };
    const links = r.data.links || [];
    const mirrored = (l) => l.services.filter((x) => x.reason === 'Mirrored').length;
    const nodes = [...title, panel('Links', `${links.length}`, links.length
      ? table([
        { title: 'Cluster', cls: () => 'name', cell: (l) => l.cluster },
        { title: 'Federation', cell: (l) => conditionPill(l.federationConnected, 'connected', 'not connected') },
        { title: 'Gateway', cell: (l) => conditionPill(l.gatewayAlive, 'alive', 'dead') },
        // The latency of an earlier success is not shown as if a dead gateway still answered.
        { title: 'Latency', num: true, cell: (l) => (l.gatewayAlive && l.gatewayAlive.status === 'True' ? fmtMs(l.gatewayLatencyMs) : '—') },
        { title: 'Mirrored', num: true, cell: (l) => `${mirrored(l)} / ${l.services.length}` },
        { title: 'Federation address', cls: () => 'mono', cell: (l) => l.federationAddress },
      ], links, (l) => ({ 'data-link': l.cluster }))
      : empty('No links', 'Link a cluster with ', code('mesh multicluster link-gen | mesh apply -f -'), ' run against the other cluster.'))];
    for (const l of links) {
      if (!l.services.length) continue;
      nodes.push(panel(`Mirrors of ${l.cluster}`, `${mirrored(l)} of ${l.services.length} mirrored`, table([
        { title: 'Mirror', cell: (m) => h('span', {}, h('span', { class: 'name', text: m.name }), h('span', { class: 'ns', text: ` · ${m.namespace}` })) },
        { title: 'Remote service', cls: () => 'mono', cell: (m) => m.remoteService },
        { title: 'Condition', cell: (m) => h('span', { class: `pill ${m.reason === 'Mirrored' ? 'pill-good' : 'pill-bad'}`, text: m.reason }) },
        { title: 'Message', cls: () => 'wrap', cell: (m) => m.message },
      ], l.services, (m) => ({ 'data-mirror': `${m.namespace}/${m.name}` }))));
    }
    if ((r.data.orphans || []).length) {
      nodes.push(panel('Orphans', `${r.data.orphans.length}`, table([
        { title: 'Source', cls: () => 'mono', cell: (o) => o.source },
        { title: 'Resource', cell: (o) => `${o.kind} ${o.namespace}/${o.name}` },
      ], r.data.orphans)));
    }
    return { nodes };
  }

  // ---------- router and refresh loop ----------

  function route() {
    const parts = window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'services' && parts.length >= 3) return { nav: 'overview', load: () => serviceView(parts[1], parts.slice(2).join('/')) };
    if (parts[0] === 'topology') return { nav: 'topology', load: topologyView };
    if (parts[0] === 'proxies') return { nav: 'proxies', load: proxiesView };
    if (parts[0] === 'identities') return { nav: 'identities', load: identitiesView };
    if (parts[0] === 'clusters') return { nav: 'clusters', load: clustersView };
    return { nav: 'overview', load: overview };
  }

  function setStatus(ok, text) {
    const el = document.getElementById('status');
    el.className = `status ${ok ? 'status-ok' : 'status-err'}`;
    el.textContent = text;
  }

  async function refresh() {
    clearTimeout(state.timer);
    const seq = ++state.seq;
    const r = route();
    document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === r.nav));
    let result;
    try {
      result = await r.load();
    } catch (e) {
      result = { error: `the page failed to render: ${e && e.message ? e.message : e}` };
    }
    if (seq !== state.seq) return; // a newer refresh started (navigation or window change)
    const view = document.getElementById('view');
    if (result.error) {
      setStatus(false, result.status === 0 ? 'silo unreachable · retrying' : 'error · retrying');
      const banner = h('div', { class: 'banner', id: 'error-banner', text: `Could not load data: ${result.error}. Retrying every ${REFRESH_MS / 1000} s.` });
      const old = document.getElementById('error-banner');
      if (old) old.replaceWith(banner); else view.prepend(banner);
    } else {
      setStatus(true, `live · ${new Date().toLocaleTimeString()}`);
      view.replaceChildren(...result.nodes);
    }
    state.timer = setTimeout(refresh, REFRESH_MS);
  }

  function start() {
    const select = document.getElementById('window');
    select.value = state.window;
    select.addEventListener('change', () => {
      state.window = select.value;
      writePref(state.window);
      refresh();
    });
    window.addEventListener('hashchange', () => { window.scrollTo(0, 0); refresh(); });
    refresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

// koban report: path picking and highlighting, collapse/expand, exposure and reach tables.
// Everything is drawn from the embedded data (#koban-data, schema koban/report/v1); no network.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('koban-data').textContent);
  const HOPS = data.paths.hops;
  const ROW_LIMIT = 200;

  // ------------------------------------------------------------------ small DOM helper
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.appendChild(typeof kid === 'string' || typeof kid === 'number' ? document.createTextNode(String(kid)) : kid);
    }
    return el;
  }

  // ------------------------------------------------------------------ the data, indexed
  const names = new Map();
  const vpcOfSubnet = new Map();
  for (const v of data.vpcs) {
    for (const az of v.availability_zones) {
      for (const s of az.subnets) {
        vpcOfSubnet.set(s.id, v.id);
        for (const r of s.resources) if (r.name && !names.has(r.resource)) names.set(r.resource, r.name);
      }
    }
  }
  const pairs = new Map();
  for (const p of data.reach.pairs) {
    if (!pairs.has(p.from)) pairs.set(p.from, new Map());
    pairs.get(p.from).set(p.to, p);
  }
  const outside = new Set(['internet', ...data.networks.map((n) => n.name)]);
  function display(id) {
    if (id === 'internet') return 'internet';
    if (outside.has(id)) return 'network ' + id;
    const n = names.get(id);
    return n ? id + ' (' + n + ')' : id;
  }
  const hopsOf = (ix) => ix.map((i) => HOPS[i]).filter(Boolean);
  const isInspected = (hops) => hops.some((x) => x.type === 'inspection-appliance');

  // ------------------------------------------------------------------ diagrams
  const indexes = new WeakMap();
  function indexOf(svg) {
    let ix = indexes.get(svg);
    if (ix) return ix;
    ix = { keys: new Set(), keysByResource: new Map(), withResource: [], edges: new Map() };
    for (const el of svg.querySelectorAll('g.node[data-key]')) {
      const k = el.getAttribute('data-key');
      const r = el.getAttribute('data-resource');
      ix.keys.add(k);
      if (!ix.keysByResource.has(r)) ix.keysByResource.set(r, []);
      ix.keysByResource.get(r).push(k);
    }
    for (const el of svg.querySelectorAll('g.cluster[data-key]')) ix.keys.add(el.getAttribute('data-key'));
    for (const el of svg.querySelectorAll('g.node[data-resource], g.cluster[data-resource], g.edge[data-resource]')) ix.withResource.push(el);
    for (const el of svg.querySelectorAll('g.edge[data-a]')) {
      const a = el.getAttribute('data-a');
      const b = el.getAttribute('data-b');
      const key = a < b ? a + '|' + b : b + '|' + a;
      if (!ix.edges.has(key)) ix.edges.set(key, []);
      ix.edges.get(key).push(el);
    }
    indexes.set(svg, ix);
    return ix;
  }
  function keyOf(ix, hop) {
    if (hop.interface && ix.keys.has(hop.interface)) return hop.interface;
    const ks = ix.keysByResource.get(hop.resource);
    return ks && ks.length === 1 ? ks[0] : null;
  }
  // Same rules as diagram::chain: clusters skipped (a path from a host in a subnet starts at
  // the subnet's box), the appliance joined to the endpoint before it, a hop with no node
  // breaks the chain.
  function chain(hops, ix) {
    const out = [];
    let prev = null;
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i];
      if (i === 0 && hop.type === 'subnet') {
        if (ix.keys.has('subnet:' + hop.resource)) prev = 'subnet:' + hop.resource;
        continue;
      }
      if (hop.type === 'vpc' || hop.type === 'subnet') continue;
      const k = keyOf(ix, hop);
      if (hop.type === 'inspection-appliance') {
        if (prev && k) out.push([prev, k]);
        continue;
      }
      if (k === null) { prev = null; continue; }
      if (prev && prev !== k) out.push([prev, k]);
      prev = k;
    }
    return out;
  }

  let current = null; // [{hops, inspected}]
  function clearMarks(svg) {
    svg.classList.remove('dim');
    for (const el of svg.querySelectorAll('.hl')) el.classList.remove('hl', 'hl-ok', 'hl-bypass');
  }
  function mark(el, cls) { el.classList.add('hl', cls); }
  function applyTo(svg) {
    clearMarks(svg);
    if (!current || current.length === 0) return;
    const ix = indexOf(svg);
    let any = false;
    for (const path of current) {
      const cls = path.inspected ? 'hl-ok' : 'hl-bypass';
      const res = new Map();
      for (const hop of path.hops) {
        if (!res.has(hop.resource)) res.set(hop.resource, new Set());
        res.get(hop.resource).add(hop.interface || null);
      }
      for (const el of ix.withResource) {
        const enis = res.get(el.getAttribute('data-resource'));
        if (!enis) continue;
        const eni = el.getAttribute('data-eni');
        if (eni && !enis.has(null) && !enis.has(eni)) continue;
        mark(el, cls);
        any = true;
      }
      for (const [a, b] of chain(path.hops, ix)) {
        const key = a < b ? a + '|' + b : b + '|' + a;
        for (const el of ix.edges.get(key) || []) { mark(el, cls); any = true; }
      }
    }
    if (any) svg.classList.add('dim');
  }
  function applyAll() { for (const svg of document.querySelectorAll('svg.diagram')) applyTo(svg); }

  function materialize(details) {
    const t = details.querySelector(':scope > template');
    if (!t) return;
    const wrap = details.querySelector(':scope > .svgwrap');
    wrap.appendChild(t.content.cloneNode(true));
    t.remove();
    const svg = wrap.querySelector('svg.diagram');
    if (svg) { wire(svg); applyTo(svg); }
  }
  // Open the VPCs (and their accounts) a set of paths crosses.
  function openVpcs(paths) {
    const vpcs = new Set();
    for (const p of paths) for (const hop of p.hops) if (hop.type === 'vpc') vpcs.add(hop.resource);
    for (const v of vpcs) {
      const d = document.querySelector('details.vpc[data-vpc="' + CSS.escape(v) + '"]');
      if (!d) continue;
      materialize(d);
      d.open = true;
      const acct = d.closest('details.account');
      if (acct) acct.open = true;
    }
  }
  function show(paths) {
    current = paths && paths.length ? paths : null;
    if (current) openVpcs(current);
    applyAll();
  }

  // ------------------------------------------------------------------ the panel
  const src = document.getElementById('src');
  const dst = document.getElementById('dst');
  const verdict = document.getElementById('verdict');
  const list = document.getElementById('path-list');
  function direction() {
    const r = document.querySelector('input[name="dir"]:checked');
    return r ? r.value : 'forward';
  }
  function fillSources() {
    src.appendChild(h('option', { value: '' }, '\u2014 choose a source \u2014'));
    for (const s of data.reach.sources) if (pairs.has(s)) src.appendChild(h('option', { value: s }, display(s)));
  }
  function fillDestinations() {
    dst.textContent = '';
    dst.appendChild(h('option', { value: '' }, '\u2014 choose a destination \u2014'));
    const m = pairs.get(src.value);
    if (!m) return;
    for (const to of m.keys()) dst.appendChild(h('option', { value: to }, display(to)));
  }
  function hopItem(hop) {
    return h('li', null, hop.resource, ' ', h('span', { class: 'ty' }, '(' + hop.type + (hop.interface ? ', ' + hop.interface : '') + ')'),
      (hop.evidence || []).map((e) => h('span', { class: 'ev' }, e.kind + ': ' + e.resource + ' ' + e.detail)));
  }
  function pathBox(title, hops, inspected, packets) {
    return h('div', { class: 'path' + (inspected ? '' : ' bypass') },
      h('h3', null, title + ' \u2014 ' + (inspected ? 'inspected' : 'NOT inspected')),
      packets ? h('div', { class: 'packets' }, packets) : null,
      h('ol', null, hops.map(hopItem)));
  }
  function showPair() {
    const p = pairs.get(src.value) && pairs.get(src.value).get(dst.value);
    list.textContent = '';
    verdict.className = 'verdict';
    verdict.textContent = '';
    if (!p) { show(null); return; }
    const reply = direction() === 'reply';
    const paths = p.paths.map((x) => ({
      hops: hopsOf(reply ? x.reply_hops : x.hops),
      inspected: reply ? x.reply_inspected : x.inspected,
      packets: x.packets,
    }));
    const bypass = p.paths.some((x) => !x.inspected || !x.reply_inspected);
    verdict.classList.add(p.reachable ? (bypass ? 'bypass' : 'reachable') : 'blocked');
    verdict.textContent = p.reachable
      ? 'REACHABLE \u2014 ' + p.paths.length + ' path(s), ' + (bypass ? 'some NOT inspected' : 'all inspected (both ways)')
      : 'NOT REACHABLE';
    paths.forEach((x, i) => list.appendChild(pathBox((reply ? 'replies of path ' : 'path ') + (i + 1), x.hops, x.inspected, x.packets)));
    if (p.blocked.length) {
      list.appendChild(h('h3', null, 'Where the rest stops'));
      list.appendChild(h('ul', { class: 'blocked-list' }, p.blocked.map((b) => h('li', null, '[' + b.direction + '] ' + b.at + ': ' + b.reason))));
    }
    if (p.unknowns.length) {
      list.appendChild(h('h3', null, 'Unknown'));
      list.appendChild(h('ul', { class: 'blocked-list' }, p.unknowns.map((u) => h('li', null, u))));
    }
    show(paths.filter((x) => x.hops.length));
  }
  function selectPair(from, to) {
    src.value = from;
    fillDestinations();
    dst.value = to;
    showPair();
  }

  // ------------------------------------------------------------------ findings
  function showFinding(i) {
    const f = data.checks.findings[i];
    if (!f) return;
    for (const el of document.querySelectorAll('.finding.sel')) el.classList.remove('sel');
    const art = document.getElementById('finding-' + i);
    if (art) art.classList.add('sel');
    const paths = [];
    for (const key of ['witness', 'reply']) {
      const hops = f.evidence && Array.isArray(f.evidence[key]) ? f.evidence[key] : [];
      if (hops.length) paths.push({ hops, inspected: isInspected(hops), title: key === 'witness' ? 'witness path' : 'replies' });
    }
    src.value = '';
    fillDestinations();
    list.textContent = '';
    verdict.className = 'verdict bypass';
    verdict.textContent = f.source + ' ' + f.title;
    list.appendChild(h('p', null, f.description));
    list.appendChild(h('p', null, h('b', null, 'Remediation: '), f.remediation));
    for (const p of paths) list.appendChild(pathBox(p.title, p.hops, p.inspected, null));
    show(paths);
    const first = document.querySelector('svg.diagram.dim');
    if (first) first.scrollIntoView({ block: 'nearest' });
  }

  // ------------------------------------------------------------------ tables
  function table(containerId, head, rows, onPick) {
    const box = document.getElementById(containerId);
    const input = document.querySelector('input.filter[data-table="' + containerId + '"]');
    function render() {
      const q = (input ? input.value : '').trim().toLowerCase();
      const hit = q ? rows.filter((r) => r.text.includes(q)) : rows;
      box.textContent = '';
      const t = h('table', { class: containerId === 'reach-table' ? 'pairs' : 'expo' }, h('tr', null, head.map((c) => h('th', null, c))));
      for (const r of hit.slice(0, ROW_LIMIT)) {
        const tr = h('tr', { onclick: () => { for (const s of t.querySelectorAll('tr.sel')) s.classList.remove('sel'); tr.classList.add('sel'); onPick(r); } },
          r.cells.map((c) => h('td', c.cls ? { class: c.cls } : null, c.text)));
        t.appendChild(tr);
      }
      box.appendChild(t);
      if (hit.length > ROW_LIMIT) box.appendChild(h('div', { class: 'more' }, 'showing ' + ROW_LIMIT + ' of ' + hit.length + ' rows: narrow the filter'));
      if (!hit.length) box.appendChild(h('div', { class: 'more' }, rows.length ? 'no row matches' : 'nothing to list'));
    }
    if (input) input.addEventListener('input', render);
    render();
  }
  const yes = (b, t, f) => ({ text: b ? t : f, cls: b ? 'yes' : 'no' });
  function exposureTable() {
    const rows = [];
    for (const s of data.exposure.sources) {
      for (const e of s.exposed) {
        const cells = [{ text: s.source }, { text: e.interface }, { text: display(e.owner) }, { text: e.subnet }, { text: e.ports.join('; ') },
          yes(e.inspected, 'inspected', 'NOT inspected'), yes(e.reply_inspected, 'inspected', 'NOT inspected')];
        rows.push({ cells, text: cells.map((c) => c.text).join(' ').toLowerCase(), e });
      }
    }
    table('exposure-table', ['from', 'interface', 'owner', 'subnet', 'ports', 'path', 'replies'], rows, (r) => {
      const paths = [{ hops: hopsOf(r.e.path), inspected: r.e.inspected }];
      if (r.e.reply_path.length && direction() === 'reply') paths[0] = { hops: hopsOf(r.e.reply_path), inspected: r.e.reply_inspected };
      list.textContent = '';
      verdict.className = 'verdict ' + (r.e.inspected && r.e.reply_inspected ? 'reachable' : 'bypass');
      verdict.textContent = r.e.interface + ' exposed to ' + r.cells[0].text + ': ' + r.e.ports.join('; ');
      list.appendChild(pathBox('witness path', hopsOf(r.e.path), r.e.inspected, null));
      if (r.e.reply_path.length) list.appendChild(pathBox('replies', hopsOf(r.e.reply_path), r.e.reply_inspected, null));
      show(paths);
    });
  }
  function reachTable() {
    const rows = data.reach.pairs.map((p) => {
      const fwd = p.paths.every((x) => x.inspected);
      const rep = p.paths.every((x) => x.reply_inspected);
      const cells = [{ text: display(p.from) }, { text: display(p.to) },
        p.reachable ? { text: 'reachable', cls: 'yes' } : { text: 'not reachable', cls: 'na' },
        p.reachable ? yes(fwd, 'inspected', 'NOT inspected') : { text: '', cls: 'na' },
        p.reachable ? yes(rep, 'inspected', 'NOT inspected') : { text: '', cls: 'na' },
        { text: p.reachable ? String(p.paths.length) : (p.blocked[0] ? p.blocked[0].at + ': ' + p.blocked[0].reason : '') }];
      return { cells, text: cells.map((c) => c.text).join(' ').toLowerCase(), p };
    });
    table('reach-table', ['from', 'to', 'verdict', 'path', 'replies', 'paths / first stop'], rows, (r) => {
      selectPair(r.p.from, r.p.to);
      document.getElementById('panel').scrollTop = 0;
    });
  }

  // ------------------------------------------------------------------ wiring
  function wire(svg) {
    svg.addEventListener('click', (ev) => {
      const node = ev.target.closest('g.node[data-resource]');
      if (!node) return;
      const r = node.getAttribute('data-resource');
      const kind = node.getAttribute('data-kind');
      if (kind === 'instance' && pairs.size) {
        const from = data.networks.length ? data.networks[0].name : 'internet';
        if (pairs.get(from) && pairs.get(from).has(r)) selectPair(from, r);
      } else if (kind === 'vpc') {
        const d = document.querySelector('details.vpc[data-vpc="' + CSS.escape(r) + '"]');
        if (d) { materialize(d); d.open = true; const a = d.closest('details.account'); if (a) a.open = true; d.scrollIntoView({ block: 'start' }); }
      }
    });
  }
  for (const svg of document.querySelectorAll('svg.diagram')) wire(svg);
  for (const d of document.querySelectorAll('details.vpc')) {
    d.addEventListener('toggle', () => { if (d.open) materialize(d); });
    if (d.open) materialize(d);
  }
  document.getElementById('expand-all').addEventListener('click', () => {
    for (const a of document.querySelectorAll('details.account')) a.open = true;
    for (const d of document.querySelectorAll('details.vpc')) { materialize(d); d.open = true; }
  });
  document.getElementById('collapse-all').addEventListener('click', () => {
    for (const d of document.querySelectorAll('details.vpc')) d.open = false;
    for (const a of document.querySelectorAll('details.account')) a.open = false;
  });
  document.getElementById('clear').addEventListener('click', () => { src.value = ''; fillDestinations(); list.textContent = ''; verdict.textContent = ''; verdict.className = 'verdict'; show(null); });
  for (const b of document.querySelectorAll('button.show-finding')) b.addEventListener('click', () => showFinding(Number(b.getAttribute('data-finding'))));
  src.addEventListener('change', () => { fillDestinations(); showPair(); });
  dst.addEventListener('change', showPair);
  for (const r of document.querySelectorAll('input[name="dir"]')) r.addEventListener('change', showPair);
  fillSources();
  fillDestinations();
  exposureTable();
  reachTable();
  // For scripts and tests: the page's state and actions.
  window.koban = { data, selectPair, showFinding, highlighted: () => current, chain, indexOf };
})();

// Opens a koban report in headless Chromium (Debian's /usr/bin/chromium, driven with
// playwright-core over the DevTools Protocol) and checks it as a person would use it.
//
//   node check.mjs --html REPORT.html --expect EXPECT.json --out DIR [--chromium /usr/bin/chromium]
//
// EXPECT.json:
//   { "name": "landing-zone",
//     "ids": ["subnet-…", …],                        ids the diagram must contain
//     "pair": { "from": "onprem", "to": "i-…",       a pair to select in the picker, and the
//               "hops": [{ "resource", "interface" }] } hops `koban reach` reports for it
//     "finding": { "source": "KBN-NET-001", "resource": "subnet-…" },   a finding that must be shown
//     "unknowns": ["…"],                               texts the page must list (bad input)
//     "expand": true                                   measure collapse/expand (large twins) }
//
// Prints one JSON line of measurements on stdout; exits 1 with the reasons when a check fails.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';

function args() {
  const a = process.argv.slice(2);
  const o = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
  for (const k of ['html', 'expect', 'out']) if (!o[k]) throw new Error('missing --' + k);
  return o;
}

const opt = args();
const expect = JSON.parse(readFileSync(opt.expect, 'utf8'));
const failures = [];
const fail = (msg) => failures.push(msg);
const metrics = { name: expect.name };
mkdirSync(opt.out, { recursive: true });

// The first open VPC diagram at its natural size (the page scrolls it in a box).
async function diagramShot(page, path) {
  const size = await page.evaluate(() => {
    const svg = document.querySelector('details.vpc[open] svg.diagram');
    if (!svg) return null;
    for (const w of document.querySelectorAll('.svgwrap')) { w.style.maxHeight = 'none'; w.style.overflow = 'visible'; }
    const r = svg.getBoundingClientRect();
    return { width: Math.ceil(r.width), height: Math.ceil(r.height) };
  });
  if (!size) return;
  const vp = page.viewportSize();
  await page.setViewportSize({ width: Math.max(vp.width, size.width + 420), height: Math.max(vp.height, size.height + 100) });
  const svg = await page.$('details.vpc[open] svg.diagram');
  await svg.screenshot({ path });
  await page.setViewportSize(vp);
  await page.evaluate(() => { for (const w of document.querySelectorAll('.svgwrap')) { w.style.maxHeight = ''; w.style.overflow = ''; } });
}

const profile = mkdtempSync(join(tmpdir(), 'koban-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: opt.chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1600, height: 1000 },
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push('page error: ' + e.message));
  const requests = [];
  page.on('request', (r) => { const u = r.url(); if (!u.startsWith('file:') && !u.startsWith('data:')) requests.push(u); });

  const url = pathToFileURL(resolve(opt.html)).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  metrics.load_ms = Date.now() - t0;
  metrics.dom_content_loaded_ms = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? Math.round(n.domContentLoadedEventEnd) : -1;
  });
  metrics.load_event_ms = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n ? Math.round(n.loadEventEnd) : -1;
  });
  const ready = await page.evaluate(() => typeof window.koban === 'object' && Array.isArray(window.koban.data.reach.pairs));
  if (!ready) fail('the page script did not start (window.koban missing)');

  // Every id the diagram must draw.
  if (expect.ids) {
    const missing = await page.evaluate((ids) => ids.filter((id) => !document.querySelector('svg.diagram [data-resource="' + CSS.escape(id) + '"]')), expect.ids);
    if (missing.length) fail('diagram lacks: ' + missing.join(', '));
    metrics.ids_checked = expect.ids.length;
  }

  // Select a pair in the picker and compare the highlight with the hops koban reach reports.
  if (expect.pair) {
    const t1 = Date.now();
    await page.selectOption('#src', expect.pair.from);
    await page.selectOption('#dst', expect.pair.to);
    metrics.select_pair_ms = Date.now() - t1;
    const got = await page.evaluate(() => {
      const hl = Array.from(document.querySelectorAll('svg.diagram g.hl'));
      return {
        resources: Array.from(new Set(hl.filter((e) => !e.classList.contains('edge')).map((e) => e.getAttribute('data-resource')))).sort(),
        enis: Array.from(new Set(hl.map((e) => e.getAttribute('data-eni')).filter(Boolean))).sort(),
        edges: hl.filter((e) => e.classList.contains('edge')).length,
        bypassEdges: hl.filter((e) => e.classList.contains('edge') && e.classList.contains('hl-bypass')).length,
        verdict: document.getElementById('verdict').textContent,
        // Every consecutive pair of hops joins two highlighted nodes by a highlighted edge.
        missingEdges: (() => {
          const out = [];
          const current = window.koban.highlighted() || [];
          for (const svg of document.querySelectorAll('svg.diagram')) {
            const ix = window.koban.indexOf(svg);
            for (const p of current) {
              for (const [a, b] of window.koban.chain(p.hops, ix)) {
                const key = a < b ? a + '|' + b : b + '|' + a;
                const els = ix.edges.get(key) || [];
                if (!els.some((e) => e.classList.contains('hl'))) out.push(svg.id + ' ' + key);
              }
            }
          }
          return out;
        })(),
      };
    });
    const want = Array.from(new Set(expect.pair.hops.map((h) => h.resource))).sort();
    const wantEnis = Array.from(new Set(expect.pair.hops.map((h) => h.interface).filter(Boolean))).sort();
    if (JSON.stringify(got.resources) !== JSON.stringify(want)) {
      fail('highlighted resources ' + JSON.stringify(got.resources) + ' differ from the hops koban reach reports ' + JSON.stringify(want));
    }
    const extraEnis = got.enis.filter((e) => !wantEnis.includes(e));
    if (extraEnis.length) fail('interfaces highlighted that no hop uses: ' + extraEnis.join(', '));
    const missingEnis = wantEnis.filter((e) => !got.enis.includes(e));
    if (missingEnis.length) fail('hop interfaces not highlighted: ' + missingEnis.join(', '));
    if (got.missingEdges.length) fail('consecutive hops without a highlighted edge: ' + got.missingEdges.join(', '));
    if (got.edges === 0) fail('no edge highlighted for the pair');
    if (expect.pair.inspected && got.bypassEdges) fail('an inspected path drew ' + got.bypassEdges + ' bypass edge(s)');
    metrics.highlighted_resources = got.resources.length;
    metrics.highlighted_edges = got.edges;
    metrics.verdict = got.verdict;
    await page.screenshot({ path: join(opt.out, expect.name + '-page.png'), fullPage: false });
    await diagramShot(page, join(opt.out, expect.name + '.png'));
  }

  // The finding is listed, and showing it draws its witness path as a bypass.
  if (expect.finding) {
    const sel = 'article.finding[data-source="' + expect.finding.source + '"][data-resource="' + expect.finding.resource + '"]';
    const n = await page.$$eval(sel, (els) => els.filter((e) => e.offsetParent !== null).length);
    if (!n) fail('finding ' + expect.finding.source + ' on ' + expect.finding.resource + ' is not shown');
    metrics.finding_articles = n;
    if (n) {
      await page.click(sel + ' button.show-finding');
      const bypass = await page.$$eval('svg.diagram g.edge.hl.hl-bypass', (els) => els.length);
      if (!bypass) fail('showing ' + expect.finding.source + ' drew no bypass edge');
      metrics.finding_bypass_edges = bypass;
      await diagramShot(page, join(opt.out, expect.name + '-bypass.png'));
    }
  }

  // Bad input: the page lists what could not be read.
  if (expect.unknowns) {
    const text = await page.$eval('#inputs', (e) => e.textContent);
    for (const u of expect.unknowns) if (!text.includes(u)) fail('the input section does not list: ' + u);
  }

  // Large twins: VPCs collapsed at load, and collapse/expand by account and VPC stays quick.
  if (expect.expand) {
    metrics.vpcs_open_at_load = await page.$$eval('details.vpc[open]', (e) => e.length);
    metrics.svgs_at_load = await page.$$eval('svg.diagram', (e) => e.length);
    const timing = await page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const time = async (f) => { const t = performance.now(); f(); document.body.offsetHeight; await frame(); return performance.now() - t; };
      const vpc = document.querySelector('details.vpc');
      const acct = vpc.closest('details.account');
      const out = {};
      if (vpc.open) { vpc.open = false; await frame(); }
      out.expand_vpc_ms = await time(() => { vpc.querySelector('summary').click(); });
      out.vpc_svg_drawn = !!vpc.querySelector('svg.diagram');
      out.collapse_vpc_ms = await time(() => { vpc.querySelector('summary').click(); });
      out.collapse_account_ms = await time(() => { acct.querySelector(':scope > summary').click(); });
      out.expand_account_ms = await time(() => { acct.querySelector(':scope > summary').click(); });
      const pair = window.koban.data.reach.pairs.find((p) => p.reachable);
      out.select_pair_ms = await time(() => { if (pair) window.koban.selectPair(pair.from, pair.to); });
      out.pair = pair ? pair.from + ' -> ' + pair.to : null;
      out.highlighted_after_select = document.querySelectorAll('svg.diagram g.hl').length;
      return out;
    });
    Object.assign(metrics, timing);
    if (!timing.vpc_svg_drawn) fail('opening a VPC did not draw its diagram');
    if (expect.collapsed && metrics.vpcs_open_at_load !== 0) fail(metrics.vpcs_open_at_load + ' VPC(s) open at load on a large twin');
    await page.screenshot({ path: join(opt.out, expect.name + '-page.png'), fullPage: false });
  }

  if (consoleErrors.length) fail('console errors: ' + consoleErrors.join(' | '));
  if (requests.length) fail('network requests: ' + requests.join(', '));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(metrics) + '\n');
if (failures.length) {
  for (const f of failures) process.stderr.write('FAIL: ' + f + '\n');
  process.exit(1);
}

// The gtest_dist dashboard: plain JavaScript, no framework, no build step.
// Every string that comes from a run (test names, messages, output, hosts) is
// put on the page as a text node or an attribute value, never parsed as
// HTML: no DOM call that parses markup appears in this file (a unit test,
// DashboardTest.TheScriptNeverParsesHtml, keeps it so).
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const view = document.getElementById('view');
let cleanups = [];  // what the current page must stop when the page changes

// ---------------------------------------------------------------- helpers

// el('a', {href: '#/runs', class: 'x'}, 'text', child...): strings become text nodes.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}
// A result's kept test outputs (--dist-artifacts), each a link to the file.
function artifactLinks(result) {
  if (!result.artifacts || result.artifacts.length === 0) return null;
  const links = [];
  for (const a of result.artifacts) {
    if (links.length) links.push(' ');
    links.push(el('a', {href: a.url, target: '_blank', rel: 'noopener', class: 'artifact'}, a.name));
  }
  return el('span', {class: 'artifacts'}, ...links);
}
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}
function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(key, String(value));
  }
}
function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

async function api(path) {
  const response = await fetch(path, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
  const text = await response.text();
  let doc = null;
  try { doc = JSON.parse(text); } catch (e) { /* not JSON: reported below */ }
  if (!response.ok) throw new Error((doc && doc.error) || (response.status + ' ' + text));
  if (doc === null) throw new Error('the server sent something that is not JSON');
  return doc;
}

function showError(where, error) {
  where.appendChild(el('p', {class: 'error'}, String(error.message || error)));
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return ms + ' ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.round(s - m * 60) + ' s';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}
// Decimal units, as the supervisor's shipping line says them.
function fmtBytes(n) {
  if (n < 1000) return n + ' bytes';
  for (const [size, unit] of [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']]) {
    if (n >= size) return (n / size).toFixed(1) + ' ' + unit;
  }
}
function fmtTime(ms) { return ms ? new Date(ms).toLocaleString() : '–'; }
function badge(status) { return el('span', {class: 'badge status-' + status, 'data-status': status}, status); }
function testLink(name) { return el('a', {href: '#/tests/' + encodeURIComponent(name)}, name); }
function runLink(id) { return el('a', {href: '#/runs/' + id}, '#' + id); }

// "#/runs?host=a" -> {path: ['runs'], query: URLSearchParams}
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const path = (q < 0 ? hash : hash.slice(0, q)).split('/').filter(Boolean);
  return {path, query: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1))};
}

function queryString(params) {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) out.set(k, v);
  const s = out.toString();
  return s ? '?' + s : '';
}

// A filter form whose values live in the page's address (bookmarkable).
function filterForm(page, fields, query) {
  const form = el('form', {class: 'filters'});
  const inputs = {};
  for (const f of fields) {
    let input;
    if (f.options) {
      input = el('select', {name: f.name}, f.options.map(([value, text]) => el('option', {value}, text)));
    } else {
      input = el('input', {name: f.name, type: f.type || 'text', placeholder: f.placeholder || ''});
    }
    const raw = query.get(f.name) || '';
    input.value = f.type === 'datetime-local' && raw ? toLocalInput(Number(raw)) : raw;
    inputs[f.name] = input;
    form.appendChild(el('label', {}, f.label, input));
  }
  form.appendChild(el('button', {type: 'submit'}, 'Apply'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = {};
    for (const f of fields) {
      const value = inputs[f.name].value.trim();
      params[f.name] = f.type === 'datetime-local' && value ? String(new Date(value).getTime()) : value;
    }
    location.hash = '#/' + page + queryString(params);
  });
  return form;
}
function toLocalInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function every(ms, fn) {
  const id = setInterval(fn, ms);
  cleanups.push(() => clearInterval(id));
}

// ---------------------------------------------------------------- runs

async function runsPage(query) {
  const fields = [
    {name: 'host', label: 'Host'}, {name: 'binary', label: 'Binary'}, {name: 'label', label: 'Label'},
    {name: 'since', label: 'Started after', type: 'datetime-local'},
    {name: 'until', label: 'Started before', type: 'datetime-local'},
  ];
  const table = el('table', {id: 'runs'});
  view.append(el('h1', {}, 'Runs'), filterForm('runs', fields, query), table);
  const params = {};
  for (const f of fields) if (query.get(f.name)) params[f.name] = query.get(f.name);
  const url = '/api/runs' + queryString(params);
  async function refresh() {
    let doc;
    try { doc = await api(url); } catch (e) { clear(table); showError(table, e); return; }
    clear(table);
    table.appendChild(el('tr', {},
      el('th', {}, 'Run'), el('th', {}, 'Status'), el('th', {}, 'Binary'), el('th', {}, 'Label'),
      el('th', {}, 'Host'), el('th', {}, 'Started'), el('th', {class: 'num'}, 'Passed'),
      el('th', {class: 'num'}, 'Failed'), el('th', {class: 'num'}, 'Skipped'),
      el('th', {class: 'num'}, 'Flaky'), el('th', {class: 'num'}, 'Tests'), el('th', {class: 'num'}, 'Duration')));
    for (const run of doc.runs) {
      const c = run.counts;
      table.appendChild(el('tr', {'data-run': run.id},
        el('td', {}, runLink(run.id)), el('td', {class: 'status'}, badge(run.status)),
        el('td', {}, run.binary), el('td', {}, run.label), el('td', {}, run.host),
        el('td', {}, fmtTime(run.started_ms)), el('td', {class: 'num'}, c.passed),
        el('td', {class: 'num'}, c.failed), el('td', {class: 'num'}, c.skipped),
        el('td', {class: 'num'}, c.flaky), el('td', {class: 'num'}, c.total),
        el('td', {class: 'num'}, fmtDuration(run.elapsed_ms))));
    }
    if (doc.runs.length === 0) table.appendChild(el('tr', {}, el('td', {colspan: 12, class: 'muted'}, 'No runs match.')));
  }
  await refresh();
  every(1000, refresh);  // live status of running runs
}

// ---------------------------------------------------------------- one run

function runPage(id) {
  const state = {run: null, results: new Map(), failures: [], cursor: 0};
  const title = el('h1', {}, 'Run #' + id);
  const summary = el('div', {class: 'card', id: 'summary'});
  const timeline = el('div', {class: 'card', id: 'timeline'});
  const failures = el('div', {id: 'failures'});
  view.append(title, summary, el('h2', {}, 'Timeline'), timeline,
              el('h2', {}, 'Failures'), failures);

  function renderSummary() {
    const run = state.run;
    clear(summary);
    const c = run.counts;
    const done = c.total - c.left;
    const width = 1000;
    const bar = svg('svg', {viewBox: '0 0 ' + width + ' 14', width: '100%', height: 14, id: 'progress', preserveAspectRatio: 'none'},
      svg('rect', {class: 'bar-bg', x: 0, y: 0, width, height: 14}));
    let x = 0;
    for (const [key, status] of [['passed', 'PASSED'], ['flaky', 'FLAKY'], ['skipped', 'SKIPPED'], ['failed', 'FAILED'], ['not_run', 'NOT_RUN']]) {
      const w = c.total ? width * c[key] / c.total : 0;
      if (w > 0) bar.appendChild(svg('rect', {class: 'fill-' + status, x, y: 0, width: w, height: 14}));
      x += w;
    }
    const elapsed = run.ended_ms ? run.elapsed_ms : Math.max(0, Date.now() - run.started_ms);
    const count = (key, label) => el('div', {class: 'c-' + key, 'data-count': key},
      el('div', {class: 'value'}, c[key]), el('div', {class: 'label'}, label));
    summary.append(
      el('p', {}, badge(run.status), ' ', run.binary, ' on ', run.host,
         run.label ? ' · ' + run.label : '', ' · started ', fmtTime(run.started_ms)),
      bar,
      el('div', {class: 'counts'},
        count('passed', 'passed'), count('failed', 'failed'), count('skipped', 'skipped'),
        count('flaky', 'flaky'), count('left', 'left'),
        el('div', {}, el('div', {class: 'value', id: 'done'}, done + ' / ' + c.total), el('div', {class: 'label'}, 'done')),
        el('div', {}, el('div', {class: 'value', id: 'elapsed'}, fmtDuration(elapsed)), el('div', {class: 'label'}, 'elapsed')),
        el('div', {}, el('div', {class: 'value', id: 'eta'}, run.ended_ms ? '–' : fmtDuration(run.eta_ms)), el('div', {class: 'label'}, 'left (estimate)'))));
    // The build shipped to generic workers: what crossed the wire, what was cached.
    if (run.shipping && run.shipping.length > 0) {
      const table = el('table', {id: 'shipping'}, el('tr', {},
        el('th', {}, 'Build shipped to'), el('th', {class: 'num'}, 'Files shipped'),
        el('th', {class: 'num'}, 'Bytes shipped'), el('th', {class: 'num'}, 'Time'),
        el('th', {class: 'num'}, 'Files cached'), el('th', {class: 'num'}, 'Bytes cached')));
      for (const s of run.shipping) {
        table.appendChild(el('tr', {'data-worker': s.worker},
          el('td', {class: 'name'}, s.worker),
          el('td', {class: 'num'}, s.files_shipped + ' of ' + s.files_total),
          el('td', {class: 'num', 'data-bytes-shipped': s.bytes_shipped}, fmtBytes(s.bytes_shipped)),
          el('td', {class: 'num'}, fmtDuration(s.elapsed_ms)),
          el('td', {class: 'num'}, s.files_total - s.files_shipped),
          el('td', {class: 'num'}, fmtBytes(s.bytes_cached))));
      }
      summary.appendChild(table);
    }
  }

  // One lane per worker slot: a worker's results packed greedily into the
  // fewest lanes where none overlaps, which is what its slots did.
  function renderTimeline() {
    clear(timeline);
    const results = [...state.results.values()].filter((r) => r.started_ms > 0);
    if (results.length === 0) { timeline.appendChild(el('p', {class: 'muted'}, 'No test has finished yet.')); return; }
    const start = Math.min(...results.map((r) => r.started_ms));
    const end = Math.max(...results.map((r) => r.started_ms + Math.max(1, r.elapsed_ms)));
    const span = Math.max(1, end - start);
    const lanes = [];  // {worker, ends}
    const byWorker = new Map();
    for (const r of results.sort((a, b) => a.started_ms - b.started_ms)) {
      const worker = r.worker || 'unknown';
      if (!byWorker.has(worker)) byWorker.set(worker, []);
      const mine = byWorker.get(worker);
      let lane = mine.find((l) => l.ends <= r.started_ms);
      if (!lane) { lane = {worker, ends: 0, slot: mine.length, items: []}; mine.push(lane); }
      lane.ends = r.started_ms + r.elapsed_ms;
      lane.items.push(r);
    }
    for (const mine of byWorker.values()) lanes.push(...mine);
    const labelWidth = 160, width = 1000, laneHeight = 18;
    const chart = svg('svg', {viewBox: '0 0 ' + width + ' ' + (lanes.length * laneHeight + 20), width: '100%', id: 'lanes'});
    lanes.forEach((lane, i) => {
      const y = i * laneHeight;
      chart.appendChild(svg('text', {class: 'lane-label', x: 0, y: y + 13}, lane.worker + ' #' + (lane.slot + 1)));
      for (const r of lane.items) {
        const x = labelWidth + (width - labelWidth) * (r.started_ms - start) / span;
        const w = Math.max(1, (width - labelWidth) * r.elapsed_ms / span);
        chart.appendChild(svg('rect', {class: 'fill-' + r.status, x, y: y + 2, width: w, height: laneHeight - 4},
          svg('title', {}, r.test + ' · ' + r.status + ' · ' + fmtDuration(r.elapsed_ms))));
      }
    });
    const axisY = lanes.length * laneHeight + 14;
    chart.append(svg('text', {class: 'axis-label', x: labelWidth, y: axisY}, '0 s'),
                 svg('text', {class: 'axis-label', x: width - 60, y: axisY}, fmtDuration(span)));
    timeline.appendChild(chart);
  }

  function renderFailure(f) {
    const card = el('div', {class: 'card failure', 'data-test': f.test});
    card.appendChild(el('div', {}, badge(f.status), ' ',
      f.quarantined ? el('span', {class: 'badge quarantined', title: f.quarantined}, 'QUARANTINED') : null,
      f.quarantined ? ' ' : null, testLink(f.test),
      f.worker ? el('span', {class: 'muted'}, ' on ' + f.worker) : null,
      el('span', {class: 'muted'}, ' · ' + fmtDuration(f.elapsed_ms))));
    for (const m of f.messages) {
      const where = (m.file || 'unknown file') + (m.line !== null ? ':' + m.line : '');
      card.append(el('div', {class: 'where'}, where), el('pre', {class: 'message'}, m.message));
    }
    if (f.output) {
      card.appendChild(el('details', {}, el('summary', {}, 'Output (' + f.output_bytes + ' bytes)'),
        el('pre', {class: 'output'}, f.output),
        f.output_truncated ? el('a', {href: '/api/results/' + f.id + '/output', target: '_blank', rel: 'noopener'},
          'Truncated: the whole output') : null));
    }
    if (f.triage) card.appendChild(el('div', {}, el('span', {class: 'badge triage'}, f.triage)));
    const outputs = artifactLinks(f);
    if (outputs) card.appendChild(el('div', {}, el('span', {class: 'muted'}, 'Test outputs: '), outputs));
    // The exact replay (its process's tests before it, in order, the seed and
    // --dist-env) when the run recorded it; else the test alone.
    card.appendChild(el('div', {}, el('span', {class: 'muted'},
      f.repro_exact ? 'Reproduce (its process, in order): ' : 'Run it alone: '),
      el('code', {class: 'repro'}, f.repro)));
    return card;
  }
  function renderFailures() {
    clear(failures);
    if (state.failures.length === 0) failures.appendChild(el('p', {class: 'muted', id: 'no-failures'}, 'No failures so far.'));
    for (const f of state.failures) failures.appendChild(renderFailure(f));
  }

  let dirty = false;
  function apply(doc) {
    state.run = doc.run;
    for (const r of doc.results) state.results.set(r.id, r);
    for (const f of doc.failures) state.failures.push(f);
    state.cursor = doc.cursor;
    dirty = true;
  }
  function render() {
    if (!dirty || !state.run) return;
    dirty = false;
    renderSummary(); renderTimeline(); renderFailures();
  }

  (async () => {
    let doc;
    try { doc = await api('/api/runs/' + id); } catch (e) { showError(view, e); return; }
    apply(doc);
    render();
    every(500, render);
    if (state.run.ended_ms) return;
    // Live: the server streams what the store records, from our cursor on.
    const live = document.getElementById('live');
    const source = new EventSource('/api/runs/' + id + '/events?cursor=' + state.cursor);
    live.textContent = 'live';
    cleanups.push(() => { source.close(); live.textContent = ''; });
    source.onmessage = (event) => {
      const delta = JSON.parse(event.data);
      apply(delta);
      if (delta.finished) { source.close(); live.textContent = ''; render(); }
    };
    source.addEventListener('gone', () => { source.close(); live.textContent = 'run no longer in the store'; });
    every(1000, () => { if (state.run && !state.run.ended_ms) dirty = true; });  // elapsed ticks
  })();
}

// ---------------------------------------------------------------- one test

async function testPage(name) {
  view.appendChild(el('h1', {}, name));
  let doc;
  try { doc = await api('/api/tests/' + encodeURIComponent(name)); } catch (e) { showError(view, e); return; }
  const runs = doc.runs;
  view.appendChild(el('div', {class: 'card'},
    el('p', {}, 'Ran in ' + doc.run_count + ' runs; failed in ' + doc.failed + ', passed in ' + doc.passed + '. Flake rate: ',
       el('strong', {id: 'flake-rate'}, (100 * doc.flake_rate).toFixed(1) + ' %')),
    el('p', {}, 'Failed on: ', doc.failed_on.length ? el('span', {id: 'failed-on'}, doc.failed_on.join(', ')) : el('span', {class: 'muted'}, 'no machine'))));

  // Pass/fail strip: one square per run, oldest first, each a link to its run.
  view.appendChild(el('h2', {}, 'Recent runs'));
  const strip = svg('svg', {width: Math.max(20, runs.length * 14), height: 14, id: 'strip'});
  runs.forEach((r, i) => {
    strip.appendChild(svg('a', {href: '#/runs/' + r.run_id},
      svg('rect', {class: 'fill-' + r.status, x: i * 14, y: 0, width: 12, height: 14},
        svg('title', {}, 'run #' + r.run_id + ' · ' + r.status + ' · ' + fmtDuration(r.elapsed_ms)))));
  });
  view.appendChild(el('div', {class: 'card'}, strip));

  view.appendChild(el('h2', {}, 'Duration'));
  view.appendChild(el('div', {class: 'card'}, trendChart(runs, doc.changes)));

  const table = el('table', {},
    el('tr', {}, el('th', {}, 'Run'), el('th', {}, 'Status'), el('th', {}, 'Started'),
       el('th', {}, 'Host'), el('th', {}, 'Worker'), el('th', {class: 'num'}, 'Duration'),
       el('th', {}, 'Ran under'), el('th', {}, 'Test outputs')));
  for (const r of runs.slice().reverse()) {
    table.appendChild(el('tr', {}, el('td', {}, runLink(r.run_id)), el('td', {}, badge(r.status)),
      el('td', {}, fmtTime(r.started_ms)), el('td', {}, r.host), el('td', {}, r.worker),
      el('td', {class: 'num'}, fmtDuration(r.elapsed_ms)),
      el('td', {class: 'isolation'}, r.isolation || ''), el('td', {}, artifactLinks(r))));
  }
  view.append(el('h2', {}, 'Results'), table);
}

// Duration over runs, with the points where it changed level marked.
function trendChart(runs, changes) {
  const width = 1000, height = 240, left = 60, right = 10, top = 10, bottom = 30;
  const chart = svg('svg', {viewBox: '0 0 ' + width + ' ' + height, width: '100%', id: 'trend'});
  if (runs.length === 0) return chart;
  const max = Math.max(1, ...runs.map((r) => r.elapsed_ms));
  const xOf = (i) => left + (runs.length === 1 ? 0 : (width - left - right) * i / (runs.length - 1));
  const yOf = (ms) => top + (height - top - bottom) * (1 - ms / max);
  chart.append(
    svg('line', {class: 'axis', x1: left, y1: yOf(0), x2: width - right, y2: yOf(0)}),
    svg('line', {class: 'axis', x1: left, y1: top, x2: left, y2: yOf(0)}),
    svg('text', {class: 'axis-label', x: 4, y: top + 10}, fmtDuration(max)),
    svg('text', {class: 'axis-label', x: 4, y: yOf(0)}, '0'),
    svg('text', {class: 'axis-label', x: left, y: height - 8}, 'run #' + runs[0].run_id),
    svg('text', {class: 'axis-label', x: width - right - 70, y: height - 8}, 'run #' + runs[runs.length - 1].run_id));
  for (const i of changes) {
    const before = runs[i - 1] ? runs[i - 1].elapsed_ms : 0;
    chart.append(
      svg('line', {class: 'change-line', x1: xOf(i), y1: top, x2: xOf(i), y2: yOf(0)}),
      // Labels right of the line in the left half, left of it in the right half.
      svg('text', {class: 'change-label', y: top + 12, x: xOf(i) + (xOf(i) > width / 2 ? -4 : 4),
                   'text-anchor': xOf(i) > width / 2 ? 'end' : 'start'},
        'changed at run #' + runs[i].run_id + ': ' + fmtDuration(before) + ' → ' + fmtDuration(runs[i].elapsed_ms)));
  }
  chart.appendChild(svg('polyline', {class: 'trend-line', points: runs.map((r, i) => xOf(i) + ',' + yOf(r.elapsed_ms)).join(' ')}));
  runs.forEach((r, i) => chart.appendChild(svg('circle', {class: 'trend-point' + (r.failed ? ' failed' : ''), cx: xOf(i), cy: yOf(r.elapsed_ms), r: 3},
    svg('title', {}, 'run #' + r.run_id + ': ' + fmtDuration(r.elapsed_ms) + ' ' + r.status))));
  return chart;
}

// ---------------------------------------------------------------- flaky, failures

const PERIODS = [['', 'all time'], ['24', 'last 24 hours'], ['168', 'last 7 days'], ['720', 'last 30 days']];

function periodParams(query, names) {
  const params = {};
  for (const n of names) if (query.get(n)) params[n] = query.get(n);
  if (query.get('hours')) params.since = String(Date.now() - Number(query.get('hours')) * 3600 * 1000);
  return params;
}

async function flakyPage(query) {
  view.append(el('h1', {}, 'Flaky tests'), filterForm('flaky', [
    {name: 'host', label: 'Host'}, {name: 'test', label: 'Test contains'},
    {name: 'hours', label: 'Period', options: PERIODS}], query));
  let doc;
  try { doc = await api('/api/flaky' + queryString(periodParams(query, ['host', 'test']))); } catch (e) { showError(view, e); return; }
  const table = el('table', {id: 'flaky'}, el('tr', {}, el('th', {}, 'Test'), el('th', {class: 'num'}, 'Runs'),
    el('th', {class: 'num'}, 'Failed'), el('th', {class: 'num'}, 'Passed'), el('th', {class: 'num'}, 'Flake rate'),
    el('th', {}, 'Last failure')));
  for (const t of doc.tests) {
    table.appendChild(el('tr', {}, el('td', {class: 'name'}, testLink(t.test)), el('td', {class: 'num'}, t.runs),
      el('td', {class: 'num'}, t.failed), el('td', {class: 'num'}, t.passed),
      el('td', {class: 'num'}, (100 * t.flake_rate).toFixed(1) + ' %'), el('td', {}, fmtTime(t.last_failure_ms))));
  }
  if (doc.tests.length === 0) table.appendChild(el('tr', {}, el('td', {colspan: 6, class: 'muted'}, 'No flaky test in this period.')));
  view.appendChild(table);
}

async function failuresPage(query) {
  view.append(el('h1', {}, 'Failures'), filterForm('failures', [
    {name: 'host', label: 'Host'}, {name: 'test', label: 'Test contains'},
    {name: 'hours', label: 'Period', options: PERIODS}], query));
  let doc;
  try { doc = await api('/api/failures' + queryString(periodParams(query, ['host', 'test']))); } catch (e) { showError(view, e); return; }
  const table = el('table', {id: 'failure-list'}, el('tr', {}, el('th', {}, 'When'), el('th', {}, 'Run'),
    el('th', {}, 'Test'), el('th', {}, 'Status'), el('th', {}, 'Host'), el('th', {}, 'Message')));
  for (const f of doc.failures) {
    const first = f.messages.length ? f.messages[0] : null;
    table.appendChild(el('tr', {}, el('td', {}, fmtTime(f.started_ms)), el('td', {}, runLink(f.run_id)),
      el('td', {class: 'name'}, testLink(f.test)), el('td', {}, badge(f.status)),
      el('td', {}, f.worker && f.worker !== 'local' ? f.worker : f.host),
      el('td', {}, first ? el('pre', {class: 'message'}, first.message.split('\n').slice(0, 4).join('\n')) : '')));
  }
  if (doc.failures.length === 0) table.appendChild(el('tr', {}, el('td', {colspan: 6, class: 'muted'}, 'No failures in this period.')));
  if (doc.failures.length > 0) view.appendChild(failureGroups(doc.failures));
  view.appendChild(table);
}

// The failures above counted by signature (first failed assertion with the
// numbers masked, or the crash), most frequent first.
function failureGroups(failures) {
  const groups = new Map();
  for (const f of failures) {
    const key = f.signature || '';
    if (!groups.has(key)) groups.set(key, {signature: key, count: 0, tests: new Set(), runs: new Set(), last: 0});
    const g = groups.get(key);
    g.count++; g.tests.add(f.test); g.runs.add(f.run_id); g.last = Math.max(g.last, f.started_ms);
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count);
  const table = el('table', {id: 'failure-groups'}, el('tr', {}, el('th', {}, 'Signature'),
    el('th', {class: 'num'}, 'Failures'), el('th', {class: 'num'}, 'Tests'), el('th', {class: 'num'}, 'Runs'),
    el('th', {}, 'Last')));
  for (const g of sorted) {
    table.appendChild(el('tr', {'data-signature': g.signature},
      el('td', {}, el('code', {}, g.signature || '(no signature)')), el('td', {class: 'num'}, g.count),
      el('td', {class: 'num'}, g.tests.size), el('td', {class: 'num'}, g.runs.size), el('td', {}, fmtTime(g.last))));
  }
  return el('div', {}, el('h2', {}, 'By signature'), table, el('h2', {}, 'Every failure'));
}

// ---------------------------------------------------------------- router

function route() {
  for (const stop of cleanups) stop();
  cleanups = [];
  clear(view);
  const {path, query} = parseHash();
  const page = path[0] || 'runs';
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', a.getAttribute('data-nav') === page);
  }
  if (page === 'runs' && path[1]) {
    runPage(Number(path[1]));
  } else if (page === 'tests' && path[1]) {
    testPage(decodeURIComponent(path.slice(1).join('/')));
  } else if (page === 'flaky') {
    flakyPage(query);
  } else if (page === 'failures') {
    failuresPage(query);
  } else {
    runsPage(query);
  }
}

window.addEventListener('hashchange', route);
route();

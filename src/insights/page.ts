/**
 * The insights page: one HTML document with its CSS and script inline, so it works offline and
 * with no build step. The script draws every figure with textContent (keys and tags never
 * become markup) from `data` once, then from each `snapshot` event of `events`.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prisma-query-cache insights</title>
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --good: #16a34a; --bad: #dc2626; --warn: #d97706; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
  header { display: flex; align-items: center; gap: 16px; padding: 14px 24px; background: var(--ink); color: #fff; }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; }
  header .spacer { flex: 1; }
  .pill { padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #4b5563; }
  .pill.live { background: var(--good); } .pill.down { background: var(--bad); }
  header .meta { font-size: 12px; color: #cbd5e1; }
  main { padding: 20px 24px 40px; max-width: 1400px; margin: 0 auto; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 20px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .card .value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 20px; overflow: hidden; }
  section h2 { font-size: 14px; margin: 0; padding: 10px 14px; border-bottom: 1px solid var(--line); background: #fafbfc; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 7px 14px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; white-space: normal; overflow-wrap: anywhere; }
  td.key { max-width: 360px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; word-break: normal; color: var(--muted); }
  tr:last-child td { border-bottom: 0; }
  .bar { display: inline-block; width: 90px; height: 8px; background: var(--line); border-radius: 4px; vertical-align: middle; margin-right: 8px; overflow: hidden; }
  .bar > span { display: block; height: 100%; background: var(--accent); }
  .empty { color: var(--muted); padding: 12px 14px; }
  .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
  @media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
  .code { color: var(--bad); font-weight: 600; }
  .ok { color: var(--good); font-weight: 600; } .notok { color: var(--bad); font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>prisma-query-cache insights</h1>
  <span id="status" class="pill">connecting</span>
  <span class="spacer"></span>
  <span class="meta" id="health">store: …</span>
  <span class="meta" id="updated"></span>
</header>
<main>
  <div class="cards">
    <div class="card"><div class="label">Hit rate</div><div class="value" id="hit-rate">–</div></div>
    <div class="card"><div class="label">Hits</div><div class="value" id="total-hits">–</div></div>
    <div class="card"><div class="label">Misses</div><div class="value" id="total-misses">–</div></div>
    <div class="card"><div class="label">Stale</div><div class="value" id="total-stale">–</div></div>
    <div class="card"><div class="label">DB time saved</div><div class="value" id="total-saved">–</div></div>
    <div class="card"><div class="label">Invalidations</div><div class="value" id="total-invalidations">–</div></div>
    <div class="card"><div class="label">Errors</div><div class="value" id="total-errors">–</div></div>
  </div>
  <section>
    <h2>Hit rate by model</h2>
    <table id="models"><thead><tr><th>Model</th><th class="num">Hits</th><th class="num">Misses</th><th class="num">Stale</th><th>Hit rate</th><th class="num">DB time saved</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Top queries by database time saved</h2>
    <table id="queries"><thead><tr><th>Model</th><th>Operation</th><th>Argument shape</th><th class="num">Hits</th><th class="num">Misses</th><th class="num">Saved</th><th class="num">Last query</th><th>Example key</th></tr></thead><tbody></tbody></table>
  </section>
  <div class="cols">
    <section>
      <h2>Recent invalidations</h2>
      <table id="invalidations"><thead><tr><th>Time</th><th>Source</th><th>Tags</th></tr></thead><tbody></tbody></table>
    </section>
    <section>
      <h2>Recent errors</h2>
      <table id="errors"><thead><tr><th>Time</th><th>Code</th><th>Message</th><th>Where</th></tr></thead><tbody></tbody></table>
    </section>
  </div>
</main>
<script>
(function () {
  'use strict';
  function byId(id) { return document.getElementById(id); }
  function text(id, value) { byId(id).textContent = value; }
  function pct(x) { return (x * 100).toFixed(1) + '%'; }
  function int(n) { return Number(n).toLocaleString('en-US'); }
  function ms(n) {
    if (n < 1) return n.toFixed(2) + ' ms';
    if (n < 1000) return n.toFixed(1) + ' ms';
    if (n < 120000) return (n / 1000).toFixed(2) + ' s';
    return (n / 60000).toFixed(1) + ' min';
  }
  function time(at) { return new Date(at).toLocaleTimeString('en-GB'); }
  function cell(row, value, cls, field) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    if (field) td.setAttribute('data-field', field);
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    row.appendChild(td);
    return td;
  }
  function fill(tableId, items, columns, empty, attrs) {
    var body = byId(tableId).tBodies[0];
    var rows = [];
    items.forEach(function (item) {
      var tr = document.createElement('tr');
      if (attrs) attrs(tr, item);
      columns.forEach(function (c) { cell(tr, c[0](item), c[1], c[2]); });
      rows.push(tr);
    });
    if (rows.length === 0) {
      var tr = document.createElement('tr');
      var td = cell(tr, empty, 'empty');
      td.colSpan = columns.length;
      rows.push(tr);
    }
    body.replaceChildren.apply(body, rows);
  }
  function rateBar(rate) {
    var wrap = document.createElement('span');
    var bar = document.createElement('span'); bar.className = 'bar';
    var inner = document.createElement('span'); inner.style.width = (rate * 100).toFixed(1) + '%';
    bar.appendChild(inner); wrap.appendChild(bar);
    wrap.appendChild(document.createTextNode(pct(rate)));
    return wrap;
  }
  function render(s) {
    var st = s.stats;
    text('hit-rate', pct(st.hitRate));
    text('total-hits', int(st.hits));
    text('total-misses', int(st.misses));
    text('total-stale', int(st.stale));
    var saved = 0;
    Object.keys(st.byModel).forEach(function (m) { saved += st.byModel[m].savedMs; });
    text('total-saved', ms(saved));
    text('total-invalidations', int(st.invalidations));
    text('total-errors', int(st.errors));
    var models = Object.keys(st.byModel).sort().map(function (m) { var v = st.byModel[m]; v.model = m; return v; });
    fill('models', models, [
      [function (m) { return m.model; }, '', 'model'],
      [function (m) { return int(m.hits); }, 'num', 'hits'],
      [function (m) { return int(m.misses); }, 'num', 'misses'],
      [function (m) { return int(m.stale); }, 'num', 'stale'],
      [function (m) { return rateBar(m.hitRate); }, '', 'hitRate'],
      [function (m) { return ms(m.savedMs); }, 'num', 'savedMs']
    ], 'No cached reads yet.', function (tr, m) { tr.setAttribute('data-model', m.model); });
    fill('queries', s.topQueries, [
      [function (q) { return q.model; }, '', 'model'],
      [function (q) { return q.operation; }, '', 'operation'],
      [function (q) { return q.shape; }, 'mono', 'shape'],
      [function (q) { return int(q.hits); }, 'num', 'hits'],
      [function (q) { return int(q.misses); }, 'num', 'misses'],
      [function (q) { return ms(q.savedMs); }, 'num', 'savedMs'],
      [function (q) { return ms(q.lastQueryMs); }, 'num', 'lastQueryMs'],
      [function (q) { return q.exampleKey; }, 'mono key', 'key']
    ], 'No queries yet.', function (tr, q) { tr.title = q.exampleKey; });
    fill('invalidations', s.invalidations, [
      [function (i) { return time(i.at); }, ''],
      [function (i) { return [i.model, i.operation].filter(Boolean).join('.') || '$cache.invalidate'; }, ''],
      [function (i) { return i.tags.join(' '); }, 'mono']
    ], 'No invalidations yet.');
    fill('errors', s.errors, [
      [function (e) { return time(e.at); }, ''],
      [function (e) { return e.code; }, 'code'],
      [function (e) { return e.message; }, 'mono'],
      [function (e) { return [e.model, e.operation].filter(Boolean).join('.'); }, '']
    ], 'No errors.');
    var h = s.health;
    var health = byId('health');
    health.replaceChildren();
    if (h) {
      var state = document.createElement('span');
      state.className = h.ok ? 'ok' : 'notok';
      state.textContent = h.ok ? 'ok' : 'down';
      health.append('store ' + h.store.kind + ': ', state, ' · ' + ms(h.store.latencyMs) + ' · breaker ' + h.store.breaker + (h.bus ? ' · bus ' + (h.bus.ok ? 'ok' : 'down') : ''));
    }
    text('updated', 'updated ' + time(s.at));
  }
  function status(label, cls) { var el = byId('status'); el.textContent = label; el.className = 'pill ' + cls; }
  fetch('data').then(function (r) { return r.json(); }).then(render).catch(function () {});
  var events = new EventSource('events');
  events.addEventListener('snapshot', function (e) { render(JSON.parse(e.data)); status('live', 'live'); });
  events.onopen = function () { status('live', 'live'); };
  events.onerror = function () { status('reconnecting', 'down'); };
})();
</script>
</body>
</html>
`

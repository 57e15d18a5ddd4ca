import { createHash } from 'crypto';

/**
 * The board's two static files. They are served (and exported) as files, never inlined, so the page's
 * Content-Security-Policy allows scripts and styles from its own origin only.
 */

export const BOARD_CSS = `:root{color-scheme:light;--fail:#b3261e;--fail-bg:#fde7e4;--wait:#8a5a00;--wait-bg:#fff3d6;--ok:#1e6b34;--ok-bg:#e3f4e7;--muted:#5f6368;--line:#d5d8dc;--unknown-bg:#eef0f3}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f7f8fa}
header,main{max-width:1400px;margin:0 auto;padding:12px 16px}
header{border-bottom:1px solid var(--line);background:#fff;max-width:none}
h1{font-size:1.35rem;margin:0 0 4px}
h2{font-size:1.15rem;margin:20px 0 8px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}
.meta{color:var(--muted);margin:0;overflow-wrap:anywhere}
a{color:#0b57d0}
.warnings{background:var(--wait-bg);border:1px solid var(--wait);padding:8px 12px;border-radius:6px}
form.filter{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin-top:12px}
form.filter label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
form.filter input,form.filter select,form.filter button{font:inherit;padding:6px 8px;min-height:36px;border:1px solid #9aa0a6;border-radius:6px;background:#fff}
form.filter input{min-width:14em}
.envs{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}
.env{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px;border-left-width:6px}
.env h3{margin:0 0 6px;font-size:1.05rem}
.env dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:0}
.env dt{color:var(--muted)}
.env dd{margin:0;overflow-wrap:anywhere}
.problems{margin:6px 0 0;padding-left:18px;color:var(--fail)}
.problems li{margin:2px 0}
.table-wrap{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:8px}
table.pipeline{border-collapse:collapse;width:100%}
.pipeline th,.pipeline td{border-bottom:1px solid var(--line);padding:8px 10px;text-align:left;vertical-align:top}
.pipeline thead th{background:#eef1f5;position:sticky;top:0}
.pipeline tbody th{white-space:nowrap}
.cell{min-width:220px;border-left:4px solid transparent}
.state-healthy{border-left-color:var(--ok)}
.state-failed{border-left-color:var(--fail);background:var(--fail-bg)}
.state-unverified{border-left-color:#9aa0a6}
.state-not-released{color:var(--muted)}
.env.state-healthy{border-left-color:var(--ok)}
.env.state-failed{border-left-color:var(--fail);background:var(--fail-bg)}
.env.state-unverified{border-left-color:#9aa0a6}
.badge{display:inline-block;font-size:.78rem;font-weight:600;padding:1px 7px;border-radius:10px;background:var(--unknown-bg);margin-left:4px}
.badge.healthy,.verdict-pass{background:var(--ok-bg);color:var(--ok)}
.badge.failed,.badge.rolled-back,.badge.refused,.verdict-fail{background:var(--fail-bg);color:var(--fail)}
.verdict-wait{background:var(--wait-bg);color:var(--wait)}
.who,.message{display:block;color:var(--muted);font-size:.85rem;overflow-wrap:anywhere}
.message{color:#3c4043;white-space:pre-wrap}
.reason{display:block;color:var(--fail);font-size:.85rem;overflow-wrap:anywhere}
.pending{margin-top:6px;padding:6px 8px;border:1px dashed #9aa0a6;border-radius:6px;background:#fff}
.pending p{margin:0 0 4px;font-size:.85rem}
.gates{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
.gate{font-size:.8rem;padding:1px 7px;border-radius:10px;white-space:nowrap}
.pending details{font-size:.82rem;margin-top:4px}
.pending dl{margin:4px 0 0}
.pending dt{font-weight:600}
.pending dd{margin:0 0 4px;overflow-wrap:anywhere}
.timeline{background:#fff;border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:6px 12px}
.timeline summary{cursor:pointer;font-weight:600}
.timeline ol{list-style:none;padding:0;margin:6px 0}
.timeline li{padding:4px 0;border-top:1px solid var(--line);overflow-wrap:anywhere}
.action{display:inline-block;min-width:5.5em;font-weight:600}
time{white-space:nowrap}
[hidden]{display:none!important}
@media (max-width:720px){
  header,main{padding:10px}
  form.filter input{min-width:0;width:100%}
  form.filter label{flex:1 1 100%}
  .table-wrap{overflow:visible;background:none;border:0}
  table.pipeline,.pipeline tbody,.pipeline tr,.pipeline th,.pipeline td{display:block;width:100%}
  .pipeline thead{display:none}
  .pipeline tr{background:#fff;border:1px solid var(--line);border-radius:8px;margin-bottom:10px}
  .pipeline tbody th{font-size:1.05rem;border-bottom:1px solid var(--line)}
  .pipeline td::before{content:attr(data-label);display:block;font-size:.78rem;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
  .cell{min-width:0}
}
`;

// Progressive enhancement only: the static export and the served page are complete without it. It filters
// rows as one types (same rules as filter.ts), keeps the filter in the address, and on the served page
// reloads when the board's version changes.
export const BOARD_JS = `(function () {
  'use strict';
  var form = document.getElementById('filter');
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-app]'));
  var count = document.getElementById('filter-count');
  var total = rows.length;
  function value(name) {
    var field = form.elements.namedItem(name);
    return field ? String(field.value).trim().toLowerCase() : '';
  }
  function matches(row, app, env, state) {
    if (app && row.getAttribute('data-app').indexOf(app) < 0) { return false; }
    var words = row.getAttribute('data-states').split(' ');
    if (env && !words.some(function (word) { return word.indexOf(env + ':') === 0; })) { return false; }
    if (!state) { return true; }
    return words.some(function (word) { return env ? word === env + ':' + state : word.slice(word.indexOf(':') + 1) === state; });
  }
  function apply() {
    var app = value('app'), env = value('env'), state = value('state'), shown = 0;
    var tables = {};
    rows.forEach(function (row) {
      var visible = matches(row, app, env, state);
      row.hidden = !visible;
      if (visible) { shown++; }
      var table = row.closest('section');
      tables[table.id] = (tables[table.id] || 0) + (visible ? 1 : 0);
      table.setAttribute('data-shown', String(tables[table.id]));
    });
    Array.prototype.forEach.call(document.querySelectorAll('section.pipeline-section'), function (section) {
      section.hidden = (tables[section.id] || 0) === 0;
    });
    if (count) { count.textContent = shown + ' of ' + total + ' rows'; }
    var query = new URLSearchParams();
    if (app) { query.set('app', app); }
    if (env) { query.set('env', env); }
    if (state) { query.set('state', state); }
    var search = query.toString();
    history.replaceState(null, '', search ? '?' + search : location.pathname);
  }
  if (form) {
    var initial = new URLSearchParams(location.search);
    ['app', 'env', 'state'].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && initial.get(name) !== null && document.body.getAttribute('data-mode') === 'static') { field.value = initial.get(name); }
    });
    form.hidden = false;
    var timer;
    form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(apply, 80); });
    form.addEventListener('submit', function (event) { event.preventDefault(); apply(); });
    if (location.search) { apply(); }
  }
  var version = document.body.getAttribute('data-version');
  if (document.body.getAttribute('data-mode') === 'live' && version) {
    setInterval(function () {
      fetch('version', { cache: 'no-store' }).then(function (response) { return response.ok ? response.text() : version; })
        .then(function (latest) { if (latest.trim() !== version) { location.reload(); } })
        .catch(function () {});
    }, 5000);
  }
})();
`;

/** First 16 hex digits of the file's sha256: a cache-busting query on links, and an ETag. */
export function assetVersion(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

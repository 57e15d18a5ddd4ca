import { createHash } from 'crypto';
import { BoardFilter, FILTER_STATES, NO_FILTER, rowMatches, rowStates } from './filter';
import { html, safeUrl, SafeHtml } from './html';
import { Board, Cell, ClusterView, EnvironmentPanel, Pipeline, ReconcileView, Row } from './model';
import { assetVersion, BOARD_CSS, BOARD_JS } from './private/assets';
import type { HistoryEntry } from '../promotion/history';
import { shortImage } from '../promotion/image-version';

/**
 * The page's policy: nothing inline, nothing from elsewhere; `connect-src` only where the page polls its
 * server. The served page's header adds `frame-ancestors 'none'`, which browsers ignore in a meta element.
 */
export function contentSecurityPolicy(live: boolean, header = false): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${live ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'self'",
    ...(header ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

export interface RenderOptions {
  /** Served live: the page polls `version` and reloads when the board changes. */
  readonly live: boolean;
  /** Rows shown (the served page filters on the server); the static export shows every row. */
  readonly filter?: BoardFilter;
  /** Shown at the top when the last refresh of a served board failed. */
  readonly refreshError?: string;
}

/** The files of the board: `index.html`, `board.css`, `board.js` (names relative to the page). */
export const ASSETS: ReadonlyArray<{ readonly name: string; readonly contentType: string; readonly text: string }> = [
  { name: 'board.css', contentType: 'text/css; charset=utf-8', text: BOARD_CSS },
  { name: 'board.js', contentType: 'text/javascript; charset=utf-8', text: BOARD_JS },
];

/** What changed for a person: the board without the instant it was made (a served page reloads when this changes). */
export function boardVersion(board: Board): string {
  return createHash('sha256').update(JSON.stringify({ ...board, generatedAt: undefined })).digest('hex').slice(0, 16);
}

/** The whole page. Pure; every text from the env repo goes through `html`, which escapes it. */
export function renderBoard(board: Board, options: RenderOptions): string {
  const filter = options.filter ?? NO_FILTER;
  const environments = board.pipelines.length === 0 ? [] : [...new Set(board.pipelines.flatMap((pipeline) => pipeline.stages))].sort();
  const totalRows = board.pipelines.reduce((sum, pipeline) => sum + pipeline.rows.length, 0);
  const shownRows = board.pipelines.reduce((sum, pipeline) => sum + pipeline.rows.filter((row) => rowMatches(row, filter)).length, 0);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(options.live)}">
<meta name="referrer" content="no-referrer">
${options.live ? html`<noscript><meta http-equiv="refresh" content="30"></noscript>\n` : ''}<title>Promotion board: ${board.repo}</title>
<link rel="stylesheet" href="board.css?v=${assetVersion(BOARD_CSS)}">
<script src="board.js?v=${assetVersion(BOARD_JS)}" defer></script>
</head>
<body data-mode="${options.live ? 'live' : 'static'}" data-version="${boardVersion(board)}">
<header>
<h1>Promotion board</h1>
<p class="meta">${board.repo} · branch <code>${board.branch}</code> at ${commitLink(board, board.commit)} · gates judged at ${instant(board.generatedAt)}${options.live ? ' · live' : ''}</p>
</header>
<main>
${options.refreshError === undefined ? '' : html`<p class="warnings" role="alert">the last refresh failed, this page shows the board before it: ${options.refreshError}</p>`}
${board.warnings.length === 0 ? '' : html`<div class="warnings"><p>read with warnings:</p><ul>${board.warnings.map((warning) => html`<li>${warning}</li>`)}</ul></div>`}
<form class="filter" id="filter" method="get" action="" role="search"${options.live ? '' : new SafeHtml(' hidden')}>
<label>Application<input type="search" name="app" value="${filter.application}" maxlength="128" autocomplete="off" placeholder="name contains…"></label>
<label>Environment<select name="env"><option value="">any</option>${environments.map((name) => html`<option${name === filter.environment ? new SafeHtml(' selected') : ''}>${name}</option>`)}</select></label>
<label>State<select name="state"><option value="">any</option>${FILTER_STATES.map((state) => html`<option${state === filter.state ? new SafeHtml(' selected') : ''}>${state}</option>`)}</select></label>
<button type="submit">Filter</button>
<output id="filter-count" aria-live="polite">${shownRows} of ${totalRows} rows</output>
</form>
<section id="environments" aria-labelledby="environments-title">
<h2 id="environments-title">Environments</h2>
<div class="envs">${board.environments.map((environment) => environmentCard(board, environment))}</div>
</section>
${board.pipelines.map((pipeline, index) => pipelineSection(pipeline, index, filter))}
<section id="history" aria-labelledby="history-title">
<h2 id="history-title">History</h2>
${board.timelines.map((timeline) => html`<details class="timeline" id="history-${timeline.application}">
<summary>${timeline.application} <span class="meta">(${timeline.entries.length} latest events)</span></summary>
<ol>${timeline.entries.map((entry) => historyLine(board, entry))}</ol>
</details>
`)}
</section>
</main>
</body>
</html>
`;
  return page.text;
}

function environmentCard(board: Board, environment: EnvironmentPanel): SafeHtml {
  const last = environment.lastReconcile;
  const state = last === undefined ? 'unverified' : last.verdict === 'healthy' ? 'healthy' : 'failed';
  return html`<article class="env state-${state}" id="env-${environment.name}" data-env="${environment.name}" data-verdict="${last?.verdict ?? 'none'}">
<h3>${environment.name} <span class="meta">cluster ${environment.cluster}</span></h3>
<dl>
<dt>last reconcile</dt><dd>${last === undefined ? 'no verification record yet' : reconcileLine(board, last)}</dd>
${last === undefined ? '' : html`<dt>objects</dt><dd>${last.objects.total} total: ${last.objects.created} created, ${last.objects.configured} configured, ${last.objects.unchanged} unchanged, ${last.objects.pruned} pruned, ${last.objects.failed} failed</dd>`}
<dt>last known good</dt><dd>${environment.lastKnownGood === undefined ? 'none' : reconcileLine(board, environment.lastKnownGood)}</dd>
<dt>applications</dt><dd>${environment.applications} released${environment.requireSignedCommits ? ' · signed commits required' : ''}</dd>
${environment.inCluster === undefined ? '' : clusterLines(board, environment.inCluster)}</dl>
${last === undefined || last.verdict === 'healthy' ? '' : failure(last)}
</article>
`;
}

function clusterLines(board: Board, cluster: ClusterView): SafeHtml {
  const last = cluster.lastReconcile;
  return html`<dt>in the cluster</dt><dd class="cluster" data-found="${String(cluster.found)}">${cluster.found
    ? html`running ${cluster.runningCommit === undefined ? 'nothing yet' : commitLink(board, cluster.runningCommit)}${cluster.healthySince === undefined ? '' : html`, healthy since ${instant(cluster.healthySince)}`}${last === undefined ? '' : html`; last reconcile <span class="badge ${last.verdict}">${last.verdict}</span> ${commitLink(board, last.commit)} at ${instant(last.startedAt)}, ${last.writeRequests} writes, <span class="drift">drift: ${last.driftedObjects} ${last.driftedObjects === 1 ? 'object' : 'objects'}</span>`}`
    : 'no status'} <span class="meta">(${cluster.source})</span></dd>`;
}

function reconcileLine(board: Board, view: ReconcileView): SafeHtml {
  return html`<span class="badge ${view.verdict}">${view.verdict}</span> ${commitLink(board, view.commit)} at ${instant(view.recordedAt)}${view.firstHealthyAt === undefined ? '' : html`, healthy since ${instant(view.firstHealthyAt)}`}`;
}

function failure(view: ReconcileView): SafeHtml {
  if (view.problems.length === 0) {
    return html`<p class="reason">${view.reason ?? view.verdict}</p>`;
  }
  return html`<ul class="problems" aria-label="objects that failed">${view.problems.map((problem) => html`<li class="problem"><code class="object">${problem.object}</code>${problem.constructPath === undefined ? '' : html` <span class="construct-path">(construct <code>${problem.constructPath}</code>)</span>`}: <span class="problem-message">${problem.message}</span></li>`)}</ul>
<details><summary>full reason</summary><p class="reason">${view.reason}</p></details>`;
}

function pipelineSection(pipeline: Pipeline, index: number, filter: BoardFilter): SafeHtml {
  const rows = pipeline.rows.filter((row) => rowMatches(row, filter));
  return html`<section class="pipeline-section" id="pipeline-${index + 1}" aria-labelledby="pipeline-${index + 1}-title"${rows.length === 0 ? new SafeHtml(' hidden') : ''}>
<h2 id="pipeline-${index + 1}-title">Policy ${pipeline.policy}: ${pipeline.stages.join(' → ')}</h2>
<div class="table-wrap"><table class="pipeline">
<thead><tr><th scope="col">Application</th>${pipeline.stages.map((stage) => html`<th scope="col">${stage}</th>`)}</tr></thead>
<tbody>
${rows.map((row) => rowHtml(row))}</tbody>
</table></div>
</section>
`;
}

function rowHtml(row: Row): SafeHtml {
  return html`<tr data-app="${row.application}" data-state="${row.state}" data-states="${rowStates(row.cells).join(' ')}">
<th scope="row"><a href="#history-${row.application}">${row.application}</a></th>
${row.cells.map((cell) => cellHtml(cell))}</tr>
`;
}

function cellHtml(cell: Cell): SafeHtml {
  const label = cell.state === 'failed' ? cell.verdict! : cell.state;
  return html`<td class="cell state-${cell.state}" data-label="${cell.environment}" data-env="${cell.environment}">${cell.image === undefined
    ? html`<span class="badge">not released</span>`
    : html`<code class="image" title="${cell.image}">${cell.shortImage}</code> <span class="badge ${label}">${label}</span>
<span class="who">${cell.by === undefined ? 'by (not recorded)' : html`by ${cell.by}`}${cell.at === undefined ? '' : html` at ${instant(cell.at)}`}</span>
${cell.message === undefined ? '' : html`<span class="message">${cell.message}</span>`}
${cell.reason === undefined ? '' : html`<span class="reason">${cell.reason}</span>`}`}
${cell.pending === undefined ? '' : pendingHtml(cell)}</td>
`;
}

function pendingHtml(cell: Cell): SafeHtml {
  const pending = cell.pending!;
  const outcome = pending.outcome === 'pass' ? 'ready to promote' : pending.outcome === 'wait' ? `waits${pending.eligibleAt === undefined ? '' : ` until ${pending.eligibleAt}`}` : 'blocked';
  return html`<div class="pending outcome-${pending.outcome}" data-from="${pending.from}" data-to="${pending.to}">
<p>${pending.from} → ${pending.to}: <code title="${pending.image}">${pending.shortImage}</code> <span class="badge verdict-${pending.outcome}">${outcome}</span></p>
<ul class="gates" aria-label="gates ${pending.from} to ${pending.to}">${pending.gates.map((gate) => html`<li class="gate verdict-${gate.verdict}" data-gate="${gate.gate}" title="${gate.reason}">${gate.summary}</li>`)}</ul>
<details><summary>why</summary><dl>${pending.riskClass === undefined ? '' : html`<dt>risk</dt><dd class="risk">${pending.riskClass}</dd>`}${pending.gates.map((gate) => html`<dt>${gate.gate}: ${gate.verdict}${gate.until === undefined ? '' : html` until ${instant(gate.until)}`}</dt><dd>${gate.reason}</dd>`)}${pending.notJudged.length === 0 ? '' : html`<dt>${pending.notJudged.join(', ')}: not judged</dt><dd class="not-judged">they depend on the change's risk class, and ${pending.notJudgedReason ?? 'the target was not re-synthesized'}; stagecraft promote --dry-run judges them</dd>`}</dl></details>
</div>`;
}

/** Who signed the step, or why its signature does not vouch for its author (only with trusted keys). */
function signatureNote(entry: HistoryEntry): SafeHtml | string {
  if (entry.signedBy !== undefined) {
    return html` <span class="signed">(signed by ${entry.signedBy})</span>`;
  }
  return entry.signatureProblem === undefined ? '' : html` <span class="badge failed" title="${entry.signatureProblem}">not vouched for by a signature</span>`;
}

function historyLine(board: Board, entry: HistoryEntry): SafeHtml {
  return html`<li>${instant(entry.at)} <span class="action">${entry.action}</span> <strong>${entry.environment}</strong>${entry.image === undefined ? '' : html` <code title="${entry.image}">${shortImage(entry.image)}</code>`}${entry.from === undefined ? '' : html` from ${entry.from}`}${entry.verdict === undefined ? '' : html` <span class="badge ${entry.verdict}">${entry.verdict}</span>`} by ${entry.by}${signatureNote(entry)} · ${commitLink(board, entry.commit)}${entry.message === undefined ? '' : html`<span class="message">${entry.message}</span>`}${entry.gates.length === 0 ? '' : html`<span class="who">gates: ${entry.gates.map((gate) => `${gate.gate}=${gate.verdict}`).join(' ')}</span>`}</li>`;
}

/** `2026-11-23 14:28Z` for people (no wrap), the exact ISO instant for machines. */
function instant(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/:00(\.0+)?Z$/, 'Z')}</time>`;
}

function commitLink(board: Board, commit: string): SafeHtml {
  const short = commit.slice(0, 12);
  const url = board.webUrl === undefined || !/^[0-9a-f]{40,64}$/.test(commit) ? undefined : safeUrl(`${board.webUrl}/commit/${commit}`);
  return url === undefined ? html`<code>${short}</code>` : html`<a href="${url}" rel="noreferrer"><code>${short}</code></a>`;
}

import { HistoryEntry } from '../promotion/history';
import { ApplicationPlan } from '../promotion/plan';
import { PromotionOutcome } from '../promotion/promote';

/** Human rendering of promotion plans and audit trails: plain lines, aligned columns, no colour. */

export function formatOutcome(outcome: PromotionOutcome): string {
  const lines = [`promote ${outcome.from} → ${outcome.to} at ${outcome.at} by ${outcome.by}${outcome.automatic ? ' (--auto)' : ''}`];
  for (const plan of outcome.plans) {
    lines.push('', ...formatPlan(plan));
  }
  if (outcome.skipped.length > 0) {
    lines.push('', 'skipped:');
    for (const entry of outcome.skipped) {
      lines.push(`  ${entry.application}: ${entry.reason}`);
    }
  }
  for (const warning of outcome.warnings) {
    lines.push('', `warning: ${warning}`);
  }
  lines.push('', summaryLine(outcome));
  return lines.join('\n');
}

function summaryLine(outcome: PromotionOutcome): string {
  const names = outcome.plans.map((plan) => plan.application).join(', ');
  switch (outcome.status) {
    case 'promoted':
      return `promoted ${names} to ${outcome.to}: commit ${outcome.commit!.slice(0, 12)}${outcome.signed ? ' (signed)' : ''}`;
    case 'dry-run':
      return `dry run: every gate passes for ${names}; nothing committed`;
    case 'nothing-to-promote':
      return `nothing to promote from ${outcome.from} to ${outcome.to}`;
    case 'blocked': {
      const planned = outcome.plans.filter((plan) => plan.outcome !== 'pass').map((plan) => plan.application);
      const blocked = planned.length > 0 ? planned : outcome.skipped.map((entry) => entry.application);
      const when = outcome.eligibleAt === undefined
        ? 'it needs more than time (see the failing gates)'
        : `every gate passes at ${outcome.eligibleAt} if nothing else changes`;
      return `blocked: ${blocked.join(', ')} cannot be promoted now; ${outcome.plans.length === 0 ? 'nothing was planned' : when}; nothing committed`;
    }
  }
}

export function formatPlan(plan: ApplicationPlan): string[] {
  const lines = [`${plan.application}: ${plan.previousImage ?? '(not released)'} → ${plan.image}`];
  lines.push(`  gates (${plan.outcome}${plan.eligibleAt ? `, all pass at ${plan.eligibleAt}` : ''}):`);
  const width = Math.max(0, ...plan.gates.map((gate) => gate.gate.length));
  for (const gate of plan.gates) {
    lines.push(`    ${gate.verdict.padEnd(4)}  ${gate.gate.padEnd(width)}  ${gate.reason}${gate.until ? ` (until ${gate.until})` : ''}`);
  }
  lines.push(`  risk: ${plan.risk.riskClass}`);
  for (const object of plan.risk.objects) {
    lines.push(`    ${object.riskClass.padEnd(24)}  ${object.object}: ${object.reason}`);
  }
  lines.push(plan.diff.length === 0 ? '  diff: none' : '  diff:');
  for (const object of plan.diff) {
    if (object.change !== 'changed') {
      lines.push(`    ${object.object} ${object.change}  [${object.label}: ${object.cause}]`);
      continue;
    }
    lines.push(`    ${object.object}`);
    for (const field of object.fields) {
      lines.push(`      ${field.path}: ${show(field.before)} → ${show(field.after)}  [${field.label}: ${field.cause}]`);
    }
  }
  return lines;
}

export function formatHistory(environment: string, application: string | undefined, entries: readonly HistoryEntry[]): string {
  const lines = [`history of ${environment}${application ? ` (${application})` : ''}, newest first`];
  if (entries.length === 0) {
    lines.push('  nothing recorded yet');
  }
  for (const entry of entries) {
    const image = entry.image === undefined ? '' : `  ${entry.image}${entry.previousImage ? ` (was ${entry.previousImage})` : ''}`;
    const from = entry.from === undefined ? '' : `  from ${entry.from}`;
    const verdict = entry.verdict === undefined ? '' : `  ${entry.verdict}`;
    lines.push(`${entry.at}  ${entry.action.padEnd(7)}  ${entry.application ?? '-'}${image}${from}${verdict}  by ${entry.by}  commit ${entry.commit.slice(0, 12)}`);
    if (entry.signedBy !== undefined) {
      lines.push(`    signed by ${entry.signedBy}'s key`);
    }
    if (entry.signatureProblem !== undefined) {
      lines.push(`    signature: ${entry.signatureProblem}${entry.action === 'approve' ? ' (this approval does not count where signed commits are required)' : ''}`);
    }
    if (entry.gates.length > 0) {
      lines.push(`    gates: ${entry.gates.map((gate) => `${gate.gate}=${gate.verdict}`).join(' ')}`);
    }
    if (entry.risk !== undefined) {
      lines.push(`    risk: ${entry.risk}`);
    }
    if (entry.message !== undefined) {
      lines.push(`    ${entry.message.split('\n').join('\n    ')}`);
    }
  }
  return lines.join('\n');
}

function show(value: unknown): string {
  if (value === undefined) {
    return '(none)';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

import type { Verdict } from './gates';

/**
 * The block of git trailers every release, promotion and approval commit ends with, so `stagecraft history`
 * (and anyone with `git log`) can read back who moved what where and what each gate said. One fact per
 * line; the format is part of the env-repo contract (ADR 10).
 *
 * ```
 * Stagecraft-Action: promote
 * Stagecraft-Environment: prod
 * Stagecraft-From: staging
 * Stagecraft-By: alice@acme.example
 * Stagecraft-Application: web registry.example/web@sha256:… was registry.example/web@sha256:…
 * Stagecraft-Risk: web pod-restart
 * Stagecraft-Gate: web soak=pass healthy in staging for 2h 5m since 2026-11-27T08:00:00Z (needs 2h)
 * ```
 */
export type StagecraftAction = 'release' | 'promote' | 'approve';

export interface TrailerApplication {
  readonly name: string;
  readonly image: string;
  readonly previousImage?: string;
}

export interface TrailerGate {
  readonly application: string;
  readonly gate: string;
  readonly verdict: Verdict;
  readonly reason: string;
}

export interface TrailerRisk {
  readonly application: string;
  readonly riskClass: string;
}

export interface StagecraftTrailers {
  readonly action: StagecraftAction;
  readonly environment: string;
  readonly from?: string;
  /** The identity that acted (`--as` or git user.email). */
  readonly by: string;
  readonly applications: readonly TrailerApplication[];
  readonly gates: readonly TrailerGate[];
  readonly risks: readonly TrailerRisk[];
}

const ACTIONS: readonly StagecraftAction[] = ['release', 'promote', 'approve'];
const TRAILER = /^Stagecraft-([A-Za-z]+): (.*)$/;

/** The trailer lines, in a fixed order. */
export function formatTrailers(trailers: StagecraftTrailers): string[] {
  const lines = [
    `Stagecraft-Action: ${trailers.action}`,
    `Stagecraft-Environment: ${oneLine(trailers.environment)}`,
  ];
  if (trailers.from !== undefined) {
    lines.push(`Stagecraft-From: ${oneLine(trailers.from)}`);
  }
  lines.push(`Stagecraft-By: ${oneLine(trailers.by)}`);
  for (const application of trailers.applications) {
    const previous = application.previousImage === undefined ? '' : ` was ${oneLine(application.previousImage)}`;
    lines.push(`Stagecraft-Application: ${oneLine(application.name)} ${oneLine(application.image)}${previous}`);
  }
  for (const risk of trailers.risks) {
    lines.push(`Stagecraft-Risk: ${oneLine(risk.application)} ${oneLine(risk.riskClass)}`);
  }
  for (const gate of trailers.gates) {
    lines.push(`Stagecraft-Gate: ${oneLine(gate.application)} ${oneLine(gate.gate).replace(/[\s=]/g, '_')}=${gate.verdict} ${oneLine(gate.reason)}`);
  }
  return lines;
}

/** The commit message: subject, optional body, blank line, trailers. */
export function commitMessage(subject: string, body: string | undefined, trailers: StagecraftTrailers): string {
  const parts = [oneLine(subject)];
  if (body !== undefined && body.trim().length > 0) {
    parts.push(body.trim());
  }
  parts.push(formatTrailers(trailers).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** The trailers of a commit message, or undefined when it has none (a commit stagecraft did not write). */
export function parseTrailers(message: string): StagecraftTrailers | undefined {
  let action: StagecraftAction | undefined;
  let environment: string | undefined;
  let from: string | undefined;
  let by: string | undefined;
  const applications: TrailerApplication[] = [];
  const gates: TrailerGate[] = [];
  const risks: TrailerRisk[] = [];
  for (const line of message.split('\n')) {
    const match = TRAILER.exec(line.replace(/\r$/, ''));
    if (match === null) {
      continue;
    }
    const [, key, value] = match;
    if (key === 'Action' && (ACTIONS as readonly string[]).includes(value)) {
      action = value as StagecraftAction;
    } else if (key === 'Environment') {
      environment = value;
    } else if (key === 'From') {
      from = value;
    } else if (key === 'By') {
      by = value;
    } else if (key === 'Application') {
      const parts = /^(\S+) (\S+)(?: was (\S+))?$/.exec(value);
      if (parts !== null) {
        const [, name, image, previousImage] = parts;
        applications.push(previousImage === undefined ? { name, image } : { name, image, previousImage });
      }
    } else if (key === 'Risk') {
      const parts = /^(\S+) (\S+)$/.exec(value);
      if (parts !== null) {
        risks.push({ application: parts[1], riskClass: parts[2] });
      }
    } else if (key === 'Gate') {
      const parts = /^(\S+) ([^\s=]+)=(pass|fail|wait)(?: (.*))?$/.exec(value);
      if (parts !== null) {
        gates.push({ application: parts[1], gate: parts[2], verdict: parts[3] as Verdict, reason: parts[4] ?? '' });
      }
    }
  }
  if (action === undefined || environment === undefined || by === undefined) {
    return undefined;
  }
  return { action, environment, from, by, applications, gates, risks };
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

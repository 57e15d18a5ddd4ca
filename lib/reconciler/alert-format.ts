import { VerdictChange } from './alerts';

/** How a receiver wants its body: stagecraft's own JSON, or Slack's incoming-webhook `{"text": …}`. */
export type AlertFormat = 'json' | 'slack';

/** A receiver of alerts. */
export interface AlertTarget {
  readonly format: AlertFormat;
  readonly url: URL;
}

/** Version of the JSON body's shape; raised when a field changes meaning or goes away. */
export const ALERT_SCHEMA_VERSION = 1;

/** Objects a Slack message lists before it says how many more there are (a message stays readable). */
const SLACK_OBJECTS_SHOWN = 20;

/** Slack cuts messages longer than this many characters. */
const SLACK_TEXT_LIMIT = 40_000;

const FORMATS: readonly AlertFormat[] = ['json', 'slack'];

/**
 * Reads an `--alert-url` value: `URL` (JSON body) or `FORMAT=URL` with FORMAT `json` or `slack`. Only http and
 * https URLs. Throws with a message that shows no more of the URL than its origin (a Slack URL's path is its
 * secret).
 */
export function parseAlertTarget(value: string): AlertTarget {
  const separator = value.indexOf('=');
  const prefix = separator > 0 && !value.slice(0, separator).includes(':') ? value.slice(0, separator) : undefined;
  const format = (prefix ?? 'json') as AlertFormat;
  if (!FORMATS.includes(format)) {
    throw new Error(`--alert-url: unknown format "${prefix}"; give URL, json=URL or slack=URL`);
  }
  const text = prefix === undefined ? value : value.slice(separator + 1);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--alert-url: not a URL${prefix === undefined ? '' : ` after "${prefix}="`}; give URL, json=URL or slack=URL with an http or https URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--alert-url: ${url.protocol} URLs are not supported; give an http or https URL`);
  }
  return { format, url };
}

/** The target as logs and errors show it: the format and the URL's origin, never its path or credentials. */
export function describeTarget(target: AlertTarget): string {
  return `${target.format} ${target.url.protocol}//${target.url.host}`;
}

/** The body POSTed to a receiver of `format`. */
export function alertBody(change: VerdictChange, format: AlertFormat): string {
  return JSON.stringify(format === 'slack' ? { text: slackText(change) } : {
    type: 'stagecraft.dev/verdict-change',
    version: ALERT_SCHEMA_VERSION,
    ...change,
  });
}

const SLACK_ICONS: Record<VerdictChange['verdict'], string> = {
  'healthy': ':white_check_mark:',
  'failed': ':x:',
  'rolled-back': ':rewind:',
  'refused': ':no_entry:',
};

/** Slack mrkdwn: the verdict line, the reason, then one line per object at fault with its construct path. */
export function slackText(change: VerdictChange): string {
  const lines = [
    `${SLACK_ICONS[change.verdict]} *${escapeSlack(change.environment)}* is ${change.verdict} at \`${change.revision.slice(0, 12) || '(none)'}\` (was ${change.previousVerdict})`,
  ];
  if (change.message !== undefined) {
    lines.push(escapeSlack(change.message));
  }
  for (const object of change.objects.slice(0, SLACK_OBJECTS_SHOWN)) {
    const name = object.namespace === undefined ? `${object.kind}/${object.name}` : `${object.kind}/${object.namespace}/${object.name}`;
    const construct = object.constructPath === undefined ? '' : ` (construct \`${escapeSlack(object.constructPath)}\`)`;
    lines.push(`• ${escapeSlack(name)}${construct}: ${escapeSlack(object.reason)}`);
  }
  if (change.objects.length > SLACK_OBJECTS_SHOWN) {
    lines.push(`… and ${change.objects.length - SLACK_OBJECTS_SHOWN} more objects`);
  }
  const text = lines.join('\n');
  return text.length <= SLACK_TEXT_LIMIT ? text : `${text.slice(0, SLACK_TEXT_LIMIT - 1)}…`;
}

/** Slack's three control characters in message text (its formatting docs: escape &, < and >). */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

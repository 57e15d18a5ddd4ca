import { createHash } from 'crypto';
import { toCanonicalJson } from './canonical-json';
import { dnsLabelProblem } from './names';

/**
 * One person's approval of one image for one application in one environment, committed to the env repo's
 * main branch at `approvals/<env>/<app>/<image key>/<identity>.json` by `stagecraft approve`. The approvals
 * gate counts distinct identities for the exact image reference being promoted.
 */
export interface ApprovalRecord {
  readonly schemaVersion: 1;
  readonly environment: string;
  readonly application: string;
  /** The image reference approved, exactly as it will be written to `releases/<env>.yaml`. */
  readonly image: string;
  /** Who approved: `--as` or the approver's git `user.email`. Names the file. */
  readonly approvedBy: string;
  /** When, ISO 8601 in UTC. */
  readonly approvedAt: string;
  readonly comment?: string;
}

/** Top folder of approvals in the env repo. */
export const APPROVALS_FOLDER = 'approvals';

const IDENTITY_PATTERN = /^[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*$/;
const MAX_IDENTITY_LENGTH = 128;
const FIELDS = new Set(['schemaVersion', 'environment', 'application', 'image', 'approvedBy', 'approvedAt', 'comment']);
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The folder name of one image: the first 16 hex digits of the sha256 of the reference. A reference holds
 * `/`, `:` and `@`, which make poor path segments; 64 bits keep collisions out of reach for one application.
 */
export function imageKey(image: string): string {
  return createHash('sha256').update(image).digest('hex').slice(0, 16);
}

/**
 * Why `identity` cannot name an approval file, or undefined when it can. Identities are e-mail addresses or
 * plain names: letters, digits and `. _ + @ -`, not starting with a dot.
 */
export function identityProblem(identity: string): string | undefined {
  if (identity.length === 0) {
    return 'is empty';
  }
  if (identity.length > MAX_IDENTITY_LENGTH) {
    return `is ${identity.length} characters long (at most ${MAX_IDENTITY_LENGTH} allowed)`;
  }
  if (!IDENTITY_PATTERN.test(identity)) {
    return 'may hold only letters, digits and ". _ + @ -", and must not start with "."';
  }
  return undefined;
}

/** `approvals/<env>/<app>/<image key>/`: every approval of one image. */
export function approvalFolder(environment: string, application: string, image: string): string {
  for (const [field, value] of [['environment', environment], ['application', application]] as const) {
    const problem = dnsLabelProblem(value);
    if (problem !== undefined) {
      throw new Error(`approval: ${field} "${value}" ${problem}; pass the ${field} name as the fleet declares it`);
    }
  }
  if (image.length === 0) {
    throw new Error('approval: image is empty; pass the image reference to approve, e.g. registry.example/web@sha256:<digest>');
  }
  return `${APPROVALS_FOLDER}/${environment}/${application}/${imageKey(image)}`;
}

/** `approvals/<env>/<app>/<image key>/<identity>.json`; refuses values that would escape that folder. */
export function approvalPath(approval: Pick<ApprovalRecord, 'environment' | 'application' | 'image' | 'approvedBy'>): string {
  const problem = identityProblem(approval.approvedBy);
  if (problem !== undefined) {
    throw new Error(`approval: identity "${approval.approvedBy}" ${problem}; approve as an e-mail address such as alice@example.com (--as)`);
  }
  return `${approvalFolder(approval.environment, approval.application, approval.image)}/${approval.approvedBy}.json`;
}

/** The approval file's content: canonical JSON. */
export function serializeApproval(approval: ApprovalRecord): string {
  return toCanonicalJson(approval);
}

/**
 * Parses and checks an approval file, including that it sits where its content says it belongs (a file
 * copied to another image's folder must not count for that image).
 *
 * @param fileName repo-relative path, e.g. `approvals/prod/web/0123456789abcdef/alice@example.com.json`
 */
export function parseApproval(fileName: string, text: string): ApprovalRecord {
  const fix = 'delete the file and approve again with stagecraft approve';
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid json (${(error as Error).message}); ${fix}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${fileName}: expected a json object; ${fix}`);
  }
  if (parsed.schemaVersion !== 1) {
    throw new Error(`${fileName}: schemaVersion ${JSON.stringify(parsed.schemaVersion)} is not supported (this stagecraft reads 1); upgrade stagecraft`);
  }
  const unknown = Object.keys(parsed).filter((key) => !FIELDS.has(key)).sort();
  if (unknown.length > 0) {
    throw new Error(`${fileName}: unknown field "${unknown[0]}"; allowed fields are ${[...FIELDS].join(', ')}`);
  }
  for (const field of ['environment', 'application', 'image', 'approvedBy', 'approvedAt']) {
    if (typeof parsed[field] !== 'string' || parsed[field].length === 0) {
      throw new Error(`${fileName}: "${field}" is ${JSON.stringify(parsed[field] ?? null)}, expected a non-empty string; ${fix}`);
    }
  }
  if (!TIMESTAMP_PATTERN.test(parsed.approvedAt) || Number.isNaN(Date.parse(parsed.approvedAt))) {
    throw new Error(`${fileName}: "approvedAt" is ${JSON.stringify(parsed.approvedAt)}, expected an ISO 8601 UTC timestamp such as 2025-01-31T12:00:00Z; ${fix}`);
  }
  if (parsed.comment !== undefined && typeof parsed.comment !== 'string') {
    throw new Error(`${fileName}: "comment" must be a string; ${fix}`);
  }
  let expected: string;
  try {
    expected = approvalPath(parsed);
  } catch (error) {
    throw new Error(`${fileName}: ${(error as Error).message}; ${fix}`);
  }
  if (expected !== fileName) {
    throw new Error(`${fileName}: approves ${parsed.application} ${parsed.image} in ${parsed.environment} by ${parsed.approvedBy}, which belongs at ${expected}; ${fix}`);
  }
  return parsed as ApprovalRecord;
}

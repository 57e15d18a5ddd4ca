import { toCanonicalJson } from './canonical-json';
import type { EnvironmentMetadata } from './environment-metadata';
import { dnsLabelProblem } from './names';

/**
 * What the reconciler found when it applied one commit of one environment, kept as
 * `records/<env>/<commit>.json` on the env repo's status branch. Promotion reads these to know which
 * commits were verified healthy and since when.
 */
export interface VerificationRecord {
  readonly schemaVersion: 1;
  readonly environment: string;
  /** The env-repo commit that was reconciled (full hex object name). */
  readonly commit: string;
  /** The lock's treeDigest at that commit: identifies the content independently of the commit. */
  readonly lockDigest: string;
  readonly verdict: VerificationVerdict;
  /** When the commit was first seen healthy (ISO 8601, UTC); kept across later records of the same commit. */
  readonly firstHealthyAt?: string;
  /** When this record was written (ISO 8601, UTC). */
  readonly recordedAt: string;
  readonly objects: VerificationObjectCounts;
  /** Why the verdict is not healthy, in one line. */
  readonly reason?: string;
  /**
   * Application → image in effect at this commit (from `environment.json`). Promotion gates find the
   * records of one application version through it; records without it count for no version.
   */
  readonly applications?: { readonly [application: string]: string };
}

export type VerificationVerdict = 'healthy' | 'failed' | 'rolled-back' | 'refused';

export interface VerificationObjectCounts {
  readonly total: number;
  readonly created: number;
  readonly configured: number;
  readonly unchanged: number;
  readonly pruned: number;
  readonly failed: number;
}

/** Branch of the env repo that holds verification records, apart from the branch the reconciler reads. */
export const STATUS_BRANCH = 'stagecraft/status';

const VERDICTS: readonly VerificationVerdict[] = ['healthy', 'failed', 'rolled-back', 'refused'];
const COUNT_FIELDS: ReadonlyArray<keyof VerificationObjectCounts> = ['total', 'created', 'configured', 'unchanged', 'pruned', 'failed'];
const RECORD_FIELDS = new Set(['schemaVersion', 'environment', 'commit', 'lockDigest', 'verdict', 'firstHealthyAt', 'recordedAt', 'objects', 'reason', 'applications']);
const COMMIT_PATTERN = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** `records/<env>/<commit>.json`; refuses values that would escape that folder. */
export function recordPath(record: Pick<VerificationRecord, 'environment' | 'commit'>): string {
  const environmentProblem = dnsLabelProblem(record.environment);
  if (environmentProblem !== undefined) {
    throw new Error(`verification record: environment "${record.environment}" ${environmentProblem}; pass the environment's folder name`);
  }
  if (!COMMIT_PATTERN.test(record.commit)) {
    throw new Error(`verification record: commit "${record.commit}" is not a full hex object name; pass the commit as git rev-parse prints it`);
  }
  return `records/${record.environment}/${record.commit}.json`;
}

/**
 * The `applications` field of a record for a commit whose `environment.json` is `metadata`: every released
 * application and its image. The reconciler writes it so promotion gates can find the records of a version.
 */
export function applicationsInEffect(metadata: Pick<EnvironmentMetadata, 'applications'>): { [application: string]: string } {
  const applications: { [application: string]: string } = {};
  for (const record of metadata.applications) {
    if (record.image !== undefined && record.image.length > 0) {
      applications[record.name] = record.image;
    }
  }
  return applications;
}

/** The record's file content: canonical JSON, so the same record always has the same bytes. */
export function serializeRecord(record: VerificationRecord): string {
  return toCanonicalJson(record);
}

/**
 * Parses and checks a record file. Errors name the file, the field, the value and what is allowed.
 *
 * @param fileName shown in messages, e.g. `records/prod/<commit>.json`
 */
export function parseVerificationRecord(fileName: string, text: string): VerificationRecord {
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid json (${(error as Error).message}); rewrite the record or delete it`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${fileName}: expected a json object; rewrite the record or delete it`);
  }
  if (parsed.schemaVersion !== 1) {
    throw new Error(`${fileName}: schemaVersion ${JSON.stringify(parsed.schemaVersion)} is not supported (this stagecraft reads 1); upgrade stagecraft`);
  }
  const unknown = Object.keys(parsed).filter((key) => !RECORD_FIELDS.has(key)).sort();
  if (unknown.length > 0) {
    throw new Error(`${fileName}: unknown field "${unknown[0]}"; allowed fields are ${[...RECORD_FIELDS].join(', ')}`);
  }
  const invalid = (field: string, expected: string) =>
    new Error(`${fileName}: "${field}" is ${JSON.stringify(parsed[field] ?? null)}, expected ${expected}; rewrite the record or delete it`);
  if (typeof parsed.environment !== 'string' || dnsLabelProblem(parsed.environment) !== undefined) {
    throw invalid('environment', 'an environment name (DNS-1123 label)');
  }
  if (typeof parsed.commit !== 'string' || !COMMIT_PATTERN.test(parsed.commit)) {
    throw invalid('commit', 'a full hex commit name');
  }
  if (typeof parsed.lockDigest !== 'string' || !DIGEST_PATTERN.test(parsed.lockDigest)) {
    throw invalid('lockDigest', 'sha256:<64 hex>');
  }
  if (!VERDICTS.includes(parsed.verdict)) {
    throw invalid('verdict', `one of ${VERDICTS.join(', ')}`);
  }
  if (!isTimestamp(parsed.recordedAt)) {
    throw invalid('recordedAt', 'an ISO 8601 UTC timestamp such as 2025-01-31T12:00:00Z');
  }
  if (parsed.firstHealthyAt !== undefined && !isTimestamp(parsed.firstHealthyAt)) {
    throw invalid('firstHealthyAt', 'an ISO 8601 UTC timestamp such as 2025-01-31T12:00:00Z');
  }
  if (parsed.reason !== undefined && typeof parsed.reason !== 'string') {
    throw invalid('reason', 'a string');
  }
  if (parsed.applications !== undefined) {
    const applications = parsed.applications;
    if (applications === null || typeof applications !== 'object' || Array.isArray(applications)) {
      throw invalid('applications', 'a map of application name to image reference');
    }
    for (const [application, image] of Object.entries(applications)) {
      if (dnsLabelProblem(application) !== undefined || typeof image !== 'string' || image.length === 0) {
        throw new Error(`${fileName}: "applications.${application}" is ${JSON.stringify(image ?? null)}, expected an application name (DNS-1123 label) mapped to an image reference; rewrite the record or delete it`);
      }
    }
  }
  const objects = parsed.objects;
  if (objects === null || typeof objects !== 'object' || Array.isArray(objects)) {
    throw invalid('objects', `an object with ${COUNT_FIELDS.join(', ')}`);
  }
  for (const key of Object.keys(objects)) {
    if (!(COUNT_FIELDS as readonly string[]).includes(key)) {
      throw new Error(`${fileName}: unknown field "objects.${key}"; allowed fields are ${COUNT_FIELDS.join(', ')}`);
    }
  }
  for (const field of COUNT_FIELDS) {
    if (!Number.isSafeInteger(objects[field]) || objects[field] < 0) {
      throw new Error(`${fileName}: "objects.${field}" is ${JSON.stringify(objects[field] ?? null)}, expected a whole number of at least 0; rewrite the record or delete it`);
    }
  }
  return parsed as VerificationRecord;
}

function isTimestamp(value: unknown): boolean {
  return typeof value === 'string' && TIMESTAMP_PATTERN.test(value) && !Number.isNaN(Date.parse(value));
}

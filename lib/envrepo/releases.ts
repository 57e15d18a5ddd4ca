import * as yaml from 'js-yaml';
import { toCanonicalYaml } from './canonical-yaml';
import { compareCodeUnits, sortedUnique } from './names';
import { anchorProblem, mergeKeyProblem, refuseAnchors } from './private/strict-yaml';

/**
 * One application's entry in `releases/<env>.yaml`: which image it runs and who put it there, when and why.
 */
export interface ReleaseEntry {
  /** Image reference, pinned by digest where the environment requires it (`repo@sha256:…`). */
  readonly image: string;
  /** Who recorded the release (CI identity or person). */
  readonly by?: string;
  /** When the release was recorded, ISO 8601 in UTC. */
  readonly at?: string;
  /** Why: build, ticket or promotion message. */
  readonly message?: string;
}

/** The parsed content of `releases/<env>.yaml`. */
export interface ReleasesFile {
  readonly environment: string;
  readonly applications: Readonly<Record<string, ReleaseEntry>>;
}

const ENTRY_FIELDS = new Set(['image', 'by', 'at', 'message']);

/**
 * Parses and checks a releases file. Errors name the file, the field and the fix.
 *
 * @param fileName shown in messages, e.g. `releases/prod.yaml`
 */
export function parseReleasesFile(fileName: string, text: string): ReleasesFile {
  let document: unknown;
  try {
    // JSON_SCHEMA keeps timestamps as strings and refuses YAML-only types; duplicate keys are errors.
    // Anchors (and so aliases) and merge keys are refused as in every file of the env repo (strict-yaml.ts).
    document = yaml.load(text, { schema: yaml.JSON_SCHEMA, listener: refuseAnchors });
  } catch (error) {
    throw new Error(`${fileName}: ${anchorProblem(error, text) ?? `invalid yaml: ${(error as Error).message.split('\n')[0]}`}`);
  }
  const mergeKey = mergeKeyProblem(document);
  if (mergeKey !== undefined) {
    throw new Error(`${fileName}: ${mergeKey}`);
  }
  if (document === undefined || document === null) {
    document = {};
  }
  if (!isPlainMap(document)) {
    throw new Error(`${fileName}: expected a map with keys "environment" and "applications", got ${describeType(document)}`);
  }
  const unknownKeys = Object.keys(document).filter((key) => key !== 'environment' && key !== 'applications');
  if (unknownKeys.length > 0) {
    throw new Error(`${fileName}: unknown key "${unknownKeys[0]}"; allowed keys are "environment" and "applications"`);
  }
  const expectedEnvironment = fileName.replace(/^.*\//, '').replace(/\.yaml$/, '');
  const environment = document.environment ?? expectedEnvironment;
  if (environment !== expectedEnvironment) {
    throw new Error(`${fileName}: "environment" is "${String(environment)}" but the file name says "${expectedEnvironment}"; make them agree`);
  }
  const applicationsField = document.applications ?? {};
  if (!isPlainMap(applicationsField)) {
    throw new Error(`${fileName}: "applications" must be a map of application name to release, got ${describeType(applicationsField)}`);
  }
  const applications: Record<string, ReleaseEntry> = {};
  for (const [application, entry] of Object.entries(applicationsField)) {
    applications[application] = parseEntry(fileName, application, entry);
  }
  return { environment: expectedEnvironment, applications };
}

/**
 * The releases file as `stagecraft release` and `stagecraft promote` write it: `environment` first, then
 * applications by name, each with image, by, at, message in that order (the order people read them in).
 * Comments of a hand-written file are not kept.
 */
export function serializeReleasesFile(file: ReleasesFile): string {
  const lines = [`environment: ${scalar(file.environment)}`];
  const names = Object.keys(file.applications).sort(compareCodeUnits);
  if (names.length === 0) {
    lines.push('applications: {}');
  } else {
    lines.push('applications:');
  }
  for (const name of names) {
    const entry = file.applications[name];
    lines.push(`  ${scalar(name)}:`);
    for (const key of ['image', 'by', 'at', 'message'] as const) {
      const value = entry[key];
      if (value !== undefined) {
        lines.push(`    ${key}: ${scalar(value)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A copy of `file` in which `application` runs `entry`. */
export function withRelease(file: ReleasesFile, application: string, entry: ReleaseEntry): ReleasesFile {
  return withReleases(file, [[application, entry]]);
}

/** `withRelease` of many applications at once (one copy of the file, not one per application). */
export function withReleases(file: ReleasesFile, entries: ReadonlyArray<readonly [string, ReleaseEntry]>): ReleasesFile {
  const applications = { ...file.applications };
  for (const [application, entry] of entries) {
    applications[application] = entry;
  }
  return { environment: file.environment, applications };
}

/** One scalar on one line: the canonical emitter's quoting, JSON quoting where it would use a block. */
function scalar(value: string): string {
  const emitted = toCanonicalYaml(value).replace(/\n$/, '');
  return emitted.includes('\n') ? JSON.stringify(value) : emitted;
}

function parseEntry(fileName: string, application: string, entry: unknown): ReleaseEntry {
  const where = `${fileName}: applications.${application}`;
  if (typeof entry === 'string') {
    return { image: entry };
  }
  if (!isPlainMap(entry)) {
    throw new Error(`${where}: expected a map with "image" (and optional "by", "at", "message"), got ${describeType(entry)}`);
  }
  for (const key of Object.keys(entry)) {
    if (!ENTRY_FIELDS.has(key)) {
      throw new Error(`${where}: unknown key "${key}"; allowed keys are image, by, at, message`);
    }
  }
  for (const key of ENTRY_FIELDS) {
    if (entry[key] !== undefined && typeof entry[key] !== 'string') {
      throw new Error(`${where}.${key}: must be a string, got ${describeType(entry[key])}`);
    }
  }
  if (typeof entry.image !== 'string' || entry.image.length === 0) {
    throw new Error(`${where}.image: missing; give the image reference, e.g. registry.example/web@sha256:<digest>`);
  }
  return {
    image: entry.image,
    by: entry.by as string | undefined,
    at: entry.at as string | undefined,
    message: entry.message as string | undefined,
  };
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/**
 * Who made a version of an application what it is: whoever put `image` into any of these releases files
 * (released it, or promoted it there). Gates that exclude the promoter do not count their approvals.
 */
export function changeAuthorsOf(releases: readonly ReleasesFile[], application: string, image: string): string[] {
  return sortedUnique(releases
    .map((file) => file.applications[application])
    .filter((entry): entry is ReleaseEntry => entry !== undefined && entry.image === image)
    .map((entry) => entry.by)
    .filter((by): by is string => typeof by === 'string'));
}

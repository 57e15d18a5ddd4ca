import { parseRecords } from './env-repo-files';
import { EnvRepoWorkCopy, SignerTrust, withWorkCopy } from '../git';
import { Verdict } from './gates';
import { formatInstant } from './time';
import { parseTrailers } from './trailers';
import { APPROVALS_FOLDER, parseApproval } from '../envrepo/approval';
import { releasesPath } from '../envrepo/paths';
import { parseReleasesFile, ReleasesFile } from '../envrepo/releases';

export interface HistoryRequest {
  readonly repo: string;
  readonly branch: string;
  readonly environment: string;
  /** Only this application. */
  readonly application?: string;
  /** Newest entries kept. */
  readonly limit: number;
  /**
   * The keys the reconciler trusts: with them, every release, promotion and approval shows who signed it.
   * @default - signatures are not shown
   */
  readonly trust?: SignerTrust;
}

export type HistoryAction = 'release' | 'promote' | 'approve' | 'edit' | 'verify';

/** One event of an environment's audit trail. */
export interface HistoryEntry {
  /** ISO 8601, UTC: the commit's author date, or the record's time for `verify`. */
  readonly at: string;
  readonly action: HistoryAction;
  readonly environment: string;
  readonly application?: string;
  readonly image?: string;
  readonly previousImage?: string;
  /** For promotions: the upstream environment. */
  readonly from?: string;
  /** Who: the identity in the trailers, the commit author for edits, `reconciler` for records. */
  readonly by: string;
  /** The env-repo commit: the one that made the change, or the one verified. */
  readonly commit: string;
  /** Commit subject for edits, release message, approval comment, record reason. */
  readonly message?: string;
  readonly gates: ReadonlyArray<{ readonly gate: string; readonly verdict: Verdict; readonly reason: string }>;
  readonly risk?: string;
  /** For `verify`: the reconciler's verdict. */
  readonly verdict?: string;
  /** With trusted keys: the identity the commit's signing key stands for, when it stands for `by`. */
  readonly signedBy?: string;
  /**
   * With trusted keys: why the commit's signature does not vouch for `by` (unsigned, unknown key, someone
   * else's key). Such an approval does not count where signed commits are required.
   */
  readonly signatureProblem?: string;
}

export interface HistoryResult {
  readonly environment: string;
  readonly application?: string;
  readonly entries: readonly HistoryEntry[];
  readonly commit?: string;
}

const FIELD = '\u001f';
const RECORD = '\u001e';

/**
 * `stagecraft history`: the audit trail of one environment from git alone: commits that touched its
 * releases file or its approvals (read through their trailers; commits without them are shown as edits
 * with the images that changed), and the reconciler's verification records.
 */
export async function history(request: HistoryRequest): Promise<HistoryResult> {
  // History reads commits and records, never objects: no environment's objects are checked out.
  return withWorkCopy({ repo: request.repo, branch: request.branch, environments: [] }, async (copy) => ({
    environment: request.environment,
    application: request.application,
    entries: await historyIn(copy, request),
    commit: undefined,
  }));
}

/** The audit trail of one environment read from an open work copy, newest first (the board reads every environment from one copy). */
export async function historyIn(copy: EnvRepoWorkCopy, request: Omit<HistoryRequest, 'repo' | 'branch'>): Promise<HistoryEntry[]> {
  const commits = await withSigners(copy, await commitEntries(copy, request), request.trust);
  const entries = [...commits, ...await recordEntries(copy, request)]
    .filter((entry) => request.application === undefined || entry.application === request.application)
    .sort((left, right) => (left.at < right.at ? 1 : left.at > right.at ? -1 : 0));
  return entries.slice(0, request.limit);
}

async function commitEntries(copy: EnvRepoWorkCopy, request: Omit<HistoryRequest, 'repo' | 'branch'>): Promise<HistoryEntry[]> {
  const environment = request.environment;
  const releasesFile = releasesPath(environment);
  const log = await copy.git(['log', `--format=%H${FIELD}%aI${FIELD}%ae${FIELD}%B${RECORD}`, copy.baseCommit, '--', releasesFile, `${APPROVALS_FOLDER}/${environment}/`]);
  const entries: HistoryEntry[] = [];
  for (const chunk of log.split(RECORD)) {
    const [commit, date, email, body] = chunk.replace(/^\n/, '').split(FIELD);
    if (commit === undefined || body === undefined) {
      continue;
    }
    const at = formatInstant(Date.parse(date));
    const trailers = parseTrailers(body);
    if (trailers !== undefined && trailers.environment === environment) {
      // A promotion's first body paragraph is the generated A → B summary; what a person wrote follows it.
      const message = messageOf(body, trailers.action === 'promote' ? 1 : 0);
      for (const application of trailers.applications) {
        entries.push({
          at,
          action: trailers.action,
          environment,
          application: application.name,
          image: application.image,
          previousImage: application.previousImage,
          from: trailers.from,
          by: trailers.by,
          commit,
          message,
          gates: trailers.gates
            .filter((gate) => gate.application === application.name)
            .map(({ gate, verdict, reason }) => ({ gate, verdict, reason })),
          risk: trailers.risks.find((risk) => risk.application === application.name)?.riskClass,
        });
      }
      continue;
    }
    const subject = body.split('\n')[0];
    entries.push(...await handWrittenApprovals(copy, commit, at, environment, subject));
    const after = await releasesAt(copy, commit, releasesFile);
    const before = await releasesAt(copy, `${commit}^`, releasesFile);
    const names = [...new Set([...Object.keys(after?.applications ?? {}), ...Object.keys(before?.applications ?? {})])].sort();
    for (const application of names) {
      const image = after?.applications[application]?.image;
      const previousImage = before?.applications[application]?.image;
      if (image !== previousImage) {
        entries.push({ at, action: 'edit', environment, application, image, previousImage, by: email, commit, message: subject, gates: [] });
      }
    }
  }
  return entries;
}

/**
 * Approval files a commit without stagecraft's trailers added or changed (written by hand): shown as
 * approvals by the identity the file names, so that whether they count can be seen next to the others.
 */
async function handWrittenApprovals(
  copy: EnvRepoWorkCopy,
  commit: string,
  at: string,
  environment: string,
  subject: string,
): Promise<HistoryEntry[]> {
  const changed = await copy.git(['diff-tree', '--root', '--no-commit-id', '--name-only', '--diff-filter=AM', '-r', '-z', commit, '--', `${APPROVALS_FOLDER}/${environment}/`]);
  const entries: HistoryEntry[] = [];
  for (const file of changed.split('\0').filter((name) => name.length > 0).sort()) {
    try {
      const approval = parseApproval(file, await copy.git(['show', `${commit}:${file}`]));
      entries.push({ at, action: 'approve', environment, application: approval.application, image: approval.image, by: approval.approvedBy, commit, message: `written by hand: ${subject}`, gates: [] });
    } catch (error) {
      entries.push({ at, action: 'edit', environment, by: 'unknown', commit, message: `${subject}: ${(error as Error).message}`, gates: [] });
    }
  }
  return entries;
}

/** Each commit entry with what its signature says about `by`, when trusted keys are given. */
async function withSigners(copy: EnvRepoWorkCopy, entries: HistoryEntry[], trust: SignerTrust | undefined): Promise<HistoryEntry[]> {
  if (trust === undefined || (trust.sshAllowedSignersFile === undefined && trust.gpgKeyring === undefined) || entries.length === 0) {
    return entries;
  }
  const signers = await copy.signers(entries.map((entry) => entry.commit), trust);
  return entries.map((entry) => {
    const signer = signers.get(entry.commit)!;
    if (signer.problem !== undefined) {
      return { ...entry, signatureProblem: signer.problem };
    }
    if (!signer.identities.includes(entry.by)) {
      return { ...entry, signatureProblem: `commit ${entry.commit.slice(0, 7)} is signed by ${signer.identities.join(', ') || 'a key that names no identity'} (key ${signer.key}), not by ${entry.by}` };
    }
    return { ...entry, signedBy: entry.by };
  });
}

/** The releases file at a revision, or undefined when it has none or it does not parse (history shows what it can). */
async function releasesAt(copy: EnvRepoWorkCopy, revision: string, file: string): Promise<ReleasesFile | undefined> {
  try {
    return parseReleasesFile(file, await copy.git(['show', `${revision}:${file}`]));
  } catch {
    return undefined;
  }
}

/** The part of a commit message people wrote: the body without subject and trailers. */
function messageOf(body: string, generatedParagraphs: number): string | undefined {
  const paragraphs = body.trim().split(/\n\n+/).slice(1 + generatedParagraphs).filter((paragraph) => !paragraph.startsWith('Stagecraft-'));
  const text = paragraphs.join('\n').trim();
  return text.length > 0 ? text : undefined;
}

async function recordEntries(copy: EnvRepoWorkCopy, request: Omit<HistoryRequest, 'repo' | 'branch'>): Promise<HistoryEntry[]> {
  const { records } = parseRecords(await copy.readStatusFolder(`records/${request.environment}/`));
  return records.flatMap((record) => {
    const applications = Object.entries(record.applications ?? {}).sort(([left], [right]) => (left < right ? -1 : 1));
    const base = { at: formatInstant(Date.parse(record.recordedAt)), action: 'verify' as const, environment: request.environment, by: 'reconciler', commit: record.commit, message: record.reason, gates: [], verdict: record.verdict };
    return applications.length === 0 ? [base] : applications.map(([application, image]) => ({ ...base, application, image }));
  });
}

import * as fs from 'fs';
import * as path from 'path';
import { Board, buildBoard, ClusterView, EnvironmentInput } from './model';
import { RiskClasses, RiskClassesFound, RiskJudging } from './risk-classes';
import { APPROVALS_FOLDER, ApprovalRecord, parseApproval } from '../envrepo/approval';
import { EnvironmentMetadata, parseEnvironmentMetadata } from '../envrepo/environment-metadata';
import { listFilesBelow } from '../envrepo/list-files';
import { environmentMetadataPath, releasesPath } from '../envrepo/paths';
import { parseReleasesFile } from '../envrepo/releases';
import { EnvRepoWorkCopy, SignerTrust, withWorkCopy } from '../git';
import { judgeApprovalRecords } from '../promotion/approval-evidence';
import { listEnvironments, parseRecords } from '../promotion/env-repo-files';
import { historyIn } from '../promotion/history';
import { signingEnvironments } from '../promotion/signing';

export interface ReadBoardRequest {
  readonly repo: string;
  readonly branch: string;
  /** Milliseconds since the epoch: gates are judged at this instant. */
  readonly now: number;
  /**
   * The repo's web address for commit links (`https://github.com/acme/env`).
   * @default - derived from an https or ssh URL of the repo; none for a local path
   */
  readonly webUrl?: string;
  /** @default 20 */
  readonly historyPerApplication?: number;
  /**
   * Reads what the reconciler keeps in the cluster about an environment (the CLI's, with --kubeconfig).
   * @default - the board shows the env repo only
   */
  readonly readCluster?: (environment: EnvironmentMetadata) => Promise<ClusterView>;
  /**
   * The keys the reconciler trusts: where an environment requires signed commits, approvals count on the board
   * only when signed by the approver (as `promote` judges them), and the history shows who signed each step.
   * @default - none: in a signing repo, approvals are shown as not counted (their signatures cannot be checked)
   */
  readonly trust?: SignerTrust;
  /**
   * Find the risk class of pending promotions whose gates depend on it (extraApprovals, extraSoak) by running
   * the fleet program as `promote --dry-run` does, so those gates are judged too.
   * @default - not found: those gates are shown as not judged
   */
  readonly judgeRisk?: RiskJudging & {
    /** Keeps the classes of the last branch tip (the live board): pass the same one on every refresh. */
    readonly cache?: RiskClasses;
  };
}

/** Newest history entries read per environment: enough for 20 per application on small fleets, bounded on large ones. */
const HISTORY_PER_ENVIRONMENT = 2000;

/**
 * Reads everything the board shows from one private checkout of the branch (and the status branch) and
 * builds the board. Reads only: nothing is committed or published.
 */
export async function readBoard(request: ReadBoardRequest): Promise<Board> {
  // The board reads environments' metadata, releases files, approvals and records, never objects: none is checked out.
  try {
    const { board } = await withWorkCopy({ repo: request.repo, branch: request.branch, environments: [] },
      async (copy) => ({ board: await readIn(copy, request), commit: undefined }));
    return board;
  } catch (error) {
    // A git command that failed mid-read (the repository moved or broke) speaks only of objects: say which repository.
    const message = (error as Error).message;
    if (message.includes(request.repo)) {
      throw error;
    }
    throw new Error(`cannot read branch "${request.branch}" of ${request.repo}: ${message}`);
  }
}

async function readIn(copy: EnvRepoWorkCopy, request: ReadBoardRequest): Promise<Board> {
  const root = copy.directory;
  const warnings: string[] = [];
  const environments: EnvironmentInput[] = [];
  const signing = { required: signingEnvironments(root).length > 0, trust: request.trust ?? {} };
  for (const name of listEnvironments(root)) {
    const metadataFile = environmentMetadataPath(name);
    const metadata = parseEnvironmentMetadata(metadataFile, fs.readFileSync(path.join(root, metadataFile), 'utf8'));
    const releasesFile = releasesPath(name);
    const releases = fs.existsSync(path.join(root, releasesFile))
      ? parseReleasesFile(releasesFile, fs.readFileSync(path.join(root, releasesFile), 'utf8'))
      : { environment: name, applications: {} };
    const { records, ignored } = parseRecords(await copy.readStatusFolder(`records/${name}/`));
    warnings.push(...ignored.map((message) => `ignored a verification record: ${message}`));
    environments.push({
      metadata,
      releases,
      records,
      approvals: await judgeApprovalRecords(copy, readApprovalsOf(root, name, warnings), signing),
      history: await historyIn(copy, { environment: name, limit: HISTORY_PER_ENVIRONMENT, trust: request.trust }),
      inCluster: request.readCluster === undefined ? undefined : await request.readCluster(metadata),
    });
  }
  const risk = await riskClassesFor(request, copy.baseCommit, environments.map((environment) => environment.metadata));
  return buildBoard({
    riskClasses: risk.riskClasses,
    riskNotJudged: risk.notJudged,
    repo: displayRepo(request.repo),
    branch: request.branch,
    commit: copy.baseCommit,
    webUrl: request.webUrl ?? webUrlOf(request.repo),
    now: request.now,
    environments,
    warnings,
    historyPerApplication: request.historyPerApplication ?? 20,
  });
}

async function riskClassesFor(request: ReadBoardRequest, commit: string, environments: readonly EnvironmentMetadata[]): Promise<RiskClassesFound> {
  const judging = request.judgeRisk;
  if (judging === undefined) {
    return { riskClasses: [], notJudged: 'the board was run without the fleet program (stagecraft board --no-risk)' };
  }
  const found = await (judging.cache ?? new RiskClasses()).find({
    repo: request.repo,
    branch: request.branch,
    commit,
    now: request.now,
    trust: request.trust,
    fleet: judging.fleet,
    dependencies: judging.dependencies,
    environments,
  });
  // The page never shows a credential: a URL in a message is shown as the title shows it.
  const shown = displayRepo(request.repo);
  return found.notJudged === undefined ? found : { ...found, notJudged: found.notJudged.split(request.repo).join(shown) };
}

/** Every approval recorded for the environment; a file that does not parse is reported and counts for nothing. */
function readApprovalsOf(root: string, environment: string, warnings: string[]): ApprovalRecord[] {
  const approvals: ApprovalRecord[] = [];
  for (const file of listFilesBelow(root, path.join(root, APPROVALS_FOLDER, environment)).sort()) {
    const absolute = path.join(root, file);
    try {
      if (!fs.lstatSync(absolute).isFile() || !file.endsWith('.json')) {
        throw new Error(`${file}: not an approval file`);
      }
      approvals.push(parseApproval(file, fs.readFileSync(absolute, 'utf8')));
    } catch (error) {
      warnings.push(`ignored an approval: ${(error as Error).message}`);
    }
  }
  return approvals;
}

/** The repo as the page may show it: a URL without user name, password or token; a local path as given. */
export function displayRepo(repo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) {
    try {
      const url = new URL(repo);
      url.username = '';
      url.password = '';
      url.search = '';
      url.hash = '';
      return url.href;
    } catch {
      return '(unparsable URL)';
    }
  }
  return repo.replace(/^[^@/]+@/, '');
}

/** `https://host/owner/repo` for an https, ssh or scp-like git URL of the repo; undefined for a local path. */
export function webUrlOf(repo: string): string | undefined {
  let host: string;
  let repositoryPath: string;
  const scpLike = /^[^@/:]+@([^:/]+):(.+)$/.exec(repo);
  if (scpLike !== null) {
    [, host, repositoryPath] = scpLike;
  } else {
    let url: URL;
    try {
      url = new URL(repo);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) {
      return undefined;
    }
    host = url.hostname;
    repositoryPath = url.pathname;
  }
  const trimmed = repositoryPath.replace(/^\/+/, '').replace(/\.git\/?$/, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)+$/.test(trimmed) || !/^[A-Za-z0-9.-]+$/.test(host)) {
    return undefined;
  }
  return `https://${host}/${trimmed}`;
}

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commitIdentityVariables } from './identity';
import { locateRepository } from './location';
import { assertBranchName, resolveCommit } from './mirror';
import { listTree, readBlobs } from './private/tree-objects';
import { GitCommandError, runGit } from './run-git';
import { CommitSigner, commitSigners, SignerTrust } from './signed-by';
import { dnsLabelProblem } from '../envrepo/names';
import { lockPath, METADATA_FOLDER } from '../envrepo/paths';
import { repoPathProblem } from '../envrepo/repo-path';
import { STATUS_BRANCH } from '../envrepo/verification-record';

export interface OpenWorkCopyOptions {
  /** The env repo: a local path (bare or not) or a git URL. */
  readonly repo: string;
  readonly branch: string;
  /** @default 120000 */
  readonly timeoutMs?: number;
  /**
   * The environments whose files are checked out. Of every other environment (a folder holding
   * `.stagecraft/lock.json` in the branch tip) only `.stagecraft/` is: its metadata, not its objects. The
   * left-out files stay in every commit made here as they were; one written anyway counts as changed.
   * A promotion into one environment of thousands of objects then checks out that environment only.
   * @default - every file
   */
  readonly environments?: readonly string[];
}

/** Who a commit is by and when (from the injected clock). */
export interface CommitIdentity {
  readonly name: string;
  readonly email: string;
  /** ISO 8601. */
  readonly at: string;
}

/** A commit made in the work copy. */
export interface MadeCommit {
  readonly commit: string;
  readonly signed: boolean;
}

/** What happened when a commit was offered to the branch. */
export type PublishOutcome = 'updated' | 'moved';

/**
 * What became of the user's own checkout of the branch after a publish: `fast-forwarded` (its index and
 * files now show the new commit), or `dirty` (it had local changes, so nothing in it was touched).
 */
export type CheckoutOutcome = 'fast-forwarded' | 'dirty';

/** Largest file read from the status branch; records are a few hundred bytes. */
const MAX_STATUS_FILE_BYTES = 1024 * 1024;

/**
 * A private checkout of one branch of the env repo, in a temporary folder: release, promote and approve
 * change files and commit there, never in the user's checkout. For a local repository it is a detached git
 * worktree (objects shared, so publishing is a compare-and-swap of the branch ref); for a URL it is a
 * clone, published with a plain push (rejected, never forced, when the branch moved).
 * Hooks of the repository do not run: what is committed is exactly what stagecraft wrote.
 */
export class EnvRepoWorkCopy {
  public static async open(options: OpenWorkCopyOptions): Promise<EnvRepoWorkCopy> {
    await assertBranchName(options.branch);
    const location = locateRepository(options.repo);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-work-'));
    const directory = path.join(scratch, 'tree');
    try {
      const checkout = options.environments === undefined ? [] : ['--no-checkout'];
      if (location.isUrl) {
        await runGit(['clone', '--quiet', ...checkout, '--no-tags', '--single-branch', '--branch', options.branch, '--', location.remote, directory], { timeoutMs: options.timeoutMs })
          .catch((error: unknown) => {
            throw new Error(`cannot clone branch "${options.branch}" of ${options.repo}: ${gitLine(error)}; check the URL, the branch and the credentials`);
          });
        await runGit(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${STATUS_BRANCH}:refs/remotes/origin/${STATUS_BRANCH}`], { cwd: directory, timeoutMs: options.timeoutMs })
          .catch((error: unknown) => {
            if (!(error instanceof GitCommandError) || !error.stderr.includes("couldn't find remote ref")) {
              throw new Error(`cannot fetch branch "${STATUS_BRANCH}" of ${options.repo}: ${gitLine(error)}`);
            }
          });
        const base = (await git(directory, ['rev-parse', 'HEAD'], options.timeoutMs)).trim();
        return await new EnvRepoWorkCopy(options, scratch, directory, base, undefined, `refs/remotes/origin/${STATUS_BRANCH}`).checkOutSparsely();
      }
      const folder = location.remote;
      if (!fs.existsSync(folder)) {
        throw new Error(`repository ${options.repo} does not exist; pass the path of the env repo or its URL`);
      }
      let commonDirectory: string;
      try {
        commonDirectory = (await git(folder, ['rev-parse', '--path-format=absolute', '--git-common-dir'], options.timeoutMs)).trim();
      } catch (error) {
        throw new Error(`${options.repo} is not a git repository (${gitLine(error)}); pass the path of the env repo or its URL`);
      }
      const base = await resolveCommit(commonDirectory, `refs/heads/${options.branch}`, options.timeoutMs);
      if (base === undefined) {
        const branches = (await runGit(['for-each-ref', '--format=%(refname:short)', 'refs/heads'], { gitDirectory: commonDirectory })).stdout.toString('utf8').trim().split('\n').filter(Boolean);
        throw new Error(`branch "${options.branch}" does not exist in ${options.repo} (branches: ${branches.join(', ') || 'none'}); pass --branch`);
      }
      await runGit(['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', ...checkout, '--detach', directory, base], { gitDirectory: commonDirectory, timeoutMs: options.timeoutMs });
      return await new EnvRepoWorkCopy(options, scratch, directory, base, commonDirectory, `refs/heads/${STATUS_BRANCH}`).checkOutSparsely();
    } catch (error) {
      fs.rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  /** Paths ignored in the work copy only (linked dependencies), without touching the repository's own ignore files. */
  private readonly excludeFile: string;
  /** `-c` settings of every git command in the checkout: the exclude file, and sparseness when not every file is checked out. */
  private readonly settings: string[];
  private readonly links: string[] = [];

  private constructor(
    private readonly options: OpenWorkCopyOptions,
    private readonly scratch: string,
    /** The checkout: read and write files here. */
    public readonly directory: string,
    /** The branch tip the checkout started from. */
    public readonly baseCommit: string,
    /** The local repository's git folder, or undefined for a clone of a URL. */
    private readonly localGitDirectory: string | undefined,
    private readonly statusRef: string,
  ) {
    this.excludeFile = path.join(scratch, 'exclude');
    fs.writeFileSync(this.excludeFile, '');
    // Given on the command line, never written to the repository's config (a linked worktree shares it).
    this.settings = ['-c', `core.excludesFile=${this.excludeFile}`,
      ...(options.environments === undefined ? [] : ['-c', 'core.sparseCheckout=true', '-c', 'core.sparseCheckoutCone=false'])];
  }

  /**
   * With `environments`, writes this checkout's sparse patterns (everything but the other environments'
   * objects) and checks the files out; the checkout was made without files.
   */
  private async checkOutSparsely(): Promise<EnvRepoWorkCopy> {
    const wanted = this.options.environments;
    if (wanted === undefined) {
      return this;
    }
    try {
      await this.writeSparsePatterns(wanted);
      await this.git(['reset', '--quiet', '--hard', this.baseCommit]);
      return this;
    } catch (error) {
      await this.dispose();
      throw new Error(`cannot check out branch "${this.branch}" of ${this.repo}: ${gitLine(error)}`);
    }
  }

  private async writeSparsePatterns(wanted: readonly string[]): Promise<void> {
    const listing = await runGit(['ls-tree', '-r', '-z', '--name-only', this.baseCommit], { cwd: this.directory, timeoutMs: this.options.timeoutMs, maxOutputBytes: 256 * 1024 * 1024 });
    // Environments are the folders holding a lock. One not named as synth names them (a DNS label) could not
    // stand in a pattern as it is, so it is always checked out in full.
    const leftOut = listing.stdout.toString('utf8').split('\0')
      .map((file) => ({ file, folder: file.split('/')[0] }))
      .filter(({ file, folder }) => file === lockPath(folder) && dnsLabelProblem(folder) === undefined && !wanted.includes(folder))
      .map(({ folder }) => folder)
      .sort();
    const patterns = ['/*', ...leftOut.flatMap((environment) => [`!/${environment}/*`, `/${environment}/${METADATA_FOLDER}/`])];
    const file = (await this.git(['rev-parse', '--git-path', 'info/sparse-checkout'])).trim();
    const absolute = path.resolve(this.directory, file);
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    fs.writeFileSync(absolute, `${patterns.join('\n')}\n`);
  }

  public get repo(): string {
    return this.options.repo;
  }

  public get branch(): string {
    return this.options.branch;
  }

  /** The local repository's folder when the branch is checked out there (its files will lag behind), else undefined. */
  public async checkedOutIn(): Promise<string | undefined> {
    if (this.localGitDirectory === undefined) {
      return undefined;
    }
    const listing = (await runGit(['worktree', 'list', '--porcelain'], { gitDirectory: this.localGitDirectory })).stdout.toString('utf8');
    for (const block of listing.split('\n\n')) {
      const worktree = /^worktree (.*)$/m.exec(block)?.[1];
      if (worktree !== undefined && new RegExp(`^branch refs/heads/${escapeRegExp(this.branch)}$`, 'm').test(block) && !/^bare$/m.test(block)) {
        return worktree;
      }
    }
    return undefined;
  }

  /** Who signed each commit (reachable in this copy), judged against `trust`; see commitSigners. */
  public async signers(commits: readonly string[], trust: SignerTrust): Promise<Map<string, CommitSigner>> {
    return commitSigners({ gitDirectory: this.localGitDirectory ?? path.join(this.directory, '.git'), commits, trust, timeoutMs: this.options.timeoutMs });
  }

  /** Runs git in the checkout. */
  public async git(args: readonly string[], extra: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const fullArguments = [...this.settings, ...args];
    return (await runGit(fullArguments, { cwd: this.directory, timeoutMs: this.options.timeoutMs, ...extra })).stdout.toString('utf8');
  }

  /**
   * Makes installed dependencies (a `node_modules` folder) visible to the fleet program at `folder`
   * (repo-relative, `.` for the root) through a symbolic link that is never committed: a fresh checkout
   * has none, and installing them for every release would be slow and need registry access.
   */
  public linkDependencies(folder: string, nodeModules: string): void {
    const link = path.join(this.directory, folder, 'node_modules');
    if (fs.existsSync(link)) {
      return;
    }
    if (!fs.existsSync(nodeModules) || !fs.statSync(nodeModules).isDirectory()) {
      throw new Error(`--deps ${nodeModules} is not a folder; pass the node_modules folder of an installed checkout of the env repo (npm ci)`);
    }
    fs.symlinkSync(path.resolve(nodeModules), link, 'dir');
    this.links.push(link);
    fs.appendFileSync(this.excludeFile, `/${folder === '.' ? '' : `${folder}/`}node_modules\n`);
  }

  /** A git config value as the repository and the user's config set it, or undefined. */
  public async config(key: string): Promise<string | undefined> {
    try {
      const value = (await this.git(['config', '--get', key])).trim();
      return value.length > 0 ? value : undefined;
    } catch (error) {
      if (error instanceof GitCommandError && error.exitCode === 1) {
        return undefined;
      }
      throw error;
    }
  }

  /** Tip of the status branch (verification records), or undefined when nothing was recorded yet. */
  public async statusCommit(): Promise<string | undefined> {
    return resolveCommit(this.localGitDirectory ?? path.join(this.directory, '.git'), this.statusRef, this.options.timeoutMs);
  }

  /**
   * Every file under `folder` (e.g. `records/staging/`) on the status branch, as path → text. Only plain
   * files; anything else is refused, as the reconciler refuses it.
   */
  public async readStatusFolder(folder: string): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const commit = await this.statusCommit();
    if (commit === undefined) {
      return files;
    }
    const gitDirectory = this.localGitDirectory ?? path.join(this.directory, '.git');
    const entries = await listTree(gitDirectory, ['-r', commit, '--', folder]);
    if (entries.length === 0) {
      return files;
    }
    for (const entry of entries) {
      const size = entry.size ?? 0;
      const problem = entry.mode !== '100644' && entry.mode !== '100755'
        ? 'is not a plain file'
        : repoPathProblem(entry.path) ?? (size > MAX_STATUS_FILE_BYTES ? `is ${size} bytes, over the limit of ${MAX_STATUS_FILE_BYTES}` : undefined);
      if (problem !== undefined) {
        throw new Error(`${entry.path} on branch ${STATUS_BRANCH} of ${this.repo} ${problem}; remove it from the status branch`);
      }
    }
    // One `cat-file --batch` for all records: a status branch holds one record per reconciled commit.
    const total = entries.reduce((sum, entry) => sum + (entry.size ?? 0), 0);
    const contents = await readBlobs(gitDirectory, entries.map((entry) => entry.objectName), total);
    entries.forEach((entry, index) => files.set(entry.path, Buffer.from(contents[index]).toString('utf8')));
    return files;
  }

  /**
   * Commits every change in the checkout and returns the commit, or undefined when nothing changed. Signs
   * when `requireSignature`, with `signKey` when given, and otherwise exactly when git config
   * `commit.gpgsign` says so.
   */
  public async commitAll(
    message: string,
    identity: CommitIdentity,
    signKey: string | undefined,
    requireSignature = false,
  ): Promise<MadeCommit | undefined> {
    // --sparse: a file written where nothing was checked out is committed too (git would leave it out).
    await this.git(['add', '--all', ...(this.options.environments === undefined ? [] : ['--sparse'])]);
    try {
      await this.git(['diff', '--cached', '--quiet']);
      return undefined;
    } catch (error) {
      if (!(error instanceof GitCommandError) || error.exitCode !== 1) {
        throw error;
      }
    }
    const signed = requireSignature || signKey !== undefined || (await this.config('commit.gpgsign'))?.toLowerCase() === 'true';
    const identityVariables = commitIdentityVariables(identity, identity.at, {
      subject: 'commit',
      fix: (field) => `set git config user.${field} or pass --as`,
    });
    const args = ['-c', 'core.hooksPath=/dev/null', ...await this.signingSettings(signKey), 'commit', '--quiet', ...(signed ? ['-S'] : []), '-F', '-'];
    try {
      await this.git(args, {
        input: message,
        env: identityVariables,
      });
    } catch (error) {
      const signing = signed ? ` (signing was requested${signKey === undefined ? ' by git config commit.gpgsign' : ` with key ${signKey}`}: check gpg.format and the key)` : '';
      throw new Error(`cannot commit in the work copy of ${this.repo}: ${gitLine(error)}${signing}; nothing was published`);
    }
    return { commit: (await this.git(['rev-parse', 'HEAD'])).trim(), signed };
  }

  /**
   * Signs an empty commit on the base and returns it: no ref points at it and it is never published. It shows
   * whose key `signKey` (or git config) signs with before anything is written.
   */
  public async probeSignature(identity: CommitIdentity, signKey: string | undefined): Promise<string> {
    const identityVariables = commitIdentityVariables(identity, identity.at, {
      subject: 'commit',
      fix: (field) => `set git config user.${field} or pass --as`,
    });
    const tree = (await this.git(['rev-parse', `${this.baseCommit}^{tree}`])).trim();
    try {
      const output = await this.git([...await this.signingSettings(signKey), 'commit-tree', '-S', tree, '-p', this.baseCommit, '-F', '-'], {
        input: 'stagecraft: which key signs (never published)\n',
        env: identityVariables,
      });
      return output.trim();
    } catch (error) {
      throw new Error(`cannot sign${signKey === undefined ? ' with the key git config names' : ` with key ${signKey}`} in the work copy of ${this.repo}: ${gitLine(error)}; check --sign-key, gpg.format and the key; nothing was committed`);
    }
  }

  /** `-c` settings for signing with `signKey`: a key given as a file is an SSH key (OpenPGP keys are named by id). */
  private async signingSettings(signKey: string | undefined): Promise<string[]> {
    if (signKey === undefined) {
      return [];
    }
    const sshKeyFile = fs.existsSync(signKey) && (await this.config('gpg.format')) === undefined;
    return ['-c', `user.signingkey=${signKey}`, ...(sshKeyFile ? ['-c', 'gpg.format=ssh'] : [])];
  }

  /**
   * Moves the branch from `baseCommit` to `commit`, only if nobody moved it meanwhile: `update-ref` with the
   * old value for a local repository, a push without force for a URL.
   */
  public async publish(commit: string): Promise<PublishOutcome> {
    const ref = `refs/heads/${this.branch}`;
    if (this.localGitDirectory !== undefined) {
      try {
        await runGit(['update-ref', ref, commit, this.baseCommit], { gitDirectory: this.localGitDirectory, timeoutMs: this.options.timeoutMs });
        return 'updated';
      } catch (error) {
        if (error instanceof GitCommandError && (await resolveCommit(this.localGitDirectory, ref, this.options.timeoutMs)) !== this.baseCommit) {
          return 'moved';
        }
        throw new Error(`cannot update branch "${this.branch}" of ${this.repo}: ${gitLine(error)}; commit ${commit} was made but not published`);
      }
    }
    try {
      await this.git(['push', '--quiet', 'origin', `${commit}:${ref}`]);
      return 'updated';
    } catch (error) {
      if (error instanceof GitCommandError && /\[rejected\]|non-fast-forward|fetch first/.test(error.stderr)) {
        return 'moved';
      }
      throw new Error(`cannot push branch "${this.branch}" to ${this.repo}: ${gitLine(error)}; check push access (commit ${commit} was made but not published)`);
    }
  }

  /** Removes the checkout (and, for a local repository, its worktree entry). */
  public async dispose(): Promise<void> {
    for (const link of this.links) {
      // Removed first, so no recursive delete below can ever walk into the linked folder.
      fs.unlinkSync(link);
    }
    try {
      if (this.localGitDirectory !== undefined) {
        await runGit(['worktree', 'remove', '--force', this.directory], { gitDirectory: this.localGitDirectory }).catch(() => undefined);
        await runGit(['worktree', 'prune'], { gitDirectory: this.localGitDirectory }).catch(() => undefined);
      }
    } finally {
      fs.rmSync(this.scratch, { recursive: true, force: true });
    }
  }
}

/**
 * Opens a work copy, runs `work` in it and publishes what it committed; when the branch moved meanwhile, runs
 * everything once more on the new tip (a fresh evaluation, never a rebase of the old result).
 */
export async function withWorkCopy<T extends { commit?: string }>(
  options: OpenWorkCopyOptions,
  work: (copy: EnvRepoWorkCopy) => Promise<T>,
): Promise<T & { checkedOutIn?: string; previousTip?: string; checkout?: CheckoutOutcome }> {
  for (let attempt = 1; ; attempt++) {
    const copy = await EnvRepoWorkCopy.open(options);
    try {
      const result = await work(copy);
      if (result.commit === undefined) {
        return result;
      }
      const outcome = await copy.publish(result.commit);
      if (outcome === 'updated') {
        const checkedOutIn = await copy.checkedOutIn();
        const checkout = checkedOutIn === undefined
          ? undefined
          : await followCheckout(checkedOutIn, copy.baseCommit, result.commit, options.timeoutMs);
        return { ...result, checkedOutIn, previousTip: copy.baseCommit, checkout };
      }
      if (attempt >= 2) {
        throw new Error(`branch "${options.branch}" of ${options.repo} moved twice while stagecraft worked on it; nothing was published, run again`);
      }
    } finally {
      await copy.dispose();
    }
  }
}

/**
 * Brings the user's checkout of the branch (whose ref just moved from `before` to `after`) along: when its
 * index and files still match `before` exactly, a two-tree merge (`read-tree -m -u before after`) updates
 * both to `after`, which is a fast-forward. With local changes, staged or not, nothing is touched.
 * Untracked files are left alone; one that `after` would overwrite makes read-tree refuse, and then the
 * checkout counts as dirty.
 */
async function followCheckout(worktree: string, before: string, after: string, timeoutMs: number | undefined): Promise<CheckoutOutcome> {
  const quiet = async (args: readonly string[]): Promise<boolean> => {
    try {
      await runGit(args, { cwd: worktree, timeoutMs });
      return true;
    } catch (error) {
      if (error instanceof GitCommandError && error.exitCode === 1) {
        return false;
      }
      throw error;
    }
  };
  // Refreshes stat information first, so a file that was only touched does not count as changed.
  await runGit(['update-index', '-q', '--refresh'], { cwd: worktree, timeoutMs }).catch(() => undefined);
  const clean = await quiet(['diff-index', '--quiet', '--cached', before, '--']) && await quiet(['diff-files', '--quiet']);
  if (!clean) {
    return 'dirty';
  }
  try {
    await runGit(['read-tree', '-m', '-u', before, after], { cwd: worktree, timeoutMs });
    return 'fast-forwarded';
  } catch (error) {
    if (error instanceof GitCommandError) {
      return 'dirty';
    }
    throw error;
  }
}

async function git(cwd: string, args: readonly string[], timeoutMs: number | undefined): Promise<string> {
  return (await runGit(args, { cwd, timeoutMs })).stdout.toString('utf8');
}

function gitLine(error: unknown): string {
  return error instanceof GitCommandError ? error.gitLine : (error as Error).message;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

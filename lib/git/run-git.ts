import { execFile } from 'child_process';

/** What a git command printed. */
export interface GitOutput {
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** A git command that failed, with git's own words. */
export class GitCommandError extends Error {
  constructor(
    message: string,
    /** Exit code, or undefined when git did not exit by itself (timeout, signal, not installed). */
    public readonly exitCode: number | undefined,
    public readonly stderr: string,
    public readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'GitCommandError';
  }

  /** The line of stderr that says what went wrong (`fatal: …`), for messages that name the repo and the fix. */
  public get gitLine(): string {
    return firstMeaningfulLine(this.stderr) ?? this.message;
  }
}

export interface RunGitOptions {
  /** Passed as `--git-dir`, so the command never looks for a repository around the current folder. */
  readonly gitDirectory?: string;
  readonly cwd?: string;
  /** Written to git's stdin. */
  readonly input?: string | Uint8Array;
  /** Added to the sanitized environment (GIT_INDEX_FILE, GIT_AUTHOR_DATE, …). */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 120000 */
  readonly timeoutMs?: number;
  /** Largest stdout accepted; git is killed beyond it. @default 16 MiB */
  readonly maxOutputBytes?: number;
}

export const DEFAULT_GIT_TIMEOUT_MS = 120_000;

/**
 * Variables that would point git at another repository, index or object store than the one we name.
 * They are set when the reconciler runs inside a git hook or a test runner started by one.
 */
const LOCATION_VARIABLES = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX', 'GIT_QUARANTINE_PATH',
];

/**
 * Runs git without a shell. Never prompts (a reconciler has nobody to answer), messages in English (so
 * callers can recognise them), and the `ext::` transport off (it runs arbitrary commands from a URL).
 */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitOutput> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const variable of LOCATION_VARIABLES) {
    delete env[variable];
  }
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C' }, options.env);
  const fullArguments = [
    '-c', 'protocol.ext.allow=never',
    ...(options.gitDirectory === undefined ? [] : ['--git-dir', options.gitDirectory]),
    ...args,
  ];
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = execFile('git', fullArguments, {
      cwd: options.cwd,
      env,
      encoding: 'buffer',
      timeout: timeoutMs,
      maxBuffer: options.maxOutputBytes ?? 16 * 1024 * 1024,
      windowsHide: true,
    }, (error, stdout, stderrBytes) => {
      const stderr = stderrBytes.toString('utf8');
      if (error === null) {
        resolve({ stdout, stderr });
        return;
      }
      const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
      const timedOut = failure.killed === true && failure.signal === 'SIGTERM';
      const exitCode = typeof failure.code === 'number' ? failure.code : undefined;
      let message: string;
      if (failure.code === 'ENOENT') {
        message = 'git is not installed or not on PATH; install git';
      } else if (timedOut) {
        message = `git ${args[0]} timed out after ${timeoutMs} ms`;
      } else if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        message = `git ${args[0]} printed more than ${options.maxOutputBytes ?? 16 * 1024 * 1024} bytes`;
      } else {
        message = `git ${args[0]} failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}: ${firstMeaningfulLine(stderr) ?? failure.message}`;
      }
      reject(new GitCommandError(message, exitCode, stderr, timedOut));
    });
    // A git that exits before reading all of stdin makes the write fail with EPIPE; its exit status says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input === undefined ? undefined : Buffer.from(options.input));
  });
}

function firstMeaningfulLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return lines.find((line) => /^(fatal|error):/.test(line)) ?? lines[0];
}

import * as util from 'util';
import { BadInputError, UsageError } from './args';
import { loadModule } from './load-module';
import { Output } from './output';

/** One command of the CLI: how to run it, and its `--help` text. */
export interface CliCommand {
  /** Runs the command with the arguments after its name; returns the exit code. */
  readonly run: (argv: readonly string[], output: Output) => number | Promise<number>;
  readonly usage: string;
}

/**
 * Exit codes: 0 ok; 1 changes found or a check failed; 2 usage error or bad input; 70 internal error, a bug in
 * stagecraft (EX_SOFTWARE of sysexits.h, so scripts can tell "fix your input" from "report this").
 */
export const INTERNAL_ERROR_EXIT_CODE = 70;

/** A command whose module (`path`, relative to lib/cli) is loaded only when the command runs. */
function lazyCommand<Module>(path: string, pick: (loaded: Module) => CliCommand): () => CliCommand {
  return () => pick(loadModule<Module>(path));
}

/**
 * The commands of stagecraft, each module loaded when its command runs: `stagecraft reconcile --once` loads
 * neither the board, nor promotion, nor synth.
 */
const COMMANDS: Readonly<Record<string, () => CliCommand>> = {
  'init': lazyCommand<typeof import('./init-command.js')>('./init-command', (loaded) => ({ run: loaded.initCommand, usage: loaded.INIT_USAGE })),
  'synth': lazyCommand<typeof import('./synth-command.js')>('./synth-command', (loaded) => ({ run: loaded.synthCommand, usage: loaded.SYNTH_USAGE })),
  'demo': lazyCommand<typeof import('./demo-command.js')>('./demo-command', (loaded) => ({ run: loaded.demoCommand, usage: loaded.DEMO_USAGE })),
  'reconcile': lazyCommand<typeof import('./reconcile-command.js')>('./reconcile-command', (loaded) => ({ run: loaded.reconcileCommand, usage: loaded.RECONCILE_USAGE })),
  'diff': lazyCommand<typeof import('./diff-command.js')>('./diff-command', (loaded) => ({ run: loaded.diffCommand, usage: loaded.DIFF_USAGE })),
  'status': lazyCommand<typeof import('./status-command.js')>('./status-command', (loaded) => ({ run: loaded.statusCommand, usage: loaded.STATUS_USAGE })),
  'release': lazyCommand<typeof import('./release-command.js')>('./release-command', (loaded) => ({ run: loaded.releaseCommand, usage: loaded.RELEASE_USAGE })),
  'promote': lazyCommand<typeof import('./promote-command.js')>('./promote-command', (loaded) => ({ run: loaded.promoteCommand, usage: loaded.PROMOTE_USAGE })),
  'approve': lazyCommand<typeof import('./approve-command.js')>('./approve-command', (loaded) => ({ run: loaded.approveCommand, usage: loaded.APPROVE_USAGE })),
  'history': lazyCommand<typeof import('./history-command.js')>('./history-command', (loaded) => ({ run: loaded.historyCommand, usage: loaded.HISTORY_USAGE })),
  'verify': lazyCommand<typeof import('./verify-command.js')>('./verify-command', (loaded) => ({ run: loaded.verifyCommand, usage: loaded.VERIFY_USAGE })),
  'bootstrap': lazyCommand<typeof import('./bootstrap-command.js')>('./bootstrap-command', (loaded) => ({ run: loaded.bootstrapCommand, usage: loaded.BOOTSTRAP_USAGE })),
  'uninstall': lazyCommand<typeof import('./bootstrap-command.js')>('./bootstrap-command', (loaded) => ({ run: loaded.uninstallCommand, usage: loaded.UNINSTALL_USAGE })),
  'board': lazyCommand<typeof import('./board-command.js')>('./board-command', (loaded) => ({ run: loaded.boardCommand, usage: loaded.BOARD_USAGE })),
  'dev-cluster': lazyCommand<typeof import('./dev-cluster-command.js')>('./dev-cluster-command', (loaded) => ({ run: loaded.devClusterCommand, usage: loaded.DEV_CLUSTER_USAGE })),
};

/** Taken by every command: main removes it before the command parses its arguments. */
const DEBUG_SWITCH = '--debug';

const USAGE = `usage: stagecraft <command> [options]

commands:
  init         write a new fleet project that is also its env repo (package.json, main.ts, cdk8s.yaml, CI)
  synth        write the env-repo tree of the fleet program in ./cdk8s.yaml (or --check it)
  demo         example fleet → local env repo → reconciled into the dev cluster, status printed
  reconcile    make a cluster match one environment of the env repo (apply, prune, wait, roll back)
  diff         show what reconcile would change in a cluster, writing nothing
  status       show what the reconciler keeps in the cluster about an environment
  release      record a new image of an application in its first environment (the CI step after a build)
  promote      judge the promotion policy's gates, show the plan and promote (or --auto: whatever is eligible)
  approve      record an approval of an image for an environment
  history      the audit trail of an environment: releases, promotions with their gates, approvals, records
  verify       record what Flux or Argo CD reports about an environment they apply (--from flux|argocd)
  board        the promotion board as a web page: a static site (--out DIR) or served live (--serve)
  bootstrap    install an environment's in-cluster reconciler (RBAC, credentials Secret, Deployment) as an administrator
  uninstall    remove what bootstrap installed for an environment
  dev-cluster  start, stop or check the local test control plane

options of every command:
  --debug      print the stack trace of an error (so does the environment variable STAGECRAFT_DEBUG=1)

exit codes: 0 ok, 1 changes found, check failed, reconcile failed or promotion blocked, 2 usage error or bad input,
${INTERNAL_ERROR_EXIT_CODE} internal error: a bug in stagecraft, to report with the output of the command run with --debug
run stagecraft <command> --help for a command's options`;

/**
 * Error classes of the rooms that mean bad input or a refusal from outside stagecraft (the API server, git, a
 * kubeconfig, the fleet program), never a bug. Matched by the name each class sets, so the CLI imports no
 * room's private files to classify them.
 */
const BAD_INPUT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'BootstrapError',
  'ClusterError',
  'GitCommandError',
  'GitCredentialsError',
  'KubeconfigError',
  'SynthError',
  'TreeVerificationError',
]);

/**
 * Whether an error that escaped a command is bad input (exit 2) rather than a bug in stagecraft (exit 70).
 * Bad input: a BadInputError or UsageError; an error class of the rooms named above; a plain `Error`, because
 * that is how the rooms refuse bad input (`new Error(message)` with what, where and the fix) and how Node
 * reports what the system refused (a missing file, a port in use). A bug: everything else, such as a TypeError,
 * ReferenceError or RangeError, any other subclass of Error, or a thrown value that is not an Error.
 */
export function isBadInput(error: unknown): boolean {
  const thrown = asError(error);
  if (thrown === undefined) {
    return false;
  }
  // By constructor name rather than identity: Error of another realm (a vm context, jest) is plain all the same.
  return thrown instanceof BadInputError || BAD_INPUT_ERROR_NAMES.has(thrown.name) || thrown.constructor.name === 'Error';
}

export interface MainOptions {
  /**
   * The commands to dispatch to.
   * @default - the commands of stagecraft
   */
  readonly commands?: Readonly<Record<string, CliCommand>>;
  /**
   * Where STAGECRAFT_DEBUG is read.
   * @default process.env
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/** Runs `stagecraft <command> …`; returns the exit code and never throws what a command throws. */
export async function main(argv: readonly string[], output: Output = new Output(), options: MainOptions = {}): Promise<number> {
  const commands: Readonly<Record<string, CliCommand | (() => CliCommand)>> = options.commands ?? COMMANDS;
  const debug = argv.includes(DEBUG_SWITCH) || (options.environment ?? process.env).STAGECRAFT_DEBUG === '1';
  const [command, ...rest] = argv.filter((argument) => argument !== DEBUG_SWITCH);
  if (command === undefined || command === '--help' || command === 'help') {
    output.line(USAGE);
    return command === undefined ? 2 : 0;
  }
  // Own keys only: `constructor` or `toString` name no command.
  const entry = Object.prototype.hasOwnProperty.call(commands, command) ? commands[command] : undefined;
  if (entry === undefined) {
    output.error(`unknown command "${command}"; known commands: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  try {
    const loaded = typeof entry === 'function' ? entry() : entry;
    return await loaded.run(rest, output);
  } catch (error) {
    return reportError(command, error, debug, output);
  }
}

/** Prints an error that escaped `command` and returns the exit code it means. */
function reportError(command: string, error: unknown, debug: boolean, output: Output): number {
  const thrown = asError(error);
  if (thrown !== undefined && isBadInput(thrown)) {
    output.error(`${command}: ${thrown.message}`);
    if (thrown instanceof UsageError) {
      output.error(`run stagecraft ${command} --help for usage`);
    }
    if (debug) {
      output.stack(stackOf(thrown));
    }
    return 2;
  }
  const what = thrown === undefined ? `${util.inspect(error)} was thrown, which is not an Error` : `${thrown.name}: ${thrown.message}`;
  const report = debug ? 'the stack below' : `the output of the same command run with ${DEBUG_SWITCH}`;
  output.error(`${command}: internal error: ${what}; this is a bug: please report it with ${report}`);
  if (debug) {
    output.stack(thrown === undefined ? 'no stack: what was thrown is not an Error' : stackOf(thrown));
  }
  return INTERNAL_ERROR_EXIT_CODE;
}

function asError(value: unknown): Error | undefined {
  return value instanceof Error || util.types.isNativeError(value) ? value : undefined;
}

function stackOf(error: Error): string {
  return error.stack ?? `${error.name}: ${error.message}`;
}

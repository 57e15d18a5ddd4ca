import { parseArguments, ParsedArguments, stringOption, UsageError } from './args';
import { clusterTargetOf, integerOption, shareOption } from './cluster-target';
import { Output } from './output';
import { ClusterClient } from '../reconciler/cluster-client';
import { connectToCluster } from '../reconciler/connect';
import { DesiredState } from '../reconciler/desired-state';
import { DesiredStateError, readDirectorySource } from '../reconciler/directory-source';
import { KubeconfigError } from '../reconciler/private/kubeconfig';
import { DEFAULT_MAX_PRUNE_SHARE } from '../reconciler/prune';
import { reconcile, ReconcileChange, ReconcileResult } from '../reconciler/reconcile';

export const RECONCILE_USAGE = `usage: stagecraft reconcile --dir PATH --env NAME --once [options]

Makes the cluster match one environment of an env-repo folder: server-side apply (field manager
stagecraft, force), staged (Namespaces and CustomResourceDefinitions first), then prune of objects of the
environment's applyset that left the folder. Objects already live as desired get no request at all.
The environment's namespaces (environment.json) are created when missing; they are not pruned.

  --dir PATH              env-repo folder (as written by stagecraft synth --out)
  --env NAME              environment to reconcile (the folder <PATH>/<NAME>)
  --once                  reconcile once and exit (the only mode for now)
  --kubeconfig FILE       kubeconfig (default $KUBECONFIG, else the dev cluster's when it exists, else ~/.kube/config)
  --context NAME          kubeconfig context (default its current-context)
  --allow-mass-prune      prune even when that deletes every object of the set or more than --max-prune-share
  --max-prune-share N     largest share of the set one reconcile may prune (default ${DEFAULT_MAX_PRUNE_SHARE})
  --concurrency N         requests in flight at once (default 16)
  --output json           print the result as one JSON object

exit codes: 0 applied, 1 failed or refused (nothing is deleted after a failed apply), 2 usage error or bad input`;

/** `stagecraft reconcile`: returns the exit code. */
export async function reconcileCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, {
    values: ['dir', 'env', 'kubeconfig', 'context', 'max-prune-share', 'concurrency', 'output'],
    switches: ['once', 'allow-mass-prune', 'help'],
  });
  if (parsed.options.has('help')) {
    output.line(RECONCILE_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  if (parsed.positionals.length > 0) {
    throw new UsageError(`reconcile takes no positional arguments, got "${parsed.positionals[0]}"`);
  }
  if (!parsed.options.has('once')) {
    throw new UsageError('reconcile needs --once (an --interval loop is not available yet)');
  }
  const concurrency = integerOption(parsed, 'concurrency', 16, 1, 256);
  const maxPruneShare = shareOption(parsed, 'max-prune-share', DEFAULT_MAX_PRUNE_SHARE);
  const desired = readDesired(parsed);
  const client = await connect(parsed, output, concurrency);
  if (client === undefined) {
    return 2;
  }
  try {
    output.progress(`reconciling ${desired.environment.name} (${desired.objects.length} objects, revision ${desired.revision})`);
    const result = await reconcile(desired, {
      client,
      clock: { now: () => Date.now(), sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)) },
      concurrency,
      prune: { maxPruneShare, allowMassPrune: parsed.options.has('allow-mass-prune') },
    });
    printResult(result, output);
    return result.verdict === 'applied' ? 0 : 1;
  } finally {
    client.close();
  }
}

/** Reads --dir/--env; a folder that is not an environment is bad input (exit 2). */
export function readDesired(parsed: ParsedArguments): DesiredState {
  const directory = stringOption(parsed, 'dir');
  const environment = stringOption(parsed, 'env');
  if (directory === undefined || environment === undefined) {
    throw new UsageError(`--dir and --env are required (missing: ${[directory === undefined ? '--dir' : '', environment === undefined ? '--env' : ''].filter(Boolean).join(', ')})`);
  }
  try {
    return readDirectorySource(directory, environment);
  } catch (error) {
    if (error instanceof DesiredStateError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** Connects, or prints why not and returns undefined (a kubeconfig that cannot be used is bad input). */
export async function connect(parsed: ParsedArguments, output: Output, concurrency: number, command = 'reconcile'): Promise<ClusterClient | undefined> {
  try {
    return await connectToCluster({ ...clusterTargetOf(parsed, output, command), maxConcurrentRequests: concurrency });
  } catch (error) {
    if (error instanceof KubeconfigError) {
      output.error(`${command}: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

function printResult(result: ReconcileResult, output: Output): void {
  if (output.isJson) {
    output.line(JSON.stringify(result));
    return;
  }
  for (const change of result.changes) {
    if (change.action !== 'unchanged') {
      output.line(describeChange(change));
    }
  }
  if (result.message !== undefined) {
    output.error(`reconcile ${result.verdict}: ${result.message}`);
  }
  const count = (action: ReconcileChange['action']): number => result.changes.filter((change) => change.action === action).length;
  const seconds = (result.timings.totalMs / 1000).toFixed(2);
  output.line(`${result.verdict} ${shortRevision(result.revision)} : ${count('created')} created, ${count('configured')} configured, ${count('unchanged')} unchanged, ${count('pruned')} pruned, ${count('failed')} failed; ${result.writeRequests} write request${result.writeRequests === 1 ? '' : 's'} in ${seconds} s`);
}

function describeChange(change: ReconcileChange): string {
  const object = change.namespace === undefined ? `${change.kind}/${change.name}` : `${change.kind}/${change.namespace}/${change.name}`;
  const construct = change.constructPath === undefined ? '' : ` (construct ${change.constructPath})`;
  if (change.action === 'failed') {
    // Failure messages name the object themselves, with its construct path.
    const message = change.message ?? 'failed for an unknown reason';
    return `failed      ${message.includes(object) ? message : `${object}: ${message}`}`;
  }
  const detail = change.message === undefined ? '' : `: ${change.message}`;
  return `${change.action.padEnd(11)} ${object}${construct}${detail}`;
}

/** `sha256:` and 12 hex digits: enough to tell revisions apart in a log line. */
function shortRevision(revision: string): string {
  const match = /^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/.exec(revision);
  return match ? `${match[1] ?? ''}${match[2]}` : revision;
}

import * as os from 'os';
import * as path from 'path';
import { ParsedArguments, UsageError, parseArguments, refusePositionals, stringOption } from './args';
import { clusterTargetOf, IN_CLUSTER_SWITCHES, IN_CLUSTER_USAGE, IN_CLUSTER_VALUE_OPTIONS, integerOption, shareOption } from './cluster-target';
import { parseDuration } from './duration';
import { loadModule } from './load-module';
import { Output } from './output';
import { ServingOptions, servingOptionsOf, SERVING_REPEATABLE_OPTIONS, SERVING_USAGE, SERVING_VALUE_OPTIONS } from './serving-options';
import { revisionSourceOf, SOURCE_SWITCHES, SOURCE_USAGE, SOURCE_VALUE_OPTIONS } from './source-options';
import { describeTarget } from '../reconciler/alert-format';
import { systemClock } from '../reconciler/clock';
import { ClusterClient, WatchableClusterClient } from '../reconciler/cluster-client';
import { connectToCluster } from '../reconciler/connect';
import { countChanges, CycleOptions, CycleResult, reconcileCycle } from '../reconciler/cycle';
import { KubeconfigError } from '../reconciler/kubeconfig';
import { APPLYSET_PART_OF_LABEL } from '../reconciler/metadata-keys';
import { DEFAULT_MAX_PRUNE_SHARE } from '../reconciler/prune';
import { ReconcileChange } from '../reconciler/reconcile';
import { WatchingClusterClient } from '../reconciler/watch-cache';

export const RECONCILE_USAGE = `usage: stagecraft reconcile (--repo PATH_OR_URL | --dir PATH) --env NAME (--once | --interval 30s) [options]

Makes the cluster match one environment of the env repo: verifies every file against the environment's
lock, server-side applies (field manager stagecraft, git wins), staged (Namespaces and CRDs first), prunes
objects of the environment's applyset that left the repo, waits until everything is healthy, and keeps the
result in the cluster (ConfigMap stagecraft-status-<env>). When a new revision does not become healthy, the
last revision verified healthy is applied again and the failed one is not retried until the branch moves.

${SOURCE_USAGE}
  --once                  reconcile once and exit (push-based: CI runs this after committing to the env repo)
  --interval DURATION     reconcile every DURATION (pull-based); e.g. 30s. Watches keep the live state: drift is
                          healed as soon as a watch sees it, and an idle tick sends no LIST
  --timeout DURATION      how long to wait for health after applying (default 5m)
  --poll-interval DURATION  how often to read health while waiting (default 2s)
  --no-wait               do not wait for health (the revision is then never recorded as verified)
  --record                also commit a verification record to branch stagecraft/status of the env repo
  --ssh-allowed-signers FILE  keys allowed to sign commits (ssh-keygen ALLOWED SIGNERS format)
  --gpg-keyring PATH      OpenPGP public keys allowed to sign commits (a file or a folder of keys)
  --allow-history-rewrite apply a tip that does not descend from the last applied revision (force push)
${SERVING_USAGE}
  --kubeconfig FILE       kubeconfig (default $KUBECONFIG, else the dev cluster's when it exists, else ~/.kube/config)
  --context NAME          kubeconfig context (default its current-context)
${IN_CLUSTER_USAGE}
  --allow-mass-prune      prune even when that deletes every object of the set or more than --max-prune-share
  --max-prune-share N     largest share of the set one reconcile may prune (default ${DEFAULT_MAX_PRUNE_SHARE})
  --concurrency N         requests in flight at once (default 16)
  --lock-lease DURATION   how long the environment's lock (Lease stagecraft-lock-<env> in the control namespace)
                          holds without renewal when its holder dies (default 60s); a reconcile with something to
                          write takes it, and a reconcile that finds it held by another is refused
  --output json           print one JSON object per reconcile

A desired object annotated stagecraft.dev/recreate-on-immutable-change: "true" is deleted and created again when
the server refuses to change one of its fields in place (a Service's clusterIP, a Deployment's selector); without
the annotation such a change fails, naming the field. With --interval, an env repo that cannot be fetched is
retried after the interval doubled per failure (at most 5m, or the interval when longer).

Commits since the last applied revision must be a fast-forward of it (no force push) and, where the
environment requires signed commits (environment.json policy.requireSignedCommits), signed by an allowed key.

exit codes (--once): 0 healthy (or applied with --no-wait); 1 failed, rolled back, skipped or refused as unsafe;
2 usage error or bad input (a tree that is not what synth wrote, or a kind the server does not serve, is refused
before anything is applied)`;

/** `stagecraft reconcile`: returns the exit code. */
export async function reconcileCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, {
    values: [
      ...SOURCE_VALUE_OPTIONS, 'kubeconfig', 'context', 'max-prune-share', 'concurrency', 'output', 'interval', 'timeout', 'poll-interval',
      'ssh-allowed-signers', 'gpg-keyring', 'lock-lease', ...SERVING_VALUE_OPTIONS, ...IN_CLUSTER_VALUE_OPTIONS,
    ],
    repeatable: SERVING_REPEATABLE_OPTIONS,
    switches: [...SOURCE_SWITCHES, ...IN_CLUSTER_SWITCHES, 'once', 'allow-mass-prune', 'help', 'record', 'no-wait', 'allow-history-rewrite'],
  });
  if (parsed.options.has('help')) {
    output.line(RECONCILE_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'reconcile');
  const intervalText = stringOption(parsed, 'interval');
  if (parsed.options.has('once') === (intervalText !== undefined)) {
    throw new UsageError('give exactly one of --once (reconcile once) or --interval DURATION (reconcile in a loop)');
  }
  const serving = servingOptionsOf(parsed, intervalText === undefined);
  const { source, environment, repo, cacheDirectory, transport } = await revisionSourceOf(parsed);
  if (parsed.options.has('record') && repo === undefined) {
    throw new UsageError('--record commits to the env repo, so it needs --repo (a --dir folder has no branch to record on)');
  }
  const concurrency = integerOption(parsed, 'concurrency', 16, 1, 256);
  const cycleOptions = (client: ClusterClient, progress: boolean): CycleOptions => ({
    client,
    clock: systemClock,
    source,
    environment,
    concurrency,
    prune: { maxPruneShare: shareOption(parsed, 'max-prune-share', DEFAULT_MAX_PRUNE_SHARE), allowMassPrune: parsed.options.has('allow-mass-prune') },
    health: parsed.options.has('no-wait') ? undefined : {
      timeoutMs: parseDuration('timeout', stringOption(parsed, 'timeout') ?? '5m'),
      pollIntervalMs: parseDuration('poll-interval', stringOption(parsed, 'poll-interval') ?? '2s'),
    },
    record: parsed.options.has('record') ? { repo: repo!, cacheDirectory, author: { name: 'stagecraft reconciler', email: 'reconciler@stagecraft.invalid' }, transport } : undefined,
    onProgress: progress ? (line) => output.progress(line) : undefined,
    lock: { holder: `${os.hostname()}-${process.pid}`, leaseSeconds: Math.max(1, Math.round(parseDuration('lock-lease', stringOption(parsed, 'lock-lease') ?? '60s') / 1000)) },
    trust: {
      sshAllowedSignersFile: optionalPath(stringOption(parsed, 'ssh-allowed-signers')),
      gpgKeyring: optionalPath(stringOption(parsed, 'gpg-keyring')),
      allowHistoryRewrite: parsed.options.has('allow-history-rewrite'),
    },
  });
  const client = await connect(parsed, output, concurrency);
  if (client === undefined) {
    return 2;
  }
  try {
    if (intervalText === undefined) {
      const result = await reconcileCycle(cycleOptions(client, true));
      printCycle(result, output);
      return exitCodeOf(result);
    }
    const watching = new WatchingClusterClient(client, { cached: isMemberSelector, onChange: (reason) => watchChange?.(reason) });
    let watchChange: ((reason: string) => void) | undefined;
    try {
      const loop = { intervalMs: parseDuration('interval', intervalText), cycle: () => reconcileCycle(cycleOptions(watching, false)) };
      return await runInterval(loop, serving, output, { watching, subscribe: (onChange) => { watchChange = onChange; } });
    } finally {
      watching.close();
    }
  } finally {
    client.close();
  }
}

/** LISTs of an applyset's members (`applyset.kubernetes.io/part-of=<id>`): the ones kept from watches in --interval mode. */
function isMemberSelector(options: { readonly labelSelector?: string }): boolean {
  const selector = options.labelSelector ?? '';
  return selector.startsWith(`${APPLYSET_PART_OF_LABEL}=`) && !selector.includes(',');
}

/**
 * The pull-based loop (lib/reconciler/reconcile-loop.ts): one cycle per interval or per signed git hook, the
 * endpoint (health, readiness, metrics, hooks), alerts on verdict changes, one structured log line per
 * reconcile. Ends on SIGINT/SIGTERM, never in the middle of a cycle: a cycle in progress finishes (and writes
 * its status) first.
 */
async function runInterval(
  loopOf: { readonly intervalMs: number; readonly cycle: () => Promise<CycleResult> },
  serving: ServingOptions,
  output: Output,
  live: { readonly watching: WatchingClusterClient; readonly subscribe: (onChange: (reason: string) => void) => void },
): Promise<number> {
  const log = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  let countersBefore = live.watching.watchCounters;
  // Loaded here, not at the top: --once needs neither the endpoint nor the metrics (prom-client).
  const { ReconcileLoop } = loadModule<typeof import('../reconciler/reconcile-loop.js')>('../reconciler/reconcile-loop');
  const loop = new ReconcileLoop({
    intervalMs: loopOf.intervalMs,
    cycle: () => {
      countersBefore = live.watching.watchCounters;
      return loopOf.cycle();
    },
    listen: { host: serving.host, port: serving.port },
    hookSecret: serving.secret,
    alerts: { targets: serving.alertTargets },
    log,
    watchChanges: live.subscribe,
    onCycle: (result, report) => {
      printCycle(result, output);
      process.stderr.write(`${JSON.stringify({
        ...logLine(result),
        trigger: report.trigger,
        // LISTs this cycle sent to the API server: 0 while the watches keep the live state.
        listRequests: live.watching.watchCounters.listRequests - countersBefore.listRequests,
        watchesHealthy: live.watching.healthy,
        nextReconcileInMs: report.nextReconcileInMs,
        ...(report.consecutiveFetchFailures > 0 ? { consecutiveFetchFailures: report.consecutiveFetchFailures } : {}),
      })}\n`);
    },
  });
  const address = await loop.listen();
  log({
    level: 'info',
    msg: 'listening',
    address: `${address.host}:${address.port}`,
    hooks: serving.secret !== undefined,
    alertReceivers: serving.alertTargets.map(describeTarget),
  });
  const stop = () => loop.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await loop.run();
    return 0;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** One structured line per reconcile, for log pipelines. */
function logLine(result: CycleResult): Record<string, unknown> {
  const changes = result.result?.changes ?? [];
  const counts = countChanges(changes);
  const namespacesCreated = namespacesCreatedBy(changes);
  return {
    time: new Date().toISOString(),
    level: result.verdict === 'healthy' || result.verdict === 'applied' ? 'info' : 'error',
    msg: 'reconcile',
    environment: result.environment,
    revision: result.revision,
    verdict: result.verdict,
    durationMs: result.durationMs,
    writeRequests: result.writeRequests,
    ...counts,
    namespacesCreated,
    driftedObjects: result.driftedObjects,
    ...(result.message === undefined ? {} : { reason: result.message }),
  };
}

/** Namespaces the environment declares that this reconcile created: not objects of the tree, so counted apart. */
function namespacesCreatedBy(changes: readonly ReconcileChange[]): number {
  return changes.filter((change) => change.kind === 'Namespace' && change.action === 'created').length;
}

function exitCodeOf(result: CycleResult): number {
  if (result.verdict === 'healthy' || result.verdict === 'applied') {
    return 0;
  }
  // Bad input: a tree that is not what synth wrote, or a kind the server does not serve (refused at plan
  // time): 2. Refused as unsafe in this cluster (mass prune, history not a fast-forward, unsigned): 1.
  return result.badInput || (result.verdict === 'refused' && result.result?.badInput === true) ? 2 : 1;
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : path.resolve(value);
}

/** Connects, or prints why not and returns undefined (a kubeconfig that cannot be used is bad input). */
export async function connect(parsed: ParsedArguments, output: Output, concurrency: number, command = 'reconcile'): Promise<WatchableClusterClient | undefined> {
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

function printCycle(result: CycleResult, output: Output): void {
  if (output.isJson) {
    output.line(JSON.stringify({
      revision: result.revision,
      environment: result.environment,
      verdict: result.verdict,
      ...(result.message === undefined ? {} : { message: result.message }),
      ...(result.result ? { applyset: result.result.applyset } : {}),
      changes: result.result?.changes ?? [],
      writeRequests: result.writeRequests,
      driftedObjects: result.driftedObjects,
      timings: { ...(result.result?.timings ?? {}), totalMs: result.durationMs },
      ...(result.health ? { health: { healthy: result.health.healthy, timedOut: result.health.timedOut, elapsedMs: result.health.elapsedMs } } : {}),
      ...(result.rollback ? { rollback: rollbackSummary(result.rollback) } : {}),
      ...(result.recordCommit ? { recordCommit: result.recordCommit } : {}),
    }));
    return;
  }
  for (const change of result.result?.changes ?? []) {
    if (change.action !== 'unchanged') {
      output.line(describeChange(change));
    }
  }
  if (result.message !== undefined) {
    output.error(`reconcile ${result.verdict}: ${result.message}`);
  }
  // Objects of the tree, as `stagecraft status` and the verification record count them; namespaces the
  // environment declares are said apart, and so is the status ConfigMap's own write request.
  const changes = result.result?.changes ?? [];
  const { created, configured, unchanged, pruned, failed } = countChanges(changes);
  const namespaces = namespacesCreatedBy(changes);
  const seconds = (result.durationMs / 1000).toFixed(2);
  const revision = result.revision.slice(0, 12) || '(none)';
  const writes = `${result.writeRequests} write request${result.writeRequests === 1 ? '' : 's'}${result.statusWritten ? ' (the last one the status ConfigMap)' : ''}`;
  output.line(`${result.verdict} ${result.environment} at ${revision}: ${created} created, ${configured} configured, ${unchanged} unchanged, ${pruned} pruned, ${failed} failed${namespaces > 0 ? ` (and ${namespaces} namespace${namespaces === 1 ? '' : 's'} created)` : ''}; ${writes} in ${seconds} s${result.recordCommit ? `; recorded as ${result.recordCommit.slice(0, 12)} on stagecraft/status` : ''}`);
}

function rollbackSummary(rollback: NonNullable<CycleResult['rollback']>): Record<string, unknown> {
  const { revision, verdict, healthy, writeRequests, changes } = rollback;
  return { revision, verdict, healthy, writeRequests, changes };
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

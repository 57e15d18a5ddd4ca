import * as os from 'os';
import * as path from 'path';
import { ParsedArguments, UsageError, parseArguments, refusePositionals, stringOption } from './args';
import { clusterTargetOf, integerOption, shareOption } from './cluster-target';
import { parseDuration } from './duration';
import { Output } from './output';
import { revisionSourceOf, SOURCE_SWITCHES, SOURCE_USAGE, SOURCE_VALUE_OPTIONS } from './source-options';
import { systemClock } from '../reconciler/clock';
import { ClusterClient, WatchableClusterClient } from '../reconciler/cluster-client';
import { connectToCluster } from '../reconciler/connect';
import { countChanges, CycleOptions, CycleResult, reconcileCycle } from '../reconciler/cycle';
import { KubeconfigError } from '../reconciler/kubeconfig';
import { APPLYSET_PART_OF_LABEL } from '../reconciler/metadata-keys';
import { ReconcileMetrics, serveMetrics } from '../reconciler/metrics';
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
  --metrics-address HOST:PORT  serve Prometheus metrics at /metrics in --interval mode (default 127.0.0.1:9464)
  --kubeconfig FILE       kubeconfig (default $KUBECONFIG, else the dev cluster's when it exists, else ~/.kube/config)
  --context NAME          kubeconfig context (default its current-context)
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
      'metrics-address', 'ssh-allowed-signers', 'gpg-keyring', 'lock-lease',
    ],
    switches: [...SOURCE_SWITCHES, 'once', 'allow-mass-prune', 'help', 'record', 'no-wait', 'allow-history-rewrite'],
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
  const { source, environment, repo, cacheDirectory } = revisionSourceOf(parsed);
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
    record: parsed.options.has('record') ? { repo: repo!, cacheDirectory, author: { name: 'stagecraft reconciler', email: 'reconciler@stagecraft.invalid' } } : undefined,
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
    const wakeup = new Wakeup();
    const watching = new WatchingClusterClient(client, { cached: isMemberSelector, onChange: (reason) => wakeup.poke(reason) });
    try {
      return await runInterval(parseDuration('interval', intervalText), () => reconcileCycle(cycleOptions(watching, false)), parsed, output, { wakeup, watching });
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

/** Least time from the start of one cycle to the start of a watch-triggered next one: a controller fighting git cannot make the loop spin. */
export const MIN_WATCH_CYCLE_GAP_MS = 1000;

/** Changes seen by a watch gather for this long before a cycle starts (kubectl apply of many objects is one burst). */
export const WATCH_DEBOUNCE_MS = 100;

/** What wakes the loop before its interval: a watch that saw a managed object change. */
class Wakeup {
  private reason: string | undefined;
  private waiting: (() => void) | undefined;

  /** A watch saw a change; remembered until the loop takes it. */
  public poke(reason: string): void {
    this.reason ??= reason;
    this.waiting?.();
  }

  /** The reason of the change seen since the last take, if any, and forgets it. */
  public take(): string | undefined {
    const reason = this.reason;
    this.reason = undefined;
    return reason;
  }

  public get pending(): boolean {
    return this.reason !== undefined;
  }

  /** Waits `delayMs`, or less when poked (then at least `minimumMs`); `stop` ends the wait at once. */
  public wait(delayMs: number, minimumMs: number, isStopping: () => boolean, onStop: (wake: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve();
      };
      const early = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, Math.min(delayMs, minimumMs));
      };
      timer = setTimeout(finish, delayMs);
      onStop(finish);
      this.waiting = early;
      if (this.pending) {
        early();
      }
      if (isStopping()) {
        finish();
      }
    });
  }
}

/** Longest wait between two attempts to fetch an unreachable env repo (unless --interval is longer). */
export const MAX_FETCH_BACKOFF_MS = 5 * 60_000;

/**
 * How long the loop waits after `consecutiveFetchFailures` fetches in a row failed: the interval, doubled
 * per failure, capped at 5 minutes (or the interval, when that is longer), so an unreachable git server is
 * not hammered while it recovers. 0 failures: the interval.
 */
export function nextReconcileDelay(intervalMs: number, consecutiveFetchFailures: number): number {
  if (consecutiveFetchFailures <= 0) {
    return intervalMs;
  }
  const cap = Math.max(intervalMs, MAX_FETCH_BACKOFF_MS);
  return Math.min(intervalMs * 2 ** Math.min(consecutiveFetchFailures, 30), cap);
}

/**
 * The pull-based loop: one cycle per interval (each tick also heals drift: declared fields that differ live
 * are applied again), metrics on /metrics, one structured log line per reconcile. When the env repo cannot be
 * fetched the wait grows (nextReconcileDelay) until a fetch succeeds. Ends on SIGINT/SIGTERM, never in the
 * middle of a cycle: a cycle in progress finishes (and writes its status) first.
 */
async function runInterval(
  intervalMs: number,
  cycle: () => Promise<CycleResult>,
  parsed: ParsedArguments,
  output: Output,
  live: { readonly wakeup: Wakeup; readonly watching: WatchingClusterClient },
): Promise<number> {
  const metrics = new ReconcileMetrics();
  const address = stringOption(parsed, 'metrics-address') ?? '127.0.0.1:9464';
  const separator = address.lastIndexOf(':');
  const port = Number(address.slice(separator + 1));
  if (separator < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--metrics-address ${address} is not HOST:PORT, e.g. 0.0.0.0:9464`);
  }
  const server = await serveMetrics(metrics, address.slice(0, separator), port);
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let fetchFailures = 0;
  let trigger = 'start';
  try {
    while (!stopping) {
      const countersBefore = live.watching.watchCounters;
      const cycleStarted = Date.now();
      const result = await cycle();
      const counters = live.watching.watchCounters;
      fetchFailures = result.fetchFailed ? fetchFailures + 1 : 0;
      const delay = nextReconcileDelay(intervalMs, fetchFailures);
      metrics.observe({
        environment: result.environment,
        verdict: result.verdict,
        durationSeconds: result.durationMs / 1000,
        writeRequests: result.writeRequests,
        driftedObjects: result.driftedObjects,
        finishedAt: Math.floor(Date.now() / 1000),
      });
      printCycle(result, output);
      process.stderr.write(`${JSON.stringify({
        ...logLine(result),
        trigger,
        listRequests: counters.listRequests - countersBefore.listRequests,
        watchesHealthy: live.watching.healthy,
        nextReconcileInMs: delay,
        ...(fetchFailures > 0 ? { consecutiveFetchFailures: fetchFailures } : {}),
      })}\n`);
      if (!stopping) {
        // A change seen by a watch starts the next cycle early, unless the env repo cannot be fetched (then it waits its backoff).
        const gap = Math.max(WATCH_DEBOUNCE_MS, MIN_WATCH_CYCLE_GAP_MS - (Date.now() - cycleStarted));
        await live.wakeup.wait(delay, fetchFailures > 0 ? delay : gap, () => stopping, (finish) => {
          wake = finish;
        });
      }
      const reason = live.wakeup.take();
      trigger = reason === undefined ? 'interval' : `watch: ${reason}`;
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    server.close();
  }
}

/** One structured line per reconcile, for log pipelines. */
function logLine(result: CycleResult): Record<string, unknown> {
  const counts = countChanges(result.result?.changes ?? [], false);
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
    driftedObjects: result.driftedObjects,
    ...(result.message === undefined ? {} : { reason: result.message }),
  };
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
  const { created, configured, unchanged, pruned, failed } = countChanges(result.result?.changes ?? [], false);
  const seconds = (result.durationMs / 1000).toFixed(2);
  const revision = result.revision.slice(0, 12) || '(none)';
  output.line(`${result.verdict} ${result.environment} at ${revision}: ${created} created, ${configured} configured, ${unchanged} unchanged, ${pruned} pruned, ${failed} failed; ${result.writeRequests} write request${result.writeRequests === 1 ? '' : 's'} in ${seconds} s${result.recordCommit ? `; recorded as ${result.recordCommit.slice(0, 12)} on stagecraft/status` : ''}`);
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

import { parseArguments, stringOption, UsageError } from './args';
import { Output } from './output';
import { connect } from './reconcile-command';
import { ENVIRONMENT_LABEL } from '../envrepo/annotations';
import { EnvironmentStatus, statusObjectName, statusOf } from '../reconciler/status-store';

export const STATUS_USAGE = `usage: stagecraft status --env NAME [--namespace NS] [--kubeconfig FILE] [--context NAME] [--output json]

Prints what the reconciler keeps in the cluster about an environment: the revision running now and since
when it is healthy, the last revision verified healthy (the rollback target), revisions that failed, and
recent reconciles.

  --env NAME          environment
  --namespace NS      its control namespace (default: found by label stagecraft.dev/environment=NAME)
  --kubeconfig FILE   kubeconfig (default $KUBECONFIG, else the dev cluster's when it exists, else ~/.kube/config)
  --context NAME      kubeconfig context
  --output json       print the status as JSON

exit codes: 0 status printed, 1 no status (never reconciled) or the cluster could not be read, 2 usage error`;

/** `stagecraft status`: returns the exit code. */
export async function statusCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: ['env', 'namespace', 'kubeconfig', 'context', 'output'], switches: ['help'] });
  if (parsed.options.has('help')) {
    output.line(STATUS_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  const environment = stringOption(parsed, 'env');
  if (environment === undefined) {
    throw new UsageError('--env is required: the environment whose status to print');
  }
  const client = await connect(parsed, output, 4, 'status');
  if (client === undefined) {
    return 2;
  }
  try {
    const namespace = stringOption(parsed, 'namespace');
    const name = statusObjectName(environment);
    const candidates = namespace !== undefined
      ? [await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name })].filter((object) => object !== undefined)
      : (await client.list('v1', 'ConfigMap', { labelSelector: `${ENVIRONMENT_LABEL}=${environment}` })).filter((object) => object.metadata.name === name);
    if (candidates.length === 0) {
      output.error(`status: no ConfigMap ${name} ${namespace === undefined ? 'in any namespace' : `in namespace ${namespace}`}; environment ${environment} was never reconciled in this cluster`);
      return 1;
    }
    if (candidates.length > 1) {
      throw new UsageError(`${name} exists in namespaces ${candidates.map((object) => object.metadata.namespace).join(', ')}; say which with --namespace`);
    }
    const found = candidates[0];
    const status = statusOf(found, found.metadata.namespace!, environment);
    output.result({ namespace: found.metadata.namespace, ...status }, describeStatus(status, found.metadata.namespace!));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    // The cluster could not be read (unreachable, forbidden, a status that does not parse): exit 1 as --help says.
    output.error(`status: could not read the status of environment ${environment} from the cluster: ${(error as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
}

function describeStatus(status: EnvironmentStatus, namespace: string): string {
  const lines = [`environment ${status.environment} (status in ConfigMap ${namespace}/${statusObjectName(status.environment)})`];
  const current = status.current;
  lines.push(current === undefined
    ? '  running:          nothing reconciled yet'
    : `  running:          ${current.commit.slice(0, 12)} (tree ${current.treeDigest.slice(0, 19)})${current.firstHealthyAt ? `, healthy since ${current.firstHealthyAt}` : ', not verified healthy'}`);
  lines.push(status.lastKnownGood === undefined
    ? '  last known good:  none (nothing verified healthy yet)'
    : `  last known good:  ${status.lastKnownGood.commit.slice(0, 12)}, healthy since ${status.lastKnownGood.firstHealthyAt}`);
  for (const failed of status.failedCommits) {
    lines.push(`  failed:           ${failed.commit.slice(0, 12)} at ${failed.at}: ${failed.reason}`);
  }
  if (status.history.length > 0) {
    lines.push('  recent reconciles:');
    for (const entry of status.history.slice(0, 10)) {
      const counts = entry.counts;
      lines.push(`    ${entry.startedAt}  ${entry.verdict.padEnd(11)} ${entry.commit.slice(0, 12)}  ${counts.created} created, ${counts.configured} configured, ${counts.pruned} pruned, ${counts.failed} failed; ${entry.writeRequests} writes, ${(entry.durationMs / 1000).toFixed(2)} s${entry.driftedObjects > 0 ? `; ${entry.driftedObjects} drifted` : ''}`);
    }
  }
  return lines.join('\n');
}

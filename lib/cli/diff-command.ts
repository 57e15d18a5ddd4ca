import { parseArguments, refusePositionals, stringOption } from './args';
import { integerOption } from './cluster-target';
import { Output } from './output';
import { connect } from './reconcile-command';
import { readLatestDesired, SOURCE_SWITCHES, SOURCE_USAGE, SOURCE_VALUE_OPTIONS } from './source-options';
import { KubeObject } from '../envrepo/kube-object';
import { namedObject } from '../reconciler/describe';
import { diffEnvironment } from '../reconciler/diff';
import { decidePrune, DEFAULT_MAX_PRUNE_SHARE } from '../reconciler/prune';

export const DIFF_USAGE = `usage: stagecraft diff (--repo PATH_OR_URL | --dir PATH) --env NAME [--kubeconfig FILE] [--context NAME] [--output json]

Compares one environment of an env-repo folder with its cluster, writing nothing: per object whether
reconcile would create, configure (with the declared fields whose live value differs, e.g. drift from
kubectl scale or kubectl edit) or prune it.

${SOURCE_USAGE}
  --kubeconfig FILE   kubeconfig (default $KUBECONFIG, else the dev cluster's when it exists, else ~/.kube/config)
  --context NAME      kubeconfig context (default its current-context)
  --concurrency N     requests in flight at once (default 16)
  --output json       print the differences as one JSON object

exit codes: 0 no difference, 1 differences found (or the cluster could not be read), 2 usage error or bad input`;

interface Difference {
  readonly action: 'create' | 'configure' | 'prune' | 'blocked';
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
  readonly constructPath?: string;
  readonly path?: string;
  readonly driftedFields?: readonly string[];
}

/** `stagecraft diff`: returns the exit code. */
export async function diffCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, {
    values: [...SOURCE_VALUE_OPTIONS, 'kubeconfig', 'context', 'concurrency', 'output'],
    switches: [...SOURCE_SWITCHES, 'help'],
  });
  if (parsed.options.has('help')) {
    output.line(DIFF_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'diff');
  const concurrency = integerOption(parsed, 'concurrency', 16, 1, 256);
  const desired = await readLatestDesired(parsed);
  const client = await connect(parsed, output, concurrency, 'diff');
  if (client === undefined) {
    return 2;
  }
  try {
    let diff;
    try {
      diff = await diffEnvironment(client, desired, concurrency);
    } catch (error) {
      output.error(`diff: could not read the live state of environment ${desired.environment.name}: ${(error as Error).message}`);
      return 1;
    }
    if ('refused' in diff) {
      output.error(`diff: reconcile would refuse this environment: ${diff.refused}`);
      return diff.badInput ? 2 : 1;
    }
    const differences: Difference[] = [];
    for (const change of diff.plan.changes) {
      if (change.action !== 'unchanged') {
        differences.push({
          ...identity(change.desired),
          action: change.action,
          reason: change.reason,
          path: change.path,
          ...(change.driftedFields.length > 0 ? { driftedFields: change.driftedFields } : {}),
        });
      }
    }
    for (const object of diff.plan.pruneCandidates) {
      differences.push({ ...identity(object), action: 'prune', reason: 'no longer in the desired state' });
    }
    const prune = decidePrune({
      candidates: diff.plan.pruneCandidates,
      members: diff.members,
      applysetId: diff.parent.id,
      options: { maxPruneShare: DEFAULT_MAX_PRUNE_SHARE, allowMassPrune: false },
    });
    const unchanged = diff.plan.changes.length - differences.filter((difference) => difference.action !== 'prune').length;
    if (output.isJson) {
      output.line(JSON.stringify({
        revision: desired.revision,
        environment: desired.environment.name,
        applyset: diff.parent.id,
        differences,
        unchanged,
        ...(prune.verdict === 'refused' ? { pruneRefusedByDefault: prune.message } : {}),
      }));
    } else {
      for (const difference of differences) {
        output.line(describeDifference(difference));
      }
      if (prune.verdict === 'refused') {
        output.line(`note: reconcile with the default --max-prune-share would refuse: ${prune.message}`);
      }
      const count = (action: Difference['action']): number => differences.filter((difference) => difference.action === action).length;
      output.line(differences.length === 0
        ? `no differences: ${unchanged} object${unchanged === 1 ? '' : 's'} live as desired`
        : `${differences.length} difference${differences.length === 1 ? '' : 's'}: ${count('create')} to create, ${count('configure')} to configure, ${count('prune')} to prune${count('blocked') > 0 ? `, ${count('blocked')} blocked` : ''}; ${unchanged} unchanged`);
    }
    return differences.length === 0 ? 0 : 1;
  } finally {
    client.close();
  }
}

function identity(object: KubeObject): Pick<Difference, 'apiVersion' | 'kind' | 'namespace' | 'name' | 'constructPath'> {
  return namedObject(object);
}

function describeDifference(difference: Difference): string {
  const object = difference.namespace === undefined ? `${difference.kind}/${difference.name}` : `${difference.kind}/${difference.namespace}/${difference.name}`;
  const construct = difference.constructPath === undefined ? '' : ` (construct ${difference.constructPath})`;
  const detail = difference.action === 'create' || difference.action === 'prune' ? '' : `: ${difference.reason}`;
  return `${difference.action.padEnd(10)} ${object}${construct}${detail}`;
}

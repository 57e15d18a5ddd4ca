import { parseArguments, refusePositionals, stringOption, UsageError } from './args';
import { Output } from './output';
import { connect } from './reconcile-command';
import { revisionSourceOf, SOURCE_SWITCHES, SOURCE_USAGE, SOURCE_VALUE_OPTIONS } from './source-options';
import { DELIVERY_STATUS_KINDS } from '../envrepo/environment-metadata';
import { EnvironmentTree, TreeVerificationError } from '../envrepo/read-environment';
import { parseVerificationRecord, recordPath, serializeRecord, STATUS_BRANCH, VerificationRecord } from '../envrepo/verification-record';
import { fetchRevision, readFileAtCommit } from '../git';
import { deliveryVerificationRecord, judgeDelivery, VERIFY_SOURCES } from '../promotion/verify-from';
import { systemClock } from '../reconciler/clock';
import { commitVerificationRecord } from '../reconciler/record-git';

export const VERIFY_USAGE = `usage: stagecraft verify --repo PATH_OR_URL --env NAME --from flux|argocd [options]

For an environment that Flux or Argo CD applies (Delivery.flux / Delivery.argoCd): reads the status that
controller wrote on the environment's Kustomization / Application and commits the same verification record
\`stagecraft reconcile --record\` writes to branch ${STATUS_BRANCH}, so promotion gates (verifiedUpstream, soak)
mean the same thing whatever applied the environment. Only the commit the env repo's branch holds is recorded:
Ready / Synced and Healthy there gives a healthy record, not ready or out of sync there a failed one, and a
controller still at an older commit gives no record at all. Run it after every env-repo commit (in CI) or on a
schedule; a record that would say what the last one said is not written again.

${SOURCE_USAGE}
  --from flux|argocd      which controller applies the environment (must match its Delivery)
  --kubeconfig PATH       kubeconfig of the cluster the controller runs in (default $KUBECONFIG or ~/.kube/config)
  --context NAME          kubeconfig context (default the current context)
  --output json           print the outcome as json

exit codes: 0 healthy record, 1 failed record or nothing to record (not at the env repo's commit yet), 2 bad input`;

/** `stagecraft verify --from flux|argocd`. */
export async function verifyCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: [...SOURCE_VALUE_OPTIONS, 'from', 'kubeconfig', 'context', 'output'], switches: [...SOURCE_SWITCHES, 'help'] });
  if (parsed.options.has('help')) {
    output.line(VERIFY_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'verify');
  const from = stringOption(parsed, 'from');
  if (from === undefined || !Object.prototype.hasOwnProperty.call(VERIFY_SOURCES, from)) {
    throw new UsageError(`--from ${from === undefined ? 'is required' : `"${from}" is not known`}; give --from flux or --from argocd`);
  }
  const { source, environment, repo, cacheDirectory } = await revisionSourceOf(parsed);
  if (repo === undefined) {
    throw new UsageError('verify commits a record to the env repo, so it needs --repo (a --dir folder has no branch to record on)');
  }
  const commit = await source.latest().catch((error: Error) => {
    throw new UsageError(error.message);
  });
  const tree = await readTree(() => source.read(commit));
  const delivery = tree.metadata.delivery;
  if (delivery === undefined || delivery.reconciler !== from) {
    throw new UsageError(`environment ${environment} is delivered by ${delivery?.reconciler ?? 'stagecraft'} at ${commit.slice(0, 12)} (${environment}/.stagecraft/environment.json), not by ${from}; `
      + (delivery === undefined ? 'record it with stagecraft reconcile --record, or give the environment Delivery.flux / Delivery.argoCd' : `run stagecraft verify --from ${delivery.reconciler}`));
  }

  const client = await connect(parsed, output, 4, 'verify');
  if (client === undefined) {
    return 2;
  }
  const { apiVersion, kind } = DELIVERY_STATUS_KINDS[delivery.reconciler];
  const described = `${kind} ${delivery.namespace}/${delivery.name}`;
  let statusObject: unknown;
  try {
    statusObject = await client.get({ apiVersion, kind, namespace: delivery.namespace, name: delivery.name });
  } catch (error) {
    output.error(`verify: could not read ${described} (${apiVersion}): ${(error as Error).message}; is ${VERIFY_SOURCES[from].name} installed in this cluster? Nothing was recorded`);
    return 1;
  } finally {
    client.close();
  }
  if (statusObject === undefined) {
    output.error(`verify: ${described} does not exist, so ${VERIFY_SOURCES[from].name} does not apply ${environment} yet; apply ${environment}/_delivery/ once (kubectl apply -f). Nothing was recorded`);
    return 1;
  }

  const judgement = judgeDelivery(delivery.reconciler, statusObject, commit);
  if (!judgement.atRevision) {
    output.result({ environment, commit, outcome: 'not-recorded', reason: judgement.reason }, `not recorded: ${judgement.reason} (the env repo holds ${commit.slice(0, 12)}); run verify again once it has applied that commit`);
    return 1;
  }
  const earlier = await earlierRecord(repo, cacheDirectory, environment, commit);
  const now = new Date(systemClock.now()).toISOString();
  const record = deliveryVerificationRecord({ tree, commit, judgement, now, earlier });
  let recordCommit: string | undefined;
  if (earlier === undefined || earlier.verdict !== record.verdict || earlier.reason !== record.reason || earlier.lockDigest !== record.lockDigest) {
    recordCommit = await commitVerificationRecord({
      repo,
      cacheDirectory,
      path: recordPath(record),
      content: serializeRecord(record),
      message: `stagecraft: ${environment} ${record.verdict} at ${commit.slice(0, 12)} (from ${from})`,
      author: { name: 'stagecraft verify', email: 'verify@stagecraft.invalid' },
      clockIso: now,
    });
  }
  const recorded = recordCommit === undefined ? `unchanged (${recordPath(record)} on ${STATUS_BRANCH} says so already)` : `recorded as ${recordCommit.slice(0, 12)} on ${STATUS_BRANCH}`;
  output.result({ environment, commit, outcome: record.verdict, reason: judgement.reason, ...(recordCommit === undefined ? {} : { recordCommit }) },
    `${record.verdict} ${environment} at ${commit.slice(0, 12)} (${VERIFY_SOURCES[from].name}: ${judgement.reason}); ${recorded}`);
  return record.verdict === 'healthy' ? 0 : 1;
}

async function readTree(read: () => Promise<EnvironmentTree>): Promise<EnvironmentTree> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof TreeVerificationError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** The record of this commit already on the status branch, if any (an unreadable one counts as none). */
async function earlierRecord(repo: string, cacheDirectory: string, environment: string, commit: string): Promise<VerificationRecord | undefined> {
  let status;
  try {
    status = await fetchRevision({ repo, branch: STATUS_BRANCH, cacheDirectory });
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
  const file = recordPath({ environment, commit });
  const bytes = await readFileAtCommit(status.gitDirectory, status.commit, file);
  if (bytes === undefined) {
    return undefined;
  }
  try {
    return parseVerificationRecord(file, Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

import * as fs from 'fs';
import * as path from 'path';
import { parseArguments, ParsedArguments, refusePositionals, stringOption, UsageError } from './args';
import { Output } from './output';
import { connect } from './reconcile-command';
import { ALERT_URLS_KEY, readSecret, WEBHOOK_SECRET_KEY } from './serving-options';
import { GIT_CREDENTIAL_OPTIONS, GIT_CREDENTIAL_USAGE, gitTransportOf, readLatestDesired, SOURCE_SWITCHES, SOURCE_VALUE_OPTIONS } from './source-options';
import { toCanonicalYaml } from '../envrepo/canonical-yaml';
import { KubeObject } from '../envrepo/kube-object';
import { locateRepository } from '../git';
import { parseAlertTarget } from '../reconciler/alert-format';
import { BootstrapChange, bootstrapObjects, CredentialFiles, installReconciler, uninstallReconciler } from '../reconciler/bootstrap';

export const BOOTSTRAP_USAGE = `usage: stagecraft bootstrap --env NAME --repo PATH_OR_URL [--branch NAME] [--context NAME]
                           [--ssh-key FILE --known-hosts FILE | --token-file FILE] [--git-ca-file FILE]
                           [--webhook-secret-file FILE] [--alert-url [FORMAT=]URL]… [--dry-run]

Installs the environment's in-cluster reconciler the way the environment declares it (the reconciler option of
its Environment construct, synthesized into <env>/_reconciler/ of the env repo), as a cluster administrator:
the control namespace, the reconciler's ServiceAccount, its least-privilege RBAC (one Role per namespace of the
environment, a ClusterRole only for what it manages by name), the ConfigMap of allowed signers / OpenPGP keys
when the environment requires signed commits, a Secret stagecraft-reconciler-<env>-credentials with the git
credentials given here, and the Deployment (image by digest, as the environment names it).

Idempotent: an object is written only when it is missing or differs, so a second run sends no write. After
that the reconciler manages its own objects from git; when the environment starts using a kind its RBAC does
not grant, the reconciler's 403 says so, and running bootstrap again applies the regenerated RBAC.

  --repo PATH_OR_URL      env repo to read the environment from (the Deployment pulls the repository the
                          environment declares)
  --branch NAME           branch of the env repo (default main)
  --env NAME              the environment whose reconciler to install
  --cache-dir PATH        where git mirrors are kept (default ~/.cache/stagecraft/repos)
${GIT_CREDENTIAL_USAGE}
                          (the same files go into the credentials Secret for the reconciler)
  --webhook-secret-file FILE  turn the installed reconciler's POST /hooks/git on with this shared secret (key
                          webhook-secret of the Secret; at least 16 bytes)
  --alert-url [FORMAT=]URL  where the installed reconciler POSTs verdict changes (json or slack; repeat for several;
                          key alert-urls of the Secret, one per line: a Slack URL is itself a secret)
  --dry-run               print the objects as YAML (Secret values redacted), write nothing
  --kubeconfig FILE       an administrator's kubeconfig (default $KUBECONFIG, else ~/.kube/config)
  --context NAME          kubeconfig context (default its current-context)
  --output json           print one JSON object

exit codes: 0 installed (or unchanged), 2 usage error or bad input (an environment without a reconciler, a
credentials file that cannot be used), a refusal of the API server is printed with its reason`;

export const UNINSTALL_USAGE = `usage: stagecraft uninstall --env NAME [--kubeconfig FILE] [--context NAME] [--output json]

Removes what stagecraft bootstrap installed for the environment, and nothing else: the objects labelled as the
environment's reconciler that carry bootstrap's annotation (stagecraft.dev/bootstrapped-for). The control
namespace is deleted only when bootstrap created it and no application of the environment lives in it; the
environment's applications stay as they are.`;

/** Keys of the credentials Secret, by the option naming the file. */
const SECRET_KEYS: ReadonlyArray<[string, string]> = [['ssh-key', 'ssh-key'], ['known-hosts', 'known_hosts'], ['token-file', 'token'], ['git-ca-file', 'ca.crt']];

/** `stagecraft bootstrap`: returns the exit code. */
export async function bootstrapCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, {
    values: [...SOURCE_VALUE_OPTIONS, 'kubeconfig', 'context', 'output', 'webhook-secret-file', 'alert-url'],
    repeatable: ['alert-url'],
    switches: [...SOURCE_SWITCHES, 'dry-run', 'help'],
  });
  if (parsed.options.has('help')) {
    output.line(BOOTSTRAP_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'bootstrap');
  if (stringOption(parsed, 'repo') === undefined) {
    throw new UsageError('--repo is required: the env repo holding the environment, e.g. --repo git@github.com:acme/env.git');
  }
  if (parsed.options.has('credentials-dir')) {
    throw new UsageError('--credentials-dir is how the installed reconciler reads its Secret; give bootstrap the files: --ssh-key and --known-hosts, or --token-file');
  }
  // A remote --repo is fetched with the credentials (which checks them); a local one is read without.
  const local = !locateRepository(stringOption(parsed, 'repo')!).isUrl;
  const desired = await readLatestDesired(local ? withoutCredentials(parsed) : parsed);
  const declared = desired.environment.reconciler?.repository;
  if (declared !== undefined) {
    // The credentials are for the repository the reconciler will pull: refused before anything is written.
    gitTransportOf(parsed, declared);
  }
  const objects = bootstrapObjects(desired, credentialFiles(parsed));
  const environment = desired.environment.name;
  if (parsed.options.has('dry-run')) {
    output.line(objects.map((object) => toCanonicalYaml(redacted(object))).join('---\n').trimEnd());
    return 0;
  }
  const client = await connect(parsed, output, 4, 'bootstrap');
  if (client === undefined) {
    return 2;
  }
  try {
    const changes = await installReconciler(client, objects, desired);
    printChanges(output, changes, client.writeRequests, `bootstrapped ${environment} at ${desired.revision.slice(0, 12)}`);
    return 0;
  } finally {
    client.close();
  }
}

/** `stagecraft uninstall`: returns the exit code. */
export async function uninstallCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: ['env', 'kubeconfig', 'context', 'output'], switches: ['help'] });
  if (parsed.options.has('help')) {
    output.line(UNINSTALL_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'uninstall');
  const environment = stringOption(parsed, 'env');
  if (environment === undefined) {
    throw new UsageError('--env is required: the environment whose reconciler to remove');
  }
  const client = await connect(parsed, output, 4, 'uninstall');
  if (client === undefined) {
    return 2;
  }
  try {
    const changes = await uninstallReconciler(client, environment);
    printChanges(output, changes, client.writeRequests, `uninstalled the reconciler of ${environment}`);
    return 0;
  } finally {
    client.close();
  }
}

function withoutCredentials(parsed: ParsedArguments): ParsedArguments {
  const options = new Map(parsed.options);
  GIT_CREDENTIAL_OPTIONS.forEach((option) => options.delete(option));
  return { ...parsed, options };
}

function credentialFiles(parsed: ParsedArguments): CredentialFiles | undefined {
  const files: Record<string, Uint8Array> = {};
  for (const [option, key] of SECRET_KEYS) {
    const file = stringOption(parsed, option);
    if (file !== undefined) {
      files[key] = fs.readFileSync(path.resolve(file));
    }
  }
  // Checked as the reconciler will check them, before anything is written; never printed.
  const secretFile = stringOption(parsed, 'webhook-secret-file');
  if (secretFile !== undefined) {
    try {
      files[WEBHOOK_SECRET_KEY] = readSecret(path.resolve(secretFile));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const alertUrls = parsed.repeated.get('alert-url') ?? [];
  for (const value of alertUrls) {
    try {
      parseAlertTarget(value);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (alertUrls.length > 0) {
    files[ALERT_URLS_KEY] = Buffer.from(`${alertUrls.join('\n')}\n`);
  }
  return Object.keys(files).length === 0 ? undefined : files;
}

/** A Secret's values never reach the terminal: each is replaced by its size. */
function redacted(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret') {
    return object;
  }
  const data = (object as unknown as { data: Record<string, string> }).data;
  const sizes = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, `(redacted: ${Buffer.from(value, 'base64').length} bytes)`]));
  return { ...object, data: sizes } as KubeObject;
}

function printChanges(output: Output, changes: readonly BootstrapChange[], writeRequests: number, summary: string): void {
  const count = (action: BootstrapChange['action']) => changes.filter((change) => change.action === action).length;
  if (output.isJson) {
    output.line(JSON.stringify({ changes, writeRequests }));
    return;
  }
  for (const change of changes) {
    if (change.action !== 'unchanged') {
      output.line(`${change.action.padEnd(11)} ${change.object}${change.message === undefined ? '' : `: ${change.message}`}`);
    }
  }
  const counted = (['created', 'configured', 'unchanged', 'deleted', 'kept'] as const).filter((action) => count(action) > 0).map((action) => `${count(action)} ${action}`);
  output.line(`${summary}: ${counted.join(', ') || 'nothing found'}; ${writeRequests} write request${writeRequests === 1 ? '' : 's'}`);
}


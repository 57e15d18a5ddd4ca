import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Application, Environment, Fleet } from '../../lib';
import { approvalPath, ApprovalRecord, serializeApproval } from '../../lib/envrepo/approval';
import { EnvironmentMetadata } from '../../lib/envrepo/environment-metadata';
import { KubeObject } from '../../lib/envrepo/kube-object';
import { EnvRepoLimits } from '../../lib/envrepo/limits';
import { TreeVerificationError } from '../../lib/envrepo/read-environment';
import { gitSource } from '../../lib/reconciler/revision-source';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { fakeDigest, readTree, scratchFleet, scratchFolder } from '../support/fleets';
import { git, gitWithInput } from '../support/git';
import { GitEnvRepo } from '../support/git-env-repo';
import { configMap, deployment, service } from '../support/objects';
import { recordVerification } from '../support/promotion-repo';
import { copyRepo, email, PROD_TIME, SIGNED_WEB, SIGNED_WEB_2, signedPromotionRepo, SignedPromotionRepo } from '../support/signed-promotion';
import { gitWithKey } from '../support/signing-keys';
import { kubectl, startTestCluster, uniqueName } from '../support/test-cluster';

/**
 * Hostile inputs (issue 5, item 2): every case is an input someone with push access to the env repo, or to the
 * fleet program's releases, could make. Each must be refused before anything is written, with a message that
 * names the file or object. Three ways in: synth (the output folder stays byte for byte as it was),
 * `stagecraft reconcile --repo` on the real test control plane (exit 2, `writeRequests: 0`, and kubectl finds
 * nothing), and the git source read directly with small limits (it throws before returning a single file).
 */
jest.setTimeout(240_000);

/** The classes issue 5 lists, plus images not pinned by digest (an environment policy the reader now enforces too). */
const CLASSES = [
  'invalid yaml',
  'duplicate keys',
  'yaml alias and merge-key bombs',
  'several objects where one is expected',
  'files over a size cap',
  'unsupported format versions',
  '".." and absolute paths',
  'symlinks leaving the environment folder',
  'files missing from or extra to the lock',
  'digest mismatch',
  'duplicate object identity',
  'non-DNS-1123 names',
  'unknown kinds',
  'cluster-scoped objects the environment forbids',
  'objects outside the environment\'s namespaces',
  'plaintext secrets',
  'annotations over 256 KiB',
  'oversized synth input',
  'images not pinned by digest',
  'forged approvals',
  'git credential files',
  'bootstrap inputs',
  'files reused from a verified tree',
] as const;
type InputClass = typeof CLASSES[number];

const RESYNTH = 're-run stagecraft synth and commit its output';
const NO_SHARING = 'anchors, aliases and merge keys are not allowed';
const PLAIN_FILES = 'the env repo holds plain files only: replace it with a file or re-run stagecraft synth';
const WEB_IMAGE = `registry.example/web@sha256:${fakeDigest('web')}`;
const DIGEST_ANNOTATION_BYTES = 'stagecraft.dev/applied-digest'.length + 'sha256:'.length + 64;

/** What a case built for the env repo: the environment (also its namespace) in a git repository. */
interface RepoContext {
  readonly repo: GitEnvRepo;
  readonly env: string;
  readonly root: string;
}

/** After the case committed its input. */
interface CommittedContext extends RepoContext {
  readonly commit: string;
}

interface SynthContext {
  readonly root: string;
  readonly outdir: string;
  readonly releases: string;
}

interface HostileCase {
  /** How the input is built, as the test names it. */
  readonly name: string;
  readonly inputClass: InputClass;
  readonly entry: 'synth' | 'env repo' | 'git source';
  /** environment.json of the env repo, when the case needs another policy. */
  readonly metadata?: (env: string) => Partial<EnvironmentMetadata>;
  /** Writes the hostile files; returns the commit when it committed itself (git plumbing). */
  readonly envRepo?: (context: RepoContext) => string | void;
  /** `--env` to pass instead of the environment. */
  readonly envArgument?: (context: RepoContext) => string;
  /** Limits of the git source. */
  readonly limits?: EnvRepoLimits;
  /**
   * For a git source case: the tree an earlier read verified (and kept beside the mirror), committed and read
   * before the case's input is committed on top of it and read by a source of its own, as the next process would.
   */
  readonly verifiedFirst?: (context: RepoContext) => void;
  /** kubectl get arguments that must find nothing, besides the environment's namespace. */
  readonly absent?: (context: RepoContext) => string[][];
  /** Builds the fleet (and its releases or output folder) for a synth case. */
  readonly synth?: (fleet: Fleet, context: SynthContext) => void;
  /** The whole refusal message. */
  readonly refusal: (context: CommittedContext & SynthContext) => string | RegExp;
}

// ---------------------------------------------------------------------------------------------------------------
// Builders

function objectYaml(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** A ConfigMap `name` in the environment's namespace, with `data` lines (indented by two). */
function configMapYaml(env: string, name: string, data: string[], extraMetadata: string[] = []): string {
  return objectYaml(['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, `  namespace: ${env}`, ...extraMetadata, 'data:', ...data]);
}

function clusterAdminBinding(name: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
  };
}

function allowing(kinds: string[], requireImageDigest = false): (env: string) => Partial<EnvironmentMetadata> {
  return () => ({ policy: { requireImageDigest, requireSignedCommits: false, allowedClusterScopedKinds: kinds } });
}

function fileIn(context: RepoContext, relativePath: string): string {
  return path.join(context.root, relativePath);
}

/** Rewrites the environment's lock.json in place (a hand edit: nothing relocks it). */
function rewriteLock(context: RepoContext, change: (lock: any) => void): void {
  const lockFile = fileIn(context, `${context.env}/.stagecraft/lock.json`);
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  change(lock);
  fs.writeFileSync(lockFile, JSON.stringify(lock));
}

/** Commits the current files plus one more entry in the environment's tree, made with git plumbing (no checkout could hold it). */
function commitWithTreeEntry(context: RepoContext, entry: { mode: string; type: string; object: string; name: string }): string {
  const { root, env } = context;
  context.repo.commit('the environment as synth wrote it');
  const entriesOf = (tree: string) => gitWithInput(root, '', 'ls-tree', '-z', tree).split('\0').filter((line) => line.length > 0);
  const environmentTree = gitWithInput(root, [...entriesOf(`HEAD:${env}`), `${entry.mode} ${entry.type} ${entry.object}\t${entry.name}`].map((line) => `${line}\0`).join(''), 'mktree', '-z');
  const rootEntries = entriesOf('HEAD^{tree}').map((line) => (line.endsWith(`\t${env}`) ? `040000 tree ${environmentTree}\t${env}` : line));
  const rootTree = gitWithInput(root, rootEntries.map((line) => `${line}\0`).join(''), 'mktree', '-z');
  const commit = git(root, 'commit-tree', rootTree, '-p', 'HEAD', '-m', `hostile tree entry ${JSON.stringify(entry.name)}`);
  git(root, 'update-ref', 'refs/heads/main', commit);
  return commit;
}

/** The tree the git source kept for the case's environment, beside its mirror in the suite's cache. */
function keptTreeFile(context: RepoContext): string {
  const mirrors = fs.readdirSync(cache).map((name) => path.join(cache, name, 'stagecraft', `verified-${context.env}.json`));
  const kept = mirrors.filter((file) => fs.existsSync(file));
  if (kept.length !== 1) {
    throw new Error(`expected one kept tree of ${context.env} in ${cache}, found ${kept.length}`);
  }
  return kept[0];
}

function blob(context: RepoContext, content: string): string {
  return gitWithInput(context.root, content, 'hash-object', '-w', '--stdin');
}

// ---------------------------------------------------------------------------------------------------------------
// Expected messages

/** How the reconciler refuses a tree that is not what synth wrote. */
function treeRefusal(context: CommittedContext, problems: string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `refusing ${context.env} at commit ${context.commit.slice(0, 12)} of ${context.root}: ${count}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}. Nothing was applied`;
}

/** How the reconciler refuses, at plan time, kinds the server cannot take. */
function kindRefusal(problems: string[]): string {
  const count = problems.length === 1 ? 'one kind' : `${problems.length} kinds`;
  return `the API server cannot take ${count} of this revision: ${problems.join('; ')}. Nothing was applied or deleted`;
}

function synthRefusal(problems: string[]): string {
  return `stagecraft synth found ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}; nothing was written:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The table

const CASES: HostileCase[] = [
  // invalid yaml
  {
    name: 'an object file that is not valid yaml',
    inputClass: 'invalid yaml',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.web.yaml`, objectYaml(['apiVersion: v1', 'kind: ConfigMap', `metadata: {name: web, namespace: ${c.env}`])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: invalid yaml at line 4, column 1: unexpected end of the stream within a flow collection; ${RESYNTH}`]),
  },
  {
    name: 'an object file that is not utf-8',
    inputClass: 'invalid yaml',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.web.yaml`, Buffer.concat([Buffer.from(configMapYaml(c.env, 'web', ['  A: '])), Buffer.from([0xc3, 0x28, 0x0a])])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: not valid utf-8; ${RESYNTH}`]),
  },
  {
    name: 'a releases file that is not valid yaml',
    inputClass: 'invalid yaml',
    entry: 'synth',
    synth: (_fleet, c) => fs.writeFileSync(path.join(c.releases, 'dev.yaml'), 'environment: dev\napplications: {web: [\n'),
    refusal: () => synthRefusal(['releases/dev.yaml: invalid yaml: unexpected end of the stream within a flow collection (3:1)']),
  },
  // duplicate keys
  {
    name: 'a second metadata map smuggling the object into kube-system',
    inputClass: 'duplicate keys',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.web.yaml`, objectYaml([
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: web', `  namespace: ${c.env}`, 'data:', '  A: x', 'metadata:', '  name: web', '  namespace: kube-system',
    ])),
    absent: () => [['configmap', 'web', '-n', 'kube-system']],
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: invalid yaml at line 8, column 1: duplicated mapping key; ${RESYNTH}`]),
  },
  {
    name: 'a data key given twice',
    inputClass: 'duplicate keys',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.web.yaml`, configMapYaml(c.env, 'web', ['  LOG_LEVEL: info', '  LOG_LEVEL: debug'])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: invalid yaml at line 8, column 3: duplicated mapping key; ${RESYNTH}`]),
  },
  {
    name: 'a release given twice in a releases file',
    inputClass: 'duplicate keys',
    entry: 'synth',
    synth: (_fleet, c) => fs.writeFileSync(path.join(c.releases, 'dev.yaml'), `environment: dev\napplications:\n  web:\n    image: ${WEB_IMAGE}\n  web:\n    image: registry.example/web:evil\n`),
    refusal: () => synthRefusal(['releases/dev.yaml: invalid yaml: duplicated mapping key (5:3)']),
  },
  // yaml alias and merge-key bombs
  {
    name: 'a billion-laughs alias bomb',
    inputClass: 'yaml alias and merge-key bombs',
    entry: 'env repo',
    envRepo: (c) => {
      const levels = ['  l0: &l0 "lol"'];
      for (let level = 1; level <= 9; level++) {
        levels.push(`  l${level}: &l${level} [${Array.from({ length: 10 }, () => `*l${level - 1}`).join(', ')}]`);
      }
      c.repo.putFile(`${c.env}/web/configmap.web.yaml`, configMapYaml(c.env, 'web', [...levels]));
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: yaml anchor "&l0" at line 7; ${NO_SHARING}; ${RESYNTH}`]),
  },
  {
    name: 'a merge key in a Deployment\'s labels',
    inputClass: 'yaml alias and merge-key bombs',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/deployment.web.yaml`, objectYaml([
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', `  namespace: ${c.env}`, '  labels:', '    <<: {app: web, tier: admin}',
      'spec:', '  selector: {matchLabels: {app: web}}', '  template:', '    metadata: {labels: {app: web}}', `    spec: {containers: [{name: web, image: "${WEB_IMAGE}"}]}`,
    ])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/deployment.web.yaml: merge key "<<" at metadata.labels; ${NO_SHARING}; ${RESYNTH}`]),
  },
  {
    name: 'an alias bomb in a releases file',
    inputClass: 'yaml alias and merge-key bombs',
    entry: 'synth',
    synth: (_fleet, c) => fs.writeFileSync(path.join(c.releases, 'dev.yaml'), [
      'environment: dev',
      'applications:',
      '  web:',
      `    image: &image ${WEB_IMAGE}`,
      '    message: *image',
      '',
    ].join('\n')),
    refusal: () => synthRefusal([`releases/dev.yaml: yaml anchor "&image" at line 4; ${NO_SHARING}`]),
  },
  // several objects where one is expected
  {
    name: 'a ClusterRoleBinding smuggled in as a second yaml document',
    inputClass: 'several objects where one is expected',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.web.yaml`, `${configMapYaml(c.env, 'web', ['  A: x'])}---\n${objectYaml([
      'apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', `metadata: {name: ${c.env}-admin}`, 'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
    ])}`),
    absent: (c) => [['clusterrolebinding', `${c.env}-admin`]],
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: holds 2 yaml documents, exactly one is allowed (one object per file); ${RESYNTH}`]),
  },
  {
    name: 'a kind: List object carrying two objects',
    inputClass: 'several objects where one is expected',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/list.web.yaml`, objectYaml([
      'apiVersion: v1', 'kind: List', 'metadata:', '  name: web', `  namespace: ${c.env}`, 'items:',
      `  - {apiVersion: v1, kind: ConfigMap, metadata: {name: one, namespace: ${c.env}}}`,
      `  - {apiVersion: v1, kind: ConfigMap, metadata: {name: two, namespace: ${c.env}}}`,
    ])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/list.web.yaml (List/${c.env}/web): is a List of 2 objects, but a file holds exactly one object; write each item as an object of its own`]),
  },
  {
    name: 'a releases file of two yaml documents',
    inputClass: 'several objects where one is expected',
    entry: 'synth',
    synth: (_fleet, c) => fs.writeFileSync(path.join(c.releases, 'dev.yaml'), `environment: dev\napplications:\n  web: ${WEB_IMAGE}\n---\nenvironment: dev\napplications:\n  web: registry.example/web:evil\n`),
    refusal: () => synthRefusal(['releases/dev.yaml: invalid yaml: expected a single document in the stream, but found more']),
  },
  // files over a size cap
  {
    name: 'an object file one byte over 1 MiB, judged from the git tree before it is read',
    inputClass: 'files over a size cap',
    entry: 'env repo',
    envRepo: (c) => {
      const head = configMapYaml(c.env, 'big', ['  A: x']);
      c.repo.putFile(`${c.env}/web/configmap.big.yaml`, `${head}#${'x'.repeat(1024 * 1024 - head.length - 1)}\n`);
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.big.yaml: 1048577 bytes, over the limit of 1048576 bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit`]),
  },
  {
    name: 'an environment over the per-environment limit',
    inputClass: 'files over a size cap',
    entry: 'git source',
    limits: { maxTotalBytes: 2048 },
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.notes.yaml`, configMapYaml(c.env, 'notes', [`  NOTES: ${'n'.repeat(2048)}`])),
    refusal: (c) => {
      const files = fs.readdirSync(path.join(c.root, c.env), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      const total = files.reduce((sum, entry) => sum + fs.statSync(path.join(entry.parentPath, entry.name)).size, 0);
      return treeRefusal(c, [`${c.env}/: ${total} bytes in ${files.length} files, over the limit of 2048 bytes per environment; split the environment or raise the per-environment limit`]).replace(/\. Nothing was applied$/, '');
    },
  },
  {
    name: 'an environment of more files than the limit',
    inputClass: 'files over a size cap',
    entry: 'git source',
    limits: { maxFiles: 3 },
    envRepo: (c) => void ['a', 'b', 'c'].forEach((name) => c.repo.put('web', configMap(c.env, name))),
    refusal: (c) => treeRefusal(c, [`${c.env}/: 7 files, over the limit of 3 files per environment; split the environment or raise the limit`]).replace(/\. Nothing was applied$/, ''),
  },
  {
    name: 'a metadata file over the metadata-file limit, judged from the git tree before it is read',
    inputClass: 'files over a size cap',
    entry: 'git source',
    limits: { maxMetadataFileBytes: 2048 },
    metadata: () => ({ labels: { padding: 'p'.repeat(2048) } }),
    refusal: (c) => {
      const size = fs.statSync(fileIn(c, `${c.env}/.stagecraft/environment.json`)).size;
      return treeRefusal(c, [`${c.env}/.stagecraft/environment.json: ${size} bytes, over the limit of 2048 bytes per metadata file; split the environment (fewer applications or objects) or raise the metadata-file limit`]).replace(/\. Nothing was applied$/, '');
    },
  },
  {
    name: 'a tree that says it is format 1 with an environment.json over format 1\'s limit of 1 MiB',
    inputClass: 'unsupported format versions',
    entry: 'env repo',
    metadata: () => ({ schemaVersion: 1, labels: { padding: 'p'.repeat(1024 * 1024) } }),
    envRepo: (c) => rewriteLock(c, (lock) => lock.schemaVersion = 1),
    refusal: (c) => {
      const size = fs.statSync(fileIn(c, `${c.env}/.stagecraft/environment.json`)).size;
      return treeRefusal(c, [`${c.env}/.stagecraft/environment.json: ${size} bytes, over format 1's limit of 1048576 bytes per file (the lock says schemaVersion 1); re-run stagecraft synth with this version to write format 2`]);
    },
  },
  {
    name: 'a lock of a format newer than this stagecraft reads',
    inputClass: 'unsupported format versions',
    entry: 'env repo',
    envRepo: (c) => rewriteLock(c, (lock) => lock.schemaVersion = 3),
    refusal: (c) => treeRefusal(c, [`${c.env}/.stagecraft/lock.json: schemaVersion 3 is not supported (this stagecraft reads 1 and 2); upgrade stagecraft to read it`]),
  },
  {
    name: 'a releases file one byte over 1 MiB',
    inputClass: 'oversized synth input',
    entry: 'synth',
    synth: (_fleet, c) => {
      const head = `environment: dev\napplications:\n  web: ${WEB_IMAGE}\n`;
      fs.writeFileSync(path.join(c.releases, 'dev.yaml'), `${head}#${'x'.repeat(1024 * 1024 - head.length - 1)}\n`);
    },
    refusal: () => synthRefusal(['releases/dev.yaml: 1048577 bytes, over the limit of 1048576 bytes per releases file; it was not read: keep only the releases of environment "dev" in it']),
  },
  {
    name: 'a rendered ConfigMap over 1 MiB',
    inputClass: 'oversized synth input',
    entry: 'synth',
    synth: (fleet) => void new Application(fleet, 'dump', {
      manifests: { produce: (scope) => void new kplus.ConfigMap(scope, 'config', { metadata: { name: 'dump' }, data: { DUMP: 'd'.repeat(1100 * 1024) } }) },
    }),
    refusal: () => new RegExp(`^${escape(synthRefusal(['dev/dump/config/Resource (ConfigMap/dev/dump): dev/dump/configmap.dump.yaml: ']))}\\d{7}${escape(' bytes, over the limit of 1048576 bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit')}$`),
  },
  // ".." and absolute paths
  {
    name: 'a tree entry named ".." inside the environment folder',
    inputClass: '".." and absolute paths',
    entry: 'env repo',
    envRepo: (c) => {
      const escaped = gitWithInput(c.root, `100644 blob ${blob(c, configMapYaml(c.env, 'escaped', ['  A: x']))}\tescaped.yaml\0`, 'mktree', '-z');
      return commitWithTreeEntry(c, { mode: '040000', type: 'tree', object: escaped, name: '..' });
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/../escaped.yaml: path has a ".." segment; remove the file from the env repo`]),
  },
  {
    name: 'a lock listing an absolute path',
    inputClass: '".." and absolute paths',
    entry: 'env repo',
    envRepo: (c) => {
      const lockFile = fileIn(c, `${c.env}/.stagecraft/lock.json`);
      const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
      lock.files['/etc/passwd'] = `sha256:${'0'.repeat(64)}`;
      fs.writeFileSync(lockFile, JSON.stringify(lock));
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/.stagecraft/lock.json: files["/etc/passwd"]: path is absolute; a lock lists only plain relative paths inside its environment folder, re-run stagecraft synth to rewrite it`]),
  },
  {
    name: 'a lock listing a path that climbs into another environment',
    inputClass: '".." and absolute paths',
    entry: 'env repo',
    envRepo: (c) => {
      const lockFile = fileIn(c, `${c.env}/.stagecraft/lock.json`);
      const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
      lock.files[`${c.env}/../prod/web/secret.db.yaml`] = `sha256:${'0'.repeat(64)}`;
      fs.writeFileSync(lockFile, JSON.stringify(lock));
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/.stagecraft/lock.json: files["${c.env}/../prod/web/secret.db.yaml"]: path has a ".." segment; a lock lists only plain relative paths inside its environment folder, re-run stagecraft synth to rewrite it`]),
  },
  {
    name: 'an environment named "../<env>" on the command line',
    inputClass: '".." and absolute paths',
    entry: 'env repo',
    envArgument: (c) => `../${c.env}`,
    refusal: (c) => `could not read ../${c.env} at ${c.commit}: environment name "../${c.env}" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pass the name of a folder stagecraft synth wrote. Nothing was applied`,
  },
  {
    name: 'an absolute environment name on the command line',
    inputClass: '".." and absolute paths',
    entry: 'env repo',
    envArgument: () => '/etc',
    refusal: (c) => `could not read /etc at ${c.commit}: environment name "/etc" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pass the name of a folder stagecraft synth wrote. Nothing was applied`,
  },
  {
    name: 'a file name with a line break that would forge a log line',
    inputClass: '".." and absolute paths',
    entry: 'git source',
    envRepo: (c) => commitWithTreeEntry(c, { mode: '100644', type: 'blob', object: blob(c, 'x\n'), name: 'web\n  - nothing wrong here.yaml' }),
    refusal: (c) => treeRefusal(c, [`"${c.env}/web\\n  - nothing wrong here.yaml": path contains a control character; remove the file from the env repo`]).replace(/\. Nothing was applied$/, ''),
  },
  {
    name: 'an object kind that climbs out of the output folder',
    inputClass: '".." and absolute paths',
    entry: 'synth',
    synth: (fleet) => void new Application(fleet, 'jobs', {
      manifests: { produce: (scope) => void new ApiObject(scope, 'escape', { apiVersion: 'v1', kind: '../../../Escaped', metadata: { name: 'x' } }) },
    }),
    refusal: () => synthRefusal(['dev/jobs/escape (../../../Escaped/dev/x): kind "../../../Escaped" is not a kubernetes kind (letters, digits and "-", starting with a letter, at most 63 characters); fix the kind']),
  },
  // symlinks leaving the environment folder
  {
    name: 'an object file that is a symbolic link to /etc/passwd',
    inputClass: 'symlinks leaving the environment folder',
    entry: 'env repo',
    envRepo: (c) => fs.symlinkSync('/etc/passwd', fileIn(c, `${c.env}/web/configmap.passwd.yaml`)),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.passwd.yaml: is a symbolic link; ${PLAIN_FILES}`]),
  },
  {
    name: 'an application folder that is a symbolic link out of the repository',
    inputClass: 'symlinks leaving the environment folder',
    entry: 'env repo',
    envRepo: (c) => fs.symlinkSync('../../..', fileIn(c, `${c.env}/shared`)),
    refusal: (c) => treeRefusal(c, [`${c.env}/shared: is a symbolic link; ${PLAIN_FILES}`]),
  },
  {
    name: 'a submodule pointing at another repository',
    inputClass: 'symlinks leaving the environment folder',
    entry: 'env repo',
    envRepo: (c) => commitWithTreeEntry(c, { mode: '160000', type: 'commit', object: 'a'.repeat(40), name: 'vendor' }),
    refusal: (c) => treeRefusal(c, [`${c.env}/vendor: is a submodule; ${PLAIN_FILES}`]),
  },
  {
    name: 'a releases file that is a symbolic link',
    inputClass: 'symlinks leaving the environment folder',
    entry: 'synth',
    synth: (_fleet, c) => {
      fs.writeFileSync(path.join(c.root, 'elsewhere.yaml'), `environment: dev\napplications:\n  web: ${WEB_IMAGE}\n`);
      fs.rmSync(path.join(c.releases, 'dev.yaml'));
      fs.symlinkSync('../elsewhere.yaml', path.join(c.releases, 'dev.yaml'));
    },
    refusal: () => synthRefusal(['releases/dev.yaml: is a symbolic link (to ../elsewhere.yaml); a link can point outside the repository, so releases are read from plain files only: replace it with the file itself']),
  },
  {
    name: 'an output folder whose application folder is a symbolic link',
    inputClass: 'symlinks leaving the environment folder',
    entry: 'synth',
    synth: (_fleet, c) => {
      fs.mkdirSync(path.join(c.root, 'elsewhere'));
      fs.rmSync(path.join(c.outdir, 'dev', 'web'), { recursive: true });
      fs.symlinkSync(path.join(c.root, 'elsewhere'), path.join(c.outdir, 'dev', 'web'));
    },
    refusal: (c) => `${path.join(c.outdir, 'dev', 'web')} is a symbolic link (to ${path.join(c.root, 'elsewhere')}); synth writes only plain files and folders, so a link cannot send its output outside ${c.outdir}: replace the link with a folder or file, nothing was written`,
  },
  // files missing from or extra to the lock
  {
    name: 'a file the lock lists but the commit lacks',
    inputClass: 'files missing from or extra to the lock',
    entry: 'env repo',
    envRepo: (c) => fs.rmSync(fileIn(c, `${c.env}/web/configmap.web.yaml`)),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: listed in the lock but missing; restore it or ${RESYNTH}`]),
  },
  {
    name: 'a Secret added next to the lock without being listed in it',
    inputClass: 'files missing from or extra to the lock',
    entry: 'env repo',
    envRepo: (c) => fs.writeFileSync(fileIn(c, `${c.env}/web/serviceaccount.admin.yaml`), objectYaml(['apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: admin', `  namespace: ${c.env}`])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/serviceaccount.admin.yaml: not listed in the lock (stagecraft synth did not write it); delete it or ${RESYNTH}`]),
  },
  // digest mismatch
  {
    name: 'a file edited after synth locked it',
    inputClass: 'digest mismatch',
    entry: 'env repo',
    envRepo: (c) => fs.appendFileSync(fileIn(c, `${c.env}/web/configmap.web.yaml`), '  EXTRA: tampered\n'),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`]),
  },
  {
    name: 'a lock whose file digest was edited to match a tampered file',
    inputClass: 'digest mismatch',
    entry: 'env repo',
    envRepo: (c) => {
      fs.appendFileSync(fileIn(c, `${c.env}/web/configmap.web.yaml`), '  EXTRA: tampered\n');
      const lockFile = fileIn(c, `${c.env}/.stagecraft/lock.json`);
      const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
      lock.files[`${c.env}/web/configmap.web.yaml`] = `sha256:${fakeDigest(fs.readFileSync(fileIn(c, `${c.env}/web/configmap.web.yaml`), 'utf8'))}`;
      fs.writeFileSync(lockFile, JSON.stringify(lock));
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/.stagecraft/lock.json: treeDigest does not match the listed files (the lock was edited by hand); re-run stagecraft synth to rewrite it`]),
  },
  // duplicate object identity
  {
    name: 'one ConfigMap declared in two application folders',
    inputClass: 'duplicate object identity',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('api', configMap(c.env, 'web', { LOG_LEVEL: 'trace' })),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: holds ConfigMap/${c.env}/web, the same object as ${c.env}/api/configmap.web.yaml; an object is declared once per environment: delete one of the files, or rename one of the objects in the fleet program and re-run stagecraft synth`]),
  },
  {
    name: 'the same object once without a namespace and once in the default namespace',
    inputClass: 'duplicate object identity',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/api/configmap.web.yaml`, objectYaml(['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: web', 'data:', '  LOG_LEVEL: trace'])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: holds ConfigMap/${c.env}/web, the same object as ${c.env}/api/configmap.web.yaml; an object is declared once per environment: delete one of the files, or rename one of the objects in the fleet program and re-run stagecraft synth`]),
  },
  // non-DNS-1123 names
  {
    name: 'a ConfigMap name with capitals and an underscore',
    inputClass: 'non-DNS-1123 names',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.Web_Config.yaml`, configMapYaml(c.env, 'Web_Config', ['  A: x']).replace('name: web', 'name: Web_Config')),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.Web_Config.yaml (ConfigMap/${c.env}/Web_Config): name "Web_Config" must consist of lowercase letters a-z, digits 0-9, "-" and ".", and start and end with a letter or digit (DNS-1123); rename the object`]),
  },
  {
    name: 'a Service name with a dot (Services need a DNS-1123 label)',
    inputClass: 'non-DNS-1123 names',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', service(c.env, 'web.v2')),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/service.web.v2.yaml (Service/${c.env}/web.v2): name "web.v2" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit (DNS-1123); rename the object`]),
  },
  {
    name: 'a namespace in environment.json that is not a DNS-1123 label',
    inputClass: 'non-DNS-1123 names',
    entry: 'env repo',
    metadata: (env) => ({ namespaces: [env, 'Kube_System'] }),
    refusal: (c) => treeRefusal(c, [`${c.env}/.stagecraft/environment.json: namespaces[1] "Kube_System" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit (DNS-1123 label); re-run stagecraft synth to rewrite it`]),
  },
  // unknown kinds (the server says so, before anything is written)
  {
    name: 'a custom kind no CustomResourceDefinition serves',
    inputClass: 'unknown kinds',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', { apiVersion: 'widgets.example.com/v1', kind: 'Widget', metadata: { name: 'gizmo', namespace: c.env } }),
    refusal: (c) => kindRefusal([`${c.env}/web/widget.gizmo.yaml (Widget/${c.env}/gizmo): the server does not serve kind Widget in apiVersion widgets.example.com/v1; install its CustomResourceDefinition first or fix apiVersion`]),
  },
  {
    name: 'a PodDisruptionBudget in policy/v1, which kube-apiserver 1.20 does not serve yet',
    inputClass: 'unknown kinds',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: c.env }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    }),
    refusal: (c) => kindRefusal([`${c.env}/web/poddisruptionbudget.web.yaml (PodDisruptionBudget/${c.env}/web): the server does not serve kind PodDisruptionBudget in apiVersion policy/v1; install its CustomResourceDefinition first or fix apiVersion`]),
  },
  {
    name: 'a custom resource in a version its own CustomResourceDefinition does not serve',
    inputClass: 'unknown kinds',
    entry: 'env repo',
    metadata: allowing(['CustomResourceDefinition', 'Namespace']),
    envRepo: (c) => void c.repo
      .put('_cluster', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `gadgets.${c.env}.example.com` },
        spec: {
          group: `${c.env}.example.com`,
          names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      })
      .put('web', { apiVersion: `${c.env}.example.com/v2`, kind: 'Gadget', metadata: { name: 'g', namespace: c.env } }),
    absent: (c) => [['customresourcedefinition', `gadgets.${c.env}.example.com`]],
    refusal: (c) => kindRefusal([`${c.env}/web/gadget.g.yaml (Gadget/${c.env}/g): CustomResourceDefinition/gadgets.${c.env}.example.com of this revision serves Gadget in version v1, not v2; fix apiVersion or the definition's spec.versions`]),
  },
  // cluster-scoped objects the environment forbids
  {
    name: 'a ClusterRoleBinding to cluster-admin',
    inputClass: 'cluster-scoped objects the environment forbids',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', clusterAdminBinding(`${c.env}-admin`)),
    absent: (c) => [['clusterrolebinding', `${c.env}-admin`]],
    refusal: (c) => treeRefusal(c, [`${c.env}/_cluster/clusterrolebinding.${c.env}-admin.yaml (ClusterRoleBinding/${c.env}-admin): cluster-scoped kind ClusterRoleBinding is not allowed in environment "${c.env}" (allowed: Namespace); add it to allowedClusterScopedKinds or remove the object`]),
  },
  {
    name: 'a Namespace in an environment that allows no cluster-scoped kind',
    inputClass: 'cluster-scoped objects the environment forbids',
    entry: 'env repo',
    metadata: allowing([]),
    envRepo: (c) => void c.repo.put('web', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${c.env}-extra` } }),
    absent: (c) => [['namespace', `${c.env}-extra`]],
    refusal: (c) => treeRefusal(c, [`${c.env}/_cluster/namespace.${c.env}-extra.yaml (Namespace/${c.env}-extra): cluster-scoped kind Namespace is not allowed in environment "${c.env}" (allowed: none); add it to allowedClusterScopedKinds or remove the object`]),
  },
  // objects outside the environment's namespaces
  {
    name: 'a ConfigMap in kube-system',
    inputClass: 'objects outside the environment\'s namespaces',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', configMap('kube-system', `${c.env}-settings`)),
    absent: (c) => [['configmap', `${c.env}-settings`, '-n', 'kube-system']],
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.${c.env}-settings.yaml (ConfigMap/kube-system/${c.env}-settings): namespace "kube-system" is outside environment "${c.env}" (allowed: ${c.env}); put the object in one of those or add the namespace with additionalNamespaces`]),
  },
  {
    name: 'a Deployment in the default namespace',
    inputClass: 'objects outside the environment\'s namespaces',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', deployment('default', `${c.env}-miner`)),
    absent: (c) => [['deployment', `${c.env}-miner`, '-n', 'default']],
    refusal: (c) => treeRefusal(c, [`${c.env}/web/deployment.${c.env}-miner.yaml (Deployment/default/${c.env}-miner): namespace "default" is outside environment "${c.env}" (allowed: ${c.env}); put the object in one of those or add the namespace with additionalNamespaces`]),
  },
  // plaintext secrets
  {
    name: 'a Secret with base64 data',
    inputClass: 'plaintext secrets',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: c.env }, data: { password: Buffer.from('hunter2').toString('base64') } }),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/secret.db.yaml (Secret/${c.env}/db): holds plaintext secret data (keys: password) that would be committed to git; use a reference type instead, such as an ExternalSecret (external-secrets.io) or a SealedSecret (bitnami.com)`]),
  },
  {
    name: 'a Secret with stringData',
    inputClass: 'plaintext secrets',
    entry: 'env repo',
    envRepo: (c) => void c.repo.put('web', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-token', namespace: c.env }, stringData: { token: 'hunter2', user: 'ci' } }),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/secret.api-token.yaml (Secret/${c.env}/api-token): holds plaintext secret data (keys: token, user) that would be committed to git; use a reference type instead, such as an ExternalSecret (external-secrets.io) or a SealedSecret (bitnami.com)`]),
  },
  // annotations over 256 KiB
  {
    name: 'a ConfigMap with a 300 KiB annotation in a file under 1 MiB',
    inputClass: 'annotations over 256 KiB',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.notes.yaml`, configMapYaml(c.env, 'notes', ['  A: x'], ['  annotations:', `    notes: ${'n'.repeat(300 * 1024)}`])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.notes.yaml (ConfigMap/${c.env}/notes): annotations take ${DIGEST_ANNOTATION_BYTES + 5 + 300 * 1024} bytes with stagecraft.dev/applied-digest (added at apply time), over the API server's limit of 262144 bytes (256 KiB); the largest is "notes" (${5 + 300 * 1024} bytes): move large values into a ConfigMap`]),
  },
  {
    name: 'annotations one byte over 256 KiB once the applied digest is added',
    inputClass: 'annotations over 256 KiB',
    entry: 'env repo',
    envRepo: (c) => void c.repo.putFile(`${c.env}/web/configmap.notes.yaml`, configMapYaml(c.env, 'notes', ['  A: x'], ['  annotations:', `    notes: ${'n'.repeat(256 * 1024 - DIGEST_ANNOTATION_BYTES - 5 + 1)}`])),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.notes.yaml (ConfigMap/${c.env}/notes): annotations take 262145 bytes with stagecraft.dev/applied-digest (added at apply time), over the API server's limit of 262144 bytes (256 KiB); the largest is "notes" (${256 * 1024 - DIGEST_ANNOTATION_BYTES + 1} bytes): move large values into a ConfigMap`]),
  },
  {
    name: 'a rendered ConfigMap with a 256 KiB annotation',
    inputClass: 'annotations over 256 KiB',
    entry: 'synth',
    synth: (fleet) => void new Application(fleet, 'notes', {
      manifests: { produce: (scope) => void new ApiObject(scope, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', annotations: { notes: 'n'.repeat(256 * 1024) } } }) },
    }),
    refusal: () => synthRefusal([`dev/notes/config (ConfigMap/dev/notes): annotations take ${DIGEST_ANNOTATION_BYTES + 'stagecraft.dev/construct-path'.length + 'dev/notes/config'.length + 5 + 256 * 1024} bytes with stagecraft.dev/applied-digest (added at apply time), over the API server's limit of 262144 bytes (256 KiB); the largest is "notes" (${5 + 256 * 1024} bytes): move large values into a ConfigMap`]),
  },
  // images not pinned by digest
  {
    name: 'a Deployment running :latest where environment.json requires digests',
    inputClass: 'images not pinned by digest',
    entry: 'env repo',
    metadata: allowing(['Namespace'], true),
    envRepo: (c) => void c.repo.put('web', deployment(c.env, 'web', 2, 'registry.example/web:latest')),
    refusal: (c) => treeRefusal(c, [`${c.env}/web/deployment.web.yaml (Deployment/${c.env}/web): image not pinned by digest (web=registry.example/web:latest) but environment "${c.env}" requires it; release the image as repo@sha256:<digest> or set requireImageDigest: false`]),
  }, // files reused from a verified tree: a new commit's files whose blobs an earlier read verified are not read
  // again, but every rule still runs on them (lib/reconciler/private/verified-tree-cache.ts)
  {
    name: 'a verified file copied under another name, the original removed and the lock rewritten',
    inputClass: 'files reused from a verified tree',
    entry: 'git source',
    verifiedFirst: () => undefined,
    envRepo: (c) => {
      const verified = fs.readFileSync(fileIn(c, `${c.env}/web/configmap.web.yaml`));
      c.repo.remove('web').putFile(`${c.env}/web/configmap.other.yaml`, verified);
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.other.yaml: holds ConfigMap/${c.env}/web, which belongs at ${c.env}/web/configmap.web.yaml; move it or ${RESYNTH}`]).replace(/\. Nothing was applied$/, ''),
  },
  {
    name: 'a verified ClusterRoleBinding left as it was while environment.json stops allowing the kind',
    inputClass: 'files reused from a verified tree',
    entry: 'git source',
    metadata: allowing(['Namespace', 'ClusterRoleBinding']),
    verifiedFirst: (c) => void c.repo.put('web', clusterAdminBinding(`${c.env}-admin`)),
    envRepo: (c) => {
      c.repo.allowedClusterScopedKinds = ['Namespace'];
      c.repo.remove('no-such-application');
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/_cluster/clusterrolebinding.${c.env}-admin.yaml (ClusterRoleBinding/${c.env}-admin): cluster-scoped kind ClusterRoleBinding is not allowed in environment "${c.env}" (allowed: Namespace); add it to allowedClusterScopedKinds or remove the object`]).replace(/\. Nothing was applied$/, ''),
  },
  {
    name: 'a verified file edited after the kept tree was torn mid-line',
    inputClass: 'files reused from a verified tree',
    entry: 'git source',
    verifiedFirst: () => undefined,
    envRepo: (c) => {
      const kept = keptTreeFile(c);
      fs.writeFileSync(kept, fs.readFileSync(kept, 'utf8').slice(0, -40));
      fs.appendFileSync(fileIn(c, `${c.env}/web/configmap.web.yaml`), '  EXTRA: tampered\n');
    },
    refusal: (c) => treeRefusal(c, [`${c.env}/web/configmap.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`]).replace(/\. Nothing was applied$/, ''),
  },
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------------------------
// Running a case

interface Outcome {
  readonly refusal: string;
  /** CLI exit code, for cases that go through `stagecraft reconcile`. */
  readonly exitCode?: number | null;
  /** Write requests sent, objects found live, or files changed: must be 0. */
  readonly written: number;
  readonly details?: Record<string, unknown>;
}

let kubeconfig: string;
let cache: string;
const results: Array<{ readonly inputClass: InputClass; readonly rejected: boolean; readonly written: number }> = [];

beforeAll(() => {
  kubeconfig = startTestCluster();
  cache = scratchFolder('stagecraft-hostile-cache-');
}, 20 * 60_000);

afterAll(() => {
  const tried = results.length;
  const rejected = results.filter((result) => result.rejected).length;
  const written = results.reduce((sum, result) => sum + result.written, 0);
  const covered = new Set(results.filter((result) => result.rejected).map((result) => result.inputClass));
  process.stdout.write(`hostile inputs: ${rejected} rejected / ${tried} tried, ${covered.size} classes covered, ${written} written\n`);
  expect({ rejected, written }).toEqual({ rejected: tried, written: 0 });
  // The whole table (not a run filtered with -t): at least 30 cases, every class covered.
  if (tried === CASES.length + APPROVAL_CASES.length + CREDENTIAL_CASES.length) {
    expect(tried).toBeGreaterThanOrEqual(30);
    expect([...covered].sort()).toEqual([...CLASSES].sort());
  }
});

/** A git env repo with one good ConfigMap, the case's input on top, committed. */
function buildRepo(testCase: HostileCase): CommittedContext {
  return commitCase(testCase, startRepo(testCase));
}

/** A git env repo with one good ConfigMap, nothing committed yet. */
function startRepo(testCase: HostileCase): RepoContext {
  const env = uniqueName('hostile');
  const repo = new GitEnvRepo(env, env, testCase.metadata?.(env) ?? {});
  repo.put('web', configMap(env, 'web'));
  return { repo, env, root: repo.root };
}

/** The case's input on top of the repo, committed. */
function commitCase(testCase: HostileCase, context: RepoContext): CommittedContext {
  const committed = testCase.envRepo?.(context);
  const commit = typeof committed === 'string' ? committed : context.repo.commit(`hostile input: ${testCase.name}`);
  return { ...context, commit };
}

async function throughEnvRepo(testCase: HostileCase): Promise<Outcome & { context: CommittedContext }> {
  const context = buildRepo(testCase);
  const env = testCase.envArgument?.(context) ?? context.env;
  const run = runStagecraft([
    'reconcile', '--repo', context.root, '--env', env, '--kubeconfig', kubeconfig, '--cache-dir', cache, '--once', '--output', 'json', '--no-wait',
  ], { cwd: REPO_ROOT });
  let result: any;
  try {
    result = JSON.parse(run.stdout);
  } catch {
    throw new Error(`reconcile printed no JSON (exit ${run.status}): ${run.stdout}${run.stderr}`);
  }
  // Independently of what the reconciler reports: kubectl must find nothing of the environment.
  const absent = [['namespace', context.env], ...(testCase.absent?.(context) ?? [])];
  const found = absent.filter((args) => kubectl(kubeconfig, ['get', ...args], { allowFailure: true }).status === 0);
  return {
    context,
    refusal: result.message,
    exitCode: run.status,
    written: result.writeRequests + found.length,
    details: { verdict: result.verdict, writeRequests: result.writeRequests, found },
  };
}

async function throughGitSource(testCase: HostileCase): Promise<Outcome & { context: CommittedContext }> {
  const started = startRepo(testCase);
  const sourceOf = () => gitSource({ repo: started.root, branch: 'main', cacheDirectory: cache, environment: started.env, limits: testCase.limits });
  if (testCase.verifiedFirst !== undefined) {
    // GIVEN a tree an earlier process verified and kept
    testCase.verifiedFirst(started);
    started.repo.commit('the tree verified first');
    const earlier = sourceOf();
    await earlier.read(await earlier.latest());
    keptTreeFile(started);
  }
  const context = commitCase(testCase, started);
  const source = sourceOf();
  try {
    const revision = await source.latest();
    await source.read(revision);
  } catch (error) {
    if (error instanceof TreeVerificationError) {
      return { context, refusal: error.message, written: 0 };
    }
    throw error;
  }
  // Files were returned: in the reconciler they would go on to be applied.
  return { context, refusal: 'accepted', written: 1 };
}

function throughSynth(testCase: HostileCase): Outcome & { context: SynthContext } {
  // GIVEN an output folder holding what a good fleet wrote
  const { root, outdir } = scratchFleet({ dev: { web: WEB_IMAGE } });
  const releases = path.join(root, 'releases');
  const good = (fleet: Fleet) => {
    new Environment(fleet, 'dev');
    new Application(fleet, 'web', { image: 'registry.example/web', port: 8080 });
  };
  const baseline = new Fleet({ outdir, releasesDirectory: releases });
  good(baseline);
  baseline.synth();
  // AND the same fleet with the hostile input
  const fleet = new Fleet({ outdir, releasesDirectory: releases });
  good(fleet);
  const context: SynthContext = { root, outdir, releases };
  testCase.synth!(fleet, context);
  const before = readTree(root);
  let refusal = 'accepted';
  try {
    fleet.synth();
  } catch (error) {
    refusal = (error as Error).message;
  }
  const after = readTree(root);
  const changed = new Set([...Object.keys(before), ...Object.keys(after)].filter((file) => before[file] !== after[file]));
  return { context, refusal, written: changed.size, details: { changed: [...changed] } };
}

describe('hostile inputs are refused before anything is written', () => {
  it.each(CASES)('fails on $name ($inputClass, through $entry)', async (testCase) => {
    // GIVEN the hostile input, WHEN it enters through its door
    const outcome = testCase.entry === 'synth' ? throughSynth(testCase)
      : testCase.entry === 'git source' ? await throughGitSource(testCase)
        : await throughEnvRepo(testCase);
    const expected = testCase.refusal({ ...(outcome.context as any) });
    const rejected = typeof expected === 'string' ? outcome.refusal === expected : expected.test(outcome.refusal);
    results.push({ inputClass: testCase.inputClass, rejected: rejected && (testCase.entry !== 'env repo' || outcome.exitCode === 2), written: outcome.written });
    // THEN the refusal is exact and names the file or object
    if (typeof expected === 'string') {
      expect(outcome.refusal).toBe(expected);
    } else {
      expect(outcome.refusal).toMatch(expected);
    }
    // AND nothing was written: no request, nothing live, no file changed
    expect(outcome.written).toBe(0);
    if (testCase.entry === 'env repo') {
      expect({ exitCode: outcome.exitCode, ...outcome.details }).toEqual({ exitCode: 2, verdict: 'refused', writeRequests: 0, found: [] });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Forged approvals (issue 15): prod requires signed commits and wants 2 approvals of alice, bob and carol,
// excluding the promoter (alice). carol approved properly, so one more counted approval would let the promotion
// through and write prod: each case adds a forged one, and prod must stay as it was.

interface Forgery {
  /** The commit that brought the forgery in, when it was pushed by hand. */
  readonly commit?: string;
  /** What stagecraft said when the forgery went through it. */
  readonly refusal?: string;
  readonly status?: number | null;
}

interface ApprovalCase {
  readonly name: string;
  readonly forge: (repo: SignedPromotionRepo) => Forgery | Promise<Forgery>;
  /** The whole refusal of the forging command, when the forgery went through stagecraft. */
  readonly refusal?: (repo: SignedPromotionRepo) => string;
  /** The approvals gate's line when alice promotes afterwards. */
  readonly approvals: (repo: SignedPromotionRepo, forgery: Forgery) => string;
  /** When alice promotes. @default PROD_TIME */
  readonly promoteAt?: string;
}

const CAROL_COUNTED = '1 of 2 approvals (carol@example.com signed)';
const MISSING_BOB = 'missing 1 from bob@example.com: run stagecraft approve web --env prod';

/** bob's approval file of `image`, as `stagecraft approve` would write it, committed by hand in a clone. */
function pushApprovalFile(repo: SignedPromotionRepo, name: string, signer: 'alice' | 'dave' | undefined, image = SIGNED_WEB, content?: string): string {
  const clone = repo.clone(name);
  const approval: ApprovalRecord = { schemaVersion: 1, environment: 'prod', application: 'web', image, approvedBy: email('bob'), approvedAt: PROD_TIME };
  const file = approvalPath(approval);
  fs.mkdirSync(path.join(clone.folder, path.dirname(file)), { recursive: true });
  fs.writeFileSync(path.join(clone.folder, file), content ?? serializeApproval(approval));
  git(clone.folder, 'add', '--all');
  gitWithKey(clone.folder, signer === undefined ? undefined : repo.keys[signer], 'commit', '--quiet', ...(signer === undefined ? ['--no-gpg-sign'] : ['-S']), '--message', `approve web for prod (${name})`);
  clone.push();
  return git(repo.bare, 'rev-parse', 'main');
}

const APPROVAL_CASES: ApprovalCase[] = [
  {
    name: 'a forged --as: bob\'s approval signed with alice\'s key',
    forge: (repo) => {
      const result = repo.approve(email('bob'), 'alice');
      return { refusal: result.stderr, status: result.status };
    },
    refusal: (repo) => `stagecraft: approve: --as bob@example.com does not match the signer of the approve commit: key ${repo.keys.alice.fingerprint} stands for alice@example.com; act as alice@example.com (--as), or sign with bob@example.com's own key; nothing was committed\n`,
    approvals: () => `fail ${CAROL_COUNTED}; ${MISSING_BOB}`,
  },
  {
    name: 'a hand-written approval commit: bob\'s approval file committed unsigned',
    forge: (repo) => ({ commit: pushApprovalFile(repo, 'unsigned', undefined) }),
    approvals: (_repo, forgery) => `fail ${CAROL_COUNTED}; not counted, bob@example.com: commit ${forgery.commit!.slice(0, 7)} is not signed; approvals count only when signed by the approver's own key, run stagecraft approve with it; ${MISSING_BOB}`,
  },
  {
    name: 'a hand-written approval commit: bob\'s approval file committed with alice\'s trusted key',
    forge: (repo) => ({ commit: pushApprovalFile(repo, 'alice-writes', 'alice') }),
    approvals: (repo, forgery) => `fail ${CAROL_COUNTED}; not counted, bob@example.com: commit ${forgery.commit!.slice(0, 7)} that wrote the approval is signed by alice@example.com (key ${repo.keys.alice.fingerprint}), not by bob@example.com; bob@example.com must approve with their own key; ${MISSING_BOB}`,
  },
  {
    name: 'an approval for another image, signed by bob',
    forge: (repo) => {
      const result = repo.approve(email('bob'), 'bob', ['--image', SIGNED_WEB_2]);
      return { status: result.status };
    },
    approvals: () => `fail ${CAROL_COUNTED}; ${MISSING_BOB}`,
  },
  {
    name: 'an approval file copied to another image\'s folder with its image changed, committed by dave',
    forge: (repo) => {
      expect(repo.approve(email('bob'), 'bob', ['--image', SIGNED_WEB_2]).status).toBe(0);
      return { commit: pushApprovalFile(repo, 'copied', 'dave', SIGNED_WEB) };
    },
    approvals: (repo, forgery) => `fail ${CAROL_COUNTED}; not counted, bob@example.com: commit ${forgery.commit!.slice(0, 7)} that wrote the approval is signed by dave@example.com (key ${repo.keys.dave.fingerprint}), not by bob@example.com; bob@example.com must approve with their own key; ${MISSING_BOB}`,
  },
  {
    name: 'an approval reused after a new release: bob approved web 1, web 2 came through staging since',
    forge: async (repo) => {
      expect(repo.approve(email('bob'), 'bob').status).toBe(0);
      expect(repo.run('release', ['web', '--image', SIGNED_WEB_2, '--env', 'dev', '--as', email('ci'), '--now', '2026-11-23T12:00:00Z'], 'ci').status).toBe(0);
      await promoteThroughStaging(repo);
      return {};
    },
    promoteAt: '2026-11-24T09:00:00Z',
    approvals: () => 'fail 0 of 2 approvals; missing 2 from bob@example.com, carol@example.com: run stagecraft approve web --env prod',
  },
  {
    name: 'a signer not in the from list: dave approves with his own trusted key',
    forge: (repo) => {
      const result = repo.approve(email('dave'), 'dave');
      return { status: result.status, refusal: result.stdout.split('\n')[1] };
    },
    refusal: () => 'note: dave@example.com is not among the identities the approvals gates of prod allow (alice@example.com, bob@example.com, carol@example.com); this approval will not count',
    approvals: () => `fail ${CAROL_COUNTED}; not counted, not allowed to approve: dave@example.com; ${MISSING_BOB}`,
  },
  {
    name: 'a replayed approval file: bob\'s signed approval, revoked by bob, re-committed byte for byte by dave',
    forge: (repo) => {
      expect(repo.approve(email('bob'), 'bob').status).toBe(0);
      const file = approvalPath({ environment: 'prod', application: 'web', image: SIGNED_WEB, approvedBy: email('bob') });
      const original = git(repo.bare, 'show', `main:${file}`);
      const clone = repo.clone('revoke');
      git(clone.folder, 'rm', '--quiet', file);
      gitWithKey(clone.folder, repo.keys.bob, 'commit', '--quiet', '-S', '--message', 'bob revokes his approval');
      clone.push();
      return { commit: pushApprovalFile(repo, 'replay', 'dave', SIGNED_WEB, `${original}\n`) };
    },
    approvals: (repo, forgery) => `fail ${CAROL_COUNTED}; not counted, bob@example.com: commit ${forgery.commit!.slice(0, 7)} that wrote the approval is signed by dave@example.com (key ${repo.keys.dave.fingerprint}), not by bob@example.com; bob@example.com must approve with their own key; ${MISSING_BOB}`,
  },
];

describe('forged approvals are shown and never counted, and nothing is promoted on them', () => {
  let base: SignedPromotionRepo;

  beforeAll(async () => {
    base = await signedPromotionRepo(scratchFolder('stagecraft-hostile-approvals-'));
    const carol = base.approve(email('carol'), 'carol');
    if (carol.status !== 0) {
      throw new Error(`carol's approval failed: ${carol.stderr}`);
    }
  }, 120_000);

  it.each(APPROVAL_CASES)('fails on $name', async (testCase) => {
    // GIVEN a copy of the repository where carol approved properly, and the forgery on top
    const repo = copyRepo(base, scratchFolder('stagecraft-hostile-approval-'));
    const mainBefore = git(repo.bare, 'rev-parse', 'main');
    const forgery = await testCase.forge(repo);
    const prodState = () => git(repo.bare, 'ls-tree', '-r', 'main', '--', 'prod', 'releases/prod.yaml');
    const prodBefore = prodState();
    const afterForgery = git(repo.bare, 'rev-parse', 'main');
    // WHEN alice promotes web to prod
    const promotion = repo.run('promote', ['web', '--from', 'staging', '--to', 'prod', '--as', email('alice'), '--now', testCase.promoteAt ?? PROD_TIME], 'alice');
    // THEN the forgery does not count, the reason is shown, and prod is not written
    const line = promotion.stdout.split('\n').find((entry) => /^\s+(pass|fail|wait)\s+approvals\s/.test(entry))?.trim().replace(/^(pass|fail|wait)\s+approvals\s+/, '$1 ');
    const expected = testCase.approvals(repo, forgery);
    const refusalMatches = testCase.refusal === undefined || forgery.refusal === testCase.refusal(repo);
    const written = (git(repo.bare, 'rev-parse', 'main') === afterForgery ? 0 : 1) + (forgery.refusal !== undefined && testCase.refusal !== undefined && forgery.status === 2 && git(repo.bare, 'rev-parse', 'main') !== mainBefore ? 1 : 0);
    results.push({ inputClass: 'forged approvals', rejected: promotion.status === 1 && line === expected && refusalMatches, written });
    if (testCase.refusal !== undefined) {
      expect(forgery.refusal).toBe(testCase.refusal(repo));
    }
    expect({ status: promotion.status, line }).toEqual({ status: 1, line: expected });
    expect(prodState()).toBe(prodBefore);
    expect(written).toBe(0);
  });
});

/** web 2 (released to dev by the case) verified in dev, promoted to staging by ci and verified there. */
async function promoteThroughStaging(repo: SignedPromotionRepo): Promise<void> {
  await recordVerification(repo.bare, 'dev', '2026-11-23T12:05:00Z', { web: SIGNED_WEB_2 });
  const toStaging = repo.run('promote', ['web', '--from', 'dev', '--to', 'staging', '--as', email('ci'), '--now', '2026-11-23T13:10:00Z'], 'ci');
  expect(toStaging.stderr).toBe('');
  await recordVerification(repo.bare, 'staging', '2026-11-23T13:15:00Z', { web: SIGNED_WEB_2 });
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials of a private env repo and bootstrap inputs (issue 11): each is refused before git runs or the
// cluster is touched (exit 2, no mirror in the cache, nothing in the cluster), and no secret reaches the output.

interface CredentialCase {
  readonly name: string;
  readonly inputClass: 'git credential files' | 'bootstrap inputs';
  /** The command line; `folder` is a scratch folder for the case's files, `repo` a committed env repo. */
  readonly args: (folder: string, repo: GitEnvRepo) => string[];
  readonly refusal: (folder: string, repo: GitEnvRepo) => string;
  /** Strings that must not appear in stdout or stderr. */
  readonly secrets?: readonly string[];
}

const SECRET_TOKEN = 'ghp_Sup3rS3cretTok3nValue';
const HOSTILE_HOST = 'git.hostile.example';

function writeFile(folder: string, name: string, content: string | Buffer, mode = 0o600): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, content, { mode });
  return file;
}

function deployKey(folder: string, passphrase = ''): string {
  const file = path.join(folder, 'deploy-key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'deploy', '-f', file]);
  return file;
}

const CREDENTIAL_CASES: CredentialCase[] = [
  {
    name: 'a token file holding two lines (a token and something else)',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `https://${HOSTILE_HOST}/env.git`, '--env', r.environment, '--token-file', writeFile(f, 'token', `${SECRET_TOKEN}\nsecond-line\n`)],
    refusal: (f) => `${path.join(f, 'token')} holds more than one line; it must hold the token alone`,
    secrets: [SECRET_TOKEN, 'second-line'],
  },
  {
    name: 'an empty token file',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `https://${HOSTILE_HOST}/env.git`, '--env', r.environment, '--token-file', writeFile(f, 'token', '\n')],
    refusal: (f) => `--token-file ${path.join(f, 'token')} is empty; put the access token in it`,
  },
  {
    name: 'a token file of 1 MiB (the wrong file, maybe a key store)',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `https://${HOSTILE_HOST}/env.git`, '--env', r.environment, '--token-file', writeFile(f, 'token', Buffer.alloc(1024 * 1024, 0x41))],
    refusal: (f) => `--token-file ${path.join(f, 'token')} is ${1024 * 1024} bytes, more than 16384; pass the right file`,
  },
  {
    name: 'a repository URL carrying a password next to --token-file',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `https://deploy:${SECRET_TOKEN}@${HOSTILE_HOST}/env.git`, '--env', r.environment, '--token-file', writeFile(f, 'token', 'abc')],
    refusal: () => `the repository URL https://deploy:***@${HOSTILE_HOST}/env.git carries a password; remove it from the URL and pass the token with --token-file`,
    secrets: [SECRET_TOKEN],
  },
  {
    name: 'a deploy key without a pinned known_hosts (any host key would be accepted)',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `git@${HOSTILE_HOST}:acme/env.git`, '--env', r.environment, '--ssh-key', deployKey(f)],
    refusal: () => 'an SSH deploy key needs both --ssh-key FILE and --known-hosts FILE (the pinned host key of the git server, e.g. from ssh-keyscan, checked by hand)',
  },
  {
    name: 'a known_hosts file that pins nothing (garbage lines)',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `git@${HOSTILE_HOST}:acme/env.git`, '--env', r.environment, '--ssh-key', deployKey(f), '--known-hosts', writeFile(f, 'known_hosts', `${HOSTILE_HOST} accept-any-key\n`)],
    refusal: (f) => `--known-hosts ${path.join(f, 'known_hosts')}: line 1 is not "HOSTS KEYTYPE BASE64KEY" (known_hosts format); regenerate it with ssh-keyscan`,
  },
  {
    name: 'a deploy key protected by a passphrase (ssh would wait for it forever)',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `git@${HOSTILE_HOST}:acme/env.git`, '--env', r.environment, '--ssh-key', deployKey(f, 'passphrase'), '--known-hosts', writeFile(f, 'known_hosts', `${HOSTILE_HOST} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`)],
    refusal: (f) => `--ssh-key ${path.join(f, 'deploy-key')} is protected by a passphrase, which the reconciler cannot type; create the deploy key without one (ssh-keygen -N '')`,
  },
  {
    name: 'a public key given as the deploy key',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `git@${HOSTILE_HOST}:acme/env.git`, '--env', r.environment, '--ssh-key', `${deployKey(f)}.pub`, '--known-hosts', writeFile(f, 'known_hosts', `${HOSTILE_HOST} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`)],
    refusal: (f) => `--ssh-key ${path.join(f, 'deploy-key.pub')} is not a private key in OpenSSH or PEM format; pass the private half of the deploy key (ssh-keygen -t ed25519 -N '' -f deploy-key)`,
  },
  {
    name: 'a token file for an ssh remote (it would be ignored and the fetch fail later)',
    inputClass: 'git credential files',
    args: (f, r) => ['reconcile', '--repo', `git@${HOSTILE_HOST}:acme/env.git`, '--env', r.environment, '--token-file', writeFile(f, 'token', SECRET_TOKEN)],
    refusal: () => `--token-file and --git-ca-file are for https remotes, but the repository is git@${HOSTILE_HOST}:acme/env.git; use --ssh-key and --known-hosts for ssh`,
    secrets: [SECRET_TOKEN],
  },
  {
    name: 'bootstrap of an environment that declares no reconciler',
    inputClass: 'bootstrap inputs',
    args: (f, r) => ['bootstrap', '--repo', r.root, '--env', r.environment, '--token-file', writeFile(f, 'token', SECRET_TOKEN)],
    refusal: (_f, r) => `environment "${r.environment}" declares no in-cluster reconciler; set reconciler: { image, repository } on its Environment construct, synth and commit, then bootstrap`,
    secrets: [SECRET_TOKEN],
  },
  {
    name: 'bootstrap given the in-cluster credentials folder instead of files',
    inputClass: 'bootstrap inputs',
    args: (f, r) => ['bootstrap', '--repo', r.root, '--env', r.environment, '--credentials-dir', f],
    refusal: () => '--credentials-dir is how the installed reconciler reads its Secret; give bootstrap the files: --ssh-key and --known-hosts, or --token-file',
  },
  {
    name: 'bootstrap of an environment name that is no DNS label (a path out of the repository)',
    inputClass: 'bootstrap inputs',
    args: (_f, r) => ['bootstrap', '--repo', r.root, '--env', '../etc'],
    refusal: () => 'environment name "../etc" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pass the name of a folder stagecraft synth wrote',
  },
];

describe('credentials of a private env repo and bootstrap inputs are refused before git or the cluster is used', () => {
  it.each(CREDENTIAL_CASES)('fails on $name ($inputClass)', (testCase) => {
    // GIVEN an env repo and a cache of its own, the case's files
    const env = uniqueName('hostile');
    const repo = new GitEnvRepo(env, env);
    repo.put('web', configMap(env, 'web'));
    repo.commit('good');
    const folder = scratchFolder('stagecraft-hostile-credentials-');
    const ownCache = scratchFolder('stagecraft-hostile-cache-');
    // WHEN
    const args = testCase.args(folder, repo);
    const run = runStagecraft([...args, '--kubeconfig', kubeconfig, '--cache-dir', ownCache, ...(args[0] === 'reconcile' ? ['--once'] : [])], { cwd: REPO_ROOT });
    // THEN refused as bad input with the exact reason
    const said = `${run.stdout}${run.stderr}`;
    const expected = testCase.refusal(folder, repo);
    const leaked = (testCase.secrets ?? []).filter((secret) => said.includes(secret));
    // A bad credential stops git from running at all (no mirror); bootstrap reads the env repo, then refuses.
    const mirrors = testCase.inputClass === 'git credential files' ? fs.readdirSync(ownCache).length : 0;
    const written = mirrors + (kubectl(kubeconfig, ['get', 'namespace', env], { allowFailure: true }).status === 0 ? 1 : 0);
    results.push({ inputClass: testCase.inputClass, rejected: run.status === 2 && run.stderr.includes(expected) && leaked.length === 0, written });
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
    expect(run.stderr).toContain(expected);
    // AND no secret was printed, no mirror made for a bad credential, nothing written to the cluster
    expect(leaked).toEqual([]);
    expect(written).toBe(0);
  });
});

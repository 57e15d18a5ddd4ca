import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareTrees } from '../../lib/synth/compare-tree';
import { REPO_ROOT } from '../support/cli';
import { fakeDigest, scratchFolder } from '../support/fleets';
import { git } from '../support/git';
import { PackageManifest, packageContentProblems, privateKeyProblems } from '../support/package-contents';

/**
 * The package as users get it: `npm pack`, checked against package.json's `files` list, installed into an
 * empty folder, and used from there exactly as README's "Your own fleet" says — init, synth, synth --check,
 * cdk8s synth (the same tree), commit, the dev cluster, reconcile, release, promote, approve, history — with
 * no extra flags. Slow (npm installs from the registry, a control plane starts); CI runs it.
 */
jest.setTimeout(20 * 60_000);

const MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

/** The bundled dependencies and everything they depend on, found in this checkout's node_modules as node finds them. */
function bundledPackages(): string[] {
  const seen = new Set<string>();
  const resolve = (name: string, from: string): string | undefined => {
    for (let folder = from; ; folder = path.dirname(folder)) {
      const candidate = path.join(folder, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        return candidate;
      }
      if (folder === REPO_ROOT) {
        return undefined;
      }
    }
  };
  const visit = (name: string, from: string): void => {
    const folder = resolve(name, from);
    if (folder === undefined || seen.has(`${name}\0${folder}`)) {
      return;
    }
    seen.add(`${name}\0${folder}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      visit(dependency, folder);
    }
  };
  for (const name of MANIFEST.bundledDependencies ?? []) {
    visit(name, REPO_ROOT);
  }
  return [...new Set([...seen].map((key) => key.split('\0')[0]))].sort();
}

const PACKAGE: PackageManifest = { files: MANIFEST.files, bundledPackages: bundledPackages() };

describe('what the package may hold', () => {
  it.each([
    ['the demo\'s signing key', '.stagecraft-dev/keys/demo-signer', '.stagecraft-dev/keys/demo-signer: the demo\'s local state (env repo, signing keys) must never be packed'],
    ['the demo\'s env repo', '.stagecraft-dev/env-repo/dev/.stagecraft/lock.json', '.stagecraft-dev/env-repo/dev/.stagecraft/lock.json: the demo\'s local state (env repo, signing keys) must never be packed'],
    ['an SSH key anywhere', 'scripts/control-plane/id_ed25519', 'scripts/control-plane/id_ed25519: a key file must never be packed'],
    ['a PEM file', 'lib/cli/server.pem', 'lib/cli/server.pem: a key file must never be packed'],
    ['a test', 'test/cli/demo.test.ts', 'test/cli/demo.test.ts: development files must never be packed'],
    ['an example\'s synthesized env repo', 'examples/acme-shop/env-repo/dev/web/deployment.web.yaml', 'examples/acme-shop/env-repo/dev/web/deployment.web.yaml: an example\'s state must never be packed'],
    ['an example\'s cdk8s output', 'examples/acme-shop/dist/dev/.stagecraft/lock.json', 'examples/acme-shop/dist/dev/.stagecraft/lock.json: an example\'s state must never be packed'],
    ['a TypeScript source', 'lib/cli/main.ts', 'lib/cli/main.ts: TypeScript sources (the package ships .js and .d.ts) must never be packed'],
    ['a file nobody listed', 'LEAD-NOTES.md', 'LEAD-NOTES.md: not in package.json "files" (14 patterns); add it there on purpose or keep it out'],
    ['a package that is not bundled', 'node_modules/left-pad/index.js', 'node_modules/left-pad/index.js: left-pad is neither a bundled dependency nor one of theirs'],
  ])('fails on %s', (_what, entry, problem) => {
    // GIVEN a tarball listing that is clean but for one entry
    const entries = ['package.json', 'README.md', 'lib/index.js', 'lib/index.d.ts', 'node_modules/js-yaml/index.js', entry];
    // WHEN / THEN exactly that entry is reported
    expect(packageContentProblems(entries, PACKAGE)).toEqual([problem]);
  });

  it('fails on a private key inside any file, and not on code that only names the PEM header', () => {
    // GIVEN an OpenSSH private key and a library that builds PEM headers
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';
    const code = 'const header = `-----BEGIN ${type} PRIVATE KEY-----`;\n';
    // WHEN / THEN
    expect(privateKeyProblems([{ path: 'scripts/control-plane/README.md', text: key }, { path: 'node_modules/jose/dist/key.js', text: code }]))
      .toEqual(['scripts/control-plane/README.md: holds a private key']);
  });
});

describe('the packed package, installed into an empty folder', () => {
  const scratch = scratchFolder('stagecraft-package-');
  const cluster = { dir: path.join(os.homedir(), '.cache', 'stagecraft', 'package-cluster'), port: '19443', etcd: '19379', peer: '19380' };
  const project = path.join(scratch, 'my-fleet');
  let tarball: string;

  /** The environment a new user has: this node first on PATH, git without the machine's config, no KUBECONFIG. */
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('CDK8S_') && !key.startsWith('GIT_') && key !== 'KUBECONFIG' && !key.startsWith('npm_')) {
      environment[key] = value;
    }
  }
  Object.assign(environment, {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    STAGECRAFT_DEV_CLUSTER_DIR: cluster.dir,
  });
  const run = (cwd: string, command: string, ...args: string[]) => {
    const child = spawnSync(command, args, { cwd, env: environment, encoding: 'utf8', timeout: 10 * 60_000 });
    if (child.error) {
      throw child.error;
    }
    return { status: child.status, stdout: child.stdout, stderr: child.stderr, said: `${command} ${args.join(' ')} exited ${child.status}:\n${child.stdout}\n${child.stderr}` };
  };
  const succeeds = (cwd: string, command: string, ...args: string[]): string => {
    const result = run(cwd, command, ...args);
    if (result.status !== 0) {
      throw new Error(result.said);
    }
    return result.stdout;
  };
  const stagecraft = (...args: string[]) => succeeds(project, 'npx', 'stagecraft', ...args);

  beforeAll(() => {
    // npm pack compiles first (prepack), as it does on a fresh clone; its output goes to stdout too.
    succeeds(REPO_ROOT, 'npm', 'pack', '--pack-destination', scratch);
    tarball = path.join(scratch, `${MANIFEST.name}-${MANIFEST.version}.tgz`);
  }, 5 * 60_000);

  afterAll(() => {
    spawnSync('npx', ['stagecraft', 'dev-cluster', 'stop', '--wipe'], { cwd: project, env: environment, stdio: 'ignore' });
  });

  it('holds only what package.json lists, and no private key', () => {
    // GIVEN the tarball npm pack wrote
    const entries = succeeds(scratch, 'tar', '-tzf', tarball).split('\n').filter(Boolean).map((entry) => entry.replace(/^package\//, ''));
    // WHEN its listing and its unpacked files are checked
    const unpacked = path.join(scratch, 'unpacked');
    fs.mkdirSync(unpacked);
    succeeds(scratch, 'tar', '-xzf', tarball, '-C', unpacked);
    const texts = entries.filter((entry) => !entry.endsWith('/')).map((entry) => ({ path: entry, text: fs.readFileSync(path.join(unpacked, 'package', entry), 'latin1') }));
    // THEN nothing is outside the list, and the entry points and the dev cluster's scripts are there
    expect(packageContentProblems(entries, PACKAGE)).toEqual([]);
    expect(privateKeyProblems(texts)).toEqual([]);
    expect(entries).toEqual(expect.arrayContaining(['bin/stagecraft', 'lib/index.js', 'lib/index.d.ts', 'lib/cli/init-command.js', 'scripts/control-plane/start.sh', 'examples/ci/env-repo.yml']));
  });

  it('runs init, synth, synth --check, cdk8s synth (the same tree) and the whole promotion loop with no extra flags', () => {
    // GIVEN the tarball installed into an empty folder, and stagecraft init run there
    fs.mkdirSync(project);
    succeeds(project, 'npm', 'install', '--no-audit', '--no-fund', tarball);
    const init = stagecraft('init');
    expect(init).toContain('ran git init (branch main)');
    expect(init).toContain('installed the dependencies (npm install)');
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({
      'stagecraft': `file:${path.relative(project, tarball)}`,
      'cdk8s': '2.70.106',
      'cdk8s-plus-28': '2.5.6',
      'constructs': '10.8.1',
      'ts-node': '10.9.2',
      'typescript': '6.0.3',
    });
    git(project, 'config', 'user.email', 'alice@example.com');
    git(project, 'config', 'user.name', 'Alice');

    // WHEN synthesized, type-checked, checked and synthesized by cdk8s too
    const synth = run(project, 'npm', 'run', 'synth');
    expect(synth.status).toBe(0);
    expect(synth.stderr).toContain(`stagecraft: synthesized 3 environments (0 objects) into ${project}: 9 written, 0 unchanged, 0 deleted`);
    succeeds(project, 'npm', 'test');
    expect(succeeds(project, 'npm', 'run', 'check')).toContain(`${project} is up to date`);
    succeeds(project, path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk8s'), 'synth');
    // THEN cdk8s synth wrote the same tree into dist/
    expect(fs.readdirSync(path.join(project, 'dist')).sort()).toEqual(['dev', 'prod', 'releases', 'staging']);
    expect(compareTrees(path.join(project, 'dist'), project)).toEqual([]);

    // WHEN the first synth is committed and dev is reconciled into the dev cluster
    succeeds(project, 'git', 'add', '--all');
    succeeds(project, 'git', 'commit', '--quiet', '--message', 'fleet program and first synth');
    expect(git(project, 'status', '--porcelain')).toBe('');
    stagecraft('dev-cluster', 'stop', '--wipe');
    expect(stagecraft('dev-cluster', 'start', '--port', cluster.port, '--etcd-port', cluster.etcd, '--etcd-peer-port', cluster.peer).trim())
      .toBe(path.join(cluster.dir, 'kubeconfig'));
    expect(stagecraft('reconcile', '--repo', '.', '--env', 'dev', '--once', '--record')).toMatch(/^healthy dev at [0-9a-f]{12}: 0 created, 0 configured, 0 unchanged, 0 pruned, 0 failed \(and 1 namespace created\); 3 write requests/m);

    // WHEN a build is released to dev, reconciled, promoted to staging, reconciled, approved for prod and promoted
    const image = `registry.example/my-fleet/web@sha256:${fakeDigest('package-loop')}`;
    expect(stagecraft('release', 'web', '--image', image, '--env', 'dev', '--repo', '.')).toContain(`released web ${image} to dev`);
    expect(stagecraft('reconcile', '--repo', '.', '--env', 'dev', '--once', '--record')).toMatch(/^healthy dev at [0-9a-f]{12}: 3 created, 0 configured, 0 unchanged, 0 pruned, 0 failed; 5 write requests/m);
    expect(stagecraft('promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', '.')).toMatch(/^promoted web to staging: commit [0-9a-f]{12}$/m);
    expect(stagecraft('reconcile', '--repo', '.', '--env', 'staging', '--once', '--record')).toMatch(/^healthy staging at [0-9a-f]{12}: 3 created, 0 configured, 0 unchanged, 0 pruned, 0 failed \(and 1 namespace created\); 6 write requests/m);
    const blocked = run(project, 'npx', 'stagecraft', 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', '.');
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toMatch(/^ {4}fail {2}approvals/m);
    expect(stagecraft('approve', 'web', '--env', 'prod', '--repo', '.')).toContain(`approved web ${image} for prod as alice@example.com`);
    expect(stagecraft('promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', '.')).toMatch(/^promoted web to prod: commit [0-9a-f]{12}$/m);
    expect(stagecraft('reconcile', '--repo', '.', '--env', 'prod', '--once', '--record')).toMatch(/^healthy prod at [0-9a-f]{12}: 3 created, 0 configured, 0 unchanged, 0 pruned, 0 failed \(and 1 namespace created\); 6 write requests/m);

    // THEN history tells it, the checkout's files followed every commit, and the committed tree is still what synth writes
    const history = stagecraft('history', '--env', 'prod', '--repo', '.').split('\n');
    expect(history[0]).toBe('history of prod, newest first');
    expect(history.slice(1).filter((line) => /^\S/.test(line)).map((line) => line.split(/\s+/).slice(1, 3).join(' '))).toEqual(['verify web', 'promote web', 'approve web']);
    expect(git(project, 'status', '--porcelain')).toBe('');
    expect(git(project, 'log', '--format=%s', 'main').split('\n')).toEqual([
      'promote web from staging to prod',
      `approve web ${image} for prod`,
      'promote web from dev to staging',
      `release web ${image} to dev`,
      'fleet program and first synth',
    ]);
    expect(succeeds(project, 'npm', 'run', 'check')).toContain(`${project} is up to date`);
  });
});

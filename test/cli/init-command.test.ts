import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_VERSIONS } from '../../lib/cli/init-project';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { git } from '../support/git';

const ISOLATED_GIT = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const init = (cwd: string, ...args: string[]) => runStagecraft(['init', ...args], { cwd, env: ISOLATED_GIT });

const PROJECT_FILES = [
  'package.json', 'tsconfig.json', 'cdk8s.yaml', 'main.ts', 'releases/dev.yaml', 'releases/staging.yaml', 'releases/prod.yaml',
  '.gitignore', '.gitattributes', 'README.md', '.github/workflows/env-repo.yml', 'ci/app-repo-release.yml', 'ci/README.md',
];

/** Makes the project's dependencies this checkout's own (links, no registry): stagecraft itself, cdk8s and the TypeScript runner. */
function linkDependencies(project: string): void {
  const modules = path.join(project, 'node_modules');
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  fs.symlinkSync(REPO_ROOT, path.join(modules, 'stagecraft'));
  for (const name of Object.keys(PROJECT_VERSIONS)) {
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(modules, name));
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js'), path.join(modules, '.bin', 'ts-node'));
}

describe('stagecraft init', () => {
  it('writes a fleet project into a new folder and runs git init on branch main', () => {
    // GIVEN a folder that does not exist yet
    const scratch = scratchFolder('stagecraft-init-');
    // WHEN
    const result = init(scratch, 'shop-fleet', '--skip-install');
    // THEN every project file is there, listed in order, and the folder is a git repository on main
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const project = path.join(scratch, 'shop-fleet');
    expect(result.stdout.split('\n').slice(0, PROJECT_FILES.length + 1)).toEqual([
      `wrote ${PROJECT_FILES.length} files into ${project} and ran git init (branch main):`,
      ...PROJECT_FILES.map((file) => `  ${file}`),
    ]);
    expect(git(project, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(manifest).toEqual({
      name: 'shop-fleet',
      version: '0.0.0',
      private: true,
      description: 'Fleet program and env repo of shop-fleet (stagecraft)',
      scripts: { synth: 'stagecraft synth --out .', check: 'stagecraft synth --check --out .', test: 'tsc -p tsconfig.json' },
      dependencies: { stagecraft: `file:${REPO_ROOT}`, ...PROJECT_VERSIONS },
    });
    expect(fs.readFileSync(path.join(project, '.gitattributes'), 'utf8')).toBe([
      '* text=auto eol=lf',
      '# Written by stagecraft synth, release and promote: review them, never edit them by hand (the reconciler refuses hand edits).',
      '/dev/** linguist-generated=true',
      '/staging/** linguist-generated=true',
      '/prod/** linguist-generated=true',
      '',
    ].join('\n'));
    expect(fs.readFileSync(path.join(project, '.github', 'workflows', 'env-repo.yml'), 'utf8'))
      .toBe(fs.readFileSync(path.join(REPO_ROOT, 'examples', 'ci', 'env-repo.yml'), 'utf8'));
  });

  it('pins the versions this checkout is built and tested with', () => {
    // GIVEN / WHEN the installed versions of this checkout
    const installed = Object.fromEntries(Object.keys(PROJECT_VERSIONS)
      .map((name) => [name, JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version]));
    // THEN
    expect(PROJECT_VERSIONS).toEqual(installed);
  });

  it('writes a project that synthesizes its own environments and policy, with stagecraft synth and its synth --check', () => {
    // GIVEN a project with two environments and an application of its own
    const scratch = scratchFolder('stagecraft-init-');
    const project = path.join(scratch, 'payments');
    expect(init(scratch, 'payments', '--skip-install', '--environments', 'qa,live', '--app', 'api', '--image', 'ghcr.io/acme/api', '--port', '9000').status).toBe(0);
    linkDependencies(project);
    // WHEN synthesized at its root and checked
    const synth = runStagecraft(['synth', '--out', '.'], { cwd: project });
    const check = runStagecraft(['synth', '--check', '--out', '.'], { cwd: project });
    // THEN both environments are written, with the policy qa → live (by hand, one approval)
    expect(synth.stderr).toContain(`stagecraft: synthesized 2 environments (0 objects) into ${project}: 6 written, 0 unchanged, 0 deleted`);
    expect(synth.status).toBe(0);
    expect(check.stdout).toBe(`${project} is up to date\n`);
    const live = JSON.parse(fs.readFileSync(path.join(project, 'live', '.stagecraft', 'environment.json'), 'utf8'));
    expect(live.promotion).toEqual([expect.objectContaining({
      policy: 'payments',
      position: 1,
      from: 'qa',
      applications: ['api'],
      gates: [{ type: 'manual' }, { type: 'verifiedUpstream' }, { type: 'approvals', count: 1 }],
    })]);
  });

  it('extends the package.json that npm install stagecraft left, keeping its stagecraft dependency', () => {
    // GIVEN a folder where stagecraft was installed from a tarball
    const scratch = scratchFolder('stagecraft-init-');
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ dependencies: { stagecraft: 'file:../stagecraft-1.2.3.tgz' } }));
    fs.writeFileSync(path.join(scratch, 'package-lock.json'), '{}');
    // WHEN
    const result = init(scratch, '--skip-install', '--name', 'fleet');
    // THEN
    expect(result.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(scratch, 'package.json'), 'utf8')).dependencies)
      .toEqual({ stagecraft: 'file:../stagecraft-1.2.3.tgz', ...PROJECT_VERSIONS });
  });

  it('fails on a folder that holds other files, writing nothing, and writes into it with --force', () => {
    // GIVEN a folder with a file of its own
    const scratch = scratchFolder('stagecraft-init-');
    fs.writeFileSync(path.join(scratch, 'notes.txt'), 'mine\n');
    // WHEN
    const refused = init(scratch, '--skip-install', '--name', 'fleet');
    // THEN
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(`stagecraft: init: ${scratch} is not empty (notes.txt); pass a new folder, or --force to write the project files into it (nothing is deleted)\nstagecraft: run stagecraft init --help for usage\n`);
    expect(fs.readdirSync(scratch)).toEqual(['notes.txt']);
    // WHEN forced THEN the project is written beside the file
    expect(init(scratch, '--skip-install', '--name', 'fleet', '--force').status).toBe(0);
    expect(fs.readFileSync(path.join(scratch, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(path.join(scratch, 'main.ts'))).toBe(true);
  });

  it.each([
    [['--environments', 'dev,Prod'], '--environments: "Prod" is not a DNS-1123 label (lowercase letters, digits and "-", at most 63); it names a folder and a namespace, e.g. dev,staging,prod'],
    [['--environments', 'dev,dev'], '--environments names "dev" twice; list each environment once, in promotion order'],
    [['--app', 'web_app'], '--app "web_app" is not a DNS-1123 label (lowercase letters, digits and "-", at most 63); it names the application\'s objects, e.g. --app web'],
    [['--name', 'My Fleet'], 'project name "My Fleet" is not a valid npm package name (lowercase letters, digits, ".", "_", "-"); pass --name, e.g. --name my-fleet'],
    [['--image', 'ghcr.io/acme/web:1.0'], '--image "ghcr.io/acme/web:1.0" is not an image repository without tag or digest; pass e.g. ghcr.io/acme/web (releases add the digest)'],
    [['--port', '0'], '--port 0 is not a whole number from 1 to 65535'],
  ])('fails on %j, writing nothing', (args, message) => {
    // GIVEN an empty folder
    const scratch = scratchFolder('stagecraft-init-');
    // WHEN
    const result = init(scratch, 'fleet', '--skip-install', ...args);
    // THEN
    expect(result.stderr.split('\n')[0]).toBe(`stagecraft: init: ${message}`);
    expect(result.status).toBe(2);
    expect(fs.readdirSync(scratch)).toEqual([]);
  });
});

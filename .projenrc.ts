import { cdk8s, javascript } from 'projen';

// Sources live in lib/ and compile in place (.ts beside .js), as aws-cdk does: the brief asks for a
// top-level lib/ holding the code, and one folder keeps imports between rooms and tests simple.
const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'stagecraft',
  description: 'Typed GitOps for Kubernetes: fleets, environments and promotion policies as cdk8s constructs, a deterministic env-repo synth and a companion reconciler',
  author: 'Stagecraft maintainers',
  authorAddress: 'maintainers@users.noreply.stagecraft.example',
  repositoryUrl: 'https://github.com/stagecraft/stagecraft.git',
  defaultReleaseBranch: 'main',
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  srcdir: 'lib',
  libdir: 'lib',
  minNodeVersion: '20.19.0',
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  bundledDeps: ['js-yaml@^4.1.0', '@kubernetes/client-node@1.4.0', 'prom-client@^15.1.3'],
  // dependency-cruiser 18 needs Node 22+; 17.4 is the newest line that runs on the machine's Node 20 too.
  devDeps: ['@types/js-yaml@^4.0.9', 'cdk8s-cli@2.207.60', 'dependency-cruiser@17.4.3', 'minimatch@^11.0.9', 'playwright-core@^1.65.1', 'ajv@^8.20.0'],
  bin: { stagecraft: 'bin/stagecraft' },
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Sources compile in place: prefer the .ts beside a possibly stale .js.
      moduleFileExtensions: ['ts', 'js', 'json', 'node'],
      testPathIgnorePatterns: ['/node_modules/', '/test/golden/'],
      collectCoverage: false,
      // Many tests run the built CLI or git in subprocesses; 5 s is too tight when the machine is busy.
      testTimeout: 60_000,
    },
  },
  tsconfig: {
    compilerOptions: { rootDir: 'lib', outDir: 'lib' },
    include: ['lib/**/*.ts'],
    exclude: ['node_modules', 'lib/**/*.d.ts'],
  },
});

// Node.js 22 and 24 are the LTS lines; 20 (end of life since 2026-10-30) stays while CI machines run it.
// .ci/run runs the suite on 20 and 24. Why @kubernetes/client-node stays on 1.x: docs/adr/0017-node-lines.md.
project.package.addEngine('node', '^20.19.0 || ^22.12.0 || >=24.0.0');

// Compiled output sits beside the sources: ignore it, keep the sources.
project.gitignore.removePatterns('/lib');
// `node_modules/` (projen's pattern) matches folders only: a worktree's node_modules symlink must be ignored too.
project.gitignore.exclude('/node_modules');
project.gitignore.exclude('/lib/**/*.js', '/lib/**/*.d.ts', '/bench/out/', '/.stagecraft-dev/', '/examples/**/dist/', '/examples/**/env-repo/');
project.npmignore?.removePatterns('/lib/');
project.npmignore?.exclude('/lib/**/*.ts', '!/lib/**/*.d.ts', '/bench/', '/examples/', '/scripts/', '/.ci/', '/docs/');
// The demo's local state holds an SSH private key; the rooms' rules are a development check.
project.npmignore?.exclude('/.stagecraft-dev/', '/.dependency-cruiser.js');

// What the package holds, listed rather than ignored: a folder nobody listed (a demo's keys, tests, an
// example's env repo) can never slip into the tarball. test/package/pack.test.ts packs it and checks.
// The control-plane scripts serve `stagecraft dev-cluster` and `demo`; acme-shop is the demo's fleet; the CI
// workflows are what `stagecraft init` copies. package.json, README.md and LICENSE are always packed.
const PACKAGE_FILES = [
  'bin/stagecraft',
  'lib/**/*.js',
  'lib/**/*.d.ts',
  '.jsii',
  'API.md',
  'scripts/control-plane/*.sh',
  'scripts/control-plane/simulate-rollouts.js',
  'scripts/control-plane/README.md',
  'examples/acme-shop/main.ts',
  'examples/acme-shop/cdk8s.yaml',
  'examples/acme-shop/README.md',
  'examples/acme-shop/releases/*.yaml',
  'examples/ci/*.yml',
  'examples/ci/README.md',
];
project.package.addField('files', PACKAGE_FILES);
// The compiled .js files are not in git: npm pack (and npm publish) build them first, also on a fresh clone.
project.package.setScript('prepack', 'projen compile');

// Error messages stay on one line so they can be found with grep; code lines still wrap at 150.
project.eslint?.addRules({
  '@stylistic/max-len': ['error', { code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
});

// A plain "N passed, N failed" closing line for CI log readers that do not know jest.
project.jest?.addReporter(['<rootDir>/test/support/summary-reporter.js', {}] as any);

// The rooms' import rules (.dependency-cruiser.js, docs/ARCHITECTURE.md): a wrong arrow fails the tests
// with the file and the rule before anything else runs.
const roomsTask = project.addTask('rooms', {
  description: 'Check the import rules between the rooms of lib/ (.dependency-cruiser.js)',
  exec: 'depcruise lib --config .dependency-cruiser.js --output-type err-long',
});
project.testTask.prependSpawn(roomsTask);

// The test task builds first: determinism and CLI tests run the compiled program in subprocesses.
project.testTask.prependSpawn(project.compileTask);

// Self-reference: examples import 'stagecraft' exactly as users do.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './package.json': './package.json',
});

// README's main job runs on a fresh clone, before node_modules exist: a plain script, not a projen task.
project.package.setScript('demo', 'bash scripts/demo.sh');

project.addTask('bench:synth', {
  description: 'Benchmark: stagecraft synth against plain cdk8s (1000 apps x 3 environments)',
  exec: 'node bench/synth/run.js',
  receiveArgs: true,
});

project.addTask('bench:reconcile', {
  description: 'Benchmark: stagecraft reconcile against kubectl apply --server-side (300 apps, 900 objects) on the test control plane',
  exec: 'node bench/reconcile/run.js',
  receiveArgs: true,
});

project.addTask('bench:promote', {
  description: 'Benchmark: stagecraft promote --dry-run of one application and of --all (300 apps x 2 environments), against the fleet program alone and a git clone',
  exec: 'node bench/promote/run.js',
  receiveArgs: true,
});

project.addTask('bench:board', {
  description: 'Benchmark: the promotion board of 1000 applications rendered in headless Chromium, against an empty board and a plain table',
  exec: 'node bench/board/run.js',
  receiveArgs: true,
});

project.synth();

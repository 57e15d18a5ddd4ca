import * as fs from 'fs';
import * as path from 'path';

/**
 * The versions a new fleet project pins: the ones this stagecraft is built and tested with
 * (test/cli/init-command.test.ts holds them equal to this checkout's installed versions). TypeScript stays on
 * 6.x: TypeScript 7 makes ts-node 10 crash.
 */
export const PROJECT_VERSIONS: Readonly<Record<string, string>> = {
  'cdk8s': '2.70.106',
  'cdk8s-plus-28': '2.5.6',
  'constructs': '10.8.1',
  'ts-node': '10.9.2',
  'typescript': '6.0.3',
};

/** What `stagecraft init` is asked for. */
export interface ProjectSettings {
  /** npm package name of the project. */
  readonly name: string;
  /** Environments in promotion order (the first one receives releases). */
  readonly environments: readonly string[];
  /** The first application. */
  readonly application: string;
  /** Its image repository, without tag or digest. */
  readonly image: string;
  /** The port it listens on. */
  readonly port: number;
  /** The `stagecraft` dependency: a version range, or what an existing package.json already says. */
  readonly stagecraftDependency: string;
}

/** One file of the project: path relative to the project folder and its text. */
export interface ProjectFile {
  readonly path: string;
  readonly text: string;
}

/** Every file `stagecraft init` writes, in a fixed order. `packageRoot` is this package's folder (for the CI workflows). */
export function projectFiles(settings: ProjectSettings, packageRoot: string, existingPackageJson?: Record<string, unknown>): ProjectFile[] {
  return [
    { path: 'package.json', text: packageJson(settings, existingPackageJson) },
    { path: 'tsconfig.json', text: `${JSON.stringify(TSCONFIG, undefined, 2)}\n` },
    { path: 'cdk8s.yaml', text: CDK8S_YAML },
    { path: 'main.ts', text: mainProgram(settings) },
    ...settings.environments.map((environment) => ({ path: `releases/${environment}.yaml`, text: `environment: ${environment}\napplications: {}\n` })),
    { path: '.gitignore', text: GITIGNORE },
    { path: '.gitattributes', text: gitattributes(settings) },
    { path: 'README.md', text: readme(settings) },
    ...workflows(packageRoot, settings.environments),
  ];
}

/**
 * `npm run synth` writes the environments at the project's root, which is also the env repo; `cdk8s synth`
 * writes the same tree into `dist/` (it empties its output folder first, so that can never be the root).
 * The program runs without type checking (twice as fast; release and promote run it on every change);
 * `npm test` type-checks it.
 */
const CDK8S_YAML = `language: typescript
app: npx ts-node --transpile-only main.ts
output: dist
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    lib: ['ES2022'],
    types: [],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

function packageJson(settings: ProjectSettings, existing: Record<string, unknown> = {}): string {
  const existingDependencies = (existing.dependencies ?? {}) as Record<string, string>;
  const existingScripts = (existing.scripts ?? {}) as Record<string, string>;
  const manifest = {
    name: existing.name ?? settings.name,
    version: existing.version ?? '0.0.0',
    private: true,
    description: existing.description ?? `Fleet program and env repo of ${settings.name} (stagecraft)`,
    ...existing,
    scripts: {
      ...existingScripts,
      synth: 'stagecraft synth --out .',
      check: 'stagecraft synth --check --out .',
      test: 'tsc -p tsconfig.json',
    },
    dependencies: {
      ...existingDependencies,
      stagecraft: settings.stagecraftDependency,
      ...PROJECT_VERSIONS,
    },
  };
  return `${JSON.stringify(manifest, undefined, 2)}\n`;
}

function mainProgram(settings: ProjectSettings): string {
  const variables = settings.environments.map((environment) => identifier(environment));
  const environmentLines = settings.environments.map((environment, index) =>
    `const ${variables[index]} = new Environment(fleet, '${environment}'${index === 0 ? ', { overrides: { replicas: 1 } }' : ''});`);
  const last = settings.environments.length - 1;
  const stages = settings.environments.map((_environment, index) => {
    if (index === 0) {
      return `    { environment: ${variables[index]} },`;
    }
    if (index < last) {
      return `    { environment: ${variables[index]}, gates: [PromotionGate.verifiedUpstream()] },`;
    }
    return `    { environment: ${variables[index]}, gates: [PromotionGate.manual(), PromotionGate.verifiedUpstream(), PromotionGate.approvals(1)] },`;
  });
  return `// The fleet program of ${settings.name}: which applications run in which environment, and how a release
// moves from one environment to the next. \`npm run synth\` writes the environments (${settings.environments.join(', ')}) next
// to this file; commit them with it. Reference: https://github.com/stagecraft/stagecraft#a-fleet-in-typescript
import { Application, Environment, Fleet, PromotionGate, PromotionPolicy } from 'stagecraft';

const fleet = new Fleet();

${environmentLines.join('\n')}

// Which image runs where comes from releases/<env>.yaml: \`stagecraft release\` writes it, \`stagecraft promote\` moves it on.
new Application(fleet, '${settings.application}', {
  image: '${settings.image}',
  port: ${settings.port},
  config: { LOG_LEVEL: 'info' },
});

// ${settings.environments.length === 1 ? 'One environment: releases land there.' : `Releases land in ${settings.environments[0]}; ${settings.environments.slice(1).join(' then ')} take what ran healthy one stage earlier${last > 0 ? `, ${settings.environments[last]} only by hand with one approval` : ''}.`}
new PromotionPolicy(fleet, '${settings.name.replace(/^@[^/]+\//, '')}', {
  stages: [
${stages.join('\n')}
  ],
});

fleet.synth();
`;
}

/** A TypeScript variable name for an environment name (DNS-1123 labels may hold dashes). */
function identifier(environment: string): string {
  const camel = environment.replace(/-([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
  return /^[0-9]/.test(camel) ? `env${camel}` : camel;
}

const GITIGNORE = `node_modules/
dist/
`;

function gitattributes(settings: ProjectSettings): string {
  return [
    '* text=auto eol=lf',
    '# Written by stagecraft synth, release and promote: review them, never edit them by hand (the reconciler refuses hand edits).',
    ...settings.environments.map((environment) => `/${environment}/** linguist-generated=true`),
    '',
  ].join('\n');
}

function readme(settings: ProjectSettings): string {
  const [first] = settings.environments;
  const last = settings.environments[settings.environments.length - 1];
  return `# ${settings.name}: fleet program and env repo

This repository is both the **fleet program** (\`main.ts\`, \`cdk8s.yaml\`, \`releases/\`) and the **env repo**
it writes: ${settings.environments.map((environment) => `\`${environment}/\``).join(', ')} hold every Kubernetes object of that environment, one
file per object, with \`${first}/.stagecraft/lock.json\` listing the sha256 of each. The reconciler
(\`stagecraft reconcile\`) applies exactly what is committed here; what runs where is decided by commits to
this repository, made with [stagecraft](https://github.com/stagecraft/stagecraft).

## Generated files: never edit them by hand

Everything under ${settings.environments.map((environment) => `\`${environment}/\``).join(', ')} is written by \`npm run synth\`,
\`stagecraft release\` and \`stagecraft promote\` (\`.gitattributes\` marks it generated). A hand edit does not
match the lock and the reconciler refuses the whole environment. Change \`main.ts\` or \`releases/*.yaml\` and
run \`npm run synth\` instead; CI runs \`npm run check\` (\`stagecraft synth --check --out .\`), which fails when
the committed environments are not what the program writes.

## Reviewing a change

- \`main.ts\` or \`releases/\` changed: the same commit must carry the regenerated environment folders; read
  their diff, it is exactly what the cluster will get (one object per file).
- A release or promotion commit (\`release web … to ${first}\`, \`promote … → ${last}\`) records who, when and every
  gate verdict in its trailers: \`npx stagecraft history --env ${last} --repo .\` reads them back.
- \`.stagecraft/environment.json\` of an environment shows its settings, the applications in effect and the
  promotion gates; a change there changes policy.

## The loop

\`\`\`sh
npm run synth && git add -A && git commit -m "…"                     # after changing main.ts
npx stagecraft reconcile --repo . --env ${first} --once --record        # apply ${first}, record the verdict
npx stagecraft release ${settings.application} --image ${settings.image}@sha256:<digest> --env ${first} --repo .
npx stagecraft promote ${settings.application} --from ${first} --to ${settings.environments[1] ?? first} --repo .
npx stagecraft approve ${settings.application} --env ${last} --repo .
npx stagecraft history --env ${last} --repo .
\`\`\`

## Checking signatures

An environment with \`requireSignedCommits: true\` (in \`main.ts\`) makes the reconciler refuse every commit
since the last applied one that is not signed by an allowed key (\`--ssh-allowed-signers FILE\` or
\`--gpg-keyring FILE\`). To check by hand: \`git log --show-signature -- ${last}/\` or \`git verify-commit <commit>\`
(for SSH signatures set \`gpg.ssh.allowedSignersFile\` first). Sign your own commits with \`git commit -S\`;
release and promote sign with \`--sign-key KEY\` or when \`commit.gpgsign\` is set.

## CI

\`.github/workflows/env-repo.yml\` checks every change, reconciles every environment after a push to main and
promotes what is eligible every 15 minutes; \`ci/app-repo-release.yml\` goes to each application's repository
(build, push, \`stagecraft release\`). Their secrets are described in \`ci/README.md\`.
`;
}

/** The CI workflows of examples/ci: the env repo's own workflow, and the application repositories' one for reference. */
function workflows(packageRoot: string, environments: readonly string[]): ProjectFile[] {
  const folder = path.join(packageRoot, 'examples', 'ci');
  const envRepo = fs.readFileSync(path.join(folder, 'env-repo.yml'), 'utf8')
    .replace('environment: [dev, staging, prod]', `environment: [${environments.join(', ')}]`);
  return [
    { path: '.github/workflows/env-repo.yml', text: envRepo },
    { path: 'ci/app-repo-release.yml', text: fs.readFileSync(path.join(folder, 'app-repo-release.yml'), 'utf8') },
    { path: 'ci/README.md', text: fs.readFileSync(path.join(folder, 'README.md'), 'utf8') },
  ];
}

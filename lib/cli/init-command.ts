import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArguments, ParsedArguments, stringOption, UsageError } from './args';
import { integerOption } from './cluster-target';
import { projectFiles, ProjectSettings } from './init-project';
import { Output } from './output';
import { dnsLabelProblem } from '../envrepo/names';

export const INIT_USAGE = `usage: stagecraft init [DIR] [--name NAME] [--environments dev,staging,prod] [--app NAME] [--image REPO] [--port N]
                      [--force] [--skip-install] [--output json]

Writes a fleet project into DIR (default: the current folder) that is also its env repo: package.json with
the tested versions of stagecraft, cdk8s, cdk8s-plus-28, constructs, ts-node and TypeScript, tsconfig.json,
cdk8s.yaml, main.ts (one application, the environments, a promotion policy), releases/, .gitignore,
.gitattributes, an env-repo README.md and the CI workflows. Then runs git init (unless DIR is already in a
git repository) and npm install. Next: npm run synth, commit, stagecraft reconcile (see README.md there).

  --name NAME           project (npm package) name (default: DIR's folder name)
  --environments LIST   environments in promotion order, comma-separated (default dev,staging,prod); releases
                        land in the first, the last is promoted by hand with one approval
  --app NAME            the first application (default web)
  --image REPO          its image repository, without tag or digest (default registry.example/<name>/<app>)
  --port N              the port it listens on (default 8080)
  --force               write into a folder that holds other files (files init writes are replaced, nothing is
                        deleted); without it only .git, node_modules, package.json and package-lock.json may be there
                        (package.json is kept and extended, so "npm install stagecraft && npx stagecraft init" works)
  --skip-install        do not run npm install
  --output json         print the result as one JSON object

exit codes: 0 written, 1 npm install failed (the files are written), 2 refused or bad input (nothing written)`;

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** Entries a folder may hold and still count as empty: what `npm install stagecraft` and `git init` leave. */
const ALLOWED_IN_EMPTY = ['.git', 'node_modules', 'package.json', 'package-lock.json'];

/** `stagecraft init`: returns the exit code. */
export function initCommand(argv: readonly string[], output: Output): number {
  const parsed = parseArguments(argv, { values: ['name', 'environments', 'app', 'image', 'port', 'output'], switches: ['force', 'skip-install', 'help'] });
  if (parsed.options.has('help')) {
    output.line(INIT_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  if (parsed.positionals.length > 1) {
    throw new UsageError(`init takes at most one folder, got ${parsed.positionals.join(' ')}`);
  }
  const directory = path.resolve(parsed.positionals[0] ?? '.');
  const existingPackageJson = readExistingPackageJson(directory);
  const settings = projectSettings(parsed, directory, existingPackageJson);
  refuseNonEmpty(directory, parsed.options.has('force'));

  const files = projectFiles(settings, PACKAGE_ROOT, existingPackageJson);
  for (const file of files) {
    const target = path.join(directory, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.text);
  }
  const gitInitialized = initializeGit(directory);
  const install = parsed.options.has('skip-install') ? undefined : installDependencies(directory, output);
  const relative = path.relative(process.cwd(), directory) || '.';
  const human = [
    `wrote ${files.length} files into ${directory}${gitInitialized ? ' and ran git init (branch main)' : ''}:`,
    ...files.map((file) => `  ${file.path}`),
    install === undefined ? 'skipped npm install' : install === 0 ? 'installed the dependencies (npm install)' : `npm install failed (exit code ${install}); run it again in ${relative}`,
    'next:',
    ...(relative === '.' ? [] : [`  cd ${relative}`]),
    ...(install === undefined ? ['  npm install'] : []),
    '  npm run synth && git add -A && git commit -m "fleet program and first synth"',
    `  npx stagecraft dev-cluster start && npx stagecraft reconcile --repo . --env ${settings.environments[0]} --once --record`,
  ].join('\n');
  output.result({ command: 'init', directory, ...settings, files: files.map((file) => file.path), gitInitialized, npmInstallExitCode: install ?? null }, human);
  return install === undefined || install === 0 ? 0 : 1;
}

function projectSettings(parsed: ParsedArguments, directory: string, existing: Record<string, unknown> | undefined): ProjectSettings {
  const name = stringOption(parsed, 'name') ?? (typeof existing?.name === 'string' ? existing.name : path.basename(directory).toLowerCase());
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name) || name.length > 214) {
    throw new UsageError(`project name "${name}" is not a valid npm package name (lowercase letters, digits, ".", "_", "-"); pass --name, e.g. --name my-fleet`);
  }
  const environments = (stringOption(parsed, 'environments') ?? 'dev,staging,prod').split(',').map((entry) => entry.trim());
  for (const environment of environments) {
    if (dnsLabelProblem(environment) !== undefined) {
      throw new UsageError(`--environments: "${environment}" is not a DNS-1123 label (lowercase letters, digits and "-", at most 63); it names a folder and a namespace, e.g. dev,staging,prod`);
    }
  }
  const duplicate = environments.find((environment, index) => environments.indexOf(environment) !== index);
  if (duplicate !== undefined) {
    throw new UsageError(`--environments names "${duplicate}" twice; list each environment once, in promotion order`);
  }
  const application = stringOption(parsed, 'app') ?? 'web';
  if (dnsLabelProblem(application) !== undefined) {
    throw new UsageError(`--app "${application}" is not a DNS-1123 label (lowercase letters, digits and "-", at most 63); it names the application's objects, e.g. --app web`);
  }
  const image = stringOption(parsed, 'image') ?? `registry.example/${name.replace(/^@/, '').replace('/', '-')}/${application}`;
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$|^[a-z0-9]+([._-][a-z0-9]+)*$/.test(image)) {
    throw new UsageError(`--image "${image}" is not an image repository without tag or digest; pass e.g. ghcr.io/acme/web (releases add the digest)`);
  }
  const port = integerOption(parsed, 'port', 8080, 1, 65535);
  const ownVersion = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version as string;
  const existingDependency = ((existing?.dependencies ?? {}) as Record<string, string>).stagecraft;
  // An unreleased checkout (version 0.0.0) cannot be installed by version: point at the checkout itself.
  const stagecraftDependency = existingDependency ?? (ownVersion === '0.0.0' ? `file:${PACKAGE_ROOT}` : `^${ownVersion}`);
  return { name, environments, application, image, port, stagecraftDependency };
}

function readExistingPackageJson(directory: string): Record<string, unknown> | undefined {
  const file = path.join(directory, 'package.json');
  if (!fs.existsSync(file)) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    return parsed;
  } catch (error) {
    throw new UsageError(`${file}: invalid package.json (${(error as Error).message}); fix it or remove it, then run stagecraft init again`);
  }
}

function refuseNonEmpty(directory: string, force: boolean): void {
  if (!fs.existsSync(directory)) {
    return;
  }
  if (!fs.statSync(directory).isDirectory()) {
    throw new UsageError(`${directory} is not a folder; pass a new or empty folder`);
  }
  const others = fs.readdirSync(directory).filter((entry) => !ALLOWED_IN_EMPTY.includes(entry)).sort();
  if (others.length > 0 && !force) {
    const shown = others.slice(0, 5).join(', ') + (others.length > 5 ? `, … (${others.length} entries)` : '');
    throw new UsageError(`${directory} is not empty (${shown}); pass a new folder, or --force to write the project files into it (nothing is deleted)`);
  }
}

/** git init (branch main) unless the folder is already inside a git work tree. */
function initializeGit(directory: string): boolean {
  const inside = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: directory, encoding: 'utf8' });
  if (inside.status === 0 && inside.stdout.trim() === 'true') {
    return false;
  }
  const created = spawnSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: directory, encoding: 'utf8' });
  if (created.status !== 0) {
    throw new Error(`git init in ${directory} failed: ${created.stderr.trim()}; the project files are written, run git init there yourself`);
  }
  return true;
}

function installDependencies(directory: string, output: Output): number {
  output.progress('npm install');
  // npm's own progress goes to stderr, so stdout stays one JSON object with --output json.
  const child = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: directory, stdio: ['ignore', 2, 'inherit'] });
  if (child.error) {
    output.error(`init: could not run npm install: ${child.error.message}`);
    return 1;
  }
  return child.status ?? 1;
}

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArguments, stringOption, UsageError } from './args';
import { Output } from './output';
import { parseLock } from '../envrepo/lock';
import { lockPath } from '../envrepo/paths';

export const DEMO_USAGE = `usage: stagecraft demo [--example DIR] [--repo DIR] [--output json]

The main job on an embedded default: synthesizes the example fleet (examples/acme-shop) into a local
env repo (a git repository, created if missing), commits the change, and prints each environment's status.

  --example DIR  fleet program folder with a cdk8s.yaml (default: the bundled acme-shop example)
  --repo DIR     env repo to write and commit (default: .stagecraft-dev/env-repo)
  --output json  print the status as one JSON object`;

const BUNDLED_EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'acme-shop');

/** `stagecraft demo`: returns the exit code. */
export function demoCommand(argv: readonly string[], output: Output): number {
  const parsed = parseArguments(argv, { values: ['example', 'repo', 'output'], switches: ['help'] });
  if (parsed.options.has('help')) {
    output.line(DEMO_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  const example = path.resolve(stringOption(parsed, 'example') ?? BUNDLED_EXAMPLE);
  const repo = path.resolve(stringOption(parsed, 'repo') ?? path.join('.stagecraft-dev', 'env-repo'));
  if (!fs.existsSync(path.join(example, 'cdk8s.yaml'))) {
    throw new UsageError(`${example} has no cdk8s.yaml; point --example at a fleet program folder`);
  }

  output.line(`1/3 env repo ${repo}`);
  fs.mkdirSync(repo, { recursive: true });
  if (!fs.existsSync(path.join(repo, '.git'))) {
    git(repo, ['init', '--quiet', '--initial-branch=main']);
  }

  output.line(`2/3 synthesizing ${path.relative(process.cwd(), example) || example}`);
  const synth = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'bin', 'stagecraft'), 'synth', '--out', repo], {
    cwd: example,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (synth.status !== 0) {
    output.error(`demo: synth failed (exit code ${synth.status}); the env repo was not changed`);
    return synth.status ?? 2;
  }

  git(repo, ['add', '--all']);
  const staged = spawnSync('git', ['diff', '--cached', '--quiet'], { cwd: repo });
  let committed = false;
  if (staged.status === 1) {
    git(repo, ['-c', 'user.name=stagecraft demo', '-c', 'user.email=demo@stagecraft.invalid', 'commit', '--quiet', '--message', 'stagecraft synth: acme-shop example']);
    committed = true;
  }
  const head = git(repo, ['rev-parse', 'HEAD']).trim();
  output.line(`3/3 ${committed ? 'committed' : 'nothing changed, HEAD is'} ${head.slice(0, 12)}`);

  const environments = fs.readdirSync(repo, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(repo, lockPath(entry.name))))
    .map((entry) => entry.name)
    .sort();
  const status = environments.map((name) => {
    const lock = parseLock(lockPath(name), fs.readFileSync(path.join(repo, lockPath(name)), 'utf8'));
    const metadata = JSON.parse(fs.readFileSync(path.join(repo, name, '.stagecraft', 'environment.json'), 'utf8'));
    return {
      environment: name,
      cluster: metadata.cluster as string,
      files: Object.keys(lock.files).length,
      applications: (metadata.applications as Array<{ name: string; image?: string }>)
        .map((application) => ({ name: application.name, image: application.image ?? null })),
      treeDigest: lock.treeDigest,
    };
  });
  const human = [
    '',
    'environment  cluster       files  tree digest',
    ...status.map((entry) => `${entry.environment.padEnd(12)} ${entry.cluster.padEnd(13)} ${String(entry.files).padStart(5)}  ${entry.treeDigest.slice(0, 19)}`),
    '',
    ...status.flatMap((entry) => entry.applications.map((application) => `${entry.environment}/${application.name}: ${application.image ?? 'not released'}`)),
  ].join('\n');
  output.result({ repo, commit: head, committed, environments: status }, human);
  return 0;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

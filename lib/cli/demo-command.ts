import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArguments, stringOption, UsageError } from './args';
import { devClusterFolder } from './cluster-target';
import { Output } from './output';
import { synthCommitMessage } from './synth-commit-message';
import { parseEnvironmentMetadata } from '../envrepo/environment-metadata';
import { parseLock } from '../envrepo/lock';
import { environmentMetadataPath, lockPath } from '../envrepo/paths';

export const DEMO_USAGE = `usage: stagecraft demo [--example DIR] [--repo DIR] [--skip-cluster] [--output json]

The main job on an embedded default:
  1. starts the local test control plane (etcd + kube-apiserver on 127.0.0.1; built once and cached),
  2. synthesizes the example fleet (examples/acme-shop) into a local env repo (git, created if missing)
     and commits the change,
  3. reconciles every environment into the control plane with stagecraft reconcile --once --record
     (the control plane runs no controllers or kubelet, so the demo plays them: scripts/control-plane/
     simulate-rollouts.js writes the Deployments' rollout status),
  4. prints each environment's status.

  --example DIR   fleet program folder with a cdk8s.yaml (default: the bundled acme-shop example)
  --repo DIR      env repo to write, commit and reconcile (default: .stagecraft-dev/env-repo)
  --skip-cluster  stop after step 2 (no control plane needed)
  --output json   print the final status as one JSON object`;

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const BUNDLED_EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'acme-shop');
const CLI = path.join(PACKAGE_ROOT, 'bin', 'stagecraft');

/** `stagecraft demo`: returns the exit code. */
export async function demoCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: ['example', 'repo', 'output'], switches: ['help', 'skip-cluster'] });
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
  const withCluster = !parsed.options.has('skip-cluster');
  const steps = withCluster ? 4 : 2;
  const say = (line: string) => (output.isJson ? process.stderr.write(`${line}\n`) : output.line(line));

  let kubeconfig: string | undefined;
  if (withCluster) {
    say(`1/${steps} starting the local test control plane (the first start builds kube-apiserver: about 10 minutes)`);
    const started = spawnSync('bash', [path.join(PACKAGE_ROOT, 'scripts', 'control-plane', 'start.sh'), '--dir', devClusterFolder()], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    if (started.status !== 0) {
      output.error(`demo: the control plane did not start (exit code ${started.status}); see its messages above`);
      return 1;
    }
    kubeconfig = started.stdout.trim().split('\n').pop()!;
    say(`    kubeconfig ${kubeconfig}`);
  }

  say(`${withCluster ? 2 : 1}/${steps} synthesizing ${path.relative(process.cwd(), example) || example} into the env repo ${repo}`);
  fs.mkdirSync(repo, { recursive: true });
  const newRepository = !fs.existsSync(path.join(repo, '.git'));
  if (newRepository) {
    git(repo, ['init', '--quiet', '--initial-branch=main']);
  }
  // With --output json, stdout carries only the final JSON object: the synth's own lines go to stderr.
  const synth = spawnSync(process.execPath, [CLI, 'synth', '--out', repo], { cwd: example, stdio: ['ignore', output.isJson ? 2 : 'inherit', 'inherit'] });
  if (synth.status !== 0) {
    output.error(`demo: synth failed (exit code ${synth.status}); the env repo was not changed`);
    return synth.status ?? 2;
  }
  // prod requires signed commits: the demo signs with its own SSH key and tells the reconciler to trust it.
  const signer = demoSigner(path.dirname(repo));
  git(repo, ['add', '--all']);
  const changedPaths = git(repo, ['diff', '--cached', '--name-only', '-z']).split('\0').filter(Boolean);
  const committed = changedPaths.length > 0;
  if (committed) {
    const synthesized = listEnvironments(repo).map((name) => ({ name, applications: describeEnvironment(repo, name).applications }));
    git(repo, [
      '-c', 'user.name=stagecraft demo', '-c', `user.email=${DEMO_IDENTITY}`, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${signer.key}`,
      'commit', '--quiet', '--gpg-sign', '--message', synthCommitMessage(path.basename(example), changedPaths, synthesized),
    ]);
  }
  const head = git(repo, ['rev-parse', 'HEAD']).trim();
  say(`    ${committed ? 'committed' : 'nothing changed, HEAD is'} ${head.slice(0, 12)}`);
  const environments = listEnvironments(repo);

  if (!withCluster) {
    const described = environments.map((name) => describeEnvironment(repo, name));
    output.result({ repo, commit: head, committed, environments: described }, treeTable(repo, environments));
    return 0;
  }

  say(`3/${steps} reconciling ${environments.join(', ')} into the control plane`);
  if (newRepository) {
    // The dev cluster outlives the demo's env repo: revisions of an earlier repo are not ancestors of this one.
    say('    the env repo is new: replacing whatever history an earlier demo left in the cluster (--allow-history-rewrite)');
  }
  const namespaces = environments.flatMap((name) => describeEnvironment(repo, name).namespaces);
  const simulator = simulateRollouts(kubeconfig!, namespaces);
  let failures = 0;
  try {
    for (const environment of environments) {
      const run = spawnSync(process.execPath, [
        CLI, 'reconcile', '--repo', repo, '--env', environment, '--kubeconfig', kubeconfig!, '--once', '--record', '--timeout', '2m', '--poll-interval', '500ms',
        '--ssh-allowed-signers', signer.allowedSigners, ...(newRepository ? ['--allow-history-rewrite'] : []),
      ], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      const summary = run.stdout.trim().split('\n').pop() ?? '';
      say(`    ${summary}`);
      if (run.status !== 0) {
        failures++;
        process.stderr.write(run.stderr);
      }
    }
  } finally {
    simulator.kill();
  }

  say(`4/${steps} status kept in the cluster`);
  const statuses: unknown[] = [];
  for (const environment of environments) {
    const status = spawnSync(process.execPath, [CLI, 'status', '--env', environment, '--kubeconfig', kubeconfig!, ...(output.isJson ? ['--output', 'json'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    if (output.isJson) {
      statuses.push(JSON.parse(status.stdout));
    } else {
      output.line(status.stdout.trimEnd());
    }
  }
  if (output.isJson) {
    output.line(JSON.stringify({ repo, commit: head, committed, kubeconfig, environments: statuses }));
  }
  return failures === 0 ? 0 : 1;
}

interface EnvironmentSummary {
  readonly environment: string;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly files: number;
  readonly treeDigest: string;
  readonly applications: ReadonlyArray<{ readonly name: string; readonly image?: string }>;
}

/** The environment folders of the env repo (those with a lock), sorted. */
function listEnvironments(repo: string): string[] {
  return fs.readdirSync(repo, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(repo, lockPath(entry.name))))
    .map((entry) => entry.name)
    .sort();
}

function describeEnvironment(repo: string, name: string): EnvironmentSummary {
  const lock = parseLock(lockPath(name), fs.readFileSync(path.join(repo, lockPath(name)), 'utf8'));
  const metadataFile = environmentMetadataPath(name);
  const metadata = parseEnvironmentMetadata(metadataFile, fs.readFileSync(path.join(repo, metadataFile), 'utf8'));
  const files = Object.keys(lock.files).length;
  const applications = metadata.applications.map((application) => ({ name: application.name, image: application.image }));
  return { environment: name, cluster: metadata.cluster, namespaces: metadata.namespaces, files, treeDigest: lock.treeDigest, applications };
}

function treeTable(repo: string, environments: string[]): string {
  return [
    'environment  cluster       files  tree digest',
    ...environments.map((name) => describeEnvironment(repo, name))
      .map((entry) => `${entry.environment.padEnd(12)} ${entry.cluster.padEnd(13)} ${String(entry.files).padStart(5)}  ${entry.treeDigest.slice(0, 19)}`),
  ].join('\n');
}

const DEMO_IDENTITY = 'demo@stagecraft.invalid';

/** An SSH key the demo signs its commits with, and an allowed-signers file naming it (made once). */
function demoSigner(folder: string): { key: string; allowedSigners: string } {
  const keys = path.join(folder, 'keys');
  const key = path.join(keys, 'demo-signer');
  const allowedSigners = path.join(keys, 'allowed_signers');
  if (!fs.existsSync(key)) {
    fs.mkdirSync(keys, { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', DEMO_IDENTITY, '-f', key]);
  }
  fs.writeFileSync(allowedSigners, `${DEMO_IDENTITY} ${fs.readFileSync(`${key}.pub`, 'utf8').trim()}\n`);
  return { key, allowedSigners };
}

/** The control plane runs no controllers: this plays the Deployment controller for the demo's namespaces. */
function simulateRollouts(kubeconfig: string, namespaces: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'control-plane', 'simulate-rollouts.js'), kubeconfig, ...namespaces], { stdio: 'ignore' });
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

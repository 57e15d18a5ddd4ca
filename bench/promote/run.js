// bench/promote: `stagecraft promote --dry-run` of one application and of `--all`, whole process, in a git
// env repo whose fleet program lives in the repo (as `promote` requires), with same-run anchors:
// the fleet program's own synth run alone (unchanged tree), and the floor: a `git clone` that checks out the
// target and only the other environments' `.stagecraft/` (what promote needs in its copy) plus the program
// run for the target alone (what re-synthesizing the target costs).
//   node bench/promote/run.js [--apps 300] [--envs 2] [--repeat 3]
// Layouts: `--apps 3000 --envs 2` (env1 → env2: the target is one environment of 3,000 applications) and
// `--apps 150 --envs 20` (a chain env1 → … → env20, promoted from the middle: env10 → env11).
// Prints a table and one JSON line (BENCH_RESULT …).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const options = { apps: 300, envs: 2, repeat: 3, keep: undefined };
for (let index = 2; index < process.argv.length; index++) {
  const option = process.argv[index];
  if (option === '--apps') options.apps = Number(process.argv[++index]);
  else if (option === '--envs') options.envs = Number(process.argv[++index]);
  else if (option === '--repeat') options.repeat = Number(process.argv[++index]);
  else if (option === '--keep') options.keep = path.resolve(process.argv[++index]);
  else throw new Error(`unknown option ${option}; use --apps N, --envs M, --repeat R, --keep DIR`);
}
for (const [name, value, least] of [['apps', options.apps, 1], ['envs', options.envs, 2], ['repeat', options.repeat, 1]]) {
  if (!Number.isInteger(value) || value < least) throw new Error(`--${name} ${value} is not a whole number of at least ${least}`);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-promote-'));
// --keep DIR: build the env repo in DIR, print the commands and stop (for profiling); DIR must not exist.
const repo = options.keep ?? path.join(scratch, 'env-repo');
if (options.keep !== undefined && fs.existsSync(options.keep)) throw new Error(`--keep ${options.keep}: already exists; pass a new folder`);
const gitEnv = {
  ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test',
};
const git = (...args) => execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' });
const environments = Array.from({ length: options.envs }, (_, index) => `env${index + 1}`);
// Promoted from the middle of the chain (env1 → env2 with two environments).
const fromIndex = Math.max(0, Math.floor(options.envs / 2) - 1);
const from = environments[fromIndex];
const to = environments[fromIndex + 1];
const application = `app${Math.floor(options.apps / 2)}`;

/** The fleet program kept in the env repo: loads stagecraft from this checkout by absolute path. */
function fleetProgram() {
  return `// bench/promote fleet: ${options.apps} applications × ${options.envs} environments on one promotion path
'use strict';
const { Application, Environment, Fleet, PromotionGate, PromotionPolicy } = require(${JSON.stringify(root)});
const fleet = new Fleet();
const environments = ${JSON.stringify(environments)}.map((name) => new Environment(fleet, name));
for (let index = 0; index < ${options.apps}; index++) {
  new Application(fleet, \`app\${index}\`, { image: \`registry.example/app\${index}\`, port: 8080, config: { LOG_LEVEL: 'info', INDEX: String(index) } });
}
new PromotionPolicy(fleet, 'path', {
  stages: environments.map((environment, index) => index === 0 ? { environment } : { environment, gates: [PromotionGate.manual()] }),
});
fleet.synth();
`;
}

/** Environments up to `from` run the new version of every application; those after it the old one. */
function writeReleases() {
  fs.mkdirSync(path.join(repo, 'releases'), { recursive: true });
  environments.forEach((environment, index) => {
    const digest = (index <= fromIndex ? 'b' : 'a').repeat(64);
    const lines = ['applications:'];
    for (let app = 0; app < options.apps; app++) {
      lines.push(`  app${app}:`, `    image: registry.example/app${app}@sha256:${digest}`);
    }
    fs.writeFileSync(path.join(repo, 'releases', `${environment}.yaml`), `${lines.join('\n')}\n`);
  });
}

function timed(command, args, extra = {}) {
  // /usr/bin/time reports the peak RSS of the largest process of the tree (the CLI or the fleet program child).
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', command, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: gitEnv, ...extra });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssMb = Number(/MAXRSS (\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024;
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, seconds, rssMb };
}

function promote(selection) {
  const run = timed(process.execPath, [path.join(root, 'bin', 'stagecraft'), 'promote', ...selection, '--from', from, '--to', to,
    '--repo', repo, '--dry-run', '--as', 'bench@example.test', '--output', 'json']);
  if (run.status !== 0) throw new Error(`stagecraft promote ${selection.join(' ')} failed (exit ${run.status}):\n${run.stdout.slice(0, 4000)}\n${run.stderr.slice(0, 4000)}`);
  const outcome = JSON.parse(run.stdout);
  const plans = outcome.plans ?? outcome.outcomes?.[0]?.plans ?? [];
  const status = outcome.status ?? outcome.outcomes?.[0]?.status;
  if (status !== 'dry-run') throw new Error(`stagecraft promote ${selection.join(' ')}: status ${status}, expected dry-run`);
  return { ...run, plans: plans.length, warnings: (outcome.warnings ?? outcome.outcomes?.[0]?.warnings ?? []).length };
}

/**
 * Anchor: the fleet program run alone in the env repo (nothing changes, nothing written): the whole fleet,
 * and only the target (`STAGECRAFT_SYNTH_ENVIRONMENTS`), as `promote` runs it.
 */
function synthAlone(extraEnv = {}) {
  const run = timed(process.execPath, ['fleet.js'], { cwd: repo, env: { ...gitEnv, CDK8S_OUTDIR: repo, ...extraEnv } });
  if (run.status !== 0) throw new Error(`fleet.js failed:\n${run.stderr}`);
  return run;
}

/**
 * Floor: a private copy of the env repo with the files a promotion into `to` needs: the target, the program,
 * and of every other environment its `.stagecraft/` (git's own sparse checkout, one shell command).
 */
function cloneFloor(attempt) {
  const target = path.join(scratch, `clone-${attempt}`);
  const others = environments.filter((environment) => environment !== to).map((environment) => `'!/${environment}/*' '/${environment}/.stagecraft/'`).join(' ');
  const script = `git clone --quiet --no-checkout "$1" "$2" && cd "$2" && git sparse-checkout set --no-cone '/*' ${others} && git checkout --quiet main`;
  const run = timed('sh', ['-c', script, 'floor', repo, target]);
  if (run.status !== 0) throw new Error(`git clone failed:\n${run.stderr}`);
  fs.rmSync(target, { recursive: true, force: true });
  return run;
}

function median(runs) {
  const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  return { ...middle, rssMb: Math.max(...runs.map((run) => run.rssMb)), all: runs.map((run) => run.seconds) };
}

process.stdout.write(`bench/promote: ${options.apps} applications × ${options.envs} environments (${options.apps * options.envs * 3} objects), `
  + `promote ${from} → ${to}, ${os.cpus().length} cores, node ${process.version}, median of ${options.repeat}, round-robin\n`);
try {
  fs.mkdirSync(repo, { recursive: true });
  git('init', '--quiet', '--initial-branch=main');
  fs.writeFileSync(path.join(repo, 'cdk8s.yaml'), 'language: typescript\napp: node fleet.js\n');
  fs.writeFileSync(path.join(repo, 'fleet.js'), fleetProgram());
  writeReleases();
  const first = synthAlone();
  git('add', '--all');
  git('commit', '--quiet', '-m', 'bench fleet');
  // Packed, as a cloned or fetched env repo is.
  git('repack', '-a', '-d', '-q');
  git('prune');
  const files = git('ls-files').split('\n').filter(Boolean).length;
  process.stdout.write(`env repo: ${files} files, first synth ${first.seconds.toFixed(2)} s\n\n`);
  if (options.keep !== undefined) {
    process.stdout.write(`kept in ${repo}; promote with:\n  node bin/stagecraft promote ${application} --from ${from} --to ${to} --repo ${repo} --dry-run --as bench@example.test\n`);
    fs.rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  }

  const rows = { one: [], all: [], synth: [], target: [], clone: [] };
  for (let attempt = 0; attempt < options.repeat; attempt++) {
    rows.one.push(promote([application]));
    rows.all.push(promote(['--all']));
    rows.synth.push(synthAlone());
    rows.target.push(synthAlone({ STAGECRAFT_SYNTH_ENVIRONMENTS: to }));
    rows.clone.push(cloneFloor(attempt));
    if (git('status', '--porcelain').trim() !== '') throw new Error('the anchor changed the env repo');
  }
  const one = median(rows.one);
  const all = median(rows.all);
  const synth = median(rows.synth);
  const target = median(rows.target);
  const clone = median(rows.clone);
  const line = (label, run, extra = '') => process.stdout.write(`  ${label.padEnd(44)} ${run.seconds.toFixed(2).padStart(6)} s  ${run.rssMb.toFixed(0).padStart(4)} MB  [${run.all.map((s) => s.toFixed(2)).join(', ')}]${extra}\n`);
  line(`promote --dry-run ${application}`, one, `  ${one.plans} plan, ${one.warnings} warnings`);
  line('promote --dry-run --all', all, `  ${all.plans} plans, ${all.warnings} warnings`);
  line('anchor: fleet program alone (unchanged)', synth);
  line(`anchor: fleet program alone, ${to} only`, target);
  line(`floor: git clone, ${to} checked out (sparse)`, clone);
  const floorSeconds = clone.seconds + target.seconds;
  process.stdout.write(`  ${'floor: that clone + program, target only'.padEnd(44)} ${floorSeconds.toFixed(2).padStart(6)} s\n`);
  const results = {
    apps: options.apps,
    envs: options.envs,
    objects: options.apps * options.envs * 3,
    files,
    from,
    to,
    repeat: options.repeat,
    promoteOneSeconds: one.seconds,
    promoteOneRssMb: one.rssMb,
    promoteAllSeconds: all.seconds,
    promoteAllRssMb: all.rssMb,
    promoteAllPlans: all.plans,
    fleetSynthSeconds: synth.seconds,
    fleetSynthRssMb: synth.rssMb,
    targetSynthSeconds: target.seconds,
    cloneSeconds: clone.seconds,
    floorSeconds,
    oneOverFloor: one.seconds / floorSeconds,
    oneOverSynth: one.seconds / synth.seconds,
  };
  process.stdout.write([
    '',
    `promote --dry-run of one application: ${one.seconds.toFixed(2)} s whole process (target ≤ 5 s at 3,000 applications), `
      + `${results.oneOverFloor.toFixed(2)}× the floor (${floorSeconds.toFixed(2)} s), ${results.oneOverSynth.toFixed(1)}× the fleet program alone`,
    `promote --dry-run --all (${all.plans} applications): ${all.seconds.toFixed(2)} s, ${all.rssMb.toFixed(0)} MB peak RSS`,
    `BENCH_RESULT ${JSON.stringify(results)}`,
    '',
  ].join('\n'));
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

// The floor of a LIST-based no-op reconcile, whole process: read the environment's files from the git
// mirror (one `git ls-tree`, one `git cat-file --batch`), and LIST the live objects of each kind in the
// environment's namespace with the applyset label selector, the LISTs in flight together with the git
// read, each response parsed with JSON.parse. Nothing else: no verification, no YAML, no plan, no status.
// Any tool that reads the desired files and the live state to find drift does at least this much.
// With --yaml, each file is also parsed with js-yaml (what any tool that understands the files adds).
// Usage: node noop-floor.js KUBECONFIG GITDIR COMMIT ENV NAMESPACE SELECTOR KIND... [--yaml]
//   KIND is `apiVersion:plural`, e.g. `apps/v1:deployments` or `v1:configmaps`.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const { readKubeconfig } = require('../../lib/reconciler/kubeconfig');
const { openTransport } = require('../../lib/reconciler/private/api-transport');

const args = process.argv.slice(2);
const withYaml = args.includes('--yaml');
const [kubeconfig, gitDirectory, commit, environment, namespace, selector, ...kinds] = args.filter((arg) => arg !== '--yaml');

function run(command, commandArgs, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${command} ${commandArgs.join(' ')}: exit ${code}`))));
    if (input !== undefined) {
      // A git that exits early makes the write fail with EPIPE; its exit code says why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

async function readFiles() {
  const listing = (await run('git', ['--git-dir', gitDirectory, 'ls-tree', '-r', '-z', commit, '--', `${environment}/`])).toString('utf8');
  const names = listing.split('\0').filter(Boolean).map((line) => line.split(/\s/)[2]);
  const output = await run('git', ['--git-dir', gitDirectory, 'cat-file', '--batch'], `${names.join('\n')}\n`);
  const files = [];
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(10, offset);
    const size = Number(output.toString('latin1', offset, newline).split(' ')[2]);
    files.push(output.subarray(newline + 1, newline + 1 + size));
    offset = newline + 1 + size + 1;
  }
  if (withYaml) {
    const yaml = require('js-yaml');
    for (const file of files) yaml.load(file.toString('utf8'));
  }
  return files.length;
}

async function main() {
  const reading = readKubeconfig(kubeconfig, fs.readFileSync(kubeconfig, 'utf8'));
  if (reading.kind !== 'static') throw new Error(`${kubeconfig}: the floor needs a kubeconfig with static credentials`);
  const transport = openTransport(reading.settings, 16);
  const started = process.hrtime.bigint();
  const lists = kinds.map(async (kind) => {
    const [apiVersion, plural] = kind.split(':');
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const response = await transport.send({ method: 'GET', path: `${base}/namespaces/${namespace}/${plural}?labelSelector=${encodeURIComponent(selector)}` });
    if (response.status !== 200) throw new Error(`LIST ${kind}: HTTP ${response.status}`);
    return JSON.parse(response.body).items.length;
  });
  const [files, ...counts] = await Promise.all([readFiles(), ...lists]);
  transport.close();
  process.stdout.write(`${JSON.stringify({ files, live: counts.reduce((a, b) => a + b, 0), insideSeconds: Number(process.hrtime.bigint() - started) / 1e9 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

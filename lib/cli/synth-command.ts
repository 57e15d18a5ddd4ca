import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArguments, refusePositionals, stringOption } from './args';
import { readCdk8sConfig } from './cdk8s-config';
import { Output } from './output';
import { SYNTH_ENVIRONMENTS_VARIABLE } from '../envrepo/synth-environments';
import { compareTrees } from '../synth/compare-tree';

export const SYNTH_USAGE = `usage: stagecraft synth [--out DIR] [--check] [--output json]

Runs the fleet program named by ./cdk8s.yaml ("app") and writes the env-repo tree to DIR
(default: cdk8s.yaml "output", else dist) — the same tree cdk8s synth writes there.
Only files whose bytes change are rewritten; stale files are deleted only inside environment folders.

  --out DIR      env-repo folder to write (or to check)
  --check        write nothing; exit 1 and list the differing files when DIR is stale, 0 when not
  --output json  print the result as one JSON object`;

/** `stagecraft synth`: returns the exit code. */
export function synthCommand(argv: readonly string[], output: Output): number {
  const parsed = parseArguments(argv, { values: ['out', 'output'], switches: ['check', 'help'] });
  if (parsed.options.has('help')) {
    output.line(SYNTH_USAGE);
    return 0;
  }
  refusePositionals(parsed, 'synth');
  output.setFormat(stringOption(parsed, 'output'));
  const config = readCdk8sConfig(process.cwd());
  const out = path.resolve(stringOption(parsed, 'out') ?? config.output);
  if (!parsed.options.has('check')) {
    const started = Date.now();
    const result = runFleetProgram(config.app, out, output);
    if (result !== 0) {
      return result;
    }
    output.result({ command: 'synth', out, seconds: (Date.now() - started) / 1000 }, `synth finished in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return 0;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-check-'));
  try {
    const result = runFleetProgram(config.app, scratch, output, true);
    if (result !== 0) {
      return result;
    }
    if (!fs.existsSync(out)) {
      output.result({ command: 'synth --check', out, stale: true, differences: [{ path: '.', difference: 'missing' }] }, `${out} does not exist; run stagecraft synth --out ${stringOption(parsed, 'out') ?? config.output}`);
      return 1;
    }
    const differences = compareTrees(scratch, out);
    const human = differences.length === 0
      ? `${out} is up to date`
      : [`${out} is stale: ${differences.length} file${differences.length === 1 ? '' : 's'} differ from a fresh synth`, ...differences.map((difference) => `  ${difference.difference.padEnd(8)} ${difference.path}`), 'run stagecraft synth to update it'].join('\n');
    output.result({ command: 'synth --check', out, stale: differences.length > 0, differences }, human);
    return differences.length === 0 ? 0 : 1;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** A check compares the whole tree, so it synthesizes the whole fleet even with STAGECRAFT_SYNTH_ENVIRONMENTS set. */
function checkWholeFleet(check: boolean): Record<string, string> {
  return check ? { [SYNTH_ENVIRONMENTS_VARIABLE]: '' } : {};
}

/**
 * Runs the fleet program exactly as `cdk8s synth` does: through the shell, with CDK8S_OUTDIR pointing at the
 * output folder. Its stderr (validation errors, the summary line) reaches the user unchanged.
 */
function runFleetProgram(app: string, outdir: string, output: Output, quiet = false): number {
  output.progress(`running ${app}`);
  // A check writes to a scratch folder: the program's own summary would name that folder, so it is shown only on failure.
  const child = spawnSync(app, {
    shell: true,
    stdio: ['ignore', output.isJson || quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    env: { ...process.env, ...checkWholeFleet(quiet), CDK8S_OUTDIR: outdir },
  });
  if (quiet && child.status !== 0 && child.stderr) {
    process.stderr.write(child.stderr);
  }
  if (child.error) {
    throw new Error(`could not start the fleet program "${app}": ${child.error.message}`);
  }
  if (child.status !== 0) {
    output.error(`the fleet program "${app}" failed (exit code ${child.status ?? child.signal}); see its message above. Nothing was written by a failed synth`);
    return 2;
  }
  return 0;
}

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { repoPathProblem } from '../envrepo/repo-path';
import { SYNTH_ENVIRONMENTS_VARIABLE } from '../envrepo/synth-environments';

/**
 * The fleet program inside the env repo: `<fleet>/cdk8s.yaml` names the command, `<fleet>/releases/` holds
 * the releases, and synthesis writes the environment folders at the repository root.
 */
export interface FleetProgram {
  /** Absolute folder of the program (holds cdk8s.yaml). */
  readonly directory: string;
  /** `--fleet` as given, relative to the repository root, for messages. */
  readonly relative: string;
  /** The `app:` command. */
  readonly app: string;
}

/** Finds the fleet program of a checkout; `fleet` is relative to the repository root (`.` for the root). */
export function locateFleetProgram(root: string, fleet: string): FleetProgram {
  const normalized = fleet.replace(/\/+$/, '') || '.';
  if (normalized !== '.' && repoPathProblem(normalized) !== undefined) {
    throw new Error(`--fleet "${fleet}" ${repoPathProblem(normalized)}; pass a folder relative to the env repo's root, e.g. fleet or .`);
  }
  const directory = path.join(root, normalized);
  const config = path.join(directory, 'cdk8s.yaml');
  if (!fs.existsSync(config)) {
    throw new Error(`the env repo has no ${normalized === '.' ? '' : `${normalized}/`}cdk8s.yaml at its branch tip; the fleet program must live in the env repo (pass --fleet DIR when it is not at the root)`);
  }
  let parsed: any;
  try {
    parsed = yaml.load(fs.readFileSync(config, 'utf8'), { schema: yaml.JSON_SCHEMA });
  } catch (error) {
    throw new Error(`${normalized}/cdk8s.yaml: invalid yaml: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.app !== 'string' || parsed.app.trim() === '') {
    throw new Error(`${normalized}/cdk8s.yaml: "app" is missing; set it to the command that runs the fleet program`);
  }
  return { directory, relative: normalized, app: parsed.app };
}

/** Repo-relative path of the program's releases file of `environment`. */
export function releasesFileOf(program: FleetProgram, environment: string): string {
  return program.relative === '.' ? `releases/${environment}.yaml` : `${program.relative}/releases/${environment}.yaml`;
}

/**
 * Runs the fleet program as `stagecraft synth --out <root>` would, writing the environment folders at the
 * repository root. With `environments`, the program's `Fleet.synth()` renders and writes only those
 * (`STAGECRAFT_SYNTH_ENVIRONMENTS`; a program built with a stagecraft that predates it synthesizes the whole
 * fleet, which gives the same files for those environments). Throws with the program's own message when it
 * fails; nothing is committed then.
 */
export function synthesizeInto(program: FleetProgram, root: string, environments?: readonly string[]): void {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('CDK8S_') && key !== SYNTH_ENVIRONMENTS_VARIABLE) {
      environment[key] = value;
    }
  }
  const scope = environments === undefined ? {} : { [SYNTH_ENVIRONMENTS_VARIABLE]: environments.join(',') };
  const child = spawnSync(program.app, {
    shell: true,
    cwd: program.directory,
    env: { ...environment, ...scope, CDK8S_OUTDIR: root },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error) {
    throw new Error(`could not start the fleet program "${program.app}": ${child.error.message}`);
  }
  if (child.status !== 0) {
    const said = (child.stderr || child.stdout || '').trim();
    const hint = /Cannot find module|MODULE_NOT_FOUND|could not determine executable to run/.test(said)
      ? ' The work copy has no node_modules of its own: pass --deps with the node_modules folder of an installed checkout of the env repo (npm ci).'
      : '';
    throw new Error(`the fleet program "${program.app}" failed (exit code ${child.status ?? child.signal}); nothing was committed.${hint} It said:\n${said}`);
  }
}

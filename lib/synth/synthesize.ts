import * as path from 'path';
import { FleetDefinition } from './fleet-definition';
import { SynthError } from './synth-error';
import { Application } from '../constructs/application';
import { Environment } from '../constructs/environment';
import { assembleEnvironment, SynthesizedEnvironment } from './private/assemble-environment';
import { withFastResolve } from './private/fast-resolve';
import { fleetProblems } from './private/fleet-rules';
import { collectWorkerResults, nextSynthCall, partitionsFor, reportToMainThread, startWorkers, workerAssignment } from './private/parallel';
import { readReleases, ReleasesInput } from './private/read-releases';
import { renderUnit, UnitResult } from './private/render-unit';
import { SynthesizedTree } from './synthesized-tree';
import { writeTree, WriteReport } from './write-tree';
import { SYNTH_ENVIRONMENTS_VARIABLE, synthEnvironmentsFromVariable } from '../envrepo/synth-environments';

export { CONSTRUCT_PATH_ANNOTATION } from '../envrepo/annotations';
export type { SynthesizedEnvironment } from './private/assemble-environment';
export type { SynthesizedTree } from './synthesized-tree';
export { SYNTH_ENVIRONMENTS_VARIABLE, synthEnvironmentsFromVariable } from '../envrepo/synth-environments';

/** How long the main thread waits for a worker's share before rendering it itself. */
const WORKER_TIMEOUT_MILLISECONDS = 120_000;

/**
 * Renders and validates the whole fleet in memory (or, with `environments`, validates the whole fleet and
 * renders only those environments). Reads only the releases folder; throws a SynthError listing every
 * problem when anything is wrong.
 */
export function synthesizeFleet(fleet: FleetDefinition, environments?: readonly string[]): SynthesizedTree {
  const scope = environmentScope(fleet, environments);
  return shieldedRendering(() => synthesizeShielded(fleet, scope));
}

/** The names to render, checked against the fleet; undefined for the whole fleet. */
function environmentScope(fleet: FleetDefinition, environments: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (environments === undefined) {
    return undefined;
  }
  const known = fleet.environments.map((environment) => environment.environmentName);
  for (const name of environments) {
    if (!known.includes(name)) {
      const what = name === '' ? 'an empty environment name' : `environment "${name}", which the fleet does not have`;
      throw new Error(`${SYNTH_ENVIRONMENTS_VARIABLE}=${process.env[SYNTH_ENVIRONMENTS_VARIABLE] ?? environments.join(',')} names ${what} (environments: ${known.join(', ') || 'none'}); `
        + 'list environments of the fleet separated by commas, or unset it to synthesize the whole fleet; nothing was written');
    }
  }
  return new Set(environments);
}

/**
 * Synthesizes and writes; the write happens only when synthesis found no problem. On a synth worker thread
 * it renders the thread's share and reports it to the main thread instead, writing nothing (undefined).
 */
export function synthesizeFleetToDirectory(fleet: FleetDefinition, outdir: string): WriteReport | undefined {
  if (workerAssignment() !== undefined) {
    shieldedRendering(() => renderWorkerShare(fleet));
    return undefined;
  }
  const tree = synthesizeFleet(fleet, synthEnvironmentsFromVariable());
  return writeTree(outdir, tree);
}

/** The (environment, application) pairs of a fleet, in the order their results are joined. */
interface Unit {
  readonly environment: Environment;
  readonly application: Application;
}

interface Prelude {
  readonly units: Unit[];
  readonly releaseInputs: Map<string, ReleasesInput>;
  readonly releasesDirectory: string;
  readonly problems: string[];
}

function prelude(fleet: FleetDefinition, scope: ReadonlySet<string> | undefined): Prelude {
  const applications = fleet.applications;
  const problems = fleetProblems(fleet);
  const releasesDirectory = path.resolve(fleet.releasesDirectory);
  // Every releases file is read and checked, also those of environments this synth does not render.
  const environmentNames = fleet.environments.map((environment) => environment.environmentName);
  const { inputs: releaseInputs, problems: releaseProblems } = readReleases(releasesDirectory, environmentNames);
  problems.push(...releaseProblems);
  const applicationNames = new Set(applications.map((application) => application.applicationName));
  for (const [environment, input] of releaseInputs) {
    for (const application of Object.keys(input.releases.applications).sort()) {
      if (!applicationNames.has(application)) {
        problems.push(`${input.path}: release for unknown application "${application}" in environment "${environment}" (known: ${[...applicationNames].join(', ') || 'none'}); remove the entry or add the application`);
      }
    }
  }
  // Constructs the user created (environments, applications, policies and anything added to them).
  for (const construct of fleet.node.findAll()) {
    for (const message of construct.node.validate()) {
      problems.push(`${construct.node.path}: ${message}`);
    }
  }
  const units = scopedEnvironments(fleet, scope).flatMap((environment) => applications.map((application) => ({ environment, application })));
  return { units, releaseInputs, releasesDirectory, problems };
}

/** The fleet's environments that this synth renders. */
function scopedEnvironments(fleet: FleetDefinition, scope: ReadonlySet<string> | undefined): Environment[] {
  return fleet.environments.filter((environment) => scope === undefined || scope.has(environment.environmentName));
}

function render(unit: Unit, releaseInputs: Map<string, ReleasesInput>): UnitResult {
  return renderUnit(unit.environment, unit.application, releaseInputs.get(unit.environment.environmentName));
}

function synthesizeShielded(fleet: FleetDefinition, scope: ReadonlySet<string> | undefined): SynthesizedTree {
  const synthCall = nextSynthCall();
  const { units, releaseInputs, releasesDirectory, problems } = prelude(fleet, scope);
  const partitions = problems.length > 0 ? 1 : partitionsFor(units.length, fleet.synthWorkers);
  const workers = partitions > 1 ? startWorkers(partitions, synthCall) : [];
  const results: Array<UnitResult | undefined> = units.map((unit, index) => (index % partitions === 0 ? render(unit, releaseInputs) : undefined));
  const shares = collectWorkerResults(workers, WORKER_TIMEOUT_MILLISECONDS);
  let workerSharesUsed = 0;
  shares.forEach((share, workerIndex) => {
    const partition = workerIndex + 1;
    const indexes = units.map((_unit, index) => index).filter((index) => index % partitions === partition);
    // A worker whose program declared other units (a program that is not deterministic) is not trusted.
    const matches = share !== undefined && share.length === indexes.length
      && share.every((result, position) => sameUnit(result, units[indexes[position]]));
    workerSharesUsed += matches ? 1 : 0;
    indexes.forEach((index, position) => {
      results[index] = matches ? share[position] : render(units[index], releaseInputs);
    });
  });

  const synthesized = scopedEnvironments(fleet, scope).map((environment) => {
    const environmentResults = results.filter((result): result is UnitResult =>
      result !== undefined && result.environment === environment.environmentName);
    return assembleEnvironment(fleet, environment, environmentResults, releaseInputs.get(environment.environmentName), problems);
  });
  if (problems.length > 0) {
    throw new SynthError(problems);
  }
  const releases = new Map<string, Buffer>();
  for (const [environment, input] of releaseInputs) {
    if (scope === undefined || scope.has(environment)) {
      releases.set(input.path, input.bytes);
    }
  }
  const leftAlone = fleet.environments.map((environment) => environment.environmentName).filter((name) => scope !== undefined && !scope.has(name));
  return { environments: synthesized as SynthesizedEnvironment[], releases, releasesDirectory, threads: 1 + workerSharesUsed, leftAlone };
}

/** On a worker thread: render this thread's share of the units of the synth call the main thread waits for. */
function renderWorkerShare(fleet: FleetDefinition): void {
  const assignment = workerAssignment()!;
  const synthCall = nextSynthCall();
  if (synthCall !== assignment.synthCall) {
    return;
  }
  try {
    const { units, releaseInputs } = prelude(fleet, environmentScope(fleet, synthEnvironmentsFromVariable()));
    const share = units.filter((_unit, index) => index % assignment.partitions === assignment.partition).map((unit) => render(unit, releaseInputs));
    reportToMainThread({ units: share });
  } catch (error) {
    reportToMainThread({ error: (error as Error).message });
  }
}

function sameUnit(result: UnitResult, unit: Unit): boolean {
  return result.environment === unit.environment.environmentName && result.application === unit.application.applicationName;
}

/**
 * cdk8s reads CDK8S_* variables while rendering (sorting, hashing); synth output must not depend on the
 * environment, so they are hidden for the duration and restored afterwards. Key sorting is switched off
 * on purpose: the canonical writers sort every map themselves, so cdk8s sorting first is wasted work.
 * Rendering also resolves values the fast way while it runs (fast-resolve.ts).
 */
function shieldedRendering<T>(work: () => T): T {
  const saved: Record<string, string> = {};
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('CDK8S_')) {
      saved[key] = process.env[key]!;
      delete process.env[key];
    }
  }
  process.env.CDK8S_DISABLE_SORT = '1';
  try {
    return withFastResolve(work);
  } finally {
    delete process.env.CDK8S_DISABLE_SORT;
    Object.assign(process.env, saved);
  }
}

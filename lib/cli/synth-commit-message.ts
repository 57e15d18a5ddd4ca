import { compareCodeUnits } from '../envrepo/names';

/** One environment of the env repo after a synth: its applications in effect and their images. */
export interface SynthesizedEnvironment {
  readonly name: string;
  readonly applications: ReadonlyArray<{ readonly name: string; readonly image?: string }>;
}

/**
 * The commit message of a synth: the subject names the program and the environments that changed, the body
 * each changed environment's changed applications with the image they now run, and releases files that
 * changed. `changedPaths` are repo-relative paths (`git diff --cached --name-only`).
 */
export function synthCommitMessage(program: string, changedPaths: readonly string[], environments: readonly SynthesizedEnvironment[]): string {
  const known = new Map(environments.map((environment) => [environment.name, environment]));
  const changed = new Map<string, Set<string>>();
  const releases: string[] = [];
  for (const file of changedPaths) {
    const [first, second, third] = file.split('/');
    if (first === 'releases' && second !== undefined) {
      releases.push(file);
    } else if (known.has(first) && second !== undefined) {
      const applications = changed.get(first) ?? new Set<string>();
      // An application is a folder of the environment; files beside it (kustomization.yaml) and folders
      // starting with `.` or `_` (metadata, cluster-scoped objects, the reconciler's own) are not.
      if (third !== undefined && !second.startsWith('.') && !second.startsWith('_')) {
        applications.add(second);
      }
      changed.set(first, applications);
    }
  }
  const names = [...changed.keys()].sort(compareCodeUnits);
  const subject = names.length === 0
    ? `stagecraft synth: ${program}`
    : `stagecraft synth: ${program}: ${names.map((name) => describeEnvironment(name, changed.get(name)!)).join('; ')}`;
  const body: string[] = [];
  for (const name of names) {
    const applications = [...changed.get(name)!].sort(compareCodeUnits);
    const images = known.get(name)!.applications.filter((application) => applications.includes(application.name));
    body.push(`${name}: ${applications.length === 0 ? 'environment settings and lock only' : `${applications.length} application${applications.length === 1 ? '' : 's'} changed`}`);
    for (const application of applications) {
      const image = images.find((candidate) => candidate.name === application)?.image;
      body.push(`  ${application}: ${image ?? 'removed or not released'}`);
    }
  }
  if (releases.length > 0) {
    body.push(`releases files: ${releases.sort(compareCodeUnits).join(', ')}`);
  }
  return body.length === 0 ? `${subject}\n` : `${subject}\n\n${body.join('\n')}\n`;
}

function describeEnvironment(name: string, applications: ReadonlySet<string>): string {
  return applications.size === 0 ? name : `${name} (${[...applications].sort(compareCodeUnits).join(', ')})`;
}

import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { DesiredObject, DesiredState } from './desired-state';
import { KubeObject } from './kube-object';
import { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { parseLock } from '../envrepo/lock';
import { environmentMetadataPath, lockPath, METADATA_FOLDER } from '../envrepo/paths';

/** The folder cannot be read as an environment: the CLI exits 2 with the message. */
export class DesiredStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DesiredStateError';
  }
}

/**
 * Reads one environment of an env-repo folder: every `<dir>/<env>/**\/*.yaml` (one object each) and
 * `<env>/.stagecraft/environment.json`; the revision is the lock's treeDigest. A stand-in until the git
 * source arrives, which also verifies each file against the lock; this one does not.
 */
export function readDirectorySource(directory: string, environmentName: string): DesiredState {
  const environmentFolder = path.join(directory, environmentName);
  if (!fs.existsSync(environmentFolder)) {
    throw new DesiredStateError(`${environmentFolder} does not exist; pass the env-repo folder as --dir and an environment synthesized into it as --env`);
  }
  const lockFile = path.join(directory, lockPath(environmentName));
  const lockText = readText(lockFile, 'run stagecraft synth to write it');
  let lock;
  try {
    lock = parseLock(lockFile, lockText);
  } catch (error) {
    throw new DesiredStateError((error as Error).message);
  }
  const environment = parseEnvironment(path.join(directory, environmentMetadataPath(environmentName)), environmentName);
  const objects: DesiredObject[] = [];
  for (const relative of listYamlFiles(directory, environmentName)) {
    const file = path.join(directory, relative);
    objects.push({ path: relative, object: parseObject(file, readText(file, 'check the folder')) });
  }
  return { revision: lock.treeDigest, environment, objects };
}

function listYamlFiles(directory: string, environmentName: string): string[] {
  const files: string[] = [];
  const visit = (relativeFolder: string): void => {
    for (const entry of fs.readdirSync(path.join(directory, relativeFolder), { withFileTypes: true })) {
      const relative = `${relativeFolder}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        throw new DesiredStateError(`${path.join(directory, relative)} is a symbolic link; an env repo holds plain files only (a link could point outside it)`);
      }
      if (entry.isDirectory()) {
        if (relativeFolder === environmentName && entry.name === METADATA_FOLDER) {
          continue;
        }
        visit(relative);
      } else if (entry.name.endsWith('.yaml')) {
        files.push(relative);
      }
    }
  };
  visit(environmentName);
  return files.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

function readText(file: string, fix: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DesiredStateError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; ${fix}`);
  }
}

function parseObject(file: string, text: string): KubeObject {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, undefined, { filename: file }).filter((document) => document !== null && document !== undefined);
  } catch (error) {
    throw new DesiredStateError(`${file}: not valid yaml (${(error as Error).message.split('\n')[0]}); re-run stagecraft synth`);
  }
  if (documents.length !== 1) {
    throw new DesiredStateError(`${file}: holds ${documents.length} yaml documents, expected exactly one object per file; re-run stagecraft synth`);
  }
  const object = documents[0] as Record<string, any>;
  const problems: string[] = [];
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw new DesiredStateError(`${file}: expected a Kubernetes object (a mapping), got ${Array.isArray(object) ? 'a list' : typeof object}`);
  }
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') {
    problems.push('apiVersion');
  }
  if (typeof object.kind !== 'string' || object.kind === '') {
    problems.push('kind');
  }
  if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') {
    problems.push('metadata.name');
  }
  if (problems.length > 0) {
    throw new DesiredStateError(`${file}: ${problems.join(', ')} missing or not a string; every object needs apiVersion, kind and metadata.name`);
  }
  return object as KubeObject;
}

function parseEnvironment(file: string, environmentName: string): EnvironmentMetadata {
  let parsed: any;
  try {
    parsed = JSON.parse(readText(file, 'run stagecraft synth to write it'));
  } catch (error) {
    if (error instanceof DesiredStateError) {
      throw error;
    }
    throw new DesiredStateError(`${file}: not valid json (${(error as Error).message}); re-run stagecraft synth`);
  }
  if (parsed?.name !== environmentName) {
    throw new DesiredStateError(`${file}: names environment ${JSON.stringify(parsed?.name)}, expected "${environmentName}" (its folder); re-run stagecraft synth`);
  }
  if (!Array.isArray(parsed.namespaces) || parsed.namespaces.length === 0 || !parsed.namespaces.every((namespace: unknown) => typeof namespace === 'string')) {
    throw new DesiredStateError(`${file}: "namespaces" must be a non-empty list of namespace names; re-run stagecraft synth`);
  }
  if (typeof parsed.controlNamespace !== 'string' || parsed.controlNamespace === '') {
    throw new DesiredStateError(`${file}: "controlNamespace" must be a namespace name; re-run stagecraft synth`);
  }
  return parsed as EnvironmentMetadata;
}

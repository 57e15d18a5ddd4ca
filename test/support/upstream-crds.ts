import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { kubectl, kubectlJson } from './test-cluster';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'crds');

/** The upstream CRDs of test/fixtures/crds (see its README), by file name. */
export const UPSTREAM_CRD_FILES = [
  'argoproj.io_applications.yaml',
  'argoproj.io_appprojects.yaml',
  'kustomize.toolkit.fluxcd.io_kustomizations.yaml',
  'source.toolkit.fluxcd.io_gitrepositories.yaml',
];

/** One upstream CRD as the 1.20 test control plane can take it, and the CEL rule blocks removed for that. */
export interface LoadedCrd {
  readonly file: string;
  readonly crd: any;
  /** JSON paths of the `x-kubernetes-validations` blocks removed (kube-apiserver 1.20 has no such field). */
  readonly strippedValidations: string[];
}

/** Parses a fixture and removes every `x-kubernetes-validations` block, reporting where each was. */
export function loadUpstreamCrd(file: string): LoadedCrd {
  const crd = yaml.load(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
  const strippedValidations: string[] = [];
  const strip = (node: unknown, at: string) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => strip(item, `${at}[${index}]`));
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if ('x-kubernetes-validations' in record) {
        strippedValidations.push(`${at}.x-kubernetes-validations (${(record['x-kubernetes-validations'] as unknown[]).length} rules)`);
        delete record['x-kubernetes-validations'];
      }
      for (const [key, value] of Object.entries(record)) {
        strip(value, `${at}.${key}`);
      }
    }
  };
  strip(crd, '');
  return { file, crd, strippedValidations };
}

/** Installs the four upstream CRDs (server-side apply, idempotent) and waits until the API server serves them. */
export function installUpstreamCrds(kubeconfig: string): void {
  for (const file of UPSTREAM_CRD_FILES) {
    const { crd } = loadUpstreamCrd(file);
    kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '--field-manager', 'stagecraft-tests', '-f', '-'], { input: JSON.stringify(crd) });
    waitUntilEstablished(kubeconfig, crd.metadata.name);
  }
}

/** Polls the CRD (kubectl wait fails outright while status.conditions is still empty). */
function waitUntilEstablished(kubeconfig: string, name: string): void {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const conditions = kubectlJson(kubeconfig, ['get', `customresourcedefinition/${name}`]).status?.conditions ?? [];
    if (conditions.some((condition: any) => condition.type === 'Established' && condition.status === 'True')) {
      return;
    }
    spawnSync('sleep', ['0.2']);
  }
  throw new Error(`customresourcedefinition/${name} did not become Established within 60 s`);
}

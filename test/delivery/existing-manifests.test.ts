import * as fs from 'fs';
import * as path from 'path';
import { Application, Environment, ExistingManifests } from '../../lib';
import { SynthError } from '../../lib/synth/synth-error';
import { synthesizeFleet } from '../../lib/synth/synthesize';
import { writeTree } from '../../lib/synth/write-tree';
import { readTree, scratchFleet, scratchFolder } from '../support/fleets';

/** A folder of existing YAML files, as a team brings them. */
function manifestsFolder(files: Record<string, string>): string {
  const folder = scratchFolder('stagecraft-existing-');
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(folder, name), content);
  }
  return folder;
}

function synthesizeWith(folder: string): Record<string, string> {
  const { fleet, outdir } = scratchFleet();
  new Environment(fleet, 'dev', { additionalNamespaces: ['jobs'] });
  new Application(fleet, 'legacy', { manifests: ExistingManifests.fromDirectory(folder) });
  writeTree(outdir, synthesizeFleet(fleet));
  return readTree(outdir);
}

function problemsOf(folder: string): string[] {
  try {
    synthesizeWith(folder);
  } catch (error) {
    if (error instanceof SynthError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('synth accepted the manifests');
}

describe('existing YAML brought into an application', () => {
  it('writes every object of every YAML file, with the environment\'s namespace where none is given, into the kustomization', () => {
    // GIVEN two files, one holding two documents, and a file that is not YAML
    const folder = manifestsFolder({
      'a-config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy-config\ndata:\n  MODE: old\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: legacy\n  namespace: jobs\n',
      'b-service.yml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: legacy\nspec:\n  ports:\n    - port: 80\n      protocol: TCP\n',
      'notes.txt': 'not a manifest',
    });
    // WHEN
    const tree = synthesizeWith(folder);
    // THEN
    expect(Object.keys(tree).filter((file) => file.startsWith('dev/legacy/'))).toEqual([
      'dev/legacy/configmap.legacy-config.yaml',
      'dev/legacy/service.legacy.yaml',
      'dev/legacy/serviceaccount.legacy.yaml',
    ]);
    expect(tree['dev/legacy/configmap.legacy-config.yaml']).toContain('  namespace: dev\n');
    expect(tree['dev/legacy/configmap.legacy-config.yaml']).toContain('stagecraft.dev/construct-path: dev/legacy/a-config.yaml/legacy-config-configmap\n');
    expect(tree['dev/legacy/serviceaccount.legacy.yaml']).toContain('  namespace: jobs\n');
    expect(tree['dev/kustomization.yaml']).toContain('  - legacy/service.legacy.yaml\n');
  });

  it.each([
    ['a Secret with plaintext data', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n',
      'dev/legacy/secret.yaml/db-secret (Secret/dev/db): holds plaintext secret data (keys: password) that would be committed to git; use a reference type instead, such as an ExternalSecret (external-secrets.io) or a SealedSecret (bitnami.com)'],
    ['an object in a namespace outside the environment', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n  namespace: kube-system\n',
      'dev/legacy/secret.yaml/stray-configmap-kube-system (ConfigMap/kube-system/stray): namespace "kube-system" is outside environment "dev" (allowed: dev, jobs); put the object in one of those or add the namespace with additionalNamespaces'],
    ['a cluster-scoped kind the environment does not allow', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: everyone-admin\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects: []\n',
      'dev/legacy/secret.yaml/everyone-admin-clusterrolebinding (ClusterRoleBinding/everyone-admin): cluster-scoped kind ClusterRoleBinding is not allowed in environment "dev" (allowed: Namespace); add it to allowedClusterScopedKinds or remove the object'],
  ])('fails on %s, by the same object rules', (_name, content, problem) => {
    // GIVEN
    const folder = manifestsFolder({ 'secret.yaml': content });
    // WHEN
    const problems = problemsOf(folder);
    // THEN
    expect(problems).toEqual([problem]);
  });

  it('fails on a folder without YAML files, naming it', () => {
    // GIVEN
    const folder = manifestsFolder({ 'README.md': '# nothing here' });
    // WHEN
    const synth = () => synthesizeWith(folder);
    // THEN
    expect(synth).toThrow(`existing manifests: folder ${folder} holds no .yaml or .yml file; put the manifests there or drop ExistingManifests`);
  });
});

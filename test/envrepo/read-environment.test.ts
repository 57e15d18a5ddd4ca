import { EnvironmentFile, ReadEnvironmentOptions, readEnvironment, TreeVerificationError } from '../../lib/envrepo/read-environment';
import { bytes, goldenEnvironmentFiles, relock, text, GOLDEN_DEV_OBJECT_PATHS } from '../support/env-repo';

const RESYNTH = 're-run stagecraft synth and commit its output';
const NO_SHARING = 'anchors, aliases and merge keys are not allowed';
const WEB_CONFIG = 'dev/web/configmap.web.yaml';
const KUSTOMIZATION = 'dev/kustomization.yaml';
const METADATA = 'dev/.stagecraft/environment.json';

/** Changes environment.json of the golden dev tree. */
function changeMetadata(files: Map<string, Uint8Array>, change: (metadata: any) => void): void {
  const metadata = JSON.parse(text(files.get(METADATA)!));
  change(metadata);
  files.set(METADATA, bytes(`${JSON.stringify(metadata, undefined, 2)}\n`));
}

/** A ConfigMap `web` in namespace dev whose `data` section is `data` (YAML lines, indented by two). */
function webConfigMap(data: string): string {
  return ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: web', '  namespace: dev', 'data:', data].join('\n') + '\n';
}

/** The error readEnvironment threw, or fails the test when it returned. */
function refusal(files: ReadonlyMap<string, EnvironmentFile>, options: ReadEnvironmentOptions = {}): TreeVerificationError {
  try {
    readEnvironment('dev', files, options);
  } catch (error) {
    if (error instanceof TreeVerificationError) {
      return error;
    }
    throw error;
  }
  throw new Error('readEnvironment accepted the tree');
}

interface RefusalCase {
  /** Changes the golden dev tree; the lock is rewritten afterwards unless `keepLock`. */
  readonly change: (files: Map<string, Uint8Array>) => void;
  readonly keepLock?: boolean;
  /** Relocks with the kustomization.yaml as `change` left it (a hand edit relocked by hand). */
  readonly keepKustomization?: boolean;
  readonly options?: ReadEnvironmentOptions;
  readonly problems: string[] | ((golden: ReadonlyMap<string, Uint8Array>) => string[]);
}

const REFUSALS: Record<string, RefusalCase> = {
  'a kustomization.yaml that pulls in a remote resource, relocked by hand': {
    change: (files) => files.set(KUSTOMIZATION, bytes(`${text(files.get(KUSTOMIZATION)!)}  - https://github.com/example/evil//base?ref=main\n`)),
    keepKustomization: true,
    problems: [`dev/kustomization.yaml: does not list exactly the object files of dev/ (as stagecraft synth writes it); ${RESYNTH}`],
  },
  'a kustomization.yaml that leaves out an object file, with lock mismatches allowed': {
    change: (files) => files.set(KUSTOMIZATION, bytes(text(files.get(KUSTOMIZATION)!).replace('  - web/service.web.yaml\n', ''))),
    keepLock: true,
    options: { allowLockMismatch: true },
    problems: [`dev/kustomization.yaml: does not list exactly the object files of dev/ (as stagecraft synth writes it); ${RESYNTH}`],
  },
  'no kustomization.yaml, relocked by hand': {
    change: (files) => files.delete(KUSTOMIZATION),
    keepKustomization: true,
    problems: [`dev/kustomization.yaml: missing, so kubectl -k, Flux and Argo CD cannot read dev/; ${RESYNTH}`],
  },
  'a file edited after synth': {
    change: (files) => files.set(WEB_CONFIG, bytes(text(files.get(WEB_CONFIG)!).replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace'))),
    keepLock: true,
    problems: [`dev/web/configmap.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`],
  },
  'a file the lock lists but the tree lacks': {
    change: (files) => files.delete('dev/web/service.web.yaml'),
    keepLock: true,
    problems: [`dev/web/service.web.yaml: listed in the lock but missing; restore it or ${RESYNTH}`],
  },
  'a file the lock does not list': {
    change: (files) => files.set('dev/web/configmap.extra.yaml', bytes(webConfigMap('  A: b').replace('name: web', 'name: extra'))),
    keepLock: true,
    problems: [`dev/web/configmap.extra.yaml: not listed in the lock (stagecraft synth did not write it); delete it or ${RESYNTH}`],
  },
  'no lock': {
    change: (files) => files.delete('dev/.stagecraft/lock.json'),
    keepLock: true,
    problems: [`dev/.stagecraft/lock.json: missing, so nothing in dev/ can be verified; ${RESYNTH}`],
  },
  'a lock edited by hand': {
    change: (files) => files.set('dev/.stagecraft/lock.json', bytes(text(files.get('dev/.stagecraft/lock.json')!).replace(/"sha256:0/, '"sha256:1'))),
    keepLock: true,
    problems: ['dev/.stagecraft/lock.json: treeDigest does not match the listed files (the lock was edited by hand); re-run stagecraft synth to rewrite it'],
  },
  'a lock of another format version': {
    change: (files) => files.set('dev/.stagecraft/lock.json', bytes(text(files.get('dev/.stagecraft/lock.json')!).replace('"schemaVersion": 2', '"schemaVersion": 3'))),
    keepLock: true,
    problems: ['dev/.stagecraft/lock.json: schemaVersion 3 is not supported (this stagecraft reads 1 and 2); upgrade stagecraft to read it'],
  },
  'two yaml documents in one file': {
    change: (files) => files.set(WEB_CONFIG, bytes(`${text(files.get(WEB_CONFIG)!)}---\n${text(files.get('dev/api/configmap.api.yaml')!)}`)),
    problems: [`dev/web/configmap.web.yaml: holds 2 yaml documents, exactly one is allowed (one object per file); ${RESYNTH}`],
  },
  'an anchor and an alias': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: &level debug\n  B: *level'))),
    problems: [`dev/web/configmap.web.yaml: yaml anchor "&level" at line 7; ${NO_SHARING}; ${RESYNTH}`],
  },
  'an anchor on a map in flow style': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: x\nextra: {first: &shared {k: v}, second: *shared}'))),
    problems: [`dev/web/configmap.web.yaml: yaml anchor "&shared" at line 8; ${NO_SHARING}; ${RESYNTH}`],
  },
  'an alias without an anchor': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: *level'))),
    problems: [`dev/web/configmap.web.yaml: invalid yaml at line 7, column 12: unidentified alias "level"; ${RESYNTH}`],
  },
  'a merge key': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  <<: {A: x}'))),
    problems: [`dev/web/configmap.web.yaml: merge key "<<" at data; ${NO_SHARING}; ${RESYNTH}`],
  },
  'a duplicate key': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: x\n  A: y'))),
    problems: [`dev/web/configmap.web.yaml: invalid yaml at line 8, column 3: duplicated mapping key; ${RESYNTH}`],
  },
  'a custom tag': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: !!binary aGVsbG8='))),
    problems: [`dev/web/configmap.web.yaml: invalid yaml at line 7, column 23: unknown tag !<tag:yaml.org,2002:binary>; ${RESYNTH}`],
  },
  'a document that is not a map': {
    change: (files) => files.set(WEB_CONFIG, bytes('- apiVersion: v1\n- kind: ConfigMap\n')),
    problems: [`dev/web/configmap.web.yaml: expected a kubernetes object (a map with apiVersion, kind and metadata.name), got a list; ${RESYNTH}`],
  },
  'an empty file': {
    change: (files) => files.set(WEB_CONFIG, bytes('')),
    problems: [`dev/web/configmap.web.yaml: holds 0 yaml documents, exactly one is allowed (one object per file); ${RESYNTH}`],
  },
  'an object without kind': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: x').replace('kind: ConfigMap\n', ''))),
    problems: [`dev/web/configmap.web.yaml: "kind" is missing or not a string; ${RESYNTH}`],
  },
  'an object without metadata.name': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: x').replace('  name: web\n', ''))),
    problems: [`dev/web/configmap.web.yaml: "metadata.name" is missing or not a string; ${RESYNTH}`],
  },
  'an object in a file named after another object': {
    change: (files) => {
      files.set('dev/web/service.website.yaml', files.get('dev/web/service.web.yaml')!);
      files.delete('dev/web/service.web.yaml');
    },
    problems: [`dev/web/service.website.yaml: holds Service/dev/web, which belongs at dev/web/service.web.yaml; move it or ${RESYNTH}`],
  },
  'a namespaced object in the cluster folder': {
    change: (files) => {
      files.set('dev/_cluster/configmap.web.yaml', files.get(WEB_CONFIG)!);
      files.delete(WEB_CONFIG);
    },
    problems: [`dev/_cluster/configmap.web.yaml: holds ConfigMap/dev/web, a namespaced kind, which belongs in an application folder (dev/<application>/configmap.web.yaml); move it or ${RESYNTH}`],
  },
  'a cluster-scoped object in an application folder': {
    change: (files) => files.set('dev/web/namespace.dev.yaml', bytes('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n')),
    problems: [`dev/web/namespace.dev.yaml: holds Namespace/dev, which belongs at dev/_cluster/namespace.dev.yaml; move it or ${RESYNTH}`],
  },
  'a file synth never writes': {
    change: (files) => files.set('dev/web/README.md', bytes('# notes\n')),
    problems: [`dev/web/README.md: not a file stagecraft synth writes (expected dev/<application>/<kind>.<name>.yaml); delete it or ${RESYNTH}`],
  },
  'a file over the per-file limit': {
    change: (files) => {
      const object = webConfigMap('  A: x').replace('name: web', 'name: big');
      files.set('dev/web/configmap.big.yaml', bytes(`${object}#${'x'.repeat(1024 * 1024 - object.length - 1)}\n`));
    },
    problems: ['dev/web/configmap.big.yaml: 1048577 bytes, over the limit of 1048576 bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit'],
  },
  'an environment over the total limit': {
    change: () => undefined,
    keepLock: true,
    options: { maxTotalBytes: 10_000 },
    problems: (golden) => {
      const total = [...golden.values()].reduce((sum, content) => sum + content.byteLength, 0);
      return [`dev/: ${total} bytes in 13 files, over the limit of 10000 bytes per environment; split the environment or raise the per-environment limit`];
    },
  },
  'a path with a ".." segment': {
    change: (files) => files.set('dev/../prod/web/configmap.web.yaml', files.get(WEB_CONFIG)!),
    keepLock: true,
    problems: ['dev/../prod/web/configmap.web.yaml: path has a ".." segment; only plain relative paths inside dev/ are read: remove the file from the env repo'],
  },
  'an absolute path': {
    change: (files) => files.set('/dev/web/configmap.other.yaml', files.get(WEB_CONFIG)!),
    keepLock: true,
    problems: ['/dev/web/configmap.other.yaml: path is absolute; only plain relative paths inside dev/ are read: remove the file from the env repo'],
  },
  'a path with a backslash': {
    change: (files) => files.set('dev\\web\\configmap.other.yaml', files.get(WEB_CONFIG)!),
    keepLock: true,
    problems: ['dev\\web\\configmap.other.yaml: path contains a backslash; only plain relative paths inside dev/ are read: remove the file from the env repo'],
  },
  'a path with an empty segment': {
    change: (files) => files.set('dev//web/configmap.other.yaml', files.get(WEB_CONFIG)!),
    keepLock: true,
    problems: ['dev//web/configmap.other.yaml: path has an empty segment; only plain relative paths inside dev/ are read: remove the file from the env repo'],
  },
  'a lock listing a path outside the environment': {
    change: (files) => {
      const lock = JSON.parse(text(files.get('dev/.stagecraft/lock.json')!));
      lock.files['/etc/passwd'] = lock.files[WEB_CONFIG];
      files.set('dev/.stagecraft/lock.json', bytes(JSON.stringify(lock)));
    },
    keepLock: true,
    problems: ['dev/.stagecraft/lock.json: files["/etc/passwd"]: path is absolute; a lock lists only plain relative paths inside its environment folder, re-run stagecraft synth to rewrite it'],
  },
  'one object in two application folders': {
    change: (files) => files.set('dev/api/configmap.web.yaml', files.get(WEB_CONFIG)!),
    problems: ['dev/web/configmap.web.yaml: holds ConfigMap/dev/web, the same object as dev/api/configmap.web.yaml; an object is declared once per environment: delete one of the files, or rename one of the objects in the fleet program and re-run stagecraft synth'],
  },
  'an object name that is not DNS-1123': {
    change: (files) => files.set('dev/web/configmap.Web_Config.yaml', bytes(webConfigMap('  A: x').replace('name: web', 'name: Web_Config'))),
    problems: ['dev/web/configmap.Web_Config.yaml (ConfigMap/dev/Web_Config): name "Web_Config" must consist of lowercase letters a-z, digits 0-9, "-" and ".", and start and end with a letter or digit (DNS-1123); rename the object'],
  },
  'a kind that is not a kubernetes kind': {
    change: (files) => files.set('dev/web/config map.web.yaml', bytes(webConfigMap('  A: x').replace('kind: ConfigMap', 'kind: Config Map'))),
    problems: ['dev/web/config map.web.yaml (Config Map/dev/web): kind "Config Map" is not a kubernetes kind (letters, digits and "-", starting with a letter, at most 63 characters); fix the kind'],
  },
  'an object outside the environment\'s namespaces': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: x').replace('namespace: dev', 'namespace: kube-system'))),
    problems: ['dev/web/configmap.web.yaml (ConfigMap/kube-system/web): namespace "kube-system" is outside environment "dev" (allowed: dev); put the object in one of those or add the namespace with additionalNamespaces'],
  },
  'a cluster-scoped kind the environment does not allow': {
    change: (files) => files.set('dev/_cluster/clusterrole.reader.yaml', bytes('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n')),
    problems: ['dev/_cluster/clusterrole.reader.yaml (ClusterRole/reader): cluster-scoped kind ClusterRole is not allowed in environment "dev" (allowed: Namespace); add it to allowedClusterScopedKinds or remove the object'],
  },
  'a Secret with plaintext data': {
    change: (files) => files.set('dev/web/secret.db.yaml', bytes('apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: dev\ndata:\n  password: aHVudGVyMg==\n')),
    problems: ['dev/web/secret.db.yaml (Secret/dev/db): holds plaintext secret data (keys: password) that would be committed to git; use a reference type instead, such as an ExternalSecret (external-secrets.io) or a SealedSecret (bitnami.com)'],
  },
  'an image not pinned by digest where environment.json requires it': {
    change: (files) => files.set('dev/web/deployment.web.yaml', bytes(text(files.get('dev/web/deployment.web.yaml')!).replace(/image: .*/, 'image: registry.acme.example/shop/web:latest'))),
    problems: ['dev/web/deployment.web.yaml (Deployment/dev/web): image not pinned by digest (web=registry.acme.example/shop/web:latest) but environment "dev" requires it; release the image as repo@sha256:<digest> or set requireImageDigest: false'],
  },
  'annotations over 256 KiB': {
    change: (files) => files.set(WEB_CONFIG, bytes(webConfigMap('  A: x').replace('  namespace: dev', `  namespace: dev\n  annotations:\n    notes: ${'n'.repeat(256 * 1024)}`))),
    problems: ['dev/web/configmap.web.yaml (ConfigMap/dev/web): annotations take 262249 bytes with stagecraft.dev/applied-digest (added at apply time), over the API server\'s limit of 262144 bytes (256 KiB); the largest is "notes" (262149 bytes): move large values into a ConfigMap'],
  },
  'a namespace in environment.json that is not DNS-1123': {
    change: (files) => changeMetadata(files, (metadata) => {
      metadata.namespaces = ['dev', 'Kube_System'];
    }),
    problems: [`${METADATA}: namespaces[1] "Kube_System" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit (DNS-1123 label); re-run stagecraft synth to rewrite it`],
  },
  'a file of another environment': {
    change: (files) => files.set('prod/web/configmap.web.yaml', files.get(WEB_CONFIG)!),
    keepLock: true,
    problems: ['prod/web/configmap.web.yaml: outside dev/; pass only the files of environment dev'],
  },
};

describe('reading an environment of the env repo', () => {
  it('returns the objects of the golden dev environment sorted by path, with the lock and environment.json', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    // WHEN
    const tree = readEnvironment('dev', files);
    // THEN
    expect(tree.objects.map((entry) => entry.path)).toEqual(GOLDEN_DEV_OBJECT_PATHS);
    expect(tree.environment).toBe('dev');
    expect(tree.lock.treeDigest).toBe('sha256:fd0d563be2f4962191b81846e535a775f696e0c10f1d330f884bb6f6fc4ee39f');
    expect(tree.metadata.name).toBe('dev');
    expect(tree.metadata.applications.map((application) => application.name)).toEqual(['api', 'web', 'worker']);
  });

  it('gives each object the digest the lock lists for its file', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    // WHEN
    const tree = readEnvironment('dev', files);
    // THEN
    for (const entry of tree.objects) {
      expect(entry.digest).toBe(tree.lock.files[entry.path]);
    }
  });

  it('parses each object as plain JSON values', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    // WHEN
    const tree = readEnvironment('dev', files);
    // THEN
    const config = tree.objects.find((entry) => entry.path === WEB_CONFIG)!.object;
    expect(config).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        annotations: { 'stagecraft.dev/construct-path': 'dev/web/config/Resource' },
        labels: {
          'acme.example/cost-center': 'shop',
          'app.kubernetes.io/managed-by': 'stagecraft',
          'app.kubernetes.io/name': 'web',
          'stagecraft.dev/environment': 'dev',
        },
        name: 'web',
        namespace: 'dev',
      },
      data: { API_URL: 'http://api', LOG_LEVEL: 'debug' },
      immutable: false,
    });
  });

  it('accepts files that differ from the lock when told to, and still parses them', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    files.set(WEB_CONFIG, bytes(text(files.get(WEB_CONFIG)!).replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace')));
    files.delete('dev/web/service.web.yaml');
    files.set(KUSTOMIZATION, bytes(text(files.get(KUSTOMIZATION)!).replace('  - web/service.web.yaml\n', '')));
    // WHEN
    const tree = readEnvironment('dev', files, { allowLockMismatch: true });
    // THEN
    expect(tree.objects.length).toBe(9);
    expect((tree.objects.find((entry) => entry.path === WEB_CONFIG)!.object.data as Record<string, string>).LOG_LEVEL).toBe('trace');
  });

  it('reads part of an environment: the files given must match the lock, files left out are not missing', () => {
    // GIVEN the metadata and web's files only (promote reads what it moves)
    const files = new Map([...goldenEnvironmentFiles('dev')].filter(([file]) => file.startsWith('dev/.stagecraft/') || file.startsWith('dev/web/')));
    // WHEN
    const tree = readEnvironment('dev', files, { partial: true });
    // THEN
    expect(tree.objects.map((entry) => entry.path)).toEqual(GOLDEN_DEV_OBJECT_PATHS.filter((file) => file.startsWith('dev/web/')));
    expect(tree.metadata.applications.map((application) => application.name)).toEqual(['api', 'web', 'worker']);
    // AND the same files without `partial` are refused for every file left out
    expect(refusal(files).problems).toEqual([
      ...[...goldenEnvironmentFiles('dev').keys()].filter((file) => !files.has(file) && file !== 'dev/.stagecraft/lock.json').sort()
        .map((file) => `${file}: listed in the lock but missing; restore it or ${RESYNTH}`),
    ]);
  });

  it('takes an object file known by size and digest, with its document parsed before, as if its bytes were given', () => {
    // GIVEN the golden tree, its web ConfigMap given as a known file whose document was parsed before
    const files: Map<string, EnvironmentFile> = goldenEnvironmentFiles('dev');
    const expected = readEnvironment('dev', files);
    const web = expected.objects.find((entry) => entry.path === WEB_CONFIG)!;
    files.set(WEB_CONFIG, { byteLength: (files.get(WEB_CONFIG) as Uint8Array).byteLength, digest: web.digest });
    const asked: string[] = [];
    const parsed = { get: (digest: string) => (asked.push(digest), digest === web.digest ? structuredClone(web.object) : undefined) };
    // WHEN
    const tree = readEnvironment('dev', files, { parsed });
    // THEN the tree is the same, and parsed documents were asked for by digest
    expect(tree).toEqual(expected);
    expect(asked).toContain(web.digest);
  });

  it('still applies every rule and the lock to a known file', () => {
    // GIVEN a known file whose digest is not the lock's, and a known document that sits at the wrong path
    const files: Map<string, EnvironmentFile> = goldenEnvironmentFiles('dev');
    const tree = readEnvironment('dev', goldenEnvironmentFiles('dev'));
    const web = tree.objects.find((entry) => entry.path === WEB_CONFIG)!;
    const api = tree.objects.find((entry) => entry.path === 'dev/api/configmap.api.yaml')!;
    files.set(WEB_CONFIG, { byteLength: 10, digest: api.digest });
    const parsed = { get: (digest: string) => [web, api].find((entry) => entry.digest === digest)?.object };
    // WHEN
    const problems = refusal(files, { parsed }).problems;
    // THEN
    expect(problems).toEqual([
      `${WEB_CONFIG}: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`,
      `${WEB_CONFIG}: holds ConfigMap/dev/api, which belongs at dev/web/configmap.api.yaml; move it or ${RESYNTH}`,
      `${WEB_CONFIG}: holds ConfigMap/dev/api, the same object as dev/api/configmap.api.yaml; an object is declared once per environment: delete one of the files, or rename one of the objects in the fleet program and re-run stagecraft synth`,
    ]);
  });

  it('throws, as the caller\'s mistake, on a known file whose content is needed', () => {
    // GIVEN the lock given as a known file, and an object known but not parsed before
    const lockKnown: Map<string, EnvironmentFile> = goldenEnvironmentFiles('dev');
    lockKnown.set('dev/.stagecraft/lock.json', { byteLength: 1, digest: `sha256:${'0'.repeat(64)}` });
    const objectKnown: Map<string, EnvironmentFile> = goldenEnvironmentFiles('dev');
    const digest = readEnvironment('dev', goldenEnvironmentFiles('dev')).objects.find((entry) => entry.path === WEB_CONFIG)!.digest;
    objectKnown.set(WEB_CONFIG, { byteLength: 1, digest });
    // WHEN / THEN
    expect(() => readEnvironment('dev', lockKnown)).toThrow(`dev/.stagecraft/lock.json: given as a known file (digest sha256:${'0'.repeat(64)}) but its content is needed; pass its bytes`);
    expect(() => readEnvironment('dev', objectKnown, { parsed: { get: () => undefined } })).toThrow(`${WEB_CONFIG}: given as a known file (digest ${digest}) but its content is needed; pass its bytes`);
  });

  it('refuses a given file that differs from the lock when reading part of an environment', () => {
    // GIVEN
    const files = new Map([...goldenEnvironmentFiles('dev')].filter(([file]) => file.startsWith('dev/.stagecraft/') || file.startsWith('dev/web/')));
    files.set(WEB_CONFIG, bytes(text(files.get(WEB_CONFIG)!).replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace')));
    files.set('dev/web/extra.web.yaml', bytes(webConfigMap('  EXTRA: "1"')));
    // WHEN
    const problems = refusal(files, { partial: true }).problems;
    // THEN
    expect(problems).toEqual([
      `${WEB_CONFIG}: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`,
      `dev/web/extra.web.yaml: not listed in the lock (stagecraft synth did not write it); delete it or ${RESYNTH}`,
      `dev/web/extra.web.yaml: holds ConfigMap/dev/web, which belongs at dev/web/configmap.web.yaml; move it or ${RESYNTH}`,
      `dev/web/extra.web.yaml: holds ConfigMap/dev/web, the same object as ${WEB_CONFIG}; an object is declared once per environment: delete one of the files, or rename one of the objects in the fleet program and re-run stagecraft synth`,
    ]);
  });

  it('accepts a cluster-scoped custom kind declared by a CustomResourceDefinition of the environment', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    files.set('dev/_cluster/customresourcedefinition.gates.acme.example.yaml', bytes([
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: gates.acme.example',
      'spec:',
      '  group: acme.example',
      '  names:',
      '    kind: Gate',
      '    plural: gates',
      '  scope: Cluster',
      '',
    ].join('\n')));
    files.set('dev/_cluster/gate.main.yaml', bytes('apiVersion: acme.example/v1\nkind: Gate\nmetadata:\n  name: main\n'));
    changeMetadata(files, (metadata) => {
      metadata.policy.allowedClusterScopedKinds = ['CustomResourceDefinition', 'Gate', 'Namespace'];
    });
    relock('dev', files);
    // WHEN
    const tree = readEnvironment('dev', files);
    // THEN
    expect(tree.objects.slice(0, 2).map((entry) => entry.path)).toEqual([
      'dev/_cluster/customresourcedefinition.gates.acme.example.yaml',
      'dev/_cluster/gate.main.yaml',
    ]);
  });

  it('accepts annotations of exactly 256 KiB once stagecraft.dev/applied-digest is added', () => {
    // GIVEN annotations of 262144 bytes: 100 for the applied digest, 5 for the key "notes", the rest its value
    const files = goldenEnvironmentFiles('dev');
    files.set(WEB_CONFIG, bytes(webConfigMap('  A: x').replace('  namespace: dev', `  namespace: dev\n  annotations:\n    notes: ${'n'.repeat(256 * 1024 - 100 - 5)}`)));
    relock('dev', files);
    // WHEN
    const tree = readEnvironment('dev', files);
    // THEN
    expect(tree.objects.find((entry) => entry.path === WEB_CONFIG)!.object.metadata.annotations!.notes).toHaveLength(262039);
  });

  it.each(Object.entries(REFUSALS))('fails on %s', (_name, refusalCase) => {
    // GIVEN
    const golden = goldenEnvironmentFiles('dev');
    const files = new Map(golden);
    refusalCase.change(files);
    if (!refusalCase.keepLock) {
      relock('dev', files, { keepKustomization: refusalCase.keepKustomization });
    }
    // WHEN
    const error = refusal(files, refusalCase.options);
    // THEN
    expect(error.problems).toEqual(typeof refusalCase.problems === 'function' ? refusalCase.problems(golden) : refusalCase.problems);
  });

  it('fails with every problem at once, in a message naming the environment and the source', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    files.set(WEB_CONFIG, bytes(webConfigMap('  A: x\n  A: y')));
    files.delete('dev/web/service.web.yaml');
    // WHEN
    const error = refusal(files, { source: 'commit 1234567 of /srv/env-repo' });
    // THEN
    expect(error.message).toBe([
      'refusing dev at commit 1234567 of /srv/env-repo: 3 problems:',
      `  - dev/web/configmap.web.yaml: changed since stagecraft synth wrote it (its sha256 differs from the lock); revert the edit or ${RESYNTH}`,
      `  - dev/web/service.web.yaml: listed in the lock but missing; restore it or ${RESYNTH}`,
      `  - dev/web/configmap.web.yaml: invalid yaml at line 8, column 3: duplicated mapping key; ${RESYNTH}`,
    ].join('\n'));
  });

  it('fails with one problem in the singular', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    files.delete('dev/.stagecraft/lock.json');
    // WHEN
    const error = refusal(files);
    // THEN
    expect(error.message).toBe(`refusing dev at the given files: 1 problem:\n  - dev/.stagecraft/lock.json: missing, so nothing in dev/ can be verified; ${RESYNTH}`);
  });

  it('fails on a lock written for another environment', () => {
    // GIVEN
    const files = new Map([...goldenEnvironmentFiles('prod')].map(([file, content]) => [file.replace(/^prod\//, 'dev/'), content]));
    // WHEN
    const error = refusal(files, { allowLockMismatch: true });
    // THEN
    expect(error.problems).toEqual([
      `dev/.stagecraft/lock.json: "environment" is "prod" but the lock sits in dev/; ${RESYNTH}`,
      `dev/.stagecraft/environment.json: "name" is "prod" but the file sits in dev/; ${RESYNTH}`,
    ]);
  });
});

/** The golden dev tree as format 1 wrote it: both metadata files say schemaVersion 1. */
function formatOneTree(change: (files: Map<string, Uint8Array>) => void = () => undefined): Map<string, Uint8Array> {
  const files = goldenEnvironmentFiles('dev');
  changeMetadata(files, (metadata) => metadata.schemaVersion = 1);
  change(files);
  relock('dev', files);
  setLockVersion(files, 1);
  return files;
}

function setLockVersion(files: Map<string, Uint8Array>, version: unknown): void {
  const lock = JSON.parse(text(files.get('dev/.stagecraft/lock.json')!));
  lock.schemaVersion = version;
  files.set('dev/.stagecraft/lock.json', bytes(`${JSON.stringify(lock, undefined, 2)}\n`));
}

/** Pads environment.json past `size` bytes with labels of the environment (free-form strings). */
function padMetadata(files: Map<string, Uint8Array>, size: number): void {
  changeMetadata(files, (metadata) => {
    for (let index = 0; index * 1000 < size; index++) {
      metadata.labels[`pad-${index}`] = 'p'.repeat(1000);
    }
  });
}

describe('format versions and the limits of metadata files', () => {
  it('reads a format-1 tree as it was written', () => {
    // WHEN
    const tree = readEnvironment('dev', formatOneTree());
    // THEN
    expect({ lock: tree.lock.schemaVersion, metadata: tree.metadata.schemaVersion, objects: tree.objects.map((entry) => entry.path) })
      .toEqual({ lock: 1, metadata: 1, objects: GOLDEN_DEV_OBJECT_PATHS });
  });

  it('reads a format-2 environment.json over 1 MiB, under the metadata-file limit', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    padMetadata(files, 2 * 1024 * 1024);
    relock('dev', files);
    // WHEN
    const tree = readEnvironment('dev', files);
    // THEN
    expect(files.get(METADATA)!.byteLength).toBeGreaterThan(2 * 1024 * 1024);
    expect(tree.metadata.labels['pad-0']).toBe('p'.repeat(1000));
  });

  it('holds a format-1 tree to format 1\'s limit of 1 MiB per file, metadata included', () => {
    // GIVEN
    const files = formatOneTree((tree) => padMetadata(tree, 1024 * 1024));
    // WHEN
    const error = refusal(files);
    // THEN
    expect(error.problems).toEqual([
      `${METADATA}: ${files.get(METADATA)!.byteLength} bytes, over format 1's limit of 1048576 bytes per file (the lock says schemaVersion 1); re-run stagecraft synth with this version to write format 2`,
    ]);
  });

  it('refuses a metadata file over the metadata-file limit before parsing it, naming that limit', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    padMetadata(files, 8192);
    relock('dev', files);
    // WHEN
    const error = refusal(files, { maxMetadataFileBytes: 8192 });
    // THEN
    expect(error.problems).toEqual([
      `${METADATA}: ${files.get(METADATA)!.byteLength} bytes, over the limit of 8192 bytes per metadata file; split the environment (fewer applications or objects) or raise the metadata-file limit`,
    ]);
  });

  it('holds object files to the per-file limit, not the metadata-file limit', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    files.set(WEB_CONFIG, bytes(webConfigMap(`  A: ${'a'.repeat(5000)}`)));
    relock('dev', files);
    // WHEN
    const error = refusal(files, { maxFileBytes: 4096, maxMetadataFileBytes: 1024 * 1024 });
    // THEN
    expect(error.problems).toEqual([
      `${WEB_CONFIG}: ${files.get(WEB_CONFIG)!.byteLength} bytes, over the limit of 4096 bytes per object file; move large data out of the object (a volume, an image, or several ConfigMaps) or raise the per-file limit`,
    ]);
  });

  it('refuses an environment of more files than the limit', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    // WHEN
    const error = refusal(files, { maxFiles: 5 });
    // THEN
    expect(error.problems).toEqual([`dev/: ${files.size} files, over the limit of 5 files per environment; split the environment or raise the limit`]);
  });

  it('refuses environment.json and lock.json of different format versions', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    setLockVersion(files, 1);
    // WHEN
    const error = refusal(files);
    // THEN
    expect(error.problems).toEqual([`${METADATA}: schemaVersion 2 but dev/.stagecraft/lock.json says 1; ${RESYNTH}`]);
  });

  it.each([
    ['a newer format', 3, 'schemaVersion 3 is not supported (this stagecraft reads 1 and 2); upgrade stagecraft to read it'],
    ['format 0', 0, 'schemaVersion 0 is not supported (this stagecraft reads 1 and 2); re-run stagecraft synth with this version'],
    ['a version as a string', '2', 'schemaVersion "2" is not supported (this stagecraft reads 1 and 2); re-run stagecraft synth with this version'],
    ['a fractional version', 1.5, 'schemaVersion 1.5 is not supported (this stagecraft reads 1 and 2); re-run stagecraft synth with this version'],
    ['no version', null, 'schemaVersion null is not supported (this stagecraft reads 1 and 2); re-run stagecraft synth with this version'],
  ])('refuses a lock of %s with a message naming the versions it reads', (_name, version, message) => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    setLockVersion(files, version);
    // WHEN
    const error = refusal(files);
    // THEN
    expect(error.problems).toEqual([`dev/.stagecraft/lock.json: ${message}`]);
  });

  it('refuses environment.json of a newer format with the same message', () => {
    // GIVEN
    const files = goldenEnvironmentFiles('dev');
    changeMetadata(files, (metadata) => metadata.schemaVersion = 3);
    relock('dev', files);
    // WHEN
    const error = refusal(files);
    // THEN
    expect(error.problems).toEqual([`${METADATA}: schemaVersion 3 is not supported (this stagecraft reads 1 and 2); upgrade stagecraft to read it`]);
  });
});

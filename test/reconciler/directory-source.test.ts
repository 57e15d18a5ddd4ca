import * as fs from 'fs';
import * as path from 'path';
import { createLock, serializeLock } from '../../lib/envrepo/lock';
import { DesiredStateError, readDirectorySource } from '../../lib/reconciler/directory-source';
import { scratchFolder } from '../support/fleets';
import { environmentNamed } from '../support/objects';

function writeEnvironment(root: string, files: Record<string, string>, environment = environmentNamed('dev', 'shop')): void {
  const all: Record<string, string> = { ...files, 'dev/.stagecraft/environment.json': JSON.stringify(environment) };
  for (const [relative, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), text);
  }
  const lock = createLock({ environment: 'dev', files: new Map(Object.entries(all)), inputsDigest: 'sha256:0' });
  fs.writeFileSync(path.join(root, 'dev/.stagecraft/lock.json'), serializeLock(lock));
}

describe('readDirectorySource', () => {
  it('reads every object of the environment sorted by path, its environment.json, and the lock\'s treeDigest as revision', () => {
    // GIVEN
    const root = scratchFolder();
    writeEnvironment(root, {
      'dev/web/service.web.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n',
      'dev/api/configmap.api.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  namespace: shop\ndata:\n  A: "1"\n',
      'staging/api/configmap.api.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-this-env\n',
    });
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'dev/.stagecraft/lock.json'), 'utf8'));
    // WHEN
    const desired = readDirectorySource(root, 'dev');
    // THEN
    expect(desired.revision).toBe(lock.treeDigest);
    expect(desired.environment.namespaces).toEqual(['shop']);
    expect(desired.objects).toEqual([
      { path: 'dev/api/configmap.api.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api', namespace: 'shop' }, data: { A: '1' } } },
      { path: 'dev/web/service.web.yaml', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } } },
    ]);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a file with two documents', { 'dev/a/configmap.a.yaml': 'kind: ConfigMap\n---\nkind: ConfigMap\n' }, /dev\/a\/configmap\.a\.yaml: holds 2 yaml documents, expected exactly one object per file/],
    ['an object without kind', { 'dev/a/configmap.a.yaml': 'apiVersion: v1\nmetadata:\n  name: a\n' }, /dev\/a\/configmap\.a\.yaml: kind missing or not a string/],
    ['invalid yaml', { 'dev/a/configmap.a.yaml': 'a: [\n' }, /dev\/a\/configmap\.a\.yaml: not valid yaml/],
  ])('fails on %s, naming the file', (_name, files, message) => {
    // GIVEN
    const root = scratchFolder();
    writeEnvironment(root, files);
    // WHEN / THEN
    expect(() => readDirectorySource(root, 'dev')).toThrow(message);
  });

  it('fails on a missing environment folder, saying what to pass', () => {
    // GIVEN
    const root = scratchFolder();
    // WHEN / THEN
    expect(() => readDirectorySource(root, 'dev')).toThrow(new DesiredStateError(`${path.join(root, 'dev')} does not exist; pass the env-repo folder as --dir and an environment synthesized into it as --env`));
  });

  it('fails on a missing lock', () => {
    // GIVEN
    const root = scratchFolder();
    writeEnvironment(root, {});
    fs.rmSync(path.join(root, 'dev/.stagecraft/lock.json'));
    // WHEN / THEN
    expect(() => readDirectorySource(root, 'dev')).toThrow(/dev\/\.stagecraft\/lock\.json: ENOENT; run stagecraft synth to write it$/);
  });

  it('fails on a symbolic link', () => {
    // GIVEN
    const root = scratchFolder();
    writeEnvironment(root, {});
    fs.symlinkSync('/etc/hostname', path.join(root, 'dev', 'link.yaml'));
    // WHEN / THEN
    expect(() => readDirectorySource(root, 'dev')).toThrow(/link\.yaml is a symbolic link; an env repo holds plain files only/);
  });

  it('fails on an environment.json of another environment', () => {
    // GIVEN
    const root = scratchFolder();
    writeEnvironment(root, {}, environmentNamed('prod', 'shop'));
    // WHEN / THEN
    expect(() => readDirectorySource(root, 'dev')).toThrow(/environment\.json: names environment "prod", expected "dev" \(its folder\)/);
  });
});

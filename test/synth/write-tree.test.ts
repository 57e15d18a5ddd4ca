import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import * as yaml from 'js-yaml';
import { Application, Environment, Fleet } from '../../lib';
import { parseLock, verifyAgainstLock } from '../../lib/envrepo/lock';
import { synthesizeFleet } from '../../lib/synth/synthesize';
import { writeTree } from '../../lib/synth/write-tree';
import { fakeDigest, readTree, scratchFleet } from '../support/fleets';

const WEB = `registry.example/web@sha256:${fakeDigest('web')}`;
const API = `registry.example/api@sha256:${fakeDigest('api')}`;

function shopFleet(options: { webReplicas?: number; withApi?: boolean } = {}) {
  const scratch = scratchFleet({ dev: { web: WEB, ...(options.withApi === false ? {} : { api: API }) } });
  populate(scratch.fleet, options);
  return scratch;
}

function populate(fleet: Fleet, options: { webReplicas?: number; withApi?: boolean } = {}) {
  new Environment(fleet, 'dev');
  new Application(fleet, 'web', { image: 'registry.example/web', port: 8080, replicas: options.webReplicas ?? 2 });
  if (options.withApi !== false) {
    new Application(fleet, 'api', { image: 'registry.example/api', port: 9000 });
  }
}

/** Synthesizes a second fleet (same releases) into the same output folder. */
function resynth(root: string, outdir: string, options: { webReplicas?: number; withApi?: boolean }) {
  const fleet = new Fleet({ outdir, releasesDirectory: path.join(root, 'releases') });
  populate(fleet, options);
  return writeTree(outdir, synthesizeFleet(fleet));
}

describe('synth writes the env-repo tree', () => {
  it('writes one file per object under <env>/<app>/<kind>.<name>.yaml, metadata, lock and releases', () => {
    // GIVEN
    const { fleet, outdir } = shopFleet();
    // WHEN
    const report = writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    expect(Object.keys(readTree(outdir))).toEqual([
      'dev/.stagecraft/environment.json',
      'dev/.stagecraft/lock.json',
      'dev/api/deployment.api.yaml',
      'dev/api/service.api.yaml',
      'dev/kustomization.yaml',
      'dev/web/deployment.web.yaml',
      'dev/web/service.web.yaml',
      'releases/dev.yaml',
    ]);
    expect(report.summary).toBe(`stagecraft: synthesized 1 environment (4 objects) into ${outdir}: 8 written, 0 unchanged, 0 deleted`);
  });

  it('gives every Service and container port a protocol and every object its construct path', () => {
    // GIVEN
    const { fleet, outdir } = shopFleet();
    // WHEN
    writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    const service = yaml.load(fs.readFileSync(path.join(outdir, 'dev/web/service.web.yaml'), 'utf8')) as any;
    const deployment = yaml.load(fs.readFileSync(path.join(outdir, 'dev/web/deployment.web.yaml'), 'utf8')) as any;
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }]);
    expect(deployment.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(service.metadata.annotations).toEqual({ 'stagecraft.dev/construct-path': 'dev/web/service/Resource' });
    expect(deployment.metadata.annotations).toEqual({ 'stagecraft.dev/construct-path': 'dev/web/deployment/Resource' });
  });

  it('writes a lock that matches every file it lists', () => {
    // GIVEN
    const { fleet, outdir } = shopFleet();
    // WHEN
    writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    const tree = readTree(outdir);
    const lock = parseLock('dev/.stagecraft/lock.json', tree['dev/.stagecraft/lock.json']);
    const files = new Map(Object.entries(tree).filter(([file]) => file.startsWith('dev/') && file !== 'dev/.stagecraft/lock.json'));
    expect(verifyAgainstLock(lock, files)).toEqual([]);
    expect(Object.keys(lock.files)).toEqual([...files.keys()]);
  });

  it('writes 0 files when nothing changed', () => {
    // GIVEN
    const { fleet, root, outdir } = shopFleet();
    writeTree(outdir, synthesizeFleet(fleet));
    const before = fs.statSync(path.join(outdir, 'dev/web/deployment.web.yaml')).mtimeMs;
    // WHEN
    const report = resynth(root, outdir, {});
    // THEN
    expect({ written: report.written, deleted: report.deleted, unchanged: report.unchanged }).toEqual({ written: [], deleted: [], unchanged: 8 });
    expect(fs.statSync(path.join(outdir, 'dev/web/deployment.web.yaml')).mtimeMs).toBe(before);
  });

  it('rewrites only the files whose bytes change', () => {
    // GIVEN
    const { fleet, root, outdir } = shopFleet();
    writeTree(outdir, synthesizeFleet(fleet));
    // WHEN
    const report = resynth(root, outdir, { webReplicas: 5 });
    // THEN
    expect(report.written).toEqual(['dev/web/deployment.web.yaml', 'dev/.stagecraft/environment.json', 'dev/.stagecraft/lock.json']);
  });

  it('deletes the files of an application that left the fleet, and its folder', () => {
    // GIVEN
    const { fleet, root, outdir } = shopFleet();
    writeTree(outdir, synthesizeFleet(fleet));
    fs.writeFileSync(path.join(root, 'releases', 'dev.yaml'), `applications:\n  web:\n    image: ${WEB}\n`);
    // WHEN
    const report = resynth(root, outdir, { withApi: false });
    // THEN
    expect(report.deleted).toEqual(['dev/api/deployment.api.yaml', 'dev/api/service.api.yaml']);
    expect(fs.existsSync(path.join(outdir, 'dev/api'))).toBe(false);
  });

  it('leaves files outside the environment folders alone', () => {
    // GIVEN
    const { fleet, outdir } = shopFleet();
    fs.mkdirSync(path.join(outdir, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'README.md'), 'env repo\n');
    fs.writeFileSync(path.join(outdir, 'docs', 'runbook.md'), 'runbook\n');
    // WHEN
    writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    expect(readTree(outdir)['README.md']).toBe('env repo\n');
    expect(readTree(outdir)['docs/runbook.md']).toBe('runbook\n');
  });

  it('refuses an object file that is a symbolic link, and an environment folder that is one, writing nothing', () => {
    // GIVEN a first synth, then dev/web/service.web.yaml replaced by a link to a file outside the output folder
    const { fleet, root, outdir } = shopFleet();
    writeTree(outdir, synthesizeFleet(fleet));
    const outside = path.join(root, 'outside.yaml');
    fs.writeFileSync(outside, 'precious\n');
    const linked = path.join(outdir, 'dev/web/service.web.yaml');
    fs.rmSync(linked);
    fs.symlinkSync(outside, linked);
    // WHEN / THEN the write is refused before anything is written, and the link's target is untouched
    expect(() => resynth(root, outdir, { webReplicas: 5 })).toThrow(`${linked} is a symbolic link (to ${outside}); synth writes only plain files and folders`);
    expect(fs.readFileSync(outside, 'utf8')).toBe('precious\n');
    expect(fs.readFileSync(path.join(outdir, 'dev/web/deployment.web.yaml'), 'utf8')).toContain('replicas: 2');

    // GIVEN the whole environment folder moved away and replaced by a link to it
    const moved = path.join(root, 'moved-dev');
    fs.renameSync(path.join(outdir, 'dev'), moved);
    fs.symlinkSync(moved, path.join(outdir, 'dev'));
    // WHEN / THEN
    expect(() => resynth(root, outdir, { webReplicas: 5 })).toThrow(`${path.join(outdir, 'dev')} is a symbolic link (to ${moved})`);
    expect(fs.readFileSync(path.join(moved, 'web/deployment.web.yaml'), 'utf8')).toContain('replicas: 2');
  });

  it('fails on an environment folder it did not write, and writes nothing', () => {
    // GIVEN
    const { fleet, outdir } = shopFleet();
    fs.mkdirSync(path.join(outdir, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'dev', 'notes.txt'), 'mine\n');
    // WHEN
    const write = () => writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    expect(write).toThrow(`${path.join(outdir, 'dev')} exists but was not written by stagecraft (no dev/.stagecraft/lock.json); nothing was written — move the folder away or choose another output folder`);
    expect(readTree(outdir)).toEqual({ 'dev/notes.txt': 'mine\n' });
  });

  it('skips an application that has no release in an environment and says so', () => {
    // GIVEN
    const { fleet, outdir } = shopFleet({ withApi: false });
    new Application(fleet, 'api', { image: 'registry.example/api', port: 9000 });
    // WHEN
    const report = writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    expect(Object.keys(readTree(outdir)).filter((file) => file.includes('/api/'))).toEqual([]);
    expect(report.summary.split('\n')[1]).toBe('  note: dev: not released yet: api');
  });

  it('writes cluster-scoped objects under _cluster without a namespace', () => {
    // GIVEN
    const { fleet, outdir } = scratchFleet();
    new Environment(fleet, 'dev');
    new Application(fleet, 'platform', {
      manifests: { produce: (scope) => { new ApiObject(scope, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } }); } },
    });
    // WHEN
    writeTree(outdir, synthesizeFleet(fleet));
    // THEN
    const namespace = yaml.load(readTree(outdir)['dev/_cluster/namespace.dev.yaml']) as any;
    expect(namespace.metadata).toEqual({
      annotations: { 'stagecraft.dev/construct-path': 'dev/platform/ns' },
      labels: { 'app.kubernetes.io/managed-by': 'stagecraft', 'app.kubernetes.io/name': 'platform', 'stagecraft.dev/environment': 'dev' },
      name: 'dev',
    });
  });
});

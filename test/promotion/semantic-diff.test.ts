import { DeclaredObject } from '../../lib/promotion/declared-object';
import { fieldChanges } from '../../lib/promotion/field-changes';
import { DiffContext, semanticDiff } from '../../lib/promotion/semantic-diff';

const IMAGE_A = `registry.example/web@sha256:${'a'.repeat(64)}`;
const IMAGE_B = `registry.example/web@sha256:${'b'.repeat(64)}`;

const deployment: DeclaredObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: {
    replicas: 4,
    template: { spec: { containers: [{ name: 'web', image: IMAGE_A, imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '500m' } } }] } },
  },
};
const configMap: DeclaredObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' }, data: { 'LOG_LEVEL': 'info', 'feature.flags': 'a' } };
const ingress: DeclaredObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'prod' }, spec: { rules: [{ host: 'shop.example.com' }] } };

function changed(object: DeclaredObject, edit: (copy: any) => void): DeclaredObject {
  const copy = JSON.parse(JSON.stringify(object));
  edit(copy);
  return copy;
}

const SETTINGS = { replicas: 4, config: { 'LOG_LEVEL': 'info', 'feature.flags': 'a' }, ingressHost: 'shop.example.com', resources: { cpu: { request: '500m' } } };

function context(fields: Partial<DiffContext> = {}): DiffContext {
  return { application: 'web', environment: 'prod', previousImage: IMAGE_A, image: IMAGE_B, settingsBefore: SETTINGS, settingsAfter: SETTINGS, overrides: {}, ...fields };
}

describe('field paths', () => {
  it.each<[string, unknown, unknown, Array<{ path: string; before?: unknown; after?: unknown }>]>([
    ['nested maps with dots', { spec: { replicas: 1 } }, { spec: { replicas: 2 } }, [{ path: 'spec.replicas', before: 1, after: 2 }]],
    ['keys that need quoting', { metadata: { labels: { 'app.kubernetes.io/name': 'a' } } }, { metadata: { labels: { 'app.kubernetes.io/name': 'b' } } },
      [{ path: 'metadata.labels["app.kubernetes.io/name"]', before: 'a', after: 'b' }]],
    ['lists of named items by name', { c: [{ name: 'a', x: 1 }, { name: 'b', x: 1 }] }, { c: [{ name: 'b', x: 2 }, { name: 'a', x: 1 }] }, [{ path: 'c[name=b].x', before: 1, after: 2 }]],
    ['an added named item as a whole', { c: [] }, { c: [{ name: 'a', x: 1 }] }, [{ path: 'c[name=a]', after: { name: 'a', x: 1 } }]],
    ['lists of unnamed maps by position', { p: [{ port: 80 }] }, { p: [{ port: 81 }] }, [{ path: 'p[0].port', before: 80, after: 81 }]],
    ['lists of plain values as one value', { args: ['--a', 'x'] }, { args: ['--a', 'y'] }, [{ path: 'args', before: ['--a', 'x'], after: ['--a', 'y'] }]],
    ['a removed field', { a: 1, b: 2 }, { a: 1 }, [{ path: 'b', before: 2 }]],
  ])('%s', (_name, before, after, expected) => {
    expect(fieldChanges(before, after)).toEqual(expected);
  });
});

describe('labelling differences in the target', () => {
  it.each<[string, DeclaredObject, DeclaredObject, Partial<DiffContext>, Array<{ path: string; label: string; cause: string }>]>([
    ['the promoted image is a declared override', deployment, changed(deployment, (d) => { d.spec.template.spec.containers[0].image = IMAGE_B; }), {},
      [{ path: 'spec.template.spec.containers[name=web].image', label: 'declared override', cause: 'promoted image' }]],
    ['a pull policy changing with the image follows it', deployment, changed(deployment, (d) => {
      d.spec.template.spec.containers[0].image = 'registry.example/web:1.5'; d.spec.template.spec.containers[0].imagePullPolicy = 'Always';
    }), { image: 'registry.example/web:1.5' }, [
      { path: 'spec.template.spec.containers[name=web].image', label: 'declared override', cause: 'promoted image' },
      { path: 'spec.template.spec.containers[name=web].imagePullPolicy', label: 'declared override', cause: 'promoted image (the pull policy follows the reference)' },
    ]],
    ['an image other than the promoted one is unexpected', deployment, changed(deployment, (d) => { d.spec.template.spec.containers[0].image = 'registry.example/web:other'; }), {},
      [{ path: 'spec.template.spec.containers[name=web].image', label: 'unexpected', cause: 'image differs from the promoted one' }]],
    ['replicas set by an override of the target are declared', deployment, changed(deployment, (d) => { d.spec.replicas = 6; }),
      { settingsBefore: { ...SETTINGS, replicas: 4 }, settingsAfter: { ...SETTINGS, replicas: 6 }, overrides: { replicas: 6 } },
      [{ path: 'spec.replicas', label: 'declared override', cause: 'override replicas of prod' }]],
    ['replicas changed in the fleet program are declared', deployment, changed(deployment, (d) => { d.spec.replicas = 3; }),
      { settingsAfter: { ...SETTINGS, replicas: 3 } },
      [{ path: 'spec.replicas', label: 'declared override', cause: 'replicas changed in the fleet program' }]],
    ['replicas the target does not declare are unexpected', deployment, changed(deployment, (d) => { d.spec.replicas = 9; }), {},
      [{ path: 'spec.replicas', label: 'unexpected', cause: 'differs from replicas declared for prod (4)' }]],
    ['replicas restored to a setting that did not change are unexpected', changed(deployment, (d) => { d.spec.replicas = 3; }), deployment, {},
      [{ path: 'spec.replicas', label: 'unexpected', cause: 'replicas did not change in the fleet program' }]],
    ['a config key of an override is declared', configMap, changed(configMap, (c) => { c.data.LOG_LEVEL = 'debug'; }),
      { settingsAfter: { ...SETTINGS, config: { ...SETTINGS.config, LOG_LEVEL: 'debug' } }, overrides: { config: { LOG_LEVEL: 'debug' } } },
      [{ path: 'data.LOG_LEVEL', label: 'declared override', cause: 'override config LOG_LEVEL of prod' }]],
    ['a quoted config key changed in the program is declared', configMap, changed(configMap, (c) => { c.data['feature.flags'] = 'b'; }),
      { settingsAfter: { ...SETTINGS, config: { ...SETTINGS.config, 'feature.flags': 'b' } } },
      [{ path: 'data["feature.flags"]', label: 'declared override', cause: 'config feature.flags changed in the fleet program' }]],
    ['a config key nobody declared is unexpected', configMap, changed(configMap, (c) => { c.data.SECRET_MODE = 'on'; }), {},
      [{ path: 'data.SECRET_MODE', label: 'unexpected', cause: 'differs from config SECRET_MODE declared for prod (null)' }]],
    ['an ingress host override is declared', ingress, changed(ingress, (i) => { i.spec.rules[0].host = 'www.example.com'; }),
      { settingsAfter: { ...SETTINGS, ingressHost: 'www.example.com' }, overrides: { ingressHost: 'www.example.com' } },
      [{ path: 'spec.rules[0].host', label: 'declared override', cause: 'override ingressHost of prod' }]],
    ['resources of an override are declared', deployment, changed(deployment, (d) => { d.spec.template.spec.containers[0].resources.requests.cpu = '1'; }),
      { overrides: { resources: { cpu: { request: '1' } } }, settingsAfter: { ...SETTINGS, resources: { cpu: { request: '1' } } } },
      [{ path: 'spec.template.spec.containers[name=web].resources.requests.cpu', label: 'declared override', cause: 'override resources of prod' }]],
    ['a label change is unexpected', deployment, changed(deployment, (d) => { d.metadata.labels.team = 'x'; }), {},
      [{ path: 'metadata.labels.team', label: 'unexpected', cause: 'not explained by the promoted image or a declared setting' }]],
  ])('%s', (_name, before, after, fields, expected) => {
    // GIVEN the target's object now and after WHEN diffed THEN each field is labelled
    const diff = semanticDiff([before], [after], context(fields));
    expect(diff.flatMap((object) => object.fields.map(({ path, label, cause }) => ({ path, label, cause })))).toEqual(expected);
  });

  it('labels the objects of an application new in the target as declared', () => {
    // GIVEN no objects before and no previous image
    const diff = semanticDiff([], [configMap, deployment], context({ previousImage: undefined, settingsBefore: undefined }));
    // THEN
    expect(diff).toEqual([
      { object: 'ConfigMap/prod/web', change: 'added', label: 'declared override', cause: 'web is new in prod', fields: [] },
      { object: 'Deployment/prod/web', change: 'added', label: 'declared override', cause: 'web is new in prod', fields: [] },
    ]);
  });

  it('labels objects added or removed in a running application as unexpected', () => {
    const diff = semanticDiff([deployment, ingress], [deployment, configMap], context());
    expect(diff).toEqual([
      { object: 'ConfigMap/prod/web', change: 'added', label: 'unexpected', cause: 'object added by the fleet program, not by the promoted image', fields: [] },
      { object: 'Ingress/prod/web', change: 'removed', label: 'unexpected', cause: 'object removed by the fleet program, not by the promoted image', fields: [] },
    ]);
  });

  it('keeps the values of each difference', () => {
    const diff = semanticDiff([deployment], [changed(deployment, (d) => { d.spec.template.spec.containers[0].image = IMAGE_B; })], context());
    expect(diff).toEqual([{
      object: 'Deployment/prod/web',
      change: 'changed',
      fields: [{ path: 'spec.template.spec.containers[name=web].image', before: IMAGE_A, after: IMAGE_B, label: 'declared override', cause: 'promoted image' }],
    }]);
  });
});

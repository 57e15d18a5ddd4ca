import { toCanonicalJson } from '../../lib/envrepo/canonical-json';
import { repoPathProblem } from '../../lib/envrepo/repo-path';

describe('canonical json', () => {
  it('sorts the keys of every object by code unit, two-space indented, with a final newline', () => {
    expect(toCanonicalJson({ b: 1, a: { z: [{ y: 1, x: 2 }], B: true } })).toBe(
      '{\n  "a": {\n    "B": true,\n    "z": [\n      {\n        "x": 2,\n        "y": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('writes an object whose keys are in order already exactly as its sorted copy, and leaves the value as it was', () => {
    // GIVEN a Kubernetes object as parsed from a file synth wrote (keys in order, one list of maps)
    const ordered = { apiVersion: 'v1', kind: 'Service', metadata: { labels: { a: 'x', b: 'y' }, name: 'web' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } };
    const snapshot = JSON.stringify(ordered);
    // WHEN / THEN
    expect(toCanonicalJson(ordered)).toBe(`${JSON.stringify(ordered, undefined, 2)}\n`);
    expect(JSON.stringify(ordered)).toBe(snapshot);
  });

  it('sorts a ConfigMap whose top-level keys follow Kubernetes order (metadata before data)', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { B: '2', A: '1' } };
    expect(toCanonicalJson(configMap)).toBe('{\n  "apiVersion": "v1",\n  "data": {\n    "A": "1",\n    "B": "2"\n  },\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "app"\n  }\n}\n');
    expect(Object.keys(configMap)).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
  });

  it('leaves out undefined members, also in objects whose keys are in order', () => {
    expect(toCanonicalJson({ a: 1, b: undefined, c: { d: undefined } })).toBe('{\n  "a": 1,\n  "c": {}\n}\n');
  });

  it('writes integer-like keys first in numeric order, as JSON.stringify of any object does', () => {
    expect(toCanonicalJson({ b: 1, 10: 2, 9: 3, a: 4 })).toBe('{\n  "9": 3,\n  "10": 2,\n  "a": 4,\n  "b": 1\n}\n');
    expect(toCanonicalJson({ 10: 2, 9: 3 })).toBe('{\n  "9": 3,\n  "10": 2\n}\n');
  });

  it('copies what is not a plain object (a Date) as a plain object of its own keys, as before', () => {
    expect(toCanonicalJson({ at: new Date(0), list: [new Date(0)] })).toBe('{\n  "at": {},\n  "list": [\n    {}\n  ]\n}\n');
  });

  it('keeps list holes and undefined items as null', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(toCanonicalJson([1, , undefined, { b: 1, a: 2 }])).toBe('[\n  1,\n  null,\n  null,\n  {\n    "a": 2,\n    "b": 1\n  }\n]\n');
  });
});

describe('repo paths', () => {
  it.each([
    ['dev/web/deployment.web.yaml'],
    ['dev/.stagecraft/lock.json'],
    ['dev/_cluster/namespace.dev.yaml'],
    ['a..b/c.'],
    ['.hidden'],
  ])('accepts the plain relative path %j', (path) => {
    expect(repoPathProblem(path)).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['/etc/passwd', 'is absolute'],
    ['dev\\web.yaml', 'contains a backslash'],
    ['dev/web\n.yaml', 'contains a control character'],
    ['dev/web\u007f.yaml', 'contains a control character'],
    ['dev/../prod/x.yaml', 'has a ".." segment'],
    ['..', 'has a ".." segment'],
    ['dev/./x.yaml', 'has a "." segment'],
    ['dev//x.yaml', 'has an empty segment'],
    ['dev/x.yaml/', 'has an empty segment'],
  ])('refuses %j: %s', (path, problem) => {
    expect(repoPathProblem(path)).toBe(problem);
  });
});

import { appliedDigestOf, duplicateDeclarations, objectToApply, planChanges } from '../../lib/reconciler/plan';
import { configMap, deployment, desiredAt } from '../support/objects';

const SET = 'applyset-test-v1';
const OTHER_SET = 'applyset-other-v1';

/** A live object as applied by stagecraft for `object`, optionally changed afterwards in the cluster. */
function appliedLive(object: any, change: (live: any) => void = () => undefined): any {
  const live = JSON.parse(JSON.stringify(objectToApply(object, SET, appliedDigestOf(object))));
  live.metadata.uid = `uid-${object.metadata.name}`;
  change(live);
  return live;
}

describe('planChanges', () => {
  it('plans create for objects not in the cluster, unchanged for objects live as applied, configure for the rest', () => {
    // GIVEN
    const web = deployment('shop', 'web', 3);
    const api = deployment('shop', 'api', 2);
    const config = configMap('shop', 'web', { LOG_LEVEL: 'info' });
    const live = [appliedLive(web), appliedLive(deployment('shop', 'api', 1))];
    const desired = [desiredAt('shop', 'web', web), desiredAt('shop', 'api', api), desiredAt('shop', 'web', config)];
    // WHEN
    const plan = planChanges({ desired, live, applysetId: SET });
    // THEN
    const summary = plan.changes.map(({ desired: object, action, reason, driftedFields }) =>
      [object.kind, object.metadata.name, action, reason, driftedFields]);
    expect(summary).toEqual([
      ['Deployment', 'web', 'unchanged', 'live as desired', []],
      ['Deployment', 'api', 'configure', 'changed in this revision: spec.replicas', ['spec.replicas']],
      ['ConfigMap', 'web', 'create', 'not in the cluster', []],
    ]);
    expect(plan.pruneCandidates).toEqual([]);
  });

  it('plans configure with the drifted fields when the digest matches but a declared field changed live', () => {
    // GIVEN kubectl scale and kubectl set env after the last apply
    const web = deployment('shop', 'web', 3);
    const live = [appliedLive(web, (object) => {
      object.spec.replicas = 5;
      object.spec.template.spec.containers[0].env[0].value = 'debug';
    })];
    // WHEN
    const plan = planChanges({ desired: [desiredAt('shop', 'web', web)], live, applysetId: SET });
    // THEN
    expect(plan.changes.map((change) => [change.action, change.reason, change.driftedFields])).toEqual([[
      'configure',
      'drifted in the cluster: spec.replicas, spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value',
      ['spec.replicas', 'spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value'],
    ]]);
  });

  it('plans configure when a field was removed from the desired object (only the digest tells)', () => {
    // GIVEN
    const before = configMap('shop', 'web', { A: '1', B: '2' });
    const after = configMap('shop', 'web', { A: '1' });
    // WHEN
    const plan = planChanges({ desired: [desiredAt('shop', 'web', after)], live: [appliedLive(before)], applysetId: SET });
    // THEN
    expect(plan.changes.map((change) => [change.action, change.reason, change.driftedFields])).toEqual([['configure', 'changed in this revision', []]]);
  });

  it('plans configure for a live member without an applied digest', () => {
    // GIVEN
    const web = configMap('shop', 'web');
    const live = [appliedLive(web, (object) => delete object.metadata.annotations['stagecraft.dev/applied-digest'])];
    // WHEN
    const plan = planChanges({ desired: [desiredAt('shop', 'web', web)], live, applysetId: SET });
    // THEN
    expect(plan.changes[0].action).toBe('configure');
    expect(plan.changes[0].reason).toBe('the live object has no stagecraft.dev/applied-digest annotation');
  });

  it('makes live members that left the desired state prune candidates, never objects of other sets', () => {
    // GIVEN
    const web = configMap('shop', 'web');
    const gone = configMap('shop', 'gone');
    const foreign = { ...configMap('shop', 'theirs'), metadata: { ...configMap('shop', 'theirs').metadata, labels: { 'applyset.kubernetes.io/part-of': OTHER_SET } } };
    // WHEN
    const plan = planChanges({ desired: [desiredAt('shop', 'web', web)], live: [appliedLive(web), appliedLive(gone), foreign], applysetId: SET });
    // THEN
    expect(plan.pruneCandidates.map((object) => object.metadata.name)).toEqual(['gone']);
  });

  it('blocks a desired object that is live as a member of another applyset', () => {
    // GIVEN
    const web = configMap('shop', 'web');
    const theirs = { ...web, metadata: { ...web.metadata, labels: { 'applyset.kubernetes.io/part-of': OTHER_SET } } };
    // WHEN
    const plan = planChanges({ desired: [desiredAt('shop', 'web', web)], live: [], foreign: [theirs], applysetId: SET });
    // THEN
    expect(plan.changes.map((change) => [change.action, change.reason])).toEqual([[
      'blocked',
      `belongs to another applyset (applyset.kubernetes.io/part-of=${OTHER_SET}); stagecraft does not take objects from other sets: remove it from that set or rename it here`,
    ]]);
  });

  it('sends the desired object labelled as a member and annotated with its digest', () => {
    // GIVEN
    const web = configMap('shop', 'web');
    // WHEN
    const plan = planChanges({ desired: [desiredAt('shop', 'web', web)], live: [], applysetId: SET });
    // THEN
    expect(plan.changes[0].applied.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'web', 'applyset.kubernetes.io/part-of': SET });
    expect(plan.changes[0].applied.metadata.annotations).toEqual({
      'stagecraft.dev/construct-path': 'env/web/config/Resource',
      'stagecraft.dev/applied-digest': appliedDigestOf(web),
    });
    expect(appliedDigestOf(web)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('computes the same digest whatever the key order', () => {
    // GIVEN
    const one = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'b' }, data: { X: '1', Y: '2' } };
    const two = { data: { Y: '2', X: '1' }, metadata: { namespace: 'b', name: 'a' }, kind: 'ConfigMap', apiVersion: 'v1' };
    // WHEN / THEN
    expect(appliedDigestOf(one)).toBe(appliedDigestOf(two));
  });
});

describe('duplicateDeclarations', () => {
  it('fails on an object declared in two files, naming both', () => {
    // GIVEN
    const web = configMap('shop', 'web');
    // WHEN
    const problems = duplicateDeclarations([{ path: 'prod/a/configmap.web.yaml', object: web }, { path: 'prod/b/configmap.web.yaml', object: web }]);
    // THEN
    expect(problems).toEqual(['ConfigMap/shop/web is declared twice, in prod/a/configmap.web.yaml and prod/b/configmap.web.yaml; keep one']);
  });
});

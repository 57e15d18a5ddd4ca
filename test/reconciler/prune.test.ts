import { KubeObject } from '../../lib/envrepo/kube-object';
import { decidePrune, pruneObjects } from '../../lib/reconciler/prune';
import { FakeCluster } from '../support/fake-cluster';
import { configMap, deployment } from '../support/objects';

const SET = 'applyset-test-v1';

function member(object: KubeObject, set = SET): KubeObject {
  return { ...object, metadata: { ...object.metadata, uid: `uid-${object.kind}-${object.metadata.name}`, labels: { ...object.metadata.labels, 'applyset.kubernetes.io/part-of': set } } };
}

const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' } };
const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'extra' } };

describe('decidePrune', () => {
  const members = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => member(configMap('shop', name)));

  it('deletes candidates in reverse stage order: the rest, then definitions, then namespaces', () => {
    // GIVEN
    const candidates = [member(namespace), member(crd), member(configMap('shop', 'a'))];
    // WHEN
    const everyMember = [...members, member(namespace), member(crd)];
    const decision = decidePrune({ candidates, members: everyMember, applysetId: SET, options: { maxPruneShare: 0.5, allowMassPrune: false } });
    // THEN
    expect(decision.verdict).toBe('prune');
    expect(decision.deletions.map((object) => object.kind)).toEqual(['ConfigMap', 'CustomResourceDefinition', 'Namespace']);
  });

  it('never deletes an object without this set\'s label', () => {
    // GIVEN candidates handed in by mistake
    const candidates = [configMap('shop', 'unlabelled'), member(configMap('shop', 'theirs'), 'applyset-other-v1'), member(configMap('shop', 'a'))];
    // WHEN
    const decision = decidePrune({ candidates, members, applysetId: SET, options: { maxPruneShare: 0.5, allowMassPrune: false } });
    // THEN
    expect(decision.deletions.map((object) => object.metadata.name)).toEqual(['a']);
  });

  it('fails (refuses) to delete more than the allowed share, naming the counts and the fix', () => {
    // GIVEN 4 of 6 members leaving
    const candidates = members.slice(0, 4);
    // WHEN
    const decision = decidePrune({ candidates, members, applysetId: SET, options: { maxPruneShare: 0.5, allowMassPrune: false } });
    // THEN
    expect(decision).toEqual({
      verdict: 'refused',
      deletions: [],
      message: `refusing to prune 4 of 6 live objects of applyset ${SET}: that is 66.7 %, more than --max-prune-share 0.5 (50 %) (ConfigMap/shop/a, ConfigMap/shop/b, ConfigMap/shop/c, ConfigMap/shop/d); an emptied environment folder or a wrong --env looks like this. Nothing was applied or deleted; if the deletions are intended, run again with --allow-mass-prune`,
    });
  });

  it('fails (refuses) to delete every member even when the share would allow it', () => {
    // GIVEN
    const only = [member(configMap('shop', 'a'))];
    // WHEN
    const decision = decidePrune({ candidates: only, members: only, applysetId: SET, options: { maxPruneShare: 1, allowMassPrune: false } });
    // THEN
    expect(decision.verdict).toBe('refused');
    expect(decision.verdict === 'refused' && decision.message).toContain('refusing to prune 1 of 1 live objects of applyset applyset-test-v1: that is every member of the set (ConfigMap/shop/a)');
  });

  it('deletes a mass prune when allowed', () => {
    // WHEN
    const decision = decidePrune({ candidates: members, members, applysetId: SET, options: { maxPruneShare: 0.5, allowMassPrune: true } });
    // THEN
    expect(decision.deletions).toHaveLength(6);
  });

  it('allows exactly the maximum share', () => {
    // WHEN
    const half = members.slice(0, 3);
    const decision = decidePrune({ candidates: half, members, applysetId: SET, options: { maxPruneShare: 0.5, allowMassPrune: false } });
    // THEN
    expect(decision.verdict).toBe('prune');
  });
});

describe('pruneObjects', () => {
  it('deletes with the uid seen in the plan and reports a failed delete with the server message and the construct path', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const gone = cluster.put(member(configMap('shop', 'gone')));
    const stuck = cluster.put(member(deployment('shop', 'stuck')));
    cluster.failures.set('Deployment/shop/stuck', 'deployments.apps "stuck" is forbidden: user cannot delete');
    // WHEN
    const outcomes = await pruneObjects(cluster, [gone, stuck], 4);
    // THEN
    expect(outcomes.map((outcome) => [outcome.object.metadata.name, outcome.result, outcome.message])).toEqual([
      ['gone', 'pruned', undefined],
      ['stuck', 'failed', 'could not delete Deployment/shop/stuck (construct env/stuck/deployment/Resource): deployments.apps "stuck" is forbidden: user cannot delete; it keeps its applyset label and is retried by the next reconcile'],
    ]);
    expect(cluster.has({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'gone' })).toBe(false);
  });

  it('fails to delete an object re-created since the plan (uid changed), leaving it in place', async () => {
    // GIVEN
    const cluster = new FakeCluster();
    const planned = member(configMap('shop', 'web'));
    cluster.put({ ...planned, metadata: { ...planned.metadata, uid: 'uid-new' } });
    // WHEN
    const outcomes = await pruneObjects(cluster, [planned], 1);
    // THEN
    expect(outcomes.map((outcome) => outcome.result)).toEqual(['failed']);
    expect(cluster.has({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' })).toBe(true);
  });
});

import { findDrift } from '../../lib/reconciler/drift';
import { appliedDigestOf, objectToApply, planChanges } from '../../lib/reconciler/plan';
import { configMap, deployment, desiredAt } from '../support/objects';

const SET = 'applyset-test-v1';

describe('findDrift', () => {
  it('reports objects changed or deleted in the cluster since the revision was applied, with the changed fields', () => {
    // GIVEN the revision applied, then kubectl scale web and kubectl delete configmap api
    const web = deployment('shop', 'web', 3);
    const api = configMap('shop', 'api');
    const worker = configMap('shop', 'worker');
    const liveWeb: any = JSON.parse(JSON.stringify(objectToApply(web, SET, appliedDigestOf(web))));
    liveWeb.spec.replicas = 1;
    const liveWorker = objectToApply(worker, SET, appliedDigestOf(worker));
    const plan = planChanges({ desired: [desiredAt('e', 'web', web), desiredAt('e', 'api', api), desiredAt('e', 'worker', worker)], live: [liveWeb, liveWorker], applysetId: SET });
    // WHEN
    const drifts = findDrift(plan);
    // THEN
    expect(drifts.map((drift) => [drift.change.desired.kind, drift.change.desired.metadata.name, drift.missing, drift.fields])).toEqual([
      ['Deployment', 'web', false, ['spec.replicas']],
      ['ConfigMap', 'api', true, []],
    ]);
  });
});

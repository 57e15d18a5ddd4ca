import { KubeObject } from '../../lib/envrepo/kube-object';
import { describeTakenBack, otherOwnersOf } from '../../lib/reconciler/private/field-owners';

function liveWith(managedFields: KubeObject['metadata']['managedFields']): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', managedFields } };
}

describe('otherOwnersOf', () => {
  it('names the other managers owning drifted fields, list items matched by key, sorted by manager', () => {
    // GIVEN a Deployment whose replicas kubectl-patch set and whose container image another manager applied
    const live = liveWith([
      { manager: 'stagecraft', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': {} } } },
      { manager: 'kubectl-patch', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      { manager: 'other', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } } } } },
      { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } },
    ]);
    // WHEN
    const taken = otherOwnersOf(live, ['spec.replicas', 'spec.template.spec.containers[name=web].image', 'metadata.labels.team'], 'stagecraft');
    // THEN
    expect(taken).toEqual([
      { manager: 'kubectl-patch', fields: ['spec.replicas'] },
      { manager: 'other', fields: ['spec.template.spec.containers[name=web].image'] },
    ]);
    expect(describeTakenBack(taken)).toBe('took back spec.replicas from kubectl-patch; spec.template.spec.containers[name=web].image from other');
  });

  it('reads keys that are not plain names in the bracket form declared-fields writes', () => {
    // GIVEN
    const live = liveWith([{ manager: 'other', operation: 'Update', fieldsV1: { 'f:data': { 'f:app.properties': {} } } }]);
    // WHEN
    const taken = otherOwnersOf(live, ['data["app.properties"]'], 'stagecraft');
    // THEN
    expect(taken).toEqual([{ manager: 'other', fields: ['data["app.properties"]'] }]);
  });

  it('names nobody when only stagecraft owned the drifted fields', () => {
    // GIVEN
    const live = liveWith([{ manager: 'stagecraft', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]);
    // WHEN / THEN
    expect(otherOwnersOf(live, ['spec.replicas'], 'stagecraft')).toEqual([]);
  });
});

import { ClusterError } from '../../lib/reconciler/cluster-client';
import { describeImmutableFields, immutableFieldsOf, optsInToRecreate } from '../../lib/reconciler/recreate';

function invalid(message: string, causes: Array<{ field: string; message: string }>): ClusterError {
  return new ClusterError(`server-side apply failed with 422 Invalid: ${message}`, 422, 'Invalid', { kind: 'Status', reason: 'Invalid', details: { causes } });
}

describe('immutableFieldsOf', () => {
  it.each([
    ['a Deployment selector', invalid('Deployment.apps "web" is invalid: spec.selector: Invalid value: …: field is immutable', [{ field: 'spec.selector', message: 'Invalid value: …: field is immutable' }]), 'spec.selector (field is immutable)'],
    ['a Service clusterIP on 1.20', invalid('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.0.0.9"}: may not change once set', [{ field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.0.0.9"}: may not change once set' }]), 'spec.clusterIPs[0] (may not change once set)'],
    ['an answer without causes', new ClusterError('… field is immutable', 422, 'Invalid'), '(a field the server did not name) (field is immutable)'],
  ])('names the field of %s', (_case, error, expected) => {
    // WHEN
    const fields = immutableFieldsOf(error);
    // THEN
    expect(describeImmutableFields(fields!)).toBe(expected);
  });

  it.each([
    ['another 422', new ClusterError('spec.replicas: Invalid value: -1: must be greater than or equal to 0', 422, 'Invalid')],
    ['a conflict', new ClusterError('field is immutable', 409, 'Conflict')],
    ['a plain error', new Error('field is immutable')],
  ])('is undefined for %s', (_case, error) => {
    expect(immutableFieldsOf(error)).toBeUndefined();
  });
});

describe('optsInToRecreate', () => {
  it.each([
    ['true', true],
    ['True', false],
    [undefined, false],
  ])('answers for annotation value %s: %s', (value, expected) => {
    const annotations: Record<string, string> = value === undefined ? {} : { 'stagecraft.dev/recreate-on-immutable-change': value };
    expect(optsInToRecreate({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', annotations } })).toBe(expected);
  });
});

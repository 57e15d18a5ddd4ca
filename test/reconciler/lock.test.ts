import { KubeObject } from '../../lib/envrepo/kube-object';
import { leaseVerdict } from '../../lib/reconciler/lock';

const NOW = Date.parse('2026-11-26T08:00:00.000Z');

function lease(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'stagecraft-lock-prod', namespace: 'stagecraft' }, spec };
}

describe('leaseVerdict', () => {
  it.each([
    ['no lease', undefined, { free: true }],
    ['a released lease', lease({ holderIdentity: '', renewTime: '2026-11-26T07:59:50.000000Z', leaseDurationSeconds: 60 }), { free: true }],
    ['its own lease', lease({ holderIdentity: 'me', renewTime: '2026-11-26T07:59:50.000000Z', leaseDurationSeconds: 60 }), { free: true }],
    ['an expired lease', lease({ holderIdentity: 'ci', renewTime: '2026-11-26T07:58:00.000000Z', leaseDurationSeconds: 60 }), { free: true }],
    ['a lease without a time', lease({ holderIdentity: 'ci' }), { free: true }],
    ['a lease another holder renewed 10 s ago', lease({ holderIdentity: 'ci', renewTime: '2026-11-26T07:59:50.000000Z', leaseDurationSeconds: 60 }),
      { free: false, holder: 'ci', renewedAt: '2026-11-26T07:59:50.000000Z', expiresAt: '2026-11-26T08:00:50.000Z' }],
  ])('answers for %s', (_case, live, expected) => {
    expect(leaseVerdict(live, 'me', NOW)).toEqual(expected);
  });
});

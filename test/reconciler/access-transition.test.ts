import { KubeObject } from '../../lib/envrepo/kube-object';
import { isOwnAccessRole, widenedRole } from '../../lib/reconciler/access-transition';

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

function role(rules: object[], constructPath = 'prod/_reconciler/reconciler/role-prod', kind = 'Role'): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name: 'stagecraft-reconciler-prod-prod', namespace: 'prod', annotations: { 'stagecraft.dev/construct-path': constructPath } },
    rules,
  };
}

describe('the reconciler\'s own roles across a revision', () => {
  it('widens the desired role with the rules it holds live, so objects of a dropped kind can still be pruned', () => {
    // GIVEN configmaps were used by the last revision and are not any more
    const live = role([{ apiGroups: [''], resources: ['configmaps', 'services'], verbs: ALL }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ALL }]);
    const desired = role([{ apiGroups: [''], resources: ['services'], verbs: ALL }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ALL }]);
    // WHEN
    const widened = widenedRole(desired, live);
    // THEN
    expect(widened.rules).toEqual([
      { apiGroups: [''], resources: ['services'], verbs: ALL },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ALL },
      { apiGroups: [''], resources: ['configmaps', 'services'], verbs: ALL },
    ]);
  });

  it('applies the desired role as it is when it is new or holds everything the live one does', () => {
    // GIVEN
    const desired = role([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ALL }]);
    const sameInOtherKeyOrder = role([{ verbs: ALL, resources: ['deployments'], apiGroups: ['apps'] }]);
    // THEN
    expect(widenedRole(desired, undefined)).toBe(desired);
    expect(widenedRole(desired, sameInOtherKeyOrder)).toBe(desired);
  });

  it.each<[string, KubeObject, boolean]>([
    ['a Role of the reconciler', role([]), true],
    ['the ClusterRole of the reconciler', role([], 'prod/_reconciler/reconciler/cluster-role', 'ClusterRole'), true],
    ['a Role of an application', role([], 'prod/web/role'), false],
    ['a Role of another environment\'s reconciler', role([], 'production/_reconciler/reconciler/role-prod'), false],
    ['the reconciler\'s RoleBinding', role([], 'prod/_reconciler/reconciler/role-binding-prod', 'RoleBinding'), false],
    ['a Role without construct path', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'x' } }, false],
  ])('tells %s', (_case, object, own) => {
    expect(isOwnAccessRole('prod', object)).toBe(own);
  });
});

import {
  applySetIdOf,
  applySetParentOf,
  contentsOf,
  formatGroupKind,
  parentAfterPrune,
  parentBeforeApply,
  parentManifest,
  parentOwnershipProblem,
  parseGroupKinds,
} from '../../lib/reconciler/inventory';
import { configMap, deployment, environmentNamed, service } from '../support/objects';

describe('applyset identity', () => {
  it('computes the id kubectl computes for the same parent', () => {
    // GIVEN the label kubectl 1.32 wrote for `kubectl apply --applyset=secret/stagecraft-applyset-prod -n idcheck --prune`
    const kubectlLabel = 'applyset-y0HJn2nZ51dtlpGkBRDZ7x-v4lafYcLYcs8dVGUXl3M-v1';
    // WHEN
    const id = applySetIdOf({ apiVersion: 'v1', kind: 'Secret', namespace: 'idcheck', name: 'stagecraft-applyset-prod' });
    // THEN
    expect(id).toBe(kubectlLabel);
  });

  it('names the parent stagecraft-applyset-<env> in the control namespace', () => {
    // WHEN
    const parent = applySetParentOf({ ...environmentNamed('prod', 'shop'), controlNamespace: 'stagecraft-system' });
    // THEN
    expect(parent.reference).toEqual({ apiVersion: 'v1', kind: 'Secret', namespace: 'stagecraft-system', name: 'stagecraft-applyset-prod' });
    expect(parent.id).toBe(applySetIdOf(parent.reference));
  });
});

describe('group-kinds', () => {
  it.each([
    [{ group: '', kind: 'Service' }, 'Service'],
    [{ group: 'apps', kind: 'Deployment' }, 'Deployment.apps'],
    [{ group: 'stable.example.com', kind: 'CronTab' }, 'CronTab.stable.example.com'],
  ])('formats %j as %s and reads it back', (groupKind, text) => {
    expect(formatGroupKind(groupKind)).toBe(text);
    expect(parseGroupKinds(text)).toEqual([groupKind]);
  });

  it('reads an empty annotation as no kinds', () => {
    expect(parseGroupKinds('')).toEqual([]);
    expect(parseGroupKinds(undefined)).toEqual([]);
  });
});

describe('parent manifests', () => {
  const parent = applySetParentOf(environmentNamed('prod', 'shop'));

  it('lists sorted group-kinds and the namespaces other than its own', () => {
    // GIVEN
    const objects = [service('shop', 'web'), deployment('shop', 'web'), configMap('extra', 'web'), deployment('shop', 'api')];
    // WHEN
    const manifest = parentManifest(parent, contentsOf(parent, objects));
    // THEN
    expect(manifest).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'stagecraft-applyset-prod',
        namespace: 'shop',
        labels: { 'applyset.kubernetes.io/id': parent.id },
        annotations: {
          'applyset.kubernetes.io/tooling': 'stagecraft/v1',
          'applyset.kubernetes.io/contains-group-kinds': 'ConfigMap,Deployment.apps,Service',
          'applyset.kubernetes.io/additional-namespaces': 'extra',
        },
      },
      type: 'Opaque',
    });
  });

  it('widens to the union of old and new kinds before applying', () => {
    // GIVEN a parent that named ConfigMaps, and a desired state of Deployments only
    const live = parentManifest(parent, contentsOf(parent, [configMap('shop', 'old')]));
    // WHEN
    const widened = parentBeforeApply(parent, live, contentsOf(parent, [deployment('shop', 'web')]));
    // THEN
    expect(widened?.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds']).toBe('ConfigMap,Deployment.apps');
  });

  it('needs no write before applying when the parent already names every desired kind', () => {
    // GIVEN
    const live = parentManifest(parent, contentsOf(parent, [configMap('shop', 'a'), deployment('shop', 'b')]));
    // WHEN
    const widened = parentBeforeApply(parent, live, contentsOf(parent, [deployment('shop', 'b')]));
    // THEN
    expect(widened).toBeUndefined();
  });

  it('narrows after pruning to the desired kinds plus kinds whose delete failed', () => {
    // GIVEN
    const current = contentsOf(parent, [configMap('shop', 'old'), deployment('shop', 'web'), service('shop', 'web')]);
    // WHEN
    const narrowed = parentAfterPrune(parent, current, contentsOf(parent, [deployment('shop', 'web'), service('shop', 'stuck')]));
    const unchanged = parentAfterPrune(parent, current, current);
    // THEN
    expect(narrowed?.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds']).toBe('Deployment.apps,Service');
    expect(unchanged).toBeUndefined();
  });
});

describe('parentOwnershipProblem', () => {
  const parent = applySetParentOf(environmentNamed('prod', 'shop'));
  const ours = parentManifest(parent, { groupKinds: ['ConfigMap'], additionalNamespaces: [] });

  it('accepts a missing parent and one stagecraft wrote', () => {
    expect(parentOwnershipProblem(parent, undefined)).toBeUndefined();
    expect(parentOwnershipProblem(parent, ours)).toBeUndefined();
  });

  it('fails on a parent of another tool', () => {
    // GIVEN
    const kubectls = { ...ours, metadata: { ...ours.metadata, annotations: { 'applyset.kubernetes.io/tooling': 'kubectl/v1.32' } } };
    // WHEN / THEN
    expect(parentOwnershipProblem(parent, kubectls)).toBe('Secret/shop/stagecraft-applyset-prod is the parent of an applyset managed by kubectl/v1.32 (applyset.kubernetes.io/tooling), not stagecraft; stagecraft leaves other tools\' sets alone: remove that set or use another control namespace');
  });

  it('fails on a Secret of that name that is no applyset parent', () => {
    // GIVEN
    const plain = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stagecraft-applyset-prod', namespace: 'shop' } };
    // WHEN / THEN
    expect(parentOwnershipProblem(parent, plain)).toMatch(/^Secret\/shop\/stagecraft-applyset-prod exists but is not an applyset parent/);
  });

  it('fails on a parent whose id label was changed', () => {
    // GIVEN
    const edited = { ...ours, metadata: { ...ours.metadata, labels: { 'applyset.kubernetes.io/id': 'applyset-other-v1' } } };
    // WHEN / THEN
    expect(parentOwnershipProblem(parent, edited)).toBe(`Secret/shop/stagecraft-applyset-prod is labelled applyset.kubernetes.io/id=applyset-other-v1, expected ${parent.id}; it was changed by hand: restore the label`);
  });
});

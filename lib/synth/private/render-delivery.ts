import { ResolvedArgoCdDelivery, ResolvedFluxDelivery } from '../../constructs/delivery-settings';
import { Environment } from '../../constructs/environment';
import { ENVIRONMENT_LABEL, MANAGED_BY_LABEL } from '../../envrepo/annotations';
import { toCanonicalYaml } from '../../envrepo/canonical-yaml';
import { DeliveryRecord } from '../../envrepo/environment-metadata';
import { asciiLowercase } from '../../envrepo/names';
import { DELIVERY_FOLDER } from '../../envrepo/paths';

/** The objects that hand an environment to Flux or Argo CD, and where `stagecraft verify --from` finds their status. */
export interface RenderedDelivery {
  /** Repo-relative path (`<env>/_delivery/<kind>.<name>.yaml`) → canonical YAML. */
  readonly files: ReadonlyMap<string, string>;
  readonly record: DeliveryRecord;
}

/**
 * The Flux GitRepository and Kustomization, or the Argo CD Application and AppProject, that point the
 * reconciler at `<env>/` of the env repo, or undefined when stagecraft applies the environment itself.
 * Pure: the same environment always gives the same bytes.
 */
export function renderDelivery(environment: Environment): RenderedDelivery | undefined {
  const delivery = environment.delivery;
  if (delivery.reconciler === 'flux') {
    return place(environment, 'flux', 'Kustomization', fluxObjects(environment, delivery._settings as ResolvedFluxDelivery));
  }
  if (delivery.reconciler === 'argocd') {
    return place(environment, 'argocd', 'Application', argoCdObjects(environment, delivery._settings as ResolvedArgoCdDelivery));
  }
  return undefined;
}

/** Name of the delivery objects of an environment: one per environment in the reconciler's namespace. */
export function deliveryObjectName(environment: string): string {
  return `stagecraft-${environment}`;
}

function place(environment: Environment, reconciler: string, statusKind: string, objects: any[]): RenderedDelivery {
  const name = environment.environmentName;
  const files = new Map<string, string>();
  for (const object of objects) {
    files.set(`${name}/${DELIVERY_FOLDER}/${asciiLowercase(object.kind)}.${object.metadata.name}.yaml`, toCanonicalYaml(object));
  }
  const status = objects.find((object) => object.kind === statusKind);
  return { files, record: { reconciler, kind: statusKind, namespace: status.metadata.namespace, name: status.metadata.name } };
}

function metadataOf(environment: Environment, namespace: string): Record<string, unknown> {
  return {
    name: deliveryObjectName(environment.environmentName),
    namespace,
    labels: { ...environment.labels, [ENVIRONMENT_LABEL]: environment.environmentName, [MANAGED_BY_LABEL]: 'stagecraft' },
  };
}

/** A Go duration as Flux's CRDs accept it (`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`). */
function goDuration(seconds: number): string {
  return `${seconds}s`;
}

function fluxObjects(environment: Environment, flux: ResolvedFluxDelivery): any[] {
  const metadata = metadataOf(environment, flux.namespace);
  const name = deliveryObjectName(environment.environmentName);
  const namespaces = environment.namespaces;
  const gitRepository = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata,
    spec: {
      interval: goDuration(flux.intervalSeconds),
      url: flux.repository,
      ref: { branch: flux.branch },
      secretRef: flux.secretName === undefined ? undefined : { name: flux.secretName },
      // Flux checks the commit it fetched (HEAD of the branch) against the keys; stagecraft's own reconciler
      // checks every commit since the last one it applied, which Flux has no way to do.
      verify: environment.requireSignedCommits ? { mode: 'HEAD', secretRef: { name: flux.verificationSecretName } } : undefined,
    },
  };
  const kustomization = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata,
    spec: {
      interval: goDuration(flux.intervalSeconds),
      path: `./${environment.environmentName}`,
      prune: flux.prune,
      wait: flux.wait,
      timeout: goDuration(flux.timeoutSeconds),
      sourceRef: { kind: 'GitRepository', name },
      // Every object already names its namespace; with one namespace this only keeps Flux from writing
      // anywhere else, with several it would move objects out of theirs, so it is left out.
      targetNamespace: namespaces.length === 1 ? namespaces[0] : undefined,
      kubeConfig: flux.kubeConfigSecretName === undefined ? undefined : { secretRef: { name: flux.kubeConfigSecretName } },
    },
  };
  return [gitRepository, kustomization];
}

function argoCdObjects(environment: Environment, argo: ResolvedArgoCdDelivery): any[] {
  const metadata = metadataOf(environment, argo.namespace);
  const name = deliveryObjectName(environment.environmentName);
  const destinationName = argo.destinationName ?? environment.cluster;
  const application = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata,
    spec: {
      project: name,
      source: { repoURL: argo.repository, targetRevision: argo.branch, path: environment.environmentName },
      destination: { name: destinationName, namespace: environment.namespace },
      syncPolicy: {
        automated: { prune: argo.prune, selfHeal: argo.selfHeal },
        // Objects are written for server-side apply (every declared field owned, nothing else touched).
        syncOptions: ['ServerSideApply=true'],
      },
    },
  };
  const project = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata,
    spec: {
      description: `stagecraft environment ${environment.environmentName}`,
      sourceRepos: [argo.repository],
      destinations: environment.namespaces.map((namespace) => ({ name: destinationName, namespace })),
      // The environment allows cluster-scoped objects by kind (whatever the group), and so does its project.
      clusterResourceWhitelist: environment.allowedClusterScopedKinds.sort().map((kind) => ({ group: '*', kind })),
      namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
      signatureKeys: argo.signatureKeyIds.length === 0 ? undefined : argo.signatureKeyIds.map((keyID) => ({ keyID })),
    },
  };
  return [application, project];
}

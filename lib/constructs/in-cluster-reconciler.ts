import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Environment } from './environment';
import { InClusterReconcilerOptions } from './in-cluster-reconciler-options';
import { ManagedResource } from './managed-resource';
import { resolveReconcilerOptions, ResolvedReconcilerOptions } from './private/reconciler-options';
import { clusterRules, namespacedRules, PolicyRule, stateRules } from './private/reconciler-rules';
import { ENVIRONMENT_LABEL } from '../envrepo/annotations';
import { dnsSubdomainProblem } from '../envrepo/names';
import { RECONCILER_NAME, reconcilerCredentialsSecretName, reconcilerNameFor } from '../envrepo/reconciler-names';

/**
 * Settings of an InClusterReconciler.
 */
export interface InClusterReconcilerProps extends InClusterReconcilerOptions {
  /** The environment the reconciler applies. */
  readonly environment: Environment;

  /**
   * Kinds of the environment's objects, with the names of its cluster-scoped ones. Synth computes this
   * from the rendered environment; the reconciler's own objects are added here.
   * @default - only the reconciler's own objects
   */
  readonly managedResources?: ManagedResource[];
}

/** Port of the reconciler's metrics and health endpoints. */
const METRICS_PORT = 9464;
const TRUST_MOUNT = '/etc/stagecraft/trust';
/** Where the Secret `stagecraft bootstrap` writes (git credentials; see reconcilerCredentialsSecretName) is mounted. */
const CREDENTIALS_MOUNT = '/etc/stagecraft/credentials';
const ALLOWED_SIGNERS_KEY = 'allowed_signers';
const KEYRING_KEY = 'keyring.asc';
/** Not root, not any user of the image: the reconciler needs no identity on the node. */
const RUN_AS = 65532;
const NAME_LABEL = 'app.kubernetes.io/name';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * The reconciler of one environment, running in that environment's cluster with only the rights it needs:
 * a ServiceAccount in the control namespace; in each of the environment's namespaces a Role for exactly
 * the kinds the environment uses; in the control namespace the right to its own applyset parent Secret and
 * status ConfigMap (by name); a ClusterRole only for the cluster-scoped objects it manages and the
 * namespaces it makes sure of (by name); and a Deployment running `stagecraft reconcile --interval --in-cluster`
 * as that ServiceAccount, with the Secret `stagecraft-reconciler-<env>-credentials` (git credentials, written by
 * `stagecraft bootstrap`, never by git) mounted when it exists.
 *
 * Install it in a cluster with `stagecraft bootstrap --env <env> --repo <url>` (once, as an administrator).
 *
 * Must be created inside a cdk8s Chart. Synth adds it to an environment whose `reconciler` option is set.
 */
export class InClusterReconciler extends Construct {
  /** Name of the reconciler's ServiceAccount, Deployment and ClusterRole for an environment. */
  public static nameFor(environmentName: string): string {
    return reconcilerNameFor(environmentName);
  }

  /** Name of the reconciler's ServiceAccount. */
  public readonly serviceAccountName: string;
  /** Namespace the reconciler runs in (the environment's control namespace). */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: InClusterReconcilerProps) {
    super(scope, id);
    const environment = props.environment;
    const options = resolveReconcilerOptions(this.node.path, props, environment);
    const name = InClusterReconciler.nameFor(environment.environmentName);
    this.serviceAccountName = name;
    this.namespace = environment.controlNamespace;
    const labels = { [NAME_LABEL]: RECONCILER_NAME, [ENVIRONMENT_LABEL]: environment.environmentName };
    const managed = [...(props.managedResources ?? [])];
    for (const resource of managed) {
      if (!resource.namespaced && (resource.names ?? []).length === 0) {
        throw new Error(`${this.node.path}: managed resource ${resource.resource}${resource.apiGroup ? `.${resource.apiGroup}` : ''} is cluster-scoped but names no objects; give the names of the objects the reconciler may touch`);
      }
      const nameProblem = (resource.names ?? []).map((objectName) => dnsSubdomainProblem(objectName) && `"${objectName}" ${dnsSubdomainProblem(objectName)}`).find(Boolean);
      if (nameProblem) {
        throw new Error(`${this.node.path}: managed resource ${resource.resource} has an invalid object name: ${nameProblem}`);
      }
    }
    const metadata = (objectName: string, namespace?: string) => ({ name: objectName, namespace, labels: { ...labels } });

    if (options.createControlNamespace) {
      new ApiObject(this, 'namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(this.namespace) });
      managed.push({ apiGroup: '', resource: 'namespaces', namespaced: false, names: [this.namespace] });
    }
    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: metadata(name, this.namespace),
      // The pod mounts its token itself; other pods that name this account by mistake get none.
      automountServiceAccountToken: false,
    });
    managed.push({ apiGroup: '', resource: 'serviceaccounts', namespaced: true });
    const trust = this.renderTrust(name, options, metadata(`${name}-trust`, this.namespace));
    if (trust) {
      managed.push({ apiGroup: '', resource: 'configmaps', namespaced: true });
    }
    this.renderDeployment(name, options, labels, trust);
    managed.push({ apiGroup: 'apps', resource: 'deployments', namespaced: true });
    managed.push({ apiGroup: RBAC_GROUP, resource: 'roles', namespaced: true }, { apiGroup: RBAC_GROUP, resource: 'rolebindings', namespaced: true });

    const subject = { kind: 'ServiceAccount', name, namespace: this.namespace };
    const ensuredNamespaces = environment.allowedClusterScopedKinds.includes('Namespace') ? environment.namespaces : [];
    const clusterScoped = managed.filter((resource) => !resource.namespaced);
    if (clusterScoped.length > 0 || ensuredNamespaces.length > 0) {
      // The ClusterRole manages itself and its binding, by name, like every other cluster-scoped object.
      managed.push(
        { apiGroup: RBAC_GROUP, resource: 'clusterroles', namespaced: false, names: [name] },
        { apiGroup: RBAC_GROUP, resource: 'clusterrolebindings', namespaced: false, names: [name] },
      );
      new ApiObject(this, 'cluster-role', {
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: 'ClusterRole',
        metadata: metadata(name),
        rules: clusterRules(managed, ensuredNamespaces),
      });
      new ApiObject(this, 'cluster-role-binding', {
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: metadata(name),
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
        subjects: [subject],
      });
    }

    const objectRules = namespacedRules(managed);
    const state = stateRules(`stagecraft-applyset-${environment.environmentName}`, `stagecraft-status-${environment.environmentName}`, `stagecraft-lock-${environment.environmentName}`);
    for (const namespace of environment.namespaces) {
      // One Role per namespace, named after it: files are named by kind and name, not by namespace.
      const roleName = `${name}-${namespace}`;
      const rules: PolicyRule[] = namespace === this.namespace ? [...objectRules, ...state] : objectRules;
      new ApiObject(this, `role-${namespace}`, { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: metadata(roleName, namespace), rules });
      new ApiObject(this, `role-binding-${namespace}`, {
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: 'RoleBinding',
        metadata: metadata(roleName, namespace),
        roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
        subjects: [subject],
      });
    }
  }

  /** The ConfigMap of allowed keys, when there are any, and the command-line arguments that point at them. */
  private renderTrust(name: string, options: ResolvedReconcilerOptions, metadata: object): { configMap: string; args: string[] } | undefined {
    const data: Record<string, string> = {};
    const args: string[] = [];
    if (options.sshAllowedSigners !== undefined) {
      data[ALLOWED_SIGNERS_KEY] = options.sshAllowedSigners;
      args.push('--ssh-allowed-signers', `${TRUST_MOUNT}/${ALLOWED_SIGNERS_KEY}`);
    }
    if (options.gpgPublicKeys !== undefined) {
      data[KEYRING_KEY] = options.gpgPublicKeys;
      args.push('--gpg-keyring', `${TRUST_MOUNT}/${KEYRING_KEY}`);
    }
    if (args.length === 0) {
      return undefined;
    }
    new ApiObject(this, 'trust', { apiVersion: 'v1', kind: 'ConfigMap', metadata, data });
    return { configMap: `${name}-trust`, args };
  }

  private renderDeployment(
    name: string,
    options: ResolvedReconcilerOptions,
    labels: Record<string, string>,
    trust: { configMap: string; args: string[] } | undefined,
  ): void {
    const environment = labels[ENVIRONMENT_LABEL];
    // The credentials Secret is written by `stagecraft bootstrap`, never by git: optional, so a public env
    // repo needs none, and the files present say which transport to use (ssh-key + known_hosts, or token).
    const volumes: object[] = [
      { name: 'home', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'credentials', secret: { secretName: reconcilerCredentialsSecretName(environment), optional: true, defaultMode: 0o400 } },
    ];
    const volumeMounts: object[] = [
      { name: 'home', mountPath: '/home/stagecraft' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'credentials', mountPath: CREDENTIALS_MOUNT, readOnly: true },
    ];
    if (trust) {
      volumes.push({ name: 'trust', configMap: { name: trust.configMap } });
      volumeMounts.push({ name: 'trust', mountPath: TRUST_MOUNT, readOnly: true });
    }
    new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: this.namespace, labels: { ...labels } },
      spec: {
        replicas: 1,
        // Two reconcilers of one environment must never apply at the same time, not even during a rollout.
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 3,
        selector: { matchLabels: { ...labels } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: RUN_AS,
              runAsGroup: RUN_AS,
              fsGroup: RUN_AS,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: 'reconciler',
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['stagecraft'],
              args: [
                'reconcile',
                '--repo', options.repository,
                '--branch', options.branch,
                '--env', environment,
                '--interval', `${options.intervalSeconds}s`,
                '--listen', `0.0.0.0:${METRICS_PORT}`,
                '--in-cluster',
                '--credentials-dir', CREDENTIALS_MOUNT,
                ...(trust?.args ?? []),
              ],
              // git and the mirror cache live under HOME; the root filesystem stays read-only.
              env: [{ name: 'HOME', value: '/home/stagecraft' }],
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts,
            }],
            volumes,
          },
        },
      },
    });
  }
}

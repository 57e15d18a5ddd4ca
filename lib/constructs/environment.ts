import { Construct, IConstruct } from 'constructs';
import { ApplicationOverrides } from './application-overrides';
import { Delivery } from './delivery';
import { ResolvedArgoCdDelivery, ResolvedFluxDelivery } from './delivery-settings';
import { InClusterReconcilerOptions } from './in-cluster-reconciler-options';
import { resolveReconcilerOptions } from './private/reconciler-options';
import { dnsLabelProblem } from '../envrepo/names';

/**
 * Settings of an environment (dev, staging, prod).
 */
export interface EnvironmentProps {
  /**
   * kubeconfig context name of the cluster this environment deploys to.
   * @default - the environment name
   */
  readonly cluster?: string;

  /**
   * Default namespace of the environment's objects.
   * @default - the environment name
   */
  readonly namespace?: string;

  /**
   * Further namespaces objects of this environment may live in. Objects in any other namespace are refused.
   * @default - none
   */
  readonly additionalNamespaces?: string[];

  /**
   * Namespace holding the reconciler's inventory and verification records.
   * @default - the default namespace
   */
  readonly controlNamespace?: string;

  /**
   * Labels added to every object of the environment.
   * @default - none
   */
  readonly labels?: { [key: string]: string };

  /**
   * Overrides applied to every application in this environment (an application's own per-environment
   * overrides win over these).
   * @default - none
   */
  readonly overrides?: ApplicationOverrides;

  /**
   * Whether every container image must be pinned by digest (`repo@sha256:…`).
   * @default true
   */
  readonly requireImageDigest?: boolean;

  /**
   * Whether the reconciler must refuse commits that are not signed by an allowed key.
   * @default false
   */
  readonly requireSignedCommits?: boolean;

  /**
   * Cluster-scoped kinds this environment may create (for example `Namespace`, `CustomResourceDefinition`).
   * Any other cluster-scoped object is refused.
   * @default - only `Namespace`
   */
  readonly allowedClusterScopedKinds?: string[];

  /**
   * Runs a reconciler for this environment inside its cluster (pull-based): synth writes its
   * ServiceAccount, RBAC limited to the kinds and namespaces this environment uses, and Deployment
   * into `<env>/_reconciler/` (cluster-scoped ones into `<env>/_cluster/`). See `InClusterReconciler`.
   * @default - no in-cluster reconciler (push-based: CI runs `stagecraft reconcile --once`)
   */
  readonly reconciler?: InClusterReconcilerOptions;

  /**
   * What applies the environment to its cluster: stagecraft's reconciler, or a Flux or Argo CD already
   * running there (synth then writes their objects into `<env>/_delivery/`). See `Delivery`.
   * @default Delivery.stagecraft()
   */
  readonly delivery?: Delivery;
}

/**
 * An environment as other constructs see it.
 */
export interface IEnvironment extends IConstruct {
  /** The environment's name: its folder in the env repo and its `releases/<name>.yaml`. */
  readonly environmentName: string;
  /** The environment's default namespace. */
  readonly namespace: string;
}

const ENVIRONMENT_SYMBOL = Symbol.for('stagecraft.Environment');

/**
 * One deployment target of the fleet: a cluster context, namespaces, labels, overrides and policy knobs.
 *
 * The construct id is the environment name; it names the env-repo folder, so renaming is a breaking change.
 */
export class Environment extends Construct implements IEnvironment {
  /** Whether `x` is an Environment (works across copies of this library). */
  public static isEnvironment(x: unknown): x is Environment {
    return x !== null && typeof x === 'object' && ENVIRONMENT_SYMBOL in (x as object);
  }

  public readonly environmentName: string;
  public readonly cluster: string;
  public readonly namespace: string;
  public readonly controlNamespace: string;
  public readonly overrides: ApplicationOverrides;
  public readonly requireImageDigest: boolean;
  public readonly requireSignedCommits: boolean;
  /** The in-cluster reconciler's settings, if the environment runs one. */
  public readonly reconciler?: InClusterReconcilerOptions;
  /** What applies the environment to its cluster. */
  public readonly delivery: Delivery;
  private readonly _additionalNamespaces: string[];
  private readonly _labels: { [key: string]: string };
  private readonly _allowedClusterScopedKinds: string[];

  constructor(scope: Construct, id: string, props: EnvironmentProps = {}) {
    super(scope, id);
    Object.defineProperty(this, ENVIRONMENT_SYMBOL, { value: true });
    const problem = dnsLabelProblem(id);
    if (problem) {
      throw new Error(`${this.node.path}: environment name "${id}" ${problem}; rename the environment (its id names the env-repo folder)`);
    }
    this.environmentName = id;
    this.cluster = props.cluster ?? id;
    this.namespace = props.namespace ?? id;
    this._additionalNamespaces = [...(props.additionalNamespaces ?? [])];
    this.controlNamespace = props.controlNamespace ?? this.namespace;
    this._labels = { ...(props.labels ?? {}) };
    this.overrides = props.overrides ?? {};
    this.requireImageDigest = props.requireImageDigest ?? true;
    this.requireSignedCommits = props.requireSignedCommits ?? false;
    this._allowedClusterScopedKinds = [...(props.allowedClusterScopedKinds ?? ['Namespace'])];
    for (const namespace of [this.namespace, ...this._additionalNamespaces, this.controlNamespace]) {
      const namespaceProblem = dnsLabelProblem(namespace);
      if (namespaceProblem) {
        throw new Error(`${this.node.path}: namespace "${namespace}" ${namespaceProblem}; pick a DNS-1123 label`);
      }
    }
    this.delivery = props.delivery ?? Delivery.stagecraft();
    deliveryProblem(this.node.path, this.delivery, props);
    if (props.reconciler !== undefined) {
      resolveReconcilerOptions(this.node.path, props.reconciler, this);
      this.reconciler = { ...props.reconciler, resourcePlurals: props.reconciler.resourcePlurals && { ...props.reconciler.resourcePlurals } };
    }
  }

  /** Every namespace objects of this environment may live in, the default first. */
  public get namespaces(): string[] {
    const all = [this.namespace];
    for (const namespace of [...this._additionalNamespaces, this.controlNamespace]) {
      if (!all.includes(namespace)) {
        all.push(namespace);
      }
    }
    return all;
  }

  /** Labels added to every object of the environment. */
  public get labels(): { [key: string]: string } {
    return { ...this._labels };
  }

  /** Cluster-scoped kinds this environment may create. */
  public get allowedClusterScopedKinds(): string[] {
    return [...this._allowedClusterScopedKinds];
  }
}

/** Throws when the delivery does not fit the environment's other settings. */
function deliveryProblem(where: string, delivery: Delivery, props: EnvironmentProps): void {
  if (delivery.reconciler === 'stagecraft') {
    return;
  }
  const name = delivery.reconciler === 'flux' ? 'Flux' : 'Argo CD';
  if (props.reconciler !== undefined) {
    throw new Error(`${where}: both an in-cluster reconciler and delivery by ${name} would apply the environment and fight over its objects; drop the reconciler option or the delivery`);
  }
  if (!(props.requireSignedCommits ?? false)) {
    return;
  }
  if (delivery.reconciler === 'flux' && (delivery._settings as ResolvedFluxDelivery).verificationSecretName === undefined) {
    throw new Error(`${where}: requireSignedCommits is true but Delivery.flux has no verificationSecretName, so Flux would apply unsigned commits; give the Secret holding the OpenPGP public keys`);
  }
  if (delivery.reconciler === 'argocd' && (delivery._settings as ResolvedArgoCdDelivery).signatureKeyIds.length === 0) {
    throw new Error(`${where}: requireSignedCommits is true but Delivery.argoCd has no signatureKeyIds, so Argo CD would sync unsigned commits; give the OpenPGP key ids allowed to sign`);
  }
}

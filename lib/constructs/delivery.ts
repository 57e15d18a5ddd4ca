import { Duration } from 'cdk8s';
import { ResolvedArgoCdDelivery, ResolvedFluxDelivery } from './delivery-settings';
import { checkGitSource } from './private/reconciler-options';
import { dnsLabelProblem, dnsSubdomainProblem } from '../envrepo/names';

/**
 * How Flux fetches and applies the environment (`Delivery.flux`).
 */
export interface FluxDeliveryProps {
  /** Git URL of the env repo as Flux's source-controller fetches it (`https://…`, `ssh://…`). */
  readonly repository: string;

  /**
   * Branch of the env repo holding the environment.
   * @default "main"
   */
  readonly branch?: string;

  /**
   * Namespace of the GitRepository and Kustomization (where Flux's controllers watch).
   * @default "flux-system"
   */
  readonly namespace?: string;

  /**
   * How often Flux fetches the env repo and reconciles the environment (whole seconds).
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;

  /**
   * Whether Flux deletes objects that left the environment.
   * @default true
   */
  readonly prune?: boolean;

  /**
   * Whether Flux waits for every applied object to become ready before it reports the Kustomization Ready
   * (what `stagecraft verify --from flux` reads).
   * @default true
   */
  readonly wait?: boolean;

  /**
   * How long Flux waits for the objects (whole seconds).
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Secret in `namespace` with the credentials Flux fetches the env repo with.
   * @default - none (a repository readable without credentials)
   */
  readonly secretName?: string;

  /**
   * Secret in `namespace` with the OpenPGP public keys Flux checks the env repo's HEAD commit against.
   * Required when the environment sets `requireSignedCommits`.
   * @default - commits are not verified
   */
  readonly verificationSecretName?: string;

  /**
   * Secret in `namespace` with a kubeconfig, for a Flux that applies to another cluster than its own.
   * @default - Flux applies to the cluster it runs in
   */
  readonly kubeConfigSecretName?: string;
}

/**
 * How Argo CD fetches and syncs the environment (`Delivery.argoCd`).
 */
export interface ArgoCdDeliveryProps {
  /** Git URL of the env repo as Argo CD's repo server fetches it (`https://…`, `ssh://…`). */
  readonly repository: string;

  /**
   * Branch of the env repo holding the environment (the Application's targetRevision).
   * @default "main"
   */
  readonly branch?: string;

  /**
   * Namespace of the Application and AppProject (where Argo CD runs).
   * @default "argocd"
   */
  readonly namespace?: string;

  /**
   * Name of the destination cluster as Argo CD knows it.
   * @default - the environment's `cluster` (its kubeconfig context name)
   */
  readonly destinationName?: string;

  /**
   * Whether automated sync deletes objects that left the environment.
   * @default true
   */
  readonly prune?: boolean;

  /**
   * Whether automated sync reverts changes made in the cluster.
   * @default true
   */
  readonly selfHeal?: boolean;

  /**
   * OpenPGP key ids (as `gpg --list-keys` prints them) whose signed commits the AppProject accepts.
   * Required when the environment sets `requireSignedCommits`.
   * @default - commits are not verified
   */
  readonly signatureKeyIds?: string[];
}

const OPENPGP_KEY_ID = /^[0-9A-F]{16}$|^[0-9A-F]{40}$/;

/**
 * What applies an environment to its cluster: stagecraft's own reconciler (`stagecraft reconcile`, the
 * default), or a Flux or Argo CD that already runs there. For Flux and Argo CD synth writes the objects that
 * point them at the environment's folder into `<env>/_delivery/`; the cluster's administrator applies them
 * once. `stagecraft verify --from flux|argocd` then records what they report, so promotion gates keep working.
 */
export class Delivery {
  /** stagecraft's own reconciler applies the environment (`stagecraft reconcile`, in CI or in the cluster). */
  public static stagecraft(): Delivery {
    return new Delivery('stagecraft');
  }

  /** Flux applies the environment: synth writes a GitRepository and a Kustomization for it. */
  public static flux(props: FluxDeliveryProps): Delivery {
    const where = 'Delivery.flux:';
    const source = checkGitSource(where, props.repository, props.branch);
    const namespace = checkName(where, 'namespace', props.namespace ?? 'flux-system');
    for (const field of ['secretName', 'verificationSecretName', 'kubeConfigSecretName'] as const) {
      const value = props[field];
      const problem = value === undefined ? undefined : dnsSubdomainProblem(value);
      if (problem !== undefined) {
        throw new Error(`${where} ${field} "${value}" ${problem}; give the name of a Secret in namespace ${namespace}`);
      }
    }
    return new Delivery('flux', {
      ...source,
      namespace,
      intervalSeconds: wholeSeconds(where, 'interval', props.interval ?? Duration.minutes(1)),
      prune: props.prune ?? true,
      wait: props.wait ?? true,
      timeoutSeconds: wholeSeconds(where, 'timeout', props.timeout ?? Duration.minutes(5)),
      secretName: props.secretName,
      verificationSecretName: props.verificationSecretName,
      kubeConfigSecretName: props.kubeConfigSecretName,
    } satisfies ResolvedFluxDelivery);
  }

  /** Argo CD applies the environment: synth writes an Application and an AppProject for it. */
  public static argoCd(props: ArgoCdDeliveryProps): Delivery {
    const where = 'Delivery.argoCd:';
    const source = checkGitSource(where, props.repository, props.branch);
    const namespace = checkName(where, 'namespace', props.namespace ?? 'argocd');
    if (props.destinationName !== undefined && (props.destinationName.length === 0 || /[\u0000-\u001f\u007f]/.test(props.destinationName))) {
      throw new Error(`${where} destinationName ${JSON.stringify(props.destinationName)} is not a cluster name; give the name Argo CD knows the cluster by, or leave it out to use the environment's cluster`);
    }
    const signatureKeyIds = [...(props.signatureKeyIds ?? [])];
    for (const keyId of signatureKeyIds) {
      if (!OPENPGP_KEY_ID.test(keyId)) {
        throw new Error(`${where} signatureKeyIds entry ${JSON.stringify(keyId)} is not an OpenPGP key id; give 16 or 40 upper-case hex digits as gpg --list-keys --keyid-format long prints them`);
      }
    }
    return new Delivery('argocd', {
      ...source,
      namespace,
      destinationName: props.destinationName,
      prune: props.prune ?? true,
      selfHeal: props.selfHeal ?? true,
      signatureKeyIds,
    } satisfies ResolvedArgoCdDelivery);
  }

  /** Which reconciler applies the environment: `stagecraft`, `flux` or `argocd`. */
  public readonly reconciler: string;

  /** @internal */
  public readonly _settings?: ResolvedFluxDelivery | ResolvedArgoCdDelivery;

  private constructor(reconciler: string, settings?: ResolvedFluxDelivery | ResolvedArgoCdDelivery) {
    this.reconciler = reconciler;
    this._settings = settings;
  }
}

function checkName(where: string, field: string, value: string): string {
  const problem = dnsLabelProblem(value);
  if (problem !== undefined) {
    throw new Error(`${where} ${field} "${value}" ${problem}; pick a DNS-1123 label`);
  }
  return value;
}

function wholeSeconds(where: string, field: string, duration: Duration): number {
  const milliseconds = duration.toMilliseconds();
  if (milliseconds < 1000 || milliseconds % 1000 !== 0) {
    throw new Error(`${where} ${field} of ${milliseconds} ms is not a whole number of seconds of at least 1; use Duration.seconds(30) or similar`);
  }
  return milliseconds / 1000;
}

import { Duration } from 'cdk8s';

/**
 * The reconciler an environment runs in its own cluster (pull-based GitOps): which image, which env repo,
 * how often, and which keys may sign the commits it applies.
 */
export interface InClusterReconcilerOptions {
  /**
   * Image of the stagecraft CLI, pinned by digest (`registry.example/stagecraft@sha256:…`): whatever this
   * image runs holds the environment's keys, so a tag that can be moved is refused.
   */
  readonly image: string;

  /**
   * Git URL of the env repo the reconciler pulls (`https://…`, `ssh://…`, `git@host:path`).
   */
  readonly repository: string;

  /**
   * Branch of the env repo holding the environment.
   * @default "main"
   */
  readonly branch?: string;

  /**
   * Time between two reconciles (whole seconds).
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;

  /**
   * Writes a Namespace object for the control namespace into the environment, so that applying the
   * environment (or just its reconciler's files) creates it first.
   * @default - true when the environment allows the Namespace kind
   */
  readonly createControlNamespace?: boolean;

  /**
   * Content of an SSH allowed signers file (ssh-keygen ALLOWED SIGNERS format): the SSH keys whose signed
   * commits the reconciler applies. Mounted from a ConfigMap and passed as `--ssh-allowed-signers`.
   * @default - no SSH keys
   */
  readonly sshAllowedSigners?: string;

  /**
   * Armored OpenPGP public keys whose signed commits the reconciler applies. Mounted from a ConfigMap and
   * passed as `--gpg-keyring`.
   * @default - no OpenPGP keys
   */
  readonly gpgPublicKeys?: string;

  /**
   * Resource names (plurals) of custom resources whose CustomResourceDefinition is not part of the
   * environment, keyed `Kind.group`, e.g. `{ 'Certificate.cert-manager.io': 'certificates' }`. RBAC rules
   * are written with these names.
   * @default - built-in kinds and custom resources defined by the environment's own CustomResourceDefinitions only
   */
  readonly resourcePlurals?: { [kindAndGroup: string]: string };
}

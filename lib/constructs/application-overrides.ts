import * as kplus from 'cdk8s-plus-28';

/**
 * Values an environment may change for an application. Unset fields keep the application's value.
 */
export interface ApplicationOverrides {
  /**
   * Number of pods.
   * @default - the application's value
   */
  readonly replicas?: number;

  /**
   * CPU and memory requests and limits of the application's container.
   * @default - the application's value
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Configuration values merged over the application's `config` (keys given here win).
   * @default - the application's values
   */
  readonly config?: { [key: string]: string };

  /**
   * Host name of the application's ingress in this environment.
   * @default - the application's ingress host
   */
  readonly ingressHost?: string;
}

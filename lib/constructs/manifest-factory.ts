import { Construct } from 'constructs';

/**
 * What a manifest factory knows about the environment it renders for.
 */
export interface RenderContext {
  /** Environment name, e.g. `prod`. */
  readonly environment: string;
  /** Application name, e.g. `web`. */
  readonly application: string;
  /** The environment's default namespace (objects without a namespace land here). */
  readonly namespace: string;
  /** Image from `releases/<env>.yaml`, or the application's pinned image. */
  readonly image: string;
  /** Replicas in effect for this environment. */
  readonly replicas: number;
  /** Configuration values in effect for this environment. */
  readonly config: { [key: string]: string };
  /** Labels every object of this application carries. */
  readonly labels: { [key: string]: string };
}

/**
 * The escape hatch: adds any cdk8s constructs for one application in one environment.
 *
 * `produce` is called once per environment, with a fresh cdk8s `Chart` as `scope` whose default
 * namespace is the environment's. Everything it adds is written to the env repo and validated like
 * the objects of the high-level form.
 */
export interface IManifestFactory {
  /**
   * Adds this application's objects for one environment to `scope`.
   */
  produce(scope: Construct, context: RenderContext): void;
}

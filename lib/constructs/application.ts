import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ApplicationOverrides } from './application-overrides';
import { IManifestFactory } from './manifest-factory';
import { dnsLabelProblem, dnsSubdomainProblem } from '../envrepo/names';

/**
 * Ingress of the high-level form.
 */
export interface ApplicationIngressOptions {
  /**
   * Host name; environments usually override it with `ApplicationOverrides.ingressHost`.
   * @default - any host
   */
  readonly host?: string;

  /**
   * Path prefix routed to the application.
   * @default "/"
   */
  readonly path?: string;
}

/**
 * Definition of an application, rendered once per environment.
 */
export interface ApplicationProps {
  /**
   * Container image of the high-level form. Either a repository (`registry.example/web`), whose tag or
   * digest comes from `releases/<env>.yaml`, or a full reference (`…@sha256:…`) used where no release exists.
   * @default - no high-level form: `manifests` must be given
   */
  readonly image?: string;

  /**
   * Port the container listens on; gives the application a Service.
   * @default - no port and no Service
   */
  readonly port?: number;

  /**
   * Port the Service exposes.
   * @default - the container port
   */
  readonly servicePort?: number;

  /**
   * Number of pods.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Configuration values, written to a ConfigMap and given to the container as environment variables.
   * @default - no ConfigMap
   */
  readonly config?: { [key: string]: string };

  /**
   * Plain environment variables of the container.
   * @default - none
   */
  readonly env?: { [key: string]: string };

  /**
   * Entrypoint of the container.
   * @default - the image's entrypoint
   */
  readonly command?: string[];

  /**
   * Arguments of the entrypoint.
   * @default - the image's arguments
   */
  readonly args?: string[];

  /**
   * CPU and memory requests and limits.
   * @default - cdk8s-plus defaults
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Readiness probe.
   * @default - none
   */
  readonly readiness?: kplus.Probe;

  /**
   * Liveness probe.
   * @default - none
   */
  readonly liveness?: kplus.Probe;

  /**
   * Exposes the application through an Ingress (requires `port`).
   * @default - no Ingress
   */
  readonly ingress?: ApplicationIngressOptions;

  /**
   * Per-environment overrides, keyed by environment name. These win over the environment's own overrides.
   * @default - none
   */
  readonly environments?: { [environment: string]: ApplicationOverrides };

  /**
   * Escape hatch: adds any cdk8s constructs per environment, alongside (or instead of) the high-level form.
   * @default - only the high-level form
   */
  readonly manifests?: IManifestFactory;

  /**
   * Labels added to every object of the application.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/**
 * An application as other constructs see it.
 */
export interface IApplication extends IConstruct {
  /** The application's name: its folder under each environment and its key in `releases/<env>.yaml`. */
  readonly applicationName: string;
}

const APPLICATION_SYMBOL = Symbol.for('stagecraft.Application');

/**
 * An application defined once and rendered for every environment of the fleet.
 *
 * The high-level form produces a Deployment, a ConfigMap (with `config`), a Service (with `port`) and an
 * Ingress (with `ingress`) through cdk8s-plus-28; `manifests` adds any other objects. The construct id is
 * the application name: it names folders and objects, so renaming is a breaking change.
 */
export class Application extends Construct implements IApplication {
  /** Whether `x` is an Application (works across copies of this library). */
  public static isApplication(x: unknown): x is Application {
    return x !== null && typeof x === 'object' && APPLICATION_SYMBOL in (x as object);
  }

  public readonly applicationName: string;
  /** Image of the high-level form, as given. */
  public readonly image?: string;
  public readonly port?: number;
  public readonly servicePort?: number;
  public readonly replicas: number;
  public readonly resources?: kplus.ContainerResources;
  public readonly readiness?: kplus.Probe;
  public readonly liveness?: kplus.Probe;
  public readonly ingress?: ApplicationIngressOptions;
  public readonly manifests?: IManifestFactory;
  private readonly _config: { [key: string]: string };
  private readonly _env: { [key: string]: string };
  private readonly _command?: string[];
  private readonly _args?: string[];
  private readonly _environments: { [environment: string]: ApplicationOverrides };
  private readonly _labels: { [key: string]: string };

  constructor(scope: Construct, id: string, props: ApplicationProps = {}) {
    super(scope, id);
    Object.defineProperty(this, APPLICATION_SYMBOL, { value: true });
    const where = this.node.path;
    const nameProblem = dnsLabelProblem(id);
    if (nameProblem) {
      throw new Error(`${where}: application name "${id}" ${nameProblem}; rename the application (its id names folders and objects)`);
    }
    if (props.image === undefined && props.manifests === undefined) {
      throw new Error(`${where}: application "${id}" has neither "image" nor "manifests"; give an image for the high-level form or a manifest factory`);
    }
    if (props.image !== undefined && props.image.trim() !== props.image) {
      throw new Error(`${where}: image "${props.image}" has surrounding spaces; remove them`);
    }
    checkPort(where, 'port', props.port);
    checkPort(where, 'servicePort', props.servicePort);
    if (props.servicePort !== undefined && props.port === undefined) {
      throw new Error(`${where}: "servicePort" needs "port" (the container port the Service forwards to)`);
    }
    if (props.ingress !== undefined && props.port === undefined) {
      throw new Error(`${where}: "ingress" needs "port"; give the container port the ingress should reach`);
    }
    if (props.ingress !== undefined && props.image === undefined) {
      throw new Error(`${where}: "ingress" belongs to the high-level form, which needs "image"`);
    }
    checkReplicas(where, 'replicas', props.replicas);
    for (const [environment, overrides] of Object.entries(props.environments ?? {})) {
      checkOverrides(`${where}: environments.${environment}`, overrides);
    }
    if (props.ingress?.host !== undefined) {
      checkHost(`${where}: ingress.host`, props.ingress.host);
    }
    this.applicationName = id;
    this.image = props.image;
    this.port = props.port;
    this.servicePort = props.servicePort;
    this.replicas = props.replicas ?? 1;
    this.resources = props.resources;
    this.readiness = props.readiness;
    this.liveness = props.liveness;
    this.ingress = props.ingress;
    this.manifests = props.manifests;
    this._config = { ...(props.config ?? {}) };
    this._env = { ...(props.env ?? {}) };
    this._command = props.command ? [...props.command] : undefined;
    this._args = props.args ? [...props.args] : undefined;
    this._environments = { ...(props.environments ?? {}) };
    this._labels = { ...(props.labels ?? {}) };
  }

  /** Configuration values of the base definition. */
  public get config(): { [key: string]: string } {
    return { ...this._config };
  }

  /** Plain environment variables of the container. */
  public get env(): { [key: string]: string } {
    return { ...this._env };
  }

  /** Entrypoint of the container, if set. */
  public get command(): string[] | undefined {
    return this._command ? [...this._command] : undefined;
  }

  /** Arguments of the entrypoint, if set. */
  public get args(): string[] | undefined {
    return this._args ? [...this._args] : undefined;
  }

  /** Labels added to every object of the application. */
  public get labels(): { [key: string]: string } {
    return { ...this._labels };
  }

  /** Per-environment overrides, keyed by environment name. */
  public get environmentOverrides(): { [environment: string]: ApplicationOverrides } {
    return { ...this._environments };
  }
}

/** Checks one set of overrides; shared by applications and environments. */
export function checkOverrides(where: string, overrides: ApplicationOverrides): void {
  checkReplicas(where, 'replicas', overrides.replicas);
  if (overrides.ingressHost !== undefined) {
    checkHost(`${where}.ingressHost`, overrides.ingressHost);
  }
}

function checkPort(where: string, field: string, port: number | undefined): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`${where}: ${field} ${port} is not a port; use a whole number from 1 to 65535`);
  }
}

function checkReplicas(where: string, field: string, replicas: number | undefined): void {
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    throw new Error(`${where}: ${field} ${replicas} is not a replica count; use a whole number of 0 or more`);
  }
}

function checkHost(where: string, host: string): void {
  const problem = dnsSubdomainProblem(host);
  if (problem) {
    throw new Error(`${where}: host "${host}" ${problem}; use a DNS name such as web.example.com`);
  }
}

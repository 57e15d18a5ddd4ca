import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Application } from '../../constructs/application';
import { ApplicationOverrides } from '../../constructs/application-overrides';
import { Environment } from '../../constructs/environment';
import { RenderContext } from '../../constructs/manifest-factory';
import { compareCodeUnits } from '../../envrepo/names';

/** Label that ties an application's pods, Deployment and Service together. */
export const APPLICATION_LABEL = 'app.kubernetes.io/name';
export { ENVIRONMENT_LABEL } from '../../envrepo/annotations';
export { MANAGED_BY_LABEL } from '../../envrepo/annotations';

/** The values in effect for one application in one environment, after all overrides. */
export interface EffectiveSettings {
  readonly replicas: number;
  readonly resources?: kplus.ContainerResources;
  readonly config: { [key: string]: string };
  readonly ingressHost?: string;
  /** The overridden values that differ from the application's base definition, for the env-repo metadata. */
  readonly overridden: Record<string, unknown>;
  /** Everything in effect, for the env-repo metadata and the inputs digest. */
  readonly described: Record<string, unknown>;
}

/**
 * Merges overrides: application base < environment-wide overrides < the application's own per-environment overrides.
 */
export function effectiveSettings(application: Application, environment: Environment): EffectiveSettings {
  const layers: ApplicationOverrides[] = [environment.overrides, application.environmentOverrides[environment.environmentName] ?? {}];
  let replicas = application.replicas;
  let resources = application.resources;
  let ingressHost = application.ingress?.host;
  const config = application.config;
  const overridden: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer.replicas !== undefined) {
      replicas = layer.replicas;
    }
    if (layer.resources !== undefined) {
      resources = layer.resources;
    }
    if (layer.ingressHost !== undefined) {
      ingressHost = layer.ingressHost;
    }
    for (const [key, value] of Object.entries(layer.config ?? {})) {
      config[key] = value;
    }
  }
  if (replicas !== application.replicas) {
    overridden.replicas = replicas;
  }
  if (resources !== application.resources) {
    overridden.resources = describeResources(resources);
  }
  if (ingressHost !== application.ingress?.host) {
    overridden.ingressHost = ingressHost;
  }
  const base = application.config;
  const changedConfig = Object.keys(config).filter((key) => base[key] !== config[key]).sort();
  if (changedConfig.length > 0) {
    overridden.config = Object.fromEntries(changedConfig.map((key) => [key, config[key]]));
  }
  const described: Record<string, unknown> = {
    replicas,
    port: application.port,
    servicePort: application.servicePort,
    config,
    env: application.env,
    ingressHost,
    ingressPath: application.ingress ? application.ingress.path ?? '/' : undefined,
    resources: describeResources(resources),
  };
  return { replicas, resources, config, ingressHost, overridden, described };
}

/**
 * Renders one application for one environment into `chart` with cdk8s-plus-28 (high-level form) and the
 * application's manifest factory (escape hatch).
 */
export function renderApplication(chart: Chart, application: Application, context: RenderContext, settings: EffectiveSettings): void {
  if (application.image !== undefined) {
    renderHighLevelForm(chart, application, context, settings);
  }
  application.manifests?.produce(chart, context);
}

function renderHighLevelForm(scope: Construct, application: Application, context: RenderContext, settings: EffectiveSettings): void {
  const name = application.applicationName;
  const selectorLabels = { [APPLICATION_LABEL]: name };
  const configMap = Object.keys(settings.config).length > 0
    ? new kplus.ConfigMap(scope, 'config', { metadata: { name }, data: sortedRecord(settings.config) })
    : undefined;
  const envVariables: Record<string, kplus.EnvValue> = {};
  for (const [key, value] of Object.entries(application.env).sort(([left], [right]) => compareCodeUnits(left, right))) {
    envVariables[key] = kplus.EnvValue.fromValue(value);
  }
  const deployment = new kplus.Deployment(scope, 'deployment', {
    metadata: { name },
    replicas: settings.replicas,
    select: false,
    podMetadata: { labels: selectorLabels },
    containers: [{
      name,
      image: context.image,
      imagePullPolicy: context.image.includes('@sha256:') ? kplus.ImagePullPolicy.IF_NOT_PRESENT : kplus.ImagePullPolicy.ALWAYS,
      portNumber: application.port,
      command: application.command,
      args: application.args,
      envVariables,
      envFrom: configMap ? [kplus.Env.fromConfigMap(configMap)] : undefined,
      resources: settings.resources,
      readiness: application.readiness,
      liveness: application.liveness,
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels: selectorLabels }));
  if (application.port === undefined) {
    return;
  }
  const service = new kplus.Service(scope, 'service', {
    metadata: { name },
    ports: [{ port: application.servicePort ?? application.port, targetPort: application.port, protocol: kplus.Protocol.TCP, name: 'http' }],
  });
  service.selectLabel(APPLICATION_LABEL, name);
  if (application.ingress !== undefined) {
    new kplus.Ingress(scope, 'ingress', {
      metadata: { name },
      rules: [{
        host: settings.ingressHost,
        path: application.ingress.path ?? '/',
        pathType: kplus.HttpIngressPathType.PREFIX,
        backend: kplus.IngressBackend.fromService(service),
      }],
    });
  }
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) {
    sorted[key] = record[key];
  }
  return sorted;
}

function describeResources(resources: kplus.ContainerResources | undefined): unknown {
  if (resources === undefined) {
    return undefined;
  }
  return {
    cpu: resources.cpu ? { request: resources.cpu.request?.amount, limit: resources.cpu.limit?.amount } : undefined,
    memory: resources.memory ? { request: resources.memory.request?.toMebibytes(), limit: resources.memory.limit?.toMebibytes() } : undefined,
  };
}

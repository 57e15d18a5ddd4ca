// The Acme shop fleet: three applications in three environments, promoted dev → staging → prod.
// `cdk8s synth` or `stagecraft synth --out ../env-repo` writes the env-repo tree.
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Application, Environment, Fleet, IManifestFactory, PromotionGate, PromotionPolicy, RenderContext, TimeWindow, Weekday,
} from 'stagecraft';

const fleet = new Fleet();

const dev = new Environment(fleet, 'dev', {
  cluster: 'kind-dev',
  labels: { 'acme.example/cost-center': 'shop' },
  overrides: { replicas: 1, config: { LOG_LEVEL: 'debug' } },
});
const staging = new Environment(fleet, 'staging', {
  cluster: 'gke-staging',
  labels: { 'acme.example/cost-center': 'shop' },
});
const prod = new Environment(fleet, 'prod', {
  cluster: 'gke-prod',
  namespace: 'shop',
  labels: { 'acme.example/cost-center': 'shop' },
  requireSignedCommits: true,
});

const web = new Application(fleet, 'web', {
  image: 'registry.acme.example/shop/web',
  port: 8080,
  servicePort: 80,
  replicas: 2,
  config: { API_URL: 'http://api', LOG_LEVEL: 'info' },
  readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
  ingress: { host: 'shop.acme.example' },
  environments: {
    dev: { ingressHost: 'dev.shop.acme.example' },
    staging: { ingressHost: 'staging.shop.acme.example' },
    prod: { replicas: 4 },
  },
});

const api = new Application(fleet, 'api', {
  image: 'registry.acme.example/shop/api',
  port: 9000,
  replicas: 2,
  config: { DATABASE_HOST: 'postgres.internal', LOG_LEVEL: 'info' },
  env: { GOMAXPROCS: '2' },
  resources: {
    cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
    memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
  },
  environments: {
    prod: {
      replicas: 6,
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) },
      },
    },
  },
});

/** The escape hatch: the worker takes no traffic, so a NetworkPolicy written with plain cdk8s-plus denies all ingress. */
class WorkerIsolation implements IManifestFactory {
  public produce(scope: Construct, context: RenderContext): void {
    new kplus.NetworkPolicy(scope, 'isolation', {
      metadata: { name: `${context.application}-isolation` },
      selector: kplus.Pods.select(scope, 'pods', { labels: { 'app.kubernetes.io/name': context.application } }),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
  }
}

new Application(fleet, 'worker', {
  image: 'registry.acme.example/shop/worker',
  config: { QUEUE: 'orders' },
  manifests: new WorkerIsolation(),
  environments: { prod: { replicas: 3 } },
});

new PromotionPolicy(fleet, 'shop', {
  stages: [
    { environment: dev },
    { environment: staging, gates: [PromotionGate.auto(), PromotionGate.verifiedUpstream(), PromotionGate.soak(Duration.hours(1))] },
    {
      environment: prod,
      gates: [
        PromotionGate.manual(),
        PromotionGate.verifiedUpstream(),
        PromotionGate.soak(Duration.hours(2)),
        PromotionGate.approvals(2, { from: ['alice@acme.example', 'bob@acme.example', 'carol@acme.example'] }),
        PromotionGate.allowWindow(TimeWindow.weekly({ days: [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' })),
        PromotionGate.denyWindow(TimeWindow.between('2026-12-21T00:00Z', '2027-01-04T00:00Z')),
      ],
    },
  ],
  applications: [web, api],
  maxApplicationsPerPromotion: 2,
});

fleet.synth();

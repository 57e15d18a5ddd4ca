// The anchor: the same fleet as fleet.js (N applications × 3 environments or the comma-separated ENVIRONMENTS,
// Deployment + Service + ConfigMap each) written with plain cdk8s + cdk8s-plus-28 and App.synth().
// Usage: node plain-cdk8s.js N per-environment|per-application|render-only OUTDIR [ENVIRONMENTS]
// render-only builds the per-environment charts and calls toJson() on every object, writing nothing: the
// least work any tool that renders these objects through cdk8s-plus-28 has to do (the floor).
'use strict';
const started = process.hrtime.bigint();
const { ApiObject, App, Chart } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const { environmentsArgument } = require('./environments-argument');

const applications = Number(process.argv[2]);
const layout = process.argv[3];
const outdir = process.argv[4];
const environments = environmentsArgument(process.argv[5]);
const digest = 'a'.repeat(64);

const app = new App({ outdir });

function addApplication(scope, id, environment, index) {
  const name = `app${index}`;
  const labels = { 'app.kubernetes.io/name': name };
  const metadata = { name, namespace: environment };
  const config = new kplus.ConfigMap(scope, `${id}-config`, { metadata, data: { INDEX: String(index), LOG_LEVEL: 'info' } });
  const deployment = new kplus.Deployment(scope, `${id}-deployment`, {
    metadata,
    replicas: environment === 'prod' ? 3 : 1,
    select: false,
    podMetadata: { labels },
    containers: [{
      name,
      image: `registry.example/${name}@sha256:${digest}`,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      portNumber: 8080,
      envFrom: [kplus.Env.fromConfigMap(config)],
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels }));
  const service = new kplus.Service(scope, `${id}-service`, { metadata, ports: [{ port: 8080, targetPort: 8080, protocol: kplus.Protocol.TCP }] });
  service.selectLabel('app.kubernetes.io/name', name);
}

if (layout === 'per-environment' || layout === 'render-only') {
  for (const environment of environments) {
    const chart = new Chart(app, environment, { namespace: environment, disableResourceNameHashes: true });
    for (let index = 0; index < applications; index++) {
      addApplication(chart, `app${index}`, environment, index);
    }
  }
} else if (layout === 'per-application') {
  for (let index = 0; index < applications; index++) {
    const chart = new Chart(app, `app${index}`, { disableResourceNameHashes: true });
    for (const environment of environments) {
      addApplication(chart, environment, environment, index);
    }
  }
} else {
  throw new Error(`unknown layout "${layout}"; use per-environment, per-application or render-only`);
}
if (layout === 'render-only') {
  let rendered = 0;
  for (const chart of app.charts) {
    for (const child of chart.node.findAll()) {
      if (child instanceof ApiObject) {
        rendered += child.toJson() === undefined ? 0 : 1;
      }
    }
  }
  process.stderr.write(`RENDERED ${rendered}\n`);
} else {
  app.synth();
}
const usage = process.resourceUsage();
process.stderr.write(`BENCH ${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9, maxRssMb: usage.maxRSS / 1024 })}\n`);

// The same fleet as fleet.js, but every application brings its objects through the escape hatch as plain
// cdk8s ApiObjects (the JSON the high-level form renders) instead of cdk8s-plus-28 constructs: what synth
// costs when cdk8s-plus is not in the loop. Validation, canonical YAML, digests and writing are the same.
// Usage: node fleet-manifests.js N WORKDIR   (WORKDIR gets releases/ and out/)
'use strict';
const started = process.hrtime.bigint();
const { ApiObject } = require('cdk8s');
const { Application } = require('../..');
const { benchFleet, reportBench } = require('./bench-fleet');

/** Deployment + Service + ConfigMap as the high-level form renders them, written out by hand. */
const plainObjects = {
  produce(scope, context) {
    const selector = { 'app.kubernetes.io/name': context.application };
    new ApiObject(scope, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: context.application }, data: context.config, immutable: false });
    new ApiObject(scope, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: context.application },
      spec: {
        minReadySeconds: 0,
        progressDeadlineSeconds: 600,
        replicas: context.replicas,
        selector: { matchLabels: selector },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: {
          metadata: { labels: selector },
          spec: {
            automountServiceAccountToken: false,
            containers: [{
              envFrom: [{ configMapRef: { name: context.application } }],
              image: context.image,
              imagePullPolicy: 'IfNotPresent',
              name: context.application,
              ports: [{ containerPort: 8080 }],
              resources: { limits: { cpu: '1500m', memory: '2048Mi' }, requests: { cpu: '1000m', memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
              startupProbe: { failureThreshold: 3, tcpSocket: { port: 8080 } },
            }],
            dnsPolicy: 'ClusterFirst',
            hostNetwork: false,
            restartPolicy: 'Always',
            securityContext: { fsGroupChangePolicy: 'Always', runAsNonRoot: true },
            setHostnameAsFQDN: false,
            terminationGracePeriodSeconds: 30,
          },
        },
      },
    });
    new ApiObject(scope, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: context.application },
      spec: { externalIPs: [], ports: [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }], selector, type: 'ClusterIP' },
    });
  },
};

const applications = Number(process.argv[2]);
const fleet = benchFleet(applications, process.argv[3], { synthWorkers: 0 });
for (let index = 0; index < applications; index++) {
  // No `image`: the high-level form stays off; the release still supplies the image to the factory.
  new Application(fleet, `app${index}`, { config: { LOG_LEVEL: 'info', INDEX: String(index) }, manifests: plainObjects });
}
fleet.synth();
reportBench(started);

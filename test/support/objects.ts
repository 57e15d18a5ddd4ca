import { EnvironmentMetadata } from '../../lib/envrepo/environment-metadata';
import { KubeObject } from '../../lib/envrepo/kube-object';
import { ENV_REPO_FORMAT_VERSION } from '../../lib/envrepo/paths';
import { DesiredObject } from '../../lib/reconciler/desired-state';

/** environment.json of a test environment living in one namespace, which is also its control namespace. */
export function environmentNamed(name: string, namespace: string = name): EnvironmentMetadata {
  return {
    schemaVersion: ENV_REPO_FORMAT_VERSION,
    name,
    cluster: 'stagecraft-dev',
    namespaces: [namespace],
    controlNamespace: namespace,
    labels: {},
    policy: { requireImageDigest: false, requireSignedCommits: false, allowedClusterScopedKinds: ['Namespace'] },
    applications: [],
    promotion: [],
  };
}

export function configMap(namespace: string, name: string, data: Record<string, string> = { KEY: 'value' }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, annotations: { 'stagecraft.dev/construct-path': `env/${name}/config/Resource` }, labels: { 'app.kubernetes.io/name': name } },
    data,
  };
}

export function deployment(namespace: string, name: string, replicas = 2, image = 'registry.example/web:1'): KubeObject {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations: { 'stagecraft.dev/construct-path': `env/${name}/deployment/Resource` }, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name,
            image,
            env: [{ name: 'LOG_LEVEL', value: 'info' }],
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            resources: { limits: { cpu: '1000m', memory: '1024Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          }],
        },
      },
    },
  };
}

export function service(namespace: string, name: string, port = 80): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations: { 'stagecraft.dev/construct-path': `env/${name}/service/Resource` }, labels: { 'app.kubernetes.io/name': name } },
    spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port, protocol: 'TCP', targetPort: 8080 }], type: 'ClusterIP' },
  };
}

/** The env-repo path of an object: `<env>/<app>/<kind>.<name>.yaml`. */
export function desiredAt(environment: string, application: string, object: KubeObject): DesiredObject {
  return { path: `${environment}/${application}/${object.kind.toLowerCase()}.${object.metadata.name}.yaml`, object };
}

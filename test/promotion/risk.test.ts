import { RiskClass } from '../../lib';
import { DeclaredObject } from '../../lib/promotion/declared-object';
import { classifyChanges, classifyObjectChange } from '../../lib/promotion/risk';

const IMAGE_A = `registry.example/web@sha256:${'a'.repeat(64)}`;
const IMAGE_B = `registry.example/web@sha256:${'b'.repeat(64)}`;

function metadata(name: string, namespace: string | undefined = 'prod') {
  return { name, ...(namespace === undefined ? {} : { namespace }), labels: { 'app.kubernetes.io/name': 'web' }, annotations: { 'stagecraft.dev/construct-path': `prod/web/${name}` } };
}

const deployment: DeclaredObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: metadata('web'),
  spec: {
    replicas: 2,
    selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    template: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { containers: [{ name: 'web', image: IMAGE_A, env: [{ name: 'MODE', value: 'a' }] }] } },
  },
};
const statefulSet: DeclaredObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: metadata('db'),
  spec: {
    serviceName: 'db',
    podManagementPolicy: 'OrderedReady',
    selector: { matchLabels: { app: 'db' } },
    template: { spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
  },
};
const service: DeclaredObject = { apiVersion: 'v1', kind: 'Service', metadata: metadata('web'), spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] } };
const configMap: DeclaredObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('web'), data: { LOG_LEVEL: 'info' } };
const pvc: DeclaredObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: metadata('data'), spec: { storageClassName: 'standard', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } };
const job: DeclaredObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: metadata('migrate'), spec: { template: { spec: { containers: [{ name: 'migrate', image: IMAGE_A }] } } } };
const cronJob: DeclaredObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: metadata('report'), spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'report', image: IMAGE_A }] } } } } } };
const namespace: DeclaredObject = { apiVersion: 'v1', kind: 'Namespace', metadata: metadata('shop', undefined) };
const crd: DeclaredObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: metadata('widgets.example.com', undefined), spec: { scope: 'Namespaced' } };

/** A deep copy of `object` changed by `edit`. */
function changed(object: DeclaredObject, edit: (copy: any) => void): DeclaredObject {
  const copy = JSON.parse(JSON.stringify(object));
  edit(copy);
  return copy;
}

describe('the risk class of one object change', () => {
  it.each<[string, DeclaredObject | undefined, DeclaredObject | undefined, RiskClass, string]>([
    ['an unchanged object is a no-op', deployment, deployment, RiskClass.NO_OP, 'unchanged'],
    ['ConfigMap data is config-only', configMap, changed(configMap, (c) => { c.data.LOG_LEVEL = 'debug'; }), RiskClass.CONFIG_ONLY, 'data.LOG_LEVEL changes; no pod restarts'],
    ['a label outside the pod template is config-only', deployment, changed(deployment, (d) => { d.metadata.labels.team = 'shop'; }), RiskClass.CONFIG_ONLY, 'metadata.labels.team changes; no pod restarts'],
    ['an annotation is config-only', service, changed(service, (s) => { s.metadata.annotations['example.com/note'] = 'x'; }), RiskClass.CONFIG_ONLY, 'metadata.annotations["example.com/note"] changes; no pod restarts'],
    ['replicas are config-only', deployment, changed(deployment, (d) => { d.spec.replicas = 4; }), RiskClass.CONFIG_ONLY, 'spec.replicas changes; no pod restarts'],
    ['Service ports are config-only', service, changed(service, (s) => { s.spec.ports[0].port = 8080; }), RiskClass.CONFIG_ONLY, 'spec.ports[0].port changes; no pod restarts'],
    ['a PVC growing is config-only', pvc, changed(pvc, (p) => { p.spec.resources.requests.storage = '20Gi'; }), RiskClass.CONFIG_ONLY, 'spec.resources.requests.storage changes; no pod restarts'],
    ['a new image restarts pods', deployment, changed(deployment, (d) => { d.spec.template.spec.containers[0].image = IMAGE_B; }), RiskClass.POD_RESTART,
      'pod template changes (spec.template.spec.containers[name=web].image): pods are replaced'],
    ['an env var in the pod template restarts pods', deployment, changed(deployment, (d) => { d.spec.template.spec.containers[0].env[0].value = 'b'; }), RiskClass.POD_RESTART,
      'pod template changes (spec.template.spec.containers[name=web].env[name=MODE].value): pods are replaced'],
    ['a label in the pod template restarts pods', deployment, changed(deployment, (d) => { d.spec.template.metadata.labels.team = 'shop'; }), RiskClass.POD_RESTART,
      'pod template changes (spec.template.metadata.labels.team): pods are replaced'],
    ['a CronJob image starts new pods on the next runs', cronJob, changed(cronJob, (c) => { c.spec.jobTemplate.spec.template.spec.containers[0].image = IMAGE_B; }), RiskClass.POD_RESTART,
      'pod template changes (spec.jobTemplate.spec.template.spec.containers[name=report].image): the next runs start new pods'],
    ['a Service clusterIP change recreates', service, changed(service, (s) => { s.spec.clusterIP = 'None'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.clusterIP cannot change in place: the object must be deleted and recreated'],
    ['a Service type change to ExternalName recreates', service, changed(service, (s) => { s.spec.type = 'ExternalName'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.type cannot change in place: the object must be deleted and recreated'],
    ['a Service type change to NodePort is config-only', service, changed(service, (s) => { s.spec.type = 'NodePort'; }), RiskClass.CONFIG_ONLY, 'spec.type changes; no pod restarts'],
    ['a Deployment selector change recreates', deployment, changed(deployment, (d) => { d.spec.selector.matchLabels.tier = 'front'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.selector.matchLabels.tier cannot change in place: the object must be deleted and recreated'],
    ['a Job template change recreates', job, changed(job, (j) => { j.spec.template.spec.containers[0].image = IMAGE_B; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.template.spec.containers[name=migrate].image cannot change in place: the object must be deleted and recreated'],
    ['a PVC storage class change recreates', pvc, changed(pvc, (p) => { p.spec.storageClassName = 'fast'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.storageClassName cannot change in place: the object must be deleted and recreated'],
    ['PVC access modes recreate', pvc, changed(pvc, (p) => { p.spec.accessModes = ['ReadWriteMany']; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.accessModes cannot change in place: the object must be deleted and recreated'],
    ['StatefulSet volume claim templates recreate', statefulSet, changed(statefulSet, (s) => { s.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '20Gi'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.volumeClaimTemplates[0].spec.resources.requests.storage cannot change in place: the object must be deleted and recreated'],
    ['a StatefulSet serviceName change recreates', statefulSet, changed(statefulSet, (s) => { s.spec.serviceName = 'db-headless'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.serviceName cannot change in place: the object must be deleted and recreated'],
    ['a StatefulSet podManagementPolicy change recreates', statefulSet, changed(statefulSet, (s) => { s.spec.podManagementPolicy = 'Parallel'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'spec.podManagementPolicy cannot change in place: the object must be deleted and recreated'],
    ['data of an immutable ConfigMap recreates', changed(configMap, (c) => { c.immutable = true; }), changed(configMap, (c) => { c.immutable = true; c.data.LOG_LEVEL = 'debug'; }), RiskClass.IMMUTABLE_FIELD_RECREATE,
      'data.LOG_LEVEL cannot change in place: the object must be deleted and recreated'],
    ['deleting a PVC deletes data', pvc, undefined, RiskClass.DATA_DELETION, 'deleted: the volume and its data may be deleted with it'],
    ['deleting a Namespace deletes data', namespace, undefined, RiskClass.DATA_DELETION, 'deleted: every object in the namespace is deleted with it'],
    ['deleting a CRD deletes data', crd, undefined, RiskClass.DATA_DELETION, 'deleted: every custom resource of the kind is deleted with it'],
    ['deleting a Deployment stops pods', deployment, undefined, RiskClass.POD_RESTART, 'deleted: its pods stop'],
    ['deleting a ConfigMap is config-only', configMap, undefined, RiskClass.CONFIG_ONLY, 'deleted'],
    ['creating a Deployment starts pods', undefined, deployment, RiskClass.POD_RESTART, 'created: starts pods'],
    ['creating a Service is config-only', undefined, service, RiskClass.CONFIG_ONLY, 'created'],
  ])('%s', (_name, before, after, riskClass, reason) => {
    // GIVEN an object before and after WHEN classified THEN
    const risk = classifyObjectChange(before, after);
    expect({ riskClass: risk.riskClass, reason: risk.reason }).toEqual({ riskClass, reason });
  });

  it('names up to three fields and counts the rest', () => {
    // GIVEN four changed fields outside the pod template
    const after = changed(configMap, (c) => { c.data = { A: '1', B: '2', C: '3', D: '4' }; });
    // WHEN / THEN
    expect(classifyObjectChange(configMap, after).reason).toBe('data.A, data.B, data.C and 2 more changes; no pod restarts');
  });
});

describe('the risk class of an application', () => {
  it('is the highest class of its objects and lists only objects that change', () => {
    // GIVEN a new image, a config change, an unchanged Service and a deleted PVC
    const before = [deployment, configMap, service, pvc];
    const after = [changed(deployment, (d) => { d.spec.template.spec.containers[0].image = IMAGE_B; }), changed(configMap, (c) => { c.data.LOG_LEVEL = 'debug'; }), service];
    // WHEN
    const risk = classifyChanges(before, after);
    // THEN
    expect(risk).toEqual({
      riskClass: RiskClass.DATA_DELETION,
      objects: [
        { object: 'ConfigMap/prod/web', riskClass: RiskClass.CONFIG_ONLY, reason: 'data.LOG_LEVEL changes; no pod restarts' },
        { object: 'Deployment/prod/web', riskClass: RiskClass.POD_RESTART, reason: 'pod template changes (spec.template.spec.containers[name=web].image): pods are replaced' },
        { object: 'PersistentVolumeClaim/prod/data', riskClass: RiskClass.DATA_DELETION, reason: 'deleted: the volume and its data may be deleted with it' },
      ],
    });
  });

  it('is no-op when nothing changes', () => {
    expect(classifyChanges([deployment, service], [service, deployment])).toEqual({ riskClass: RiskClass.NO_OP, objects: [] });
  });

  it('matches objects across apiVersions of one kind', () => {
    // GIVEN the same Deployment under an older apiVersion
    const before = [{ ...deployment, apiVersion: 'apps/v1beta2' }];
    // WHEN / THEN it is one object that changed its apiVersion, not a delete and a create
    expect(classifyChanges(before, [deployment]).objects).toEqual([
      { object: 'Deployment/prod/web', riskClass: RiskClass.CONFIG_ONLY, reason: 'apiVersion changes; no pod restarts' },
    ]);
  });
});

import { KubeObject } from '../../lib/envrepo/kube-object';
import { assessHealth, HealthAssessment } from '../../lib/reconciler/health';

/** One row of a rule table: a sentence naming the case, the live object and the exact verdict. */
interface HealthCase {
  readonly name: string;
  readonly object: KubeObject | undefined;
  readonly expected: HealthAssessment;
}

interface ObjectFields {
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

/** A live object named `prod/web` at generation 1, with only the spec and status a case gives. */
function live(apiVersion: string, kind: string, fields: ObjectFields = {}): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: 'web', namespace: 'prod', generation: 1, ...fields.metadata },
    ...(fields.spec === undefined ? {} : { spec: fields.spec }),
    ...(fields.status === undefined ? {} : { status: fields.status }),
  };
}

/** Status as a workload controller writes it once it has seen generation 1. */
function observed(status: Readonly<Record<string, unknown>> = {}): Readonly<Record<string, unknown>> {
  return { observedGeneration: 1, ...status };
}

function condition(type: string, status: string, reason?: string, message?: string): Readonly<Record<string, unknown>> {
  return { type, status, ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) };
}

const deployment = (fields: ObjectFields = {}) => live('apps/v1', 'Deployment', fields);
const statefulSet = (fields: ObjectFields = {}) => live('apps/v1', 'StatefulSet', fields);
const daemonSet = (fields: ObjectFields = {}) => live('apps/v1', 'DaemonSet', fields);
const replicaSet = (fields: ObjectFields = {}) => live('apps/v1', 'ReplicaSet', fields);
const job = (fields: ObjectFields = {}) => live('batch/v1', 'Job', fields);
const pod = (fields: ObjectFields = {}) => live('v1', 'Pod', fields);
const service = (fields: ObjectFields = {}) => live('v1', 'Service', fields);
const claim = (fields: ObjectFields = {}) => live('v1', 'PersistentVolumeClaim', fields);
const definition = (fields: ObjectFields = {}) => live('apiextensions.k8s.io/v1', 'CustomResourceDefinition', fields);
const namespace = (fields: ObjectFields = {}) => live('v1', 'Namespace', fields);
const widget = (fields: ObjectFields = {}) => live('example.com/v1', 'Widget', fields);

const current = (message: string): HealthAssessment => ({ status: 'Current', message });
const inProgress = (message: string): HealthAssessment => ({ status: 'InProgress', message });
const failed = (message: string): HealthAssessment => ({ status: 'Failed', message });

function runTable(cases: readonly HealthCase[]): void {
  it.each(cases)('$name', ({ object, expected }) => {
    // GIVEN the live object of the case
    // WHEN its health is assessed
    const assessment = assessHealth(object);
    // THEN the verdict is exactly the expected one
    expect(assessment).toEqual(expected);
  });
}

describe('rules every kind shares', () => {
  runTable([
    {
      name: 'reports an object that does not exist as NotFound',
      object: undefined,
      expected: { status: 'NotFound', message: 'not found' },
    },
    {
      name: 'reports an object with a deletion timestamp as Terminating whatever its status says',
      object: deployment({
        metadata: { deletionTimestamp: '2025-03-01T12:00:00Z' },
        spec: { replicas: 1 },
        status: observed({ replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 }),
      }),
      expected: { status: 'Terminating', message: 'being deleted' },
    },
    {
      name: 'names the finalizers that hold up a deletion',
      object: claim({ metadata: { deletionTimestamp: '2025-03-01T12:00:00Z', finalizers: ['kubernetes.io/pvc-protection'] } }),
      expected: { status: 'Terminating', message: 'being deleted, waiting for finalizers kubernetes.io/pvc-protection' },
    },
    {
      name: 'waits while the controller has not observed the latest generation, even when the counts look done',
      object: deployment({
        metadata: { generation: 3 },
        spec: { replicas: 3 },
        status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 },
      }),
      expected: inProgress('generation 3 not yet observed (observed 2)'),
    },
    {
      name: 'fails an object whose controller reports Stalled, with the condition message',
      object: widget({ status: { conditions: [condition('Stalled', 'True', 'InstallFailed', 'chart web-1.2.0 failed to install')] } }),
      expected: failed('chart web-1.2.0 failed to install'),
    },
    {
      name: 'fails an object reporting Stalled without a message, with the condition reason',
      object: widget({ status: { conditions: [condition('Stalled', 'True', 'InstallFailed')] } }),
      expected: failed('InstallFailed'),
    },
    {
      name: 'fails a Deployment reporting Stalled before looking at its replica counts',
      object: deployment({
        spec: { replicas: 1 },
        status: observed({
          replicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
          readyReplicas: 1,
          conditions: [condition('Stalled', 'True', 'QuotaExceeded', 'quota exceeded in namespace prod')],
        }),
      }),
      expected: failed('quota exceeded in namespace prod'),
    },
    {
      name: 'waits for an object whose controller reports Reconciling, with the condition message',
      object: widget({ status: { conditions: [condition('Ready', 'True'), condition('Reconciling', 'True', 'Progressing', 'upgrading to 1.2.0')] } }),
      expected: inProgress('upgrading to 1.2.0'),
    },
  ]);
});

describe('Deployment', () => {
  runTable([
    {
      name: 'waits for the controller to observe a Deployment that has no status yet',
      object: deployment({ spec: { replicas: 3 } }),
      expected: inProgress('waiting for the controller to observe generation 1'),
    },
    {
      name: 'waits for the controller to observe a Deployment whose status the API server left empty',
      object: deployment({ metadata: { generation: 2 }, spec: { replicas: 3 }, status: {} }),
      expected: inProgress('waiting for the controller to observe generation 2'),
    },
    {
      name: 'fails a Deployment whose progress deadline was exceeded',
      object: deployment({
        spec: { replicas: 3 },
        status: observed({
          replicas: 3,
          updatedReplicas: 3,
          availableReplicas: 1,
          readyReplicas: 1,
          conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-5d4f" has timed out progressing.')],
        }),
      }),
      expected: failed('progress deadline exceeded with 1/3 replicas available'),
    },
    {
      name: 'waits while fewer replicas than desired run the new template',
      object: deployment({ spec: { replicas: 3 }, status: observed({ replicas: 3, updatedReplicas: 1, availableReplicas: 3, readyReplicas: 3 }) }),
      expected: inProgress('1/3 replicas updated'),
    },
    {
      name: 'waits while old replicas are still terminating',
      object: deployment({ spec: { replicas: 3 }, status: observed({ replicas: 5, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 }) }),
      expected: inProgress('2 old replicas pending termination'),
    },
    {
      name: 'counts a single old replica in the singular',
      object: deployment({ spec: { replicas: 3 }, status: observed({ replicas: 4, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 }) }),
      expected: inProgress('1 old replica pending termination'),
    },
    {
      name: 'waits while a scale-down removes extra replicas',
      object: deployment({ spec: { replicas: 1 }, status: observed({ replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 }) }),
      expected: inProgress('2 extra replicas pending termination'),
    },
    {
      name: 'waits while updated replicas are not yet available',
      object: deployment({ spec: { replicas: 3 }, status: observed({ replicas: 3, updatedReplicas: 3, availableReplicas: 1, readyReplicas: 3 }) }),
      expected: inProgress('1/3 replicas available'),
    },
    {
      name: 'waits while updated replicas are not yet ready',
      object: deployment({ spec: { replicas: 3 }, status: observed({ replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 2 }) }),
      expected: inProgress('2/3 replicas ready'),
    },
    {
      name: 'reports a Deployment with every replica updated, available and ready as Current',
      object: deployment({
        spec: { replicas: 3 },
        status: observed({
          replicas: 3,
          updatedReplicas: 3,
          availableReplicas: 3,
          readyReplicas: 3,
          conditions: [condition('Available', 'True', 'MinimumReplicasAvailable'), condition('Progressing', 'True', 'NewReplicaSetAvailable')],
        }),
      }),
      expected: current('3/3 replicas ready'),
    },
    {
      name: 'takes 1 replica when spec.replicas is absent, as the controller does',
      object: deployment({ spec: {}, status: observed({ replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 }) }),
      expected: current('1/1 replicas ready'),
    },
    {
      name: 'reports a Deployment scaled to zero as Current once its pods are gone',
      object: deployment({ spec: { replicas: 0 }, status: observed() }),
      expected: current('0/0 replicas ready'),
    },
    {
      name: 'reads a count of the wrong type as absent instead of throwing',
      object: deployment({ spec: { replicas: 3 }, status: observed({ replicas: 3, updatedReplicas: '3', availableReplicas: 3, readyReplicas: 3 }) }),
      expected: inProgress('0/3 replicas updated'),
    },
    {
      name: 'judges a custom kind that shares the name Deployment by its conditions, not by the apps rule',
      object: live('example.com/v1', 'Deployment', { spec: { replicas: 3 } }),
      expected: current('no ready condition to wait for'),
    },
  ]);
});

describe('StatefulSet', () => {
  runTable([
    {
      name: 'waits for the controller to observe a StatefulSet',
      object: statefulSet({ spec: { replicas: 3 }, status: { replicas: 0 } }),
      expected: inProgress('waiting for the controller to observe generation 1'),
    },
    {
      name: 'waits while pods are still being created',
      object: statefulSet({ spec: { replicas: 3 }, status: observed({ replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1 }) }),
      expected: inProgress('1/3 replicas created'),
    },
    {
      name: 'waits while created pods are not ready',
      object: statefulSet({ spec: { replicas: 3 }, status: observed({ replicas: 3, readyReplicas: 2, currentReplicas: 3, updatedReplicas: 3 }) }),
      expected: inProgress('2/3 replicas ready'),
    },
    {
      name: 'waits while a scale-down removes an extra pod',
      object: statefulSet({ spec: { replicas: 2 }, status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 }) }),
      expected: inProgress('1 extra replica pending termination'),
    },
    {
      name: 'waits while a rolling update has replaced only some pods',
      object: statefulSet({
        spec: { replicas: 3 },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'web-5d4', updateRevision: 'web-7c9' }),
      }),
      expected: inProgress('1/3 replicas updated'),
    },
    {
      name: 'waits until the update revision has become the current revision',
      object: statefulSet({
        spec: { replicas: 3 },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 0, updatedReplicas: 3, currentRevision: 'web-5d4', updateRevision: 'web-7c9' }),
      }),
      expected: inProgress('revision web-7c9 not yet current (current web-5d4)'),
    },
    {
      name: 'waits while fewer pods than desired run the current revision',
      object: statefulSet({
        spec: { replicas: 3 },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 3, currentRevision: 'web-7c9', updateRevision: 'web-7c9' }),
      }),
      expected: inProgress('2/3 replicas current'),
    },
    {
      name: 'reports a StatefulSet with every pod ready on one revision as Current',
      object: statefulSet({
        spec: { replicas: 3 },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'web-7c9', updateRevision: 'web-7c9' }),
      }),
      expected: current('3/3 replicas ready'),
    },
    {
      name: 'waits for the pods above a partition to be updated',
      object: statefulSet({
        spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 0, currentRevision: 'web-5d4', updateRevision: 'web-7c9' }),
      }),
      expected: inProgress('0/1 replicas updated above partition 2'),
    },
    {
      name: 'reports a partitioned rollout as Current once the pods above the partition are updated',
      object: statefulSet({
        spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'web-5d4', updateRevision: 'web-7c9' }),
      }),
      expected: current('3/3 replicas ready, 1 updated above partition 2'),
    },
    {
      name: 'does not wait for revisions under the OnDelete update strategy, which only replaces pods someone deletes',
      object: statefulSet({
        spec: { replicas: 3, updateStrategy: { type: 'OnDelete' } },
        status: observed({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 0, currentRevision: 'web-5d4', updateRevision: 'web-7c9' }),
      }),
      expected: current('3/3 replicas ready, update strategy OnDelete'),
    },
  ]);
});

describe('DaemonSet', () => {
  runTable([
    {
      name: 'waits for the controller to observe a DaemonSet',
      object: daemonSet({ status: { desiredNumberScheduled: 0 } }),
      expected: inProgress('waiting for the controller to observe generation 1'),
    },
    {
      name: 'waits while the controller has not computed how many pods it wants',
      object: daemonSet({ status: observed() }),
      expected: inProgress('desired number of pods not computed yet'),
    },
    {
      name: 'waits while pods are missing on some nodes',
      object: daemonSet({
        status: observed({ desiredNumberScheduled: 3, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2 }),
      }),
      expected: inProgress('2/3 pods scheduled'),
    },
    {
      name: 'waits while some nodes still run the old template',
      object: daemonSet({
        status: observed({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3, numberReady: 3 }),
      }),
      expected: inProgress('1/3 pods updated'),
    },
    {
      name: 'does not wait for updated pods under the OnDelete update strategy',
      object: daemonSet({
        spec: { updateStrategy: { type: 'OnDelete' } },
        status: observed({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3, numberReady: 3 }),
      }),
      expected: current('3/3 pods ready'),
    },
    {
      name: 'waits while updated pods are not yet available',
      object: daemonSet({
        status: observed({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberReady: 3 }),
      }),
      expected: inProgress('2/3 pods available'),
    },
    {
      name: 'waits while pods are not ready',
      object: daemonSet({
        status: observed({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 1 }),
      }),
      expected: inProgress('1/3 pods ready'),
    },
    {
      name: 'reports a DaemonSet with a ready pod on every node as Current',
      object: daemonSet({
        status: observed({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 }),
      }),
      expected: current('3/3 pods ready'),
    },
    {
      name: 'reports a DaemonSet that no node matches as Current',
      object: daemonSet({ status: observed({ desiredNumberScheduled: 0 }) }),
      expected: current('0/0 pods ready'),
    },
  ]);
});

describe('ReplicaSet', () => {
  runTable([
    {
      name: 'waits on a ReplicaSet whose pods were refused, with the condition message',
      object: replicaSet({
        spec: { replicas: 2 },
        status: observed({ replicas: 0, conditions: [condition('ReplicaFailure', 'True', 'FailedCreate', 'pods "web-x" is forbidden: exceeded quota')] }),
      }),
      expected: inProgress('pods "web-x" is forbidden: exceeded quota'),
    },
    {
      name: 'reports a ReplicaSet with every replica available and ready as Current',
      object: replicaSet({ spec: { replicas: 2 }, status: observed({ replicas: 2, availableReplicas: 2, readyReplicas: 2 }) }),
      expected: current('2/2 replicas ready'),
    },
  ]);
});

describe('Job', () => {
  runTable([
    {
      name: 'waits for a Job the controller has not started',
      object: job({ spec: { completions: 1 } }),
      expected: inProgress('not started'),
    },
    {
      name: 'waits for a running Job instead of counting it as done',
      object: job({ spec: { completions: 1 }, status: { startTime: '2025-03-01T12:00:00Z', active: 1 } }),
      expected: inProgress('running: 1 active, 0/1 succeeded'),
    },
    {
      name: 'counts failed pods of a Job that is still retrying',
      object: job({ spec: { completions: 3 }, status: { startTime: '2025-03-01T12:00:00Z', active: 1, succeeded: 1, failed: 2 } }),
      expected: inProgress('running: 1 active, 1/3 succeeded, 2 failed'),
    },
    {
      name: 'leaves out the completions of a Job that has none set',
      object: job({ spec: { parallelism: 2 }, status: { startTime: '2025-03-01T12:00:00Z', active: 2 } }),
      expected: inProgress('running: 2 active, 0 succeeded'),
    },
    {
      name: 'reports a complete Job as Current',
      object: job({ spec: { completions: 1 }, status: { startTime: '2025-03-01T12:00:00Z', succeeded: 1, conditions: [condition('Complete', 'True')] } }),
      expected: current('complete: 1 succeeded'),
    },
    {
      name: 'reports a Job whose success criteria are met as Current before its last pods stop',
      object: job({
        spec: { completions: 3 },
        status: { startTime: '2025-03-01T12:00:00Z', active: 1, succeeded: 2, conditions: [condition('SuccessCriteriaMet', 'True', 'SuccessPolicy')] },
      }),
      expected: current('complete: 2 succeeded'),
    },
    {
      name: 'fails a Job with the Failed condition, naming the reason',
      object: job({
        spec: { completions: 1 },
        status: {
          startTime: '2025-03-01T12:00:00Z',
          failed: 7,
          conditions: [condition('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')],
        },
      }),
      expected: failed('failed: BackoffLimitExceeded'),
    },
    {
      name: 'fails a Job with the FailureTarget condition before its last pods stop',
      object: job({
        spec: { completions: 1 },
        status: { startTime: '2025-03-01T12:00:00Z', active: 1, conditions: [condition('FailureTarget', 'True', 'DeadlineExceeded')] },
      }),
      expected: failed('failed: DeadlineExceeded'),
    },
    {
      name: 'reports a Job suspended on purpose as Current',
      object: job({ spec: { completions: 1, suspend: true }, status: { conditions: [condition('Suspended', 'True', 'JobSuspended')] } }),
      expected: current('suspended'),
    },
  ]);
});

describe('Pod', () => {
  runTable([
    {
      name: 'reports a Pod that ran to success as Current',
      object: pod({ status: { phase: 'Succeeded' } }),
      expected: current('succeeded'),
    },
    {
      name: 'fails a Pod in phase Failed, naming the reason',
      object: pod({ status: { phase: 'Failed', reason: 'Evicted' } }),
      expected: failed('phase Failed: Evicted'),
    },
    {
      name: 'fails a Pod in phase Failed without a reason',
      object: pod({ status: { phase: 'Failed' } }),
      expected: failed('phase Failed'),
    },
    {
      name: 'fails a Pod whose container is crash looping',
      object: pod({
        status: {
          phase: 'Running',
          conditions: [condition('Ready', 'False', 'ContainersNotReady')],
          containerStatuses: [{ name: 'web', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } } }],
        },
      }),
      expected: failed('container web: CrashLoopBackOff'),
    },
    {
      name: 'fails a Pending Pod whose image cannot be pulled',
      object: pod({ status: { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ImagePullBackOff' } } }] } }),
      expected: failed('container web: ImagePullBackOff'),
    },
    {
      name: 'fails a Pod on the first image pull error',
      object: pod({ status: { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ErrImagePull' } } }] } }),
      expected: failed('container web: ErrImagePull'),
    },
    {
      name: 'fails a Pod whose container refers to a missing ConfigMap or Secret',
      object: pod({ status: { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'CreateContainerConfigError' } } }] } }),
      expected: failed('container web: CreateContainerConfigError'),
    },
    {
      name: 'fails a Pod whose init container is crash looping',
      object: pod({
        status: {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'migrate', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
          containerStatuses: [{ name: 'web', state: { waiting: { reason: 'PodInitializing' } } }],
        },
      }),
      expected: failed('init container migrate: CrashLoopBackOff'),
    },
    {
      name: 'fails a Pod naming every stuck container in status order',
      object: pod({
        status: {
          phase: 'Running',
          containerStatuses: [
            { name: 'web', state: { waiting: { reason: 'CrashLoopBackOff' } } },
            { name: 'logs', state: { running: { startedAt: '2025-03-01T12:00:00Z' } } },
            { name: 'proxy', state: { waiting: { reason: 'ImagePullBackOff' } } },
          ],
        },
      }),
      expected: failed('container web: CrashLoopBackOff, container proxy: ImagePullBackOff'),
    },
    {
      name: 'reports a running Pod with the Ready condition as Current',
      object: pod({ status: { phase: 'Running', conditions: [condition('Ready', 'True')] } }),
      expected: current('ready'),
    },
    {
      name: 'waits for a running Pod that is not ready yet',
      object: pod({ status: { phase: 'Running', conditions: [condition('Ready', 'False', 'ContainersNotReady')] } }),
      expected: inProgress('running, not ready'),
    },
    {
      name: 'waits for a Pending Pod whose containers are being created',
      object: pod({ status: { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ContainerCreating' } } }] } }),
      expected: inProgress('phase Pending'),
    },
    {
      name: 'waits for an unschedulable Pod, since nodes may be added, with the scheduler message',
      object: pod({
        status: { phase: 'Pending', conditions: [condition('PodScheduled', 'False', 'Unschedulable', '0/3 nodes are available: 3 Insufficient cpu.')] },
      }),
      expected: inProgress('unschedulable: 0/3 nodes are available: 3 Insufficient cpu.'),
    },
    {
      name: 'waits for a Pod whose phase the kubelet has not reported',
      object: pod(),
      expected: inProgress('phase not reported yet'),
    },
    {
      name: 'reports a Pod in phase Unknown as Unknown',
      object: pod({ status: { phase: 'Unknown' } }),
      expected: { status: 'Unknown', message: 'phase Unknown' },
    },
  ]);
});

describe('Service', () => {
  runTable([
    {
      name: 'reports a ClusterIP Service with its address as Current',
      object: service({ spec: { type: 'ClusterIP', clusterIP: '10.96.0.12' } }),
      expected: current('cluster ip 10.96.0.12'),
    },
    {
      name: 'takes ClusterIP as the type when none is given',
      object: service({ spec: { clusterIP: '10.96.0.13' } }),
      expected: current('cluster ip 10.96.0.13'),
    },
    {
      name: 'reports a NodePort Service as Current',
      object: service({ spec: { type: 'NodePort', clusterIP: '10.96.0.14' } }),
      expected: current('cluster ip 10.96.0.14'),
    },
    {
      name: 'reports a headless Service as Current',
      object: service({ spec: { clusterIP: 'None' } }),
      expected: current('headless'),
    },
    {
      name: 'reports an ExternalName Service as Current',
      object: service({ spec: { type: 'ExternalName', externalName: 'db.example.com' } }),
      expected: current('external name db.example.com'),
    },
    {
      name: 'waits for a Service the API server has not given a cluster ip',
      object: service({ spec: { type: 'ClusterIP' } }),
      expected: inProgress('cluster ip not assigned yet'),
    },
    {
      name: 'waits for a LoadBalancer Service without an ingress address',
      object: service({ spec: { type: 'LoadBalancer', clusterIP: '10.96.0.15' }, status: { loadBalancer: {} } }),
      expected: inProgress('waiting for a load balancer address'),
    },
    {
      name: 'reports a LoadBalancer Service with an ingress ip as Current',
      object: service({ spec: { type: 'LoadBalancer', clusterIP: '10.96.0.15' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } }),
      expected: current('load balancer 203.0.113.10'),
    },
    {
      name: 'reports a LoadBalancer Service with an ingress hostname as Current',
      object: service({
        spec: { type: 'LoadBalancer', clusterIP: '10.96.0.15' },
        status: { loadBalancer: { ingress: [{ hostname: 'web-123.elb.example.com' }] } },
      }),
      expected: current('load balancer web-123.elb.example.com'),
    },
  ]);
});

describe('PersistentVolumeClaim', () => {
  runTable([
    {
      name: 'reports a bound claim as Current',
      object: claim({ spec: { volumeName: 'pvc-0a1b' }, status: { phase: 'Bound' } }),
      expected: current('phase Bound'),
    },
    {
      name: 'waits for a pending claim',
      object: claim({ status: { phase: 'Pending' } }),
      expected: inProgress('phase Pending'),
    },
    {
      name: 'waits for a claim without a phase',
      object: claim(),
      expected: inProgress('phase not reported yet'),
    },
  ]);
});

describe('CustomResourceDefinition', () => {
  runTable([
    {
      name: 'reports an established definition as Current',
      object: definition({ status: { conditions: [condition('NamesAccepted', 'True', 'NoConflicts'), condition('Established', 'True', 'InitialNamesAccepted')] } }),
      expected: current('established'),
    },
    {
      name: 'fails a definition whose names clash with another, with the condition message',
      object: definition({
        status: {
          conditions: [
            condition('NamesAccepted', 'False', 'MultipleNameConflicts', '"widgets" is already in use'),
            condition('Established', 'False', 'NotAccepted', 'not all names are accepted'),
          ],
        },
      }),
      expected: failed('names not accepted: "widgets" is already in use'),
    },
    {
      name: 'waits for a definition that is still installing',
      object: definition({ status: { conditions: [condition('NamesAccepted', 'True', 'NoConflicts'), condition('Established', 'False', 'Installing')] } }),
      expected: inProgress('not established yet'),
    },
    {
      name: 'fails a definition that is not established for another reason',
      object: definition({ status: { conditions: [condition('Established', 'False', 'NotAccepted', 'not all names are accepted')] } }),
      expected: failed('not established: not all names are accepted'),
    },
    {
      name: 'waits for a definition without conditions',
      object: definition(),
      expected: inProgress('not established yet'),
    },
  ]);
});

describe('Namespace', () => {
  runTable([
    {
      name: 'reports an active Namespace as Current',
      object: namespace({ status: { phase: 'Active' } }),
      expected: current('phase Active'),
    },
    {
      name: 'reports a Namespace in phase Terminating as Terminating',
      object: namespace({ status: { phase: 'Terminating' } }),
      expected: { status: 'Terminating', message: 'phase Terminating' },
    },
    {
      name: 'waits for a Namespace without a phase',
      object: namespace(),
      expected: inProgress('phase not reported yet'),
    },
  ]);
});

describe('kinds without status', () => {
  runTable([
    { name: 'reports a ConfigMap as Current', object: live('v1', 'ConfigMap', {}), expected: current('exists') },
    { name: 'reports a Secret as Current', object: live('v1', 'Secret', {}), expected: current('exists') },
    { name: 'reports a ServiceAccount as Current', object: live('v1', 'ServiceAccount', {}), expected: current('exists') },
    { name: 'reports a Role as Current', object: live('rbac.authorization.k8s.io/v1', 'Role', {}), expected: current('exists') },
    { name: 'reports a ClusterRoleBinding as Current', object: live('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', {}), expected: current('exists') },
    { name: 'reports a NetworkPolicy as Current', object: live('networking.k8s.io/v1', 'NetworkPolicy', {}), expected: current('exists') },
  ]);
});

describe('kinds without a rule of their own', () => {
  runTable([
    {
      name: 'reports an object with Ready=True as Current',
      object: widget({ status: { conditions: [condition('Ready', 'True', 'Succeeded')] } }),
      expected: current('ready'),
    },
    {
      name: 'waits for an object with Ready=False, with the condition message',
      object: widget({ status: { conditions: [condition('Ready', 'False', 'CertificateNotIssued', 'waiting for the certificate')] } }),
      expected: inProgress('waiting for the certificate'),
    },
    {
      name: 'waits for an object with Ready=False and no message, with the condition reason',
      object: widget({ status: { conditions: [condition('Ready', 'False', 'DependencyNotReady')] } }),
      expected: inProgress('DependencyNotReady'),
    },
    {
      name: 'waits for an object with Ready=Unknown',
      object: widget({ status: { conditions: [condition('Ready', 'Unknown')] } }),
      expected: inProgress('ready condition Unknown'),
    },
    {
      name: 'reports an object without conditions as Current, since it reports nothing to wait for',
      object: widget({ spec: { size: 3 } }),
      expected: current('no ready condition to wait for'),
    },
    {
      name: 'reports an object whose conditions include no Ready condition as Current',
      object: live('autoscaling/v2', 'HorizontalPodAutoscaler', { status: { conditions: [condition('AbleToScale', 'True', 'ReadyForNewScale')] } }),
      expected: current('no ready condition to wait for'),
    },
    {
      name: 'waits for a custom object whose observed generation lags behind',
      object: widget({ metadata: { generation: 5 }, status: { observedGeneration: 4, conditions: [condition('Ready', 'True')] } }),
      expected: inProgress('generation 5 not yet observed (observed 4)'),
    },
  ]);
});

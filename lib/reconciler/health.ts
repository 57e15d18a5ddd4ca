import { KubeObject } from '../envrepo/kube-object';
import { booleanAt, Condition, conditionOf, fieldAt, integerAt, recordsAt, stringAt } from './private/object-fields';
import { apiGroupOf } from '../envrepo/object-identity';

/**
 * Health in kstatus terms: `Current` (the cluster has caught up with the object and it works), `InProgress`
 * (it is getting there), `Failed` (it will not get there without a change), `Terminating` (it is being
 * deleted), `NotFound` (it does not exist) and `Unknown` (its state cannot be told).
 */
export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface HealthAssessment {
  readonly status: HealthStatus;
  /** Short, lowercase, no trailing period, e.g. `1/3 replicas updated`. */
  readonly message: string;
}

/**
 * How healthy a live object is. Pure: reads only the object, never a clock, so the same object always gets
 * the same verdict. Rules that hold for every kind (deletion, observed generation, the Stalled and
 * Reconciling conditions) come first; then the rule of the object's kind; then the Ready condition.
 */
export function assessHealth(object: KubeObject | undefined): HealthAssessment {
  if (object === undefined) {
    return { status: 'NotFound', message: 'not found' };
  }
  const assess = RULES_BY_KIND.get(groupKindOf(object)) ?? assessByReadyCondition;
  return assessGeneric(object) ?? assess(object);
}

type HealthRule = (object: KubeObject) => HealthAssessment;

/** One rule per kind, keyed `group/Kind` (`Kind` for the core group) so that a custom kind sharing a built-in name is not mistaken for it. */
const KIND_RULES: ReadonlyArray<{ readonly kind: string; readonly assess: HealthRule }> = [
  { kind: 'apps/Deployment', assess: assessDeployment },
  { kind: 'apps/StatefulSet', assess: assessStatefulSet },
  { kind: 'apps/DaemonSet', assess: assessDaemonSet },
  { kind: 'apps/ReplicaSet', assess: assessReplicaSet },
  { kind: 'batch/Job', assess: assessJob },
  { kind: 'Pod', assess: assessPod },
  { kind: 'Service', assess: assessService },
  { kind: 'PersistentVolumeClaim', assess: assessPersistentVolumeClaim },
  { kind: 'apiextensions.k8s.io/CustomResourceDefinition', assess: assessCustomResourceDefinition },
  { kind: 'Namespace', assess: assessNamespace },
  // Kinds without a controller reporting progress: existing is all they can do.
  ...[
    'ConfigMap', 'Secret', 'ServiceAccount', 'Endpoints', 'LimitRange', 'ResourceQuota',
    'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding',
    'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
    'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/IngressClass', 'policy/PodDisruptionBudget', 'batch/CronJob',
    'scheduling.k8s.io/PriorityClass', 'storage.k8s.io/StorageClass',
  ].map((kind) => ({ kind, assess: assessExisting })),
];

const RULES_BY_KIND: ReadonlyMap<string, HealthRule> = new Map(KIND_RULES.map((rule) => [rule.kind, rule.assess]));

/**
 * Container waiting reasons that seldom clear up by waiting: the image, the command or the config needs a change.
 * ErrImagePull can also be a passing registry hiccup; it counts anyway so that a wrong image fails fast.
 */
const FAILING_WAITING_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError',
]);

function groupKindOf(object: KubeObject): string {
  const group = apiGroupOf(object.apiVersion);
  return group === '' ? object.kind : `${group}/${object.kind}`;
}

/** The verdicts every kind shares; undefined when they leave the decision to the kind's rule. */
function assessGeneric(object: KubeObject): HealthAssessment | undefined {
  const deletionTimestamp = object.metadata.deletionTimestamp;
  if (typeof deletionTimestamp === 'string' && deletionTimestamp !== '') {
    const finalizers = fieldAt(object, ['metadata', 'finalizers']);
    const names = Array.isArray(finalizers) ? finalizers.filter((name): name is string => typeof name === 'string') : [];
    // Finalizers are what keeps an object from going away, so they are what a stuck deletion needs looked at.
    return terminating(names.length > 0 ? `being deleted, waiting for finalizers ${names.join(', ')}` : 'being deleted');
  }
  const generation = integerAt(object, ['metadata', 'generation']);
  const observedGeneration = integerAt(object, ['status', 'observedGeneration']);
  if (generation !== undefined && observedGeneration !== undefined && observedGeneration < generation) {
    // Everything else in status describes an older spec, so it cannot tell how the current one is doing.
    return inProgress(`generation ${generation} not yet observed (observed ${observedGeneration})`);
  }
  // Stalled and Reconciling are the conditions kstatus asks every controller to set; where set they are authoritative.
  const stalled = conditionOf(object, 'Stalled');
  if (stalled?.status === 'True') {
    return failed(conditionText(stalled, 'stalled'));
  }
  const reconciling = conditionOf(object, 'Reconciling');
  if (reconciling?.status === 'True') {
    return inProgress(conditionText(reconciling, 'reconciling'));
  }
  return undefined;
}

/** Kinds that may set a Ready condition, and the fallback for every kind without its own rule. */
function assessByReadyCondition(object: KubeObject): HealthAssessment {
  const ready = conditionOf(object, 'Ready');
  if (ready === undefined) {
    // kstatus reads a kind that reports nothing as Current: there is nothing else it could wait for.
    return current('no ready condition to wait for');
  }
  if (ready.status === 'True') {
    return current('ready');
  }
  // Ready=False may still clear up; only Stalled says a controller has given up.
  return inProgress(conditionText(ready, `ready condition ${ready.status}`));
}

function assessExisting(): HealthAssessment {
  return current('exists');
}

function assessDeployment(deployment: KubeObject): HealthAssessment {
  const notObserved = controllerNotObserved(deployment);
  if (notObserved) {
    return notObserved;
  }
  const desired = desiredReplicas(deployment);
  const replicas = statusCount(deployment, 'replicas');
  const updated = statusCount(deployment, 'updatedReplicas');
  const available = statusCount(deployment, 'availableReplicas');
  const ready = statusCount(deployment, 'readyReplicas');
  const progressing = conditionOf(deployment, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    // The controller stops trying after spec.progressDeadlineSeconds; waiting longer changes nothing.
    return failed(`progress deadline exceeded with ${available}/${desired} replicas available`);
  }
  if (updated < desired) {
    return inProgress(`${updated}/${desired} replicas updated`);
  }
  if (replicas > updated) {
    return inProgress(`${count(replicas - updated, 'old replica')} pending termination`);
  }
  if (replicas > desired) {
    return inProgress(`${count(replicas - desired, 'extra replica')} pending termination`);
  }
  if (available < desired) {
    return inProgress(`${available}/${desired} replicas available`);
  }
  if (ready < desired) {
    return inProgress(`${ready}/${desired} replicas ready`);
  }
  return current(`${ready}/${desired} replicas ready`);
}

/** StatefulSets never set conditions, so progress shows only in the counts and revisions. */
function assessStatefulSet(statefulSet: KubeObject): HealthAssessment {
  const notObserved = controllerNotObserved(statefulSet);
  if (notObserved) {
    return notObserved;
  }
  const desired = desiredReplicas(statefulSet);
  const replicas = statusCount(statefulSet, 'replicas');
  const ready = statusCount(statefulSet, 'readyReplicas');
  const updated = statusCount(statefulSet, 'updatedReplicas');
  const currentReplicas = statusCount(statefulSet, 'currentReplicas');
  if (replicas < desired) {
    return inProgress(`${replicas}/${desired} replicas created`);
  }
  if (ready < desired) {
    return inProgress(`${ready}/${desired} replicas ready`);
  }
  if (replicas > desired) {
    return inProgress(`${count(replicas - desired, 'extra replica')} pending termination`);
  }
  if (stringAt(statefulSet, ['spec', 'updateStrategy', 'type']) === 'OnDelete') {
    // With OnDelete the controller replaces a pod only when someone deletes it, so an update never finishes by itself.
    return current(`${ready}/${desired} replicas ready, update strategy OnDelete`);
  }
  const partition = integerAt(statefulSet, ['spec', 'updateStrategy', 'rollingUpdate', 'partition']) ?? 0;
  if (partition > 0) {
    // Pods with an ordinal below the partition keep the old revision on purpose (a canary), so only those above count.
    const toUpdate = Math.max(0, desired - partition);
    if (updated < toUpdate) {
      return inProgress(`${updated}/${toUpdate} replicas updated above partition ${partition}`);
    }
    return current(`${ready}/${desired} replicas ready, ${updated} updated above partition ${partition}`);
  }
  if (updated < desired) {
    return inProgress(`${updated}/${desired} replicas updated`);
  }
  const currentRevision = stringAt(statefulSet, ['status', 'currentRevision']);
  const updateRevision = stringAt(statefulSet, ['status', 'updateRevision']);
  if (updateRevision !== currentRevision) {
    return inProgress(`revision ${updateRevision ?? 'unknown'} not yet current (current ${currentRevision ?? 'unknown'})`);
  }
  if (currentReplicas < desired) {
    return inProgress(`${currentReplicas}/${desired} replicas current`);
  }
  return current(`${ready}/${desired} replicas ready`);
}

function assessDaemonSet(daemonSet: KubeObject): HealthAssessment {
  const notObserved = controllerNotObserved(daemonSet);
  if (notObserved) {
    return notObserved;
  }
  const desired = integerAt(daemonSet, ['status', 'desiredNumberScheduled']);
  if (desired === undefined) {
    return inProgress('desired number of pods not computed yet');
  }
  const scheduled = statusCount(daemonSet, 'currentNumberScheduled');
  const updated = statusCount(daemonSet, 'updatedNumberScheduled');
  const available = statusCount(daemonSet, 'numberAvailable');
  const ready = statusCount(daemonSet, 'numberReady');
  if (scheduled < desired) {
    return inProgress(`${scheduled}/${desired} pods scheduled`);
  }
  // With OnDelete old pods stay until someone deletes them, so the update count would never catch up.
  if (updated < desired && stringAt(daemonSet, ['spec', 'updateStrategy', 'type']) !== 'OnDelete') {
    return inProgress(`${updated}/${desired} pods updated`);
  }
  if (available < desired) {
    return inProgress(`${available}/${desired} pods available`);
  }
  if (ready < desired) {
    return inProgress(`${ready}/${desired} pods ready`);
  }
  return current(`${ready}/${desired} pods ready`);
}

function assessReplicaSet(replicaSet: KubeObject): HealthAssessment {
  const notObserved = controllerNotObserved(replicaSet);
  if (notObserved) {
    return notObserved;
  }
  const replicaFailure = conditionOf(replicaSet, 'ReplicaFailure');
  if (replicaFailure?.status === 'True') {
    // Usually a quota or admission refusal, which kstatus still counts as possibly temporary.
    return inProgress(conditionText(replicaFailure, 'replica failure'));
  }
  const desired = desiredReplicas(replicaSet);
  const replicas = statusCount(replicaSet, 'replicas');
  const available = statusCount(replicaSet, 'availableReplicas');
  const ready = statusCount(replicaSet, 'readyReplicas');
  if (replicas < desired) {
    return inProgress(`${replicas}/${desired} replicas created`);
  }
  if (available < desired) {
    return inProgress(`${available}/${desired} replicas available`);
  }
  if (ready < desired) {
    return inProgress(`${ready}/${desired} replicas ready`);
  }
  if (replicas > desired) {
    return inProgress(`${count(replicas - desired, 'extra replica')} pending termination`);
  }
  return current(`${ready}/${desired} replicas ready`);
}

/**
 * A Job is Current only once it has completed: the reconciler applies Jobs as steps (migrations) whose
 * outcome it must know, unlike kstatus, which counts a started Job as Current.
 */
function assessJob(job: KubeObject): HealthAssessment {
  const succeeded = statusCount(job, 'succeeded');
  const active = statusCount(job, 'active');
  const failedPods = statusCount(job, 'failed');
  // Since Kubernetes 1.31 FailureTarget and SuccessCriteriaMet announce the outcome while the last pods stop.
  const failure = trueCondition(job, 'Failed') ?? trueCondition(job, 'FailureTarget');
  if (failure) {
    return failed(`failed: ${failure.reason ?? failure.message ?? 'no reason given'}`);
  }
  if (trueCondition(job, 'Complete') ?? trueCondition(job, 'SuccessCriteriaMet')) {
    return current(`complete: ${succeeded} succeeded`);
  }
  if (trueCondition(job, 'Suspended') && booleanAt(job, ['spec', 'suspend']) === true) {
    return current('suspended');
  }
  if (stringAt(job, ['status', 'startTime']) === undefined) {
    return inProgress('not started');
  }
  const completions = integerAt(job, ['spec', 'completions']);
  const parts = [`${active} active`, `${succeeded}${completions === undefined ? '' : `/${completions}`} succeeded`];
  if (failedPods > 0) {
    parts.push(`${failedPods} failed`);
  }
  return inProgress(`running: ${parts.join(', ')}`);
}

function assessPod(pod: KubeObject): HealthAssessment {
  const phase = stringAt(pod, ['status', 'phase']);
  if (phase === 'Succeeded') {
    return current('succeeded');
  }
  if (phase === 'Failed') {
    // A failed pod is never restarted; kstatus calls it Current (done), but for a desired pod it is a failure.
    const reason = stringAt(pod, ['status', 'reason']);
    return failed(reason === undefined ? 'phase Failed' : `phase Failed: ${reason}`);
  }
  const stuckContainers = [
    ...waitingProblems(pod, 'initContainerStatuses', 'init container'),
    ...waitingProblems(pod, 'containerStatuses', 'container'),
  ];
  if (stuckContainers.length > 0) {
    return failed(stuckContainers.join(', '));
  }
  switch (phase) {
    case 'Running':
      return trueCondition(pod, 'Ready') ? current('ready') : inProgress('running, not ready');
    case 'Pending': {
      const scheduled = conditionOf(pod, 'PodScheduled');
      // Unschedulable can clear when nodes are added or other pods leave, so it stays InProgress until the timeout.
      if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
        return inProgress(`unschedulable: ${scheduled.message ?? 'no node fits'}`);
      }
      return inProgress('phase Pending');
    }
    case undefined:
      return inProgress('phase not reported yet');
    default:
      // Phase Unknown: the node stopped reporting, so nothing can be said about the pod.
      return { status: 'Unknown', message: `phase ${phase}` };
  }
}

/** `container web: CrashLoopBackOff` for each container waiting for a reason that will not clear by itself. */
function waitingProblems(pod: KubeObject, field: string, label: string): string[] {
  const problems: string[] = [];
  for (const containerStatus of recordsAt(pod, ['status', field])) {
    const reason = stringAt(containerStatus, ['state', 'waiting', 'reason']);
    if (reason !== undefined && FAILING_WAITING_REASONS.has(reason)) {
      problems.push(`${label} ${typeof containerStatus.name === 'string' ? containerStatus.name : '(unnamed)'}: ${reason}`);
    }
  }
  return problems;
}

function assessService(service: KubeObject): HealthAssessment {
  const type = stringAt(service, ['spec', 'type']) ?? 'ClusterIP';
  if (type === 'ExternalName') {
    return current(`external name ${stringAt(service, ['spec', 'externalName']) ?? '(none)'}`);
  }
  // The API server assigns spec.clusterIP when it stores the Service; `None` asks for no address at all.
  const clusterIp = stringAt(service, ['spec', 'clusterIP']);
  if (clusterIp === 'None') {
    return current('headless');
  }
  if (clusterIp === undefined || clusterIp === '') {
    return inProgress('cluster ip not assigned yet');
  }
  if (type === 'LoadBalancer') {
    const addresses = recordsAt(service, ['status', 'loadBalancer', 'ingress'])
      .map((ingress) => stringAt(ingress, ['ip']) ?? stringAt(ingress, ['hostname']))
      .filter((address): address is string => address !== undefined && address !== '');
    if (addresses.length === 0) {
      return inProgress('waiting for a load balancer address');
    }
    return current(`load balancer ${addresses.join(', ')}`);
  }
  return current(`cluster ip ${clusterIp}`);
}

function assessPersistentVolumeClaim(claim: KubeObject): HealthAssessment {
  const phase = stringAt(claim, ['status', 'phase']);
  if (phase === 'Bound') {
    return current('phase Bound');
  }
  // Pending may be a storage class binding only when the first pod is scheduled; kstatus waits on it like any other phase.
  return inProgress(phase === undefined ? 'phase not reported yet' : `phase ${phase}`);
}

function assessCustomResourceDefinition(definition: KubeObject): HealthAssessment {
  const namesAccepted = conditionOf(definition, 'NamesAccepted');
  if (namesAccepted?.status === 'False') {
    // A name clash with another definition: nothing changes until one of them is edited.
    return failed(`names not accepted: ${conditionText(namesAccepted, 'no reason given')}`);
  }
  const established = conditionOf(definition, 'Established');
  if (established?.status === 'True') {
    return current('established');
  }
  if (established?.status === 'False' && established.reason !== 'Installing') {
    return failed(`not established: ${conditionText(established, 'no reason given')}`);
  }
  return inProgress('not established yet');
}

function assessNamespace(namespace: KubeObject): HealthAssessment {
  const phase = stringAt(namespace, ['status', 'phase']);
  switch (phase) {
    case 'Active':
      return current('phase Active');
    case 'Terminating':
      return terminating('phase Terminating');
    case undefined:
      return inProgress('phase not reported yet');
    default:
      return { status: 'Unknown', message: `phase ${phase}` };
  }
}

/**
 * InProgress while the workload's controller has not written status.observedGeneration. A freshly created
 * workload comes back from the API server with an empty status, which must not read as "0 of 0 replicas, done".
 */
function controllerNotObserved(object: KubeObject): HealthAssessment | undefined {
  if (integerAt(object, ['status', 'observedGeneration']) !== undefined) {
    return undefined;
  }
  const generation = integerAt(object, ['metadata', 'generation']);
  return inProgress(generation === undefined
    ? 'waiting for the controller to observe it'
    : `waiting for the controller to observe generation ${generation}`);
}

/** spec.replicas, which the controllers default to 1 when absent. */
function desiredReplicas(object: KubeObject): number {
  return integerAt(object, ['spec', 'replicas']) ?? 1;
}

/** A count in status; controllers omit counts that are zero. */
function statusCount(object: KubeObject, field: string): number {
  return integerAt(object, ['status', field]) ?? 0;
}

function trueCondition(object: KubeObject, type: string): Condition | undefined {
  const condition = conditionOf(object, type);
  return condition?.status === 'True' ? condition : undefined;
}

function conditionText(condition: Condition, fallback: string): string {
  return condition.message ?? condition.reason ?? fallback;
}

function count(amount: number, noun: string): string {
  return `${amount} ${noun}${amount === 1 ? '' : 's'}`;
}

function current(message: string): HealthAssessment {
  return { status: 'Current', message };
}

function inProgress(message: string): HealthAssessment {
  return { status: 'InProgress', message };
}

function failed(message: string): HealthAssessment {
  return { status: 'Failed', message };
}

function terminating(message: string): HealthAssessment {
  return { status: 'Terminating', message };
}

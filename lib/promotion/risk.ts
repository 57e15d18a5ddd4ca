import { DeclaredObject, describeDeclared, pairObjects } from './declared-object';
import { FieldChange, fieldChanges } from './field-changes';
import { highestRisk } from './risk-order';
import { RiskClass } from '../constructs/risk-class';

/** The risk of one object's change and why. */
export interface ObjectRisk {
  /** `Deployment/prod/web`. */
  readonly object: string;
  readonly riskClass: RiskClass;
  readonly reason: string;
}

/** The risk of one application's changes in one environment. */
export interface ApplicationRisk {
  /** The highest class of its objects; no-op when nothing changes. */
  readonly riskClass: RiskClass;
  /** Every object that changes, is added or is removed (unchanged objects are left out). */
  readonly objects: readonly ObjectRisk[];
}

/** Kinds whose deletion takes data with it. */
const DATA_KINDS: Readonly<Record<string, string>> = {
  PersistentVolumeClaim: 'the volume and its data may be deleted with it',
  Namespace: 'every object in the namespace is deleted with it',
  CustomResourceDefinition: 'every custom resource of the kind is deleted with it',
};

/** Where each workload kind keeps the pod template its pods are made from. */
const POD_TEMPLATES: Readonly<Record<string, string>> = {
  Deployment: 'spec.template',
  StatefulSet: 'spec.template',
  DaemonSet: 'spec.template',
  ReplicaSet: 'spec.template',
  ReplicationController: 'spec.template',
  CronJob: 'spec.jobTemplate.spec.template',
};

const RUNS_PODS = new Set([...Object.keys(POD_TEMPLATES), 'Job', 'Pod']);

/** A field the API server refuses to change in place, so the change means delete and recreate. */
interface ImmutableRule {
  readonly kinds: readonly string[];
  readonly path: string;
  /** Further condition on the change (e.g. only to or from ExternalName). */
  readonly applies?: (change: FieldChange, before: DeclaredObject) => boolean;
}

const IMMUTABLE_RULES: readonly ImmutableRule[] = [
  { kinds: ['Service'], path: 'spec.clusterIP' },
  { kinds: ['Service'], path: 'spec.clusterIPs' },
  { kinds: ['Service'], path: 'spec.type', applies: (change) => change.before === 'ExternalName' || change.after === 'ExternalName' },
  { kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'], path: 'spec.selector' },
  { kinds: ['Job'], path: 'spec.template' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.storageClassName' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.accessModes' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.volumeMode' },
  { kinds: ['PersistentVolumeClaim'], path: 'spec.volumeName' },
  { kinds: ['StatefulSet'], path: 'spec.volumeClaimTemplates' },
  { kinds: ['StatefulSet'], path: 'spec.serviceName' },
  { kinds: ['StatefulSet'], path: 'spec.podManagementPolicy' },
  { kinds: ['ConfigMap', 'Secret'], path: 'data', applies: (_change, before) => before.immutable === true },
  { kinds: ['ConfigMap', 'Secret'], path: 'binaryData', applies: (_change, before) => before.immutable === true },
  { kinds: ['ConfigMap', 'Secret'], path: 'stringData', applies: (_change, before) => before.immutable === true },
  { kinds: ['ConfigMap', 'Secret'], path: 'immutable', applies: (_change, before) => before.immutable === true },
  { kinds: ['Pod'], path: 'spec', applies: (change) => !/^spec\.(initContainers|containers)\[[^\]]+\]\.image$/.test(change.path) },
];

/**
 * The risk class of changing `before` into `after` (either may be undefined: created or deleted). Pure.
 */
export function classifyObjectChange(before: DeclaredObject | undefined, after: DeclaredObject | undefined): ObjectRisk {
  const subject = (after ?? before)!;
  const object = describeDeclared(subject);
  const kind = subject.kind;
  if (before === undefined && after === undefined) {
    throw new Error('classifyObjectChange: give the object before or after the change');
  }
  if (after === undefined) {
    if (DATA_KINDS[kind] !== undefined) {
      return { object, riskClass: RiskClass.DATA_DELETION, reason: `deleted: ${DATA_KINDS[kind]}` };
    }
    return RUNS_PODS.has(kind)
      ? { object, riskClass: RiskClass.POD_RESTART, reason: 'deleted: its pods stop' }
      : { object, riskClass: RiskClass.CONFIG_ONLY, reason: 'deleted' };
  }
  if (before === undefined) {
    return RUNS_PODS.has(kind)
      ? { object, riskClass: RiskClass.POD_RESTART, reason: 'created: starts pods' }
      : { object, riskClass: RiskClass.CONFIG_ONLY, reason: 'created' };
  }
  const changes = fieldChanges(before, after);
  if (changes.length === 0) {
    return { object, riskClass: RiskClass.NO_OP, reason: 'unchanged' };
  }
  const immutable = changes.filter((change) => IMMUTABLE_RULES.some((rule) =>
    rule.kinds.includes(kind) && isWithin(change.path, rule.path) && (rule.applies?.(change, before) ?? true)));
  if (immutable.length > 0) {
    return { object, riskClass: RiskClass.IMMUTABLE_FIELD_RECREATE, reason: `${listPaths(immutable)} cannot change in place: the object must be deleted and recreated` };
  }
  const template = POD_TEMPLATES[kind];
  const templateChanges = template === undefined ? [] : changes.filter((change) => isWithin(change.path, template));
  if (templateChanges.length > 0) {
    const consequence = kind === 'CronJob' ? 'the next runs start new pods' : 'pods are replaced';
    return { object, riskClass: RiskClass.POD_RESTART, reason: `pod template changes (${listPaths(templateChanges)}): ${consequence}` };
  }
  if (kind === 'Pod') {
    return { object, riskClass: RiskClass.POD_RESTART, reason: `${listPaths(changes)} changes: containers restart` };
  }
  return { object, riskClass: RiskClass.CONFIG_ONLY, reason: `${listPaths(changes)} changes; no pod restarts` };
}

/**
 * The risk of turning one application's objects `before` into `after`, objects matched by identity. Pure.
 */
export function classifyChanges(before: readonly DeclaredObject[], after: readonly DeclaredObject[]): ApplicationRisk {
  const objects = pairObjects(before, after)
    .map(([left, right]) => classifyObjectChange(left, right))
    .filter((risk) => risk.riskClass !== RiskClass.NO_OP);
  return { riskClass: highestRisk(objects.map((risk) => risk.riskClass)), objects };
}

function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

function listPaths(changes: readonly FieldChange[]): string {
  const paths = changes.map((change) => change.path);
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}

import { DeclaredObject, describeDeclared, pairObjects } from './declared-object';
import { deepEqual, FieldChange, fieldChanges, isMap } from './field-changes';
import { sameVersion } from './image-version';

/**
 * Whether a difference is explained by what the fleet declares: the image being promoted, or a value the
 * target environment declares (an override, or a setting that changed in the fleet program). Anything else
 * is `unexpected`: a change nobody asked for in this promotion.
 */
export type DifferenceLabel = 'declared override' | 'unexpected';

export interface FieldDifference extends FieldChange {
  readonly label: DifferenceLabel;
  /** Why it carries its label, e.g. `promoted image`, `override replicas of prod`. */
  readonly cause: string;
}

export interface ObjectDifference {
  /** `Deployment/prod/web`. */
  readonly object: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For added and removed objects: the label of the whole object. */
  readonly label?: DifferenceLabel;
  readonly cause?: string;
  /** For changed objects: every field that differs. */
  readonly fields: readonly FieldDifference[];
}

/** What the target environment declares, to tell declared differences from unexpected ones. */
export interface DiffContext {
  readonly application: string;
  /** The target environment. */
  readonly environment: string;
  /** The image the target runs now, undefined when the application is not released there yet. */
  readonly previousImage?: string;
  /** The image being promoted. */
  readonly image: string;
  /** `environment.json` settings of the application in the target before the promotion (absent when not released). */
  readonly settingsBefore?: Readonly<Record<string, unknown>>;
  /** The same after re-synthesis. */
  readonly settingsAfter: Readonly<Record<string, unknown>>;
  /** `environment.json` overrides of the application in the target after re-synthesis. */
  readonly overrides: Readonly<Record<string, unknown>>;
}

const CONTAINER_FIELD = /(^|\.)(initContainers|containers|ephemeralContainers)\[([^\]]+)\]\.(image|imagePullPolicy|resources)(\.|\[|$)/;
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

/**
 * Per-field differences between the objects an application has in the target now (`before`) and after the
 * promotion (`after`), matched by identity, each labelled. Pure.
 */
export function semanticDiff(before: readonly DeclaredObject[], after: readonly DeclaredObject[], context: DiffContext): ObjectDifference[] {
  const differences: ObjectDifference[] = [];
  for (const [left, right] of pairObjects(before, after)) {
    const object = describeDeclared((right ?? left)!);
    if (left === undefined) {
      differences.push(context.previousImage === undefined
        ? { object, change: 'added', label: 'declared override', cause: `${context.application} is new in ${context.environment}`, fields: [] }
        : { object, change: 'added', label: 'unexpected', cause: 'object added by the fleet program, not by the promoted image', fields: [] });
      continue;
    }
    if (right === undefined) {
      differences.push({ object, change: 'removed', label: 'unexpected', cause: 'object removed by the fleet program, not by the promoted image', fields: [] });
      continue;
    }
    const changes = fieldChanges(left, right);
    if (changes.length === 0) {
      continue;
    }
    const imageChanged = new Set(changes.map((change) => CONTAINER_FIELD.exec(change.path)).filter((match) => match?.[4] === 'image').map((match) => match![3]));
    differences.push({ object, change: 'changed', fields: changes.map((change) => labelField(right, change, context, imageChanged)) });
  }
  return differences;
}

function labelField(object: DeclaredObject, change: FieldChange, context: DiffContext, imageChanged: ReadonlySet<string>): FieldDifference {
  const container = CONTAINER_FIELD.exec(change.path);
  if (container !== null && container[4] === 'image') {
    return typeof change.after === 'string' && sameVersion(change.after, context.image)
      ? declared(change, 'promoted image')
      : unexpected(change, 'image differs from the promoted one');
  }
  if (container !== null && container[4] === 'imagePullPolicy' && imageChanged.has(container[3])) {
    return declared(change, 'promoted image (the pull policy follows the reference)');
  }
  if (container !== null && container[4] === 'resources') {
    return bySetting(change, context, 'resources', undefined);
  }
  if (change.path === 'spec.replicas' && REPLICATED_KINDS.has(object.kind)) {
    return bySetting(change, context, 'replicas', undefined);
  }
  if (object.kind === 'ConfigMap') {
    const key = /^data(?:\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[("(?:[^"\\]|\\.)*")\])$/.exec(change.path);
    if (key !== null) {
      return bySetting(change, context, 'config', key[1] ?? JSON.parse(key[2]));
    }
  }
  if (object.kind === 'Ingress' && /^spec\.(rules\[\d+\]\.host|tls\[\d+\]\.hosts)/.test(change.path)) {
    return bySetting(change, context, 'ingressHost', undefined);
  }
  return unexpected(change, 'not explained by the promoted image or a declared setting');
}

/**
 * A field that follows from a setting is declared when the target's new value is what the setting says
 * and the setting is an override of the target or changed in the fleet program.
 */
function bySetting(change: FieldChange, context: DiffContext, setting: string, configKey: string | undefined): FieldDifference {
  const settingBefore = valueOf(context.settingsBefore, setting, configKey);
  const settingAfter = valueOf(context.settingsAfter, setting, configKey);
  const name = configKey === undefined ? setting : `config ${configKey}`;
  let consistent: boolean;
  if (setting === 'resources') {
    // Settings hold the rendered container resources (cdk8s-plus defaults included), overrides the props' shape:
    // the setting's presence is what counts.
    consistent = settingAfter !== undefined || change.after === undefined;
  } else if (Array.isArray(change.after)) {
    consistent = change.after.includes(settingAfter);
  } else {
    consistent = deepEqual(change.after, settingAfter);
  }
  if (!consistent) {
    return unexpected(change, `differs from ${name} declared for ${context.environment} (${JSON.stringify(settingAfter ?? null)})`);
  }
  if (valueOf(context.overrides, setting, configKey) !== undefined) {
    return declared(change, `override ${name} of ${context.environment}`);
  }
  if (context.settingsBefore !== undefined && !deepEqual(settingBefore, settingAfter)) {
    return declared(change, `${name} changed in the fleet program`);
  }
  return unexpected(change, `${name} did not change in the fleet program`);
}

function valueOf(settings: Readonly<Record<string, unknown>> | undefined, setting: string, configKey: string | undefined): unknown {
  const value = settings?.[setting];
  if (configKey === undefined) {
    return value;
  }
  return isMap(value) ? value[configKey] : undefined;
}

function declared(change: FieldChange, cause: string): FieldDifference {
  return { ...change, label: 'declared override', cause };
}

function unexpected(change: FieldChange, cause: string): FieldDifference {
  return { ...change, label: 'unexpected', cause };
}

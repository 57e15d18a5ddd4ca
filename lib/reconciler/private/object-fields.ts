/**
 * Reading fields of a live object whose shape nobody promised: a field of the wrong type reads as absent,
 * so that a health rule never throws on what a controller (or a test) wrote.
 */

/** One entry of `status.conditions`, in the shape most controllers use. */
export interface Condition {
  readonly type: string;
  /** `True`, `False` or `Unknown`. */
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** The value at `path` (`['status', 'replicas']`), or undefined when any step is missing or not an object. */
export function fieldAt(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const key of path) {
    if (!isRecord(value)) {
      return undefined;
    }
    value = value[key];
  }
  return value;
}

export function integerAt(object: unknown, path: readonly string[]): number | undefined {
  const value = fieldAt(object, path);
  return Number.isSafeInteger(value) ? value as number : undefined;
}

export function stringAt(object: unknown, path: readonly string[]): string | undefined {
  const value = fieldAt(object, path);
  return typeof value === 'string' ? value : undefined;
}

export function booleanAt(object: unknown, path: readonly string[]): boolean | undefined {
  const value = fieldAt(object, path);
  return typeof value === 'boolean' ? value : undefined;
}

/** The objects in the list at `path`; entries that are not objects are left out. */
export function recordsAt(object: unknown, path: readonly string[]): ReadonlyArray<Readonly<Record<string, unknown>>> {
  const value = fieldAt(object, path);
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** `status.conditions`, leaving out entries without a string type and status. */
export function conditionsOf(object: unknown): readonly Condition[] {
  const conditions: Condition[] = [];
  for (const entry of recordsAt(object, ['status', 'conditions'])) {
    if (typeof entry.type === 'string' && typeof entry.status === 'string') {
      conditions.push({
        type: entry.type,
        status: entry.status,
        reason: typeof entry.reason === 'string' && entry.reason !== '' ? entry.reason : undefined,
        message: typeof entry.message === 'string' && entry.message !== '' ? entry.message : undefined,
      });
    }
  }
  return conditions;
}

/** The first condition of `type`, or undefined. */
export function conditionOf(object: unknown, type: string): Condition | undefined {
  return conditionsOf(object).find((condition) => condition.type === type);
}

/** True when the condition of `type` exists with `status` (`True`, `False` or `Unknown`). */
export function hasCondition(object: unknown, type: string, status: string): boolean {
  return conditionOf(object, type)?.status === status;
}

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

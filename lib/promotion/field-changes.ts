/**
 * Per-field differences between two JSON values, with paths people can read and paste into `kubectl
 * explain`: `spec.replicas`, `metadata.labels["app.kubernetes.io/name"]`,
 * `spec.template.spec.containers[name=web].image`. Pure.
 */
export interface FieldChange {
  readonly path: string;
  /** Undefined when the field is added. */
  readonly before?: unknown;
  /** Undefined when the field is removed. */
  readonly after?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Leaf-level changes from `before` to `after`. Lists whose items all carry a unique `name` (containers,
 * env, volumes, ports with names) are matched by name, so inserting a container reports that container, not
 * every later index; other lists of maps are matched by position; lists of plain values are one value.
 */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (deepEqual(before, after)) {
    return [];
  }
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => fieldChanges(before[key], after[key], joinKey(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if ((before.length === 0 || isNamedList(before)) && (after.length === 0 || isNamedList(after))) {
      const names = [...new Set([...before, ...after].map((item) => (item as Record<string, unknown>).name as string))];
      const byName = (list: unknown[], name: string) => (list as Array<Record<string, unknown>>).find((item) => item.name === name);
      return names.flatMap((name) => fieldChanges(byName(before, name), byName(after, name), `${path}[name=${name}]`));
    }
    if (before.every(isMap) && after.every(isMap) && (before.length > 0 || after.length > 0)) {
      const length = Math.max(before.length, after.length);
      return Array.from({ length }, (_unused, index) => fieldChanges(before[index], after[index], `${path}[${index}]`)).flat();
    }
  }
  const change: { path: string; before?: unknown; after?: unknown } = { path };
  if (before !== undefined) {
    change.before = before;
  }
  if (after !== undefined) {
    change.after = after;
  }
  return [change];
}

/** `a.b`, `a["x.y/z"]`. */
export function joinKey(path: string, key: string): string {
  if (IDENTIFIER.test(key)) {
    return path === '' ? key : `${path}.${key}`;
  }
  return `${path}[${JSON.stringify(key)}]`;
}

export function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) {
    return true;
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => deepEqual(item, right[index]));
  }
  if (isMap(left) && isMap(right)) {
    const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
    const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
    return leftKeys.length === rightKeys.length && leftKeys.every((key) => deepEqual(left[key], right[key]));
  }
  return false;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNamedList(list: unknown[]): list is Array<Record<string, unknown>> {
  if (list.length === 0) {
    return false;
  }
  const names = new Set<string>();
  for (const item of list) {
    if (!isMap(item) || typeof item.name !== 'string' || names.has(item.name)) {
      return false;
    }
    names.add(item.name);
  }
  return true;
}

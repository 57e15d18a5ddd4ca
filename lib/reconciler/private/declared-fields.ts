import { sameQuantity } from './quantity';

/**
 * Maps whose values are resource quantities: the API server rewrites those into canonical form, so they
 * are compared by value. Elsewhere `"1000m"` and `"1"` are different strings (a ConfigMap value, say).
 */
const QUANTITY_MAPS = new Set(['limits', 'requests', 'hard', 'capacity', 'allocatable', 'overhead', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio']);
const QUANTITY_KEYS = new Set(['sizeLimit']);

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Paths of the fields `declared` sets whose value differs in `live`, e.g. `spec.replicas` or
 * `spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value`. Only what `declared` sets is
 * compared: fields the server defaults or other managers own are not drift.
 *
 * Rules that keep a freshly applied object from looking drifted:
 * - a declared zero value (`false`, `0`, `""`, `[]`, `{}`) equals an absent live field (the API omits them);
 * - quantities are compared by value;
 * - lists of objects with unique `name`s are matched by name, other lists of objects by position; extra live
 *   elements are ignored there (a sidecar injected by a webhook is not ours); lists of scalars must be equal;
 * - a Secret's `stringData` is compared with the decoded `data`, which is what the server keeps.
 */
export function driftedFields(declared: Readonly<Record<string, unknown>>, live: Readonly<Record<string, unknown>>): string[] {
  const paths: string[] = [];
  const liveView = declared.kind === 'Secret' && isPlainObject(declared.stringData) ? withDecodedStringData(live) : live;
  const trail: Step[] = [];
  for (const key of Object.keys(declared)) {
    trail.push(key);
    compare(declared[key], liveView[key], trail, undefined, key, paths);
    trail.pop();
  }
  return paths;
}

/**
 * One step of the way to a field: a key of a map, or a list element already written as `[name=web]` or `[0]`.
 * The path is written out only for a field that drifted, so the objects that did not (nearly all) cost no strings.
 */
type Step = string | { readonly element: string };

function pathOf(trail: readonly Step[]): string {
  let path = '';
  for (const step of trail) {
    path += typeof step === 'string' ? formatKey(path, step) : step.element;
  }
  return path;
}

function compare(declared: unknown, live: unknown, trail: Step[], parentKey: string | undefined, key: string, paths: string[]): void {
  if (declared === null || declared === undefined) {
    return;
  }
  if (live === null || live === undefined) {
    if (!isZeroValue(declared)) {
      paths.push(pathOf(trail));
    }
    return;
  }
  if (Array.isArray(declared)) {
    compareLists(declared, live, trail, paths);
    return;
  }
  if (isPlainObject(declared)) {
    if (!isPlainObject(live)) {
      paths.push(pathOf(trail));
      return;
    }
    for (const childKey of Object.keys(declared)) {
      trail.push(childKey);
      compare(declared[childKey], live[childKey], trail, key, childKey, paths);
      trail.pop();
    }
    return;
  }
  if (declared === live) {
    return;
  }
  const quantityField = (parentKey !== undefined && QUANTITY_MAPS.has(parentKey)) || QUANTITY_KEYS.has(key);
  if (quantityField && sameQuantity(declared, live)) {
    return;
  }
  paths.push(pathOf(trail));
}

function compareLists(declared: readonly unknown[], live: unknown, trail: Step[], paths: string[]): void {
  if (!Array.isArray(live)) {
    paths.push(pathOf(trail));
    return;
  }
  if (declared.length === 0) {
    if (live.length > 0) {
      paths.push(pathOf(trail));
    }
    return;
  }
  if (!declared.every(isPlainObject)) {
    // Scalar lists (args, command, finalizers) are replaced as a whole by server-side apply.
    if (declared.length !== live.length || declared.some((element, index) => !deepEqual(element, live[index]))) {
      paths.push(pathOf(trail));
    }
    return;
  }
  const names = declared.map((element) => (element as Record<string, unknown>).name);
  const keyedByName = names.every((name) => typeof name === 'string') && new Set(names).size === names.length;
  declared.forEach((element, index) => {
    const objectElement = element as Record<string, unknown>;
    if (keyedByName) {
      const name = objectElement.name as string;
      const liveElement = live.find((candidate) => isPlainObject(candidate) && candidate.name === name);
      trail.push({ element: `[name=${name}]` });
      compare(objectElement, liveElement, trail, undefined, name, paths);
    } else {
      trail.push({ element: `[${index}]` });
      compare(objectElement, live[index], trail, undefined, String(index), paths);
    }
    trail.pop();
  });
}

function formatKey(parentPath: string, key: string): string {
  if (PLAIN_KEY.test(key)) {
    return parentPath === '' ? key : `.${key}`;
  }
  return `[${JSON.stringify(key)}]`;
}

function isZeroValue(value: unknown): boolean {
  if (value === false || value === 0 || value === '' || value === null || value === undefined) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  if (isPlainObject(value)) {
    return Object.values(value).every(isZeroValue);
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) {
    return true;
  }
  if (Array.isArray(left)) {
    return Array.isArray(right) && left.length === right.length && left.every((element, index) => deepEqual(element, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => deepEqual(left[key], right[key]));
  }
  return false;
}

function withDecodedStringData(live: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const data = isPlainObject(live.data) ? live.data : {};
  const stringData: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string') {
      stringData[key] = Buffer.from(value, 'base64').toString('utf8');
    }
  }
  return { ...live, stringData };
}

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
  for (const key of Object.keys(declared)) {
    compare(declared[key], liveView[key], formatKey('', key), undefined, key, paths);
  }
  return paths;
}

function compare(declared: unknown, live: unknown, path: string, parentKey: string | undefined, key: string, paths: string[]): void {
  if (declared === null || declared === undefined) {
    return;
  }
  if (live === null || live === undefined) {
    if (!isZeroValue(declared)) {
      paths.push(path);
    }
    return;
  }
  if (Array.isArray(declared)) {
    compareLists(declared, live, path, paths);
    return;
  }
  if (isPlainObject(declared)) {
    if (!isPlainObject(live)) {
      paths.push(path);
      return;
    }
    for (const childKey of Object.keys(declared)) {
      compare(declared[childKey], live[childKey], `${path}${formatKey(path, childKey)}`, key, childKey, paths);
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
  paths.push(path);
}

function compareLists(declared: readonly unknown[], live: unknown, path: string, paths: string[]): void {
  if (!Array.isArray(live)) {
    paths.push(path);
    return;
  }
  if (declared.length === 0) {
    if (live.length > 0) {
      paths.push(path);
    }
    return;
  }
  if (!declared.every(isPlainObject)) {
    // Scalar lists (args, command, finalizers) are replaced as a whole by server-side apply.
    if (declared.length !== live.length || declared.some((element, index) => !deepEqual(element, live[index]))) {
      paths.push(path);
    }
    return;
  }
  const names = declared.map((element) => (element as Record<string, unknown>).name);
  const keyedByName = names.every((name) => typeof name === 'string') && new Set(names).size === names.length;
  declared.forEach((element, index) => {
    const objectElement = element as Record<string, unknown>;
    if (keyedByName) {
      const name = objectElement.name as string;
      const elementPath = `${path}[name=${name}]`;
      const liveElement = live.find((candidate) => isPlainObject(candidate) && candidate.name === name);
      compare(objectElement, liveElement, elementPath, undefined, name, paths);
    } else {
      compare(objectElement, live[index], `${path}[${index}]`, undefined, String(index), paths);
    }
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

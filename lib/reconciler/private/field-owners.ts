import { KubeObject } from '../../envrepo/kube-object';
import { compareCodeUnits } from '../../envrepo/names';

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Fields of one field manager that another apply took back. */
export interface TakenBackFields {
  readonly manager: string;
  readonly fields: readonly string[];
}

/**
 * Which other field managers own the `fields` (paths as `declared-fields.ts` writes them, e.g. `spec.replicas`
 * or `spec.template.spec.containers[name=web].image`) in `live`, from its `metadata.managedFields`: the
 * managers a forced apply of those fields overrides. Sorted by manager, fields in the order given.
 */
export function otherOwnersOf(live: KubeObject, fields: readonly string[], ourManager: string): TakenBackFields[] {
  const owned = new Map<string, Set<string>>();
  for (const entry of live.metadata.managedFields ?? []) {
    if (entry.manager === undefined || entry.manager === ourManager || entry.subresource !== undefined) {
      continue;
    }
    const paths = owned.get(entry.manager) ?? new Set<string>();
    collectPaths(entry.fieldsV1, '', paths);
    owned.set(entry.manager, paths);
  }
  const result: TakenBackFields[] = [];
  for (const manager of [...owned.keys()].sort(compareCodeUnits)) {
    const paths = owned.get(manager)!;
    const taken = fields.filter((field) => [...paths].some((path) => path === field || isBelow(path, field) || isBelow(field, path)));
    if (taken.length > 0) {
      result.push({ manager, fields: taken });
    }
  }
  return result;
}

/** `took back spec.replicas from kubectl-patch; data.KEY from other`. */
export function describeTakenBack(taken: readonly TakenBackFields[]): string {
  return `took back ${taken.map((entry) => `${entry.fields.join(', ')} from ${entry.manager}`).join('; ')}`;
}

function isBelow(path: string, ancestor: string): boolean {
  return path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

/** Turns a fieldsV1 tree (`{"f:spec":{"f:replicas":{}}}`, `k:{"name":"web"}` for list items) into paths. */
function collectPaths(node: unknown, prefix: string, paths: Set<string>): void {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    return;
  }
  const entries = Object.entries(node as Record<string, unknown>);
  const children = entries.filter(([key]) => key !== '.');
  if (prefix !== '' && (children.length === 0 || entries.some(([key]) => key === '.'))) {
    paths.add(prefix);
  }
  for (const [key, child] of children) {
    const next = segmentOf(prefix, key);
    if (next !== undefined) {
      collectPaths(child, next, paths);
    }
  }
}

function segmentOf(prefix: string, key: string): string | undefined {
  if (key.startsWith('f:')) {
    const name = key.slice(2);
    if (PLAIN_KEY.test(name)) {
      return prefix === '' ? name : `${prefix}.${name}`;
    }
    return `${prefix}[${JSON.stringify(name)}]`;
  }
  if (key.startsWith('k:')) {
    try {
      const fields = JSON.parse(key.slice(2)) as Record<string, unknown>;
      return `${prefix}[${Object.entries(fields).map(([name, value]) => `${name}=${String(value)}`).join(',')}]`;
    } catch {
      return undefined;
    }
  }
  if (key.startsWith('v:')) {
    return prefix;
  }
  if (key.startsWith('i:')) {
    return `${prefix}[${key.slice(2)}]`;
  }
  return undefined;
}

/**
 * JSON with keys sorted by code unit, two-space indentation, LF and a final newline: the form of every
 * JSON file in the env repo, so that the same content always has the same bytes.
 */
export function toCanonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeysDeep(value), undefined, 2)}\n`;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeysDeep);
  }
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) {
        sorted[key] = sortKeysDeep(child);
      }
    }
    return sorted;
  }
  return value;
}

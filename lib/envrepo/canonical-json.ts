/**
 * JSON with keys sorted by code unit, two-space indentation, LF and a final newline: the form of every
 * JSON file in the env repo, so that the same content always has the same bytes.
 */
export function toCanonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeysDeep(value), undefined, 2)}\n`;
}

/**
 * The value with the keys of every object in code-unit order and undefined members left out. Copies only what
 * needs it: a plain object whose keys are in order already, with nothing to change below it, is returned as it
 * is (so an object parsed from a file synth wrote costs a walk, not a copy). A plain object enumerates its
 * integer-like keys first whatever the order they were added in, so one whose keys are in order enumerates
 * them exactly as its sorted copy would. Anything else (a Date, a Map, a class instance) becomes a plain copy
 * of its own enumerable keys.
 */
function sortKeysDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = sortKeysDeep(value[index]);
      if (copy === undefined && item !== value[index]) {
        copy = value.slice(0, index);
      }
      copy?.push(item);
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const prototype = Object.getPrototypeOf(record);
  let unchanged = prototype === Object.prototype || prototype === null;
  const children = keys.map((key, index) => {
    const child = record[key];
    const sorted = sortKeysDeep(child);
    unchanged &&= sorted === child && child !== undefined && (index === 0 || keys[index - 1] < key);
    return sorted;
  });
  if (unchanged) {
    return value;
  }
  const order = [...keys.keys()].sort((left, right) => (keys[left] < keys[right] ? -1 : keys[left] > keys[right] ? 1 : 0));
  const sorted: Record<string, unknown> = {};
  for (const index of order) {
    if (children[index] !== undefined) {
      sorted[keys[index]] = children[index];
    }
  }
  return sorted;
}

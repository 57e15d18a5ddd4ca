import * as yaml from 'js-yaml';

/** A parsed YAML file, or why it was refused (without the file name: the caller adds it). */
export type StrictYamlResult = { readonly document: unknown } | { readonly problem: string };

/** Why every anchor, alias and merge key is refused, shared by their messages. */
const NO_SHARING = 'anchors, aliases and merge keys are not allowed';

/**
 * Parses one YAML document the way the reconciler trusts it: JSON schema (no custom tags, timestamps stay
 * strings), no duplicate keys, no anchors (and so no aliases, which need one), no merge keys. Anchors and
 * merge keys are refused because a value defined once and used in many places is a review trap: a diff of
 * one line changes objects nowhere near it, and alias expansion is the classic "billion laughs" bomb.
 */
export function parseStrictYaml(text: string): StrictYamlResult {
  let documents: unknown[];
  try {
    // An anchor is always a literal `&` in the text (no escape produces one): without any, the listener that
    // refuses anchors has nothing to find, and js-yaml runs faster without it.
    documents = yaml.loadAll(text, null, { schema: yaml.JSON_SCHEMA, listener: text.includes('&') ? refuseAnchors : undefined });
  } catch (error) {
    const anchor = anchorProblem(error, text);
    if (anchor !== undefined) {
      return { problem: anchor };
    }
    if (error instanceof yaml.YAMLException) {
      const mark = error.mark as { line?: number; column?: number } | undefined;
      const where = mark?.line === undefined ? '' : ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}`;
      return { problem: `invalid yaml${where}: ${error.reason}` };
    }
    throw error;
  }
  if (documents.length !== 1) {
    return { problem: `holds ${documents.length} yaml documents, exactly one is allowed (one object per file)` };
  }
  const mergeKey = mergeKeyProblem(documents[0]);
  if (mergeKey !== undefined) {
    return { problem: mergeKey };
  }
  return { document: documents[0] };
}

/**
 * Why a load with the `refuseAnchors` listener stopped, when it stopped at an anchor; undefined for other
 * errors. For readers with their own syntax messages (releases files) that refuse anchors all the same.
 */
export function anchorProblem(error: unknown, text: string): string | undefined {
  return error instanceof AnchorFound ? `yaml anchor "&${error.anchor}" at line ${lineOf(text, `&${error.anchor}`)}; ${NO_SHARING}` : undefined;
}

/** Where a loaded document uses the merge key `<<`, as a problem, or undefined when it does not. */
export function mergeKeyProblem(document: unknown): string | undefined {
  // Paths are only built for a document that has one: most never do.
  if (!hasMergeKey(document)) {
    return undefined;
  }
  const mergeKeyPath = findMergeKey(document, '');
  return mergeKeyPath === undefined ? undefined : `merge key "<<" at ${mergeKeyPath === '' ? 'the top level' : mergeKeyPath}; ${NO_SHARING}`;
}

class AnchorFound extends Error {
  constructor(public readonly anchor: string) {
    super(`yaml anchor "&${anchor}"`);
  }
}

/** 1-based line of the first occurrence: js-yaml reports where the anchored node ends, not where the anchor is. */
function lineOf(text: string, fragment: string): number {
  const index = text.indexOf(fragment);
  return text.slice(0, Math.max(index, 0)).split('\n').length;
}

/**
 * js-yaml calls this when it opens and closes every node; on close, `anchor` holds the node's `&name`.
 * Refusing every anchor also refuses every alias: an alias without an anchor is a parse error.
 */
export function refuseAnchors(this: yaml.State, eventType: yaml.EventType, state: yaml.State): void {
  const anchor = (state as yaml.State & { anchor?: string | null }).anchor;
  if (eventType === 'close' && typeof anchor === 'string') {
    throw new AnchorFound(anchor);
  }
}

function hasMergeKey(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some(hasMergeKey);
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key === '<<' || hasMergeKey((value as Record<string, unknown>)[key])) {
        return true;
      }
    }
  }
  return false;
}

/**
 * The JSON schema has no merge type, so `<<` arrives as an ordinary key; Kubernetes never uses it as one,
 * and other YAML readers (kubectl's go-yaml) would merge it, so the same file would mean two things.
 */
function findMergeKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findMergeKey(value[index], `${path}[${index}]`);
      if (found !== undefined) {
        return found;
      }
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '<<') {
        return path;
      }
      const found = findMergeKey(child, path === '' ? key : `${path}.${key}`);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

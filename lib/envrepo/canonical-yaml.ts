import { compareCodeUnits } from './names';

/**
 * Canonical YAML emitter for the env repo.
 *
 * The output is committed to git, so the same input must always produce the
 * same bytes, and every scalar must be read back with the same type by both
 * js-yaml 4 (YAML 1.2 core schema) and go-yaml / sigs.k8s.io/yaml (YAML 1.1),
 * which is what kubectl and the API server use.
 */

/**
 * Top-level keys that readers expect to see first in a Kubernetes manifest.
 */
const LEADING_TOP_LEVEL_KEYS: readonly string[] = ['apiVersion', 'kind', 'metadata'];

/**
 * go-yaml refuses implicit keys longer than 1024 characters, so longer keys
 * are written with the explicit `? key` form. The margin keeps us clear of
 * any off-by-one difference in how parsers count.
 */
const MAX_IMPLICIT_KEY_LENGTH = 1000;

/**
 * Kubernetes objects nest about ten levels deep; past this depth the writer
 * starts looking for circular references.
 */
const CYCLE_CHECK_DEPTH = 64;

/**
 * Below this size insertion sort beats Array.prototype.sort, whose default
 * comparison converts every element with ToString on each compare.
 */
const INSERTION_SORT_LIMIT = 24;

/**
 * ASCII characters that may continue a plain scalar. Anything else, including
 * all non-ASCII text, is double-quoted: harmless, and far easier to prove safe.
 */
const CONTINUES_PLAIN = asciiLookupTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/@=+:- ');

/**
 * Every character that can appear in a digit-led int (decimal, 0x, 0o, 0b,
 * underscores), float (exponents, Go hex floats with p), sexagesimal value or
 * timestamp (T, Z, space, colon, sign). go-yaml falls back to Go's strconv,
 * which accepts more forms than the YAML 1.1 regular expressions do.
 */
const NUMBER_LIKE = asciiLookupTable('0123456789._:+- abcdefABCDEFxXoOpPtTzZ');

const SPACE = 0x20;
const COLON = 0x3a;
const SLASH = 0x2f;
const LINE_FEED = 0x0a;

/**
 * Characters that JSON.stringify leaves raw but YAML treats as non-printable
 * (DEL, C1 controls, byte order mark, U+FFFE and U+FFFF) or, under YAML 1.1,
 * as line breaks (NEL U+0085, U+2028, U+2029).
 */
const EXTRA_ESCAPES_TEST = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
const EXTRA_ESCAPES_REPLACE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * Serializes one Kubernetes object to canonical YAML.
 *
 * Map entries whose value is null or undefined are dropped; null or
 * undefined sequence items are written as `null`. Throws for values that
 * have no faithful YAML form: non-finite numbers, functions, symbols,
 * bigints, class instances and circular references.
 */
export function toCanonicalYaml(value: unknown): string {
  return new CanonicalYamlWriter().writeDocument(value);
}

type PathSegment = string | number;

interface MapEntries {
  readonly keys: string[];
  readonly values: unknown[];
}

class CanonicalYamlWriter {
  private text = '';
  // Container keys are kept as a stack and only formatted when an error is
  // thrown, so the common path never pays for building path strings.
  private readonly path: PathSegment[] = [];
  private readonly ancestors: object[] = [];

  public writeDocument(value: unknown): string {
    if (value === undefined) {
      throw new Error('cannot write undefined at <root>');
    }
    if (value === null) {
      return 'null\n';
    }
    if (typeof value !== 'object') {
      return this.formatScalar(value, '', undefined, true);
    }
    this.enter(value);
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.text = '[]\n';
      } else {
        this.writeSequence(value, '', false, true);
      }
    } else {
      const entries = this.collectEntries(value, true);
      if (entries.keys.length === 0) {
        this.text = '{}\n';
      } else {
        this.writeMap(entries, '', false, true);
      }
    }
    this.leave();
    return this.text;
  }

  /**
   * `continuesLine` puts the first key on the current line, after a sequence
   * dash, which is the compact form kubectl and most hand-written YAML use.
   */
  private writeMap(entries: MapEntries, indent: string, continuesLine: boolean, atDocumentEnd: boolean): void {
    const { keys, values } = entries;
    const last = keys.length - 1;
    for (let index = 0; index <= last; index++) {
      const key = keys[index];
      const value = values[index];
      const lineStart = index > 0 || !continuesLine ? indent : '';
      const encodedKey = encodeKey(key);
      const keyText = encodedKey.length > MAX_IMPLICIT_KEY_LENGTH
        ? lineStart + '? ' + encodedKey + '\n' + indent + ':'
        : lineStart + encodedKey + ':';
      if (typeof value !== 'object') {
        this.text += keyText + ' ' + this.formatScalar(value, indent, key, atDocumentEnd && index === last);
      } else {
        this.text += keyText;
        this.path.push(key);
        this.writeContainerAfterIndicator(value as object, indent, false, atDocumentEnd && index === last);
        this.path.pop();
      }
    }
  }

  private writeSequence(items: readonly unknown[], indent: string, continuesLine: boolean, atDocumentEnd: boolean): void {
    const last = items.length - 1;
    for (let index = 0; index <= last; index++) {
      const item = items[index];
      const dash = index > 0 || !continuesLine ? indent + '-' : '-';
      if (item === null || item === undefined) {
        // Sequences have no way to drop an item without shifting the others,
        // so missing items keep their slot as an explicit null like JSON does.
        this.text += dash + ' null\n';
      } else if (typeof item !== 'object') {
        this.text += dash + ' ' + this.formatScalar(item, indent, index, atDocumentEnd && index === last);
      } else {
        this.text += dash;
        this.path.push(index);
        this.writeContainerAfterIndicator(item, indent, true, atDocumentEnd && index === last);
        this.path.pop();
      }
    }
  }

  /**
   * Writes the map or sequence that follows a `key:` or a `-`. `indent` is
   * the indentation of that key or dash; nested content goes two spaces
   * deeper. After a dash, the nested node starts on the dash line.
   */
  private writeContainerAfterIndicator(value: object, indent: string, isSequenceItem: boolean, atDocumentEnd: boolean): void {
    const childIndent = indent + '  ';
    this.enter(value);
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.text += ' []\n';
      } else if (isSequenceItem) {
        this.text += ' ';
        this.writeSequence(value, childIndent, true, atDocumentEnd);
      } else {
        this.text += '\n';
        this.writeSequence(value, childIndent, false, atDocumentEnd);
      }
    } else {
      const entries = this.collectEntries(value, false);
      if (entries.keys.length === 0) {
        this.text += ' {}\n';
      } else if (isSequenceItem) {
        this.text += ' ';
        this.writeMap(entries, childIndent, true, atDocumentEnd);
      } else {
        this.text += '\n';
        this.writeMap(entries, childIndent, false, atDocumentEnd);
      }
    }
    this.leave();
  }

  /**
   * Returns the scalar followed by its line ending. `indent` is that of the
   * owning key or dash, which literal block content is indented past;
   * `segment` is the scalar's own key or index, for error messages.
   */
  private formatScalar(value: unknown, indent: string, segment: PathSegment | undefined, atDocumentEnd: boolean): string {
    switch (typeof value) {
      case 'string':
        return formatString(value, indent, atDocumentEnd);
      case 'number':
        if (!Number.isFinite(value)) {
          throw new Error(`cannot write non-finite number at ${this.formatPath(segment)}: ${value}`);
        }
        return formatFiniteNumber(value) + '\n';
      case 'boolean':
        return value ? 'true\n' : 'false\n';
      default:
        throw new Error(`cannot write ${describeType(value)} at ${this.formatPath(segment)}`);
    }
  }

  private collectEntries(value: object, isTopLevel: boolean): MapEntries {
    const prototype = Object.getPrototypeOf(value);
    // Comparing with the root of the chain rather than Object.prototype also
    // accepts plain objects made in another realm, such as a vm context.
    if (prototype !== null && Object.getPrototypeOf(prototype) !== null) {
      throw new Error(`cannot write ${describeType(value)} at ${this.formatPath(undefined)}`);
    }
    const record = value as Record<string, unknown>;
    const sortedKeys = sortByCodeUnits(Object.keys(record));
    const keys: string[] = [];
    const values: unknown[] = [];
    if (isTopLevel) {
      for (const leadingKey of LEADING_TOP_LEVEL_KEYS) {
        if (Object.prototype.hasOwnProperty.call(record, leadingKey)) {
          pushEntry(keys, values, leadingKey, record[leadingKey]);
        }
      }
    }
    for (const key of sortedKeys) {
      if (isTopLevel && LEADING_TOP_LEVEL_KEYS.includes(key)) {
        continue;
      }
      pushEntry(keys, values, key, record[key]);
    }
    return { keys, values };
  }

  private enter(value: object): void {
    const depth = this.ancestors.push(value);
    // A cycle makes the nesting endless, so scanning the ancestors only once
    // the nesting is deeper than any real manifest keeps the common case free.
    if (depth > CYCLE_CHECK_DEPTH && this.ancestors.indexOf(value) < depth - 1) {
      const cycleDepth = this.firstRepeatedAncestorDepth();
      throw new Error(`cannot write circular reference at ${formatPathSegments(this.path.slice(0, cycleDepth))}`);
    }
  }

  /**
   * The depth at which the cycle first closes, so the error names the
   * shortest path that leads back to an object already being written.
   */
  private firstRepeatedAncestorDepth(): number {
    const seen = new Set<object>();
    for (let depth = 0; depth < this.ancestors.length; depth++) {
      if (seen.has(this.ancestors[depth])) {
        return depth;
      }
      seen.add(this.ancestors[depth]);
    }
    return this.ancestors.length - 1;
  }

  private leave(): void {
    this.ancestors.pop();
  }

  private formatPath(segment: PathSegment | undefined): string {
    return formatPathSegments(segment === undefined ? this.path : [...this.path, segment]);
  }
}

function formatPathSegments(segments: readonly PathSegment[]): string {
  if (segments.length === 0) {
    return '<root>';
  }
  let formatted = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      formatted += `[${segment}]`;
    } else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) {
      formatted += formatted.length === 0 ? segment : '.' + segment;
    } else {
      formatted += `[${JSON.stringify(segment)}]`;
    }
  }
  return formatted;
}

/**
 * Returns the string as YAML followed by its line ending.
 */
function formatString(value: string, indent: string, atDocumentEnd: boolean): string {
  if (isPlainSafe(value)) {
    return value + '\n';
  }
  if (value.indexOf('\n') !== -1) {
    const trailingNewlines = literalBlockTrailingNewlines(value);
    // Keep chomping at the very end of the document would leave more than
    // one final newline, so that one case falls back to double quotes.
    if (trailingNewlines >= 0 && !(trailingNewlines >= 2 && atDocumentEnd)) {
      return formatLiteralBlock(value, trailingNewlines, indent + '  ');
    }
  }
  return doubleQuote(value) + '\n';
}

function formatLiteralBlock(value: string, trailingNewlines: number, contentIndent: string): string {
  let block: string;
  if (trailingNewlines === 0) {
    block = '|-\n';
  } else if (trailingNewlines === 1) {
    block = '|\n';
  } else {
    block = '|+\n';
  }
  const lines = value.slice(0, value.length - trailingNewlines).split('\n');
  for (const line of lines) {
    // Empty lines stay empty so the file never has trailing spaces.
    block += line.length === 0 ? '\n' : contentIndent + line + '\n';
  }
  // The last content line already carries one of the trailing newlines;
  // under keep chomping every further one is an empty line.
  for (let extra = 1; extra < trailingNewlines; extra++) {
    block += '\n';
  }
  return block;
}

function formatFiniteNumber(value: number): string {
  if (Number.isInteger(value)) {
    // String() switches to exponent notation from 1e21 up, which YAML reads
    // as a float; BigInt keeps very large integers in plain decimal digits.
    // Negative zero is written as 0, as JSON does: js-yaml would read `-0`
    // back as negative zero but go-yaml as the integer 0.
    return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
  }
  return String(value);
}

/**
 * Sorts in place by UTF-16 code units, the order of plain `<` on strings,
 * which unlike localeCompare does not depend on the machine's locale.
 */
function sortByCodeUnits(keys: string[]): string[] {
  if (keys.length > INSERTION_SORT_LIMIT) {
    return keys.sort(compareCodeUnits);
  }
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index];
    let position = index - 1;
    while (position >= 0 && keys[position] > key) {
      keys[position + 1] = keys[position];
      position--;
    }
    keys[position + 1] = key;
  }
  return keys;
}

function pushEntry(keys: string[], values: unknown[], key: string, value: unknown): void {
  if (value === null || value === undefined) {
    return;
  }
  keys.push(key);
  values.push(value);
}

function encodeKey(key: string): string {
  return isPlainSafe(key) ? key : doubleQuote(key);
}

function describeType(value: unknown): string {
  if (typeof value !== 'object' || value === null) {
    return typeof value;
  }
  const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof constructorName === 'string' && constructorName.length > 0
    ? `instance of ${constructorName}`
    : 'object with a custom prototype';
}

/**
 * Conservative allow-list: a string is written plain only if it starts with a
 * letter, digit or slash, continues with `[A-Za-z0-9._/@=+:-]` or inner
 * spaces, and cannot be read as anything but a string under YAML 1.1 or 1.2.
 */
function isPlainSafe(value: string): boolean {
  const length = value.length;
  if (length === 0) {
    return false;
  }
  const first = value.charCodeAt(0);
  const startsWithDigit = first >= 0x30 && first <= 0x39;
  const startsWithLetter = (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a);
  if (!startsWithDigit && !startsWithLetter && first !== SLASH) {
    return false;
  }
  // Numbers, timestamps and sexagesimal values all start with a digit, a
  // sign or a dot, so only digit-led strings can be mistaken for them.
  let onlyNumberLike = startsWithDigit;
  for (let index = 1; index < length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0x80) {
      return false;
    }
    if (CONTINUES_PLAIN[code] === 0) {
      return false;
    }
    if (code === COLON || code === SPACE) {
      // `key:` and `a: b` would start a mapping; a trailing space would be lost.
      if (index === length - 1) {
        return false;
      }
      if (code === COLON && value.charCodeAt(index + 1) === SPACE) {
        return false;
      }
    }
    if (NUMBER_LIKE[code] === 0) {
      onlyNumberLike = false;
    }
  }
  if (startsWithDigit) {
    return !onlyNumberLike;
  }
  if (!startsWithLetter) {
    return true;
  }
  return !(length <= 5 && isBooleanOrNullWord(value)) && !isBareExponent(value);
}

/**
 * Matches `e9` or `E+10`. The YAML 1.1 float pattern requires a mantissa, but
 * the `yaml` package in 1.1 mode reads these as floats (NaN), so they are
 * quoted to stay unambiguous for every reader.
 */
function isBareExponent(value: string): boolean {
  const first = value.charCodeAt(0);
  if (first !== 0x65 && first !== 0x45) {
    return false;
  }
  let index = 1;
  const sign = value.charCodeAt(index);
  if (sign === 0x2b || sign === 0x2d) {
    index++;
  }
  if (index >= value.length) {
    return false;
  }
  for (; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x30 || code > 0x39) {
      return false;
    }
  }
  return true;
}

/**
 * YAML 1.1 booleans and nulls. Compared case-insensitively: quoting an odd
 * spelling such as `yES` costs nothing and spares anyone from checking which
 * spellings each YAML version and parser recognises.
 */
function isBooleanOrNullWord(value: string): boolean {
  switch (value.toLowerCase()) {
    case 'y':
    case 'n':
    case 'yes':
    case 'no':
    case 'on':
    case 'off':
    case 'true':
    case 'false':
    case 'null':
      return true;
    default:
      return false;
  }
}

/**
 * Returns how many newlines end the string when it can be written as a
 * literal block scalar, or -1 when it cannot.
 */
function literalBlockTrailingNewlines(value: string): number {
  const length = value.length;
  let hasContent = false;
  let atLineStart = true;
  let sawFirstContentLine = false;
  for (let index = 0; index < length; index++) {
    const code = value.charCodeAt(index);
    if (code === LINE_FEED) {
      atLineStart = true;
      continue;
    }
    if (code === SPACE) {
      // Without an indentation indicator, a leading space on the first
      // content line would be taken as indentation.
      if (atLineStart && !sawFirstContentLine) {
        return -1;
      }
      const next = index + 1 < length ? value.charCodeAt(index + 1) : LINE_FEED;
      if (next === LINE_FEED) {
        return -1;
      }
    } else if (!isPrintableInLiteralBlock(value, index, code)) {
      return -1;
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      // The low half of the pair was validated with the high half.
      index++;
    }
    hasContent = true;
    sawFirstContentLine = true;
    atLineStart = false;
  }
  if (!hasContent) {
    return -1;
  }
  let trailingNewlines = 0;
  while (trailingNewlines < length && value.charCodeAt(length - 1 - trailingNewlines) === LINE_FEED) {
    trailingNewlines++;
  }
  return trailingNewlines;
}

function isPrintableInLiteralBlock(value: string, index: number, code: number): boolean {
  if (code < 0x20) {
    // Readers normalize a carriage return to a line feed, and a tab at the
    // start of a line reads as indentation to people and to some parsers.
    return false;
  }
  if (code < 0x7f) {
    return true;
  }
  if (code <= 0x9f) {
    return false;
  }
  if (code >= 0xd800 && code <= 0xdbff) {
    const next = index + 1 < value.length ? value.charCodeAt(index + 1) : 0;
    return next >= 0xdc00 && next <= 0xdfff;
  }
  if (code >= 0xdc00 && code <= 0xdfff) {
    return false;
  }
  return code !== 0x2028 && code !== 0x2029 && code !== 0xfeff && code !== 0xfffe && code !== 0xffff;
}

/**
 * JSON string syntax is valid YAML double-quoted syntax; JSON.stringify
 * already escapes C0 controls and lone surrogates, and the few characters it
 * leaves raw that YAML treats as non-printable or as line breaks are escaped
 * afterwards.
 */
function doubleQuote(value: string): string {
  const quoted = JSON.stringify(value);
  if (!EXTRA_ESCAPES_TEST.test(quoted)) {
    return quoted;
  }
  return quoted.replace(EXTRA_ESCAPES_REPLACE, escapeCharacter);
}

function escapeCharacter(character: string): string {
  // Lowercase hex matches what JSON.stringify writes for C0 controls.
  return '\\u' + character.charCodeAt(0).toString(16).padStart(4, '0');
}

function asciiLookupTable(characters: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let index = 0; index < characters.length; index++) {
    table[characters.charCodeAt(index)] = 1;
  }
  return table;
}

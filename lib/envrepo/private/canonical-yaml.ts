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
  // Kept as a stack and only formatted when an error is thrown, so the happy
  // path never pays for building path strings.
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
      this.writeScalarAfterIndicator(value, '  ', true);
      return this.text;
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
   * Writes map entries. When `continuesLine` is set the first key goes on the
   * current line (after a sequence dash) instead of on a new indented line.
   */
  private writeMap(entries: MapEntries, indent: string, continuesLine: boolean, atDocumentEnd: boolean): void {
    const { keys, values } = entries;
    const last = keys.length - 1;
    for (let index = 0; index <= last; index++) {
      const key = keys[index];
      if (index > 0 || !continuesLine) {
        this.text += indent;
      }
      const encodedKey = encodeKey(key);
      if (encodedKey.length > MAX_IMPLICIT_KEY_LENGTH) {
        this.text += '? ' + encodedKey + '\n' + indent + ':';
      } else {
        this.text += encodedKey + ':';
      }
      this.path.push(key);
      this.writeNodeAfterIndicator(values[index], indent, false, atDocumentEnd && index === last);
      this.path.pop();
    }
  }

  private writeSequence(items: readonly unknown[], indent: string, continuesLine: boolean, atDocumentEnd: boolean): void {
    const last = items.length - 1;
    for (let index = 0; index <= last; index++) {
      if (index > 0 || !continuesLine) {
        this.text += indent;
      }
      this.text += '-';
      this.path.push(index);
      const item = items[index];
      // Sequences have no way to drop an item without shifting the others,
      // so missing items keep their slot as an explicit null like JSON does.
      if (item === null || item === undefined) {
        this.text += ' null\n';
      } else {
        this.writeNodeAfterIndicator(item, indent, true, atDocumentEnd && index === last);
      }
      this.path.pop();
    }
  }

  /**
   * Writes the node that follows a `key:` or a `-`. `indent` is the
   * indentation of that key or dash; nested content goes two spaces deeper.
   * After a dash, a nested map or sequence starts on the dash line.
   */
  private writeNodeAfterIndicator(value: unknown, indent: string, isSequenceItem: boolean, atDocumentEnd: boolean): void {
    if (typeof value !== 'object' || value === null) {
      this.text += ' ';
      this.writeScalarAfterIndicator(value, indent + '  ', atDocumentEnd);
      return;
    }
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
   * Writes a scalar and ends the line. `contentIndent` is where the lines of
   * a literal block scalar go.
   */
  private writeScalarAfterIndicator(value: unknown, contentIndent: string, atDocumentEnd: boolean): void {
    switch (typeof value) {
      case 'string':
        this.writeString(value, contentIndent, atDocumentEnd);
        return;
      case 'number':
        this.text += this.formatNumber(value) + '\n';
        return;
      case 'boolean':
        this.text += value ? 'true\n' : 'false\n';
        return;
      default:
        throw new Error(`cannot write ${describeType(value)} at ${this.formatPath()}`);
    }
  }

  private writeString(value: string, contentIndent: string, atDocumentEnd: boolean): void {
    if (isPlainSafe(value)) {
      this.text += value + '\n';
      return;
    }
    if (value.indexOf('\n') !== -1) {
      const trailingNewlines = literalBlockTrailingNewlines(value);
      // Keep chomping at the very end of the document would leave more than
      // one final newline, so that one case falls back to double quotes.
      if (trailingNewlines >= 0 && !(trailingNewlines >= 2 && atDocumentEnd)) {
        this.writeLiteralBlock(value, trailingNewlines, contentIndent);
        return;
      }
    }
    this.text += doubleQuote(value) + '\n';
  }

  private writeLiteralBlock(value: string, trailingNewlines: number, contentIndent: string): void {
    let header: string;
    if (trailingNewlines === 0) {
      header = '|-';
    } else if (trailingNewlines === 1) {
      header = '|';
    } else {
      header = '|+';
    }
    let block = header + '\n';
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
    this.text += block;
  }

  private formatNumber(value: number): string {
    if (!Number.isFinite(value)) {
      throw new Error(`cannot write non-finite number at ${this.formatPath()}: ${value}`);
    }
    if (Number.isInteger(value)) {
      // String() switches to exponent notation from 1e21 up, which YAML reads
      // as a float; BigInt keeps very large integers in plain decimal digits.
      // Negative zero is written as 0, as JSON does, since YAML 1.1 has no -0 integer.
      return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
    }
    return String(value);
  }

  private collectEntries(value: object, isTopLevel: boolean): MapEntries {
    const prototype = Object.getPrototypeOf(value);
    // Comparing with the root of the chain rather than Object.prototype also
    // accepts plain objects made in another realm, such as a vm context.
    if (prototype !== null && Object.getPrototypeOf(prototype) !== null) {
      throw new Error(`cannot write ${describeType(value)} at ${this.formatPath()}`);
    }
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, which is locale independent.
    const sortedKeys = Object.keys(record).sort();
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
    if (this.ancestors.includes(value)) {
      throw new Error(`cannot write circular reference at ${this.formatPath()}`);
    }
    this.ancestors.push(value);
  }

  private leave(): void {
    this.ancestors.pop();
  }

  private formatPath(): string {
    if (this.path.length === 0) {
      return '<root>';
    }
    let formatted = '';
    for (const segment of this.path) {
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
    // Tabs and carriage returns are printable but change meaning or get
    // normalized, so they are treated like other control characters here.
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

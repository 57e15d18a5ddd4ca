/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1e3`), compared by value: the API server stores them in
 * canonical form (`2000m` comes back as `2`, `1024Mi` as `1Gi`), so comparing text would report drift that
 * is not there. Values are exact fractions of big integers; floating point would round `0.1` away.
 */
interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const BINARY_SUFFIXES: Readonly<Record<string, bigint>> = {
  Ki: 2n ** 10n,
  Mi: 2n ** 20n,
  Gi: 2n ** 30n,
  Ti: 2n ** 40n,
  Pi: 2n ** 50n,
  Ei: 2n ** 60n,
};

/** Decimal suffixes as powers of ten. */
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  'n': -9,
  'u': -6,
  'm': -3,
  '': 0,
  'k': 3,
  'M': 6,
  'G': 9,
  'T': 12,
  'P': 15,
  'E': 18,
};

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$/;

/** The value of a quantity written as a string or a number, or undefined when it is not a quantity. */
function parseQuantity(value: unknown): Fraction | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
  // String(1e21) is "1e+21", which the grammar reads as an exponent: still exact.
  const match = QUANTITY.exec(text);
  if (!match) {
    return undefined;
  }
  const [, sign, digits, suffix] = match;
  const [whole, fraction = ''] = digits.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix in BINARY_SUFFIXES) {
    numerator *= BINARY_SUFFIXES[suffix];
  } else {
    const exponent = suffix.startsWith('e') || suffix.startsWith('E') ? Number(suffix.slice(1)) : DECIMAL_SUFFIXES[suffix];
    if (exponent >= 0) {
      numerator *= 10n ** BigInt(exponent);
    } else {
      denominator *= 10n ** BigInt(-exponent);
    }
  }
  return { numerator, denominator };
}

/** Whether two values are the same quantity (`"1000m"`, `1` and `"1"`; `"1Gi"` and `"1024Mi"`). */
export function sameQuantity(left: unknown, right: unknown): boolean {
  const a = parseQuantity(left);
  const b = parseQuantity(right);
  return a !== undefined && b !== undefined && a.numerator * b.denominator === b.numerator * a.denominator;
}

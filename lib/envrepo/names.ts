/**
 * Kubernetes name rules, and the one string order of the env repo: no locale can change either.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why a name is not a DNS-1123 label, or undefined when it is one.
 */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length === 0) {
    return 'is empty';
  }
  if (name.length > 63) {
    return `is ${name.length} characters long (at most 63 allowed)`;
  }
  if (!DNS_LABEL.test(name)) {
    return 'must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit';
  }
  return undefined;
}

/**
 * Why a name is not a DNS-1123 subdomain, or undefined when it is one.
 */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length === 0) {
    return 'is empty';
  }
  if (name.length > 253) {
    return `is ${name.length} characters long (at most 253 allowed)`;
  }
  if (!DNS_SUBDOMAIN.test(name)) {
    return 'must consist of lowercase letters a-z, digits 0-9, "-" and ".", and start and end with a letter or digit';
  }
  return undefined;
}

/**
 * Lowercases ASCII letters only: `toLowerCase` would follow the locale's rules for other scripts.
 */
export function asciiLowercase(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32));
}

/**
 * Orders strings by UTF-16 code units: JavaScript's own `<`, the same on every machine (unlike
 * `localeCompare`). It differs from code-point order only between a character above U+FFFF and one in
 * U+E000–U+FFFF; the env-repo format v1 is defined by this order, so it must not change.
 */
export function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The distinct values in code-unit order. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodeUnits);
}

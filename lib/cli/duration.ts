import { UsageError } from './args';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `1h` (or a combination like `1m30s`) in milliseconds. */
export function parseDuration(option: string, text: string): number {
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index !== consumed) {
      break;
    }
    total += Number(match[1]) * UNITS[match[2]];
    consumed += match[0].length;
  }
  if (text.length === 0 || consumed !== text.length || total <= 0) {
    throw new UsageError(`--${option} ${text} is not a duration; use e.g. 500ms, 30s, 5m or 1h`);
  }
  return total;
}

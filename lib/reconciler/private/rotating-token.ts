import * as fs from 'fs';
import { ConnectionSettings } from '../kubeconfig';

/** What was read from a token file, and the file's identity then (a kubelet rotation replaces the file). */
interface TokenReading {
  readonly header: string;
  readonly stamp: string;
}

const readings = new WeakMap<ConnectionSettings, TokenReading>();

/**
 * The Authorization header for a request: the static one, or `Bearer <token>` from `tokenFile`, read again
 * whenever the file changed (a stat per request; the kubelet swaps the projected token atomically). When the
 * file cannot be read any more, the last token read is used: the API server says whether it still holds.
 */
export function authorizationFor(settings: ConnectionSettings): string | undefined {
  if (settings.tokenFile === undefined) {
    return settings.authorization;
  }
  const last = readings.get(settings);
  let stamp: string;
  try {
    const stat = fs.statSync(settings.tokenFile);
    stamp = `${stat.ino}/${stat.size}/${stat.mtimeMs}`;
    if (last?.stamp === stamp) {
      return last.header;
    }
    const token = fs.readFileSync(settings.tokenFile, 'utf8').trim();
    if (token === '') {
      return last?.header;
    }
    readings.set(settings, { header: `Bearer ${token}`, stamp });
    return `Bearer ${token}`;
  } catch {
    return last?.header;
  }
}

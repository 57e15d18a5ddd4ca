import * as fs from 'fs';
import * as path from 'path';
import { renderKustomization } from '../../lib/envrepo/kustomization';
import { createLock, parseLock, serializeLock } from '../../lib/envrepo/lock';
import { kustomizationPath, lockPath } from '../../lib/envrepo/paths';

/** test/golden/acme-shop: a tree written by stagecraft synth for environments dev, staging and prod. */
/** Object files of the golden tree's dev environment, in path order. */
export const GOLDEN_DEV_OBJECT_PATHS: readonly string[] = [
  'dev/api/configmap.api.yaml',
  'dev/api/deployment.api.yaml',
  'dev/api/service.api.yaml',
  'dev/web/configmap.web.yaml',
  'dev/web/deployment.web.yaml',
  'dev/web/ingress.web.yaml',
  'dev/web/service.web.yaml',
  'dev/worker/configmap.worker.yaml',
  'dev/worker/deployment.worker.yaml',
  'dev/worker/networkpolicy.worker-isolation.yaml',
];

export const GOLDEN_ENV_REPO = path.resolve(__dirname, '..', 'golden', 'acme-shop');

/** Every file of `<environment>/` in the golden env repo, as repo-relative path → bytes (sorted by path). */
export function goldenEnvironmentFiles(environment: string): Map<string, Uint8Array> {
  const root = path.join(GOLDEN_ENV_REPO, environment);
  const paths = fs.readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(GOLDEN_ENV_REPO, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
  return new Map(paths.map((file) => [file, new Uint8Array(fs.readFileSync(path.join(GOLDEN_ENV_REPO, file)))]));
}

/** Rewrites the kustomization and the lock of `environment` so they match `files` again, as synth would after an edit. */
export function relock(environment: string, files: Map<string, Uint8Array>, options: { keepKustomization?: boolean } = {}): void {
  const lockFile = lockPath(environment);
  if (!options.keepKustomization) {
    files.set(kustomizationPath(environment), bytes(renderKustomization(environment, files.keys())));
  }
  const previous = parseLock(lockFile, Buffer.from(files.get(lockFile)!).toString('utf8'));
  const content = new Map([...files].filter(([file]) => file !== lockFile));
  const lock = createLock({ environment, files: content, inputsDigest: previous.inputsDigest, releasesDigest: previous.releasesDigest });
  files.set(lockFile, new TextEncoder().encode(serializeLock(lock)));
}

/** UTF-8 bytes of `text`. */
export function bytes(content: string): Uint8Array {
  return new TextEncoder().encode(content);
}

/** `text` of UTF-8 `content`. */
export function text(content: Uint8Array): string {
  return Buffer.from(content).toString('utf8');
}

import { minimatch } from 'minimatch';

/** What package.json says the tarball may hold. */
export interface PackageManifest {
  /** package.json `files`. */
  readonly files: readonly string[];
  /** package.json `bundledDependencies` and every package they depend on: npm packs them under node_modules/. */
  readonly bundledPackages: readonly string[];
}

/** npm packs these whatever `files` says. */
const ALWAYS_PACKED = ['package.json', 'README.md', 'LICENSE'];

/** Never in the package, whatever the lists say: the reason is the message. */
const FORBIDDEN: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /(^|\/)\.stagecraft-dev(\/|$)/, reason: 'the demo\'s local state (env repo, signing keys)' },
  { pattern: /(^|\/)(id_(rsa|dsa|ecdsa|ed25519)|[^/]*-signer|allowed_signers|[^/]*\.(pem|key|p12|pfx))$/, reason: 'a key file' },
  { pattern: /^(test|bench|\.ci|docs|projenrc|coverage|test-reports)\//, reason: 'development files' },
  { pattern: /^examples\/[^/]+\/(dist|env-repo|node_modules|cdk8s\.out)\//, reason: 'an example\'s state' },
  { pattern: /^lib\/.*(?<!\.d)\.ts$/, reason: 'TypeScript sources (the package ships .js and .d.ts)' },
];

/** A PEM or OpenSSH private key: the header, then base64 on the next line (a header alone is code, e.g. in a JOSE library). */
const PRIVATE_KEY_TEXT = /-----BEGIN ([A-Z]+ )*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}/;

/**
 * Why each entry of a tarball (paths relative to its `package/` folder) should not be there: outside the
 * `files` list and the bundled dependencies, or forbidden outright (keys, the demo's state, tests, sources).
 * Empty when the package is clean.
 */
export function packageContentProblems(entries: readonly string[], manifest: PackageManifest): string[] {
  const problems: string[] = [];
  for (const entry of [...entries].sort()) {
    const forbidden = FORBIDDEN.find((rule) => rule.pattern.test(entry));
    if (forbidden !== undefined) {
      problems.push(`${entry}: ${forbidden.reason} must never be packed`);
      continue;
    }
    if (entry.startsWith('node_modules/')) {
      const name = /^node_modules\/((@[^/]+\/)?[^/]+)/.exec(entry)![1];
      if (!manifest.bundledPackages.includes(name)) {
        problems.push(`${entry}: ${name} is neither a bundled dependency nor one of theirs`);
      }
      continue;
    }
    if (!ALWAYS_PACKED.includes(entry) && !manifest.files.some((pattern) => minimatch(entry, pattern, { dot: true }))) {
      problems.push(`${entry}: not in package.json "files" (${manifest.files.length} patterns); add it there on purpose or keep it out`);
    }
  }
  return problems;
}

/** Files whose text holds a private key, by path. */
export function privateKeyProblems(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  return files.filter((file) => PRIVATE_KEY_TEXT.test(file.text)).map((file) => `${file.path}: holds a private key`);
}

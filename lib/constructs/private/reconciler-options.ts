import { Duration } from 'cdk8s';
import { isPinnedByDigest } from '../../envrepo/image-reference';
import { dnsLabelProblem } from '../../envrepo/names';
import { InClusterReconcilerOptions } from '../in-cluster-reconciler-options';

/** What the reconciler options mean once defaults are applied. */
export interface ResolvedReconcilerOptions {
  readonly image: string;
  readonly repository: string;
  readonly branch: string;
  readonly intervalSeconds: number;
  readonly createControlNamespace: boolean;
  readonly sshAllowedSigners?: string;
  readonly gpgPublicKeys?: string;
  readonly resourcePlurals: Readonly<Record<string, string>>;
}

/** The environment settings the options are checked against. */
export interface ReconcilerEnvironmentSettings {
  readonly requireSignedCommits: boolean;
  readonly allowedClusterScopedKinds: readonly string[];
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const KIND_AND_GROUP = /^[A-Z][A-Za-z0-9]*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/**
 * Applies defaults and checks the options, throwing at the first mistake with `where` (a construct path)
 * and the fix. The values end up as command-line arguments of a process that runs git, so nothing may
 * start with "-" or hold whitespace.
 */
export function resolveReconcilerOptions(
  where: string,
  options: InClusterReconcilerOptions,
  environment: ReconcilerEnvironmentSettings,
): ResolvedReconcilerOptions {
  const fail = (message: string) => new Error(`${where}: reconciler ${message}`);
  if (!isPinnedByDigest(options.image)) {
    throw fail(`image "${options.image}" is not pinned by digest; the reconciler holds the environment's keys, so give the image as registry/stagecraft@sha256:<digest>`);
  }
  const { branch } = checkGitSource(`${where}: reconciler`, options.repository, options.branch);
  const interval = options.interval ?? Duration.seconds(30);
  const milliseconds = interval.toMilliseconds();
  if (milliseconds < 1000 || milliseconds % 1000 !== 0) {
    throw fail(`interval of ${milliseconds} ms is not a whole number of seconds of at least 1; use Duration.seconds(30) or similar`);
  }
  const namespaceAllowed = environment.allowedClusterScopedKinds.includes('Namespace');
  const createControlNamespace = options.createControlNamespace ?? namespaceAllowed;
  if (createControlNamespace && !namespaceAllowed) {
    throw fail(`createControlNamespace is true but the environment does not allow the Namespace kind (allowed: ${environment.allowedClusterScopedKinds.join(', ') || 'none'}); add Namespace to allowedClusterScopedKinds or drop createControlNamespace`);
  }
  if (environment.requireSignedCommits && options.sshAllowedSigners === undefined && options.gpgPublicKeys === undefined) {
    throw fail('has no keys to check signed commits, but the environment requires signed commits; give sshAllowedSigners and/or gpgPublicKeys');
  }
  for (const [field, value] of [['sshAllowedSigners', options.sshAllowedSigners], ['gpgPublicKeys', options.gpgPublicKeys]] as const) {
    if (value !== undefined && value.trim().length === 0) {
      throw fail(`${field} is empty; give the keys' text or leave ${field} out`);
    }
  }
  const resourcePlurals = { ...(options.resourcePlurals ?? {}) };
  for (const [kindAndGroup, plural] of Object.entries(resourcePlurals)) {
    if (!KIND_AND_GROUP.test(kindAndGroup)) {
      throw fail(`resourcePlurals key "${kindAndGroup}" is not Kind.group; write it like Certificate.cert-manager.io`);
    }
    const pluralProblem = dnsLabelProblem(plural);
    if (pluralProblem !== undefined) {
      throw fail(`resourcePlurals["${kindAndGroup}"] "${plural}" ${pluralProblem}; give the resource name as in the CustomResourceDefinition's spec.names.plural`);
    }
  }
  return {
    image: options.image,
    repository: options.repository,
    branch,
    intervalSeconds: milliseconds / 1000,
    createControlNamespace,
    sshAllowedSigners: options.sshAllowedSigners,
    gpgPublicKeys: options.gpgPublicKeys,
    resourcePlurals,
  };
}

/**
 * Checks the env repo's URL and branch of something that fetches it (a reconciler, Flux, Argo CD), throwing
 * with `where` and the fix; the branch defaults to main. Values end up in git command lines and in objects
 * other controllers read, so nothing may start with "-" or hold whitespace.
 */
export function checkGitSource(where: string, repository: string, branch = 'main'): { repository: string; branch: string } {
  if (repository.length === 0 || /\s/.test(repository) || CONTROL_CHARACTER.test(repository) || repository.startsWith('-')) {
    throw new Error(`${where} repository ${JSON.stringify(repository)} is not a git URL; give the env repo's URL, e.g. https://git.example/acme/env-repo.git`);
  }
  if (!isSafeBranchName(branch)) {
    throw new Error(`${where} branch ${JSON.stringify(branch)} is not a usable branch name; use letters, digits, "-", "_", "." and "/", not starting with "-" or "/"`);
  }
  return { repository, branch };
}

function isSafeBranchName(branch: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(branch)
    && !branch.includes('..') && !branch.includes('//') && !branch.endsWith('/') && !branch.endsWith('.') && !branch.endsWith('.lock');
}

import * as fs from 'fs';
import * as path from 'path';
import { applicationRecord, listEnvironments, readEnvironmentMetadata, readReleasesOf } from './env-repo-files';
import { CheckoutOutcome, EnvRepoWorkCopy, SignerTrust, withWorkCopy } from '../git';
import { locateFleetProgram, releasesFileOf, synthesizeInto } from './fleet-program';
import { resolveActor } from './identity';
import { assertCanSign, assertSignedBy } from './signing';
import { formatInstant } from './time';
import { commitMessage } from './trailers';
import { IMAGE_DIGEST_PATTERN } from '../envrepo/digest';
import { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { serializeReleasesFile, withRelease } from '../envrepo/releases';

export interface ReleaseRequest {
  /** The env repo: local path or git URL. */
  readonly repo: string;
  readonly branch: string;
  /** Folder of the fleet program relative to the repository root. */
  readonly fleet: string;
  /**
   * An installed `node_modules` folder for the fleet program, linked into the work copy.
   * @default - none: the program must find its dependencies by itself
   */
  readonly dependencies?: string;
  readonly application: string;
  readonly environment: string;
  /** `repo@sha256:…` (or a tag where the environment allows it). */
  readonly image: string;
  /** Why: build, ticket. */
  readonly message?: string;
  /** `--as`; default git config user.email. */
  readonly identity?: string;
  readonly signKey?: string;
  /**
   * The keys the reconciler trusts (`--ssh-allowed-signers`, `--gpg-keyring`), to check the commit's signature.
   * @default - none: refused when an environment of the repository requires signed commits
   */
  readonly trust?: SignerTrust;
  /** Release into an environment that is not a first stage of the application's policies. */
  readonly forceEnvironment: boolean;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: number;
}

export interface ReleaseResult {
  readonly application: string;
  readonly environment: string;
  readonly image: string;
  readonly previousImage?: string;
  readonly by: string;
  readonly at: string;
  /** The commit published, or undefined when the environment already runs this image. */
  readonly commit?: string;
  readonly signed: boolean;
  /** Repo-relative files the commit changed. */
  readonly changedFiles: readonly string[];
  /** The local checkout whose files now lag behind the branch, if any. */
  readonly checkedOutIn?: string;
  /** The branch tip the commit was published over. */
  readonly previousTip?: string;
  /** What became of the user's checkout of the branch, when it is one. */
  readonly checkout?: CheckoutOutcome;
}

/**
 * Why this release must not happen, or undefined when it may. Pure: judged from the `environment.json` of
 * every environment at the branch tip.
 */
export function releaseProblem(
  environments: ReadonlyMap<string, EnvironmentMetadata>,
  application: string,
  environment: string,
  image: string,
  forceEnvironment: boolean,
): string | undefined {
  const target = environments.get(environment);
  if (target === undefined) {
    return `environment "${environment}" is not in the env repo (environments: ${[...environments.keys()].join(', ') || 'none'}); check --env, or add the environment to the fleet and run stagecraft synth`;
  }
  if (!target.applications.some((record) => record.name === application)) {
    return `application "${application}" is not in the fleet (applications: ${target.applications.map((record) => record.name).join(', ') || 'none'}); check the name, or add the application to the fleet and run stagecraft synth`;
  }
  if (image.length === 0 || /\s/.test(image)) {
    return `image ${JSON.stringify(image)} is not an image reference; pass e.g. registry.example/${application}@sha256:<digest>`;
  }
  if (target.policy.requireImageDigest && !IMAGE_DIGEST_PATTERN.test(image)) {
    return `image "${image}" is not pinned by digest but environment "${environment}" requires it; release ${image.split('@')[0].replace(/:[^/:]*$/, '')}@sha256:<digest>, the digest your registry printed for the build`;
  }
  const stages = [...environments.values()].flatMap((metadata) => metadata.promotion
    .filter((stage) => stage.applications.includes(application))
    .map((stage) => ({ environment: metadata.name, stage })));
  const firstStages = stages.filter(({ stage }) => stage.position === 0).map(({ environment: name }) => name);
  if (stages.length > 0 && !firstStages.includes(environment) && !forceEnvironment) {
    const own = stages.find(({ environment: name }) => name === environment);
    const where = own === undefined ? 'is on no promotion path of it' : `is stage ${own.stage.position + 1} of policy ${own.stage.policy}`;
    return `releases of ${application} land in ${[...new Set(firstStages)].sort().join(', ')}, and environment "${environment}" ${where}; release into ${firstStages[0]} and promote with stagecraft promote, or pass --force-env to release here anyway`;
  }
  return undefined;
}

/** `stagecraft release`: records the image in the releases file, re-synthesizes and commits. */
export async function release(request: ReleaseRequest): Promise<ReleaseResult> {
  // Of the other environments only their metadata is checked out: nothing reads or writes their objects.
  return withWorkCopy({ repo: request.repo, branch: request.branch, environments: [request.environment] }, (copy) => releaseIn(copy, request));
}

async function releaseIn(copy: EnvRepoWorkCopy, request: ReleaseRequest): Promise<ReleaseResult> {
  const root = copy.directory;
  const source = `branch ${request.branch} of ${request.repo}`;
  const environments = new Map(listEnvironments(root).map((name) => [name, readEnvironmentMetadata(root, name, source)]));
  const problem = releaseProblem(environments, request.application, request.environment, request.image, request.forceEnvironment);
  if (problem !== undefined) {
    throw new Error(problem);
  }
  const actor = await resolveActor(copy, request.identity);
  const trust = request.trust ?? {};
  const signingRequired = await assertCanSign(copy, 'release', { signKey: request.signKey, trust }, { name: actor.name, email: actor.identity, at: formatInstant(request.now) });
  const at = formatInstant(request.now);
  const program = locateFleetProgram(root, request.fleet);
  if (request.dependencies !== undefined) {
    copy.linkDependencies(program.relative, request.dependencies);
  }
  const releasesFile = releasesFileOf(program, request.environment);
  const releases = readReleasesOf(program.directory, request.environment, releasesFile);
  const previous = releases.applications[request.application];
  const base = {
    application: request.application,
    environment: request.environment,
    image: request.image,
    previousImage: previous?.image,
    by: actor.identity,
    at,
  };
  if (previous?.image === request.image && applicationRecord(environments.get(request.environment)!, request.application)?.image === request.image) {
    return { ...base, signed: false, changedFiles: [] };
  }
  const entry = { image: request.image, by: actor.identity, at, message: request.message };
  fs.mkdirSync(path.dirname(path.join(root, releasesFile)), { recursive: true });
  fs.writeFileSync(path.join(root, releasesFile), serializeReleasesFile(withRelease(releases, request.application, entry)));
  // Only this environment's releases changed, so only it is re-synthesized; other environments keep their files.
  synthesizeInto(program, root, [request.environment]);
  const message = commitMessage(`release ${request.application} ${request.image} to ${request.environment}`, request.message, {
    action: 'release',
    environment: request.environment,
    by: actor.identity,
    applications: [{ name: request.application, image: request.image, previousImage: previous?.image }],
    gates: [],
    risks: [],
  });
  const committed = await copy.commitAll(message, { name: actor.name, email: actor.identity, at }, request.signKey, signingRequired);
  if (committed === undefined) {
    return { ...base, signed: false, changedFiles: [] };
  }
  if (signingRequired) {
    await assertSignedBy(copy, 'release', committed.commit, actor.identity, trust);
  }
  const changedFiles = (await copy.git(['diff', '--name-only', copy.baseCommit, committed.commit])).split('\n').filter(Boolean);
  return { ...base, commit: committed.commit, signed: committed.signed, changedFiles };
}

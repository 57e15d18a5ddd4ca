import * as fs from 'fs';
import * as path from 'path';
import { readApprovalEvidence } from './approval-evidence';
import { ApplicationIndex, indexApplications, listEnvironments, parseRecords, readEnvironmentMetadata, readEnvironmentTree, readReleasesOf } from './env-repo-files';
import { CheckoutOutcome, EnvRepoWorkCopy, SignerTrust, withWorkCopy } from '../git';
import { locateFleetProgram, releasesFileOf, synthesizeInto } from './fleet-program';
import { ApprovalEvidence, StageGates } from './gates';
import { Actor, resolveActor } from './identity';
import { ApplicationPlan, planApplication } from './plan';
import { assertCanSign, assertSignedBy, signingEnvironments } from './signing';
import { formatInstant } from './time';
import { commitMessage } from './trailers';
import { PromotionStageRecord } from '../envrepo/environment-metadata';
import { compareCodeUnits, sortedUnique } from '../envrepo/names';
import { kustomizationPath, METADATA_FOLDER } from '../envrepo/paths';
import { changeAuthorsOf, ReleasesFile, serializeReleasesFile, withReleases } from '../envrepo/releases';

export interface PromoteRequest {
  readonly repo: string;
  readonly branch: string;
  readonly fleet: string;
  /**
   * An installed `node_modules` folder for the fleet program, linked into the work copy.
   * @default - none: the program must find its dependencies by itself
   */
  readonly dependencies?: string;
  /** Applications named on the command line; ignored with `all`. */
  readonly applications: readonly string[];
  /** Every application the policies move from `from` to `to`. */
  readonly all: boolean;
  readonly from: string;
  readonly to: string;
  /** Plan and judge, commit nothing. */
  readonly dryRun: boolean;
  /** Nobody decided this promotion (`--auto`): manual gates fail, and only eligible applications move. */
  readonly automatic: boolean;
  readonly identity?: string;
  /**
   * Judge for whoever will promote, not for `identity` (the promotion board: it cannot know who will run the
   * promotion). No identity is resolved; a gate that excludes the promoter counts every allowed approver and
   * says that the one who promotes will not count. Only with `dryRun`.
   * @default false
   */
  readonly forAnyPromoter?: boolean;
  readonly signKey?: string;
  /**
   * The keys the reconciler trusts (`--ssh-allowed-signers`, `--gpg-keyring`): they check the promotion's own
   * signature and say who signed each approval.
   * @default - none: refused when an environment of the repository requires signed commits
   */
  readonly trust?: SignerTrust;
  /** Added to the commit body and each release's message. */
  readonly message?: string;
  readonly now: number;
}

export interface SkippedApplication {
  readonly application: string;
  readonly reason: string;
}

export type PromotionStatus = 'promoted' | 'blocked' | 'nothing-to-promote' | 'dry-run';

export interface PromotionOutcome {
  readonly from: string;
  readonly to: string;
  readonly at: string;
  readonly by: string;
  readonly automatic: boolean;
  readonly status: PromotionStatus;
  /** Plans of the applications this promotion moves (or would move). */
  readonly plans: readonly ApplicationPlan[];
  /** Applications left out, and why. */
  readonly skipped: readonly SkippedApplication[];
  /** For `blocked`: when every plan would pass (ISO 8601), if waiting is all it takes. */
  readonly eligibleAt?: string;
  readonly commit?: string;
  readonly signed: boolean;
  /** Things worth knowing that did not stop the promotion (unreadable records, files synth changed elsewhere). */
  readonly warnings: readonly string[];
  readonly checkedOutIn?: string;
  /** The branch tip the commit was published over. */
  readonly previousTip?: string;
  /** What became of the user's checkout of the branch, when it is one. */
  readonly checkout?: CheckoutOutcome;
}

/** Who promotes, in a dry run judged for anyone (`forAnyPromoter`): never written to git. */
const ANY_PROMOTER: Actor = { identity: 'any promoter', name: 'any promoter' };

interface Candidate {
  readonly application: string;
  readonly image: string;
  readonly previousImage?: string;
  readonly stages: readonly StageGates[];
}

/** `stagecraft promote FROM → TO`: plans, judges and (unless blocked or a dry run) commits one promotion. */
export async function promote(request: PromoteRequest): Promise<PromotionOutcome> {
  // Of the other environments only their metadata is checked out: nothing reads or writes their objects.
  return withWorkCopy({ repo: request.repo, branch: request.branch, environments: [request.to] }, (copy) => promoteIn(copy, request));
}

/** One step of the policies' graph, e.g. staging → prod. */
export interface PromotionEdge {
  readonly from: string;
  readonly to: string;
  readonly position: number;
}

/**
 * `stagecraft promote --auto`: every edge of every policy, in path order, each promoting what is eligible
 * as one commit. Upstream promotions of this run need verification before they can go further, so a new
 * version moves at most one step per run.
 */
export async function promoteEverything(request: Omit<PromoteRequest, 'applications' | 'all' | 'from' | 'to' | 'automatic'>): Promise<PromotionOutcome[]> {
  const edges = await withWorkCopy({ repo: request.repo, branch: request.branch, environments: [] }, async (copy) => {
    const source = `branch ${request.branch} of ${request.repo}`;
    const found = listEnvironments(copy.directory)
      .flatMap((name) => readEnvironmentMetadata(copy.directory, name, source).promotion
        .filter((stage) => stage.from !== undefined)
        .map((stage) => ({ from: stage.from!, to: name, position: stage.position })));
    return { edges: uniqueEdges(found), commit: undefined };
  });
  const outcomes: PromotionOutcome[] = [];
  for (const edge of edges.edges) {
    outcomes.push(await promote({ ...request, applications: [], all: true, from: edge.from, to: edge.to, automatic: true }));
  }
  return outcomes;
}

function uniqueEdges(edges: readonly PromotionEdge[]): PromotionEdge[] {
  const byKey = new Map<string, PromotionEdge>();
  for (const edge of edges) {
    const key = `${edge.from}→${edge.to}`;
    const known = byKey.get(key);
    byKey.set(key, known === undefined || edge.position < known.position ? edge : known);
  }
  return [...byKey.values()].sort((left, right) =>
    left.position - right.position || compareCodeUnits(left.from, right.from) || compareCodeUnits(left.to, right.to));
}

async function promoteIn(copy: EnvRepoWorkCopy, request: PromoteRequest): Promise<PromotionOutcome & { commit?: string }> {
  const root = copy.directory;
  const source = `branch ${request.branch} of ${request.repo}`;
  const environments = listEnvironments(root);
  for (const environment of [request.from, request.to]) {
    if (!environments.includes(environment)) {
      throw new Error(`environment "${environment}" is not in the env repo (environments: ${environments.join(', ') || 'none'}); check --from and --to`);
    }
  }
  // Metadata first: which applications move is decided from environment.json; only their objects are read.
  const fromMetadata = readEnvironmentMetadata(root, request.from, source);
  const toMetadata = readEnvironmentMetadata(root, request.to, source);
  const stages = toMetadata.promotion.filter((stage) => stage.from === request.from);
  if (stages.length === 0) {
    const sources = [...new Set(toMetadata.promotion.map((stage) => stage.from).filter((from) => from !== undefined))];
    const into = sources.length === 0 ? `${request.to} is a first stage or on no promotion path` : `promotions into ${request.to} come from ${sources.join(', ')}`;
    throw new Error(`no promotion policy moves applications from ${request.from} to ${request.to} (${into}); check --from and --to`);
  }
  const governed = sortedUnique(stages.flatMap((stage) => stage.applications));
  const governedSet = new Set(governed);
  // The stages that govern each application, in the policies' order, each once.
  const stagesOf = new Map<string, PromotionStageRecord[]>();
  for (const stage of stages) {
    for (const application of new Set(stage.applications)) {
      const known = stagesOf.get(application);
      if (known === undefined) {
        stagesOf.set(application, [stage]);
      } else {
        known.push(stage);
      }
    }
  }
  const fromRecords = new Map(fromMetadata.applications.map((record) => [record.name, record]));
  const toRecords = new Map(toMetadata.applications.map((record) => [record.name, record]));
  if (request.forAnyPromoter === true && !request.dryRun) {
    throw new Error('a promotion judged for any promoter can only be a dry run: someone has to promote');
  }
  const actor = request.forAnyPromoter === true ? ANY_PROMOTER : await resolveActor(copy, request.identity);
  const trust = request.trust ?? {};
  const signingRequired = request.dryRun ? signingEnvironments(root).length > 0 : await assertCanSign(copy, 'promote', { signKey: request.signKey, trust }, { name: actor.name, email: actor.identity, at: formatInstant(request.now) });
  const at = formatInstant(request.now);
  const base = { from: request.from, to: request.to, at, by: actor.identity, automatic: request.automatic, signed: false };

  const skipped: SkippedApplication[] = [];
  let blockedBeforePlanning = false;
  const candidates: Candidate[] = [];
  for (const application of request.all ? governed : request.applications) {
    if (!toRecords.has(application)) {
      throw new Error(`application "${application}" is not in the fleet (applications: ${toMetadata.applications.map((record) => record.name).join(', ')}); check the name`);
    }
    if (!governedSet.has(application)) {
      throw new Error(`application "${application}" is not moved from ${request.from} to ${request.to} by any policy (policies ${stages.map((stage) => stage.policy).join(', ')} govern ${governed.join(', ')}); check the name or the policy`);
    }
    const image = fromRecords.get(application)?.image;
    const previousImage = toRecords.get(application)?.image;
    if (image === undefined) {
      skipped.push({ application, reason: `not released in ${request.from}; release it there first` });
      blockedBeforePlanning ||= !request.all;
    } else if (image === previousImage) {
      skipped.push({ application, reason: `${request.to} already runs ${image}` });
    } else {
      const governing = (stagesOf.get(application) ?? []).map(stageGates);
      candidates.push({ application, image, previousImage, stages: governing });
    }
  }
  if (candidates.length === 0 || blockedBeforePlanning) {
    return { ...base, status: blockedBeforePlanning ? 'blocked' : 'nothing-to-promote', plans: [], skipped, warnings: [] };
  }

  const { records, ignored } = parseRecords(await copy.readStatusFolder(`records/${request.from}/`));
  const warnings = ignored.map((message) => `ignored a verification record: ${message}`);
  const program = locateFleetProgram(root, request.fleet);
  if (request.dependencies !== undefined) {
    copy.linkDependencies(program.relative, request.dependencies);
  }
  const releasesFile = releasesFileOf(program, request.to);
  const releases = readReleasesOf(program.directory, request.to, releasesFile);
  const approvals = new Map<string, ApprovalEvidence[]>();
  const changeAuthors = new Map<string, string[]>();
  // Read once for every candidate: who released or promoted each version.
  const everyReleasesFile = environments.map((environment) => readReleasesOf(program.directory, environment, `releases/${environment}.yaml`));
  for (const candidate of candidates) {
    const signing = { required: signingRequired, trust };
    approvals.set(candidate.application, await readApprovalEvidence(copy, request.to, candidate.application, candidate.image, signing));
    changeAuthors.set(candidate.application, changeAuthorsOf(everyReleasesFile, candidate.application, candidate.image));
  }
  // The target as the branch tip has it, for the applications that may move.
  const toIndex = indexApplications(readEnvironmentTree(root, request.to, source, candidates.map((candidate) => candidate.application)));
  const context: PlanContext = { copy, request, actor, toIndex, records, releases, releasesFile, program, approvals, changeAuthors };

  let chosen = candidates;
  let planned: Planned;
  if (!request.automatic) {
    planned = applyAndPlan(context, chosen, () => candidates.map((candidate) => candidate.application));
  } else {
    // Judged one by one first, so one blocked application cannot hold back the others.
    const alone = applyAndPlan(context, candidates, (candidate) => [candidate.application]).plans;
    const candidateOf = new Map(candidates.map((candidate) => [candidate.application, candidate]));
    chosen = [];
    const perPolicy = new Map<string, number>();
    for (const plan of alone) {
      const candidate = candidateOf.get(plan.application)!;
      if (plan.outcome !== 'pass') {
        const blockers = [...plan.gates.filter((gate) => gate.verdict === 'fail'), ...plan.gates.filter((gate) => gate.verdict === 'wait')];
        const [first, ...others] = blockers;
        const also = others.length === 0 ? '' : ` (also ${others.map((gate) => gate.gate).join(', ')})`;
        skipped.push({ application: plan.application, reason: `${first.gate} ${first.verdict === 'wait' ? `waits until ${first.until}` : 'fails'}: ${first.reason}${also}` });
        continue;
      }
      const full = candidate.stages.find((stage) =>
        stage.maxApplicationsPerPromotion !== undefined && (perPolicy.get(stage.policy) ?? 0) >= stage.maxApplicationsPerPromotion);
      if (full !== undefined) {
        skipped.push({ application: plan.application, reason: `policy ${full.policy} moves at most ${full.maxApplicationsPerPromotion} applications per promotion; the next run promotes it` });
        continue;
      }
      for (const stage of candidate.stages) {
        perPolicy.set(stage.policy, (perPolicy.get(stage.policy) ?? 0) + 1);
      }
      chosen.push(candidate);
    }
    if (chosen.length === 0) {
      return { ...base, status: 'nothing-to-promote', plans: [], skipped, warnings };
    }
    await copy.git(['reset', '--hard', '--quiet']);
    await copy.git(['clean', '-d', '--force', '--quiet']);
    planned = applyAndPlan(context, chosen, () => chosen.map((candidate) => candidate.application));
  }
  const plans = planned.plans;
  warnings.push(...await changesOutside(copy, request.to, planned.after, releasesFile, plans.map((plan) => plan.application)));

  if (plans.some((plan) => plan.outcome !== 'pass')) {
    return { ...base, status: 'blocked', plans, skipped, warnings, eligibleAt: overallEligibleAt(plans) };
  }
  if (request.dryRun) {
    return { ...base, status: 'dry-run', plans, skipped, warnings };
  }
  const names = plans.map((plan) => plan.application);
  const subject = `promote ${names.join(', ')} from ${request.from} to ${request.to}`;
  const body = [
    ...plans.map((plan) => `${plan.application}: ${plan.previousImage ?? '(not released)'} → ${plan.image} (risk ${plan.risk.riskClass})`),
    ...(request.message === undefined ? [] : ['', request.message]),
  ].join('\n');
  const message = commitMessage(subject, body, {
    action: 'promote',
    environment: request.to,
    from: request.from,
    by: actor.identity,
    applications: plans.map((plan) => ({ name: plan.application, image: plan.image, previousImage: plan.previousImage })),
    risks: plans.map((plan) => ({ application: plan.application, riskClass: plan.risk.riskClass })),
    gates: plans.flatMap((plan) => plan.gates.map((gate) => ({
      application: plan.application,
      gate: gate.gate,
      verdict: gate.verdict,
      reason: gate.reason,
    }))),
  });
  const committed = await copy.commitAll(message, { name: actor.name, email: actor.identity, at }, request.signKey, signingRequired);
  if (committed === undefined) {
    return { ...base, status: 'nothing-to-promote', plans, skipped, warnings };
  }
  if (signingRequired) {
    await assertSignedBy(copy, 'promote', committed.commit, actor.identity, trust);
  }
  return { ...base, status: 'promoted', plans, skipped, warnings, commit: committed.commit, signed: committed.signed };
}

interface PlanContext {
  readonly copy: EnvRepoWorkCopy;
  readonly request: PromoteRequest;
  readonly actor: Actor;
  /** The target as the branch tip has it: its metadata and the objects of the candidates. */
  readonly toIndex: ApplicationIndex;
  readonly records: ReturnType<typeof parseRecords>['records'];
  readonly releases: ReleasesFile;
  readonly releasesFile: string;
  readonly program: ReturnType<typeof locateFleetProgram>;
  /** Per application: its approvals, with what their signatures say. */
  readonly approvals: ReadonlyMap<string, readonly ApprovalEvidence[]>;
  /** Per application: who released the image or promoted it anywhere. */
  readonly changeAuthors: ReadonlyMap<string, readonly string[]>;
}

/** Writes the releases of `chosen` into the target, re-synthesizes and plans each application. */
function applyAndPlan(context: PlanContext, chosen: readonly Candidate[], promotedWith: (candidate: Candidate) => string[]): Planned {
  const { copy, request, actor, toIndex } = context;
  const releases = withReleases(context.releases, chosen.map((candidate) => [candidate.application, {
    image: candidate.image,
    by: actor.identity,
    at: formatInstant(request.now),
    message: request.message ?? `promoted from ${request.from}`,
  }]));
  const file = path.join(copy.directory, context.releasesFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, serializeReleasesFile(releases));
  // Only the target's releases changed, so only the target is re-synthesized; other environments keep their files.
  synthesizeInto(context.program, copy.directory, [request.to]);
  const after = indexApplications(readEnvironmentTree(copy.directory, request.to, `the re-synthesized ${request.to}`, chosen.map((candidate) => candidate.application)));
  const plans = chosen.map((candidate) => {
    const before = toIndex.record(candidate.application);
    const afterRecord = after.record(candidate.application);
    return planApplication({
      application: candidate.application,
      image: candidate.image,
      previousImage: candidate.previousImage,
      from: request.from,
      to: request.to,
      now: request.now,
      upstreamRecords: context.records,
      approvals: context.approvals.get(candidate.application) ?? [],
      changeAuthors: context.changeAuthors.get(candidate.application) ?? [],
      automatic: request.automatic,
      promotedApplications: promotedWith(candidate),
      by: request.forAnyPromoter === true ? undefined : actor.identity,
      stages: candidate.stages,
      objectsBefore: toIndex.objects(candidate.application),
      objectsAfter: after.objects(candidate.application),
      settingsBefore: candidate.previousImage === undefined ? undefined : before?.settings,
      settingsAfter: afterRecord?.settings ?? {},
      overrides: afterRecord?.overrides ?? {},
    });
  });
  return { plans, after };
}

/** Plans, and the target as re-synthesized for them. */
interface Planned {
  readonly plans: ApplicationPlan[];
  readonly after: ApplicationIndex;
}

function stageGates(stage: PromotionStageRecord): StageGates {
  return {
    policy: stage.policy,
    from: stage.from!,
    applications: stage.applications,
    maxApplicationsPerPromotion: stage.maxApplicationsPerPromotion,
    gates: stage.gates,
  };
}

/** The instant every plan passes, when each is only waiting; undefined when any needs more than time. */
function overallEligibleAt(plans: readonly ApplicationPlan[]): string | undefined {
  let latest = '';
  for (const plan of plans) {
    if (plan.outcome === 'pass') {
      continue;
    }
    if (plan.eligibleAt === undefined) {
      return undefined;
    }
    latest = plan.eligibleAt > latest ? plan.eligibleAt : latest;
  }
  return latest || undefined;
}

/**
 * What the re-synthesis changed besides the promoted applications and the releases file: the fleet program
 * had changes nobody synthesized, or a file was edited by hand (promote does not read the target's other
 * applications, so their edits are not refused but undone here). Inside the target these are other
 * applications' files (or the environment's own); outside it, files a program that synthesizes more than
 * the target wrote.
 */
async function changesOutside(
  copy: EnvRepoWorkCopy,
  environment: string,
  after: ApplicationIndex,
  releasesFile: string,
  moved: readonly string[],
): Promise<string[]> {
  const status = await copy.git(['status', '--porcelain=v1', '--untracked-files=all', '-z']);
  const paths = status.split('\0').filter((entry) => entry.length > 3).map((entry) => entry.slice(3));
  const inside = paths.filter((file) => file.startsWith(`${environment}/`));
  const outside = paths.filter((file) => !file.startsWith(`${environment}/`) && file !== releasesFile && file !== `releases/${environment}.yaml`).sort(compareCodeUnits);
  const movedFiles = new Set(moved.flatMap((application) => after.files(application)));
  const movedSet = new Set(moved);
  const others = inside.filter((file) => {
    const folder = file.split('/')[1];
    return folder !== METADATA_FOLDER && file !== kustomizationPath(environment) && !movedSet.has(folder) && !movedFiles.has(file);
  }).sort(compareCodeUnits);
  const warnings: string[] = [];
  if (others.length > 0) {
    warnings.push(`re-synthesis also changed files of ${environment} that this promotion does not move (${listed(others)}): `
      + 'they differ from what the fleet program writes (a program change not yet synthesized, or a hand edit); they are part of this commit (other environments keep their files until the next stagecraft synth)');
  }
  if (outside.length > 0) {
    warnings.push(`re-synthesis also changed files outside ${environment}/ (${listed(outside)}): the fleet program had changes that were not synthesized; they are part of this commit`);
  }
  return warnings;
}

function listed(files: readonly string[]): string {
  return files.slice(0, 5).join(', ') + (files.length > 5 ? ` and ${files.length - 5} more` : '');
}

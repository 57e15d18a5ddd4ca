import type { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { compareCodeUnits, sortedUnique } from '../envrepo/names';
import { isRiskDependentGate } from '../envrepo/promotion-gates';
import { changeAuthorsOf, ReleasesFile } from '../envrepo/releases';
import type { VerificationObjectCounts, VerificationRecord } from '../envrepo/verification-record';
import type { ApprovalEvidence } from '../promotion/gates';
import { evaluateStages, GateVerdict, StageGates, Verdict } from '../promotion/gates';
import type { HistoryEntry } from '../promotion/history';
import { sameVersion, shortImage } from '../promotion/image-version';
import { earliestEligible } from '../promotion/plan';
import { formatInstant } from '../promotion/time';

/**
 * The promotion board as data: what runs where, what waits and why, how each environment's last reconcile
 * went and what happened to each application. Built by `buildBoard` from what the env repo holds (read by
 * read-board.ts); rendered by render.ts. Pure: the clock comes in as `now`.
 */

/** One environment as read from the env repo. */
export interface EnvironmentInput {
  readonly metadata: EnvironmentMetadata;
  /** `releases/<env>.yaml`: who put each image there, when and why. */
  readonly releases: ReleasesFile;
  /** Verification records of the environment from branch stagecraft/status. */
  readonly records: readonly VerificationRecord[];
  /** Approvals recorded for this environment (any application, any image). */
  /** With what each approval's signature says, judged as `promote` judges it. */
  readonly approvals: readonly ApprovalEvidence[];
  /** The environment's audit trail, newest first. */
  readonly history: readonly HistoryEntry[];
  /** What the reconciler keeps in the cluster (its status ConfigMap), when a kubeconfig was given. */
  readonly inCluster?: ClusterView;
}

/** The status ConfigMap of an environment as the board shows it (read by the CLI, so the board imports no reconciler). */
export interface ClusterView {
  /** Where it was read: `ConfigMap shop/stagecraft-status-prod`, or why it could not be. */
  readonly source: string;
  readonly found: boolean;
  readonly runningCommit?: string;
  readonly healthySince?: string;
  readonly lastKnownGoodCommit?: string;
  /** The newest reconcile the cluster remembers. */
  readonly lastReconcile?: {
    readonly verdict: string;
    readonly commit: string;
    readonly startedAt: string;
    readonly writeRequests: number;
    readonly driftedObjects: number;
    readonly reason?: string;
  };
}

export interface BoardInput {
  /** Shown in the title: the repo as given on the command line, without credentials. */
  readonly repo: string;
  readonly branch: string;
  /** The branch tip read. */
  readonly commit: string;
  /** `https://host/owner/repo`: commits link to `<webUrl>/commit/<sha>`. */
  readonly webUrl?: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly environments: readonly EnvironmentInput[];
  /** Problems met while reading that did not stop the board (unreadable records). */
  readonly warnings: readonly string[];
  /** Newest history entries kept per application. */
  readonly historyPerApplication: number;
  /**
   * The risk class of each pending promotion, found as `promote --dry-run` finds it: by re-synthesizing the
   * target with the upstream image (read-board.ts). With it, gates that depend on the risk class (extraApprovals,
   * extraSoak) are judged like the others; without it they are listed as not judged, `riskNotJudged` says why.
   */
  readonly riskClasses?: readonly PromotionRiskClass[];
  /** Why the risk class of pending promotions is not known (no fleet program, a synth that failed, not asked). */
  readonly riskNotJudged?: string;
}

/** The risk class of promoting `image` of an application from `from` into `to`. */
export interface PromotionRiskClass {
  readonly from: string;
  readonly to: string;
  readonly application: string;
  readonly image: string;
  readonly riskClass: string;
}

/**
 * What a cell says about an application in an environment. `failed` covers every verdict that is not
 * healthy (failed, rolled-back, refused); `unverified` means no record shows this image yet.
 */
export type CellState = 'healthy' | 'failed' | 'unverified' | 'not-released';

export interface Cell {
  readonly environment: string;
  readonly image?: string;
  /** `web@sha256:0e1b3f944dea` or `web:1.4`. */
  readonly shortImage?: string;
  readonly by?: string;
  readonly at?: string;
  readonly message?: string;
  readonly state: CellState;
  /** The record behind the state: its verdict, when, and why when it is not healthy. */
  readonly verdict?: string;
  readonly verifiedAt?: string;
  readonly reason?: string;
  /** The promotion waiting to come into this environment, if the upstream runs another image. */
  readonly pending?: PendingPromotion;
}

export interface GateLine extends GateVerdict {
  /** Short words for a chip: `approvals 1 of 2`, `soak until 2026-11-23T09:10:00Z`, `manual ok`. */
  readonly summary: string;
}

export interface PendingPromotion {
  readonly from: string;
  readonly to: string;
  readonly image: string;
  readonly shortImage: string;
  readonly outcome: Verdict;
  /** When every gate passes if nothing else changes (ISO 8601), for `wait`. */
  readonly eligibleAt?: string;
  readonly gates: readonly GateLine[];
  /** The change's risk class, when the target was re-synthesized to judge the gates that depend on it. */
  readonly riskClass?: string;
  /** Gates that depend on the change's risk class and could not be judged (see `notJudgedReason`). */
  readonly notJudged: readonly string[];
  /** Why `notJudged` gates were not judged; `stagecraft promote --dry-run` judges them. */
  readonly notJudgedReason?: string;
}

export interface Row {
  readonly application: string;
  readonly cells: readonly Cell[];
  /** Worst first: failed, waiting, unverified, healthy, not-released. */
  readonly state: RowState;
}

export type RowState = 'failed' | 'waiting' | 'unverified' | 'healthy' | 'not-released';

export interface Pipeline {
  readonly policy: string;
  /** Environments in promotion order. */
  readonly stages: readonly string[];
  readonly rows: readonly Row[];
}

/** An object the reconciler named in a record's reason: `Deployment/shop/web (prod/web/deployment/Resource): …`. */
export interface ObjectProblem {
  readonly object: string;
  readonly constructPath?: string;
  readonly message: string;
}

export interface ReconcileView {
  readonly verdict: string;
  readonly commit: string;
  readonly recordedAt: string;
  readonly firstHealthyAt?: string;
  readonly objects: VerificationObjectCounts;
  readonly reason?: string;
  readonly problems: readonly ObjectProblem[];
}

export interface EnvironmentPanel {
  readonly name: string;
  readonly cluster: string;
  readonly requireSignedCommits: boolean;
  readonly lastReconcile?: ReconcileView;
  readonly lastKnownGood?: ReconcileView;
  readonly applications: number;
  readonly inCluster?: ClusterView;
}

export interface ApplicationTimeline {
  readonly application: string;
  readonly entries: readonly HistoryEntry[];
}

export interface Board {
  readonly repo: string;
  readonly branch: string;
  readonly commit: string;
  readonly webUrl?: string;
  readonly generatedAt: string;
  readonly environments: readonly EnvironmentPanel[];
  readonly pipelines: readonly Pipeline[];
  readonly timelines: readonly ApplicationTimeline[];
  readonly warnings: readonly string[];
}

/** Builds the board. Pure. */
export function buildBoard(input: BoardInput): Board {
  const byName = new Map(input.environments.map((environment) => [environment.metadata.name, environment]));
  const recordsByTime = new Map(input.environments.map((environment) => [
    environment.metadata.name,
    [...environment.records].sort((left, right) => compareCodeUnits(left.recordedAt, right.recordedAt)),
  ]));
  return {
    repo: input.repo,
    branch: input.branch,
    commit: input.commit,
    webUrl: input.webUrl,
    generatedAt: formatInstant(input.now),
    environments: input.environments.map((environment) => environmentPanel(environment, recordsByTime.get(environment.metadata.name)!)),
    pipelines: pipelinesOf(input, byName, recordsByTime),
    timelines: timelinesOf(input),
    warnings: input.warnings,
  };
}

function environmentPanel(environment: EnvironmentInput, records: readonly VerificationRecord[]): EnvironmentPanel {
  const last = records[records.length - 1];
  const good = [...records].reverse().find((record) => record.verdict === 'healthy');
  return {
    name: environment.metadata.name,
    cluster: environment.metadata.cluster,
    requireSignedCommits: environment.metadata.policy.requireSignedCommits,
    lastReconcile: last === undefined ? undefined : reconcileView(last),
    lastKnownGood: good === undefined ? undefined : reconcileView(good),
    applications: environment.metadata.applications.filter((application) => application.image !== undefined).length,
    inCluster: environment.inCluster,
  };
}

function reconcileView(record: VerificationRecord): ReconcileView {
  return {
    verdict: record.verdict,
    commit: record.commit,
    recordedAt: record.recordedAt,
    firstHealthyAt: record.firstHealthyAt,
    objects: record.objects,
    reason: record.reason,
    problems: objectProblems(record.reason),
  };
}

// `Kind/namespace/name (construct/path): message` or `Kind/name: message`, separated by `; ` (reconciler/wait.ts).
const PROBLEM = /([A-Za-z][A-Za-z0-9]*\/[a-z0-9][a-z0-9.-]*(?:\/[a-z0-9][a-z0-9.-]*)?)(?: \(([^()]+)\))?: ([^;]*)/g;

/** The objects a record's reason names, each with its construct path: what a person fixes. */
export function objectProblems(reason: string | undefined): ObjectProblem[] {
  if (reason === undefined) {
    return [];
  }
  const problems: ObjectProblem[] = [];
  for (const match of reason.matchAll(PROBLEM)) {
    problems.push({ object: match[1], constructPath: match[2], message: match[3].trim() });
  }
  return problems;
}

/** Policies with their stages in order, as the environments' `promotion[]` records them. */
function pipelinesOf(
  input: BoardInput,
  byName: ReadonlyMap<string, EnvironmentInput>,
  recordsByTime: ReadonlyMap<string, readonly VerificationRecord[]>,
): Pipeline[] {
  const policies = new Map<string, Array<{ environment: string; position: number; applications: readonly string[] }>>();
  for (const environment of input.environments) {
    for (const stage of environment.metadata.promotion) {
      const stages = policies.get(stage.policy) ?? [];
      stages.push({ environment: environment.metadata.name, position: stage.position, applications: stage.applications });
      policies.set(stage.policy, stages);
    }
  }
  const pipelines: Pipeline[] = [];
  for (const policy of [...policies.keys()].sort(compareCodeUnits)) {
    const stages = policies.get(policy)!
      .sort((left, right) => left.position - right.position || compareCodeUnits(left.environment, right.environment));
    const applications = sortedUnique(stages.flatMap((stage) => stage.applications));
    const rows = applications.map((application) => {
      const cells = stages.map((stage) => cellOf(input, byName, recordsByTime, policy, stage.environment, application));
      return { application, cells, state: rowState(cells) };
    });
    pipelines.push({ policy, stages: stages.map((stage) => stage.environment), rows });
  }
  // Environments on no policy still show what they run.
  const onPolicies = new Set([...policies.values()].flatMap((stages) => stages.map((stage) => stage.environment)));
  for (const environment of input.environments.filter((candidate) => !onPolicies.has(candidate.metadata.name))) {
    const name = environment.metadata.name;
    const rows = environment.metadata.applications.map((application) => {
      const cells = [cellOf(input, byName, recordsByTime, undefined, name, application.name)];
      return { application: application.name, cells, state: rowState(cells) };
    });
    pipelines.push({ policy: `${name} (no promotion policy)`, stages: [name], rows });
  }
  return pipelines;
}

function cellOf(
  input: BoardInput,
  byName: ReadonlyMap<string, EnvironmentInput>,
  recordsByTime: ReadonlyMap<string, readonly VerificationRecord[]>,
  policy: string | undefined,
  environmentName: string,
  application: string,
): Cell {
  const environment = byName.get(environmentName)!;
  const image = environment.metadata.applications.find((record) => record.name === application)?.image;
  const release = environment.releases.applications[application];
  const pending = policy === undefined ? undefined : pendingPromotion(input, byName, recordsByTime, policy, environment, application, image);
  if (image === undefined) {
    return { environment: environmentName, state: 'not-released', pending };
  }
  const base = {
    environment: environmentName,
    image,
    shortImage: shortImage(image),
    // The releases file speaks for the image only when it names the same one.
    ...(release !== undefined && release.image === image ? { by: release.by, at: release.at, message: release.message } : {}),
    pending,
  };
  const records = [...recordsByTime.get(environmentName)!].reverse()
    .filter((record) => record.applications?.[application] !== undefined && sameVersion(record.applications[application], image));
  // A failed reconcile names the objects that failed; an application none of them belongs to keeps the
  // verdict of its latest record that was healthy (the failure is shown on the others and on the environment).
  const latest = records.find((record) => record.verdict === 'healthy' || concerns(record, environmentName, application));
  if (latest === undefined) {
    return { ...base, state: 'unverified' };
  }
  return {
    ...base,
    state: latest.verdict === 'healthy' ? 'healthy' : 'failed',
    verdict: latest.verdict,
    verifiedAt: latest.recordedAt,
    reason: latest.reason,
  };
}

/** Whether an unhealthy record concerns the application: it names one of its objects, or names none it can be told by. */
function concerns(record: VerificationRecord, environment: string, application: string): boolean {
  const problems = objectProblems(record.reason);
  return problems.length === 0 || problems.some((problem) => problem.constructPath?.startsWith(`${environment}/${application}/`) ?? true);
}

/** The promotion into `target` under `policy` when its upstream runs another image: every gate judged now. */
function pendingPromotion(
  input: BoardInput,
  byName: ReadonlyMap<string, EnvironmentInput>,
  recordsByTime: ReadonlyMap<string, readonly VerificationRecord[]>,
  policy: string,
  target: EnvironmentInput,
  application: string,
  targetImage: string | undefined,
): PendingPromotion | undefined {
  const stage = target.metadata.promotion.find((candidate) => candidate.policy === policy && candidate.applications.includes(application));
  if (stage?.from === undefined) {
    return undefined;
  }
  const upstream = byName.get(stage.from);
  const image = upstream?.metadata.applications.find((record) => record.name === application)?.image;
  if (image === undefined || image === targetImage) {
    return undefined;
  }
  const known = riskClassOf(input, { from: stage.from, to: target.metadata.name, application, image });
  // Without the change's risk class, the gates that depend on it are left out and listed as not judged.
  const gates = known === undefined ? stage.gates.filter((gate) => !isRiskDependentGate(gate)) : stage.gates;
  const notJudged = known === undefined ? stage.gates.filter(isRiskDependentGate).map((gate) => String(gate.type)) : [];
  // maxApplicationsPerPromotion counts what one promote command moves together: nothing to judge per cell.
  const stages: StageGates[] = [{ policy, from: stage.from, applications: stage.applications, gates }];
  const gateInput = {
    application,
    image,
    from: stage.from,
    to: target.metadata.name,
    upstreamRecords: recordsByTime.get(stage.from) ?? [],
    approvals: target.approvals,
    // Only the risk-dependent gates read the class; without it they are left out above.
    riskClass: known ?? 'no-op',
    automatic: false,
    promotedApplications: [application],
    // Nobody promotes yet: gates that exclude the promoter exclude whoever released or promoted the image.
    changeAuthors: changeAuthorsOf(input.environments.map((environment) => environment.releases), application, image),
  };
  const evaluateAt = (now: number) => evaluateStages(stages, { ...gateInput, now });
  const evaluation = evaluateAt(input.now);
  const eligibleAt = evaluation.outcome === 'wait' ? earliestEligible(evaluateAt, evaluation) : undefined;
  return {
    from: stage.from,
    to: target.metadata.name,
    image,
    shortImage: shortImage(image),
    riskClass: known,
    outcome: evaluation.outcome,
    eligibleAt: eligibleAt === undefined ? undefined : formatInstant(eligibleAt),
    gates: evaluation.verdicts.map((verdict) => ({ ...verdict, summary: gateSummary(verdict) })),
    notJudged,
    ...(notJudged.length === 0 ? {} : { notJudgedReason: input.riskNotJudged ?? 'the board was not asked to re-synthesize' }),
  };
}

const riskIndexes = new WeakMap<readonly PromotionRiskClass[], ReadonlyMap<string, string>>();

/** The known risk class of one promotion (indexed once per board input). */
function riskClassOf(input: BoardInput, promotion: Omit<PromotionRiskClass, 'riskClass'>): string | undefined {
  if (input.riskClasses === undefined) {
    return undefined;
  }
  const key = (entry: Omit<PromotionRiskClass, 'riskClass'>) => [entry.from, entry.to, entry.application, entry.image].join('\0');
  let index = riskIndexes.get(input.riskClasses);
  if (index === undefined) {
    index = new Map(input.riskClasses.map((entry) => [key(entry), entry.riskClass]));
    riskIndexes.set(input.riskClasses, index);
  }
  return index.get(key(promotion));
}


/** A gate verdict in a few words for a chip; the full reason goes beside it. */
export function gateSummary(verdict: GateVerdict): string {
  const approvals = /^(?:risk [^:]*: )?(\d+) of (\d+) approvals/.exec(verdict.reason);
  if (approvals !== null) {
    return `${verdict.gate} ${approvals[1]} of ${approvals[2]}`;
  }
  if (verdict.verdict === 'wait') {
    return `${verdict.gate} until ${verdict.until}`;
  }
  return `${verdict.gate} ${verdict.verdict === 'pass' ? 'ok' : 'blocked'}`;
}

const ROW_ORDER: readonly RowState[] = ['failed', 'waiting', 'unverified', 'healthy', 'not-released'];

function rowState(cells: readonly Cell[]): RowState {
  const states: RowState[] = cells.map((cell) => cell.state);
  if (cells.some((cell) => cell.pending !== undefined)) {
    states.push('waiting');
  }
  return ROW_ORDER.find((state) => states.includes(state)) ?? 'not-released';
}

/** Per application, its history across environments, newest first, at most `historyPerApplication` entries. */
function timelinesOf(input: BoardInput): ApplicationTimeline[] {
  const byApplication = new Map<string, HistoryEntry[]>();
  for (const environment of input.environments) {
    for (const entry of environment.history) {
      if (entry.application === undefined) {
        continue;
      }
      const entries = byApplication.get(entry.application) ?? [];
      entries.push(entry);
      byApplication.set(entry.application, entries);
    }
  }
  return [...byApplication.keys()].sort(compareCodeUnits).map((application) => ({
    application,
    entries: byApplication.get(application)!
      .sort((left, right) => compareCodeUnits(right.at, left.at) || compareCodeUnits(left.environment, right.environment))
      .slice(0, input.historyPerApplication),
  }));
}

import * as fs from 'fs';
import * as path from 'path';
import { CliResult, REPO_ROOT, runStagecraft } from './cli';
import { git, initRepository } from './git';
import { commitVerificationRecord, recordPath, serializeRecord, VerificationRecord } from '../../lib/reconciler/record-git';

/** Approvers the test fleet's prod stage allows. */
export const APPROVERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];

export interface FleetOptions {
  /** Replicas of web in prod. */
  readonly prodReplicas?: number;
  /** Labels of web. */
  readonly webLabels?: Record<string, string>;
  /** Labels of api. */
  readonly apiLabels?: Record<string, string>;
  /** A package the program requires from its node_modules (as real programs require cdk8s). */
  readonly requires?: string;
  /** Folder of the fleet program inside the env repo (`--fleet`). */
  readonly fleetFolder?: string;
  /** prod requires signed commits, and its approvals gate excludes the promoter. */
  readonly signedProd?: boolean;
  /** Every environment delivered by Flux (`Delivery.flux`) instead of stagecraft's reconciler. */
  readonly flux?: boolean;
  /** prod asks for one more approval when a promotion restarts pods or worse (`extraApprovalsFor`). */
  readonly riskyProd?: boolean;
}

/**
 * A small fleet program in plain JavaScript, as a team keeps it at the root of its env repo: dev → staging
 * (automatic after 1 h) → prod (by hand after 2 h and two approvals, Mon–Thu 09:00–16:00 Berlin). It loads
 * stagecraft from this checkout by absolute path.
 */
export function fleetProgram(options: FleetOptions = {}): string {
  return `// the test fleet
const path = require('path');
const root = ${JSON.stringify(REPO_ROOT)};
const { Duration } = require(path.join(root, 'node_modules', 'cdk8s'));
const { Application, Delivery, Environment, Fleet, PromotionGate, PromotionPolicy, RiskClass, TimeWindow, Weekday } = require(path.join(root, 'lib'));
${options.requires === undefined ? '' : `require(${JSON.stringify(options.requires)});\n`}
const delivery = ${options.flux ? "Delivery.flux({ repository: 'https://git.example/shop/env.git'" + (options.signedProd ? ", verificationSecretName: 'env-repo-signers'" : '') + ' })' : 'Delivery.stagecraft()'};
const fleet = new Fleet({ synthWorkers: 0 });
const dev = new Environment(fleet, 'dev', { overrides: { replicas: 1 }, delivery });
const staging = new Environment(fleet, 'staging', { delivery });
const prod = new Environment(fleet, 'prod', { namespace: 'shop', delivery${options.signedProd ? ', requireSignedCommits: true' : ''} });
new Application(fleet, 'web', {
  image: 'registry.example/shop/web',
  port: 8080,
  replicas: 2,
  config: { LOG_LEVEL: 'info' },
  labels: ${JSON.stringify(options.webLabels ?? {})},
  environments: { prod: { replicas: ${options.prodReplicas ?? 3} } },
});
new Application(fleet, 'api', { image: 'registry.example/shop/api', port: 9000${options.apiLabels === undefined ? '' : `, labels: ${JSON.stringify(options.apiLabels)}`} });
new PromotionPolicy(fleet, 'shop', {
  stages: [
    { environment: dev },
    { environment: staging, gates: [PromotionGate.auto(), PromotionGate.verifiedUpstream(), PromotionGate.soak(Duration.hours(1))] },
    {
      environment: prod,
      gates: [
        PromotionGate.manual(),
        PromotionGate.verifiedUpstream(),
        PromotionGate.soak(Duration.hours(2)),
        PromotionGate.approvals(2, { from: ${JSON.stringify(APPROVERS)}${options.signedProd ? ', excludePromoter: true' : ''} }),${options.riskyProd ? `
        PromotionGate.extraApprovalsFor(RiskClass.POD_RESTART, 1, { from: ${JSON.stringify(APPROVERS)} }),` : ''}
        PromotionGate.allowWindow(TimeWindow.weekly({
          days: [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin',
        })),
      ],
    },
  ],
});
fleet.synth();
`;
}

/** Git isolated from the machine's config (no signing, no hooks, no identity) for every CLI run. */
export const ISOLATED_GIT = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

/** `stagecraft …` in `cwd` with git isolated from the machine's config. */
export function stagecraft(cwd: string, ...args: string[]): CliResult {
  return runStagecraft(args, { cwd, env: ISOLATED_GIT });
}

/**
 * An env repo holding the fleet program at its root and its first synth, as a bare repository (the
 * "remote" teams push to) at `<scratch>/env.git`, plus the working repository it was made in.
 */
export function createEnvRepo(scratch: string, options: FleetOptions = {}): { bare: string; work: string } {
  const work = initRepository(path.join(scratch, 'work'));
  const program = path.join(work, options.fleetFolder ?? '.');
  fs.mkdirSync(program, { recursive: true });
  fs.writeFileSync(path.join(program, 'cdk8s.yaml'), 'app: node main.js\n');
  fs.writeFileSync(path.join(work, '.gitignore'), 'node_modules\n');
  fs.writeFileSync(path.join(program, 'main.js'), fleetProgram(options));
  const synth = stagecraft(program, 'synth', '--out', work);
  if (synth.status !== 0) {
    throw new Error(`synth of the test fleet failed: ${synth.stderr}`);
  }
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '--message', 'fleet program and first synth');
  const bare = path.join(scratch, 'env.git');
  git(scratch, 'clone', '--quiet', '--bare', work, bare);
  return { bare, work };
}

/** Commits a new fleet program to `bare`'s main without synthesizing it (someone pushed a program change). */
export function pushProgramChange(scratch: string, bare: string, options: FleetOptions): void {
  const clone = path.join(scratch, `change-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  git(scratch, 'clone', '--quiet', bare, clone);
  fs.writeFileSync(path.join(clone, 'main.js'), fleetProgram(options));
  git(clone, 'commit', '--quiet', '--all', '--message', 'change the fleet program');
  git(clone, 'push', '--quiet', 'origin', 'main');
}

/** What the reconciler would record after applying `main` of `bare` to `environment`. */
export async function recordVerification(
  bare: string,
  environment: string,
  at: string,
  applications: Record<string, string>,
  fields: Partial<VerificationRecord> = {},
): Promise<string> {
  const commit = git(bare, 'rev-parse', 'main');
  const record: VerificationRecord = {
    schemaVersion: 1,
    environment,
    commit,
    lockDigest: `sha256:${'c'.repeat(64)}`,
    verdict: 'healthy',
    firstHealthyAt: at,
    recordedAt: at,
    objects: { total: 3, created: 3, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    applications,
    ...fields,
  };
  await commitVerificationRecord({
    repo: bare,
    path: recordPath(record),
    content: serializeRecord(record),
    message: `${environment}: ${record.verdict} at ${commit}`,
    author: { name: 'stagecraft reconciler', email: 'reconciler@example.com' },
    clockIso: at,
  });
  return commit;
}

/** `registry.example/shop/<app>@sha256:<64 × character>`. */
export function image(application: string, character: string): string {
  return `registry.example/shop/${application}@sha256:${character.repeat(64)}`;
}

import { createEnvRepo, image, recordVerification, stagecraft } from './promotion-repo';

/** A release message that would run script and load an image if the page did not escape it. */
export const HOSTILE_MESSAGE = '<script>window.__pwned = 1</script>"><img src=x onerror="window.__pwned = 2">';

export const WEB_B = image('web', 'b');
export const WEB_C = image('web', 'c');
export const API_D = image('api', 'd');

/** Monday 2026-11-23 08:00 UTC (09:00 in Berlin: prod's window opens). */
const T0 = Date.parse('2026-11-23T08:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString().replace('.000Z', 'Z');

/** The instant the board of the scenario is judged at: web c waits in staging for prod's soak and a second approval. */
export const BOARD_NOW = at(390);
/** Where prod's soak for web c ends (staging healthy at T0 + 6 h 20 m, plus 2 h). */
export const SOAK_ENDS = at(500);

export interface BoardScenario {
  readonly repo: string;
  readonly failedReason: string;
}

/**
 * The promotion scenario of test/e2e through the CLI on a real git env repo, with the reconciler's records
 * committed by the reconciler's own writer (lib/reconciler/record-git) instead of a control plane:
 * web b released to dev (with a hostile message), promoted to staging and, with two approvals, to prod;
 * then web c released and promoted to staging, approved for prod by one person only; api d released to
 * dev and its reconcile failed.
 */
export async function boardScenario(scratch: string): Promise<BoardScenario> {
  const repo = createEnvRepo(scratch).bare;
  const run = (...args: string[]): void => {
    const result = stagecraft(scratch, ...args);
    if (result.status !== 0) {
      throw new Error(`stagecraft ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
    }
  };
  run('release', 'web', '--image', WEB_B, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', HOSTILE_MESSAGE, '--now', at(0));
  await recordVerification(repo, 'dev', at(10), { web: WEB_B });
  run('promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', at(75));
  await recordVerification(repo, 'staging', at(80), { web: WEB_B });
  for (const approver of ['alice@example.com', 'bob@example.com']) {
    run('approve', 'web', '--env', 'prod', '--repo', repo, '--as', approver, '--comment', `looks good <b>${approver}</b>`, '--now', at(230));
  }
  run('promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', at(240));
  await recordVerification(repo, 'prod', at(250), { web: WEB_B });

  run('release', 'web', '--image', WEB_C, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', 'build 13', '--now', at(300));
  await recordVerification(repo, 'dev', at(305), { web: WEB_C });
  run('promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo, '--as', 'alice@example.com', '--now', at(370));
  await recordVerification(repo, 'staging', at(380), { web: WEB_C });
  run('approve', 'web', '--env', 'prod', '--repo', repo, '--as', 'alice@example.com', '--now', at(385));

  run('release', 'api', '--image', API_D, '--env', 'dev', '--repo', repo, '--as', 'ci@example.com', '--message', 'build 7', '--now', at(386));
  const failedReason = 'not healthy after 60 s: Deployment/dev/api (dev/api/deployment/Resource): Progressing is False (ProgressDeadlineExceeded): ReplicaSet "api" has timed out progressing.; no earlier revision was verified healthy, so there is nothing to roll back to';
  await recordVerification(repo, 'dev', at(388), { web: WEB_C, api: API_D }, { verdict: 'failed', reason: failedReason, firstHealthyAt: undefined });
  return { repo, failedReason };
}

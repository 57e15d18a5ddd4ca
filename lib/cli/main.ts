import { approveCommand, APPROVE_USAGE } from './approve-command';
import { UsageError } from './args';
import { demoCommand, DEMO_USAGE } from './demo-command';
import { devClusterCommand, DEV_CLUSTER_USAGE } from './dev-cluster-command';
import { diffCommand, DIFF_USAGE } from './diff-command';
import { historyCommand, HISTORY_USAGE } from './history-command';
import { initCommand, INIT_USAGE } from './init-command';
import { Output } from './output';
import { promoteCommand, PROMOTE_USAGE } from './promote-command';
import { reconcileCommand, RECONCILE_USAGE } from './reconcile-command';
import { releaseCommand, RELEASE_USAGE } from './release-command';
import { statusCommand, STATUS_USAGE } from './status-command';
import { synthCommand, SYNTH_USAGE } from './synth-command';

/**
 * Exit codes: 0 ok; 1 changes found or a check failed; 2 usage error or bad input.
 */
const COMMANDS: Record<string, { run: (argv: readonly string[], output: Output) => number | Promise<number>; usage: string }> = {
  'init': { run: initCommand, usage: INIT_USAGE },
  'synth': { run: synthCommand, usage: SYNTH_USAGE },
  'demo': { run: demoCommand, usage: DEMO_USAGE },
  'reconcile': { run: reconcileCommand, usage: RECONCILE_USAGE },
  'diff': { run: diffCommand, usage: DIFF_USAGE },
  'status': { run: statusCommand, usage: STATUS_USAGE },
  'release': { run: releaseCommand, usage: RELEASE_USAGE },
  'promote': { run: promoteCommand, usage: PROMOTE_USAGE },
  'approve': { run: approveCommand, usage: APPROVE_USAGE },
  'history': { run: historyCommand, usage: HISTORY_USAGE },
  'dev-cluster': { run: devClusterCommand, usage: DEV_CLUSTER_USAGE },
};

const USAGE = `usage: stagecraft <command> [options]

commands:
  init         write a new fleet project that is also its env repo (package.json, main.ts, cdk8s.yaml, CI)
  synth        write the env-repo tree of the fleet program in ./cdk8s.yaml (or --check it)
  demo         example fleet → local env repo → reconciled into the dev cluster, status printed
  reconcile    make a cluster match one environment of the env repo (apply, prune, wait, roll back)
  diff         show what reconcile would change in a cluster, writing nothing
  status       show what the reconciler keeps in the cluster about an environment
  release      record a new image of an application in its first environment (the CI step after a build)
  promote      judge the promotion policy's gates, show the plan and promote (or --auto: whatever is eligible)
  approve      record an approval of an image for an environment
  history      the audit trail of an environment: releases, promotions with their gates, approvals, records
  dev-cluster  start, stop or check the local test control plane

exit codes: 0 ok, 1 changes found, check failed, reconcile failed or promotion blocked, 2 usage error or bad input
run stagecraft <command> --help for a command's options`;

export async function main(argv: readonly string[], output: Output = new Output()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    output.line(USAGE);
    return command === undefined ? 2 : 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    output.error(`unknown command "${command}"; known commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    return await entry.run(rest, output);
  } catch (error) {
    if (error instanceof UsageError) {
      output.error(`${command}: ${error.message}`);
      output.error(`run stagecraft ${command} --help for usage`);
      return 2;
    }
    output.error(`${command}: ${(error as Error).message}`);
    return 2;
  }
}

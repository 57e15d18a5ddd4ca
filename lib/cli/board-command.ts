import * as path from 'path';
import { ParsedArguments, parseArguments, refusePositionals, stringOption, UsageError } from './args';
import { parseDuration } from './duration';
import { Output } from './output';
import { branchOption, FLEET_VALUE_OPTIONS, fleetOptions, requiredOption, trustOptions } from './promotion-options';
import { connect } from './reconcile-command';
import { ClusterView } from '../board/model';
import { readBoard, ReadBoardRequest } from '../board/read-board';
import { RiskClasses } from '../board/risk-classes';
import { serveBoard } from '../board/serve';
import { writeBoardSite } from '../board/write-site';
import { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { KubeObject } from '../envrepo/kube-object';
import { parseInstant } from '../promotion/time';
import { systemClock } from '../reconciler/clock';
import { ClusterClient } from '../reconciler/cluster-client';
import { statusObjectName, statusOf } from '../reconciler/status-store';

export const BOARD_USAGE = `usage: stagecraft board --repo ENV_REPO --out DIR [--kubeconfig F [--context C]] [--branch B] [--now ISO] [--web-url URL] [--history N] [--ssh-allowed-signers F | --gpg-keyring P] [--fleet DIR] [--deps DIR | --no-risk] [--output json]
       stagecraft board --repo ENV_REPO --serve [--port 8080] [--host 127.0.0.1] [--refresh 10s] [--kubeconfig F [--context C]] [--branch B] [--web-url URL] [same options]

The promotion board as a web page: each policy's stages left to right, each application a row, each cell the
image, who put it there and when, and its health from the reconciler's records; every pending promotion with
each gate's verdict, reason and the time it opens; each environment's last reconcile and last known good; the
history of each application. Read-only: it writes nothing to git or any cluster.

  --repo REPO       the env repo: a local path or a git URL
  --out DIR         write a static site (index.html, board.css, board.js) into DIR: no server needed
  --serve           serve the page, read again every --refresh; the page reloads when the board changes
  --port N          port for --serve (default: 8080; 0 picks a free one)
  --host ADDRESS    address for --serve (default: 127.0.0.1; anything else exposes the board to that network)
  --refresh D       pause between reads for --serve (default: 10s)
  --branch NAME     branch of the env repo (default: the one its HEAD names)
  --now ISO         judge gates at this instant (default: now; for audits and tests)
  --web-url URL     the repo's web address, for commit links (default: derived from an https or ssh URL)
  --history N       newest history entries per application (default: 20)
  --output json     with --out: print what was written as one JSON object
  --kubeconfig F    also show what the reconciler keeps in the cluster (status ConfigMaps: running revision,
                    last reconcile, writes, drift); read-only, from the environments' control namespaces
  --context C       kubeconfig context for --kubeconfig
  --ssh-allowed-signers FILE, --gpg-keyring PATH
                    the keys the reconciler trusts: where an environment requires signed commits, an approval
                    counts only when signed by the approver's own key (as promote judges it) and the history
                    shows who signed each step; without them such approvals are shown as not counted
  --fleet DIR       folder of the fleet program inside the env repo (default: the root). Gates that depend on
                    the change's risk class (extraApprovals, extraSoak) are judged as promote --dry-run judges
                    them: the program re-synthesizes each target with the upstream images in a private
                    checkout, once per branch tip; nothing is committed
  --deps DIR        the fleet program's installed node_modules (default: <repo>/<fleet>/node_modules when --repo
                    is a local checkout that has one)
  --no-risk         do not run the fleet program: gates that depend on the risk class are shown as not judged

exit codes: 0 ok (for --serve: stopped by a signal), 2 bad input`;

/** `stagecraft board`: returns the exit code (for --serve, once the server stops). */
export async function boardCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: ['repo', 'branch', 'out', 'port', 'host', 'refresh', 'now', 'web-url', 'history', 'output', 'kubeconfig', 'context', 'ssh-allowed-signers', 'gpg-keyring', ...FLEET_VALUE_OPTIONS], switches: ['serve', 'help', 'no-risk'] });
  if (parsed.options.has('help')) {
    output.line(BOARD_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'board');
  const repo = requiredOption(parsed, 'repo', 'the env repo, as a local path or a git URL');
  const out = stringOption(parsed, 'out');
  const serve = parsed.options.has('serve');
  if ((out === undefined) === !serve) {
    throw new UsageError('give exactly one of --out DIR (a static site) and --serve (a live page)');
  }
  for (const option of ['port', 'host', 'refresh']) {
    if (!serve && parsed.options.has(option)) {
      throw new UsageError(`--${option} goes with --serve`);
    }
  }
  const nowOption = stringOption(parsed, 'now');
  let fixedNow: number | undefined;
  try {
    fixedNow = nowOption === undefined ? undefined : parseInstant(nowOption, '--now');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const historyOption = stringOption(parsed, 'history') ?? '20';
  const historyPerApplication = Number(historyOption);
  if (!Number.isInteger(historyPerApplication) || historyPerApplication < 0 || historyPerApplication > 1000) {
    throw new UsageError(`--history ${historyOption} is not a whole number from 0 to 1000`);
  }
  if (parsed.options.has('no-risk') && FLEET_VALUE_OPTIONS.some((option) => parsed.options.has(option))) {
    throw new UsageError('--no-risk does not run the fleet program: leave out --fleet and --deps, or --no-risk');
  }
  const judgeRisk = parsed.options.has('no-risk') ? undefined : { ...fleetOptions(parsed, repo), cache: new RiskClasses() };
  let readCluster: ((environment: EnvironmentMetadata) => Promise<ClusterView>) | undefined;
  let client: ClusterClient | undefined;
  if (parsed.options.has('kubeconfig') || parsed.options.has('context')) {
    client = await connect(parsed, output, 4, 'board');
    if (client === undefined) {
      return 2;
    }
    readCluster = (environment) => clusterView(client!, environment);
  }
  try {
    return await run(parsed, output, { repo, out, serve, fixedNow, historyPerApplication, readCluster, judgeRisk });
  } finally {
    client?.close();
  }
}

/** What the reconciler keeps about `environment` in its control namespace; a read that fails is shown, not thrown. */
async function clusterView(client: ClusterClient, environment: EnvironmentMetadata): Promise<ClusterView> {
  const source = `ConfigMap ${environment.controlNamespace}/${statusObjectName(environment.name)}`;
  let object: KubeObject | undefined;
  try {
    object = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: environment.controlNamespace, name: statusObjectName(environment.name) });
  } catch (error) {
    return { source: `${source} could not be read: ${(error as Error).message}`, found: false };
  }
  if (object === undefined) {
    return { source: `${source} does not exist: never reconciled in this cluster`, found: false };
  }
  const status = statusOf(object, environment.controlNamespace, environment.name);
  const last = status.history[0];
  return {
    source,
    found: true,
    runningCommit: status.current?.commit,
    healthySince: status.current?.firstHealthyAt,
    lastKnownGoodCommit: status.lastKnownGood?.commit,
    lastReconcile: last === undefined ? undefined : {
      verdict: last.verdict,
      commit: last.commit,
      startedAt: last.startedAt,
      writeRequests: last.writeRequests,
      driftedObjects: last.driftedObjects,
      reason: last.reason,
    },
  };
}

interface BoardRun {
  readonly repo: string;
  readonly out?: string;
  readonly serve: boolean;
  readonly fixedNow?: number;
  readonly historyPerApplication: number;
  readonly readCluster?: (environment: EnvironmentMetadata) => Promise<ClusterView>;
  readonly judgeRisk?: ReadBoardRequest['judgeRisk'];
}

async function run(parsed: ParsedArguments, output: Output, options: BoardRun): Promise<number> {
  const { repo, out, fixedNow, historyPerApplication, readCluster, judgeRisk } = options;
  const branch = await branchOption(parsed, repo);
  const load = () => readBoard({
    repo,
    branch,
    now: fixedNow ?? systemClock.now(),
    webUrl: stringOption(parsed, 'web-url'),
    historyPerApplication,
    readCluster,
    trust: trustOptions(parsed),
    judgeRisk,
  });

  if (out !== undefined) {
    const board = await load();
    const written = writeBoardSite(board, path.resolve(out));
    const rows = board.pipelines.reduce((sum, pipeline) => sum + pipeline.rows.length, 0);
    output.result(
      { command: 'board', out: path.resolve(out), files: written, commit: board.commit, environments: board.environments.length, rows, warnings: board.warnings },
      [`wrote the board of ${board.commit.slice(0, 12)} (${board.environments.length} environment${board.environments.length === 1 ? '' : 's'}, ${rows} row${rows === 1 ? '' : 's'}) to ${written[0]}`, ...board.warnings.map((warning) => `warning: ${warning}`)].join('\n'),
    );
    return 0;
  }

  const portOption = stringOption(parsed, 'port') ?? '8080';
  const port = Number(portOption);
  if (!/^\d+$/.test(portOption) || port > 65535) {
    throw new UsageError(`--port ${portOption} is not a port number from 0 to 65535`);
  }
  const host = stringOption(parsed, 'host') ?? '127.0.0.1';
  const refreshMs = parseDuration('refresh', stringOption(parsed, 'refresh') ?? '10s');
  const server = await serveBoard({ host, port, load, refreshMs, log: (line) => output.error(line) });
  output.line(`serving the board of ${repo} on ${server.url} (read again every ${refreshMs / 1000} s; stop with Ctrl-C)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

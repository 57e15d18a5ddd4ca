import { UsageError, parseArguments, refusePositionals, stringOption } from './args';
import { Output } from './output';
import { formatHistory } from './promotion-format';
import { branchOption, requiredOption, trustOptions } from './promotion-options';
import { history } from '../promotion/history';

export const HISTORY_USAGE = `usage: stagecraft history --env ENV --repo ENV_REPO [--app APP] [--branch NAME] [--limit N] [--output json]

The audit trail of one environment, from git alone, newest first: releases, promotions (with every gate's
verdict and the risk class, read from the commit trailers), approvals, hand edits of the releases file, and
the reconciler's verification records from branch stagecraft/status.

  --env ENV       the environment
  --repo REPO     the env repo: a local path or a git URL
  --app APP       only this application
  --branch NAME   branch of the env repo (default: the one its HEAD names)
  --limit N       newest N entries (default: 100)
  --ssh-allowed-signers FILE, --gpg-keyring PATH
                  the keys the reconciler trusts: show who signed each release, promotion and approval,
                  and why an approval does not count
  --output json   print the entries as one JSON object

exit codes: 0 ok, 2 bad input`;

/** `stagecraft history`: returns the exit code. */
export async function historyCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: ['repo', 'branch', 'env', 'app', 'limit', 'output', 'ssh-allowed-signers', 'gpg-keyring'], switches: ['help'] });
  if (parsed.options.has('help')) {
    output.line(HISTORY_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  refusePositionals(parsed, 'history', '; use --app');
  const limitOption = stringOption(parsed, 'limit') ?? '100';
  const limit = Number(limitOption);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit ${limitOption} is not a whole number of at least 1`);
  }
  const repo = requiredOption(parsed, 'repo', 'the env repo, as a local path or a git URL');
  const result = await history({
    repo,
    branch: await branchOption(parsed, repo),
    environment: requiredOption(parsed, 'env', 'the environment whose history to show'),
    application: stringOption(parsed, 'app'),
    limit,
    trust: trustOptions(parsed),
  });
  output.result({ command: 'history', environment: result.environment, application: result.application, entries: result.entries }, formatHistory(result.environment, result.application, result.entries));
  return 0;
}

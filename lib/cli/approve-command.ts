import { parseArguments, stringOption, UsageError } from './args';
import { Output } from './output';
import { checkedOutNote, REPO_VALUE_OPTIONS, repoOptions, SIGNING_USAGE, requiredOption } from './promotion-options';
import { approve } from '../promotion/approve';

export const APPROVE_USAGE = `usage: stagecraft approve APP --env ENV --repo ENV_REPO [options]

Records your approval of one image of APP for environment ENV, as
approvals/<env>/<app>/<image key>/<identity>.json committed to the env repo's branch. The approvals gate
counts distinct allowed identities for the exact image being promoted.

  --env ENV       the target environment the approval is for
  --image REF     the image approved (default: what ENV's upstream runs now, i.e. what would be promoted)
  --comment TEXT  why, for the audit trail
  --repo REPO     the env repo: a local path or a git URL
  --as ID         who approves (default: git config user.email)
  --branch NAME   branch of the env repo (default: the one its HEAD names)
${SIGNING_USAGE}
  --now ISO       the time to record instead of the clock
  --output json   print the result as one JSON object

exit codes: 0 approved (or approved before), 2 bad input`;

/** `stagecraft approve`: returns the exit code. */
export async function approveCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: [...REPO_VALUE_OPTIONS, 'env', 'image', 'comment'], switches: ['help'] });
  if (parsed.options.has('help')) {
    output.line(APPROVE_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  if (parsed.positionals.length !== 1) {
    throw new UsageError(`approve takes one application name, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`);
  }
  const common = await repoOptions(parsed);
  const result = await approve({
    ...common,
    application: parsed.positionals[0],
    environment: requiredOption(parsed, 'env', 'the environment the approval is for'),
    image: stringOption(parsed, 'image'),
    comment: stringOption(parsed, 'comment'),
  });
  const { approval } = result;
  const human = [
    result.commit === undefined
      ? `${approval.approvedBy} approved ${approval.application} ${approval.image} for ${approval.environment} already (at ${approval.approvedAt}); nothing committed`
      : `approved ${approval.application} ${approval.image} for ${approval.environment} as ${approval.approvedBy}: commit ${result.commit.slice(0, 12)}${result.signed ? ` (signed${result.signedBy === undefined ? '' : ` by ${result.signedBy}'s key`})` : ''}, ${result.path}`,
    ...(result.note === undefined ? [] : [`note: ${result.note}`]),
    ...checkedOutNote(result, common.branch),
  ].join('\n');
  output.result({ command: 'approve', ...result }, human);
  return 0;
}

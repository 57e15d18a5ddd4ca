import { parseArguments, stringOption, UsageError } from './args';
import { Output } from './output';
import { formatOutcome } from './promotion-format';
import { checkedOutNote, FLEET_VALUE_OPTIONS, fleetOptions, REPO_VALUE_OPTIONS, repoOptions, SIGNING_USAGE } from './promotion-options';
import { promote, promoteEverything, PromotionOutcome } from '../promotion/promote';

export const PROMOTE_USAGE = `usage: stagecraft promote APP... | --all --from ENV --to ENV --repo ENV_REPO [options]
       stagecraft promote --auto --repo ENV_REPO [--from ENV --to ENV] [options]

Judges every gate of the promotion policy for each application (verified upstream, soak, approvals,
windows and freezes, size of the promotion, extra gates for risky changes), shows the plan (version A → B,
verdicts, risk class per object, the diff of the target's objects with each field labelled "declared
override" or "unexpected"), and unless something blocks it or --dry-run is given, writes the release,
re-synthesizes and commits with every verdict in the commit's trailers.

  --from ENV      upstream environment          --to ENV     target environment
  --all           every application the policies move from ENV to ENV
  --auto          nobody at the keyboard: walk every policy step (or only --from → --to), promote what is
                  eligible (stages with PromotionGate.auto()), and say what was skipped and why
  --dry-run       plan and judge only; commit nothing
  --repo REPO     the env repo: a local path or a git URL
  --message TEXT  added to the commit and the releases' message
  --as ID         who promotes (default: git config user.email)
  --branch NAME   branch of the env repo (default: the one its HEAD names)
  --fleet DIR     folder of the fleet program inside the env repo (default: the root)
  --deps DIR      the fleet program's installed node_modules, linked into the private checkout (default:
                  <repo>/<fleet>/node_modules when --repo is a local checkout that has one)
${SIGNING_USAGE}
  --now ISO       judge at this time instead of the clock (tests, audits)
  --output json   print the plan and result as one JSON object

exit codes: 0 promoted, nothing to promote, or a dry run that would pass; 1 blocked (reasons printed);
2 bad input`;

/** `stagecraft promote`: returns the exit code. */
export async function promoteCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: [...REPO_VALUE_OPTIONS, ...FLEET_VALUE_OPTIONS, 'from', 'to', 'message'], switches: ['all', 'auto', 'dry-run', 'help'] });
  if (parsed.options.has('help')) {
    output.line(PROMOTE_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  const common = await repoOptions(parsed);
  const from = stringOption(parsed, 'from');
  const to = stringOption(parsed, 'to');
  const all = parsed.options.has('all');
  const automatic = parsed.options.has('auto');
  if ((from === undefined) !== (to === undefined)) {
    throw new UsageError('--from and --to go together: the upstream and the target environment');
  }
  if (automatic && (all || parsed.positionals.length > 0)) {
    throw new UsageError('--auto chooses the applications itself; leave out --all and application names');
  }
  if (!automatic && from === undefined) {
    throw new UsageError('--from and --to are required (or --auto to walk every policy step)');
  }
  if (!automatic && all === (parsed.positionals.length > 0)) {
    throw new UsageError(all ? 'name applications or pass --all, not both' : 'name the applications to promote, or pass --all');
  }
  const request = {
    ...common,
    ...fleetOptions(parsed, common.repo),
    dryRun: parsed.options.has('dry-run'),
    message: stringOption(parsed, 'message'),
  };
  const outcomes: PromotionOutcome[] = automatic && from === undefined
    ? await promoteEverything(request)
    : [await promote({ ...request, applications: parsed.positionals, all: all || automatic, from: from!, to: to!, automatic })];
  const human = outcomes.length === 0
    ? 'no policy has a step to promote along'
    : outcomes.map((outcome) => [
      formatOutcome(outcome),
      ...checkedOutNote(outcome, common.branch),
    ].join('\n')).join('\n\n');
  const json = automatic ? { command: 'promote', automatic: true, promotions: outcomes } : { command: 'promote', ...outcomes[0] };
  output.result(json, human);
  return outcomes.some((outcome) => outcome.status === 'blocked') ? 1 : 0;
}

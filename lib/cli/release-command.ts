import { parseArguments, stringOption, UsageError } from './args';
import { Output } from './output';
import { checkedOutNote, FLEET_VALUE_OPTIONS, fleetOptions, REPO_VALUE_OPTIONS, repoOptions, SIGNING_USAGE, requiredOption } from './promotion-options';
import { release } from '../promotion/release';

export const RELEASE_USAGE = `usage: stagecraft release APP --image REF --env ENV --repo ENV_REPO [options]

The CI step after an image build: records the image in the fleet program's releases/<env>.yaml (who, when,
why), re-synthesizes the env repo and commits "release APP IMAGE to ENV" to its branch. Works in a private
checkout; refuses when the branch moved meanwhile and the re-run fails too.

  --image REF     image reference, e.g. registry.example/web@sha256:<digest> (a digest is required where the environment says so)
  --env ENV       the environment releases of APP land in (a first stage of its promotion policy)
  --repo REPO     the env repo: a local path or a git URL
  --message TEXT  why: build number, ticket, changelog line
  --as ID         who releases (default: git config user.email)
  --branch NAME   branch of the env repo (default: the one its HEAD names)
  --fleet DIR     folder of the fleet program inside the env repo (default: the root)
  --deps DIR      the fleet program's installed node_modules, linked into the private checkout (default:
                  <repo>/<fleet>/node_modules when --repo is a local checkout that has one)
${SIGNING_USAGE}
  --force-env     release into an environment that is not a first stage of the application's policies
  --now ISO       the time to record instead of the clock (tests, replays)
  --output json   print the result as one JSON object

exit codes: 0 released (or already running that image), 2 refused or bad input`;

/** `stagecraft release`: returns the exit code. */
export async function releaseCommand(argv: readonly string[], output: Output): Promise<number> {
  const parsed = parseArguments(argv, { values: [...REPO_VALUE_OPTIONS, ...FLEET_VALUE_OPTIONS, 'image', 'env', 'message'], switches: ['force-env', 'help'] });
  if (parsed.options.has('help')) {
    output.line(RELEASE_USAGE);
    return 0;
  }
  output.setFormat(stringOption(parsed, 'output'));
  if (parsed.positionals.length !== 1) {
    throw new UsageError(`release takes one application name, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`);
  }
  const common = await repoOptions(parsed);
  const result = await release({
    ...common,
    ...fleetOptions(parsed, common.repo),
    application: parsed.positionals[0],
    environment: requiredOption(parsed, 'env', 'the environment to release into'),
    image: requiredOption(parsed, 'image', 'the image reference to release, e.g. registry.example/web@sha256:<digest>'),
    message: stringOption(parsed, 'message'),
    forceEnvironment: parsed.options.has('force-env'),
  });
  const human = result.commit === undefined
    ? `${result.environment} already runs ${result.application} ${result.image}; nothing committed`
    : [
      `released ${result.application} ${result.image} to ${result.environment}${result.previousImage ? ` (was ${result.previousImage})` : ''}`,
      `commit ${result.commit.slice(0, 12)} on ${common.branch}${result.signed ? ' (signed)' : ''}: ${result.changedFiles.length} file${result.changedFiles.length === 1 ? '' : 's'} changed`,
      ...checkedOutNote(result, common.branch),
    ].join('\n');
  output.result({ command: 'release', branch: common.branch, ...result }, human);
  return 0;
}

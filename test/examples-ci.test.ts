import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { REPO_ROOT, runStagecraft } from './support/cli';

const CI = path.join(REPO_ROOT, 'examples', 'ci');
/** Commands of the companion reconciler's CLI, built on another branch; not checked here. */
const NOT_IN_THIS_CLI = new Set(['reconcile']);

/** Every `stagecraft <command> …` invocation in a workflow's run steps, continuation lines joined. */
function stagecraftCalls(file: string): Array<{ command: string; options: string[] }> {
  const workflow = yaml.load(fs.readFileSync(path.join(CI, file), 'utf8')) as any;
  const scripts: string[] = Object.values(workflow.jobs as Record<string, any>)
    .flatMap((job) => (job.steps as any[]).map((step) => step.run).filter((run): run is string => typeof run === 'string'));
  return scripts
    .flatMap((script) => script.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => /npx stagecraft (\w+)(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ command: match[1], options: [...match[2].matchAll(/(?:^|\s)(--[a-z-]+)/g)].map((option) => option[1]) }));
}

describe('the CI examples', () => {
  it.each(['app-repo-release.yml', 'env-repo.yml'])('%s is a workflow whose stagecraft calls use only options the CLI knows', (file) => {
    // GIVEN the workflow WHEN its stagecraft calls are read THEN each option is in the command's usage
    const calls = stagecraftCalls(file);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls.filter((entry) => !NOT_IN_THIS_CLI.has(entry.command))) {
      const usage = runStagecraft([call.command, '--help']).stdout;
      for (const option of call.options) {
        expect(`${call.command} ${option}: ${usage.includes(`${option} `) || usage.includes(`${option}\n`) ? 'known' : 'unknown'}`).toBe(`${call.command} ${option}: known`);
      }
    }
  });
});

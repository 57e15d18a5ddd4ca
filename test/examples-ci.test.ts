import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { REPO_ROOT, runStagecraft } from './support/cli';

const CI = path.join(REPO_ROOT, 'examples', 'ci');
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
    for (const call of calls) {
      const usage = runStagecraft([call.command, '--help']).stdout;
      for (const option of call.options) {
        expect(`${call.command} ${option}: ${usage.includes(`${option} `) || usage.includes(`${option}\n`) ? 'known' : 'unknown'}`).toBe(`${call.command} ${option}: known`);
      }
    }
  });
});

describe('the reconciler image', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.replace(/\s*\\\n\s*/g, ' ').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));

  it('is built from the packed package with runtime dependencies only, runs as a named non-root user, and has git and ssh', () => {
    expect(instructions.filter((line) => /^(FROM|COPY|USER|ENTRYPOINT|WORKDIR) /.test(line))).toEqual([
      'FROM node:24-bookworm-slim',
      'COPY stagecraft-*.tgz /tmp/stagecraft.tgz',
      'USER 65532:65532',
      'WORKDIR /home/stagecraft',
      'ENTRYPOINT ["stagecraft"]',
    ]);
    expect(instructions).toContain('RUN npm install --global --omit=dev --no-audit --no-fund --ignore-scripts /tmp/stagecraft.tgz && rm /tmp/stagecraft.tgz && npm cache clean --force');
    expect(instructions.join('\n')).toMatch(/apt-get install --yes --no-install-recommends git openssh-client ca-certificates/);
    // ssh refuses to run for a uid without a passwd entry; the Deployment runs as 65532 with HOME on an emptyDir.
    expect(instructions.join('\n')).toContain('useradd --uid 65532 --gid 65532 --home-dir /home/stagecraft');
    expect(instructions).toContain('ENV HOME=/home/stagecraft NODE_ENV=production');
  });

  it('matches the Deployment the environment generates: user, HOME and the command on PATH', () => {
    const construct = fs.readFileSync(path.join(REPO_ROOT, 'lib', 'constructs', 'in-cluster-reconciler.ts'), 'utf8');
    expect(construct).toContain('const RUN_AS = 65532;');
    expect(construct).toContain("env: [{ name: 'HOME', value: '/home/stagecraft' }]");
    expect(construct).toContain("command: ['stagecraft']");
  });

  it('is built and pushed by the example workflow from npm pack output, and reported by digest', () => {
    const workflow = yaml.load(fs.readFileSync(path.join(CI, 'reconciler-image.yml'), 'utf8')) as any;
    const steps: any[] = workflow.jobs.image.steps;
    const pack = steps.find((step) => step.name === 'Compile and pack').run as string;
    expect(pack.split('\n').filter(Boolean)).toEqual(['npm ci', 'npx projen compile', 'mkdir image', 'npm pack --pack-destination image', 'cp Dockerfile image/']);
    const build = steps.find((step) => step.id === 'build');
    expect(build.uses).toMatch(/^docker\/build-push-action@v\d+$/);
    expect(build.with).toMatchObject({ context: 'image', file: 'image/Dockerfile', push: true });
    expect(steps.find((step) => step.name === 'The image by digest').env.IMAGE).toContain('@${{ steps.build.outputs.digest }}');
    expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' });
  });
});

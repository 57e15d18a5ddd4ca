import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Application, Environment, Fleet, PromotionGate, PromotionPolicy } from '../../lib';
import { synthesizeFleet } from '../../lib/synth/synthesize';
import { runStagecraft } from '../support/cli';
import { fakeDigest, readTree, scratchFolder } from '../support/fleets';

describe('synth output is byte-identical whatever the circumstances', () => {
  let baseline: Record<string, string>;

  beforeAll(() => {
    const out = path.join(scratchFolder(), 'env-repo');
    const result = runStagecraft(['synth', '--out', out]);
    expect(result.status).toBe(0);
    baseline = readTree(out);
  });

  it('produces the same bytes on a second run', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    // WHEN
    const result = runStagecraft(['synth', '--out', out]);
    // THEN
    expect(result.status).toBe(0);
    expect(Object.keys(baseline).length).toBe(42);
    expect(readTree(out)).toEqual(baseline);
  });

  it('produces the same bytes in the Chatham Islands time zone with a Turkish locale', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    // WHEN
    const result = runStagecraft(['synth', '--out', out], { env: { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' } });
    // THEN
    expect(result.status).toBe(0);
    expect(readTree(out)).toEqual(baseline);
  });

  it('produces the same bytes with CDK8S_* environment variables set', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    // WHEN
    const result = runStagecraft(['synth', '--out', out], {
      env: { CDK8S_DISABLE_SORT: '1', CDK8S_LEGACY_HASH: '1', CDK8S_RECORD_CONSTRUCT_METADATA: 'true' },
    });
    // THEN
    expect(result.status).toBe(0);
    expect(readTree(out)).toEqual(baseline);
  });
});

describe('synth output does not depend on the order constructs were created in', () => {
  type Step = (fleet: Fleet) => void;
  const digest = (seed: string) => `registry.example/${seed}@sha256:${fakeDigest(seed)}`;
  const steps: Record<string, Step> = {
    dev: (fleet) => new Environment(fleet, 'dev', { overrides: { replicas: 1 } }),
    staging: (fleet) => new Environment(fleet, 'staging'),
    prod: (fleet) => new Environment(fleet, 'prod', { namespace: 'shop' }),
    web: (fleet) => new Application(fleet, 'web', { image: 'registry.example/web', port: 8080, config: { B: '2', A: '1' }, ingress: { host: 'web.example.com' } }),
    api: (fleet) => new Application(fleet, 'api', { image: 'registry.example/api', port: 9000, env: { Z: 'z', Y: 'y' }, environments: { prod: { replicas: 5 } } }),
    worker: (fleet) => new Application(fleet, 'worker', { image: 'registry.example/worker' }),
  };
  const policy: Step = (fleet) => {
    const environment = (name: string) => fleet.environments.find((candidate) => candidate.environmentName === name)!;
    new PromotionPolicy(fleet, 'path', {
      stages: [
        { environment: environment('dev') },
        { environment: environment('staging'), gates: [PromotionGate.soak(Duration.hours(1))] },
        { environment: environment('prod'), gates: [PromotionGate.approvals(1)] },
      ],
    });
  };

  function synthesizeInOrder(order: string[]): Record<string, string> {
    const root = scratchFolder();
    const releasesDirectory = path.join(root, 'releases');
    fs.mkdirSync(releasesDirectory);
    for (const environment of ['dev', 'staging', 'prod']) {
      const lines = ['applications:', ...['web', 'api', 'worker'].flatMap((application) => [`  ${application}:`, `    image: ${digest(application)}`])];
      fs.writeFileSync(path.join(releasesDirectory, `${environment}.yaml`), `${lines.join('\n')}\n`);
    }
    const fleet = new Fleet({ outdir: path.join(root, 'out'), releasesDirectory });
    for (const name of order) {
      steps[name](fleet);
    }
    policy(fleet);
    const tree = synthesizeFleet(fleet);
    const files: Record<string, string> = {};
    for (const environment of tree.environments) {
      for (const [file, content] of environment.files) {
        files[file] = content;
      }
      files[`${environment.name}/.stagecraft/lock.json`] = environment.lockContent;
    }
    return files;
  }

  const forward = ['dev', 'staging', 'prod', 'web', 'api', 'worker'];

  it.each([
    ['reversed', [...forward].reverse()],
    ['applications first', ['worker', 'api', 'web', 'prod', 'dev', 'staging']],
    ['interleaved', ['api', 'prod', 'web', 'dev', 'worker', 'staging']],
  ])('produces the same files when created %s', (_name, order) => {
    // GIVEN
    const expected = synthesizeInOrder(forward);
    // WHEN
    const shuffled = synthesizeInOrder(order);
    // THEN
    expect(Object.keys(expected).length).toBe(3 * (4 + 2 + 1 + 3));
    expect(shuffled).toEqual(expected);
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { Application, Environment, Fleet } from '../../lib';
import { SYNTH_ENVIRONMENTS_VARIABLE } from '../../lib/synth/synthesize';
import { fakeDigest, readTree, scratchFleet } from '../support/fleets';

const WEB = `registry.example/web@sha256:${fakeDigest('web')}`;
const WEB_NEXT = `registry.example/web@sha256:${fakeDigest('web-next')}`;

/** dev, staging and prod, each running web; the releases file of `changed` then moves web to WEB_NEXT. */
function threeEnvironments(outdir?: string, releasesDirectory?: string): Fleet {
  const fleet = new Fleet({ outdir, releasesDirectory });
  for (const name of ['dev', 'staging', 'prod']) {
    new Environment(fleet, name);
  }
  new Application(fleet, 'web', { image: 'registry.example/web', port: 8080 });
  return fleet;
}

function withVariable<T>(value: string | undefined, work: () => T): T {
  const saved = process.env[SYNTH_ENVIRONMENTS_VARIABLE];
  if (value === undefined) {
    delete process.env[SYNTH_ENVIRONMENTS_VARIABLE];
  } else {
    process.env[SYNTH_ENVIRONMENTS_VARIABLE] = value;
  }
  try {
    return work();
  } finally {
    if (saved === undefined) {
      delete process.env[SYNTH_ENVIRONMENTS_VARIABLE];
    } else {
      process.env[SYNTH_ENVIRONMENTS_VARIABLE] = saved;
    }
  }
}

/** A synthesized fleet of three environments, with staging's release then moved to WEB_NEXT. */
function synthesizedThenReleased(): { outdir: string; releasesDirectory: string; before: Record<string, string> } {
  const { root, outdir } = scratchFleet({ dev: { web: WEB }, staging: { web: WEB }, prod: { web: WEB } });
  const releasesDirectory = path.join(root, 'releases');
  withVariable(undefined, () => threeEnvironments(outdir, releasesDirectory).synth());
  const before = readTree(outdir);
  fs.writeFileSync(path.join(releasesDirectory, 'staging.yaml'), `environment: staging\napplications:\n  web:\n    image: ${WEB_NEXT}\n`);
  return { outdir, releasesDirectory, before };
}

describe(`${SYNTH_ENVIRONMENTS_VARIABLE} narrows Fleet.synth() to some environments`, () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('rewrites only the listed environment and leaves every file of the others byte for byte', () => {
    // GIVEN
    const { outdir, releasesDirectory, before } = synthesizedThenReleased();
    const otherStats = ['dev/web/deployment.web.yaml', 'prod/.stagecraft/lock.json'].map((file) => fs.statSync(path.join(outdir, file)).mtimeMs);
    // WHEN
    withVariable('staging', () => threeEnvironments(outdir, releasesDirectory).synth());
    // THEN
    const after = readTree(outdir);
    const changed = Object.keys(after).filter((file) => after[file] !== before[file]).sort();
    expect(changed).toEqual(['releases/staging.yaml', 'staging/.stagecraft/environment.json', 'staging/.stagecraft/lock.json', 'staging/web/deployment.web.yaml']);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after['staging/web/deployment.web.yaml']).toContain(WEB_NEXT);
    expect(['dev/web/deployment.web.yaml', 'prod/.stagecraft/lock.json'].map((file) => fs.statSync(path.join(outdir, file)).mtimeMs)).toEqual(otherStats);
    expect(String(stderr.mock.calls.at(-1)?.[0])).toBe(
      `stagecraft: synthesized 1 environment (2 objects) into ${outdir} (only staging: ${SYNTH_ENVIRONMENTS_VARIABLE} is set): 4 written, 2 unchanged, 0 deleted\n`);
  });

  it('gives the listed environments the bytes a whole-fleet synth gives them', () => {
    // GIVEN
    const { outdir, releasesDirectory } = synthesizedThenReleased();
    const whole = `${outdir}-whole`;
    fs.cpSync(outdir, whole, { recursive: true });
    // WHEN
    withVariable(' prod , staging ', () => threeEnvironments(outdir, releasesDirectory).synth());
    withVariable(undefined, () => threeEnvironments(whole, releasesDirectory).synth());
    // THEN
    expect(readTree(outdir)).toEqual(readTree(whole));
    fs.rmSync(whole, { recursive: true, force: true });
  });

  it('does not call the environments it leaves alone orphans', () => {
    // GIVEN
    const { outdir, releasesDirectory } = synthesizedThenReleased();
    // WHEN
    withVariable('staging', () => threeEnvironments(outdir, releasesDirectory).synth());
    // THEN
    expect(stderr.mock.calls.map((call) => String(call[0])).join('')).not.toContain('belongs to no environment');
  });

  it('still checks every releases file and refuses before writing', () => {
    // GIVEN
    const { outdir, releasesDirectory, before } = synthesizedThenReleased();
    fs.writeFileSync(path.join(releasesDirectory, 'prod.yaml'), `environment: prod\napplications:\n  shop:\n    image: ${WEB}\n`);
    // WHEN
    const run = () => withVariable('staging', () => threeEnvironments(outdir, releasesDirectory).synth());
    // THEN
    expect(run).toThrow('release for unknown application "shop" in environment "prod"');
    const after = readTree(outdir);
    delete after['releases/staging.yaml'];
    delete after['releases/prod.yaml'];
    delete before['releases/staging.yaml'];
    delete before['releases/prod.yaml'];
    expect(after).toEqual(before);
  });

  it.each([
    ['stage', 'names environment "stage", which the fleet does not have (environments: dev, prod, staging)'],
    ['staging,', 'names an empty environment name (environments: dev, prod, staging)'],
  ])('refuses %j, an environment the fleet does not have, before writing anything', (value, message) => {
    // GIVEN
    const { outdir, releasesDirectory, before } = synthesizedThenReleased();
    // WHEN
    const run = () => withVariable(value, () => threeEnvironments(outdir, releasesDirectory).synth());
    // THEN
    expect(run).toThrow(`${SYNTH_ENVIRONMENTS_VARIABLE}=${value} ${message}; list environments of the fleet separated by commas, or unset it to synthesize the whole fleet; nothing was written`);
    const after = readTree(outdir);
    expect(after['staging/web/deployment.web.yaml']).toBe(before['staging/web/deployment.web.yaml']);
  });

  it('synthesizes the whole fleet when it is empty', () => {
    // GIVEN
    const { outdir, releasesDirectory } = synthesizedThenReleased();
    // WHEN
    withVariable('', () => threeEnvironments(outdir, releasesDirectory).synth());
    // THEN
    expect(String(stderr.mock.calls.at(-1)?.[0])).toBe(`stagecraft: synthesized 3 environments (6 objects) into ${outdir}: 4 written, 14 unchanged, 0 deleted\n`);
  });
});

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { copyOfExample, readTree, removeExampleCopies, scratchFolder } from '../support/fleets';

const GOLDEN = path.join(REPO_ROOT, 'test', 'golden', 'acme-shop');

describe('stagecraft synth on the acme-shop example', () => {
  it('writes exactly the committed golden env-repo tree', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    // WHEN
    const result = runStagecraft(['synth', '--out', out]);
    // THEN
    expect(result.status).toBe(0);
    expect(readTree(out)).toEqual(readTree(GOLDEN));
  });

  afterAll(removeExampleCopies);

  it('writes the same tree as cdk8s synth', () => {
    // GIVEN
    const { scratch, example } = copyOfExample();
    const cdk8sCli = path.join(REPO_ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
    const out = path.join(scratch, 'stagecraft-out');
    // WHEN
    const cdk8s = spawnSync(process.execPath, [cdk8sCli, 'synth'], { cwd: example, encoding: 'utf8' });
    const stagecraft = runStagecraft(['synth', '--out', out], { cwd: example });
    // THEN
    expect(cdk8s.status).toBe(0);
    expect(stagecraft.status).toBe(0);
    expect(readTree(path.join(example, 'dist'))).toEqual(readTree(out));
  });

  it('rewrites nothing when run again', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    runStagecraft(['synth', '--out', out]);
    // WHEN
    const result = runStagecraft(['synth', '--out', out]);
    // THEN
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`stagecraft: synthesized 3 environments (30 objects) into ${out}: 0 written, 42 unchanged, 0 deleted`);
  });

  it('--check exits 0 when the folder is up to date', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    runStagecraft(['synth', '--out', out]);
    // WHEN
    const result = runStagecraft(['synth', '--check', '--out', out]);
    // THEN
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: `${out} is up to date\n` });
  });

  it('synthesizes only the environments STAGECRAFT_SYNTH_ENVIRONMENTS names, and --check still checks the whole tree', () => {
    // GIVEN a tree with prod removed
    const out = path.join(scratchFolder(), 'env-repo');
    runStagecraft(['synth', '--out', out]);
    fs.rmSync(path.join(out, 'prod'), { recursive: true });
    // WHEN synthesizing only dev, then checking with the variable still set
    const dev = runStagecraft(['synth', '--out', out], { env: { STAGECRAFT_SYNTH_ENVIRONMENTS: 'dev' } });
    const check = runStagecraft(['synth', '--check', '--out', out, '--output', 'json'], { env: { STAGECRAFT_SYNTH_ENVIRONMENTS: 'dev' } });
    // THEN prod was not written, and the check finds it missing
    expect(dev.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'prod'))).toBe(false);
    expect(check.status).toBe(1);
    const differences = JSON.parse(check.stdout).differences as Array<{ path: string; difference: string }>;
    expect(differences.length).toBeGreaterThan(0);
    expect(differences.filter((difference) => !(difference.path.startsWith('prod/') && difference.difference === 'missing'))).toEqual([]);
  });

  it('--check exits 1 and lists changed, missing and extra files when the folder is stale, writing nothing', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    runStagecraft(['synth', '--out', out]);
    fs.appendFileSync(path.join(out, 'prod/web/deployment.web.yaml'), '# hand edit\n');
    fs.rmSync(path.join(out, 'dev/api/service.api.yaml'));
    fs.writeFileSync(path.join(out, 'staging/web/notes.yaml'), 'x: 1\n');
    const before = readTree(out);
    // WHEN
    const result = runStagecraft(['synth', '--check', '--out', out]);
    // THEN
    expect(result.status).toBe(1);
    expect(result.stdout).toBe([
      `${out} is stale: 3 files differ from a fresh synth`,
      '  missing  dev/api/service.api.yaml',
      '  changed  prod/web/deployment.web.yaml',
      '  extra    staging/web/notes.yaml',
      'run stagecraft synth to update it',
      '',
    ].join('\n'));
    expect(readTree(out)).toEqual(before);
  });

  it('--check --output json prints one object with the differences', () => {
    // GIVEN
    const out = path.join(scratchFolder(), 'env-repo');
    runStagecraft(['synth', '--out', out]);
    fs.rmSync(path.join(out, 'dev/api/service.api.yaml'));
    // WHEN
    const result = runStagecraft(['synth', '--check', '--out', out, '--output', 'json']);
    // THEN
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ command: 'synth --check', out, stale: true, differences: [{ path: 'dev/api/service.api.yaml', difference: 'missing' }] });
  });

  it('fails with exit 2 on an unknown option', () => {
    const result = runStagecraft(['synth', '--outt', 'x']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: 'stagecraft: synth: unknown option --outt (known: --out, --output, --check, --help)\nstagecraft: run stagecraft synth --help for usage\n',
    });
  });

  it('fails with exit 2 outside a folder with cdk8s.yaml', () => {
    const folder = scratchFolder();
    const result = runStagecraft(['synth'], { cwd: folder });
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: `stagecraft: synth: no cdk8s.yaml in ${folder}; run stagecraft synth in the folder of your fleet program (the one cdk8s synth runs in)\nstagecraft: run stagecraft synth --help for usage\n`,
    });
  });

  it('fails with exit 2 and the problems when the fleet is invalid, writing nothing', () => {
    // GIVEN
    const { scratch, example } = copyOfExample();
    fs.writeFileSync(path.join(example, 'releases', 'qa.yaml'), 'applications: {}\n');
    const out = path.join(scratch, 'env-repo');
    // WHEN
    const result = runStagecraft(['synth', '--out', out], { cwd: example });
    // THEN
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('stagecraft synth found 1 problem; nothing was written:\n  - releases/qa.yaml: release for unknown environment "qa" (known: dev, prod, staging); rename the file or add the environment to the fleet');
    expect(fs.existsSync(out)).toBe(false);
  });
});

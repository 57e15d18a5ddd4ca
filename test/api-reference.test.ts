import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './support/cli';
import { scratchFolder } from './support/fleets';

describe('API.md', () => {
  it('matches the API reference generated from the code (regenerate with npx projen docgen)', () => {
    // GIVEN the jsii assembly the test task's compile step just wrote
    expect(fs.existsSync(path.join(REPO_ROOT, '.jsii'))).toBe(true);
    const generated = path.join(scratchFolder(), 'API.md');
    // WHEN
    const docgen = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'jsii-docgen', 'bin', 'jsii-docgen'), '-o', generated], { cwd: REPO_ROOT, encoding: 'utf8' });
    // THEN
    expect(docgen.status).toBe(0);
    expect(fs.readFileSync(path.join(REPO_ROOT, 'API.md'), 'utf8')).toBe(fs.readFileSync(generated, 'utf8'));
  });
});

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/cli';

describe('what npm pack ships', () => {
  it('ships no local demo state (its SSH key), no tests and no development checks', () => {
    // GIVEN the demo's local state holds a private key
    const probe = path.join(REPO_ROOT, '.stagecraft-dev', `pack-probe-${process.pid}`);
    fs.mkdirSync(probe, { recursive: true });
    fs.writeFileSync(path.join(probe, 'id_ed25519'), 'not a real key\n');
    try {
      // WHEN the package is packed
      const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(packed.status).toBe(0);
      const paths: string[] = JSON.parse(packed.stdout)[0].files.map((file: { path: string }) => file.path);
      // THEN none of it is in the tarball
      expect(paths.filter((file) => /^(\.stagecraft-dev\/|test\/|\.dependency-cruiser\.js$)/.test(file))).toEqual([]);
      expect(paths).toContain('bin/stagecraft');
    } finally {
      fs.rmSync(probe, { recursive: true, force: true });
    }
  });
});

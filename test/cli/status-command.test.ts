import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';

describe('stagecraft status', () => {
  it('fails with exit code 1, as --help says, when the cluster cannot be read', () => {
    // GIVEN a kubeconfig whose API server does not answer (nothing listens on port 9 of loopback)
    const kubeconfig = path.join(scratchFolder('stagecraft-status-'), 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:9", insecure-skip-tls-verify: true } }]',
      'users: [{ name: someone, user: { token: not-a-secret } }]',
      'contexts: [{ name: gone, context: { cluster: gone, user: someone } }]',
      'current-context: gone',
      '',
    ].join('\n'));
    // WHEN
    const result = runStagecraft(['status', '--env', 'dev', '--kubeconfig', kubeconfig], { cwd: REPO_ROOT });
    // THEN
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^stagecraft: status: could not read the status of environment dev from the cluster: .*ECONNREFUSED/);
    expect(result.status).toBe(1);
    expect(runStagecraft(['status', '--help']).stdout).toContain('exit codes: 0 status printed, 1 no status (never reconciled) or the cluster could not be read, 2 usage error');
  });
});

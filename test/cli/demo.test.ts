import * as path from 'path';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { git } from '../support/git';
import { startTestCluster, TEST_CLUSTER } from '../support/test-cluster';

/**
 * README's main job: `stagecraft demo` synthesizes the example into a local env repo, commits it (signed),
 * reconciles every environment into the control plane with --record and prints the status. Run here against
 * the test control plane, which is the dev cluster for this purpose.
 */
jest.setTimeout(300_000);

const CLUSTER_ENVIRONMENT = {
  STAGECRAFT_DEV_CLUSTER_DIR: TEST_CLUSTER.dir,
  STAGECRAFT_DEV_CLUSTER_PORT: TEST_CLUSTER.port,
  STAGECRAFT_DEV_ETCD_PORT: TEST_CLUSTER.etcdPort,
  STAGECRAFT_DEV_ETCD_PEER_PORT: TEST_CLUSTER.etcdPeerPort,
};

beforeAll(() => {
  startTestCluster();
}, 20 * 60_000);

describe('stagecraft demo', () => {
  it('takes the example fleet through a local env repo into the control plane and prints every environment healthy', () => {
    // GIVEN
    const repo = path.join(scratchFolder('stagecraft-demo-'), 'env-repo');
    // WHEN
    const first = runStagecraft(['demo', '--repo', repo, '--output', 'json'], { cwd: REPO_ROOT, env: CLUSTER_ENVIRONMENT });
    // THEN
    expect(first.status).toBe(0);
    const result = JSON.parse(first.stdout);
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(result).toMatchObject({ repo, commit: head, committed: true });
    const summary = result.environments.map((status: any) =>
      [status.environment, status.namespace, status.lastKnownGood.commit, status.current.commit]);
    expect(summary).toEqual([
      ['dev', 'dev', head, head],
      ['prod', 'shop', head, head],
      ['staging', 'staging', head, head],
    ]);
    // AND the commit message names what changed
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('stagecraft synth: acme-shop: dev (api, web, worker); prod (api, web, worker); staging (api, web, worker)');
    expect(git(repo, 'log', '-1', '--format=%b')).toContain('  web: registry.acme.example/shop/web@sha256:');
    // AND the commit is signed (prod requires it) and every environment has a verification record
    expect(git(repo, 'cat-file', 'commit', 'HEAD')).toContain('gpgsig -----BEGIN SSH SIGNATURE-----');
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'stagecraft/status').split('\n')).toEqual([
      `records/dev/${head}.json`, `records/prod/${head}.json`, `records/staging/${head}.json`,
    ]);

    // WHEN run again with nothing changed
    const again = runStagecraft(['demo', '--repo', repo, '--output', 'json'], { cwd: REPO_ROOT, env: CLUSTER_ENVIRONMENT });
    // THEN nothing is committed or written
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ commit: head, committed: false });
    expect(again.stderr).toContain('healthy dev at ' + head.slice(0, 12) + ': 0 created, 0 configured, 10 unchanged, 0 pruned, 0 failed; 0 write requests');
    expect(git(repo, 'rev-list', '--count', 'stagecraft/status')).toBe('3');
  });
});

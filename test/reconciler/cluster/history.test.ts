import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runStagecraft } from '../../support/cli';
import { scratchFolder } from '../../support/fleets';
import { git } from '../../support/git';
import { GitEnvRepo } from '../../support/git-env-repo';
import { configMap } from '../../support/objects';
import { kubectlJson, startTestCluster, uniqueName } from '../../support/test-cluster';

/** Signed history and force pushes, through `stagecraft reconcile --repo` on a real kube-apiserver. */
jest.setTimeout(180_000);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

function reconcile(repo: GitEnvRepo, cache: string, extra: string[] = []): { status: number | null; result: any; stderr: string } {
  const run = runStagecraft([
    'reconcile', '--repo', repo.root, '--env', repo.environment, '--kubeconfig', kubeconfig, '--cache-dir', cache, '--once', '--no-wait', '--output', 'json', ...extra,
  ], { cwd: REPO_ROOT });
  return { status: run.status, stderr: run.stderr, result: run.stdout ? JSON.parse(run.stdout) : undefined };
}

describe('history checks on a real API server', () => {
  it('fails (refuses) a force push that rewrote the last applied revision, keeps it running, and applies it with --allow-history-rewrite', () => {
    // GIVEN an applied revision
    const name = uniqueName('hist');
    const repo = new GitEnvRepo(name, name);
    const cache = scratchFolder('stagecraft-cache-');
    repo.put('app', configMap(name, 'settings', { MODE: 'one' }));
    const applied = repo.commit('one');
    expect(reconcile(repo, cache).status).toBe(0);
    // WHEN the branch is rewritten to a commit that does not descend from it
    git(repo.root, 'reset', '--quiet', '--hard', 'HEAD~1');
    repo.put('app', configMap(name, 'settings', { MODE: 'rewritten' }));
    const rewritten = repo.commit('rewritten');
    const refused = reconcile(repo, cache);
    // THEN it is refused and nothing changes
    expect(refused.status).toBe(1);
    expect(refused.result).toMatchObject({ revision: rewritten, verdict: 'refused', writeRequests: 0 });
    expect(refused.result.message).toContain(`refusing ${rewritten.slice(0, 12)}: `);
    expect(refused.result.message).toContain(`the cluster keeps ${applied.slice(0, 12)}`);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'settings', '-n', name]).data).toEqual({ MODE: 'one' });
    // WHEN the operator allows it
    const allowed = reconcile(repo, cache, ['--allow-history-rewrite']);
    // THEN
    expect(allowed.status).toBe(0);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'settings', '-n', name]).data).toEqual({ MODE: 'rewritten' });
  });

  it('fails (refuses) an unsigned commit where the environment requires signed commits, and applies one signed by an allowed SSH key', () => {
    // GIVEN an environment that requires signed commits, and an allowed key
    const name = uniqueName('sign');
    const repo = new GitEnvRepo(name, name);
    const cache = scratchFolder('stagecraft-cache-');
    const keys = scratchFolder('stagecraft-keys-');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deployer@example.test', '-f', path.join(keys, 'deployer')]);
    const publicKey = fs.readFileSync(path.join(keys, 'deployer.pub'), 'utf8').trim();
    fs.writeFileSync(path.join(keys, 'allowed_signers'), `deployer@example.test ${publicKey}\n`);
    repo.requireSignedCommits = true;
    repo.put('app', configMap(name, 'settings', { MODE: 'unsigned' }));
    const unsigned = repo.commit('unsigned');
    // WHEN
    const refused = reconcile(repo, cache, ['--ssh-allowed-signers', path.join(keys, 'allowed_signers')]);
    // THEN
    expect(refused.status).toBe(1);
    expect(refused.result).toMatchObject({ revision: unsigned, verdict: 'refused', writeRequests: 0 });
    expect(refused.result.message).toContain(`${unsigned.slice(0, 7)} "unsigned"`);
    // WHEN the next commit is signed by the allowed key
    repo.put('app', configMap(name, 'settings', { MODE: 'signed' }));
    git(repo.root, 'add', '--all');
    git(repo.root, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${path.join(keys, 'deployer')}`, 'commit', '--quiet', '-S', '-m', 'signed');
    const signed = reconcile(repo, cache, ['--ssh-allowed-signers', path.join(keys, 'allowed_signers')]);
    // THEN (the first apply checks the tip only: there is no trusted base before it)
    expect(signed.status).toBe(0);
    expect(kubectlJson(kubeconfig, ['get', 'configmap', 'settings', '-n', name]).data).toEqual({ MODE: 'signed' });
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { GitEnvRepo } from '../support/git-env-repo';
import { HttpsGitServer, SshGitServer } from '../support/git-servers';
import { configMap } from '../support/objects';
import { kubectl, startTestCluster, uniqueName } from '../support/test-cluster';

/**
 * Private env repos through the built CLI on the test control plane: git over ssh against Debian's real
 * sshd on 127.0.0.1 with a deploy key and a pinned known_hosts, and git's smart HTTP protocol
 * (git http-backend) behind TLS with a token read from a file.
 */
jest.setTimeout(180_000);

let kubeconfig: string;
beforeAll(() => {
  kubeconfig = startTestCluster();
}, 20 * 60_000);

function reconcile(repoUrl: string, repo: GitEnvRepo, credentials: string[]): { status: number | null; result: any; stdout: string; stderr: string } {
  const run = runStagecraft([
    'reconcile', '--repo', repoUrl, '--env', repo.environment, '--kubeconfig', kubeconfig, '--cache-dir', scratchFolder('stagecraft-cache-'),
    '--once', '--no-wait', '--output', 'json', ...credentials,
  ], { cwd: REPO_ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, result: run.stdout ? JSON.parse(run.stdout) : undefined };
}

/** A fresh env repo whose first commit holds ConfigMap settings (MODE one) in a namespace of its name. */
function committedRepo(prefix: string): { name: string; repo: GitEnvRepo } {
  const name = uniqueName(prefix);
  const repo = new GitEnvRepo(name, name);
  repo.put('app', configMap(name, 'settings', { MODE: 'one' }));
  repo.commit('one');
  return { name, repo };
}

function settingsOf(namespace: string): unknown {
  const found = kubectl(kubeconfig, ['get', 'configmap', 'settings', '-n', namespace, '-o', 'json', '--ignore-not-found']).stdout;
  return found.trim() === '' ? undefined : JSON.parse(found).data;
}

describe('an env repo behind sshd with a deploy key', () => {
  let server: SshGitServer;
  beforeAll(async () => {
    server = await SshGitServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('is applied with the deploy key and the pinned host key; after the host key changes it is refused and nothing is applied', async () => {
    // GIVEN an env repo served over ssh
    const { name, repo } = committedRepo('ssh');
    const credentials = ['--ssh-key', server.deployKey, '--known-hosts', server.knownHosts];
    // WHEN
    const applied = reconcile(server.urlOf(repo.root), repo, credentials);
    // THEN
    expect({ status: applied.status, verdict: applied.result?.verdict, stderr: applied.stderr }).toEqual({ status: 0, verdict: 'applied', stderr: '' });
    expect(settingsOf(name)).toEqual({ MODE: 'one' });

    // WHEN the server answers with another host key, and a new commit waits
    await server.changeHostKey();
    repo.put('app', configMap(name, 'settings', { MODE: 'two' }));
    repo.commit('two');
    const refused = reconcile(server.urlOf(repo.root), repo, credentials);
    // THEN the fetch is refused with the reason and the fix, and the cluster keeps what it had
    expect(refused.status).toBe(1);
    expect(refused.result).toMatchObject({ verdict: 'failed', writeRequests: 0 });
    expect(refused.result.message).toContain(`the SSH host key of ${server.urlOf(repo.root)} does not match the one pinned in ${server.knownHosts}: refused`);
    expect(settingsOf(name)).toEqual({ MODE: 'one' });
    // AND the pinned file was not touched
    expect(fs.readFileSync(server.knownHosts, 'utf8')).not.toContain(server.knownHostsLine().split(' ')[2]);
  });

  it('refuses a server whose host key is not pinned at all', () => {
    // GIVEN a known_hosts file for another server only
    const { name, repo } = committedRepo('ssh');
    const other = path.join(scratchFolder('stagecraft-hosts-'), 'known_hosts');
    fs.writeFileSync(other, server.knownHostsLine().replace(`[127.0.0.1]:${server.port}`, 'git.example.com'));
    // WHEN
    const refused = reconcile(server.urlOf(repo.root), repo, ['--ssh-key', server.deployKey, '--known-hosts', other]);
    // THEN
    expect(refused.status).toBe(1);
    expect(refused.result.message).toContain(`the SSH host key of ${server.urlOf(repo.root)} is not in ${other}: refused`);
    expect(settingsOf(name)).toBeUndefined();
  });
});

describe('an env repo behind git http-backend over HTTPS with a token', () => {
  const token = `tok-${uniqueName('secret')}`;
  let server: HttpsGitServer;
  let projectRoot: string;
  beforeAll(async () => {
    projectRoot = path.dirname(scratchFolder('stagecraft-probe-'));
    server = await HttpsGitServer.start(projectRoot, token);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('is applied with the token read from a file, sent by the credential helper', () => {
    // GIVEN
    const { name, repo } = committedRepo('https');
    const tokenFile = path.join(scratchFolder('stagecraft-token-'), 'token');
    fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    // WHEN
    const applied = reconcile(server.urlOf(repo.root), repo, ['--token-file', tokenFile, '--git-ca-file', server.caFile]);
    // THEN
    expect({ status: applied.status, verdict: applied.result?.verdict, stderr: applied.stderr }).toEqual({ status: 0, verdict: 'applied', stderr: '' });
    expect(settingsOf(name)).toEqual({ MODE: 'one' });
    expect(server.authorizations).toContain(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
  });

  it('is refused with a wrong token, by an error that does not contain the token, and nothing is applied', () => {
    // GIVEN
    const { name, repo } = committedRepo('https');
    const wrong = `wrong-${uniqueName('token')}`;
    const tokenFile = path.join(scratchFolder('stagecraft-token-'), 'token');
    fs.writeFileSync(tokenFile, wrong, { mode: 0o600 });
    // WHEN
    const refused = reconcile(server.urlOf(repo.root), repo, ['--token-file', tokenFile, '--git-ca-file', server.caFile]);
    // THEN
    expect(refused.status).toBe(1);
    expect(refused.result).toMatchObject({ verdict: 'failed', writeRequests: 0 });
    expect(refused.result.message).toContain(`${server.urlOf(repo.root)} refused the token of ${tokenFile}; check that it is valid, not expired, and may read the repository`);
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(wrong);
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString('base64'));
    expect(settingsOf(name)).toBeUndefined();
  });

  it('is refused when the server\'s certificate is signed by a CA git was not given', () => {
    // GIVEN
    const { name, repo } = committedRepo('https');
    const tokenFile = path.join(scratchFolder('stagecraft-token-'), 'token');
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    // WHEN
    const refused = reconcile(server.urlOf(repo.root), repo, ['--token-file', tokenFile]);
    // THEN
    expect(refused.status).toBe(1);
    expect(refused.result.message).toContain(`the TLS certificate of ${server.urlOf(repo.root)} is not trusted`);
    expect(refused.result.message).toContain('pass the CA that signed it with --git-ca-file');
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(token);
    expect(settingsOf(name)).toBeUndefined();
  });
});


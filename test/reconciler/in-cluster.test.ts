import * as fs from 'fs';
import * as path from 'path';
import { inClusterSettings, KubeconfigError } from '../../lib/reconciler/kubeconfig';
import { authorizationFor } from '../../lib/reconciler/private/rotating-token';
import { scratchFolder } from '../support/fleets';

/** A folder laid out like a Pod's projected ServiceAccount volume. */
function serviceAccountFolder(token: string): string {
  const folder = scratchFolder('stagecraft-serviceaccount-');
  fs.writeFileSync(path.join(folder, 'token'), token);
  fs.writeFileSync(path.join(folder, 'ca.crt'), 'CA');
  return folder;
}

const POD = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };

describe('inClusterSettings', () => {
  it('reads the server from the service variables, the CA and the token file from the folder', () => {
    // GIVEN
    const folder = serviceAccountFolder('first\n');
    // WHEN
    const settings = inClusterSettings(folder, POD);
    // THEN
    expect(settings).toEqual({ server: 'https://10.0.0.1:443', context: 'in-cluster', ca: Buffer.from('CA'), insecureSkipTlsVerify: false, tokenFile: path.join(folder, 'token') });
    expect(inClusterSettings(folder, { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }).server).toBe('https://[fd00::1]:6443');
  });

  it.each([
    [{}, 'in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so this is not a Pod; run inside the cluster, set both to the API server\'s address, or pass --kubeconfig'],
    [{ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: 'https' }, 'in-cluster: KUBERNETES_SERVICE_PORT "https" is not a port number'],
    [{ KUBERNETES_SERVICE_HOST: 'evil.example/path@', KUBERNETES_SERVICE_PORT: '443' }, 'in-cluster: KUBERNETES_SERVICE_HOST "evil.example/path@" is not a host name or address'],
  ])('refuses the service variables %j', (env, message) => {
    expect(() => inClusterSettings(serviceAccountFolder('t'), env)).toThrow(new KubeconfigError(message));
  });

  it('refuses a folder without a token, and an empty token, naming the file and the fix', () => {
    // GIVEN
    const empty = scratchFolder('stagecraft-serviceaccount-');
    const blank = serviceAccountFolder('\n');
    // THEN
    expect(() => inClusterSettings(empty, POD)).toThrow(`in-cluster: cannot read ${path.join(empty, 'token')} (ENOENT); the Pod needs its ServiceAccount token mounted (automountServiceAccountToken) or --service-account-dir must name a folder holding token and ca.crt (not ${empty})`);
    expect(() => inClusterSettings(blank, POD)).toThrow(`in-cluster: the ServiceAccount token ${path.join(blank, 'token')} is empty; check the Pod's token volume`);
  });
});

describe('authorizationFor', () => {
  it('reads the token file again when the kubelet rotates it, and keeps the last token while it is missing', () => {
    // GIVEN
    const folder = serviceAccountFolder('first\n');
    const settings = inClusterSettings(folder, POD);
    const first = authorizationFor(settings);
    // WHEN the kubelet swaps the file (a new file renamed into place, as its atomic writer does)
    fs.writeFileSync(path.join(folder, 'token.new'), 'second');
    fs.renameSync(path.join(folder, 'token.new'), path.join(folder, 'token'));
    const second = authorizationFor(settings);
    fs.rmSync(path.join(folder, 'token'));
    const whileMissing = authorizationFor(settings);
    // THEN
    expect([first, second, whileMissing]).toEqual(['Bearer first', 'Bearer second', 'Bearer second']);
  });

  it('gives the static header of a kubeconfig', () => {
    expect(authorizationFor({ server: 'https://x', context: 'c', insecureSkipTlsVerify: false, authorization: 'Bearer static' })).toBe('Bearer static');
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { KubeconfigError, readKubeconfig } from '../../lib/reconciler/kubeconfig';
import { scratchFolder } from '../support/fleets';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: dev
    cluster:
      server: https://127.0.0.1:6443/
      certificate-authority-data: ${Buffer.from('CA').toString('base64')}
  - name: files
    cluster:
      server: https://files.example:443
      certificate-authority: ca.crt
      tls-server-name: kubernetes
users:
  - name: admin
    user:
      token: abc123
  - name: certificate
    user:
      client-certificate: client.crt
      client-key-data: ${Buffer.from('KEY').toString('base64')}
  - name: cloud
    user:
      exec:
        command: gke-gcloud-auth-plugin
contexts:
  - name: dev
    context: { cluster: dev, user: admin }
  - name: files
    context: { cluster: files, user: certificate }
  - name: cloud
    context: { cluster: dev, user: cloud }
current-context: dev
`;

describe('readKubeconfig', () => {
  it('reads a token user of the current context', () => {
    // WHEN
    const reading = readKubeconfig('/home/me/.kube/config', KUBECONFIG);
    // THEN
    expect(reading).toEqual({
      kind: 'static',
      settings: { server: 'https://127.0.0.1:6443', context: 'dev', ca: Buffer.from('CA'), cert: undefined, key: undefined, insecureSkipTlsVerify: false, tlsServerName: undefined, authorization: 'Bearer abc123' },
    });
  });

  it('reads files relative to the kubeconfig\'s folder', () => {
    // GIVEN
    const folder = scratchFolder();
    fs.writeFileSync(path.join(folder, 'ca.crt'), 'FILE-CA');
    fs.writeFileSync(path.join(folder, 'client.crt'), 'FILE-CERT');
    // WHEN
    const reading = readKubeconfig(path.join(folder, 'config'), KUBECONFIG, 'files');
    // THEN
    expect(reading.kind === 'static' && reading.settings).toEqual({
      server: 'https://files.example:443', context: 'files', ca: Buffer.from('FILE-CA'), cert: Buffer.from('FILE-CERT'), key: Buffer.from('KEY'), insecureSkipTlsVerify: false, tlsServerName: 'kubernetes', authorization: undefined,
    });
  });

  it('leaves credential plugins to client-node', () => {
    expect(readKubeconfig('/k', KUBECONFIG, 'cloud')).toEqual({ kind: 'plugin', context: 'cloud' });
  });

  it('fails on an unknown context, listing the known ones', () => {
    expect(() => readKubeconfig('/k', KUBECONFIG, 'prod')).toThrow(new KubeconfigError('kubeconfig /k has no context "prod"; known contexts: dev, files, cloud'));
  });

  it('fails on a referenced file that cannot be read, naming it', () => {
    expect(() => readKubeconfig('/nowhere/config', KUBECONFIG, 'files')).toThrow(new KubeconfigError('kubeconfig /nowhere/config refers to /nowhere/ca.crt, which cannot be read (ENOENT)'));
  });
});

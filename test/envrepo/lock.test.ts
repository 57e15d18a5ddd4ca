import { sha256Digest } from '../../lib/envrepo/digest';
import { createLock, verifyAgainstLock } from '../../lib/envrepo/lock';

describe('verifying files against their lock', () => {
  const files = new Map<string, string>([['dev/web/deployment.web.yaml', 'kind: Deployment\n'], ['dev/web/service.web.yaml', 'kind: Service\n']]);
  const lock = createLock({ environment: 'dev', files, inputsDigest: sha256Digest('inputs') });

  it('finds nothing when every file has the digest the lock lists', () => {
    expect(verifyAgainstLock(lock, files)).toEqual([]);
  });

  it('uses the digests the caller computed already and hashes the files it was given none for', () => {
    // GIVEN the caller's digest of one file, computed from other bytes than the lock's
    const known = new Map([['dev/web/deployment.web.yaml', sha256Digest('kind: Deployment\nedited: true\n')]]);
    // WHEN
    const mismatches = verifyAgainstLock(lock, files, known);
    // THEN that file is reported changed, the other one (hashed here) matches
    expect(mismatches).toEqual([{ path: 'dev/web/deployment.web.yaml', problem: 'changed' }]);
    expect(verifyAgainstLock(lock, files, new Map([['dev/web/service.web.yaml', sha256Digest('kind: Service\n')]]))).toEqual([]);
  });

  it('reports files missing from the tree and files the lock does not list', () => {
    const changed = new Map([['dev/web/service.web.yaml', 'kind: Service\n'], ['dev/web/extra.yaml', 'kind: Extra\n']]);
    expect(verifyAgainstLock(lock, changed)).toEqual([
      { path: 'dev/web/deployment.web.yaml', problem: 'missing' },
      { path: 'dev/web/extra.yaml', problem: 'not-in-lock' },
    ]);
  });
});

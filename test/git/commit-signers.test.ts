import * as path from 'path';
import { commitSigners } from '../../lib/git';
import { scratchFolder } from '../support/fleets';
import { initRepository } from '../support/git';
import { commit, exportOpenPgpKey, generateOpenPgpKey, generateSshKey, OpenPgpKey, SshKey, stopGpgAgent, writeAllowedSigners } from '../support/signing-keys';

/**
 * Who signed a commit, on a real repository with real keys: alice (SSH) and bob (OpenPGP, two user IDs) are
 * trusted; mallory (SSH) is not.
 */
jest.setTimeout(60_000);

let folder: string;
let alice: SshKey;
let mallory: SshKey;
let bob: OpenPgpKey;
let trust: { sshAllowedSignersFile: string; gpgKeyring: string };

beforeAll(() => {
  folder = scratchFolder('stagecraft-signers-');
  alice = generateSshKey(folder, 'alice');
  mallory = generateSshKey(folder, 'mallory');
  bob = generateOpenPgpKey(path.join(folder, 'gnupg'), 'Bob', 'bob@example.test');
  trust = {
    sshAllowedSignersFile: writeAllowedSigners(path.join(folder, 'allowed_signers'), { 'alice@example.test': alice }),
    gpgKeyring: exportOpenPgpKey(bob, path.join(folder, 'keyring', 'bob.asc')),
  };
});

afterAll(() => stopGpgAgent(bob.home));

describe('who signed each commit', () => {
  it('names the SSH principal and the OpenPGP key\'s address, and says why the others name nobody', async () => {
    // GIVEN commits signed by alice, bob and mallory, and one unsigned
    const repository = initRepository(path.join(folder, 'repo'));
    const byAlice = commit(repository, 'alice', alice);
    const byBob = commit(repository, 'bob', bob);
    const byMallory = commit(repository, 'mallory', mallory);
    const unsigned = commit(repository, 'nobody');
    // WHEN
    const signers = await commitSigners({ gitDirectory: path.join(repository, '.git'), commits: [byAlice, byBob, byMallory, unsigned], trust });
    // THEN
    expect([...signers.values()]).toEqual([
      { commit: byAlice, identities: ['alice@example.test'], key: alice.fingerprint },
      { commit: byBob, identities: ['bob@example.test'], key: bob.fingerprint },
      { commit: byMallory, identities: [], key: mallory.fingerprint, problem: `commit ${byMallory.slice(0, 7)} is signed by SSH key ${mallory.fingerprint}, which is not in the allowed signers file ${trust.sshAllowedSignersFile}` },
      { commit: unsigned, identities: [], key: undefined, problem: `commit ${unsigned.slice(0, 7)} is not signed` },
    ]);
  });

  it('fails without any trusted keys, naming the options', async () => {
    const repository = initRepository(path.join(folder, 'empty-trust'));
    const unsigned = commit(repository, 'nobody');
    await expect(commitSigners({ gitDirectory: path.join(repository, '.git'), commits: [unsigned], trust: {} }))
      .rejects.toThrow('signed commits are required but no allowed keys were given; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH');
  });
});

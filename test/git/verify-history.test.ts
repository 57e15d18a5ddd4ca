import * as fs from 'fs';
import * as path from 'path';
import { verifyHistory, TrustPolicy } from '../../lib/git/verify-history';
import { scratchFolder } from '../support/fleets';
import { initRepository } from '../support/git';
import {
  commit, exportOpenPgpKey, generateOpenPgpKey, generateSshKey, gitWithKey, OpenPgpKey, SshKey, stopGpgAgent, tamperedCopy, writeAllowedSigners,
} from '../support/signing-keys';

/**
 * verifyHistory against real repositories, with keys generated for this file: SSH keys by ssh-keygen,
 * OpenPGP keys in a GnuPG home of its own. alice (SSH) and bob (OpenPGP) are allowed; mallory (SSH) and
 * eve (OpenPGP) are not.
 */
jest.setTimeout(60_000);

const RE_SIGN = 'sign it again with an allowed key (git commit --amend -S, or git rebase --exec \'git commit --amend --no-edit -S\' for several), push, and reconcile once with --allow-history-rewrite';

let keys: string;
let alice: SshKey;
let mallory: SshKey;
let bob: OpenPgpKey;
let eve: OpenPgpKey;
let allowedSigners: string;
let keyring: string;
let trust: TrustPolicy;

beforeAll(() => {
  keys = scratchFolder('stagecraft-keys-');
  alice = generateSshKey(keys, 'alice');
  mallory = generateSshKey(keys, 'mallory');
  bob = generateOpenPgpKey(path.join(keys, 'gnupg-bob'), 'Bob', 'bob@example.test');
  eve = generateOpenPgpKey(path.join(keys, 'gnupg-eve'), 'Eve', 'eve@example.test');
  allowedSigners = writeAllowedSigners(path.join(keys, 'allowed_signers'), { 'alice@example.test': alice });
  keyring = path.join(keys, 'keyring');
  exportOpenPgpKey(bob, path.join(keyring, 'bob.asc'));
  trust = { sshAllowedSignersFile: allowedSigners, gpgKeyring: keyring, requireSigned: true };
});

afterAll(() => {
  stopGpgAgent(bob.home);
  stopGpgAgent(eve.home);
});

let repository: string;
beforeEach(() => {
  repository = initRepository(path.join(scratchFolder('stagecraft-history-'), 'env-repo'));
});

const gitDirectory = () => path.join(repository, '.git');
const short = (hash: string) => hash.slice(0, 7);

describe('signed history', () => {
  it('passes commits signed by an allowed SSH key, and counts every commit it checked', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    commit(repository, 'one', alice);
    const tip = commit(repository, 'two', alice);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust });
    // THEN
    expect(verdict).toEqual({ ok: true, checkedCommits: 2, problems: [], historyRewritten: false });
  });

  it('fails an unsigned commit, naming it and the fix', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const unsigned = commit(repository, 'quick fix');
    const tip = commit(repository, 'signed on top', alice);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust });
    // THEN
    expect(verdict).toEqual({
      ok: false,
      checkedCommits: 2,
      problems: [`commit ${short(unsigned)} "quick fix" is not signed, but the environment requires signed commits; ${RE_SIGN}`],
      historyRewritten: false,
    });
  });

  it('fails a commit signed by an SSH key that is not in the allowed signers file', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'deploy my miner', mallory);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust });
    // THEN
    expect(verdict.problems).toEqual([
      `commit ${short(tip)} "deploy my miner" is signed by SSH key ${mallory.fingerprint}, which is not in the allowed signers file ${allowedSigners}; if its owner may deploy, add their public key there, otherwise ${RE_SIGN}`,
    ]);
    expect(verdict.ok).toBe(false);
  });

  it('passes a commit signed by an allowed OpenPGP key', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'signed by bob', bob);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust });
    // THEN
    expect(verdict).toEqual({ ok: true, checkedCommits: 1, problems: [], historyRewritten: false });
  });

  it('fails a commit signed by an OpenPGP key that is not in the keyring', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'signed by eve', eve);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust });
    // THEN
    expect(verdict.problems).toEqual([
      `commit ${short(tip)} "signed by eve" is signed by OpenPGP key ${eve.fingerprint}, which is not in the keyring ${keyring}; if its owner may deploy, add their public key there, otherwise ${RE_SIGN}`,
    ]);
  });

  it('accepts a keyring given as one file as well as a folder', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'signed by bob', bob);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust: { gpgKeyring: path.join(keyring, 'bob.asc'), requireSigned: true } });
    // THEN
    expect(verdict).toEqual({ ok: true, checkedCommits: 1, problems: [], historyRewritten: false });
  });

  it('fails an unsigned commit that came in as the second parent of a signed merge', async () => {
    // GIVEN a signed main line and a side branch with one unsigned commit, merged with a signed merge commit
    const base = commit(repository, 'base', alice);
    gitWithKey(repository, undefined, 'checkout', '--quiet', '-b', 'feature');
    const sideSigned = commit(repository, 'feature: signed part', alice);
    const sideUnsigned = commit(repository, 'feature: unsigned part');
    gitWithKey(repository, undefined, 'checkout', '--quiet', 'main');
    commit(repository, 'main moves on', alice);
    gitWithKey(repository, alice, 'merge', '--quiet', '--no-ff', '-S', '--message', 'merge feature', 'feature');
    const merge = gitWithKey(repository, undefined, 'rev-parse', 'HEAD');
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: merge, trust });
    // THEN every commit of both parents was checked, and only the unsigned one is refused
    expect(verdict).toEqual({
      ok: false,
      checkedCommits: 4,
      problems: [`commit ${short(sideUnsigned)} "feature: unsigned part" is not signed, but the environment requires signed commits; ${RE_SIGN}`],
      historyRewritten: false,
    });
    expect(sideSigned).not.toBe(sideUnsigned);
  });

  it('fails a commit whose content was changed after it was signed', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const signed = commit(repository, 'replicas: 3', alice);
    const forged = tamperedCopy(repository, signed, 'replicas: 300');
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: forged, trust });
    // THEN
    expect(verdict.problems).toEqual([
      `commit ${short(forged)} "replicas: 300" has an SSH signature that does not match its content (incorrect signature): the commit was changed after it was signed; do not deploy it, find out who pushed it and push a correctly signed commit`,
    ]);
  });

  it('fails an SSH-signed commit when only an OpenPGP keyring was given', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'signed by alice', alice);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust: { gpgKeyring: keyring, requireSigned: true } });
    // THEN
    expect(verdict.problems).toEqual([
      `commit ${short(tip)} "signed by alice" is signed with an SSH key, but no SSH allowed signers file was given; pass --ssh-allowed-signers FILE listing the keys that may deploy`,
    ]);
  });

  it('quotes control characters of a pushed subject instead of printing them', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'innocent\u001b[2K\rrefusing nothing');
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust });
    // THEN
    expect(verdict.problems).toEqual([
      `commit ${short(tip)} "innocent\\u001b[2K\\rrefusing nothing" is not signed, but the environment requires signed commits; ${RE_SIGN}`,
    ]);
  });
});

describe('history rewrites', () => {
  /** main: base - applied; then main is reset to base and gets `rewritten` instead. */
  function forcePushed(): { base: string; applied: string; rewritten: string } {
    const base = commit(repository, 'base', alice);
    const applied = commit(repository, 'applied', alice);
    gitWithKey(repository, undefined, 'reset', '--quiet', '--hard', base);
    const rewritten = commit(repository, 'rewritten', alice);
    return { base, applied, rewritten };
  }

  it('fails a new tip that does not descend from the last applied revision (force push)', async () => {
    // GIVEN
    const { applied, rewritten } = forcePushed();
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: applied, to: rewritten, trust });
    // THEN
    expect(verdict).toEqual({
      ok: false,
      checkedCommits: 1,
      problems: [`the new tip, commit ${short(rewritten)} "rewritten", does not descend from the last applied revision, commit ${short(applied)} "applied": the branch was force-pushed or its history rewritten; find out who rewrote it, and if the new history is intended, reconcile once with --allow-history-rewrite`],
      historyRewritten: true,
    });
  });

  it('accepts a rewritten history with allowHistoryRewrite, and still verifies its new commits', async () => {
    // GIVEN
    const { applied, rewritten } = forcePushed();
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: applied, to: rewritten, trust, allowHistoryRewrite: true });
    // THEN
    expect(verdict).toEqual({ ok: true, checkedCommits: 1, problems: [], historyRewritten: true });
  });

  it('fails a last applied revision that is no longer in the repository', async () => {
    // GIVEN
    const tip = commit(repository, 'only commit', alice);
    const gone = 'f'.repeat(40);
    // WHEN
    const refused = await verifyHistory({ gitDirectory: gitDirectory(), from: gone, to: tip, trust });
    const allowed = await verifyHistory({ gitDirectory: gitDirectory(), from: gone, to: tip, trust, allowHistoryRewrite: true });
    // THEN without a base only the tip can be verified
    expect(refused.problems).toEqual([
      `the last applied revision ${gone} is not in the repository (the branch was force-pushed and the old commits are gone, or --repo names another repository); if the new history is intended, reconcile once with --allow-history-rewrite`,
    ]);
    expect(allowed).toEqual({ ok: true, checkedCommits: 1, problems: [], historyRewritten: true });
  });

  it('checks only ancestry when signatures are not required', async () => {
    // GIVEN
    const base = commit(repository, 'base');
    const tip = commit(repository, 'unsigned');
    const { applied, rewritten } = forcePushed();
    const unsignedTrust: TrustPolicy = { requireSigned: false };
    // WHEN
    const forward = await verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust: unsignedTrust });
    const sideways = await verifyHistory({ gitDirectory: gitDirectory(), from: applied, to: rewritten, trust: unsignedTrust });
    // THEN
    expect(forward).toEqual({ ok: true, checkedCommits: 0, problems: [], historyRewritten: false });
    expect(sideways.ok).toBe(false);
    expect(sideways.checkedCommits).toBe(0);
    expect(sideways.problems).toHaveLength(1);
  });
});

describe('the first apply and the unchanged tip', () => {
  it('verifies only the tip on the first apply, since there is no trusted base', async () => {
    // GIVEN a history that predates signing, and a signed tip
    commit(repository, 'old unsigned one');
    commit(repository, 'old unsigned two');
    const tip = commit(repository, 'first signed', alice);
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), to: tip, trust });
    // THEN
    expect(verdict).toEqual({ ok: true, checkedCommits: 1, problems: [], historyRewritten: false });
  });

  it('fails an unsigned tip on the first apply', async () => {
    // GIVEN
    const tip = commit(repository, 'unsigned tip');
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), to: tip, trust });
    // THEN
    expect(verdict.problems).toEqual([`commit ${short(tip)} "unsigned tip" is not signed, but the environment requires signed commits; ${RE_SIGN}`]);
  });

  it('checks nothing when the tip is the last applied revision', async () => {
    // GIVEN
    const tip = commit(repository, 'unsigned but already applied');
    // WHEN
    const verdict = await verifyHistory({ gitDirectory: gitDirectory(), from: tip, to: tip, trust });
    // THEN
    expect(verdict).toEqual({ ok: true, checkedCommits: 0, problems: [], historyRewritten: false });
  });
});

describe('unusable input', () => {
  it('fails when signatures are required but no allowed keys are given', async () => {
    // GIVEN
    const tip = commit(repository, 'tip', alice);
    // WHEN
    const promise = verifyHistory({ gitDirectory: gitDirectory(), to: tip, trust: { requireSigned: true } });
    // THEN
    await expect(promise).rejects.toThrow(new Error('signed commits are required but no allowed keys were given; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH'));
  });

  it('fails on an allowed signers file that does not exist', async () => {
    // GIVEN
    const tip = commit(repository, 'tip', alice);
    const missing = path.join(keys, 'no-such-file');
    // WHEN
    const promise = verifyHistory({ gitDirectory: gitDirectory(), to: tip, trust: { sshAllowedSignersFile: missing, requireSigned: true } });
    // THEN
    await expect(promise).rejects.toThrow(new Error(`the SSH allowed signers file ${missing} cannot be read (ENOENT); pass a readable file with --ssh-allowed-signers`));
  });

  it('fails on a keyring file that holds no OpenPGP key', async () => {
    // GIVEN
    const base = commit(repository, 'base', alice);
    const tip = commit(repository, 'signed by bob', bob);
    const notKeys = path.join(keys, 'not-keys.asc');
    fs.writeFileSync(notKeys, 'hello\n');
    // WHEN
    const promise = verifyHistory({ gitDirectory: gitDirectory(), from: base, to: tip, trust: { gpgKeyring: notKeys, requireSigned: true } });
    // THEN
    await expect(promise).rejects.toThrow(new Error(`cannot import OpenPGP keys from ${notKeys} (gpg: no valid OpenPGP data found.); put armored public keys there (gpg --armor --export KEY > not-keys.asc)`));
  });

  it('fails on a name that is not a full commit hash', async () => {
    // WHEN
    const promise = verifyHistory({ gitDirectory: gitDirectory(), to: 'main', trust });
    // THEN
    await expect(promise).rejects.toThrow(new Error('to: "main" is not a full hex commit name; pass the commit fetchRevision returned or the last applied revision as recorded'));
  });
});

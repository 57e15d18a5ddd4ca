import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { approvalPath, ApprovalRecord, serializeApproval } from '../../lib/envrepo/approval';
import { runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';
import { git, GIT_ENVIRONMENT } from '../support/git';
import { createEnvRepo, ISOLATED_GIT } from '../support/promotion-repo';
import { email, PROD_TIME, SIGNED_WEB, signedPromotionRepo, SignedPromotionRepo } from '../support/signed-promotion';
import { exportOpenPgpKey, generateOpenPgpKey, OpenPgpKey, stopGpgAgent } from '../support/signing-keys';

// Approvals bound to signatures, on real git repositories with real SSH and OpenPGP keys, through the CLI.
// prod requires signed commits; its approvals gate wants 2 of alice, bob and carol, excluding the promoter.

jest.setTimeout(120_000);

/** The approval file someone writes by hand for `person`. */
function handWrittenApproval(folder: string, person: string, approvedAt: string, image = SIGNED_WEB): string {
  const approval: ApprovalRecord = { schemaVersion: 1, environment: 'prod', application: 'web', image, approvedBy: email(person), approvedAt };
  const file = approvalPath(approval);
  fs.mkdirSync(path.join(folder, path.dirname(file)), { recursive: true });
  fs.writeFileSync(path.join(folder, file), serializeApproval(approval));
  return file;
}

/** An approval file for `person`, committed unsigned in a clone and pushed: what someone might do by hand. */
function pushUnsignedApprovalByHand(repo: SignedPromotionRepo, person: string): void {
  const clone = repo.clone('unsigned');
  handWrittenApproval(clone.folder, person, '2026-11-23T11:00:00Z');
  git(clone.folder, 'add', '--all');
  git(clone.folder, 'commit', '--quiet', '--no-gpg-sign', '--message', `approve web for prod (${person})`);
  clone.push();
}

function approvalsLine(stdout: string): string {
  return stdout.split('\n').find((line) => /^\s+(pass|fail|wait)\s+approvals\s/.test(line))!.trim().replace(/^(pass|fail|wait)\s+approvals\s+/, '$1 ');
}

describe('approvals bound to SSH signatures', () => {
  let repo: SignedPromotionRepo;
  const main = () => git(repo.bare, 'rev-parse', 'main');

  beforeAll(async () => {
    repo = await signedPromotionRepo(scratchFolder('stagecraft-signed-approvals-'));
  });

  it.each<[string, string[]]>([
    ['release', ['web', '--image', SIGNED_WEB.replace(/b{64}$/, 'c'.repeat(64)), '--env', 'dev', '--as', email('ci'), '--now', PROD_TIME]],
    ['promote', ['web', '--from', 'staging', '--to', 'prod', '--as', email('alice'), '--now', PROD_TIME]],
    ['approve', ['web', '--env', 'prod', '--as', email('bob'), '--now', PROD_TIME]],
  ])('fails to %s without a signing key where an environment requires signed commits, and writes nothing', (command, args) => {
    // GIVEN no --sign-key and no git config user.signingkey
    const before = main();
    // WHEN
    const result = repo.run(command, args);
    // THEN refused before anything was committed, naming the option
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: `stagecraft: ${command}: environment prod of ${repo.bare} requires signed commits, but no signing key is configured, and the reconciler refuses unsigned commits; pass --sign-key KEY (an SSH private key file, or an OpenPGP key id) or set git config user.signingkey; nothing was committed\n`,
    });
    expect(main()).toBe(before);
    expect(git(repo.bare, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  it('fails to approve without the keys the reconciler trusts, and writes nothing', () => {
    const before = main();
    const result = runStagecraft(['approve', 'web', '--env', 'prod', '--as', email('bob'), '--now', PROD_TIME, '--repo', repo.bare, '--sign-key', repo.keys.bob.file], { cwd: repo.scratch, env: ISOLATED_GIT });
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: `stagecraft: approve: environment prod of ${repo.bare} requires signed commits, so the approve commit is checked against the keys the reconciler trusts before it is published; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH as given to stagecraft reconcile; nothing was committed\n`,
    });
    expect(main()).toBe(before);
  });

  it('counts an approval signed by bob\'s key for --as bob', () => {
    // WHEN bob approves with his own key
    const result = repo.approve(email('bob'), 'bob');
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const file = approvalPath({ environment: 'prod', application: 'web', image: SIGNED_WEB, approvedBy: email('bob') });
    expect(result.stdout).toBe(`approved web ${SIGNED_WEB} for prod as bob@example.com: commit ${main().slice(0, 12)} (signed by bob@example.com's key), ${file}\n`);
    expect(git(repo.bare, 'cat-file', 'commit', 'main')).toContain('-----BEGIN SSH SIGNATURE-----');
  });

  it.each<[string, string, 'alice' | 'mallory', string]>([
    ['bob signed with alice\'s key', email('bob'), 'alice', 'alice'],
    ['carol signed with a key nobody trusts', email('carol'), 'mallory', 'mallory'],
  ])('fails to approve as %s, and publishes nothing', (_name, as, signer) => {
    const before = main();
    const result = repo.approve(as, signer);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(signer === 'alice'
      ? `stagecraft: approve: --as ${as} does not match the signer of the approve commit: key ${repo.keys.alice.fingerprint} stands for alice@example.com; act as alice@example.com (--as), or sign with ${as}'s own key; nothing was committed\n`
      : `stagecraft: approve: the approve commit would be signed by a key the reconciler refuses: it is signed by SSH key ${repo.keys.mallory.fingerprint}, which is not in the allowed signers file ${repo.allowedSigners}; sign with a key listed there (--sign-key) and run again; nothing was committed\n`);
    expect(main()).toBe(before);
  });

  it('does not count the promoter\'s own approval, nor an unsigned approval pushed by hand, and says why', () => {
    // GIVEN alice (who promotes) approved with her own key, and carol's approval was committed unsigned by hand
    expect(repo.approve(email('alice'), 'alice').status).toBe(0);
    pushUnsignedApprovalByHand(repo, 'carol');
    const unsigned = main();
    // WHEN alice promotes
    const result = repo.promoteProd();
    // THEN only bob counts
    expect(result.status).toBe(1);
    expect(approvalsLine(result.stdout)).toBe(`fail 1 of 2 approvals (bob@example.com signed); not counted, alice@example.com promotes this change and the gate excludes the promoter; not counted, carol@example.com: commit ${unsigned.slice(0, 7)} is not signed; approvals count only when signed by the approver's own key, run stagecraft approve with it; missing 1 from carol@example.com: run stagecraft approve web --env prod`);
    expect(main()).toBe(unsigned);
  });

  it('promotes once carol approves with her own key, signed by the promoter and accepted by the allowed signers', () => {
    // GIVEN carol approves properly (replacing the unsigned file)
    const approval = repo.approve(email('carol'), 'carol');
    expect(approval.status).toBe(0);
    // WHEN alice promotes
    const result = repo.promoteProd();
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(approvalsLine(result.stdout)).toBe('pass 2 of 2 approvals (bob@example.com signed, carol@example.com signed); not counted, alice@example.com promotes this change and the gate excludes the promoter');
    expect(result.stdout).toContain(`promoted web to prod: commit ${main().slice(0, 12)} (signed)`);
    expect(git(repo.bare, 'show', 'main:releases/prod.yaml')).toContain(`image: ${SIGNED_WEB}`);
    const verified = spawnSync('git', ['-c', `gpg.ssh.allowedSignersFile=${repo.allowedSigners}`, 'verify-commit', 'main'], { cwd: repo.bare, env: GIT_ENVIRONMENT, encoding: 'utf8' });
    expect({ status: verified.status, stderr: verified.stderr }).toEqual({
      status: 0,
      stderr: `Good "git" signature for alice@example.com with ED25519 key ${repo.keys.alice.fingerprint}\n`,
    });
  });

  it('history shows who signed each step, and why the hand-written approval did not count', () => {
    const result = repo.run('history', ['--env', 'prod', '--app', 'web', '--output', 'json']);
    expect(result.status).toBe(0);
    const entries = JSON.parse(result.stdout).entries
      .map((entry: any) => [entry.action, entry.by, entry.signedBy ?? null, entry.signatureProblem ?? null]);
    const handWritten = git(repo.bare, 'log', '--format=%H', '--grep', 'approve web for prod (carol)', 'main');
    // (the hand-written commit carries the machine's clock, so entries are compared in a fixed order)
    expect(entries.sort()).toEqual([
      ['promote', email('alice'), email('alice'), null],
      ['approve', email('carol'), email('carol'), null],
      ['approve', email('carol'), null, `commit ${handWritten.slice(0, 7)} is not signed`],
      ['approve', email('alice'), email('alice'), null],
      ['approve', email('bob'), email('bob'), null],
    ].sort());
    const human = repo.run('history', ['--env', 'prod', '--app', 'web']).stdout;
    expect(human).toContain(`    signature: commit ${handWritten.slice(0, 7)} is not signed (this approval does not count where signed commits are required)\n    written by hand: approve web for prod (carol)\n`);
  });
});

describe('approvals bound to OpenPGP signatures', () => {
  let scratch: string;
  let bare: string;
  let keyring: string;
  let home: string;
  let keys: Record<'alice' | 'bob', OpenPgpKey>;

  beforeAll(() => {
    scratch = scratchFolder('stagecraft-signed-openpgp-');
    bare = createEnvRepo(scratch, { signedProd: true }).bare;
    home = path.join(scratch, 'gnupg');
    keys = { alice: generateOpenPgpKey(home, 'Alice', email('alice')), bob: generateOpenPgpKey(home, 'Bob', email('bob')) };
    keyring = path.join(scratch, 'keyring');
    exportOpenPgpKey(keys.alice, path.join(keyring, 'alice.asc'));
    exportOpenPgpKey(keys.bob, path.join(keyring, 'bob.asc'));
  });

  afterAll(() => stopGpgAgent(home));

  const approve = (as: string, key: OpenPgpKey) => runStagecraft(
    ['approve', 'web', '--env', 'prod', '--image', SIGNED_WEB, '--as', as, '--now', PROD_TIME, '--repo', bare, '--sign-key', key.fingerprint, '--gpg-keyring', keyring],
    { cwd: scratch, env: { ...ISOLATED_GIT, GNUPGHOME: home } });

  it('counts an approval signed by bob\'s OpenPGP key for --as bob', () => {
    const result = approve(email('bob'), keys.bob);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('(signed by bob@example.com\'s key)');
    expect(git(bare, 'cat-file', 'commit', 'main')).toContain('-----BEGIN PGP SIGNATURE-----');
  });

  it('fails to approve as bob with alice\'s OpenPGP key, and publishes nothing', () => {
    const before = git(bare, 'rev-parse', 'main');
    const result = approve(email('bob'), keys.alice);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: `stagecraft: approve: --as bob@example.com does not match the signer of the approve commit: key ${keys.alice.fingerprint} stands for alice@example.com; act as alice@example.com (--as), or sign with bob@example.com's own key; nothing was committed\n`,
    });
    expect(git(bare, 'rev-parse', 'main')).toBe(before);
  });

  it('history shows the OpenPGP signer of the approval', () => {
    const result = runStagecraft(['history', '--env', 'prod', '--repo', bare, '--gpg-keyring', keyring], { cwd: scratch, env: ISOLATED_GIT });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`approve  web  ${SIGNED_WEB}  by bob@example.com`);
    expect(result.stdout).toContain('    signed by bob@example.com\'s key');
  });
});

describe('the board judges approvals as promote does', () => {
  let repo: SignedPromotionRepo;

  beforeAll(async () => {
    // GIVEN bob approved with his own key, and carol's approval was committed unsigned by hand
    repo = await signedPromotionRepo(scratchFolder('stagecraft-signed-board-'));
    expect(repo.approve(email('bob'), 'bob').status).toBe(0);
    pushUnsignedApprovalByHand(repo, 'carol');
  });

  function boardPage(trust: readonly string[]): string {
    const out = path.join(scratchFolder('stagecraft-signed-board-out-'), 'site');
    const result = runStagecraft(['board', '--repo', repo.bare, '--out', out, '--now', PROD_TIME, ...trust], { cwd: repo.scratch, env: ISOLATED_GIT });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  }

  it('counts bob\'s signed approval, not carol\'s unsigned one, and shows who signed, with the reconciler\'s keys', () => {
    // WHEN the board is written with the allowed signers
    const page = boardPage(['--ssh-allowed-signers', repo.allowedSigners]);
    // THEN
    expect(page).toContain('approvals 1 of 2');
    expect(page).toContain('(signed by bob@example.com)');
    expect(page).toContain('not counted, carol@example.com: commit ');
  });

  it('counts no approval whose signature it cannot check, and says so', () => {
    // WHEN the board is written without trusted keys
    const page = boardPage([]);
    // THEN
    expect(page).toContain('approvals 0 of 2');
    expect(page).toContain('its signature was not checked; pass --ssh-allowed-signers FILE and/or --gpg-keyring PATH');
    expect(page).not.toContain('(signed by ');
  });
});

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GIT_ENVIRONMENT } from './git';

/**
 * Freshly generated signing keys for tests: SSH keys with ssh-keygen, OpenPGP keys in a GnuPG home of the
 * test's own. Nothing here reads or writes the user's keys or git configuration.
 */

/** Same isolation as support/git.ts, plus whatever a signing command needs. */
function gitEnvironment(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...GIT_ENVIRONMENT, ...extra };
}

/** A key a commit can be signed with. */
export interface SigningKey {
  /** `git -c` settings that make `git commit -S` use this key. */
  readonly gitSettings: readonly string[];
  /** Environment the signing git needs (the GnuPG home for OpenPGP keys). */
  readonly env: Readonly<Record<string, string>>;
  /** How verification names the key: `SHA256:…` for SSH, the primary-key fingerprint for OpenPGP. */
  readonly fingerprint: string;
}

export interface SshKey extends SigningKey {
  /** `ssh-ed25519 AAAA…` */
  readonly publicKey: string;
}

/** A new ed25519 SSH key without passphrase in `folder`. */
export function generateSshKey(folder: string, name: string): SshKey {
  const privateKey = path.join(folder, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', privateKey]);
  const publicKey = fs.readFileSync(`${privateKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${privateKey}.pub`], { encoding: 'utf8' }).split(' ')[1];
  return { gitSettings: ['gpg.format=ssh', `user.signingkey=${privateKey}`], env: {}, fingerprint, publicKey };
}

/** An allowed signers file listing `keys` as principal → key, for namespace git. */
export function writeAllowedSigners(file: string, keys: Readonly<Record<string, SshKey>>): string {
  const lines = Object.entries(keys).map(([principal, key]) => `${principal} namespaces="git" ${key.publicKey}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export interface OpenPgpKey extends SigningKey {
  readonly email: string;
  readonly home: string;
}

/** A new ed25519 OpenPGP signing key without passphrase, in `home` (created as a private GnuPG home). */
export function generateOpenPgpKey(home: string, name: string, email: string): OpenPgpKey {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--quick-gen-key', `${name} <${email}>`, 'ed25519', 'sign', 'never'], { env, stdio: 'pipe' });
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--fingerprint', '--list-keys', email], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const fingerprint = listing.split('\n').find((line) => line.startsWith('fpr:'))!.split(':')[9];
  return { gitSettings: ['gpg.format=openpgp', `user.signingkey=${fingerprint}`], env: { GNUPGHOME: home }, fingerprint, email, home };
}

/** The armored public key of `key`, written to `file`. */
export function exportOpenPgpKey(key: OpenPgpKey, file: string): string {
  const armored = execFileSync('gpg', ['--batch', '--armor', '--export', key.fingerprint], { env: { ...process.env, GNUPGHOME: key.home } });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, armored);
  return file;
}

/** Stops the gpg-agent signing started in `home`, so no process outlives the test. */
export function stopGpgAgent(home: string): void {
  execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'pipe' });
}

/** Runs git in `repository` with the test identity and, when given, a signing key. */
export function gitWithKey(repository: string, key: SigningKey | undefined, ...args: string[]): string {
  const settings = (key?.gitSettings ?? []).flatMap((setting) => ['-c', setting]);
  return execFileSync('git', [...settings, ...args], { cwd: repository, env: gitEnvironment(key?.env), encoding: 'utf8' }).replace(/\n$/, '');
}

/** An empty commit with `subject`, signed by `key` (unsigned without one); returns its full hash. */
export function commit(repository: string, subject: string, key?: SigningKey): string {
  gitWithKey(repository, key, 'commit', '--quiet', '--allow-empty', ...(key ? ['-S'] : ['--no-gpg-sign']), '--message', subject);
  return gitWithKey(repository, undefined, 'rev-parse', 'HEAD');
}

/**
 * A copy of commit `original` whose message says `subject` instead, signature header kept as it was: what a
 * tampered commit looks like. Written to the object store and returned; no branch points at it.
 */
export function tamperedCopy(repository: string, original: string, subject: string): string {
  const text = gitWithKey(repository, undefined, 'cat-file', 'commit', original);
  const headersEnd = text.indexOf('\n\n');
  const forged = `${text.slice(0, headersEnd)}\n\n${subject}\n`;
  return execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: repository, env: gitEnvironment(), input: forged, encoding: 'utf8' }).trim();
}

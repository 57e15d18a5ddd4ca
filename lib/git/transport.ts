import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * How git reaches a private env repo: an SSH deploy key with a pinned `known_hosts`, or an HTTPS token read
 * from a file (and optionally the CA that signed the git server's certificate). Given as files, so a
 * Kubernetes Secret mounted into the reconciler's Pod is used as it is and a rotated token is read again.
 */
export interface GitCredentials {
  /** Private key of an SSH deploy key (OpenSSH format). Needs `knownHostsFile`. */
  readonly sshKeyFile?: string;
  /**
   * `known_hosts` pinning the git server's host key. The only keys accepted: a host key not in it, or a
   * changed one, is refused (StrictHostKeyChecking=yes), never learned.
   */
  readonly knownHostsFile?: string;
  /** File holding an HTTPS access token (one line). Sent through a git credential helper, never in a URL or argv. */
  readonly tokenFile?: string;
  /** PEM bundle of the CA(s) the HTTPS git server's certificate is checked against (git's http.sslCAInfo). */
  readonly caFile?: string;
}

/** Environment variables and messages for git commands that talk to one remote with GitCredentials. */
export interface GitTransport {
  /** Added to git's environment for fetch, ls-remote and push. */
  readonly env: Readonly<Record<string, string>>;
  /** Turns git's words about a failed network command into a message naming the cause and the fix. */
  explain(gitLine: string, stderr: string, repo: string): string;
}

/** Largest token file accepted: tokens are short, a bigger file is the wrong file. */
export const MAX_TOKEN_FILE_BYTES = 16 * 1024;
/** Largest known_hosts or key file accepted. */
const MAX_SSH_FILE_BYTES = 256 * 1024;
/** User name sent with a token when the URL names none (GitHub's convention; GitLab and Gitea accept any). */
export const DEFAULT_TOKEN_USER = 'x-access-token';

/** Refused credentials: the message names the file or option and the fix, and never contains a secret. */
export class GitCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitCredentialsError';
  }
}

/**
 * Checks the credentials against the remote (an SSH key for an ssh remote, a token for an https one) and
 * prepares git's environment. The SSH key and known_hosts are copied into a private folder (mode 0600): a
 * Secret mounted with an fsGroup is group-readable, which ssh refuses for keys. Returns undefined when no
 * credentials are given (git's own configuration applies, as before).
 */
export function gitTransport(remote: string, credentials: GitCredentials = {}): GitTransport | undefined {
  const { sshKeyFile, knownHostsFile, tokenFile, caFile } = credentials;
  if (sshKeyFile === undefined && knownHostsFile === undefined && tokenFile === undefined && caFile === undefined) {
    return undefined;
  }
  const scheme = schemeOf(remote);
  if (sshKeyFile !== undefined || knownHostsFile !== undefined) {
    if (tokenFile !== undefined) {
      throw new GitCredentialsError('give either an SSH deploy key (--ssh-key) or an HTTPS token (--token-file), not both');
    }
    if (scheme !== 'ssh') {
      throw new GitCredentialsError(`--ssh-key and --known-hosts are for ssh remotes (ssh://… or git@host:path), but the repository is ${redactUrl(remote)}; use --token-file for https`);
    }
    if (sshKeyFile === undefined || knownHostsFile === undefined) {
      throw new GitCredentialsError('an SSH deploy key needs both --ssh-key FILE and --known-hosts FILE (the pinned host key of the git server, e.g. from ssh-keyscan, checked by hand)');
    }
    return sshTransport(sshKeyFile, knownHostsFile);
  }
  if (scheme !== 'https') {
    throw new GitCredentialsError(`--token-file and --git-ca-file are for https remotes, but the repository is ${redactUrl(remote)}; use --ssh-key and --known-hosts for ssh`);
  }
  const url = new URL(remote);
  if (url.password !== '') {
    throw new GitCredentialsError(`the repository URL ${redactUrl(remote)} carries a password; remove it from the URL and pass the token with --token-file`);
  }
  const env: Record<string, string> = {};
  const config: Array<[string, string]> = [];
  if (tokenFile !== undefined) {
    checkTokenFile(tokenFile);
    env.STAGECRAFT_GIT_TOKEN_FILE = path.resolve(tokenFile);
    env.STAGECRAFT_GIT_USERNAME = url.username === '' ? DEFAULT_TOKEN_USER : decodeURIComponent(url.username);
    // An empty value first clears helpers from the user's or system's config (a store helper would save the token).
    config.push(['credential.helper', ''], ['credential.helper', TOKEN_HELPER]);
  }
  if (caFile !== undefined) {
    const ca = readBounded(caFile, '--git-ca-file', MAX_SSH_FILE_BYTES).toString('utf8');
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new GitCredentialsError(`--git-ca-file ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----); pass the CA bundle of the git server`);
    }
    // git's GIT_SSL_CAINFO outranks http.sslCAInfo from any config: set it, so an inherited one cannot win.
    env.GIT_SSL_CAINFO = path.resolve(caFile);
  }
  Object.assign(env, configEnvironment(config));
  return {
    env,
    explain: (gitLine, stderr, repo) => {
      if (/Authentication failed|returned error: 40[13]|could not read Username/.test(stderr)) {
        return tokenFile === undefined
          ? `${repo} asks for credentials; pass an access token with --token-file`
          : `${repo} refused the token of ${tokenFile}; check that it is valid, not expired, and may read the repository`;
      }
      if (/SSL certificate problem|server certificate verification failed|unable to get local issuer certificate/.test(stderr)) {
        return `the TLS certificate of ${repo} is not trusted (${gitLine}); pass the CA that signed it with --git-ca-file`;
      }
      return gitLine;
    },
  };
}

/**
 * A credential helper (git's `!` shell form) that answers `get` with the token read from the file now, so a
 * rotated token is used at the next fetch. The file's path and the user name come from the environment.
 */
const TOKEN_HELPER = '!f() { test "$1" = get || exit 0; printf \'username=%s\\n\' "$STAGECRAFT_GIT_USERNAME"; printf \'password=%s\\n\' "$(cat "$STAGECRAFT_GIT_TOKEN_FILE")"; }; f';

function sshTransport(sshKeyFile: string, knownHostsFile: string): GitTransport {
  const key = readBounded(sshKeyFile, '--ssh-key', MAX_SSH_FILE_BYTES);
  if (!/-----BEGIN (OPENSSH|RSA|EC) PRIVATE KEY-----/.test(key.toString('utf8'))) {
    throw new GitCredentialsError(`--ssh-key ${sshKeyFile} is not a private key in OpenSSH or PEM format; pass the private half of the deploy key (ssh-keygen -t ed25519 -N '' -f deploy-key)`);
  }
  if (/ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(key.toString('utf8')) || isEncryptedOpenSshKey(key)) {
    throw new GitCredentialsError(`--ssh-key ${sshKeyFile} is protected by a passphrase, which the reconciler cannot type; create the deploy key without one (ssh-keygen -N '')`);
  }
  const knownHosts = readBounded(knownHostsFile, '--known-hosts', MAX_SSH_FILE_BYTES).toString('utf8');
  const problem = knownHostsProblem(knownHosts);
  if (problem !== undefined) {
    throw new GitCredentialsError(`--known-hosts ${knownHostsFile}: ${problem}`);
  }
  const folder = privateFolder();
  const keyCopy = path.join(folder, 'deploy-key');
  const hostsCopy = path.join(folder, 'known_hosts');
  fs.writeFileSync(keyCopy, key, { mode: 0o600 });
  fs.writeFileSync(hostsCopy, knownHosts, { mode: 0o600 });
  const command = [
    'ssh', '-F', '/dev/null',
    '-i', keyCopy,
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${hostsCopy}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'UpdateHostKeys=no', '-o', 'CheckHostIP=no', '-o', 'ConnectTimeout=30',
  ].map(shellQuote).join(' ');
  return {
    env: { GIT_SSH_COMMAND: command, GIT_SSH_VARIANT: 'ssh' },
    explain: (gitLine, stderr, repo) => {
      if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
        return `the SSH host key of ${repo} does not match the one pinned in ${knownHostsFile}: refused (it may be an attack, or a rotated key); verify the new key's fingerprint with the git server's operators, then update ${knownHostsFile}`;
      }
      if (/No .* host key is known|Host key verification failed/.test(stderr)) {
        return `the SSH host key of ${repo} is not in ${knownHostsFile}: refused; add the server's key (ssh-keyscan, then check its fingerprint) to ${knownHostsFile}`;
      }
      if (/Permission denied \(publickey/.test(stderr)) {
        return `${repo} refused the deploy key ${sshKeyFile}; add its public half to the repository's deploy keys`;
      }
      return gitLine;
    },
  };
}

/** Why a known_hosts file cannot pin anything, or undefined. */
export function knownHostsProblem(text: string): string | undefined {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) {
    return 'holds no host key; add the git server\'s key (ssh-keyscan HOST, then check its fingerprint)';
  }
  for (const [index, line] of lines.entries()) {
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields[0] : undefined;
    if (marker !== undefined && marker !== '@cert-authority' && marker !== '@revoked') {
      return `line ${index + 1} starts with unknown marker ${marker}; known_hosts knows @cert-authority and @revoked`;
    }
    const offset = marker === undefined ? 0 : 1;
    const [hosts, type, key] = fields.slice(offset);
    if (hosts === undefined || type === undefined || key === undefined || !/^(ssh-|ecdsa-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+=*$/.test(key)) {
      return `line ${index + 1} is not "HOSTS KEYTYPE BASE64KEY" (known_hosts format); regenerate it with ssh-keyscan`;
    }
  }
  return undefined;
}

/** The URL with any password replaced, for messages. */
export function redactUrl(remote: string): string {
  return remote.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

function schemeOf(remote: string): 'ssh' | 'https' | 'other' {
  if (/^ssh:\/\//i.test(remote) || /^git\+ssh:\/\//i.test(remote)) {
    return 'ssh';
  }
  if (/^https:\/\//i.test(remote)) {
    return 'https';
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(remote)) {
    return 'other';
  }
  const colon = remote.indexOf(':');
  const slash = remote.indexOf('/');
  return colon > 0 && (slash < 0 || colon < slash) ? 'ssh' : 'other';
}

function checkTokenFile(tokenFile: string): void {
  const token = readBounded(tokenFile, '--token-file', MAX_TOKEN_FILE_BYTES).toString('utf8').replace(/\r?\n$/, '');
  if (token.trim() === '') {
    throw new GitCredentialsError(`--token-file ${tokenFile} is empty; put the access token in it`);
  }
  // The reasons name no character of the token.
  if (/[\r\n]/.test(token)) {
    throw new GitCredentialsError(`--token-file ${tokenFile} holds more than one line; it must hold the token alone`);
  }
  if (/[^\x21-\x7e]/.test(token)) {
    throw new GitCredentialsError(`--token-file ${tokenFile} holds spaces or characters that are not printable ASCII; it must hold the token alone`);
  }
}

function readBounded(file: string, option: string, maxBytes: number): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new GitCredentialsError(`${option} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass an existing file`);
  }
  if (!stat.isFile()) {
    throw new GitCredentialsError(`${option} ${file} is not a regular file; pass the file itself`);
  }
  if (stat.size > maxBytes) {
    throw new GitCredentialsError(`${option} ${file} is ${stat.size} bytes, more than ${maxBytes}; pass the right file`);
  }
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new GitCredentialsError(`${option} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions`);
  }
}

function isEncryptedOpenSshKey(key: Buffer): boolean {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(key.toString('utf8'));
  if (match === null) {
    return false;
  }
  // openssh-key-v1\0, then the cipher name as a length-prefixed string: "none" for a key without passphrase.
  const body = Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (body.toString('latin1', 0, magic.length) !== magic) {
    return false;
  }
  const length = body.readUInt32BE(magic.length);
  return body.toString('latin1', magic.length + 4, magic.length + 4 + length) !== 'none';
}

/** git's GIT_CONFIG_COUNT protocol: settings that reach every git process without touching a config file or argv. */
function configEnvironment(entries: ReadonlyArray<[string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

let folderOfProcess: string | undefined;

/** A folder only this process can read, removed when it exits. */
function privateFolder(): string {
  if (folderOfProcess === undefined || !fs.existsSync(folderOfProcess)) {
    const created = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-ssh-'));
    fs.chmodSync(created, 0o700);
    process.once('exit', () => fs.rmSync(created, { recursive: true, force: true }));
    folderOfProcess = created;
  }
  return fs.mkdtempSync(path.join(folderOfProcess, 'remote-'));
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@-]+$/.test(word) ? word : `'${word.replace(/'/g, '\'\\\'\'')}'`;
}

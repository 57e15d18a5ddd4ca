import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { scratchFolder } from './fleets';

/**
 * Real git servers on 127.0.0.1 for the private-repository tests: Debian's OpenSSH `sshd` with a deploy key,
 * and `git http-backend` (smart HTTP) behind a TLS server with its own CA and a token.
 */

const SSHD = '/usr/sbin/sshd';
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

/** A free TCP port on 127.0.0.1 (closed again at once; the caller binds it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited (${child.exitCode}) before listening on ${port}:\n${log()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the server did not listen on ${port} within 10 s:\n${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function keyPair(folder: string, name: string): { privateKey: string; publicKey: string } {
  const file = path.join(folder, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { privateKey: file, publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** Pids of every process below `root` (from /proc), deepest last. */
function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** An sshd of its own on 127.0.0.1, admitting one deploy key for the current user. */
export class SshGitServer {
  /** Starts sshd; its host key and the client's deploy key are made fresh. */
  public static async start(): Promise<SshGitServer> {
    const folder = scratchFolder('stagecraft-sshd-');
    fs.chmodSync(folder, 0o700);
    const server = new SshGitServer(folder, await freePort());
    await server.run();
    return server;
  }

  /** Seconds every session waits before git runs (a ForceCommand), so a test can act in the middle of a fetch. */
  public stallSeconds = 0;

  /** The deploy key the server admits (private half, a file). */
  public readonly deployKey: string;
  /** A known_hosts file pinning the server's current host key. */
  public readonly knownHosts: string;
  private child: ChildProcess | undefined;
  private hostKey: string;

  private constructor(public readonly folder: string, public readonly port: number) {
    const deploy = keyPair(folder, 'deploy-key');
    this.deployKey = deploy.privateKey;
    fs.writeFileSync(path.join(folder, 'authorized_keys'), `${deploy.publicKey}\n`, { mode: 0o600 });
    this.hostKey = keyPair(folder, 'host-key').privateKey;
    this.knownHosts = path.join(folder, 'known_hosts');
    fs.writeFileSync(this.knownHosts, this.knownHostsLine());
  }

  /** `ssh://user@127.0.0.1:port/abs/path` for a repository on this machine. */
  public urlOf(repository: string): string {
    return `ssh://${os.userInfo().username}@127.0.0.1:${this.port}${path.resolve(repository)}`;
  }

  /** Replaces the server's host key (as an attacker in the middle, or an unannounced rotation, would) and restarts it. */
  public async changeHostKey(): Promise<void> {
    await this.stop();
    this.hostKey = keyPair(this.folder, `host-key-${Date.now()}`).privateKey;
    await this.run();
  }

  /** The known_hosts line of the current host key. */
  public knownHostsLine(): string {
    return `[127.0.0.1]:${this.port} ${fs.readFileSync(`${this.hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`;
  }

  public async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** kill -9 of sshd and every session it serves, as a crashed or vanished host. */
  public async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Starts sshd again with the same host key. */
  public async restart(): Promise<void> {
    await this.run();
  }

  /** Whether a session of the deploy key was accepted (from sshd's log). */
  public sessionAccepted(): boolean {
    const log = path.join(this.folder, 'sshd.log');
    return fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('Accepted publickey');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) {
      return;
    }
    // sshd's sessions start sessions of their own (setsid): found by parent pid, they go first.
    const sessions = descendantsOf(child.pid!);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    for (const pid of sessions) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  private stallScript(): string {
    const script = path.join(this.folder, 'stall.sh');
    fs.writeFileSync(script, `#!/bin/sh\nsleep ${this.stallSeconds}\nexec sh -c "$SSH_ORIGINAL_COMMAND"\n`, { mode: 0o755 });
    return script;
  }

  private async run(): Promise<void> {
    const config = path.join(this.folder, 'sshd_config');
    fs.writeFileSync(config, [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${this.hostKey}`,
      `AuthorizedKeysFile ${path.join(this.folder, 'authorized_keys')}`,
      `PidFile ${path.join(this.folder, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      ...(this.stallSeconds > 0 ? [`ForceCommand ${this.stallScript()}`] : []),
      '',
    ].join('\n'));
    fs.mkdirSync('/run/sshd', { recursive: true });
    const log = path.join(this.folder, 'sshd.log');
    // -D: stay in the foreground, so this process owns it; -E: log to a file.
    if (fs.existsSync(log)) {
      fs.renameSync(log, `${log}.${Date.now()}`);
    }
    this.child = spawn(SSHD, ['-D', '-f', config, '-E', log], { stdio: 'ignore' });
    await waitForPort(this.port, this.child, () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''));
  }
}

/**
 * `git http-backend` behind HTTPS with a self-signed CA (test/support/git-https-server.js, in a process of its
 * own so tests may block on the CLI); requests must carry the token as the Basic auth password.
 */
export class HttpsGitServer {
  public static async start(projectRoot: string, token: string): Promise<HttpsGitServer> {
    const folder = scratchFolder('stagecraft-git-https-');
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
    openssl(['req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-days', '2', '-subj', '/CN=stagecraft test git CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
    openssl(['req', '-new', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
    fs.writeFileSync(path.join(folder, 'ext.cnf'), 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n');
    openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt']);
    fs.writeFileSync(path.join(folder, 'token'), token, { mode: 0o600 });
    const authLog = path.join(folder, 'authorizations.log');
    fs.writeFileSync(authLog, '');
    const child = spawn(process.execPath, [path.join(__dirname, 'git-https-server.js'), projectRoot, path.join(folder, 'token'),
      path.join(folder, 'server.crt'), path.join(folder, 'server.key'), authLog], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())));
      child.once('exit', (code) => reject(new Error(`git-https-server.js exited (${code}) before listening`)));
    });
    return new HttpsGitServer(projectRoot, path.join(folder, 'ca.crt'), port, child, authLog);
  }

  private constructor(
    private readonly projectRoot: string,
    public readonly caFile: string,
    public readonly port: number,
    private readonly child: ChildProcess,
    private readonly authLog: string,
  ) {}

  /** Authorization headers the server received (to show what the client sent, and never sent). */
  public get authorizations(): string[] {
    return fs.readFileSync(this.authLog, 'utf8').split('\n').filter((line) => line !== '');
  }

  /** `https://127.0.0.1:port/<repository folder>` for a repository inside the project root. */
  public urlOf(repository: string): string {
    return `https://127.0.0.1:${this.port}/${path.relative(this.projectRoot, repository)}`;
  }

  public async stop(): Promise<void> {
    if (this.child.exitCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

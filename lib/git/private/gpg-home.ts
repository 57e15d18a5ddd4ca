import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseKeyIdentities, parsePrimaryFingerprints } from './signature-check';
import { compareCodeUnits } from '../../envrepo/names';

/** A throw-away GnuPG home holding only the allowed public keys. */
export interface GpgHome {
  readonly directory: string;
  /** Primary-key fingerprints of the imported keys: the only signers accepted. */
  readonly allowedPrimaryFingerprints: ReadonlySet<string>;
  /** The e-mail addresses of each allowed key's user IDs, by primary-key fingerprint. */
  readonly identities: ReadonlyMap<string, readonly string[]>;
  /** Deletes the home again. */
  dispose(): Promise<void>;
}

/**
 * Never the user's keyring: a key someone imported there for reading mail must not become a key that may
 * deploy. No agent (verifying needs none, and a stray agent would outlive us), no key fetching from the
 * network, and every key in this home is trusted because being here is what "allowed" means.
 */
const GPG_CONF = [
  '# Written by stagecraft: this home holds only the public keys allowed to sign the env repo.',
  'trust-model always',
  'no-autostart',
  'no-auto-key-retrieve',
  '',
].join('\n');

const GPG_TIMEOUT_MS = 60_000;

/**
 * Creates a GnuPG home in a temporary folder and imports `keyring`: a file of public keys (armored, or
 * binary as `gpg --export` writes it) or a folder of such files (every regular file not starting with ".").
 * Throws, naming the file and the fix, when a file cannot be imported or no key results.
 */
export async function prepareGpgHome(keyring: string): Promise<GpgHome> {
  const files = await keyFiles(keyring);
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'stagecraft-gnupg-'));
  const dispose = () => fs.rm(directory, { recursive: true, force: true });
  try {
    await fs.writeFile(path.join(directory, 'gpg.conf'), GPG_CONF, { mode: 0o600 });
    for (const file of files) {
      const imported = await runGpg(directory, ['--import', file]);
      if (imported.exitCode !== 0) {
        throw new Error(`cannot import OpenPGP keys from ${file} (gpg: ${firstLine(imported.stderr)?.replace(/^gpg: /, '') ?? `exit ${imported.exitCode}`}); put armored public keys there (gpg --armor --export KEY > ${path.basename(file)})`);
      }
    }
    const listing = await runGpg(directory, ['--with-colons', '--fingerprint', '--list-keys']);
    const fingerprints = parsePrimaryFingerprints(listing.stdout);
    if (listing.exitCode !== 0 || fingerprints.length === 0) {
      throw new Error(`the OpenPGP keyring ${keyring} holds no public key; export the keys that may sign the env repo there (gpg --armor --export KEY)`);
    }
    return { directory, allowedPrimaryFingerprints: new Set(fingerprints), identities: parseKeyIdentities(listing.stdout), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function keyFiles(keyring: string): Promise<string[]> {
  let stat;
  try {
    stat = await fs.stat(keyring);
  } catch (error) {
    throw new Error(`the OpenPGP keyring ${keyring} cannot be read (${(error as NodeJS.ErrnoException).code}); pass a file or folder of public keys with --gpg-keyring`);
  }
  if (!stat.isDirectory()) {
    return [keyring];
  }
  const entries = await fs.readdir(keyring, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareCodeUnits)
    .map((name) => path.join(keyring, name));
  if (files.length === 0) {
    throw new Error(`the OpenPGP keyring folder ${keyring} holds no files; put one armored public key per file there`);
  }
  return files;
}

interface GpgOutput {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

function runGpg(home: string, args: readonly string[]): Promise<GpgOutput> {
  return new Promise((resolve) => {
    execFile('gpg', ['--batch', '--no-tty', '--quiet', '--homedir', home, ...args], {
      env: { ...process.env, GNUPGHOME: home, LC_ALL: 'C', LANGUAGE: 'C' },
      timeout: GPG_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      windowsHide: true,
    }, (error, stdout, stderr) => {
      const failure = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (failure?.code === 'ENOENT') {
        resolve({ exitCode: undefined, stdout: '', stderr: 'gpg is not installed or not on PATH; install gnupg' });
        return;
      }
      resolve({ exitCode: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : undefined, stdout, stderr });
    });
  });
}

function firstLine(text: string): string | undefined {
  return text.split('\n').map((line) => line.trim()).find((line) => line.length > 0);
}

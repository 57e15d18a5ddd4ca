import { runGit } from '../run-git';

/** One entry of `git ls-tree --long`. */
export interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly objectName: string;
  /** undefined for entries without content of their own (submodules). */
  readonly size: number | undefined;
  readonly path: string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `git ls-tree -z --long` parsed; -z keeps paths unquoted, whatever bytes they hold. */
export async function listTree(gitDirectory: string, args: readonly string[]): Promise<TreeEntry[]> {
  const output = await runGit(['ls-tree', '-z', '--long', ...args], { gitDirectory, maxOutputBytes: 256 * 1024 * 1024 });
  let text: string;
  try {
    text = UTF8.decode(output.stdout);
  } catch {
    throw new Error(`a path in ${args.join(' ')} of ${gitDirectory} is not valid utf-8; rename it`);
  }
  return text.split('\0').filter((record) => record.length > 0).map((record) => {
    const match = /^(\d{6}) ([a-z]+) ([0-9a-f]+) +(-|\d+)\t([^]*)$/.exec(record);
    if (match === null) {
      throw new Error(`unexpected git ls-tree output "${record}" in ${gitDirectory}; check the git version`);
    }
    return { mode: match[1], type: match[2], objectName: match[3], size: match[4] === '-' ? undefined : Number(match[4]), path: match[5] };
  });
}

/** Contents of blobs, in the order asked, through one `git cat-file --batch`. */
export async function readBlobs(gitDirectory: string, objectNames: readonly string[], expectedBytes: number): Promise<Uint8Array[]> {
  const output = await runGit(['cat-file', '--batch'], {
    gitDirectory,
    input: objectNames.map((name) => `${name}\n`).join(''),
    maxOutputBytes: expectedBytes + objectNames.length * 128 + 1024,
  });
  const stdout = output.stdout;
  const contents: Uint8Array[] = [];
  let offset = 0;
  for (const name of objectNames) {
    const headerEnd = stdout.indexOf(0x0a, offset);
    const header = stdout.subarray(offset, headerEnd < 0 ? stdout.length : headerEnd).toString('utf8');
    const match = /^([0-9a-f]+) blob (\d+)$/.exec(header);
    if (headerEnd < 0 || match === null || match[1] !== name) {
      throw new Error(`git cat-file could not read object ${name} in ${gitDirectory} ("${header}"); fetch again or delete the mirror`);
    }
    const start = headerEnd + 1;
    const end = start + Number(match[2]);
    if (end > stdout.length) {
      throw new Error(`git cat-file returned ${stdout.length - start} of ${match[2]} bytes of object ${name} in ${gitDirectory}; fetch again or delete the mirror`);
    }
    contents.push(new Uint8Array(stdout.buffer, stdout.byteOffset + start, end - start));
    offset = end + 1;
  }
  return contents;
}

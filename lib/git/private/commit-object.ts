/** The signature formats git writes into a commit's `gpgsig` header, told apart by their armor line. */
export type SignatureFormat = 'ssh' | 'openpgp' | 'x509' | 'unknown';

/** What the history check needs to know about one commit, read from the raw commit object. */
export interface CommitSummary {
  /** Full hex object name. */
  readonly commit: string;
  /** First line of the message, as written (may hold anything: quote it before printing). */
  readonly subject: string;
  /** Format of the commit's signature, or undefined when it has none. */
  readonly signatureFormat?: SignatureFormat;
}

/** Longest subject shown in a message; a pushed commit may carry a message of any length. */
const SUBJECT_LIMIT = 72;

/** Headers holding the commit's own signature: `gpgsig` in SHA-1 repositories, `gpgsig-sha256` in SHA-256 ones. */
const SIGNATURE_HEADERS = new Set(['gpgsig', 'gpgsig-sha256']);

const ARMOR_FORMATS: ReadonlyArray<readonly [string, SignatureFormat]> = [
  ['-----BEGIN SSH SIGNATURE-----', 'ssh'],
  ['-----BEGIN PGP SIGNATURE-----', 'openpgp'],
  ['-----BEGIN SIGNED MESSAGE-----', 'x509'],
];

/**
 * Reads the subject and the signature format from the text of a commit object (`git cat-file commit`).
 * Headers end at the first empty line; a header continues on lines that start with a space, which is how
 * the signature and embedded tags (`mergetag`) span several lines.
 */
export function parseCommitObject(commit: string, text: string): CommitSummary {
  const lines = text.split('\n');
  let index = 0;
  let signatureFormat: SignatureFormat | undefined;
  let signed = false;
  for (; index < lines.length && lines[index] !== ''; index++) {
    const line = lines[index];
    if (line.startsWith(' ')) {
      continue;
    }
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    if (SIGNATURE_HEADERS.has(key) && !signed) {
      signed = true;
      const firstLine = line.slice(space + 1).trim();
      signatureFormat = ARMOR_FORMATS.find(([armor]) => firstLine === armor)?.[1] ?? 'unknown';
    }
  }
  const message = lines.slice(index + 1);
  const subject = message.find((line) => line.trim() !== '') ?? '';
  return { commit, subject, signatureFormat };
}

/**
 * `1a2b3c4 "subject"`: how messages name a commit. The subject is JSON-quoted so that control characters in
 * a pushed message cannot forge log lines or terminal escapes, and cut to a readable length.
 */
export function describeCommit(summary: Pick<CommitSummary, 'commit' | 'subject'>): string {
  const characters = [...summary.subject];
  const subject = characters.length > SUBJECT_LIMIT ? `${characters.slice(0, SUBJECT_LIMIT - 1).join('')}…` : summary.subject;
  return `${shortCommit(summary.commit)} ${JSON.stringify(subject)}`;
}

/** The first 7 hex digits, git's shortest default abbreviation. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

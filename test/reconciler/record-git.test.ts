import * as fs from 'fs';
import * as path from 'path';
import { commitVerificationRecord, recordPath, serializeRecord, VerificationRecord } from '../../lib/reconciler/record-git';
import { rejectionOf } from '../support/async';
import { scratchFolder } from '../support/fleets';
import { commitFiles, git, initRepository } from '../support/git';

const AUTHOR = { name: 'stagecraft reconciler', email: 'reconciler@stagecraft.example' };
const LOCK_DIGEST = `sha256:${'a'.repeat(64)}`;

let scratch: string;
let repository: string;
let mainCommit: string;

beforeEach(() => {
  // GIVEN (for every test) an env repo with one commit on main
  scratch = scratchFolder('stagecraft-record-git-');
  repository = initRepository(path.join(scratch, 'env-repo'));
  mainCommit = commitFiles(repository, { 'dev/web/configmap.web.yaml': 'kind: ConfigMap\n' }, 'synth');
});

afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function healthyRecord(commit: string, recordedAt: string): VerificationRecord {
  return {
    schemaVersion: 1,
    environment: 'dev',
    commit,
    lockDigest: LOCK_DIGEST,
    verdict: 'healthy',
    firstHealthyAt: '2025-01-31T12:00:00Z',
    recordedAt,
    objects: { total: 10, created: 2, configured: 1, unchanged: 7, pruned: 0, failed: 0 },
  };
}

/** Options committing `record` to the status branch of `repo`. */
function recordOptions(repo: string, record: VerificationRecord) {
  return {
    repo,
    cacheDirectory: path.join(scratch, 'cache'),
    path: recordPath(record),
    content: serializeRecord(record),
    message: `dev: ${record.verdict} at ${record.commit}`,
    author: AUTHOR,
    clockIso: record.recordedAt,
  };
}

describe('committing a verification record to the status branch', () => {
  it('creates stagecraft/status without history, holding only the record', async () => {
    // GIVEN
    const record = healthyRecord(mainCommit, '2025-01-31T12:00:00Z');
    // WHEN
    const commit = await commitVerificationRecord(recordOptions(repository, record));
    // THEN
    expect(git(repository, 'rev-parse', 'stagecraft/status')).toBe(commit);
    expect(git(repository, 'log', '--format=%P', '-1', commit)).toBe('');
    expect(git(repository, 'ls-tree', '-r', '--name-only', commit)).toBe(`records/dev/${mainCommit}.json`);
    expect(git(repository, 'show', `stagecraft/status:records/dev/${mainCommit}.json`) + '\n').toBe(serializeRecord(record));
  });

  it('records the author and the clock time given, and the message', async () => {
    // GIVEN
    const record = healthyRecord(mainCommit, '2025-01-31T12:00:00.250Z');
    // WHEN
    const commit = await commitVerificationRecord(recordOptions(repository, record));
    // THEN
    expect(git(repository, 'log', '-1', '--format=%an <%ae>|%aI|%cn <%ce>|%cI|%B', commit)).toBe(
      `stagecraft reconciler <reconciler@stagecraft.example>|2025-01-31T12:00:00+00:00|stagecraft reconciler <reconciler@stagecraft.example>|2025-01-31T12:00:00+00:00|dev: healthy at ${mainCommit}\n`,
    );
  });

  it('leaves main, HEAD, the index and the working tree as they were', async () => {
    // GIVEN
    fs.writeFileSync(path.join(repository, 'dev/web/configmap.web.yaml'), 'kind: ConfigMap\nedited: true\n');
    fs.writeFileSync(path.join(repository, 'staged.txt'), 'staged\n');
    git(repository, 'add', 'staged.txt');
    const statusBefore = git(repository, 'status', '--porcelain=v1', '--untracked-files=all');
    // WHEN
    await commitVerificationRecord(recordOptions(repository, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')));
    // THEN
    expect(git(repository, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(git(repository, 'rev-parse', 'main')).toBe(mainCommit);
    expect(git(repository, 'status', '--porcelain=v1', '--untracked-files=all')).toBe(statusBefore);
    expect(statusBefore).toBe(' M dev/web/configmap.web.yaml\nA  staged.txt');
    expect(fs.existsSync(path.join(repository, 'records'))).toBe(false);
  });

  it('adds a second record on top of the first', async () => {
    // GIVEN
    const first = await commitVerificationRecord(recordOptions(repository, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')));
    const secondMainCommit = commitFiles(repository, { 'dev/web/configmap.web.yaml': 'kind: ConfigMap\nchanged: true\n' }, 'second synth');
    const secondRecord = healthyRecord(secondMainCommit, '2025-01-31T13:00:00Z');
    // WHEN
    const second = await commitVerificationRecord(recordOptions(repository, secondRecord));
    // THEN
    expect(git(repository, 'log', '--format=%P', '-1', second)).toBe(first);
    expect(git(repository, 'ls-tree', '-r', '--name-only', second).split('\n')).toEqual(
      [`records/dev/${mainCommit}.json`, `records/dev/${secondMainCommit}.json`].sort(),
    );
    expect(git(repository, 'show', `stagecraft/status:records/dev/${secondMainCommit}.json`) + '\n').toBe(serializeRecord(secondRecord));
  });

  it('replaces the record of a commit recorded before', async () => {
    // GIVEN
    const first = await commitVerificationRecord(recordOptions(repository, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')));
    const later = { ...healthyRecord(mainCommit, '2025-01-31T14:00:00Z'), verdict: 'failed' as const, reason: 'Deployment/dev/web: 0/1 replicas available' };
    // WHEN
    const second = await commitVerificationRecord(recordOptions(repository, later));
    // THEN
    expect(git(repository, 'log', '--format=%P', '-1', second)).toBe(first);
    expect(git(repository, 'ls-tree', '-r', '--name-only', second)).toBe(`records/dev/${mainCommit}.json`);
    expect(git(repository, 'show', `${second}:records/dev/${mainCommit}.json`) + '\n').toBe(serializeRecord(later));
  });

  it('makes no commit when the record already has that content', async () => {
    // GIVEN
    const options = recordOptions(repository, healthyRecord(mainCommit, '2025-01-31T12:00:00Z'));
    const first = await commitVerificationRecord(options);
    // WHEN
    const again = await commitVerificationRecord({ ...options, clockIso: '2025-01-31T15:00:00Z' });
    // THEN
    expect(again).toBe(first);
    expect(git(repository, 'rev-parse', 'stagecraft/status')).toBe(first);
  });

  it('commits to a bare repository given by path', async () => {
    // GIVEN
    const bare = path.join(scratch, 'bare.git');
    git(scratch, 'clone', '--quiet', '--bare', repository, bare);
    // WHEN
    const commit = await commitVerificationRecord(recordOptions(bare, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')));
    // THEN
    expect(git(bare, 'rev-parse', 'refs/heads/stagecraft/status')).toBe(commit);
    expect(git(bare, 'rev-parse', 'refs/heads/main')).toBe(mainCommit);
  });

  it('pushes to a repository given by URL, on top of the records already there', async () => {
    // GIVEN
    const bare = path.join(scratch, 'remote.git');
    git(scratch, 'clone', '--quiet', '--bare', repository, bare);
    const first = await commitVerificationRecord(recordOptions(bare, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')));
    const secondRecord = { ...healthyRecord(mainCommit, '2025-01-31T13:00:00Z'), environment: 'prod' };
    // WHEN
    const second = await commitVerificationRecord(recordOptions(`file://${bare}`, secondRecord));
    // THEN
    expect(git(bare, 'rev-parse', 'refs/heads/stagecraft/status')).toBe(second);
    expect(git(bare, 'log', '--format=%P', '-1', second)).toBe(first);
    expect(git(bare, 'show', `stagecraft/status:records/prod/${mainCommit}.json`) + '\n').toBe(serializeRecord(secondRecord));
  });

  it('creates the status branch of a repository given by URL', async () => {
    // GIVEN
    const bare = path.join(scratch, 'remote.git');
    git(scratch, 'clone', '--quiet', '--bare', repository, bare);
    // WHEN
    const commit = await commitVerificationRecord(recordOptions(`file://${bare}`, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')));
    // THEN
    expect(git(bare, 'rev-parse', 'refs/heads/stagecraft/status')).toBe(commit);
    expect(git(bare, 'log', '--format=%P', '-1', commit)).toBe('');
  });

  it('fails on a record path that leaves the repository', async () => {
    // WHEN
    const error = await rejectionOf(commitVerificationRecord({ ...recordOptions(repository, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')), path: '../x.json' }));
    // THEN
    expect(error.message).toBe('record path "../x.json" has a ".." segment; pass a path relative to the repository root such as records/prod/<commit>.json');
  });

  it('fails on a folder inside a repository rather than its top', async () => {
    // GIVEN
    const inside = path.join(repository, 'dev');
    // WHEN
    const error = await rejectionOf(commitVerificationRecord(recordOptions(inside, healthyRecord(mainCommit, '2025-01-31T12:00:00Z'))));
    // THEN
    const top = fs.realpathSync(repository);
    expect(error.message).toBe(`${inside} is inside the git repository ${top}, not the top of one; pass ${top} or the env repo's own folder`);
  });

  it('fails on a clock time that is not ISO 8601', async () => {
    // WHEN
    const error = await rejectionOf(commitVerificationRecord({ ...recordOptions(repository, healthyRecord(mainCommit, '2025-01-31T12:00:00Z')), clockIso: 'yesterday' }));
    // THEN
    expect(error.message).toBe('record time "yesterday" is not an ISO 8601 timestamp; pass the clock\'s time such as 2025-01-31T12:00:00Z');
  });
});

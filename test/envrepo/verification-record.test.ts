import { applicationsInEffect, parseVerificationRecord, recordPath, serializeRecord, VerificationRecord } from '../../lib/envrepo/verification-record';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const FILE = `records/dev/${COMMIT}.json`;

const RECORD: VerificationRecord = {
  schemaVersion: 1,
  environment: 'dev',
  commit: COMMIT,
  lockDigest: `sha256:${'b'.repeat(64)}`,
  verdict: 'rolled-back',
  recordedAt: '2025-01-31T12:00:00.250Z',
  objects: { total: 3, created: 0, configured: 1, unchanged: 2, pruned: 0, failed: 1 },
  reason: 'Deployment/dev/web: 0/1 replicas available',
};

/** The record as JSON with `change` applied to a copy. */
function recordWith(change: (record: any) => void): string {
  const copy = JSON.parse(JSON.stringify(RECORD));
  change(copy);
  return JSON.stringify(copy);
}

describe('verification records', () => {
  it('serializes to canonical JSON that parses back to the same record', () => {
    // WHEN
    const text = serializeRecord(RECORD);
    // THEN
    expect(text).toBe([
      '{',
      `  "commit": "${COMMIT}",`,
      '  "environment": "dev",',
      `  "lockDigest": "sha256:${'b'.repeat(64)}",`,
      '  "objects": {',
      '    "configured": 1,',
      '    "created": 0,',
      '    "failed": 1,',
      '    "pruned": 0,',
      '    "total": 3,',
      '    "unchanged": 2',
      '  },',
      '  "reason": "Deployment/dev/web: 0/1 replicas available",',
      '  "recordedAt": "2025-01-31T12:00:00.250Z",',
      '  "schemaVersion": 1,',
      '  "verdict": "rolled-back"',
      '}',
      '',
    ].join('\n'));
    expect(parseVerificationRecord(FILE, text)).toEqual(RECORD);
  });

  it('names the image of each application in effect, and parses back', () => {
    // GIVEN a record the reconciler filled from environment.json
    const record: VerificationRecord = { ...RECORD, applications: { web: `registry.example/web@sha256:${'e'.repeat(64)}` } };
    // WHEN / THEN
    expect(parseVerificationRecord(FILE, serializeRecord(record))).toEqual(record);
  });

  it('lives at records/<env>/<commit>.json', () => {
    // WHEN
    const file = recordPath(RECORD);
    // THEN
    expect(file).toBe(FILE);
  });

  it('fails to parse text that is not JSON, quoting the parser', () => {
    // WHEN / THEN
    expect(() => parseVerificationRecord(FILE, 'records')).toThrow(/^records\/dev\/[0-9a-f]{40}\.json: not valid json \(.+\); rewrite the record or delete it$/);
  });

  it.each([
    ['an environment that is not a DNS label', { environment: '../prod', commit: COMMIT }, 'verification record: environment "../prod" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pass the environment\'s folder name'],
    ['an abbreviated commit', { environment: 'dev', commit: '0123456' }, 'verification record: commit "0123456" is not a full hex object name; pass the commit as git rev-parse prints it'],
  ])('fails to place a record with %s', (_name, record, message) => {
    // WHEN / THEN
    expect(() => recordPath(record)).toThrow(message);
  });

  it.each([
    ['a list instead of an object', '[]', `${FILE}: expected a json object; rewrite the record or delete it`],
    ['another schema version', recordWith((record) => record.schemaVersion = 2), `${FILE}: schemaVersion 2 is not supported (this stagecraft reads 1); upgrade stagecraft`],
    ['an unknown field', recordWith((record) => record.approvedBy = 'alice'), `${FILE}: unknown field "approvedBy"; allowed fields are schemaVersion, environment, commit, lockDigest, verdict, firstHealthyAt, recordedAt, objects, reason, applications`],
    ['an unknown verdict', recordWith((record) => record.verdict = 'ok'), `${FILE}: "verdict" is "ok", expected one of healthy, failed, rolled-back, refused; rewrite the record or delete it`],
    ['an abbreviated commit', recordWith((record) => record.commit = '0123456'), `${FILE}: "commit" is "0123456", expected a full hex commit name; rewrite the record or delete it`],
    ['a lock digest without algorithm', recordWith((record) => record.lockDigest = 'b'.repeat(64)), `${FILE}: "lockDigest" is "${'b'.repeat(64)}", expected sha256:<64 hex>; rewrite the record or delete it`],
    ['a local time', recordWith((record) => record.recordedAt = '2025-01-31 12:00'), `${FILE}: "recordedAt" is "2025-01-31 12:00", expected an ISO 8601 UTC timestamp such as 2025-01-31T12:00:00Z; rewrite the record or delete it`],
    ['a missing count', recordWith((record) => delete record.objects.pruned), `${FILE}: "objects.pruned" is null, expected a whole number of at least 0; rewrite the record or delete it`],
    ['a negative count', recordWith((record) => record.objects.failed = -1), `${FILE}: "objects.failed" is -1, expected a whole number of at least 0; rewrite the record or delete it`],
    ['applications as a list', recordWith((record) => record.applications = ['web']),
      `${FILE}: "applications" is ["web"], expected a map of application name to image reference; rewrite the record or delete it`],
    ['an application without an image', recordWith((record) => record.applications = { web: '' }),
      `${FILE}: "applications.web" is "", expected an application name (DNS-1123 label) mapped to an image reference; rewrite the record or delete it`],
  ])('fails to parse a record with %s', (_name, text, message) => {
    // WHEN / THEN
    expect(() => parseVerificationRecord(FILE, text)).toThrow(new Error(message));
  });
});

describe('the applications a record names', () => {
  it('are the released applications of environment.json with their images', () => {
    // GIVEN environment.json with one released and one unreleased application
    const metadata = {
      applications: [
        { name: 'api', settings: {}, overrides: {}, objects: 0 },
        { name: 'web', image: `registry.example/web@sha256:${'b'.repeat(64)}`, settings: {}, overrides: {}, objects: 3 },
      ],
    };
    // WHEN / THEN
    expect(applicationsInEffect(metadata)).toEqual({ web: `registry.example/web@sha256:${'b'.repeat(64)}` });
  });
});

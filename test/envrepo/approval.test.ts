import { ApprovalRecord, approvalPath, imageKey, parseApproval, serializeApproval } from '../../lib/envrepo/approval';

const IMAGE = `registry.example/web@sha256:${'b'.repeat(64)}`;
const APPROVAL: ApprovalRecord = {
  schemaVersion: 1,
  environment: 'prod',
  application: 'web',
  image: IMAGE,
  approvedBy: 'alice@example.com',
  approvedAt: '2026-11-26T11:00:00Z',
  comment: 'checked the dashboards',
};
const PATH = `approvals/prod/web/${imageKey(IMAGE)}/alice@example.com.json`;

describe('approval files', () => {
  it('live at approvals/<env>/<app>/<first 16 hex of sha256(image)>/<identity>.json', () => {
    expect(imageKey(IMAGE)).toMatch(/^[0-9a-f]{16}$/);
    expect(approvalPath(APPROVAL)).toBe(PATH);
  });

  it('round-trip through canonical json', () => {
    // WHEN
    const text = serializeApproval(APPROVAL);
    // THEN
    expect(text).toBe(`{\n  "application": "web",\n  "approvedAt": "2026-11-26T11:00:00Z",\n  "approvedBy": "alice@example.com",\n  "comment": "checked the dashboards",\n  "environment": "prod",\n  "image": "${IMAGE}",\n  "schemaVersion": 1\n}\n`);
    expect(parseApproval(PATH, text)).toEqual(APPROVAL);
  });

  it.each<[string, () => unknown, string]>([
    ['an identity with a slash', () => approvalPath({ ...APPROVAL, approvedBy: '../alice' }),
      'approval: identity "../alice" may hold only letters, digits and ". _ + @ -", and must not start with "."; approve as an e-mail address such as alice@example.com (--as)'],
    ['an identity starting with a dot', () => approvalPath({ ...APPROVAL, approvedBy: '.hidden' }),
      'approval: identity ".hidden" may hold only letters, digits and ". _ + @ -", and must not start with "."; approve as an e-mail address such as alice@example.com (--as)'],
    ['an environment that is not a DNS label', () => approvalPath({ ...APPROVAL, environment: 'Prod' }),
      'approval: environment "Prod" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pass the environment name as the fleet declares it'],
    ['a file copied to another image\'s folder', () => parseApproval(`approvals/prod/web/${imageKey('other')}/alice@example.com.json`, serializeApproval(APPROVAL)),
      `approvals/prod/web/${imageKey('other')}/alice@example.com.json: approves web ${IMAGE} in prod by alice@example.com, which belongs at ${PATH}; delete the file and approve again with stagecraft approve`],
    ['an unknown field', () => parseApproval(PATH, JSON.stringify({ ...APPROVAL, count: 2 })),
      `${PATH}: unknown field "count"; allowed fields are schemaVersion, environment, application, image, approvedBy, approvedAt, comment`],
    ['a time that is not UTC', () => parseApproval(PATH, JSON.stringify({ ...APPROVAL, approvedAt: '2026-11-26 11:00' })),
      `${PATH}: "approvedAt" is "2026-11-26 11:00", expected an ISO 8601 UTC timestamp such as 2025-01-31T12:00:00Z; delete the file and approve again with stagecraft approve`],
    ['invalid json', () => parseApproval(PATH, '{'),
      `${PATH}: not valid json`],
  ])('fails on %s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});

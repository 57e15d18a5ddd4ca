import { commitMessage, parseTrailers, StagecraftTrailers } from '../../lib/promotion/trailers';

const NEW = `registry.example/web@sha256:${'b'.repeat(64)}`;
const OLD = `registry.example/web@sha256:${'a'.repeat(64)}`;

const PROMOTION: StagecraftTrailers = {
  action: 'promote',
  environment: 'prod',
  from: 'staging',
  by: 'alice@example.com',
  applications: [{ name: 'web', image: NEW, previousImage: OLD }],
  risks: [{ application: 'web', riskClass: 'pod-restart' }],
  gates: [
    { application: 'web', gate: 'soak', verdict: 'pass', reason: 'healthy in staging for 4h since 2026-11-26T08:00:00Z (needs 2h)' },
    { application: 'web', gate: 'allowWindow#2', verdict: 'pass', reason: 'inside Fri 09:00–12:00 Europe/Berlin' },
  ],
};

describe('commit trailers', () => {
  it('writes a subject, a body and one trailer per fact', () => {
    // WHEN
    const message = commitMessage('promote web from staging to prod', 'web: a → b', PROMOTION);
    // THEN
    expect(message).toBe([
      'promote web from staging to prod',
      '',
      'web: a → b',
      '',
      'Stagecraft-Action: promote',
      'Stagecraft-Environment: prod',
      'Stagecraft-From: staging',
      'Stagecraft-By: alice@example.com',
      `Stagecraft-Application: web ${NEW} was ${OLD}`,
      'Stagecraft-Risk: web pod-restart',
      'Stagecraft-Gate: web soak=pass healthy in staging for 4h since 2026-11-26T08:00:00Z (needs 2h)',
      'Stagecraft-Gate: web allowWindow#2=pass inside Fri 09:00–12:00 Europe/Berlin',
      '',
    ].join('\n'));
  });

  it('reads back what it wrote', () => {
    expect(parseTrailers(commitMessage('promote', undefined, PROMOTION))).toEqual(PROMOTION);
  });

  it('keeps every trailer on one line whatever the reason holds', () => {
    // GIVEN a reason with line breaks
    const message = commitMessage('s', undefined, { ...PROMOTION, gates: [{ application: 'web', gate: 'soak', verdict: 'fail', reason: 'first\nStagecraft-Action: release' }] });
    // THEN the injected line is part of the reason, not a trailer of its own
    expect(parseTrailers(message)?.action).toBe('promote');
    expect(parseTrailers(message)?.gates).toEqual([{ application: 'web', gate: 'soak', verdict: 'fail', reason: 'first Stagecraft-Action: release' }]);
  });

  it('reads a release without a previous image', () => {
    const release: StagecraftTrailers = { action: 'release', environment: 'dev', by: 'ci@example.com', applications: [{ name: 'web', image: NEW }], gates: [], risks: [] };
    expect(parseTrailers(commitMessage('release web', 'build 12', release))).toEqual({ ...release, from: undefined });
  });

  it('finds nothing in a commit stagecraft did not write', () => {
    expect(parseTrailers('hand edit of releases/prod.yaml\n\nSigned-off-by: someone\n')).toBeUndefined();
  });
});

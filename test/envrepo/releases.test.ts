import { parseReleasesFile, serializeReleasesFile, withRelease } from '../../lib/envrepo/releases';

const WEB = `registry.example/web@sha256:${'b'.repeat(64)}`;

describe('writing releases files', () => {
  it('writes environment first, applications by name, fields in reading order, quoting what YAML could misread', () => {
    // GIVEN
    const file = withRelease(
      { environment: 'dev', applications: { worker: { image: 'registry.example/worker:0.9', message: 'yes' } } },
      'web',
      { image: WEB, by: 'ci@example.com', at: '2026-11-26T10:00:00Z', message: 'build 12 (web 1.4)' },
    );
    // WHEN
    const text = serializeReleasesFile(file);
    // THEN
    expect(text).toBe([
      'environment: dev',
      'applications:',
      '  web:',
      `    image: ${WEB}`,
      '    by: ci@example.com',
      '    at: "2026-11-26T10:00:00Z"',
      '    message: "build 12 (web 1.4)"',
      '  worker:',
      '    image: registry.example/worker:0.9',
      '    message: "yes"',
      '',
    ].join('\n'));
    expect(parseReleasesFile('releases/dev.yaml', text)).toEqual(file);
  });

  it('keeps a message with line breaks on one line', () => {
    const text = serializeReleasesFile({ environment: 'dev', applications: { web: { image: WEB, message: 'line one\nline two' } } });
    expect(text).toContain('    message: "line one\\nline two"\n');
    expect(parseReleasesFile('releases/dev.yaml', text).applications.web.message).toBe('line one\nline two');
  });

  it('writes an empty file as an empty map', () => {
    expect(serializeReleasesFile({ environment: 'dev', applications: {} })).toBe('environment: dev\napplications: {}\n');
  });
});

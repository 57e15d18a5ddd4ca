import { synthCommitMessage } from '../../lib/cli/synth-commit-message';

const ENVIRONMENTS = [
  { name: 'dev', applications: [{ name: 'api', image: 'registry.example/api@sha256:aaaa' }, { name: 'web', image: 'registry.example/web@sha256:bbbb' }] },
  { name: 'prod', applications: [{ name: 'web', image: 'registry.example/web@sha256:cccc' }] },
];

describe('the commit message of a synth', () => {
  it('names the environments and applications that changed and the images they run, and the releases files', () => {
    // GIVEN files of dev/web, prod/_cluster, the kustomization files and prod's lock changed, and a releases file
    const changed = [
      'dev/web/deployment.web.yaml', 'dev/kustomization.yaml', 'dev/.stagecraft/lock.json',
      'prod/_cluster/namespace.shop.yaml', 'prod/kustomization.yaml', 'prod/.stagecraft/lock.json', 'releases/dev.yaml',
    ];
    // WHEN / THEN
    expect(synthCommitMessage('acme-shop', changed, ENVIRONMENTS)).toBe([
      'stagecraft synth: acme-shop: dev (web); prod',
      '',
      'dev: 1 application changed',
      '  web: registry.example/web@sha256:bbbb',
      'prod: environment settings and lock only',
      'releases files: releases/dev.yaml',
      '',
    ].join('\n'));
  });

  it('says when an application left an environment', () => {
    // GIVEN dev/api's files were deleted and api is no longer in effect there
    const after = [{ name: 'dev', applications: [{ name: 'web', image: 'registry.example/web@sha256:bbbb' }] }];
    // WHEN / THEN
    expect(synthCommitMessage('acme-shop', ['dev/api/deployment.api.yaml', 'dev/.stagecraft/lock.json'], after))
      .toBe('stagecraft synth: acme-shop: dev (api)\n\ndev: 1 application changed\n  api: removed or not released\n');
  });

  it('falls back to the program name when no environment changed', () => {
    expect(synthCommitMessage('acme-shop', ['README.md'], ENVIRONMENTS)).toBe('stagecraft synth: acme-shop\n');
  });
});

import * as path from 'path';
import { locateRepository } from '../../lib/git';

describe('locateRepository: the one rule for whether --repo is a folder or a URL', () => {
  it.each([
    ['host:path', { remote: 'host:path', isUrl: true }],
    ['git@host:org/repo', { remote: 'git@host:org/repo', isUrl: true }],
    ['git@host:org/repo.git', { remote: 'git@host:org/repo.git', isUrl: true }],
    ['ssh://git@host:2222/org/repo.git', { remote: 'ssh://git@host:2222/org/repo.git', isUrl: true }],
    ['https://git.example/org/repo.git', { remote: 'https://git.example/org/repo.git', isUrl: true }],
    ['file:///srv/env-repo', { remote: 'file:///srv/env-repo', isUrl: true }],
    ['./a:b', { remote: path.resolve('a:b'), isUrl: false }],
    ['/srv/a:b', { remote: '/srv/a:b', isUrl: false }],
    ['env-repo', { remote: path.resolve('env-repo'), isUrl: false }],
    ['../env-repo', { remote: path.resolve('../env-repo'), isUrl: false }],
  ])('GIVEN --repo %s THEN it is %j', (repo, expected) => {
    expect(locateRepository(repo)).toEqual(expected);
  });

  it('fails on an empty value', () => {
    expect(() => locateRepository('')).toThrow(new Error('repository is empty; pass a local path or a git URL'));
  });

  it('fails on a value git would read as an option', () => {
    expect(() => locateRepository('--upload-pack=touch x')).toThrow(
      new Error('repository "--upload-pack=touch x" starts with "-"; pass a local path (./--upload-pack=touch x) or a git URL'));
  });
});

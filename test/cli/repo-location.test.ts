import { runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';

describe('--repo means the same to every command', () => {
  // GIVEN an scp-like address (a colon before the first slash): git's rule makes it an ssh URL, never a folder
  const repo = 'nohost.invalid:env-repo';

  it('fails to reach host:path as an ssh remote in diff (the reading path reconcile shares), promote and history alike', () => {
    const cwd = scratchFolder();
    // WHEN each command is given the same --repo
    const results = [
      runStagecraft(['diff', '--repo', repo, '--env', 'dev', '--cache-dir', `${cwd}/cache`], { cwd }),
      runStagecraft(['promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', repo], { cwd }),
      runStagecraft(['history', '--env', 'dev', '--repo', repo], { cwd }),
    ];
    // THEN every one of them tried git's ssh transport for that address, none looked for a folder named so
    for (const result of results) {
      expect(result.stderr).toMatch(/(from|of) nohost\.invalid:env-repo: fatal: Could not read from remote repository\./);
      expect(result.stderr).not.toContain(`${cwd}/nohost.invalid:env-repo`);
    }
  });
});

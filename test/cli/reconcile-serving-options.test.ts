import * as fs from 'fs';
import * as path from 'path';
import { servingOptionsOf } from '../../lib/cli/serving-options';
import { REPO_ROOT, runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';

/** The options of the running reconciler's endpoint and alerts are checked before anything connects or listens. */
describe('stagecraft reconcile --listen, --webhook-secret-file, --alert-url', () => {
  const folder = scratchFolder('stagecraft-serving-options-');
  const shortSecret = path.join(folder, 'short');
  fs.writeFileSync(shortSecret, 'hunter2-secret\n');

  it.each([
    [['--once', '--alert-url', 'http://127.0.0.1:9000/x'], '--alert-url needs --interval: only the running reconciler serves hooks and sends alerts'],
    [['--once', '--listen', '127.0.0.1:9000'], '--listen needs --interval: only the running reconciler serves hooks and sends alerts'],
    [['--interval', '5m', '--listen', '127.0.0.1'], '--listen 127.0.0.1 is not HOST:PORT, e.g. 127.0.0.1:9464 (or 0.0.0.0:9464 inside a Pod)'],
    [['--interval', '5m', '--listen', '127.0.0.1:70000'], '--listen 127.0.0.1:70000 is not HOST:PORT, e.g. 127.0.0.1:9464 (or 0.0.0.0:9464 inside a Pod)'],
    [['--interval', '5m', '--listen', '127.0.0.1:1', '--metrics-address', '127.0.0.1:2'], 'give --listen or its old name --metrics-address, not both'],
    [['--interval', '5m', '--alert-url', 'teams=https://example.invalid/x'], '--alert-url: unknown format "teams"; give URL, json=URL or slack=URL'],
    [['--interval', '5m', '--webhook-secret-file', path.join(folder, 'missing')], `--webhook-secret-file ${path.join(folder, 'missing')} cannot be read (ENOENT); give a file holding the shared secret`],
    [['--interval', '5m', '--webhook-secret-file', shortSecret], `--webhook-secret-file ${shortSecret} holds 14 bytes; a webhook secret needs at least 16 (e.g. openssl rand -hex 32 > short)`],
  ])('fails with exit 2 on %j', (args, message) => {
    // GIVEN / WHEN
    const result = runStagecraft(['reconcile', '--dir', folder, '--env', 'dev', ...args], { cwd: REPO_ROOT });
    // THEN the message says what is wrong and how to fix it, and never shows a secret
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: `stagecraft: reconcile: ${message}\nstagecraft: run stagecraft reconcile --help for usage\n`,
    });
    expect(result.stderr).not.toContain('hunter2');
  });

  it('documents the options in --help', () => {
    const help = runStagecraft(['reconcile', '--help'], { cwd: REPO_ROOT }).stdout;
    expect(help).toContain('  --listen HOST:PORT      serve /healthz, /readyz, /metrics and POST /hooks/git in --interval mode\n');
    expect(help).toContain('  --webhook-secret-file FILE  turn POST /hooks/git on');
    expect(help).toContain('  --alert-url [FORMAT=]URL  POST each verdict change');
  });

  describe('inside a Pod: the Secret of stagecraft bootstrap, mounted as --credentials-dir', () => {
    const parsed = (options: Record<string, string>, alertUrls: string[] = []) => ({
      positionals: [], options: new Map<string, string | true>(Object.entries(options)), repeated: new Map([['alert-url', alertUrls]]),
    });

    it('turns hooks on with its webhook-secret and sends alerts to its alert-urls, one per line, after the command line\'s', () => {
      // GIVEN the mounted Secret's files
      const mounted = scratchFolder('stagecraft-credentials-');
      fs.writeFileSync(path.join(mounted, 'webhook-secret'), `${'s'.repeat(32)}\n`);
      fs.writeFileSync(path.join(mounted, 'alert-urls'), 'slack=https://hooks.slack.com/services/T/B/X\n\nhttps://alerts.example/stagecraft\n');
      // WHEN
      const serving = servingOptionsOf(parsed({ 'credentials-dir': mounted }, ['https://first.example/hook']) as any, false);
      // THEN
      expect(serving.secret!().toString()).toBe('s'.repeat(32));
      expect(serving.alertTargets.map((target) => [target.format, target.url.href])).toEqual([
        ['json', 'https://first.example/hook'], ['slack', 'https://hooks.slack.com/services/T/B/X'], ['json', 'https://alerts.example/stagecraft'],
      ]);
    });

    it('leaves hooks off and sends no alerts when the Secret holds only git credentials, and reads nothing with --once', () => {
      const mounted = scratchFolder('stagecraft-credentials-');
      fs.writeFileSync(path.join(mounted, 'token'), 'x');
      expect(servingOptionsOf(parsed({ 'credentials-dir': mounted }) as any, false)).toEqual({ host: '127.0.0.1', port: 9464, alertTargets: [] });
      fs.writeFileSync(path.join(mounted, 'webhook-secret'), 'short');
      expect(servingOptionsOf(parsed({ 'credentials-dir': mounted }) as any, true)).toEqual({ host: '127.0.0.1', port: 9464, alertTargets: [] });
    });

    it('refuses a webhook-secret in the Secret that is too short, naming the file', () => {
      const mounted = scratchFolder('stagecraft-credentials-');
      fs.writeFileSync(path.join(mounted, 'webhook-secret'), 'short');
      expect(() => servingOptionsOf(parsed({ 'credentials-dir': mounted }) as any, false))
        .toThrow(`--webhook-secret-file ${path.join(mounted, 'webhook-secret')} holds 5 bytes; a webhook secret needs at least 16`);
    });
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { RiskClasses, stepsNeedingRisk } from '../../lib/board/risk-classes';
import { parseEnvironmentMetadata } from '../../lib/envrepo/environment-metadata';
import { promote } from '../../lib/promotion/promote';
import { scratchFolder } from '../support/fleets';
import { git } from '../support/git';
import { createEnvRepo, image, recordVerification, stagecraft } from '../support/promotion-repo';

/** `stagecraft board` refuses bad command lines and unsafe output folders before writing anything. */
describe('stagecraft board on the command line', () => {
  let scratch: string;
  let repo: string;

  beforeAll(() => {
    scratch = scratchFolder('stagecraft-board-cli-');
    repo = createEnvRepo(scratch).bare;
  });

  it('writes index.html, board.css and board.js, and says what it wrote', () => {
    const out = path.join(scratch, 'site');
    const result = stagecraft(scratch, 'board', '--repo', repo, '--out', out, '--now', '2026-11-23T08:00:00Z', '--output', 'json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ command: 'board', out, environments: 3, rows: 2, warnings: [] });
    expect(fs.readdirSync(out).sort()).toEqual(['board.css', 'board.js', 'index.html']);
  });

  it.each([
    [['--out', 'x', '--serve'], 'board: give exactly one of --out DIR (a static site) and --serve (a live page)'],
    [[], 'board: give exactly one of --out DIR (a static site) and --serve (a live page)'],
    [['--out', 'x', '--port', '80'], 'board: --port goes with --serve'],
    [['--serve', '--port', '70000'], 'board: --port 70000 is not a port number from 0 to 65535'],
    [['--serve', '--port', '-1'], 'board: --port -1 is not a port number from 0 to 65535'],
    [['--out', 'x', '--now', 'tomorrow'], 'board: --now "tomorrow" is not an ISO 8601 instant with a zone; use e.g. 2026-11-27T10:00:00Z or 2026-11-27T11:00:00+01:00'],
    [['--out', 'x', '--history', 'all'], 'board: --history all is not a whole number from 0 to 1000'],
    [['--serve', '--refresh', 'often'], 'board: --refresh often is not a duration; use e.g. 500ms, 30s, 5m or 1h'],
    [['web'], 'board: board takes no positional arguments, got "web"'],
    [['--out', 'x', '--no-risk', '--deps', 'node_modules'], 'board: --no-risk does not run the fleet program: leave out --fleet and --deps, or --no-risk'],
  ])('fails on the command line %j with exit 2', (args, message) => {
    const result = stagecraft(scratch, 'board', '--repo', repo, ...args);
    expect(result.stderr.split('\n')[0]).toBe(`stagecraft: ${message}`);
    expect(result.status).toBe(2);
  });

  it('fails when a file it would write is a symbolic link, writing nothing', () => {
    // GIVEN an output folder whose index.html links elsewhere
    const out = path.join(scratch, 'linked');
    fs.mkdirSync(out);
    const target = path.join(scratch, 'elsewhere.html');
    fs.writeFileSync(target, 'keep me\n');
    fs.symlinkSync(target, path.join(out, 'index.html'));
    // WHEN the board is written there
    const result = stagecraft(scratch, 'board', '--repo', repo, '--out', out);
    // THEN it is refused and nothing changed
    expect(result.stderr).toBe(`stagecraft: board: ${path.join(out, 'index.html')} is not a plain file (a link or a folder); remove it, nothing was written\n`);
    expect(result.status).toBe(2);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(fs.readdirSync(out)).toEqual(['index.html']);
  });

  it('fails on a repo that does not exist', () => {
    const result = stagecraft(scratch, 'board', '--repo', path.join(scratch, 'missing.git'), '--out', path.join(scratch, 'nowhere'));
    expect(result.stderr).toBe(`stagecraft: board: repository ${path.join(scratch, 'missing.git')} does not exist; pass the path of the env repo or its URL\n`);
    expect(result.status).toBe(2);
    expect(fs.existsSync(path.join(scratch, 'nowhere'))).toBe(false);
  });

  describe('with a gate that depends on the change\'s risk class', () => {
    const WEB = image('web', 'e');
    let risky: string;

    beforeAll(async () => {
      // web e healthy in staging for 3 h, two approvals for prod; prod wants one more when pods restart
      risky = createEnvRepo(path.join(scratch, 'risky'), { riskyProd: true }).bare;
      const run = (...args: string[]) => expect(stagecraft(scratch, ...args).stderr).toBe('');
      run('release', 'web', '--image', WEB, '--env', 'dev', '--repo', risky, '--as', 'ci@example.com', '--now', '2026-11-23T05:00:00Z');
      await recordVerification(risky, 'dev', '2026-11-23T05:10:00Z', { web: WEB });
      run('promote', 'web', '--from', 'dev', '--to', 'staging', '--repo', risky, '--as', 'alice@example.com', '--now', '2026-11-23T06:15:00Z');
      await recordVerification(risky, 'staging', '2026-11-23T06:20:00Z', { web: WEB });
      for (const approver of ['bob@example.com', 'carol@example.com']) {
        run('approve', 'web', '--env', 'prod', '--repo', risky, '--as', approver, '--now', '2026-11-23T09:00:00Z');
      }
    });

    /** The pending prod cell's gate list and the lines under "why", as the page has them. */
    function prodPending(out: string): { gates: string[]; why: string } {
      const page = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
      const pending = /<div class="pending[^"]*" data-from="staging" data-to="prod">([\s\S]*?)<\/div>/.exec(page)![1];
      return {
        gates: [...pending.matchAll(/data-gate="([^"]+)"[^>]*>([^<]*)</g)].map((match) => `${match[1]}: ${match[2]}`),
        why: pending.slice(pending.indexOf('<details>')),
      };
    }

    it('judges it with the risk class promote --dry-run finds, re-synthesizing prod in a private checkout', () => {
      // WHEN the board is written (the program needs no dependencies) at Monday 10:00 Berlin
      const out = path.join(scratch, 'risky-site');
      const result = stagecraft(scratch, 'board', '--repo', risky, '--out', out, '--now', '2026-11-23T09:00:00Z');
      // THEN the extra approvals gate is judged with the change's class: a new image restarts pods
      expect(result.stderr).toBe('');
      const { gates, why } = prodPending(out);
      expect(gates).toEqual(['manual: manual ok', 'verifiedUpstream: verifiedUpstream ok', 'soak: soak ok', 'approvals: approvals 2 of 2', 'extraApprovals: extraApprovals 2 of 3', 'allowWindow: allowWindow ok']);
      expect(why).toContain('<dt>risk</dt><dd class="risk">pod-restart</dd>');
      expect(why).not.toContain('not judged');
      // AND promote --dry-run says the same
      const dryRun = stagecraft(scratch, 'promote', 'web', '--from', 'staging', '--to', 'prod', '--repo', risky, '--dry-run', '--as', 'dave@example.com', '--now', '2026-11-23T09:00:00Z', '--output', 'json');
      const plan = JSON.parse(dryRun.stdout).plans[0];
      expect([plan.risk.riskClass, plan.gates.find((gate: { gate: string }) => gate.gate === 'extraApprovals').verdict]).toEqual(['pod-restart', 'fail']);
      // AND nothing was committed
      expect(stagecraft(scratch, 'history', '--env', 'prod', '--repo', risky).stdout.split('\n').filter((line) => line.includes('promote'))).toEqual([]);
    });

    it('never promotes for any promoter: that is only a dry run', async () => {
      const request = { repo: risky, branch: 'main', fleet: '.', applications: [], all: true, from: 'staging', to: 'prod', automatic: false, now: Date.now() };
      await expect(promote({ ...request, dryRun: false, forAnyPromoter: true }))
        .rejects.toThrow('a promotion judged for any promoter can only be a dry run: someone has to promote');
    });

    it('re-synthesizes once per branch tip: the live board asks again on every refresh', async () => {
      // GIVEN prod's metadata and the branch tip
      const environments = ['dev', 'staging', 'prod'].map((name) =>
        parseEnvironmentMetadata(name, git(risky, 'show', `main:${name}/.stagecraft/environment.json`)));
      const commit = git(risky, 'rev-parse', 'main');
      const cache = new RiskClasses();
      const ask = (at: string) => cache.find({ repo: risky, branch: 'main', commit, now: Date.parse(at), fleet: '.', environments });
      // WHEN asked twice for the same tip, an hour apart
      const first = await ask('2026-11-23T09:00:00Z');
      const second = await ask('2026-11-23T10:00:00Z');
      // THEN the second answer is the first (no second synth), and it holds the class of web into prod
      expect(stepsNeedingRisk(environments)).toEqual([{ from: 'staging', to: 'prod' }]);
      expect(second).toBe(first);
      expect(first).toEqual({ riskClasses: [{ from: 'staging', to: 'prod', application: 'web', image: WEB, riskClass: 'pod-restart' }] });
    });

    it('lists it as not judged, and why, with --no-risk', () => {
      const out = path.join(scratch, 'risky-no-risk');
      const result = stagecraft(scratch, 'board', '--repo', risky, '--out', out, '--now', '2026-11-23T09:00:00Z', '--no-risk');
      expect(result.stderr).toBe('');
      const { gates, why } = prodPending(out);
      expect(gates).not.toContain('extraApprovals: extraApprovals 2 of 3');
      expect(why).toContain('<dt>extraApprovals: not judged</dt><dd class="not-judged">they depend on the change\'s risk class, and the board was run without the fleet program (stagecraft board --no-risk); stagecraft promote --dry-run judges them</dd>');
    });

    it('says why when the fleet program cannot run, and still writes the board', () => {
      const out = path.join(scratch, 'risky-no-fleet');
      const result = stagecraft(scratch, 'board', '--repo', risky, '--out', out, '--now', '2026-11-23T09:00:00Z', '--fleet', 'nowhere');
      expect(result.status).toBe(0);
      const { why } = prodPending(out);
      expect(why).toMatch(/<dt>extraApprovals: not judged<\/dt><dd class="not-judged">they depend on the change's risk class, and re-synthesizing prod with the images of staging failed: [^<]*nowhere[^<]*; stagecraft promote --dry-run judges them<\/dd>/);
    });
  });
});

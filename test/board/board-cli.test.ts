import * as fs from 'fs';
import * as path from 'path';
import { scratchFolder } from '../support/fleets';
import { createEnvRepo, stagecraft } from '../support/promotion-repo';

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
});

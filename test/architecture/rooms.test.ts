import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scratchFolder } from '../support/fleets';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEPCRUISE = path.join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');

/** A copy of lib/ and the rules, so a test can plant an import without touching the checkout. */
function copyOfTheRooms(): string {
  const root = scratchFolder();
  fs.cpSync(path.join(REPO_ROOT, 'lib'), path.join(root, 'lib'), { recursive: true, filter: (source) => !/\.(js|d\.ts)$/.test(source) });
  for (const file of ['.dependency-cruiser.js', 'tsconfig.json']) {
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

function checkRooms(root: string): { status: number | null; output: string } {
  const child = spawnSync(DEPCRUISE, ['lib', '--config', '.dependency-cruiser.js', '--output-type', 'err'], { cwd: root, encoding: 'utf8' });
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

describe('the import rules between the rooms of lib/', () => {
  it('holds for the code as it is', () => {
    const { status, output } = checkRooms(REPO_ROOT);
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it.each([
    ['envrepo importing the reconciler', 'lib/envrepo/planted.ts', "import { appliedDigestOf } from '../reconciler/plan';\nexport const planted = appliedDigestOf;\n",
      'error envrepo-imports-only-below: lib/envrepo/planted.ts → lib/reconciler/plan.ts'],
    ['promotion reaching into the reconciler', 'lib/promotion/planted.ts', "import { waitForHealth } from '../reconciler/wait';\nexport const planted = waitForHealth;\n",
      'error promotion-imports-only-below: lib/promotion/planted.ts → lib/reconciler/wait.ts'],
    ['a room importing another room\'s private folder', 'lib/synth/planted.ts', "import { parseStrictYaml } from '../envrepo/private/strict-yaml';\nexport const planted = parseStrictYaml;\n",
      'error no-private-of-another-room: lib/synth/planted.ts → lib/envrepo/private/strict-yaml.ts'],
    ['git reached past its public surface', 'lib/reconciler/planted.ts', "import { runGit } from '../git/run-git';\nexport const planted = runGit;\n",
      'error git-through-its-public-surface: lib/reconciler/planted.ts → lib/git/run-git.ts'],
    ['promotion importing the board (only the CLI may)', 'lib/promotion/planted.ts', "import { renderBoard } from '../board/render';\nexport const planted = renderBoard;\n",
      'error promotion-imports-only-below: lib/promotion/planted.ts → lib/board/render.ts'],
    ['constructs importing synth', 'lib/constructs/planted.ts', "import { Fleet } from '../synth/fleet';\nexport const planted = Fleet;\n",
      'error constructs-imports-only-below: lib/constructs/planted.ts → lib/synth/fleet.ts'],
  ])('fails on %s, naming the file and the rule', (_case, file, content, expected) => {
    // GIVEN a copy of lib/ with one wrong import planted
    const root = copyOfTheRooms();
    fs.writeFileSync(path.join(root, file), content);
    // WHEN the rules are checked
    const { status, output } = checkRooms(root);
    // THEN the check fails with the file and the rule
    expect(output).toContain(expected);
    expect(output).toContain('x 1 dependency violations (1 errors, 0 warnings)');
    expect(status).not.toBe(0);
  });

  it('fails on an import circle, naming every file of it', () => {
    // GIVEN two synth files that import each other
    const root = copyOfTheRooms();
    fs.writeFileSync(path.join(root, 'lib/synth/planted-a.ts'), "import { b } from './planted-b';\nexport const a = (): number => b() + 1;\n");
    fs.writeFileSync(path.join(root, 'lib/synth/planted-b.ts'), "import { a } from './planted-a';\nexport const b = (): number => a() - 1;\n");
    // WHEN the rules are checked
    const { status, output } = checkRooms(root);
    // THEN the circle is named
    expect(output).toContain('error no-cycles: lib/synth/planted-a.ts → \n      lib/synth/planted-b.ts →\n      lib/synth/planted-a.ts');
    expect(status).not.toBe(0);
  });
});

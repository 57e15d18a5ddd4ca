import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/cli';
import { readTree, scratchFolder } from '../support/fleets';

const PROGRAM = path.join(REPO_ROOT, 'test', 'fixtures', 'parallel-fleet.js');

function synthesize(workers: number, mode: 'deterministic' | 'drifting' = 'deterministic'): { tree: Record<string, string>; stderr: string } {
  const root = scratchFolder();
  fs.mkdirSync(path.join(root, 'releases'));
  const out = path.join(root, 'out');
  const child = spawnSync(process.execPath, [PROGRAM, out, path.join(root, 'releases'), String(workers), mode], { encoding: 'utf8' });
  expect(child.status).toBe(0);
  return { tree: readTree(out), stderr: child.stderr };
}

describe('parallel synth', () => {
  let sequential: { tree: Record<string, string>; stderr: string };

  beforeAll(() => {
    sequential = synthesize(0);
  });

  it('writes byte-identical trees with worker threads and without', () => {
    // WHEN
    const parallel = synthesize(2);
    // THEN
    expect(Object.keys(sequential.tree).length).toBe(3 * (40 * 3 + 2 + 3));
    expect(parallel.tree).toEqual(sequential.tree);
    expect(parallel.stderr).toContain('(3 threads)');
    expect(sequential.stderr).not.toContain('threads');
  });

  it('places custom resources by the scope their CustomResourceDefinition declares, whichever thread rendered them', () => {
    const parallel = synthesize(1);
    expect(Object.keys(parallel.tree).filter((file) => file.startsWith('prod/_cluster/'))).toEqual([
      'prod/_cluster/customresourcedefinition.gadgets.example.com.yaml',
      'prod/_cluster/gadget.blue.yaml',
    ]);
  });

  it('falls back to rendering on the main thread when a worker declares a different fleet', () => {
    // WHEN
    const drifting = synthesize(1, 'drifting');
    // THEN
    expect(drifting.tree).toEqual(sequential.tree);
    expect(drifting.stderr).not.toContain('threads');
  });
});

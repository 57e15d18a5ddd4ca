import * as fs from 'fs';
import * as path from 'path';
import { toCanonicalJson } from '../../lib/envrepo/canonical-json';
import { sha256Digest } from '../../lib/envrepo/digest';
import { EnvironmentTree, readEnvironment } from '../../lib/envrepo/read-environment';
import { appliedDigestOf } from '../../lib/reconciler/plan';
import { VerifiedTreeCache } from '../../lib/reconciler/private/verified-tree-cache';
import { goldenEnvironmentFiles } from '../support/env-repo';
import { scratchFolder } from '../support/fleets';

const COMMIT = 'a'.repeat(40);
const OTHER_COMMIT = 'b'.repeat(40);
const OPTIONS = { maxBytes: 1024 * 1024, readOptions: { environment: 'dev', allowLockMismatch: false, limits: {} } };

/** The golden dev environment, verified, and a made-up blob object name for each of its object files. */
function verifiedTree(): { tree: EnvironmentTree; objectNames: Map<string, string> } {
  const tree = readEnvironment('dev', goldenEnvironmentFiles('dev'));
  const objectNames = new Map(tree.objects.map(({ path: file }, index) => [file, index.toString(16).padStart(40, '0')]));
  return { tree, objectNames };
}

function keptFile(): string {
  return path.join(scratchFolder('stagecraft-verified-tree-'), 'stagecraft', 'verified-dev.json');
}

/** A tree kept in `file` by one cache, as the process before would have left it. */
function keep(file: string): EnvironmentTree {
  const { tree, objectNames } = verifiedTree();
  expect(VerifiedTreeCache.open(file, OPTIONS).remember(COMMIT, tree, objectNames)).toBeUndefined();
  return tree;
}

describe('the tree the git source verified last, kept beside its mirror', () => {
  it('gives the next process the tree verified at that commit, its metadata and its applied digests', () => {
    // GIVEN a tree kept by an earlier process
    const file = keptFile();
    const tree = keep(file);
    // WHEN the next process opens the file
    const cache = VerifiedTreeCache.open(file, OPTIONS);
    // THEN the metadata and the tree come back for that commit only
    expect(cache.metadataAt(COMMIT)).toEqual(tree.metadata);
    expect(cache.metadataAt(OTHER_COMMIT)).toBeUndefined();
    expect(cache.treeAt(OTHER_COMMIT)).toBeUndefined();
    const kept = cache.treeAt(COMMIT)!;
    expect(kept).toEqual(tree);
    // AND each object's applied digest is what hashing it gives
    const hashed = tree.objects.map(({ object }) => sha256Digest(toCanonicalJson(object)));
    expect(kept.objects.map(({ object }) => appliedDigestOf(object))).toEqual(hashed);
  });

  it('knows the object files by blob, and gives their documents back by digest, as copies once the tree was handed out', () => {
    // GIVEN
    const file = keptFile();
    const tree = keep(file);
    const { objectNames } = verifiedTree();
    const cache = VerifiedTreeCache.open(file, OPTIONS);
    // WHEN
    const blobs = cache.knownBlobs();
    const before = cache.parsedDocuments();
    const handedOut = cache.treeAt(COMMIT)!;
    const after = cache.parsedDocuments();
    // THEN every object file is known by its blob's object name, with its digest
    expect(blobs).toEqual(new Map(tree.objects.map(({ path: objectPath, digest }) => [objectNames.get(objectPath)!, digest])));
    // AND its document comes back by digest: the kept one until the tree was handed out, a copy afterwards
    const first = tree.objects[0];
    expect(before.get(first.digest)).toBe(handedOut.objects[0].object);
    expect(after.get(first.digest)).toEqual(first.object);
    expect(after.get(first.digest)).not.toBe(handedOut.objects[0].object);
    expect(after.get(sha256Digest('not a file of the tree'))).toBeUndefined();
  });

  it('does not use a tree read with other options or by other rules', () => {
    // GIVEN
    const file = keptFile();
    keep(file);
    // WHEN it is opened with lock mismatches allowed, or with a limit of its own
    const handEdits = VerifiedTreeCache.open(file, { ...OPTIONS, readOptions: { ...OPTIONS.readOptions, allowLockMismatch: true } });
    const limits = VerifiedTreeCache.open(file, { ...OPTIONS, readOptions: { ...OPTIONS.readOptions, limits: { maxFiles: 5 } } });
    // THEN nothing of it is used
    expect([handEdits.treeAt(COMMIT), handEdits.metadataAt(COMMIT), limits.treeAt(COMMIT)]).toEqual([undefined, undefined, undefined]);
    expect(handEdits.knownBlobs()).toEqual(new Map());
  });

  const DAMAGES: Array<[string, (text: string) => string | Buffer]> = [
    ['torn in the middle of its last line', (text) => text.slice(0, -40)],
    ['without its final newline', (text) => text.slice(0, -1)],
    ['not JSON at all', () => 'verified\n'],
    ['of another kind', (text) => text.replace('"kind":"stagecraft.dev/verified-tree"', '"kind":"something-else"')],
    ['of another version', (text) => text.replace('"version":1', '"version":2')],
    ['with a file line whose digest is not a sha256 digest', (text) => text.split('\n')
      .map((line, index) => (index === 3 ? line.replace(/"sha256:[0-9a-f]{64}"/, '"sha256:nothex"') : line)).join('\n')],
    ['with a file line that is not one', (text) => `${text}["dev/web/configmap.web.yaml"]\n`],
    ['with one object line too few', (text) => `${text.split('\n').slice(0, -2).join('\n')}\n`],
    ['in invalid utf-8', (text) => Buffer.concat([Buffer.from(text.slice(0, 10)), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(10))])],
  ];

  it.each(DAMAGES)('is an empty cache when the file is %s', (_name, damage) => {
    // GIVEN a kept tree, damaged
    const file = keptFile();
    keep(file);
    fs.writeFileSync(file, damage(fs.readFileSync(file, 'utf8')));
    // WHEN
    const cache = VerifiedTreeCache.open(file, OPTIONS);
    // THEN nothing of it is used: the next read verifies every file again
    const document = cache.parsedDocuments().get(verifiedTree().tree.objects[0].digest);
    expect([cache.treeAt(COMMIT), cache.knownBlobs().size, document]).toEqual([undefined, 0, undefined]);
  });

  it('is an empty cache when the file is larger than its limit, or not a file', () => {
    // GIVEN
    const file = keptFile();
    keep(file);
    const folder = keptFile();
    fs.mkdirSync(folder, { recursive: true });
    // WHEN / THEN
    expect(VerifiedTreeCache.open(file, { ...OPTIONS, maxBytes: fs.statSync(file).size - 1 }).treeAt(COMMIT)).toBeUndefined();
    expect(VerifiedTreeCache.open(folder, OPTIONS).treeAt(COMMIT)).toBeUndefined();
  });

  it('keeps no tree that JSON cannot carry unchanged, and removes the one it kept before', () => {
    // GIVEN a tree kept before, and a new one whose ConfigMap holds a number JSON has no form for
    const file = keptFile();
    keep(file);
    const { tree, objectNames } = verifiedTree();
    const infinite = { ...tree.objects[0], object: { ...tree.objects[0].object, data: { infinite: Infinity } } };
    const objects = [infinite, ...tree.objects.slice(1)];
    // WHEN
    const error = VerifiedTreeCache.open(file, OPTIONS).remember(OTHER_COMMIT, { ...tree, objects }, objectNames);
    // THEN nothing is kept on disk, and no error is reported
    expect(error).toBeUndefined();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('returns the error of a file it cannot write, and still answers from memory', () => {
    // GIVEN a cache whose folder is a file
    const parent = scratchFolder('stagecraft-verified-tree-');
    fs.writeFileSync(path.join(parent, 'stagecraft'), 'not a folder');
    const cache = VerifiedTreeCache.open(path.join(parent, 'stagecraft', 'verified-dev.json'), OPTIONS);
    const { tree, objectNames } = verifiedTree();
    // WHEN
    const error = cache.remember(COMMIT, tree, objectNames);
    // THEN
    expect(error?.message).toMatch(/^(EEXIST|ENOTDIR): /);
    expect(cache.treeAt(COMMIT)).toBe(tree);
    expect(fs.readdirSync(parent)).toEqual(['stagecraft']);
  });

  it('answers for the commit kept before the last one it kept, for the history check', () => {
    // GIVEN a cache that kept one commit, then another
    const file = keptFile();
    const tree = keep(file);
    const cache = VerifiedTreeCache.open(file, OPTIONS);
    const { objectNames } = verifiedTree();
    // WHEN
    cache.remember(OTHER_COMMIT, tree, objectNames);
    // THEN both commits' metadata are known, the tree only for the last
    expect([cache.metadataAt(COMMIT), cache.metadataAt(OTHER_COMMIT)]).toEqual([tree.metadata, tree.metadata]);
    expect(VerifiedTreeCache.open(file, OPTIONS).treeAt(COMMIT)).toBeUndefined();
  });
});

// The rooms of lib/ and who may import whom (docs/ARCHITECTURE.md). `npm test` runs this check; a wrong
// arrow fails it with the file, the import and the rule's name.
//
//   cli → board → promotion;  cli → (reconciler | promotion | synth) → (git | constructs) → envrepo;   support is imported by anyone
//
const room = (name) => `^lib/${name}/`;
const rooms = ['cli', 'board', 'reconciler', 'promotion', 'synth', 'git', 'constructs', 'envrepo', 'support'];
/** What each room may import besides itself (and node or npm packages). */
const allowed = {
  cli: ['board', 'reconciler', 'promotion', 'synth', 'git', 'constructs', 'envrepo', 'support'],
  // The promotion board reads what promotion reads and judges gates with promotion's own code; nothing but cli imports it.
  board: ['promotion', 'git', 'envrepo', 'support'],
  reconciler: ['git', 'envrepo', 'support'],
  promotion: ['git', 'constructs', 'envrepo', 'support'],
  synth: ['constructs', 'envrepo', 'support'],
  git: ['envrepo', 'support'],
  constructs: ['envrepo'],
  envrepo: [],
  support: [],
};

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Imports form no circle, inside a room or across rooms: split the shared part into a file both import.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'no-private-of-another-room',
      comment: "A room's private/ folder is its own: make what others need public in that room.",
      severity: 'error',
      from: { path: '^lib/([^/]+)/' },
      to: { path: '^lib/([^/]+)/private/', pathNot: '^lib/$1/' },
    },
    {
      name: 'git-through-its-public-surface',
      comment: 'Other rooms reach git only through lib/git/index.ts, its small public surface.',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/git/' },
      to: { path: '^lib/git/', pathNot: '^lib/git/index\\.ts$' },
    },
    ...rooms.map((name) => ({
      name: `${name}-imports-only-below`,
      comment: `lib/${name}/ may import ${allowed[name].length === 0 ? 'no other room' : allowed[name].join(', ')} (imports point one way: docs/ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: room(name) },
      to: { path: `^lib/(${rooms.filter((other) => other !== name && !allowed[name].includes(other)).join('|')})/` },
    })).filter((rule) => !rule.to.path.endsWith('()/')),
    {
      name: 'lib-never-imports-tests',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|bench|examples|scripts)/' },
    },
    {
      name: 'index-exports-the-library-api',
      comment: 'lib/index.ts re-exports constructs, synth, the env-repo format and PromotionTesting; the rest is reached through the CLI.',
      severity: 'error',
      from: { path: '^lib/index\\.ts$' },
      to: { path: '^lib/(cli|board|reconciler|git)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

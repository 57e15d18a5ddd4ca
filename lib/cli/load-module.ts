/**
 * A module loaded on first use, by a path relative to this folder (lib/cli), typed by the caller
 * (`loadModule<typeof import('./x.js')>('./x')`): what a command needs only on some paths (another command,
 * the --interval loop and its metrics) stays unloaded on the others, such as `stagecraft reconcile --once`.
 * `require`, not `import()`: Node would load the CommonJS module through its ES module loader, and jest runs
 * commands in-process without one.
 */
export function loadModule<Module>(path: string): Module {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as Module;
}

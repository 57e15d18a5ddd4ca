import type { SynthesizedEnvironment } from './private/assemble-environment';

/** Everything synth writes for a fleet. */
export interface SynthesizedTree {
  readonly environments: readonly SynthesizedEnvironment[];
  /** `releases/<env>.yaml` copies (repo-relative path → bytes as read). */
  readonly releases: ReadonlyMap<string, Buffer>;
  /** Absolute folder the releases were read from. */
  readonly releasesDirectory: string;
  /** Threads whose renderings made it into the tree (1 = the main thread alone). */
  readonly threads: number;
  /**
   * Environments of the fleet this synth did not render (`STAGECRAFT_SYNTH_ENVIRONMENTS`): their folders are
   * left as they are, and are not orphans.
   * @default - none: the whole fleet
   */
  readonly leftAlone?: readonly string[];
}

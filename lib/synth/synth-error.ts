/**
 * Synth refused the fleet: every problem found, each naming the construct, object or file and the fix.
 * Nothing was written.
 */
export class SynthError extends Error {
  /** Every problem found, each a complete sentence with location and fix. */
  public readonly problems!: string[];

  constructor(problems: string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`stagecraft synth found ${count}; nothing was written:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'SynthError';
    // Not enumerable, so Node does not print the list a second time after the message.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    // An uncaught SynthError prints its message without a stack trace: the trace would point into stagecraft, not at the mistake.
    this.stack = `${this.name}: ${this.message}`;
  }
}

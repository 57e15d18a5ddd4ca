/**
 * Thrown for input stagecraft refuses (a file, a repository, a cluster's answer, an option's value): the CLI
 * exits 2 with the message, which says what to fix. What escapes a command without being bad input is a bug
 * in stagecraft: exit 70.
 */
export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** Thrown for a command line that cannot be understood; the CLI exits 2 with the message and points at --help. */
export class UsageError extends BadInputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed `--flag value` / `--switch` options and positional arguments. */
export interface ParsedArguments {
  readonly positionals: string[];
  /** The last value of each option given (or `true` for a switch). */
  readonly options: Map<string, string | true>;
  /** Every value of an option declared repeatable, in the order given. */
  readonly repeated: Map<string, string[]>;
}

/**
 * Parses arguments against a declared set of options; unknown options are usage errors rather than ignored,
 * so a typo never silently changes what a command does.
 */
export interface OptionSpec {
  /** Options that take a value (`--out DIR`). */
  readonly values: readonly string[];
  /** Options that take none (`--check`). */
  readonly switches: readonly string[];
  /** Options of `values` that may be given more than once (`--alert-url A --alert-url B`), collected in `repeated`. */
  readonly repeatable?: readonly string[];
}

export function parseArguments(argv: readonly string[], spec: OptionSpec): ParsedArguments {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (!argument.startsWith('--')) {
      positionals.push(argument);
      continue;
    }
    const [name, inlineValue] = splitOnce(argument.slice(2), '=');
    if (spec.switches.includes(name)) {
      if (inlineValue !== undefined) {
        throw new UsageError(`--${name} takes no value`);
      }
      options.set(name, true);
    } else if (spec.values.includes(name)) {
      const value = inlineValue ?? argv[++index];
      if (value === undefined || (inlineValue === undefined && value.startsWith('--'))) {
        throw new UsageError(`--${name} needs a value`);
      }
      if (spec.repeatable?.includes(name)) {
        repeated.set(name, [...(repeated.get(name) ?? []), value]);
      }
      options.set(name, value);
    } else {
      const known = [...spec.values, ...spec.switches].map((option) => `--${option}`).join(', ');
      throw new UsageError(`unknown option --${name} (known: ${known || 'none'})`);
    }
  }
  return { positionals, options, repeated };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

export function stringOption(parsed: ParsedArguments, name: string): string | undefined {
  const value = parsed.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** Refuses positional arguments for a command that takes none; `hint` says what to use instead. */
export function refusePositionals(parsed: ParsedArguments, command: string, hint = ''): void {
  if (parsed.positionals.length > 0) {
    throw new UsageError(`${command} takes no positional arguments, got "${parsed.positionals[0]}"${hint}`);
  }
}

/**
 * Environment variable that narrows `Fleet.synth()` to some environments: a comma-separated list of names.
 * The whole fleet is still validated and every releases file read; only the listed environments are
 * rendered, checked and written, and every other folder and file of the output is left as it is. Unset or
 * empty: the whole fleet. `stagecraft promote` sets it to the target environment, the only one whose
 * releases it changes.
 */
export const SYNTH_ENVIRONMENTS_VARIABLE = 'STAGECRAFT_SYNTH_ENVIRONMENTS';

/**
 * The environments named in `$STAGECRAFT_SYNTH_ENVIRONMENTS`, or undefined (the whole fleet) when it is
 * unset or empty.
 */
export function synthEnvironmentsFromVariable(): string[] | undefined {
  const value = process.env[SYNTH_ENVIRONMENTS_VARIABLE];
  if (value === undefined || value.trim() === '') {
    return undefined;
  }
  return value.split(',').map((name) => name.trim());
}

import { AssertionError } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { BadInputError, UsageError } from '../../lib/cli/args';
import { CliCommand, isBadInput, main } from '../../lib/cli/main';
import { Output } from '../../lib/cli/output';
import { TreeVerificationError } from '../../lib/envrepo/read-environment';
import { ClusterError } from '../../lib/reconciler/cluster-client';
import { SynthError } from '../../lib/synth/synth-error';
import { runStagecraft } from '../support/cli';
import { scratchFolder } from '../support/fleets';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that keeps what is written to it. */
function sink(): { readonly stream: NodeJS.WritableStream; readonly text: () => string } {
  let text = '';
  const stream = { write: (chunk: string) => (text += chunk, true) } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

/** Runs main in this process with `commands` (default: stagecraft's) and an empty environment. */
async function run(argv: string[], commands?: Record<string, CliCommand>, environment: Record<string, string> = {}): Promise<Run> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, new Output(stdout.stream, stderr.stream, false), { commands, environment });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A command `fake` that records its arguments and throws `thrown`. */
function throwing(thrown: unknown): { readonly commands: Record<string, CliCommand>; readonly received: string[][] } {
  const received: string[][] = [];
  const commands = {
    fake: {
      usage: 'usage: stagecraft fake',
      run: (argv: readonly string[]) => {
        received.push([...argv]);
        throw thrown;
      },
    },
  };
  return { commands, received };
}

/** An error of a room's class, made by the name main matches (the class's own file is not imported here). */
function named(name: string, message: string): Error {
  const error = new (class extends Error {})(message);
  error.name = name;
  return error;
}

const INTERNAL = 'this is a bug: please report it with the output of the same command run with --debug';

describe('stagecraft exit codes for errors that escape a command', () => {
  it('fails with exit 70 on an internal error, asking for a report, and prints no stack', async () => {
    // GIVEN a command with a bug
    const bug = new TypeError("Cannot read properties of undefined (reading 'name')");
    const { commands, received } = throwing(bug);
    // WHEN
    const result = await run(['fake', '--env', 'prod'], commands);
    // THEN
    expect(result).toEqual({
      code: 70,
      stdout: '',
      stderr: `stagecraft: fake: internal error: TypeError: Cannot read properties of undefined (reading 'name'); ${INTERNAL}\n`,
    });
    expect(received).toEqual([['--env', 'prod']]);
  });

  it('fails with exit 70 and prints the stack of an internal error with --debug, which the command never sees', async () => {
    // GIVEN
    const bug = new ReferenceError('releaseFile is not defined');
    const { commands, received } = throwing(bug);
    // WHEN
    const result = await run(['fake', '--env', 'prod', '--debug'], commands);
    // THEN
    expect(result).toEqual({
      code: 70,
      stdout: '',
      stderr: `stagecraft: fake: internal error: ReferenceError: releaseFile is not defined; this is a bug: please report it with the stack below\n${bug.stack}\n`,
    });
    expect(received).toEqual([['--env', 'prod']]);
  });

  it('takes --debug before the command name too', async () => {
    // GIVEN
    const bug = new RangeError('Invalid array length');
    const { commands, received } = throwing(bug);
    // WHEN
    const result = await run(['--debug', 'fake'], commands);
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 70,
      stderr: `stagecraft: fake: internal error: RangeError: Invalid array length; this is a bug: please report it with the stack below\n${bug.stack}\n`,
    });
    expect(received).toEqual([[]]);
  });

  it('fails with exit 70 and prints the stack of an internal error with STAGECRAFT_DEBUG=1', async () => {
    // GIVEN
    const bug = new TypeError('plan.changes is not iterable');
    const { commands } = throwing(bug);
    // WHEN
    const result = await run(['fake'], commands, { STAGECRAFT_DEBUG: '1' });
    // THEN
    expect(result).toEqual({
      code: 70,
      stdout: '',
      stderr: `stagecraft: fake: internal error: TypeError: plan.changes is not iterable; this is a bug: please report it with the stack below\n${bug.stack}\n`,
    });
  });

  it('fails with exit 70 and prints no stack when STAGECRAFT_DEBUG is not 1', async () => {
    // GIVEN
    const { commands } = throwing(new TypeError('plan.changes is not iterable'));
    // WHEN
    const result = await run(['fake'], commands, { STAGECRAFT_DEBUG: '0' });
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 70,
      stderr: `stagecraft: fake: internal error: TypeError: plan.changes is not iterable; ${INTERNAL}\n`,
    });
  });

  it('fails with exit 70 on a thrown value that is not an Error, saying what was thrown', async () => {
    // GIVEN
    const { commands } = throwing('no cluster');
    // WHEN
    const result = await run(['fake', '--debug'], commands);
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 70,
      stderr: "stagecraft: fake: internal error: 'no cluster' was thrown, which is not an Error; this is a bug: please report it with the stack below\nno stack: what was thrown is not an Error\n",
    });
  });

  it('fails with exit 2 on a usage error, pointing at --help and printing no stack', async () => {
    // GIVEN stagecraft's own commands WHEN synth gets an option it does not know
    const result = await run(['synth', '--outt', 'x']);
    // THEN
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'stagecraft: synth: unknown option --outt (known: --out, --output, --check, --help)\nstagecraft: run stagecraft synth --help for usage\n',
    });
  });

  it('fails with exit 2 and prints the stack of a usage error with --debug, which the command never parses', async () => {
    // GIVEN stagecraft's own commands WHEN synth gets an option it does not know, and --debug
    const result = await run(['synth', '--debug', '--outt', 'x']);
    // THEN the message, the pointer to --help, then the stack from the parser
    const lines = result.stderr.split('\n');
    expect({ code: result.code, stdout: result.stdout, head: lines.slice(0, 3) }).toEqual({
      code: 2,
      stdout: '',
      head: [
        'stagecraft: synth: unknown option --outt (known: --out, --output, --check, --help)',
        'stagecraft: run stagecraft synth --help for usage',
        'UsageError: unknown option --outt (known: --out, --output, --check, --help)',
      ],
    });
    expect(lines[3]).toMatch(/^ {4}at parseArguments \(.*lib\/cli\/args\.ts:\d+:\d+\)$/);
  });

  it('fails with exit 2 and prints the stack of a refusal of bad input with --debug', async () => {
    // GIVEN a room refusing bad input the way the rooms do
    const refusal = new Error('no promotion policy moves applications from dev to prod (promotions into prod come from staging); check --from and --to');
    const { commands } = throwing(refusal);
    // WHEN
    const result = await run(['fake', '--debug'], commands);
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 2,
      stderr: `stagecraft: fake: ${refusal.message}\n${refusal.stack}\n`,
    });
  });

  it.each<[number, string, () => unknown]>([
    [2, 'a UsageError', () => new UsageError('--env is required')],
    [2, 'a BadInputError', () => new BadInputError('dev/web/deployment.web.yaml is not a plain file')],
    [2, 'a plain Error, which is how the rooms refuse bad input', () => new Error('branch "main" does not exist in /srv/env-repo')],
    [2, 'what the system refused (a missing file)', () => systemError()],
    [2, 'a ClusterError', () => new ClusterError('the API server could not be reached', 0)],
    [2, 'a TreeVerificationError', () => new TreeVerificationError('prod', 'commit 1234567', ['prod/web/deployment.web.yaml: changed'])],
    [2, 'a SynthError', () => new SynthError(['releases/qa.yaml: release for unknown environment "qa"'])],
    [2, 'a GitCommandError', () => named('GitCommandError', 'git fetch failed')],
    [2, 'a KubeconfigError', () => named('KubeconfigError', 'no context "prod" in ~/.kube/config')],
    [70, 'a TypeError', () => new TypeError('x is not a function')],
    [70, 'a ReferenceError', () => new ReferenceError('x is not defined')],
    [70, 'a RangeError', () => new RangeError('Maximum call stack size exceeded')],
    [70, 'a SyntaxError from JSON.parse', () => syntaxError()],
    [70, 'an AssertionError', () => new AssertionError({ message: 'plan and live state disagree' })],
    [70, 'a subclass of Error nobody classified', () => new (class ParseFailure extends Error {})('unexpected token')],
    [70, 'a string', () => 'failed'],
    [70, 'undefined', () => undefined],
  ])('fails with exit %i when a command throws %s', async (code, _name, make) => {
    // GIVEN
    const thrown = make();
    const { commands } = throwing(thrown);
    // WHEN
    const result = await run(['fake'], commands);
    // THEN
    expect({ code: result.code, isBadInput: isBadInput(thrown) }).toEqual({ code, isBadInput: code === 2 });
  });

  it('reads STAGECRAFT_DEBUG from the environment of the process by default', () => {
    // GIVEN WHEN the built CLI gets an unknown option with STAGECRAFT_DEBUG=1
    const result = runStagecraft(['synth', '--outt', 'x'], { env: { STAGECRAFT_DEBUG: '1' } });
    // THEN the usage error is followed by its stack
    expect({ status: result.status, head: result.stderr.split('\n').slice(0, 3) }).toEqual({
      status: 2,
      head: [
        'stagecraft: synth: unknown option --outt (known: --out, --output, --check, --help)',
        'stagecraft: run stagecraft synth --help for usage',
        'UsageError: unknown option --outt (known: --out, --output, --check, --help)',
      ],
    });
  });

  it('passes the exit code of a command through and strips --debug from its arguments', async () => {
    // GIVEN
    const received: string[][] = [];
    const commands = { fake: { usage: 'usage: stagecraft fake', run: async (argv: readonly string[]) => (received.push([...argv]), 1) } };
    // WHEN
    const result = await run(['fake', '--debug', '--check'], commands);
    // THEN
    expect({ ...result, received }).toEqual({ code: 1, stdout: '', stderr: '', received: [['--check']] });
  });

  it('fails with exit 2 on an unknown command, even one named like a property of every object', async () => {
    // GIVEN WHEN
    const result = await run(['constructor'], throwing(new TypeError('never run')).commands);
    // THEN
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'stagecraft: unknown command "constructor"; known commands: fake\n' });
  });

  it('--help documents --debug and exit code 70 next to the others', async () => {
    // GIVEN WHEN
    const result = await run(['--help']);
    // THEN
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(-7)).toEqual([
      'options of every command:',
      '  --debug      print the stack trace of an error (so does the environment variable STAGECRAFT_DEBUG=1)',
      '',
      'exit codes: 0 ok, 1 changes found, check failed, reconcile failed or promotion blocked, 2 usage error or bad input,',
      '70 internal error: a bug in stagecraft, to report with the output of the command run with --debug',
      'run stagecraft <command> --help for a command\'s options',
      '',
    ]);
  });
});

/** An error of the operating system, as Node reports it (made outside jest's realm). */
function systemError(): unknown {
  try {
    fs.readFileSync(path.join(scratchFolder('stagecraft-main-'), 'missing.yaml'));
  } catch (error) {
    return error;
  }
  throw new Error('reading a missing file did not fail');
}

function syntaxError(): unknown {
  try {
    JSON.parse('{');
  } catch (error) {
    return error;
  }
  throw new Error('parsing "{" did not fail');
}

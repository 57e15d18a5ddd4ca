import { UsageError } from './args';

/**
 * Where commands print: plain lines for people (progress only on a terminal), or one JSON object per result
 * with `--output json`.
 */
export class Output {
  private format: 'text' | 'json' = 'text';

  constructor(
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
    private readonly interactive: boolean = Boolean((process.stderr as { isTTY?: boolean }).isTTY),
  ) {}

  public setFormat(format: string | undefined): void {
    if (format === undefined || format === 'text') {
      this.format = 'text';
    } else if (format === 'json') {
      this.format = 'json';
    } else {
      throw new UsageError(`--output ${format} is not supported; use text or json`);
    }
  }

  public get isJson(): boolean {
    return this.format === 'json';
  }

  public line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Progress for a person watching; silent in JSON mode and when nobody watches. */
  public progress(text: string): void {
    if (this.interactive && !this.isJson) {
      this.stderr.write(`… ${text}\n`);
    }
  }

  public result(json: unknown, human: string): void {
    this.line(this.isJson ? JSON.stringify(json) : human);
  }

  public error(text: string): void {
    this.stderr.write(`stagecraft: ${text}\n`);
  }

  /** A stack trace for whoever debugs stagecraft (`--debug`): on stderr as it is, without the prefix of `error`. */
  public stack(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

import { ChildProcess } from 'child_process';

/** Collects the structured log lines of a running reconciler and waits for one that matches. */
export class LogWatcher {
  public readonly lines: any[] = [];
  private waiters: Array<{ match: (line: any) => boolean; resolve: (line: any) => void }> = [];

  constructor(child: ChildProcess) {
    let buffer = '';
    child.stderr!.on('data', (chunk) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!text.startsWith('{')) {
          continue;
        }
        const line = JSON.parse(text);
        this.lines.push(line);
        this.waiters = this.waiters.filter((waiter) => (waiter.match(line) ? (waiter.resolve(line), false) : true));
      }
    });
  }

  public waitFor(match: (line: any) => boolean, timeoutMs = 60_000): Promise<any> {
    const seen = this.lines.find(match);
    if (seen) {
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; saw ${JSON.stringify(this.lines)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }
}

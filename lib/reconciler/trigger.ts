/**
 * When the reconcile loop runs its next cycle: after the interval, or at once when someone asks (a git hook,
 * a watch that saw a managed object change). Requests that arrive while a cycle runs coalesce into one
 * follow-up cycle: however many pushes or changes land during a cycle, the next one reads them once.
 */
export class ReconcileTrigger {
  private requested: string | undefined;
  private finish: ((reason: string | undefined) => void) | undefined;

  /**
   * Asks for a cycle now: ends the current wait, or, during a cycle, makes the next wait end at once.
   * `reason` is what the log says started the cycle; a hook outranks a watch (it names a new revision).
   */
  public request(reason: string = 'hook'): void {
    if (this.requested === undefined || reason === 'hook') {
      this.requested = reason;
    }
    this.finish?.(this.requested);
  }

  /** Ends a wait in progress without counting as a request (the loop is stopping). */
  public interrupt(): void {
    this.finish?.(undefined);
  }

  /**
   * Waits `milliseconds`, or less when a cycle is requested before or during the wait. Resolves with the reason
   * of the request that ended it (undefined when the interval passed or the wait was interrupted); the request
   * is used up either way.
   */
  public wait(milliseconds: number): Promise<string | undefined> {
    if (this.requested !== undefined) {
      const reason = this.requested;
      this.requested = undefined;
      return Promise.resolve(reason);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish?.(undefined), milliseconds);
      this.finish = (reason) => {
        clearTimeout(timer);
        this.finish = undefined;
        this.requested = undefined;
        resolve(reason);
      };
    });
  }
}

/**
 * When the reconcile loop runs its next cycle: after the interval, or at once when someone asks (a git hook).
 * Requests that arrive while a cycle runs coalesce into one follow-up cycle: however many pushes land during
 * a cycle, the next one reads the newest tip once.
 */
export class ReconcileTrigger {
  private requested = false;
  private finish: ((requested: boolean) => void) | undefined;

  /** Asks for a cycle now: ends the current wait, or, during a cycle, makes the next wait end at once. */
  public request(): void {
    this.requested = true;
    this.finish?.(true);
  }

  /** Ends a wait in progress without counting as a request (the loop is stopping). */
  public interrupt(): void {
    this.finish?.(false);
  }

  /**
   * Waits `milliseconds`, or less when a cycle is requested before or during the wait. Resolves with whether a
   * request ended it; the request is used up either way.
   */
  public wait(milliseconds: number): Promise<boolean> {
    if (this.requested) {
      this.requested = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish?.(false), milliseconds);
      this.finish = (requested) => {
        clearTimeout(timer);
        this.finish = undefined;
        this.requested = false;
        resolve(requested);
      };
    });
  }
}

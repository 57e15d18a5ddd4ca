/** How many delivery ids a reconciler remembers: far more than a git host redelivers in a burst. */
export const REMEMBERED_DELIVERIES = 1024;

/**
 * The delivery ids of hooks already acted on, so a replayed delivery (the same X-GitHub-Delivery or
 * X-Gitlab-Event-UUID sent again, by the host's redelivery button or by someone who captured it) triggers
 * nothing. Bounded: the oldest id is forgotten first.
 */
export class RecentDeliveries {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity: number = REMEMBERED_DELIVERIES) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`recent deliveries: capacity must be a whole number of at least 1, got ${capacity}`);
    }
  }

  /** Remembers `id`; false when it was already remembered (a replay). */
  public remember(id: string): boolean {
    if (this.seen.has(id)) {
      return false;
    }
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      // A Set iterates in insertion order: the first is the oldest.
      this.seen.delete(this.seen.values().next().value!);
    }
    return true;
  }
}

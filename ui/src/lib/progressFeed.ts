/**
 * A value read from the backend again and again — the review header's progress (done / total,
 * the annotator's own count, the pace), re-read after each save — shown as of the newest read.
 *
 * Reads overlap: each IPC command runs on its own thread of the backend's blocking pool, so two
 * reads can answer in any order. Applying every answer as it arrives lets an older read, taken
 * before the latest save committed, land after a newer one and put the counter back, with no
 * later read to correct it. Here each read gets a ticket and an answer is applied only if no
 * newer read's answer has been applied; a feed that is disposed (the queue or the annotator changed)
 * applies nothing more, so one annotator's late answer never lands on another's header.
 *
 * Reads are throttled: `request(delay)` reads once `delay` ms have passed, and requests made
 * while a read is scheduled share it (moving it earlier if they ask for sooner). A read is always
 * sent after the request that asked for it, so the newest read sees everything committed before
 * the newest request.
 */

export interface ProgressFeedOptions<T> {
  /** One read (a backend call). */
  load: () => Promise<T>;
  /** The newest answer so far. */
  onValue: (value: T) => void;
  /** A read failed and no newer answer has been applied. */
  onError?: (error: unknown) => void;
  /** Clock and timers (injected by tests). */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class ProgressFeed<T> {
  private timer: unknown = null;
  /** When the scheduled read is due (`now()` clock), or null. */
  private due: number | null = null;
  /** Tickets handed out so far; the newest read holds `issued`. */
  private issued = 0;
  /** The ticket of the newest read whose answer was applied. */
  private applied = 0;
  private disposed = false;

  constructor(private readonly opts: ProgressFeedOptions<T>) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  private setTimer(fn: () => void, ms: number): unknown {
    return this.opts.setTimer ? this.opts.setTimer(fn, ms) : setTimeout(fn, ms);
  }

  private clearTimer(handle: unknown) {
    if (this.opts.clearTimer) this.opts.clearTimer(handle);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }

  /** Reads again within `delay` ms (sharing a read already scheduled by then). */
  request(delay = 0) {
    if (this.disposed) return;
    const due = this.now() + Math.max(0, delay);
    if (this.due !== null) {
      if (this.due <= due) return;
      this.clearTimer(this.timer);
    }
    this.due = due;
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.due = null;
      this.read();
    }, Math.max(0, delay));
  }

  private read() {
    if (this.disposed) return;
    const ticket = ++this.issued;
    let answer: Promise<T>;
    try {
      answer = this.opts.load();
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (value) => {
        if (this.disposed || ticket <= this.applied) return; // a newer read has answered
        this.applied = ticket;
        this.opts.onValue(value);
      },
      (error) => {
        if (!this.disposed && ticket > this.applied) this.opts.onError?.(error);
      },
    );
  }

  /** Stops: the scheduled read is dropped and answers still out are ignored. */
  dispose() {
    this.disposed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.due = null;
  }
}

import type { Writable } from 'node:stream';

/**
 * The one place log text is written. Each write is a run of whole lines, so lines from
 * different streams never interleave. A writer waits while the destination is full (backpressure):
 * its source is not read meanwhile, so nothing piles up in memory.
 */
export class LineSink {
  private waiting?: Promise<void>;
  private closedFlag = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly out: Writable) {
    const close = () => this.markClosed();
    out.once('error', close);
    out.once('close', close);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Runs when the destination goes away (a closed pipe: `mlk logs x | head`). */
  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.closeListeners.push(listener);
  }

  private markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.waiting = undefined;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /**
   * Writes whole lines at once when the destination has room, and returns nothing; otherwise
   * returns a promise of when it can take more (the caller pauses its source until then).
   */
  offer(data: Buffer | string): Promise<void> | undefined {
    if (this.waiting) return this.write(data);
    if (this.closedFlag || data.length === 0) return undefined;
    if (this.out.write(data)) return undefined;
    return this.drained();
  }

  private drained(): Promise<void> {
    this.waiting ??= new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        this.waiting = undefined;
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
    });
    return this.waiting;
  }

  /** Writes whole lines; resolves when the destination can take more. */
  async write(text: Buffer | string): Promise<void> {
    while (this.waiting) await this.waiting;
    if (this.closedFlag || text.length === 0) return;
    if (!this.out.write(text)) await this.drained();
  }
}

// Device events for the dashboard (SSE) are coalesced per device: a device that sends ten
// messages in a window is redrawn once, with its latest view.
import type { Timer } from '../shared/clock.ts';

/** Device events are coalesced per device over this window. */
export const EVENT_COALESCE_MS = 100;

export class DeviceEventCoalescer {
  private readonly due = new Set<string>();
  private timerHandle: unknown = null;

  constructor(
    private readonly timer: Timer,
    /** called with the keys of the devices whose view changed, once per window */
    private readonly emit: (keys: string[]) => void,
  ) {}

  changed(key: string): void {
    this.due.add(key);
    if (this.timerHandle !== null) return;
    this.timerHandle = this.timer.setTimeout(() => this.flush(), EVENT_COALESCE_MS);
    // a pending dashboard event must not keep a stopping process alive
    this.timer.unref?.(this.timerHandle);
  }

  /** Emits what is waiting now (also at stop). */
  flush(): void {
    if (this.timerHandle !== null) this.timer.clearTimeout(this.timerHandle);
    this.timerHandle = null;
    const keys = [...this.due];
    this.due.clear();
    if (keys.length) this.emit(keys);
  }
}

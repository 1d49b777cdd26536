// Recycled per-window buffers. A window's model input (float32, prepare → inference; the raw
// float64 values too where a window stage hands them to normalize) lives only until the next
// stage has copied it; allocating them fresh for every window costs an external backing store each
// and most of the pipeline's GC. The stage that is done with a buffer gives it back, the
// producing stage takes one; a buffer that is never given back (a dropped window, an imputed
// copy) is simply left to the GC, so a missed give() costs an allocation, never correctness.
export class BufferPool<T extends Float32Array | Float64Array> {
  private readonly free: T[] = [];

  /** `make` allocates a buffer of `length` values; at most `max` free buffers are kept */
  constructor(
    private readonly make: (length: number) => T,
    readonly length: number,
    private readonly max = 1024,
  ) {}

  take(): T {
    return this.free.pop() ?? this.make(this.length);
  }

  /** The caller must not touch `buf` afterwards. Buffers of another length are ignored. */
  give(buf: T): void {
    if (buf.length === this.length && this.free.length < this.max) this.free.push(buf);
  }
}

export const float32Pool = (length: number, max?: number): BufferPool<Float32Array> =>
  new BufferPool((n) => new Float32Array(n), length, max);

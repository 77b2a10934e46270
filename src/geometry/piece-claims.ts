/**
 * How the threads of gram-workers.ts share one block of rows. The block is cut into pieces of
 * consecutive rows; the workers claim pieces from the front, the calling thread from the back,
 * until the two meet. A block not in shared memory is copied into it piece by piece, only as far
 * as the workers need: the calling thread keeps a couple of pieces per worker published ahead of
 * their claims and otherwise works on its own pieces in place. So it copies nothing for itself,
 * its copying overlaps the workers' work, and both cores stay busy even when another process
 * holds one of them (whoever is free claims the next piece).
 *
 * The claims live in a shared Int32Array of 2: [0] front | back << 16, [1] pieces published.
 */

/** Pieces per worker kept published ahead of the workers' claims. */
const PUBLISH_AHEAD = 2;

/** A new claims array for {@link claimFront} / {@link shareBlock}. */
export function pieceClaims(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/**
 * A worker's loop: claims pieces from the front, each once it is published, and runs `work` on
 * it, until the front meets the calling thread's claims from the back. Import-free: the workers
 * run its source text.
 */
export function claimFront(claims: Int32Array, work: (piece: number) => void): void {
  for (;;) {
    const state = Atomics.load(claims, 0);
    const front = state & 0xffff;
    if (front >= state >>> 16) return;
    const published = Atomics.load(claims, 1);
    if (front >= published) {
      Atomics.wait(claims, 1, published, 1000);
      continue;
    }
    if (Atomics.compareExchange(claims, 0, state, state + 1) === state) work(front);
  }
}

/**
 * The calling thread's side of one block: resets `claims` for `pieces` pieces of `pieceRows`
 * rows (`cols` values a row), calls `startWorkers(data)` with the rows the workers must read
 * (`source` itself when it is shared or there are no workers, else `staging`, which this fills
 * piece by piece), then publishes and claims from the back (calling `work(source, piece)`, in
 * place) until no piece is left. Resolves once the workers' promises do.
 */
export async function shareBlock<T extends Float32Array | Float64Array>(
  claims: Int32Array,
  workers: number,
  source: T,
  staging: () => T,
  rows: number,
  cols: number,
  pieceRows: number,
  startWorkers: (data: T) => Promise<unknown>[],
  work: (data: T, piece: number) => void,
): Promise<void> {
  const pieces = Math.ceil(rows / pieceRows);
  const inPlace = source.buffer instanceof SharedArrayBuffer || workers === 0;
  const data = inPlace ? source : staging();
  let published = inPlace ? pieces : 0;
  Atomics.store(claims, 0, pieces << 16);
  Atomics.store(claims, 1, published);
  const done = startWorkers(data);
  for (;;) {
    const state = Atomics.load(claims, 0);
    const front = state & 0xffff;
    const back = state >>> 16;
    if (front >= back) break;
    if (published < back && published - front < PUBLISH_AHEAD * workers) {
      // The workers are short of published pieces: copy the next one for them.
      const start = published * pieceRows * cols;
      data.set(source.subarray(start, Math.min(rows * cols, start + pieceRows * cols)), start);
      Atomics.store(claims, 1, ++published);
      Atomics.notify(claims, 1);
    } else if (Atomics.compareExchange(claims, 0, state, state - (1 << 16)) === state) {
      work(source, back - 1);
    }
  }
  await Promise.all(done);
}

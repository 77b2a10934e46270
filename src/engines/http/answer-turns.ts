import { performance } from "node:perf_hooks";

/**
 * Work deferred out of the event loop's I/O phase, a slice at a time.
 *
 * A model server answers in bursts (it finishes a batch at once). Handling each answer in full as
 * it is read (store it, grade it, write the next prompt: about a millisecond in `generate`) held
 * the next answers of the burst unread, and their slots idle, for the whole burst. So the client
 * frees an answer's slot as soon as it is read, and the answer's handling resumes through
 * {@link laterTurn}: in the check phase after the reads, and at most about {@link SLICE_MS} of
 * such handling per turn of the loop before it goes back to read what has arrived since.
 */

/** Handling that may run in one turn of the event loop before the loop polls for I/O again. */
export const SLICE_MS = 0.5;

/** When the current turn's slice began; -1 between slices. */
let sliceStart = -1;

/**
 * Resolves after the I/O callbacks of this turn of the event loop, in a turn whose slice of
 * deferred handling is not spent yet (the first waiter of a turn always runs).
 */
export function laterTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(function whenDue() {
    const now = performance.now();
    if (sliceStart < 0) {
      sliceStart = now;
      // Immediates queued while the check phase runs wait for the next turn: this one ends the
      // slice there, before the waiters re-queued below.
      setImmediate(() => {
        sliceStart = -1;
      });
    } else if (now - sliceStart > SLICE_MS) {
      setImmediate(whenDue);
      return;
    }
    resolve();
  }));
}

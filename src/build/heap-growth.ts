import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A build that renders outputs in bulk (a cold build: every email, page and
 * search shard) keeps about 100 MB alive for 1,000 issues, but its rendered
 * outputs are promoted on their way to disk, and V8, which lets the old
 * generation grow up to four times what survived its last full collection
 * while collecting is fast, let that garbage take the heap to 340 MB. While
 * capped, the heap grows to twice what survived: the cold build peaks about
 * 90 MB lower in the same CPU time. Smaller builds keep V8's own policy,
 * which spends less time collecting a small heap (capped, a cached build
 * spent 0.2 s more). The flag is read at each collection, so it can be set
 * and reset while the process runs.
 */
export class HeapGrowth {
  private capped = false;

  cap(): void {
    if (this.capped) return;
    this.capped = true;
    if (holders++ === 0) {
      setFlagsFromString("--heap-growing-percent=100");
      // V8 sets the heap's next limit at each full collection: until one
      // runs, the limit set under its own policy stands (a build that caps
      // after loading 1,000 issues still grew to 350 MB). One collection
      // now, of what loading left, sets it under the cap.
      collect();
    }
  }

  /** Back to V8's own policy, once no build in this process holds a cap. */
  release(): void {
    if (!this.capped) return;
    this.capped = false;
    if (--holders === 0) setFlagsFromString("--heap-growing-percent=0");
  }
}

/** Builds in this process holding a cap (gazette preview may overlap two). */
let holders = 0;

let gc: (() => void) | undefined;
/** A full collection: V8's gc(), exposed to a context of its own (the flag applies to contexts made after it is set). */
function collect(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

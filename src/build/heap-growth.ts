import { setFlagsFromString } from "node:v8";

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
    if (holders++ === 0) setFlagsFromString("--heap-growing-percent=100");
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

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { ATOM_ENTRY_CONTEXT } from "../render/feeds/atom.ts";
import { slotFormat, type KeptFragments } from "../render/feeds/feed-input.ts";
import { RSS_ITEM_CONTEXT } from "../render/feeds/rss.ts";
import { checkJson, checkXml } from "./check-output.ts";

// The feeds' entries, as each format writes them, kept from one build to
// the next (.gazette/cache/feed-entries.v8). After one edit in a 1,000-issue
// archive, the main feeds and every topic feed that lists the edited issue
// are made again: 40 documents of 20 entries each, nearly all of which are
// the same as before. With their fragments kept, only the edited issue's
// Markdown is rendered, and only its fragments are checked; the rest of each
// document (the channel, without entries) is checked as it is made.
//
// Each fragment is kept under its issue's fingerprint and its slot (the
// format and what of the channel it shows); the file as a whole is stamped
// with what every fragment is also made from (the code version, the web
// templates, the newsletter), and is started afresh when that differs. A
// fragment is kept only once it has passed the check its format has, so
// what the file holds was checked once.

interface Stored {
  stamp: string;
  /** Issue fingerprint → slot → fragment. */
  entries: Map<string, Map<string, string>>;
}

export class FeedFragments {
  /** The entries some feed of this build lists, whether it was made again or linked as it was: the ones kept for the next. */
  private readonly listed = new Map<string, Map<string, string>>();
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly stamp: string,
    private readonly before: Map<string, Map<string, string>>,
  ) {}

  /** The kept fragments under `stamp`; none when the file is missing, unreadable or stamped otherwise. */
  static open(file: string, stamp: string): FeedFragments {
    let before = new Map<string, Map<string, string>>();
    try {
      const stored = deserialize(readFileSync(file)) as Stored;
      if (stored.stamp === stamp && stored.entries instanceof Map) before = stored.entries;
    } catch {
      // none kept yet, or a file from another version of the code: made again
    }
    return new FeedFragments(file, stamp, before);
  }

  /**
   * The fragments of the entry with this fingerprint, which a feed of this
   * build lists (`label` names it in a failed check: the file).
   */
  for(fingerprint: string, label: string): KeptFragments {
    let fragments = this.listed.get(fingerprint);
    if (!fragments) {
      fragments = this.before.get(fingerprint);
      if (!fragments) {
        fragments = new Map<string, string>();
        this.changed = true;
      }
      this.listed.set(fingerprint, fragments);
    }
    const own = fragments;
    return {
      get: (slot) => own.get(slot),
      set: (slot, text) => {
        checkFragment(slot, text, label);
        own.set(slot, text);
        this.changed = true;
      },
      keep: (slot, text) => {
        if (own.get(slot) === text) return;
        own.set(slot, text);
        this.changed = true;
      },
    };
  }

  /** Keeps the fragments of the entries this build's feeds list, and only those, for the next (written whole, then renamed). */
  save(): void {
    // Unchanged unless an entry was added, a fragment made, or an entry is no longer listed.
    if (!this.changed && this.listed.size === this.before.size) return;
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    writeFileSync(tmp, serialize({ stamp: this.stamp, entries: this.listed } satisfies Stored));
    renameSync(tmp, this.file);
  }
}

/** A fragment checked as its document would check it: XML within the elements around it, JSON as a value. */
function checkFragment(slot: string, text: string, label: string): void {
  const format = slotFormat(slot);
  const where = `${label} (its ${format === "json" ? "JSON Feed item" : format === "rss" ? "RSS item" : "Atom entry"})`;
  const context = format === "rss" ? RSS_ITEM_CONTEXT : format === "atom" ? ATOM_ENTRY_CONTEXT : undefined;
  if (context) checkXml(where, `${context.before}${text}${context.after}`);
  else if (format === "json") checkJson(where, text);
}

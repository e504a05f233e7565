import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

// The publish notifications still owed: one per (hub, feed), recorded when
// a build changes a feed and removed once the hub accepted it, so a hub
// that was down hears of the change on the next ping.

const PendingSchema = z.object({ version: z.literal(1), pings: z.array(z.object({ hub: z.string(), feed: z.string() })) });

export type PendingPing = z.infer<typeof PendingSchema>["pings"][number];

export function pendingFile(root: string): string {
  return path.join(root, ".gazette/websub-pending.json");
}

export async function readPending(root: string): Promise<PendingPing[]> {
  const file = pendingFile(root);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const parsed = PendingSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path.relative(process.cwd(), file)}: expected { version: 1, pings: [{ hub, feed }] }; delete it to start afresh`);
  return parsed.data.pings;
}

/** Replaces the record (written beside it, then renamed: never half a file). */
export async function writePending(root: string, pings: PendingPing[]): Promise<void> {
  const file = pendingFile(root);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ version: 1, pings: unique(pings) }, null, 2)}\n`);
  await rename(tmp, file);
}

/** Records a ping to every hub for every feed. */
export async function addPending(root: string, hubs: string[], feeds: string[]): Promise<void> {
  if (hubs.length === 0 || feeds.length === 0) return;
  await writePending(root, [...(await readPending(root)), ...hubs.flatMap((hub) => feeds.map((feed) => ({ hub, feed })))]);
}

function unique(pings: PendingPing[]): PendingPing[] {
  const seen = new Set<string>();
  return pings.filter((p) => {
    const key = `${p.hub}\n${p.feed}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

import path from "node:path";
import { describe, expect, it } from "vitest";
import { beginTogether } from "../src/send/campaign.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "./helpers/project.ts";

// The 'sending' marks of messages in flight share commits: one asked for
// while a commit is on its way goes with the next one, so a busy worker
// commits a batch at a time, and each mark is in the ledger before its
// message is sent.

describe("sending marks committed together", () => {
  it("commits the first mark at once and the ones asked for meanwhile together, each answered as alone", async () => {
    const store = new SqliteStore(path.join(await tempDir(), "data/gazette.sqlite"));
    try {
      const ids: number[] = [];
      for (let i = 0; i < 9; i++) ids.push((await store.addSubscriber({ email: `r${i}@example.org` })).id);
      await store.startCampaign(36, { resendUncertain: false });
      await store.claimRecipients(36, "w", { limit: 8, leaseMs: 60_000 }); // r8 stays unclaimed: another worker's to take
      const commits: number[] = [];
      const counting = { beginAttempts: (...args: Parameters<SqliteStore["beginAttempts"]>) => (commits.push(args[2].length), store.beginAttempts(...args)) };
      const begin = beginTogether(counting, 36, "w");
      const answers = await Promise.all(ids.map((id) => begin(id, `<${id}@x>`, [])));
      expect(answers).toEqual([...Array(8).fill("sending"), "lost"]);
      expect(commits).toEqual([1, 8]);
      expect((await store.countByState(36)).sending).toBe(8);
      // A commit that fails fails every mark it carried, and the next one goes ahead.
      await store.recordOutcomes(ids.slice(0, 8).map((id) => ({ issue: 36, subscriberId: id, state: "accepted" as const, detail: "250 ok" })));
      const failing = { beginAttempts: async () => Promise.reject(new Error("disk full")) };
      const broken = beginTogether(failing, 36, "w");
      await expect(Promise.all([broken(ids[0]!, "<a@x>", []), broken(ids[1]!, "<b@x>", [])])).rejects.toThrow("disk full");
    } finally {
      await store.close();
    }
  });
});

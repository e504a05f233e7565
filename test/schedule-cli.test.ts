import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { formatSendTime } from "../src/send/send-time.ts";
import { CLI, freePort, runCli, startServe } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

// The commands, as the editor runs them: schedule, list, cancel; and the
// real gazette serve and gazette worker --watch processes sending on time.

async function project() {
  const smtp = await startSmtpServer();
  const root = await makeProject("issue-36");
  await build({ root });
  const env = { ...process.env, SMTP_URL: smtp.url, GAZETTE_SCHEDULE_SECONDS: "1", GAZETTE_RETRY_BASE_MS: "5" };
  for (const email of ["a@example.org", "b@example.org"]) expect((await runCli(["subscribers", "add", email], root, env)).status).toBe(0);
  return { smtp, root, env };
}

const waitFor = async (check: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return check();
};

describe("gazette send --at, gazette schedule, and the processes that send on time", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const s of stops.splice(0)) await s();
  });

  it("lists, refuses the past, cancels, and says what it did", async () => {
    const { smtp, root, env } = await project();
    stops.push(() => smtp.close());
    expect((await runCli(["send", "36", "--at", "2020-01-01T09:00"], root, env)).stderr).toMatch(/^gazette: --at: expected a time in the future; 2020-01-01 09:00 \+08:00 has passed/);
    const at = await runCli(["send", "36", "--at", "2099-01-24T09:00"], root, env);
    expect(at.stdout).toMatch(/^scheduled #36 \(《预训练周刊》第36期：谷歌提出梯度最大化增长方法GradMax\) for 2099-01-24 09:00 \+08:00 \(2099-01-24T01:00:00\.000Z\)\n/);
    expect((await runCli(["schedule"], root, env)).stdout).toBe("#36  2099-01-24 09:00 +08:00  scheduled\n");
    expect((await runCli(["schedule", "cancel", "36"], root, env)).stdout).toBe("cancelled the scheduled send of #36\n");
    expect((await runCli(["schedule"], root, env)).stdout).toBe("#36  2099-01-24 09:00 +08:00  cancelled: cancelled with gazette schedule cancel\n");
    expect((await runCli(["schedule", "cancel", "36"], root, env)).stderr).toBe("gazette: #36's schedule is cancelled: there is nothing to cancel\n");
    expect(smtp.accepted).toHaveLength(0);
  });

  it("gazette serve sends a scheduled issue when it falls due", async () => {
    const { smtp, root, env } = await project();
    stops.push(() => smtp.close());
    const server = await startServe(root, await freePort(), env);
    stops.push(server.stop);
    const due = new Date(Date.now() + 12_000);
    expect((await runCli(["send", "36", "--at", due.toISOString().slice(0, 19) + "Z"], root, env)).status).toBe(0);
    expect(await waitFor(() => smtp.accepted.length === 2, 45_000)).toBe(true);
    expect(Math.min(...smtp.accepted.map((m) => m.at))).toBeGreaterThanOrEqual(Math.floor(due.getTime() / 1000) * 1000);
    // The schedule settles just after the last message: look until it has.
    let listed = "";
    for (let i = 0; i < 20 && !listed.includes("sent:"); i++) listed = (await runCli(["schedule"], root, env)).stdout;
    expect(listed).toMatch(new RegExp(`^#36  ${formatSendTime(new Date(Math.floor(due.getTime() / 1000) * 1000), "+08:00").replace(/[+]/g, "\\+")}  sent: sent 2, failed 0`));
  });

  it("gazette worker --watch sends it too, and stops on Ctrl-C", async () => {
    const { smtp, root, env } = await project();
    stops.push(() => smtp.close());
    const worker = spawn(process.execPath, [CLI, "worker", "--watch"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    worker.stdout.on("data", (c: Buffer) => (out += c.toString()));
    worker.stderr.on("data", (c: Buffer) => (out += c.toString()));
    expect(await waitFor(() => out.includes("watching SQLite"), 20_000)).toBe(true);
    const due = new Date(Date.now() + 12_000);
    expect((await runCli(["send", "36", "--at", due.toISOString().slice(0, 19) + "Z"], root, env)).status).toBe(0);
    expect(await waitFor(() => smtp.accepted.length === 2, 45_000)).toBe(true);
    worker.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => worker.once("exit", resolve));
    expect(code).toBe(130);
    expect(out).toContain("scheduled send of #36: sent 2, failed 0");
  });
});

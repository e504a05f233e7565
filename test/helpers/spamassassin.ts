import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface SpamRule {
  name: string;
  points: number;
  /** SpamAssassin's report line, e.g. "BODY: HTML font color similar or identical to background". */
  description: string;
}

export interface SpamReport {
  score: number;
  rules: SpamRule[];
}

/**
 * Scores a message with Debian's spamassassin and its stock rules, offline:
 * -L runs local tests only (no DNS blocklists, no Razor/Pyzor/DCC), Bayes is
 * off (no learned state to make runs differ) and the user preferences live in
 * a temporary HOME. A run that takes over 60 s is killed, so nothing can hang.
 */
export async function scoreMessage(raw: Buffer): Promise<SpamReport> {
  const home = await mkdtemp(path.join(tmpdir(), "gazette-sa-"));
  try {
    const prefs = path.join(home, "user_prefs");
    await writeFile(prefs, "");
    const args = ["-t", "-L", "-p", prefs, "--cf=use_bayes 0", "--cf=bayes_auto_learn 0", "--cf=dns_available no"];
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile("spamassassin", args, { env: { ...process.env, HOME: home }, timeout: 60_000, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
        if (error) reject(new Error(`spamassassin failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      });
      child.stdin!.end(raw);
    });
    return parseReport(out);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The "Content analysis details" table that `spamassassin -t` appends to the message. */
function parseReport(out: string): SpamReport {
  const head = /Content analysis details:\s+\((-?\d+(?:\.\d+)?) points?, [\d.]+ required\)/.exec(out);
  if (!head) throw new Error(`no SpamAssassin report in its output:\n${out.slice(-2000)}`);
  const table = out.slice(head.index).split("\n").slice(1);
  const rules: SpamRule[] = [];
  for (const line of table) {
    const row = /^\s*(-?\d+\.\d+)\s+([A-Z][A-Z0-9_]+)\s+(.*)$/.exec(line);
    if (row) rules.push({ points: Number(row[1]), name: row[2]!, description: row[3]!.trim() });
    else if (/^\s{10,}\S/.test(line) && rules.length > 0) rules[rules.length - 1]!.description += ` ${line.trim()}`;
    else if (rules.length > 0 && line.trim() === "") break;
  }
  return { score: Number(head[1]), rules };
}

import type { Command } from "commander";
import { parseIssueArg } from "./args.ts";
import path from "node:path";
import { readConfig } from "../config.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** gazette feedback import PATH · gazette report [NUMBER] [--json] */
export function registerFeedbackCommands(program: Command, io: Io, rootOf: () => string): void {
  const group = program.command("feedback").description("bounces, complaints and mailed unsubscribes that came back");
  group
    .command("import")
    .description("read delivery status notifications, abuse reports and unsubscribe mails from an .eml file, a Maildir or an mbox")
    .argument("<path>", ".eml file, Maildir (or folder of .eml files), or mbox")
    .action(async (target: string) => {
      const [{ openStore }, { readStoreSecret }, { readMailFiles }, { takeFeedbackMail }] = await Promise.all([
        import("../store/open.ts"),
        import("./secret.ts"),
        import("../feedback/read-mail.ts"),
        import("../feedback/intake-mail.ts"),
      ]);
      const root = rootOf();
      const config = readConfig();
      const store = await openStore(root, config);
      const intake = {
        store: store.feedback,
        secret: await readStoreSecret(root, config, store),
        policy: { softBounceLimit: config.GAZETTE_SOFT_BOUNCE_LIMIT },
        now: () => new Date(),
      };
      const counts = { mails: 0, recorded: 0, duplicates: 0, notUsed: 0 };
      try {
        for await (const mail of readMailFiles(path.resolve(target))) {
          counts.mails++;
          const outcome = await takeFeedbackMail(intake, "import", mail.raw);
          for (const r of outcome.results) {
            if (r.status === "recorded") counts.recorded++;
            else if (r.status === "duplicate") counts.duplicates++;
          }
          if (outcome.results.every((r) => r.status !== "recorded" && r.status !== "duplicate")) counts.notUsed++;
          io.out(`${mail.name}: ${outcome.summary}\n`);
        }
      } finally {
        await store.close();
      }
      io.out(`${counts.mails} mail${counts.mails === 1 ? "" : "s"} read: ${counts.recorded} event${counts.recorded === 1 ? "" : "s"} recorded, ${counts.duplicates} already recorded, ${counts.notUsed} mail${counts.notUsed === 1 ? "" : "s"} with nothing recorded\n`);
    });

  program
    .command("report")
    .description("what became of each issue: recipients, accepted, deferred, rejected, bounces, complaints, unsubscribes, with rates")
    .argument("[number]", "one issue (default: every issue, newest first)", parseIssueArg)
    .option("--json", "machine-readable output")
    .option("--html <file>", "write one self-contained HTML page instead: the list week by week, each issue's funnel, papers by clicks, as charts and tables")
    .option("--weeks", "the list week by week instead: joined, confirmed, left, bounced, complained, confirmed in all")
    .action(async (number: number | undefined, opts: { json?: boolean; html?: string; weeks?: boolean }) => {
      if (opts.html !== undefined) return (await import("./report-html.ts")).writeReportHtml(io, rootOf(), opts.html);
      if (opts.weeks) return (await import("./report-html.ts")).printWeeks(io, rootOf(), !!opts.json);
      const [{ openStore }, report] = await Promise.all([import("../store/open.ts"), import("../feedback/report.ts")]);
      const store = await openStore(rootOf(), readConfig());
      try {
        if (number !== undefined) {
          const one = await store.feedback.issueReport(number);
          if (!one) throw Object.assign(new Error(`issue ${number} has not been sent: no deliveries recorded`), { code: "GAZETTE_NOT_FOUND" });
          const figures = report.withRates(one);
          io.out(opts.json ? `${JSON.stringify(figures, null, 2)}\n` : report.renderIssueReport(figures));
          return;
        }
        const all = (await store.feedback.issueReports()).map(report.withRates);
        if (opts.json) io.out(`${JSON.stringify(all, null, 2)}\n`);
        else io.out(all.length ? report.renderReportTable(all) : "no issue has been sent yet.\n");
      } finally {
        await store.close();
      }
    });
}

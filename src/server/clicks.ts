import type { FastifyInstance, FastifyReply } from "fastify";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ClickStore } from "../store/schedules.ts";

// GET /r/<issue>/<n>: the click-counting redirect (analytics.clicks). It
// goes only to link n of the issue's link table, which the build wrote into
// dist/emails/<issue>.json; any other path is a 404 with no Location, so
// this can never be an open redirect. Only (issue, link, day) counts are
// stored: no IP address, user agent or cookie. What is not counted is still
// redirected: HEAD requests, link scanners by user agent, and bursts (one
// client fetching many links of one issue within seconds, as the scanners
// that mail providers run on every message do). The client's address is
// used for that in memory only, for seconds, and never stored.

/**
 * User agents of the link scanners mail providers and security gateways
 * run on incoming mail, and of generic robots. Their fetches are not reader
 * choices. Lower-case substrings.
 */
export const SCANNER_AGENTS = [
  "bingpreview", // Microsoft Safe Links / Outlook previews
  "safelinks",
  "microsoft office existence discovery",
  "ms-office", // Office's link checks
  "barracuda",
  "proofpoint",
  "mimecast",
  "google-safety",
  "googleimageproxy",
  "google-read-aloud",
  "symantec",
  "forcepoint",
  "sophos",
  "trendmicro",
  "fortiguard",
  "zscaler",
  "messagelabs",
  "cisco",
  "ironport",
  "headlesschrome",
  "phantomjs",
  "python-requests",
  "python-urllib",
  "curl/",
  "wget/",
  "go-http-client",
  "okhttp",
  "java/",
  "libwww",
  "facebookexternalhit",
  "slackbot",
  "twitterbot",
  "discordbot",
  "whatsapp",
  "telegrambot",
  "skypeuripreview",
];
const GENERIC_ROBOT = /bot\b|bot\/|crawl|spider|preview|scan|fetch|monitor|checker|validator|headless|http-?client/i;

/** True when the user agent is a link scanner or a robot, or says nothing at all. */
export function isScanner(userAgent: string | undefined): boolean {
  const ua = (userAgent ?? "").trim().toLowerCase();
  if (ua === "") return true;
  return SCANNER_AGENTS.some((s) => ua.includes(s)) || GENERIC_ROBOT.test(ua);
}

export interface BurstLimit {
  /** This many distinct links of one issue from one client within `windowMs` is a burst. */
  links: number;
  windowMs: number;
  /** After a burst, that client's clicks on that issue are not counted for this long. */
  quietMs: number;
}

export const DEFAULT_BURST: BurstLimit = { links: 4, windowMs: 5000, quietMs: 10 * 60_000 };

export interface ClickDeps {
  store: ClickStore;
  /** The built site: dist/emails/<issue>.json holds each issue's link table. */
  distDir: string;
  burst?: BurstLimit;
  now?: () => Date;
  log?: (line: string) => void;
}

/**
 * Holds each client's clicks on an issue for one window before counting
 * them, so a burst can be told from a reader: a window that reaches
 * `links` distinct links counts nothing, and the client stays uncounted
 * for `quietMs`. A link clicked twice within one window counts once.
 * Bounded: past `maxClients` windows the oldest is counted at once.
 */
export class ClickCounter {
  private readonly windows = new Map<string, { issue: number; links: Set<number>; day: Date; timer: NodeJS.Timeout }>();
  private readonly quiet = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: ClickStore,
    private readonly burst: BurstLimit,
    private readonly log: (line: string) => void,
    private readonly maxClients = 10_000,
  ) {}

  click(client: string, issue: number, link: number, now: Date): void {
    const key = `${issue} ${client}`;
    const until = this.quiet.get(key);
    if (until !== undefined && until > now.getTime()) return;
    if (until !== undefined) this.quiet.delete(key);
    const open = this.windows.get(key);
    if (open) {
      open.links.add(link);
      if (open.links.size >= this.burst.links) {
        clearTimeout(open.timer);
        this.windows.delete(key);
        if (this.quiet.size >= this.maxClients) this.pruneQuiet(now.getTime());
        this.quiet.set(key, now.getTime() + this.burst.quietMs);
      }
      return;
    }
    if (this.windows.size >= this.maxClients) this.flush(this.windows.keys().next().value!);
    const timer = setTimeout(() => this.flush(key), this.burst.windowMs);
    timer.unref();
    this.windows.set(key, { issue, links: new Set([link]), day: now, timer });
  }

  /** Counts every open window now (the server is stopping) and waits for the store. */
  async close(): Promise<void> {
    for (const key of [...this.windows.keys()]) this.flush(key);
    await Promise.all([...this.pending]);
  }

  private flush(key: string): void {
    const window = this.windows.get(key);
    if (!window) return;
    clearTimeout(window.timer);
    this.windows.delete(key);
    for (const link of window.links) {
      const write = this.store.countClick(window.issue, link, window.day).catch((err: Error) => this.log(`cannot count a click on #${window.issue} link ${link}: ${err.message}`));
      this.pending.add(write);
      void write.finally(() => this.pending.delete(write));
    }
  }

  private pruneQuiet(now: number): void {
    for (const [key, until] of this.quiet) if (until <= now) this.quiet.delete(key);
    for (const key of this.quiet.keys()) {
      if (this.quiet.size < this.maxClients) break;
      this.quiet.delete(key);
    }
  }
}

const NUMBER = /^[1-9]\d{0,5}$/;

export function registerClicks(app: FastifyInstance, deps: ClickDeps): void {
  const counter = new ClickCounter(deps.store, deps.burst ?? DEFAULT_BURST, deps.log ?? (() => {}));
  const now = deps.now ?? (() => new Date());
  const emailsDir = path.join(deps.distDir, "emails");
  app.addHook("preClose", async () => counter.close());

  // GET routes answer HEAD too: the same redirect, never counted.
  app.get<{ Params: { issue: string; n: string } }>("/r/:issue/:n", async (req, reply) => {
    const { issue, n } = req.params;
    if (!NUMBER.test(issue) || !NUMBER.test(n)) return notFound(reply);
    const target = (await linkTable(emailsDir, Number(issue)))?.[Number(n) - 1];
    if (target === undefined || !/^https?:\/\//i.test(target)) return notFound(reply);
    if (req.method === "GET" && !isScanner(req.headers["user-agent"])) counter.click(req.ip, Number(issue), Number(n), now());
    return reply
      .code(302)
      .header("Location", target)
      .header("Cache-Control", "no-store")
      .type("text/plain; charset=utf-8")
      .send(`${target}\n`);
  });
}

/** An issue's link table, or undefined when it has none (not built, or built without analytics.clicks). */
async function linkTable(emailsDir: string, issue: number): Promise<string[] | undefined> {
  try {
    const meta = JSON.parse(await readFile(path.join(emailsDir, `${issue}.json`), "utf8")) as { links?: unknown };
    return Array.isArray(meta.links) && meta.links.every((l) => typeof l === "string") ? (meta.links as string[]) : undefined;
  } catch {
    return undefined;
  }
}

function notFound(reply: FastifyReply) {
  return reply.callNotFound();
}

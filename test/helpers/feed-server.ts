import { readFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import path from "node:path";
import { REPO } from "./project.ts";

export const FEEDS = path.join(REPO, "test/fixtures/feeds");

const FILES: Record<string, [file: string, type: string]> = {
  "/arxiv.rdf": ["arxiv-cs-lg.rdf", "application/rdf+xml"],
  "/lab-blog.rss": ["lab-blog.rss", "application/rss+xml; charset=utf-8"],
  "/papers-hub.atom": ["papers-hub.atom", "application/atom+xml"],
  "/zh-digest.xml": ["zh-digest.xml", "application/xml; charset=utf-8"],
  "/broken.xml": ["broken.xml", "application/xml"],
  "/lab-home.html": ["lab-home.html", "text/html; charset=utf-8"],
  "/feeds/relative-links.atom": ["relative-links.atom", "application/atom+xml"],
};

/**
 * A real HTTP server on 127.0.0.1, port 0, serving the fixture feeds and the
 * ways a feed can fail: /slow.xml (answers after `slowMs`), /loop-a ⇄ /loop-b
 * (redirects forever), /huge.xml (6 MB, streamed without a length),
 * /moved.rss (one redirect to the blog feed), anything else 404.
 */
export async function startFeedServer(options: { slowMs?: number } = {}) {
  const slowMs = options.slowMs ?? 3_000;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const fixture = FILES[url.pathname];
    if (fixture) return void sendFile(res, fixture);
    if (url.pathname === "/slow.xml") {
      const timer = setTimeout(() => sendFile(res, FILES["/lab-blog.rss"]!), slowMs);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (url.pathname === "/loop-a" || url.pathname === "/loop-b") {
      res.writeHead(302, { location: url.pathname === "/loop-a" ? "/loop-b" : "/loop-a" }).end();
      return;
    }
    if (url.pathname === "/moved.rss") return void res.writeHead(301, { location: "/lab-blog.rss" }).end();
    if (url.pathname === "/huge.xml") return streamHuge(res);
    res.writeHead(404, { "content-type": "text/plain" }).end("not here");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendFile(res: ServerResponse, [file, type]: [string, string]): void {
  readFile(path.join(FEEDS, file)).then(
    (body) => res.writeHead(200, { "content-type": type }).end(body),
    () => res.writeHead(500).end(),
  );
}

/** 6 MB of a valid-looking feed, 64 KB at a time, until done or the client goes away. */
function streamHuge(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/rss+xml" });
  res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>');
  const chunk = `<item><title>${"x".repeat(65_000)}</title></item>`;
  let sent = 0;
  const next = () => {
    while (!res.destroyed && sent < 96) {
      sent++;
      if (!res.write(chunk)) return void res.once("drain", next);
    }
    if (!res.destroyed) res.end("</channel></rss>");
  };
  next();
}

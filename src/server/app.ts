import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import path from "node:path";

/** Content types a feed reader expects; the static plugin would say application/xml. */
const CONTENT_TYPES: Record<string, string> = {
  "rss.xml": "application/rss+xml; charset=utf-8",
  "atom.xml": "application/atom+xml; charset=utf-8",
  "feed.json": "application/feed+json; charset=utf-8",
};

export interface AppOptions {
  /** The built site. */
  distDir: string;
  logger?: boolean;
}

/**
 * The HTTP app: dist/ as static files with ETag / Last-Modified and 304s
 * for conditional GETs (feed readers poll). Builds never touch a file whose
 * bytes did not change, so validators stay the same across rebuilds.
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 16 * 1024 });
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("Referrer-Policy", "strict-origin-when-cross-origin");
    return payload;
  });
  await app.register(fastifyStatic, {
    root: path.resolve(options.distDir),
    etag: true,
    lastModified: true,
    index: ["index.html"],
    redirect: true,
    setHeaders(reply, filePath) {
      const type = CONTENT_TYPES[path.relative(path.resolve(options.distDir), filePath)];
      if (type) reply.header("Content-Type", type);
      // Revalidate on every poll: cheap with the validators, and never stale.
      reply.header("Cache-Control", "public, max-age=0, must-revalidate");
    },
  });
  return app;
}

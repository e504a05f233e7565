import proxyAddr from "@fastify/proxy-addr";
import type { FastifyRequest } from "fastify";
import { networkInterfaces } from "node:os";

/** Whether a peer address is a proxy whose X-Forwarded-* headers count. */
export type TrustProxy = (address: string, hop: number) => boolean;

/** GAZETTE_TRUST_PROXY as a function: `true` trusts every peer; else a comma-separated list of addresses or CIDR ranges. */
export function trustProxyFn(setting: boolean | string | undefined): TrustProxy {
  if (setting === true) return () => true;
  if (!setting) return () => false;
  return proxyAddr.compile(setting.split(",").map((s) => s.trim()));
}

/**
 * A browser form post from this site. Its Origin (or, failing that, its
 * Referer) must name exactly, scheme, host and port, one of the origins
 * this server answers for:
 *
 * - the configured public URL (GAZETTE_PUBLIC_URL), when there is one;
 * - else, behind a trusted proxy (GAZETTE_TRUST_PROXY) that names the host
 *   it was asked for (X-Forwarded-Host, X-Forwarded-Proto), that origin;
 * - else this server's own listening address: the address it is bound to
 *   (every local interface when bound to all), and `localhost` when it
 *   listens on loopback.
 *
 * Never the request's Host header: a page on a name that resolves to this
 * machine (DNS rebinding) sends a Host and an Origin that agree. An Origin
 * with userinfo, a path, or another scheme than the server's is refused.
 */
export function sameOrigin(req: FastifyRequest, policy: OriginPolicy): boolean {
  const claimed = claimedOrigin(req);
  return claimed !== undefined && allowedOrigins(req, policy).includes(claimed);
}

export interface OriginPolicy {
  /** GAZETTE_PUBLIC_URL's origin, when configured. */
  publicOrigins: readonly string[];
  trustProxy: TrustProxy;
}

/** The origins a form post may come from, for this request. */
export function allowedOrigins(req: FastifyRequest, policy: OriginPolicy): string[] {
  if (policy.publicOrigins.length > 0) return [...policy.publicOrigins];
  const forwarded = proxiedOrigin(req, policy.trustProxy);
  if (forwarded) return [forwarded];
  const scheme = (req.raw.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  const out: string[] = [];
  for (const bound of req.server.addresses()) {
    if (typeof bound === "string") continue; // a Unix socket: no origin
    for (const host of hostsOf(bound.address)) {
      const origin = originOf(`${scheme}://${host.includes(":") ? `[${host}]` : host}:${bound.port}`);
      if (origin && !out.includes(origin)) out.push(origin);
    }
  }
  return out;
}

/** The Origin header as a canonical origin; else the Referer's origin; undefined when neither is a plain http(s) origin. */
function claimedOrigin(req: FastifyRequest): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // A browser sends the serialised origin and nothing else: scheme://host[:port].
    const url = parse(origin);
    return url && url.origin === origin ? url.origin : undefined;
  }
  const referer = req.headers.referer;
  const url = referer === undefined ? undefined : parse(referer);
  return url && url.username === "" && url.password === "" ? url.origin : undefined;
}

/** The origin a trusted proxy says it was asked for; undefined when no trusted proxy named one. */
function proxiedOrigin(req: FastifyRequest, trust: TrustProxy): string | undefined {
  const peer = req.raw.socket?.remoteAddress;
  const named = lastOf(req.headers["x-forwarded-host"]);
  if (peer === undefined || named === undefined || !trust(peer, 0)) return undefined;
  const scheme = lastOf(req.headers["x-forwarded-proto"]) === "https" ? "https" : "http";
  return originOf(`${scheme}://${named}`);
}

/** The last entry of a header a proxy may have appended to. */
function lastOf(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  const last = text?.split(",").pop()?.trim();
  return last ? last : undefined;
}

function hostsOf(address: string): string[] {
  if (address === "0.0.0.0" || address === "::") {
    const all = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && (address === "::" || a.family === "IPv4"))
      .map((a) => a!.address);
    return [...all, "localhost"];
  }
  if (address === "127.0.0.1" || address === "::1") return [address, "localhost"];
  return [address];
}

function parse(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

function originOf(value: string): string | undefined {
  return parse(value)?.origin;
}

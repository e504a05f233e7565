import path from "node:path";
import type { Config } from "../config.ts";
import { readSecret } from "../send/tokens.ts";
import type { Store } from "../store/store.ts";

/**
 * The token secret every link is signed with: GAZETTE_SECRET when set;
 * else, on PostgreSQL, the one in the database (made by the first process
 * that needs it), so every server and worker on every machine agrees;
 * else the file data/secret beside the SQLite database.
 */
export async function readStoreSecret(root: string, config: Pick<Config, "GAZETTE_SECRET" | "GAZETTE_DATA_DIR">, store: Store): Promise<Buffer> {
  if (config.GAZETTE_SECRET) return Buffer.from(config.GAZETTE_SECRET, "utf8");
  if (store.sharedSecret) return store.sharedSecret();
  return readSecret(path.resolve(root, config.GAZETTE_DATA_DIR));
}

import type pg from "pg";
import { StoreError, type TableDump } from "../store.ts";

// gazette db copy's PostgreSQL side: every table of a SQLite store into an
// empty (or, with force, emptied) PostgreSQL database at the same schema
// version, in one transaction, with each table's count checked before the
// commit. A SQLite table or column PostgreSQL does not have stops the copy:
// nothing is left behind silently.

/** Parents before the tables that refer to them; the rest after, by name. */
const ORDER = ["subscribers", "confirmation_mails", "campaigns", "deliveries", "settings"];
const NOT_COPIED = new Set(["schema_migrations"]);

export async function loadTables(client: pg.ClientBase, tables: TableDump[], options: { force: boolean; settings?: Record<string, string> }): Promise<Record<string, number>> {
  const present = await columnsOf(client);
  const dumps = [...tables].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  for (const t of dumps) {
    const target = present.get(t.name);
    if (!target) throw new StoreError("COPY", `table ${t.name} is in the SQLite store but not in PostgreSQL: nothing was copied`);
    const missing = t.columns.filter((c) => !target.has(c));
    if (missing.length > 0) throw new StoreError("COPY", `${t.name}.${missing.join(", ")} is in the SQLite store but not in PostgreSQL: nothing was copied`);
  }
  await client.query("BEGIN");
  try {
    const targets = [...present.keys()].filter((name) => !NOT_COPIED.has(name));
    const filled: string[] = [];
    for (const name of targets) if ((await client.query(`SELECT 1 FROM "${name}" LIMIT 1`)).rowCount) filled.push(name);
    if (filled.length > 0) {
      if (!options.force) throw new StoreError("NOT_EMPTY", `the PostgreSQL database is not empty (${filled.join(", ")} ${filled.length === 1 ? "has" : "have"} rows): add --force to replace what is there`);
      await client.query(`TRUNCATE ${targets.map((n) => `"${n}"`).join(", ")} RESTART IDENTITY CASCADE`);
    }
    const counts: Record<string, number> = {};
    for (const t of dumps) {
      for (const page of t.pages()) await insertPage(client, t.name, t.columns, page);
      const n = Number((await client.query(`SELECT count(*) AS n FROM "${t.name}"`)).rows[0].n);
      if (n !== t.count) throw new StoreError("COPY", `${t.name}: ${t.count} rows in SQLite, ${n} in PostgreSQL after the copy: nothing was copied`);
      counts[t.name] = n;
      // Identity columns go on from the highest id copied.
      if (t.columns.includes("id")) {
        await client.query(
          `SELECT setval(seq, coalesce((SELECT max(id) FROM "${t.name}"), 1), (SELECT max(id) FROM "${t.name}") IS NOT NULL)
             FROM pg_get_serial_sequence($1, 'id') AS seq WHERE seq IS NOT NULL`,
          [t.name],
        );
      }
    }
    for (const [name, value] of Object.entries(options.settings ?? {})) {
      await client.query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2", [name, value]);
    }
    await client.query("COMMIT");
    return counts;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i === -1 ? ORDER.length : i;
}

async function columnsOf(client: pg.ClientBase): Promise<Map<string, Set<string>>> {
  const result = await client.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()",
  );
  const out = new Map<string, Set<string>>();
  for (const r of result.rows) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Set());
    out.get(r.table_name)!.add(r.column_name);
  }
  return out;
}

/** One multi-row INSERT per page (PostgreSQL takes at most 65,535 parameters a statement). */
async function insertPage(client: pg.ClientBase, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const per = Math.max(1, Math.floor(60_000 / columns.length));
  for (let start = 0; start < rows.length; start += per) {
    const chunk = rows.slice(start, start + per);
    const values = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(", ")})`).join(", ");
    await client.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${values}`, chunk.flat());
  }
}

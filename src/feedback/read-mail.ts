import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";

// Mail fetched by other means, for `gazette feedback import`: one .eml
// file, an mbox (messages separated by "From " lines; ">From " unquoted,
// as mboxrd writes it), or a Maildir (its new/ and cur/ folders) or a
// plain folder of .eml files. Messages are yielded one at a time, so a
// large mbox is never held whole.

export interface MailFile {
  /** Where it came from, for messages: "bounces.mbox #3", "Maildir/new/1700000000.M1.host". */
  name: string;
  raw: Buffer;
}

export async function* readMailFiles(target: string): AsyncGenerator<MailFile> {
  const info = await stat(target).catch(() => undefined);
  if (!info) throw Object.assign(new Error(`${target}: no such file or folder`), { code: "GAZETTE_NOT_FOUND" });
  if (info.isDirectory()) {
    const entries = new Set(await readdir(target));
    const folders = entries.has("new") || entries.has("cur") ? ["new", "cur"].filter((f) => entries.has(f)) : ["."];
    for (const folder of folders) {
      const dir = path.join(target, folder);
      const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => e.name).sort();
      for (const name of names) {
        if (folder === "." && !name.endsWith(".eml")) continue;
        yield { name: path.join(path.basename(target), folder === "." ? "" : folder, name), raw: await readFile(path.join(dir, name)) };
      }
    }
    return;
  }
  const head = await readHead(target);
  if (!head.startsWith("From ")) {
    yield { name: path.basename(target), raw: await readFile(target) };
    return;
  }
  yield* readMbox(target);
}

async function* readMbox(file: string): AsyncGenerator<MailFile> {
  // latin1 keeps every byte as one character, so the bytes come back exactly.
  const lines = createInterface({ input: createReadStream(file, { encoding: "latin1" }), crlfDelay: Infinity });
  let current: string[] | undefined;
  let count = 0;
  let previousBlank = true;
  const finish = (): MailFile | undefined => {
    if (!current) return undefined;
    while (current.length > 0 && current[current.length - 1] === "") current.pop(); // the blank line before the next From
    count++;
    return { name: `${path.basename(file)} #${count}`, raw: Buffer.from(`${current.join("\r\n")}\r\n`, "latin1") };
  };
  for await (const line of lines) {
    if (line.startsWith("From ") && previousBlank) {
      const done = finish();
      if (done) yield done;
      current = [];
    } else if (current) {
      current.push(/^>+From /.test(line) ? line.slice(1) : line);
    }
    previousBlank = line === "";
  }
  const last = finish();
  if (last) yield last;
}

async function readHead(file: string): Promise<string> {
  const stream = createReadStream(file, { start: 0, end: 4, encoding: "latin1" });
  let out = "";
  for await (const chunk of stream) out += chunk;
  return out;
}

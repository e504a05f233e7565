// What one FileWriter operation does (see file-writer.js): shared by the
// writer thread and by the build's own thread, which runs the first few.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";

export function run(op) {
  switch (op.op) {
    case "write":
      if (op.tmp === undefined) writeFileSync(op.file, op.body);
      else {
        try {
          writeFileSync(op.tmp, op.body);
          renameSync(op.tmp, op.file);
        } catch (err) {
          rmSync(op.tmp, { force: true });
          throw err;
        }
      }
      return;
    case "mkdir":
      mkdirSync(op.dir, { recursive: true });
      return;
    case "replaceDir":
      rmSync(op.to, { recursive: true, force: true });
      renameSync(op.from, op.to);
      return;
    default:
      throw new Error(`unknown file operation ${op.op}`);
  }
}

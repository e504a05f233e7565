// Loaded with --import into a `gazette build` child: the process kills
// itself with SIGKILL as it places file number GAZETTE_TEST_KILL_AT_FILE of
// the new dist/ (a hard link or a write in the staging tree), so "killed
// while writing" happens at that point every time, however fast the build.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const at = Number(process.env.GAZETTE_TEST_KILL_AT_FILE);
let placed = 0;
const staging = (file) => String(file).includes(".gazette-tmp-");
for (const name of ["linkSync", "writeFileSync", "copyFileSync"]) {
  const original = fs[name];
  fs[name] = function (...args) {
    if (staging(args[1] !== undefined && name !== "writeFileSync" ? args[1] : args[0]) && ++placed === at) process.kill(process.pid, "SIGKILL");
    return original.apply(this, args);
  };
}
syncBuiltinESMExports();

// The Debian packages the tests need (debian-packages.txt) and which of them
// are missing here. Shared by preflight.mjs (npm test) and install.sh (npm run test:all).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export function neededPackages() {
  return readFileSync(new URL("./debian-packages.txt", import.meta.url), "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}

/** The needed packages dpkg does not list as installed; undefined when this is no Debian system. */
export function missingPackages() {
  const needed = neededPackages();
  const result = spawnSync("dpkg-query", ["-W", "-f=${Package} ${db:Status-Abbrev}\\n", ...needed], { encoding: "utf8" });
  if (result.error) return undefined;
  const installed = new Set(
    result.stdout
      .split("\n")
      .filter((line) => /\sii\s*$/.test(line))
      .map((line) => line.split(" ")[0]),
  );
  return needed.filter((p) => !installed.has(p));
}

if (process.argv[2] === "--missing") {
  const missing = missingPackages();
  process.stdout.write(missing === undefined ? "" : missing.join(" "));
}

// npm test's first step: stop at once, in one line, when a Debian package the
// tests need is missing, instead of failing later with a browser's stack trace.
import { missingPackages } from "./packages.mjs";

const missing = missingPackages();
if (missing === undefined) {
  process.stderr.write("npm test: dpkg-query not found, so the Debian packages in test/setup/debian-packages.txt could not be checked; going on\n");
} else if (missing.length > 0) {
  const root = process.getuid?.() === 0;
  process.stderr.write(
    `npm test: missing Debian package${missing.length === 1 ? "" : "s"} ${missing.join(", ")}: ` +
      `${root ? "run" : "as root, run"} \`npm run test:all\`, which installs ${missing.length === 1 ? "it" : "them"}, or ` +
      `\`apt-get install ${missing.join(" ")}\`\n`,
  );
  process.exit(1);
}

// Loaded with --import before the CLI: on exit, writes the process's peak
// resident memory (worker threads included) to stderr as a JSON line.
process.on("exit", () => {
  process.stderr.write(`\n${JSON.stringify({ maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
});

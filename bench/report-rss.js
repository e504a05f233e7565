// Loaded with --import before the CLI: on exit, writes the process's peak
// resident memory and CPU time (worker threads included) to stderr as a
// JSON line.
process.on("exit", () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\n${JSON.stringify({ maxRssMb: Math.round(usage.maxRSS / 1024), cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) })}\n`);
});

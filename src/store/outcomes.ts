/**
 * Failures by reason from ledger rows (rejected, or deferred and given
 * up on), as a report shows them: the reason is what the row's error says
 * before the first ": " (the relay's code, "550 5.1.1", or "ECONNRESET").
 * Pure: both backends feed it their rows.
 */
export function failureSummary(rows: { state: string; error: string | null; status: string }[]): { failures: Record<string, number>; bounced: number } {
  const failures: Record<string, number> = {};
  let bounced = 0;
  for (const row of rows) {
    const reason = (row.error ?? "unknown").split(": ")[0]!;
    failures[reason] = (failures[reason] ?? 0) + 1;
    if (row.state === "rejected" && row.status === "bounced") bounced++;
  }
  return { failures, bounced };
}

import { InvalidArgumentError } from "commander";

/** A command's <number> argument: digits only, as an issue's number is written. */
export function parseIssueArg(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected an issue number such as 36");
  return Number(value);
}

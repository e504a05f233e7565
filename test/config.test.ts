import { describe, expect, it } from "vitest";
import { linkBase, readConfig } from "../src/config.ts";

describe("configuration from the environment", () => {
  it("takes an empty value as unset, for numbers as for text", () => {
    const config = readConfig({ PORT: "", GAZETTE_RETRY_BASE_MS: " ", SMTP_POOL_SIZE: "", SMTP_URL: "" });
    expect(config).toMatchObject({ PORT: 8080, GAZETTE_RETRY_BASE_MS: 2000, SMTP_POOL_SIZE: 8, SMTP_URL: undefined });
  });

  it.each([
    [{ SMTP_URL: "smtp://mail.example.org:99999" }, "SMTP_URL: expected smtp://user:pass@host:587 or smtps://…"],
    [{ SMTP_URL: "http://mail.example.org" }, "SMTP_URL: expected smtp://user:pass@host:587 or smtps://…"],
    [{ GAZETTE_PUBLIC_URL: "https://news example.org/" }, "GAZETTE_PUBLIC_URL: expected an absolute http(s) URL"],
    [{ PORT: "abc" }, 'PORT: expected a whole number from 0 to 65535, received "abc"'],
    [{ PORT: "70000" }, 'PORT: expected a whole number from 0 to 65535, received "70000"'],
    [{ PORT: "80.5" }, 'PORT: expected a whole number from 0 to 65535, received "80.5"'],
    [{ PORT: "0x50" }, 'PORT: expected a whole number from 0 to 65535, received "0x50"'],
    [{ SMTP_POOL_SIZE: "0" }, 'SMTP_POOL_SIZE: expected a whole number from 1 to 64, received "0"'],
    [{ SMTP_RATE: "fast" }, 'SMTP_RATE: expected a number of 0 or more, received "fast"'],
    [{ GAZETTE_RETRY_BASE_MS: "-1" }, 'GAZETTE_RETRY_BASE_MS: expected a whole number of 0 or more, received "-1"'],
    [{ GAZETTE_CONFIRM_HOURS: "1000" }, 'GAZETTE_CONFIRM_HOURS: expected a number from 0.01 to 720, received "1000"'],
    [{ GAZETTE_SIGNUPS_PER_CLIENT: "ten" }, 'GAZETTE_SIGNUPS_PER_CLIENT: expected a whole number of 1 or more, received "ten"'],
  ])("names the variable, what it must be and what it was when a value is wrong: %o", (env, message) => {
    expect(messageOf(() => readConfig(env))).toBe(`invalid environment: ${message}`);
  });

  it("lists every wrong variable at once", () => {
    expect(messageOf(() => readConfig({ PORT: "abc", SMTP_RATE: "-2" }))).toBe(
      'invalid environment: PORT: expected a whole number from 0 to 65535, received "abc"; SMTP_RATE: expected a number of 0 or more, received "-2"',
    );
  });

  it("takes a rate under one message a second", () => {
    expect(readConfig({ SMTP_RATE: "0.5" }).SMTP_RATE).toBe(0.5);
  });

  it("points mailed links at the public URL, else this machine's server for the outbox, else base_url", () => {
    const base = "https://news.example.org/weekly/";
    expect(linkBase(readConfig({ GAZETTE_PUBLIC_URL: "https://mail-links.example.org" }), base)).toBe("https://mail-links.example.org/");
    expect(linkBase(readConfig({}), base)).toBe("http://127.0.0.1:8080/");
    expect(linkBase(readConfig({ HOST: "0.0.0.0", PORT: "9000" }), base)).toBe("http://127.0.0.1:9000/");
    expect(linkBase(readConfig({}), base, "http://127.0.0.1:41234")).toBe("http://127.0.0.1:41234/");
    expect(linkBase(readConfig({ SMTP_URL: "smtp://mail.example.org:587" }), base)).toBe(base);
  });
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return "(no error)";
}

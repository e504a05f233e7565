import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../src/content/load.ts";
import { parseIssue, parseNewsletter } from "../src/content/parse.ts";
import { ContentError, formatProblems } from "../src/errors.ts";
import { invalidFixture, makeProject, REPO } from "./helpers/project.ts";

interface Facts {
  title: string;
  contributors: string[];
  papers: number;
  links: number;
  sections: { title: string; items: { heading: string; authors: string; links: { label: string; url: string }[]; summary: { sha256: string; chars: number } }[] }[];
}

async function problemsOf(files: Record<string, string>): Promise<string> {
  const root = await makeProject("issue-36", files);
  try {
    await loadContent(root);
  } catch (err) {
    expect(err).toBeInstanceOf(ContentError);
    return formatProblems((err as ContentError).problems);
  }
  throw new Error("expected the content to be rejected");
}

describe("issue 36 of the pre-training weekly", () => {
  it("has the lead, the contributors, eleven papers and one research-news item", async () => {
    const { issues, warnings } = await loadContent(REPO);
    expect(warnings).toEqual([]);
    const issue = issues.find((i) => i.number === 36)!;
    expect(issue.title).toBe("谷歌提出梯度最大化增长方法GradMax");
    expect(issue.contributors).toEqual(["申德周", "翟珂", "吴新刚"]);
    expect(issue.sections.map((s) => [s.title, s.items.length])).toEqual([
      ["论文推荐", 11],
      ["研究动态", 1],
    ]);
    expect(issue.lead.split("\n\n")).toHaveLength(2);
    expect(issue.lead).toMatch(/^本期周刊,我们选择了11篇预训练相关的论文/);
    const meta = issue.sections[0]!.items[1]!;
    expect(meta).toMatchObject({ institutions: ["Meta"], authors: ["Mikel Artetxe", "Ves Stoyanov"], et_al: true });
    expect(meta.translation).toBe("混合专家的高效大规模语言建模");
  });

  it("carries every heading, author, link and summary of the page it was transcribed from, and no image file names", async () => {
    // The facts were read once from that page; the page itself is not part of the repository.
    const facts = JSON.parse(await readFile(path.join(REPO, "test/fixtures/issue-036-facts.json"), "utf8")) as Facts;
    const { issues } = await loadContent(REPO);
    const issue = issues.find((i) => i.number === 36)!;
    expect([issue.title, issue.contributors]).toEqual([facts.title, facts.contributors]);
    expect(issue.sections.map((s) => [s.title, s.items.length])).toEqual(facts.sections.map((s) => [s.title, s.items.length]));
    const kinds: Record<string, "code" | "paper" | "hub"> = { 代码下载: "code", 论文地址: "paper", 论文下载: "paper", Hub地址: "hub" };
    facts.sections.forEach((section, s) => {
      section.items.forEach((fact, i) => {
        const item = issue.sections[s]!.items[i]!;
        const where = `sections[${s}].items[${i}]`;
        expect(`${where} ${fact.heading}`).toContain(item.title);
        expect(`${where} ${fact.heading}`).toContain(item.translation!);
        for (const institution of item.institutions) expect(`${where} ${fact.heading}`).toContain(institution);
        for (const author of item.authors) expect(`${where} ${fact.authors}`).toContain(author);
        expect({ where, links: item.links }).toEqual({ where, links: Object.fromEntries(fact.links.map((l) => [kinds[l.label], l.url])) });
        const summary = item.summary.trim();
        expect({ where, sha256: createHash("sha256").update(summary).digest("hex"), chars: [...summary].length }).toEqual({ where, sha256: fact.summary.sha256, chars: fact.summary.chars });
      });
    });
    const links = issue.sections.flatMap((s) => s.items).flatMap((i) => [i.links.code, i.links.paper, i.links.hub].filter(Boolean));
    expect([issue.sections.flatMap((s) => s.items).length, links.length]).toEqual([facts.papers, facts.links]);
    const text = await readFile(path.join(REPO, "content/issues/036.md"), "utf8");
    expect(text).not.toMatch(/\.png/);
    expect(text).not.toContain("二维码加入预训练群(备注");
  });
});

describe("gazette check errors name the file, the field, the line, what was expected and what was found", () => {
  const cases: [string, string][] = [
    [
      "yaml-syntax.md",
      `content/issues/yaml-syntax.md: 1 problem
  line 4  expected valid YAML: Missing closing " quote`,
    ],
    [
      "missing-fields.md",
      `content/issues/missing-fields.md: 3 problems
  line 2  title: missing; expected a non-empty string
  line 8  sections[0].items[0].summary: expected a non-empty string, received ""
  line 9  sections[0].items[1].title: missing; expected a non-empty string`,
    ],
    [
      "unknown-key.md",
      `content/issues/unknown-key.md: 2 problems
  line 9   sections[0].items[0].autors: unknown key "autors"; did you mean "authors"?
  line 13  sections[0].items[0].links.slides: unknown key "slides"; expected one of: code, paper, hub, other`,
    ],
    [
      "bad-dates.md",
      `content/issues/bad-dates.md: 2 problems
  line 3  date: expected a date as YYYY-MM-DD (or an RFC 3339 date-time such as 2022-01-17T09:00:00+08:00), received "1月14日"
  line 4  updated: expected a day that exists: February 2022 has 28 days, received "2022-02-30"`,
    ],
    [
      "bad-urls.md",
      `content/issues/bad-urls.md: 3 problems
  line 11  sections[0].items[0].links.paper: expected an absolute http(s) URL, received "arxiv.org/abs/2201.05125"
  line 12  sections[0].items[0].links.code: expected an absolute http(s) URL, received "ftp://example.org/code.tar.gz"
  line 18  sections[0].items[1].links.other[0].url: expected an absolute http(s) URL, received "/slides/2.pdf"`,
    ],
    [
      "wrong-types.md",
      `content/issues/wrong-types.md: 3 problems
  line 2   number: expected a whole number such as 36, received "thirty-six"
  line 5   draft: expected true or false, received "yes"
  line 10  sections[0].items[0].authors: expected a list of strings, received "Ada Lovelace, Alan Turing"`,
    ],
    [
      "no-front-matter.md",
      `content/issues/no-front-matter.md: 1 problem
  line 1  expected the file to start with a "---" line that opens the YAML front matter`,
    ],
    [
      "empty-sections.md",
      `content/issues/empty-sections.md: 1 problem
  line 5  sections: expected at least one section, received a list of 0`,
    ],
    [
      "tab-indent.md",
      `content/issues/tab-indent.md: 1 problem
  line 6  expected indentation with spaces: YAML does not allow tabs there; the 3 later YAML errors follow from it`,
    ],
    [
      "unclosed-front-matter.md",
      `content/issues/unclosed-front-matter.md: 1 problem
  line 1  expected a second "---" line that closes the YAML front matter opened here; none follows`,
    ],
    [
      "duplicate-number.md",
      `content/issues/duplicate-number.md: 1 problem
  line 2  number: expected a number no other issue has; content/issues/036.md has it too, received 36`,
    ],
  ];

  it.each(cases)("%s", async (name, expected) => {
    expect(await problemsOf({ [name]: await invalidFixture(name) })).toBe(expected);
  });

  it("reports every problem in every file at once", async () => {
    const files: Record<string, string> = {};
    for (const name of ["bad-urls.md", "unknown-key.md", "wrong-types.md"]) files[name] = await invalidFixture(name);
    const text = await problemsOf(files);
    expect(text.match(/^content\/issues\/[^:]+: \d problems$/gm)).toEqual([
      "content/issues/bad-urls.md: 3 problems",
      "content/issues/unknown-key.md: 2 problems",
      "content/issues/wrong-types.md: 3 problems",
    ]);
  });

  it("rejects two issues with the same slug", async () => {
    const issue = (n: number) => `---\nnumber: ${n}\nslug: same\ndate: 2022-02-0${n}\ntitle: T\nsections:\n  - title: S\n    items:\n      - title: I\n        summary: S.\n---\n`;
    expect(await problemsOf({ "a.md": issue(1), "b.md": issue(2) })).toBe(
      `content/issues/b.md: 1 problem
  line 3  slug: expected a slug no other issue has; content/issues/a.md has it too, received "same"`,
    );
  });

  it("checks newsletter.yaml the same way", () => {
    const result = parseNewsletter(
      "title: T\ndescription: D\nlanguage: 中文\nbase_url: example.org\nid: weekly\neditor: { name: E }\nsender: { name: S, email: not-an-address }\n",
      "content/newsletter.yaml",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblems(result.problems)).toBe(`content/newsletter.yaml: 4 problems
  line 3  language: expected a BCP 47 language tag such as zh-CN or en, received "中文"
  line 4  base_url: expected an absolute http(s) URL, received "example.org"
  line 5  id: expected a tag: URI such as tag:example.org,2022:weekly, or an absolute http(s) URL, received "weekly"
  line 7  sender.email: expected an email address such as editor@example.org, received "not-an-address"`);
  });
});

describe("sources in newsletter.yaml", () => {
  const base = "title: T\ndescription: D\nlanguage: en\nbase_url: https://example.org/\nid: tag:example.org,2022:w\neditor: { name: E }\nsender: { name: S, email: s@example.org }\n";

  it("are feeds, each with an optional section and limit", () => {
    const result = parseNewsletter(`${base}sources:\n  - url: https://export.arxiv.org/rss/cs.CL\n    section: Papers\n    limit: 10\n  - url: https://lab.example.org/feed.xml\n`, "content/newsletter.yaml");
    expect(result.ok && result.value.sources).toEqual([{ url: "https://export.arxiv.org/rss/cs.CL", section: "Papers", limit: 10 }, { url: "https://lab.example.org/feed.xml" }]);
  });

  it("are checked like every other field, with lines", () => {
    const result = parseNewsletter(`${base}sources:\n  - url: export.arxiv.org/rss/cs.CL\n    limit: 0\n  - url: https://lab.example.org/feed.xml\n    secton: News\n`, "content/newsletter.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblems(result.problems)).toBe(`content/newsletter.yaml: 3 problems
  line 9   sources[0].url: expected an absolute http(s) URL, received "export.arxiv.org/rss/cs.CL"
  line 10  sources[0].limit: expected a whole number from 1 up, received 0
  line 12  sources[1].secton: unknown key "secton"; did you mean "section"?`);
  });
});

describe("characters XML cannot carry", () => {
  it("are stripped with a warning naming the line, whether raw or written as YAML escapes", () => {
    const text = '---\nnumber: 1\ndate: 2022-01-01\ntitle: "Bell \\u0007 here"\nsections:\n  - title: S\n    items:\n      - title: I\n        summary: raw \u0001 control\n---\nLead \u001b.\n';
    const result = parseIssue(text, "content/issues/001.md", { utc_offset: "+00:00" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.title).toBe("Bell  here");
    expect(result.value.sections[0]!.items[0]!.summary).toBe("raw  control");
    expect(result.value.lead).toBe("Lead .");
    expect(formatProblems(result.warnings, "warning")).toBe(`content/issues/001.md: 3 warnings
  line 4   title: removed 1 character that XML cannot carry (U+0007)
  line 9   removed 1 character that XML cannot carry (U+0001)
  line 11  removed 1 character that XML cannot carry (U+001B)`);
  });
});

describe("dates", () => {
  it("read a bare date as midnight at the newsletter's UTC offset, and keep explicit times", () => {
    const text = (date: string) => `---\nnumber: 1\ndate: ${date}\ntitle: T\nsections:\n  - title: S\n    items:\n      - title: I\n        summary: S.\n---\n`;
    const bare = parseIssue(text("2022-01-17"), "f.md", { utc_offset: "+08:00" });
    const timed = parseIssue(text("2022-01-17T09:30:00-05:00"), "f.md", { utc_offset: "+08:00" });
    expect(bare.ok && bare.value.date.toISOString()).toBe("2022-01-16T16:00:00.000Z");
    expect(timed.ok && timed.value.date.toISOString()).toBe("2022-01-17T14:30:00.000Z");
  });

  it("say a well-formed date that does not exist is not in its month, not that it should be YYYY-MM-DD", () => {
    const problem = (date: string) => {
      const parsed = parseIssue(`---\nnumber: 1\ndate: "${date}"\ntitle: T\nsections:\n  - title: S\n    items:\n      - title: I\n        summary: S.\n---\n`, "f.md", { utc_offset: "+08:00" });
      return parsed.ok ? "ok" : formatProblems(parsed.problems);
    };
    expect(problem("2024-02-29")).toBe("ok");
    expect(problem("2023-02-29")).toBe('f.md: 1 problem\n  line 3  date: expected a day that exists: February 2023 has 28 days, received "2023-02-29"');
    expect(problem("2022-04-31T09:00:00+08:00")).toBe('f.md: 1 problem\n  line 3  date: expected a day that exists: April 2022 has 30 days, received "2022-04-31T09:00:00+08:00"');
    expect(problem("2022-13-01")).toBe('f.md: 1 problem\n  line 3  date: expected a month from 01 to 12, received "2022-13-01"');
    expect(problem("2022-01-17T24:00:00Z")).toBe('f.md: 1 problem\n  line 3  date: expected a time of day from 00:00 to 23:59:59, received "2022-01-17T24:00:00Z"');
  });
});

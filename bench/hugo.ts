import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadContent } from "../src/content/load.ts";
import type { Issue } from "../src/model/issue.ts";

// The same archive for Hugo (Debian's `hugo`), the static site generator
// people compare with: every synthetic issue as a Hugo page holding the
// same text (lead, then each item's institutions, titles, authors, summary
// and links as Markdown), an index of every issue, prev/next links and the
// home page's RSS of the newest 20. Pages and RSS only: no email, no JSON
// Feed, no Atom. Built by a fresh `hugo` process each time.

export function hugoVersion(): string | undefined {
  const probe = spawnSync("hugo", ["version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

const CONFIG = `baseURL = "https://pretraining-weekly.example.org/"
languageCode = "zh-CN"
title = "预训练周刊"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
rssLimit = 20
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
page = ["HTML"]
`;

const LAYOUTS: Record<string, string> = {
  "_default/baseof.html": `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}"></head>
<body><header><a href="{{ "" | relURL }}">{{ .Site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>`,
  "_default/single.html": `{{ define "main" }}<article><h1>{{ .Title }}</h1><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006-01-02" }}</time>
{{ .Content }}</article><nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }} {{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>{{ end }}`,
  "_default/list.html": `{{ define "main" }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}`,
  "index.html": `{{ define "main" }}<ul>{{ range (where .Site.RegularPages "Section" "issues") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}`,
};

/** Writes the Hugo site for the Gazette project at `gazetteRoot` into `hugoRoot`. */
export async function writeHugoSite(gazetteRoot: string, hugoRoot: string): Promise<void> {
  const { issues } = await loadContent(gazetteRoot);
  await mkdir(path.join(hugoRoot, "content/issues"), { recursive: true });
  await writeFile(path.join(hugoRoot, "hugo.toml"), CONFIG);
  for (const [file, text] of Object.entries(LAYOUTS)) {
    await mkdir(path.dirname(path.join(hugoRoot, "layouts", file)), { recursive: true });
    await writeFile(path.join(hugoRoot, "layouts", file), text);
  }
  await Promise.all(issues.map((issue) => writeHugoIssue(hugoRoot, issue)));
}

/** One issue as a Hugo page; the file the bench edits when it edits this issue in Gazette. */
export function hugoIssueFile(hugoRoot: string, number: number): string {
  return path.join(hugoRoot, "content/issues", `${String(number).padStart(4, "0")}.md`);
}

export async function writeHugoIssue(hugoRoot: string, issue: Issue): Promise<void> {
  const date = issue.date.toISOString();
  const body: string[] = [issue.lead];
  for (const section of issue.sections) {
    body.push(`## ${section.title}`);
    for (const item of section.items) {
      body.push(
        `### ${item.title}`,
        [item.institutions.join("、"), item.translation, item.authors.join(", ")].filter(Boolean).join("  \n"),
        item.summary,
        Object.entries(item.links)
          .flatMap(([kind, url]) => (Array.isArray(url) ? url.map((o) => `[${o.label}](${o.url})`) : [`[${kind}](${url})`]))
          .join(" · "),
      );
    }
  }
  const front = `---\ntitle: ${JSON.stringify(issue.title)}\ndate: ${date}\nslug: "${issue.number}"\n---\n`;
  await writeFile(hugoIssueFile(hugoRoot, issue.number), `${front}${body.join("\n\n")}\n`);
}

import { describe, expect, it } from "vitest";
import path from "node:path";
import { loadContent } from "../src/content/load.ts";
import { renderIssueSearchDocuments } from "../src/render/search-documents.ts";
import { planSite } from "../src/render/site.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

// The search documents are made from the issue and its headings, not from
// the full view the issue page shows: what a result says and where it
// links must still be what the page says and the anchor it has.
describe("search documents of issue 36", async () => {
  const content = await loadContent(ROOT);
  const planned = planSite(content.newsletter, content.issues);
  const p = planned.find((x) => x.issue.number === 36)!;
  const docs = renderIssueSearchDocuments(p, content.newsletter);
  const view = p.view();
  const items = view.sections.flatMap((s) => s.items);

  it("has one document per paper, in the page's order, linking to the paper's anchor on the page", () => {
    expect(docs).toHaveLength(items.length);
    expect(docs.map((d) => d.url)).toEqual(items.map((item) => `/issues/36/#${item.anchor}`));
    expect(docs[3]!.url).toBe("/issues/36/#gradmax-growing-neural-networks-using-gradient-information");
  });

  it("says of each paper what its page says: title, translation, institutions, authors with 等", () => {
    expect(docs.map((d) => [d.title, d.translation, d.institutions, d.authors])).toEqual(items.map((i) => [i.title, i.translation ?? "", i.institutions, i.authors]));
    expect(docs[1]!.authors).toBe("Mikel Artetxe, Ves Stoyanov等");
    expect(docs[0]!.issue).toBe(`${view.numberLabel} · ${view.dateText}`);
  });

  it("gives the issue's title to the one paper it names (GradMax), and plain text for summaries", () => {
    expect(docs.filter((d) => d.headline !== "").map((d) => [d.title, d.headline])).toEqual([["GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION", "谷歌提出梯度最大化增长方法GradMax"]]);
    expect(docs[3]!.summary).toContain("梯度最大化增长(GradMax)");
    expect(docs.some((d) => /[*_`[\]]/.test(d.summary))).toBe(false);
  });

  it("makes none for a draft", () => {
    const draft = planSite(content.newsletter, [{ ...p.issue, draft: true }])[0]!;
    expect(renderIssueSearchDocuments(draft, content.newsletter)).toEqual([]);
  });
});

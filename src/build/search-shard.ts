import { pathToFileURL } from "node:url";
import { packagePath } from "../paths.ts";
import type { SearchDocument } from "../render/search-documents.ts";

/**
 * The files of one shard of the search index, as assets/search.js reads them:
 *
 * - `shard.json`: `{ docs, buckets, lengths, issues }`: how many papers, how
 *   many term files, each paper's length in terms (for ranking), and the
 *   issues in order as `[number, papers]`, so paper d of the shard is found
 *   in its issue's file;
 * - `terms-<b>.json`: `{ term: "…" }` for the terms whose first character
 *   falls in bucket b (bucketOf in search-terms.js; a query's prefix is in
 *   the same file as every term it begins): the term's papers as numbers,
 *   paper, weight, paper, weight, …, each paper as its gap from the one
 *   before, in order, written by encodeNumbers (search-terms.js);
 * - `issue-<number>.json`: the issue's papers as their results show them:
 *   `[{ url, title, translation, issue, text }]`, fetched for the results
 *   shown only.
 *
 * A term's weight in a paper adds up where it occurs: the title counts most,
 * then the translation and the issue's headline, then the rest. Pure: the
 * same documents give the same bytes.
 */
export async function shardFiles(issues: Array<{ number: number; documents: SearchDocument[] }>): Promise<{ files: Map<string, string>; documents: number }> {
  const { scanTerms, bucketOf, encodeNumbers } = await termsModule();
  // Each term gets a number when first seen; a paper's weights are summed
  // in a column by term number, and the terms it has are listed as they
  // are first met in it. (A map per paper, made and walked again for each
  // of 30,000 papers, was most of what indexing 1,000 issues cost.)
  const termIds = new Map<string, number>();
  const postings: number[][] = [];
  const weightOf: number[] = [];
  const lastDoc: number[] = [];
  const lengths: number[] = [];
  const files = new Map<string, string>();
  let doc = 0;
  for (const { number, documents } of issues) {
    for (const d of documents) {
      const inDoc: number[] = [];
      let length = 0;
      for (const [text, weight] of fieldsOf(d)) {
        scanTerms(text, (term) => {
          let id = termIds.get(term);
          if (id === undefined) {
            id = postings.length;
            termIds.set(term, id);
            postings.push([]);
            lastDoc.push(-1);
            weightOf.push(0);
          }
          if (lastDoc[id] !== doc) {
            lastDoc[id] = doc;
            weightOf[id] = weight;
            inDoc.push(id);
          } else weightOf[id]! += weight;
          length++;
        });
      }
      for (const id of inDoc) postings[id]!.push(doc, weightOf[id]!);
      lengths.push(length);
      doc++;
    }
    files.set(`issue-${number}.json`, JSON.stringify(documents.map((d) => ({ url: d.url, title: d.title, translation: d.translation, issue: d.issue, text: resultText(d) }))));
  }
  const buckets = bucketCount(doc);
  const byBucket = Array.from({ length: buckets }, () => [] as string[]);
  for (const term of [...termIds.keys()].sort()) byBucket[bucketOf(term, buckets)]!.push(term);
  for (const [b, terms] of byBucket.entries()) {
    const entries = terms.map((term) => `${JSON.stringify(term)}:"${encodeNumbers(gaps(postings[termIds.get(term)!]!))}"`);
    files.set(`terms-${b}.json`, `{${entries.join(",")}}`);
  }
  files.set("shard.json", JSON.stringify({ docs: doc, buckets, lengths, issues: issues.map((i) => [i.number, i.documents.length]) }));
  return { files, documents: doc };
}

/** What a paper is found by, and how much each counts. */
function fieldsOf(d: SearchDocument): Array<[string, number]> {
  return [
    [d.title, 6],
    [d.translation, 4],
    [d.headline, 3],
    [d.issue, 1],
    [d.institutions, 1],
    [d.authors, 1],
    [d.summary, 1],
  ];
}

/** The text a result's excerpt is cut from: the summary, after who wrote it. */
function resultText(d: SearchDocument): string {
  return [d.institutions, d.authors, d.summary].filter((t) => t !== "").join(" · ");
}

/** Term files in a shard: about 24 papers' worth of terms each, a power of two, 64 at most. */
export function bucketCount(docs: number): number {
  let buckets = 1;
  while (buckets < 64 && buckets * 24 < docs) buckets *= 2;
  return buckets;
}

/** [paper, weight, …] with each paper as its gap from the one before. */
function gaps(list: number[]): number[] {
  const out = list.slice();
  for (let i = out.length - 2; i >= 2; i -= 2) out[i] = out[i]! - out[i - 2]!;
  return out;
}

type TermsModule = typeof import("../render/web/templates/search-terms.js");

let loaded: Promise<TermsModule> | undefined;
/** search-terms.js, the very file the search page loads: the index is cut into terms as the query is. */
function termsModule(): Promise<TermsModule> {
  loaded ??= import(pathToFileURL(packagePath("src/render/web/templates/search-terms.js")).href) as Promise<TermsModule>;
  return loaded;
}

// The archive's search page: runs the query in ?q= (and each one typed)
// against the index in search-index/, and lists one result per paper.
// The index comes in shards (search-index/shards.json lists their folders,
// oldest first); a query reads, from each, the term files its terms are in
// (see src/build/search-shard.ts for what a shard holds), ranks the papers
// that have every term (BM25 over the whole archive), and fetches the
// issue files of the results it shows. The query is cut into terms by
// search-terms.js, the module the build cut the papers with.
// Served as a file: the pages allow no inline script. Every string from the
// index is put in as text.

import { bucketOf, decodeNumbers, queryTerms, scanTerms } from "./search-terms.js";

const section = document.getElementById("search");
const root = new URL(section.dataset.root, document.baseURI);
const form = section.querySelector("form");
const input = section.querySelector("input[name=q]");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");

/** Results shown; the status counts them all. */
const SHOWN = 30;
/** Characters of an excerpt, and how many come before its first match. */
const EXCERPT = 160;
const LEAD = 40;
/** BM25's usual constants. */
const K1 = 1.2;
const B = 0.75;

const fetched = new Map();
function json(relative) {
  let answer = fetched.get(relative);
  if (!answer) {
    answer = fetch(new URL(`search-index/${relative}`, root)).then((response) => {
      if (!response.ok) throw new Error(`search-index/${relative}: HTTP ${response.status}`);
      return response.json();
    });
    fetched.set(relative, answer);
    answer.catch(() => fetched.delete(relative));
  }
  return answer;
}

let loading;
function shards() {
  loading ??= (async () => {
    const folders = await json("shards.json");
    const metas = await Promise.all(folders.map((folder) => json(`${folder}shard.json`)));
    const docs = metas.reduce((sum, meta) => sum + meta.docs, 0);
    const terms = metas.reduce((sum, meta) => sum + meta.lengths.reduce((a, b) => a + b, 0), 0);
    return { list: folders.map((folder, i) => ({ folder, meta: metas[i] })), docs, average: docs === 0 ? 1 : terms / docs };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Every paper with all the query's terms, best first: [{ shard, doc, score }]. */
async function rank(terms) {
  const index = await shards();
  // For each query term, each paper's weight for it: a prefix counts half where the term is longer.
  const matches = await Promise.all(
    terms.map(async ({ term, prefix }) => {
      const weights = new Map();
      await Promise.all(
        index.list.map(async ({ folder, meta }, s) => {
          const bucket = await json(`${folder}terms-${bucketOf(term, meta.buckets)}.json`);
          for (const [found, encoded] of Object.entries(bucket)) {
            const exact = found === term;
            if (!exact && !(prefix && found.startsWith(term))) continue;
            const postings = decodeNumbers(encoded);
            let doc = 0;
            for (let i = 0; i < postings.length; i += 2) {
              doc += postings[i];
              const key = s * 1048576 + doc;
              weights.set(key, (weights.get(key) ?? 0) + (exact ? postings[i + 1] : postings[i + 1] / 2));
            }
          }
        }),
      );
      return weights;
    }),
  );
  matches.sort((a, b) => a.size - b.size);
  const results = [];
  for (const key of matches[0]?.keys() ?? []) {
    if (!matches.every((m) => m.has(key))) continue;
    const shard = Math.floor(key / 1048576);
    const doc = key % 1048576;
    const length = index.list[shard].meta.lengths[doc];
    let score = 0;
    for (const m of matches) {
      const tf = m.get(key);
      const idf = Math.log(1 + (index.docs - m.size + 0.5) / (m.size + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / index.average));
    }
    results.push({ shard, doc, score });
  }
  // Ties go to the newer paper.
  return results.sort((a, b) => b.score - a.score || b.shard - a.shard || b.doc - a.doc);
}

/** The paper as its result shows it, from its issue's file. */
async function paper({ shard, doc }) {
  const { folder, meta } = (await shards()).list[shard];
  let first = 0;
  for (const [number, count] of meta.issues) {
    if (doc < first + count) return (await json(`${folder}issue-${number}.json`))[doc - first];
    first += count;
  }
  throw new Error(`search-index/${folder}: no paper ${doc}`);
}

let latest = 0;
async function run(query) {
  const ticket = ++latest;
  list.replaceChildren();
  const terms = queryTerms(query);
  if (terms.length === 0) {
    status.textContent = query.trim() === "" ? "" : section.dataset.noResults.replace("{q}", query);
    return;
  }
  status.textContent = section.dataset.searching;
  let found, papers;
  try {
    found = await rank(terms);
    papers = await Promise.all(found.slice(0, SHOWN).map(paper));
  } catch (error) {
    if (ticket === latest) status.textContent = section.dataset.failed;
    throw error;
  }
  if (ticket !== latest) return;
  status.textContent = found.length === 0 ? section.dataset.noResults.replace("{q}", query) : section.dataset.results.replace("{n}", String(found.length));
  list.replaceChildren(...papers.map((p) => resultItem(p, terms)));
}

function resultItem(data, terms) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = new URL(data.url.replace(/^\//, ""), root).href;
  link.textContent = data.title;
  li.append(link);
  for (const [cls, text] of [["translation", data.translation], ["search-meta", data.issue]]) {
    if (!text) continue;
    const p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    li.append(p);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "search-excerpt";
  excerpt.append(...excerptOf(data.text, terms));
  li.append(excerpt);
  return li;
}

/** A stretch of the text from just before its first match, the query's terms in <mark>: text nodes and elements, never HTML. */
function excerptOf(text, terms) {
  const spans = [];
  scanTerms(text, (term, start, end) => {
    if (!terms.some((t) => term === t.term || (t.prefix && term.startsWith(t.term)))) return;
    const last = spans.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  });
  let from = spans.length === 0 ? 0 : Math.max(0, spans[0][0] - LEAD);
  // Start at a word's beginning where one is near, and never inside a surrogate pair.
  if (from > 0) {
    const space = text.slice(from, spans[0][0]).search(/[\s,.;:!?，。；：！？、]/u);
    if (space >= 0) from += space + 1;
    if (isTrail(text, from)) from++;
  }
  let to = Math.min(text.length, from + EXCERPT);
  if (isTrail(text, to)) to++;
  const nodes = [];
  if (from > 0) nodes.push(document.createTextNode("…"));
  let at = from;
  for (const [start, end] of spans) {
    if (end <= from || start >= to) continue;
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (s > at) nodes.push(document.createTextNode(text.slice(at, s)));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(s, e);
    nodes.push(mark);
    at = e;
  }
  if (at < to) nodes.push(document.createTextNode(text.slice(at, to)));
  if (to < text.length) nodes.push(document.createTextNode("…"));
  return nodes;
}

/** Whether text[i] is the second half of a character beyond the BMP. */
function isTrail(text, i) {
  const unit = text.charCodeAt(i);
  return unit >= 0xdc00 && unit <= 0xdfff;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});
let typing;
input.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => run(input.value), 200);
});

const initial = new URLSearchParams(location.search).get("q") ?? "";
input.value = initial;
run(initial);

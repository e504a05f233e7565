// The archive's search page: runs the query in ?q= (and each one typed)
// against the Pagefind index in pagefind/, and lists one result per paper.
// The index comes in shards (pagefind/shards.json lists their folders,
// oldest first): the first one's script is loaded and the others merged
// into it, so one query searches them all.
// Served as a file: the pages allow no inline script. Every string from the
// index is put in as text; Pagefind's excerpt is parsed into an inert
// document and only its text and <mark> elements are kept.

const section = document.getElementById("search");
const root = new URL(section.dataset.root, document.baseURI);
const form = section.querySelector("form");
const input = section.querySelector("input[name=q]");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");

let loading;
function engine() {
  loading ??= (async () => {
    const response = await fetch(new URL("pagefind/shards.json", root));
    if (!response.ok) throw new Error(`pagefind/shards.json: HTTP ${response.status}`);
    const shards = await response.json();
    // An archive with nothing published yet has no shard: every search finds nothing.
    if (shards.length === 0) return { search: async () => ({ results: [] }) };
    const folder = (shard) => new URL(`pagefind/${shard}`, root).pathname;
    const pagefind = await import(new URL(`${folder(shards[0])}pagefind.js`, location.href).href);
    await pagefind.options({ excerptLength: 40 });
    await Promise.all(shards.slice(1).map((shard) => pagefind.mergeIndex(folder(shard))));
    return pagefind;
  })();
  return loading;
}

let latest = 0;
async function run(query) {
  const ticket = ++latest;
  list.replaceChildren();
  if (query.trim() === "") {
    status.textContent = "";
    return;
  }
  status.textContent = section.dataset.searching;
  const found = await (await engine()).search(query);
  const results = await Promise.all(found.results.slice(0, 30).map((r) => r.data()));
  if (ticket !== latest) return;
  status.textContent = results.length === 0 ? section.dataset.noResults.replace("{q}", query) : section.dataset.results.replace("{n}", String(found.results.length));
  list.replaceChildren(...results.map(resultItem));
}

function resultItem(data) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = new URL(data.url.replace(/^\//, ""), root).href;
  link.textContent = data.meta.title ?? data.url;
  li.append(link);
  for (const [cls, text] of [["translation", data.meta.translation], ["search-meta", data.meta.issue]]) {
    if (!text) continue;
    const p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    li.append(p);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "search-excerpt";
  excerpt.append(...textWithMarks(data.excerpt ?? ""));
  li.append(excerpt);
  return li;
}

function textWithMarks(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  return [...doc.body.childNodes].map((node) => {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      return mark;
    }
    return document.createTextNode(node.textContent ?? "");
  });
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

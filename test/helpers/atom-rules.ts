import { child, children, type XmlElement } from "./xml.ts";

// The structural rules of RFC 4287 (the Atom Syndication Format), written
// out as checks so that the feed tests need no schema file from outside the
// repository. Each problem names the element it is about.

const ATOM_NS_ROOT = "feed";
/** RFC 3339 date-time, as section 3.3 requires (upper-case T and Z; a fraction allowed). */
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
/** Link relations: RFC 4287's own, and the registered ones feeds use (WebSub's hub, RFC 5005's paging). */
const REGISTERED_RELS = new Set(["alternate", "related", "self", "enclosure", "via", "hub", "first", "last", "next", "previous", "prev-archive", "next-archive", "current", "license", "replies"]);
const TEXT_TYPES = new Set(["text", "html", "xhtml"]);

/** Every way `feed` breaks RFC 4287; an empty list for a conforming feed document. */
export function atomProblems(feed: XmlElement): string[] {
  const problems: string[] = [];
  if (feed.name !== ATOM_NS_ROOT) return [`root: expected <feed>, found <${feed.name}>`];
  if (feed.attributes.xmlns !== "http://www.w3.org/2005/Atom") problems.push(`feed: expected xmlns="http://www.w3.org/2005/Atom", found ${JSON.stringify(feed.attributes.xmlns)}`);
  const entries = children(feed, "entry");
  const feedHasAuthor = children(feed, "author").length > 0;
  checkCommon(feed, "feed", problems, ["generator", "icon", "logo", "rights", "subtitle"]);
  if (!feedHasAuthor && !entries.every((e) => children(e, "author").length > 0)) problems.push("feed: needs an author, since not every entry has one (4.1.1)");
  entries.forEach((entry, i) => {
    const where = `entry[${i}]`;
    checkCommon(entry, where, problems, ["published", "rights", "source", "summary", "content"]);
    const content = child(entry, "content");
    const alternate = children(entry, "link").some((l) => (l.attributes.rel ?? "alternate") === "alternate");
    if (!content && !alternate) problems.push(`${where}: needs <content> or a link rel="alternate" (4.1.2)`);
    if (content) {
      const type = content.attributes.type ?? "text";
      if (!TEXT_TYPES.has(type) && !/^[\w.+-]+\/[\w.+-]+$/.test(type)) problems.push(`${where}.content: type must be text, html, xhtml or a media type, found "${type}"`);
      if (content.attributes.src !== undefined) {
        if (content.text.trim() !== "" || content.children.length > 0) problems.push(`${where}.content: must be empty when it has src (4.1.3.2)`);
        if (!child(entry, "summary")) problems.push(`${where}: needs <summary>, since its content is out of line (4.1.1.3)`);
      }
      if (type === "xhtml") checkXhtml(content, `${where}.content`, problems);
    }
    if (!feedHasAuthor && !child(entry, "source") && children(entry, "author").length === 0) problems.push(`${where}: needs an author (4.1.2)`);
    if (child(entry, "published")) checkDate(child(entry, "published")!, `${where}.published`, problems);
  });
  const ids = entries.map((e) => child(e, "id")?.text.trim());
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (id !== undefined && seen.has(id)) problems.push(`entry[${i}].id: "${id}" is used by an earlier entry`);
    if (id !== undefined) seen.add(id);
  });
  return problems;
}

/** What feed and entry share: one id, title and updated; person, link, category and text constructs. */
function checkCommon(el: XmlElement, where: string, problems: string[], atMostOne: string[]): void {
  for (const name of ["id", "title", "updated"]) {
    const n = children(el, name).length;
    if (n !== 1) problems.push(`${where}: expected exactly one <${name}>, found ${n}`);
  }
  for (const name of atMostOne) {
    const n = children(el, name).length;
    if (n > 1) problems.push(`${where}: expected at most one <${name}>, found ${n}`);
  }
  const id = child(el, "id");
  if (id && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(id.text.trim())) problems.push(`${where}.id: expected an absolute IRI, found "${id.text}"`);
  const updated = child(el, "updated");
  if (updated) checkDate(updated, `${where}.updated`, problems);
  for (const name of ["title", "subtitle", "summary", "rights"]) {
    for (const text of children(el, name)) {
      const type = text.attributes.type ?? "text";
      if (!TEXT_TYPES.has(type)) problems.push(`${where}.${name}: type must be text, html or xhtml, found "${type}"`);
      if (type === "xhtml") checkXhtml(text, `${where}.${name}`, problems);
      else if (text.children.length > 0) problems.push(`${where}.${name}: a ${type} construct holds no child elements, found <${text.children[0]!.name}>`);
    }
  }
  for (const name of ["author", "contributor"]) {
    children(el, name).forEach((person, i) => {
      const names = children(person, "name");
      if (names.length !== 1) problems.push(`${where}.${name}[${i}]: expected exactly one <name>, found ${names.length}`);
      else if (names[0]!.text.trim() === "") problems.push(`${where}.${name}[${i}].name: is empty`);
      for (const part of ["uri", "email"]) if (children(person, part).length > 1) problems.push(`${where}.${name}[${i}]: expected at most one <${part}>`);
    });
  }
  const alternates = new Set<string>();
  children(el, "link").forEach((link, i) => {
    const rel = link.attributes.rel ?? "alternate";
    if (!link.attributes.href) problems.push(`${where}.link[${i}]: needs href (4.2.7.1)`);
    if (!REGISTERED_RELS.has(rel) && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(rel)) problems.push(`${where}.link[${i}]: rel "${rel}" is neither registered nor an absolute IRI`);
    if (rel === "alternate") {
      const key = `${link.attributes.type ?? ""} ${link.attributes.hreflang ?? ""}`;
      if (alternates.has(key)) problems.push(`${where}: more than one link rel="alternate" with the same type and hreflang (4.1.1)`);
      alternates.add(key);
    }
  });
  children(el, "category").forEach((category, i) => {
    if (!category.attributes.term) problems.push(`${where}.category[${i}]: needs a non-empty term (4.2.2.1)`);
  });
}

function checkDate(el: XmlElement, where: string, problems: string[]): void {
  if (!DATE_TIME.test(el.text.trim())) problems.push(`${where}: expected an RFC 3339 date-time, found "${el.text}"`);
}

function checkXhtml(el: XmlElement, where: string, problems: string[]): void {
  if (el.children.length !== 1 || el.children[0]!.name !== "div" || el.text.trim() !== "") problems.push(`${where}: xhtml content must be a single <div> (3.1.1.3)`);
}

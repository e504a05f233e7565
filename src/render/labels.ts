import { calendarDate } from "../model/fields.ts";

/** The words Gazette itself puts on pages, feeds and mail, per language. */
export interface Labels {
  issueNumber(n: number): string;
  /** "《预训练周刊》第36期：标题" */
  issueHeading(newsletter: string, n: number, title: string): string;
  /** An issue's title with its number, as feed readers list it: "第36期：标题". */
  numberedTitle(n: number, title: string): string;
  date(d: Date, utcOffset: string): string;
  authors: string;
  summary: string;
  institutions: string;
  contributors: string;
  links: { code: string; paper: string; hub: string };
  etAl: string;
  listSeparator: string;
  allIssues: string;
  subscribe: string;
  feeds: string;
  previous: string;
  next: string;
  draftNotice: string;
  noIssues: string;
  tags: string;
  /** The signup form on every archive page. */
  signup: { heading: string; note: string; email: string; button: string };
  /** Between a label and its value: "作者：" / "Authors: ". */
  colon: string;
  /** Search, topics and the table of contents (the archive's pages). */
  archive: ArchiveLabels;
}

export interface ArchiveLabels {
  contents: string;
  search: string;
  searchPlaceholder: string;
  searching: string;
  /** Shown by the search page when the browser runs no JavaScript; a link to the index follows. */
  noScript: string;
  noScriptLink: string;
  /** "{q}" stands for the query. */
  noResults: string;
  results: string;
  /** Shown when the search index could not be loaded. */
  searchFailed: string;
  topic(tag: string): string;
  /** How many items carry a tag. */
  itemCount(n: number): string;
  topicFeeds: string;
  allTopics: string;
}

const zh: Labels = {
  issueNumber: (n) => `第${n}期`,
  issueHeading: (newsletter, n, title) => `《${newsletter}》第${n}期：${title}`,
  numberedTitle: (n, title) => `第${n}期：${title}`,
  date: (d, offset) => {
    const [y, m, day] = localDate(d, offset);
    return `${y}年${m}月${day}日`;
  },
  authors: "作者",
  summary: "简介",
  institutions: "机构",
  contributors: "本期贡献者",
  links: { code: "代码下载", paper: "论文地址", hub: "Hub地址" },
  etAl: "等",
  listSeparator: "、",
  allIssues: "往期周刊",
  subscribe: "订阅",
  feeds: "订阅源",
  previous: "上一期",
  next: "下一期",
  draftNotice: "草稿：尚未发布，不在订阅源和目录中。",
  noIssues: "还没有发布的期刊。",
  tags: "主题",
  signup: { heading: "邮件订阅", note: "每期发到你的邮箱，随时可以退订。", email: "邮箱地址", button: "订阅" },
  colon: "：",
  archive: {
    contents: "本期目录",
    search: "搜索",
    searchPlaceholder: "搜索往期论文",
    searching: "正在搜索……",
    noScript: "搜索要在浏览器里运行 JavaScript，这个浏览器没有运行它。",
    noScriptLink: "请在往期目录中查找",
    noResults: "没有找到与“{q}”相关的论文。",
    results: "找到 {n} 篇论文",
    searchFailed: "搜索索引没能载入，请稍后再试。",
    topic: (tag) => `主题：${tag}`,
    itemCount: (n) => `${n} 篇`,
    topicFeeds: "这个主题的订阅源",
    allTopics: "全部主题",
  },
};

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const en: Labels = {
  issueNumber: (n) => `Issue ${n}`,
  issueHeading: (newsletter, n, title) => `${newsletter} #${n}: ${title}`,
  numberedTitle: (n, title) => `Issue ${n}: ${title}`,
  date: (d, offset) => {
    const [y, m, day] = localDate(d, offset);
    return `${MONTHS[m - 1]} ${day}, ${y}`;
  },
  authors: "Authors",
  summary: "Summary",
  institutions: "Institutions",
  contributors: "Contributors",
  links: { code: "Code", paper: "Paper", hub: "Hub" },
  etAl: "et al.",
  listSeparator: ", ",
  allIssues: "All issues",
  subscribe: "Subscribe",
  feeds: "Feeds",
  previous: "Previous issue",
  next: "Next issue",
  draftNotice: "Draft: not published; left out of the feeds and the index.",
  noIssues: "No issues published yet.",
  tags: "Topics",
  signup: { heading: "Get it by email", note: "Every issue in your inbox; unsubscribe any time.", email: "Email address", button: "Subscribe" },
  colon: ": ",
  archive: {
    contents: "In this issue",
    search: "Search",
    searchPlaceholder: "Search the archive",
    searching: "Searching…",
    noScript: "Search runs in the browser with JavaScript, which this browser is not running.",
    noScriptLink: "Browse the index of issues instead",
    noResults: "Nothing found for “{q}”.",
    results: "Papers found: {n}",
    searchFailed: "The search index could not be loaded; please try again later.",
    topic: (tag) => `Topic: ${tag}`,
    itemCount: (n) => (n === 1 ? "1 item" : `${n} items`),
    topicFeeds: "Feeds of this topic",
    allTopics: "All topics",
  },
};

/** Labels for a BCP 47 tag: Chinese for zh*, English otherwise. */
export function labelsFor(language: string): Labels {
  return isChinese(language) ? zh : en;
}

/** Which languages get Gazette's Chinese words (pages, mail, drafts); all others get English. */
export function isChinese(language: string): boolean {
  return language.toLowerCase().startsWith("zh");
}

/** Whether a language writes without spaces between words (CJK). */
export function isCjk(language: string): boolean {
  return /^(zh|ja|ko)\b/i.test(language);
}

/** Year, month, day of an instant at a fixed UTC offset ("+08:00"). */
function localDate(d: Date, utcOffset: string): [number, number, number] {
  const [y, m, day] = calendarDate(d, utcOffset).split("-").map(Number);
  return [y!, m!, day!];
}

import { isChinese } from "../labels.ts";

// The report's own words, in the newsletter's language.

export interface ReportWords {
  report: string;
  readAt: (at: string) => string;
  weeksTitle: string;
  funnelTitle: string;
  clicksTitle: string;
  clicksAlt: string;
  week: string;
  joined: string;
  confirmed: string;
  left: string;
  bounced: string;
  complained: string;
  total: string;
  issue: string;
  recipients: string;
  accepted: string;
  unsubscribed: string;
  link: string;
  clicks: string;
  none: string;
  weeksAlt: (first: string, last: string, from: number, to: number, joined: number, left: number, bounced: number, complained: number) => string;
  funnelAlt: (issues: string) => string;
  privacy: string;
}

const zh: ReportWords = {
  report: "订阅与投递报告",
  readAt: (at) => `数据读取于 ${at}（UTC）。`,
  weeksTitle: "每周订阅变化",
  funnelTitle: "每期投递情况",
  clicksTitle: "读者点击的论文",
  clicksAlt: "各链接的点击次数",
  week: "周（周一起）",
  joined: "新加入",
  confirmed: "已确认",
  left: "退订",
  bounced: "退信",
  complained: "投诉",
  total: "确认订阅者合计",
  issue: "期号",
  recipients: "收件人",
  accepted: "已接收",
  unsubscribed: "随后退订",
  link: "链接",
  clicks: "点击",
  none: "暂无数据。",
  weeksAlt: (first, last, from, to, joined, left, bounced, complained) =>
    `${first} 那一周结束时有确认订阅者 ${from} 人，${last} 那一周结束时有 ${to} 人；其间新加入 ${joined} 人，退订 ${left} 人，退信 ${bounced} 人，投诉 ${complained} 人。`,
  funnelAlt: (issues) => `各期的收件人、已接收、退信、投诉和随后退订人数：${issues}。`,
  privacy: "点击只按（期、链接、日）计数，不记录是谁点击的；不统计打开次数。",
};

const en: ReportWords = {
  report: "subscribers and deliveries",
  readAt: (at) => `Figures read at ${at} (UTC).`,
  weeksTitle: "The list, week by week",
  funnelTitle: "What became of each issue",
  clicksTitle: "Papers readers chose",
  clicksAlt: "clicks per link",
  week: "week (from Monday)",
  joined: "joined",
  confirmed: "confirmed",
  left: "left",
  bounced: "bounced",
  complained: "complained",
  total: "confirmed in all",
  issue: "issue",
  recipients: "recipients",
  accepted: "accepted",
  unsubscribed: "unsubscribed after",
  link: "link",
  clicks: "clicks",
  none: "No figures yet.",
  weeksAlt: (first, last, from, to, joined, left, bounced, complained) =>
    `${from} confirmed subscribers at the end of the week of ${first}, ${to} at the end of the week of ${last}; in all ${joined} joined, ${left} left, ${bounced} bounced and ${complained} complained.`,
  funnelAlt: (issues) => `Recipients, accepted, bounced, complained and unsubscribed after, per issue: ${issues}.`,
  privacy: "Clicks are counted per (issue, link, day) only: nothing records who clicked. Opens are not counted.",
};

export function reportWords(language: string): ReportWords {
  return isChinese(language) ? zh : en;
}

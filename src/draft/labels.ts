import { isChinese } from "../render/labels.ts";

// The words a draft is written with, in the newsletter's language: the
// default section title and the placeholders an editor replaces.

export interface DraftLabels {
  /** Section for items whose source names none. */
  section: string;
  /** How the placeholders are marked, for the comment at the top of the file. */
  marks: string;
  title: string;
  lead: string;
  untitled: string;
  noSummary: string;
  placeholderSection: string;
  placeholderTitle: string;
  placeholderSummary: string;
}

const zh: DraftLabels = {
  section: "新内容",
  marks: "【待填写】 or 【待替换】",
  title: "【待填写】本期标题",
  lead: "【待填写】本期导语。",
  untitled: "【待填写】标题",
  noSummary: "【待填写】简介（来源没有提供摘要）。",
  placeholderSection: "论文推荐",
  placeholderTitle: "【待替换】示例条目",
  placeholderSummary: "【待替换】这是占位条目：换成本期的第一篇推荐，再删去这一条。",
};

const en: DraftLabels = {
  section: "New",
  marks: "[TODO]",
  title: "[TODO] Title of this issue",
  lead: "[TODO] The lead of this issue.",
  untitled: "[TODO] Title",
  noSummary: "[TODO] Summary (the source gave none).",
  placeholderSection: "Recommended",
  placeholderTitle: "[TODO] Placeholder item",
  placeholderSummary: "[TODO] A placeholder: replace it with this issue's first item, then delete this one.",
};

/** Chinese for zh*, English otherwise (as the rendered pages do). */
export function draftLabelsFor(language: string): DraftLabels {
  return isChinese(language) ? zh : en;
}

import type { Newsletter } from "../../model/newsletter.ts";
import { isChinese } from "../labels.ts";
import { wrapText } from "../text-wrap.ts";
import type { SiteView } from "../web/archive.ts";
import { EMAIL_FONT_STACK } from "./context.ts";
import { CONFIRM_PLACEHOLDERS } from "./placeholders.ts";

/** What emails/confirm.mjml.hbs and the confirmation's text part read. Pure data. */
export interface ConfirmEmailContext {
  site: SiteView;
  subject: string;
  preheader: string;
  fontStack: string;
  postalAddress?: string;
  labels: {
    heading: string;
    /** Above the button, in the HTML part. */
    intro: string;
    /** Above the bare link, in the text part (which has no button). */
    textIntro: string;
    button: string;
    fallback: string;
    ignore: string;
    expiry: string;
    /** ignore and expiry as one paragraph: no space between Chinese sentences, one between English ones. */
    closing: string;
  };
  placeholders: typeof CONFIRM_PLACEHOLDERS;
}

export function createConfirmEmailContext(site: SiteView, newsletter: Newsletter, placeholders: typeof CONFIRM_PLACEHOLDERS = CONFIRM_PLACEHOLDERS): ConfirmEmailContext {
  const email = placeholders.email;
  const zh = isChinese(newsletter.language);
  const words = zh
    ? {
        heading: "确认订阅",
        intro: `有人（希望是你）用 ${email} 订阅了《${newsletter.title}》。点下面的按钮确认，之后每期都会发到这个邮箱：`,
        textIntro: `有人（希望是你）用 ${email} 订阅了《${newsletter.title}》。打开下面的链接确认，之后每期都会发到这个邮箱：`,
        button: "确认订阅",
        fallback: "按钮点不了的话，把这个链接复制到浏览器里打开：",
        ignore: "如果不是你本人操作，忽略这封邮件即可，我们不会再发邮件给你。",
        expiry: "链接过期后，重新订阅一次就好。",
      }
    : {
        heading: "Confirm your subscription",
        intro: `Someone (we hope you) asked for ${newsletter.title} to be sent to ${email}. Confirm with the button below and every issue will arrive here:`,
        textIntro: `Someone (we hope you) asked for ${newsletter.title} to be sent to ${email}. Confirm by opening the link below and every issue will arrive here:`,
        button: "Confirm subscription",
        fallback: "If the button does not work, copy this link into your browser:",
        ignore: "If it was not you, ignore this mail: you will not hear from us again.",
        expiry: "If the link has expired, just sign up again.",
      };
  const labels = { ...words, closing: `${words.ignore}${zh ? "" : " "}${words.expiry}` };
  return {
    site,
    subject: zh ? `请确认订阅《${newsletter.title}》` : `Confirm your subscription to ${newsletter.title}`,
    preheader: zh ? `点一下按钮，确认订阅《${newsletter.title}》。` : `One click to start receiving ${newsletter.title}.`,
    fontStack: EMAIL_FONT_STACK,
    postalAddress: newsletter.postal_address,
    labels,
    placeholders,
  };
}

/** The confirmation's plain-text part, wrapped at 76 columns like the issue's. Pure. */
export function renderConfirmText(context: ConfirmEmailContext): string {
  const { labels, site } = context;
  const lines = [
    site.title,
    "",
    labels.heading,
    "",
    wrapText(labels.textIntro, 76),
    "",
    context.placeholders.confirmUrl,
    "",
    wrapText(labels.closing, 76),
    "",
    "-- ",
    site.title,
    site.baseUrl,
  ];
  if (context.postalAddress) lines.push(wrapText(context.postalAddress, 76));
  return `${lines.join("\n")}\n`;
}

import type { Newsletter } from "../model/newsletter.ts";
import { isChinese } from "../render/labels.ts";

/** What the server's own pages say, in the newsletter's language. */
export interface ServerWords {
  signup: {
    title: string;
    /** After a signup: the same words whether or not the address was known. */
    sent: (address: string) => string;
    sentNote: string;
    invalidAddress: string;
    closed: string;
    /** The confirmation mails run behind: try again later. */
    busy: string;
  };
  confirm: { title: string; question: string; button: string; done: string; already: string; invalid: string };
  unsubscribe: {
    title: string;
    question: string;
    button: string;
    done: string;
    again: string;
    resubscribed: string;
    tooLate: string;
    invalid: string;
  };
  errors: ErrorWords;
}

export interface ErrorWords {
  crossSite: string;
  tooMany: string;
  tooLarge: string;
  badForm: string;
  notFound: string;
  serverError: string;
}

/** Error pages' words; these need no newsletter, so a server without one says them in English. */
export function errorWords(language: string): ErrorWords {
  return isChinese(language)
    ? {
        crossSite: "这个表单必须从本站提交。",
        tooMany: "请求太频繁，请过几分钟再试。",
        tooLarge: "提交的内容太大。",
        badForm: "无法读取提交的表单。",
        notFound: "找不到这个页面。",
        serverError: "服务器出了问题。",
      }
    : {
        crossSite: "This form must be sent from this site.",
        tooMany: "Too many requests; try again in a few minutes.",
        tooLarge: "That form was too large.",
        badForm: "That form could not be read.",
        notFound: "There is no page here.",
        serverError: "Something went wrong on the server.",
      };
}

export function serverWords(newsletter: Newsletter): ServerWords {
  const t = newsletter.title;
  const errors = errorWords(newsletter.language);
  return isChinese(newsletter.language)
    ? {
        signup: {
          title: "订阅",
          sent: (address) => `请查收 ${address} 的邮箱：确认链接已经发出（如果这个地址能收信）。`,
          sentNote: "点邮件里的链接，订阅才会生效。几分钟内没有收到，请看看垃圾邮件。",
          invalidAddress: "这不像一个邮箱地址，请检查后再试，例如 reader@example.org。",
          closed: "这里暂时不能订阅。",
          busy: "现在订阅的人很多，确认邮件一时发不过来。请过一分钟再试，地址已经替你填好。",
        },
        confirm: {
          title: "确认订阅",
          question: `确认订阅《${t}》？地址：`,
          button: "确认订阅",
          done: `订阅成功！以后每期《${t}》都会发到你的邮箱。`,
          already: `你已经订阅了《${t}》。`,
          invalid: "这个链接无效或已过期。在下面重新订阅即可。",
        },
        unsubscribe: {
          title: "退订",
          question: `确定不再收到《${t}》吗？地址：`,
          button: "退订",
          done: `已退订。你不会再收到《${t}》。`,
          again: "重新订阅",
          resubscribed: `欢迎回来！你重新订阅了《${t}》。`,
          tooLate: "这个链接已经不能重新订阅了。在下面重新订阅即可。",
          invalid: "这个链接无效或已过期。",
        },
        errors,
      }
    : {
        signup: {
          title: "Subscribe",
          sent: (address) => `Check the inbox of ${address}: a confirmation link is on its way (if that address can receive mail).`,
          sentNote: "Your subscription starts when you click the link in that mail. Nothing after a few minutes? Look in the spam folder.",
          invalidAddress: "That does not look like an email address; check it and try again, e.g. reader@example.org.",
          closed: "Signups are not open here right now.",
          busy: "So many people are signing up right now that confirmation mails are running behind. Please try again in a minute; your address is filled in below.",
        },
        confirm: {
          title: "Confirm your subscription",
          question: `Start receiving ${t}? Address: `,
          button: "Confirm subscription",
          done: `You are subscribed. Every issue of ${t} will come to your inbox.`,
          already: `You are already subscribed to ${t}.`,
          invalid: "This link is not valid or has expired. Sign up again below.",
        },
        unsubscribe: {
          title: "Unsubscribe",
          question: `Stop receiving ${t}? Address: `,
          button: "Unsubscribe",
          done: `You are unsubscribed. You will not receive ${t} again.`,
          again: "Subscribe again",
          resubscribed: `Welcome back: you are subscribed to ${t} again.`,
          tooLate: "This link can no longer subscribe you again. Sign up below instead.",
          invalid: "This link is not valid.",
        },
        errors,
      };
}

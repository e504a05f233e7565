import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { takeFeedbackMail } from "../src/feedback/intake-mail.ts";
import { parseFeedbackMail } from "../src/feedback/mail.ts";
import { signToken } from "../src/send/tokens.ts";
import { FEEDBACK_FIXTURES, feedbackStore } from "./helpers/feedback.ts";

const fixture = (name: string) => readFile(path.join(FEEDBACK_FIXTURES, name));

describe("reading delivery status notifications and abuse reports", () => {
  it("reads a permanent failure's recipient, status, diagnostic and original Message-ID", async () => {
    const mail = await parseFeedbackMail(await fixture("dsn-permanent.eml"));
    expect(mail.type).toBe("dsn");
    if (mail.type !== "dsn") return;
    expect(mail.reports).toHaveLength(1);
    expect(mail.reports[0]).toMatchObject({
      kind: "hard_bounce",
      recipient: "reader1@example.org",
      statusCode: "5.1.1",
      messageId: "<issue36.1.CnpIL-sxQOYZlo0f@pretraining-weekly.example.org>",
      diagnostic: "550 5.1.1 <reader1@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    });
  });

  it("counts a full mailbox as a soft bounce, and a delay as nothing yet", async () => {
    const transient = await parseFeedbackMail(await fixture("dsn-transient.eml"));
    expect(transient.type === "dsn" && transient.reports.map((r) => [r.kind, r.statusCode, r.messageId])).toEqual([
      ["soft_bounce", "4.2.2", "<issue36.2.OZPB8p51mjJoeIH4@pretraining-weekly.example.org>"],
    ]);
    const delayed = await parseFeedbackMail(await fixture("dsn-delayed.eml"));
    expect(delayed).toEqual({ type: "dsn", reports: [] });
  });

  it("takes the VERP token from the address a DSN with no original headers came back to", async () => {
    const mail = await parseFeedbackMail(await fixture("dsn-verp-only.eml"), { to: [] });
    expect(mail.type === "dsn" && mail.reports[0]).toMatchObject({ kind: "hard_bounce", verpToken: "36-3-4eca0545c45caceb8b18", messageId: undefined });
  });

  it("reads an ARF abuse report as a complaint about the quoted message", async () => {
    const mail = await parseFeedbackMail(await fixture("arf-complaint.eml"));
    expect(mail).toMatchObject({ type: "arf", reports: [{ kind: "complaint", messageId: "<issue36.4.0l2DqWLt5JfqocEb@pretraining-weekly.example.org>", diagnostic: "abuse report from SomeMailboxProvider/1.0" }] });
  });

  it("says what is missing from a DSN with no delivery-status part", async () => {
    expect(await parseFeedbackMail(await fixture("dsn-no-status-part.eml"))).toEqual({
      type: "unusable",
      problem: "a multipart/report of type delivery-status with no message/delivery-status part: nothing to read the recipients' status from",
    });
  });

  it.each([
    ["auto-reply-auto-submitted.eml", "an automatic reply (Auto-Submitted: auto-replied)"],
    ["auto-reply-x-autoreply.eml", "an automatic reply (X-Autoreply)"],
    ["auto-reply-precedence.eml", "an automatic reply (Precedence: auto_reply)"],
  ])("ignores the auto-reply %s", async (name, reason) => {
    expect(await parseFeedbackMail(await fixture(name))).toEqual({ type: "ignored", reason });
  });
});

describe("what feedback mail does to subscribers", () => {
  it("a hard bounce marks its subscriber bounced at once, matched by Message-ID; importing it again changes nothing", async () => {
    const { store, intake } = await feedbackStore();
    const first = await takeFeedbackMail(intake, "import", await fixture("dsn-permanent.eml"));
    expect(first.summary).toBe("delivery status: recorded 1 (1 bounced)");
    expect((await store.findSubscriber("reader1@example.org"))!.status).toBe("bounced");
    const again = await takeFeedbackMail(intake, "import", await fixture("dsn-permanent.eml"));
    expect(again.summary).toBe("delivery status: 1 already recorded");
    const events = await store.feedback.feedbackEvents({});
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: "import", kind: "hard_bounce", subscriberId: 1, issue: 36, statusCode: "5.1.1", effect: "bounced" });
    expect(await Promise.all(["reader2", "reader3", "reader4", "reader5"].map(async (r) => (await store.findSubscriber(`${r}@example.org`))!.status))).toEqual(Array(4).fill("confirmed"));
  });

  it("a DSN that quotes nothing is matched by its VERP address alone", async () => {
    const { store, intake } = await feedbackStore();
    const outcome = await takeFeedbackMail(intake, "smtp", await fixture("dsn-verp-only.eml"));
    expect(outcome.summary).toBe("delivery status: recorded 1 (1 bounced)");
    expect((await store.findSubscriber("reader3@example.org"))!.status).toBe("bounced");
  });

  it("a forged VERP address or Message-ID matches nobody", async () => {
    const { store, intake } = await feedbackStore();
    const forged = (await fixture("dsn-verp-only.eml")).toString().replaceAll("36-3-4eca0545c45caceb8b18", "36-2-4eca0545c45caceb8b18");
    const outcome = await takeFeedbackMail(intake, "smtp", Buffer.from(forged));
    expect(outcome.summary).toBe("delivery status: 1 not matched: no subscriber or delivery matches its recipient old-alias@forwarder.example.com");
    const forgedId = (await fixture("dsn-permanent.eml")).toString().replaceAll("CnpIL-sxQOYZlo0f", "CnpIL-sxQOYZlo0g").replaceAll("reader1@", "someone@");
    expect((await takeFeedbackMail(intake, "smtp", Buffer.from(forgedId))).results).toEqual([
      { status: "unmatched", why: "no subscriber or delivery matches its Message-ID <issue36.1.CnpIL-sxQOYZlo0g@pretraining-weekly.example.org> or recipient someone@example.org" },
    ]);
    expect(await store.countSubscribers("confirmed")).toBe(5);
    expect(await store.feedback.feedbackEvents({})).toEqual([]);
  });

  it("an abuse report marks its subscriber complained; one for an unknown message changes nothing and says why", async () => {
    const { store, intake } = await feedbackStore();
    expect((await takeFeedbackMail(intake, "import", await fixture("arf-complaint.eml"))).summary).toBe("abuse report: recorded 1 (1 complained)");
    expect((await store.findSubscriber("reader4@example.org"))!.status).toBe("complained");
    const unknown = await takeFeedbackMail(intake, "import", await fixture("arf-unknown-message.eml"));
    expect(unknown.summary).toBe("abuse report: 1 not matched: no subscriber or delivery matches its Message-ID <20220117.abcdef@elsewhere.example> or recipient stranger@example.net");
    expect(await store.feedback.feedbackEvents({})).toHaveLength(1);
  });

  it("a DSN with no delivery-status part and an auto-reply change nothing", async () => {
    const { store, intake } = await feedbackStore();
    for (const name of ["dsn-no-status-part.eml", "auto-reply-auto-submitted.eml", "dsn-delayed.eml"]) await takeFeedbackMail(intake, "import", await fixture(name));
    expect(await store.countSubscribers("confirmed")).toBe(5);
    expect(await store.feedback.feedbackEvents({})).toEqual([]);
  });

  it("a mail to the List-Unsubscribe mailto unsubscribes the token's subscriber; one without a valid token changes nothing", async () => {
    const { store, intake, secret } = await feedbackStore();
    const reader5 = (await store.findSubscriber("reader5@example.org"))!;
    const unsubscribe = (subject: string, from = "reader5@example.org") =>
      Buffer.from(`From: ${from}\r\nTo: weekly@pretraining-weekly.example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject.length}.${from}>\r\nDate: Mon, 17 Jan 2022 10:00:00 +0000\r\n\r\nThis message was sent by a mail client's unsubscribe button.\r\n`);
    const token = signToken(secret, "unsubscribe", reader5);
    const forged = `${reader5.id}.${"A".repeat(43)}`;
    expect((await takeFeedbackMail(intake, "smtp", unsubscribe(`unsubscribe ${forged}`))).summary).toBe("unsubscribe request: 1 not matched: an unsubscribe request without a valid token");
    expect((await takeFeedbackMail(intake, "smtp", unsubscribe("unsubscribe", "reader5@example.org"))).type).toBe("ignored");
    expect((await store.findSubscriber("reader5@example.org"))!.status).toBe("confirmed");
    expect((await takeFeedbackMail(intake, "smtp", unsubscribe(`unsubscribe ${token}`, "anyone@example.net"))).summary).toBe("unsubscribe request: recorded 1 (1 unsubscribed)");
    expect((await store.findSubscriber("reader5@example.org"))!.status).toBe("unsubscribed");
  });
});

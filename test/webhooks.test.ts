import { createHmac, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signGeneric } from "../src/feedback/providers/generic.ts";
import { messageIdFor } from "../src/send/campaign.ts";
import { verpAddress } from "../src/send/verp.ts";
import { createApp } from "../src/server/app.ts";
import type { Store } from "../src/store/store.ts";
import { FIXTURE_SECRET, feedbackStore, NEWSLETTER } from "./helpers/feedback.ts";
import { httpRequest } from "./helpers/http.ts";
import { tempDir } from "./helpers/project.ts";
import { startFakeSns } from "./helpers/sns.ts";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback";
const POSTMARK = { user: "postmark", password: "correct horse battery" };
const MAILGUN_KEY = "key-mailgun-signing-0123456789";
const RESEND_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const GENERIC_SECRET = "generic-webhook-secret-0123456789";
const sendgridKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const SENDGRID_PUBLIC = sendgridKeys.publicKey.export({ type: "spki", format: "der" }).toString("base64");

let app: FastifyInstance;
let base: string;
let store: Store;
const secret = Buffer.from(FIXTURE_SECRET, "utf8");
let sns: Awaited<ReturnType<typeof startFakeSns>>;

beforeAll(async () => {
  sns = await startFakeSns();
});
afterAll(async () => {
  await sns.close();
});

beforeEach(async () => {
  await app?.close();
  await store?.close();
  const made = await feedbackStore();
  store = made.store;
  app = await createApp({
    distDir: await tempDir(),
    webhooks: {
      intake: made.intake,
      ses: { topicArns: [TOPIC], fetchText: sns.fetchText },
      postmark: POSTMARK,
      sendgrid: { verificationKey: SENDGRID_PUBLIC },
      mailgun: { signingKey: MAILGUN_KEY },
      resend: { secret: RESEND_SECRET },
      generic: { secret: GENERIC_SECRET },
      bodyLimit: 64 * 1024,
    },
  });
  base = await app.listen({ port: 0, host: "127.0.0.1" });
  return async () => {
    await app.close();
    await store.close();
  };
});

const post = (route: string, body: string, headers: Record<string, string> = {}) =>
  httpRequest(`${base}/webhooks/${route}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
const status = async (n: number) => (await store.getSubscriber(n))!.status;
const statuses = () => Promise.all([1, 2, 3, 4, 5].map(status));
const seconds = (offsetMs = 0) => Math.floor((Date.now() + offsetMs) / 1000);
const msgId = (id: number) => messageIdFor({ issue: 36, newsletter: NEWSLETTER, secret }, { id });

describe("Amazon SES through SNS", () => {
  const sesBounce = (id: number, bounceType: "Permanent" | "Transient", feedbackId = `fb-${id}-${bounceType}`) =>
    JSON.stringify({
      notificationType: "Bounce",
      bounce: {
        bounceType,
        bounceSubType: bounceType === "Permanent" ? "General" : "MailboxFull",
        bouncedRecipients: [{ emailAddress: `reader${id}@example.org`, action: "failed", status: bounceType === "Permanent" ? "5.1.1" : "4.2.2", diagnosticCode: "smtp; 550 5.1.1 user unknown" }],
        timestamp: new Date().toISOString(),
        feedbackId,
      },
      mail: {
        timestamp: new Date().toISOString(),
        messageId: `0100017e-ses-${id}`,
        source: verpAddress(secret, "bounces@news.example.org", 36, id),
        destination: [`reader${id}@example.org`],
        commonHeaders: { messageId: msgId(id), subject: "issue 36" },
      },
    });
  const notification = (message: string, extra: Record<string, string> = {}) => ({
    Type: "Notification",
    MessageId: `sns-${randomBytes(8).toString("hex")}`,
    TopicArn: TOPIC,
    Message: message,
    Timestamp: new Date().toISOString(),
    UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    ...extra,
  });

  it("a Permanent bounce (SignatureVersion 1) bounces its subscriber; a complaint (SignatureVersion 2) marks them complained", async () => {
    const res = await post("ses", JSON.stringify(sns.sign(notification(sesBounce(1, "Permanent")), "1")), { "content-type": "text/plain; charset=UTF-8" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ recorded: 1, duplicates: 0, unmatched: 0, effects: { bounced: 1 } });
    const complaint = JSON.stringify({
      notificationType: "Complaint",
      complaint: { complainedRecipients: [{ emailAddress: "reader2@example.org" }], timestamp: new Date().toISOString(), feedbackId: "c-2", complaintFeedbackType: "abuse" },
      mail: { messageId: "0100017e-ses-2", source: "weekly@pretraining-weekly.example.org", commonHeaders: { messageId: msgId(2) } },
    });
    expect((await post("ses", JSON.stringify(sns.sign(notification(complaint, { Subject: "Amazon SES Email Event Notification" }), "2")))).status).toBe(200);
    expect(await statuses()).toEqual(["bounced", "complained", "confirmed", "confirmed", "confirmed"]);
    const [event] = await store.feedback.feedbackEvents({ subscriberId: 1 });
    expect(event).toMatchObject({ source: "ses", kind: "hard_bounce", issue: 36, providerId: "0100017e-ses-1", statusCode: "5.1.1" });
    // One certificate fetch for both: it is cached.
    expect(sns.fetched).toHaveLength(1);
  });

  it("the same bounce notified twice (a retry, signed anew) is recorded once", async () => {
    await post("ses", JSON.stringify(sns.sign(notification(sesBounce(3, "Transient")))));
    const again = await post("ses", JSON.stringify(sns.sign(notification(sesBounce(3, "Transient")))));
    expect(JSON.parse(again.body)).toMatchObject({ recorded: 0, duplicates: 1 });
    expect(await store.feedback.feedbackEvents({ subscriberId: 3 })).toHaveLength(1);
    expect(await status(3)).toBe("confirmed"); // one soft bounce is not three
  });

  it("refuses unsigned, forged, replayed, stale, foreign-topic and foreign-certificate messages, changing nothing", async () => {
    const signed = sns.sign(notification(sesBounce(1, "Permanent")));
    const cases: [string, unknown, number, string][] = [
      ["unsigned", { ...signed, Signature: undefined }, 401, "not a signed SNS message (no Type or Signature)"],
      ["forged", { ...signed, Message: sesBounce(2, "Permanent") }, 403, "the SNS signature does not verify"],
      ["stale", sns.sign(notification(sesBounce(1, "Permanent"), { Timestamp: new Date(Date.now() - 6 * 60_000).toISOString() })), 403, "signed more than 5 minutes ago (or in the future): refused as a replay"],
      ["other topic", sns.sign(notification(sesBounce(1, "Permanent"), { TopicArn: "arn:aws:sns:us-east-1:999999999999:someone-elses" })), 403, "topic arn:aws:sns:us-east-1:999999999999:someone-elses is not in GAZETTE_SES_TOPIC_ARNS"],
      ["certificate elsewhere", sns.sign(notification(sesBounce(1, "Permanent")), "1", "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"), 403, "SigningCertURL is not an https .pem URL on sns.<region>.amazonaws.com"],
      ["certificate over http", sns.sign(notification(sesBounce(1, "Permanent")), "1", "http://sns.us-east-1.amazonaws.com/cert.pem"), 403, "SigningCertURL is not an https .pem URL on sns.<region>.amazonaws.com"],
      ["version 3", { ...signed, SignatureVersion: "3" }, 403, 'SignatureVersion "3": expected 1 or 2'],
    ];
    for (const [name, body, code, error] of cases) {
      const res = await post("ses", JSON.stringify(body));
      expect([name, res.status, JSON.parse(res.body).error]).toEqual([name, code, error]);
    }
    expect(sns.fetched.every((u) => u.startsWith("https://sns.us-east-1.amazonaws.com/"))).toBe(true);
    expect((await post("ses", JSON.stringify(signed))).status).toBe(200);
    const replay = await post("ses", JSON.stringify(signed));
    expect([replay.status, JSON.parse(replay.body).error]).toEqual([403, "this signature was seen before: refused as a replay"]);
    expect(await statuses()).toEqual(["bounced", "confirmed", "confirmed", "confirmed", "confirmed"]);
    expect(await store.feedback.feedbackEvents({})).toHaveLength(1);
  });

  it("confirms a subscription by fetching its SubscribeURL, only on an SNS host", async () => {
    const confirmation = (url: string) =>
      sns.sign({ Type: "SubscriptionConfirmation", MessageId: `m-${randomBytes(4).toString("hex")}`, Token: "tok", TopicArn: TOPIC, Message: "You have chosen to subscribe…", SubscribeURL: url, Timestamp: new Date().toISOString() });
    const good = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=tok";
    const res = await post("ses", JSON.stringify(confirmation(good)));
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { confirmed: TOPIC }]);
    expect(sns.fetched).toContain(good);
    const evil = await post("ses", JSON.stringify(confirmation("https://evil.example/?Action=ConfirmSubscription")));
    expect([evil.status, JSON.parse(evil.body).error]).toEqual([400, "SubscribeURL is not an https URL on sns.<region>.amazonaws.com: not confirmed"]);
    expect(sns.fetched.some((u) => u.includes("evil"))).toBe(false);
  });

  it("answers malformed JSON and an oversize body clearly", async () => {
    const bad = await post("ses", "{not json");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/^the body is not valid JSON: /);
    const big = await post("ses", JSON.stringify({ padding: "x".repeat(70 * 1024) }));
    expect([big.status, JSON.parse(big.body)]).toEqual([413, { error: "the body is larger than 65536 bytes" }]);
    expect(await store.feedback.feedbackEvents({})).toEqual([]);
  });
});

describe("Postmark (basic auth)", () => {
  const auth = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
  const bounce = (id: number) => JSON.stringify({ RecordType: "Bounce", ID: 4323372036854775000 + id, Type: "HardBounce", TypeCode: 1, MessageID: `pm-${id}`, Email: `reader${id}@example.org`, Details: "smtp;550 5.1.1 The email account that you tried to reach does not exist", BouncedAt: new Date().toISOString() });

  it("records a HardBounce and a SpamComplaint with the right credentials, once each", async () => {
    expect((await post("postmark", bounce(1), auth(POSTMARK.user, POSTMARK.password))).status).toBe(200);
    expect(JSON.parse((await post("postmark", bounce(1), auth(POSTMARK.user, POSTMARK.password))).body)).toMatchObject({ duplicates: 1 });
    const spam = JSON.stringify({ RecordType: "SpamComplaint", ID: 42, Type: "SpamComplaint", MessageID: "pm-2", Email: "reader2@example.org", BouncedAt: new Date().toISOString() });
    expect((await post("postmark", spam, auth(POSTMARK.user, POSTMARK.password))).status).toBe(200);
    expect(await statuses()).toEqual(["bounced", "complained", "confirmed", "confirmed", "confirmed"]);
    expect(await store.feedback.feedbackEvents({})).toHaveLength(2);
  });

  it("refuses missing and wrong credentials", async () => {
    expect((await post("postmark", bounce(1))).status).toBe(401);
    expect((await post("postmark", bounce(1), auth(POSTMARK.user, "wrong password!"))).status).toBe(403);
    expect(await status(1)).toBe("confirmed");
  });
});

describe("SendGrid (ECDSA signed events)", () => {
  const sign = (body: string, timestamp = String(seconds())) => ({
    "x-twilio-email-event-webhook-timestamp": timestamp,
    "x-twilio-email-event-webhook-signature": createSign("sha256").update(timestamp + body).sign(sendgridKeys.privateKey, "base64"),
  });
  const events = JSON.stringify([
    { email: "reader1@example.org", timestamp: seconds(), "smtp-id": msgId(1), event: "bounce", type: "bounce", status: "5.1.1", reason: "550 5.1.1 user unknown", sg_event_id: "ev-1", sg_message_id: "sg-1" },
    { email: "reader2@example.org", timestamp: seconds(), "smtp-id": msgId(2), event: "spamreport", sg_event_id: "ev-2", sg_message_id: "sg-2" },
    { email: "reader3@example.org", timestamp: seconds(), event: "bounce", type: "blocked", status: "5.7.1", reason: "blocked by spam filter", sg_event_id: "ev-3" },
    { email: "reader4@example.org", timestamp: seconds(), event: "delivered", response: "250 OK", sg_event_id: "ev-4" },
    { email: "reader5@example.org", timestamp: seconds(), event: "open", sg_event_id: "ev-5" },
  ]);

  it("records bounces, spam reports and deliveries from a signed batch", async () => {
    const res = await post("sendgrid", events, sign(events));
    expect(JSON.parse(res.body)).toEqual({ recorded: 4, duplicates: 0, unmatched: 0, effects: { bounced: 1, complained: 1 } });
    expect(await statuses()).toEqual(["bounced", "complained", "confirmed", "confirmed", "confirmed"]);
    expect((await store.feedback.feedbackEvents({ subscriberId: 3 }))[0]).toMatchObject({ kind: "soft_bounce", statusCode: "5.7.1" });
  });

  it("refuses a forged body, a stale timestamp and a replayed signature", async () => {
    const headers = sign(events);
    const forged = events.replace("reader3", "reader5");
    expect((await post("sendgrid", forged, headers)).status).toBe(403);
    expect((await post("sendgrid", events, sign(events, String(seconds(-10 * 60_000))))).status).toBe(403);
    expect((await post("sendgrid", events, {})).status).toBe(401);
    expect((await post("sendgrid", events, headers)).status).toBe(200);
    expect((await post("sendgrid", events, headers)).status).toBe(403);
    expect(await store.feedback.feedbackEvents({})).toHaveLength(4);
  });
});

describe("Mailgun (HMAC of timestamp and token)", () => {
  const payload = (event: Record<string, unknown>, token = randomBytes(25).toString("hex"), timestamp = String(seconds())) =>
    JSON.stringify({ signature: { timestamp, token, signature: createHmac("sha256", MAILGUN_KEY).update(timestamp + token).digest("hex") }, "event-data": event });
  const failed = {
    id: "mg-event-1",
    event: "failed",
    severity: "permanent",
    reason: "bounce",
    recipient: "reader1@example.org",
    message: { headers: { "message-id": msgId(1).slice(1, -1) } },
    envelope: { sender: "weekly@pretraining-weekly.example.org" },
    "delivery-status": { code: 550, "enhanced-code": "5.1.1", message: "5.1.1 The email account does not exist", description: "" },
  };

  it("records a permanent failure and a complaint; a replayed token is refused", async () => {
    const body = payload(failed);
    expect((await post("mailgun", body)).status).toBe(200);
    const replay = await post("mailgun", body);
    expect([replay.status, JSON.parse(replay.body).error]).toEqual([403, "this signature was seen before: refused as a replay"]);
    expect((await post("mailgun", payload({ id: "mg-event-2", event: "complained", recipient: "reader2@example.org", message: { headers: {} } }))).status).toBe(200);
    expect(await statuses()).toEqual(["bounced", "complained", "confirmed", "confirmed", "confirmed"]);
  });

  it("refuses a wrong signature and an old timestamp", async () => {
    const wrong = payload(failed).replace(/"signature":"[0-9a-f]+"/, `"signature":"${"0".repeat(64)}"`);
    expect((await post("mailgun", wrong)).status).toBe(403);
    expect((await post("mailgun", payload(failed, undefined, String(seconds(-6 * 60_000))))).status).toBe(403);
    expect((await post("mailgun", JSON.stringify({ "event-data": failed }))).status).toBe(401);
    expect(await status(1)).toBe("confirmed");
  });
});

describe("Resend (Svix signatures)", () => {
  const key = Buffer.from(RESEND_SECRET.slice(6), "base64");
  const sign = (body: string, id: string, timestamp = String(seconds())) => ({
    "svix-id": id,
    "svix-timestamp": timestamp,
    "svix-signature": `v1,${randomBytes(32).toString("base64")} v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`,
  });
  const bounced = JSON.stringify({
    type: "email.bounced",
    created_at: new Date().toISOString(),
    data: { email_id: "re-1", from: "weekly@pretraining-weekly.example.org", to: ["reader1@example.org"], subject: "issue 36", bounce: { type: "Permanent", subType: "Suppressed", message: "The recipient's address is on the suppression list" } },
  });

  it("records a Permanent bounce; the same message redelivered with a new signature is recorded once", async () => {
    expect((await post("resend", bounced, sign(bounced, "msg_1"))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect(JSON.parse((await post("resend", bounced, sign(bounced, "msg_1"))).body)).toMatchObject({ recorded: 0, duplicates: 1 });
    const complained = JSON.stringify({ type: "email.complained", created_at: new Date().toISOString(), data: { email_id: "re-2", to: ["reader2@example.org"] } });
    expect((await post("resend", complained, sign(complained, "msg_2"))).status).toBe(200);
    expect(await statuses()).toEqual(["bounced", "complained", "confirmed", "confirmed", "confirmed"]);
  });

  it("refuses a signature under another secret and missing headers", async () => {
    const other = { ...sign(bounced, "msg_3"), "svix-signature": `v1,${createHmac("sha256", "another secret").update("x").digest("base64")}` };
    expect((await post("resend", bounced, other)).status).toBe(403);
    expect((await post("resend", bounced)).status).toBe(401);
    expect(await status(1)).toBe("confirmed");
  });
});

describe("the generic webhook", () => {
  const signed = (body: string, timestamp = seconds()) => ({ "x-gazette-timestamp": String(timestamp), "x-gazette-signature": signGeneric(GENERIC_SECRET, timestamp, body) });
  const body = JSON.stringify({
    events: [
      { id: "relay-1", type: "bounce", bounce: "hard", recipient: "reader1@example.org", message_id: msgId(1), status: "5.1.1", diagnostic: "550 no such user" },
      { id: "relay-2", type: "complaint", recipient: "Reader2@Example.org" },
      { id: "relay-3", type: "bounce", bounce: "hard", recipient: "stranger@example.net" },
    ],
  });

  it("records the documented shape, says which events matched nobody, and is idempotent", async () => {
    const res = await post("generic", body, signed(body));
    expect(JSON.parse(res.body)).toEqual({ recorded: 2, duplicates: 0, unmatched: 1, effects: { bounced: 1, complained: 1 }, problems: ["no subscriber or delivery matches its recipient stranger@example.net"] });
    const again = await post("generic", body, signed(body, seconds() + 1));
    expect(JSON.parse(again.body)).toMatchObject({ recorded: 0, duplicates: 2 });
    expect(await statuses()).toEqual(["bounced", "complained", "confirmed", "confirmed", "confirmed"]);
  });

  it("answers a bad signature, malformed JSON and a wrong shape clearly, changing nothing", async () => {
    expect((await post("generic", body, { ...signed(body), "x-gazette-signature": "sha256=00" })).status).toBe(403);
    expect((await post("generic", body)).status).toBe(401);
    const malformed = '{"events": [';
    const res = await post("generic", malformed, signed(malformed));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatch(/^the body is not valid JSON: /);
    const wrong = JSON.stringify({ events: [{ id: "x", type: "bounce", recipient: "reader3@example.org" }] });
    const shape = await post("generic", wrong, signed(wrong));
    expect([shape.status, JSON.parse(shape.body)]).toEqual([400, { error: 'events.0.bounce: a bounce needs "bounce": "hard" or "soft"' }]);
    expect(await statuses()).toEqual(Array(5).fill("confirmed"));
  });

  it("has no route for a provider that is not configured", async () => {
    await app.close();
    const made = await feedbackStore();
    app = await createApp({ distDir: await tempDir(), webhooks: { intake: made.intake, generic: { secret: GENERIC_SECRET } } });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    expect((await post("postmark", "{}")).status).toBe(404);
    await made.store.close();
  });
});

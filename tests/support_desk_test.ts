// The support desk end to end: the widget API over HTTP (fetch), the sandbox's forum group and the
// real Postgres. A visitor's first message opens a topic with the client card, an agent's answer
// reaches the widget over SSE and polling, edits and /delete follow, /close and reopen, a topic
// deleted by hand is recreated, files go both ways, and bad requests get clear refusals.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { backends } from "./support/db.ts";
import { type BotUnderTest, startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { WidgetVisitor } from "./support/support_desk.ts";
import { adminHeaders } from "./support/admin.ts";
import { createSupportSite } from "../web/support/sites.ts";
import type { Sandbox, SandboxMessage } from "../web/sandbox/sandbox.ts";

const [backend] = await backends();
const origin = "https://shop.example";
const secret = "support-test-session-secret-0123456789";
const adminId = 4242;

async function setUp(env: Record<string, string> = {}) {
  const server = startSandboxServer();
  const forum = server.sandbox.forumGroup();
  const bot = await startBot(backend, server, "webhook", {
    env: {
      SUPPORT_CHAT_ID: String(forum.id),
      SEND_GROUP_PER_MINUTE: "1000",
      SESSION_SECRET: secret,
      ADMIN_IDS: String(adminId),
      ...env,
    },
  });
  const site = await createSupportSite(bot.platform.runtime, { key: "shop1", name: "Shop", origins: [origin] });
  const agent = server.driver.user("Olga", { language: "ru" });
  const stop = async () => {
    await bot.stop();
    await server.stop();
  };
  return { server, bot, forum, site, agent, stop };
}

const topicMessages = (sandbox: Sandbox, chatId: number, threadId: number): SandboxMessage[] =>
  sandbox.transcript(chatId).filter((m) => m.message_thread_id === threadId);

async function waitForTopic(sandbox: Sandbox, chatId: number, count: number) {
  await waitFor(() => sandbox.topics(chatId).length >= count, `${count} topic(s)`);
  return sandbox.topics(chatId)[count - 1];
}

async function waitForText(sandbox: Sandbox, chatId: number, threadId: number, text: RegExp | string) {
  const matches = (m: SandboxMessage) =>
    typeof text === "string" ? (m.text ?? m.caption ?? "").includes(text) : text.test(m.text ?? m.caption ?? "");
  await waitFor(
    () => topicMessages(sandbox, chatId, threadId).some(matches),
    `"${text}" in topic ${threadId}: ${JSON.stringify(topicMessages(sandbox, chatId, threadId).map((m) => m.text))}`,
  );
  return topicMessages(sandbox, chatId, threadId).find(matches)!;
}

async function waitForProjection(bot: BotUnderTest, sessionId: string, threadId: number) {
  await waitFor(async () => {
    const rows = await bot.platform.store.db.sql`
      select 1 from support_threads where session_id = ${sessionId} and thread_id = ${threadId}`;
    return rows.length > 0;
  }, "the topic in the read model");
}

Deno.test(`[${backend}] support: first message → topic with card → agent answer over SSE and polling; edits, /delete, duplicates`, async () => {
  const { server, bot, forum, agent, stop } = await setUp();
  const { sandbox } = server;
  const visitor = new WidgetVisitor(bot.platform.url, "shop1", origin);
  try {
    const started = await visitor.start();
    assertEquals(started.status, "new");
    const sse = visitor.stream(0);
    await sse.waitFor((e) => e.event === "status");

    const first = await visitor.send("Hello, where is my order?", {
      name: "Anna",
      email: "anna@example.com",
      page: "https://shop.example/cart?x=1",
      language: "en",
      browser: "Firefox 140",
      timeZone: "Europe/Berlin",
    });
    assertEquals(first.status, 201);
    const sent = first.body.message as { id: number; from: string; text: string };
    assertEquals([sent.id, sent.from, sent.text], [1, "visitor", "Hello, where is my order?"]);

    const topic = await waitForTopic(sandbox, forum.id, 1);
    assertMatch(topic.name, /^Anna · shop\.example\/cart · en$/);
    const card = await waitForText(sandbox, forum.id, topic.message_thread_id, "Firefox 140");
    assertMatch(card.text!, /anna@example\.com/);
    assertMatch(card.text!, /Europe\/Berlin/);
    assertMatch(card.text!, /Shop/);
    await waitForText(sandbox, forum.id, topic.message_thread_id, "Hello, where is my order?");

    // The same clientMessageId again: the same message, stored once.
    const clientMessageId = "retry-1";
    const a = await visitor.request("/messages", {
      method: "POST",
      body: JSON.stringify({ clientMessageId, text: "Second" }),
    });
    const b = await visitor.request("/messages", {
      method: "POST",
      body: JSON.stringify({ clientMessageId, text: "Second" }),
    });
    assertEquals([a.status, b.status, b.body.duplicate], [201, 200, true]);
    assertEquals((a.body.message as { id: number }).id, (b.body.message as { id: number }).id);

    await waitForProjection(bot, visitor.sessionId, topic.message_thread_id);
    const sentAt = performance.now();
    const answer = sandbox.userSends(agent.id, { text: "Hi Anna, it ships today" }, {
      chatId: forum.id,
      threadId: topic.message_thread_id,
    });
    const live = await sse.waitForMessage((m) => m.from === "agent", 5000, "the agent's answer");
    const latencyMs = performance.now() - sentAt;
    assertEquals([live.text, live.agentName], ["Hi Anna, it ships today", "Olga"]);
    assert(latencyMs < 1000, `SSE delivered in ${latencyMs} ms`);
    const metrics = await (await fetch(`${bot.platform.url}/metrics`)).text();
    assertMatch(metrics, /^support_widget_streams 1$/m);

    const polled = await visitor.poll(0);
    assertEquals(polled.messages.map((m) => [m.id, m.from, m.text]), [
      [1, "visitor", "Hello, where is my order?"],
      [2, "visitor", "Second"],
      [3, "agent", "Hi Anna, it ships today"],
    ]);
    // Resuming after the last cursor: nothing again.
    assertEquals((await visitor.poll(polled.cursor)).messages, []);

    sandbox.userEdits(agent.id, answer.message_id, { text: "Hi Anna, it ships tomorrow" }, { chatId: forum.id });
    const edited = await sse.waitForMessage((m) => m.id === 3 && m.editedAt !== null);
    assertEquals(edited.text, "Hi Anna, it ships tomorrow");
    const afterEdit = await visitor.poll(polled.cursor);
    assertEquals(afterEdit.messages.map((m) => [m.id, m.text]), [[3, "Hi Anna, it ships tomorrow"]]);

    sandbox.userSends(agent.id, { text: "/delete", entities: [{ type: "bot_command", offset: 0, length: 7 }] }, {
      chatId: forum.id,
      threadId: topic.message_thread_id,
      replyTo: answer.message_id,
    });
    const deleted = await sse.waitForMessage((m) => m.id === 3 && m.deleted);
    assertEquals(deleted.text, null);
    await waitForText(sandbox, forum.id, topic.message_thread_id, "Удалено у посетителя");

    // A reconnect with Last-Event-ID gets only what changed after it.
    const lastId = sse.events.filter((e) => e.id).at(-1)!.id!;
    await sse.close();
    const resumed = visitor.stream(undefined, lastId);
    sandbox.userSends(agent.id, { text: "Anything else?" }, { chatId: forum.id, threadId: topic.message_thread_id });
    const next = await resumed.waitForMessage((m) => m.text === "Anything else?");
    assertEquals(next.id, 4);
    assertEquals(resumed.messages.map((m) => m.id), [4]);
    await resumed.close();
  } finally {
    await stop();
  }
});

Deno.test(`[${backend}] support: /close tells the visitor, a new message reopens; /reopen, /ban, /info`, async () => {
  const { server, bot, forum, agent, stop } = await setUp();
  const { sandbox } = server;
  const visitor = new WidgetVisitor(bot.platform.url, "shop1", origin);
  const command = (text: string, threadId: number) =>
    sandbox.userSends(agent.id, { text, entities: [{ type: "bot_command", offset: 0, length: text.length }] }, {
      chatId: forum.id,
      threadId,
    });
  try {
    await visitor.start();
    await visitor.send("Привет", { language: "ru" });
    const topic = await waitForTopic(sandbox, forum.id, 1);
    assertMatch(topic.name, /^Посетитель #1 · ru$/);
    await waitForText(sandbox, forum.id, topic.message_thread_id, "Привет");
    await waitForProjection(bot, visitor.sessionId, topic.message_thread_id);
    const sse = visitor.stream(0);

    command("/close", topic.message_thread_id);
    await sse.waitFor((e) => e.event === "status" && JSON.parse(e.data).status === "closed");
    const notice = await sse.waitForMessage((m) => m.from === "system");
    assertMatch(notice.text!, /Разговор закрыт/);
    await waitFor(() => sandbox.topics(forum.id)[0].closed, "the topic closed");

    // The visitor writes again: the conversation and its topic reopen, the message lands there.
    assertEquals((await visitor.send("Ещё вопрос")).status, 201);
    await waitFor(() => !sandbox.topics(forum.id)[0].closed, "the topic reopened");
    await waitForText(sandbox, forum.id, topic.message_thread_id, "Ещё вопрос");
    await sse.waitFor((e) => e.event === "status" && JSON.parse(e.data).status === "open");

    command("/info", topic.message_thread_id);
    await waitFor(
      () =>
        topicMessages(sandbox, forum.id, topic.message_thread_id).filter((m) => /Карточка клиента/.test(m.text ?? ""))
          .length === 2,
      "the card again",
    );
    const card = topicMessages(sandbox, forum.id, topic.message_thread_id).filter((m) => /Карточка/.test(m.text ?? ""))
      .at(-1)!;
    assertMatch(card.text!, /Прежних обращений: 1/);

    command("/close", topic.message_thread_id);
    await waitFor(() => sandbox.topics(forum.id)[0].closed, "closed again");
    command("/reopen", topic.message_thread_id);
    await waitFor(() => !sandbox.topics(forum.id)[0].closed, "reopened by the agent");

    command("/ban", topic.message_thread_id);
    await waitForText(sandbox, forum.id, topic.message_thread_id, "заблокирован");
    const refused = await visitor.send("spam");
    assertEquals([refused.status, refused.body.code], [403, "banned"]);
    const [audit] = await bot.platform.store.db.sql<{ actor: string }[]>`
      select metadata->>'actor' as actor from events where type = 'SupportVisitorBanned'`;
    assertEquals(audit.actor, `admin:${agent.id}`);
    await sse.close();
  } finally {
    await stop();
  }
});

Deno.test(`[${backend}] support: a topic deleted by hand is recreated on the next message, with a note and the card`, async () => {
  const { server, bot, forum, agent, stop } = await setUp();
  const { sandbox } = server;
  const visitor = new WidgetVisitor(bot.platform.url, "shop1", origin);
  try {
    await visitor.start();
    await visitor.send("First question", { name: "Ivan" });
    const old = await waitForTopic(sandbox, forum.id, 1);
    await waitForText(sandbox, forum.id, old.message_thread_id, "First question");

    sandbox.deleteTopic(forum.id, old.message_thread_id);
    await visitor.send("Are you there?");
    const fresh = await waitForTopic(sandbox, forum.id, 1).then(async () => {
      await waitFor(
        () => sandbox.topics(forum.id).some((t) => t.message_thread_id !== old.message_thread_id),
        "a new topic",
      );
      return sandbox.topics(forum.id).find((t) => t.message_thread_id !== old.message_thread_id)!;
    });
    assertMatch(fresh.name, /^Ivan/);
    await waitForText(sandbox, forum.id, fresh.message_thread_id, "Прежняя тема этого посетителя была удалена");
    await waitForText(sandbox, forum.id, fresh.message_thread_id, "Карточка клиента");
    await waitForText(sandbox, forum.id, fresh.message_thread_id, "Are you there?");

    await waitForProjection(bot, visitor.sessionId, fresh.message_thread_id);
    sandbox.userSends(agent.id, { text: "Yes, here" }, { chatId: forum.id, threadId: fresh.message_thread_id });
    await waitFor(async () => (await visitor.poll(0)).messages.some((m) => m.text === "Yes, here"), "the answer");
    const { messages } = await visitor.poll(0);
    assertEquals(messages.map((m) => m.text), ["First question", "Are you there?", "Yes, here"]);

    // Closed by hand in Telegram (not with /close): the visitor's next message reopens it and lands.
    sandbox.setTopicClosed(forum.id, fresh.message_thread_id, true);
    await visitor.send("Hello again");
    await waitForText(sandbox, forum.id, fresh.message_thread_id, "Hello again");
    assert(!sandbox.topics(forum.id).find((t) => t.message_thread_id === fresh.message_thread_id)!.closed);
  } finally {
    await stop();
  }
});

Deno.test(`[${backend}] support: an answer given the moment a topic appears reaches the visitor`, async () => {
  const { server, bot, forum, agent, stop } = await setUp();
  const { sandbox } = server;
  const visitor = new WidgetVisitor(bot.platform.url, "shop1", origin);
  await visitor.start();
  const sse = visitor.stream(0);
  try {
    await sse.waitFor((e) => e.event === "status");
    assertEquals((await visitor.send("Are you there?", { name: "Vera" })).status, 201);
    // Before the sender has even recorded the topic's creation, let alone projected it.
    await waitFor(() => sandbox.topics(forum.id).length > 0, "the topic", 10_000);
    const [topic] = sandbox.topics(forum.id);
    sandbox.userSends(agent.id, { text: "Yes, right here" }, { chatId: forum.id, threadId: topic.message_thread_id });
    const answer = await sse.waitForMessage((m) => m.from === "agent", 15_000, "the agent's early answer");
    assertEquals(answer.text, "Yes, right here");
  } finally {
    await sse.close();
    await stop();
  }
});

Deno.test(`[${backend}] support: files both ways — a visitor's PNG into the topic, an agent's document to the widget`, async () => {
  const { server, bot, forum, agent, stop } = await setUp();
  const { sandbox } = server;
  const visitor = new WidgetVisitor(bot.platform.url, "shop1", origin);
  try {
    await visitor.start();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    const form = new FormData();
    form.append("file", new File([png], "screen.png", { type: "image/png" }));
    const upload = await fetch(`${bot.platform.url}/api/widget/attachments`, {
      method: "POST",
      headers: visitor.headers(),
      body: form,
    });
    assertEquals(upload.status, 201);
    const { attachment } = await upload.json() as { attachment: { id: string } };
    const sent = await visitor.send("See the screenshot", { attachmentId: attachment.id });
    assertEquals(sent.status, 201);

    const topic = await waitForTopic(sandbox, forum.id, 1);
    const photo = await waitForText(sandbox, forum.id, topic.message_thread_id, "See the screenshot");
    const fileId = (photo.photo as { file_id: string }[])[0].file_id;
    assertEquals(sandbox.files.get(fileId)?.bytes, png);

    // The visitor's own file, back through the widget API.
    const own = await fetch(`${bot.platform.url}/api/widget/attachments/${attachment.id}?token=${visitor.token}`);
    assertEquals(new Uint8Array(await own.arrayBuffer()), png);

    await waitForProjection(bot, visitor.sessionId, topic.message_thread_id);
    const pdf = new TextEncoder().encode("%PDF-1.4 invoice");
    const pdfId = sandbox.storeFile(pdf, "invoice.pdf", "application/pdf");
    sandbox.userSends(agent.id, {
      document: { file_id: pdfId, file_unique_id: "uinvoice", file_name: "invoice.pdf", mime_type: "application/pdf" },
      caption: "Your invoice",
    }, { chatId: forum.id, threadId: topic.message_thread_id });
    await waitFor(
      async () => (await visitor.poll(0)).messages.some((m) => m.attachment?.name === "invoice.pdf"),
      "the PDF",
    );
    const message = (await visitor.poll(0)).messages.find((m) => m.attachment?.name === "invoice.pdf")!;
    assertEquals(message.text, "Your invoice");
    const file = await fetch(`${bot.platform.url}${message.attachment!.url}?token=${visitor.token}`);
    assertEquals(file.headers.get("content-type"), "application/pdf");
    assertEquals(new Uint8Array(await file.arrayBuffer()), pdf);

    // Another visitor cannot open it.
    const stranger = new WidgetVisitor(bot.platform.url, "shop1", origin);
    await stranger.start();
    const denied = await fetch(`${bot.platform.url}${message.attachment!.url}?token=${stranger.token}`);
    assertEquals(denied.status, 404);
    await denied.body?.cancel();

    const exe = new FormData();
    exe.append("file", new File([new Uint8Array([77, 90])], "x.exe", { type: "application/x-msdownload" }));
    const refused = await fetch(`${bot.platform.url}/api/widget/attachments`, {
      method: "POST",
      headers: visitor.headers(),
      body: exe,
    });
    assertEquals(refused.status, 415);
    assertMatch((await refused.json()).error, /only images .* and PDF/);
  } finally {
    await stop();
  }
});

Deno.test(`[${backend}] support: origins, forged tokens, rate and size limits are refused with clear errors`, async () => {
  const { bot, stop } = await setUp();
  const base = bot.platform.url;
  try {
    const stranger = new WidgetVisitor(base, "shop1", "https://evil.example");
    const refused = await stranger.request("/session", { method: "POST", body: JSON.stringify({ site: "shop1" }) });
    assertEquals([refused.status, refused.body.code], [403, "origin_refused"]);
    assertMatch(refused.body.error as string, /origin https:\/\/evil\.example is not allowed/);

    // CORS: a preflight from an allowed origin is answered for it; an unknown one gets no allow header.
    const preflight = (o: string) =>
      fetch(`${base}/api/widget/messages`, {
        method: "OPTIONS",
        headers: {
          origin: o,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const good = await preflight(origin);
    assertEquals(good.headers.get("access-control-allow-origin"), origin);
    await good.body?.cancel();
    const bad = await preflight("https://evil.example");
    assertEquals(bad.headers.get("access-control-allow-origin"), null);
    await bad.body?.cancel();

    const unknown = await new WidgetVisitor(base, "nosuchsite", origin).request("/session", {
      method: "POST",
      body: JSON.stringify({ site: "nosuchsite" }),
    });
    assertEquals([unknown.status, unknown.body.code], [404, "unknown_site"]);

    const visitor = new WidgetVisitor(base, "shop1", origin);
    await visitor.start();
    const [body, signature] = [visitor.token.slice(0, visitor.token.lastIndexOf(".")), visitor.token.slice(-43)];
    const forgedTokens = [
      `${body}.${signature.slice(0, -2)}AA`,
      visitor.token.replace(visitor.visitorId, "a".repeat(20)),
      "garbage",
    ];
    for (const token of forgedTokens) {
      const forged = new WidgetVisitor(base, "shop1", origin);
      forged.token = token;
      const poll = await forged.request("/poll?after=0");
      assertEquals([poll.status, poll.body.code], [401, "unauthorized"]);
      const resumed = await forged.request("/session", {
        method: "POST",
        body: JSON.stringify({ site: "shop1", token }),
      });
      assertEquals(resumed.status, 401);
    }
    const sse = await fetch(`${base}/api/widget/events?token=forged`);
    assertEquals(sse.status, 401);
    await sse.body?.cancel();

    // Returning with the real token: the same visitor.
    const again = new WidgetVisitor(base, "shop1", origin);
    assertEquals((await again.start(visitor.token)).visitorId, visitor.visitorId);

    const long = await visitor.send("x".repeat(4001));
    assertEquals([long.status, long.body.field], [400, "body.text"]);
    const empty = await visitor.request("/messages", {
      method: "POST",
      body: JSON.stringify({ clientMessageId: "e1" }),
    });
    assertEquals([empty.status, empty.body.field], [400, "body.text"]);
    const malformed = await visitor.request("/messages", { method: "POST", body: "{not json" });
    assertEquals(malformed.status, 400);
    const badCursor = await visitor.request("/poll?after=-1");
    assertEquals([badCursor.status, badCursor.body.field], [400, "query.after"]);

    await createSupportSite(bot.platform.runtime, { key: "shop1", messagesPerMinute: 2 });
    assertEquals((await visitor.send("one")).status, 201);
    assertEquals((await visitor.send("two")).status, 201);
    const limited = await visitor.send("three");
    assertEquals([limited.status, limited.body.code], [429, "rate_limited"]);
    assert((limited.body.retryAfterMs as number) > 0);
    assertEquals((await visitor.poll(0)).messages.length, 2);
  } finally {
    await stop();
  }
});

Deno.test(`[${backend}] support: the console configures sites (audited), lists the inbox and response times`, async () => {
  const { server, bot, forum, agent, stop } = await setUp();
  const base = bot.platform.url;
  const headers = { ...(await adminHeaders(secret, adminId)), "content-type": "application/json" };
  try {
    const created = await fetch(`${base}/api/admin/support/sites`, {
      method: "POST",
      headers,
      body: JSON.stringify({ key: "blog2", name: "Blog", origins: ["https://blog.example"] }),
    });
    assertEquals(created.status, 201);
    await created.body?.cancel();
    const badOrigin = await fetch(`${base}/api/admin/support/sites/blog2`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ origins: ["not an origin"] }),
    });
    assertEquals(badOrigin.status, 400);
    await badOrigin.body?.cancel();
    const [audit] = await bot.platform.store.db.sql<{ actor: string; audit: unknown }[]>`
      select metadata->>'actor' as actor, metadata->'audit' as audit from events where type = 'SupportSiteConfigured'
        and data->>'site' = 'blog2'`;
    assertEquals(audit.actor, `admin:${adminId}`);

    const visitor = new WidgetVisitor(base, "blog2", "https://blog.example");
    await waitFor(
      async () =>
        (await fetch(`${base}/api/widget/config?site=blog2`, { headers: { origin: "https://blog.example" } })).ok,
      "the site",
    );
    await visitor.start();
    await visitor.send("Question", { name: "Petr Petrov", email: "petr@example.com" });
    const topic = await waitForTopic(server.sandbox, forum.id, 1);
    await waitForProjection(bot, visitor.sessionId, topic.message_thread_id);

    const inbox = async (query: string) => {
      const response = await fetch(`${base}/api/admin/support/sessions?${query}`, { headers });
      return (await response.json()) as { sessions: { sessionId: string; waiting: boolean; status: string }[] };
    };
    assertEquals((await inbox("status=waiting")).sessions.map((s) => s.sessionId), [visitor.sessionId]);
    assertEquals((await inbox("q=petrov")).sessions.length, 1);
    assertEquals((await inbox("q=nobody")).sessions.length, 0);

    server.sandbox.userSends(agent.id, { text: "Answer" }, { chatId: forum.id, threadId: topic.message_thread_id });
    await waitFor(async () => (await inbox("status=waiting")).sessions.length === 0, "answered");
    const stats = await (await fetch(`${base}/api/admin/support/stats`, { headers })).json();
    assertEquals(stats.firstResponse.count, 1);
    assert(stats.firstResponse.medianMs >= 0);

    const detail = await (await fetch(`${base}/api/admin/support/sessions/${visitor.sessionId}`, { headers })).json();
    assertEquals(detail.messages.map((m: { text: string }) => m.text), ["Question", "Answer"]);

    // GDPR: forgetting the visitor needs the id typed, is audited, and leaves texts and name redacted.
    const forgetUrl = `${base}/api/admin/support/sessions/${visitor.sessionId}/forget`;
    const unconfirmed = await fetch(forgetUrl, { method: "POST", headers, body: JSON.stringify({ confirm: "x" }) });
    assertEquals(unconfirmed.status, 400);
    await unconfirmed.body?.cancel();
    const forgotten = await fetch(forgetUrl, {
      method: "POST",
      headers,
      body: JSON.stringify({ confirm: visitor.sessionId }),
    });
    assertEquals(forgotten.status, 200);
    await forgotten.body?.cancel();
    const { messages } = await visitor.poll(0);
    assertEquals(messages[0].text, "[redacted]");
    await waitFor(async () => (await inbox("q=petrov")).sessions.length === 0, "the name gone from the inbox");
    const [erased] = await bot.platform.store.db.sql<{ actor: string }[]>`
      select metadata->>'actor' as actor from events where type = 'SupportVisitorForgotten'`;
    assertEquals(erased.actor, `admin:${adminId}`);
  } finally {
    await stop();
  }
});

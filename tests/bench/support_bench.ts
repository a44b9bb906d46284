// Support widget benchmark, against real Postgres: 1,000 widget sessions hold an SSE stream each;
// figures are the server's memory per connection (its RSS delta over the connections / 1,000, the
// server alone in a process of its own) and the latency from an agent's answer in the forum topic
// (posted in the sandbox, another process) to the widget's stream, p50/p99 at 50 answers/s
// (target p99 ≤ 200 ms). Baseline in the same run: a bare Deno.serve SSE server with an
// in-memory fan-out, the same connections, the same rate, nothing stored.
import { type Figure, fmt, paced, percentile } from "./support.ts";
import { sandboxProcess } from "./telegram_child.ts";
import { lines } from "../support/lines.ts";

const sessionCount = Number(Deno.env.get("BENCH_SUPPORT_SESSIONS") ?? 1000);
/** Sessions with a forum topic (the agent answers these); the rest only hold their stream. */
const topicCount = Number(Deno.env.get("BENCH_SUPPORT_TOPICS") ?? 50);
const answersPerSecond = Number(Deno.env.get("BENCH_SUPPORT_RATE") ?? 50);
const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 10);
const serverScript = new URL("./support_bench_server.ts", import.meta.url);
const sandboxScript = new URL("./sandbox_process.ts", import.meta.url);

/** A server child (baseline or platform) answering one JSON line per command. */
async function serverProcess(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", serverScript.pathname, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { LOG_LEVEL: "error" },
  }).spawn();
  const replies = lines(child.stdout)[Symbol.asyncIterator]();
  const writer = child.stdin.getWriter();
  const read = async () => JSON.parse((await replies.next()).value as string);
  const hello = await read() as { url: string };
  const ask = async <T>(command: Record<string, unknown>): Promise<T> => {
    await writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    return await read() as T;
  };
  return {
    url: hello.url,
    ask,
    rss: async () => (await ask<{ rss: number }>({ cmd: "rss" })).rss,
    async stop() {
      await ask({ cmd: "stop" });
      await writer.close().catch(() => {});
      await child.status;
    },
  };
}

/** One EventSource-like reader over fetch (lighter than EventSource for a thousand streams). */
function openStream(url: string, onData: (data: string, at: number) => void) {
  const abort = new AbortController();
  const opened = (async () => {
    const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
    if (!response.ok || !response.body) throw new Error(`SSE ${url}: ${response.status} ${await response.text()}`);
    (async () => {
      let buffer = "";
      try {
        for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
          const at = performance.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join(
              "\n",
            );
            if (data) onData(data, at);
          }
        }
      } catch {
        // aborted at the end of the run
      }
    })();
  })();
  return { opened, close: () => abort.abort() };
}

interface Target {
  /** The SSE URL of session i. */
  stream(i: number): string;
  /** Posts answer `text` to session i the way an agent would. */
  answer(i: number, text: string): Promise<void>;
}

interface Measured {
  perConnectionKiB: number;
  p50: number;
  p99: number;
  lost: number;
}

async function measure(name: string, server: Awaited<ReturnType<typeof serverProcess>>, target: Target) {
  const sent = new Map<number, number>();
  const latencies = new Map<number, number>();
  const onData = (data: string, at: number) => {
    const match = /bench-answer-(\d+)/.exec(data);
    if (!match) return;
    const seq = Number(match[1]);
    if (sent.has(seq) && !latencies.has(seq)) latencies.set(seq, at - sent.get(seq)!);
  };
  const before = await server.rss();
  const streams = [];
  for (let i = 0; i < sessionCount; i += 50) {
    const batch = Array.from(
      { length: Math.min(50, sessionCount - i) },
      (_, j) => openStream(target.stream(i + j), onData),
    );
    await Promise.all(batch.map((s) => s.opened));
    streams.push(...batch);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = await server.rss();
  const perConnectionKiB = (after - before) / sessionCount / 1024;
  console.log(
    `support ${name}: ${fmt(sessionCount)} SSE streams, server RSS +${fmt((after - before) / 1048576, 1)} MiB`,
  );

  const total = Math.round(answersPerSecond * seconds);
  const posts: Promise<void>[] = [];
  await paced(answersPerSecond, total, (seq) => {
    sent.set(seq, performance.now());
    posts.push(target.answer(seq % topicCount, `bench-answer-${seq}`));
  });
  await Promise.all(posts);
  const deadline = performance.now() + 10_000;
  while (latencies.size < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const stream of streams) stream.close();
  const sorted = [...latencies.values()].sort((a, b) => a - b);
  const measured: Measured = {
    perConnectionKiB,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lost: total - latencies.size,
  };
  console.log(
    `support ${name}: ${fmt(perConnectionKiB, 1)} KiB per connection; answer → widget at ${answersPerSecond}/s: ` +
      `p50 ${fmt(measured.p50, 1)} ms, p99 ${fmt(measured.p99, 1)} ms, ${measured.lost} of ${total} not arrived`,
  );
  return measured;
}

export async function baselineRun(): Promise<Measured> {
  const server = await serverProcess(["baseline"]);
  try {
    return await measure("baseline (bare Deno.serve SSE)", server, {
      stream: (i) => `${server.url}/events?session=s${i}`,
      async answer(i, text) {
        const response = await fetch(`${server.url}/publish`, {
          method: "POST",
          body: JSON.stringify({ session: `s${i}`, data: { text } }),
        });
        await response.body?.cancel();
      },
    });
  } finally {
    await server.stop();
  }
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const answer = await response;
  const body = await answer.json().catch(() => undefined);
  if (!answer.ok) throw new Error(`${answer.url}: ${answer.status} ${JSON.stringify(body)}`);
  return body as T;
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

export async function platformRun(): Promise<Measured> {
  const telegram = await sandboxProcess(sandboxScript);
  const sandbox = (path: string) => `${telegram.url}/sandbox${path}`;
  // The forum group exists once the state is read; the staff member answers in its topics.
  const state = await json<{ forum: { id: number } }>(fetch(sandbox("/api/state")));
  const forumId = state.forum.id;
  const staff = await json<{ id: number }>(post(sandbox("/api/users"), { name: "Staff", language: "en" }));
  const server = await serverProcess(["platform", telegram.url, telegram.token]);
  try {
    const site = (await server.ask<{ key: string }>({ cmd: "site", origin: "*" })).key;
    const api = (path: string) => `${server.url}/api/widget${path}`;
    // The site reaches the read models a moment after its event: wait until the widget API knows it.
    const ready = performance.now() + 30_000;
    while ((await fetch(api(`/config?site=${site}`)).then((r) => (r.body?.cancel(), r.status), () => 0)) !== 200) {
      if (performance.now() > ready) throw new Error(`site ${site} never became known to the widget API`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tokens: string[] = [];
    for (let i = 0; i < sessionCount; i += 20) {
      const batch = await Promise.all(
        Array.from(
          { length: Math.min(20, sessionCount - i) },
          () => json<{ token: string }>(post(api("/session"), { site })),
        ),
      );
      tokens.push(...batch.map((b) => b.token));
    }
    // The first sessions write, so each gets a topic the staff member can answer in.
    for (let i = 0; i < topicCount; i += 10) {
      await Promise.all(
        Array.from(
          { length: Math.min(10, topicCount - i) },
          (_, j) =>
            json(post(api("/messages"), { clientMessageId: `bench${i + j}`, text: `bench-visitor-${i + j}` }, {
              authorization: `Bearer ${tokens[i + j]}`,
            })),
        ),
      );
    }
    const threads = new Map<number, number>();
    const deadline = performance.now() + 120_000;
    while (threads.size < topicCount) {
      if (performance.now() > deadline) throw new Error(`only ${threads.size} of ${topicCount} topics appeared`);
      await new Promise((r) => setTimeout(r, 500));
      const { chats } = await json<{ chats: Record<string, { text?: string; message_thread_id?: number }[]> }>(
        fetch(sandbox("/api/state")),
      );
      for (const message of chats[forumId] ?? []) {
        const match = /bench-visitor-(\d+)/.exec(message.text ?? "");
        if (match && message.message_thread_id) threads.set(Number(match[1]), message.message_thread_id);
      }
    }
    return await measure("platform (widget SSE through the event log)", server, {
      stream: (i) => api(`/events?token=${encodeURIComponent(tokens[i])}&after=0`),
      async answer(i, text) {
        const response = await post(sandbox(`/api/users/${staff.id}/messages`), {
          text,
          chatId: forumId,
          threadId: threads.get(i),
        });
        if (!response.ok) throw new Error(`answer: ${response.status} ${await response.text()}`);
        await response.body?.cancel();
      },
    });
  } finally {
    await server.stop();
    await telegram.stop();
  }
}

export async function supportBench(): Promise<Figure[]> {
  const baseline = await baselineRun();
  const ours = await platformRun();
  const ratio = (a: number, b: number) => `${fmt(a / b, 1)}× baseline`;
  return [
    {
      bench: "support",
      metric: "baseline: bare SSE fan-out, memory per connection / p50 / p99",
      value: `${fmt(baseline.perConnectionKiB, 1)} KiB / ${fmt(baseline.p50, 1)} / ${fmt(baseline.p99, 1)} ms`,
      note: `${fmt(sessionCount)} streams, ${answersPerSecond} answers/s, ${baseline.lost} lost`,
    },
    {
      bench: "support",
      metric: `memory per widget SSE connection (${fmt(sessionCount)} sessions)`,
      value: `${fmt(ours.perConnectionKiB, 1)} KiB`,
      note: ratio(ours.perConnectionKiB, baseline.perConnectionKiB),
    },
    {
      bench: "support",
      metric: `agent answer → widget p50 / p99 at ${answersPerSecond}/s`,
      value: `${fmt(ours.p50, 1)} / ${fmt(ours.p99, 1)} ms`,
      note: `target p99 ≤ 200 ms; p99 ${ratio(ours.p99, baseline.p99)}; ${ours.lost} not arrived`,
    },
  ];
}

if (import.meta.main) await supportBench();

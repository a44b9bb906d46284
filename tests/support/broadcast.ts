// Broadcast tests' shared steps: subscribers started straight through their actors, the admin
// API called with a signed session, and waiting for a mailing to reach a status.
import { assert } from "@std/assert";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { userActor } from "../../actors/user.ts";
import type { Sql } from "../../events/database.ts";
import { adminHeaders } from "./admin.ts";
import { waitFor } from "./wait.ts";

export const testSessionSecret = "broadcast-test-session-secret-0123456789";

/** Starts these users as /start would (no Telegram round trip), in concurrent batches. */
export async function seedSubscribers(
  runtime: ActorRuntime,
  users: { id: number; language: "ru" | "en"; source?: string }[],
): Promise<void> {
  const ref = runtime.actor(userActor);
  for (let i = 0; i < users.length; i += 500) {
    await Promise.all(
      users.slice(i, i + 500).map((u) =>
        ref.send(String(u.id), {
          type: "start",
          userId: u.id,
          language: u.language,
          referral: u.source ?? null,
          firstName: `U${u.id}`,
          username: null,
        }, { commandId: `seed:${u.id}`, actor: `user:${u.id}` })
      ),
    );
  }
}

export async function waitForSubscribers(sql: Sql, count: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        const [row] = await sql<{ n: number }[]>`select count(*)::int as n from broadcast_subscribers`;
        return row.n >= count;
      } catch {
        return false;
      }
    },
    `${count} subscribers in the read model`,
    timeoutMs,
  );
}

export interface AdminClient {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  text(path: string): Promise<{ status: number; text: string; type: string | null }>;
}

export function adminClient(baseUrl: string, adminId: number): AdminClient {
  return {
    async call(method, path, body) {
      const headers = { ...(await adminHeaders(testSessionSecret, adminId)), "content-type": "application/json" };
      const response = await fetch(`${baseUrl}/api/admin${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async text(path) {
      const response = await fetch(`${baseUrl}/api/admin${path}`, {
        headers: await adminHeaders(testSessionSecret, adminId),
      });
      // Kept as sent: Response.text() would drop a byte-order mark.
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await response.arrayBuffer());
      return { status: response.status, text, type: response.headers.get("content-type") };
    },
  };
}

/** Waits until the mailing (read from its actor through the API) is in one of these statuses. */
export async function waitForMailing(
  api: AdminClient,
  mailingId: string,
  statuses: string[],
  timeoutMs = 60_000,
): Promise<Record<string, number | string>> {
  let progress: Record<string, number | string> = {};
  await waitFor(
    async () => {
      const answer = await api.call("GET", `/broadcast/mailings/${mailingId}`);
      assert(answer.status === 200, JSON.stringify(answer.body));
      progress = answer.body.progress as Record<string, number | string>;
      return statuses.includes(String(progress.status));
    },
    `mailing ${mailingId} to be ${statuses.join(" or ")} (${JSON.stringify(progress)})`,
    timeoutMs,
  );
  return progress;
}

export const mailingContent = (text: string) => ({
  title: text.slice(0, 40),
  variants: { ru: { text: `🇷🇺 ${text}`, buttons: [] }, en: { text: `🇬🇧 ${text}`, buttons: [] } },
});

// POST /api/integrations/reply: an integration (a Make scenario) answers a user. Authenticated by
// the outbound scheme: `X-Subscription-Id` names the subscription, `X-Signature: t=…,v1=…` signs the
// raw body with its secret. A bad signature is 401 and nothing is written; the reply itself goes to
// the user through the outbox and the one sender, and stops the "typing…" shown meanwhile.
import { Hono } from "hono";
import { z } from "zod";
import { createHash } from "node:crypto";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { integrationActor } from "../../actors/integration.ts";
import { integrationBatchActor } from "../../actors/integration_batch.ts";
import { subscriptionId as subscriptionIdSchema } from "../../events/integrations.ts";
import { describeIssue } from "../http/validation.ts";
import { signatureHeader, verifySignature } from "./signature.ts";

export interface ReplyRouteDeps {
  runtime: ActorRuntime;
  toleranceSeconds: number;
  now(): Date;
}

const replyBody = z.object({
  userId: z.number().int().positive(),
  text: z.string().trim().min(1, "must not be empty").max(4096, "must be at most 4096 characters"),
  /** Makes a retried reply count once; the signature stands in when it is missing. */
  replyId: z.string().min(1).max(200).optional(),
});

export function integrationReplyRoutes(deps: ReplyRouteDeps): Hono {
  const app = new Hono();
  const subscriptions = deps.runtime.actor(integrationActor);
  const batches = deps.runtime.actor(integrationBatchActor);
  const unauthorized = (error: string) => ({ ok: false as const, error, code: "unauthorized" });

  app.post("/reply", async (c) => {
    const id = subscriptionIdSchema.safeParse(c.req.header("x-subscription-id") ?? "");
    if (!id.success) return c.json(unauthorized("the X-Subscription-Id header is missing or malformed"), 401);
    const raw = await c.req.text();
    const { state } = await subscriptions.state(id.data);
    if (state.status !== "active") return c.json(unauthorized(`no active subscription ${id.data}`), 401);
    const header = c.req.header(signatureHeader);
    const verdict = verifySignature(state.secret, header, raw, {
      nowSeconds: Math.floor(deps.now().getTime() / 1000),
      toleranceSeconds: deps.toleranceSeconds,
    });
    if (!verdict.ok) return c.json(unauthorized(`bad signature: ${verdict.reason}`), 401);

    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return c.json({ ok: false, error: "body: not valid JSON", field: "body", code: "bad_request" }, 400);
    }
    const parsed = replyBody.safeParse(json);
    if (!parsed.success) return c.json({ ...describeIssue("body", parsed.error), code: "bad_request" }, 400);
    const { userId, text } = parsed.data;
    const replyId = parsed.data.replyId ?? createHash("sha256").update(header!).digest("hex").slice(0, 32);
    const result = await batches.send(String(userId), { type: "reply", text, replyId, subscriptionId: id.data }, {
      commandId: `reply:${id.data}:${replyId}`,
      actor: `integration:${id.data}`,
    });
    if (!result.ok) return c.json({ ok: false, error: result.error.message, code: result.error.code }, 409);
    return c.json({ ok: true, duplicate: result.duplicate }, 202);
  });

  return app;
}

// Operations admins run from the console, recorded so the audit log shows who did them.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";

/** An admin asked for a projection to be rebuilt from position zero (stream `projection-<name>`). */
export const ProjectionRebuildRequested = defineEvent(
  "ProjectionRebuildRequested",
  z.object({ name: z.string().regex(/^[a-z_][a-z0-9_]*$/).max(100) }),
);

/** A user's personal data was shredded (stream `gdpr-<userId>`: the user actor's stream stays its own). */
export const UserForgotten = defineEvent("UserForgotten", z.object({ userId: z.number().int().positive() }));

export const operationsEvents = [ProjectionRebuildRequested, UserForgotten];

export type OperationsEvent = EventOf<typeof ProjectionRebuildRequested> | EventOf<typeof UserForgotten>;

// Booking in the bot: /book (service → calendar → time → name and phone → confirm), /mybookings
// (cancel, reschedule, edit contact), star ratings with an optional comment, and /bookings for
// admins. The flow actor keeps every answer, so a restart resumes the conversation; the service
// decides, and confirmations come from the booking_notices reactor.
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../bot.ts";
import { type MessageKey, t } from "../i18n.ts";
import { bookingFlowActor, type BookingFlowState, stepOf } from "../../../actors/booking_flow.ts";
import { addDays, addMonths, hhmm, isValidDate } from "../../../actors/booking_time.ts";
import type { Outbox } from "../outbox.ts";
import type { ActorRuntime } from "../../../actors/runtime.ts";
import type { BookingService, Cause, Refusal } from "../../booking/service.ts";
import {
  alternativesKeyboard,
  bookingVars,
  calendarKeyboard,
  dateLabel,
  priceLabel,
  slotsKeyboard,
  statusLabel,
} from "../../booking/present.ts";
import { bookingsOfDay } from "../../../projections/booking_queries.ts";
import type { Sql } from "../../../events/database.ts";
import type { BookingPayments } from "../../booking/payment.ts";

export interface BookingHandlerDeps {
  runtime: ActorRuntime;
  outbox: Outbox;
  booking: BookingService;
  sql?: Sql;
  isAdmin?(userId: number): Promise<boolean>;
  /** Paying for bookings: "Pay" in /mybookings and its invoice (absent: no payments). */
  bookingPayments?: BookingPayments;
}

/** Slot problems users are told about by name; the rest are shown as a generic refusal. */
const slotReasons = new Set([
  "day_off",
  "closed",
  "past",
  "too_soon",
  "too_far",
  "not_on_grid",
  "outside_hours",
  "in_break",
  "day_full",
  "slot_taken",
]);

export function bookingHandlers(deps: BookingHandlerDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChats = composer.chatType("private");
  const flows = deps.runtime.actor(bookingFlowActor);
  const service = deps.booking;
  /** part: a second command to the same flow in one update needs an id of its own, or it reads as a replay. */
  const options = (ctx: BotContext, part = "") => ({
    commandId: `update:${ctx.update.update_id}${part}`,
    actor: `user:${ctx.from!.id}`,
  });
  const cause = (ctx: BotContext): Cause => ({ key: `update:${ctx.update.update_id}`, actor: `user:${ctx.from!.id}` });
  const flowId = (ctx: BotContext) => String(ctx.from!.id);
  /** A text built here (not one locale key), queued once per update and slot. */
  const reply = (ctx: BotContext, slot: string, text: string, extra: Record<string, unknown> = {}) =>
    deps.outbox.sendMessage(`update:${ctx.update.update_id}:bk:${slot}`, ctx.chat!.id, text, extra);

  async function showServices(ctx: BotContext): Promise<void> {
    const services = await service.services();
    if (services.length === 0) return await ctx.say("booking.no_services");
    const keyboard = new InlineKeyboard();
    for (const s of services) {
      const label = t(ctx.lang, "booking.service_line", {
        name: s.name,
        duration: s.durationMinutes,
        price: priceLabel(ctx.lang, s.price),
      });
      keyboard.text(label, `bk:svc:${s.serviceId}`).row();
    }
    keyboard.text(t(ctx.lang, "booking.cancel"), "bk:x");
    const descriptions = services.filter((s) => s.description).map((s) => `• ${s.name}: ${s.description}`);
    await reply(ctx, "services", [t(ctx.lang, "booking.choose_service"), ...descriptions].join("\n"), {
      reply_markup: keyboard,
    });
  }

  async function showCalendar(ctx: BotContext, flow: BookingFlowState, month?: string): Promise<void> {
    const svc = flow.serviceId ? await service.service(flow.serviceId) : undefined;
    if (!svc) return await ctx.say("booking.service_unavailable");
    const today = service.today();
    const first = today.slice(0, 7);
    const { settings } = await service.settings();
    const last = addDays(today, settings.horizonDays).slice(0, 7);
    const shown = month && month >= first && month <= last ? month : (flow.date?.slice(0, 7) ?? first);
    const days = await service.freeDays(svc.serviceId, shown);
    const nav = { prev: shown > first ? addMonths(shown, -1) : null, next: shown < last ? addMonths(shown, 1) : null };
    await reply(ctx, "calendar", t(ctx.lang, "booking.choose_day", { service: svc.name }), {
      reply_markup: calendarKeyboard(ctx.lang, shown, days, nav),
    });
  }

  async function showSlots(ctx: BotContext, flow: BookingFlowState): Promise<void> {
    const svc = await service.service(flow.serviceId!);
    if (!svc) return await ctx.say("booking.service_unavailable");
    const date = flow.date!;
    const slots = await service.freeSlots(svc.serviceId, date, { ignoreBookingId: flow.bookingId ?? undefined });
    if (slots.length === 0) {
      await ctx.say("booking.no_slots_day", { date: dateLabel(ctx.lang, date) });
      return await showCalendar(ctx, flow, date.slice(0, 7));
    }
    await reply(
      ctx,
      "slots",
      t(ctx.lang, "booking.choose_slot", { service: svc.name, date: dateLabel(ctx.lang, date) }),
      {
        reply_markup: slotsKeyboard(ctx.lang, slots, date.slice(0, 7)),
      },
    );
  }

  const confirmKeyboard = (ctx: BotContext) =>
    new InlineKeyboard().text(t(ctx.lang, "booking.confirm"), "bk:ok").text(t(ctx.lang, "booking.cancel"), "bk:x");

  /** Asks what the flow needs next. */
  async function ask(ctx: BotContext, flow: BookingFlowState): Promise<void> {
    switch (stepOf(flow)) {
      case "none":
        return await ctx.say("booking.no_flow");
      case "service":
        return await showServices(ctx);
      case "day":
        return await showCalendar(ctx, flow);
      case "slot":
        return await showSlots(ctx, flow);
      case "name": {
        const saved = flow.mode === "book" ? await service.clientProfile(ctx.from!.id) : null;
        const keyboard = new InlineKeyboard();
        if (saved) keyboard.text(t(ctx.lang, "booking.use_saved", saved), "bk:saved").row();
        keyboard.text(t(ctx.lang, "booking.cancel"), "bk:x");
        return await ctx.say("booking.ask_name", {}, { reply_markup: keyboard });
      }
      case "phone":
        return await ctx.say("booking.ask_phone", {}, {
          reply_markup: new InlineKeyboard().text(t(ctx.lang, "booking.cancel"), "bk:x"),
        });
      case "confirm": {
        if (flow.mode === "edit_contact") return await applyFlow(ctx, flow);
        const svc = await service.service(flow.serviceId!);
        const vars = {
          service: svc?.name ?? "",
          date: dateLabel(ctx.lang, flow.date!),
          time: hhmm(flow.startMinute!),
          name: flow.name ?? "",
          phone: flow.phone ?? "",
        };
        const key = flow.mode === "reschedule" ? "booking.reschedule_confirm_text" : "booking.confirm_text";
        return await ctx.say(key, vars, { reply_markup: confirmKeyboard(ctx) });
      }
      case "comment":
        return await ctx.say("booking.rated", {}, {
          reply_markup: new InlineKeyboard().text(t(ctx.lang, "booking.skip"), "bk:skip"),
        });
    }
  }

  /** Tells a refused service call's reason in the user's words. */
  async function explain(ctx: BotContext, refused: Refusal): Promise<void> {
    if (refused.code === "slot_taken" || refused.code === "day_full") {
      if (!refused.alternatives?.length) return await ctx.say("booking.slot_taken_none");
      return await ctx.say("booking.slot_taken", {}, {
        reply_markup: alternativesKeyboard(ctx.lang, refused.alternatives),
      });
    }
    if (slotReasons.has(refused.code)) {
      const reason = t(ctx.lang, `booking.reason.${refused.code}` as MessageKey);
      return await ctx.say("booking.slot_problem", { reason });
    }
    const keys: Record<string, MessageKey> = {
      too_late: "booking.too_late",
      not_active: "booking.not_active",
      deleted: "booking.not_found",
      not_found: "booking.not_found",
      not_yours: "booking.not_found",
      invalid_name: "booking.invalid_name",
      invalid_phone: "booking.invalid_phone",
      service_unavailable: "booking.service_unavailable",
      already_reviewed: "booking.already_reviewed",
      not_reviewable: "booking.not_reviewable",
      already_cancelled: "booking.not_active",
    };
    await ctx.say(keys[refused.code] ?? "error", { hours: service.policy.cancelHours });
  }

  /** The confirmed flow becomes a booking, a move or a contact change; the flow ends when it took. */
  async function applyFlow(ctx: BotContext, flow: BookingFlowState): Promise<void> {
    const userId = ctx.from!.id;
    // Keyed by the flow's version: pressing Confirm again (or a retry after a crash) repeats the same booking.
    const { version } = await flows.state(flowId(ctx));
    const flowCause: Cause = { key: `booking-flow:${userId}:${version}`, actor: `user:${userId}` };
    const outcome = flow.mode === "book"
      ? await service.book(flowCause, {
        userId,
        serviceId: flow.serviceId!,
        date: flow.date!,
        startMinute: flow.startMinute!,
        name: flow.name!,
        phone: flow.phone!,
      })
      : flow.mode === "reschedule"
      ? await service.rescheduleByClient(flowCause, userId, flow.bookingId!, {
        date: flow.date!,
        startMinute: flow.startMinute!,
      })
      : await service.changeContact(flowCause, userId, flow.bookingId!, { name: flow.name!, phone: flow.phone! });
    if (!outcome.ok) return await explain(ctx, outcome);
    await flows.send(flowId(ctx), { type: "finish" }, options(ctx, ":finish"));
  }

  /** Runs a flow command and asks the next question, or says what to fix. */
  async function step(ctx: BotContext, command: Parameters<typeof flows.send>[1]): Promise<void> {
    const result = await flows.send(flowId(ctx), command, options(ctx));
    if (result.ok) return await ask(ctx, result.state);
    const flow = await flows.peek(flowId(ctx));
    switch (result.error.code) {
      case "invalid_name":
        return await ctx.say("booking.invalid_name");
      case "invalid_phone":
        return await ctx.say("booking.invalid_phone");
      case "no_flow":
        return await ctx.say("booking.no_flow");
      default:
        return await ask(ctx, flow);
    }
  }

  privateChats.command("book", async (ctx) => {
    const started = await flows.send(flowId(ctx), { type: "start", userId: ctx.from.id, mode: "book" }, options(ctx));
    if (started.ok) await ask(ctx, started.state);
  });

  privateChats.command("cancel", async (ctx, next) => {
    if (!(await flows.peek(flowId(ctx))).active) return await next();
    await flows.send(flowId(ctx), { type: "cancel" }, options(ctx));
    await ctx.say("booking.flow_cancelled");
  });

  privateChats.command("mybookings", async (ctx) => {
    const lang = ctx.lang;
    const { upcoming, past } = await service.myBookings(ctx.from.id);
    if (upcoming.length === 0 && past.length === 0) return await ctx.say("booking.my_empty");
    const pay = deps.bookingPayments;
    const line = (b: (typeof past)[number]) =>
      t(lang, "booking.line", { ...bookingVars(lang, b), status: statusLabel(lang, b.status) }) +
      (b.paid ? t(lang, b.status === "cancelled" ? "booking.pay.refund_mark" : "booking.pay.paid_mark") : "");
    const parts: string[] = [];
    const keyboard = new InlineKeyboard();
    if (upcoming.length > 0) {
      parts.push(t(lang, "booking.my_upcoming"), ...upcoming.slice(0, 10).map(line));
      for (const b of upcoming.slice(0, 10)) {
        keyboard.text(t(lang, "booking.manage", bookingVars(lang, b)), "bk:noop").row()
          .text(t(lang, "booking.cancel_booking"), `bk:c:${b.bookingId}`)
          .text(t(lang, "booking.reschedule"), `bk:r:${b.bookingId}`)
          .text(t(lang, "booking.edit_contact"), `bk:e:${b.bookingId}`).row();
        if (pay?.offerable(b)) keyboard.text(pay.buttonText(lang, b.price), `bk:pay:${b.bookingId}`).row();
      }
    }
    if (past.length > 0) parts.push("", t(lang, "booking.my_past"), ...past.slice(0, 10).map(line));
    await reply(ctx, "mine", parts.join("\n").trim(), upcoming.length ? { reply_markup: keyboard } : {});
  });

  privateChats.command("bookings", async (ctx, next) => {
    if (!deps.isAdmin || !deps.sql) return await next();
    if (!(await deps.isAdmin(ctx.from.id))) return await ctx.say("booking.admin_only");
    const arg = ctx.match.trim();
    if (arg && !isValidDate(arg)) return await ctx.say("booking.admin_usage");
    const date = arg || service.today();
    const rows = (await bookingsOfDay(deps.sql, date)).filter((b) => b.status !== "deleted");
    const label = dateLabel(ctx.lang, date);
    if (rows.length === 0) return await ctx.say("booking.admin_day_empty", { date: label });
    const lines = rows.map((b) =>
      t(ctx.lang, "booking.admin_day_line", {
        time: hhmm(b.startMinute),
        service: b.serviceName,
        name: b.name,
        phone: b.phone,
        status: statusLabel(ctx.lang, b.status),
      })
    );
    await reply(ctx, "day", [t(ctx.lang, "booking.admin_day_title", { date: label }), ...lines].join("\n"));
  });

  privateChats.on("message:text", async (ctx, next) => {
    if (ctx.msg.text.startsWith("/")) return await next();
    const flow = await flows.peek(flowId(ctx));
    const current = stepOf(flow);
    if (current === "name") return await step(ctx, { type: "enterName", text: ctx.msg.text });
    if (current === "phone") return await step(ctx, { type: "enterPhone", text: ctx.msg.text });
    if (current === "comment") {
      const commented = await service.comment(cause(ctx), ctx.from.id, flow.bookingId!, ctx.msg.text);
      if (!commented.ok && commented.code === "invalid") return await ctx.say("booking.invalid_comment");
      await flows.send(flowId(ctx), { type: "finish" }, options(ctx));
      return await (commented.ok ? ctx.say("booking.comment_saved") : explain(ctx, commented));
    }
    await next();
  });

  composer.callbackQuery(/^bk:none:(\d{4}-\d{2}-\d{2})$/, async (ctx) => {
    await ctx.answerCallbackQuery({
      text: t(ctx.lang, "booking.no_slots_day", { date: dateLabel(ctx.lang, ctx.match[1]) }),
    })
      .catch(() => {});
  });

  composer.callbackQuery("bk:noop", (ctx) => ctx.answerCallbackQuery().catch(() => {}));

  composer.callbackQuery(
    /^bk:(svc:([0-9a-z]{10})|mon:(\d{4}-\d{2})|day:(\d{4}-\d{2}-\d{2})|slot:(\d{4}-\d{2}-\d{2}):(\d{1,4})|saved|ok|x)$/,
    async (ctx) => {
      await ctx.answerCallbackQuery().catch(() => {});
      const [, action, serviceId, month, day, slotDate, slotMinute] = ctx.match;
      const flow = await flows.peek(flowId(ctx));
      if (action === "x") {
        if (flow.active) await flows.send(flowId(ctx), { type: "cancel" }, options(ctx));
        return await ctx.say("booking.flow_cancelled");
      }
      if (!flow.active) return await ctx.say("booking.no_flow");
      if (serviceId) return await step(ctx, { type: "chooseService", serviceId });
      if (month) return await showCalendar(ctx, flow, month);
      if (day) return await step(ctx, { type: "chooseDay", date: day });
      if (slotDate) {
        // Suggestions may lie on another day than the one chosen: move the flow there first.
        if (flow.date !== slotDate) {
          const moved = await flows.send(flowId(ctx), { type: "chooseDay", date: slotDate }, options(ctx, ":day"));
          if (!moved.ok) return await ask(ctx, flow);
        }
        return await step(ctx, { type: "chooseSlot", startMinute: Number(slotMinute) });
      }
      if (action === "saved") {
        const saved = await service.clientProfile(ctx.from.id);
        if (!saved || stepOf(flow) !== "name") return await ask(ctx, flow);
        await flows.send(flowId(ctx), { type: "enterName", text: saved.name }, options(ctx, ":name"));
        return await step(ctx, { type: "enterPhone", text: saved.phone });
      }
      // ok
      if (stepOf(flow) !== "confirm") return await ask(ctx, flow);
      await applyFlow(ctx, flow);
    },
  );

  composer.callbackQuery(/^bk:(c|r|e):([0-9a-z]{10})$/, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const [, action, bookingId] = ctx.match;
    const userId = ctx.from.id;
    if (action === "c") {
      const cancelled = await service.cancelByClient(cause(ctx), userId, bookingId);
      return cancelled.ok ? undefined : await explain(ctx, cancelled);
    }
    if (action === "r") {
      const movable = await service.canMove(userId, bookingId);
      if (!movable.ok) return await explain(ctx, movable);
      const started = await flows.send(flowId(ctx), {
        type: "start",
        userId,
        mode: "reschedule",
        bookingId,
        serviceId: movable.booking.serviceId,
      }, options(ctx));
      if (started.ok) await ask(ctx, started.state);
      return;
    }
    const booking = await service.booking(bookingId);
    if (!booking || booking.userId !== userId) return await ctx.say("booking.not_found");
    if (booking.status !== "confirmed") return await ctx.say("booking.not_active");
    const started = await flows.send(
      flowId(ctx),
      { type: "start", userId, mode: "edit_contact", bookingId },
      options(ctx),
    );
    if (started.ok) await ask(ctx, started.state);
  });

  composer.callbackQuery(/^bk:pay:([0-9a-z]{10})$/, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    if (!deps.bookingPayments || ctx.chat?.type !== "private") return;
    const offered = await deps.bookingPayments.offer(cause(ctx), ctx.from.id, ctx.lang, ctx.match[1], ctx.chat.id);
    if (!offered.ok) await reply(ctx, "pay", offered.message);
  });

  composer.callbackQuery(/^bk:rate:([0-9a-z]{10}):([1-5])$/, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const [, bookingId, stars] = ctx.match;
    const rated = await service.review(cause(ctx), ctx.from.id, bookingId, Number(stars));
    if (!rated.ok) return await explain(ctx, rated);
    const started = await flows.send(flowId(ctx), {
      type: "start",
      userId: ctx.from.id,
      mode: "review_comment",
      bookingId,
    }, options(ctx));
    if (started.ok) await ask(ctx, started.state);
  });

  composer.callbackQuery("bk:skip", async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const flow = await flows.peek(flowId(ctx));
    if (flow.active && flow.mode === "review_comment") await flows.send(flowId(ctx), { type: "finish" }, options(ctx));
    await ctx.say("booking.comment_saved");
  });

  return composer;
}

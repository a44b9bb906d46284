// A test driver over the sandbox: users send, expect and click the way people do in Telegram,
// and a failed expectation shows the chat transcript.
import { commandEntity, type InlineButton, type Sandbox, type SandboxMessage, type UserInfo } from "./sandbox.ts";

export class SandboxDriver {
  constructor(readonly sandbox: Sandbox, readonly timeoutMs = 5000) {}

  user(name: string, options: { language?: string; username?: string; lastName?: string } = {}): SandboxUser {
    return new SandboxUser(this, this.sandbox.createUser(name, options));
  }
}

export class SandboxUser {
  /** Bot messages up to here have been matched by an expectation already. */
  #seen = 0;

  constructor(private readonly driver: SandboxDriver, readonly info: UserInfo) {}

  get id(): number {
    return this.info.id;
  }

  get transcript(): SandboxMessage[] {
    return this.driver.sandbox.transcript(this.id);
  }

  /** Bot messages in this user's chat, in order. */
  get botMessages(): SandboxMessage[] {
    return this.transcript.filter((m) => m.from?.is_bot);
  }

  send(text: string): SandboxMessage {
    return this.driver.sandbox.userSends(this.id, { text, ...commandEntity(text) });
  }

  sendContent(content: Record<string, unknown>): SandboxMessage {
    return this.driver.sandbox.userSends(this.id, content);
  }

  /** Answers a message in this user's chat with Telegram's reply (text, or any content). */
  reply(to: SandboxMessage, content: string | Record<string, unknown>): SandboxMessage {
    const body = typeof content === "string" ? { text: content, ...commandEntity(content) } : content;
    return this.driver.sandbox.userSends(this.id, body, { replyTo: to.message_id });
  }

  /** Edits one of this user's own messages (its text or caption). */
  edit(message: SandboxMessage, changes: Record<string, unknown>): SandboxMessage {
    return this.driver.sandbox.userEdits(this.id, message.message_id, changes);
  }

  /** Waits for the next bot message (after those already matched) whose text matches. */
  async expectMessage(pattern: RegExp | string, timeoutMs = this.driver.timeoutMs): Promise<SandboxMessage> {
    const matches = (m: SandboxMessage) => {
      const text = m.text ?? m.caption ?? "";
      return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
    };
    const found = await this.#waitFor(
      () => {
        const messages = this.botMessages;
        const index = messages.findIndex((m, i) => i >= this.#seen && matches(m));
        if (index < 0) return undefined;
        this.#seen = index + 1;
        return messages[index];
      },
      timeoutMs,
      `a bot message matching ${pattern}`,
    );
    return found;
  }

  /** Asserts that nothing more arrives from the bot for a while. */
  async expectSilence(ms = 300): Promise<void> {
    const before = this.botMessages.length;
    await new Promise((r) => setTimeout(r, ms));
    if (this.botMessages.length > before) throw new Error(`expected no new bot messages\n${this.describe()}`);
  }

  /** Presses the inline button with this text on the latest bot message that has it. */
  click(text: string | RegExp): string {
    const { message, button } = this.#button(text);
    if (button.callback_data === undefined) throw new Error(`button "${button.text}" has no callback_data`);
    return this.driver.sandbox.userClicks(this.id, this.id, message.message_id, button.callback_data);
  }

  /** The signed Mini App URL the web_app button with this text opens. */
  openWebApp(text: string | RegExp): Promise<string> {
    const { button } = this.#button(text);
    if (!button.web_app) throw new Error(`button "${button.text}" is not a web_app button`);
    return this.driver.sandbox.webAppUrl(this.id, button.web_app.url);
  }

  block(): void {
    this.driver.sandbox.userSetsBlocked(this.id, true);
  }

  unblock(): void {
    this.driver.sandbox.userSetsBlocked(this.id, false);
  }

  describe(): string {
    const lines = this.transcript.map((m) => {
      const who = m.from?.is_bot ? "bot" : this.info.first_name;
      const buttons = m.reply_markup?.inline_keyboard?.flat().map((b) => `[${b.text}]`).join(" ") ?? "";
      return `  ${who}: ${m.text ?? m.caption ?? JSON.stringify(m)} ${buttons}`.trimEnd();
    });
    return `transcript of ${this.info.first_name} (${this.id}):\n${lines.join("\n") || "  (empty)"}`;
  }

  #button(text: string | RegExp): { message: SandboxMessage; button: InlineButton } {
    const matches = (b: InlineButton) => typeof text === "string" ? b.text === text : text.test(b.text);
    for (const message of [...this.botMessages].reverse()) {
      const button = message.reply_markup?.inline_keyboard?.flat().find(matches);
      if (button) return { message, button };
    }
    throw new Error(`no button ${text} in the chat\n${this.describe()}`);
  }

  async #waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return found;
    return await new Promise<T>((resolve, reject) => {
      const stop = this.driver.sandbox.on((event) => {
        if (event.kind !== "message" || event.chatId !== this.id) return;
        const hit = probe();
        if (hit === undefined) return;
        clearTimeout(timer);
        stop();
        resolve(hit);
      });
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
    });
  }
}

// Visitors' attachments: bytes too large for the event log (up to 10 MB) live in a table of
// their own, named by a random id; messages and queued Bot API calls refer to them by id.
import { InputFile } from "grammy";
import type { Sql } from "../../events/database.ts";

export const maxUploadBytes = 10 * 1024 * 1024;
export const uploadTypes: Readonly<Record<string, "photo" | "document">> = {
  "image/jpeg": "photo",
  "image/png": "photo",
  "image/gif": "document",
  "image/webp": "photo",
  "application/pdf": "document",
};

export interface Upload {
  id: string;
  sessionId: string;
  name: string;
  type: string;
  size: number;
}

/** The ref a queued call carries (`{ input_file: ref }`), opened by the sender. */
export const uploadRef = (id: string) => `support-upload:${id}`;

export class SupportUploads {
  #ready?: Promise<void>;

  constructor(private readonly sql: Sql) {}

  /** Not a projection (no events rebuild it): created once, kept across rebuilds. */
  ready(): Promise<void> {
    this.#ready ??= this.sql`create table if not exists support_uploads (
      id text primary key,
      session_id text not null,
      name text not null,
      type text not null,
      size int not null,
      bytes bytea not null,
      created_at timestamptz not null default now()
    )`.then(() => {});
    return this.#ready;
  }

  async save(upload: Upload, bytes: Uint8Array): Promise<void> {
    await this.ready();
    await this.sql`insert into support_uploads (id, session_id, name, type, size, bytes)
      values (${upload.id}, ${upload.sessionId}, ${upload.name}, ${upload.type}, ${upload.size}, ${bytes})`;
  }

  async get(id: string): Promise<(Upload & { bytes: Uint8Array }) | undefined> {
    await this.ready();
    const [row] = await this.sql<
      { id: string; session_id: string; name: string; type: string; size: number; bytes: Uint8Array }[]
    >`select id, session_id, name, type, size, bytes from support_uploads where id = ${id}`;
    return row &&
      { id: row.id, sessionId: row.session_id, name: row.name, type: row.type, size: row.size, bytes: row.bytes };
  }

  /** A forgotten visitor's files go with them. */
  async deleteSession(sessionId: string): Promise<number> {
    await this.ready();
    const rows = await this.sql`delete from support_uploads where session_id = ${sessionId} returning id`;
    return rows.length;
  }

  /** For the sender: a ref from a queued call, as grammY's InputFile. */
  async inputFile(ref: string): Promise<InputFile | undefined> {
    const match = /^support-upload:([a-z0-9]{8,40})$/.exec(ref);
    if (!match) return undefined;
    const upload = await this.get(match[1]);
    return upload && new InputFile(upload.bytes, upload.name);
  }
}

export function newUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}

// NDJSON files, gzipped when the name ends in .gz: written through a temporary name and renamed,
// so a crash mid-way never leaves a file that looks complete; read line by line, gzip detected.

/** Lines are gathered into chunks: one write per line would make a million-event file crawl. */
const chunkBytes = 256 * 1024;

export interface LineWriter {
  /** Writes one raw line (no newline). */
  line(text: string): Promise<void>;
  /** Writes a value as one JSON line. */
  json(value: unknown): Promise<void>;
  /** Raw bytes, for output of another program (pg_dump) between our own lines. */
  bytes(data: Uint8Array<ArrayBuffer>): Promise<void>;
  /** Flushes, closes and moves the file to its final name; returns its size in bytes. */
  finish(): Promise<number>;
  /** Closes and deletes the temporary file. */
  abort(): Promise<void>;
}

export async function createLineWriter(path: string): Promise<LineWriter> {
  const partial = `${path}.partial`;
  const file = await Deno.open(partial, { write: true, create: true, truncate: true });
  const gzip = path.endsWith(".gz");
  const compression = gzip ? new CompressionStream("gzip") : undefined;
  const sink = compression ? compression.writable.getWriter() : file.writable.getWriter();
  const piped = compression?.readable.pipeTo(file.writable);
  const encoder = new TextEncoder();
  let pending = "";
  let closed = false;
  const flush = async () => {
    if (pending === "") return;
    const text = pending;
    pending = "";
    await sink.write(encoder.encode(text));
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    await flush();
    await sink.close();
    await piped;
  };
  return {
    async line(text) {
      pending += text + "\n";
      if (pending.length >= chunkBytes) await flush();
    },
    async json(value) {
      pending += JSON.stringify(value) + "\n";
      if (pending.length >= chunkBytes) await flush();
    },
    async bytes(data) {
      await flush();
      await sink.write(data);
    },
    async finish() {
      await close();
      await Deno.rename(partial, path);
      return (await Deno.stat(path)).size;
    },
    async abort() {
      try {
        await close();
      } catch {
        // The stream may already have failed; the file is removed either way.
      }
      await Deno.remove(partial).catch(() => {});
    },
  };
}

/** The file's lines (without newlines), decompressed when it starts with gzip's magic bytes. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  const head = new Uint8Array(2);
  const n = await file.read(head);
  await file.seek(0, Deno.SeekMode.Start);
  const gzip = n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const bytes = gzip ? file.readable.pipeThrough(new DecompressionStream("gzip")) : file.readable;
  const reader = bytes.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
      let at: number;
      let from = 0;
      while ((at = rest.indexOf("\n", from)) >= 0) {
        yield rest.slice(from, at);
        from = at + 1;
      }
      rest = rest.slice(from);
    }
    if (rest !== "") yield rest;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

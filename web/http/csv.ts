// CSV for spreadsheets (RFC 4180): a UTF-8 byte-order mark so Excel reads Cyrillic right, CRLF
// line ends, fields quoted when they must be, and cells that would run as formulas defused.

/** What a cell may hold; null and undefined are empty cells. */
export type CsvCell = string | number | boolean | null | undefined;

export const csvBom = "\uFEFF";

/** Excel runs a cell beginning with =, @, a tab or CR, or +/- before something other than a number. */
const formulaStart = /^(?:[=@\t\r]|[+-](?![\d\s().-]*$))/;

/** One cell: formula-like text gets a leading apostrophe; quotes, commas and line breaks get quoted. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line and one line per row, BOM first, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows) lines.push(row.map(csvCell).join(","));
  return csvBom + lines.join("\r\n") + "\r\n";
}

/** The same text as a stream, a row at a time: an export of many rows never sits in memory whole. */
export function csvStream(
  header: readonly string[],
  rows: AsyncIterable<readonly CsvCell[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = rows[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvBom + header.map(csvCell).join(",") + "\r\n"));
        return;
      }
      const next = await iterator.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(next.value.map(csvCell).join(",") + "\r\n"));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** The Content-Disposition value for a download, with an ASCII fallback name and the UTF-8 one. */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

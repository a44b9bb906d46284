// The CSV writer the booking export uses: BOM, CRLF, RFC 4180 quoting, defused formulas.
import { assertEquals } from "@std/assert";
import { attachment, csvCell, csvStream, toCsv } from "../web/http/csv.ts";

Deno.test("csv: a BOM, a header, CRLF line ends, and quoting only where needed", () => {
  const text = toCsv(["id", "name", "note"], [[1, "Анна", 'said "hi", left'], [2, null, "two\nlines"]]);
  assertEquals(text, '\uFEFFid,name,note\r\n1,Анна,"said ""hi"", left"\r\n2,,"two\nlines"\r\n');
  assertEquals(new TextEncoder().encode(text).slice(0, 3), new Uint8Array([0xef, 0xbb, 0xbf]));
});

Deno.test("csv: cells Excel would run as formulas get an apostrophe; phones and negatives stay numbers", () => {
  assertEquals(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assertEquals(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assertEquals(csvCell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
  assertEquals(csvCell("-2+3"), "'-2+3");
  assertEquals(csvCell("+79991234567"), "+79991234567");
  assertEquals(csvCell("-15"), "-15");
  assertEquals(csvCell(-15), "-15");
  assertEquals(csvCell(true), "true");
  assertEquals(csvCell(undefined), "");
});

Deno.test("csv: the download name has an ASCII fallback and the UTF-8 original", () => {
  assertEquals(
    attachment("записи 2026.csv"),
    `attachment; filename="______ 2026.csv"; filename*=UTF-8''%D0%B7%D0%B0%D0%BF%D0%B8%D1%81%D0%B8%202026.csv`,
  );
});

Deno.test("csv: the stream gives the same bytes as the text, a row at a time", async () => {
  async function* rows() {
    yield [1, "Анна", 'said "hi", left'];
    yield [2, null, "=1+1"];
  }
  // Bytes, not text: decoding would drop the BOM this compares too.
  const streamed = new Uint8Array(await new Response(csvStream(["id", "name", "note"], rows())).arrayBuffer());
  const text = toCsv(["id", "name", "note"], [[1, "Анна", 'said "hi", left'], [2, null, "=1+1"]]);
  assertEquals(streamed, new TextEncoder().encode(text));
});

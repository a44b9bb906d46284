// A client's contact details as the booking rules want them: a name of letters, spaces and hyphens,
// and a Russian mobile number written +7XXXXXXXXXX or 8XXXXXXXXXX, kept as +7XXXXXXXXXX.

/** The trimmed name, or null when it is not 2–100 letters, spaces or hyphens. */
export function checkName(text: string): string | null {
  const name = text.trim().replace(/\s+/g, " ");
  const length = [...name].length;
  if (length < 2 || length > 100) return null;
  return /^[\p{L}][\p{L} -]*$/u.test(name) && /\p{L}/u.test(name) ? name : null;
}

/** +7XXXXXXXXXX, or null. Spaces, dashes and brackets between digits are tolerated. */
export function normalisePhone(text: string): string | null {
  const compact = text.trim().replace(/[\s()-]/g, "");
  const m = /^(?:\+7|8)(\d{10})$/.exec(compact);
  return m ? `+7${m[1]}` : null;
}

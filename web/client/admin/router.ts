/// <reference lib="dom" />
// Hash routes (#/events?type=…, #/streams/user-1?version=2): shareable links, no server routes.
import { useEffect, useState } from "preact/hooks";
import { withQuery } from "./api.ts";

export interface Route {
  /** Decoded path segments: "#/streams/user-1" → ["streams", "user-1"]. */
  path: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function href(path: string[], query: Record<string, string | number | undefined> = {}): string {
  return "#/" + withQuery(path.map(encodeURIComponent).join("/"), query);
}

/** Goes to a route; replace keeps the history clean while a slider moves. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) {
    history.replaceState(null, "", to);
    dispatchEvent(new HashChangeEvent("hashchange"));
  } else location.hash = to;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return parseRoute(hash);
}

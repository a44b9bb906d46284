// The Mini App's calls to /api/app, each signed by Telegram's initData.
import { requestJson } from "../shared/http.ts";

export interface AppUser {
  id: number;
  first_name: string;
  username?: string;
  language_code?: string;
}

export async function fetchMe(initData: string): Promise<AppUser> {
  const body = await requestJson<{ user: AppUser }>("/api/app/me", { headers: { authorization: `tma ${initData}` } });
  return body.user;
}

/// <reference lib="dom" />
// GDPR requests: export everything about a user as a JSON file, or forget them (their personal
// data's key is destroyed), which asks the admin to type the id again.
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote } from "./components.tsx";

const userIdPattern = /^\d{1,20}$/;

function download(filename: string, json: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: "application/json" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function GdprScreen() {
  const [userId, setUserId] = useState("");
  const [confirm, setConfirm] = useState("");
  const [status, setStatus] = useState<{ message?: string; error?: Error }>({});
  const valid = userIdPattern.test(userId);

  const exportUser = async () => {
    setStatus({});
    try {
      const data = await api.exportUser(Number(userId));
      download(`user-${userId}.json`, data);
      const streams = Object.keys((data.streams ?? {}) as object).length;
      setStatus({ message: `Exported user ${userId}: ${streams} stream(s), saved as user-${userId}.json.` });
    } catch (error) {
      setStatus({ error: error as Error });
    }
  };
  const forget = async (event: Event) => {
    event.preventDefault();
    if (!valid || confirm !== userId) return;
    setStatus({});
    try {
      await api.forgetUser(Number(userId));
      setConfirm("");
      setStatus({ message: `User ${userId} is forgotten: their personal data can no longer be read.` });
    } catch (error) {
      setStatus({ error: error as Error });
    }
  };

  return (
    <section aria-labelledby="gdpr-title">
      <h2 id="gdpr-title">Personal data (GDPR)</h2>
      <label class="stacked">
        Telegram user id
        <input
          value={userId}
          inputMode="numeric"
          aria-invalid={userId !== "" && !valid}
          onInput={(e) => setUserId(e.currentTarget.value.trim())}
        />
      </label>
      {userId !== "" && !valid && <p class="error">A user id is a whole number.</p>}
      <div class="card">
        <h3>Export</h3>
        <p class="muted">Every event about the user with personal fields decrypted, as a JSON file.</p>
        <button type="button" disabled={!valid} onClick={exportUser}>Export user data</button>
      </div>
      <form class="card danger" onSubmit={forget}>
        <h3>Forget</h3>
        <p>
          Destroys the user's key: their names and messages in the log become unreadable for good. The events stay.
        </p>
        <label class="stacked">
          Type the user id again to confirm
          <input value={confirm} inputMode="numeric" onInput={(e) => setConfirm(e.currentTarget.value.trim())} />
        </label>
        <button type="submit" class="danger" disabled={!valid || confirm !== userId}>Forget user {userId}</button>
      </form>
      {status.message && <p class="success" role="status">{status.message}</p>}
      <ErrorNote error={status.error} />
    </section>
  );
}

/// <reference lib="dom" />
// Who may use the console: admins from ADMIN_IDS (fixed) and those added here (removable).
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote, Time, useLoad } from "./components.tsx";

export function AdminsScreen(props: { self: number }) {
  const list = useLoad(() => api.admins(), "admins");
  const [error, setError] = useState<Error>();
  const [confirming, setConfirming] = useState<number>();
  const [newId, setNewId] = useState("");

  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      list.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const add = (event: Event) => {
    event.preventDefault();
    act(async () => {
      await api.addAdmin(Number(newId));
      setNewId("");
    });
  };

  return (
    <section aria-labelledby="admins-title">
      <h2 id="admins-title">Admins</h2>
      <ErrorNote error={(list.state === "failed" ? list.error : null) ?? error} />
      <table aria-label="Admins">
        <thead>
          <tr>
            <th>User id</th>
            <th>Source</th>
            <th>Added by</th>
            <th>Added</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.admins ?? []).map((admin) => (
            <tr key={admin.id}>
              <td>
                {admin.id}
                {admin.id === props.self && " (you)"}
              </td>
              <td>{admin.source === "env" ? "ADMIN_IDS" : "console"}</td>
              <td>{admin.addedBy ?? "—"}</td>
              <td>
                <Time iso={admin.addedAt} />
              </td>
              <td>
                {admin.source === "console" && (confirming === admin.id
                  ? (
                    <>
                      <button type="button" class="danger" onClick={() => act(() => api.removeAdmin(admin.id))}>
                        Confirm removing {admin.id}
                      </button>{" "}
                      <button type="button" onClick={() => setConfirming(undefined)}>Cancel</button>
                    </>
                  )
                  : <button type="button" onClick={() => setConfirming(admin.id)}>Remove {admin.id}</button>)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline" onSubmit={add}>
        <label>
          Telegram user id{" "}
          <input value={newId} inputMode="numeric" onInput={(e) => setNewId(e.currentTarget.value.trim())} />
        </label>
        <button type="submit" disabled={!/^\d{1,20}$/.test(newId)}>Add admin</button>
      </form>
    </section>
  );
}

/// <reference lib="dom" />
// Auto-replies: keyword rules (exact, contains, regex) that answer subscribers' messages no other
// flow took. Regexes run in a worker with a time budget; the server refuses runaway patterns.
import { useState } from "preact/hooks";
import { ErrorNote, useLoad } from "./components.tsx";
import { type AutoReplyRule, broadcastApi } from "./broadcast_api.ts";

function RuleForm(props: { rule?: AutoReplyRule; onSaved(): void }) {
  const [rule, setRule] = useState<Partial<AutoReplyRule>>(
    props.rule ?? { match: "contains", pattern: "", reply: { ru: "" }, enabled: true },
  );
  const [error, setError] = useState<Error>();
  const field = (key: "pattern") => (e: Event) => setRule({ ...rule, [key]: (e.target as HTMLInputElement).value });
  const reply = (lang: "ru" | "en") => (e: Event) =>
    setRule({
      ...rule,
      reply: { ru: rule.reply?.ru ?? "", ...rule.reply, [lang]: (e.target as HTMLTextAreaElement).value },
    });
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const { en, ru } = rule.reply ?? { ru: "" };
      await broadcastApi.saveRule({ ...rule, reply: en ? { ru, en } : { ru } });
      props.onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card" onSubmit={save} aria-label="Auto-reply rule">
      <label>
        Match{" "}
        <select
          value={rule.match}
          onChange={(e) => setRule({ ...rule, match: (e.target as HTMLSelectElement).value as AutoReplyRule["match"] })}
        >
          <option value="exact">exact message</option>
          <option value="contains">contains</option>
          <option value="regex">regular expression</option>
        </select>
      </label>
      <label>
        Keyword or pattern <input value={rule.pattern} maxLength={200} required onInput={field("pattern")} />
      </label>
      <label>
        Reply (Russian) <textarea value={rule.reply?.ru} required onInput={reply("ru")} />
      </label>
      <label>
        Reply (English) <textarea value={rule.reply?.en ?? ""} onInput={reply("en")} />
      </label>
      <label>
        <input
          type="checkbox"
          checked={rule.enabled}
          onChange={(e) => setRule({ ...rule, enabled: (e.target as HTMLInputElement).checked })}
        />
        Enabled
      </label>
      <ErrorNote error={error} />
      <button type="submit">Save rule</button>
    </form>
  );
}

export function AutoRepliesTab() {
  const rules = useLoad(() => broadcastApi.rules(), "rules");
  const [editing, setEditing] = useState<AutoReplyRule | "new">();
  const done = () => {
    setEditing(undefined);
    rules.reload();
  };
  return (
    <div>
      <button type="button" onClick={() => setEditing("new")}>New rule</button>
      {editing && (
        <RuleForm
          key={editing === "new" ? "new" : editing.ruleId}
          rule={editing === "new" ? undefined : editing}
          onSaved={done}
        />
      )}
      <ErrorNote error={rules.state === "failed" ? rules.error : null} />
      <ul>
        {rules.data?.rules.map((r) => (
          <li key={r.ruleId}>
            {r.enabled ? "" : "(off) "}
            <code>{r.match}: {r.pattern}</code> → {r.reply.ru}{" "}
            <button type="button" onClick={() => setEditing(r)}>Edit</button>{" "}
            <button type="button" onClick={() => broadcastApi.deleteRule(r.ruleId).then(rules.reload)}>Delete</button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/// <reference lib="dom" />
// Chat reports: what a participant reported, with the chat's last messages they kept; an admin
// bans the reported user from the marketplace chats (confirmed first) or dismisses the report.
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote, StreamLink, Time, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";
import type { ReportView } from "../../admin/reports_routes.ts";

const statuses = [["open", "Open"], ["resolved", "Resolved"], ["all", "All"]] as const;
const reasons: Record<string, string> = { spam: "Spam", fraud: "Fraud", abuse: "Abuse", other: "Other" };
const decisions: Record<string, string> = { ban: "Banned", dismiss: "Dismissed" };

const alias = (report: ReportView, role: "buyer" | "seller") =>
  role === "buyer" ? `Buyer #${report.buyerNumber}` : "Seller";

function Messages(props: { report: ReportView }) {
  const { report } = props;
  if (report.messages.length === 0) return <p class="muted">No messages in this chat yet.</p>;
  return (
    <ol start={report.messages[0].seq} aria-label={`Messages kept with report ${report.reportId}`}>
      {report.messages.map((m) => (
        <li key={m.seq}>
          <strong>{alias(report, m.from)}</strong> <Time iso={m.at} />{" "}
          {m.kind !== "text" && <span class="muted">[{m.kind}]</span>} {m.text ?? ""}
          {m.edited !== null && <span class="muted">(edited: {m.edited})</span>}
        </li>
      ))}
    </ol>
  );
}

function ReportCard(props: { report: ReportView }) {
  // After a decision the card shows the answer's report: the list's read model may trail a moment.
  const [report, setReport] = useState(props.report);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error>();
  const decide = async (decision: "ban" | "dismiss") => {
    setError(undefined);
    try {
      setReport((await api.decideReport(report.reportId, decision)).report);
    } catch (e) {
      setError(e as Error);
    }
  };
  const reported = `${alias(report, report.reported.role)} (user ${report.reported.userId})`;
  return (
    <article class="card" aria-label={`Report ${report.reportId}`}>
      <div class="panel-head">
        <h3>
          {reasons[report.reason] ?? report.reason}: {reported}
        </h3>
        <Time iso={report.createdAt} />
      </div>
      <dl class="facts">
        <dt>Ad</dt>
        <dd>
          {report.adTitle} <span class="muted">({report.adId})</span>
        </dd>
        <dt>Chat</dt>
        <dd>
          <StreamLink streamId={`chat-${report.chatId}`} />
        </dd>
        <dt>Reported by</dt>
        <dd>
          {alias(report, report.reporter.role)} (user {report.reporter.userId})
        </dd>
        {report.status !== "open" && (
          <>
            <dt>Decision</dt>
            <dd>
              {decisions[report.status]} by admin {report.resolvedBy} <Time iso={report.resolvedAt ?? undefined} />
            </dd>
          </>
        )}
      </dl>
      <Messages report={report} />
      {report.status === "open" && (
        <div class="actions">
          {confirming
            ? (
              <>
                <button type="button" class="danger" onClick={() => decide("ban")}>
                  Confirm: ban user {report.reported.userId}
                </button>
                <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
              </>
            )
            : (
              <>
                <button type="button" class="danger" onClick={() => setConfirming(true)}>
                  Ban {alias(report, report.reported.role)} from the marketplace
                </button>
                <button type="button" onClick={() => decide("dismiss")}>Dismiss</button>
              </>
            )}
        </div>
      )}
      <ErrorNote error={error} />
    </article>
  );
}

export function ReportsScreen(props: { route: Route }) {
  const status = props.route.query.get("status") ?? "open";
  const list = useLoad(() => api.reports(status), status);
  const reports = list.data?.reports ?? [];
  return (
    <section aria-labelledby="reports-title">
      <h2 id="reports-title">Chat reports</h2>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Show{" "}
          <select value={status} onChange={(e) => navigate(href(["reports"], { status: e.currentTarget.value }))}>
            {statuses.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <button type="button" onClick={list.reload}>Refresh</button>
      </form>
      <ErrorNote error={list.state === "failed" ? list.error : null} />
      {list.state === "loading" && <p class="muted">Loading…</p>}
      {list.state === "ready" && reports.length === 0 && (
        <p class="muted">{status === "open" ? "No reports wait for a decision." : "No reports."}</p>
      )}
      {reports.map((report) => <ReportCard key={report.reportId} report={report} />)}
    </section>
  );
}

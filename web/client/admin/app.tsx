/// <reference lib="dom" />
// The admin console: sign-in, then the navigation and the screen the hash route names.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import { api } from "./api.ts";
import { href, type Route, useRoute } from "./router.ts";
import { SignIn, signInFromFragment } from "./sign_in.tsx";
import { EventsScreen } from "./events_screen.tsx";
import { StreamScreen } from "./stream_screen.tsx";
import { AuditScreen } from "./audit_screen.tsx";
import { ProjectionsScreen } from "./projections_screen.tsx";
import { GdprScreen } from "./gdpr_screen.tsx";
import { AdminsScreen } from "./admins_screen.tsx";
import { ReportsScreen } from "./reports_screen.tsx";
import { SupportScreen } from "./support_screen.tsx";
import { IntegrationsScreen } from "./integrations_screen.tsx";
import { PaymentsScreen } from "./payments_screen.tsx";
import { BookingsScreen } from "./booking_bookings_screen.tsx";
import { BookingServicesScreen } from "./booking_services_screen.tsx";
import { BookingStatsScreen } from "./booking_stats_screen.tsx";
import { BroadcastScreen } from "./broadcast_screen.tsx";

type Auth =
  | { state: "checking" }
  | { state: "signedOut"; error?: Error }
  | { state: "signedIn"; adminId: number };

const sections = [
  ["events", "Events"],
  ["audit", "Audit log"],
  ["projections", "Projections"],
  ["gdpr", "GDPR"],
  ["admins", "Admins"],
  ["reports", "Reports"],
  ["support", "Support"],
  ["payments", "Payments"],
  ["integrations", "Integrations"],
  ["bookings", "Bookings"],
  ["booking-services", "Services"],
  ["booking-stats", "Booking stats"],
  ["broadcasts", "Broadcasts"],
] as const;

/** Signs in with the URL fragment's link or initData if there is one, else resumes the cookie's session. */
async function restoreSession(): Promise<Auth> {
  let refused: Error | undefined;
  try {
    const answer = await signInFromFragment();
    if (answer) return { state: "signedIn", adminId: answer.admin.id };
  } catch (error) {
    refused = error as Error; // told only when there is no session to fall back on
  }
  try {
    return { state: "signedIn", adminId: (await api.session()).admin.id };
  } catch (error) {
    // No session yet (401) simply means signing in.
    const unexpected = error instanceof ApiError && error.status === 401 ? undefined : error as Error;
    return { state: "signedOut", error: refused ?? unexpected };
  }
}

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: "checking" });
  const route = useRoute();
  useEffect(() => {
    api.onSignedOut = () => setAuth({ state: "signedOut" });
    restoreSession().then(setAuth);
  }, []);

  if (auth.state === "checking") return <p class="muted page">Checking your session…</p>;
  if (auth.state === "signedOut") {
    return (
      <SignIn
        error={auth.error}
        onSignedIn={(answer) => setAuth({ state: "signedIn", adminId: answer.admin.id })}
      />
    );
  }
  const signOut = () => api.logout().finally(() => setAuth({ state: "signedOut" }));
  // A stream is reached from the events, so the Events tab stays marked there.
  const current = !route.path[0] || route.path[0] === "streams" ? "events" : route.path[0];
  return (
    <div class="layout">
      <header class="top">
        <strong>Admin console</strong>
        <nav aria-label="Sections">
          {sections.map(([name, label]) => (
            <a key={name} href={href([name])} aria-current={current === name ? "page" : undefined}>{label}</a>
          ))}
        </nav>
        <span class="who">
          admin {auth.adminId} <button type="button" onClick={signOut}>Sign out</button>
        </span>
      </header>
      <main class="page">
        <Screen route={route} adminId={auth.adminId} />
      </main>
    </div>
  );
}

function Screen(props: { route: Route; adminId: number }) {
  const [section, id] = props.route.path;
  switch (section ?? "events") {
    case "events":
      return <EventsScreen route={props.route} />;
    case "streams":
      return id ? <StreamScreen key={id} route={props.route} streamId={id} /> : <p>Choose a stream from the events.</p>;
    case "audit":
      return <AuditScreen route={props.route} />;
    case "projections":
      return <ProjectionsScreen />;
    case "gdpr":
      return <GdprScreen />;
    case "admins":
      return <AdminsScreen self={props.adminId} />;
    case "reports":
      return <ReportsScreen route={props.route} />;
    case "support":
      return <SupportScreen route={props.route} />;
    case "integrations":
      return <IntegrationsScreen subscriptionId={id} />;
    case "payments":
      return <PaymentsScreen route={props.route} />;
    case "bookings":
      return <BookingsScreen route={props.route} />;
    case "booking-services":
      return <BookingServicesScreen />;
    case "booking-stats":
      return <BookingStatsScreen route={props.route} />;
    case "broadcasts":
      return <BroadcastScreen route={props.route} />;
    default:
      return (
        <p role="alert">
          There is no page “{section}”. <a href={href(["events"])}>Go to the events</a>
        </p>
      );
  }
}

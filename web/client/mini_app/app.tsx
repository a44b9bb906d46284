/// <reference lib="dom" />
// The Mini App shell: who the user is, and a stack of screens (Telegram's BackButton pops it, the
// MainButton acts on the current screen). Screens below the top stay mounted but hidden, so going
// back finds the list where it was: its filters, its pages and its scroll position.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import { type AdContent, appApi, type AppUser } from "./api.ts";
import { type Messages, messages, pickLanguage } from "./messages.ts";
import { BackButton, MainButton } from "./telegram_buttons.tsx";
import { AdsScreen, MyAdsScreen } from "./ads_list.tsx";
import { AdScreen } from "./ad_page.tsx";
import { AdStatsScreen } from "./ad_stats.tsx";
import { AdFormScreen } from "./ad_form.tsx";
import type { Screen, ScreenProps } from "./screens.ts";
import { BookingDayScreen, BookingServicesScreen, MyBookingsScreen } from "./booking_screens.tsx";
import { bookingWords } from "./booking_messages.ts";
import { ShopScreen, shopWords } from "./payments_shop.tsx";
import type { Language } from "./messages.ts";

type Me =
  | { state: "loading" }
  | { state: "ready"; user: AppUser }
  | { state: "failed"; outsideTelegram: boolean; reason?: string };

let nextKey = 0;

export function App(props: { initData?: string }) {
  const [me, setMe] = useState<Me>(props.initData ? { state: "loading" } : { state: "failed", outsideTelegram: true });
  const [stack, setStack] = useState<{ key: number; screen: Screen }[]>([{ key: nextKey++, screen: { name: "home" } }]);
  const [changed, setChanged] = useState<Record<string, AdContent>>({});
  const [created, setCreated] = useState<string[]>([]);
  const api = useMemo(() => appApi(props.initData ?? ""), [props.initData]);
  useEffect(() => {
    if (!props.initData) return;
    api.me().then(
      (user) => setMe({ state: "ready", user }),
      (error: Error) =>
        setMe({
          state: "failed",
          outsideTelegram: error instanceof ApiError && error.status === 401,
          reason: error.message,
        }),
    );
  }, [api]);

  const language = pickLanguage(me.state === "ready" ? me.user.language_code : navigator.language);
  useEffect(() => void (document.documentElement.lang = language), [language]);
  const t = messages[language];

  if (me.state === "loading") return <main class="screen" aria-busy="true">{t.loading}</main>;
  if (me.state === "failed") {
    return (
      <main class="screen">
        <p class="notice" role="alert">{me.outsideTelegram ? t.outsideTelegram : t.failed(me.reason ?? "")}</p>
      </main>
    );
  }
  const navigation = {
    push: (screen: Screen) => setStack((s) => [...s, { key: nextKey++, screen }]),
    pop: () => setStack((s) => s.slice(0, -1)),
    replace: (screen: Screen) => setStack((s) => [...s.slice(0, -1), { key: nextKey++, screen }]),
  };
  const shared = {
    t,
    language,
    api,
    ...navigation,
    changed,
    created,
    onChanged: (ad: AdContent, options: { created?: boolean } = {}) => {
      setChanged((c) => ({ ...c, [ad.adId]: ad }));
      if (options.created) setCreated((list) => [...list, ad.adId]);
    },
  };
  return (
    <main class="screen">
      {stack.length > 1 && <BackButton label={t.back} onClick={navigation.pop} />}
      {stack.map(({ key, screen }, i) => (
        <section key={key} hidden={i !== stack.length - 1}>
          <CurrentScreen screen={screen} user={me.user} {...shared} active={i === stack.length - 1} />
        </section>
      ))}
    </main>
  );
}

function CurrentScreen(props: ScreenProps & { screen: Screen; user: AppUser }) {
  const { screen, user, ...p } = props;
  switch (screen.name) {
    case "home":
      return <Home t={p.t} language={p.language} user={user} onOpen={p.push} />;
    case "profile":
      return <Profile t={p.t} user={user} active={p.active} onDone={p.pop} />;
    case "ads":
      return <AdsScreen {...p} />;
    case "myAds":
      return <MyAdsScreen {...p} />;
    case "ad":
      return <AdScreen {...p} adId={screen.adId} />;
    case "adStats":
      return <AdStatsScreen {...p} adId={screen.adId} title={screen.title} />;
    case "form":
      return <AdFormScreen {...p} ad={screen.ad} />;
    case "booking":
      return <BookingServicesScreen {...p} />;
    case "bookingDay":
      return <BookingDayScreen {...p} service={screen.service} />;
    case "myBookings":
      return <MyBookingsScreen {...p} notice={screen.notice} expect={screen.expect} />;
    case "shop":
      return <ShopScreen {...p} />;
  }
}

function Home(props: { t: Messages; language: Language; user: AppUser; onOpen(screen: Screen): void }) {
  const { t } = props;
  const booking = bookingWords[props.language];
  const items: [string, Screen][] = [
    [t.ads, { name: "ads" }],
    [t.myAds, { name: "myAds" }],
    [t.newAd, { name: "form" }],
    [booking.book, { name: "booking" }],
    [booking.myBookings, { name: "myBookings" }],
    [shopWords[props.language].shop, { name: "shop" }],
    [t.profile, { name: "profile" }],
  ];
  return (
    <>
      <h1>{t.hello(props.user.first_name)}</h1>
      <p class="hint">{t.intro}</p>
      <nav class="list">
        {items.map(([label, screen]) => (
          <button type="button" class="list-item" onClick={() => props.onOpen(screen)}>
            <span>{label}</span>
            <span class="chevron" aria-hidden="true">›</span>
          </button>
        ))}
      </nav>
    </>
  );
}

function Profile(props: { t: Messages; user: AppUser; active: boolean; onDone(): void }) {
  const { t, user } = props;
  return (
    <>
      <h1>{t.profile}</h1>
      <dl class="section">
        <dt>{t.id}</dt>
        <dd>{user.id}</dd>
        <dt>{t.username}</dt>
        <dd>{user.username ? `@${user.username}` : t.none}</dd>
        <dt>{t.language}</dt>
        <dd>{user.language_code ?? t.none}</dd>
      </dl>
      {props.active && <MainButton text={t.done} onClick={props.onDone} />}
    </>
  );
}

/// <reference lib="dom" />
// The ads list (search as you type, category and city filters, "Show more" pages) and "My ads";
// a paid promotion running shows as a "featured" badge (search lists those ads first).
import { useEffect, useRef, useState } from "preact/hooks";
import { adCategories } from "../../../events/ad_categories.ts";
import type { AdCategory, AdFilters, AdPage, AdSummary } from "./api.ts";
import { formatPrice } from "./messages.ts";
import { MainButton } from "./telegram_buttons.tsx";
import type { ScreenProps } from "./screens.ts";

interface Pages {
  ads: AdSummary[];
  nextCursor: string | null;
  loading: boolean;
  error?: string;
}

/** Keyset pages of a list; a newer query makes late answers to older ones count for nothing. */
function usePages(fetchPage: (cursor?: string) => Promise<AdPage>, key: string) {
  const [pages, setPages] = useState<Pages>({ ads: [], nextCursor: null, loading: true });
  const generation = useRef(0);
  const load = (cursor?: string) => {
    const mine = cursor ? generation.current : ++generation.current;
    setPages((p) => ({ ...p, loading: true, error: undefined }));
    fetchPage(cursor).then(
      (page) =>
        mine === generation.current &&
        setPages((p) => ({
          ads: cursor ? [...p.ads, ...page.ads] : page.ads,
          nextCursor: page.nextCursor,
          loading: false,
        })),
      (error: Error) =>
        mine === generation.current && setPages((p) => ({ ...p, loading: false, error: error.message })),
    );
  };
  useEffect(() => load(), [key]);
  return { ...pages, more: () => pages.nextCursor && load(pages.nextCursor) };
}

function AdList(props: ScreenProps & { pages: Pages & { more(): void }; ads: AdSummary[]; empty: string }) {
  const { t, language, pages } = props;
  if (pages.error) return <p class="notice" role="alert">{t.failed(pages.error)}</p>;
  if (!pages.loading && props.ads.length === 0) return <p class="hint">{props.empty}</p>;
  return (
    <>
      <ul class="ads" aria-busy={pages.loading}>
        {props.ads.map((ad) => (
          <li key={ad.adId}>
            <button type="button" class="ad-item" onClick={() => props.push({ name: "ad", adId: ad.adId })}>
              <span class="ad-title">{ad.title}</span>
              <span class="ad-price">{formatPrice(t, language, ad.price)}</span>
              <span class="ad-meta">
                {ad.city} · {t.categories[ad.category]}
                {ad.status === "closed" && <span class="badge">{t.closed}</span>}
                {ad.featured && ad.status === "active" && <span class="badge featured">{t.featured}</span>}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {pages.nextCursor && (
        <button type="button" class="secondary-button" disabled={pages.loading} onClick={pages.more}>
          {t.more}
        </button>
      )}
    </>
  );
}

export function AdsScreen(props: ScreenProps) {
  const { t, api } = props;
  const [filters, setFilters] = useState<AdFilters>({ q: "", category: "", city: "" });
  // Typing waits for a pause before asking; the choice of category or city asks at once.
  const [query, setQuery] = useState(filters);
  useEffect(() => {
    const timer = setTimeout(() => setQuery(filters), filters.q === query.q ? 0 : 300);
    return () => clearTimeout(timer);
  }, [filters]);
  const pages = usePages((cursor) => api.searchAds(query, cursor), JSON.stringify(query));
  const [cities, setCities] = useState<string[]>([]);
  useEffect(() => void api.cities().then(setCities, () => {}), []);
  const set = (change: Partial<AdFilters>) => setFilters((f) => ({ ...f, ...change }));
  // What the user closed or edited here shows at once, whatever the list was fetched with.
  const ads = pages.ads.map((ad) => ({ ...ad, ...props.changed[ad.adId] })).filter((ad) => ad.status === "active");
  return (
    <>
      <h1>{t.ads}</h1>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <input
          type="search"
          aria-label={t.search}
          placeholder={t.searchPlaceholder}
          value={filters.q}
          maxLength={200}
          onInput={(e) => set({ q: e.currentTarget.value })}
        />
        <div class="filter-row">
          <select
            aria-label={t.category}
            value={filters.category}
            onChange={(e) => set({ category: e.currentTarget.value as AdCategory | "" })}
          >
            <option value="">{t.allCategories}</option>
            {adCategories.map((c) => <option key={c} value={c}>{t.categories[c]}</option>)}
          </select>
          <input
            aria-label={t.city}
            placeholder={t.anyCity}
            list="ad-cities"
            value={filters.city}
            maxLength={60}
            onChange={(e) => set({ city: e.currentTarget.value })}
          />
          <datalist id="ad-cities">{cities.map((city) => <option key={city} value={city} />)}</datalist>
        </div>
      </form>
      <AdList {...props} pages={pages} ads={ads} empty={t.nothingFound} />
    </>
  );
}

export function MyAdsScreen(props: ScreenProps) {
  const { t, api, changed } = props;
  const pages = usePages((cursor) => api.myAds(cursor), "mine");
  const listed = new Set(pages.ads.map((ad) => ad.adId));
  // Ads made in this session that the list, fetched earlier, does not have yet come first.
  const fresh = pages.loading ? [] : props.created.filter((id) => !listed.has(id)).reverse()
    .map((id) => ({ ...changed[id], createdAt: "" }));
  const ads = [...fresh, ...pages.ads.map((ad) => ({ ...ad, ...changed[ad.adId] }))];
  return (
    <>
      <h1>{t.myAds}</h1>
      <AdList {...props} pages={pages} ads={ads} empty={t.noAdsYet} />
      {props.active && <MainButton text={t.newAd} onClick={() => props.push({ name: "form" })} />}
    </>
  );
}

/// <reference lib="dom" />
// The shop in the Mini App: the catalogue with a Buy button each; Buy asks the server for an
// invoice link and hands its slug to Telegram's openInvoice, which reports back how it ended.
import { useEffect, useState } from "preact/hooks";
import type { ScreenProps } from "./screens.ts";
import type { ShopProduct } from "./payments_api.ts";
import { onEvent, postEvent } from "../shared/telegram_bridge.ts";

export const shopWords = {
  ru: {
    shop: "Магазин",
    buy: "Купить",
    loading: "Загрузка…",
    empty: "В магазине пока ничего нет.",
    paid: "Оплачено! Квитанция придёт в чат с ботом.",
    cancelled: "Оплата отменена.",
    failed: "Оплата не прошла. Попробуйте ещё раз.",
    outside: "Оплата открывается в Telegram.",
  },
  en: {
    shop: "Shop",
    buy: "Buy",
    loading: "Loading…",
    empty: "Nothing in the shop yet.",
    paid: "Paid! The receipt comes to your chat with the bot.",
    cancelled: "Payment cancelled.",
    failed: "The payment did not go through. Please try again.",
    outside: "Payments open inside Telegram.",
  },
};

export function ShopScreen(props: ScreenProps) {
  const words = shopWords[props.language];
  const [products, setProducts] = useState<ShopProduct[]>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState<string>();
  useEffect(() => {
    props.api.payments.products().then(setProducts, (error: Error) => setNotice(error.message));
  }, []);
  useEffect(() =>
    onEvent("invoice_closed", ({ status }) => {
      setBusy(undefined);
      setNotice(status === "paid" ? words.paid : status === "cancelled" ? words.cancelled : words.failed);
    }), [words]);

  const buy = async (product: ShopProduct) => {
    setBusy(product.id);
    setNotice(undefined);
    try {
      const { link } = await props.api.payments.invoiceLink(
        { kind: "product", productId: product.id },
        crypto.randomUUID(),
      );
      const slug = link.slice(link.lastIndexOf("$") + 1);
      if (!postEvent("web_app_open_invoice", { slug })) {
        setBusy(undefined);
        setNotice(words.outside);
      }
    } catch (error) {
      setBusy(undefined);
      setNotice((error as Error).message);
    }
  };

  return (
    <>
      <h1>{words.shop}</h1>
      {notice && <p class="notice" role="status">{notice}</p>}
      {!products && !notice && <p class="hint">{words.loading}</p>}
      {products?.length === 0 && <p class="hint">{words.empty}</p>}
      <ul class="list" aria-label={words.shop}>
        {products?.map((product) => (
          <li key={product.id} class="list-item">
            <span>
              <strong>{product.title}</strong> · {product.priceText}
              <br />
              <span class="hint">{product.description}</span>
            </span>
            <button type="button" disabled={busy !== undefined} onClick={() => buy(product)}>
              {words.buy}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

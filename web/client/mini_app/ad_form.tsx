/// <reference lib="dom" />
// The ad form, for a new ad or the author's own: the server checks every field and names the one
// to fix; this screen only turns the price into a number and shows the answer next to the field.
import type { JSX } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import { adCategories } from "../../../events/ad_categories.ts";
import type { AdCategory, AdContent } from "./api.ts";
import { MainButton } from "./telegram_buttons.tsx";
import type { ScreenProps } from "./screens.ts";

type Field = "title" | "description" | "price" | "category" | "city";

export function AdFormScreen(props: ScreenProps & { ad?: AdContent }) {
  const { t, api, ad } = props;
  const [form, setForm] = useState({
    title: ad?.title ?? "",
    description: ad?.description ?? "",
    price: ad ? String(ad.price) : "",
    category: ad?.category ?? "",
    city: ad?.city ?? "",
  });
  const [errors, setErrors] = useState<Partial<Record<Field | "form", string>>>({});
  const [saving, setSaving] = useState(false);
  // One key per form: submitting again after a lost answer finds the ad made the first time.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const set = (field: Field) => (event: { currentTarget: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: event.currentTarget.value }));

  const submit = async () => {
    const price = form.price.replace(/\s/g, "");
    if (!/^\d{1,12}$/.test(price)) return setErrors({ price: t.fieldErrors.price });
    const body = { ...form, price: Number(price), category: form.category as AdCategory };
    setSaving(true);
    setErrors({});
    try {
      const saved = ad ? await api.editAd(ad.adId, body) : await api.createAd(body, idempotencyKey);
      props.onChanged(saved, { created: !ad });
      if (ad) props.pop();
      else props.replace({ name: "ad", adId: saved.adId });
    } catch (error) {
      const field = error instanceof ApiError ? error.field?.replace(/^body\./, "") : undefined;
      if (field && field in t.fieldErrors) setErrors({ [field]: t.fieldErrors[field as Field] });
      else setErrors({ form: t.failed(error instanceof Error ? error.message : String(error)) });
    } finally {
      setSaving(false);
    }
  };

  const input = (field: Field, control: JSX.Element) => (
    <label class="field">
      <span>{t.fields[field]}</span>
      {control}
      {errors[field] && <span class="field-error" role="alert">{errors[field]}</span>}
    </label>
  );
  const invalid = (field: Field) => errors[field] !== undefined;
  return (
    <form class="ad-form" onSubmit={(e) => (e.preventDefault(), submit())}>
      <h1>{ad ? t.formEdit : t.formNew}</h1>
      {input(
        "title",
        <input value={form.title} maxLength={100} aria-invalid={invalid("title")} onInput={set("title")} />,
      )}
      {input(
        "description",
        <textarea
          value={form.description}
          maxLength={3000}
          rows={5}
          aria-invalid={invalid("description")}
          onInput={set("description")}
        />,
      )}
      {input(
        "price",
        <input value={form.price} inputMode="numeric" aria-invalid={invalid("price")} onInput={set("price")} />,
      )}
      {input(
        "category",
        <select value={form.category} aria-invalid={invalid("category")} onChange={set("category")}>
          <option value="" disabled>{t.fields.category}</option>
          {adCategories.map((c) => <option key={c} value={c}>{t.categories[c]}</option>)}
        </select>,
      )}
      {input(
        "city",
        <input value={form.city} maxLength={60} aria-invalid={invalid("city")} onInput={set("city")} />,
      )}
      {!ad && <p class="hint">{t.photosInBot}</p>}
      {errors.form && <p class="notice" role="alert">{errors.form}</p>}
      {props.active && (
        <MainButton text={ad ? t.save : t.publish} disabled={saving} progress={saving} onClick={submit} />
      )}
    </form>
  );
}

/// <reference lib="dom" />
// The embeddable support widget: `<script src="https://HOST/widget.js" data-site="KEY" async>`.
// It talks to the server it was loaded from and draws itself in a shadow root, so the page's
// CSS and ours never meet. Built as an IIFE: nothing lands in the page's global scope.
import { render } from "preact";
import css from "./widget.css" with { type: "text" };
import { WidgetController } from "./controller.ts";
import { pickLanguage, texts } from "./i18n.ts";
import { Widget } from "./widget.tsx";

function mount(script: HTMLScriptElement): void {
  const site = script.dataset.site;
  if (!site) {
    console.error('support widget: the script tag needs data-site="YOUR_SITE_KEY"');
    return;
  }
  const base = new URL(script.src, location.href).origin;
  const language = pickLanguage(script.dataset.lang, navigator.languages ?? [navigator.language]);
  const host = document.createElement("support-widget");
  const root = host.attachShadow({ mode: "open" });
  // A constructed sheet, not a <style>: the page's CSP may forbid inline styles.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
  document.body.append(host);
  const controller = new WidgetController(base, site, language, texts[language]);
  render(<Widget controller={controller} />, root);
  controller.start();
}

const script = document.currentScript as HTMLScriptElement | null;
if (script) {
  if (document.body) mount(script);
  else document.addEventListener("DOMContentLoaded", () => mount(script), { once: true });
}

// Locales: every text exists in both languages, and the language follows the client's.
import { assertEquals, assertNotEquals } from "@std/assert";
import { languageFromCode, locales, t } from "../web/telegram/i18n.ts";

Deno.test("i18n: Russian and English have the same keys, none empty or untranslated", () => {
  assertEquals(Object.keys(locales.en).sort(), Object.keys(locales.ru).sort());
  for (const key of Object.keys(locales.ru) as (keyof typeof locales.ru)[]) {
    assertNotEquals(locales.ru[key].trim(), "", key);
    assertNotEquals(locales.ru[key], locales.en[key], `${key} is not translated`);
  }
});

Deno.test("i18n: language from language_code, Russian by default", () => {
  assertEquals(languageFromCode(undefined), "ru");
  assertEquals(languageFromCode("ru"), "ru");
  assertEquals(languageFromCode("uk"), "ru");
  assertEquals(languageFromCode("en-GB"), "en");
  assertEquals(languageFromCode("de"), "en");
});

Deno.test("i18n: variables are filled in", () => {
  assertEquals(t("en", "unknown_command", { command: "/x" }), "I don't know the command /x. The list is in /help.");
});

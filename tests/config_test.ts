// Configuration: defaults for a bare `deno task dev`, one clear line per problem, exit code 2.
import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { ConfigError, parseConfig } from "../config.ts";

Deno.test("config: nothing is required and the defaults are the embedded setup", () => {
  const config = parseConfig({});
  assertEquals(config.DATABASE_URL, undefined);
  assertEquals(config.DATA_DIR, "./data");
  assertEquals(config.PORT, 8000);
  assertEquals(config.ADMIN_IDS, []);
  assertEquals(parseConfig({ ADMIN_IDS: "1, 22", PORT: "" }).ADMIN_IDS, [1, 22]);
});

Deno.test("config: every problem gets its own line naming the variable", () => {
  const error = assertThrows(
    () => parseConfig({ DATABASE_URL: "mysql://db/x", PORT: "70000", ADMIN_IDS: "12,bob", LOG_LEVEL: "loud" }),
    ConfigError,
  );
  assertEquals(error.problems.length, 4);
  assertEquals(error.problems[0], "DATABASE_URL: not a postgres:// URL");
  assertStringIncludes(error.problems.join("\n"), "PORT: must be at most 65535");
  assertStringIncludes(error.problems.join("\n"), `ADMIN_IDS: "bob" is not a Telegram user id`);
});

Deno.test("config: main.ts exits with code 2 and starts nothing on bad configuration", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.remove(dataDir);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname],
    env: { DATABASE_URL: "not a url", DATA_DIR: dataDir, SNAPSHOT_EVERY: "0" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(code, 2);
  assertEquals(new TextDecoder().decode(stderr).trim().split("\n"), [
    "DATABASE_URL: not a postgres:// URL",
    "SNAPSHOT_EVERY: must be at least 1",
  ]);
  // Nothing started: the embedded database directory was not even created.
  assertThrows(() => Deno.statSync(dataDir));
});

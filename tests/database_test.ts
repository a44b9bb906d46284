// Connection URLs: TCP, and libpq's ?host=/dir form for a Unix socket on the same machine.
import { assertEquals } from "@std/assert";
import { parseUrl } from "../events/database.ts";

Deno.test("database URL: host, port, user, database, password decoded", () => {
  const options = parseUrl("postgres://app:p%40ss@db.internal:6543/orders");
  assertEquals([options.host, options.port, options.user, options.password, options.database], [
    "db.internal",
    6543,
    "app",
    "p@ss",
    "orders",
  ]);
  assertEquals(options.path, undefined);
});

Deno.test("database URL: ?host=/dir connects through the Unix socket in that directory", () => {
  const options = parseUrl("postgres://postgres@localhost:5433/test?host=/var/run/postgresql");
  assertEquals(options.path, "/var/run/postgresql/.s.PGSQL.5433");
});

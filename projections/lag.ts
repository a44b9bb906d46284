// How far each projection and reactor trails the head of the log, in events.
import type { Sql } from "../events/database.ts";

export async function projectionLag(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql<{ name: string; lag: number }[]>`
    select c.name, (select count(*) from events e where (e.tx_id, e.global_position) > (c.tx_id, c.global_position))::int as lag
    from checkpoints c order by c.name`;
  return Object.fromEntries(rows.map((r) => [r.name, r.lag]));
}

/** The nodes of one PostgreSQL database: one row each, its heartbeat rewritten every few seconds. */
import type { NodeRegistry } from '../stores';
import type { PgDb } from './db';
import { q } from './sql';

export class PgNodeRegistry implements NodeRegistry {
  constructor(private readonly db: PgDb) {}

  async announce(nodeId: string, url: string, now: number): Promise<void> {
    await this.db.pool.query(
      q(
        `INSERT INTO cluster_nodes (node_id, url, heartbeat_ms) VALUES ($1, $2, $3)
         ON CONFLICT (node_id) DO UPDATE SET url = excluded.url, heartbeat_ms = excluded.heartbeat_ms`,
        [nodeId, url, now],
      ),
    );
  }

  async url(nodeId: string, aliveSince: number): Promise<string | undefined> {
    const { rows } = await this.db.pool.query<{ url: string }>(
      q('SELECT url FROM cluster_nodes WHERE node_id = $1 AND heartbeat_ms >= $2', [nodeId, aliveSince]),
    );
    return rows[0]?.url;
  }

  async leave(nodeId: string): Promise<void> {
    await this.db.pool.query(q('DELETE FROM cluster_nodes WHERE node_id = $1', [nodeId]));
  }
}

import type { ComponentSchema } from '../db';

/**
 * The nodes serving one database: where each can be reached and when it last said it was alive,
 * so that a node can hand a session's request to the node that holds the session.
 */
export const nodeSchema: ComponentSchema = {
  component: 'nodes',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE cluster_nodes (
          node_id TEXT PRIMARY KEY,
          url TEXT NOT NULL,
          heartbeat_ms BIGINT NOT NULL
        );
      `,
    },
  ],
};

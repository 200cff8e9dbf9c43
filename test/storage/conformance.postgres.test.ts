import { openPostgresStore } from '../../src/storage/postgres/store';
import { describePostgres, freshDatabase } from '../helpers/postgres';
import { conformance } from './conformance';

describePostgres('store conformance on PostgreSQL', () => {
  conformance({
    kind: 'postgres',
    shared: true,
    async database(cleanup) {
      const url = await freshDatabase(cleanup);
      return () => openPostgresStore(url);
    },
  });
});

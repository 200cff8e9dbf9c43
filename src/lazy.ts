/**
 * A module loaded on first use rather than at start-up. Start-up time is mostly module loading,
 * and ion-js with the journal, the commit pipeline, the export encoders and the PartiQL engine
 * take about 60 ms that a server answering control-plane requests does not need yet.
 *
 *   import type * as Block from './journal/block';
 *   const block = lazy(() => require('./journal/block') as typeof Block);
 *   block().parseBlock(ion);
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

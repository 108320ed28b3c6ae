/**
 * What a migration is made of, apart from the list in migrations.ts so the modules that hold a
 * migration's statements (timeline-schema.ts) can name these types without importing the list.
 */
import type { Store } from './store.js';
import type { TableSpec } from './create-table.js';

/** SQL text (`{db}` for the database), or a table for `createTable` to create. */
export type MigrationStatement = string | TableSpec;

/** Told how far a long migration step is, for a progress bar. */
export type MigrationProgress = (step: string, done: number, total: number) => void;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly MigrationStatement[];
  /** Work after the statements that is too long for one statement (a backfill); must resume. */
  readonly run?: (store: Store, progress: MigrationProgress) => Promise<void>;
}

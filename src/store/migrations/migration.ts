/** One schema step; applied once, in version order, and recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  name: string;
  /** SQL statements of one dialect, separated by semicolons. */
  sql: string;
}

/** Checks versions are strictly increasing from 1: a mistake here must fail at startup, not corrupt a schema. */
export function checkMigrations(list: readonly Migration[]): readonly Migration[] {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration "${m.name}" has version ${m.version}, expected ${i + 1}`);
  });
  return list;
}

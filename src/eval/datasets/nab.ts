import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../domain/index.js';

/** One NAB-layout series: `timestamp,value` rows and its label windows. */
export interface NabFile {
  /** Key in the labels JSON, a path relative to the data folder. */
  name: string;
  tsMs: number[];
  values: number[];
  /** Inclusive label windows, epoch ms. */
  windows: [number, number][];
}

/** NAB timestamps: `YYYY-MM-DD hh:mm:ss[.ffffff]`, read as UTC. */
export function parseNabTimestamp(text: string, where: string): number {
  const t = text.trim().replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  if (!Number.isFinite(ms)) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${where}: timestamp "${text}" is not YYYY-MM-DD hh:mm:ss`);
  return ms;
}

/** Parses a NAB data file (`timestamp,value` header, comma-separated). */
export function parseNabCsv(text: string, name: string): Pick<NabFile, 'tsMs' | 'values'> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${name}: expected a "timestamp,value" header, got "${lines[0]?.slice(0, 60) ?? ''}"`);
  const tsMs: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    const where = `${name} line ${i + 1}`;
    tsMs.push(parseNabTimestamp(cells[ti] ?? '', where));
    const v = Number(cells[vi]);
    if ((cells[vi] ?? '').trim() === '' || !Number.isFinite(v)) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${where}: value is "${cells[vi] ?? ''}", expected a number`);
    values.push(v);
  }
  return { tsMs, values };
}

/**
 * Loads the series named in a NAB label file (`{"dir/file.csv": [[start, end], ...]}`, as NAB's
 * `labels/combined_windows.json`) from `dataDir`. Reads in place; nothing is copied.
 */
export async function loadNab(dataDir: string, labelsPath: string): Promise<NabFile[]> {
  let labels: unknown;
  try {
    labels = JSON.parse(await readFile(labelsPath, 'utf8'));
  } catch (err) {
    throw new NotFoundError('PW_ERR_NOT_FOUND_DATASET', `NAB labels ${labelsPath} cannot be read as JSON`, { cause: err });
  }
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${labelsPath}: expected an object {"file.csv": [[start, end], ...]}`);
  const files: NabFile[] = [];
  for (const [name, wins] of Object.entries(labels as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
    if (!Array.isArray(wins)) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${labelsPath}: windows of "${name}" must be an array of [start, end]`);
    const windows = wins.map((w, k): [number, number] => {
      if (!Array.isArray(w) || w.length !== 2) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${labelsPath}: "${name}" window ${k} must be [start, end]`);
      return [parseNabTimestamp(String(w[0]), `${labelsPath} ${name}`), parseNabTimestamp(String(w[1]), `${labelsPath} ${name}`)];
    });
    let text: string;
    try {
      text = await readFile(join(dataDir, name), 'utf8');
    } catch (err) {
      throw new NotFoundError('PW_ERR_NOT_FOUND_DATASET', `NAB data file ${join(dataDir, name)} (named in the labels) cannot be read`, { cause: err });
    }
    files.push({ name, ...parseNabCsv(text, name), windows });
  }
  if (files.length === 0) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${labelsPath} names no files`);
  return files;
}

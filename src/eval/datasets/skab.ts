import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../domain/index.js';

/** SKAB's current protocol: per file, the first 400 rows train and the rest are scored (SOURCE.md). */
export const SKAB_TRAIN_ROWS = 400;

/** The eight sensor columns, in file order. */
export const SKAB_SENSOR_COLUMNS = [
  'Accelerometer1RMS',
  'Accelerometer2RMS',
  'Current',
  'Pressure',
  'Temperature',
  'Thermocouple',
  'Voltage',
  'Volume Flow RateRMS',
] as const;

/** The labelled experiment folders (anomaly-free/ has no labels and is not used by the protocol). */
export const SKAB_LABELLED_FOLDERS = ['valve1', 'valve2', 'other'] as const;

export interface SkabFile {
  /** Path relative to the dataset folder, e.g. `valve1/0.csv`. */
  name: string;
  tsMs: number[];
  /** One row per timestamp, columns as {@link SKAB_SENSOR_COLUMNS}. */
  values: number[][];
  /** 1 inside the anomaly (empty for the anomaly-free file). */
  anomaly: number[];
  /** 1 on labelled change points (empty for the anomaly-free file). */
  changepoint: number[];
}

/** `YYYY-MM-DD hh:mm:ss` read as UTC (the files carry no zone; only differences matter). */
function parseDatetime(text: string, where: string): number {
  const ms = Date.parse(`${text.trim().replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${where}: datetime "${text}" is not YYYY-MM-DD hh:mm:ss`);
  return ms;
}

/**
 * Parses one SKAB file: semicolon-separated, CRLF (LF accepted), header row, label columns as
 * floats. Every cell is checked; a bad one is named by file, line and column.
 */
export function parseSkabCsv(text: string, name: string): SkabFile {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(';').map((h) => h.trim());
  if (header[0] !== 'datetime') throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${name}: expected a header starting with "datetime", got "${lines[0]?.slice(0, 60) ?? ''}"`);
  const col = SKAB_SENSOR_COLUMNS.map((c) => header.indexOf(c));
  const missing = SKAB_SENSOR_COLUMNS.filter((_, i) => col[i]! < 0);
  if (missing.length) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${name}: missing column(s) ${missing.join(', ')}`);
  const aCol = header.indexOf('anomaly');
  const cCol = header.indexOf('changepoint');
  const file: SkabFile = { name, tsMs: [], values: [], anomaly: [], changepoint: [] };
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(';');
    const where = `${name} line ${i + 1}`;
    if (cells.length !== header.length) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${where}: ${cells.length} fields, header has ${header.length}`);
    file.tsMs.push(parseDatetime(cells[0]!, where));
    file.values.push(
      col.map((c, k) => {
        const v = Number(cells[c]);
        if (cells[c]!.trim() === '' || !Number.isFinite(v)) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${where}: ${SKAB_SENSOR_COLUMNS[k]} is "${cells[c]}", expected a number`);
        return v;
      }),
    );
    if (aCol >= 0) file.anomaly.push(Number(cells[aCol]) ? 1 : 0);
    if (cCol >= 0) file.changepoint.push(Number(cells[cCol]) ? 1 : 0);
  }
  return file;
}

/**
 * Loads SKAB's labelled files from `dir` (valve1/, valve2/, other/), in folder then numeric
 * order. Reads in place; nothing is copied.
 */
export async function loadSkab(dir: string): Promise<SkabFile[]> {
  const files: SkabFile[] = [];
  for (const folder of SKAB_LABELLED_FOLDERS) {
    let names: string[];
    try {
      names = (await readdir(join(dir, folder))).filter((n) => n.endsWith('.csv'));
    } catch (err) {
      throw new NotFoundError('PW_ERR_NOT_FOUND_DATASET', `SKAB folder ${join(dir, folder)} cannot be read; --data must point at SKAB's data folder (with valve1/, valve2/, other/)`, { cause: err });
    }
    names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
    for (const n of names) files.push(parseSkabCsv(await readFile(join(dir, folder, n), 'utf8'), `${folder}/${n}`));
  }
  if (files.length === 0) throw new NotFoundError('PW_ERR_NOT_FOUND_DATASET', `no SKAB CSV files under ${dir}`);
  return files;
}

/** A published leaderboard row (SKAB README at commit b2c0d46, as quoted in SOURCE.md). */
export interface SkabOutlierRow {
  algorithm: string;
  f1: number;
  far: number;
  mar: number;
}

export interface SkabChangepointRow {
  algorithm: string;
  standard: number;
  lowFp: number;
  lowFn: number;
  missedCps: number | null;
  fps: number | null;
}

/** SKAB outlier-detection leaderboard, copied as stated (SOURCE.md). */
export const SKAB_OUTLIER_LEADERBOARD: readonly SkabOutlierRow[] = Object.freeze([
  { algorithm: 'Perfect detector', f1: 1, far: 0, mar: 0 },
  { algorithm: 'Conv-AE', f1: 0.78, far: 13.55, mar: 28.02 },
  { algorithm: 'MSET', f1: 0.78, far: 39.73, mar: 14.13 },
  { algorithm: 'T-squared+Q (PCA-based)', f1: 0.76, far: 26.62, mar: 24.92 },
  { algorithm: 'LSTM-AE', f1: 0.74, far: 29.96, mar: 25.92 },
  { algorithm: 'T-squared', f1: 0.66, far: 19.21, mar: 42.6 },
  { algorithm: 'LSTM-VAE', f1: 0.56, far: 9.13, mar: 55.03 },
  { algorithm: 'Vanilla LSTM', f1: 0.54, far: 12.54, mar: 59.53 },
  { algorithm: 'MSCRED', f1: 0.36, far: 49.94, mar: 69.88 },
  { algorithm: 'Vanilla AE', f1: 0.39, far: 2.59, mar: 75.15 },
  { algorithm: 'Isolation forest', f1: 0.29, far: 2.56, mar: 82.89 },
  { algorithm: 'Null detector', f1: 0, far: 0, mar: 100 },
]);

/** SKAB change-point leaderboard (NAB-style scores, 60 s windows), copied as stated (SOURCE.md). */
export const SKAB_CHANGEPOINT_LEADERBOARD: readonly SkabChangepointRow[] = Object.freeze([
  { algorithm: 'Perfect detector', standard: 100, lowFp: 100, lowFn: 100, missedCps: 0, fps: 0 },
  { algorithm: 'MSCRED', standard: 32.42, lowFp: 16.53, lowFn: 40.28, missedCps: 55, fps: 342 },
  { algorithm: 'Isolation forest', standard: 26.16, lowFp: 19.5, lowFn: 30.82, missedCps: 76, fps: 135 },
  { algorithm: 'T-squared+Q (PCA-based)', standard: 25.35, lowFp: 14.51, lowFn: 31.33, missedCps: 72, fps: 232 },
  { algorithm: 'Conv-AE', standard: 23.61, lowFp: 21.54, lowFn: 27.55, missedCps: 82, fps: 23 },
  { algorithm: 'LSTM-AE', standard: 23.51, lowFp: 20.11, lowFn: 25.91, missedCps: 88, fps: 69 },
  { algorithm: 'T-squared', standard: 19.54, lowFp: 10.2, lowFn: 24.31, missedCps: 70, fps: 106 },
  { algorithm: 'MSET', standard: 13.84, lowFp: 10.22, lowFn: 17.37, missedCps: 96, fps: 66 },
  { algorithm: 'Vanilla AE', standard: 11.41, lowFp: 6.53, lowFn: 13.91, missedCps: 103, fps: 106 },
  { algorithm: 'Vanilla LSTM', standard: 11.31, lowFp: -3.8, lowFn: 17.25, missedCps: 90, fps: 342 },
  { algorithm: 'ArimaFD', standard: -0.09, lowFp: -0.17, lowFn: -0.06, missedCps: 127, fps: 2 },
  { algorithm: 'Null detector', standard: 0, lowFp: 0, lowFn: 0, missedCps: null, fps: null },
]);

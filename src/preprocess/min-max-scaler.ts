import { ValidationError } from '../domain/index.js';

/** Saved form of a fitted scaler, stored with the model (SPEC 4). */
export interface MinMaxScalerJSON {
  className: 'MinMaxScaler';
  version: 1;
  min: number[];
  max: number[];
}

/**
 * Min-max scaling to [0, 1], fitted on the training split only (SPEC 4, paper 3.5).
 * Values outside the training range map outside [0, 1] on purpose: clipping would hide exactly
 * the excursions the detector must see. A constant column maps to 0.
 *
 * @example
 * const s = new MinMaxScaler().fit([[0, 10], [2, 20]]);
 * s.transform([[1, 15]]); // [[0.5, 0.5]]
 */
export class MinMaxScaler {
  private minV: number[] = [];
  private maxV: number[] = [];
  private fitted = false;

  get isFitted(): boolean {
    return this.fitted;
  }

  get featureCount(): number {
    return this.minV.length;
  }

  fit(rows: readonly (readonly number[])[]): this {
    if (rows.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', 'MinMaxScaler.fit needs at least one row, got 0');
    const width = rows[0]!.length;
    const min = new Array<number>(width).fill(Infinity);
    const max = new Array<number>(width).fill(-Infinity);
    rows.forEach((row, i) => {
      if (row.length !== width) throw new ValidationError('PW_ERR_VALIDATION_COLUMNS', `row ${i} has ${row.length} columns, expected ${width}`);
      for (let c = 0; c < width; c++) {
        const v = row[c]!;
        if (!Number.isFinite(v)) throw new ValidationError('PW_ERR_VALIDATION_VALUE', `row ${i} column ${c} is ${v}, expected a finite number (clean the data first)`);
        if (v < min[c]!) min[c] = v;
        if (v > max[c]!) max[c] = v;
      }
    });
    this.minV = min;
    this.maxV = max;
    this.fitted = true;
    return this;
  }

  private check(row: readonly number[]): void {
    if (!this.fitted) throw new ValidationError('PW_ERR_VALIDATION_NOT_FITTED', 'MinMaxScaler used before fit()');
    if (row.length !== this.minV.length) throw new ValidationError('PW_ERR_VALIDATION_COLUMNS', `row has ${row.length} columns, scaler was fitted on ${this.minV.length}`);
  }

  transformOne(row: readonly number[]): number[] {
    this.check(row);
    return row.map((v, c) => {
      const span = this.maxV[c]! - this.minV[c]!;
      return span > 0 ? (v - this.minV[c]!) / span : v - this.minV[c]!;
    });
  }

  inverseOne(row: readonly number[]): number[] {
    this.check(row);
    return row.map((v, c) => {
      const span = this.maxV[c]! - this.minV[c]!;
      return span > 0 ? v * span + this.minV[c]! : v + this.minV[c]!;
    });
  }

  transform(rows: readonly (readonly number[])[]): number[][] {
    return rows.map((r) => this.transformOne(r));
  }

  inverseTransform(rows: readonly (readonly number[])[]): number[][] {
    return rows.map((r) => this.inverseOne(r));
  }

  /** Per-column span (max - min); used to turn scaled errors back into units. */
  spans(): number[] {
    return this.maxV.map((m, c) => m - this.minV[c]!);
  }

  toJSON(): MinMaxScalerJSON {
    return { className: 'MinMaxScaler', version: 1, min: [...this.minV], max: [...this.maxV] };
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const j = json as Partial<MinMaxScalerJSON> | null;
    if (!j || j.className !== 'MinMaxScaler' || j.version !== 1 || !Array.isArray(j.min) || !Array.isArray(j.max) || j.min.length !== j.max.length) {
      throw new ValidationError('PW_ERR_VALIDATION_SCALER', `expected a saved MinMaxScaler {className, version: 1, min[], max[]}, got ${JSON.stringify(json)?.slice(0, 120)}`);
    }
    const s = new MinMaxScaler();
    s.minV = j.min.map(Number);
    s.maxV = j.max.map(Number);
    s.fitted = true;
    return s;
  }
}

/**
 * Typed errors with stable codes (STYLE 4). Codes follow `PW_ERR_<AREA>_<WHAT>` and never change
 * once released; messages say what was expected and what arrived.
 * Leaf module: imports nothing.
 */
export interface AppErrorOptions {
  /** The error that caused this one, kept for logs. */
  cause?: unknown;
  /** Structured details (field, value, rule) for API responses and dead letters. */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, httpStatus = 500, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = httpStatus;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export class ConfigError extends AppError {
  constructor(code: `PW_ERR_CONFIG_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 500, options);
  }
}

export class ValidationError extends AppError {
  constructor(code: `PW_ERR_VALIDATION_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 400, options);
  }
}

export class NotFoundError extends AppError {
  constructor(code: `PW_ERR_NOT_FOUND_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 404, options);
  }
}

export class AuthError extends AppError {
  constructor(code: `PW_ERR_AUTH_${string}`, message: string, httpStatus: 401 | 403 = 401, options?: AppErrorOptions) {
    super(code, message, httpStatus, options);
  }
}

export class StoreError extends AppError {
  constructor(code: `PW_ERR_STORE_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 500, options);
  }
}

export class ModelError extends AppError {
  constructor(code: `PW_ERR_MODEL_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 500, options);
  }
}

export class IngestError extends AppError {
  constructor(code: `PW_ERR_INGEST_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 500, options);
  }
}

export class SimulationError extends AppError {
  constructor(code: `PW_ERR_SIM_${string}`, message: string, options?: AppErrorOptions) {
    super(code, message, 400, options);
  }
}

/** Backup and restore errors: no key, wrong key, tampered or truncated file, bad format (PW_ERR_BACKUP_*). */
export class BackupError extends AppError {
  constructor(code: `PW_ERR_BACKUP_${string}`, message: string, httpStatus = 500, options?: AppErrorOptions) {
    super(code, message, httpStatus, options);
  }
}

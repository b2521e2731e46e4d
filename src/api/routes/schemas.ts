/** Shared JSON schemas: every body, query and param is validated, so bad input is a 400 that names the field. */
export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$' } },
} as const;

export const epochMs = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 } as const;
export const limit = (max: number, dflt: number) => ({ type: 'integer', minimum: 1, maximum: max, default: dflt }) as const;
export const comment = { type: 'string', maxLength: 2000 } as const;
export const errorBody = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;
export const noBody = { type: 'object', additionalProperties: false, maxProperties: 0 } as const;

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { COMMAND_TYPES, FAULT_TYPES, NOTIFY_CHANNELS, RespondError, RESPONSE_TEAMS, SENSOR_KINDS, URGENCIES } from '../../domain/index.js';

/** Alert types a rule can match: the fault types, impossible values, and the area flood alert. */
export const RULE_ALERT_TYPES = [...FAULT_TYPES, 'impossible_value', 'alert_flood'] as const;

/**
 * Numeric fields a condition can test: `score`, `peakScore`, `scoreRatio` (score / threshold),
 * `count` (occurrences), or `sensor.<kind>.<actual|predicted|residual|score>`.
 */
export const CONDITION_FIELD_PATTERN = new RegExp(`^(score|peakScore|scoreRatio|count|sensor\\.(${SENSOR_KINDS.join('|')})\\.(actual|predicted|residual|score))$`);

const conditionSchema = z
  .object({
    field: z.string().regex(CONDITION_FIELD_PATTERN, `a field such as score, scoreRatio, count or sensor.temperature.actual (sensors: ${SENSOR_KINDS.join(', ')})`),
    op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
    value: z.number().finite(),
  })
  .strict();

const commandFields = {
  command: z.enum(COMMAND_TYPES),
  /** Switch the mode on (default) or off. */
  on: z.boolean().optional(),
  /** Target load factor 0..1 for reduce_load / adjust_parameters. */
  loadFactor: z.number().min(0).max(1).optional(),
};

const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('automatic'), ...commandFields }).strict(),
  z.object({ kind: z.literal('recommended'), ...commandFields }).strict(),
  z
    .object({
      kind: z.literal('notify'),
      team: z.enum(RESPONSE_TEAMS),
      channels: z.array(z.enum(NOTIFY_CHANNELS)).min(1),
    })
    .strict(),
]);

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -, at most 64'),
    description: z.string().max(500).optional(),
    enabled: z.boolean().default(true),
    match: z
      .object({
        types: z.array(z.enum(RULE_ALERT_TYPES)).min(1),
        /** The alert's urgency must be at least this. */
        minUrgency: z.enum(URGENCIES).default('low'),
        /** Limit to these machine types; absent = all. */
        machineTypes: z.array(z.enum(['assembly', 'welding', 'paint_booth'])).min(1).optional(),
        /** Limit to these area ids; absent = all. */
        areas: z.array(z.string().min(1)).min(1).optional(),
        /** Match only data-quality (true) or only process (false) alerts; absent = both. */
        dataQuality: z.boolean().optional(),
        /** All must hold. */
        conditions: z.array(conditionSchema).default([]),
      })
      .strict(),
    actions: z.array(actionSchema).min(1),
    /** No repeat of this rule's actions on the same machine within this time. */
    cooldownMs: z.number().int().min(0).default(5 * 60_000),
    /** When this rule matches, later rules are not evaluated for the alert. */
    final: z.boolean().default(false),
  })
  .strict();

export const rulesFileSchema = z
  .object({
    version: z.literal(1),
    rules: z.array(ruleSchema),
  })
  .strict();

/** Duplicate ids, checked on the raw input so they are reported together with every other problem. */
function duplicateIds(input: unknown): RuleIssue[] {
  const rules = (input as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) return [];
  const seen = new Map<string, number>();
  const out: RuleIssue[] = [];
  rules.forEach((r: unknown, i) => {
    const id = (r as { id?: unknown })?.id;
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first !== undefined) out.push({ ruleIndex: i, field: 'id', problem: `duplicate rule id "${id}" (first used by rules[${first}])` });
    else seen.set(id, i);
  });
  return out;
}

export type RulesFile = z.output<typeof rulesFileSchema>;
export type Rule = z.output<typeof ruleSchema>;
export type RuleAction = Rule['actions'][number];
export type RuleCondition = z.output<typeof conditionSchema>;
export type RulesFileInput = z.input<typeof rulesFileSchema>;

/** One problem in a rules file, located precisely. */
export interface RuleIssue {
  /** Index in `rules`, or null for a file-level problem. */
  ruleIndex: number | null;
  /** Dotted path inside the rule (e.g. `actions[0].command`), or inside the file. */
  field: string;
  problem: string;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/**
 * Validates a parsed rules file. Errors (PW_ERR_RULES_INVALID) name the rule index, its id when
 * known, the field and the problem.
 * @example parseRules({ version: 1, rules: [] }).rules.length === 0
 */
export function parseRules(input: unknown, source = 'rules'): RulesFile {
  const result = rulesFileSchema.safeParse(input);
  const dups = duplicateIds(input);
  if (result.success && dups.length === 0) return result.data;
  const raw = input as { rules?: Array<{ id?: unknown }> } | undefined;
  const schemaIssues: RuleIssue[] = (result.error?.issues ?? []).map((iss) => {
    const path = iss.path;
    if (path[0] === 'rules' && typeof path[1] === 'number') {
      return { ruleIndex: path[1], field: fieldPath(path.slice(2)) || '(rule)', problem: iss.message };
    }
    return { ruleIndex: null, field: fieldPath(path) || '(file)', problem: iss.message };
  });
  const issues = [...schemaIssues, ...dups];
  const lines = issues.map((i) => {
    if (i.ruleIndex === null) return `${i.field}: ${i.problem}`;
    const id = raw?.rules?.[i.ruleIndex]?.id;
    return `rules[${i.ruleIndex}]${typeof id === 'string' ? ` (id "${id}")` : ''} ${i.field}: ${i.problem}`;
  });
  throw new RespondError('PW_ERR_RULES_INVALID', `${source} is not a valid rules file:\n  ${lines.join('\n  ')}`, 400, { details: { issues } });
}

/** Reads and validates a JSON rules file; JSON syntax errors say where. */
export async function loadRulesFile(path: string): Promise<RulesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RespondError('PW_ERR_RULES_READ', `cannot read rules file ${path}: ${(err as Error).message}`, 500, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RespondError('PW_ERR_RULES_JSON', `rules file ${path} is not valid JSON: ${(err as Error).message}`, 400, { cause: err });
  }
  return parseRules(json, path);
}

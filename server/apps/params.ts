import { Type, type TLiteral, type TObject, type TProperties, type TSchema, type TUnion } from 'typebox';
import { Value } from 'typebox/value';
import type { FieldError } from '../errors.js';

/**
 * Parameter types of a config app. Each is a TypeBox schema (so validation, the
 * OpenAPI document and the types come from one place) tagged with its kind, which
 * tells the panel, the CLI and the menu how to show and read it. Validation is by
 * schema, never by a character blacklist: a password may contain any character.
 */
export type ParamKind = 'boolean' | 'integer' | 'string' | 'text' | 'enum' | 'secret' | 'path';

/**
 * Secrets an app needs again later (an SMTP password) are sealed in the database;
 * those it only needs during the run (a new login password) are never stored.
 */
export type SecretKeeping = 'sealed' | 'never';

interface ParamMeta {
  'x-hearth-kind': ParamKind;
  'x-hearth-keep'?: SecretKeeping;
  'x-hearth-expect'?: 'directory' | 'file' | 'any';
  'x-hearth-unit'?: string;
  'x-hearth-options'?: readonly string[];
}

const meta = (schema: TSchema): ParamMeta => schema as unknown as ParamMeta;

export const param = {
  boolean: (options: { default: boolean }) => Type.Boolean({ default: options.default, 'x-hearth-kind': 'boolean' }),
  integer: (options: { default: number; minimum: number; maximum: number; unit?: string }) =>
    Type.Integer({
      default: options.default,
      minimum: options.minimum,
      maximum: options.maximum,
      'x-hearth-kind': 'integer',
      ...(options.unit ? { 'x-hearth-unit': options.unit } : {}),
    }),
  string: (options: { default: string; pattern?: string; minLength?: number; maxLength: number }) =>
    Type.String({ ...options, 'x-hearth-kind': 'string' }),
  /** Several lines, e.g. SSH public keys. */
  text: (options: { default: string; maxLength: number }) => Type.String({ ...options, 'x-hearth-kind': 'text' }),
  enum: <const T extends string>(values: readonly T[], options: { default: T }) =>
    // map() loses the literal types; the union is exactly one literal per value.
    Type.Union(
      values.map((value) => Type.Literal(value)),
      { default: options.default, 'x-hearth-kind': 'enum', 'x-hearth-options': values },
    ) as unknown as TUnion<TLiteral<T>[]>,
  /** Empty means "leave it as it is". */
  secret: (options: { keep: SecretKeeping; minLength?: number; maxLength: number }) =>
    Type.String({ default: '', maxLength: options.maxLength, ...(options.minLength ? { minLength: options.minLength } : {}), 'x-hearth-kind': 'secret', 'x-hearth-keep': options.keep, writeOnly: true }),
  /** An absolute path on the box. */
  path: (options: { default: string; expect: 'directory' | 'file' | 'any' }) =>
    Type.String({ default: options.default, pattern: '^/[^\\u0000]*$', maxLength: 4096, 'x-hearth-kind': 'path', 'x-hearth-expect': options.expect }),
};

export function paramKind(schema: TSchema): ParamKind {
  return meta(schema)['x-hearth-kind'] ?? 'string';
}

export function secretKeeping(schema: TSchema): SecretKeeping | undefined {
  return meta(schema)['x-hearth-keep'];
}

export function paramMeta(schema: TSchema) {
  const m = meta(schema);
  const s = schema as Record<string, unknown>;
  return {
    kind: paramKind(schema),
    default: s.default,
    minimum: s.minimum as number | undefined,
    maximum: s.maximum as number | undefined,
    minLength: s.minLength as number | undefined,
    maxLength: s.maxLength as number | undefined,
    pattern: paramKind(schema) === 'path' ? undefined : (s.pattern as string | undefined),
    unit: m['x-hearth-unit'],
    options: m['x-hearth-options'],
    expect: m['x-hearth-expect'],
  };
}

export function secretParams(params: TObject): string[] {
  return Object.entries(params.properties).filter(([, schema]) => paramKind(schema) === 'secret').map(([id]) => id);
}

export function defaults<S extends TProperties>(params: TObject<S>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params.properties).map(([id, schema]) => [id, (schema as { default?: unknown }).default]));
}

/**
 * `KEY=VALUE` from the command line: booleans accept yes/no/true/false/on/off/1/0,
 * integers digits; anything else stays a string and the schema judges it.
 */
export function coerceCliValue(schema: TSchema, raw: string): unknown {
  const kind = paramKind(schema);
  if (kind === 'boolean') {
    const lowered = raw.trim().toLowerCase();
    if (['yes', 'true', 'on', '1', 'y'].includes(lowered)) return true;
    if (['no', 'false', 'off', '0', 'n'].includes(lowered)) return false;
    return raw;
  }
  if (kind === 'integer' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
  if (kind === 'text') return raw.replace(/\\n/g, '\n');
  return raw;
}

const keywordKeys: Record<string, (error: { params: Record<string, unknown> }) => Pick<FieldError, 'key' | 'params'>> = {
  minimum: (e) => ({ key: 'errors:fields.tooSmall', params: { min: Number(e.params.limit) } }),
  maximum: (e) => ({ key: 'errors:fields.tooLarge', params: { max: Number(e.params.limit) } }),
  minLength: (e) => ({ key: 'errors:fields.tooShort', params: { min: Number(e.params.limit) } }),
  maxLength: (e) => ({ key: 'errors:fields.tooLong', params: { max: Number(e.params.limit) } }),
  pattern: () => ({ key: 'errors:fields.pattern' }),
  type: () => ({ key: 'errors:fields.wrongType' }),
  required: () => ({ key: 'errors:fields.required' }),
  anyOf: () => ({ key: 'errors:fields.notInList' }),
  const: () => ({ key: 'errors:fields.notInList' }),
  enum: () => ({ key: 'errors:fields.notInList' }),
  additionalProperties: () => ({ key: 'errors:fields.unknown' }),
  // An unknown property fails the `false` schema of additionalProperties first.
  boolean: () => ({ key: 'errors:fields.unknown' }),
};

/**
 * Checks a complete parameter object against the app's schema. Secrets left empty
 * ("unchanged") are not judged. Returns one error per parameter, the first found.
 * A pattern failure uses the app's own explanation (app-<id>:params.<p>.invalid)
 * when it has one: "letters, digits and hyphens" says more than "wrong format".
 */
export function validateParams(appId: string, params: TObject, values: Record<string, unknown>, hasKey: (key: string) => boolean): FieldError[] {
  const checked = { ...values };
  const properties: Record<string, TSchema> = {};
  for (const [id, schema] of Object.entries(params.properties)) {
    const skip = paramKind(schema) === 'secret' && checked[id] === '';
    properties[id] = skip ? Type.Optional(schema) : schema;
    if (skip) delete checked[id];
  }
  const schema = Type.Object(properties, { additionalProperties: false });
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, checked)) {
    const raw = error as unknown as { keyword: string; instancePath: string; params: Record<string, unknown> };
    const id =
      raw.keyword === 'required'
        ? String((raw.params.requiredProperties as string[] | undefined)?.[0] ?? '')
        : raw.keyword === 'additionalProperties'
          ? String((raw.params.additionalProperties as string[] | undefined)?.[0] ?? '')
          : raw.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const own = `app-${appId}:params.${id}.invalid`;
    const mapped = raw.keyword === 'pattern' && hasKey(own) ? { key: own } : (keywordKeys[raw.keyword] ?? (() => ({ key: 'errors:fields.invalid' })))(raw);
    errors.push({ param: id, ...mapped });
  }
  return errors;
}

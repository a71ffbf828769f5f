// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Request validation against the schemas copied from Plaid's OpenAPI spec (spec/plaid-schemas.json).
// Violations become Plaid's INVALID_REQUEST errors: MISSING_FIELDS, UNKNOWN_FIELDS, INVALID_FIELD.
// Two rules of Plaid's API that the spec does not spell out are applied first (prepareRequest): a field
// the endpoint does not know is refused (UNKNOWN_FIELDS, as Plaid answers; the spec's request schemas
// do not say additionalProperties: false), and an explicit `null` for a field that is not nullable is
// taken as absent (Plaid's own quickstart sends `cursor: null` on a first /transactions/sync), except
// where the spec says in words that it must not be `null` (the `options` objects: INVALID_FIELD).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PlaidApiError } from './errors.ts';
import { NOT_NULL } from './spec/openapi-to-jsonschema.ts';

type SchemaDoc = {
  specVersion: string;
  endpoints: Record<string, [string, string]>;
  webhooks: Record<string, string>;
  definitions: Record<string, unknown>;
};

export const SCHEMA_DOC: SchemaDoc = JSON.parse(
  readFileSync(new URL('./spec/plaid-schemas.json', import.meta.url), 'utf8'),
);

// ajv-formats is CommonJS; its default export is the function under node's ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv, f: string[]) => void;

let ajv: Ajv | null = null;
const cache = new Map<string, ValidateFunction>();

export function validatorFor(schemaName: string): ValidateFunction {
  let v = cache.get(schemaName);
  if (v) return v;
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv, ['date', 'date-time']);
    ajv.addSchema({ $id: 'plaid', definitions: SCHEMA_DOC.definitions });
  }
  v = ajv.getSchema(`plaid#/definitions/${schemaName}`);
  if (!v) throw new Error(`no schema ${schemaName}`);
  cache.set(schemaName, v);
  return v;
}

function fieldPath(instancePath: string, leaf?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (leaf !== undefined) parts.push(leaf);
  return parts.join('.');
}

/** Map ajv errors to the single Plaid error Plaid would send (missing, then unknown, then invalid). */
export function toPlaidError(errors: ErrorObject[]): PlaidApiError {
  const missing = errors.filter((e) => e.keyword === 'required').map((e) => fieldPath(e.instancePath, (e.params as { missingProperty: string }).missingProperty));
  if (missing.length) return new PlaidApiError('MISSING_FIELDS', { fields: [...new Set(missing)].join(', ') });
  const unknown = errors.filter((e) => e.keyword === 'additionalProperties').map((e) => fieldPath(e.instancePath, (e.params as { additionalProperty: string }).additionalProperty));
  if (unknown.length) return new PlaidApiError('UNKNOWN_FIELDS', { fields: [...new Set(unknown)].join(', ') });
  // Prefer the most specific error: skip the anyOf wrappers that nullable fields produce.
  const e = errors.find((x) => x.keyword !== 'anyOf' && !(x.keyword === 'type' && errors.length > 1 && (x.params as { type: string }).type === 'null')) ?? errors[0];
  const field = fieldPath(e.instancePath) || 'body';
  let message: string;
  switch (e.keyword) {
    case 'type': message = `${field} must be of type ${(e.params as { type: string }).type}`; break;
    case 'enum': message = `${field} must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.filter((x) => x !== null).join(', ')}`; break;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
    case 'minLength': case 'maxLength': case 'minItems': case 'maxItems':
      message = `${field} ${e.message}`; break;
    case 'format': message = `${field} must be a valid ${(e.params as { format: string }).format}`; break;
    default: message = `${field} ${e.message ?? 'is invalid'}`;
  }
  return new PlaidApiError('INVALID_FIELD', { message });
}

type Schema = Record<string, unknown>;

function resolve(schema: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; s && typeof s.$ref === 'string' && i < 20; i++) s = SCHEMA_DOC.definitions[(s.$ref as string).replace('#/definitions/', '')] as Schema;
  return s;
}

function nullable(schema: Schema | undefined): boolean {
  const s = resolve(schema);
  if (!s) return true;
  if (Array.isArray(s.type)) return s.type.includes('null');
  if (s.type === 'null') return true;
  return Array.isArray(s.anyOf) && (s.anyOf as Schema[]).some(nullable);
}

/** The object alternative of a schema (nullable refs convert to anyOf [ref, null]). */
function objectSchema(schema: Schema | undefined): Schema | undefined {
  const s = resolve(schema);
  if (!s) return undefined;
  if (s.properties) return s;
  for (const alt of [...((s.anyOf as Schema[]) ?? []), ...((s.oneOf as Schema[]) ?? [])]) {
    const o = objectSchema(alt);
    if (o) return o;
  }
  return undefined;
}

function itemsSchema(schema: Schema | undefined): Schema | undefined {
  const s = resolve(schema);
  if (!s) return undefined;
  if (s.items) return s.items as Schema;
  for (const alt of (s.anyOf as Schema[]) ?? []) {
    const i = itemsSchema(alt);
    if (i) return i;
  }
  return undefined;
}

/** Drops nulls of non-nullable fields (in place) and collects fields the schema does not declare. */
function prepare(schema: Schema | undefined, value: unknown, path: string, unknown: string[]): void {
  if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    value.forEach((v, i) => prepare(items, v, `${path}[${i}]`, unknown));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const s = objectSchema(schema);
  if (!s) return;
  const props = s.properties as Record<string, Schema>;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const field = path ? `${path}.${key}` : key;
    if (!(key in props)) {
      if (s.additionalProperties !== true) unknown.push(field);
      continue;
    }
    // A null the spec forbids in words ("If specified, `options` must not be `null`") stays, so the
    // schema refuses it: INVALID_FIELD "options must be of type object".
    if (obj[key] === null && !nullable(props[key]) && !resolve(props[key])?.[NOT_NULL]) delete obj[key];
    else prepare(props[key], obj[key], field, unknown);
  }
}

/**
 * Throws the Plaid error for an invalid request body; returns nothing when it is valid. The body is
 * normalized in place first: explicit nulls of non-nullable fields are removed.
 */
export function validateRequest(path: string, body: Record<string, unknown>): void {
  const names = SCHEMA_DOC.endpoints[path];
  if (!names) return;
  const unknown: string[] = [];
  prepare(SCHEMA_DOC.definitions[names[0]] as Schema, body, '', unknown);
  const v = validatorFor(names[0]);
  const valid = v(body);
  if (valid && !unknown.length) return;
  const unknownErrors = unknown.map((f): ErrorObject => ({ keyword: 'additionalProperties', instancePath: '', schemaPath: '', params: { additionalProperty: f } }));
  throw toPlaidError([...(valid ? [] : v.errors ?? []), ...unknownErrors]);
}

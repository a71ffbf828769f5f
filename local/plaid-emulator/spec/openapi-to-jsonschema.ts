// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Turns OpenAPI 3.0 schemas from Plaid's spec into plain JSON Schema that ajv understands:
// `nullable` becomes a null type, `$ref`s point at `#/definitions/<Name>`, and documentation-only
// keywords are dropped so the committed trimmed file stays small; a description's "must not be `null`"
// is kept as the NOT_NULL mark. Used by extract.ts and by tests.

type Json = unknown;
type Obj = Record<string, Json>;

const DROP = new Set([
  'description', 'example', 'examples', 'externalDocs', 'title', 'deprecated', 'xml', 'readOnly',
  'writeOnly', 'discriminator',
]);
// Formats that ajv-formats checks; the spec's other formats (double, int32, ...) only document.
const KEEP_FORMATS = new Set(['date', 'date-time']);

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const REF_PREFIX = '#/components/schemas/';
/** Marks a schema whose description says it "must not be `null`" when given (the spec has no keyword for it). */
export const NOT_NULL = 'x-plaid-not-null';

/** Names of component schemas directly referenced anywhere inside `node`. */
export function refsOf(node: Json, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const v of node) refsOf(v, out);
  else if (isObj(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) out.add(v.slice(REF_PREFIX.length));
      else refsOf(v, out);
    }
  }
  return out;
}

/** Every component schema reachable from `roots` (roots included), sorted by name. */
export function closure(schemas: Record<string, Json>, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    if (!(name in schemas)) throw new Error(`schema ${name} not found in spec`);
    seen.add(name);
    for (const r of refsOf(schemas[name])) if (!seen.has(r)) stack.push(r);
  }
  return [...seen].sort();
}

/** Convert one OpenAPI 3.0 schema node to JSON Schema (draft-07 as ajv reads it). */
export function convert(node: Json): Json {
  if (Array.isArray(node)) return node.map(convert);
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) {
    if (DROP.has(k) || k.startsWith('x-') || k === 'nullable') continue;
    if (k === '$ref' && typeof v === 'string') {
      out.$ref = v.startsWith(REF_PREFIX) ? `#/definitions/${v.slice(REF_PREFIX.length)}` : v;
    } else if (k === 'format') {
      if (typeof v === 'string' && KEEP_FORMATS.has(v)) out.format = v;
    } else if (k === 'properties' && isObj(v)) {
      const props: Obj = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = convert(pv);
      out.properties = props;
    } else if (k === 'enum' || k === 'required' || k === 'default') {
      out[k] = v;
    } else {
      out[k] = convert(v);
    }
  }
  // OpenAPI 3.0 uses draft-04 boolean exclusiveMinimum/Maximum; JSON Schema draft-07 uses numbers.
  for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[ex] === 'boolean') {
      if (out[ex] === true && typeof out[bound] === 'number') { out[ex] = out[bound]; delete out[bound]; }
      else delete out[ex];
    }
  }
  // "If specified, `options` must not be `null`": Plaid says so in words only (the validator refuses it).
  if (typeof node.description === 'string' && /must not be `null`/.test(node.description)) out[NOT_NULL] = true;
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string' && out.$ref === undefined) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

/** Build the trimmed, self-contained schema document for the given component names. */
export function buildDefinitions(schemas: Record<string, Json>, roots: Iterable<string>): Record<string, Json> {
  const defs: Record<string, Json> = {};
  for (const name of closure(schemas, roots)) defs[name] = convert(schemas[name]);
  return defs;
}

import { Type, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { HearthError, isHearthError, type ErrorParams, type FieldError } from '../errors.js';
import { hasTranslation } from '../i18n.js';
import type { JobContext } from '../jobs/job-context.js';
import { appVersion } from '../paths.js';
import type { System } from '../system/index.js';
import { applyConfiguration, currentValues } from './app-state.js';
import { appCategories, type AnyAppDefinition, type AppEnvironment } from './types.js';
import { coerceCliValue, defaults, paramKind, paramMeta, secretKeeping, secretParams, validateParams } from './params.js';
import type { SavedParams } from './saved-params.js';

/**
 * Moving a box's configuration to another box (or back onto this one after a fresh
 * install): every configure app's saved parameters, without secrets, in a versioned
 * JSON document. Values that belong to one machine (a disk UUID, an interface name, a
 * MAC address, a path on a disk) travel apart, as "bindings", so the importing box can
 * check each against its own hardware and ask for a replacement where one does not fit.
 *
 * Import is all or nothing up to the point of applying: the whole file is parsed,
 * every app's values checked with the same schema and validate() as a form run, and
 * every binding checked against this machine before the first app is touched.
 */

export const configFormat = 'hearth-config';
/** The document version this Hearth writes and the newest it reads. */
export const configVersion = 1;
/** A configuration is a few kilobytes; anything near this is not one. */
export const maxConfigBytes = 1024 * 1024;

export const bindingKinds = ['disk-uuid', 'interface', 'mac', 'path', 'board', 'other'] as const;
export type BindingKind = (typeof bindingKinds)[number];

type ParamValue = boolean | number | string;

export interface ConfigDocument {
  format: typeof configFormat;
  version: number;
  exportedAt: string;
  hearthVersion: string;
  /** The board profile of the exporting box; null until board detection exists. */
  board: string | null;
  apps: Record<string, { params: Record<string, ParamValue>; /** Names (never values) of secrets the box had set. */ secretsNotExported?: string[] }>;
  bindings: Record<string, Record<string, { value: ParamValue; kind: BindingKind }>>;
}

/**
 * What an app may add to its definition about its bindings. Proposed for
 * AppDefinition (server/apps/types.ts); read here without it until then.
 * - bindingKinds: what each binding is (default: 'path' for path params, else 'other').
 * - checkBinding: the app's own judgement whether a value fits this machine; return
 *   undefined to fall back to the generic check of its kind.
 */
export interface BindingHooks {
  bindingKinds?: Partial<Record<string, BindingKind>>;
  checkBinding?(param: string, value: unknown, env: AppEnvironment): Promise<BindingCheck | undefined>;
}

export type BindingCheck = { fits: true } | { fits: false; /** i18n key */ reasonKey: string; reasonParams?: ErrorParams };

/** Something wrong with the file (no appId) or with one app's value in it. */
export interface PlanError {
  appId?: string;
  param?: string;
  /** i18n key */
  key: string;
  params?: ErrorParams;
}

export interface UnfitBinding {
  param: string;
  value: unknown;
  kind: BindingKind;
  reasonKey: string;
  reasonParams?: ErrorParams;
}

export interface PlannedApp {
  appId: string;
  /** 1-based position in the order apps are applied. */
  order: number;
  /** Every non-secret value the app gets (defaults, then the file, then replacements). */
  params: Record<string, unknown>;
  bindings: Array<{ param: string; value: unknown; kind: BindingKind; replaced: boolean }>;
  unfitBindings: UnfitBinding[];
  /** Sealed secrets this box already holds for the app; they are kept. */
  secretsKept: string[];
}

export interface SkippedApp {
  appId: string;
  /** i18n key */
  reasonKey: string;
  reasonParams?: ErrorParams;
}

export interface ImportPlan {
  apps: PlannedApp[];
  skipped: SkippedApp[];
  errors: PlanError[];
  /** No error and every binding fits: the plan may be applied. */
  ready: boolean;
}

const ns = 'app-config-import';
const appIdPattern = /^[a-z][a-z0-9-]{0,63}$/;
const paramIdPattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

// ---------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** A record's own entry only: a file naming an app "constructor" must not reach Object.prototype. */
const own = <T>(record: Record<string, T>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

function bindingKindOf(app: AnyAppDefinition, param: string): BindingKind {
  const declared = (app as AnyAppDefinition & BindingHooks).bindingKinds?.[param];
  if (declared) return declared;
  const schema = app.params.properties[param] as TSchema | undefined;
  return schema && paramKind(schema) === 'path' ? 'path' : 'other';
}

/**
 * The document for every configure app that has saved parameters: its values (the
 * saved ones over the defaults, so the file says exactly what the box had) without
 * secrets, its bindings apart, every key sorted so two exports diff line by line.
 * Apps never configured on this box are left out: importing their defaults would
 * change a box that merely never touched them.
 */
export function exportConfiguration(apps: readonly AnyAppDefinition[], saved: SavedParams, _env: AppEnvironment, now: Date = new Date()): ConfigDocument {
  const documentApps: ConfigDocument['apps'] = {};
  const documentBindings: ConfigDocument['bindings'] = {};
  for (const app of [...apps].sort((a, b) => byName(a.id, b.id))) {
    if (app.kind !== 'configure') continue;
    const stored = saved.get(app.id);
    if (!stored) continue;
    const secrets = new Set(secretParams(app.params));
    const bindings = new Set<string>(app.bindings ?? []);
    const values: Record<string, unknown> = { ...defaults(app.params), ...stored };
    const params: Record<string, ParamValue> = {};
    const bound: Record<string, { value: ParamValue; kind: BindingKind }> = {};
    for (const id of Object.keys(app.params.properties).sort(byName)) {
      if (secrets.has(id) || values[id] === undefined) continue;
      const value = values[id] as ParamValue;
      if (bindings.has(id)) bound[id] = { value, kind: bindingKindOf(app, id) };
      else params[id] = value;
    }
    const kept = [...secrets].filter((id) => secretKeeping(app.params.properties[id] as TSchema) === 'sealed' && saved.hasSecret(app.id, id)).sort(byName);
    documentApps[app.id] = { params, ...(kept.length ? { secretsNotExported: kept } : {}) };
    if (Object.keys(bound).length) documentBindings[app.id] = bound;
  }
  return {
    format: configFormat,
    version: configVersion,
    exportedAt: now.toISOString(),
    hearthVersion: appVersion,
    board: null,
    apps: documentApps,
    bindings: documentBindings,
  };
}

/** The file's text: two-space JSON, keys in the order exportConfiguration built them (sorted). */
export function serializeConfiguration(document: ConfigDocument): string {
  return JSON.stringify(document, null, 2) + '\n';
}

// ---------------------------------------------------------------------------------
// Reading and checking the document
// ---------------------------------------------------------------------------------

const ExportedValue = Type.Union([Type.Boolean(), Type.Number(), Type.String({ maxLength: 65536 })]);
const DocumentShape = Type.Object(
  {
    format: Type.Literal(configFormat),
    version: Type.Integer(),
    exportedAt: Type.String({ maxLength: 64 }),
    hearthVersion: Type.String({ maxLength: 64 }),
    board: Type.Union([Type.Null(), Type.String({ maxLength: 128 })]),
    apps: Type.Record(
      Type.String(),
      Type.Object(
        { params: Type.Record(Type.String(), ExportedValue), secretsNotExported: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })) },
        { additionalProperties: false },
      ),
    ),
    bindings: Type.Record(Type.String(), Type.Record(Type.String(), Type.Object({ value: ExportedValue, kind: Type.String({ maxLength: 32 }) }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);

/**
 * Checks the envelope: the format, a version this Hearth knows (a newer one is refused:
 * it may mean something this version would get wrong), then the shape. Returns the
 * errors; none means `document` is a ConfigDocument.
 */
export function checkDocument(document: unknown): PlanError[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document) || (document as { format?: unknown }).format !== configFormat) {
    return [{ key: `${ns}:errors.notHearthConfig` }];
  }
  const version = (document as { version?: unknown }).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return [{ key: `${ns}:errors.badVersion` }];
  if (version > configVersion) return [{ key: `${ns}:errors.newerVersion`, params: { found: version, supported: configVersion } }];
  const shapeError = [...Value.Errors(DocumentShape, document)][0] as { instancePath?: string } | undefined;
  if (shapeError) return [{ key: `${ns}:errors.malformed`, params: { where: shapeError.instancePath || '/' } }];
  const doc = document as ConfigDocument;
  const errors: PlanError[] = [];
  for (const appId of new Set([...Object.keys(doc.apps), ...Object.keys(doc.bindings)])) {
    if (!appIdPattern.test(appId)) {
      errors.push({ key: `${ns}:errors.malformed`, params: { where: `/apps/${appId.slice(0, 64)}` } });
      continue;
    }
    if (!own(doc.apps, appId)) errors.push({ key: `${ns}:errors.bindingsWithoutApp`, params: { app: appId } });
    const names = [...Object.keys(own(doc.apps, appId)?.params ?? {}), ...Object.keys(own(doc.bindings, appId) ?? {}), ...(own(doc.apps, appId)?.secretsNotExported ?? [])];
    for (const name of names) {
      if (!paramIdPattern.test(name)) errors.push({ key: `${ns}:errors.malformed`, params: { where: `/apps/${appId}/${name.slice(0, 64)}` } });
    }
    for (const name of Object.keys(own(doc.bindings, appId) ?? {})) {
      if (Object.hasOwn(own(doc.apps, appId)?.params ?? {}, name)) errors.push({ appId, param: name, key: `${ns}:errors.twice` });
    }
  }
  return errors;
}

/** The text of a configuration file → the parsed JSON, or why it is not one. */
export function parseConfiguration(text: string): { document: unknown; errors: PlanError[] } {
  if (Buffer.byteLength(text, 'utf8') > maxConfigBytes) return { document: undefined, errors: [{ key: `${ns}:errors.tooLarge`, params: { max: `${maxConfigBytes / 1024} KiB` } }] };
  try {
    // A byte-order mark, as some Windows editors write, is not part of the JSON.
    return { document: JSON.parse(text.replace(/^\uFEFF/, '')), errors: [] };
  } catch {
    return { document: undefined, errors: [{ key: `${ns}:errors.notJson` }] };
  }
}

/** Reads a configuration file from the box (a path as the owner sees it: /var/lib/…). */
export async function readConfigFile(system: System, file: string): Promise<{ document: unknown; errors: PlanError[] }> {
  let target: string;
  try {
    target = system.paths.systemFile(file);
  } catch {
    return { document: undefined, errors: [{ key: `${ns}:errors.fileMissing`, params: { file } }] };
  }
  const type = await system.pathType(target);
  if (type === undefined) return { document: undefined, errors: [{ key: `${ns}:errors.fileMissing`, params: { file } }] };
  if (type !== 'file') return { document: undefined, errors: [{ key: `${ns}:errors.notAFile`, params: { file } }] };
  const text = await system.readFile(target);
  if (text === undefined) return { document: undefined, errors: [{ key: `${ns}:errors.fileMissing`, params: { file } }] };
  return parseConfiguration(text);
}

// ---------------------------------------------------------------------------------
// Replacements for bindings
// ---------------------------------------------------------------------------------

/**
 * `app.param=value`, one a line (the import form's text field; the CLI's `--bind`
 * flags joined by newlines). Blank lines and lines starting with # are ignored;
 * spaces around the key and the value are trimmed.
 */
export function parseBindingLines(text: string): { replacements: Record<string, string>; errors: PlanError[] } {
  const replacements: Record<string, string> = {};
  const errors: PlanError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (!/^[a-z][a-z0-9-]{0,63}\.[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(key)) {
      errors.push({ key: `${ns}:errors.badBindingLine`, params: { line: index + 1 } });
      return;
    }
    if (Object.hasOwn(replacements, key)) {
      errors.push({ key: `${ns}:errors.bindingGivenTwice`, params: { binding: key } });
      return;
    }
    replacements[key] = line.slice(at + 1).trim();
  });
  return { replacements, errors };
}

// ---------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------

const categoryRank = (app: AnyAppDefinition) => appCategories.indexOf(app.category);
const tieOrder = (a: AnyAppDefinition, b: AnyAppDefinition) => categoryRank(a) - categoryRank(b) || byName(a.id, b.id);

/**
 * Apps in the order an import applies them: every app after the apps its `after`
 * lists (those of the list that exist), ties by category then id. Apps that cannot be
 * ordered (in a cycle, or after one) come back in `unordered`, with one cycle named.
 */
export function dependencyOrder(apps: readonly AnyAppDefinition[]): { order: AnyAppDefinition[]; unordered: AnyAppDefinition[]; cycle: string[] } {
  const byId = new Map(apps.map((app) => [app.id, app]));
  const before = new Map(apps.map((app) => [app.id, [...new Set(app.after ?? [])].filter((id) => byId.has(id) && id !== app.id)]));
  for (const app of apps) if ((app.after ?? []).includes(app.id)) before.get(app.id)!.push(app.id);
  const waiting = new Map(apps.map((app) => [app.id, before.get(app.id)!.length]));
  const ready = apps.filter((app) => waiting.get(app.id) === 0);
  const order: AnyAppDefinition[] = [];
  while (ready.length) {
    ready.sort(tieOrder);
    const next = ready.shift()!;
    order.push(next);
    for (const app of apps) {
      if (!before.get(app.id)!.includes(next.id)) continue;
      const left = waiting.get(app.id)! - 1;
      waiting.set(app.id, left);
      if (left === 0) ready.push(app);
    }
  }
  const placed = new Set(order.map((app) => app.id));
  const unordered = apps.filter((app) => !placed.has(app.id)).sort(tieOrder);
  return { order, unordered, cycle: unordered.length ? findCycle(unordered[0]!.id, before, placed) : [] };
}

function findCycle(start: string, before: Map<string, string[]>, placed: Set<string>): string[] {
  // Walk back along unplaced prerequisites; a walk that cannot end must revisit an app.
  const path: string[] = [];
  let current = start;
  while (!path.includes(current)) {
    path.push(current);
    current = before.get(current)!.find((id) => !placed.has(id))!;
  }
  // Read forwards (each app before the next), starting at the smallest id: the same cycle always reads the same.
  const cycle = path.slice(path.indexOf(current)).reverse();
  const first = cycle.indexOf([...cycle].sort(byName)[0]!);
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0]!];
}

// ---------------------------------------------------------------------------------
// Bindings against this machine
// ---------------------------------------------------------------------------------

const bindingReason = (name: string, params?: ErrorParams): BindingCheck => ({ fits: false, reasonKey: `${ns}:binding.${name}`, ...(params ? { reasonParams: params } : {}) });

async function exists(env: AppEnvironment, relative: string): Promise<'directory' | 'file' | 'other' | undefined> {
  let target: string;
  try {
    target = env.system.paths.systemFile(relative);
  } catch {
    return undefined;
  }
  return env.system.pathType(target);
}

/** Linux interface names: 1–15 bytes, not . or .., no slash, colon or whitespace (dev_valid_name). */
const interfaceName = /^(?!\.{1,2}$)[^/:\s]{1,15}$/;
/** Filesystem UUIDs as udev names them under /dev/disk/by-uuid: ext4/btrfs hex with dashes, FAT/NTFS serials. */
const diskUuid = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const macAddress = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;

async function networkInterfaces(env: AppEnvironment): Promise<string[]> {
  const dir = env.system.paths.systemFile('sys/class/net');
  if ((await env.system.pathType(dir)) !== 'directory') return [];
  const listed = await env.system.run(['ls', '-1', '-A', '--', dir]);
  return listed.code === 0 ? listed.stdout.split('\n').filter((name) => interfaceName.test(name)) : [];
}

/**
 * The generic judgement of a binding by its kind, reading this machine under the root:
 * an interface is there when /sys/class/net/<name> is; a disk when udev lists its UUID
 * under /dev/disk/by-uuid; a MAC when some interface has it; a path when it exists
 * (and is a directory or a file where the parameter expects one). Board and other
 * bindings have nothing on this machine to compare with yet: a valid value fits.
 */
export async function checkBindingGeneric(kind: BindingKind, value: unknown, env: AppEnvironment, expect?: 'directory' | 'file' | 'any'): Promise<BindingCheck> {
  const text = String(value);
  switch (kind) {
    case 'interface':
      if (!interfaceName.test(text)) return bindingReason('badInterface');
      return (await exists(env, `sys/class/net/${text}`)) ? { fits: true } : bindingReason('missingInterface');
    case 'disk-uuid':
      if (!diskUuid.test(text)) return bindingReason('badDiskUuid');
      return (await exists(env, `dev/disk/by-uuid/${text}`)) ? { fits: true } : bindingReason('missingDisk');
    case 'mac': {
      if (!macAddress.test(text)) return bindingReason('badMac');
      for (const name of await networkInterfaces(env)) {
        const address = await env.system.readFile(env.system.paths.systemFile(`sys/class/net/${name}/address`));
        if (address?.trim().toLowerCase() === text.toLowerCase()) return { fits: true };
      }
      return bindingReason('missingMac');
    }
    case 'path': {
      if (!text.startsWith('/')) return bindingReason('missingPath');
      const type = await exists(env, text);
      if (!type) return bindingReason('missingPath');
      if (expect === 'directory' && type !== 'directory') return bindingReason('notADirectory');
      if (expect === 'file' && type === 'directory') return bindingReason('notAFile');
      return { fits: true };
    }
    case 'board':
    case 'other':
      return { fits: true };
  }
}

async function checkBinding(app: AnyAppDefinition, param: string, value: unknown, kind: BindingKind, env: AppEnvironment): Promise<BindingCheck> {
  const own = await (app as AnyAppDefinition & BindingHooks).checkBinding?.(param, value, env);
  if (own) return own;
  return checkBindingGeneric(kind, value, env, paramMeta(app.params.properties[param] as TSchema).expect);
}

// ---------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------

/**
 * Checks a whole configuration document against this box, applying nothing:
 * - the envelope (format, version, shape) — any problem there stops here;
 * - apps this Hearth does not know are skipped with a reason (a file from a newer
 *   Hearth still carries everything this one understands); apps unavailable here, apps
 *   whose secret was set on the other box but is not stored here, and apps ordered
 *   after a skipped one are skipped too;
 * - every known app's values (defaults, then the file, then replacements) against its
 *   schema, and the app's own validate(), exactly as a form run checks them;
 * - every binding against this machine (the app's checkBinding, else by kind);
 * - replacements must name a binding of an app in the file.
 * `ready` is true only when there is no error and every binding fits.
 */
export async function planImport(
  document: unknown,
  apps: readonly AnyAppDefinition[],
  env: AppEnvironment,
  options: { saved?: SavedParams; replacements?: Record<string, unknown> } = {},
): Promise<ImportPlan> {
  const saved = options.saved ?? env.saved;
  const errors = checkDocument(document);
  if (errors.length) return { apps: [], skipped: [], errors, ready: false };
  const doc = document as ConfigDocument;
  const replacements = options.replacements ?? {};
  const byId = new Map(apps.map((app) => [app.id, app]));
  const skipped: SkippedApp[] = [];

  // Replacements must name a declared binding of a known app in the file.
  const replacementsFor = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(replacements)) {
    const [appId = '', param = ''] = key.split('.');
    const app = byId.get(appId);
    if (!app || !own(doc.apps, appId) || !(app.bindings ?? []).includes(param)) {
      errors.push({ key: `${ns}:errors.unknownBinding`, params: { binding: key } });
      continue;
    }
    const schema = app.params.properties[param] as TSchema;
    const map = replacementsFor.get(appId) ?? {};
    map[param] = typeof value === 'string' ? coerceCliValue(schema, value) : value;
    replacementsFor.set(appId, map);
  }

  const inFile = Object.keys(doc.apps).sort(byName);
  for (const appId of inFile) {
    const app = byId.get(appId);
    if (!app) skipped.push({ appId, reasonKey: `${ns}:skip.unknownApp` });
    else if (app.kind !== 'configure') skipped.push({ appId, reasonKey: `${ns}:skip.notConfigurable` });
  }
  const known = inFile.map((id) => byId.get(id)).filter((app): app is AnyAppDefinition => app?.kind === 'configure');

  const { order, unordered, cycle } = dependencyOrder(apps);
  const knownIds = new Set(known.map((app) => app.id));
  if (unordered.some((app) => knownIds.has(app.id))) errors.push({ key: `${ns}:errors.dependencyCycle`, params: { apps: cycle.join(' → ') } });

  const planned: PlannedApp[] = [];
  const notApplied = new Set(skipped.map((s) => s.appId));
  for (const app of order.filter((a) => knownIds.has(a.id))) {
    const entry = own(doc.apps, app.id)!;
    const fileBindings = own(doc.bindings, app.id) ?? {};
    const secretIds = secretParams(app.params);
    const declaredBindings = new Set<string>(app.bindings ?? []);
    const given = replacementsFor.get(app.id) ?? {};

    const values: Record<string, unknown> = { ...defaults(app.params) };
    for (const [id, value] of Object.entries(entry.params)) values[id] = value;
    for (const [id, binding] of Object.entries(fileBindings)) values[id] = binding.value;
    for (const [id, value] of Object.entries(given)) values[id] = value;
    for (const id of secretIds) {
      if (Object.hasOwn(entry.params, id) || Object.hasOwn(fileBindings, id)) errors.push({ appId: app.id, param: id, key: `${ns}:errors.secretInFile` });
      values[id] = '';
    }

    const fieldErrors = validateParams(app.id, app.params, values, hasTranslation);
    for (const field of fieldErrors) errors.push({ appId: app.id, param: field.param, key: field.key, ...(field.params ? { params: field.params } : {}) });

    // Skipped here: still checked against the schema above (the file must be sound), not against this machine.
    const available = app.availability ? await app.availability(env) : ({ available: true } as const);
    const missingSecrets = (entry.secretsNotExported ?? []).filter(
      (id) => secretIds.includes(id) && secretKeeping(app.params.properties[id] as TSchema) === 'sealed' && !saved?.hasSecret(app.id, id),
    );
    const blockedBy = (app.after ?? []).find((id) => notApplied.has(id));
    const skip: SkippedApp | undefined = !available.available
      ? { appId: app.id, reasonKey: `${ns}:skip.unavailable`, reasonParams: { reason: available.reason, ...available.params } }
      : missingSecrets.length
        ? { appId: app.id, reasonKey: `${ns}:skip.needsSecret`, reasonParams: { secrets: missingSecrets.join(', ') } }
        : blockedBy
          ? { appId: app.id, reasonKey: `${ns}:skip.afterSkipped`, reasonParams: { other: blockedBy } }
          : undefined;
    if (skip) {
      skipped.push(skip);
      notApplied.add(app.id);
      continue;
    }

    const secretsKept = secretIds.filter((id) => secretKeeping(app.params.properties[id] as TSchema) === 'sealed' && saved?.hasSecret(app.id, id));
    if (fieldErrors.length === 0 && app.validate) {
      const withSecrets = { ...values };
      for (const id of secretsKept) withSecrets[id] = (await saved!.openSecret(app.id, id)) ?? '';
      for (const field of await app.validate(withSecrets as never, env)) {
        errors.push({ appId: app.id, param: field.param, key: field.key, ...(field.params ? { params: field.params } : {}) });
      }
    }

    const bindings: PlannedApp['bindings'] = [];
    const unfitBindings: UnfitBinding[] = [];
    const badParams = new Set(fieldErrors.map((field) => field.param));
    for (const param of [...declaredBindings].sort(byName)) {
      if (!(param in app.params.properties)) continue;
      const kind = bindingKindOf(app, param);
      const value = values[param];
      bindings.push({ param, value, kind, replaced: Object.hasOwn(given, param) });
      // An empty value binds nothing (an optional interface left blank): nothing to check.
      if (badParams.has(param) || value === '') continue;
      const check = await checkBinding(app, param, value, kind, env);
      if (!check.fits) unfitBindings.push({ param, value, kind, reasonKey: check.reasonKey, ...(check.reasonParams ? { reasonParams: check.reasonParams } : {}) });
    }

    const params: Record<string, unknown> = {};
    for (const id of Object.keys(app.params.properties)) if (!secretIds.includes(id)) params[id] = values[id];
    planned.push({ appId: app.id, order: planned.length + 1, params, bindings, unfitBindings, secretsKept });
  }

  const ready = errors.length === 0 && planned.every((app) => app.unfitBindings.length === 0);
  return { apps: planned, skipped, errors, ready };
}

/**
 * The plan's problems as form errors of the import app: the file's on `path`, unfit
 * bindings and bad replacements on `bindings`. Each key is one sentence that names the
 * app and parameter; the reason is nested ($t) so it reads in the caller's language.
 */
export function planFieldErrors(plan: ImportPlan, replacementErrors: PlanError[] = []): FieldError[] {
  const fields: FieldError[] = [];
  for (const error of plan.errors) {
    const onBindings = error.key === `${ns}:errors.unknownBinding`;
    if (error.appId) {
      fields.push({ param: 'path', key: `${ns}:errors.appValue`, params: { ...error.params, app: error.appId, param: error.param ?? '', reason: error.key } });
    } else {
      fields.push({ param: onBindings ? 'bindings' : 'path', key: error.key, ...(error.params ? { params: error.params } : {}) });
    }
  }
  for (const error of replacementErrors) fields.push({ param: 'bindings', key: error.key, ...(error.params ? { params: error.params } : {}) });
  for (const app of plan.apps) {
    for (const unfit of app.unfitBindings) {
      fields.push({
        param: 'bindings',
        key: `${ns}:errors.unfitBinding`,
        params: { ...unfit.reasonParams, binding: `${app.appId}.${unfit.param}`, value: String(unfit.value), reason: unfit.reasonKey },
      });
    }
  }
  return fields;
}

// ---------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------

export interface ImportOutcome {
  applied: string[];
  failed: Array<{ appId: string; error: HearthError }>;
  /** Not applied because an app they come after failed. */
  skipped: Array<{ appId: string; after: string }>;
}

/**
 * Applies a ready plan inside the running (import) job, app by app in order, the way a
 * form run of each app does — save its parameters (its sealed secrets stay as they
 * are), apply() with the secrets it keeps opened, arm the watchdog where the app asks
 * for a confirmation (panel access) — without starting jobs of their
 * own (that would wait on the import's own locks). Each app gets a header and an
 * outcome line. A failure does not stop the import: apps that do not come after the
 * failed one are still applied (each apply stands alone, and stopping would leave the
 * box just as half-imported); apps that come after it, directly or through another,
 * are skipped, since they were ordered after it for a reason.
 */
export async function applyImported(
  plan: ImportPlan,
  apps: readonly AnyAppDefinition[],
  job: JobContext,
  env: AppEnvironment,
): Promise<ImportOutcome> {
  if (!plan.ready) throw new Error('applyImported needs a ready plan');
  const byId = new Map(apps.map((app) => [app.id, app]));
  const outcome: ImportOutcome = { applied: [], failed: [], skipped: [] };
  const notApplied = new Set<string>();
  for (const planned of plan.apps) {
    const app = byId.get(planned.appId)!;
    const name = job.t(`app-${app.id}:name`);
    job.info(job.t(`${ns}:log.appHeader`, { order: planned.order, total: plan.apps.length, name, app: app.id }));
    const blockedBy = (app.after ?? []).find((id) => notApplied.has(id));
    if (blockedBy) {
      notApplied.add(app.id);
      outcome.skipped.push({ appId: app.id, after: blockedBy });
      job.info(job.t(`${ns}:log.appSkipped`, { name, other: blockedBy }));
      continue;
    }
    try {
      // Secrets are never in the file: the app keeps the sealed ones this box has.
      const forRun: Record<string, unknown> = { ...planned.params };
      for (const id of secretParams(app.params)) {
        forRun[id] = secretKeeping(app.params.properties[id] as TSchema) === 'sealed' ? ((await env.saved.openSecret(app.id, id)) ?? '') : '';
      }
      const previous = app.confirmation ? await currentValues(app, env) : undefined;
      await applyConfiguration(app, { plain: planned.params, toSeal: {}, forRun }, previous, job, env);
      outcome.applied.push(app.id);
      job.info(job.t(`${ns}:log.appDone`, { name }));
    } catch (error) {
      const failure = isHearthError(error) ? error : new HearthError('HEARTH_ERR_INTERNAL', {}, { cause: error });
      if (!isHearthError(error)) job.output('err', (error as Error)?.stack ?? String(error));
      job.output('err', job.t(`errors:${failure.code}`, failure.params));
      job.info(job.t(`${ns}:log.appFailed`, { name }));
      notApplied.add(app.id);
      outcome.failed.push({ appId: app.id, error: failure });
    }
  }
  return outcome;
}

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from 'typebox/value';
import { packageRoot } from '../paths.js';
import type { BoardProfile, ProfileProblem } from './types.js';

/** boards/ in the package: profiles are code, shipped with each release (not under the root). */
export const boardsDir = path.join(packageRoot, 'boards');

export interface LoadedProfiles {
  profiles: BoardProfile[];
  /** Profiles skipped, each with the file and the field at fault. */
  problems: ProfileProblem[];
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * Reads and validates every boards/*.json against boards/schema.json. A broken
 * profile (not JSON, a missing or wrongly typed field, an id that is not its file
 * name — so no two profiles share an id) is reported and skipped: one bad file
 * must never keep the daemon from starting on a board the other profiles know.
 */
export async function loadProfiles(dir: string = boardsDir, schemaFile: string = path.join(boardsDir, 'schema.json')): Promise<LoadedProfiles> {
  const schema: unknown = JSON.parse(await readFile(schemaFile, 'utf8'));
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json') && name !== 'schema.json').sort();
  const profiles: BoardProfile[] = [];
  const problems: ProfileProblem[] = [];
  for (const file of files) {
    const checked = await checkProfile(path.join(dir, file), file, schema);
    if ('problem' in checked) {
      problems.push(checked.problem);
      continue;
    }
    profiles.push(checked.profile);
  }
  return { profiles, problems };
}

async function checkProfile(file: string, name: string, schema: unknown): Promise<{ profile: BoardProfile } | { problem: ProfileProblem }> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { problem: { file: name, field: '', message: `not valid JSON: ${(error as Error).message}` } };
  }
  const errors = [...Value.Errors(schema as never, value)] as unknown as SchemaError[];
  if (errors.length) return { problem: { file: name, ...describe(pickError(errors)) } };
  const profile = value as BoardProfile;
  const semantic = semanticProblem(profile, name);
  return semantic ? { problem: { file: name, ...semantic } } : { profile };
}

/**
 * The most telling of the schema's complaints: a missing field or a wrong type says
 * more than the "schema is false" or "anyOf" that accompany it.
 */
function pickError(errors: SchemaError[]): SchemaError {
  const rank = (e: SchemaError) => (e.keyword === 'required' ? 0 : e.keyword === 'boolean' || e.keyword === 'anyOf' ? 2 : 1);
  return [...errors].sort((a, b) => rank(a) - rank(b))[0]!;
}

function describe(error: SchemaError): { field: string; message: string } {
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties as string[] | undefined) ?? [];
    return { field: `${error.instancePath}/${missing[0] ?? ''}`, message: `missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  }
  if (error.keyword === 'additionalProperties' || error.keyword === 'boolean') {
    const extra = (error.params.additionalProperties as string[] | undefined)?.[0];
    return { field: extra ? `${error.instancePath}/${extra}` : error.instancePath, message: 'unknown field' };
  }
  return { field: error.instancePath || '/', message: error.message };
}

/** What a schema cannot say. */
function semanticProblem(profile: BoardProfile, file: string): { field: string; message: string } | undefined {
  if (`${profile.id}.json` !== file) return { field: '/id', message: `id "${profile.id}" does not match the file name` };
  if (profile.ram.minMiB > profile.ram.maxMiB) return { field: '/ram/minMiB', message: 'minMiB is larger than maxMiB' };
  const d = profile.detection;
  const rules = (d.compatible?.length ?? 0) + (d.model?.length ?? 0) + (d.armbianBoard?.length ?? 0) + (d.piRevisionTypes?.length ?? 0) + (d.dmi?.length ?? 0);
  if (!d.generic && rules === 0) return { field: '/detection', message: 'no detection rule: the profile could never be chosen' };
  if (d.generic && rules > 0) return { field: '/detection/generic', message: 'a generic profile has no board rules' };
  return undefined;
}

import { sign as signBytes, verify as verifyBytes, type KeyObject } from 'node:crypto';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { HearthError } from '../errors.js';
import { publicKeyId, type TrustedKey } from './keys.js';

/*
 * The release manifest (docs/release-format.md). A channel serves one JSON file, a
 * signed envelope:
 *
 *   { "signed": "<the manifest as a JSON string>",
 *     "signatures": [{ "keyid": "<sha256 of the raw 32-byte public key, hex>",
 *                      "sig": "<base64 Ed25519 signature over the UTF-8 bytes of `signed`>" }] }
 *
 * The signature covers the exact bytes of the `signed` string, so no canonical JSON
 * is needed: what was signed is parsed only after it verified. Nothing here looks at
 * the clock — a board without a battery boots in 1970 and must still verify.
 */

/** The manifest layout this code reads; a newer one is refused, not guessed at. */
export const manifestFormat = 1;

/** Node's process.arch names a bundle can be built for. */
export const architectures = ['arm', 'arm64', 'x64', 'ia32', 'riscv64', 'loong64', 'ppc64', 's390x', 'mips', 'mipsel'] as const;

/**
 * Semantic versions without build metadata (a version is also a directory name under
 * releases/, and "1.0.0+a" and "1.0.0+b" would be two directories of one version).
 */
export const versionPattern =
  '^(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(?:-((?:0|[1-9][0-9]{0,8}|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9][0-9]{0,8}|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?$';
const versionRegExp = new RegExp(versionPattern);

const Version = Type.String({ pattern: versionPattern, maxLength: 64 });

const BundleShape = Type.Object({
  /** Absolute (https:, file:) or relative to the manifest's URL. */
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  /** Bytes of the .tar.gz. */
  size: Type.Integer({ minimum: 1, maximum: 2 ** 40 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** Bytes the unpacked release takes on disk (estimate, rounded up to 4 KiB blocks): checked before downloading. */
  unpackedSize: Type.Integer({ minimum: 0, maximum: 2 ** 42 }),
});

const ReleaseShape = Type.Object({
  version: Version,
  /** When the release was published (ISO 8601, UTC). Used by the soak-time policy only, never by verification. */
  publishedAt: Type.String({ format: 'date-time', maxLength: 40 }),
  /** The oldest version that may update to this one directly; older boxes go through an intermediate release. */
  minimumFrom: Type.Optional(Version),
  /** Never installed unattended across: the owner must say yes. */
  breaking: Type.Boolean(),
  /** The cohorts (0–99) that may take it unattended, or "all" (staged rollout). */
  cohorts: Type.Union([Type.Literal('all'), Type.Array(Type.Integer({ minimum: 0, maximum: 99 }), { uniqueItems: true, maxItems: 100 })]),
  /** Release notes by language ("en", "zh-CN"); shown in the owner's language, English otherwise. */
  notes: Type.Record(Type.String({ pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$' }), Type.String({ maxLength: 20_000 }), { additionalProperties: false }),
  /** One bundle per architecture (process.arch names). */
  bundles: Type.Record(Type.String({ pattern: `^(${architectures.join('|')})$` }), BundleShape, { additionalProperties: false }),
});

const ManifestShape = Type.Object({
  format: Type.Literal(manifestFormat),
  /** "stable", "beta": a box set to one channel refuses a manifest of another. */
  channel: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }),
  /** Raised by every signing; a box can refuse a manifest older than one it has seen (replay of an old, signed manifest). */
  serial: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  releases: Type.Array(ReleaseShape, { maxItems: 1000 }),
});

const SignatureShape = Type.Object({
  keyid: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  sig: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' }),
});

const EnvelopeShape = Type.Object({
  signed: Type.String({ maxLength: 4 * 1024 * 1024 }),
  signatures: Type.Array(SignatureShape, { minItems: 1, maxItems: 16 }),
});

export type BundleRef = Static<typeof BundleShape>;
export type Release = Static<typeof ReleaseShape>;
export type Manifest = Static<typeof ManifestShape>;
export type Envelope = Static<typeof EnvelopeShape>;
export type Signature = Static<typeof SignatureShape>;

// ---------------------------------------------------------------- versions

export function isVersion(value: string): boolean {
  return versionRegExp.test(value);
}

/** Semantic-version precedence: <0 when a is older than b, 0 when equal, >0 when newer. */
export function compareVersions(a: string, b: string): number {
  const pa = versionRegExp.exec(a);
  const pb = versionRegExp.exec(b);
  if (!pa || !pb) throw new Error(`not a version: ${pa ? b : a}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  const preA = pa[4];
  const preB = pb[4];
  // A pre-release is older than its release: 1.0.0-rc.1 < 1.0.0.
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const idsA = preA.split('.');
  const idsB = preB.split('.');
  for (let i = 0; i < Math.min(idsA.length, idsB.length); i++) {
    const x = idsA[i]!;
    const y = idsB[i]!;
    if (x === y) continue;
    const xNum = /^[0-9]+$/.test(x);
    const yNum = /^[0-9]+$/.test(y);
    if (xNum && yNum) return Math.sign(Number(x) - Number(y));
    if (xNum !== yNum) return xNum ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(idsA.length - idsB.length);
}

// ---------------------------------------------------------------- shape

function malformed(field: string, reason: string): HearthError {
  return new HearthError('HEARTH_ERR_RELEASE_MANIFEST_MALFORMED', { field, reason });
}

/** The first thing wrong with `value` as a TypeBox error, turned into the error naming the field. */
function checkShape(schema: TSchema, value: unknown, prefix: string): void {
  if (Value.Check(schema, value)) return;
  const errors = [...Value.Errors(schema, value)] as unknown as Array<{ keyword: string; instancePath: string; params: Record<string, unknown> }>;
  // Where an error is: a missing or extra property is named by its own path.
  const where = (e: (typeof errors)[number]) => {
    const named = e.keyword === 'required' ? e.params.requiredProperties : e.keyword === 'additionalProperties' ? e.params.additionalProperties : undefined;
    return Array.isArray(named) && named.length > 0 ? `${e.instancePath}/${String(named[0])}` : e.instancePath;
  };
  // The first error names the field; within it, a union (cohorts: "all" or a list) reports
  // every branch, and the deepest error below that field says best what is wrong.
  const head = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0];
  if (!head) throw malformed(prefix || '/', 'invalid');
  const headPath = where(head);
  const first =
    errors
      .filter((e) => e.keyword !== 'anyOf' && (where(e) === headPath || where(e).startsWith(`${headPath}/`)))
      .sort((a, b) => where(b).length - where(a).length)[0] ?? head;
  const field = where(first);
  const detail = first.params.limit ?? first.params.pattern ?? first.params.type ?? first.params.format ?? first.params.allowedValue;
  throw malformed(`${prefix}${field}` || '/', detail === undefined ? first.keyword : `${first.keyword} ${String(detail)}`);
}

/** The envelope's shape, from the bytes the channel served. */
export function parseEnvelope(text: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed('/', `not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  checkShape(EnvelopeShape, value, '');
  return value as Envelope;
}

/**
 * The manifest's own shape and the rules a schema cannot say: one entry per version,
 * minimumFrom not newer than the release itself.
 */
export function checkManifest(value: unknown): Manifest {
  if (typeof value === 'object' && value !== null && typeof (value as { format?: unknown }).format === 'number' && (value as { format: number }).format > manifestFormat) {
    throw malformed('signed/format', `format ${(value as { format: number }).format} is newer than this version reads (${manifestFormat})`);
  }
  checkShape(ManifestShape, value, 'signed');
  const manifest = value as Manifest;
  const seen = new Set<string>();
  manifest.releases.forEach((release, index) => {
    if (seen.has(release.version)) throw malformed(`signed/releases/${index}/version`, `duplicate ${release.version}`);
    seen.add(release.version);
    if (release.minimumFrom !== undefined && compareVersions(release.minimumFrom, release.version) > 0) {
      throw malformed(`signed/releases/${index}/minimumFrom`, `newer than ${release.version}`);
    }
  });
  return manifest;
}

// ---------------------------------------------------------------- signatures

/**
 * Checks the envelope against the trusted keys, then parses and checks what was
 * signed. One valid signature by a trusted key is enough; a signature by a trusted key
 * that does not verify is "bad signature" (the content was changed), a manifest signed
 * only by keys this box does not know is "unknown key".
 */
export function verifyEnvelope(envelope: Envelope, keys: readonly TrustedKey[]): { manifest: Manifest; keyid: string } {
  const trusted = new Map(keys.map((k) => [k.keyid, k]));
  const bytes = Buffer.from(envelope.signed, 'utf8');
  let failed: string | undefined;
  let keyid: string | undefined;
  for (const signature of envelope.signatures) {
    const key = trusted.get(signature.keyid);
    if (!key) continue;
    if (verifyBytes(null, bytes, key.key, Buffer.from(signature.sig, 'base64'))) {
      keyid = signature.keyid;
      break;
    }
    failed ??= signature.keyid;
  }
  if (!keyid) {
    if (failed) throw new HearthError('HEARTH_ERR_RELEASE_SIGNATURE_BAD', { keyid: failed.slice(0, 16) });
    throw new HearthError('HEARTH_ERR_RELEASE_KEY_UNKNOWN', { keyids: envelope.signatures.map((s) => s.keyid.slice(0, 16)).join(', ') });
  }
  let value: unknown;
  try {
    value = JSON.parse(envelope.signed);
  } catch (error) {
    throw malformed('signed', `not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  return { manifest: checkManifest(value), keyid };
}

/** Signs a manifest with one or more private Ed25519 keys (scripts/release, tests). */
export function signManifest(manifest: Manifest, privateKeys: readonly KeyObject[]): Envelope {
  checkManifest(manifest);
  const signed = JSON.stringify(manifest, null, 2);
  const bytes = Buffer.from(signed, 'utf8');
  return {
    signed,
    signatures: privateKeys.map((key) => ({ keyid: publicKeyId(key), sig: signBytes(null, bytes, key).toString('base64') })),
  };
}

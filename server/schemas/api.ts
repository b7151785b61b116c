import { Type, type Static } from 'typebox';

/**
 * The API's request and response shapes. The server validates against them, the
 * OpenAPI document is generated from them, and the panel imports their types.
 */
export const ApiError = Type.Object(
  {
    code: Type.String({ description: 'Stable machine code, e.g. HEARTH_ERR_THROTTLED' }),
    message: Type.String({ description: 'Human message in the language the request asked for' }),
    params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
    retryAfterSeconds: Type.Optional(Type.Integer()),
    /** For HEARTH_ERR_APP_PARAMS_INVALID: each bad parameter with a translated reason. */
    fields: Type.Optional(
      Type.Array(Type.Object({ param: Type.String(), key: Type.String(), message: Type.String(), params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))) })),
    ),
  },
);
export type ApiError = Static<typeof ApiError>;

/** Every route answers its errors in this one shape. */
export const errorResponses = { '4xx': ApiError, '5xx': ApiError } as const;

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
});
export type Health = Static<typeof Health>;

export const ActivationStatus = Type.Object({
  activated: Type.Boolean(),
  /** Activation is possible only from the LAN; the page says so up front. */
  clientOnLan: Type.Boolean(),
  /** Whether this request carries a live session: the panel asks for it only then, so a logged-out page load causes no 401. */
  signedIn: Type.Boolean(),
});
export type ActivationStatus = Static<typeof ActivationStatus>;

export const PassphraseSuggestion = Type.Object({
  passphrase: Type.String(),
  words: Type.Integer(),
});
export type PassphraseSuggestion = Static<typeof PassphraseSuggestion>;

export const ActivateRequest = Type.Object(
  {
    setupCode: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
);
export type ActivateRequest = Static<typeof ActivateRequest>;

export const LoginRequest = Type.Object(
  {
    username: Type.String({ maxLength: 256, default: 'admin' }),
    password: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const SessionInfo = Type.Object({
  username: Type.String(),
  /** Milliseconds since the epoch. */
  idleExpiresAt: Type.Number(),
  absoluteExpiresAt: Type.Number(),
});
export type SessionInfo = Static<typeof SessionInfo>;

export const SystemInfo = Type.Object({
  hostname: Type.String(),
  mdnsName: Type.String(),
  version: Type.String(),
  /** The detected board's name (GET /api/board has the rest); null when it is not known. */
  board: Type.Union([Type.String(), Type.Null()]),
  uptimeSeconds: Type.Integer(),
  load: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
  cpuCount: Type.Integer(),
  memory: Type.Object({ totalBytes: Type.Number(), availableBytes: Type.Number() }),
  disk: Type.Object({
    path: Type.String(),
    totalBytes: Type.Number(),
    usedBytes: Type.Number(),
    availableBytes: Type.Number(),
  }),
  addresses: Type.Array(
    Type.Object({ interface: Type.String(), family: Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')]), address: Type.String() }),
  ),
  cpuTemperatureCelsius: Type.Union([Type.Number(), Type.Null()]),
  /** The board profile's safe limit: the dashboard highlights a temperature above it. */
  cpuTemperatureWarnCelsius: Type.Union([Type.Number(), Type.Null()]),
});
export type SystemInfo = Static<typeof SystemInfo>;

import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** GET /api/board: the board this box runs on, how it was recognised, and what it has (server/boards/). */
export const BoardInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  vendor: Type.String(),
  soc: Type.String(),
  cpu: Nullable(Type.String()),
  architectures: Type.Array(Type.String()),
  /** A generic profile: the facts below are not known for this machine. */
  generic: Type.Boolean(),
  rule: Type.Object({
    kind: Type.String(),
    /** The rule's name in the request's language. */
    label: Type.String(),
    file: Nullable(Type.String()),
    value: Type.String(),
  }),
  facts: Type.Object({
    arch: Type.String(),
    model: Nullable(Type.String()),
    compatible: Type.Array(Type.String()),
    piRevision: Nullable(
      Type.Object({
        code: Type.String(),
        newStyle: Type.Boolean(),
        type: Type.Optional(Type.Integer()),
        typeName: Type.Optional(Type.String()),
        memoryMiB: Type.Optional(Type.Integer()),
        manufacturer: Type.Optional(Type.String()),
        processor: Type.Optional(Type.String()),
        boardRevision: Type.Optional(Type.String()),
      }),
    ),
    armbian: Nullable(Type.Object({ board: Nullable(Type.String()), boardName: Nullable(Type.String()), boardFamily: Nullable(Type.String()), version: Nullable(Type.String()) })),
    dmi: Nullable(Type.Object({ sysVendor: Nullable(Type.String()), productName: Nullable(Type.String()), boardName: Nullable(Type.String()) })),
    memTotalBytes: Nullable(Type.Number()),
    nominalRamMiB: Nullable(Type.Integer()),
  }),
  ram: Type.Object({ minMiB: Type.Integer(), maxMiB: Type.Integer() }),
  network: Type.Object({ ethernetMbps: Nullable(Type.Integer()), ethernetVia: Nullable(Type.String()), wifi: Nullable(Type.String()) }),
  usb3Ports: Nullable(Type.Integer()),
  usb2Ports: Nullable(Type.Integer()),
  sata: Type.Object({ ports: Nullable(Type.Integer()), via: Nullable(Type.String()) }),
  bootMedia: Type.Array(Type.String()),
  thermal: Type.Object({ sensor: Nullable(Type.String()), warnCelsius: Type.Number(), throttleCelsius: Nullable(Type.Number()), criticalCelsius: Nullable(Type.Number()) }),
  /** Now: from the profile's sensor when it has one, else what the host reports; null when nothing does. */
  temperatureCelsius: Nullable(Type.Number()),
  leds: Type.Array(Type.Object({ name: Type.String(), color: Type.String(), role: Type.String() })),
  /** Translated. */
  quirks: Type.Array(Type.Object({ id: Type.String(), text: Type.String() })),
  /** Translated; key and params too, so scripts can match them. */
  warnings: Type.Array(Type.Object({ key: Type.String(), text: Type.String(), params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])) })),
  recommended: Type.Object({
    swap: Nullable(Type.Object({ sizeMiB: Type.Integer(), path: Type.String() })),
    zram: Type.Object({ enabled: Type.Boolean(), percentOfRam: Type.Integer(), algorithm: Type.String() }),
    logsInRam: Type.Boolean(),
    apps: Type.Object({ hide: Type.Array(Type.String()), recommend: Type.Array(Type.String()) }),
  }),
});
export type BoardInfo = Static<typeof BoardInfo>;

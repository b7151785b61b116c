import { Type, type Static } from 'typebox';

const Sample = Type.Object({ at: Type.Number(), value: Type.Number() });

/** GET /api/metrics (server/routes/metrics.ts). */
export const MetricsResponse = Type.Object({
  hours: Type.Number(),
  temperature: Type.Object({
    samples: Type.Array(Sample),
    /** The board profile's limits (°C). */
    warnCelsius: Type.Number(),
    criticalCelsius: Type.Union([Type.Number(), Type.Null()]),
  }),
  disk: Type.Object({ used: Type.Array(Sample), total: Type.Array(Sample) }),
});

export type MetricsData = Static<typeof MetricsResponse>;

import { Type, type Static } from 'typebox';

/** Shapes of the apps and jobs API; the panel imports the types. */
const ScalarValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const AppSummary = Type.Object({
  id: Type.String(),
  category: Type.String(),
  name: Type.String(),
  description: Type.String(),
  kind: Type.Union([Type.Literal('configure'), Type.Literal('action')]),
  heavy: Type.Boolean(),
  active: Type.Union([Type.Boolean(), Type.Null()]),
  available: Type.Boolean(),
  unavailableReason: Type.Optional(Type.String()),
});
export type AppSummary = Static<typeof AppSummary>;

export const AppList = Type.Object({
  categories: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), apps: Type.Array(AppSummary) })),
});
export type AppList = Static<typeof AppList>;

export const ParamDescription = Type.Object({
  id: Type.String(),
  kind: Type.Union([
    Type.Literal('boolean'),
    Type.Literal('integer'),
    Type.Literal('string'),
    Type.Literal('text'),
    Type.Literal('enum'),
    Type.Literal('secret'),
    Type.Literal('path'),
  ]),
  label: Type.String(),
  help: Type.Optional(Type.String()),
  default: Type.Optional(Type.Unknown()),
  value: Type.Optional(Type.Unknown()),
  isSet: Type.Optional(Type.Boolean()),
  minimum: Type.Optional(Type.Number()),
  maximum: Type.Optional(Type.Number()),
  minLength: Type.Optional(Type.Integer()),
  maxLength: Type.Optional(Type.Integer()),
  pattern: Type.Optional(Type.String()),
  unit: Type.Optional(Type.String()),
  options: Type.Optional(Type.Array(Type.Object({ value: Type.String(), label: Type.String() }))),
  /** Values this box offers for a free-text parameter (a searchable list, not a constraint). */
  suggestions: Type.Optional(Type.Array(Type.String())),
  expect: Type.Optional(Type.Union([Type.Literal('directory'), Type.Literal('file'), Type.Literal('any')])),
});
export type ParamDescription = Static<typeof ParamDescription>;

export const JobSummary = Type.Object({
  id: Type.Integer(),
  appId: Type.String(),
  appName: Type.String(),
  action: Type.String(),
  startedBy: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('interrupted')]),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  /** For long jobs (backups, restores): how far they are. */
  progress: Type.Union([
    Type.Null(),
    Type.Object({ phase: Type.String(), done: Type.Number(), total: Type.Number(), unit: Type.Union([Type.Literal('bytes'), Type.Literal('entries')]) }),
  ]),
});
export type JobSummary = Static<typeof JobSummary>;

export const AppDetail = Type.Object({
  ...AppSummary.properties,
  info: Type.Optional(Type.String()),
  params: Type.Array(ParamDescription),
  details: Type.Array(Type.Object({ label: Type.String(), value: Type.String() })),
  actions: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
  lastRuns: Type.Array(JobSummary),
});
export type AppDetail = Static<typeof AppDetail>;

export const RunAppRequest = Type.Object(
  {
    params: Type.Record(Type.String(), ScalarValue),
    /** One of the app's own actions (AppDetail.actions); absent: apply or run. */
    action: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,40}$' })),
  },
  { additionalProperties: false },
);
export type RunAppRequest = Static<typeof RunAppRequest>;

export const LogLine = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  stream: Type.Union([Type.Literal('out'), Type.Literal('err'), Type.Literal('info')]),
  text: Type.String(),
});
export type LogLine = Static<typeof LogLine>;

export const JobDetail = Type.Object({ ...JobSummary.properties, lines: Type.Array(LogLine) });
export type JobDetail = Static<typeof JobDetail>;

export const PathCheck = Type.Object({
  exists: Type.Boolean(),
  type: Type.Union([Type.Literal('directory'), Type.Literal('file'), Type.Literal('other'), Type.Null()]),
});
export type PathCheck = Static<typeof PathCheck>;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Appliance } from '../appliance.js';
import { boardReport } from '../boards/board-report.js';
import { translator } from '../i18n.js';
import { readMachineInfo } from '../machine-info.js';
import { errorResponses, SystemInfo } from '../schemas/api.js';
import { BoardInfo } from '../schemas/board.js';

const system: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  // Board detection runs once, as the daemon starts (after the sandbox seeded its demo board), and is kept.
  const [detection, { problems }] = await Promise.all([appliance.board.detect(), appliance.board.profiles()]);
  const t = translator('en');
  for (const problem of problems) app.log.warn(t('boards:problem', { ...problem }));
  app.log.info({ board: detection.profile.id, rule: detection.rule }, `board: ${detection.profile.name}`);
  for (const warning of detection.warnings) app.log.warn(t(warning.key, warning.params));

  app.get(
    '/api/system/info',
    { schema: { summary: 'What the dashboard shows about the machine', response: { 200: SystemInfo, ...errorResponses } } },
    () => readMachineInfo(appliance),
  );

  app.get(
    '/api/board',
    { schema: { summary: 'The board this box runs on: profile, detection rule, facts, quirks, temperature', response: { 200: BoardInfo, ...errorResponses } } },
    (request) => boardReport(appliance.board, request.t, async () => (await appliance.system.hostFacts()).cpuTemperatureCelsius),
  );
};

export default system;

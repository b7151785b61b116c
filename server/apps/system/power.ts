import { Type } from 'typebox';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp } from '../types.js';

/**
 * Restart or shut down the box. systemd stops every service in order (Hearth too, so
 * its job ends there), unmounts the disks and then resets or powers off the board.
 * `confirm` must be ticked: the panel, the CLI and the menu show it as a yes/no.
 */
export default defineApp({
  id: 'power',
  category: 'system',
  kind: 'action',
  hasInfo: true,
  params: Type.Object({
    action: param.enum(['reboot', 'poweroff'], { default: 'reboot' }),
    confirm: param.boolean({ default: false }),
  }),
  // In a container the host owns the power; systemctl reboot would only restart the container, at best.
  availability: notInContainer,
  async status() {
    return { active: null, values: {} };
  },
  async validate({ confirm }) {
    return confirm === true ? [] : [{ param: 'confirm', key: 'app-power:errors.confirm' }];
  },
  async run({ action }, job) {
    job.info(action === 'poweroff' ? job.t('app-power:log.poweroff') : job.t('app-power:log.reboot'));
    await job.run(['systemctl', action]);
  },
});

import { describe, expect, it } from 'vitest';
import { testServer } from '../testing/test-server.js';

describe('metrics API', () => {
  it('gives the sampled disk use and the board’s temperature limits; refuses bad hours and strangers', async () => {
    const server = await testServer();
    expect((await server.get('/api/metrics')).statusCode).toBe(401);
    const cookie = await server.activate();
    await server.appliance.metrics.sampleOnce();
    const response = await server.get('/api/metrics?hours=24', { cookie });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.hours).toBe(24);
    expect(body.disk.used.length).toBeGreaterThanOrEqual(1);
    expect(body.disk.total[0].value).toBeGreaterThan(0);
    expect(body.temperature.warnCelsius).toBeGreaterThan(0);
    for (const bad of ['0', '169', 'day']) {
      const refused = await server.get(`/api/metrics?hours=${bad}`, { cookie });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('HEARTH_ERR_VALIDATION');
    }
  });
});

import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemon } from './main.js';
import { packageRoot } from './paths.js';
import { tempRoot } from './testing/temp-root.js';

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      })
      .on('error', reject);
  });
}

// The daemon's request log would drown the test output.
process.env.HEARTH_LOG_LEVEL = 'warn';

describe('daemon', () => {
  it('serves plain HTTP on loopback', async () => {
    const daemon = await startDaemon({ root: tempRoot(), host: '127.0.0.1', port: 0, https: false, systemKind: 'sandbox' });
    try {
      const response = await fetch(`${daemon.url}/api/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', version: '0.1.0' });
      const code = readFileSync(daemon.appliance.paths.setupCode, 'utf8').trim();
      expect(daemon.setupCode).toBe(code);
    } finally {
      await daemon.stop();
    }
  });

  it('serves HTTPS with a self-signed certificate for its names, key kept 0600, cookie Secure', async () => {
    const root = tempRoot();
    const daemon = await startDaemon({ root, host: '127.0.0.1', port: 0, https: true, systemKind: 'sandbox' });
    try {
      const { paths } = daemon.appliance;
      expect(statSync(paths.tlsKey).mode & 0o777).toBe(0o600);
      const cert = readFileSync(paths.tlsCert, 'utf8');
      const x509 = new X509Certificate(cert);
      expect(x509.subjectAltName).toContain('DNS:localhost');
      expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
      // Verified against the certificate as CA: the name localhost must match it.
      const url = daemon.url.replace('127.0.0.1', 'localhost');
      const health = await httpsGet(`${url}/api/health`, cert);
      expect(health.status).toBe(200);

      const code = readFileSync(paths.setupCode, 'utf8').trim();
      const activation = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const body = JSON.stringify({ setupCode: code, password: 'secure-transport-passphrase' });
        const request = https.request(`${url}/api/activation`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json', origin: url } }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, cookie: String(response.headers['set-cookie']) }));
        });
        request.on('error', reject);
        request.end(body);
      });
      expect(activation.status).toBe(201);
      expect(activation.cookie).toMatch(/^__Host-hearth_session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await daemon.stop();
    }
    // A second start reuses the certificate instead of making a new one.
    const before = readFileSync(path.join(root, 'var/lib/hearth/tls/cert.pem'), 'utf8');
    const again = await startDaemon({ root, host: '127.0.0.1', port: 0, https: true, systemKind: 'sandbox' });
    await again.stop();
    expect(readFileSync(path.join(root, 'var/lib/hearth/tls/cert.pem'), 'utf8')).toBe(before);
    // Activated: no setup code is left behind.
    expect(existsSync(path.join(root, 'var/lib/hearth/setup-code'))).toBe(false);
  });

  // The compiled CLI, as systemd runs it: SIGTERM must close the server and the database cleanly.
  it('shuts down cleanly on SIGTERM (needs `npm run build:server`)', async () => {
    const entry = path.join(packageRoot, 'dist/server/cli/hearth.js');
    expect(existsSync(entry), 'run `npm run build:server` first').toBe(true);
    const root = tempRoot();
    const child = spawn(process.execPath, [entry, 'start', '--root', root, '--port', '0', '--http'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HEARTH_LOG_LEVEL: 'info' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk) => (String(chunk).includes('Hearth panel:') ? resolve() : undefined));
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(output).toContain('received SIGTERM');
    // Closing the last connection checkpoints the WAL and removes it.
    expect(existsSync(path.join(root, 'var/lib/hearth/hearth.db-wal'))).toBe(false);
  });
});

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ownOrigin, testServer } from '../testing/test-server.js';

async function serverWithData() {
  const server = await testServer();
  const cookie = await server.activate();
  mkdirSync(server.appliance.paths.dataDir, { recursive: true });
  writeFileSync(path.join(server.appliance.paths.dataDir, 'notes.txt'), 'keep me');
  return { server, cookie };
}

function uploadsDir(server: Awaited<ReturnType<typeof testServer>>) {
  return path.join(server.appliance.paths.stateDir, 'uploads');
}

function multipart(field: string, filename: string, content: Buffer) {
  const boundary = '----hearth-test-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('backups API', () => {
  it('backs up, lists, verifies and downloads', async () => {
    const { server, cookie } = await serverWithData();
    const started = await server.post('/api/backups', {}, { cookie });
    expect(started.statusCode).toBe(202);
    await server.appliance.runner.idle();
    const { status, backups } = (await server.get('/api/backups', { cookie })).json();
    expect(status).toMatchObject({ stale: false, drillFailing: false, destination: '/var/lib/hearth/backups' });
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ data: true, encrypted: false, verified: { ok: true } });

    const verify = await server.post(`/api/backups/${backups[0].name}/verify`, {}, { cookie });
    expect(verify.statusCode).toBe(202);
    await server.appliance.runner.idle();

    const drill = await server.post('/api/backups/drill', {}, { cookie });
    expect(drill.statusCode).toBe(202);
    await server.appliance.runner.idle();
    expect((await server.get('/api/backups', { cookie })).json().status.lastDrill).toMatchObject({ ok: true, archive: backups[0].name, message: null });

    const download = await server.get(`/api/backups/${backups[0].name}/download`, { cookie });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toBe(`attachment; filename="${backups[0].name}"`);
    expect(download.rawPayload.equals(readFileSync(path.join(server.appliance.paths.backupsDir, backups[0].name)))).toBe(true);
    expect((await server.get('/api/backups/..%2F..%2Fetc%2Fpasswd/download', { cookie })).statusCode).toBe(400);
    expect((await server.get('/api/backups/hearth-backup_x_20260101-000000.tar/download', { cookie })).json().code).toBe('HEARTH_ERR_BACKUP_NOT_FOUND');
  });

  it('takes an uploaded archive for a restore, streamed to disk and bounded', async () => {
    const { server, cookie } = await serverWithData();
    await server.post('/api/backups', { compression: 'gzip' }, { cookie });
    await server.appliance.runner.idle();
    const [archive] = (await server.get('/api/backups', { cookie })).json().backups;
    const bytes = readFileSync(path.join(server.appliance.paths.backupsDir, archive.name));
    const { payload, contentType } = multipart('archive', archive.name, bytes);
    const uploaded = await server.app.inject({ method: 'POST', url: '/api/backups/upload', remoteAddress: '192.168.1.10', headers: { cookie, origin: ownOrigin, 'content-type': contentType }, payload });
    expect(uploaded.statusCode).toBe(201);
    const { upload, size } = uploaded.json();
    expect(size).toBe(bytes.length);

    writeFileSync(path.join(server.appliance.paths.dataDir, 'notes.txt'), 'changed');
    const restore = await server.post('/api/restore', { upload, dryRun: false }, { cookie });
    expect(restore.statusCode).toBe(202);
    await server.appliance.runner.idle();
    expect(readFileSync(path.join(server.appliance.paths.dataDir, 'notes.txt'), 'utf8')).toBe('keep me');
    // The owner's session survived the restore.
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);

    // Over the limit: refused, nothing kept.
    await server.post('/api/apps/backups/run', { params: { uploadLimitMiB: 1 } }, { cookie });
    await server.appliance.runner.idle();
    const big = multipart('archive', 'big.tar', Buffer.alloc(2 * 1024 * 1024, 1));
    const tooBig = await server.app.inject({ method: 'POST', url: '/api/backups/upload', remoteAddress: '192.168.1.10', headers: { cookie, origin: ownOrigin, 'content-type': big.contentType }, payload: big.payload });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('HEARTH_ERR_UPLOAD_TOO_LARGE');
    // Without a Content-Length (sent in chunks) it is cut off at the limit and refused too.
    const chunked = await server.app.inject({
      method: 'POST',
      url: '/api/backups/upload',
      remoteAddress: '192.168.1.10',
      headers: { cookie, origin: ownOrigin, 'content-type': big.contentType },
      payload: Readable.from([big.payload.subarray(0, 1_000_000), big.payload.subarray(1_000_000)]),
    });
    expect(chunked.statusCode).toBe(413);
    expect(readdirSync(uploadsDir(server)).filter((name) => name !== `${upload}.archive`)).toEqual([]);
  });

  it("says in the owner's language why an archive failed its check", async () => {
    const { server, cookie } = await serverWithData();
    await server.post('/api/backups', { compression: 'none' }, { cookie });
    await server.appliance.runner.idle();
    const [archive] = (await server.get('/api/backups', { cookie })).json().backups;
    const file = path.join(server.appliance.paths.backupsDir, archive.name);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('keep me'));
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    await server.post(`/api/backups/${archive.name}/verify`, {}, { cookie });
    await server.appliance.runner.idle();
    const listed = (await server.get('/api/backups', { cookie, headers: { 'accept-language': 'zh-CN' } })).json().backups[0];
    expect(listed.verified).toMatchObject({ ok: false, error: 'HEARTH_ERR_ARCHIVE_CORRUPT' });
    expect(listed.verified.message).toContain('data/notes.txt');
    expect(listed.verified.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('refuses a restore of nothing, of both, and of an upload that does not exist', async () => {
    const { server, cookie } = await serverWithData();
    expect((await server.post('/api/restore', {}, { cookie })).statusCode).toBe(400);
    expect((await server.post('/api/restore', { name: 'hearth-backup_x_20260101-000000.tar', upload: 'a'.repeat(24) }, { cookie })).statusCode).toBe(400);
    expect((await server.post('/api/restore', { upload: 'b'.repeat(24) }, { cookie })).json().code).toBe('HEARTH_ERR_BACKUP_NOT_FOUND');
    expect((await server.post('/api/restore', { upload: '../../etc' }, { cookie })).statusCode).toBe(400);
  });
});

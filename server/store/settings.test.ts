import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRoot } from '../testing/temp-root.js';
import { openDatabase } from './database.js';
import { createSettingsStore, InvalidSettingError } from './settings.js';

function store() {
  const db = openDatabase(path.join(tempRoot(), 'hearth.db'));
  return { db, settings: createSettingsStore(db) };
}

describe('settings store', () => {
  it('answers defaults for settings never written', () => {
    const { settings } = store();
    expect(settings.get('sessions.idleTimeoutMinutes')).toBe(30);
    expect(settings.get('access.allowedNetworks')).toEqual([]);
    expect(settings.get('activation.activatedAt')).toBeNull();
  });

  it('stores typed values and survives a reopen', () => {
    const { db, settings } = store();
    settings.set('access.allowedNetworks', ['10.8.0.0/24']);
    settings.set('sessions.idleTimeoutMinutes', 45);
    const file = db.name;
    db.close();
    const reopened = createSettingsStore(openDatabase(file));
    expect(reopened.get('access.allowedNetworks')).toEqual(['10.8.0.0/24']);
    expect(reopened.get('sessions.idleTimeoutMinutes')).toBe(45);
  });

  it('refuses values outside the schema and keeps the old one', () => {
    const { settings } = store();
    settings.set('sessions.idleTimeoutMinutes', 60);
    expect(() => settings.set('sessions.idleTimeoutMinutes', 1)).toThrow(InvalidSettingError);
    expect(() => settings.set('sessions.idleTimeoutMinutes', 'ten' as never)).toThrow(InvalidSettingError);
    expect(settings.get('sessions.idleTimeoutMinutes')).toBe(60);
  });

  it('falls back to the default when a row was damaged by hand', () => {
    const { db, settings } = store();
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('sessions.idleTimeoutMinutes', '{not json', 'x')").run();
    expect(settings.get('sessions.idleTimeoutMinutes')).toBe(30);
    db.prepare("UPDATE settings SET value = '\"a string\"' WHERE key = 'sessions.idleTimeoutMinutes'").run();
    expect(settings.get('sessions.idleTimeoutMinutes')).toBe(30);
  });
});

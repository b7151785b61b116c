import { describe, expect, it } from 'vitest';
import { decodeFstabField, encodeFstabField, fstabEntries, swapFileEntries, withSwapFile, withoutSwapFiles } from './fstab.js';

const debian = [
  '# /etc/fstab: static file system information.',
  '#',
  "# Use 'blkid' to print the universally unique identifier for a",
  '# <file system> <mount point>   <type>  <options>       <dump>  <pass>',
  'UUID=0f3a-11 /               ext4    errors=remount-ro 0       1',
  '# swap was on /dev/sda5 during installation',
  'UUID=9b1c-22 none            swap    sw              0       0',
  '/dev/sr0        /media/cdrom0   udf,iso9660 user,noauto     0       0',
  '',
].join('\n');

describe('fstab editing', () => {
  it('reads entries, skipping comments and blank lines, and tells swap files from swap partitions', () => {
    const text = debian + '/var/swap none swap sw 0 0\n/dev/sda3 none swap sw 0 0\n/srv/my\\040swap none swap sw,pri=5 0 0\n';
    expect(fstabEntries(text).map((e) => [e.index, e.spec, e.mountPoint, e.type])).toEqual([
      [4, 'UUID=0f3a-11', '/', 'ext4'],
      [6, 'UUID=9b1c-22', 'none', 'swap'],
      [7, '/dev/sr0', '/media/cdrom0', 'udf,iso9660'],
      [8, '/var/swap', 'none', 'swap'],
      [9, '/dev/sda3', 'none', 'swap'],
      [10, '/srv/my swap', 'none', 'swap'],
    ]);
    expect(swapFileEntries(text).map((e) => e.spec)).toEqual(['/var/swap', '/srv/my swap']);
  });

  it('escapes and unescapes fields as getmntent does', () => {
    expect(encodeFstabField('/a b\tc\\d')).toBe('/a\\040b\\011c\\134d');
    expect(decodeFstabField('/a\\040b\\011c\\134d')).toBe('/a b\tc\\d');
  });

  it('appends one line and keeps every other line byte for byte', () => {
    expect(withSwapFile(debian, '/var/swap')).toBe(debian + '/var/swap none swap sw 0 0\n');
    expect(withSwapFile(undefined, '/var/swap')).toBe('/var/swap none swap sw 0 0\n');
    expect(withSwapFile('', '/swapfile')).toBe('/swapfile none swap sw 0 0\n');
    // No final newline: the old last line gets one, and so does the new line.
    expect(withSwapFile('proc /proc proc defaults 0 0', '/swapfile')).toBe('proc /proc proc defaults 0 0\n/swapfile none swap sw 0 0\n');
  });

  it('replaces the old swap file line in place and drops duplicates, leaving other swap lines alone', () => {
    const before = 'UUID=1 / ext4 defaults 0 1\r\n/swapfile   none  swap  defaults,pri=3  0 0\r\n/dev/sda2 none swap sw 0 0\r\n/var/swap none swap sw 0 0\r\n# end\r\n';
    expect(withSwapFile(before, '/var/swap', ['/swapfile'])).toBe(
      'UUID=1 / ext4 defaults 0 1\r\n/var/swap none swap sw 0 0\r\n/dev/sda2 none swap sw 0 0\r\n# end\r\n',
    );
    // The same line again changes nothing.
    const once = withSwapFile(debian, '/var/swap');
    expect(withSwapFile(once, '/var/swap')).toBe(once);
    // A commented-out line for the file is a comment, not an entry.
    expect(withSwapFile('#/var/swap none swap sw 0 0\n', '/var/swap')).toBe('#/var/swap none swap sw 0 0\n/var/swap none swap sw 0 0\n');
    // A line for the same path that is not swap (odd, but not ours) stays.
    expect(withSwapFile('/var/swap /mnt/x none bind 0 0\n', '/var/swap')).toBe('/var/swap /mnt/x none bind 0 0\n/var/swap none swap sw 0 0\n');
  });

  it('removes the swap file line and nothing else', () => {
    const text = debian + '/var/swap none swap sw 0 0\n# after\n';
    expect(withoutSwapFiles(text, ['/var/swap'])).toBe(debian + '# after\n');
    expect(withoutSwapFiles(debian, ['/var/swap'])).toBe(debian);
    expect(withoutSwapFiles('a b c d\n/var/swap none swap sw 0 0', ['/var/swap'])).toBe('a b c d');
    expect(withoutSwapFiles('/var/swap none swap sw 0 0\n', ['/var/swap'])).toBe('');
    expect(withoutSwapFiles(undefined, ['/var/swap'])).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { checkLeasesForDisks, leasesRequiredForDisks, parseConf } from '../../../src/lockd/config.js';
import { VirErr } from '../../../src/lockd/constants.js';

describe('plugin configuration', () => {
  it('parses virConf lines: quoted strings, integers, comments; a malformed line names file and line', () => {
    const conf = parseConf('# lockd\nauto_disk_leases = 0\nfile_lockspace_dir = "/var/lib/libvirt/lockd/files"\n', 'f');
    expect([...conf]).toEqual([
      ['auto_disk_leases', 0],
      ['file_lockspace_dir', '/var/lib/libvirt/lockd/files'],
    ]);
    expect(() => parseConf('auto_disk_leases = yes\n', 'qemu-lockd.conf')).toThrow(
      /qemu-lockd.conf:1: expecting a value/,
    );
  });

  it('require_lease_for_disks: as set, on without a config file, else the opposite of auto_disk_leases', () => {
    expect(leasesRequiredForDisks(null, true)).toBe(true);
    expect(leasesRequiredForDisks(new Map(), true)).toBe(false);
    expect(leasesRequiredForDisks(new Map(), false)).toBe(true);
    expect(leasesRequiredForDisks(new Map([['require_lease_for_disks', 0]]), false)).toBe(false);
    expect(leasesRequiredForDisks(new Map([['require_lease_for_disks', 1]]), true)).toBe(true);
  });

  it('refuses read/write disks without a lease only when leases are required', () => {
    expect(() => checkLeasesForDisks(true, 0, true)).toThrow(
      expect.objectContaining({
        code: VirErr.CONFIG_UNSUPPORTED,
        message: 'Read/write, exclusive access, disks were present, but no leases specified',
      }),
    );
    expect(() => checkLeasesForDisks(false, 0, true)).not.toThrow();
    expect(() => checkLeasesForDisks(true, 1, true)).not.toThrow();
    expect(() => checkLeasesForDisks(true, 0, false)).not.toThrow();
  });
});

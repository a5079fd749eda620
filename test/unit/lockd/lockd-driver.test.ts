/**
 * The lockd plugin (spec §1.2, §2.5, §7) and plugin loading, through the domain wrappers of a
 * real hypervisor: config defaults, resource mapping (direct, indirect, leases, readonly), the
 * require_lease check, and what the wrappers do when a driver lacks a callback.
 */
import { describe, expect, it } from 'vitest';
import { VirErr } from '../../../src/lockd/constants.js';
import { VirError } from '../../../src/lockd/errors.js';
import { sha256Hex } from '../../../src/lockd/lockd-driver.js';
import { lockManagerNew } from '../../../src/lockd/manager.js';
import { createNopDriver } from '../../../src/lockd/nop.js';
import { LockManagerPlugin, LockModuleLoader, lockManagerPluginNew } from '../../../src/lockd/plugin.js';
import { MutantSet } from '../../../src/mutants/registry.js';
import { domainDef, errorCode, runLibvirt } from './support.js';

const IMG = '/var/lib/libvirt/images/d1.img';

describe('lockd plugin', () => {
  it('direct mode (default config) locks the image path itself in the default lockspace', () => {
    runLibvirt({}, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      const pid = h.hv('node1').domain('a')?.qemu?.pid;
      expect(h.cluster.lockDaemons.get('node1')?.owners('', IMG)).toEqual([pid]);
    });
  });

  it('indirect mode (file_lockspace_dir) locks an autocreated SHA-256-named file, unlinked when released', () => {
    const dir = '/var/lib/libvirt/images/lockd';
    const lockConfig = `auto_disk_leases = 1\nfile_lockspace_dir = "${dir}"\n`;
    runLibvirt({ lockConfig }, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      h.hv('node2').define(domainDef('b', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      const file = `${dir}/${sha256Hex(IMG)}`;
      expect(yield* h.world.disk('san').exists(file)).toBe(true);
      expect(yield* errorCode(h.hv('node2').start('b'))).toBe(VirErr.RESOURCE_BUSY);
      yield* h.hv('node1').suspend('a');
      expect(yield* h.world.disk('san').exists(file)).toBe(false);
      yield* h.hv('node2').start('b');
    });
  });

  it('readonly disks are never recorded and never conflict; shared disks are shared', () => {
    runLibvirt({}, function* (h) {
      h.hv('node1').define(
        domainDef('a', [
          { image: 'd1.img', readonly: true },
          { image: 'd2.img', shared: true },
        ]),
      );
      h.hv('node2').define(
        domainDef('b', [
          { image: 'd1.img', readonly: true },
          { image: 'd2.img', shared: true },
        ]),
      );
      yield* h.hv('node1').start('a');
      yield* h.hv('node2').start('b');
      expect(h.cluster.lockDaemons.get('node1')?.table()).toMatch(
        /^\|\/var\/lib\/libvirt\/images\/d2\.img shared \d+$/,
      );
    });
  });

  it('auto_disk_leases = 0 with read-write disks and no lease fails the start even for REGISTER_ONLY (CONFIG_UNSUPPORTED)', () => {
    runLibvirt({ lockConfig: 'auto_disk_leases = 0\n' }, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      expect(yield* errorCode(h.hv('node1').start('a', { paused: true }))).toBe(VirErr.CONFIG_UNSUPPORTED);
      expect(h.hv('node1').domain('a')?.state).toBe('shutoff');
    });
  });

  it('a lease whose lockspace nobody created cannot be acquired ("Lockspace for path ... does not exist")', () => {
    const { trace } = runLibvirt({}, function* (h) {
      const def = domainDef('a', [{ image: 'd1.img' }]);
      h.hv('node1').define({
        ...def,
        leases: [{ key: 'k1', path: '/var/lib/libvirt/images', offset: 0, lockspace: 'ls' }],
      });
      expect(yield* errorCode(h.hv('node1').start('a'))).toBe(VirErr.INTERNAL_ERROR);
    });
    expect(trace.some((l) => l.includes('Lockspace for path /var/lib/libvirt/images/ls does not exist'))).toBe(true);
  });
});

describe('plugin loading', () => {
  it('an unknown plugin name is a system error naming the module path', () => {
    runLibvirt({ lockManager: 'nop' }, function* (h) {
      const loader = new LockModuleLoader(
        { world: h.world, node: 'node1', storage: { diskFor: () => h.world.disk('node1') }, mutants: MutantSet.none },
        new Map(),
      );
      const e = yield* (function* () {
        try {
          yield* lockManagerPluginNew(loader, 'bogus', 'qemu', '/etc/libvirt', 0);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(VirError);
      expect((e as VirError).message).toBe(
        'Plugin /usr/lib64/libvirt/lock-driver/bogus.so not accessible: No such file or directory',
      );
    });
  });

  it('a driver without drvNew is refused by the wrapper ("Missing \'drvNew\' field in lock manager driver")', () => {
    runLibvirt({ lockManager: 'nop' }, function* () {
      const { drvNew: _omitted, ...rest } = createNopDriver();
      const plugin = new LockManagerPlugin('broken', rest);
      const e = yield* (function* () {
        try {
          yield* lockManagerNew(plugin, 0, [], 0);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect((e as VirError).code).toBe(VirErr.INTERNAL_ERROR);
      expect((e as VirError).message).toBe("Missing 'drvNew' field in lock manager driver");
    });
  });

  it('with the nop plugin nothing is locked, so two domains start on one disk', () => {
    const { trace } = runLibvirt({ lockManager: 'nop' }, function* (h) {
      h.hv('node1').define(domainDef('a', [{ image: 'd1.img' }]));
      h.hv('node2').define(domainDef('b', [{ image: 'd1.img' }]));
      yield* h.hv('node1').start('a');
      yield* h.hv('node2').start('b');
    });
    expect(trace.some((l) => l.startsWith('libvirt.resource'))).toBe(false);
  });
});

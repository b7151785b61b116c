/**
 * The drives of the pretend host that `npm start` and the sandbox tests see: a Raspberry
 * Pi 4 running from its SD card, with a USB 3 SSD (one ext4 partition, not mounted yet)
 * and a USB stick (FAT, mounted where a desktop automounter would put it). Sizes, models
 * and partition layouts are what those devices report (Raspberry Pi OS bookworm's
 * bootfs/rootfs layout; the T7 and Ultra Fit as util-linux 2.38 names them).
 * Mount points are as the box sees them; the simulation puts them under the sandbox root.
 */

export interface SimFileSystem {
  type: string;
  label: string | null;
  uuid: string;
  usedBytes: number;
}

export interface SimVolume {
  kname: string;
  majMin: string;
  sizeBytes: number;
  fs: SimFileSystem | null;
  /** Box paths ("/media/STICK"). */
  mounts: string[];
}

export interface SimDisk extends SimVolume {
  type: 'disk' | 'loop';
  model: string | null;
  vendor: string | null;
  serial: string | null;
  tran: string | null;
  rm: boolean;
  ro: boolean;
  hotplug: boolean;
  pttype: 'gpt' | 'dos' | null;
  partitions: SimVolume[];
}

const MiB = 1024 ** 2;

export function blockDeviceFixture(): SimDisk[] {
  return [
    {
      kname: 'sda',
      majMin: '8:0',
      type: 'disk',
      sizeBytes: 500_107_862_016,
      // lsblk pads vendor strings to 8 characters, as the SCSI inquiry data has them.
      model: 'PSSD T7',
      vendor: 'Samsung ',
      serial: 'S6WBNS0T412873M',
      tran: 'usb',
      rm: false,
      ro: false,
      hotplug: true,
      pttype: 'gpt',
      fs: null,
      mounts: [],
      partitions: [
        {
          kname: 'sda1',
          majMin: '8:1',
          sizeBytes: 500_105_764_864,
          fs: { type: 'ext4', label: 'photos', uuid: '3f0b8c52-7d1e-4a55-9a0c-6e2f61d0b7a4', usedBytes: 182_431_514_624 },
          mounts: [],
        },
      ],
    },
    {
      kname: 'sdb',
      majMin: '8:16',
      type: 'disk',
      sizeBytes: 30_752_636_928,
      model: 'Ultra Fit',
      vendor: 'SanDisk ',
      serial: '4C530001230512109284',
      tran: 'usb',
      rm: true,
      ro: false,
      hotplug: true,
      pttype: 'dos',
      fs: null,
      mounts: [],
      partitions: [
        {
          kname: 'sdb1',
          majMin: '8:17',
          sizeBytes: 30_751_588_352,
          fs: { type: 'vfat', label: 'STICK', uuid: '4A1C-9F2E', usedBytes: 2_147_483_648 },
          mounts: ['/media/STICK'],
        },
      ],
    },
    {
      kname: 'mmcblk0',
      majMin: '179:0',
      type: 'disk',
      sizeBytes: 31_914_983_424,
      // SD cards have no MODEL in lsblk; TRAN stays empty for MMC in util-linux 2.38.
      model: null,
      vendor: null,
      serial: '0x9e3c1a52',
      tran: null,
      rm: false,
      ro: false,
      hotplug: false,
      pttype: 'dos',
      fs: null,
      mounts: [],
      partitions: [
        {
          kname: 'mmcblk0p1',
          majMin: '179:1',
          sizeBytes: 512 * MiB,
          fs: { type: 'vfat', label: 'bootfs', uuid: '91FE-7499', usedBytes: 66_060_288 },
          mounts: ['/boot/firmware'],
        },
        {
          kname: 'mmcblk0p2',
          majMin: '179:2',
          sizeBytes: 31_397_036_032,
          fs: { type: 'ext4', label: 'rootfs', uuid: '56f80fa2-e005-4cca-86e6-19da1069914d', usedBytes: 3_271_557_120 },
          mounts: ['/'],
        },
      ],
    },
  ];
}

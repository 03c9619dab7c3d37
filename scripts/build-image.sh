#!/usr/bin/env bash
# Builds the appliance's bootable disk image (GPT: EFI system partition, system slot A, system
# slot B, data) from Debian 12 packages, plus a signed update bundle of the system slot.
#
#   sudo bash scripts/build-image.sh [--version 1.2.3] [--board cc-x86-generic] [--out var/image] [--key keys/release.key]
#                                    [--data-mb 512] [--inbox bundle.ccb]
# --inbox preloads a bundle into /data/updater/inbox, which the box installs on its first boot
# (the qemu A/B upgrade test uses it). --fault appliance-fails builds a release whose appliance
# exits at once, for the qemu rollback test; never ship one.
#
# Output: <out>/cc-appliance.img (raw disk), <out>/system.img (one slot's filesystem) and
# <out>/cc-<version>.ccb (that filesystem as a signed image bundle for the updater).
# Needs root (mmdebstrap's chroot, file ownership inside the image) and the Debian packages
# below; the base system is cached in var/image-cache by package list. See docs/IMAGE.md.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(node -p "require('./package.json').version")
BOARD=cc-x86-generic
OUT=var/image
KEY=
INBOX=
FAULT=
SYSTEM_MB=1536
DATA_MB=512
ESP_MB=64
while (($#)); do
  case $1 in
    --version) VERSION=$2; shift 2 ;;
    --board) BOARD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --key) KEY=$2; shift 2 ;;
    --data-mb) DATA_MB=$2; shift 2 ;;
    --inbox) INBOX=$2; shift 2 ;;
    --fault) FAULT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[[ $(id -u) -eq 0 ]] || { echo "build-image: run as root" >&2; exit 2; }
tools=(mmdebstrap:mmdebstrap mkfs.ext4:e2fsprogs mkfs.vfat:dosfstools mcopy:mtools sfdisk:fdisk grub-mkstandalone:grub-common grub-editenv:grub2-common)
missing=()
for t in "${tools[@]}"; do command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}"); done
[[ -d /usr/lib/grub/x86_64-efi ]] || missing+=(grub-efi-amd64-bin)
if ((${#missing[@]})); then
  echo "build-image: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step() { echo "== $(date +%T) $*"; }
WORK=$OUT/work
ROOT=$WORK/rootfs
mkdir -p "$OUT" var/image-cache
rm -rf "$WORK"
mkdir -p "$WORK"

# Fixed partition UUIDs: GRUB passes root=PARTUUID=… for the slot it boots.
PARTUUID_A=8c7b2f4e-5a1d-4e3b-9f60-0000000000a1
PARTUUID_B=8c7b2f4e-5a1d-4e3b-9f60-0000000000b1

# 1. The Debian base system, cached by its package list.
PKGS=systemd,systemd-sysv,udev,dbus,linux-image-amd64,initramfs-tools,kmod,e2fsprogs,dosfstools,iproute2,ca-certificates,libstdc++6,util-linux,mount
BASE=var/image-cache/rootfs-base-$(echo "$PKGS" | sha256sum | cut -c1-12).tar
if [[ ! -f $BASE ]]; then
  step "debootstrap (mmdebstrap) Debian 12 into $BASE"
  mmdebstrap --format=tar --variant=minbase --include="$PKGS" --aptopt='Acquire::Retries "3"' bookworm "$BASE.tmp"
  mv "$BASE.tmp" "$BASE"
fi
step "unpack base system"
mkdir -p "$ROOT"
tar -xf "$BASE" -C "$ROOT"
rm -rf "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/*
find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'zh_CN' ! -name 'en*' -exec rm -rf {} + 2>/dev/null || true

# 2. The appliance: Node (the machine's Node 20, which Debian 12 does not package) and the app.
step "install the appliance $VERSION for board $BOARD"
install -D -m 0755 "$(readlink -f "$(command -v node)")" "$ROOT/usr/local/bin/node"
APP=$ROOT/opt/cc/app
mkdir -p "$APP"
# fleet/ too: the appliance's web server reuses the console's auth modules (fleet/auth) and
# static-asset serving (fleet/web/ui-assets.ts).
cp -a appliance protocol hardware images fleet package.json "$APP/"
# Runtime packages only: the test browser and the compiler stay behind.
tar -C . --exclude='node_modules/playwright-core' --exclude='node_modules/typescript' --exclude='node_modules/.cache' -cf - node_modules | tar -C "$APP" -xf -
find "$APP" -name '*.test.ts' -delete
node -e "const f='$APP/package.json',p=JSON.parse(require('fs').readFileSync(f));p.version='$VERSION';require('fs').writeFileSync(f,JSON.stringify(p,null,2)+'\n')"

# Trusted update keys: the release key's public half, or a development key made here.
if [[ -z $KEY ]]; then
  KEY=var/image/keys/dev.key
  [[ -f $KEY ]] || npx --no-install tsx scripts/keygen.ts --out var/image/keys/dev >/dev/null
fi
install -D -m 0644 "${KEY%.key}.pub" "$ROOT/usr/share/cc/keys/$(basename "${KEY%.key}").pub"
install -D -m 0644 /dev/null "$ROOT/etc/cc/board"
echo "$BOARD" > "$ROOT/etc/cc/board"
echo "$VERSION" > "$ROOT/usr/share/cc/version"

# 3. System configuration: units, mounts, read-only root.
step "configure the system"
cp -a images/rootfs/. "$ROOT/"
mkdir -p "$ROOT/data" "$ROOT/boot/efi"
: > "$ROOT/etc/machine-id" # empty on a read-only root: systemd makes a transient one each boot
wants=$ROOT/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants" "$ROOT/etc/systemd/system/network-online.target.wants"
for unit in cc-provision.service cc-appliance.service cc-update-commit.service cc-update-inbox.service; do
  ln -sf "/etc/systemd/system/$unit" "$wants/$unit"
done
ln -sf /lib/systemd/system/systemd-networkd.service "$wants/systemd-networkd.service"
ln -sf /lib/systemd/system/systemd-networkd-wait-online.service "$ROOT/etc/systemd/system/network-online.target.wants/"
if [[ $FAULT == appliance-fails ]]; then
  printf '#!/bin/sh\necho "fault injected: this release does not start" >&2\nexit 1\n' > "$ROOT/usr/lib/cc/appliance-supervise"
  mkdir -p "$ROOT/etc/systemd/system/cc-update-commit.service.d"
  printf '[Service]\nEnvironment=CC_HEALTH_DEADLINE_MS=60000\n' > "$ROOT/etc/systemd/system/cc-update-commit.service.d/fault.conf"
elif [[ -n $FAULT ]]; then
  echo "unknown fault $FAULT" >&2; exit 2
fi
# Nothing on this box needs apt's timers or a writable /var/lib beyond the tmpfs mounts.
rm -f "$ROOT"/etc/systemd/system/timers.target.wants/apt-* 2>/dev/null || true

# 4. Filesystems.
step "system slot filesystem (ext4, ${SYSTEM_MB} MiB)"
# GRUB 2.06 cannot read ext4 with metadata_csum_seed or orphan_file, which newer mke2fs enables.
mkfs.ext4 -q -F -L cc-system -O ^metadata_csum_seed,^orphan_file -E root_owner=0:0 -d "$ROOT" "$WORK/system.img" "${SYSTEM_MB}M"

step "EFI system partition with GRUB and its environment"
sed -e "s/@PARTUUID_A@/$PARTUUID_A/" -e "s/@PARTUUID_B@/$PARTUUID_B/" images/grub/grub.cfg > "$WORK/grub.cfg"
grub-mkstandalone -O x86_64-efi -o "$WORK/BOOTX64.EFI" \
  --modules="part_gpt fat ext2 loadenv regexp echo test linux normal search" \
  "boot/grub/grub.cfg=$WORK/grub.cfg"
grub-editenv "$WORK/grubenv" create
grub-editenv "$WORK/grubenv" set cc_default=a cc_try= cc_tries=0 cc_rollback=
rm -f "$WORK/esp.img"
mkfs.vfat -n ESP -C "$WORK/esp.img" $((ESP_MB * 1024)) >/dev/null
mmd -i "$WORK/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/cc
mcopy -i "$WORK/esp.img" "$WORK/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$WORK/esp.img" "$WORK/grubenv" ::/EFI/cc/grubenv

step "data partition (ext4, ${DATA_MB} MiB)"
DATA=$WORK/data
mkdir -p "$DATA/updater/inbox"
[[ -z $INBOX ]] || cp "$INBOX" "$DATA/updater/inbox/"
now=$(date +%s%3N)
cat > "$DATA/updater/slots.json" <<JSON
{
  "a": { "state": "complete", "version": "$VERSION", "updatedAt": $now, "note": "factory image" },
  "b": { "state": "complete", "version": "$VERSION", "updatedAt": $now, "note": "factory image" }
}
JSON
mkfs.ext4 -q -F -L cc-data -E root_owner=0:0 -d "$DATA" "$WORK/data.img" "${DATA_MB}M"

# 5. The disk: GPT, then each filesystem copied to its partition (sparse, so it stays small on disk).
step "assemble the disk"
MiB=2048 # sectors
esp_start=$((1 * MiB)); a_start=$((esp_start + ESP_MB * MiB)); b_start=$((a_start + SYSTEM_MB * MiB)); d_start=$((b_start + SYSTEM_MB * MiB))
total_mb=$((1 + ESP_MB + 2 * SYSTEM_MB + DATA_MB + 1))
DISK=$OUT/cc-appliance.img
rm -f "$DISK"
truncate -s "${total_mb}M" "$DISK"
sfdisk -q "$DISK" <<LAYOUT
label: gpt
unit: sectors
start=$esp_start, size=$((ESP_MB * MiB)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
start=$a_start, size=$((SYSTEM_MB * MiB)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$PARTUUID_A, name="cc-system-a"
start=$b_start, size=$((SYSTEM_MB * MiB)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$PARTUUID_B, name="cc-system-b"
start=$d_start, size=$((DATA_MB * MiB)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="cc-data"
LAYOUT
put() { dd if="$1" of="$DISK" bs=1M seek=$(($2 / MiB)) conv=notrunc,sparse status=none; }
put "$WORK/esp.img" $esp_start
put "$WORK/system.img" $a_start
put "$WORK/system.img" $b_start
put "$WORK/data.img" $d_start
cp --sparse=always "$WORK/system.img" "$OUT/system.img"

# 6. The same system as a signed update bundle.
step "update bundle cc-$VERSION.ccb"
npx --no-install tsx scripts/make-bundle.ts --key "$KEY" --version "$VERSION" --board "$BOARD" --image "$OUT/system.img" --out "$OUT/cc-$VERSION.ccb"
rm -rf "$WORK"
step "done: $DISK ($(du -h --apparent-size "$DISK" | cut -f1) apparent, $(du -h "$DISK" | cut -f1) on disk)"

#!/usr/bin/env bash
# Builds mediasoup's C++ worker from the sources npm installed, against Debian 12's libraries,
# without the internet. mediasoup's own install script would download a prebuilt binary and
# pip-install meson; setup.sh skips it (MEDIASOUP_WORKER_BIN=/bin/true during npm ci) and
# calls this instead.
#
# mediasoup 3.12.16's meson.build calls subproject() for each dependency directly, so meson's
# wrap modes cannot redirect them to system libraries. We copy the worker sources to a scratch
# directory (the installed package stays pristine), replace subprojects/*.wrap with small
# stand-in subprojects that call dependency() on the Debian libraries and expose the variable
# names mediasoup's meson.build reads, and lower its meson_version floor to Debian's 1.0.1.
#
# Two small patches are applied (see below): telephone-event forwarding, SIP peers' SSRCs.
#
# Idempotent: does nothing when the worker binary exists, runs and was built by this script
# at its current patch level (the stamp file beside the binary). Usage:
#   bash scripts/build-mediasoup-worker.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."

ms=node_modules/mediasoup
target=$ms/worker/out/Release/mediasoup-worker
scratch=${MEDIASOUP_WORKER_BUILD_DIR:-node_modules/.cache/mediasoup-worker-build}
stamp=$target.build-id
# Bump when the patches or stand-ins change, so existing checkouts rebuild.
build_id=cc-2-telephone-event-adopt-ssrc

# The worker exits 41 when started without MEDIASOUP_VERSION (it expects to be spawned by the
# Node library): that exit code proves the binary and all its shared libraries load.
worker_runs() {
  [[ -x $target ]] || return 1
  local code=0
  env -u MEDIASOUP_VERSION "$target" </dev/null >/dev/null 2>&1 || code=$?
  [[ $code -eq 41 ]] && [[ "$(cat "$stamp" 2>/dev/null)" == "$build_id" ]]
}

if [[ "${1:-}" != "--force" ]] && worker_runs; then
  exit 0
fi
if [[ ! -f $ms/worker/meson.build ]]; then
  echo "build-mediasoup-worker: $ms/worker/meson.build not found; run npm ci first" >&2
  exit 1
fi
version=$(node -p "require('./$ms/package.json').version")
if [[ $version != 3.12.* ]]; then
  # The stand-ins below mirror 3.12's meson.build (variable names, no flatbuffers).
  echo "build-mediasoup-worker: expected mediasoup 3.12.x, found $version" >&2
  exit 1
fi

# Debian packages: compiler, meson/ninja and the libraries the worker links.
build_pkgs=(build-essential patch meson ninja-build pkg-config libssl-dev libuv1-dev libsrtp2-dev
  libabsl-dev libusrsctp-dev nlohmann-json3-dev catch2)
missing=()
for p in "${build_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build-mediasoup-worker: installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "build-mediasoup-worker: building mediasoup $version worker (a few minutes)"
src=$scratch/worker
rm -rf "$src"
mkdir -p "$scratch"
cp -a "$ms/worker" "$src"
rm -rf "$src/out" "$src/subprojects"
mkdir -p "$src/subprojects"

# Debian ships meson 1.0.1; 3.12.16 asks for 1.1.0 but uses nothing newer.
sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.1'/" "$src/meson.build"
grep -q "meson_version: '>= 1.0.1'" "$src/meson.build" || {
  echo "build-mediasoup-worker: could not lower meson_version in meson.build" >&2
  exit 1
}

# Two patches to mediasoup 3.12.16 (kept in this script so the package stays pristine):
# 1. Consumers forward only "media" codecs: RFC 4733 telephone-event packets were mapped by
#    the producer and then dropped by every consumer, so DTMF could neither reach the
#    appliance's detector nor pass between a gateway and a browser.
# 2. A producer must declare its SSRC, but a SIP peer never signals it and may change it
#    mid-call (transfer, re-INVITE). A PlainTransport that knows exactly one SSRC now takes
#    RTP from its peer with another SSRC as that stream.
patch -p1 --forward --batch --quiet -d "$src" <<'PATCH'
--- a/include/RTC/Transport.hpp
+++ b/include/RTC/Transport.hpp
@@ -300,6 +300,8 @@
 	protected:
 		RTC::Shared* shared{ nullptr };
 		size_t maxMessageSize{ 262144u };
+		// contact-center: map RTP with an unknown SSRC onto the only known one (SIP peers).
+		bool adoptUnknownSsrc{ false };
 		// Allocated by this.
 		RTC::SctpAssociation* sctpAssociation{ nullptr };
 
--- a/src/RTC/Consumer.cpp
+++ b/src/RTC/Consumer.cpp
@@ -129,7 +129,10 @@
 		// Fill supported codec payload types.
 		for (auto& codec : this->rtpParameters.codecs)
 		{
-			if (codec.mimeType.IsMediaCodec())
+			// contact-center: forward RFC 4733 telephone-events too (DTMF between SIP and WebRTC).
+			if (
+			  codec.mimeType.IsMediaCodec() ||
+			  codec.mimeType.subtype == RTC::RtpCodecMimeType::Subtype::TELEPHONE_EVENT)
 				this->supportedCodecPayloadTypes[codec.payloadType] = true;
 		}
 
--- a/src/RTC/PlainTransport.cpp
+++ b/src/RTC/PlainTransport.cpp
@@ -50,6 +50,8 @@
 	{
 		MS_TRACE();
 
+		this->adoptUnknownSsrc = true;
+
 		auto jsonListenIpIt = data.find("listenIp");
 
 		if (jsonListenIpIt == data.end())
--- a/src/RTC/Transport.cpp
+++ b/src/RTC/Transport.cpp
@@ -1716,6 +1716,15 @@
 		// Get the associated Producer.
 		RTC::Producer* producer = this->rtpListener.GetProducer(packet);
 
+		// contact-center: a SIP peer picks its SSRC without signalling it and may change it
+		// (transfer, re-INVITE). On a transport that knows exactly one SSRC, packets from the
+		// peer with another SSRC are taken as that stream.
+		if (!producer && this->adoptUnknownSsrc && this->rtpListener.ssrcTable.size() == 1u)
+		{
+			packet->SetSsrc(this->rtpListener.ssrcTable.begin()->first);
+			producer = this->rtpListener.GetProducer(packet);
+		}
+
 		if (!producer)
 		{
 			packet->logger.Dropped(RtcLogger::RtpPacket::DropReason::PRODUCER_NOT_FOUND);
PATCH

# stand_in NAME OPTIONS_TXT BODY: a subproject that only wraps Debian's libraries.
stand_in() {
  mkdir -p "$src/subprojects/$1"
  printf '%s\n' "project('$1', 'cpp')" "$3" >"$src/subprojects/$1/meson.build"
  [[ -z $2 ]] || printf '%s\n' "$2" >"$src/subprojects/$1/meson_options.txt"
}
# The *_lib variables feed link_whole of libmediasoup-worker (a library target we never
# build); shared system libraries come in through the *_dep variables instead.
stand_in openssl '' "
openssl_dep = dependency('openssl')
libcrypto_lib = []
libssl_lib = []"
stand_in nlohmann_json '' "
nlohmann_json_dep = dependency('nlohmann_json')"
stand_in libuv "
option('build_tests', type : 'boolean', value : false)
option('build_benchmarks', type : 'boolean', value : false)" "
libuv_dep = dependency('libuv')
libuv = []"
# mediasoup includes <srtp.h>; Debian installs it under /usr/include/srtp2.
stand_in libsrtp2 "
option('crypto-library', type : 'string', value : 'openssl')
option('crypto-library-kdf', type : 'feature', value : 'disabled')
option('tests', type : 'feature', value : 'disabled')" "
libsrtp2_dep = declare_dependency(
  dependencies : dependency('libsrtp2'),
  compile_args : ['-I/usr/include/srtp2'],
)
libsrtp2 = []"
stand_in usrsctp "
option('sctp_build_programs', type : 'boolean', value : false)" "
usrsctp_dep = dependency('usrsctp')
usrsctp = []"
stand_in abseil-cpp '' "
absl_container_dep = declare_dependency(dependencies : [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'),
  dependency('absl_btree'), dependency('absl_inlined_vector'), dependency('absl_memory'),
])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = dependency('absl_optional')
absl_container_lib = []"
stand_in catch2 '' "
catch2_dep = dependency('catch2')"

jobs=${MEDIASOUP_MAX_CORES:-$(nproc)}
(
  cd "$src"
  meson setup out/build --buildtype release -Db_ndebug=true --wrap-mode=nodownload >/dev/null
  meson compile -C out/build -j "$jobs" mediasoup-worker
)

# Install atomically: other processes may be starting workers from this path right now.
mkdir -p "$(dirname "$target")"
install -m 0755 "$src/out/build/mediasoup-worker" "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "$build_id" >"$stamp"
if ! worker_runs; then
  echo "build-mediasoup-worker: the built worker does not start" >&2
  exit 1
fi
rm -rf "$src"
echo "build-mediasoup-worker: installed $target"

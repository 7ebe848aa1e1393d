#!/bin/sh
# kernels.sh fetches the Debian kernel images of the matrix into a cache
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/bpfsim/kernels), one directory
# per name, each holding the vmlinuz as `dpkg-deb -x` leaves it, and
# records what it fetched in MANIFEST (name, series, package, version,
# path). It never installs anything: apt-get runs with a private sources
# list, private package lists and a private cache, built from the
# machine's own apt configuration (the first Debian mirror URI found in
# /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources), so the
# machine's apt state is left untouched and no host is named here.
#
# Usage: guest/kernels.sh [NAME...]   (default: every kernel of the matrix)
set -eu

# The matrix: name, Debian suite, pinned series (the image's version must
# start with it). Add a line to add a kernel.
MATRIX='
5.10 bullseye 5.10.
6.1 bookworm 6.1.
6.12 trixie 6.12.
'

cache=${BPFSIM_KERNELS:-${XDG_CACHE_HOME:-$HOME/.cache}/bpfsim/kernels}
mkdir -p "$cache"
work=$cache/.apt
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs" "$work/empty"

die() { echo "kernels.sh: $*" >&2; exit 1; }

# The mirror: the machine's own, whichever format its sources use.
mirror=
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -r "$f" ] || continue
	mirror=$(awk '$1=="deb" { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f" | grep -v -- '-security' | head -n1) || true
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		mirror=$(awk '/^URIs:/ { for (i=2;i<=NF;i++) print $i }' "$f" | grep -v -- '-security' | head -n1) || true
		[ -n "$mirror" ] && break
	done
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

sources=$work/sources.list
: >"$sources"
echo "$MATRIX" | while read -r name suite series; do
	[ -n "$name" ] || continue
	echo "deb [signed-by=$keyring] $mirror $suite main" >>"$sources"
	echo "deb [signed-by=$keyring] $mirror $suite-updates main" >>"$sources"
done

APT="-o Dir::Etc::sourcelist=$sources -o Dir::Etc::sourceparts=$work/empty -o Dir::State::Lists=$work/lists -o Dir::Cache=$work -o Dir::Cache::archives=$work/archives -o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=$work/empty -o APT::Sandbox::User=root -o APT::Get::List-Cleanup=0"
echo "kernels.sh: updating private package lists from $mirror" >&2
# shellcheck disable=SC2086
apt-get $APT -qq update >&2 || die "apt-get update failed (private lists under $work)"

want=${*:-}
manifest=$cache/MANIFEST
tmpman=$(mktemp)
trap 'rm -f "$tmpman"' EXIT
[ -f "$manifest" ] && cp "$manifest" "$tmpman"
echo "$MATRIX" | while read -r name suite series; do
	[ -n "$name" ] || continue
	if [ -n "$want" ] && ! echo " $want " | grep -q " $name "; then continue; fi
	# linux-image-amd64 of that suite names the image package of its series.
	# shellcheck disable=SC2086
	pkg=$(apt-cache $APT show "linux-image-amd64/$suite" 2>/dev/null | awk -F': ' '/^Depends:/ { split($2, d, ","); sub(/ .*/, "", d[1]); print d[1]; exit }')
	[ -n "$pkg" ] || die "$name: no linux-image-amd64 in $suite on $mirror"
	# shellcheck disable=SC2086
	ver=$(apt-cache $APT policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	case "$ver" in
	"$series"*) ;;
	"" | "(none)") die "$name: $pkg is gone from $mirror ($suite): edit the MATRIX in guest/kernels.sh" ;;
	*) die "$name: $suite's image is $pkg $ver, not the pinned series $series" ;;
	esac
	dir=$cache/$name
	if [ -f "$dir/vmlinuz" ] && grep -q "^$name $series $pkg $ver " "$tmpman"; then
		echo "kernels.sh: $name: $pkg $ver already cached" >&2
		continue
	fi
	echo "kernels.sh: $name: fetching $pkg $ver" >&2
	( cd "$work/debs" && apt-get $APT -qq download "$pkg=$ver" ) >&2 || die "$name: apt-get download $pkg=$ver failed: the version may have dropped off the mirror; rerun to pick the current one"
	deb=$(ls "$work/debs/${pkg}_"*.deb | head -n1)
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	dpkg-deb -x "$deb" "$dir.tmp/root"
	img=$(ls "$dir.tmp/root/boot/vmlinuz-"* | head -n1)
	[ -f "$img" ] || die "$name: $deb holds no /boot/vmlinuz-*"
	mv "$img" "$dir.tmp/vmlinuz"
	cp "$dir.tmp/root/boot/config-"* "$dir.tmp/config" 2>/dev/null || true
	rm -rf "$dir.tmp/root" "$deb" "$dir"
	mv "$dir.tmp" "$dir"
	grep -v "^$name " "$tmpman" >"$tmpman.new" || true
	echo "$name $series $pkg $ver $dir/vmlinuz" >>"$tmpman.new"
	mv "$tmpman.new" "$tmpman"
done
cp "$tmpman" "$manifest"
cat "$manifest"

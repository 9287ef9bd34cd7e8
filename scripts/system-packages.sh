#!/usr/bin/env bash
# Install the Debian packages airclass needs (ffmpeg, a CJK font for title cards, chromium for browser tests,
# GStreamer's MPEG-TS parser for the DVB SI tests) when missing.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
[ -e /usr/share/xmltv/xmltv.dtd ] || missing+=(xmltv-util)   # the XMLTV DTD and tv_validate_file, for tests
[ -x /usr/bin/chromium ] || missing+=(chromium)       # headless browser tests (driven by Playwright)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)   # benchmarks/feed_serving.py: the static-file baseline
command -v wrk >/dev/null 2>&1 || missing+=(wrk)   # benchmarks/feed_serving.py: load generator
# DVB SI tests decode our EIT/SDT/TDT/TOT with GStreamer's MPEG-TS library (tsparse, GstMpegts through PyGObject)
compgen -G "/usr/lib/*/girepository-1.0/GstMpegts-1.0.typelib" >/dev/null || missing+=(gir1.2-gst-plugins-bad-1.0)
compgen -G "/usr/lib/*/gstreamer-1.0/libgstmpegtsdemux.so" >/dev/null || missing+=(gstreamer1.0-plugins-bad)
# ... and pip builds PyGObject (the test extra) against these
[ -e /usr/include/gobject-introspection-1.0/girepository.h ] || missing+=(libgirepository1.0-dev)
[ -e /usr/include/cairo/cairo.h ] || missing+=(libcairo2-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "airclass needs these Debian packages: ${missing[*]}" >&2
echo "install them with:  sudo apt-get install ${missing[*]}" >&2
command -v ffmpeg >/dev/null 2>&1 || exit 1   # the font is optional, ffmpeg is not

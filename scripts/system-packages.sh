#!/usr/bin/env bash
# Install the Debian packages airclass needs (ffmpeg, a CJK font for title cards, chromium for browser tests) when missing.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
[ -e /usr/share/xmltv/xmltv.dtd ] || missing+=(xmltv-util)   # the XMLTV DTD and tv_validate_file, for tests
[ -x /usr/bin/chromium ] || missing+=(chromium)       # headless browser tests (driven by Playwright)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)   # benchmarks/feed_serving.py: the static-file baseline
command -v wrk >/dev/null 2>&1 || missing+=(wrk)   # benchmarks/feed_serving.py: load generator
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

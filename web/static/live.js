// The live player: hls.js where Media Source Extensions play it, else the browser's own HLS (iOS Safari).
// "On now" follows the frame on screen (its EXT-X-PROGRAM-DATE-TIME, the scheduled air time), not the
// device's clock, which may be wrong and is always ahead of the picture.
(() => {
  const video = document.getElementById("live");
  if (!video) return;
  const src = video.dataset.src;
  const nowPlaying = document.querySelector(".now-playing");
  const trouble = document.querySelector(".live-trouble");
  const RETRY_MS = 15000;
  const REFRESH_MS = 5 * 60 * 1000;
  let programmes = parseProgrammes(document);
  let refreshedAt = Date.now();
  let hls = null;
  const replay = video.dataset.kind === "replay"; // a past day (VOD): #t=<seconds> starts it at a programme

  function askedPosition() {
    const found = /^#t=(\d+)$/.exec(window.location.hash);
    return found ? Number(found[1]) : -1;
  }

  function parseProgrammes(doc) {
    const list = JSON.parse(doc.getElementById("programmes").textContent);
    return list.map((p) => ({ ...p, from: Date.parse(p.starts), to: Date.parse(p.ends) }));
  }

  // The air time of the frame shown, or null before the first frame (or with no PROGRAM-DATE-TIME).
  function shownDate() {
    if (hls) return hls.playingDate;
    const start = typeof video.getStartDate === "function" ? video.getStartDate() : null;
    if (!start || Number.isNaN(start.getTime())) return null;
    return new Date(start.getTime() + video.currentTime * 1000);
  }

  function showProgramme() {
    const date = shownDate();
    video.dataset.playingDate = date ? date.toISOString() : "";
    const at = date ? date.getTime() : NaN;
    const on = programmes.find((p) => p.from <= at && at < p.to);
    nowPlaying.hidden = !on;
    if (on) {
      // The times as the guide writes them, in the channel's zone: HH:MM of the ISO text.
      nowPlaying.querySelector("time").textContent = `${on.starts.slice(11, 16)}–${on.ends.slice(11, 16)}`;
      nowPlaying.querySelector("time").dateTime = on.starts;
      nowPlaying.querySelector(".title").textContent = on.title;
    }
    const last = programmes.length ? programmes[programmes.length - 1].to : -Infinity;
    if (!on && at >= last && Date.now() - refreshedAt > REFRESH_MS) refreshProgrammes();
  }

  // Past the embedded day (a page left open overnight): read the programmes again from this page.
  async function refreshProgrammes() {
    refreshedAt = Date.now();
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      programmes = parseProgrammes(page);
    } catch (error) {
      // keep the programmes we have; try again after REFRESH_MS
    }
  }

  function failed() {
    trouble.hidden = false;
    nowPlaying.hidden = true;
    if (hls) {
      hls.destroy();
      hls = null;
    }
    window.setTimeout(start, RETRY_MS);
  }

  function start() {
    if (window.Hls && Hls.isSupported()) {
      // No worker: the page's Content-Security-Policy refuses the blob: worker hls.js would make.
      hls = new Hls({ enableWorker: false, startPosition: replay ? askedPosition() : -1 });
      window.airclassHls = hls; // for the browser tests: the player's errors and buffer
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else failed();
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        trouble.hidden = true;
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
      video.load();
      if (replay && askedPosition() >= 0) {
        video.addEventListener("loadedmetadata", () => { video.currentTime = askedPosition(); }, { once: true });
      }
    } else {
      document.querySelector(".live-unsupported").hidden = false;
    }
  }

  video.addEventListener("timeupdate", showProgramme);
  if (replay) {
    window.addEventListener("hashchange", () => {
      if (askedPosition() < 0) return;
      video.currentTime = askedPosition();
      video.play().catch(() => {}); // a browser may want a tap first; the position is set either way
    });
  }
  video.addEventListener("playing", () => {
    trouble.hidden = true;
  });
  video.addEventListener("error", () => {
    if (!hls && video.src) failed(); // native HLS: the playlist is missing or broke; hls.js reports its own
  });
  start();
})();

// A lesson on demand: the HLS ladder (1080p/720p/360p, chosen by the network) through hls.js where Media
// Source Extensions play it, the browser's own HLS where not (iOS Safari), else the MP4 (data-mp4: not in
// src, so a slow line does not spend itself on the MP4 before the ladder starts).
(() => {
  const video = document.getElementById("on-demand");
  if (!video || !video.dataset.hls) return;
  if (window.Hls && Hls.isSupported()) {
    // No worker: the page's Content-Security-Policy refuses the blob: worker hls.js would make. The first
    // segment's rung follows the bandwidth estimate, not the master's first (and largest) rung.
    const hls = new Hls({ enableWorker: false, startLevel: -1 });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        hls.destroy(); // the ladder is missing or broken: fall back to the MP4
        video.src = video.dataset.mp4 || "";
      }
    });
    hls.loadSource(video.dataset.hls);
    hls.attachMedia(video);
    window.airclassHls = hls; // for the browser tests: the level playing
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = video.dataset.hls;
  } else if (video.dataset.mp4) {
    video.src = video.dataset.mp4;
  }
})();

// A lesson on demand: the HLS ladder (1080p/720p/360p, chosen by the network) through hls.js where Media
// Source Extensions play it, the browser's own HLS where not (iOS Safari), else the MP4 already in src.
(() => {
  const video = document.getElementById("on-demand");
  if (!video || !video.dataset.hls) return;
  if (window.Hls && Hls.isSupported()) {
    // No worker: the page's Content-Security-Policy refuses the blob: worker hls.js would make.
    const hls = new Hls({ enableWorker: false });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        hls.destroy(); // the ladder is missing or broken: fall back to the MP4
        video.src = video.dataset.mp4 || "";
      }
    });
    video.dataset.mp4 = video.getAttribute("src") || "";
    video.removeAttribute("src");
    hls.loadSource(video.dataset.hls);
    hls.attachMedia(video);
    window.airclassHls = hls; // for the browser tests: the level playing
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = video.dataset.hls;
  }
})();

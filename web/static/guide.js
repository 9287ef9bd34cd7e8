// The guide's "copy" buttons: copy the feed address next to them (the field stays selectable without JS).
document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (error) {
      document.execCommand("copy"); // older phones, or a page not served over https
    }
    button.textContent = button.dataset.done;
  });
});

// Local times, and live updates: on each server-sent event, fetch the
// page's live part again and swap it in, keeping open timelines open.
(() => {
  const localTimes = (root) => {
    for (const time of root.querySelectorAll("time[datetime]")) {
      const at = new Date(time.dateTime);
      if (!Number.isNaN(at.getTime())) time.textContent = at.toLocaleString();
    }
  };
  localTimes(document);
  const live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const open = [...live.querySelectorAll("details[open]")].map((d) => d.id);
      const response = await fetch(live.dataset.fragment);
      if (response.ok) {
        live.innerHTML = await response.text();
        for (const id of open) {
          const details = document.getElementById(id);
          if (details) details.open = true;
        }
        localTimes(live);
        live.dataset.updates = String(Number(live.dataset.updates || 0) + 1);
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  new EventSource("/sandbox/events").addEventListener("change", refresh);
})();

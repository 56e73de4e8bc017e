// The batch page: follows the batch's event stream (polling if events fail),
// updates each image's card and the overall progress, and offers the ZIP once
// every job has ended. Without this script the page refreshes itself.

const root = document.getElementById('batch');
if (root) follow(root);

const LABELS = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  canceled: 'Canceled',
};
const POLL_MS = 1500;

function follow(article) {
  const $ = (id) => document.getElementById(id);
  const grid = $('batch-grid');
  let ended = false;

  function renderItem(item, job) {
    if (item.dataset.status === job.status && job.status !== 'running') return;
    item.dataset.status = job.status;
    const link = item.querySelector('.batch-thumb');
    if (job.thumbnail_url && !link.querySelector('img')) {
      const image = document.createElement('img');
      image.src = job.thumbnail_url;
      image.alt = '';
      link.replaceChildren(image);
    } else if (!job.thumbnail_url) {
      const note = document.createElement('span');
      note.className = 'batch-thumb-note';
      note.textContent = LABELS[job.status] || job.status;
      link.replaceChildren(note);
    }
    const badge = item.querySelector('.batch-state .badge');
    badge.dataset.status = job.status;
    badge.textContent = LABELS[job.status] || job.status;
    const error = item.querySelector('.batch-error');
    if (job.error && !error) {
      const text = document.createElement('span');
      text.className = 'batch-error';
      text.textContent = ` ${job.error}`;
      item.querySelector('.batch-state').append(text);
    }
    item.querySelector('progress').value = job.progress;
  }

  function render(batch) {
    article.dataset.status = batch.status;
    article.dataset.progress = String(batch.progress);
    const badge = $('batch-badge');
    badge.dataset.status = batch.status;
    badge.textContent = LABELS[batch.status] || batch.status;
    const counts = batch.counts;
    let message = `${counts.completed} of ${batch.total} done`;
    if (counts.failed) message += `, ${counts.failed} failed`;
    if (counts.canceled) message += `, ${counts.canceled} canceled`;
    $('batch-message').textContent = `${message}.`;
    $('batch-bar').value = batch.progress;
    for (const job of batch.jobs) {
      const item = grid.querySelector(`[data-job-id="${CSS.escape(job.job_id)}"]`);
      if (item) renderItem(item, job);
    }
    ended = !['queued', 'running'].includes(batch.status);
    $('batch-download').hidden = !ended;
    $('batch-cancel-form').hidden = ended;
  }

  async function poll() {
    while (!ended) {
      try {
        const response = await fetch(article.dataset.statusUrl, { headers: { Accept: 'application/json' } });
        if (response.ok) render(await response.json());
      } catch {
        // The next poll tries again.
      }
      if (!ended) await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
    }
  }

  function listen() {
    if (!('EventSource' in window)) {
      poll();
      return;
    }
    const source = new EventSource(article.dataset.eventsUrl);
    source.addEventListener('batch', (event) => {
      render(JSON.parse(event.data));
      if (ended) source.close();
    });
    source.addEventListener('error', () => {
      if (ended) return;
      source.close();
      poll();
    });
  }

  $('batch-cancel-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $('batch-cancel');
    button.disabled = true;
    try {
      const response = await fetch(`${article.dataset.statusUrl}/cancel`, { method: 'POST', headers: { Accept: 'application/json' } });
      if (response.ok) render(await response.json());
    } finally {
      button.disabled = false;
    }
  });

  if (!['queued', 'running'].includes(article.dataset.status)) {
    ended = true;
    return;
  }
  listen();
}

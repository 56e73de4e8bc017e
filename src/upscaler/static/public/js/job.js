// The job page: live status from server-sent events (reconnecting by itself),
// polling with exponential backoff when events do not work, an ETA from the
// server's estimate and the measured rate, cancel, and — once completed — the
// result with a before/after comparison and the download button.

import { setUpComparison } from './compare.js';
import { formatBytes, formatDimensions, formatDuration } from './format.js';

const TERMINAL = new Set(['completed', 'failed', 'canceled']);
const STATUS_LABELS = {
  queued: 'Waiting in the queue',
  running: 'Upscaling',
  completed: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};
const TYPE_LABELS = {
  'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP', 'image/tiff': 'TIFF', 'image/gif': 'GIF',
};
/** Errors in a row (without a message between) before events give way to polling. */
const MAX_EVENT_FAILURES = 3;
const POLL_MIN_MS = 1000;
const POLL_MAX_MS = 15000;
/** Signed links last an hour; refresh them well before that on a page left open. */
const LINK_REFRESH_MS = 20 * 60 * 1000;

const root = document.getElementById('job');
if (root) start(root);

function start(page) {
  const $ = (id) => document.getElementById(id);
  const statusUrl = page.dataset.statusUrl;
  const eventsUrl = page.dataset.eventsUrl;
  const cancelUrl = page.dataset.cancelUrl;
  const progressBar = $('job-progress');
  const percentText = $('progress-percent');
  const etaText = $('eta');
  const message = $('status-message');
  const badge = $('status-badge');
  const note = $('connection-note');
  const cancelForm = $('cancel-form');
  const cancelButton = $('cancel-button');
  const cancelError = $('cancel-error');

  const state = {
    job: null,
    status: page.dataset.status,
    progress: Number(page.dataset.progress) || 0,
    estimate: page.dataset.estimatedSeconds ? Number(page.dataset.estimatedSeconds) : null,
    estimateAt: performance.now(),
    samples: [], // [time ms, progress] while running, for the measured rate
    resultShown: false,
    announced: 0, // the last quarter of progress read out
  };
  let source = null;
  let failures = 0;
  let pollTimer = null;
  let pollDelay = POLL_MIN_MS;
  let comparison = null;

  function setTransport(kind) {
    page.dataset.transport = kind;
  }

  // -- rendering ---------------------------------------------------------------------

  function statusSentence(job) {
    switch (job.status) {
      case 'queued':
        if (job.queue_position === 1) return 'Your job is next in the queue.';
        if (job.queue_position) return `Your job is number ${job.queue_position} in the queue.`;
        return 'Your job is waiting in the queue.';
      case 'running':
        return 'Upscaling your image…';
      case 'completed':
        return 'Done: your image is ready to download.';
      case 'failed':
        return 'The job failed.';
      default:
        return 'This job was canceled.';
    }
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  /** Screen readers hear the progress at each quarter, not at every percent. */
  function announceMilestone(progress) {
    const quarter = Math.floor(progress / 25) * 25;
    if (state.status !== 'running' || quarter <= state.announced || quarter >= 100) return;
    state.announced = quarter;
    const eta = etaText.textContent ? ` ${etaText.textContent}.` : '';
    $('progress-announcer').textContent = `${quarter} % done.${eta}`;
  }

  function showProgress(progress) {
    state.progress = progress;
    progressBar.value = progress;
    progressBar.textContent = `${progress} %`;
    setText(percentText, `${progress} %`);
    page.dataset.progress = String(progress);
    if (state.status === 'running') {
      const now = performance.now();
      const last = state.samples[state.samples.length - 1];
      if (!last || last[1] !== progress) state.samples.push([now, progress]);
      document.title = `${progress} % · ${STATUS_LABELS.running} — ${state.job ? state.job.original.filename : ''}`;
    }
    renderEta();
    announceMilestone(progress);
  }

  /** Seconds left from the progress measured on this page, or null. */
  function measuredSecondsLeft() {
    if (state.status !== 'running' || state.samples.length < 2) return null;
    const [t0, p0] = state.samples[0];
    const [t1, p1] = state.samples[state.samples.length - 1];
    if (p1 <= p0 || t1 - t0 < 1000) return null;
    // Percent per second, counting the wait since the last tile too.
    const rate = (p1 - p0) / ((performance.now() - t0) / 1000);
    return (100 - state.progress) / rate;
  }

  function renderEta() {
    if (TERMINAL.has(state.status)) {
      setText(etaText, '');
      return;
    }
    const measured = measuredSecondsLeft();
    if (measured !== null) {
      setText(etaText, measured < 3 ? 'Almost done…' : `About ${formatDuration(measured)} left`);
      return;
    }
    // The server's estimate (from recent jobs like this one), counted down.
    const left = state.estimate === null
      ? null
      : state.estimate - (performance.now() - state.estimateAt) / 1000;
    if (left !== null && left >= 3) {
      setText(etaText, `About ${formatDuration(left)} left`);
    } else if (state.status === 'queued') {
      setText(etaText, left === null ? '' : 'Starting soon');
    } else {
      setText(etaText, state.progress >= 90 ? 'Almost done…' : 'Estimating the time left…');
    }
  }

  function applyJob(job) {
    const previous = state.status;
    state.job = job;
    state.status = job.status;
    page.dataset.status = job.status;
    badge.dataset.status = job.status;
    setText(badge, STATUS_LABELS[job.status] || job.status);
    setText(message, statusSentence(job));
    if (job.estimated_seconds !== null && job.estimated_seconds !== undefined) {
      state.estimate = job.estimated_seconds;
      state.estimateAt = performance.now();
    }
    if (job.status !== 'running') state.samples = [];
    else if (previous !== 'running') state.samples = [];
    const terminal = TERMINAL.has(job.status);
    $('progress-block').hidden = terminal;
    cancelForm.hidden = terminal;
    const error = $('job-error');
    error.hidden = job.status !== 'failed';
    setText(error, job.status === 'failed' ? job.error || 'The server did not say why.' : '');
    showProgress(job.progress);
    if (terminal) {
      document.title = `${STATUS_LABELS[job.status]} — ${job.original.filename} — ImageUpscalerPro`;
      const again = document.querySelector('#again .button');
      again.classList.add('primary');
      again.classList.remove('secondary');
      stopUpdates();
    } else if (job.status === 'queued') {
      document.title = `${STATUS_LABELS.queued} — ${job.original.filename} — ImageUpscalerPro`;
    }
    const thumb = $('job-thumb');
    if (thumb) thumb.hidden = job.status === 'completed';
    if (job.status === 'completed') showResult(job);
  }

  function applyProgressEvent(event) {
    if (TERMINAL.has(state.status)) return;
    if (event.status && event.status !== state.status && event.status === 'running') {
      state.status = 'running';
      page.dataset.status = 'running';
      badge.dataset.status = 'running';
      setText(badge, STATUS_LABELS.running);
      setText(message, statusSentence({ status: 'running' }));
    }
    if (event.progress >= state.progress) showProgress(event.progress);
  }

  // -- the result ----------------------------------------------------------------------

  function showResult(job) {
    const section = $('result');
    const download = $('download');
    if (job.result_url) download.href = job.result_url;
    if (state.resultShown) return;
    state.resultShown = true;
    const result = job.result;
    if (result) {
      setText($('download-label'), `Download ${TYPE_LABELS[result.mime_type] || ''}`.trim());
      setText($('download-size'), formatBytes(result.size_bytes));
      setText($('fact-result'), `${formatDimensions(result.width, result.height)} · ${formatBytes(result.size_bytes)}`);
    }
    const frames = job.original.frames > 1 ? ` · ${job.original.frames} frames` : '';
    setText($('fact-original'), `${formatDimensions(job.original.width, job.original.height)}${frames} · ${formatBytes(job.original.size_bytes)}`);
    if (job.instant_repeat) {
      setText($('fact-duration'), "no time: an identical earlier job's result");
    } else if (job.duration_seconds !== null && job.duration_seconds !== undefined) {
      setText($('fact-duration'), `${job.duration_seconds.toFixed(1)} s`);
    }
    setText($('fact-model'), job.model || '');
    section.hidden = false;
    setUpImages(job);
  }

  function setUpImages(job) {
    const after = $('after-image');
    const before = $('before-image');
    const result = job.result;
    if (result) {
      after.width = result.width;
      after.height = result.height;
      after.alt = `The upscaled result, ${result.width} × ${result.height} pixels`;
    }
    // The small preview first, then the full result once it has loaded.
    const full = job.result_url;
    const first = job.thumbnail_url || full;
    if (first && after.getAttribute('src') !== first && !after.dataset.loadedFull) after.src = first;
    if (full && first !== full) {
      const loader = new Image();
      loader.onload = () => {
        after.src = full;
        after.dataset.loadedFull = 'true';
        $('compare').classList.add('has-full-result');
      };
      loader.onerror = () => {
        if (!job.thumbnail_url) return;
        addNote('Your browser cannot display the result in its format, so a preview is shown; the download is the full image.');
      };
      loader.src = full;
    } else if (full) {
      after.dataset.loadedFull = 'true';
      $('compare').classList.add('has-full-result');
    }
    if (job.original.mime_type === 'image/tiff') {
      // Browsers cannot draw TIFF: show the result alone, and say why.
      showWithoutOriginal();
      return;
    }
    if (before.getAttribute('src') !== job.original_url) before.src = job.original_url;
    before.addEventListener('error', showWithoutOriginal);
    ensureComparison(result ? result.width : 0, result ? result.height : 0);
  }

  const notes = new Set();

  function addNote(text) {
    const noteBox = $('compare-note');
    if (!notes.size && noteBox.textContent.trim()) notes.add(noteBox.textContent.trim());
    notes.add(text);
    noteBox.textContent = Array.from(notes).join(' ');
    noteBox.hidden = false;
  }

  function showWithoutOriginal() {
    addNote('Your browser cannot display the original image (TIFF), so there is no comparison; the result is shown alone.');
    $('compare').classList.add('no-original');
    $('compare-hint').hidden = true;
    $('compare-handle').hidden = true;
  }

  function ensureComparison(naturalWidth, naturalHeight) {
    if (comparison) {
      comparison.setNaturalSize(naturalWidth, naturalHeight);
      return;
    }
    comparison = setUpComparison({
      root: $('compare'),
      stage: $('compare-stage'),
      viewport: $('compare-viewport'),
      handle: $('compare-handle'),
      zoomButton: $('zoom-toggle'),
      hint: $('compare-hint'),
      naturalWidth,
      naturalHeight,
    });
  }

  // -- updates: events first, polling when they fail ---------------------------------------

  function stopUpdates() {
    if (source) {
      source.close();
      source = null;
    }
    clearTimeout(pollTimer);
    pollTimer = null;
    note.hidden = true;
  }

  function listen() {
    if (!('EventSource' in window)) {
      startPolling();
      return;
    }
    source = new EventSource(eventsUrl);
    source.addEventListener('open', () => {
      setTransport('sse');
      note.hidden = true;
    });
    source.addEventListener('state', (event) => {
      failures = 0;
      setTransport('sse');
      note.hidden = true;
      applyJob(JSON.parse(event.data));
    });
    source.addEventListener('progress', (event) => {
      failures = 0;
      applyProgressEvent(JSON.parse(event.data));
    });
    source.addEventListener('error', () => {
      if (!source) return;
      if (TERMINAL.has(state.status)) {
        stopUpdates();
        return;
      }
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures >= MAX_EVENT_FAILURES) {
        source.close();
        source = null;
        startPolling();
        return;
      }
      // The browser reconnects by itself (the server also ends each stream after a few minutes).
      setTransport('reconnecting');
      note.textContent = 'Connection lost; reconnecting…';
      note.hidden = false;
    });
  }

  function startPolling() {
    setTransport('polling');
    pollDelay = POLL_MIN_MS;
    schedulePoll(0);
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    if (delay >= 3000) {
      note.textContent = `Live updates are unavailable; checking again in ${formatDuration(delay / 1000)}.`;
      note.hidden = false;
    }
    pollTimer = setTimeout(poll, delay);
  }

  async function poll() {
    const before = `${state.status}:${state.progress}`;
    try {
      const response = await fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (response.status === 404) {
        setText(message, 'This job no longer exists.');
        stopUpdates();
        return;
      }
      if (!response.ok) throw new Error(`status ${response.status}`);
      const job = await response.json();
      applyJob(job);
      if (TERMINAL.has(job.status)) return;
      const changed = `${job.status}:${job.progress}` !== before;
      pollDelay = changed ? POLL_MIN_MS : Math.min(pollDelay * 2, POLL_MAX_MS);
      note.hidden = pollDelay < 3000;
    } catch {
      pollDelay = Math.min(pollDelay * 2, POLL_MAX_MS);
    }
    schedulePoll(pollDelay);
  }

  // -- cancel --------------------------------------------------------------------------------

  cancelForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    cancelButton.disabled = true;
    cancelError.hidden = true;
    setText(cancelButton, 'Canceling…');
    try {
      const response = await fetch(cancelUrl, { method: 'POST', headers: { Accept: 'application/json' } });
      if (response.ok) {
        applyJob(await response.json());
      } else if (response.status === 409) {
        const latest = await fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' });
        if (latest.ok) applyJob(await latest.json());
      } else {
        throw new Error(`status ${response.status}`);
      }
    } catch {
      cancelError.textContent = 'The job could not be canceled. Please try again.';
      cancelError.hidden = false;
    } finally {
      cancelButton.disabled = false;
      setText(cancelButton, 'Cancel job');
    }
  });

  // -- start -----------------------------------------------------------------------------------

  setInterval(renderEta, 1000);
  if (TERMINAL.has(state.status)) {
    // Rendered finished: the comparison works at once, and one fetch of the job
    // brings the rest (the full-size result after its preview).
    if (state.status === 'completed' && !$('compare').classList.contains('no-original')) {
      const after = $('after-image');
      ensureComparison(Number(after.getAttribute('width')) || 0, Number(after.getAttribute('height')) || 0);
    }
    fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then((response) => (response.ok ? response.json() : null))
      .then((job) => { if (job) applyJob(job); })
      .catch(() => {});
  } else {
    listen();
  }
  setInterval(async () => {
    if (state.status !== 'completed') return;
    try {
      const response = await fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (response.ok) {
        const job = await response.json();
        if (job.result_url) $('download').href = job.result_url;
      }
    } catch {
      // Keep the current link; the next refresh may work.
    }
  }, LINK_REFRESH_MS);
}

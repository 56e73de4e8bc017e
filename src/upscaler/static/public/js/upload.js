// The landing page's upload form: checks a file before it is sent (type from
// its bytes, size, pixels), previews it, sends it with upload progress and
// opens the job page; server refusals are shown next to the right control.
// Without this script the form still posts to /upload.

import { formatBytes, formatDimensions, formatDuration, formatPixels, sentence } from './format.js';
import { setUpModelCompare } from './models-preview.js';
import {
  LABEL_BY_MIME, MIME_BY_KIND, describeOther, kindFromName, sniffKind, tiffDimensions,
} from './sniff.js';

const FIELDS = ['file', 'factor', 'preset', 'denoise', 'refine_faces', 'model', 'output_format', 'quality', 'captcha_token'];
const FILE_STATUSES = [413, 415, 422];

const form = document.getElementById('upload-form');
if (form) setUp(form);

function setUp(formElement) {
  const $ = (id) => document.getElementById(id);
  const fileInput = $('file');
  const dropzone = $('dropzone');
  const preview = $('preview');
  const previewImage = $('preview-image');
  const placeholder = $('preview-placeholder');
  const submit = $('submit');
  const progressBox = $('upload-progress');
  const progressBar = $('upload-bar');
  const progressLabel = $('upload-label');
  const formError = $('form-error');
  const formErrorText = $('form-error-text');
  const qualityField = $('field-quality');
  const quality = $('quality');

  // Our own checks replace the browser's bubbles, so every message reads alike.
  formElement.noValidate = true;

  // A model chosen from the comparison: shown in the facts, its estimate too.
  let modelEstimate = null;
  const modelCompare = setUpModelCompare({
    formElement,
    onModelChosen(name, estimate) {
      modelEstimate = name ? estimate : null;
      $('preview-model').textContent = name || 'the best for the kind of image';
      clearFieldError('model');
      updateDimensions();
    },
  });

  const fallbackInfo = {
    accepting_uploads: !submit.disabled,
    limits: {
      max_upload_size_bytes: Number(formElement.dataset.maxBytes),
      max_input_pixels: Number(formElement.dataset.maxPixels),
      accepted_mime_types: formElement.dataset.mimes.split(','),
      rate_limit_per_minute: 0,
    },
    choices: { lossy_formats: qualityField.dataset.lossy.split(',') },
    queue: null,
  };
  let info = fallbackInfo;
  const infoReady = fetch('/api/v1/service-info', { headers: { Accept: 'application/json' } })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null)
    .then((fresh) => {
      if (fresh) info = fresh;
      applyInfo();
      return info;
    });

  let chosen = null; // { file, kind, width, height } once a file passed the checks
  let batch = null; // [{ file, path }] when several files or a folder were chosen
  let checking = Promise.resolve();
  let checkNumber = 0;
  let objectUrl = null;
  let xhr = null;
  let retryTimer = null;

  // -- messages --------------------------------------------------------------

  function slot(name) {
    return document.getElementById(`${name}-error`);
  }

  function controlsOf(name) {
    return Array.from(formElement.querySelectorAll(`[name="${name}"]`));
  }

  function showFieldError(name, message) {
    const box = slot(name);
    if (!box) return false;
    box.querySelector('.field-error-text').textContent = message;
    box.hidden = false;
    const field = box.closest('.field');
    if (field) field.classList.add('has-error');
    for (const control of controlsOf(name)) control.setAttribute('aria-invalid', 'true');
    return true;
  }

  function clearFieldError(name) {
    const box = slot(name);
    if (!box) return;
    box.hidden = true;
    box.querySelector('.field-error-text').textContent = '';
    const field = box.closest('.field');
    if (field) field.classList.remove('has-error');
    for (const control of controlsOf(name)) control.removeAttribute('aria-invalid');
  }

  function showFormError(message, { focus = true } = {}) {
    formErrorText.textContent = message;
    for (const extra of formError.querySelectorAll(':scope > :not(#form-error-text)')) extra.remove();
    formError.hidden = false;
    if (focus) formError.focus();
  }

  function clearErrors() {
    for (const name of FIELDS) if (name !== 'file') clearFieldError(name);
    formError.hidden = true;
    formErrorText.textContent = '';
  }

  function firstInvalidControl() {
    return formElement.querySelector('[aria-invalid="true"]');
  }

  // -- service info ------------------------------------------------------------

  function applyInfo() {
    const notice = document.getElementById('service-notice');
    if (!info.accepting_uploads && info.notice) {
      notice.textContent = `Uploads are paused. ${info.notice}`;
      notice.hidden = false;
      submit.disabled = true;
    }
    updateQualityVisibility();
  }

  function acceptedText() {
    const labels = info.limits.accepted_mime_types.map((mime) => LABEL_BY_MIME[mime] || mime);
    if (labels.length < 2) return labels.join('');
    return `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
  }

  // -- checking a file -----------------------------------------------------------

  function decode(url) {
    return new Promise((resolve) => {
      const image = new Image();
      image.onload = () => resolve({ width: image.naturalWidth, height: image.naturalHeight });
      image.onerror = () => resolve(null);
      image.src = url;
    });
  }

  async function inspect(file) {
    const name = file.name || 'The file';
    const quoted = file.name ? `“${file.name}”` : 'This file';
    const limits = info.limits;
    if (file.size === 0) return { error: `${quoted} is empty.` };
    const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
    const kind = sniffKind(head);
    if (!kind) {
      const other = describeOther(head);
      if (other) {
        return { error: `${quoted} is ${other}, which cannot be upscaled here. Choose a ${acceptedText()} image.` };
      }
      const named = kindFromName(name);
      if (named) {
        const label = LABEL_BY_MIME[MIME_BY_KIND[named]];
        return { error: `${quoted} is named like a ${label} image, but its contents are not one: it may be damaged or renamed. Choose a ${acceptedText()} image.` };
      }
      return { error: `${quoted} is not an image this service can read. Choose a ${acceptedText()} image.` };
    }
    const mime = MIME_BY_KIND[kind];
    if (!limits.accepted_mime_types.includes(mime)) {
      return { error: `${LABEL_BY_MIME[mime]} images are not accepted here. Choose a ${acceptedText()} image.` };
    }
    if (file.size > limits.max_upload_size_bytes) {
      return {
        error: `${quoted} is ${formatBytes(file.size)}; the limit is ${formatBytes(limits.max_upload_size_bytes)}. `
          + 'Choose a smaller file, or save the image as JPEG or WebP to make it smaller.',
      };
    }
    let size = null;
    let url = null;
    if (kind === 'tiff') {
      size = await tiffDimensions(file).catch(() => null);
    } else {
      url = URL.createObjectURL(file);
      size = await decode(url);
    }
    if (!size) {
      if (url) URL.revokeObjectURL(url);
      if (kind === 'tiff') return { file, kind, width: null, height: null, url: null };
      return { error: `${quoted} could not be read as an image: it may be damaged or incomplete.` };
    }
    const pixels = size.width * size.height;
    if (pixels > limits.max_input_pixels) {
      if (url) URL.revokeObjectURL(url);
      return {
        error: `This image is ${size.width} × ${size.height} pixels (${formatPixels(pixels)}); `
          + `the limit is ${formatPixels(limits.max_input_pixels)}. Crop or shrink it first.`,
      };
    }
    return { file, kind, width: size.width, height: size.height, url };
  }

  // -- several files or a folder: a batch ----------------------------------------

  const batchBox = $('batch-chosen');

  function clearBatch() {
    batch = null;
    batchBox.hidden = true;
    $('batch-list').replaceChildren();
  }

  function chooseBatch(items) {
    ++checkNumber;
    chosen = null;
    clearFieldError('file');
    formError.hidden = true;
    hidePreview();
    batch = items;
    const total = items.reduce((sum, item) => sum + item.file.size, 0);
    $('batch-summary').textContent = `${items.length} files chosen (${formatBytes(total)}): each image is upscaled with the options below, and you get one ZIP of the results.`;
    const list = $('batch-list');
    list.replaceChildren(...items.slice(0, 50).map((item) => {
      const entry = document.createElement('li');
      entry.textContent = item.path;
      return entry;
    }));
    if (items.length > 50) {
      const more = document.createElement('li');
      more.textContent = `and ${items.length - 50} more`;
      list.append(more);
    }
    batchBox.hidden = false;
    dropzone.classList.add('has-file');
    checking = Promise.resolve();
  }

  $('clear-batch').addEventListener('click', () => {
    fileInput.value = '';
    clearBatch();
    dropzone.classList.remove('has-file');
    fileInput.focus();
  });

  // A dropped folder is read through the entries API, keeping its paths.
  async function readEntry(entry, into) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => { entry.file(resolve, reject); });
      into.push({ file, path: entry.fullPath.replace(/^\//, '') });
      return;
    }
    if (!entry.isDirectory) return;
    const reader = entry.createReader();
    for (;;) {
      const children = await new Promise((resolve, reject) => { reader.readEntries(resolve, reject); });
      if (!children.length) return;
      for (const child of children) await readEntry(child, into);
    }
  }

  async function droppedItems(event) {
    const items = Array.from(event.dataTransfer?.items || []);
    const entries = items.map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
    if (entries.length && entries.every(Boolean) && entries.some((entry) => entry.isDirectory)) {
      const found = [];
      for (const entry of entries) await readEntry(entry, found);
      return found;
    }
    return Array.from(event.dataTransfer?.files || []).map((file) => ({ file, path: file.name }));
  }

  function chooseFile(file) {
    clearBatch();
    const number = ++checkNumber;
    chosen = null;
    clearFieldError('file');
    formError.hidden = true;
    hidePreview();
    if (!file) {
      checking = Promise.resolve();
      return checking;
    }
    checking = infoReady.then(() => inspect(file)).then((result) => {
      if (number !== checkNumber) {
        if (result.url) URL.revokeObjectURL(result.url);
        return;
      }
      if (result.error) {
        showFieldError('file', result.error);
        return;
      }
      chosen = result;
      showPreview(result);
    });
    return checking;
  }

  // -- preview -------------------------------------------------------------------

  function factorScale() {
    const value = formElement.elements.factor.value || '4x';
    return Number.parseInt(value, 10) || 4;
  }

  function hidePreview() {
    modelCompare.reset();
    preview.hidden = true;
    dropzone.classList.remove('has-file');
    previewImage.hidden = true;
    previewImage.removeAttribute('src');
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
  }

  function showPreview(result) {
    objectUrl = result.url;
    if (result.url) {
      previewImage.src = result.url;
      previewImage.alt = `Preview of ${result.file.name || 'the chosen image'}`;
      previewImage.hidden = false;
      placeholder.hidden = true;
    } else {
      placeholder.hidden = false;
    }
    document.getElementById('preview-name').textContent = result.file.name || 'pasted image';
    document.getElementById('preview-size').textContent = formatBytes(result.file.size);
    updateDimensions();
    preview.hidden = false;
    dropzone.classList.add('has-file');
    updateQualityVisibility();
    modelCompare.show(result);
  }

  function updateDimensions() {
    if (!chosen) return;
    const scale = factorScale();
    const dims = document.getElementById('preview-dimensions');
    const output = document.getElementById('preview-output');
    const estimate = document.getElementById('preview-estimate');
    if (chosen.width) {
      dims.textContent = formatDimensions(chosen.width, chosen.height);
      output.textContent = `${formatDimensions(chosen.width * scale, chosen.height * scale)} (${scale}×)`;
    } else {
      dims.textContent = 'unknown';
      output.textContent = `${scale}× the width and height`;
    }
    const queue = info.queue;
    if (modelEstimate != null) {
      estimate.textContent = `about ${formatDuration(modelEstimate)} with the chosen model, plus any wait`;
    } else if (queue && chosen.width) {
      const own = (queue.seconds_per_megapixel * chosen.width * chosen.height) / 1e6;
      const ahead = queue.queued_jobs + queue.running_jobs;
      const seconds = Math.max(2, own * (1 + ahead));
      const wait = ahead ? ` (${ahead} job${ahead === 1 ? '' : 's'} ahead of you)` : '';
      estimate.textContent = `about ${formatDuration(seconds)}${wait}`;
    } else {
      estimate.textContent = 'shown once the job starts';
    }
  }

  function updateQualityVisibility() {
    const format = formElement.elements.output_format.value;
    const lossy = info.choices.lossy_formats;
    const keepsLossy = format === 'same' && chosen && ['jpeg', 'webp'].includes(chosen.kind);
    qualityField.hidden = !(lossy.includes(format) || keepsLossy);
  }

  // -- choosing: picker, drag and drop, paste ---------------------------------------

  // Several files at once make a batch (the page without script sends one).
  fileInput.multiple = true;
  fileInput.addEventListener('change', () => {
    const files = Array.from(fileInput.files || []);
    if (files.length > 1) {
      chooseBatch(files.map((file) => ({ file, path: file.webkitRelativePath || file.name })));
    } else {
      chooseFile(files[0]);
    }
  });

  document.getElementById('clear-file').addEventListener('click', () => {
    fileInput.value = '';
    chooseFile(null);
    fileInput.focus();
  });

  function droppedFile(event) {
    const files = event.dataTransfer && event.dataTransfer.files;
    return files && files.length ? files : null;
  }

  let dragDepth = 0;
  document.addEventListener('dragenter', (event) => {
    if (!Array.from(event.dataTransfer?.types || []).includes('Files')) return;
    dragDepth += 1;
    dropzone.classList.add('is-dragging');
  });
  document.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropzone.classList.remove('is-dragging');
  });
  document.addEventListener('dragover', (event) => {
    // Anywhere on the page: a dropped file must not replace the page.
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('drop', async (event) => {
    event.preventDefault();
    dragDepth = 0;
    dropzone.classList.remove('is-dragging');
    const files = droppedFile(event);
    if (!files) {
      showFieldError('file', 'Drop an image file from your device (not a link or text).');
      return;
    }
    const items = await droppedItems(event);
    if (items.length > 1 || (items.length === 1 && items[0].path.includes('/'))) {
      chooseBatch(items);
      return;
    }
    try {
      fileInput.files = files; // keeps the form and the chosen file in step
    } catch {
      // Older browsers: the file is still kept in `chosen`.
    }
    chooseFile(files[0]);
  });

  document.addEventListener('paste', (event) => {
    const items = Array.from(event.clipboardData?.files || []);
    if (!items.length) return;
    event.preventDefault();
    chooseFile(items[0]);
  });

  formElement.addEventListener('change', (event) => {
    const name = event.target.name;
    if (name && name !== 'file') clearFieldError(name);
    if (name === 'factor') updateDimensions();
    if (name === 'factor' || name === 'denoise') modelCompare.settingsChanged();
    if (name === 'output_format') updateQualityVisibility();
  });

  // -- sending -----------------------------------------------------------------------

  function setBusy(busy) {
    submit.disabled = busy || !info.accepting_uploads || Boolean(retryTimer);
    formElement.setAttribute('aria-busy', busy ? 'true' : 'false');
    progressBox.hidden = !busy;
  }

  function startRetryCountdown(seconds) {
    let left = Math.max(1, Math.ceil(seconds));
    const perMinute = info.limits.rate_limit_per_minute;
    const limitText = perMinute ? ` (at most ${perMinute} per minute)` : '';
    const render = () => {
      formErrorText.textContent = `Too many uploads from your connection${limitText}. You can upload again in ${formatDuration(left)}.`;
    };
    clearInterval(retryTimer);
    retryTimer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        clearInterval(retryTimer);
        retryTimer = null;
        formErrorText.textContent = 'You can upload again now.';
        submit.disabled = !info.accepting_uploads;
        return;
      }
      render();
    }, 1000);
    showFormError('');
    render();
    submit.disabled = true;
  }

  function showServerError(status, body, retryAfter) {
    const error = (body && body.error) || {};
    const message = sentence(error.message || `The server answered with status ${status}`);
    if (FILE_STATUSES.includes(status)) {
      showFieldError('file', message);
      fileInput.focus();
      return;
    }
    if (status === 429 && error.code === 'rate_limited') {
      startRetryCountdown(Number(retryAfter) || 60);
      return;
    }
    if (status === 429) {
      // The account's daily quota or the full queue: the server says which.
      showFormError(message);
      return;
    }
    if (status === 503) {
      const later = retryAfter ? ` Please try again in ${formatDuration(Number(retryAfter))}.` : '';
      showFormError(`${message}${later}`);
      return;
    }
    let placed = 0;
    for (const problem of error.fields || []) {
      if (FIELDS.includes(problem.field) && showFieldError(problem.field, sentence(problem.message))) {
        placed += 1;
      }
    }
    if (placed) {
      showFormError('Some choices need attention: see the highlighted fields.', { focus: false });
      const control = firstInvalidControl();
      if (control) control.focus();
      return;
    }
    showFormError(message);
  }

  function send(file) {
    const data = new FormData(formElement);
    data.delete('file');
    if (batch) {
      data.delete('model');
      for (const item of batch) data.append('file', item.file, item.path || item.file.name);
    } else {
      data.set('file', file, file.name || 'image');
    }
    if (qualityField.hidden) data.delete('quality');
    xhr = new XMLHttpRequest();
    const request = xhr;
    request.open('POST', batch ? '/api/v1/batches' : '/api/v1/uploads');
    request.setRequestHeader('Accept', 'application/json');
    progressBar.value = 0;
    progressLabel.textContent = 'Uploading… 0 %';
    request.upload.addEventListener('progress', (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.round((event.loaded / event.total) * 100);
      progressBar.value = percent;
      progressLabel.textContent = `Uploading… ${percent} %`;
    });
    request.upload.addEventListener('load', () => {
      progressBar.value = 100;
      progressLabel.textContent = 'Uploaded; checking the image…';
    });
    request.addEventListener('load', () => {
      xhr = null;
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      if (request.status === 202 && body && body.job_id) {
        progressLabel.textContent = 'Uploaded. Opening the job page…';
        window.location.assign(`/jobs/${encodeURIComponent(body.job_id)}`);
        return;
      }
      if (request.status === 202 && body && body.batch_id) {
        progressLabel.textContent = 'Uploaded. Opening the batch page…';
        window.location.assign(`/batches/${encodeURIComponent(body.batch_id)}`);
        return;
      }
      setBusy(false);
      showServerError(request.status, body, request.getResponseHeader('Retry-After'));
    });
    request.addEventListener('error', () => {
      xhr = null;
      setBusy(false);
      showFormError('The upload did not reach the server. Check your connection and try again.');
    });
    request.addEventListener('abort', () => {
      xhr = null;
      setBusy(false);
      showFormError('Upload stopped. Nothing was sent to be upscaled.');
    });
    setBusy(true);
    request.send(data);
  }

  document.getElementById('abort-upload').addEventListener('click', () => {
    if (xhr) xhr.abort();
  });

  // Back from the job page (page cache): the form is usable again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    xhr = null;
    setBusy(false);
  });
  // The page's own data decides at once (service-info may answer later).
  updateQualityVisibility();
  // A file the browser kept in the field (reload, back) is checked like a new one.
  if (fileInput.files && fileInput.files[0]) chooseFile(fileInput.files[0]);

  formElement.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (xhr) return;
    clearErrors();
    await checking;
    if (!info.accepting_uploads) {
      showFormError(sentence(info.notice || 'Uploads are paused right now'));
      return;
    }
    if (batch) {
      send(null);
      return;
    }
    if (!chosen) {
      if (slot('file').hidden) showFieldError('file', 'Choose an image to upscale first.');
      fileInput.focus();
      return;
    }
    if (!qualityField.hidden) {
      const value = Number(quality.value);
      if (!Number.isInteger(value) || value < 1 || value > 100) {
        showFieldError('quality', 'Quality must be a whole number from 1 to 100.');
        quality.focus();
        return;
      }
    }
    send(chosen.file);
  });
}

// "Compare the models": a part of the chosen image (the most detailed
// 128 × 128 square unless the person picks one) is upscaled by every
// installed model through POST /api/v1/previews; the results appear side by
// side as they finish, each with its estimate for the whole image, and
// "Use this model" puts the model's name in the form's `model` field.

import { formatDuration, sentence } from './format.js';

const SIDE = 128;
const POLL_MS = 400;
const KEY_MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
const KEY_STEP = 16;

export function setUpModelCompare({ formElement, onModelChosen }) {
  const $ = (id) => document.getElementById(id);
  const section = $('model-compare');
  const picker = $('crop-picker');
  const source = $('crop-source');
  const marker = $('crop-marker');
  const button = $('compare-models');
  const status = $('compare-status');
  const list = $('model-previews');
  const modelInput = $('model');

  let chosen = null; // the checked file: { file, width, height, url }
  let crop = null; // { x, y } picked by the person, or null for the server's choice
  let shown = null; // the crop the last preview used (full-image pixels)
  let run = 0; // the current comparison; older polls stop

  function place(box) {
    if (!chosen || !chosen.width || !box) {
      marker.hidden = true;
      return;
    }
    const width = Math.min(box.width || SIDE, chosen.width);
    const height = Math.min(box.height || SIDE, chosen.height);
    marker.style.left = `${(box.x / chosen.width) * 100}%`;
    marker.style.top = `${(box.y / chosen.height) * 100}%`;
    marker.style.width = `${(width / chosen.width) * 100}%`;
    marker.style.height = `${(height / chosen.height) * 100}%`;
    marker.hidden = false;
  }

  function clamp(x, y) {
    return {
      x: Math.round(Math.max(0, Math.min(x, chosen.width - Math.min(SIDE, chosen.width)))),
      y: Math.round(Math.max(0, Math.min(y, chosen.height - Math.min(SIDE, chosen.height)))),
    };
  }

  function pick(x, y) {
    crop = clamp(x, y);
    place({ ...crop, width: SIDE, height: SIDE });
    status.textContent = 'Part chosen. Compare the models to see it upscaled.';
  }

  picker.addEventListener('click', (event) => {
    if (!chosen || !chosen.width) return;
    const box = source.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * chosen.width - SIDE / 2;
    const y = ((event.clientY - box.top) / box.height) * chosen.height - SIDE / 2;
    pick(x, y);
  });

  picker.addEventListener('keydown', (event) => {
    const move = KEY_MOVES[event.key];
    if (!move || !chosen || !chosen.width) return;
    event.preventDefault();
    const from = crop || shown || clamp((chosen.width - SIDE) / 2, (chosen.height - SIDE) / 2);
    pick(from.x + move[0] * KEY_STEP, from.y + move[1] * KEY_STEP);
  });

  function setModel(name, estimate) {
    modelInput.value = name || '';
    for (const item of list.querySelectorAll('[data-model]')) {
      const use = item.querySelector('button');
      const mine = item.dataset.model === name;
      item.classList.toggle('is-chosen', mine);
      if (use) {
        use.setAttribute('aria-pressed', mine ? 'true' : 'false');
        use.textContent = mine ? 'Chosen' : 'Use this model';
      }
    }
    onModelChosen(name || null, estimate);
  }

  function card(entry) {
    const item = document.createElement('li');
    item.className = 'model-preview';
    item.dataset.model = entry.model;
    item.dataset.status = entry.status;
    const figure = document.createElement('figure');
    const frame = document.createElement('div');
    frame.className = 'model-preview-frame';
    if (entry.status === 'completed') {
      const image = document.createElement('img');
      image.src = entry.image_url;
      image.alt = `The part upscaled by ${entry.model}`;
      frame.append(image);
    } else {
      const note = document.createElement('p');
      note.className = 'model-preview-note';
      note.textContent = entry.status === 'failed'
        ? sentence(entry.error || 'this model failed on the part')
        : 'Upscaling…';
      frame.append(note);
    }
    const caption = document.createElement('figcaption');
    const name = document.createElement('strong');
    name.textContent = entry.model;
    const facts = document.createElement('span');
    const took = entry.seconds != null ? `this part took ${formatDuration(Math.max(1, entry.seconds))} · ` : '';
    facts.textContent = `${took}the whole image about ${formatDuration(entry.estimated_seconds)}`;
    caption.append(name, document.createElement('br'), facts);
    figure.append(frame, caption);
    item.append(figure);
    if (entry.status === 'completed') {
      const use = document.createElement('button');
      use.type = 'button';
      use.className = 'button secondary';
      const mine = modelInput.value === entry.model;
      use.setAttribute('aria-pressed', mine ? 'true' : 'false');
      use.textContent = mine ? 'Chosen' : 'Use this model';
      use.addEventListener('click', () => setModel(entry.model, entry.estimated_seconds));
      item.classList.toggle('is-chosen', mine);
      item.append(use);
    }
    return item;
  }

  function originalCard(preview) {
    const item = document.createElement('li');
    item.className = 'model-preview is-original';
    const figure = document.createElement('figure');
    const frame = document.createElement('div');
    frame.className = 'model-preview-frame';
    const image = document.createElement('img');
    image.src = preview.crop_url;
    image.alt = 'The part of your image, enlarged without a model';
    frame.append(image);
    const caption = document.createElement('figcaption');
    const name = document.createElement('strong');
    name.textContent = 'Original';
    const facts = document.createElement('span');
    facts.textContent = `${preview.crop.width} × ${preview.crop.height} px, simply enlarged`;
    caption.append(name, document.createElement('br'), facts);
    figure.append(frame, caption);
    item.append(figure);
    return item;
  }

  // Cards are replaced only when their state changes, so a finished image
  // is not loaded again on every poll.
  function render(preview) {
    if (!list.querySelector('.is-original')) list.replaceChildren(originalCard(preview));
    for (const entry of preview.models) {
      const old = list.querySelector(`[data-model="${CSS.escape(entry.model)}"]`);
      if (old && old.dataset.status === entry.status) continue;
      const fresh = card(entry);
      if (old) old.replaceWith(fresh);
      else list.append(fresh);
    }
  }

  function summary(preview) {
    const done = preview.models.filter((m) => m.status === 'completed').length;
    const total = preview.models.length;
    if (preview.status === 'completed' || preview.status === 'failed') {
      return done === total
        ? `All ${total} models are done. Choose the one you like, then upscale the image.`
        : `${done} of ${total} models are done; the others failed on this part.`;
    }
    return `Upscaling the part with each model: ${done} of ${total} done…`;
  }

  async function poll(url, number) {
    while (number === run) {
      let preview = null;
      try {
        const response = await fetch(url, { headers: { Accept: 'application/json' } });
        if (response.ok) preview = await response.json();
      } catch {
        preview = null;
      }
      if (number !== run) return;
      if (preview) {
        render(preview);
        status.textContent = summary(preview);
        if (preview.status === 'completed' || preview.status === 'failed') {
          button.disabled = false;
          return;
        }
      }
      await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
    }
  }

  async function compare() {
    if (!chosen) return;
    const number = ++run;
    const data = new FormData();
    data.set('file', chosen.file, chosen.file.name || 'image');
    data.set('factor', formElement.elements.factor.value || '4x');
    data.set('denoise', formElement.elements.denoise.value || 'none');
    if (crop) {
      data.set('x', String(crop.x));
      data.set('y', String(crop.y));
    }
    button.disabled = true;
    list.replaceChildren();
    status.textContent = 'Sending the image…';
    let response = null;
    let body = null;
    try {
      response = await fetch('/api/v1/previews', { method: 'POST', body: data, headers: { Accept: 'application/json' } });
      body = await response.json().catch(() => null);
    } catch {
      response = null;
    }
    if (number !== run) return;
    if (!response || !body || ![200, 202].includes(response.status)) {
      button.disabled = false;
      const retry = response && response.headers.get('Retry-After');
      const message = body && body.error ? sentence(body.error.message) : 'The comparison could not start. Check your connection and try again.';
      status.textContent = retry ? `${message} Try again in ${formatDuration(Number(retry))}.` : message;
      return;
    }
    shown = { x: body.crop.x, y: body.crop.y };
    place(body.crop);
    render(body);
    status.textContent = summary(body);
    poll(body.status_url, number);
  }

  button.addEventListener('click', compare);

  return {
    show(result) {
      chosen = result;
      crop = null;
      shown = null;
      run += 1;
      list.replaceChildren();
      status.textContent = '';
      button.disabled = false;
      if (result.url && result.width) {
        source.src = result.url;
        picker.hidden = false;
      } else {
        picker.hidden = true; // TIFF: the browser cannot show it; the server still picks a part
      }
      marker.hidden = true;
      section.hidden = false;
    },
    reset() {
      chosen = null;
      run += 1;
      section.hidden = true;
      picker.hidden = true;
      source.removeAttribute('src');
      list.replaceChildren();
      status.textContent = '';
      setModel('', null);
    },
    settingsChanged() {
      if (list.children.length) {
        status.textContent = 'The settings changed since this comparison: compare again to see them.';
      }
    },
  };
}

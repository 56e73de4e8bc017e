// The before/after comparison: the original is laid over the result and
// clipped at the divider. Pointer (mouse, pen, touch) and keyboard move it;
// "Zoom to 100 %" shows the result at its real size in a scrollable frame.

const KEY_STEPS = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 };

export function setUpComparison({
  root, stage, viewport, handle, zoomButton, hint, naturalWidth, naturalHeight,
}) {
  let position = 50;
  let dragging = null;
  let zoomed = false;

  function set(value) {
    position = Math.min(100, Math.max(0, value));
    const rounded = Math.round(position);
    root.style.setProperty('--pos', `${position}%`);
    handle.setAttribute('aria-valuenow', String(rounded));
    handle.setAttribute('aria-valuetext', `${rounded} % original, ${100 - rounded} % upscaled`);
  }

  function fromPointer(event) {
    const box = stage.getBoundingClientRect();
    return box.width ? ((event.clientX - box.left) / box.width) * 100 : position;
  }

  stage.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    // Zoomed in, dragging the picture scrolls it; only the handle moves the divider.
    if (zoomed && !handle.contains(event.target)) return;
    dragging = event.pointerId;
    stage.setPointerCapture(event.pointerId);
    root.classList.add('is-dragging');
    set(fromPointer(event));
    handle.focus({ preventScroll: true });
    event.preventDefault();
  });
  stage.addEventListener('pointermove', (event) => {
    if (dragging === event.pointerId) set(fromPointer(event));
  });
  const stop = (event) => {
    if (dragging !== event.pointerId) return;
    dragging = null;
    root.classList.remove('is-dragging');
  };
  stage.addEventListener('pointerup', stop);
  stage.addEventListener('pointercancel', stop);

  handle.addEventListener('keydown', (event) => {
    let next = null;
    if (event.key in KEY_STEPS) next = position + KEY_STEPS[event.key] * (event.shiftKey ? 10 : 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = 100;
    if (next === null) return;
    event.preventDefault();
    set(next);
    if (zoomed) keepHandleInView();
  });

  function keepHandleInView() {
    const x = (stage.offsetWidth * position) / 100;
    const left = viewport.scrollLeft;
    if (x < left + 24 || x > left + viewport.clientWidth - 24) {
      viewport.scrollLeft = x - viewport.clientWidth / 2;
    }
  }

  function setZoom(on) {
    zoomed = on;
    root.classList.toggle('is-zoomed', on);
    zoomButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    zoomButton.textContent = on ? 'Fit to screen' : 'Zoom to 100 %';
    if (on) keepHandleInView();
  }

  /** The result's real size: the limit of "fit" and the size of "100 %". */
  function setNaturalSize(width, height) {
    if (width) stage.style.setProperty('--natural-width', `${width}px`);
    if (width && height) stage.style.setProperty('--aspect', String(width / height));
  }

  zoomButton.addEventListener('click', () => setZoom(!zoomed));
  setNaturalSize(naturalWidth, naturalHeight);
  set(position);
  root.classList.add('is-interactive');
  if (hint) {
    hint.textContent = 'Drag the divider, or focus it and use the arrow keys, to compare your '
      + 'original (left) with the upscaled result (right).';
  }
  handle.hidden = false;
  zoomButton.hidden = false;

  return { set, setNaturalSize, get position() { return position; } };
}

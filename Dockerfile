# syntax=docker/dockerfile:1
# One image family for every part (see compose.yaml):
#   wheel   : builds the project's wheel, npm packages' files included (build only)
#   runtime : API, CPU workers, migrations     (onnxruntime-openvino: CPU + OpenVINO bf16)
#   models  : the one-shot model export        (+ PyTorch, CPU build)
#   gpu     : GPU workers                      (onnxruntime-gpu on CUDA 12 + cuDNN 9)
# The images install that wheel and nothing else from the checkout: migrations,
# templates, static files, htmx/Swagger UI and the model manifest are package
# data inside it (see setup.py and src/upscaler/resources.py).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# gcc: the PNG writer's Huffman coder, a C extension built against Python's
# stable ABI, so the one wheel serves this Python and the GPU image's newer one.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --omit=dev --no-audit --no-fund
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY onnx_models/manifest.json ./onnx_models/manifest.json
COPY src ./src
# The generated API client, which the `upscaler` command line talks through.
COPY clients/python ./clients/python
RUN pip wheel --no-deps -w /wheels ./clients/python
RUN pip wheel --no-deps -w /wheels . \
    && python -c "import glob, zipfile; names = zipfile.ZipFile(*glob.glob('/wheels/*.whl')).namelist(); \
missing = {'upscaler/vendor/htmx/htmx.min.js', 'upscaler/vendor/swagger-ui/swagger-ui-bundle.js', \
'upscaler_worker/export/manifest.json', 'upscaler/migrations/env.py', \
'upscaler_worker/inference/_huffman.abi3.so'} - set(names); assert not missing, missing"

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 upscaler
COPY --from=wheel /wheels /wheels
RUN pip install "$(ls /wheels/imageupscalerpro-*.whl)[cpu]" /wheels/upscaler_client-*.whl
# Only what the service writes: its data and the installed models (a volume).
WORKDIR /app
RUN mkdir -p /app/var /app/onnx_models && chown -R upscaler /app
USER upscaler
EXPOSE 8000
ENV UPSCALER_HOST=0.0.0.0 UPSCALER_DATA_DIR=/app/var UPSCALER_MODEL_DIR=/app/onnx_models
CMD ["upscaler-api"]

FROM runtime AS models
USER root
RUN pip install --index-url https://download.pytorch.org/whl/cpu 'torch==2.13.0' \
    && pip install "$(ls /wheels/imageupscalerpro-*.whl)[export]"
USER upscaler
CMD ["upscaler-models"]

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS gpu
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip libgomp1 \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 10001 upscaler
COPY --from=wheel /wheels /wheels
RUN pip install "$(ls /wheels/imageupscalerpro-*.whl)[gpu]" /wheels/upscaler_client-*.whl
WORKDIR /app
RUN mkdir -p /app/var /app/onnx_models && chown -R upscaler /app
USER upscaler
ENV UPSCALER_DATA_DIR=/app/var UPSCALER_MODEL_DIR=/app/onnx_models
CMD ["upscaler-worker", "--queues", "gpu", "--processes", "1", "--threads", "1"]

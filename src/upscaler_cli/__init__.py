"""`upscaler`: the command-line client. Upscales files and folders through a
server (the generated client in clients/python) or, with `--local`, with the
worker's own inference engine in this process."""

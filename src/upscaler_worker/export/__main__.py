import sys

from upscaler_worker.export.pipeline import main

sys.exit(main())

import sys

from upscaler_worker.export.make_models import main

sys.exit(main())

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongan.settings")
application = get_wsgi_application()

# Python's full garbage collection walks every object the process holds. What start-up made
# (every app's modules, the URL configuration and its views) lives as long as the process:
# set aside, it is not walked again. A full collection in the middle of a sample list at city
# scale cost 125 ms, the slowest of its runs (docs/scale.md).
get_resolver().url_patterns  # noqa: B018 (imports every view)
gc.freeze()

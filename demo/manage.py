#!/usr/bin/env python
"""manage.py of the demo CRM (run from anywhere: ``python demo/manage.py ...``)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
